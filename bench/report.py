#!/usr/bin/python3
"""Turns bench/results/*.csv (written by bench/run.sh) into the tables and the targets' PASS/MISS.

usage: report.py RESULTS_DIR [RESULTS_MD]

Prints the tables and the targets on stdout and, given RESULTS_MD, writes them there as Markdown
(bench/RESULTS.md, to paste into the README). Exit status 0 whatever the targets say: they are
reported, not asserted (timing is machine- and load-dependent).
"""
import os
import sys

from results_csv import JOURNAL_MESSAGES, JOURNAL_TARGETED, MESSAGES, METHODS, rows

LABELS = {
    "watchdog": '`sd_notify(0, "WATCHDOG=1")`',
    "status": "`sd_notify(0, \"STATUS=…\")`, 110 bytes",
    "fd": "`sd_pid_notify_with_fds()`, 1 fd",
    "journal_print": '`sd_journal_print(LOG_INFO, "hello %d", i)`',
    "journal_print_loc": "the same, with the header's location (`sd_journal_print_with_location`)",
    "journal_send": "`sd_journal_send()`, 5 fields",
    "journal_sendv": "`sd_journal_sendv()`, 5 iovecs",
}



def kib(n):
    n = int(n)
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1048576:.2f} MiB"


def journal_section(w, journal, per_call, ratios, insn, sysc, targets):
    """The journal's tables, and its three targets (over JOURNAL_TARGETED)."""
    targeted = [m for m in journal if m in JOURNAL_TARGETED]
    others = [m for m in journal if m not in JOURNAL_TARGETED]

    def worst(values, pick, m_list):
        v = [(values[m], m) for m in m_list if m in values]
        return pick(v) if v else (float("nan"), "")

    if all((m, "floor") in per_call for m in journal):
        r0 = per_call[(journal[0], "floor")]
        w(f"**Journal, time per call** — ns, median over {r0['rounds']} interleaved rounds of {r0['batch']} calls "
          "per method (p10–p90), in the same run and the same rounds as the notify messages. The floor is one "
          "`sendmsg` of exactly the bytes the libraries send (encoded in advance, `SYSLOG_IDENTIFIER=` included, "
          "one iovec) on a socket made once and kept, to `/run/systemd/journal/socket`; every datagram is checked "
          "on arrival. `sd_journal_print` is called as compiled with `SD_JOURNAL_SUPPRESS_LOCATION`; the "
          "location form is what the header's macro makes of the same call by default.")
        w("")
        w("| call | floor | sdlite | libsystemd | sdlite / floor | libsystemd / floor | libsystemd / sdlite |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        sf_of, speed_of = {}, {}
        for m in journal:
            cells = []
            for k in METHODS:
                r = per_call[(m, k)]
                cells.append(f"{float(r['median_ns']):.0f} ({float(r['p10_ns']):.0f}–{float(r['p90_ns']):.0f})")
            sf = float(ratios[(m, "sdlite/floor")]["median"])
            lf = float(ratios[(m, "libsystemd/floor")]["median"])
            sl = float(ratios[(m, "sdlite/libsystemd")]["median"])
            sf_of[m], speed_of[m] = sf, 1 / sl
            w(f"| {LABELS[m]} | " + " | ".join(cells) + f" | {sf:.3f} | {lf:.3f} | {1 / sl:.2f}× |")
        w("")
        wf, wfm = worst(sf_of, max, targeted)
        ws, wsm = worst(speed_of, min, targeted)
        extra = "".join(f"; with location {sf_of[m]:.3f}" for m in others if m in sf_of)
        targets.append(("journal: time per call ≤ 1.05 × the floor", f"{wf:.3f} ({wfm}){extra}", wf <= 1.05))
        extra = "".join(f"; with location {speed_of[m]:.2f}×" for m in others if m in speed_of)
        targets.append(("journal: faster than libsystemd per call", f"{ws:.2f}× ({wsm}){extra}", ws > 1.0))

    if all((m, "floor") in insn and (m, "floor") in sysc for m in journal):
        w("**Journal, instructions and system calls per call** — user-space instructions under callgrind (the "
          "inclusive cost of the entry function: `sd_journal_print`, `sd_journal_print_with_location`, "
          "`sd_journal_send`, `sd_journal_sendv`, or the floor's own function, formatting included), and system "
          "calls per call after the first under strace, both averaged over many calls.")
        w("")
        w("| call | instructions: floor | sdlite | libsystemd | sdlite / libsystemd | syscalls: floor | sdlite | libsystemd |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        spc = {}
        for m in journal:
            i = [insn[(m, k)] for k in METHODS]
            s = [float(sysc[(m, k)]["syscalls_per_call"]) for k in METHODS]
            spc[m] = s[1]
            w(f"| {LABELS[m]} | {i[0]:.0f} | {i[1]:.0f} | {i[2]:.0f} | {i[1] / i[2]:.2f} | "
              f"{s[0]:g} | {s[1]:g} | {s[2]:g} |")
        w("")
        m0 = journal[0]
        w("System calls of one call after the first, and of the process's first call (where the socket is made):")
        w("")
        for k in METHODS:
            r = sysc[(m0, k)]
            first = r.get("first_call_syscalls") or "?"
            w(f"- {k}: {r['syscalls']} (first call: {first})")
        w("")
        bad = [m for m in targeted if m in spc and spc[m] != 1]
        wm = max(targeted, key=lambda m: abs(spc.get(m, 1) - 1))
        targets.append(("journal: 1 system call per call after the first",
                        f"{spc.get(wm, float('nan')):g} ({'every call' if not bad else wm})", not bad))


def main():
    d = sys.argv[1]
    md_path = sys.argv[2] if len(sys.argv) > 2 else None
    per_call = {(r["message"], r["method"]): r for r in rows(d, "per-call.csv")}
    ratios = {(r["message"], r["ratio"]): r for r in rows(d, "ratios.csv")}
    insn = {(r["message"], r["method"]): float(r["instructions_per_call"]) for r in rows(d, "instructions.csv")}
    sysc = {(r["message"], r["method"]): r for r in rows(d, "syscalls.csv")}
    load = {r["library"]: r for r in rows(d, "load.csv")}
    files = rows(d, "files.csv")
    hyper = {r["command"]: r for r in rows(d, "hyperfine.csv")}
    machine = open(os.path.join(d, "machine.txt")).read().strip() if os.path.exists(os.path.join(d, "machine.txt")) else ""
    journal = [m for m in JOURNAL_MESSAGES if (m, "floor") in per_call or (m, "floor") in insn]

    out = []
    w = out.append
    w("### Benchmark results")
    w("")
    w("Reproduce with `bench/run.sh` (builds everything and runs in a few minutes; `--quick` for a rough run).")
    w("Measured on:")
    w("")
    w("```")
    w(machine)
    w("```")
    w("")

    targets = []  # (target, measured, ok)

    if per_call:
        r0 = next(iter(per_call.values()))
        w(f"**Time per call** — ns, median over {r0['rounds']} interleaved rounds of {r0['batch']} calls per "
          "method (p10–p90 in brackets); ratios are medians of each round's ratio. The floor is "
          "`socket` + `sendmsg` + `close` to an address prepared in advance.")
        w("")
        w("| message | floor | sdlite | libsystemd | sdlite / floor | libsystemd / floor | libsystemd / sdlite |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        worst_floor, worst_speed = 0.0, 1e9
        for m in [m for m in MESSAGES if (m, "floor") in per_call]:
            cells = []
            for k in METHODS:
                r = per_call[(m, k)]
                cells.append(f"{float(r['median_ns']):.0f} ({float(r['p10_ns']):.0f}–{float(r['p90_ns']):.0f})")
            sf = float(ratios[(m, "sdlite/floor")]["median"])
            lf = float(ratios[(m, "libsystemd/floor")]["median"])
            sl = float(ratios[(m, "sdlite/libsystemd")]["median"])
            worst_floor = max(worst_floor, sf)
            worst_speed = min(worst_speed, 1 / sl)
            w(f"| {LABELS[m]} | " + " | ".join(cells) + f" | {sf:.3f} | {lf:.3f} | {1 / sl:.2f}× |")
        w("")
        targets.append(("time per call ≤ 1.05 × the floor", f"{worst_floor:.3f} (worst message)", worst_floor <= 1.05))
        targets.append(("at least 1.25 × faster than libsystemd", f"{worst_speed:.2f}× (worst message)", worst_speed >= 1.25))

    if insn:
        w("**Instructions and system calls per call** — user-space instructions under callgrind (the "
          "entry function's inclusive cost: `sd_notify`, `sd_pid_notify_with_fds`, or the floor's own "
          "function), and system calls under strace, both averaged over many calls.")
        w("")
        w("| message | instructions: floor | sdlite | libsystemd | sdlite / libsystemd | syscalls: floor | sdlite | libsystemd |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        worst_i, worst_s = 0.0, 0.0
        for m in [m for m in MESSAGES if (m, "floor") in insn]:
            i = [insn[(m, k)] for k in METHODS]
            s = [float(sysc[(m, k)]["syscalls_per_call"]) for k in METHODS]
            ratio = i[1] / i[2]
            worst_i = max(worst_i, ratio)
            worst_s = max(worst_s, s[1])
            w(f"| {LABELS[m]} | {i[0]:.0f} | {i[1]:.0f} | {i[2]:.0f} | {ratio:.2f} | "
              f"{s[0]:g} | {s[1]:g} | {s[2]:g} |")
        w("")
        w("System calls of one `sd_notify`:")
        w("")
        for k in METHODS:
            w(f"- {k}: {sysc[('watchdog', k)]['syscalls']}")
        w("")
        targets.append(("≤ 3 system calls per call", f"{worst_s:g}", worst_s <= 3))
        targets.append(("≤ half of libsystemd's instructions", f"{worst_i:.2f} × (worst message)", worst_i <= 0.5))

    if journal:
        journal_section(w, journal, per_call, ratios, insn, sysc, targets)

    if load:
        r0 = next(iter(load.values()))
        w(f"**Load cost** — a process that loads the library and calls `sd_notify` once "
          f"(spawn to exit, median of {r0['rounds']} interleaved rounds, p10–p90), the same library "
          "`dlopen`ed by a fresh process: time, resident memory and shared objects it adds, and file "
          "sizes (bytes loaded: the library and every object it brought in).")
        w("")
        hdr = "| library | process, µs | ratio to trivial | dlopen, µs | RSS added | objects added | library file | bytes loaded |"
        if hyper:
            hdr += " hyperfine, µs (median ± σ) |"
        w(hdr)
        w("|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if hyper else ""))
        for name, r in load.items():
            line = (f"| {name} | {float(r['process_us_median']):.0f} ({float(r['process_us_p10']):.0f}–"
                    f"{float(r['process_us_p90']):.0f}) | {float(r['ratio_vs_trivial_median']):.3f} | "
                    f"{float(r['dlopen_us_median']):.0f} | {float(r['rss_added_kb_median']):.0f} KiB | "
                    f"{r['objects_added']} | {kib(r['lib_bytes'])} | {kib(r['bytes_added'])} |")
            if hyper and name in hyper:
                h = hyper[name]
                line += f" {float(h['median']) * 1e6:.0f} ± {float(h['stddev']) * 1e6:.0f} |"
            w(line)
        w("")
        if files:
            deps = [f for f in files if f["library"] == "libsystemd"]
            if deps:
                w("libsystemd's objects (ldd): " + ", ".join(
                    f"{os.path.basename(f['file'])} {kib(f['bytes'])}" for f in deps) + ".")
                w("")
        s = load.get("sdlite")
        if s:
            ratio = float(s["ratio_vs_trivial_median"])
            lr = float(load["libsystemd"]["ratio_vs_trivial_median"]) if "libsystemd" in load else float("nan")
            targets.append(("loading ≤ 1.1 × the trivial library", f"{ratio:.3f} (libsystemd {lr:.3f})", ratio <= 1.1))
            targets.append(("one shared object added", f"{s['objects_added']} (libsystemd "
                            f"{load['libsystemd']['objects_added'] if 'libsystemd' in load else '?'})",
                            int(s["objects_added"]) == 1))
            targets.append(("library file ≤ 128 KiB", kib(s["lib_bytes"]), int(s["lib_bytes"]) <= 131072))

    if targets:
        w("**Targets** (same machine, same run):")
        w("")
        w("| target | measured | |")
        w("|---|---|---|")
        for t, m, ok in targets:
            w(f"| {t} | {m} | {'PASS' if ok else 'MISS'} |")
        w("")

    text = "\n".join(out)
    print(text)
    if md_path:
        with open(md_path, "w") as f:
            f.write(text + "\n")
        print(f"\nwritten: {md_path}")


if __name__ == "__main__":
    main()
