#!/bin/bash
# 62-journal-systemd.sh -- the journal's sending side against the REAL systemd-journald 252, under
# the real systemd 252 of tests/lib/sysns.sh (private namespaces; journald as
# systemd-journald.socket/.service, volatile storage in the namespace's /run: tests/lib/journalns.sh).
#
# c-tests/journal-real/journal-real.c, built against Debian's libsystemd-dev, runs as two instances
# of one Type=notify unit at once: journal-real@sdlite.service (EnvironmentFile gives
# LD_LIBRARY_PATH=$SDLITE_BUILD) and journal-real@252.service (the system library).  Each logs with
# every function -- print at all 8 priorities, printv, send with custom/multi-line fields, sendv
# with every byte value, perror, two fields of several MiB (the sealed-memfd path), stream_fd with
# and without <N> level prefixes -- writes a manifest (each call's CODE_LINE, CODE_FUNC, return
# value), sends READY=1 and stays up.  Then `journalctl --directory=/run/log/journal -o export --all`
# inside the namespace reads every entry back, and for each instance:
#   a. the process maps only its side's library; every call returned 0
#   b. 19 native entries (_TRANSPORT=journal) in the order sent and 6 stream lines
#      (_TRANSPORT=stdout), all with _PID = the unit's MainPID and _SYSTEMD_UNIT = the unit
#   c. MESSAGE and PRIORITY of each; SYSLOG_IDENTIFIER=journal-real (the implicit one);
#      CODE_FILE/CODE_LINE/CODE_FUNC from the header's macros where the manifest says so, none for
#      the plain (sd_journal_print)(...) and (sd_journal_send)(...) calls
#   d. custom fields byte-exact: multi-line, 256 bytes 0x00..0xff, trailing spaces stripped by
#      send and kept by sendv; perror's ERRNO=2 / 13 and strerror text
#   e. the 5 MiB and 3 MiB fields: full length and SHA-256 of the content
#   f. the stream lines: PRIORITY from <N> prefixes with level_prefix=1 (default 6 without one),
#      the prefix kept as text with level_prefix=0 (priority 4), SYSLOG_IDENTIFIER = stream_fd's
#   g. sdlite vs 252: the same entries, field for field and byte for byte, apart from what differs
#      between any two runs (_PID, timestamps, cursors, invocation and stream ids, the unit's
#      instance name)
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
SDLITE_BUILD=${SDLITE_BUILD:-$ROOT/build}
SYSTEM_LIBSYSTEMD=${SYSTEM_LIBSYSTEMD:-/usr/lib/x86_64-linux-gnu/libsystemd.so.0}
# shellcheck source=SCRIPTDIR/../lib/journalns.sh
. "$ROOT/tests/lib/journalns.sh"
PY=/usr/bin/python3
SIDES=(sdlite 252)

echo "== 62-journal-systemd: every sending function against the real journald, sdlite vs 252"
t0=$(sysns__now_us)
sysns_require
[ -x /lib/systemd/systemd-journald ] || sysns_skip_or_fail "/lib/systemd/systemd-journald not installed (package systemd)"
command -v journalctl >/dev/null || sysns_skip_or_fail "journalctl not found (package systemd)"
[ -e /usr/include/systemd/sd-journal.h ] || sysns_skip_or_fail "no /usr/include/systemd/sd-journal.h (apt-get install libsystemd-dev)"
command -v gcc >/dev/null || sysns_skip_or_fail "gcc not found"
[ -x "$PY" ] || sysns_skip_or_fail "$PY not found (make deps installs python3)"
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { echo "FAIL: $SDLITE_BUILD/libsystemd.so.0 missing: run make"; exit 1; }
SO_REAL=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
SYS_REAL=$(readlink -f "$SYSTEM_LIBSYSTEMD")

sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/bin" "$T/units" "$T/work/sdlite" "$T/work/252"
SRC=$ROOT/c-tests/journal-real/journal-real.c
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$T/bin/journal-real" "$SRC" -lsystemd 2>"$T/cc.err" ||
    { cat "$T/cc.err"; echo "FAIL: building $SRC against Debian's libsystemd-dev"; exit 1; }
pass "built c-tests/journal-real/journal-real.c against Debian's libsystemd-dev (header macros on)"

