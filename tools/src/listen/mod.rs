//! sdlite-listen: a stand-in for the service manager's side of the notify protocol, for hosts
//! without systemd (containers, laptops, CI, s6/runit/OpenRC machines), and a bridge from it to
//! the supervisor that runs sdlite-listen.
//!
//! It binds an AF_UNIX datagram socket (SO_PASSCRED) in a private directory, runs COMMAND with
//! NOTIFY_SOCKET pointing at it (and WATCHDOG_USEC, WATCHDOG_PID = COMMAND's pid with a
//! watchdog), and prints one line per field and per event:
//!
//!   [   1.503] pid 4242: READY=1
//!   [   1.503] READY after 1.503 s
//!   [   4.012] LATE: no WATCHDOG=1 for 2.001 s (limit 2.000 s)
//!
//! The watchdog is systemd's: armed at READY=1 (or the first WATCHDOG=1), restarted by every
//! WATCHDOG=1, changed by WATCHDOG_USEC=, stretched by EXTEND_TIMEOUT_USEC=; a gap longer than
//! the limit is found by the poll timeout, not only when the next message arrives; sums
//! saturate as systemd's usec_add() does (a limit near 2^64 means "never"). With --watchdog it
//! is enforced (signal, SIGKILL after the stop timeout, exit 122), else only reported.
//!
//! It never stalls, whatever arrives: at most MAX_BATCH datagrams per wake-up, so timers,
//! signals and COMMAND's exit are handled between batches; lines caused by messages are
//! rate-limited; every passed fd is closed at once by a closer thread (closer.rs); memory is
//! bounded (one datagram buffer, the closers' pipe). Whom it listens to: the directory is 0700
//! and the socket 0600; of the invoking user's processes only COMMAND's main pid counts
//! (--notify-access=main), or with all also its descendants.
//!
//! COMMAND runs in its own process group (its pid is the group's id, pinned by a guard process
//! that SIGKILLs the group if sdlite-listen is killed; spawn.rs). sdlite-listen is a child
//! subreaper, so a main pid named by MAINPID= that outlives its parent is still reaped here.

mod closer;
mod escape;
mod options;
mod outer;
mod output;
mod procs;
mod socket;
mod spawn;
mod values;

use escape::{esc, escape_into};
use output::{now_usec, Out, RL_EVENTS, RL_REFUSED, V};
use std::os::fd::RawFd;
use values::{fmt_sec, signame};

const EXIT_WATCHDOG: i32 = 122;
const EXIT_START_TIMEOUT: i32 = 123;
const EXIT_TIMEOUT: i32 = 124;
const EXIT_LISTENER_FAILED: i32 = 125;
const STOP_GRACE_USEC: u64 = 3_000_000;
const MAX_BATCH: usize = 64;
const MAX_FINAL_DRAIN: usize = 1024;
const GROUP_SCAN_USEC: u64 = 50_000;

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// What the loop knows about COMMAND and its watchdog.
struct State {
    /// COMMAND: its pid is also its process group's id
    child: i32,
    guard: i32,
    /// the process watched: COMMAND, or what MAINPID= named
    main_pid: i32,
    main_pidfd: Option<RawFd>,
    main_done: bool,
    /// wait status; None when the main pid was not our child (its status is not ours to know)
    main_status: Option<i32>,
    access_all: bool,
    wd_limit: u64,
    wd_armed: bool,
    wd_last: u64,
    wd_due: u64,
    late_reported: bool,
    enforce: bool,
    kill_on_late: bool,
    wd_signal: i32,
    ready: bool,
    ready_at: u64,
    exit_on_ready: bool,
    messages: u64,
    refused: u64,
    start_deadline: Option<u64>,
    grace: u64,
    grace_explicit: bool,
    stop_sent_at: Option<u64>,
    /// SIGKILL to the group at this time
    kill_due: Option<u64>,
    killed: bool,
    exit_code: Option<i32>,
    /// the watchdog or a start timeout stopped COMMAND: the reason is printed, exit code set
    fired: bool,
}

impl State {
    fn new(child: i32, guard: i32, o: &options::Opts, t0: u64) -> State {
        State {
            child,
            guard,
            main_pid: child,
            main_pidfd: None,
            main_done: false,
            main_status: None,
            access_all: o.access_all,
            wd_limit: o.wd_usec.unwrap_or(0),
            wd_armed: false,
            wd_last: 0,
            wd_due: u64::MAX,
            late_reported: false,
            enforce: o.enforce,
            kill_on_late: o.kill_on_late,
            wd_signal: o.wd_signal,
            ready: false,
            ready_at: 0,
            exit_on_ready: o.exit_on_ready,
            messages: 0,
            refused: 0,
            start_deadline: o.start_timeout.map(|s| t0.saturating_add(s)),
            grace: o.stop_timeout.unwrap_or(STOP_GRACE_USEC),
            grace_explicit: o.stop_timeout.is_some(),
            stop_sent_at: None,
            kill_due: None,
            killed: false,
            exit_code: None,
            fired: false,
        }
    }
}

struct Listener {
    st: State,
    out: Out,
    outer: outer::Outer,
    closer: closer::Closer,
    buf: Vec<u8>,
}

