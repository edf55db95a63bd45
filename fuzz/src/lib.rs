//! Shared machinery of the differential fuzz targets (see fuzz/README.md).
//!
//! Every target feeds one input to sdlite (`sdlite::daemon::ffi`, linked in) and to the system's
//! libsystemd 252 (dlopen'ed into the same process, so both read and change the same libc
//! `environ` and the same fd table), records everything a caller can observe (return value,
//! out-parameters, errno, the environment, fd flags), restores the process state in between, and
//! panics with both records when they differ.

use std::ffi::{CStr, CString};
use std::fmt::Write as _;
use std::sync::OnceLock;

use libc::{c_char, c_int};

pub const SYSTEM_LIBSYSTEMD: &CStr = c"/usr/lib/x86_64-linux-gnu/libsystemd.so.0";

/// Every variable the sd-daemon functions read or unset. The fuzzers never set LISTEN_PIDFDID
/// (systemd 258+; 252 does not know it, a documented difference), and remove it at start-up.
pub const VARS: [&CStr; 7] = [
    c"NOTIFY_SOCKET",
    c"WATCHDOG_USEC",
    c"WATCHDOG_PID",
    c"LISTEN_PID",
    c"LISTEN_FDS",
    c"LISTEN_FDNAMES",
    c"LISTEN_PIDFDID",
];

/// errno is set to this before every call, so "left unchanged" and "set" are told apart.
pub const ERRNO_MARK: c_int = 4242;

// ------------------------------------------------------------------ the reference library

type NotifyFn = unsafe extern "C" fn(c_int, *const c_char) -> c_int;
type WatchdogFn = unsafe extern "C" fn(c_int, *mut u64) -> c_int;
type ListenFdsFn = unsafe extern "C" fn(c_int) -> c_int;
type ListenNamesFn = unsafe extern "C" fn(c_int, *mut *mut *mut c_char) -> c_int;
type JournalSendvFn = unsafe extern "C" fn(*const libc::iovec, c_int) -> c_int;

/// The system's libsystemd, loaded with dlopen(RTLD_LOCAL) next to sdlite: same libc, same
/// environment (dlmopen would bring a second libc with its own `environ`).
pub struct System {
    pub sd_notify: NotifyFn,
    pub sd_watchdog_enabled: WatchdogFn,
    pub sd_listen_fds: ListenFdsFn,
    pub sd_listen_fds_with_names: ListenNamesFn,
    pub sd_journal_sendv: JournalSendvFn,
}

pub fn system() -> &'static System {
    static LIB: OnceLock<System> = OnceLock::new();
    LIB.get_or_init(|| {
        // SAFETY: dlopen/dlsym with valid C strings; the symbols have the C signatures of
        // <systemd/sd-daemon.h> and <systemd/sd-journal.h>, which the function pointer types repeat.
        unsafe {
            let h = libc::dlopen(SYSTEM_LIBSYSTEMD.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
            if h.is_null() {
                let e = CStr::from_ptr(libc::dlerror());
                panic!("fuzz setup: cannot load {SYSTEM_LIBSYSTEMD:?}: {e:?}");
            }
            let sym = |name: &CStr| {
                let p = libc::dlsym(h, name.as_ptr());
                assert!(!p.is_null(), "fuzz setup: {name:?} missing from {SYSTEM_LIBSYSTEMD:?}");
                let mut info: libc::Dl_info = std::mem::zeroed();
                assert!(libc::dladdr(p, &mut info) != 0 && !info.dli_fname.is_null());
                let file = CStr::from_ptr(info.dli_fname).to_bytes();
                assert!(file.ends_with(b"/libsystemd.so.0"), "fuzz setup: {name:?} resolved in {file:?}");
                p
            };
            // The reference must not be sdlite: the process must not export its own sd_*
            // (libsystemd would then bind its internal calls to ours).
            let ours = libc::dlsym(libc::RTLD_DEFAULT, c"sd_listen_fds".as_ptr());
            assert!(ours.is_null(), "fuzz setup: the fuzzer exports sd_listen_fds dynamically");
            System {
                sd_notify: std::mem::transmute::<*mut libc::c_void, NotifyFn>(sym(c"sd_notify")),
                sd_watchdog_enabled: std::mem::transmute::<*mut libc::c_void, WatchdogFn>(sym(
                    c"sd_watchdog_enabled",
                )),
                sd_listen_fds: std::mem::transmute::<*mut libc::c_void, ListenFdsFn>(sym(c"sd_listen_fds")),
                sd_listen_fds_with_names: std::mem::transmute::<*mut libc::c_void, ListenNamesFn>(sym(
                    c"sd_listen_fds_with_names",
                )),
                sd_journal_sendv: std::mem::transmute::<*mut libc::c_void, JournalSendvFn>(sym(c"sd_journal_sendv")),
            }
        }
    })
}

