/* Must NOT compile with -Wformat -Werror: the printf format attribute of the variadic
 * functions has to catch a mismatched argument. tests/suites/11-header.sh builds it once per
 * -DCALL=1..6 and expects a -Wformat error each time (4..6: sd-journal.h, with and without its
 * location macros; sd_journal_send's arguments are not checked, its attribute being
 * printf(1, 0) in systemd's header too, but its NULL sentinel is). */
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

int bad(void);
int bad(void) {
#if CALL == 1
    return sd_notifyf(0, "STATUS=%d", "not an int");
#elif CALL == 2
    return sd_pid_notifyf(0, 0, "MAINPID=%s", 42);
#elif CALL == 3
    return sd_pid_notifyf_with_fds(0, 0, (const int *)0, 0, "FDNAME=%d", "not an int");
#elif CALL == 4
    return sd_journal_print(6, "%d", "not an int");
#elif CALL == 5
    return sd_journal_print_with_location(6, "CODE_FILE=f", "CODE_LINE=1", "f", "%s", 42);
#elif CALL == 6
    return sd_journal_send("MESSAGE=%s", "no sentinel");
#else
#error "define CALL"
#endif
}
