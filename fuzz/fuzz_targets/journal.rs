//! sd_journal_sendv(): the journal's field encoder and transport, sdlite against libsystemd 252.
//! Arbitrary lists of entries (any bytes: NUL, '=', '\n', lengths from 0, NULL bases) are sent
//! through both libraries to a fake journald this process binds itself, and everything is
//! compared: the return value, errno afterwards, and every byte journald receives (the
//! datagram, or the contents, seals, mode and name of the memfd that carries a large entry).
//! An independent model of the encoding (spec sections 2.1-2.2) is checked against 252 too.
//!
//! Sandbox: at start-up, before any input, the process moves itself into a private mount
//! namespace (unshare(CLONE_NEWNS), "/" made private) with an empty tmpfs over /run/systemd
//! (over /run where there is none), and binds its receiver at /run/systemd/journal/socket
//! there: nothing can reach a real journald and nothing on the host changes. Needs root; without
//! it the target exits before the first input.
//!
//! Input: a flag byte, then (with bit 6) two size bytes, then the entries, separated by 0xFF.
//! Inside an entry 0xFE escapes the next byte (0xFE 0xFF is a literal 0xFF); an entry ending in
//! a lone 0xFE has a NULL base (iov_len: the bytes before it).
//!   bits 0-1  the journal socket: live (0, 1), missing (2: no socket file, journald "not
//!             running"), stale (3: a socket file nobody is bound to)
//!   bits 2-3  errno on entry: 4242, 0, -5, EXDEV
//!   bits 4-5  iov/n: as given; n = 0; n = -1; iov = NULL (n = the count)
//!   bit 6     big: the last entry is extended (its bytes repeated) to b1 * 2 KiB + b2 * 8
//!             bytes for b1 < 128 (up to 256 KiB), else to 4 MiB - 64 KiB + (b1 - 128) * 4 KiB
//!             + b2 * 16 (3.94 to 4.44 MiB: both sides of the kernel's largest datagram, about
//!             4.07 MiB here, beyond which both libraries hand the entry over in a memfd)
//!   bit 7     the first entry is not sent but becomes program_invocation_short_name (the
//!             implicit SYSLOG_IDENTIFIER's source; a NULL-base first entry makes it NULL) and,
//!             unless NULL, the calling thread's name (PR_SET_NAME, 15 bytes at most), which
//!             names the memfd ("sd-<thread name>", invalid UTF-8 replaced by systemd's rules)
//!
//! Documented differences (README "Behaviour"), checked against the model instead of 252:
//! an entry list that is valid but takes more than 1024 pieces (UIO_MAXIOV: 2 per plain entry,
//! 5 per multi-line one, 3 for the implicit identifier): 252 returns -EINVAL without sending
//! (sendmsg fails, then its memfd fallback's writev), sdlite sends it. Lists of 52,429 entries
//! or more (252 aborts) cannot be reached (inputs are far shorter) and are skipped.
//! When both deliver the same payload of 1 MiB or more, one as a datagram and the other through
//! the memfd, that is the kernel refusing a high-order allocation for one of them, not a
//! difference of the libraries: tolerated (and printed with SDLITE_FUZZ_TRACE).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdlite_fuzz::*;
use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::fmt;

use libc::{c_char, c_int};

const DIR: &CStr = c"/run/systemd/journal";
const SOCKET: &CStr = c"/run/systemd/journal/socket";
const LIVE_AWAY: &CStr = c"/run/systemd/journal/live.away";
const STALE_AWAY: &CStr = c"/run/systemd/journal/stale.away";
const UIO_MAXIOV: usize = 1024;
/// 252 aborts (an assertion on its alloca'ed lists) from this many entries on.
const N_ABORTS_252: usize = 52_429;
const RECV_MAX: usize = 16 << 20;

extern "C" {
    static mut program_invocation_short_name: *mut c_char;
}

// ------------------------------------------------------------------ the sandbox and the receiver

fn fatal(what: &str) -> ! {
    eprintln!("journal: {what}: {}", std::io::Error::last_os_error());
    std::process::exit(2);
}

fn mkdir(p: &CStr) {
    // SAFETY: a C string.
    if unsafe { libc::mkdir(p.as_ptr(), 0o755) } != 0 {
        fatal(&format!("mkdir {p:?}"));
    }
}

fn is_dir(p: &CStr) -> bool {
    // SAFETY: a C string and a zeroed stat buffer.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::stat(p.as_ptr(), &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFDIR
    }
}

