/* Differential test: sd_notify_barrier.
 *
 * The barrier call sends "BARRIER=1" with one fd (the write end of a pipe), closes its own copy
 * and waits until every copy of that fd is closed (POLLHUP) or the timeout expires.  So whoever
 * "receives" must act while the call is blocked: a forked receiver child reads the datagram and
 * then closes the fd at once, after a delay, or only when released (after the call returned).
 * When nobody reads, the fd stays in the socket queue and keeps the pipe open: -ETIMEDOUT.
 * Built against Debian's header and -lsystemd; run as root.  See notify-common.h for the format.
 */
#include "notify-common.h"

/* barrier call in this process with a receiver child acting on socket `sock` */
#define BARRIER_WITH_RECEIVER(name, sock, action, ms, u, timeout, min_ms, max_ms)     \
        do {                                                                            \
                struct brecv _b = barrier_receiver((sock), (action), (ms));             \
                struct cres _c = { 0 };                                                 \
                int _f0 = count_fds();                                                  \
                long _t0 = now_ms();                                                    \
                _c.r = sd_notify_barrier((u), (timeout));                               \
                _c.elapsed_ms = now_ms() - _t0;                                         \
                _c.leak = count_fds() - _f0;                                            \
                _c.caller = getpid();                                                   \
                env_state(_c.env, sizeof _c.env);                                       \
                MIN_MS = (min_ms);                                                      \
                MAX_MS = (max_ms);                                                      \
                print_result(name, &_c);                                                \
                MIN_MS = MAX_MS = 0;                                                    \
                barrier_receiver_finish(&_b);                                           \
                drain_all(_c.caller, 10);                                               \
                end_line();                                                             \
        } while (0)

#define TIMED(min_ms, max_ms, stmt)                                                     \
        do {                                                                            \
                MIN_MS = (min_ms);                                                      \
                MAX_MS = (max_ms);                                                      \
                stmt;                                                                   \
                MIN_MS = MAX_MS = 0;                                                    \
        } while (0)

