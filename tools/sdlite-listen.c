/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sdlite-listen -- a tiny stand-in for the service manager's side of the notify protocol, for
 * machines without systemd at hand (containers, laptops, CI).
 *
 *   sdlite-listen [--watchdog-usec N] [--timeout S] [--exit-on-ready] [--kill-on-late]
 *                 [--name NAME] -- COMMAND [ARG...]
 *
 * It binds an AF_UNIX datagram socket (SO_PASSCRED) in a private directory, runs COMMAND with
 * NOTIFY_SOCKET pointing at it (and, with --watchdog-usec, WATCHDOG_USEC=N and
 * WATCHDOG_PID=<the command's pid>), and prints every message it receives, one line per
 * field, with the time since start and the sender's pid (SCM_CREDENTIALS):
 *
 *   [   1.503] pid 4242: READY=1
 *   [   1.503] pid 4242: STATUS=Ready
 *   [   1.503] READY after 1.503 s
 *   [   4.012] LATE: no WATCHDOG=1 for 2.001 s (limit 2.000 s)
 *
 * Like systemd, it arms the watchdog when the service is ready (READY=1; or at the first
 * WATCHDOG=1) and restarts the count at every WATCHDOG=1; a gap longer than the limit is
 * reported as soon as it happens (poll timeout), not only when the next message arrives.
 * WATCHDOG_USEC=N in a message changes the limit, as it does for systemd. File descriptors
 * sent along (FDSTORE=1, or sd_notify_barrier()'s BARRIER=1) are counted and closed at once,
 * so a barrier returns.
 *
 * It exits when COMMAND exits, with its status (128+N when killed by signal N); on --timeout
 * with 124 (after SIGTERM, then SIGKILL 3 s later, to COMMAND); with --exit-on-ready with 0 as
 * soon as READY=1 came (COMMAND is stopped the same way). SIGINT/SIGTERM/SIGHUP are passed on
 * to COMMAND. 125 means sdlite-listen itself failed; 127 that COMMAND could not be run. When
 * nobody reads its output any more (`| head`), it stops COMMAND and exits 141; if it is killed,
 * COMMAND gets SIGKILL (PR_SET_PDEATHSIG): no stuck service is left behind either way.
 *
 * Only libc: it does not use sdlite (it plays the other side of the protocol).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_LISTENER_FAILED 125
#define EXIT_TIMEOUT 124
#define STOP_GRACE_USEC (3 * 1000000ull)
#define MAX_DATAGRAM (64 * 1024)
#define MAX_FDS 253 /* SCM_MAX_FD */

static uint64_t t0;
static bool output_gone; /* stdout is a closed pipe (e.g. `| head`): stop COMMAND and leave */
static const char *name_prefix = "";
static char sock_dir[PATH_MAX];
static char sock_path[sizeof(((struct sockaddr_un *) 0)->sun_path)];

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ull + (uint64_t) ts.tv_nsec / 1000ull;
}

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...) {
        uint64_t t = now_usec() - t0;
        va_list ap;

        printf("[%4llu.%03llu] %s", (unsigned long long) (t / 1000000ull),
               (unsigned long long) (t % 1000000ull / 1000ull), name_prefix);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
        if (ferror(stdout)) /* EPIPE mostly: SIGPIPE is blocked */
                output_gone = true;
}

static void cleanup(void) {
        if (sock_path[0])
                unlink(sock_path);
        if (sock_dir[0])
                rmdir(sock_dir);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
        va_list ap;

        fflush(stdout);
        fputs("sdlite-listen: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        cleanup();
        exit(EXIT_LISTENER_FAILED);
}

static void usage(FILE *f) {
        fputs("usage: sdlite-listen [OPTIONS] -- COMMAND [ARG...]\n"
              "Runs COMMAND with NOTIFY_SOCKET set to a private socket and prints what it sends\n"
              "(sd_notify: READY=1, STATUS=..., WATCHDOG=1, ...), one line per field.\n"
              "\n"
              "  --watchdog-usec N  also set WATCHDOG_USEC=N and WATCHDOG_PID=<COMMAND's pid>, and\n"
              "                     report \"LATE\" when no WATCHDOG=1 came for N microseconds\n"
              "  --kill-on-late     on LATE, send SIGABRT to COMMAND, as systemd would\n"
              "  --timeout S        stop COMMAND (SIGTERM, SIGKILL after 3 s) after S seconds, exit 124\n"
              "  --exit-on-ready    stop COMMAND the same way once READY=1 came, exit 0\n"
              "  --name NAME        put NAME: before every line (for several listeners at once)\n"
              "  -h, --help         this text\n"
              "\n"
              "Exit status: COMMAND's (128+N if killed by signal N); 124 on --timeout; 0 with\n"
              "--exit-on-ready; 141 when nobody reads the output any more (COMMAND is stopped);\n"
              "125 if sdlite-listen failed; 127 if COMMAND could not be run. If sdlite-listen is\n"
              "killed, COMMAND gets SIGKILL.\n",
              f);
}

static bool parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s || *s == '-')
                return false;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end)
                return false;
        *ret = v;
        return true;
}

