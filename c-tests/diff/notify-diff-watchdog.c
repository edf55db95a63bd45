/* Differential test: sd_watchdog_enabled and sd_booted.
 *
 * sd_watchdog_enabled: WATCHDOG_USEC goes through safe_atou64 (strspn of " \t\n\r", the 0b/0o
 * prefixes, then glibc strtoull in base 0, which itself skips isspace() and accepts a sign) and
 * WATCHDOG_PID through parse_pid (the same on unsigned long, then a pid_t range check), so the
 * value table below pokes at every layer: whitespace only strtoull skips (\v \f), signs after such
 * whitespace (not caught by the '-' check), prefixes after whitespace, overflow, etc.
 * `*usec` starts at a sentinel (777) and is printed as "untouched" when not written.
 *
 * sd_booted: on the host, then in forked children with a private mount namespace and a tmpfs on
 * /run (the host's /run is never touched), with /run/systemd/system in various shapes.
 * Built against Debian's header and -lsystemd; run as root.  See notify-common.h for the format.
 */
#include "notify-common.h"

static uint64_t WDUSEC;
static int WD_WITH_PTR = 1;

static int wd(int u) {
        WDUSEC = 777;
        return sd_watchdog_enabled(u, WD_WITH_PTR ? &WDUSEC : NULL);
}

static void wd_post(struct cres *c) {
        if (!WD_WITH_PTR)
                snprintf(c->note, sizeof c->note, "usec=NULL");
        else if (WDUSEC == 777)
                snprintf(c->note, sizeof c->note, "usec=untouched");
        else
                snprintf(c->note, sizeof c->note, "usec=%" PRIu64, WDUSEC);
}

static char SELF[32];

/* label for a WATCHDOG_PID value: the pid-dependent ones are given symbolic labels by the caller */
static void wd_case(const char *wu, const char *wp, const char *wp_label, int u) {
        char name[300];
        set_wu(wu);
        set_wp(wp);
        snprintf(name, sizeof name, "watchdog WU=%s%s%s WP=%s%s%s u=%d", wu ? "\"" : "", wu ? esc_short(wu) : "<unset>",
                 wu ? "\"" : "", wp && !wp_label ? "\"" : "",
                 wp_label ? wp_label : wp ? esc_short(wp) : "<unset>", wp && !wp_label ? "\"" : "", u);
        RUN(name, wd(u));
}

