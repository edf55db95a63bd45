/* login-bench: sd-login, sdlite against Debian's libsystemd 252 against the floor, per call.
 *
 * Both libraries are loaded into this one process as notify-bench loads them (dlopen by full
 * path, RTLD_NOW|RTLD_LOCAL; checked to be two distinct objects, dlmopen(LM_ID_NEWLM) for both
 * otherwise).  The floor is the least any implementation pays for the answer:
 *   - the process calls (sd_pid_get_unit/slice/cgroup(0)): open + read + close of
 *     /proc/self/cgroup; sd_peer_get_unit: getsockopt(SO_PEERCRED) + open + read + close of
 *     /proc/PID/cgroup.  They run over this process's real /proc/self/cgroup: with
 *     --cgroup /system.slice/NAME.service (root) the program first moves itself into that cgroup
 *     in every systemd hierarchy mounted (cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified,
 *     v1 name=systemd at /sys/fs/cgroup/systemd), as systemd places a service, and moves back
 *     and removes the directories at exit.
 *   - the state calls (sd_uid_get_state, sd_session_get_uid, sd_session_is_active,
 *     sd_uid_get_seats(uid, 0, NULL), the call dbus-daemon makes for every connection): open +
 *     read + close of the state file; in the no-logind world, the open that fails.  They run over
 *     a synthetic /run/systemd: the program makes a private mount namespace of its own
 *     (unshare(CLONE_NEWNS), every mount private, a tmpfs over /run/systemd; root only) and
 *     writes users/UID and sessions/ID as logind 252 writes them (a temporary file renamed into
 *     place), for this process's uid.  The no-logind world is the same tmpfs with users/,
 *     sessions/, seats/ and machines/ renamed away (with the clock stopped, every round).
 *     Nothing outside the process sees any of it.
 *
 * Every call's result is checked: sdlite must give libsystemd 252's answer (taken once at the
 * start, in each world, and checked against what the synthetic files say): the return value on
 * every call, the string (unit, slice, cgroup path, state) and the uid on the first round and
 * around every `calls` run; the floor's open must fail exactly in the no-logind world.  Strings
 * are freed after each call (that free is inside the clock, as it is in a caller).
 *
 * Modes (bench/run.sh drives them under the same fixed `env -i` environment as notify-bench):
 *   bench [--rounds R] [--batch N] [--warmup W] [--csv-dir DIR]
 *       Interleaved timing: each round, for each call, a batch of N calls of each method in a
 *       rotating order (all 6 orders in turn).  Prints ns/call medians, p10 and p90, and the
 *       median of each round's ratio; writes login-per-call.csv and login-ratios.csv into DIR.
 *   calls METHOD CALL|all K
 *       K calls of one method (floor, sdlite, libsystemd) for each call named (or every call),
 *       in batches of 8 after a warm-up batch.  Each call runs inside its own noinline function
 *       login_<CALL> (for callgrind's inclusive cost: run valgrind with --collect-atstart=no, each
 *       batch is bracketed by CALLGRIND_TOGGLE_COLLECT) and each batch is bracketed by
 *       access("/sdlite-bench:begin:CALL") and access("/sdlite-bench:end") (for strace).
 *
 * Options before the mode: --sdlite PATH, --libsystemd PATH, --cgroup PATH.
 * Exit status: 0 when every call gave the expected answer, 1 when any did not, 2 on a usage or
 * setup error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PROG "login-bench"
#include "bench-common.h"

extern char **environ;

/* ------------------------------------------------------------------ calls and methods */

enum {
        C_PID_UNIT, C_PID_SLICE, C_PID_CGROUP, C_PEER_UNIT,
        C_UID_STATE, C_SESSION_UID, C_SESSION_ACTIVE, C_UID_SEATS,
        C_UID_STATE_NONE, C_SESSION_UID_NONE, C_SESSION_ACTIVE_NONE, C_UID_SEATS_NONE,
        N_CALL
};
#define FIRST_NONE C_UID_STATE_NONE
static const char *const call_name[N_CALL] = {
        "login_pid_unit", "login_pid_slice", "login_pid_cgroup", "login_peer_unit",
        "login_uid_state", "login_session_uid", "login_session_active", "login_uid_seats",
        "login_uid_state_none", "login_session_uid_none", "login_session_active_none", "login_uid_seats_none",
};
static const char *const call_label[N_CALL] = {
        "sd_pid_get_unit(0)", "sd_pid_get_slice(0)", "sd_pid_get_cgroup(0)", "sd_peer_get_unit",
        "sd_uid_get_state", "sd_session_get_uid", "sd_session_is_active", "sd_uid_get_seats uid 0 NULL",
        "no logind: sd_uid_get_state", "no logind: session_get_uid", "no logind: session_is_active",
        "no logind: sd_uid_get_seats",
};


