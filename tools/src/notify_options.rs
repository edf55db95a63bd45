//! sdlite-notify's command line: systemd-notify(1)'s options as of systemd 258, with 252's
//! texts and rules wherever 252 has the option (252 is the judge there, see
//! tests/suites/42-notify-tool.sh).
//!
//! Parsing is pure except for what the caller injects through `World` (our pid, our parent's,
//! `$MANAGERPID`, user lookups, the fds we were given), so that the rules can be unit-tested.

use crate::envblock;
use crate::getopt::{HasArg, Item, LongOpt, Parser, ShortOpt};
use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opt {
    Help,
    Version,
    Ready,
    Reloading,
    Stopping,
    Pid,
    Status,
    Booted,
    Uid,
    NoBlock,
    Exec,
    Fd,
    FdName,
    Fork,
    Quiet,
}

// 258's table order (it decides the order of getopt's "possibilities"), then --fork and -q.
static LONGS: &[LongOpt<Opt>] = &[
    LongOpt { name: "help", has_arg: HasArg::No, id: Opt::Help },
    LongOpt { name: "version", has_arg: HasArg::No, id: Opt::Version },
    LongOpt { name: "ready", has_arg: HasArg::No, id: Opt::Ready },
    LongOpt { name: "reloading", has_arg: HasArg::No, id: Opt::Reloading },
    LongOpt { name: "stopping", has_arg: HasArg::No, id: Opt::Stopping },
    LongOpt { name: "pid", has_arg: HasArg::Optional, id: Opt::Pid },
    LongOpt { name: "status", has_arg: HasArg::Required, id: Opt::Status },
    LongOpt { name: "booted", has_arg: HasArg::No, id: Opt::Booted },
    LongOpt { name: "uid", has_arg: HasArg::Required, id: Opt::Uid },
    LongOpt { name: "no-block", has_arg: HasArg::No, id: Opt::NoBlock },
    LongOpt { name: "exec", has_arg: HasArg::No, id: Opt::Exec },
    LongOpt { name: "fd", has_arg: HasArg::Required, id: Opt::Fd },
    LongOpt { name: "fdname", has_arg: HasArg::Required, id: Opt::FdName },
    LongOpt { name: "fork", has_arg: HasArg::No, id: Opt::Fork },
    LongOpt { name: "quiet", has_arg: HasArg::No, id: Opt::Quiet },
];
static SHORTS: &[ShortOpt<Opt>] = &[ShortOpt { letter: b'h', id: Opt::Help }, ShortOpt { letter: b'q', id: Opt::Quiet }];

/// A user's uid and, when the user database knows it, its gid.
pub type UserIds = (u32, Option<u32>);

/// What parsing needs from the process it runs in.
pub struct World<'a> {
    pub pid: libc::pid_t,
    pub ppid: libc::pid_t,
    pub manager_pid: Option<&'a OsStr>,
    /// get_user_creds(): Ok((uid, gid)), Err(errno); ESRCH when there is no such user.
    pub lookup_user: &'a dyn Fn(&OsStr) -> Result<UserIds, i32>,
    /// The fds >= 3 this process was started with (258 takes them all over at the first --fd).
    pub inherited_fds: &'a dyn Fn() -> Vec<i32>,
    pub posixly_correct: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub ready: bool,
    pub reloading: bool,
    pub stopping: bool,
    pub main_pid: Option<libc::pid_t>,
    pub status: Option<Vec<u8>>,
    pub uid: Option<UserIds>,
    pub no_block: bool,
    /// The fds to pass, as given; 0, 1 and 2 are passed as copies (they stay ours).
    pub fds: Vec<i32>,
    pub fdname: Option<Vec<u8>>,
    /// Inherited fds that no --fd names: 258 closes them (and warns).
    pub unreferenced_fds: Vec<i32>,
    pub env: Vec<Vec<u8>>,
    pub exec: Option<Vec<OsString>>,
    pub quiet: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Notify(Request),
    Booted,
    Fork { cmdline: Vec<OsString>, quiet: bool },
    Help,
    Version,
}

