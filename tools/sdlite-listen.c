/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sdlite-listen -- a tiny stand-in for the service manager's side of the notify protocol, for
 * machines without systemd at hand (containers, laptops, CI).
 *
 *   sdlite-listen [--watchdog-usec N] [--timeout S] [--exit-on-ready] [--kill-on-late]
 *                 [--notify-access main|all] [--name NAME] -- COMMAND [ARG...]
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
 * WATCHDOG_USEC=N in a message changes the limit, as it does for systemd; the sums saturate as
 * systemd's usec_add() does (a limit near 2^64 means "never late"). File descriptors sent along
 * (FDSTORE=1, or sd_notify_barrier()'s BARRIER=1) are counted and closed at once, so a barrier
 * returns; the close() itself runs in a helper thread (like systemd's asynchronous_close()),
 * because closing somebody else's fd can block (a TCP socket with SO_LINGER and unsent data, a
 * tty, a FUSE file).
 *
 * Whom it listens to: the directory is 0700 and the socket 0600, so only the invoking user (and
 * root) can send at all; of those, by default only COMMAND's own process is heard (like
 * NotifyAccess=main), with --notify-access=all also its descendants (the parent chain in /proc
 * leads to COMMAND). Other messages are refused: reported (rate-limited), never acted on.
 *
 * It never stalls, whatever arrives: it reads at most MAX_BATCH datagrams per wake-up, so
 * timers (LATE, --timeout), signals and COMMAND's exit are handled between batches, and lines
 * derived from messages are rate-limited, with a summary line of what was not shown.
 * Everything it prints is made safe for a terminal: C0 and C1 controls (also as UTF-8), DEL,
 * backslash, bytes that are not valid UTF-8, and bidi/invisible format characters are printed
 * as \xNN or \uXXXX escapes; valid, printable UTF-8 is printed as it is.
 *
 * COMMAND runs in its own process group (its pid is the group's id); stop signals go to the
 * whole group. It exits when COMMAND exits, with its status (128+N when killed by signal N);
 * what COMMAND left behind in its process group gets SIGTERM, and SIGKILL 3 s later. On
 * --timeout it exits with 124 (after SIGTERM, then SIGKILL 3 s later, to the group); with
 * --exit-on-ready with 0 as soon as READY=1 came (the group is stopped the same way).
 * SIGINT/SIGTERM/SIGHUP are passed on to the group; SIGTSTP (^Z) stops the group and then
 * sdlite-listen itself, and SIGCONT continues the group too. 125 means sdlite-listen itself failed; 127
 * that COMMAND could not be run. When nobody reads its output any more (`| head`), it stops
 * COMMAND and exits 141. If it is killed, COMMAND gets SIGKILL (PR_SET_PDEATHSIG), and a small
 * guard process (a member of the group, waiting on a pipe only sdlite-listen holds) SIGKILLs
 * the rest of the group: no stuck service is left behind either way. A process that leaves the
 * group (setsid, setpgid) is out of reach: there is no cgroup here.
 *
 * Only libc: it does not use sdlite (it plays the other side of the protocol).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_LISTENER_FAILED 125
#define EXIT_TIMEOUT 124
#define STOP_GRACE_USEC (3 * 1000000ull)
#define MAX_DATAGRAM (64 * 1024)
#define MAX_FDS 253                 /* SCM_MAX_FD */
#define MAX_BATCH 64                /* datagrams read per wake-up */
#define MAX_FINAL_DRAIN 1024        /* datagrams read after COMMAND exited */
#define GROUP_SCAN_USEC 50000ull    /* how often to look for what is left of the group */
#define CLOSER_STUCK_USEC 200000ull /* no close() finished for this long: start another closer */
#define MAX_CLOSERS 32
#define RL_WINDOW_USEC 1000000ull

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

/* a + b, or UINT64_MAX ("infinity", never) when that does not fit: systemd's usec_add() */
static uint64_t sat_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---------------------------------------------------------------- terminal-safe text */

/* The length (1..4) of the valid, shortest-form UTF-8 sequence at p (n > 0 bytes), its code
 * point in *cp; 0 if p does not start one (stray continuation byte, overlong form, surrogate,
 * above U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp) {
        unsigned char c = p[0];
        size_t len;
        unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

        if (c < 0x80) {
                *cp = c;
                return 1;
        }
        if (c >= 0xc2 && c <= 0xdf) {
                len = 2;
                *cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
                len = 3;
                *cp = c & 0x0f;
                if (c == 0xe0)
                        lo = 0xa0; /* overlong */
                else if (c == 0xed)
                        hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4;
                *cp = c & 0x07;
                if (c == 0xf0)
                        lo = 0x90; /* overlong */
                else if (c == 0xf4)
                        hi = 0x8f; /* above U+10FFFF */
        } else
                return 0;
        if (n < len || p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                *cp = (*cp << 6) | (p[i] & 0x3f);
        }
        return len;
}

