#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/hunt.sh -- `kizashi compile` and `kizashi hunt` over the logs of
# ../shared/bench/gen_workload.py, side by side in one run with GNU grep
# (1,000,000 indicators) and with grep and ripgrep (100,000 indicators).
#
# Usage: bench/hunt.sh [KIZASHI] >summary.md  (default build/release/kizashi)
# Environment: KZ_BENCH_DATA (workload folder, default <repo>/build/bench-data;
# reused when present), KZ_BENCH_SEED (1), KZ_BENCH_RUNS / KZ_BENCH_WARMUP
# (hyperfine, kizashi: default 5 and 1), KZ_BENCH_PEER_RUNS (hyperfine runs
# of grep and rg after their scored run, default 1; 0: the scored run's
# wall time only; grep -F -w with 1M patterns takes minutes over 1 GiB in
# a UTF-8 locale), KZ_BENCH_VMEM (ulimit -v of the
# peers in KiB, default 12 GiB: rg -F -w -f exhausts memory at 1M patterns
# and is not run there at all), KZ_SHARED (default <repo>/../shared),
# TMPDIR (scratch: indexes, outputs, hyperfine JSON), KZ_BENCH_REPORT_ONLY=1
# (print the summary of the last run again, measuring nothing).
#
# Workloads (gen_workload.py --only iocs,logs --hit-rate 2000, seeded):
#   1m    --iocs 1000000 --log-mb 1024
#   100k  --iocs 100000 --log-mb 512
# Swept: logs/zeek, logs/suricata and logs/syslog (not truth.jsonl and
# nearmiss.jsonl, which sit beside them in logs/), from inside logs/, so
# every tool prints FILE:LINE relative to logs/, what score.py reads.
# PATTERNS for the peers: the values of iocs/{domain,ipv4,cidr,ipv6,url,
# md5,sha1,sha256,email}.txt, one per line, as in ../shared/bench/
# baselines.sh (the figures quoted in issue 4); file names are left out
# (they only match files, and as fixed strings they would add false lines).
#
# Timed (hyperfine, median; every output piped to cat, because GNU grep
# stops at the first match when its stdout is /dev/null):
#   compile       kizashi compile --iocs iocs/all.csv -o X.kzi
#   hunt-t1/-t2   kizashi hunt --index X.kzi --format lines --threads 1|2 LOGS
#   hunt-iocs     kizashi hunt --iocs iocs/all.csv --format lines LOGS
#   hunt-store    kizashi hunt --db X.db --format lines --threads 1 LOGS: the
#                 store's own index, with the judge (warninglists, allowlist,
#                 severity) and the sightings kept in the store, as a user
#                 runs it (every timed run records its sweep)
#                 (one-shot: compile + sweep, the peers' "start-up included")
#   open          kizashi hunt --index X.kzi /dev/null (an upper bound of
#                 opening the index; `kizashi compile --check X.kzi` is run
#                 too when it exists, and prints open and verify times)
#   hot path      kz-bench-hotpath --runs RUNS X.kzi FILES (beside the
#                 kizashi binary, bench/hotpath.c): the scanner alone over
#                 the logs already in memory, one thread, median per file
#   grep          grep -F -w -n -H -r -f PATTERNS LOGS            (1m, 100k)
#   rg            rg -F -w -n -H --no-heading -f PATTERNS LOGS    (100k only)
# Once each, under /usr/bin/time -f %M: peak RSS, and the FILE:LINE output
# scored with ../shared/bench/score.py against logs/truth.jsonl and
# logs/nearmiss.jsonl (recall, false lines on near-misses and others).
# Progress goes to stderr; the Markdown summary to stdout (paste it into
# bench/RESULTS.md by hand).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KZ=${1:-$ROOT/build/release/kizashi}
SEED=${KZ_BENCH_SEED:-1}
RUNS=${KZ_BENCH_RUNS:-5}
WARMUP=${KZ_BENCH_WARMUP:-1}
PRUNS=${KZ_BENCH_PEER_RUNS:-1}
VMEM=${KZ_BENCH_VMEM:-12582912}
SHARED=${KZ_SHARED:-$ROOT/../shared}
DATA=${KZ_BENCH_DATA:-$ROOT/build/bench-data}
SCRATCH=${TMPDIR:-/tmp}/kizashi-bench-hunt

