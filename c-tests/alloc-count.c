/* alloc-count.c -- how many heap allocations and lock operations each call makes.
 *
 * This program defines (common/alloc-interpose.h) malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, aligned_alloc, memalign, valloc and pvalloc itself (glibc supports replacing malloc this way;
 * each forwards to glibc's __libc_* allocator) and pthread_mutex_lock/trylock,
 * pthread_rwlock_rdlock/wrlock, pthread_spin_lock and sem_wait (forwarding through
 * dlsym(RTLD_NEXT)).  Linked with -rdynamic, so every shared object -- libsystemd.so.0 and libc's
 * own internal callers of malloc -- binds to these.  A thread-local flag limits counting to the
 * calling thread, around one library call at a time.
 *
 * Built against Debian's <systemd/sd-daemon.h> and -lsystemd; run by
 * tests/suites/73-async-signal-safety.sh on the system library and on sdlite.  For each call it
 * prints the allocations and lock operations of the first call and of the next 99, e.g.
 *   sd_notify success                          allocs first=0 next99=0 locks=0  [must be 0]
 * Rows marked [must be 0] are sdlite's contract (README "Contract: threads and signals"); with
 * --expect-zero the program exits 1 when one of them is not 0.  Control rows check that the
 * interposition sees allocations made inside shared objects (strdup, sd_notifyf's vasprintf)
 * and that pthread_mutex_lock resolves to the counting one.
 *
 * usage: alloc-count [--expect-zero]       (run as root: sd_pid_notify for pid 1)
 */
#define _GNU_SOURCE
#include <systemd/sd-daemon.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TESTLIB_PROG "alloc-count"
#include "common/testlib.h"

#include "common/alloc-interpose.h"
#include "common/alloc-rows.h"

/* ------------------------------------------------------------------ helpers (not counted) */

static char DIR_[64];
static int RFD, BFD, INETFD, FIFOFD, MQFD = -1;
static int POOL[3];
static char *BIG, *RBUF;
#define RBUF_SIZE (1 << 20)

static const char *in_dir(const char *name) {
        return dir_path(DIR_, name);
}

/* receive and discard everything queued on fd, closing passed fds */
static void drain(int fd) {
        for (;;) {
                union {
                        struct cmsghdr h;
                        char b[CMSG_SPACE(sizeof(int) * 16) + CMSG_SPACE(sizeof(struct ucred))];
                } ctl;
                struct iovec iov = { RBUF, RBUF_SIZE };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
                                     .msg_controllen = sizeof ctl };
                if (recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
                        return;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                                        close(((int *) CMSG_DATA(c))[i]);
        }
}

/* A receiver thread on the barrier socket: reads each datagram and closes its fd at once, so
 * every sd_notify_barrier() to it returns 1. */
static _Atomic int BSTOP;
static void *barrier_receiver(void *arg) {
        (void) arg;
        while (!BSTOP) {
                struct pollfd pf = { BFD, POLLIN, 0 };
                if (poll(&pf, 1, 50) == 1)
                        drain(BFD);
        }
        return NULL;
}

/* ------------------------------------------------------------------ the measured calls */

static void ns_ok(void) { setenv("NOTIFY_SOCKET", in_dir("n.sock"), 1); }
static void ns_barrier(void) { setenv("NOTIFY_SOCKET", in_dir("b.sock"), 1); }
static void ns_missing(void) { setenv("NOTIFY_SOCKET", in_dir("missing.sock"), 1); }
static void ns_relative(void) { setenv("NOTIFY_SOCKET", "relative.sock", 1); }
static void ns_unset(void) { unsetenv("NOTIFY_SOCKET"); }
static void wd_set(void) {
        char pid[32];
        snprintf(pid, sizeof pid, "%d", (int) getpid());
        setenv("WATCHDOG_USEC", "30000000", 1);
        setenv("WATCHDOG_PID", pid, 1);
}
static void wd_bad(void) { setenv("WATCHDOG_USEC", "garbage", 1); }
static void wd_unset(void) {
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
}
static void listen_set(void) {
        char pid[32];
        snprintf(pid, sizeof pid, "%d", (int) getpid());
        setenv("LISTEN_PID", pid, 1);
        setenv("LISTEN_FDS", "1", 1);
        setenv("LISTEN_FDNAMES", "one", 1);
}
static void listen_unset(void) {
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
}
static void drain_n(void) { drain(RFD); }

