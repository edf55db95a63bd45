/* signal-storm.h -- the harness that c-tests/signal-notify.c and c-tests/journal-signal.c share:
 * a library call from a SIGALRM handler every 200 us, thousands of times, while the interrupted
 * thread churns glibc's allocator and calls the library itself.
 *
 * The program fills STORM (what the handler sends, what the main thread sends, how a receiver
 * reads and sorts what arrived) and calls storm_run(), then storm_checks().  Around it, this
 * harness runs the receiver thread (all signals blocked), a watchdog thread (exit 3 and
 * "DEADLOCK" after 3 s without progress) and two phases: SA_RESTART, then
 * SA_RESTART|SA_NODEFER, so that handlers also interrupt handlers inside the library.  If the
 * library allocated or took a lock in the handler, the handler would sooner or later interrupt
 * malloc holding its arena lock and deadlock (or corrupt the heap).
 */
#ifndef SDLITE_SIGNAL_STORM_H
#define SDLITE_SIGNAL_STORM_H

#include <signal.h>
#include <sys/time.h>

#include "testlib.h"

enum storm_kind { STORM_SIG, STORM_MAIN, STORM_END, STORM_MALFORMED, STORM_BADSEQ };

static struct {
        const char *prog;   /* for the DEADLOCK line */
        int expected;       /* what a successful call returns (1 for sd_notify, 0 for the journal) */
        int (*handler_send)(long n); /* in the signal handler: sends sequence number n */
        int (*main_send)(long k);    /* from the interrupted thread: sends round k */
        /* one message into buf (NUL-terminated), or -1 after timeout_ms without one */
        ssize_t (*recv)(char *buf, size_t size, int timeout_ms);
        /* what a received message is; *seq is set for STORM_SIG */
        enum storm_kind (*sort)(const char *buf, ssize_t n, long *seq);
} STORM;

static long STORM_TARGET = 5000; /* signals per phase */
static volatile sig_atomic_t STORM_STOPPED;
static _Atomic long HSEQ, HOK, HBAD, HFIRSTERR, MAINSENT, MAINBAD;
static _Atomic long PROGRESS;
static unsigned char *SEEN; /* SEEN[n]: times sequence number n arrived */
static long SEEN_SIZE;
static _Atomic long RSIG, RMAIN, RDUP, RMALFORMED, RBADSEQ;
static _Atomic int RECV_END;
static pthread_t STORM_RECEIVER, STORM_WATCHDOG;

static void storm_put_str(const char *s) {
        (void) !write(2, s, strlen(s));
}

