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

/// sd-login's env-file parser (the state files' format) on `contents`, asked for `keys`: each
/// key's value (None where 252 hands back NULL), or the positive errno.
pub fn env_file<const N: usize>(contents: &[u8], keys: [&[u8]; N]) -> Result<[Option<Vec<u8>>; N], i32> {
    let found = crate::login::envfile::parse(contents, keys).map_err(|e| e.0)?;
    Ok(found.map(|v| v.map(|b| b.as_slice().to_vec())))
}

/// The C unescaping sd_session_get_desktop applies (252's cunescape with no flags).
pub fn cunescape(s: &[u8]) -> Result<Vec<u8>, i32> {
    crate::login::text::cunescape(s).map(|b| b.as_slice().to_vec()).map_err(|e| e.0)
}

/// The words of `s` as sd-login splits values: `retain_escape` as strv_split (backslashes
/// kept), else as extract_first_word without flags (a backslash escapes the next byte).
pub fn split_words(s: &[u8], retain_escape: bool) -> Result<Vec<Vec<u8>>, i32> {
    use crate::login::text::{extract_words, Backslash};
    let mut v = Vec::new();
    let bs = if retain_escape { Backslash::Retained } else { Backslash::Escapes };
    extract_words(s, bs, |w| {
        v.push(w.to_vec());
        Ok(true)
    })
    .map_err(|e| e.0)?;
    Ok(v)
}

/// The name rules of sd-login, in this order: hostname_is_valid(s, 0) (machines),
/// filename_is_valid (seats), session_id_valid (sessions), hidden_or_backup_file (directory
/// listings), and parse_boolean (ACTIVE, REMOTE, CAN_*; the positive errno on error).
pub fn name_rules(s: &[u8]) -> (bool, bool, bool, bool, Result<bool, i32>) {
    use crate::login::{state, text};
    (
        state::hostname_is_valid(s),
        state::filename_is_valid(s),
        state::session_id_valid(s),
        state::hidden_or_backup_file(s),
        text::parse_boolean(s).map_err(|e| e.0),
    )
}
