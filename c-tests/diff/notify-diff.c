/* Differential test: sd_notify, sd_notifyf, sd_pid_notify, sd_pid_notifyf, sd_pid_notify_with_fds.
 *
 * Built against Debian's <systemd/sd-daemon.h> and -lsystemd (252); run once on the system
 * library and once with LD_LIBRARY_PATH=$SDLITE_BUILD; stdout must be byte-identical.
 * Must run as root (credential cases fork children that drop to uid/gid 65534).
 * No vsock NOTIFY_SOCKET values here: sdlite deliberately follows newer systemd for those
 * (see c-tests/notify-254.c).  See notify-common.h for the output format.
 */
#include "notify-common.h"

#include <wchar.h>

static int POOL[3];  /* three distinct open files: a pipe read end, /dev/null, a regular file */
static int CLOSED_FD; /* a number that is not an open fd */

static void section(const char *s) {
        printf("## %s\n", s);
}

/* ------------------------------------------------------------------ NOTIFY_SOCKET forms */

struct nsform { const char *label; const char *value; };

static void ns_forms(void) {
        char p107[200], p108[200], p109[200], a107[200], a108[200], *huge;
        section("NOTIFY_SOCKET forms, state \"READY=1\", unset_environment 0 and 1");

        /* paths of exactly 107 / 108 / 109 characters inside $D */
        snprintf(p107, sizeof p107, "%s/", D);
        memset(p107 + strlen(p107), 'p', 107 - strlen(p107));
        p107[107] = 0;
        strcpy(p108, p107);
        strcat(p108, "q");
        strcpy(p109, p108);
        strcat(p109, "r");
        /* abstract names of 107 / 108 characters including the '@' */
        snprintf(a107, sizeof a107, "@%s-", ABSNAME);
        memset(a107 + strlen(a107), 'a', 107 - strlen(a107));
        a107[107] = 0;
        strcpy(a108, a107);
        strcat(a108, "b");
        huge = malloc(4001);
        huge[0] = '/';
        memset(huge + 1, 'h', 3999);
        huge[4000] = 0;

        /* receivers / targets */
        int l107 = rcv_add("L107", SOCK_DGRAM, p107);
        int l108 = rcv_add("L108", SOCK_DGRAM, p108); /* bound with all 108 bytes, no NUL */
        int al107 = rcv_add("AL107", SOCK_DGRAM, a107);
        int al108 = rcv_add("AL108", SOCK_DGRAM, a108);
        int ff = open(P("regular-file"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        close(ff);
        mkdir(P("dir"), 0755);
        mkfifo(P("fifo"), 0644);
        int stale = rcv_add(NULL, SOCK_DGRAM, P("stale.sock"));
        close(stale);
        int astale = rcv_add(NULL, SOCK_DGRAM, A("stale"));
        close(astale);
        int st = rcv_add(NULL, SOCK_STREAM, P("stream.sock"));
        listen(st, 5);
        int stn = rcv_add(NULL, SOCK_STREAM, P("stream-nolisten.sock"));
        int sq = rcv_add(NULL, SOCK_SEQPACKET, P("seqpacket.sock"));
        listen(sq, 5);
        int ast = rcv_add(NULL, SOCK_STREAM, A("stream"));
        listen(ast, 5);
        symlink(P("n.sock"), P("link.sock"));
        symlink(P("nowhere"), P("dangling.sock"));
        symlink(P("loop.sock"), P("loop.sock"));
        char ffpath[PATH_MAX];
        snprintf(ffpath, sizeof ffpath, "%s/\xff\xfe.sock", D);
        int nonutf = rcv_add("NONUTF8", SOCK_DGRAM, ffpath);

        char slash_slash[PATH_MAX], dot[PATH_MAX], trailing_slash[PATH_MAX], nl[PATH_MAX];
        snprintf(slash_slash, sizeof slash_slash, "%s//n.sock", D);
        snprintf(dot, sizeof dot, "%s/./n.sock", D);
        snprintf(trailing_slash, sizeof trailing_slash, "%s/n.sock/", D);
        snprintf(nl, sizeof nl, "%s/n.sock\n", D);
        char abs_rel[300];
        snprintf(abs_rel, sizeof abs_rel, "%s", A("") + 1); /* the abstract name without '@' */

        struct nsform forms[] = {
                { "unset", NULL },
                { "\"\"", "" },
                { "\"/\"", "/" },
                { "\"@\"", "@" },
                { "\"relative\"", "relative" },
                { "\"./n.sock\"", "./n.sock" },
                { "\" /abs\" (leading space)", " /tmp/x" },
                { "\"$A\" (abstract name without @)", abs_rel },
                { "\"x@y\"", "x@y" },
                { "\"//\"", "//" },
                { "\"@@\"", "@@" },
                { "\"/\\n\"", "/\n" },
                { "$D/n.sock (receiver R)", P("n.sock") },
                { "$D//n.sock", slash_slash },
                { "$D/./n.sock", dot },
                { "$D/n.sock/ (trailing slash)", trailing_slash },
                { "$D/n.sock\\n", nl },
                { "@$A (receiver AB)", A("") },
                { "$D/link.sock -> n.sock", P("link.sock") },
                { "$D/dangling.sock (dangling symlink)", P("dangling.sock") },
                { "$D/loop.sock (symlink loop)", P("loop.sock") },
                { "$D/missing", P("missing") },
                { "/nonexistent-dir/x", "/nonexistent-dir-sdlite/x" },
                { "$D/regular-file", P("regular-file") },
                { "$D/regular-file/x", P("regular-file/x") },
                { "$D/dir", P("dir") },
                { "$D/fifo", P("fifo") },
                { "/dev/null", "/dev/null" },
                { "$D/stale.sock (bound, closed)", P("stale.sock") },
                { "@$A-stale (bound, closed)", A("stale") },
                { "@$A-none (never bound)", A("none") },
                { "$D/stream.sock (listening)", P("stream.sock") },
                { "$D/stream-nolisten.sock", P("stream-nolisten.sock") },
                { "$D/seqpacket.sock (listening)", P("seqpacket.sock") },
                { "@$A-stream (listening)", A("stream") },
                { "$D/<non-UTF-8>.sock", ffpath },
                { "path len 107 (bound)", p107 },
                { "path len 108 (bound without NUL)", p108 },
                { "path len 109", p109 },
                { "path len 4000", huge },
                { "abstract len 107 (bound)", a107 },
                { "abstract len 108 (bound)", a108 },
        };
        for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
                for (int u = 0; u <= 1; u++) {
                        char name[200];
                        snprintf(name, sizeof name, "notify NS=%s u=%d", forms[i].label, u);
                        set_ns(forms[i].value);
                        RUN(name, sd_notify(u, "READY=1"));
                }
        /* path len 107 that does not exist */
        unlink(p107);
        set_ns(p107);
        RUN("notify NS=path len 107 (unbound) u=1", sd_notify(1, "READY=1"));

        rcv_remove(l107);
        rcv_remove(l108);
        rcv_remove(al107);
        rcv_remove(al108);
        rcv_remove(nonutf);
        close(st);
        close(stn);
        close(sq);
        close(ast);
        free(huge);
        set_ns(NULL);
}

/* ------------------------------------------------------------------ states */

static char *mkstate(size_t n, char fill) {
        char *s = malloc(n + 1);
        memset(s, fill, n);
        if (n >= 2)
                memcpy(s, "X=", 2);
        if (n >= 3)
                s[n - 1] = 'Z';
        s[n] = 0;
        return s;
}

static void states(void) {
        section("states (NS=$D/n.sock)");
        set_ns(NULL);
        RUN("notify state=NULL NS=unset u=0", sd_notify(0, NULL));
        RUN("notify state=NULL NS=unset u=1", sd_notify(1, NULL));
        set_ns(P("n.sock"));
        RUN("notify state=NULL u=0", sd_notify(0, NULL));
        RUN("notify state=NULL u=1", sd_notify(1, NULL));
        set_ns("relative");
        RUN("notify state=NULL NS=relative u=1", sd_notify(1, NULL));
        set_ns(P("n.sock"));

        struct { const char *label; const char *s; } st[] = {
                { "\"\"", "" },
                { "READY=1", "READY=1" },
                { "A=1\\nB=2\\n", "A=1\nB=2\n" },
                { "\\n", "\n" },
                { "\\n\\n\\n", "\n\n\n" },
                { "no '=' at all", "hello world" },
                { "STATUS=tab\\there", "STATUS=tab\there" },
                { "non-UTF-8 bytes", "S=\xff\xfe\x01\x7f\x80" },
                { "trailing spaces", "READY=1   " },
                { "leading spaces", "   READY=1" },
                { "\\r\\n line ends", "A=1\r\nB=2\r\n" },
                { "all the keys", "READY=1\nRELOADING=1\nSTOPPING=1\nSTATUS=x\nERRNO=2\nBUSERROR=a.b\nMAINPID=1\n"
                                  "WATCHDOG=1\nWATCHDOG=trigger\nWATCHDOG_USEC=1\nEXTEND_TIMEOUT_USEC=1\nFDSTORE=1\n"
                                  "FDSTOREREMOVE=1\nFDNAME=x\nFDPOLL=0\nBARRIER=1\nX_CUSTOM=1" },
        };
        for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
                char name[160];
                snprintf(name, sizeof name, "notify state=%s", st[i].label);
                RUN(name, sd_notify(0, st[i].s));
        }
        RUN("notify u=1 success", sd_notify(1, "READY=1"));
        set_ns(P("n.sock"));
        RUN("notify u=2 success", sd_notify(2, "READY=1"));
        set_ns(P("n.sock"));
        RUN("notify u=-1 success", sd_notify(-1, "READY=1"));
        set_ns(P("n.sock"));
        RUN("notify u=INT_MIN success", sd_notify(INT_MIN, "READY=1"));
        set_ns(P("n.sock"));

        size_t sizes[] = { 1000, 65536, 212960, 212961, 212992, 212993, 300000, 1048576,
                           4194305, 8388609, 16777183, 16777185, 16777216 };
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                char name[100];
                char *s = mkstate(sizes[i], 'A' + (char) (i % 20));
                snprintf(name, sizeof name, "notify state of %zu bytes", sizes[i]);
                RUN(name, sd_notify(0, s));
                free(s);
        }
        set_ns(A(""));
        {
                char *s = mkstate(300000, 'q');
                RUN("notify NS=@$A state of 300000 bytes", sd_notify(1, s));
                free(s);
        }
        set_ns(NULL);
}