die() { echo "hunt.sh: $*" >&2; exit 2; }
say() { echo "hunt.sh: $*" >&2; }

[ -x "$KZ" ] || die "kizashi binary not found: $KZ (make bench builds it)"
KZ=$(cd "$(dirname "$KZ")" && pwd)/$(basename "$KZ")
for t in hyperfine grep rg python3; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/bootstrap)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
GEN=$SHARED/bench/gen_workload.py
SCORE=$SHARED/bench/score.py
[ -f "$GEN" ] || die "$GEN not found"
[ -f "$SCORE" ] || die "$SCORE not found"
[ "${KZ_BENCH_REPORT_ONLY:-0}" = 1 ] || rm -rf "$SCRATCH"
mkdir -p "$SCRATCH" "$DATA"
LOGS="zeek suricata syslog"

# workload NAME IOCS LOGMB: generates DATA/NAME once (kept and reused;
# manifest.json is written last, so a half-written folder is redone).
workload() {
    wl=$DATA/$1-s$SEED
    if [ ! -s "$wl/manifest.json" ] || [ ! -s "$wl/iocs/all.csv" ]; then
        rm -rf "$wl"
        say "generating $wl ($2 indicators, $3 MiB of logs) ..."
        python3 "$GEN" "$wl" --only iocs,logs --iocs "$2" --log-mb "$3" \
            --hit-rate 2000 --seed "$SEED" >/dev/null 2>"$SCRATCH/gen.err" ||
            { cat "$SCRATCH/gen.err" >&2; die "gen_workload.py failed"; }
    fi
    (cd "$wl/iocs" && cat domain.txt ipv4.txt cidr.txt ipv6.txt url.txt \
        md5.txt sha1.txt sha256.txt email.txt) >"$wl/patterns.txt"
    (cd "$wl/logs" && find $LOGS -type f -exec cat {} + >/dev/null) # page cache
}

# once NAME DIR CMD: runs CMD once in DIR under /usr/bin/time, output to
# SCRATCH/NAME.out (scored), peak RSS and status to SCRATCH/NAME.time.
once() {
    say "[$(date +%T)] $1: $3"
    (cd "$2" && /usr/bin/time -f '%M %e %x' -o "$SCRATCH/$1.time" \
        sh -c "$3" >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err") || true
    say "    $(tail -1 "$SCRATCH/$1.time") (KiB s status); $(wc -l <"$SCRATCH/$1.out") lines"
}

# score NAME WL: score.py's JSON of SCRATCH/NAME.out against WL. A ':' is
# appended to every row: score.py reads FILE:LINE only when something
# follows the line number (grep's FILE:LINE:TEXT), not a bare FILE:LINE.
score() {
    sed 's/$/:/' "$SCRATCH/$1.out" >"$SCRATCH/$1.rows"
    python3 "$SCORE" "$2" "$SCRATCH/$1.rows" --json "$SCRATCH/$1.score.json" \
        --label "$1" >/dev/null 2>&1 || say "score.py failed on $1"
    rm -f "$SCRATCH/$1.rows"
}

# timed NAME DIR RUNS WARMUP CMD: hyperfine, JSON in SCRATCH/NAME.hf.json.
timed() {
    say "[$(date +%T)] timing $1 ($3 runs)"
    (cd "$2" && hyperfine -i --warmup "$4" --runs "$3" \
        --export-json "$SCRATCH/$1.hf.json" -n "$1" "$5" >/dev/null 2>&1) ||
        say "hyperfine failed on $1"
}

# peer NAME DIR CMD: a peer, memory-capped; timed only if its scored run
# succeeded (grep exits 1 when it found nothing, which would be a result).
peer() {
    capped="ulimit -v $VMEM; $3"
    once "$1" "$2" "$capped"
    st=$(awk '{ print $3 }' "$SCRATCH/$1.time" | tail -1)
    case $st in
    0 | 1) [ "$PRUNS" -eq 0 ] ||
        timed "$1" "$2" "$PRUNS" 0 "$capped | cat >/dev/null" ;;
    *) say "$1 failed (status $st; memory cap ${VMEM} KiB?): not timed"
        tail -3 "$SCRATCH/$1.err" >&2 ;;
    esac
}

