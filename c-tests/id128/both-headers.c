/* sdlite's <systemd/sd-id128.h> and systemd's own headers in one translation unit: a program
 * using sd-journal from systemd (whose sd-journal.h includes systemd's sd-id128.h and
 * _sd-common.h) and sd-id128 from sdlite, or the other way round, and sdlite's two headers
 * together. Built by tests/suites/13-header-id128.sh with -I<sdlite>/include -Wall -Wextra
 * -Werror: no macro may be redefined (_sd_const_, _SD_ARRAY_STATIC, SD_ID128_*), and whichever
 * sd-id128.h comes second must be a no-op (same include guard). -DSYSTEMD_FIRST puts systemd's
 * sd-journal.h first. Compile only. */
#ifdef SYSTEMD_FIRST
#include "/usr/include/systemd/sd-journal.h"
#include <systemd/sd-id128.h>
#include <systemd/sd-daemon.h>
#else
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include "/usr/include/systemd/sd-journal.h"
#endif
#include "/usr/include/systemd/sd-id128.h"

#ifndef foosdid128hfoo
#error "no sd-id128.h include guard foosdid128hfoo"
#endif
#if !defined(_sd_const_) || !defined(_SD_ARRAY_STATIC)
#error "_sd_const_ or _SD_ARRAY_STATIC is not defined"
#endif

int both(void);
int both(void) {
    sd_id128_t boot = { { 0 } };
    char s[SD_ID128_STRING_MAX];
    int r = sd_id128_get_boot(&boot);
    r += sd_journal_print(LOG_INFO, "boot " SD_ID128_FORMAT_STR, SD_ID128_FORMAT_VAL(boot));
    r += sd_journal_send("MESSAGE_ID=%s", sd_id128_to_string(boot, s), "PRIORITY=6", NULL);
    return r + sd_id128_is_null(boot) + sd_notify(0, "READY=1") + SD_LISTEN_FDS_START;
}
