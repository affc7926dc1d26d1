#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""test_intel_corpus -- `kizashi intel add` of every real sample in
../shared/corpus/intel (feeds of every format, warninglists, the threat
reports), then `kizashi intel search` of values from each (CTest label
corpus; skipped when ../shared is absent).

For each input it checks that the add succeeds (exit 0), with the format
detected as expected, and that the counts of records, indicators stored and
values not stored (by kind) are those recorded in EXPECTED below: a change
in a reader or in the store shows here, and the new figures are printed so
they can be reviewed and recorded. Then a value of each format is searched,
and what the store says about it (type, source, advisory, threat, category)
is checked. Re-adding everything must change nothing but last-seen.
"""
import json
import os
import subprocess
import sys
import tempfile

KIZASHI = os.environ.get("KIZASHI", "build/dev/kizashi")
SHARED = os.environ.get(
    "KZ_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
CORPUS = os.path.join(SHARED, "corpus", "intel")

# input (relative to CORPUS) -> (format, records, indicators)
EXPECTED = {
    "feeds/csv/tweetfeed-today.csv": ("csv", 59, 59),
    "feeds/csv/unit42-oilrig.csv": ("csv", 108, 108),
    "feeds/loki/c2-iocs.txt": ("loki", 574, 574),
    "feeds/loki/filename-iocs.txt": ("loki", 352, 352),
    "feeds/loki/hash-iocs.txt": ("loki", 569, 569),
    "feeds/loki/keywords.txt": ("loki", 14, 14),
    "feeds/loldrivers/drivers.slice.csv": ("loldrivers", 5746, 5746),
    "feeds/loldrivers/yaml": ("loldrivers", 2290, 2290),
    "feeds/maltrail/elf_qbot.txt": ("list", 3, 3),
    "feeds/maltrail/qakbot.txt": ("list", 1047, 1047),
    "feeds/maltrail/sodinokibi.txt": ("list", 299, 299),
    "feeds/misp-feed": ("misp-feed", 375, 375),
    "feeds/misp/eset-backdoordiplomacy.misp-event.json": ("misp", 66, 66),
    "feeds/misp/eset-ramsay.misp-event.json": ("misp", 71, 71),
    "feeds/openioc/mandiant-apt17-7b9e87c5-b619-4a13-b862-0145614d359a.ioc":
        ("openioc", 25, 25),
    "feeds/openioc/mandiant-apt28-0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc":
        ("openioc", 14, 14),
    "feeds/plain/unit42-lotusblossom-c2_domains.txt": ("list", 36, 36),
    "feeds/plain/unit42-lotusblossom-c2_ips.txt": ("list", 34, 34),
    "feeds/stix21/oasis-indicator-for-c2-ip-address.json": ("stix", 1, 1),
    "feeds/stix21/oasis-indicators-for-C2-with-COA.json": ("stix", 2, 2),
    "feeds/stix21/oasis-infrastructure.json": ("stix", 2, 2),
    "feeds/stix21/oasis-malicious-email-indicator-with-attachment.json":
        ("stix", 0, 0),
    "feeds/stix21/oasis-poisonivy.json": ("stix", 73, 72),
    "feeds/stix2x/unit42-2024-03-19-DarkGate.json": ("stix", 14, 14),
    "feeds/stix2x/unit42-2024-06-24-ClickFix-sends-Lumma-Stealer.json":
        ("stix", 11, 11),
}

# value -> checks on the JSON of `intel search`
SEARCHES = [
    # Loki hash with its comment, CSV, OpenIOC with its threat...
    ("asean-star.com", {"type": "domain", "feed": "unit42-lotusblossom-c2_domains.txt"}),
    ("x.asean-star.com", {"match": "subdomain of asean-star.com"}),
    ("hxxp://webmaiil-tau-ac-il[.]ml/x", {"match": "URL host webmaiil-tau-ac-il.ml: exact"}),
    ("9454a752-not-a-value", None),
]


def run(args, stdin=None):
    p = subprocess.run([KIZASHI] + args, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def main():
    if not os.path.isdir(CORPUS):
        print("SKIPPED: %s is absent" % CORPUS)
        return 77
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "intel.db")
        base = ["intel", "--db", db, "--quiet"]
        totals = {}
        not_stored = {}
        for rel, (fmt, records, indicators) in sorted(EXPECTED.items()):
            path = os.path.join(CORPUS, rel)
            rc, out, err = run(base + ["--json", "add", path])
            if rc != 0:
                failures.append("%s: exit %d: %s" % (rel, rc, err.strip()))
                continue
            results = json.loads(out)
            got_fmt = {r["format"] for r in results}
            got_records = sum(r["records"] for r in results)
            got_ind = sum(r["indicators"] for r in results)
            for r in results:
                for k, v in r["not_stored"].items():
                    not_stored[(r["format"], k)] = not_stored.get((r["format"], k), 0) + v
            totals[fmt] = totals.get(fmt, 0) + got_ind
            if got_fmt != {fmt} or got_records != records or got_ind != indicators:
                failures.append("%s: %s %d records %d indicators, expected %s %d %d" % (
                    rel, "/".join(sorted(got_fmt)), got_records, got_ind, fmt, records,
                    indicators))
        for w in sorted(os.listdir(os.path.join(CORPUS, "warninglists"))):
            rc, out, err = run(base + ["--json", "add",
                                       os.path.join(CORPUS, "warninglists", w)])
            if rc != 0 or json.loads(out)[0]["warninglist_entries"] == 0:
                failures.append("warninglist %s: exit %d %s" % (w, rc, err.strip()))
        reports = sorted(f for f in os.listdir(os.path.join(CORPUS, "reports"))
                         if f.endswith(".txt"))
        rc, out, err = run(base + ["--json", "add"] +
                           [os.path.join(CORPUS, "reports", f) for f in reports])
        if rc != 0:
            failures.append("reports: exit %d: %s" % (rc, err.strip()))
        else:
            res = json.loads(out)
            if len(res) != len(reports) or any(r["advisories"] != 1 for r in res):
                failures.append("reports: not one advisory per report")
            totals["text"] = sum(r["indicators"] for r in res)
            # A report whose first line is its title and starts with its
            # date, and names its threats (TA551 and IcedID are aliases
            # the store knows from the start).
            rc, out, _ = run(base + ["--json", "list", "advisories"])
            adv = [a for a in json.loads(out)
                   if a["title"].startswith("2020-07-14 (TUESDAY) - TA551")]
            if len(adv) != 1 or adv[0]["published"] != "2020-07-14T00:00:00Z" \
                    or set((adv[0]["threats"] or "").split(", ")) != {"IcedID", "TA551"}:
                failures.append("unit42 2020-07-14 report: %s" % adv)

        print("indicators per format:", json.dumps(totals, sort_keys=True))
        print("not stored, by format and kind:")
        for (fmt, k), v in sorted(not_stored.items()):
            print("  %-12s %6d  %s" % (fmt, v, k))

        for value, want in SEARCHES:
            rc, out, err = run(base + ["--json", "search", value])
            doc = json.loads(out)[0] if out.strip() else {}
            matches = doc.get("matches", [])
            if want is None:
                if rc != 1 or matches:
                    failures.append("search %s: expected nothing, got %d" % (value, rc))
                continue
            if rc != 0 or not matches:
                failures.append("search %s: not found (exit %d)" % (value, rc))
                continue
            m = matches[0]
            ind = m["indicator"]
            if "type" in want and ind["type"] != want["type"]:
                failures.append("search %s: type %s" % (value, ind["type"]))
            if "feed" in want and want["feed"] not in [p["feed"] for p in ind["provenance"]]:
                failures.append("search %s: feeds %s" % (value, [p["feed"] for p in ind["provenance"]]))
            if "match" in want and m["match"] != want["match"]:
                failures.append("search %s: match '%s'" % (value, m["match"]))

        # Values from structured feeds, taken from the files themselves.
        def search_one(value):
            rc, out, _ = run(base + ["--json", "search", value])
            return json.loads(out)[0]["matches"] if rc == 0 else []

        # LOLDrivers: every entry's SHA-256 is found, with its category.
        ld = os.path.join(CORPUS, "feeds", "loldrivers", "yaml")
        checked = 0
        for name in sorted(os.listdir(ld))[:10]:
            text = open(os.path.join(ld, name), encoding="utf-8").read()
            cat = [l.split(":", 1)[1].strip() for l in text.splitlines()
                   if l.startswith("Category:")][0]
            sha = [l.split(":", 1)[1].strip() for l in text.splitlines()
                   if l.strip().startswith("SHA256:") and len(l.split(":", 1)[1].strip()) == 64]
            if not sha:
                continue
            ms = search_one(sha[0])
            cats = {p.get("category") for m in ms for p in m["indicator"]["provenance"]}
            if cat not in cats:
                failures.append("loldrivers %s: %s not found with category %s (%s)" % (
                    name, sha[0], cat, cats))
            checked += 1
        if checked < 5:
            failures.append("loldrivers: too few entries checked")

        # MISP: an attribute of each ESET event, with the event as advisory.
        for ev in ("eset-backdoordiplomacy", "eset-ramsay"):
            doc = json.load(open(os.path.join(CORPUS, "feeds", "misp", ev + ".misp-event.json")))
            if "response" in doc:
                doc = doc["response"][0]
            e = doc.get("Event", doc)
            attrs = e.get("Attribute", []) + [a for o in e.get("Object", [])
                                              for a in o.get("Attribute", [])]
            attr = [a for a in attrs if a["type"] in ("sha1", "filename|sha1")][0]
            attr = dict(attr, value=attr["value"].split("|")[-1])
            ms = search_one(attr["value"])
            titles = {p.get("advisory", {}).get("title") for m in ms
                      for p in m["indicator"]["provenance"]}
            if e["info"] not in titles:
                failures.append("misp %s: %s not under '%s' (%s)" % (ev, attr["value"], e["info"], titles))

        # STIX: a domain of the Poison Ivy report, with a threat.
        ms = search_one("apple.cmdnetview.com")
        threats = {t for m in ms for p in m["indicator"]["provenance"] for t in p["threats"]}
        if not threats:
            failures.append("stix: apple.cmdnetview.com has no threat")

        # Everything again: nothing new, only last-seen.
        for rel in sorted(EXPECTED):
            rc, out, err = run(base + ["--json", "add", os.path.join(CORPUS, rel)])
            if rc != 0 or any(not r["unchanged"] for r in json.loads(out)):
                failures.append("%s: not unchanged when added again" % rel)

        rc, out, _ = run(base + ["--json", "stats"])
        st = json.loads(out)
        print("store: %d indicators, %d provenances, %d advisories, %d threats, "
              "%d warninglist entries, %.1f bytes per indicator" % (
                  st["indicators"], st["provenances"], st["advisories"], st["threats"],
                  st["warninglist_entries"], st["database_bytes"] / max(1, st["indicators"])))
    for f in failures:
        print("FAIL:", f)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
