#!/usr/bin/env bash
# shellcheck disable=SC2317  # helpers below are called through wait_for
# 32-journal-programs: real programs nobody here wrote, unmodified, log through libsystemd's journal
# API once on libsystemd 252 and once on sdlite (LD_LIBRARY_PATH); a fake journald records what
# arrives byte for byte, and the two recordings must be identical.  Masked, as they differ from
# run to run: rsyslogd's own pid in its messages (x-pid="..."), pgbouncer's client address and
# client pid (C-0x..., unix(PID)), the timestamp of plain logger's RFC 3164 line.  The exit
# statuses must be equal too, and each run must have initialised only its side's libsystemd
# (LD_DEBUG=libs).
#
# Where: a private mount + pid + net namespace (unshare) with a private tmpfs on /run, so the
# fake journald (tests/lib/fakejournald.py) owns /run/systemd/journal/{socket,stdout,dev-log}
# there; /proc/irq is made read-only inside (irqbalance must not move the host's interrupts).
# Nothing outside the namespace is touched; the host's journal never sees a byte.
#
# Why a fake and not the real journald: the fake shows the datagram itself -- field order, the
# binary length-prefixed form for values with a newline, the memfd and its seals, the stream
# header -- which journald would normalise away.  That journald accepts sdlite's output is
# 62-journal-systemd's job.
#
# The programs (each checked to link libsystemd.so.0; `objdump -T` shows what it imports):
#   logger --journald       util-linux 2.38: export-format lines on stdin -> sd_journal_sendv
#                           (a multi-line MESSAGE, custom, UTF-8 and empty fields; an explicit
#                           SYSLOG_IDENTIFIER; a line without '=' -> -EINVAL -> exit 1; a 5 MiB
#                           field -> an empty datagram with a sealed memfd: name, seals, mode)
#   logger -p user.err -t   plain logger does NOT use the journal API: it writes RFC 3164 to a
#                           syslog socket (here -u .../dev-log) and calls only sd_booted(); it is
#                           still linked with BIND_NOW, so it needs sd_journal_sendv to start
#   Perl Linux::Systemd::Journal::Write (XS, liblinux-systemd-perl): print with priorities,
#                           send with hashes (custom and multi-line fields, caller location),
#                           perror with errno = ENOENT and EACCES
#   pgbouncer               sd_journal_print when JOURNAL_STREAM names its stderr: startup,
#                           a client it refuses (auth_type=any without a forced user: PRIORITY
#                           3, 6 and 4, the client's context as prefix), SIGINT shutdown
#   irqbalance --oneshot --journal
#                           sd_journal_print_with_location (CODE_FILE/LINE/FUNC of irqbalance),
#                           priorities 4 and 6, a multi-line MESSAGE
#   rsyslogd + omjournal    sd_journal_send_with_location (no template) and
#                           sd_journal_sendv_with_location (a template with a multi-line
#                           constant) for messages fed through imuxsock, and its own internal
#                           start / exiting messages
#   dbus-daemon             sd_journal_stream_fd: with <syslog/> it connects the stdout
#                           (priority 6) and stderr (priority 4) of a service it activates to
#                           journald's stdout socket
# Knob: JOURNAL_PROGRAMS_B=252 runs the second side on 252 too (proves the harness when sdlite
# lacks the journal functions).
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
LIB=$SDLITE_ROOT/tests/lib
PY=/usr/bin/python3      # Debian's (make deps); not whatever python3 comes first in PATH

