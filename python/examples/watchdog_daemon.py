#!/usr/bin/env python3
"""watchdog_daemon.py -- the seed's daemon on sdlite.daemon: a Type=notify service whose event
loop (asyncio) sends WATCHDOG=1 every WATCHDOG_USEC/2, and systemd restarts it when the loop
gets stuck.

    [Service]
    Type=notify
    NotifyAccess=main
    WatchdogSec=10
    Restart=always
    ExecStart=/usr/bin/python3 /path/to/watchdog_daemon.py

STUCK_AFTER_SEC=N makes the loop get stuck N seconds after READY=1, and SIGUSR1 at once (a
blocking call inside a coroutine, as in the seed), so the heartbeats stop and the watchdog
fires. STARTUP_DELAY_MS waits before READY=1. Needs only `pip install sdlite`.
"""
import asyncio
import os
import signal
import sys
import time

import sdlite
from sdlite import daemon

NAME = "sdlite-python"


def say(msg: str) -> None:
    print(f"{NAME}[{os.getpid()}]: {msg}", file=sys.stderr, flush=True)


async def main() -> None:
    stuck_after = float(os.environ.get("STUCK_AFTER_SEC") or "inf")
    delay_ms = int(os.environ.get("STARTUP_DELAY_MS") or 0)
    say(f"backend {sdlite.backend} ({sdlite.library or 'pure Python'})")
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)

    period = daemon.watchdog_enabled()
    beats = 0

    def status() -> str:
        nonlocal beats
        beats += 1
        return f"{NAME}: alive, heartbeat {beats}"

    hb = f"heartbeat every {period / 2:.3f} s" if period else "no watchdog"
    daemon.notify(READY=1, STATUS=f"{NAME}: ready, {hb}")
    say(f"READY=1 sent ({hb})")
    heart = asyncio.create_task(daemon.heartbeat(status))

    stuck = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, stuck.set)
    try:
        await asyncio.wait_for(stuck.wait(), None if stuck_after == float("inf") else stuck_after)
        why = "SIGUSR1"
    except asyncio.TimeoutError:
        why = f"STUCK_AFTER_SEC={stuck_after:g}"
    daemon.notify(STATUS=f"{NAME}: stuck on purpose after {beats} heartbeats ({why})")
    say("stuck: the loop blocks, no more WATCHDOG=1")
    while True:
        time.sleep(3600)  # blocks the event loop, and with it the heartbeat task
    await heart


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(main())