# kizashi_side TAG WL: compile, open, hunt at 1 and 2 threads, one-shot.
kizashi_side() {
    tag=$1 wl=$2
    kzi=$SCRATCH/$tag.kzi
    once "$tag-compile" "$wl" "'$KZ' compile --iocs iocs/all.csv -o '$kzi'"
    [ -s "$kzi" ] || { cat "$SCRATCH/$tag-compile.err" >&2; die "compile failed"; }
    cp "$SCRATCH/$tag-compile.err" "$SCRATCH/$tag-compile.report"
    timed "$tag-compile" "$wl" "$RUNS" "$WARMUP" \
        "'$KZ' compile --iocs iocs/all.csv -o '$kzi'"
    # compile from a store (the usual case): the store filled once, then
    # only `kizashi compile` timed
    "$KZ" intel add -q --db "$SCRATCH/$tag.db" "$wl/iocs/all.csv" >/dev/null
    timed "$tag-compile-store" "$wl" "$RUNS" "$WARMUP" \
        "'$KZ' compile -q --db '$SCRATCH/$tag.db' -o '$SCRATCH/$tag-store.kzi'"
    once "$tag-compile-store" "$wl" \
        "'$KZ' compile -q --db '$SCRATCH/$tag.db' -o '$SCRATCH/$tag-store.kzi'"
    stat -c %s "$kzi" >"$SCRATCH/$tag.kzi.size"
    timed "$tag-open" "$wl" "$RUNS" "$WARMUP" \
        "'$KZ' hunt --no-progress --index '$kzi' /dev/null"
    if "$KZ" compile --help 2>/dev/null | grep -q -e '--check'; then
        "$KZ" compile --check "$kzi" >"$SCRATCH/$tag.check" 2>&1 || true
    fi
    for n in 1 2; do
        once "$tag-hunt-t$n" "$wl/logs" \
            "'$KZ' hunt --no-progress --index '$kzi' --format lines --threads $n $LOGS"
        score "$tag-hunt-t$n" "$wl"
        timed "$tag-hunt-t$n" "$wl/logs" "$RUNS" "$WARMUP" \
            "'$KZ' hunt --no-progress --index '$kzi' --format lines --threads $n $LOGS | cat >/dev/null"
    done
    HOT=$(dirname "$KZ")/kz-bench-hotpath
    if [ -x "$HOT" ]; then
        say "[$(date +%T)] $tag-hotpath"
        (cd "$wl/logs" && "$HOT" --runs "$RUNS" "$kzi" $(find $LOGS -type f | sort)) \
            >"$SCRATCH/$tag-hotpath.tsv" 2>"$SCRATCH/$tag-hotpath.err" ||
            say "kz-bench-hotpath failed on $tag"
    fi
    # the store's own index (compiled once above), with the judge and the
    # sightings written to the store: what the plain --index runs leave out
    "$KZ" compile -q --db "$SCRATCH/$tag.db" >/dev/null 2>&1 || true
    once "$tag-hunt-store" "$wl/logs" \
        "'$KZ' hunt --no-progress --db '$SCRATCH/$tag.db' --format lines --threads 1 $LOGS"
    score "$tag-hunt-store" "$wl"
    timed "$tag-hunt-store" "$wl/logs" "$RUNS" "$WARMUP" \
        "'$KZ' hunt --no-progress --db '$SCRATCH/$tag.db' --format lines --threads 1 $LOGS | cat >/dev/null"
    once "$tag-hunt-iocs" "$wl/logs" \
        "'$KZ' hunt --no-progress --iocs ../iocs/all.csv --format lines --threads 2 $LOGS"
    score "$tag-hunt-iocs" "$wl"
    timed "$tag-hunt-iocs" "$wl/logs" "$RUNS" "$WARMUP" \
        "'$KZ' hunt --no-progress --iocs ../iocs/all.csv --format lines --threads 2 $LOGS | cat >/dev/null"
}