/* ------------------------------------------------------------------ printf variants */

static void printfs(void) {
        section("sd_notifyf / sd_pid_notifyf");
        const char *nullfmt = NULL;
        set_ns(NULL);
        RUN("notifyf fmt=NULL NS=unset u=0", sd_notifyf(0, nullfmt));
        RUN("notifyf fmt=NULL NS=unset u=1", sd_notifyf(1, nullfmt));
        RUN("notifyf \"%2147483648d\" NS=unset u=1", sd_notifyf(1, "%2147483648d", 1));
        RUN("notifyf \"READY=%d\" NS=unset", sd_notifyf(0, "READY=%d", 1));
        set_ns(P("n.sock"));
        RUN("notifyf fmt=NULL u=0", sd_notifyf(0, nullfmt));
        RUN("notifyf fmt=NULL u=1", sd_notifyf(1, nullfmt));
        set_ns(P("n.sock"));
        RUN("notifyf \"STATUS=%s %d\" x 42", sd_notifyf(0, "STATUS=%s %d", "x", 42));
        RUN("notifyf \"\"", sd_notifyf(0, "%s", ""));
        RUN("notifyf \"100%%\"", sd_notifyf(0, "STATUS=100%%"));
        RUN("notifyf \"%s\" NULL", sd_notifyf(0, "S=%s", (char *) NULL));
        RUN("notifyf \"A%cB\" NUL (stops at NUL)", sd_notifyf(0, "A%cB", 0));
        RUN("notifyf \"%c\" NUL only", sd_notifyf(0, "%c", 0));
        RUN("notifyf \"%05.1f|%x|%lu|%-3s|\"", sd_notifyf(0, "F=%05.1f|%x|%lu|%-3s|", 3.14159, 255u, 42ul, "a"));
        RUN("notifyf \"MAINPID=%d\\nREADY=1\"", sd_notifyf(0, "MAINPID=%d\nREADY=1", 1234));
        RUN("notifyf \"%0300000d\" (300000 bytes)", sd_notifyf(0, "%0300000d", 7));
        RUN("notifyf \"%2147483648d\" u=0 (vasprintf fails)", sd_notifyf(0, "%2147483648d", 1));
        RUN("notifyf \"%2147483648d\" u=1 (vasprintf fails)", sd_notifyf(1, "%2147483648d", 1));
        set_ns(P("n.sock"));
        RUN("notifyf \"S=%lc\" U+D800 u=1 (vasprintf EILSEQ)", sd_notifyf(1, "S=%lc", (wint_t) 0xD800));
        set_ns(P("n.sock"));
        RUN("notifyf u=1 success", sd_notifyf(1, "READY=%d", 1));
        set_ns(P("n.sock"));

        RUN("pid_notifyf pid=0", sd_pid_notifyf(0, 0, "P=%d", 0));
        RUN("pid_notifyf pid=getpid()", sd_pid_notifyf(getpid(), 0, "P=%s", "self"));
        RUN("pid_notifyf pid=1", sd_pid_notifyf(1, 0, "P=%d", 1));
        RUN("pid_notifyf pid=INT_MAX", sd_pid_notifyf(INT_MAX, 0, "P=%s", "max"));
        RUN("pid_notifyf pid=-5", sd_pid_notifyf(-5, 0, "P=%d", -5));
        RUN("pid_notifyf pid=1 fmt=NULL u=0", sd_pid_notifyf(1, 0, nullfmt));
        RUN("pid_notifyf pid=1 fmt=NULL u=1", sd_pid_notifyf(1, 1, nullfmt));
        set_ns(P("n.sock"));
        RUN("pid_notifyf pid=1 \"%2147483648d\" u=1", sd_pid_notifyf(1, 1, "%2147483648d", 1));
        set_ns(P("n.sock"));
        RUN("pid_notifyf pid=1 u=1 success", sd_pid_notifyf(1, 1, "P=%d", 1));
        set_ns("@");
        RUN("pid_notifyf pid=1 NS=\"@\" u=1", sd_pid_notifyf(1, 1, "P=%d", 1));
        set_ns(NULL);
        RUN("pid_notifyf pid=1 NS=unset", sd_pid_notifyf(1, 1, "P=%d", 1));
}

