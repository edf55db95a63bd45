/* signal-notify.c -- sd_notify from a signal handler, thousands of times, while the interrupted
 * thread is inside malloc-heavy code and inside sd_notify itself.
 *
 * The harness (common/signal-storm.h): a SIGALRM timer fires every 200 us; the handler sends
 * "SIG=n" with sd_notify(0, ...) and counts the results (errno saved and restored).  Meanwhile
 * the main thread churns malloc, calloc, realloc and free of sizes from 16 bytes to 256 KiB
 * (mmap'ed chunks included) and calls sd_notify(0, "MAIN=k") itself every few rounds, so signals
 * land inside glibc's allocator and inside the library.  A receiver thread (all signals blocked)
 * drains the socket.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/signal-storm.h"

static int USE_NOTIFYF; /* --control: the handler calls sd_notifyf, which allocates (vasprintf) */
static int RFD;

static int handler_send(long n) {
        char buf[32];
        storm_fmt(buf, "SIG=", n);
        return USE_NOTIFYF ? sd_notifyf(0, "%s", buf) : sd_notify(0, buf);
}

static int main_send(long k) {
        char buf[32];
        storm_fmt(buf, "MAIN=", k);
        return sd_notify(0, buf) == 1 ? 0 : -1;
}

static ssize_t recv_datagram(char *buf, size_t size, int timeout_ms) {
        struct pollfd pf = { RFD, POLLIN, 0 };
        if (poll(&pf, 1, timeout_ms) != 1)
                return -1;
        ssize_t n = recv(RFD, buf, size - 1, MSG_DONTWAIT);
        if (n >= 0)
                buf[n] = 0;
        return n;
}

static enum storm_kind sort_datagram(const char *buf, ssize_t n, long *seq) {
        (void) n;
        char *end;
        if (!strncmp(buf, "SIG=", 4)) {
                *seq = strtol(buf + 4, &end, 10);
                return *end ? STORM_BADSEQ : STORM_SIG;
        }
        if (!strncmp(buf, "MAIN=", 5))
                return STORM_MAIN;
        return strcmp(buf, "END=1") ? STORM_MALFORMED : STORM_END;
}

int main(int argc, char **argv) {
        if (argc > 1 && !strcmp(argv[1], "--control")) {
                USE_NOTIFYF = 1;
                argc--;
                argv++;
        }
        if (argc > 1)
                STORM_TARGET = atol(argv[1]);
        if (STORM_TARGET < 1)
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
        STORM.prog = "signal-notify";
        STORM.expected = 1;
        STORM.handler_send = handler_send;
        STORM.main_send = main_send;
        STORM.recv = recv_datagram;
        STORM.sort = sort_datagram;
        long took = storm_run();
        if (sd_notify(0, "END=1") != 1) {
                printf("FAIL: could not send END=1\n");
                return 1;
        }
        storm_finish();
        fprintf(stderr, "signal-notify: %ld ms\n", took);
        storm_checks("sd_notify", "datagram", "");
        STORM_CHECK(1, "no deadlock: %ld signals in two phases", (long) HSEQ);
        unlink(path);
        return STORM_FAIL;
}
