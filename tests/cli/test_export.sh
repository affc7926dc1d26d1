#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CLI tests of `kizashi export`: every format from a store built from a
# text advisory and a CSV feed holding hostile values (quotes, ';', '\',
# '|', newlines, "$(rm -rf /)", "*/", an RPZ trigger label), checked with
# the real tools (named-checkzone, nft -c, yara and kizashi hunt --yara,
# suricata -T from bookworm-backports, datasets included) and with strict
# grammar checkers (export_check.py: Suricata rules, and Zeek intel, which
# Debian does not package); suppression, --advisory,
# --types, --min-confidence, -o write-then-rename, usage errors.
set -eu
. "$(dirname "$0")/common.sh"

here=$(dirname "$0")
db="$tmp/store/intel.db"
K() { "$KIZASHI" "$@"; }
X() { "$KIZASHI" export --db "$db" "$@"; }
check() { python3 "$here/export_check.py" "$@"; }

# ---- the intel: an advisory and a feed ------------------------------------
cat >"$tmp/adv.md" <<'EOF'
# Qbot infections lead to REvil ransomware

Published: 2022-02-07

## Indicators
- C2: 45.77.12[.]34 and hxxp://update.evil-cdn[.]net/gate.php?id=7
- Domain: c2.evil-cdn[.]net
EOF
printf 'kizashi planted sample\n' >"$tmp/planted.bin"
planted=$(md5sum "$tmp/planted.bin" | cut -d' ' -f1)
# hostile values: CSV quoting carries quotes, newlines and tabs into them
cat >"$tmp/feed.csv" <<EOF
type,value,threat,source,confidence
domain,bad.example,Emotet,feedA,90
domain,trigger.rpz-ip,Emotet,feedA,90
ipv4,45.77.12.35,Emotet,feedA,90
cidr,45.77.12.0/24,Emotet,feedA,60
ipv4,192.0.2.7,Emotet,feedA,90
ipv6,2001:db8::7,Emotet,feedA,90
cidr,2001:db8:1::/48,Emotet,feedA,90
ipv6,::ffff:198.51.100.9,Emotet,feedA,90
url,https://bad.example:8443/a/b?c=d,Emotet,feedA,90
md5,$planted,Emotet,feedA,90
sha256,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,Emotet,feedA,90
email,boss@bad.example,Emotet,feedA,40
filename,invoice_2022.xlsm,Emotet,feedA,40
filename,"=cmd|' /C calc'!A0.xls",Emotet,feedA,40
mutex,"Global\\m;""|x\$(rm -rf /)*/",Emotet,feedA,
user_agent,"Mozilla/5.0 ""x""; \$(rm -rf /) */ | \\ ;",Emotet,feedA,
string,"two
lines""; rule x { condition: true } */",Emotet,feedA,
EOF
run K intel --db "$db" add "$tmp/adv.md"
expect_rc 0 "add the advisory"
run K intel --db "$db" add "$tmp/feed.csv"
expect_rc 0 "add the feed"
grep -q "17 records, 17 indicators" "$tmp/out" || fail "feed summary"

# ---- usage errors -----------------------------------------------------------
run X
expect_rc 2 "no format"
grep -q "no format given" "$tmp/err" || fail "no format message"
run X -f snort
expect_rc 2 "unknown format"
run X -f list --types nosuchtype
expect_rc 2 "unknown type"
run X -f list --min-confidence 101
expect_rc 2 "confidence out of range"
run X -f suricata-datasets
expect_rc 2 "datasets to stdout without --datasets"
run X -f list -o "$tmp/no/such/dir/out.txt"
expect_rc 2 "-o into a missing folder"
run K export --db "$tmp/none.db" -f list
expect_rc 2 "no store"
run X --help
expect_rc 0 "help"
grep -q "suricata-datasets" "$tmp/out" || fail "help lists the formats"

# ---- the checkers refuse what escaped its quoting ----------------------------
printf '%s\n' 'alert http $HOME_NET any -> any any (msg:"x"; http.user_agent; content:"a"b"; sid:1; rev:1;)' >"$tmp/bad.rules"
if check suricata "$tmp/bad.rules" >/dev/null 2>&1; then fail "checker: a stray quote"; fi
if check suricata-t "$tmp/bad.rules" >/dev/null 2>&1; then fail "suricata -T: a stray quote"; fi
printf '%s\n' 'alert http $HOME_NET any -> any any (msg:"x"; http.user_agent; content:"a;"; sid:1; rev:1;)' >"$tmp/bad.rules"
if check suricata "$tmp/bad.rules" >/dev/null 2>&1; then fail "checker: a raw ';'"; fi
printf '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\na\tb\tIntel::DOMAIN\t-\t-\t-\n' >"$tmp/bad.intel"
if check zeek "$tmp/bad.intel" >/dev/null 2>&1; then fail "checker: a tab in a value"; fi

