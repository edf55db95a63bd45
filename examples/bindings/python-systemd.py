#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""python-systemd.py -- an unmodified user of python-systemd's systemd.daemon (Debian:
python3-systemd, a C extension linked against libsystemd.so.0). Nothing here knows about
sdlite: the unit points the loader at it,

    Environment=LD_LIBRARY_PATH=/path/to/sdlite/lib

and the extension's sd_notify()/sd_pid_notify_with_fds()/sd_booted() are sdlite's.
READY=1 + STATUS= after STARTUP_DELAY_MS (default 1500), one fd into the service manager's fd
store (FDSTORE=1, needs FileDescriptorStoreMax=), then WATCHDOG=1 + STATUS= every
WATCHDOG_USEC/2 (the module has no sd_watchdog_enabled, so the interval comes from the
environment)."""
import os
import sys
import time

from systemd import daemon

usec = int(os.environ.get("WATCHDOG_USEC") or sys.exit("WATCHDOG_USEC is not set: run me with WatchdogSec="))
time.sleep(int(os.environ.get("STARTUP_DELAY_MS", "1500")) / 1000)
if not daemon.notify("READY=1\nSTATUS=python-systemd: ready"):
    sys.exit("notify(READY=1) failed")
print(f"ready, booted={daemon.booted()}, heartbeat every {usec / 2e6} s", flush=True)
r, w = os.pipe()
stored = daemon.notify("FDSTORE=1\nFDNAME=python-systemd", fds=[r])
print(f"fd store: {stored}", flush=True)
n = 0
while True:
    time.sleep(usec / 2e6)
    n += 1
    if not daemon.notify(f"WATCHDOG=1\nSTATUS=python-systemd: heartbeat {n}"):
        sys.exit("notify(WATCHDOG=1) failed")
