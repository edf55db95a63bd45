//! sdlite-notify: systemd-notify(1) on sdlite's notify protocol. See notify-tool-README-notes.md
//! (README) and tools/src/notify_options.rs for the command line.

use sdlite::daemon::ffi as sd;
use sdlite_tools::fork_notify;
use sdlite_tools::notify_options::{self, Action, Failure, Request, UserIds, World};
use std::ffi::{CString, OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;

fn main() {
    std::process::exit(run());
}

fn err_out(bytes: &[u8]) {
    let _ = std::io::stderr().write_all(bytes);
}

fn fail_text(errno: i32, text: &str) -> Failure {
    Failure { stderr: format!("{text}\n").into_bytes(), help: false, errno }
}

/// Like systemd's main-func.h in 252: a failure also tells the manager its errno (`ERRNO=`),
/// from our own pid.
fn report_errno(errno: i32) {
    if let Ok(m) = CString::new(format!("ERRNO={errno}")) {
        // SAFETY: m is a valid C string.
        unsafe { sd::sd_notify(0, m.as_ptr()) };
    }
}

fn user_lookup(name: &OsStr) -> Result<UserIds, i32> {
    let bytes = name.as_bytes();
    // 252's get_user_creds() makes these two up without asking the user database.
    if bytes == b"root" || bytes == b"0" {
        return Ok((0, Some(0)));
    }
    if (bytes == b"nobody" || bytes == b"65534") && !std::path::Path::new("/etc/systemd/dont-synthesize-nobody").exists() {
        return Ok((65534, Some(65534)));
    }
    let c = CString::new(bytes).map_err(|_| libc::EINVAL)?;
    let numeric = sdlite::tool_parsers::parse_uid(&c).ok();
    // SAFETY: getpwuid/getpwnam with a valid argument; the entry is read before any other call.
    let pw = unsafe {
        match numeric {
            Some(uid) => libc::getpwuid(uid),
            None => libc::getpwnam(c.as_ptr()),
        }
    };
    if pw.is_null() {
        return Err(libc::ESRCH);
    }
    // SAFETY: pw is a valid passwd entry.
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok((uid, Some(gid)))
}

/// fds >= 3 open now (258's fdset_new_fill), without the one that lists them.
fn inherited_fds() -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return Vec::new() };
    let listed: Vec<i32> = dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).filter(|&fd| fd >= 3).collect();
    // SAFETY: F_GETFD only asks; the directory's own fd is closed by now and fails here.
    listed.into_iter().filter(|&fd| unsafe { libc::fcntl(fd, libc::F_GETFD) } >= 0).collect()
}

fn close(fd: i32) {
    // SAFETY: fd is one this program owns (inherited and taken over, or duplicated).
    unsafe { libc::close(fd) };
}

fn monotonic_usec() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: ts is a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}

fn run() -> i32 {
    let args: Vec<OsString> = std::env::args_os().collect();
    let argv0 = args.first().map(|a| a.as_bytes()).unwrap_or(b"sdlite-notify");
    let short = argv0.rsplit(|&c| c == b'/').next().unwrap_or(argv0).to_vec();
    let manager = std::env::var_os("MANAGERPID");
    let world = World {
        // SAFETY: getpid/getppid cannot fail.
        pid: unsafe { libc::getpid() },
        // SAFETY: as above.
        ppid: unsafe { libc::getppid() },
        manager_pid: manager.as_deref(),
        lookup_user: &user_lookup,
        inherited_fds: &inherited_fds,
        posixly_correct: std::env::var_os("POSIXLY_CORRECT").is_some(),
    };
    let result = notify_options::parse(&args, &world).and_then(|parsed| {
        err_out(&parsed.warnings);
        match parsed.action {
            Action::Help => {
                let _ = std::io::stdout().write_all(&notify_options::help(&short));
                Ok(0)
            }
            Action::Version => {
                let _ = writeln!(
                    std::io::stdout(),
                    "sdlite-notify {} (the options of systemd-notify 258, the protocol of libsystemd 252, from sdlite)",
                    env!("CARGO_PKG_VERSION")
                );
                Ok(0)
            }
            Action::Booted => Ok(if sd::sd_booted() > 0 { 0 } else { 1 }),
            Action::Fork { cmdline, quiet } => match fork_notify::fork_notify(&cmdline) {
                Ok(pid) => {
                    if !quiet {
                        let _ = writeln!(std::io::stdout(), "{pid}");
                    }
                    Ok(0)
                }
                Err(f) => Err(fail_text(f.errno, &f.text)),
            },
            Action::Notify(r) => notify(r, &world),
        }
    });
    match result {
        Ok(code) => code,
        Err(f) => {
            if f.help {
                let _ = std::io::stdout().write_all(&notify_options::help(&short));
            }
            err_out(&f.stderr);
            report_errno(f.errno);
            1
        }
    }
}

