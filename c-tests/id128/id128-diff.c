/* Differential test of the sd-id128 family: sd_id128_to_string, sd_id128_to_uuid_string,
 * sd_id128_from_string, sd_id128_string_equal, sd_id128_randomize, sd_id128_get_machine,
 * sd_id128_get_boot, sd_id128_get_invocation, sd_id128_get_machine_app_specific,
 * sd_id128_get_boot_app_specific.
 *
 * Built against Debian's <systemd/sd-id128.h> and -lsystemd (252), nothing of sdlite's; run by
 * tests/suites/23-diff-id128.sh once on the system library and once with
 * LD_LIBRARY_PATH=$SDLITE_BUILD: stdout must be byte-identical, except the lines starting with
 * "~ ", which show the deliberate differences (id128-README-notes.md) and which the suite checks
 * against the expected text for each library. stderr gets the library mapped
 * ("libsystemd: PATH").
 *
 * usage: id128-diff SCRATCH_DIR   (an empty directory; both runs get the same path)
 *
 * Output: one line per call, "SECTION CASE | CALL -> RESULT [ENAME]": the result is a number or
 * -ENAME and the ID or text produced; "[ENAME]" is the errno the call left behind when it
 * changed it (from a sentinel set before the call).
 *
 * The machine, boot and invocation IDs are cached by both libraries, so every case that reads
 * them runs in a child process forked from a parent that never read them. As root, each such
 * child makes its own mount namespace and bind-mounts prepared files over /etc/machine-id and
 * /proc/sys/kernel/random/boot_id (tmpfs over /etc or /proc/sys/kernel/random for "missing"
 * and "directory"), and joins a new session keyring of its own for the invocation ID. Without
 * root or namespaces those sections print one "unavailable" line each (the same in both runs);
 * the suite reports that. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#define TESTLIB_PROG "id128-diff"
#include "../common/testlib.h"

#define SENTINEL 4242 /* errno before each call: any change shows */

static char D[100];   /* scratch dir (short: dir_path() adds a name within 200 bytes) */
static int NS_OK;     /* 1: children can have their own mount namespace and mount there */
static int KEYRING_OK; /* 1: children can make a session keyring and add keys to it */

/* ------------------------------------------------------------------ printing */

static const char *err_after(int e) {
        static char b[4][48];
        static int i;
        char *p = b[i++ & 3];
        if (e == SENTINEL)
                return "";
        const char *n = e ? strerrorname_np(e) : "0";
        snprintf(p, 48, " [%s]", n ? n : "?");
        return p;
}

/* an ID as 32 hex digits, formatted here (not by the library under test) */
static const char *hex(sd_id128_t id) {
        static char b[8][33];
        static int i;
        char *p = b[i++ & 7];
        snprintf(p, 33, SD_ID128_FORMAT_STR, SD_ID128_FORMAT_VAL(id));
        return p;
}

/* bytes as a C string literal, escapes for everything outside printable ASCII */
static const char *esc(const char *s, size_t n) {
        static char b[4][600];
        static int i;
        char *p = b[i++ & 3], *o = p;
        *o++ = '"';
        for (size_t k = 0; k < n && o < p + 590; k++) {
                unsigned char c = (unsigned char) s[k];
                if (c == '\n')
                        o += sprintf(o, "\\n");
                else if (c == '"' || c == '\\')
                        o += sprintf(o, "\\%c", c);
                else if (c < 0x20 || c >= 0x7f)
                        o += sprintf(o, "\\x%02x", c);
                else
                        *o++ = (char) c;
        }
        *o++ = '"';
        *o = 0;
        return p;
}

static const sd_id128_t WALDI = SD_ID128_MAKE(01, 02, 03, 04, 05, 06, 07, 08, 09, 0a, 0b, 0c, 0d, 0e, 0f, 10);
static const sd_id128_t MIXED = SD_ID128_MAKE(3d, 12, 19, c7, c4, c5, 40, 4a, aa, 1f, 6d, 2a, 48, ad, fd, a4);
static const sd_id128_t FILL = SD_ID128_MAKE(aa, aa, aa, aa, aa, aa, aa, aa, aa, aa, aa, aa, aa, aa, aa, aa);

/* ------------------------------------------------------------------ formatting */

