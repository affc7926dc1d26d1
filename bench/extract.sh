#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/extract.sh -- throughput of `kizashi extract` on a large advisory-like
# text, side by side with grep and ripgrep running a comparable pattern.
#
# Usage: bench/extract.sh [KIZASHI]     (default build/release/kizashi)
# Environment: KZ_BENCH_INPUT (generated, the default; reports: the
# corpus reports concatenated; japanese: generated Japanese advisories,
# gen_text.py --lang ja), KZ_BENCH_MB (input size in MiB, default
# 512), KZ_BENCH_SEED (default 1), KZ_BENCH_RUNS / KZ_BENCH_WARMUP (hyperfine runs, default 5
# and 1), KZ_BENCH_ALLOCC=1 (also time --all-occurrences, which prints
# every occurrence like grep -o does), KZ_SHARED (default <repo>/../shared),
# TMPDIR (scratch).
#
# The input is made by bench/gen_text.py (seeded, deterministic): generated
# prose with defanged and plain indicators and near-misses, interleaved with
# the real corpus reports read from ../shared at run time (nothing is copied
# into the repository). ../shared/bench/gen_workload.py, the project's
# workload generator, is not used here: it makes IoC sets, Zeek/Suricata/
# syslog logs and file trees for the sweep benchmarks and has no free-text
# advisory mode with defanged indicators, which is what extract reads.
# The file is cached in $TMPDIR/kizashi-bench-extract (keyed by size, seed
# and the generator's hash) and the page cache is warmed before timing.
#
# Truth (project rule: recall and false positives against the workload's
# truth): next to the input, <input>.truth.tsv lists every indicator written
# into it, canonical as kizashi prints it, and the values that are neither
# rewarded nor penalised (third column "neutral", fourth the reason). For
# generated and japanese it is gen_text.py --truth (same cache key as the
# input; see TRUTH_HEADER in gen_text.py); it holds the truth of the
# interleaved corpus reports (R.truth.tsv), whose context values
# (R.context.tsv) and truth omissions (tests/corpus/truth-omissions.tsv)
# are neutral. For reports it is that union over all the reports
# (bench/extract_truth.py reports). The un-timed kizashi run (peak RSS) saves
# its TSV output in the scratch directory, and bench/extract_truth.py score
# prints after the timing summary: the truth size, recall (truth values
# printed / truth values), false positives (printed values neither truth
# nor neutral) per type, and up to 10 misses and 10 false positives, each
# with the input line that holds it. Matching is that of
# tests/corpus/test_extract_reports.py (the reference corpus scorer, whose
# key() it imports): file names, paths, registry keys and mutexes compare
# case-insensitively, filename and filepath are one family, URLs after light
# canonicalization, and the host of a truth URL printed as a domain or
# address is neutral, not credited.
#
# Peers: GNU grep -E -o (LC_ALL=C) and rg -o (--no-unicode) with one ERE:
# dotted quads, hex runs of 64/40/32 digits, dotted host names with a 2-24
# letter TLD, all between word boundaries. They only find plain candidate
# tokens; kizashi also refangs, validates, normalizes, classifies and
# deduplicates, so grep/rg are a lower bound of the work, not equals.
# hyperfine: --warmup 1 --runs 5; MB/s = 10^6 bytes per second of the median.
# Budget: generation ~10 s once (cached; ~15 s and 250 MiB of memory for
# 512 MiB with the truth); then 6 runs of each command; scoring ~6 s.
# Every command writes into a pipe to cat, not straight to /dev/null: GNU
# grep notices a /dev/null stdout and stops at the first match (as with -q).
# Nothing is written to bench/RESULTS.md: paste the summary by hand.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KZ=${1:-$ROOT/build/release/kizashi}
MB=${KZ_BENCH_MB:-512}
SEED=${KZ_BENCH_SEED:-1}
RUNS=${KZ_BENCH_RUNS:-5}
WARMUP=${KZ_BENCH_WARMUP:-1}
SHARED=${KZ_SHARED:-$ROOT/../shared}
SCRATCH=${TMPDIR:-/tmp}/kizashi-bench-extract

