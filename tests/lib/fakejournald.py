#!/usr/bin/env python3
"""tests/lib/fakejournald.py -- a fake journald that records what programs send, byte for byte.

Run it ONLY inside a private mount namespace whose /run is a private tmpfs (tests/suites/32-*
does `unshare --mount ...` and mounts one): it binds

    /run/systemd/journal/socket   SOCK_DGRAM, SO_PASSCRED  (sd_journal_send/print/sendv/perror)
    /run/systemd/journal/stdout   SOCK_STREAM, listening   (sd_journal_stream_fd)
    /run/systemd/journal/dev-log  SOCK_DGRAM, SO_PASSCRED  (syslog(3)-style senders, `logger -u`)

Usage: fakejournald.py OUT
  creates OUT.ready once the three sockets are bound, then appends one JSON object a line to OUT
  (flushed after every record, so a driver can poll it) for every datagram or stream connection:
    {"n": SEQ, "sock": "socket"|"dev-log"|"stdout", "pid": SENDER_PID (SCM_CREDENTIALS),
     "comm": the sender's /proc/PID/comm (when still readable), "len": payload bytes,
     "raw": the payload as escaped text (see esc()),
     "fds": [{"link": readlink of the passed fd, "seals": F_GET_SEALS, "size": st_size,
              "mode": "0o777", "sha256": ..., "raw": the memfd's content, escaped, when
              <= 1 MiB}],
     "fields": [[NAME, "=" (plain "NAME=value\\n") | "bin" (NAME\\n le64 value\\n), VALUE], ...]
               the journal native protocol decoded, from the datagram or the memfd; for a stream
               connection the 7 header lines and then the lines sent}
  On SIGTERM or SIGUSR1 it drains whatever is still queued (datagrams, pending connections, open
  streams up to EOF) without blocking, writes OUT.done, and exits 0.

esc(): printable ASCII stays, backslash becomes \\\\, every other byte \\xNN, so the text of two
payloads is equal exactly when the bytes are.
"""
import array
import fcntl
import hashlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time

F_GET_SEALS = 1034
DIR = "/run/systemd/journal"
MAXDGRAM = 16 << 20


def esc(b):
    out = []
    for c in b:
        if c == 0x5C:
            out.append("\\\\")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def decode_native(buf):
    """journald's native protocol: NAME=value\\n, or NAME\\n le64(len) value \\n."""
    fields, i, n = [], 0, len(buf)
    while i < n:
        nl = buf.find(b"\n", i)
        eq = buf.find(b"=", i)
        if nl < 0:
            fields.append(["<TRUNCATED>", "?", esc(buf[i:])])
            break
        if 0 <= eq < nl:
            fields.append([esc(buf[i:eq]), "=", esc(buf[eq + 1:nl])])
            i = nl + 1
            continue
        name = buf[i:nl]
        if nl + 9 > n:
            fields.append([esc(name), "<SHORT-LENGTH>", esc(buf[nl + 1:])])
            break
        (ln,) = struct.unpack("<Q", buf[nl + 1:nl + 9])
        start = nl + 9
        val = buf[start:start + ln]
        term = buf[start + ln:start + ln + 1]
        fields.append([esc(name), "bin" if term == b"\n" else "bin-unterminated", esc(val)])
        i = start + ln + 1
    return fields


class Recorder:
    def __init__(self, out):
        self.out = open(out, "a", buffering=1)
        self.seq = 0

    def write(self, rec):
        self.seq += 1
        rec = dict(n=self.seq, **rec)
        self.out.write(json.dumps(rec, sort_keys=True) + "\n")
        self.out.flush()