static void to_string_cases(void) {
        const sd_id128_t ids[] = { WALDI, MIXED, SD_ID128_NULL, SD_ID128_ALLF,
                                   SD_ID128_MAKE(f0, 0f, 9a, a9, 00, ff, 10, 01, 7e, e7, 5c, c5, b4, 4b, 38, 83) };
        printf("## to_string, to_uuid_string\n");
        for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
                char buf[48];
                char *r;
                int e;
                memset(buf, 'X', sizeof buf);
                buf[sizeof buf - 1] = 0;
                errno = SENTINEL;
                r = sd_id128_to_string(ids[k], buf);
                e = errno;
                printf("to_string %s | -> %s %s%s\n", hex(ids[k]), r == buf ? "buf" : "other", esc(buf, 40), err_after(e));
                memset(buf, 'X', sizeof buf);
                buf[sizeof buf - 1] = 0;
                errno = SENTINEL;
                r = sd_id128_to_uuid_string(ids[k], buf);
                e = errno;
                printf("to_uuid_string %s | -> %s %s%s\n", hex(ids[k]), r == buf ? "buf" : "other", esc(buf, 40), err_after(e));
        }
        /* NULL buffers: 252's assert_return gives NULL (the header's [static] makes this a
         * warning at compile time, hence the pointer kept in a volatile) */
        char *volatile null_buf = NULL;
        errno = SENTINEL;
        char *r = sd_id128_to_string(WALDI, null_buf);
        int e = errno;
        printf("to_string NULL buffer | -> %s%s\n", r ? "non-NULL" : "NULL", err_after(e));
        errno = SENTINEL;
        r = sd_id128_to_uuid_string(WALDI, null_buf);
        e = errno;
        printf("to_uuid_string NULL buffer | -> %s%s\n", r ? "non-NULL" : "NULL", err_after(e));
        /* the header's macros on the library */
        printf("SD_ID128_TO_STRING | %s\n", SD_ID128_TO_STRING(MIXED));
        printf("SD_ID128_TO_UUID_STRING | %s\n", SD_ID128_TO_UUID_STRING(MIXED));
}

/* ------------------------------------------------------------------ parsing */

static void from_string_one(const char *label, const char *s, size_t n) {
        sd_id128_t id = FILL;
        int r, e;
        errno = SENTINEL;
        r = sd_id128_from_string(s, &id);
        e = errno;
        printf("from_string %s %s | -> %s %s%s", label, s ? esc(s, n) : "NULL", rs(r),
               sd_id128_equal(id, FILL) ? "untouched" : hex(id), err_after(e));
        /* the same text with ret == NULL (validation only) */
        errno = SENTINEL;
        r = sd_id128_from_string(s, NULL);
        e = errno;
        printf(" | ret=NULL -> %s%s\n", rs(r), err_after(e));
}

static void from_string_str(const char *label, const char *s) {
        from_string_one(label, s, s ? strlen(s) : 0);
}

/* every single edit of a valid text: substitute, truncate, delete, insert */
static void mutations(const char *label, const char *base) {
        const char subst[] = { 'g', 'G', '-', 'F', '0', ' ', '\n', (char) 0xc3 };
        size_t n = strlen(base);
        char s[64];
        for (size_t i = 0; i <= n; i++) {
                char l[64];
                for (size_t k = 0; k < sizeof subst && i < n; k++) {
                        if (base[i] == subst[k])
                                continue;
                        memcpy(s, base, n + 1);
                        s[i] = subst[k];
                        snprintf(l, sizeof l, "%s[%zu]=%s", label, i, esc(&subst[k], 1));
                        from_string_str(l, s);
                }
                /* truncated at i */
                memcpy(s, base, n + 1);
                s[i] = 0;
                snprintf(l, sizeof l, "%s truncated %zu", label, i);
                from_string_str(l, s);
                /* byte i deleted */
                if (i < n) {
                        memcpy(s, base, i);
                        memcpy(s + i, base + i + 1, n - i);
                        snprintf(l, sizeof l, "%s without [%zu]", label, i);
                        from_string_str(l, s);
                }
                /* '-' and '0' inserted before byte i */
                for (const char *ins = "-0a"; *ins; ins++) {
                        memcpy(s, base, i);
                        s[i] = *ins;
                        memcpy(s + i + 1, base + i, n - i + 1);
                        snprintf(l, sizeof l, "%s insert %c at %zu", label, *ins, i);
                        from_string_str(l, s);
                }
        }
}

