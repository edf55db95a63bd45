//! Writing into fixed-size buffers without a panicking path: the library is loaded into other
//! people's processes, where a bounds-check panic would abort them.

/// Copies `bytes` to `buf[at..]`. Callers size `buf` for what they write, so nothing is ever cut
/// off; if one ever got it wrong, bytes would be dropped rather than the host process aborted.
pub fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(at..).and_then(|b| b.get_mut(..bytes.len())) {
        dst.copy_from_slice(bytes);
    }
}

/// `v` in decimal, as printf's "%i" writes it, in `buf`.
pub fn decimal(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        at -= 1;
        if let Some(b) = buf.get_mut(at) {
            *b = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        if let Some(b) = buf.get_mut(at) {
            *b = b'-';
        }
    }
    buf.get(at..).unwrap_or_default()
}
