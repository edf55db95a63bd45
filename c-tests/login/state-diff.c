/* c-tests/login/state-diff.c -- the state half of sd-login over synthetic logind state, for
 * tests/suites/25-diff-login-state.sh: built against Debian's <systemd/sd-login.h>, run on
 * libsystemd 252 and on sdlite; stdout must be identical.
 *
 * It makes a private mount namespace (unshare(CLONE_NEWNS), mounts private) and mounts a fresh
 * tmpfs on /run/systemd for every scenario, so the host's logind state is hidden and nothing
 * outside is touched. Scenarios: no logind at all (no directories), empty directories, a
 * populated tree (active, online, closing and lingering users; seat0 with CAN_TTY and
 * CAN_GRAPHICAL, seats without; local and remote sessions; machines with classes and NETIF
 * lists, unit: symlinks, bad names), malformed files, many env-file forms read through
 * sd_session_get_* (the parser through the public API), huge files, and the monitor (which
 * categories wake up on which change, flush, flags, no descriptor left after unref).
 *
 * Every call prints "call(args) -> return value | outputs". Out-pointers start as a sentinel;
 * "untouched" means the call left them as they were. Lines starting with "~ " are known,
 * deliberate differences (the suite compares them separately).
 *
 * Exit: 0 done, 77 no namespaces (not root), 2 setup failure. */
#define _GNU_SOURCE
#define TESTLIB_PROG "state-diff"
#include "../common/testlib.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <systemd/sd-login.h>

#define RUN "/run/systemd"
#define SENT ((void *) 0x1)

static void put_escaped(const char *s) {
        if (!s) {
                fputs("NULL", stdout);
                return;
        }
        if (s == SENT) {
                fputs("untouched", stdout);
                return;
        }
        putchar('"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
                        printf("\\x%02x", *p);
                else
                        putchar(*p);
        }
        putchar('"');
}

static void put_strv(char **l, int r) {
        if (l == SENT) {
                fputs("untouched", stdout);
                return;
        }
        if (!l) {
                fputs("NULL", stdout);
                return;
        }
        putchar('[');
        int n = 0;
        for (char **p = l; *p; p++, n++) {
                if (p != l)
                        putchar(',');
                put_escaped(*p);
                free(*p);
        }
        putchar(']');
        if (r >= 0 && n != r)
                printf(" (count %d != r)", n);
        free(l);
}

/* ---------------------------------------------------------------- files */

static void fresh(int with_dirs) {
        (void) umount2(RUN, MNT_DETACH);
        if (mkdir(RUN, 0755) < 0 && errno != EEXIST)
                die("mkdir /run/systemd");
        if (mount("tmpfs", RUN, "tmpfs", 0, "mode=0755,size=300m") < 0)
                die("mount tmpfs on /run/systemd");
        if (with_dirs) {
                const char *d[] = { RUN "/users", RUN "/sessions", RUN "/seats", RUN "/machines" };
                for (size_t i = 0; i < 4; i++)
                        if (mkdir(d[i], 0755) < 0)
                                die("mkdir state dir");
        }
}

/* Writes `n` bytes as dir/name the way logind does (a temporary file renamed into place). */
static void put_file_n(const char *dir, const char *name, const char *content, size_t n) {
        char tmp[4200], path[4200];
        snprintf(tmp, sizeof tmp, "%s/%s/.#tmp", RUN, dir);
        snprintf(path, sizeof path, "%s/%s/%s", RUN, dir, name);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                die("open temporary file");
        for (size_t done = 0; done < n;) {
                ssize_t k = write(fd, content + done, n - done);
                if (k <= 0)
                        die("write");
                done += (size_t) k;
        }
        close(fd);
        if (rename(tmp, path) < 0)
                die("rename");
}

static void put_file(const char *dir, const char *name, const char *content) {
        put_file_n(dir, name, content, strlen(content));
}

/* ---------------------------------------------------------------- probes */

