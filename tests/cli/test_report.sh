#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `kizashi report` end to end: two advisories (English, Japanese) in the
# store, evidence swept by `kizashi hunt` on two hosts, so one advisory is
# affected and the other is not; before any sweep both are "not swept".
# Checks the verdicts, grouping by host and input, first and last times,
# the indicators not seen, suppressed sightings, the exit status, the JSON
# document, Markdown, and that hostile values (a file name and a host with
# <script>, quotes, &, ESC and U+202E) come out escaped; the HTML page is
# loaded in headless Chromium (DOM and screenshot; scripts/bootstrap
# installs it, and the test fails without it).
set -eu
. "$(dirname "$0")/common.sh"

export KIZASHI_HOME="$tmp/home"
K() { "$KIZASHI" "$@"; }
cd "$tmp"

# ---- intel: an English and a Japanese advisory
cat >adv-en.md <<'EOF'
# Qbot infections lead to REvil ransomware

Published: 2022-02-07

## Summary
Qbot delivered by mail, then REvil a month later. Watch for <b>bold</b> & "quotes".

## Indicators
- C2: 45.77.12[.]34 and update.evil-cdn[.]net
- Sinkhole: 185.220.101[.]4
- Gate: hxxps://update.evil-cdn[.]net/gate.php?a=1&b=2
- Unused: 91.92.93[.]94

## Mitigation
**Block** the C2 addresses; look for `schtasks /create` in **<img src=x onerror=alert(1)>** logs, and for ** or ` left open.
EOF
cat >adv-ja.txt <<'EOF'
【注意喚起】Sodinokibi ランサムウェアの攻撃について
2021年7月5日 公開
【概要】
攻撃者は evil-ja[.]xyz と 103.56.78[.]90 を C2 として使用しています。
【影響範囲】
社内の Windows サーバ
■見解
引き続き警戒が必要です。
■緩和策
該当ドメインへの通信を遮断してください。
EOF
run K intel add adv-en.md adv-ja.txt
expect_rc 0 "intel add"

# ---- usage errors
run K report --format pdf
expect_rc 2 "unknown format"
grep -q "^Try 'kizashi report --help'" err || fail "usage hint"
run K report --advisory x1
expect_rc 2 "bad advisory id"
run K report --advisory 99
expect_rc 2 "no such advisory"
grep -q "^kizashi: .*no advisory 99" err || fail "no advisory message"
run K report --db "$tmp/nothere.db"
expect_rc 2 "no store"
run K report --help
expect_rc 0 "help"
grep -q "show-suppressed" out || fail "help lists --show-suppressed"

# ---- before any sweep: not swept, exit 0
run K report --format json
expect_rc 0 "report before any sweep"
python3 - out <<'PY' || fail "not swept before any sweep"
import json, sys
d = json.load(open(sys.argv[1]))
assert [a["verdict"] for a in d["advisories"]] == ["not swept"] * 2, d
assert d["summary"]["not_swept"] == 2 and d["summary"]["sweeps"] == 0, d
PY

# ---- evidence: a host named with markup and a log whose path holds
# <script>, quotes, &, ESC and U+202E; a second host with a subdomain hit
# and a hit on an allowlisted address (suppressed)
host1=$(printf 'web<script>alert(1)</script>&"q\033[31m')
dir1=$(printf 'ev/x<script>alert(1)<')
name1=$(printf 'script>"q'"'"'&\033[31m\342\200\256gol.log')
mkdir -p "$dir1" ev2
printf '%s\n' \
    '2026-01-05T09:00:00Z dns update.evil-cdn.net' \
    '2026-01-05T09:30:00Z GET https://update.evil-cdn.net/gate.php?a=1&b=2 <script>alert(1)</script>' \
    '2026-01-06T10:00:00Z conn 45.77.12.34:443' >"$dir1/$name1"
printf '%s\n' \
    '2026-01-07T12:00:00Z conn 185.220.101.4' \
    '2026-01-08T12:00:00Z dns a.update.evil-cdn.net' >ev2/proxy.log
run K allow add 185.220.101.4 --reason 'our sinkhole'
expect_rc 0 "allow add"
run K hunt --no-progress --host "$host1" ev
expect_rc 1 "hunt host 1"
hostb='host`B``x' # backticks: a Markdown code span needs a longer fence
run K hunt --no-progress --host "$hostb" ev2
expect_rc 1 "hunt host B"

