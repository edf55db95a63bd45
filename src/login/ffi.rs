//! The C surface: libsystemd's sd-login functions with its exact signatures. Raw pointers are
//! checked here, strings and arrays handed back are allocated with `malloc` here, and results
//! become `-errno`, and nowhere else.
//!
//! The safety contract of every function is the one sd-login(3) states for C callers (valid C
//! strings, writable out-pointers); the docs here become the header's comments, so they are not
//! repeated as `# Safety` sections.
#![allow(clippy::missing_safety_doc)]

use crate::cbuf::CBuf;
use crate::errno::{to_c, Result};
use libc::{c_char, c_int, uid_t};

// ---- processes, peers and pidfds: sd_pid_get_*, sd_peer_get_*, sd_pidfd_get_* ----
// (what a process's cgroup path says; src/login/cgroup.rs)

use super::pid::{self, Query};
use libc::pid_t;

/// Hands a successful answer to the caller through `ret` (non-null, checked by the caller).
///
/// # Safety
/// `ret` is a writable `char **`.
unsafe fn give_string(ret: *mut *mut c_char, r: Result<CBuf>) -> c_int {
    to_c(r.and_then(CBuf::into_c_string).map(|s| {
        // SAFETY: per this function's contract.
        unsafe { ret.write(s) };
        0
    }))
}

/// As `give_string`, for a UID.
///
/// # Safety
/// `ret` is a writable `uid_t *`.
unsafe fn give_uid(ret: *mut uid_t, r: Result<u32>) -> c_int {
    to_c(r.map(|uid| {
        // SAFETY: per this function's contract.
        unsafe { ret.write(uid) };
        0
    }))
}

/// Stores in `*session` (a new string the caller frees) the login session ID the process belongs to
/// (from a `session-ID.scope` in its cgroup path), for process `pid` (0: the caller). Returns 0, or
/// -EINVAL (`pid` < 0 or a NULL out-pointer), -ESRCH (no such process), -ENODATA (the process has
/// none, or no cgroup file system is mounted), or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_session(pid: pid_t, session: *mut *mut c_char) -> c_int {
    if pid < 0 || session.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `session` is non-null and writable, per sd_pid_get_session(3).
    unsafe { give_string(session, pid::public_errno(pid::pid_get(pid, Query::Session))) }
}

/// Stores in `*unit` (a new string the caller frees) the system unit the process belongs to (the
/// first unit below the slices of its cgroup path, e.g. `foo.service`), for process `pid` (0: the
/// caller). Returns 0, or -EINVAL (`pid` < 0 or a NULL out-pointer), -ESRCH (no such process),
/// -ENODATA (the process has none, or no cgroup file system is mounted), or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_unit(pid: pid_t, unit: *mut *mut c_char) -> c_int {
    if pid < 0 || unit.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `unit` is non-null and writable, per sd_pid_get_unit(3).
    unsafe { give_string(unit, pid::public_errno(pid::pid_get(pid, Query::Unit))) }
}

/// Stores in `*unit` (a new string the caller frees) the unit inside a user's service manager
/// (`user@UID.service`) or login session that the process belongs to, for process `pid` (0: the
/// caller). Returns 0, or -EINVAL (`pid` < 0 or a NULL out-pointer), -ESRCH (no such process),
/// -ENODATA (the process has none, or no cgroup file system is mounted), or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_user_unit(pid: pid_t, unit: *mut *mut c_char) -> c_int {
    if pid < 0 || unit.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `unit` is non-null and writable, per sd_pid_get_user_unit(3).
    unsafe { give_string(unit, pid::public_errno(pid::pid_get(pid, Query::UserUnit))) }
}

/// Stores in `*name` (a new string the caller frees) the name of the machine (container or VM
/// registered with systemd-machined) whose scope unit the process is in, for process `pid` (0: the
/// caller). Returns 0, or -EINVAL (`pid` < 0 or a NULL out-pointer), -ESRCH (no such process),
/// -ENODATA (the process has none, or no cgroup file system is mounted), -ENOENT (no machine is
/// registered for its unit), or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_machine_name(pid: pid_t, name: *mut *mut c_char) -> c_int {
    if pid < 0 || name.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `name` is non-null and writable, per sd_pid_get_machine_name(3).
    unsafe { give_string(name, pid::public_errno(pid::pid_get(pid, Query::MachineName))) }
}

