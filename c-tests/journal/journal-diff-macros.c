/* c-tests/journal/journal-diff-macros.c -- the header's location macros, differentially.
 *
 * Built twice against Debian's <systemd/sd-journal.h> and -lsystemd: once as is (sd_journal_print,
 * printv, send, sendv and perror become their *_with_location forms, with CODE_FILE=__FILE__,
 * CODE_LINE=__LINE__ and __func__ taken from this file) and once with
 * -DSD_JOURNAL_SUPPRESS_LOCATION (the plain functions). Each binary is run on libsystemd 252 and
 * on sdlite like journal-diff (see jprobe.h); the outputs must be identical. The two builds'
 * outputs must differ from each other (the suite checks that as well): that shows the comparison
 * sees the location fields.
 */
#define TESTLIB_PROG "journal-diff-macros"
#include "jprobe.h"

static int via_printv(int prio, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = sd_journal_printv(prio, fmt, ap);
        va_end(ap);
        return r;
}

static int a_function_with_a_rather_long_name_to_see_that_code_func_is_not_cut_anywhere(void) {
        return sd_journal_print(LOG_INFO, "from a long-named function");
}

static struct iovec two[] = { { (void *) "MESSAGE=via sendv", 17 }, { (void *) "X=2\n3", 5 } };

int main(void) {
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        jp_start();
#ifdef SD_JOURNAL_SUPPRESS_LOCATION
        section("built with SD_JOURNAL_SUPPRESS_LOCATION: the plain functions");
#else
        section("built without SD_JOURNAL_SUPPRESS_LOCATION: the location macros");
#endif
        J(sd_journal_print(LOG_INFO, "via print %d", 1));
        J(sd_journal_print(LOG_INFO, "  "));
        J(sd_journal_print(LOG_INFO, NULL));
        J(sd_journal_print(9, "x"));
        J(sd_journal_print(LOG_ERR, "multi\nline"));
        J(via_printv(LOG_WARNING, "via printv %s", "x"));
        J(sd_journal_send("MESSAGE=via send", "X=%d", 2, NULL));
        J(sd_journal_send(NULL));
        J(sd_journal_send("bad", NULL));
        J(sd_journal_send("SYSLOG_IDENTIFIER=mine", NULL));
        J(sd_journal_sendv(two, 2));
        J(sd_journal_sendv(two, 0));
        J(sd_journal_sendv(NULL, 1));
        errno = ENOENT;
        J(sd_journal_perror("via perror"));
        J(sd_journal_perror(NULL));
        J(a_function_with_a_rather_long_name_to_see_that_code_func_is_not_cut_anywhere());
        J((sd_journal_print)(LOG_INFO, "no macro: the function itself"));
        J((sd_journal_send)("MESSAGE=no macro", NULL));
        J((sd_journal_perror)("no macro"));
        jp_stop();
        printf("== end\n");
        return 0;
}
