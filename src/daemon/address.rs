//! `$NOTIFY_SOCKET` → a socket address.
//!
//! AF_UNIX forms follow libsystemd 252 exactly (`/path`, `@abstract`, everything else -EINVAL).
//! The `vsock:`, `vsock-dgram:`, `vsock-seqpacket:` and `vsock-stream:` forms follow newer
//! systemd (253+), which 252 rejects with -EINVAL.

use crate::bytes::put;
use crate::errno::{Errno, Result};
use crate::parse;
use core::ffi::CStr;
use libc::c_int;

const SUN_PATH_LEN: usize = 108;
const SA_FAMILY_LEN: usize = 2;
const VMADDR_CID_ANY: u32 = u32::MAX;
const VMADDR_PORT_ANY: u32 = u32::MAX;

/// A socket address as the kernel reads it: raw bytes and a length.
#[derive(Clone)]
#[repr(C, align(8))]
pub struct SockAddr {
    buf: [u8; SA_FAMILY_LEN + SUN_PATH_LEN],
    len: usize,
}

impl SockAddr {
    pub fn new() -> SockAddr {
        SockAddr { buf: [0; SA_FAMILY_LEN + SUN_PATH_LEN], len: 0 }
    }

    fn set_family(&mut self, family: c_int) {
        put(&mut self.buf, 0, &(family as u16).to_ne_bytes());
    }

    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// How to reach the address `parse_into` wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Unix,
    /// The socket type the form asked for, or None for plain `vsock:` (datagram, with systemd's
    /// fallbacks).
    Vsock(Option<c_int>),
}

/// Parses `s` into `addr`, which the caller owns (the send path keeps it on its stack: no
/// copies of the address on the way).
pub fn parse_into(s: &CStr, addr: &mut SockAddr) -> Result<Transport> {
    match s.to_bytes().first() {
        Some(b'/' | b'@') => {
            set_unix(addr, s.to_bytes())?;
            Ok(Transport::Unix)
        }
        _ => {
            let (start, kind) = vsock_form(s.to_bytes()).ok_or(Errno::EINVAL)?;
            set_vsock(addr, s, start)?;
            Ok(Transport::Vsock(kind))
        }
    }
}

/// systemd's sockaddr_un_set_path(): the abstract form does not count a trailing NUL in the
/// address length, the path form does; both must leave room for one.
fn set_unix(a: &mut SockAddr, b: &[u8]) -> Result<()> {
    let &first = b.first().ok_or(Errno::EINVAL)?;
    if b.len() < 2 {
        return Err(Errno::EINVAL);
    }
    if b.len() + 1 > SUN_PATH_LEN {
        return Err(if first == b'@' { Errno::EINVAL } else { Errno::ENAMETOOLONG });
    }
    a.set_family(libc::AF_UNIX);
    if first == b'@' {
        // sun_path[0] is NUL; the name follows it.
        put(&mut a.buf, SA_FAMILY_LEN, &[0]);
        put(&mut a.buf, SA_FAMILY_LEN + 1, b.get(1..).unwrap_or_default());
        a.len = SA_FAMILY_LEN + b.len();
    } else {
        put(&mut a.buf, SA_FAMILY_LEN, b);
        put(&mut a.buf, SA_FAMILY_LEN + b.len(), &[0]);
        a.len = SA_FAMILY_LEN + b.len() + 1;
    }
    Ok(())
}

/// Where the CID starts and which socket type the form asks for; None when `b` is not a vsock
/// form at all.
fn vsock_form(b: &[u8]) -> Option<(usize, Option<c_int>)> {
    const FORMS: [(&[u8], Option<c_int>); 4] = [
        (b"vsock:", None),
        (b"vsock-dgram:", Some(libc::SOCK_DGRAM)),
        (b"vsock-seqpacket:", Some(libc::SOCK_SEQPACKET)),
        (b"vsock-stream:", Some(libc::SOCK_STREAM)),
    ];
    FORMS.iter().find(|(p, _)| b.starts_with(p)).map(|(p, kind)| (p.len(), *kind))
}

/// The part of `s` from byte `at` on.
fn suffix(s: &CStr, at: usize) -> &CStr {
    s.to_bytes_with_nul().get(at..).and_then(|b| CStr::from_bytes_until_nul(b).ok()).unwrap_or_default()
}