# ---- suricata ---------------------------------------------------------------
run X -f suricata -o "$tmp/k.rules"
expect_rc 0 "suricata"
empty "$tmp/out"
grep -q "exported 13 indicators as suricata" "$tmp/err" || fail "suricata count"
grep -q "not expressible in suricata: email 1, md5 1, sha256 1, filename 2, string 1, mutex 1" "$tmp/err" ||
    fail "suricata left-out summary"
check suricata "$tmp/k.rules" >"$tmp/sur.json" || fail "suricata grammar"
# and Suricata's own parser loads every rule (the hostile values included)
check suricata-t "$tmp/k.rules" >"$tmp/sur-t.json" ||
    fail "suricata -T refuses the rules: $(check suricata-t "$tmp/k.rules" 2>&1 | tail -5)"
grep -q '"loaded": 16, "failed": 0' "$tmp/sur-t.json" || fail "suricata -T loaded 16"
python3 - "$tmp/sur.json" <<'PY' || fail "suricata rules"
import json, sys
rules = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rules:
    for c in r["contents"]:
        by.setdefault(c, []).append(r)
# a domain: dns.query, tls.sni, http.host, each with dotprefix + endswith
d = by[".bad.example"]
assert sorted(r["proto"] for r in d) == ["dns", "http", "tls"], d
for r in d:
    assert "dotprefix" in r["keywords"] and "endswith" in r["keywords"], r
    assert "Emotet" in r["msg"], r
# the hostile user agent reads back exactly, in one content
ua = 'Mozilla/5.0 "x"; $(rm -rf /) */ | \\ ;'
assert [r["contents"] for r in by[ua]] == [[ua]], by.get(ua)
# the URL: host exactly, path and query as the start of the URI
u = [r for r in rules if "/a/b?c=d" in r["contents"]]
assert len(u) == 1 and u[0]["contents"] == ["bad.example", "/a/b?c=d"], u
# addresses grouped per threat, both directions, mapped IPv6 as IPv4
ip = [r for r in rules if r["proto"] == "ip"]
assert len(ip) == 4, ip
lists = {r["dst"] for r in ip if r["src"] == "$HOME_NET"}
allv = ",".join(lists)
for a in ("45.77.12.34", "45.77.12.35", "45.77.12.0/24", "192.0.2.7",
          "2001:db8::7", "2001:db8:1::/48", "198.51.100.9"):
    assert a in allv.split(",") or ("[" + a) in allv or (a + "]") in allv, (a, allv)
# nothing else: 3 domains x 3 + url + ua + 4 address rules
assert len(rules) == 9 + 2 + 1 + 4, len(rules)
PY
# sids derive from the indicator ids and a configurable base
run X -f suricata --sid-base 2000000
expect_rc 0 "--sid-base"
grep -q "sid:20001" "$tmp/out" || fail "sid base"
lacks "$tmp/out" "sid:9"

# ---- suricata-datasets ------------------------------------------------------
mkdir "$tmp/ds"
run X -f suricata-datasets -o "$tmp/ds/kizashi.rules"
expect_rc 0 "suricata-datasets"
check suricata "$tmp/ds/kizashi.rules" >/dev/null || fail "datasets grammar"
check suricata-t "$tmp/ds/kizashi.rules" "$tmp/ds" >/dev/null ||
    fail "suricata -T refuses the dataset rules: $(check suricata-t "$tmp/ds/kizashi.rules" "$tmp/ds" 2>&1 | tail -5)"
grep -q "dataset:isset,kizashi-domains,type string,load kizashi-domains.lst;" \
    "$tmp/ds/kizashi.rules" || fail "dataset rule"
grep -q "filemd5:kizashi-md5.txt;" "$tmp/ds/kizashi.rules" || fail "filemd5 rule"
python3 - "$tmp/ds/kizashi-domains.lst" "$tmp/ds/kizashi-user-agents.lst" <<'PY' ||
import base64, sys
doms = sorted(base64.b64decode(l).decode() for l in open(sys.argv[1]))
assert doms == ["bad.example", "c2.evil-cdn.net", "trigger.rpz-ip"], doms
uas = [base64.b64decode(l).decode() for l in open(sys.argv[2])]
assert uas == ['Mozilla/5.0 "x"; $(rm -rf /) */ | \\ ;'], uas
PY
    fail "dataset contents"
has_line "$tmp/ds/kizashi-md5.txt" "$planted"
nlines "$tmp/ds/kizashi-sha256.txt" 1
if ls -a "$tmp/ds" | grep -q '^\.'"kizashi"; then fail "temporary files left"; fi

