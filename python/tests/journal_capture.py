"""Run by test_journal.py inside a private mount namespace (unshare -m, root): a tmpfs on /run
holds our own /run/systemd/journal/socket and /stdout, and the same calls go through Debian's
python3-systemd (systemd.journal, on libsystemd 252) and sdlite.journal. Prints one JSON line
per case: what each one delivered (or raised), for the test to compare byte for byte.
"""
import array
import fcntl
import json
import logging
import os
import socket
import subprocess
import sys
import uuid

subprocess.run(["mount", "-n", "-t", "tmpfs", "-o", "mode=0755", "sdlite-test-run", "/run"], check=True)
os.makedirs("/run/systemd/journal")
rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
rx.bind("/run/systemd/journal/socket")
rx.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 64 << 20)
rx.settimeout(10)
st = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
st.bind("/run/systemd/journal/stdout")
st.listen(4)
st.settimeout(10)

from systemd import journal as ref  # noqa: E402

import sdlite  # noqa: E402
from sdlite import journal as ours  # noqa: E402

MODS = (("python-systemd", ref), ("sdlite", ours))


def received():
    msg, anc, _flags, _addr = rx.recvmsg(32 << 20, socket.CMSG_SPACE(4 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[:len(data) - len(data) % 4])
            fd = fds[0]
            seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
            os.lseek(fd, 0, os.SEEK_SET)
            chunks = []
            while True:
                b = os.read(fd, 1 << 20)
                if not b:
                    break
                chunks.append(b)
            for f in fds:
                os.close(f)
            return {"via": "memfd", "seals": seals, "len": len(msg), "data": b"".join(chunks).hex()}
    return {"via": "datagram", "data": msg.hex()}


def outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return {"raise": type(e).__name__, "errno": getattr(e, "errno", None)}
    return received()


def emit(name, results):
    print(json.dumps({"case": name, "results": results}), flush=True)


def case(name, fn):
    """fn(mod) makes one entry; the same code line runs for both modules, so CODE_LINE agrees."""
    emit(name, [outcome(lambda: fn(mod)) for _, mod in MODS])


MID = uuid.UUID("8441372f8dca4ca98694a6091fd8519f")
case("send plain", lambda m: m.send("hello"))
case("send fields", lambda m: m.send("hello", FOO="bar", NUM=5, PRIORITY=3, NONE=None))
case("send bytes value", lambda m: m.send("bin", BINARY=b"\xde\xad\0\xbe\xef\n"))
case("send multi-line", lambda m: m.send("two\nlines", OTHER="a\nb", EMPTY=""))
case("send unicode", lambda m: m.send("h\u00e9llo \u2603", F="\u00e9"))
case("send MESSAGE_ID uuid", lambda m: m.send("mid", MESSAGE_ID=MID))
case("send MESSAGE_ID hex", lambda m: m.send("mid", MESSAGE_ID=MID.hex))
case("send explicit location", lambda m: m.send("loc", CODE_FILE="f.py", CODE_LINE=7, CODE_FUNC="fn"))
case("send CODE_LINE only", lambda m: m.send("loc", CODE_LINE=1))
case("send own identifier", lambda m: m.send("id", SYSLOG_IDENTIFIER="custom"))
case("send lower-case field", lambda m: m.send("x", lower="kept as is"))
case("send 20 MiB (memfd)", lambda m: m.send("big", BIG="x" * (20 << 20)))
case("sendv", lambda m: m.sendv("MESSAGE=x", b"B=\xff\xfe", "C=1", "D=a\nb"))
for label, args in [("no fields", ()), ("no '='", ("MESSAGE",)), ("empty name", ("=x",)),
                    ("newline in name", ("A\nB=x",)), ("bytearray", (bytearray(b"A=1"),)),
                    ("int", (5,)), ("one byte", ("A",))]:
    case("sendv error: " + label, lambda m, a=args: m.sendv(*a))
case("send bytes MESSAGE", lambda m: m.send(b"bytes"))
case("send bad CODE_LINE", lambda m: m.send("x", CODE_LINE="7"))


def handler_case(name, logcall, **handler_kw):
    """Both handlers on one logger: one logging call, one record, two entries."""
    log = logging.getLogger("sdlite.compare." + name)
    log.propagate = False
    log.setLevel(logging.DEBUG)
    handlers = [mod.JournalHandler(**handler_kw) for _, mod in MODS]
    for h in handlers:
        log.addHandler(h)
    try:
        logcall(log)
        emit("JournalHandler: " + name, [received() for _ in MODS])
    finally:
        for h in handlers:
            log.removeHandler(h)


handler_case("info with args", lambda log: log.info("hello %s %d", "world", 5))
handler_case("warning, extra MESSAGE_ID", lambda log: log.warning("mid", extra={"MESSAGE_ID": MID}))
handler_case("debug, handler fields", lambda log: log.debug("fields"), SYSLOG_IDENTIFIER="app", X_TAG="t")


def boom(log):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("failed: %s", "details")


handler_case("exception", boom)
handler_case("level 55", lambda log: log.log(55, "above critical"))


def stream_case(name, fn):
    results = []
    for _, mod in MODS:
        try:
            f = fn(mod)
        except Exception as e:  # noqa: BLE001
            results.append({"raise": type(e).__name__, "errno": getattr(e, "errno", None)})
            continue
        conn, _ = st.accept()
        conn.settimeout(10)
        f.write("first line\n<3>second line\n")
        f.close()
        data = b""
        while True:
            b = conn.recv(65536)
            if not b:
                break
            data += b
        conn.close()
        results.append({"via": "stream", "data": data.hex()})
    emit(name, results)


stream_case("stream(default)", lambda m: m.stream())
stream_case("stream(ident, LOG_WARNING, level_prefix)", lambda m: m.stream("ident", m.LOG_WARNING, True))
stream_case("stream_fd", lambda m: os.fdopen(m.stream_fd("sfd", m.LOG_DEBUG, 0), "w"))
stream_case("stream_fd priority 8", lambda m: os.fdopen(m.stream_fd("sfd", 8, 0), "w"))
stream_case("stream_fd bytes identifier", lambda m: os.fdopen(m.stream_fd(b"sfd", 1, 0), "w"))
emit("backend", [sdlite.backend, sdlite.library])