/// `CID:PORT` from byte `start` of `s`, as newer systemd's socket_address_parse_vsock().
fn set_vsock(a: &mut SockAddr, s: &CStr, start: usize) -> Result<()> {
    let cid_str = suffix(s, start);
    let bytes = cid_str.to_bytes();
    let colon = bytes.iter().position(|&c| c == b':').ok_or(Errno::EINVAL)?;
    let (cid_field, _) = bytes.split_at_checked(colon).ok_or(Errno::EINVAL)?;
    let port_str = suffix(s, start + cid_field.len() + 1);
    let port = parse::safe_atou_field(port_str, port_str.to_bytes().len())?;
    if port == VMADDR_PORT_ANY {
        return Err(Errno::EINVAL);
    }
    let cid = match cid_field {
        b"" | b"any" | b"-1" => VMADDR_CID_ANY,
        b"hypervisor" => libc::VMADDR_CID_HYPERVISOR,
        b"local" => libc::VMADDR_CID_LOCAL,
        b"host" => libc::VMADDR_CID_HOST,
        _ => parse::safe_atou_field(cid_str, cid_field.len())?,
    };
    // The manager is always at a specific CID.
    if cid == VMADDR_CID_ANY {
        return Err(Errno::EINVAL);
    }
    *a = vsock_sockaddr(cid, port);
    Ok(())
}

/// struct sockaddr_vm: family, reserved, port, cid, flags, zero padding (16 bytes).
pub fn vsock_sockaddr(cid: u32, port: u32) -> SockAddr {
    let mut a = SockAddr::new();
    a.set_family(libc::AF_VSOCK);
    put(&mut a.buf, 4, &port.to_ne_bytes());
    put(&mut a.buf, 8, &cid.to_ne_bytes());
    a.len = 16;
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    fn p(s: &str) -> Result<(SockAddr, Transport)> {
        let mut a = SockAddr::new();
        parse_into(&CString::new(s).unwrap(), &mut a).map(|t| (a, t))
    }
    fn unix_bytes(s: &str) -> Vec<u8> {
        match p(s) {
            Ok((a, Transport::Unix)) => a.bytes().to_vec(),
            _ => panic!("not unix: {s}"),
        }
    }
    fn vsock(s: &str) -> (u32, u32, Option<c_int>) {
        match p(s) {
            Ok((addr, Transport::Vsock(kind))) => {
                let b = addr.bytes();
                (
                    u32::from_ne_bytes(b[8..12].try_into().unwrap()),
                    u32::from_ne_bytes(b[4..8].try_into().unwrap()),
                    kind,
                )
            }
            _ => panic!("not vsock: {s}"),
        }
    }

    #[test]
    fn unix_forms_match_252() {
        let a = unix_bytes("/run/x");
        assert_eq!(a.len(), 2 + 6 + 1);
        assert_eq!(&a[2..], b"/run/x\0");
        let a = unix_bytes("@name");
        assert_eq!(a.len(), 2 + 5);
        assert_eq!(&a[2..], b"\0name");
        for bad in ["", "/", "@", "relative", "./x", "vsock", "vsockx:1:2"] {
            assert_eq!(p(bad).err(), Some(Errno::EINVAL), "{bad:?}");
        }
        let long = format!("/{}", "a".repeat(106));
        assert_eq!(unix_bytes(&long).len(), 2 + 107 + 1);
        assert_eq!(p(&format!("/{}", "a".repeat(107))).err(), Some(Errno::ENAMETOOLONG));
        assert_eq!(p(&format!("@{}", "a".repeat(107))).err(), Some(Errno::EINVAL));
        assert!(p(&format!("@{}", "a".repeat(106))).is_ok());
    }

    #[test]
    fn vsock_forms_follow_newer_systemd() {
        assert_eq!(vsock("vsock:2:1234"), (2, 1234, None));
        assert_eq!(vsock("vsock-stream:3:9"), (3, 9, Some(libc::SOCK_STREAM)));
        assert_eq!(vsock("vsock-dgram:host:5"), (2, 5, Some(libc::SOCK_DGRAM)));
        assert_eq!(vsock("vsock-seqpacket:local:0"), (1, 0, Some(libc::SOCK_SEQPACKET)));
        assert_eq!(vsock("vsock:hypervisor:7"), (0, 7, None));
        assert_eq!(vsock("vsock:0x10:0b11"), (16, 3, None));
        assert_eq!(vsock("vsock: 7:8"), (7, 8, None));
        for (bad, e) in [
            ("vsock::1234", Errno::EINVAL),
            ("vsock:any:1", Errno::EINVAL),
            ("vsock:-1:1", Errno::EINVAL),
            ("vsock:4294967295:1", Errno::EINVAL),
            ("vsock:2", Errno::EINVAL),
            ("vsock:2:", Errno::EINVAL),
            ("vsock:2:4294967295", Errno::EINVAL),
            ("vsock:2:4294967296", Errno::ERANGE),
            ("vsock:4294967296:1", Errno::ERANGE),
            ("vsock:-2:1", Errno::ERANGE),
            ("vsock:2x:1", Errno::EINVAL),
            ("vsock:2:1:", Errno::EINVAL),
            ("vsock:0b:1", Errno::EINVAL),
        ] {
            assert_eq!(p(bad).err(), Some(e), "{bad:?}");
        }
    }
}
