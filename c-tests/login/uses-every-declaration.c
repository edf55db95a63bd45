/* Code written for systemd's <systemd/sd-login.h> that uses every declaration in it: the state half
 * (users, sessions, seats, machines, the monitor, its cleanup helper) and the process half
 * (sd_pid_get_*, sd_peer_get_*), plus the sd_pidfd_get_* forms (systemd 254) sdlite's header has
 * (left out with -DSDLITE_TEST_SYSTEMD_252, for compiling against systemd 252's own header).
 * tests/suites/14-header-login.sh compiles it unchanged against systemd 252's header and against
 * sdlite's, as C (c89 for the header alone, c99, gnu11, c2x) and C++ (c++11, c++17, c++20),
 * -Wall -Wextra -Werror; every combination that passes with systemd's header must pass with ours.
 * Built on sdlite's library it also runs (14, and 71-sanitizers under ASan and valgrind): each
 * state call gives a result 252 allows, in whatever state the machine is; each process call for
 * pid 0 agrees with /proc/self/cgroup (the cgroup is the tail of its systemd line, the unit and
 * slice are the components 252 takes from it, or -ENODATA where there are none), and the same
 * call for getpid(), for the peer of a socketpair (ourselves) and for a pidfd of ourselves gives
 * what pid 0 gave (the peer forms, as in 252, without the pid forms' -ENXIO/-ENOMEDIUM to
 * -ENODATA). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <systemd/sd-login.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

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
static int (*const p_pid_get_session)(pid_t, char **) = sd_pid_get_session;
static int (*const p_pid_get_unit)(pid_t, char **) = sd_pid_get_unit;
static int (*const p_pid_get_user_unit)(pid_t, char **) = sd_pid_get_user_unit;
static int (*const p_pid_get_machine_name)(pid_t, char **) = sd_pid_get_machine_name;
static int (*const p_pid_get_slice)(pid_t, char **) = sd_pid_get_slice;
static int (*const p_pid_get_user_slice)(pid_t, char **) = sd_pid_get_user_slice;
static int (*const p_pid_get_owner_uid)(pid_t, uid_t *) = sd_pid_get_owner_uid;
static int (*const p_pid_get_cgroup)(pid_t, char **) = sd_pid_get_cgroup;
static int (*const p_peer_get_session)(int, char **) = sd_peer_get_session;
static int (*const p_peer_get_unit)(int, char **) = sd_peer_get_unit;
static int (*const p_peer_get_user_unit)(int, char **) = sd_peer_get_user_unit;
static int (*const p_peer_get_machine_name)(int, char **) = sd_peer_get_machine_name;
static int (*const p_peer_get_slice)(int, char **) = sd_peer_get_slice;
static int (*const p_peer_get_user_slice)(int, char **) = sd_peer_get_user_slice;
static int (*const p_peer_get_owner_uid)(int, uid_t *) = sd_peer_get_owner_uid;
static int (*const p_peer_get_cgroup)(int, char **) = sd_peer_get_cgroup;
#ifndef SDLITE_TEST_SYSTEMD_252
/* systemd 254's prototypes. */
static int (*const p_pidfd_get_session)(int, char **) = sd_pidfd_get_session;
static int (*const p_pidfd_get_unit)(int, char **) = sd_pidfd_get_unit;
static int (*const p_pidfd_get_user_unit)(int, char **) = sd_pidfd_get_user_unit;
static int (*const p_pidfd_get_machine_name)(int, char **) = sd_pidfd_get_machine_name;
static int (*const p_pidfd_get_slice)(int, char **) = sd_pidfd_get_slice;
static int (*const p_pidfd_get_user_slice)(int, char **) = sd_pidfd_get_user_slice;
static int (*const p_pidfd_get_owner_uid)(int, uid_t *) = sd_pidfd_get_owner_uid;
static int (*const p_pidfd_get_cgroup)(int, char **) = sd_pidfd_get_cgroup;
#endif

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

/* The process half. */

/* 1 if the path of a systemd hierarchy line of /proc/self/cgroup ("0::PATH", or
 * "N:name=systemd:PATH" on a legacy or hybrid host) ends with cg, a path starting with '/' (252
 * drops the root of the tree, PID 1's cgroup without "/init.scope", from the front; "/" is all
 * that is left of the root itself). */
