#!/usr/bin/env bash
# bench/run.sh: sdlite against Debian's libsystemd 252 against the floor, for sd_notify, the
# journal's sending side and sd-login. Builds everything (the library too), runs every measurement, prints
# the tables and the targets' PASS/MISS, writes bench/results/*.csv, the plots
# (bench/results/ns-per-call.png, journal-ns-per-call.png, login-ns-per-call.png) and
# bench/RESULTS.md.
#
#   bench/run.sh                 the full run (a few minutes on 2 cores)
#   bench/run.sh --quick         a few rounds of everything (seconds; the timings are rough)
#   options: --rounds N (per-call rounds, default 5000), --spawn-rounds N (load-cost rounds,
#            default 1000), --calls K (calls per callgrind/strace run, default 1000),
#            --out DIR (default bench/results), --no-plot, --no-install,
#            --no-journal (no journal part), --no-login (no sd-login part), --note TEXT (a line
#            for machine.txt: say what else the machine was doing)
#
# The journal part needs root: its address is fixed (/run/systemd/journal/socket), so
# notify-bench --journal makes a private mount namespace with a tmpfs over /run/systemd and
# binds the receiver there (nothing outside the process sees it). Without root it is skipped.
# So does the sd-login part (bench/login-bench.c): its state calls read a synthetic
# /run/systemd tree in a private mount namespace of its own, and its process calls read the
# process's real /proc/self/cgroup after it has moved itself into /system.slice/sdlite-bench.service
# (removed again at exit), where a service's calls would run.
#
# Every measurement runs under the same small fixed environment (env -i, four variables, see
# BENCH_ENV below), since getenv's cost grows with the environment. Timing on a shared or busy
# machine is noisy: the ratios come from interleaved rounds and medians, but run it on an idle
# machine for numbers to publish. Instructions (callgrind) and syscalls (strace) are exact.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd "$here/.." && pwd -P)
rounds=5000 spawn_rounds=1000 calls=1000 out=$here/results plot=1 install=1 quick=0 journal=1 login=1 note=
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 rounds=100 spawn_rounds=30 calls=200 ;;
        --rounds) rounds=$2; shift ;;
        --spawn-rounds) spawn_rounds=$2; shift ;;
        --calls) calls=$2; shift ;;
        --out) out=$2; shift ;;
        --no-plot) plot=0 ;;
        --no-install) install=0 ;;
        --no-journal) journal=0 ;;
        --no-login) login=0 ;;
        --note) note=$2; shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

SYSTEM_LIB=${SYSTEM_LIBSYSTEMD:-/usr/lib/x86_64-linux-gnu/libsystemd.so.0}
PY=/usr/bin/python3

