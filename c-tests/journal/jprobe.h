/* c-tests/journal/jprobe.h -- the probe side of the journal differential tests.
 *
 * A probe is built ONCE against Debian's <systemd/sd-journal.h> and -lsystemd and run twice
 * (libsystemd 252, then sdlite through LD_LIBRARY_PATH); both runs must print the same bytes.
 * It must run as root inside a private mount namespace with a fresh tmpfs on /run/systemd
 * (the suite does `unshare -m --propagation private` and mounts it); $FAKE_JOURNALD names the
 * fake-journald binary, which the probe starts as its child (jp_start()).
 *
 *   jp_start()            start the fake journald (state "normal"); report_library() on stderr
 *   jp_cmd(fmt, ...)      one command to the fake; dies unless it answers "OK"
 *   jp_ask(line)          one command to the fake; its reply (malloc'd)
 *   jp_state(name)        jp_cmd("STATE name")
 *   jp_collect()          what the fake recorded since the last collection, printed on stdout
 *                         ("  -" when nothing came)
 *   J(call)               errno = jp_errno; r = call; print "call = r errno=E [fds+N]" and collect.
 *                         The label is the call's source text; JL(label, call) gives another.
 *   jp_errno              the errno value set before each J() call (default EXDEV)
 *   jp_sfd(label, r, e, payload)
 *                         report a sd_journal_stream_fd() result: the fd's properties, then write
 *                         payload (may be NULL) to it, close it, collect
 *   jp_lib_sockets()      one line describing the sockets this process holds that the probe did
 *                         not open itself (the library's): type, CLOEXEC, O_NONBLOCK, SO_SNDBUF,
 *                         bound name, peer
 *   jp_lib_dgram_fd()     the library's datagram socket (-1 if none or several)
 *   errname(e)            "EXDEV", "0", "-5", "99999"
 * Only the probe process writes to stdout, one deterministic line per fact: no fd numbers, pids,
 * paths under $TMPDIR or timings.
 */
#ifndef JPROBE_H
#define JPROBE_H

#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#ifndef TESTLIB_PROG
#define TESTLIB_PROG "journal-probe"
#endif
#include "../common/testlib.h"
#include "jcommon.h"

#define JP_MAXFD 4096
static unsigned char jp_own[JP_MAXFD]; /* fds the probe opened itself */
static int jp_ctl = -1, jp_mark = -1;
static long jp_seq;
static int jp_errno __attribute__((unused)) = EXDEV;
static pid_t jp_fake_pid;

static void jp_own_fd(int fd) {
        if (fd >= 0 && fd < JP_MAXFD)
                jp_own[fd] = 1;
}
static void jp_disown_fd(int fd) {
        if (fd >= 0 && fd < JP_MAXFD)
                jp_own[fd] = 0;
}

static const char *errname(int e) {
        static char b[8][32];
        static int i;
        char *p = b[i++ & 7];
        const char *n = e > 0 ? strerrorname_np(e) : NULL;
        if (n)
                snprintf(p, 32, "%s", n);
        else
                snprintf(p, 32, "%d", e);
        return p;
}

static void jp_send_all(int fd, const char *s, size_t n) {
        while (n) {
                ssize_t k = write(fd, s, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        die("write");
                }
                s += k;
                n -= (size_t) k;
        }
}

/* the fake's reply up to its NUL, malloc'd */
static char *jp_reply(void) {
        struct sbuf b = { 0 };
        char c[65536];
        for (;;) {
                ssize_t k = read(jp_ctl, c, sizeof c);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        fprintf(stderr, "%s: FATAL: fake-journald went away\n", TESTLIB_PROG);
                        exit(2);
                }
                char *z = memchr(c, 0, (size_t) k);
                sb_add(&b, c, z ? (size_t) (z - c) : (size_t) k);
                if (z)
                        break;
        }
        if (!b.p)
                sb_add(&b, "", 0);
        return b.p;
}

/* one command line to the fake; its reply, malloc'd */
static char *jp_ask(const char *cmd) {
        char line[1024];
        snprintf(line, sizeof line, "%s\n", cmd);
        jp_send_all(jp_ctl, line, strlen(line));
        return jp_reply();
}

__attribute__((format(printf, 1, 2))) static void jp_cmd(const char *fmt, ...) {
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line - 1, fmt, ap);
        va_end(ap);
        strcat(line, "\n");
        jp_send_all(jp_ctl, line, strlen(line));
        char *r = jp_reply();
        if (strcmp(r, "OK") != 0) {
                fprintf(stderr, "%s: FATAL: fake-journald: %s -> %s\n", TESTLIB_PROG, line, r);
                exit(2);
        }
        free(r);
}