fn exists(p: &CStr) -> bool {
    // SAFETY: as above.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::lstat(p.as_ptr(), &mut st) == 0
    }
}

/// A datagram socket bound at `path`.
fn bind_dgram(path: &CStr) -> c_int {
    // SAFETY: plain socket calls on a zeroed sockaddr_un filled with a path that fits.
    unsafe {
        let fd = libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            fatal("socket");
        }
        let mut sa: libc::sockaddr_un = std::mem::zeroed();
        sa.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (d, s) in sa.sun_path.iter_mut().zip(path.to_bytes()) {
            *d = *s as c_char;
        }
        let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
        if libc::bind(fd, (&sa as *const libc::sockaddr_un).cast(), len) != 0 {
            fatal(&format!("bind {path:?}"));
        }
        fd
    }
}

/// The private namespace, the receiver and the stale socket file; returns the receiver's fd.
fn sandbox() -> c_int {
    // SAFETY: namespace and mount calls with C strings; the process is single-threaded here
    // (unshare(CLONE_NEWNS) refuses otherwise).
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) != 0 {
            fatal("cannot make a private mount namespace (unshare(CLONE_NEWNS); needs root)");
        }
        if libc::mount(
            c"none".as_ptr(),
            c"/".as_ptr(),
            c"none".as_ptr(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            fatal("cannot make / private in the new namespace");
        }
        let over = if is_dir(c"/run/systemd") { c"/run/systemd" } else { c"/run" };
        if libc::mount(
            c"sdlite-fuzz-journal".as_ptr(),
            over.as_ptr(),
            c"tmpfs".as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV,
            c"mode=0755,size=16m".as_ptr().cast(),
        ) != 0
        {
            fatal(&format!("cannot mount a tmpfs on {over:?}"));
        }
        if over == c"/run" {
            mkdir(c"/run/systemd");
        }
        mkdir(DIR);
        if exists(SOCKET) {
            fatal("the private journal directory is not empty");
        }
        let fd = bind_dgram(SOCKET);
        let big: c_int = 16 << 20;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&big as *const c_int).cast(),
            std::mem::size_of::<c_int>() as libc::socklen_t,
        );
        libc::close(bind_dgram(STALE_AWAY));
        fd
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Socket {
    Live,
    Missing,
    Stale,
}

struct Receiver {
    fd: c_int,
    state: Socket,
    buf: Vec<u8>,
}

thread_local! {
    static RECEIVER: RefCell<Option<Receiver>> = const { RefCell::new(None) };
}

fn rename(a: &CStr, b: &CStr) {
    // SAFETY: C strings.
    if unsafe { libc::rename(a.as_ptr(), b.as_ptr()) } != 0 {
        fatal(&format!("rename {a:?} {b:?}"));
    }
}

impl Receiver {
    /// Puts the wanted socket (or none) at the journal's address, by renaming files.
    fn set(&mut self, want: Socket) {
        if want == self.state {
            return;
        }
        match self.state {
            Socket::Live => rename(SOCKET, LIVE_AWAY),
            Socket::Stale => rename(SOCKET, STALE_AWAY),
            Socket::Missing => {}
        }
        match want {
            Socket::Live => rename(LIVE_AWAY, SOCKET),
            Socket::Stale => rename(STALE_AWAY, SOCKET),
            Socket::Missing => {}
        }
        self.state = want;
    }

