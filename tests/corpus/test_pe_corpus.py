#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""test_pe_corpus -- `kizashi hunt --files` over the real PE files of
../shared/corpus/evidence/pe (signed and unsigned EFI binaries, Windows
executables), against their facts in pe-facts.tsv, computed elsewhere with
pefile and OpenSSL (CTest label corpus; skipped when ../shared is absent).

Checks, for every file of pe-facts.tsv:
  * its MD5, SHA-1 and SHA-256 hit the indicators made of them, and its
    Authenticode authentihash (SHA-256) hits an authentihash indicator: the
    authentihash computed here is the one the corpus records;
  * the machine (x64, x86) is the recorded one;
  * a file with a certificate table is reported signed, with a valid
    signature (these are untouched vendor binaries) whose signer is the
    first certificate subject recorded for it; an unsigned file is
    reported unsigned;
  * a copy of a signed file with one byte changed in a section is
    reported tampered, and its file digests no longer hit.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

KIZASHI = os.environ.get("KIZASHI", "build/dev/kizashi")
SHARED = os.environ.get(
    "KZ_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
PE = os.path.join(SHARED, "corpus", "evidence", "pe")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def cn(subject):
    """'C = US, ..., CN = X' (OpenSSL oneline) -> X"""
    for part in subject.split(", "):
        if part.startswith("CN = "):
            return part[5:]
    return subject


def main():
    facts_path = os.path.join(PE, "pe-facts.tsv")
    if not os.path.isfile(facts_path):
        print("SKIPPED: ../shared/corpus/evidence/pe not found")
        return 77
    with open(facts_path, newline="") as f:
        facts = list(csv.DictReader(f, delimiter="\t"))
    check(len(facts) >= 5, f"pe-facts.tsv has {len(facts)} rows")
    with tempfile.TemporaryDirectory() as tmp:
        iocs = os.path.join(tmp, "iocs.csv")
        with open(iocs, "w") as out:
            out.write("type,value,threat\n")
            for r in facts:
                for t in ("md5", "sha1", "sha256"):
                    out.write(f"{t},{r[t]},{r['file']}\n")
                out.write(f"authentihash,{r['authentihash_sha256']},{r['file']}\n")
        env = dict(os.environ, KIZASHI_HOME=tmp, SOURCE_DATE_EPOCH="1700000000")
        p = subprocess.run([KIZASHI, "hunt", "--no-progress", "--files", "--json",
                            "--iocs", iocs, PE], capture_output=True, text=True,
                           env=env)
        check(p.returncode == 1, f"exit status {p.returncode}: {p.stderr}")
        hits = [json.loads(l) for l in p.stdout.splitlines()]
        by_file = {}
        for h in hits:
            rel = os.path.relpath(h["file"]["path"], PE)
            by_file.setdefault(rel, []).append(h)
        for r in facts:
            name = r["file"]
            hs = by_file.get(name, [])
            fields = {h["kizashi"]["field"] for h in hs}
            want = {"file.hash.md5", "file.hash.sha1", "file.hash.sha256",
                    "file.pe.authentihash"}
            check(fields == want, f"{name}: hits {sorted(fields)}")
            if not hs:
                continue
            h = hs[0]
            ah = h["kizashi"].get("pe", {}).get("authentihash", {}).get("sha256")
            check(ah == r["authentihash_sha256"],
                  f"{name}: authentihash {ah}, corpus {r['authentihash_sha256']}")
            arch = {"0x8664": "x64", "0x14c": "x86"}.get(r["machine"])
            check(h["file"].get("pe", {}).get("architecture") == arch,
                  f"{name}: architecture {h['file'].get('pe')}")
            cs = h["file"].get("code_signature", {})
            if int(r["win_certificate_entries"]) > 0:
                check(cs.get("exists") is True and cs.get("status") == "valid",
                      f"{name}: signature {cs}")
                first = cn(r["first_cert_subject_per_entry"].split(" || ")[0])
                subj = cs.get("subject_name", "")
                check(subj == "CN=" + first or
                      subj.startswith("CN=" + first + ","),
                      f"{name}: signer {subj!r}, corpus {first!r}")
            else:
                check(cs.get("exists") is False, f"{name}: signature {cs}")
        # a signed file with one byte changed after signing
        signed = [r for r in facts if int(r["win_certificate_entries"]) > 0][0]
        src = os.path.join(PE, signed["file"])
        tam = os.path.join(tmp, "tampered.efi")
        shutil.copyfile(src, tam)
        with open(tam, "r+b") as f:
            f.seek(4096)
            b = f.read(1)
            f.seek(4096)
            f.write(bytes([b[0] ^ 0xFF]))
        with open(iocs, "a") as out:
            out.write("filename,tampered.efi,tamper-test\n")
        p = subprocess.run([KIZASHI, "hunt", "--no-progress", "--files", "--json",
                            "--iocs", iocs, tam], capture_output=True, text=True,
                           env=env)
        hs = [json.loads(l) for l in p.stdout.splitlines()]
        check(len(hs) == 1 and hs[0]["kizashi"]["field"] == "file.name",
              f"tampered copy: hits {[h['kizashi']['field'] for h in hs]}")
        if hs:
            cs = hs[0]["file"].get("code_signature", {})
            check(cs.get("status") == "tampered" and cs.get("valid") is False,
                  f"tampered copy: {cs}")
        print(f"{len(facts)} PE files: digests, authentihashes, machines and "
              f"signers as recorded; a tampered copy is said tampered")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
