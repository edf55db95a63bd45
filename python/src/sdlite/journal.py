"""python-systemd's ``systemd.journal`` sending side, on sdlite: ``send``, ``sendv``,
``stream``, ``stream_fd``, ``JournalHandler`` and the ``LOG_*`` priorities, with the same
fields and defaults as python-systemd 235 (``CODE_FILE``/``CODE_LINE``/``CODE_FUNC`` from the
caller, ``MESSAGE_ID`` from a UUID or its hex string, bytes values sent as they are).

There is no journal reader here (``Reader``, ``get_catalog``): reading the journal's files is
libsystemd's job, not the protocol's.
"""
from __future__ import annotations

import logging as _logging
import os as _os
import sys as _sys
import uuid as _uuid
from syslog import (LOG_ALERT, LOG_CRIT, LOG_DEBUG, LOG_EMERG, LOG_ERR, LOG_INFO, LOG_NOTICE,
                    LOG_WARNING)
from typing import IO, Any, Callable, Dict, Optional, Union
from typing import cast as _cast

from . import __version__, _backend
from ._args import c_int, c_str

__all__ = [
    "send", "sendv", "stream", "stream_fd", "JournalHandler",
    "LOG_EMERG", "LOG_ALERT", "LOG_CRIT", "LOG_ERR", "LOG_WARNING", "LOG_NOTICE", "LOG_INFO",
    "LOG_DEBUG",
]

_impl = _backend.IMPL

_IDENT_CHARACTER = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")


def _valid_field_name(s: str) -> bool:
    return not (set(s) - _IDENT_CHARACTER)


def sendv(*args: Union[str, bytes]) -> None:
    """Send one entry made of ``"FIELD=value"`` strings or bytes, as they are
    (sd_journal_sendv(3)). Raises OSError (its errno subclass) when it cannot be sent; with no
    journald running, the entry is dropped silently, as by libsystemd."""
    fields = []
    for item in args:
        if isinstance(item, str):
            item = item.encode("utf-8")
        elif not isinstance(item, bytes):
            raise TypeError(f"expected bytes, {type(item).__name__} found")
        fields.append(bytes(item))
    r = _impl.journal_sendv(fields)
    if r < 0:
        raise OSError(-r, _os.strerror(-r))


def stream_fd(identifier: str, priority: int, level_prefix: int) -> int:
    """A new stream connection to journald (sd_journal_stream_fd(3)): every line written to
    the returned fd becomes an entry with this identifier and priority."""
    ident = c_str(identifier, "stream_fd", 1)
    r = _impl.journal_stream_fd(ident, c_int(priority), c_int(level_prefix))
    if r < 0:
        raise OSError(-r, _os.strerror(-r))
    return r


def _make_line(field: str, value: Any) -> Union[str, bytes]:
    if isinstance(value, bytes):
        return field.encode("utf-8") + b"=" + value
    if isinstance(value, str):
        return field + "=" + value
    return field + "=" + str(value)


def send(MESSAGE: str, MESSAGE_ID: Union[_uuid.UUID, str, None] = None,
         CODE_FILE: Optional[str] = None, CODE_LINE: Optional[int] = None,
         CODE_FUNC: Optional[str] = None, **kwargs: Any) -> None:
    r"""Send an entry to the journal: ``MESSAGE``, then ``MESSAGE_ID`` (a uuid.UUID or a
    32-digit hex string), the code location, then every keyword as a field::

        journal.send("Hello world")
        journal.send("Hello, again", FIELD2="Greetings!")
        journal.send("Binary message", BINARY=b"\xde\xad\xbe\xef")

    Unless one of CODE_FILE, CODE_LINE and CODE_FUNC is given, all three are taken from the
    caller. A str is sent as UTF-8, bytes as they are, anything else as ``str(value)``.
    """
    args = ["MESSAGE=" + MESSAGE]
    if MESSAGE_ID is not None:
        mid = _cast(str, getattr(MESSAGE_ID, "hex", MESSAGE_ID))
        args.append("MESSAGE_ID=" + mid)
    if CODE_LINE is CODE_FILE is CODE_FUNC is None:
        caller = _sys._getframe(1)
        CODE_FILE, CODE_LINE, CODE_FUNC = (caller.f_code.co_filename, caller.f_lineno,
                                           caller.f_code.co_name)
    if CODE_FILE is not None:
        args.append("CODE_FILE=" + CODE_FILE)
    if CODE_LINE is not None:
        args.append("CODE_LINE={:d}".format(CODE_LINE))
    if CODE_FUNC is not None:
        args.append("CODE_FUNC=" + CODE_FUNC)
    return sendv(*args, *(_make_line(key, val) for key, val in kwargs.items()))


