//! The C surface: libsystemd's sd_id128_* functions with its exact signatures. Raw pointers are
//! checked here (NULL is -EINVAL, or NULL for the formatting functions, as in 252), and results
//! become `-errno`, and nowhere else.
//!
//! The safety contract of every function is the one sd-id128(3) states for C callers (valid C
//! strings, buffers of the stated size, writable out-pointers); the docs here become the
//! header's comments, so they are not repeated as `# Safety` sections.
#![allow(clippy::missing_safety_doc)]

use super::{app, invocation, machine, random, string, Id};
use crate::errno::{to_c, Result};
use core::ffi::CStr;
use libc::{c_char, c_int};

/// libsystemd's `union sd_id128` (`sd_id128_t`): 16 bytes, 8-byte aligned, passed by value in
/// two registers. Declared by hand in the header (cbindgen/id128.toml), with systemd's names.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(non_camel_case_types)]
pub union sd_id128_t {
    pub bytes: [u8; 16],
    pub qwords: [u64; 2],
}

fn id_of(v: sd_id128_t) -> Id {
    // SAFETY: both fields cover all 16 bytes and every bit pattern is a valid [u8; 16].
    unsafe { v.bytes }
}

/// Stores the ID of a successful result in `*ret` (non-null, checked by the caller); 0 then.
///
/// # Safety
/// `ret` is a writable `sd_id128_t *`.
unsafe fn store(ret: *mut sd_id128_t, r: Result<Id>) -> c_int {
    to_c(r.map(|id| {
        // SAFETY: per this function's contract.
        unsafe { ret.write(sd_id128_t { bytes: id }) };
        0
    }))
}

/// Parses `s`, 32 hex digits or a UUID (dashes after digits 8, 12, 16 and 20), either case,
/// nothing before or after, into `*ret` (which may be NULL, to only validate). Returns 0, or
/// -EINVAL.
#[no_mangle]
pub unsafe extern "C" fn sd_id128_from_string(s: *const c_char, ret: *mut sd_id128_t) -> c_int {
    if s.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: a non-null `s` is a C string, per sd_id128_from_string(3).
    let r = string::parse(unsafe { CStr::from_ptr(s) }.to_bytes());
    if ret.is_null() {
        return to_c(r.map(|_| 0));
    }
    // SAFETY: a non-null `ret` is writable.
    unsafe { store(ret, r) }
}

/// Stores a new random ID in `*ret`, a version 4 UUID (from getrandom(2), never blocking).
/// Returns 0, or -EINVAL for a NULL `ret`.
#[no_mangle]
pub unsafe extern "C" fn sd_id128_randomize(ret: *mut sd_id128_t) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `ret` is non-null and writable, per sd_id128_randomize(3).
    unsafe { store(ret, random::v4()) }
}

/// Stores the machine ID (/etc/machine-id, 32 hex digits) in `*ret`. Returns 0, -ENOENT without
/// the file, -ENOMEDIUM when it is empty or all zeros, -ENOPKG when it says "uninitialized",
/// -EINVAL for other content, or another negative errno from open/read. Read once per process.
#[no_mangle]
pub unsafe extern "C" fn sd_id128_get_machine(ret: *mut sd_id128_t) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `ret` is non-null and writable, per sd_id128_get_machine(3).
    unsafe { store(ret, machine::machine_id()) }
}

/// Stores the boot ID (/proc/sys/kernel/random/boot_id, a UUID) in `*ret`. Returns 0, or a
/// negative errno as for sd_id128_get_machine() (an all-zero boot ID is returned as such). Read
/// once per process.
#[no_mangle]
pub unsafe extern "C" fn sd_id128_get_boot(ret: *mut sd_id128_t) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `ret` is non-null and writable, per sd_id128_get_boot(3).
    unsafe { store(ret, machine::boot_id()) }
}

