//! The files IDs are kept in (`/etc/machine-id`, the kernel's `boot_id`): 32 hex digits or a
//! UUID, either followed by at most one newline, with libsystemd 252's verdicts for everything
//! else: empty is ENOMEDIUM, "uninitialized" (systemd's placeholder for a machine ID still to be
//! made) is ENOPKG, any other content EINVAL.

use super::{string, Id};
use crate::errno::{Errno, Result};
use crate::sys::{self, Fd};
use core::ffi::CStr;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 32 hex digits (`/etc/machine-id`).
    Plain,
    /// The UUID form (`boot_id`).
    Uuid,
}

/// The longest content that can hold an ID (a UUID and its newline), and one byte more, so that
/// a longer file reads as "too long".
const READ_MAX: usize = string::UUID_MAX + 1;

const UNINITIALIZED: &[u8] = b"uninitialized\n";

pub fn read(path: &CStr, format: Format) -> Result<Id> {
    let fd = sys::open_read(path)?;
    let mut buf = [0u8; READ_MAX];
    let n = read_up_to(&fd, &mut buf)?;
    parse(buf.get(..n).unwrap_or_default(), format)
}

/// Reads until `buf` is full or the file ends, as libsystemd's loop_read(): an error after some
/// bytes arrived ends the read with those bytes.
pub fn read_up_to(fd: &Fd, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..).filter(|rest| !rest.is_empty()) {
        match sys::read(fd, rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(Errno::EINTR) => {}
            Err(e) if n == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(n)
}

/// What libsystemd 252 makes of a file's first `READ_MAX` bytes. The text is cut where an ID of
/// `format` ends and parsed as a C string, so NULs in the content count as its end (a boot_id
/// of 32 digits and four NULs is accepted, as 252 accepts it).
pub fn parse(content: &[u8], format: Format) -> Result<Id> {
    let id_len = match (content.len(), format) {
        (0, _) => return Err(Errno::ENOMEDIUM),
        (13 | 14, _) if UNINITIALIZED.starts_with(content) => return Err(Errno::ENOPKG),
        (33 | 37, _) if content.last() != Some(&b'\n') => return Err(Errno::EINVAL),
        (32 | 33, Format::Plain) => string::PLAIN_MAX - 1,
        (36 | 37, Format::Uuid) => string::UUID_MAX - 1,
        _ => return Err(Errno::EINVAL),
    };
    string::parse(content.get(..id_len).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Id = [0x3d, 0x12, 0x19, 0xc7, 0xc4, 0xc5, 0x40, 0x4a, 0xaa, 0x1f, 0x6d, 0x2a, 0x48, 0xad, 0xfd, 0xa4];

    // Rows observed on the installed libsystemd 252 (get_machine: Plain, get_boot: Uuid).
    #[test]
    fn verdicts() {
        use Format::*;
        let plain = b"3d1219c7c4c5404aaa1f6d2a48adfda4";
        let uuid = b"3d1219c7-c4c5-404a-aa1f-6d2a48adfda4";
        let with_nl = |s: &[u8]| [s, b"\n"].concat();
        for f in [Plain, Uuid] {
            assert_eq!(parse(b"", f), Err(Errno::ENOMEDIUM));
            assert_eq!(parse(b"uninitialized", f), Err(Errno::ENOPKG));
            assert_eq!(parse(b"uninitialized\n", f), Err(Errno::ENOPKG));
            assert_eq!(parse(b"uninitializeD\n", f), Err(Errno::EINVAL));
            assert_eq!(parse(b"uninitialized ", f), Err(Errno::EINVAL));
            assert_eq!(parse(b"garbage\n", f), Err(Errno::EINVAL));
            assert_eq!(parse(&with_nl(&with_nl(plain)), f), Err(Errno::EINVAL));
            assert_eq!(parse(&[plain.as_slice(), b"x"].concat(), f), Err(Errno::EINVAL));
            assert_eq!(parse(&[0u8; 38], f), Err(Errno::EINVAL));
        }
        assert_eq!(parse(plain, Plain), Ok(ID));
        assert_eq!(parse(&with_nl(plain), Plain), Ok(ID));
        assert_eq!(parse(&with_nl(&plain.to_ascii_uppercase()), Plain), Ok(ID));
        assert_eq!(parse(plain, Uuid), Err(Errno::EINVAL));
        assert_eq!(parse(uuid, Uuid), Ok(ID));
        assert_eq!(parse(&with_nl(uuid), Uuid), Ok(ID));
        assert_eq!(parse(&with_nl(uuid), Plain), Err(Errno::EINVAL));
        assert_eq!(parse(&[plain.as_slice(), b"\0\0\0\0"].concat(), Uuid), Ok(ID));
        assert_eq!(parse(&[plain.as_slice(), b"\0"].concat(), Plain), Err(Errno::EINVAL));
        assert_eq!(parse(&with_nl(&[0u8; 32]), Plain), Err(Errno::EINVAL));
        assert_eq!(parse(&with_nl(&[b'0'; 32]), Plain), Ok([0; 16]));
    }
}
