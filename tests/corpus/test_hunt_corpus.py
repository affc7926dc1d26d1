#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""test_hunt_corpus -- `kizashi hunt` over the real logs of
../shared/corpus/evidence/logs with every real feed and report of
../shared/corpus/intel in the store (CTest label corpus; skipped when
../shared is absent).

Checks, on externally written material:
  * the sweep (--logs) ends with exit status 1 (hits) and names the five
    EVTX files it skipped as binary; the default sweep (files checked too)
    gives the same hits and counts them;
  * the LOLDrivers entry for vboxdrv.sys (the driver the BYOVD attack of the
    Sysmon 6 sample loads) is found by its SHA-256, SHA-1 and MD5 and by
    its file name, with its advisory;
  * every hit is where it says it is: the observed text is in line
    `kizashi.line` of `log.file.path` (so line numbers are right on real,
    varied files), and its time and field are plausible;
  * the output is the same with one thread and with four;
  * the number of hits per file is the one recorded in EXPECTED (a change
    in matching shows here; the new figures are printed for review).
"""
import json
import os
import subprocess
import sys
import tempfile

KIZASHI = os.environ.get("KIZASHI", "build/dev/kizashi")
SHARED = os.environ.get(
    "KZ_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
INTEL = os.path.join(SHARED, "corpus", "intel")
LOGS = os.path.join(SHARED, "corpus", "evidence", "logs")

# file (relative to LOGS) -> hits
EXPECTED = {
    "suricata/fever-alertify-input.eve.json": 2,
    "windows/evtx-xml/sysmon-6-7-13_DSE_bypass_BYOV_TDL_dummydriver.evtx.xml": 6,
    "windows/json/otrf_empire_persistence_run_keys.sysmon-1-3-22.json": 8,
    "zeek/json/wrccdc2018/x509.json": 2,
    "zeek/tsv/wrccdc2018/notice.log": 7,
    "zeek/tsv/wrccdc2018/x509.log": 2,
}

VBOX = {
    "sha256": "cf3a7d4285d65bf8688215407bce1b51d7c6b22497f09021f0fce31cbeb78986",
    "sha1": "7c1b25518dee1e30b5a6eaa1ea8e4a3780c24d0c",
    "md5": "eaea9ccb40c82af8f3867cd0f4dd5e9d",
}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, env):
    return subprocess.run([KIZASHI] + args, env=env, capture_output=True,
                          text=True, errors="replace")


def main():
    if not os.path.isdir(INTEL) or not os.path.isdir(LOGS):
        print("SKIPPED: ../shared/corpus not found")
        return 77
    with tempfile.TemporaryDirectory() as home:
        # a fixed sweep time, so two sweeps print the same bytes
        env = dict(os.environ, KIZASHI_HOME=home, SOURCE_DATE_EPOCH="1700000000")
        feeds = os.path.join(INTEL, "feeds")
        for name in sorted(os.listdir(feeds)):
            r = run(["intel", "add", "-q", os.path.join(feeds, name)], env)
            check(r.returncode == 0, f"intel add {name}: {r.stderr.strip()}")
        r = run(["intel", "add", "-q", os.path.join(INTEL, "reports")], env)
        check(r.returncode == 0, f"intel add reports: {r.stderr.strip()}")

        # sweeps compared with each other keep no sightings (else the
        # first one's hits are new, the next ones' not)
        r1 = run(["hunt", "--logs", "--json", "--threads", "1", "--no-record",
                  LOGS], env)
        check(r1.returncode == 1, f"hunt exit status {r1.returncode}: {r1.stderr}")
        r4 = run(["hunt", "--logs", "--json", "--threads", "4", "--no-record",
                  LOGS], env)
        check(r1.stdout == r4.stdout, "one and four threads give the same output")
        skipped = [l for l in r1.stderr.splitlines() if "skipped (binary)" in l]
        check(len(skipped) == 5 and all(".evtx:" in l for l in skipped),
              f"the five EVTX files are skipped as binary: {skipped}")
        # the default also checks every file (none of these is named by
        # the feeds): the same hits, the EVTX files counted, not listed
        r0 = run(["hunt", "--json", "--threads", "2", "--no-record", LOGS],
                 env)
        check(r0.stdout == r1.stdout, "the default sweep adds or loses hits")
        check("5 binary, checked as files only" in r0.stderr,
              f"the default sweep does not count the EVTX files: {r0.stderr}")

        hits = []
        for line in r1.stdout.splitlines():
            try:
                hits.append(json.loads(line))
            except ValueError:
                check(False, f"not JSON: {line[:200]}")
        per_file = {}
        for h in hits:
            path = h["log"]["file"]["path"]
            rel = os.path.relpath(path, LOGS)
            per_file[rel] = per_file.get(rel, 0) + 1
            n = h["kizashi"]["line"]
            with open(path, "rb") as f:
                for i, text in enumerate(f, 1):
                    if i == n:
                        break
                else:
                    text = b""
            obs = h["kizashi"]["observed"].encode()
            check(obs.lower() in text.lower(),
                  f"{rel}:{n}: observed {obs!r} is in that line")
            check(h["log"]["offset"] >= 0, f"{rel}:{n}: an offset")
        print("hits per file:", json.dumps(per_file, indent=1, sort_keys=True))
        check(per_file == EXPECTED, "hits per file as recorded")

        vbox = [h for h in hits if "vboxdrv" in json.dumps(h).lower()]
        kinds = {h["kizashi"]["observed_type"] for h in vbox}
        check({"sha256", "sha1", "md5", "filename"} <= kinds,
              f"vboxdrv.sys found by every digest and by name: {kinds}")
        for h in vbox:
            ind = h["threat"]["indicator"]
            check("LOLDrivers" in " ".join(h["kizashi"].get("advisories", [])),
                  "the LOLDrivers advisory is named")
            if h["kizashi"]["observed_type"] in VBOX:
                t = h["kizashi"]["observed_type"]
                check(ind["file"]["hash"][t] == VBOX[t],
                      f"{t} of vboxdrv.sys is the indicator's")

        # Suricata and Zeek hits know their field and time.
        for h in hits:
            rel = os.path.relpath(h["log"]["file"]["path"], LOGS)
            if rel.startswith(("suricata/", "zeek/json/")):
                check(h["kizashi"].get("field"), f"{rel}: a field")
                check(h["@timestamp"] < "2021", f"{rel}: the event's own time")

        # --summary and --format lines on the same sweep.
        r = run(["hunt", "--summary", LOGS], env)
        check(r.returncode == 1 and "LOLDrivers: vboxdrv.sys" in r.stdout,
              "the summary names the LOLDrivers advisory")
        r = run(["hunt", "--format", "lines", LOGS], env)
        lines = r.stdout.splitlines()
        check(len(lines) == len(set(l.split(":", 2)[0] + ":" + l.split(":", 2)[1]
                                    for l in lines)),
              "lines: one line per hit line")
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