/* Code points that must not reach a terminal as they are: C1 controls (CSI, OSC, ... as
 * U+0080..U+009F), bidi controls and other invisible format characters that reorder or hide
 * text, and noncharacters. */
static bool cp_unsafe(uint32_t c) {
        return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x180e ||
               (c >= 0x200b && c <= 0x200f) ||  /* zero-width space/joiners, LRM, RLM */
               (c >= 0x2028 && c <= 0x202e) ||  /* line/paragraph separator, LRE..RLO */
               (c >= 0x2060 && c <= 0x206f) ||  /* word joiner .. LRI RLI FSI PDI .. */
               c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xfdd0 && c <= 0xfdef) ||
               (c & 0xfffe) == 0xfffe ||         /* U+xxFFFE, U+xxFFFF */
               (c >= 0xe0000 && c <= 0xe007f);   /* tags */
}

/* Appends s[0..n) to buf (of size cap, *o bytes used so far, kept NUL-terminated), made safe
 * for a terminal: printable ASCII and valid, printable UTF-8 as they are; bytes below 0x20,
 * DEL, backslash and bytes that are not valid UTF-8 as \xNN; unsafe code points (cp_unsafe) as
 * \uXXXX or \UXXXXXXXX. Returns false if it had to stop early (buf full). */
static bool escape_append(char *buf, size_t cap, size_t *o, const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *) s;
        size_t i = 0;

        while (i < n) {
                uint32_t cp;
                size_t l = utf8_decode(p + i, n - i, &cp);
                if (cap - *o < 12) { /* room for the longest escape and the NUL */
                        buf[*o] = 0;
                        return false;
                }
                if (l == 0 || (l == 1 && (cp < 0x20 || cp == 0x7f || cp == '\\'))) {
                        *o += (size_t) snprintf(buf + *o, cap - *o, "\\x%02x", p[i]);
                        i++;
                } else if (cp_unsafe(cp)) {
                        *o += (size_t) snprintf(buf + *o, cap - *o, cp > 0xffff ? "\\U%08x" : "\\u%04x",
                                                (unsigned) cp);
                        i += l;
                } else {
                        memcpy(buf + *o, p + i, l);
                        *o += l;
                        i += l;
                }
        }
        buf[*o] = 0;
        return true;
}

/* A NUL-terminated string, escaped, into buf */
static const char *esc(char *buf, size_t cap, const char *s) {
        size_t o = 0;
        if (!escape_append(buf, cap, &o, s, strlen(s)))
                snprintf(buf + o, cap - o, "...");
        return buf;
}

/* ---------------------------------------------------------------- output */

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

/* Lines caused by what senders send are rate-limited: at most max a second per kind; what is
 * left out is counted and summed up in one line when the second is over. */
struct ratelimit {
        const char *what; /* "lines from messages" */
        unsigned max;
        uint64_t start;
        unsigned shown;
        unsigned long dropped;
};

static struct ratelimit rl_fields = { .what = "lines from messages", .max = 1000 };
static struct ratelimit rl_events = { .what = "READY/WATCHDOG/LATE notes", .max = 50 };
static struct ratelimit rl_refused = { .what = "refused messages", .max = 3 };
static struct ratelimit *const limiters[] = { &rl_fields, &rl_events, &rl_refused };

static void rl_flush(struct ratelimit *rl, uint64_t now) {
        if (rl->dropped)
                out("(rate limit: %lu %s not shown, more than %u a second)", rl->dropped, rl->what, rl->max);
        rl->start = now;
        rl->shown = 0;
        rl->dropped = 0;
}

static bool rl_take(struct ratelimit *rl) {
        uint64_t now = now_usec();
        if (now - rl->start >= RL_WINDOW_USEC)
                rl_flush(rl, now);
        if (rl->shown < rl->max) {
                rl->shown++;
                return true;
        }
        rl->dropped++;
        return false;
}