# ====================================================================== outside the namespace
if [ "${JPROG_INNER:-}" != 1 ]; then
    echo "== 32-journal-programs: logger, Perl, pgbouncer, irqbalance, rsyslogd, dbus-daemon on sdlite vs 252, fake journald"
    t0=$(date +%s%N)
    [ "$(id -u)" = 0 ] || skip_or_fail "needs root (private mount/pid namespaces)"
    [ -x "$PY" ] || skip_or_fail "$PY not found (make deps installs python3)"
    need unshare setpriv perl logger pgbouncer irqbalance rsyslogd dbus-daemon dbus-send gcc objdump
    unshare --mount --pid --fork --mount-proc --propagation private --net true 2>/dev/null ||
        skip_or_fail "cannot create mount/pid/net namespaces"
    perl -MLinux::Systemd::Journal::Write -e 1 2>/dev/null ||
        skip_or_fail "Perl's Linux::Systemd::Journal::Write missing (apt-get install liblinux-systemd-perl)"
    OMJ=$(find /usr/lib/x86_64-linux-gnu/rsyslog /usr/lib/rsyslog -name omjournal.so 2>/dev/null | head -n1)
    [ -n "$OMJ" ] || skip_or_fail "rsyslog's omjournal.so not found (apt-get install rsyslog)"
    [ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { fail "$SDLITE_BUILD/libsystemd.so.0 missing: run make"; finish; }
    SO_REAL=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
    SYS_REAL=$(readlink -f "$SYSTEM_LIBSYSTEMD")
    PM=$(perl -MLinux::Systemd::Journal::Write -e 'print $INC{"Linux/Systemd/Journal/Write.pm"}')
    PXS=$(dirname "$(dirname "$(dirname "$(dirname "$PM")")")")/auto/Linux/Systemd/Journal/Write/Write.so
    DBUS=$(command -v dbus-daemon)
    LIBDBUS=$(env -u LD_LIBRARY_PATH ldd "$DBUS" | awk '$1 ~ /^libdbus-1\.so/ { print $3 }')
    sd_exports=$(objdump -T "$SO_REAL" | awk '!/\*UND\*/ && / sd_/ { print $NF }' | sort -u)
    # what each program imports from libsystemd, and whether sdlite has it
    for f in "$(command -v logger)" "$PXS" "$(command -v pgbouncer)" "$(command -v irqbalance)" \
             "$(command -v rsyslogd)" "$OMJ" "$DBUS" "$LIBDBUS"; do
        env -u LD_LIBRARY_PATH ldd "$f" 2>/dev/null | grep -q 'libsystemd\.so\.0 =>' ||
            { fail "$f does not link libsystemd.so.0"; continue; }
        imp=$(objdump -T "$f" | awk '/\*UND\*/ && / sd_/ { print $NF }' | sort -u)
        lack=$(comm -23 <(printf '%s\n' "$imp") <(printf '%s\n' "$sd_exports") | tr '\n' ' ')
        now=$(readelf -d "$f" | grep -Eq 'BIND_NOW|FLAGS_1.*NOW' && echo ", BIND_NOW")
        info "$(basename "$f") links libsystemd.so.0$now; imports: $(echo "$imp" | tr '\n' ' ')${lack:+; NOT in sdlite: $lack}"
    done
    scratch T
    chmod 755 "$T"
    # dbus-daemon also imports sd_uid_get_seats (sd-login): with BIND_NOW it starts on sdlite only
    # if sdlite exports every sd_* symbol it and libdbus import.
    dimp=$(for f in "$DBUS" $LIBDBUS; do objdump -T "$f" | awk '/\*UND\*/ && / sd_/ { print $NF }'; done | sort -u)
    dmissing=$(comm -23 <(printf '%s\n' "$dimp") <(printf '%s\n' "$sd_exports") | tr '\n' ' ' | sed 's/ $//')
    [ -z "$dmissing" ] || fail "dbus-daemon imports symbols sdlite does not export: $dmissing"
    SECOND=${JOURNAL_PROGRAMS_B:-sdlite}
    JPROG_INNER=1 T=$T SO_REAL=$SO_REAL SYS_REAL=$SYS_REAL SECOND=$SECOND OMJ=$OMJ \
        setpriv --pdeathsig KILL -- timeout -k 5 110 \
        unshare --mount --pid --fork --kill-child --mount-proc --propagation private --net --uts --ipc \
        -- bash "$0"
    rc=$?
    echo "== 32-journal-programs: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    exit "$rc"
fi

# ====================================================================== inside the namespace
[ "$$" = 1 ] || { echo "FAIL: not PID 1 of the new pid namespace"; exit 1; }
mount -n -t tmpfs -o mode=0755,nosuid,nodev,size=256m sdlite-jprog /run || { echo "FAIL: tmpfs on /run"; exit 1; }
if ! { mount -n --bind /proc/irq /proc/irq && mount -n -o remount,bind,ro /proc/irq; }; then
    echo "FAIL: cannot make /proc/irq read-only in the namespace"; exit 1
fi
hostname sdlite-jprog
now_ms() { date +%s%3N; }
# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds or the deadline passes
wait_for() {
    local end=$(( $(now_ms) + $1 * 1000 ))
    shift
    until "$@"; do
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.05
    done
}
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null)" != Z ]; }
grep_rec() { [ -s "$1" ] && grep -q -- "$2" "$1"; }
count_ge() { [ "$("$PY" "$LIB/journalrec.py" count "$1" "${3:-}")" -ge "$2" ]; }

