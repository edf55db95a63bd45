/* The printf-style members of the journal family: sd_journal_print, printv, send and their
 * _with_location forms. Stable Rust cannot define C-variadic functions (nor walk a va_list by
 * printf's rules), so these format here and hand the entries to the Rust core
 * (src/journal/ffi.rs), which checks, encodes and sends them. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <printf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <wchar.h>

int sdlite_journal_sendv(const struct iovec *iov, int n);
int sdlite_journal_send_located(const char *file, const char *line, const char *func,
                                const struct iovec *iov, int n, int location_first);

/* libsystemd's limit on one formatted message (LONG_LINE_MAX, less "MESSAGE="). */
#define MESSAGE_MAX (1024 * 1024 - 8)

static int is_whitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Drops trailing spaces, tabs, newlines and carriage returns, as systemd's strstrip() does to
 * what it formats: a string that is nothing but those is left alone. The string ends at its
 * first NUL, as libsystemd measures it (strlen), whatever the formatted length was. Returns
 * the new length. */
static size_t strip_trailing_whitespace(char *s) {
        size_t n = strlen(s), end = n;
        while (end > 0 && is_whitespace(s[end - 1]))
                end--;
        if (end == 0)
                return n;
        s[end] = 0;
        return end;
}

/* sd_journal_printv and sd_journal_printv_with_location: MESSAGE=, PRIORITY= and, when
 * located, the location entries after them. */
static int printv(int priority, int located, const char *file, const char *line, const char *func,
                  const char *format, va_list ap) {
        /* Not zero-filled (2 KiB for every call): vsnprintf terminates what it writes, and what
         * it wrote before a failing conversion, which is then sent as 252 sends it. */
        char small[8 + LINE_MAX];
        char prio[] = "PRIORITY=0";
        char *message = small, *large = NULL;
        struct iovec iov[2];
        size_t length;
        va_list aq;
        int len, r;

        if (priority < 0 || priority > 7 || !format)
                return -EINVAL;

        memcpy(small, "MESSAGE=", 8);
        small[8] = 0;
        va_copy(aq, ap);
        len = vsnprintf(small + 8, LINE_MAX, format, aq);
        va_end(aq);
        /* A conversion that fails (-1) sends what was formatted before it, as in 252. */
        if (len >= MESSAGE_MAX)
                return -ENOBUFS;
        if (len >= LINE_MAX) {
                /* 252 uses alloca here; a heap buffer keeps a 1 MiB message off small stacks. */
                large = malloc((size_t) len + 9);
                if (!large)
                        return -ENOMEM;
                memcpy(large, "MESSAGE=", 8);
                vsnprintf(large + 8, (size_t) len + 1, format, ap);
                message = large;
        }
        length = strip_trailing_whitespace(message);
        if (length == 8) {
                free(large);
                return 0;
        }

        prio[9] = (char) ('0' + priority);
        iov[0].iov_base = message;
        iov[0].iov_len = length;
        iov[1].iov_base = prio;
        iov[1].iov_len = sizeof prio - 1;
        r = located ? sdlite_journal_send_located(file, line, func, iov, 2, 0) : sdlite_journal_sendv(iov, 2);
        free(large);
        return r;
}

int sd_journal_printv(int priority, const char *format, va_list ap) {
        return printv(priority, 0, NULL, NULL, NULL, format, ap);
}

int sd_journal_print(int priority, const char *format, ...) {
        va_list ap;
        int r;
        va_start(ap, format);
        r = printv(priority, 0, NULL, NULL, NULL, format, ap);
        va_end(ap);
        return r;
}

int sd_journal_printv_with_location(int priority, const char *file, const char *line, const char *func,
                                    const char *format, va_list ap) {
        return printv(priority, 1, file, line, func, format, ap);
}

int sd_journal_print_with_location(int priority, const char *file, const char *line, const char *func,
                                   const char *format, ...) {
        va_list ap;
        int r;
        va_start(ap, format);
        r = printv(priority, 1, file, line, func, format, ap);
        va_end(ap);
        return r;
}

