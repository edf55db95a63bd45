/* Stress (e): the receiver disappears while senders run.
 *
 * SENDERS threads call sd_notify (one of them sd_pid_notify_with_fds with an fd) in a loop while
 * the receiving socket is closed under them, in five variants:
 *   1. path socket closed, file left            -> afterwards every call: -ECONNREFUSED
 *   2. path socket unlinked, then closed        -> -ENOENT
 *   3. abstract socket closed                   -> -ECONNREFUSED
 *   4. path socket, queue full (senders blocked in the kernel), then closed: the blocked calls
 *      wake up and return -ECONNREFUSED, and so does every later call
 *   5. as 4, unlinked first                     -> -ENOENT
 * Every call is classified by the phase it started and ended in (0 before the close, 1 during,
 * 2 after).  Checks: before, only 1; calls started after the close: all the expected error and
 * there were some; calls straddling the close: 1 or the expected error (in 4/5: the expected
 * error, one per thread); every thread finished (no hang), nothing crashed, no fd leaked.
 */
#include "stress.h"

#define SENDERS 4

enum { R_ONE, R_REFUSED, R_NOENT, R_OTHER, NR };
static const char *RNAME[NR] = { "1", "-ECONNREFUSED", "-ENOENT", "other" };

static _Atomic int PHASE, STOP;
static long COUNT[3][3][NR]; /* [start phase][end phase][result], per thread summed below */
static long TCOUNT[SENDERS][3][3][NR];
static int OTHER_R;
static int POOLFD;

static int classify(int r) {
        if (r == 1)
                return R_ONE;
        if (r == -ECONNREFUSED)
                return R_REFUSED;
        if (r == -ENOENT)
                return R_NOENT;
        OTHER_R = r;
        return R_OTHER;
}

static void *sender(void *arg) {
        int t = (int) (intptr_t) arg;
        while (!STOP) {
                int p0 = PHASE;
                int r = t == 0 ? sd_pid_notify_with_fds(0, 0, "FDSTORE=1", &POOLFD, 1) : sd_notify(0, "S=1");
                int p1 = PHASE;
                TCOUNT[t][p0][p1][classify(r)]++;
        }
        return NULL;
}

static struct {
        int fd;
        _Atomic int stop;
} RECV;

static void *drainer(void *arg) {
        (void) arg;
        char buf[64];
        struct dgram d;
        while (!RECV.stop)
                (void) recv_dgram(RECV.fd, buf, sizeof buf, 20, &d, 0);
        return NULL;
}

static void set_str(char *out, size_t n, long counts[NR]) {
        size_t o = 0;
        out[0] = 0;
        for (int k = 0; k < NR; k++)
                if (counts[k])
                        o += (size_t) snprintf(out + o, n - o, "%s%s", o ? "," : "", RNAME[k]);
        if (!o)
                snprintf(out, n, "none");
}

static void variant(int no, const char *label, int abstract, int unlink_first, int full) {
        char path[128];
        if (abstract)
                snprintf(path, sizeof path, "@sdlite-vanish-%d-%d", (int) getpid(), no);
        else
                snprintf(path, sizeof path, "%s", path_of(no % 2 ? "v-odd.sock" : "v-even.sock"));
        int want = unlink_first ? R_NOENT : R_REFUSED;
        printf("## variant %d: %s\n", no, label);
        RECV.fd = bind_receiver(path, 0);
        setenv("NOTIFY_SOCKET", path, 1);
        memset(TCOUNT, 0, sizeof TCOUNT);
        PHASE = 0;
        STOP = 0;
        RECV.stop = 0;
        int fds0 = count_fds();
        pthread_t rt, st[SENDERS];
        if (!full && pthread_create(&rt, NULL, drainer, NULL))
                die("pthread_create");
        for (int t = 0; t < SENDERS; t++)
                if (pthread_create(&st[t], NULL, sender, (void *) (intptr_t) t))
                        die("pthread_create");
        sleep_ms(300);
        if (!full) {
                RECV.stop = 1;
                pthread_join(rt, NULL);
        }
        PHASE = 1;
        if (unlink_first && !abstract)
                unlink(path);
        close(RECV.fd);
        PHASE = 2;
        sleep_ms(300);
        STOP = 1;
        int hung = 0;
        for (int t = 0; t < SENDERS; t++) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += 10;
                if (pthread_timedjoin_np(st[t], NULL, &ts) != 0)
                        hung++;
        }
        if (hung) {
                check(0, "%d sender threads still blocked 10 s after the close (hang)", hung);
                fflush(stdout);
                _exit(1);
        }
        memset(COUNT, 0, sizeof COUNT);
        for (int t = 0; t < SENDERS; t++)
                for (int a = 0; a < 3; a++)
                        for (int b = 0; b < 3; b++)
                                for (int k = 0; k < NR; k++)
                                        COUNT[a][b][k] += TCOUNT[t][a][b][k];
        char s[128];
        long before[NR] = { 0 }, straddle[NR] = { 0 }, during[NR] = { 0 }, after[NR] = { 0 };
        for (int k = 0; k < NR; k++) {
                before[k] = COUNT[0][0][k];
                straddle[k] = COUNT[0][1][k] + COUNT[0][2][k]; /* started before, ended after */
                during[k] = COUNT[1][1][k] + COUNT[1][2][k];   /* started while it closed */
                after[k] = COUNT[2][2][k];
        }
        set_str(s, sizeof s, before);
        check(before[R_ONE] > 0 && before[R_REFUSED] + before[R_NOENT] + before[R_OTHER] == 0,
              "calls before the close: %s", s);
        set_str(s, sizeof s, straddle);
        if (full)
                check(straddle[want] == SENDERS && straddle[R_ONE] + straddle[R_OTHER] + straddle[want ^ 3] == 0,
                      "the %d calls blocked on the full queue woke up when it closed: %s", SENDERS, s);
        else
                check(straddle[R_OTHER] == 0 && straddle[want ^ 3] == 0,
                      "calls running across the close: 1 or %s only", RNAME[want]);
        check(during[R_OTHER] == 0 && during[want ^ 3] == 0, "calls started while it closed: 1 or %s only", RNAME[want]);
        set_str(s, sizeof s, after);
        long other_after = 0;
        for (int k = 0; k < NR; k++)
                if (k != want)
                        other_after += after[k];
        check(after[want] > 0 && other_after == 0, "calls started after the close: %s", s);
        if (OTHER_R)
                printf("  (an unexpected result: %s)\n", rs(OTHER_R));
        check(count_fds() == fds0 - 1, "no fd leaked (the receiver's own closed)");
        int r = sd_notify(0, "LATE=1");
        check(r == (want == R_NOENT ? -ENOENT : -ECONNREFUSED), "one more sd_notify afterwards: %s", rs(r));
        if (!abstract)
                unlink(path);
}

int main(void) {
        stress_init("vanish");
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                die("pipe");
        POOLFD = p[0];
        long t0 = now_ms();
        variant(1, "path socket closed, file left (receiver draining)", 0, 0, 0);
        variant(2, "path socket unlinked and closed (receiver draining)", 0, 1, 0);
        variant(3, "abstract socket closed (receiver draining)", 1, 0, 0);
        variant(4, "path socket closed while the senders are blocked on its full queue", 0, 0, 1);
        variant(5, "path socket unlinked and closed while the senders are blocked on its full queue", 0, 1, 1);
        fprintf(stderr, "vanish: %ld ms\n", now_ms() - t0);
        return FAILED;
}
