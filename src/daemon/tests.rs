//! The notify family against real receiving sockets in this process: what arrives (bytes, fds,
//! credentials) and what the caller sees (return values, environment).

use super::ffi::*;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixDatagram;
use std::sync::Mutex;
use std::time::{Duration, Instant};

extern "C" {
    fn sd_notifyf(unset_environment: libc::c_int, format: *const libc::c_char, ...) -> libc::c_int;
    fn sd_pid_notifyf_with_fds(
        pid: libc::pid_t,
        unset_environment: libc::c_int,
        fds: *const libc::c_int,
        n_fds: usize,
        format: *const libc::c_char,
        ...
    ) -> libc::c_int;
}

/// The environment is process-wide: tests that touch it take turns.
static ENV: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    ENV.lock().unwrap_or_else(|e| e.into_inner())
}

fn set_env(k: &str, v: Option<&str>) {
    let k = CString::new(k).unwrap();
    match v {
        // SAFETY: test code holding the ENV lock; strings are NUL-terminated.
        Some(v) => unsafe { libc::setenv(k.as_ptr(), CString::new(v).unwrap().as_ptr(), 1) },
        // SAFETY: as above.
        None => unsafe { libc::unsetenv(k.as_ptr()) },
    };
}

fn get_env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

struct Received {
    data: Vec<u8>,
    fds: Vec<OwnedFd>,
    creds: Option<libc::ucred>,
}

