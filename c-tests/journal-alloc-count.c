/* journal-alloc-count.c -- how many heap allocations and lock operations the journal's sending
 * functions make per call (the journal's half of c-tests/alloc-count.c, same interposers:
 * common/alloc-interpose.h).
 *
 * Runs in a private mount namespace with its own fake journald (stress/journal.h).  For each
 * call it prints the allocations and lock operations of the first call and of the next 99, e.g.
 *   sd_journal_sendv 3 fields (the process's first call)   allocs first=0 next99=0 locks=0  [must be 0]
 * The rows marked [must be 0] are sdlite's contract for small entries (README "Contract:
 * threads and signals"): sd_journal_sendv, sd_journal_sendv_with_location, sd_journal_perror
 * (and _with_location) and sd_journal_stream_fd, on success and error paths, including the
 * process's very first call (which makes the socket) and the first call in a forked child
 * (which checks that the socket number is still its socket, or opens its own).  With
 * --expect-zero the program exits 1 when one of them is not 0.  Other rows are printed for
 * information (sendv of 100 fields or 5 MiB, print, send).  Control rows check that the
 * interposition sees allocations inside shared objects and lock calls as a library binds them.
 *
 * Not visible to interposition: locks libc takes internally (strerror_r translates its text
 * through gettext, which takes a read lock of libc's own), and kernel-side locks.
 *
 * Built against Debian's <systemd/sd-journal.h> and -lsystemd with -rdynamic; run by
 * tests/suites/73-async-signal-safety.sh on both libraries.  Needs root (namespaces); exits 77
 * without.
 *
 * usage: journal-alloc-count [--expect-zero]
 */
#include "stress/journal.h"

#include "common/alloc-interpose.h"
#include "common/alloc-rows.h"

static int RFD, LFD;
static char *RBUF;
#define RBUF_SIZE ((6 << 20) + 4096)
static char *BIG;
#define BIG_LEN (5 << 20)
static char FIELDS[100][16];
static struct iovec MANY[100];

