/* Stress (a): 8 sender threads x 10,000 notifications each to one receiver thread.
 *
 * Every thread sends "X_THREAD=t\nX_SEQ=n" for n = 0..9999 through one of the notify functions
 * (thread t % 4: sd_notify, sd_pid_notify(getpid()), sd_pid_notify_with_fds with one fd,
 * sd_notifyf), all to one datagram socket whose queue holds only net.unix.max_dgram_qlen (10 here)
 * datagrams: the senders block while the receiver thread drains, as they would with systemd.
 * Checks: every call returned 1; the receiver got exactly 80,000 datagrams, each well formed,
 * each thread's sequence complete and in order (one thread's sends are sequential), nothing
 * duplicated, credentials our own pid/uid/gid, exactly one fd on the messages of the fd threads
 * and none on the others; no fd left open afterwards.
 *
 * usage: threads [THREADS [PER_THREAD]]   (default 8 10000)
 */
#include "stress.h"

#define MAXT 64

static int NT = 8, PER = 10000;
static int RECV_FD;
static int POOLFD; /* an fd the fd threads pass */
static int RESULT_BAD[MAXT];  /* calls that did not return 1 */
static int FIRST_BAD[MAXT];

static void *sender(void *arg) {
        int t = (int) (intptr_t) arg;
        char buf[64];
        for (int n = 0; n < PER; n++) {
                int r;
                snprintf(buf, sizeof buf, "X_THREAD=%d\nX_SEQ=%d", t, n);
                switch (t % 4) {
                case 0:
                        r = sd_notify(0, buf);
                        break;
                case 1:
                        r = sd_pid_notify(getpid(), 0, buf);
                        break;
                case 2:
                        r = sd_pid_notify_with_fds(0, 0, buf, &POOLFD, 1);
                        break;
                default:
                        r = sd_notifyf(0, "X_THREAD=%d\nX_SEQ=%d", t, n);
                        break;
                }
                if (r != 1 && RESULT_BAD[t]++ == 0)
                        FIRST_BAD[t] = r;
        }
        return NULL;
}

struct rstats {
        long total, malformed, out_of_order, bad_cred, bad_fds, truncated;
        int next[MAXT];
        char first_bad[128];
};

static void *receiver(void *arg) {
        struct rstats *s = arg;
        char buf[256];
        struct dgram d;
        long want = (long) NT * PER;
        while (s->total < want) {
                /* 10 s of silence: the senders are done or stuck; what is missing shows below */
                ssize_t n = recv_dgram(RECV_FD, buf, sizeof buf, 10000, &d, 0);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        errno = (int) -n;
                        die("recvmsg");
                }
                s->total++;
                int t, seq;
                char again[64];
                /* parse, then require the exact bytes a sender of that (t, seq) sends */
                if (sscanf(buf, "X_THREAD=%d\nX_SEQ=%d", &t, &seq) != 2 || t < 0 || t >= NT ||
                    snprintf(again, sizeof again, "X_THREAD=%d\nX_SEQ=%d", t, seq) != n || memcmp(again, buf, (size_t) n)) {
                        if (s->malformed++ == 0)
                                snprintf(s->first_bad, sizeof s->first_bad, "%.100s", buf);
                        continue;
                }
                if (seq != s->next[t])
                        s->out_of_order++;
                s->next[t] = seq + 1;
                if (!d.has_cred || d.cred.pid != getpid() || d.cred.uid != getuid() || d.cred.gid != getgid())
                        s->bad_cred++;
                if (d.nfds != (t % 4 == 2 ? 1 : 0))
                        s->bad_fds++;
                if (d.ctrunc)
                        s->truncated++;
        }
        return NULL;
}

int main(int argc, char **argv) {
        stress_init("threads");
        if (argc > 1)
                NT = atoi(argv[1]);
        if (argc > 2)
                PER = atoi(argv[2]);
        if (NT < 1 || NT > MAXT || PER < 1)
                return 2;
        RECV_FD = bind_receiver(path_of("notify.sock"), 0);
        setenv("NOTIFY_SOCKET", path_of("notify.sock"), 1);
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                die("pipe");
        POOLFD = p[0];
        int fds0 = count_fds();

        struct rstats s = { 0 };
        pthread_t rt, st[MAXT];
        long t0 = now_ms();
        if (pthread_create(&rt, NULL, receiver, &s))
                die("pthread_create");
        for (int t = 0; t < NT; t++)
                if (pthread_create(&st[t], NULL, sender, (void *) (intptr_t) t))
                        die("pthread_create");
        for (int t = 0; t < NT; t++)
                pthread_join(st[t], NULL);
        pthread_join(rt, NULL);
        long took = now_ms() - t0;
        fprintf(stderr, "threads: %d x %d notifications in %ld ms (%.1f us each)\n", NT, PER, took,
                took * 1000.0 / ((double) NT * PER));

        int bad = 0;
        for (int t = 0; t < NT; t++)
                if (RESULT_BAD[t]) {
                        bad += RESULT_BAD[t];
                        printf("  thread %d: %d calls did not return 1 (first: %s)\n", t, RESULT_BAD[t], rs(FIRST_BAD[t]));
                }
        check(bad == 0, "%d threads x %d calls (sd_notify, sd_pid_notify(getpid()), with_fds, sd_notifyf): every call returned 1", NT, PER);
        check(s.total == (long) NT * PER, "receiver got %ld of %ld datagrams", s.total, (long) NT * PER);
        int incomplete = 0;
        for (int t = 0; t < NT; t++)
                if (s.next[t] != PER) {
                        incomplete++;
                        printf("  thread %d: last sequence number seen %d\n", t, s.next[t] - 1);
                }
        check(incomplete == 0 && s.out_of_order == 0,
              "every thread's sequence complete and in order (incomplete threads: %d, out of order: %ld)", incomplete,
              s.out_of_order);
        check(s.malformed == 0, "no malformed datagram (%ld; first: \"%s\")", s.malformed, s.first_bad);
        check(s.truncated == 0, "no truncated datagram or control data (%ld)", s.truncated);
        check(s.bad_cred == 0, "credentials are our own pid/uid/gid on every datagram (%ld wrong)", s.bad_cred);
        check(s.bad_fds == 0, "exactly one fd on the with_fds messages, none on the others (%ld wrong)", s.bad_fds);
        check(count_fds() == fds0, "no fd left open by the library (%d before, %d after)", fds0, count_fds());
        close(p[0]);
        close(p[1]);
        close(RECV_FD);
        return FAILED;
}