# ---- JSON
run K report --format json
expect_rc 1 "report: an advisory is affected"
cp out report.json
python3 - report.json <<'PY' || fail "JSON report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and d["summary"]["advisories"] == 2, d["summary"]
s = d["summary"]
assert (s["affected"], s["not_affected"], s["not_swept"]) == (1, 1, 0), s
assert s["sweeps"] == 2, s
en, ja = d["advisories"]
assert en["title"] == "Qbot infections lead to REvil ransomware", en["title"]
assert en["source"] == "adv-en.md" and en["published"] == "2022-02-07T00:00:00Z"
assert "**Block** the C2" in en["mitigation"], en
assert en["verdict"] == "affected" and en["severity"] == "medium", en
assert en["indicators"] == 5, en["indicators"]
# since when: over both hosts, event times
assert en["first_seen"] == "2026-01-05T09:00:00Z", en["first_seen"]
assert en["last_seen"] == "2026-01-08T12:00:00Z", en["last_seen"]
sg = en["sightings"]
assert (sg["total"], sg["hosts"], sg["inputs"], sg["suppressed"]) == (4, 2, 2, 1), sg
assert sg["listed"] == 4 and sg["left_out"] == 0, sg
# grouped by host, then input, sorted by host name
hosts = [h["host"] for h in en["evidence"]]
assert hosts == ["host`B``x", "web<script>alert(1)</script>&\"q\x1b[31m"], hosts
hb, h1 = en["evidence"]
assert [i["input"] for i in hb["inputs"]] == ["ev2/proxy.log"], hb
assert hb["sightings"] == 1 and hb["suppressed"] == 1, hb
s0 = hb["inputs"][0]["sightings"]
assert len(s0) == 1, s0  # the suppressed one is not listed
assert s0[0]["observed"] == "a.update.evil-cdn.net" and s0[0]["how"] == "subdomain"
assert s0[0]["indicator"] == {"id": s0[0]["indicator"]["id"], "type": "domain",
                              "value": "update.evil-cdn.net"}, s0
assert s0[0]["first_line"] == 2 and s0[0]["time_from"] == "event", s0
assert len(h1["inputs"]) == 1, h1
inp = h1["inputs"][0]
assert inp["input"] == "ev/x<script>alert(1)</script>\"q'&\x1b[31m\u202egol.log", inp["input"]
rows = [(x["indicator"]["type"], x["observed"], x["hits"], x["first_line"],
         x["last_line"], x["first_seen"], x["last_seen"]) for x in inp["sightings"]]
assert rows == [
    ("domain", "update.evil-cdn.net", 2, 1, 2, "2026-01-05T09:00:00Z", "2026-01-05T09:30:00Z"),
    ("url", "https://update.evil-cdn.net/gate.php?a=1&b=2", 1, 2, 2, "2026-01-05T09:30:00Z", "2026-01-05T09:30:00Z"),
    ("ipv4", "45.77.12.34", 1, 3, 3, "2026-01-06T10:00:00Z", "2026-01-06T10:00:00Z"),
], rows
assert h1["first_seen"] == "2026-01-05T09:00:00Z" and h1["last_seen"] == "2026-01-06T10:00:00Z", h1
# not seen: the unused address (the allowlisted one was seen, suppressed)
ns = en["not_seen"]
assert ns["count"] == 1 and ns["indicators"] == [{"type": "ipv4", "value": "91.92.93.94"}], ns
# the Japanese advisory: looked for by both sweeps, nothing seen
assert ja["title"] == "【注意喚起】Sodinokibi ランサムウェアの攻撃について", ja["title"]
assert "遮断" in ja["mitigation"], ja
assert ja["verdict"] == "not affected" and ja["severity"] is None, ja
assert ja["first_seen"] is None and ja["evidence"] == [], ja
assert ja["sweeps"]["count"] == 2 and ja["sweeps"]["last"], ja["sweeps"]
assert sorted(ja["sweeps"]["hosts"])[0] == "host`B``x", ja["sweeps"]
assert ja["not_seen"]["count"] == 2, ja["not_seen"]
assert sorted(x["value"] for x in ja["not_seen"]["indicators"]) == ["103.56.78.90", "evil-ja.xyz"]
PY
# the raw JSON has no raw ESC or U+202E
if LC_ALL=C grep -q "$(printf '\033')" report.json; then fail "raw ESC in JSON"; fi
if grep -q "$(printf '\342\200\256')" report.json; then fail "raw U+202E in JSON"; fi
grep -q '\\u202e' report.json || fail "U+202E escaped in JSON"