/// Stores in `*slice` (a new string the caller frees) the innermost slice the process is in
/// (`-.slice` when its cgroup path has none), for process `pid` (0: the caller). Returns 0, or
/// -EINVAL (`pid` < 0 or a NULL out-pointer), -ESRCH (no such process), -ENODATA (the process has
/// none, or no cgroup file system is mounted), or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_slice(pid: pid_t, slice: *mut *mut c_char) -> c_int {
    if pid < 0 || slice.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `slice` is non-null and writable, per sd_pid_get_slice(3).
    unsafe { give_string(slice, pid::public_errno(pid::pid_get(pid, Query::Slice))) }
}

/// Stores in `*slice` (a new string the caller frees) the innermost slice inside a user's service
/// manager or login session that the process is in, for process `pid` (0: the caller). Returns 0,
/// or -EINVAL (`pid` < 0 or a NULL out-pointer), -ESRCH (no such process), -ENODATA (the process
/// has none, or no cgroup file system is mounted), or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_user_slice(pid: pid_t, slice: *mut *mut c_char) -> c_int {
    if pid < 0 || slice.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `slice` is non-null and writable, per sd_pid_get_user_slice(3).
    unsafe { give_string(slice, pid::public_errno(pid::pid_get(pid, Query::UserSlice))) }
}

/// Stores in `*uid` the UID of the user whose slice (`user-UID.slice`) process `pid` (0: the
/// caller) is in. Returns 0, or -EINVAL (`pid` < 0 or a NULL out-pointer), -ESRCH (no such
/// process), -ENODATA (the process has none, or no cgroup file system is mounted), or another
/// negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_owner_uid(pid: pid_t, uid: *mut uid_t) -> c_int {
    if pid < 0 || uid.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `uid` is non-null and writable, per sd_pid_get_owner_uid(3).
    unsafe { give_uid(uid, pid::public_errno(pid::pid_owner_uid(pid))) }
}

/// Stores in `*cgroup` (a new string the caller frees) the cgroup path of process `pid` (0: the
/// caller) in the hierarchy systemd manages, as /proc/PID/cgroup gives it (not shifted by the
/// container's root), "/" for the root. Returns 0, or -EINVAL, -ESRCH, -ENODATA (no line for that
/// hierarchy), -ENOMEDIUM (no cgroup file system), or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pid_get_cgroup(pid: pid_t, cgroup: *mut *mut c_char) -> c_int {
    if pid < 0 || cgroup.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `cgroup` is non-null and writable, per sd_pid_get_cgroup(3).
    unsafe { give_string(cgroup, pid::pid_get(pid, Query::Cgroup)) }
}

/// As sd_pid_get_session(), for the process at the other end of the AF_UNIX socket `fd` (its
/// SO_PEERCRED pid). Returns 0, or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK,
/// -ENODATA (no peer process), -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_session(fd: c_int, session: *mut *mut c_char) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if session.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `session` is non-null and writable, per sd_peer_get_session(3).
    unsafe { give_string(session, pid::peer_pid(fd).and_then(|p| pid::pid_get(p, Query::Session))) }
}

/// As sd_pid_get_unit(), for the process at the other end of the AF_UNIX socket `fd` (its
/// SO_PEERCRED pid). Returns 0, or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK,
/// -ENODATA (no peer process), -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_unit(fd: c_int, unit: *mut *mut c_char) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if unit.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `unit` is non-null and writable, per sd_peer_get_unit(3).
    unsafe { give_string(unit, pid::peer_pid(fd).and_then(|p| pid::pid_get(p, Query::Unit))) }
}

/// As sd_pid_get_user_unit(), for the process at the other end of the AF_UNIX socket `fd` (its
/// SO_PEERCRED pid). Returns 0, or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK,
/// -ENODATA (no peer process), -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_user_unit(fd: c_int, unit: *mut *mut c_char) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if unit.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `unit` is non-null and writable, per sd_peer_get_user_unit(3).
    unsafe { give_string(unit, pid::peer_pid(fd).and_then(|p| pid::pid_get(p, Query::UserUnit))) }
}

/// As sd_pid_get_machine_name(), for the process at the other end of the AF_UNIX socket `fd` (its
/// SO_PEERCRED pid). Returns 0, or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK,
/// -ENODATA (no peer process), -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_machine_name(fd: c_int, name: *mut *mut c_char) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if name.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `name` is non-null and writable, per sd_peer_get_machine_name(3).
    unsafe { give_string(name, pid::peer_pid(fd).and_then(|p| pid::pid_get(p, Query::MachineName))) }
}