/// One-time process set-up shared by all targets: the reference library loaded, no sd-daemon
/// variable inherited from whoever started the fuzzer.
pub fn init() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        init_flags();
        let _ = system();
        for v in VARS {
            env_unset(v);
        }
    });
}

/// Reads SDLITE_FUZZ_TRACE and SDLITE_FUZZ_SELFTEST (before any input replaces `environ`).
pub fn init_flags() {
    let _ = TRACE.set(std::env::var_os("SDLITE_FUZZ_TRACE").is_some());
    let _ = SELFTEST.set(std::env::var_os("SDLITE_FUZZ_SELFTEST").is_some());
}

// ------------------------------------------------------------------ environment, errno

extern "C" {
    /// glibc's `environ` (getenv/unsetenv work on whatever array it points at).
    static mut environ: *mut *mut c_char;
}

/// The environment one call sees: an `environ` array of our own holding exactly the given
/// variables, installed until drop. (setenv(3) would do, but glibc keeps every value it was
/// ever given, so millions of fuzzed values would exhaust memory.) Both libraries only read it
/// (getenv) and remove entries in place (unsetenv), which works on any array.
pub struct Env {
    _strings: Vec<CString>,
    ptrs: Vec<*mut c_char>,
    saved: *mut *mut c_char,
}

/// Installs `vars` (name, value; None = unset) as the whole environment.
pub fn env_install(vars: &[(&CStr, Option<&[u8]>)]) -> Env {
    let strings: Vec<CString> = vars
        .iter()
        .filter_map(|(n, v)| {
            let v = (*v)?;
            let mut s = n.to_bytes().to_vec();
            s.push(b'=');
            s.extend_from_slice(v);
            Some(CString::new(s).expect("environment values hold no NUL"))
        })
        .collect();
    let mut ptrs: Vec<*mut c_char> = strings.iter().map(|s| s.as_ptr().cast_mut()).collect();
    ptrs.push(std::ptr::null_mut());
    // SAFETY: single-threaded; the array and its strings live until `Env` is dropped, which
    // puts the original array back first.
    let saved = unsafe {
        let saved = environ;
        environ = ptrs.as_mut_ptr();
        saved
    };
    Env { _strings: strings, ptrs, saved }
}

impl Env {
    /// Every sd-daemon variable, as the call left it.
    pub fn snapshot(&self) -> Vec<(String, Option<String>)> {
        // SAFETY: reading the array installed by env_install (unsetenv only moved entries).
        assert!(unsafe { environ } == self.ptrs.as_ptr().cast_mut(), "environ was replaced");
        VARS.iter()
            .map(|v| (v.to_string_lossy().into_owned(), env_get(v).map(|b| escape(&b))))
            .collect()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // SAFETY: restores the array that was there before.
        unsafe { environ = self.saved };
    }
}

/// unsetenv(3) of a variable of the real environment.
pub fn env_unset(name: &CStr) {
    // SAFETY: a valid C string; single-threaded.
    unsafe {
        libc::unsetenv(name.as_ptr());
    }
}

pub fn env_get(name: &CStr) -> Option<Vec<u8>> {
    // SAFETY: getenv returns null or a C string, copied before the environment changes.
    unsafe {
        let p = libc::getenv(name.as_ptr());
        (!p.is_null()).then(|| CStr::from_ptr(p).to_bytes().to_vec())
    }
}

pub fn set_errno(e: c_int) {
    // SAFETY: __errno_location is always valid for the calling thread.
    unsafe { *libc::__errno_location() = e }
}

pub fn errno() -> c_int {
    // SAFETY: as above.
    unsafe { *libc::__errno_location() }
}

/// Runs `f` with errno set to ERRNO_MARK and returns what it returned plus errno afterwards.
pub fn with_errno<T>(f: impl FnOnce() -> T) -> (T, c_int) {
    set_errno(ERRNO_MARK);
    let r = f();
    (r, errno())
}