journalns_units "$T"
printf 'LD_LIBRARY_PATH=%s\n' "$SDLITE_BUILD" >"$T/env-sdlite"
: >"$T/env-252"
cat >"$T/units/journal-real@.service" <<EOF
[Unit]
Description=sdlite journal test service on %i
Requires=systemd-journald.socket
After=systemd-journald.socket systemd-journald.service

[Service]
Type=notify
NotifyAccess=main
ExecStart=$T/bin/journal-real manifest
EnvironmentFile=$T/env-%i
WorkingDirectory=$T/work/%i
StandardOutput=append:$T/work/%i/stdout
StandardError=inherit
TimeoutStartSec=30s
EOF
UNITS=(journal-real@sdlite.service journal-real@252.service)
# shellcheck disable=SC2034 # read by sysns.sh
SYSNS_STOP_UNITS=("${UNITS[@]}")

sysns_boot "$T" || sysns_fail "booting systemd in namespaces"
pass "systemd $(sysns_version) is PID 1 of private namespaces (host pid $SYSNS_PID)"
journalns_start 15 || sysns_fail "starting systemd-journald in the namespaces"
pass "systemd-journald $(sysns_prop systemd-journald.service MainPID | sed 's/^/(pid /; s/$/)/') owns the namespace's /run/systemd/journal/{socket,stdout}; volatile storage in its /run/log/journal"

sysns_ctl start --no-block "${UNITS[@]}" || sysns_fail "systemctl start"
declare -A MAINPID=()
for s in "${SIDES[@]}"; do
    U=journal-real@$s.service
    sysns_wait_prop "$U" ActiveState active 30 || sysns_fail "$U did not become active (READY=1 after logging)"
    MAINPID[$s]=$(sysns_prop "$U" MainPID)
    hp=$(sysns_host_pid "${MAINPID[$s]}") || sysns_fail "no host pid for $U's MainPID ${MAINPID[$s]}"
    want=$SYS_REAL
    [ "$s" = sdlite ] && want=$SO_REAL
    mapped=$(sysns_libsystemd_maps "$hp")
    [ "$mapped" = "$want" ] || sysns_fail "(a) $U maps '${mapped:-no libsystemd}', wanted $want"
    [ "$(tail -n1 "$T/work/$s/manifest")" = "done" ] || sysns_fail "(a) $U: manifest incomplete"
    bad=$(awk -F'\t' '$1 != "large" && $1 != "done" && $4 != 0' "$T/work/$s/manifest")
    [ -z "$bad" ] || sysns_fail "(a) $U: calls that did not return 0: $bad"
    pass "(a) $U: READY=1 after logging, MainPID ${MAINPID[$s]} maps only $mapped; all $(grep -vc '^large\|^done' "$T/work/$s/manifest") calls returned 0"
done

# journald handles the datagrams and streams asynchronously: sync and poll until all are there
for s in "${SIDES[@]}"; do
    # (short of 25, the export below and check.py show which entries are missing)
    journalns_wait_count 20 25 "_SYSTEMD_UNIT=journal-real@$s.service"
    journalns_export "$T/$s.export" "_SYSTEMD_UNIT=journal-real@$s.service" ||
        sysns_fail "journalctl -o export for journal-real@$s.service"
done
info() { sysns_info "$@"; }
info "journalctl -o export: $(wc -c <"$T/sdlite.export") bytes for sdlite's unit, $(wc -c <"$T/252.export") for 252's"

cat >"$T/check.py" <<'EOF'
# check.py T SRC SIDE=PID... : the assertions (b)-(g) on the exports, one PASS/FAIL line each
import hashlib, json, sys
sys.path.insert(0, sys.argv[1] + "/lib")
from journalrec import parse_export, esc
T, SRC = sys.argv[2], sys.argv[3]
pids = dict(a.split("=") for a in sys.argv[4:])
failed = 0
def ok(cond, msg):
    global failed
    print(("PASS: " if cond else "FAIL: ") + msg)
    if not cond:
        failed += 1
    return cond
