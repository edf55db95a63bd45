#!/bin/bash
# 41-listener-hardening.sh -- tools/sdlite-listen against a hostile or careless sender (issue 15,
# listener items 1-6); no systemd, no libsystemd (a small C helper speaks the protocol):
#   1. flood: a sender of many-field datagrams as fast as it can does not freeze the loop:
#      --timeout, LATE, SIGTERM and COMMAND's exit still happen on time; output is rate-limited
#   2. terminal escapes: C1 controls (raw and as UTF-8), bidi controls, invalid UTF-8, C0/DEL/
#      backslash are escaped in every line (fields, the "started pid" line, --name); valid,
#      printable UTF-8 is kept
#   3. a passed TCP socket with SO_LINGER and unsent data: closing it does not block the loop
#      (--timeout and SIGTERM on time), and a barrier sent after it still returns
#   4. foreign senders: directory 0700, socket 0600; another user cannot send; a process of
#      the same user that is not COMMAND is refused (no --exit-on-ready); --notify-access=all
#      accepts COMMAND's descendants (only them)
#   5. WATCHDOG_USEC near 2^63 and 2^64 (option and message): no false LATE, no signed
#      overflow (also checked on a build with Rust's overflow checks and debug assertions)
#   6. left-behind processes: COMMAND's grandchildren are stopped on --timeout and when COMMAND
#      exits, and killed when the listener is SIGKILLed; ^Z (SIGTSTP) and SIGCONT still reach
#      them (COMMAND now has a process group of its own)
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
# shellcheck disable=SC2016  # the sh -c scripts below expand $0 and $! themselves
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$HERE/../lib/check.sh"
ROOT=$SDLITE_ROOT

echo "== 41-listener-hardening: sdlite-listen against floods, escapes, lingering fds, strangers, big numbers, orphans"
need cc make awk perl timeout setsid
ulimit -c 0

scratch T
chmod 755 "$T"   # the helper is run as uid 65534 too

# processes a failing run may leave behind (grandchildren, flooders): killed at exit
LEFT=()
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup41() {
    local p
    for p in "${LEFT[@]}"; do kill -KILL "$p" 2>/dev/null; done
    check__cleanup
}
trap cleanup41 EXIT

# ---------------------------------------------------------------- build
if ! make -s -C "$ROOT" listener >"$T/make.out" 2>&1; then
    cat "$T/make.out"; echo "FAIL: make listener"; exit 1
fi
L=$ROOT/build/sdlite-listen
[ -x "$L" ] || { echo "FAIL: make listener did not make $L"; exit 1; }

cat >"$T/h.c" <<'EOF'
/* the test's sender: h send [--path=P] [--sleep=S] [--barrier] MSG... | h flood [--path=P] [--ready] [--procs=N] | h linger */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_un sa = { .sun_family = AF_UNIX };
static const char *path;

static int sock(void) {
        if (!path || strlen(path) >= sizeof sa.sun_path) { fprintf(stderr, "h: no socket path\n"); exit(2); }
        strcpy(sa.sun_path, path);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) { perror("socket"); exit(2); }
        return fd;
}

static int send_fd(int fd, const char *msg, int passed) {
        struct iovec iov = { .iov_base = (void *) msg, .iov_len = strlen(msg) };
        union { struct cmsghdr h; char raw[CMSG_SPACE(sizeof(int))]; } ctl;
        struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1 };
        if (passed >= 0) {
                memset(&ctl, 0, sizeof ctl);
                mh.msg_control = &ctl;
                mh.msg_controllen = sizeof ctl;
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &passed, sizeof(int));
        }
        return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* as sd_notify_barrier(): 1 once the listener closed our fd, 0 after timeout_ms */
static int barrier(int fd, int timeout_ms) {
        int p[2];
        struct pollfd pf;
        if (pipe(p) < 0 || send_fd(fd, "BARRIER=1", p[1]) < 0) return -1;
        close(p[1]);
        pf.fd = p[0]; pf.events = 0;
        int r = poll(&pf, 1, timeout_ms);
        close(p[0]);
        return r == 1;
}