static uint64_t USEC;
static int c_notify(void) { return sd_notify(0, "READY=1\nSTATUS=counting"); }
static int c_notify_big(void) { return sd_notify(0, BIG); }
static int c_notify_null(void) { return sd_notify(0, NULL); }
static int c_pid_self(void) { return sd_pid_notify(getpid(), 0, "X=self"); }
static int c_pid_1(void) { return sd_pid_notify(1, 0, "X=pid1"); }
static int c_with_fds(void) { return sd_pid_notify_with_fds(0, 0, "FDSTORE=1", POOL, 3); }
static int c_with_fds_pid1(void) { return sd_pid_notify_with_fds(1, 0, "FDSTORE=1", POOL, 2); }
static int c_barrier0(void) { return sd_notify_barrier(0, 0); }
static int c_barrier5s(void) { return sd_notify_barrier(0, 5000000); }
static int c_wd(void) { return sd_watchdog_enabled(0, &USEC); }
static int c_listen(void) { return sd_listen_fds(0); }
static int c_listen_names_null(void) { return sd_listen_fds_with_names(0, NULL); }
static int c_booted(void) { return sd_booted(); }
static int c_is_socket(void) { return sd_is_socket(RFD, AF_UNIX, SOCK_DGRAM, -1); }
static int c_is_socket_bad(void) { return sd_is_socket(-1, AF_UNIX, SOCK_DGRAM, -1); }
static int c_is_inet(void) { return sd_is_socket_inet(INETFD, AF_INET, SOCK_STREAM, 1, 0); }
static int c_is_unix(void) { return sd_is_socket_unix(RFD, SOCK_DGRAM, -1, in_dir("n.sock"), 0); }
static int c_is_sockaddr(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        return sd_is_socket_sockaddr(INETFD, SOCK_STREAM, (struct sockaddr *) &sa, sizeof sa, 1);
}
static int c_is_fifo(void) { return sd_is_fifo(FIFOFD, in_dir("fifo")); }
static int c_is_special(void) { return sd_is_special(POOL[1], "/dev/null"); }
static int c_is_mq(void) { return sd_is_mq(MQFD >= 0 ? MQFD : POOL[1], NULL); }
static int c_is_mq_path(void) { return sd_is_mq(MQFD >= 0 ? MQFD : POOL[1], "/sdlite-alloc-count"); }
/* by design */
static int c_notifyf(void) { return sd_notifyf(0, "STATUS=%d", 42); }
static int c_listen_names(void) {
        char **l = NULL;
        int r = sd_listen_fds_with_names(0, &l);
        COUNTING = 0; /* freeing the result is the caller's part, not counted */
        if (r > 0 && l) {
                for (char **x = l; *x; x++)
                        free(*x);
                free(l);
        }
        COUNTING = 1;
        return r;
}
static int c_notify_unset1(void) {
        int r = sd_notify(1, "X=1");
        COUNTING = 0;
        ns_ok();
        COUNTING = 1;
        return r;
}

