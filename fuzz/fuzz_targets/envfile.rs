//! sd-login's text rules, sdlite against systemd 252's own code: libsystemd-shared-252.so (from
//! the systemd package) exports the functions libsystemd.so.0 is built from, loaded here with
//! dlopen next to sdlite.
//!
//! Input: one byte choosing the rule, then the text (raw bytes).
//! byte 0 % 5 == 0: the env-file parser (logind's state files): parse_env_file_sentinel() on a
//!   FILE with those bytes, asked for seven keys (A, B, AB, "A B", STATE, #A, x), against
//!   sdlite's parser: the return value and every key's value (NULL or the string).
//! == 1: cunescape_length_with_prefix(s, len, NULL, 0) (sd_session_get_desktop) against
//!   sdlite's; text with a NUL is skipped (it comes from a C string).
//! == 2: strv_split_full(s, NULL, EXTRACT_RETAIN_ESCAPE) (strv_split: session, seat, NETIF
//!   lists) against sdlite's word splitter with backslashes kept.
//! == 3: strv_split_full(s, NULL, 0) (extract_first_word without flags: sd_uid_is_on_seat, a
//!   seat's UIDS) against sdlite's with backslash escapes.
//! == 4: the name rules: hostname_is_valid(s, 0), filename_is_valid, session_id_valid,
//!   hidden_or_backup_file and parse_boolean against sdlite's.
//! (Texts with a NUL are skipped for 1-4: they come from C strings.)
#![no_main]

use libc::{c_char, c_int};
use libfuzzer_sys::fuzz_target;
use sdlite_fuzz::*;
use std::ffi::{CStr, CString};
use std::sync::OnceLock;

const SHARED: &CStr = c"/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so";
const KEYS: [&[u8]; 7] = [b"A", b"B", b"AB", b"A B", b"STATE", b"#A", b"x"];
/// 252's ExtractFlags: EXTRACT_RETAIN_ESCAPE is 1 << 7 there (checked on "a\ b" at start-up).
const EXTRACT_RETAIN_ESCAPE: c_int = 1 << 7;

type ParseEnvFn = unsafe extern "C" fn(*mut libc::FILE, *const c_char, ...) -> c_int;
type CunescapeFn = unsafe extern "C" fn(*const c_char, usize, *const c_char, c_int, *mut *mut c_char) -> isize;
type SplitFn = unsafe extern "C" fn(*mut *mut *mut c_char, *const c_char, *const c_char, c_int) -> c_int;
type HostnameFn = unsafe extern "C" fn(*const c_char, c_int) -> bool;
type PredFn = unsafe extern "C" fn(*const c_char) -> bool;
type BoolFn = unsafe extern "C" fn(*const c_char) -> c_int;

struct Shared {
    parse_env: ParseEnvFn,
    cunescape: CunescapeFn,
    split: SplitFn,
    hostname_is_valid: HostnameFn,
    filename_is_valid: PredFn,
    session_id_valid: PredFn,
    hidden_or_backup_file: PredFn,
    parse_boolean: BoolFn,
    memfd: c_int,
}

fn shared() -> &'static Shared {
    static LIB: OnceLock<Shared> = OnceLock::new();
    LIB.get_or_init(|| {
        // SAFETY: dlopen/dlsym with valid C strings; the function types repeat 252's prototypes
        // (src/basic/env-file.h, escape.h, strv.h, log.h).
        unsafe {
            let h = libc::dlopen(SHARED.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            assert!(!h.is_null(), "fuzz setup: cannot load {SHARED:?}: {:?}", CStr::from_ptr(libc::dlerror()));
            let sym = |name: &CStr| {
                let p = libc::dlsym(h, name.as_ptr());
                assert!(!p.is_null(), "fuzz setup: {name:?} missing from {SHARED:?}");
                p
            };
            // Its parser logs every invalid UTF-8 line at LOG_ERR; only LOG_CRIT and worse pass.
            let set_level: unsafe extern "C" fn(c_int) = std::mem::transmute(sym(c"log_set_max_level"));
            set_level(libc::LOG_CRIT);
            let memfd = libc::memfd_create(c"envfile".as_ptr(), libc::MFD_CLOEXEC);
            assert!(memfd >= 0, "fuzz setup: memfd_create");
            let s = Shared {
                parse_env: std::mem::transmute::<*mut libc::c_void, ParseEnvFn>(sym(c"parse_env_file_sentinel")),
                cunescape: std::mem::transmute::<*mut libc::c_void, CunescapeFn>(sym(c"cunescape_length_with_prefix")),
                split: std::mem::transmute::<*mut libc::c_void, SplitFn>(sym(c"strv_split_full")),
                hostname_is_valid: std::mem::transmute::<*mut libc::c_void, HostnameFn>(sym(c"hostname_is_valid")),
                filename_is_valid: std::mem::transmute::<*mut libc::c_void, PredFn>(sym(c"filename_is_valid")),
                session_id_valid: std::mem::transmute::<*mut libc::c_void, PredFn>(sym(c"session_id_valid")),
                hidden_or_backup_file: std::mem::transmute::<*mut libc::c_void, PredFn>(sym(
                    c"hidden_or_backup_file",
                )),
                parse_boolean: std::mem::transmute::<*mut libc::c_void, BoolFn>(sym(c"parse_boolean")),
                memfd,
            };
            assert_eq!(system_split(&s, b"a\\ b", EXTRACT_RETAIN_ESCAPE), Ok(vec![b"a\\".to_vec(), b"b".to_vec()]));
            s
        }
    })
}

