#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CLI tests of `kizashi extract`: the exit status rules (0 nothing, 1 found,
# 2 usage/fatal/no input readable, 3 nothing found but inputs unreadable),
# option forms, --types, --all, --defang, and that json, csv and stix
# output parse (python3) with the documented keys, patterns and quoting.
set -eu
. "$(dirname "$0")/common.sh"

T=$(printf '\t')
CR=$(printf '\r')
HASH=f23e89225a0d51f53c0d49b56f70e3bd07534721a4d6932766208c44d52cbcca
IP=45.77.12.34
URL=http://update-check.net/gate.php

cat >"$tmp/report.txt" <<EOF
Threat report

The loader contacts 45.77.12[.]34 on port 443 and downloads
hxxp://update-check[.]net/gate.php which drops a file with
SHA256 $HASH.
For background see https://www.microsoft.com/en-us/security/blog/ .
EOF
printf 'Nothing to see here.\nJust words, no indicators.\n' >"$tmp/empty.txt"

# ---- found: status 1, exact TSV lines, no input column for one input
run "$KIZASHI" extract "$tmp/report.txt"
expect_rc 1 "extract report"
empty "$tmp/err"
has_line "$tmp/out" "ipv4${T}${IP}${T}3"
has_line "$tmp/out" "url${T}${URL}${T}4"
has_line "$tmp/out" "sha256${T}${HASH}${T}5"
lacks "$tmp/out" "microsoft.com"
cp "$tmp/out" "$tmp/report.tsv"

# ---- standard input, with and without "-"
run sh -c '"$1" extract <"$2"' sh "$KIZASHI" "$tmp/report.txt"
expect_rc 1 "extract from stdin"
cmp -s "$tmp/out" "$tmp/report.tsv" || fail "stdin output differs"
run sh -c '"$1" extract - <"$2"' sh "$KIZASHI" "$tmp/report.txt"
expect_rc 1 "extract -"
cmp -s "$tmp/out" "$tmp/report.tsv" || fail "'-' output differs"

# ---- nothing found: status 0, no output
run "$KIZASHI" extract "$tmp/empty.txt"
expect_rc 0 "extract empty"
empty "$tmp/out"
empty "$tmp/err"

# ---- unreadable inputs
run "$KIZASHI" extract "$tmp/missing.txt"
expect_rc 2 "only an unreadable input"
empty "$tmp/out"
has_line "$tmp/err" "kizashi: $tmp/missing.txt: cannot open: No such file or directory"

run "$KIZASHI" extract "$tmp/report.txt" "$tmp/missing.txt"
expect_rc 1 "found + unreadable"
has_line "$tmp/out" "$tmp/report.txt${T}ipv4${T}${IP}${T}3"
has_line "$tmp/err" "kizashi: $tmp/missing.txt: cannot open: No such file or directory"

run "$KIZASHI" extract "$tmp/empty.txt" "$tmp/missing.txt"
expect_rc 3 "nothing found + unreadable"
empty "$tmp/out"
has_line "$tmp/err" "kizashi: $tmp/missing.txt: cannot open: No such file or directory"

run "$KIZASHI" extract "$tmp/missing.txt" "$tmp/missing2.txt"
expect_rc 2 "every input unreadable"

mkdir "$tmp/dir"
run "$KIZASHI" extract "$tmp/dir"
expect_rc 2 "a directory"
has_line "$tmp/err" "kizashi: $tmp/dir: is a directory"
run "$KIZASHI" extract "$tmp/dir" "$tmp/empty.txt"
expect_rc 3 "a directory + nothing found"

# ---- several inputs: the input name comes first, dedup is per input
run "$KIZASHI" extract "$tmp/report.txt" "$tmp/empty.txt" "$tmp/report.txt"
expect_rc 1 "several inputs"
[ "$(grep -c "^$tmp/report.txt${T}ipv4${T}${IP}${T}3\$" "$tmp/out")" -eq 2 ] ||
    fail "each input reports its own values"

# ---- control characters in a file name are escaped on stderr
esc=$(printf '\033')
run "$KIZASHI" extract "$tmp/a${esc}]0;pwned${esc}b"
expect_rc 2 "escaped file name"
grep -qF 'a\x1b]0;pwned\x1bb: cannot open' "$tmp/err" || fail "file name not escaped"
if grep -q "$esc" "$tmp/err"; then fail "raw ESC reached stderr"; fi

# ---- "--" ends the options; option forms are equivalent
cp "$tmp/report.txt" "$tmp/-q"
run sh -c 'cd "$2" && "$1" extract -- -q' sh "$KIZASHI" "$tmp"
expect_rc 1 "extract -- -q"
has_line "$tmp/out" "ipv4${T}${IP}${T}3"
run "$KIZASHI" extract --format json "$tmp/report.txt"
cp "$tmp/out" "$tmp/ref.json"
for form in "--format=json" "-f json" "-fjson"; do
    # shellcheck disable=SC2086
    run "$KIZASHI" extract $form "$tmp/report.txt"
    expect_rc 1 "extract $form"
    cmp -s "$tmp/out" "$tmp/ref.json" || fail "'$form' differs from '--format json'"
