//! sdlite-listen: the service manager's side of the notify protocol, for hosts without systemd
//! (and, with --ready-fd / --notify-outer, a bridge to the supervisor that runs it). See
//! `listen/mod.rs`.
#[path = "../listen/mod.rs"]
mod listen;

fn main() {
    std::process::exit(listen::main());
}