int main(void) {
        common_init();
        if (geteuid() != 0) {
                fprintf(stderr, "notify-diff-barrier: must run as root\n");
                return 77;
        }
        RBUF = malloc(RBUF_SIZE);
        if (!RBUF)
                die("malloc");
        alarm(300);
        NSENT = -1; /* the library makes the fd: describe its kind, no identity check */
        DESCRIBE_FD_KIND = 1;

        int r_fd = rcv_add("R", SOCK_DGRAM, P("n.sock"));
        int ab_fd = rcv_add("AB", SOCK_DGRAM, A(""));
        int stale = rcv_add(NULL, SOCK_DGRAM, P("stale.sock"));
        close(stale);
        int st = rcv_add(NULL, SOCK_STREAM, P("stream.sock"));
        listen(st, 5);
        int priv = rcv_add("PRIV", SOCK_DGRAM, P("private.sock"));
        chmod(P("private.sock"), 0600);
        char p108[200];
        snprintf(p108, sizeof p108, "%s/", D);
        memset(p108 + strlen(p108), 'p', 108 - strlen(p108));
        p108[108] = 0;

        printf("# notify-diff-barrier: sd_notify_barrier\n");
        printf("## errors and NOTIFY_SOCKET forms\n");
        set_ns(NULL);
        RUN("barrier NS=unset u=0 t=0", sd_notify_barrier(0, 0));
        RUN("barrier NS=unset u=1 t=1s", sd_notify_barrier(1, 1000000));
        set_ns("");
        RUN("barrier NS=\"\" u=1", sd_notify_barrier(1, 0));
        set_ns("relative");
        RUN("barrier NS=relative u=0", sd_notify_barrier(0, 0));
        set_ns("@");
        RUN("barrier NS=\"@\" u=1", sd_notify_barrier(1, 0));
        set_ns(P("missing"));
        RUN("barrier NS=$D/missing u=0", sd_notify_barrier(0, 1000));
        RUN("barrier NS=$D/missing u=1", sd_notify_barrier(1, 1000));
        set_ns(P("stale.sock"));
        RUN("barrier NS=stale socket u=1", sd_notify_barrier(1, 1000));
        set_ns(P("stream.sock"));
        RUN("barrier NS=stream listener u=1", sd_notify_barrier(1, 1000));
        set_ns(p108);
        RUN("barrier NS=path len 108 u=1", sd_notify_barrier(1, 1000));
        set_ns(A("none"));
        RUN("barrier NS=@$A-none (unbound) u=1", sd_notify_barrier(1, 1000));

        printf("## nobody reads: the fd waits in the queue\n");
        set_ns(P("n.sock"));
        TIMED(90, 0, RUN("barrier queued t=100ms", sd_notify_barrier(0, 100000)));
        TIMED(0, 1000, RUN("barrier queued t=0", sd_notify_barrier(0, 0)));
        TIMED(0, 1000, RUN("barrier queued t=1us", sd_notify_barrier(0, 1)));
        TIMED(0, 1000, RUN("barrier queued t=0 u=1", sd_notify_barrier(1, 0)));
        set_ns(A(""));
        TIMED(40, 0, RUN("barrier NS=@$A queued t=50ms u=1", sd_notify_barrier(1, 50000)));

        printf("## a receiver child acts on the fd while the call waits\n");
        set_ns(P("n.sock"));
        BARRIER_WITH_RECEIVER("barrier child closes at once t=10s", r_fd, ACT_CLOSE, 0, 0, 10000000, 0, 5000);
        BARRIER_WITH_RECEIVER("barrier child closes at once t=10s u=1", r_fd, ACT_CLOSE, 0, 1, 10000000, 0, 5000);
        set_ns(P("n.sock"));
        BARRIER_WITH_RECEIVER("barrier child closes at once t=infinity", r_fd, ACT_CLOSE, 0, 0, UINT64_MAX, 0, 5000);
        BARRIER_WITH_RECEIVER("barrier child closes after 150ms t=10s", r_fd, ACT_SLEEP_CLOSE, 150, 0, 10000000, 100,
                              5000);
        BARRIER_WITH_RECEIVER("barrier child closes after 150ms t=infinity", r_fd, ACT_SLEEP_CLOSE, 150, 0,
                              UINT64_MAX, 100, 5000);
        BARRIER_WITH_RECEIVER("barrier child closes after 400ms t=100ms", r_fd, ACT_SLEEP_CLOSE, 400, 0, 100000, 90,
                              0);
        BARRIER_WITH_RECEIVER("barrier child holds t=100ms", r_fd, ACT_HOLD, 0, 0, 100000, 90, 0);
        BARRIER_WITH_RECEIVER("barrier child holds t=0 u=1", r_fd, ACT_HOLD, 0, 1, 0, 0, 0);
        set_ns(P("n.sock"));
        BARRIER_WITH_RECEIVER("barrier child writes a byte, holds, t=100ms", r_fd, ACT_WRITE_HOLD, 0, 0, 100000, 90,
                              0);
        BARRIER_WITH_RECEIVER("barrier child writes a byte, closes, t=10s", r_fd, ACT_WRITE_CLOSE, 0, 0, 10000000, 0,
                              5000);
        set_ns(A(""));
        BARRIER_WITH_RECEIVER("barrier NS=@$A child closes at once", ab_fd, ACT_CLOSE, 0, 1, 10000000, 0, 5000);

        printf("## callers in children: signals, fd table, credentials\n");
        set_ns(P("n.sock"));
        TIMED(50, 4000, RUN_CHILD("barrier queued t=10s, SIGALRM every 100ms (no SA_RESTART)",
                                  start_signal_timer(100, 0), sd_notify_barrier(0, 10000000)));
        TIMED(50, 4000, RUN_CHILD("barrier queued t=10s, SIGALRM every 100ms (SA_RESTART)",
                                  start_signal_timer(100, 1), sd_notify_barrier(1, 10000000)));
        set_ns(P("n.sock"));
        RUN_CHILD("barrier no free fd u=1", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"), sd_notify_barrier(1, 0));
        RUN_CHILD("barrier one free fd u=1", if (fill_fd_table(1) < 0) CHILD_FAIL("fill"), sd_notify_barrier(1, 0));
        RUN_CHILD("barrier two free fds u=1", if (fill_fd_table(2) < 0) CHILD_FAIL("fill"), sd_notify_barrier(1, 0));
        RUN_CHILD("barrier two free fds u=0", if (fill_fd_table(2) < 0) CHILD_FAIL("fill"), sd_notify_barrier(0, 0));
        RUN_CHILD("barrier three free fds u=1 t=0", if (fill_fd_table(3) < 0) CHILD_FAIL("fill"),
                  sd_notify_barrier(1, 0));
        set_ns(NULL);
        RUN_CHILD("barrier no free fd NS=unset", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"), sd_notify_barrier(1, 0));
        set_ns("relative");
        RUN_CHILD("barrier no free fd NS=relative u=1", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"),
                  sd_notify_barrier(1, 0));
        set_ns(P("n.sock"));
        RUN_CHILD("barrier nobody t=0", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY), sd_notify_barrier(0, 0));
        RUN_CHILD("barrier setuid-like r=0 e=65534 t=0", BECOME(0, NOBODY, 0, 0, 0, 0), sd_notify_barrier(0, 0));
        RUN_CHILD("barrier setgid-like g r=65534 e=0 t=0", BECOME(0, 0, 0, NOBODY, 0, NOBODY), sd_notify_barrier(0, 0));
        set_ns(P("private.sock"));
        RUN_CHILD("barrier nobody NS=0600 root socket u=1", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_notify_barrier(1, 0));
        set_ns(NULL);

        rcv_remove(priv);
        close(st);
        printf("# end\n");
        return 0;
}