# ------------------------------------------------------------------ tools
need_pkgs=()
command -v cc >/dev/null || need_pkgs+=(gcc)
command -v valgrind >/dev/null || need_pkgs+=(valgrind)
command -v strace >/dev/null || need_pkgs+=(strace)
command -v hyperfine >/dev/null || need_pkgs+=(hyperfine)
[ -e "$SYSTEM_LIB" ] || need_pkgs+=(libsystemd0)
if [ "$plot" = 1 ] && ! "$PY" -c 'import matplotlib' 2>/dev/null; then need_pkgs+=(python3-matplotlib); fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
    if [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing ${need_pkgs[*]}"
        apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >/dev/null
    else
        echo "run.sh: missing: ${need_pkgs[*]} (apt-get install them, or run as root)" >&2
    fi
fi
for t in cc valgrind callgrind_annotate strace; do
    command -v $t >/dev/null || { echo "run.sh: '$t' is required" >&2; exit 2; }
done
[ -e "$SYSTEM_LIB" ] || { echo "run.sh: $SYSTEM_LIB not found" >&2; exit 2; }

# ------------------------------------------------------------------ build
echo "== building"
make -s -C "$root" >/dev/null
OURS=$root/build/libsystemd.so.0
B=$root/build/bench
mkdir -p "$B" "$out"
CFLAGS=(-O2 -Wall -Wextra -Werror)
# not stripped: callgrind needs the symbols floor_send and journal_floor_send. __FILE__ (the
# journal's CODE_FILE=) is bench/notify-bench.c wherever the checkout is.
cc "${CFLAGS[@]}" -fmacro-prefix-map="$root/=" -o "$B/notify-bench" "$here/notify-bench.c"
cc "${CFLAGS[@]}" -o "$B/login-bench" "$here/login-bench.c"
# the load-cost libraries: one directory each, holding only libsystemd.so.0 and the client
for l in trivial sdlite libsystemd; do rm -rf "$B/lib-$l"; mkdir -p "$B/lib-$l"; done
cc -O2 -fPIC -shared -o "$B/lib-trivial/libsystemd.so.0" "$here/trivial.c" -Wl,-soname,libsystemd.so.0 \
    -Wl,--version-script="$here/trivial.sym" -Wl,-z,relro -Wl,-z,now -s
ln -s "$(readlink -f "$OURS")" "$B/lib-sdlite/libsystemd.so.0"
ln -s "$(readlink -f "$SYSTEM_LIB")" "$B/lib-libsystemd/libsystemd.so.0"
for l in trivial sdlite libsystemd; do
    # linked against the trivial library (sd_notify@LIBSYSTEMD_209, as any client of the real one),
    # run against the library in its own directory (RUNPATH)
    cc -O2 -o "$B/lib-$l/hello" "$here/hello.c" -L"$B/lib-trivial" -l:libsystemd.so.0 -Wl,-rpath,"$B/lib-$l"
done

# ------------------------------------------------------------------ the environment
T=$(mktemp -d /tmp/sdlite-bench.XXXXXX)
serve_pid=
cleanup() {
    if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
    rm -rf "$T"
}
trap cleanup EXIT
BENCH_ENV=(
    LANG=C.UTF-8
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    NOTIFY_SOCKET="$T/notify"
    INVOCATION_ID=5f0c4b7a3e2d4c1b9a8f7e6d5c4b3a29
)
NB=("$B/notify-bench" --sdlite "$OURS" --libsystemd "$SYSTEM_LIB")
run() { env -i "${BENCH_ENV[@]}" "$@"; }

# the journal part: root, and a mount namespace of its own (notify-bench makes it)
messages=(watchdog status fd)
NBJ=("${NB[@]}")
if [ "$journal" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "run.sh: not root: the journal part is skipped (its receiver needs a private mount namespace)" >&2
        journal=0
    elif ! unshare -m --propagation private true 2>/dev/null; then
        echo "run.sh: cannot make a mount namespace here: the journal part is skipped" >&2
        journal=0
    else
        NBJ+=(--journal)
        messages+=(journal_print journal_print_loc journal_send journal_sendv)
    fi
fi
# the sd-login part: root too (a private mount namespace for the state tree, a cgroup to run in)
LB=("$B/login-bench" --sdlite "$OURS" --libsystemd "$SYSTEM_LIB" --cgroup /system.slice/sdlite-bench.service)
login_calls=(login_pid_unit login_pid_slice login_pid_cgroup login_peer_unit
             login_uid_state login_session_uid login_session_active login_uid_seats
             login_uid_state_none login_session_uid_none login_session_active_none login_uid_seats_none)
if [ "$login" = 1 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "run.sh: not root: the sd-login part is skipped (its state tree needs a private mount namespace)" >&2
        login=0
    elif ! unshare -m --propagation private true 2>/dev/null; then
        echo "run.sh: cannot make a mount namespace here: the sd-login part is skipped" >&2
        login=0
    fi
fi
rm -f "$out/login-per-call.csv" "$out/login-ratios.csv" "$out/login-setting.txt"

# before machine.txt is opened: it is a tracked file, and truncating it would make the tree dirty
described=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "kernel: $(uname -sr)"
    echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) cpus)"
    echo "glibc: $(ldd --version | head -1 | sed 's/^ldd //')"
    echo "libsystemd: $(dpkg-query -W -f='${Package} ${Version}' libsystemd0 2>/dev/null || echo "$SYSTEM_LIB")"
    echo "sdlite: $described"
    echo "environment: env -i ${BENCH_ENV[*]}" | sed "s|$T|\$TMP|"
    echo "command: bench/run.sh --rounds $rounds --spawn-rounds $spawn_rounds --calls $calls$([ "$journal" = 1 ] || echo " --no-journal")$([ "$login" = 1 ] || echo " --no-login")"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    [ -z "$note" ] || echo "note: $note"
} > "$out/machine.txt"

# ------------------------------------------------------------------ 1. ns per call
echo
echo "== 1. ns per call (interleaved, $rounds rounds)"
run "${NBJ[@]}" bench --rounds "$rounds" --warmup $((quick ? 10 : 50)) --csv-dir "$out"