// ------------------------------------------------------------------ input helpers

/// Bytes as a readable Rust-like literal (for failure messages).
pub fn escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(c as char),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s
}

/// A field of an input: the bytes up to the next NUL (the NUL is consumed).
pub fn next_field<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
    let data = *rest;
    match data.iter().position(|&c| c == 0) {
        Some(i) => {
            *rest = &data[i + 1..];
            &data[..i]
        }
        None => {
            *rest = &[];
            data
        }
    }
}

/// Expands the escapes of a numeric field so that the fuzzer can spell its own pid (which it
/// cannot know in advance) in every textual form the parsers accept or refuse:
/// `%d` decimal, `%x`/`%X` hex digits, `%o` octal digits, `%b` binary digits, `%D` pid + 1,
/// `%M` pid + 2^32 (the same pid modulo 32 bits), `%N` pid - 2^64 (i.e. what strtoull makes of
/// "-pid"), `%%` a '%'. Anything else stays as written.
pub fn expand(field: &[u8], pid: c_int) -> Vec<u8> {
    let pid = pid as u64;
    let mut out = Vec::with_capacity(field.len() + 16);
    let mut i = 0;
    while i < field.len() {
        let c = field[i];
        if c != b'%' || i + 1 == field.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let s = match field[i + 1] {
            b'd' => format!("{pid}"),
            b'x' => format!("{pid:x}"),
            b'X' => format!("{pid:X}"),
            b'o' => format!("{pid:o}"),
            b'b' => format!("{pid:b}"),
            b'D' => format!("{}", pid + 1),
            b'M' => format!("{}", pid + (1u64 << 32)),
            b'N' => format!("{}", pid.wrapping_neg()),
            b'%' => "%".to_owned(),
            other => {
                out.push(b'%');
                out.push(other);
                i += 2;
                continue;
            }
        };
        out.extend_from_slice(s.as_bytes());
        i += 2;
    }
    out
}

pub fn getpid() -> c_int {
    // SAFETY: no preconditions.
    unsafe { libc::getpid() }
}

// ------------------------------------------------------------------ file descriptors

/// The fds sd_listen_fds() may touch: SD_LISTEN_FDS_START (3) up to `LAST_FD`. At start-up each
/// closed one is made a /dev/null of ours; fds the fuzzer runtime already had stay its own.
pub const FIRST_FD: c_int = 3;
pub const LAST_FD: c_int = 34;
/// Flags are compared up to here, past the end of the run of open fds.
pub const LAST_COMPARED_FD: c_int = 42;

pub struct Fds {
    /// Open fds in FIRST_FD..=LAST_FD that we created (and so may close and re-create).
    ours: Vec<c_int>,
}

pub fn fd_flags(fd: c_int) -> c_int {
    // SAFETY: F_GETFD on any number is harmless (-1/EBADF when closed).
    unsafe { libc::fcntl(fd, libc::F_GETFD) }
}

fn set_fd_flags(fd: c_int, flags: c_int) {
    // SAFETY: as above; only fds already open are changed.
    unsafe {
        libc::fcntl(fd, libc::F_SETFD, flags);
    }
}

pub fn fds() -> &'static Fds {
    static FDS: OnceLock<Fds> = OnceLock::new();
    FDS.get_or_init(|| {
        // SAFETY: opening /dev/null and dup2-ing it onto fds that are closed.
        unsafe {
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
            assert!(null >= 0, "open /dev/null");
            let mut ours = Vec::new();
            for fd in FIRST_FD..=LAST_FD {
                if fd == null {
                    continue;
                }
                if fd_flags(fd) < 0 {
                    assert_eq!(libc::dup2(null, fd), fd, "dup2 onto {fd}");
                    ours.push(fd);
                }
            }
            // `null` itself (the lowest free fd) stays open as one of ours when in range.
            if (FIRST_FD..=LAST_FD).contains(&null) {
                ours.push(null);
                ours.sort_unstable();
            } else {
                libc::close(null);
            }
            Fds { ours }
        }
    })
}

/// The fd state one comparison starts from: which of our fds is closed, and the FD_CLOEXEC
/// pattern of the others.
pub struct FdSetup {
    /// FD_CLOEXEC wanted on fd FIRST_FD + i (bit i).
    pub cloexec: u64,
    /// One of our fds to close for the call (a hole in the run), if any.
    pub closed: Option<c_int>,
    /// The fuzzer runtime's own fds in range, with their flags to put back afterwards.
    theirs: Vec<(c_int, c_int)>,
}