    /// Everything queued: each datagram, or the memfd it carries, read back.
    fn drain(&mut self) -> Vec<Delivered> {
        let mut out = Vec::new();
        loop {
            let mut ctl = [0u64; 16];
            let mut iov = libc::iovec { iov_base: self.buf.as_mut_ptr().cast(), iov_len: self.buf.len() };
            // SAFETY: a zeroed msghdr pointing at our buffers, which outlive the call.
            let (n, mh) = unsafe {
                let mut mh: libc::msghdr = std::mem::zeroed();
                mh.msg_iov = &mut iov;
                mh.msg_iovlen = 1;
                mh.msg_control = ctl.as_mut_ptr().cast();
                mh.msg_controllen = std::mem::size_of_val(&ctl);
                let n = libc::recvmsg(self.fd, &mut mh, libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC);
                (n, mh)
            };
            if n < 0 {
                break;
            }
            let mut fds = Vec::new();
            // SAFETY: walking the control data the kernel filled in, within msg_controllen.
            unsafe {
                let mut c = libc::CMSG_FIRSTHDR(&mh);
                while !c.is_null() {
                    if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                        let k = ((*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
                        let p = libc::CMSG_DATA(c).cast::<c_int>();
                        for i in 0..k {
                            fds.push(p.add(i).read_unaligned());
                        }
                    }
                    c = libc::CMSG_NXTHDR(&mh, c);
                }
            }
            let truncated = mh.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0;
            let mut d = Delivered { bytes: self.buf[..n as usize].to_vec(), memfd: None, fds: fds.len(), truncated };
            if n == 0 && fds.len() == 1 {
                d.memfd = Some(read_memfd(fds[0], &mut d.bytes));
            }
            for fd in fds {
                // SAFETY: fds the kernel just gave us.
                unsafe { libc::close(fd) };
            }
            out.push(d);
        }
        out
    }
}

/// The memfd's seals, mode, name, and its contents into `bytes`.
fn read_memfd(fd: c_int, bytes: &mut Vec<u8>) -> MemfdInfo {
    // SAFETY: fstat/fcntl/pread/readlink on an fd we own, into buffers of the sizes given.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut st);
        let seals = libc::fcntl(fd, libc::F_GET_SEALS);
        bytes.clear();
        bytes.resize(st.st_size.max(0) as usize, 0);
        let got = libc::pread(fd, bytes.as_mut_ptr().cast(), bytes.len(), 0);
        if got >= 0 {
            bytes.truncate(got as usize);
        }
        let link = CString::new(format!("/proc/self/fd/{fd}")).expect("no NUL");
        let mut name = [0u8; 256];
        let l = libc::readlink(link.as_ptr(), name.as_mut_ptr().cast(), name.len());
        MemfdInfo { seals, mode: st.st_mode, name: String::from_utf8_lossy(&name[..l.max(0) as usize]).into_owned() }
    }
}

#[derive(PartialEq, Clone, Debug)]
struct MemfdInfo {
    seals: c_int,
    mode: u32,
    name: String,
}

/// One thing journald received.
#[derive(PartialEq, Clone)]
struct Delivered {
    /// The datagram's bytes, or the memfd's contents.
    bytes: Vec<u8>,
    memfd: Option<MemfdInfo>,
    fds: usize,
    truncated: bool,
}

impl fmt::Debug for Delivered {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let b = &self.bytes;
        let head = escape(&b[..b.len().min(300)]);
        let tail = if b.len() > 400 { format!(" ... {}", escape(&b[b.len() - 100..])) } else { String::new() };
        write!(f, "{} bytes (fnv {:016x}) \"{head}\"{tail}", b.len(), fnv(b))?;
        if let Some(m) = &self.memfd {
            write!(f, " via memfd {m:?}")?;
        } else if self.fds > 0 {
            write!(f, " with {} fds", self.fds)?;
        }
        if self.truncated {
            write!(f, " TRUNCATED")?;
        }
        Ok(())
    }
}

/// Bytes shown as a summary (length, hash, head and tail) in a failure report.
#[derive(PartialEq)]
struct Bytes<'a>(&'a [u8]);

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let d = Delivered { bytes: self.0.to_vec(), memfd: None, fds: 0, truncated: false };
        d.fmt(f)
    }
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf29ce484222325u64, |h, &c| (h ^ u64::from(c)).wrapping_mul(0x100000001b3))
}

#[derive(PartialEq, Debug)]
struct Outcome {
    ret: c_int,
    errno: c_int,
    received: Vec<Delivered>,
    /// fds the call left open (-1 closed one)
    fds_delta: i64,
}

fn count_fds() -> i64 {
    std::fs::read_dir("/proc/self/fd").map_or(-1, |d| d.count() as i64)
}

// ------------------------------------------------------------------ the input

struct Input {
    socket: Socket,
    errno_in: c_int,
    n_mode: u8,
    /// None: a NULL base with this length.
    entries: Vec<(Option<Vec<u8>>, usize)>,
    ident: Option<Option<Vec<u8>>>,
}

