/* sdlite's <systemd/sd-daemon.h> and systemd's own headers in one translation unit (a program
 * using sd-journal from systemd and sd-daemon from sdlite, or vice versa). Built by
 * tests/suites/11-header.sh with -I<sdlite>/include -Wall -Wextra -Werror: no macro may be
 * redefined (_sd_printf_, SD_*), and systemd's sd-daemon.h after ours must be a no-op (same
 * include guard). -DSYSTEMD_FIRST puts systemd's sd-journal.h first. Compile only. */
#ifdef SYSTEMD_FIRST
#include "/usr/include/systemd/sd-journal.h"
#include <systemd/sd-daemon.h>
#else
#include <systemd/sd-daemon.h>
#include "/usr/include/systemd/sd-journal.h"
#endif
#include "/usr/include/systemd/sd-daemon.h"

#ifndef foosddaemonhfoo
#error "sdlite's header does not use systemd's include guard foosddaemonhfoo"
#endif
#ifndef _sd_printf_
#error "_sd_printf_ is not defined"
#endif

int both(void);
int both(void) {
    int r = sd_journal_print(LOG_INFO, SD_INFO "%s %d", "both headers", 1);
    r += sd_notifyf(0, "STATUS=%s", "both headers");
    return r + sd_booted() + SD_LISTEN_FDS_START;
}
