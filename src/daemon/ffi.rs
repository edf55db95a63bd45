//! The C surface: libsystemd's exported functions with its exact signatures. Raw pointers are
//! checked and turned into references here, and results into `-errno`, and nowhere else.
//!
//! The variadic `sd_notifyf`, `sd_pid_notifyf` and `sd_pid_notifyf_with_fds` are in
//! `csrc/notifyf.c` (stable Rust cannot define C variadics); they format with vasprintf and call
//! `sdlite_pid_notify_with_fds` below.
//!
//! The safety contract of every function is the one its libsystemd man page states for C callers
//! (valid C strings, arrays of the stated length, writable out-pointers); the docs here become
//! the header's comments, so they are not repeated as `# Safety` sections.
#![allow(clippy::missing_safety_doc)]

use super::barrier;
use super::booted;
use crate::cmsg::MAX_FDS;
use crate::errno::{to_c, Errno, Result};
use super::fdcheck;
use super::listen::{self, Names};
use super::notify::{self, FdArray};
use super::watchdog;
use core::ffi::CStr;
use libc::{c_char, c_int, c_uint, pid_t};

/// # Safety
/// `p` is null or a NUL-terminated string that outlives the call.
unsafe fn c_str<'a>(p: *const c_char) -> Option<&'a CStr> {
    // SAFETY: per the function contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
}

fn to_c_bool(r: Result<bool>) -> c_int {
    to_c(r.map(c_int::from))
}

/// # Safety
/// `p` is null or a NUL-terminated string that outlives the call.
unsafe fn bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the function contract.
    unsafe { c_str(p) }.map(CStr::to_bytes)
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
    notify::unset_environment();
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

/// Returns how many file descriptors were passed by socket activation (they start at
/// SD_LISTEN_FDS_START and are made close-on-exec), 0 if none are meant for this process, or a
/// negative errno. With `unset_environment` non-zero, `$LISTEN_PID`, `$LISTEN_FDS`,
/// `$LISTEN_FDNAMES` and `$LISTEN_PIDFDID` are removed on every path.
#[no_mangle]
pub extern "C" fn sd_listen_fds(unset_environment: c_int) -> c_int {
    let r = listen::listen_fds();
    if unset_environment != 0 {
        listen::unset_environment();
    }
    to_c(r)
}

/// Like sd_listen_fds(), also returning in `*names` a NULL-terminated array of the fds' names
/// (`$LISTEN_FDNAMES`, or "unknown" for each), allocated with malloc(3): free each string and
/// the array. `*names` is left untouched when the result is 0 or negative.
#[no_mangle]
pub unsafe extern "C" fn sd_listen_fds_with_names(unset_environment: c_int, names: *mut *mut *mut c_char) -> c_int {
    if names.is_null() {
        return sd_listen_fds(unset_environment);
    }
    let r = listen::listen_fds_with_names(|n, given| {
        let array = strv_new(n as usize, given)?;
        // SAFETY: `names` is a non-null, writable char *** per sd_listen_fds_with_names(3).
        unsafe { *names = array };
        Ok(())
    });
    if unset_environment != 0 {
        listen::unset_environment();
    }
    to_c(r)
}

/// A malloc'd, NULL-terminated array of `n` malloc'd strings, as callers free() it.
fn strv_new(n: usize, names: Names) -> Result<*mut *mut c_char> {
    let size = (n + 1).checked_mul(core::mem::size_of::<*mut c_char>()).ok_or(Errno::ENOMEM)?;
    // SAFETY: plain allocation.
    let array = unsafe { libc::calloc(1, size) }.cast::<*mut c_char>();
    if array.is_null() {
        return Err(Errno::ENOMEM);
    }
    // SAFETY: `array` holds n + 1 zeroed pointers.
    let slots = unsafe { core::slice::from_raw_parts_mut(array, n + 1) };
    let mut words = match &names {
        Names::Given(given) => Some(given.words()),
        Names::Unknown => None,
    };
    for slot in slots.iter_mut().take(n) {
        let word = words.as_mut().map_or(Some(&b"unknown"[..]), |w| w.next()).unwrap_or(b"");
        // SAFETY: plain allocation of the escaped length + NUL, which bounds the unescaped one.
        let s = unsafe { libc::malloc(word.len() + 1) }.cast::<u8>();
        if s.is_null() {
            strv_free(slots);
            // SAFETY: allocated above.
            unsafe { libc::free(array.cast()) };
            return Err(Errno::ENOMEM);
        }
        // SAFETY: `s` has word.len() + 1 bytes.
        listen::unescape_to_c(word, unsafe { core::slice::from_raw_parts_mut(s, word.len() + 1) });
        *slot = s.cast();
    }
    Ok(array)
}