def comm_of(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def creds(anc):
    pid, fds = None, []
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", data[:12])[0]
        elif level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(data[:len(data) - len(data) % a.itemsize])
            fds.extend(a)
    return pid, fds


def describe_fd(fd):
    st = os.fstat(fd)
    try:
        seals = fcntl.fcntl(fd, F_GET_SEALS)
    except OSError:
        seals = None
    link = os.readlink("/proc/self/fd/%d" % fd)
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        chunks.append(b)
    data = b"".join(chunks)
    d = {"link": link, "seals": seals, "size": st.st_size, "mode": oct(st.st_mode & 0o7777),
         "sha256": hashlib.sha256(data).hexdigest()}
    if len(data) <= 1 << 20:
        d["raw"] = esc(data)
    return d, data


def main():
    out = sys.argv[1]
    rec = Recorder(out)
    os.makedirs(DIR, exist_ok=True)
    socks = {}
    for name, typ in (("socket", socket.SOCK_DGRAM), ("dev-log", socket.SOCK_DGRAM),
                      ("stdout", socket.SOCK_STREAM)):
        path = os.path.join(DIR, name)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, typ | socket.SOCK_CLOEXEC)
        s.bind(path)
        os.chmod(path, 0o666)
        if typ == socket.SOCK_DGRAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            try:
                s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE, as journald
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        else:
            s.listen(64)
        s.setblocking(False)
        socks[name] = s
    streams = {}  # fd -> [sock, pid, bytearray]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGUSR1, lambda *a: stop.append(1))
    # wakes select() at once when a signal arrives (select itself is restarted, PEP 475)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    with open(out + ".ready", "w") as f:
        f.write("%d\n" % os.getpid())

    def read_dgram(name):
        s = socks[name]
        try:
            m, anc, flags, _ = s.recvmsg(MAXDGRAM, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(4 * 16))
        except (BlockingIOError, InterruptedError):
            return False
        pid, fds = creds(anc)
        r = {"sock": name, "pid": pid, "comm": comm_of(pid) if pid else None, "len": len(m),
             "raw": esc(m), "truncated": bool(flags & socket.MSG_TRUNC), "fds": []}
        payload = m
        for fd in fds:
            d, data = describe_fd(fd)
            os.close(fd)
            r["fds"].append(d)
            payload = data
        if name == "socket":
            r["fields"] = decode_native(payload)
        rec.write(r)
        return True

    def accept():
        try:
            c, _ = socks["stdout"].accept()
        except (BlockingIOError, InterruptedError):
            return False
        cr = c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        pid = struct.unpack("iII", cr)[0]
        c.setblocking(False)
        streams[c.fileno()] = [c, pid, bytearray(), comm_of(pid)]
        return True

    def read_stream(fd, deadline=None):
        c, pid, buf, comm = streams[fd]
        while True:
            try:
                b = c.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                if deadline is None:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    buf += b"<STILL-OPEN-AT-DRAIN>"
                    break
                select.select([c], [], [], left)
                continue
            if not b:
                break
            buf += b
        del streams[fd]
        c.close()
        lines = bytes(buf).split(b"\n")
        rec.write({"sock": "stdout", "pid": pid, "comm": comm, "len": len(buf), "raw": esc(bytes(buf)),
                   "fields": [["HEADER" if i < 7 else "LINE", "line", esc(x)]
                              for i, x in enumerate(lines)]})

    while not stop:
        rl = [wake_r, socks["socket"], socks["dev-log"], socks["stdout"]] + [v[0] for v in streams.values()]
        try:
            ready, _, _ = select.select(rl, [], [], 5)
        except InterruptedError:
            continue
        for s in ready:
            if s is wake_r:
                try:
                    os.read(wake_r, 64)
                except BlockingIOError:
                    pass
            elif s is socks["socket"]:
                read_dgram("socket")
            elif s is socks["dev-log"]:
                read_dgram("dev-log")
            elif s is socks["stdout"]:
                accept()
            elif s.fileno() in streams:
                read_stream(s.fileno())
    # drain without blocking: everything a program sent before it exited is queued already
    while read_dgram("socket") or read_dgram("dev-log"):
        pass
    while accept():
        pass
    deadline = time.monotonic() + 5
    for fd in list(streams):
        read_stream(fd, deadline)
    with open(out + ".done", "w") as f:
        f.write("%d\n" % rec.seq)


if __name__ == "__main__":
    main()
