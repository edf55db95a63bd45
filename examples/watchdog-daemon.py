#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""watchdog-daemon.py -- a Type=notify service with a watchdog heartbeat, on sdlite through
ctypes (the standard library only: no compiled module).

    [Service]
    Type=notify
    NotifyAccess=main
    WatchdogSec=10
    Restart=always
    ExecStart=/usr/bin/python3 /path/to/watchdog-daemon.py

It reads the interval with sd_watchdog_enabled(), sends READY=1 and a STATUS= line, then
WATCHDOG=1 every WATCHDOG_USEC/2. With --stuck-after N (or STUCK_AFTER_SEC=N) its loop gets
stuck N seconds after READY=1 (a time.sleep() that never ends), so systemd's watchdog kills and
restarts it. --startup-delay MS (or STARTUP_DELAY_MS) waits before READY=1 (default 0).

The library: $SDLITE_LIB (the full path of a libsystemd.so.0) if set, else
$SDLITE_PREFIX/lib/libsystemd.so.0, else the prefix next to this file's directory
(<checkout>/prefix/lib/libsystemd.so.0, where `make install` puts it). Never the system's
libsystemd, unless you ask: SDLITE_LIB=/usr/lib/x86_64-linux-gnu/libsystemd.so.0 compares.

Exit status: 0 on SIGTERM/SIGINT, 1 bad arguments, 2 library not found or not loadable,
3 an sd_* call failed.
"""
import argparse
import ctypes
import os
import signal
import sys
import time

NAME = "python"


def say(msg):
    print(f"{NAME}[{os.getpid()}]: {msg}", file=sys.stderr, flush=True)


def find_sdlite():
    """The path of sdlite's libsystemd.so.0, or exit 2 naming both ways to give it."""
    lib = os.environ.get("SDLITE_LIB")
    if lib:
        where = f"SDLITE_LIB={lib}"
    else:
        prefix = os.environ.get("SDLITE_PREFIX")
        if prefix:
            where = f"SDLITE_PREFIX={prefix}"
        else:
            here = os.path.dirname(os.path.realpath(__file__))
            prefix = os.path.join(os.path.dirname(here), "prefix")
            where = "no SDLITE_LIB or SDLITE_PREFIX: the checkout's default prefix"
        lib = os.path.join(prefix, "lib", "libsystemd.so.0")
    if not os.path.isfile(lib):
        say(f"sdlite's library not found: {lib} does not exist ({where}).\n"
            "  Either install sdlite (`make install`, or `make install PREFIX=DIR` and set "
            "SDLITE_PREFIX=DIR),\n"
            "  or set SDLITE_LIB to the full path of sdlite's libsystemd.so.0 "
            "(e.g. SDLITE_LIB=<checkout>/build/libsystemd.so.0).\n"
            "  To compare with systemd's own: "
            "SDLITE_LIB=/usr/lib/x86_64-linux-gnu/libsystemd.so.0")
        sys.exit(2)
    return lib


def load(path):
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        say(f"cannot load {path}: {e}")
        sys.exit(2)
    # int sd_notify(int unset_environment, const char *state);
    lib.sd_notify.argtypes = [ctypes.c_int, ctypes.c_char_p]
    lib.sd_notify.restype = ctypes.c_int
    # int sd_watchdog_enabled(int unset_environment, uint64_t *usec);
    lib.sd_watchdog_enabled.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_uint64)]
    lib.sd_watchdog_enabled.restype = ctypes.c_int
    return lib


def notify(lib, state):
    r = lib.sd_notify(0, state.encode())
    if r < 0:
        say(f"sd_notify({state!r}) failed: {os.strerror(-r)}")
        sys.exit(3)
    return r


def env_or(value, var):
    return value if value is not None else os.environ.get(var) or None


def main():
    ap = argparse.ArgumentParser(description="Type=notify watchdog example on sdlite (ctypes)")
    ap.add_argument("--stuck-after", type=float, metavar="SEC",
                    help="get stuck SEC seconds after READY=1 (env STUCK_AFTER_SEC)")
    ap.add_argument("--startup-delay", type=int, metavar="MS",
                    help="wait MS milliseconds before READY=1 (env STARTUP_DELAY_MS)")
    args = ap.parse_args()
    try:
        stuck_after = env_or(args.stuck_after, "STUCK_AFTER_SEC")
        stuck_after = float(stuck_after) if stuck_after is not None else None
        delay_ms = int(env_or(args.startup_delay, "STARTUP_DELAY_MS") or 0)
    except ValueError as e:
        say(f"bad STUCK_AFTER_SEC or STARTUP_DELAY_MS: {e}")
        sys.exit(1)

    # SIGTERM (systemctl stop) ends it cleanly, even while stuck
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))

    path = find_sdlite()
    sd = load(path)
    say(f"using {path}")

    usec = ctypes.c_uint64(0)
    r = sd.sd_watchdog_enabled(0, ctypes.byref(usec))
    if r < 0:
        say(f"sd_watchdog_enabled failed: {os.strerror(-r)}")
        sys.exit(3)
    interval = usec.value / 2 / 1e6 if r > 0 else None
    if interval:
        say(f"watchdog every {usec.value / 1e6:.3f} s: heartbeat every {interval:.3f} s")
    else:
        say("watchdog not enabled (no WATCHDOG_USEC for this pid): no heartbeats")

    if delay_ms:
        say(f"starting up for {delay_ms} ms")
        time.sleep(delay_ms / 1000)

    hb = f"heartbeat every {interval:.3f} s" if interval else "no watchdog"
    if notify(sd, f"READY=1\nSTATUS=python: ready, {hb}") == 0:
        say("NOTIFY_SOCKET is not set: not run by systemd (try sdlite-listen -- ...)")
    else:
        say("sent READY=1")

    ready_at = time.monotonic()
    beats = 0
    next_beat = ready_at + (interval or 0)
    while True:
        now = time.monotonic()
        if stuck_after is not None and now - ready_at >= stuck_after:
            notify(sd, f"STATUS=python: stuck on purpose after {beats} heartbeats "
                       f"(STUCK_AFTER_SEC={stuck_after:g})")
            say(f"stuck after {beats} heartbeats: no more WATCHDOG=1")
            while True:                       # the loop never comes back
                time.sleep(3600)
        wake = next_beat if interval else now + 3600
        if stuck_after is not None:
            wake = min(wake, ready_at + stuck_after)
        if wake > now:
            time.sleep(wake - now)
        if interval and time.monotonic() >= next_beat:
            beats += 1
            notify(sd, f"WATCHDOG=1\nSTATUS=python: alive, heartbeat {beats}")
            next_beat += interval


if __name__ == "__main__":
    main()