#define out_limited(rl, ...)                    \
        do {                                    \
                if (rl_take(rl))                \
                        out(__VA_ARGS__);       \
        } while (0)

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
              "  --notify-access main|all\n"
              "                     whose messages count: COMMAND's process only (main, the default)\n"
              "                     or also its descendants (all); others are refused and reported\n"
              "  --name NAME        put NAME: before every line (for several listeners at once)\n"
              "  -h, --help         this text\n"
              "\n"
              "COMMAND runs in its own process group; stopping it stops the whole group.\n"
              "Exit status: COMMAND's (128+N if killed by signal N); 124 on --timeout; 0 with\n"
              "--exit-on-ready; 141 when nobody reads the output any more (COMMAND is stopped);\n"
              "125 if sdlite-listen failed; 127 if COMMAND could not be run. If sdlite-listen is\n"
              "killed, COMMAND and its process group get SIGKILL.\n",
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

/* One field, made safe for the terminal (escape_append) */
static void print_field(pid_t sender, const char *p, size_t n) {
        char buf[4 * 4096 + 16];
        size_t o = 0;

        if (!rl_take(&rl_fields))
                return;
        if (escape_append(buf, sizeof buf, &o, p, n))
                out("pid %d: %s", (int) sender, buf);
        else
                out("pid %d: %s... (%zu bytes, cut)", (int) sender, buf, n);
}

/* ---------------------------------------------------------------- closing passed fds */

/* close() of a descriptor somebody else sent can block for a long time (SO_LINGER with unsent
 * data, a tty draining, a FUSE file whose server does not answer), so the event loop never
 * calls it: the numbers go through a pipe to closer threads. When some are still waiting in
 * the pipe and no close() has finished for CLOSER_STUCK_USEC, another closer is started (up to
 * MAX_CLOSERS). */
static int closer_pipe[2] = { -1, -1 };
static unsigned closer_threads;
static unsigned long fds_queued;
static atomic_ulong fds_taken;  /* read from the pipe by a closer */
static atomic_ulong fds_closed;
static unsigned long fds_kept; /* every closer stuck and the pipe full: left open, not waited for */
static unsigned long closed_seen;
static uint64_t closed_progress_at;

static void *closer_main(void *arg) {
        (void) arg;
        for (;;) {
                int fd;
                ssize_t r = read(closer_pipe[0], &fd, sizeof fd);
                if (r == (ssize_t) sizeof fd) {
                        atomic_fetch_add(&fds_taken, 1);
                        close(fd);
                        atomic_fetch_add(&fds_closed, 1);
                } else if (r < 0 && errno != EINTR)
                        return NULL;
        }
}

static bool closer_start(void) {
        pthread_attr_t attr;
        pthread_t t;
        int r;

        if (closer_pipe[0] < 0) {
                if (pipe2(closer_pipe, O_CLOEXEC) < 0)
                        return false;
                (void) fcntl(closer_pipe[1], F_SETFL, O_NONBLOCK);
        }
        if (pthread_attr_init(&attr) != 0)
                return false;
        (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void) pthread_attr_setstacksize(&attr, 64 * 1024);
        r = pthread_create(&t, &attr, closer_main, NULL); /* signals stay blocked in it */
        pthread_attr_destroy(&attr);
        if (r != 0)
                return false;
        closer_threads++;
        return true;
}

static void close_async(int fd) {
        if (closer_threads == 0 && !closer_start()) {
                /* no thread at all (out of memory?): better a leak than a hang */
                fds_kept++;
                return;
        }
        if (fds_queued == atomic_load(&fds_taken))
                closed_progress_at = now_usec(); /* nothing was waiting: the clock starts now */
        for (;;) {
                if (write(closer_pipe[1], &fd, sizeof fd) == (ssize_t) sizeof fd) {
                        fds_queued++;
                        return;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN && closer_threads < MAX_CLOSERS && closer_start())
                        continue;
                break;
        }
        fds_kept++;
}

/* between batches: fds waiting behind a closer that has not finished anything for a while
 * get another closer */
static void closers_check(uint64_t now, uint64_t *wake) {
        unsigned long c = atomic_load(&fds_closed);
        if (c != closed_seen || fds_queued == atomic_load(&fds_taken)) {
                closed_seen = c;
                closed_progress_at = now;
                return;
        }
        if (now - closed_progress_at >= CLOSER_STUCK_USEC) {
                if (closer_threads < MAX_CLOSERS)
                        (void) closer_start();
                closed_progress_at = now;
        }
        if (closer_threads < MAX_CLOSERS && closed_progress_at + CLOSER_STUCK_USEC < *wake)
                *wake = closed_progress_at + CLOSER_STUCK_USEC;
}