REC_PID=
rec_start() { # OUT
    rm -f "$1" "$1.ready" "$1.done"
    "$PY" "$LIB/fakejournald.py" "$1" 2>"$1.err" &
    REC_PID=$!
    wait_for 10 test -e "$1.ready" || { echo "FAIL: fakejournald did not start: $(cat "$1.err")"; exit 1; }
}
rec_stop() { # OUT
    kill -USR1 "$REC_PID"
    wait "$REC_PID"
    [ -e "$1.done" ] || fail "fakejournald did not drain and finish ($1): $(cat "$1.err")"
}
# the libsystemd a run initialised (LD_DEBUG=libs "calling init:"), as real paths
libs_used() { # PREFIX
    cat "$1".* 2>/dev/null | sed -n 's/.*calling init: \(.*libsystemd\.so[^ ]*\).*/\1/p' |
        while read -r p; do readlink -f "$p"; done | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# ---------------------------------------------------------------- inputs (the same for both sides)
IN=$T/in
mkdir -p "$IN"
printf '%s\n' 'MESSAGE=logger --journald: first line' 'PRIORITY=3' 'SDLITE_TEST=logger-journald' \
    'CUSTOM_FIELD=two  spaces inside, trailing spaces trimmed by logger   ' \
    'MESSAGE=second MESSAGE line: logger joins them with a newline' \
    'UTF8_FIELD=grüße, ☃' 'EMPTY_VALUE=' 'lower_case_name=kept by the client' >"$IN/export1"
printf '%s\n' 'SYSLOG_IDENTIFIER=custom-ident' 'MESSAGE=with an explicit identifier' 'PRIORITY=6' \
    'SDLITE_TEST=logger-journald-file' >"$IN/export2"
printf '%s\n' 'MESSAGE=ok' 'NO_EQUALS_SIGN' >"$IN/export-bad"
# a 5 MiB field: too big for one datagram, so the library hands journald a sealed memfd
"$PY" -c 'import sys; sys.stdout.write("MESSAGE=logger --journald with a 5 MiB field\nSDLITE_TEST=logger-journald-big\nBIG_FIELD=" + "".join(chr(0x21 + (j * 31 + 3) % 94) for j in range(4093)) * 1281 + "\n")' >"$IN/export-big"
cat >"$IN/jw.pl" <<'EOF'
use strict; use warnings;
use Linux::Systemd::Journal::Write;
my $j = Linux::Systemd::Journal::Write->new(app_id => 'perl-jw', priority => 5);
$j->print('print at the default priority (5)');
$j->print('print at priority 3', 3);
$j->print("print with\na newline", 6);
$j->print("print with trailing whitespace \t \n", 7);
sub in_a_sub {
    $j->send('send with a hash', { SDLITE_TEST => 'perl-send', DAY_ONE => 'Monday',
        MULTI_LINE => "first\nsecond\n", EMPTY => '', UTF8 => "gr\xc3\xbc\xc3\x9fe" });
}
in_a_sub();
$j->send({ message => 'send a hashref with its own priority', priority => 2, custom_field => 'x y z' });
$! = 2;  $j->perror('perror after ENOENT');
$! = 13; $j->perror('perror after EACCES');
print "perl done\n";
EOF
cat >"$IN/pgclient.py" <<'EOF'
# a PostgreSQL client asking pgbouncer for a database it does not have
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
body = struct.pack("!I", 196608) + b"user\0sdlite\0database\0nodb\0\0"
s.sendall(struct.pack("!I", len(body) + 4) + body)
print("pgbouncer answered:", s.recv(4096)[:1])
EOF
cat >"$IN/svc.sh" <<'EOF'
#!/bin/sh
# the service dbus-daemon activates: it never takes its name, it only writes and exits
echo "stdout line 1 of the activated service"
echo "stderr line 1 of the activated service" >&2
printf 'stdout line 2, no newline at the end'
echo "stderr line 2" >&2
exit 0
EOF
chmod 755 "$IN/svc.sh"

# ---------------------------------------------------------------- one side
run_side() { # DIR LIBRARY (252|sdlite): results in $T/DIR
    local side=$2 O=$T/$1 E P
    mkdir -p "$O" "$O/ld"
    chmod 755 "$O"
    chmod 1777 "$O/ld"    # LD_DEBUG_OUTPUT must be writable for pgbouncer's user too
    if [ "$side" = sdlite ]; then
        E=(env -u LD_PRELOAD "LD_LIBRARY_PATH=$SDLITE_BUILD")
    else
        E=(env -u LD_PRELOAD -u LD_LIBRARY_PATH)
    fi
    # on NAME CMD...: CMD on this side's library; LD_DEBUG=libs records which libsystemd it initialised
    on() { local n=$1; shift; "${E[@]}" LD_DEBUG=libs "LD_DEBUG_OUTPUT=$O/ld/$n" "$@"; }
    local t
    t=$(now_ms)
    lap() { info "$1 on $side: $(( $(now_ms) - t )) ms"; t=$(now_ms); }

    # logger --journald
    rec_start "$O/logger-journald.jsonl"
    on logger-journald logger --journald <"$IN/export1" >"$O/logger-journald.1.out" 2>&1
    echo "rc1=$?" >"$O/logger-journald.rc"
    on logger-journald logger --journald="$IN/export2" >"$O/logger-journald.2.out" 2>&1
    echo "rc2=$?" >>"$O/logger-journald.rc"
    on logger-journald logger --journald <"$IN/export-bad" >"$O/logger-journald.3.out" 2>&1
    echo "rc3=$? $(cat "$O/logger-journald.3.out")" >>"$O/logger-journald.rc"
    on logger-journald logger --journald="$IN/export-big" >"$O/logger-journald.4.out" 2>&1
    echo "rc4=$?" >>"$O/logger-journald.rc"
    rec_stop "$O/logger-journald.jsonl"
    lap logger-journald

    # logger -p user.err -t mytag message (to a syslog socket: not the journal API)
    rec_start "$O/logger-syslog.jsonl"
    on logger-syslog logger -u /run/systemd/journal/dev-log -p user.err -t mytag \
        "message from plain logger" >"$O/logger-syslog.out" 2>&1
    echo "rc=$?" >"$O/logger-syslog.rc"
    rec_stop "$O/logger-syslog.jsonl"
    lap logger-syslog

    # Perl
    rec_start "$O/perl.jsonl"
    on perl PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 perl "$IN/jw.pl" >"$O/perl.out" 2>&1
    echo "rc=$? $(tr '\n\0' '  ' <"$O/perl.out" | cut -c1-300)" >"$O/perl.rc"   # "perl done" on stdout, nothing else
    rec_stop "$O/perl.jsonl"
    lap perl

    # pgbouncer (refuses to run as root: nobody; JOURNAL_STREAM = its stderr's dev:ino)
    local PG=$T/pgb
    rm -rf "$PG" && mkdir -p "$PG" && chmod 777 "$PG"
    printf '[databases]\n[pgbouncer]\nlisten_addr =\nlisten_port = 6432\nunix_socket_dir = %s\nauth_type = any\n' \
        "$PG" >"$PG/pgbouncer.ini"
    : >"$O/pgbouncer.out"
    chmod 666 "$O/pgbouncer.out"
    rec_start "$O/pgbouncer.jsonl"
    local js
    js=$(stat -c '%d:%i' "$O/pgbouncer.out")
    "${E[@]}" JOURNAL_STREAM="$js" \
        setpriv --reuid=65534 --regid=65534 --clear-groups -- env LD_DEBUG=libs "LD_DEBUG_OUTPUT=$O/ld/pgbouncer" pgbouncer "$PG/pgbouncer.ini" \
        >>"$O/pgbouncer.out" 2>&1 &
    P=$!
    if wait_for 10 grep_rec "$O/pgbouncer.jsonl" 'process up'; then
        "$PY" "$IN/pgclient.py" "$PG/.s.PGSQL.6432" >"$O/pgclient.out" 2>&1
        wait_for 10 grep_rec "$O/pgbouncer.jsonl" 'pooler error' || echo "pgbouncer logged no pooler error" >>"$O/pgclient.out"
    fi
    alive "$P" && kill -INT "$P"
    wait "$P"
    echo "rc=$?" >"$O/pgbouncer.rc"
    rec_stop "$O/pgbouncer.jsonl"
    lap pgbouncer

    # irqbalance: one pass, journal logging (/proc/irq is read-only here)
    rec_start "$O/irqbalance.jsonl"
    on irqbalance timeout 30 irqbalance --oneshot --journal -t 1 >"$O/irqbalance.out" 2>&1
    echo "rc=$?" >"$O/irqbalance.rc"
    rec_stop "$O/irqbalance.jsonl"
    lap irqbalance

    # rsyslogd with omjournal, fed by logger (on 252 always) through imuxsock
    local RS=$T/rs
    rm -rf "$RS" && mkdir -p "$RS"
    cat >"$RS/rsyslog.conf" <<EOF
global(workDirectory="$RS" processInternalMessages="on")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$RS/in.sock")
module(load="omjournal")
template(name="jt" type="list") {
  property(outname="MESSAGE" name="msg")
  constant(outname="FROM_TEMPLATE" value="yes")
  constant(outname="MULTI_LINE" value="one\\ntwo")
  property(outname="SYSLOG_IDENTIFIER" name="programname")
  property(outname="RS_SEVERITY" name="syslogseverity-text")
}
if \$programname == 'viatemplate' then {
  action(type="omjournal" template="jt")
} else {
  action(type="omjournal")
}
EOF
    rec_start "$O/rsyslogd.jsonl"
    # (not through on(): a function in the background would make $! a subshell, not the daemon)
    "${E[@]}" LD_DEBUG=libs "LD_DEBUG_OUTPUT=$O/ld/rsyslogd" \
        rsyslogd -n -f "$RS/rsyslog.conf" -i "$RS/rsyslogd.pid" >"$O/rsyslogd.out" 2>&1 &
    P=$!
    if wait_for 10 test -S "$RS/in.sock" && wait_for 10 grep_rec "$O/rsyslogd.jsonl" '\] start'; then
        env -u LD_LIBRARY_PATH logger -u "$RS/in.sock" -p local3.warning -t plaintag "through omjournal without a template"
        env -u LD_LIBRARY_PATH logger -u "$RS/in.sock" -p user.err -t viatemplate "through the template"
        wait_for 10 grep_rec "$O/rsyslogd.jsonl" 'through the template'
    fi
    alive "$P" && kill -TERM "$P"
    wait "$P"
    echo "rc=$?" >"$O/rsyslogd.rc"
    rec_stop "$O/rsyslogd.jsonl"
    lap rsyslogd

    # dbus-daemon activating a service whose stdout/stderr it connects to journald (stream_fd)
    local DB=$T/dbus
    rm -rf "$DB" && mkdir -p "$DB/services"
    printf '[D-BUS Service]\nName=org.sdlite.JournalStream\nExec=%s\n' "$IN/svc.sh" \
        >"$DB/services/org.sdlite.JournalStream.service"
    cat >"$DB/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <syslog/>
  <listen>unix:path=$DB/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$DB/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    rec_start "$O/dbus.jsonl"
    "${E[@]}" LD_DEBUG=libs "LD_DEBUG_OUTPUT=$O/ld/dbus" \
        dbus-daemon --config-file="$DB/bus.conf" --nofork --nopidfile --print-address=3 \
        3>"$O/dbus.address" >"$O/dbus.out" 2>&1 &
    P=$!
    local S=
    # it prints its address once it listens (the socket file exists a moment earlier)
    if wait_for 10 test -s "$O/dbus.address"; then
        # the service exits without taking its name; dbus-daemon does not answer before it is
        # stopped, so the request goes on in the background and is cut off with the bus
        env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout 20 dbus-send --bus="unix:path=$DB/bus" --print-reply \
            --dest=org.freedesktop.DBus / org.freedesktop.DBus.StartServiceByName \
            string:org.sdlite.JournalStream uint32:0 >"$O/dbus-send.out" 2>&1 &
        S=$!
        wait_for 10 count_ge "$O/dbus.jsonl" 2 stdout
    fi
    alive "$P" && kill -TERM "$P"
    wait "$P"
    [ -n "$S" ] && wait "$S"
    echo "rc=$?" >"$O/dbus.rc"
    rec_stop "$O/dbus.jsonl"
    lap dbus
}

PROGS=(logger-journald logger-syslog perl pgbouncer irqbalance rsyslogd dbus)
# per program: what differs from run to run and is masked: the sender's pid where a program
# puts it in a value (journalrec.py --pid-sub), other values (--sub: Python regex, replacement)
declare -A PIDSUB=([rsyslogd]='x-pid="{}"')
declare -A SUBS=(
    [logger-syslog]='^RAW\t\t<11>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]{8} '$'\t''RAW\t\t<11>TIMESTAMP '
    [pgbouncer]='C-0x[0-9a-f]+'$'\t''C-0xADDR'$'\n''unix\([0-9]+\)'$'\t''unix(CLIENTPID)'
)
canon() { # SIDE PROG
    local args=()
    if [ -n "${SUBS[$2]:-}" ]; then
        while IFS=$'\t' read -r a b; do args+=(--sub "$a" "$b"); done <<<"${SUBS[$2]}"
    fi
    [ -n "${PIDSUB[$2]:-}" ] && args+=(--pid-sub "${PIDSUB[$2]}")
    "$PY" "$LIB/journalrec.py" canon "$T/$1/$2.jsonl" --sort-streams "${args[@]}"
}

A=252 B=$SECOND
[ "$B" = 252 ] && B=252-b
run_side "$A" 252
run_side "$B" "$SECOND"

# ---------------------------------------------------------------- the libraries used
for side in "$A" "$B"; do
    want=$SYS_REAL
    case $side in sdlite) want=$SO_REAL ;; esac
    for p in "${PROGS[@]}"; do
        got=$(libs_used "$T/$side/ld/$p")
        if [ "$got" = "$want" ]; then
            : # reported with the comparison
        elif [ -z "$got" ]; then
            fail "$side: $p never initialised a libsystemd: $(grep -h 'symbol lookup error\|undefined symbol' "$T/$side/$p".*out 2>/dev/null | head -n1)"
        else
            fail "$side: $p initialised $got, not $want"
        fi
    done
