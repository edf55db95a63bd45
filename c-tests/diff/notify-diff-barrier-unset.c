/* Differential test: when sd_notify_barrier(1, …) removes $NOTIFY_SOCKET. libsystemd unsets it as soon as the barrier message is sent, before the wait:
 * a thread that looks while the call is still blocked sees it gone.
 *
 * Deterministic, no timing: a receiver child reads the datagram (keeping the pipe's write end
 * open) and tells a watcher thread of this process; the watcher waits until the calling thread
 * is blocked in ppoll (its /proc/self/task/TID/syscall), reads the environment, then tells the
 * child to close the fd, which ends the barrier's wait. Built against Debian's header and
 * -lsystemd; run on both libraries by tests/suites/20-diff-notify.sh. */
#define TESTLIB_PROG "notify-diff-barrier-unset"
#include "../common/testlib.h"
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>

static int received[2], release[2];
static char seen[64];
static pid_t caller_tid;

/* Waits (up to 20 s) until the calling thread sits in ppoll(2): the barrier's wait. */
static int caller_in_ppoll(void) {
        char path[64], line[64];
        long deadline = now_ms() + 20000;
        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int) caller_tid);
        while (now_ms() < deadline) {
                FILE *f = fopen(path, "re");
                int in = f && fgets(line, sizeof line, f) && atol(line) == SYS_ppoll;
                if (f)
                        fclose(f);
                if (in)
                        return 1;
                usleep(1000);
        }
        return 0;
}

static void *watcher(void *unused) {
        char c;
        (void) unused;
        if (read(received[0], &c, 1) != 1)
                die("read received");
        if (!caller_in_ppoll()) {
                snprintf(seen, sizeof seen, "the call never waited in ppoll");
                if (write(release[1], "x", 1) != 1)
                        die("write release");
                return NULL;
        }
        snprintf(seen, sizeof seen, "during the wait NOTIFY_SOCKET is %s", getenv("NOTIFY_SOCKET") ? "set" : "unset");
        if (write(release[1], "x", 1) != 1)
                die("write release");
        return NULL;
}

/* One sd_notify_barrier call with unset_environment=1. */
static void one(const char *dir) {
        const char *path = dir_path(dir, "notify");
        int sock = bind_dgram_path(path), r;
        pthread_t t;
        pid_t child;

        if (pipe(received) < 0 || pipe(release) < 0)
                die("pipe");
        setenv("NOTIFY_SOCKET", path, 1);
        child = fork_flushed();
        if (child < 0)
                die("fork");
        if (child == 0) {
                char buf[64], control[CMSG_SPACE(sizeof(int))], c;
                struct iovec iov = { buf, sizeof buf };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                                     .msg_controllen = sizeof control };
                if (recvmsg(sock, &mh, 0) < 0)
                        _exit(2);
                if (write(received[1], "x", 1) != 1 || read(release[0], &c, 1) != 1)
                        _exit(3);
                _exit(0); /* closes the received fd: the barrier is passed */
        }
        caller_tid = gettid();
        if (pthread_create(&t, NULL, watcher, NULL) != 0)
                die("pthread_create");
        r = sd_notify_barrier(1, 10 * 1000000ULL);
        pthread_join(t, NULL);
        waitpid(child, NULL, 0);
        printf("sd_notify_barrier(1, 10s) = %s; %s; afterwards it is %s\n", rs(r), seen,
               getenv("NOTIFY_SOCKET") ? "set" : "unset");
        close(sock);
}

int main(void) {
        char dir[256];
        report_library();
        make_scratch_dir(dir, sizeof dir, "barrier-unset-XXXXXX");
        one(dir);
        return 0;
}