/* ---------------------------------------------------------------- processes */

/* ppid, process group and state of pid from /proc/PID/stat; false if it is gone */
static bool proc_stat(pid_t pid, pid_t *ppid, pid_t *pgrp, char *state) {
        char path[64], buf[1024];
        int fd;
        ssize_t n;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = 0;
        char *p = strrchr(buf, ')'); /* the command name may contain anything, ')' too */
        int pp, pg;
        char s;
        if (!p || sscanf(p + 1, " %c %d %d", &s, &pp, &pg) != 3)
                return false;
        *ppid = pp;
        *pgrp = pg;
        *state = s;
        return true;
}

/* Is pid COMMAND (root) or one of its descendants? Walks the parent chain in /proc. A process
 * whose parent died was re-parented and no longer counts; one that is gone cannot be judged. */
static bool is_descendant(pid_t pid, pid_t root) {
        for (int depth = 0; depth < 4096 && pid > 1; depth++) {
                pid_t ppid, pgrp;
                char state;
                if (pid == root)
                        return true;
                if (!proc_stat(pid, &ppid, &pgrp, &state))
                        return false;
                pid = ppid;
        }
        return false;
}

/* How many live processes (not zombies) are in process group pgid, apart from except;
 * -1 if /proc cannot be read. */
static int group_members(pid_t pgid, pid_t except) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d))) {
                pid_t pid, ppid, pgrp;
                char state;
                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                pid = (pid_t) atoi(de->d_name);
                if (pid == except || !proc_stat(pid, &ppid, &pgrp, &state))
                        continue;
                if (pgrp == pgid && state != 'Z' && state != 'X')
                        n++;
        }
        closedir(d);
        return n;
}

/* The guard: a child that joins COMMAND's process group (so that its id stays taken and
 * cannot name another group), ignores every signal it can, and waits on a pipe whose other end
 * only sdlite-listen holds. When sdlite-listen is gone, however it went (SIGKILL too), the pipe
 * ends and the guard SIGKILLs the whole group, itself included. Returns its pid, or -1. */
static pid_t start_guard(pid_t pgid, int *ret_fd) {
        int p[2];
        pid_t g;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        g = fork();
        if (g < 0) {
                close(p[0]);
                close(p[1]);
                return -1;
        }
        if (g == 0) {
                char c;
                int nul;
                close(p[1]);
                if (setpgid(0, pgid) < 0)
                        _exit(0);
                for (int s = 1; s < NSIG; s++)
                        if (s != SIGKILL && s != SIGSTOP)
                                (void) signal(s, SIG_IGN);
                (void) prctl(PR_SET_NAME, "sdlite-guard");
                /* hold nothing of the listener's: not its stdout (a pipe's reader waits for EOF) */
                nul = open("/dev/null", O_RDWR);
                if (nul >= 0) {
                        dup2(nul, 0);
                        dup2(nul, 1);
                        dup2(nul, 2);
                }
                if (dup2(p[0], 3) < 0)
                        _exit(0);
#ifdef SYS_close_range
                if (syscall(SYS_close_range, 4u, ~0u, 0u) < 0)
#endif
                        for (int fd = 4; fd < 4096; fd++)
                                (void) close(fd);
                while (read(3, &c, 1) < 0 && errno == EINTR)
                        ;
                kill(0, SIGKILL);
                _exit(0);
        }
        close(p[0]);
        *ret_fd = p[1];
        return g;
}

/* ---------------------------------------------------------------- messages */

struct state {
        pid_t child;
        pid_t guard;
        bool child_done;
        int child_status;
        bool access_all;        /* --notify-access=all */
        uint64_t wd_limit;      /* usec; 0: no watchdog */
        bool wd_armed;          /* READY=1 or a WATCHDOG=1 came */
        uint64_t wd_last;       /* when the count (re)started */
        bool late_reported;
        bool kill_on_late;
        bool ready;
        uint64_t ready_at;
        bool exit_on_ready;
        unsigned long messages;
        unsigned long refused;
};

static bool field_is(const char *p, size_t n, const char *want) {
        size_t l = strlen(want);
        return n == l && memcmp(p, want, l) == 0;
}

