//! The command line.

use super::escape::{esc, escape_into};
use super::output::Format;
use super::values::{parse_seconds, parse_signal, parse_u64, parse_usec_or_duration};
use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;

pub const USAGE: &str = "\
usage: sdlite-listen [OPTIONS] -- COMMAND [ARG...]
Runs COMMAND with NOTIFY_SOCKET set to a private socket and prints what it sends
(sd_notify: READY=1, STATUS=..., WATCHDOG=1, ...), one line per field; passes its
readiness on to the supervisor that runs sdlite-listen, and enforces its watchdog.

  --watchdog-usec N  also set WATCHDOG_USEC=N and WATCHDOG_PID=<COMMAND's pid>, and
                     report \"LATE\" when no WATCHDOG=1 came for N microseconds
  --kill-on-late     on LATE, send SIGABRT to COMMAND, as systemd would
  --watchdog USEC|DURATION
                     the watchdog enforced as systemd does (WatchdogSec=): armed at
                     READY=1, reset by WATCHDOG=1, fired by LATE or WATCHDOG=trigger:
                     the watchdog signal, SIGKILL to the group after the stop timeout,
                     then exit 122 (a failure: supervisors restart it). 2000000, 2s, 500ms
  --watchdog-signal SIG  the signal the watchdog sends first (default ABRT)
  --start-timeout S  no READY=1 within S seconds (or 10s, 2min, ...): stop COMMAND, exit 123
  --stop-timeout S   how long a stop waits before SIGKILL (default 3 s); when given, also
                     after a SIGTERM/SIGINT passed on to COMMAND and after STOPPING=1
  --timeout S        stop COMMAND (SIGTERM, SIGKILL after 3 s) after S seconds, exit 124
  --exit-on-ready    stop COMMAND the same way once READY=1 came, exit 0
  --notify-access main|all
                     whose messages count: COMMAND's process only (main, the default;
                     the pid MAINPID= names once it did) or also its descendants (all);
                     others are refused and reported
  --ready-fd N       at READY=1 write a newline to fd N and close it (s6 notification-fd,
                     dinit pipefd:N, nitro)
  --notify-outer     send READY=1, STATUS=... and STOPPING=1 on to the NOTIFY_SOCKET
                     sdlite-listen itself was given (systemd, OpenRC, finit,
                     start-stop-daemon --notify-await)
  --pidfile PATH     write sdlite-listen's pid to PATH at READY=1, remove it at exit
  --name NAME        put NAME: before every line (for several listeners at once)
  --quiet            no line per message field: only events (READY, LATE, exits, ...)
  --logfmt           one key=value line per event
  --json             one JSON object per line per event
  -h, --help         this text

COMMAND runs in its own process group; stopping it stops the whole group.
SIGTERM, SIGINT and SIGHUP go to the group, SIGUSR1 and SIGUSR2 to the main pid.
Exit status: COMMAND's (128+N if killed by signal N); 122 after the watchdog fired;
123 on --start-timeout; 124 on --timeout; 0 with --exit-on-ready; 141 when nobody reads
the output any more (COMMAND is stopped); 125 if sdlite-listen failed; 127 if COMMAND
could not be run; 2 for bad usage. If sdlite-listen is killed, COMMAND and its process
group get SIGKILL.
";

pub struct Opts {
    pub wd_usec: Option<u64>,
    pub enforce: bool,
    pub kill_on_late: bool,
    pub wd_signal: i32,
    pub timeout: Option<u64>,
    pub start_timeout: Option<u64>,
    pub stop_timeout: Option<u64>,
    pub exit_on_ready: bool,
    pub access_all: bool,
    pub name: String,
    pub ready_fd: Option<i32>,
    pub notify_outer: bool,
    pub pidfile: Option<String>,
    pub quiet: bool,
    pub format: Format,
    pub cmd: Vec<CString>,
}

fn bad(msg: String) -> i32 {
    eprintln!("sdlite-listen: {msg}");
    2
}

