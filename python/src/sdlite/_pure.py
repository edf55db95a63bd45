"""The pure-Python backend: the same protocols as libsystemd 252 (and sdlite), written with the
standard library's sockets, for machines where no library can be loaded.

The methods have the library backend's signatures and return conventions (a result >= 0 or a
negative errno), so the public modules cannot tell them apart. What Python itself lacks comes
from the C library through ctypes when it can be had: the process's C environment (libsystemd
reads `getenv`, not `os.environ`), `mq_getattr`, `fstatfs` and `program_invocation_short_name`;
without a loadable libc, `os.environ` stands in and `is_mq` answers -ENOSYS.
"""
from __future__ import annotations

import array
import ctypes
import errno
import fcntl
import os
import select
import socket
import stat
import struct
import threading
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import _sysint

LISTEN_FDS_START = 3
_SUN_PATH_LEN = 108
_U64_MAX = (1 << 64) - 1
_INT_MAX = (1 << 31) - 1
_SNDBUF_SIZE = 8 * 1024 * 1024
_SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)
_SO_PASSCRED = getattr(socket, "SO_PASSCRED", 16)
_SCM_CREDENTIALS = getattr(socket, "SCM_CREDENTIALS", 2)
_MSG_NOSIGNAL = getattr(socket, "MSG_NOSIGNAL", 0x4000)
_AF_VSOCK = getattr(socket, "AF_VSOCK", 40)
_VMADDR_CID_ANY = 0xFFFFFFFF
_VMADDR_PORT_ANY = 0xFFFFFFFF
_PIDFS_MAGIC = 0x50494446
_NOT_SUPPORTED = {errno.EOPNOTSUPP, errno.ENOTTY, errno.ENOSYS, errno.EAFNOSUPPORT,
                  errno.EPFNOSUPPORT, errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT,
                  errno.ENOPROTOOPT}
_JOURNAL_SOCKET = "/run/systemd/journal/socket"
_JOURNAL_STDOUT = "/run/systemd/journal/stdout"


def _err(e: OSError) -> int:
    return -(e.errno or errno.EIO)


# --------------------------------------------------------------------------- the C side
class _LibC:
    """What the backend needs from libc; each attribute is None where it cannot be had."""

    def __init__(self) -> None:
        self.getenv: Optional[Callable[[bytes], Optional[bytes]]] = None
        self.unsetenv: Optional[Callable[[bytes], int]] = None
        self.mq_getattr: Optional[Callable[..., int]] = None
        self.fstatfs: Optional[Callable[..., int]] = None
        self.short_name: Optional[Callable[[], Optional[bytes]]] = None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            return
        try:
            getenv = libc.getenv
            getenv.argtypes = [ctypes.c_char_p]
            getenv.restype = ctypes.c_char_p
            unsetenv = libc.unsetenv
            unsetenv.argtypes = [ctypes.c_char_p]
            unsetenv.restype = ctypes.c_int
            self.getenv, self.unsetenv = getenv, unsetenv
        except AttributeError:
            pass
        for lib in (libc, "librt.so.1"):
            try:
                dll = ctypes.CDLL(lib, use_errno=True) if isinstance(lib, str) else lib
                f = dll.mq_getattr
            except (OSError, AttributeError):
                continue
            f.argtypes = [ctypes.c_int, ctypes.c_void_p]
            f.restype = ctypes.c_int
            self.mq_getattr = f
            break
        try:
            f = libc.fstatfs
            f.argtypes = [ctypes.c_int, ctypes.c_void_p]
            f.restype = ctypes.c_int
            self.fstatfs = f
        except AttributeError:
            pass
        try:
            p = ctypes.c_char_p.in_dll(libc, "program_invocation_short_name")
            self.short_name = lambda: p.value
        except ValueError:
            pass


_libc = _LibC()


def _getenv(name: str) -> Optional[bytes]:
    if _libc.getenv is not None:
        return _libc.getenv(name.encode())
    return os.environb.get(name.encode())


def _unsetenv(*names: str) -> None:
    for name in names:
        if _libc.unsetenv is not None:
            _libc.unsetenv(name.encode())
        else:
            os.unsetenv(name)


# --------------------------------------------------------------------------- sending
def _grow_send_buffer(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SNDBUF_SIZE)
    except OSError:
        return
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= 2 * _SNDBUF_SIZE:
            return
    except OSError:
        pass
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_SNDBUFFORCE, _SNDBUF_SIZE)
    except OSError:
        pass


