#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""test_extract_reports -- precision and recall of `kizashi extract` on the
real threat reports of ../shared/corpus/intel/reports (CTest label corpus).

For each report R: `kizashi extract --format json R.txt` (indicators only),
and the set of (type, value) pairs is compared with R.truth.tsv. Prints a
table (report, tp, fp, fn, P, R, neutral), the macro averages, a per-type
summary, every false positive and false negative, and information about
context values. Exit 0 when macro P and macro R are both >= 0.95, 1 when
not, 2 on a kizashi error, 77 ("SKIPPED: ...") when ../shared/corpus is
absent. Python 3.11 standard library only.

Scoring decisions (conventions of corpus/intel/README.md, plus the ones the
README leaves to the scorer):
- Types: truth names map to ours (registry_key -> regkey). Certificate
  thumbprints are listed as sha1 in the truth, so digests are compared by
  family: cert_sha1 counts as sha1, cert_sha256 and authentihash as sha256.
  filename and filepath are one family ("file"): the truth parser types a
  value by the heading of its section ("Filenames / Paths" gives filepath
  even to a bare "wgl.dat"), so only the value is scored, not that split.
- Values: file names, paths, registry keys and mutexes compare
  case-insensitively (NFC + casefold); hashes, domains, e-mails compare in
  lower case; URLs compare after light canonicalization on both sides
  (scheme and host lower-case, a path that is just "/" dropped; also the
  default port and the fragment dropped, which kizashi's canonical form does
  and the truth never writes).
- Context (R.context.tsv: reference links, clean files, certificate serials,
  Tox IDs, URL paths): neither rewarded nor penalised. Such values are
  removed from the truth and from our output. On our side a value counts as
  context when it equals a context value (case-insensitively; "0x" of a
  serial dropped), is the host of a context URL, or occurs as a delimited
  part of a context value (e.g. a file name inside a context URL path). The
  number of context values kizashi reported as indicators (and as
  references, from a second run with --all) is printed as information.
- Hosts inside truth URLs (README: "decide in the scorer"): decided as
  NEUTRAL. When kizashi outputs the host (domain or IP) of a truth URL and
  that host is not itself in the truth, it is neither a true nor a false
  positive. Reason: the host is part of a listed indicator and a defender may
  legitimately block it too, but the truth's authors chose not to list it
  separately, so rewarding it would inflate recall.
- Truth omissions (tests/corpus/truth-omissions.tsv: report, type, value,
  reason): values the truth parser left out although the report lists them
  as indicators -- C&C servers written "domain|ip" (MISP composite) or
  "host:port", paths in a "Files and folders" listing block, paths with a
  "<user>" placeholder. Each row names its reason and was checked against
  the report text. Two figures are printed: strict (omissions count as false
  positives) and adjudicated (omissions neither rewarded nor penalised, like
  context values). The gate is on the adjudicated figures; a listed value
  that kizashi no longer reports, or that the truth now holds, is reported
  as stale and fails the test, so the list cannot hide a regression.
- P of a report with no scored output is 1.0 (nothing wrong was said);
  macro P and macro R are unweighted means over the reports.
- FPs that occur inside a truth value (e.g. a file name inside a truth URL)
  are still FPs, but the listing says "inside truth <type> <value>" so the
  developer can tell a derived value from noise.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import kzcorpus as kc  # noqa: E402

THRESHOLD = 0.95

TRUTH_TYPE = {"registry_key": "regkey"}
FAMILY = {"cert_sha1": "sha1", "cert_sha256": "sha256",
          "authentihash": "sha256", "filename": "file", "filepath": "file"}


def key(t: str, v: str) -> tuple[str, str]:
    """Scoring key of a typed value (same function for truth and ours)."""
    t = TRUTH_TYPE.get(t, t)
    t = FAMILY.get(t, t)
    if t == "url":
        return t, kc.url_light(v)
    if t in ("ipv4", "ipv6"):
        return t, kc.norm_ip(v)
    if t in ("md5", "sha1", "sha256", "sha512", "ja3", "ja3s"):
        return t, v.strip().lower()
    if t == "domain":
        return t, kc.norm_domain(v)
    if t == "email":
        return t, kc.norm_email(v)
    if t in ("file", "mutex", "regkey"):
        return t, kc.fold(v.strip())
    return t, v.strip()


def read_tsv(p: Path, ncols: int) -> list[list[str]]:
    rows = []
    if not p.exists():
        return rows
    for line in p.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) >= ncols:
            rows.append(f)
    return rows


def ctx_forms(t: str, v: str) -> set[str]:
    """Case-folded forms under which a context value may appear in our
    output."""
    forms = {kc.fold(v.strip())}
    s = v.strip()
    if t == "cert_serial" or re.fullmatch(r"0x[0-9a-fA-F]+", s):
        forms.add(kc.fold(s[2:] if s.lower().startswith("0x") else s))
    if t == "url":
        forms.add(kc.fold(kc.url_light(s)))
        h = kc.url_host(s)
        if h:
            forms.add(h)
    if t == "url_path":
        forms.add(kc.fold(re.sub(r"^[A-Z]+\s+", "", s)))
    return forms