# one advisory, by id; --show-suppressed lists the suppressed sighting
run K report --format json --advisory 2
expect_rc 0 "report of the unaffected advisory alone"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert [a["id"] for a in d["advisories"]] == [2], d' out || fail "--advisory"
run K report --format json --show-suppressed -a 1 -a 2
expect_rc 1 "report --show-suppressed"
python3 - out <<'PY' || fail "--show-suppressed lists the suppressed sighting"
import json, sys
d = json.load(open(sys.argv[1]))
hb = d["advisories"][0]["evidence"][0]
s = [x for x in hb["inputs"][0]["sightings"] if x["suppressed"]]
assert len(s) == 1 and s[0]["observed"] == "185.220.101.4", s
assert s[0]["suppressed"].startswith("allowlist: our sinkhole"), s
assert d["advisories"][0]["sightings"]["total"] == 4, d  # not counted as hits
PY

# ---- --affected: only the affected are detailed, the summary counts all
run K report --affected --format json
expect_rc 1 "--affected"
python3 - out <<'PY' || fail "--affected document"
import json, sys
d = json.load(open(sys.argv[1]))
assert [a["verdict"] for a in d["advisories"]] == ["affected"], d["advisories"]
s = d["summary"]
assert (s["advisories"], s["affected"], s["not_affected"]) == (2, 1, 1), s
PY

# ---- Markdown (the default)
run K report
expect_rc 1 "markdown report"
cp out report.md
has_line report.md "# kizashi report"
grep -q '^| 1 | Qbot infections lead to REvil ransomware | \*\*affected\*\* | medium | 2 | 4 | 2026-01-05 09:00 | 2026-01-08 12:00 |$' report.md ||
    fail "markdown summary row (affected)"
grep -q '^| 2 | 【注意喚起】Sodinokibi ランサムウェアの攻撃について | \*\*not affected\*\* |' report.md ||
    fail "markdown summary row (not affected)"
grep -q '^\*\*not affected\*\*: 2 indicators looked for by 2 sweeps' report.md ||
    fail "markdown: not affected, by which sweeps"
grep -q '^#### Host ```host`B``x```: 1 sighting, 1 suppressed' report.md ||
    fail "markdown host group (fenced code span)"
grep -q '^- ipv4 `91.92.93.94`$' report.md || fail "markdown not seen"
grep -q '^Watch for &lt;b&gt;bold&lt;/b&gt; &amp;' report.md ||
    grep -q 'Watch for &lt;b&gt;bold&lt;/b&gt; &amp;' report.md || fail "markdown prose escaped"
grep -q 'web&lt;script&gt;alert\\(1\\)&lt;/script&gt;&amp;"q\\\\x1B\\\[31m' report.md ||
    fail "markdown hostile host escaped"
lacks report.md "<script"
lacks report.md "</script"
lacks report.md "<b>bold"
if LC_ALL=C grep -q "$(printf '\033')" report.md; then fail "raw ESC in Markdown"; fi
if grep -q "$(printf '\342\200\256')" report.md; then fail "raw U+202E in Markdown"; fi
grep -q '\\\\xE2\\\\x80\\\\xAEgol' report.md || fail "U+202E shown as bytes in Markdown"

