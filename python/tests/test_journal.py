"""sdlite.journal against python-systemd's systemd.journal, byte for byte on the wire: both
send to a receiver bound at /run/systemd/journal/socket (and /stdout) in a private mount
namespace (journal_capture.py), and every entry, memfd, stream header and error must be the
same. Needs root; python3-systemd is the reference."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys

import pytest

from sdlite import journal

from conftest import need_root, skip_or_fail

HERE = os.path.dirname(os.path.abspath(__file__))


def fields(hexdata: str) -> list:
    """The entry decoded into (name, value) pairs, for readable failure messages."""
    data = bytes.fromhex(hexdata)
    out = []
    i = 0
    while i < len(data):
        nl = data.find(b"\n", i)
        eq = data.find(b"=", i, nl)
        if eq >= 0:
            out.append((data[i:eq], data[eq + 1:nl]))
            i = nl + 1
        else:
            name = data[i:nl]
            n = int.from_bytes(data[nl + 1:nl + 9], "little")
            out.append((name, data[nl + 9:nl + 9 + n]))
            i = nl + 9 + n + 1
    return out


@pytest.fixture(scope="module")
def capture():
    need_root()
    try:
        import systemd.journal  # noqa: F401
    except ImportError:
        skip_or_fail("python3-systemd is not importable")
    if not shutil.which("unshare"):
        skip_or_fail("unshare (util-linux) not found")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                        os.path.join(HERE, "journal_capture.py")],
                       capture_output=True, text=True, timeout=180)
    if p.returncode != 0:
        pytest.fail(f"journal_capture.py failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    cases = {}
    for line in p.stdout.splitlines():
        d = json.loads(line)
        cases[d["case"]] = d["results"]
    return cases


CASES = [
    "send plain", "send fields", "send bytes value", "send multi-line", "send unicode",
    "send MESSAGE_ID uuid", "send MESSAGE_ID hex", "send explicit location", "send CODE_LINE only",
    "send own identifier", "send lower-case field", "send 20 MiB (memfd)", "sendv",
    "sendv error: no fields", "sendv error: no '='", "sendv error: empty name",
    "sendv error: newline in name", "sendv error: bytearray", "sendv error: int",
    "sendv error: one byte", "send bytes MESSAGE", "send bad CODE_LINE",
    "JournalHandler: info with args", "JournalHandler: warning, extra MESSAGE_ID",
    "JournalHandler: debug, handler fields", "JournalHandler: exception", "JournalHandler: level 55",
    "stream(default)", "stream(ident, LOG_WARNING, level_prefix)", "stream_fd",
    "stream_fd priority 8", "stream_fd bytes identifier",
]


@pytest.mark.parametrize("name", CASES)
def test_same_as_python_systemd(capture, name):
    theirs, ours = capture[name]
    if "data" in theirs and "data" in ours and theirs["via"] != "stream":
        assert fields(ours["data"]) == fields(theirs["data"])
    assert ours == theirs


def test_expected_shapes(capture):
    """The comparison is not vacuous: entries arrived, with the caller's location."""
    plain = dict(fields(capture["send plain"][1]["data"]))
    assert plain[b"MESSAGE"] == b"hello"
    assert plain[b"CODE_FILE"].endswith(b"journal_capture.py")
    assert int(plain[b"CODE_LINE"]) > 0 and plain[b"CODE_FUNC"] == b"<lambda>"
    assert b"SYSLOG_IDENTIFIER" in plain
    big = capture["send 20 MiB (memfd)"][1]
    assert big["via"] == "memfd" and big["len"] == 0 and big["seals"] == 0xF
    assert dict(fields(capture["send bytes value"][1]["data"]))[b"BINARY"] == b"\xde\xad\0\xbe\xef\n"
    assert capture["sendv error: no fields"][1] == {"raise": "OSError", "errno": 22}
    assert capture["sendv error: bytearray"][1]["raise"] == "TypeError"
    header = bytes.fromhex(capture["stream(ident, LOG_WARNING, level_prefix)"][1]["data"])
    assert header.startswith(b"ident\n\n4\n1\n0\n0\n0\nfirst line\n")
    backend = capture["backend"]
    want = os.environ.get("SDLITE_TEST_EXPECT_BACKEND")
    if want:
        assert backend[0] == want


def test_priorities():
    p = journal.JournalHandler.map_priority
    assert [p(x) for x in (0, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51)] == \
        [journal.LOG_DEBUG, journal.LOG_DEBUG, journal.LOG_INFO, journal.LOG_INFO, journal.LOG_WARNING,
         journal.LOG_WARNING, journal.LOG_ERR, journal.LOG_ERR, journal.LOG_CRIT, journal.LOG_CRIT,
         journal.LOG_ALERT]
    assert journal.JournalHandler.mapPriority is journal.JournalHandler.map_priority


def test_handler_field_names():
    with pytest.raises(ValueError):
        journal.JournalHandler(**{" X ": 1})
    with pytest.raises(ValueError):
        journal.JournalHandler.with_args({"lower": 1})
    h = journal.JournalHandler.with_args({"level": logging.INFO, "X": 3})
    assert h.level == logging.INFO and h._extra["SYSLOG_IDENTIFIER"] == sys.argv[0]


def test_handler_sender_function():
    sent = []
    h = journal.JournalHandler(sender_function=lambda MESSAGE, **kw: sent.append((MESSAGE, kw)), X_A="1")
    rec = logging.LogRecord("lg", logging.ERROR, "/p.py", 12, "m %s", ("a",), None, "fn")
    h.emit(rec)
    msg, kw = sent[0]
    assert msg == "m a"
    assert kw["PRIORITY"] == "3" and kw["LOGGER"] == "lg" and kw["CODE_FILE"] == "/p.py"
    assert kw["CODE_LINE"] == 12 and kw["CODE_FUNC"] == "fn" and kw["CODE_ARGS"] == "('a',)"
    assert kw["X_A"] == "1"


def test_no_reader():
    assert not hasattr(journal, "Reader")
    assert "systemd" not in sys.modules or "sdlite" not in getattr(sys.modules.get("systemd"), "__file__", "")
