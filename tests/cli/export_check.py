#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Strict checkers of `kizashi export` output for the tools Debian does not
package here (Suricata, Zeek). Each parses its file by the tool's grammar
and fails (exit 1, naming the line) on anything the tool would read
differently from what kizashi meant; on success it prints one JSON object
per rule or row with the decoded values, for the test to compare.

  export_check.py suricata FILE   rules: action proto src sport -> dst dport
                                  (option; ...), Suricata's quoting
  export_check.py zeek FILE       Intel framework TSV
  export_check.py suricata-t FILE [DIR]
                                  Suricata's own rule parser: `suricata -T`
                                  with a minimal configuration, run in DIR
                                  (where dataset files are, if any); fails
                                  unless every rule loads ("N rules
                                  successfully loaded, 0 rules failed")
"""
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ACTIONS = {"alert", "drop", "pass", "reject"}
PROTOS = {"ip", "tcp", "udp", "icmp", "http", "tls", "dns", "smtp", "smb",
          "ftp-data", "nfs"}
# keyword -> takes a value (True), is a flag (False)
KEYWORDS = {
    "msg": True, "sid": True, "rev": True, "classtype": True,
    "metadata": True, "flow": True, "content": True, "nocase": False,
    "startswith": False, "endswith": False, "bsize": True,
    "dotprefix": False, "dns.query": False, "tls.sni": False,
    "http.host": False, "http.uri": False, "http.user_agent": False,
    "ja3.hash": False, "ja3s.hash": False, "dataset": True,
    "filemd5": True, "filesha1": True, "filesha256": True,
}
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+"
                      r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


class Bad(Exception):
    pass


def check_address(a):
    if a in ("$HOME_NET", "any"):
        return
    if not (a.startswith("[") and a.endswith("]")):
        raise Bad("address %r" % a)
    for item in a[1:-1].split(","):
        try:
            ipaddress.ip_network(item, strict=True)
        except ValueError as e:
            raise Bad("address list item %r: %s" % (item, e))


def decode_content(v):
    """Suricata content: printable ASCII, |hex| sections; '"', ';', '\\'
    and '|' may appear only hex-encoded (kizashi never uses \\ escapes in
    content, so any backslash, quote or semicolon here is an escape)."""
    out = bytearray()
    i = 0
    while i < len(v):
        c = v[i]
        if c == "|":
            j = v.index("|", i + 1) if "|" in v[i + 1:] else -1
            if j < 0:
                raise Bad("unterminated hex section")
            hexpart = v[i + 1:j].split()
            if not hexpart:
                raise Bad("empty hex section")
            for h in hexpart:
                if not re.fullmatch(r"[0-9A-Fa-f]{2}", h):
                    raise Bad("bad hex byte %r" % h)
                out.append(int(h, 16))
            i = j + 1
            continue
        if c in '";\\' or ord(c) < 0x20 or ord(c) >= 0x7F:
            raise Bad("unescaped %r in content" % c)
        out.append(ord(c))
        i += 1
    return bytes(out)


def parse_options(s, lineno):
    """Splits "(k:v; k; ...)" the way Suricata does: an option ends at the
    first ';' not escaped by '\\'; inside a quoted value only \\" \\; \\\\
    are escapes; a quote ends the value only before the ';'."""
    opts = []
    i = 0
    n = len(s)
    while i < n:
        while i < n and s[i] == " ":
            i += 1
        if i >= n:
            break
        j = i
        while j < n and s[j] not in ":;":
            j += 1
        name = s[i:j].strip()
        if name not in KEYWORDS:
            raise Bad("line %d: unknown keyword %r" % (lineno, name))
        if j >= n:
            raise Bad("line %d: option %r not ended by ';'" % (lineno, name))
        if s[j] == ";":
            if KEYWORDS[name]:
                raise Bad("line %d: %s needs a value" % (lineno, name))
            opts.append((name, None))
            i = j + 1
            continue
        if not KEYWORDS[name]:
            raise Bad("line %d: %s takes no value" % (lineno, name))
        k = j + 1
        raw = []
        while k < n and s[k] != ";":
            if s[k] == "\\":
                if k + 1 >= n or s[k + 1] not in '";\\':
                    raise Bad("line %d: bad escape in %s" % (lineno, name))
                raw.append(s[k:k + 2])
                k += 2
                continue
            raw.append(s[k])
            k += 1
        if k >= n:
            raise Bad("line %d: option %r not ended by ';'" % (lineno, name))
        value = "".join(raw)
        if name in ("msg", "content"):
            if len(value) < 2 or value[0] != '"' or value[-1] != '"':
                raise Bad("line %d: %s not quoted" % (lineno, name))
            inner = value[1:-1]
            # an unescaped quote inside means the value ended early
            if re.search(r'(?<!\\)"', inner):
                raise Bad("line %d: stray quote in %s" % (lineno, name))
            if name == "msg":
                value = re.sub(r'\\(["; \\])', r"\1", inner)
            else:
                if "\\" in inner:
                    raise Bad("line %d: backslash in content" % lineno)
                value = decode_content(inner)
        elif '"' in value:
            raise Bad("line %d: quote in %s" % (lineno, name))
        opts.append((name, value))
        i = k + 1
    return opts


def check_suricata(path):
    sids = set()
    out = []
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")  # must be UTF-8
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"(\S+) (\S+) (\S+) (\S+) (->|<>) (\S+) (\S+) "
                         r"\((.*)\)", line)
        if not m:
            raise Bad("line %d: not a rule: %r" % (lineno, line[:120]))
        action, proto, src, sport, _, dst, dport, body = m.groups()
        if action not in ACTIONS or proto not in PROTOS:
            raise Bad("line %d: action or protocol" % lineno)
        for p in (sport, dport):
            if p != "any" and not p.isdigit():
                raise Bad("line %d: port %r" % (lineno, p))
        check_address(src)
        check_address(dst)
        if not body.endswith(";"):
            raise Bad("line %d: options do not end with ';'" % lineno)
        opts = parse_options(body, lineno)
        names = [k for k, _ in opts]
        for req in ("msg", "sid", "rev"):
            if names.count(req) != 1:
                raise Bad("line %d: %s %d times" % (lineno, req,
                                                   names.count(req)))
        sid = int(dict(opts)["sid"])
        if sid in sids or not 0 < sid < 2**32:
            raise Bad("line %d: sid %d duplicated or out of range"
                      % (lineno, sid))
        sids.add(sid)
        out.append({
            "sid": sid, "proto": proto, "src": src, "dst": dst,
            "msg": dict(opts)["msg"],
            "keywords": [k for k, v in opts if v is None or k not in
                         ("msg", "content", "sid", "rev", "metadata",
                          "classtype")],
            "contents": [v.decode("latin-1") for k, v in opts
                         if k == "content"],
        })
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


ZEEK_TYPES = {"Intel::ADDR", "Intel::SUBNET", "Intel::DOMAIN", "Intel::URL",
              "Intel::EMAIL", "Intel::FILE_HASH", "Intel::FILE_NAME",
              "Intel::CERT_HASH", "Intel::SOFTWARE"}
HEADER = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url"


def zeek_unescape(s):
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)),
                  s)


def check_zeek(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    lines = text.split("\n")
    if lines[0] != HEADER:
        raise Bad("header %r" % lines[0])
    if lines[-1] != "":
        raise Bad("no newline at the end")
    for lineno, line in enumerate(lines[1:-1], 2):
        if line.startswith("#"):
            raise Bad("line %d: a comment line" % lineno)
        if "\r" in line or any(ord(c) < 0x20 and c != "\t" for c in line):
            raise Bad("line %d: control character" % lineno)
        f = line.split("\t")
        if len(f) != 5:
            raise Bad("line %d: %d fields" % (lineno, len(f)))
        if any(x == "" for x in f):
            raise Bad("line %d: an empty field (Zeek wants '-')" % lineno)
        ind, typ = f[0], f[1]
        if typ not in ZEEK_TYPES:
            raise Bad("line %d: type %r" % (lineno, typ))
        if "\\x" in ind or ind in ("-", "(empty)"):
            raise Bad("line %d: indicator would not read back" % lineno)
        if typ == "Intel::ADDR":
            ipaddress.ip_address(ind)
        elif typ == "Intel::SUBNET":
            ipaddress.ip_network(ind, strict=True)
        elif typ == "Intel::DOMAIN" and not HOSTNAME.match(ind):
            raise Bad("line %d: domain %r" % (lineno, ind))
        elif typ == "Intel::URL" and re.match(r"^[a-z]+://", ind):
            raise Bad("line %d: URL with a scheme" % lineno)
        elif typ == "Intel::FILE_HASH" and not re.fullmatch(
                r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}", ind):
            raise Bad("line %d: hash %r" % (lineno, ind))
        print(json.dumps({"indicator": ind, "type": typ,
                          "source": zeek_unescape(f[2]),
                          "desc": zeek_unescape(f[3]), "url": f[4]},
                         ensure_ascii=False))


SURICATA_YAML = """%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "[10.0.0.0/8,192.168.0.0/16,172.16.0.0/12]"
    EXTERNAL_NET: "!$HOME_NET"
  port-groups:
    HTTP_PORTS: "80"
default-log-dir: {log}
logging:
  default-log-level: info
  outputs:
    - console:
        enabled: yes
classification-file: /etc/suricata/classification.config
reference-config-file: /etc/suricata/reference.config
app-layer:
  protocols:
    tls: {{enabled: yes}}
    http: {{enabled: yes}}
    dns: {{tcp: {{enabled: yes}}, udp: {{enabled: yes}}}}
"""


def suricata_t(path, cwd):
    exe = shutil.which("suricata")
    if not exe:
        raise Bad("suricata is not installed (scripts/bootstrap installs it "
                  "from bookworm-backports)")
    with tempfile.TemporaryDirectory() as log:
        conf = os.path.join(log, "suricata.yaml")
        with open(conf, "w") as f:
            f.write(SURICATA_YAML.format(log=log))
        p = subprocess.run([exe, "-T", "-c", conf, "-S", os.path.abspath(path),
                            "-l", log], cwd=cwd, capture_output=True,
                           text=True, errors="replace", timeout=300)
    out = p.stdout + p.stderr
    m = re.search(r"(\d+) rules successfully loaded, (\d+) rules failed", out)
    if p.returncode != 0 or not m or m.group(2) != "0":
        raise Bad("suricata -T refuses it (status %d):\n%s"
                  % (p.returncode, out[-2000:]))
    print(json.dumps({"loaded": int(m.group(1)), "failed": 0}))


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] == "suricata-t":
        try:
            suricata_t(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else ".")
        except (Bad, OSError, subprocess.TimeoutExpired) as e:
            print("export_check: %s: %s" % (sys.argv[2], e), file=sys.stderr)
            return 1
        return 0
    if len(sys.argv) != 3 or sys.argv[1] not in ("suricata", "zeek"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        (check_suricata if sys.argv[1] == "suricata" else check_zeek)(
            sys.argv[2])
    except (Bad, ValueError, UnicodeDecodeError) as e:
        print("export_check: %s: %s" % (sys.argv[2], e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
