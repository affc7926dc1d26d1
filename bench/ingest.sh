#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/ingest.sh -- `kizashi intel add` of the generated IoC CSV of
# ../shared/bench/gen_workload.py (header type,value,threat,source; 1,000,000
# rows by default), side by side with sqlite3's own CSV import, and of a
# ~100 MB STIX 2.1 bundle and a ~100 MB MISP feed for memory.
#
# Usage: bench/ingest.sh [KIZASHI]      (default build/release/kizashi)
# Environment: KZ_BENCH_IOCS (rows, default 1000000), KZ_BENCH_SEED (1),
# KZ_BENCH_RUNS / KZ_BENCH_WARMUP (hyperfine, default 5 and 1),
# KZ_BENCH_STIX_MB (size of the STIX bundle and of the MISP feed, default
# 100; 0 skips both),
# KZ_SHARED (default <repo>/../shared), TMPDIR (scratch).
#
# What is timed (hyperfine, a fresh store for every run of the first three):
#   kizashi-add        kizashi intel --db DB add all.csv (detect, parse,
#                      refang/normalize, threats and sources, indicators and
#                      provenances, one transaction, WAL)
#   sqlite3-import     sqlite3 DB ".import --csv all.csv t": the same rows
#                      into one plain table, no normalization, no index: the
#                      floor of getting these rows into SQLite at all
#   sqlite3-import+idx the same, then CREATE UNIQUE INDEX on (type, value):
#                      a table that can tell a value is already there
#   kizashi-readd      the same file again into a filled store (unchanged:
#                      digest, then only last-seen moves)
#   kizashi-update     a new version of the feed (10% of the rows gone, as
#                      many new ones) into a filled store
# Then, once each: database bytes per indicator, peak RSS (/usr/bin/time),
# and recall: the store's count per type against the workload's per-type
# truth files (iocs/<type>.txt); the CSV holds no false values, so a
# "false positive" would be an indicator of a type or value not in them.
# Nothing is written to bench/RESULTS.md: paste the summary by hand.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KZ=${1:-$ROOT/build/release/kizashi}
N=${KZ_BENCH_IOCS:-1000000}
SEED=${KZ_BENCH_SEED:-1}
RUNS=${KZ_BENCH_RUNS:-5}
WARMUP=${KZ_BENCH_WARMUP:-1}
STIX_MB=${KZ_BENCH_STIX_MB:-100}
SHARED=${KZ_SHARED:-$ROOT/../shared}
SCRATCH=${TMPDIR:-/tmp}/kizashi-bench-ingest

die() { echo "ingest.sh: $*" >&2; exit 2; }

[ -x "$KZ" ] || die "kizashi binary not found: $KZ (cmake --preset release && cmake --build build/release)"
KZ=$(cd "$(dirname "$KZ")" && pwd)/$(basename "$KZ")
for t in hyperfine sqlite3 python3; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
GEN=$SHARED/bench/gen_workload.py
[ -f "$GEN" ] || die "$GEN not found"

WL=$SCRATCH/wl-$N-s$SEED
CSV=$WL/iocs/all.csv
if [ ! -s "$CSV" ]; then
    rm -rf "$SCRATCH"/wl-*
    mkdir -p "$WL"
    echo "generating $N indicators with gen_workload.py ..."
    python3 "$GEN" --only iocs --iocs "$N" --seed "$SEED" "$WL" >/dev/null 2>&1
fi
[ -s "$CSV" ] || die "the workload generator wrote no $CSV"
# Version 2 of the feed: every tenth row dropped, as many new rows.
V2=$WL/v2/all.csv
if [ ! -s "$V2" ]; then
    mkdir -p "$WL/v2"
    awk -F, 'NR == 1 { print; next }
        (NR % 10) != 0 { print; next }
        { dropped++ }
        END { for (i = 0; i < dropped; i++)
                  printf "domain,new-%d.bench-update.example.com,update,feed-v2\n", i }' \
        "$CSV" >"$V2"
fi
cat "$CSV" "$V2" >/dev/null # page cache

DB=$SCRATCH/db
FILLED=$SCRATCH/filled
rm -rf "$DB" "$FILLED"
mkdir -p "$FILLED"
"$KZ" intel --db "$FILLED/intel.db" add --quiet "$CSV" >/dev/null

JSON=$SCRATCH/hyperfine.json
echo "kizashi: $("$KZ" --version | head -n 1)"
echo "input: $CSV ($(wc -c <"$CSV") bytes, $N rows)"
hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$JSON" \
    --prepare "rm -rf '$DB' && mkdir -p '$DB'" \
    -n kizashi-add "'$KZ' intel --db '$DB/intel.db' add --quiet '$CSV'" \
    -n sqlite3-import "sqlite3 '$DB/peer.db' '.import --csv $CSV t'" \
    -n sqlite3-import+idx "sqlite3 '$DB/peer.db' '.import --csv $CSV t' 'CREATE UNIQUE INDEX t_v ON t(type, value)'" \
    >/dev/null
hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$JSON.2" \
    -n kizashi-readd "'$KZ' intel --db '$FILLED/intel.db' add --quiet '$CSV'" \
    >/dev/null
hyperfine --warmup 0 --runs "$RUNS" --export-json "$JSON.3" \
    --prepare "rm -rf '$DB' && mkdir -p '$DB' && cp '$FILLED/intel.db' '$DB/'" \
    -n kizashi-update "'$KZ' intel --db '$DB/intel.db' add --quiet --feed all.csv '$V2'" \
    >/dev/null

# Size, memory and recall from one more fresh add.
rm -rf "$DB" && mkdir -p "$DB"
/usr/bin/time -f '%M' -o "$SCRATCH/rss" "$KZ" intel --db "$DB/intel.db" add --quiet "$CSV" >/dev/null
"$KZ" intel --db "$DB/intel.db" --json stats >"$SCRATCH/stats.json"

python3 - "$JSON" "$JSON.2" "$JSON.3" "$SCRATCH/stats.json" "$SCRATCH/rss" "$WL/iocs" "$N" <<'EOF'
import json, os, statistics, sys
runs = {}
for f in sys.argv[1:4]:
    for r in json.load(open(f))["results"]:
        runs[r["command"]] = statistics.median(r["times"])
stats = json.load(open(sys.argv[4]))
rss = int(open(sys.argv[5]).read().split()[0])
iocdir, n = sys.argv[6], int(sys.argv[7])
base = runs["kizashi-add"]
print("%-20s %10s %14s %10s" % ("command", "median s", "indicators/s", "vs kizashi"))
for name, t in runs.items():
    print("%-20s %10.3f %14.0f %9.2fx" % (name, t, n / t, t / base))
ind = stats["indicators"]
print("database: %d bytes, %.1f bytes per indicator; peak RSS %.1f MiB"
      % (stats["database_bytes"], stats["database_bytes"] / max(ind, 1), rss / 1024))
# Recall against the per-type truth files (cidr.txt holds both families).
truth = {}
for f in os.listdir(iocdir):
    if f.endswith(".txt"):
        t = f[:-4]
        truth[t] = sum(1 for l in open(os.path.join(iocdir, f)) if l.strip())
got = dict(stats["by_type"])
missing = 0
for t, c in sorted(truth.items()):
    g = got.pop(t, 0)
    missing += max(0, c - g)
    print("  %-9s truth %8d stored %8d" % (t, c, g))
extra = sum(got.values())
print("recall %.4f (%d missing), values of other types %d"
      % (1 - missing / max(1, sum(truth.values())), missing, extra))
EOF

if [ "$STIX_MB" -gt 0 ]; then
    BUNDLE=$SCRATCH/bundle-${STIX_MB}m.json
    [ -s "$BUNDLE" ] || python3 "$ROOT/bench/gen_stix.py" --mb "$STIX_MB" \
        --seed "$SEED" "$BUNDLE"
    rm -rf "$DB" && mkdir -p "$DB"
    /usr/bin/time -f '%e %M' -o "$SCRATCH/stix.time" \
        "$KZ" intel --db "$DB/intel.db" --json add --quiet "$BUNDLE" >"$SCRATCH/stix.json"
    python3 - "$BUNDLE" "$SCRATCH/stix.time" "$SCRATCH/stix.json" <<'EOF'
import json, os, sys
e, kb = open(sys.argv[2]).read().split()
r = json.load(open(sys.argv[3]))[0]
print("STIX bundle %.1f MB: %s s, peak RSS %.1f MiB, %d records, %d indicators, not stored: %s"
      % (os.path.getsize(sys.argv[1]) / 1e6, e, int(kb) / 1024, r["records"],
         r["indicators"], json.dumps(r["not_stored"])))
EOF
    FEED=$SCRATCH/misp-feed-${STIX_MB}m
    [ -s "$FEED/manifest.json" ] || python3 "$ROOT/bench/gen_misp_feed.py" \
        --mb "$STIX_MB" --seed "$SEED" "$FEED"
    rm -rf "$DB" && mkdir -p "$DB"
    /usr/bin/time -f '%e %M' -o "$SCRATCH/misp.time" \
        "$KZ" intel --db "$DB/intel.db" --json add --quiet "$FEED" >"$SCRATCH/misp.json"
    python3 - "$FEED" "$SCRATCH/misp.time" "$SCRATCH/misp.json" <<'EOF'
import json, os, sys
size = sum(os.path.getsize(os.path.join(sys.argv[1], f)) for f in os.listdir(sys.argv[1]))
e, kb = open(sys.argv[2]).read().split()
r = json.load(open(sys.argv[3]))[0]
print("MISP feed %.1f MB (%d files): %s s, peak RSS %.1f MiB, %d records, %d indicators, %d advisories"
      % (size / 1e6, len(os.listdir(sys.argv[1])), e, int(kb) / 1024, r["records"],
         r["indicators"], r["advisories"]))
EOF
fi