fn parse(data: &[u8]) -> Option<Input> {
    let (&flags, mut rest) = data.split_first()?;
    let mut big = None;
    if flags & 0x40 != 0 {
        let (b1, b2) = (*rest.first()?, *rest.get(1)?);
        rest = &rest[2..];
        // b1 < 128: up to 256 KiB (cheap); b1 >= 128: 3.94 to 4.44 MiB, around the kernel's
        // largest datagram (about 4.07 MiB of payload here), beyond which the memfd is used
        big = Some(if b1 < 128 {
            (b1 as usize) * 2048 + (b2 as usize) * 8
        } else {
            (4 << 20) - (64 << 10) + (b1 as usize - 128) * 4096 + (b2 as usize) * 16
        });
    }
    let mut entries = Vec::new();
    for raw in rest.split(|&c| c == 0xff) {
        let mut e = Vec::with_capacity(raw.len());
        let mut null = false;
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == 0xfe {
                match raw.get(i + 1) {
                    Some(&c) => e.push(c),
                    None => null = true,
                }
                i += 2;
            } else {
                e.push(raw[i]);
                i += 1;
            }
        }
        let len = e.len();
        entries.push((if null { None } else { Some(e) }, len));
    }
    if entries.len() >= N_ABORTS_252 {
        return None;
    }
    let ident = if flags & 0x80 != 0 && !entries.is_empty() {
        let (first, _) = entries.remove(0);
        Some(first.map(|mut b| {
            if let Some(z) = b.iter().position(|&c| c == 0) {
                b.truncate(z);
            }
            b
        }))
    } else {
        None
    };
    if let (Some(size), Some((Some(last), len))) = (big, entries.last_mut()) {
        if last.is_empty() {
            last.push(b'x');
        }
        // doubling: few (instrumented) iterations even for megabytes
        last.reserve(size.saturating_sub(last.len()));
        while last.len() < size {
            let take = (size - last.len()).min(last.len());
            last.extend_from_within(..take);
        }
        *len = last.len();
    }
    let socket = match flags & 3 {
        2 => Socket::Missing,
        3 => Socket::Stale,
        _ => Socket::Live,
    };
    let errno_in = [ERRNO_MARK, 0, -5, libc::EXDEV][((flags >> 2) & 3) as usize];
    Some(Input { socket, errno_in, n_mode: (flags >> 4) & 3, entries, ident })
}

impl Input {
    fn describe(&self) -> String {
        let mut s = format!(
            "sd_journal_sendv with socket {:?}, errno {} on entry, {}, program_invocation_short_name {}, {} entries:",
            self.socket,
            self.errno_in,
            ["iov/n as given", "n = 0", "n = -1", "iov = NULL"][self.n_mode as usize],
            match &self.ident {
                None => "as is".to_owned(),
                Some(None) => "NULL".to_owned(),
                Some(Some(b)) => format!("\"{}\" (and the thread's name)", escape(b)),
            },
            self.entries.len()
        );
        for (i, (e, len)) in self.entries.iter().enumerate().take(40) {
            match e {
                None => s.push_str(&format!("\n  [{i}] NULL base, iov_len {len}")),
                Some(b) if b.len() > 200 => {
                    s.push_str(&format!("\n  [{i}] {} bytes \"{}\"...", b.len(), escape(&b[..100])))
                }
                Some(b) => s.push_str(&format!("\n  [{i}] \"{}\"", escape(b))),
            }
        }
        if self.entries.len() > 40 {
            s.push_str("\n  ...");
        }
        s
    }
}

// ------------------------------------------------------------------ the model (spec 2.1, 2.2)

/// The first `c` in `b`, by libc's memchr: not instrumented, so megabyte entries stay cheap.
fn find(b: &[u8], c: u8) -> Option<usize> {
    // SAFETY: memchr reads at most b.len() bytes of b.
    let p = unsafe { libc::memchr(b.as_ptr().cast(), c_int::from(c), b.len()) };
    (!p.is_null()).then(|| p as usize - b.as_ptr() as usize)
}

