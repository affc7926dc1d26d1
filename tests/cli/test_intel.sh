#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# CLI tests of `kizashi intel`: add (text advisory, CSV, list, STIX, MISP,
# warninglist; format detection), the same content again (only last-seen
# moves), a newer feed version (what vanished is inactive), search with the
# match semantics (exact, subdomain, inside a CIDR, URL host, aliases of
# threats), show, list, rm, expire, stats, --json; malformed input (exit 2,
# the store unchanged), a newer schema (refused), two adds at once.
set -eu
. "$(dirname "$0")/common.sh"

db="$tmp/store/intel.db"
K() { "$KIZASHI" intel --db "$db" "$@"; }

# ---- a text advisory: title, sections, threats from the title, indicators
cat >"$tmp/adv.md" <<'EOF'
# Qbot infections lead to REvil ransomware

Published: 2022-02-07

## Summary
Qbot delivered by mail, then REvil a month later.

## Indicators
- C2: 45.77.12[.]34:443 and hxxps://update.evil-cdn[.]net/gate.php
- Dropper: invoice_2022.xlsm
- SHA-256: 3b1a8f0c3e2d4b5a6978c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f70

## Mitigation
Block the C2 addresses; hunt for the dropper.

## References
- https://www.example-vendor.com/blog/qbot-revil
EOF
run K add "$tmp/adv.md"
expect_rc 0 "add a text advisory"
grep -q "adv.md: text: 4 records, 4 indicators (4 new to the store), 1 advisories" "$tmp/out" ||
    fail "add summary of the advisory"

run K list advisories
expect_rc 0 "list advisories"
grep -q "Qbot infections lead to REvil ransomware" "$tmp/out" || fail "title"
grep -q "2022-02-07" "$tmp/out" || fail "published date"
grep -q "QakBot" "$tmp/out" || fail "threat QakBot from the title (alias Qbot)"
grep -q "REvil" "$tmp/out" || fail "threat REvil from the title"

run K show advisory 1
expect_rc 0 "show advisory"
grep -q "Qbot delivered by mail" "$tmp/out" || fail "summary section"
grep -q "Block the C2 addresses" "$tmp/out" || fail "mitigation section"
grep -q "ipv4	45.77.12.34" "$tmp/out" || fail "refanged address"
grep -q "url: https://www.example-vendor.com/blog/qbot-revil" "$tmp/out" ||
    fail "the reference link is the advisory's URL"
if grep "^    [0-9]" "$tmp/out" | grep -q example-vendor; then
    fail "a reference was stored as an indicator"
fi

# a Japanese advisory: 【】 and ■ headings, a date written 年月日
cat >"$tmp/ja.txt" <<'EOF'
【注意喚起】Sodinokibi ランサムウェアの攻撃について
2021年7月5日 公開
【概要】
攻撃者は evil-ja[.]xyz を C2 として使用しています。
【影響範囲】
社内の Windows サーバ
■見解
引き続き警戒が必要です。
■緩和策
該当ドメインへの通信を遮断してください。
EOF
run K add "$tmp/ja.txt"
expect_rc 0 "add a Japanese advisory"
run K --json show advisory 2
expect_rc 0 "show the Japanese advisory"
python3 - "$tmp/out" <<'PY' || fail "Japanese advisory sections"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["title"] == "【注意喚起】Sodinokibi ランサムウェアの攻撃について", a["title"]
assert a["published"] == "2021-07-05T00:00:00Z", a["published"]
assert "evil-ja[.]xyz" in a["summary"], a["summary"]
assert "Windows" in a["impact"], a["impact"]
assert "警戒" in a["assessment"], a["assessment"]
assert "遮断" in a["mitigation"], a["mitigation"]
assert [t["name"] for t in a["threats"]] == ["REvil"], a["threats"]
assert [i["value"] for i in a["indicators"]] == ["evil-ja.xyz"], a["indicators"]
PY