typedef int (*pid_str_fn)(pid_t, char **);
typedef int (*peer_str_fn)(int, char **);
typedef int (*uid_str_fn)(uid_t, char **);
typedef int (*session_uid_fn)(const char *, uid_t *);
typedef int (*session_fn)(const char *);
typedef int (*uid_seats_fn)(uid_t, int, char ***);

struct lib {
        const char *path;
        void *handle;
        pid_str_fn pid_unit, pid_slice, pid_cgroup;
        peer_str_fn peer_unit;
        uid_str_fn uid_state;
        session_uid_fn session_uid;
        session_fn session_active;
        uid_seats_fn uid_seats;
};
static struct lib libs[N_METH];

#define RUN "/run/systemd"
#define SESSION "2"
static uid_t self_uid;
static pid_t self_pid;
static char uid_file[64], session_file[64], self_cgroup_file[64] = "/proc/self/cgroup", peer_cgroup_file[64];
static int peer_fd = -1, peer_other = -1;

/* What every call must answer (filled in from the floor's own parse of the same files). */
static struct {
        int r;
        char s[512];
} expect[N_CALL];
static unsigned long long n_calls, n_bad;

/* ------------------------------------------------------------------ the floor */

/* The least any implementation pays: the file's bytes (open + read + close), nothing parsed. */
static char floor_buf[4096];
static int floor_read(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, floor_buf, sizeof floor_buf - 1);
        int e = errno;
        close(fd);
        if (n < 0)
                return -e;
        floor_buf[n] = 0;
        return (int)n;
}

static int floor_peer(void) {
        struct ucred u;
        socklen_t l = sizeof u;
        if (getsockopt(peer_fd, SOL_SOCKET, SO_PEERCRED, &u, &l) < 0)
                return -errno;
        /* the path is made from u.pid: only this process is the peer here, so it is made once
         * (snprintf of a pid is not what is measured) */
        return u.pid == self_pid ? floor_read(peer_cgroup_file) : -ESRCH;
}

/* ------------------------------------------------------------------ the calls */

static char *lib_str;    /* the string a library call returned, freed by the caller */
static uid_t got_uid;

/* One call of method `meth`: its return value.  The floor returns what it read (> 0) or -errno;
 * a library, its own return value. */
static inline int do_call(int meth, int c) {
        if (meth == M_FLOOR) {
                switch (c) {
                case C_PID_UNIT: case C_PID_SLICE: case C_PID_CGROUP:
                        return floor_read(self_cgroup_file);
                case C_PEER_UNIT:
                        return floor_peer();
                case C_UID_STATE: case C_UID_SEATS: case C_UID_STATE_NONE: case C_UID_SEATS_NONE:
                        return floor_read(uid_file);
                default:
                        return floor_read(session_file);
                }
        }
        const struct lib *l = &libs[meth];
        int r;
        lib_str = NULL;
        switch (c) {
        case C_PID_UNIT:
                r = l->pid_unit(0, &lib_str);
                break;
        case C_PID_SLICE:
                r = l->pid_slice(0, &lib_str);
                break;
        case C_PID_CGROUP:
                r = l->pid_cgroup(0, &lib_str);
                break;
        case C_PEER_UNIT:
                r = l->peer_unit(peer_fd, &lib_str);
                break;
        case C_UID_STATE: case C_UID_STATE_NONE:
                r = l->uid_state(self_uid, &lib_str);
                break;
        case C_SESSION_UID: case C_SESSION_UID_NONE:
                got_uid = (uid_t)-2;
                r = l->session_uid(SESSION, &got_uid);
                break;
        case C_SESSION_ACTIVE: case C_SESSION_ACTIVE_NONE:
                r = l->session_active(SESSION);
                break;
        default:
                r = l->uid_seats(self_uid, 0, NULL);
                break;
        }
        return r;
}

