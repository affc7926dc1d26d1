#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The judge end to end: warninglists and the allowlist flag indicators at
# ingest and suppress hits (counted, shown with --show-suppressed, not
# "found"); allowlisted observed values; `kizashi allow` add/list/rm/check
# and its errors; severity levels; expired indicators in a retro-hunt;
# sightings kept per sweep and `hunt --new`.
. "$(dirname "$0")/common.sh"

export KIZASHI_HOME="$tmp/home"
K() { "$KIZASHI" "$@"; }

# ---- intel: a feed, and three warninglists (cidr, hostname, substring)
sha_x=$(printf 'evil bytes' | sha256sum | cut -c1-64)
cat >"$tmp/feed.csv" <<EOF
type,value,threat,confidence
ipv4,1.0.0.1,TestBot,80
ipv4,10.9.9.9,TestBot,60
ipv4,198.51.100.77,TestBot,90
domain,evil-c2.example.com,TestBot,90
domain,cdn-tracker.example.org,TestBot,50
domain,login-update.example.net,TestBot,70
sha256,$sha_x,TestBot,90
filename,dropper.exe,,
domain,d111abc.cloudfront.net,TestBot,70
domain,c2host.freedns-test.org,TestBot,70
domain,freedns-test.org,TestBot,70
url,http://www.example.org/login/form.php,TestBot,70
EOF
cat >"$tmp/wl-dns.json" <<'EOF'
{"name": "Test public DNS resolvers", "version": 1, "description": "t",
 "type": "cidr", "list": ["1.0.0.0/24", "9.9.9.9"]}
EOF
cat >"$tmp/wl-rfc1918.json" <<'EOF'
{"name": "Test RFC 1918", "version": 1, "description": "t",
 "type": "cidr", "list": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}
EOF
cat >"$tmp/wl-sites.json" <<'EOF'
{"name": "Test top sites", "version": 1, "description": "t",
 "type": "hostname", "list": ["example.org", "cloudfront.net",
 ".freedns-test.org"]}
EOF
cat >"$tmp/wl-sub.json" <<'EOF'
{"name": "Test login words", "version": 1, "description": "t",
 "type": "substring", "list": ["LOGIN-UPDATE"]}
EOF
for f in wl-dns wl-rfc1918 wl-sites wl-sub; do
    run K intel add "$tmp/$f.json"
    expect_rc 0 "add warninglist $f"
done

# Flagged at ingest, with the list's name.
run K intel add "$tmp/feed.csv"
expect_rc 0 "add feed"
grep -q "5 of them named by a warninglist or the allowlist" "$tmp/out" ||
    fail "flagged count at ingest"
# A zone written ".zone" (a dynamic DNS provider) is named itself, not the
# names its customers registered under it; a listed site does not name a
# name under a public suffix (cloudfront.net is one: d111abc.cloudfront.net
# belongs to whoever registered it), nor a URL with a path on it.
has_line "$tmp/out" "    domain freedns-test.org: warninglist: Test top sites"
lacks "$tmp/out" "c2host.freedns-test.org:"
lacks "$tmp/out" "d111abc.cloudfront.net:"
lacks "$tmp/out" "form.php:"
has_line "$tmp/out" "    ipv4 1.0.0.1: warninglist: Test public DNS resolvers"
has_line "$tmp/out" "    ipv4 10.9.9.9: warninglist: Test RFC 1918"
has_line "$tmp/out" "    domain cdn-tracker.example.org: warninglist: Test top sites"
has_line "$tmp/out" "    domain login-update.example.net: warninglist: Test login words"
lacks "$tmp/out" "198.51.100.77:"

# ---- allow: errors first
run K allow add evil-c2.example.com
expect_rc 2 "allow add without a reason"
grep -q "needs --reason" "$tmp/err" || fail "reason required message"
run K allow add "not a value at all" --reason x
expect_rc 2 "allow add of a value without a type"
run K allow add 300.1.1.1 --type ipv4 --reason x
expect_rc 2 "allow add of a bad address"
run K allow frobnicate
expect_rc 2 "allow unknown command"
run K allow list
expect_rc 0 "allow list (empty)"
has_line "$tmp/out" "the allowlist is empty"

