"""python-systemd's ``systemd.daemon``, on sdlite: ``from sdlite import daemon`` replaces
``from systemd import daemon`` with no other change.

Same names, signatures, defaults, return values and exceptions as python-systemd 235:
``LISTEN_FDS_START``, ``booted``, ``notify``, ``listen_fds``, ``listen_fds_with_names``,
``is_fifo``, ``is_socket``, ``is_socket_inet``, ``is_socket_sockaddr``, ``is_socket_unix``,
``is_mq`` and the underscored functions they wrap.

Beyond python-systemd:

* ``notify(READY=1, STATUS="serving")``: the message as keyword fields;
* ``watchdog_enabled()``: the watchdog interval in seconds, or None;
* ``notify_barrier(timeout)``: wait until the manager has processed every message sent before;
* ``heartbeat()``: a coroutine that sends ``WATCHDOG=1`` from the event loop it runs on, so a
  stuck loop stops the heartbeat and systemd restarts the service.

One deliberate difference: after a call with ``unset_environment=True``, the variables are also
gone from ``os.environ`` (python-systemd removes them from the C environment only, leaving
``os.environ`` stale).
"""
from __future__ import annotations

import asyncio
import errno
import os
import re
import socket as _socket
import struct
from socket import AF_UNSPEC as _AF_UNSPEC
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union, cast

from . import __version__, _backend
from ._args import PathArg, c_bool, c_int, c_long, c_str, check, fs_path, raise_errno

__all__ = [
    "LISTEN_FDS_START", "booted", "notify", "listen_fds", "listen_fds_with_names",
    "is_fifo", "is_socket", "is_socket_inet", "is_socket_sockaddr", "is_socket_unix", "is_mq",
    "watchdog_enabled", "notify_barrier", "heartbeat",
]

LISTEN_FDS_START: int = 3

_impl = _backend.IMPL
_U64_MAX = (1 << 64) - 1

FileLike = Union[int, "_HasFileno"]

try:
    from typing import Protocol

    class _HasFileno(Protocol):
        def fileno(self) -> int: ...
except ImportError:  # pragma: no cover
    _HasFileno = object  # type: ignore[misc,assignment]


def _forget(*names: str) -> None:
    """Keep os.environ in step with the C environment the library just changed."""
    for name in names:
        os.environ.pop(name, None)


_NOTIFY_VARS = ("NOTIFY_SOCKET",)
_LISTEN_VARS = ("LISTEN_PID", "LISTEN_PIDFDID", "LISTEN_FDS", "LISTEN_FDNAMES")
_WATCHDOG_VARS = ("WATCHDOG_USEC", "WATCHDOG_PID")


# --------------------------------------------------------------------------- python-systemd's C part
def booted() -> bool:
    """True when this system was booted by systemd (sd_booted(3))."""
    return bool(check(_impl.booted()))


_FIELD_NAME = re.compile(r"[A-Z_][A-Z0-9_]*\Z")


def _field_line(name: str, value: object) -> str:
    if not _FIELD_NAME.match(name):
        raise ValueError(f"notify(): {name!r} is not a notification field name (A-Z, 0-9, _)")
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, (str, int)):
        text = str(value)
    else:
        raise TypeError(f"notify(): {name}= must be str, int or bool, not {type(value).__name__}")
    if "\n" in text:
        raise ValueError(f"notify(): the value of {name} contains a newline")
    return f"{name}={text}"


def notify(status: Optional[str] = None, unset_environment: bool = False, pid: int = 0,
           fds: Optional[Sequence[int]] = None, **fields: Union[str, int, bool]) -> bool:
    """Send a message to the service manager (sd_notify(3)); True when sent, False when
    ``$NOTIFY_SOCKET`` is not set.

    ``status`` is the message itself, ``"READY=1\\nSTATUS=serving"``, as in python-systemd.
    Or give the fields as keywords: ``notify(READY=1, STATUS="serving")`` (a bool is sent as
    1 or 0); with both, the keyword fields follow ``status``. ``pid`` sends on behalf of
    another process (sd_pid_notify), ``fds`` passes file descriptors along
    (sd_pid_notify_with_fds, e.g. ``FDSTORE=1``). Errors raise the OSError subclass of the
    errno, e.g. ConnectionRefusedError.
    """
    if fields:
        lines = [_field_line(k, v) for k, v in fields.items()]
        if status is not None:
            lines.insert(0, c_str(status, "notify", 1).decode("utf-8"))
        status = "\n".join(lines)
    elif status is None:
        raise TypeError("notify() missing required argument 'status' (pos 1)")
    msg = c_str(status, "notify", 1)
    unset = c_bool(unset_environment)
    p = c_int(pid)
    if p < 0:
        raise OverflowError("Bad pid_t")
    arr: Optional[List[int]] = None
    if fds is not None:
        if isinstance(fds, Mapping):
            raise TypeError(f"{type(fds).__name__} is not a sequence")
        n = len(fds)
        arr = []
        for i in range(n):
            v = c_long(fds[i])
            if not -(1 << 31) <= v < (1 << 31):
                raise OverflowError("Value to large for an integer")
            arr.append(v)
    r = _impl.notify(p, unset, msg, arr)
    if unset:
        _forget(*_NOTIFY_VARS)
    return bool(check(r))