/// As sd_pid_get_slice(), for the process at the other end of the AF_UNIX socket `fd` (its
/// SO_PEERCRED pid). Returns 0, or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK,
/// -ENODATA (no peer process), -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_slice(fd: c_int, slice: *mut *mut c_char) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if slice.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `slice` is non-null and writable, per sd_peer_get_slice(3).
    unsafe { give_string(slice, pid::peer_pid(fd).and_then(|p| pid::pid_get(p, Query::Slice))) }
}

/// As sd_pid_get_user_slice(), for the process at the other end of the AF_UNIX socket `fd` (its
/// SO_PEERCRED pid). Returns 0, or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK,
/// -ENODATA (no peer process), -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_user_slice(fd: c_int, slice: *mut *mut c_char) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if slice.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `slice` is non-null and writable, per sd_peer_get_user_slice(3).
    unsafe { give_string(slice, pid::peer_pid(fd).and_then(|p| pid::pid_get(p, Query::UserSlice))) }
}

/// As sd_pid_get_owner_uid(), for the process at the other end of the AF_UNIX socket `fd`. Returns
/// 0, or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK, -ENODATA (no peer process),
/// -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_owner_uid(fd: c_int, uid: *mut uid_t) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if uid.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `uid` is non-null and writable, per sd_peer_get_owner_uid(3).
    unsafe { give_uid(uid, pid::peer_pid(fd).and_then(pid::pid_owner_uid)) }
}

/// As sd_pid_get_cgroup(), for the process at the other end of the AF_UNIX socket `fd`. Returns 0,
/// or -EBADF (`fd` < 0), -EINVAL (a NULL out-pointer), -ENOTSOCK, -ENODATA (no peer process),
/// -ENXIO (the process has none), -ESRCH, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_peer_get_cgroup(fd: c_int, cgroup: *mut *mut c_char) -> c_int {
    if fd < 0 {
        return -libc::EBADF;
    }
    if cgroup.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `cgroup` is non-null and writable, per sd_peer_get_cgroup(3).
    unsafe { give_string(cgroup, pid::peer_pid(fd).and_then(|p| pid::pid_get(p, Query::Cgroup))) }
}

/// As sd_pid_get_session(), for the process the pidfd `pidfd` refers to; the answer is given only
/// if the pidfd still refers to a live process of that pid afterwards. Returns 0, or -EBADF
/// (`pidfd` < 0 or not open), -EINVAL (a NULL out-pointer), -ENOTTY (not a pidfd), -ESRCH (the
/// process has exited and been reaped, before or during the call), -EREMOTE (it is in a pid
/// namespace this process cannot see), the errors of that function, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_session(pidfd: c_int, ret: *mut *mut c_char) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::public_errno(pid::pid_get(p, Query::Session)));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_session(3).
    unsafe { give_string(ret, r) }
}

/// As sd_pid_get_unit(), for the process the pidfd `pidfd` refers to; the answer is given only if
/// the pidfd still refers to a live process of that pid afterwards. Returns 0, or -EBADF (`pidfd` <
/// 0 or not open), -EINVAL (a NULL out-pointer), -ENOTTY (not a pidfd), -ESRCH (the process has
/// exited and been reaped, before or during the call), -EREMOTE (it is in a pid namespace this
/// process cannot see), the errors of that function, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_unit(pidfd: c_int, ret: *mut *mut c_char) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::public_errno(pid::pid_get(p, Query::Unit)));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_unit(3).
    unsafe { give_string(ret, r) }
}

/// As sd_pid_get_user_unit(), for the process the pidfd `pidfd` refers to; the answer is given only
/// if the pidfd still refers to a live process of that pid afterwards. Returns 0, or -EBADF
/// (`pidfd` < 0 or not open), -EINVAL (a NULL out-pointer), -ENOTTY (not a pidfd), -ESRCH (the
/// process has exited and been reaped, before or during the call), -EREMOTE (it is in a pid
/// namespace this process cannot see), the errors of that function, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_user_unit(pidfd: c_int, ret: *mut *mut c_char) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::public_errno(pid::pid_get(p, Query::UserUnit)));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_user_unit(3).
    unsafe { give_string(ret, r) }
}

/// As sd_pid_get_machine_name(), for the process the pidfd `pidfd` refers to; the answer is given
/// only if the pidfd still refers to a live process of that pid afterwards. Returns 0, or -EBADF
/// (`pidfd` < 0 or not open), -EINVAL (a NULL out-pointer), -ENOTTY (not a pidfd), -ESRCH (the
/// process has exited and been reaped, before or during the call), -EREMOTE (it is in a pid
/// namespace this process cannot see), the errors of that function, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_machine_name(pidfd: c_int, ret: *mut *mut c_char) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::public_errno(pid::pid_get(p, Query::MachineName)));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_machine_name(3).
    unsafe { give_string(ret, r) }
}