static bool field_has_prefix(const char *p, size_t n, const char *prefix) {
        size_t l = strlen(prefix);
        return n >= l && memcmp(p, prefix, l) == 0;
}

/* NotifyAccess: main (COMMAND's pid) or all (and its descendants), by the kernel's credentials */
static bool sender_allowed(const struct state *st, bool have_creds, pid_t sender) {
        if (!have_creds || sender <= 0)
                return false;
        if (sender == st->child)
                return true;
        return st->access_all && is_descendant(sender, st->child);
}

static void refuse(struct state *st, bool have_creds, pid_t sender, uid_t uid, int n_fds) {
        char f[64] = "";

        st->refused++;
        if (!rl_take(&rl_refused))
                return;
        if (n_fds > 0)
                snprintf(f, sizeof f, ", %d fd%s closed", n_fds, n_fds == 1 ? "" : "s");
        if (!have_creds)
                out("refused a message without credentials%s", f);
        else if (st->access_all)
                out("refused a message from pid %d (uid %u)%s: not COMMAND (pid %d) or one of its descendants (--notify-access=all)",
                    (int) sender, (unsigned) uid, f, (int) st->child);
        else
                out("refused a message from pid %d (uid %u)%s: only COMMAND's pid %d may send (--notify-access=main)",
                    (int) sender, (unsigned) uid, f, (int) st->child);
}

static void handle_message(struct state *st, char *buf, size_t len, bool truncated, pid_t sender,
                           int n_fds, bool ctrunc) {
        char a[32], b[32];
        uint64_t now = now_usec();

        st->messages++;
        if (len == 0)
                out_limited(&rl_fields, "pid %d: (empty message)", (int) sender);

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
                                out_limited(&rl_events, "READY again (%s s after the first)",
                                            fmt_sec(a, now - st->ready_at));
                        if (st->wd_limit && !st->wd_armed) {
                                st->wd_armed = true;
                                st->wd_last = now;
                                st->late_reported = false;
                        }
                } else if (field_is(f, n, "WATCHDOG=1")) {
                        if (st->wd_limit && st->late_reported)
                                out_limited(&rl_events, "heartbeat again, %s s after the previous one (limit %s s)",
                                            fmt_sec(a, now - st->wd_last), fmt_sec(b, st->wd_limit));
                        st->wd_armed = true;
                        st->wd_last = now;
                        st->late_reported = false;
                } else if (field_is(f, n, "WATCHDOG=trigger")) {
                        out_limited(&rl_events,
                                    "WATCHDOG=trigger: the service asks to be treated as failed by the watchdog");
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
                                        out_limited(&rl_events, "watchdog limit is now %s s", fmt_sec(a, v));
                                }
                        }
                }
        }
        if (n_fds > 0)
                out_limited(&rl_fields, "pid %d: (%d file descriptor%s passed along, closed)", (int) sender,
                            n_fds, n_fds == 1 ? "" : "s");
        if (truncated)
                out_limited(&rl_fields, "(message longer than %d bytes, cut)", MAX_DATAGRAM);
        if (ctrunc)
                out_limited(&rl_fields, "(control data cut: too many file descriptors)");
}

/* Reads at most max pending messages (never waits); returns the number read. */
static int drain(int fd, struct state *st, int max) {
        static char buf[MAX_DATAGRAM + 1];
        union {
                struct cmsghdr h;
                char raw[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * MAX_FDS)];
        } ctl;
        int got = 0;

        while (got < max) {
                struct iovec iov = { .iov_base = buf, .iov_len = MAX_DATAGRAM };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &ctl,
                        .msg_controllen = sizeof ctl,
                };
                ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return got;
                        die("recvmsg: %s", strerror(errno));
                }
                got++;

                pid_t sender = 0;
                uid_t uid = 0;
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
                                uid = uc.uid;
                                have_creds = true;
                        } else if (c->cmsg_type == SCM_RIGHTS) {
                                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                                for (size_t j = 0; j < k; j++) {
                                        int passed;
                                        memcpy(&passed, CMSG_DATA(c) + j * sizeof(int), sizeof passed);
                                        close_async(passed);
                                        n_fds++;
                                }
                        }
                }
                if (!sender_allowed(st, have_creds, sender)) {
                        refuse(st, have_creds, sender, uid, n_fds);
                        continue;
                }
                size_t len = (size_t) n > MAX_DATAGRAM ? MAX_DATAGRAM : (size_t) n;
                buf[len] = 0;
                handle_message(st, buf, len, (mh.msg_flags & MSG_TRUNC) != 0, sender, n_fds,
                               (mh.msg_flags & MSG_CTRUNC) != 0);
        }
        return got;
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
                } else if (p == st->guard)
                        st->guard = 0;
        }
}

