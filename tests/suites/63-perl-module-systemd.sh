#!/bin/bash
# shellcheck disable=SC2317,SC2015  # helpers called indirectly (sysns_wait_cmd); A && B || sysns_fail
# 63-perl-module-systemd.sh -- perl/'s Systemd::Daemon, installed with `make install-perl`, under
# a real systemd 252 in private namespaces (tests/lib/sysns.sh), all in one boot:
#   a. the seed: the program of issue 12 byte for byte (plus the `use` lines it needs), written
#      for Systemd::Daemon 0.07, as a Type=notify service with WatchdogSec=2, Restart=always
#      (no SDLITE_LIB: the module loads the library it was installed with): activating until
#      READY=1, then active/running; it maps the installed sdlite and no other libsystemd
#   b. it stays up across > 3 watchdog periods: active/running, NRestarts=0, same MainPID, one
#      WATCHDOG=1 a second in the manager's log, no watchdog timeout
#   c. made stuck (SIGSTOP from outside): "Watchdog timeout (limit 2s)!", SIGABRT, result
#      'watchdog', restarted (NRestarts=1) and running again with a new MainPID that sends
#      READY=1 and heartbeats again
#   d. the states Systemd::Daemon 0.07's own real-systemd test (t/06-notify.t) checks, with a
#      Type=simple, NotifyAccess=main service running `perl -T notify.pl ... KEY VALUE ...`:
#      RELOADING 10 -> "Active: reloading (reload)"; READY true -> "active (running)";
#      STOPPING yes -> "deactivating"; STATUS Foo -> Status: "Foo"; STATUS 47%% -> "47%";
#      --exit 55 ERRNO 2 STATUS Oops -> "failed", Status: "Oops", Error: 2; each also through
#      the unit's properties (ActiveState, SubState, StatusText, StatusErrno)
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
SDLITE_BUILD=${SDLITE_BUILD:-$ROOT/build}
# shellcheck source=SCRIPTDIR/../lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"
PL=/usr/bin/perl

echo "== 63-perl-module-systemd: Systemd::Daemon (pure Perl, on sdlite) under a real systemd"
sysns_require
{ [ -x "$PL" ] && "$PL" -e 'use FFI::Platypus 2.00; use Exporter::Tiny 1.002; 1' 2>/dev/null; } ||
    sysns_skip_or_fail "$PL with FFI::Platypus >= 2 and Exporter::Tiny needed (make deps: libffi-platypus-perl libexporter-tiny-perl)"
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { echo "FAIL: $SDLITE_BUILD/libsystemd.so.0 missing: run make"; exit 1; }

sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/units" "$T/work"
P=$T/prefix
if ! env -u DESTDIR -u PREFIX -u LIBDIR -u PERLLIBDIR -u SDLITE_LIB make --no-print-directory -C "$ROOT" -o all \
        install-perl PREFIX="$P" PERL_BUILD="$T/perl-build" >"$T/install.log" 2>&1; then
    sed 's/^/      /' "$T/install.log"; echo "FAIL: make install-perl PREFIX=$P"; exit 1
fi
LIB_REAL=$(readlink -f "$P/lib/libsystemd.so.0")
pass "make install-perl PREFIX=$P: the module in $P/lib/perl5, the library in $P/lib"

