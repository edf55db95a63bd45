//! IDs as text: 32 lowercase hex digits, or the UUID form with dashes after the 4th, 6th, 8th
//! and 10th byte; parsing accepts either, in either case, and nothing around them.

use super::Id;
use crate::bytes::put;
use crate::errno::{Errno, Result};

/// SD_ID128_STRING_MAX: 32 digits and the NUL.
pub const PLAIN_MAX: usize = 33;
/// SD_ID128_UUID_STRING_MAX: 32 digits, 4 dashes and the NUL.
pub const UUID_MAX: usize = 37;

fn hex_digit(nibble: u8) -> u8 {
    match nibble & 0xf {
        n @ 0..=9 => b'0' + n,
        n => b'a' + (n - 10),
    }
}

fn hex_pair(b: u8) -> [u8; 2] {
    [hex_digit(b >> 4), hex_digit(b)]
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `id` as 32 lowercase hex digits and a NUL.
pub fn format_plain(id: &Id, out: &mut [u8; PLAIN_MAX]) {
    for (n, &b) in id.iter().enumerate() {
        put(out, 2 * n, &hex_pair(b));
    }
    put(out, PLAIN_MAX - 1, b"\0");
}

/// `id` in the UUID form and a NUL. Bytes are printed in their order, whatever the UUID's
/// variant says, as other Linux tools print them.
pub fn format_uuid(id: &Id, out: &mut [u8; UUID_MAX]) {
    let mut at = 0;
    for (n, &b) in id.iter().enumerate() {
        if matches!(n, 4 | 6 | 8 | 10) {
            put(out, at, b"-");
            at += 1;
        }
        put(out, at, &hex_pair(b));
        at += 2;
    }
    put(out, at, b"\0");
}

/// sd_id128_from_string's rules. `s` is read as a C string: a NUL ends it, and so does the end
/// of the slice, so that an ID file's buffer (which may hold NULs) parses as libsystemd parses
/// it. A dash at offset 8 makes the text a UUID, which then needs its dashes at 13, 18 and 23
/// and nowhere else; the text must end right after the last digit.
pub fn parse(s: &[u8]) -> Result<Id> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut id = super::NULL;
    let mut i = 0;
    let mut uuid = false;
    for byte in id.iter_mut() {
        while at(i) == b'-' {
            match i {
                8 => uuid = true,
                13 | 18 | 23 if uuid => {}
                _ => return Err(Errno::EINVAL),
            }
            i += 1;
        }
        let high = unhex(at(i)).ok_or(Errno::EINVAL)?;
        let low = unhex(at(i + 1)).ok_or(Errno::EINVAL)?;
        *byte = high << 4 | low;
        i += 2;
    }
    let len = if uuid { UUID_MAX - 1 } else { PLAIN_MAX - 1 };
    if i != len || at(i) != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALDI: Id = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x10];

    fn plain(id: &Id) -> String {
        let mut out = [0xaa; PLAIN_MAX];
        format_plain(id, &mut out);
        assert_eq!(out[PLAIN_MAX - 1], 0);
        String::from_utf8(out[..PLAIN_MAX - 1].to_vec()).unwrap()
    }

    fn uuid(id: &Id) -> String {
        let mut out = [0xaa; UUID_MAX];
        format_uuid(id, &mut out);
        assert_eq!(out[UUID_MAX - 1], 0);
        String::from_utf8(out[..UUID_MAX - 1].to_vec()).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(plain(&WALDI), "0102030405060708090a0b0c0d0e0f10");
        assert_eq!(uuid(&WALDI), "01020304-0506-0708-090a-0b0c0d0e0f10");
        assert_eq!(plain(&[0xff; 16]), "ffffffffffffffffffffffffffffffff");
        assert_eq!(uuid(&[0; 16]), "00000000-0000-0000-0000-000000000000");
    }

    #[test]
    fn parses_what_it_formats() {
        for id in [WALDI, [0; 16], [0xff; 16], [0x9c; 16]] {
            assert_eq!(parse(plain(&id).as_bytes()), Ok(id));
            assert_eq!(parse(uuid(&id).as_bytes()), Ok(id));
        }
    }

    #[test]
    fn accepts() {
        assert_eq!(parse(b"0102030405060708090A0B0C0D0E0F10"), Ok(WALDI));
        assert_eq!(parse(b"01020304-0506-0708-090A-0b0c0d0e0f10"), Ok(WALDI));
        // A NUL ends the text, as in C.
        assert_eq!(parse(b"0102030405060708090a0b0c0d0e0f10\0junk"), Ok(WALDI));
    }

    #[test]
    fn refuses() {
        for bad in [
            &b""[..],
            b"0102030405060708090a0b0c0d0e0f1",
            b"0102030405060708090a0b0c0d0e0f100",
            b"0102030405060708090a0b0c0d0e0f10\n",
            b" 0102030405060708090a0b0c0d0e0f10",
            b"0102030405060708090a0b0c0d0e0fg0",
            b"01020304-0506-0708-090a-0b0c0d0e0f1",
            b"01020304-0506-0708-090a-0b0c0d0e0f100",
            b"01020304-05060708-090a-0b0c0d0e0f10",
            b"01020304-0506-0708-090a0b0c0d0e0f10-",
            b"0102030405060708-090a-0b0c0d0e0f10",
            b"01020304--0506-0708-090a-0b0c0d0e0f10",
            b"0102-0304-0506-0708-090a-0b0c0d0e0f10",
            b"{01020304-0506-0708-090a-0b0c0d0e0f10}",
            b"-0102030405060708090a0b0c0d0e0f10",
            b"01020304-0506070809-0a-0b0c0d0e0f10",
        ] {
            assert_eq!(parse(bad), Err(Errno::EINVAL), "{}", String::from_utf8_lossy(bad));
        }
    }
}
