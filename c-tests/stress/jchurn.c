/* Journal stress (c): 100,000 mixed calls; every result as expected, no fd leak, stable memory.
 *
 * The rounds cycle through the sending side's paths, each checked by its result and by what the
 * fake journald got (drained after each call, byte for byte):
 *   success: sd_journal_print, sd_journal_send, sd_journal_sendv (with a multi-line field),
 *     sd_journal_perror (errno ENOENT), the _with_location forms of sendv and perror, a sendv of
 *     100 fields (sdlite's copying path), a print of 3,000 characters (over LINE_MAX)
 *   no journald (no socket file): sd_journal_print -> 0, nothing sent
 *   a stale socket file (nobody bound): print and sendv -> -ECONNREFUSED
 *   invalid: sendv of an entry without '=', of n = 0, print with priority 8, send("X", NULL)
 *     -> -EINVAL
 *   sd_journal_stream_fd("churn", 6, 0/1): an fd; the fake journald accepts the connection and
 *     must read the exact seven-line header; both ends closed.  With no stdout socket: -ENOENT;
 *     priority 9: -EINVAL
 *   and every MEMFD_EVERY rounds the memfd path: a 5 MiB field, which the receiver gets as a
 *     0-byte datagram carrying a sealed memfd with exactly the entry (size and FNV-1a checked);
 *     and the same with no journald: 0.
 * The sockets are switched by renaming files (no allocation in the loop).  errno is set to a
 * mark before each call; which calls leave it changed is printed (compared with 252's run).
 *
 * Checks: every result and every entry as expected; /proc/self/fd count equal before and after
 * (the one journal socket the library keeps was made during the warm-up); VmRSS and VmHWM after
 * the run within SLACK_KIB of their values after the warm-up.
 *
 * usage: jchurn [ROUNDS [WARMUP [norss [MEMFD_EVERY]]]]   (default 100000 5000 - 10000; "norss"
 * skips the memory bounds, for runs under ASan or valgrind)
 */
#include "journal.h"

#define SLACK_KIB 512
#define BIG_FIELD (5 << 20)
#define NFIELDS 100

static const char *LIVE_AWAY = JOURNAL_DIR "/live.away", *STALE_AWAY = JOURNAL_DIR "/stale.away",
                  *STDOUT_AWAY = JOURNAL_DIR "/stdout.away";
enum { S_LIVE, S_MISSING, S_STALE };
static int STATE = S_LIVE;
static int RFD, LFD;
static long BAD, CALLS, MEMFD_CALLS;
static char FIRST_BAD[300];
static char *RBUF, *BIG, *WANT;
#define RBUF_SIZE (BIG_FIELD + 4096)
#define SMALL_RBUF 65536
static char LONGMSG[3001];
static char FIELDS[NFIELDS][16];
static struct iovec MANY[NFIELDS];
static const char *ERRNO_NAMES[32];
static int ERRNO_CHANGED[32];
#define MARK 1234

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...) {
        if (BAD++ == 0) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(FIRST_BAD, sizeof FIRST_BAD, fmt, ap);
                va_end(ap);
        }
}

static void must_rename(const char *a, const char *b) {
        if (rename(a, b) < 0)
                die("rename");
}

/* Puts the wanted socket (or none) at JOURNAL_SOCKET. */
static void state(int want) {
        if (want == STATE)
                return;
        if (STATE == S_LIVE)
                must_rename(JOURNAL_SOCKET, LIVE_AWAY);
        else if (STATE == S_STALE)
                must_rename(JOURNAL_SOCKET, STALE_AWAY);
        if (want == S_LIVE)
                must_rename(LIVE_AWAY, JOURNAL_SOCKET);
        else if (want == S_STALE)
                must_rename(STALE_AWAY, JOURNAL_SOCKET);
        STATE = want;
}