static const struct row ROWS[] = {
        CONTROL_ROWS,
        { "sd_notify success", 1, ns_ok, c_notify, drain_n },
        { "sd_notify 300000 bytes (> default SO_SNDBUF)", 1, ns_ok, c_notify_big, drain_n },
        { "sd_notify NOTIFY_SOCKET unset -> 0", 1, ns_unset, c_notify, NULL },
        { "sd_notify missing socket -> -ENOENT", 1, ns_missing, c_notify, NULL },
        { "sd_notify relative NOTIFY_SOCKET -> -EINVAL", 1, ns_relative, c_notify, NULL },
        { "sd_notify state=NULL -> -EINVAL", 1, ns_ok, c_notify_null, NULL },
        { "sd_pid_notify(getpid())", 1, ns_ok, c_pid_self, drain_n },
        { "sd_pid_notify(1) (credentials for another pid)", 1, ns_ok, c_pid_1, drain_n },
        { "sd_pid_notify_with_fds 3 fds", 1, ns_ok, c_with_fds, drain_n },
        { "sd_pid_notify_with_fds(1) 2 fds", 1, ns_ok, c_with_fds_pid1, drain_n },
        { "sd_notify_barrier(0, 0) nobody reads -> -ETIMEDOUT", 1, ns_ok, c_barrier0, drain_n },
        { "sd_notify_barrier(0, 5 s) receiver closes -> 1", 1, ns_barrier, c_barrier5s, NULL },
        { "sd_watchdog_enabled(0) set, own pid -> 1", 1, wd_set, c_wd, NULL },
        { "sd_watchdog_enabled(0) garbage -> -EINVAL", 1, wd_bad, c_wd, NULL },
        { "sd_watchdog_enabled(0) unset -> 0", 1, wd_unset, c_wd, NULL },
        { "sd_listen_fds(0) LISTEN_FDS=1 -> 1", 1, listen_set, c_listen, NULL },
        { "sd_listen_fds(0) unset -> 0", 1, listen_unset, c_listen, NULL },
        { "sd_listen_fds_with_names(0, NULL) -> 1", 1, listen_set, c_listen_names_null, NULL },
        { "sd_booted", 1, NULL, c_booted, NULL },
        { "sd_is_socket", 1, NULL, c_is_socket, NULL },
        { "sd_is_socket(-1) -> -EBADF", 1, NULL, c_is_socket_bad, NULL },
        { "sd_is_socket_inet", 1, NULL, c_is_inet, NULL },
        { "sd_is_socket_unix with path", 1, NULL, c_is_unix, NULL },
        { "sd_is_socket_sockaddr", 1, NULL, c_is_sockaddr, NULL },
        { "sd_is_fifo with path", 1, NULL, c_is_fifo, NULL },
        { "sd_is_special with path", 1, NULL, c_is_special, NULL },
        { "sd_is_mq", 1, NULL, c_is_mq, NULL },
        { "sd_is_mq with path", 1, NULL, c_is_mq_path, NULL },
        { "by design: sd_notifyf (vasprintf)", 0, ns_ok, c_notifyf, drain_n },
        { "by design: sd_listen_fds_with_names (the names)", 0, listen_set, c_listen_names, NULL },
        { "unset_environment=1: sd_notify(1) (unsetenv)", 0, ns_ok, c_notify_unset1, drain_n },
};

int main(int argc, char **argv) {
        EXPECT_ZERO = argc > 1 && !strcmp(argv[1], "--expect-zero");
        report_library();
        make_scratch_dir(DIR_, sizeof DIR_, "sdlite-alloc.XXXXXX");
        RBUF = malloc(RBUF_SIZE);
        BIG = malloc(300001);
        memset(BIG, 'b', 300000);
        memcpy(BIG, "X=", 2);
        BIG[300000] = 0;
        RFD = bind_dgram_path(in_dir("n.sock"));
        BFD = bind_dgram_path(in_dir("b.sock"));
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                die("pipe");
        POOL[0] = pp[0];
        POOL[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        POOL[2] = pp[1];
        /* fd 3 must exist for sd_listen_fds (LISTEN_FDS=1) */
        if (fcntl(3, F_GETFD) < 0 && dup2(POOL[1], 3) < 0)
                die("dup2");
        INETFD = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (INETFD < 0 || bind(INETFD, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(INETFD, 1) < 0)
                die("inet socket");
        if (mkfifo(in_dir("fifo"), 0600) < 0 || (FIFOFD = open(in_dir("fifo"), O_RDWR | O_CLOEXEC)) < 0)
                die("fifo");
        mq_unlink("/sdlite-alloc-count");
        MQFD = mq_open("/sdlite-alloc-count", O_CREAT | O_RDWR | O_CLOEXEC, 0600, NULL);
        pthread_t bt;
        if (pthread_create(&bt, NULL, barrier_receiver, NULL))
                die("pthread_create");

        printf("# allocations and lock operations per call (first call, then the next 99 together)\n");
        for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++)
                measure(&ROWS[i]);

        BSTOP = 1;
        pthread_join(bt, NULL);
        if (MQFD >= 0) {
                mq_close(MQFD);
                mq_unlink("/sdlite-alloc-count");
        }
        unlink(in_dir("n.sock"));
        unlink(in_dir("b.sock"));
        unlink(in_dir("fifo"));
        rmdir(DIR_);
        if (FAILURES)
                printf("# %d row(s) failed\n", FAILURES);
        return FAILURES ? 1 : 0;
}
