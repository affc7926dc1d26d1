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
0.4 million), far more than any real advisory.

With --lang ja the prose is Japanese (JPCERT/CC and vendor style):
indicators glued to Japanese text and punctuation (「」, 。, full-width
colons and dots), Japanese table titles, headings and bullets.

Usage: gen_text.py OUT [--mb 512] [--unique-mb 64] [--seed 1]
                       [--reports DIR] [--lang en|ja]
"""
from __future__ import annotations

import argparse
import hashlib
import random
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
        r = self.r.random()
        if r < 0.18:
            ip = self.ipv4()
            return self.defang_host(ip) + (f":{self.r.randint(1, 65535)}"
                                           if self.r.random() < 0.2 else "")
        if r < 0.36:
            return self.defang_host(self.domain())
        if r < 0.50:
            return self.url()
        if r < 0.58:
            return self.hexd(16)
        if r < 0.70:
            return self.hexd(20)
        if r < 0.82:
            return self.hexd(32)
        if r < 0.86:
            return self.email()
        if r < 0.92:
            return self.filepath()
        if r < 0.95:
            return f"CVE-{self.r.randint(2014, 2025)}-" \
                   f"{self.r.randint(1000, 49999)}"
        return self.filename()

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
            words.insert(r.randint(0, n), self.ioc())
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
                       self.defang_host(self.domain()) + " " +
                       "".join(r.choice(JA) for _ in range(2)))
        for _ in range(r.randint(1, 4)):
            out.append(" ".join(self.sentence()
                                for _ in range(r.randint(2, 6))))
        k = r.random()
        if k < 0.35:
            out.append("|SHA-1|Filename|ESET detection name|Description")
            for _ in range(r.randint(2, 12)):
                out.append(f"|`{self.hexd(20)}`|{self.filename()}|"
                           f"{self.nearmiss()}|{r.choice(WORDS)} "
                           f"{r.choice(WORDS)}")
        elif k < 0.6:
            out.append("Network indicators:")
            for _ in range(r.randint(2, 15)):
                out.append(f"- {self.ioc()}")
        elif k < 0.75:
            for _ in range(r.randint(2, 10)):
                out.append(f"- {self.hexd(32).lower()}  {self.filename()}")
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
            out.append("".join(self.sentence()
                               for _ in range(r.randint(1, 4))))
        k = r.random()
        if k < 0.3:
            out.append("|ハッシュ値（SHA256）|ファイル名|検知名|備考|")
            out.append("|---|---|---|---|")
            for _ in range(r.randint(2, 10)):
                out.append(f"|{self.hexd(32)}|{self.filename()}|"
                           f"{self.nearmiss()}|{r.choice(JA_NOTES)}|")
        elif k < 0.6:
            for _ in range(r.randint(2, 12)):
                out.append(f"・{self.ioc()}")
        return "\n".join(out) + "\n\n"


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
    a = ap.parse_args()

    reports = []
    if a.reports:
        for p in sorted(Path(a.reports).glob("*.txt")):
            reports.append(p.read_bytes() + b"\n\n")
    g = JaGen(a.seed) if a.lang == "ja" else Gen(a.seed)
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
        while bsz < 256 * 1024:
            b = g.block()
            buf.append(b)
            bsz += len(b)
        chunk = "".join(buf).encode("utf-8")
        chunks.append(chunk)
        size += len(chunk)
    with open(a.out, "wb") as f:
        while written < target:
            for chunk in chunks:
                if written >= target:
                    break
                if reports and g.r.random() < 0.25:
                    rep = reports[ri % len(reports)]
                    ri += 1
                    f.write(rep)
                    written += len(rep)
                if g.r.random() < 0.1:
                    fresh = "".join(g.block() for _ in range(50)).encode()
                    f.write(fresh)
                    written += len(fresh)
                f.write(chunk)
                written += len(chunk)
    print(f"gen_text: wrote {written} bytes to {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