/* Checks a library call's result against the expected one, then frees its string. */
static void check(int meth, int c, int r) {
        n_calls++;
        if (meth == M_FLOOR) {
                if ((r < 0) != (c >= FIRST_NONE)) /* the open fails exactly where there is no file */
                        n_bad++;
                return;
        }
        int ok = r == expect[c].r;
        if (ok && r >= 0) {
                if (c == C_SESSION_UID)
                        ok = got_uid == self_uid;
                else if (c <= C_PEER_UNIT || c == C_UID_STATE || c == C_UID_STATE_NONE)
                        ok = lib_str && strcmp(lib_str, expect[c].s) == 0;
        }
        if (!ok) {
                if (n_bad < 5)
                        fprintf(stderr, "login-bench: %s %s: returned %d \"%s\", expected %d \"%s\"\n", meth_name[meth],
                                call_name[c], r, lib_str ? lib_str : "", expect[c].r, expect[c].s);
                n_bad++;
        }
        free(lib_str);
        lib_str = NULL;
}

/* One function per call, so that callgrind reports each call's inclusive cost by name. */
#define CALL_FN(name, C) \
        __attribute__((noinline)) static int name(int meth) { \
                int r = do_call(meth, C); \
                free(lib_str); \
                lib_str = NULL; \
                return r; \
        }
/* (the check above frees too; these are for the instruction counts, where the result was
 * checked in the warm-up batch and the string is freed here, inside the measured function) */
CALL_FN(login_pid_unit, C_PID_UNIT)
CALL_FN(login_pid_slice, C_PID_SLICE)
CALL_FN(login_pid_cgroup, C_PID_CGROUP)
CALL_FN(login_peer_unit, C_PEER_UNIT)
CALL_FN(login_uid_state, C_UID_STATE)
CALL_FN(login_session_uid, C_SESSION_UID)
CALL_FN(login_session_active, C_SESSION_ACTIVE)
CALL_FN(login_uid_seats, C_UID_SEATS)
CALL_FN(login_uid_state_none, C_UID_STATE_NONE)
CALL_FN(login_session_uid_none, C_SESSION_UID_NONE)
CALL_FN(login_session_active_none, C_SESSION_ACTIVE_NONE)
CALL_FN(login_uid_seats_none, C_UID_SEATS_NONE)
static int (*const call_fn[N_CALL])(int) = {
        login_pid_unit, login_pid_slice, login_pid_cgroup, login_peer_unit,
        login_uid_state, login_session_uid, login_session_active, login_uid_seats,
        login_uid_state_none, login_session_uid_none, login_session_active_none, login_uid_seats_none,
};

/* ------------------------------------------------------------------ the libraries */

static void *lib_sym(struct lib *l, const char *name) {
        void *p = dlsym(l->handle, name);
        if (!p)
                fatal("%s: no %s: %s", l->path, name, dlerror());
        Dl_info info;
        if (!dladdr(p, &info) || !info.dli_fname || !same_file(info.dli_fname, l->path))
                fatal("%s: %s resolved into %s, not into this library", l->path, name,
                      info.dli_fname ? info.dli_fname : "?");
        return p;
}

