/* Shared helpers for the notify-family differential programs (c-tests/diff/notify-*.c).
 *
 * Every program built from these helpers prints one deterministic line per case on stdout, so
 * that the same binary run on Debian's libsystemd 252 and on sdlite (LD_LIBRARY_PATH) must give
 * byte-identical output.  Nothing that varies between runs is printed: no fd numbers, PIDs,
 * temporary paths or timings.  PIDs in SCM_CREDENTIALS are printed symbolically (self, parent,
 * 1, ...), fds by whether they refer to the same file (st_dev/st_ino) as the one that was sent,
 * environment variables as unset / kept (still what the test set) / changed:<value>.
 *
 * The path of the libsystemd.so.0 actually mapped is printed on stderr ("libsystemd: PATH") so
 * the suite can check which library a run used; stderr is not compared.
 *
 * A "receiver" is an AF_UNIX socket the program binds itself, with SO_PASSCRED on.  After each
 * case every active receiver is drained without blocking (after one short poll), and what each
 * got is printed, labelled by the receiver's name; "<none>" when no receiver got anything.  A
 * misdirected datagram therefore shows up as well as a missing one.
 *
 * Cases that need other credentials, a smaller fd table or a signal run in a forked child that
 * reports its result through a pipe; the parent prints it.  Only the parent writes to stdout.
 */
#ifndef NOTIFY_COMMON_H
#define NOTIFY_COMMON_H

#define _GNU_SOURCE
#include <systemd/sd-daemon.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

#define TESTLIB_PROG "notify-diff"
#include "../common/testlib.h"

#define NOBODY 65534

/* ------------------------------------------------------------------ small utilities */

/* C-style escape of n bytes into out (sized >= 4*n+1). */
static void esc(const unsigned char *p, size_t n, char *out) {
        char *o = out;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = p[i];
                if (c == '\n') { *o++ = '\\'; *o++ = 'n'; }
                else if (c == '\t') { *o++ = '\\'; *o++ = 't'; }
                else if (c == '\r') { *o++ = '\\'; *o++ = 'r'; }
                else if (c == '\\') { *o++ = '\\'; *o++ = '\\'; }
                else if (c == '"') { *o++ = '\\'; *o++ = '"'; }
                else if (c < 32 || c > 126) o += sprintf(o, "\\x%02x", c);
                else *o++ = (char) c;
        }
        *o = 0;
}

/* Escaped, with long runs of one byte compressed to X{n} (for 100-byte paths in output). */
static const char *esc_short(const char *s) {
        static char bufs[4][1024];
        static int k;
        char *out = bufs[k++ & 3], *o = out;
        size_t n = strlen(s);
        for (size_t i = 0; i < n && o < out + 900;) {
                size_t j = i;
                while (j < n && s[j] == s[i]) j++;
                char one[8];
                esc((const unsigned char *) s + i, 1, one);
                if (j - i >= 8) {
                        o += sprintf(o, "%s{%zu}", one, j - i);
                        i = j;
                } else {
                        o += sprintf(o, "%s", one);
                        i++;
                }
        }
        *o = 0;
        return out;
}

/* ------------------------------------------------------------------ scratch directory */

static char D[64];      /* mkdtemp directory, printed as $D */
static char ABSNAME[64]; /* random abstract-socket base name (without '@'), printed as $A */
static pid_t MAINPID;

static void rm_tree(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *e;
        if (!d)
                return;
        while ((e = readdir(d))) {
                char p[PATH_MAX];
                struct stat st;
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
                        chmod(p, 0700);
                        rm_tree(p);
                } else
                        unlink(p);
        }
        closedir(d);
        rmdir(dir);
}

static void cleanup(void) {
        if (getpid() == MAINPID && D[0])
                rm_tree(D);
}