/// Stores the invocation ID of the unit this process runs in: `$INVOCATION_ID` if set (not for
/// set-user-ID programs), else the "invocation_id" key of the session keyring when root owns it
/// and nobody else may change it. Returns 0; -ENXIO when there is neither; -EINVAL when
/// `$INVOCATION_ID` is not an ID; -EPERM or -EIO for a key that is not trustworthy. Read once
/// per process.
#[no_mangle]
pub unsafe extern "C" fn sd_id128_get_invocation(ret: *mut sd_id128_t) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `ret` is non-null and writable, per sd_id128_get_invocation(3).
    unsafe { store(ret, invocation::invocation_id()) }
}

/// Stores in `*ret` an ID for the application `app_id` on this machine, from which the machine
/// ID cannot be recovered: HMAC-SHA256 keyed with the machine ID over `app_id`, its first half
/// made a version 4 UUID (the same bytes as libsystemd's). Errors as sd_id128_get_machine().
#[no_mangle]
pub unsafe extern "C" fn sd_id128_get_machine_app_specific(app_id: sd_id128_t, ret: *mut sd_id128_t) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `ret` is non-null and writable, per sd_id128_get_machine_app_specific(3).
    unsafe { store(ret, app::machine_specific(&id_of(app_id))) }
}

/// Like sd_id128_get_machine_app_specific(), keyed with the boot ID: an ID for the application
/// `app_id` that changes with every boot. Errors as sd_id128_get_boot().
#[no_mangle]
pub unsafe extern "C" fn sd_id128_get_boot_app_specific(app_id: sd_id128_t, ret: *mut sd_id128_t) -> c_int {
    if ret.is_null() {
        return -libc::EINVAL;
    }
    // SAFETY: `ret` is non-null and writable, per sd_id128_get_boot_app_specific(3).
    unsafe { store(ret, app::boot_specific(&id_of(app_id))) }
}

/// 1 if `s` is a valid ID string (as sd_id128_from_string() accepts) equal to `id`, 0 if it is
/// valid and different or `s` is NULL, -EINVAL if it is not an ID.
#[no_mangle]
pub unsafe extern "C" fn sd_id128_string_equal(s: *const c_char, id: sd_id128_t) -> c_int {
    if s.is_null() {
        return 0;
    }
    // SAFETY: a non-null `s` is a C string, per sd_id128_string_equal(3).
    let r = string::parse(unsafe { CStr::from_ptr(s) }.to_bytes());
    to_c(r.map(|parsed| c_int::from(parsed == id_of(id))))
}

/// Writes `id` as 32 lowercase hex digits and a NUL into `s` (SD_ID128_STRING_MAX bytes) and
/// returns `s`; NULL for a NULL `s`. Declared by hand in the header (C99 `[static N]`).
#[no_mangle]
pub unsafe extern "C" fn sd_id128_to_string(id: sd_id128_t, s: *mut c_char) -> *mut c_char {
    if s.is_null() {
        return s;
    }
    // SAFETY: a non-null `s` has SD_ID128_STRING_MAX writable bytes, per sd_id128_to_string(3).
    let out = unsafe { &mut *s.cast::<[u8; string::PLAIN_MAX]>() };
    string::format_plain(&id_of(id), out);
    s
}

/// Writes `id` in the UUID form and a NUL into `s` (SD_ID128_UUID_STRING_MAX bytes) and returns
/// `s`; NULL for a NULL `s`. Declared by hand in the header (C99 `[static N]`).
#[no_mangle]
pub unsafe extern "C" fn sd_id128_to_uuid_string(id: sd_id128_t, s: *mut c_char) -> *mut c_char {
    if s.is_null() {
        return s;
    }
    // SAFETY: a non-null `s` has SD_ID128_UUID_STRING_MAX writable bytes, per
    // sd_id128_to_uuid_string(3).
    let out = unsafe { &mut *s.cast::<[u8; string::UUID_MAX]>() };
    string::format_uuid(&id_of(id), out);
    s
}

// The C union's layout, which callers pass by value.
const _: () = assert!(core::mem::size_of::<sd_id128_t>() == 16 && core::mem::align_of::<sd_id128_t>() == 8);
