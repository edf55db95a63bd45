/* notify-bench: sdlite against Debian's libsystemd 252 against the floor, per call and per load,
 * for sd_notify and (with --journal) the journal's sending side.
 *
 * Both libraries are loaded into this one process (dlopen by full path, RTLD_NOW|RTLD_LOCAL; the
 * program checks that it really got two distinct objects and falls back to dlmopen for both if
 * not), and a third method, the floor, is the least any implementation has to pay:
 *   - for a notification, what a stateless sd_notify pays: socket(AF_UNIX,
 *     SOCK_DGRAM|SOCK_CLOEXEC) + sendmsg(MSG_NOSIGNAL) to an address prepared once + close.  This
 *     program binds the receiver itself at $NOTIFY_SOCKET, with SO_PASSCRED on, as systemd does.
 *   - for a journal entry, one sendmsg(MSG_NOSIGNAL) of exactly the bytes the libraries send
 *     (encoded in advance, SYSLOG_IDENTIFIER=... included, one iovec) on a socket made once and
 *     kept, to /run/systemd/journal/socket (the same 30-byte address).  That address is fixed, so
 *     with --journal the program makes a private mount namespace of its own (unshare(CLONE_NEWNS),
 *     every mount made private, a tmpfs over /run/systemd; root only) and binds the receiver
 *     there, with SO_PASSCRED on, as journald does.  Nothing outside the process sees it.
 *
 * The journal calls (each through sdlite and through libsystemd; i counts every call):
 *   journal_print      sd_journal_print(LOG_INFO, "hello %d", i), as compiled with
 *                      SD_JOURNAL_SUPPRESS_LOCATION
 *   journal_print_loc  the same call as <systemd/sd-journal.h>'s macro makes it by default:
 *                      sd_journal_print_with_location(LOG_INFO, "CODE_FILE=" __FILE__,
 *                      "CODE_LINE=<line>", __func__, "hello %d", i)
 *   journal_send       sd_journal_send("MESSAGE=hello %d", i, "PRIORITY=%i", LOG_INFO,
 *                      "REQUEST_ID=%08x", id, "USER_NAME=%s", "alice", "BYTES=%zu", 4096, NULL)
 *   journal_sendv      sd_journal_sendv() of the same five fields as five iovecs (made before
 *                      the clock starts, as a caller of sendv has its fields ready)
 * Every datagram is checked on arrival: exactly the expected bytes, from this pid, no fd.
 *
 * Modes (see bench/README.md; bench/run.sh drives them all under a fixed `env -i` environment):
 *
 *   bench [--rounds R] [--batch N] [--warmup W] [--csv-dir DIR]
 *       Interleaved timing.  Each round, for each message, runs a batch of N calls of each method
 *       in a rotating order (all 6 orders of the 3 methods in turn), draining and checking the
 *       receive queue after each batch with the clock stopped (net.unix.max_dgram_qlen is 10, so
 *       N <= 9).  Prints ns/call medians, p10 and p90 per method, and the median over rounds of
 *       each round's ratio; writes per-call.csv and ratios.csv into DIR.
 *   calls METHOD MESSAGE K [--batch N]
 *       K calls of one method only (floor, sdlite, libsystemd; watchdog, status, fd, and with
 *       --journal journal_print, journal_print_loc, journal_send, journal_sendv), for callgrind
 *       (each batch is bracketed by CALLGRIND_TOGGLE_COLLECT: run valgrind with
 *       --collect-atstart=no) and strace (each batch is bracketed by
 *       access("/sdlite-bench:begin") and access("/sdlite-bench:end")).  A warm-up batch (the
 *       journal's socket, lazy binding, first-touch) runs first, outside both brackets; its first
 *       call is bracketed by access("/sdlite-bench:first") and access("/sdlite-bench:first-end").
 *   load LIBRARY
 *       In a fresh process: dlopen(LIBRARY) and one sd_notify(0, "READY=1"); prints the shared
 *       objects, VmRSS and time that this added.
 *   spawn [--rounds R] [--csv-dir DIR] NAME=HELLO ...
 *       Whole-process load cost: each round runs every HELLO (a tiny program linked against one
 *       libsystemd.so.0 that calls sd_notify once) and `notify-bench load` on the library next to
 *       it, in a rotating order, timing spawn to exit.  The first NAME is the reference for the
 *       ratios (the trivial library).  Writes load.csv into DIR.
 *   serve
 *       Drains $NOTIFY_SOCKET until SIGTERM/SIGINT (a receiver for hyperfine).
 *
 * Options before the mode: --sdlite PATH (default: build/libsystemd.so.0 next to bench/),
 * --libsystemd PATH (default: /usr/lib/x86_64-linux-gnu/libsystemd.so.0), --journal (bench and
 * calls: the journal calls too, in the private namespace described above).
 *
 * Exit status: 0 when every datagram arrived intact (bytes, SCM_RIGHTS fd, sender pid), 1 when
 * any did not, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PROG "notify-bench"
#include "bench-common.h"

extern char **environ;

/* ------------------------------------------------------------------ messages and methods */