fn kill(pid: i32, sig: i32) -> bool {
    // SAFETY: kill(2) has no memory preconditions.
    unsafe { libc::kill(pid, sig) == 0 }
}

impl Listener {
    /// sig to COMMAND's whole process group (its id is pinned by the guard), and to the main
    /// pid should it have left the group.
    fn signal_group(&mut self, sig: i32) {
        let st = &self.st;
        let group_reached = kill(-st.child, sig);
        // the main pid too when the group is gone or the main pid is not its leader
        if !st.main_done && (!group_reached || st.main_pid != st.child) {
            kill(st.main_pid, sig);
        }
        if sig == libc::SIGTERM || sig == libc::SIGINT || sig == libc::SIGHUP {
            kill(-st.child, libc::SIGCONT); // a stopped process gets to handle it, as with systemd
        }
    }

    /// Stops COMMAND's group: SIGTERM now, SIGKILL after the grace period.
    fn begin_stop(&mut self, now: u64, code: i32) {
        self.signal_group(libc::SIGTERM);
        self.st.stop_sent_at = Some(now);
        self.st.kill_due = Some(now.saturating_add(self.st.grace));
        self.st.exit_code = Some(code);
        self.st.wd_armed = false;
        self.outer.send_stopping();
    }

    /// The watchdog fires (LATE, or WATCHDOG=trigger) with --watchdog: systemd's
    /// SERVICE_STOP_WATCHDOG: the watchdog signal, then SIGKILL after the stop timeout.
    fn fire_watchdog(&mut self, now: u64, why: &str) {
        if self.st.fired || self.st.main_done {
            return;
        }
        self.st.fired = true;
        let (sig, pid, grace) = (self.st.wd_signal, self.st.main_pid, self.st.grace);
        self.out.line(
            "watchdog",
            &[("reason", V::S(why)), ("signal", V::S(signame(sig))), ("pid", V::I(pid.into())), ("kill_after", V::Sec(grace))],
            &format!(
                "watchdog ({why}): sending SIG{} to pid {pid} and its process group; SIGKILL after {} s; exit status will be {EXIT_WATCHDOG}",
                signame(sig),
                fmt_sec(grace)
            ),
        );
        self.signal_group(sig);
        self.st.stop_sent_at = Some(now);
        self.st.kill_due = Some(now.saturating_add(grace));
        self.st.exit_code = Some(EXIT_WATCHDOG);
        self.st.wd_armed = false;
        self.outer.send_stopping();
    }

    fn watchdog_reset(&mut self, now: u64) {
        self.st.wd_last = now;
        self.st.wd_due = now.saturating_add(self.st.wd_limit);
        self.st.late_reported = false;
    }

    fn set_main_pid(&mut self, pid: i32) {
        if let Some(fd) = self.st.main_pidfd.take() {
            // SAFETY: our own pidfd.
            unsafe { libc::close(fd) };
        }
        self.st.main_pid = pid;
        if pid != self.st.child {
            // SAFETY: pidfd_open(2) with no flags.
            let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
            if fd >= 0 {
                let fd = fd as RawFd;
                // SAFETY: our own fd.
                unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
                self.st.main_pidfd = Some(fd);
            }
        }
    }

    fn reap(&mut self) {
        loop {
            let mut status = 0;
            // SAFETY: status is a valid int to write to.
            let p = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if p <= 0 {
                return;
            }
            if p == self.st.main_pid {
                self.st.main_done = true;
                self.st.main_status = Some(status);
            } else if p == self.st.child {
                let what = describe_status(status);
                let main = self.st.main_pid;
                self.out.line(
                    "command-exit",
                    &[
                        ("pid", V::I(p.into())),
                        ("status", V::S(&what)),
                        ("main_pid", V::I(main.into())),
                    ],
                    &format!("pid {p} (COMMAND) {what}; the main pid is {main} (MAINPID=)"),
                );
            } else if p == self.st.guard {
                self.st.guard = 0;
            }
        }
    }

    /// The main pid's pidfd says it is gone: reaped here if it is our child (subreaper),
    /// else its parent has it.
    fn main_pidfd_ready(&mut self) {
        let mut status = 0;
        // SAFETY: status is a valid int to write to.
        let p = unsafe { libc::waitpid(self.st.main_pid, &mut status, libc::WNOHANG) };
        if p == self.st.main_pid {
            self.st.main_done = true;
            self.st.main_status = Some(status);
        } else if p < 0 {
            self.st.main_done = true;
            self.st.main_status = None;
        }
        if let Some(fd) = self.st.main_pidfd.take() {
            // SAFETY: our own pidfd.
            unsafe { libc::close(fd) };
        }
    }

    fn sender_allowed(&self, creds: Option<(i32, u32)>) -> bool {
        match creds {
            Some((pid, _)) if pid > 0 => {
                pid == self.st.main_pid
                    || (self.st.access_all && procs::is_descendant(pid, self.st.child))
            }
            _ => false,
        }
    }