static void common_init(void) {
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        MAINPID = getpid();
        if (report_library() < 0)
                die("open /proc/self/maps");
        /* under $TMPDIR when it is short enough for the 107/108-byte path cases (the suite
         * points it at its own scratch directory, so a crashed run leaves nothing behind) */
        make_scratch_dir(D, sizeof D, "sdlite-notify.XXXXXX");
        /* reachable for the uid-65534 children */
        if (chmod(D, 0755) < 0)
                die("chmod");
        atexit(cleanup);
        unsigned char rnd[8];
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, rnd, sizeof rnd) != sizeof rnd)
                die("urandom");
        close(fd);
        snprintf(ABSNAME, sizeof ABSNAME, "sdlite-diff-%02x%02x%02x%02x%02x%02x%02x%02x",
                 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
        signal(SIGPIPE, SIG_IGN);
}

/* "$D/rest" as a real path (a new string each time, never freed). */
static const char *P(const char *rest) {
        char *b;
        if (asprintf(&b, "%s/%s", D, rest) < 0)
                die("asprintf");
        return b;
}

/* "@$A-rest" as a real NOTIFY_SOCKET value (a new string each time, never freed). */
static const char *A(const char *rest) {
        char *b;
        if (asprintf(&b, "@%s%s%s", ABSNAME, *rest ? "-" : "", rest) < 0)
                die("asprintf");
        return b;
}

/* ------------------------------------------------------------------ environment */

