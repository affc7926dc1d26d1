#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""extract_truth.py -- truth file and scoring for bench/extract.sh.

  extract_truth.py reports DIR OUT
      Writes the truth of an input made of the *.txt reports of DIR (the
      KZ_BENCH_INPUT=reports input): every R.truth.tsv row an indicator,
      R.context.tsv values and the report's rows of
      tests/corpus/truth-omissions.tsv neutral. Same format as
      gen_text.py --truth (see TRUTH_HEADER there).

  extract_truth.py score TRUTH KZ_TSV [INPUT] [--list N]
      Compares `kizashi extract --format tsv` output (type, value, line)
      with TRUTH and prints the truth size, recall (truth values printed /
      truth values, rounded down), false positives (printed values that are
      neither truth nor neutral) per type, and up to N (10) misses and N false positives
      (with INPUT, each with the first line of the input that holds it).

Scoring follows tests/corpus/test_extract_reports.py, the project's
reference scorer for corpus truth, whose key() and context helpers are
imported (with kzcorpus) rather than copied:
- (type, value) pairs compared after that key(): registry_key is regkey,
  filename and filepath are one family "file" (the report truth types a
  value by its section heading), cert_sha1 counts as sha1 and cert_sha256
  / authentihash as sha256; names, paths, keys and mutexes compare
  case-insensitively (NFC + casefold), hashes, domains and e-mails in lower
  case, URLs after light canonicalization on both sides.
- Neutral: a printed value equal to a neutral value (also the host of a
  neutral URL, a serial without "0x"), a delimited part of a report context
  value, or the host (domain or address) of a truth URL that is not itself
  in the truth -- the test's decision, so a domain is not credited for a
  URL and not penalised either.
Python 3 standard library only; score writes nothing (no __pycache__).
"""
from __future__ import annotations

import math
import mmap
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in bench/ or tests/corpus/
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "corpus"))
import kzcorpus as kc  # noqa: E402
import test_extract_reports as ref  # noqa: E402

N_LIST = 10


def read_truth(path: str):
    truth: dict[tuple[str, str], tuple[str, str]] = {}
    neutral: dict[tuple[str, str], tuple[str, str, str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) >= 3 and c[2] == "neutral":
                neutral[ref.key(c[0], c[1])] = (c[0], c[1],
                                                c[3] if len(c) > 3 else "")
            elif len(c) >= 2:
                truth[ref.key(c[0], c[1])] = (c[0], c[1])
    for k in truth:
        neutral.pop(k, None)
    return truth, neutral


def read_kz(path: str):
    """{key: (type, value, line)} of kizashi's TSV (first occurrence)."""
    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if len(c) < 2:
                continue
            t, v, ln = c[0], c[1], c[2] if len(c) > 2 else "?"
            out.setdefault(ref.key(t, v), (t, v, ln))
    return out


class Finder:
    """Finds where a value is written in the input: the canonical value
    with the generator's defanged forms allowed ([.] (.) [dot] full-width
    dot, [@] [at]), in its case, upper case or capitalized; a URL from its
    host on (the scheme may be hxxp)."""

    DOT = rb"(?:\.|\[\.\]|\(\.\)|\[dot\]|\xef\xbc\x8e|\[\xef\xbc\x8e\])"
    AT = rb"(?:@|\[@\]|\[at\])"

    def __init__(self, path: str | None):
        self.mm = None
        if path and Path(path).stat().st_size:
            with open(path, "rb") as f:
                self.mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)

    def pattern(self, v: str) -> bytes:
        out = []
        for ch in v:
            b = ch.encode("utf-8")
            out.append(self.DOT if ch == "." else self.AT if ch == "@"
                       else re.escape(b))
        return b"".join(out)

    def find(self, value: str) -> str:
        if self.mm is None:
            return ""
        v = value.split("://", 1)[1] if "://" in value else value
        m = None
        for form in dict.fromkeys((v, v.upper(), v[:1].upper() + v[1:],
                                   v.lower())):
            m = re.search(self.pattern(form), self.mm)
            if m:
                break
        if not m:
            return "  (not found as written)"
        pos = m.start()
        lineno = self.mm[:pos].count(b"\n") + 1
        a = max(self.mm.rfind(b"\n", 0, pos) + 1, pos - 60)
        b = self.mm.find(b"\n", m.end())
        b = min(b if b >= 0 else len(self.mm), m.end() + 30)
        snip = self.mm[a:b].decode("utf-8", errors="replace")
        return f"  (line {lineno}: {snip!r})"