/// As sd_pid_get_slice(), for the process the pidfd `pidfd` refers to; the answer is given only if
/// the pidfd still refers to a live process of that pid afterwards. Returns 0, or -EBADF (`pidfd` <
/// 0 or not open), -EINVAL (a NULL out-pointer), -ENOTTY (not a pidfd), -ESRCH (the process has
/// exited and been reaped, before or during the call), -EREMOTE (it is in a pid namespace this
/// process cannot see), the errors of that function, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_slice(pidfd: c_int, ret: *mut *mut c_char) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::public_errno(pid::pid_get(p, Query::Slice)));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_slice(3).
    unsafe { give_string(ret, r) }
}

/// As sd_pid_get_user_slice(), for the process the pidfd `pidfd` refers to; the answer is given
/// only if the pidfd still refers to a live process of that pid afterwards. Returns 0, or -EBADF
/// (`pidfd` < 0 or not open), -EINVAL (a NULL out-pointer), -ENOTTY (not a pidfd), -ESRCH (the
/// process has exited and been reaped, before or during the call), -EREMOTE (it is in a pid
/// namespace this process cannot see), the errors of that function, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_user_slice(pidfd: c_int, ret: *mut *mut c_char) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::public_errno(pid::pid_get(p, Query::UserSlice)));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_user_slice(3).
    unsafe { give_string(ret, r) }
}

/// As sd_pid_get_owner_uid(), for the process the pidfd `pidfd` refers to (checked again
/// afterwards). Returns 0, or -EBADF (`pidfd` < 0 or not open), -EINVAL (a NULL out-pointer),
/// -ENOTTY (not a pidfd), -ESRCH (the process has exited and been reaped, before or during the
/// call), -EREMOTE (it is in a pid namespace this process cannot see), the errors of that function,
/// or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_owner_uid(pidfd: c_int, ret: *mut uid_t) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::public_errno(pid::pid_owner_uid(p)));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_owner_uid(3).
    unsafe { give_uid(ret, r) }
}

/// As sd_pid_get_cgroup(), for the process the pidfd `pidfd` refers to (checked again afterwards).
/// Returns 0, or -EBADF (`pidfd` < 0 or not open), -EINVAL (a NULL out-pointer), -ENOTTY (not a
/// pidfd), -ESRCH (the process has exited and been reaped, before or during the call), -EREMOTE (it
/// is in a pid namespace this process cannot see), the errors of that function, or another negative
/// errno.
#[no_mangle]
pub unsafe extern "C" fn sd_pidfd_get_cgroup(pidfd: c_int, ret: *mut *mut c_char) -> c_int {
    if pidfd < 0 {
        return -libc::EBADF;
    }
    if ret.is_null() {
        return -libc::EINVAL;
    }
    let r = pid::pidfd_get(pidfd, |p| pid::pid_get(p, Query::Cgroup));
    // SAFETY: `ret` is non-null and writable, per sd_pidfd_get_cgroup(3).
    unsafe { give_string(ret, r) }
}

// ---- users, sessions, seats, machines and the monitor ----
// (what logind's state files under /run/systemd/ say; src/login/state.rs)

use super::{monitor, state};
use crate::cbuf::Strv;
use core::ffi::CStr;
use libc::c_uint;

/// A non-null C string argument as bytes; None for NULL ("the caller's own" in sd-login).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that outlives the returned slice.
unsafe fn opt_str<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per this function's contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Stores a successful string result in `*ret` (checked non-null by the caller); 0 then.
///
/// # Safety
/// `ret` is a writable `char **`.
unsafe fn put_string(ret: *mut *mut c_char, r: Result<CBuf>) -> c_int {
    to_c(r.and_then(CBuf::into_c_string).map(|p| {
        // SAFETY: per this function's contract.
        unsafe { ret.write(p) };
        0
    }))
}

/// Hands over an optional array (NULL for None) to `*ret` if `ret` is non-null, else frees it;
/// returns `n`.
///
/// # Safety
/// `ret` is NULL or a writable `char ***`.
unsafe fn put_strv(ret: *mut *mut *mut c_char, v: Option<Strv>, n: usize) -> Result<c_int> {
    if !ret.is_null() {
        let p = match v {
            Some(v) => v.into_c_strv()?,
            None => core::ptr::null_mut(),
        };
        // SAFETY: per this function's contract.
        unsafe { ret.write(p) };
    }
    Ok(c_int::try_from(n).unwrap_or(c_int::MAX))
}

