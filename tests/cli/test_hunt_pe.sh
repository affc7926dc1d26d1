#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of `kizashi hunt` on PE files and their Authenticode
# signatures, all made here: a driver-shaped PE built with mingw-w64
# (native subsystem), a test CA and a code-signing certificate made with
# openssl (its subject copies the WHCP signer's name, as a forger would;
# its issuer is our test CA), signed with osslsigncode (SHA-256 and SHA-1),
# a copy tampered after signing, one with its certificate table cut.
# Checks: the authentihash is the one osslsigncode calculates, and hits an
# authentihash indicator (signed or not: the signature is not part of
# it); the CA's and the signer's thumbprints hit cert_sha1/cert_sha256
# indicators, the signer's CN or O signer indicators; the signer, WHCP claim, signing time, chain and status
# (valid, tampered, bad, unsigned) in the table and in ECS JSON; the
# chain trusted or not with --pe-roots (our CA, another root); a
# LOLDrivers feed line naming the driver's authentihash hits with its
# category; the same inside a zip (PE members parsed from memory).
set -eu
. "$(dirname "$0")/common.sh"

case $KIZASHI in
/*) ;;
*) KIZASHI=$(pwd)/$KIZASHI ;;
esac
cd "$tmp"
export KIZASHI_HOME="$tmp/home"
for t in x86_64-w64-mingw32-gcc osslsigncode openssl python3; do
    command -v "$t" >/dev/null 2>&1 || fail "$t not found (scripts/bootstrap installs it)"
done

# ---- the driver, the CA, the signer, the signatures
cat >drv.c <<'EOF'
/* a driver-shaped PE: native subsystem, no C runtime */
__declspec(dllexport) long DriverEntry(void *drv, void *reg)
{
    (void)drv;
    (void)reg;
    return 0;
}
EOF
x86_64-w64-mingw32-gcc -O1 -s -nostdlib -Wl,--subsystem,native \
    -Wl,--entry,DriverEntry -o drv.sys drv.c
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
    -subj "/CN=Kizashi Test Root CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout s.key -out s.csr \
    -subj "/C=US/O=Kizashi Test (not Microsoft)/CN=Microsoft Windows Hardware Compatibility Publisher" 2>/dev/null
printf 'extendedKeyUsage=codeSigning,1.3.6.1.4.1.311.10.3.5\nbasicConstraints=CA:FALSE\n' >ext.cnf
openssl x509 -req -in s.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out s.pem -days 30 -extfile ext.cnf 2>/dev/null
cat s.pem ca.pem >chain.pem
mkdir vol
cp drv.sys vol/unsigned.sys
osslsigncode sign -certs chain.pem -key s.key -h sha256 -in drv.sys \
    -out vol/netfilter.sys >/dev/null
osslsigncode sign -certs chain.pem -key s.key -h sha1 -in drv.sys \
    -out vol/sha1.sys >/dev/null
cp vol/netfilter.sys vol/tampered.sys
python3 - vol/tampered.sys vol/cut.sys <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
lf = struct.unpack_from("<I", d, 0x3C)[0]
optsz = struct.unpack_from("<H", d, lf + 20)[0]
raw = struct.unpack_from("<I", d, lf + 24 + optsz + 20)[0]  # 1st section
cut = bytes(d[:-200])          # the certificate table cut short
d[raw] ^= 0xFF                 # a byte of code changed after signing
open(sys.argv[1], "wb").write(d)
open(sys.argv[2], "wb").write(cut)
PY
ah() { osslsigncode verify -CAfile ca.pem -in "$1" 2>&1 |
    sed -n 's/^Calculated message digest : \([0-9A-F]*\).*/\1/p' | head -1 |
    tr A-F a-f; }
