#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2015 # sh -c scripts single-quoted on purpose; pass never fails
# 42-notify-tool.sh -- sdlite-notify (build/sdlite-notify, `make tools`) against systemd-notify.
#
#   1. its unit tests (cargo test -p sdlite-tools: getopt, 252's merge, option rules);
#   2. differential against Debian's /usr/bin/systemd-notify (252), for everything 252 has: both
#      run under tests/lib/notify_capture.py with the same argv (argv[0] "systemd-notify", so
#      getopt's texts match), environment and ids, against a receiving socket; the transcripts
#      (exit status, stdout, stderr, every datagram's bytes, SCM_CREDENTIALS sender as SELF/PARENT/
#      other with uid/gid, passed fds) must be identical. One deliberate difference is applied
#      to 252's transcript before comparing, not hidden: the BARRIER=1 datagram is sent by 258's
#      rule (sd_pid_notify_barrier from the same sender as the message) where 252 always sent
#      it as itself. --help's text lists the newer options, so there 252's lines must all appear
#      in ours. Root and uid 65534; NOTIFY_SOCKET unset, invalid, unreachable, abstract, path;
#      --booted with and without /run/systemd/system (private mount namespace).
#   3. the options 252 lacks (--reloading, --stopping, --exec, --fd, --fdname, --fork, -q,
#      ambiguous abbreviations) against systemd-notify(1) of 258.
# Needs root (uid changes, mount namespace). Exit: 0 passed, 77 skipped, 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/wait.sh
. "$HERE/../lib/wait.sh"

echo "== 42-notify-tool: sdlite-notify vs systemd-notify 252, and 258's options"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (uid 65534 cases, mount namespace for --booted)"
need python3 unshare mount cargo
REF=/usr/bin/systemd-notify
[ -x "$REF" ] || skip_or_fail "no $REF (apt-get install -y systemd)"
TOOL=$SDLITE_BUILD/sdlite-notify
[ -x "$TOOL" ] || { echo "FAIL: $TOOL missing (run make tools)"; exit 1; }
CAP=$SDLITE_ROOT/tests/lib/notify_capture.py

scratch T
chmod 755 "$T"

# --- 1. unit tests ---
if out=$(cd "$SDLITE_ROOT" && cargo test --release --locked -p sdlite-tools --target-dir target/tools 2>&1); then
    pass "cargo test -p sdlite-tools: $(printf '%s\n' "$out" | grep -Eo 'test result: ok\. [0-9]+ passed' | awk '{s+=$4} END {print s+0}') unit tests"
else
    printf '%s\n' "$out" | tail -30
    fail "cargo test -p sdlite-tools"
fi

# --- 2. differential ---
N=0
# capture MODE WHO BINARY CAPOPTS... -- ARGS...: one run's transcript on stdout. Runs may go in
# parallel: each has its own socket, named after $N and the binary.
#   MODE: path | abstract | unset | relative | missing; WHO: root | nobody
capture() {
    local mode=$1 who=$2 bin=$3 sock addr tag
    shift 3
    local capopts=()
    while [ "$1" != -- ]; do capopts+=("$1"); shift; done
    shift
    [ "$who" = nobody ] && capopts+=(--user 65534)
    tag=$N.${bin##*/}
    sock=$T/notify.$tag
    case $mode in
        path)     addr=$sock; capopts+=(--bind "$sock") ;;
        abstract) addr=@sdlite-42-$$-$tag; capopts+=(--bind "$addr") ;;
        relative) addr=notify-socket ;;
        missing)  addr=$T/no-such-socket ;;
        unset)    addr= ;;
    esac
    if [ "$mode" = unset ]; then
        env -u NOTIFY_SOCKET python3 "$CAP" "${capopts[@]}" --argv0 systemd-notify -- "$bin" "$@"
    else
        NOTIFY_SOCKET=$addr python3 "$CAP" "${capopts[@]}" --argv0 systemd-notify -- "$bin" "$@"
    fi
    rm -f "$sock"
}