# An allowed observed host under a domain indicator; a reason with an
# escape character is kept and shown escaped.
run K allow add 'ok[.]evil-c2.example.com' --who alice \
    --reason "$(printf 'our sinkhole \033[31m')"
expect_rc 0 "allow add"
grep -q "allowed (entry 1)" "$tmp/out" || fail "allow add output"
run K allow list
expect_rc 0 "allow list"
grep -q '^1  domain ok.evil-c2.example.com  .* by alice: our sinkhole \\x1b\[31m$' \
    "$tmp/out" || fail "allow list line (escaped reason)"
run K allow list --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d[0]
assert e["value"] == "ok.evil-c2.example.com" and e["who"] == "alice", e
assert e["type"] == "domain" and e["reason"].startswith("our sinkhole"), e' \
    "$tmp/out" || fail "allow list --json"
run K allow check www.ok.evil-c2.example.com
expect_rc 1 "check: a subdomain of an allowed domain"
grep -q "suppressed, allowlist: our sinkhole" "$tmp/out" || fail "check why"
run K allow check evil-c2.example.com
expect_rc 0 "check: the parent of an allowed domain is not allowed"
run K allow check 'hxxp://1.0.0[.]7/x'
expect_rc 1 "check: a URL whose host is in a warninglist network"
run K allow check 172.20.0.0/16
expect_rc 1 "check: a network inside a warninglist network"
run K allow check 172.0.0.0/8
expect_rc 0 "check: a network around a warninglist network"
run K allow check www.example.org
expect_rc 1 "check: a name under a listed site"
run K allow check http://www.example.org/
expect_rc 1 "check: a listed site's root URL"
run K intel search 10.9.9.9
expect_rc 0 "intel search of a flagged indicator"
grep -q "hits on it are suppressed: warninglist: Test RFC 1918" "$tmp/out" ||
    fail "intel search says the judge suppresses it"

# ---- hunt: evidence
sha_y=$(printf 'other bytes' | sha256sum | cut -c1-64)
mkdir -p "$tmp/ev/host"
printf 'evil bytes' >"$tmp/ev/host/payload.bin"
printf 'MZ' >"$tmp/ev/host/dropper.exe"
cat >"$tmp/ev/beacon.log" <<'EOF'
2026-01-05T09:00:00Z dns beacon.evil-c2.example.com
2026-01-05T09:01:00Z nothing
2026-01-05T09:02:00Z dns beacon.evil-c2.example.com
2026-01-05T09:03:00Z dns beacon.evil-c2.example.com
EOF
cat >"$tmp/ev/proxy.log" <<'EOF'
2026-01-05T10:00:00Z GET http://ok.evil-c2.example.com/ from 10.1.1.1
2026-01-05T10:00:01Z dns 1.0.0.1 answered for www.cdn-tracker.example.org
2026-01-05T10:00:02Z conn 10.9.9.9 -> 198.51.100.77:443
2026-01-05T10:00:03Z dns x.evil-c2.example.com
2026-01-05T10:00:04Z dns login-update.example.net
EOF
run K hunt --no-progress --host hostA "$tmp/ev"
expect_rc 1 "hunt finds"
# Shown: the unsuppressed hits only.
grep -q "198.51.100.77  =>  198.51.100.77 (ipv4)" "$tmp/out" || fail "ip hit"
grep -q "x.evil-c2.example.com  =>  evil-c2.example.com (domain, subdomain)" \
    "$tmp/out" || fail "subdomain hit"
grep -q "payload.bin  file.hash.sha256 .*\[critical\]" "$tmp/out" ||
    fail "a hash of a named threat at confidence 90 is critical"
grep -q "dropper.exe  file.name .*\[low\]" "$tmp/out" ||
    fail "a file name without confidence is low"
