"""systemd's integer parsers, in Python, for the pure-Python backend: the rules libsystemd 252
applies to `$NOTIFY_SOCKET` ports and CIDs, `$LISTEN_PID`, `$LISTEN_FDS`, `$WATCHDOG_USEC`, ...

safe_atou64(): leading " \\t\\n\\r" skipped, `0b`/`0o` prefixes, then C's strtoull(3) in base 0
(which itself skips the rest of isspace(), takes a sign, `0x` and leading-0 octal); nothing
consumed or bytes left over is EINVAL, overflow ERANGE, a negative value ERANGE (checked only
after the rest parsed). Each function returns the value or a negative errno.
"""
from __future__ import annotations

import errno
from typing import Tuple

_WHITESPACE = b" \t\n\r"
_C_ISSPACE = b" \t\n\v\f\r"
_U64_MAX = (1 << 64) - 1
_I64_MIN = -(1 << 63)
_I64_MAX = (1 << 63) - 1


def _digit(c: int) -> int:
    if 0x30 <= c <= 0x39:
        return c - 0x30
    if 0x61 <= c <= 0x7A:
        return c - 0x61 + 10
    if 0x41 <= c <= 0x5A:
        return c - 0x41 + 10
    return 99


def strto(b: bytes, base: int, signed: bool) -> Tuple[int, int, bool]:
    """glibc's strtoull (signed=False) or strtol (signed=True) on a 64-bit ABI:
    (value, bytes consumed, ERANGE set)."""
    n = len(b)
    i = 0
    while i < n and b[i] in _C_ISSPACE:
        i += 1
    negative = False
    if i < n and b[i] in b"+-":
        negative = b[i] == 0x2D
        i += 1
    if (base in (0, 16)) and b[i:i + 1] == b"0" and b[i + 1:i + 2] in (b"x", b"X"):
        if _digit(b[i + 2]) < 16 if i + 2 < n else False:
            base = 16
            i += 2
        else:
            # "0x" with no hex digit after it: the "0" is the number
            return 0, i + 1, False
    elif base == 0:
        base = 8 if b[i:i + 1] == b"0" else 10
    start = i
    v = 0
    while i < n and _digit(b[i]) < base:
        v = v * base + _digit(b[i])
        i += 1
    if i == start:
        return 0, 0, False
    if signed:
        v = -v if negative else v
        if v < _I64_MIN:
            return _I64_MIN, i, True
        if v > _I64_MAX:
            return _I64_MAX, i, True
        return v, i, False
    if v > _U64_MAX:
        return _U64_MAX, i, True
    if negative:
        v = (-v) & _U64_MAX
    return v, i, False


def _prepare(s: bytes) -> Tuple[bytes, int]:
    i = 0
    while i < len(s) and s[i] in _WHITESPACE:
        i += 1
    s = s[i:]
    if s[:2] in (b"0b", b"0B"):
        return s[2:], 2
    if s[:2] in (b"0o", b"0O"):
        return s[2:], 8
    return s, 0


def safe_atou64(s: bytes) -> int:
    rest, base = _prepare(s)
    v, used, erange = strto(rest, base, False)
    if erange:
        return -errno.ERANGE
    if used == 0 or used != len(rest):
        return -errno.EINVAL
    if v != 0 and rest[:1] == b"-":
        return -errno.ERANGE
    return v


def safe_atou32(s: bytes) -> int:
    v = safe_atou64(s)
    if v > 0xFFFFFFFF:
        return -errno.ERANGE
    return v


def safe_atoi(s: bytes) -> Tuple[int, int]:
    """systemd's safe_atoi: (0, value), or (errno, 0); negative values are valid here."""
    rest, base = _prepare(s)
    v, used, erange = strto(rest, base, True)
    if erange:
        return errno.ERANGE, 0
    if used == 0 or used != len(rest):
        return errno.EINVAL, 0
    if not -(1 << 31) <= v < (1 << 31):
        return errno.ERANGE, 0
    return 0, v


def parse_pid(s: bytes) -> int:
    """systemd's parse_pid: a pid > 0 that fits pid_t, or a negative errno."""
    v = safe_atou64(s)
    if v < 0:
        return v
    if v <= 0 or v > 0x7FFFFFFF:
        return -errno.ERANGE
    return v
