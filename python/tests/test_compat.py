"""Differential tests.

1. sdlite.daemon against python-systemd's systemd.daemon (Debian's python3-systemd, on
   libsystemd 252) in the same process, for a matrix of calls: the same return value, or the
   same exception type (and errno, message and filename where python-systemd sets them).
2. The two sdlite backends against each other at their C-like level (result or -errno): the
   pure-Python one and the library built from this tree, on the same fds and environments,
   vsock addresses and $LISTEN_PIDFDID included (systemd 253+/258+ behaviour, which 252 lacks).
"""
from __future__ import annotations

import ctypes
import errno
import os
import socket
import uuid

import pytest

from sdlite import daemon
from sdlite._pure import Pure

from conftest import Receiver


def outcome(f, *a, **kw):
    try:
        return ("ok", f(*a, **kw))
    except TypeError:
        return ("raise", "TypeError")  # CPython's argument-parsing messages differ in wording
    except OSError as e:
        return ("raise", type(e).__name__, e.errno, e.strerror, e.filename)
    except (ValueError, OverflowError, MemoryError) as e:
        return ("raise", type(e).__name__, str(e))


class Fds:
    """One of each kind of file an sd_is_* check can meet."""

    def __init__(self, tmp_path):
        self.closed = []
        self.pair = socket.socketpair()
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(4)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp_port = self.udp.getsockname()[1]
        try:
            self.tcp6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            self.tcp6.bind(("::1", 0))
            self.port6 = self.tcp6.getsockname()[1]
        except OSError:
            self.tcp6, self.port6 = None, 0
        self.unix_path = str(tmp_path / "unix.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_path)
        self.unix.listen(1)
        self.unix_dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.unix_dgram.bind(str(tmp_path / "dgram.sock"))
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract_name = b"\0sdlite-compat-%d" % os.getpid()
        self.abstract.bind(self.abstract_name)
        self.fifo_path = str(tmp_path / "fifo")
        os.mkfifo(self.fifo_path)
        self.fifo = os.open(self.fifo_path, os.O_RDWR)
        self.file_path = str(tmp_path / "file")
        with open(self.file_path, "w") as f:
            f.write("x")
        self.file = os.open(self.file_path, os.O_RDONLY)
        self.pipe_r, self.pipe_w = os.pipe()
        self.devnull = os.open("/dev/null", os.O_RDONLY)
        self.mq, self.mq_name = self._mq()

    def _mq(self):
        libc = ctypes.CDLL(None, use_errno=True)
        try:
            mq_open = libc.mq_open
        except AttributeError:
            mq_open = ctypes.CDLL("librt.so.1", use_errno=True).mq_open
        mq_open.restype = ctypes.c_int
        mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
        name = b"/sdlite-compat-%d" % os.getpid()
        fd = mq_open(name, os.O_CREAT | os.O_RDWR, 0o600, None)
        self.mq_unlink = libc.mq_unlink if hasattr(libc, "mq_unlink") else None
        if fd < 0:
            return -1, name
        return fd, name

    def all(self):
        out = {
            "pair": self.pair[0].fileno(), "tcp": self.tcp.fileno(), "udp": self.udp.fileno(),
            "unix": self.unix.fileno(), "unix_dgram": self.unix_dgram.fileno(),
            "abstract": self.abstract.fileno(), "fifo": self.fifo, "file": self.file,
            "pipe": self.pipe_r, "devnull": self.devnull, "closed": 999, "negative": -1,
        }
        if self.tcp6 is not None:
            out["tcp6"] = self.tcp6.fileno()
        if self.mq >= 0:
            out["mq"] = self.mq
        return out

    def close(self):
        for s in (self.pair[0], self.pair[1], self.tcp, self.udp, self.unix, self.unix_dgram,
                  self.abstract, self.tcp6):
            if s is not None:
                s.close()
        for fd in (self.fifo, self.file, self.pipe_r, self.pipe_w, self.devnull, self.mq):
            if fd >= 0:
                os.close(fd)
        if self.mq_unlink is not None:
            self.mq_unlink(self.mq_name)


@pytest.fixture
def fds(tmp_path):
    f = Fds(tmp_path)
    yield f
    f.close()


def fd_check_cases(f):
    fams = [socket.AF_UNSPEC, socket.AF_UNIX, socket.AF_INET, socket.AF_INET6, -1, 1000]
    types = [0, socket.SOCK_STREAM, socket.SOCK_DGRAM, -1]
    listenings = [-1, 0, 1, 2]
    cases = []
    for name, fd in f.all().items():
        cases.append(("is_fifo", name, (fd,), {}))
        cases.append(("is_fifo", name, (fd, f.fifo_path), {}))
        cases.append(("is_fifo", name, (fd, "/nonexistent/x"), {}))
        cases.append(("is_fifo", name, (fd, f.file_path + "/x"), {}))
        cases.append(("is_mq", name, (fd,), {}))
        cases.append(("is_mq", name, (fd, "relative"), {}))
        cases.append(("is_mq", name, (fd, f.mq_name.decode()), {}))
        for fam in fams:
            for t in types:
                for lis in listenings:
                    cases.append(("is_socket", name, (fd, fam, t, lis), {}))
        for fam in fams[:4]:
            for port in (0, f.port, f.udp_port, f.port6, 1):
                cases.append(("is_socket_inet", name, (fd, fam, 0, -1, port), {}))
        for t in types:
            for lis in listenings:
                cases.append(("is_socket_inet", name, (fd, 0, t, lis, 0), {}))
                cases.append(("is_socket_unix", name, (fd, t, lis), {}))
        for path in (None, f.unix_path, f.unix_path + "x", f.unix_path[:-1], "", b"/x",
                     os.fsencode(f.unix_path)):
            cases.append(("is_socket_unix", name, (fd, 0, -1, path), {}))
        for addr in ("127.0.0.1", f"127.0.0.1:{f.port}", f"127.0.0.1:{f.udp_port}", "127.0.0.2",
                     f"0.0.0.0:{f.port}", f"[::1]:{f.port6}", "[::1]", f"{f.port}", "lo", f"lo:{f.port}"):
            for t in (0, socket.SOCK_STREAM, socket.SOCK_DGRAM):
                cases.append(("is_socket_sockaddr", name, (fd, addr, t), {}))
            cases.append(("is_socket_sockaddr", name, (fd, addr), {"listening": 1}))
            cases.append(("is_socket_sockaddr", name, (fd, addr), {"listening": 0}))
        cases.append(("is_socket_sockaddr", name, (fd, f"[::1]:{f.port6}"), {"flowinfo": 7}))
    return cases


def test_fd_checks_match_python_systemd(fds, systemd_daemon):
    cases = fd_check_cases(fds)
    diffs = []
    for fname, label, args, kw in cases:
        ours = outcome(getattr(daemon, fname), *args, **kw)
        theirs = outcome(getattr(systemd_daemon, fname), *args, **kw)
        if ours != theirs:
            diffs.append(f"{fname}[{label}]{args[1:]}{kw}: sdlite {ours} != python-systemd {theirs}")
    assert not diffs, "\n".join(diffs[:40])
    assert len(cases) > 1000


# Arguments python-systemd refuses before any C call, and what a file object turns into.
ARG_CASES = [
    ("notify", (b"READY=1",), {}),
    ("notify", ("A\0B",), {}),
    ("notify", ("\udc80",), {}),
    ("notify", (None,), {}),
    ("notify", ("READY=1",), {"pid": -1}),
    ("notify", ("READY=1",), {"pid": 2 ** 31}),
    ("notify", ("READY=1",), {"pid": -2 ** 31 - 1}),
    ("notify", ("READY=1",), {"pid": 2 ** 70}),
    ("notify", ("READY=1",), {"pid": 1.5}),
    ("notify", ("READY=1",), {"pid": "1"}),
    ("notify", ("READY=1",), {"fds": [2 ** 31]}),
    ("notify", ("READY=1",), {"fds": [-2 ** 31 - 1]}),
    ("notify", ("READY=1",), {"fds": [2 ** 63]}),
    ("notify", ("READY=1",), {"fds": ["x"]}),
    ("notify", ("READY=1",), {"fds": [1.0]}),
    ("notify", ("READY=1",), {"fds": 5}),
    ("notify", ("READY=1",), {"fds": {1: 2}}),
    ("notify", ("READY=1",), {"fds": {1}}),
    ("notify", ("READY=1",), {"fds": (x for x in [1])}),
    ("notify", ("READY=1",), {"unset_environment": "yes", "fds": [-1]}),
    ("is_fifo", ("0",), {}),
    ("is_fifo", (2 ** 31,), {}),
    ("is_fifo", (2 ** 80,), {}),
    ("is_fifo", (0, 5), {}),
    ("is_fifo", (0, "a\0b"), {}),
    ("is_fifo", (0, b"a\0b"), {}),
    ("is_fifo", (None,), {}),
    ("_is_fifo", (0,), {"path": None}),
    ("_is_socket", (0,), {"family": 1}),
    ("is_mq", (0, bytearray(b"/q")), {}),
    ("is_socket", (0, "x"), {}),
    ("is_socket_inet", (0,), {"port": 70000}),
    ("is_socket_inet", (0,), {"port": -1}),
    ("is_socket_inet", (-1,), {"port": 70000}),
    ("is_socket_sockaddr", (0, b"127.0.0.1"), {}),
    ("is_socket_sockaddr", (0, "127.0.0.1"), {"flowinfo": 1}),
    ("is_socket_sockaddr", (0, "garbage"), {}),
    ("is_socket_sockaddr", (0, ""), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:0"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:65536"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:-1"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:99999999999"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:99999999999999999999999"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:0x50"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:0120"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4: 80"), {}),
    ("is_socket_sockaddr", (0, "1.2.3.4:80x"), {}),
    ("is_socket_sockaddr", (0, "[::1"), {}),
    ("is_socket_sockaddr", (0, "[::1]x"), {}),
    ("is_socket_sockaddr", (0, "[::1]:"), {}),
    ("is_socket_sockaddr", (0, "[zz]:80"), {}),
    ("is_socket_sockaddr", (0, "01.2.3.4"), {}),
    ("is_socket_sockaddr", (0, "averyveryverylongname"), {}),
    ("is_socket_sockaddr", (0, "-5"), {}),
    ("is_socket_sockaddr", (-1, "127.0.0.1"), {}),
    ("is_socket_unix", (0, 0, -1, 7), {}),
    ("is_socket_unix", (0,), {"path": "a\0b"}),
    ("_listen_fds", (), {"unset_environment": False}),
    ("_listen_fds_with_names", (), {}),
]