/* sig to COMMAND's whole process group (its id is pinned by the guard, see start_guard) */
static void signal_group(struct state *st, int sig) {
        if (kill(-st->child, sig) < 0 && !st->child_done)
                kill(st->child, sig);
        if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
                (void) kill(-st->child, SIGCONT); /* a stopped process gets to handle it, as with systemd */
}

int main(int argc, char *argv[]) {
        uint64_t wd_usec = 0, timeout_usec = 0;
        bool have_wd = false, have_timeout = false;
        struct state st = { 0 };
        static char name_buf[128];
        char e1[PATH_MAX * 4 + 16];
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
                                fprintf(stderr, "sdlite-listen: --watchdog-usec wants a positive number of microseconds, not '%s'\n",
                                        esc(e1, sizeof e1, v ? v : ""));
                                return 2;
                        }
                        have_wd = true;
                } else if (OPT_WITH_ARG("--timeout")) {
                        if (!parse_seconds(v, &timeout_usec)) {
                                fprintf(stderr, "sdlite-listen: --timeout wants seconds, not '%s'\n",
                                        esc(e1, sizeof e1, v ? v : ""));
                                return 2;
                        }
                        have_timeout = true;
                } else if (OPT_WITH_ARG("--notify-access")) {
                        if (v && strcmp(v, "main") == 0)
                                st.access_all = false;
                        else if (v && strcmp(v, "all") == 0)
                                st.access_all = true;
                        else {
                                fprintf(stderr, "sdlite-listen: --notify-access wants main or all, not '%s'\n",
                                        esc(e1, sizeof e1, v ? v : ""));
                                return 2;
                        }
                } else if (OPT_WITH_ARG("--name")) {
                        size_t o = 0;
                        if (!v) {
                                fprintf(stderr, "sdlite-listen: --name wants a name\n");
                                return 2;
                        }
                        (void) escape_append(name_buf, sizeof name_buf - 2, &o, v, strlen(v));
                        snprintf(name_buf + o, sizeof name_buf - o, ": ");
                        name_prefix = name_buf;
                } else if (strcmp(a, "--exit-on-ready") == 0) {
                        st.exit_on_ready = true;
                } else if (strcmp(a, "--kill-on-late") == 0) {
                        st.kill_on_late = true;
                } else {
                        fprintf(stderr, "sdlite-listen: unknown option '%s'\n", esc(e1, sizeof e1, a));
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

        /* the socket, in a directory only we can enter (mkdtemp: 0700); the socket 0600 */
        const char *tmp = getenv("TMPDIR");
        if (!tmp || !*tmp)
                tmp = "/tmp";
        if ((size_t) snprintf(sock_dir, sizeof sock_dir, "%s/sdlite-listen.XXXXXX", tmp) >= sizeof sock_dir)
                die("TMPDIR too long");
        if (!mkdtemp(sock_dir)) {
                sock_dir[0] = 0;
                die("mkdtemp in %s: %s", esc(e1, sizeof e1, tmp), strerror(errno));
        }
        if ((size_t) snprintf(sock_path, sizeof sock_path, "%s/notify", sock_dir) >= sizeof sock_path) {
                sock_path[0] = 0;
                die("socket path %s/notify too long for AF_UNIX (set TMPDIR to a shorter directory)",
                    esc(e1, sizeof e1, sock_dir));
        }
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                die("socket: %s", strerror(errno));
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
        mode_t old_umask = umask(0077);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                die("bind %s: %s", esc(e1, sizeof e1, sock_path), strerror(errno));
        umask(old_umask);
        if (chmod(sock_dir, 0700) < 0 || chmod(sock_path, 0600) < 0)
                die("chmod %s: %s", esc(e1, sizeof e1, sock_path), strerror(errno));
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
                die("setsockopt SO_PASSCRED: %s", strerror(errno));
        int rcvbuf = 8 * 1024 * 1024;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

        /* room for passed fds waiting to be closed; COMMAND gets the limit we started with */
        struct rlimit old_nofile, nofile;
        bool have_nofile = getrlimit(RLIMIT_NOFILE, &old_nofile) == 0;
        if (have_nofile && old_nofile.rlim_cur < old_nofile.rlim_max) {
                nofile = old_nofile;
                nofile.rlim_cur = nofile.rlim_max < 65536 ? nofile.rlim_max : 65536;
                if (nofile.rlim_cur > old_nofile.rlim_cur)
                        (void) setrlimit(RLIMIT_NOFILE, &nofile);
        }

        /* signals through a signalfd; COMMAND gets the mask we started with */
        sigset_t mask, oldmask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGTSTP); /* ^Z: COMMAND's group is not the terminal's, so we stop it */
        sigaddset(&mask, SIGCONT); /* and continue it with us (fg, bg) */
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
                out("NOTIFY_SOCKET=%s WATCHDOG_USEC=%s (limit %s s, armed at READY=1)",
                    esc(e1, sizeof e1, sock_path), wd_str, fmt_sec(a, wd_usec));
        } else
                out("NOTIFY_SOCKET=%s (no watchdog: use --watchdog-usec N for one)", esc(e1, sizeof e1, sock_path));

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
                /* a process group of its own, to be stopped as a whole */
                (void) setpgid(0, 0);
                /* no orphans: if sdlite-listen is killed, so is COMMAND (and the guard takes
                 * care of the rest of the group) */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(127);
                if (have_nofile)
                        (void) setrlimit(RLIMIT_NOFILE, &old_nofile);
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
                fprintf(stderr, "sdlite-listen: cannot run %s: %s\n", esc(e1, sizeof e1, cmd[0]), strerror(errno));
                _exit(127);
        }
        (void) setpgid(child, child); /* as well, so that it holds before we signal the group */
        st.child = child;
        st.wd_limit = have_wd ? wd_usec : 0;
        int guard_fd = -1;
        st.guard = start_guard(child, &guard_fd);
        (void) guard_fd; /* held open until we exit: its end is the guard's signal */
        {
                char line[1024];
                size_t o = 0;
                bool whole = true;
                for (char **p = cmd; *p && whole; p++) {
                        if (p != cmd && o < sizeof line - 1)
                                line[o++] = ' ';
                        whole = escape_append(line, sizeof line - 8, &o, *p, strlen(*p));
                }
                line[o] = 0;
                if (!whole)
                        snprintf(line + o, sizeof line - o, " ...");
                out("started pid %d: %s", (int) child, line);
        }

        uint64_t deadline = have_timeout ? t0 + timeout_usec : 0;
        uint64_t stop_sent_at = 0;     /* when we sent SIGTERM to the group ourselves */
        bool killed = false;           /* SIGKILL sent to the group */
        int exit_code = -1;            /* decided by us (timeout/ready), else COMMAND's */
        uint64_t scanned_at = 0;       /* group_members() result, cached for GROUP_SCAN_USEC */
        int left = 0;

        for (;;) {
                uint64_t now = now_usec(), wake = UINT64_MAX;
                char a[32], b[32];

                /* summaries of what the rate limits left out */
                for (size_t k = 0; k < sizeof limiters / sizeof limiters[0]; k++)
                        if (limiters[k]->dropped) {
                                uint64_t end = limiters[k]->start + RL_WINDOW_USEC;
                                if (now >= end)
                                        rl_flush(limiters[k], now);
                                else if (end < wake)
                                        wake = end;
                        }
                closers_check(now, &wake);

                /* the LATE check is due when the gap reaches the limit (never when the sum
                 * does not fit: systemd's USEC_INFINITY) */
                if (st.wd_limit && st.wd_armed && !st.late_reported && !st.child_done) {
                        uint64_t due = sat_add(st.wd_last, st.wd_limit);
                        if (due == UINT64_MAX)
                                ;
                        else if (now >= due) {
                                st.late_reported = true;
                                out_limited(&rl_events, "LATE: no WATCHDOG=1 for %s s (limit %s s)",
                                            fmt_sec(a, now - st.wd_last), fmt_sec(b, st.wd_limit));
                                if (st.kill_on_late && !stop_sent_at) {
                                        out_limited(&rl_events, "sending SIGABRT to pid %d, as systemd would (--kill-on-late)",
                                                    (int) st.child);
                                        kill(st.child, SIGABRT);
                                }
                        } else if (due < wake)
                                wake = due;
                }
                if (deadline && !stop_sent_at && !st.child_done) {
                        if (now >= deadline) {
                                out("timeout (%s s): sending SIGTERM to pid %d and its process group",
                                    fmt_sec(a, timeout_usec), (int) st.child);
                                signal_group(&st, SIGTERM);
                                stop_sent_at = now;
                                exit_code = EXIT_TIMEOUT;
                        } else if (deadline < wake)
                                wake = deadline;
                }
                if (output_gone && !stop_sent_at && !st.child_done) {
                        /* nobody reads what we print: nothing to do any more */
                        signal_group(&st, SIGTERM);
                        stop_sent_at = now;
                        exit_code = 128 + SIGPIPE;
                }
                /* COMMAND is gone: so must be what it left in its process group */
                if (st.child_done && !killed) {
                        if (now - scanned_at >= GROUP_SCAN_USEC || scanned_at == 0) {
                                left = group_members(st.child, st.guard);
                                scanned_at = now;
                        }
                        if (left <= 0) /* none, or no /proc to tell: the guard SIGKILLs the rest */
                                break;
                        if (!stop_sent_at) {
                                out("pid %d is gone; %d process%s left in its process group: sending SIGTERM",
                                    (int) st.child, left, left == 1 ? "" : "es");
                                signal_group(&st, SIGTERM);
                                stop_sent_at = now;
                        }
                        if (scanned_at + GROUP_SCAN_USEC < wake)
                                wake = scanned_at + GROUP_SCAN_USEC;
                }
                if (stop_sent_at && !killed) {
                        uint64_t due = stop_sent_at + STOP_GRACE_USEC;
                        if (now >= due) {
                                if (!st.child_done)
                                        out("pid %d still there after %s s: sending SIGKILL to its process group",
                                            (int) st.child, fmt_sec(a, STOP_GRACE_USEC));
                                else
                                        out("%d process%s of pid %d's process group still there after %s s: sending SIGKILL",
                                            left, left == 1 ? "" : "es", (int) st.child, fmt_sec(a, STOP_GRACE_USEC));
                                signal_group(&st, SIGKILL);
                                killed = true;
                        } else if (due < wake)
                                wake = due;
                }
                if (st.child_done && killed)
                        break;

                struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
                int timeout_ms = -1;
                if (wake != UINT64_MAX) {
                        uint64_t d = wake > now ? wake - now : 0;
                        uint64_t ms = d / 1000 + (d % 1000 != 0);
                        timeout_ms = ms > INT_MAX ? INT_MAX : (int) ms;
                }
                int r = poll(pfd, 2, timeout_ms);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        die("poll: %s", strerror(errno));
                }
                if (pfd[0].revents & POLLIN) {
                        /* a bounded batch: the timers and signals above come again right after it */
                        bool was_ready = st.ready;
                        drain(fd, &st, MAX_BATCH);
                        if (st.exit_on_ready && st.ready && !was_ready && !stop_sent_at) {
                                out("--exit-on-ready: sending SIGTERM to pid %d and its process group", (int) st.child);
                                signal_group(&st, SIGTERM);
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
                                else if (sig == SIGTSTP) {
                                        /* as if COMMAND were still in the terminal's group: stop it, then us */
                                        (void) kill(-st.child, SIGTSTP);
                                        (void) kill(getpid(), SIGSTOP);
                                } else if (sig == SIGCONT)
                                        (void) kill(-st.child, SIGCONT);
                                else if (!killed) {
                                        out("got SIG%s: passing it on to pid %d and its process group", signame(sig),
                                            (int) st.child);
                                        signal_group(&st, sig);
                                }
                        }
                }
        }

        /* messages sent just before COMMAND exited (a bounded number: senders may go on) */
        drain(fd, &st, MAX_FINAL_DRAIN);
        for (size_t k = 0; k < sizeof limiters / sizeof limiters[0]; k++)
                rl_flush(limiters[k], now_usec());

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
        if (st.refused)
                out("note: %lu message%s from other processes refused (--notify-access=%s)", st.refused,
                    st.refused == 1 ? "" : "s", st.access_all ? "all" : "main");
        if (fds_kept)
                out("note: %lu passed file descriptor%s left open: every close() was stuck", fds_kept,
                    fds_kept == 1 ? "" : "s");
        if (!st.ready)
                out("note: no READY=1 came (%lu message%s in all)", st.messages, st.messages == 1 ? "" : "s");
        cleanup();
        /* exit() ends the closer threads; closing guard_fd tells the guard to SIGKILL the group */
        return exit_code >= 0 ? exit_code : code;
}
