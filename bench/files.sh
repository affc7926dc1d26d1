#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/files.sh -- `kizashi hunt --files` over the file tree of
# ../shared/bench/gen_workload.py, side by side in one run with
# `openssl dgst` (the hashing floor), `sha256sum`, yara (hash-module rules)
# and clamscan (a .hsb database) over the same tree and the same hashes.
#
# Usage: bench/files.sh [KIZASHI] >summary.md  (default build/release/kizashi)
# Environment: KZ_BENCH_DATA (workload folder, default <repo>/build/bench-data;
# reused when present), KZ_BENCH_SEED (1), KZ_BENCH_RUNS / KZ_BENCH_WARMUP
# (hyperfine, default 5 and 1), KZ_BENCH_FILES / KZ_BENCH_FILES_MB (default
# 10000 files, 1024 MiB), KZ_SHARED (default <repo>/../shared), TMPDIR
# (scratch: indexes, rules, outputs, hyperfine JSON).
#
# Workload: gen_workload.py --only iocs,files --iocs 100000 (seeded): 10,000
# files, 1 GiB, of which 50 are named by their MD5, SHA-1 or SHA-256 among
# the 20,000 hashes of the IoC set, and 10 by a file name; 30 decoys (same
# size as a hit, a hit with its last byte flipped, names holding a file-name
# IoC) that must not match. The page cache is warmed before timing.
#
# Timed (hyperfine, median; outputs piped to cat):
#   openssl-sha256/-sha1/-md5  find tree -type f -print0 | xargs -0 openssl dgst -ALG
#   kz-sha256-t1 / -t2   kizashi hunt --index sha256.kzi --files -j1|-j2 tree
#                        (the 10,000 SHA-256 indicators only)
#   kz-3dig-t1 / -t2     the same with md5.kzi+sha1+sha256 (20,000 hashes and
#                        the 10 file names): one read computes the three
#   sha256sum-grep       find | xargs -0 -P2 sha256sum | grep -F -f sha256.txt
#   yara-1k              yara -p 2 -C RULES.yarc tree, 1,000 rules
#                        `hash.sha256(0, filesize) == "..."` (the planted
#                        SHA-256 values, then other IoC values)
#   yara-100k (one run)  the same with 100,000 rules (the 10,000 SHA-256
#                        values, then values that match nothing): minutes,
#                        so timed once, by its scored run
#   clamscan (one run)   clamscan -r -d hashes.hsb tree (SHA-256 `:*:` rows;
#                        clamscan has no thread option); timed once
# Rule compile (yarac) and database load (clamscan on an empty folder) are
# reported apart.
# Recall and false hits of kizashi (3 digests + names) are scored against
# files/truth.jsonl and files/nearmiss.jsonl; the peers' outputs are
# counted too (hits on truth paths of their hash type). Markdown summary on
# stdout; paste it into bench/RESULTS.md by hand.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KZ=${1:-$ROOT/build/release/kizashi}
SEED=${KZ_BENCH_SEED:-1}
RUNS=${KZ_BENCH_RUNS:-5}
WARMUP=${KZ_BENCH_WARMUP:-1}
NFILES=${KZ_BENCH_FILES:-10000}
FMB=${KZ_BENCH_FILES_MB:-1024}
SHARED=${KZ_SHARED:-$ROOT/../shared}
DATA=${KZ_BENCH_DATA:-$ROOT/build/bench-data}
SCRATCH=${TMPDIR:-/tmp}/kizashi-bench-files

die() { echo "files.sh: $*" >&2; exit 2; }
say() { echo "files.sh: $*" >&2; }

[ -x "$KZ" ] || die "kizashi binary not found: $KZ (make bench builds it)"
KZ=$(cd "$(dirname "$KZ")" && pwd)/$(basename "$KZ")
for t in hyperfine python3 openssl sha256sum yara yarac clamscan; do
    command -v "$t" >/dev/null 2>&1 ||
        die "$t not found (KZ_BOOTSTRAP_BENCH=1 scripts/bootstrap installs it)"
done
GEN=$SHARED/bench/gen_workload.py
[ -f "$GEN" ] || die "$GEN not found (../shared is needed for benchmarks)"
mkdir -p "$SCRATCH" "$DATA"

W=$DATA/files-$NFILES-${FMB}m-s$SEED
if [ ! -f "$W/files/truth.jsonl" ]; then
    say "generating $W ..."
    rm -rf "$W.tmp"
    python3 "$GEN" "$W.tmp" --seed "$SEED" --only iocs,files --iocs 100000 \
        --files "$NFILES" --files-mb "$FMB" >&2
    rm -rf "$W"
    mv "$W.tmp" "$W"
fi
cd "$W/files"
TREE=tree
I=$W/iocs