def pattern(n, seed, newlines):
    block = bytes((10 if newlines and j % 1000 == 999 else 0x21 + (j * 31 + seed) % 94) for j in range(4093))
    return (block * (n // 4093 + 1))[:n]
def g(e, k):
    v = e.get(k)
    return v if not isinstance(v, list) else b"<repeated>" + b"|".join(v)
IGNORE = {"__CURSOR", "__REALTIME_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "__SEQNUM", "__SEQNUM_ID",
          "_SOURCE_REALTIME_TIMESTAMP", "_SOURCE_MONOTONIC_TIMESTAMP", "_PID",
          "_SYSTEMD_INVOCATION_ID", "_STREAM_ID"}
canon = {}
for side, pid in pids.items():
    unit = "journal-real@%s.service" % side
    U = unit
    with open("%s/%s.export" % (T, side), "rb") as f:
        entries = parse_export(f.read())
    manifest = [l.rstrip("\n").split("\t") for l in open("%s/work/%s/manifest" % (T, side))]
    calls = [m for m in manifest if m[0] not in ("large", "done", "stream_fd")]
    native = [e for e in entries if g(e, "_TRANSPORT") == b"journal"]
    stream = [e for e in entries if g(e, "_TRANSPORT") == b"stdout"]
    # (b)
    ok(len(native) == 19 and len(stream) == 6 and len(entries) == 25,
       "(b) %s: %d native entries (want 19) and %d stream lines (want 6), %d in all" % (U, len(native), len(stream), len(entries)))
    ok(all(g(e, "_PID") == pid.encode() for e in entries) and all(g(e, "_SYSTEMD_UNIT") == unit.encode() for e in entries),
       "(b) %s: every entry has _PID=%s (MainPID) and _SYSTEMD_UNIT=%s" % (U, pid, unit))
    # (c) order, MESSAGE, location, identifier, PRIORITY
    msgs_ok = [g(e, "MESSAGE") for e in native] == [m[4].replace("\\n", "\n").encode() for m in calls]
    if not msgs_ok:
        for e, m in zip(native, calls):
            if g(e, "MESSAGE") != m[4].encode():
                print("     first difference: journal %r, sent %r" % (g(e, "MESSAGE"), m[4]))
                break
    ok(msgs_ok, "(c) %s: the 19 MESSAGEs in the order they were sent (print x11 incl. a multi-line one, printv, send x3, sendv x2, perror x2)" % U)
    loc_bad = []
    for e, m in zip(native, calls):
        if m[1] == "-":
            if any(k in e for k in ("CODE_FILE", "CODE_LINE", "CODE_FUNC")):
                loc_bad.append(m[4] + ": has location fields")
        elif (g(e, "CODE_FILE"), g(e, "CODE_LINE"), g(e, "CODE_FUNC")) != (SRC.encode(), m[1].encode(), m[2].encode()):
            loc_bad.append("%s: CODE_FILE/LINE/FUNC %r %r %r, want %s %s %s" % (m[4], g(e, "CODE_FILE"), g(e, "CODE_LINE"), g(e, "CODE_FUNC"), SRC, m[1], m[2]))
    ok(not loc_bad, "(c) %s: CODE_FILE=%s, CODE_LINE and CODE_FUNC (main, vlog) as the manifest says on the 17 macro calls; none on the plain (sd_journal_print)() and (sd_journal_send)() %s"
       % (U, SRC.rsplit("/", 1)[-1], "; ".join(loc_bad[:3])))
    ok(all(g(e, "SYSLOG_IDENTIFIER") == b"journal-real" for e in native), "(c) %s: SYSLOG_IDENTIFIER=journal-real (implicit) on every native entry" % U)
    want_prio = [b"%d" % p for p in range(8)] + [b"6", b"5", b"5", b"4", b"4", None, b"5", b"3", b"3", None, None]
    got_prio = [g(e, "PRIORITY") for e in native]
    ok(got_prio == want_prio, "(c) %s: PRIORITY 0..7, 6, 5, 5, printv 4, send 4, none (send without PRIORITY=), sendv 5, perror 3 3, none none: %s"
       % (U, "ok" if got_prio == want_prio else got_prio))
    by = {g(e, "MESSAGE"): e for e in native}
    # (d)
    s = by.get(b"send with custom fields", {})
    v = by.get(b"sendv with a binary field", {})
    p1, p2 = by.get(b"perror context: No such file or directory", {}), by.get(b"Permission denied", {})
    ok(g(s, "SDLITE_CUSTOM") == b"hello world" and g(s, "SDLITE_MULTILINE") == b"line one\nline two\n  line three"
       and g(s, "SDLITE_NUMBER") == b"12345" and g(s, "SDLITE_TRAILING") == b"stripped by send",
       "(d) %s: send: SDLITE_CUSTOM, the 3-line SDLITE_MULTILINE byte-exact, SDLITE_NUMBER=12345 (%%d), trailing spaces stripped" % U)
    ok(g(v, "SDLITE_BINARY") == bytes(range(256)) and g(v, "SDLITE_TRAILING") == b"kept by sendv   ",
       "(d) %s: sendv: SDLITE_BINARY = the 256 bytes 0x00..0xff (NUL and newline included), trailing spaces kept" % U)
    ok(g(p1, "ERRNO") == b"2" and g(p2, "ERRNO") == b"13",
       "(d) %s: perror: 'perror context: No such file or directory' ERRNO=2, 'Permission denied' ERRNO=13" % U)
    # (e)
    for name, n, seed, nl, msg in (("SDLITE_LARGE", 5 << 20, 11, True, b"sendv with a 5 MiB field"),
                                   ("SDLITE_LARGE2", 3 << 20, 5, False, b"send with a 3 MiB field")):
        got = g(by.get(msg, {}), name) or b""
        want = pattern(n, seed, nl)
        ok(got == want, "(e) %s: %s: %d bytes (want %d), sha256 %s (want %s)" % (
            U, name, len(got), n, hashlib.sha256(got).hexdigest()[:16], hashlib.sha256(want).hexdigest()[:16]))
    # (f)
    sl = [(g(e, "SYSLOG_IDENTIFIER"), g(e, "PRIORITY"), g(e, "MESSAGE")) for e in stream]
    want_s = [(b"journal-real-stream", b"3", b"stream line at priority 3"), (b"journal-real-stream", b"5", b"stream line at priority 5"),
              (b"journal-real-stream", b"6", b"stream line without a prefix"), (b"journal-real-stream", b"7", b"stream line at priority 7"),
              (b"journal-real-noprefix", b"4", b"<3>a prefix that is not parsed"), (b"journal-real-noprefix", b"4", b"second line")]
    ok(sorted(sl) == sorted(want_s), "(f) %s: stream lines: <3>/<5>/none/<7> -> PRIORITY 3/5/6/7 (level_prefix=1); '<3>...' kept as text at 4 (level_prefix=0); identifiers from stream_fd%s"
       % (U, "" if sorted(sl) == sorted(want_s) else ": got %r" % sl))
    # (g) the canonical form for the comparison
    c = []
    for e in entries:
        d = {}
        for k, val in e.items():
            if k in IGNORE:
                continue
            vals = val if isinstance(val, list) else [val]
            vals = [x.replace(("@%s.service" % side).encode(), b"@SIDE.service") for x in vals]
            d[k] = [esc(x) for x in vals]
        c.append(json.dumps(d, sort_keys=True))
    canon[side] = c
a, b = list(canon)
if ok(sorted(canon[a]) == sorted(canon[b]),
      "(g) %s and %s: the same %d entries, every field and value identical (ignoring %s; the instance name masked)"
      % (a, b, len(canon[a]), ", ".join(sorted(IGNORE)))):
    names = sorted({k for l in canon[a] for k in json.loads(l)})
    print("  .. fields compared: " + " ".join(names))
else:
    sa, sb = sorted(canon[a]), sorted(canon[b])
    for x in sa:
        if x not in sb:
            print("     only on %s: %s" % (a, x[:600]))
    for x in sb:
        if x not in sa:
            print("     only on %s: %s" % (b, x[:600]))
sys.exit(1 if failed else 0)
EOF
"$PY" "$T/check.py" "$ROOT/tests" "$T" "$SRC" "sdlite=${MAINPID[sdlite]}" "252=${MAINPID[252]}" >"$T/check.out" 2>&1
rc=$?
cat "$T/check.out"
[ "$rc" = 0 ] || sysns_fail "the journal's contents (above)"

for s in "${SIDES[@]}"; do sysns_ctl stop "journal-real@$s.service" || sysns_fail "stopping journal-real@$s.service"; done
echo "== 62-journal-systemd: all passed in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
exit 0