fn strv_free(slots: &mut [*mut c_char]) {
    for p in slots.iter().filter(|p| !p.is_null()) {
        // SAFETY: each non-null slot was malloc'd by strv_new.
        unsafe { libc::free(p.cast()) };
    }
}

/// 1 if `fd` is a FIFO (and, when `path` is not NULL, the FIFO at `path`), 0 if not, or a
/// negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_is_fifo(fd: c_int, path: *const c_char) -> c_int {
    // SAFETY: `path` is NULL or a C string, per sd_is_fifo(3).
    to_c_bool(fdcheck::is_fifo(fd, unsafe { c_str(path) }))
}

/// 1 if `fd` is a regular file or character device (and, when `path` is not NULL, the same
/// file or device as `path`), 0 if not, or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_is_special(fd: c_int, path: *const c_char) -> c_int {
    // SAFETY: `path` is NULL or a C string, per sd_is_special(3).
    to_c_bool(fdcheck::is_special(fd, unsafe { c_str(path) }))
}

/// 1 if `fd` is a socket of `family` (0: any) and `type` (0: any), listening if `listening`
/// > 0, not listening if 0, either if < 0; 0 if not; or a negative errno.
#[no_mangle]
pub extern "C" fn sd_is_socket(fd: c_int, family: c_int, r#type: c_int, listening: c_int) -> c_int {
    to_c_bool(fdcheck::is_socket(fd, family, r#type, listening))
}

/// Like sd_is_socket() for AF_INET/AF_INET6 (`family` 0: either), bound to `port` (host byte
/// order; 0: any).
#[no_mangle]
pub extern "C" fn sd_is_socket_inet(fd: c_int, family: c_int, r#type: c_int, listening: c_int, port: u16) -> c_int {
    to_c_bool(fdcheck::is_socket_inet(fd, family, r#type, listening, port))
}

/// Like sd_is_socket() for an Internet socket bound to exactly `addr` (a sockaddr_in or
/// sockaddr_in6 of `addr_len` bytes; a zero port, flow info or scope matches any).
#[no_mangle]
pub unsafe extern "C" fn sd_is_socket_sockaddr(
    fd: c_int,
    r#type: c_int,
    addr: *const libc::sockaddr,
    addr_len: c_uint,
    listening: c_int,
) -> c_int {
    // libsystemd reads at most a sockaddr_in6 of the caller's, and only within addr_len.
    let readable = (addr_len as usize).min(core::mem::size_of::<libc::sockaddr_in6>());
    let addr = (!addr.is_null()).then(|| {
        // SAFETY: the caller declared `addr_len` bytes readable at `addr`.
        unsafe { core::slice::from_raw_parts(addr.cast::<u8>(), readable) }
    });
    to_c_bool(fdcheck::is_socket_sockaddr(fd, r#type, addr, addr_len as usize, listening))
}

/// 1 if `fd` is an AF_UNIX socket of `type` (0: any), listening as sd_is_socket() says, and
/// bound to `path` when not NULL: `length` 0 for a file-system path, or the length including
/// the leading NUL for an abstract one.
#[no_mangle]
pub unsafe extern "C" fn sd_is_socket_unix(
    fd: c_int,
    r#type: c_int,
    listening: c_int,
    path: *const c_char,
    length: usize,
) -> c_int {
    let prefix = move |k: usize| -> &[u8] {
        // `is_socket_unix` asks only for as many bytes as the socket's own name has (at most a
        // sockaddr_un's path): never a length taken from the caller unchecked, so a wrapped or
        // absurd `length` cannot make a slice beyond what exists. The bound here is a second
        // guard for that rule.
        let k = k.min(core::mem::size_of::<libc::sockaddr_un>());
        // SAFETY: libsystemd's contract: `path` holds `length` bytes (or is a C string when
        // `length` is 0); `is_socket_unix` reads at most length + 1 bytes of a path whose first
        // byte is not NUL (its terminator, or the byte after a shorter explicit length) and at
        // most `length` of an abstract one, and only when that many fit the socket's name.
        unsafe { core::slice::from_raw_parts(path.cast::<u8>(), k) }
    };
    let path = (!path.is_null()).then(|| {
        // SAFETY: non-null `path` is a C string when `length` is 0.
        let length = if length == 0 { unsafe { CStr::from_ptr(path) }.to_bytes().len() } else { length };
        (length, prefix)
    });
    to_c_bool(fdcheck::is_socket_unix(fd, r#type, listening, path))
}

/// 1 if `fd` is a POSIX message queue (named `path`, e.g. "/queue", when not NULL), 0 if not,
/// or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_is_mq(fd: c_int, path: *const c_char) -> c_int {
    // SAFETY: `path` is NULL or a C string, per sd_is_mq(3).
    to_c_bool(fdcheck::is_mq(fd, unsafe { c_str(path) }))
}
