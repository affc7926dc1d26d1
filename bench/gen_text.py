#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_text.py -- deterministic advisory-like text for the extract benchmark.

Writes OUT: English (and some Japanese) threat-report prose with indicators
in the forms writers use -- defanged (1.2.3[.]4, evil[.]com, hxxps://,
user[@]host[.]tld, full-width dots), plain, in tables and bullet lists,
upper- and lower-case hashes, Windows paths, registry keys, CVE ids -- and
the near-misses that make extraction hard (version numbers, dotted
detection names like MSIL/Agent.DPT, file names, e.g., abbreviations, hex
runs of the wrong length). When --reports DIR is given, the *.txt files
there (the real corpus reports, read at run time, never copied into the
repository) are interleaved between generated blocks.

Why not ../shared/bench/gen_workload.py: it generates IoC sets, Zeek /
Suricata / syslog logs and file trees for the *sweep* benchmarks; it has no
mode for free-text advisories with defanged indicators, which is what
`kizashi extract` reads. This generator follows its rules: seeded
random.Random with string seeds, standard library only, same arguments +
same seed + same Python minor version => byte-identical output.

Size: the first --unique-mb MiB (default 64) are generated block by block;
the rest of the output repeats those chunks with fresh blocks and the
reports mixed in, which keeps generation at about 5 s for 512 MiB. So the
number of distinct indicators is that of ~64 MiB of advisories (about
0.55 million, --truth counts them), far more than any real advisory.

With --lang ja the prose is Japanese (JPCERT/CC and vendor style):
indicators glued to Japanese text and punctuation (「」, 。, full-width
colons and dots), Japanese table titles, headings and bullets.

With --truth FILE it also writes the truth of OUT, for the recall and false
positives of bench/extract.sh: a TSV of every indicator written into OUT
(type<TAB>value, deduplicated, refanged and canonical as `kizashi extract`
prints it: hashes, domains, e-mail domains, URL scheme and host
lower-case, IPv4 without its port, default URL port dropped; e-mail local
parts, file names and paths as written), with the truth rows
(R.truth.tsv) of the reports interleaved. Values that are neither
rewarded nor penalised are listed as type<TAB>value<TAB>neutral<TAB>why:
the reports' context values (R.context.tsv) and truth omissions
(tests/corpus/truth-omissions.tsv); non-global addresses and a plainly written microsoft.com (references for
kizashi); CVE ids (context, printed with --all only); and what the random
prose itself makes no indicator: a plain name, host or URL right after the
word "legit", a plain dotted quad right after "version" or "build" in the
same sentence and without a port, a .pdf name on a line that says "link:".
The near-misses (versions, detection names, MITRE ids, dates, "e.g.", hex of
the wrong length) and hex .onion names (a hex label is not base32, so no
Tor name; nor are URLs and e-mail addresses on one) are not listed:
printing one is a false positive. Each
value is recorded where it is made, per chunk, and enters the truth when
its chunk is written (the last chunks may not fit; repeats add nothing):
no random number is drawn for it, so OUT is byte-identical with and
without --truth.