/* ------------------------------------------------------------------ fds */

static void cur_fds(const int *fds, unsigned n) {
        CUR_FDS = (int *) fds;
        CUR_NFDS = fds ? (int) n : 0;
        sent_set(fds, fds ? (int) n : 0);
}

#define WITH_FDS(name, pid, u, state, fds, n)                                           \
        do {                                                                            \
                cur_fds((fds), (n));                                                    \
                RUN(name, sd_pid_notify_with_fds((pid), (u), (state), (fds), (n)));     \
                CUR_FDS = NULL;                                                         \
                CUR_NFDS = 0;                                                           \
                sent_clear();                                                           \
        } while (0)

static void fds_cases(void) {
        section("sd_pid_notify_with_fds");
        int *many = malloc(6000 * sizeof(int));
        for (int i = 0; i < 6000; i++)
                many[i] = POOL[i % 3];
        int two_then_closed[3] = { POOL[0], POOL[1], CLOSED_FD };
        int closed_first[2] = { CLOSED_FD, POOL[0] };
        int minus1[1] = { -1 };
        int intmax[1] = { INT_MAX };
        int dup_same[3] = { POOL[2], POOL[2], POOL[2] };
        int rev[3] = { POOL[2], POOL[1], POOL[0] };

        set_ns(NULL);
        WITH_FDS("with_fds NS=unset fds=NULL n=1 u=0", 0, 0, "X=1", NULL, 1);
        WITH_FDS("with_fds NS=unset fds=NULL n=1 u=1", 0, 1, "X=1", NULL, 1);
        WITH_FDS("with_fds NS=unset n=300", 0, 0, "X=1", many, 300);
        WITH_FDS("with_fds NS=unset n=6000", 0, 1, "X=1", many, 6000);
        WITH_FDS("with_fds NS=unset n=1 closed fd", 0, 0, "X=1", &CLOSED_FD, 1);
        WITH_FDS("with_fds NS=unset state=NULL n=1", 0, 1, NULL, POOL, 1);
        set_ns("relative");
        WITH_FDS("with_fds NS=relative fds=NULL n=1 u=1", 0, 1, "X=1", NULL, 1);
        set_ns("relative");
        WITH_FDS("with_fds NS=relative n=1 u=1", 0, 1, "X=1", POOL, 1);

        set_ns(P("n.sock"));
        WITH_FDS("with_fds fds=NULL n=1 u=0", 0, 0, "X=1", NULL, 1);
        WITH_FDS("with_fds fds=NULL n=1 u=1", 0, 1, "X=1", NULL, 1);
        set_ns(P("n.sock"));
        WITH_FDS("with_fds fds=NULL n=UINT_MAX", 0, 0, "X=1", NULL, UINT_MAX);
        WITH_FDS("with_fds fds=NULL n=0", 0, 0, "X=1", NULL, 0);
        WITH_FDS("with_fds fds=pool n=0", 0, 0, "X=0", POOL, 0);
        WITH_FDS("with_fds state=NULL n=1 u=1", 0, 1, NULL, POOL, 1);
        set_ns(P("n.sock"));
        WITH_FDS("with_fds n=1", 0, 0, "FDSTORE=1\nFDNAME=one", POOL, 1);
        WITH_FDS("with_fds n=2", 0, 0, "FDSTORE=1\nFDNAME=two", POOL, 2);
        WITH_FDS("with_fds n=3 (pipe,null,file)", 0, 0, "FDSTORE=1", POOL, 3);
        WITH_FDS("with_fds n=3 reversed", 0, 0, "FDSTORE=1", rev, 3);
        WITH_FDS("with_fds n=3 same fd thrice", 0, 0, "FDSTORE=1", dup_same, 3);
        WITH_FDS("with_fds n=1 state=\"\"", 0, 0, "", POOL, 1);
        WITH_FDS("with_fds n=252", 0, 0, "X=252", many, 252);
        WITH_FDS("with_fds n=253", 0, 0, "X=253", many, 253);
        WITH_FDS("with_fds n=254", 0, 0, "X=254", many, 254);
        WITH_FDS("with_fds n=255", 0, 0, "X=255", many, 255);
        WITH_FDS("with_fds n=1000", 0, 0, "X=1000", many, 1000);
        WITH_FDS("with_fds n=6000", 0, 0, "X=6000", many, 6000);
        WITH_FDS("with_fds n=254 u=1", 0, 1, "X=254", many, 254);
        set_ns(P("n.sock"));
        WITH_FDS("with_fds n=1 closed fd", 0, 0, "X=1", &CLOSED_FD, 1);
        WITH_FDS("with_fds n=1 closed fd u=1", 0, 1, "X=1", &CLOSED_FD, 1);
        set_ns(P("n.sock"));
        WITH_FDS("with_fds n=1 fd=-1", 0, 0, "X=1", minus1, 1);
        WITH_FDS("with_fds n=1 fd=INT_MAX", 0, 0, "X=1", intmax, 1);
        WITH_FDS("with_fds n=3 last closed", 0, 0, "X=1", two_then_closed, 3);
        WITH_FDS("with_fds n=2 first closed", 0, 0, "X=1", closed_first, 2);
        WITH_FDS("with_fds n=2 u=1 success", 0, 1, "X=1", POOL, 2);
        set_ns(A(""));
        WITH_FDS("with_fds NS=@$A n=3", 0, 0, "X=abs", POOL, 3);

        set_ns(P("n.sock"));
        WITH_FDS("with_fds pid=1 n=2", 1, 0, "X=1", POOL, 2);
        WITH_FDS("with_fds pid=getpid() n=2", getpid(), 0, "X=1", POOL, 2);
        WITH_FDS("with_fds pid=INT_MAX n=2 (retry keeps fds)", INT_MAX, 0, "X=1", POOL, 2);
        WITH_FDS("with_fds pid=-5 n=2", -5, 0, "X=1", POOL, 2);
        WITH_FDS("with_fds pid=1 n=253", 1, 0, "X=1", many, 253);
        WITH_FDS("with_fds pid=1 n=254", 1, 0, "X=1", many, 254);
        WITH_FDS("with_fds pid=INT_MAX n=254", INT_MAX, 0, "X=1", many, 254);
        WITH_FDS("with_fds pid=1 closed fd", 1, 0, "X=1", &CLOSED_FD, 1);
        WITH_FDS("with_fds pid=INT_MAX closed fd u=1", INT_MAX, 1, "X=1", &CLOSED_FD, 1);
        set_ns(P("stale.sock"));
        WITH_FDS("with_fds NS=stale n=2", 0, 0, "X=1", POOL, 2);
        WITH_FDS("with_fds NS=stale pid=1 n=2 u=1", 1, 1, "X=1", POOL, 2);
        int st = rcv_add(NULL, SOCK_STREAM, P("stream2.sock"));
        listen(st, 5);
        set_ns(P("stream2.sock"));
        WITH_FDS("with_fds NS=stream listener n=2", 0, 0, "X=1", POOL, 2);
        close(st);
        set_ns(NULL);
        free(many);
}