/// A parse that ends the program: what to print, then exit 1 after sending `ERRNO=errno`.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub stderr: Vec<u8>,
    pub help: bool,
    pub errno: i32,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Parsed {
    pub action: Action,
    /// Warnings to print before acting.
    pub warnings: Vec<u8>,
}

fn fail(errno: i32, text: impl AsRef<[u8]>) -> Failure {
    let mut stderr = text.as_ref().to_vec();
    stderr.push(b'\n');
    Failure { stderr, help: false, errno }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

pub fn strerror(errno: i32) -> Vec<u8> {
    // SAFETY: strerror() returns a valid C string; this program has one thread while it runs.
    unsafe { std::ffi::CStr::from_ptr(libc::strerror(errno)) }.to_bytes().to_vec()
}

fn cstr(s: &OsStr) -> Result<CString, i32> {
    CString::new(s.as_bytes()).map_err(|_| libc::EINVAL)
}

/// --pid's value as 252 reads it: "" and "auto" mean our parent unless that is PID 1 or the
/// service manager (`$MANAGERPID`), then ourselves.
pub fn pid_argument(value: Option<&OsStr>, world: &World, warnings: &mut Vec<u8>) -> Result<libc::pid_t, Failure> {
    let v = value.map(OsStr::as_bytes).unwrap_or_default();
    match v {
        b"" | b"auto" => Ok(parent_unless_manager(world, warnings)),
        b"parent" => Ok(world.ppid),
        b"self" => Ok(world.pid),
        _ => cstr(OsStr::from_bytes(v))
            .and_then(|c| sdlite::tool_parsers::parse_pid(&c))
            .map_err(|e| fail(e, cat(&[b"Failed to parse PID ", v, b"."]))),
    }
}

/// The sender 252 claims when no --pid is given, and --pid=auto: our parent, except PID 1 and
/// the service manager, for which it is 0 (ourselves).
pub fn parent_unless_manager(world: &World, warnings: &mut Vec<u8>) -> libc::pid_t {
    if world.ppid <= 1 {
        return world.pid;
    }
    if let Some(m) = world.manager_pid {
        match cstr(m).and_then(|c| sdlite::tool_parsers::parse_pid(&c)) {
            Ok(p) if p == world.ppid => return world.pid,
            Ok(_) => {}
            Err(_) => warnings.extend(cat(&[b"$MANAGERPID is set to an invalid PID, ignoring: ", m.as_bytes(), b"\n"])),
        }
    }
    world.ppid
}

/// fdname_is_valid(): printable ASCII without ':', at most 255 bytes; empty is allowed.
pub fn fdname_is_valid(name: &[u8]) -> bool {
    name.len() <= 255 && name.iter().all(|&c| (b' '..=b'~').contains(&c) && c != b':')
}

pub fn parse(args: &[OsString], world: &World) -> Result<Parsed, Failure> {
    let mut p = Parser::new(args, LONGS, SHORTS, world.posixly_correct);
    let mut r = Request::default();
    let mut warnings = Vec::new();
    let (mut booted, mut exec, mut fork) = (false, false, false);
    let mut passed: Option<Vec<i32>> = None;

    for item in p.by_ref() {
        let (opt, value) = match item {
            Item::Opt(o, v) => (o, v),
            Item::Error(e) => return Err(Failure { stderr: e, help: false, errno: libc::EINVAL }),
        };
        let v = value.map(OsStr::as_bytes).unwrap_or_default();
        match opt {
            Opt::Help => return Ok(Parsed { action: Action::Help, warnings }),
            Opt::Version => return Ok(Parsed { action: Action::Version, warnings }),
            Opt::Ready => r.ready = true,
            Opt::Reloading => r.reloading = true,
            Opt::Stopping => r.stopping = true,
            Opt::Pid => r.main_pid = Some(pid_argument(value, world, &mut warnings)?),
            Opt::Status => r.status = Some(v.to_vec()),
            Opt::Booted => booted = true,
            Opt::Uid => {
                let name = value.unwrap_or_default();
                let resolved = match (world.lookup_user)(name) {
                    Err(libc::ESRCH) => cstr(name).and_then(|c| sdlite::tool_parsers::parse_uid(&c)).map(|u| (u, None)),
                    other => other,
                };
                r.uid = Some(resolved.map_err(|e| fail(e, cat(&[b"Can't resolve user ", v, b": ", &strerror(e)])))?);
            }
            Opt::NoBlock => r.no_block = true,
            Opt::Exec => exec = true,
            Opt::Fd => {
                let n = cstr(OsStr::from_bytes(v))
                    .and_then(|c| sdlite::tool_parsers::safe_atoi(&c))
                    .and_then(|n| if n < 0 { Err(libc::EBADF) } else { Ok(n) })
                    .map_err(|e| fail(e, cat(&[b"Failed to parse file descriptor: ", v])))?;
                let pool = passed.get_or_insert_with(|| (world.inherited_fds)());
                if n >= 3 {
                    match pool.iter().position(|&f| f == n) {
                        Some(i) => {
                            pool.remove(i);
                        }
                        None => {
                            return Err(fail(
                                libc::ENOENT,
                                format!("Specified file descriptor '{n}' not passed or specified more than once: {}",
                                    String::from_utf8_lossy(&strerror(libc::ENOENT))),
                            ))
                        }
                    }
                }
                r.fds.push(n);
            }
            Opt::FdName => {
                if !fdname_is_valid(v) {
                    return Err(fail(libc::EINVAL, cat(&[b"File descriptor name invalid: ", v])));
                }
                r.fdname = Some(v.to_vec());
            }
            Opt::Fork => fork = true,
            Opt::Quiet => r.quiet = true,
        }
    }
    let positional = p.positional();

    if r.fdname.is_some() && r.fds.is_empty() {
        return Err(fail(libc::EINVAL, "No file descriptors passed, but --fdname= set, refusing."));
    }

    if fork {
        if exec || booted || r.ready || r.reloading || r.stopping || r.status.is_some() || r.main_pid.is_some()
            || r.uid.is_some() || !r.fds.is_empty()
        {
            return Err(fail(libc::EINVAL, "--fork takes no notify message and cannot be combined with --exec or --booted, refusing."));
        }
        if positional.is_empty() {
            return Err(fail(libc::EINVAL, "--fork needs a command line to run, refusing."));
        }
        let cmdline = positional.iter().map(|s| s.to_os_string()).collect();
        return Ok(Parsed { action: Action::Fork { cmdline, quiet: r.quiet }, warnings });
    }

    let env_args: &[&OsStr] = if exec {
        let Some(i) = positional.iter().position(|a| a.as_bytes() == b";") else {
            return Err(fail(libc::EINVAL, "If --exec is used argument list must contain ';' separator, refusing."));
        };
        let cmd = positional.get(i + 1..).unwrap_or_default();
        if cmd.is_empty() {
            return Err(fail(libc::EINVAL, "Empty command line specified after ';' separator, refusing."));
        }
        r.exec = Some(cmd.iter().map(|s| s.to_os_string()).collect());
        positional.get(..i).unwrap_or_default()
    } else {
        &positional
    };
    r.env = env_args.iter().map(|a| a.as_bytes().to_vec()).collect();

    let have_env = r.ready || r.reloading || r.stopping || r.status.is_some() || r.main_pid.is_some()
        || !r.fds.is_empty() || !r.env.is_empty();
    if booted {
        return Ok(Parsed { action: Action::Booted, warnings });
    }
    if !have_env {
        if exec {
            return Err(fail(libc::EINVAL, "No notify message specified while --exec, refusing."));
        }
        return Err(Failure { stderr: Vec::new(), help: true, errno: libc::EINVAL });
    }
    if let Some(rest) = passed {
        if !rest.is_empty() {
            warnings.extend(format!("Warning: {} more file descriptors passed than referenced with --fd=.\n", rest.len()).bytes());
        }
        r.unreferenced_fds = rest;
    }
    Ok(Parsed { action: Action::Notify(r), warnings })
}

/// The message: our fields in 258's order (RELOADING=1 MONOTONIC_USEC= READY=1 STOPPING=1
/// STATUS= MAINPID= FDSTORE=1 FDNAME=), then the VAR=VALUE arguments merged in as 252 does.
pub fn message(r: &Request, monotonic_usec: u64) -> Vec<u8> {
    let mut own: Vec<Vec<u8>> = Vec::new();
    if r.reloading {
        own.push(b"RELOADING=1".to_vec());
        own.push(format!("MONOTONIC_USEC={monotonic_usec}").into_bytes());
    }
    if r.ready {
        own.push(b"READY=1".to_vec());
    }
    if r.stopping {
        own.push(b"STOPPING=1".to_vec());
    }
    if let Some(s) = &r.status {
        own.push(cat(&[b"STATUS=", s]));
    }
    if let Some(p) = r.main_pid {
        own.push(format!("MAINPID={p}").into_bytes());
    }
    if !r.fds.is_empty() {
        own.push(b"FDSTORE=1".to_vec());
        if let Some(n) = &r.fdname {
            own.push(cat(&[b"FDNAME=", n]));
        }
    }
    let merged = envblock::merge(own.iter().chain(r.env.iter()).map(Vec::as_slice));
    envblock::join(&merged)
}

pub fn help(prog: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    for usage in [&b" [OPTIONS...] [VARIABLE=VALUE...]\n"[..], b" [OPTIONS...] --exec [VARIABLE=VALUE...] ; CMDLINE...\n",
        b" [OPTIONS...] --fork -- CMDLINE...\n"]
    {
        h.extend_from_slice(prog);
        h.extend_from_slice(usage);
    }
    for line in [
        &b""[..],
        &b"Notify the init system about service status updates."[..],
        &b""[..],
        &b"  -h --help            Show this help"[..],
        &b"     --version         Show package version"[..],
        &b"     --ready           Inform the init system about service start-up completion"[..],
        &b"     --reloading       Inform the service manager about configuration reloading"[..],
        &b"     --stopping        Inform the service manager about service shutdown"[..],
        &b"     --pid[=PID]       Set main PID of daemon"[..],
        &b"     --uid=USER        Set user to send from"[..],
        &b"     --status=TEXT     Set status text"[..],
        &b"     --booted          Check if the system was booted up with systemd"[..],
        &b"     --no-block        Do not wait until operation finished"[..],
        &b"     --exec            Execute command line separated by ';' once done"[..],
        &b"     --fd=FD           Pass specified file descriptor with along with message"[..],
        &b"     --fdname=NAME     Name to assign to passed file descriptor(s)"[..],
        &b"     --fork            Run CMDLINE, wait for its READY=1, print its PID"[..],
        &b"  -q --quiet           Do not print the PID with --fork"[..],
        &b""[..],
        &b"See the systemd-notify(1) man page for details."[..],
    ] {
        h.extend_from_slice(line);
        h.push(b'\n');
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_user(_: &OsStr) -> Result<UserIds, i32> {
        Err(libc::ESRCH)
    }
    fn fds_3_4() -> Vec<i32> {
        vec![3, 4]
    }

    fn world<'a>(manager: Option<&'a OsStr>) -> World<'a> {
        World { pid: 100, ppid: 50, manager_pid: manager, lookup_user: &no_user, inherited_fds: &fds_3_4, posixly_correct: false }
    }

    fn run(a: &[&str]) -> Result<Parsed, Failure> {
        let args: Vec<OsString> = std::iter::once("systemd-notify").chain(a.iter().copied()).map(OsString::from).collect();
        parse(&args, &world(None))
    }

    fn notify(a: &[&str]) -> Request {
        match run(a) {
            Ok(Parsed { action: Action::Notify(r), .. }) => r,
            other => panic!("{a:?}: {other:?}"),
        }
    }

    fn err(a: &[&str]) -> (String, i32) {
        match run(a) {
            Err(f) => (String::from_utf8(f.stderr).unwrap(), f.errno),
            other => panic!("{a:?}: {other:?}"),
        }
    }

    #[test]
    fn message_order_and_merge() {
        let r = notify(&["A=1", "--status=s", "--ready", "--stopping", "--reloading", "--pid=7", "READY=0"]);
        assert_eq!(
            String::from_utf8(message(&r, 42)).unwrap(),
            "RELOADING=1\nMONOTONIC_USEC=42\nREADY=0\nSTOPPING=1\nSTATUS=s\nMAINPID=7\nA=1"
        );
    }

    #[test]
    fn pid_forms() {
        assert_eq!(notify(&["--pid"]).main_pid, Some(50));
        assert_eq!(notify(&["--pid=auto"]).main_pid, Some(50));
        assert_eq!(notify(&["--pid=parent"]).main_pid, Some(50));
        assert_eq!(notify(&["--pid=self"]).main_pid, Some(100));
        assert_eq!(notify(&["--pid=0x10"]).main_pid, Some(16));
        assert_eq!(err(&["--pid=0"]), ("Failed to parse PID 0.\n".into(), libc::ERANGE));
        assert_eq!(err(&["--pid=abc"]), ("Failed to parse PID abc.\n".into(), libc::EINVAL));
        let m = OsString::from("50");
        let mut w = Vec::new();
        assert_eq!(parent_unless_manager(&world(Some(&m)), &mut w), 100);
        let bad = OsString::from("x");
        assert_eq!(parent_unless_manager(&world(Some(&bad)), &mut w), 50);
        assert_eq!(w, b"$MANAGERPID is set to an invalid PID, ignoring: x\n");
    }

    #[test]
    fn uid_falls_back_to_numbers() {
        assert_eq!(notify(&["--uid=1234", "A=1"]).uid, Some((1234, None)));
        assert_eq!(err(&["--uid=65535"]), ("Can't resolve user 65535: No such device or address\n".into(), libc::ENXIO));
        assert_eq!(err(&["--uid=nosuchuser"]), ("Can't resolve user nosuchuser: Invalid argument\n".into(), libc::EINVAL));
    }

    #[test]
    fn exec_split() {
        let r = notify(&["--exec", "--ready", "A=1", ";", "sleep", "1"]);
        assert_eq!(r.env, [b"A=1".to_vec()]);
        assert_eq!(r.exec, Some(vec![OsString::from("sleep"), OsString::from("1")]));
        assert_eq!(notify(&["--ready", "--exec", ";", "--", "ls", "-l"]).exec.unwrap().len(), 2);
        assert_eq!(err(&["--exec", "--ready"]).0, "If --exec is used argument list must contain ';' separator, refusing.\n");
        assert_eq!(err(&["--exec", "--ready", ";"]).0, "Empty command line specified after ';' separator, refusing.\n");
        assert_eq!(err(&["--exec", ";", "true"]).0, "No notify message specified while --exec, refusing.\n");
    }

    #[test]
    fn fds() {
        let r = notify(&["--fd=4", "--fd=1", "--fdname=x"]);
        assert_eq!((r.fds.clone(), r.unreferenced_fds.clone()), (vec![4, 1], vec![3]));
        assert_eq!(r.fdname.as_deref(), Some(&b"x"[..]));
        assert_eq!(String::from_utf8(message(&r, 0)).unwrap(), "FDSTORE=1\nFDNAME=x");
        assert_eq!(err(&["--fd=4", "--fd=4"]).1, libc::ENOENT);
        assert_eq!(err(&["--fd=-1"]).0, "Failed to parse file descriptor: -1\n");
        assert_eq!(err(&["--fdname=x", "--ready"]).0, "No file descriptors passed, but --fdname= set, refusing.\n");
        assert_eq!(err(&["--fd=3", "--fdname=a:b"]).0, "File descriptor name invalid: a:b\n");
        assert!(fdname_is_valid(b""));
    }

    #[test]
    fn help_booted_fork() {
        assert_eq!(run(&["--ready", "-h", "--bogus"]).unwrap().action, Action::Help);
        assert!(run(&[]).unwrap_err().help);
        assert_eq!(run(&["--booted", "--ready"]).unwrap().action, Action::Booted);
        assert_eq!(
            run(&["-q", "--fork", "--", "sleep", "1"]).unwrap().action,
            Action::Fork { cmdline: vec!["sleep".into(), "1".into()], quiet: true }
        );
        assert_eq!(err(&["--fork"]).1, libc::EINVAL);
        assert_eq!(err(&["--fork", "--ready", "--", "true"]).1, libc::EINVAL);
        assert_eq!(err(&["--bogus"]).0, "systemd-notify: unrecognized option '--bogus'\n");
    }
}
