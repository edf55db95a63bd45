//! systemd's integer parsers (`safe_atou64`, `safe_atoi`, `safe_atou`, `parse_pid`) with their
//! exact rules: leading " \t\n\r" skipped, Python-style `0b`/`0o` prefixes, C's `0x` and leading-0
//! octal through strtoul(3) in base 0, trailing bytes refused, negative values refused with ERANGE
//! only after the rest parsed. libc's strto* does the digit work, as it does in libsystemd.

use crate::errno::{Errno, Result};
use crate::sys;
use core::ffi::CStr;

const WHITESPACE: &[u8] = b" \t\n\r";

/// The part of `s` after its first `n` bytes.
fn tail(s: &CStr, n: usize) -> &CStr {
    let bytes = s.to_bytes_with_nul();
    CStr::from_bytes_until_nul(bytes.get(n..).unwrap_or(b"\0")).unwrap_or(c"")
}

/// The checks every systemd parser makes on what strto* returned: an errno, nothing consumed, or
/// bytes left over in the field are errors.
fn finish<T>(field_len: usize, r: sys::Strto<T>) -> Result<T> {
    if let Some(e) = r.errno {
        return Err(e);
    }
    if r.consumed == 0 || r.consumed != field_len {
        return Err(Errno::EINVAL);
    }
    Ok(r.value)
}

fn is_negative(s: &CStr) -> bool {
    s.to_bytes().first() == Some(&b'-')
}

/// Skips whitespace and the base prefix inside the first `field_len` bytes of `s`, returning the
/// rest, the base, and how much of the field is left. A field that is not the whole string (a
/// vsock CID before its ':') parses as if it had been copied out on its own: strto* stops at the
/// ':' that ends it, so "consumed exactly the field" is the same test as "no trailing bytes".
fn prepare(s: &CStr, field_len: usize) -> (&CStr, libc::c_int, usize) {
    let field = s.to_bytes().get(..field_len).unwrap_or(b"");
    let ws = field.iter().take_while(|c| WHITESPACE.contains(c)).count();
    let s = tail(s, ws);
    let (rest, base) = mangle_base(s, field_len - ws);
    let skipped = s.to_bytes().len() - rest.to_bytes().len();
    (rest, base, field_len - ws - skipped)
}

/// mangle_base() restricted to a field of `len` bytes.
fn mangle_base(s: &CStr, len: usize) -> (&CStr, libc::c_int) {
    match s.to_bytes().get(..len.min(2)) {
        Some([b'0', b'b' | b'B']) => (tail(s, 2), 2),
        Some([b'0', b'o' | b'O']) => (tail(s, 2), 8),
        _ => (s, 0),
    }
}

fn atou64_field(s: &CStr, field_len: usize, strto: fn(&CStr, libc::c_int) -> sys::Strto<u64>) -> Result<u64> {
    let (s, base, len) = prepare(s, field_len);
    let v = finish(len, strto(s, base))?;
    if v != 0 && is_negative(s) {
        return Err(Errno::ERANGE);
    }
    Ok(v)
}

/// systemd's safe_atou64 (safe_atollu_full with base 0 on this ABI).
pub fn safe_atou64(s: &CStr) -> Result<u64> {
    atou64_field(s, s.to_bytes().len(), sys::strtoull)
}

/// systemd's safe_atou (32-bit unsigned) applied to the first `field_len` bytes of `s`; used for
/// vsock CIDs and ports.
pub fn safe_atou_field(s: &CStr, field_len: usize) -> Result<u32> {
    let v = atou64_field(s, field_len, sys::strtoul)?;
    u32::try_from(v).map_err(|_| Errno::ERANGE)
}

/// systemd's safe_atoi.
pub fn safe_atoi(s: &CStr) -> Result<i32> {
    let (s, base, len) = prepare(s, s.to_bytes().len());
    let v = finish(len, sys::strtol(s, base))?;
    i32::try_from(v).map_err(|_| Errno::ERANGE)
}

/// systemd's parse_pid: an unsigned long that survives the round trip through pid_t and is > 0.
pub fn parse_pid(s: &CStr) -> Result<libc::pid_t> {
    let v = safe_atou64(s)?;
    let pid = v as libc::pid_t;
    if pid as i64 as u64 != v || pid <= 0 {
        return Err(Errno::ERANGE);
    }
    Ok(pid)
}