# Indexes and the peers' rule sets.
"$KZ" compile -q --iocs "$I/sha256.txt" -o "$SCRATCH/sha256.kzi"
"$KZ" compile -q --iocs "$I/md5.txt" --iocs "$I/sha1.txt" \
    --iocs "$I/sha256.txt" --iocs "$I/filename.txt" -o "$SCRATCH/3dig.kzi"
python3 - "$I/sha256.txt" "$SCRATCH" "$W/files/truth.jsonl" <<'EOF'
import hashlib, json, sys
vals = [l.strip().lower() for l in open(sys.argv[1]) if l.strip()]
out = sys.argv[2]
planted = [json.loads(l)["indicator"] for l in open(sys.argv[3])]
planted = [v for v in planted if len(v) == 64]
rest = [v for v in vals if v not in set(planted)]
# 1,000 rules: the planted SHA-256 values first, then other IoC values;
# 100,000: every SHA-256 of the IoC set, then values that match nothing
filler = [hashlib.sha256(b"kz-filler-%d" % i).hexdigest() for i in range(100000)]
def rules(name, vs):
    with open(f"{out}/{name}.yar", "w") as f:
        f.write('import "hash"\n')
        for i, v in enumerate(vs):
            f.write(f'rule h{i} {{ condition: hash.sha256(0, filesize) == "{v.lower()}" }}\n')
rules("yara-1k", (planted + rest)[:1000])
rules("yara-100k", (vals + filler)[:100000])
with open(f"{out}/hashes.hsb", "w") as f:
    for i, v in enumerate(vals):
        f.write(f"{v.lower()}:*:kz.h{i}:73\n")
EOF
say "compiling yara rules ..."
YC1=$( { /usr/bin/time -f %e yarac "$SCRATCH/yara-1k.yar" "$SCRATCH/yara-1k.yarc"; } 2>&1 | tail -1)
YC100=$( { /usr/bin/time -f %e yarac "$SCRATCH/yara-100k.yar" "$SCRATCH/yara-100k.yarc"; } 2>&1 | tail -1)
mkdir -p "$SCRATCH/empty"
CL0=$( { /usr/bin/time -f %e clamscan --no-summary -d "$SCRATCH/hashes.hsb" -r "$SCRATCH/empty" >/dev/null; } 2>&1 | tail -1)

say "warming the page cache ..."
find "$TREE" -type f -print0 | xargs -0 cat >/dev/null

J=$SCRATCH/hf.json
hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" -i \
    --export-json "$J" \
    -n openssl-sha256 "sh -c 'find $TREE -type f -print0 | xargs -0 openssl dgst -sha256 | cat >/dev/null'" \
    -n openssl-sha1 "sh -c 'find $TREE -type f -print0 | xargs -0 openssl dgst -sha1 | cat >/dev/null'" \
    -n openssl-md5 "sh -c 'find $TREE -type f -print0 | xargs -0 openssl dgst -md5 | cat >/dev/null'" \
    -n kz-sha256-t1 "sh -c '$KZ hunt -q --index $SCRATCH/sha256.kzi --files -j1 $TREE | cat >/dev/null'" \
    -n kz-sha256-t2 "sh -c '$KZ hunt -q --index $SCRATCH/sha256.kzi --files -j2 $TREE | cat >/dev/null'" \
    -n kz-3dig-t1 "sh -c '$KZ hunt -q --index $SCRATCH/3dig.kzi --files -j1 $TREE | cat >/dev/null'" \
    -n kz-3dig-t2 "sh -c '$KZ hunt -q --index $SCRATCH/3dig.kzi --files -j2 $TREE | cat >/dev/null'" \
    -n sha256sum-grep "sh -c 'find $TREE -type f -print0 | xargs -0 -P2 -n 1000 sha256sum | grep -F -f $I/sha256.txt | cat >/dev/null'" \
    -n yara-1k "sh -c 'yara -p 2 -C $SCRATCH/yara-1k.yarc -r $TREE | cat >/dev/null'" \
    >&2

# Scored runs: kizashi's hits, and what each peer found.
"$KZ" hunt -q --index "$SCRATCH/3dig.kzi" --files --json "$TREE" >"$SCRATCH/kz.json" || true
"$KZ" hunt -q --index "$SCRATCH/sha256.kzi" --files --format lines "$TREE" >"$SCRATCH/kz-sha256.txt" || true
find "$TREE" -type f -print0 | xargs -0 -P2 -n 1000 sha256sum | grep -F -f "$I/sha256.txt" >"$SCRATCH/sha256sum.txt" || true
yara -p 2 -C "$SCRATCH/yara-1k.yarc" -r "$TREE" >"$SCRATCH/yara-1k.txt" || true
# the two slow peers: timed once, by their scored run
say "yara with 100,000 rules (minutes) ..."
Y100=$( { /usr/bin/time -f %e yara -p 2 -C "$SCRATCH/yara-100k.yarc" -r "$TREE" >"$SCRATCH/yara-100k.txt"; } 2>&1 | tail -1)
say "clamscan ..."
CLS=$( { /usr/bin/time -f %e clamscan --no-summary -i -d "$SCRATCH/hashes.hsb" -r "$TREE" >"$SCRATCH/clamscan.txt"; } 2>&1 | tail -1)
TOTAL=$(du -sb "$TREE" | cut -f1)

