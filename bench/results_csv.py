"""What bench/run.sh writes to bench/results/, read back by report.py and plot.py."""

import csv
import os

METHODS = ["floor", "sdlite", "libsystemd"]
MESSAGES = ["watchdog", "status", "fd"]


def rows(d, name):
    """The rows of results CSV `name` in directory `d`, as dicts; [] when it was not written."""
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return []
    with open(p, newline="") as f:
        return list(csv.DictReader(f))
