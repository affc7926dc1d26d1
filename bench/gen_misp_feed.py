#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_misp_feed.py -- a large MISP feed (manifest.json and one JSON file
per event) for the ingest benchmark's memory check (bench/ingest.sh):
seeded and deterministic, one event in memory at a time.

Each event has an Orgc, tags (tlp, a galaxy cluster as threat), attributes
of the common types (ip-dst, domain, url, md5, sha256, filename|sha256,
ip-dst|port) and one file object; values are invented (documentation
ranges, .example names, random hex).

Usage: gen_misp_feed.py [--mb MB] [--seed S] OUTDIR
"""
import argparse
import json
import os
import random
import uuid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("outdir")
    args = ap.parse_args()
    r = random.Random("gen_misp_feed-%d" % args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    manifest = {}
    total = 0
    limit = args.mb * 1000 * 1000
    n = 0
    while total < limit:
        eid = str(uuid.UUID(int=r.getrandbits(128), version=4))
        attrs = []
        for k in range(5000):
            kind = r.randrange(7)
            if kind == 0:
                t, v = "ip-dst", "203.0.%d.%d" % (r.randrange(256), r.randrange(256))
            elif kind == 1:
                t, v = "domain", "m%08x.bench-misp.example" % r.getrandbits(32)
            elif kind == 2:
                t, v = "url", "http://m%06x.bench-misp.example/g/%08x" % (
                    r.getrandbits(24), r.getrandbits(32))
            elif kind == 3:
                t, v = "md5", "%032x" % r.getrandbits(128)
            elif kind == 4:
                t, v = "sha256", "%064x" % r.getrandbits(256)
            elif kind == 5:
                t, v = "filename|sha256", "drop%d.exe|%064x" % (k, r.getrandbits(256))
            else:
                t, v = "ip-dst|port", "198.51.100.%d|%d" % (r.randrange(256), r.randrange(1, 65536))
            attrs.append({"uuid": str(uuid.UUID(int=r.getrandbits(128), version=4)),
                          "type": t, "category": "Network activity", "to_ids": True,
                          "value": v, "comment": "generated", "timestamp": "1700000000"})
        event = {"Event": {
            "uuid": eid, "info": "Generated event %d" % n, "date": "2024-03-19",
            "threat_level_id": "2", "analysis": "2", "published": True,
            "Orgc": {"name": "Bench Org"},
            "Tag": [{"name": "tlp:green"},
                    {"name": 'misp-galaxy:malpedia="Family %d"' % (n % 20)}],
            "Attribute": attrs,
            "Object": [{"name": "file", "uuid": str(uuid.UUID(int=r.getrandbits(128), version=4)),
                        "Attribute": [{"type": "md5", "object_relation": "md5",
                                       "value": "%032x" % r.getrandbits(128), "to_ids": True}]}],
        }}
        path = os.path.join(args.outdir, eid + ".json")
        with open(path, "w") as f:
            json.dump(event, f)
        total += os.path.getsize(path)
        manifest[eid] = {"info": "Generated event %d" % n, "date": "2024-03-19",
                         "Orgc": {"name": "Bench Org"}, "timestamp": "1700000000",
                         "Tag": [{"name": "tlp:green"}]}
        n += 1
    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