/* The notify messages first, then the journal calls (only with --journal). */
enum { MSG_WATCHDOG, MSG_STATUS, MSG_FD, MSG_JPRINT, MSG_JPRINT_LOC, MSG_JSEND, MSG_JSENDV, N_MSG };
#define N_NOTIFY_MSG MSG_JPRINT
#define IS_JOURNAL(m) ((m) >= MSG_JPRINT)
static const char *const msg_name[N_MSG] = {
        "watchdog", "status", "fd", "journal_print", "journal_print_loc", "journal_send", "journal_sendv",
};
static const char *const msg_label[N_MSG] = {
        "sd_notify WATCHDOG=1", "sd_notify STATUS= (110 B)", "sd_pid_notify_with_fds 1 fd",
        "sd_journal_print", "sd_journal_print +location", "sd_journal_send 5 fields", "sd_journal_sendv 5 iovecs",
};
static int n_msgs = N_NOTIFY_MSG; /* the messages measured: N_MSG with --journal */
#define STATUS_110 \
        "STATUS=Processing batch 4711 of 10000: 1234567 records indexed, 12 warnings, " \
        "queue depth 17, cache hits 98.25%"
_Static_assert(sizeof(STATUS_110) - 1 == 110, "the STATUS= message is 110 bytes");
static const char *const msg_text[N_NOTIFY_MSG] = { "WATCHDOG=1", STATUS_110, "FDSTORE=1\nFDNAME=bench" };


typedef int (*notify_fn)(int, const char *);
typedef int (*notify_fds_fn)(pid_t, int, const char *, const int *, unsigned);
typedef int (*jprint_fn)(int, const char *, ...);
typedef int (*jprint_loc_fn)(int, const char *, const char *, const char *, const char *, ...);
typedef int (*jsend_fn)(const char *, ...);
typedef int (*jsendv_fn)(const struct iovec *, int);

struct lib {
        const char *path;
        void *handle;
        notify_fn notify;
        notify_fds_fn notify_fds;
        jprint_fn jprint;
        jprint_loc_fn jprint_loc;
        jsend_fn jsend;
        jsendv_fn jsendv;
};
static struct lib libs[N_METH]; /* [M_FLOOR] unused */

static int send_fd = -1;  /* the fd passed in the fd case: /dev/null */
static struct stat send_fd_st;
static int rx = -1;       /* the receiver, bound at $NOTIFY_SOCKET */
static struct sockaddr_un notify_addr;
static socklen_t notify_addrlen;
static char notify_path[sizeof notify_addr.sun_path + 1];
static pid_t self_pid;

static unsigned long long n_sent, n_ok, n_bad;

/* ------------------------------------------------------------------ the floor */

/* The least a stateless sd_notify can do once it knows where to send: one socket, one sendmsg,
 * one close.  The address is prepared once, outside (parsing $NOTIFY_SOCKET is left out on
 * purpose: that is part of what the libraries are measured on). */
__attribute__((noinline)) static int floor_send(const char *state, const int *fds, unsigned n_fds) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        struct iovec iov = { .iov_base = (void *)state, .iov_len = strlen(state) };
        struct msghdr mh = {
                .msg_name = &notify_addr, .msg_namelen = notify_addrlen, .msg_iov = &iov, .msg_iovlen = 1,
        };
        if (n_fds > 0) {
                if (n_fds > 4)
                        return -EINVAL;
                memset(&control, 0, sizeof control);
                mh.msg_control = control.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        ssize_t r = sendmsg(s, &mh, MSG_NOSIGNAL);
        int e = errno;
        close(s);
        return r < 0 ? -e : 1;
}

/* ------------------------------------------------------------------ the journal's floor */

#define JOURNAL_DIR "/run/systemd/journal"
#define JOURNAL_SOCKET JOURNAL_DIR "/socket"
static struct sockaddr_un journal_addr = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
/* family + path + NUL: 30 bytes, as both libraries pass it */
static const socklen_t journal_addrlen = offsetof(struct sockaddr_un, sun_path) + sizeof JOURNAL_SOCKET;
static int journal_floor_fd = -1; /* the floor's kept socket */
static int jrx = -1;              /* the receiver, bound at JOURNAL_SOCKET */

/* The least a journal entry can cost once its bytes exist: one sendmsg of them, one iovec, on a
 * socket made once and kept, to the journal's address. */