/// Hands over an optional malloc'd block (NULL for None) to `*ret` if `ret` is non-null.
///
/// # Safety
/// `ret` is NULL or a writable `T **`.
unsafe fn put_block<T>(ret: *mut *mut T, b: Option<CBuf>) -> Result<()> {
    if !ret.is_null() {
        let p = match b {
            Some(b) => b.into_raw_nonnull()?.cast::<T>(),
            None => core::ptr::null_mut(),
        };
        // SAFETY: per this function's contract.
        unsafe { ret.write(p) };
    }
    Ok(())
}

/// Stores the state of `uid` ("offline", "lingering", "online", "active", "closing") in
/// `*state` (free(3) it); a user without a state file is "offline". Returns 0, -EINVAL for a NULL
/// `state` or an invalid uid, -EIO when the file has no STATE, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_uid_get_state(uid: uid_t, state: *mut *mut c_char) -> c_int {
    if state.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `state` is non-null and writable, per sd_uid_get_state(3).
    unsafe { put_string(state, state::uid_get_state(uid)) }
}

/// Stores the user's primary session (DISPLAY) in `*session`. Returns 0, -ENODATA when the user
/// has none (or no state file), -EINVAL, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_uid_get_display(uid: uid_t, session: *mut *mut c_char) -> c_int {
    if session.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `session` is non-null and writable.
    unsafe { put_string(session, state::uid_get_display(uid)) }
}

/// 1 if `uid` has a session on `seat` (NULL: the caller's seat), with `require_active` the
/// seat's active one; else 0 (also without the seat's file). -EINVAL for an invalid uid or seat
/// name.
#[no_mangle]
pub unsafe extern "C" fn sd_uid_is_on_seat(uid: uid_t, require_active: c_int, seat: *const c_char) -> c_int {
    // SAFETY: `seat` is NULL or a C string, per sd_uid_is_on_seat(3).
    let seat = unsafe { opt_str(seat) };
    to_c(state::uid_is_on_seat(uid, require_active != 0, seat).map(c_int::from))
}

/// Stores the user's sessions (require_active 0: online ones, > 0: the active one, < 0: all)
/// as a NULL-terminated array in `*sessions` (NULL when there are none; `sessions` may be NULL
/// to only count them). Returns their number, or a negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_uid_get_sessions(uid: uid_t, require_active: c_int, sessions: *mut *mut *mut c_char) -> c_int {
    let key: &[u8] = match require_active {
        0 => b"ONLINE_SESSIONS",
        1.. => b"ACTIVE_SESSIONS",
        _ => b"SESSIONS",
    };
    to_c(state::uid_get_array(uid, key).and_then(|v| {
        let n = v.as_ref().map_or(0, Strv::len);
        // SAFETY: `sessions` is NULL or writable, per sd_uid_get_sessions(3).
        unsafe { put_strv(sessions, v, n) }
    }))
}

/// Like sd_uid_get_sessions(), for the seats the user has sessions on.
#[no_mangle]
pub unsafe extern "C" fn sd_uid_get_seats(uid: uid_t, require_active: c_int, seats: *mut *mut *mut c_char) -> c_int {
    let key: &[u8] = match require_active {
        0 => b"ONLINE_SEATS",
        1.. => b"ACTIVE_SEATS",
        _ => b"SEATS",
    };
    to_c(state::uid_get_array(uid, key).and_then(|v| {
        let n = v.as_ref().map_or(0, Strv::len);
        // SAFETY: `seats` is NULL or writable, per sd_uid_get_seats(3).
        unsafe { put_strv(seats, v, n) }
    }))
}

/// 1 if `session` (NULL: the caller's) is active, 0 if not. -ENXIO for an unknown session,
/// -EINVAL for an invalid name, -EIO when the file says nothing.
#[no_mangle]
pub unsafe extern "C" fn sd_session_is_active(session: *const c_char) -> c_int {
    // SAFETY: `session` is NULL or a C string, per sd_session_is_active(3).
    let s = unsafe { opt_str(session) };
    to_c(state::session_is_active(s).map(c_int::from))
}

