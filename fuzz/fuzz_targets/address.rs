//! The `$NOTIFY_SOCKET` parser alone (sdlite::fuzzing::notify_address), every form including
//! vsock, against a model written from systemd's source: libsystemd 252's
//! sockaddr_un_set_path() for `/path` and `@abstract`, and for the vsock forms (which 252 does
//! not have) systemd 253+'s socket_address_parse_vsock() + vsock_parse_port() +
//! vsock_parse_cid() + sd-daemon's "no VMADDR_CID_ANY" check, whose safe_atou() is modelled on
//! libc's strtoul with systemd's own steps, on a copy of each field (strndup), independently of
//! sdlite's in-place parser. Nothing is sent anywhere: no socket is opened.
//!
//! Input: the value of NOTIFY_SOCKET (inputs with a NUL are skipped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdlite::fuzzing::{notify_address, Address};
use sdlite_fuzz::{compare, escape};
use std::ffi::{CStr, CString};

const SUN_PATH_LEN: usize = 108;
const VMADDR_CID_ANY: u32 = u32::MAX;
const VMADDR_PORT_ANY: u32 = u32::MAX;

/// systemd's safe_atou() (safe_atou_full with base 0) on a 64-bit libc.
fn safe_atou(s: &[u8]) -> Result<u32, i32> {
    let ws = s.iter().take_while(|c| b" \t\n\r".contains(c)).count();
    let s = &s[ws..];
    let (s, base) = match s {
        [b'0', b'b' | b'B', rest @ ..] => (rest, 2),
        [b'0', b'o' | b'O', rest @ ..] => (rest, 8),
        _ => (s, 0),
    };
    let c = CString::new(s).expect("no NUL");
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: a valid C string and a valid end pointer.
    let (l, errno) = unsafe {
        *libc::__errno_location() = 0;
        let l = libc::strtoul(c.as_ptr(), &mut end, base);
        (l, *libc::__errno_location())
    };
    if errno > 0 {
        return Err(errno);
    }
    // SAFETY: strtoul points `end` into `c`.
    let consumed = unsafe { end.offset_from(c.as_ptr()) } as usize;
    if end.is_null() || consumed == 0 || consumed != s.len() {
        return Err(libc::EINVAL);
    }
    if l != 0 && s.first() == Some(&b'-') {
        return Err(libc::ERANGE);
    }
    u32::try_from(l).map_err(|_| libc::ERANGE)
}

fn model(s: &[u8]) -> Result<Address, i32> {
    const FORMS: [(&[u8], Option<i32>); 4] = [
        (b"vsock:", None),
        (b"vsock-dgram:", Some(libc::SOCK_DGRAM)),
        (b"vsock-seqpacket:", Some(libc::SOCK_SEQPACKET)),
        (b"vsock-stream:", Some(libc::SOCK_STREAM)),
    ];
    if let Some((prefix, kind)) = FORMS.iter().find(|(p, _)| s.starts_with(p)) {
        let cid_start = &s[prefix.len()..];
        let e = cid_start.iter().position(|&c| c == b':').ok_or(libc::EINVAL)?;
        let port = safe_atou(&cid_start[e + 1..])?;
        if port == VMADDR_PORT_ANY {
            return Err(libc::EINVAL);
        }
        let cid = match &cid_start[..e] {
            b"" | b"any" | b"-1" => VMADDR_CID_ANY,
            b"hypervisor" => 0,
            b"local" => 1,
            b"host" => 2,
            n => safe_atou(n)?,
        };
        if cid == VMADDR_CID_ANY {
            return Err(libc::EINVAL);
        }
        let mut a = vec![0u8; 16];
        a[..2].copy_from_slice(&(libc::AF_VSOCK as u16).to_ne_bytes());
        a[4..8].copy_from_slice(&port.to_ne_bytes());
        a[8..12].copy_from_slice(&cid.to_ne_bytes());
        return Ok(Address::Vsock { sockaddr: a, kind: *kind });
    }
    // 252's sockaddr_un_set_path().
    let l = s.len();
    if l < 2 || !matches!(s[0], b'/' | b'@') {
        return Err(libc::EINVAL);
    }
    if l + 1 > SUN_PATH_LEN {
        return Err(if s[0] == b'@' { libc::EINVAL } else { libc::ENAMETOOLONG });
    }
    let mut a = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
    if s[0] == b'@' {
        a.push(0);
        a.extend_from_slice(&s[1..]);
    } else {
        a.extend_from_slice(s);
        a.push(0);
    }
    Ok(Address::Unix(a))
}

fuzz_target!(init: sdlite_fuzz::init_flags(), |data: &[u8]| {
    if data.contains(&0) {
        return;
    }
    let c = CString::new(data).expect("no NUL");
    let ours = notify_address(CStr::from_bytes_with_nul(c.as_bytes_with_nul()).unwrap());
    // Invariants that hold whatever the model says.
    match &ours {
        Ok(Address::Unix(a)) => {
            let l = data.len();
            assert!(matches!(data[0], b'/' | b'@') && l >= 2);
            assert_eq!(a.len(), 2 + l + usize::from(data[0] == b'/'), "sockaddr_un length");
            assert!(a.len() <= 2 + SUN_PATH_LEN);
        }
        Ok(Address::Vsock { sockaddr, .. }) => {
            assert!(data.starts_with(b"vsock"));
            assert_eq!(sockaddr.len(), 16, "sockaddr_vm length");
            assert_ne!(u32::from_ne_bytes(sockaddr[4..8].try_into().unwrap()), VMADDR_PORT_ANY);
            assert_ne!(u32::from_ne_bytes(sockaddr[8..12].try_into().unwrap()), VMADDR_CID_ANY);
            assert!(sockaddr[12..].iter().all(|&b| b == 0));
        }
        Err(e) => assert!([libc::EINVAL, libc::ERANGE, libc::ENAMETOOLONG].contains(e), "errno {e}"),
    }
    compare("address (model of systemd)", || format!("NOTIFY_SOCKET=\"{}\"", escape(data)), &ours, &model(data));
});
