"""The library backend: libsystemd's C functions (sdlite's, or systemd's own) through ctypes.

Every method takes already-checked Python values (the public modules convert and validate the
arguments as python-systemd does) and returns what the C function returns: a non-negative
result or a negative errno. Functions the loaded library lacks (an old system libsystemd)
answer -ENOSYS.
"""
from __future__ import annotations

import ctypes
import errno
from typing import Any, List, Optional, Sequence, Tuple

_c_int = ctypes.c_int
_c_uint = ctypes.c_uint
_c_char_p = ctypes.c_char_p
_c_void_p = ctypes.c_void_p
_c_uint64 = ctypes.c_uint64
_c_size_t = ctypes.c_size_t
_pid_t = ctypes.c_int


class _iovec(ctypes.Structure):
    _fields_ = [("iov_base", _c_void_p), ("iov_len", _c_size_t)]


# name: (restype, argtypes)
_PROTOTYPES = {
    "sd_booted": (_c_int, []),
    "sd_notify": (_c_int, [_c_int, _c_char_p]),
    "sd_pid_notify": (_c_int, [_pid_t, _c_int, _c_char_p]),
    "sd_pid_notify_with_fds": (_c_int, [_pid_t, _c_int, _c_char_p, ctypes.POINTER(_c_int), _c_uint]),
    "sd_notify_barrier": (_c_int, [_c_int, _c_uint64]),
    "sd_watchdog_enabled": (_c_int, [_c_int, ctypes.POINTER(_c_uint64)]),
    "sd_listen_fds": (_c_int, [_c_int]),
    "sd_listen_fds_with_names": (_c_int, [_c_int, ctypes.POINTER(ctypes.POINTER(_c_void_p))]),
    "sd_is_fifo": (_c_int, [_c_int, _c_char_p]),
    "sd_is_mq": (_c_int, [_c_int, _c_char_p]),
    "sd_is_socket": (_c_int, [_c_int, _c_int, _c_int, _c_int]),
    "sd_is_socket_inet": (_c_int, [_c_int, _c_int, _c_int, _c_int, ctypes.c_uint16]),
    "sd_is_socket_sockaddr": (_c_int, [_c_int, _c_int, _c_char_p, _c_uint, _c_int]),
    "sd_is_socket_unix": (_c_int, [_c_int, _c_int, _c_int, _c_char_p, _c_size_t]),
    "sd_journal_sendv": (_c_int, [ctypes.POINTER(_iovec), _c_int]),
    "sd_journal_stream_fd": (_c_int, [_c_char_p, _c_int, _c_int]),
}

#: What a library must have to be used at all; the rest may be missing from an old libsystemd.
REQUIRED = ("sd_notify", "sd_listen_fds", "sd_booted")

_ENOSYS = -errno.ENOSYS


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None)


class _Dl_info(ctypes.Structure):
    _fields_ = [("dli_fname", _c_char_p), ("dli_fbase", _c_void_p),
                ("dli_sname", _c_char_p), ("dli_saddr", _c_void_p)]


def _path_of(function: Any) -> Optional[str]:
    """The file the dynamic loader mapped `function` from (dladdr), or None."""
    try:
        dladdr = _libc().dladdr
    except AttributeError:
        return None
    dladdr.argtypes = [_c_void_p, ctypes.POINTER(_Dl_info)]
    dladdr.restype = _c_int
    info = _Dl_info()
    if not dladdr(ctypes.cast(function, _c_void_p), ctypes.byref(info)) or not info.dli_fname:
        return None
    return str(info.dli_fname.decode("utf-8", "surrogateescape"))


