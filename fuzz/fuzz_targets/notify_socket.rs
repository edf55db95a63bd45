//! sd_notify(unset, "X") with an arbitrary NOTIFY_SOCKET, sdlite against libsystemd 252:
//! the address parser (`/path`, `@abstract`, everything else) and what sending to it gives,
//! comparing the result, errno and the environment afterwards.
//!
//! Safety: this target sends a 1-byte datagram wherever the input points, so it refuses to run
//! outside the sandbox `fuzz/run.sh` makes: private network namespace (no abstract socket
//! exists; /proc/self/net/unix must be empty), private mount and pid namespaces with fresh
//! tmpfs on /run and /tmp and a fresh /proc (marker file /run/sdlite-fuzz-sandbox). Inputs
//! naming an existing socket file are skipped. Inputs starting with "vsock", or that sdlite
//! parses as vsock, never reach sd_notify on either side (no AF_VSOCK traffic, which no
//! namespace contains): they only go to sdlite's parser, which must refuse the non-vsock ones
//! with -EINVAL as 252 does (252 refuses the vsock forms too: a documented difference).
//!
//! Input: one flag byte (bit 0 unset_environment, bit 1 NOTIFY_SOCKET unset), then the value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdlite::fuzzing::{notify_address, Address};
use sdlite_fuzz::*;
use std::ffi::{CStr, CString};

#[derive(Debug, PartialEq)]
struct Outcome {
    ret: i32,
    errno: i32,
    env: Vec<(String, Option<String>)>,
}

/// Run once before any input: exits (no input is ever run) outside the sandbox.
fn check_sandbox() {
    {
        let marker = std::path::Path::new("/run/sdlite-fuzz-sandbox").exists();
        let unix = std::fs::read_to_string("/proc/self/net/unix").unwrap_or_default();
        let sockets = unix.lines().skip(1).count();
        if !marker || sockets != 0 {
            eprintln!(
                "notify_socket: refusing to run outside fuzz/run.sh's sandbox \
                 (marker {marker}, {sockets} AF_UNIX sockets in this network namespace)"
            );
            std::process::exit(2);
        }
    }
}

/// Whether `path` (or what it resolves to) is a socket file: never sent to.
fn names_a_socket(path: &[u8]) -> bool {
    let c = CString::new(path).expect("no NUL");
    // SAFETY: a C string and a zeroed stat buffer.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        let is_sock = |st: &libc::stat| st.st_mode & libc::S_IFMT == libc::S_IFSOCK;
        (libc::lstat(c.as_ptr(), &mut st) == 0 && is_sock(&st))
            || (libc::stat(c.as_ptr(), &mut st) == 0 && is_sock(&st))
    }
}

fuzz_target!(init: { check_sandbox(); init() }, |data: &[u8]| {
    let (&flags, value) = data.split_first().unwrap_or((&0, &[]));
    if value.contains(&0) {
        return;
    }
    let unset = (flags & 1) as i32;
    let set = flags & 2 == 0;
    let c = CString::new(value).expect("no NUL");
    let parsed = notify_address(CStr::from_bytes_with_nul(c.as_bytes_with_nul()).unwrap());
    let is_vsock = matches!(parsed, Ok(Address::Vsock { .. }));
    if set && (value.starts_with(b"vsock") || is_vsock) {
        // Only sdlite's parser sees these. 252 refuses them all with -EINVAL, and so must
        // sdlite, except the vsock forms themselves (the documented difference).
        let vsock_form = [&b"vsock:"[..], b"vsock-dgram:", b"vsock-seqpacket:", b"vsock-stream:"]
            .iter()
            .any(|p| value.starts_with(p));
        if !vsock_form {
            let input = || format!("NOTIFY_SOCKET={} (parser only)", show_var(Some(value)));
            compare("notify_socket", input, &parsed.err(), &Some(libc::EINVAL));
        }
        return;
    }
    if set && value.first() == Some(&b'/') && names_a_socket(value) {
        return;
    }
    let vars = [(c"NOTIFY_SOCKET", set.then_some(value))];
    let run = |f: &dyn Fn(i32) -> i32| {
        let env = env_install(&vars);
        let (ret, errno) = with_errno(|| f(unset));
        Outcome { ret, errno, env: env.snapshot() }
    };
    // SAFETY: a valid C string as the state.
    let ours = run(&|u| unsafe { sdlite::daemon::ffi::sd_notify(u, c"X".as_ptr()) });
    let sys = system();
    // SAFETY: as above.
    let theirs = run(&|u| unsafe { (sys.sd_notify)(u, c"X".as_ptr()) });
    let input = || format!("sd_notify({unset}, \"X\") with NOTIFY_SOCKET={}", show_var(vars[0].1));
    compare("notify_socket", input, &ours, &theirs);
});
