#!/usr/bin/python3
"""Plots ns per call for the floor, sdlite and libsystemd from bench/results/per-call.csv.

usage: plot.py RESULTS_DIR OUT.png      (Debian's python3 with python3-matplotlib)

Bars are medians, whiskers p10..p90; the label over each library bar is its ratio to the floor
(the median of the per-round ratios, from ratios.csv). With instructions.csv present, a second
panel shows instructions per call. OUT.png shows the notify messages; when the run measured the
journal calls too, journal-ns-per-call.png next to it shows those; when it measured sd-login,
login-ns-per-call.png (time per call only: its instructions span 100 to 60 000).
"""
import os
import sys

from results_csv import JOURNAL_MESSAGES, LOGIN_CALLS, MESSAGES, METHODS, rows

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"floor": "#9e9e9e", "sdlite": "#2e7d32", "libsystemd": "#c62828"}
TITLES = {
    "watchdog": 'sd_notify\n"WATCHDOG=1"',
    "status": 'sd_notify\n"STATUS=…" (110 B)',
    "fd": "sd_pid_notify_with_fds\n1 fd",
    "journal_print": 'sd_journal_print\n"hello %d"',
    "journal_print_loc": "sd_journal_print\n+ location (default)",
    "journal_send": "sd_journal_send\n5 fields",
    "journal_sendv": "sd_journal_sendv\n5 iovecs",
    "login_pid_unit": "sd_pid_get\n_unit(0)",
    "login_pid_slice": "sd_pid_get\n_slice(0)",
    "login_pid_cgroup": "sd_pid_get\n_cgroup(0)",
    "login_peer_unit": "sd_peer_get\n_unit",
    "login_uid_state": "sd_uid_get\n_state",
    "login_session_uid": "sd_session\n_get_uid",
    "login_session_active": "sd_session\n_is_active",
    "login_uid_seats": "sd_uid_get\n_seats",
    "login_uid_state_none": "no logind:\nuid_get_state",
    "login_session_uid_none": "no logind:\nget_uid",
    "login_session_active_none": "no logind:\nis_active",
    "login_uid_seats_none": "no logind:\nuid_get_seats",
}
SUPTITLES = {
    "notify": "sdlite vs libsystemd 252 vs the floor (socket + sendmsg + close)",
    "journal": "sdlite vs libsystemd 252 vs the floor (one sendmsg of the same bytes on a kept socket)",
    "login": "sd-login: sdlite vs libsystemd 252 vs the floor (open + read + close of the file; no logind: the open)",
}


def plot(messages, per_call, ratios, insn, machine, suptitle, png, per_message=2.1):
    insn = {k: v for k, v in insn.items() if k[0] in messages}
    panels = 2 if insn else 1
    fig, axes = plt.subplots(1, panels, figsize=(max(6.5, per_message * len(messages)) * panels, 4.8), squeeze=False)
    width = 0.26
    x = range(len(messages))

    ax = axes[0][0]
    top = 0.0
    for j, k in enumerate(METHODS):
        med = [float(per_call[(m, k)]["median_ns"]) for m in messages]
        lo = [med[i] - float(per_call[(m, k)]["p10_ns"]) for i, m in enumerate(messages)]
        hi = [float(per_call[(m, k)]["p90_ns"]) - med[i] for i, m in enumerate(messages)]
        xs = [i + (j - 1) * width for i in x]
        ax.bar(xs, med, width, yerr=[lo, hi], capsize=3, color=COLORS[k], label=k,
               error_kw={"elinewidth": 0.8, "ecolor": "#424242"})
        for i, m in enumerate(messages):
            top = max(top, med[i] + hi[i])
            if k != "floor" and (m, f"{k}/floor") in ratios:
                ax.text(xs[i], med[i] * 0.5, f"{ratios[(m, f'{k}/floor')]:.2f}×\nfloor",
                        ha="center", va="center", fontsize=8, color="white", fontweight="bold")
    r0 = per_call[(messages[0], "floor")]
    ax.set_title(f"Time per call (median of {r0['rounds']} rounds, whiskers p10–p90)", fontsize=10)
    ax.set_ylabel("ns per call")
    ax.set_xticks(list(x))
    ax.set_xticklabels([TITLES[m] for m in messages], fontsize=9)
    ax.set_ylim(0, top * 1.08)
    ax.legend(loc="upper left", fontsize=9, ncol=3)
    ax.grid(axis="y", alpha=0.3)

    if insn:
        ax = axes[0][1]
        for j, k in enumerate(METHODS):
            vals = [insn[(m, k)] for m in messages]
            xs = [i + (j - 1) * width for i in x]
            ax.bar(xs, vals, width, color=COLORS[k], label=k)
            for i, v in enumerate(vals):
                ax.text(xs[i], v, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
        ax.set_title("User-space instructions per call (callgrind)", fontsize=10)
        ax.set_ylabel("instructions per call")
        ax.set_xticks(list(x))
        ax.set_xticklabels([TITLES[m] for m in messages], fontsize=9)
        ax.legend(loc="upper left", fontsize=9, ncol=3)
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylim(0, max(insn.values()) * 1.15)

    fig.suptitle(suptitle, fontsize=11)
    if machine:
        fig.text(0.5, 0.01, machine, ha="center", fontsize=7, color="#616161")
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main():
    d, png = sys.argv[1], sys.argv[2]
    per_call = {(r["message"], r["method"]): r for r in rows(d, "per-call.csv")}
    ratios = {(r["message"], r["ratio"]): float(r["median"]) for r in rows(d, "ratios.csv")}
    insn = {(r["message"], r["method"]): float(r["instructions_per_call"]) for r in rows(d, "instructions.csv")}
    machine = ""
    mp = os.path.join(d, "machine.txt")
    if os.path.exists(mp):
        info = dict(line.split(": ", 1) for line in open(mp).read().splitlines() if ": " in line)
        machine = f"{info.get('cpu', '')}, {info.get('kernel', '')}; {info.get('libsystemd', '')}"
        if info.get("note"):
            machine += f"; {info['note']}"

    plot(MESSAGES, per_call, ratios, insn, machine, SUPTITLES["notify"], png)
    journal = [m for m in JOURNAL_MESSAGES if (m, "floor") in per_call]
    if journal:
        plot(journal, per_call, ratios, insn, machine, SUPTITLES["journal"],
             os.path.join(os.path.dirname(png) or ".", "journal-ns-per-call.png"))
    per_call.update({(r["message"], r["method"]): r for r in rows(d, "login-per-call.csv")})
    ratios.update({(r["message"], r["ratio"]): float(r["median"]) for r in rows(d, "login-ratios.csv")})
    login = [m for m in LOGIN_CALLS if (m, "floor") in per_call]
    if login:
        plot(login, per_call, ratios, {}, machine, SUPTITLES["login"],
             os.path.join(os.path.dirname(png) or ".", "login-ns-per-call.png"), per_message=1.3)


if __name__ == "__main__":
    main()
