/* c-tests/journal-real/journal-real.c -- a Type=notify service that logs to the REAL journald
 * with every function of the journal's sending side, for tests/suites/62-journal-systemd.sh.
 *
 * Built against Debian's libsystemd-dev (<systemd/sd-journal.h>, -lsystemd); the suite runs the
 * same binary once on sdlite (LD_LIBRARY_PATH) and once on libsystemd 252.  The header's macros
 * are on (no SD_JOURNAL_SUPPRESS_LOCATION), so sd_journal_print & co. become their
 * *_with_location forms with CODE_FILE/CODE_LINE/CODE_FUNC; a call written as
 * (sd_journal_print)(...) is the plain function (no location fields).
 *
 * usage: journal-real MANIFEST
 * MANIFEST gets one line per call: "KIND<TAB>CODE_LINE<TAB>CODE_FUNC<TAB>RETURN<TAB>MESSAGE"
 * (CODE_LINE "-" where no location is sent), then "large<TAB>NAME<TAB>LENGTH" for the two big
 * fields.  Then READY=1, and the process stays (so that journald can still read its /proc
 * entries) until SIGTERM.
 *
 * The big fields: byte i of a field is pattern(i % 4093) where pattern(j) is '\n' when
 * newlines && j % 1000 == 999, else 0x21 + (j * 31 + seed) % 94 (the suite recomputes it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

static FILE *manifest;

/* one manifest line; "line" is __LINE__ of the call (on the same source line) or 0 for none */
static void note(const char *kind, int line, const char *func, int r, const char *message) {
        if (line)
                fprintf(manifest, "%s\t%d\t%s\t%d\t%s\n", kind, line, func, r, message);
        else
                fprintf(manifest, "%s\t-\t-\t%d\t%s\n", kind, r, message);
        fflush(manifest);
}
#define NOTE(kind, r, message) note(kind, __LINE__, __func__, r, message)

static void fill(char *p, size_t n, unsigned seed, int newlines) {
        for (size_t i = 0; i < n; i++) {
                size_t j = i % 4093;
                p[i] = (newlines && j % 1000 == 999) ? '\n' : (char) (0x21 + (j * 31 + seed) % 94);
        }
}

/* printv through a wrapper, as programs with their own log function do */
static int vlog(int priority, const char *format, ...) {
        va_list ap;
        int r;
        va_start(ap, format);
        r = sd_journal_printv(priority, format, ap); NOTE("printv", r, "printv through vlog(): 7 and seven");
        va_end(ap);
        return r;
}

static void on_term(int sig) {
        (void) sig;
        _exit(0);
}