static const char *load_both(void) {
        struct lib *a = &libs[M_SDLITE], *b = &libs[M_LIBSYSTEMD];
        if (same_file(a->path, b->path))
                fatal("--sdlite and --libsystemd name the same file %s", a->path);
        const char *how = "dlopen(RTLD_NOW|RTLD_LOCAL), distinct handles";
        for (int namespaced = 0; namespaced < 2; namespaced++) {
                for (struct lib *l = a; l <= b; l++) {
                        errno = 0;
                        l->handle = namespaced ? dlmopen(LM_ID_NEWLM, l->path, RTLD_NOW | RTLD_LOCAL)
                                               : dlopen(l->path, RTLD_NOW | RTLD_LOCAL);
                        if (!l->handle)
                                fatal("dlopen %s: %s", l->path, dlerror());
                }
                void *na = dlsym(a->handle, "sd_pid_get_unit"), *nb = dlsym(b->handle, "sd_pid_get_unit");
                if (a->handle != b->handle && na && nb && na != nb)
                        break;
                if (namespaced)
                        fatal("could not load the two libraries as distinct objects");
                dlclose(a->handle);
                dlclose(b->handle);
                how = "dlmopen(LM_ID_NEWLM), one namespace each";
        }
        for (int m = M_SDLITE; m <= M_LIBSYSTEMD; m++) {
                struct lib *l = &libs[m];
                l->pid_unit = (pid_str_fn)lib_sym(l, "sd_pid_get_unit");
                l->pid_slice = (pid_str_fn)lib_sym(l, "sd_pid_get_slice");
                l->pid_cgroup = (pid_str_fn)lib_sym(l, "sd_pid_get_cgroup");
                l->peer_unit = (peer_str_fn)lib_sym(l, "sd_peer_get_unit");
                l->uid_state = (uid_str_fn)lib_sym(l, "sd_uid_get_state");
                l->session_uid = (session_uid_fn)lib_sym(l, "sd_session_get_uid");
                l->session_active = (session_fn)lib_sym(l, "sd_session_is_active");
                l->uid_seats = (uid_seats_fn)lib_sym(l, "sd_uid_get_seats");
        }
        return how;
}

/* ------------------------------------------------------------------ the cgroup */

#define MAX_HIER 3
static char cg_back[MAX_HIER][PATH_MAX]; /* the cgroup.procs to move back into */
static char cg_made[MAX_HIER * 8][PATH_MAX]; /* the directories made, in order */
static int n_cg, n_made;

static long fs_type(const char *p) {
        struct statfs s;
        return statfs(p, &s) == 0 ? (long)s.f_type : -1;
}

static int write_str(const char *path, const char *s) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, s, strlen(s));
        close(fd);
        return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* This process's path in the hierarchy whose /proc/self/cgroup line starts with `prefix`. */
static int own_path(const char *prefix, char *out, size_t len) {
        FILE *f = fopen("/proc/self/cgroup", "re");
        char line[PATH_MAX + 64];
        int found = 0;
        if (!f)
                return 0;
        while (fgets(line, sizeof line, f)) {
                char *p = strchr(line, ':');
                if (!p || strncmp(p + 1, prefix, strlen(prefix)) != 0)
                        continue;
                p = p + 1 + strlen(prefix);
                p[strcspn(p, "\n")] = 0;
                snprintf(out, len, "%s", p);
                found = 1;
                break;
        }
        fclose(f);
        return found;
}

static void cgroup_back(void) {
        for (int i = 0; i < n_cg; i++)
                if (write_str(cg_back[i], "0") < 0)
                        fprintf(stderr, "login-bench: could not move back into %s\n", cg_back[i]);
        for (int i = n_made - 1; i >= 0; i--)
                if (rmdir(cg_made[i]) < 0)
                        fprintf(stderr, "login-bench: could not remove %s: %s\n", cg_made[i], strerror(errno));
}

static void make_dir(const char *d) {
        if (mkdir(d, 0755) == 0) {
                if (n_made < MAX_HIER * 8)
                        snprintf(cg_made[n_made++], PATH_MAX, "%s", d);
        } else if (errno != EEXIST) {
                fatal("mkdir %s", d);
        }
}

/* Moves this process into `rel` (e.g. /system.slice/sdlite-bench.service) in every systemd
 * hierarchy mounted; returns how many. */