# ---- HTML, written with -o (a temporary file renamed)
run K report --format html -o report.html
expect_rc 1 "html report"
empty out
[ -s report.html ] || fail "report.html written"
ls report.html.tmp-* >/dev/null 2>&1 && fail "temporary file left behind"
lacks report.html "<script"
lacks report.html "</script"
lacks report.html "<b>bold"
lacks report.html "<img"
# the advisory's own **bold** and `code` marks are shown as meant, the text
# between them escaped; unclosed marks stay as written
grep -q '<strong>Block</strong> the C2 addresses; look for <code>schtasks /create</code> in <strong>&lt;img src=x onerror=alert(1)&gt;</strong> logs, and for \*\* or ` left open.' report.html ||
    fail "advisory marks in HTML: $(grep -o '.\{0,20\}C2 addresses.\{0,160\}' report.html)"
grep -q '<meta charset="utf-8">' report.html || fail "charset meta"
grep -q "Content-Security-Policy\" content=\"default-src 'none'; script-src 'none'" report.html ||
    fail "CSP meta"
grep -q '<[a-z][^>]* src=\|href="http' report.html && fail "external resource in HTML"
grep -q 'web&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;q<span class="esc">\\x1B</span>\[31m' report.html ||
    fail "HTML hostile host escaped"
grep -q '&quot;q&#39;&amp;<span class="esc">\\x1B</span>\[31m<span class="esc">\\xE2\\x80\\xAE</span>gol.log' report.html ||
    fail "HTML hostile input escaped (quotes, ESC, U+202E)"
grep -q '<svg class="timeline"' report.html || fail "SVG timeline"
if LC_ALL=C grep -q "$(printf '\033')" report.html; then fail "raw ESC in HTML"; fi
if grep -q "$(printf '\342\200\256')" report.html; then fail "raw U+202E in HTML"; fi
python3 - report.html <<'PY' || fail "HTML parses, every tag closed"
import sys
from html.parser import HTMLParser
void = {"meta", "br", "img", "circle", "line", "rect", "input", "hr", "link"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.tags = set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag not in void: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs): self.tags.add(tag)
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
assert not p.stack, p.stack
assert "script" not in p.tags and "svg" in p.tags, p.tags
PY

# ---- bounds, and times from sweeps: a store of its own, 1200 sightings
# in a log without times
(
    export KIZASHI_HOME="$tmp/home2"
    run K intel add adv-en.md
    expect_rc 0 "intel add (bulk store)"
    run K report --format json
    expect_rc 0 "bulk store before a sweep"
    i=0
    while [ $i -lt 1200 ]; do
        echo "dns a$i.update.evil-cdn.net"
        i=$((i + 1))
    done >bulk.log
    run K hunt --no-progress --host bulk bulk.log
    expect_rc 1 "hunt bulk"
    run K report --format json
    expect_rc 1 "bulk report"
    python3 - out <<'PY' || fail "bounded report"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["advisories"][0]
sg = a["sightings"]
assert (sg["total"], sg["listed"], sg["left_out"]) == (1200, 1000, 200), sg
inp = a["evidence"][0]["inputs"][0]
assert len(inp["sightings"]) == 1000, len(inp["sightings"])
assert all(x["time_from"] == "sweep" for x in inp["sightings"])
assert a["first_seen"] == a["sweeps"]["first"], a  # the sweep's start
assert a["evidence"][0]["sightings"] == 1200, a["evidence"][0]
PY
    run K report --format html -o bulk.html
    expect_rc 1 "bulk html"
    grep -q "200 more sightings not listed" bulk.html || fail "left out, said"
    [ "$(grep -c '<g class="mark">' bulk.html)" -eq 1000 ] || fail "1000 marks"
)