def _ancillary(fds: Sequence[int], creds: Optional[Tuple[int, int, int]]) -> List[Tuple[int, int, bytes]]:
    anc = []
    if fds:
        anc.append((socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes()))
    if creds is not None:
        anc.append((socket.SOL_SOCKET, _SCM_CREDENTIALS, struct.pack("iII", *creds)))
    return anc


def _transmit(sock: socket.socket, address: Any, kind: int, data: bytes,
              fds: Sequence[int], pid: int) -> int:
    """libsystemd's send loop: grow the buffer once on EMSGSIZE, drop explicit credentials
    when the kernel refuses them, and on a stream send the rest without ancillary data."""
    creds = None
    if pid != 0 and pid != os.getpid():
        creds = (pid, os.getuid(), os.getgid())
    grown = False
    while True:
        try:
            args = ([data], _ancillary(fds, creds), _MSG_NOSIGNAL)
            n = sock.sendmsg(*args, address) if address is not None else sock.sendmsg(*args)
        except OSError as e:
            if e.errno == errno.EMSGSIZE and not grown:
                _grow_send_buffer(sock)
                grown = True
                continue
            if creds is not None:
                creds = None
                continue
            return _err(e)
        if kind == socket.SOCK_STREAM and n < len(data):
            data, fds, creds = data[n:], (), None
            continue
        if n < len(data):
            return -errno.EIO
        return 0


_VSOCK_FORMS = ((b"vsock:", None), (b"vsock-dgram:", socket.SOCK_DGRAM),
                (b"vsock-seqpacket:", socket.SOCK_SEQPACKET), (b"vsock-stream:", socket.SOCK_STREAM))


def _vsock_address(value: bytes) -> Tuple[int, Optional[int], Tuple[int, int]]:
    """(0 or -errno, wanted socket type, (cid, port)) for a `vsock…:CID:PORT` value."""
    for prefix, kind in _VSOCK_FORMS:
        if value.startswith(prefix):
            break
    else:
        return -errno.EINVAL, None, (0, 0)
    rest = value[len(prefix):]
    colon = rest.find(b":")
    if colon < 0:
        return -errno.EINVAL, None, (0, 0)
    cid_field, port_field = rest[:colon], rest[colon + 1:]
    port = _sysint.safe_atou32(port_field)
    if port < 0:
        return port, None, (0, 0)
    if port == _VMADDR_PORT_ANY:
        return -errno.EINVAL, None, (0, 0)
    named = {b"": _VMADDR_CID_ANY, b"any": _VMADDR_CID_ANY, b"-1": _VMADDR_CID_ANY,
             b"hypervisor": 0, b"local": 1, b"host": 2}
    cid = named[cid_field] if cid_field in named else _sysint.safe_atou32(cid_field)
    if cid < 0:
        return cid, None, (0, 0)
    if cid == _VMADDR_CID_ANY:
        return -errno.EINVAL, None, (0, 0)
    return 0, kind, (cid, port)


def _vsock_send(wanted: Optional[int], address: Tuple[int, int], data: bytes,
                fds: Sequence[int], pid: int) -> int:
    kind = wanted if wanted is not None else socket.SOCK_DGRAM
    try:
        sock = socket.socket(_AF_VSOCK, kind)
    except OSError as e:
        if wanted is not None or not (e.errno in _NOT_SUPPORTED or e.errno == errno.ENODEV):
            return _err(e)
        kind = socket.SOCK_SEQPACKET
        try:
            sock = socket.socket(_AF_VSOCK, kind)
        except OSError as e2:
            if e2.errno not in _NOT_SUPPORTED:
                return _err(e2)
            kind = socket.SOCK_STREAM
            try:
                sock = socket.socket(_AF_VSOCK, kind)
            except OSError as e3:
                return _err(e3)
    with sock:
        port = 1023
        while True:
            try:
                sock.bind((_VMADDR_CID_ANY, port))
                break
            except OSError as e:
                if e.errno == errno.EADDRINUSE and port > 1:
                    port -= 1
                    continue
                if e.errno in (errno.EPERM, errno.EACCES):
                    break
                return _err(e)
        try:
            if kind != socket.SOCK_DGRAM:
                sock.connect(address)
        except OSError as e:
            return _err(e)
        r = _transmit(sock, address if kind == socket.SOCK_DGRAM else None, kind, data, fds, pid)
        if r < 0 or kind == socket.SOCK_DGRAM:
            return r
        try:
            sock.shutdown(socket.SHUT_WR)
            if sock.recv(1, _MSG_NOSIGNAL):
                return -errno.EPROTO
        except OSError as e:
            return _err(e)
        return 0


