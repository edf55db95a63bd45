/* Code written for systemd 252's <systemd/sd-journal.h>, using every declaration of its sending
 * side (what sdlite exports) and the location macros, plus the systemd 256 addition sdlite has
 * (left out with -DSDLITE_TEST_SYSTEMD_252). tests/suites/11-header.sh compiles it as C99, GNU11,
 * C2x, C++11 and C++20 with -Wall -Wextra -Werror -pedantic, against both headers.
 *
 * Each function is assigned to a pointer of its exact systemd prototype (a signature difference
 * is a compile error), then called. The macros (sd_journal_print ... sd_journal_perror without
 * SD_JOURNAL_SUPPRESS_LOCATION) are called directly. LOG_* come from the header (<syslog.h>).
 * When run where no journald is listening (no /run/systemd/journal/socket), every call returns
 * 0, or the documented error; exit 0 if so. */
#include <systemd/sd-journal.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures = 0, calls = 0;

static void expect(const char *call, int got, int want) {
    calls++;
    if (got != want) {
        fprintf(stderr, "journal-uses-every-declaration: %s returned %d, expected %d\n", call, got, want);
        failures++;
    }
}

static int (*const p_print)(int, const char *, ...) = (sd_journal_print);
static int (*const p_printv)(int, const char *, va_list) = (sd_journal_printv);
static int (*const p_send)(const char *, ...) = (sd_journal_send);
static int (*const p_sendv)(const struct iovec *, int) = (sd_journal_sendv);
static int (*const p_perror)(const char *) = (sd_journal_perror);
static int (*const p_print_loc)(int, const char *, const char *, const char *, const char *, ...) =
    sd_journal_print_with_location;
static int (*const p_printv_loc)(int, const char *, const char *, const char *, const char *, va_list) =
    sd_journal_printv_with_location;
static int (*const p_send_loc)(const char *, const char *, const char *, const char *, ...) =
    sd_journal_send_with_location;
static int (*const p_sendv_loc)(const char *, const char *, const char *, const struct iovec *, int) =
    sd_journal_sendv_with_location;
static int (*const p_perror_loc)(const char *, const char *, const char *, const char *) =
    sd_journal_perror_with_location;
static int (*const p_stream_fd)(const char *, int, int) = sd_journal_stream_fd;
#ifndef SDLITE_TEST_SYSTEMD_252
static int (*const p_stream_fd_ns)(const char *, const char *, int, int) = sd_journal_stream_fd_with_namespace;
#endif

static int via_printv(int priority, const char *format, ...) {
    va_list ap;
    int r;
    va_start(ap, format);
    r = sd_journal_printv(priority, format, ap); /* the macro form */
    va_end(ap);
    return r;
}

static int via_pointer_printv(int priority, const char *format, ...) {
    va_list ap;
    int r;
    va_start(ap, format);
    r = p_printv(priority, format, ap);
    va_end(ap);
    return r;
}

int main(void) {
    struct iovec iov[2];
    char message[] = "MESSAGE=through sendv";
    char priority[] = "PRIORITY=6";
    int levels[8] = {LOG_EMERG, LOG_ALERT, LOG_CRIT, LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
    int i;

    iov[0].iov_base = message;
    iov[0].iov_len = strlen(message);
    iov[1].iov_base = priority;
    iov[1].iov_len = strlen(priority);

    if (access("/run/systemd/journal/socket", F_OK) == 0) {
        fprintf(stderr, "journal-uses-every-declaration: a journald socket exists here; run where there is none\n");
        return 77;
    }
    for (i = 0; i < 8; i++)
        expect("sd_journal_print (macro)", sd_journal_print(levels[i], "level %d of %s", i, "eight"), 0);
    expect("sd_journal_printv (macro)", via_printv(LOG_INFO, "%s", "printv"), 0);
    expect("sd_journal_send (macro)", sd_journal_send("MESSAGE=%s", "send", "PRIORITY=%i", LOG_INFO, NULL), 0);
    expect("sd_journal_sendv (macro)", sd_journal_sendv(iov, 2), 0);
    errno = ENOENT;
    expect("sd_journal_perror (macro)", sd_journal_perror("perror"), 0);
    expect("errno after sd_journal_perror", errno, ENOENT);

    expect("sd_journal_print", p_print(LOG_NOTICE, "%d", 1), 0);
    expect("sd_journal_print priority 8", p_print_loc(8, "CODE_FILE=f", "CODE_LINE=1", "f", "x"), -EINVAL);
    expect("sd_journal_printv", via_pointer_printv(LOG_INFO, "%s", "x"), 0);
    expect("sd_journal_send", p_send("MESSAGE=x", NULL), 0);
    expect("sd_journal_send NULL", p_send(NULL, NULL), -EINVAL);
    expect("sd_journal_sendv", p_sendv(iov, 2), 0);
    expect("sd_journal_sendv n=0", p_sendv(iov, 0), -EINVAL);
    expect("sd_journal_perror", p_perror(NULL), 0);
    expect("sd_journal_print_with_location", p_print_loc(LOG_INFO, "CODE_FILE=f.c", "CODE_LINE=1", "main", "%s", "x"), 0);
    expect("sd_journal_send_with_location", p_send_loc("CODE_FILE=f.c", "CODE_LINE=1", "main", "MESSAGE=%s", "x", NULL), 0);
    expect("sd_journal_sendv_with_location", p_sendv_loc("CODE_FILE=f.c", "CODE_LINE=1", "main", iov, 2), 0);
    expect("sd_journal_perror_with_location", p_perror_loc("CODE_FILE=f.c", "CODE_LINE=1", "main", "x"), 0);
    (void) p_printv_loc;
    expect("sd_journal_stream_fd (no journald)", p_stream_fd("id", LOG_INFO, 0), -ENOENT);
    expect("sd_journal_stream_fd priority -1", p_stream_fd("id", -1, 0), -EINVAL);
#ifndef SDLITE_TEST_SYSTEMD_252
    expect("sd_journal_stream_fd_with_namespace (no journald)", p_stream_fd_ns(NULL, "id", LOG_INFO, 1), -ENOENT);
    expect("sd_journal_stream_fd_with_namespace bad name", p_stream_fd_ns("a/b", "id", LOG_INFO, 1), -EINVAL);
#endif
    if (failures == 0)
        printf("%d journal calls as documented\n", calls);
    return failures ? 1 : 0;
}