AH256=$(ah vol/netfilter.sys)
AH1=$(ah vol/sha1.sys)
[ ${#AH256} -eq 64 ] && [ ${#AH1} -eq 40 ] || fail "osslsigncode gave no authentihash"
CA1=$(openssl x509 -in ca.pem -noout -fingerprint -sha1 | cut -d= -f2 | tr -d : | tr A-F a-f)
S256=$(openssl x509 -in s.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
cat >iocs.csv <<EOF
type,value,threat
authentihash,$AH256,Netfilter
cert_sha1,$CA1,TestCA
cert_sha256,$S256,FakeWHCP
filename,cut.sys,Cut
EOF

H() { "$KIZASHI" hunt --no-progress --iocs "$tmp/iocs.csv" "$@"; }
t() { grep -F -- "$1" "$tmp/out" | grep -qF -- "$2" || fail "no table line with '$1' and '$2'"; }

# ---- the table
run H --files vol
expect_rc 1 "PE hits"
t "vol/netfilter.sys  file.pe.authentihash  $AH256" '[signer "Microsoft Windows Hardware Compatibility Publisher", WHCP, signature valid, chain unchecked]'
t "vol/netfilter.sys  file.code_signature.certificate.sha1  $CA1" "(cert_sha1)  TestCA"
t "vol/netfilter.sys  file.code_signature.certificate.sha256  $S256" "(cert_sha256)  FakeWHCP"
t "vol/unsigned.sys  file.pe.authentihash  $AH256" "[PE, unsigned]"
t "vol/sha1.sys  file.code_signature.certificate.sha1" "signature valid"
t "vol/tampered.sys  file.code_signature.certificate.sha1" "signature tampered"
t "vol/cut.sys  file.name  cut.sys" "signature bad"
lacks "$tmp/out" "tampered.sys  file.pe.authentihash"

# the SHA-1 authentihash of the SHA-1 signature, as osslsigncode has it
printf 'type,value\nauthentihash,%s\n' "$AH1" >ah1.csv
run "$KIZASHI" hunt --no-progress --iocs ah1.csv --files --format lines vol
expect_rc 1 "SHA-1 authentihash"
# (not the tampered copy, nor the cut one: its table is out of range, so
# nothing can be left out of its authentihash)
printf 'vol/netfilter.sys\nvol/sha1.sys\nvol/unsigned.sys\n' >e.ah1
diff e.ah1 "$tmp/out" >/dev/null || fail "SHA-1 authentihash hits: $(cat "$tmp/out")"

# ---- ECS JSON
run H --files --json vol/netfilter.sys vol/tampered.sys vol/cut.sys
python3 - "$tmp/out" "$AH256" "$CA1" <<'PY' || fail "PE hit JSON"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for h in hits:
    by.setdefault(h["file"]["name"], h)
n = by["netfilter.sys"]
cs, x = n["file"]["code_signature"], n["file"]["x509"]
assert n["file"]["pe"]["architecture"] == "x64", n["file"]
assert cs["exists"] and cs["status"] == "valid" and cs["valid"], cs
assert cs["digest_algorithm"] == "sha256", cs
assert cs["subject_name"].startswith("CN=Microsoft Windows Hardware Compatibility Publisher,O=Kizashi Test"), cs
assert "timestamp" in cs, cs
assert x["issuer"]["distinguished_name"] == "CN=Kizashi Test Root CA", x
k = n["kizashi"]
assert k["pe"]["driver"] is True and k["pe"]["authentihash"]["sha256"] == sys.argv[2], k["pe"]
assert k["code_signature"]["whcp"] is True, k["code_signature"]
assert k["code_signature"]["signed_authentihash"] == sys.argv[2]
assert len(k["code_signature"]["chain"]) == 2
assert sys.argv[3] in [c["sha1"] for c in k["code_signature"]["chain"]]
t = by["tampered.sys"]["file"]["code_signature"]
assert t["status"] == "tampered" and t["valid"] is False, t
assert "changed after it was signed" in by["tampered.sys"]["kizashi"]["code_signature"]["error"]
c = by["cut.sys"]["file"]["code_signature"]
assert c["status"] == "bad", c
PY

# ---- PE files inside an archive: parsed from the member's bytes
mkdir zipped
cp vol/netfilter.sys vol/tampered.sys zipped/
(cd zipped && bsdtar -a -cf ../drivers.zip netfilter.sys tampered.sys)
run H --files drivers.zip
expect_rc 1 "PE members"
t "drivers.zip!netfilter.sys  file.pe.authentihash  $AH256" "signature valid, chain unchecked]"
t "drivers.zip!tampered.sys  file.code_signature.certificate.sha1  $CA1" "signature tampered, chain unchecked]"
lacks "$tmp/out" "tampered.sys  file.pe.authentihash"

# ---- --pe-roots: the chain verified against given roots
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem \
    -subj "/CN=Some Other Root" -days 30 2>/dev/null
run H --files --pe-roots ca.pem vol/netfilter.sys
expect_rc 1 "--pe-roots: trusted"
t "vol/netfilter.sys  file.pe.authentihash" "signature valid, chain trusted]"
run H --files --pe-roots other.pem vol/netfilter.sys
expect_rc 1 "--pe-roots: untrusted"
t "vol/netfilter.sys  file.pe.authentihash" "signature valid, chain untrusted: self-signed certificate in certificate chain]"
run H --files --pe-roots ca.pem --json vol/netfilter.sys
python3 -c 'import json,sys; h=json.loads(open(sys.argv[1]).readline()); assert h["file"]["code_signature"]["trusted"] is True, h["file"]' "$tmp/out" ||
    fail "--pe-roots: file.code_signature.trusted"
run H --files --pe-roots other.pem --json vol/netfilter.sys
python3 -c 'import json,sys; h=json.loads(open(sys.argv[1]).readline()); assert h["file"]["code_signature"]["trusted"] is False and "self-signed" in h["kizashi"]["code_signature"]["chain_error"], h' "$tmp/out" ||
    fail "--pe-roots: untrusted in JSON"
run H --files --pe-roots nosuch.pem vol
expect_rc 2 "--pe-roots: a missing file"
grep -q "pe-roots: nosuch.pem: cannot be read" "$tmp/err" || fail "--pe-roots: missing file not said"
printf 'not a certificate\n' >junk.pem
run H --files --pe-roots junk.pem vol
expect_rc 2 "--pe-roots: no certificate"

# ---- signer indicators: the CN, the O or the whole subject, any case;
# not a part of a name
cat >signer.csv <<'EOF'
type,value,threat
signer,microsoft windows hardware compatibility publisher,ByCN
signer,Kizashi Test (not Microsoft),ByO
signer,Microsoft Windows,Partial
EOF
run "$KIZASHI" hunt --no-progress --iocs signer.csv --files vol/netfilter.sys vol/unsigned.sys
expect_rc 1 "signer indicators"
t "vol/netfilter.sys  file.code_signature.subject_name  CN=Microsoft Windows Hardware Compatibility Publisher,O=Kizashi Test (not Microsoft),C=US" "(signer)  ByCN"
t "vol/netfilter.sys  file.code_signature.subject_name" "(signer)  ByO"
lacks "$tmp/out" "Partial"
lacks "$tmp/out" "unsigned.sys"
[ "$(grep -c . "$tmp/out")" -eq 2 ] || fail "signer: not 2 hits"

# ---- a file hit by name shows its signer too, though nothing asks for PE
printf 'type,value\nfilename,netfilter.sys\n' >name.csv
run "$KIZASHI" hunt --no-progress --iocs name.csv --files vol
expect_rc 1 "a name hit on a PE file"
t "vol/netfilter.sys  file.name  netfilter.sys" "signature valid, chain unchecked]"

# ---- LOLDrivers: the feed's authentihash and category
{
    printf '"Id","Author","Created","Command","Description","Usecase","Category","Privileges","MitreID","OperatingSystem","Resources","Driver Description","Person","Handle","Detection","KnownVulnerableSamples_MD5","KnownVulnerableSamples_SHA1","KnownVulnerableSamples_SHA256","KnownVulnerableSamples_Publisher","KnownVulnerableSamples_Date","KnownVulnerableSamples_Company","KnownVulnerableSamples_Description","KnownVulnerableSamples_Authentihash_MD5","KnownVulnerableSamples_Authentihash_SHA1","KnownVulnerableSamples_Authentihash_SHA256","Verified","Tags"\n'
    printf '"0c5a0e8a-0000-4000-8000-000000000001","test","2021-06-25","","","","malicious","","T1014","","[]","","","","[]","","","","","","","","","","%s","TRUE","netfilter.sys"\n' "$AH256"
} >drivers.csv
"$KIZASHI" intel add -q --format loldrivers drivers.csv
run "$KIZASHI" hunt --no-progress --files --json vol/netfilter.sys
expect_rc 1 "LOLDrivers authentihash"
python3 - "$tmp/out" <<'PY' || fail "LOLDrivers hit"
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
h = [x for x in hits if x["kizashi"]["indicator_type"] == "authentihash"]
assert h, hits
assert "malicious" in h[0]["kizashi"]["indicator_tags"], h[0]["kizashi"]
assert h[0]["kizashi"]["advisories"], h[0]["kizashi"]
PY
echo "test_hunt_pe: ok"
