#!/usr/bin/python3
"""Turns bench/results/*.csv (written by bench/run.sh) into the tables and the targets' PASS/MISS.

usage: report.py RESULTS_DIR [RESULTS_MD]

Prints the tables and the targets on stdout and, given RESULTS_MD, writes them there as Markdown
(bench/RESULTS.md, to paste into the README). Exit status 0 whatever the targets say: they are
reported, not asserted (timing is machine- and load-dependent).
"""
import os
import sys

from results_csv import (JOURNAL_MESSAGES, JOURNAL_TARGETED, LOGIN_CALLS, LOGIN_NONE, LOGIN_PROCESS, MESSAGES,
                         METHODS, rows)

LABELS = {
    "watchdog": '`sd_notify(0, "WATCHDOG=1")`',
    "status": "`sd_notify(0, \"STATUS=…\")`, 110 bytes",
    "fd": "`sd_pid_notify_with_fds()`, 1 fd",
    "journal_print": '`sd_journal_print(LOG_INFO, "hello %d", i)`',
    "journal_print_loc": "the same, with the header's location (`sd_journal_print_with_location`)",
    "journal_send": "`sd_journal_send()`, 5 fields",
    "journal_sendv": "`sd_journal_sendv()`, 5 iovecs",
    "login_pid_unit": "`sd_pid_get_unit(0)`",
    "login_pid_slice": "`sd_pid_get_slice(0)`",
    "login_pid_cgroup": "`sd_pid_get_cgroup(0)`",
    "login_peer_unit": "`sd_peer_get_unit()`, a socketpair",
    "login_uid_state": "`sd_uid_get_state(getuid())`",
    "login_session_uid": "`sd_session_get_uid(\"2\")`",
    "login_session_active": "`sd_session_is_active(\"2\")`",
    "login_uid_seats": "`sd_uid_get_seats(uid, 0, NULL)`",
    "login_uid_state_none": "no logind: `sd_uid_get_state`",
    "login_session_uid_none": "no logind: `sd_session_get_uid`",
    "login_session_active_none": "no logind: `sd_session_is_active`",
    "login_uid_seats_none": "no logind: `sd_uid_get_seats(uid, 0, NULL)`",
}

# Why each group of sd-login calls costs what it costs beyond the floor: from the system calls
# (strace, in syscalls.csv) and sdlite's callgrind profile (the unstripped twin,
# build/libsystemd-unstripped.so, same code); libsystemd 252 is stripped, so only its system calls
# are named.
LOGIN_WHY = {
    "process": "(`sd_pid_get_unit`, `sd_pid_get_slice`, `sd_peer_get_unit`) both libraries read `/proc/self/cgroup` and then `/proc/1/cgroup` (the root shift 252 makes, "
               "kept), and sdlite `statfs()`s `/sys/fs/cgroup` on every call (twice on a hybrid layout) where 252 "
               "caches the answer per thread; 252 also `fstat()`s each file and makes one `ioctl(TCGETS)` per line "
               "(its line reader's `isatty()`); sdlite's instructions are the line search (`find_path`), the "
               "unit-name checks and the zeroing of its 1 KiB read buffer per file (`rep stosb`, which callgrind "
               "counts per byte)",
    "cgroup": "(`sd_pid_get_cgroup`) one file, no root shift for either library: sdlite's extra system calls are the `statfs()`s, "
              "252's the `fstat()` and one `ioctl(TCGETS)` per line",
    "state": "(the four state calls) both read the whole file (sdlite: `open`, two `read`s, `close`; 252 adds two `fstat()`s) and parse "
             "it as an environment file; sdlite's instructions are its env-file parser (`parse_into`, about half, "
             "~40 per byte of the file), the zeroing of its 1 KiB read buffer (counted per byte), the "
             "UTF-8 check of the value and malloc/free",
    "none": "(no logind) one `open` that fails, as the floor; the rest is making the path and the answer "
            "(`\"offline\"`, 0 seats, `-ENXIO`)",
}


