//! sd_journal_stream_fd(): a stream connection to journald whose every line becomes an entry,
//! introduced by the seven-line header journald's stdout protocol expects.

use crate::errno::{Errno, Result};
use crate::sys::{self, Fd};
use core::ffi::CStr;

const STDOUT: &[u8] = b"/run/systemd/journal/stdout";
/// Path bytes that fit a sockaddr_un with its NUL.
const SUN_PATH: usize = 108;
/// systemd's LOG_NAMESPACE_MAX: a file name (255) less a machine id and a dot.
const NAMESPACE_MAX: usize = 255 - 32 - 1;

/// systemd's log_namespace_name_valid(): a file name, a unit instance, "safe" and no glob; of
/// all that only these characters survive.
fn namespace_is_valid(ns: &[u8]) -> bool {
    !ns.is_empty()
        && ns != b"."
        && ns != b".."
        && ns.len() <= NAMESPACE_MAX
        && ns.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'_' | b'.' | b'@'))
}

/// Connects, shuts the read side, raises the send buffer as libsystemd does, and writes the
/// header: identifier, unit id (empty), priority, level prefix, and no forwarding to syslog,
/// kmsg or the console.
pub fn open(namespace: Option<&[u8]>, identifier: &[u8], priority: i32, level_prefix: bool) -> Result<Fd> {
    if !(0..=7).contains(&priority) {
        return Err(Errno::EINVAL);
    }
    let mut path = [0u8; 21 + NAMESPACE_MAX + 7 + 1];
    let path = match namespace {
        None => {
            crate::bytes::put(&mut path, 0, STDOUT);
            path.get(..STDOUT.len() + 1)
        }
        Some(ns) if namespace_is_valid(ns) => {
            let mut at = 0;
            for part in [&b"/run/systemd/journal."[..], ns, b"/stdout"] {
                crate::bytes::put(&mut path, at, part);
                at += part.len();
            }
            path.get(..at + 1)
        }
        Some(_) => None,
    };
    let path = path.and_then(|p| CStr::from_bytes_with_nul(p).ok()).ok_or(Errno::EINVAL)?;

    let sock = sys::socket(libc::AF_UNIX, libc::SOCK_STREAM)?;
    connect_unix_path(&sock, path)?;
    sys::shutdown_read(&sock)?;
    sys::grow_send_buffer(&sock);

    const TAIL: usize = 12;
    let mut tail = *b"\n\n0\n0\n0\n0\n0\n";
    tail[2] = b'0' + priority as u8;
    tail[4] = if level_prefix { b'1' } else { b'0' };
    let total = identifier.len().checked_add(TAIL).ok_or(Errno::ENOBUFS)?;
    // One write for the header, as libsystemd makes it; an identifier too long for the stack
    // gets a mapping rather than 252's abort.
    let mut small = [0u8; 256];
    let mut large;
    let header = if total <= small.len() {
        small.get_mut(..total)
    } else {
        large = sys::Mapping::new(total)?;
        Some(large.bytes_mut())
    }
    .ok_or(Errno::ENOBUFS)?;
    crate::bytes::put(header, 0, identifier);
    crate::bytes::put(header, identifier.len(), &tail);
    // send(MSG_NOSIGNAL) where 252 uses write(): a journald that went away gives -EPIPE, not a
    // SIGPIPE that kills the caller.
    sys::send_all(&sock, header)?;
    Ok(sock)
}

/// connect() to a socket path, through /proc/self/fd when the path is too long for a
/// sockaddr_un (systemd's connect_unix_path()).
fn connect_unix_path(sock: &Fd, path: &CStr) -> Result<()> {
    let bytes = path.to_bytes();
    if bytes.len() < SUN_PATH {
        return connect_short(sock, bytes);
    }
    let inode = sys::open_path(path)?;
    let mut proc_path = *b"/proc/self/fd/\0\0\0\0\0\0\0\0\0\0\0";
    let mut digits = [0u8; 20];
    let n = crate::bytes::decimal(inode.raw().into(), &mut digits);
    crate::bytes::put(&mut proc_path, 14, n);
    connect_short(sock, proc_path.get(..14 + n.len()).unwrap_or_default())
}

fn connect_short(sock: &Fd, path: &[u8]) -> Result<()> {
    let mut addr = [0u8; 2 + SUN_PATH];
    crate::bytes::put(&mut addr, 0, &(libc::AF_UNIX as u16).to_ne_bytes());
    crate::bytes::put(&mut addr, 2, path);
    sys::connect(sock, addr.get(..2 + path.len() + 1).ok_or(Errno::ENAMETOOLONG)?)
}

#[cfg(test)]
mod tests {
    use super::namespace_is_valid as ok;

    #[test]
    fn namespace_names() {
        assert!(ok(b"foo") && ok(b"a.b-c_d:e@f") && ok(&[b'x'; 222]));
        for bad in [&b""[..], b".", b"..", b"a/b", b"a b", b"a*", b"a?", b"a[", b"a\\b", b"a\"", &[b'x'; 223]] {
            assert!(!ok(bad), "{bad:?}");
        }
    }
}