/* Moves `ap` past the arguments `format` consumes, by the types glibc's parse_printf_format()
 * finds in it (so "%*d" takes two ints and "%m" none). Returns 0, or -EINVAL for a type that
 * cannot be skipped portably (libsystemd aborts there). */
static int skip_arguments(const char *format, va_list *ap) {
        int small[128], *types = small;
        size_t n, i;
        int r = 0;

        n = parse_printf_format(format, sizeof small / sizeof small[0], small);
        if (n > sizeof small / sizeof small[0]) {
                /* libsystemd asserts below 128 arguments; take any number. */
                types = malloc(n * sizeof *types);
                if (!types)
                        return -ENOMEM;
                n = parse_printf_format(format, n, types);
        }
        for (i = 0; i < n && r == 0; i++) {
                if (types[i] & PA_FLAG_PTR) {
                        (void) va_arg(*ap, void *);
                        continue;
                }
                switch (types[i]) {
                case PA_INT:
                case PA_INT | PA_FLAG_SHORT:
                case PA_CHAR:
                        (void) va_arg(*ap, int);
                        break;
                case PA_INT | PA_FLAG_LONG:
                        (void) va_arg(*ap, long);
                        break;
                case PA_INT | PA_FLAG_LONG_LONG:
                        (void) va_arg(*ap, long long);
                        break;
                case PA_WCHAR:
                        (void) va_arg(*ap, wint_t);
                        break;
                case PA_STRING:
                case PA_WSTRING:
                case PA_POINTER:
                        (void) va_arg(*ap, void *);
                        break;
                case PA_FLOAT:
                case PA_DOUBLE:
                        (void) va_arg(*ap, double);
                        break;
                case PA_DOUBLE | PA_FLAG_LONG_DOUBLE:
                        (void) va_arg(*ap, long double);
                        break;
                default:
                        r = -EINVAL;
                }
        }
        if (types != small)
                free(types);
        return r;
}

/* sd_journal_send and sd_journal_send_with_location: each format with its arguments becomes
 * one entry (trailing whitespace stripped); the list ends at a NULL format. */
static int sendv_formatted(int located, const char *file, const char *line, const char *func,
                           const char *format, va_list ap) {
        int saved_errno = errno;
        struct iovec *iov = NULL;
        size_t n = 0, allocated = 0, i;
        va_list args;
        int r = 0;

        va_copy(args, ap);
        while (format) {
                va_list aq;
                char *entry;

                if (n == allocated) {
                        size_t grown = allocated ? allocated * 2 : 8;
                        struct iovec *p = grown > INT_MAX ? NULL : realloc(iov, grown * sizeof *iov);
                        if (!p) {
                                r = -ENOMEM;
                                break;
                        }
                        iov = p;
                        allocated = grown;
                }
                va_copy(aq, args);
                r = vasprintf(&entry, format, aq) < 0 ? -ENOMEM : 0;
                va_end(aq);
                if (r < 0)
                        break;
                iov[n].iov_base = entry;
                iov[n].iov_len = strip_trailing_whitespace(entry);
                n++;
                r = skip_arguments(format, &args);
                if (r < 0)
                        break;
                format = va_arg(args, const char *);
        }
        va_end(args);
        /* Formatting leaves errno as it found it (libsystemd's PROTECT_ERRNO). */
        if (saved_errno >= 0)
                errno = saved_errno;

        if (r == 0)
                r = located ? sdlite_journal_send_located(file, line, func, iov, (int) n, 1)
                            : sdlite_journal_sendv(iov, (int) n);
        for (i = 0; i < n; i++)
                free(iov[i].iov_base);
        free(iov);
        if (saved_errno >= 0)
                errno = saved_errno;
        return r;
}

int sd_journal_send(const char *format, ...) {
        va_list ap;
        int r;
        va_start(ap, format);
        r = sendv_formatted(0, NULL, NULL, NULL, format, ap);
        va_end(ap);
        return r;
}

int sd_journal_send_with_location(const char *file, const char *line, const char *func, const char *format, ...) {
        va_list ap;
        int r;
        va_start(ap, format);
        r = sendv_formatted(1, file, line, func, format, ap);
        va_end(ap);
        return r;
}
