/* Stress (d) and (f): a receiver that never reads, and signals while a call waits.
 *
 * (d) The receiver never reads.  A child process calls sd_notify("N=i") for i = 1, 2, ... and
 *     reports each result through a pipe.  The first calls fill the receive queue
 *     (net.unix.max_dgram_qlen) and return 1 at once; the next one blocks, exactly as with
 *     libsystemd, and is still blocked after 500 ms; once the receiver reads ONE datagram (it must
 *     be "N=1") that call completes with 1 and the next one blocks again.  The same for
 *     sd_notify_barrier(timeout 100 ms) on a full queue: its send blocks whatever the timeout,
 *     and after one read it sends, waits 100 ms for a reader that never comes and returns
 *     -ETIMEDOUT.
 * (f) Signals.  A child blocked in a send to a full queue gets SIGALRM:
 *       - handler installed without SA_RESTART: the call returns -EINTR (sd_notify, and
 *         sd_pid_notify_with_fds, which leaves the caller's fds open);
 *       - with SA_RESTART: the call keeps waiting through several signals, and returns 1 once
 *         the receiver reads one datagram;
 *     and sd_notify_barrier() waiting for the manager (its fd queued, nobody reading) gets
 *     SIGALRM: -EINTR without SA_RESTART, and (ppoll is never restarted, see signal(7)) also
 *     with SA_RESTART; a barrier whose send blocks on a full queue: -EINTR.
 * Everything printed on stdout is compared between libsystemd 252 and sdlite.
 */
#include "stress.h"

#include <sys/prctl.h>

/* ------------------------------------------------------------------ child callers */

struct cres {
        int r;
        long ms;
        int sigs;       /* SIGALRMs handled while the call ran */
        int fds_open;   /* with_fds: the caller's fds still open afterwards */
};

static volatile sig_atomic_t SIGS;
static void on_alarm(int s) {
        (void) s;
        SIGS++;
}

enum call { C_NOTIFY, C_WITH_FDS, C_BARRIER_10S, C_BARRIER_100MS };

struct child {
        pid_t pid;
        int rfd;
        struct cres res;
        int done;
};

/* Fork a child that (with `signal_ms` > 0) arms SIGALRM every signal_ms ms, handler with or
 * without SA_RESTART, then makes `call`, and writes its struct cres to a pipe. */
static struct child spawn(enum call call, int signal_ms, int restart) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                die("pipe");
        struct child c = { fork_flushed(), p[0], { 0 }, 0 };
        if (c.pid == 0) {
                close(p[0]);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (signal_ms > 0) {
                        struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0 };
                        sigemptyset(&sa.sa_mask);
                        sigaction(SIGALRM, &sa, NULL);
                        struct itimerval it = { { signal_ms / 1000, (signal_ms % 1000) * 1000 },
                                                { signal_ms / 1000, (signal_ms % 1000) * 1000 } };
                        setitimer(ITIMER_REAL, &it, NULL);
                }
                int fds[2] = { open("/dev/null", O_RDONLY | O_CLOEXEC), open("/dev/zero", O_RDONLY | O_CLOEXEC) };
                struct cres r = { 0 };
                long t0 = now_ms();
                switch (call) {
                case C_NOTIFY:
                        r.r = sd_notify(0, "X=1");
                        break;
                case C_WITH_FDS:
                        r.r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1", fds, 2);
                        break;
                case C_BARRIER_10S:
                        r.r = sd_notify_barrier(0, 10 * 1000000ULL);
                        break;
                case C_BARRIER_100MS:
                        r.r = sd_notify_barrier(0, 100000);
                        break;
                }
                r.ms = now_ms() - t0;
                struct itimerval off = { { 0, 0 }, { 0, 0 } };
                setitimer(ITIMER_REAL, &off, NULL);
                r.sigs = SIGS;
                r.fds_open = (fcntl(fds[0], F_GETFD) >= 0) + (fcntl(fds[1], F_GETFD) >= 0);
                (void) !write(p[1], &r, sizeof r);
                _exit(0);
        }
        close(p[1]);
        return c;
}

/* 1 if the child's result arrived within ms (stored in c->res). */
static int finished_within(struct child *c, int ms) {
        if (c->done)
                return 1;
        struct pollfd pf = { c->rfd, POLLIN, 0 };
        if (poll(&pf, 1, ms) == 1 && read(c->rfd, &c->res, sizeof c->res) == (ssize_t) sizeof c->res)
                c->done = 1;
        return c->done;
}

static void reap(struct child *c) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        close(c->rfd);
}

/* ------------------------------------------------------------------ (d) */

static int CASE_NO;
static char CUR[128]; /* the path of the latest receiver */

/* a fresh receiver that nobody reads, NOTIFY_SOCKET pointing at it */
static int fresh_receiver(void) {
        char name[32];
        snprintf(name, sizeof name, "r%d.sock", ++CASE_NO);
        snprintf(CUR, sizeof CUR, "%s", path_of(name));
        int fd = bind_receiver(CUR, 0);
        setenv("NOTIFY_SOCKET", CUR, 1);
        return fd;
}

