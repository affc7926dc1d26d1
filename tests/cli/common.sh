# SPDX-License-Identifier: Apache-2.0
# Shared set-up of the CLI tests (sourced, not run): a scratch directory
# removed on exit, and small assertions that print what failed together
# with the captured stdout and stderr of the last `run`.
: "${KIZASHI:?KIZASHI must name the kizashi binary}"
tmp=$(mktemp -d)
[ -n "${KZ_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    for f in out err; do
        [ -f "$tmp/$f" ] && { printf -- '--- std%s:\n' "$f" >&2; cat "$tmp/$f" >&2; }
    done
    exit 1
}
run() { rc=0; "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?; }
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"; }
has_line() { grep -qxF -e "$2" "$1" || fail "$(basename "$1") lacks the line '$2'"; }
lacks() { if grep -qF -e "$2" "$1"; then fail "$(basename "$1") has '$2'"; fi; }
empty() { [ ! -s "$1" ] || fail "$(basename "$1") is not empty"; }
nlines() { [ "$(wc -l <"$1")" -eq "$2" ] || fail "$(basename "$1") has not $2 lines"; }