/* n in decimal after `prefix`, without stdio (async-signal-safe); returns the length */
static size_t storm_fmt(char *out, const char *prefix, long n) {
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

static void storm_on_alarm(int sig) {
        (void) sig;
        int saved = errno;
        int r = STORM.handler_send(++HSEQ);
        if (r == STORM.expected)
                HOK++;
        else if (HBAD++ == 0)
                HFIRSTERR = r;
        PROGRESS++;
        errno = saved;
}

static void storm_block_all(void) {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
}

static void *storm_receiver(void *arg) {
        (void) arg;
        storm_block_all();
        char buf[512];
        while (!RECV_END) {
                ssize_t n = STORM.recv(buf, sizeof buf, 100);
                if (n < 0)
                        continue;
                long s = 0;
                switch (STORM.sort(buf, n, &s)) {
                case STORM_SIG:
                        if (s <= 0 || s >= SEEN_SIZE)
                                RBADSEQ++;
                        else if (SEEN[s]++)
                                RDUP++;
                        RSIG++;
                        break;
                case STORM_BADSEQ:
                        RBADSEQ++;
                        RSIG++;
                        break;
                case STORM_MAIN:
                        RMAIN++;
                        break;
                case STORM_END:
                        RECV_END = 1;
                        break;
                case STORM_MALFORMED:
                        RMALFORMED++;
                }
        }
        return NULL;
}

static void *storm_watchdog(void *arg) {
        (void) arg;
        storm_block_all();
        long last = -1;
        int still = 0;
        while (!STORM_STOPPED) {
                struct timespec ts = { 0, 100 * 1000000L };
                nanosleep(&ts, NULL);
                long p = PROGRESS;
                if (p != last) {
                        last = p;
                        still = 0;
                } else if (++still >= 30) {
                        storm_put_str(STORM.prog);
                        storm_put_str(": DEADLOCK: no progress for 3 s (handler or main thread stuck)\n");
                        _exit(3);
                }
        }
        return NULL;
}

/* Allocator churn: sizes 16 B .. 256 KiB (above the mmap threshold too). */
static void storm_churn(unsigned *seed, void **slots, int nslots) {
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

static void storm_phase(const char *label, int flags) {
        struct sigaction sa = { .sa_handler = storm_on_alarm, .sa_flags = flags };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        long base = HSEQ;
        struct itimerval it = { { 0, 200 }, { 0, 200 } };
        setitimer(ITIMER_REAL, &it, NULL);
        void *slots[256] = { 0 };
        unsigned seed = 12345;
        long rounds = 0;
        while (HSEQ - base < STORM_TARGET) {
                storm_churn(&seed, slots, 256);
                if (++rounds % 8 == 0) {
                        MAINSENT++;
                        if (STORM.main_send(rounds) != 0)
                                MAINBAD++;
                }
        }
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, NULL);
        for (int i = 0; i < 256; i++)
                free(slots[i]);
        printf("# %s: %ld signals handled during %ld allocator rounds\n", label, HSEQ - base, rounds);
}

/* Starts the receiver and the watchdog, runs both phases and returns how long they took (ms).
 * The caller then sends its end message and calls storm_finish(). */
static long storm_run(void) {
        /* two phases of STORM_TARGET signals, plus slack for the last timer shots */
        SEEN_SIZE = 2 * STORM_TARGET + 1000;
        SEEN = calloc((size_t) SEEN_SIZE, 1);
        /* the helper threads start with every signal blocked (inherited), so that SIGALRM can
         * only ever interrupt the main thread; then the main thread unblocks them */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        if (!SEEN || pthread_create(&STORM_RECEIVER, NULL, storm_receiver, NULL) ||
            pthread_create(&STORM_WATCHDOG, NULL, storm_watchdog, NULL)) {
                perror("setup");
                exit(2);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        long t0 = now_ms();
        storm_phase("phase 1 (SA_RESTART)", SA_RESTART);
        storm_phase("phase 2 (SA_RESTART|SA_NODEFER: handlers interrupt handlers)", SA_RESTART | SA_NODEFER);
        return now_ms() - t0;
}

/* After the end message was sent: waits for the receiver to see it, stops the watchdog. */
static void storm_finish(void) {
        pthread_join(STORM_RECEIVER, NULL);
        STORM_STOPPED = 1;
        pthread_join(STORM_WATCHDOG, NULL);
}

static int STORM_FAIL;
#define STORM_CHECK(cond, ...)                            \
        do {                                              \
                printf("%s: ", (cond) ? "ok" : "FAIL");   \
                printf(__VA_ARGS__);                      \
                printf("\n");                             \
                STORM_FAIL |= !(cond);                    \
        } while (0)

/* The checks both programs make; `call` names the function the handler used, `what` the unit
 * that travels ("datagram", "entry"). */
static void storm_checks(const char *call, const char *what, const char *exact) {
        long missing = 0;
        for (long s = 1; s <= HSEQ && s < SEEN_SIZE; s++)
                missing += SEEN[s] == 0;
        STORM_CHECK(HBAD == 0, "every %s in the handler returned %d (%ld of %ld; first other result %ld)", call,
                    STORM.expected, (long) HOK, (long) HSEQ, (long) HFIRSTERR);
        STORM_CHECK(missing == 0 && RDUP == 0 && RBADSEQ == 0 && RSIG == HSEQ,
                    "every SIG=n %s arrived exactly once%s (%ld received, %ld missing, %ld duplicated, %ld bad)", what,
                    exact, (long) RSIG, missing, (long) RDUP, (long) RBADSEQ);
        STORM_CHECK(MAINBAD == 0 && RMAIN == MAINSENT, "every MAIN=k %s from the interrupted thread arrived (%ld of %ld)",
                    what, (long) RMAIN, (long) MAINSENT);
        STORM_CHECK(RMALFORMED == 0, "no malformed %s (%ld)", what, (long) RMALFORMED);
}

#endif