@pytest.mark.parametrize("fname,args,kw", ARG_CASES, ids=lambda v: repr(v)[:40])
def test_arguments_match_python_systemd(systemd_daemon, monkeypatch, fname, args, kw):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("LISTEN_PID", raising=False)
    assert outcome(getattr(daemon, fname), *args, **kw) == \
        outcome(getattr(systemd_daemon, fname), *args, **kw)


def test_file_objects_and_paths(fds, systemd_daemon, tmp_path):
    import pathlib
    with open(fds.file_path) as fobj:
        for mod in (daemon, systemd_daemon):
            assert mod.is_fifo(fobj) is False
            assert mod.is_socket(fds.unix) is True
            assert mod.is_socket_unix(fds.unix, path=pathlib.Path(fds.unix_path)) is True
            assert mod.is_fifo(fds.fifo, pathlib.Path(fds.fifo_path)) is True
            assert mod.is_fifo(fds.fifo, os.fsencode(fds.fifo_path)) is True


NOTIFY_SOCKETS = ["", "/", "@", "relative", "./x", "/nonexistent/x", "/dev/null", "@sdlite-nobody-here",
                  "/" + "x" * 107, "/" + "x" * 106, "@" + "x" * 107, "/tmp"]


@pytest.mark.parametrize("value", NOTIFY_SOCKETS)
@pytest.mark.parametrize("how", ["plain", "pid", "fds", "unset"])
def test_notify_errors_match_python_systemd(systemd_daemon, monkeypatch, value, how):
    kw = {"plain": {}, "pid": {"pid": os.getpid()}, "fds": {"fds": [0]},
          "unset": {"unset_environment": True}}[how]
    results = []
    for mod in (daemon, systemd_daemon):
        monkeypatch.setenv("NOTIFY_SOCKET", value)
        results.append(outcome(mod.notify, "READY=1", **kw))
        c_value = ctypes.CDLL(None).getenv
        c_value.restype = ctypes.c_char_p
        results.append(c_value(b"NOTIFY_SOCKET"))
    assert results[0:2] == results[2:4]


