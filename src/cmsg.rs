//! Ancillary data (SCM_RIGHTS, SCM_CREDENTIALS) laid out as the kernel reads it: the cmsghdr
//! arithmetic of <sys/socket.h>, written into a byte buffer without pointer casts.

use crate::bytes::put;
use core::mem::{size_of, size_of_val};
use libc::c_int;

/// The most fds one message may carry (the kernel's SCM_MAX_FD).
pub const MAX_FDS: usize = 253;

const HDR: usize = align(size_of::<libc::cmsghdr>());
const UCRED_LEN: usize = size_of::<libc::ucred>();

pub const fn align(n: usize) -> usize {
    (n + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)
}

/// CMSG_SPACE(n): saturating, so absurd fd counts become "too long", never a wrapped length.
pub const fn space(n: usize) -> usize {
    match n.checked_add(size_of::<usize>() - 1) {
        Some(m) => (m & !(size_of::<usize>() - 1)).saturating_add(HDR),
        None => usize::MAX,
    }
}

/// CMSG_LEN(n).
pub const fn len(n: usize) -> usize {
    HDR + n
}

/// Bytes of control data a message needs: rights first, then credentials (libsystemd's order).
pub fn control_len(n_fds: usize, with_creds: bool) -> usize {
    let rights = if n_fds > 0 { space(n_fds.saturating_mul(size_of::<c_int>())) } else { 0 };
    rights.saturating_add(if with_creds { space(UCRED_LEN) } else { 0 })
}

/// Room for the largest message this library builds on the stack.
pub const STACK_CONTROL: usize = space(MAX_FDS * size_of::<c_int>()) + space(UCRED_LEN);

/// Room for a few fds and credentials: what nearly every message with control data needs.
pub const SMALL_CONTROL: usize = space(4 * size_of::<c_int>()) + space(UCRED_LEN);

/// A control buffer aligned as a cmsghdr.
#[repr(C, align(8))]
pub struct Aligned<const N: usize>(pub [u8; N]);

fn header(buf: &mut [u8], at: usize, data_len: usize, kind: c_int) {
    let level_at = at + size_of::<usize>();
    put(buf, at, &len(data_len).to_ne_bytes());
    put(buf, level_at, &libc::SOL_SOCKET.to_ne_bytes());
    put(buf, level_at + 4, &kind.to_ne_bytes());
}

/// Writes SCM_RIGHTS for `n_fds` descriptors (their values from `fds`, or zeros where `fds` is
/// shorter) and, when given, SCM_CREDENTIALS, into `buf`: zeroed, `control_len(..)` long, and so
/// at most i32::MAX bytes (the kernel's own limit, checked by the caller).
pub fn write(buf: &mut [u8], n_fds: usize, fds: &[c_int], creds: Option<&libc::ucred>) {
    let mut at = 0;
    if n_fds > 0 {
        let data_len = n_fds * size_of::<c_int>();
        header(buf, 0, data_len, libc::SCM_RIGHTS);
        if let Some(data) = buf.get_mut(HDR..HDR + size_of_val(fds)) {
            for (dst, fd) in data.chunks_exact_mut(size_of::<c_int>()).zip(fds) {
                dst.copy_from_slice(&fd.to_ne_bytes());
            }
        }
        at = space(data_len);
    }
    if let Some(c) = creds {
        header(buf, at, UCRED_LEN, libc::SCM_CREDENTIALS);
        put(buf, at + HDR, &c.pid.to_ne_bytes());
        put(buf, at + HDR + 4, &c.uid.to_ne_bytes());
        put(buf, at + HDR + 8, &c.gid.to_ne_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_matches_libc() {
        for n in [0usize, 1, 4, 8, 12, 13, 1012] {
            // SAFETY: pure arithmetic.
            let (s, l) = unsafe { (libc::CMSG_SPACE(n as u32), libc::CMSG_LEN(n as u32)) };
            assert_eq!(space(n), s as usize, "space({n})");
            assert_eq!(len(n), l as usize, "len({n})");
        }
        assert_eq!(space(usize::MAX), usize::MAX);
    }

    #[test]
    fn rights_then_credentials() {
        let mut buf = vec![0u8; control_len(2, true)];
        let c = libc::ucred { pid: 7, uid: 8, gid: 9 };
        write(&mut buf, 2, &[5, 6], Some(&c));
        assert_eq!(usize::from_ne_bytes(buf[0..8].try_into().unwrap()), len(8));
        assert_eq!(i32::from_ne_bytes(buf[12..16].try_into().unwrap()), libc::SCM_RIGHTS);
        assert_eq!(i32::from_ne_bytes(buf[16..20].try_into().unwrap()), 5);
        assert_eq!(i32::from_ne_bytes(buf[20..24].try_into().unwrap()), 6);
        let at = space(8);
        assert_eq!(i32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap()), libc::SCM_CREDENTIALS);
        assert_eq!(i32::from_ne_bytes(buf[at + 16..at + 20].try_into().unwrap()), 7);
    }
}