static void from_string_cases(void) {
        static const char *const valid[] = {
                "0102030405060708090a0b0c0d0e0f10",
                "0102030405060708090A0B0C0D0E0F10",
                "3d1219c7c4c5404aaa1f6d2a48adfda4",
                "3D1219C7C4C5404AAA1F6D2A48ADFDA4",
                "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4",
                "3D1219C7-C4C5-404A-AA1F-6D2A48ADFDA4",
                "3d1219C7-c4C5-404a-AA1f-6d2a48ADfda4",
                "00000000000000000000000000000000",
                "00000000-0000-0000-0000-000000000000",
                "ffffffffffffffffffffffffffffffff",
                "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
        };
        static const char *const invalid[] = {
                "",
                "0",
                "-",
                "--------------------------------",
                "------------------------------------",
                "0102030405060708090a0b0c0d0e0f1",
                "0102030405060708090a0b0c0d0e0f100",
                "0102030405060708090a0b0c0d0e0f10 ",
                " 0102030405060708090a0b0c0d0e0f10",
                "0102030405060708090a0b0c0d0e0f10\n",
                "0102030405060708090a0b0c0d0e0f10\r\n",
                "0x0102030405060708090a0b0c0d0e0f",
                "{3d1219c7-c4c5-404a-aa1f-6d2a48adfda4}",
                "urn:uuid:3d1219c7-c4c5-404a-aa1f-6d2a48adfda4",
                "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4\n",
                "3d1219c7-c4c5-404a-aa1f-6d2a48adfda",
                "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4f",
                "3d1219c7-c4c5-404a-aa1f6d2a48adfda4",
                "3d1219c7-c4c5-404aaa1f-6d2a48adfda4",
                "3d1219c7-c4c5404a-aa1f-6d2a48adfda4",
                "3d1219c7c4c5-404a-aa1f-6d2a48adfda4",
                "3d1219c7-c4c5404aaa1f6d2a48adfda4",
                "3d1219c7c4c5404aaa1f6d2a48adfda4-",
                "3d1219c-7c4c5-404a-aa1f-6d2a48adfda4",
                "3d1219c7--c4c5-404a-aa1f-6d2a48adfda4",
                "3d1219c7-c4c5--404a-aa1f-6d2a48adfda4",
                "3d12-19c7-c4c5-404a-aa1f-6d2a48adfda4",
                "3d1219c7-c4c5-404a-aa1f-6d2a-48adfda4",
                "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4-",
                "3d1219c7_c4c5_404a_aa1f_6d2a48adfda4",
                "3d1219c7 c4c5 404a aa1f 6d2a48adfda4",
                "3d1219c7c4c5404aaa1f6d2a48adfdaz",
                "3d1219c7c4c5404aaa1f6d2a48adfdaG",
                "\xc3\xa4" "1219c7c4c5404aaa1f6d2a48adfda4",
                "3d1219c7c4c5404aaa1f6d2a48adfda4\xff",
        };
        printf("## from_string\n");
        for (size_t k = 0; k < sizeof valid / sizeof valid[0]; k++)
                from_string_str("valid", valid[k]);
        for (size_t k = 0; k < sizeof invalid / sizeof invalid[0]; k++)
                from_string_str("invalid", invalid[k]);
        from_string_one("embedded NUL", "3d1219c7c4c5404a\0aa1f6d2a48adfda4", 33);
        from_string_one("plain then NUL then junk", "3d1219c7c4c5404aaa1f6d2a48adfda4\0junk", 37);
        from_string_str("NULL", NULL);
        printf("## from_string: single edits of a plain ID and a UUID\n");
        mutations("plain", "3d1219c7c4c5404aaa1f6d2a48adfda4");
        mutations("uuid", "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4");
        /* every byte value in one position of each form */
        printf("## from_string: every byte at one position\n");
        for (int c = 1; c < 256; c++) {
                char s[40], l[32];
                snprintf(s, sizeof s, "3d1219c7c4c5404aaa1f6d2a48adfda4");
                s[7] = (char) c;
                snprintf(l, sizeof l, "plain[7]=%d", c);
                from_string_str(l, s);
                snprintf(s, sizeof s, "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4");
                s[8] = (char) c;
                snprintf(l, sizeof l, "uuid[8]=%d", c);
                from_string_str(l, s);
        }
}

static void string_equal_cases(void) {
        static const char *const texts[] = {
                "0102030405060708090a0b0c0d0e0f10",
                "0102030405060708090A0B0C0D0E0F10",
                "01020304-0506-0708-090a-0b0c0d0e0f10",
                "01020304-0506-0708-090A-0B0C0D0E0F10",
                "0102030405060708090a0b0c0d0e0f11",
                "01020304-0506-0708-090a-0b0c0d0e0f11",
                "00000000000000000000000000000000",
                "0102030405060708090a0b0c0d0e0f1",
                "0102030405060708090a0b0c0d0e0f10\n",
                "",
                "garbage",
                NULL,
        };
        const sd_id128_t ids[] = { WALDI, SD_ID128_NULL };
        printf("## string_equal\n");
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
                for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
                        errno = SENTINEL;
                        int r = sd_id128_string_equal(texts[k], ids[i]);
                        int e = errno;
                        printf("string_equal %s %s | -> %s%s\n", texts[k] ? esc(texts[k], strlen(texts[k])) : "NULL",
                               hex(ids[i]), rs(r), err_after(e));
                }
}

/* ------------------------------------------------------------------ randomize */

static void randomize_cases(void) {
        enum { N = 2000 };
        static sd_id128_t seen[N];
        int bad_r = 0, not_v4 = 0, dup = 0, errno_changed = 0;
        unsigned bits_set[128] = { 0 };
        printf("## randomize\n");
        for (int i = 0; i < N; i++) {
                errno = SENTINEL;
                int r = sd_id128_randomize(&seen[i]);
                errno_changed += errno != SENTINEL;
                bad_r += r != 0;
                if ((seen[i].bytes[6] & 0xf0) != 0x40 || (seen[i].bytes[8] & 0xc0) != 0x80)
                        not_v4++;
                for (int k = 0; k < i; k++)
                        dup += sd_id128_equal(seen[k], seen[i]);
                for (int b = 0; b < 128; b++)
                        bits_set[b] += (seen[i].bytes[b / 8] >> (7 - b % 8)) & 1;
        }
        /* the 6 fixed bits are always or never set; each of the 122 others is set in about half
         * of the IDs (binomial, n=2000: outside 800..1200 has probability < 1e-18) */
        int fixed = 0, fair = 0;
        for (int b = 0; b < 128; b++) {
                if (bits_set[b] == 0 || bits_set[b] == N)
                        fixed++;
                else if (bits_set[b] > 800 && bits_set[b] < 1200)
                        fair++;
        }
        printf("randomize x%d | nonzero returns %d, not v4 %d, duplicates %d, errno changed %d, "
               "bits always/never set %d, bits set in 40-60%% %d\n", N, bad_r, not_v4, dup, errno_changed, fixed, fair);
        errno = SENTINEL;
        int r = sd_id128_randomize(NULL);
        int e = errno;
        printf("randomize NULL | -> %s%s\n", rs(r), err_after(e));
}