# ---- a feed's indicators without an advisory are an entry of their own
# (kind feed, numbered F<id>); an allowlist entry made after the sweep
# suppresses the sighting in the report (the lists as they stand now)
(
    export KIZASHI_HOME="$tmp/home3"
    printf 'type,value,threat\nipv4,198.51.100.77,FeedBot\ndomain,feed-c2.example.net,FeedBot\nipv4,198.51.100.99,FeedBot\n' >feed.csv
    run K intel add feed.csv
    expect_rc 0 "intel add feed"
    printf '2026-02-01T10:00:00Z conn 198.51.100.77\n2026-02-01T11:00:00Z dns www.feed-c2.example.net\n' >feed.log
    run K hunt --no-progress --host fh feed.log
    expect_rc 1 "hunt feed"
    run K report --format json
    expect_rc 1 "feed report: affected"
    python3 - out <<'PY' || fail "feed entry"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["advisories"]
assert len(a) == 1 and a[0]["kind"] == "feed", a
f = a[0]
assert f["title"] == "Feed feed.csv (indicators without an advisory)", f["title"]
assert f["verdict"] == "affected" and f["threats"] == ["FeedBot"], f
assert f["sightings"]["total"] == 2 and f["sightings"]["suppressed"] == 0
assert f["first_seen"] == "2026-02-01T10:00:00Z", f["first_seen"]
assert [x["value"] for x in f["not_seen"]["indicators"]] == ["198.51.100.99"], f["not_seen"]
PY
    run K report --format md
    grep -q '^| F1 | Feed feed' out || fail "feed row in Markdown"
    run K allow add feed-c2.example.net --reason "sinkholed by us"
    expect_rc 0 "allow after the sweep"
    run K report --format json
    expect_rc 1 "still affected by the address"
    python3 - out <<'PY' || fail "re-judged sighting"
import json, sys
f = json.load(open(sys.argv[1]))["advisories"][0]
assert f["sightings"]["total"] == 1 and f["sightings"]["suppressed"] == 1, f["sightings"]
PY
    run K report --format json --show-suppressed
    grep -q '"suppressed": "allowlist: sinkholed by us' out ||
        fail "the reason of a re-judged sighting"
)

# ---- HTML in a browser: headless Chromium (Debian package chromium)
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] ||
    fail "chromium is not installed (scripts/bootstrap installs it): the HTML page must be loaded in a browser"
browse() { # browse OUT ERR ARGS...: a short, bounded run
    o=$1 e=$2
    shift 2
    timeout 60 "$chromium" --headless --no-sandbox --disable-gpu \
        --no-first-run --disable-extensions --enable-logging=stderr --v=0 \
        "$@" >"$o" 2>"$e" || fail "chromium failed: $(tail -3 "$e")"
}
# console errors about a page: CSP violations, blocked scripts or loads
console_errors() { grep -F "CONSOLE" "$1" | grep -F "source: file://$2" || true; }
page="$tmp/report.html"
browse dom.html chromium.err --dump-dom "file://$page"
grep -q '<svg class="timeline"' dom.html || fail "DOM: SVG timeline"
grep -q '<circle' dom.html || fail "DOM: timeline marks"
grep -q '<span class="verdict affected">affected</span>' dom.html || fail "DOM: verdict affected"
grep -q '<span class="verdict clear">not affected</span>' dom.html || fail "DOM: verdict not affected"
grep -q '【注意喚起】Sodinokibi' dom.html || fail "DOM: Japanese title"
lacks dom.html "<script"
[ -z "$(console_errors chromium.err "$page")" ] ||
    fail "console errors: $(console_errors chromium.err "$page")"
# the check sees errors: a page with a script is refused by its CSP
sed 's|<h1>|<script>document.title="x"</script><h1>|' report.html >bad.html
browse bad.dom chromium-bad.err --dump-dom "file://$tmp/bad.html"
[ -n "$(console_errors chromium-bad.err "$tmp/bad.html")" ] ||
    fail "the console check does not see a CSP violation"
browse shot.out shot.err --hide-scrollbars --screenshot="$tmp/shot.png" \
    --window-size=1280,2000 "file://$page"
[ -s shot.png ] || fail "screenshot written"
[ "$(head -c 8 shot.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "screenshot is a PNG"
[ "$(wc -c <shot.png)" -gt 20000 ] || fail "screenshot too small to show the page"
[ -z "$(console_errors shot.err "$page")" ] || fail "console errors (screenshot)"
exit 0
