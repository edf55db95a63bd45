//! The C surface: libsystemd's sd-login functions with its exact signatures. Raw pointers are
//! checked here, strings and arrays handed back are allocated with `malloc` here, and results
//! become `-errno`, and nowhere else.
//!
//! The safety contract of every function is the one sd-login(3) states for C callers (valid C
//! strings, writable out-pointers); the docs here become the header's comments, so they are not
//! repeated as `# Safety` sections.
#![allow(clippy::missing_safety_doc)]