static void watchdog(void) {
        char buf[8][128];
        pid_t me = getpid();
        snprintf(SELF, sizeof SELF, "%d", (int) me);
        POST = wd_post;

        printf("## sd_watchdog_enabled: WATCHDOG_USEC values (WATCHDOG_PID unset)\n");
        const char *usecs[] = {
                "0", "1", "100", "abc", "", " ", "\t", " 100", "\t\n\r 5", "\v5", "\f5", " \v 5", "100 ", "1\n",
                "1\t", "1\v", "1x", "1.5", "1e3", "0x10", "0X10", "0x", "0X", "0xg", "+0x10", "-0x10", "0x-1",
                "010", "08", "00", "0b101", "0B11", "0b", "0b2", "0b-1", "0b+1", "0b 1", "0b\v1", "0b0", "0o17",
                "0O7", "0o", "0o8", "0o-0", " 0b101", "\v0b101", "\v0o7", "\v0x10", "+5", "+", "-", "+-1",
                "-+1", "--1", "+ 5", "-0", "-1", " -1", "\t-1", "\v-1", "\v-2", "\f-3", "\v-0", "-18446744073709551615",
                "\v-18446744073709551615", "\v-18446744073709551614", "-18446744073709551616", "1000000",
                "12345678901234567890", "18446744073709551614", "18446744073709551615", "18446744073709551616",
                "99999999999999999999", "00000000000000000010", "0xFFFFFFFFFFFFFFFF", "0xfffffffffffffffe",
                "0x10000000000000000", "01777777777777777777777", "01777777777777777777776",
                "0b1111111111111111111111111111111111111111111111111111111111111111",
                "0b11111111111111111111111111111111111111111111111111111111111111110", "\xef\xbc\x91",
                "5\xef\xbc\x91", "0x1p3",
        };
        for (size_t i = 0; i < sizeof usecs / sizeof usecs[0]; i++)
                wd_case(usecs[i], NULL, NULL, 0);
        wd_case(NULL, NULL, NULL, 0);
        wd_case(NULL, NULL, NULL, 1);
        wd_case("abc", NULL, NULL, 1);
        wd_case("0", NULL, NULL, 1);
        wd_case("-1", NULL, NULL, 1);
        wd_case("100", NULL, NULL, 1);

        printf("## sd_watchdog_enabled: WATCHDOG_PID values (WATCHDOG_USEC=1000)\n");
        struct { const char *v; const char *label; } pids[] = {
                { SELF, "self" }, { "1", NULL }, { "0", NULL }, { "-0", NULL }, { "abc", NULL }, { "-1", NULL },
                { "", NULL }, { " ", NULL }, { "4294967297", NULL }, { "4294967296", NULL }, { "2147483647", NULL },
                { "2147483648", NULL }, { "-2147483648", NULL }, { "\v-1", NULL }, { "\v-18446744073709551615", NULL },
                { "18446744073709551616", NULL }, { "99999999999999999999", NULL }, { "1 ", NULL }, { "0x", NULL },
                { "+1", NULL }, { "01", NULL }, { "0b1", NULL }, { "0o1", NULL }, { "32768", NULL },
                { buf[0], "\" \\t\\n\\r\"+self" }, { buf[1], "self+\" \"" }, { buf[2], "\"\\v\"+self" },
                { buf[3], "\"+\"+self" }, { buf[4], "hex(self)" }, { buf[5], "octal(self)" },
                { buf[6], "\"0b\"+binary(self)" }, { buf[7], "\"\\v-\"+(2^64-self)" },
        };
        snprintf(buf[0], sizeof buf[0], " \t\n\r%d", (int) me);
        snprintf(buf[1], sizeof buf[1], "%d ", (int) me);
        snprintf(buf[2], sizeof buf[2], "\v%d", (int) me);
        snprintf(buf[3], sizeof buf[3], "+%d", (int) me);
        snprintf(buf[4], sizeof buf[4], "0x%x", (unsigned) me);
        snprintf(buf[5], sizeof buf[5], "0%o", (unsigned) me);
        {
                char *b = buf[6];
                int n = 0;
                b += sprintf(b, "0b");
                for (int bit = 31; bit >= 0; bit--)
                        if (n || ((unsigned) me >> bit & 1)) {
                                *b++ = '0' + ((unsigned) me >> bit & 1);
                                n = 1;
                        }
                *b = 0;
        }
        snprintf(buf[7], sizeof buf[7], "\v-%" PRIu64, (uint64_t) 0 - (uint64_t) me);
        for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++)
                wd_case("1000", pids[i].v, pids[i].label, 0);
        wd_case("1000", SELF, "self", 1);
        wd_case("1000", "1", NULL, 1);
        wd_case("1000", "abc", NULL, 1);
        wd_case("1000", "0", NULL, 1);
        wd_case("abc", SELF, "self", 1);
        wd_case("0", "1", NULL, 1);
        wd_case("abc", "abc", NULL, 0);
        wd_case("0", "0", NULL, 0);
        wd_case(NULL, "123", NULL, 1);
        wd_case(NULL, "abc", NULL, 1);
        wd_case(NULL, SELF, "self", 0);
        wd_case(NULL, "", NULL, 1);

        printf("## sd_watchdog_enabled: usec=NULL\n");
        WD_WITH_PTR = 0;
        wd_case("100", NULL, NULL, 0);
        wd_case("100", SELF, "self", 1);
        wd_case("100", "1", NULL, 0);
        wd_case("0", NULL, NULL, 0);
        wd_case("abc", NULL, NULL, 1);
        wd_case(NULL, NULL, NULL, 0);
        WD_WITH_PTR = 1;

        printf("## sd_watchdog_enabled: after fork, the child's own pid\n");
        set_wu("5000");
        set_wp(SELF);
        RUN("watchdog parent WP=self", wd(0));
        RUN_CHILD("watchdog child WP=parent", (void) 0, wd(0));
        {
                static char childpid[32];
                RUN_CHILD("watchdog child WP=self",
                          do {
                                  snprintf(childpid, sizeof childpid, "%d", (int) getpid());
                                  set_wp(childpid);
                          } while (0),
                          wd(0));
        }
        RUN_CHILD("watchdog nobody child WP=unset",
                  do {
                          set_wp(NULL);
                          BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY);
                  } while (0),
                  wd(1));
        set_wu(NULL);
        set_wp(NULL);
        POST = NULL;
}

/* ------------------------------------------------------------------ sd_booted */

enum {
        B_DIR, B_FILE, B_EMPTY, B_NO_RUN_SYSTEMD, B_RUN_SYSTEMD_FILE, B_LINK_DIR, B_LINK_DANGLING, B_LINK_FILE,
        B_LINK_LOOP, B_FIFO, B_SOCKET, B_RUN_SYSTEMD_LINK, B_NOBODY_0700, B_NOBODY_DIR_0000, B_NOBODY_RUN_0700,
        B_LINK_DIR_RELATIVE,
};

static int BOOTED_FIRST = INT_MIN;

static void booted_post(struct cres *c) {
        if (BOOTED_FIRST != INT_MIN)
                snprintf(c->note, sizeof c->note, "first=%s", rs(BOOTED_FIRST));
}