static void uid_probe(uid_t uid) {
        char *s = SENT;
        int r;

        r = sd_uid_get_state(uid, &s);
        printf("uid_get_state(%u) -> %s | ", uid, rs(r));
        put_escaped(s);
        putchar('\n');
        if (r >= 0)
                free(s);

        s = SENT;
        r = sd_uid_get_display(uid, &s);
        printf("uid_get_display(%u) -> %s | ", uid, rs(r));
        put_escaped(s);
        putchar('\n');
        if (r >= 0)
                free(s);

        for (int a = -1; a <= 1; a++) {
                char **l = SENT;
                r = sd_uid_get_sessions(uid, a, &l);
                printf("uid_get_sessions(%u, %d) -> %s | ", uid, a, rs(r));
                put_strv(l, r);
                printf(" | count only -> %s\n", rs(sd_uid_get_sessions(uid, a, NULL)));

                l = SENT;
                r = sd_uid_get_seats(uid, a, &l);
                printf("uid_get_seats(%u, %d) -> %s | ", uid, a, rs(r));
                put_strv(l, r);
                printf(" | count only -> %s\n", rs(sd_uid_get_seats(uid, a, NULL)));
        }
}

static void uid_seat_probe(uid_t uid, const char *seat) {
        printf("uid_is_on_seat(%u, 0, ", uid);
        put_escaped(seat);
        printf(") -> %s", rs(sd_uid_is_on_seat(uid, 0, seat)));
        printf(" | active -> %s\n", rs(sd_uid_is_on_seat(uid, 1, seat)));
}

typedef int (*str_getter)(const char *, char **);

static void session_probe(const char *id) {
        static const struct {
                const char *name;
                str_getter f;
        } getters[] = {
                { "state", sd_session_get_state },
                { "seat", sd_session_get_seat },
                { "service", sd_session_get_service },
                { "type", sd_session_get_type },
                { "class", sd_session_get_class },
                { "desktop", sd_session_get_desktop },
                { "display", sd_session_get_display },
                { "remote_host", sd_session_get_remote_host },
                { "remote_user", sd_session_get_remote_user },
                { "tty", sd_session_get_tty },
        };
        int r;

        printf("session ");
        put_escaped(id);
        printf(": is_active -> %s, is_remote -> %s\n", rs(sd_session_is_active(id)), rs(sd_session_is_remote(id)));
        for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) {
                char *s = SENT;
                r = getters[i].f(id, &s);
                printf("  get_%s -> %s | ", getters[i].name, rs(r));
                put_escaped(s);
                printf(" | NULL out -> %s\n", rs(getters[i].f(id, NULL)));
                if (r >= 0)
                        free(s);
        }
        uid_t u = 4711;
        r = sd_session_get_uid(id, &u);
        printf("  get_uid -> %s | %u | NULL out -> %s\n", rs(r), u, rs(sd_session_get_uid(id, NULL)));
        unsigned vt = 4711;
        r = sd_session_get_vt(id, &vt);
        printf("  get_vt -> %s | %u | NULL out -> %s\n", rs(r), vt, rs(sd_session_get_vt(id, NULL)));
}

static void seat_probe(const char *seat) {
        int r;
        char *s = SENT;
        uid_t u = 4711;

        printf("seat ");
        put_escaped(seat);
        printf(": can_multi_session -> %s, can_tty -> %s, can_graphical -> %s\n",
               rs(sd_seat_can_multi_session(seat)), rs(sd_seat_can_tty(seat)), rs(sd_seat_can_graphical(seat)));

        r = sd_seat_get_active(seat, &s, &u);
        printf("  get_active(both) -> %s | ", rs(r));
        put_escaped(s);
        printf(" | %u\n", u);
        if (r >= 0)
                free(s);
        s = SENT;
        r = sd_seat_get_active(seat, &s, NULL);
        printf("  get_active(session) -> %s | ", rs(r));
        put_escaped(s);
        putchar('\n');
        if (r >= 0 && s != SENT)
                free(s);
        u = 4711;
        r = sd_seat_get_active(seat, NULL, &u);
        printf("  get_active(uid) -> %s | %u\n", rs(r), u);
        printf("  get_active(none) -> %s\n", rs(sd_seat_get_active(seat, NULL, NULL)));

        char **l = SENT;
        uid_t *uids = SENT;
        unsigned n = 4711;
        r = sd_seat_get_sessions(seat, &l, &uids, &n);
        printf("  get_sessions(all) -> %s | ", rs(r));
        put_strv(l, -1);
        printf(" | ");
        if (uids == SENT)
                printf("untouched");
        else if (!uids)
                printf("NULL");
        else {
                printf("{");
                for (int i = 0; i < r; i++)
                        printf("%s%u", i ? "," : "", uids[i]);
                printf("}");
                free(uids);
        }
        printf(" | %u\n", n);

        l = SENT;
        r = sd_seat_get_sessions(seat, &l, NULL, NULL);
        printf("  get_sessions(names) -> %s | ", rs(r));
        put_strv(l, -1);
        putchar('\n');
        n = 4711;
        r = sd_seat_get_sessions(seat, NULL, NULL, &n);
        printf("  get_sessions(count) -> %s | %u\n", rs(r), n);
}