/* Calls with errno = MARK; counts the result and whether errno changed (slot k named `what`). */
#define CALL(k, what, expr)                                    \
        ({                                                     \
                errno = MARK;                                  \
                int r_ = (expr);                               \
                CALLS++;                                       \
                ERRNO_NAMES[k] = what;                         \
                if (errno != MARK)                             \
                        ERRNO_CHANGED[k]++;                    \
                r_;                                            \
        })

static void expect(int got, int want, const char *what) {
        if (got != want)
                bad("%s returned %s, expected %s", what, rs(got), rs(want));
}

/* The entry now queued must be exactly `want` (len bytes), and nothing more. */
static void expect_entry(const char *want, size_t len, int via_memfd, const char *what) {
        struct jentry e;
        /* a small buffer unless a memfd is expected (valgrind checks the whole buffer per call) */
        size_t size = via_memfd ? RBUF_SIZE : SMALL_RBUF;
        ssize_t n = recv_entry(RFD, RBUF, size, 0, &e);
        if (n < 0) {
                bad("%s: no entry arrived (%s)", what, rs((int) n));
                return;
        }
        if ((size_t) n != len || memcmp(RBUF, want, len))
                bad("%s: entry of %zd bytes differs from the %zu expected", what, n, len);
        if (e.via_memfd != via_memfd || (via_memfd && !e.memfd_ok))
                bad("%s: %s (seals 0x%x)", what, e.via_memfd ? "came in a memfd" : "came as a datagram", (unsigned) e.seals);
        if (recv_entry(RFD, RBUF, SMALL_RBUF, 0, &e) >= 0)
                bad("%s: more than one entry arrived", what);
}

static void expect_nothing(const char *what) {
        struct jentry e;
        if (recv_entry(RFD, RBUF, SMALL_RBUF, 0, &e) >= 0)
                bad("%s: an entry arrived", what);
}

static void expect_text(const char *want, const char *what) {
        expect_entry(want, strlen(want), 0, what);
}

