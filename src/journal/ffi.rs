//! The C surface of the journal's sending side: libsystemd's exported functions with its exact
//! signatures. Raw pointers become slices here and nowhere else.
//!
//! The printf-style functions (sd_journal_print, printv, send and their `_with_location`
//! forms) are in `csrc/journal.c`: they format, then call `sdlite_journal_sendv` or
//! `sdlite_journal_send_located` below, which C code reaches without going through the
//! exported (interposable) names.
//!
//! errno: every function leaves it as it found it, as libsystemd does, unless it was negative
//! on entry (libsystemd's PROTECT_ERRNO restores only values >= 0).
#![allow(clippy::missing_safety_doc)]

use super::{Entries, Field};
use crate::errno::{set_errno, to_c, Errno, Result};
use core::ffi::CStr;
use libc::{c_char, c_int, iovec};

fn errno() -> c_int {
    Errno::last().0
}

/// Runs `f` and puts errno back as it was when it is not negative.
fn preserving_errno(f: impl FnOnce() -> Result<()>) -> c_int {
    let saved = errno();
    let r = to_c(f().map(|()| 0));
    if saved >= 0 {
        set_errno(saved);
    }
    r
}

/// # Safety
/// `p` is null or a NUL-terminated string that outlives the call.
unsafe fn bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the function contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A caller's iovec array (empty for a null pointer).
///
/// # Safety
/// `iov` is null or points at `n` iovecs, each describing `iov_len` readable bytes at its base
/// when that is not null.
unsafe fn iovecs<'a>(iov: *const iovec, n: usize) -> &'a [iovec] {
    if iov.is_null() {
        return &[];
    }
    // SAFETY: per the function contract.
    unsafe { core::slice::from_raw_parts(iov, n) }
}

/// The entry an iovec describes, None for a NULL base.
///
/// # Safety
/// A non-null `iov_base` has `iov_len` readable bytes that outlive `'a` (what `iovecs`' callers
/// promise for every iovec of the array).
unsafe fn entry<'a>(v: &iovec) -> Option<Field<'a>> {
    // SAFETY: per the function contract.
    (!v.iov_base.is_null()).then(|| Field::whole(unsafe { core::slice::from_raw_parts(v.iov_base.cast(), v.iov_len) }))
}

/// The three location entries: `file` and `line` are whole entries ("CODE_FILE=…",
/// "CODE_LINE=…"), `func` a bare name that gets "CODE_FUNC=". libsystemd crashes on a NULL
/// one; here that is -EINVAL.
///
/// # Safety
/// Each pointer is null or a NUL-terminated string that outlives the call.
unsafe fn location<'a>(file: *const c_char, line: *const c_char, func: *const c_char) -> Result<[Field<'a>; 3]> {
    // SAFETY: per the function contract.
    match unsafe { (bytes(file), bytes(line), bytes(func)) } {
        (Some(file), Some(line), Some(func)) => {
            Ok([Field::whole(file), Field::whole(line), Field::joined(&[b"CODE_FUNC=", func])])
        }
        _ => Err(Errno::EINVAL),
    }
}

/// Sends one entry made of the `n` fields in `iov` (each "NAME=value"; a value may hold any
/// byte, newlines included) to the journal. Returns 0 (also when journald is not running) or
/// a negative errno. errno is left unchanged.
///
/// Thread-safe and async-signal-safe: no lock and no malloc (an entry of more than 2 KiB and
/// more than a few dozen fields is built in an anonymous mapping).
#[no_mangle]
pub unsafe extern "C" fn sd_journal_sendv(iov: *const iovec, n: c_int) -> c_int {
    // SAFETY: as sd_journal_sendv(3) requires of the caller.
    unsafe { sdlite_journal_sendv(iov, n) }
}

/// Like sd_journal_sendv(), with CODE_FILE, CODE_LINE and CODE_FUNC entries added after the
/// caller's (what the sd_journal_sendv macro passes).
#[no_mangle]
pub unsafe extern "C" fn sd_journal_sendv_with_location(
    file: *const c_char,
    line: *const c_char,
    func: *const c_char,
    iov: *const iovec,
    n: c_int,
) -> c_int {
    if iov.is_null() || n <= 0 {
        return -libc::EINVAL;
    }
    // SAFETY: as sd_journal_sendv(3) requires of the caller.
    unsafe { sdlite_journal_send_located(file, line, func, iov, n, 0) }
}

/// Logs `message` (may be NULL or empty), a colon and the text of the current errno at
/// priority LOG_ERR, with an ERRNO= entry. Returns 0 or a negative errno; errno is unchanged.
#[no_mangle]
pub unsafe extern "C" fn sd_journal_perror(message: *const c_char) -> c_int {
    // SAFETY: `message` is null or a C string, per sd_journal_perror(3).
    let message = unsafe { bytes(message) };
    perror(None, message)
}