def login_group(c):
    if c == "login_pid_cgroup":
        return "cgroup"
    if c in LOGIN_PROCESS:
        return "process"
    return "none" if c in LOGIN_NONE else "state"



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


def login_section(w, calls, per_call, ratios, insn, sysc, setting, targets):
    """sd-login's tables, one sentence per call, and its targets."""
    timed = [c for c in calls if (c, "floor") in per_call]
    if timed:
        r0 = per_call[(timed[0], "floor")]
        w(f"**sd-login, time per call** — ns, median over {r0['rounds']} interleaved rounds of {r0['batch']} calls "
          "per method (p10–p90), ratios the medians of each round's ratio (`bench/login-bench.c`, in the same run). "
          "The process calls read this process's real `/proc/self/cgroup`"
          + (f" (the benchmark runs in `{setting['cgroup']}`, moved there as systemd places a service: "
             f"unit `{setting.get('unit', '')}`, slice `{setting.get('slice', '')}`)" if setting.get("cgroup") else "")
          + "; the state calls read a synthetic `/run/systemd` (a tmpfs in a private mount namespace; a user file and "
          "a session file as logind 252 writes them, for this uid, with session 2 active on seat0), and the "
          "no-logind rows the same tmpfs without `users/`, `sessions/`, `seats/`, `machines/`. The floor is "
          "`open` + `read` + `close` of the file the call needs (`getsockopt(SO_PEERCRED)` first for the peer), "
          "nothing parsed; without logind, the `open` that fails. Every answer is checked against 252's.")
        w("")
        w("| call | floor | sdlite | libsystemd | sdlite / floor | libsystemd / floor | libsystemd / sdlite |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        for c in timed:
            cells = []
            for k in METHODS:
                r = per_call[(c, k)]
                cells.append(f"{float(r['median_ns']):.0f} ({float(r['p10_ns']):.0f}–{float(r['p90_ns']):.0f})")
            sf = float(ratios[(c, "sdlite/floor")]["median"])
            lf = float(ratios[(c, "libsystemd/floor")]["median"])
            sl = float(ratios[(c, "sdlite/libsystemd")]["median"])
            w(f"| {LABELS[c]} | " + " | ".join(cells) + f" | {sf:.3f} | {lf:.3f} | {1 / sl:.2f}× |")
        w("")
        worst = max(timed, key=lambda c: float(ratios[(c, "sdlite/libsystemd")]["median"]))
        wr = float(ratios[(worst, "sdlite/libsystemd")]["median"])
        targets.append(("sd-login: not slower than libsystemd per call",
                        f"{1 / wr:.2f}× faster ({worst}, the closest)" if wr <= 1 else f"{wr:.2f}× slower ({worst})",
                        wr <= 1.0))

    counted = [c for c in calls if all((c, k) in insn and (c, k) in sysc for k in METHODS)]
    if counted:
        w("**sd-login, instructions and system calls per call** — user-space instructions under callgrind (the "
          "inclusive cost of the benchmark's function for the call, `login_<call>`: the library call and the "
          "`free()` of its string), system calls under strace, both averaged over many calls.")
        w("")
        w("| call | instructions: floor | sdlite | libsystemd | sdlite / libsystemd | syscalls: floor | sdlite | libsystemd |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for c in counted:
            i = [insn[(c, k)] for k in METHODS]
            s = [float(sysc[(c, k)]["syscalls_per_call"]) for k in METHODS]
            w(f"| {LABELS[c]} | {i[0]:.0f} | {i[1]:.0f} | {i[2]:.0f} | {i[1] / i[2]:.2f} | "
              f"{s[0]:g} | {s[1]:g} | {s[2]:g} |")
        w("")
        w("System calls of one call:")
        w("")
        for c in ["login_pid_unit", "login_uid_state", "login_uid_seats_none"]:
            if c in counted:
                w(f"- {LABELS[c]}: " + "; ".join(f"{k}: {sysc[(c, k)]['syscalls']}" for k in METHODS))
        w("")
        worst_i = max(counted, key=lambda c: insn[(c, "sdlite")] / insn[(c, "libsystemd")])
        ri = insn[(worst_i, "sdlite")] / insn[(worst_i, "libsystemd")]
        targets.append(("sd-login: fewer instructions than libsystemd per call", f"{ri:.2f} × ({worst_i}, the closest)",
                        ri < 1.0))
        worst_s = max(counted, key=lambda c: float(sysc[(c, "sdlite")]["syscalls_per_call"])
                      - float(sysc[(c, "libsystemd")]["syscalls_per_call"]))
        ds = float(sysc[(worst_s, "sdlite")]["syscalls_per_call"]) - float(sysc[(worst_s, "libsystemd")]["syscalls_per_call"])
        targets.append(("sd-login: no more system calls than libsystemd per call",
                        f"{float(sysc[(worst_s, 'sdlite')]['syscalls_per_call']):g} vs "
                        f"{float(sysc[(worst_s, 'libsystemd')]['syscalls_per_call']):g} ({worst_s}, the closest)", ds <= 0))
        none = [c for c in counted if c in LOGIN_NONE]
        if none:
            most = max(float(sysc[(c, "sdlite")]["syscalls_per_call"]) for c in none)
            targets.append(("sd-login without logind: 1 system call per call (the open that fails)",
                            f"{most:g} (every call)" if most == 1 else f"{most:g}", most == 1))

    if timed:
        w("What each result says (sdlite against libsystemd 252, then against the floor):")
        w("")
        for c in timed:
            sl = float(ratios[(c, "sdlite/libsystemd")]["median"])
            sf = float(ratios[(c, "sdlite/floor")]["median"])
            ns = [float(per_call[(c, k)]["median_ns"]) for k in METHODS]
            verdict = f"{1 / sl:.2f}× faster" if sl <= 1 else f"sdlite is {sl:.2f}× slower"
            counts = ""
            if c in counted:
                counts = (f"; {insn[(c, 'sdlite')]:.0f} against {insn[(c, 'libsystemd')]:.0f} instructions, "
                          f"{float(sysc[(c, 'sdlite')]['syscalls_per_call']):g} against "
                          f"{float(sysc[(c, 'libsystemd')]['syscalls_per_call']):g} system calls")
            w(f"- {LABELS[c]}: sdlite {ns[1]:.0f} ns, libsystemd {ns[2]:.0f} ns, {verdict}{counts}; "
              f"{sf:.2f} × the floor's {ns[0]:.0f} ns (why: {login_group(c)}, below).")
        w("")
        w("Why, from the system calls (strace) and sdlite's callgrind profile (its unstripped twin, the same "
          "code; 252 is stripped):")
        w("")
        for g in ["process", "cgroup", "state", "none"]:
            if any(login_group(c) == g for c in timed):
                w(f"- {g}: {LOGIN_WHY[g]}.")
        w("")


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
    # sd-login's timings are in files of their own (login-bench writes them); its instructions and
    # system calls are rows of instructions.csv and syscalls.csv
    per_call.update({(r["message"], r["method"]): r for r in rows(d, "login-per-call.csv")})
    ratios.update({(r["message"], r["ratio"]): r for r in rows(d, "login-ratios.csv")})
    login = [c for c in LOGIN_CALLS if (c, "floor") in per_call or (c, "floor") in insn]
    sp = os.path.join(d, "login-setting.txt")
    setting = dict(l.split(": ", 1) for l in open(sp).read().splitlines() if ": " in l) if os.path.exists(sp) else {}

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

    if login:
        login_section(w, login, per_call, ratios, insn, sysc, setting, targets)

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