static const char *ENVNAMES[3] = { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID" };
static const char *ENVSHORT[3] = { "NS", "WU", "WP" };
static char *ENVSET[3]; /* what the test last set, NULL = it unset it */

static void env_put(int idx, const char *v) {
        free(ENVSET[idx]);
        ENVSET[idx] = v ? strdup(v) : NULL;
        set_or_unset(ENVNAMES[idx], v);
}
static void set_ns(const char *v) { env_put(0, v); }
static void set_wu(const char *v) { env_put(1, v); }
static void set_wp(const char *v) { env_put(2, v); }

/* "NS=kept WU=unset WP=unset" */
static void env_state(char *out, size_t n) {
        size_t o = 0;
        for (int i = 0; i < 3; i++) {
                const char *v = getenv(ENVNAMES[i]);
                const char *st;
                char tmp[700];
                if (!v)
                        st = "unset";
                else if (ENVSET[i] && !strcmp(v, ENVSET[i]))
                        st = "kept";
                else {
                        snprintf(tmp, sizeof tmp, "changed:\"%s\"", esc_short(v));
                        st = tmp;
                }
                o += snprintf(out + o, n - o, "%s%s=%s", i ? " " : "", ENVSHORT[i], st);
                if (o >= n)
                        break;
        }
}

/* ------------------------------------------------------------------ symbolic PIDs */

struct pidname { pid_t pid; const char *name; };
static struct pidname PIDNAMES[16];
static int NPIDNAMES;

static void pid_name(pid_t pid, const char *name) {
        for (int i = 0; i < NPIDNAMES; i++)
                if (PIDNAMES[i].pid == pid) {
                        PIDNAMES[i].name = name;
                        return;
                }
        if (NPIDNAMES < 16)
                PIDNAMES[NPIDNAMES++] = (struct pidname) { pid, name };
}
static void pid_unname(pid_t pid) {
        for (int i = 0; i < NPIDNAMES; i++)
                if (PIDNAMES[i].pid == pid) {
                        PIDNAMES[i] = PIDNAMES[--NPIDNAMES];
                        return;
                }
}

/* caller = the process that called the library function */
static const char *pid_sym(pid_t pid, pid_t caller) {
        static char b[4][32];
        static int k;
        if (pid == caller)
                return "self";
        if (pid == 1)
                return "1";
        if (pid == MAINPID)
                return "parent";
        for (int i = 0; i < NPIDNAMES; i++)
                if (PIDNAMES[i].pid == pid)
                        return PIDNAMES[i].name;
        if (pid == 0)
                return "0";
        snprintf(b[k & 3], 32, "other");
        return b[k++ & 3];
}

/* ------------------------------------------------------------------ fds that were sent */

struct fid { dev_t dev; ino_t ino; int ok; };
static struct fid *SENT;
static int NSENT;

static void sent_set(const int *fds, int n) {
        free(SENT);
        SENT = calloc(n > 0 ? n : 1, sizeof *SENT);
        NSENT = n;
        for (int i = 0; i < n; i++) {
                struct stat st;
                if (fds && fstat(fds[i], &st) == 0)
                        SENT[i] = (struct fid) { st.st_dev, st.st_ino, 1 };
        }
}
static void sent_clear(void) { sent_set(NULL, 0); }

/* ------------------------------------------------------------------ receivers */

struct rcv { char label[16]; int fd; };
static struct rcv RCV[16];
static int NRCV;

static int rcv_add_raw(const char *label, int type, const char *sun_path, size_t sun_len, int passcred) {
        int fd = bind_unix(type, sun_path, sun_len);
        if (passcred) {
                int one = 1;
                if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
                        die("SO_PASSCRED");
        }
        if (type == SOCK_DGRAM && label) {
                if (NRCV >= 16) {
                        errno = ENOSPC;
                        die("too many receivers");
                }
                snprintf(RCV[NRCV].label, sizeof RCV[NRCV].label, "%s", label);
                RCV[NRCV++].fd = fd;
        }
        return fd;
}

/* addr: "/path" (bound with the NUL counted) or "@name" (abstract, no NUL counted) */
static int rcv_add(const char *label, int type, const char *addr) {
        size_t l = strlen(addr);
        if (addr[0] == '@') {
                char tmp[sizeof(((struct sockaddr_un *) 0)->sun_path)];
                tmp[0] = 0;
                memcpy(tmp + 1, addr + 1, l - 1);
                return rcv_add_raw(label, type, tmp, l, 1);
        }
        unlink(addr);
        int fd = rcv_add_raw(label, type, addr, l + 1 > 108 ? 108 : l + 1, 1);
        chmod(addr, 0777);
        return fd;
}

static void rcv_remove(int fd) {
        for (int i = 0; i < NRCV; i++)
                if (RCV[i].fd == fd) {
                        RCV[i] = RCV[--NRCV];
                        break;
                }
        close(fd);
}

static unsigned char *RBUF;
#define RBUF_SIZE (17u << 20)

static void describe_fds(const int *got, int n, char *out, size_t outn) {
        size_t o = 0;
        o += snprintf(out + o, outn - o, " fds=%d", n);
        if (n == 0 || NSENT < 0) /* NSENT < 0: the library made the fd (barrier); no identity check */
                return;
        int same = 0;
        char *kinds = calloc(n, 1);
        for (int i = 0; i < n; i++) {
                struct stat st;
                char k = '?';
                if (fstat(got[i], &st) == 0) {
                        if (i < NSENT && SENT[i].ok && SENT[i].dev == st.st_dev && SENT[i].ino == st.st_ino)
                                k = 's';
                        else
                                k = 'd';
                }
                kinds[i] = k;
                if (k == 's')
                        same++;
        }
        if (n <= 8) {
                o += snprintf(out + o, outn - o, "(");
                for (int i = 0; i < n; i++)
                        o += snprintf(out + o, outn - o, "%s%s", i ? "," : "",
                                      kinds[i] == 's' ? "same" : kinds[i] == 'd' ? "DIFFERENT" : "BAD");
                o += snprintf(out + o, outn - o, ")");
        } else if (same == n)
                o += snprintf(out + o, outn - o, "(all same, in order)");
        else {
                int first = 0;
                while (first < n && kinds[first] == 's')
                        first++;
                o += snprintf(out + o, outn - o, "(%d same, first mismatch at #%d)", same, first);
        }
        if (n != NSENT)
                o += snprintf(out + o, outn - o, " SENT=%d", NSENT);
        free(kinds);
}

/* When set, received fds are kept open in KEPT[] instead of being closed (barrier receivers). */
static int KEEP_FDS;
static int KEPT[16];
static int NKEPT;

/* Extra facts about a received barrier fd: file type, access mode, O_NONBLOCK. */
static int DESCRIBE_FD_KIND;

static void fd_kind(int fd, char *out, size_t n) {
        struct stat st;
        int fl = fcntl(fd, F_GETFL);
        if (fstat(fd, &st) < 0 || fl < 0) {
                snprintf(out, n, "[bad]");
                return;
        }
        snprintf(out, n, "[%s %s%s]", S_ISFIFO(st.st_mode) ? "fifo" : S_ISSOCK(st.st_mode) ? "socket" : "other",
                 (fl & O_ACCMODE) == O_WRONLY ? "wronly" : (fl & O_ACCMODE) == O_RDONLY ? "rdonly" : "rdwr",
                 fl & O_NONBLOCK ? " nonblock" : "");
}

/* Receive one datagram from fd (non-blocking) and describe it; return 0 if none. */
static int rcv_one(int fd, pid_t caller, char *out, size_t outn) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 300) + CMSG_SPACE(sizeof(struct ucred)) + 256];
        } ctl;
        struct iovec iov = { RBUF, RBUF_SIZE };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl };
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0) {
                if (errno == EAGAIN)
                        return 0;
                snprintf(out, outn, " recvmsg:%s", strerrorname_np(errno));
                return 1;
        }
        size_t o = 0;
        if ((size_t) n <= 96) {
                char e[4 * 96 + 1];
                esc(RBUF, n, e);
                o += snprintf(out + o, outn - o, " [%zd]\"%s\"", n, e);
        } else {
                char e1[4 * 24 + 1], e2[4 * 8 + 1];
                size_t got = (size_t) n > RBUF_SIZE ? RBUF_SIZE : (size_t) n;
                esc(RBUF, 24, e1);
                esc(RBUF + got - 8, 8, e2);
                o += snprintf(out + o, outn - o, " [%zd]\"%s\"...\"%s\" fnv=%016" PRIx64, n, e1, e2, fnv(RBUF, got));
        }
        if (mh.msg_flags & MSG_TRUNC)
                o += snprintf(out + o, outn - o, " TRUNC");
        if (mh.msg_flags & MSG_CTRUNC)
                o += snprintf(out + o, outn - o, " CTRUNC");
        int nf = 0, *got = NULL, ncred = 0;
        struct ucred uc = { 0 };
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        got = realloc(got, (nf + k) * sizeof(int));
                        memcpy(got + nf, CMSG_DATA(c), k * sizeof(int));
                        nf += k;
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                        memcpy(&uc, CMSG_DATA(c), sizeof uc);
                        ncred++;
                } else
                        o += snprintf(out + o, outn - o, " cmsg?(%d,%d)", c->cmsg_level, c->cmsg_type);
        }
        describe_fds(got, nf, out + o, outn - o);
        o += strlen(out + o);
        if (DESCRIBE_FD_KIND)
                for (int i = 0; i < nf; i++) {
                        char k[64];
                        fd_kind(got[i], k, sizeof k);
                        o += snprintf(out + o, outn - o, "%s", k);
                }
        for (int i = 0; i < nf; i++) {
                if (KEEP_FDS && NKEPT < 16)
                        KEPT[NKEPT++] = got[i];
                else
                        close(got[i]);
        }
        free(got);
        if (ncred == 1)
                o += snprintf(out + o, outn - o, " cred=pid:%s,uid:%u,gid:%u", pid_sym(uc.pid, caller), uc.uid, uc.gid);
        else
                o += snprintf(out + o, outn - o, " creds=%d", ncred);
        return 1;
}