int main(int argc, char **argv) {
        int i = 2, ready = 0, want_barrier = 0, procs = 1;
        double sleep_s = 0;
        path = getenv("NOTIFY_SOCKET");
        if (argc < 2) return 2;
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strncmp(argv[i], "--path=", 7) == 0) path = argv[i] + 7;
                else if (strncmp(argv[i], "--sleep=", 8) == 0) sleep_s = atof(argv[i] + 8);
                else if (strcmp(argv[i], "--ready") == 0) ready = 1;
                else if (strcmp(argv[i], "--barrier") == 0) want_barrier = 1;
                else if (strncmp(argv[i], "--procs=", 8) == 0) procs = atoi(argv[i] + 8);
                else { fprintf(stderr, "h: bad option %s\n", argv[i]); return 2; }
        }
        int fd = sock();
        if (strcmp(argv[1], "send") == 0) {
                int bad = 0;
                printf("send: pid=%d\n", (int) getpid());
                for (; i < argc; i++) {
                        int r = send_fd(fd, argv[i], -1);
                        if (r < 0) { printf("send: %s\n", strerrorname_np(-r)); bad = 1; }
                }
                if (want_barrier && !bad && barrier(fd, 5000) != 1) { printf("send: barrier timed out\n"); bad = 1; }
                fflush(stdout);
                if (sleep_s > 0) usleep((useconds_t) (sleep_s * 1e6));
                return bad;
        }
        if (strcmp(argv[1], "flood") == 0) {
                static char msg[4001];
                for (int k = 0; k < 1000; k++) memcpy(msg + 4 * k, "A=1\n", 4);
                if (ready && send_fd(fd, "READY=1", -1) < 0) return 1;
                /* several senders, so that the queue never runs dry while one is off the CPU */
                for (int k = 1; k < procs; k++) {
                        pid_t parent = getpid();
                        if (fork() == 0) {
                                prctl(PR_SET_PDEATHSIG, SIGKILL);
                                if (getppid() != parent) return 0;
                                break;
                        }
                }
                for (;;) {
                        int r = send_fd(fd, msg, -1);
                        if (r == -ECONNREFUSED || r == -ENOENT) return 0; /* the listener is gone */
                        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -ENOBUFS) { printf("flood: %s\n", strerrorname_np(-r)); return 1; }
                }
        }
        if (strcmp(argv[1], "linger") == 0) {
                /* a TCP connection whose peer never reads (never even accepted): unsent data stays
                 * queued; with SO_LINGER {1, 30} the last close() waits up to 30 s for it */
                struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                socklen_t l = sizeof in;
                static char buf[65536];
                size_t total = 0;
                int ls = socket(AF_INET, SOCK_STREAM, 0);
                if (ls < 0 || bind(ls, (struct sockaddr *) &in, sizeof in) < 0 || listen(ls, 1) < 0 ||
                    getsockname(ls, (struct sockaddr *) &in, &l) < 0) { perror("listen"); return 2; }
                int c = socket(AF_INET, SOCK_STREAM, 0);
                if (c < 0 || connect(c, (struct sockaddr *) &in, sizeof in) < 0) { perror("connect"); return 2; }
                for (;;) {
                        ssize_t n = send(c, buf, sizeof buf, MSG_DONTWAIT | MSG_NOSIGNAL);
                        if (n > 0) { total += (size_t) n; continue; }
                        if (n < 0 && errno != EAGAIN) { perror("send"); return 2; }
                        struct pollfd pf = { .fd = c, .events = POLLOUT };
                        if (poll(&pf, 1, 300) == 0) break; /* the window stays shut */
                }
                struct linger lg = { .l_onoff = 1, .l_linger = 30 };
                if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0) { perror("SO_LINGER"); return 2; }
                /* the listener's close() must be the last one (if ours came after it, ours
                 * would be the one to wait): it is stopped (SIGSTOP; it is our parent) while
                 * the fd is sent and our copy closed, and continued after */
                pid_t pp = getppid();
                char st[64], b[512];
                snprintf(st, sizeof st, "/proc/%d/stat", (int) pp);
                kill(pp, SIGSTOP);
                for (int k = 0; k < 3000; k++) {
                        FILE *f = fopen(st, "r");
                        char *q = NULL;
                        if (f) { if (fgets(b, sizeof b, f)) q = strrchr(b, ')'); fclose(f); }
                        if (q && q[1] == ' ' && q[2] == 'T') break;
                        usleep(1000);
                }
                int r = send_fd(fd, "FDSTORE=1\nFDNAME=linger", c);
                close(c); /* the fd in flight is now the only reference: the listener's close is the last */
                kill(pp, SIGCONT);
                if (r < 0) { printf("linger: %s\n", strerrorname_np(-r)); return 1; }
                printf("linger: sent (%zu bytes queued)\n", total);
                fflush(stdout);
                /* a barrier's fd, closed while the close() of the first one still waits */
                struct timespec a, z;
                clock_gettime(CLOCK_MONOTONIC, &a);
                r = barrier(fd, 5000);
                clock_gettime(CLOCK_MONOTONIC, &z);
                printf("linger: barrier %s after %.1f s\n", r == 1 ? "returned" : "timed out",
                       (double) (z.tv_sec - a.tv_sec) + (double) (z.tv_nsec - a.tv_nsec) / 1e9);
                fflush(stdout);
                sleep(60);
                return 0;
        }
        return 2;
}
EOF
if ! cc -O2 -Wall -o "$T/h" "$T/h.c" 2>"$T/cc.err"; then
    cat "$T/cc.err"; echo "FAIL: building the helper"; exit 1
