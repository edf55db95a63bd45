//! The process environment, read and changed through libc's own `getenv`/`unsetenv`, so that C
//! callers see exactly what libsystemd would have left behind.

use core::ffi::CStr;

/// The value of `name`. The borrow is only valid until the environment is next modified: callers
/// finish parsing before they unset anything (as libsystemd does).
pub fn get(name: &CStr) -> Option<&'static CStr> {
    // SAFETY: `name` is NUL-terminated; getenv returns null or a NUL-terminated string.
    let p = unsafe { libc::getenv(name.as_ptr()) };
    if p.is_null() {
        None
    } else {
        // SAFETY: non-null, NUL-terminated, lives in environ (see the lifetime note above).
        Some(unsafe { CStr::from_ptr(p) })
    }
}

pub fn unset(name: &CStr) {
    // unsetenv only fails for an invalid name; ours are constants.
    // SAFETY: `name` is NUL-terminated.
    unsafe { libc::unsetenv(name.as_ptr()) };
}

pub const NOTIFY_SOCKET: &CStr = c"NOTIFY_SOCKET";
pub const WATCHDOG_USEC: &CStr = c"WATCHDOG_USEC";
pub const WATCHDOG_PID: &CStr = c"WATCHDOG_PID";
pub const LISTEN_PID: &CStr = c"LISTEN_PID";
pub const LISTEN_FDS: &CStr = c"LISTEN_FDS";
pub const LISTEN_FDNAMES: &CStr = c"LISTEN_FDNAMES";
pub const LISTEN_PIDFDID: &CStr = c"LISTEN_PIDFDID";
