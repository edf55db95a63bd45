#!/usr/bin/env python3
"""tests/lib/journalrec.py -- read what a journal received, and put it in a form two runs can be
compared in.  Used by tests/suites/32-journal-programs.sh (records of tests/lib/fakejournald.py)
and 62-journal-systemd.sh (`journalctl -o export` of a real journald).

  journalrec.py canon REC.jsonl [--sub REGEX REPL]... [--sort-streams]
      one block per record of fakejournald.py, in arrival order:
        "== SOCK[ via memfd LINK seals=0x.. mode=0o...]" then one line per field,
        "NAME<TAB>FORM<TAB>VALUE" (FORM "=" plain, "bin" the binary length-prefixed form; values
        escaped as fakejournald.py does), or for a stream the header and the lines.
      Each --pid-sub TEXT (with {} for the sender's pid, from SCM_CREDENTIALS / SO_PEERCRED)
      replaces that text with {} as <PID>, e.g. 'x-pid="{}"'; then each --sub (a Python regex
      and its replacement) is applied to every line.  Stream records are sorted by content with --sort-streams (two
      connections that end at the same time arrive in either order).
  journalrec.py count REC.jsonl [SOCK]
      the number of records (of SOCK only, when given)
  journalrec.py export FILE.export [--match FIELD=VALUE]... [--json]
      parse `journalctl -o export` output (binary-safe) and print one JSON object a line:
      {"FIELD": "escaped value", ...}; the entries that have every FIELD=VALUE of --match
  journalrec.py export-count FILE.export [--match FIELD=VALUE]...
"""
import json
import re
import struct
import sys


def esc(b):
    out = []
    for c in b:
        if c == 0x5C:
            out.append("\\\\")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def load(path):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    return recs


def canon(args):
    path, subs, pidsubs, sort_streams = args[0], [], [], False
    i = 1
    while i < len(args):
        if args[i] == "--pid-sub":
            pidsubs.append(args[i + 1])
            i += 2
        elif args[i] == "--sub":
            subs.append((re.compile(args[i + 1]), args[i + 2]))
            i += 3
        elif args[i] == "--sort-streams":
            sort_streams = True
            i += 1
        else:
            raise SystemExit("canon: unknown argument %r" % args[i])
    blocks, streams = [], []
    for r in load(path):
        head = "== " + r["sock"]
        for fd in r.get("fds") or []:
            head += " via %s seals=%s mode=%s size=%d" % (fd["link"], fd["seals"], fd["mode"], fd["size"])
        if r.get("truncated"):
            head += " TRUNCATED"
        lines = [head]
        if "fields" in r:
            for name, form, val in r["fields"]:
                lines.append("%s\t%s\t%s" % (name, form, val))
        else:
            lines.append("RAW\t\t" + r["raw"])
        pid = r.get("pid")
        out = []
        for ln in lines:
            for t in pidsubs:
                if pid:
                    ln = ln.replace(t.replace("{}", str(pid)), t.replace("{}", "<PID>"))
            for rx, rep in subs:
                ln = rx.sub(rep, ln)
            out.append(ln)
        (streams if r["sock"] == "stdout" and sort_streams else blocks).append("\n".join(out))
    for b in blocks + sorted(streams):
        print(b)


def parse_export(data):
    """journalctl -o export: entries separated by an empty line; FIELD=value\\n or
    FIELD\\n le64 value \\n."""
    entries, cur, i, n = [], {}, 0, len(data)
    while i < n:
        nl = data.find(b"\n", i)
        if nl < 0:
            nl = n
        line = data[i:nl]
        if line == b"":
            if cur:
                entries.append(cur)
            cur = {}
            i = nl + 1
            continue
        eq = line.find(b"=")
        if eq >= 0:
            name, val = line[:eq].decode("ascii", "replace"), line[eq + 1:]
            i = nl + 1
        else:
            name = line.decode("ascii", "replace")
            (ln,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            val = data[nl + 9:nl + 9 + ln]
            i = nl + 9 + ln + 1
        # a field may repeat within an entry; keep them all, in order
        if name in cur:
            if not isinstance(cur[name], list):
                cur[name] = [cur[name]]
            cur[name].append(val)
        else:
            cur[name] = val
    if cur:
        entries.append(cur)
    return entries


def export_cmd(args, count_only=False):
    path, matches = args[0], []
    i = 1
    while i < len(args):
        if args[i] == "--match":
            k, v = args[i + 1].split("=", 1)
            matches.append((k, v.encode()))
            i += 2
        else:
            i += 1
    with open(path, "rb") as f:
        entries = parse_export(f.read())
    sel = [e for e in entries if all(e.get(k) == v for k, v in matches)]
    if count_only:
        print(len(sel))
        return
    for e in sel:
        print(json.dumps({k: ([esc(x) for x in v] if isinstance(v, list) else esc(v))
                          for k, v in e.items()}, sort_keys=True))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "canon":
        canon(args)
    elif cmd == "count":
        recs = load(args[0])
        print(sum(1 for r in recs if len(args) < 2 or r["sock"] == args[1]))
    elif cmd == "export":
        export_cmd(args)
    elif cmd == "export-count":
        export_cmd(args, count_only=True)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
