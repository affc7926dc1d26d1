#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of `kizashi hunt` over files (issue 5, first part), on a
# small Windows-like volume and a Unix tree written here: hits by MD5,
# SHA-1, SHA-256 and SHA-512 (digests computed here with coreutils), by
# file name in any case and by glob, by path with a drive letter, an
# environment variable (%APPDATA%, %TEMP%), a directory and a Unix path;
# no hit for the decoys (a hit with its last byte flipped, a file of the
# same size, names that hold an indicator's name, the same name in another
# folder than the path indicator's); --files, --logs and the default;
# --exclude, --max-size, --one-file-system (accepted); a FIFO; names with a
# newline and an escape character, escaped in the table and in JSON; the
# ECS file.* fields; the same output with one and four threads; an
# unknown %VARIABLE% said in the summary; exit statuses; archives (zip,
# 7z, tar.gz, a bare gzip stream, nested, encrypted with and without
# --archive-password, --archive-depth, a bomb, --archive-max-bytes, a cut
# archive, hostile member names) made here with bsdtar and Python; YARA
# rules (--yara: a folder of rules, on files and members, the JSON rule.*
# fields, a rule that does not compile).
set -eu
. "$(dirname "$0")/common.sh"

case $KIZASHI in
/*) ;;
*) KIZASHI=$(pwd)/$KIZASHI ;;
esac
cd "$tmp"
export KIZASHI_HOME="$tmp/home"
H() { "$KIZASHI" hunt --no-progress --iocs "$tmp/iocs.csv" "$@"; }

# ---- the volume
mkdir -p vol/Windows/System32/drivers vol/Users/bob/AppData/Roaming \
    vol/Users/bob/AppData/Local/Temp vol/Users/bob/Documents \
    vol/ProgramData/evil/sub vol/ProgramData/good vol/tmp/.x vol/TMP/.x \
    vol/logs vol/ProgramData/Microsoft/Oweboiqnb \
    vol/ProgramData/Microsoft/Oweboiqnb2
printf 'netfilter driver body\n' >vol/Windows/System32/drivers/netfilter.sys
printf 'netfilter driver bodz\n' >vol/Windows/System32/drivers/netfilter2.sys
printf 'another same-size f\n' >vol/Windows/System32/drivers/same.sys
printf 'MZ\000\000upd' >vol/Users/bob/AppData/Roaming/upd.exe
printf 'MZ\000\000upd' >vol/Users/bob/Documents/upd.exe
printf 'dropper' >vol/Users/bob/AppData/Local/Temp/drop.tmp
printf 'invoice' >vol/Users/bob/Documents/Invoice_2024.SCR
printf 'x' >vol/Users/bob/Documents/old_netfilter.sys
printf 'x' >vol/Users/bob/Documents/netfilter.sys.txt
printf 'a' >vol/ProgramData/evil/sub/payload.bin
printf 'b' >vol/ProgramData/good/payload.bin
printf 'qbot' >vol/ProgramData/Microsoft/Oweboiqnb/qbbw.dll
printf 'qbot' >vol/ProgramData/Microsoft/Oweboiqnb2/qbbw.dll
printf 'miner' >vol/tmp/.x/miner
printf 'miner' >vol/TMP/.x/miner
printf 'sha512 me\n' >vol/Users/bob/Documents/s512.dat
printf 'sha1 me\n' >vol/Users/bob/Documents/s1.dat
printf 'conn from 1.2.3.4 to evil.example\n' >vol/logs/fw.log
SHA256=$(sha256sum vol/Windows/System32/drivers/netfilter.sys | cut -d' ' -f1)
MD5=$(md5sum vol/Users/bob/AppData/Roaming/upd.exe | cut -d' ' -f1)
SHA1=$(sha1sum vol/Users/bob/Documents/s1.dat | cut -d' ' -f1)
SHA512=$(sha512sum vol/Users/bob/Documents/s512.dat | cut -d' ' -f1)
UP256=$(printf '%s' "$SHA256" | tr a-f A-F)

cat >iocs.csv <<EOF
type,value,threat,source
sha256,$UP256,Netfilter,unit
md5,$MD5,Updbot,unit
sha1,$SHA1,S1,unit
sha512,$SHA512,S512,unit
ja3,$(md5sum vol/Users/bob/Documents/s512.dat | cut -d' ' -f1),NotAFile,unit
filename,NETFILTER.sys,Netfilter,unit
filename,invoice_*.scr,Phish,unit
filepath,%APPDATA%\\upd.exe,Updbot,unit
filepath,%TEMP%\\drop.tmp,Dropper,unit
filepath,C:\\Windows\\System32\\drivers\\netfilter*.sys,Netfilter,unit
filepath,C:\\ProgramData\\evil\\,Evil,unit
filepath,C:\\ProgramData\\Microsoft\\Oweboiqnb,Qbot,unit
filepath,/tmp/.x/miner,Miner,unit
filepath,%NOSUCHVAR%\\x.exe,Nowhere,unit
ipv4,1.2.3.4,Testbot,unit
EOF

# ---- --files: every file hit, nothing else; output in walk order
run H --files --format lines vol
expect_rc 1 "files with hits"
cat >e.lines <<'EOF'
vol/ProgramData/Microsoft/Oweboiqnb/qbbw.dll
vol/ProgramData/evil/sub/payload.bin
vol/TMP/.x/miner
vol/Users/bob/AppData/Local/Temp/drop.tmp
vol/Users/bob/AppData/Roaming/upd.exe
vol/Users/bob/Documents/Invoice_2024.SCR
vol/Users/bob/Documents/s1.dat
vol/Users/bob/Documents/s512.dat
vol/Users/bob/Documents/upd.exe
vol/Windows/System32/drivers/netfilter.sys
vol/Windows/System32/drivers/netfilter2.sys
vol/tmp/.x/miner
EOF
# (vol/TMP/.x/miner hits by nothing: it must not be there)
grep -v '^vol/TMP/' e.lines >e2.lines
diff e2.lines "$tmp/out" >/dev/null || {
    diff e2.lines "$tmp/out" >&2 || true
    fail "--files --format lines: not the expected files"
}
grep -q "18 files checked" "$tmp/err" || fail "summary: files checked"
grep -q "1 path indicator with no place on a volume" "$tmp/err" ||
    fail "the unknown %VARIABLE% is not said"

# ---- how each matched (table: path, field, observed => indicator)
run H --files vol
expect_rc 1 "table"
t() { grep -F -- "$1" "$tmp/out" | grep -qF -- "$2" || fail "no table line with '$1' and '$2'"; }
t "drivers/netfilter.sys  file.hash.sha256  $SHA256" "=>  $SHA256 (sha256)"
t "drivers/netfilter.sys  file.name  netfilter.sys" "=>  NETFILTER.sys (filename)"
t "drivers/netfilter.sys  file.path" "netfilter*.sys (filepath, path)"
t "drivers/netfilter2.sys  file.path" "netfilter*.sys (filepath, path)"
t "Roaming/upd.exe  file.path" "%APPDATA%\\upd.exe (filepath, path)"
t "Roaming/upd.exe  file.hash.md5  $MD5" "(md5)"
t "Documents/upd.exe  file.hash.md5" "(md5)"
t "Temp/drop.tmp  file.path" "%TEMP%\\drop.tmp"
t "Invoice_2024.SCR  file.name  Invoice_2024.SCR" "invoice_*.scr (filename)"
t "s1.dat  file.hash.sha1  $SHA1" "(sha1)"
t "s512.dat  file.hash.sha512  $SHA512" "(sha512)"
t "evil/sub/payload.bin  file.path" "C:\\ProgramData\\evil\\ (filepath, path)"
t "vol/tmp/.x/miner  file.path" "/tmp/.x/miner (filepath, path)"
t "Oweboiqnb/qbbw.dll  file.path" "C:\\ProgramData\\Microsoft\\Oweboiqnb (filepath, path)"
# near-misses
lacks "$tmp/out" "Documents/upd.exe  file.path"
lacks "$tmp/out" "old_netfilter"
lacks "$tmp/out" "netfilter.sys.txt"
lacks "$tmp/out" "same.sys"
lacks "$tmp/out" "good/payload"
lacks "$tmp/out" "Oweboiqnb2"
lacks "$tmp/out" "netfilter2.sys  file.hash"
lacks "$tmp/out" "NotAFile"
lacks "$tmp/out" "fw.log"
[ "$(grep -c . "$tmp/out")" -eq 14 ] || fail "table: not 14 hits"

# ---- ECS JSON of a file's hit
run H --files --json vol/Windows
expect_rc 1 "json"
python3 - "$tmp/out" "$SHA256" <<'PY' || fail "file hit JSON"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
h = [x for x in hits if x["kizashi"]["field"] == "file.hash.sha256"]
assert len(h) == 1, hits
h = h[0]
f = h["file"]
assert f["path"] == "vol/Windows/System32/drivers/netfilter.sys", f
assert f["name"] == "netfilter.sys" and f["extension"] == "sys", f
assert f["directory"] == "vol/Windows/System32/drivers", f
assert f["size"] == 22 and f["hash"]["sha256"] == sys.argv[2], f
assert set(f["hash"]) == {"md5", "sha1", "sha256", "sha512"}, f
assert "file" in h["event"]["category"], h["event"]
assert h["kizashi"]["match"] == "exact" and h["kizashi"]["dataset"] == "file"
assert "line" not in h["kizashi"] and "log" not in h, h
assert h["threat"]["indicator"]["file"]["hash"]["sha256"] == sys.argv[2]
p = [x for x in hits if x["kizashi"]["match"] == "path"]
assert p and p[0]["kizashi"]["observed_type"] == "filepath", hits
PY

# ---- the default reads text files as logs too; --logs checks no file
run H --format lines vol/logs vol/Windows/System32/drivers/netfilter.sys
expect_rc 1 "default mode"
printf 'vol/logs/fw.log:1:conn from 1.2.3.4 to evil.example\nvol/Windows/System32/drivers/netfilter.sys\n' >e.def
diff e.def "$tmp/out" >/dev/null || fail "default mode: file and log hits"
run H --logs --format lines vol/Windows
expect_rc 0 "--logs: no file checks"
empty "$tmp/out"
run H --files --logs vol
expect_rc 2 "--files and --logs together"

# ---- --exclude, --max-size, --one-file-system
run H --files --format lines --exclude '*.sys' --exclude 'vol/Users/bob/Documents' vol
expect_rc 1 "--exclude"
lacks "$tmp/out" ".sys"
lacks "$tmp/out" "Documents"
has_line "$tmp/out" "vol/Users/bob/AppData/Roaming/upd.exe"
grep -q "excluded" "$tmp/err" || fail "--exclude not counted"
run H --files --max-size 10 vol/Windows/System32/drivers
expect_rc 1 "--max-size (names still checked)"
lacks "$tmp/out" "file.hash"
grep -q "file.name  netfilter.sys" "$tmp/out" || fail "--max-size: name not checked"
grep -q "skipped (too large): 22 bytes, over --max-size" "$tmp/err" ||
    fail "--max-size: the skipped file is not said"
run H --files --max-size 12x vol
expect_rc 2 "a bad --max-size"
run H --files -x --format lines vol/ProgramData
expect_rc 1 "--one-file-system on one file system"
has_line "$tmp/out" "vol/ProgramData/evil/sub/payload.bin"

# ---- a text file over 8 MiB is taken for a log (not hashed) unless --files
mkdir big
python3 -c 'import sys; open(sys.argv[1], "w").write("log line from 10.0.0.1\n" * 400000)' big/app.log
printf 'type,value\nsha256,%s\n' "$(sha256sum big/app.log | cut -d' ' -f1)" >big.csv
run "$KIZASHI" hunt --no-progress --iocs big.csv big
expect_rc 0 "a large text file is not hashed by default"
grep -q "1 text file over 8 MiB read as log, not hashed" "$tmp/err" ||
    fail "the summary does not say the large text file was not hashed"
run "$KIZASHI" hunt --no-progress --iocs big.csv --files --format lines big
expect_rc 1 "--files hashes it"
has_line "$tmp/out" "big/app.log"

# ---- a sweep leaves access times alone (O_NOATIME: the tests own the files)
touch -a -d "2020-01-02 03:04:05" vol/Windows/System32/drivers/netfilter.sys vol/logs/fw.log
before=$(stat -c %X vol/Windows/System32/drivers/netfilter.sys vol/logs/fw.log)
run H --format lines vol/Windows vol/logs
after=$(stat -c %X vol/Windows/System32/drivers/netfilter.sys vol/logs/fw.log)
[ "$before" = "$after" ] || fail "the sweep changed access times ($before -> $after)"

# ---- threads: the same output (times left out: an indicator of an
# undated --iocs file is first and last seen when the run loads it)
untimed() {
    sed 's/"created":"[^"]*"//; s/"@timestamp":"[^"]*"//
         s/"first_seen":"[^"]*"//g; s/"last_seen":"[^"]*"//g; s/added [0-9-]*//g'
}
H --files --json -j1 vol | untimed >o1 || true
H --files --json -j4 vol | untimed >o4 || true
cmp -s o1 o4 || fail "one and four threads differ"