def inside(needle: str, hay: str) -> bool:
    """needle occurs in hay delimited by non-word characters."""
    if not needle or len(needle) > len(hay):
        return False
    i = hay.find(needle)
    while i >= 0:
        before = hay[i - 1] if i > 0 else " "
        after = hay[i + len(needle)] if i + len(needle) < len(hay) else " "
        if not (before.isalnum() or before == "_") and \
                not (after.isalnum() or after == "_"):
            return True
        i = hay.find(needle, i + 1)
    return False


def fmt_ratio(x: float) -> str:
    return f"{x:.3f}"


def main() -> int:
    corpus = kc.intel_corpus()
    kz = kc.kizashi_path()
    rdir = corpus / "reports"
    reports = sorted(p for p in rdir.glob("*.txt"))
    if not reports:
        print(f"SKIPPED: no reports in {rdir}")
        return kc.SKIP_CODE

    omissions: dict[str, dict[tuple[str, str], str]] = {}
    om_path = Path(__file__).resolve().parent / "truth-omissions.tsv"
    for row in read_tsv(om_path, 4):
        if row[0] == "report":
            continue
        omissions.setdefault(row[0], {})[key(row[1], row[2])] = row[3]
    stale = []
    strict_p = []

    rows = []
    all_fp, all_fn = [], []
    per_type: dict[str, list[int]] = {}
    ctx_info = []
    errors = []
    for rp in reports:
        name = rp.name[:-4]
        truth_rows = read_tsv(rdir / f"{name}.truth.tsv", 2)
        ctx_rows = read_tsv(rdir / f"{name}.context.tsv", 2)

        run = kc.run_kizashi(kz, ["extract", "--format", "json", str(rp)],
                             timeout=120)
        if run.rc not in (0, 1) or run.bad:
            errors.append((name, run.rc, run.err.strip()[:500],
                           run.bad[:3]))
            continue
        runall = kc.run_kizashi(kz, ["extract", "--format", "json", "--all",
                                     str(rp)], timeout=120)

        truth = {key(t, v): (t, v) for t, v, *_ in truth_rows}
        ctx_exact: set[str] = set()
        ctx_hay: list[str] = []
        ctx_keys = set()
        for t, v, *_ in ctx_rows:
            ctx_exact |= ctx_forms(t, v)
            ctx_hay.append(kc.fold(v))
            ctx_keys.add(key(t, v))

        def is_ctx(t: str, v: str) -> bool:
            f = kc.fold(v.strip())
            k = key(t, v)
            if k in ctx_keys or f in ctx_exact or k[1] in ctx_exact:
                return True
            return any(inside(f, h) for h in ctx_hay)

        # Truth values that are also context values: dropped from both sides.
        for k in [k for k, (t, v) in truth.items() if k in ctx_keys]:
            del truth[k]

        url_hosts = set()
        for (t, v) in truth.values():
            if TRUTH_TYPE.get(t, t) == "url":
                h = kc.url_host(v)
                if h:
                    url_hosts.add(kc.norm_ip(h) if re.fullmatch(
                        r"[0-9.]+|[0-9a-fA-F:]+", h) else h)

        ours: dict[tuple[str, str], dict] = {}
        nonind = 0
        for o in run.objs:
            if o.get("class", "indicator") != "indicator":
                nonind += 1
                continue
            t, v = str(o.get("type", "")), str(o.get("value", ""))
            ours.setdefault(key(t, v), o)
        if nonind:
            errors.append((name, run.rc, f"{nonind} objects without class "
                           "indicator in default output", []))

        tp, fp, neutral = set(), set(), set()
        ctx_as_ind = set()
        for k, o in ours.items():
            t, v = k
            if k in truth:
                tp.add(k)
            elif is_ctx(o["type"], o["value"]):
                neutral.add(k)
                ctx_as_ind.add(k)
            elif t in ("domain", "ipv4", "ipv6") and v in url_hosts:
                neutral.add(k)
            else:
                fp.add(k)
        fn = set(truth) - tp
        om = omissions.get(name, {})
        adjudicated = {k for k in fp if k in om}
        for k in om:
            if k not in ours or k in truth:
                stale.append((name, k))
        strict_p.append(len(tp) / (len(tp) + len(fp)) if tp or fp else 1.0)
        fp -= adjudicated
        neutral |= adjudicated

        # Context values seen with --all, by class.
        ctx_as_ref = set()
        for o in runall.objs:
            if o.get("class") == "reference":
                t, v = str(o.get("type", "")), str(o.get("value", ""))
                if is_ctx(t, v):
                    ctx_as_ref.add(key(t, v))
        ctx_info.append((name, len(ctx_rows), sorted(ctx_as_ind),
                         len(ctx_as_ref)))

        P = len(tp) / (len(tp) + len(fp)) if tp or fp else 1.0
        R = len(tp) / (len(tp) + len(fn)) if tp or fn else 1.0
        rows.append((name, len(tp), len(fp), len(fn), P, R, len(neutral)))
        truth_vals = [(TRUTH_TYPE.get(t, t), kc.fold(v))
                      for t, v in truth.values()]
        for k in sorted(fp):
            hint = ""
            for tt, tv in truth_vals:
                if inside(kc.fold(ours[k]["value"]), tv) and k[1] != tv:
                    hint = f"  (inside truth {tt} {tv})"
                    break
            raw = ours[k].get("raw", "")
            line = ours[k].get("line", "?")
            all_fp.append((name, ours[k]["type"], ours[k]["value"], raw,
                           line, hint))
        for k in sorted(fn):
            all_fn.append((name, TRUTH_TYPE.get(truth[k][0], truth[k][0]),
                           truth[k][1]))
        for k in tp:
            per_type.setdefault(k[0], [0, 0, 0])[0] += 1
        for k in fp:
            per_type.setdefault(k[0], [0, 0, 0])[1] += 1
        for k in fn:
            per_type.setdefault(k[0], [0, 0, 0])[2] += 1

    if errors:
        print("kizashi errors:")
        for name, rc, err, bad in errors:
            print(f"  {name}: exit {rc}: {err}")
            for b in bad:
                print(f"    not JSON: {b[:200]}")
    if not rows:
        print("FAIL: no report could be scored")
        return 2

    w = max(len(r[0]) for r in rows)
    print(f"{'report':<{w}}  {'tp':>4} {'fp':>4} {'fn':>4}  {'P':>5}  "
          f"{'R':>5}  neutral")
    for name, tp, fp, fn, P, R, neu in rows:
        print(f"{name:<{w}}  {tp:>4} {fp:>4} {fn:>4}  {fmt_ratio(P)}  "
              f"{fmt_ratio(R)}  {neu:>4}")
    mP = sum(r[4] for r in rows) / len(rows)
    mR = sum(r[5] for r in rows) / len(rows)
    stp = sum(r[1] for r in rows)
    sfp = sum(r[2] for r in rows)
    sfn = sum(r[3] for r in rows)
    print(f"{'TOTAL':<{w}}  {stp:>4} {sfp:>4} {sfn:>4}  "
          f"{fmt_ratio(stp / max(1, stp + sfp))}  "
          f"{fmt_ratio(stp / max(1, stp + sfn))}  (micro)")
    sP = sum(strict_p) / len(strict_p) if strict_p else 1.0
    n_om = sum(len(v) for v in omissions.values())
    print(f"strict:       macro P = {sP:.4f}   macro R = {mR:.4f}   "
          f"(truth omissions counted as false positives)")
    print(f"adjudicated:  macro P = {mP:.4f}   macro R = {mR:.4f}   "
          f"(threshold {THRESHOLD}; {n_om} truth omissions listed in "
          f"truth-omissions.tsv are neutral)")
    if stale:
        print(f"\nstale truth omissions ({len(stale)}): listed but not "
              "reported by kizashi, or now in the truth:")
        for name, k in stale:
            print(f"  STALE {name}\t{k[0]}\t{k[1]}")

    print("\nper type (tp fp fn):")
    for t in sorted(per_type):
        a = per_type[t]
        print(f"  {t:<10} {a[0]:>5} {a[1]:>5} {a[2]:>5}")

    print(f"\nfalse positives ({len(all_fp)}): report, type, value, "
          "raw, line")
    for name, t, v, raw, line, hint in all_fp:
        print(f"  FP {name}\t{t}\t{v}\traw={raw!r}\tline {line}{hint}")
    print(f"\nfalse negatives ({len(all_fn)}): report, type, value")
    for name, t, v in all_fn:
        print(f"  FN {name}\t{t}\t{v}")

    n_ctx = sum(c[1] for c in ctx_info)
    n_ind = sum(len(c[2]) for c in ctx_info)
    n_ref = sum(c[3] for c in ctx_info)
    print(f"\ncontext values (information, not scored): {n_ctx} listed; "
          f"kizashi reported {n_ind} context value(s) as indicator and "
          f"{n_ref} as reference (--all)")
    for name, _, ind, _ in ctx_info:
        for t, v in ind:
            print(f"  CTX-AS-INDICATOR {name}\t{t}\t{v}")

    if errors:
        return 2
    ok = mP >= THRESHOLD and mR >= THRESHOLD and not stale
    print("\nPASS" if ok else "\nFAIL: macro P or macro R below "
          f"{THRESHOLD}, or stale truth omissions")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