/// 1 if `session` is remote, 0 if not; -ENODATA when the file does not say.
#[no_mangle]
pub unsafe extern "C" fn sd_session_is_remote(session: *const c_char) -> c_int {
    // SAFETY: `session` is NULL or a C string.
    let s = unsafe { opt_str(session) };
    to_c(state::session_is_remote(s).map(c_int::from))
}

/// Stores the session's state ("online", "active", "closing") in `*state`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_state(session: *const c_char, state: *mut *mut c_char) -> c_int {
    if state.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `session` is NULL or a C string; `state` is writable.
    unsafe { put_string(state, state::session_get_state(opt_str(session))) }
}

/// Stores the session's user in `*uid`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_uid(session: *const c_char, uid: *mut uid_t) -> c_int {
    if uid.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `session` is NULL or a C string.
    let r = state::session_get_uid(unsafe { opt_str(session) });
    to_c(r.map(|u| {
        // SAFETY: `uid` is non-null and writable.
        unsafe { uid.write(u) };
        0
    }))
}

/// A session string field into `*ret`; -ENODATA when the session has no such value.
///
/// # Safety
/// `session` is NULL or a C string; `ret` is NULL or writable.
unsafe fn session_string(session: *const c_char, key: &[u8], ret: *mut *mut c_char) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: per this function's contract.
    unsafe { put_string(ret, state::session_get_string(opt_str(session), key)) }
}

/// Stores the session's seat in `*seat`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_seat(session: *const c_char, seat: *mut *mut c_char) -> c_int {
    // SAFETY: the arguments as sd_session_get_seat(3) states them.
    unsafe { session_string(session, b"SEAT", seat) }
}

/// Stores the PAM service that opened the session in `*service`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_service(session: *const c_char, service: *mut *mut c_char) -> c_int {
    // SAFETY: as above.
    unsafe { session_string(session, b"SERVICE", service) }
}

/// Stores the session's type ("tty", "x11", "wayland", "mir", "unspecified") in `*type`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_type(session: *const c_char, r#type: *mut *mut c_char) -> c_int {
    // SAFETY: as above.
    unsafe { session_string(session, b"TYPE", r#type) }
}

/// Stores the session's class ("user", "greeter", "lock-screen", ...) in `*clazz`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_class(session: *const c_char, clazz: *mut *mut c_char) -> c_int {
    // SAFETY: as above.
    unsafe { session_string(session, b"CLASS", clazz) }
}

/// Stores the session's desktop (DESKTOP, with C escapes undone) in `*desktop`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_desktop(session: *const c_char, desktop: *mut *mut c_char) -> c_int {
    if desktop.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `session` is NULL or a C string; `desktop` is writable.
    unsafe { put_string(desktop, state::session_get_desktop(opt_str(session))) }
}

/// Stores the session's X11 display in `*display`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_display(session: *const c_char, display: *mut *mut c_char) -> c_int {
    // SAFETY: as above.
    unsafe { session_string(session, b"DISPLAY", display) }
}

/// Stores the remote host of a remote session in `*remote_host`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_remote_host(session: *const c_char, remote_host: *mut *mut c_char) -> c_int {
    // SAFETY: as above.
    unsafe { session_string(session, b"REMOTE_HOST", remote_host) }
}

/// Stores the remote user of a remote session in `*remote_user`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_remote_user(session: *const c_char, remote_user: *mut *mut c_char) -> c_int {
    // SAFETY: as above.
    unsafe { session_string(session, b"REMOTE_USER", remote_user) }
}

/// Stores the session's TTY in `*display`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_tty(session: *const c_char, display: *mut *mut c_char) -> c_int {
    // SAFETY: as above.
    unsafe { session_string(session, b"TTY", display) }
}

/// Stores the session's virtual terminal number in `*vtnr`.
#[no_mangle]
pub unsafe extern "C" fn sd_session_get_vt(session: *const c_char, vtnr: *mut c_uint) -> c_int {
    if vtnr.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `session` is NULL or a C string.
    let r = state::session_get_vt(unsafe { opt_str(session) });
    to_c(r.map(|v| {
        // SAFETY: `vtnr` is non-null and writable.
        unsafe { vtnr.write(v) };
        0
    }))
}