/* in a child: private mount namespace with a fresh tmpfs on /run; returns errno on failure */
static int booted_setup(int variant) {
        if (unshare(CLONE_NEWNS) < 0)
                return -1;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -2;
        if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
                return -3;
        if (variant != B_NO_RUN_SYSTEMD && variant != B_RUN_SYSTEMD_FILE && variant != B_RUN_SYSTEMD_LINK)
                if (mkdir("/run/systemd", 0755) < 0)
                        return -4;
        int r = 0;
        switch (variant) {
        case B_DIR:
        case B_NOBODY_0700:
        case B_NOBODY_RUN_0700:
                r = mkdir("/run/systemd/system", 0755);
                if (variant == B_NOBODY_0700)
                        r = r ?: chmod("/run/systemd", 0700);
                if (variant == B_NOBODY_RUN_0700)
                        r = r ?: chmod("/run", 0700);
                break;
        case B_NOBODY_DIR_0000:
                r = mkdir("/run/systemd/system", 0000);
                break;
        case B_FILE:
                r = close(open("/run/systemd/system", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
                break;
        case B_EMPTY:
        case B_NO_RUN_SYSTEMD:
                break;
        case B_RUN_SYSTEMD_FILE:
                r = close(open("/run/systemd", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
                break;
        case B_LINK_DIR:
                r = mkdir("/run/elsewhere", 0755) ?: symlink("/run/elsewhere", "/run/systemd/system");
                break;
        case B_LINK_DIR_RELATIVE:
                r = mkdir("/run/systemd/real", 0755) ?: symlink("real", "/run/systemd/system");
                break;
        case B_LINK_DANGLING:
                r = symlink("/run/nowhere", "/run/systemd/system");
                break;
        case B_LINK_FILE:
                r = close(open("/run/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) ?:
                        symlink("/run/file", "/run/systemd/system");
                break;
        case B_LINK_LOOP:
                r = symlink("/run/systemd/system", "/run/systemd/system");
                break;
        case B_FIFO:
                r = mkfifo("/run/systemd/system", 0644);
                break;
        case B_SOCKET: {
                int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/system" };
                r = bind(fd, (struct sockaddr *) &sa, sizeof sa);
                break;
        }
        case B_RUN_SYSTEMD_LINK:
                r = mkdir("/run/sd", 0755) ?: mkdir("/run/sd/system", 0755) ?: symlink("/run/sd", "/run/systemd");
                break;
        }
        return r < 0 ? -5 : 0;
}

static int booted_twice_missing_then_dir(void) {
        BOOTED_FIRST = sd_booted();
        mkdir("/run/systemd/system", 0755);
        return sd_booted();
}

static void booted(void) {
        printf("## sd_booted\n");
        RUN("booted on the host (no /run/systemd/system here)", sd_booted());

        struct { int v; const char *label; int nobody; } vs[] = {
                { B_DIR, "system/ is a directory", 0 },
                { B_FILE, "system is a regular file", 0 },
                { B_EMPTY, "/run/systemd empty", 0 },
                { B_NO_RUN_SYSTEMD, "/run/systemd missing", 0 },
                { B_RUN_SYSTEMD_FILE, "/run/systemd is a regular file", 0 },
                { B_LINK_DIR, "system -> /run/elsewhere (dir)", 0 },
                { B_LINK_DIR_RELATIVE, "system -> real (relative, dir)", 0 },
                { B_LINK_DANGLING, "system -> dangling", 0 },
                { B_LINK_FILE, "system -> regular file", 0 },
                { B_LINK_LOOP, "system -> itself (loop)", 0 },
                { B_FIFO, "system is a fifo", 0 },
                { B_SOCKET, "system is a socket", 0 },
                { B_RUN_SYSTEMD_LINK, "/run/systemd -> /run/sd (has system/)", 0 },
                { B_NOBODY_0700, "system/ dir, /run/systemd 0700, caller nobody", 1 },
                { B_NOBODY_RUN_0700, "system/ dir, /run 0700, caller nobody", 1 },
                { B_NOBODY_DIR_0000, "system/ dir mode 0000, caller nobody", 1 },
                { B_DIR, "system/ is a directory, caller nobody", 1 },
        };
        for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
                char name[160];
                int v = vs[i].v, nb = vs[i].nobody;
                snprintf(name, sizeof name, "booted ns: %s", vs[i].label);
                RUN_CHILD(name,
                          do {
                                  int _s = booted_setup(v);
                                  if (_s < 0)
                                          CHILD_FAIL(_s == -1 ? "unshare" : _s == -2 ? "mount-private" :
                                                     _s == -3 ? "mount-tmpfs" : "populate");
                                  if (nb)
                                          BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY);
                          } while (0),
                          sd_booted());
        }
        POST = booted_post;
        RUN_CHILD("booted ns: missing, then mkdir (no caching)",
                  do {
                          if (booted_setup(B_EMPTY) < 0)
                                  CHILD_FAIL("setup");
                  } while (0),
                  booted_twice_missing_then_dir());
        POST = NULL;
        /* sd_booted reads no environment */
        set_ns(P("x"));
        set_wu("1");
        set_wp("1");
        RUN("booted on the host with NOTIFY_SOCKET/WATCHDOG_* set", sd_booted());
        set_ns(NULL);
        set_wu(NULL);
        set_wp(NULL);
}

int main(void) {
        common_init();
        if (geteuid() != 0) {
                fprintf(stderr, "notify-diff-watchdog: must run as root\n");
                return 77;
        }
        RBUF = malloc(RBUF_SIZE);
        if (!RBUF)
                die("malloc");
        alarm(300);
        printf("# notify-diff-watchdog: sd_watchdog_enabled, sd_booted\n");
        watchdog();
        booted();
        printf("# end\n");
        return 0;
}