static bool parse_seconds(const char *s, uint64_t *ret_usec) {
        char *end;
        double v;

        if (!s || !*s || *s == '-')
                return false;
        errno = 0;
        v = strtod(s, &end);
        if (errno || *end || !(v >= 0) || v > 1e9)
                return false;
        *ret_usec = (uint64_t) (v * 1e6 + 0.5);
        return true;
}

/* "2.000" for 2000000 */
static const char *fmt_sec(char buf[static 32], uint64_t usec) {
        snprintf(buf, 32, "%llu.%03llu", (unsigned long long) (usec / 1000000ull),
                 (unsigned long long) (usec % 1000000ull / 1000ull));
        return buf;
}

/* One field, printable: control characters and backslashes as \xNN. */
static void print_field(pid_t sender, const char *p, size_t n) {
        char buf[4 * 4096 + 16];
        size_t o = 0;

        for (size_t i = 0; i < n && o < sizeof buf - 8; i++) {
                unsigned char c = (unsigned char) p[i];
                if (c < 0x20 || c == 0x7f || c == '\\')
                        o += (size_t) snprintf(buf + o, sizeof buf - o, "\\x%02x", c);
                else
                        buf[o++] = (char) c;
        }
        buf[o] = 0;
        if (o >= sizeof buf - 8)
                out("pid %d: %s... (%zu bytes, cut)", (int) sender, buf, n);
        else
                out("pid %d: %s", (int) sender, buf);
}

struct state {
        pid_t child;
        bool child_done;
        int child_status;
        uint64_t wd_limit;      /* usec; 0: no watchdog */
        bool wd_armed;          /* READY=1 or a WATCHDOG=1 came */
        uint64_t wd_last;       /* when the count (re)started */
        bool late_reported;
        bool kill_on_late;
        bool ready;
        uint64_t ready_at;
        bool exit_on_ready;
        bool noted_foreign_pid;
        unsigned long messages;
};

static bool field_is(const char *p, size_t n, const char *want) {
        size_t l = strlen(want);
        return n == l && memcmp(p, want, l) == 0;
}

static bool field_has_prefix(const char *p, size_t n, const char *prefix) {
        size_t l = strlen(prefix);
        return n >= l && memcmp(p, prefix, l) == 0;
}

static void handle_message(struct state *st, char *buf, size_t len, bool truncated, pid_t sender,
                           bool have_creds, int n_fds, bool ctrunc) {
        char a[32], b[32];
        uint64_t now = now_usec();

        st->messages++;
        if (!have_creds)
                out("(a message without SCM_CREDENTIALS: systemd would ignore it)");
        else if (sender != st->child && !st->noted_foreign_pid) {
                st->noted_foreign_pid = true;
                out("note: pid %d is not COMMAND's pid %d: systemd with NotifyAccess=main would ignore it",
                    (int) sender, (int) st->child);
        }
        if (len == 0)
                out("pid %d: (empty message)", (int) sender);

        for (size_t i = 0; i < len;) {
                char *nl = memchr(buf + i, '\n', len - i);
                size_t n = nl ? (size_t) (nl - (buf + i)) : len - i;
                char *f = buf + i;
                i += n + (nl ? 1 : 0);
                if (n == 0)
                        continue;
                print_field(sender, f, n);

                if (field_is(f, n, "READY=1")) {
                        if (!st->ready) {
                                st->ready = true;
                                st->ready_at = now;
                                out("READY after %s s", fmt_sec(a, now - t0));
                        } else
                                out("READY again (%s s after the first)", fmt_sec(a, now - st->ready_at));
                        if (st->wd_limit && !st->wd_armed) {
                                st->wd_armed = true;
                                st->wd_last = now;
                                st->late_reported = false;
                        }
                } else if (field_is(f, n, "WATCHDOG=1")) {
                        if (st->wd_limit && st->late_reported)
                                out("heartbeat again, %s s after the previous one (limit %s s)",
                                    fmt_sec(a, now - st->wd_last), fmt_sec(b, st->wd_limit));
                        st->wd_armed = true;
                        st->wd_last = now;
                        st->late_reported = false;
                } else if (field_is(f, n, "WATCHDOG=trigger")) {
                        out("WATCHDOG=trigger: the service asks to be treated as failed by the watchdog");
                } else if (field_has_prefix(f, n, "WATCHDOG_USEC=")) {
                        char num[32];
                        uint64_t v;
                        size_t l = n - strlen("WATCHDOG_USEC=");
                        if (l < sizeof num) {
                                memcpy(num, f + strlen("WATCHDOG_USEC="), l);
                                num[l] = 0;
                                if (parse_u64(num, &v) && v > 0) {
                                        st->wd_limit = v;
                                        st->wd_last = now;
                                        st->late_reported = false;
                                        out("watchdog limit is now %s s", fmt_sec(a, v));
                                }
                        }
                }
        }
        if (n_fds > 0)
                out("pid %d: (%d file descriptor%s passed along, closed)", (int) sender, n_fds,
                    n_fds == 1 ? "" : "s");
        if (truncated)
                out("(message longer than %d bytes, cut)", MAX_DATAGRAM);
        if (ctrunc)
                out("(control data cut: too many file descriptors)");
}

