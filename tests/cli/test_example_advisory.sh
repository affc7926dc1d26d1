#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Golden test of `kizashi extract` on the bundled example advisory
# (examples/advisory-qbot-revil-netfilter.md, English and Japanese, defanged
# forms, a YARA rule, a References section). Checks that:
#   1. the (type, value) set of the default TSV output equals the expected
#      file exactly (no indicator missing, none extra, references left out),
#      and the exit status is 1 ("found");
#   2. with --all, every link of the References section is reported with the
#      class "reference" (CSV output);
#   3. the CVE identifiers, context rather than indicators, are left out by
#      default and reported when --types names cve.
# Differences are printed as "missing:" / "unexpected:" lines.
# Env: KIZASHI (the binary), KZ_SOURCE_DIR (the source tree); both default
# to the usual places so the script also runs by hand from the top folder.
set -u

top=${KZ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
kz=${KIZASHI:-$top/build/dev/kizashi}
adv=$top/examples/advisory-qbot-revil-netfilter.md
exp=$top/examples/advisory-qbot-revil-netfilter.expected.tsv

if [ ! -x "$kz" ]; then
    echo "FAIL: kizashi binary not found: $kz" >&2
    exit 1
fi
for f in "$adv" "$exp"; do
    if [ ! -r "$f" ]; then
        echo "FAIL: cannot read $f" >&2
        exit 1
    fi
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
export LC_ALL=C
fail=0

# ---- 1. indicator set, default options -------------------------------------
"$kz" extract --format tsv "$adv" >"$tmp/out.tsv" 2>"$tmp/err.txt"
rc=$?
if [ "$rc" -ne 1 ]; then
    echo "FAIL: kizashi extract exited with $rc, expected 1 (found)" >&2
    cat "$tmp/err.txt" >&2
    fail=1
fi
if grep -qi 'warning\|error' "$tmp/err.txt"; then
    # The advisory is clean UTF-8 with short lines: no warning is expected.
    echo "FAIL: unexpected diagnostics on stderr:" >&2
    cat "$tmp/err.txt" >&2
    fail=1
fi

# TSV columns: type, value, line (one input: no input-name column). Values
# stay escaped as kizashi prints them (control characters as \xNN); the
# expected file uses the same form.
cut -f 1,2 "$tmp/out.tsv" | sort -u >"$tmp/got"
grep -v '^#' "$exp" | grep -v '^$' | sort -u >"$tmp/want"

comm -23 "$tmp/want" "$tmp/got" >"$tmp/missing"
comm -13 "$tmp/want" "$tmp/got" >"$tmp/extra"
if [ -s "$tmp/missing" ] || [ -s "$tmp/extra" ]; then
    fail=1
    sed 's/^/missing: /' "$tmp/missing"
    sed 's/^/unexpected: /' "$tmp/extra"
    echo "FAIL: $(wc -l <"$tmp/missing") missing, $(wc -l <"$tmp/extra")" \
        "unexpected (of $(wc -l <"$tmp/want") expected)" >&2
fi

# Default output reports each value once.
dups=$(cut -f 1,2 "$tmp/out.tsv" | sort | uniq -d)
if [ -n "$dups" ]; then
    echo "FAIL: values reported more than once without --all-occurrences:" >&2
    printf '%s\n' "$dups" >&2
    fail=1
fi

# ---- 2. references, with --all ---------------------------------------------
# The links of the "## References" section, as written (they are already in
# canonical form: lower-case scheme and host, non-empty path).
sed -n '/^## References/,$p' "$adv" | grep -o 'https://[^ )]*' | sort -u \
    >"$tmp/refs"
if [ ! -s "$tmp/refs" ]; then
    echo "FAIL: no links found in the References section of $adv" >&2
    fail=1
fi
"$kz" extract --all --format csv "$adv" >"$tmp/all.csv" 2>/dev/null
rc=$?
if [ "$rc" -ne 1 ]; then
    echo "FAIL: kizashi extract --all exited with $rc, expected 1" >&2
    fail=1
fi
# CSV: type,value,line,column,class (these URLs need no quoting).
while IFS= read -r u; do
    cls=$(awk -F, -v u="$u" '$1 == "url" && $2 == u { print $5; exit }' \
        "$tmp/all.csv" | tr -d '\r')
    if [ "$cls" != "reference" ]; then
        echo "reference not classed as one: $u (class: ${cls:-absent})"
        fail=1
    fi
done <"$tmp/refs"

# ---- 3. CVE identifiers: context, reported when asked for -------------------
printf 'cve\tCVE-2018-8453\ncve\tCVE-2019-2725\n' >"$tmp/cve.want"
"$kz" extract --types cve --format tsv "$adv" 2>/dev/null | cut -f 1,2 |
    sort -u >"$tmp/cve.got"
if ! cmp -s "$tmp/cve.want" "$tmp/cve.got"; then
    echo "FAIL: --types cve should report exactly the two CVE identifiers; got:"
    sed 's/^/  /' "$tmp/cve.got"
    fail=1
fi

if [ "$fail" -ne 0 ]; then
    echo "FAIL: test_example_advisory" >&2
    exit 1
fi
echo "ok: $(wc -l <"$tmp/want") indicators, $(wc -l <"$tmp/refs") references"
exit 0
