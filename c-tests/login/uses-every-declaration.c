/* Code written for systemd's <systemd/sd-login.h> that uses every declaration of its state half
 * (users, sessions, seats, machines, the monitor) and its cleanup helper. tests/suites/
 * 14-header-login.sh compiles it unchanged against systemd 252's header and against sdlite's, as
 * C (c89 for the header alone, c99, gnu11, c2x) and C++ (c++11, c++17, c++20), -Wall -Wextra
 * -Werror; every combination that passes with systemd's header must pass with ours. Built on
 * sdlite's library it also runs: each call gives a result 252 allows, in whatever state the
 * machine is.
 *
 * The process half (sd_pid_get_*, sd_peer_get_*) is declared in the same header by the other
 * sd-login module; its declarations are checked by 11-header. */
#include <systemd/sd-login.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef foosdloginhfoo
#error "the header does not use systemd's include guard foosdloginhfoo"
#endif

/* Every function through a pointer of its exact type. */
static int (*const p_uid_get_state)(uid_t, char **) = sd_uid_get_state;
static int (*const p_uid_get_display)(uid_t, char **) = sd_uid_get_display;
static int (*const p_uid_is_on_seat)(uid_t, int, const char *) = sd_uid_is_on_seat;
static int (*const p_uid_get_sessions)(uid_t, int, char ***) = sd_uid_get_sessions;
static int (*const p_uid_get_seats)(uid_t, int, char ***) = sd_uid_get_seats;
static int (*const p_session_is_active)(const char *) = sd_session_is_active;
static int (*const p_session_is_remote)(const char *) = sd_session_is_remote;
static int (*const p_session_get_state)(const char *, char **) = sd_session_get_state;
static int (*const p_session_get_uid)(const char *, uid_t *) = sd_session_get_uid;
static int (*const p_session_get_seat)(const char *, char **) = sd_session_get_seat;
static int (*const p_session_get_service)(const char *, char **) = sd_session_get_service;
static int (*const p_session_get_type)(const char *, char **) = sd_session_get_type;
static int (*const p_session_get_class)(const char *, char **) = sd_session_get_class;
static int (*const p_session_get_desktop)(const char *, char **) = sd_session_get_desktop;
static int (*const p_session_get_display)(const char *, char **) = sd_session_get_display;
static int (*const p_session_get_remote_host)(const char *, char **) = sd_session_get_remote_host;
static int (*const p_session_get_remote_user)(const char *, char **) = sd_session_get_remote_user;
static int (*const p_session_get_tty)(const char *, char **) = sd_session_get_tty;
static int (*const p_session_get_vt)(const char *, unsigned *) = sd_session_get_vt;
static int (*const p_seat_get_active)(const char *, char **, uid_t *) = sd_seat_get_active;
static int (*const p_seat_get_sessions)(const char *, char ***, uid_t **, unsigned *) = sd_seat_get_sessions;
static int (*const p_seat_can_tty)(const char *) = sd_seat_can_tty;
static int (*const p_seat_can_graphical)(const char *) = sd_seat_can_graphical;
static int (*const p_machine_get_class)(const char *, char **) = sd_machine_get_class;
static int (*const p_machine_get_ifindices)(const char *, int **) = sd_machine_get_ifindices;
static int (*const p_get_seats)(char ***) = sd_get_seats;
static int (*const p_get_sessions)(char ***) = sd_get_sessions;
static int (*const p_get_uids)(uid_t **) = sd_get_uids;
static int (*const p_get_machine_names)(char ***) = sd_get_machine_names;
static int (*const p_monitor_new)(const char *, sd_login_monitor **) = sd_login_monitor_new;
static sd_login_monitor *(*const p_monitor_unref)(sd_login_monitor *) = sd_login_monitor_unref;
static int (*const p_monitor_flush)(sd_login_monitor *) = sd_login_monitor_flush;
static int (*const p_monitor_get_fd)(sd_login_monitor *) = sd_login_monitor_get_fd;
static int (*const p_monitor_get_events)(sd_login_monitor *) = sd_login_monitor_get_events;
static int (*const p_monitor_get_timeout)(sd_login_monitor *, uint64_t *) = sd_login_monitor_get_timeout;
static void (*const p_monitor_unrefp)(sd_login_monitor **) = sd_login_monitor_unrefp;

static int failures;

static void check(int ok, const char *what) {
        printf("%s %s\n", ok ? "ok" : "FAIL", what);
        if (!ok)
                failures++;
}

static void free_strv(char **l) {
        char **p;
        for (p = l; p && *p; p++)
                free(*p);
        free(l);
}

static int count_of(char **l) {
        int n = 0;
        while (l && l[n])
                n++;
        return n;
}