static void machine_probe(const char *m, int ifindices_null_ok) {
        char *c = SENT;
        int r;

        if (m) {
                r = sd_machine_get_class(m, &c);
                printf("machine ");
                put_escaped(m);
                printf(": get_class -> %s | ", rs(r));
                put_escaped(c);
                printf(" | NULL out -> %s\n", rs(sd_machine_get_class(m, NULL)));
                if (r >= 0)
                        free(c);
        }
        int *ifi = SENT;
        r = sd_machine_get_ifindices(m, &ifi);
        printf("machine ");
        put_escaped(m);
        printf(": get_ifindices -> %s | ", rs(r));
        if (ifi == SENT)
                printf("untouched");
        else if (!ifi)
                printf("NULL");
        else {
                printf("{");
                for (int i = 0; i < r; i++)
                        printf("%s%d", i ? "," : "", ifi[i]);
                printf("}");
                free(ifi);
        }
        if (ifindices_null_ok)
                printf(" | NULL out -> %s", rs(sd_machine_get_ifindices(m, NULL)));
        putchar('\n');
}

static void list_probe(void) {
        char **l;
        int r;

        l = SENT;
        r = sd_get_seats(&l);
        printf("get_seats -> %s | ", rs(r));
        put_strv(l, r);
        printf(" | count only -> %s\n", rs(sd_get_seats(NULL)));

        l = SENT;
        r = sd_get_sessions(&l);
        printf("get_sessions -> %s | ", rs(r));
        put_strv(l, r);
        printf(" | count only -> %s\n", rs(sd_get_sessions(NULL)));

        l = SENT;
        r = sd_get_machine_names(&l);
        printf("get_machine_names -> %s | ", rs(r));
        put_strv(l, r);
        printf(" | count only -> %s\n", rs(sd_get_machine_names(NULL)));

        uid_t *u = SENT;
        r = sd_get_uids(&u);
        printf("get_uids -> %s | ", rs(r));
        if (u == SENT)
                printf("untouched");
        else if (!u)
                printf("NULL");
        else {
                printf("{");
                for (int i = 0; i < r; i++)
                        printf("%s%u", i ? "," : "", u[i]);
                printf("}");
                free(u);
        }
        printf(" | count only -> %s\n", rs(sd_get_uids(NULL)));
}

static char longname[300];
static int quick; /* argv[1] == "quick": no file above 1 MiB (for valgrind) */

static const char *session_names[] = { "1", "2", "c3", "r4", "closing5", "missing", "", "a/b", "..", "a b",
                                       "s-1", longname, NULL };
static const char *seat_names[] = { "seat0", "seat1", "seat2", "seatesc", "seatmore", "missing", "", "a/b", ".", "..", "seat name",
                                    longname, NULL };
static const uid_t uids[] = { 0, 1000, 1001, 1002, 1003, 1004, 4242, 65534, 65535, (uid_t) -1, 2147483647 };

static void probe_everything(const char *title) {
        printf("## %s\n", title);
        list_probe();
        for (size_t i = 0; i < sizeof uids / sizeof uids[0]; i++)
                uid_probe(uids[i]);
        for (size_t i = 0; i < sizeof uids / sizeof uids[0]; i++)
                for (size_t j = 0; j < sizeof seat_names / sizeof seat_names[0]; j++)
                        uid_seat_probe(uids[i], seat_names[j]);
        for (size_t i = 0; i < sizeof session_names / sizeof session_names[0]; i++)
                session_probe(session_names[i]);
        for (size_t i = 0; i < sizeof seat_names / sizeof seat_names[0]; i++)
                seat_probe(seat_names[i]);
        const char *machines[] = { "container1", "vm2", "nonetif", "emptynetif", "blanknetif", "badnetif",
                                   "zeronetif", "hugenetif", "hexnetif", "escnetif", "noclass", "emptyclass", ".host",
                                   "missing", "", "bad..name", "-x", "unit:foo", "a/b", "x.", longname };
        for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
                machine_probe(machines[i], strcmp(machines[i], "nonetif") && strcmp(machines[i], "emptynetif") &&
                                                   strcmp(machines[i], "emptyclass") && strcmp(machines[i], "noclass"));
        machine_probe(NULL, 1);
}

/* ---------------------------------------------------------------- scenarios */

