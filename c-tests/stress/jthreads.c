/* Journal stress (a): many threads logging at once, and the one process-wide socket.
 *
 * Part 1, first use under contention: ROUNDS times, a fresh child process (forked before this
 * process ever calls the library, so the library's state is new in each) starts 8 threads that
 * wait at a barrier and then all call sd_journal_sendv at the same instant, the first call of
 * the process; then the child counts the library's journal sockets (AF_UNIX datagram sockets
 * without a name in /proc/self/fd).  Checks: every call returned 0, every entry arrived, and
 * every child ended with exactly one journal socket (racing threads must not leave one socket
 * each, nor leak the losers').
 *
 * Part 2, volume: THREADS threads x PER calls each, all released by one barrier, through
 * sd_journal_send (thread t % 4 == 0), sd_journal_print (1), sd_journal_sendv with a multi-line
 * field (2) and sd_journal_print_with_location (3), to one receiver thread whose queue holds
 * net.unix.max_dgram_qlen entries (10 here): senders block while it drains, as with journald.
 * Checks: every call returned 0; exactly THREADS x PER entries arrived, each byte-identical to
 * what its (thread, sequence) must produce (field order, the binary form of the multi-line
 * value, PRIORITY, the location fields, SYSLOG_IDENTIFIER), each thread's sequence complete and
 * in order, SCM_CREDENTIALS our pid/uid/gid; afterwards exactly one journal socket in the
 * process and no other fd left open.
 *
 * usage: jthreads [THREADS [PER [ROUNDS]]]   (default 8 10000 200)
 */
#include "journal.h"

#define MAXT 64
#define RACERS 8

static int NT = 8, PER = 10000, ROUNDS = 200;
static int RECV_FD;
static int RESULT_BAD[MAXT], FIRST_BAD[MAXT];
static pthread_barrier_t GO;

/* ------------------------------------------------------------------ part 1: first use */

static _Atomic int RACE_BAD;

static void *racer(void *arg) {
        char f[64];
        snprintf(f, sizeof f, "MESSAGE=race %d", (int) (intptr_t) arg);
        struct iovec iov[2] = { iov_str(f), iov_str("X_RACE=1") };
        pthread_barrier_wait(&GO);
        if (sd_journal_sendv(iov, 2) != 0)
                RACE_BAD++;
        return NULL;
}

/* The child: 8 threads make the process's first calls at once; exit status = journal sockets
 * afterwards (100 + n when a call failed). */
static void first_use_child(void) {
        pthread_t t[RACERS];
        pthread_barrier_init(&GO, NULL, RACERS);
        for (int i = 0; i < RACERS; i++)
                if (pthread_create(&t[i], NULL, racer, (void *) (intptr_t) i))
                        _exit(99);
        for (int i = 0; i < RACERS; i++)
                pthread_join(t[i], NULL);
        int n = journal_sockets(0);
        /* nothing left open for valgrind's fd tracking: the inherited receiver and the
         * library's socket (kept by design) */
        close(RECV_FD);
        journal_sockets(1);
        _exit(RACE_BAD ? 100 + (n & 63) : n);
}