/// systemd's parse_uid (and parse_gid): strictly decimal, no sign, no leading whitespace, no
/// leading zero, fits 32 bits; the two values that mean "no such ID" ((uid_t) -1 and its 16-bit
/// form) are ENXIO.
pub fn parse_uid(s: &CStr) -> Result<u32> {
    let field = s.to_bytes();
    match field.first() {
        // strchr(WHITESPACE, s[0]) also matches the terminating NUL: "" is refused here too.
        None => return Err(Errno::EINVAL),
        Some(c) if WHITESPACE.contains(c) => return Err(Errno::EINVAL),
        Some(b'+' | b'-') => return Err(Errno::EINVAL),
        Some(b'0') if field.len() > 1 => return Err(Errno::EINVAL),
        Some(_) => {}
    }
    let v = finish(field.len(), sys::strtoul(s, 10))?;
    let uid = u32::try_from(v).map_err(|_| Errno::ERANGE)?;
    if uid == u32::MAX || uid == 0xFFFF {
        return Err(Errno::ENXIO);
    }
    Ok(uid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    fn u64_of(s: &str) -> Result<u64> {
        safe_atou64(&CString::new(s).unwrap())
    }
    fn pid_of(s: &str) -> Result<i32> {
        parse_pid(&CString::new(s).unwrap())
    }
    fn int_of(s: &str) -> Result<i32> {
        safe_atoi(&CString::new(s).unwrap())
    }

    // Rows observed on the installed libsystemd 252 (spec §6 items 34-36 and 38).
    #[test]
    fn watchdog_usec_rules() {
        assert_eq!(u64_of(" 100"), Ok(100));
        assert_eq!(u64_of("100 "), Err(Errno::EINVAL));
        assert_eq!(u64_of("0x10"), Ok(16));
        assert_eq!(u64_of("010"), Ok(8));
        assert_eq!(u64_of("0b101"), Ok(5));
        assert_eq!(u64_of("0o17"), Ok(15));
        assert_eq!(u64_of("+5"), Ok(5));
        assert_eq!(u64_of("-1"), Err(Errno::ERANGE));
        assert_eq!(u64_of("-0"), Ok(0));
        assert_eq!(u64_of(""), Err(Errno::EINVAL));
        assert_eq!(u64_of("abc"), Err(Errno::EINVAL));
        assert_eq!(u64_of("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(u64_of("18446744073709551616"), Err(Errno::ERANGE));
        assert_eq!(u64_of("0b"), Err(Errno::EINVAL));
        assert_eq!(u64_of("0x"), Err(Errno::EINVAL));
    }

    #[test]
    fn pid_rules() {
        assert_eq!(pid_of("1"), Ok(1));
        assert_eq!(pid_of("0"), Err(Errno::ERANGE));
        assert_eq!(pid_of("-0"), Err(Errno::ERANGE));
        assert_eq!(pid_of("-1"), Err(Errno::ERANGE));
        assert_eq!(pid_of("abc"), Err(Errno::EINVAL));
        assert_eq!(pid_of(""), Err(Errno::EINVAL));
        assert_eq!(pid_of("4294967297"), Err(Errno::ERANGE));
        assert_eq!(pid_of("2147483648"), Err(Errno::ERANGE));
        assert_eq!(pid_of("2147483647"), Ok(i32::MAX));
    }

    #[test]
    fn uid_rules() {
        let uid_of = |s: &str| parse_uid(&CString::new(s).unwrap());
        assert_eq!(uid_of("0"), Ok(0));
        assert_eq!(uid_of("1000"), Ok(1000));
        assert_eq!(uid_of("4294967294"), Ok(4294967294));
        assert_eq!(uid_of("4294967295"), Err(Errno::ENXIO));
        assert_eq!(uid_of("65535"), Err(Errno::ENXIO));
        assert_eq!(uid_of("4294967296"), Err(Errno::ERANGE));
        assert_eq!(uid_of(""), Err(Errno::EINVAL));
        assert_eq!(uid_of(" 1"), Err(Errno::EINVAL));
        assert_eq!(uid_of("+1"), Err(Errno::EINVAL));
        assert_eq!(uid_of("-1"), Err(Errno::EINVAL));
        assert_eq!(uid_of("01"), Err(Errno::EINVAL));
        assert_eq!(uid_of("0x1"), Err(Errno::EINVAL));
        assert_eq!(uid_of("1 "), Err(Errno::EINVAL));
    }

    #[test]
    fn int_rules() {
        assert_eq!(int_of(" 2"), Ok(2));
        assert_eq!(int_of("0x2"), Ok(2));
        assert_eq!(int_of("-1"), Ok(-1));
        assert_eq!(int_of("2147483648"), Err(Errno::ERANGE));
        assert_eq!(int_of("2147483647"), Ok(i32::MAX));
        assert_eq!(int_of("abc"), Err(Errno::EINVAL));
        assert_eq!(int_of("2 "), Err(Errno::EINVAL));
    }
}