static void populate(void) {
        put_file("users", "1000",
                 "# This is private data. Do not parse.\n"
                 "NAME=alice\nSTATE=active\nSTOPPING=no\nRUNTIME=/run/user/1000\nSERVICE_JOB=/org/x/1\n"
                 "REALTIME=1700000000000000\nMONOTONIC=12345\nDISPLAY=2\n"
                 "SESSIONS=2 1 closing5\nSEATS=seat0\nACTIVE_SESSIONS=2\nONLINE_SESSIONS=2 1\n"
                 "ACTIVE_SEATS=seat0\nONLINE_SEATS=seat0\n");
        put_file("users", "1001",
                 "NAME=bob\nSTATE=online\nSESSIONS=r4 r4 c3\nONLINE_SESSIONS=r4 c3 r4\nACTIVE_SESSIONS=\n"
                 "SEATS=\"seat1 seat0 seat1\"\nONLINE_SEATS='seat1'\nDISPLAY=r4\n");
        put_file("users", "1002", "NAME=carol\nSTATE=closing\nSESSIONS=closing5\nONLINE_SESSIONS=\n");
        put_file("users", "1003", "NAME=dave\nSTATE=lingering\n");
        put_file("users", "1004", "NAME=eve\nSTATE=\nSESSIONS=   \nSEATS=\\\nDISPLAY=\"\"\n");
        put_file("users", "4242", "STATE=active\nSESSIONS=a\\ b c\\\\\nSEATS=x\\\\\nONLINE_SEATS=\"x\\\\\"\n");
        put_file("users", "65534", "STATE=\"weird \\\"state\\\"\"\n");
        put_file("users", "0", "STATE=online\nONLINE_SESSIONS=c3\nSEATS=seat2\n");
        put_file("users", "notauid", "STATE=active\n");
        put_file("users", "01000", "STATE=active\n");
        put_file("users", ".hidden", "STATE=active\n");
        put_file("users", "1000~", "STATE=active\n");
        put_file("users", "65535", "STATE=active\n");
        put_file("users", "4294967295", "STATE=active\n");
        if (mkdir(RUN "/users/5000", 0755) < 0)
                die("mkdir users/5000");
        if (symlink("1000", RUN "/users/6000") < 0)
                die("symlink");

        put_file("sessions", "1",
                 "UID=1000\nUSER=alice\nACTIVE=0\nIS_DISPLAY=0\nSTATE=online\nREMOTE=0\nTYPE=tty\n"
                 "ORIGINAL_TYPE=tty\nCLASS=user\nSCOPE=session-1.scope\nFIFO=/run/systemd/sessions/1.ref\n"
                 "SEAT=seat0\nTTY=tty1\nVTNR=1\nSERVICE=login\nPOSITION=0\nLEADER=1234\n");
        put_file("sessions", "2",
                 "UID=1000\nUSER=alice\nACTIVE=1\nSTATE=active\nREMOTE=0\nTYPE=wayland\nCLASS=user\n"
                 "DESKTOP=GNOME\\\\x3aclassic\\\\tx\nSEAT=seat0\nVTNR=2\nDISPLAY=:0\nSERVICE=gdm-password\n");
        put_file("sessions", "c3",
                 "UID=1001\nACTIVE=yes\nSTATE=online\nREMOTE=no\nTYPE=unspecified\nCLASS=background\n"
                 "DESKTOP=\"KDE\\\\u00e9\"\nVTNR=0x10\nSERVICE=systemd-user\n");
        put_file("sessions", "r4",
                 "UID=1001\nACTIVE=TRUE\nSTATE=active\nREMOTE=1\nREMOTE_HOST=192.0.2.7\nREMOTE_USER=root\n"
                 "TYPE=tty\nCLASS=user\nTTY=pts/3\nSERVICE=sshd\nVTNR= 7\nDESKTOP=bad\\\\q\n");
        put_file("sessions", "closing5",
                 "UID=1002\nACTIVE=off\nSTATE=closing\nREMOTE=maybe\nTYPE=x11\nCLASS=greeter\nVTNR=-1\n"
                 "DESKTOP=x\\\\\nDISPLAY=:1\n");
        put_file("sessions", "1.ref", "");
        put_file("sessions", "s-1", "UID=1000\n");

        put_file("seats", "seat0",
                 "IS_SEAT0=1\nCAN_MULTI_SESSION=1\nCAN_TTY=1\nCAN_GRAPHICAL=1\nACTIVE=2\nACTIVE_UID=1000\n"
                 "SESSIONS=2 1\nUIDS=1000 1000\n");
        put_file("seats", "seat1", "IS_SEAT0=0\nCAN_MULTI_SESSION=1\nCAN_TTY=0\nCAN_GRAPHICAL=no\nSESSIONS=r4\nUIDS=1001\n");
        put_file("seats", "seat2", "CAN_TTY=bogus\nACTIVE=c3\nSESSIONS=c3 2\nUIDS=0\nACTIVE_UID=0x10\n");

        put_file("seats", "seatesc", "CAN_TTY=1\nACTIVE=a\\\\b\nSESSIONS=a\\\\ b\nUIDS=1\\\\001 1004\nACTIVE_UID=1004\\\\\n");
        put_file("seats", "seatmore", "SESSIONS=r4\nUIDS=1001 1002\nACTIVE_UID=1001 \n");
        put_file("machines", "escnetif", "CLASS=vm\nNETIF=1\\\\ 2\n");
        put_file("machines", "container1",
                 "SCOPE=machine-container1.scope\nSERVICE=systemd-nspawn\nROOT=/var/lib/machines/c1\n"
                 "CLASS=container\nNETIF=3 5 7\nLEADER=4321\n");
        put_file("machines", "vm2", "CLASS=vm\nNETIF=\" 12 \"\n");
        put_file("machines", "nonetif", "CLASS=container\n");
        put_file("machines", "emptynetif", "CLASS=container\nNETIF=\n");
        put_file("machines", "blanknetif", "CLASS=container\nNETIF=\"  \"\n");
        put_file("machines", "badnetif", "CLASS=container\nNETIF=3 eth0 5\n");
        put_file("machines", "zeronetif", "CLASS=container\nNETIF=3 0\n");
        put_file("machines", "hugenetif", "CLASS=container\nNETIF=99999999999\n");
        put_file("machines", "hexnetif", "CLASS=vm\nNETIF=0x10 010 +4\n");
        put_file("machines", "noclass", "NETIF=1\n");
        put_file("machines", "emptyclass", "CLASS=\n");
        put_file("machines", "bad..name", "CLASS=vm\n");
        put_file("machines", "-x", "CLASS=vm\n");
        if (symlink("container1", RUN "/machines/unit:machine-container1.scope") < 0)
                die("symlink unit:");
}