/// What a correct sendv puts on the wire, and how many pieces libsystemd 252 would need; Err
/// for an entry list the client refuses.
fn model(entries: &[(Option<Vec<u8>>, usize)], ident: Option<&[u8]>) -> Result<(Vec<u8>, usize), c_int> {
    let mut wire = Vec::new();
    let mut pieces = 0;
    let mut has_ident = false;
    if entries.is_empty() {
        return Err(libc::EINVAL);
    }
    for (e, _) in entries {
        let e = e.as_deref().ok_or(libc::EINVAL)?;
        if e.len() <= 1 {
            return Err(libc::EINVAL);
        }
        let eq = find(e, b'=').filter(|&i| i > 0).ok_or(libc::EINVAL)?;
        match find(e, b'\n') {
            Some(nl) if nl < eq => return Err(libc::EINVAL),
            Some(_) => {
                wire.extend_from_slice(&e[..eq]);
                wire.push(b'\n');
                wire.extend_from_slice(&((e.len() - eq - 1) as u64).to_le_bytes());
                wire.extend_from_slice(&e[eq + 1..]);
                wire.push(b'\n');
                pieces += 5;
            }
            None => {
                wire.extend_from_slice(e);
                wire.push(b'\n');
                pieces += 2;
            }
        }
        has_ident |= eq == 17 && e.starts_with(b"SYSLOG_IDENTIFIER");
    }
    let safe = |s: &[u8]| s.iter().all(|&c| c >= b' ' && !matches!(c, b'"' | b'\'' | b'\\' | 0x7f));
    if let Some(name) = ident.filter(|n| !has_ident && safe(n)) {
        wire.extend_from_slice(b"SYSLOG_IDENTIFIER=");
        wire.extend_from_slice(name);
        wire.push(b'\n');
        pieces += 3;
    }
    Ok((wire, pieces))
}

// ------------------------------------------------------------------ one comparison

type Sendv = dyn Fn(*const libc::iovec, c_int) -> c_int;

fn run(input: &Input, rx: &mut Receiver, f: &Sendv) -> Outcome {
    let iov: Vec<libc::iovec> = input
        .entries
        .iter()
        .map(|(e, len)| libc::iovec {
            iov_base: e.as_ref().map_or(std::ptr::null_mut(), |b| b.as_ptr().cast_mut().cast()),
            iov_len: *len,
        })
        .collect();
    let (ptr, n) = match input.n_mode {
        0 => (iov.as_ptr(), iov.len() as c_int),
        1 => (iov.as_ptr(), 0),
        2 => (iov.as_ptr(), -1),
        _ => (std::ptr::null(), iov.len() as c_int),
    };
    rx.set(input.socket);
    let before = count_fds();
    set_errno(input.errno_in);
    let ret = f(ptr, n);
    let errno = errno();
    let fds_delta = count_fds() - before;
    rx.set(Socket::Live);
    Outcome { ret, errno, received: rx.drain(), fds_delta }
}

/// PR_SET_NAME: the calling thread's name (the kernel keeps 15 bytes).
fn set_thread_name(name: &[u8]) {
    let mut buf = [0u8; 16];
    for (d, s) in buf.iter_mut().zip(name.iter().take(15)) {
        *d = *s;
    }
    // SAFETY: a NUL-terminated buffer of 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr()) };
}

/// The thread's name (PR_GET_NAME).
fn thread_name() -> [u8; 16] {
    let mut buf = [0u8; 16];
    // SAFETY: PR_GET_NAME writes at most 16 bytes.
    unsafe { libc::prctl(libc::PR_GET_NAME, buf.as_mut_ptr()) };
    buf
}

/// Runs `f` with the input's program_invocation_short_name (and thread name) in place; `f`
/// gets the short name as the libraries will see it.
fn with_identifier<T>(ident: &Option<Option<Vec<u8>>>, f: impl FnOnce(Option<&[u8]>) -> T) -> T {
    let saved_name = thread_name();
    if let Some(Some(b)) = ident {
        set_thread_name(b);
    }
    // SAFETY: reading and, for the call, replacing glibc's pointer; single-threaded; the
    // replacement lives until it is put back.
    let r = unsafe {
        let saved = program_invocation_short_name;
        let owned = match ident {
            None => None,
            Some(None) => {
                program_invocation_short_name = std::ptr::null_mut();
                None
            }
            Some(Some(b)) => {
                let c = CString::new(b.clone()).expect("NUL removed");
                program_invocation_short_name = c.as_ptr().cast_mut();
                Some(c)
            }
        };
        let current = program_invocation_short_name;
        let name = (!current.is_null()).then(|| CStr::from_ptr(current).to_bytes());
        let r = f(name);
        program_invocation_short_name = saved;
        drop(owned);
        r
    };
    set_thread_name(&saved_name[..saved_name.iter().position(|&c| c == 0).unwrap_or(15)]);
    r
}

