#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CLI tests of dispatch, help and version: help goes to stdout with status
# 0, usage errors are one "kizashi: " line plus "Try '...'" on stderr with
# status 2, and help is the same whichever way it is asked for.
set -eu
. "$(dirname "$0")/common.sh"

# ---- general help
for args in "--help" "-h" "help"; do
    # shellcheck disable=SC2086
    run "$KIZASHI" $args
    expect_rc 0 "kizashi $args"
    empty "$tmp/err"
    has_line "$tmp/out" "Usage: kizashi COMMAND [OPTIONS] [ARGS...]"
    for cmd in extract refang defang help version; do
        grep -q "^  $cmd  *[a-z]" "$tmp/out" || fail "help lacks command $cmd"
    done
    cp "$tmp/out" "$tmp/help.$args"
done
cmp -s "$tmp/help.--help" "$tmp/help.help" || fail "'help' differs from --help"

# ---- command help: the same text both ways, from the option table
for cmd in extract refang defang help version; do
    run "$KIZASHI" "$cmd" --help
    expect_rc 0 "kizashi $cmd --help"
    empty "$tmp/err"
    grep -q "^Usage: kizashi $cmd \[OPTIONS\]" "$tmp/out" || fail "$cmd usage line"
    grep -q '^  -h, --help  *show this help and exit$' "$tmp/out" ||
        fail "$cmd --help lacks -h"
    cp "$tmp/out" "$tmp/a"
    run "$KIZASHI" help "$cmd"
    expect_rc 0 "kizashi help $cmd"
    cmp -s "$tmp/a" "$tmp/out" || fail "'help $cmd' differs from '$cmd --help'"
done
run "$KIZASHI" extract -h
expect_rc 0 "extract -h"
for opt in "-f, --format FORMAT" "-t, --types LIST" "-a, --all" \
    "--all-occurrences" "--defang" "--html" "--text" "-q, --quiet"; do
    grep -qF -e "  $opt " "$tmp/out" || fail "extract --help lacks $opt"
done
grep -q '^Types: ipv4, ipv6, cidr, domain, url' "$tmp/out" || fail "type list"

# ---- version
for args in version --version; do
    run "$KIZASHI" $args
    expect_rc 0 "kizashi $args"
    empty "$tmp/err"
    [ "$(head -n 1 "$tmp/out")" = "kizashi 0.1.0" ] || fail "$args first line"
    for lib in libidn2 libpsl libxml2 OpenSSL; do
        grep -q "^$lib [0-9]" "$tmp/out" || fail "$args lacks $lib"
    done
done

# ---- unknown command
run "$KIZASHI" foo
expect_rc 2 "kizashi foo"
empty "$tmp/out"
has_line "$tmp/err" "kizashi: 'foo' is not a kizashi command. See 'kizashi help'."
nlines "$tmp/err" 1
run "$KIZASHI" help foo
expect_rc 2 "kizashi help foo"
has_line "$tmp/err" "kizashi: 'foo' is not a kizashi command. See 'kizashi help'."

# ---- usage errors
run "$KIZASHI"
expect_rc 2 "no command"
has_line "$tmp/err" "Try 'kizashi --help'."
run "$KIZASHI" --bogus
expect_rc 2 "kizashi --bogus"
has_line "$tmp/err" "kizashi: unknown option '--bogus'"
has_line "$tmp/err" "Try 'kizashi --help'."

run "$KIZASHI" extract --bogus
expect_rc 2 "extract --bogus"
empty "$tmp/out"
has_line "$tmp/err" "kizashi: unknown option '--bogus'"
has_line "$tmp/err" "Try 'kizashi extract --help'."
nlines "$tmp/err" 2
run "$KIZASHI" extract -Z
expect_rc 2 "extract -Z"
has_line "$tmp/err" "kizashi: unknown option '-Z'"
run "$KIZASHI" extract --format
expect_rc 2 "extract --format without argument"
has_line "$tmp/err" "kizashi: missing argument for option '--format'"
has_line "$tmp/err" "Try 'kizashi extract --help'."
run "$KIZASHI" extract --quiet=yes
expect_rc 2 "extract --quiet=yes"
has_line "$tmp/err" "kizashi: no argument allowed for option '--quiet'"
run "$KIZASHI" extract --format xml
expect_rc 2 "extract --format xml"
has_line "$tmp/err" "kizashi: unknown format 'xml' (valid: tsv, json, csv, stix)"
has_line "$tmp/err" "Try 'kizashi extract --help'."
run "$KIZASHI" version extra
expect_rc 2 "version extra"
has_line "$tmp/err" "Try 'kizashi version --help'."

# ---- hostile text in an error message is escaped
esc=$(printf '\033')
run "$KIZASHI" "x${esc}[2J"
expect_rc 2 "command with an escape character"
has_line "$tmp/err" "kizashi: 'x\\x1b[2J' is not a kizashi command. See 'kizashi help'."
if grep -q "$esc" "$tmp/err"; then fail "raw ESC reached stderr"; fi

echo "ok"