/* ------------------------------------------------------------------ pids (as root) */

static void pid_cases(void) {
        section("sd_pid_notify pid variants (root)");
        pid_t helper = fork_flushed();
        if (helper == 0) {
                for (;;)
                        pause();
        }
        pid_name(helper, "helper");
        pid_name(getppid(), "ppid");
        struct { const char *label; pid_t pid; } pids[] = {
                { "0", 0 }, { "getpid()", getpid() }, { "1", 1 }, { "getppid()", getppid() },
                { "live child", helper }, { "INT_MAX", INT_MAX }, { "4000000 (> pid_max)", 4000000 },
                { "-5", -5 }, { "-1", -1 }, { "INT_MIN", INT_MIN },
        };
        set_ns(P("n.sock"));
        for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++) {
                char name[100];
                snprintf(name, sizeof name, "pid_notify pid=%s", pids[i].label);
                RUN(name, sd_pid_notify(pids[i].pid, 0, "X=1"));
        }
        set_ns(A(""));
        RUN("pid_notify NS=@$A pid=1", sd_pid_notify(1, 0, "X=1"));
        RUN("pid_notify NS=@$A pid=live child u=1", sd_pid_notify(helper, 1, "X=1"));
        set_ns(P("n.sock"));
        RUN("pid_notify pid=1 state=NULL u=1", sd_pid_notify(1, 1, NULL));
        set_ns(P("missing"));
        RUN("pid_notify NS=missing pid=1 u=1", sd_pid_notify(1, 1, "X=1"));
        set_ns(P("missing"));
        RUN("pid_notify NS=missing pid=INT_MAX u=0", sd_pid_notify(INT_MAX, 0, "X=1"));
        set_ns(NULL);
        RUN("pid_notify NS=unset pid=1", sd_pid_notify(1, 1, "X=1"));
        kill(helper, SIGKILL);
        waitpid(helper, NULL, 0);
        pid_unname(helper);
}