/* Env-file forms read through the public API: each text becomes sessions/p, then several
 * getters look at it. */
static void parser_forms(void) {
        static const char *forms[] = {
                "STATE=active\n",
                "STATE=active",
                "STATE = active \n",
                "  STATE=active\t \n",
                "STATE=\"active\"\n",
                "STATE='act ive'\n",
                "STATE=\"a \\\"b\\\" \\$c \\`d\\` \\\\e \\n\"\n",
                "STATE='a\\nb'\n",
                "STATE=a\\\nb\n",
                "STATE=\"a\\\nb\"\n",
                "STATE=a \\\n b\n",
                "STATE=\"unterminated\n",
                "STATE='unterminated\nTYPE=x\n",
                "STATE=\"x\"y'z' w\n",
                "STATE=\n",
                "STATE=\"\"\n",
                "STATE=''\n",
                "STATE=   \n",
                "STATE=1\nSTATE=2\n",
                "STATE=1\nSTATE=\n",
                "STATE\nTYPE=tty\n",
                "# STATE=commented\nTYPE=tty\n",
                "; STATE=commented\n",
                "# comment \\\nSTATE=continued comment\n",
                "#\\\nSTATE=x\n",
                "STATE=#notacomment\n",
                "STATE=a#b ;c\n",
                "state=lower\n",
                "STATE =x\n",
                "ST ATE=x\n",
                "=novalue\nSTATE=x\n",
                "STATE==x\n",
                "STATE=x=y\n",
                "STATE=\\\n",
                "STATE=\\",
                "STATE=x\\",
                "STATE=\"x\\",
                "STATE=\"x\\q\"\n",
                "STATE=\r\nTYPE=cr\r\n",
                "STATE=a\rTYPE=b\r",
                "STATE=\xc3\xa9t\xc3\xa9\n",
                "STATE=\xff\n",
                "OTHER=\xc3\x28\nSTATE=ok\n",
                "\xc3\x28=x\nSTATE=ok\n",
                "STATE=\xed\xa0\x80\n",
                "STATE=\xef\xbf\xbf\n",
                "STATE=\xf4\x8f\xbf\xbd\n",
                "STATE=\xf4\x90\x80\x80\n",
                "STATE=\xc0\xaf\n",
                "STATE=\xef\xb7\x90\n",
                "STATE=ok\nGARBAGE LINE WITHOUT EQUALS\nTYPE=t\n",
                "\n\n\nSTATE=late\n\n",
                "STATE=\"multi\nline\"\n",
                "UID=1000\n",
                "UID=01000\n",
                "UID= 1000\n",
                "UID=+1000\n",
                "UID=-1\n",
                "UID=4294967295\n",
                "UID=4294967296\n",
                "UID=65535\n",
                "UID=abc\n",
                "UID=0\n",
                "VTNR=0b101\n",
                "VTNR=0o17\n",
                "VTNR=017\n",
                "VTNR=-0\n",
                "VTNR=4294967296\n",
                "VTNR=7 \n",
                "VTNR=\" 7\"\n",
                "ACTIVE=t\nREMOTE=F\n",
                "ACTIVE=On\nREMOTE=oFf\n",
                "ACTIVE=2\nREMOTE=\n",
                "DESKTOP=\\\\\\\\\n",
                "DESKTOP=\"\\\\x41\\\\101\\\\u263a\\\\U0001F600\"\n",
                "DESKTOP=\"\\\\x4\"\n",
                "DESKTOP=\"\\\\x00\"\n",
                "DESKTOP=\"\\\\000\"\n",
                "DESKTOP=\"\\\\400\"\n",
                "DESKTOP=\"\\\\u0000\"\n",
                "DESKTOP=\"\\\\ud800\"\n",
                "DESKTOP=\"\\\\U0000d800\"\n",
                "DESKTOP=\"\\\\U00110000\"\n",
                "DESKTOP=\"\\\\xff\"\n",
                "DESKTOP=\"\\\\a\\\\b\\\\f\\\\n\\\\r\\\\t\\\\v\\\\s\\\\\\\"\\\\'\"\n",
        };
        printf("## env-file forms through sd_session_get_*\n");
        for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
                put_file("sessions", "p", forms[i]);
                printf("form %zu ", i);
                put_escaped(forms[i]);
                putchar('\n');
                char *s = SENT;
                int r = sd_session_get_state("p", &s);
                printf("  get_state -> %s | ", rs(r));
                put_escaped(s);
                putchar('\n');
                if (r >= 0)
                        free(s);
                s = SENT;
                r = sd_session_get_type("p", &s);
                printf("  get_type -> %s | ", rs(r));
                put_escaped(s);
                putchar('\n');
                if (r >= 0)
                        free(s);
                s = SENT;
                r = sd_session_get_desktop("p", &s);
                printf("  get_desktop -> %s | ", rs(r));
                put_escaped(s);
                putchar('\n');
                if (r >= 0)
                        free(s);
                uid_t u = 4711;
                unsigned vt = 4711;
                r = sd_session_get_uid("p", &u);
                printf("  get_uid -> %s | %u\n", rs(r), u);
                r = sd_session_get_vt("p", &vt);
                printf("  get_vt -> %s | %u\n", rs(r), vt);
                printf("  is_active -> %s, is_remote -> %s\n", rs(sd_session_is_active("p")),
                       rs(sd_session_is_remote("p")));
        }
}