    fn refuse(&mut self, creds: Option<(i32, u32)>, n_fds: usize) {
        self.st.refused += 1;
        if !self.out.take(RL_REFUSED) {
            return;
        }
        let f = if n_fds > 0 {
            format!(", {n_fds} fd{} closed", plural(n_fds as u64, "", "s"))
        } else {
            String::new()
        };
        let main = self.st.main_pid;
        let (pid, uid) = creds.unwrap_or((0, 0));
        let text = match creds {
            None => format!("refused a message without credentials{f}"),
            Some(_) if self.st.access_all => format!(
                "refused a message from pid {pid} (uid {uid}){f}: not COMMAND (pid {}) or one of its descendants (--notify-access=all)",
                self.st.child
            ),
            Some(_) => format!("refused a message from pid {pid} (uid {uid}){f}: only COMMAND's pid {main} may send (--notify-access=main)"),
        };
        self.out.line(
            "refused",
            &[
                ("pid", V::I(pid.into())),
                ("uid", V::I(uid.into())),
                ("fds", V::I(n_fds as i64)),
            ],
            &text,
        );
    }

    fn events_line(&mut self, event: &str, kv: &[(&str, V)], text: &str) {
        if self.out.take(RL_EVENTS) {
            self.out.line(event, kv, text);
        }
    }

    /// One accepted message: a line per field, then what the fields mean.
    fn handle_message(&mut self, len: usize, r: &socket::Received, sender: i32) {
        let now = now_usec();
        self.st.messages += 1;
        if len == 0 {
            self.out.field_line(
                "empty",
                &[("pid", V::I(sender.into()))],
                &format!("pid {sender}: (empty message)"),
            );
        }
        let buf = std::mem::take(&mut self.buf);
        let mut forward: Vec<u8> = Vec::new();
        for f in buf.get(..len).unwrap_or_default().split(|&b| b == b'\n') {
            if f.is_empty() {
                continue;
            }
            self.print_field(sender, f);
            self.field_effect(now, f, &mut forward);
        }
        self.buf = buf;
        if !forward.is_empty() {
            self.outer.send(&forward);
        }
        if r.n_fds > 0 {
            let n = r.n_fds;
            self.out.field_line(
                "fds",
                &[("pid", V::I(sender.into())), ("fds", V::I(n as i64))],
                &format!(
                    "pid {sender}: ({n} file descriptor{} passed along, closed)",
                    plural(n as u64, "", "s")
                ),
            );
        }
        if r.truncated {
            self.out.field_line(
                "cut",
                &[],
                &format!("(message longer than {} bytes, cut)", socket::MAX_DATAGRAM),
            );
        }
        if r.ctrunc {
            self.out.field_line(
                "ctrunc",
                &[],
                "(control data cut: too many file descriptors)",
            );
        }
    }

    fn print_field(&mut self, sender: i32, f: &[u8]) {
        if self.out.quiet || !self.out.take(output::RL_FIELDS) {
            return;
        }
        let mut s = String::new();
        let whole = escape_into(&mut s, 4 * 4096 + 16, f);
        let text = if whole {
            format!("pid {sender}: {s}")
        } else {
            format!("pid {sender}: {s}... ({} bytes, cut)", f.len())
        };
        self.out.line(
            "field",
            &[
                ("pid", V::I(sender.into())),
                ("field", V::S(&s)),
                ("cut", V::I(i64::from(!whole))),
            ],
            &text,
        );
    }

