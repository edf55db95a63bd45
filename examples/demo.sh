#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# examples/demo.sh -- what `make demo` runs (the end of the README's quick start): the seed's
# watchdog daemon in Perl, Python and C, on the installed sdlite, for about ten seconds, the
# Perl one getting stuck on purpose so that the watchdog fires.
#
#   * as root where namespaces work: under a real systemd (the installed one), booted as PID 1
#     of private namespaces by tests/lib/sysns.sh; it prints systemctl-like lines (state,
#     restarts, StatusText) every second and the manager's watchdog/restart messages;
#   * elsewhere (no root, a container, no systemd): under sdlite-listen, the project's small
#     notify listener, which prints what each service sends and when a heartbeat is late.
#
# Environment: SDLITE_PREFIX (default: <checkout>/prefix, where `make install` puts sdlite),
# SDLITE_LISTEN (default: <checkout>/build/sdlite-listen), SDLITE_DEMO_MODE=systemd|listener
# to choose instead of detecting, SDLITE_DEMO_SECONDS (default 9).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/.." && pwd -P)
PREFIX=${SDLITE_PREFIX:-$ROOT/prefix}
LISTEN=${SDLITE_LISTEN:-$ROOT/build/sdlite-listen}
SECONDS_TOTAL=${SDLITE_DEMO_SECONDS:-9}
STUCK=3          # the Perl service gets stuck this long after READY=1
DELAY_MS=1000    # every service starts up for this long before READY=1
export SDLITE_PREFIX=$PREFIX
unset SDLITE_LIB

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' Y=$'\e[33m' R=$'\e[31m' N=$'\e[0m'; else B='' G='' Y='' R='' N=''; fi
say()  { printf '%s\n' "$*"; }
title() { printf '\n%s%s%s\n' "$B" "$*" "$N"; }
die()  { printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2; exit 1; }

LIB=$PREFIX/lib/libsystemd.so.0
[ -e "$LIB" ] || die "$LIB not found: run 'make install' first (or 'make demo', which does), or set SDLITE_PREFIX"

# ----------------------------------------------------------------- which mode
# shellcheck source=SCRIPTDIR/../tests/lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"
mode=${SDLITE_DEMO_MODE:-}
why=
case $mode in
    systemd)  sysns_can_run || die "SDLITE_DEMO_MODE=systemd, but: $SYSNS_WHY" ;;
    listener) why="SDLITE_DEMO_MODE=listener" ;;
    '')       if sysns_can_run; then mode=systemd; else mode=listener why=$SYSNS_WHY; fi ;;
    *)        die "SDLITE_DEMO_MODE must be systemd or listener, not '$mode'" ;;
esac

sysns_mktemp T || die "mktemp"
mkdir -p "$T/bin" "$T/units" "$T/work"

# ----------------------------------------------------------------- the three services
declare -A CMD=()
LANGS=()
notes=()
if [ -x /usr/bin/perl ] && /usr/bin/perl -e 'use FFI::Platypus 2.00; use AnyEvent; 1' 2>/dev/null; then
    CMD[perl]="/usr/bin/perl $HERE/watchdog-daemon.pl"; LANGS+=(perl)
else
    notes+=("perl:   left out: needs FFI::Platypus >= 2 and AnyEvent (apt-get install libffi-platypus-perl libanyevent-perl)")
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -n "$PY" ]; then
    CMD[python]="$PY $HERE/watchdog-daemon.py"; LANGS+=(python)
else
    notes+=("python: left out: no python3")
fi
if command -v cc >/dev/null && command -v pkg-config >/dev/null &&
   make -s -C "$HERE" SDLITE_PREFIX="$PREFIX" OUT="$T/bin" >"$T/make.out" 2>&1; then
    CMD[c]="$T/bin/watchdog-daemon"; LANGS+=(c)
else
    notes+=("c:      left out: building it with examples/Makefile failed: $(tail -n 3 "$T/make.out" 2>/dev/null | tr '\n' ' ')")