fi
chmod 755 "$T/h"
H=$T/h

has() { grep -Eq -- "$2" "$1"; }
hasf() { grep -Fq -- "$2" "$1"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# wait_for FILE ERE SECONDS: until FILE has a line matching ERE; false after SECONDS
wait_for() {
    local n=0 max
    max=$(awk -v s="$3" 'BEGIN { print int(s * 20) }')
    until has "$1" "$2"; do
        [ $((n += 1)) -gt "$max" ] && return 1
        sleep 0.05
    done
}
# gone PID: no such process, or a zombie (this container's pid 1 may not reap)
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
# wait_gone SECONDS PID...: until every PID is gone
wait_gone() {
    local n=0 max p all
    max=$(awk -v s="$1" 'BEGIN { print int(s * 20) }')
    shift
    for (( ; ; )); do
        all=1
        for p in "$@"; do gone "$p" || all=0; done
        [ $all = 1 ] && return 0
        [ $((n += 1)) -gt "$max" ] && return 1
        sleep 0.05
    done
}
# wait_pid SECONDS PID: wait for our background job PID, at most SECONDS (then SIGKILL it);
# sets rc to its exit status, or "stuck" when it had to be killed
wait_pid() {
    if wait_gone "$1" "$2"; then
        wait "$2"; rc=$?
    else
        kill -KILL "$2" 2>/dev/null; wait "$2" 2>/dev/null; rc=stuck
    fi
}
sockpath() { sed -n 's|.*NOTIFY_SOCKET=\(/[^ ]*/notify\) .*|\1|p' "$1" | head -n1; }
show() { sed 's/^/     /' "$1" | head -n "${2:-30}" | cut -c1-200; }

# ------------------------------------------------------------- 1. flood
# a COMMAND that sends READY=1, then 1000-field datagrams as fast as it can (4 processes)
t0=$EPOCHREALTIME
timeout -s KILL 14 "$L" --watchdog-usec 300000 --timeout 2 -- "$H" flood --ready --procs=4 >"$T/1a.out" 2>&1
rc=$?
el=$(since "$t0")
if [ "$rc" = 124 ] && lt "$el" 10 && has "$T/1a.out" "timeout \(2\.000 s\): sending SIGTERM"; then
    pass "(1) flooding COMMAND under --timeout 2: ended after ${el} s with 124"
else
    fail "(1) flooding COMMAND under --timeout 2: rc=$rc after ${el} s (want 124, well under 10 s)"; show "$T/1a.out" 10
fi
late=$(sed -n 's/^\[ *\([0-9.]*\)\] LATE: no WATCHDOG=1 for .*/\1/p' "$T/1a.out" | head -n1)
if [ -n "$late" ] && lt "$late" 1.5; then
    pass "(1) LATE still reported during the flood (at ${late} s, limit 0.3 s after READY)"
else
    fail "(1) no LATE during the flood (first at '${late:-never}')"
fi
lines=$(wc -l <"$T/1a.out")
if has "$T/1a.out" "^\[ *[0-9.]+\] \(rate limit: [0-9]+ lines from messages not shown, more than 1000 a second\)\$" &&
   [ "$lines" -lt 10000 ]; then
    pass "(1) output rate-limited: $lines lines in all, with '(rate limit: N lines from messages not shown ...)'"
else
    fail "(1) output not rate-limited: $lines lines, no summary line"
fi

# SIGTERM to the listener during a flood
"$L" -- "$H" flood --procs=4 >"$T/1b.out" 2>&1 &
lpid=$!
wait_for "$T/1b.out" ": A=1\$" 5
t0=$EPOCHREALTIME
kill -TERM "$lpid"
wait_pid 8 "$lpid"
el=$(since "$t0")
if [ "$rc" = 143 ] && has "$T/1b.out" "got SIGTERM: passing it on"; then
    pass "(1) SIGTERM during a flood: passed on, the listener ended ${el} s later with 143"
else
    fail "(1) SIGTERM during a flood: rc=$rc ${el} s later (want 143)"; show "$T/1b.out" 10
fi

# COMMAND exits while another process floods the socket
"$L" -- sleep 1 >"$T/1c.out" 2>&1 &
lpid=$!
wait_for "$T/1c.out" "NOTIFY_SOCKET=" 5
"$H" flood --procs=4 --path="$(sockpath "$T/1c.out")" >/dev/null 2>&1 &
fpid=$!
LEFT+=("$fpid")
t0=$EPOCHREALTIME
wait_pid 10 "$lpid"
el=$(since "$t0")
kill -KILL "$fpid" 2>/dev/null
if [ "$rc" = 0 ] && has "$T/1c.out" "exited with status 0\$" && lt "$el" 6; then
    pass "(1) COMMAND (sleep 1) exited during a flood by another process: the listener ended ${el} s later with its status 0"
else
    fail "(1) COMMAND's exit during a foreign flood: rc=$rc after ${el} s (want 0, about 1 s)"; show "$T/1c.out" 10
fi

# ------------------------------------------------------------- 2. terminal escapes
m_rawc1=$'STATUS=raw C1 \x9b31m\x9d0;title\x07 \x85'
m_utfc1=$'STATUS=utf8 C1 \xc2\x9b2K\xc2\x9b1GREADY after 0.001 s\xc2\x9d52;c;aGk=\xc2\x9c'
m_bidi=$'STATUS=bidi \xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9 end'
m_inval=$'STATUS=invalid \xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82'
m_c0=$'STATUS=C0 \x1b[2K\r\x7f\\ end'
m_fine=$'STATUS=fine gr\xc3\xbc\xc3\x9fe \xe2\x82\xac \xf0\x9f\x98\x80'
"$L" --name $'svc\xc2\x9b' -- "$H" send "$m_rawc1" "$m_utfc1" "$m_bidi" "$m_inval" "$m_c0" "$m_fine" >"$T/2.out" 2>&1
rc=$?
verdict=$(perl -e '
    use strict; use Encode qw(decode FB_CROAK);
    local $/; my $raw = <STDIN>;
    my $s = eval { decode("UTF-8", $raw, FB_CROAK) };
    if (!defined $s) { print "not valid UTF-8\n"; exit }
    my %bad;
    $bad{sprintf "U+%04X", ord $1} = 1 while $s =~
        /([\x00-\x09\x0b-\x1f\x7f-\x9f\x{061c}\x{200b}-\x{200f}\x{2028}-\x{202e}\x{2060}-\x{206f}\x{feff}])/g;
    print %bad ? "unsafe code points: " . join(" ", sort keys %bad) . "\n" : "ok\n";' <"$T/2.out")
if [ "$rc" = 0 ] && [ "$verdict" = ok ]; then
    pass "(2) the whole output is valid UTF-8 without C0/C1 controls, DEL or bidi/invisible format characters"
else
    fail "(2) output: $verdict (rc=$rc)"; show "$T/2.out" 20 | cat -v
fi
ok=1 missing=
for want in \
    'svc\u009b: pid ' \
    ': STATUS=raw C1 \x9b31m\x9d0;title\x07 \x85' \
    ': STATUS=utf8 C1 \u009b2K\u009b1GREADY after 0.001 s\u009d52;c;aGk=\u009c' \
    ': STATUS=bidi \u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069 end' \
    ': STATUS=invalid \xff\xfe\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82' \
    ': STATUS=C0 \x1b[2K\x0d\x7f\x5c end' \
    ": ${m_fine}"; do
    hasf "$T/2.out" "$want" || { ok=0; missing+=" [$want]"; }
done
if [ "$ok" = 1 ]; then
    pass "(2) shown as escapes: raw C1 as \\xNN, C1 in UTF-8 and bidi controls as \\uXXXX, invalid UTF-8 as \\xNN, C0/DEL/backslash as before; valid UTF-8 (grüße € 😀) as it is"
else
    fail "(2) escapes missing:$missing"; show "$T/2.out" 20 | cat -v
fi
if has "$T/2.out" 'started pid [0-9]+: .*/h send STATUS=raw C1 \\x9b31m.* STATUS=utf8 C1 \\u009b2K' &&
   ! has "$T/2.out" '^\[ *[0-9.]+\] svc\\u009b: READY after'; then
    pass "(2) the 'started pid' line escapes COMMAND's arguments too; no forged 'READY after' line"
else
    fail "(2) 'started pid' line not escaped, or a forged READY line"; show "$T/2.out" 20 | cat -v
fi

# ------------------------------------------------------------- 3. a lingering passed fd
t0=$EPOCHREALTIME
timeout -s KILL 12 "$L" --timeout 2 -- "$H" linger >"$T/3a.out" 2>&1
rc=$?
el=$(since "$t0")
if [ "$rc" = 124 ] && lt "$el" 8 && has "$T/3a.out" "^linger: sent" &&
   has "$T/3a.out" ": \(1 file descriptor passed along, closed\)\$"; then
    pass "(3) a passed TCP socket with SO_LINGER 30 s and unsent data: --timeout 2 still ended it after ${el} s (124)"
else
    fail "(3) lingering fd under --timeout 2: rc=$rc after ${el} s (want 124, well under 8 s)"; show "$T/3a.out" 10
fi
"$L" -- "$H" linger >"$T/3b.out" 2>&1 &
lpid=$!
wait_for "$T/3b.out" "^linger: sent" 5
wait_for "$T/3b.out" ": \(1 file descriptor passed along, closed\)\$" 3
t0=$EPOCHREALTIME
kill -TERM "$lpid"
wait_pid 6 "$lpid"
el=$(since "$t0")
if [ "$rc" = 143 ] && has "$T/3b.out" "got SIGTERM: passing it on"; then
    pass "(3) SIGTERM after the lingering fd came: the listener ended ${el} s later with 143"
else
    fail "(3) SIGTERM after the lingering fd: rc=$rc ${el} s later (want 143)"; show "$T/3b.out" 10
fi

b=$(sed -n 's/^linger: barrier returned after \([0-9.]*\) s$/\1/p' "$T/3a.out")
if [ -n "$b" ] && lt "$b" 2; then
    pass "(3) while that close() waits, a barrier sent after it still returns (after ${b} s)"
else
    fail "(3) barrier after the lingering fd: $(grep '^linger: barrier' "$T/3a.out" || echo 'no answer')"
fi

# ------------------------------------------------------------- 4. foreign senders
"$L" --exit-on-ready --timeout 2 -- sleep 30 >"$T/4a.out" 2>&1 &
lpid=$!
wait_for "$T/4a.out" "NOTIFY_SOCKET=" 5
sock=$(sockpath "$T/4a.out")
modes="$(stat -c %a "${sock%/notify}" 2>/dev/null) $(stat -c %a "$sock" 2>/dev/null)"
if [ "$modes" = "700 600" ]; then
    pass "(4) the socket's directory is 0700, the socket 0600"
else
    fail "(4) directory and socket modes: $modes (want 700 600)"
fi
if setpriv --reuid 65534 --regid 65534 --clear-groups true 2>/dev/null; then
    setpriv --reuid 65534 --regid 65534 --clear-groups "$H" send --path="$sock" READY=1 >"$T/4a-nobody.out" 2>&1
    if has "$T/4a-nobody.out" "^send: EACCES\$"; then
        pass "(4) uid 65534 cannot send to the socket (EACCES)"
    else
        fail "(4) uid 65534: $(tr '\n' ' ' <"$T/4a-nobody.out") (want send: EACCES)"
    fi
    other_user=1
elif [ "${CI:-}" = true ]; then
    fail "(4) cannot switch to uid 65534 with setpriv (CI=true: not allowed to leave this out)"; other_user=0
else
    info "(4) cannot switch to uid 65534 with setpriv (not root?): the other-user case is left out"; other_user=0
fi
"$H" send --path="$sock" READY=1 WATCHDOG=1 >"$T/4a-same.out" 2>&1
spid=$(sed -n 's/^send: pid=//p' "$T/4a-same.out")
wait_pid 8 "$lpid"
if [ "$rc" = 124 ] && ! has "$T/4a.out" "READY after" &&
   has "$T/4a.out" "refused a message from pid $spid \(uid $(id -u)\): only COMMAND's pid [0-9]+ may send \(--notify-access=main\)\$" &&
   has "$T/4a.out" "note: 2 messages from other processes refused"; then
    pass "(4) READY=1 from another process of the same user (pid $spid)$([ $other_user = 1 ] && echo ' and from uid 65534'): refused and reported, no --exit-on-ready (124 at --timeout)"
else
    fail "(4) foreign READY=1: rc=$rc (want 124, refused, no READY)"; show "$T/4a.out" 12
fi

# --notify-access=all: a child of COMMAND counts; with the default (main) it does not
cmd=(sh -c '"$0" send --barrier READY=1; exec sleep 30' "$H")
t0=$EPOCHREALTIME
timeout -s KILL 10 "$L" --notify-access=all --exit-on-ready --timeout 5 -- "${cmd[@]}" >"$T/4b.out" 2>&1
rc=$?
el=$(since "$t0")
if [ "$rc" = 0 ] && has "$T/4b.out" "READY after" && lt "$el" 4; then
    pass "(4) --notify-access=all: READY=1 from a child of COMMAND counts (exit 0 after ${el} s)"
else
    fail "(4) --notify-access=all, READY=1 from COMMAND's child: rc=$rc after ${el} s (want 0)"; show "$T/4b.out" 12
fi
timeout -s KILL 10 "$L" --exit-on-ready --timeout 1 -- "${cmd[@]}" >"$T/4c.out" 2>&1
rc=$?
if [ "$rc" = 124 ] && ! has "$T/4c.out" "READY after" && has "$T/4c.out" "refused a message from pid [0-9]+"; then
    pass "(4) default --notify-access=main: the same READY=1 from COMMAND's child is refused (124)"
else
    fail "(4) main: READY=1 from COMMAND's child: rc=$rc (want 124, refused)"; show "$T/4c.out" 12
fi
"$L" --notify-access=all --exit-on-ready --timeout 1.5 -- sleep 30 >"$T/4d.out" 2>&1 &
lpid=$!
wait_for "$T/4d.out" "NOTIFY_SOCKET=" 5
"$H" send --path="$(sockpath "$T/4d.out")" READY=1 >/dev/null 2>&1
wait_pid 8 "$lpid"
if [ "$rc" = 124 ] && ! has "$T/4d.out" "READY after" &&
   has "$T/4d.out" "refused a message from pid [0-9]+ \(uid [0-9]+\): not COMMAND \(pid [0-9]+\) or one of its descendants \(--notify-access=all\)\$"; then
    pass "(4) --notify-access=all still refuses a process that is not COMMAND's descendant (124)"
else
    fail "(4) all, READY=1 from a stranger: rc=$rc (want 124, refused)"; show "$T/4d.out" 12
fi

# ------------------------------------------------------------- 5. watchdog arithmetic
# the debug-checks profile: an arithmetic overflow aborts the listener (SIGABRT)
U=
if cargo build --offline --locked -q -p sdlite-tools --bin sdlite-listen --profile debug-checks \
      --manifest-path "$ROOT/Cargo.toml" --target-dir "$ROOT/target/tools" >"$T/ubsan.err" 2>&1; then
    U=$ROOT/target/tools/debug-checks/sdlite-listen
elif [ "${CI:-}" = true ]; then
    fail "(5) cannot build the listener with overflow checks"; show "$T/ubsan.err" 5
else
    info "(5) cannot build the listener with overflow checks: the overflow check is left out"
fi
cases=(
    "opt 18446744073709551615" "opt 18446744073709551000" "opt 9223372036854775808" "opt 9223372036854775000"
    "msg 18446744073709551615" "msg 18446744073709551000" "msg 9223372036854775808" "msg 9223372036854775000"
    "msg 300000"
)
n=0
for c in "${cases[@]}"; do
    read -r how v <<<"$c"
    for bin in "$L" ${U:+"$U"}; do
        n=$((n + 1))
        if [ "$how" = opt ]; then
            "$bin" --watchdog-usec "$v" -- "$H" send --sleep=1.2 READY=1 >"$T/5-$n.out" 2>&1 &
        else
            "$bin" --watchdog-usec 1000000 -- "$H" send --sleep=1.2 "READY=1
WATCHDOG_USEC=$v" >"$T/5-$n.out" 2>&1 &
        fi
        echo "$c $bin" >"$T/5-$n.what"
    done
done
wait
for k in $(seq 1 "$n"); do
    read -r how v bin <"$T/5-$k.what"
    rc=$(sed -n 's/.*exited with status \([0-9]*\)$/\1/p' "$T/5-$k.out")
    what="WATCHDOG_USEC=$v ($([ "$how" = opt ] && echo --watchdog-usec || echo 'in a message'))$([ "$bin" = "$U" ] && echo ', overflow-checked build')"
    if [ "$v" = 300000 ]; then   # the control: a real LATE is still seen
        if has "$T/5-$k.out" "LATE: no WATCHDOG=1 for 0\.[0-9]+ s \(limit 0\.300 s\)"; then
            pass "(5) control: $what gives LATE"
        else
            fail "(5) control: $what gave no LATE"; show "$T/5-$k.out" 8
        fi
    elif [ "$rc" = 0 ] && ! has "$T/5-$k.out" "LATE"; then
        pass "(5) $what: no LATE, COMMAND's exit status 0 passed on"
    else
        fail "(5) $what: $(grep -m1 -o 'LATE.*' "$T/5-$k.out" || echo "rc=${rc:-none}")"; show "$T/5-$k.out" 8
    fi
done

# ------------------------------------------------------------- 6. left-behind processes
# --timeout: COMMAND (sh) dies of SIGTERM, its background child ignores SIGTERM: SIGKILL 3 s later
t0=$EPOCHREALTIME
timeout -s KILL 15 "$L" --timeout 1 -- sh -c '(trap "" TERM; exec sleep 300) & echo $! >"$0"; wait' "$T/gc1" >"$T/6a.out" 2>&1
rc=$?
el=$(since "$t0")
gc=$(cat "$T/gc1" 2>/dev/null)
[ -n "$gc" ] && LEFT+=("$gc")
if [ "$rc" = 124 ] && [ -n "$gc" ] && wait_gone 3 "$gc" && lt "$el" 8; then
    pass "(6) --timeout: COMMAND's grandchild (pid $gc, ignoring SIGTERM) is gone too; the listener took ${el} s"
else
    fail "(6) --timeout: rc=$rc after ${el} s, grandchild ${gc:-?} $(gone "${gc:-0}" || echo 'still there')"; show "$T/6a.out" 10
fi
# COMMAND exits by itself, a background child left behind
"$L" -- sh -c 'sleep 300 & echo $! >"$0"; exit 3' "$T/gc2" >"$T/6b.out" 2>&1
rc=$?
gc=$(cat "$T/gc2" 2>/dev/null)
[ -n "$gc" ] && LEFT+=("$gc")
if [ "$rc" = 3 ] && [ -n "$gc" ] && wait_gone 3 "$gc" &&
   has "$T/6b.out" "is gone; 1 process left in its process group: sending SIGTERM\$"; then
    pass "(6) COMMAND exited (3) leaving a background child (pid $gc): stopped with it, exit 3 passed on"
else
    fail "(6) COMMAND's leftover: rc=$rc, child ${gc:-?} $(gone "${gc:-0}" || echo 'still there')"; show "$T/6b.out" 10
fi
# the listener SIGKILLed: COMMAND and its child go too
rm -f "$T/gc3"
"$L" -- sh -c 'sleep 300 & echo $! >"$0"; wait' "$T/gc3" >"$T/6c.out" 2>&1 &
lpid=$!
wait_for "$T/6c.out" "started pid [0-9]+: " 5
n=0; until [ -s "$T/gc3" ] || [ $((n += 1)) -gt 100 ]; do sleep 0.05; done
p=$(sed -n 's/.*started pid \([0-9]*\): .*/\1/p' "$T/6c.out")
gc=$(cat "$T/gc3" 2>/dev/null)
[ -n "$gc" ] && LEFT+=("$gc")
[ -n "$p" ] && LEFT+=("$p")
kill -KILL "$lpid"
wait "$lpid" 2>/dev/null
if [ -n "$p" ] && [ -n "$gc" ] && wait_gone 5 "$p" "$gc"; then
    pass "(6) the listener SIGKILLed: COMMAND (pid $p) and its child (pid $gc) are gone"
else
    fail "(6) the listener SIGKILLed: COMMAND ${p:-?} $(gone "${p:-0}" || echo 'still there'), child ${gc:-?} $(gone "${gc:-0}" || echo 'still there')"
fi
d=$(sockpath "$T/6c.out")
[ -n "$d" ] && rm -rf -- "${d%/notify}"   # a SIGKILLed listener cannot clean up after itself
# ^Z (SIGTSTP) stops the listener and COMMAND's group, SIGCONT continues both (as when COMMAND
# was in the terminal's process group)
state() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null; }
wait_state() { # WANT SECONDS PID...: every PID in state WANT (T: stopped, S/R: not)
    local want=$1 n=0 max p all
    max=$(awk -v s="$2" 'BEGIN { print int(s * 20) }')
    shift 2
    for (( ; ; )); do
        all=1
        # shellcheck disable=SC2254  # WANT is a pattern
        for p in "$@"; do case $(state "$p") in $want) ;; *) all=0 ;; esac; done
        [ $all = 1 ] && return 0
        [ $((n += 1)) -gt "$max" ] && return 1
        sleep 0.05
    done
}
rm -f "$T/gc4"
"$L" -- sh -c 'sleep 300 & echo $! >"$0"; wait' "$T/gc4" >"$T/6d.out" 2>&1 &
lpid=$!
wait_for "$T/6d.out" "started pid [0-9]+: " 5
n=0; until [ -s "$T/gc4" ] || [ $((n += 1)) -gt 100 ]; do sleep 0.05; done
p=$(sed -n 's/.*started pid \([0-9]*\): .*/\1/p' "$T/6d.out")
gc=$(cat "$T/gc4" 2>/dev/null)
[ -n "$gc" ] && LEFT+=("$gc")
[ -n "$p" ] && LEFT+=("$p")
kill -TSTP "$lpid"
wait_state T 3 "$lpid" "$p" "$gc"; stopped=$?
kill -CONT "$lpid"
wait_state '[SR]' 3 "$lpid" "$p" "$gc"; continued=$?
kill -TERM "$lpid"
wait_pid 6 "$lpid"
if [ -n "$p" ] && [ -n "$gc" ] && [ $stopped = 0 ] && [ $continued = 0 ] && [ "$rc" = 143 ]; then
    pass "(6) SIGTSTP stops the listener, COMMAND and its child; SIGCONT continues all three"
else
    fail "(6) SIGTSTP/SIGCONT: stopped=$stopped continued=$continued rc=$rc (states now: $(state "$lpid") $(state "${p:-0}") $(state "${gc:-0}"))"
fi

finish
