//! sdlite-listen: the service manager's side of the notify protocol, for hosts without systemd
//! (and, with --ready-fd / --notify-outer, a bridge to the supervisor that runs it). See
//! `tools/src/listen/mod.rs`.

fn main() {
    std::process::exit(sdlite_tools::listen::main());
}