/* Drain all receivers into out: what each got, or " <none>". */
static void drain_str(char *out, size_t outn, pid_t caller, int poll_ms) {
        struct pollfd pf[16];
        static char line[1 << 14];
        size_t o = 0;
        int any = 0;
        out[0] = 0;
        for (int i = 0; i < NRCV; i++)
                pf[i] = (struct pollfd) { RCV[i].fd, POLLIN, 0 };
        (void) poll(pf, NRCV, poll_ms);
        for (int i = 0; i < NRCV; i++) {
                int k = 0;
                while (rcv_one(RCV[i].fd, caller, line, sizeof line)) {
                        o += snprintf(out + o, o < outn ? outn - o : 0, " %s#%d:%s", RCV[i].label, ++k, line);
                        any = 1;
                        if (k > 20)
                                break;
                }
        }
        if (!any)
                snprintf(out, outn, " <none>");
}

/* Drain all receivers and print what arrived (or " <none>"). */
static void drain_all(pid_t caller, int poll_ms) {
        static char buf[1 << 16];
        drain_str(buf, sizeof buf, caller, poll_ms);
        fputs(buf, stdout);
}

/* ------------------------------------------------------------------ case runner */

struct cres {
        int r;
        int leak;            /* change in the number of open fds across the call */
        int sent_closed;     /* sent fds that were closed by the call */
        pid_t caller;
        long elapsed_ms;
        int died;            /* child: terminated by this signal */
        char env[1024];
        char note[256];
};