Usage: gen_text.py OUT [--mb 512] [--unique-mb 64] [--seed 1]
                       [--reports DIR] [--lang en|ja] [--truth FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import ipaddress
import random
import re
import sys
from pathlib import Path

GEN_VERSION = 1
MiB = 1 << 20

WORDS = """the a an of to in and for on with by from as at that this which
was were is are has have had been be it its their they we our analysts
observed campaign actor group operators malware loader backdoor dropper
implant payload stage server infrastructure victims sector government
energy finance telecom targeted spearphishing email attachment document
macro archive script execution persistence scheduled task service registry
credential access lateral movement exfiltration command control traffic
beacon interval sleep jitter encrypted configuration string decoded key
module plugin update version build compiled timestamp signed certificate
sample hash detection network indicator domain address port protocol
request response header user agent path file directory temporary folder
installer shortcut link victimology attribution overlap previous reports
researchers vendor telemetry customers hunting rules mitigation block
monitor patch vulnerability exploit public facing application web shell
uploaded downloaded executed launched injected into memory process legit
binary side loading library export function resolved dynamically api
hashing obfuscation packed unpacked""".split()

TLDS = ["com", "net", "org", "info", "xyz", "top", "ru", "cn", "online",
        "site", "club", "icu", "shop", "live", "io", "biz", "de", "tk",
        "pw", "cc", "co.uk", "com.br", "co.jp", "onion"]
SUB = ["www", "mail", "cdn", "api", "update", "dl", "files", "portal",
       "secure", "login", "ns1", "static", "img", "docs"]
NAMEPARTS = ["secure", "login", "verify", "account", "update", "support",
             "billing", "service", "cloud", "files", "docs", "share",
             "office", "drive", "track", "delivery", "invoice", "bank",
             "wallet", "micro", "soft", "host", "data", "sync", "news",
             "media", "global", "tech", "net", "web", "online", "info"]
EXTS = ["exe", "dll", "doc", "docx", "xls", "lnk", "js", "vbs", "ps1",
        "bat", "hta", "zip", "rar", "iso", "dat", "tmp", "sys", "pdf"]
DETECTIONS = ["Win32/Agent.{0}", "MSIL/Spy.Agent.{0}", "Win64/Kryptik.{0}",
              "JS/TrojanDownloader.Nemucod.{0}", "Linux/Mirai.{0}",
              "PowerShell/Agent.{0}", "VBA/TrojanDownloader.Agent.{0}"]
JA = ["攻撃者は", "を使用して", "通信を行いました。",
      "以下の通信先を確認しています。", "当該ファイルは", "に保存されます。",
      "マルウェアの", "ハッシュ値は次の通りです。"]
# --lang ja: Japanese advisory prose (JPCERT/CC and vendor style).
JA_WORDS = ["攻撃者は", "標的型メールを送信し、", "添付ファイルを開かせることで",
            "マルウェアに感染させます。", "感染後、", "端末の情報を収集し、",
            "C2サーバーへ送信します。", "当該マルウェアは", "永続化のため",
            "レジストリに登録され、", "スケジュールタスクを作成します。",
            "本件について、", "弊社では", "引き続き調査を行っています。",
            "以下の通信先への", "アクセスを確認しています。", "利用者は",
            "速やかに", "対策を実施してください。", "ファイルを", "暗号化し、",
            "身代金を要求します。", "正規のツールを悪用して", "横展開を行い、",
            "認証情報を窃取します。", "なお、", "検知名は", "以下の通りです。"]
JA_LEAD = ["通信先：", "接続先は", "ハッシュ値：", "ファイル名は",
           "ダウンロード元：", "送信元アドレス："]
# Table notes: none says the file is legitimate (正規), none names a source.
JA_NOTES = ["ローダー", "バックドア", "ダウンローダー", "設定ファイル",
            "暗号化されたペイロード", "情報窃取型マルウェア"]


class Gen:
    def __init__(self, seed: str):
        self.r = random.Random(f"kizashi-bench-text:{GEN_VERSION}:{seed}")
        self.n = 0
        self.rec: list[list[str]] | None = None  # see keep()

    def hexd(self, nbytes: int) -> str:
        self.n += 1
        h = hashlib.sha512(f"{self.n}:{self.r.random()}".encode()).digest()
        while len(h) < nbytes:
            h += hashlib.sha512(h).digest()
        s = h[:nbytes].hex()
        return s.upper() if self.r.random() < 0.4 else s

    def ipv4(self) -> str:
        r = self.r
        return f"{r.randint(1, 223)}.{r.randint(0, 255)}." \
               f"{r.randint(0, 255)}.{r.randint(1, 254)}"

    def domain(self) -> str:
        r = self.r
        name = r.choice(NAMEPARTS) + r.choice(["", "-", ""]) + \
            r.choice(NAMEPARTS) + (str(r.randint(1, 999))
                                   if r.random() < 0.3 else "")
        if r.random() < 0.3:
            name = r.choice(SUB) + "." + name
        tld = r.choice(TLDS)
        if tld == "onion":
            name = hashlib.sha256(name.encode()).hexdigest()[:16]
        return f"{name}.{tld}"

    def defang_host(self, h: str) -> str:
        r = self.r.random()
        if r < 0.45:  # last dot only, ESET style
            i = h.rfind(".")
            return h[:i] + "[.]" + h[i + 1:]
        if r < 0.65:
            return h.replace(".", "[.]")
        if r < 0.72:
            return h.replace(".", "(.)")
        if r < 0.76:
            return h.replace(".", "[dot]")
        if r < 0.78:
            return h.replace(".", "\uff0e")  # full-width full stop
        return h

    def url(self) -> str:
        r = self.r
        host = self.domain() if r.random() < 0.8 else self.ipv4()
        path = "/".join(r.choice(NAMEPARTS) for _ in range(r.randint(0, 3)))
        if r.random() < 0.5:
            path += ("/" if path else "") + r.choice(NAMEPARTS) + "." + \
                r.choice(["php", "aspx", "jsp", "html", "exe", "zip"])
        if r.random() < 0.2:
            path += f"?id={r.randint(1, 99999)}&t={self.hexd(4)}"
        port = f":{r.choice([8080, 443, 8443, 4444])}" \
            if r.random() < 0.1 else ""
        scheme = r.choice(["hxxp", "hxxps", "hXXps", "http", "https"])
        return f"{scheme}://{self.defang_host(host)}{port}/{path}"

    def email(self) -> str:
        r = self.r
        user = r.choice(NAMEPARTS) + str(r.randint(1, 9999))
        at = r.choice(["@", "[@]", "[at]", "@"])
        return f"{user}{at}{self.defang_host(self.domain())}"

    def filename(self) -> str:
        r = self.r
        return f"{r.choice(NAMEPARTS)}_{r.randint(1, 9999)}.{r.choice(EXTS)}"

    def filepath(self) -> str:
        r = self.r
        root = r.choice([r"%APPDATA%", r"%TEMP%", r"C:\ProgramData",
                         r"C:\Users\Public", r"%LOCALAPPDATA%\Microsoft"])
        return f"{root}\\{r.choice(NAMEPARTS).capitalize()}\\" \
               f"{self.filename()}"

    def ioc(self) -> str:
        return self.keep(*self._ioc())

    def _ioc(self) -> tuple[str, str]:
        """(type, text as written) of one indicator."""
        r = self.r.random()
        if r < 0.18:
            ip = self.ipv4()
            return "ipv4", self.defang_host(ip) + (
                f":{self.r.randint(1, 65535)}"
                if self.r.random() < 0.2 else "")
        if r < 0.36:
            return "domain", self.defang_host(self.domain())
        if r < 0.50:
            return "url", self.url()
        if r < 0.58:
            return "md5", self.hexd(16)
        if r < 0.70:
            return "sha1", self.hexd(20)
        if r < 0.82:
            return "sha256", self.hexd(32)
        if r < 0.86:
            return "email", self.email()
        if r < 0.92:
            return "filepath", self.filepath()
        if r < 0.95:
            return "cve", f"CVE-{self.r.randint(2014, 2025)}-" \
                          f"{self.r.randint(1000, 49999)}"
        return "filename", self.filename()

    # ---- truth (--truth): no random number is drawn below ----------------

    def keep(self, t: str, v: str) -> str:
        """Records indicator v of type t (as written) when recording is on
        (self.rec is a list of [type, text, why neutral]), and returns v
        unchanged."""
        if self.rec is not None:
            self.rec.append([t, v, ""])
        return v

    def rewrite_last(self, v: str) -> None:
        """The last recorded value was written as v (a sentence starting
        with it capitalized its first letter; full-width dots)."""
        if self.rec:
            self.rec[-1][1] = v

    def paragraph(self, line: str, k0: int) -> str:
        """Marks the values recorded since self.rec[k0] that the words
        before them in the prose line make no indicator, as kizashi reads
        them (see said_legit and version_before in lib/intel/scan.c)."""
        if not self.rec or len(self.rec) <= k0:
            return line
        pos = 0
        low = line.lower()
        for rec in self.rec[k0:]:
            t, v = rec[0], rec[1]
            p = line.find(v, pos)
            if p < 0:
                continue
            pos = p + len(v)
            plain = not refang(v)[1] and not v.lower().startswith("hxxp")
            if plain and t in ("filename", "filepath", "domain", "url") \
                    and said_legit(line[:p]):
                rec[2] = WHY_LEGIT
            elif plain and t == "ipv4" and reads_as_version(line[:p], v):
                rec[2] = WHY_VERSION
            elif t == "filename" and v.rsplit(".", 1)[-1] in DOC_EXTS and \
                    ("link:" in low or "misp" in low):
                rec[2] = WHY_DOC
        return line

    def nearmiss(self) -> str:
        r = self.r
        k = r.random()
        if k < 0.25:
            return f"version {r.randint(1, 20)}.{r.randint(0, 99)}." \
                   f"{r.randint(0, 999)}.{r.randint(0, 9999)}." \
                   f"{r.randint(1, 9)}"
        if k < 0.45:
            return r.choice(DETECTIONS).format(
                "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
                        for _ in range(r.randint(2, 4))))
        if k < 0.6:
            return r.choice(["e.g.", "i.e.", "etc.", "U.S.", "No."])
        if k < 0.75:
            return self.hexd(r.choice([12, 24, 28]))  # wrong lengths
        if k < 0.9:
            return f"T{r.randint(1000, 1600)}.{r.randint(1, 20):03d}"
        return f"{r.randint(1, 28)}.{r.randint(1, 12)}.{r.randint(2015, 2025)}"

    def sentence(self) -> str:
        r = self.r
        n = r.randint(6, 18)
        words = [r.choice(WORDS) for _ in range(n)]
        k = r.random()
        if k < 0.35:
            i = r.randint(0, n)
            words.insert(i, self.ioc())
            if i == 0:  # written capitalized (matters for e-mails, names)
                self.rewrite_last(words[0][0].upper() + words[0][1:])
        elif k < 0.5:
            words.insert(r.randint(0, n), self.nearmiss())
        s = " ".join(words)
        return s[0].upper() + s[1:] + r.choice([".", ".", ".", ":", ";"])

    def block(self) -> str:
        """One section: prose paragraphs, then a table or list of IoCs."""
        r = self.r
        out = []
        if r.random() < 0.08:
            out.append("".join(r.choice(JA) for _ in range(3)) + " " +
                       self.keep("domain", self.defang_host(self.domain())) +
                       " " +
                       "".join(r.choice(JA) for _ in range(2)))
        for _ in range(r.randint(1, 4)):
            k0 = len(self.rec) if self.rec else 0
            out.append(self.paragraph(" ".join(
                self.sentence() for _ in range(r.randint(2, 6))), k0))
        k = r.random()
        if k < 0.35:
            out.append("|SHA-1|Filename|ESET detection name|Description")
            for _ in range(r.randint(2, 12)):
                out.append(f"|`{self.keep('sha1', self.hexd(20))}`|"
                           f"{self.keep('filename', self.filename())}|"
                           f"{self.nearmiss()}|{r.choice(WORDS)} "
                           f"{r.choice(WORDS)}")
        elif k < 0.6:
            out.append("Network indicators:")
            for _ in range(r.randint(2, 15)):
                out.append(f"- {self.ioc()}")
        elif k < 0.75:
            for _ in range(r.randint(2, 10)):
                out.append(f"- {self.keep('sha256', self.hexd(32).lower())}  "
                           f"{self.keep('filename', self.filename())}")
        return "\n".join(out) + "\n\n"


