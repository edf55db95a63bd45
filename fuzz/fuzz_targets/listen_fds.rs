//! sd_listen_fds(): LISTEN_PID (parse_pid) and LISTEN_FDS (safe_atoi, range, the FD_CLOEXEC
//! loop), sdlite against libsystemd 252, comparing the result, errno, the environment and the
//! FD_CLOEXEC flag of every fd from 3 on.
//!
//! Input: three bytes, then LISTEN_PID, a NUL, LISTEN_FDS (both through `sdlite_fuzz::expand`,
//! so "%d" is the fuzzer's own pid).
//! byte 0: bit 0 unset_environment (bit 5: -1 as the "yes" value), bit 1 call
//!   sd_listen_fds_with_names(unset, NULL) instead, bit 2 LISTEN_PID unset, bit 3 LISTEN_FDS
//!   unset, bit 4 LISTEN_FDNAMES set to "x" (must not matter).
//! byte 1: FD_CLOEXEC pattern of fds 3..10 at the call (bit i: fd 3+i; fds 11.. start without).
//! byte 2: one of fds 3.. to close during the call (0: none).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdlite_fuzz::*;

#[derive(Debug, PartialEq)]
struct Outcome {
    ret: i32,
    errno: i32,
    env: Vec<(String, Option<String>)>,
    fds: String,
}

fuzz_target!(init: {
    init();
    // Before libFuzzer opens anything else: fds 3..=34 become ours.
    let _ = fds();
}, |data: &[u8]| {
    let fds = fds();
    let (head, mut rest) = data.split_at(data.len().min(3));
    let byte = |i: usize| head.get(i).copied().unwrap_or(0);
    let (flags, pattern, hole) = (byte(0), byte(1), byte(2));
    let pid = getpid();
    let lpid = expand(next_field(&mut rest), pid);
    let lfds = expand(next_field(&mut rest), pid);
    if lpid.contains(&0) || lfds.contains(&0) || rest.contains(&0) {
        return;
    }
    let unset = match (flags & 1, flags & 0x20) {
        (0, _) => 0,
        (_, 0) => 1,
        _ => -1,
    };
    let with_names = flags & 2 != 0;
    let vars = [
        (c"LISTEN_PID", (flags & 4 == 0).then_some(&lpid[..])),
        (c"LISTEN_FDS", (flags & 8 == 0).then_some(&lfds[..])),
        (c"LISTEN_FDNAMES", (flags & 0x10 != 0).then_some(&b"x"[..])),
    ];
    let setup = fds.setup(pattern as u64, hole);

    let run = |f: &dyn Fn(i32) -> i32| {
        let env = env_install(&vars);
        setup.apply();
        let (ret, errno) = with_errno(|| f(unset));
        let o = Outcome { ret, errno, env: env.snapshot(), fds: show_flags(&setup.observe()) };
        setup.restore();
        o
    };
    let sys = system();
    let (ours, theirs) = if with_names {
        (
            // SAFETY: a NULL names pointer is allowed.
            run(&|u| unsafe { sdlite::daemon::ffi::sd_listen_fds_with_names(u, std::ptr::null_mut()) }),
            // SAFETY: as above.
            run(&|u| unsafe { (sys.sd_listen_fds_with_names)(u, std::ptr::null_mut()) }),
        )
    } else {
        // SAFETY: no pointer arguments.
        (run(&|u| sdlite::daemon::ffi::sd_listen_fds(u)), run(&|u| unsafe { (sys.sd_listen_fds)(u) }))
    };
    let input = || {
        setup.apply();
        let start = show_flags(&setup.observe());
        setup.restore();
        format!(
            "{}({unset}{}) with LISTEN_PID={} LISTEN_FDS={}{} (our pid {pid}); at the call {start}{}",
            if with_names { "sd_listen_fds_with_names" } else { "sd_listen_fds" },
            if with_names { ", NULL" } else { "" },
            show_var(vars[0].1),
            show_var(vars[1].1),
            if vars[2].1.is_some() { " LISTEN_FDNAMES=\"x\"" } else { "" },
            setup.closed.map_or(String::new(), |fd| format!(" (fd {fd} closed)")),
        )
    };
    compare("listen_fds", input, &ours, &theirs);
});
