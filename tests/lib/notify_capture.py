#!/usr/bin/env python3
"""Run one notify tool invocation against a receiving socket and print a transcript.

    notify_capture.py [--bind ADDR] [--argv0 NAME] [--user UID] [--managerpid-parent]
                      [--fd N=PATH ...] [--hold-fds] [--show-pids] -- PROGRAM ARGS...

PROGRAM runs as a direct child of this script (so "its parent" is this process) with the
environment it was given (NOTIFY_SOCKET is left to the caller, so that unset, bad and
unreachable values can be tested while a socket is bound), argv[0] = NAME when given, real and
effective ids UID (and gid = UID) with --user, MANAGERPID = this process's pid with
--managerpid-parent, and fd N open on PATH (read-only) for each --fd.

ADDR ("/path" or "@abstract") is bound with SO_PASSCRED before PROGRAM starts. Every datagram
that arrives is described at once and its fds closed (a barrier's pipe among them, so that the
sender's barrier completes). The transcript is deterministic: after PROGRAM has exited, all it
sent is queued, so the socket is drained without waiting. Pids are printed symbolically: SELF
(PROGRAM's pid), PARENT (this process), else "other". Passed fds are described by what they
are (pipe, socket, or the file's path), never by number; a `MAINPID=` line naming PROGRAM or
this process reads MAINPID=<SELF> or MAINPID=<PARENT>. --hold-fds keeps received fds open until
PROGRAM exits (a barrier then times out); --show-pids adds "pids SELF PARENT" at the end.
"""
import array
import os
import select
import socket
import struct
import subprocess
import sys
import threading

SCM_CREDENTIALS = 2


def describe_fd(fd):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError as e:
        return f"unreadable({e.errno})"
    if target.startswith("pipe:"):
        return "pipe"
    if target.startswith("socket:"):
        return "socket"
    return target


def main():
    args = sys.argv[1:]
    bind = None
    argv0 = None
    user = None
    managerpid = False
    fds = []
    hold = False
    show_pids = False
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--bind":
            bind = args.pop(0)
        elif opt == "--argv0":
            argv0 = args.pop(0)
        elif opt == "--user":
            user = int(args.pop(0))
        elif opt == "--managerpid-parent":
            managerpid = True
        elif opt == "--hold-fds":
            hold = True
        elif opt == "--show-pids":
            show_pids = True
        elif opt == "--fd":
            n, path = args.pop(0).split("=", 1)
            fds.append((int(n), path))
        else:
            sys.exit(f"notify_capture: unknown option {opt}")
    if not args:
        sys.exit("notify_capture: no program")
    prog = args[1:]

    sock = None
    if bind is not None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        sock.bind("\0" + bind[1:] if bind.startswith("@") else bind)
        if not bind.startswith("@"):
            os.chmod(bind, 0o777)

    env = dict(os.environ)
    if managerpid:
        env["MANAGERPID"] = str(os.getpid())

    opened = []
    for n, path in fds:
        fd = os.open(path, os.O_RDONLY)
        if fd != n:
            os.dup2(fd, n, inheritable=True)
            os.close(fd)
        else:
            os.set_inheritable(fd, True)
        opened.append(n)

    lines = []
    held = []
    done = threading.Event()
    child_pid = [None]

    def record(data, ancdata):
        pid = uid = gid = None
        passed = []
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == SCM_CREDENTIALS:
                pid, uid, gid = struct.unpack("iII", payload[:12])
            elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(payload[: len(payload) - len(payload) % a.itemsize])
                passed.extend(a)
        who = "SELF" if pid == child_pid[0] else "PARENT" if pid == os.getpid() else "other"
        desc = [describe_fd(fd) for fd in passed]
        if hold:
            held.extend(passed)
        else:
            for fd in passed:
                os.close(fd)
        symbolic = {f"MAINPID={child_pid[0]}".encode(): b"MAINPID=<SELF>",
                    f"MAINPID={os.getpid()}".encode(): b"MAINPID=<PARENT>"}
        data = b"\n".join(symbolic.get(line, line) for line in data.split(b"\n"))
        lines.append(f"datagram {data!r} sender={who} uid={uid} gid={gid} fds={desc}")

    def receive():
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        while True:
            finished = done.is_set()
            # Polled after the program's exit was seen, an empty socket stays empty.
            ready = poller.poll(0 if finished else 20)
            if not ready and finished:
                return
            if ready:
                data, anc, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(4 * 253))
                record(data, anc)

    thread = None
    if sock is not None:
        thread = threading.Thread(target=receive, daemon=True)

    kwargs = {}
    if user is not None:
        kwargs.update(user=user, group=user, extra_groups=[])
    proc = subprocess.Popen(
        [argv0 or prog[0]] + prog[1:], executable=prog[0], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=opened, **kwargs)
    child_pid[0] = proc.pid
    for n in opened:
        os.close(n)
    if thread is not None:
        thread.start()
    out, err = proc.communicate()
    done.set()
    if thread is not None:
        thread.join()
    print(f"exit {proc.returncode}")
    print(f"stdout {out!r}")
    print(f"stderr {err!r}")
    for line in lines:
        print(line)
    if show_pids:
        print(f"pids {proc.pid} {os.getpid()}")


if __name__ == "__main__":
    main()