static void first_use_rounds(void) {
        long t0 = now_ms();
        int counts[4] = { 0 }; /* 0, 1, 2, more journal sockets */
        int failed_calls = 0, crashed = 0, received = 0, malformed = 0;
        char buf[512];
        struct jentry e;
        for (int r = 0; r < ROUNDS; r++) {
                pid_t p = fork_flushed();
                if (p == 0)
                        first_use_child();
                int st, got = 0;
                /* drain while the child runs (the queue may be shorter than 8 elsewhere) */
                while (waitpid(p, &st, WNOHANG) == 0) {
                        ssize_t n = recv_entry(RECV_FD, buf, sizeof buf, 5, &e);
                        if (n >= 0) {
                                got++;
                                malformed += strncmp(buf, "MESSAGE=race ", 13) != 0;
                        }
                }
                while (recv_entry(RECV_FD, buf, sizeof buf, 0, &e) >= 0) {
                        got++;
                        malformed += strncmp(buf, "MESSAGE=race ", 13) != 0;
                }
                received += got;
                if (!WIFEXITED(st)) {
                        crashed++;
                        continue;
                }
                int n = WEXITSTATUS(st);
                if (n >= 100) {
                        failed_calls++;
                        n -= 100;
                }
                counts[n > 3 ? 3 : n]++;
        }
        fprintf(stderr, "jthreads: %d first-use rounds of %d racing threads in %ld ms; journal sockets per child: "
                        "0:%d 1:%d 2:%d more:%d\n",
                ROUNDS, RACERS, now_ms() - t0, counts[0], counts[1], counts[2], counts[3]);
        check(crashed == 0 && failed_calls == 0,
              "first use: %d processes x %d threads racing into sd_journal_sendv: every call returned 0 (%d processes "
              "with a failed call, %d crashed)",
              ROUNDS, RACERS, failed_calls, crashed);
        check(received == ROUNDS * RACERS && malformed == 0, "first use: all %d entries arrived (%d, %d malformed)",
              ROUNDS * RACERS, received, malformed);
        check(counts[1] == ROUNDS, "first use: every process ends with exactly one journal socket (%d with 2, %d with more, %d with none)",
              counts[2], counts[3], counts[0]);
}

/* ------------------------------------------------------------------ part 2: volume */

/* What thread t's n-th call puts on the wire. */
static int expected(int t, int n, char *out, size_t size) {
        char multi[48];
        int ml = snprintf(multi, sizeof multi, "%d\n%d", t, n);
        switch (t % 4) {
        case 0:
                return snprintf(out, size, "MESSAGE=jt %d %d\nX_THREAD=%d\nX_SEQ=%d\n%s", t, n, t, n, ident_line());
        case 1:
                return snprintf(out, size, "MESSAGE=jt %d %d\nPRIORITY=6\n%s", t, n, ident_line());
        case 2: {
                int o = snprintf(out, size, "MESSAGE=jt %d %d\nX_MULTI\n", t, n);
                uint64_t le = (uint64_t) ml; /* little-endian hosts only (x86_64) */
                memcpy(out + o, &le, 8);
                o += 8;
                return o + snprintf(out + o, size - (size_t) o, "%s\nX_SEQ=%d\n%s", multi, n, ident_line());
        }
        default:
                return snprintf(out, size, "MESSAGE=jt %d %d\nPRIORITY=5\nCODE_FILE=jthreads.c\nCODE_LINE=42\nCODE_FUNC=sender\n%s",
                                t, n, ident_line());
        }
}

static void *sender(void *arg) {
        int t = (int) (intptr_t) arg;
        char m[48], multi[48], seq[32];
        pthread_barrier_wait(&GO);
        for (int n = 0; n < PER; n++) {
                int r;
                switch (t % 4) {
                case 0:
                        r = sd_journal_send("MESSAGE=jt %d %d", t, n, "X_THREAD=%d", t, "X_SEQ=%d", n, NULL);
                        break;
                case 1:
                        r = sd_journal_print(6, "jt %d %d", t, n);
                        break;
                case 2: {
                        snprintf(m, sizeof m, "MESSAGE=jt %d %d", t, n);
                        snprintf(multi, sizeof multi, "X_MULTI=%d\n%d", t, n);
                        snprintf(seq, sizeof seq, "X_SEQ=%d", n);
                        struct iovec iov[3] = { iov_str(m), iov_str(multi), iov_str(seq) };
                        r = sd_journal_sendv(iov, 3);
                        break;
                }
                default:
                        r = sd_journal_print_with_location(5, "CODE_FILE=jthreads.c", "CODE_LINE=42", "sender", "jt %d %d", t, n);
                        break;
                }
                if (r != 0 && RESULT_BAD[t]++ == 0)
                        FIRST_BAD[t] = r;
        }
        return NULL;
}

struct rstats {
        long total, malformed, out_of_order, bad_cred, with_fds;
        int next[MAXT];
        char first_bad[160];
};