done
info "every run initialised only the libsystemd of its side ($A: $SYS_REAL, $B: $( [ "$B" = sdlite ] && echo "$SO_REAL" || echo "$SYS_REAL"))"

# ---------------------------------------------------------------- absolute checks (both sides)
for side in "$A" "$B"; do
    for p in "${PROGS[@]}"; do canon "$side" "$p" >"$T/$p.$side.canon"; done
done
has() { # SIDE PROG LITERAL-LINE : the canonical form holds that line
    grep -qxF -- "$3" "$T/$2.$1.canon"
}
expect() { # PROG DESCRIPTION LINE...
    local prog=$1 what=$2 side l ok
    shift 2
    for side in "$A" "$B"; do
        ok=0 miss=()
        for l in "$@"; do has "$side" "$prog" "$l" && ok=$((ok + 1)) || miss+=("$l"); done
        if [ "${#miss[@]}" = 0 ]; then
            pass "$side: $prog: $what"
        else
            fail "$side: $prog: $what: ${#miss[@]} of $# lines missing, e.g. '${miss[0]}' ($(grep -c '^== ' "$T/$prog.$side.canon") records)"
        fi
    done
}
expect logger-journald "sendv of stdin: a binary multi-line MESSAGE, PRIORITY, custom/UTF-8/empty/lower-case fields, implicit SYSLOG_IDENTIFIER=logger" \
    "MESSAGE	bin	logger --journald: first line\\x0asecond MESSAGE line: logger joins them with a newline" \
    "PRIORITY	=	3" "CUSTOM_FIELD	=	two  spaces inside, trailing spaces trimmed by logger" \
    "UTF8_FIELD	=	gr\\xc3\\xbc\\xc3\\x9fe, \\xe2\\x98\\x83" "EMPTY_VALUE	=	" \
    "lower_case_name	=	kept by the client" "SYSLOG_IDENTIFIER	=	logger"
