"""What bench/run.sh writes to bench/results/, read back by report.py and plot.py."""

import csv
import os

METHODS = ["floor", "sdlite", "libsystemd"]
# sd_notify's messages, and the journal calls (measured only when run.sh could run the journal
# part: root, a private mount namespace)
MESSAGES = ["watchdog", "status", "fd"]
JOURNAL_MESSAGES = ["journal_print", "journal_print_loc", "journal_send", "journal_sendv"]
# the calls the journal's targets apply to (issue 10); journal_print_loc, the header macro's
# default form of sd_journal_print, is reported beside them
JOURNAL_TARGETED = ["journal_print", "journal_send", "journal_sendv"]
# sd-login's calls (bench/login-bench.c, measured when run.sh could run the sd-login part: root, a
# private mount namespace): the process calls over /proc/self/cgroup, the state calls over a
# synthetic /run/systemd, and the same state calls where logind never ran (_none)
LOGIN_PROCESS = ["login_pid_unit", "login_pid_slice", "login_pid_cgroup", "login_peer_unit"]
LOGIN_STATE = ["login_uid_state", "login_session_uid", "login_session_active", "login_uid_seats"]
LOGIN_NONE = [c + "_none" for c in LOGIN_STATE]
LOGIN_CALLS = LOGIN_PROCESS + LOGIN_STATE + LOGIN_NONE


def rows(d, name):
    """The rows of results CSV `name` in directory `d`, as dicts; [] when it was not written."""
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return []
    with open(p, newline="") as f:
        return list(csv.DictReader(f))