int main(int argc, char **argv) {
        char text[64];
        int r, p;

        if (argc != 2) {
                fprintf(stderr, "usage: journal-real MANIFEST\n");
                return 2;
        }
        manifest = fopen(argv[1], "w");
        if (!manifest) {
                perror(argv[1]);
                return 2;
        }
        signal(SIGTERM, on_term);

        /* print: every priority, formatting, whitespace rules, a newline */
        for (p = 0; p <= 7; p++) {
                snprintf(text, sizeof text, "print at priority %d", p);
                r = sd_journal_print(p, "print at priority %d", p); NOTE("print", r, text);
        }
        r = sd_journal_print(LOG_INFO, "  leading kept, trailing stripped \t \n"); NOTE("print", r, "  leading kept, trailing stripped");
        r = sd_journal_print(LOG_NOTICE, "first line\nsecond line"); NOTE("print", r, "first line\\nsecond line");
        r = (sd_journal_print)(LOG_NOTICE, "print without location (%s)", "the plain function"); note("print", 0, NULL, r, "print without location (the plain function)");

        /* printv */
        r = vlog(LOG_WARNING, "printv through vlog(): %d and %s", 7, "seven");
        (void) r;

        /* send: custom, multi-line and formatted fields */
        r = sd_journal_send("MESSAGE=send with custom fields", "PRIORITY=%i", LOG_WARNING, "SDLITE_CUSTOM=hello world", "SDLITE_MULTILINE=line one\nline two\n  line three", "SDLITE_NUMBER=%d", 12345, "SDLITE_TRAILING=stripped by send   ", NULL); NOTE("send", r, "send with custom fields");
        r = (sd_journal_send)("MESSAGE=send without location", "SDLITE_CUSTOM=plain send", NULL); note("send", 0, NULL, r, "send without location");

        /* sendv: binary values (every byte value, NUL included), whitespace kept */
        {
                static char binary[14 + 256];
                struct iovec iov[4];
                memcpy(binary, "SDLITE_BINARY=", 14);
                for (int i = 0; i < 256; i++)
                        binary[14 + i] = (char) i;
                iov[0] = (struct iovec) { .iov_base = (char *) "MESSAGE=sendv with a binary field", .iov_len = strlen("MESSAGE=sendv with a binary field") };
                iov[1] = (struct iovec) { .iov_base = binary, .iov_len = sizeof binary };
                iov[2] = (struct iovec) { .iov_base = (char *) "SDLITE_TRAILING=kept by sendv   ", .iov_len = strlen("SDLITE_TRAILING=kept by sendv   ") };
                iov[3] = (struct iovec) { .iov_base = (char *) "PRIORITY=5", .iov_len = strlen("PRIORITY=5") };
                r = sd_journal_sendv(iov, 4); NOTE("sendv", r, "sendv with a binary field");
        }

        /* perror with known errno values */
        errno = ENOENT;
        r = sd_journal_perror("perror context"); NOTE("perror", r, "perror context: No such file or directory");
        errno = EACCES;
        r = sd_journal_perror(NULL); NOTE("perror", r, "Permission denied");

        /* fields of several MiB: too big for a datagram, so they travel in a sealed memfd */
        {
                size_t n1 = 5u << 20, n2 = 3u << 20;
                char *big = malloc(13 + n1), *big2 = malloc(n2 + 1);
                struct iovec iov[2];
                if (!big || !big2)
                        return 3;
                memcpy(big, "SDLITE_LARGE=", 13);
                fill(big + 13, n1, 11, 1);
                iov[0] = (struct iovec) { .iov_base = (char *) "MESSAGE=sendv with a 5 MiB field", .iov_len = strlen("MESSAGE=sendv with a 5 MiB field") };
                iov[1] = (struct iovec) { .iov_base = big, .iov_len = 13 + n1 };
                r = sd_journal_sendv(iov, 2); NOTE("sendv", r, "sendv with a 5 MiB field");
                fill(big2, n2, 5, 0);
                big2[n2] = 0;
                r = sd_journal_send("MESSAGE=send with a 3 MiB field", "SDLITE_LARGE2=%s", big2, NULL); NOTE("send", r, "send with a 3 MiB field");
                fprintf(manifest, "large\tSDLITE_LARGE\t%zu\nlarge\tSDLITE_LARGE2\t%zu\n", n1, n2);
                free(big);
                free(big2);
        }

        /* stream_fd: <N> prefixes parsed (level_prefix=1), and not parsed (0) */
        {
                int fd = sd_journal_stream_fd("journal-real-stream", LOG_INFO, 1);
                note("stream_fd", 0, NULL, fd < 0 ? fd : 0, "journal-real-stream");
                if (fd >= 0) {
                        dprintf(fd, "<3>stream line at priority 3\n<5>stream line at priority 5\n"
                                    "stream line without a prefix\n<7>stream line at priority 7\n");
                        close(fd);
                }
                fd = sd_journal_stream_fd("journal-real-noprefix", LOG_WARNING, 0);
                note("stream_fd", 0, NULL, fd < 0 ? fd : 0, "journal-real-noprefix");
                if (fd >= 0) {
                        dprintf(fd, "<3>a prefix that is not parsed\nsecond line\n");
                        close(fd);
                }
        }

        fprintf(manifest, "done\n");
        fclose(manifest);
        sd_notify(0, "READY=1\nSTATUS=logged everything");
        for (;;)
                pause();
}