expect logger-journald "--journald=FILE with SYSLOG_IDENTIFIER=custom-ident (no implicit identifier after it)" \
    "SYSLOG_IDENTIFIER	=	custom-ident" "SDLITE_TEST	=	logger-journald-file"
for side in "$A" "$B"; do
    n=$("$PY" "$LIB/journalrec.py" count "$T/$side/logger-journald.jsonl")
    rcs=$(tr '\n' ' ' <"$T/$side/logger-journald.rc")
    if [ "$n" = 3 ] && [ "$rcs" = "rc1=0 rc2=0 rc3=1 logger: journald entry could not be written rc4=0 " ]; then
        pass "$side: logger-journald: 3 datagrams; exit 0, 0, 1 'journald entry could not be written' for a line without '=' (-EINVAL, nothing sent), 0"
    else
        fail "$side: logger-journald: $n datagrams, $rcs"
    fi
    n=$("$PY" "$LIB/journalrec.py" count "$T/$side/logger-syslog.jsonl" socket)
    if [ "$n" = 0 ] && has "$side" logger-syslog "RAW		<11>TIMESTAMP mytag: message from plain logger"; then
        pass "$side: logger -p user.err -t mytag: one RFC 3164 datagram '<11>TIMESTAMP mytag: message from plain logger' on the syslog socket, nothing on the journal socket"
    else
        fail "$side: logger-syslog: journal datagrams $n; $(tr '\n' ' ' <"$T/logger-syslog.$side.canon" | cut -c1-200); $(cat "$T/$side/logger-syslog.rc")"
    fi