static void jp_state(const char *s) {
        jp_cmd("STATE %s", s);
}

static void jp_start(void) {
        const char *fake = getenv("FAKE_JOURNALD");
        int sv[2];
        if (!fake) {
                fprintf(stderr, "%s: FATAL: $FAKE_JOURNALD is not set\n", TESTLIB_PROG);
                exit(2);
        }
        report_library();
        for (int fd = 0; fd < 3; fd++)
                jp_own_fd(fd);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                die("socketpair");
        fflush(stdout);
        fflush(stderr);
        jp_fake_pid = fork();
        if (jp_fake_pid < 0)
                die("fork");
        if (jp_fake_pid == 0) {
                char a[16];
                int fd = fcntl(sv[1], F_DUPFD, 10); /* without CLOEXEC */
                snprintf(a, sizeof a, "%d", fd);
                execl(fake, "fake-journald", a, (char *) NULL);
                _exit(127);
        }
        close(sv[1]);
        jp_ctl = sv[0];
        jp_own_fd(jp_ctl);
        char *r = jp_reply();
        if (strcmp(r, "READY") != 0) {
                fprintf(stderr, "%s: FATAL: fake-journald said %s\n", TESTLIB_PROG, r);
                exit(2);
        }
        free(r);
        jp_mark = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (jp_mark < 0)
                die("socket");
        jp_own_fd(jp_mark);
}

static void jp_stop(void) {
        jp_cmd("QUIT");
        int st;
        waitpid(jp_fake_pid, &st, 0);
}

/* the records since the last collection, as text (malloc'd) */
static char *jp_collect_text(void) {
        char m[64];
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = FJD_SOCKET };
        snprintf(m, sizeof m, FJD_MARK "%ld", ++jp_seq);
        if (sendto(jp_mark, m, strlen(m), 0, (struct sockaddr *) &sa, sizeof sa) < 0)
                die("send marker");
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un so = { .sun_family = AF_UNIX, .sun_path = FJD_STDOUT };
        if (s < 0 || connect(s, (struct sockaddr *) &so, sizeof so) < 0)
                die("connect marker");
        jp_send_all(s, m, strlen(m));
        close(s);
        char c[64];
        snprintf(c, sizeof c, "COLLECT %ld\n", jp_seq);
        jp_send_all(jp_ctl, c, strlen(c));
        return jp_reply();
}

static void jp_collect(void) {
        char *t = jp_collect_text();
        fputs(*t ? t : "  -\n", stdout);
        fflush(stdout);
        free(t);
}

/* ------------------------------------------------------------------ the library's sockets */

static void jp_describe_sock(struct sbuf *o, int fd) {
        int type = 0, v = 0;
        socklen_t l = sizeof type;
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l);
        l = sizeof v;
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l);
        int fdfl = fcntl(fd, F_GETFD), fl = fcntl(fd, F_GETFL);
        sb_printf(o, "[%s cloexec=%d nonblock=%d fl=0%o sndbuf=%d",
                  type == SOCK_DGRAM ? "dgram" : type == SOCK_STREAM ? "stream" : type == SOCK_SEQPACKET ? "seqpacket" : "?",
                  !!(fdfl & FD_CLOEXEC), !!(fl & O_NONBLOCK), (unsigned) fl, v);
        int pc = 0;
        l = sizeof pc;
        if (getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &pc, &l) == 0 && pc)
                sb_add(o, " passcred", 9);
        struct sockaddr_un sa;
        l = sizeof sa;
        memset(&sa, 0, sizeof sa);
        if (getsockname(fd, (struct sockaddr *) &sa, &l) == 0) {
                if (l <= offsetof(struct sockaddr_un, sun_path))
                        sb_add(o, " name=unnamed", 13);
                else if (sa.sun_path[0] == 0)
                        sb_add(o, " name=abstract", 14);
                else {
                        sb_add(o, " name=", 6);
                        sb_quoted(o, sa.sun_path, strnlen(sa.sun_path, l - offsetof(struct sockaddr_un, sun_path)));
                }
        }
        l = sizeof sa;
        memset(&sa, 0, sizeof sa);
        if (getpeername(fd, (struct sockaddr *) &sa, &l) == 0) {
                sb_add(o, " peer=", 6);
                if (l <= offsetof(struct sockaddr_un, sun_path))
                        sb_add(o, "unnamed", 7);
                else
                        sb_quoted(o, sa.sun_path, strnlen(sa.sun_path, l - offsetof(struct sockaddr_un, sun_path)));
        } else
                sb_printf(o, " peer=-%s", strerrorname_np(errno));
        sb_add(o, "]", 1);
}

