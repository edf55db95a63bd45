/* Stress (c): 100,000 mixed calls; no fd leak, stable memory, every result as expected.
 *
 * The calls cycle through the library's paths: success (sd_notify, sd_pid_notify for another
 * pid, sd_pid_notify_with_fds with 3 fds, sd_notifyf, sd_notify_barrier with timeout 0 while
 * nobody reads: -ETIMEDOUT), the errors (-ENOENT for a missing socket, -ECONNREFUSED for a stale
 * one, -EINVAL for a NULL state and a relative NOTIFY_SOCKET, -EINVAL for fds=NULL),
 * NOTIFY_SOCKET unset (0), sd_watchdog_enabled, sd_listen_fds and sd_is_socket.  What was sent is
 * drained after each call (fds received are closed), so the process's own fd table and memory
 * only change if the library leaks.  NOTIFY_SOCKET is switched with putenv() on static strings:
 * setenv() would allocate on every switch.
 *
 * Checks: every call returned what it must; /proc/self/fd count equal before and after; VmRSS
 * after the run within SLACK_KIB (256) of VmRSS after a warm-up of WARMUP (5000) calls, and the
 * same for VmHWM.
 *
 * usage: churn [ROUNDS [WARMUP [norss]]]   (default 100000 5000; "norss" skips the memory bounds,
 * for runs under ASan or valgrind, whose own bookkeeping grows the process)
 */
#include "stress.h"

#define SLACK_KIB 256

static char ENV_OK[160], ENV_MISSING[160], ENV_STALE[160], ENV_REL[] = "NOTIFY_SOCKET=relative/x.sock";
static int RFD, POOL[3];
static long BAD, CALLS;
static char FIRST_BAD[200];

static void expect(int got, int want, const char *what) {
        CALLS++;
        if (got != want && BAD++ == 0)
                snprintf(FIRST_BAD, sizeof FIRST_BAD, "%s returned %s, expected %s", what, rs(got), rs(want));
}

static void expect_drained(int want_datagrams, int want_fds, const char *what) {
        char buf[512];
        struct dgram d;
        int n = 0, fds = 0;
        while (recv_dgram(RFD, buf, sizeof buf, 0, &d, 0) >= 0) {
                n++;
                fds += d.nfds;
        }
        if ((n != want_datagrams || fds != want_fds) && BAD++ == 0)
                snprintf(FIRST_BAD, sizeof FIRST_BAD, "%s: %d datagrams with %d fds arrived, expected %d with %d", what,
                         n, fds, want_datagrams, want_fds);
}

static void one_round(long i) {
        uint64_t usec;
        switch (i % 14) {
        case 0:
                putenv(ENV_OK);
                expect(sd_notify(0, "READY=1\nSTATUS=churning"), 1, "sd_notify");
                expect_drained(1, 0, "sd_notify");
                break;
        case 1:
                putenv(ENV_MISSING);
                expect(sd_notify(0, "X=1"), -ENOENT, "sd_notify NS=missing");
                break;
        case 2:
                putenv(ENV_OK);
                expect(sd_notify(0, NULL), -EINVAL, "sd_notify(NULL)");
                break;
        case 3:
                putenv(ENV_REL);
                expect(sd_notify(0, "X=1"), -EINVAL, "sd_notify NS=relative");
                break;
        case 4:
                putenv(ENV_OK);
                expect(sd_pid_notify_with_fds(0, 0, "FDSTORE=1", POOL, 3), 1, "with_fds n=3");
                expect_drained(1, 3, "with_fds n=3");
                break;
        case 5:
                putenv(ENV_OK);
                expect(sd_pid_notify_with_fds(0, 0, "FDSTORE=1", NULL, 2), -EINVAL, "with_fds fds=NULL");
                break;
        case 6:
                putenv(ENV_OK);
                expect(sd_notify_barrier(0, 0), -ETIMEDOUT, "sd_notify_barrier(0, 0)");
                expect_drained(1, 1, "barrier");
                break;
        case 7:
                putenv(ENV_OK);
                expect(sd_pid_notify(1, 0, "X=other-pid"), 1, "sd_pid_notify(1)");
                expect_drained(1, 0, "sd_pid_notify(1)");
                break;
        case 8:
                putenv(ENV_STALE);
                expect(sd_notify(0, "X=1"), -ECONNREFUSED, "sd_notify NS=stale");
                break;
        case 9:
                putenv(ENV_OK);
                expect(sd_notifyf(0, "STATUS=%ld", i), 1, "sd_notifyf");
                expect_drained(1, 0, "sd_notifyf");
                break;
        case 10:
                unsetenv("NOTIFY_SOCKET");
                expect(sd_notify(0, "X=1"), 0, "sd_notify NS=unset");
                expect(sd_notify_barrier(0, 0), 0, "barrier NS=unset");
                break;
        case 11:
                expect(sd_watchdog_enabled(0, &usec), 0, "sd_watchdog_enabled (unset)");
                break;
        case 12:
                expect(sd_listen_fds(0), 0, "sd_listen_fds (unset)");
                break;
        case 13:
                expect(sd_is_socket(RFD, AF_UNIX, SOCK_DGRAM, 0), 1, "sd_is_socket");
                expect(sd_is_socket(-1, 0, 0, -1), -EBADF, "sd_is_socket(-1)");
                break;
        }
}

