/* journal-signal.c -- sd_journal_sendv from a signal handler, thousands of times, while the
 * interrupted thread is inside malloc-heavy code and inside the journal functions itself (the
 * journal's half of c-tests/signal-notify.c).
 *
 * In a private mount namespace with its own fake journald (stress/journal.h).  A SIGALRM timer
 * fires every 200 us; the handler sends the entry "MESSAGE=SIG=n" + "X_SIG=n" with
 * sd_journal_sendv (errno saved and restored).  Meanwhile the main thread loops over malloc,
 * calloc, realloc and free of sizes from 16 bytes to 256 KiB and calls sd_journal_sendv
 * ("MESSAGE=MAIN=k") itself every few rounds, so signals land inside glibc's allocator and
 * inside the library; the very first journal call of the process may itself be interrupted by
 * one that makes the socket.  A receiver thread (all signals blocked) drains the socket.
 *
 * Phase 1: handler with SA_RESTART; phase 2: SA_RESTART|SA_NODEFER (handlers interrupt
 * handlers inside sd_journal_sendv).  Checks: every handler call returned 0, every SIG=n
 * arrived exactly once and byte-identical, every MAIN=k arrived, exactly one journal socket in
 * the process afterwards, and progress never stalled (a watchdog thread ends the program with
 * exit 3 and "DEADLOCK" after 3 s without progress).
 *
 * usage: journal-signal [--control] [SIGNALS_PER_PHASE]   (default 5000)
 * --control makes the handler call sd_journal_send instead, which allocates (vasprintf): the
 * negative control (expected to deadlock in malloc or break the heap sooner or later).
 * Built against Debian's <systemd/sd-journal.h> and -lsystemd; run by
 * tests/suites/73-async-signal-safety.sh on sdlite (must pass) and on libsystemd 252 (reported).
 * Needs root (namespaces): exits 77 without.
 */
#include "stress/journal.h"

static long TARGET = 5000;
static int USE_SEND;
static volatile sig_atomic_t STOPPED;
static _Atomic long HSEQ, HOK, HBAD, HFIRSTERR, MAINSENT, MAINBAD;
static _Atomic long PROGRESS;
static unsigned char *SEEN;
static long SEEN_SIZE;
static _Atomic long RSIG, RMAIN, RDUP, RMALFORMED, RBADSEQ;
static int RFD;
static _Atomic int RECV_END;

static void put_str(const char *s) {
        (void) !write(2, s, strlen(s));
}

/* n in decimal after `prefix`, without stdio (async-signal-safe); returns the length */
static size_t fmt(char *out, const char *prefix, long n) {
        size_t o = strlen(prefix);
        char digits[24];
        int k = 0;
        memcpy(out, prefix, o);
        do {
                digits[k++] = (char) ('0' + n % 10);
                n /= 10;
        } while (n);
        while (k)
                out[o++] = digits[--k];
        out[o] = 0;
        return o;
}

static void on_alarm(int sig) {
        (void) sig;
        int saved = errno;
        long n = ++HSEQ;
        char m[40], x[40];
        int r;
        if (USE_SEND)
                r = sd_journal_send("MESSAGE=SIG=%ld", n, "X_SIG=%ld", n, NULL);
        else {
                struct iovec iov[2] = { { m, fmt(m, "MESSAGE=SIG=", n) }, { x, fmt(x, "X_SIG=", n) } };
                r = sd_journal_sendv(iov, 2);
        }
        if (r == 0)
                HOK++;
        else if (HBAD++ == 0)
                HFIRSTERR = r;
        PROGRESS++;
        errno = saved;
}

static void *receiver(void *arg) {
        (void) arg;
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
        char buf[512], want[512];
        struct jentry e;
        while (!RECV_END) {
                ssize_t n = recv_entry(RFD, buf, sizeof buf, 100, &e);
                if (n < 0)
                        continue;
                char *end;
                if (!strncmp(buf, "MESSAGE=SIG=", 12)) {
                        long s = strtol(buf + 12, &end, 10);
                        int wl = snprintf(want, sizeof want, "MESSAGE=SIG=%ld\nX_SIG=%ld\n%s", s, s, ident_line());
                        if (s <= 0 || s >= SEEN_SIZE || wl != n || memcmp(want, buf, (size_t) n))
                                RBADSEQ++;
                        else if (SEEN[s]++)
                                RDUP++;
                        RSIG++;
                } else if (!strncmp(buf, "MESSAGE=MAIN=", 13))
                        RMAIN++;
                else if (!strncmp(buf, "MESSAGE=END", 11))
                        RECV_END = 1;
                else
                        RMALFORMED++;
        }
        return NULL;
}

static void *watchdog(void *arg) {
        (void) arg;
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
        long last = -1;
        int still = 0;
        while (!STOPPED) {
                struct timespec ts = { 0, 100 * 1000000L };
                nanosleep(&ts, NULL);
                long p = PROGRESS;
                if (p != last) {
                        last = p;
                        still = 0;
                } else if (++still >= 30) {
                        put_str("journal-signal: DEADLOCK: no progress for 3 s (handler or main thread stuck)\n");
                        _exit(3);
                }
        }
        return NULL;
}