class JaGen(Gen):
    """Japanese advisories: indicators glued to Japanese text and
    punctuation (「」, 。, 、, full-width colons and dots), Japanese table
    titles and bullets."""

    def ja_ioc(self) -> str:
        r = self.r
        v = self.ioc()
        k = r.random()
        if k < 0.15 and "." in v and "\\" not in v:
            v = v.replace(".", "\uff0e")  # full-width dots
            self.rewrite_last(v)
        if k < 0.4:
            return f"「{v}」"
        if k < 0.6:  # (a value ends before the next ASCII word)
            return r.choice(JA_LEAD) + v + r.choice(["。", "、", " "])
        return v + r.choice(["。", "、", "）", " "])

    def sentence(self) -> str:
        r = self.r
        words = [r.choice(JA_WORDS) for _ in range(r.randint(3, 9))]
        k = r.random()
        if k < 0.35:
            words.insert(r.randint(0, len(words)), self.ja_ioc())
        elif k < 0.5:
            words.insert(r.randint(0, len(words)), self.nearmiss() + "、")
        s = "".join(words)
        return s if s.endswith("。") else s + "。"

    def block(self) -> str:
        r = self.r
        out = []
        if r.random() < 0.3:
            # (no 参考情報 heading: what follows it would be sources)
            out.append(r.choice(["■ 通信先", "【IoC情報】", "３．対策",
                                 "## 侵害の痕跡", "■ ハッシュ値"]))
        for _ in range(r.randint(1, 4)):
            k0 = len(self.rec) if self.rec else 0
            out.append(self.paragraph("".join(
                self.sentence() for _ in range(r.randint(1, 4))), k0))
        k = r.random()
        if k < 0.3:
            out.append("|ハッシュ値（SHA256）|ファイル名|検知名|備考|")
            out.append("|---|---|---|---|")
            for _ in range(r.randint(2, 10)):
                out.append(f"|{self.keep('sha256', self.hexd(32))}|"
                           f"{self.keep('filename', self.filename())}|"
                           f"{self.nearmiss()}|{r.choice(JA_NOTES)}|")
        elif k < 0.6:
            for _ in range(r.randint(2, 12)):
                out.append(f"・{self.ioc()}")
        return "\n".join(out) + "\n\n"