# search: a subdomain and a URL host, with an alias of the threat
run K search a.update.evil-cdn.net
expect_rc 1 "a host that is no indicator"
run K add - <<'EOF'
evil-cdn.net
198.51.100.0/24
EOF
expect_rc 0 "add a list from stdin"
grep -q "^-: list: 2 records" "$tmp/out" || fail "list from stdin"
run K search a.update.evil-cdn.net
expect_rc 0 "search a subdomain"
grep -q "subdomain of evil-cdn.net" "$tmp/out" || fail "subdomain match"
run K search 'hxxp://x.evil-cdn[.]net/a'
expect_rc 0 "search a defanged URL"
grep -q "URL host x.evil-cdn.net: subdomain of evil-cdn.net" "$tmp/out" ||
    fail "URL host match"
run K search 198.51.100.77
expect_rc 0 "search an address in a CIDR"
grep -q "inside 198.51.100.0/24" "$tmp/out" || fail "CIDR containment"
run K search notevil-cdn.net evil-cdn.net.au
expect_rc 1 "no substring matches"
run K --json search 45.77.12.34
expect_rc 0 "search --json"
python3 - "$tmp/out" <<'EOF' || fail "search JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
m = doc[0]["matches"][0]
assert m["match"] == "exact", m
ind = m["indicator"]
assert ind["type"] == "ipv4" and ind["value"] == "45.77.12.34", ind
p = ind["provenance"][0]
assert p["advisory"]["title"].startswith("Qbot infections"), p
assert set(p["threats"]) == {"QakBot", "REvil"}, p["threats"]
assert p["port"] == 443, p
EOF

# threats: a generic last word does not make another threat; file names
# are searched without regard to case
printf '# Aliases: revil ransomware\nransom-c2.xyz\n' >"$tmp/trail.txt"
run K add --format list "$tmp/trail.txt"
expect_rc 0 "a trail naming 'revil ransomware'"
run K --json list threats
python3 - "$tmp/out" <<'PY' || fail "revil ransomware is REvil"
import json, sys
names = [t["name"] for t in json.load(open(sys.argv[1]))]
assert "REvil" in names and not any(n.lower() == "revil ransomware" for n in names), names
PY
run K search INVOICE_2022.XLSM
expect_rc 0 "a file name in another case"
grep -q "same name, other case: indicator [0-9]*: filename invoice_2022.xlsm" "$tmp/out" ||
    fail "case-insensitive file name"

# ---- a CSV feed, then the same content, then a newer version
cat >"$tmp/feed.csv" <<'EOF'
# exported 2026-11-01
type,value,threat,source,first_seen
domain,bad-one.example,Emotet,feed-a,2026-10-01
ipv4,203.0.113.9,Geodo,feed-a,2026-10-02
sha1,0123456789abcdef0123456789abcdef01234567,TrickBot,feed-a,2026-10-03
EOF
run K add "$tmp/feed.csv"
expect_rc 0 "add a CSV feed"
grep -q "feed.csv: csv: 3 records, 3 indicators (3 new to the store)" "$tmp/out" ||
    fail "CSV add"
run K add "$tmp/feed.csv"
expect_rc 0 "the same CSV again"
grep -q "unchanged since the last add; last-seen updated for 3" "$tmp/out" ||
    fail "unchanged feed"
run K search 203.0.113.9
grep -q "threat: Emotet" "$tmp/out" || fail "Geodo is an alias of Emotet"

mkdir "$tmp/v2"
grep -v 203.0.113.9 "$tmp/feed.csv" >"$tmp/v2/feed.csv"
echo "domain,new-one.example,Emotet,feed-a,2026-11-02" >>"$tmp/v2/feed.csv"
run K add "$tmp/v2/feed.csv"
expect_rc 0 "a newer version of the feed"
grep -q "1 indicators no longer in this feed: marked inactive" "$tmp/out" ||
    fail "vanished indicator marked"
run K search 203.0.113.9
expect_rc 0 "a vanished indicator is still found"
grep -q "no longer in feed" "$tmp/out" || fail "vanished indicator status"
run K list indicators
lacks "$tmp/out" "203.0.113.9"
run K list indicators --all
grep -q "203.0.113.9" "$tmp/out" || fail "--all lists inactive ones"