static void drain_j(void) {
        struct jentry e;
        while (recv_entry(RFD, RBUF, RBUF_SIZE, 0, &e) >= 0)
                ;
}
static void accept_close(void) {
        int c;
        while ((c = accept4(LFD, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                close(c);
}
static void to_live(void) {}
static void missing(void) {
        if (rename(JOURNAL_SOCKET, JOURNAL_DIR "/live.away") < 0)
                die("rename");
}
static void back_from_missing(void) {
        if (rename(JOURNAL_DIR "/live.away", JOURNAL_SOCKET) < 0)
                die("rename");
}
static void stale(void) {
        missing();
        if (rename(JOURNAL_DIR "/stale.away", JOURNAL_SOCKET) < 0)
                die("rename");
}
static void back_from_stale(void) {
        if (rename(JOURNAL_SOCKET, JOURNAL_DIR "/stale.away") < 0)
                die("rename");
        back_from_missing();
}
static void no_stdout(void) {
        if (rename(JOURNAL_STDOUT, JOURNAL_DIR "/stdout.away") < 0)
                die("rename");
}
static void back_stdout(void) {
        if (rename(JOURNAL_DIR "/stdout.away", JOURNAL_STDOUT) < 0)
                die("rename");
}
static void errno_enoent(void) { errno = ENOENT; }
static void errno_unknown(void) { errno = 99999; }

static int c_sendv3(void) {
        struct iovec v[3] = { iov_str("MESSAGE=counting"), iov_str("PRIORITY=6"), iov_str("X_FIELD=value") };
        return sd_journal_sendv(v, 3);
}
static int c_sendv_multi(void) {
        struct iovec v[2] = { iov_str("MESSAGE=two\nlines"), iov_str("X_B=a\nb\nc") };
        return sd_journal_sendv(v, 2);
}
static int c_sendv_ident(void) {
        struct iovec v[2] = { iov_str("MESSAGE=own identifier"), iov_str("SYSLOG_IDENTIFIER=me") };
        return sd_journal_sendv(v, 2);
}
static int c_sendv12(void) {
        return sd_journal_sendv(MANY, 12);
}
static int c_sendv100(void) {
        return sd_journal_sendv(MANY, 100);
}
static int c_sendv_big(void) {
        struct iovec v[1] = { { BIG, BIG_LEN } };
        return sd_journal_sendv(v, 1);
}
static int c_sendv_invalid(void) {
        struct iovec v[2] = { iov_str("MESSAGE=x"), iov_str("NOEQUALS") };
        return sd_journal_sendv(v, 2);
}
static int c_sendv_loc(void) {
        struct iovec v[2] = { iov_str("MESSAGE=located"), iov_str("X_A=1") };
        return sd_journal_sendv_with_location("CODE_FILE=journal-alloc-count.c", "CODE_LINE=1", "c_sendv_loc", v, 2);
}
static int c_perror(void) { return sd_journal_perror("context"); }
static int c_perror_null(void) { return sd_journal_perror(NULL); }
static int c_perror_loc(void) {
        return sd_journal_perror_with_location("CODE_FILE=journal-alloc-count.c", "CODE_LINE=2", "c_perror_loc", "ctx");
}
static int c_stream(void) {
        int fd = sd_journal_stream_fd("counting", 6, 1);
        if (fd >= 0) {
                int saved = COUNTING;
                COUNTING = 0;
                close(fd);
                COUNTING = saved;
                return 0; /* the fd number may vary */
        }
        return fd;
}
static int c_stream_bad(void) { return sd_journal_stream_fd("counting", 9, 0); }
static int c_print(void) { return sd_journal_print(6, "hello %d", 42); }
static int c_send(void) { return sd_journal_send("MESSAGE=hello %d", 42, "X_A=%s", "b", NULL); }

static const struct row ROWS[] = {
        { "sd_journal_sendv 3 fields (the process's first call)", 1, to_live, c_sendv3, drain_j },
        { "sd_journal_sendv 2 multi-line fields", 1, to_live, c_sendv_multi, drain_j },
        { "sd_journal_sendv with SYSLOG_IDENTIFIER", 1, to_live, c_sendv_ident, drain_j },
        { "sd_journal_sendv 12 fields", 1, to_live, c_sendv12, drain_j },
        { "sd_journal_sendv no journald -> 0", 1, missing, c_sendv3, back_from_missing },
        { "sd_journal_sendv stale socket -> -ECONNREFUSED", 1, stale, c_sendv3, back_from_stale },
        { "sd_journal_sendv invalid entry -> -EINVAL", 1, to_live, c_sendv_invalid, drain_j },
        { "sd_journal_sendv_with_location", 1, to_live, c_sendv_loc, drain_j },
        { "sd_journal_perror(\"context\") errno ENOENT", 1, errno_enoent, c_perror, drain_j },
        { "sd_journal_perror(NULL) errno 99999", 1, errno_unknown, c_perror_null, drain_j },
        { "sd_journal_perror_with_location", 1, errno_enoent, c_perror_loc, drain_j },
        { "sd_journal_perror no journald -> 0", 1, missing, c_perror, back_from_missing },
        { "sd_journal_stream_fd -> fd (closed)", 1, NULL, c_stream, accept_close },
        { "sd_journal_stream_fd no socket -> -ENOENT", 1, no_stdout, c_stream, back_stdout },
        { "sd_journal_stream_fd priority 9 -> -EINVAL", 1, NULL, c_stream_bad, NULL },
        { "information: sd_journal_sendv 100 fields", 0, to_live, c_sendv100, drain_j },
        { "information: sd_journal_sendv 5 MiB (memfd)", 0, to_live, c_sendv_big, drain_j },
        { "information: sd_journal_print (vsnprintf)", 0, to_live, c_print, drain_j },
        { "by design: sd_journal_send (vasprintf)", 0, to_live, c_send, drain_j },
        CONTROL_ROWS,
};

/* Rows measured in a forked child (the parent has used the library). */
static int closed_fd = -1;
static void close_socket_number(void) {
        if (closed_fd < 0) {
                closed_fd = journal_socket_fd();
                close(closed_fd);
        }
}
static const struct row CHILD_ROWS[] = {
        { "after fork: sd_journal_sendv (socket still its own)", 1, to_live, c_sendv3, drain_j },
};
static const struct row CHILD_CLOSED_ROWS[] = {
        { "after fork, socket number closed: sd_journal_sendv", 1, close_socket_number, c_sendv3, drain_j },
};

/* Measures `rows` in a forked child; its failures are added to ours. */
static void in_child(const struct row *rows, size_t n) {
        fflush(stdout);
        pid_t p = fork();
        if (p < 0)
                die("fork");
        if (p == 0) {
                for (size_t i = 0; i < n; i++)
                        measure(&rows[i]);
                fflush(stdout);
                _exit(FAILURES);
        }
        int st;
        if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st))
                FAILURES++;
        else
                FAILURES += WEXITSTATUS(st);
}

int main(int argc, char **argv) {
        EXPECT_ZERO = argc > 1 && !strcmp(argv[1], "--expect-zero");
        PROG = "journal-alloc-count";
        setvbuf(stdout, NULL, _IOLBF, 0);
        report_library();
        journal_ns_init();
        RFD = journal_receiver();
        make_stale(JOURNAL_DIR "/stale.away");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, JOURNAL_STDOUT);
        LFD = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (LFD < 0 || bind(LFD, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(LFD, 128) < 0)
                die("stdout listener");
        RBUF = malloc(RBUF_SIZE);
        BIG = malloc(BIG_LEN);
        if (!RBUF || !BIG)
                die("malloc");
        memset(BIG, 'b', BIG_LEN);
        memcpy(BIG, "X_BIG=", 6);
        for (int k = 0; k < 100; k++) {
                snprintf(FIELDS[k], sizeof FIELDS[k], "F%d=%d", k, k);
                MANY[k] = iov_str(FIELDS[k]);
        }

        printf("# allocations and lock operations per call (first call, then the next 99 together)\n");
        for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++)
                measure(&ROWS[i]);
        in_child(CHILD_ROWS, sizeof CHILD_ROWS / sizeof CHILD_ROWS[0]);
        in_child(CHILD_CLOSED_ROWS, sizeof CHILD_CLOSED_ROWS / sizeof CHILD_CLOSED_ROWS[0]);
        if (FAILURES)
                printf("# %d row(s) failed\n", FAILURES);
        return FAILURES ? 1 : 0;
}
