#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of `kizashi compile` and `kizashi hunt`, on fixtures
# written here: a tiny intel CSV and a few lines per log format (text,
# Zeek JSON, Suricata EVE, Zeek TSV). Checks a hit per observable kind and
# no hit for the near-misses (--format lines, exact and in order), exit
# statuses 0/1/2/3, compressed inputs (each tool skipped when missing),
# stdin, the JSON fields, --threads 1 and 4 giving the same output, a FIFO,
# a binary file, a 64 MiB line, a line of a JSON log that is not JSON,
# the store (compiled on demand when it changed), and damaged indexes
# (truncated, wrong magic, newer version: exit 2 with a message).
set -eu
. "$(dirname "$0")/common.sh"

case $KIZASHI in
/*) ;;
*) KIZASHI=$(pwd)/$KIZASHI ;;
esac
# Paths in the output are as given: work in the scratch directory and give
# relative ones.
cd "$tmp"
export KIZASHI_HOME="$tmp/home"
H() { "$KIZASHI" hunt --no-progress "$@"; }
HI() { H --iocs "$tmp/iocs.csv" "$@"; }

MD5=8923555dd88550914518394a250bd10f
SHA1=dd32d3cd57d9b04479a0bfdc5b43b53befa8e63c
SHA256=1368bcc0f67c4d8ba6ffeff6da8e569f9511287568ba21b55a307f86baa70325
CERT=67edf60b4174474225367bb389feb2282bb31d92
UPPER_SHA1=$(printf '%s' "$SHA1" | tr a-f A-F)
MIXED_SHA256=$(printf '%s' "$SHA256" | sed 's/\(.\)\(.\)/\U\1\L\2/g')
COLON_CERT=$(printf '%s' "$CERT" | sed 's/../&:/g; s/:$//')

cat >iocs.csv <<EOF
type,value,threat,source
ipv4,1.2.3.4,Testbot,unit
cidr,203.0.113.0/24,Testbot,unit
ipv6,2001:db8::1:0:0:1,Testbot,unit
domain,evil.example,Testbot,unit
url,http://bad.example.net/gate.php,Testbot,unit
md5,$MD5,Testbot,unit
sha1,$SHA1,Testbot,unit
sha256,$SHA256,Testbot,unit
sha1,$CERT,Testbot,unit
email,mallory@evil-mail.example,Testbot,unit
user_agent,Mozilla/5.0 (KZ-Testbot 1.0),Testbot,unit
mutex,Global\\TestbotMutex_7,Testbot,unit
regkey,HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\testbot,Testbot,unit
EOF

# add FILE hit|miss LABEL TEXT: appends TEXT as the next line of FILE and,
# for a hit, FILE:LINE to expect.lines; labels.tsv names every line.
: >expect.lines
: >labels.tsv
add() {
    printf '%s\n' "$4" >>"$1"
    n=$(wc -l <"$1" | tr -d ' ')
    printf '%s:%s\t%s: %s\n' "$1" "$n" "$2" "$3" >>labels.tsv
    if [ "$2" = hit ]; then printf '%s:%s\n' "$1" "$n" >>expect.lines; fi
}
# same_lines EXPECTED: the PATH:LINE of every row of the last run's
# --format lines output ($tmp/out, PATH:LINE:TEXT) must equal EXPECTED line
# for line; names the lines missed and the ones reported wrongly
# (near-misses) from labels.tsv.
same_lines() {
    cut -d: -f1,2 "$tmp/out" >o.pl
    if ! cmp -s "$1" o.pl; then
        sort "$1" >e.sorted
        sort o.pl >o.sorted
        comm -23 e.sorted o.sorted | while read -r l; do
            printf 'missed %s (%s)\n' "$l" "$(grep -F "$l	" labels.tsv | cut -f2)" >&2
        done
        comm -13 e.sorted o.sorted | while read -r l; do
            printf 'reported %s (%s)\n' "$l" "$(grep -F "$l	" labels.tsv | cut -f2)" >&2
        done
        fail "--format lines output differs from $1 (or its order)"
    fi
}

# has_hit PATH:LINE: the last run's --format lines output has that line.
has_hit() { cut -d: -f1,2 "$tmp/out" | grep -qxF -e "$1" || fail "no hit on $1"; }

# ---- the fixtures; files in name order, as the walk goes --------------
mkdir d
f=d/a_dns_tsv.log
T=$(printf '\t')
printf '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n' >$f
printf '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers\n' >>$f
printf '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tvector[string]\n' >>$f
add $f hit "tsv: a subdomain in the query column" "1622541600.000001${T}CuaB1${T}10.0.0.5${T}53001${T}10.0.0.53${T}53${T}udp${T}cdn.evil.example${T}-"
add $f miss "tsv: a look-alike" "1622541601.000001${T}CuaB2${T}10.0.0.5${T}53002${T}10.0.0.53${T}53${T}udp${T}notevil.example${T}-"
add $f hit "tsv: an address in a set" "1622541602.000001${T}CuaB3${T}10.0.0.5${T}53003${T}10.0.0.53${T}53${T}udp${T}www.kitsune.example${T}10.1.1.1,1.2.3.4"
printf '#close\t2021-06-02-00-00-00\n' >>$f

f=d/b_eve.json
add $f hit "eve: a colon-separated SHA-1 fingerprint" "{\"timestamp\":\"2021-06-01T10:00:00.000000+0000\",\"event_type\":\"tls\",\"src_ip\":\"10.0.0.5\",\"src_port\":50000,\"dest_ip\":\"192.0.2.80\",\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=x\",\"fingerprint\":\"$COLON_CERT\",\"version\":\"TLS 1.2\"}}"
add $f hit "eve: a subdomain in mixed case" '{"timestamp":"2021-06-01T10:00:01.000000+0000","event_type":"dns","src_ip":"10.0.0.5","src_port":50001,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{"type":"query","rrname":"x.EVIL.example","rrtype":"A"}}'
add $f miss "eve: an address with one more digit" '{"timestamp":"2021-06-01T10:00:02.000000+0000","event_type":"flow","src_ip":"10.0.0.5","src_port":50002,"dest_ip":"11.2.3.4","dest_port":443,"proto":"TCP"}'
add $f hit "eve: a line that is not JSON" '{"timestamp":"2021-06-01T10:00:03.0+0000","event_type":"dns","dns":{"rrname":"evil.example"'
add $f hit "eve: the URL split in http.hostname + http.url" '{"timestamp":"2021-06-01T10:00:04.000000+0000","event_type":"http","src_ip":"10.0.0.5","src_port":50004,"dest_ip":"192.0.2.81","dest_port":80,"proto":"TCP","http":{"hostname":"bad.example.net","url":"/gate.php","http_method":"GET","status":200}}'
add $f miss "eve: the URL extended by a path" '{"timestamp":"2021-06-01T10:00:05.000000+0000","event_type":"http","src_ip":"10.0.0.5","src_port":50005,"dest_ip":"192.0.2.81","dest_port":80,"proto":"TCP","http":{"hostname":"bad.example.net","url":"/gate.php/more","http_method":"GET","status":200}}'

f=d/c_text.log
add $f hit "text: IPv4" "Jun  1 10:00:00 fw kernel: DROP SRC=10.0.0.5 DST=1.2.3.4 PROTO=TCP"
add $f miss "text: 1.2.3.45" "Jun  1 10:00:01 fw kernel: DROP SRC=10.0.0.5 DST=1.2.3.45 PROTO=TCP"
add $f miss "text: 11.2.3.4" "Jun  1 10:00:02 fw kernel: DROP SRC=10.0.0.5 DST=11.2.3.4 PROTO=TCP"
add $f hit "text: IPv4 inside the CIDR" "Jun  1 10:00:03 fw kernel: DROP SRC=10.0.0.5 DST=203.0.113.77 PROTO=TCP"
add $f miss "text: a dotted run (SNMP OID)" "Jun  1 10:00:04 snmpd[12]: get .1.3.6.1.2.3.4.0 = INTEGER: 7"
add $f hit "text: IPv6 compressed" "Jun  1 10:00:05 sshd[99]: Accepted password for bob from 2001:db8::1:0:0:1 port 22 ssh2"
add $f hit "text: IPv6 full, upper case" "Jun  1 10:00:06 sshd[99]: Accepted password for bob from 2001:0DB8:0000:0000:0001:0000:0000:0001 port 22 ssh2"
add $f hit "text: the domain" "Jun  1 10:00:07 named[7]: client 10.0.0.5#5353: query: evil.example IN A +"
add $f hit "text: a subdomain" "Jun  1 10:00:08 named[7]: client 10.0.0.5#5353: query: a.b.evil.example IN A +"
add $f hit "text: mixed case" "Jun  1 10:00:09 named[7]: client 10.0.0.5#5353: query: EVIL.Example IN A +"
add $f hit "text: a trailing dot" "Jun  1 10:00:10 named[7]: client 10.0.0.5#5353: query: evil.example. IN A +"
add $f miss "text: notevil.example" "Jun  1 10:00:11 named[7]: client 10.0.0.5#5353: query: notevil.example IN A +"
add $f miss "text: evil.example.au" "Jun  1 10:00:12 named[7]: client 10.0.0.5#5353: query: evil.example.au IN A +"
add $f hit "text: the host of a URL" "Jun  1 10:00:13 squid[3]: 1622541613.000 12 10.0.0.5 TCP_MISS/200 512 GET http://www.evil.example/x.php - HIER_DIRECT/192.0.2.9 text/html"
add $f hit "text: the URL" "Jun  1 10:00:14 squid[3]: 1622541614.000 12 10.0.0.5 TCP_MISS/200 512 GET http://bad.example.net/gate.php - HIER_DIRECT/192.0.2.9 text/html"
add $f miss "text: the URL extended by a path" "Jun  1 10:00:15 squid[3]: 1622541615.000 12 10.0.0.5 TCP_MISS/404 512 GET http://bad.example.net/gate.php/x - HIER_DIRECT/192.0.2.9 text/html"
add $f miss "text: another URL of the host" "Jun  1 10:00:16 squid[3]: 1622541616.000 12 10.0.0.5 TCP_MISS/200 512 GET http://bad.example.net/index.html - HIER_DIRECT/192.0.2.9 text/html"
add $f hit "text: MD5" "Jun  1 10:00:17 av[5]: detected file=C:\\x.exe md5=$MD5"
add $f hit "text: SHA-1 in upper case" "Jun  1 10:00:18 av[5]: detected file=C:\\x.exe sha1=$UPPER_SHA1"
add $f hit "text: SHA-256 in mixed case" "Jun  1 10:00:19 av[5]: detected file=C:\\x.exe sha256=$MIXED_SHA256"
add $f miss "text: SHA-256 with an extra digit" "Jun  1 10:00:20 av[5]: detected file=C:\\x.exe sha256=${SHA256}0"
add $f hit "text: e-mail in mixed case" "Jun  1 10:00:21 postfix/qmgr[8]: 4F2A: from=<Mallory@Evil-Mail.example>, size=1200, nrcpt=1"
add $f miss "text: nothing at all" "Jun  1 10:00:22 systemd[1]: Started Daily apt upgrade and clean activities."
add $f hit "text: a mutex (literal)" "Jun  1 10:00:23 edr[4]: pid 4242 created mutex Global\\TestbotMutex_7"
add $f miss "text: a longer mutex" "Jun  1 10:00:24 edr[4]: pid 4243 created mutex Global\\TestbotMutex_77"

f=d/d_zeek_http.log
add $f hit "zeek: the URL split in host + uri" '{"ts":1622541600.1,"uid":"CzH1","id.orig_h":"10.0.0.5","id.orig_p":50100,"id.resp_h":"192.0.2.81","id.resp_p":80,"method":"GET","host":"bad.example.net","uri":"/gate.php","status_code":200}'
add $f miss "zeek: the URL extended by a path" '{"ts":1622541600.2,"uid":"CzH2","id.orig_h":"10.0.0.5","id.orig_p":50101,"id.resp_h":"192.0.2.81","id.resp_p":80,"method":"GET","host":"bad.example.net","uri":"/gate.php/x","status_code":404}'
add $f miss "zeek: another path" '{"ts":1622541600.3,"uid":"CzH3","id.orig_h":"10.0.0.5","id.orig_p":50102,"id.resp_h":"192.0.2.81","id.resp_p":80,"method":"GET","host":"bad.example.net","uri":"/","status_code":200}'
add $f hit "zeek: an address in the CIDR" '{"ts":1622541600.4,"uid":"CzH4","id.orig_h":"10.0.0.5","id.orig_p":50103,"id.resp_h":"203.0.113.200","id.resp_p":80,"method":"GET","host":"www.kitsune.example","uri":"/","status_code":200}'
add $f hit "zeek: a user agent (literal)" '{"ts":1622541600.5,"uid":"CzH5","id.orig_h":"10.0.0.5","id.orig_p":50104,"id.resp_h":"192.0.2.82","id.resp_p":80,"method":"GET","host":"www.kitsune.example","uri":"/","user_agent":"Mozilla/5.0 (KZ-Testbot 1.0)","status_code":200}'
add $f miss "zeek: another user agent" '{"ts":1622541600.6,"uid":"CzH6","id.orig_h":"10.0.0.5","id.orig_p":50105,"id.resp_h":"192.0.2.82","id.resp_p":80,"method":"GET","host":"www.kitsune.example","uri":"/","user_agent":"Mozilla/5.0 (KZ-Testbot 1.1)","status_code":200}'

f=d/e_sysmon.json
add $f hit "sysmon: a registry key, JSON-escaped, in another case (literal)" '{"EventID":13,"Channel":"Microsoft-Windows-Sysmon/Operational","UtcTime":"2021-06-01 10:00:30.000","Image":"C:\\Users\\bob\\x.exe","TargetObject":"HKCU\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\testbot","Details":"C:\\x.exe"}'
add $f miss "sysmon: a sibling key" '{"EventID":13,"Channel":"Microsoft-Windows-Sysmon/Operational","UtcTime":"2021-06-01 10:00:31.000","Image":"C:\\Users\\bob\\x.exe","TargetObject":"HKCU\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\testbot2","Details":"C:\\x.exe"}'

# Near-misses only.
mkdir m
sed -n 's|^d/c_text.log:\([0-9]*\)	miss:.*|\1p|p' labels.tsv >miss.sed
sed -n -f miss.sed d/c_text.log >m/misses.log
nlines m/misses.log 10

# ---- hits and near-misses, --format lines, in order --------------------
run HI --format lines d
expect_rc 1 "hits in d"
same_lines expect.lines
grep -q . "$tmp/err" || fail "no summary line on stderr"
cp "$tmp/out" d.lines

run HI --format lines m
expect_rc 0 "near-misses only"
empty "$tmp/out"

# one file: exactly grep -n -H's form, PATH:LINE:TEXT
run HI --format lines d/c_text.log
expect_rc 1 "one file"
grep '^d/c_text.log:' expect.lines >e.text
same_lines e.text
awk 'NR == FNR { want[$0] = 1; next }
    want[FILENAME ":" FNR] { print FILENAME ":" FNR ":" $0 }' e.text d/c_text.log >e.full
cmp -s e.full "$tmp/out" || fail "--format lines is not PATH:LINE:TEXT"

# ---- table (default) and --summary
run HI d/c_text.log
expect_rc 1 "table"
grep -q "evil.example" "$tmp/out" || fail "table lacks the indicator"
grep -q "Testbot" "$tmp/out" || fail "table lacks the threat"
grep -q "d/c_text.log" "$tmp/out" || fail "table lacks the file"
if grep -q "$(printf '\033')" "$tmp/out"; then fail "colours when not a terminal"; fi
run HI --summary d
expect_rc 1 "--summary"
grep -q "evil.example" "$tmp/out" "$tmp/err" || fail "--summary lacks the indicator"

# ---- stdin
sed 's|^d/c_text.log:|-:|' e.text >e.stdin
run sh -c '"$1" hunt --no-progress --iocs "$2" --format lines - <"$3"' sh "$KIZASHI" "$tmp/iocs.csv" d/c_text.log
expect_rc 1 "stdin"
same_lines e.stdin

# ---- JSON: ECS names, the line and its offset
run HI --json d
expect_rc 1 "--json"
cp "$tmp/out" d.json
python3 - d.json expect.lines "$SHA1" "$CERT" <<'PY' || fail "JSON fields"
import json, sys
def flat(d, pre=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, pre + k + "."))
        else:
            out[pre + k] = v
    return out
hits = [flat(json.loads(l)) for l in open(sys.argv[1])]
expect = [l.strip() for l in open(sys.argv[2])]
got = []
for h in hits:
    p, n = h["log.file.path"], h["kizashi.line"]
    assert isinstance(n, int) and n >= 1, h
    # log.offset: the byte offset of the line's start in the file
    data = open(p, "rb").read()
    start = 0
    for _ in range(n - 1):
        start = data.index(b"\n", start) + 1
    assert h["log.offset"] == start, (h, start)
    assert any(k.startswith("threat.indicator.") for k in h), h
    if f"{p}:{n}" not in got:
        got.append(f"{p}:{n}")
assert got == expect, (got, expect)
def one(path, line):
    r = [h for h in hits if h["log.file.path"] == path and h["kizashi.line"] == line]
    assert r, (path, line)
    return r[0]
def has_value(h, v):
    return any(isinstance(x, str) and x.lower() == v for k, x in h.items()
               if k.startswith("threat.indicator."))
assert has_value(one("d/c_text.log", 1), "1.2.3.4"), one("d/c_text.log", 1)
assert has_value(one("d/c_text.log", 4), "203.0.113.0/24"), one("d/c_text.log", 4)
assert has_value(one("d/c_text.log", 8), "evil.example")
assert has_value(one("d/c_text.log", 19), sys.argv[3])
# the URL rebuilt from host + uri
z = one("d/d_zeek_http.log", 1)
assert z.get("url.full") == "http://bad.example.net/gate.php", z
assert has_value(z, "http://bad.example.net/gate.php"), z
# the fingerprint, and a DNS name with its ECS field
assert has_value(one("d/b_eve.json", 1), sys.argv[4])
e = one("d/b_eve.json", 2)
assert e.get("dns.question.name", "").lower() == "x.evil.example", e
assert one("d/a_dns_tsv.log", 10)["kizashi.line"] == 10
# a literal: the registry key as the string the JSON line holds, matched
# in another case
r = one("d/e_sysmon.json", 1)
assert r["kizashi.match"] == "literal", r
assert r["kizashi.observed"] == \
    "HKCU\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\testbot", r
assert r["kizashi.field"] == "TargetObject", r
u = one("d/d_zeek_http.log", 5)
assert u["kizashi.observed"] == "Mozilla/5.0 (KZ-Testbot 1.0)", u
assert u["kizashi.field"] == "user_agent", u
PY

# ---- compressed inputs: the same lines, format detected by content
mkdir c
sed 's|^d/c_text.log:||' e.text >e.nums
for z in gzip:gz bzip2:bz2 xz:xz zstd:zst; do
    tool=${z%%:*} ext=${z#*:}
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "test_hunt: $tool not installed: .$ext input not tested"
        continue
    fi
    "$tool" -c <d/c_text.log >"c/text.log.$ext"
    "$tool" -c <d/c_text.log >"c/noext-$ext"
    for f in "c/text.log.$ext" "c/noext-$ext"; do
        sed "s|^|$f:|" e.nums >e.z
        run HI --format lines "$f"
        expect_rc 1 "$tool input $f"
        same_lines e.z
    done
done

# ---- --threads: the same output whatever the number of threads
mkdir big
python3 - big <<'PY'
import os, sys
d = sys.argv[1]
with open(os.path.join(d, "big.log"), "w") as f:
    for i in range(400000):
        if i % 5000 == 17:
            f.write("Jun  1 10:00:00 fw kernel: DROP SRC=10.0.0.%d DST=1.2.3.4 n=%d\n" % (i % 250, i))
        elif i % 7001 == 3:
            f.write("Jun  1 10:00:00 named[7]: query: h%d.evil.example IN A +\n" % i)
        else:
            f.write("Jun  1 10:00:00 host%d app[%d]: request %d from 10.9.%d.%d served in %d ms\n"
                    % (i % 97, i % 30000, i, i % 256, i % 199, i % 1000))
for j in range(40):
    with open(os.path.join(d, "small-%02d.log" % j), "w") as f:
        for i in range(200):
            f.write("Jun  1 10:00:%02d box app: ok %d %d\n" % (i % 60, j, i))
        if j % 3 == 0:
            f.write("Jun  1 10:01:00 box app: mail from mallory@evil-mail.example\n")
PY
# (the times of the run itself -- event.created, and first/last seen of
# --iocs indicators, which is when they were read -- left out)
untimed() {
    sed 's/"created":"[^"]*"//; s/"first_seen":"[^"]*"//g; s/"last_seen":"[^"]*"//g' "$@"
}
run HI --format json --threads 1 big
expect_rc 1 "--threads 1"
untimed "$tmp/out" >t1.json
[ "$(wc -l <t1.json)" -ge 140 ] || fail "--threads 1: too few hits"
run HI --format json --threads 4 big
expect_rc 1 "--threads 4"
untimed "$tmp/out" >t4.json
cmp -s t1.json t4.json || fail "--threads 1 and --threads 4 differ"
run HI --format lines --threads 2 big
expect_rc 1 "--threads 2"
python3 -c 'import sys; n = [int(l.split(":")[1]) for l in open(sys.argv[1]) if l.startswith("big/big.log:")]; assert n == sorted(n) and len(n) == len(set(n)), "order"' "$tmp/out" ||
    fail "lines of a split file out of order"

# ---- a FIFO in a directory is skipped, not waited on
mkdir fifo
cp d/c_text.log fifo/
mkfifo fifo/pipe
rc=0
timeout 10 "$KIZASHI" hunt --no-progress --iocs iocs.csv --format lines fifo >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -ne 124 ] || fail "hunt hangs on a FIFO"
expect_rc 1 "a directory with a FIFO"
sed 's|^d/|fifo/|' e.text >e.fifo
same_lines e.fifo

# ---- a binary file is not read as a log: checked as a file only (and
# skipped, said per file, with --logs)
mkdir bin
printf '\177ELF\002\001\001\000\000\000 DST=1.2.3.4 evil.example\000\000\n' >bin/core.bin
cp m/misses.log bin/
run HI --format lines bin
expect_rc 0 "binary not read as a log"
empty "$tmp/out"
grep -q "1 binary, checked as files only" "$tmp/err" ||
    fail "the summary does not count the binary file"
run HI --format lines --logs bin
expect_rc 0 "binary skipped with --logs"
empty "$tmp/out"
grep -q "bin/core.bin: skipped (binary)" "$tmp/err" ||
    fail "--logs does not say it skipped the binary file"

# ---- a 64 MiB line: swept, the lines after it numbered right
mkdir long
python3 - long/long.log <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("first DST=1.2.3.4\n")
    f.write("x" * (64 << 20) + " DST=1.2.3.4\n")
    f.write("nothing here\n")
    f.write("last DST=1.2.3.4\n")
PY
run HI --format lines long
expect_rc 1 "a 64 MiB line"
printf 'long/long.log:1\nlong/long.log:2\nlong/long.log:4\n' >e.long
same_lines e.long
rm -f long/long.log

# ---- exit status 2: usage, no intel, a missing index
run H --no-such-option d
expect_rc 2 "an unknown option"
grep -q "^kizashi:" "$tmp/err" || fail "usage error message"
run H --index "$tmp/nope.kzi" d
expect_rc 2 "a missing index"
grep -q "nope.kzi" "$tmp/err" || fail "the missing index is not named"
run H --iocs "$tmp/nope.csv" d
expect_rc 2 "missing intel"
grep -q "nope.csv" "$tmp/err" || fail "the missing intel file is not named"

# ---- exit status 3: inputs that could not be read, nothing found
# A truncated .gz: an error with the file and the offset, the hits before
# the damage kept.
mkdir t
python3 - t <<'PY'
import gzip, hashlib, os, sys
lines = ["first DST=1.2.3.4\n"]
lines += ["noise %s\n" % hashlib.sha1(b"%d" % i).hexdigest()[:30] for i in range(20000)]
lines += ["last DST=1.2.3.4\n"]
z = gzip.compress("".join(lines).encode(), mtime=0)
open(os.path.join(sys.argv[1], "trunc.log.gz"), "wb").write(z[: len(z) // 2])
clean = gzip.compress("".join(lines[1:-1]).encode(), mtime=0)
os.mkdir(os.path.join(sys.argv[1], "clean"))
open(os.path.join(sys.argv[1], "clean", "trunc.log.gz"), "wb").write(clean[: len(clean) // 2])
PY
run HI --format lines t/trunc.log.gz
expect_rc 1 "a truncated .gz with a hit before the damage"
has_hit t/trunc.log.gz:1
lacks "$tmp/out" "t/trunc.log.gz:20002"
grep -q "t/trunc.log.gz" "$tmp/err" || fail "the damaged file is not named"
run HI --format lines t/clean m
expect_rc 3 "a truncated .gz, nothing found"
empty "$tmp/out"
grep -q "t/clean/trunc.log.gz" "$tmp/err" || fail "the damaged file is not named"
if [ "$(id -u)" -ne 0 ]; then
    mkdir u
    cp m/misses.log u/
    printf 'DST=1.2.3.4\n' >u/secret.log
    chmod 000 u/secret.log
    run HI --format lines u
    expect_rc 3 "an unreadable file, nothing found"
    grep -q "u/secret.log" "$tmp/err" || fail "the unreadable file is not named"
    chmod 600 u/secret.log
else
    echo "test_hunt: running as root: unreadable files not tested (a truncated .gz stands in)"
fi

# ---- compile, and damaged indexes
run "$KIZASHI" compile --iocs iocs.csv -o x.kzi
expect_rc 0 "compile --iocs"
[ -s x.kzi ] || fail "no index written"
empty "$tmp/out"
nlines "$tmp/err" 1
run "$KIZASHI" compile --iocs iocs.csv
expect_rc 2 "compile --iocs without -o"
run "$KIZASHI" compile --check x.kzi
expect_rc 0 "compile --check"
grep -q "literal strings looked for in logs as text: 3 of 3" "$tmp/out" ||
    fail "compile --check: the literal strings"
grep -q "verified in" "$tmp/out" || fail "compile --check: no times"
run H --index x.kzi --format lines d
expect_rc 1 "hunt --index"
cmp -s "$tmp/out" d.lines || fail "--index and --iocs differ"

head -c 2000 x.kzi >trunc.kzi
head -c 100 x.kzi >short.kzi
python3 - x.kzi <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
m = bytearray(b)
m[0:8] = b"NOTKZI\x00\x00"
open("magic.kzi", "wb").write(m)
v = bytearray(b)
struct.pack_into("<I", v, 8, struct.unpack_from("<I", v, 8)[0] + 1)
open("newer.kzi", "wb").write(v)
PY
for k in trunc short magic newer; do
    run H --index "$k.kzi" --format lines d
    expect_rc 2 "a damaged index ($k)"
    empty "$tmp/out"
    grep -q "$k.kzi" "$tmp/err" || fail "the damaged index ($k) is not named"
done
grep -qi "version" "$tmp/err" || fail "a newer index: the message does not say version"

# ---- the store: compiled on demand when it changed
run "$KIZASHI" intel add iocs.csv
expect_rc 0 "intel add"
run H --format lines d
expect_rc 1 "hunt with the store"
cmp -s "$tmp/out" d.lines || fail "the store and --iocs differ"
[ -s "$KIZASHI_HOME/intel.kzi" ] || fail "no index beside the store"
mkdir s
printf 'DST=5.6.7.8 one\nnothing\n' >s/new.log
run H --format lines s
expect_rc 0 "not yet an indicator"
printf '5.6.7.8\n' >more.txt
run "$KIZASHI" intel add more.txt
expect_rc 0 "intel add more"
run H --format lines s
expect_rc 1 "the new indicator, compiled on demand"
has_hit s/new.log:1
run "$KIZASHI" compile
expect_rc 0 "compile the store"
nlines "$tmp/err" 1
# an index of an older format beside the store: compiled again, and said
printf '\001\000\000\000' | dd of="$KIZASHI_HOME/intel.kzi" bs=1 seek=8 conv=notrunc 2>/dev/null
run H --format lines s
expect_rc 1 "an older index, compiled again"
has_hit s/new.log:1
grep -q "older than this kizashi reads.*compiling it again" "$tmp/err" ||
    fail "no word about the older index"
run H --format lines s
expect_rc 1 "the index compiled again"
grep -q "compiling it again" "$tmp/err" && fail "compiled a second time"
run H --db "$KIZASHI_HOME/intel.db" --format lines s
expect_rc 1 "hunt --db"
has_hit s/new.log:1

echo "test_hunt: ok"
