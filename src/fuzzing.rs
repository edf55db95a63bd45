//! Internal parsers the C surface cannot reach without side effects, exposed for the fuzz
//! targets in `fuzz/` (feature "std" only; not part of the library's interface).
//!
//! `$NOTIFY_SOCKET` is only parsed through sd_notify(), which then opens a socket and sends to
//! whatever it parsed; for the vsock forms that would be real AF_VSOCK traffic. This parses and
//! returns, touching no socket and no environment.

use crate::daemon::{parse_notify_address, SockAddr, Transport};
use core::ffi::CStr;

/// A parsed `$NOTIFY_SOCKET`: the socket address exactly as it would be given to the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// AF_UNIX: `sockaddr_un` bytes (family, then the path), as long as the length passed.
    Unix(Vec<u8>),
    /// AF_VSOCK: the 16 `sockaddr_vm` bytes, and the socket type the form asked for (None for
    /// plain `vsock:`).
    Vsock { sockaddr: Vec<u8>, kind: Option<i32> },
}

/// Parses `$NOTIFY_SOCKET` as sd_notify() does; an error is the positive errno.
pub fn notify_address(s: &CStr) -> Result<Address, i32> {
    let mut addr = SockAddr::new();
    match parse_notify_address(s, &mut addr) {
        Ok(Transport::Unix) => Ok(Address::Unix(addr.bytes().to_vec())),
        Ok(Transport::Vsock(kind)) => Ok(Address::Vsock { sockaddr: addr.bytes().to_vec(), kind }),
        Err(e) => Err(e.0),
    }
}