fn take_strv(l: *mut *mut c_char) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    if l.is_null() {
        return v;
    }
    // SAFETY: a NULL-terminated array of malloc'd strings from the library; freed here.
    unsafe {
        let mut i = 0;
        while !(*l.add(i)).is_null() {
            let s = *l.add(i);
            v.push(CStr::from_ptr(s).to_bytes().to_vec());
            libc::free(s.cast());
            i += 1;
        }
        libc::free(l.cast());
    }
    v
}

fn system_split(s: &Shared, text: &[u8], flags: c_int) -> Result<Vec<Vec<u8>>, i32> {
    let c = CString::new(text).expect("no NUL");
    let mut l: *mut *mut c_char = std::ptr::null_mut();
    // SAFETY: valid C string and out-pointer.
    let r = unsafe { (s.split)(&mut l, c.as_ptr(), std::ptr::null(), flags) };
    if r < 0 {
        return Err(-r);
    }
    Ok(take_strv(l))
}

fn system_env(s: &Shared, data: &[u8]) -> Result<[Option<Vec<u8>>; 7], i32> {
    // SAFETY: the memfd is ours; the FILE is a dup of it, closed by fclose.
    unsafe {
        assert_eq!(libc::ftruncate(s.memfd, 0), 0);
        assert_eq!(libc::pwrite(s.memfd, data.as_ptr().cast(), data.len(), 0), data.len() as isize);
        let fd = libc::dup(s.memfd);
        assert!(fd >= 0);
        assert_eq!(libc::lseek(fd, 0, libc::SEEK_SET), 0);
        let f = libc::fdopen(fd, c"r".as_ptr());
        assert!(!f.is_null());
        let keys: Vec<CString> = KEYS.iter().map(|k| CString::new(*k).unwrap()).collect();
        let mut v: [*mut c_char; 7] = [std::ptr::null_mut(); 7];
        let p = v.as_mut_ptr();
        let r = (s.parse_env)(
            f,
            c"fuzz".as_ptr(),
            keys[0].as_ptr(),
            p,
            keys[1].as_ptr(),
            p.add(1),
            keys[2].as_ptr(),
            p.add(2),
            keys[3].as_ptr(),
            p.add(3),
            keys[4].as_ptr(),
            p.add(4),
            keys[5].as_ptr(),
            p.add(5),
            keys[6].as_ptr(),
            p.add(6),
            std::ptr::null::<c_char>(),
        );
        libc::fclose(f);
        let out = v.map(|s| {
            if s.is_null() {
                None
            } else {
                let b = CStr::from_ptr(s).to_bytes().to_vec();
                libc::free(s.cast());
                Some(b)
            }
        });
        if r < 0 {
            Err(-r)
        } else {
            Ok(out)
        }
    }
}

fn system_cunescape(s: &Shared, text: &[u8]) -> Result<Vec<u8>, i32> {
    let mut out: *mut c_char = std::ptr::null_mut();
    // SAFETY: `text` is readable for its length; `out` a valid out-pointer.
    let r = unsafe { (s.cunescape)(text.as_ptr().cast(), text.len(), std::ptr::null(), 0, &mut out) };
    if r < 0 {
        return Err(-r as i32);
    }
    // SAFETY: r bytes (and a NUL) in a malloc'd buffer.
    let v = unsafe { std::slice::from_raw_parts(out.cast::<u8>(), r as usize).to_vec() };
    // SAFETY: malloc'd by the library.
    unsafe { libc::free(out.cast()) };
    Ok(v)
}

fuzz_target!(init: {
    init();
    let _ = shared();
}, |data: &[u8]| {
    let s = shared();
    let Some((&mode, text)) = data.split_first() else { return };
    let show = || format!("mode {} text \"{}\"", mode % 5, escape(text));
    match mode % 5 {
        0 => {
            let ours = sdlite::fuzzing::env_file(text, KEYS);
            let theirs = system_env(s, text);
            compare("envfile", show, &ours, &theirs);
        }
        1 => {
            if text.contains(&0) {
                return;
            }
            compare("envfile", show, &sdlite::fuzzing::cunescape(text), &system_cunescape(s, text));
        }
        4 => {
            if text.contains(&0) {
                return;
            }
            let c = CString::new(text).expect("no NUL");
            // SAFETY: a valid C string; these functions only read it.
            let theirs = unsafe {
                let b = (s.parse_boolean)(c.as_ptr());
                (
                    (s.hostname_is_valid)(c.as_ptr(), 0),
                    (s.filename_is_valid)(c.as_ptr()),
                    (s.session_id_valid)(c.as_ptr()),
                    (s.hidden_or_backup_file)(c.as_ptr()),
                    if b < 0 { Err(-b) } else { Ok(b != 0) },
                )
            };
            compare("envfile", show, &sdlite::fuzzing::name_rules(text), &theirs);
        }
        m => {
            if text.contains(&0) {
                return;
            }
            let retain = m == 2;
            let theirs = system_split(s, text, if retain { EXTRACT_RETAIN_ESCAPE } else { 0 });
            compare("envfile", show, &sdlite::fuzzing::split_words(text, retain), &theirs);
        }
    }
});
