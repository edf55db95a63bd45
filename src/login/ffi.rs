//! The C surface: libsystemd's sd-login functions with its exact signatures. Raw pointers are
//! checked here, strings and arrays handed back are allocated with `malloc` here, and results
//! become `-errno`, and nowhere else.
//!
//! The safety contract of every function is the one sd-login(3) states for C callers (valid C
//! strings, writable out-pointers); the docs here become the header's comments, so they are not
//! repeated as `# Safety` sections.
#![allow(clippy::missing_safety_doc)]

// Two sections, each with its own `use` lines, so that they grow apart.

// ==== processes, peers and pidfds: sd_pid_get_*, sd_peer_get_*, sd_pidfd_get_* ====
// (what a process's cgroup path says; src/login/cgroup.rs)

// ==== end of processes, peers and pidfds ====

// ==== users, sessions, seats, machines and the monitor ====
// (what logind's state files under /run/systemd/ say; src/login/state.rs)

// ==== end of users, sessions, seats, machines and the monitor ====
