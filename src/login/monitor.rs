//! sd_login_monitor: an inotify descriptor watching logind's state directories for files moved
//! into place (logind writes a temporary file and renames it) or removed. As in 252 the monitor
//! is the descriptor itself (the handle is fd + 1), so it holds no memory and unref is close(2).

use crate::errno::{Errno, Result};
use crate::sys;

/// The categories and the directory each watches.
const CATEGORIES: [(&[u8], &core::ffi::CStr); 4] = [
    (b"seat", c"/run/systemd/seats/"),
    (b"session", c"/run/systemd/sessions/"),
    (b"uid", c"/run/systemd/users/"),
    (b"machine", c"/run/systemd/machines/"),
];

/// A new monitor of `category` (None: all four): its descriptor, non-blocking and close-on-exec.
/// -ENOENT when a directory to watch does not exist (logind never ran), -EINVAL for an unknown
/// category.
pub fn new(category: Option<&[u8]>) -> Result<libc::c_int> {
    let fd = sys::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC)?;
    let mut good = false;
    for (name, dir) in CATEGORIES {
        if category.is_none_or(|c| c == name) {
            sys::inotify_add_watch(&fd, dir, libc::IN_MOVED_TO | libc::IN_DELETE)?;
            good = true;
        }
    }
    if !good {
        return Err(Errno::EINVAL);
    }
    Ok(sys::into_raw(fd))
}

/// Reads and drops every pending event (252's flush_fd: poll without waiting, read, again).
pub fn flush(fd: libc::c_int) -> Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        match sys::poll_raw(fd, libc::POLLIN, 0) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(0) => return Ok(()),
            Ok(_) => {}
        }
        match sys::read_raw(fd, &mut buf) {
            Err(Errno::EINTR) => continue,
            Err(Errno::EAGAIN) | Ok(0) => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
    }
}