int main(void) {
        char **l = NULL;
        char *s = NULL;
        uid_t *u = NULL;
        int *ifi = NULL;
        unsigned vt = 0, n = 0;
        uint64_t t = 0;
        int r;

        r = p_get_seats(&l);
        check(r >= 0 && r == count_of(l), "sd_get_seats: a count and an array of that length");
        free_strv(l);
        l = NULL;
        r = p_get_sessions(&l);
        check(r >= 0 && r == count_of(l), "sd_get_sessions");
        free_strv(l);
        l = NULL;
        r = p_get_machine_names(&l);
        check(r >= 0 && r == count_of(l), "sd_get_machine_names");
        free_strv(l);
        r = p_get_uids(&u);
        check(r >= 0 && (r == 0 || u), "sd_get_uids");
        free(u);

        r = p_uid_get_state(0, &s);
        check(r == 0 && s, "sd_uid_get_state(0): a state (\"offline\" without logind)");
        free(s);
        check(p_uid_get_state((uid_t) -1, &s) == -EINVAL, "sd_uid_get_state((uid_t) -1) is -EINVAL");
        r = p_uid_get_display(0, &s);
        check(r == -ENODATA || (r == 0 && s), "sd_uid_get_display(0)");
        if (r == 0)
                free(s);
        check(p_uid_is_on_seat(0, 0, "seat0") >= 0, "sd_uid_is_on_seat");
        r = p_uid_get_sessions(0, 0, &l);
        check(r >= 0, "sd_uid_get_sessions");
        free_strv(l);
        r = p_uid_get_seats(0, 0, NULL);
        check(r >= 0, "sd_uid_get_seats, count only");

        check(p_session_is_active("a/b") == -EINVAL, "sd_session_is_active(\"a/b\") is -EINVAL");
        check(p_session_is_remote("nosuchsession0") == -ENXIO, "sd_session_is_remote of an unknown session is -ENXIO");
        check(p_session_get_state("nosuchsession0", &s) == -ENXIO, "sd_session_get_state");
        {
                uid_t uid = 0;
                check(p_session_get_uid("nosuchsession0", &uid) == -ENXIO, "sd_session_get_uid");
        }
        check(p_session_get_seat("nosuchsession0", &s) == -ENXIO, "sd_session_get_seat");
        check(p_session_get_service("nosuchsession0", &s) == -ENXIO, "sd_session_get_service");
        check(p_session_get_type("nosuchsession0", &s) == -ENXIO, "sd_session_get_type");
        check(p_session_get_class("nosuchsession0", &s) == -ENXIO, "sd_session_get_class");
        check(p_session_get_desktop("nosuchsession0", &s) == -ENXIO, "sd_session_get_desktop");
        check(p_session_get_display("nosuchsession0", &s) == -ENXIO, "sd_session_get_display");
        check(p_session_get_remote_host("nosuchsession0", &s) == -ENXIO, "sd_session_get_remote_host");
        check(p_session_get_remote_user("nosuchsession0", &s) == -ENXIO, "sd_session_get_remote_user");
        check(p_session_get_tty("nosuchsession0", &s) == -ENXIO, "sd_session_get_tty");
        check(p_session_get_vt("nosuchsession0", &vt) == -ENXIO, "sd_session_get_vt");

        check(p_seat_get_active("nosuchseat0", &s, NULL) == -ENXIO, "sd_seat_get_active");
        check(p_seat_get_sessions("nosuchseat0", &l, NULL, &n) == -ENXIO, "sd_seat_get_sessions");
        check(p_seat_can_tty("nosuchseat0") == -ENXIO, "sd_seat_can_tty");
        check(p_seat_can_graphical("nosuchseat0") == -ENXIO, "sd_seat_can_graphical");
        check(p_machine_get_class(".host", &s) == 0, "sd_machine_get_class(\".host\")");
        free(s);
        check(p_machine_get_ifindices("nosuchmachine0", &ifi) == -ENXIO, "sd_machine_get_ifindices");

        {
                __attribute__((cleanup(sd_login_monitor_unrefp))) sd_login_monitor *m = NULL;
                r = p_monitor_new(NULL, &m);
                if (r == 0) {
                        check(p_monitor_get_fd(m) >= 0, "sd_login_monitor_get_fd");
                        check(p_monitor_get_events(m) == POLLIN, "sd_login_monitor_get_events is POLLIN");
                        check(p_monitor_get_timeout(m, &t) == 0 && t == UINT64_MAX, "sd_login_monitor_get_timeout");
                        check(p_monitor_flush(m) == 0, "sd_login_monitor_flush");
                } else
                        check(r == -ENOENT, "sd_login_monitor_new without logind's directories is -ENOENT");
        }
        {
                sd_login_monitor *m = NULL;
                if (p_monitor_new("uid", &m) == 0)
                        p_monitor_unrefp(&m);
                check(p_monitor_unref(NULL) == NULL, "sd_login_monitor_unref(NULL) is NULL");
        }
        return failures ? 1 : 0;
}
