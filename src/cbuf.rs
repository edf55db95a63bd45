//! Memory that C callers own: libsystemd hands back strings and NULL-terminated string arrays
//! that the caller releases with free(3), so they are allocated with malloc(3) here. The library
//! has no Rust allocator (no `alloc`): a global allocator would bring its panic paths with it.
//!
//! `CBuf` is a growable byte buffer over malloc/realloc (also used to read files of unknown
//! length), `Strv` a growing NULL-terminated array of such strings. Both free what they hold
//! when dropped, unless it was handed over with `into_c_string` / `into_c_strv`.

use crate::errno::{Errno, Result};
use libc::c_char;

/// A growable byte buffer in malloc'd memory. Empty buffers hold no allocation.
pub struct CBuf {
    ptr: *mut u8,
    len: usize,
    cap: usize,
}

impl CBuf {
    pub const fn new() -> CBuf {
        CBuf { ptr: core::ptr::null_mut(), len: 0, cap: 0 }
    }

    /// `bytes` copied into a new buffer.
    pub fn from_bytes(bytes: &[u8]) -> Result<CBuf> {
        let mut b = CBuf::new();
        b.extend(bytes)?;
        Ok(b)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_slice(&self) -> &[u8] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: ptr holds cap >= len bytes, the first len initialized.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Room for at least `more` further bytes; -ENOMEM when malloc says no or the size overflows.
    pub fn reserve(&mut self, more: usize) -> Result<()> {
        let need = self.len.checked_add(more).ok_or(Errno::ENOMEM)?;
        if need <= self.cap {
            return Ok(());
        }
        let cap = need.max(self.cap.saturating_mul(2)).max(64);
        // SAFETY: ptr is null or came from malloc/realloc here; realloc(NULL, n) is malloc(n).
        let p = unsafe { libc::realloc(self.ptr.cast(), cap) }.cast::<u8>();
        if p.is_null() {
            return Err(Errno::ENOMEM);
        }
        // Zeroed, so that `spare()` never exposes uninitialized memory as `&mut [u8]`.
        // SAFETY: p holds cap bytes, of which the first self.cap were already ours.
        unsafe { p.add(self.cap).write_bytes(0, cap - self.cap) };
        self.ptr = p;
        self.cap = cap;
        Ok(())
    }

    pub fn extend(&mut self, bytes: &[u8]) -> Result<()> {
        self.reserve(bytes.len())?;
        // SAFETY: reserve made room for bytes.len() more; the regions cannot overlap (ours is
        // malloc'd memory the caller cannot hold a shared slice of while we are borrowed mutably).
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(self.len), bytes.len()) };
        self.len += bytes.len();
        Ok(())
    }

    pub fn push(&mut self, byte: u8) -> Result<()> {
        self.extend(&[byte])
    }

    /// The unused room after the contents (at least what `reserve` asked for), to be filled by
    /// a read(2) and then committed with `grow_into_spare`.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.ptr.is_null() {
            return &mut [];
        }
        // SAFETY: bytes len..cap are allocated and initialized (reserve zeroes new room).
        unsafe { core::slice::from_raw_parts_mut(self.ptr.add(self.len), self.cap - self.len) }
    }

    /// Counts `n` bytes of `spare()` as contents.
    pub fn grow_into_spare(&mut self, n: usize) {
        debug_assert!(n <= self.cap - self.len);
        self.len += n.min(self.cap - self.len);
    }

    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The contents as a NUL-terminated C string owned by the caller (free(3)). The contents
    /// must not contain NUL (callers hand out names and values that cannot).
    pub fn into_c_string(mut self) -> Result<*mut c_char> {
        self.push(0)?;
        let p = self.ptr;
        core::mem::forget(self);
        Ok(p.cast())
    }
}

impl CBuf {
    /// The contents followed by a NUL, as a C string (for the strto*-based parsers). The NUL is
    /// written after the contents without counting it. The contents must not contain NUL.
    pub fn as_cstr(&mut self) -> Result<&core::ffi::CStr> {
        self.reserve(1)?;
        if let Some(b) = self.spare().first_mut() {
            *b = 0;
        }
        // SAFETY: reserve(1) made room for len + 1 bytes, all initialized, the last one NUL.
        let bytes = unsafe { core::slice::from_raw_parts(self.ptr, self.len + 1) };
        core::ffi::CStr::from_bytes_with_nul(bytes).map_err(|_| Errno::EINVAL)
    }

    /// The contents as a malloc'd block owned by the caller (free(3)), never NULL: an empty
    /// buffer becomes a 1-byte allocation, as systemd's `new(T, 0)` is a valid pointer.
    pub fn into_raw_nonnull(mut self) -> Result<*mut u8> {
        self.reserve(1)?;
        let p = self.ptr;
        core::mem::forget(self);
        Ok(p)
    }
}

impl Default for CBuf {
    fn default() -> CBuf {
        CBuf::new()
    }
}

impl Drop for CBuf {
    fn drop(&mut self) {
        // SAFETY: ptr is null or ours from malloc/realloc, freed once.
        unsafe { libc::free(self.ptr.cast()) }
    }
}

/// `bytes` as a new C string owned by the caller.
pub fn c_string(bytes: &[u8]) -> Result<*mut c_char> {
    CBuf::from_bytes(bytes)?.into_c_string()
}