fi
[ "${#LANGS[@]}" -gt 0 ] || die "none of the three examples can run here"
stuck_lang=${LANGS[0]}   # perl when it can run: the seed's language

title "sdlite demo: one small watchdog daemon in Perl (FFI::Platypus), Python (ctypes) and C (pkg-config)"
say "  library: $LIB -> $(readlink -f "$LIB")"
say "  each service: sd_watchdog_enabled() for the interval, READY=1 + STATUS= after a ${DELAY_MS} ms"
say "  start-up, then WATCHDOG=1 every WATCHDOG_USEC/2; the $stuck_lang one's loop gets stuck ${STUCK} s after READY=1."
for n in "${notes[@]}"; do say "  $Y$n$N"; done

# ----------------------------------------------------------------- systemd
run_systemd() {
    say "  mode:    ${G}a real $("$SYSNS_SYSTEMD" --version | sed -n '1s/ (.*//p')$N, booted as PID 1 of private namespaces, since you are"
    say "           root and namespaces work (tests/lib/sysns.sh; nothing outside the namespaces changes)"
    local l extra
    for l in "${LANGS[@]}"; do
        extra=
        [ "$l" = "$stuck_lang" ] && extra=" STUCK_AFTER_SEC=$STUCK"
        cat >"$T/units/demo-$l.service" <<EOF
[Unit]
Description=sdlite demo: the watchdog daemon in $l
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=main
ExecStart=${CMD[$l]}
Environment="SDLITE_PREFIX=$PREFIX" STARTUP_DELAY_MS=$DELAY_MS$extra
WatchdogSec=2
Restart=always
RestartSec=500ms
WorkingDirectory=$T/work
StandardOutput=append:$T/work/$l.log
StandardError=inherit
EOF
        SYSNS_STOP_UNITS+=("demo-$l.service")
    done
    say "  units:   Type=notify NotifyAccess=main WatchdogSec=2 Restart=always RestartSec=500ms"
    say "           (the seed has WatchdogSec=10; shorter here so that it all fits in ${SECONDS_TOTAL} s)"
    sysns_boot "$T" || die "could not boot systemd in namespaces (see above)"
    sysns_ctl start --no-block "${SYSNS_STOP_UNITS[@]}" || die "systemctl start failed"

    local start tick=0 now t st line seen=0 u mapped hp
    local -A shown_map=()
    start=$(sysns__now_us)
    title "$(printf '%6s  %-20s %-24s %-9s %s' time unit state restarts StatusText)"
    while [ "$tick" -lt "$SECONDS_TOTAL" ]; do
        tick=$((tick + 1))
        while [ $(( $(sysns__now_us) - start )) -lt $(( tick * 1000000 - 500000 )) ]; do sleep 0.05; done
        now=$(sysns__now_us)
        t=$(printf '%d.%d s' $(( (now - start) / 1000000 )) $(( (now - start) / 100000 % 10 )))
        for l in "${LANGS[@]}"; do
            u=demo-$l.service
            sysns_props "$u" ActiveState,SubState,NRestarts,MainPID,StatusText || continue
            st="${SYSNS_P[ActiveState]}/${SYSNS_P[SubState]}"
            case ${SYSNS_P[ActiveState]} in active) st=$G$st$N ;; activating) st=$Y$st$N ;; *) st=$R$st$N ;; esac
            printf '%6s  %-20s %-*s %-9s %s\n' "$t" "$u" $((24 + ${#st} - ${#SYSNS_P[ActiveState]} - ${#SYSNS_P[SubState]} - 1)) \
                "$st" "${SYSNS_P[NRestarts]}" "${SYSNS_P[StatusText]:--}"
            t=
            # once per service: the library its process really mapped
            if [ "${SYSNS_P[ActiveState]}" = active ] && [ -z "${shown_map[$l]:-}" ] &&
               hp=$(sysns_host_pid "${SYSNS_P[MainPID]}"); then
                mapped=$(awk '$6 ~ /\/libsystemd\.so/ {print $6}' /proc/"$hp"/maps 2>/dev/null | sort -u | paste -sd' ')
                printf '%6s  %s\n' "" "  (pid ${SYSNS_P[MainPID]} in the namespace maps ${mapped:-?})"
                shown_map[$l]=1
            fi
        done
        # the manager's own words about the watchdog and the restart
        while IFS= read -r line; do
            printf '%6s  %s\n' "" "${R}manager:$N $line"
        done < <(tr -d '\r' <"$SYSNS_LOG" | grep -E '^demo-[a-z]+\.service: (Watchdog timeout|Main process exited|Failed with result|Scheduled restart job)' |
                 tail -n +$((seen + 1)))
        seen=$(tr -d '\r' <"$SYSNS_LOG" | grep -cE '^demo-[a-z]+\.service: (Watchdog timeout|Main process exited|Failed with result|Scheduled restart job)')
    done
    title "after ${SECONDS_TOTAL} s:"
    for l in "${LANGS[@]}"; do
        say "  demo-$l.service: $(sysns_prop "demo-$l.service" ActiveState), NRestarts=$(sysns_prop "demo-$l.service" NRestarts)"
    done
    if [ "$(sysns_prop "demo-$stuck_lang.service" NRestarts)" -ge 1 ] 2>/dev/null; then
        say "  The $stuck_lang service stopped heartbeating, systemd's watchdog killed it (SIGABRT) and"
        say "  Restart=always brought it back; the others kept heartbeating through sdlite all along."
    else
        say "  ${Y}The $stuck_lang service was not restarted within ${SECONDS_TOTAL} s (a slow machine?): see above.$N"
    fi
}

# ----------------------------------------------------------------- listener
run_listener() {
    say "  mode:    ${Y}sdlite-listen$N (the project's notify listener), not a real systemd: $why"
    [ -x "$LISTEN" ] || die "$LISTEN not found: run 'make listener' (or 'make demo')"
    say "  each service runs under: sdlite-listen --watchdog-usec 2000000 --kill-on-late --timeout $SECONDS_TOTAL"
    say "  (like WatchdogSec=2; the listener reports a late heartbeat and sends SIGABRT as systemd would,"
    say "   but restarting is the service manager's job: nothing restarts here)"
    title "what the services send (time since start, sender pid, one line per field):"
    ulimit -c 0
    local l extra pids=()
    for l in "${LANGS[@]}"; do
        extra=()
        [ "$l" = "$stuck_lang" ] && extra=("STUCK_AFTER_SEC=$STUCK")
        # shellcheck disable=SC2086  # CMD is "interpreter script"
        env STARTUP_DELAY_MS=$DELAY_MS "${extra[@]}" \
            "$LISTEN" --name "$l" --watchdog-usec 2000000 --kill-on-late --timeout "$SECONDS_TOTAL" \
            -- ${CMD[$l]} 2>&1 | tee "$T/work/$l.out" |
            grep --line-buffered -Ev ': alive, heartbeat [0-9]+$|^[a-z]+\[[0-9]+\]: (watchdog every|starting up|sent READY)' &
        pids+=($!)
    done
    wait "${pids[@]}"
    title "after ${SECONDS_TOTAL} s:"
    if grep -q "LATE: no WATCHDOG=1" "$T/work/$stuck_lang.out"; then
        say "  The $stuck_lang service stopped heartbeating: LATE, then SIGABRT as systemd's watchdog would"
        say "  (under systemd, Restart=always would now start it again); the others heartbeated all along."
    else
        say "  ${Y}No LATE for the $stuck_lang service within ${SECONDS_TOTAL} s (a slow machine?): see above.$N"
    fi
    say "  For the real thing, run this as root on a machine where namespaces work: make demo"
}

if [ "$mode" = systemd ]; then run_systemd; else run_listener; fi
say ""
say "Next: examples/README.md (Perl, Python and C in a few lines), tests/suites/60-examples-systemd.sh."
exit 0