    fn field_effect(&mut self, now: u64, f: &[u8], forward: &mut Vec<u8>) {
        let fwd = |forward: &mut Vec<u8>, f: &[u8]| {
            if !forward.is_empty() {
                forward.push(b'\n');
            }
            forward.extend_from_slice(f);
        };
        if f == b"READY=1" {
            if !self.st.ready {
                self.st.ready = true;
                self.st.ready_at = now;
                let after = now.saturating_sub(self.out.t0());
                self.out.line(
                    "ready",
                    &[("after", V::Sec(after))],
                    &format!("READY after {} s", fmt_sec(after)),
                );
                for e in self.outer.ready() {
                    self.out.line(
                        "error",
                        &[("what", V::S(&e))],
                        &format!("cannot pass READY on: {e}"),
                    );
                }
                if self.outer.has_notify() {
                    fwd(forward, f);
                }
            } else {
                let d = now.saturating_sub(self.st.ready_at);
                self.events_line(
                    "ready-again",
                    &[("since_first", V::Sec(d))],
                    &format!("READY again ({} s after the first)", fmt_sec(d)),
                );
            }
            if self.st.wd_limit > 0 && !self.st.wd_armed && self.st.stop_sent_at.is_none() {
                self.st.wd_armed = true;
                self.watchdog_reset(now);
            }
        } else if f == b"WATCHDOG=1" {
            if self.st.stop_sent_at.is_some() {
                return;
            }
            if self.st.wd_limit > 0 && self.st.late_reported {
                let (gap, lim) = (now.saturating_sub(self.st.wd_last), self.st.wd_limit);
                self.events_line(
                    "heartbeat-again",
                    &[("gap", V::Sec(gap)), ("limit", V::Sec(lim))],
                    &format!(
                        "heartbeat again, {} s after the previous one (limit {} s)",
                        fmt_sec(gap),
                        fmt_sec(lim)
                    ),
                );
            }
            self.st.wd_armed = true;
            self.watchdog_reset(now);
        } else if f == b"WATCHDOG=trigger" {
            self.events_line(
                "watchdog-trigger",
                &[],
                "WATCHDOG=trigger: the service asks to be treated as failed by the watchdog",
            );
            if self.st.enforce {
                self.fire_watchdog(now, "WATCHDOG=trigger");
            }
        } else if let Some(v) = f.strip_prefix(b"WATCHDOG_USEC=") {
            let Some(v) = std::str::from_utf8(v).ok().and_then(values::parse_u64) else {
                return;
            };
            if v == 0 {
                // systemd: an override of 0 turns the watchdog off
                self.st.wd_limit = 0;
                self.st.wd_armed = false;
                self.events_line(
                    "watchdog-limit",
                    &[("limit", V::Sec(0))],
                    "watchdog is now off (WATCHDOG_USEC=0)",
                );
            } else {
                self.st.wd_limit = v;
                self.watchdog_reset(now);
                self.events_line(
                    "watchdog-limit",
                    &[("limit", V::Sec(v))],
                    &format!("watchdog limit is now {} s", fmt_sec(v)),
                );
            }
        } else if let Some(v) = f.strip_prefix(b"EXTEND_TIMEOUT_USEC=") {
            let Some(v) = std::str::from_utf8(v).ok().and_then(values::parse_u64) else {
                return;
            };
            if v == 0 || v == u64::MAX {
                return; // as systemd's service_extend_timeout(): nothing, or infinity, is ignored
            }
            let until = now.saturating_add(v);
            let mut what = Vec::new();
            if let (false, Some(d)) = (self.st.ready, self.st.start_deadline) {
                self.st.start_deadline = Some(d.max(until));
                what.push("start");
            }
            if let (false, Some(d)) = (self.st.killed, self.st.kill_due) {
                self.st.kill_due = Some(d.max(until));
                what.push("stop");
            }
            if self.st.wd_armed && self.st.wd_limit > 0 {
                self.st.wd_due = self.st.wd_due.max(until);
                what.push("watchdog");
            }
            let what = if what.is_empty() {
                "nothing running".to_string()
            } else {
                what.join(", ")
            };
            self.events_line(
                "extend-timeout",
                &[("usec", V::Sec(v)), ("extended", V::S(&what))],
                &format!(
                    "EXTEND_TIMEOUT_USEC: {} s from now at least ({what})",
                    fmt_sec(v)
                ),
            );
        } else if let Some(v) = f.strip_prefix(b"MAINPID=") {
            let pid = std::str::from_utf8(v)
                .ok()
                .and_then(values::parse_u64)
                .filter(|&p| p > 0 && p <= i32::MAX as u64);
            let Some(pid) = pid.map(|p| p as i32) else {
                return;
            };
            if pid == self.st.main_pid {
                return;
            }
            if pid == self.st.child || procs::is_descendant(pid, self.st.child) {
                self.set_main_pid(pid);
                self.events_line(
                    "mainpid",
                    &[("pid", V::I(pid.into()))],
                    &format!("main pid is now {pid} (MAINPID=)"),
                );
            } else {
                let c = self.st.child;
                self.events_line(
                    "mainpid-refused",
                    &[("pid", V::I(pid.into()))],
                    &format!(
                        "MAINPID={pid} ignored: not COMMAND (pid {c}) or one of its descendants"
                    ),
                );
            }
        } else if f.starts_with(b"STATUS=") {
            if self.outer.has_notify() {
                fwd(forward, f);
            }
        } else if f == b"STOPPING=1" {
            self.st.wd_armed = false;
            if self.st.grace_explicit && self.st.kill_due.is_none() {
                self.st.stop_sent_at = Some(now);
                self.st.kill_due = Some(now.saturating_add(self.st.grace));
            }
            if self.outer.has_notify() {
                self.outer.send_stopping();
            }
        }
    }

    /// Reads at most max pending messages (never waits).
    fn drain(&mut self, fd: RawFd, max: usize) -> Result<(), String> {
        for _ in 0..max {
            let mut buf = std::mem::take(&mut self.buf);
            let closer = &mut self.closer;
            let r = socket::recv(fd, &mut buf, &mut |passed| closer.close_async(passed));
            self.buf = buf;
            match r {
                socket::Recv::Empty => return Ok(()),
                socket::Recv::Err(e) => return Err(e),
                socket::Recv::Msg(m) => {
                    if !self.sender_allowed(m.creds) {
                        self.refuse(m.creds, m.n_fds);
                        continue;
                    }
                    let sender = m.creds.map_or(0, |c| c.0);
                    self.handle_message(m.len, &m, sender);
                }
            }
        }
        Ok(())
    }
}