/// Like sd_journal_perror(), with CODE_FILE, CODE_LINE and CODE_FUNC entries first.
#[no_mangle]
pub unsafe extern "C" fn sd_journal_perror_with_location(
    file: *const c_char,
    line: *const c_char,
    func: *const c_char,
    message: *const c_char,
) -> c_int {
    // SAFETY: each is null or a C string, per sd_journal_perror(3).
    let (location, message) = unsafe { (location(file, line, func), bytes(message)) };
    match location {
        Ok(l) => perror(Some(l), message),
        Err(e) => to_c(Err(e)),
    }
}

fn perror(location: Option<[Field; 3]>, message: Option<&[u8]>) -> c_int {
    let e = errno();
    // libsystemd clears errno to tell strerror_r's failure from success; what it then sends
    // preserves 0, which is what a caller whose errno was negative finds afterwards.
    set_errno(0);
    let r = preserving_errno(|| super::perror(location, message.unwrap_or_default(), e));
    if e >= 0 {
        set_errno(e);
    }
    r
}

/// Opens a stream connection to journald and returns its fd: each line written to it becomes
/// an entry with SYSLOG_IDENTIFIER `identifier` (NULL: none) and `priority`, or the priority of
/// a leading "<N>" when `level_prefix` is non-zero. The fd is close-on-exec and blocking; its
/// read side is shut. Returns a negative errno on failure.
#[no_mangle]
pub unsafe extern "C" fn sd_journal_stream_fd(identifier: *const c_char, priority: c_int, level_prefix: c_int) -> c_int {
    // SAFETY: `identifier` is null or a C string, per sd_journal_stream_fd(3).
    let identifier = unsafe { bytes(identifier) }.unwrap_or_default();
    to_c(super::stream_fd(None, identifier, priority, level_prefix != 0))
}

/// Like sd_journal_stream_fd(), to the journal namespace `name_space` (NULL: the default one;
/// systemd 256).
#[no_mangle]
pub unsafe extern "C" fn sd_journal_stream_fd_with_namespace(
    name_space: *const c_char,
    identifier: *const c_char,
    priority: c_int,
    level_prefix: c_int,
) -> c_int {
    // SAFETY: each is null or a C string, per sd_journal_stream_fd(3).
    let (name_space, identifier) = unsafe { (bytes(name_space), bytes(identifier)) };
    to_c(super::stream_fd(name_space, identifier.unwrap_or_default(), priority, level_prefix != 0))
}

/// sd_journal_sendv() for the C front ends in csrc/journal.c.
///
/// # Safety
/// `iov` is null or holds `n` iovecs as sd_journal_sendv(3) requires.
#[no_mangle]
pub unsafe extern "C" fn sdlite_journal_sendv(iov: *const iovec, n: c_int) -> c_int {
    if iov.is_null() || n <= 0 {
        return -libc::EINVAL;
    }
    // SAFETY: per this function's contract.
    let list = unsafe { iovecs(iov, n as usize) };
    // SAFETY: every iovec of `list` is as sd_journal_sendv(3) requires, per this function's contract.
    let get = |i: usize| list.get(i).and_then(|v| unsafe { entry(v) });
    preserving_errno(|| super::sendv(Entries { count: list.len(), get: &get }))
}

/// The caller's `n` entries (none when `n` is 0) with the location entries before them
/// (`location_first`, sd_journal_send_with_location) or after them (the print and sendv forms).
///
/// # Safety
/// `iov` holds `n` iovecs as sd_journal_sendv(3) requires (it may be null when `n` is 0); the
/// location pointers are null or C strings.
#[no_mangle]
pub unsafe extern "C" fn sdlite_journal_send_located(
    file: *const c_char,
    line: *const c_char,
    func: *const c_char,
    iov: *const iovec,
    n: c_int,
    location_first: c_int,
) -> c_int {
    // SAFETY: per this function's contract.
    let location = match unsafe { location(file, line, func) } {
        Ok(l) => l,
        Err(e) => return to_c(Err(e)),
    };
    // SAFETY: per this function's contract.
    let user = unsafe { iovecs(iov, n.max(0) as usize) };
    let (first, count) = (location_first != 0, user.len() + location.len());
    let get = |i: usize| match (first, i.checked_sub(location.len()), i.checked_sub(user.len())) {
        (true, None, _) => location.get(i).copied(),
        // SAFETY: every iovec of `user` is as sd_journal_sendv(3) requires (this function's contract).
        (true, Some(j), _) => user.get(j).and_then(|v| unsafe { entry(v) }),
        // SAFETY: as above.
        (false, _, None) => user.get(i).and_then(|v| unsafe { entry(v) }),
        (false, _, Some(j)) => location.get(j).copied(),
    };
    preserving_errno(|| super::sendv(Entries { count, get: &get }))
}
