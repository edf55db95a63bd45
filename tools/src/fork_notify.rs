//! `--fork` (systemd 258): run a command with `$NOTIFY_SOCKET` pointing at a socket of ours,
//! wait until that command (the forked pid itself, checked with SCM_CREDENTIALS) sends
//! `READY=1`, and hand its pid back. `ERRNO=N` from it, or its exit before READY=1, is a
//! failure, and a command still running then is killed. The command's stdin is /dev/null, its
//! stdout and stderr our stderr, and no other fd of ours reaches it.

use std::ffi::OsString;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

pub struct Failure {
    pub errno: i32,
    pub text: String,
}

fn os_error(what: &str) -> Failure {
    let e = std::io::Error::last_os_error();
    Failure { errno: e.raw_os_error().unwrap_or(libc::EIO), text: format!("{what}: {}", crate::strerror_text(e.raw_os_error().unwrap_or(libc::EIO))) }
}

/// An autobound abstract socket with SO_PASSCRED, and its `$NOTIFY_SOCKET` form ("@name").
fn notify_socket() -> Result<(OwnedFd, OsString), Failure> {
    // SAFETY: plain socket(2); the result is checked and owned at once.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(os_error("Failed to allocate notification socket"));
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let one: libc::c_int = 1;
    // SAFETY: the option value is a c_int of the given size.
    let r = unsafe {
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_PASSCRED, (&one as *const libc::c_int).cast(), size_of::<libc::c_int>() as u32)
    };
    if r < 0 {
        return Err(os_error("Failed to enable SO_PASSCRED"));
    }
    // SAFETY: all-zero is a valid sockaddr_un.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    // Only the family: the kernel picks a free abstract name (autobind).
    // SAFETY: addr is a sockaddr_un; the length covers its family field.
    if unsafe { libc::bind(fd, (&addr as *const libc::sockaddr_un).cast(), size_of::<libc::sa_family_t>() as u32) } < 0 {
        return Err(os_error("Failed to bind notification socket"));
    }
    let mut len = size_of::<libc::sockaddr_un>() as libc::socklen_t;
    // SAFETY: addr has room for `len` bytes.
    if unsafe { libc::getsockname(fd, (&mut addr as *mut libc::sockaddr_un).cast(), &mut len) } < 0 {
        return Err(os_error("Failed to read notification socket address"));
    }
    let n = (len as usize).saturating_sub(size_of::<libc::sa_family_t>());
    let name: Vec<u8> = addr.sun_path.iter().take(n).skip(1).map(|&c| c as u8).collect();
    let mut value = b"@".to_vec();
    value.extend_from_slice(&name);
    Ok((sock, std::os::unix::ffi::OsStringExt::from_vec(value)))
}

enum Heard {
    Ready,
    Errno(i32),
    Nothing,
}

/// One datagram: what it says, if it comes from `child`.
fn receive(sock: &OwnedFd, child: libc::pid_t) -> Heard {
    let mut data = [0u8; 4096];
    let mut control = [0u64; 64];
    let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
    // SAFETY: all-zero is a valid msghdr; the pointers set below outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of_val(&control);
    // SAFETY: msg describes live buffers of the stated sizes.
    let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC) };
    if n < 0 {
        return Heard::Nothing;
    }
    let mut sender = None;
    // SAFETY: the CMSG_* walk stays inside msg_control as the kernel filled it.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_CREDENTIALS {
                let cred: libc::ucred = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                sender = Some(cred.pid);
            } else if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                let bytes = (*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
                for i in 0..bytes / size_of::<libc::c_int>() {
                    let fd: libc::c_int = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast::<libc::c_int>().add(i));
                    libc::close(fd);
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    if sender != Some(child) {
        return Heard::Nothing;
    }
    let text = data.get(..n as usize).unwrap_or_default();
    let mut heard = Heard::Nothing;
    for line in text.split(|&c| c == b'\n') {
        if line == b"READY=1" {
            return Heard::Ready;
        }
        if let Some(v) = line.strip_prefix(b"ERRNO=") {
            if let Some(e) = std::str::from_utf8(v).ok().and_then(|s| s.trim().parse::<i32>().ok()).filter(|&e| e > 0) {
                heard = Heard::Errno(e);
            }
        }
    }
    heard
}

/// Runs `cmdline` and waits for its READY=1; Ok(its pid), which is left running.
pub fn fork_notify(cmdline: &[OsString]) -> Result<libc::pid_t, Failure> {
    let (sock, address) = notify_socket()?;
    let (program, args) = cmdline.split_first().ok_or(Failure { errno: libc::EINVAL, text: "No command line.".into() })?;
    let mut command = Command::new(program);
    command.args(args).env("NOTIFY_SOCKET", &address).stdin(Stdio::null());
    // The command writes to our stderr, not to our stdout: `pid=$(sdlite-notify --fork -- cmd)`
    // must return once the pid is printed, not when cmd closes the shell's pipe.
    if let Ok(err) = std::io::stderr().as_fd().try_clone_to_owned() {
        command.stdout(Stdio::from(err));
    }
    // SAFETY: close_range(2) is async-signal-safe. Inherited fds are not the command's business
    // (258 closes them all); marking them close-on-exec, rather than closing them, keeps the pipe
    // on which std reports a failed exec.
    unsafe {
        command.pre_exec(|| {
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC);
            Ok(())
        })
    };
    let mut child = command
        .spawn()
        .map_err(|e| Failure {
            errno: e.raw_os_error().unwrap_or(libc::EIO),
            text: format!("Failed to execute {}: {}", program.to_string_lossy(), crate::strerror_text(e.raw_os_error().unwrap_or(libc::EIO))),
        })?;
    let pid = child.id() as libc::pid_t;
    // SAFETY: pidfd_open(2) on our own, not yet reaped child.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as libc::c_int;
    if pidfd < 0 {
        let f = os_error("Failed to watch the child");
        let _ = child.kill();
        let _ = child.wait();
        return Err(f);
    }
    // SAFETY: a fresh descriptor nobody else owns.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
    let outcome = loop {
        let mut fds = [
            libc::pollfd { fd: sock.as_raw_fd(), events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: pidfd.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        ];
        // SAFETY: fds is an array of two pollfd.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if r < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            break Err(os_error("Failed to wait for the child"));
        }
        // Messages first: a READY=1 sent just before exiting still counts.
        if fds[0].revents != 0 {
            match receive(&sock, pid) {
                Heard::Ready => break Ok(pid),
                Heard::Errno(e) => {
                    break Err(Failure { errno: e, text: format!("Child {pid} reported failure: {}", crate::strerror_text(e)) })
                }
                Heard::Nothing => continue,
            }
        }
        if fds[1].revents != 0 {
            break Err(Failure { errno: libc::EPROTO, text: format!("Child {pid} died before sending notification message.") });
        }
    };
    if outcome.is_err() {
        let _ = child.kill();
        let _ = child.wait();
    }
    outcome
}