static int printv(int priority, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int printv(int priority, const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        int r = sd_journal_printv(priority, format, ap);
        va_end(ap);
        return r;
}

static void stream_round(long i) {
        int lp = (int) (i & 1);
        int fd = CALL(9, "sd_journal_stream_fd", sd_journal_stream_fd("churn", 6, lp));
        if (fd < 0) {
                bad("sd_journal_stream_fd returned %s", rs(fd));
                return;
        }
        int c = accept4(LFD, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
                bad("accept: %s", strerror(errno));
                close(fd);
                return;
        }
        char hdr[64], want[64];
        size_t got = 0;
        int wl = snprintf(want, sizeof want, "churn\n\n6\n%d\n0\n0\n0\n", lp);
        struct pollfd pf = { c, POLLIN, 0 };
        while (got < (size_t) wl && poll(&pf, 1, 1000) == 1) {
                ssize_t n = read(c, hdr + got, sizeof hdr - got);
                if (n <= 0)
                        break;
                got += (size_t) n;
        }
        if (got != (size_t) wl || memcmp(hdr, want, got))
                bad("sd_journal_stream_fd: header of %zu bytes differs", got);
        int fl = fcntl(fd, F_GETFD);
        if (!(fl & FD_CLOEXEC))
                bad("sd_journal_stream_fd: no FD_CLOEXEC");
        close(fd);
        close(c);
}

static void memfd_round(long i) {
        char what[64];
        snprintf(what, sizeof what, "5 MiB sendv (round %ld)", i);
        state(S_LIVE);
        snprintf(BIG + 6, 24, "%020ld", i); /* a different payload each time */
        BIG[26] = 'x';
        struct iovec v[2] = { { BIG, BIG_FIELD }, iov_str("X_TAIL=1") };
        int r = CALL(14, "sendv (memfd)", sd_journal_sendv(v, 2));
        expect(r, 0, what);
        size_t wl = 0;
        memcpy(WANT, BIG, BIG_FIELD);
        wl = BIG_FIELD;
        wl += (size_t) sprintf(WANT + wl, "\nX_TAIL=1\n%s", ident_line());
        expect_entry(WANT, wl, 1, what);
        MEMFD_CALLS++;
        state(S_MISSING);
        r = CALL(15, "sendv (memfd, no journald)", sd_journal_sendv(v, 2));
        expect(r, 0, "5 MiB sendv with no journald");
        state(S_LIVE);
        expect_nothing("5 MiB sendv with no journald");
}

static void one_round(long i, long memfd_every) {
        char want[4096], m[64], multi[64];
        const char *nullfmt = NULL;
        int r, w;
        if (memfd_every > 0 && i % memfd_every == memfd_every / 2) {
                memfd_round(i);
                return;
        }
        switch (i % 14) {
        case 0:
                state(S_LIVE);
                r = CALL(0, "sd_journal_print", sd_journal_print(6, "churn %ld", i));
                expect(r, 0, "sd_journal_print");
                snprintf(want, sizeof want, "MESSAGE=churn %ld\nPRIORITY=6\n%s", i, ident_line());
                expect_text(want, "sd_journal_print");
                break;
        case 1:
                state(S_LIVE);
                r = CALL(1, "sd_journal_send", sd_journal_send("MESSAGE=churn %ld", i, "X_A=%s  ", "x", NULL));
                expect(r, 0, "sd_journal_send");
                snprintf(want, sizeof want, "MESSAGE=churn %ld\nX_A=x\n%s", i, ident_line());
                expect_text(want, "sd_journal_send");
                break;
        case 2: {
                state(S_LIVE);
                snprintf(m, sizeof m, "MESSAGE=churn %ld", i);
                int ml = snprintf(multi, sizeof multi, "X_M=a\n%ld", i) - 4;
                struct iovec v[2] = { iov_str(m), iov_str(multi) };
                r = CALL(2, "sd_journal_sendv", sd_journal_sendv(v, 2));
                expect(r, 0, "sd_journal_sendv");
                w = snprintf(want, sizeof want, "%s\nX_M\n", m);
                uint64_t le = (uint64_t) ml;
                memcpy(want + w, &le, 8);
                w += 8;
                w += snprintf(want + w, sizeof want - (size_t) w, "a\n%ld\n%s", i, ident_line());
                expect_entry(want, (size_t) w, 0, "sd_journal_sendv");
                break;
        }
        case 3:
                state(S_LIVE);
                errno = ENOENT;
                r = sd_journal_perror("churn");
                CALLS++;
                if (errno != ENOENT)
                        bad("sd_journal_perror changed errno");
                expect(r, 0, "sd_journal_perror");
                snprintf(want, sizeof want, "PRIORITY=3\nMESSAGE=churn: No such file or directory\nERRNO=2\n%s", ident_line());
                expect_text(want, "sd_journal_perror");
                break;
        case 4: {
                state(S_LIVE);
                snprintf(m, sizeof m, "MESSAGE=churn %ld", i);
                struct iovec v[1] = { iov_str(m) };
                r = CALL(4, "sd_journal_sendv_with_location",
                         sd_journal_sendv_with_location("CODE_FILE=jchurn.c", "CODE_LINE=4", "one_round", v, 1));
                expect(r, 0, "sd_journal_sendv_with_location");
                snprintf(want, sizeof want, "%s\nCODE_FILE=jchurn.c\nCODE_LINE=4\nCODE_FUNC=one_round\n%s", m, ident_line());
                expect_text(want, "sd_journal_sendv_with_location");
                break;
        }
        case 5:
                state(S_LIVE);
                errno = EACCES;
                r = sd_journal_perror_with_location("CODE_FILE=jchurn.c", "CODE_LINE=5", "one_round", NULL);
                CALLS++;
                if (errno != EACCES)
                        bad("sd_journal_perror_with_location changed errno");
                expect(r, 0, "sd_journal_perror_with_location");
                snprintf(want, sizeof want,
                         "CODE_FILE=jchurn.c\nCODE_LINE=5\nCODE_FUNC=one_round\nPRIORITY=3\nMESSAGE=Permission denied\nERRNO=13\n%s",
                         ident_line());
                expect_text(want, "sd_journal_perror_with_location");
                break;
        case 6:
                state(S_MISSING);
                r = CALL(6, "sd_journal_print (no journald)", sd_journal_print(6, "nobody %ld", i));
                expect(r, 0, "sd_journal_print with no journald");
                state(S_LIVE);
                expect_nothing("sd_journal_print with no journald");
                break;
        case 7: {
                state(S_STALE);
                r = CALL(7, "sd_journal_print (stale)", sd_journal_print(6, "stale %ld", i));
                expect(r, -ECONNREFUSED, "sd_journal_print to a stale socket");
                struct iovec v[1] = { iov_str("MESSAGE=stale") };
                r = CALL(8, "sd_journal_sendv (stale)", sd_journal_sendv(v, 1));
                expect(r, -ECONNREFUSED, "sd_journal_sendv to a stale socket");
                state(S_LIVE);
                expect_nothing("stale socket");
                break;
        }
        case 8: {
                state(S_LIVE);
                struct iovec v[2] = { iov_str("MESSAGE=ok"), iov_str("NOEQUALS") };
                expect(CALL(10, "sd_journal_sendv (invalid)", sd_journal_sendv(v, 2)), -EINVAL, "sendv without '='");
                expect(CALL(10, "sd_journal_sendv (invalid)", sd_journal_sendv(v, 0)), -EINVAL, "sendv n=0");
                expect(CALL(11, "sd_journal_print (invalid)", sd_journal_print(8, "x")), -EINVAL, "print priority 8");
                expect(CALL(11, "sd_journal_print (invalid)", sd_journal_print(6, nullfmt)), -EINVAL, "print NULL format");
                expect(CALL(12, "sd_journal_send (invalid)", sd_journal_send("X", NULL)), -EINVAL, "send(\"X\")");
                expect_nothing("invalid calls");
                break;
        }
        case 9:
                stream_round(i);
                break;
        case 10:
                must_rename(JOURNAL_STDOUT, STDOUT_AWAY);
                expect(CALL(13, "sd_journal_stream_fd (no socket)", sd_journal_stream_fd("churn", 6, 0)), -ENOENT,
                       "stream_fd with no stdout socket");
                must_rename(STDOUT_AWAY, JOURNAL_STDOUT);
                expect(CALL(16, "sd_journal_stream_fd (invalid)", sd_journal_stream_fd("churn", 9, 0)), -EINVAL,
                       "stream_fd priority 9");
                break;
        case 11:
                state(S_LIVE);
                r = CALL(17, "sd_journal_sendv (100 fields)", sd_journal_sendv(MANY, NFIELDS));
                expect(r, 0, "sendv of 100 fields");
                w = 0;
                for (int k = 0; k < NFIELDS; k++)
                        w += snprintf(want + w, sizeof want - (size_t) w, "%s\n", FIELDS[k]);
                w += snprintf(want + w, sizeof want - (size_t) w, "%s", ident_line());
                expect_entry(want, (size_t) w, 0, "sendv of 100 fields");
                break;
        case 12:
                state(S_LIVE);
                r = CALL(18, "sd_journal_print (3,000 chars)", sd_journal_print(5, "%s", LONGMSG));
                expect(r, 0, "print of 3,000 characters");
                snprintf(want, sizeof want, "MESSAGE=%s\nPRIORITY=5\n%s", LONGMSG, ident_line());
                expect_text(want, "print of 3,000 characters");
                break;
        case 13:
                state(S_LIVE);
                r = CALL(19, "sd_journal_printv", printv(7, "%s=%ld", "printf", i));
                expect(r, 0, "sd_journal_printv");
                snprintf(want, sizeof want, "MESSAGE=printf=%ld\nPRIORITY=7\n%s", i, ident_line());
                expect_text(want, "sd_journal_printv");
                break;
        }
}

int main(int argc, char **argv) {
        long n = 100000, warm = 5000, memfd_every = 10000;
        int norss = argc > 3 && !strcmp(argv[3], "norss");
        stress_init("jchurn");
        if (argc > 1)
                n = atol(argv[1]);
        if (argc > 2)
                warm = atol(argv[2]);
        if (argc > 4)
                memfd_every = atol(argv[4]);
        if (n < 14 || warm < 0 || memfd_every < 0)
                return 2;
        journal_ns_init();
        RFD = journal_receiver();
        make_stale(STALE_AWAY);
        {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                strcpy(sa.sun_path, JOURNAL_STDOUT);
                LFD = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (LFD < 0 || bind(LFD, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(LFD, 16) < 0)
                        die("stdout listener");
        }
        RBUF = malloc(RBUF_SIZE);
        BIG = malloc(BIG_FIELD);
        WANT = malloc(RBUF_SIZE);
        if (!RBUF || !BIG || !WANT)
                die("malloc");
        memset(BIG, 'b', BIG_FIELD);
        memcpy(BIG, "X_BIG=", 6);
        for (int k = 0; k < BIG_FIELD; k += 4096)
                BIG[k + 100 < BIG_FIELD ? k + 100 : k] = (char) ('a' + k % 26);
        memset(RBUF, 0, RBUF_SIZE);
        memset(WANT, 0, RBUF_SIZE);
        memset(LONGMSG, 'l', 3000);
        for (int k = 0; k < NFIELDS; k++) {
                snprintf(FIELDS[k], sizeof FIELDS[k], "F%d=%d", k, k * 7);
                MANY[k] = iov_str(FIELDS[k]);
        }

        /* the warm-up makes the library's socket and takes every path once (memfd included) */
        for (long i = 0; i < warm; i++)
                one_round(i, memfd_every);
        memfd_round(-1);
        CALLS = 0;
        MEMFD_CALLS = 0;
        int fds0 = count_fds();
        long rss0 = vm_kib("VmRSS"), hwm0 = vm_kib("VmHWM");
        long t0 = now_ms();
        for (long i = 0; i < n; i++)
                one_round(i, memfd_every);
        long took = now_ms() - t0;
        int fds1 = count_fds();
        long rss1 = vm_kib("VmRSS"), hwm1 = vm_kib("VmHWM");
        fprintf(stderr, "jchurn: %ld rounds (%ld calls, %ld through the memfd) in %ld ms; VmRSS %ld -> %ld KiB, VmHWM %ld -> %ld KiB\n",
                n, CALLS, MEMFD_CALLS, took, rss0, rss1, hwm0, hwm1);

        check(BAD == 0, "%ld rounds of mixed journal calls (success, no journald, stale socket, invalid, stream_fd, "
                        "100 fields, 3,000 characters, memfd every %ld): every result and entry as expected (%ld wrong%s%s)",
              n, memfd_every, BAD, BAD ? "; first: " : "", FIRST_BAD);
        check(fds1 == fds0, "no fd leaked: %d open before, %d after", fds0, fds1);
        check(journal_sockets(0) == 1, "one journal socket in the process (%d)", journal_sockets(0));
        if (!norss) {
                check(rss1 - rss0 <= SLACK_KIB, "VmRSS stable: grew by at most %d KiB after the warm-up", SLACK_KIB);
                check(hwm1 - hwm0 <= SLACK_KIB, "VmHWM stable: grew by at most %d KiB after the warm-up", SLACK_KIB);
        }
        printf("errno after each kind of call (set to %d before):\n", MARK);
        for (int k = 0; k < 32; k++)
                if (ERRNO_NAMES[k])
                        printf("  %-36s %s\n", ERRNO_NAMES[k], ERRNO_CHANGED[k] ? "changed" : "unchanged");
        journal_sockets(1); /* for valgrind's fd tracking: kept by design */
        close(RFD);
        close(LFD);
        unlink(JOURNAL_SOCKET);
        free(RBUF);
        free(BIG);
        free(WANT);
        return FAILED;
}
