#!/usr/bin/env bash
# 80-bench-smoke.sh -- the benchmark (bench/notify-bench.c) still builds and runs, and what it
# checks still holds. No timing is asserted here (bench/run.sh measures and reports that):
#   a. a few interleaved rounds of all three methods (floor, sdlite, the system's libsystemd) for
#      all three messages, with every datagram checked intact (bytes, the fd, the sender's pid)
#   b. system calls per call under strace, ours: at most 3 (socket, sendmsg, close) for each
#      message, which fits the default send buffer; and the same run of libsystemd is counted
#   c. user-space instructions per call under callgrind (exact and repeatable), ours and
#      libsystemd's, reported; asserted against MAX_INSN_RATIO below when it is set
#   d. `notify-bench load` on ours: one shared object added, sd_notify returns 1
#   e. the journal calls (sd_journal_print, with location, send with 5 fields, sendv with 5
#      iovecs; root: notify-bench --journal binds the journal's receiver in a private mount
#      namespace of its own): a few interleaved rounds with every datagram checked (exactly the
#      expected bytes), and under strace exactly 1 system call per call after the first (sendmsg)
#      for ours, for every call
#   f. sd-login (bench/login-bench.c; root: it makes a private mount namespace with a synthetic
#      /run/systemd): a few interleaved rounds of every call (process calls over this process's
#      own /proc/self/cgroup, state calls with and without logind's directories), every answer
#      checked against libsystemd 252's; under strace, ours makes no more system calls per call
#      than libsystemd for any call, and exactly 1 (the open that fails) where logind never ran
# Exit: 0 passed, 77 skipped (why is printed), 1 failed. CI=true never skips.
set -u

# The issue's target is 0.5 (ours <= half of libsystemd's instructions per call). Set this once
# the library meets it, so that a regression fails the suite; empty: report only.
MAX_INSN_RATIO=

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
BUILD=${SDLITE_BUILD:-$ROOT/build}
SYSLIB=${SYSTEM_LIBSYSTEMD:-/usr/lib/x86_64-linux-gnu/libsystemd.so.0}
OURS=$BUILD/libsystemd.so.0
failed=0
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failed=1; }
skip_or_fail() {
    if [ "${CI:-}" = true ]; then echo "FAIL: cannot run: $* (CI=true: not allowed to skip)"; exit 1; fi
    echo "SKIP: $*"; exit 77
}

echo "== 80-bench-smoke: bench/notify-bench builds, runs, every datagram intact; syscalls per call"
command -v cc >/dev/null || skip_or_fail "no C compiler (apt-get install gcc)"
[ -e "$OURS" ] || { echo "FAIL: $OURS does not exist (run make first)"; exit 1; }
[ -e "$SYSLIB" ] || skip_or_fail "$SYSLIB not found (apt-get install libsystemd0)"

T=$(mktemp -d) || { echo "FAIL: mktemp"; exit 1; }
trap 'rm -rf "$T"' EXIT
if ! cc -O2 -Wall -Wextra -Werror -fmacro-prefix-map="$ROOT/=" -o "$T/notify-bench" "$ROOT/bench/notify-bench.c" 2> "$T/cc.err"; then
    cat "$T/cc.err"; echo "FAIL: bench/notify-bench.c does not build"; exit 1
fi
pass "bench/notify-bench.c builds (-Wall -Wextra -Werror)"

ENV=(LANG=C.UTF-8 PATH=/usr/bin:/bin NOTIFY_SOCKET="$T/notify" INVOCATION_ID=5f0c4b7a3e2d4c1b9a8f7e6d5c4b3a29)
NB=("$T/notify-bench" --sdlite "$OURS" --libsystemd "$SYSLIB")
run() { env -i "${ENV[@]}" "$@"; }

# ------------------------------------------------------------------ a. quick interleaved run
if run "${NB[@]}" bench --rounds 20 --warmup 2 --batch 8 > "$T/bench.out" 2>&1; then
    line=$(grep '^datagrams:' "$T/bench.out")
    # (20 + 2 warm-up) rounds x 3 messages x 3 methods x 8 calls
    if [ "$line" = "datagrams: 1584 sent, 1584 received intact, 0 bad" ]; then
        pass "bench --rounds 20: $line"
    else
        cat "$T/bench.out"; fail "bench --rounds 20: unexpected '$line'"
    fi
    grep -q 'distinct handles\|one namespace each' "$T/bench.out" ||
        fail "bench did not say how it loaded the two libraries"
else
    cat "$T/bench.out"; fail "bench --rounds 20 exited non-zero"
fi