int main(int argc, char **argv) {
        long n = 100000, warm = 5000;
        int norss = argc > 3 && !strcmp(argv[3], "norss");
        stress_init("churn");
        if (argc > 1)
                n = atol(argv[1]);
        if (argc > 2)
                warm = atol(argv[2]);
        if (n < 14 || warm < 0)
                return 2;
        RFD = bind_receiver(path_of("notify.sock"), 0);
        close(bind_receiver(path_of("stale.sock"), 0));
        snprintf(ENV_OK, sizeof ENV_OK, "NOTIFY_SOCKET=%s", path_of("notify.sock"));
        snprintf(ENV_MISSING, sizeof ENV_MISSING, "NOTIFY_SOCKET=%s", path_of("missing.sock"));
        snprintf(ENV_STALE, sizeof ENV_STALE, "NOTIFY_SOCKET=%s", path_of("stale.sock"));
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                die("pipe");
        POOL[0] = p[0];
        POOL[1] = p[1];
        POOL[2] = open("/dev/null", O_RDONLY | O_CLOEXEC);

        for (long i = 0; i < warm; i++)
                one_round(i);
        CALLS = 0;
        int fds0 = count_fds();
        long rss0 = vm_kib("VmRSS"), hwm0 = vm_kib("VmHWM");
        long t0 = now_ms();
        for (long i = 0; i < n; i++)
                one_round(i);
        long took = now_ms() - t0;
        int fds1 = count_fds();
        long rss1 = vm_kib("VmRSS"), hwm1 = vm_kib("VmHWM");
        fprintf(stderr, "churn: %ld rounds (%ld calls) in %ld ms; VmRSS %ld -> %ld KiB, VmHWM %ld -> %ld KiB\n", n,
                CALLS, took, rss0, rss1, hwm0, hwm1);

        check(BAD == 0, "%ld rounds of mixed calls (success, -ENOENT, -ECONNREFUSED, -EINVAL, unset, barrier t=0, fds): "
                        "every result as expected (%ld wrong%s%s)",
              n, BAD, BAD ? "; first: " : "", FIRST_BAD);
        check(fds1 == fds0, "no fd leaked: %d open before, %d after", fds0, fds1);
        if (!norss) {
                check(rss1 - rss0 <= SLACK_KIB, "VmRSS stable: grew by at most %d KiB after the warm-up", SLACK_KIB);
                check(hwm1 - hwm0 <= SLACK_KIB, "VmHWM stable: grew by at most %d KiB after the warm-up", SLACK_KIB);
        }
        close(RFD);
        for (int i = 0; i < 3; i++)
                close(POOL[i]);
        return FAILED;
}