# ---- zeek -------------------------------------------------------------------
run X -f zeek -o "$tmp/k.intel"
expect_rc 0 "zeek"
check zeek "$tmp/k.intel" >"$tmp/zeek.json" || fail "zeek grammar"
head -n 1 "$tmp/k.intel" | grep -qx "$(printf '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url')" ||
    fail "zeek header"
has_line "$tmp/k.intel" "$(printf 'bad.example:8443/a/b?c=d\tIntel::URL\tkizashi: feedA\tEmotet\t-')" ||
    fail "zeek URL without scheme"
has_line "$tmp/k.intel" "$(printf '2001:db8:1::/48\tIntel::SUBNET\tkizashi: feedA\tEmotet\t-')"
has_line "$tmp/k.intel" "$(printf '198.51.100.9\tIntel::ADDR\tkizashi: feedA\tEmotet\t-')"
grep -q "Intel::FILE_HASH" "$tmp/k.intel" || fail "zeek hash"
grep -q "Intel::EMAIL" "$tmp/k.intel" || fail "zeek email"
grep -q "	Intel::SOFTWARE	" "$tmp/k.intel" || fail "zeek user agent"
python3 - "$tmp/zeek.json" <<'PY' || fail "zeek values"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ua = [r for r in rows if r["type"] == "Intel::SOFTWARE"]
assert ua[0]["indicator"] == 'Mozilla/5.0 "x"; $(rm -rf /) */ | \\ ;', ua
assert any(r["desc"].startswith("QakBot") or "Qbot" in r["desc"]
           for r in rows if r["indicator"] == "45.77.12.34"), rows
PY

# ---- nft --------------------------------------------------------------------
run X -f nft -o "$tmp/k.nft"
expect_rc 0 "nft"
grep -q "merged into others" "$tmp/err" || fail "nft says what it merged"
# 45.77.12.34 and .35 are inside 45.77.12.0/24: one element (nft refuses
# overlapping intervals)
grep -q "45.77.12.0/24" "$tmp/k.nft" || fail "nft /24"
lacks "$tmp/k.nft" "45.77.12.34"
lacks "$tmp/k.nft" "45.77.12.35"
grep -q "198.51.100.9" "$tmp/k.nft" || fail "mapped IPv6 in the IPv4 set"
grep -q "^delete table inet kizashi$" "$tmp/k.nft" || fail "reloadable"
command -v nft >/dev/null || fail "nft is not installed (scripts/bootstrap)"
nft -c -f "$tmp/k.nft" 2>"$tmp/nft.err" || {
    cat "$tmp/nft.err" >&2
    fail "nft -c refuses the script"
}

# ---- rpz --------------------------------------------------------------------
SOURCE_DATE_EPOCH=1700000000 run X -f rpz -o "$tmp/k.rpz"
expect_rc 0 "rpz"
grep -q "( 1700000000 " "$tmp/k.rpz" || fail "rpz serial from SOURCE_DATE_EPOCH"
has_line "$tmp/k.rpz" "$(printf 'bad.example\tCNAME\t.')"
has_line "$tmp/k.rpz" "$(printf '*.bad.example\tCNAME\t.')"
has_line "$tmp/k.rpz" "$(printf '32.7.2.0.192.rpz-ip\tCNAME\t.')"
has_line "$tmp/k.rpz" "$(printf '24.0.12.77.45.rpz-ip\tCNAME\t.')"
has_line "$tmp/k.rpz" "$(printf '128.7.0.0.0.0.0.db8.2001.rpz-ip\tCNAME\t.')"
has_line "$tmp/k.rpz" "$(printf '32.9.100.51.198.rpz-ip\tCNAME\t.')"
lacks "$tmp/k.rpz" "trigger.rpz-ip"
grep -q "left out of the rpz export: ends in an RPZ trigger label" "$tmp/err" ||
    fail "the trigger-label domain is named"
command -v named-checkzone >/dev/null ||
    fail "named-checkzone is not installed (scripts/bootstrap)"
named-checkzone rpz.local "$tmp/k.rpz" >"$tmp/nc.out" 2>&1 || {
    cat "$tmp/nc.out" >&2
    fail "named-checkzone refuses the zone"
}

# ---- yara -------------------------------------------------------------------
run X -f yara -o "$tmp/k.yar"
expect_rc 0 "yara"
grep -q "^rule kizashi_Emotet$" "$tmp/k.yar" || fail "one rule per threat"
[ "$(grep -c '^rule ' "$tmp/k.yar")" -eq 1 ] || fail "no rule injected"
grep -q "hash.md5(0, filesize) == \"$planted\"" "$tmp/k.yar" || fail "md5"
grep -q 'filesize < 256MB and' "$tmp/k.yar" || fail "filesize first"
# the hostile string is one escaped literal
grep -qF '"two\x0alines\"; rule x { condition: true } */" ascii wide' "$tmp/k.yar" ||
    fail "string escaped"
