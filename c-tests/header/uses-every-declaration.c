/* Code written for systemd 252's <systemd/sd-daemon.h>, using every declaration in it, plus the
 * two systemd 254 additions sdlite's header has (left out with -DSDLITE_TEST_SYSTEMD_252, for
 * compiling against systemd's own header). tests/suites/11-header.sh compiles it as C99, GNU11,
 * C2x, C++11 and C++20 with -Wall -Wextra -Werror -pedantic, against both headers.
 *
 * Each function is assigned to a pointer of its exact systemd prototype, so any difference of
 * signature is a compile error (C: incompatible pointer types under -Werror; C++: always), then
 * called through it. Every macro is used; the variadic calls exercise printf format checking.
 * When run (with $NOTIFY_SOCKET, $LISTEN_* and $WATCHDOG_* unset), every call must return what
 * sd-daemon(3) documents for "not running under a service manager"; exit 0 if so. */
#include <systemd/sd-daemon.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The log-level prefixes are string literals (they concatenate) in this order. */
static const char *const levels[] = {
    SD_EMERG "emerg", SD_ALERT "alert", SD_CRIT "crit", SD_ERR "err",
    SD_WARNING "warning", SD_NOTICE "notice", SD_INFO "info", SD_DEBUG "debug",
};
typedef char sd_listen_fds_start_is_3[SD_LISTEN_FDS_START == 3 ? 1 : -1];
typedef char eight_levels[sizeof levels / sizeof levels[0] == 8 ? 1 : -1];

static int failures = 0;

static void expect(const char *call, int got, int want) {
    if (got != want) {
        fprintf(stderr, "uses-every-declaration: %s returned %d, expected %d\n", call, got, want);
        failures++;
    }
}

int main(void) {
    /* Exact prototypes of systemd 252's header (parameter names left out on purpose). */
    int (*const p_listen_fds)(int) = sd_listen_fds;
    int (*const p_listen_fds_with_names)(int, char ***) = sd_listen_fds_with_names;
    int (*const p_is_fifo)(int, const char *) = sd_is_fifo;
    int (*const p_is_special)(int, const char *) = sd_is_special;
    int (*const p_is_socket)(int, int, int, int) = sd_is_socket;
    int (*const p_is_socket_inet)(int, int, int, int, uint16_t) = sd_is_socket_inet;
    int (*const p_is_socket_sockaddr)(int, int, const struct sockaddr *, unsigned, int) = sd_is_socket_sockaddr;
    int (*const p_is_socket_unix)(int, int, int, const char *, size_t) = sd_is_socket_unix;
    int (*const p_is_mq)(int, const char *) = sd_is_mq;
    int (*const p_notify)(int, const char *) = sd_notify;
    int (*const p_notifyf)(int, const char *, ...) = sd_notifyf;
    int (*const p_pid_notify)(pid_t, int, const char *) = sd_pid_notify;
    int (*const p_pid_notifyf)(pid_t, int, const char *, ...) = sd_pid_notifyf;
    int (*const p_pid_notify_with_fds)(pid_t, int, const char *, const int *, unsigned) = sd_pid_notify_with_fds;
    int (*const p_notify_barrier)(int, uint64_t) = sd_notify_barrier;
    int (*const p_booted)(void) = sd_booted;
    int (*const p_watchdog_enabled)(int, uint64_t *) = sd_watchdog_enabled;
#ifndef SDLITE_TEST_SYSTEMD_252
    /* systemd 254's prototypes. */
    int (*const p_pid_notifyf_with_fds)(pid_t, int, const int *, size_t, const char *, ...) = sd_pid_notifyf_with_fds;
    int (*const p_pid_notify_barrier)(pid_t, int, uint64_t) = sd_pid_notify_barrier;
#endif

    int i;
    for (i = 0; i < 8; i++)
        if (levels[i][0] != '<' || levels[i][1] != '0' + i || levels[i][2] != '>') {
            fprintf(stderr, "uses-every-declaration: level %d is \"%s\"\n", i, levels[i]);
            failures++;
        }
    if (sizeof(sd_listen_fds_start_is_3) + sizeof(eight_levels) != 2 || SD_LISTEN_FDS_START != 3)
        failures++;

    /* Called by name (the declarations) and through the pointers (the prototypes). */
    char **names = NULL;
    int fd = SD_LISTEN_FDS_START;
    const int fds[1] = { 0 };
    uint64_t usec = 0;
    struct sockaddr sa;
    memset(&sa, 0, sizeof sa);

    expect("sd_listen_fds", sd_listen_fds(0), 0);
    expect("p_listen_fds", p_listen_fds(0), 0);
    expect("sd_listen_fds_with_names", p_listen_fds_with_names(0, &names), 0);
    if (names) {
        char **n;
        for (n = names; *n; n++)
            free(*n);
        free(names);
    }
    expect("sd_is_fifo", p_is_fifo(-1, NULL) < 0, 1);
    expect("sd_is_special", p_is_special(-1, "/dev/null") < 0, 1);
    expect("sd_is_socket", p_is_socket(-1, 0, 0, -1) < 0, 1);
    expect("sd_is_socket_inet", p_is_socket_inet(-1, 0, 0, -1, 0) < 0, 1);
    expect("sd_is_socket_sockaddr", p_is_socket_sockaddr(-1, 0, &sa, sizeof sa, -1) < 0, 1);
    expect("sd_is_socket_unix", p_is_socket_unix(-1, 0, -1, NULL, 0) < 0, 1);
    expect("sd_is_mq", p_is_mq(-1, NULL) < 0, 1);
    expect("sd_notify", p_notify(0, "READY=1"), 0);
    expect("sd_notifyf", p_notifyf(0, "STATUS=%s %d%%", "loading", 50), 0);
    expect("sd_notifyf (direct)", sd_notifyf(0, "READY=1\nSTATUS=Processing requests...\nMAINPID=%lu",
                                              1UL), 0);
    expect("sd_pid_notify", p_pid_notify(0, 0, "READY=1"), 0);
    expect("sd_pid_notifyf", p_pid_notifyf(0, 0, "ERRNO=%i", 2), 0);
    expect("sd_pid_notifyf (direct)", sd_pid_notifyf(0, 0, "STATUS=%.*s", 3, "abcdef"), 0);
    expect("sd_pid_notify_with_fds", p_pid_notify_with_fds(0, 0, "FDSTORE=1", fds, 1), 0);
    expect("sd_notify_barrier", p_notify_barrier(0, UINT64_C(5000000)), 0);
    expect("sd_booted", p_booted() >= 0, 1);
    expect("sd_watchdog_enabled", p_watchdog_enabled(0, &usec), 0);
    expect("sd_watchdog_enabled(NULL)", sd_watchdog_enabled(0, NULL), 0);
#ifndef SDLITE_TEST_SYSTEMD_252
    expect("sd_pid_notifyf_with_fds", p_pid_notifyf_with_fds(0, 0, fds, 1, "FDSTORE=1\nFDNAME=%s", "x"), 0);
    expect("sd_pid_notifyf_with_fds (direct)", sd_pid_notifyf_with_fds(0, 0, NULL, 0, "%s", "READY=1"), 0);
    expect("sd_pid_notify_barrier", p_pid_notify_barrier(0, 0, UINT64_MAX), 0);
#endif
    (void)fd;
    if (failures == 0)
        printf("uses-every-declaration: every call returned as documented\n");
    return failures == 0 ? 0 : 1;
}
