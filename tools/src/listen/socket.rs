//! The private notify socket: an AF_UNIX datagram socket with SO_PASSCRED in a directory only
//! the invoking user can enter (0700; the socket 0600), and reading one message from it.

use std::ffi::CString;
use std::os::fd::RawFd;

pub const MAX_DATAGRAM: usize = 64 * 1024;
const MAX_FDS: usize = 253; // SCM_MAX_FD

pub struct Socket {
    pub fd: RawFd,
    pub dir: String,
    pub path: String,
}

fn errno_str() -> String {
    std::io::Error::last_os_error().to_string()
}

/// Made under $TMPDIR (or /tmp). Errors are the text after "sdlite-listen: ".
pub fn open() -> Result<Socket, String> {
    let tmp = std::env::var("TMPDIR")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/tmp".into());
    let tmpl = CString::new(format!("{tmp}/sdlite-listen.XXXXXX"))
        .map_err(|_| "TMPDIR holds a NUL".to_string())?;
    let mut raw = tmpl.into_bytes_with_nul();
    // SAFETY: raw is a NUL-terminated template mkdtemp may rewrite in place.
    if unsafe { libc::mkdtemp(raw.as_mut_ptr().cast()) }.is_null() {
        return Err(format!(
            "mkdtemp in {}: {}",
            super::escape::esc(tmp.as_bytes()),
            errno_str()
        ));
    }
    raw.pop();
    let dir = String::from_utf8(raw).map_err(|_| "TMPDIR is not UTF-8".to_string())?;
    let path = format!("{dir}/notify");
    let mut s = Socket { fd: -1, dir, path };
    let mut sa: libc::sockaddr_un = unsafe_zeroed_sockaddr();
    if s.path.len() >= sa.sun_path.len() {
        let msg = format!(
            "socket path {}/notify too long for AF_UNIX (set TMPDIR to a shorter directory)",
            super::escape::esc(s.dir.as_bytes())
        );
        s.cleanup();
        return Err(msg);
    }
    sa.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, b) in sa.sun_path.iter_mut().zip(s.path.bytes()) {
        *d = b as libc::c_char;
    }
    // SAFETY: plain socket(2).
    s.fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if s.fd < 0 {
        let m = format!("socket: {}", errno_str());
        s.cleanup();
        return Err(m);
    }
    // SAFETY: umask has no preconditions.
    let old = unsafe { libc::umask(0o077) };
    // SAFETY: sa is a valid sockaddr_un of the size given.
    let r = unsafe {
        libc::bind(
            s.fd,
            (&sa as *const libc::sockaddr_un).cast(),
            std::mem::size_of::<libc::sockaddr_un>() as u32,
        )
    };
    let bind_err = errno_str();
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    if r < 0 {
        let m = format!(
            "bind {}: {}",
            super::escape::esc(s.path.as_bytes()),
            bind_err
        );
        s.path.clear();
        s.cleanup();
        return Err(m);
    }
    use std::os::unix::fs::PermissionsExt;
    let perm = |p: &str, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    if let Err(e) = perm(&s.dir, 0o700).and_then(|()| perm(&s.path, 0o600)) {
        let m = format!("chmod {}: {e}", super::escape::esc(s.path.as_bytes()));
        s.cleanup();
        return Err(m);
    }
    let one: libc::c_int = 1;
    let rcvbuf: libc::c_int = 8 * 1024 * 1024;
    let isz = std::mem::size_of::<libc::c_int>() as u32;
    // SAFETY: the option values are c_ints of the size given.
    if unsafe {
        libc::setsockopt(
            s.fd,
            libc::SOL_SOCKET,
            libc::SO_PASSCRED,
            (&one as *const i32).cast(),
            isz,
        )
    } < 0
    {
        let m = format!("setsockopt SO_PASSCRED: {}", errno_str());
        s.cleanup();
        return Err(m);
    }
    // SAFETY: as above.
    unsafe {
        libc::setsockopt(
            s.fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&rcvbuf as *const i32).cast(),
            isz,
        )
    };
    Ok(s)
}

fn unsafe_zeroed_sockaddr() -> libc::sockaddr_un {
    // SAFETY: sockaddr_un is plain data; all zeroes is a valid value.
    unsafe { std::mem::zeroed() }
}

impl Socket {
    /// Removes the socket and its directory (the fd stays open until exit).
    pub fn cleanup(&mut self) {
        if !self.path.is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
        if !self.dir.is_empty() {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// What one recvmsg() brought.
pub struct Received {
    pub len: usize,
    pub truncated: bool,
    pub ctrunc: bool,
    /// pid and uid from SCM_CREDENTIALS
    pub creds: Option<(i32, u32)>,
    pub n_fds: usize,
}

pub enum Recv {
    Msg(Received),
    Empty,
    Err(String),
}

/// One pending message into `buf` (MAX_DATAGRAM bytes), never waiting; every fd that came with
/// it goes to `pass_fd` at once.
pub fn recv(fd: RawFd, buf: &mut [u8], pass_fd: &mut dyn FnMut(RawFd)) -> Recv {
    const CTL: usize = 64 + 4 * MAX_FDS + 64;
    let mut ctl = [0u64; CTL / 8]; // aligned for cmsghdr
    loop {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len().min(MAX_DATAGRAM),
        };
        // SAFETY: msghdr is plain data; zeroes are valid.
        let mut mh: libc::msghdr = unsafe { std::mem::zeroed() };
        mh.msg_iov = &mut iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.as_mut_ptr().cast();
        mh.msg_controllen = std::mem::size_of_val(&ctl);
        // SAFETY: mh points at iov (into buf) and ctl, both alive and of the lengths given.
        let n = unsafe {
            libc::recvmsg(
                fd,
                &mut mh,
                libc::MSG_CMSG_CLOEXEC | libc::MSG_TRUNC | libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN) => return Recv::Empty,
                _ => return Recv::Err(format!("recvmsg: {e}")),
            }
        }
        let mut r = Received {
            len: (n as usize).min(MAX_DATAGRAM).min(buf.len()),
            truncated: mh.msg_flags & libc::MSG_TRUNC != 0,
            ctrunc: mh.msg_flags & libc::MSG_CTRUNC != 0,
            creds: None,
            n_fds: 0,
        };
        // SAFETY: the CMSG_* macros walk the control buffer the kernel filled, within
        // msg_controllen; each payload is read unaligned.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&mh);
            while !c.is_null() {
                let data = libc::CMSG_DATA(c);
                let payload = ((*c).cmsg_len as usize).saturating_sub(libc::CMSG_LEN(0) as usize);
                if (*c).cmsg_level == libc::SOL_SOCKET {
                    if (*c).cmsg_type == libc::SCM_CREDENTIALS
                        && payload >= std::mem::size_of::<libc::ucred>()
                    {
                        let uc: libc::ucred = std::ptr::read_unaligned(data.cast());
                        r.creds = Some((uc.pid, uc.uid));
                    } else if (*c).cmsg_type == libc::SCM_RIGHTS {
                        for j in 0..payload / 4 {
                            let passed: i32 = std::ptr::read_unaligned(data.add(j * 4).cast());
                            pass_fd(passed);
                            r.n_fds += 1;
                        }
                    }
                }
                c = libc::CMSG_NXTHDR(&mh, c);
            }
        }
        return Recv::Msg(r);
    }
}