/* ------------------------------------------------------------------ other credentials */

static void cred_cases(void) {
        section("credentials: children with other uids/gids");
        int *fds = POOL;
        /* a socket only root can write to, and one in a directory only root can enter */
        int priv = rcv_add("PRIV", SOCK_DGRAM, P("private.sock"));
        chmod(P("private.sock"), 0600);
        mkdir(P("privdir"), 0700);
        int privd = rcv_add("PRIVD", SOCK_DGRAM, P("privdir/x.sock"));
        char *big8 = mkstate(8388576, 'n'), *big8p = mkstate(8388577, 'n'), *big2 = mkstate(212993, 'm');
        pid_t helper = fork_flushed();
        if (helper == 0)
                for (;;)
                        pause();
        pid_name(helper, "helper");

        set_ns(P("n.sock"));
        RUN_CHILD("nobody: notify", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY), sd_notify(0, "X=1"));
        RUN_CHILD("nobody: pid_notify pid=getpid()", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(getpid(), 0, "X=1"));
        RUN_CHILD("nobody: pid_notify pid=1 (EPERM, retry)", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(1, 0, "X=1"));
        RUN_CHILD("nobody: pid_notify pid=parent", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(getppid(), 0, "X=1"));
        RUN_CHILD("nobody: pid_notify pid=live root child", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(helper, 0, "X=1"));
        RUN_CHILD("nobody: pid_notify pid=INT_MAX", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(INT_MAX, 0, "X=1"));
        RUN_CHILD("nobody: pid_notify pid=-5", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(-5, 0, "X=1"));
        RUN_CHILD("nobody: pid_notify pid=1 u=1", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(1, 1, "X=1"));
        cur_fds(fds, 2);
        RUN_CHILD("nobody: with_fds pid=1 n=2 (retry keeps fds)", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify_with_fds(1, 0, "FDSTORE=1", fds, 2));
        cur_fds(&CLOSED_FD, 1);
        RUN_CHILD("nobody: with_fds pid=1 closed fd", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify_with_fds(1, 0, "FDSTORE=1", &CLOSED_FD, 1));
        cur_fds(NULL, 0);
        RUN_CHILD("nobody: pid_notifyf pid=1", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notifyf(1, 0, "P=%d", 1));
        RUN_CHILD("nobody: notify 212993 bytes", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_notify(0, big2));
        RUN_CHILD("nobody: notify 8388576 bytes", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_notify(0, big8));
        RUN_CHILD("nobody: notify 8388577 bytes", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_notify(0, big8p));
        set_ns(P("private.sock"));
        RUN_CHILD("nobody: NS=0600 root socket u=1", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_notify(1, "X=1"));
        RUN_CHILD("nobody: NS=0600 root socket pid=1", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(1, 0, "X=1"));
        set_ns(P("privdir/x.sock"));
        RUN_CHILD("nobody: NS=socket in 0700 dir", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_notify(0, "X=1"));
        set_ns(A(""));
        RUN_CHILD("nobody: NS=@$A pid=1", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(1, 0, "X=1"));

        set_ns(P("n.sock"));
        /* ruid != euid: credentials are always attached, carrying the real ids */
        RUN_CHILD("setuid-like r=0 e=65534 s=0: notify", BECOME(0, NOBODY, 0, 0, 0, 0), sd_notify(0, "X=1"));
        RUN_CHILD("setuid-like r=0 e=65534 s=0: pid_notify pid=getpid()", BECOME(0, NOBODY, 0, 0, 0, 0),
                  sd_pid_notify(getpid(), 0, "X=1"));
        RUN_CHILD("setuid-like r=0 e=65534 s=0: pid_notify pid=1", BECOME(0, NOBODY, 0, 0, 0, 0),
                  sd_pid_notify(1, 0, "X=1"));
        cur_fds(fds, 3);
        RUN_CHILD("setuid-like r=0 e=65534 s=0: with_fds n=3", BECOME(0, NOBODY, 0, 0, 0, 0),
                  sd_pid_notify_with_fds(0, 0, "X=1", fds, 3));
        cur_fds(NULL, 0);
        RUN_CHILD("setuid-root run by nobody r=65534 e=0: notify", BECOME(NOBODY, 0, NOBODY, 0, 0, 0),
                  sd_notify(0, "X=1"));
        RUN_CHILD("setuid-root run by nobody r=65534 e=0: pid_notify pid=1", BECOME(NOBODY, 0, NOBODY, 0, 0, 0),
                  sd_pid_notify(1, 0, "X=1"));
        RUN_CHILD("setgid-like g r=0 e=65534: notify", BECOME(0, 0, 0, 0, NOBODY, 0), sd_notify(0, "X=1"));
        RUN_CHILD("setgid-like g r=0 e=65534: pid_notify pid=1", BECOME(0, 0, 0, 0, NOBODY, 0),
                  sd_pid_notify(1, 0, "X=1"));
        RUN_CHILD("setgid-like g r=65534 e=0: notify", BECOME(0, 0, 0, NOBODY, 0, NOBODY), sd_notify(0, "X=1"));
        RUN_CHILD("nobody setgid-like g r=65534 e=0: notify", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, 0, NOBODY),
                  sd_notify(0, "X=1"));
        RUN_CHILD("nobody setgid-like g r=65534 e=0: pid_notify pid=1",
                  BECOME(NOBODY, NOBODY, NOBODY, NOBODY, 0, NOBODY), sd_pid_notify(1, 0, "X=1"));
        RUN_CHILD("setuid-like u=1: notify", BECOME(0, NOBODY, 0, 0, 0, 0), sd_notify(1, "X=1"));

        set_ns(P("n.sock"));
        /* fork after the parent used the library: the child's own pid must count as "self" */
        RUN("parent: pid_notify pid=getpid() (before fork)", sd_pid_notify(getpid(), 0, "X=1"));
        RUN_CHILD("child: pid_notify pid=getpid()", (void) 0, sd_pid_notify(getpid(), 0, "X=1"));
        RUN_CHILD("nobody child: pid_notify pid=getpid()", BECOME(NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY),
                  sd_pid_notify(getpid(), 0, "X=1"));

        kill(helper, SIGKILL);
        waitpid(helper, NULL, 0);
        pid_unname(helper);
        rcv_remove(priv);
        rcv_remove(privd);
        free(big8);
        free(big8p);
        free(big2);
        set_ns(NULL);
}