static void big_files(void) {
        /* 252 reads up to READ_FULL_BYTES_MAX (64 MiB - 1) and, from its last buffer, a little more */
        static const size_t sizes[] = { 0, 1, 4095, 4096, 65536, 1048576, 4194304 + 4079, 67108864 - 1,
                                        67108864 + 4078, 67108864 + 4079, 67108864 + 65536 };
        printf("## big files\n");
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                if (quick && sizes[i] > 1048576)
                        continue;
                size_t n = sizes[i];
                char *buf = malloc(n + 1);
                if (!buf)
                        die("malloc");
                memset(buf, '#', n);
                /* a comment that runs to the end, then STATE near the start or the end */
                const char *head = "STATE=big\n";
                if (n >= strlen(head))
                        memcpy(buf, head, strlen(head));
                put_file_n("sessions", "big", buf, n);
                char *s = SENT;
                int r = sd_session_get_state("big", &s);
                printf("size %zu: get_state -> %s | ", n, rs(r));
                put_escaped(s);
                putchar('\n');
                if (r >= 0)
                        free(s);
                free(buf);
        }
        /* a NUL byte anywhere makes the file unreadable */
        put_file_n("sessions", "nul", "STATE=a\0b\nTYPE=x\n", 17);
        char *s = SENT;
        int r = sd_session_get_state("nul", &s);
        printf("embedded NUL: get_state -> %s | ", rs(r));
        put_escaped(s);
        putchar('\n');
        if (r >= 0)
                free(s);
        /* a directory where a file should be */
        if (mkdir(RUN "/sessions/dir", 0755) < 0)
                die("mkdir sessions/dir");
        s = SENT;
        r = sd_session_get_state("dir", &s);
        printf("directory: get_state -> %s | ", rs(r));
        put_escaped(s);
        putchar('\n');
        if (r >= 0)
                free(s);
}

