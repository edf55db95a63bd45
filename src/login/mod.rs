//! sd-login: which unit, slice, session, user and machine a process belongs to (read from its
//! cgroup path in `/proc/PID/cgroup`), what logind says about users, sessions, seats and machines
//! (its state files under `/run/systemd/`), and an inotify monitor of those directories.
//!
//! `ffi` is this family's C surface; the other modules are safe Rust over `Result<_, Errno>`.

pub mod ffi;

// ==== processes, peers and pidfds ====
pub mod cgroup;
mod pid;

// ==== users, sessions, seats, machines and the monitor ====
