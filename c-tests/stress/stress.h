/* Shared helpers of the stress programs (c-tests/stress/ (one program per scenario)), run by tests/suites/72-stress.sh.
 *
 * Each program is built ONCE against Debian's <systemd/sd-daemon.h> and -lsystemd and run on the
 * system library and with LD_LIBRARY_PATH=$SDLITE_BUILD.  stdout carries only what must be the
 * same on both (verdicts, return values, counts that do not depend on timing); stderr carries
 * "libsystemd: PATH" (the library mapped) and timings, which are not compared.  A program exits 0
 * when every check it makes held, 1 when one failed, 2 when it could not set itself up.
 */
#ifndef SDLITE_STRESS_H
#define SDLITE_STRESS_H

#define _GNU_SOURCE
#include <systemd/sd-daemon.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *PROG = "stress";
static int FAILED;

#define TESTLIB_PROG PROG /* die() prints the name stress_init() was given */
#include "../common/testlib.h"

/* One verdict line on stdout: "ok: what" or "FAIL: what (details)". */
__attribute__((format(printf, 2, 3))) static inline void check(int ok, const char *fmt, ...) {
        va_list ap;
        printf("%s: ", ok ? "ok" : "FAIL");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
        if (!ok)
                FAILED = 1;
}

static inline void sleep_ms(long ms) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* A "VmRSS:" style field of /proc/self/status, in KiB (-1 if missing). */
static inline long vm_kib(const char *field) {
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        long v = -1;
        size_t n = strlen(field);
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (!strncmp(line, field, n) && line[n] == ':') {
                        v = strtol(line + n + 1, NULL, 10);
                        break;
                }
        fclose(f);
        return v;
}

/* ------------------------------------------------------------------ scratch and receivers */

static char DIRPATH[64];
static pid_t MAINPID;

static inline void cleanup_dir(void) {
        if (getpid() != MAINPID || !DIRPATH[0])
                return;
        DIR *d = opendir(DIRPATH);
        struct dirent *e;
        if (d) {
                while ((e = readdir(d))) {
                        char p[PATH_MAX];
                        if (e->d_name[0] == '.')
                                continue;
                        snprintf(p, sizeof p, "%s/%s", DIRPATH, e->d_name);
                        unlink(p);
                }
                closedir(d);
        }
        rmdir(DIRPATH);
}

static inline void stress_init(const char *prog) {
        PROG = prog;
        setvbuf(stdout, NULL, _IOLBF, 0);
        MAINPID = getpid();
        if (report_library() < 0)
                die("open /proc/self/maps");
        make_scratch_dir(DIRPATH, sizeof DIRPATH, "sdlite-stress.XXXXXX");
        chmod(DIRPATH, 0755);
        atexit(cleanup_dir);
        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        signal(SIGPIPE, SIG_IGN);
}

/* "$DIR/name" in a static rotating buffer. */
static inline const char *path_of(const char *name) {
        return dir_path(DIRPATH, name);
}

/* A datagram socket bound to `path` (unlinked first), SO_PASSCRED on. */
static inline int bind_receiver(const char *path, int flags) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | flags, 0), one = 1;
        if (fd < 0)
                die("socket");
        if (strlen(path) >= sizeof sa.sun_path) {
                errno = ENAMETOOLONG;
                die("bind_receiver");
        }
        if (path[0] == '@') {
                memcpy(sa.sun_path + 1, path + 1, strlen(path) - 1);
                if (bind(fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + strlen(path)) < 0)
                        die("bind abstract");
        } else {
                unlink(path);
                strcpy(sa.sun_path, path);
                if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                        die("bind");
        }
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
                die("SO_PASSCRED");
        return fd;
}

/* One datagram: its bytes (NUL-terminated in buf), the credentials and the fds it carried
 * (closed, counted).  Returns the length, or -errno (-EAGAIN when nothing within timeout_ms). */
struct dgram {
        ssize_t len;
        struct ucred cred;
        int has_cred;
        int nfds;
        int fds[8];
        int ctrunc;
};

static inline ssize_t recv_dgram(int fd, char *buf, size_t size, int timeout_ms, struct dgram *d, int keep_fds) {
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * 8) + CMSG_SPACE(sizeof(struct ucred))];
        } ctl;
        struct iovec iov = { buf, size - 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl };
        memset(d, 0, sizeof *d);
        if (timeout_ms >= 0) {
                struct pollfd pf = { fd, POLLIN, 0 };
                int n = poll(&pf, 1, timeout_ms);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EAGAIN;
        }
        ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | (timeout_ms >= 0 ? MSG_DONTWAIT : 0));
        if (n < 0)
                return -errno;
        buf[n] = 0;
        d->len = n;
        d->ctrunc = !!(mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC));
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int k = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                        int got[8];
                        memcpy(got, CMSG_DATA(c), (size_t) (k > 8 ? 8 : k) * sizeof(int));
                        for (int i = 0; i < k && i < 8; i++) {
                                if (keep_fds && d->nfds < 8)
                                        d->fds[d->nfds] = got[i];
                                else
                                        close(got[i]);
                                d->nfds++;
                        }
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                        memcpy(&d->cred, CMSG_DATA(c), sizeof d->cred);
                        d->has_cred = 1;
                }
        }
        return n;
}

/* Drain everything queued on fd without blocking; returns how many datagrams. */
static inline int drain(int fd) {
        char buf[512];
        struct dgram d;
        int n = 0;
        while (recv_dgram(fd, buf, sizeof buf, 0, &d, 0) >= 0)
                n++;
        return n;
}

/* Fill the receive queue of the socket bound at `path` with 1-byte datagrams from a
 * non-blocking socket until the kernel says EAGAIN; returns how many fit. */
static inline int fill_queue(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), n = 0;
        if (s < 0)
                die("socket");
        strcpy(sa.sun_path, path);
        while (sendto(s, "f", 1, 0, (struct sockaddr *) &sa, sizeof sa) == 1)
                n++;
        if (errno != EAGAIN)
                die("fill_queue");
        close(s);
        return n;
}

#endif