/* ------------------------------------------------------------------ NULL out-pointers */

static void null_ret_cases(void) {
        printf("## NULL ret (before any file is read)\n");
#define NULLCASE(call)                                                             \
        do {                                                                       \
                errno = SENTINEL;                                                  \
                int r_ = (call);                                                   \
                int e_ = errno;                                                    \
                printf("%s | -> %s%s\n", #call, rs(r_), err_after(e_));            \
        } while (0)
        NULLCASE(sd_id128_get_machine(NULL));
        NULLCASE(sd_id128_get_boot(NULL));
        NULLCASE(sd_id128_get_invocation(NULL));
        NULLCASE(sd_id128_get_machine_app_specific(WALDI, NULL));
        NULLCASE(sd_id128_get_boot_app_specific(WALDI, NULL));
}

/* ------------------------------------------------------------------ children */

/* Runs fn(arg) in a child with its own output; the parent waits. A child that dies is reported
 * as such (the same way for both libraries, if both die). */
static void in_child(const char *what, void (*fn)(const void *), const void *arg) {
        pid_t p = fork_flushed();
        if (p == 0) {
                fn(arg);
                fflush(stdout);
                _exit(0);
        }
        int st;
        if (waitpid(p, &st, 0) < 0)
                die("waitpid");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("%s | child died: %s %d\n", what, WIFSIGNALED(st) ? "signal" : "exit",
                       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

static int private_mounts(void) {
        if (unshare(CLONE_NEWNS) < 0)
                return -1;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -1;
        return 0;
}

static void write_file(const char *path, const void *data, size_t n, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                die(path);
        if (n && write(fd, data, n) != (ssize_t) n)
                die("write");
        if (fchmod(fd, mode) < 0)
                die("fchmod");
        close(fd);
}

static void probe_ns(const void *arg) {
        (void) arg;
        const char *f = dir_path(D, "probe");
        write_file(f, "x", 1, 0644);
        int ok = private_mounts() == 0 && mount(f, "/etc/machine-id", NULL, MS_BIND, NULL) == 0 &&
                 mount(f, "/proc/sys/kernel/random/boot_id", NULL, MS_BIND, NULL) == 0 &&
                 mount("none", "/proc/sys/kernel/random", "tmpfs", 0, NULL) == 0;
        _exit(ok ? 0 : 1);
}

static long keyctl5(long op, long a, long b, long c, long d) {
        return syscall(SYS_keyctl, op, a, b, c, d);
}

static void probe_keyring(const void *arg) {
        (void) arg;
        long key;
        if (keyctl5(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) < 0)
                _exit(1);
        key = syscall(SYS_add_key, "user", "sdlite-probe", "x", 1, KEY_SPEC_SESSION_KEYRING);
        _exit(key < 0 ? 1 : 0);
}

static int probe(void (*fn)(const void *)) {
        pid_t p = fork_flushed();
        if (p == 0)
                fn(NULL);
        int st;
        if (waitpid(p, &st, 0) < 0)
                die("waitpid");
        return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* ------------------------------------------------------------------ machine and boot IDs */

enum kind { CONTENT, MISSING, DIRECTORY, DEV_NULL, DEV_ZERO, NO_ACCESS };

struct file_case {
        const char *label;
        enum kind kind;
        const char *data;
        size_t len;
};

static const sd_id128_t APPS[] = {
        SD_ID128_MAKE(01, 02, 03, 04, 05, 06, 07, 08, 09, 0a, 0b, 0c, 0d, 0e, 0f, 10),
        SD_ID128_MAKE(00, 00, 00, 00, 00, 00, 00, 00, 00, 00, 00, 00, 00, 00, 00, 00),
        SD_ID128_MAKE(ff, ff, ff, ff, ff, ff, ff, ff, ff, ff, ff, ff, ff, ff, ff, ff),
        SD_ID128_MAKE(8a, 5c, 1e, 0f, 3b, 44, 4d, 2e, 9f, 60, 7a, 81, c2, d3, e4, f5),
};

static void get_one(const char *label, const char *name, int (*get)(sd_id128_t *)) {
        sd_id128_t id = FILL;
        errno = SENTINEL;
        int r = get(&id);
        int e = errno;
        printf("%s | %s -> %s %s%s\n", label, name, rs(r), sd_id128_equal(id, FILL) ? "untouched" : hex(id), err_after(e));
}

static void app_one(const char *label, const char *name, int (*get)(sd_id128_t, sd_id128_t *), sd_id128_t app) {
        sd_id128_t id = FILL;
        errno = SENTINEL;
        int r = get(app, &id);
        int e = errno;
        printf("%s | %s(%s) -> %s %s%s\n", label, name, hex(app), rs(r), sd_id128_equal(id, FILL) ? "untouched" : hex(id),
               err_after(e));
}

static void read_all(const char *label) {
        get_one(label, "get_machine", sd_id128_get_machine);
        for (size_t k = 0; k < sizeof APPS / sizeof APPS[0]; k++)
                app_one(label, "machine_app_specific", sd_id128_get_machine_app_specific, APPS[k]);
        get_one(label, "get_boot", sd_id128_get_boot);
        for (size_t k = 0; k < sizeof APPS / sizeof APPS[0]; k++)
                app_one(label, "boot_app_specific", sd_id128_get_boot_app_specific, APPS[k]);
}

/* The same content is placed at both paths. */
static void file_child(const void *arg) {
        const struct file_case *c = arg;
        static const char *const targets[] = { "/etc/machine-id", "/proc/sys/kernel/random/boot_id" };
        static const char *const parents[] = { "/etc", "/proc/sys/kernel/random" };
        const char *src[2] = { dir_path(D, "machine-id"), dir_path(D, "boot_id") };
        char label[128];

        if (private_mounts() < 0)
                die("private mounts");
        for (int t = 0; t < 2; t++) {
                switch (c->kind) {
                case CONTENT:
                case NO_ACCESS:
                        write_file(src[t], c->data, c->len, c->kind == NO_ACCESS ? 0600 : 0644);
                        if (mount(src[t], targets[t], NULL, MS_BIND, NULL) < 0)
                                die("bind mount");
                        break;
                case MISSING:
                case DIRECTORY:
                        if (mount("none", parents[t], "tmpfs", 0, "mode=0755") < 0)
                                die("tmpfs");
                        if (c->kind == DIRECTORY && mkdir(targets[t], 0755) < 0)
                                die("mkdir");
                        break;
                case DEV_NULL:
                case DEV_ZERO:
                        if (mount(c->kind == DEV_NULL ? "/dev/null" : "/dev/zero", targets[t], NULL, MS_BIND, NULL) < 0)
                                die("bind mount a device");
                        break;
                }
        }
        if (c->kind == NO_ACCESS && setresuid(65534, 65534, 65534) < 0)
                die("setresuid");

        snprintf(label, sizeof label, "file %s", c->label);
        read_all(label);

        /* Second round after the files change to other valid IDs: what was read is kept, what
         * failed (or was null) is read again. */
        if (c->kind == CONTENT || c->kind == MISSING) {
                static const char m2[] = "77777777777777777777777777777777\n";
                static const char b2[] = "88888888-8888-8888-8888-888888888888\n";
                const char *dst[2] = { c->kind == CONTENT ? src[0] : targets[0], c->kind == CONTENT ? src[1] : targets[1] };
                write_file(dst[0], m2, sizeof m2 - 1, 0644);
                write_file(dst[1], b2, sizeof b2 - 1, 0644);
                snprintf(label, sizeof label, "file %s, then changed", c->label);
                get_one(label, "get_machine", sd_id128_get_machine);
                app_one(label, "machine_app_specific", sd_id128_get_machine_app_specific, APPS[0]);
                get_one(label, "get_boot", sd_id128_get_boot);
                app_one(label, "boot_app_specific", sd_id128_get_boot_app_specific, APPS[0]);
        }
}

#define S(x) x, sizeof(x) - 1
static const struct file_case FILE_CASES[] = {
        { "empty", CONTENT, S("") },
        { "uninitialized", CONTENT, S("uninitialized") },
        { "uninitialized\\n", CONTENT, S("uninitialized\n") },
        { "uninitialized\\n\\n", CONTENT, S("uninitialized\n\n") },
        { "uninitializeD\\n", CONTENT, S("uninitializeD\n") },
        { "uninitialized ", CONTENT, S("uninitialized ") },
        { "uninit", CONTENT, S("uninit") },
        { "UNINITIALIZED\\n", CONTENT, S("UNINITIALIZED\n") },
        { "plain", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4") },
        { "plain\\n", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4\n") },
        { "PLAIN\\n", CONTENT, S("3D1219C7C4C5404AAA1F6D2A48ADFDA4\n") },
        { "pLaIn\\n", CONTENT, S("3d1219C7c4C5404aAA1f6d2A48adFDa4\n") },
        { "plain\\n\\n", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4\n\n") },
        { "plain\\r\\n", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4\r\n") },
        { "plain+space", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4 ") },
        { "space+plain", CONTENT, S(" 3d1219c7c4c5404aaa1f6d2a48adfda4") },
        { "plain+NUL", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4\0") },
        { "plain+4NUL", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4\0\0\0\0") },
        { "plain+4NUL+\\n", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4\0\0\0\0\n") },
        { "plain+xyzw", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4xyzw") },
        { "31 digits\\n", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda\n") },
        { "33 digits", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4f") },
        { "34 digits", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4ff") },
        { "38 digits", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfda4ffffff") },
        { "plain with g", CONTENT, S("3d1219c7c4c5404aaa1f6d2a48adfdg4\n") },
        { "NUL+31 digits", CONTENT, S("\0" "d1219c7c4c5404aaa1f6d2a48adfda4\n") },
        { "zeros plain\\n", CONTENT, S("00000000000000000000000000000000\n") },
        { "zeros uuid\\n", CONTENT, S("00000000-0000-0000-0000-000000000000\n") },
        { "allf plain\\n", CONTENT, S("ffffffffffffffffffffffffffffffff\n") },
        { "allf uuid\\n", CONTENT, S("ffffffff-ffff-ffff-ffff-ffffffffffff\n") },
        { "uuid", CONTENT, S("9e635878-2d0f-4242-a1d2-decd81572ae3") },
        { "uuid\\n", CONTENT, S("9e635878-2d0f-4242-a1d2-decd81572ae3\n") },
        { "UUID\\n", CONTENT, S("9E635878-2D0F-4242-A1D2-DECD81572AE3\n") },
        { "uuid\\n\\n", CONTENT, S("9e635878-2d0f-4242-a1d2-decd81572ae3\n\n") },
        { "uuid+space", CONTENT, S("9e635878-2d0f-4242-a1d2-decd81572ae3 ") },
        { "{uuid}", CONTENT, S("{9e635878-2d0f-4242-a1d2-decd81572ae3}") },
        { "uuid dashes moved", CONTENT, S("9e63587-82d0f-4242-a1d2-decd81572ae3\n") },
        { "uuid without dash 8 (35)", CONTENT, S("9e6358782d0f-4242-a1d2-decd81572ae3\n") },
        { "36 digits", CONTENT, S("9e6358782d0f4242a1d2decd81572ae3abcd") },
        { "garbage\\n", CONTENT, S("garbage\n") },
        { "13 spaces", CONTENT, S("             ") },
        { "\\n", CONTENT, S("\n") },
        { "missing", MISSING, NULL, 0 },
        { "directory", DIRECTORY, NULL, 0 },
        { "/dev/null", DEV_NULL, NULL, 0 },
        { "/dev/zero", DEV_ZERO, NULL, 0 },
        { "mode 0600, read as uid 65534", NO_ACCESS, S("3d1219c7c4c5404aaa1f6d2a48adfda4\n") },
};

static void big_file_child(const void *arg) {
        (void) arg;
        char big[8192];
        memset(big, 'a', sizeof big);
        struct file_case c = { "8 KiB of hex digits", CONTENT, big, sizeof big };
        file_child(&c);
}

/* libsystemd 252 caches per thread, sdlite per process: a thread started after the main
 * thread read the machine ID, and after the file changed, sees the new content on 252 only. */
static void *thread_reads(void *arg) {
        get_one(arg, "get_machine in a new thread", sd_id128_get_machine);
        get_one(arg, "get_boot in a new thread", sd_id128_get_boot);
        return NULL;
}

static void thread_child(const void *arg) {
        (void) arg;
        const char *m = dir_path(D, "machine-id"), *b = dir_path(D, "boot_id");
        pthread_t t;
        if (private_mounts() < 0)
                die("private mounts");
        write_file(m, S("3d1219c7c4c5404aaa1f6d2a48adfda4\n"), 0644);
        write_file(b, S("9e635878-2d0f-4242-a1d2-decd81572ae3\n"), 0644);
        if (mount(m, "/etc/machine-id", NULL, MS_BIND, NULL) < 0 ||
            mount(b, "/proc/sys/kernel/random/boot_id", NULL, MS_BIND, NULL) < 0)
                die("bind mount");
        get_one("thread", "get_machine in the main thread", sd_id128_get_machine);
        get_one("thread", "get_boot in the main thread", sd_id128_get_boot);
        write_file(m, S("77777777777777777777777777777777\n"), 0644);
        write_file(b, S("88888888-8888-8888-8888-888888888888\n"), 0644);
        fflush(stdout);
        if (pthread_create(&t, NULL, thread_reads, (void *) "~ thread, files changed") != 0)
                die("pthread_create");
        pthread_join(t, NULL);
        get_one("thread, files changed", "get_machine in the main thread again", sd_id128_get_machine);
}

static void host_child(const void *arg) {
        (void) arg;
        read_all("host files");
}

static void machine_boot_cases(void) {
        printf("## get_machine, get_boot and their app-specific IDs (one child each)\n");
        in_child("host", host_child, NULL);
        if (!NS_OK) {
                printf("file cases | unavailable (needs root and mount namespaces)\n");
                return;
        }
        for (size_t k = 0; k < sizeof FILE_CASES / sizeof FILE_CASES[0]; k++)
                in_child(FILE_CASES[k].label, file_child, &FILE_CASES[k]);
        in_child("big", big_file_child, NULL);
        in_child("thread", thread_child, NULL);
}

/* ------------------------------------------------------------------ invocation ID */

struct inv_case {
        const char *label;
        const char *env;      /* $INVOCATION_ID, NULL: unset */
        const char *payload;  /* the keyring key's payload, NULL: no key */
        size_t len;
        long perm;            /* KEYCTL_SETPERM, 0: leave the default */
        long uid, gid;        /* KEYCTL_CHOWN, -1: leave */
        int revoke;
        const char *env2;     /* set before the second call (NULL: unset) */
};

/* From <linux/key.h> (not in the uapi headers). */
#define POS_VIEW 0x01000000L
#define POS_READ 0x02000000L
#define POS_WRITE 0x04000000L
#define POS_SEARCH 0x08000000L
#define POS_LINK 0x10000000L
#define POS_SETATTR 0x20000000L
#define USR_VIEW 0x00010000L
#define USR_READ 0x00020000L
#define USR_SEARCH 0x00080000L
#define GRP_VIEW 0x00000100L
#define OTH_VIEW 0x00000001L
#define ALLOWED (POS_VIEW | POS_READ | POS_SEARCH | USR_VIEW | USR_READ | USR_SEARCH)

static const char KEY16[16] = { 0x5f, 0x0c, 0x4b, 0x7a, 0x3e, 0x2d, 0x4c, 0x1b, (char) 0x9a, (char) 0x8f, 0x7e, 0x6d, 0x5c, 0x4b, 0x3a, 0x29 };
static const char KEY17[17] = { 0x5f, 0x0c, 0x4b, 0x7a, 0x3e, 0x2d, 0x4c, 0x1b, (char) 0x9a, (char) 0x8f, 0x7e, 0x6d, 0x5c, 0x4b, 0x3a, 0x29, 1 };
static const char ZERO16[16] = { 0 };

static void inv_child(const void *arg) {
        const struct inv_case *c = arg;
        char label[160];
        long key = -1;

        if (keyctl5(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) < 0)
                die("join a new session keyring");
        if (c->payload) {
                key = syscall(SYS_add_key, "user", "invocation_id", c->payload, c->len, KEY_SPEC_SESSION_KEYRING);
                if (key < 0)
                        die("add_key");
                if ((c->uid >= 0 || c->gid >= 0) && keyctl5(KEYCTL_CHOWN, key, c->uid, c->gid, 0) < 0)
                        die("KEYCTL_CHOWN");
                if (c->perm && keyctl5(KEYCTL_SETPERM, key, c->perm, 0, 0) < 0)
                        die("KEYCTL_SETPERM");
                if (c->revoke && keyctl5(KEYCTL_REVOKE, key, 0, 0, 0) < 0)
                        die("KEYCTL_REVOKE");
        }
        set_or_unset("INVOCATION_ID", c->env);
        snprintf(label, sizeof label, "invocation %s", c->label);
        get_one(label, "get_invocation", sd_id128_get_invocation);
        set_or_unset("INVOCATION_ID", c->env2);
        /* A key of the wrong size leaves part of its payload in 252's cache, which its next call
         * returns as the ID: a deliberate difference, so this line is marked. */
        snprintf(label, sizeof label, "%sinvocation %s, again with INVOCATION_ID=%s",
                 c->payload && c->len < 16 && !c->env ? "~ " : "", c->label, c->env2 ? c->env2 : "<unset>");
        get_one(label, "get_invocation", sd_id128_get_invocation);
}

#define ENV_ID "4e0f1b2a3c4d4e5fa0b1c2d3e4f50617"
#define ENV_ID2 "11111111222233334444555555555555"
static const struct inv_case INV_ENV_CASES[] = {
        { "env unset, no key", NULL, NULL, 0, 0, -1, -1, 0, ENV_ID2 },
        { "env plain", ENV_ID, NULL, 0, 0, -1, -1, 0, ENV_ID2 },
        { "env PLAIN", "4E0F1B2A3C4D4E5FA0B1C2D3E4F50617", NULL, 0, 0, -1, -1, 0, NULL },
        { "env uuid", "4e0f1b2a-3c4d-4e5f-a0b1-c2d3e4f50617", NULL, 0, 0, -1, -1, 0, NULL },
        { "env empty", "", NULL, 0, 0, -1, -1, 0, ENV_ID2 },
        { "env garbage", "garbage", NULL, 0, 0, -1, -1, 0, ENV_ID2 },
        { "env plain\\n", ENV_ID "\n", NULL, 0, 0, -1, -1, 0, NULL },
        { "env space+plain", " " ENV_ID, NULL, 0, 0, -1, -1, 0, NULL },
        { "env 31 digits", "4e0f1b2a3c4d4e5fa0b1c2d3e4f5061", NULL, 0, 0, -1, -1, 0, NULL },
        { "env zeros", "00000000000000000000000000000000", NULL, 0, 0, -1, -1, 0, ENV_ID2 },
        { "env uuid with misplaced dash", "4e0f1b2a3-c4d-4e5f-a0b1-c2d3e4f50617", NULL, 0, 0, -1, -1, 0, NULL },
};

static const struct inv_case INV_KEY_CASES[] = {
        { "key 16 bytes, allowed perms", NULL, KEY16, 16, ALLOWED, -1, -1, 0, ENV_ID2 },
        { "key 16 bytes, search only", NULL, KEY16, 16, POS_SEARCH | USR_SEARCH, -1, -1, 0, NULL },
        { "key 16 bytes, view+read+search for possessor", NULL, KEY16, 16, POS_VIEW | POS_READ | POS_SEARCH, -1, -1, 0, NULL },
        { "key 16 bytes, default perms", NULL, KEY16, 16, 0, -1, -1, 0, NULL },
        { "key 16 bytes, +possessor write", NULL, KEY16, 16, ALLOWED | POS_WRITE, -1, -1, 0, NULL },
        { "key 16 bytes, +possessor link", NULL, KEY16, 16, ALLOWED | POS_LINK, -1, -1, 0, NULL },
        { "key 16 bytes, +possessor setattr", NULL, KEY16, 16, ALLOWED | POS_SETATTR, -1, -1, 0, NULL },
        { "key 16 bytes, +group view", NULL, KEY16, 16, ALLOWED | GRP_VIEW, -1, -1, 0, NULL },
        { "key 16 bytes, +other view", NULL, KEY16, 16, ALLOWED | OTH_VIEW, -1, -1, 0, NULL },
        { "key 16 bytes, view only", NULL, KEY16, 16, POS_VIEW | USR_VIEW, -1, -1, 0, NULL },
        { "key 16 bytes, gid 1000", NULL, KEY16, 16, ALLOWED, -1, 1000, 0, NULL },
        { "key 16 bytes, uid 1000", NULL, KEY16, 16, ALLOWED, 1000, -1, 0, NULL },
        { "key 16 bytes, uid 65535", NULL, KEY16, 16, ALLOWED, 65535, -1, 0, NULL },
        { "key 16 bytes, gid 65535", NULL, KEY16, 16, ALLOWED, -1, 65535, 0, NULL },
        { "key 16 bytes, uid 1000 gid 1000, +write", NULL, KEY16, 16, ALLOWED | POS_WRITE, 1000, 1000, 0, NULL },
        { "key 16 bytes, revoked", NULL, KEY16, 16, 0, -1, -1, 1, NULL },
        { "key 16 zero bytes", NULL, ZERO16, 16, ALLOWED, -1, -1, 0, NULL },
        { "key 15 bytes", NULL, KEY16, 15, ALLOWED, -1, -1, 0, NULL },
        { "key 1 byte", NULL, KEY16, 1, ALLOWED, -1, -1, 0, NULL },
        { "key 17 bytes", NULL, KEY17, 17, ALLOWED, -1, -1, 0, NULL },
        { "env plain and key", ENV_ID, KEY16, 16, ALLOWED, -1, -1, 0, NULL },
        { "env garbage and key", "garbage", KEY16, 16, ALLOWED, -1, -1, 0, NULL },
        { "env empty and key", "", KEY16, 16, ALLOWED, -1, -1, 0, NULL },
};

static void invocation_cases(void) {
        printf("## get_invocation (one child each, in a new session keyring of its own)\n");
        if (!KEYRING_OK) {
                printf("invocation cases | unavailable (no session keyring can be made here)\n");
                return;
        }
        for (size_t k = 0; k < sizeof INV_ENV_CASES / sizeof INV_ENV_CASES[0]; k++)
                in_child(INV_ENV_CASES[k].label, inv_child, &INV_ENV_CASES[k]);
        if (geteuid() != 0) {
                printf("invocation key cases | unavailable (needs root: the key must belong to uid 0)\n");
                return;
        }
        for (size_t k = 0; k < sizeof INV_KEY_CASES / sizeof INV_KEY_CASES[0]; k++)
                in_child(INV_KEY_CASES[k].label, inv_child, &INV_KEY_CASES[k]);
}

int main(int argc, char **argv) {
        if (argc != 2 || argv[1][0] != '/' || strlen(argv[1]) >= sizeof D) {
                fprintf(stderr, "usage: %s SCRATCH_DIR (absolute, under %zu bytes)\n", argv[0], sizeof D);
                return 2;
        }
        snprintf(D, sizeof D, "%s", argv[1]);
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        report_library();
        NS_OK = geteuid() == 0 && probe(probe_ns);
        KEYRING_OK = probe(probe_keyring);
        printf("# id128-diff: namespaces %s, keyring %s\n", NS_OK ? "yes" : "no", KEYRING_OK ? "yes" : "no");

        to_string_cases();
        from_string_cases();
        string_equal_cases();
        randomize_cases();
        null_ret_cases();
        machine_boot_cases();
        invocation_cases();
        printf("# end\n");
        return 0;
}