# values repeated across batches of one add (16,384 records a batch), and
# values the store held before the add, each counted once
awk 'BEGIN { print "type,value"; for (i = 0; i < 40000; i++)
    printf "domain,rep%d.batch-test.example\n", i % 20000 }' >"$tmp/rep.csv"
run K add "$tmp/rep.csv"
expect_rc 0 "repeats across batches"
grep -q "rep.csv: csv: 40000 records, 40000 indicators (20000 new to the store)" "$tmp/out" ||
    fail "repeats across batches counted once"
awk 'BEGIN { print "type,value"; for (i = 0; i < 25000; i++)
    printf "domain,rep%d.batch-test.example\n", i }' >"$tmp/rep2.csv"
run K add "$tmp/rep2.csv"
expect_rc 0 "known values in a new feed"
grep -q "rep2.csv: csv: 25000 records, 25000 indicators (5000 new to the store)" "$tmp/out" ||
    fail "values known before the add are not new"
run K --json search rep19999.batch-test.example
python3 - "$tmp/out" <<'PY' || fail "one indicator with two provenances"
import json, sys
m = json.load(open(sys.argv[1]))[0]["matches"]
assert len(m) == 1, m
assert sorted(p["feed"] for p in m[0]["indicator"]["provenance"]) == ["rep.csv", "rep2.csv"], m
PY

# ---- malformed input: exit 2, message with position, store unchanged
run K --json stats
cp "$tmp/out" "$tmp/stats-before"
printf '{"type": "bundle", "objects": [ {"type": "indicator",\n  "pattern": [}\n' \
    >"$tmp/broken.json"
run K add "$tmp/broken.json"
expect_rc 2 "malformed JSON"
grep -q "broken.json:2:" "$tmp/err" || fail "error names the file and line"
grep -q "not added (nothing of it stored)" "$tmp/err" || fail "rollback said"
printf 'type,value\nipv4,192.0.2.1\nipv4,"192.0.2.2\n' >"$tmp/broken.csv"
run K add "$tmp/broken.csv"
expect_rc 2 "malformed CSV"
# a malformed input long enough for the writer thread (batches already
# handed to SQLite) is rolled back as well
awk 'BEGIN { print "type,value"; for (i = 0; i < 40000; i++)
    printf "domain,big%d.rollback-test.example\n", i
    print "ipv4,\"192.0.2.77" }' >"$tmp/broken-big.csv"
run K add "$tmp/broken-big.csv"
expect_rc 2 "a long malformed CSV"
grep -q "broken-big.csv:40002:" "$tmp/err" || fail "position of the long CSV's error"
run K --json stats
python3 - "$tmp/stats-before" "$tmp/out" <<'EOF' || fail "store changed by a failed add"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("indicators", "provenances", "advisories", "inputs", "adds"):
    assert a[k] == b[k], (k, a[k], b[k])
EOF

# ---- warninglists are kept apart from indicators
cat >"$tmp/wl.json" <<'EOF'
{"name": "Test resolvers", "description": "public DNS", "type": "string",
 "version": 3, "matching_attributes": ["ip-dst"], "list": ["8.8.8.8", "1.1.1.1"]}
EOF
run K add "$tmp/wl.json"
expect_rc 0 "add a warninglist"
grep -q "warninglist: 2 warninglist entries" "$tmp/out" || fail "warninglist add"
run K search 8.8.8.8
expect_rc 1 "a warninglist entry is no indicator"
grep -q "on warninglists: Test resolvers" "$tmp/out" || fail "warninglist named"