# ---- truth file (--truth) ---------------------------------------------------
# The generator's own defanging forms, undone (the values are made here, so
# no general refanger is needed).
REFANG = [("\uff0e", "."), ("[.]", "."), ("(.)", "."), ("[dot]", "."),
          ("[@]", "@"), ("[at]", "@")]  # (full-width first: "[．]")
SCHEME = {"hxxp": "http", "hxxps": "https", "http": "http", "https": "https"}
DEFAULT_PORT = {"http": "80", "https": "443"}
BASE32 = set("abcdefghijklmnopqrstuvwxyz234567")
# RFC 6890 special-purpose IPv4 blocks the generator's ranges can hit (the
# ones kizashi classes as private, loopback or reserved: references).
NON_GLOBAL = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24")]
# Well-known sites the generator's names can spell (micro + soft + .com):
# written plainly, they are references (sources, benign sites), not IoCs.
WELL_KNOWN = ("microsoft.com",)
# A hex .onion label is not base32, so no Tor name: not listed at all (like
# the near-misses, printing one is a false positive).
NOT_TRUTH = "-"
WHY_IP = "non-global address (RFC 6890): kizashi classes it a reference"
WHY_KNOWN = "well-known site written plainly: kizashi classes it a reference"
WHY_CVE = "CVE id: context, printed only with --all"
WHY_LEGIT = "written plainly after 'legit': kizashi classes it a reference"
WHY_VERSION = "dotted quad written plainly after 'version' or 'build' " \
    "(and joining words) in the same sentence: reads as a version number"
