//! sd_notify_barrier(): send `BARRIER=1` with the write end of a pipe, then wait until the
//! manager has closed its copy, i.e. has processed everything sent before.

use crate::errno::{Errno, Result};
use super::notify::{self, FdArray, Message};
use crate::sys;
use libc::pid_t;

/// sd_notify_barrier() as in 252, which leaves `$NOTIFY_SOCKET` alone when it cannot make the pipe.
pub fn notify_barrier(unset: bool, timeout_usec: u64) -> Result<libc::c_int> {
    let pipe = sys::pipe2_cloexec()?;
    wait_for_manager(pipe, 0, unset, timeout_usec)
}

/// sd_pid_notify_barrier() (systemd 254), which also unsets when it cannot make the pipe.
pub fn pid_notify_barrier(pid: pid_t, unset: bool, timeout_usec: u64) -> Result<libc::c_int> {
    match sys::pipe2_cloexec() {
        Ok(pipe) => wait_for_manager(pipe, pid, unset, timeout_usec),
        Err(e) => notify::unset_if(unset, Err(e)),
    }
}

/// Ok(0) when `$NOTIFY_SOCKET` is unset, Ok(1) when the manager caught up, ETIMEDOUT otherwise.
/// `timeout_usec == u64::MAX` waits forever. `$NOTIFY_SOCKET` is removed (when asked) as soon
/// as the barrier message is sent, before the wait, as libsystemd's sd_pid_notify_with_fds()
/// call does it: a thread or signal handler looking during the wait sees it gone.
fn wait_for_manager(pipe: (sys::Fd, sys::Fd), pid: pid_t, unset: bool, timeout_usec: u64) -> Result<libc::c_int> {
    let (read_end, write_end) = pipe;
    let sent = notify::unset_if(
        unset,
        notify::send_to_manager(&Message { pid, state: b"BARRIER=1", fds: FdArray::Fds(&[write_end.raw()]) }),
    )?;
    if sent == 0 {
        return Ok(0);
    }
    drop(write_end);
    // No events requested: POLLHUP arrives by itself once the last write end is closed.
    let revents = sys::ppoll_one(&read_end, 0, timespec(timeout_usec))?;
    if revents & libc::POLLNVAL != 0 {
        return Err(Errno::EBADF);
    }
    if revents == 0 {
        return Err(Errno::ETIMEDOUT);
    }
    Ok(1)
}

/// systemd's timespec_store() as ppoll_usec() uses it: infinity means no timeout.
fn timespec(usec: u64) -> Option<libc::timespec> {
    if usec == u64::MAX {
        return None;
    }
    Some(libc::timespec { tv_sec: (usec / 1_000_000) as libc::time_t, tv_nsec: ((usec % 1_000_000) * 1000) as _ })
}
