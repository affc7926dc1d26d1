#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_stix.py -- a large STIX 2.1 bundle for the ingest benchmark's memory
check (bench/ingest.sh): seeded and deterministic, written as a stream (the
generator itself holds no bundle in memory).

Objects, in a realistic mix: malware and threat-actor objects with aliases,
one report per 10,000 indicators referencing them, indicators with patterns
on ipv4-addr, domain-name, url, file:hashes (MD5, SHA-256) and OR of two
comparisons, relationships indicator -> malware, and a few observed-data
objects. The values are invented (documentation ranges, .example names,
random hex).

Usage: gen_stix.py [--mb MB] [--seed S] OUT
"""
import argparse
import json
import random
import uuid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    args = ap.parse_args()
    r = random.Random("gen_stix-%d" % args.seed)

    def uid(kind):
        return "%s--%s" % (kind, uuid.UUID(int=r.getrandbits(128), version=4))

    limit = args.mb * 1000 * 1000
    ts = "2024-03-19T10:00:00.000Z"
    malware = []
    for i in range(50):
        malware.append({"type": "malware", "spec_version": "2.1", "id": uid("malware"),
                        "created": ts, "modified": ts, "name": "Family%d" % i,
                        "aliases": ["Fam%d" % i, "F-%d" % i], "is_family": True})
    with open(args.out, "w") as f:
        f.write('{"type": "bundle", "id": "%s", "objects": [\n' % uid("bundle"))
        first = True

        def put(o):
            nonlocal first
            f.write(("" if first else ",\n") + json.dumps(o))
            first = False

        for m in malware:
            put(m)
        n = 0
        refs = []
        while f.tell() < limit:
            kind = r.randrange(5)
            if kind == 0:
                v = "198.51.%d.%d" % (r.randrange(256), r.randrange(256))
                pat = "[ipv4-addr:value = '%s']" % v
            elif kind == 1:
                v = "h%08x.bench-stix.example" % r.getrandbits(32)
                pat = "[domain-name:value = '%s']" % v
            elif kind == 2:
                v = "https://h%06x.bench-stix.example/p/%08x" % (r.getrandbits(24), r.getrandbits(32))
                pat = "[url:value = '%s']" % v
            elif kind == 3:
                pat = "[file:hashes.'SHA-256' = '%064x' OR file:hashes.MD5 = '%032x']" % (
                    r.getrandbits(256), r.getrandbits(128))
            else:
                pat = "[file:hashes.MD5 = '%032x']" % r.getrandbits(128)
            iid = uid("indicator")
            put({"type": "indicator", "spec_version": "2.1", "id": iid, "created": ts,
                 "modified": ts, "name": "generated indicator %d" % n,
                 "description": "Seen in campaign %d." % (n // 1000),
                 "indicator_types": ["malicious-activity"], "pattern": pat,
                 "pattern_type": "stix", "valid_from": ts, "confidence": r.randrange(101)})
            m = malware[r.randrange(len(malware))]
            put({"type": "relationship", "spec_version": "2.1", "id": uid("relationship"),
                 "created": ts, "modified": ts, "relationship_type": "indicates",
                 "source_ref": iid, "target_ref": m["id"]})
            refs.append(iid)
            n += 1
            if len(refs) == 10000:
                put({"type": "report", "spec_version": "2.1", "id": uid("report"),
                     "created": ts, "modified": ts, "name": "Generated report %d" % (n // 10000),
                     "published": ts, "report_types": ["threat-report"],
                     "object_refs": refs + [m["id"]]})
                refs = []
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
