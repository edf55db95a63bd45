//! Starting COMMAND (in a process group of its own, with NOTIFY_SOCKET and WATCHDOG_*) and the
//! guard that takes the group down if sdlite-listen itself is killed.
//!
//! Both are plain fork()s: at that point sdlite-listen has no other thread (the closers start
//! later), so the child may allocate before it execs.

use std::ffi::CString;
use std::os::fd::RawFd;

pub struct ChildSetup<'a> {
    pub argv: &'a [CString],
    pub notify_socket: &'a str,
    /// WATCHDOG_USEC for the child (WATCHDOG_PID is its own pid)
    pub watchdog_usec: Option<u64>,
    pub old_mask: libc::sigset_t,
    pub old_nofile: Option<libc::rlimit>,
}

fn set_env(k: &str, v: &str) {
    if let (Ok(k), Ok(v)) = (CString::new(k), CString::new(v)) {
        // SAFETY: both NUL-terminated; single-threaded (after fork, before exec).
        unsafe { libc::setenv(k.as_ptr(), v.as_ptr(), 1) };
    }
}

fn unset_env(k: &str) {
    if let Ok(k) = CString::new(k) {
        // SAFETY: as above.
        unsafe { libc::unsetenv(k.as_ptr()) };
    }
}

/// Forks and execs; returns the child's pid or the fork error.
pub fn spawn(setup: &ChildSetup) -> Result<i32, std::io::Error> {
    let mut argv: Vec<*const libc::c_char> = setup.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: no other thread runs now (see the module note).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid > 0 {
        // as well, so that it holds before we signal the group
        // SAFETY: plain setpgid on our child.
        unsafe { libc::setpgid(pid, pid) };
        return Ok(pid);
    }
    // the child
    // SAFETY: each call below is a plain system call on our own process, before exec.
    unsafe {
        libc::setpgid(0, 0);
        // no orphans: if sdlite-listen is killed, so is COMMAND (the guard takes the rest)
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) < 0 || libc::getppid() != parent {
            libc::_exit(127);
        }
        if let Some(l) = setup.old_nofile {
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
        libc::sigprocmask(libc::SIG_SETMASK, &setup.old_mask, std::ptr::null_mut());
        // Rust's runtime ignores SIGPIPE; an ignored signal would stay ignored across exec
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    set_env("NOTIFY_SOCKET", setup.notify_socket);
    match setup.watchdog_usec {
        Some(u) => {
            set_env("WATCHDOG_USEC", &u.to_string());
            set_env("WATCHDOG_PID", &std::process::id().to_string());
        }
        None => {
            unset_env("WATCHDOG_USEC");
            unset_env("WATCHDOG_PID");
        }
    }
    // SAFETY: argv is a NULL-terminated array of NUL-terminated strings that outlive the call.
    unsafe { libc::execvp(argv[0], argv.as_ptr()) };
    let e = std::io::Error::last_os_error();
    let name = setup
        .argv
        .first()
        .map(|a| super::escape::esc(a.as_bytes()))
        .unwrap_or_default();
    let msg = format!("sdlite-listen: cannot run {name}: {e}\n");
    // SAFETY: writing our own buffer to stderr, then leaving without running destructors.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(127)
    }
}

/// The guard: a child that joins COMMAND's process group (so that its id stays taken and
/// cannot name another group), ignores every signal it can, and waits on a pipe whose other
/// end only sdlite-listen holds. When sdlite-listen is gone, however it went (SIGKILL too),
/// the pipe ends and the guard SIGKILLs the whole group, itself included. Returns its pid and
/// the end to hold (until exit), or None.
pub fn start_guard(pgid: i32) -> Option<(i32, RawFd)> {
    let mut p = [-1; 2];
    // SAFETY: p has room for two fds.
    if unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return None;
    }
    // SAFETY: single-threaded still (see the module note).
    let g = unsafe { libc::fork() };
    if g < 0 {
        // SAFETY: our own fds.
        unsafe {
            libc::close(p[0]);
            libc::close(p[1]);
        }
        return None;
    }
    if g > 0 {
        // SAFETY: our own fd.
        unsafe { libc::close(p[0]) };
        return Some((g, p[1]));
    }
    // SAFETY: plain system calls on our own process; it never returns.
    unsafe {
        libc::close(p[1]);
        if libc::setpgid(0, pgid) < 0 {
            libc::_exit(0);
        }
        for s in 1..65 {
            if s != libc::SIGKILL && s != libc::SIGSTOP {
                libc::signal(s, libc::SIG_IGN);
            }
        }
        let mut mask: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut mask);
        libc::sigprocmask(libc::SIG_SETMASK, &mask, std::ptr::null_mut());
        libc::prctl(libc::PR_SET_NAME, c"sdlite-guard".as_ptr());
        // hold nothing of the listener's: not its stdout (a pipe's reader waits for EOF)
        let nul = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if nul >= 0 {
            libc::dup2(nul, 0);
            libc::dup2(nul, 1);
            libc::dup2(nul, 2);
        }
        if libc::dup2(p[0], 3) < 0 {
            libc::_exit(0);
        }
        if libc::syscall(libc::SYS_close_range, 4u32, u32::MAX, 0u32) < 0 {
            for fd in 4..4096 {
                libc::close(fd);
            }
        }
        let mut c = 0u8;
        while libc::read(3, (&mut c as *mut u8).cast(), 1) < 0
            && *libc::__errno_location() == libc::EINTR
        {}
        libc::kill(0, libc::SIGKILL);
        libc::_exit(0)
    }
}