die() { echo "extract.sh: $*" >&2; exit 2; }

[ -x "$KZ" ] || die "kizashi binary not found: $KZ (make bench builds it)"
KZ=$(cd "$(dirname "$KZ")" && pwd)/$(basename "$KZ")
for t in hyperfine rg grep python3; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"

mkdir -p "$SCRATCH"
# (the truth also holds the rows of tests/corpus/truth-omissions.tsv)
GENHASH=$(python3 -c 'import hashlib,sys,os;print(hashlib.sha1(b"".join(open(p,"rb").read() for p in sys.argv[1:] if os.path.exists(p))).hexdigest()[:8])' "$ROOT/bench/gen_text.py" "$ROOT/tests/corpus/truth-omissions.tsv")
REPORTS=$SHARED/corpus/intel/reports
if [ -d "$REPORTS" ]; then
    REPARG="--reports $REPORTS"
    TAG=r
else
    echo "extract.sh: note: $REPORTS not found; generated text only" >&2
    REPARG=""
    TAG=g
fi
INPUT=$SCRATCH/text-${MB}m-s$SEED-$TAG-$GENHASH.txt
TRUTH=${INPUT%.txt}.truth.tsv
if [ "${KZ_BENCH_INPUT:-generated}" = reports ]; then
    # The issue's other suggestion: the real corpus reports, concatenated
    # until the size is reached (mostly IoC tables and lists: dense).
    [ -d "$REPORTS" ] || die "KZ_BENCH_INPUT=reports needs $REPORTS"
    INPUT=$SCRATCH/reports-${MB}m.txt
    TRUTH=$SCRATCH/reports-${MB}m.truth.tsv
    if [ ! -s "$INPUT" ]; then
        : > "$INPUT.tmp"
        while [ "$(wc -c < "$INPUT.tmp")" -lt $((MB * 1048576)) ]; do
            cat "$REPORTS"/*.txt >> "$INPUT.tmp"
        done
        mv "$INPUT.tmp" "$INPUT"
    fi
    # Every report is in the input at least once: the truth is their union
    # (made each run: it takes a moment and follows the corpus).
    python3 "$ROOT/bench/extract_truth.py" reports "$REPORTS" "$TRUTH"
elif [ "${KZ_BENCH_INPUT:-generated}" = japanese ]; then
    # Japanese prose with the indicators glued to it (no corpus report is
    # interleaved: they are English).
    INPUT=$SCRATCH/text-ja-${MB}m-s$SEED-$GENHASH.txt
    TRUTH=${INPUT%.txt}.truth.tsv
    if [ ! -s "$INPUT" ] || [ ! -s "$TRUTH" ]; then
        echo "generating $INPUT ..."
        python3 "$ROOT/bench/gen_text.py" "$INPUT.tmp" --mb "$MB" \
            --seed "$SEED" --lang ja --truth "$TRUTH.tmp"
        mv "$TRUTH.tmp" "$TRUTH"
        mv "$INPUT.tmp" "$INPUT"
    fi
elif [ ! -s "$INPUT" ] || [ ! -s "$TRUTH" ]; then
    rm -f "$SCRATCH"/text-*.txt "$SCRATCH"/text-*.truth.tsv
    echo "generating $INPUT ..."
    # shellcheck disable=SC2086
    python3 "$ROOT/bench/gen_text.py" "$INPUT.tmp" --mb "$MB" --seed "$SEED" \
        --truth "$TRUTH.tmp" $REPARG
    mv "$TRUTH.tmp" "$TRUTH"
    mv "$INPUT.tmp" "$INPUT"
fi
BYTES=$(wc -c < "$INPUT")

PAT=$SCRATCH/pattern.ere
cat > "$PAT" <<'EOF'
\b([0-9]{1,3}\.){3}[0-9]{1,3}\b|\b[0-9a-fA-F]{64}\b|\b[0-9a-fA-F]{40}\b|\b[0-9a-fA-F]{32}\b|\b([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,24}\b
EOF

cat "$INPUT" > /dev/null   # warm the page cache

echo "input: $INPUT ($BYTES bytes)"
echo "truth: $TRUTH"
echo "kizashi: $KZ ($("$KZ" version 2>/dev/null | sed -n 1p))"
echo "grep: $(grep --version | sed -n 1p); rg: $(rg --version | sed -n 1p); $(hyperfine --version)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') x $(nproc)"

# Peak RSS, value count and output (scored against the truth below) of one
# kizashi run.
RSSLOG=$SCRATCH/time-v.txt
KZOUT=$SCRATCH/extract-out.tsv
set +e
/usr/bin/time -v "$KZ" extract --format tsv "$INPUT" >"$KZOUT" 2>"$RSSLOG"
set -e
NVAL=$(wc -l < "$KZOUT")
RSS=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$RSSLOG")
KZRC=$(sed -n 's/.*Exit status: //p' "$RSSLOG")
NRG=$(rg -o -N --no-unicode -f "$PAT" "$INPUT" | wc -l)
echo "kizashi extract: exit $KZRC, $NVAL output lines (values, deduplicated), peak RSS ${RSS} KiB"
echo "rg -o: $NRG matches (every occurrence)"
case $KZRC in 0|1) ;; *) echo "kizashi failed:"; cat "$RSSLOG"; exit 2 ;; esac

JSON=$SCRATCH/extract.json
if [ "${KZ_BENCH_ALLOCC:-0}" = 1 ]; then
    hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$JSON" \
        -n kizashi "'$KZ' extract --format tsv '$INPUT' | cat > /dev/null" \
        -n kizashi-all-occurrences "'$KZ' extract --format tsv --all-occurrences '$INPUT' | cat > /dev/null" \
        -n grep "LC_ALL=C grep -E -o -f '$PAT' '$INPUT' | cat > /dev/null" \
        -n rg "rg -o -N --no-unicode -f '$PAT' '$INPUT' | cat > /dev/null" \
        -i
else
    hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$JSON" \
        -n kizashi "'$KZ' extract --format tsv '$INPUT' | cat > /dev/null" \
        -n grep "LC_ALL=C grep -E -o -f '$PAT' '$INPUT' | cat > /dev/null" \
        -n rg "rg -o -N --no-unicode -f '$PAT' '$INPUT' | cat > /dev/null" \
        -i
fi

python3 - "$JSON" "$BYTES" "$RSS" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
rss = sys.argv[3]
mbs = {}
print(f"\nsummary (median of {len(res[0]['times'])} runs; MB = 10^6 bytes)")
print(f"{'command':<26} {'median s':>9} {'min s':>8} {'max s':>8} {'MB/s':>8}")
for r in res:
    name = r["command"]
    med = r["median"]
    mbs[name] = size / med / 1e6
    print(f"{name:<26} {med:>9.3f} {r['min']:>8.3f} {r['max']:>8.3f} {mbs[name]:>8.1f}")
k = mbs.get("kizashi")
for peer in ("grep", "rg"):
    if k and peer in mbs:
        print(f"ratio kizashi/{peer} (throughput): {k / mbs[peer]:.2f}x")
ka = mbs.get("kizashi-all-occurrences")
if ka and "grep" in mbs:
    print(f"ratio kizashi --all-occurrences/grep: {ka / mbs['grep']:.2f}x")
print(f"kizashi peak RSS: {int(rss) / 1024:.1f} MiB on a {size / 2**20:.0f} MiB input")
EOF
echo "hyperfine JSON: $JSON"

# Recall and false positives against the truth (not timed).
python3 "$ROOT/bench/extract_truth.py" score "$TRUTH" "$KZOUT" "$INPUT"
echo "kizashi output: $KZOUT"