done
big=$(( 4093 * 1281 ))
expect logger-journald "a $big-byte field: an empty datagram carrying a memfd named sd-logger, sealed (F_SEAL_SHRINK|GROW|WRITE|SEAL = 15), mode 0777, holding the whole entry" \
    "== socket via /memfd:sd-logger (deleted) seals=15 mode=0o777 size=$(( 45 + 32 + 10 + big + 1 + 25 ))" \
    "MESSAGE	=	logger --journald with a 5 MiB field"
expect perl "print: PRIORITY 5/3/6/7, newline -> binary MESSAGE, trailing whitespace stripped, implicit SYSLOG_IDENTIFIER=perl" \
    "MESSAGE	=	print at the default priority (5)" "PRIORITY	=	5" "MESSAGE	=	print at priority 3" \
    "MESSAGE	bin	print with\\x0aa newline" "MESSAGE	=	print with trailing whitespace" "SYSLOG_IDENTIFIER	=	perl"
expect perl "send (sendv): custom, multi-line (binary), empty and UTF-8 fields, caller's CODE_FILE/CODE_LINE/CODE_FUNC, app_id as SYSLOG_IDENTIFIER" \
    "MULTI_LINE	bin	first\\x0asecond\\x0a" "DAY_ONE	=	Monday" "EMPTY	=	" "UTF8	=	gr\\xc3\\xbc\\xc3\\x9fe" \
    "CODE_FILE	=	$IN/jw.pl" "CODE_FUNC	=	main::in_a_sub" "SYSLOG_IDENTIFIER	=	perl-jw" "CUSTOM_FIELD	=	x y z" "PRIORITY	=	2"