static void churn(unsigned *seed, void **slots, int nslots) {
        for (int j = 0; j < 64; j++) {
                int i = (int) (rand_r(seed) % (unsigned) nslots);
                size_t sz = 16u << (rand_r(seed) % 15);
                switch (rand_r(seed) % 4) {
                case 0:
                        free(slots[i]);
                        slots[i] = malloc(sz);
                        break;
                case 1:
                        free(slots[i]);
                        slots[i] = calloc(1, sz);
                        break;
                case 2: {
                        void *p = realloc(slots[i], sz);
                        if (p)
                                slots[i] = p;
                        break;
                }
                default:
                        free(slots[i]);
                        slots[i] = NULL;
                }
                if (slots[i])
                        ((char *) slots[i])[0] = (char) j;
        }
        PROGRESS++;
}

static void phase(const char *label, int flags) {
        struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = flags };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        long base = HSEQ;
        struct itimerval it = { { 0, 200 }, { 0, 200 } };
        setitimer(ITIMER_REAL, &it, NULL);
        void *slots[256] = { 0 };
        unsigned seed = 12345;
        long rounds = 0;
        while (HSEQ - base < TARGET) {
                churn(&seed, slots, 256);
                if (++rounds % 8 == 0) {
                        char m[40];
                        struct iovec iov[1] = { { m, fmt(m, "MESSAGE=MAIN=", rounds) } };
                        MAINSENT++;
                        if (sd_journal_sendv(iov, 1) != 0)
                                MAINBAD++;
                }
        }
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, NULL);
        for (int i = 0; i < 256; i++)
                free(slots[i]);
        printf("# %s: %ld signals handled during %ld allocator rounds\n", label, HSEQ - base, rounds);
}

int main(int argc, char **argv) {
        if (argc > 1 && !strcmp(argv[1], "--control")) {
                USE_SEND = 1;
                argc--;
                argv++;
        }
        if (argc > 1)
                TARGET = atol(argv[1]);
        if (TARGET < 1)
                return 2;
        PROG = "journal-signal";
        report_library();
        setvbuf(stdout, NULL, _IOLBF, 0);
        journal_ns_init();
        RFD = journal_receiver();
        SEEN_SIZE = 2 * TARGET + 1000;
        SEEN = calloc((size_t) SEEN_SIZE, 1);
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        pthread_t rt, wt;
        if (!SEEN || pthread_create(&rt, NULL, receiver, NULL) || pthread_create(&wt, NULL, watchdog, NULL)) {
                perror("setup");
                return 2;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        long t0 = now_ms();
        phase("phase 1 (SA_RESTART)", SA_RESTART);
        phase("phase 2 (SA_RESTART|SA_NODEFER: handlers interrupt handlers)", SA_RESTART | SA_NODEFER);
        long took = now_ms() - t0;
        struct iovec end[1] = { iov_str("MESSAGE=END") };
        if (sd_journal_sendv(end, 1) != 0) {
                printf("FAIL: could not send the END entry\n");
                return 1;
        }
        pthread_join(rt, NULL);
        STOPPED = 1;
        pthread_join(wt, NULL);
        fprintf(stderr, "journal-signal: %ld ms\n", took);

        int fail = 0;
#define CHECK(cond, ...)                                  \
        do {                                              \
                printf("%s: ", (cond) ? "ok" : "FAIL");   \
                printf(__VA_ARGS__);                      \
                printf("\n");                             \
                fail |= !(cond);                          \
        } while (0)
        long missing = 0;
        for (long s = 1; s <= HSEQ && s < SEEN_SIZE; s++)
                missing += SEEN[s] == 0;
        int socks = journal_sockets(0);
        CHECK(HBAD == 0, "every sd_journal_sendv in the handler returned 0 (%ld of %ld; first other result %ld)", (long) HOK,
              (long) HSEQ, (long) HFIRSTERR);
        CHECK(missing == 0 && RDUP == 0 && RBADSEQ == 0 && RSIG == HSEQ,
              "every SIG=n entry arrived exactly once, byte-identical (%ld received, %ld missing, %ld duplicated, %ld bad)",
              (long) RSIG, missing, (long) RDUP, (long) RBADSEQ);
        CHECK(MAINBAD == 0 && RMAIN == MAINSENT, "every MAIN=k entry from the interrupted thread arrived (%ld of %ld)",
              (long) RMAIN, (long) MAINSENT);
        CHECK(RMALFORMED == 0, "no malformed entry (%ld)", (long) RMALFORMED);
        CHECK(socks == 1, "exactly one journal socket in the process (%d)", socks);
        CHECK(1, "no deadlock: %ld signals in two phases", (long) HSEQ);
        return fail;
}
