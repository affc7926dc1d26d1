#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CLI tests of `kizashi refang` (text copied with defanged indicators made
# plain, line structure kept) and `kizashi defang` (values from arguments
# or stdin, invalid values rejected with status 2, refang undoes defang).
set -eu
. "$(dirname "$0")/common.sh"

# ---- refang: a defanged line becomes plain, other lines are unchanged
cat >"$tmp/in.txt" <<'EOF'
C2: hxxps://bad[.]example-c2[.]net/gate and 45.77.12[.]34
plain line, nothing to do
EOF
run "$KIZASHI" refang "$tmp/in.txt"
expect_rc 0 "refang"
empty "$tmp/err"
has_line "$tmp/out" "C2: https://bad.example-c2.net/gate and 45.77.12.34"
has_line "$tmp/out" "plain line, nothing to do"
nlines "$tmp/out" 2

run sh -c '"$1" refang <"$2"' sh "$KIZASHI" "$tmp/in.txt"
expect_rc 0 "refang from stdin"
has_line "$tmp/out" "C2: https://bad.example-c2.net/gate and 45.77.12.34"

# a last line without a newline stays without one
printf 'x 45.77.12[.]34' >"$tmp/nonl.txt"
run "$KIZASHI" refang "$tmp/nonl.txt"
[ "$(cat "$tmp/out")" = "x 45.77.12.34" ] || fail "refang without newline"
[ "$(wc -c <"$tmp/out")" -eq 13 ] || fail "refang added a newline"

# an over-long line (beyond KZ_MAX_LINE = 1 MiB) goes through in pieces
awk 'BEGIN { for (i = 0; i < 120000; i++) printf "evil[.]com "; print "" }' \
    >"$tmp/long.txt"
run "$KIZASHI" refang "$tmp/long.txt"
expect_rc 0 "refang of a long line"
nlines "$tmp/out" 1
[ "$(grep -o 'evil\.com' "$tmp/out" | wc -l)" -eq 120000 ] || fail "long line pieces"

run "$KIZASHI" refang "$tmp/missing.txt" "$tmp/in.txt"
expect_rc 2 "refang with an unreadable input"
has_line "$tmp/err" "kizashi: $tmp/missing.txt: cannot open: No such file or directory"
has_line "$tmp/out" "plain line, nothing to do"

# ---- defang
run "$KIZASHI" defang --type url https://evil.com/a
expect_rc 0 "defang url"
has_line "$tmp/out" "hxxps://evil[.]com/a"
run "$KIZASHI" defang -t email admin@evil.com
expect_rc 0 "defang email"
if grep -q '@evil\.com' "$tmp/out"; then fail "email not defanged"; fi

# guessed types, several values, one per line
run "$KIZASHI" defang 45.77.12.34 evil.com https://evil.com/a
expect_rc 0 "defang with guessed types"
nlines "$tmp/out" 3
has_line "$tmp/out" "hxxps://evil[.]com/a"
if grep -qx '45\.77\.12\.34' "$tmp/out"; then fail "ipv4 not defanged"; fi

# from stdin; defanging is idempotent (values are refanged first)
printf 'https://evil.com/a\n\nhxxps://evil[.]com/a\n' >"$tmp/values.txt"
run sh -c '"$1" defang --type url <"$2"' sh "$KIZASHI" "$tmp/values.txt"
expect_rc 0 "defang from stdin"
nlines "$tmp/out" 2
[ "$(sort -u "$tmp/out")" = "hxxps://evil[.]com/a" ] || fail "defang not idempotent"

# refang undoes defang
printf '%s\n' "https://sub.evil.com:8443/p?q=1" "45.77.12.34" >"$tmp/plain.txt"
"$KIZASHI" defang <"$tmp/plain.txt" >"$tmp/d.txt"
if cmp -s "$tmp/d.txt" "$tmp/plain.txt"; then fail "defang changed nothing"; fi
"$KIZASHI" refang "$tmp/d.txt" >"$tmp/r.txt"
cmp -s "$tmp/r.txt" "$tmp/plain.txt" || fail "refang(defang(x)) != x"

# invalid values: status 2, the others still printed
run "$KIZASHI" defang --type ipv4 999.1.1.1 45.77.12.34
expect_rc 2 "defang of an invalid ipv4"
nlines "$tmp/out" 1
grep -q "^kizashi: '999\.1\.1\.1' is not a valid ipv4: " "$tmp/err" || fail "invalid message"

run "$KIZASHI" defang --type bogus x
expect_rc 2 "defang --type bogus"
has_line "$tmp/err" "kizashi: unknown type 'bogus'"
has_line "$tmp/err" "Try 'kizashi defang --help'."

echo "ok"