expect perl "perror: PRIORITY=3, MESSAGE='text: strerror', ERRNO" \
    "MESSAGE	=	perror after ENOENT: No such file or directory" "ERRNO	=	2" \
    "MESSAGE	=	perror after EACCES: Permission denied" "ERRNO	=	13" "PRIORITY	=	3"
expect pgbouncer "sd_journal_print: startup, a refused client (its context prefix; PRIORITY 3, 4, 6), SIGINT shutdown" \
    "MESSAGE	=	listening on unix:$T/pgb/.s.PGSQL.6432" "MESSAGE	=	got SIGINT, shutting down" \
    "MESSAGE	=	C-0xADDR: (nodb)/(nouser)@unix(CLIENTPID):6432 closing because: bouncer config error (age=0s)" \
    "PRIORITY	=	3" "PRIORITY	=	4" "PRIORITY	=	6" "SYSLOG_IDENTIFIER	=	pgbouncer"
expect irqbalance "sd_journal_print_with_location: irqbalance's CODE_FILE/CODE_LINE/CODE_FUNC, PRIORITY 4 and 6, a binary multi-line MESSAGE" \
    "CODE_FUNC	=	scan" "CODE_FILE	=	irqbalance.c" "PRIORITY	=	4" "PRIORITY	=	6" "SYSLOG_IDENTIFIER	=	irqbalance" \
    "MESSAGE	bin	\\x0a\\x0a\\x0a-----------------------------------------------------------------------------"