def ratio(a: int, b: int) -> str:
    """a / b with four decimals, rounded down: 1.0000 only when a == b."""
    return f"{math.floor(a / b * 1e4) / 1e4:.4f}" if b else "-"


def spread(items: list, n: int) -> list:
    """Up to n items, taken round-robin over their types (items sorted)."""
    by: dict[str, list] = {}
    for it in items:
        by.setdefault(it[0], []).append(it)
    out = []
    while len(out) < n and any(by.values()):
        for t in sorted(by):
            if by[t] and len(out) < n:
                out.append(by[t].pop(0))
    return out


def score(truth_path: str, kz_path: str, input_path: str | None,
          n_list: int = N_LIST) -> int:
    truth, neutral = read_truth(truth_path)
    ours = read_kz(kz_path)

    ctx_exact: set[str] = set()
    ctx_hay: list[str] = []
    for t, v, why in neutral.values():
        ctx_exact |= ref.ctx_forms(t, v)
        if " context: " in why:
            ctx_hay.append(kc.fold(v))
    url_hosts = set()
    for t, v in truth.values():
        if t == "url":
            h = kc.url_host(v)
            if h:
                url_hosts.add(kc.norm_ip(h) if re.fullmatch(
                    r"[0-9.]+|[0-9a-fA-F:]+", h) else h)

    def is_neutral(k, t, v) -> bool:
        if k in neutral or kc.fold(v.strip()) in ctx_exact or \
                k[1] in ctx_exact:
            return True
        if k[0] in ("domain", "ipv4", "ipv6") and k[1] in url_hosts:
            return True
        f = kc.fold(v.strip())
        return any(ref.inside(f, h) for h in ctx_hay)

    tp, fp, nneutral = set(), [], 0
    for k, (t, v, ln) in ours.items():
        if k in truth:
            tp.add(k)
        elif is_neutral(k, t, v):
            nneutral += 1
        else:
            fp.append((k[0], t, v, ln))
    misses = sorted((k[0], truth[k][0], truth[k][1])
                    for k in truth if k not in tp)
    fp.sort()

    per: dict[str, list[int]] = {}
    for k in truth:
        per.setdefault(k[0], [0, 0, 0])[0] += 1
    for k in tp:
        per[k[0]][1] += 1
    for f in fp:
        per.setdefault(f[0], [0, 0, 0])[2] += 1

    nt = len(truth)
    ex = ", ".join(f"{t} {v}" for _, t, v, _ in spread(fp, 3))
    print(f"\ntruth: {nt:,} indicators, {len(neutral):,} neutral values "
          f"({truth_path})")
    print(f"kizashi printed {len(ours):,} values: {len(tp):,} true, "
          f"{nneutral:,} neutral, {len(fp):,} false")
    print(f"recall {ratio(len(tp), nt)} ({len(tp):,} of {nt:,}); "
          f"false positives "
          f"{len(fp):,}" + (f" (examples: {ex})" if ex else ""))
    print(f"  {'type':<10} {'truth':>9} {'found':>9} {'recall':>7} "
          f"{'FP':>6}")
    for t in sorted(per):
        a = per[t]
        r = ratio(a[1], a[0])
        print(f"  {t:<10} {a[0]:>9,} {a[1]:>9,} {r:>7} {a[2]:>6,}")
    fnd = Finder(input_path)
    if misses:
        print(f"misses ({len(misses):,}; up to {n_list} shown, by type):")
        for fam, t, v in spread(misses, n_list):
            print(f"  miss {t}\t{v}{fnd.find(v)}")
    if fp:
        print(f"false positives ({len(fp):,}; up to {n_list} shown, by "
              "type):")
        for fam, t, v, ln in spread(fp, n_list):
            print(f"  FP {t}\t{v}\t(kizashi line {ln}){fnd.find(v)}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "reports":
        import gen_text  # noqa: E402  (bench/, next to this file)
        tr = gen_text.Truth()
        for p in sorted(Path(argv[2]).glob("*.txt")):
            tr.add_report(p)
        tr.write(argv[3], f"the reports of {argv[2]}")
        return 0
    n_list = N_LIST
    if len(argv) > 2 and argv[-2] == "--list" and argv[-1].isdigit():
        n_list = int(argv[-1])
        argv = argv[:-2]
    if len(argv) in (4, 5) and argv[1] == "score":
        return score(argv[2], argv[3], argv[4] if len(argv) == 5 else None,
                     n_list)
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