static void *receiver(void *arg) {
        struct rstats *s = arg;
        char buf[1024], want[1024];
        struct jentry e;
        long all = (long) NT * PER;
        while (s->total < all) {
                ssize_t n = recv_entry(RECV_FD, buf, sizeof buf, 10000, &e);
                if (n == -EAGAIN)
                        break; /* 10 s of silence: what is missing shows below */
                if (n < 0) {
                        errno = (int) -n;
                        die("recvmsg");
                }
                s->total++;
                int t, seq;
                if (sscanf(buf, "MESSAGE=jt %d %d", &t, &seq) != 2 || t < 0 || t >= NT || seq < 0 || seq >= PER ||
                    expected(t, seq, want, sizeof want) != n || memcmp(want, buf, (size_t) n)) {
                        if (s->malformed++ == 0) {
                                for (ssize_t i = 0; i < n && i < 150; i++)
                                        s->first_bad[i] = buf[i] == '\n' ? '|' : (buf[i] < ' ' ? '.' : buf[i]);
                        }
                        continue;
                }
                if (seq != s->next[t])
                        s->out_of_order++;
                s->next[t] = seq + 1;
                if (!e.d.has_cred || e.d.cred.pid != getpid() || e.d.cred.uid != getuid() || e.d.cred.gid != getgid())
                        s->bad_cred++;
                if (e.d.nfds)
                        s->with_fds++;
        }
        return NULL;
}

int main(int argc, char **argv) {
        stress_init("jthreads");
        if (argc > 1)
                NT = atoi(argv[1]);
        if (argc > 2)
                PER = atoi(argv[2]);
        if (argc > 3)
                ROUNDS = atoi(argv[3]);
        if (NT < 1 || NT > MAXT || PER < 1 || ROUNDS < 0)
                return 2;
        journal_ns_init();
        RECV_FD = journal_receiver();

        if (ROUNDS)
                first_use_rounds(); /* before this process uses the library at all */

        int fds0 = count_fds();
        struct rstats s = { 0 };
        pthread_t rt, st[MAXT];
        pthread_barrier_init(&GO, NULL, (unsigned) NT);
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
        int socks = journal_sockets(0);
        fprintf(stderr, "jthreads: %d x %d entries in %ld ms (%.1f us each); journal sockets afterwards: %d\n", NT, PER,
                took, took * 1000.0 / ((double) NT * PER), socks);

        int bad = 0;
        for (int t = 0; t < NT; t++)
                if (RESULT_BAD[t]) {
                        bad += RESULT_BAD[t];
                        printf("  thread %d: %d calls did not return 0 (first: %s)\n", t, RESULT_BAD[t], rs(FIRST_BAD[t]));
                }
        check(bad == 0, "%d threads x %d calls (send, print, sendv with a multi-line field, print_with_location): every call returned 0",
              NT, PER);
        check(s.total == (long) NT * PER, "receiver got %ld of %ld entries", s.total, (long) NT * PER);
        int incomplete = 0;
        for (int t = 0; t < NT; t++)
                if (s.next[t] != PER) {
                        incomplete++;
                        printf("  thread %d: last sequence number seen %d\n", t, s.next[t] - 1);
                }
        check(incomplete == 0 && s.out_of_order == 0,
              "every thread's sequence complete and in order (incomplete threads: %d, out of order: %ld)", incomplete,
              s.out_of_order);
        check(s.malformed == 0, "every entry byte-identical to what its call must send (%ld not; first: \"%s\")", s.malformed,
              s.first_bad);
        check(s.with_fds == 0, "every entry a plain datagram, no fd attached (%ld)", s.with_fds);
        check(s.bad_cred == 0, "credentials are our own pid/uid/gid on every entry (%ld wrong)", s.bad_cred);
        check(socks == 1, "exactly one journal socket in the process afterwards (%d)", socks);
        /* the library keeps that socket for the process's life (both libraries, by design) */
        check(count_fds() == fds0 + 1, "no other fd left open (%d before the threads, %d after)", fds0, count_fds());
        journal_sockets(1); /* closed for valgrind's fd tracking: it is kept on purpose */
        close(RECV_FD);
        return FAILED;
}