expect rsyslogd "omjournal: send_with_location (location first) and sendv_with_location (template fields, then location), a multi-line constant" \
    "CODE_FUNC	=	send_non_template_message" "MESSAGE	=	 through omjournal without a template" \
    "SYSLOG_IDENTIFIER	=	plaintag:" "SYSLOG_FACILITY	=	19" "CODE_FUNC	=	send_template_message" \
    "MULTI_LINE	bin	one\\x0atwo" "FROM_TEMPLATE	=	yes" "RS_SEVERITY	=	err"
for side in "$A" "$B"; do
    if grep -q 'exiting on signal 15\.$' "$T/rsyslogd.$side.canon" && grep -qx 'rc=0' "$T/$side/rsyslogd.rc"; then
        pass "$side: rsyslogd: SIGTERM -> its internal 'exiting on signal 15.' through omjournal, exit 0"
    else
        fail "$side: rsyslogd: no 'exiting on signal 15.' record or exit $(cat "$T/$side/rsyslogd.rc")"
    fi
done
expect dbus "sd_journal_stream_fd: the 7-line headers (identifier = service name, priority 6 for stdout and 4 for stderr, level_prefix 0) and the lines" \
    "HEADER	line	org.sdlite.JournalStream" "HEADER	line	6" "HEADER	line	4" \
    "LINE	line	stdout line 1 of the activated service" "LINE	line	stdout line 2, no newline at the end" \
    "LINE	line	stderr line 2"

# ---------------------------------------------------------------- 252 vs the other side
declare -A WHAT=(
    [logger-journald]="logger --journald" [logger-syslog]="logger -p user.err -t mytag"
    [perl]="Perl Linux::Systemd::Journal::Write" [pgbouncer]="pgbouncer" [irqbalance]="irqbalance --oneshot --journal"
    [rsyslogd]="rsyslogd + omjournal" [dbus]="dbus-daemon activation (stream_fd)"
)
for p in "${PROGS[@]}"; do
    n=$(grep -c '^== ' "$T/$p.$A.canon")
    if [ "$n" -gt 0 ] && cmp -s "$T/$p.$A.canon" "$T/$p.$B.canon" &&
       cmp -s "$T/$A/$p.rc" "$T/$B/$p.rc"; then
        pass "${WHAT[$p]}: $A and $B sent the same $n records, byte for byte (pids masked); same exit: $(cut -c1-80 "$T/$A/$p.rc" | tr '\n' ' ')"
    else
        fail "${WHAT[$p]}: $A ($n records) and $B differ; exit $A: $(head -c 200 "$T/$A/$p.rc" | tr '\n' ' ') / $B: $(head -c 200 "$T/$B/$p.rc" | tr '\n' ' ')"
        grep -h "symbol lookup error" "$T/$B/$p".*out 2>/dev/null | sort -u | head -n 3 | sed 's/^/     /'
        diff -u "$T/$p.$A.canon" "$T/$p.$B.canon" | head -n 40 | sed 's/^/     /'
    fi
done
[ -n "${JPROG_KEEP:-}" ] && cp -a "$T" "$JPROG_KEEP"
finish