# ------------------------------------------------------------------ b. syscalls per call
K=40
count_syscalls() { # FILE -> syscalls between the markers
    awk '/sdlite-bench:begin/ { on = 1; next } /sdlite-bench:end/ { on = 0; next }
         on && /^[0-9]+ +[a-z_0-9]+\(/ { n++ } END { print n + 0 }' "$1"
}
if ! command -v strace >/dev/null; then
    skip_or_fail "strace not found (apt-get install strace)"
fi
if ! strace -f -qq -o /dev/null true 2>/dev/null; then
    skip_or_fail "strace cannot trace here (ptrace not permitted)"
fi
for msg in watchdog status fd; do
    for m in sdlite libsystemd; do
        if ! run strace -f -qq -o "$T/st.$m.$msg" "${NB[@]}" calls "$m" "$msg" "$K" > "$T/calls.out" 2>&1; then
            cat "$T/calls.out"; fail "strace: calls $m $msg $K failed"; continue
        fi
        n=$(count_syscalls "$T/st.$m.$msg")
        per=$(awk -v n="$n" -v k="$K" 'BEGIN { printf "%g", n / k }')
        names=$(awk '/sdlite-bench:begin/ { on = 1; next } on && /^[0-9]+ +[a-z_0-9]+\(/ {
                    sub(/^[0-9]+ +/, ""); sub(/\(.*/, ""); if (n++ && $0 == first) exit
                    if (n == 1) first = $0; printf "%s%s", sep, $0; sep = " " }' "$T/st.$m.$msg")
        if [ "$m" = sdlite ]; then
            if [ "$n" -gt 0 ] && [ "$n" -le $((3 * K)) ]; then
                pass "syscalls per call, sdlite, $msg: $per ($names)"
            else
                fail "syscalls per call, sdlite, $msg: $per ($names), want <= 3"
            fi
        else
            echo "  .. syscalls per call, libsystemd, $msg: $per ($names)"
        fi
    done
done

# ------------------------------------------------------------------ c. instructions per call
if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
    for msg in watchdog status fd; do
        fn=sd_notify
        [ "$msg" = fd ] && fn=sd_pid_notify_with_fds
        declare -A ir=()
        for m in sdlite libsystemd; do
            run valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$T/cg.$m.$msg" \
                "${NB[@]}" calls "$m" "$msg" 200 > "$T/vg.out" 2>&1 || { cat "$T/vg.out"; fail "callgrind $m $msg"; continue; }
            ir[$m]=$(callgrind_annotate --inclusive=yes --auto=no "$T/cg.$m.$msg" |
                     awk -v f=":$fn " 'index($0, f) { gsub(",", "", $1); printf "%.1f", $1 / 200; exit }')
        done
        if [ -n "${ir[sdlite]:-}" ] && [ -n "${ir[libsystemd]:-}" ]; then
            ratio=$(awk -v a="${ir[sdlite]}" -v b="${ir[libsystemd]}" 'BEGIN { printf "%.3f", a / b }')
            what="instructions per call, $msg: sdlite ${ir[sdlite]}, libsystemd ${ir[libsystemd]}, ratio $ratio"
            if [ -z "$MAX_INSN_RATIO" ]; then
                echo "  .. $what (target <= 0.5, reported by bench/run.sh)"
            elif awk -v r="$ratio" -v m="$MAX_INSN_RATIO" 'BEGIN { exit !(r <= m) }'; then
                pass "$what <= $MAX_INSN_RATIO"
            else
                fail "$what, want <= $MAX_INSN_RATIO"
            fi
        else
            fail "instructions per call, $msg: no $fn in the callgrind profile"
        fi
    done
else
    echo "  .. valgrind not installed: instructions per call not measured"
fi

# ------------------------------------------------------------------ d. load
# a receiver for the one sd_notify (serve drains $NOTIFY_SOCKET until SIGTERM)
env -i "${ENV[@]}" "$T/notify-bench" serve > /dev/null 2> "$T/serve.err" &
serve=$!
for _ in $(seq 50); do [ -S "$T/notify" ] && break; sleep 0.1; done
if run "$T/notify-bench" load "$OURS" > "$T/load.out" 2>&1; then
    line=$(grep '^load ' "$T/load.out")
    case $line in
        *" objects_added=1 "*"sd_notify=1"*) pass "load: one shared object added, sd_notify returned 1" ;;
        *) cat "$T/load.out"; fail "load: $line (want objects_added=1 and sd_notify=1)" ;;
    esac
else
    cat "$T/load.out"; fail "notify-bench load $OURS exited non-zero"
fi
kill "$serve" 2>/dev/null; wait "$serve" 2>/dev/null
grep -q '^notify-bench serve: 1 datagrams$' "$T/serve.err" || fail "receiver: $(cat "$T/serve.err")"

# ------------------------------------------------------------------ e. the journal calls
JMSGS="journal_print journal_print_loc journal_send journal_sendv"
journal_ok=1
if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
    journal_ok=0
    if [ "${CI:-}" = true ]; then
        fail "journal part: needs root and a private mount namespace (CI=true: not skipped)"
    else
        echo "  .. journal part skipped: needs root and a private mount namespace"
    fi