/* Reads every pending message; returns the number read. */
static int drain(int fd, struct state *st, bool block_first) {
        static char buf[MAX_DATAGRAM + 1];
        union {
                struct cmsghdr h;
                char raw[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * MAX_FDS)];
        } ctl;
        int got = 0;

        for (;;) {
                struct iovec iov = { .iov_base = buf, .iov_len = MAX_DATAGRAM };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &ctl,
                        .msg_controllen = sizeof ctl,
                };
                ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC |
                                                     (got == 0 && block_first ? 0 : MSG_DONTWAIT));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return got;
                        die("recvmsg: %s", strerror(errno));
                }
                got++;

                pid_t sender = 0;
                bool have_creds = false;
                int n_fds = 0;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                        if (c->cmsg_level != SOL_SOCKET)
                                continue;
                        if (c->cmsg_type == SCM_CREDENTIALS &&
                            c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
                                struct ucred uc;
                                memcpy(&uc, CMSG_DATA(c), sizeof uc);
                                sender = uc.pid;
                                have_creds = true;
                        } else if (c->cmsg_type == SCM_RIGHTS) {
                                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                                for (size_t j = 0; j < k; j++) {
                                        int passed;
                                        memcpy(&passed, CMSG_DATA(c) + j * sizeof(int), sizeof passed);
                                        close(passed);
                                        n_fds++;
                                }
                        }
                }
                size_t len = (size_t) n > MAX_DATAGRAM ? MAX_DATAGRAM : (size_t) n;
                buf[len] = 0;
                handle_message(st, buf, len, (mh.msg_flags & MSG_TRUNC) != 0, sender, have_creds, n_fds,
                               (mh.msg_flags & MSG_CTRUNC) != 0);
        }
}

static const char *signame(int sig) {
        const char *s = sigabbrev_np(sig);
        return s ? s : "?";
}

static void reap(struct state *st) {
        int status;
        for (;;) {
                pid_t p = waitpid(-1, &status, WNOHANG);
                if (p <= 0)
                        return;
                if (p == st->child) {
                        st->child_done = true;
                        st->child_status = status;
                }
        }
}

