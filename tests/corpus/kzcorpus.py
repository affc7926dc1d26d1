# SPDX-License-Identifier: Apache-2.0
"""kzcorpus -- helpers shared by the corpus tests (tests/corpus/test_*.py).

Finds the shared material ($KZ_SHARED, default <repo>/../shared) and the
command under test ($KIZASHI, default <repo>/build/dev/kizashi), runs
`kizashi extract` and parses its JSON Lines, and holds the value comparison
helpers (light and full URL canonicalization, an independent refang for
peer-expected values). Python 3.11 standard library only. The shared
material is read in place, never copied into the repository.

Invariant: every normalization here is idempotent and is applied to both
sides of a comparison, so a value compared with itself always matches.
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SKIP_CODE = 77


def shared_dir() -> Path:
    """The shared directory: $KZ_SHARED, else <repo>/../shared."""
    env = os.environ.get("KZ_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def intel_corpus() -> Path:
    """<shared>/corpus/intel; exits 77 (CTest skip) when absent."""
    p = shared_dir() / "corpus" / "intel"
    if not p.is_dir():
        print("SKIPPED: ../shared/corpus not found")
        sys.exit(SKIP_CODE)
    return p


def kizashi_path() -> str:
    """The binary under test; exits 2 with a message when it is missing."""
    env = os.environ.get("KIZASHI")
    p = Path(env) if env else REPO / "build" / "dev" / "kizashi"
    if not (p.is_file() and os.access(p, os.X_OK)):
        print(f"error: kizashi binary not found at {p} (build it, or set "
              "KIZASHI)", file=sys.stderr)
        sys.exit(2)
    return str(p)


class KzRun:
    """The result of one kizashi run: exit status, parsed JSON objects,
    stdout text, stderr text, and parse errors (lines that are not JSON)."""

    def __init__(self, rc: int, out: str, err: str, objs: list, bad: list):
        self.rc = rc
        self.out = out
        self.err = err
        self.objs = objs
        self.bad = bad


def run_kizashi(kz: str, args: list[str], stdin: bytes | None = None,
                timeout: float = 60.0, parse_json: bool = True) -> KzRun:
    """Runs `kz args...` with stdin bytes; never raises on exit status.
    A timeout is reported as rc -1 with a message in err."""
    try:
        p = subprocess.run([kz] + args, input=stdin if stdin is not None
                           else b"", capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return KzRun(-1, "", f"timeout after {timeout:.0f}s", [], [])
    out = p.stdout.decode("utf-8", errors="replace")
    err = p.stderr.decode("utf-8", errors="replace")
    objs, bad = [], []
    if parse_json:
        for line in out.splitlines():
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except json.JSONDecodeError:
                bad.append(line)
                continue
            if isinstance(o, dict):
                objs.append(o)
            else:
                bad.append(line)
    return KzRun(p.returncode, out, err, objs, bad)


# ---- value normalization ---------------------------------------------------

HEX_RE = re.compile(r"^[0-9a-fA-F]+$")
URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)([^#]*)(#.*)?$",
                    re.S)
DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}
UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 "0123456789-._~")


def fold(s: str) -> str:
    """Case-insensitive comparison key for names, paths, keys, mutexes:
    Unicode NFC, then casefold."""
    return unicodedata.normalize("NFC", s).casefold()


def norm_domain(d: str) -> str:
    """Lower case, one trailing dot dropped, non-ASCII labels to punycode
    (Python's IDNA 2003 codec: close enough for comparison)."""
    d = unicodedata.normalize("NFC", d.strip()).rstrip(".").lower()
    if d and not d.isascii():
        try:
            d = d.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    return d


def split_authority(auth: str):
    """userinfo, host, port of a URL authority (host lower-cased, IPv6
    brackets kept, port '' when absent)."""
    userinfo = ""
    if "@" in auth:
        userinfo, auth = auth.rsplit("@", 1)
        userinfo += "@"
    port = ""
    if auth.startswith("["):
        end = auth.find("]")
        host = auth[: end + 1] if end >= 0 else auth
        rest = auth[end + 1:] if end >= 0 else ""
        if rest.startswith(":"):
            port = rest[1:]
    else:
        host, sep, port = auth.partition(":")
        if not sep:
            port = ""
    return userinfo, host, port


def url_light(u: str) -> str:
    """The report scorer's light URL canonicalization: scheme and host
    lower-cased, default port dropped, fragment dropped, a path that is just
    "/" (or empty) with no query becomes empty. Non-URLs are returned
    unchanged."""
    m = URL_RE.match(u.strip())
    if not m:
        return u.strip()
    scheme, auth, rest = m.group(1).lower(), m.group(2), m.group(3)
    userinfo, host, port = split_authority(auth)
    host = norm_domain(host) if not host.startswith("[") else host.lower()
    if port and DEFAULT_PORTS.get(scheme) == port:
        port = ""
    if rest == "/":
        rest = ""
    return f"{scheme}://{userinfo}{host}{':' + port if port else ''}{rest}"


URL_ALLOWED = UNRESERVED | set(":/?#[]@!$&'()*+,;=%")


def _pct_norm(s: str) -> str:
    """Percent-encoding normalized: hex upper-cased, unreserved characters
    decoded, characters RFC 3986 does not allow in a URL ("{", "}", "|",
    "^", "`", space, non-ASCII as UTF-8, ...) encoded."""
    def rep(m):
        ch = chr(int(m.group(1), 16))
        return ch if ch in UNRESERVED else "%" + m.group(1).upper()
    s = re.sub(r"%([0-9A-Fa-f]{2})", rep, s)
    out = []
    for ch in s:
        if ch in URL_ALLOWED:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    out: list[str] = []
    segs = path.split("/")
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        if seg == ".":
            if last:
                out.append("")
            continue
        if seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
            continue
        out.append(seg)
    return "/".join(out)


def url_full(u: str, default_scheme: str = "http") -> str:
    """A fuller canonical form (close to kz_norm_url), used by the peer
    scorer: light form plus percent-encoding normalization, dot-segments
    resolved, empty path kept empty (trailing "/" of a bare host dropped, as
    in url_light, so "http://h" == "http://h/"). A value without a scheme
    gets default_scheme."""
    u = u.strip()
    if not URL_RE.match(u):
        u = f"{default_scheme}://{u}"
    m = URL_RE.match(u)
    if not m:
        return u
    scheme, auth, rest = m.group(1).lower(), m.group(2), m.group(3)
    userinfo, host, port = split_authority(auth)
    host = norm_domain(host) if not host.startswith("[") else host.lower()
    if host.startswith("["):
        try:
            host = "[" + ipaddress.IPv6Address(host[1:-1].split("%")[0]) \
                .compressed + "]"
        except ValueError:
            pass
    if port and DEFAULT_PORTS.get(scheme) == port:
        port = ""
    path, q, query = rest.partition("?")
    path = _remove_dot_segments(_pct_norm(path))
    rest = path + (q + _pct_norm(query) if q else "")
    if rest == "/":
        rest = ""
    return f"{scheme}://{userinfo}{host}{':' + port if port else ''}{rest}"


def url_schemeless(u: str) -> str:
    """url_full without "scheme://" (for peers that report URLs without a
    scheme)."""
    f = url_full(u)
    return f.split("://", 1)[1] if "://" in f else f


def url_host(u: str) -> str | None:
    """The host of an absolute URL (lower case, no brackets), or None."""
    m = URL_RE.match(u.strip())
    if not m:
        return None
    _, host, _ = split_authority(m.group(2))
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return norm_domain(host) if host else None


def norm_ip(v: str) -> str:
    """Canonical text of an IPv4/IPv6 address (port, brackets and %zone
    dropped); the input unchanged when it is not an address."""
    s = v.strip()
    if s.startswith("[") and "]" in s:
        s = s[1:s.index("]")]
    s = s.split("%", 1)[0]
    if s.count(":") == 1 and "." in s:  # a.b.c.d:port
        s = s.split(":", 1)[0]
    try:
        a = ipaddress.ip_address(s)
    except ValueError:
        return v.strip().lower()
    if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped:
        return str(a.ipv4_mapped)
    return a.compressed


def norm_cidr(v: str) -> str:
    try:
        return ipaddress.ip_network(v.strip(), strict=False).compressed
    except ValueError:
        return v.strip().lower()


HIVES = {
    "hkey_local_machine": "hklm", "hkey_current_user": "hkcu",
    "hkey_classes_root": "hkcr", "hkey_users": "hku",
    "hkey_current_config": "hkcc", "hkey_performance_data": "hkpd",
}


def norm_regkey(v: str) -> str:
    """Case-folded, hive names abbreviated (HKEY_LOCAL_MACHINE == HKLM),
    "<HKCU>" brackets and trailing backslashes dropped."""
    s = fold(v.strip()).rstrip("\\")
    m = re.match(r"^<?(hkey_[a-z_]+|hk[a-z]{1,3})>?(\\.*)?$", s)
    if m:
        hive = HIVES.get(m.group(1), m.group(1))
        s = hive + (m.group(2) or "")
    return s


def norm_asn(v: str) -> str:
    s = re.sub(r"\s+", "", v.strip().upper())
    m = re.match(r"^ASN?(\d+)$", s)
    return f"AS{int(m.group(1))}" if m else s


def norm_email(v: str) -> str:
    """Lower case as a whole (the truth lower-cases e-mails; local parts are
    compared case-insensitively), domain through norm_domain."""
    v = v.strip()
    if "@" not in v:
        return v.lower()
    local, dom = v.rsplit("@", 1)
    if dom.startswith("[") and dom.endswith("]"):
        dom = "[" + norm_ip(dom[1:-1]) + "]"
    else:
        dom = norm_domain(dom)
    return local.lower() + "@" + dom


def ws_collapse(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def norm_value(t: str, v: str) -> str:
    """Comparison key of a value of our type t (both sides)."""
    if t in ("md5", "sha1", "sha256", "sha512", "cert_sha1", "cert_sha256",
             "authentihash", "ja3", "ja3s"):
        return re.sub(r"[\s:]", "", v.strip()).lower()
    if t in ("ipv4", "ipv6"):
        return norm_ip(v)
    if t == "cidr":
        return norm_cidr(v)
    if t == "domain":
        return norm_domain(v)
    if t == "url":
        return url_full(v)
    if t == "email":
        return norm_email(v)
    if t in ("filename", "filepath", "mutex"):
        return fold(v.strip())
    if t == "regkey":
        return norm_regkey(v)
    if t == "asn":
        return norm_asn(v)
    if t == "cve":
        return v.strip().upper()
    if t == "yara":
        return ws_collapse(v)
    if t == "user_agent":
        return ws_collapse(v)
    return v.strip()


# ---- independent refang of peer-expected values -----------------------------
# Peers (iocextract) return values as written. These rules undo the defanging
# forms that occur in the peer expectations, per type family; they are
# deliberately independent of kizashi's own kz_refang so that a refang bug
# cannot hide itself.

_OPEN = r"[\s\[\(\{\\]"
_CLOSE = r"[\s\]\)\}\\]"
_DOT_RE = re.compile(
    rf"{_OPEN}*(?:\.|(?<![A-Za-z])dot(?![A-Za-z])){_CLOSE}*", re.I)
_AT_RE = re.compile(
    rf"[\s\[\(\{{/\\]*(?:@|(?<![A-Za-z])at(?![A-Za-z])){{1}}[\s\]\)\}}/\\]*",
    re.I)
_SCHEME_RE = re.compile(r"^\s*(h[xX]{2}ps?|hXXps?|fxp|ftx|ftps?|https?|tcp)"
                        r"\s*(?:\[:\]|:)\s*//\s*", re.I)
_SCHEMES = {"hxxp": "http", "hxxps": "https", "fxp": "ftp", "ftx": "ftp"}


def refang_value(family: str, v: str) -> str:
    """Undoes writer defanging in an expected value of the given family."""
    s = v.strip()
    if family in ("ipv4", "ipv6", "ip"):
        s = _DOT_RE.sub(".", s) if family != "ipv6" else s
        s = re.sub(r"[\s\[\]\(\)\{\}\\]", "", s)
        return s
    if family == "email":
        s = re.sub(r"/(dot)/", ".", s, flags=re.I)
        s = _AT_RE.sub("@", s, count=1)
        s = _DOT_RE.sub(".", s)
        return re.sub(r"[\s\[\]\(\)\{\}]", "", s)
    if family == "url":
        m = _SCHEME_RE.match(s)
        if m:
            sch = m.group(1).lower()
            sch = _SCHEMES.get(sch, sch)
            s = sch + "://" + s[m.end():]
        s = s.replace("[://]", "://").replace("[:]", ":")
        s = re.sub(r"[\[\(\{]\s*/\s*[\]\)\}]", "/", s)
        s = re.sub(r"\s*[\[\(\{]\s*(?:\.|dot)\s*[\]\)\}]\s*", ".", s,
                   flags=re.I)
        s = re.sub(r"[\[\(\{]\.|\.[\]\)\}]", ".", s)
        return s
    if family == "domain":
        s = re.sub(r"\s*[\[\(\{]\s*(?:\.|dot)\s*[\]\)\}]\s*", ".", s,
                   flags=re.I)
        return s
    return s