fi
if [ "$journal_ok" = 1 ]; then
    if run "${NB[@]}" --journal bench --rounds 10 --warmup 2 --batch 8 > "$T/jbench.out" 2>&1; then
        line=$(grep '^datagrams:' "$T/jbench.out")
        # (10 + 2) rounds x 7 messages (3 notify, 4 journal) x 3 methods x 8 calls
        if [ "$line" = "datagrams: 2016 sent, 2016 received intact, 0 bad" ]; then
            pass "bench --journal --rounds 10: $line"
        else
            cat "$T/jbench.out"; fail "bench --journal --rounds 10: unexpected '$line'"
        fi
    else
        cat "$T/jbench.out"; fail "bench --journal --rounds 10 exited non-zero"
    fi
    for msg in $JMSGS; do
        for m in sdlite libsystemd floor; do
            st=$T/st.$m.$msg
            if ! run strace -f -qq -o "$st" "${NB[@]}" --journal calls "$m" "$msg" "$K" > "$T/calls.out" 2>&1; then
                cat "$T/calls.out"; fail "strace: --journal calls $m $msg $K failed"; continue
            fi
            grep -q "^datagrams: $((K + 8)) sent, $((K + 8)) received intact, 0 bad$" "$T/calls.out" ||
                fail "--journal calls $m $msg: $(grep '^datagrams' "$T/calls.out")"
            n=$(count_syscalls "$st")
            names=$(awk '/sdlite-bench:begin/ { on = 1; next } /sdlite-bench:end/ { on = 0; next }
                         on && /^[0-9]+ +[a-z_0-9]+\(/ { sub(/^[0-9]+ +/, ""); sub(/\(.*/, ""); print }' "$st" | sort | uniq -c |
                    awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
            per=$(awk -v n="$n" -v k="$K" 'BEGIN { printf "%g", n / k }')
            if [ "$m" = sdlite ]; then
                if [ "$n" = "$K" ] && [ "$names" = "sendmsg x$K" ]; then
                    pass "syscalls per call after the first, sdlite, $msg: 1 (sendmsg)"
                else
                    fail "syscalls per call after the first, sdlite, $msg: $per ($names), want exactly 1 (sendmsg)"
                fi
            else
                echo "  .. syscalls per call after the first, $m, $msg: $per ($names)"
            fi
        done
    done
fi

# ------------------------------------------------------------------ f. sd-login
if [ "$journal_ok" = 1 ]; then
    if ! cc -O2 -Wall -Wextra -Werror -o "$T/login-bench" "$ROOT/bench/login-bench.c" 2> "$T/cc.err"; then
        cat "$T/cc.err"; fail "bench/login-bench.c does not build"
    else
        pass "bench/login-bench.c builds (-Wall -Wextra -Werror)"
        LB=("$T/login-bench" --sdlite "$OURS" --libsystemd "$SYSLIB")
        if run "${LB[@]}" bench --rounds 5 --warmup 1 --batch 4 > "$T/lbench.out" 2>&1 &&
            line=$(grep '^calls: ' "$T/lbench.out") && [ "${line% 0 wrong}" != "$line" ]; then
            pass "login-bench --rounds 5: $line"
        else
            cat "$T/lbench.out"; fail "login-bench --rounds 5: every answer must match libsystemd's"
        fi
        declare -A lsc=()
        for m in sdlite libsystemd; do
            if ! run strace -f -qq -o "$T/lst.$m" "${LB[@]}" calls "$m" all "$K" > "$T/lcalls.out" 2>&1; then
                cat "$T/lcalls.out"; fail "strace: login-bench calls $m all $K failed"; continue
            fi
            grep -q '^calls: .* 0 wrong$' "$T/lcalls.out" || fail "login-bench calls $m: $(grep '^calls: ' "$T/lcalls.out" | tail -n1)"
            while read -r c n; do lsc[$m.$c]=$n; done < <(awk '
                /sdlite-bench:begin:/ { s = $0; sub(/.*begin:/, "", s); sub(/".*/, "", s); cur = s; n[cur] += 0; next }
                /sdlite-bench:end/ { cur = ""; next }
                cur != "" && /^[0-9]+ +[a-z_0-9]+\(/ { n[cur]++ } END { for (c in n) print c, n[c] }' "$T/lst.$m")
        done
        for c in login_pid_unit login_pid_slice login_pid_cgroup login_peer_unit login_uid_state login_session_uid \
                 login_session_active login_uid_seats login_uid_state_none login_session_uid_none \
                 login_session_active_none login_uid_seats_none; do
            a=${lsc[sdlite.$c]:-} b=${lsc[libsystemd.$c]:-}
            if [ -z "$a" ] || [ -z "$b" ]; then
                fail "syscalls per call, $c: not counted (sdlite '${a}', libsystemd '${b}')"; continue
            fi
            what="syscalls per call, $c: sdlite $(awk -v n="$a" -v k="$K" 'BEGIN { printf "%g", n / k }'), libsystemd $(awk -v n="$b" -v k="$K" 'BEGIN { printf "%g", n / k }')"
            case $c in
                *_none) if [ "$a" = "$K" ]; then pass "$what (the open that fails)"; else fail "$what, want exactly 1"; fi ;;
                *) if [ "$a" -le "$b" ]; then pass "$what"; else fail "$what, want no more than libsystemd"; fi ;;
            esac
        done
    fi
fi

[ "$failed" = 0 ] && echo "80-bench-smoke: all checks passed"
exit "$failed"
