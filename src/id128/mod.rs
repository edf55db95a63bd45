//! sd-id128: 128-bit IDs as text, the machine, boot and invocation IDs, and IDs derived from them
//! for one application.
//!
//! `ffi` is this family's C surface; the other modules are safe Rust over `Id` and
//! `Result<_, Errno>`.

mod app;
mod cache;
pub mod ffi;
mod file;
mod invocation;
mod machine;
mod random;
mod sha256;
mod string;

/// An ID as its 16 bytes, in the order they are printed.
pub type Id = [u8; 16];

/// The all-zero ID, which libsystemd uses to mean "none" (and its caches "not read yet").
pub const NULL: Id = [0; 16];

/// Marks `id` as a random UUID (version 4, RFC 4122 variant), as libsystemd does with every ID
/// it makes, so that what it hands out is a valid UUID.
pub fn make_v4(mut id: Id) -> Id {
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_bits() {
        assert_eq!(make_v4([0xff; 16])[6], 0x4f);
        assert_eq!(make_v4([0xff; 16])[8], 0xbf);
        assert_eq!(make_v4(NULL)[6], 0x40);
        assert_eq!(make_v4(NULL)[8], 0x80);
        let v = make_v4([0x5a; 16]);
        assert_eq!(v.iter().filter(|&&b| b == 0x5a).count(), 14);
    }
}