/// Stores the seat's active session in `*session` and its user in `*uid` (either may be NULL,
/// not both). -ENODATA when the seat has no active session.
#[no_mangle]
pub unsafe extern "C" fn sd_seat_get_active(seat: *const c_char, session: *mut *mut c_char, uid: *mut uid_t) -> c_int {
    if session.is_null() && uid.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `seat` is NULL or a C string, per sd_seat_get_active(3).
    let r = state::seat_get_active(unsafe { opt_str(seat) }, !session.is_null(), !uid.is_null());
    to_c(r.and_then(|(s, u)| {
        if let Some(u) = u {
            // SAFETY: `uid` was non-null (u is only Some then) and is writable.
            unsafe { uid.write(u) };
        }
        if let Some(s) = s {
            let p = s.into_c_string()?;
            // SAFETY: `session` was non-null (s is only Some then) and is writable.
            unsafe { session.write(p) };
        }
        Ok(0)
    }))
}

/// Stores the seat's sessions in `*ret_sessions`, their users in `*ret_uids` (a malloc'd array)
/// and the number in `*ret_n_uids`; each may be NULL. Returns the number of sessions.
/// -EUCLEAN when the seat's file lists a different number of users and sessions.
#[no_mangle]
pub unsafe extern "C" fn sd_seat_get_sessions(
    seat: *const c_char,
    ret_sessions: *mut *mut *mut c_char,
    ret_uids: *mut *mut uid_t,
    ret_n_uids: *mut c_uint,
) -> c_int {
    // SAFETY: `seat` is NULL or a C string, per sd_seat_get_sessions(3).
    let r = state::seat_get_sessions(unsafe { opt_str(seat) }, !ret_uids.is_null());
    to_c(r.and_then(|(sessions, uids, n)| {
        // SAFETY: each out-pointer is NULL or writable.
        unsafe { put_block(ret_uids, uids)? };
        if !ret_n_uids.is_null() {
            // SAFETY: as above.
            unsafe { ret_n_uids.write(c_uint::try_from(n).unwrap_or(c_uint::MAX)) };
        }
        // SAFETY: as above.
        unsafe { put_strv(ret_sessions, sessions, n) }
    }))
}

/// 1: every seat can hold several sessions (deprecated; 252 answers 1 without looking).
/// Declared by hand in the header (cbindgen/login.toml).
#[no_mangle]
pub extern "C" fn sd_seat_can_multi_session(seat: *const c_char) -> c_int {
    let _ = seat;
    1
}

/// 1 if the seat has text terminals (CAN_TTY), 0 if not; -ENODATA when the file does not say.
#[no_mangle]
pub unsafe extern "C" fn sd_seat_can_tty(seat: *const c_char) -> c_int {
    // SAFETY: `seat` is NULL or a C string.
    to_c(state::seat_get_can(unsafe { opt_str(seat) }, b"CAN_TTY").map(c_int::from))
}

/// 1 if the seat can run a graphical session (CAN_GRAPHICAL), 0 if not.
#[no_mangle]
pub unsafe extern "C" fn sd_seat_can_graphical(seat: *const c_char) -> c_int {
    // SAFETY: `seat` is NULL or a C string.
    to_c(state::seat_get_can(unsafe { opt_str(seat) }, b"CAN_GRAPHICAL").map(c_int::from))
}

/// Stores the class of `machine` ("container", "vm"; ".host" is "host") in `*clazz`. -ENXIO for
/// an unknown machine, -EINVAL for an invalid name, -EIO when the file has no CLASS.
#[no_mangle]
pub unsafe extern "C" fn sd_machine_get_class(machine: *const c_char, clazz: *mut *mut c_char) -> c_int {
    if clazz.is_null() || machine.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `machine` is a C string, `clazz` writable, per sd_machine_get_class(3).
    unsafe { put_string(clazz, state::machine_get_class(CStr::from_ptr(machine).to_bytes())) }
}

/// Stores the machine's network interface indices in `*ret_ifindices` (a malloc'd array; NULL
/// when it has none listed; `ret_ifindices` may be NULL to only count). Returns their number.
#[no_mangle]
pub unsafe extern "C" fn sd_machine_get_ifindices(machine: *const c_char, ret_ifindices: *mut *mut c_int) -> c_int {
    // SAFETY: `machine` is NULL or a C string.
    let Some(m) = (unsafe { opt_str(machine) }) else { return -libc::EINVAL };
    to_c(state::machine_get_ifindices(m, !ret_ifindices.is_null()).and_then(|(b, n)| {
        // SAFETY: `ret_ifindices` is NULL or writable.
        unsafe { put_block(ret_ifindices, b)? };
        Ok(c_int::try_from(n).unwrap_or(c_int::MAX))
    }))
}