/* fds of sockets the probe did not open, in fd order; returns their number */
static int jp_lib_socket_fds(int *out, int max) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;
        if (!d)
                die("opendir /proc/self/fd");
        int dfd = dirfd(d);
        int all[JP_MAXFD], na = 0;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                int fd = atoi(e->d_name);
                if (fd == dfd || (fd < JP_MAXFD && jp_own[fd]))
                        continue;
                struct stat st;
                if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && na < JP_MAXFD)
                        all[na++] = fd;
        }
        closedir(d);
        for (int i = 0; i < na; i++) /* sort */
                for (int j = i + 1; j < na; j++)
                        if (all[j] < all[i]) {
                                int t = all[i];
                                all[i] = all[j];
                                all[j] = t;
                        }
        for (int i = 0; i < na && n < max; i++)
                out[n++] = all[i];
        return na;
}

static void jp_lib_sockets(const char *when) {
        int fds[16];
        int n = jp_lib_socket_fds(fds, 16);
        struct sbuf o = { 0 };
        sb_printf(&o, "library sockets %s: %d", when, n);
        for (int i = 0; i < n && i < 16; i++) {
                sb_add(&o, " ", 1);
                jp_describe_sock(&o, fds[i]);
                if (fds[i] < 3)
                        sb_add(&o, "(fd<3)", 6);
        }
        printf("%s\n", o.p);
        fflush(stdout);
        free(o.p);
}

static int jp_lib_dgram_fd(void) {
        int fds[16];
        int n = jp_lib_socket_fds(fds, 16);
        return n == 1 ? fds[0] : -1;
}

/* ------------------------------------------------------------------ reporting */

static void jp_line(const char *label, int r, int e, int fds_before) {
        int d = count_fds() - fds_before;
        printf("%s = %s errno=%s", label, rs(r), errname(e));
        if (d)
                printf(" fds%+d", d);
        printf("\n");
        fflush(stdout);
        jp_collect();
}

#define JL(label, call)                                   \
        do {                                              \
                int fb_ = count_fds();                    \
                errno = jp_errno;                         \
                int r_ = (call);                          \
                int e_ = errno;                           \
                jp_line((label), r_, e_, fb_);            \
        } while (0)
#define J(call) JL(#call, call)

/* A stream fd: its properties, then payload written to it, then closed; then collect. */
static void jp_sfd(const char *label, int r, int e, const char *payload) {
        struct sbuf o = { 0 };
        sb_printf(&o, "%s = %s errno=%s", label, r >= 0 ? "FD" : rs(r), errname(e));
        if (r >= 0) {
                if (r < 3)
                        sb_printf(&o, " fd=%d", r);
                sb_add(&o, " ", 1);
                jp_describe_sock(&o, r);
                char c;
                ssize_t k = recv(r, &c, 1, MSG_DONTWAIT);
                sb_printf(&o, " recv=%s", k == 0 ? "0" : k > 0 ? "data" : errname(errno));
                if (payload) {
                        ssize_t w = send(r, payload, strlen(payload), MSG_NOSIGNAL);
                        sb_printf(&o, " wrote=%zd", w);
                }
                close(r);
        }
        printf("%s\n", o.p);
        fflush(stdout);
        free(o.p);
        jp_collect();
}

#define JS(call, payload)                                 \
        do {                                              \
                int fb_ = count_fds();                    \
                errno = jp_errno;                         \
                int r_ = (call);                          \
                int e_ = errno;                           \
                jp_sfd(#call, r_, e_, (payload));         \
                int d_ = count_fds() - fb_;               \
                if (d_)                                   \
                        printf("  fds%+d after close\n", d_); \
        } while (0)

/* the child's exit status as text: "exit N" or "killed by SIGNAME" */
static const char *jp_status(int st) {
        static char b[64];
        if (WIFEXITED(st))
                snprintf(b, sizeof b, "exit %d", WEXITSTATUS(st));
        else if (WIFSIGNALED(st))
                snprintf(b, sizeof b, "killed by SIG%s", sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
        else
                snprintf(b, sizeof b, "status 0x%x", st);
        return b;
}

static int jp_wait(pid_t p) {
        int st;
        while (waitpid(p, &st, 0) < 0)
                if (errno != EINTR)
                        die("waitpid");
        return st;
}

static void section(const char *s) {
        printf("== %s\n", s);
        fflush(stdout);
}

#endif