/// A bound AF_UNIX datagram receiver with SO_PASSCRED, as the service manager has.
struct Receiver {
    sock: UnixDatagram,
    _dir: Option<TempDir>,
    address: String,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let p = std::env::temp_dir().join(format!("sdlite-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&p).unwrap();
    TempDir(p)
}

impl Receiver {
    fn path() -> Receiver {
        let dir = tempdir();
        let p = dir.0.join("notify.sock");
        let sock = UnixDatagram::bind(&p).unwrap();
        Receiver::setup(sock, Some(dir), p.to_str().unwrap().to_owned())
    }

    fn abstract_() -> Receiver {
        use std::os::linux::net::SocketAddrExt;
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!("sdlite-test-{}-{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let sock = UnixDatagram::bind_addr(&addr).unwrap();
        Receiver::setup(sock, None, format!("@{name}"))
    }

    fn setup(sock: UnixDatagram, dir: Option<TempDir>, address: String) -> Receiver {
        let one: libc::c_int = 1;
        // SAFETY: valid socket and option buffer.
        let r = unsafe {
            libc::setsockopt(sock.as_raw_fd(), libc::SOL_SOCKET, libc::SO_PASSCRED, (&one as *const i32).cast(), 4)
        };
        assert_eq!(r, 0);
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Receiver { sock, _dir: dir, address }
    }

    fn recv(&self) -> Received {
        let mut data = vec![0u8; 8 << 20];
        let mut control = vec![0u8; 8192];
        let mut iov = libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() };
        // SAFETY: zeroed msghdr is valid; we fill the buffers below.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len();
        // SAFETY: buffers live for the call.
        let n = unsafe { libc::recvmsg(self.sock.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        assert!(n >= 0, "recvmsg: {}", std::io::Error::last_os_error());
        assert_eq!(msg.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC), 0);
        data.truncate(n as usize);
        let mut fds = Vec::new();
        let mut creds = None;
        // SAFETY: walking the control buffer the kernel filled, with libc's macros.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                let body = libc::CMSG_DATA(c);
                let len = (*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
                match ((*c).cmsg_level, (*c).cmsg_type) {
                    (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
                        for i in 0..len / 4 {
                            let fd = std::ptr::read_unaligned((body as *const RawFd).add(i));
                            fds.push(OwnedFd::from_raw_fd(fd));
                        }
                    }
                    (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) => {
                        creds = Some(std::ptr::read_unaligned(body as *const libc::ucred));
                    }
                    _ => {}
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        Received { data, fds, creds }
    }

    fn nothing_queued(&self) -> bool {
        self.sock.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        let r = self.sock.recv(&mut b);
        self.sock.set_nonblocking(false).unwrap();
        matches!(r, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

fn notify(unset: i32, state: &str) -> i32 {
    let s = CString::new(state).unwrap();
    // SAFETY: NUL-terminated string.
    unsafe { sd_notify(unset, s.as_ptr()) }
}

fn same_file(a: RawFd, b: RawFd) -> bool {
    // SAFETY: zeroed stat buffers are valid out-params.
    let (mut sa, mut sb): (libc::stat, libc::stat) = unsafe { (std::mem::zeroed(), std::mem::zeroed()) };
    // SAFETY: valid fds and buffers.
    let ok = unsafe { libc::fstat(a, &mut sa) == 0 && libc::fstat(b, &mut sb) == 0 };
    ok && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
}

fn open_fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn is_root() -> bool {
    // SAFETY: cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn path_socket_gets_exact_bytes_and_own_credentials() {
    let _g = lock();
    let r = Receiver::path();
    set_env("NOTIFY_SOCKET", Some(&r.address));
    assert_eq!(notify(0, "READY=1\nSTATUS=up"), 1);
    let m = r.recv();
    assert_eq!(m.data, b"READY=1\nSTATUS=up");
    assert!(m.fds.is_empty());
    let c = m.creds.expect("SO_PASSCRED receiver always gets credentials");
    assert_eq!(c.pid, std::process::id() as i32);
    // SAFETY: cannot fail.
    assert_eq!((c.uid, c.gid), unsafe { (libc::getuid(), libc::getgid()) });
    assert_eq!(get_env("NOTIFY_SOCKET").as_deref(), Some(r.address.as_str()));
    set_env("NOTIFY_SOCKET", None);
}

#[test]
fn abstract_socket_and_empty_message() {
    let _g = lock();
    let r = Receiver::abstract_();
    set_env("NOTIFY_SOCKET", Some(&r.address));
    assert_eq!(notify(0, ""), 1);
    assert_eq!(r.recv().data, b"");
    assert_eq!(notify(1, "WATCHDOG=1"), 1);
    assert_eq!(r.recv().data, b"WATCHDOG=1");
    assert_eq!(get_env("NOTIFY_SOCKET"), None, "unset_environment removes it after success");
}

#[test]
fn errors_unset_the_environment_when_asked() {
    let _g = lock();
    set_env("NOTIFY_SOCKET", Some("/nonexistent/sdlite/socket"));
    assert_eq!(notify(0, "READY=1"), -libc::ENOENT);
    assert!(get_env("NOTIFY_SOCKET").is_some());
    assert_eq!(notify(1, "READY=1"), -libc::ENOENT);
    assert_eq!(get_env("NOTIFY_SOCKET"), None);

    set_env("NOTIFY_SOCKET", Some("relative"));
    // SAFETY: null state is the case under test; the library must reject it.
    assert_eq!(unsafe { sd_notify(1, std::ptr::null()) }, -libc::EINVAL);
    assert_eq!(get_env("NOTIFY_SOCKET"), None, "even argument errors unset it");
    assert_eq!(notify(0, "READY=1"), 0, "unset means 0: not running under a manager");
}

#[test]
fn fds_arrive_as_the_same_files() {
    let _g = lock();
    let r = Receiver::path();
    set_env("NOTIFY_SOCKET", Some(&r.address));
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let fds = [a.as_raw_fd(), b.as_raw_fd()];
    let s = CString::new("FDSTORE=1\nFDNAME=pair").unwrap();
    // SAFETY: two valid fds in the array.
    assert_eq!(unsafe { sd_pid_notify_with_fds(0, 0, s.as_ptr(), fds.as_ptr(), 2) }, 1);
    let m = r.recv();
    assert_eq!(m.data, b"FDSTORE=1\nFDNAME=pair");
    assert_eq!(m.fds.len(), 2);
    assert!(same_file(m.fds[0].as_raw_fd(), fds[0]) && same_file(m.fds[1].as_raw_fd(), fds[1]));

    // SAFETY: NULL array with a count is the error under test.
    assert_eq!(unsafe { sd_pid_notify_with_fds(0, 0, s.as_ptr(), std::ptr::null(), 1) }, -libc::EINVAL);
    let closed = [9999];
    // SAFETY: valid array holding a closed fd.
    assert_eq!(unsafe { sd_pid_notify_with_fds(0, 0, s.as_ptr(), closed.as_ptr(), 1) }, -libc::EBADF);
    let many = vec![a.as_raw_fd(); 254];
    // SAFETY: the array holds 254 ints.
    assert_eq!(unsafe { sd_pid_notify_with_fds(0, 0, s.as_ptr(), many.as_ptr(), 254) }, -libc::EINVAL);
    // SAFETY: the array holds 253 ints.
    assert_eq!(unsafe { sd_pid_notify_with_fds(0, 0, s.as_ptr(), many.as_ptr(), 253) }, 1);
    assert_eq!(r.recv().fds.len(), 253);
    assert!(r.nothing_queued());
    set_env("NOTIFY_SOCKET", None);
}

#[test]
fn another_pid_is_attached_or_falls_back_to_ours() {
    let _g = lock();
    let r = Receiver::path();
    set_env("NOTIFY_SOCKET", Some(&r.address));
    let s = CString::new("MAINPID=1").unwrap();
    // SAFETY: valid string.
    assert_eq!(unsafe { sd_pid_notify(1, 0, s.as_ptr()) }, 1);
    let expect = if is_root() { 1 } else { std::process::id() as i32 };
    assert_eq!(r.recv().creds.unwrap().pid, expect);
    // A pid that does not exist is refused even for root; the retry carries ours.
    // SAFETY: valid string.
    assert_eq!(unsafe { sd_pid_notify(0x3fff_fff0, 0, s.as_ptr()) }, 1);
    assert_eq!(r.recv().creds.unwrap().pid, std::process::id() as i32);
    set_env("NOTIFY_SOCKET", None);
}

#[test]
fn messages_beyond_the_default_send_buffer_arrive_intact() {
    let _g = lock();
    let r = Receiver::path();
    set_env("NOTIFY_SOCKET", Some(&r.address));
    for len in [212_960usize, 212_961, 300_000] {
        let body: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        assert_eq!(notify(0, &body), 1, "len {len}");
        let m = r.recv();
        assert_eq!(m.data.len(), len);
        assert!(m.data == body.as_bytes());
    }
    set_env("NOTIFY_SOCKET", None);
}

#[test]
fn notifyf_formats_and_with_fds_variant_sends_fds() {
    let _g = lock();
    let r = Receiver::abstract_();
    set_env("NOTIFY_SOCKET", Some(&r.address));
    // SAFETY: format and arguments match.
    assert_eq!(unsafe { sd_notifyf(0, c"STATUS=%s %d".as_ptr(), c"x".as_ptr(), 42) }, 1);
    assert_eq!(r.recv().data, b"STATUS=x 42");
    // SAFETY: NULL format is the error under test.
    assert_eq!(unsafe { sd_notifyf(0, std::ptr::null()) }, -libc::EINVAL);
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let fds = [a.as_raw_fd()];
    // SAFETY: one valid fd; format and arguments match.
    let rc = unsafe { sd_pid_notifyf_with_fds(0, 1, fds.as_ptr(), 1, c"FDSTORE=1\nFDNAME=%s".as_ptr(), c"one".as_ptr()) };
    assert_eq!(rc, 1);
    let m = r.recv();
    assert_eq!(m.data, b"FDSTORE=1\nFDNAME=one");
    assert!(same_file(m.fds[0].as_raw_fd(), a.as_raw_fd()));
    assert_eq!(get_env("NOTIFY_SOCKET"), None);
}

#[test]
fn barrier_waits_for_the_manager_to_close_its_copy() {
    let _g = lock();
    let r = Receiver::path();
    set_env("NOTIFY_SOCKET", Some(&r.address));
    let sock = r.sock.try_clone().unwrap();
    let t = std::thread::spawn(move || {
        let rr = Receiver { sock, _dir: None, address: String::new() };
        let m = rr.recv();
        assert_eq!(m.data, b"BARRIER=1");
        assert_eq!(m.fds.len(), 1);
        drop(m.fds); // the manager is done: the caller may go on
    });
    assert_eq!(sd_notify_barrier(0, 5_000_000), 1);
    t.join().unwrap();

    let start = Instant::now();
    assert_eq!(sd_notify_barrier(0, 100_000), -libc::ETIMEDOUT);
    assert!(start.elapsed() >= Duration::from_millis(90));
    let held = r.recv();
    assert_eq!(held.fds.len(), 1);

    set_env("NOTIFY_SOCKET", None);
    assert_eq!(sd_notify_barrier(0, 0), 0);
}

#[test]
fn watchdog_interval_and_pid() {
    let _g = lock();
    let mut usec = 777u64;
    set_env("WATCHDOG_USEC", Some("2000000"));
    set_env("WATCHDOG_PID", Some(&std::process::id().to_string()));
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { sd_watchdog_enabled(0, &mut usec) }, 1);
    assert_eq!(usec, 2_000_000);
    set_env("WATCHDOG_PID", Some("1"));
    usec = 777;
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { sd_watchdog_enabled(1, &mut usec) }, 0);
    assert_eq!(usec, 777);
    assert_eq!((get_env("WATCHDOG_USEC"), get_env("WATCHDOG_PID")), (None, None));
    set_env("WATCHDOG_USEC", Some("0"));
    // SAFETY: NULL usec is allowed.
    assert_eq!(unsafe { sd_watchdog_enabled(1, std::ptr::null_mut()) }, -libc::EINVAL);
    assert_eq!(get_env("WATCHDOG_USEC"), None);
}

#[test]
fn no_fd_leaks_on_any_path() {
    let _g = lock();
    let r = Receiver::path();
    let before = open_fd_count();
    for i in 0..300 {
        set_env("NOTIFY_SOCKET", Some(&r.address));
        assert_eq!(notify(0, "WATCHDOG=1"), 1);
        let _ = r.recv();
        set_env("NOTIFY_SOCKET", Some("/nonexistent/x"));
        assert_eq!(notify(0, "WATCHDOG=1"), -libc::ENOENT);
        set_env("NOTIFY_SOCKET", Some(&r.address));
        assert_eq!(sd_notify_barrier(0, 0), -libc::ETIMEDOUT, "iteration {i}");
        drop(r.recv());
    }
    assert_eq!(open_fd_count(), before);
    set_env("NOTIFY_SOCKET", None);
}

#[test]
fn booted_answers_from_run_systemd_system() {
    let expected = match std::fs::symlink_metadata("/run/systemd/system") {
        Ok(m) if m.is_dir() => 1,
        Ok(_) => -libc::ENOTDIR,
        Err(_) => 0,
    };
    assert_eq!(sd_booted(), expected);
}