/// Stores the names of all seats in `*seats` (NULL when there are none; `seats` may be NULL).
/// Returns their number (0 where logind never ran).
#[no_mangle]
pub unsafe extern "C" fn sd_get_seats(seats: *mut *mut *mut c_char) -> c_int {
    to_c(state::list(state::SEATS, state::keep_all).and_then(|(v, n)| {
        // SAFETY: `seats` is NULL or writable, per sd_get_seats(3).
        unsafe { put_strv(seats, v, n) }
    }))
}

/// Stores the IDs of all sessions in `*sessions`; as sd_get_seats().
#[no_mangle]
pub unsafe extern "C" fn sd_get_sessions(sessions: *mut *mut *mut c_char) -> c_int {
    to_c(state::list(state::SESSIONS, state::keep_all).and_then(|(v, n)| {
        // SAFETY: `sessions` is NULL or writable.
        unsafe { put_strv(sessions, v, n) }
    }))
}

/// Stores the users logind knows in `*users` (a malloc'd array; NULL when there are none;
/// `users` may be NULL). Returns their number.
#[no_mangle]
pub unsafe extern "C" fn sd_get_uids(users: *mut *mut uid_t) -> c_int {
    to_c(state::get_uids().and_then(|(b, n)| {
        // SAFETY: `users` is NULL or writable, per sd_get_uids(3).
        unsafe { put_block(users, b)? };
        Ok(c_int::try_from(n).unwrap_or(c_int::MAX))
    }))
}

/// Stores the names of the running virtual machines and containers in `*machines`; as
/// sd_get_seats().
#[no_mangle]
pub unsafe extern "C" fn sd_get_machine_names(machines: *mut *mut *mut c_char) -> c_int {
    to_c(state::list(state::MACHINES, state::keep_machine).and_then(|(v, n)| {
        // SAFETY: `machines` is NULL or writable.
        unsafe { put_strv(machines, v, n) }
    }))
}

/// A login monitor: an inotify descriptor (the handle is the descriptor + 1; it owns no memory).
#[allow(non_camel_case_types)]
pub struct sd_login_monitor {
    _opaque: [u8; 0],
}

fn monitor_fd(m: *mut sd_login_monitor) -> c_int {
    (m as usize).wrapping_sub(1) as c_int
}

/// Stores a new monitor of `category` ("seat", "session", "uid", "machine"; NULL for all) in
/// `*ret`. Returns 0, -EINVAL for another category or a NULL `ret`, -ENOENT where logind's
/// directories do not exist, or another negative errno.
#[no_mangle]
pub unsafe extern "C" fn sd_login_monitor_new(category: *const c_char, ret: *mut *mut sd_login_monitor) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `category` is NULL or a C string, per sd_login_monitor_new(3).
    let r = monitor::new(unsafe { opt_str(category) });
    to_c(r.map(|fd| {
        // SAFETY: `ret` is non-null and writable.
        unsafe { ret.write((fd as usize).wrapping_add(1) as *mut sd_login_monitor) };
        0
    }))
}

/// Closes the monitor's descriptor. Returns NULL.
#[no_mangle]
pub extern "C" fn sd_login_monitor_unref(m: *mut sd_login_monitor) -> *mut sd_login_monitor {
    if !m.is_null() {
        crate::sys::close_raw(monitor_fd(m));
    }
    core::ptr::null_mut()
}

/// Drops the pending events, so that the descriptor polls readable again only after new ones.
#[no_mangle]
pub extern "C" fn sd_login_monitor_flush(m: *mut sd_login_monitor) -> c_int {
    if m.is_null() {
        return -libc::EINVAL;
    }
    to_c(monitor::flush(monitor_fd(m)).map(|_| 0))
}

/// The descriptor to poll for changes.
#[no_mangle]
pub extern "C" fn sd_login_monitor_get_fd(m: *mut sd_login_monitor) -> c_int {
    if m.is_null() {
        return -libc::EINVAL;
    }
    monitor_fd(m)
}

/// The poll events to wait for: POLLIN.
#[no_mangle]
pub extern "C" fn sd_login_monitor_get_events(m: *mut sd_login_monitor) -> c_int {
    if m.is_null() {
        return -libc::EINVAL;
    }
    c_int::from(libc::POLLIN)
}

/// Stores the poll timeout in `*timeout_usec`: UINT64_MAX (none).
#[no_mangle]
pub unsafe extern "C" fn sd_login_monitor_get_timeout(m: *mut sd_login_monitor, timeout_usec: *mut u64) -> c_int {
    if m.is_null() || timeout_usec.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `timeout_usec` is non-null and writable.
    unsafe { timeout_usec.write(u64::MAX) };
    0
}

