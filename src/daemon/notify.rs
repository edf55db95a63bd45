//! The notify protocol: one datagram to `$NOTIFY_SOCKET` on a fresh socket per call.
//!
//! Where this differs from libsystemd 252 it is only in system calls, never in what the receiver
//! gets or what the caller sees:
//! - libsystemd raises SO_SNDBUF to 8 MiB before every send (four calls). We send first and grow
//!   the buffer the same way only when the kernel answers EMSGSIZE, then send again: a message
//!   that fits the default buffer costs socket + sendmsg + close.
//! - libsystemd attaches SCM_CREDENTIALS {getpid(), getuid(), getgid()} when the real and
//!   effective ids differ (four id calls every time). The kernel attaches exactly those values
//!   itself (the real ids and our tgid) to every AF_UNIX message a SO_PASSCRED receiver gets, and
//!   such explicit credentials can never be refused, so we attach credentials only when they say
//!   something the kernel would not: another pid.

use super::address::{self, SockAddr, Transport};
use crate::cmsg;
use crate::env;
use crate::errno::{Errno, Result};
use crate::sys::{self, Fd};
use super::vsock;
use libc::{c_int, pid_t};

/// What the caller asked to pass along with the message.
#[derive(Clone, Copy)]
pub enum FdArray<'a> {
    /// The fds themselves (at most `cmsg::MAX_FDS`).
    Fds(&'a [c_int]),
    /// More fds than the kernel accepts in one message; never read, since the kernel refuses the
    /// count before it looks at a single fd.
    TooMany(usize),
}

pub struct Message<'a> {
    pub pid: pid_t,
    pub state: &'a [u8],
    pub fds: FdArray<'a>,
}

/// sd_pid_notify_with_fds(): `state` None (a NULL pointer) and a missing fd array are the
/// argument errors libsystemd checks before it looks at the environment; `$NOTIFY_SOCKET` is
/// removed afterwards on every path when asked.
pub fn pid_notify_with_fds(
    pid: pid_t,
    unset: bool,
    state: Option<&[u8]>,
    fds: Result<FdArray>,
) -> Result<c_int> {
    let r = match (state, fds) {
        (Some(state), Ok(fds)) => send_to_manager(&Message { pid, state, fds }),
        (None, _) => Err(Errno::EINVAL),
        (_, Err(e)) => Err(e),
    };
    unset_if(unset, r)
}

/// Removes `$NOTIFY_SOCKET` when asked, then passes `r` on.
pub fn unset_if<T>(unset: bool, r: Result<T>) -> Result<T> {
    if unset {
        unset_environment();
    }
    r
}

pub fn unset_environment() {
    env::unset(env::NOTIFY_SOCKET);
}

/// sd_pid_notify_with_fds() without its environment side effect: Ok(0) when `$NOTIFY_SOCKET` is
/// unset, Ok(1) once the message is sent.
pub fn send_to_manager(msg: &Message) -> Result<c_int> {
    let Some(value) = env::get(env::NOTIFY_SOCKET) else {
        return Ok(0);
    };
    let mut addr = SockAddr::new();
    match address::parse_into(value, &mut addr)? {
        Transport::Unix => {
            let sock = sys::socket(libc::AF_UNIX, libc::SOCK_DGRAM)?;
            transmit(&sock, addr.bytes(), libc::SOCK_DGRAM, msg)?;
        }
        Transport::Vsock(kind) => {
            let (sock, kind) = vsock::open(&addr, kind)?;
            let name = if kind == libc::SOCK_DGRAM { addr.bytes() } else { &[] };
            transmit(&sock, name, kind, msg)?;
            if kind != libc::SOCK_DGRAM {
                vsock::finish(&sock)?;
            }
        }
    }
    Ok(1)
}

/// libsystemd's credentials rule, minus the cases the kernel already covers (see the module note).
fn explicit_credentials(pid: pid_t) -> Option<libc::ucred> {
    if pid == 0 || pid == sys::getpid() {
        return None;
    }
    Some(libc::ucred { pid, uid: sys::getuid(), gid: sys::getgid() })
}

/// Sends `msg`, retrying as libsystemd does: once without the explicit credentials whatever the
/// error, and (our addition) once after growing the send buffer on EMSGSIZE. Stream sockets get
/// the rest of a partial write, with fds and credentials only on the first piece.
fn transmit(sock: &Fd, name: &[u8], kind: c_int, msg: &Message) -> Result<()> {
    let mut creds = explicit_credentials(msg.pid);
    let mut grown = false;
    let mut data = msg.state;
    let (mut n_fds, fds) = match msg.fds {
        FdArray::Fds(f) => (f.len(), f),
        FdArray::TooMany(n) => (n, &[][..]),
    };
    loop {
        let r = with_control(n_fds, fds, creds.as_ref(), |control| {
            sys::sendmsg(sock, name, data, control, libc::MSG_NOSIGNAL)
        });
        match r {
            Ok(n) if kind == libc::SOCK_STREAM && n < data.len() => {
                data = data.get(n..).unwrap_or_default();
                n_fds = 0;
                creds = None;
            }
            Ok(n) if n < data.len() => return Err(Errno::EIO),
            Ok(_) => return Ok(()),
            Err(Errno::EMSGSIZE) if !grown => {
                sys::grow_send_buffer(sock);
                grown = true;
            }
            Err(_) if creds.is_some() => creds = None,
            Err(e) => return Err(e),
        }
    }
}

/// Runs `f` with the control data for `n_fds` fds and `creds`, in a stack buffer no larger than
/// a common message needs (zeroing a buffer for 253 fds was a fifth of a plain sd_notify), or in
/// a temporary mapping for fd counts beyond what the kernel takes, so that the kernel itself
/// gives its answer for them (EINVAL, or ENOBUFS when the buffer is too big to copy in), as it
/// does for libsystemd.
fn with_control<T>(
    n_fds: usize,
    fds: &[c_int],
    creds: Option<&libc::ucred>,
    f: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<T> {
    let len = cmsg::control_len(n_fds, creds.is_some());
    if len == 0 {
        return f(&[]);
    }
    if len <= cmsg::SMALL_CONTROL {
        return in_stack::<{ cmsg::SMALL_CONTROL }, T>(len, n_fds, fds, creds, f);
    }
    if len <= cmsg::STACK_CONTROL {
        return in_stack::<{ cmsg::STACK_CONTROL }, T>(len, n_fds, fds, creds, f);
    }
    if len > i32::MAX as usize {
        return Err(Errno::ENOBUFS);
    }
    let mut map = sys::Mapping::new(len)?;
    cmsg::write(map.bytes_mut(), n_fds, &[], creds);
    f(map.bytes_mut())
}

fn in_stack<const N: usize, T>(
    len: usize,
    n_fds: usize,
    fds: &[c_int],
    creds: Option<&libc::ucred>,
    f: impl FnOnce(&[u8]) -> Result<T>,
) -> Result<T> {
    let mut buf = cmsg::Aligned([0u8; N]);
    let control = buf.0.get_mut(..len).ok_or(Errno::ENOBUFS)?;
    cmsg::write(control, n_fds, fds, creds);
    f(control)
}