static void never_reads(void) {
        printf("## (d) a receiver that never reads\n");
        int rfd = fresh_receiver();
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                die("pipe");
        pid_t pid = fork_flushed();
        if (pid == 0) {
                close(p[0]);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                char buf[32];
                for (int i = 1; i <= 200; i++) {
                        snprintf(buf, sizeof buf, "N=%d", i);
                        int r[2] = { i, sd_notify(0, buf) };
                        (void) !write(p[1], r, sizeof r);
                }
                _exit(0);
        }
        close(p[1]);
        /* calls that return at once: until nothing happens for 500 ms */
        int r[2], last = 0, all_one = 1;
        struct pollfd pf = { p[0], POLLIN, 0 };
        while (poll(&pf, 1, 500) == 1 && read(p[0], r, sizeof r) == sizeof r) {
                last = r[0];
                all_one &= r[1] == 1;
        }
        int alive = waitpid(pid, NULL, WNOHANG) == 0;
        check(last > 0 && all_one, "calls 1..%d returned 1 at once (the receive queue's capacity)", last);
        check(alive, "call %d is still blocked after 500 ms (process alive, no result)", last + 1);
        char buf[64];
        struct dgram d;
        ssize_t n = recv_dgram(rfd, buf, sizeof buf, 0, &d, 0);
        check(n > 0 && !strcmp(buf, "N=1"), "the receiver reads one datagram: \"%s\"", n > 0 ? buf : rs((int) n));
        pf.revents = 0;
        int got = poll(&pf, 1, 5000) == 1 && read(p[0], r, sizeof r) == sizeof r;
        check(got && r[0] == last + 1 && r[1] == 1, "then call %d completes: r=%s", last + 1, got ? rs(r[1]) : "<none within 5 s>");
        pf.revents = 0;
        check(poll(&pf, 1, 500) == 0, "and call %d blocks again (nothing within 500 ms)", last + 2);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(p[0]);
        close(rfd);

        /* the barrier: its send blocks on the full queue, whatever the timeout */
        rfd = fresh_receiver();
        fill_queue(CUR);
        struct child c = spawn(C_BARRIER_100MS, 0, 0);
        check(!finished_within(&c, 500), "sd_notify_barrier(timeout 100 ms) on a full queue: still blocked after 500 ms (the send blocks)");
        n = recv_dgram(rfd, buf, sizeof buf, 0, &d, 0);
        int fin = finished_within(&c, 5000);
        check(fin && c.res.r == -ETIMEDOUT && c.res.ms >= 590,
              "after one read it sends, waits for a reader that never comes: r=%s, took >= 600 ms: %s",
              fin ? rs(c.res.r) : "<none>", fin && c.res.ms >= 590 ? "yes" : "no");
        reap(&c);
        close(rfd);
}

/* ------------------------------------------------------------------ (f) */

static void signals(void) {
        printf("## (f) signals while a call waits\n");
        char buf[64];
        struct dgram d;

        /* send blocked, SIGALRM without SA_RESTART */
        int rfd = fresh_receiver();
        fill_queue(CUR);
        struct child c = spawn(C_NOTIFY, 200, 0);
        int fin = finished_within(&c, 5000);
        check(fin && c.res.r == -EINTR && c.res.sigs == 1 && c.res.ms >= 150,
              "sd_notify blocked on a full queue, SIGALRM after 200 ms, no SA_RESTART: r=%s signals=%d took>=150ms:%s",
              fin ? rs(c.res.r) : "<hung>", c.res.sigs, fin && c.res.ms >= 150 ? "yes" : "no");
        reap(&c);

        /* the same for with_fds: -EINTR, the caller's fds stay open */
        c = spawn(C_WITH_FDS, 200, 0);
        fin = finished_within(&c, 5000);
        check(fin && c.res.r == -EINTR && c.res.fds_open == 2,
              "sd_pid_notify_with_fds (2 fds) blocked, SIGALRM, no SA_RESTART: r=%s, caller's fds still open: %d of 2",
              fin ? rs(c.res.r) : "<hung>", c.res.fds_open);
        reap(&c);

        /* SA_RESTART: keeps waiting, completes once there is room */
        c = spawn(C_NOTIFY, 100, 1);
        int early = finished_within(&c, 700);
        check(!early, "sd_notify blocked, SIGALRM every 100 ms with SA_RESTART: still blocked after 700 ms");
        ssize_t n = recv_dgram(rfd, buf, sizeof buf, 0, &d, 0);
        fin = finished_within(&c, 5000);
        check(n > 0 && fin && c.res.r == 1 && c.res.sigs >= 3,
              "after one read it completes: r=%s, signals handled meanwhile >= 3: %s", fin ? rs(c.res.r) : "<hung>",
              c.res.sigs >= 3 ? "yes" : "no");
        reap(&c);

        /* barrier whose send blocks on the full queue: -EINTR */
        c = spawn(C_BARRIER_10S, 200, 0);
        fin = finished_within(&c, 5000);
        check(fin && c.res.r == -EINTR, "sd_notify_barrier(10 s) whose send blocks on a full queue, SIGALRM, no SA_RESTART: r=%s",
              fin ? rs(c.res.r) : "<hung>");
        reap(&c);
        close(rfd);

        /* barrier waiting for the manager (its fd queued, nobody reads) */
        for (int restart = 0; restart <= 1; restart++) {
                rfd = fresh_receiver();
                c = spawn(C_BARRIER_10S, 200, restart);
                fin = finished_within(&c, 5000);
                check(fin && c.res.r == -EINTR && c.res.ms >= 150 && c.res.ms < 5000,
                      "sd_notify_barrier(10 s) waiting for the manager, SIGALRM after 200 ms, %s: r=%s",
                      restart ? "SA_RESTART (ppoll is never restarted)" : "no SA_RESTART", fin ? rs(c.res.r) : "<hung>");
                reap(&c);
                check(drain(rfd) == 1, "  the BARRIER=1 datagram (with its fd) was sent before the wait");
                close(rfd);
        }
}

int main(void) {
        stress_init("blocking");
        long t0 = now_ms();
        never_reads();
        signals();
        fprintf(stderr, "blocking: %ld ms\n", now_ms() - t0);
        return FAILED;
}