say "kizashi: $KZ ($("$KZ" version 2>/dev/null | sed -n 1p))"

# KZ_BENCH_REPORT_ONLY=1: measure nothing, print the summary of the last
# run again from what it left in SCRATCH.
if [ "${KZ_BENCH_REPORT_ONLY:-0}" = 1 ]; then
    WL1=$DATA/wl-1m-1024m-s$SEED WL2=$DATA/wl-100k-512m-s$SEED
else
    # ---- 1,000,000 indicators, 1 GiB of logs: kizashi and grep
    workload wl-1m-1024m 1000000 1024
    WL1=$wl
    kizashi_side 1m "$WL1"
    peer 1m-grep "$WL1/logs" "grep -F -w -n -H -r -f ../patterns.txt $LOGS"
    score 1m-grep "$WL1"

    # ---- 100,000 indicators, 512 MiB of logs: kizashi, grep and rg
    workload wl-100k-512m 100000 512
    WL2=$wl
    kizashi_side 100k "$WL2"
    peer 100k-grep "$WL2/logs" "grep -F -w -n -H -r -f ../patterns.txt $LOGS"
    score 100k-grep "$WL2"
    peer 100k-rg "$WL2/logs" "rg -F -w -n -H --no-heading -f ../patterns.txt $LOGS"
    score 100k-rg "$WL2"
fi

B1=$(cd "$WL1/logs" && find $LOGS -type f -exec cat {} + | wc -c)
B2=$(cd "$WL2/logs" && find $LOGS -type f -exec cat {} + | wc -c)

# ---- the summary (Markdown, stdout)
python3 - "$SCRATCH" "$B1" "$B2" "$RUNS" "$PRUNS" "$VMEM" <<'EOF'
import json, os, statistics, sys
d, b1, b2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs, pruns, vmem = sys.argv[4], sys.argv[5], int(sys.argv[6])

def load(name, ext):
    p = os.path.join(d, name + ext)
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None

def med(name):
    j = load(name, ".hf.json")
    if j:
        return statistics.median(j["results"][0]["times"])
    # no hyperfine runs (KZ_BENCH_PEER_RUNS=0): the scored run's wall time
    try:
        kb, e, st = open(os.path.join(d, name + ".time")).read().split("\n")[-2].split()
        return float(e) if st in ("0", "1") else None
    except (OSError, ValueError, IndexError):
        return None

def rss(name):
    try:
        kb, _, st = open(os.path.join(d, name + ".time")).read().split("\n")[-2].split()
        return int(kb) / 1024, st
    except (OSError, ValueError, IndexError):
        return None, "?"

def sc(name):
    s = load(name, ".score.json")
    if not s:
        return "-", "-", "-"
    return ("%.2f%%" % (100 * s["recall"]) if s["recall"] is not None else "-",
            str(s["fp_nearmiss"]), str(s["fp_other"]))

def f(x, fmt="%.3f"):
    return fmt % x if x is not None else "-"

print("## hunt\n")
print("`bench/hunt.sh`; kizashi: hyperfine medians of %s runs (1 warm-up); "
      "grep/rg: %s, after one scored run; page cache warm; MB = 10^6 bytes; "
      "peers under `ulimit -v %d`; locale %s.\n"
      % (runs, ("median of %s hyperfine runs" % pruns) if pruns != "0"
         else "the scored run's wall time", vmem,
         os.environ.get("LC_ALL") or os.environ.get("LANG") or "C"))
