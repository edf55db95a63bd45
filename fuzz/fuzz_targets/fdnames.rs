//! sd_listen_fds_with_names(): LISTEN_FDNAMES splitting (':' separators, backslash escapes, the
//! trailing-backslash error, the count check), sdlite against libsystemd 252, comparing the
//! result, errno, the environment, FD_CLOEXEC of every fd from 3 on, and the names array (its
//! strings, or that `*names` was left untouched). Both arrays are freed with free(3).
//!
//! Input: two bytes, then LISTEN_FDNAMES (raw bytes).
//! byte 0: bit 0 unset_environment, bit 1 LISTEN_FDNAMES unset, bit 2 LISTEN_PID another pid,
//!   bit 3 LISTEN_PID unset, bit 4 LISTEN_FDS unset; bits 5-7 FD_CLOEXEC of fds 3..5 at the call.
//! byte 1: LISTEN_FDS, as a decimal number (byte % 40: 0 is an error, more than the 32 open fds
//!   3..=34 ends in EBADF).
#![no_main]

use libc::c_char;
use libfuzzer_sys::fuzz_target;
use sdlite_fuzz::*;
use std::ffi::CStr;

#[derive(Debug, PartialEq)]
enum Names {
    Untouched,
    Null,
    Array(Vec<String>),
}

#[derive(Debug, PartialEq)]
struct Outcome {
    ret: i32,
    errno: i32,
    names: Names,
    env: Vec<(String, Option<String>)>,
    fds: String,
}

/// What `*names` is set to before the call; neither library may read it.
const UNTOUCHED: *mut *mut c_char = 0x5eed as *mut *mut c_char;

/// Reads and frees a names array (at most `limit` entries before the NULL).
fn take_names(p: *mut *mut c_char, limit: usize) -> Names {
    if p == UNTOUCHED {
        return Names::Untouched;
    }
    if p.is_null() {
        return Names::Null;
    }
    let mut v = Vec::new();
    // SAFETY: a library that set `*names` gave a malloc'd, NULL-terminated array of malloc'd
    // strings; a wrong one is exactly what the fuzzer is here to crash on.
    unsafe {
        for i in 0..=limit {
            let s = *p.add(i);
            if s.is_null() {
                break;
            }
            assert!(i < limit, "names array has more than {limit} entries");
            v.push(escape(CStr::from_ptr(s).to_bytes()));
            libc::free(s.cast());
        }
        libc::free(p.cast());
    }
    Names::Array(v)
}

fuzz_target!(init: {
    init();
    // Before libFuzzer opens anything else: fds 3..=34 become ours.
    let _ = fds();
}, |data: &[u8]| {
    let fds = fds();
    let (head, names) = data.split_at(data.len().min(2));
    if names.contains(&0) {
        return;
    }
    let byte = |i: usize| head.get(i).copied().unwrap_or(0);
    let (flags, n) = (byte(0), byte(1) % 40);
    let unset = (flags & 1) as i32;
    let pid = getpid();
    let lpid = if flags & 4 != 0 { format!("{}", pid + 1) } else { format!("{pid}") };
    let lfds = format!("{n}");
    let vars = [
        (c"LISTEN_PID", (flags & 8 == 0).then_some(lpid.as_bytes())),
        (c"LISTEN_FDS", (flags & 0x10 == 0).then_some(lfds.as_bytes())),
        (c"LISTEN_FDNAMES", (flags & 2 == 0).then_some(names)),
    ];
    let setup = fds.setup((flags >> 5) as u64, 0);

    let run = |f: &dyn Fn(i32, *mut *mut *mut c_char) -> i32| {
        let env = env_install(&vars);
        setup.apply();
        let mut out = UNTOUCHED;
        let (ret, errno) = with_errno(|| f(unset, &mut out));
        let env_after = env.snapshot();
        drop(env);
        let fds = show_flags(&setup.observe());
        setup.restore();
        Outcome { ret, errno, names: take_names(out, ret.max(0) as usize), env: env_after, fds }
    };
    // SAFETY: `names` is a valid char ***.
    let ours = run(&|u, p| unsafe { sdlite::daemon::ffi::sd_listen_fds_with_names(u, p) });
    let sys = system();
    // SAFETY: as above.
    let theirs = run(&|u, p| unsafe { (sys.sd_listen_fds_with_names)(u, p) });
    let input = || {
        format!(
            "sd_listen_fds_with_names({unset}, &names) with LISTEN_PID={} LISTEN_FDS={} LISTEN_FDNAMES={} \
             (our pid {pid})",
            show_var(vars[0].1),
            show_var(vars[1].1),
            show_var(vars[2].1),
        )
    };
    compare("fdnames", input, &ours, &theirs);
});