static int proc_cgroup_ends_with(const char *cg) {
        static const char named[] = ":name=systemd:";
        char line[4096];
        size_t lc = strlen(cg);
        int found = 0;
        FILE *f = fopen("/proc/self/cgroup", "re");

        if (!f)
                return 0;
        while (fgets(line, sizeof line, f)) {
                char *path;
                size_t lp;

                line[strcspn(line, "\n")] = 0;
                if (strncmp(line, "0::", 3) == 0)
                        path = line + 3;
                else if ((path = strstr(line, named)))
                        path += sizeof named - 1;
                else
                        continue;
                lp = strlen(path);
                if (path[0] == '/' && (strcmp(cg, "/") == 0 || (lp >= lc && strcmp(path + lp - lc, cg) == 0)))
                        found = 1;
        }
        fclose(f);
        return found;
}

static int ends_with_n(const char *s, size_t n, const char *suffix) {
        size_t l = strlen(suffix);
        return n > l && strncmp(s + n - l, suffix, l) == 0;
}

/* 1 if the n bytes at s end in the suffix of a unit type 252 knows, other than .slice. */
static int unit_like(const char *s, size_t n) {
        static const char *const types[] = {
                ".service", ".mount", ".swap", ".socket", ".target", ".device",
                ".automount", ".timer", ".path", ".scope",
        };
        size_t i;
        for (i = 0; i < sizeof types / sizeof types[0]; i++)
                if (ends_with_n(s, n, types[i]))
                        return 1;
        return 0;
}

static int equals_n(const char *v, const char *s, size_t n) {
        return v && strlen(v) == n && strncmp(v, s, n) == 0;
}

/* What one sd_*_get_* call gave: its return and its string or uid. */
struct answer {
        int r;
        char *s;
        uid_t uid;
};

/* a (a peer form's answer when raw) is b's. The peer forms are 252's cgroup-util calls without
 * sd_pid_get_*'s last step, which turns their -ENXIO and -ENOMEDIUM into -ENODATA. */
static int same_answer(const struct answer *a, const struct answer *b, int raw) {
        if (raw && b->r == -ENODATA)
                return a->r == -ENXIO || a->r == -ENOMEDIUM;
        if (a->r != b->r)
                return 0;
        if (a->r < 0)
                return 1;
        if (a->s || b->s)
                return a->s && b->s && strcmp(a->s, b->s) == 0;
        return a->uid == b->uid;
}

static void check_same(const struct answer *got, const struct answer *want, int raw, const char *fn, const char *as) {
        char what[200];
        snprintf(what, sizeof what, "%s: as %s (%d%s%s%s)", fn, as, want->r,
                 want->r >= 0 && want->s ? " " : "", want->r >= 0 && want->s ? want->s : "",
                 raw && want->r == -ENODATA ? "; here -ENXIO or -ENOMEDIUM, as in 252" : "");
        check(same_answer(got, want, raw), what);
        if (!same_answer(got, want, raw))
                printf("     got %d %s\n", got->r, got->r >= 0 && got->s ? got->s : "");
}

/* The string functions of the process half, the pid, peer and pidfd forms side by side. */
struct process_row {
        const char *name;
        int (*pid)(pid_t, char **);
        int (*peer)(int, char **);
#ifndef SDLITE_TEST_SYSTEMD_252
        int (*pidfd)(int, char **);
#endif
};

enum { N_ROWS = 7 };

/* sd_pid_get_*(0), and what the other forms give for this process: getpid(), the peer of a
 * socketpair (ourselves), a pidfd of ourselves (sdlite's header; not under valgrind 3.19, which
 * has no pidfd_open). */