/* Optional hook run right after the call (in the calling process) to add to the note. */
static void (*POST)(struct cres *) __attribute__((unused));

static int *CUR_FDS;
static int CUR_NFDS;

static void check_sent_open(struct cres *c) {
        c->sent_closed = 0;
        for (int i = 0; i < CUR_NFDS && CUR_FDS; i++)
                if (CUR_FDS[i] >= 0 && SENT && i < NSENT && SENT[i].ok && fcntl(CUR_FDS[i], F_GETFD) < 0)
                        c->sent_closed++;
}

/* Coarse timing assertions printed by print_result when > 0. */
static int MIN_MS, MAX_MS;

static void print_result(const char *name, const struct cres *c) {
        printf("%-58s r=%s", name, c->died ? "<died>" : rs(c->r));
        if (c->died)
                printf(" signal=%s", sigabbrev_np(c->died) ? sigabbrev_np(c->died) : "?");
        if (c->note[0])
                printf(" %s", c->note);
        if (c->leak)
                printf(" FDLEAK=%+d", c->leak);
        if (c->sent_closed)
                printf(" SENT-FDS-CLOSED=%d", c->sent_closed);
        printf(" {%s}", c->env);
        if (MIN_MS > 0)
                printf(" took>=%dms:%s", MIN_MS, c->elapsed_ms >= MIN_MS ? "yes" : "NO");
        if (MAX_MS > 0)
                printf(" took<%dms:%s", MAX_MS, c->elapsed_ms < MAX_MS ? "yes" : "NO");
}

static void end_line(void) {
        printf("\n");
        fflush(stdout);
}

/* Run `call` in this process. */
#define RUN(name, call)                                                                 \
        do {                                                                            \
                struct cres _c = { 0 };                                                 \
                int _f0 = count_fds();                                                  \
                long _t0 = now_ms();                                                    \
                _c.r = (call);                                                          \
                _c.elapsed_ms = now_ms() - _t0;                                         \
                _c.leak = count_fds() - _f0;                                            \
                _c.caller = getpid();                                                   \
                check_sent_open(&_c);                                                   \
                env_state(_c.env, sizeof _c.env);                                       \
                if (POST)                                                               \
                        POST(&_c);                                                      \
                print_result(name, &_c);                                                \
                drain_all(_c.caller, 10);                                               \
                end_line();                                                             \
        } while (0)

