//! sd-login: which unit, slice, session, user and machine a process belongs to (read from its
//! cgroup path in `/proc/PID/cgroup`), what logind says about users, sessions, seats and machines
//! (its state files under `/run/systemd/`), and an inotify monitor of those directories.
//!
//! `ffi` is this family's C surface; the other modules are safe Rust over `Result<_, Errno>`.

pub mod ffi;

// Processes, peers and pidfds: what a cgroup path says.
pub mod cgroup;
mod pid;

// Users, sessions, seats, machines and the monitor: what logind's state files say.
pub(crate) mod envfile;
mod monitor;
pub(crate) mod state;
pub(crate) mod text;

