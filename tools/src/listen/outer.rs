//! Readiness and state passed out to whatever supervises sdlite-listen itself:
//! - `--ready-fd N`: a newline written to fd N, then N closed, at READY=1 (s6's notification-fd,
//!   dinit's ready-notification = pipefd:N, nitro);
//! - `--notify-outer`: READY=1, STATUS=..., STOPPING=1 sent on to the NOTIFY_SOCKET
//!   sdlite-listen was started with (an outer systemd, OpenRC's supervise-daemon, finit,
//!   start-stop-daemon --notify-await);
//! - `--pidfile PATH`: sdlite-listen's own pid written at READY=1 (the process to signal: it
//!   passes signals on), removed at exit.
//!
//! Messages to the outer socket are sent with MSG_DONTWAIT: a receiver that does not read never
//! stalls the loop (what does not fit is counted and dropped).

use std::os::fd::RawFd;

pub struct Outer {
    pub ready_fd: Option<RawFd>,
    pub pidfile: Option<String>,
    pidfile_written: bool,
    /// the outer socket's address (sockaddr_un bytes) and a socket to send from
    notify: Option<(libc::sockaddr_un, u32, RawFd)>,
    pub dropped: u64,
    stopping_sent: bool,
}

/// The address in $NOTIFY_SOCKET ("/path" or "@abstract"); vsock is not supported here.
pub fn parse_address(s: &str) -> Result<(libc::sockaddr_un, u32), String> {
    // SAFETY: sockaddr_un is plain data; zeroes are valid.
    let mut sa: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    sa.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let (bytes, abstract_) = match s.as_bytes() {
        [b'/', ..] => (s.as_bytes(), false),
        [b'@', rest @ ..] if !rest.is_empty() => (rest, true),
        _ => {
            return Err(format!(
                "NOTIFY_SOCKET={} is not an AF_UNIX path or @abstract name",
                super::escape::esc(s.as_bytes())
            ))
        }
    };
    let off = usize::from(abstract_);
    if bytes.len() + off >= sa.sun_path.len() {
        return Err("NOTIFY_SOCKET is too long".into());
    }
    for (d, &b) in sa.sun_path.iter_mut().skip(off).zip(bytes) {
        *d = b as libc::c_char;
    }
    let base = std::mem::size_of::<libc::sa_family_t>();
    let len = if abstract_ {
        base + 1 + bytes.len()
    } else {
        base + bytes.len() + 1
    };
    Ok((sa, len as u32))
}

impl Outer {
    pub fn new() -> Outer {
        Outer {
            ready_fd: None,
            pidfile: None,
            pidfile_written: false,
            notify: None,
            dropped: 0,
            stopping_sent: false,
        }
    }

    /// --notify-outer: the socket in $NOTIFY_SOCKET now.
    pub fn connect(&mut self) -> Result<(), String> {
        let v = std::env::var("NOTIFY_SOCKET")
            .map_err(|_| "--notify-outer: NOTIFY_SOCKET is not set".to_string())?;
        let (sa, len) = parse_address(&v)?;
        // SAFETY: plain socket(2).
        let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(format!("socket: {}", std::io::Error::last_os_error()));
        }
        self.notify = Some((sa, len, fd));
        Ok(())
    }

    pub fn has_notify(&self) -> bool {
        self.notify.is_some()
    }

    /// One message to the outer socket; false if it was not sent.
    pub fn send(&mut self, msg: &[u8]) -> bool {
        let Some((sa, len, fd)) = &self.notify else {
            return false;
        };
        // SAFETY: msg and sa are valid for the lengths given.
        let r = unsafe {
            libc::sendto(
                *fd,
                msg.as_ptr().cast(),
                msg.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                (sa as *const libc::sockaddr_un).cast(),
                *len,
            )
        };
        if r < 0 {
            self.dropped += 1;
        }
        r >= 0
    }

    /// STOPPING=1 once, whoever asks first (COMMAND, or sdlite-listen as it stops).
    pub fn send_stopping(&mut self) {
        if !self.stopping_sent && self.has_notify() {
            self.stopping_sent = true;
            self.send(b"STOPPING=1");
        }
    }

    /// At the first READY=1: the ready fd, the pid file. Returns what failed, if anything.
    pub fn ready(&mut self) -> Vec<String> {
        let mut errs = Vec::new();
        if let Some(fd) = self.ready_fd.take() {
            // SAFETY: fd was checked open at start and is ours; written once, then closed.
            let r = unsafe { libc::write(fd, b"\n".as_ptr().cast(), 1) };
            if r != 1 {
                errs.push(format!(
                    "--ready-fd {fd}: {}",
                    std::io::Error::last_os_error()
                ));
            }
            // SAFETY: as above.
            unsafe { libc::close(fd) };
        }
        if let Some(path) = &self.pidfile {
            let tmp = format!("{path}.tmp{}", std::process::id());
            let r = std::fs::write(&tmp, format!("{}\n", std::process::id()))
                .and_then(|()| std::fs::rename(&tmp, path));
            match r {
                Ok(()) => self.pidfile_written = true,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    errs.push(format!(
                        "--pidfile {}: {e}",
                        super::escape::esc(path.as_bytes())
                    ));
                }
            }
        }
        errs
    }

    /// At exit: the pid file goes (only if it is still ours).
    pub fn cleanup(&mut self) {
        if let (true, Some(path)) = (self.pidfile_written, &self.pidfile) {
            let mine = std::fs::read_to_string(path)
                .is_ok_and(|s| s.trim() == std::process::id().to_string());
            if mine {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let (_, len) = parse_address("/run/x").unwrap();
        assert_eq!(len as usize, 2 + 6 + 1);
        let (sa, len) = parse_address("@abc").unwrap();
        assert_eq!(len as usize, 2 + 1 + 3);
        assert_eq!(sa.sun_path[0], 0);
        assert!(parse_address("vsock:2:3").is_err());
        assert!(parse_address("@").is_err());
    }
}