class Library:
    """A loaded libsystemd-compatible library. Raises OSError when it cannot be loaded or lacks
    one of REQUIRED."""

    def __init__(self, name: str) -> None:
        self.dll = ctypes.CDLL(name)
        self.missing: List[str] = []
        for fname, (restype, argtypes) in _PROTOTYPES.items():
            try:
                f = getattr(self.dll, fname)
            except AttributeError:
                self.missing.append(fname)
                continue
            f.restype = restype
            f.argtypes = argtypes
        lacking = [f for f in REQUIRED if f in self.missing]
        if lacking:
            raise OSError(errno.ENOSYS, f"{name} lacks {', '.join(lacking)}")
        self.path = _path_of(self.dll.sd_notify) or name
        libc = _libc()
        self._free = libc.free
        self._free.argtypes = [_c_void_p]
        self._free.restype = None

    def _has(self, fname: str) -> bool:
        return fname not in self.missing

    # ---------------------------------------------------------------- sd-daemon
    def booted(self) -> int:
        return int(self.dll.sd_booted())

    def notify(self, pid: int, unset: bool, state: bytes, fds: Optional[Sequence[int]]) -> int:
        """sd_notify, sd_pid_notify or sd_pid_notify_with_fds, chosen as python-systemd does."""
        if fds is None:
            if pid == 0:
                return int(self.dll.sd_notify(int(unset), state))
            if not self._has("sd_pid_notify"):
                return _ENOSYS
            return int(self.dll.sd_pid_notify(pid, int(unset), state))
        if not self._has("sd_pid_notify_with_fds"):
            return _ENOSYS
        arr = (_c_int * max(len(fds), 1))(*fds)
        return int(self.dll.sd_pid_notify_with_fds(pid, int(unset), state, arr, len(fds)))

    def notify_barrier(self, unset: bool, usec: int) -> int:
        if not self._has("sd_notify_barrier"):
            return _ENOSYS
        return int(self.dll.sd_notify_barrier(int(unset), usec))

    def watchdog_enabled(self, unset: bool) -> Tuple[int, int]:
        usec = _c_uint64(0)
        r = int(self.dll.sd_watchdog_enabled(int(unset), ctypes.byref(usec)))
        return r, int(usec.value)

    def listen_fds(self, unset: bool) -> int:
        return int(self.dll.sd_listen_fds(int(unset)))

    def listen_fds_with_names(self, unset: bool) -> Tuple[int, List[bytes]]:
        if not self._has("sd_listen_fds_with_names"):
            return _ENOSYS, []
        names = ctypes.POINTER(_c_void_p)()
        r = int(self.dll.sd_listen_fds_with_names(int(unset), ctypes.byref(names)))
        out: List[bytes] = []
        if r > 0 and names:
            for i in range(r):
                p = names[i]
                if not p:
                    break
                out.append(ctypes.string_at(p))
            i = 0
            while names[i]:
                self._free(names[i])
                i += 1
            self._free(ctypes.cast(names, _c_void_p))
        return r, out

    def is_fifo(self, fd: int, path: Optional[bytes]) -> int:
        return int(self.dll.sd_is_fifo(fd, path))

    def is_mq(self, fd: int, path: Optional[bytes]) -> int:
        return int(self.dll.sd_is_mq(fd, path))

    def is_socket(self, fd: int, family: int, type: int, listening: int) -> int:
        return int(self.dll.sd_is_socket(fd, family, type, listening))

    def is_socket_inet(self, fd: int, family: int, type: int, listening: int, port: int) -> int:
        return int(self.dll.sd_is_socket_inet(fd, family, type, listening, port))

    def is_socket_sockaddr(self, fd: int, type: int, addr: bytes, listening: int) -> int:
        if not self._has("sd_is_socket_sockaddr"):
            return _ENOSYS
        return int(self.dll.sd_is_socket_sockaddr(fd, type, addr, len(addr), listening))

    def is_socket_unix(self, fd: int, type: int, listening: int, path: Optional[bytes], length: int) -> int:
        return int(self.dll.sd_is_socket_unix(fd, type, listening, path, length))

    # ---------------------------------------------------------------- sd-journal (send side)
    def journal_sendv(self, fields: Sequence[bytes]) -> int:
        n = len(fields)
        iov = (_iovec * max(n, 1))()
        keep = []
        for i, b in enumerate(fields):
            buf = _c_char_p(b)  # points at the bytes object's own buffer; kept alive below
            keep.append(buf)
            iov[i].iov_base = ctypes.cast(buf, _c_void_p)
            iov[i].iov_len = len(b)
        r = int(self.dll.sd_journal_sendv(iov, n))
        del keep
        return r

    def journal_stream_fd(self, identifier: bytes, priority: int, level_prefix: int) -> int:
        return int(self.dll.sd_journal_stream_fd(identifier, priority, level_prefix))