static int cgroup_enter(const char *rel) {
        static const struct {
                const char *mnt, *prefix;
                long type;
        } h[] = {
                { "/sys/fs/cgroup", ":", 0x63677270 },         /* cgroup2 */
                { "/sys/fs/cgroup/unified", ":", 0x63677270 }, /* hybrid */
                { "/sys/fs/cgroup/systemd", "name=systemd:", 0x27e0eb }, /* v1 name=systemd */
        };
        if (rel[0] != '/')
                fatal("--cgroup takes an absolute cgroup path");
        for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
                if (fs_type(h[i].mnt) != h[i].type)
                        continue;
                char cur[PATH_MAX], dir[PATH_MAX];
                if (!own_path(h[i].prefix, cur, sizeof cur))
                        continue;
                /* below the root of the mount as this process sees it (its own cgroup namespace) */
                snprintf(dir, sizeof dir, "%s%s", h[i].mnt, rel);
                for (char *s = dir + strlen(h[i].mnt) + 1; (s = strchr(s, '/')); s++) {
                        *s = 0;
                        make_dir(dir);
                        *s = '/';
                }
                make_dir(dir);
                if (snprintf(cg_back[n_cg], PATH_MAX, "%s%s/cgroup.procs", h[i].mnt, strcmp(cur, "/") ? cur : "") >=
                    PATH_MAX)
                        fatal("cgroup path too long");
                char procs[PATH_MAX + 16];
                snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
                n_cg++;
                if (write_str(procs, "0") < 0)
                        fatal("moving into %s", procs);
        }
        if (n_cg)
                atexit(cgroup_back);
        return n_cg;
}

/* ------------------------------------------------------------------ the state tree */

static void put_file(const char *dir, const char *name, const char *content) {
        char tmp[256], path[256];
        snprintf(tmp, sizeof tmp, RUN "/%s/.#%s", dir, name);
        snprintf(path, sizeof path, RUN "/%s/%s", dir, name);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content) || close(fd) < 0)
                fatal("writing %s", tmp);
        if (rename(tmp, path) < 0)
                fatal("rename %s", path);
}

static const char *const state_dirs[] = { "users", "sessions", "seats", "machines" };

/* Renames the state directories away (no logind) or back. */
static void world(int logind) {
        for (size_t i = 0; i < 4; i++) {
                char on[64], off[64];
                snprintf(on, sizeof on, RUN "/%s", state_dirs[i]);
                snprintf(off, sizeof off, RUN "/.off-%s", state_dirs[i]);
                if (rename(logind ? off : on, logind ? on : off) < 0)
                        fatal("rename %s", on);
        }
}