/// The options, or the exit status to leave with (0 after --help).
pub fn parse(args: Vec<OsString>) -> Result<Opts, i32> {
    let mut o = Opts {
        wd_usec: None,
        enforce: false,
        kill_on_late: false,
        wd_signal: libc::SIGABRT,
        timeout: None,
        start_timeout: None,
        stop_timeout: None,
        exit_on_ready: false,
        access_all: false,
        name: String::new(),
        ready_fd: None,
        notify_outer: false,
        pidfile: None,
        quiet: false,
        format: Format::Text,
        cmd: Vec::new(),
    };
    let mut i = 1;
    while let Some(a) = args.get(i) {
        let a = a.as_bytes();
        if a == b"--" {
            i += 1;
            break;
        }
        if a.first() != Some(&b'-') {
            break;
        }
        let s = String::from_utf8_lossy(a).into_owned();
        let (opt, inline) = match s.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (s.clone(), None),
        };
        let takes_value = matches!(
            opt.as_str(),
            "--watchdog-usec"
                | "--watchdog"
                | "--watchdog-signal"
                | "--timeout"
                | "--start-timeout"
                | "--stop-timeout"
                | "--notify-access"
                | "--name"
                | "--ready-fd"
                | "--pidfile"
        );
        let mut value_bytes: Option<Vec<u8>> = None;
        if takes_value {
            value_bytes = match inline {
                Some(v) => Some(a.get(opt.len() + 1..).unwrap_or_default().to_vec())
                    .or(Some(v.into_bytes())),
                None => {
                    i += 1;
                    args.get(i).map(|v| v.as_bytes().to_vec())
                }
            };
        }
        let vb = value_bytes.clone().unwrap_or_default();
        let v = String::from_utf8_lossy(&vb).into_owned();
        let shown = esc(&vb);
        match opt.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Err(0);
            }
            "--watchdog-usec" => match parse_u64(&v) {
                Some(n) if n > 0 => o.wd_usec = Some(n),
                _ => {
                    return Err(bad(format!(
                        "--watchdog-usec wants a positive number of microseconds, not '{shown}'"
                    )))
                }
            },
            "--watchdog" => match parse_usec_or_duration(&v) {
                Some(n) if n > 0 => {
                    o.wd_usec = Some(n);
                    o.enforce = true;
                }
                _ => {
                    return Err(bad(format!(
                        "--watchdog wants microseconds or a duration (2s, 500ms), not '{shown}'"
                    )))
                }
            },
            "--watchdog-signal" => match parse_signal(&v) {
                Some(n) => o.wd_signal = n,
                None => {
                    return Err(bad(format!(
                        "--watchdog-signal wants a signal name or number, not '{shown}'"
                    )))
                }
            },
            "--timeout" | "--start-timeout" | "--stop-timeout" => {
                let Some(n) = parse_seconds(&v) else {
                    return Err(bad(format!("{opt} wants seconds, not '{shown}'")));
                };
                match opt.as_str() {
                    "--timeout" => o.timeout = Some(n),
                    "--start-timeout" => o.start_timeout = Some(n),
                    _ => o.stop_timeout = Some(n),
                }
            }
            "--notify-access" => match v.as_str() {
                "main" if value_bytes.is_some() => o.access_all = false,
                "all" => o.access_all = true,
                _ => {
                    return Err(bad(format!(
                        "--notify-access wants main or all, not '{shown}'"
                    )))
                }
            },
            "--name" => {
                if value_bytes.is_none() {
                    return Err(bad("--name wants a name".into()));
                }
                o.name.clear();
                let _ = escape_into(&mut o.name, 126, &vb);
            }
            "--ready-fd" => match parse_u64(&v) {
                Some(n)
                    if (3..=i32::MAX as u64).contains(&n)
                        // SAFETY: F_GETFD only asks whether the fd is open.
                        && unsafe { libc::fcntl(n as i32, libc::F_GETFD) } >= 0 =>
                {
                    o.ready_fd = Some(n as i32)
                }
                _ => {
                    return Err(bad(format!(
                        "--ready-fd wants an open file descriptor above 2, not '{shown}'"
                    )))
                }
            },
            "--pidfile" => match value_bytes {
                Some(p) if !p.is_empty() => {
                    o.pidfile = Some(String::from_utf8_lossy(&p).into_owned())
                }
                _ => return Err(bad("--pidfile wants a path".into())),
            },
            "--exit-on-ready" => o.exit_on_ready = true,
            "--kill-on-late" => o.kill_on_late = true,
            "--notify-outer" => o.notify_outer = true,
            "--quiet" => o.quiet = true,
            "--json" => o.format = Format::Json,
            "--logfmt" => o.format = Format::Logfmt,
            _ => {
                eprintln!("sdlite-listen: unknown option '{}'", esc(a));
                eprint!("{USAGE}");
                return Err(2);
            }
        }
        i += 1;
    }
    let Some(rest) = args.get(i..).filter(|r| !r.is_empty()) else {
        eprint!("{USAGE}");
        return Err(2);
    };
    for a in rest {
        match CString::new(a.as_bytes()) {
            Ok(c) => o.cmd.push(c),
            Err(_) => return Err(bad("an argument of COMMAND holds a NUL byte".into())),
        }
    }
    if o.kill_on_late && o.wd_usec.is_none() {
        return Err(bad("--kill-on-late needs --watchdog-usec".into()));
    }
    Ok(o)
}