fn describe_status(status: i32) -> String {
    if libc::WIFEXITED(status) {
        format!("exited with status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        format!("was killed by SIG{}", signame(sig))
    } else {
        "ended".into()
    }
}

fn strsignal(sig: i32) -> String {
    // SAFETY: strsignal returns a string valid until the next call; copied at once, one thread.
    let p = unsafe { libc::strsignal(sig) };
    if p.is_null() {
        return "?".into();
    }
    // SAFETY: p is a NUL-terminated string (checked non-null).
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .into_owned()
}

fn die(sock: Option<&mut socket::Socket>, msg: &str) -> i32 {
    eprintln!("sdlite-listen: {msg}");
    if let Some(s) = sock {
        s.cleanup();
    }
    EXIT_LISTENER_FAILED
}

pub fn main() -> i32 {
    let o = match options::parse(std::env::args_os().collect()) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut out = Out::new(o.format);
    out.quiet = o.quiet;
    out.set_name(o.name.clone());

    let mut outer = outer::Outer::new();
    if let Some(fd) = o.ready_fd {
        // COMMAND must not hold the supervisor's notification fd
        // SAFETY: fd was checked open; F_SETFD on it.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        outer.ready_fd = Some(fd);
    }
    outer.pidfile = o.pidfile.clone();
    if o.notify_outer {
        if let Err(e) = outer.connect() {
            return die(None, &e);
        }
    }

    let mut sock = match socket::open() {
        Ok(s) => s,
        Err(e) => return die(None, &e),
    };

    // room for passed fds waiting to be closed; COMMAND gets the limit we started with
    // SAFETY: rlimit structs to read and write.
    let old_nofile = unsafe {
        let mut l: libc::rlimit = std::mem::zeroed();
        (libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0).then_some(l)
    };
    if let Some(old) = old_nofile {
        if old.rlim_cur < old.rlim_max {
            let new = libc::rlimit {
                rlim_cur: old.rlim_max.min(65536).max(old.rlim_cur),
                rlim_max: old.rlim_max,
            };
            // SAFETY: as above.
            unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) };
        }
    }

    // a main pid that outlives its parent comes to us, not to init: we can reap it
    // SAFETY: prctl on our own process.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };

    // signals through a signalfd; COMMAND gets the mask we started with
    // SAFETY: sigset_t values initialised by sigemptyset before use.
    let (sfd, old_mask) = unsafe {
        let mut mask: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut mask);
        for s in [
            libc::SIGCHLD,
            libc::SIGINT,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGTSTP,
            libc::SIGCONT,
            libc::SIGUSR1,
            libc::SIGUSR2,
        ] {
            libc::sigaddset(&mut mask, s);
        }
        if libc::sigprocmask(libc::SIG_BLOCK, &mask, &mut old) < 0 {
            return die(
                Some(&mut sock),
                &format!("sigprocmask: {}", std::io::Error::last_os_error()),
            );
        }
        (
            libc::signalfd(-1, &mask, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK),
            old,
        )
    };
    if sfd < 0 {
        return die(
            Some(&mut sock),
            &format!("signalfd: {}", std::io::Error::last_os_error()),
        );
    }

    let sp = esc(sock.path.as_bytes());
    match o.wd_usec {
        Some(w) => out.line(
            "listening",
            &[
                ("notify_socket", V::S(&sp)),
                ("watchdog_usec", V::I(w as i64)),
                ("limit", V::Sec(w)),
            ],
            &format!(
                "NOTIFY_SOCKET={sp} WATCHDOG_USEC={w} (limit {} s, armed at READY=1)",
                fmt_sec(w)
            ),
        ),
        None => out.line(
            "listening",
            &[("notify_socket", V::S(&sp))],
            &format!("NOTIFY_SOCKET={sp} (no watchdog: use --watchdog-usec N for one)"),
        ),
    }

    let setup = spawn::ChildSetup {
        argv: &o.cmd,
        notify_socket: &sock.path,
        watchdog_usec: o.wd_usec,
        old_mask,
        old_nofile,
    };
    let child = match spawn::spawn(&setup) {
        Ok(p) => p,
        Err(e) => return die(Some(&mut sock), &format!("fork: {e}")),
    };
    let guard = spawn::start_guard(child);
    let (guard_pid, _guard_fd) = guard.unwrap_or((-1, -1)); // the fd is held until exit: its end is the guard's signal
    {
        let mut line = String::new();
        let mut whole = true;
        for (k, a) in o.cmd.iter().enumerate() {
            if k > 0 {
                line.push(' ');
            }
            whole = escape_into(&mut line, 1024 - 8, a.as_bytes());
            if !whole {
                break;
            }
        }
        if !whole {
            line.push_str(" ...");
        }
        out.line(
            "started",
            &[("pid", V::I(child.into())), ("command", V::S(&line))],
            &format!("started pid {child}: {line}"),
        );
    }

    let t0 = out.t0();
    let mut l = Listener {
        st: State::new(child, guard_pid, &o, t0),
        out,
        outer,
        closer: closer::Closer::new(),
        buf: vec![0u8; socket::MAX_DATAGRAM + 1],
    };
    let deadline = o.timeout.map(|t| t0.saturating_add(t));
    let mut scanned_at = 0u64;
    let mut left: Option<usize> = None;

    loop {
        let now = now_usec();
        let mut wake = u64::MAX;
        let mut at = |t: u64| wake = wake.min(t);
        if let Some(t) = l.out.flush_due(now) {
            at(t);
        }
        if let Some(t) = l.closer.check(now) {
            at(t);
        }
        let st = &l.st;
        // the LATE check is due when the gap reaches the limit (never when the sum does not
        // fit: systemd's USEC_INFINITY)
        if st.wd_limit > 0
            && st.wd_armed
            && !st.late_reported
            && !st.main_done
            && st.wd_due != u64::MAX
        {
            if now >= st.wd_due {
                let (gap, lim) = (now.saturating_sub(st.wd_last), st.wd_limit);
                l.st.late_reported = true;
                if l.out.take(RL_EVENTS) || l.st.enforce {
                    l.out.line(
                        "late",
                        &[("gap", V::Sec(gap)), ("limit", V::Sec(lim))],
                        &format!(
                            "LATE: no WATCHDOG=1 for {} s (limit {} s)",
                            fmt_sec(gap),
                            fmt_sec(lim)
                        ),
                    );
                }
                if l.st.enforce {
                    l.fire_watchdog(now, "LATE");
                } else if l.st.kill_on_late && l.st.stop_sent_at.is_none() {
                    let (sig, pid) = (l.st.wd_signal, l.st.main_pid);
                    l.events_line(
                        "kill-on-late",
                        &[("signal", V::S(signame(sig))), ("pid", V::I(pid.into()))],
                        &format!(
                            "sending SIG{} to pid {pid}, as systemd would (--kill-on-late)",
                            signame(sig)
                        ),
                    );
                    kill(pid, sig);
                }
            } else {
                at(st.wd_due);
            }
        }
        let st = &l.st;
        if let (Some(d), false, None, false) =
            (st.start_deadline, st.ready, st.stop_sent_at, st.main_done)
        {
            if now >= d {
                let (s, c) = (o.start_timeout.unwrap_or(0), st.child);
                l.out.line(
                    "start-timeout",
                    &[("timeout", V::Sec(s)), ("pid", V::I(c.into()))],
                    &format!("start timeout ({} s): no READY=1; sending SIGTERM to pid {c} and its process group", fmt_sec(s)),
                );
                l.st.fired = true;
                l.begin_stop(now, EXIT_START_TIMEOUT);
            } else {
                at(d);
            }
        }
        let st = &l.st;
        if let (Some(d), None, false) = (deadline, st.stop_sent_at, st.main_done) {
            if now >= d {
                let (s, c) = (o.timeout.unwrap_or(0), st.child);
                l.out.line(
                    "timeout",
                    &[("timeout", V::Sec(s)), ("pid", V::I(c.into()))],
                    &format!(
                        "timeout ({} s): sending SIGTERM to pid {c} and its process group",
                        fmt_sec(s)
                    ),
                );
                l.begin_stop(now, EXIT_TIMEOUT);
            } else {
                at(d);
            }
        }
        if l.out.gone && l.st.stop_sent_at.is_none() && !l.st.main_done {
            // nobody reads what we print: nothing to do any more
            l.begin_stop(now, 128 + libc::SIGPIPE);
        }
        // the main pid is gone: so must be what is left in COMMAND's process group
        if l.st.main_done && !l.st.killed {
            if scanned_at == 0 || now.saturating_sub(scanned_at) >= GROUP_SCAN_USEC {
                left = procs::group_members(l.st.child, l.st.guard);
                scanned_at = now;
            }
            let n = left.unwrap_or(0);
            if n == 0 {
                break; // none, or no /proc to tell: the guard SIGKILLs the rest
            }
            if l.st.kill_due.is_none() || l.st.stop_sent_at.is_none() {
                let m = l.st.main_pid;
                l.out.line(
                    "leftovers",
                    &[("pid", V::I(m.into())), ("left", V::I(n as i64))],
                    &format!(
                        "pid {m} is gone; {n} process{} left in its process group: sending SIGTERM",
                        plural(n as u64, "", "es")
                    ),
                );
                l.signal_group(libc::SIGTERM);
                l.st.stop_sent_at = Some(now);
                l.st.kill_due = Some(now.saturating_add(l.st.grace));
            }
            at(scanned_at + GROUP_SCAN_USEC);
        }
        if let (Some(due), false) = (l.st.kill_due, l.st.killed) {
            if now >= due {
                let (m, g) = (l.st.main_pid, fmt_sec(l.st.grace));
                if !l.st.main_done {
                    l.out.line(
                        "kill",
                        &[("pid", V::I(m.into()))],
                        &format!(
                            "pid {m} still there after {g} s: sending SIGKILL to its process group"
                        ),
                    );
                } else {
                    let n = left.unwrap_or(0);
                    l.out.line(
                        "kill",
                        &[("pid", V::I(m.into())), ("left", V::I(n as i64))],
                        &format!("{n} process{} of pid {m}'s process group still there after {g} s: sending SIGKILL", plural(n as u64, "", "es")),
                    );
                }
                l.signal_group(libc::SIGKILL);
                l.st.killed = true;
            } else {
                at(due);
            }
        }
        if l.st.main_done && l.st.killed {
            break;
        }

        let mut pfd = [
            libc::pollfd {
                fd: sock.fd,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: sfd,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: l.st.main_pidfd.unwrap_or(-1),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        let timeout_ms = if wake == u64::MAX {
            -1
        } else {
            let d = wake.saturating_sub(now);
            (d / 1000 + u64::from(d % 1000 != 0)).min(i32::MAX as u64) as i32
        };
        // SAFETY: pfd is an array of 3 pollfds.
        let r = unsafe { libc::poll(pfd.as_mut_ptr(), 3, timeout_ms) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return die(Some(&mut sock), &format!("poll: {e}"));
        }
        if pfd[0].revents & libc::POLLIN != 0 {
            // a bounded batch: the timers and signals above come again right after it
            let was_ready = l.st.ready;
            if let Err(e) = l.drain(sock.fd, MAX_BATCH) {
                return die(Some(&mut sock), &e);
            }
            if l.st.exit_on_ready && l.st.ready && !was_ready && l.st.stop_sent_at.is_none() {
                let c = l.st.child;
                l.out.line(
                    "exit-on-ready",
                    &[("pid", V::I(c.into()))],
                    &format!("--exit-on-ready: sending SIGTERM to pid {c} and its process group"),
                );
                l.begin_stop(now_usec(), 0);
            }
        }
        if pfd[1].revents & libc::POLLIN != 0 {
            loop {
                // SAFETY: signalfd_siginfo is plain data; read() fills it.
                let mut si: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
                let sz = std::mem::size_of::<libc::signalfd_siginfo>();
                // SAFETY: si is sz writable bytes.
                if unsafe { libc::read(sfd, (&mut si as *mut libc::signalfd_siginfo).cast(), sz) }
                    != sz as isize
                {
                    break;
                }
                let sig = si.ssi_signo as i32;
                let c = l.st.child;
                match sig {
                    libc::SIGCHLD => l.reap(),
                    libc::SIGTSTP => {
                        // as if COMMAND were still in the terminal's group: stop it, then us
                        kill(-c, libc::SIGTSTP);
                        // SAFETY: getpid has no preconditions.
                        kill(unsafe { libc::getpid() }, libc::SIGSTOP);
                    }
                    libc::SIGCONT => {
                        kill(-c, libc::SIGCONT);
                    }
                    libc::SIGUSR1 | libc::SIGUSR2 => {
                        let m = l.st.main_pid;
                        if !l.st.main_done {
                            l.out.line(
                                "signal",
                                &[("signal", V::S(signame(sig))), ("pid", V::I(m.into()))],
                                &format!("got SIG{}: passing it on to pid {m}", signame(sig)),
                            );
                            kill(m, sig);
                        }
                    }
                    _ if !l.st.killed => {
                        l.out.line(
                            "signal",
                            &[("signal", V::S(signame(sig))), ("pid", V::I(c.into()))],
                            &format!(
                                "got SIG{}: passing it on to pid {c} and its process group",
                                signame(sig)
                            ),
                        );
                        l.signal_group(sig);
                        if sig != libc::SIGHUP {
                            // a stop: the watchdog is off (as in systemd's stop states)
                            l.st.wd_armed = false;
                            l.outer.send_stopping();
                            if l.st.grace_explicit && l.st.kill_due.is_none() {
                                let n = now_usec();
                                l.st.stop_sent_at = Some(n);
                                l.st.kill_due = Some(n.saturating_add(l.st.grace));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if pfd[2].revents & (libc::POLLIN | libc::POLLHUP) != 0 {
            l.reap();
            if !l.st.main_done {
                l.main_pidfd_ready();
            }
        }
    }

    // messages sent just before COMMAND exited (a bounded number: senders may go on)
    let _ = l.drain(sock.fd, MAX_FINAL_DRAIN);
    l.out.flush_all();
    l.outer.send_stopping();

    let m = l.st.main_pid;
    let code = match l.st.main_status {
        Some(status) if libc::WIFEXITED(status) => {
            let c = libc::WEXITSTATUS(status);
            l.out.line(
                "exit",
                &[("pid", V::I(m.into())), ("status", V::I(c.into()))],
                &format!("pid {m} exited with status {c}"),
            );
            c
        }
        Some(status) if libc::WIFSIGNALED(status) => {
            let sig = libc::WTERMSIG(status);
            let core = if libc::WCOREDUMP(status) {
                ", core dumped"
            } else {
                ""
            };
            l.out.line(
                "exit",
                &[("pid", V::I(m.into())), ("signal", V::S(signame(sig)))],
                &format!(
                    "pid {m} was killed by SIG{} ({}){core}",
                    signame(sig),
                    strsignal(sig)
                ),
            );
            128 + sig
        }
        Some(_) => 1,
        None => {
            l.out.line(
                "exit",
                &[("pid", V::I(m.into())), ("status", V::S("unknown"))],
                &format!(
                    "pid {m} is gone; its exit status is unknown (not a child of sdlite-listen)"
                ),
            );
            1
        }
    };
    if l.st.refused > 0 {
        let n = l.st.refused;
        let a = if l.st.access_all { "all" } else { "main" };
        l.out.line(
            "note",
            &[("refused", V::I(n as i64))],
            &format!(
                "note: {n} message{} from other processes refused (--notify-access={a})",
                plural(n, "", "s")
            ),
        );
    }
    if l.closer.kept > 0 {
        let n = l.closer.kept;
        l.out.line(
            "note",
            &[("fds_kept", V::I(n as i64))],
            &format!(
                "note: {n} passed file descriptor{} left open: every close() was stuck",
                plural(n, "", "s")
            ),
        );
    }
    if l.outer.dropped > 0 {
        let n = l.outer.dropped;
        l.out.line(
            "note",
            &[("outer_dropped", V::I(n as i64))],
            &format!(
                "note: {n} message{} to the outer NOTIFY_SOCKET could not be sent",
                plural(n, "", "s")
            ),
        );
    }
    if !l.st.ready {
        let n = l.st.messages;
        l.out.line(
            "note",
            &[("messages", V::I(n as i64))],
            &format!(
                "note: no READY=1 came ({n} message{} in all)",
                plural(n, "", "s")
            ),
        );
    }
    l.outer.cleanup();
    sock.cleanup();
    // leaving ends the closer threads; the guard's pipe closes and it SIGKILLs what is left
    l.st.exit_code.unwrap_or(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    /// Above any pid_max: nothing can have this pid (a stray signal to it is ESRCH).
    const NOBODY: i32 = 0x3fff_fff0;

    fn listener(args: &[&str], child: i32) -> Listener {
        let mut v: Vec<OsString> = vec!["sdlite-listen".into()];
        v.extend(args.iter().map(OsString::from));
        v.extend(["--".into(), "true".into()]);
        let Ok(o) = options::parse(v) else {
            panic!("options {args:?}")
        };
        let mut out = Out::new(o.format);
        out.muted = true;
        Listener {
            st: State::new(child, -1, &o, out.t0()),
            out,
            outer: outer::Outer::new(),
            closer: closer::Closer::new(),
            buf: Vec::new(),
        }
    }

    fn feed(l: &mut Listener, now: u64, field: &str) {
        let mut forward = Vec::new();
        l.field_effect(now, field.as_bytes(), &mut forward);
    }

    #[test]
    fn watchdog_armed_at_ready_reset_changed_and_turned_off() {
        let mut l = listener(&["--watchdog", "2s"], NOBODY);
        assert!(!l.st.wd_armed && l.st.enforce);
        feed(&mut l, 10_000_000, "READY=1");
        assert!(l.st.wd_armed && l.st.ready);
        assert_eq!(l.st.wd_due, 12_000_000);
        feed(&mut l, 11_500_000, "WATCHDOG=1");
        assert_eq!(l.st.wd_due, 13_500_000);
        feed(&mut l, 12_000_000, "WATCHDOG_USEC=500000");
        assert_eq!((l.st.wd_limit, l.st.wd_due), (500_000, 12_500_000));
        feed(&mut l, 12_100_000, "WATCHDOG_USEC=18446744073709551615");
        assert_eq!(l.st.wd_due, u64::MAX, "saturates: never late");
        feed(&mut l, 12_200_000, "WATCHDOG_USEC=0");
        assert!(!l.st.wd_armed && l.st.wd_limit == 0);
    }

    #[test]
    fn extend_timeout_stretches_never_shortens_and_ignores_zero_and_infinity() {
        let mut l = listener(&["--start-timeout", "1", "--watchdog", "1s"], NOBODY);
        let t0 = l.out.t0();
        assert_eq!(l.st.start_deadline, Some(t0 + 1_000_000));
        feed(&mut l, t0 + 500_000, "EXTEND_TIMEOUT_USEC=5000000");
        assert_eq!(l.st.start_deadline, Some(t0 + 5_500_000));
        feed(&mut l, t0 + 600_000, "EXTEND_TIMEOUT_USEC=1000");
        assert_eq!(l.st.start_deadline, Some(t0 + 5_500_000));
        for v in ["0", "18446744073709551615", "x"] {
            feed(&mut l, t0 + 700_000, &format!("EXTEND_TIMEOUT_USEC={v}"));
            assert_eq!(l.st.start_deadline, Some(t0 + 5_500_000), "{v}");
        }
        feed(&mut l, t0 + 1_000_000, "READY=1");
        assert_eq!(l.st.wd_due, t0 + 2_000_000);
        feed(&mut l, t0 + 1_500_000, "EXTEND_TIMEOUT_USEC=3000000");
        assert_eq!(l.st.wd_due, t0 + 4_500_000, "the watchdog is stretched too");
    }

    #[test]
    fn mainpid_only_for_command_or_its_descendants() {
        // we play COMMAND: a child we start is our descendant, pid 1 is not
        let me = std::process::id() as i32;
        let mut l = listener(&["--notify-access", "main"], me);
        feed(&mut l, 1, "MAINPID=1");
        assert_eq!(l.st.main_pid, me);
        feed(&mut l, 1, "MAINPID=nonsense");
        assert_eq!(l.st.main_pid, me);
        let Ok(mut kid) = std::process::Command::new("sleep").arg("30").spawn() else {
            panic!("sleep")
        };
        let kid_pid = kid.id() as i32;
        feed(&mut l, 1, &format!("MAINPID={kid_pid}"));
        assert_eq!(l.st.main_pid, kid_pid);
        assert!(l.sender_allowed(Some((kid_pid, 0))));
        assert!(
            !l.sender_allowed(Some((me, 0))),
            "main: only the new main pid is heard"
        );
        let _ = kid.kill();
        let _ = kid.wait();
    }
}
