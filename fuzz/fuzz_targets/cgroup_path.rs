//! sd-login's cgroup-path parser (sdlite::login::cgroup) against systemd 252's own functions in
//! /usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so, dlopen'ed into this process:
//! cg_path_get_unit, cg_path_get_user_unit, cg_path_get_slice, cg_path_get_user_slice,
//! cg_path_get_session, cg_path_get_owner_uid, cg_path_decode_unit, cg_unescape,
//! unit_name_is_valid (flags 1-7), session_id_valid, parse_uid and cg_shift_path (with an
//! explicit root, as cg_pid_get_path_shifted() uses the one from PID 1's cgroup). Pure string
//! functions on both sides: no file is read.
//!
//! Input: one flag byte (bits 0-2: the unit_name_is_valid flags, 0 meaning 7), then the path up
//! to a NUL, then the root for cg_shift_path (the rest, up to a further NUL).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdlite::login::cgroup;
use sdlite_fuzz::{compare, escape, next_field};
use std::ffi::{CStr, CString};
use std::sync::OnceLock;

use libc::{c_char, c_int};

const SHARED: &CStr = c"/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so";

type StrFn = unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> c_int;
type UidFn = unsafe extern "C" fn(*const c_char, *mut u32) -> c_int;
type UnescapeFn = unsafe extern "C" fn(*const c_char) -> *mut c_char;
type ValidFn = unsafe extern "C" fn(*const c_char, c_int) -> bool;
type BoolFn = unsafe extern "C" fn(*const c_char) -> bool;
type ShiftFn = unsafe extern "C" fn(*const c_char, *const c_char, *mut *const c_char) -> c_int;

struct Shared {
    get_unit: StrFn,
    get_user_unit: StrFn,
    get_slice: StrFn,
    get_user_slice: StrFn,
    get_session: StrFn,
    decode_unit: StrFn,
    get_owner_uid: UidFn,
    parse_uid: UidFn,
    unescape: UnescapeFn,
    unit_name_is_valid: ValidFn,
    session_id_valid: BoolFn,
    shift_path: ShiftFn,
}

fn shared() -> &'static Shared {
    static LIB: OnceLock<Shared> = OnceLock::new();
    LIB.get_or_init(|| {
        // SAFETY: dlopen/dlsym with valid C strings; each function pointer type repeats the
        // C prototype of systemd 252's src/basic/ (cgroup-util.h, unit-name.h, login-util.h,
        // user-util.h), where UnitNameFlags is an int-sized enum and bool is C's _Bool.
        unsafe {
            let h = libc::dlopen(SHARED.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            if h.is_null() {
                panic!("fuzz setup: cannot load {SHARED:?}: {:?}", CStr::from_ptr(libc::dlerror()));
            }
            let sym = |name: &CStr| {
                let p = libc::dlsym(h, name.as_ptr());
                assert!(!p.is_null(), "fuzz setup: {name:?} missing from {SHARED:?}");
                p
            };
            macro_rules! f {
                ($name:literal, $t:ty) => {
                    std::mem::transmute::<*mut libc::c_void, $t>(sym($name))
                };
            }
            Shared {
                get_unit: f!(c"cg_path_get_unit", StrFn),
                get_user_unit: f!(c"cg_path_get_user_unit", StrFn),
                get_slice: f!(c"cg_path_get_slice", StrFn),
                get_user_slice: f!(c"cg_path_get_user_slice", StrFn),
                get_session: f!(c"cg_path_get_session", StrFn),
                decode_unit: f!(c"cg_path_decode_unit", StrFn),
                get_owner_uid: f!(c"cg_path_get_owner_uid", UidFn),
                parse_uid: f!(c"parse_uid", UidFn),
                unescape: f!(c"cg_unescape", UnescapeFn),
                unit_name_is_valid: f!(c"unit_name_is_valid", ValidFn),
                session_id_valid: f!(c"session_id_valid", BoolFn),
                shift_path: f!(c"cg_shift_path", ShiftFn),
            }
        }
    })
}

/// What one string function gave: the string, or the negative errno.
type Answer = Result<String, i32>;

fn ours(r: Result<&[u8], cgroup::Errno>) -> Answer {
    r.map(escape).map_err(|e| -e.0)
}