__attribute__((noinline)) static int journal_floor_send(const char *bytes, size_t len) {
        struct iovec iov = { .iov_base = (void *)bytes, .iov_len = len };
        struct msghdr mh = {
                .msg_name = &journal_addr, .msg_namelen = journal_addrlen, .msg_iov = &iov, .msg_iovlen = 1,
        };
        return sendmsg(journal_floor_fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* ------------------------------------------------------------------ the libraries */

static void *lib_sym(struct lib *l, const char *name) {
        void *p = dlsym(l->handle, name);
        if (!p)
                fatal("%s: no %s: %s", l->path, name, dlerror());
        Dl_info info;
        if (!dladdr(p, &info) || !info.dli_fname || !same_file(info.dli_fname, l->path))
                fatal("%s: %s resolved into %s, not into this library", l->path, name,
                      info.dli_fname ? info.dli_fname : "?");
        return p;
}

static void open_lib(struct lib *l, int namespaced) {
        errno = 0;
        l->handle = namespaced ? dlmopen(LM_ID_NEWLM, l->path, RTLD_NOW | RTLD_LOCAL)
                               : dlopen(l->path, RTLD_NOW | RTLD_LOCAL);
        if (!l->handle)
                fatal("dlopen %s: %s", l->path, dlerror());
}

/* Both libraries have the soname libsystemd.so.0.  glibc matches an already loaded object by
 * soname only when asked for a bare name, not a path, so two paths give two objects; checked
 * here rather than assumed: if the two handles or the symbols coincide, both are reopened with
 * dlmopen into namespaces of their own (both, so that neither gets an advantage). */
static const char *load_both(void) {
        struct lib *a = &libs[M_SDLITE], *b = &libs[M_LIBSYSTEMD];
        if (same_file(a->path, b->path))
                fatal("--sdlite and --libsystemd name the same file %s", a->path);
        const char *how = "dlopen(RTLD_NOW|RTLD_LOCAL), distinct handles";
        for (int namespaced = 0; namespaced < 2; namespaced++) {
                open_lib(a, namespaced);
                open_lib(b, namespaced);
                void *na = dlsym(a->handle, "sd_notify"), *nb = dlsym(b->handle, "sd_notify");
                if (a->handle != b->handle && na && nb && na != nb)
                        break;
                if (namespaced)
                        fatal("could not load the two libraries as distinct objects");
                dlclose(a->handle);
                dlclose(b->handle);
                how = "dlmopen(LM_ID_NEWLM), one namespace each";
        }
        for (int m = M_SDLITE; m <= M_LIBSYSTEMD; m++) {
                libs[m].notify = (notify_fn)lib_sym(&libs[m], "sd_notify");
                libs[m].notify_fds = (notify_fds_fn)lib_sym(&libs[m], "sd_pid_notify_with_fds");
                if (n_msgs > N_NOTIFY_MSG) {
                        libs[m].jprint = (jprint_fn)lib_sym(&libs[m], "sd_journal_print");
                        libs[m].jprint_loc = (jprint_loc_fn)lib_sym(&libs[m], "sd_journal_print_with_location");
                        libs[m].jsend = (jsend_fn)lib_sym(&libs[m], "sd_journal_send");
                        libs[m].jsendv = (jsendv_fn)lib_sym(&libs[m], "sd_journal_sendv");
                }
        }
        return how;
}

/* ------------------------------------------------------------------ the receiver */

static void setup_receiver(void) {
        const char *e = getenv("NOTIFY_SOCKET");
        if (!e || (e[0] != '/' && e[0] != '@') || strlen(e) < 2 || strlen(e) >= sizeof notify_addr.sun_path)
                fatal("NOTIFY_SOCKET must be set to /path or @abstract (run me through bench/run.sh)");
        strcpy(notify_path, e);
        memset(&notify_addr, 0, sizeof notify_addr);
        notify_addr.sun_family = AF_UNIX;
        size_t n = strlen(e);
        memcpy(notify_addr.sun_path, e, n);
        if (e[0] == '@') {
                notify_addr.sun_path[0] = 0;
                notify_addrlen = offsetof(struct sockaddr_un, sun_path) + n;
        } else {
                notify_addrlen = offsetof(struct sockaddr_un, sun_path) + n + 1;
                unlink(e);
        }
        rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (rx < 0)
                fatal("socket");
        int one = 1;
        if (setsockopt(rx, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
                fatal("SO_PASSCRED");
        if (bind(rx, (struct sockaddr *)&notify_addr, notify_addrlen) < 0)
                fatal("bind %s", e);
}

static void cleanup_receiver(void) {
        if (rx >= 0 && notify_path[0] == '/')
                unlink(notify_path);
}

/* With --journal: a private mount namespace of this process's own, with a tmpfs over
 * /run/systemd (over /run where there is no /run/systemd), so that nothing outside sees the
 * receiver bound at JOURNAL_SOCKET (with SO_PASSCRED and SO_TIMESTAMP, as journald binds it), and
 * the floor's socket (its send buffer raised as both libraries raise theirs). */
static void setup_journal(void) {
        if (unshare(CLONE_NEWNS) < 0)
                fatal("--journal: unshare(CLONE_NEWNS) (needs root)");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fatal("--journal: making every mount private");
        struct stat st;
        const char *over = stat("/run/systemd", &st) == 0 && S_ISDIR(st.st_mode) ? "/run/systemd" : "/run";
        if (mount("sdlite-bench", over, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                fatal("--journal: mounting a tmpfs over %s", over);
        if ((mkdir("/run/systemd", 0755) < 0 && errno != EEXIST) || mkdir(JOURNAL_DIR, 0755) < 0)
                fatal("--journal: mkdir " JOURNAL_DIR);
        jrx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (jrx < 0)
                fatal("socket");
        int one = 1;
        if (setsockopt(jrx, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
            setsockopt(jrx, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one) < 0)
                fatal("SO_PASSCRED/SO_TIMESTAMP");
        if (bind(jrx, (struct sockaddr *)&journal_addr, journal_addrlen) < 0)
                fatal("bind " JOURNAL_SOCKET);
        journal_floor_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (journal_floor_fd < 0)
                fatal("socket");
        int sndbuf = 8 * 1024 * 1024;
        if (setsockopt(journal_floor_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) < 0)
                fatal("SO_SNDBUF");
        (void)setsockopt(journal_floor_fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
        errno = 0;
        if (!program_invocation_short_name || strpbrk(program_invocation_short_name, "\"'\\\t\n"))
                fatal("the program's name must be safe for SYSLOG_IDENTIFIER");
}

/* Receives one datagram from `fd` if there is one: 1 = got one, 0 = queue empty.  *ok tells
 * whether it is the `expect_len` bytes at `expect` (when not NULL) from `pid`, with exactly
 * `want_fds` fds, each the file we sent (all received fds are closed). */
static int recv_one(int fd, const char *expect, size_t expect_len, unsigned want_fds, pid_t pid, int *ok) {
        char buf[2048];
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(struct timeval)) +
                       CMSG_SPACE(sizeof(int) * 253)];
        } c;
        struct iovec iov = { buf, sizeof buf };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b };
        ssize_t r = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                        return 0;
                fatal("recvmsg");
        }
        int good = !(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
        if (expect)
                good = good && (size_t)r == expect_len && memcmp(buf, expect, (size_t)r) == 0;
        unsigned nfds = 0;
        int cred = 0;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
                if (h->cmsg_level != SOL_SOCKET)
                        continue;
                if (h->cmsg_type == SCM_RIGHTS) {
                        size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < k; i++) {
                                int rfd;
                                struct stat st;
                                memcpy(&rfd, CMSG_DATA(h) + i * sizeof(int), sizeof rfd);
                                good = good && fstat(rfd, &st) == 0 && st.st_dev == send_fd_st.st_dev &&
                                       st.st_ino == send_fd_st.st_ino;
                                close(rfd);
                                nfds++;
                        }
                } else if (h->cmsg_type == SCM_CREDENTIALS) {
                        struct ucred u;
                        memcpy(&u, CMSG_DATA(h), sizeof u);
                        cred = (pid == 0 || u.pid == pid) && u.uid == getuid() && u.gid == getgid();
                }
        }
        *ok = good && cred && nfds == want_fds;
        return 1;
}

/* ------------------------------------------------------------------ the journal calls */

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
/* What <systemd/sd-journal.h>'s sd_journal_print macro passes without
 * SD_JOURNAL_SUPPRESS_LOCATION ("CODE_FILE=" __FILE__, "CODE_LINE=" <line of the call>,
 * __func__); the line here is this one.  run.sh builds with -fmacro-prefix-map so that __FILE__
 * is bench/notify-bench.c wherever the checkout is. */
static const char jloc_file[] = "CODE_FILE=" __FILE__, jloc_line[] = "CODE_LINE=" STRINGIFY(__LINE__);
static const char jloc_func[] = "journal_call"; /* __func__ where it is called */

#define MAX_BATCH 9
/* One journal call of a batch: its arguments, made before the clock starts, and the entry it
 * must produce on the wire (what the floor sends, and what the receiver checks). */
struct jcall {
        int i;                /* the %d of "hello %d": every call of the run has its own */
        unsigned request_id;  /* REQUEST_ID=%08x */
        char message[32];     /* "MESSAGE=hello <i>" */
        char request[32];     /* "REQUEST_ID=<8 hex digits>" */
        struct iovec iov[5];  /* journal_sendv's fields */
        char wire[1024];      /* the datagram */
        size_t len;
};
static struct jcall batch_calls[MAX_BATCH];
static int journal_seq;

static void prepare_batch(int m, unsigned n) {
        if (!IS_JOURNAL(m))
                return;
        const char *id = program_invocation_short_name;
        for (unsigned j = 0; j < n; j++) {
                struct jcall *c = &batch_calls[j];
                c->i = journal_seq++;
                c->request_id = (unsigned)c->i * 2654435761u;
                snprintf(c->message, sizeof c->message, "MESSAGE=hello %d", c->i);
                snprintf(c->request, sizeof c->request, "REQUEST_ID=%08x", c->request_id);
                const char *f[5] = { c->message, "PRIORITY=6", c->request, "USER_NAME=alice", "BYTES=4096" };
                for (int k = 0; k < 5; k++)
                        c->iov[k] = (struct iovec){ .iov_base = (void *)f[k], .iov_len = strlen(f[k]) };
                int len;
                if (m == MSG_JPRINT)
                        len = snprintf(c->wire, sizeof c->wire, "%s\nPRIORITY=6\nSYSLOG_IDENTIFIER=%s\n", c->message, id);
                else if (m == MSG_JPRINT_LOC)
                        len = snprintf(c->wire, sizeof c->wire,
                                       "%s\nPRIORITY=6\n%s\n%s\nCODE_FUNC=%s\nSYSLOG_IDENTIFIER=%s\n", c->message,
                                       jloc_file, jloc_line, jloc_func, id);
                else
                        len = snprintf(c->wire, sizeof c->wire,
                                       "%s\nPRIORITY=6\n%s\nUSER_NAME=alice\nBYTES=4096\nSYSLOG_IDENTIFIER=%s\n",
                                       c->message, c->request, id);
                if (len < 0 || (size_t)len >= sizeof c->wire)
                        fatal("journal entry too long");
                c->len = (size_t)len;
        }
}

/* One journal call; returns what the library returned (0 on success). */
static int journal_call(int meth, int m, const struct jcall *c) {
        if (meth == M_FLOOR)
                return journal_floor_send(c->wire, c->len);
        const struct lib *l = &libs[meth];
        switch (m) {
        case MSG_JPRINT:
                return l->jprint(LOG_INFO, "hello %d", c->i);
        case MSG_JPRINT_LOC:
                return l->jprint_loc(LOG_INFO, jloc_file, jloc_line, __func__, "hello %d", c->i);
        case MSG_JSEND:
                return l->jsend("MESSAGE=hello %d", c->i, "PRIORITY=%i", LOG_INFO, "REQUEST_ID=%08x", c->request_id,
                                "USER_NAME=%s", "alice", "BYTES=%zu", (size_t)4096, NULL);
        default:
                return l->jsendv(c->iov, 5);
        }
}

/* Drains the queue after a batch of `n` calls of message `m`; each datagram must be intact. */
static void drain(int m, unsigned n) {
        unsigned got = 0;
        int ok;
        for (;;) {
                int r;
                if (IS_JOURNAL(m)) {
                        const struct jcall *c = got < n ? &batch_calls[got] : NULL;
                        r = recv_one(jrx, c ? c->wire : NULL, c ? c->len : 0, 0, self_pid, &ok);
                } else {
                        r = recv_one(rx, msg_text[m], strlen(msg_text[m]), m == MSG_FD, self_pid, &ok);
                }
                if (!r)
                        break;
                got++;
                if (ok)
                        n_ok++;
                else
                        n_bad++;
        }
        if (got != n) {
                fprintf(stderr, "notify-bench: %s: %u datagrams sent, %u received\n", msg_name[m], n, got);
                n_bad += got < n ? n - got : got - n;
        }
}

/* ------------------------------------------------------------------ one method, one batch */

/* Call j of the batch; > 0 on success. */
static int call_once(int meth, int m, unsigned j) {
        if (IS_JOURNAL(m)) {
                int r = journal_call(meth, m, &batch_calls[j]);
                return r < 0 ? r : 1;
        }
        if (meth == M_FLOOR)
                return m == MSG_FD ? floor_send(msg_text[m], &send_fd, 1) : floor_send(msg_text[m], NULL, 0);
        if (m == MSG_FD)
                return libs[meth].notify_fds(0, 0, msg_text[m], &send_fd, 1);
        return libs[meth].notify(0, msg_text[m]);
}

static void check_calls(int meth, int m, unsigned fails) {
        if (fails)
                fatal("%s %s: %u calls failed", meth_name[meth], msg_name[m], fails);
}

/* Times n calls (nothing else inside the clock: the arguments and expected bytes are made
 * before), then drains with the clock stopped. */
static uint64_t timed_batch(int meth, int m, unsigned n) {
        unsigned fails = 0;
        prepare_batch(m, n);
        uint64_t t0 = now_ns();
        for (unsigned j = 0; j < n; j++)
                fails += call_once(meth, m, j) <= 0;
        uint64_t t1 = now_ns();
        check_calls(meth, m, fails);
        n_sent += n;
        drain(m, n);
        return t1 - t0;
}

/* ------------------------------------------------------------------ statistics */

/* Percentile p (0..1) of v[0..n) with linear interpolation; sorts v. */
/* ------------------------------------------------------------------ mode: bench */

static int env_count(void) {
        int n = 0;
        for (char **e = environ; *e; e++)
                n++;
        return n;
}

static int mode_bench(unsigned rounds, unsigned batch, unsigned warmup, const char *csv_dir, const char *how) {
        if (batch < 1 || batch > MAX_BATCH)
                fatal("--batch must be 1..9 (the receive queue holds 10 datagrams)");
        if (rounds < 1)
                fatal("--rounds must be >= 1");
        double *t[N_MSG][N_METH];
        for (int m = 0; m < n_msgs; m++)
                for (int k = 0; k < N_METH; k++)
                        if (!(t[m][k] = calloc(rounds, sizeof(double))))
                                fatal("calloc");

        for (unsigned r = 0; r < warmup + rounds; r++) {
                for (int m = 0; m < n_msgs; m++) {
                        const int *order = perms[(r + (unsigned)m) % 6];
                        for (int j = 0; j < N_METH; j++) {
                                int meth = order[j];
                                uint64_t ns = timed_batch(meth, m, batch);
                                if (r >= warmup)
                                        t[m][meth][r - warmup] = (double)ns / batch;
                        }
                }
        }

        struct row_stats st[N_MSG];
        for (int m = 0; m < n_msgs; m++)
                st[m] = row_stats(t[m], rounds);
        printf("notify-bench: %u rounds x %u calls per batch (+%u warm-up rounds), methods interleaved in "
               "rotating order; %d environment variables; libraries loaded by %s\n",
               rounds, batch, warmup, env_count(), how);
        if (n_msgs > N_NOTIFY_MSG)
                printf("journal: receiver at " JOURNAL_SOCKET " in a private mount namespace; floor: one sendmsg of "
                       "the same bytes on a kept socket\n");
        report_rows("message", n_msgs, msg_name, msg_label, st, csv_dir, "per-call.csv", "ratios.csv", rounds, batch);
        return 0;
}

/* ------------------------------------------------------------------ mode: calls */

static int lookup(const char *const *names, int n, const char *s, const char *what) {
        for (int i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return i;
        errno = 0;
        fatal("unknown %s '%s'", what, s);
}

static int mode_calls(int meth, int m, unsigned long k, unsigned batch) {
        if (batch < 1 || batch > MAX_BATCH)
                fatal("--batch must be 1..9");
        if (m >= n_msgs)
                fatal("%s needs --journal", msg_name[m]);
        /* warm-up: the journal's socket, lazy binding in libc, first touch of the code and data
         * pages; its first call is the process's first call of this method */
        prepare_batch(m, batch);
        unsigned fails = 0;
        for (unsigned j = 0; j < batch; j++) {
                if (j == 0)
                        access("/sdlite-bench:first", F_OK);
                fails += call_once(meth, m, j) <= 0;
                if (j == 0)
                        access("/sdlite-bench:first-end", F_OK);
        }
        check_calls(meth, m, fails);
        n_sent += batch;
        drain(m, batch);
        unsigned long done = 0;
        while (done < k) {
                unsigned n = k - done < batch ? (unsigned)(k - done) : batch;
                fails = 0;
                prepare_batch(m, n);
                access("/sdlite-bench:begin", F_OK);
                CALLGRIND_TOGGLE_COLLECT;
                for (unsigned j = 0; j < n; j++)
                        fails += call_once(meth, m, j) <= 0;
                CALLGRIND_TOGGLE_COLLECT;
                access("/sdlite-bench:end", F_OK);
                check_calls(meth, m, fails);
                n_sent += n;
                drain(m, n);
                done += n;
        }
        printf("calls: %s %s x %lu\n", meth_name[meth], msg_name[m], k);
        return 0;
}

/* ------------------------------------------------------------------ mode: load */

struct objs {
        size_t n;
        char names[64][PATH_MAX];
};

static int add_obj(struct dl_phdr_info *info, size_t size, void *data) {
        (void)size;
        struct objs *o = data;
        if (o->n < 64) {
                snprintf(o->names[o->n], PATH_MAX, "%s", info->dlpi_name ? info->dlpi_name : "");
                o->n++;
        }
        return 0;
}

static long vm_rss_kb(void) {
        char buf[4096];
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = 0;
        char *p = strstr(buf, "VmRSS:");
        return p ? strtol(p + 6, NULL, 10) : -1;
}

static int listed(const struct objs *o, const char *name) {
        for (size_t i = 0; i < o->n; i++)
                if (strcmp(o->names[i], name) == 0)
                        return 1;
        return 0;
}

static int mode_load(const char *path) {
        static struct objs before, after;
        dl_iterate_phdr(add_obj, &before);
        long rss0 = vm_rss_kb();
        uint64_t t0 = now_ns();
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        uint64_t t1 = now_ns();
        if (!h)
                fatal("dlopen %s: %s", path, dlerror());
        notify_fn notify = (notify_fn)dlsym(h, "sd_notify");
        if (!notify)
                fatal("%s: no sd_notify", path);
        uint64_t t2 = now_ns();
        int r = notify(0, "READY=1");
        uint64_t t3 = now_ns();
        long rss1 = vm_rss_kb();
        dl_iterate_phdr(add_obj, &after);
        long long bytes = 0;
        int added = 0;
        for (size_t i = 0; i < after.n; i++) {
                if (listed(&before, after.names[i]))
                        continue;
                struct stat st;
                added++;
                if (stat(after.names[i], &st) == 0)
                        bytes += st.st_size;
                printf("object %s %lld\n", after.names[i], (long long)(stat(after.names[i], &st) == 0 ? st.st_size : -1));
        }
        struct stat st;
        long long lib_bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
        printf("load objects_added=%d rss_added_kb=%ld dlopen_ns=%llu first_call_ns=%llu lib_bytes=%lld "
               "bytes_added=%lld sd_notify=%d\n",
               added, rss1 - rss0, (unsigned long long)(t1 - t0), (unsigned long long)(t3 - t2), lib_bytes, bytes, r);
        return r < 0;
}

/* ------------------------------------------------------------------ mode: spawn */

struct target {
        const char *name;
        const char *hello;
        char lib[PATH_MAX];
        double *proc_us, *dlopen_us, *rss_kb;
        int objects;
        long long lib_bytes, bytes_added;
        unsigned long long got_ready;
};

/* Runs argv with the current (small, fixed) environment; returns the time from spawn to exit.
 * With out != NULL, the child's stdout is read into it. */
static uint64_t run_child(char *const argv[], char *out, size_t outlen, pid_t *pid_out) {
        int p[2] = { -1, -1 };
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (out) {
                if (pipe2(p, O_CLOEXEC) < 0)
                        fatal("pipe2");
                posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        }
        pid_t pid;
        uint64_t t0 = now_ns();
        int e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
        if (e) {
                errno = e;
                fatal("posix_spawn %s", argv[0]);
        }
        int status;
        size_t len = 0;
        if (out) {
                close(p[1]);
                ssize_t n;
                while ((n = read(p[0], out + len, outlen - 1 - len)) > 0)
                        len += (size_t)n;
                out[len] = 0;
                close(p[0]);
        }
        if (waitpid(pid, &status, 0) < 0)
                fatal("waitpid");
        uint64_t t1 = now_ns();
        posix_spawn_file_actions_destroy(&fa);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                errno = 0;
                fatal("%s exited with status 0x%x", argv[0], status);
        }
        *pid_out = pid;
        return t1 - t0;
}

/* After a child that called sd_notify(0, "READY=1") once (or, for the trivial library, not at
 * all): everything queued must be that message from that child. */
static unsigned drain_child(pid_t pid) {
        unsigned got = 0;
        int ok;
        while (recv_one(rx, "READY=1", 7, 0, pid, &ok)) {
                got++;
                if (ok)
                        n_ok++;
                else
                        n_bad++;
        }
        return got;
}

static long long field(const char *s, const char *key) {
        const char *p = strstr(s, key);
        return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static int mode_spawn(unsigned rounds, const char *self, int n, char **specs, const char *csv_dir) {
        if (n < 1 || n > 6)
                fatal("spawn: 1..6 NAME=HELLO targets");
        struct target tg[6];
        for (int i = 0; i < n; i++) {
                char *eq = strchr(specs[i], '=');
                if (!eq)
                        fatal("spawn: expected NAME=HELLO, got %s", specs[i]);
                *eq = 0;
                tg[i] = (struct target){ .name = specs[i], .hello = eq + 1 };
                /* the library next to the program: HELLO's directory/libsystemd.so.0 */
                snprintf(tg[i].lib, sizeof tg[i].lib, "%s", tg[i].hello);
                char *slash = strrchr(tg[i].lib, '/');
                if (!slash)
                        fatal("spawn: HELLO must be a path");
                snprintf(slash + 1, sizeof tg[i].lib - (size_t)(slash + 1 - tg[i].lib), "libsystemd.so.0");
                tg[i].proc_us = calloc(rounds, sizeof(double));
                tg[i].dlopen_us = calloc(rounds, sizeof(double));
                tg[i].rss_kb = calloc(rounds, sizeof(double));
                if (!tg[i].proc_us || !tg[i].dlopen_us || !tg[i].rss_kb)
                        fatal("calloc");
        }
        static char out[65536];
        unsigned warm = 5;
        for (unsigned r = 0; r < warm + rounds; r++) {
                for (int j = 0; j < n; j++) {
                        struct target *t = &tg[(r + (unsigned)j) % (unsigned)n];
                        pid_t pid;
                        char *hargv[] = { (char *)t->hello, NULL };
                        uint64_t ns = run_child(hargv, NULL, 0, &pid);
                        unsigned got = drain_child(pid);
                        char *largv[] = { (char *)self, "load", t->lib, NULL };
                        run_child(largv, out, sizeof out, &pid);
                        got += drain_child(pid);
                        if (strcmp(t->name, "trivial") != 0)
                                n_sent += 2; /* READY=1 from the program and from `load` */
                        if (r < warm)
                                continue;
                        t->got_ready += got;
                        t->proc_us[r - warm] = (double)ns / 1000.0;
                        t->dlopen_us[r - warm] = (double)field(out, "dlopen_ns=") / 1000.0;
                        t->rss_kb[r - warm] = (double)field(out, "rss_added_kb=");
                        t->objects = (int)field(out, "objects_added=");
                        t->lib_bytes = field(out, "lib_bytes=");
                        t->bytes_added = field(out, "bytes_added=");
                        if (r == warm) {
                                printf("%s: objects added by dlopen(%s):\n", t->name, t->lib);
                                for (char *l = out; (l = strstr(l, "object ")); l++) {
                                        char *e = strchr(l, '\n');
                                        printf("    %.*s\n", (int)(e ? e - l - 7 : (long)strlen(l + 7)), l + 7);
                                }
                        }
                }
        }
        double *ratio = malloc(rounds * sizeof *ratio);
        if (!ratio)
                fatal("malloc");
        FILE *f = open_csv(csv_dir, "load.csv");
        if (f)
                fprintf(f, "library,process_us_median,process_us_p10,process_us_p90,ratio_vs_%s_median,"
                           "ratio_p10,ratio_p90,dlopen_us_median,rss_added_kb_median,objects_added,lib_bytes,"
                           "bytes_added,rounds\n",
                        tg[0].name);
        printf("\nload cost: a process that loads the library and calls sd_notify once (%u rounds, interleaved)\n", rounds);
        printf("%-12s %26s %24s %12s %10s %8s %10s %12s\n", "library", "process us med [p10..p90]",
               "ratio to trivial [p10..p90]", "dlopen us", "RSS+ KiB", "objects", "lib bytes", "bytes loaded");
        for (int i = 0; i < n; i++) {
                struct target *t = &tg[i];
                struct summary ps = summarize(t->proc_us, rounds);
                for (unsigned r = 0; r < rounds; r++)
                        ratio[r] = t->proc_us[r] / tg[0].proc_us[r];
                struct summary rs = summarize(ratio, rounds);
                struct summary ds = summarize(t->dlopen_us, rounds);
                struct summary ks = summarize(t->rss_kb, rounds);
                char c1[64], c2[64];
                snprintf(c1, sizeof c1, "%.0f [%.0f .. %.0f]", ps.med, ps.p10, ps.p90);
                snprintf(c2, sizeof c2, "%.3f [%.3f .. %.3f]", rs.med, rs.p10, rs.p90);
                printf("%-12s %26s %24s %12.1f %10.0f %8d %10lld %12lld\n", t->name, c1, c2, ds.med, ks.med, t->objects,
                       t->lib_bytes, t->bytes_added);
                if (f)
                        fprintf(f, "%s,%.1f,%.1f,%.1f,%.4f,%.4f,%.4f,%.1f,%.0f,%d,%lld,%lld,%u\n", t->name, ps.med, ps.p10,
                                ps.p90, rs.med, rs.p10, rs.p90, ds.med, ks.med, t->objects, t->lib_bytes, t->bytes_added,
                                rounds);
        }
        if (f)
                fclose(f);
        free(ratio);
        /* every library but the trivial one (which sends nothing) must have delivered READY=1 twice
         * a round, intact */
        for (int i = 0; i < n; i++) {
                if (tg[i].got_ready != (strcmp(tg[i].name, "trivial") == 0 ? 0 : 2ull * rounds)) {
                        fprintf(stderr, "notify-bench: %s: %llu READY=1 received, %u expected\n", tg[i].name,
                                tg[i].got_ready, 2 * rounds);
                        n_bad++;
                }
        }
        return 0;
}

/* ------------------------------------------------------------------ mode: serve */

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
        (void)sig;
        stop = 1;
}

static int mode_serve(void) {
        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        int fl = fcntl(rx, F_GETFL);
        fcntl(rx, F_SETFL, fl & ~O_NONBLOCK);
        unsigned long long got = 0;
        char buf[1024];
        while (!stop) {
                ssize_t r = recv(rx, buf, sizeof buf, 0);
                if (r >= 0)
                        got++;
                else if (errno != EINTR)
                        fatal("recv");
        }
        fprintf(stderr, "notify-bench serve: %llu datagrams\n", got);
        return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(void) {
        fprintf(stderr,
                "usage: notify-bench [--sdlite LIB] [--libsystemd LIB] [--journal] MODE ...\n"
                "  bench [--rounds R] [--batch N] [--warmup W] [--csv-dir DIR]\n"
                "  calls floor|sdlite|libsystemd MESSAGE K [--batch N]\n"
                "        MESSAGE: watchdog|status|fd, with --journal also\n"
                "                 journal_print|journal_print_loc|journal_send|journal_sendv\n"
                "  load LIB\n"
                "  spawn [--rounds R] [--csv-dir DIR] NAME=HELLO ...\n"
                "  serve\n");
        exit(2);
}

int main(int argc, char **argv) {
        char self[PATH_MAX], def_sdlite[PATH_MAX];
        self_exe(self, sizeof self);
        default_sdlite_path(def_sdlite, sizeof def_sdlite);
        libs[M_SDLITE].path = def_sdlite;
        libs[M_LIBSYSTEMD].path = "/usr/lib/x86_64-linux-gnu/libsystemd.so.0";

        int i = 1, journal = 0;
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strcmp(argv[i], "--journal") == 0)
                        journal = 1;
                else if (i + 1 < argc && strcmp(argv[i], "--sdlite") == 0)
                        libs[M_SDLITE].path = argv[++i];
                else if (i + 1 < argc && strcmp(argv[i], "--libsystemd") == 0)
                        libs[M_LIBSYSTEMD].path = argv[++i];
                else
                        usage();
        }
        if (i >= argc)
                usage();
        const char *mode = argv[i++];
        self_pid = getpid();
        if (journal && strcmp(mode, "bench") != 0 && strcmp(mode, "calls") != 0)
                usage();

        if (strcmp(mode, "load") == 0) {
                if (i + 1 != argc)
                        usage();
                return mode_load(argv[i]);
        }

        setup_receiver();
        atexit(cleanup_receiver);
        send_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (send_fd < 0 || fstat(send_fd, &send_fd_st) < 0)
                fatal("/dev/null");

        int rc;
        if (strcmp(mode, "serve") == 0) {
                rc = mode_serve();
        } else if (strcmp(mode, "spawn") == 0) {
                unsigned rounds = 300;
                const char *csv = NULL;
                for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                        if (strcmp(argv[i], "--rounds") == 0)
                                rounds = (unsigned)num(argv[i + 1]);
                        else if (strcmp(argv[i], "--csv-dir") == 0)
                                csv = argv[i + 1];
                        else
                                usage();
                }
                rc = mode_spawn(rounds, self, argc - i, argv + i, csv);
        } else {
                if (journal) {
                        setup_journal();
                        n_msgs = N_MSG;
                }
                const char *how = load_both();
                if (strcmp(mode, "bench") == 0) {
                        unsigned rounds = 2000, batch = 8, warmup = 50;
                        const char *csv = NULL;
                        for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                                if (strcmp(argv[i], "--rounds") == 0)
                                        rounds = (unsigned)num(argv[i + 1]);
                                else if (strcmp(argv[i], "--batch") == 0)
                                        batch = (unsigned)num(argv[i + 1]);
                                else if (strcmp(argv[i], "--warmup") == 0)
                                        warmup = (unsigned)num(argv[i + 1]);
                                else if (strcmp(argv[i], "--csv-dir") == 0)
                                        csv = argv[i + 1];
                                else
                                        usage();
                        }
                        if (i != argc)
                                usage();
                        rc = mode_bench(rounds, batch, warmup, csv, how);
                } else if (strcmp(mode, "calls") == 0) {
                        if (argc - i != 3 && !(argc - i == 5 && strcmp(argv[i + 3], "--batch") == 0))
                                usage();
                        int meth = lookup(meth_name, N_METH, argv[i], "method");
                        int m = lookup(msg_name, N_MSG, argv[i + 1], "message");
                        unsigned long k = num(argv[i + 2]);
                        unsigned batch = argc - i == 5 ? (unsigned)num(argv[i + 4]) : 8;
                        rc = mode_calls(meth, m, k, batch);
                } else {
                        usage();
                }
        }
        if (strcmp(mode, "serve") != 0) {
                printf("datagrams: %llu sent, %llu received intact, %llu bad\n", n_sent, n_ok, n_bad);
                if (n_bad || n_ok != n_sent)
                        rc = 1;
        }
        return rc;
}
