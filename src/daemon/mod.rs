//! sd-daemon: the notify protocol, socket activation and the fd checks.
//!
//! `ffi` is this family's C surface; the other modules are safe Rust over `Result<_, Errno>`.

mod address;
mod barrier;
mod booted;
mod fdcheck;
pub mod ffi;
mod listen;
mod notify;
mod vsock;
mod watchdog;

#[cfg(feature = "std")]
pub(crate) use address::{parse_into as parse_notify_address, SockAddr, Transport};

#[cfg(test)]
mod tests;