# --------------------------------------------------------------- the programs
# The program of issue 12, as its author wrote it for Systemd::Daemon 0.07; only the `use` lines
# it needs (strict, warnings, say, usleep) come before it.
SEED_BODY=$(cat <<'SEED'
use Systemd::Daemon qw( -hard notify );
my $sleep = ($ENV{WATCHDOG_USEC} // 2_000_000) / 2;
notify( READY => 1 );
while (1) { usleep $sleep; say "watchdog"; notify( WATCHDOG => 1 ); }
SEED
)
{
    printf '%s\n' 'use strict;' 'use warnings;' "use feature 'say';" 'use Time::HiRes qw( usleep );'
    printf '%s\n' "$SEED_BODY"
} >"$T/seed.pl"
tail -n 4 "$T/seed.pl" | cmp -s - <(printf '%s\n' "$SEED_BODY") || { echo "FAIL: seed.pl does not end with the program"; exit 1; }

# 0.07's t/06-notify.t ran notify.pl with the KEY VALUE pairs on its command line, under -T
cat >"$T/notify.pl" <<'NOTIFY'
use strict;
use warnings;
use Getopt::Long qw( GetOptions );
use Systemd::Daemon qw( -hard notify );

my ( $sleep, $exit ) = ( 0, 0 );
GetOptions( 'sleep=i' => \$sleep, 'exit=i' => \$exit ) or die "usage: notify.pl [--sleep S] [--exit N] KEY VALUE ...\n";
@ARGV % 2 == 0 or die "KEY VALUE pairs expected\n";
my $rc = notify(@ARGV);    # tainted values, straight from the command line
print STDERR "notify(@ARGV) = $rc\n";
sleep $sleep;
exit $exit;
NOTIFY

# PERLIO=:unix: its "watchdog" lines reach the log file as they are said, not in 8 KiB blocks
sysns_notify_unit "$T" seed.service "the seed: Systemd::Daemon 0.07's program on sdlite" \
    "PERL5LIB=$P/lib/perl5 PERLIO=:unix" "$PL $T/seed.pl" seed.log
U=seed.service

# name, arguments, then the checks: systemctl status regexps (0.07's) and property=value pairs
declare -A ARGS=(
    [reloading]="--sleep 1000000 RELOADING 10"
    [ready]="--sleep 1000000 READY true"
    [stopping]="--sleep 1000000 STOPPING yes"
    [status]="--sleep 1000000 STATUS Foo"
    [percent]="--sleep 1000000 STATUS 47%%"
    [errno]="--exit 55 ERRNO 2 STATUS Oops"
)
STATES=(reloading ready stopping status percent errno)
for s in "${STATES[@]}"; do
    cat >"$T/units/notify-$s.service" <<EOF
[Unit]
Description=Systemd::Daemon 0.07's notify test: ${ARGS[$s]}

[Service]
Type=simple
NotifyAccess=main
ExecStart=$PL -T -I$P/lib/perl5 $T/notify.pl ${ARGS[$s]}
StandardError=append:$T/work/notify-$s.log
EOF
done
SYSNS_STOP_UNITS=("$U")
for s in "${STATES[@]}"; do SYSNS_STOP_UNITS+=("notify-$s.service"); done

# --------------------------------------------------------------- boot, start the seed
t0=$(sysns__now_us)
sysns_boot_debug "$T"
sysns_ctl start --no-block "$U" || sysns_fail "systemctl start --no-block $U"

# --------------------------------------------------------------- (a)
sysns_wait_prop "$U" ActiveState active 15 || sysns_fail "(a) $U never became active"
sysns_wait_prop "$U" SubState running 2 || sysns_fail "(a) $U active but not running"
MAINPID=$(sysns_prop "$U" MainPID)
sysns_wait_log "^$U: Got notification message from PID $MAINPID \(READY=1\)" 5 ||
    sysns_fail "(a) the manager did not log READY=1 from $U's main PID $MAINPID"
pass "(a) $U: active/running after READY=1 (logged from MainPID=$MAINPID: 'READY=1')"
HOSTPID=$(sysns_host_pid "$MAINPID") || sysns_fail "(a) cannot map MainPID $MAINPID to a host pid"
mapped=$(sysns_libsystemd_maps "$HOSTPID")
[ "$mapped" = "$LIB_REAL" ] || sysns_fail "(a) $U maps '${mapped:-no libsystemd}', not only the installed $LIB_REAL"
pass "(a) $U (host pid $HOSTPID) maps the installed sdlite $mapped and no other libsystemd (no SDLITE_LIB in the unit)"

# --------------------------------------------------------------- (d) while the seed runs
status_of() { sysns_ctl status "$1" 2>&1; }
check_state() { # NAME ERE-of-status... -- PROP=VALUE...
    local name=$1 unit=notify-$1.service re props=() res=() st
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do res+=("$1"); shift; done
    shift
    props=("$@")
    all_match() {
        local p
        for p in "${props[@]}"; do
            [ "$(sysns_prop "$unit" "${p%%=*}")" = "${p#*=}" ] || return 1
        done
        st=$(status_of "$unit")
        for re in "${res[@]}"; do
            grep -Eq -- "$re" <<<"$st" || return 1
        done
    }
    # as 0.07's test: start it, look at it, then kill and stop it
    sysns_ctl start --no-block "$unit" || sysns_fail "(d) systemctl start $unit"
    if ! sysns_wait_cmd 4 all_match; then
        printf '      %s\n' "${st//$'\n'/$'\n'      }"
        sysns_fail "(d) ${ARGS[$name]}: wanted ${props[*]} and /${res[*]}/: $(sysns_snap "$unit")"
    fi
    pass "(d) notify.pl ${ARGS[$name]}: ${props[*]}; systemctl status: $(grep -E -- "${res[0]}" <<<"$st" | sed 's/^ *//; s/ since .*//')"
    sysns_ctl kill "$unit" >/dev/null 2>&1
    SYSNS_CMD_TIMEOUT=10 sysns_ctl stop "$unit" >/dev/null 2>&1
}
check_state reloading '^\s*Active:\s*reloading \(reload\)' -- ActiveState=reloading SubState=reload
check_state ready '^\s*Active:\s*active \(running\)' -- ActiveState=active SubState=running
check_state stopping '^\s*Active:\s*deactivating\b' -- ActiveState=deactivating
check_state status '^\s*Active:\s*active \(running\)' '^\s*Status:\s*"Foo"\s*$' -- ActiveState=active StatusText=Foo
check_state percent '^\s*Status:\s*"47%"\s*$' -- StatusText=47%
check_state errno '^\s*Active:\s*failed\b' '^\s*Status:\s*"Oops"' '^\s*Error:\s*2\b' -- ActiveState=failed StatusText=Oops StatusErrno=2 ExecMainStatus=55
grep -q '^notify(ERRNO 2 STATUS Oops) = [1-9]' "$T/work/notify-errno.log" ||
    sysns_fail "(d) notify.pl did not log a positive result: $(cat "$T/work/notify-errno.log")"
pass "(d) under -T, with the KEY VALUE pairs from its (tainted) command line; notify returned $(sed -n 's/^notify(ERRNO 2 STATUS Oops) = //p' "$T/work/notify-errno.log")"

# --------------------------------------------------------------- (b)
HOLD=6.2
before=$(sysns_count_log "^$U: Got notification message from PID $MAINPID \(WATCHDOG=1\)")
up() { sysns_running_as "$U" "$MAINPID" || { echo "$U changed: $(sysns_snap "$U")" >&2; return 1; }; }
sysns_hold_cmd "$HOLD" up || sysns_fail "(b) $U did not stay up for $HOLD s"
after=$(sysns_count_log "^$U: Got notification message from PID $MAINPID \(WATCHDOG=1\)")
[ $((after - before)) -ge 5 ] || sysns_fail "(b) only $((after - before)) WATCHDOG=1 in $HOLD s (one a second expected)"
[ "$(sysns_count_log "^$U: Watchdog timeout")" = 0 ] || sysns_fail "(b) unexpected watchdog timeout"
[ "$(sysns_count_log "reception only permitted")" = 0 ] || sysns_fail "(b) the manager rejected notifications (wrong sender PID)"
pass "(b) $U: $HOLD s (> 3 watchdog periods of 2 s) active/running, NRestarts=0, same MainPID; $((after - before)) WATCHDOG=1 logged, no timeout"
n=$(grep -c '^watchdog$' "$T/work/seed.log")
[ "$n" -ge 5 ] && [ "$(grep -vc '^watchdog$' "$T/work/seed.log")" = 0 ] ||
    sysns_fail "(b) its output: $n 'watchdog' lines, and $(grep -vc '^watchdog$' "$T/work/seed.log") others"
pass "(b) its output: $n lines 'watchdog' (say), nothing else"

# --------------------------------------------------------------- (c)
kill -STOP "$HOSTPID" || sysns_fail "(c) kill -STOP $HOSTPID"
stopped() { [ "$(awk '{print $3}' /proc/"$HOSTPID"/stat 2>/dev/null)" = T ]; }
sysns_wait_cmd 2 stopped || sysns_fail "(c) $U main process not stopped"
pass "(c) SIGSTOPped $U's main process (host pid $HOSTPID): stuck, no more heartbeats"
sysns_wait_log "^$U: Watchdog timeout \(limit 2s\)!" 5 || sysns_fail "(c) no 'Watchdog timeout' for $U"
sysns_wait_log "^$U: Main process exited, code=(killed|dumped), status=6/ABRT" 8 || sysns_fail "(c) $U was not killed with SIGABRT"
sysns_wait_log "^$U: Failed with result 'watchdog'" 2 || sysns_fail "(c) no result 'watchdog' for $U"
sysns_wait_log "^$U: Scheduled restart job, restart counter is at 1\." 3 || sysns_fail "(c) no 'Scheduled restart job' for $U"
pass "(c) 'Watchdog timeout (limit 2s)!', killed with SIGABRT, result 'watchdog', restart scheduled"
sysns_wait_cmd 8 sysns_running_again "$U" "$MAINPID" || sysns_fail "(c) $U not running again: $(sysns_snap "$U")"
[ "$(sysns_prop "$U" NRestarts)" = 1 ] || sysns_fail "(c) NRestarts=$(sysns_prop "$U" NRestarts), wanted 1"
NEWPID=$(sysns_prop "$U" MainPID)
[ ! -e /proc/"$HOSTPID" ] || [ "$(awk '{print $3}' /proc/"$HOSTPID"/stat 2>/dev/null)" = Z ] ||
    sysns_fail "(c) the stuck process $HOSTPID still exists"
sysns_wait_log "^$U: Got notification message from PID $NEWPID \(READY=1\)" 5 || sysns_fail "(c) no READY=1 from the new MainPID $NEWPID"
sysns_wait_log "^$U: Got notification message from PID $NEWPID \(WATCHDOG=1\)" 3 2 || sysns_fail "(c) no heartbeats from the new MainPID $NEWPID"
pass "(c) restarted: NRestarts=1, MainPID $MAINPID -> $NEWPID (old process gone), READY=1 and heartbeats again"

echo "== 63-perl-module-systemd: all passed in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
exit 0