/// Calls one of 252's `int f(const char *, char **)` and frees what it returned.
fn theirs(f: StrFn, path: &CStr) -> Answer {
    let mut out: *mut c_char = std::ptr::null_mut();
    // SAFETY: a valid C string and a writable out-pointer; the result is malloc'd.
    let r = unsafe { f(path.as_ptr(), &mut out) };
    if r < 0 {
        return Err(r);
    }
    assert!(!out.is_null(), "252 returned {r} without a string");
    // SAFETY: a NUL-terminated string 252 allocated; freed once here.
    let s = unsafe { CStr::from_ptr(out) }.to_bytes().to_vec();
    // SAFETY: as above.
    unsafe { libc::free(out.cast()) };
    Ok(escape(&s))
}

#[derive(Debug, PartialEq)]
struct Outcome {
    unit: Answer,
    user_unit: Answer,
    slice: Answer,
    user_slice: Answer,
    session: Answer,
    owner_uid: Result<u32, i32>,
    decode_unit: Answer,
    unescape: String,
    unit_name_is_valid: bool,
    session_id_valid: bool,
    parse_uid: Result<u32, i32>,
    shifted: String,
}

fuzz_target!(init: { sdlite_fuzz::init_flags(); let _ = shared(); }, |data: &[u8]| {
    let (&flags, mut rest) = data.split_first().unwrap_or((&0, &[]));
    let path = next_field(&mut rest).to_vec();
    let root = next_field(&mut rest).to_vec();
    let bits = match flags & 7 {
        0 => 7,
        b => b,
    };
    let cpath = CString::new(path.clone()).expect("a field holds no NUL");
    let croot = CString::new(root.clone()).expect("a field holds no NUL");
    let s = shared();

    let mine = Outcome {
        unit: ours(cgroup::path_get_unit(&path)),
        user_unit: ours(cgroup::path_get_user_unit(&path)),
        slice: ours(cgroup::path_get_slice(&path)),
        user_slice: ours(cgroup::path_get_user_slice(&path)),
        session: ours(cgroup::path_get_session(&path)),
        owner_uid: cgroup::path_get_owner_uid(&path).map_err(|e| -e.0),
        decode_unit: ours(cgroup::decode_unit(&path)),
        unescape: escape(cgroup::unescape(&path)),
        unit_name_is_valid: cgroup::unit_name_is_valid(&path, cgroup::UnitNameFlags::from_bits(bits)),
        session_id_valid: cgroup::session_id_valid(&path),
        // 252's parse_uid() fails with -EINVAL/-ERANGE/-ENXIO; only success matters to callers.
        parse_uid: cgroup::parse_uid(&path).ok_or(-1),
        shifted: escape(cgroup::shift_path(&path, &root)),
    };
    // SAFETY (every call below): valid C strings and writable out-pointers, as the C prototypes
    // want; returned strings are freed by `theirs`.
    let sys = unsafe {
        let mut uid = 0u32;
        let r = (s.get_owner_uid)(cpath.as_ptr(), &mut uid);
        let owner_uid = if r < 0 { Err(r) } else { Ok(uid) };
        let mut puid = 0u32;
        let parse_uid = if (s.parse_uid)(cpath.as_ptr(), &mut puid) < 0 { Err(-1) } else { Ok(puid) };
        let un = (s.unescape)(cpath.as_ptr());
        let mut shifted: *const c_char = std::ptr::null();
        assert!((s.shift_path)(cpath.as_ptr(), croot.as_ptr(), &mut shifted) == 0);
        Outcome {
            unit: theirs(s.get_unit, &cpath),
            user_unit: theirs(s.get_user_unit, &cpath),
            slice: theirs(s.get_slice, &cpath),
            user_slice: theirs(s.get_user_slice, &cpath),
            session: theirs(s.get_session, &cpath),
            owner_uid,
            decode_unit: theirs(s.decode_unit, &cpath),
            unescape: escape(CStr::from_ptr(un).to_bytes()),
            unit_name_is_valid: (s.unit_name_is_valid)(cpath.as_ptr(), bits as c_int),
            session_id_valid: (s.session_id_valid)(cpath.as_ptr()),
            parse_uid,
            shifted: escape(CStr::from_ptr(shifted).to_bytes()),
        }
    };
    let input = || format!("path \"{}\", root \"{}\", flags {bits}", escape(&path), escape(&root));
    compare("cgroup_path", input, &mine, &sys);
});
