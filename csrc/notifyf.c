/* The variadic members of the notify family. Stable Rust cannot define C-variadic functions, so
 * these format with vasprintf(3) here and hand the string to the Rust core. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

int sdlite_pid_notify_with_fds(pid_t pid, int unset_environment, const char *state, const int *fds, size_t n_fds);
void sdlite_unset_notify_socket(void);

/* Returns 0 with *out set (NULL for a NULL format), or -ENOMEM. */
static int format_state(char **out, const char *format, va_list ap) {
        *out = NULL;
        if (!format)
                return 0;
        if (vasprintf(out, format, ap) < 0) {
                *out = NULL; /* its contents are undefined on failure */
                return -ENOMEM;
        }
        return 0;
}

/* libsystemd 252: a formatting failure returns -ENOMEM and leaves NOTIFY_SOCKET alone. */
#define NOTIFYF_252(pid, unset_environment, format)                                       \
        do {                                                                              \
                char *p;                                                                  \
                va_list ap;                                                               \
                va_start(ap, format);                                                     \
                int r = format_state(&p, format, ap);                                     \
                va_end(ap);                                                               \
                if (r < 0)                                                                \
                        return r;                                                         \
                r = sdlite_pid_notify_with_fds(pid, unset_environment, p, NULL, 0);       \
                free(p);                                                                  \
                return r;                                                                 \
        } while (0)

int sd_notifyf(int unset_environment, const char *format, ...) {
        NOTIFYF_252(0, unset_environment, format);
}

int sd_pid_notifyf(pid_t pid, int unset_environment, const char *format, ...) {
        NOTIFYF_252(pid, unset_environment, format);
}

/* systemd 254 added this one. Its count is a size_t where sd_pid_notify_with_fds takes an
 * unsigned: a count that does not fit is -E2BIG (254 and later). NOTIFY_SOCKET is unset on every
 * path when asked, as in systemd 257 (254 and 255 return -E2BIG and -ENOMEM without unsetting). */
int sd_pid_notifyf_with_fds(pid_t pid, int unset_environment, const int *fds, size_t n_fds, const char *format, ...) {
        char *p;
        va_list ap;
        int r;
        if (n_fds > UINT_MAX) {
                if (unset_environment)
                        sdlite_unset_notify_socket();
                return -E2BIG;
        }
        va_start(ap, format);
        r = format_state(&p, format, ap);
        va_end(ap);
        if (r < 0) {
                if (unset_environment)
                        sdlite_unset_notify_socket();
                return r;
        }
        r = sdlite_pid_notify_with_fds(pid, unset_environment, p, fds, n_fds);
        free(p);
        return r;
}