def stream(identifier: Optional[str] = None, priority: int = LOG_INFO,
           level_prefix: bool = False) -> IO[str]:
    """A line-buffered text file whose lines go to the journal::

        print("message...", file=journal.stream("myapp"))

    ``identifier`` defaults to ``sys.argv[0]`` ("python" when there is none or it is "-c");
    with ``level_prefix``, a leading ``<N>`` sets a line's priority."""
    if identifier is None:
        if not _sys.argv or not _sys.argv[0] or _sys.argv[0] == "-c":
            identifier = "python"
        else:
            identifier = _sys.argv[0]
    fd = stream_fd(identifier, priority, level_prefix)
    return _os.fdopen(fd, "w", 1)


class JournalHandler(_logging.Handler):
    """A logging handler that sends each record to the journal::

        log = logging.getLogger("app")
        log.addHandler(JournalHandler(SYSLOG_IDENTIFIER="app"))
        log.warning("disk %s almost full", "/var", extra={"MESSAGE_ID": mid})

    Each entry has MESSAGE (the formatted record), PRIORITY (from the level, see
    map_priority), LOGGER, THREAD_NAME, PROCESS_NAME, CODE_FILE, CODE_LINE, CODE_FUNC, the
    record's attributes (``extra=`` included, so ``MESSAGE_ID``), EXCEPTION_TEXT and
    EXCEPTION_INFO when there is an exception, CODE_ARGS when the message had arguments,
    SYSLOG_IDENTIFIER (default ``sys.argv[0]``) and the keyword fields given here, which must
    be valid journal field names (A-Z, 0-9, _). ``sender_function`` replaces ``send``.
    """

    def __init__(self, level: int = _logging.NOTSET, sender_function: Callable[..., Any] = send,
                 **kwargs: Any) -> None:
        super().__init__(level)
        for name in kwargs:
            if not _valid_field_name(name):
                raise ValueError("Invalid field name: " + name)
        if "SYSLOG_IDENTIFIER" not in kwargs:
            kwargs["SYSLOG_IDENTIFIER"] = _sys.argv[0]
        self.send = sender_function
        self._extra: Dict[str, Any] = kwargs

    @classmethod
    def with_args(cls, config: Optional[Dict[str, Any]] = None) -> "JournalHandler":
        """A handler from one dictionary of arguments (for logging.config.fileConfig)."""
        return cls(**(config or {}))

    def emit(self, record: _logging.LogRecord) -> None:
        try:
            msg = self.format(record)
            pri = self.map_priority(record.levelno)
            extras = self._extra.copy()
            if record.exc_text:
                extras["EXCEPTION_TEXT"] = record.exc_text
            if record.exc_info:
                extras["EXCEPTION_INFO"] = record.exc_info
            if record.args:
                extras["CODE_ARGS"] = str(record.args)
            extras.update(record.__dict__)
            self.send(msg,
                      PRIORITY=format(pri),
                      LOGGER=record.name,
                      THREAD_NAME=record.threadName,
                      PROCESS_NAME=record.processName,
                      CODE_FILE=record.pathname,
                      CODE_LINE=record.lineno,
                      CODE_FUNC=record.funcName,
                      **extras)
        except Exception:
            self.handleError(record)

    @staticmethod
    def map_priority(levelno: int) -> int:
        """The journal priority of a logging level; levels between the standard ones go up to
        the next (DEBUG and below: LOG_DEBUG, ..., above CRITICAL: LOG_ALERT)."""
        if levelno <= _logging.DEBUG:
            return LOG_DEBUG
        if levelno <= _logging.INFO:
            return LOG_INFO
        if levelno <= _logging.WARNING:
            return LOG_WARNING
        if levelno <= _logging.ERROR:
            return LOG_ERR
        if levelno <= _logging.CRITICAL:
            return LOG_CRIT
        return LOG_ALERT

    mapPriority = map_priority