# ---- hostile names: a newline and an escape character, and a FIFO
mkdir odd
printf 'MZ\000\000upd' >"odd/a
b.exe"
printf 'MZ\000\000upd' >"$(printf 'odd/\033[31mred.exe')"
mkfifo odd/pipe
rc=0
timeout 10 "$KIZASHI" hunt --no-progress --iocs iocs.csv --files odd >"$tmp/out" 2>"$tmp/err" || rc=$?
[ "$rc" -ne 124 ] || fail "hunt hangs on a FIFO"
expect_rc 1 "odd names"
grep -qF 'odd/a\x0ab.exe  file.hash.md5' "$tmp/out" || fail "newline in a name not escaped"
grep -qF 'odd/\x1b[31mred.exe' "$tmp/out" || fail "escape character not escaped"
if grep -q "$(printf '\033')" "$tmp/out"; then fail "a raw escape reached the output"; fi
grep -q "odd/pipe: skipped (not a regular file)" "$tmp/err" || fail "FIFO not said"
H --files --json odd >oj || true
python3 -c 'import json,sys; p=[json.loads(l)["file"]["path"] for l in open(sys.argv[1])]; assert "odd/a\nb.exe" in p and "odd/\x1b[31mred.exe" in p, p' oj ||
    fail "JSON paths not exact"