/* Parent side of a child case: read the result, reap, print, drain. */
static void child_finish(const char *name, pid_t pid, int rfd, struct cres *out) {
        struct cres c = { 0 };
        struct pollfd pf = { rfd, POLLIN, 0 };
        ssize_t n = -1;
        int st, timed_out = 0;
        if (poll(&pf, 1, 30000) == 1)
                n = read(rfd, &c, sizeof c);
        else {
                timed_out = 1;
                kill(pid, SIGKILL);
        }
        close(rfd);
        if (waitpid(pid, &st, 0) < 0)
                die("waitpid");
        if (n != (ssize_t) sizeof c) {
                memset(&c, 0, sizeof c);
                c.caller = pid;
                c.died = WIFSIGNALED(st) ? WTERMSIG(st) : -1;
                if (timed_out)
                        snprintf(c.note, sizeof c.note, "HUNG(killed after 30s)");
                else if (c.died < 0)
                        snprintf(c.note, sizeof c.note, "child exited %d without a result", WEXITSTATUS(st));
                snprintf(c.env, sizeof c.env, "?");
        }
        print_result(name, &c);
        if (out)
                *out = c;
}

/* Run `setup; call` in a forked child.  `setup` may fail with CHILD_FAIL("why"). */
#define CHILD_FAIL(why)                                                                 \
        do {                                                                            \
                struct cres _e = { 0 };                                                 \
                _e.r = 0;                                                               \
                _e.caller = getpid();                                                   \
                snprintf(_e.note, sizeof _e.note, "SETUP-FAILED(%s: %s)", why,          \
                         strerrorname_np(errno) ?: "?");                                \
                snprintf(_e.env, sizeof _e.env, "?");                                   \
                (void) !write(_wfd, &_e, sizeof _e);                                    \
                _exit(0);                                                               \
        } while (0)

#define RUN_CHILD(name, setup, call)                                                    \
        do {                                                                            \
                int _p[2];                                                              \
                if (pipe2(_p, O_CLOEXEC) < 0)                                           \
                        die("pipe");                                                    \
                pid_t _pid = fork_flushed();                                            \
                if (_pid == 0) {                                                        \
                        int _wfd = _p[1];                                               \
                        close(_p[0]);                                                   \
                        alarm(20);                                                      \
                        (void) _wfd;                                                    \
                        setup;                                                          \
                        struct cres _c = { 0 };                                         \
                        int _f0 = count_fds();                                          \
                        long _t0 = now_ms();                                            \
                        _c.r = (call);                                                  \
                        _c.elapsed_ms = now_ms() - _t0;                                 \
                        _c.leak = count_fds() - _f0;                                    \
                        _c.caller = getpid();                                           \
                        check_sent_open(&_c);                                           \
                        env_state(_c.env, sizeof _c.env);                               \
                        if (POST)                                                       \
                                POST(&_c);                                              \
                        (void) !write(_wfd, &_c, sizeof _c);                            \
                        _exit(0);                                                       \
                }                                                                       \
                close(_p[1]);                                                           \
                struct cres _res;                                                       \
                child_finish(name, _pid, _p[0], &_res);                                 \
                drain_all(_res.caller, 10);                                             \
                end_line();                                                             \
        } while (0)

/* Setup helpers for children. */
#define BECOME(ruid, euid, suid, rgid, egid, sgid)                                      \
        do {                                                                            \
                if (setgroups(0, NULL) < 0) CHILD_FAIL("setgroups");                    \
                if (setresgid(rgid, egid, sgid) < 0) CHILD_FAIL("setresgid");           \
                if (setresuid(ruid, euid, suid) < 0) CHILD_FAIL("setresuid");           \
                prctl(PR_SET_DUMPABLE, 1); /* keep /proc/self/fd readable */            \
        } while (0)

static void on_signal(int sig) {
        (void) sig;
}

/* Deliver SIGALRM after ms milliseconds and then every ms milliseconds (a handler that does
 * nothing; with SA_RESTART if restart). */