/* ------------------------------------------------------------------ resource failures */


static void resource_cases(void) {
        section("resource failures (children)");
        set_ns(P("n.sock"));
        RUN_CHILD("no free fd: notify u=0", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"), sd_notify(0, "X=1"));
        RUN_CHILD("no free fd: notify u=1", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"), sd_notify(1, "X=1"));
        RUN_CHILD("no free fd: pid_notify pid=1 u=1", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"),
                  sd_pid_notify(1, 1, "X=1"));
        RUN_CHILD("no free fd: notifyf u=1", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"), sd_notifyf(1, "X=%d", 1));
        RUN_CHILD("one free fd: notify u=1", if (fill_fd_table(1) < 0) CHILD_FAIL("fill"), sd_notify(1, "X=1"));
        set_ns(NULL);
        RUN_CHILD("no free fd: notify NS=unset", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"), sd_notify(1, "X=1"));
        set_ns("relative");
        RUN_CHILD("no free fd: notify NS=relative u=1", if (fill_fd_table(0) < 0) CHILD_FAIL("fill"),
                  sd_notify(1, "X=1"));

        /* a receiver whose queue is full: the send blocks; a signal without SA_RESTART ends it */
        int q = rcv_add(NULL, SOCK_DGRAM, P("full.sock"));
        int filler = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, P("full.sock"));
        int queued = 0;
        while (sendto(filler, "f", 1, 0, (struct sockaddr *) &sa, sizeof sa) == 1)
                queued++;
        printf("# receiver queue filled (%s after %s datagrams)\n", strerrorname_np(errno), queued > 0 ? ">0" : "0");
        set_ns(P("full.sock"));
        RUN_CHILD("full queue: notify, SIGALRM (no SA_RESTART) after 200ms",
                  start_signal_timer(200, 0), sd_notify(1, "X=1"));

        /* without a signal it stays blocked until the receiver reads */
        {
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0)
                        die("pipe");
                pid_t c = fork_flushed();
                if (c == 0) {
                        close(p[0]);
                        alarm(20);
                        int r = sd_notify(0, "UNBLOCKED=1");
                        (void) !write(p[1], &r, sizeof r);
                        _exit(0);
                }
                close(p[1]);
                struct pollfd pf = { p[0], POLLIN, 0 };
                int blocked = poll(&pf, 1, 500) == 0;
                char buf[32];
                /* read one filler datagram: that makes room for exactly the child's */
                int drained = recv(q, buf, sizeof buf, MSG_DONTWAIT) == 1;
                int r = -999;
                pf.revents = 0;
                if (poll(&pf, 1, 10000) == 1)
                        (void) !read(p[0], &r, sizeof r);
                waitpid(c, NULL, 0);
                close(p[0]);
                char got[256] = "<none>";
                ssize_t n;
                while ((n = recv(q, buf, sizeof buf - 1, MSG_DONTWAIT)) >= 0) {
                        buf[n] = 0;
                        snprintf(got, sizeof got, "[%zd]\"%s\"", n, buf); /* keep the last one */
                }
                printf("%-58s r=%s blocked-for-500ms=%s read-one=%s Q-last:%s\n",
                       "full queue: notify blocks until the receiver reads", rs(r), blocked ? "yes" : "NO",
                       drained ? "yes" : "no", got);
                fflush(stdout);
        }
        close(filler);
        close(q);
        set_ns(NULL);
}

int main(void) {
        common_init();
        if (geteuid() != 0) {
                fprintf(stderr, "notify-diff: must run as root\n");
                return 77;
        }
        RBUF = malloc(RBUF_SIZE);
        if (!RBUF)
                die("malloc");
        alarm(600);

        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                die("pipe");
        POOL[0] = pp[0];
        POOL[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int f = open(P("pool-file"), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        POOL[2] = f;
        /* an fd number that is certainly not open (and stays so: we never open that many) */
        CLOSED_FD = 1000;
        if (fcntl(CLOSED_FD, F_GETFD) >= 0)
                close(CLOSED_FD);

        rcv_add("R", SOCK_DGRAM, P("n.sock"));
        rcv_add("AB", SOCK_DGRAM, A(""));
        /* trap: the same abstract name plus a trailing NUL, where a library that counted the NUL
         * in msg_namelen would deliver */
        {
                char tmp[108];
                size_t l = strlen(ABSNAME);
                tmp[0] = 0;
                memcpy(tmp + 1, ABSNAME, l);
                tmp[1 + l] = 0;
                rcv_add_raw("AB+NUL", SOCK_DGRAM, tmp, l + 2, 1);
        }

        printf("# notify-diff: sd_notify family against %s\n", "libsystemd.so.0");
        ns_forms();
        states();
        printfs();
        fds_cases();
        pid_cases();
        cred_cases();
        resource_cases();
        printf("# end\n");
        return 0;
}