fn errno_now() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

fn notify(r: Request, world: &World) -> Result<i32, Failure> {
    for &fd in &r.unreferenced_fds {
        close(fd);
    }
    // stdin/stdout/stderr stay ours: pass copies of them.
    let mut fds = Vec::with_capacity(r.fds.len());
    for &fd in &r.fds {
        if fd < 3 {
            // SAFETY: F_DUPFD_CLOEXEC on a descriptor number; failure is checked.
            let d = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
            if d < 0 {
                let e = errno_now();
                fds.iter().for_each(|&f| close(f));
                return Err(fail_text(e, &format!("Failed to duplicate file descriptor: {}", sdlite_tools::strerror_text(e))));
            }
            fds.push(d);
        } else {
            fds.push(fd);
        }
    }
    let message = notify_options::message(&r, monotonic_usec());
    let message = CString::new(message).map_err(|_| fail_text(libc::EINVAL, "Invalid message."))?;

    // Only the real ids change: the effective ones keep the privilege to claim them in
    // SCM_CREDENTIALS, which carries the real uid (as 252 explains it).
    if let Some((uid, gid)) = r.uid {
        if let Some(gid) = gid {
            // SAFETY: setregid(2) with a gid and "unchanged".
            if unsafe { libc::setregid(gid, u32::MAX) } < 0 {
                let e = errno_now();
                return Err(fail_text(e, &format!("Failed to change GID: {}", sdlite_tools::strerror_text(e))));
            }
        }
        // SAFETY: setreuid(2) with a uid and "unchanged".
        if unsafe { libc::setreuid(uid, u32::MAX) } < 0 {
            let e = errno_now();
            return Err(fail_text(e, &format!("Failed to change UID: {}", sdlite_tools::strerror_text(e))));
        }
    }

    let source = match r.main_pid {
        Some(p) => p,
        None => {
            let mut warnings = Vec::new();
            let p = notify_options::parent_unless_manager(world, &mut warnings);
            err_out(&warnings);
            p
        }
    };
    // SAFETY: message is a C string; fds holds fds.len() ints.
    let sent = unsafe { sd::sd_pid_notify_with_fds(source, 0, message.as_ptr(), fds.as_ptr(), fds.len() as u32) };
    for &fd in &fds {
        close(fd);
    }
    if sent == -libc::E2BIG {
        return Err(fail_text(libc::E2BIG, "Too many file descriptors passed."));
    }
    if sent < 0 {
        return Err(fail_text(-sent, &format!("Failed to notify init system: {}", sdlite_tools::strerror_text(-sent))));
    }
    if sent == 0 {
        return Err(fail_text(libc::EOPNOTSUPP, "No status data could be sent: $NOTIFY_SOCKET was not set"));
    }
    if !r.no_block {
        let b = sd::sd_pid_notify_barrier(source, 0, 5_000_000);
        if b < 0 {
            return Err(fail_text(-b, &format!("Failed to invoke barrier: {}", sdlite_tools::strerror_text(-b))));
        }
        if b == 0 {
            return Err(fail_text(libc::EOPNOTSUPP, "No status data could be sent: $NOTIFY_SOCKET was not set"));
        }
    }
    if let Some(cmd) = r.exec {
        if let Some((program, rest)) = cmd.split_first() {
            let e = std::process::Command::new(program).args(rest).exec();
            let joined: Vec<String> = cmd.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            return Err(fail_text(e.raw_os_error().unwrap_or(libc::EIO), &format!("Failed to execute command line: {}", joined.join(" "))));
        }
    }
    Ok(0)
}