impl Fds {
    /// `pattern` picks the FD_CLOEXEC bits, `hole` (0: none) one of our fds to close.
    pub fn setup(&self, pattern: u64, hole: u8) -> FdSetup {
        let closed = match hole {
            0 => None,
            h => self.ours.get((h as usize - 1) % self.ours.len().max(1)).copied(),
        };
        let theirs = (FIRST_FD..=LAST_COMPARED_FD)
            .filter(|fd| !self.ours.contains(fd))
            .map(|fd| (fd, fd_flags(fd)))
            .filter(|&(_, f)| f >= 0)
            .collect();
        FdSetup { cloexec: pattern, closed, theirs }
    }
}

impl FdSetup {
    /// Puts every fd into the starting state (before each side's call).
    pub fn apply(&self) {
        for &fd in &fds().ours {
            let bit = (fd - FIRST_FD) as u32;
            let want = if bit < 64 && self.cloexec & (1 << bit) != 0 { libc::FD_CLOEXEC } else { 0 };
            set_fd_flags(fd, want);
        }
        for &(fd, flags) in &self.theirs {
            set_fd_flags(fd, flags);
        }
        if let Some(fd) = self.closed {
            // SAFETY: one of our own /dev/null fds.
            unsafe { libc::close(fd) };
        }
    }

    /// The flags of every fd in the compared range (-1: closed).
    pub fn observe(&self) -> Vec<c_int> {
        (FIRST_FD..=LAST_COMPARED_FD).map(fd_flags).collect()
    }

    /// Re-opens the hole and gives the runtime's fds their flags back (after each side's call).
    pub fn restore(&self) {
        if let Some(fd) = self.closed {
            // SAFETY: re-creating our own fd at the number we closed.
            unsafe {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
                assert!(null >= 0, "open /dev/null");
                if null != fd {
                    assert_eq!(libc::dup2(null, fd), fd, "dup2 onto {fd}");
                    libc::close(null);
                }
            }
        }
        for &(fd, flags) in &self.theirs {
            set_fd_flags(fd, flags);
        }
    }
}

/// Flags as a compact string: one char per fd from FIRST_FD, 'c' cloexec, '-' not, '.' closed.
pub fn show_flags(flags: &[c_int]) -> String {
    let s: String = flags
        .iter()
        .map(|&f| match f {
            f if f < 0 => '.',
            f if f & libc::FD_CLOEXEC != 0 => 'c',
            _ => '-',
        })
        .collect();
    format!("fds {FIRST_FD}..: {}", s.trim_end_matches('.'))
}

// ------------------------------------------------------------------ the verdict

/// Panics (a libFuzzer crash, input saved) when the two records differ. `input` describes the
/// call; it is only built then.
static TRACE: OnceLock<bool> = OnceLock::new();
/// SDLITE_FUZZ_SELFTEST: every comparison fails, to check that a difference is caught,
/// reported and saved (tests/suites/70-fuzz.sh does).
static SELFTEST: OnceLock<bool> = OnceLock::new();

/// With SDLITE_FUZZ_TRACE set, every comparison is printed (for `-runs=N` on chosen inputs).
pub fn compare<T: std::fmt::Debug + PartialEq>(target: &str, input: impl FnOnce() -> String, ours: &T, system: &T) {
    let trace = TRACE.get().copied().unwrap_or(false);
    if !trace && ours == system && !SELFTEST.get().copied().unwrap_or(false) {
        return;
    }
    let input = input();
    if trace {
        eprintln!("{target}: {input}\n  sdlite: {ours:?}\n  system: {system:?}");
    }
    if SELFTEST.get().copied().unwrap_or(false) {
        panic!("\n=== self-test (SDLITE_FUZZ_SELFTEST): a difference is reported like this ({target})\ninput:  {input}\n");
    }
    if ours != system {
        panic!(
            "\n=== sdlite differs from libsystemd 252 ({target})\ninput:  {input}\nsdlite: {ours:#?}\nsystem: {system:#?}\n"
        );
    }
}

/// An environment value for a message: "\"…\"" or <unset>.
pub fn show_var(v: Option<&[u8]>) -> String {
    v.map_or("<unset>".into(), |v| format!("\"{}\"", escape(v)))
}