done
run "$KIZASHI" extract "$tmp/report.txt" --format json
cmp -s "$tmp/out" "$tmp/ref.json" || fail "options after operands"

# ---- --types
run "$KIZASHI" extract --types ipv4 "$tmp/report.txt"
expect_rc 1 "--types ipv4"
has_line "$tmp/out" "ipv4${T}${IP}${T}3"
nlines "$tmp/out" 1
run "$KIZASHI" extract -t IPv4,sha256 "$tmp/report.txt"
expect_rc 1 "--types IPv4,sha256"
has_line "$tmp/out" "sha256${T}${HASH}${T}5"
nlines "$tmp/out" 2
run "$KIZASHI" extract --types md5 "$tmp/report.txt"
expect_rc 0 "--types with nothing of the type"
empty "$tmp/out"
run "$KIZASHI" extract --types ipv4,bogus "$tmp/report.txt"
expect_rc 2 "--types with an unknown name"
empty "$tmp/out"
grep -q "^kizashi: unknown type 'bogus' (valid: ipv4, ipv6, .*sha256.*)\$" "$tmp/err" ||
    fail "unknown type message"
has_line "$tmp/err" "Try 'kizashi extract --help'."

# ---- --all-occurrences
printf 'first %s\nagain %s\n' "45.77.12[.]34" "45.77.12.34" >"$tmp/twice.txt"
run "$KIZASHI" extract "$tmp/twice.txt"
expect_rc 1 "value twice"
nlines "$tmp/out" 1
has_line "$tmp/out" "ipv4${T}${IP}${T}1"
run "$KIZASHI" extract --all-occurrences "$tmp/twice.txt"
has_line "$tmp/out" "ipv4${T}${IP}${T}1"
has_line "$tmp/out" "ipv4${T}${IP}${T}2"

# ---- --html / --text are accepted
printf '<html><body><p>C2: 45.77.12[.]34</p></body></html>\n' >"$tmp/r.html"
for f in --html --text; do
    run "$KIZASHI" extract "$f" --types ipv4 "$tmp/r.html"
    expect_rc 1 "extract $f"
    grep -q "^ipv4${T}${IP}${T}1\$" "$tmp/out" || fail "$f output"
done

# ---- JSON Lines: parses, keys in order, canonical value and raw
run "$KIZASHI" extract --format json "$tmp/report.txt"
expect_rc 1 "json"
python3 - "$tmp/out" <<'EOF' || fail "json output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
keys = ["type", "value", "raw", "input", "line", "column", "class", "defanged"]
assert rows, "no rows"
for r in rows:
    assert list(r)[:8] == keys, list(r)
ip = [r for r in rows if r["type"] == "ipv4"]
assert len(ip) == 1, ip
ip = ip[0]
assert ip["value"] == "45.77.12.34" and ip["raw"] == "45.77.12[.]34", ip
assert ip["line"] == 3 and ip["class"] == "indicator", ip
assert ip["defanged"] is True and ip["input"].endswith("report.txt"), ip
assert not [r for r in rows if r["class"] != "indicator"], rows
EOF
run "$KIZASHI" extract --format json --all "$tmp/report.txt"
python3 - "$tmp/out" <<'EOF' || fail "json --all output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
refs = [r for r in rows if r["class"] == "reference"]
assert refs, "no reference with --all"
assert all(isinstance(r.get("why"), str) and r["why"] for r in refs), refs
assert any("microsoft.com" in r["value"] for r in refs), refs
EOF

# ---- CSV: header, RFC 4180, parses
run "$KIZASHI" extract --format csv "$tmp/report.txt"
expect_rc 1 "csv"
[ "$(head -n 1 "$tmp/out")" = "type,value,line,column,class$CR" ] || fail "csv header"
grep -q "^ipv4,45\.77\.12\.34,3,[0-9][0-9]*,indicator$CR\$" "$tmp/out" || fail "csv row"
python3 - "$tmp/out" <<'EOF' || fail "csv parse"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert any(r["type"] == "sha256" and r["line"] == "5" for r in rows), rows
EOF

# ---- --defang: the values of `kizashi defang`, nothing clickable
run "$KIZASHI" extract --defang --types ipv4,url "$tmp/report.txt"
expect_rc 1 "--defang"
cp "$tmp/out" "$tmp/defanged.tsv"
lacks "$tmp/defanged.tsv" "http://"
lacks "$tmp/defanged.tsv" "${T}${IP}${T}"
run "$KIZASHI" defang --type ipv4 "$IP"
expect_rc 0 "defang ipv4"
has_line "$tmp/defanged.tsv" "ipv4${T}$(cat "$tmp/out")${T}3"
run "$KIZASHI" defang --type url "$URL"
has_line "$tmp/defanged.tsv" "url${T}$(cat "$tmp/out")${T}4"
run "$KIZASHI" extract --defang --format json --types url "$tmp/report.txt"
python3 - "$tmp/out" "$(cat "$tmp/defanged.tsv" | grep '^url' | cut -f 2)" <<'EOF' || fail "json --defang"
import json, sys
r = json.loads(open(sys.argv[1], encoding="utf-8").readline())
assert r["value"] == "http://update-check.net/gate.php", r
assert r["defanged_value"] == sys.argv[2], (r, sys.argv[2])
EOF