static void start_signal_timer(int ms, int restart) {
        struct sigaction sa = { .sa_handler = on_signal, .sa_flags = restart ? SA_RESTART : 0 };
        struct itimerval it = { { ms / 1000, (ms % 1000) * 1000 }, { ms / 1000, (ms % 1000) * 1000 } };
        sigaction(SIGALRM, &sa, NULL);
        setitimer(ITIMER_REAL, &it, NULL);
}

/* Leave exactly `nfree` free slots in a table of 64 fds (the lowest ones closed last). */
static int fill_fd_table(int nfree) {
        struct rlimit rl = { 64, 64 };
        int fds[64], n = 0;
        int base = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (base < 0 || setrlimit(RLIMIT_NOFILE, &rl) < 0)
                return -1;
        for (;;) {
                int fd = fcntl(base, F_DUPFD_CLOEXEC, 0);
                if (fd < 0) {
                        if (errno == EMFILE)
                                break;
                        return -1;
                }
                if (n < 64)
                        fds[n++] = fd;
        }
        for (int i = 0; i < nfree && n > 0; i++)
                close(fds[--n]);
        return 0;
}

/* ------------------------------------------------------------------ barrier receivers
 *
 * A barrier call blocks until every copy of the fd it sent is closed, so whoever receives must
 * act while the call waits: a forked receiver child.
 */
enum { ACT_CLOSE, ACT_SLEEP_CLOSE, ACT_HOLD, ACT_WRITE_HOLD, ACT_WRITE_CLOSE };

struct brecv { pid_t pid; int report; int release; };

/* Fork a receiver child on socket fd `sock`.  It waits up to 10 s for one datagram, reports it
 * (described as if sent by the main process) and then acts on the fd it got. */
static struct brecv barrier_receiver(int sock, int action, int ms) {
        int rep[2], rel[2];
        if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(rel, O_CLOEXEC) < 0)
                die("pipe");
        pid_t pid = fork_flushed();
        if (pid == 0) {
                char line[4096] = " <nothing within 10s>";
                close(rep[0]);
                close(rel[1]);
                alarm(20);
                struct pollfd pf = { sock, POLLIN, 0 };
                KEEP_FDS = 1;
                NKEPT = 0;
                DESCRIBE_FD_KIND = 1;
                if (poll(&pf, 1, 10000) == 1)
                        rcv_one(sock, MAINPID, line, sizeof line);
                (void) !write(rep[1], line, strlen(line));
                close(rep[1]);
                switch (action) {
                case ACT_CLOSE:
                        break;
                case ACT_SLEEP_CLOSE:
                        usleep(ms * 1000);
                        break;
                case ACT_WRITE_CLOSE:
                        for (int i = 0; i < NKEPT; i++)
                                (void) !write(KEPT[i], "x", 1);
                        break;
                case ACT_WRITE_HOLD:
                        for (int i = 0; i < NKEPT; i++)
                                (void) !write(KEPT[i], "x", 1);
                        /* fall through */
                case ACT_HOLD: {
                        char c;
                        (void) !read(rel[0], &c, 1);
                        break;
                }
                }
                for (int i = 0; i < NKEPT; i++)
                        close(KEPT[i]);
                _exit(0);
        }
        close(rep[1]);
        close(rel[0]);
        return (struct brecv) { pid, rep[0], rel[1] };
}

/* Collect the child's report into out (" <no report>" if none), release it and reap it. */
static void barrier_receiver_collect(struct brecv *b, char *out, size_t outn) {
        struct pollfd pf = { b->report, POLLIN, 0 };
        ssize_t n = 0;
        if (poll(&pf, 1, 10000) == 1)
                n = read(b->report, out, outn - 1);
        out[n > 0 ? n : 0] = 0;
        if (n <= 0)
                snprintf(out, outn, " <no report>");
        close(b->release); /* releases a holding child */
        close(b->report);
        waitpid(b->pid, NULL, 0);
}

static void barrier_receiver_finish(struct brecv *b) {
        char line[4096];
        barrier_receiver_collect(b, line, sizeof line);
        printf(" receiver:%s", line);
}

#endif
