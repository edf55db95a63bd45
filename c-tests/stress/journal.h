/* Shared helpers of the journal stress programs (c-tests/stress/j*.c), run by
 * tests/suites/72-stress.sh (and 71-sanitizers.sh) on libsystemd 252 and on sdlite.
 *
 * The journal's addresses are fixed (/run/systemd/journal/socket and .../stdout), so every
 * program first moves itself into a private mount namespace with an empty tmpfs over
 * /run/systemd (over /run when there is no /run/systemd) and binds its own receivers there:
 * nothing it sends can reach a real journald, and nothing on the host changes.
 * journal_ns_init() exits 77 (with the reason on stderr) when that is impossible (not root,
 * no namespaces): the suite skips, or fails under CI=true.
 *
 * Built against Debian's <systemd/sd-journal.h> with SD_JOURNAL_SUPPRESS_LOCATION, so each
 * call is the function it names; the *_with_location forms are called explicitly.
 */
#ifndef SDLITE_JOURNAL_STRESS_H
#define SDLITE_JOURNAL_STRESS_H

#define SD_JOURNAL_SUPPRESS_LOCATION
#include "stress.h"

#include <dlfcn.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#define JOURNAL_DIR "/run/systemd/journal"
#define JOURNAL_SOCKET JOURNAL_DIR "/socket"
#define JOURNAL_STDOUT JOURNAL_DIR "/stdout"

/* A private mount namespace with an empty tmpfs at /run/systemd; exits 77 when not possible. */
static inline void journal_ns_init(void) {
        const char *where = "/run/systemd";
        struct stat st;
        if (unshare(CLONE_NEWNS) < 0) {
                fprintf(stderr, "%s: SKIP: cannot make a private mount namespace (unshare: %s); needs root\n", PROG,
                        strerror(errno));
                exit(77);
        }
        if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
                fprintf(stderr, "%s: SKIP: cannot make / private in the new namespace: %s\n", PROG, strerror(errno));
                exit(77);
        }
        if (stat(where, &st) < 0 || !S_ISDIR(st.st_mode))
                where = "/run"; /* no /run/systemd here: hide all of /run instead (mkdir would touch the host) */
        if (mount("sdlite-journal-test", where, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=256m") < 0) {
                fprintf(stderr, "%s: SKIP: cannot mount a tmpfs on %s: %s\n", PROG, where, strerror(errno));
                exit(77);
        }
        if (!strcmp(where, "/run") && mkdir("/run/systemd", 0755) < 0)
                die("mkdir /run/systemd");
        if (mkdir(JOURNAL_DIR, 0755) < 0)
                die("mkdir " JOURNAL_DIR);
        if (stat(JOURNAL_SOCKET, &st) == 0 || errno != ENOENT)
                die("the private " JOURNAL_DIR " is not empty");
}

/* The library under test: sdlite exports sd_journal_stream_fd_with_namespace (systemd 256),
 * libsystemd 252 does not.  Used only where the two differ on purpose (README). */
static inline int is_sdlite(void) {
        return dlsym(RTLD_DEFAULT, "sd_journal_stream_fd_with_namespace") != NULL;
}

/* The fake journald: a datagram socket at JOURNAL_SOCKET, SO_PASSCRED on, a large queue. */
static inline int journal_receiver(void) {
        int fd = bind_receiver(JOURNAL_SOCKET, 0), big = 8 << 20;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
        return fd;
}

/* A socket file at `path` nobody listens on (bound, then closed). */
static inline void make_stale(const char *path) {
        close(bind_receiver(path, 0));
}

/* "SYSLOG_IDENTIFIER=<short name>\n", what both libraries append to every entry here. */
static inline const char *ident_line(void) {
        static char line[300];
        if (!line[0])
                snprintf(line, sizeof line, "SYSLOG_IDENTIFIER=%s\n", program_invocation_short_name);
        return line;
}

/* One entry as journald receives it: the datagram's bytes, or, for a 0-byte datagram with one
 * fd, the contents of that memfd (its seals, size and name are checked and reported).  Returns
 * the payload length or -errno (-EAGAIN: nothing within timeout_ms).  `buf` must hold `size`. */
struct jentry {
        struct dgram d;
        int via_memfd;
        int seals;
        int memfd_ok; /* a memfd ("/memfd:sd-..."), sealed 0xF, size = payload */
};

static inline ssize_t recv_entry(int fd, char *buf, size_t size, int timeout_ms, struct jentry *e) {
        memset(e, 0, sizeof *e);
        ssize_t n = recv_dgram(fd, buf, size, timeout_ms, &e->d, 1);
        if (n < 0)
                return n;
        if (n == 0 && e->d.nfds == 1) {
                int mfd = e->d.fds[0];
                struct stat st;
                char link[64], target[256];
                e->via_memfd = 1;
                e->seals = fcntl(mfd, F_GET_SEALS);
                snprintf(link, sizeof link, "/proc/self/fd/%d", mfd);
                ssize_t tl = readlink(link, target, sizeof target - 1);
                target[tl > 0 ? tl : 0] = 0;
                n = -EMSGSIZE;
                if (fstat(mfd, &st) == 0 && (size_t) st.st_size < size) {
                        ssize_t got = pread(mfd, buf, (size_t) st.st_size, 0);
                        if (got == st.st_size) {
                                buf[got] = 0;
                                n = got;
                        }
                }
                e->memfd_ok = e->seals == 0xF && !strncmp(target, "/memfd:sd", 9);
                close(mfd);
                return n;
        }
        for (int i = 0; i < e->d.nfds && i < 8; i++)
                close(e->d.fds[i]);
        return n;
}

/* Whether fd is what the library's journal socket looks like: an unnamed AF_UNIX datagram
 * socket. */
static inline int is_journal_socket(int fd) {
        int v;
        socklen_t l = sizeof v;
        struct sockaddr_un sa;
        socklen_t sl = sizeof sa;
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0 || v != AF_UNIX)
                return 0;
        l = sizeof v;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) < 0 || v != SOCK_DGRAM)
                return 0;
        return getsockname(fd, (struct sockaddr *) &sa, &sl) == 0 && sl <= sizeof(sa_family_t);
}

/* The library's journal sockets: AF_UNIX datagram sockets with no name of their own (every
 * receiver of these programs is bound).  Counted or closed. */
static inline int journal_sockets(int close_them) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0, dfd = d ? dirfd(d) : -1;
        if (!d)
                return -1;
        while ((e = readdir(d))) {
                int fd = atoi(e->d_name);
                if (e->d_name[0] == '.' || fd == dfd || !is_journal_socket(fd))
                        continue;
                n++;
                if (close_them)
                        close(fd);
        }
        closedir(d);
        return n;
}

/* The one fd number the library's journal socket has (-1 when not exactly one). */
static inline int journal_socket_fd(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int found = -1, n = 0, dfd = d ? dirfd(d) : -1;
        if (!d)
                return -1;
        while ((e = readdir(d))) {
                int fd = atoi(e->d_name);
                if (e->d_name[0] == '.' || fd == dfd || !is_journal_socket(fd))
                        continue;
                found = fd;
                n++;
        }
        closedir(d);
        return n == 1 ? found : -1;
}

/* An iovec of a C string. */
static inline struct iovec iov_str(const char *s) {
        return (struct iovec) { (void *) s, strlen(s) };
}

#endif
