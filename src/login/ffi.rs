//! The C surface: libsystemd's sd-login functions with its exact signatures. Raw pointers are
//! checked here, strings and arrays handed back are allocated with `malloc` here, and results
//! become `-errno`, and nowhere else.
//!
//! The safety contract of every function is the one sd-login(3) states for C callers (valid C
//! strings, writable out-pointers); the docs here become the header's comments, so they are not
//! repeated as `# Safety` sections.
#![allow(clippy::missing_safety_doc)]

// Two sections, each with its own `use` lines, so that they grow apart.

// ==== processes, peers and pidfds: sd_pid_get_*, sd_peer_get_*, sd_pidfd_get_* ====
// (what a process's cgroup path says; src/login/cgroup.rs)

use super::pid::{self, Query};
use crate::cbuf::CBuf;
use crate::errno::{to_c, Result};
use libc::{c_char, c_int, pid_t, uid_t};

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

// ==== end of processes, peers and pidfds ====

// ==== users, sessions, seats, machines and the monitor ====
// (what logind's state files under /run/systemd/ say; src/login/state.rs)

// ==== end of users, sessions, seats, machines and the monitor ====
