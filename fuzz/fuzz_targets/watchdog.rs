//! sd_watchdog_enabled(): WATCHDOG_USEC (safe_atou64) and WATCHDOG_PID (parse_pid), sdlite
//! against libsystemd 252.
//!
//! Input: one flag byte, then WATCHDOG_USEC, a NUL, WATCHDOG_PID. Both fields go through
//! `sdlite_fuzz::expand`, so "%d", "0x%x", " +%o", "%M"... spell the fuzzer's own pid.
//! Flags: bit 0 unset_environment (bit 4 picks -7 instead of 1 as the "yes" value), bit 1 a
//! NULL `usec`, bit 2 WATCHDOG_USEC unset, bit 3 WATCHDOG_PID unset.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdlite_fuzz::*;

const SENTINEL: u64 = 0x5eed_5eed_5eed_5eed;

#[derive(Debug, PartialEq)]
struct Outcome {
    ret: i32,
    usec: Option<u64>,
    errno: i32,
    env: Vec<(String, Option<String>)>,
}

fuzz_target!(init: init(), |data: &[u8]| {
    let (&flags, mut rest) = data.split_first().unwrap_or((&0, &[]));
    let pid = getpid();
    let usec = expand(next_field(&mut rest), pid);
    let wpid = expand(next_field(&mut rest), pid);
    if usec.contains(&0) || wpid.contains(&0) || rest.contains(&0) {
        return; // a NUL cannot be in an environment value
    }
    let unset = match (flags & 1, flags & 0x10) {
        (0, _) => 0,
        (_, 0) => 1,
        _ => -7,
    };
    let null_usec = flags & 2 != 0;
    let vars = [
        (c"WATCHDOG_USEC", (flags & 4 == 0).then_some(&usec[..])),
        (c"WATCHDOG_PID", (flags & 8 == 0).then_some(&wpid[..])),
    ];

    let run = |f: &dyn Fn(i32, *mut u64) -> i32| {
        let env = env_install(&vars);
        let mut out = SENTINEL;
        let p: *mut u64 = if null_usec { std::ptr::null_mut() } else { &mut out };
        let (ret, errno) = with_errno(|| f(unset, p));
        Outcome { ret, usec: (!null_usec).then_some(out), errno, env: env.snapshot() }
    };
    // SAFETY: both functions take an int and a NULL or writable uint64_t *.
    let ours = run(&|u, p| unsafe { sdlite::daemon::ffi::sd_watchdog_enabled(u, p) });
    let sys = system();
    // SAFETY: as above.
    let theirs = run(&|u, p| unsafe { (sys.sd_watchdog_enabled)(u, p) });
    let input = || {
        format!(
            "sd_watchdog_enabled({unset}, {}) with WATCHDOG_USEC={} WATCHDOG_PID={} (our pid {pid})",
            if null_usec { "NULL" } else { "&usec" },
            show_var(vars[0].1),
            show_var(vars[1].1),
        )
    };
    compare("watchdog", input, &ours, &theirs);
});
