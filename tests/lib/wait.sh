# shellcheck shell=bash disable=SC2034
# tests/lib/wait.sh -- wait for a condition, never for a time (issue 9).  Sourced by suites
# (directly, or through tests/lib/sysns.sh).
#
# A test that sleeps a fixed time and then looks is a race: on a loaded machine the thing it waits
# for may simply not have happened yet.  Instead, poll the condition itself until a deadline that
# is generous for a busy 2-core machine; a passing run costs only the time the condition takes.
#
#   wait_for TIMEOUT WHAT EXPECTED CMD [ARG...]
#       run CMD every WAIT_POLL s until it succeeds (0) or TIMEOUT s have passed (1).  CMD runs in
#       this shell and may set WAIT_SAW to what it observed; on a timeout WAIT_MSG is
#       "WHAT: expected EXPECTED, saw WAIT_SAW after N.Ns".
#   hold_for DURATION WHAT EXPECTED CMD [ARG...]
#       CMD must succeed at every poll for DURATION s (0); at the first failure (1) WAIT_MSG is
#       "WHAT: expected EXPECTED for DURATION s, saw WAIT_SAW after N.Ns".  For the few checks
#       that are about a duration ("nothing happened during X s"), not about an event.
#   out_is VALUE CMD [ARG...]      WAIT_SAW = CMD's output (stdout+stderr); succeeds if = VALUE
#   out_matches ERE CMD [ARG...]   the same, succeeds if the output matches the ERE (bash =~)
#   WAIT_TOOK    seconds (N.N) the last wait_for/hold_for took
#   WAIT_LONG    deadline for anything that must eventually happen (default 60 s; a passing run
#                never waits that long, a failing one reports after it)
#   WAIT_POLL    poll interval (default 0.1 s)
#   wait_now_us / wait_sec_to_us S / wait_fmt_us US   time helpers (microseconds, "N.N")
#
# Typical use:
#   wait_for "$WAIT_LONG" "$U main process state" "T (stopped)" out_is T proc_state "$pid" ||
#       fail_with "$WAIT_MSG"
# -> "FAIL: wd-ok.service main process state: expected T (stopped), saw R after 60.0s"

WAIT_LONG=${WAIT_LONG:-60}
WAIT_POLL=${WAIT_POLL:-0.1}
WAIT_SAW=
WAIT_MSG=
WAIT_TOOK=0.0

# microseconds since the epoch (bash 5's EPOCHREALTIME; date as a fallback)
wait_now_us() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t=${EPOCHREALTIME/[.,]/}
        printf '%s\n' "$((10#$t))"
    else
        date +%s%6N
    fi
}
# "1.5" -> 1500000
wait_sec_to_us() {
    local s=$1 int frac
    int=${s%%.*}
    if [ "$int" = "$s" ]; then frac=; else frac=${s#*.}; fi
    frac=${frac}000000
    frac=${frac:0:6}
    printf '%s\n' "$(( 10#${int:-0} * 1000000 + 10#$frac ))"
}
# 1530000 -> "1.5"
wait_fmt_us() {
    printf '%d.%d\n' "$(( $1 / 1000000 ))" "$(( $1 % 1000000 / 100000 ))"
}

wait_for() {
    local timeout=$1 what=$2 expected=$3 start deadline now
    shift 3
    WAIT_SAW='(not looked at yet)'
    WAIT_MSG=
    start=$(wait_now_us)
    deadline=$(( start + $(wait_sec_to_us "$timeout") ))
    while :; do
        if "$@"; then
            WAIT_TOOK=$(wait_fmt_us $(( $(wait_now_us) - start )))
            return 0
        fi
        now=$(wait_now_us)
        if [ "$now" -ge "$deadline" ]; then
            WAIT_TOOK=$(wait_fmt_us $(( now - start )))
            WAIT_MSG="$what: expected $expected, saw ${WAIT_SAW:-(nothing)} after ${WAIT_TOOK}s"
            return 1
        fi
        sleep "$WAIT_POLL"
    done
}

hold_for() {
    local duration=$1 what=$2 expected=$3 start deadline now
    shift 3
    WAIT_SAW='(not looked at yet)'
    WAIT_MSG=
    start=$(wait_now_us)
    deadline=$(( start + $(wait_sec_to_us "$duration") ))
    while :; do
        now=$(wait_now_us)
        if ! "$@"; then
            WAIT_TOOK=$(wait_fmt_us $(( now - start )))
            WAIT_MSG="$what: expected $expected for ${duration}s, saw ${WAIT_SAW:-(nothing)} after ${WAIT_TOOK}s"
            return 1
        fi
        if [ "$now" -ge "$deadline" ]; then
            WAIT_TOOK=$(wait_fmt_us $(( $(wait_now_us) - start )))
            return 0
        fi
        sleep "$WAIT_POLL"
    done
}

out_is() {
    local want=$1
    shift
    WAIT_SAW=$("$@" 2>&1)
    [ "$WAIT_SAW" = "$want" ]
}
out_matches() {
    local re=$1
    shift
    WAIT_SAW=$("$@" 2>&1)
    [[ $WAIT_SAW =~ $re ]]
}

# proc_state HOSTPID -> the one-letter state of /proc/PID/stat ("gone" when there is no such pid)
proc_state() {
    local s
    s=$(cat /proc/"$1"/stat 2>/dev/null) || { echo gone; return 0; }
    s=${s##*) }          # after "PID (comm) " -- comm may hold spaces and parentheses
    echo "${s%% *}"
}
# proc_gone HOSTPID -> 0 if the pid no longer exists or is a zombie (WAIT_SAW = its state)
proc_gone() {
    WAIT_SAW=$(proc_state "$1")
    [ "$WAIT_SAW" = gone ] || [ "$WAIT_SAW" = Z ]
}
