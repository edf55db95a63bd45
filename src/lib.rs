//! sdlite: libsystemd's sd-daemon protocols as a C-ABI drop-in `libsystemd.so.0` that needs
//! nothing but libc.
//!
//! `ffi` is the C surface; every other module is safe Rust over `Result<_, Errno>`.
#![cfg_attr(not(any(test, feature = "std")), no_std)]

mod address;
mod barrier;
mod booted;
mod bytes;
mod cmsg;
mod env;
mod errno;
mod fdcheck;
pub mod ffi;
#[cfg(feature = "std")]
pub mod fuzzing;
mod listen;
mod notify;
mod parse;
mod sys;
mod vsock;
mod watchdog;

#[cfg(test)]
mod tests;

/// A panic must never unwind into C: abort, as the release profile also says.
#[cfg(not(any(test, feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: abort() has no preconditions.
    unsafe { libc::abort() }
}
