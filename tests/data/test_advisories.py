#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""test_advisories.py -- extraction on the project's own advisories.

tests/data/advisories/ holds 44 synthetic advisories written for this
project (English and Japanese; plain text, Markdown, AsciiDoc, HTML, CSV,
JSON, INI, event logs), each with NAME.truth.tsv: what an analyst would
block or hunt (see README.md there). This test runs `kizashi extract` on
each, prints the false positives and misses with their lines, the totals and
micro precision/recall, and fails when the totals are worse than BASELINE
(a ratchet: lower BASELINE when extraction gets better).

Conventions (as for the corpus reports): a host or address that is the host
of a truth URL, and a file name that is the last part of a truth path, are
neither required nor counted; CVE identifiers are context; file names, paths,
registry keys, mutexes and user agents compare without case; a YARA rule by
its name.

Environment: KIZASHI (the binary), KZ_SOURCE_DIR (the repository).
"""
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

SRC = os.environ.get("KZ_SOURCE_DIR",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
KIZASHI = os.environ.get("KIZASHI", os.path.join(SRC, "build", "dev",
                                                 "kizashi"))
DIR = os.path.join(SRC, "tests", "data", "advisories")
EXTS = ("txt", "md", "html", "adoc", "csv", "json", "ini", "yaml", "log")


def norm(t, v):
    v = v.strip()
    if t == "yara":
        m = re.search(r"rule\s+(\w+)", v)
        return m.group(1).lower() if m else v.lower()
    return v.lower()


def basename(p):
    return re.split(r"[\\/]", p.rstrip("\\/"))[-1].lower()


def extract(path):
    p = subprocess.run([KIZASHI, "extract", "--format", "json", path],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"test_advisories: kizashi failed on {path}: "
                 f"{p.stderr.strip()}")
    return [json.loads(l) for l in p.stdout.splitlines() if l.strip()]


def main():
    if not os.path.exists(KIZASHI):
        sys.exit(f"test_advisories: no kizashi binary at {KIZASHI}")
    names = sorted(
        f for f in os.listdir(DIR) if f.rsplit(".", 1)[-1] in EXTS
        and os.path.exists(os.path.join(DIR, f.rsplit(".", 1)[0] +
                                        ".truth.tsv")))
    if len(names) < 40:
        sys.exit(f"test_advisories: only {len(names)} inputs in {DIR}")
    tot_fp = tot_fn = tot_tp = 0
    for name in names:
        path = os.path.join(DIR, name)
        truthf = os.path.join(DIR, name.rsplit(".", 1)[0] + ".truth.tsv")
        truth = set()
        with open(truthf, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    t, v = line.rstrip("\n").split("\t", 1)
                    truth.add((t, norm(t, v)))
        got = {}
        for r in extract(path):
            got[(r["type"], norm(r["type"], r["value"]))] = r
        hosts = {urlsplit(v).hostname for t, v in truth if t == "url"}
        bases = {basename(v) for t, v in truth if t == "filepath"}

        def optional(t, v):
            return ((t in ("domain", "ipv4", "ipv6") and v in hosts)
                    or (t == "filename" and v in bases))

        fp = sorted(k for k in got
                    if k not in truth and not optional(*k) and k[0] != "cve")
        fn = sorted(k for k in truth if k not in got and not optional(*k))
        tp = sum(1 for k in truth if k in got)
        tot_fp += len(fp)
        tot_fn += len(fn)
        tot_tp += tp
        print(f"{name}: truth {len(truth)}, found {tp}, "
              f"false positives {len(fp)}, misses {len(fn)}")
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for k in fp:
            r = got[k]
            ln = lines[r["line"] - 1].strip() if r["line"] <= len(lines) else ""
            print(f"  FP {k[0]} {r['value']!r}  line {r['line']}: {ln[:120]}")
        for k in fn:
            print(f"  FN {k[0]} {k[1]!r}")
    prec = tot_tp / (tot_tp + tot_fp) if tot_tp + tot_fp else 1.0
    rec = tot_tp / (tot_tp + tot_fn) if tot_tp + tot_fn else 1.0
    print(f"\n{len(names)} advisories: {tot_tp} found, {tot_fp} false "
          f"positives, {tot_fn} misses; micro precision {prec:.4f}, "
          f"recall {rec:.4f}")
    base = {}
    with open(os.path.join(DIR, "BASELINE"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                k, v = line.split()
                base[k] = int(v)
    worse = []
    if tot_fp > base["false_positives"]:
        worse.append(f"false positives {tot_fp} > {base['false_positives']}")
    if tot_fn > base["misses"]:
        worse.append(f"misses {tot_fn} > {base['misses']}")
    if worse:
        print("FAIL: worse than BASELINE: " + "; ".join(worse))
        return 1
    if tot_fp < base["false_positives"] or tot_fn < base["misses"]:
        print(f"better than BASELINE ({base['false_positives']} false "
              f"positives, {base['misses']} misses): lower it")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