mkdir "$tmp/ev"
cp "$tmp/planted.bin" "$tmp/ev/"
printf 'Global\\m;"|x$(rm -rf /)*/' >"$tmp/ev/mutex.bin"
printf 'nothing here\n' >"$tmp/ev/clean.txt"
if command -v yara >/dev/null; then
    yara "$tmp/k.yar" "$tmp/ev" >"$tmp/yara.out" 2>&1 || {
        cat "$tmp/yara.out" >&2
        fail "yara refuses the rules"
    }
    [ "$(wc -l <"$tmp/yara.out")" -eq 2 ] || fail "yara: planted and mutex hit"
    lacks "$tmp/yara.out" clean.txt
fi
echo "benign.example" >"$tmp/other.txt"
run K hunt --no-record --yara "$tmp/k.yar" --iocs "$tmp/other.txt" \
    --files "$tmp/ev/planted.bin"
expect_rc 1 "hunt --yara hits the planted file by its md5"
grep -q "kizashi_Emotet" "$tmp/out" || fail "the hit names the rule"

# ---- stix, csv, list --------------------------------------------------------
SOURCE_DATE_EPOCH=1700000000 run X -f stix -o "$tmp/k.json"
expect_rc 0 "stix"
python3 - "$tmp/k.json" <<'PY' || fail "stix bundle"
import json, sys
b = json.load(open(sys.argv[1]))
assert b["type"] == "bundle"
ind = [o for o in b["objects"] if o["type"] == "indicator"]
assert len(ind) == 19, len(ind)
assert all(o["created"] == "2023-11-14T22:13:20.000Z" for o in ind)
PY
run X -f csv
expect_rc 0 "csv"
head -n 1 "$tmp/out" | grep -qx "$(printf 'type,value,threats,advisories,sources,confidence,first_seen,last_seen\r')" ||
    fail "csv header"
grep -qF "filename,\"'=cmd|' /C calc'!A0.xls\",Emotet,,feedA,40," "$tmp/out" ||
    fail "csv formula guard"
grep -qF 'string,"two\x0alines""; rule x { condition: true } */",Emotet' "$tmp/out" ||
    fail "csv escapes"
run X -f list --types domain
expect_rc 0 "list --types domain"
sort "$tmp/out" >"$tmp/doms"
printf 'bad.example\nc2.evil-cdn.net\ntrigger.rpz-ip\n' >"$tmp/doms.want"
cmp -s "$tmp/doms" "$tmp/doms.want" || fail "domain blocklist"
grep -q "not of --types or below --min-confidence: 17" "$tmp/err" || fail "filtered count"
run X -f list
grep -q "left out of the list export: control characters" "$tmp/err" ||
    fail "a value with a newline is named, not written"

# ---- filters: --advisory, --min-confidence ----------------------------------
run X -f list --advisory 1
expect_rc 0 "--advisory"
sort "$tmp/out" >"$tmp/adv.got"
printf '45.77.12.34\nc2.evil-cdn.net\nhttp://update.evil-cdn.net/gate.php?id=7\n' |
    sort >"$tmp/adv.want"
cmp -s "$tmp/adv.got" "$tmp/adv.want" || fail "only the advisory's indicators"
run X -f list --min-confidence 85 --types ipv4,ipv6
expect_rc 0 "--min-confidence"
printf '192.0.2.7\n198.51.100.9\n2001:db8::7\n45.77.12.35\n' >"$tmp/mc.want"
sort "$tmp/out" | cmp -s - "$tmp/mc.want" || fail "confidence floor"

# ---- suppression: the allowlist ---------------------------------------------
run K allow --db "$db" add 192.0.2.7 --reason "our test lab"
expect_rc 0 "allow"
run X -f nft -o "$tmp/k2.nft"
expect_rc 0 "nft with an allowed address"
lacks "$tmp/k2.nft" "192.0.2.7"
grep -q "suppressed by a warninglist or the allowlist (--include-suppressed): ipv4 1" "$tmp/err" ||
    fail "suppressed count"
run X -f nft --include-suppressed -o "$tmp/k2.nft"
grep -q "192.0.2.7" "$tmp/k2.nft" || fail "--include-suppressed"

# ---- -o: write then rename ----------------------------------------------------
echo old >"$tmp/keep.txt"
run X -f nosuch -o "$tmp/keep.txt"
has_line "$tmp/keep.txt" old
run X -f list -o "$tmp/keep.txt"
expect_rc 0 "-o replaces"
lacks "$tmp/keep.txt" old
if ls -a "$tmp" | grep -q '^\.keep\.txt\.'; then fail "temporary file left"; fi
exit 0
