#!/usr/bin/env python3
"""The README's table of exports, made from libsystemd.sym (the one list of exports and their
version nodes) and include/systemd/sd-*.h (which family declares each function).

    scripts/readme-exports.py          print the table
    scripts/readme-exports.py --check  exit 1 when README.md's copy (between the markers) differs
    scripts/readme-exports.py --write  rewrite README.md's copy

A node above LIBSYSTEMD_252 is one the reference library (systemd 252) does not have.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- exports table: made by scripts/readme-exports.py from libsystemd.sym; do not edit -->"
END = "<!-- end of exports table -->"
ORDER = ["daemon", "journal", "id128", "login"]


def exports():
    text = open(os.path.join(ROOT, "libsystemd.sym")).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    for node, body in re.findall(r"(LIBSYSTEMD_\d+)\s*\{(.*?)\}", text, flags=re.S):
        body = body.split("local:")[0]
        for name in re.findall(r"\b(sd_[a-z0-9_]+)\s*;", body):
            out.append((name, node))
    return out


def families():
    where = {}
    inc = os.path.join(ROOT, "include", "systemd")
    for f in sorted(os.listdir(inc)):
        m = re.fullmatch(r"sd-([a-z0-9]+)\.h", f)
        if not m:
            continue
        for name in re.findall(r"\b(sd_[a-z0-9_]+)\s*\(", open(os.path.join(inc, f)).read()):
            where.setdefault(name, m.group(1))
    return where


def table():
    where = families()
    rows = {}
    for name, node in exports():
        fam = where.get(name, "?")
        rows.setdefault((fam, node), []).append(name)
    key = lambda k: (ORDER.index(k[0]) if k[0] in ORDER else len(ORDER), int(k[1].split("_")[1]))
    lines = ["| header | node | functions | in libsystemd 252 |", "| --- | --- | --- | --- |"]
    for fam, node in sorted(rows, key=key):
        n = int(node.split("_")[1])
        in252 = "yes" if n <= 252 else f"no ({n}+)"
        names = ", ".join(f"`{x}`" for x in sorted(rows[(fam, node)]))
        lines.append(f"| `sd-{fam}.h` | {node} | {names} | {in252} |")
    total = sum(len(v) for v in rows.values())
    lines.append("")
    lines.append(f"{total} functions in {len(set(k[1] for k in rows))} version nodes.")
    return "\n".join(lines) + "\n"


def main():
    t = table()
    if len(sys.argv) == 1:
        sys.stdout.write(t)
        return 0
    path = os.path.join(ROOT, "README.md")
    readme = open(path).read()
    m = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), readme, flags=re.S)
    if not m:
        print("README.md has no exports table markers", file=sys.stderr)
        return 1
    if sys.argv[1] == "--check":
        if m.group(1) == t:
            return 0
        print("README.md's exports table is stale: run scripts/readme-exports.py --write", file=sys.stderr)
        return 1
    if sys.argv[1] == "--write":
        open(path, "w").write(readme[: m.start(1)] + t + readme[m.end(1):])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


sys.exit(main())