# 258's barrier rule applied to 252's transcript: BARRIER=1 comes from the message's sender.
barrier_as_258() {
    awk '/^datagram b.BARRIER=1. / { sub(/sender=[A-Za-z]+/, "sender=" last) }
         /^datagram / && !/^datagram b.BARRIER=1. / { s = $0; sub(/.* sender=/, "", s); sub(/ .*/, "", s); last = s }
         { print }'
}

# same MODE WHO [CAPOPTS...] -- ARGS...: both tools, transcripts must be identical.
same() {
    local mode=$1 who=$2 opts=() label
    shift 2
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    label="$mode/$who${opts[*]:+ ${opts[*]}}: $(printf '%q ' "$@")"
    [ ${#label} -gt 160 ] && label="${label:0:150}... (${#label} bytes)"
    N=$((N + 1))
    capture "$mode" "$who" "$REF" "${opts[@]}" -- "$@" | barrier_as_258 > "$T/ref" &
    capture "$mode" "$who" "$TOOL" "${opts[@]}" -- "$@" > "$T/ours"
    wait
    if cmp -s "$T/ref" "$T/ours"; then
        pass "same as 252: $label"
    else
        fail "differs from 252: $label"
        diff -u "$T/ref" "$T/ours" | sed 's/^/    /'
    fi
}

for who in root nobody; do
    same path $who -- --ready
    same path $who -- --status="hello world"
    same path $who -- --ready --status=x A=1 B=2 A=3
    same path $who -- --no-block --ready
    same path $who -- --pid=parent --ready
    same path $who -- --pid=self
    same path $who -- --pid=1
    same path $who -- --uid=0 A=1
    same path $who -- --uid=root A=1
done
same path root -- READY=0 --ready
same path root -- FOO
same path root -- ABC=1 A
same path root -- A A=1
same path root -- --ready ''
same path root -- =x
same path root -- --status="$(printf 'two\nlines')"
same path root -- --status="$(printf 'bytes \377\001 not UTF-8')" "$(printf 'X=\376')"
same path root -- --status="$(head -c 120000 /dev/zero | tr '\0' x)"
same path root -- --pid
same path root -- --pid=
same path root -- --pid=auto
same path root -- --pid=0x1
same path root -- --pid=0
same path root -- --pid=abc
same path root -- --pid=-1
same path root -- --pid=99999999999
same path root --managerpid-parent -- --ready
same path root --managerpid-parent -- --pid=auto
MANAGERPID=bogus same path root -- --ready
same path root -- --uid=nobody --ready
same path root -- --uid=65534 --ready
same path root -- --uid=1234 --ready
same path root -- --uid=65535 A=1
same path root -- --uid=4294967295 A=1
same path root -- --uid=nosuchuser A=1
same path root -- --uid= A=1
same path root -- --foo
same path root -- --foo=bar
same path root -- -x
same path root -- --status
same path root -- --ready=1
same path root -- --rea
same path root -- --no-b --ready
same path root -- -- --ready
POSIXLY_CORRECT=1 same path root -- A=1 --ready
same path root -- --booted
same path root -- --booted --ready
same abstract root -- --ready
same abstract nobody -- --pid=parent A=1
same unset root -- --ready
same unset root -- --no-block --ready
same relative root -- --ready
same missing root -- --ready
same missing nobody -- --ready
# The barrier's 5 s: the receiver keeps the barrier's pipe open.
same path root --hold-fds -- --ready

# --booted needs /run/systemd/system: a private mount namespace with and without it.
booted_case() {  # booted_case yes|no BINARY
    local mk=
    [ "$1" = yes ] && mk='mkdir /run/systemd/system;'
    unshare -m --propagation private sh -c "mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && $mk exec \"\$@\"" \
        sh python3 "$CAP" --argv0 systemd-notify -- "$2" --booted
}
for b in yes no; do
    booted_case $b "$REF" > "$T/ref"
    booted_case $b "$TOOL" > "$T/ours"
    if cmp -s "$T/ref" "$T/ours" && grep -qx "exit $([ $b = yes ] && echo 0 || echo 1)" "$T/ours"; then
        pass "same as 252: --booted with /run/systemd/system: $b"
    else
        fail "--booted with /run/systemd/system: $b"
        diff -u "$T/ref" "$T/ours" | sed 's/^/    /'
    fi
done

# --help and -h: exit 0, nothing sent, and every line of 252's help is in ours.
# No arguments at all: the help, exit 1 (and ERRNO=22 sent).
for h in --help -h ""; do
    N=$((N + 1))
    # shellcheck disable=SC2086 # "" is no argument at all
    capture path root "$REF" -- $h > "$T/ref"
    # shellcheck disable=SC2086
    capture path root "$TOOL" -- $h > "$T/ours"
    python3 - "$T/ref" "$T/ours" <<'EOF' && pass "${h:-no arguments}: same exit and datagrams, 252's help lines all in ours" || fail "${h:-no arguments}: differs beyond the new options"
import ast, sys
def parse(p):
    lines = open(p).read().splitlines()
    return lines[0], ast.literal_eval(lines[1][len("stdout "):]).decode(), lines[2:]
(re, rout, rrest), (oe, oout, orest) = parse(sys.argv[1]), parse(sys.argv[2])
ok = re == oe and re in ("exit 0", "exit 1") and rrest == orest and set(rout.splitlines()) <= set(oout.splitlines())
if not ok:
    print(re, oe, rrest, orest, set(rout.splitlines()) - set(oout.splitlines()))
sys.exit(0 if ok else 1)
EOF
done
N=$((N + 1))
capture path root "$TOOL" -- --version > "$T/ours"
grep -qx 'exit 0' "$T/ours" && grep -q "^stdout b'sdlite-notify " "$T/ours" && pass "--version: exit 0" || fail "--version: $(cat "$T/ours")"

# --- 3. what 252 lacks, against systemd-notify(1) of 258 ---
# expect NAME TRANSCRIPT-FILE ERE...: every ERE must match a line of the transcript.
expect() {
    local name=$1 f=$2 re ok=1
    shift 2
    for re in "$@"; do
        grep -Eq -- "$re" "$f" || { ok=0; info "no line matches: $re"; }
    done
    if [ $ok = 1 ]; then pass "$name"; else fail "$name"; sed 's/^/    /' "$f"; fi
}
# ours MODE WHO [CAPOPTS...] -- ARGS...: our transcript in $T/o
ours() {
    local mode=$1 who=$2 opts=()
    shift 2
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    N=$((N + 1))
    capture "$mode" "$who" "$TOOL" "${opts[@]}" -- "$@" > "$T/o"
}

up_us() { python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)'; }
before=$(up_us)
ours path root -- --reloading
after=$(up_us)
usec=$(sed -n "s/^datagram b'RELOADING=1\\\\nMONOTONIC_USEC=\([0-9]*\)' sender=PARENT .*/\1/p" "$T/o")
if [ -n "$usec" ] && [ "$usec" -ge "$before" ] && [ "$usec" -le "$after" ] &&
   grep -qx 'exit 0' "$T/o"; then
    pass "--reloading: RELOADING=1 and MONOTONIC_USEC=$usec, between the clock before and after"
else
    fail "--reloading"; sed 's/^/    /' "$T/o"
fi
ours path root -- --stopping --status=bye
expect "--stopping: STOPPING=1 before STATUS=" "$T/o" "^exit 0$" "^datagram b'STOPPING=1\\\\nSTATUS=bye' sender=PARENT"
ours path root -- --s=1
expect "--s is ambiguous (258's --stopping, --status in its table order; 252 took it as --status)" "$T/o" "^exit 1$" \
    "^stderr b\"systemd-notify: option '--s=1' is ambiguous; possibilities: '--stopping' '--status'\\\\n\"$" \
    "^datagram b'ERRNO=22' sender=SELF"

# --exec: the message and the barrier first, then the command in the same process, which keeps
# $NOTIFY_SOCKET and none of the passed fds.
echo data > "$T/file"
ours path root --show-pids --fd 5="$T/file" -- --ready --fd=5 --exec ';' -- sh -c 'echo "pid=$$ fd5=$([ -e /proc/self/fd/5 ] && echo open || echo closed) ns=${NOTIFY_SOCKET:+set}"'
selfpid=$(sed -n 's/^pids \([0-9]*\) .*/\1/p' "$T/o")
expect "--exec: READY=1 and the barrier, then the command as the same pid" "$T/o" "^exit 0$" \
    "^stdout b'pid=$selfpid fd5=closed ns=set\\\\n'$" \
    "^datagram b'READY=1\\\\nFDSTORE=1' sender=PARENT uid=0 gid=0 fds=\\['$T/file'\\]$" \
    "^datagram b'BARRIER=1' sender=PARENT uid=0 gid=0 fds=\\['pipe'\\]$"
ours path root -- --ready --exec ';' -- sh -c 'echo "$1"' sh -x
expect "--exec: '; --' ends our options, the command's own are its own" "$T/o" "^exit 0$" "^stdout b'-x\\\\n'$"
ours path root -- --ready --exec ';' /nonexistent/cmd a
expect "--exec: a command that cannot run" "$T/o" "^exit 1$" \
    "^stderr b'Failed to execute command line: /nonexistent/cmd a\\\\n'$" "^datagram b'ERRNO=2' sender=SELF"
for a in "--ready" "--ready ;" "; true"; do
    # shellcheck disable=SC2086 # words on purpose
    ours path root -- --exec $a
    expect "--exec refuses: $a" "$T/o" "^exit 1$" "^datagram b'ERRNO=22' sender=SELF" \
        "^stderr b.(If --exec is used argument list must contain ';' separator|Empty command line specified after ';' separator|No notify message specified while --exec), refusing.\\\\n.$"
done

# --fd / --fdname: FDSTORE=1 (and FDNAME=) with the fds; stdio fds are passed as copies.
ours path root --fd 5="$T/file" --fd 6=/dev/null -- --fd=5 --fd=6 --fdname=store
expect "--fd twice with --fdname" "$T/o" "^exit 0$" "^stderr b''$" \
    "^datagram b'FDSTORE=1\\\\nFDNAME=store' sender=PARENT uid=0 gid=0 fds=\\['$T/file', '/dev/null'\\]$"
ours path root -- --fd=1
expect "--fd=1: a copy of stdout (a pipe here)" "$T/o" "^exit 0$" "^datagram b'FDSTORE=1' sender=PARENT uid=0 gid=0 fds=\\['pipe'\\]$"
ours path root --fd 5="$T/file" --fd 6=/dev/null -- --fd=5
expect "--fd: unreferenced fds are warned about (and closed)" "$T/o" "^exit 0$" \
    "^stderr b'Warning: 1 more file descriptors passed than referenced with --fd=.\\\\n'$" \
    "^datagram b'FDSTORE=1' sender=PARENT uid=0 gid=0 fds=\\['$T/file'\\]$"
ours path root -- --fd=7
expect "--fd: an fd we were not given" "$T/o" "^exit 1$" \
    "^stderr b\"Specified file descriptor '7' not passed or specified more than once: No such file or directory\\\\n\"$"
ours path root -- --fd=x
expect "--fd: not a number" "$T/o" "^exit 1$" "^stderr b'Failed to parse file descriptor: x\\\\n'$"
ours path root -- --fd=1 --fdname=a:b
expect "--fdname: ':' refused" "$T/o" "^exit 1$" "^stderr b'File descriptor name invalid: a:b\\\\n'$"
ours path root -- --fdname=x --ready
expect "--fdname without --fd" "$T/o" "^exit 1$" "^stderr b'No file descriptors passed, but --fdname= set, refusing.\\\\n'$"

# --fork: the command runs with a NOTIFY_SOCKET of ours; its READY=1 (from its own pid) makes
# us print its pid and exit 0, leaving it running. Its stdout is our stderr, so that $(...)
# returns with the pid while it runs on.
fork_pid=$("$TOOL" --fork -- sh -c 'echo from-the-command; "$0" --pid=parent --ready --no-block; exec sleep 1000' "$TOOL" 2> "$T/fork.err")
rc=$?
if [ $rc = 0 ] && [[ $fork_pid =~ ^[0-9]+$ ]] && [ "$(cat /proc/"$fork_pid"/comm 2>/dev/null)" = sleep ] &&
   tr '\0' '\n' < /proc/"$fork_pid"/environ | grep -q '^NOTIFY_SOCKET=@' && grep -qx from-the-command "$T/fork.err"; then
    pass "--fork: \$(...) gave the pid of the running command ($fork_pid), which has NOTIFY_SOCKET=@... and writes to our stderr"
else
    fail "--fork: rc=$rc out='$fork_pid' err='$(cat "$T/fork.err")'"
fi
[ -n "$fork_pid" ] && kill "$fork_pid" 2>/dev/null
"$TOOL" -q --fork -- sh -c 'echo $$ > "$1"; "$0" --pid=parent --ready --no-block; exec sleep 1000' "$TOOL" "$T/qpid" > "$T/fork.out" 2>&1
rc=$?
qpid=$(cat "$T/qpid" 2>/dev/null)
if [ $rc = 0 ] && [ ! -s "$T/fork.out" ]; then pass "--fork -q: exit 0, nothing printed"; else fail "--fork -q: rc=$rc $(cat "$T/fork.out")"; fi
[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
"$TOOL" --fork -- true > "$T/fork.out" 2> "$T/fork.err"
rc=$?
if [ $rc = 1 ] && grep -Eq '^Child [0-9]+ died before sending notification message\.$' "$T/fork.err" && [ ! -s "$T/fork.out" ]; then
    pass "--fork: a command that exits before READY=1 fails"
else
    fail "--fork of true: rc=$rc $(cat "$T/fork.out" "$T/fork.err")"
fi
"$TOOL" --fork -- sh -c '"$0" --pid=parent ERRNO=5 --no-block; exec sleep 1000' "$TOOL" > "$T/fork.out" 2> "$T/fork.err"
rc=$?
cpid=$(sed -n 's/^Child \([0-9]*\) reported failure: Input\/output error$/\1/p' "$T/fork.err")
if [ $rc = 1 ] && [ -n "$cpid" ] && wait_for "$WAIT_LONG" "pid $cpid" gone proc_gone "$cpid"; then
    pass "--fork: ERRNO=5 from the command fails and the command is killed"
else
    fail "--fork with ERRNO=5: rc=$rc $(cat "$T/fork.err") ${WAIT_MSG:-}"
fi
ours path root -- --fork --ready -- true
expect "--fork with a message is refused" "$T/o" "^exit 1$" "^datagram b'ERRNO=22' sender=SELF"

# --- make install-systemd-notify: installs it under systemd's name, never over systemd's own ---
mk() { env -u DESTDIR -u PREFIX -u BINDIR make --no-print-directory -C "$SDLITE_ROOT" -o all "$@" > "$T/make.out" 2>&1; }
D=$T/dest
if mk install-systemd-notify DESTDIR="$D" PREFIX=/usr && cmp -s "$D/usr/bin/systemd-notify" "$TOOL" &&
   cmp -s "$D/usr/bin/sdlite-notify" "$TOOL"; then
    pass "make install-systemd-notify: BINDIR/sdlite-notify and BINDIR/systemd-notify"
else
    fail "make install-systemd-notify: $(tail -3 "$T/make.out")"
fi
cp "$REF" "$D/usr/bin/systemd-notify"
if ! mk install-systemd-notify DESTDIR="$D" PREFIX=/usr && cmp -s "$D/usr/bin/systemd-notify" "$REF" &&
   grep -q 'not sdlite-notify: not replacing it' "$T/make.out"; then
    pass "make install-systemd-notify refuses to replace systemd's own systemd-notify"
else
    fail "make install-systemd-notify replaced (or failed oddly on) an existing systemd-notify: $(tail -3 "$T/make.out")"
fi
if mk install-systemd-notify DESTDIR="$D" PREFIX=/usr SYSTEMD_NOTIFY_FORCE=1 && cmp -s "$D/usr/bin/systemd-notify" "$TOOL" &&
   mk uninstall-systemd-notify DESTDIR="$D" PREFIX=/usr && [ ! -e "$D/usr/bin/systemd-notify" ]; then
    pass "SYSTEMD_NOTIFY_FORCE=1 replaces it; make uninstall-systemd-notify removes ours"
else
    fail "SYSTEMD_NOTIFY_FORCE=1 / uninstall-systemd-notify: $(tail -3 "$T/make.out")"
fi

finish
