//! AF_VSOCK transport for `$NOTIFY_SOCKET=vsock…` (systemd 253+ behaviour): the socket type
//! fallbacks, the privileged source port, and the end-of-message handshake of connected types.

use super::address::{vsock_sockaddr, SockAddr};
use crate::errno::{Errno, Result};
use crate::sys::{self, Fd};
use libc::c_int;

const VMADDR_CID_ANY: u32 = u32::MAX;

/// Opens a socket for `addr`. Plain `vsock:` prefers datagrams and falls back to SEQPACKET, then
/// STREAM, where the kernel lacks them; an explicit type gets no fallback. Connected types are
/// connected here. Returns the socket and the type it got.
pub fn open(addr: &SockAddr, wanted: Option<c_int>) -> Result<(Fd, c_int)> {
    let mut kind = wanted.unwrap_or(libc::SOCK_DGRAM);
    let sock = match sys::socket(libc::AF_VSOCK, kind) {
        Ok(s) => s,
        Err(e) if wanted.is_none() && (e.is_not_supported() || e.0 == libc::ENODEV) => {
            kind = libc::SOCK_SEQPACKET;
            match sys::socket(libc::AF_VSOCK, kind) {
                Err(e) if e.is_not_supported() => {
                    kind = libc::SOCK_STREAM;
                    sys::socket(libc::AF_VSOCK, kind)?
                }
                r => r?,
            }
        }
        Err(e) => return Err(e),
    };
    bind_privileged_port(&sock)?;
    if kind != libc::SOCK_DGRAM {
        sys::connect(&sock, addr.bytes())?;
    }
    Ok((sock, kind))
}

/// The manager trusts only privileged source ports: take the highest free one below 1024.
/// Unprivileged callers cannot, and send from an ephemeral port instead.
fn bind_privileged_port(sock: &Fd) -> Result<()> {
    let mut port = 1023;
    loop {
        match sys::bind(sock, vsock_sockaddr(VMADDR_CID_ANY, port).bytes()) {
            Ok(()) => return Ok(()),
            Err(Errno::EADDRINUSE) if port > 1 => port -= 1,
            Err(e) if e.is_privilege() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// On connected types the message ends when we shut down our side; the manager then closes its
/// side without sending anything.
pub fn finish(sock: &Fd) -> Result<()> {
    sys::shutdown_write(sock)?;
    match sys::recv_byte(sock)? {
        0 => Ok(()),
        _ => Err(Errno::EPROTO),
    }
}
