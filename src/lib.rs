//! sdlite: libsystemd's file- and socket-level APIs as a C-ABI drop-in `libsystemd.so.0` that
//! needs nothing but libc.
//!
//! Each family's `ffi` module is its C surface; everything below it is safe Rust over
//! `Result<_, Errno>`.
#![cfg_attr(not(any(test, feature = "std")), no_std)]

// The ground floor, shared by every family.
mod bytes;
mod cbuf;
mod cmsg;
mod env;
mod errno;
mod parse;
mod sys;

// One folder per libsystemd family, each with its own C surface (`ffi.rs`).
pub mod daemon;
pub mod id128;
pub mod journal;
pub mod login;

#[cfg(feature = "std")]
pub mod fuzzing;

/// systemd's number parsers for the command-line tools (tools/, which link this crate with
/// `std`), their errors as errno values.
#[cfg(feature = "std")]
pub mod tool_parsers {
    use core::ffi::CStr;

    /// parse_pid(): see `parse::parse_pid`.
    pub fn parse_pid(s: &CStr) -> Result<libc::pid_t, i32> {
        crate::parse::parse_pid(s).map_err(|e| e.0)
    }

    /// parse_uid(): see `parse::parse_uid`.
    pub fn parse_uid(s: &CStr) -> Result<u32, i32> {
        crate::parse::parse_uid(s).map_err(|e| e.0)
    }

    /// safe_atoi(): see `parse::safe_atoi`.
    pub fn safe_atoi(s: &CStr) -> Result<i32, i32> {
        crate::parse::safe_atoi(s).map_err(|e| e.0)
    }
}

/// A panic must never unwind into C: abort, as the release profile also says.
#[cfg(not(any(test, feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: abort() has no preconditions.
    unsafe { libc::abort() }
}

/// Only in the debug-checks build (`make debug-lib`): the standard library's precondition checks
/// that debug assertions turn on come from its precompiled, unwinding objects, whose unwind
/// tables name this personality routine. Nothing ever unwinds here (panics abort), so it is
/// never called; the release build has no such reference and does not get this function.
#[cfg(all(debug_assertions, not(any(test, feature = "std"))))]
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}