python3 - "$J" "$W/files" "$SCRATCH" "$TOTAL" "$YC1" "$YC100" "$CL0" "$I/sha256.txt" "$Y100" "$CLS" <<'EOF'
import json, sys
hf, fdir, scr, total, yc1, yc100, cl0, s256, y100, cls = sys.argv[1:]
total = int(total)
res = {r["command"]: r for r in json.load(open(hf))["results"]}
med = {k: sorted(v["times"])[len(v["times"]) // 2] for k, v in res.items()}
med["yara-100k"] = float(y100)  # one run
med["clamscan"] = float(cls)    # one run
truth = [json.loads(l) for l in open(f"{fdir}/truth.jsonl")]
near = [json.loads(l) for l in open(f"{fdir}/nearmiss.jsonl")]
hits = [json.loads(l) for l in open(f"{scr}/kz.json")]
got = {(h["file"]["path"], h["kizashi"]["observed_type"]) for h in hits}
found = sum((t["path"], t["match"]) in got for t in truth)
nearp = {n["path"] for n in near}
truthp = {t["path"] for t in truth}
fp_near = len({h["file"]["path"] for h in hits} & nearp)
fp_other = len({h["file"]["path"] for h in hits} - truthp - nearp)
s256v = {l.strip().lower() for l in open(s256) if l.strip()}
t256 = {t["path"] for t in truth if t["match"] == "sha256"}
t256_1k = t256  # the 1,000 rules hold every planted SHA-256
def paths_in(fn, col):
    out = set()
    for l in open(fn):
        l = l.rstrip("\n")
        if not l:
            continue
        p = l.split(None, 1)[1] if col == "yara" else l.split(": ", 1)[0] if col == "clam" else l.split("  ", 1)[1] if col == "sum" else l
        out.add(p)
    return out
peer = {
    "kizashi (sha256 index, lines)": (paths_in(f"{scr}/kz-sha256.txt", "kz"), t256),
    "sha256sum + grep": (paths_in(f"{scr}/sha256sum.txt", "sum"), t256),
    "yara, 1,000 rules": (paths_in(f"{scr}/yara-1k.txt", "yara"), t256_1k),
    "yara, 100,000 rules": (paths_in(f"{scr}/yara-100k.txt", "yara"), t256),
    "clamscan": (paths_in(f"{scr}/clamscan.txt", "clam"), t256),
}
def mbs(k): return total / med[k] / 1e6
print(f"Tree: {len(truth)} planted hits, {len(near)} decoys, {total:,} bytes.\n")
print("| command | median s | MB/s | vs openssl-sha256 |")
print("| --- | ---: | ---: | ---: |")
for k in ["openssl-sha256", "openssl-sha1", "openssl-md5", "kz-sha256-t1", "kz-sha256-t2",
          "kz-3dig-t1", "kz-3dig-t2", "sha256sum-grep", "yara-1k", "yara-100k", "clamscan"]:
    once = " (one run)" if k in ("yara-100k", "clamscan") else ""
    print(f"| {k}{once} | {med[k]:.3f} | {mbs(k):.0f} | {med['openssl-sha256'] / med[k]:.2f}x |")
three = med["openssl-sha256"] + med["openssl-sha1"] + med["openssl-md5"]
fastest = min(med[k] for k in ["sha256sum-grep", "yara-1k", "yara-100k", "clamscan"])
print()
print(f"- SHA-256 only, one thread: {med['openssl-sha256'] / med['kz-sha256-t1']:.2f}x openssl dgst -sha256 (goal 0.9x); two threads: {med['openssl-sha256'] / med['kz-sha256-t2']:.2f}x (goal 1.8x)")
print(f"- MD5 + SHA-1 + SHA-256 in one read, one thread: {three / med['kz-3dig-t1']:.2f}x the three openssl runs' summed cost ({three:.3f} s; goal 0.9x); two threads {three / med['kz-3dig-t2']:.2f}x")
print(f"- against the fastest peer ({fastest:.3f} s): kizashi sha256 two threads {fastest / med['kz-sha256-t2']:.1f}x (goal 3x)")
print(f"- start-up apart: yarac 1,000 rules {yc1} s, 100,000 rules {yc100} s; clamscan database load (empty folder) {cl0} s")
print(f"- kizashi recall {found}/{len(truth)}; false hits: {fp_near} decoys, {fp_other} other files")
for name, (ps, want) in peer.items():
    print(f"- {name}: {len(ps & want)}/{len(want)} of its planted hits, {len(ps - want)} other paths")
EOF