WHY_DOC = "document name on a line with 'link:': kizashi takes it for " \
    "a document of the advisory (a reference)"
DOC_EXTS = {"pdf"}  # of EXTS, those kizashi counts as documents
VERSION_WORDS = {"version", "versions", "ver", "build", "release",
                 "firmware"}
VERSION_GLUE = {"and", "or", "to", "is", "was", "no.", "=", "-", "v",
                "prior", "from", "thru", "through", "before", "after",
                "until", "up", "than", "older", "earlier", "later", "newer",
                "below", "above", "since"}


def said_legit(before: str) -> bool:
    """The words right before a value call it legitimate ("legit x.exe")."""
    b = before.rstrip(" `\"'")
    if b.endswith("\u300c"):  # 「
        b = b[:-1]
    if b.endswith("\u6b63\u898f\u306e") or b.endswith("\u6b63\u898f"):
        return True  # 正規の, 正規
    low = b.lower()
    return len(b) < len(before) and any(
        low.endswith(w) and (len(b) == len(w) or not (
            b[-len(w) - 1].isascii() and b[-len(w) - 1].isalnum()))
        for w in ("legitimate", "legit", "benign"))


def version_before(before: str) -> list[str]:
    """The words from a version word ("version", "build", ...) to a dotted
    quad when it comes right before it or before words that only join it to
    its numbers (at most four words and 40 bytes back), as kizashi reads
    them (version_before in lib/intel/scan.c); [] when none."""
    b = before.encode("utf-8")
    pos = we = len(b)
    span: list[str] = []
    for _ in range(4):
        if not (we > 0 and pos - we < 40):
            return []
        while we > 0 and b[we - 1] in b" \t":
            we -= 1
        ws = we
        while ws > 0 and pos - ws < 40 and b[ws - 1] not in b" \t":
            ws -= 1
        if ws == we:
            return []
        word = b[ws:we].decode("utf-8", errors="replace")
        span.insert(0, word)
        words = re.findall(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*", word)
        if "\u30d0\u30fc\u30b8\u30e7\u30f3" in word or any(
                w.lower() in VERSION_WORDS for w in words):  # バージョン
            return span
        g = word.rstrip(",:;)").lstrip("(")
        if g and g.lower() not in VERSION_GLUE and \
                not all(c.isdigit() or c == "." for c in g):
            return []
        we = ws
    return []


def reads_as_version(before: str, value: str) -> bool:
    """A plain dotted quad that a reader may take for a version number:
    kizashi's rule (version_before), except when the quad has a :port (a
    version has none) or a sentence ends between the version word and the
    quad ("... build version. 1.2.3.4 was"): those are addresses, and
    kizashi's misses."""
    span = version_before(before)
    if not span or ":" in value:
        return False
    return not any(w.endswith(".") and w.lower() != "no." for w in span)


def refang(v: str) -> tuple[str, bool]:
    """v without the generator's defanging, and whether it had any."""
    w = v
    for a, b in REFANG:
        w = w.replace(a, b)
    return w, w != v


def host_why(host: str, defanged: bool) -> str:
    """Why a (refanged, lower-case) host makes a value neutral, or ""."""
    if host.endswith(".onion") and not set(host[:-6]) <= BASE32:
        return NOT_TRUTH
    if host[:1].isdigit() and host.replace(".", "").isdigit():
        a = ipaddress.ip_address(host)
        return WHY_IP if any(a in n for n in NON_GLOBAL) else ""
    if not defanged and any(host == d or host.endswith("." + d)
                            for d in WELL_KNOWN):
        return WHY_KNOWN
    return ""


def canon(t: str, v: str) -> tuple[str, str, str]:
    """(type, canonical value as kizashi prints it, why neutral or "") of an
    indicator the generator wrote as v."""
    w, defanged = refang(v)
    if t in ("md5", "sha1", "sha256"):
        return t, w.lower(), ""
    if t == "cve":
        return t, w.upper(), WHY_CVE
    if t in ("filename", "filepath"):
        # docs/normalization.md, "Names kept as written": a name written
        # only in ASCII is refanged; one holding other characters (here a
        # full-width dot, "account_1665．dll") is kept exactly as written.
        return t, (w if v.isascii() else v), ""
    if t == "ipv4":
        w = w.split(":")[0]  # the port is dropped
        return t, w, host_why(w, True)
    if t == "domain":
        w = w.lower()
        return t, w, host_why(w, defanged)
    if t == "email":
        local, host = w.rsplit("@", 1)  # local part as written
        host = host.lower()
        return t, f"{local}@{host}", host_why(host, defanged)
    if t == "url":
        scheme, rest = w.split("://", 1)
        scheme = SCHEME[scheme.lower()]
        defanged = defanged or scheme != w.split("://", 1)[0]
        hostport, path = rest.split("/", 1)
        host, _, port = hostport.partition(":")
        host = host.lower()
        if port and DEFAULT_PORT.get(scheme) == port:
            port = ""
        return t, f"{scheme}://{host}{':' + port if port else ''}/{path}", \
            host_why(host, defanged)
    raise ValueError(f"canon: unknown type {t}")


TRUTH_TYPE = {"registry_key": "regkey"}  # corpus truth name -> kizashi's


def read_rows(p: Path) -> list[list[str]]:
    if not p.exists():
        return []
    return [line.split("\t") for line in
            p.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


OMISSIONS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / \
    "truth-omissions.tsv"


class Truth:
    """Indicators (type, value) and neutral values {(type, value): why}."""

    def __init__(self):
        self.ind: set[tuple[str, str]] = set()
        self.neutral: dict[tuple[str, str], str] = {}
        self._omissions: dict[str, list[list[str]]] | None = None

    def add_generated(self, recs) -> None:
        for t, v, why0 in recs:
            t, v, why = canon(t, v)
            why = why or why0
            if why == NOT_TRUTH:
                continue
            if why:
                self.neutral.setdefault((t, v), why)
            else:
                self.ind.add((t, v))

    def add_report(self, txt: Path) -> None:
        """R.truth.tsv rows as indicators; R.context.tsv values and the
        report's rows of tests/corpus/truth-omissions.tsv as neutral."""
        name = txt.name[:-4]
        if self._omissions is None:
            self._omissions = {}
            for f in read_rows(OMISSIONS):
                if len(f) >= 4 and f[0] != "report":
                    self._omissions.setdefault(f[0], []).append(f[1:])
        ctx = set()
        for f in read_rows(txt.with_name(f"{name}.context.tsv")):
            if len(f) >= 2:
                t = TRUTH_TYPE.get(f[0], f[0])
                ctx.add((t, f[1]))
                why = f[2] if len(f) > 2 else "context value"
                self.neutral.setdefault((t, f[1]), f"{name} context: {why}")
        for f in read_rows(txt.with_name(f"{name}.truth.tsv")):
            if len(f) >= 2:
                k = (TRUTH_TYPE.get(f[0], f[0]), f[1])
                if k not in ctx:  # also context: neither (as the test does)
                    self.ind.add(k)
        for t, v, why, *_ in self._omissions.get(name, []):
            self.neutral.setdefault((TRUTH_TYPE.get(t, t), v),
                                    f"{name} truth omission: {why}")

    def write(self, path: str, source: str) -> None:
        neutral = {k: w for k, w in self.neutral.items()
                   if k not in self.ind}
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(TRUTH_HEADER.format(source=source, n=len(self.ind),
                                        nn=len(neutral)))
            for t, v in sorted(self.ind):
                f.write(f"{t}\t{v}\n")
            for (t, v), why in sorted(neutral.items()):
                f.write(f"{t}\t{v}\tneutral\t{why}\n")


TRUTH_HEADER = """\
# kizashi extract benchmark truth ({source})
# type<TAB>value: {n} indicators written in the input, canonical as kizashi
#   prints them (refanged; hashes, domains, e-mail domains, URL scheme and
#   host lower-case; IPv4 without port; default URL port dropped; e-mail
#   local parts, file names and paths as written).
# type<TAB>value<TAB>neutral<TAB>why: {nn} values neither rewarded nor
#   penalised: the reports' context values and truth omissions,
#   non-global addresses, plainly written well-known sites, CVE ids,
#   and values the prose around them makes no indicator ("legit x.exe",
#   "version 1.2.3.4", a .pdf name on a line with "link:").
# Not listed: the near-misses (versions, detection names, dates, MITRE ids,
#   abbreviations, hex of the wrong length) and the hex .onion names (not
#   base32, so no Tor names) with the URLs and e-mail addresses on them:
#   printed, they are false
#   positives. Written by bench/gen_text.py; scored by
#   bench/extract_truth.py score.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=512.0,
                    help="size in MiB (default 512)")
    ap.add_argument("--unique-mb", type=float, default=64.0,
                    help="MiB generated before chunks repeat (default 64)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--reports", default=None,
                    help="directory of *.txt reports to interleave")
    ap.add_argument("--lang", choices=["en", "ja"], default="en",
                    help="prose language (ja: Japanese advisories)")
    ap.add_argument("--truth", default=None, metavar="FILE",
                    help="also write the indicators written to OUT (TSV)")
    a = ap.parse_args()

    reports = []
    rpaths = []
    if a.reports:
        for p in sorted(Path(a.reports).glob("*.txt")):
            reports.append(p.read_bytes() + b"\n\n")
            rpaths.append(p)
    g = JaGen(a.seed) if a.lang == "ja" else Gen(a.seed)
    # With --truth, each chunk (and each fresh run of blocks) keeps the
    # indicators it holds, and they enter the truth when it is written:
    # the last chunks may not fit in the output. No random number is drawn
    # for the truth, so OUT is the same with and without it.
    truth = Truth() if a.truth else None
    chunk_recs: list[list] = []
    rep_used: set[int] = set()
    target = int(a.mb * MiB)
    written = 0
    ri = 0
    # A unique generated prefix of --unique-mb MiB, then (to keep generation
    # fast) its chunks are written again with fresh blocks and reports mixed
    # in.
    unique_target = min(target, int(a.unique_mb * MiB))
    chunks: list[bytes] = []
    size = 0
    while size < unique_target:
        buf = []
        bsz = 0
        if truth:
            g.rec = []
        while bsz < 256 * 1024:
            b = g.block()
            buf.append(b)
            bsz += len(b)
        chunk = "".join(buf).encode("utf-8")
        chunks.append(chunk)
        size += len(chunk)
        chunk_recs.append(g.rec)
    with open(a.out, "wb") as f:
        while written < target:
            for ci, chunk in enumerate(chunks):
                if written >= target:
                    break
                if reports and g.r.random() < 0.25:
                    rep = reports[ri % len(reports)]
                    rep_used.add(ri % len(reports))
                    ri += 1
                    f.write(rep)
                    written += len(rep)
                if g.r.random() < 0.1:
                    if truth:
                        g.rec = []
                    fresh = "".join(g.block() for _ in range(50)).encode()
                    if truth:
                        truth.add_generated(g.rec)
                    f.write(fresh)
                    written += len(fresh)
                f.write(chunk)
                written += len(chunk)
                if truth and chunk_recs[ci] is not None:
                    truth.add_generated(chunk_recs[ci])
                    chunk_recs[ci] = None  # repeats add nothing new
    print(f"gen_text: wrote {written} bytes to {a.out}", file=sys.stderr)
    if truth:
        for i in sorted(rep_used):
            truth.add_report(rpaths[i])
        truth.write(a.truth, f"gen_text.py --seed {a.seed} --lang {a.lang}"
                    f"{' with reports' if rep_used else ''}")
        print(f"gen_text: wrote {len(truth.ind)} indicators to {a.truth}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
