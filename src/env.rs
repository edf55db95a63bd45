//! The process environment: read from libc's `environ` (the array getenv(3) reads) and changed
//! through libc's own `unsetenv`, so that C callers see exactly what libsystemd would have left
//! behind.

use core::ffi::CStr;
use libc::c_char;

extern "C" {
    /// glibc's `environ` (the same object as `__environ`, which getenv and unsetenv use).
    static environ: *const *const c_char;
}

/// The value of `name`: that of the first `name=value` entry of `environ`, which is what
/// getenv(3) returns. Scanned here rather than through getenv, whose strlen and strncmp calls
/// were a fifth of the instructions of a whole sd_notify. The borrow is only valid until the
/// environment is next modified: callers finish parsing before they unset anything (as
/// libsystemd does).
pub fn get(name: &CStr) -> Option<&'static CStr> {
    let name = name.to_bytes();
    // SAFETY: reads the pointer; another thread changing the environment meanwhile is the
    // caller's race, exactly as with getenv.
    let mut entry = unsafe { environ };
    if entry.is_null() {
        return None;
    }
    loop {
        // SAFETY: `entry` points into environ, a null-terminated array, at most at its null.
        let e = unsafe { *entry };
        if e.is_null() {
            return None;
        }
        // SAFETY: `e` is a NUL-terminated entry of the environment.
        if let Some(v) = unsafe { value_of(e.cast(), name) } {
            return Some(v);
        }
        // SAFETY: `e` was not the terminating null, so the array goes on.
        entry = unsafe { entry.add(1) };
    }
}

/// The value in `entry` when it reads `name=value`.
///
/// # Safety
/// `entry` is a NUL-terminated string that stays until the environment is next modified.
unsafe fn value_of(entry: *const u8, name: &[u8]) -> Option<&'static CStr> {
    for (i, &c) in name.iter().enumerate() {
        // SAFETY: bytes 0..i of `entry` equal `name`'s, none of them NUL (a variable name has
        // none), so the entry's NUL is at i or later: byte i is inside the string.
        if unsafe { *entry.add(i) } != c {
            return None;
        }
    }
    // SAFETY: as above, for i = name.len().
    if unsafe { *entry.add(name.len()) } != b'=' {
        return None;
    }
    // SAFETY: after the '=' comes the rest of the NUL-terminated entry.
    Some(unsafe { CStr::from_ptr(entry.add(name.len() + 1).cast()) })
}

/// secure_getenv(3): `get`, except that a process running set-user-ID, set-group-ID or with
/// gained capabilities sees no variable at all (libsystemd reads `$INVOCATION_ID` this way).
pub fn secure_get(name: &CStr) -> Option<&'static CStr> {
    if crate::sys::secure_execution() {
        None
    } else {
        get(name)
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
pub const INVOCATION_ID: &CStr = c"INVOCATION_ID";
