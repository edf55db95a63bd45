/* journal-signal.c -- sd_journal_sendv from a signal handler, thousands of times, while the
 * interrupted thread is inside malloc-heavy code and inside the journal functions itself (the
 * journal's half of c-tests/signal-notify.c).
 *
 * In a private mount namespace with its own fake journald (stress/journal.h); the harness is
 * common/signal-storm.h, shared with signal-notify.c.  A SIGALRM timer fires every 200 us; the handler sends the entry "MESSAGE=SIG=n" + "X_SIG=n" with
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

#include "common/signal-storm.h"

static int USE_SEND;
static int RFD;

static int handler_send(long n) {
        if (USE_SEND)
                return sd_journal_send("MESSAGE=SIG=%ld", n, "X_SIG=%ld", n, NULL);
        char m[40], x[40];
        struct iovec iov[2] = { { m, storm_fmt(m, "MESSAGE=SIG=", n) }, { x, storm_fmt(x, "X_SIG=", n) } };
        return sd_journal_sendv(iov, 2);
}

static int main_send(long k) {
        char m[40];
        struct iovec iov[1] = { { m, storm_fmt(m, "MESSAGE=MAIN=", k) } };
        return sd_journal_sendv(iov, 1);
}

static ssize_t recv_one(char *buf, size_t size, int timeout_ms) {
        struct jentry e;
        return recv_entry(RFD, buf, size, timeout_ms, &e);
}

/* A SIG=n entry must be byte-identical to what the handler sent. */
static enum storm_kind sort_entry(const char *buf, ssize_t n, long *seq) {
        char want[512], *end;
        if (!strncmp(buf, "MESSAGE=SIG=", 12)) {
                *seq = strtol(buf + 12, &end, 10);
                int wl = snprintf(want, sizeof want, "MESSAGE=SIG=%ld\nX_SIG=%ld\n%s", *seq, *seq, ident_line());
                return wl != n || memcmp(want, buf, (size_t) n) ? STORM_BADSEQ : STORM_SIG;
        }
        if (!strncmp(buf, "MESSAGE=MAIN=", 13))
                return STORM_MAIN;
        return strncmp(buf, "MESSAGE=END", 11) ? STORM_MALFORMED : STORM_END;
}

int main(int argc, char **argv) {
        if (argc > 1 && !strcmp(argv[1], "--control")) {
                USE_SEND = 1;
                argc--;
                argv++;
        }
        if (argc > 1)
                STORM_TARGET = atol(argv[1]);
        if (STORM_TARGET < 1)
                return 2;
        PROG = "journal-signal";
        report_library();
        setvbuf(stdout, NULL, _IOLBF, 0);
        journal_ns_init();
        RFD = journal_receiver();
        STORM.prog = PROG;
        STORM.expected = 0;
        STORM.handler_send = handler_send;
        STORM.main_send = main_send;
        STORM.recv = recv_one;
        STORM.sort = sort_entry;
        long took = storm_run();
        struct iovec end[1] = { iov_str("MESSAGE=END") };
        if (sd_journal_sendv(end, 1) != 0) {
                printf("FAIL: could not send the END entry\n");
                return 1;
        }
        storm_finish();
        fprintf(stderr, "journal-signal: %ld ms\n", took);
        int socks = journal_sockets(0);
        storm_checks("sd_journal_sendv", "entry", ", byte-identical");
        STORM_CHECK(socks == 1, "exactly one journal socket in the process (%d)", socks);
        STORM_CHECK(1, "no deadlock: %ld signals in two phases", (long) HSEQ);
        return STORM_FAIL;
}
