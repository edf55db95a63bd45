//! Code shared by the command-line tools of this tree (the binaries are in src/bin/).

// sdlite-listen: the manager's side of the notify protocol and the bridge to a supervisor.
pub mod listen;

// sdlite-notify: glibc-compatible option parsing, 252's message building, --fork.
pub mod envblock;
pub mod fork_notify;
pub mod getopt;
pub mod notify_options;

/// strerror(3)'s text for `errno`, as the systemd tools print it after a colon.
pub fn strerror_text(errno: i32) -> String {
    String::from_utf8_lossy(&notify_options::strerror(errno)).into_owned()
}