# ---- archives: members hashed and named as they stream by, nested
mkdir -p arc/src/Users/bob/AppData/Roaming arc/src/docs arc/in
cp vol/Users/bob/AppData/Roaming/upd.exe arc/src/Users/bob/AppData/Roaming/
cp vol/Windows/System32/drivers/netfilter.sys arc/src/docs/
(cd arc/src && bsdtar -a -cf ../in/triage.zip Users docs &&
    bsdtar -cf ../inner.7z --format 7zip docs &&
    bsdtar -czf ../t.tar.gz Users &&
    bsdtar --format zip --options zip:encryption=zipcrypt \
        --passphrase infected -cf ../in/enc.zip docs)
(cd arc && bsdtar -a -cf in/outer.zip inner.7z t.tar.gz)
gzip -c arc/src/Users/bob/AppData/Roaming/upd.exe >arc/in/upd.exe.gz
run H --files --format lines arc/in
expect_rc 1 "archives"
cat >e.arc <<'EOF'
arc/in/enc.zip!docs/netfilter.sys
arc/in/outer.zip!inner.7z!docs/netfilter.sys
arc/in/outer.zip!t.tar.gz!Users/bob/AppData/Roaming/upd.exe
arc/in/triage.zip!Users/bob/AppData/Roaming/upd.exe
arc/in/triage.zip!docs/netfilter.sys
arc/in/upd.exe.gz!upd.exe
EOF
diff e.arc "$tmp/out" >/dev/null || {
    diff e.arc "$tmp/out" >&2 || true
    fail "archive members: not the expected hits"
}
grep -q "arc/in/enc.zip!docs/netfilter.sys: skipped (encrypted)" "$tmp/err" ||
    fail "the encrypted member is not said"
