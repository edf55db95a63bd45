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

/// A buffer on the stack that is filled front to back and never zeroed (zeroing 2 KiB for every
/// journal entry was a tenth of a whole `sd_journal_print`). What does not fit sets `overflowed`
/// and is dropped; the caller then takes another way.
pub struct StackBuf<const N: usize> {
    data: [core::mem::MaybeUninit<u8>; N],
    len: usize,
    overflowed: bool,
}

impl<const N: usize> StackBuf<N> {
    pub fn new() -> StackBuf<N> {
        StackBuf { data: [core::mem::MaybeUninit::uninit(); N], len: 0, overflowed: false }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        match self.data.get_mut(self.len..end) {
            Some(dst) if !self.overflowed => {
                // SAFETY: `dst` has exactly `bytes.len()` slots; u8 has no invalid values.
                unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst.as_mut_ptr().cast::<u8>(), bytes.len()) };
                self.len = end;
            }
            _ => self.overflowed = true,
        }
    }

    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// What was pushed.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the first `len` bytes were written by `push`.
        unsafe { core::slice::from_raw_parts(self.data.as_ptr().cast::<u8>(), self.len) }
    }
}