int main(int argc, char *argv[]) {
        uint64_t wd_usec = 0, timeout_usec = 0;
        bool have_wd = false, have_timeout = false;
        struct state st = { 0 };
        static char name_buf[128];
        int i;

        setvbuf(stdout, NULL, _IOLBF, 0);
        t0 = now_usec();

        for (i = 1; i < argc; i++) {
                const char *a = argv[i], *v = NULL;
                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (a[0] != '-')
                        break;
#define OPT_WITH_ARG(optname)                                                                   \
        ((strcmp(a, optname) == 0 && (v = (i + 1 < argc ? argv[++i] : NULL), true)) ||          \
         (strncmp(a, optname "=", strlen(optname "=")) == 0 && (v = a + strlen(optname "="), true)))
                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        usage(stdout);
                        return 0;
                } else if (OPT_WITH_ARG("--watchdog-usec")) {
                        if (!parse_u64(v, &wd_usec) || wd_usec == 0) {
                                fprintf(stderr, "sdlite-listen: --watchdog-usec wants a positive number of microseconds, not '%s'\n", v ? v : "");
                                return 2;
                        }
                        have_wd = true;
                } else if (OPT_WITH_ARG("--timeout")) {
                        if (!parse_seconds(v, &timeout_usec)) {
                                fprintf(stderr, "sdlite-listen: --timeout wants seconds, not '%s'\n", v ? v : "");
                                return 2;
                        }
                        have_timeout = true;
                } else if (OPT_WITH_ARG("--name")) {
                        if (!v) {
                                fprintf(stderr, "sdlite-listen: --name wants a name\n");
                                return 2;
                        }
                        snprintf(name_buf, sizeof name_buf, "%s: ", v);
                        name_prefix = name_buf;
                } else if (strcmp(a, "--exit-on-ready") == 0) {
                        st.exit_on_ready = true;
                } else if (strcmp(a, "--kill-on-late") == 0) {
                        st.kill_on_late = true;
                } else {
                        fprintf(stderr, "sdlite-listen: unknown option '%s'\n", a);
                        usage(stderr);
                        return 2;
                }
#undef OPT_WITH_ARG
        }
        if (i >= argc) {
                usage(stderr);
                return 2;
        }
        char **cmd = argv + i;
        if (st.kill_on_late && !have_wd) {
                fprintf(stderr, "sdlite-listen: --kill-on-late needs --watchdog-usec\n");
                return 2;
        }

        /* the socket, in a directory only we can write to */
        const char *tmp = getenv("TMPDIR");
        if (!tmp || !*tmp)
                tmp = "/tmp";
        if ((size_t) snprintf(sock_dir, sizeof sock_dir, "%s/sdlite-listen.XXXXXX", tmp) >= sizeof sock_dir)
                die("TMPDIR too long");
        if (!mkdtemp(sock_dir)) {
                sock_dir[0] = 0;
                die("mkdtemp in %s: %s", tmp, strerror(errno));
        }
        if ((size_t) snprintf(sock_path, sizeof sock_path, "%s/notify", sock_dir) >= sizeof sock_path) {
                sock_path[0] = 0;
                die("socket path %s/notify too long for AF_UNIX (set TMPDIR to a shorter directory)", sock_dir);
        }
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                die("socket: %s", strerror(errno));
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                die("bind %s: %s", sock_path, strerror(errno));
        /* anyone may send (services often drop privileges), as to systemd's socket */
        chmod(sock_dir, 0755);
        chmod(sock_path, 0777);
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
                die("setsockopt SO_PASSCRED: %s", strerror(errno));
        int rcvbuf = 8 * 1024 * 1024;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

        /* signals through a signalfd; COMMAND gets the mask we started with */
        sigset_t mask, oldmask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigset_t blocked = mask;
        sigaddset(&blocked, SIGPIPE); /* a write to a closed stdout: EPIPE, see out() */
        if (sigprocmask(SIG_BLOCK, &blocked, &oldmask) < 0)
                die("sigprocmask: %s", strerror(errno));
        int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                die("signalfd: %s", strerror(errno));

        char wd_str[32];
        if (have_wd) {
                char a[32];
                snprintf(wd_str, sizeof wd_str, "%llu", (unsigned long long) wd_usec);
                out("NOTIFY_SOCKET=%s WATCHDOG_USEC=%s (limit %s s, armed at READY=1)", sock_path, wd_str,
                    fmt_sec(a, wd_usec));
        } else
                out("NOTIFY_SOCKET=%s (no watchdog: use --watchdog-usec N for one)", sock_path);

        fflush(stdout);
        fflush(stderr);
        pid_t parent = getpid();
        pid_t child = fork();
        if (child < 0)
                die("fork: %s", strerror(errno));
        if (child == 0) {
                /* the environment is set here, after the fork, because WATCHDOG_PID must be the
                 * pid of COMMAND, that is ours */
                char pidbuf[32];
                /* no orphans: if sdlite-listen is killed, so is COMMAND */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(127);
                sigprocmask(SIG_SETMASK, &oldmask, NULL);
                setenv("NOTIFY_SOCKET", sock_path, 1);
                if (have_wd) {
                        snprintf(pidbuf, sizeof pidbuf, "%d", (int) getpid());
                        setenv("WATCHDOG_USEC", wd_str, 1);
                        setenv("WATCHDOG_PID", pidbuf, 1);
                } else {
                        unsetenv("WATCHDOG_USEC");
                        unsetenv("WATCHDOG_PID");
                }
                execvp(cmd[0], cmd);
                fprintf(stderr, "sdlite-listen: cannot run %s: %s\n", cmd[0], strerror(errno));
                _exit(127);
        }
        st.child = child;
        st.wd_limit = have_wd ? wd_usec : 0;
        {
                char line[1024];
                size_t o = 0;
                for (char **p = cmd; *p && o < sizeof line - 8; p++) {
                        if (p != cmd)
                                line[o++] = ' ';
                        for (const char *c = *p; *c && o < sizeof line - 8; c++)
                                line[o++] = (unsigned char) *c < 0x20 ? '?' : *c;
                }
                line[o] = 0;
                if (o >= sizeof line - 8)
                        snprintf(line + sizeof line - 8, 8, " ...");
                out("started pid %d: %s", (int) child, line);
        }

        uint64_t deadline = have_timeout ? t0 + timeout_usec : 0;
        uint64_t stop_sent_at = 0;     /* when we sent SIGTERM ourselves */
        bool killed = false;
        int exit_code = -1;            /* decided by us (timeout/ready), else COMMAND's */

        for (;;) {
                uint64_t now = now_usec();
                int64_t wait_us = -1;
                char a[32], b[32];

                /* the LATE check is due when the gap reaches the limit */
                if (st.wd_limit && st.wd_armed && !st.late_reported && !st.child_done) {
                        uint64_t due = st.wd_last + st.wd_limit;
                        if (now >= due) {
                                st.late_reported = true;
                                out("LATE: no WATCHDOG=1 for %s s (limit %s s)", fmt_sec(a, now - st.wd_last),
                                    fmt_sec(b, st.wd_limit));
                                if (st.kill_on_late && !stop_sent_at) {
                                        out("sending SIGABRT to pid %d, as systemd would (--kill-on-late)",
                                            (int) st.child);
                                        kill(st.child, SIGABRT);
                                }
                        } else
                                wait_us = (int64_t) (due - now);
                }
                if (deadline && !stop_sent_at && !st.child_done) {
                        if (now >= deadline) {
                                out("timeout (%s s): sending SIGTERM to pid %d", fmt_sec(a, timeout_usec),
                                    (int) st.child);
                                kill(st.child, SIGTERM);
                                stop_sent_at = now;
                                exit_code = EXIT_TIMEOUT;
                        } else if (wait_us < 0 || (int64_t) (deadline - now) < wait_us)
                                wait_us = (int64_t) (deadline - now);
                }
                if (stop_sent_at && !killed && !st.child_done) {
                        uint64_t due = stop_sent_at + STOP_GRACE_USEC;
                        if (now >= due) {
                                out("pid %d still there after %s s: sending SIGKILL", (int) st.child,
                                    fmt_sec(a, STOP_GRACE_USEC));
                                kill(st.child, SIGKILL);
                                killed = true;
                        } else if (wait_us < 0 || (int64_t) (due - now) < wait_us)
                                wait_us = (int64_t) (due - now);
                }
                if (output_gone && !stop_sent_at && !st.child_done) {
                        /* nobody reads what we print: nothing to do any more */
                        kill(st.child, SIGTERM);
                        stop_sent_at = now;
                        exit_code = 128 + SIGPIPE;
                }
                if (st.child_done)
                        break;

                struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
                int timeout_ms = wait_us < 0 ? -1 : (int) ((wait_us + 999) / 1000);
                int r = poll(pfd, 2, timeout_ms);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        die("poll: %s", strerror(errno));
                }
                if (pfd[0].revents & POLLIN) {
                        bool was_ready = st.ready;
                        drain(fd, &st, false);
                        if (st.exit_on_ready && st.ready && !was_ready && !stop_sent_at) {
                                out("--exit-on-ready: sending SIGTERM to pid %d", (int) st.child);
                                kill(st.child, SIGTERM);
                                stop_sent_at = now_usec();
                                exit_code = 0;
                        }
                }
                if (pfd[1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof si) == (ssize_t) sizeof si) {
                                int sig = (int) si.ssi_signo;
                                if (sig == SIGCHLD)
                                        reap(&st);
                                else if (!st.child_done) {
                                        out("got SIG%s: passing it on to pid %d", signame(sig), (int) st.child);
                                        kill(st.child, sig);
                                }
                        }
                }
        }

        /* messages sent just before COMMAND exited */
        drain(fd, &st, false);

        int status = st.child_status, code;
        if (WIFEXITED(status)) {
                code = WEXITSTATUS(status);
                out("pid %d exited with status %d", (int) st.child, code);
        } else if (WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                code = 128 + sig;
                out("pid %d was killed by SIG%s (%s)%s", (int) st.child, signame(sig), strsignal(sig),
                    WCOREDUMP(status) ? ", core dumped" : "");
        } else
                code = 1;
        if (!st.ready)
                out("note: no READY=1 came (%lu message%s in all)", st.messages, st.messages == 1 ? "" : "s");
        cleanup();
        return exit_code >= 0 ? exit_code : code;
}