def _send_to_manager(pid: int, data: bytes, fds: Sequence[int]) -> int:
    """0 when $NOTIFY_SOCKET is unset, 1 when sent, else a negative errno."""
    value = _getenv("NOTIFY_SOCKET")
    if value is None:
        return 0
    if value[:1] in (b"/", b"@"):
        if len(value) < 2:
            return -errno.EINVAL
        if len(value) + 1 > _SUN_PATH_LEN:
            return -errno.EINVAL if value[:1] == b"@" else -errno.ENAMETOOLONG
        address = b"\0" + value[1:] if value[:1] == b"@" else value
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        except OSError as e:
            return _err(e)
        with sock:
            r = _transmit(sock, address, socket.SOCK_DGRAM, data, fds, pid)
    else:
        r, wanted, vaddr = _vsock_address(value)
        if r < 0:
            return r
        r = _vsock_send(wanted, vaddr, data, fds, pid)
    return r if r < 0 else 1


# --------------------------------------------------------------------------- fd checks
def _file_type(st: os.stat_result) -> int:
    return stat.S_IFMT(st.st_mode)


def _same_inode(a: os.stat_result, b: os.stat_result) -> bool:
    return (_file_type(a) != 0 and _file_type(a) == _file_type(b)
            and a.st_dev == b.st_dev and a.st_ino == b.st_ino)


def _fstat(fd: int) -> Tuple[int, Optional[os.stat_result]]:
    try:
        return 0, os.fstat(fd)
    except OSError as e:
        return _err(e), None


def _sockname(fd: int) -> Tuple[int, int, bytes, int]:
    """(0 or -errno, family, the raw sockaddr as the kernel returned it, its length)."""
    sock = socket.socket(fileno=fd)
    try:
        family = int(sock.family)
        name = sock.getsockname()
    except OSError as e:
        return _err(e), 0, b"", 0
    finally:
        sock.detach()
    fam = struct.pack("=H", family)
    if family == socket.AF_UNIX:
        if isinstance(name, str):
            name = os.fsencode(name)
        if not name:
            return 0, family, fam, 2
        if name[:1] == b"\0":
            return 0, family, fam + name, 2 + len(name)
        return 0, family, fam + name + b"\0", 2 + len(name) + 1
    if family == socket.AF_INET:
        host, port = name[0], name[1]
        raw = fam + struct.pack("!H", port) + socket.inet_pton(socket.AF_INET, host) + bytes(8)
        return 0, family, raw, len(raw)
    if family == socket.AF_INET6:
        host, port, flowinfo, scope_id = name
        addr = socket.inet_pton(socket.AF_INET6, host.split("%", 1)[0])
        raw = fam + struct.pack("!HI", port, flowinfo) + addr + struct.pack("=I", scope_id)
        return 0, family, raw, len(raw)
    return 0, family, fam, 2


def _sockopt(fd: int, name: int) -> Tuple[int, int]:
    sock = socket.socket(fileno=fd)
    try:
        return 0, int(sock.getsockopt(socket.SOL_SOCKET, name))
    except OSError as e:
        return _err(e), 0
    finally:
        sock.detach()


def _is_socket_of(fd: int, kind: int, listening: int) -> int:
    if fd < 0:
        return -errno.EBADF
    if kind < 0:
        return -errno.EINVAL
    r, st = _fstat(fd)
    if st is None:
        return r
    if _file_type(st) != stat.S_IFSOCK:
        return 0
    if kind != 0:
        r, v = _sockopt(fd, socket.SO_TYPE)
        if r < 0:
            return r
        if v != kind:
            return 0
    if listening >= 0:
        r, v = _sockopt(fd, socket.SO_ACCEPTCONN)
        if r < 0:
            return r
        if (v != 0) != (listening != 0):
            return 0
    return 1


def _unescape(word: bytes) -> bytes:
    out = bytearray()
    escaped = False
    for c in word:
        if not escaped and c == 0x5C:
            escaped = True
            continue
        escaped = False
        out.append(c)
    return bytes(out)


def _split_names(raw: bytes) -> Optional[List[bytes]]:
    """$LISTEN_FDNAMES split at unescaped ':' (every separator ends a name); None for a
    trailing lone backslash."""
    words: List[bytes] = []
    start = 0
    escaped = False
    for i, c in enumerate(raw):
        if escaped:
            escaped = False
        elif c == 0x5C:
            escaped = True
        elif c == 0x3A:
            words.append(raw[start:i])
            start = i + 1
    if escaped:
        return None
    words.append(raw[start:])
    return [_unescape(w) for w in words]