/* ---------------------------------------------------------------- the monitor */

static int readable(int fd) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, 0);
        return r > 0 && (p.revents & POLLIN);
}

static void monitor_checks(void) {
        static const char *cats[] = { NULL, "seat", "session", "uid", "machine" };
        enum { N = 5 };
        sd_login_monitor *m[N];
        int r;

        printf("## monitor\n");
        printf("new(x, NULL) -> %s\n", rs(sd_login_monitor_new(NULL, NULL)));
        printf("flush(NULL) -> %s, get_fd(NULL) -> %s, get_events(NULL) -> %s\n", rs(sd_login_monitor_flush(NULL)),
               rs(sd_login_monitor_get_fd(NULL)), rs(sd_login_monitor_get_events(NULL)));
        uint64_t t = 4711;
        r = sd_login_monitor_get_timeout(NULL, &t);
        printf("get_timeout(NULL) -> %s | %llu\n", rs(r), (unsigned long long) t);
        printf("unref(NULL) -> %s\n", sd_login_monitor_unref(NULL) ? "non-NULL" : "NULL");

        int fds_before = count_fds();
        sd_login_monitor *bad = SENT;
        r = sd_login_monitor_new("bogus", &bad);
        printf("new(\"bogus\") -> %s | %s\n", rs(r), bad == SENT ? "untouched" : "set");
        r = sd_login_monitor_new("", &bad);
        printf("new(\"\") -> %s | %s\n", rs(r), bad == SENT ? "untouched" : "set");
        printf("fds after failed new: %+d\n", count_fds() - fds_before);

        for (int i = 0; i < N; i++) {
                m[i] = SENT;
                r = sd_login_monitor_new(cats[i], &m[i]);
                int fd = sd_login_monitor_get_fd(m[i]);
                int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
                t = 0;
                int rt = sd_login_monitor_get_timeout(m[i], &t);
                printf("new(%s) -> %s | fd valid %d, nonblock %d, cloexec %d, events %s, timeout %s %s, "
                       "get_timeout(m, NULL) -> %s\n",
                       cats[i] ? cats[i] : "NULL", rs(r), fl >= 0, fl >= 0 && (fl & O_NONBLOCK),
                       fdfl >= 0 && (fdfl & FD_CLOEXEC), rs(sd_login_monitor_get_events(m[i])), rs(rt),
                       t == UINT64_MAX ? "UINT64_MAX" : "other", rs(sd_login_monitor_get_timeout(m[i], NULL)));
                printf("  readable at start %d\n", readable(fd));
        }
        printf("fds after %d monitors: %+d\n", N, count_fds() - fds_before);

        static const struct {
                const char *what;
                const char *dir;
                const char *name;
                int op; /* 0 rename into place, 1 unlink, 2 write in place, 3 mkdir, 4 chmod */
        } actions[] = {
                { "seat file renamed in", "seats", "seat9", 0 },
                { "session file renamed in", "sessions", "9", 0 },
                { "user file renamed in", "users", "9999", 0 },
                { "machine file renamed in", "machines", "m9", 0 },
                { "seat file removed", "seats", "seat9", 1 },
                { "session file removed", "sessions", "9", 1 },
                { "user file removed", "users", "9999", 1 },
                { "machine file removed", "machines", "m9", 1 },
                { "session file written in place", "sessions", "inplace", 2 },
                { "user file chmod", "users", "1000", 4 },
                { "machine dir made", "machines", "subdir", 3 },
        };
        for (size_t a = 0; a < sizeof actions / sizeof actions[0]; a++) {
                char path[300];
                snprintf(path, sizeof path, "%s/%s/%s", RUN, actions[a].dir, actions[a].name);
                switch (actions[a].op) {
                case 0:
                        put_file(actions[a].dir, actions[a].name, "X=1\n");
                        break;
                case 1:
                        if (unlink(path) < 0)
                                die("unlink");
                        break;
                case 2: {
                        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                        if (fd < 0 || write(fd, "X=1\n", 4) != 4)
                                die("write in place");
                        close(fd);
                        break;
                }
                case 3:
                        if (mkdir(path, 0755) < 0)
                                die("mkdir");
                        break;
                case 4:
                        if (chmod(path, 0600) < 0)
                                die("chmod");
                        break;
                }
                printf("%s: readable", actions[a].what);
                for (int i = 0; i < N; i++)
                        printf(" %s=%d", cats[i] ? cats[i] : "all", readable(sd_login_monitor_get_fd(m[i])));
                printf(" | flush");
                for (int i = 0; i < N; i++)
                        printf(" %s", rs(sd_login_monitor_flush(m[i])));
                printf(" | then readable");
                for (int i = 0; i < N; i++)
                        printf(" %d", readable(sd_login_monitor_get_fd(m[i])));
                putchar('\n');
        }
        /* many events queued, one flush empties them all */
        for (int k = 0; k < 200; k++) {
                char name[32];
                snprintf(name, sizeof name, "many%d", k);
                put_file("sessions", name, "X=1\n");
        }
        int before = readable(sd_login_monitor_get_fd(m[0]));
        r = sd_login_monitor_flush(m[0]);
        int after = readable(sd_login_monitor_get_fd(m[0]));
        printf("200 renames: all readable %d, flush %s, then readable %d\n", before, rs(r), after);

        int fd0 = sd_login_monitor_get_fd(m[0]);
        for (int i = 0; i < N; i++)
                printf("unref(%s) -> %s\n", cats[i] ? cats[i] : "NULL", sd_login_monitor_unref(m[i]) ? "non-NULL" : "NULL");
        printf("after unref: fd of the first closed %d, fds %+d\n", fcntl(fd0, F_GETFD) < 0 && errno == EBADF,
               count_fds() - fds_before);
}