static void check_process_forms(void) {
        const struct process_row rows[N_ROWS] = {
#ifndef SDLITE_TEST_SYSTEMD_252
#define ROW(n) { #n, p_pid_get_##n, p_peer_get_##n, p_pidfd_get_##n }
#else
#define ROW(n) { #n, p_pid_get_##n, p_peer_get_##n }
#endif
                ROW(session), ROW(unit), ROW(user_unit), ROW(machine_name), ROW(slice),
                ROW(user_slice), ROW(cgroup),
#undef ROW
        };
        struct answer self[N_ROWS + 1], a;
        char name[64], as[64];
        int sp[2], i, pidfd = -1;
        long l;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
                check(0, "socketpair");
                return;
        }
        l = syscall(SYS_pidfd_open, getpid(), 0);
        if (l >= 0)
                pidfd = l;
        else if (errno == ENOSYS)
                printf("note: pidfd_open(2) is not there (ENOSYS; valgrind has none): sd_pidfd_get_* not compared\n");
        else
                check(0, "pidfd_open(getpid())");

        for (i = 0; i <= N_ROWS; i++) {
                self[i].s = NULL;
                self[i].uid = 0;
                if (i < N_ROWS)
                        self[i].r = rows[i].pid(0, &self[i].s);
                else
                        self[i].r = p_pid_get_owner_uid(0, &self[i].uid);
                snprintf(as, sizeof as, "sd_pid_get_%s(0)", i < N_ROWS ? rows[i].name : "owner_uid");

                a.s = NULL;
                a.uid = 0;
                a.r = i < N_ROWS ? rows[i].pid(getpid(), &a.s) : p_pid_get_owner_uid(getpid(), &a.uid);
                snprintf(name, sizeof name, "sd_pid_get_%s(getpid())", i < N_ROWS ? rows[i].name : "owner_uid");
                check_same(&a, &self[i], 0, name, as);
                if (a.r >= 0)
                        free(a.s);

                a.s = NULL;
                a.uid = 0;
                a.r = i < N_ROWS ? rows[i].peer(sp[0], &a.s) : p_peer_get_owner_uid(sp[0], &a.uid);
                snprintf(name, sizeof name, "sd_peer_get_%s(socketpair)", i < N_ROWS ? rows[i].name : "owner_uid");
                check_same(&a, &self[i], 1, name, as);
                if (a.r >= 0)
                        free(a.s);
#ifndef SDLITE_TEST_SYSTEMD_252
                if (pidfd >= 0) {
                        a.s = NULL;
                        a.uid = 0;
                        a.r = i < N_ROWS ? rows[i].pidfd(pidfd, &a.s) : p_pidfd_get_owner_uid(pidfd, &a.uid);
                        snprintf(name, sizeof name, "sd_pidfd_get_%s(pidfd of self)", i < N_ROWS ? rows[i].name : "owner_uid");
                        check_same(&a, &self[i], 0, name, as);
                        if (a.r >= 0)
                                free(a.s);
                }
#endif
        }

        /* pid 0 against /proc/self/cgroup: the cgroup (row 6) is the tail of the systemd line; the
         * slice is the last of the leading .slice components ("-.slice" if none); the unit is the
         * component after them if that has a unit's suffix, else there is none (-ENODATA). */
        check(self[6].r == 0 && self[6].s && self[6].s[0] == '/' && proc_cgroup_ends_with(self[6].s),
              "sd_pid_get_cgroup(0): the tail of /proc/self/cgroup's systemd line");
        if (self[6].r == 0 && self[6].s) {
                const char *c = self[6].s, *slice = NULL;
                size_t n, slice_n = 0;

                for (;;) {
                        c += strspn(c, "/");
                        n = strcspn(c, "/");
                        if (!ends_with_n(c, n, ".slice"))
                                break;
                        slice = c;
                        slice_n = n;
                        c += n;
                }
                check(self[4].r == 0 && (slice ? equals_n(self[4].s, slice, slice_n) : equals_n(self[4].s, "-.slice", 7)),
                      "sd_pid_get_slice(0): the last leading .slice of the cgroup, or -.slice");
                if (unit_like(c, n))
                        check(self[1].r == 0 && equals_n(self[1].s, c, n),
                              "sd_pid_get_unit(0): the cgroup's first component after its slices");
                else
                        check(self[1].r == -ENODATA,
                              "sd_pid_get_unit(0): -ENODATA, the cgroup has no unit after its slices");
        }

        for (i = 0; i < N_ROWS; i++)
                if (self[i].r >= 0)
                        free(self[i].s);
        if (pidfd >= 0)
                close(pidfd);
        close(sp[0]);
        close(sp[1]);

        /* What 252 (and 254 for the pidfd forms) refuses before looking. */
        check(p_pid_get_unit(-1, &self[0].s) == -EINVAL, "sd_pid_get_unit(-1) is -EINVAL");
        check(p_pid_get_session(0, NULL) == -EINVAL, "sd_pid_get_session(0, NULL) is -EINVAL");
        check(p_peer_get_unit(-1, &self[0].s) == -EBADF, "sd_peer_get_unit(-1) is -EBADF");
#ifndef SDLITE_TEST_SYSTEMD_252
        check(p_pidfd_get_unit(-1, &self[0].s) == -EBADF, "sd_pidfd_get_unit(-1) is -EBADF");
#endif
}

int main(void) {
        char **l = NULL;
        char *s = NULL;
        uid_t *u = NULL;
        const uid_t u0 = 0;
        int *ifi = NULL;
        unsigned vt = 0, n = 0;
        uint64_t t = 0;
        const uid_t no_uid = ~u0; /* (uid_t) -1, without a cast (C++: -Wold-style-cast) */
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
        check(p_uid_get_state(no_uid, &s) == -EINVAL, "sd_uid_get_state((uid_t) -1) is -EINVAL");
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

        check_process_forms();
        return failures ? 1 : 0;
}