def test_notify_delivery_matches_python_systemd(systemd_daemon, receiver):
    for kw in ({}, {"pid": os.getpid()}, {"fds": []}, {"fds": [1, 2]}, {"pid": os.getpid(), "fds": (1,)}):
        got = []
        for mod in (daemon, systemd_daemon):
            assert outcome(mod.notify, "FDSTORE=1\nX=\u00e9", **kw) == ("ok", True)
            msg, fds, creds = receiver.recv()
            got.append((msg, len(fds), creds))
            for fd in fds:
                os.close(fd)
        assert got[0] == got[1], kw


LISTEN_ENVS = [
    {}, {"LISTEN_FDS": "1"}, {"LISTEN_PID": "self"}, {"LISTEN_PID": "self", "LISTEN_FDS": "2"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "0"}, {"LISTEN_PID": "self", "LISTEN_FDS": "-1"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "abc"}, {"LISTEN_PID": "self", "LISTEN_FDS": " 2"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "0x2"}, {"LISTEN_PID": "self", "LISTEN_FDS": "02"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "2 "}, {"LISTEN_PID": "self", "LISTEN_FDS": "99999999999"},
    {"LISTEN_PID": "1", "LISTEN_FDS": "2"}, {"LISTEN_PID": "abc", "LISTEN_FDS": "2"},
    {"LISTEN_PID": "0", "LISTEN_FDS": "2"}, {"LISTEN_PID": "-5", "LISTEN_FDS": "2"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b:c"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "2", "LISTEN_FDNAMES": ""},
    {"LISTEN_PID": "self", "LISTEN_FDS": "1", "LISTEN_FDNAMES": ""},
    {"LISTEN_PID": "self", "LISTEN_FDS": "2", "LISTEN_FDNAMES": ":"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a\\:b:c"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "a\\:b"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "trailing\\"},
    {"LISTEN_PID": "self", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "\u00e9t\u00e9"},
    {"LISTEN_FDNAMES": "a:b"},
]


@pytest.mark.parametrize("env", LISTEN_ENVS, ids=lambda e: repr(e)[:50])
@pytest.mark.parametrize("fname", ["listen_fds", "listen_fds_with_names", "_listen_fds", "_listen_fds_with_names"])
@pytest.mark.parametrize("unset", [False, True])
def test_listen_fds_match_python_systemd(systemd_daemon, monkeypatch, env, fname, unset):
    getenv = ctypes.CDLL(None).getenv
    getenv.restype = ctypes.c_char_p
    names = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")
    results = []
    for mod in (daemon, systemd_daemon):
        for n in names:
            monkeypatch.delenv(n, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, str(os.getpid()) if v == "self" else v)
        results.append(outcome(getattr(mod, fname), unset))
        results.append([getenv(n.encode()) for n in names])
    assert results[0:2] == results[2:4]


def test_booted_matches(systemd_daemon):
    assert daemon.booted() == systemd_daemon.booted()


def test_listen_fds_sets_cloexec(monkeypatch):
    r, w = os.dup(0), None
    try:
        os.set_inheritable(r, True)
        monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
        monkeypatch.setenv("LISTEN_FDS", str(r - 2))  # fds 3..r
        assert daemon.listen_fds(False)[-1] == r
        assert not os.get_inheritable(r)
    finally:
        os.close(r)


# --------------------------------------------------------------------------- backend level
def _both(pure, lib, method, *args):
    a = getattr(pure, method)(*args)
    b = getattr(lib, method)(*args)
    return a, b


def test_backends_agree_on_fd_checks(fds, sd_library):
    pure = Pure()
    diffs = []
    for fname, label, args, kw in fd_check_cases(fds):
        # through the public layer with each backend in turn
        results = []
        for impl in (pure, sd_library):
            saved = daemon._impl
            daemon._impl = impl
            try:
                results.append(outcome(getattr(daemon, fname), *args, **kw))
            finally:
                daemon._impl = saved
        if results[0] != results[1]:
            diffs.append(f"{fname}[{label}]{args[1:]}{kw}: pure {results[0]} != library {results[1]}")
    assert not diffs, "\n".join(diffs[:40])


def test_is_socket_unix_abstract_and_lengths(fds, sd_library):
    """Abstract names and explicit lengths, which python-systemd's API cannot pass."""
    pure = Pure()
    fd = fds.abstract.fileno()
    name = fds.abstract_name
    for path, length in [(name, len(name)), (name, len(name) - 1), (name, 0), (name + b"x", len(name)),
                         (b"", 0), (os.fsencode(fds.unix_path), 0), (os.fsencode(fds.unix_path), 3)]:
        for f in (fd, fds.unix.fileno(), fds.pair[0].fileno()):
            a, b = _both(pure, sd_library, "is_socket_unix", f, 0, -1, path, length)
            assert a == b, (f, path, length)


VSOCK = ["vsock:2:1234", "vsock::1234", "vsock:any:1", "vsock:-1:1", "vsock:host:", "vsock:host:x",
         "vsock:1:4294967295", "vsock:1:4294967296", "vsock-dgram:2:1", "vsock-stream:x:1",
         "vsock-seqpacket:0x2:0o7", "vsock:2", "vsockx:1:2", "vsock: 2:1", "vsock:hypervisor:5"]
ENV_NOTIFY = NOTIFY_SOCKETS + VSOCK


@pytest.mark.parametrize("value", ENV_NOTIFY)
def test_backends_agree_on_notify_addresses(sd_library, monkeypatch, value):
    monkeypatch.setenv("NOTIFY_SOCKET", value)
    pure = Pure()
    for args in ((0, False, b"READY=1", None), (os.getpid(), False, b"X=1", [0]), (0, False, b"", [])):
        a, b = _both(pure, sd_library, "notify", *args)
        assert a == b, args
    a = pure.notify_barrier(False, 1000)
    b = sd_library.notify_barrier(False, 1000)
    assert a == b


WATCHDOG = [(None, None), ("1000000", None), ("1000000", "self"), ("1000000", "1"), ("0", None),
            ("18446744073709551615", None), ("18446744073709551614", None), ("abc", None),
            ("-1", None), ("\v-2", None), (" 5", None), ("0b101", None), ("0o17", None),
            ("0x10", None), ("010", None), ("1000", "0"), ("1000", "-1"), ("1000", "abc"),
            ("1000", "2147483648"), ("1000", "0x1"), ("99999999999999999999", None)]


@pytest.mark.parametrize("usec,pid", WATCHDOG)
@pytest.mark.parametrize("unset", [False, True])
def test_backends_agree_on_watchdog(sd_library, monkeypatch, usec, pid, unset):
    results = []
    for impl in (Pure(), sd_library):
        for k, v in (("WATCHDOG_USEC", usec), ("WATCHDOG_PID", pid)):
            if v is None:
                monkeypatch.delenv(k, raising=False)
            else:
                monkeypatch.setenv(k, str(os.getpid()) if v == "self" else v)
        results.append(impl.watchdog_enabled(unset))
    assert results[0] == results[1]


PIDFDID = ["", "abc", "1", "0", "18446744073709551615"]


@pytest.mark.parametrize("value", PIDFDID + ["own"])
def test_backends_agree_on_listen_pidfdid(sd_library, monkeypatch, value):
    if value == "own":
        own = Pure._own_pidfd_id()
        if own is None:
            pytest.skip("no pidfs on this kernel: $LISTEN_PIDFDID cannot be checked")
        value = str(own)
    results = []
    for impl in (Pure(), sd_library):
        monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
        monkeypatch.setenv("LISTEN_FDS", "1")
        monkeypatch.setenv("LISTEN_PIDFDID", value)
        results.append(impl.listen_fds_with_names(False))
    assert results[0] == results[1]


JOURNAL_ENTRIES = [
    [], [b""], [b"="], [b"A"], [b"=x"], [b"A\n=x"], [b"MESSAGE=hi"], [b"MESSAGE=two\nlines"],
    [b"MESSAGE=x", b"bad"], [b"SYSLOG_IDENTIFIER=me", b"MESSAGE=x"], [b"SYSLOG_IDENTIFIERX=me"],
    [b"A=\0binary\xff"],
]


@pytest.mark.parametrize("entry", JOURNAL_ENTRIES, ids=repr)
def test_backends_agree_on_journal_argument_checks(sd_library, entry):
    # Valid entries are dropped when no journald listens here (0 from both); invalid ones are
    # refused before any I/O. What reaches journald is compared in test_journal.py.
    a, b = Pure().journal_sendv(entry), sd_library.journal_sendv(entry)
    if os.path.exists("/run/systemd/journal/socket"):
        assert (a < 0) == (b < 0) and (a >= 0 or a == b)
    else:
        assert a == b


def test_uuid_message_id_accepted():
    # errors only from the transport: with no journald both succeed
    from sdlite import journal
    if not os.path.exists("/run/systemd/journal/socket"):
        assert journal.send("x", MESSAGE_ID=uuid.uuid4()) is None


def test_errno_subclasses(monkeypatch, tmp_path, fds):
    cases = {"/dev/null": ConnectionRefusedError, str(tmp_path / "none"): FileNotFoundError,
             str(tmp_path): ConnectionRefusedError}
    for value, exc in cases.items():
        monkeypatch.setenv("NOTIFY_SOCKET", value)
        with pytest.raises(exc):
            daemon.notify("READY=1")
    monkeypatch.setenv("NOTIFY_SOCKET", "relative")
    with pytest.raises(OSError) as e:
        daemon.notify("READY=1")
    assert e.value.errno == errno.EINVAL and type(e.value) is OSError
    monkeypatch.setenv("NOTIFY_SOCKET", "/" + "x" * 200)
    with pytest.raises(OSError) as e:
        daemon.notify("READY=1")
    assert e.value.errno == errno.ENAMETOOLONG
    with pytest.raises(OSError) as e:
        daemon.is_fifo(-1, "/some/path")
    assert e.value.errno == errno.EBADF and e.value.filename == "/some/path"
    if fds.mq >= 0 and not os.path.isdir("/dev/mqueue/."):
        with pytest.raises(FileNotFoundError):
            daemon.is_mq(fds.mq, fds.mq_name.decode())