def _listen_fds(unset_environment: bool = True) -> int:
    """The number of descriptors passed by socket activation (sd_listen_fds(3))."""
    unset = c_bool(unset_environment)
    r = _impl.listen_fds(unset)
    if unset:
        _forget(*_LISTEN_VARS)
    return check(r)


def _listen_fds_with_names(unset_environment: bool = False) -> Tuple[Union[int, str], ...]:
    """``(n, name, ...)`` for the passed descriptors (sd_listen_fds_with_names(3))."""
    unset = c_bool(unset_environment)
    r, names = _impl.listen_fds_with_names(unset)
    if unset:
        _forget(*_LISTEN_VARS)
    check(r)
    return (r, *(n.decode("utf-8") for n in names[:r]))


def _is_fifo(fd: int, path: PathArg = None, /) -> bool:
    """True when ``fd`` is a FIFO (or pipe), and the one at ``path`` if given (sd_is_fifo(3))."""
    fd = c_int(fd)
    p = fs_path(path)
    return bool(check(_impl.is_fifo(fd, p), p))


def _is_mq(fd: int, path: PathArg = None, /) -> bool:
    """True when ``fd`` is a POSIX message queue, named ``path`` if given (sd_is_mq(3))."""
    fd = c_int(fd)
    p = fs_path(path)
    return bool(check(_impl.is_mq(fd, p), p))


def _is_socket(fd: int, family: int = _AF_UNSPEC, type: int = 0, listening: int = -1, /) -> bool:
    """True when ``fd`` is a socket of that family, type and listening state (sd_is_socket(3))."""
    args = [c_int(a) for a in (fd, family, type, listening)]
    return bool(check(_impl.is_socket(*args)))


def _is_socket_inet(fd: int, family: int = _AF_UNSPEC, type: int = 0, listening: int = -1,
                    port: int = 0, /) -> bool:
    """As _is_socket, for an AF_INET/AF_INET6 socket, bound to ``port`` if not 0
    (sd_is_socket_inet(3))."""
    fd, family, type, listening, port = (c_int(a) for a in (fd, family, type, listening, port))
    if port < 0 or port > 0xFFFF:
        raise_errno(-errno.EINVAL, None, "port must fit into uint16_t")
    return bool(check(_impl.is_socket_inet(fd, family, type, listening, port)))


def _is_socket_sockaddr(fd: int, address: str, type: int = 0, flowinfo: int = 0,
                        listening: int = -1, /) -> bool:
    """True when ``fd`` is an inet socket bound to ``address`` (sd_is_socket_sockaddr(3)).

    ``address`` is as in ListenStream=: "1.2.3.4", "1.2.3.4:80", "[::1]:80", "80" or an
    interface name; a port of 0 or none matches any port."""
    fd = c_int(fd)
    addr = c_str(address, "_is_socket_sockaddr", 2)
    type, flowinfo, listening = c_int(type), c_int(flowinfo), c_int(listening)
    r, raw = _parse_sockaddr(addr)
    if r < 0:
        raise_errno(r, None, "Cannot parse address")
    if flowinfo != 0:
        if struct.unpack("=H", raw[:2])[0] != _socket.AF_INET6:
            raise_errno(-errno.EINVAL, None, "flowinfo is only applicable to IPv6 addresses")
        raw = raw[:4] + struct.pack("=i", flowinfo) + raw[8:]
    return bool(check(_impl.is_socket_sockaddr(fd, type, raw, listening)))


def _is_socket_unix(fd: int, type: int = 0, listening: int = -1, path: PathArg = None, /) -> bool:
    """True when ``fd`` is an AF_UNIX socket, bound to ``path`` if given; a path starting with
    a NUL byte is an abstract name (sd_is_socket_unix(3))."""
    fd, type, listening = c_int(fd), c_int(type), c_int(listening)
    # NUL bytes are refused as in python-systemd, so abstract names cannot be given here.
    p = fs_path(path)
    return bool(check(_impl.is_socket_unix(fd, type, listening, p, len(p) if p is not None else 0), p))


