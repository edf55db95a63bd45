//! The C surface: libsystemd's exported functions with its exact signatures. Raw pointers are
//! checked and turned into references here, and results into `-errno`, and nowhere else.
//!
//! The variadic `sd_notifyf`, `sd_pid_notifyf` and `sd_pid_notifyf_with_fds` are in
//! `csrc/notifyf.c` (stable Rust cannot define C variadics); they format with vasprintf and call
//! `sdlite_pid_notify_with_fds` below.

use crate::barrier;
use crate::booted;
use crate::cmsg::MAX_FDS;
use crate::errno::{to_c, Errno, Result};
use crate::notify::{self, FdArray};
use crate::watchdog;
use core::ffi::CStr;
use libc::{c_char, c_int, c_uint, pid_t};

/// # Safety
/// `p` is null or a NUL-terminated string that outlives the call.
unsafe fn bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the function contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// # Safety
/// `fds` is null or points at `n` readable ints when `n <= MAX_FDS`. Beyond that the array is
/// never read (the kernel refuses the count first), so libsystemd's contract is all we rely on.
unsafe fn fd_array<'a>(fds: *const c_int, n: usize) -> Result<FdArray<'a>> {
    match n {
        0 => Ok(FdArray::Fds(&[])),
        _ if fds.is_null() => Err(Errno::EINVAL),
        // SAFETY: per the function contract.
        n if n <= MAX_FDS => Ok(FdArray::Fds(unsafe { core::slice::from_raw_parts(fds, n) })),
        n => Ok(FdArray::TooMany(n)),
    }
}

/// Sends `state` to the service manager. See sd_notify(3).
///
/// Returns 1 when sent, 0 when `$NOTIFY_SOCKET` is unset, a negative errno on failure.
/// With `unset_environment` non-zero, `$NOTIFY_SOCKET` is removed afterwards on every path
/// (unsetenv(3), not thread-safe).
///
/// Async-signal-safe and thread-safe when `unset_environment` is 0: no allocation, no lock.
#[no_mangle]
pub unsafe extern "C" fn sd_notify(unset_environment: c_int, state: *const c_char) -> c_int {
    // SAFETY: `state` is a C string or null, per sd_notify(3).
    unsafe { sdlite_pid_notify_with_fds(0, unset_environment, state, core::ptr::null(), 0) }
}

/// Like sd_notify(), on behalf of process `pid` (0 means the caller); sending for another
/// process needs privileges, and falls back to the caller's own credentials when refused.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_notify(pid: pid_t, unset_environment: c_int, state: *const c_char) -> c_int {
    // SAFETY: as for sd_notify.
    unsafe { sdlite_pid_notify_with_fds(pid, unset_environment, state, core::ptr::null(), 0) }
}

/// Like sd_pid_notify(), also passing `n_fds` file descriptors (SCM_RIGHTS), e.g. with
/// `FDSTORE=1`.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_notify_with_fds(
    pid: pid_t,
    unset_environment: c_int,
    state: *const c_char,
    fds: *const c_int,
    n_fds: c_uint,
) -> c_int {
    // SAFETY: arguments as sd_pid_notify_with_fds(3) requires.
    unsafe { sdlite_pid_notify_with_fds(pid, unset_environment, state, fds, n_fds as usize) }
}

/// The shared entry of the sd_*notify* functions, including the variadic ones in C.
///
/// # Safety
/// `state` is null or a C string; `fds` is null or holds `n_fds` ints.
#[no_mangle]
pub unsafe extern "C" fn sdlite_pid_notify_with_fds(
    pid: pid_t,
    unset_environment: c_int,
    state: *const c_char,
    fds: *const c_int,
    n_fds: usize,
) -> c_int {
    // SAFETY: per this function's contract.
    let (state, fds) = unsafe { (bytes(state), fd_array(fds, n_fds)) };
    to_c(notify::pid_notify_with_fds(pid, unset_environment != 0, state, fds))
}

/// Used by the variadic functions when formatting fails (systemd 254+ semantics).
#[no_mangle]
pub extern "C" fn sdlite_unset_notify_socket() {
    let _ = notify::unset_if(true, Ok(()));
}

/// Waits until the service manager has processed every message sent before, up to `timeout`
/// µs (`UINT64_MAX`: no limit). Returns 1, 0 when `$NOTIFY_SOCKET` is unset, -ETIMEDOUT, or
/// another negative errno.
#[no_mangle]
pub extern "C" fn sd_notify_barrier(unset_environment: c_int, timeout: u64) -> c_int {
    to_c(barrier::notify_barrier(unset_environment != 0, timeout))
}

/// Like sd_notify_barrier(), on behalf of process `pid` (systemd 254).
#[no_mangle]
pub extern "C" fn sd_pid_notify_barrier(pid: pid_t, unset_environment: c_int, timeout: u64) -> c_int {
    to_c(barrier::pid_notify_barrier(pid, unset_environment != 0, timeout))
}

/// Returns 1 and stores the interval in `*usec` (when not NULL) if the manager expects
/// `WATCHDOG=1` from this process every `usec` µs (send it every `usec`/2); 0 if not; a negative
/// errno when `$WATCHDOG_USEC`/`$WATCHDOG_PID` are malformed. With `unset_environment` non-zero,
/// both variables are removed on every path.
#[no_mangle]
pub unsafe extern "C" fn sd_watchdog_enabled(unset_environment: c_int, usec: *mut u64) -> c_int {
    let r = watchdog::enabled();
    if unset_environment != 0 {
        watchdog::unset_environment();
    }
    to_c(r.map(|found| match found {
        Some(u) => {
            if !usec.is_null() {
                // SAFETY: a non-null `usec` points at a writable uint64_t, per sd_watchdog_enabled(3).
                unsafe { *usec = u };
            }
            1
        }
        None => 0,
    }))
}

/// Returns 1 if the system was booted with systemd, 0 if not, a negative errno on error.
#[no_mangle]
pub extern "C" fn sd_booted() -> c_int {
    to_c(booted::booted().map(c_int::from))
}
