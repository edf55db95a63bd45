"""sdlite.daemon against a real notify socket: the bytes, the passed fds and the credentials
that arrive, the keyword form, the barrier, the watchdog and the asyncio heartbeat."""
from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import pytest

import sdlite
from sdlite import daemon

from conftest import Receiver


def test_expected_backend():
    want = os.environ.get("SDLITE_TEST_EXPECT_BACKEND")
    if want:
        assert sdlite.backend == want, (sdlite.backend, sdlite.library, sdlite.backend_notes)
    assert (sdlite.library is None) == (sdlite.backend == "python")


def test_bytes_arrive(receiver):
    assert daemon.notify("READY=1\nSTATUS=serving \u00e9") is True
    msg, fds, creds = receiver.recv()
    assert msg == "READY=1\nSTATUS=serving \u00e9".encode()
    assert fds == []
    assert creds is not None and creds[0] == os.getpid()


def test_empty_message_is_sent(receiver):
    assert daemon.notify("") is True
    assert receiver.recv()[0] == b""


def test_large_message(receiver):
    big = "STATUS=" + "x" * 300_000  # over the default send buffer: the library grows it
    receiver.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    assert daemon.notify(big) is True
    assert receiver.recv()[0] == big.encode()


def test_abstract_socket(tmp_path, monkeypatch):
    r = Receiver(f"sdlite-test-{os.getpid()}", abstract=True)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", r.env)
        assert daemon.notify("READY=1")
        assert r.recv()[0] == b"READY=1"
    finally:
        r.close()


def test_keyword_form(receiver):
    assert daemon.notify(READY=1, STATUS="up and running", ERRNO=0, X_FLAG=True, X_OFF=False)
    assert receiver.recv()[0] == b"READY=1\nSTATUS=up and running\nERRNO=0\nX_FLAG=1\nX_OFF=0"
    assert daemon.notify("STATUS=first", WATCHDOG=1)
    assert receiver.recv()[0] == b"STATUS=first\nWATCHDOG=1"


@pytest.mark.parametrize("kw,exc", [
    ({"ready": 1}, ValueError),
    ({"STATUS": "two\nlines"}, ValueError),
    ({"STATUS": b"bytes"}, TypeError),
    ({"STATUS": 1.5}, TypeError),
])
def test_keyword_form_errors(receiver, kw, exc):
    with pytest.raises(exc):
        daemon.notify(**kw)
    assert not receiver.pending()


def test_no_status_at_all():
    with pytest.raises(TypeError):
        daemon.notify()


def test_fds_arrive(receiver, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"hello")
    fd = os.open(path, os.O_RDONLY)
    r, w = os.pipe()
    try:
        assert daemon.notify("FDSTORE=1\nFDNAME=two", fds=[fd, w]) is True
        msg, fds, _ = receiver.recv()
        assert msg == b"FDSTORE=1\nFDNAME=two"
        assert len(fds) == 2
        assert os.path.samestat(os.fstat(fds[0]), os.fstat(fd))
        assert os.path.samestat(os.fstat(fds[1]), os.fstat(w))
        os.write(fds[1], b"through the passed fd")
        assert os.read(r, 100) == b"through the passed fd"
        for f in fds:
            os.close(f)
    finally:
        for f in (fd, r, w):
            os.close(f)


def test_empty_fd_list_sends(receiver):
    assert daemon.notify("FDSTORE=1", fds=[]) is True
    msg, fds, _ = receiver.recv()
    assert (msg, fds) == (b"FDSTORE=1", [])


def test_pid_credentials(receiver):
    assert daemon.notify("X=own", pid=os.getpid())
    assert receiver.recv()[2][0] == os.getpid()
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    # on behalf of another pid: sent as that pid where the kernel allows (root), else as ours
    assert daemon.notify("X=other", pid=1)
    msg, _, creds = receiver.recv()
    assert msg == b"X=other"
    assert creds[0] == (1 if os.geteuid() == 0 else os.getpid())


def test_unset_environment(receiver):
    assert daemon.notify("READY=1", True) is True
    assert receiver.recv()[0] == b"READY=1"
    assert "NOTIFY_SOCKET" not in os.environ
    assert daemon.notify("READY=1") is False  # the C environment has lost it too


def test_no_fd_leak(receiver):
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(200):
        daemon.notify("WATCHDOG=1")
        assert receiver.recv()[0] == b"WATCHDOG=1"
    assert len(os.listdir("/proc/self/fd")) == before


def test_barrier(receiver):
    def manager():
        _msg, fds, _ = receiver.recv()
        for fd in fds:
            os.close(fd)

    t = threading.Thread(target=manager)
    t.start()
    assert daemon.notify_barrier(5) is True
    t.join()


def test_barrier_timeout(receiver):
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        daemon.notify_barrier(0.2)  # nobody closes the fd
    assert 0.15 < time.monotonic() - t0 < 3
    msg, fds, _ = receiver.recv()
    assert msg == b"BARRIER=1" and len(fds) == 1
    os.close(fds[0])


def test_barrier_without_manager(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert daemon.notify_barrier() is False
    with pytest.raises(ValueError):
        daemon.notify_barrier(-1)


def test_watchdog_enabled(monkeypatch):
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert daemon.watchdog_enabled() is None
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    assert daemon.watchdog_enabled() == 2.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert daemon.watchdog_enabled() == 2.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert daemon.watchdog_enabled() is None  # another process's watchdog
    monkeypatch.setenv("WATCHDOG_USEC", "garbage")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    with pytest.raises(OSError):
        daemon.watchdog_enabled()
    monkeypatch.setenv("WATCHDOG_USEC", "500000")
    assert daemon.watchdog_enabled(unset_environment=True) == 0.5
    assert "WATCHDOG_USEC" not in os.environ and "WATCHDOG_PID" not in os.environ
    assert daemon.watchdog_enabled() is None


def test_heartbeat_follows_the_loop(receiver, monkeypatch):
    """WATCHDOG=1 at every half period while the loop runs, none while it is blocked."""
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # beat every 0.1 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    arrivals = []
    stop = threading.Event()

    def manager():
        while not stop.is_set():
            try:
                msg, _, _ = receiver.recv(timeout=0.05)
            except socket.timeout:
                continue
            arrivals.append((time.monotonic(), msg))

    t = threading.Thread(target=manager)
    t.start()
    n = 0

    def status():
        nonlocal n
        n += 1
        return f"beat {n}"

    async def main():
        task = asyncio.create_task(daemon.heartbeat(status))
        await asyncio.sleep(0.55)
        blocked_at = time.monotonic()
        time.sleep(0.5)  # the loop is stuck: no heartbeat may go out
        await asyncio.sleep(0.25)
        task.cancel()
        return blocked_at

    blocked_at = asyncio.run(main())
    stop.set()
    t.join()
    times = [a for a, _ in arrivals]
    assert all(m.startswith(b"WATCHDOG=1\nSTATUS=beat ") for _, m in arrivals), arrivals
    before = [a for a in times if a < blocked_at]
    assert len(before) >= 4, times  # 6 expected at 0.1 s in 0.55 s; slack for a loaded machine
    during = [a for a in times if blocked_at + 0.05 < a < blocked_at + 0.45]
    assert during == [], "heartbeats went out while the loop was blocked"
    assert any(a > blocked_at + 0.5 for a in times), "no heartbeat after the loop recovered"


def test_heartbeat_without_watchdog(monkeypatch):
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    asyncio.run(asyncio.wait_for(daemon.heartbeat(), 2))  # returns at once
