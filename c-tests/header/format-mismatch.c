/* Must NOT compile with -Wformat -Werror: the printf format attribute of the variadic
 * functions has to catch a mismatched argument. tests/suites/11-header.sh builds it once per
 * -DCALL=1|2|3 and expects a -Wformat error each time. */
#include <systemd/sd-daemon.h>

int bad(void);
int bad(void) {
#if CALL == 1
    return sd_notifyf(0, "STATUS=%d", "not an int");
#elif CALL == 2
    return sd_pid_notifyf(0, 0, "MAINPID=%s", 42);
#elif CALL == 3
    return sd_pid_notifyf_with_fds(0, 0, (const int *)0, 0, "FDNAME=%d", "not an int");
#else
#error "define CALL"
#endif
}
