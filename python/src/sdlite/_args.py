"""Argument conversion as CPython's PyArg_Parse* does it for python-systemd's C functions, and
python-systemd's error mapping (its set_error()), so that sdlite raises what python-systemd
raises for the same call: TypeError, OverflowError, ValueError, MemoryError, or the OSError
subclass for the errno (ConnectionRefusedError, FileNotFoundError, TimeoutError, ...).
"""
from __future__ import annotations

import errno
import operator
import os
from typing import NoReturn, Optional, Union

_INT_MIN = -(1 << 31)
_INT_MAX = (1 << 31) - 1
_LONG_MIN = -(1 << 63)
_LONG_MAX = (1 << 63) - 1

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]", None]


def c_long(value: object) -> int:
    """PyLong_AsLong: an object with __index__, in the range of a C long."""
    v = operator.index(value)  # type: ignore[arg-type]
    if not _LONG_MIN <= v <= _LONG_MAX:
        raise OverflowError("Python int too large to convert to C long")
    return v


def c_int(value: object) -> int:
    """The "i" format unit."""
    v = c_long(value)
    if v > _INT_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if v < _INT_MIN:
        raise OverflowError("signed integer is less than minimum")
    return v


def c_bool(value: object) -> bool:
    """The "p" format unit (truth value)."""
    return bool(value)


def c_str(value: object, fname: str, pos: int) -> bytes:
    """The "s" format unit: a str without NUL, as UTF-8."""
    if not isinstance(value, str):
        raise TypeError(f"{fname}() argument {pos} must be str, not {type(value).__name__}")
    b = value.encode("utf-8")
    if b"\0" in b:
        raise ValueError("embedded null character")
    return b


def fs_path(value: object) -> Optional[bytes]:
    """python-systemd's Unicode_FSConverter: None, or str/bytes/PathLike as file-system bytes
    without NUL."""
    if value is None:
        return None
    b = os.fsencode(os.fspath(value))  # type: ignore[call-overload]
    if b"\0" in b:
        raise ValueError("embedded null byte")
    return b


def raise_errno(r: int, path: Optional[bytes] = None, invalid_message: Optional[str] = None) -> NoReturn:
    """python-systemd's set_error() for a negative result."""
    e = -r
    if e == errno.EINVAL and invalid_message is not None:
        raise ValueError(invalid_message)
    if e == errno.ENOMEM:
        raise MemoryError("Not enough memory")
    if path is not None:
        raise OSError(e, os.strerror(e), os.fsdecode(path))
    raise OSError(e, os.strerror(e))


def check(r: int, path: Optional[bytes] = None, invalid_message: Optional[str] = None) -> int:
    if r < 0:
        raise_errno(r, path, invalid_message)
    return r