grep -q "198.51.100.77 (ipv4) .*\[high\]" "$tmp/out" || fail "ip level"
lacks "$tmp/out" "ok.evil-c2.example.com"
lacks "$tmp/out" "1.0.0.1"
lacks "$tmp/out" "10.9.9.9"
lacks "$tmp/out" "cdn-tracker"
lacks "$tmp/out" "login-update"
grep -q ": 12 hits (10 on 8 lines, 2 on files), 5 of them suppressed (warninglist or allowlist; --show-suppressed shows them)$" \
    "$tmp/err" || fail "suppressed count in the summary"
nlines "$tmp/out" 7

run K hunt --no-progress --show-suppressed --no-record "$tmp/ev"
expect_rc 1 "hunt --show-suppressed"
nlines "$tmp/out" 12
grep -q "ok.evil-c2.example.com  =>  evil-c2.example.com (domain, subdomain) .*suppressed: allowlist: our sinkhole" \
    "$tmp/out" || fail "observed value allowlisted"
grep -q "1.0.0.1 (ipv4) .*suppressed: warninglist: Test public DNS resolvers\]" \
    "$tmp/out" || fail "indicator in a warninglist"

# Only suppressed hits: nothing found (exit 0), and said so.
printf '2026-01-05T11:00:00Z dns 1.0.0.1\n' >"$tmp/only.log"
run K hunt --no-progress --no-record "$tmp/only.log"
expect_rc 0 "suppressed hits are not findings"
empty "$tmp/out"
grep -q ": 1 hit on 1 line, suppressed (warninglist or allowlist; --show-suppressed shows them)$" "$tmp/err" ||
    fail "suppressed-only summary"

# JSON: severity, suppression, explanation.
run K hunt --no-progress --json --show-suppressed --no-record "$tmp/ev/proxy.log"
python3 - "$tmp/out" <<'EOF' || fail "JSON verdict fields"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
by = {h["kizashi"]["observed"]: h for h in hits}
ip = by["198.51.100.77"]
assert ip["event"]["severity"] == 84, ip["event"]
assert ip["kizashi"]["severity"] == "high"
assert "suppressed" not in ip["kizashi"]
ex = ip["kizashi"]["explanation"]
assert ex.startswith("198.51.100.77 (") and "is the ipv4 indicator 198.51.100.77" in ex, ex
assert "confidence 90" in ex and "about TestBot" in ex, ex
dns = by["1.0.0.1"]
assert dns["kizashi"]["suppressed"] == "warninglist: Test public DNS resolvers", dns
assert by["www.cdn-tracker.example.org"]["kizashi"]["suppressed"] == "warninglist: Test top sites"
assert "new" not in ip["kizashi"], "no sightings kept: no new flag"
EOF

# ---- the allowlist changes the next sweep (the store's generation)
run K allow rm ok.evil-c2.example.com
expect_rc 0 "allow rm by value"
has_line "$tmp/out" "removed 1 entry"
run K hunt --no-progress --no-record "$tmp/ev/proxy.log"
grep -q "ok.evil-c2.example.com  =>  evil-c2.example.com" "$tmp/out" ||
    fail "a removed allow entry no longer suppresses"
run K allow add 198.51.100.0/24 --reason "our own range" --expires 2020-01-01
expect_rc 0 "allow add an expired entry"
run K hunt --no-progress --no-record "$tmp/ev/proxy.log"
grep -q "198.51.100.77  =>" "$tmp/out" || fail "an expired allow entry is ignored"
run K allow rm 2
expect_rc 0 "allow rm by id"
has_line "$tmp/out" "removed 1 entry"

# ---- sightings and --new
db="$tmp/home/intel.db"
sq() { python3 -c 'import sqlite3,sys; print("\n".join("|".join(str(c) for c in r) for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])))' "$db" "$1"; }
[ "$(sq 'SELECT count(*) FROM sweep WHERE host="hostA" AND finished IS NOT NULL')" = 1 ] ||
    fail "the first sweep is recorded as finished"
[ "$(sq 'SELECT count(*) FROM sighting')" = 10 ] ||
    fail "every hit of the first sweep is a sighting (suppressed too): $(sq 'SELECT * FROM sighting')"