# python-systemd's parse_sockaddr(): its own parser, not libsystemd's.
def _pysd_safe_atou(b: bytes) -> int:
    from ._sysint import strto
    v, used, erange = strto(b, 0, False)
    if erange:
        return -errno.ERANGE
    if used == 0 or used != len(b):
        return -errno.EINVAL
    if b[:1] == b"-":
        return -errno.ERANGE
    if v > 0xFFFFFFFF:
        return -errno.ERANGE
    return v


def _sockaddr_in(port: int, packed: bytes) -> bytes:
    return struct.pack("=H", _socket.AF_INET) + struct.pack("!H", port) + packed + bytes(8)


def _sockaddr_in6(port: int, packed: bytes, scope_id: int = 0) -> bytes:
    return (struct.pack("=H", _socket.AF_INET6) + struct.pack("!H", port) + bytes(4) + packed
            + struct.pack("=I", scope_id))


def _inet_pton(family: int, b: bytes) -> Optional[bytes]:
    try:
        return _socket.inet_pton(family, b.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _assign_address(n: bytes, port: int) -> Tuple[int, bytes]:
    packed = _inet_pton(_socket.AF_INET, n)
    if packed is not None:
        return 0, _sockaddr_in(port, packed)
    if len(n) > 15:  # IF_NAMESIZE - 1
        return -errno.EINVAL, b""
    try:
        idx = _socket.if_nametoindex(n.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return -errno.EINVAL, b""
    return 0, _sockaddr_in6(port, bytes(16), idx)


def _parse_sockaddr(s: bytes) -> Tuple[int, bytes]:
    """(0 or -errno, struct sockaddr_in or sockaddr_in6 as bytes)."""
    if s[:1] == b"[":
        e = s.find(b"]", 1)
        if e < 0:
            return -errno.EINVAL, b""
        packed = _inet_pton(_socket.AF_INET6, s[1:e])
        if packed is None:
            return -errno.EINVAL, b""
        rest = s[e + 1:]
        port = 0
        if rest:
            if rest[:1] != b":":
                return -errno.EINVAL, b""
            u = _pysd_safe_atou(rest[1:])
            if u < 0:
                return u, b""
            if u <= 0 or u > 0xFFFF:
                return -errno.EINVAL, b""
            port = u
        return 0, _sockaddr_in6(port, packed)
    e = s.find(b":")
    if e >= 0:
        u = _pysd_safe_atou(s[e + 1:])
        if u < 0:
            return u, b""
        if u <= 0 or u > 0xFFFF:
            return -errno.EINVAL, b""
        return _assign_address(s[:e], u)
    u = _pysd_safe_atou(s)
    if u < 0:
        return _assign_address(s, 0)
    if u <= 0 or u > 0xFFFF:
        return -errno.EINVAL, b""
    if os.access("/proc/net/if_inet6", os.F_OK):
        return 0, _sockaddr_in6(u, bytes(16))
    return 0, _sockaddr_in(u, bytes(4))


# --------------------------------------------------------------------------- python-systemd's Python part
def _convert_fileobj(fileobj: FileLike) -> int:
    try:
        return fileobj.fileno()  # type: ignore[union-attr]
    except AttributeError:
        return fileobj  # type: ignore[return-value]


def is_fifo(fileobj: FileLike, path: PathArg = None) -> bool:
    """True when ``fileobj`` (a file object or fd) is a FIFO, the one at ``path`` if given."""
    return _is_fifo(_convert_fileobj(fileobj), path)


def is_socket(fileobj: FileLike, family: int = _AF_UNSPEC, type: int = 0, listening: int = -1) -> bool:
    """True when ``fileobj`` is a socket of that family (AF_UNSPEC: any), type (0: any) and
    listening state (-1: either)."""
    return _is_socket(_convert_fileobj(fileobj), family, type, listening)


def is_socket_inet(fileobj: FileLike, family: int = _AF_UNSPEC, type: int = 0, listening: int = -1,
                   port: int = 0) -> bool:
    """As is_socket, for AF_INET/AF_INET6 sockets bound to ``port`` (0: any)."""
    return _is_socket_inet(_convert_fileobj(fileobj), family, type, listening, port)


def is_socket_sockaddr(fileobj: FileLike, address: str, type: int = 0, flowinfo: int = 0,
                       listening: int = -1) -> bool:
    """True when ``fileobj`` is a socket bound to ``address``, a numerical IPv4 or IPv6 address
    as in ListenStream= (systemd.socket(5)), optionally with ":port"; ``flowinfo`` only with
    IPv6 (ValueError otherwise)."""
    return _is_socket_sockaddr(_convert_fileobj(fileobj), address, type, flowinfo, listening)


def is_socket_unix(fileobj: FileLike, type: int = 0, listening: int = -1, path: PathArg = None) -> bool:
    """True when ``fileobj`` is an AF_UNIX socket, bound to ``path`` if given."""
    return _is_socket_unix(_convert_fileobj(fileobj), type, listening, path)


def is_mq(fileobj: FileLike, path: PathArg = None) -> bool:
    """True when ``fileobj`` is a POSIX message queue, named ``path`` ("/name") if given."""
    return _is_mq(_convert_fileobj(fileobj), path)


def listen_fds(unset_environment: bool = True) -> List[int]:
    """The descriptors passed by socket activation, ``[3, 4, ...]``; removes ``$LISTEN_*``
    unless ``unset_environment`` is false."""
    num = _listen_fds(unset_environment)
    return list(range(LISTEN_FDS_START, LISTEN_FDS_START + num))


def listen_fds_with_names(unset_environment: bool = True) -> Dict[int, str]:
    """``{fd: name}`` for the descriptors passed by socket activation (FileDescriptorName=,
    "unknown" when not named)."""
    composite = _listen_fds_with_names(unset_environment)
    count = cast(int, composite[0])
    return {LISTEN_FDS_START + i: cast(str, composite[1 + i]) for i in range(count)}


# --------------------------------------------------------------------------- beyond python-systemd
def watchdog_enabled(unset_environment: bool = False) -> Optional[float]:
    """The watchdog interval in seconds when the manager expects ``WATCHDOG=1`` from this
    process (``$WATCHDOG_USEC``, and ``$WATCHDOG_PID`` is ours or unset), else None
    (sd_watchdog_enabled(3)). Send a heartbeat every half of it."""
    unset = c_bool(unset_environment)
    r, usec = _impl.watchdog_enabled(unset)
    if unset:
        _forget(*_WATCHDOG_VARS)
    check(r)
    return usec / 1e6 if r > 0 else None


def notify_barrier(timeout: Optional[float] = 5.0, unset_environment: bool = False) -> bool:
    """Wait until the manager has processed every notification sent before
    (sd_notify_barrier(3)); ``timeout`` in seconds, None to wait forever. True when it has,
    False when ``$NOTIFY_SOCKET`` is not set; TimeoutError when the time ran out."""
    if timeout is None:
        usec = _U64_MAX
    else:
        if timeout < 0:
            raise ValueError("notify_barrier(): timeout must be >= 0 or None")
        usec = min(int(timeout * 1e6), _U64_MAX - 1)
    unset = c_bool(unset_environment)
    r = _impl.notify_barrier(unset, usec)
    if unset:
        _forget(*_NOTIFY_VARS)
    return bool(check(r))


async def heartbeat(status: Optional[Callable[[], Optional[str]]] = None,
                    interval: Optional[float] = None) -> None:
    """Send ``WATCHDOG=1`` every half watchdog interval from the running event loop, until
    cancelled; returns at once when the watchdog is not enabled for this process.

    Run it as a task on the loop the watchdog should watch::

        asyncio.create_task(daemon.heartbeat())

    It is a coroutine on purpose: when that loop gets stuck (a blocking call, a busy
    callback), the heartbeats stop with it and systemd restarts the service, which a heartbeat
    thread would prevent. ``status``, if given, is called before each heartbeat; a string it
    returns is sent along as ``STATUS=``. ``interval`` (seconds) overrides the half of
    ``$WATCHDOG_USEC``. A failing notification raises out of the task, which ends the
    heartbeats.
    """
    if interval is None:
        period = watchdog_enabled()
        if period is None:
            return
        interval = period / 2
    if interval <= 0:
        raise ValueError("heartbeat(): interval must be > 0")
    loop = asyncio.get_running_loop()
    due = loop.time()
    while True:
        text = status() if status is not None else None
        notify("WATCHDOG=1" if not text else f"WATCHDOG=1\nSTATUS={text}")
        # After a stall, start again from now rather than catch up with a burst.
        due = max(due + interval, loop.time())
        await asyncio.sleep(due - loop.time())
