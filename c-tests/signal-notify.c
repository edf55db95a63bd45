/* signal-notify.c -- sd_notify from a signal handler, thousands of times, while the interrupted
 * thread is inside malloc-heavy code and inside sd_notify itself.
 *
 * A SIGALRM timer fires every 200 us; the handler sends "SIG=n" with sd_notify(0, ...) and
 * counts the results (errno saved and restored).  Meanwhile the main thread loops over malloc,
 * calloc, realloc and free of sizes from 16 bytes to 256 KiB (mmap'ed chunks included) and calls
 * sd_notify(0, "MAIN=k") itself every few rounds, so signals land inside glibc's allocator and
 * inside the library.  A receiver thread (all signals blocked) drains the socket.  If the
 * library allocated or took a lock in the handler, the handler would sooner or later interrupt
 * malloc holding its arena lock and deadlock (or corrupt the heap).
 *
 * Phase 1: handler with SA_RESTART; phase 2: SA_RESTART|SA_NODEFER, so handlers also interrupt
 * each other inside sd_notify.  Checks: every handler call returned 1, every SIG=n arrived
 * exactly once, every MAIN=k that returned 1 arrived, and progress never stalled (a watchdog
 * thread ends the program with exit 3 and "DEADLOCK" after 3 s without progress).
 *
 * usage: signal-notify [--control] [SIGNALS_PER_PHASE]   (default 5000)
 * --control makes the handler call sd_notifyf instead, which allocates (vasprintf): the
 * negative control showing that this test catches a handler that is not async-signal-safe
 * (it deadlocks in malloc, or the heap breaks, within seconds).
 * Built against Debian's <systemd/sd-daemon.h> and -lsystemd; run by
 * tests/suites/73-async-signal-safety.sh on sdlite (must pass) and on libsystemd 252 (reported).
 */
#define _GNU_SOURCE
#include <systemd/sd-daemon.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/testlib.h"

static long TARGET = 5000;
static int USE_NOTIFYF; /* --control: the handler calls sd_notifyf, which allocates (vasprintf) */
static volatile sig_atomic_t STOPPED;
static _Atomic long HSEQ, HOK, HBAD, HFIRSTERR, MAINSENT, MAINBAD;
static _Atomic long PROGRESS;
static unsigned char *SEEN; /* SEEN[n]: times SIG=n arrived */
static long SEEN_SIZE;
static _Atomic long RSIG, RMAIN, RDUP, RMALFORMED, RBADSEQ;
static int RFD;
static _Atomic int RECV_END;

static void put_str(const char *s) {
        (void) !write(2, s, strlen(s));
}

static void on_alarm(int sig) {
        (void) sig;
        int saved = errno;
        long n = ++HSEQ;
        char buf[32] = "SIG=", digits[24];
        int k = 0;
        do {
                digits[k++] = (char) ('0' + n % 10);
                n /= 10;
        } while (n);
        int o = 4;
        while (k)
                buf[o++] = digits[--k];
        buf[o] = 0;
        int r = USE_NOTIFYF ? sd_notifyf(0, "%s", buf) : sd_notify(0, buf);
        if (r == 1)
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
        char buf[128];
        while (!RECV_END) {
                struct pollfd pf = { RFD, POLLIN, 0 };
                if (poll(&pf, 1, 100) != 1)
                        continue;
                ssize_t n;
                while ((n = recv(RFD, buf, sizeof buf - 1, MSG_DONTWAIT)) >= 0) {
                        buf[n] = 0;
                        char *end;
                        if (!strncmp(buf, "SIG=", 4)) {
                                long s = strtol(buf + 4, &end, 10);
                                if (*end || s <= 0 || s >= SEEN_SIZE)
                                        RBADSEQ++;
                                else if (SEEN[s]++)
                                        RDUP++;
                                RSIG++;
                        } else if (!strncmp(buf, "MAIN=", 5))
                                RMAIN++;
                        else if (!strcmp(buf, "END=1"))
                                RECV_END = 1;
                        else
                                RMALFORMED++;
                }
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
                        put_str("signal-notify: DEADLOCK: no progress for 3 s (handler or main thread stuck)\n");
                        _exit(3);
                }
        }
        return NULL;
}

/* Allocator churn: sizes 16 B .. 256 KiB (above the mmap threshold too). */
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

static int phase(const char *label, int flags) {
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
                        char buf[32];
                        snprintf(buf, sizeof buf, "MAIN=%ld", rounds);
                        MAINSENT++;
                        if (sd_notify(0, buf) != 1)
                                MAINBAD++;
                }
        }
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, NULL);
        for (int i = 0; i < 256; i++)
                free(slots[i]);
        printf("# %s: %ld signals handled during %ld allocator rounds\n", label, HSEQ - base, rounds);
        return 0;
}

int main(int argc, char **argv) {
        if (argc > 1 && !strcmp(argv[1], "--control")) {
                USE_NOTIFYF = 1;
                argc--;
                argv++;
        }
        if (argc > 1)
                TARGET = atol(argv[1]);
        if (TARGET < 1)
                return 2;
        report_library();
        setvbuf(stdout, NULL, _IOLBF, 0);
        char path[108];
        snprintf(path, sizeof path, "%s/sdlite-signal-%d.sock", scratch_base(), (int) getpid());
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        unlink(path);
        RFD = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (RFD < 0 || bind(RFD, (struct sockaddr *) &sa, sizeof sa) < 0) {
                perror("socket/bind");
                return 2;
        }
        setenv("NOTIFY_SOCKET", path, 1);
        /* two phases of TARGET signals, plus slack for the last timer shots */
        SEEN_SIZE = 2 * TARGET + 1000;
        SEEN = calloc((size_t) SEEN_SIZE, 1);
        /* the helper threads start with every signal blocked (inherited), so that SIGALRM can
         * only ever interrupt the main thread; then the main thread unblocks them */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);
        pthread_t rt, wt;
        if (!SEEN || pthread_create(&rt, NULL, receiver, NULL) || pthread_create(&wt, NULL, watchdog, NULL)) {
                perror("setup");
                return 2;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        phase("phase 1 (SA_RESTART)", SA_RESTART);
        phase("phase 2 (SA_RESTART|SA_NODEFER: handlers interrupt handlers)", SA_RESTART | SA_NODEFER);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (sd_notify(0, "END=1") != 1) {
                printf("FAIL: could not send END=1\n");
                return 1;
        }
        pthread_join(rt, NULL);
        STOPPED = 1;
        pthread_join(wt, NULL);
        fprintf(stderr, "signal-notify: %ld ms\n",
                (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);

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
        CHECK(HBAD == 0, "every sd_notify in the handler returned 1 (%ld of %ld; first other result %ld)", (long) HOK,
              (long) HSEQ, (long) HFIRSTERR);
        CHECK(missing == 0 && RDUP == 0 && RBADSEQ == 0 && RSIG == HSEQ,
              "every SIG=n arrived exactly once (%ld received, %ld missing, %ld duplicated, %ld bad)", (long) RSIG,
              missing, (long) RDUP, (long) RBADSEQ);
        CHECK(MAINBAD == 0 && RMAIN == MAINSENT, "every MAIN=k from the interrupted thread arrived (%ld of %ld)",
              (long) RMAIN, (long) MAINSENT);
        CHECK(RMALFORMED == 0, "no malformed datagram (%ld)", (long) RMALFORMED);
        CHECK(1, "no deadlock: %ld signals in two phases", (long) HSEQ);
        unlink(path);
        return fail;
}