# a beacon: one row, its lines and times
[ "$(sq 'SELECT hits, first_line, last_line, first_time, last_time, count FROM sighting WHERE observed="beacon.evil-c2.example.com"')" = \
    "3|1|4|1767603600|1767603780|1" ] || fail "a beacon's sighting: $(sq 'SELECT * FROM sighting')"
[ "$(sq 'SELECT first_time FROM sighting WHERE observed="198.51.100.77"')" = 1767607202 ] ||
    fail "sighting event time"
[ "$(sq 'SELECT suppressed FROM sighting WHERE observed="1.0.0.1"')" = \
    "warninglist: Test public DNS resolvers" ] || fail "suppressed sighting"
run K hunt --no-progress --new --host hostA "$tmp/ev"
expect_rc 0 "--new: nothing new"
empty "$tmp/out"
grep -q ", 4 of them suppressed .*; 8 seen by earlier sweeps, not shown" "$tmp/err" || fail "--new summary"
[ "$(sq 'SELECT hits, count FROM sighting WHERE observed="beacon.evil-c2.example.com"')" = \
    "3|2" ] || fail "a second sweep of the beacon: 3 hits in the last sweep, 2 sweeps"
# new evidence and new intel
printf '2026-02-01T09:00:00Z dns again.evil-c2.example.com\n' >>"$tmp/ev/proxy.log"
printf 'ipv4,203.0.113.9,TestBot,90\n' >>"$tmp/feed.csv"
run K intel add "$tmp/feed.csv"
expect_rc 0 "more intel"
printf '2026-01-04T08:00:00Z conn 203.0.113.9\n' >"$tmp/ev/old.log"
run K hunt --no-progress --new --host hostA --json "$tmp/ev"
expect_rc 1 "--new: new hits"
nlines "$tmp/out" 2
python3 - "$tmp/out" <<'EOF' || fail "--new JSON"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
seen = sorted(h["kizashi"]["observed"] for h in hits)
assert seen == ["203.0.113.9", "again.evil-c2.example.com"], seen
assert all(h["kizashi"]["new"] is True for h in hits)
EOF
[ "$(sq 'SELECT count FROM sighting WHERE observed="198.51.100.77" AND host="hostA"')" = 3 ] ||
    fail "three sweeps saw the address"
# another host: new there
run K hunt --no-progress --new --host hostB "$tmp/ev/proxy.log"
expect_rc 1 "--new on another host"
run K hunt --new --iocs "$tmp/feed.csv" "$tmp/ev"
expect_rc 2 "--new without the store"

# ---- expired indicators still match in a retro-hunt, and say so
cat >"$tmp/old.json" <<'EOF'
{"type": "bundle", "id": "bundle--6f3c2b47-1c9f-4c41-9a55-2f0f8a6a3a01",
 "objects": [{"type": "indicator", "spec_version": "2.1",
  "id": "indicator--0b0e8a4e-52a4-4b8e-8f5f-5a1f1f1f1f1f",
  "created": "2025-01-01T00:00:00Z", "modified": "2025-01-01T00:00:00Z",
  "name": "old C2", "pattern_type": "stix", "confidence": 90,
  "pattern": "[domain-name:value = 'old-c2.badcdn.net']",
  "valid_from": "2025-01-01T00:00:00Z",
  "valid_until": "2026-01-01T00:00:00Z"}]}
EOF
run K intel add "$tmp/old.json"
expect_rc 0 "add an expired STIX indicator"
cat >"$tmp/retro.log" <<'EOF'
2025-12-01T00:00:00Z dns old-c2.badcdn.net
2026-03-01T00:00:00Z dns old-c2.badcdn.net
EOF
run K hunt --no-progress --no-record "$tmp/retro.log"
expect_rc 1 "retro-hunt on an expired indicator"
grep -q "^2025-12-01T00:00:00Z .*old-c2.badcdn.net (domain) .*\[high\]$" \
    "$tmp/out" || fail "before its expiry: a normal hit"
grep -q "^2026-03-01T00:00:00Z .*\[low, indicator expired 2026-01-01\]$" \
    "$tmp/out" || fail "after its expiry: said, and low"
echo "ok"
