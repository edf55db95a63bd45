"""Shared fixtures of the sdlite package's tests.

Environment the suite (tests/suites/36-python-package.sh) may set:
  SDLITE_TEST_LIBRARY   sdlite's library built from this tree (for the backend-level
                        differential tests, whatever backend the package chose)
  SDLITE_TEST_WHEEL     the platform wheel `make python-wheel` built
  SDLITE_TEST_EXPECT_BACKEND   the backend this run must be on ("bundled", "python", ...)
  CI=true               tests that need root, namespaces or python3-systemd fail instead of
                        skipping
"""
from __future__ import annotations

import array
import os
import socket
import struct
from typing import Iterator, List, Optional, Tuple

import pytest

CI = os.environ.get("CI") == "true"


def skip_or_fail(why: str) -> None:
    if CI:
        pytest.fail(f"cannot run under CI=true: {why}")
    pytest.skip(why)


def need_root() -> None:
    if os.geteuid() != 0:
        skip_or_fail("needs root (private mount namespace)")


@pytest.fixture
def systemd_daemon():
    """Debian's python3-systemd (systemd.daemon), the reference."""
    try:
        from systemd import daemon
    except ImportError:
        skip_or_fail("python3-systemd is not importable (apt-get install python3-systemd)")
    # The reference must run on systemd's library, not ours: a library loaded earlier under
    # the SONAME libsystemd.so.0 would have captured its lookups.
    assert os.path.realpath(SYSTEM_LIBSYSTEMD) in mapped_files(), \
        "python-systemd is not on the system libsystemd (a copy named libsystemd.so.0 was loaded first?)"
    return daemon


SYSTEM_LIBSYSTEMD = os.environ.get("SYSTEM_LIBSYSTEMD", "/usr/lib/x86_64-linux-gnu/libsystemd.so.0")


def mapped_files() -> set:
    with open("/proc/self/maps") as f:
        return {line.split(None, 5)[5].strip() for line in f if len(line.split(None, 5)) == 6}


@pytest.fixture
def sd_library():
    """sdlite's library built from this tree, as a backend object."""
    path = os.environ.get("SDLITE_TEST_LIBRARY")
    if not path:
        import sdlite
        path = sdlite.library if sdlite.backend in ("bundled", "environment") else None
    if not path:
        skip_or_fail("SDLITE_TEST_LIBRARY not set (the suite sets it to build/libsystemd.so.0)")
    from sdlite._clib import Library
    return Library(path)


class Receiver:
    """A datagram socket standing in for the service manager's notify socket."""

    def __init__(self, path: str, abstract: bool = False) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.address = ("\0" + path) if abstract else path
        self.sock.bind(self.address)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.env = ("@" + path) if abstract else path

    def recv(self, timeout: float = 5.0) -> Tuple[bytes, List[int], Optional[Tuple[int, int, int]]]:
        self.sock.settimeout(timeout)
        msg, anc, _flags, _addr = self.sock.recvmsg(1 << 20, socket.CMSG_SPACE(253 * 4) + socket.CMSG_SPACE(12))
        fds: List[int] = []
        creds = None
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(data[:len(data) - len(data) % 4])
                fds += list(a)
            elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                creds = struct.unpack("iII", data[:12])
        return msg, fds, creds

    def pending(self) -> bool:
        self.sock.setblocking(False)
        try:
            self.sock.recv(1, socket.MSG_PEEK)
            return True
        except BlockingIOError:
            return False
        finally:
            self.sock.setblocking(True)

    def drain(self) -> int:
        n = 0
        while self.pending():
            _msg, fds, _ = self.recv()
            for fd in fds:
                os.close(fd)
            n += 1
        return n

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def receiver(tmp_path, monkeypatch) -> Iterator[Receiver]:
    r = Receiver(str(tmp_path / "notify"))
    monkeypatch.setenv("NOTIFY_SOCKET", r.env)
    yield r
    r.close()