# ---- STIX 2.1: one bundle, reproducible, patterns quoted
cat >"$tmp/hostile.txt" <<'EOF'
The dropper writes C:\Users\Public\it's\evil.exe and
C:\ProgramData\x\y'z.dll, then fetches hxxp://bad-host[.]net/a'b\c
and hxxp://bad-host[.]net/q?x=\'];DROP from 45.77.12[.]34.
CVE-2021-44228 is exploited.
EOF
for f in report.txt hostile.txt; do
    run env SOURCE_DATE_EPOCH=1625227200 "$KIZASHI" extract --format stix \
        "$tmp/$f"
    expect_rc 1 "stix $f"
    cp "$tmp/out" "$tmp/$f.stix"
    python3 - "$tmp/out" <<'EOF' || fail "stix output of $f"
import json, re, sys, uuid
b = json.load(open(sys.argv[1], encoding="utf-8"))
assert b["type"] == "bundle" and b["id"].startswith("bundle--"), b
objs = b["objects"]
assert objs, "no objects"
lit = r"'(?:[^'\\]|\\['\\])*'"
path = r"[a-z0-9-]+:[A-Za-z0-9_.'-]+"
pat = re.compile(r"\[%s = (?:%s|\d+)(?: AND %s = %s)?\]\Z" % (path, lit, path, lit), re.S)
ids = [o["id"] for o in objs]
assert len(ids) == len(set(ids)), ids
ns = uuid.uuid5(uuid.NAMESPACE_DNS, "kizashi")
for o in objs:
    assert o["spec_version"] == "2.1", o
    assert o["created"] == o["modified"] == "2021-07-02T12:00:00.000Z", o
    if o["type"] == "vulnerability":
        assert o["external_references"][0]["external_id"] == o["name"], o
        continue
    assert o["type"] == "indicator", o
    assert o["indicator_types"] == ["malicious-activity"], o
    assert o["valid_from"] == o["created"], o
    assert o["pattern_type"] in ("stix", "yara"), o
    if o["pattern_type"] == "stix":
        assert pat.match(o["pattern"]), o["pattern"]
ip = [o for o in objs if o.get("pattern") == "[ipv4-addr:value = '45.77.12.34']"]
assert len(ip) == 1, objs
assert ip[0]["id"] == "indicator--%s" % uuid.uuid5(ns, "ipv4:45.77.12.34"), ip
EOF
done
run env SOURCE_DATE_EPOCH=1625227200 "$KIZASHI" extract --format stix "$tmp/report.txt"
cmp -s "$tmp/out" "$tmp/report.txt.stix" || fail "stix output is not reproducible"
grep -q '"type":"vulnerability"' "$tmp/hostile.txt.stix" || fail "cve as vulnerability"
run "$KIZASHI" extract --format stix "$tmp/empty.txt"
expect_rc 0 "stix with nothing found"
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); assert b["objects"] == [], b' \
    "$tmp/out" || fail "empty stix bundle"

# ---- warnings name input, line and column; --quiet drops them
printf 'bad \377 byte near 45.77.12[.]34\n' >"$tmp/w.txt"
run "$KIZASHI" extract "$tmp/w.txt"
expect_rc 1 "invalid UTF-8 input"
grep -qF "kizashi: $tmp/w.txt:1" "$tmp/err" || fail "warning position"
grep -q ": warning: " "$tmp/err" || fail "warning severity"
run "$KIZASHI" extract -q "$tmp/w.txt"
expect_rc 1 "invalid UTF-8 input, quiet"
empty "$tmp/err"

# ---- write errors: ENOSPC is reported, EPIPE ends quietly; both status 2
if [ -w /dev/full ]; then
    rc=0
    "$KIZASHI" extract "$tmp/report.txt" >/dev/full 2>"$tmp/err" || rc=$?
    expect_rc 2 "stdout on /dev/full"
    has_line "$tmp/err" "kizashi: write error: No space left on device"
fi
awk 'BEGIN { for (i = 0; i < 30000; i++)
    printf "host 45.%d.%d.1 seen\n", int(i / 250) + 1, i % 250 }' >"$tmp/big.txt"
(
    rc=0
    "$KIZASHI" extract "$tmp/big.txt" 2>"$tmp/err" || rc=$?
    echo "$rc" >"$tmp/rc"
) | head -n 1 >/dev/null
[ "$(cat "$tmp/rc")" -eq 2 ] || fail "closed pipe: status $(cat "$tmp/rc"), expected 2"
empty "$tmp/err"

echo "ok"
