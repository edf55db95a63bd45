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


def rows(d, name):
    """The rows of results CSV `name` in directory `d`, as dicts; [] when it was not written."""
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return []
    with open(p, newline="") as f:
        return list(csv.DictReader(f))