static void monitor_without_logind(void) {
        static const char *cats[] = { NULL, "seat", "session", "uid", "machine", "bogus" };
        int before = count_fds();
        printf("## monitor without logind's directories\n");
        for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) {
                sd_login_monitor *m = SENT;
                int r = sd_login_monitor_new(cats[i], &m);
                printf("new(%s) -> %s | %s\n", cats[i] ? cats[i] : "NULL", rs(r), m == SENT ? "untouched" : "set");
                if (r >= 0)
                        sd_login_monitor_unref(m);
        }
        /* only the session directory exists */
        if (mkdir(RUN "/sessions", 0755) < 0)
                die("mkdir");
        for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) {
                sd_login_monitor *m = SENT;
                int r = sd_login_monitor_new(cats[i], &m);
                printf("sessions only: new(%s) -> %s\n", cats[i] ? cats[i] : "NULL", rs(r));
                if (r >= 0)
                        sd_login_monitor_unref(m);
        }
        printf("fds afterwards: %+d\n", count_fds() - before);
}

int main(int argc, char **argv) {
        quick = argc > 1 && !strcmp(argv[1], "quick");
        report_library();
        memset(longname, 'a', sizeof longname - 1);

        if (unshare(CLONE_NEWNS) < 0) {
                printf("# state-diff: namespaces unavailable (%s)\n", strerror(errno));
                return 77;
        }
        /* with MS_PRIVATE the source and type are ignored; "none" keeps memcheck quiet */
        if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
                die("make mounts private");
        printf("# state-diff: sd-login state functions over synthetic /run/systemd\n");

        fresh(0);
        probe_everything("no logind: /run/systemd without users/, sessions/, seats/, machines/");
        monitor_without_logind();

        fresh(1);
        probe_everything("logind without anyone: empty directories");

        fresh(1);
        populate();
        probe_everything("a populated tree");

        /* the calls that take the caller's own session or seat (NULL) */
        printf("## NULL session and seat (this process is in no session)\n");
        session_probe(NULL);
        seat_probe(NULL);
        uid_seat_probe(1000, NULL);

        fresh(1);
        parser_forms();
        big_files();

        fresh(1);
        populate();
        monitor_checks();

        /* the state directories as files, and unreadable entries */
        fresh(0);
        printf("## the directories are files\n");
        put_file_n("", "users", "x", 1);
        put_file_n("", "sessions", "x", 1);
        put_file_n("", "seats", "x", 1);
        put_file_n("", "machines", "x", 1);
        list_probe();
        uid_probe(1000);
        session_probe("1");
        seat_probe("seat0");

        (void) umount2(RUN, MNT_DETACH);
        printf("# end\n");
        return 0;
}