static void setup_state(void) {
        if (unshare(CLONE_NEWNS) < 0)
                fatal("unshare(CLONE_NEWNS) (needs root)");
        if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fatal("making every mount private");
        struct stat st;
        const char *over = stat(RUN, &st) == 0 && S_ISDIR(st.st_mode) ? RUN : "/run";
        if (mount("sdlite-bench", over, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
                fatal("mounting a tmpfs over %s", over);
        if (mkdir(RUN, 0755) < 0 && errno != EEXIST)
                fatal("mkdir " RUN);
        for (size_t i = 0; i < 4; i++) {
                char d[64];
                snprintf(d, sizeof d, RUN "/%s", state_dirs[i]);
                if (mkdir(d, 0755) < 0)
                        fatal("mkdir %s", d);
        }
        /* what logind 252 writes (user_save_internal, session_save, seat_save) for one user with
         * one graphical session on seat0 */
        char user[1024], session[1024], seat[512];
        snprintf(user, sizeof user,
                 "# This is private data. Do not parse.\n"
                 "NAME=alice\n"
                 "STATE=active\n"
                 "STOPPING=no\n"
                 "RUNTIME=/run/user/%u\n"
                 "SERVICE_JOB=/org/freedesktop/systemd1/job/1234\n"
                 "SLICE=user-%u.slice\n"
                 "DISPLAY=" SESSION "\n"
                 "REALTIME=1764140000123456\n"
                 "MONOTONIC=12345678901\n"
                 "LAST_SESSION_TIMESTAMP=1764140000234567\n"
                 "SESSIONS=" SESSION "\n"
                 "SEATS=seat0\n"
                 "ACTIVE_SESSIONS=" SESSION "\n"
                 "ONLINE_SESSIONS=" SESSION "\n"
                 "ACTIVE_SEATS=seat0\n"
                 "ONLINE_SEATS=seat0\n",
                 self_uid, self_uid);
        snprintf(session, sizeof session,
                 "# This is private data. Do not parse.\n"
                 "UID=%u\n"
                 "USER=alice\n"
                 "ACTIVE=1\n"
                 "IS_DISPLAY=1\n"
                 "STATE=active\n"
                 "REMOTE=0\n"
                 "TYPE=wayland\n"
                 "ORIGINAL_TYPE=wayland\n"
                 "CLASS=user\n"
                 "SCOPE=session-" SESSION ".scope\n"
                 "SCOPE_JOB=/org/freedesktop/systemd1/job/1235\n"
                 "FIFO=/run/systemd/sessions/" SESSION ".ref\n"
                 "SEAT=seat0\n"
                 "TTY=tty2\n"
                 "TTY_VALIDITY=from-pam\n"
                 "SERVICE=gdm-password\n"
                 "DESKTOP=GNOME\n"
                 "VTNR=2\n"
                 "POSITION=0\n"
                 "LEADER=1234\n"
                 "AUDIT=2\n"
                 "REALTIME=1764140000234567\n"
                 "MONOTONIC=12345789012\n"
                 "CONTROLLERS=\n"
                 "RESET_CONTROLLERS=\n",
                 self_uid);
        snprintf(seat, sizeof seat,
                 "# This is private data. Do not parse.\n"
                 "IS_SEAT0=1\n"
                 "CAN_MULTI_SESSION=1\n"
                 "CAN_TTY=1\n"
                 "CAN_GRAPHICAL=1\n"
                 "ACTIVE=" SESSION "\n"
                 "ACTIVE_UID=%u\n"
                 "SESSIONS=" SESSION "\n"
                 "UIDS=%u\n",
                 self_uid, self_uid);
        char uid_name[32];
        snprintf(uid_name, sizeof uid_name, "%u", self_uid);
        put_file("users", uid_name, user);
        put_file("sessions", SESSION, session);
        put_file("seats", "seat0", seat);
}

/* ------------------------------------------------------------------ what the answers must be */

/* What each call must answer: libsystemd 252's answer (the reference), taken once at the start
 * in each world; the state calls' answers are also checked against what the files say, so that a
 * tree the libraries did not read is noticed. */
static void set_expectations(void) {
        for (int c = 0; c < N_CALL; c++) {
                if (c == FIRST_NONE)
                        world(0);
                expect[c].r = do_call(M_LIBSYSTEMD, c);
                snprintf(expect[c].s, sizeof expect[c].s, "%s", lib_str ? lib_str : "");
                if (c == C_SESSION_UID && got_uid != self_uid)
                        expect[c].r = -1000;
                free(lib_str);
                lib_str = NULL;
        }
        world(1);
        if (expect[C_UID_STATE].r != 0 || strcmp(expect[C_UID_STATE].s, "active") != 0 || expect[C_SESSION_UID].r != 0 ||
            expect[C_SESSION_ACTIVE].r != 1 || expect[C_UID_SEATS].r != 1 || expect[C_UID_STATE_NONE].r != 0 ||
            strcmp(expect[C_UID_STATE_NONE].s, "offline") != 0 || expect[C_UID_SEATS_NONE].r != 0 ||
            expect[C_SESSION_UID_NONE].r != -ENXIO || expect[C_SESSION_ACTIVE_NONE].r != -ENXIO) {
                errno = 0;
                fatal("libsystemd's answers are not what the synthetic tree says (state \"%s\" %d, session uid %d, "
                      "active %d, seats %d; no logind: \"%s\" %d, %d, %d, %d)",
                      expect[C_UID_STATE].s, expect[C_UID_STATE].r, expect[C_SESSION_UID].r, expect[C_SESSION_ACTIVE].r,
                      expect[C_UID_SEATS].r, expect[C_UID_STATE_NONE].s, expect[C_UID_STATE_NONE].r,
                      expect[C_UID_SEATS_NONE].r, expect[C_SESSION_UID_NONE].r, expect[C_SESSION_ACTIVE_NONE].r);
        }
        if (expect[C_PID_CGROUP].r != 0 || expect[C_PID_SLICE].r != 0) {
                errno = 0;
                fatal("libsystemd: sd_pid_get_cgroup(0) %d, sd_pid_get_slice(0) %d", expect[C_PID_CGROUP].r,
                      expect[C_PID_SLICE].r);
        }
}

/* ------------------------------------------------------------------ statistics */

/* ------------------------------------------------------------------ mode: bench */

#define MAX_BATCH 64
static uint64_t timed_batch(int meth, int c, unsigned n) {
        int r[MAX_BATCH];
        uint64_t t0 = now_ns();
        for (unsigned j = 0; j < n; j++) {
                r[j] = do_call(meth, c);
                if (meth != M_FLOOR) {
                        free(lib_str);
                        lib_str = NULL;
                }
        }
        uint64_t t1 = now_ns();
        for (unsigned j = 0; j < n; j++) {
                n_calls++;
                int bad = meth == M_FLOOR ? (r[j] < 0) != (c >= FIRST_NONE) : r[j] != expect[c].r;
                n_bad += bad;
        }
        return t1 - t0;
}

static int mode_bench(unsigned rounds, unsigned batch, unsigned warmup, const char *csv_dir, const char *how) {
        if (batch < 1 || batch > MAX_BATCH)
                fatal("--batch must be 1..%d", MAX_BATCH);
        if (rounds < 1)
                fatal("--rounds must be >= 1");
        double *t[N_CALL][N_METH];
        for (int c = 0; c < N_CALL; c++)
                for (int k = 0; k < N_METH; k++)
                        if (!(t[c][k] = calloc(rounds, sizeof(double))))
                                fatal("calloc");
        for (unsigned r = 0; r < warmup + rounds; r++) {
                for (int c = 0; c < N_CALL; c++) {
                        if (c == FIRST_NONE)
                                world(0);
                        const int *order = perms[(r + (unsigned)c) % 6];
                        for (int j = 0; j < N_METH; j++) {
                                int meth = order[j];
                                /* the strings are checked on the first round; the return values on every call */
                                if (r == 0) {
                                        int rv = do_call(meth, c);
                                        check(meth, c, rv);
                                }
                                uint64_t ns = timed_batch(meth, c, batch);
                                if (r >= warmup)
                                        t[c][meth][r - warmup] = (double)ns / batch;
                        }
                }
                world(1);
        }

        struct row_stats st[N_CALL];
        for (int c = 0; c < N_CALL; c++)
                st[c] = row_stats(t[c], rounds);
        printf("login-bench: %u rounds x %u calls per batch (+%u warm-up rounds), methods interleaved in rotating "
               "order; libraries loaded by %s\n",
               rounds, batch, warmup, how);
        printf("process calls over /proc/self/cgroup: cgroup %s, unit \"%s\" (%d), slice \"%s\"\n",
               expect[C_PID_CGROUP].s, expect[C_PID_UNIT].s, expect[C_PID_UNIT].r, expect[C_PID_SLICE].s);
        printf("state calls over a synthetic " RUN " (private mount namespace), uid %u, session " SESSION
               "; no logind: the same tmpfs without users/ sessions/ seats/ machines/\n",
               self_uid);
        report_rows("call", N_CALL, call_name, call_label, st, csv_dir, "login-per-call.csv", "login-ratios.csv", rounds, batch);
        FILE *f = open_csv(csv_dir, "login-setting.txt");
        if (f) {
                fprintf(f, "cgroup: %s\nunit: %s\nslice: %s\nuid: %u\n", expect[C_PID_CGROUP].s, expect[C_PID_UNIT].s,
                        expect[C_PID_SLICE].s, self_uid);
                fclose(f);
        }
        return 0;
}

/* ------------------------------------------------------------------ mode: calls */

static void calls_one(int meth, int c, unsigned long k) {
        enum { BATCH = 8 };
        /* warm-up batch, each result checked */
        for (unsigned j = 0; j < BATCH; j++)
                check(meth, c, do_call(meth, c));
        char begin[96];
        snprintf(begin, sizeof begin, "/sdlite-bench:begin:%s", call_name[c]);
        int (*fn)(int) = call_fn[c];
        unsigned long done = 0;
        while (done < k) {
                unsigned n = k - done < BATCH ? (unsigned)(k - done) : BATCH;
                access(begin, F_OK);
                CALLGRIND_TOGGLE_COLLECT;
                for (unsigned j = 0; j < n; j++)
                        fn(meth);
                CALLGRIND_TOGGLE_COLLECT;
                access("/sdlite-bench:end", F_OK);
                done += n;
        }
        /* and the answer is still right */
        check(meth, c, do_call(meth, c));
}

static int mode_calls(int meth, int only, unsigned long k) {
        for (int c = 0; c < N_CALL; c++) {
                if (only >= 0 && c != only)
                        continue;
                if (c == FIRST_NONE)
                        world(0);
                calls_one(meth, c, k);
        }
        printf("calls: %s %s x %lu\n", meth_name[meth], only >= 0 ? call_name[only] : "all", k);
        return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(void) {
        fprintf(stderr, "usage: login-bench [--sdlite LIB] [--libsystemd LIB] [--cgroup PATH] MODE ...\n"
                        "  bench [--rounds R] [--batch N] [--warmup W] [--csv-dir DIR]\n"
                        "  calls floor|sdlite|libsystemd CALL|all K\n");
        exit(2);
}

int main(int argc, char **argv) {
        char def_sdlite[PATH_MAX];
        default_sdlite_path(def_sdlite, sizeof def_sdlite);
        libs[M_SDLITE].path = def_sdlite;
        libs[M_LIBSYSTEMD].path = "/usr/lib/x86_64-linux-gnu/libsystemd.so.0";
        const char *cgroup = NULL;
        int i = 1;
        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (i + 1 < argc && strcmp(argv[i], "--sdlite") == 0)
                        libs[M_SDLITE].path = argv[++i];
                else if (i + 1 < argc && strcmp(argv[i], "--libsystemd") == 0)
                        libs[M_LIBSYSTEMD].path = argv[++i];
                else if (i + 1 < argc && strcmp(argv[i], "--cgroup") == 0)
                        cgroup = argv[++i];
                else
                        usage();
        }
        if (i >= argc)
                usage();
        const char *mode = argv[i++];

        for (int c = 0; c < N_CALL; c++)
                if (strchr(call_label[c], ',') || strchr(call_name[c], ','))
                        fatal("a call's name or label has a comma (they are CSV fields)");
        self_uid = getuid();
        self_pid = getpid();
        if (cgroup && cgroup_enter(cgroup) == 0)
                fprintf(stderr, "login-bench: no systemd cgroup hierarchy to enter %s in; using this process's own\n",
                        cgroup);
        snprintf(uid_file, sizeof uid_file, RUN "/users/%u", self_uid);
        snprintf(session_file, sizeof session_file, RUN "/sessions/" SESSION);
        snprintf(peer_cgroup_file, sizeof peer_cgroup_file, "/proc/%d/cgroup", (int)self_pid);
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                fatal("socketpair");
        peer_fd = sp[0];
        peer_other = sp[1];
        setup_state();
        const char *how = load_both();
        set_expectations();

        int rc;
        if (strcmp(mode, "bench") == 0) {
                unsigned rounds = 2000, batch = 8, warmup = 50;
                const char *csv = NULL;
                for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
                        if (strcmp(argv[i], "--rounds") == 0)
                                rounds = (unsigned)num(argv[i + 1]);
                        else if (strcmp(argv[i], "--batch") == 0)
                                batch = (unsigned)num(argv[i + 1]);
                        else if (strcmp(argv[i], "--warmup") == 0)
                                warmup = (unsigned)num(argv[i + 1]);
                        else if (strcmp(argv[i], "--csv-dir") == 0)
                                csv = argv[i + 1];
                        else
                                usage();
                }
                if (i != argc)
                        usage();
                rc = mode_bench(rounds, batch, warmup, csv, how);
        } else if (strcmp(mode, "calls") == 0) {
                if (argc - i != 3)
                        usage();
                int meth = -1, only = -1;
                for (int k = 0; k < N_METH; k++)
                        if (strcmp(argv[i], meth_name[k]) == 0)
                                meth = k;
                if (strcmp(argv[i + 1], "all") != 0) {
                        for (int c = 0; c < N_CALL; c++)
                                if (strcmp(argv[i + 1], call_name[c]) == 0)
                                        only = c;
                        if (only < 0)
                                usage();
                }
                if (meth < 0)
                        usage();
                rc = mode_calls(meth, only, num(argv[i + 2]));
        } else {
                usage();
        }
        (void)peer_other;
        printf("calls: %llu checked, %llu wrong\n", n_calls, n_bad);
        if (n_bad)
                rc = 1;
        return rc;
}
