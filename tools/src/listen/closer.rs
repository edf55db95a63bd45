//! Closing the fds senders pass along (FDSTORE=1, BARRIER=1) without ever blocking the loop.
//!
//! close() of a descriptor somebody else sent can block for a long time (a TCP socket with
//! SO_LINGER and unsent data, a tty draining, a FUSE file whose server does not answer), so the
//! loop never calls it: the numbers go through a pipe to closer threads (as systemd's
//! asynchronous_close()). When some wait in the pipe and no close() finished for
//! CLOSER_STUCK_USEC, another closer starts, up to MAX_CLOSERS. The pipe bounds what waits;
//! when it is full and every closer is stuck, the fd is left open (counted), never waited for.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};

const CLOSER_STUCK_USEC: u64 = 200_000;
const MAX_CLOSERS: u32 = 32;

static TAKEN: AtomicU64 = AtomicU64::new(0);
static CLOSED: AtomicU64 = AtomicU64::new(0);

pub struct Closer {
    pipe: Option<(RawFd, RawFd)>,
    threads: u32,
    queued: u64,
    /// left open: no thread, or the pipe full and every closer stuck
    pub kept: u64,
    closed_seen: u64,
    progress_at: u64,
}

fn closer_main(rfd: RawFd) {
    let mut buf = [0u8; 4];
    loop {
        // SAFETY: buf is 4 writable bytes; rfd stays open for the life of the process.
        let r = unsafe { libc::read(rfd, buf.as_mut_ptr().cast(), buf.len()) };
        if r == 4 {
            TAKEN.fetch_add(1, Ordering::SeqCst);
            // SAFETY: the fd was handed to us through the pipe; nobody else uses it.
            unsafe { libc::close(i32::from_ne_bytes(buf)) };
            CLOSED.fetch_add(1, Ordering::SeqCst);
        } else if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

impl Closer {
    pub fn new() -> Closer {
        Closer {
            pipe: None,
            threads: 0,
            queued: 0,
            kept: 0,
            closed_seen: 0,
            progress_at: 0,
        }
    }

    fn start(&mut self) -> bool {
        let (rfd, _) = match self.pipe {
            Some(p) => p,
            None => {
                let mut p = [-1; 2];
                // SAFETY: p has room for the two fds.
                if unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
                    return false;
                }
                // SAFETY: p[1] was just opened by us. A bigger pipe (up to the system's
                // pipe-max-size, 1 MiB by default: 262144 fds, more than RLIMIT_NOFILE lets
                // us hold) makes "left open" a matter of stuck closers only, not of a flood
                // outrunning working ones.
                unsafe {
                    libc::fcntl(p[1], libc::F_SETFL, libc::O_NONBLOCK);
                    libc::fcntl(p[1], libc::F_SETPIPE_SZ, 1 << 20);
                }
                self.pipe = Some((p[0], p[1]));
                (p[0], p[1])
            }
        };
        // the signals the loop reads from its signalfd stay blocked in the thread (inherited)
        let ok = std::thread::Builder::new()
            .name("closer".into())
            .stack_size(64 * 1024)
            .spawn(move || closer_main(rfd))
            .is_ok();
        if ok {
            self.threads += 1;
        }
        ok
    }

    pub fn close_async(&mut self, fd: RawFd) {
        if self.threads == 0 && !self.start() {
            self.kept += 1; // better a leak than a hang
            return;
        }
        if self.queued == TAKEN.load(Ordering::SeqCst) {
            self.progress_at = super::output::now_usec(); // nothing was waiting: the clock starts now
        }
        let Some((_, wfd)) = self.pipe else { return };
        let bytes = fd.to_ne_bytes();
        loop {
            // SAFETY: bytes is 4 readable bytes.
            let r = unsafe { libc::write(wfd, bytes.as_ptr().cast(), bytes.len()) };
            if r == 4 {
                self.queued += 1;
                return;
            }
            let e = std::io::Error::last_os_error().raw_os_error();
            if e == Some(libc::EINTR) {
                continue;
            }
            if e == Some(libc::EAGAIN) && self.threads < MAX_CLOSERS && self.start() {
                continue;
            }
            break;
        }
        self.kept += 1;
    }

    /// Between batches: fds waiting behind a closer that finished nothing for a while get
    /// another closer. Returns when to look again, if it matters.
    pub fn check(&mut self, now: u64) -> Option<u64> {
        let c = CLOSED.load(Ordering::SeqCst);
        if c != self.closed_seen || self.queued == TAKEN.load(Ordering::SeqCst) {
            self.closed_seen = c;
            self.progress_at = now;
            return None;
        }
        if now.saturating_sub(self.progress_at) >= CLOSER_STUCK_USEC {
            if self.threads < MAX_CLOSERS {
                let _ = self.start();
            }
            self.progress_at = now;
        }
        (self.threads < MAX_CLOSERS).then_some(self.progress_at + CLOSER_STUCK_USEC)
    }
}