grep -q "4 archives opened" "$tmp/err" || fail "archives not counted"
run H --files arc/in/triage.zip arc/in/outer.zip
t "triage.zip!docs/netfilter.sys  file.hash.sha256  $SHA256" "(sha256)"
t "triage.zip!Users/bob/AppData/Roaming/upd.exe  file.path  arc/in/triage.zip!Users/bob/AppData/Roaming/upd.exe" "%APPDATA%\upd.exe (filepath, path)"
t "outer.zip!inner.7z!docs/netfilter.sys  file.hash.sha256" "(sha256)"
# the password opens the encrypted member: its digest hits too
run H --files --archive-password wrong --archive-password infected arc/in/enc.zip
expect_rc 1 "--archive-password"
t "enc.zip!docs/netfilter.sys  file.hash.sha256  $SHA256" "(sha256)"
lacks "$tmp/err" "encrypted"
# depth: 1 opens the outer archive only, 0 none
run H --files --format lines --archive-depth 1 arc/in/outer.zip
expect_rc 0 "--archive-depth 1"
empty "$tmp/out"
run H --files --format lines --archive-depth 0 arc/in/triage.zip
expect_rc 0 "--archive-depth 0"
empty "$tmp/out"
run H --files --archive-depth 9 arc/in
expect_rc 2 "a bad --archive-depth"
# JSON of a member's hit
run H --files --json arc/in/triage.zip
python3 - "$tmp/out" <<'PY' || fail "member hit JSON"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
h = [x for x in hits if x["kizashi"]["field"] == "file.hash.sha256"][0]
assert h["file"]["path"] == "arc/in/triage.zip!docs/netfilter.sys", h["file"]
assert h["file"]["name"] == "netfilter.sys", h["file"]
assert h["file"]["size"] == 22, h["file"]
assert h["kizashi"]["archive"] == "arc/in/triage.zip", h["kizashi"]
assert h["kizashi"]["archive_member"] == "docs/netfilter.sys", h["kizashi"]
PY
# hostile member names are text: matched and printed, never used as paths
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("arc/names.zip", "w") as z:
    z.writestr("../../etc/netfilter.sys", b"x")
    z.writestr("/abs/Users/bob/AppData/Roaming/upd.exe", b"y")
    z.writestr("red\x1b[31m.exe", b"z")