for tag, size, peers in (("1m", b1, ["grep"]), ("100k", b2, ["grep", "rg"])):
    n = "1,000,000" if tag == "1m" else "100,000"
    print("### %s indicators, %.0f MiB of logs (%d bytes swept)\n" % (n, size / 2**20, size))
    print("| command | median s | MB/s | vs grep | %srecall | FP near-miss | FP other | peak RSS MiB |"
          % ("vs rg | " if "rg" in peers else ""))
    print("| --- | ---: | ---: | ---: | %s---: | ---: | ---: | ---: |" % ("---: | " if "rg" in peers else ""))
    g = med("%s-grep" % tag)
    r = med("%s-rg" % tag) if "rg" in peers else None
    rows = [("kizashi hunt --threads 1", "%s-hunt-t1" % tag),
            ("kizashi hunt --threads 2", "%s-hunt-t2" % tag),
            ("kizashi hunt with the store (judge, sightings), 1 thread", "%s-hunt-store" % tag),
            ("kizashi hunt --iocs (compile + sweep, 2 threads)", "%s-hunt-iocs" % tag)]
    rows += [("grep -F -w -f" if p == "grep" else "rg -F -w -f", "%s-%s" % (tag, p)) for p in peers]
    for label, name in rows:
        t = med(name)
        m, st = rss(name)
        rec, fpn, fpo = sc(name)
        mbs = size / t / 1e6 if t else None
        if t is None and st not in ("0", "1"):
            label += " (failed, status %s)" % st
        vs_g = f(g / t, "%.1fx") if (t and g) else "-"
        vs_r = (f(r / t, "%.1fx") if (t and r) else "-") + " | " if "rg" in peers else ""
        print("| %s | %s | %s | %s | %s%s | %s | %s | %s |"
              % (label, f(t), f(mbs, "%.1f"), vs_g, vs_r, rec, fpn, fpo, f(m, "%.1f")))
    t1, t2 = med("%s-hunt-t1" % tag), med("%s-hunt-t2" % tag)
    c = med("%s-compile" % tag)
    cm, _ = rss("%s-compile" % tag)
    o = med("%s-open" % tag)
    try:
        isz = int(open(os.path.join(d, tag + ".kzi.size")).read())
    except (OSError, ValueError):
        isz = None
    print()
    if t1 and t2:
        print("- per thread: %.1f MB/s at 1 thread, %.1f MB/s per thread at 2; "
              "2-thread speed-up %.2fx" % (size / t1 / 1e6, size / t2 / 2e6, t1 / t2))
    print("- compile --iocs (read the CSV into a temporary store, then compile): %s s median, "
          "peak RSS %s MiB; index %s bytes (%s MiB)"
          % (f(c), f(cm, "%.1f"), isz if isz else "-", f(isz / 2**20 if isz else None, "%.1f")))
    try:
        rows = [l.split("\t") for l in open(os.path.join(d, tag + "-hotpath.tsv")).read().splitlines()]
        isa = open(os.path.join(d, tag + "-hotpath.err")).read().strip().replace("kz-bench-hotpath: ", "")
        tot = [r for r in rows if r[0] == "total"][0]
        print("- hot path (`kz-bench-hotpath`: the scanner alone, logs in memory, 1 thread, %s): "
              "%.1f MB/s over all (%s s median); per file: %s"
              % (isa, float(tot[4]), tot[2],
                 ", ".join("%s %.0f MB/s" % (r[0], float(r[4])) for r in rows if r[0] != "total")))
    except (OSError, ValueError, IndexError):
        pass
    cs = med("%s-compile-store" % tag)
    csm, _ = rss("%s-compile-store" % tag)
    print("- compile of the store (`kizashi compile --db`): %s s median, peak RSS %s MiB"
          % (f(cs), f(csm, "%.1f")))
    try:
        rep = open(os.path.join(d, tag + "-compile.report")).read().strip()
        print("- compile's report: `%s`" % rep.replace("`", "'"))
    except OSError:
        pass
    print("- open: `kizashi hunt --index X.kzi /dev/null` %s ms median (an upper bound: "
          "process start, open, an empty sweep)" % f(o * 1000 if o else None, "%.1f"))
    try:
        chk = open(os.path.join(d, tag + ".check")).read().strip().replace("\n", "; ")
        print("- `kizashi compile --check`: %s" % chk)
    except OSError:
        pass
    print()
EOF
say "outputs, scores and hyperfine JSON in $SCRATCH"