fn one(input: &Input) {
    RECEIVER.with(|cell| {
        let mut guard = cell.borrow_mut();
        let rx = guard.as_mut().expect("receiver made at start-up");
        with_identifier(&input.ident, |name| {
            // SAFETY: an iovec array of `n` entries (or NULL), each base NULL or readable for
            // its length: what sd_journal_sendv(3) requires.
            let mut ours = run(input, rx, &|p, n| unsafe { sdlite::journal::ffi::sd_journal_sendv(p, n) });
            let sys = system();
            // SAFETY: as above.
            let mut theirs = run(input, rx, &|p, n| unsafe { (sys.sd_journal_sendv)(p, n) });
            let mut note = String::new();
            let valid_call = input.n_mode == 0;
            let model = if valid_call { model(&input.entries, name) } else { Err(libc::EINVAL) };

            // The model against 252 (a wrong model must not hide anything).
            match &model {
                Ok((wire, pieces)) if *pieces <= UIO_MAXIOV => {
                    let want = (0, (input.socket == Socket::Live).then_some(Bytes(wire)));
                    let want = if input.socket == Socket::Stale { (-libc::ECONNREFUSED, None) } else { want };
                    let got = (theirs.ret, theirs.received.first().map(|d| Bytes(&d.bytes)));
                    compare("journal: the model (shown as sdlite) against 252", || input.describe(), &want, &got);
                }
                Err(e) => {
                    compare(
                        "journal: the model (shown as sdlite) against 252",
                        || input.describe(),
                        &(-e, 0),
                        &(theirs.ret, theirs.received.len()),
                    )
                }
                Ok(_) => {}
            }
            // 252's iovec limit: a documented difference, sdlite checked against the model.
            if let Ok((wire, pieces)) = &model {
                if *pieces > UIO_MAXIOV {
                    let expect_252 = (-libc::EINVAL, 0usize);
                    compare(
                        "journal: 252 over UIO_MAXIOV (shown as sdlite: what 252 must do, -EINVAL and nothing sent)",
                        || input.describe(),
                        &expect_252,
                        &(theirs.ret, theirs.received.len()),
                    );
                    let want_ret = if input.socket == Socket::Stale { -libc::ECONNREFUSED } else { 0 };
                    let want_bytes: Vec<Bytes> = if input.socket == Socket::Live { vec![Bytes(wire)] } else { vec![] };
                    let got_bytes: Vec<Bytes> = ours.received.iter().map(|d| Bytes(&d.bytes)).collect();
                    let errno_ok = input.errno_in < 0 || ours.errno == input.errno_in;
                    compare(
                        "journal: sdlite over UIO_MAXIOV against the model (shown as system): ret, payloads, errno kept, fds left",
                        || format!("{} ({pieces} pieces)", input.describe()),
                        &(ours.ret, got_bytes, errno_ok, ours.fds_delta),
                        &(want_ret, want_bytes, true, 0i64),
                    );
                    return;
                }
            }
            // A large payload delivered one way by one side and the other way by the other.
            if let ([a], [b]) = (&mut ours.received[..], &mut theirs.received[..]) {
                if a.bytes == b.bytes && a.bytes.len() >= 1 << 20 && a.memfd.is_some() != b.memfd.is_some() {
                    note = format!(
                        "  (tolerated: {} bytes, sdlite {}, 252 {})",
                        a.bytes.len(),
                        if a.memfd.is_some() { "memfd" } else { "datagram" },
                        if b.memfd.is_some() { "memfd" } else { "datagram" }
                    );
                    for d in [a, b] {
                        d.memfd = None;
                        d.fds = 0;
                    }
                }
            }
            compare("journal", || format!("{}{note}", input.describe()), &ours, &theirs);
        });
    });
}

fuzz_target!(init: {
    let fd = sandbox();
    init();
    RECEIVER.with(|c| {
        *c.borrow_mut() = Some(Receiver { fd, state: Socket::Live, buf: vec![0; RECV_MAX] });
    });
    // Both libraries make their process-wide socket now, so that every input can check that
    // a call leaves no fd behind.
    let warm = [libc::iovec { iov_base: c"MESSAGE=warm-up".as_ptr().cast_mut().cast(), iov_len: 15 }];
    // SAFETY: one valid iovec.
    let (a, b) = unsafe { (sdlite::journal::ffi::sd_journal_sendv(warm.as_ptr(), 1), (system().sd_journal_sendv)(warm.as_ptr(), 1)) };
    assert!(a == 0 && b == 0, "journal: warm-up sends failed: sdlite {a}, 252 {b}");
    RECEIVER.with(|c| c.borrow_mut().as_mut().map(|r| r.drain()));
}, |data: &[u8]| {
    if let Some(input) = parse(data) {
        one(&input);
    }
});