PY
run H --files arc/names.zip
expect_rc 1 "hostile member names"
t "names.zip!../../etc/netfilter.sys  file.name" "(filename)"
t "names.zip!/abs/Users/bob/AppData/Roaming/upd.exe  file.path" "(filepath, path)"
[ ! -e etc/netfilter.sys ] && [ ! -e /abs ] || fail "a member was written out"
# a decompression bomb is stopped (ratio), and --archive-max-bytes
python3 - <<'PY'
import os, zipfile
with zipfile.ZipFile("arc/bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("zeros.bin", b"\0" * (80 << 20))
with zipfile.ZipFile("arc/big.zip", "w", zipfile.ZIP_STORED) as z:
    z.writestr("random.bin", os.urandom(3 << 20))
PY
run H --files arc/bomb.zip
expect_rc 3 "a bomb: nothing found, coverage incomplete"
grep -q "arc/bomb.zip!zeros.bin: skipped (archive limit):.*decompression bomb" "$tmp/err" ||
    fail "the bomb is not said"
run H --files --archive-max-bytes 1M arc/big.zip
expect_rc 3 "--archive-max-bytes"
grep -q "skipped (archive limit): over 1048576 bytes expanded" "$tmp/err" ||
    fail "--archive-max-bytes not said"
# a damaged archive: what could be read is, the damage said
head -c 300 arc/in/triage.zip >arc/cut.zip
run H --files arc/cut.zip
grep -q "arc/cut.zip.*skipped (damaged)" "$tmp/err" || fail "damage not said"

# ---- names only (no digest in the index): members skipped, not
# decompressed, unless their name says archive (then opened)
python3 - <<'PY'
import io, zipfile
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("deep/netfilter.sys", b"x" * 1000)
with zipfile.ZipFile("arc/names-only.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("drivers/NETFILTER.SYS", b"y" * 1000)
    z.writestr("inner.zip", inner.getvalue())
    z.writestr("inner.dat", inner.getvalue())
PY
printf 'type,value\nfilename,netfilter.sys\n' >names.csv
run "$KIZASHI" hunt --no-progress --iocs names.csv --files --format lines arc/names-only.zip
expect_rc 1 "names only"
printf 'arc/names-only.zip!drivers/NETFILTER.SYS\narc/names-only.zip!inner.zip!deep/netfilter.sys\n' >e.names
diff e.names "$tmp/out" >/dev/null || fail "names only: $(cat "$tmp/out")"

# ---- YARA rules (--yara): on files and archive members, one read
mkdir -p rules/more
cat >rules/driver.yar <<'EOF'
rule Netfilter_Body : driver rootkit
{
    meta:
        description = "the test driver's body"
        threat = "Netfilter"
    strings:
        $a = "netfilter driver body"
    condition:
        $a
}
EOF
cat >rules/more/mz.yara <<'EOF'
rule MZ_Upd
{
    strings:
        $u = "upd"
    condition:
        uint16(0) == 0x5A4D and $u
}
EOF
printf 'not rules\n' >rules/README.txt
printf 'type,value\nipv4,192.0.2.200\n' >none-files.csv
run "$KIZASHI" hunt --no-progress --iocs none-files.csv --files --yara rules vol/Windows arc/in/triage.zip vol/Users/bob/AppData/Roaming
expect_rc 1 "YARA hits"
t "drivers/netfilter.sys  rule.name  Netfilter_Body" "=>  Netfilter_Body (yara)  Netfilter  \"the test driver's body\""
t "triage.zip!docs/netfilter.sys  rule.name  Netfilter_Body" "(yara)"
t "triage.zip!Users/bob/AppData/Roaming/upd.exe  rule.name  MZ_Upd" "(yara)"
t "Roaming/upd.exe  rule.name  MZ_Upd" "(yara)"
lacks "$tmp/out" "netfilter2.sys  rule.name"
run "$KIZASHI" hunt --no-progress --iocs none-files.csv --files --json --yara rules/driver.yar vol/Windows/System32/drivers/netfilter.sys
python3 - "$tmp/out" <<'PY' || fail "YARA hit JSON"
import json, sys
h = json.loads(open(sys.argv[1]).readline())
assert h["rule"]["name"] == "Netfilter_Body", h.get("rule")
assert h["rule"]["ruleset"] == "rules/driver.yar", h["rule"]
assert h["rule"]["description"] == "the test driver's body", h["rule"]
assert h["kizashi"]["match"] == "yara" and h["kizashi"]["indicator_type"] == "yara"
assert h["kizashi"]["indicator_tags"] == ["driver", "rootkit"], h["kizashi"]
assert h["kizashi"]["threats"] == ["Netfilter"] and h["kizashi"]["advisories"] == []
PY
printf 'rule broken {\n  condition: nosuch\n}\n' >broken.yar
run "$KIZASHI" hunt --no-progress --iocs none-files.csv --files --yara broken.yar vol
expect_rc 2 "a rule that does not compile"
grep -q 'YARA rules: broken.yar:2: undefined identifier "nosuch"' "$tmp/err" ||
    fail "the rule error does not name the file and line"
run "$KIZASHI" hunt --no-progress --iocs none-files.csv --logs --yara rules vol
expect_rc 2 "--yara with --logs"
run "$KIZASHI" hunt --no-progress --iocs none-files.csv --yara nosuchdir vol
expect_rc 2 "--yara on a missing path"

# ---- nothing to find
printf 'type,value\nsha256,%s\n' "$(printf 'other' | sha256sum | cut -d' ' -f1)" >none.csv
run "$KIZASHI" hunt --no-progress --iocs none.csv --files vol
expect_rc 0 "no hit"
empty "$tmp/out"
echo "test_hunt_files: ok"