# hostile values reach the terminal escaped (an escape sequence, a
# right-to-left override)
printf 'evil\342\200\256exe.sys\nbad\033[31mred.dll\n' >"$tmp/hostile.txt"
run K add --format list --type filename "$tmp/hostile.txt"
expect_rc 0 "hostile file names"
run K list indicators --type filename
grep -qF 'evil\xe2\x80\xaeexe.sys' "$tmp/out" || fail "bidi override escaped"
grep -qF 'bad\x1b[31mred.dll' "$tmp/out" || fail "escape sequence escaped"
if grep -q "$(printf '\033')" "$tmp/out"; then fail "a raw escape reached the output"; fi

# ---- show, rm, expire
run K --json search bad-one.example
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["matches"][0]["indicator"]["id"])' "$tmp/out")
run K show "$id"
expect_rc 0 "show indicator"
grep -q "domain bad-one.example (active)" "$tmp/out" || fail "show"
run K expire indicator "$id"
expect_rc 0 "expire"
grep -q "expired 1 provenances" "$tmp/out" || fail "expire count"
run K show "$id"
grep -q "domain bad-one.example (inactive)" "$tmp/out" || fail "expired is inactive"
grep -q "\[expired\]" "$tmp/out" || fail "expired status"
run K rm feed feed.csv
expect_rc 0 "rm feed"
run K search bad-one.example
expect_rc 1 "removed with its feed"
run K rm advisory 999
expect_rc 2 "rm of nothing"
run K show 999999999
expect_rc 1 "show of nothing"

# ---- stats and format forcing
run K stats
expect_rc 0 "stats"
grep -q "^schema_version: 2" "$tmp/out" || fail "stats schema"
printf '1.2.3.4\n' >"$tmp/one.txt"
run K add --format csv --dry-run "$tmp/one.txt"
expect_rc 0 "forced format, dry run"
grep -q "(dry run)" "$tmp/out" || fail "dry run said"
run K add --format nonsense "$tmp/one.txt"
expect_rc 2 "unknown format"

# ---- a store of a newer schema is refused
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=99"); c.commit()' "$db"
run K stats
expect_rc 2 "newer schema"
grep -q "newer kizashi (schema version 99" "$tmp/err" || fail "newer schema message"
# ---- a version 1 store (before the judge's tables) is migrated in place
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=1"); c.execute("DROP TABLE sighting"); c.execute("DROP TABLE sweep"); c.execute("DROP TABLE allow_entry"); c.commit()' "$db"
run K stats
expect_rc 0 "version 1 store opened"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); v=c.execute("PRAGMA user_version").fetchone()[0]; n=c.execute("SELECT count(*) FROM sqlite_master WHERE name IN (\"allow_entry\",\"sweep\",\"sighting\")").fetchone()[0]; sys.exit(0 if (v, n) == (2, 3) else 1)' "$db" ||
    fail "version 1 store not migrated to 2"

# ---- a file that is not a store
echo "not a database" >"$tmp/junk.db"
run "$KIZASHI" intel --db "$tmp/junk.db" stats
expect_rc 2 "junk store"

# ---- two adds at once: one waits, both land, nothing is corrupted
awk 'BEGIN { print "type,value"; for (i = 0; i < 20000; i++)
    printf "domain,host%d.alpha-test.example\n", i }' >"$tmp/a.csv"
awk 'BEGIN { print "type,value"; for (i = 0; i < 20000; i++)
    printf "domain,host%d.beta-test.example\n", i }' >"$tmp/b.csv"
K add "$tmp/a.csv" >"$tmp/outa" 2>&1 &
pa=$!
K add "$tmp/b.csv" >"$tmp/outb" 2>&1 &
pb=$!
wait $pa || fail "concurrent add a failed: $(cat "$tmp/outa")"
wait $pb || fail "concurrent add b failed: $(cat "$tmp/outb")"
run K search host19999.alpha-test.example host19999.beta-test.example
expect_rc 0 "both concurrent adds landed"
python3 - "$db" <<'EOF' || fail "integrity after concurrent adds"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
n = c.execute("SELECT count(*) FROM indicator WHERE value LIKE '%.alpha-test.example'"
              " OR value LIKE '%.beta-test.example'").fetchone()[0]
assert n == 40000, n
EOF
echo "ok"