# ------------------------------------------------------------------ 2. instructions and syscalls
echo
echo "== 2. instructions (callgrind) and syscalls (strace) per call, $calls calls each"
entry() { # the function whose inclusive cost is one call
    case $1/$2 in
        floor/journal_*) echo journal_floor_send ;;
        floor/*) echo floor_send ;;
        */fd) echo sd_pid_notify_with_fds ;;
        */journal_print) echo sd_journal_print ;;
        */journal_print_loc) echo sd_journal_print_with_location ;;
        */journal_send) echo sd_journal_send ;;
        */journal_sendv) echo sd_journal_sendv ;;
        *) echo sd_notify ;;
    esac
}
echo "message,method,instructions_per_call,calls" > "$out/instructions.csv"
echo "message,method,syscalls_per_call,calls,syscalls,first_call_syscalls" > "$out/syscalls.csv"
printf '%-17s %-11s %12s %9s  %s\n' message method instructions syscalls "syscalls of one call [of the first]"
for msg in "${messages[@]}"; do
    for m in floor sdlite libsystemd; do
        cg=$T/cg.out
        run valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$cg" \
            "${NBJ[@]}" calls "$m" "$msg" "$calls" > "$T/vg.out" 2> "$T/vg.err" \
            || { cat "$T/vg.out" "$T/vg.err" >&2; exit 1; }
        fn=$(entry "$m" "$msg")
        ir=$(callgrind_annotate --inclusive=yes --auto=no "$cg" |
             awk -v f=":$fn " 'index($0, f) { gsub(",", "", $1); print $1; exit }')
        [ -n "$ir" ] || { echo "run.sh: no $fn in the callgrind profile" >&2; exit 1; }
        ipc=$(awk -v a="$ir" -v k="$calls" 'BEGIN { printf "%.1f", a / k }')
        echo "$msg,$m,$ipc,$calls" >> "$out/instructions.csv"

        st=$T/strace.out
        run strace -f -qq -o "$st" "${NBJ[@]}" calls "$m" "$msg" "$calls" > /dev/null
        # syscalls strictly between the markers, one batch after another
        awk '/sdlite-bench:begin/ { on = 1; next } /sdlite-bench:end/ { on = 0; next }
             on && /^[0-9]+ +[a-z_0-9]+\(/ { n++ } END { print n + 0 }' "$st" > "$T/n"
        n=$(cat "$T/n")
        spc=$(awk -v a="$n" -v k="$calls" 'BEGIN { printf "%.2f", a / k }')
        # the names of the syscalls of the first call, in order
        names=$(awk '/sdlite-bench:begin/ { on = 1; next } /sdlite-bench:end/ { exit }
                     on && /^[0-9]+ +[a-z_0-9]+\(/ { sub(/^[0-9]+ +/, ""); sub(/\(.*/, "")
                                                     if (n++ && $0 == first) exit
                                                     if (n == 1) first = $0
                                                     printf "%s%s", sep, $0; sep = " " }' "$st")
        # the process's first call of this method (the journal's socket is made there)
        first=$(awk '/sdlite-bench:first-end/ { exit } /sdlite-bench:first"/ { on = 1; next }
                     on && /^[0-9]+ +[a-z_0-9]+\(/ { sub(/^[0-9]+ +/, ""); sub(/\(.*/, "")
                                                     printf "%s%s", sep, $0; sep = " " }' "$st")
        echo "$msg,$m,$spc,$calls,$names,$first" >> "$out/syscalls.csv"
        printf '%-17s %-11s %12s %9s  %s [%s]\n' "$msg" "$m" "$ipc" "$spc" "$names" "$first"
    done
done

# ------------------------------------------------------------------ 3. load cost
echo
echo "== 3. load cost ($spawn_rounds rounds, interleaved)"
run "${NB[@]}" spawn --rounds "$spawn_rounds" --csv-dir "$out" \
    trivial="$B/lib-trivial/hello" sdlite="$B/lib-sdlite/hello" libsystemd="$B/lib-libsystemd/hello"
# file sizes: each library and everything it pulls in (ldd, without the vdso)
echo "library,file,bytes" > "$out/files.csv"
for l in trivial sdlite libsystemd; do
    f=$(readlink -f "$B/lib-$l/libsystemd.so.0")
    echo "$l,$f,$(stat -c %s "$f")" >> "$out/files.csv"
    ldd "$f" | awk '/=>/ { print $3 } !/=>/ && /^\t\// { print $1 }' | while read -r d; do
        [ -e "$d" ] && echo "$l,$(readlink -f "$d"),$(stat -L -c %s "$d")" >> "$out/files.csv"
    done
done

sed -i "s|$root/||" "$out/files.csv"

if command -v hyperfine >/dev/null; then
    echo
    echo "== 3b. the same processes under hyperfine (not interleaved: a cross-check)"
    # started directly (not through the run function), so that $! is the receiver itself
    env -i "${BENCH_ENV[@]}" "$B/notify-bench" serve > /dev/null 2> "$T/serve.err" &
    serve_pid=$!
    sleep 0.2
    runs=$((quick ? 100 : 1000))
    run hyperfine -N --style basic --warmup 50 --runs "$runs" --export-csv "$out/hyperfine.csv" \
        -n trivial "$B/lib-trivial/hello" -n sdlite "$B/lib-sdlite/hello" \
        -n libsystemd "$B/lib-libsystemd/hello" 2>&1 | grep -vE '^ *$'
    kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=
    sed -i "s|$B/lib-[a-z]*/||" "$out/hyperfine.csv"
fi

# ------------------------------------------------------------------ 4. sd-login
if [ "$login" = 1 ]; then
    echo
    echo "== 4. sd-login: ns per call (interleaved, $rounds rounds)"
    run "${LB[@]}" bench --rounds "$rounds" --warmup $((quick ? 10 : 50)) --csv-dir "$out"
    echo
    echo "== 4b. sd-login: instructions (callgrind) and syscalls (strace) per call, $calls calls each"
    printf '%-26s %-11s %12s %9s  %s\n' call method instructions syscalls "syscalls of one call"
    for m in floor sdlite libsystemd; do
        # one process per method runs every call; each call is its own function (login_<call>)
        # and its batches are bracketed by access("/sdlite-bench:begin:<call>") and ...:end
        cg=$T/cg.login.out
        run valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$cg" \
            "${LB[@]}" calls "$m" all "$calls" > "$T/vg.out" 2> "$T/vg.err" \
            || { cat "$T/vg.out" "$T/vg.err" >&2; exit 1; }
        callgrind_annotate --threshold=100 --inclusive=yes --auto=no "$cg" > "$T/cg.txt"
        st=$T/strace.login.out
        run strace -f -qq -o "$st" "${LB[@]}" calls "$m" all "$calls" > "$T/st.out" \
            || { cat "$T/st.out" >&2; exit 1; }
        for c in "${login_calls[@]}"; do
            ir=$(awk -v f=":$c " 'index($0, f) { gsub(",", "", $1); print $1; exit }' "$T/cg.txt")
            [ -n "$ir" ] || { echo "run.sh: no $c in the callgrind profile" >&2; exit 1; }
            ipc=$(awk -v a="$ir" -v k="$calls" 'BEGIN { printf "%.1f", a / k }')
            echo "$c,$m,$ipc,$calls" >> "$out/instructions.csv"
            n=$(awk -v b="sdlite-bench:begin:$c\"" 'index($0, b) { on = 1; next } /sdlite-bench:(begin|end)/ { on = 0; next }
                     on && /^[0-9]+ +[a-z_0-9]+\(/ { n++ } END { print n + 0 }' "$st")
            spc=$(awk -v a="$n" -v k="$calls" 'BEGIN { printf "%.2f", a / k }')
            # the names of one call's system calls: the first round(spc) after the first marker
            names=$(awk -v b="sdlite-bench:begin:$c\"" -v k="$(awk -v s="$spc" 'BEGIN { printf "%d", s + 0.5 }')" '
                         index($0, b) { on = 1; next } /sdlite-bench:(begin|end)/ { if (on) exit }
                         on && /^[0-9]+ +[a-z_0-9]+\(/ { if (n++ >= k) exit; sub(/^[0-9]+ +/, ""); sub(/\(.*/, "")
                                                         printf "%s%s", sep, $0; sep = " " }' "$st")
            echo "$c,$m,$spc,$calls,$names," >> "$out/syscalls.csv"
            printf '%-26s %-11s %12s %9s  %s\n' "$c" "$m" "$ipc" "$spc" "$names"
        done
    done
fi

# ------------------------------------------------------------------ report and plot
echo
# bench/RESULTS.md for the committed results, else next to the CSVs
md=$out/RESULTS.md
[ "$out" = "$here/results" ] && md=$here/RESULTS.md
"$PY" "$here/report.py" "$out" "$md"
if [ "$plot" = 1 ]; then
    "$PY" "$here/plot.py" "$out" "$out/ns-per-call.png"
    echo "plot: $out/ns-per-call.png$([ "$journal" = 1 ] && echo ", $out/journal-ns-per-call.png")$([ "$login" = 1 ] && echo ", $out/login-ns-per-call.png")"
fi