/// A NULL-terminated array of malloc'd C strings (systemd's strv), built one string at a time.
pub struct Strv {
    ptrs: CBuf, // the array of `*mut c_char`, as bytes
}

const PTR: usize = core::mem::size_of::<*mut c_char>();

impl Strv {
    pub const fn new() -> Strv {
        Strv { ptrs: CBuf::new() }
    }

    pub fn len(&self) -> usize {
        self.ptrs.len() / PTR
    }


    /// The `i`th string, without its NUL.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let raw = self.ptrs.as_slice().get(i * PTR..(i + 1) * PTR)?;
        let p = usize::from_ne_bytes(raw.try_into().ok()?) as *const c_char;
        // SAFETY: every pointer stored here is a NUL-terminated string we allocated and own.
        Some(unsafe { core::ffi::CStr::from_ptr(p) }.to_bytes())
    }

    pub fn push(&mut self, s: &[u8]) -> Result<()> {
        self.ptrs.reserve(PTR)?;
        let p = c_string(s)?;
        // Cannot fail: the room was reserved before the string was allocated.
        let _ = self.ptrs.extend(&(p as usize).to_ne_bytes());
        Ok(())
    }

    /// Whether `s` is already in the array.
    pub fn contains(&self, s: &[u8]) -> bool {
        (0..self.len()).any(|i| self.get(i) == Some(s))
    }


    /// The array, NULL-terminated, owned by the caller (each string and the array freed with
    /// free(3)).
    pub fn into_c_strv(mut self) -> Result<*mut *mut c_char> {
        self.ptrs.extend(&0usize.to_ne_bytes())?;
        let ptrs = core::mem::replace(&mut self.ptrs, CBuf::new());
        let p = ptrs.ptr;
        core::mem::forget(ptrs);
        Ok(p.cast())
    }
}


impl Default for Strv {
    fn default() -> Strv {
        Strv::new()
    }
}

impl Drop for Strv {
    fn drop(&mut self) {
        for i in 0..self.len() {
            let raw = self.ptrs.as_slice().get(i * PTR..(i + 1) * PTR).unwrap_or(&[0; PTR]);
            let p = usize::from_ne_bytes(raw.try_into().unwrap_or([0; PTR])) as *mut libc::c_void;
            // SAFETY: each stored pointer is a string we malloc'd and still own.
            unsafe { libc::free(p) }
        }
    }
}

/// Reads the whole file at `path` (small files: /proc, /run) into a new buffer.
pub fn read_file(path: &core::ffi::CStr) -> Result<CBuf> {
    read_file_max(path, usize::MAX, Errno::ENOMEM)
}

/// Reads the whole file at `path`, failing with `too_big` once it holds more than `max` bytes.
pub fn read_file_max(path: &core::ffi::CStr, max: usize, too_big: Errno) -> Result<CBuf> {
    let fd = crate::sys::open_read(path)?;
    let mut buf = CBuf::new();
    loop {
        // Grow only when full: /proc and /run files are a few hundred bytes, so one 1 KiB
        // allocation (zeroed once) and a second read that sees the end are the usual cost.
        if buf.spare().is_empty() {
            buf.reserve(buf.len().clamp(1024, 1 << 20))?;
        }
        let n = loop {
            match crate::sys::read(&fd, buf.spare()) {
                Err(Errno::EINTR) => continue,
                r => break r?,
            }
        };
        if n == 0 {
            return Ok(buf);
        }
        buf.grow_into_spare(n);
        if buf.len() > max {
            return Err(too_big);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_grows_and_hands_over() {
        let mut b = CBuf::new();
        assert!(b.is_empty());
        for i in 0..1000u32 {
            b.extend(&i.to_le_bytes()).unwrap();
        }
        assert_eq!(b.len(), 4000);
        assert_eq!(&b.as_slice()[4..8], &1u32.to_le_bytes());
        let p = CBuf::from_bytes(b"abc").unwrap().into_c_string().unwrap();
        // SAFETY: a NUL-terminated string we own.
        assert_eq!(unsafe { core::ffi::CStr::from_ptr(p) }.to_bytes(), b"abc");
        // SAFETY: malloc'd above.
        unsafe { libc::free(p.cast()) };
    }

    #[test]
    fn strv_terminates() {
        let mut v = Strv::new();
        for s in [&b"c3"[..], b"a1", b"b2", b"a"] {
            v.push(s).unwrap();
        }
        assert!(v.contains(b"b2"));
        assert_eq!((0..4).map(|i| v.get(i).unwrap()).collect::<std::vec::Vec<_>>(), [&b"c3"[..], b"a1", b"b2", b"a"]);
        let p = v.into_c_strv().unwrap();
        // SAFETY: a NULL-terminated array of 4 strings we own.
        unsafe {
            assert!(!(*p.add(3)).is_null() && (*p.add(4)).is_null());
            for i in 0..4 {
                libc::free((*p.add(i)).cast());
            }
            libc::free(p.cast());
        }
    }

    #[test]
    fn reads_proc_files() {
        let b = read_file(c"/proc/self/status").unwrap();
        assert!(b.as_slice().starts_with(b"Name:"));
    }
}