class Pure:
    """The backend without a library."""

    path: Optional[str] = None
    missing: List[str] = []

    # ---------------------------------------------------------------- sd-daemon
    def booted(self) -> int:
        try:
            os.stat("/run/systemd/system/")
            return 1
        except FileNotFoundError:
            return 0
        except OSError as e:
            return _err(e)

    def notify(self, pid: int, unset: bool, state: bytes, fds: Optional[Sequence[int]]) -> int:
        r = _send_to_manager(pid, state, fds or ())
        if unset:
            _unsetenv("NOTIFY_SOCKET")
        return r

    def notify_barrier(self, unset: bool, usec: int) -> int:
        try:
            read_end, write_end = os.pipe()  # both close-on-exec, as Python makes them
        except OSError as e:
            return _err(e)
        try:
            r = _send_to_manager(0, b"BARRIER=1", [write_end])
            if r > 0:
                os.close(write_end)
                write_end = -1
                r = self._wait_hangup(read_end, usec)
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        if unset:
            _unsetenv("NOTIFY_SOCKET")
        return r

    @staticmethod
    def _wait_hangup(fd: int, usec: int) -> int:
        poller = select.poll()
        poller.register(fd, 0)  # no events asked: POLLHUP comes by itself
        timeout = None if usec == _U64_MAX else -(-usec // 1000)
        try:
            events = poller.poll(timeout)
        except OSError as e:
            return _err(e)
        if not events:
            return -errno.ETIMEDOUT
        if events[0][1] & select.POLLNVAL:
            return -errno.EBADF
        return 1

    def watchdog_enabled(self, unset: bool) -> Tuple[int, int]:
        r = self._watchdog()
        if unset:
            _unsetenv("WATCHDOG_USEC", "WATCHDOG_PID")
        return r

    @staticmethod
    def _watchdog() -> Tuple[int, int]:
        s = _getenv("WATCHDOG_USEC")
        if s is None:
            return 0, 0
        usec = _sysint.safe_atou64(s)
        if usec < 0:
            return usec, 0
        if usec == 0 or usec == _U64_MAX:
            return -errno.EINVAL, 0
        p = _getenv("WATCHDOG_PID")
        if p is not None:
            pid = _sysint.parse_pid(p)
            if pid < 0:
                return pid, 0
            if pid != os.getpid():
                return 0, 0
        return 1, usec

    def listen_fds(self, unset: bool) -> int:
        r = self._listen_fds()
        if unset:
            self._unset_listen()
        return r

    @staticmethod
    def _unset_listen() -> None:
        _unsetenv("LISTEN_PID", "LISTEN_PIDFDID", "LISTEN_FDS", "LISTEN_FDNAMES")

    @staticmethod
    def _own_pidfd_id() -> Optional[int]:
        if _libc.fstatfs is None or not hasattr(os, "pidfd_open"):
            return None
        try:
            fd = os.pidfd_open(os.getpid())
        except OSError:
            return None
        try:
            buf = ctypes.create_string_buffer(256)  # struct statfs; f_type comes first
            if _libc.fstatfs(fd, buf) != 0:
                return None
            if ctypes.c_long.from_buffer(buf).value != _PIDFS_MAGIC:
                return None
            return os.fstat(fd).st_ino
        except OSError:
            return None
        finally:
            os.close(fd)

    def _listen_fds(self) -> int:
        s = _getenv("LISTEN_PID")
        if s is None:
            return 0
        pid = _sysint.parse_pid(s)
        if pid < 0:
            return pid
        if pid != os.getpid():
            return 0
        s = _getenv("LISTEN_PIDFDID")
        if s is not None:
            want = _sysint.safe_atou64(s)
            if want < 0:
                return want
            own = self._own_pidfd_id()
            if own is not None and own != want:
                return 0
        s = _getenv("LISTEN_FDS")
        if s is None:
            return 0
        err, n = _sysint.safe_atoi(s)
        if err:
            return -err
        if n <= 0 or n > _INT_MAX - LISTEN_FDS_START:
            return -errno.EINVAL
        for fd in range(LISTEN_FDS_START, LISTEN_FDS_START + n):
            try:
                flags = fcntl.fcntl(fd, fcntl.F_GETFD)
                if not flags & fcntl.FD_CLOEXEC:
                    fcntl.fcntl(fd, fcntl.F_SETFD, flags | fcntl.FD_CLOEXEC)
            except OSError as e:
                return _err(e)
        return n

    def listen_fds_with_names(self, unset: bool) -> Tuple[int, List[bytes]]:
        r, names = self._with_names()
        if unset:
            self._unset_listen()
        return r, names

    def _with_names(self) -> Tuple[int, List[bytes]]:
        raw = _getenv("LISTEN_FDNAMES")
        given = None
        if raw is not None:
            given = _split_names(raw)
            if given is None:
                return -errno.EINVAL, []
        n = self._listen_fds()
        if n <= 0:
            return n, []
        if given is None:
            return n, [b"unknown"] * n
        if len(given) != n:
            return -errno.EINVAL, []
        return n, given

    def is_fifo(self, fd: int, path: Optional[bytes]) -> int:
        if fd < 0:
            return -errno.EBADF
        r, st = _fstat(fd)
        if st is None:
            return r
        if _file_type(st) != stat.S_IFIFO:
            return 0
        if path is None:
            return 1
        try:
            p = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return 0
        except OSError as e:
            return _err(e)
        return int(_same_inode(p, st))

    def is_mq(self, fd: int, path: Optional[bytes]) -> int:
        if fd < 0:
            return -errno.EBADF
        try:
            fcntl.fcntl(fd, fcntl.F_GETFD)
        except OSError as e:
            return _err(e)
        if _libc.mq_getattr is None:
            return -errno.ENOSYS
        attr = ctypes.create_string_buffer(64)  # struct mq_attr
        if _libc.mq_getattr(fd, attr) < 0:
            err = ctypes.get_errno()
            if err == errno.EBADF:
                return 0
            return -err
        if path is None:
            return 1
        if path[:1] != b"/":
            return -errno.EINVAL
        r, st = _fstat(fd)
        if st is None:
            return r
        full = b"/dev/mqueue" + path
        if len(full) + 1 > 4096:
            return -errno.ENAMETOOLONG
        try:
            return int(_same_inode(st, os.stat(full)))
        except OSError as e:
            return _err(e)

    def is_socket(self, fd: int, family: int, type: int, listening: int) -> int:
        if fd < 0:
            return -errno.EBADF
        if family < 0:
            return -errno.EINVAL
        r = _is_socket_of(fd, type, listening)
        if r <= 0:
            return r
        if family > 0:
            r, bound, _, length = _sockname(fd)
            if r < 0:
                return r
            if length < 2:
                return -errno.EINVAL
            return int(bound == family)
        return 1

    def is_socket_inet(self, fd: int, family: int, type: int, listening: int, port: int) -> int:
        if fd < 0:
            return -errno.EBADF
        if family not in (0, socket.AF_INET, socket.AF_INET6):
            return -errno.EINVAL
        r = _is_socket_of(fd, type, listening)
        if r <= 0:
            return r
        r, bound, raw, _ = _sockname(fd)
        if r < 0:
            return r
        if bound not in (socket.AF_INET, socket.AF_INET6) or (family != 0 and bound != family):
            return 0
        return int(port == 0 or struct.unpack("!H", raw[2:4])[0] == port)

    def is_socket_sockaddr(self, fd: int, type: int, addr: bytes, listening: int) -> int:
        if fd < 0:
            return -errno.EBADF
        if len(addr) < 2:
            return -errno.ENOBUFS
        family = struct.unpack("=H", addr[:2])[0]
        if family not in (socket.AF_INET, socket.AF_INET6):
            return -errno.EPFNOSUPPORT
        r = _is_socket_of(fd, type, listening)
        if r <= 0:
            return r
        r, bound, ours, length = _sockname(fd)
        if r < 0:
            return r
        if bound != family:
            return 0

        def equal(a: int, b: int) -> bool:
            return addr[a:b] == ours[a:b]

        def unset_or_equal(a: int, b: int) -> bool:
            return not any(addr[a:b]) or equal(a, b)

        if family == socket.AF_INET:
            if length < 16 or len(addr) < 16:
                return -errno.EINVAL
            return int(unset_or_equal(2, 4) and equal(4, 8))
        if length < 28 or len(addr) < 28:
            return -errno.EINVAL
        return int(unset_or_equal(2, 4) and unset_or_equal(4, 8) and unset_or_equal(24, 28)
                   and equal(8, 24))

    def is_socket_unix(self, fd: int, type: int, listening: int, path: Optional[bytes], length: int) -> int:
        if fd < 0:
            return -errno.EBADF
        r = _is_socket_of(fd, type, listening)
        if r <= 0:
            return r
        r, bound, raw, namelen = _sockname(fd)
        if r < 0:
            return r
        if bound != socket.AF_UNIX:
            return 0
        if path is None:
            return 1
        c_path = path + b"\0"  # what C reads: the caller's bytes and their terminator
        if length == 0:
            length = c_path.index(b"\0")
        if length == 0:
            return int(namelen == 2)
        sun_path = raw[2:]
        if c_path[:1] != b"\0":
            n = length + 1
            return int(namelen >= 2 + n and sun_path[:n] == c_path[:n])
        return int(namelen == 2 + length and sun_path[:length] == c_path[:length])

    # ---------------------------------------------------------------- sd-journal (send side)
    def journal_sendv(self, fields: Sequence[bytes]) -> int:
        out: List[bytes] = []
        has_identifier = False
        for f in fields:
            if len(f) <= 1:
                return -errno.EINVAL
            eq = f.find(b"=")
            if eq <= 0:
                return -errno.EINVAL
            nl = f.find(b"\n")
            if 0 <= nl < eq:
                return -errno.EINVAL
            if eq == 17 and f.startswith(b"SYSLOG_IDENTIFIER"):
                has_identifier = True
            if nl < 0:
                out += (f, b"\n")
            else:
                value = f[eq + 1:]
                out += (f[:eq], b"\n", struct.pack("<Q", len(value)), value, b"\n")
        if not out:
            return -errno.EINVAL
        if not has_identifier:
            name = _libc.short_name() if _libc.short_name is not None else None
            if name is not None and all(c >= 0x20 and c not in b"\"'\\\x7f" for c in name):
                out += (b"SYSLOG_IDENTIFIER=", name, b"\n")
        return _journal.send(b"".join(out))

    def journal_stream_fd(self, identifier: bytes, priority: int, level_prefix: int) -> int:
        if not 0 <= priority <= 7:
            return -errno.EINVAL
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        except OSError as e:
            return _err(e)
        try:
            sock.connect(_JOURNAL_STDOUT)
            sock.shutdown(socket.SHUT_RD)
            _grow_send_buffer(sock)
            header = identifier + b"\n\n%d\n%d\n0\n0\n0\n" % (priority, 1 if level_prefix else 0)
            view = memoryview(header)
            while view:
                n = sock.send(view, _MSG_NOSIGNAL)
                view = view[n:]
        except OSError as e:
            sock.close()
            return _err(e)
        return sock.detach()


class _JournalSocket:
    """The process-wide datagram socket to journald (a new one in a forked child)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: Optional[socket.socket] = None
        self._pid = 0

    def _socket(self) -> socket.socket:
        with self._lock:
            if self._sock is None or self._pid != os.getpid():
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                _grow_send_buffer(sock)
                self._sock, self._pid = sock, os.getpid()
            return self._sock

    def send(self, data: bytes) -> int:
        """Like libsystemd: no journald (ENOENT) is success; what the kernel will not take as
        one datagram goes in a sealed memfd."""
        try:
            sock = self._socket()
        except OSError as e:
            return _err(e)
        try:
            sock.sendmsg([data], [], _MSG_NOSIGNAL, _JOURNAL_SOCKET)
            return 0
        except OSError as e:
            if e.errno == errno.ENOENT:
                return 0
            if e.errno not in (errno.EMSGSIZE, errno.ENOBUFS, errno.EAGAIN):
                return _err(e)
        try:
            fd, sealable = self._payload_file()
        except OSError as e:
            return _err(e)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if sealable:
                fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW
                            | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL)
            sock.sendmsg([], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]).tobytes())],
                         _MSG_NOSIGNAL, _JOURNAL_SOCKET)
            return 0
        except OSError as e:
            if e.errno == errno.ENOENT:
                return 0
            return _err(e)
        finally:
            os.close(fd)

    @staticmethod
    def _payload_file() -> Tuple[int, bool]:
        try:
            with open("/proc/thread-self/comm", "rb") as f:
                comm = f.read().rstrip(b"\n")
        except OSError:
            comm = b""
        name = "sd-" + comm.decode("utf-8", "replace") if comm else "sd"
        if hasattr(os, "memfd_create"):
            try:
                return os.memfd_create(name, os.MFD_ALLOW_SEALING | os.MFD_CLOEXEC), True
            except OSError as e:
                if e.errno != errno.ENOSYS:
                    raise
        fd = os.open("/dev/shm", os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
        return fd, False


_journal = _JournalSocket()
