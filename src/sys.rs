//! Safe wrappers over the few libc calls the library makes. Each wrapper is one system call (or
//! one libc routine) with its error turned into an `Errno`; no policy lives here.

use crate::errno::{Errno, Result};
use core::ffi::CStr;
use libc::{c_int, c_void};

/// An owned file descriptor, closed when dropped, so no path can leak one.
pub struct Fd(c_int);

impl Fd {
    pub fn raw(&self) -> c_int {
        self.0
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // Errors from close() are not actionable here; libsystemd ignores them as well (safe_close).
        // SAFETY: we own this descriptor and nothing uses it after drop.
        unsafe { libc::close(self.0) };
    }
}

fn check(r: c_int) -> Result<c_int> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

fn check_size(r: isize) -> Result<usize> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r as usize)
    }
}

pub fn socket(family: c_int, kind: c_int) -> Result<Fd> {
    // SAFETY: plain system call, no pointers.
    check(unsafe { libc::socket(family, kind | libc::SOCK_CLOEXEC, 0) }).map(Fd)
}

pub fn pipe2_cloexec() -> Result<(Fd, Fd)> {
    let mut fds = [-1 as c_int; 2];
    // SAFETY: `fds` is a writable array of two ints, as pipe2 requires.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    Ok((Fd(fds[0]), Fd(fds[1])))
}

/// `sendmsg(2)` with one iovec. `name` is a raw socket address (empty for a connected socket) and
/// `control` a complete ancillary-data buffer (empty for none).
pub fn sendmsg(fd: &Fd, name: &[u8], data: &[u8], control: &[u8], flags: c_int) -> Result<usize> {
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut c_void, iov_len: data.len() };
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    if !name.is_empty() {
        msg.msg_name = name.as_ptr() as *mut c_void;
        msg.msg_namelen = name.len() as libc::socklen_t;
    }
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = control.as_ptr() as *mut c_void;
        msg.msg_controllen = control.len();
    }
    // SAFETY: every pointer in `msg` refers to a live borrowed buffer of the stated length; the
    // kernel only reads them.
    check_size(unsafe { libc::sendmsg(fd.0, &msg, flags) })
}

pub fn getsockopt_int(fd: c_int, level: c_int, name: c_int) -> Result<(c_int, usize)> {
    let mut v: c_int = 0;
    let mut len = core::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `v` and `len` are valid for writes of the sizes given.
    check(unsafe { libc::getsockopt(fd, level, name, (&mut v as *mut c_int).cast(), &mut len) })?;
    Ok((v, len as usize))
}

pub fn setsockopt_int(fd: &Fd, level: c_int, name: c_int, v: c_int) -> Result<()> {
    let len = core::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: `v` is a readable int of the size given.
    check(unsafe { libc::setsockopt(fd.0, level, name, (&v as *const c_int).cast(), len) }).map(drop)
}

pub fn bind(fd: &Fd, addr: &[u8]) -> Result<()> {
    // SAFETY: `addr` is a readable socket address of the length given.
    check(unsafe { libc::bind(fd.0, addr.as_ptr().cast(), addr.len() as libc::socklen_t) }).map(drop)
}

pub fn connect(fd: &Fd, addr: &[u8]) -> Result<()> {
    // SAFETY: `addr` is a readable socket address of the length given.
    check(unsafe { libc::connect(fd.0, addr.as_ptr().cast(), addr.len() as libc::socklen_t) }).map(drop)
}

pub fn shutdown_write(fd: &Fd) -> Result<()> {
    // SAFETY: plain system call.
    check(unsafe { libc::shutdown(fd.0, libc::SHUT_WR) }).map(drop)
}

pub fn recv_byte(fd: &Fd) -> Result<usize> {
    let mut c = 0u8;
    // SAFETY: `c` is a writable buffer of one byte.
    check_size(unsafe { libc::recv(fd.0, (&mut c as *mut u8).cast(), 1, libc::MSG_NOSIGNAL) })
}

/// `ppoll(2)` on one fd; `timeout_ns` None waits forever. Returns revents (0 on timeout).
pub fn ppoll_one(fd: &Fd, events: i16, timeout: Option<libc::timespec>) -> Result<i16> {
    let mut p = libc::pollfd { fd: fd.0, events, revents: 0 };
    let ts = timeout.as_ref().map_or(core::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `p` is one valid pollfd, `ts` is null or points at a live timespec; no signal mask.
    let n = check(unsafe { libc::ppoll(&mut p, 1, ts, core::ptr::null()) })?;
    Ok(if n == 0 { 0 } else { p.revents })
}

pub fn getpid() -> libc::pid_t {
    // SAFETY: cannot fail.
    unsafe { libc::getpid() }
}

pub fn getuid() -> libc::uid_t {
    // SAFETY: cannot fail.
    unsafe { libc::getuid() }
}

pub fn getgid() -> libc::gid_t {
    // SAFETY: cannot fail.
    unsafe { libc::getgid() }
}

pub fn faccessat_nofollow(path: &CStr, mode: c_int) -> Result<()> {
    // SAFETY: `path` is NUL-terminated.
    check(unsafe { libc::faccessat(libc::AT_FDCWD, path.as_ptr(), mode, libc::AT_SYMLINK_NOFOLLOW) })
        .map(drop)
}

/// An anonymous private mapping, unmapped when dropped. Used only to hand the kernel an
/// ancillary buffer too large for the stack (see `notify::oversized_fd_array`).
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    pub fn new(len: usize) -> Result<Mapping> {
        // SAFETY: a fresh anonymous mapping; no existing memory is affected.
        let p = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Errno::last());
        }
        Ok(Mapping { ptr: p.cast(), len })
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is `len` bytes, readable and writable, and exclusively ours.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region mapped in `new`.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// What one of libc's `strto*` routines produced: the value, how many bytes it consumed, and the
/// errno it set (the caller cleared errno first, as systemd's parsers do).
pub struct Strto<T> {
    pub value: T,
    pub consumed: usize,
    pub errno: Option<Errno>,
}

macro_rules! strto {
    ($name:ident, $f:ident, $t:ty) => {
        /// libc's own routine, so that locale, whitespace and sign handling are the ones
        /// libsystemd gets from it.
        pub fn $name(s: &CStr, base: c_int) -> Strto<$t> {
            let mut end: *mut libc::c_char = core::ptr::null_mut();
            crate::errno::set_errno(0);
            // SAFETY: `s` is NUL-terminated; `end` is a valid out-pointer.
            let value = unsafe { libc::$f(s.as_ptr(), &mut end, base) };
            let e = Errno::last();
            // strto* leaves `end` inside `s` (or at its start), never before it.
            let consumed = (end as usize).wrapping_sub(s.as_ptr() as usize);
            Strto { value: value as $t, consumed, errno: if e.0 > 0 { Some(e) } else { None } }
        }
    };
}

strto!(strtoull, strtoull, u64);
strto!(strtoul, strtoul, u64);
strto!(strtol, strtol, i64);

pub fn fstat(fd: c_int) -> Result<libc::stat> {
    // SAFETY: an all-zero stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is writable.
    check(unsafe { libc::fstat(fd, &mut st) })?;
    Ok(st)
}

pub fn stat(path: &CStr) -> Result<libc::stat> {
    // SAFETY: an all-zero stat is a valid out-buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `st` writable.
    check(unsafe { libc::stat(path.as_ptr(), &mut st) })?;
    Ok(st)
}

/// The size of systemd's `union sockaddr_union` (sockaddr_storage), the buffer getsockname fills.
pub const SOCKADDR_MAX: usize = core::mem::size_of::<libc::sockaddr_storage>();

/// A socket's own address: the kernel's bytes and the length it reported.
pub struct SockName {
    pub bytes: [u8; SOCKADDR_MAX],
    pub len: usize,
}

pub fn getsockname(fd: c_int) -> Result<SockName> {
    let mut name = SockName { bytes: [0; SOCKADDR_MAX], len: SOCKADDR_MAX };
    let mut len = SOCKADDR_MAX as libc::socklen_t;
    // SAFETY: `bytes` is writable for `len` bytes; the kernel writes at most that many.
    check(unsafe { libc::getsockname(fd, name.bytes.as_mut_ptr().cast(), &mut len) })?;
    name.len = len as usize;
    Ok(name)
}

pub fn fd_flags(fd: c_int) -> Result<c_int> {
    // SAFETY: F_GETFD takes no pointer.
    check(unsafe { libc::fcntl(fd, libc::F_GETFD) })
}

pub fn set_fd_flags(fd: c_int, flags: c_int) -> Result<()> {
    // SAFETY: F_SETFD takes an int.
    check(unsafe { libc::fcntl(fd, libc::F_SETFD, flags) }).map(drop)
}

/// mq_getattr(3) for its verdict only: is `fd` a POSIX message queue?
pub fn mq_getattr(fd: c_int) -> Result<()> {
    // SAFETY: an all-zero mq_attr is a valid out-buffer.
    let mut attr: libc::mq_attr = unsafe { core::mem::zeroed() };
    // SAFETY: `attr` is writable.
    check(unsafe { libc::mq_getattr(fd, &mut attr) }).map(drop)
}

/// pidfd_open(2) on ourselves.
pub fn pidfd_self() -> Result<Fd> {
    // SAFETY: plain system call, no pointers.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_open, getpid(), 0) };
    if r < 0 {
        return Err(Errno::last());
    }
    Ok(Fd(r as c_int))
}

pub fn fstatfs_type(fd: &Fd) -> Result<i64> {
    // SAFETY: an all-zero statfs is a valid out-buffer.
    let mut st: libc::statfs = unsafe { core::mem::zeroed() };
    // SAFETY: `st` is writable.
    check(unsafe { libc::fstatfs(fd.0, &mut st) })?;
    Ok(st.f_type as i64)
}

/// systemd's fd_inc_sndbuf(fd, 8 MiB): ask, and if the limit stops us, force when privileged.
/// Results are ignored, as libsystemd ignores them.
pub fn grow_send_buffer(sock: &Fd) {
    const SNDBUF_SIZE: c_int = 8 * 1024 * 1024;
    if setsockopt_int(sock, libc::SOL_SOCKET, libc::SO_SNDBUF, SNDBUF_SIZE).is_err() {
        return;
    }
    match getsockopt_int(sock.raw(), libc::SOL_SOCKET, libc::SO_SNDBUF) {
        Ok((v, 4)) if v as i64 >= 2 * SNDBUF_SIZE as i64 => {}
        _ => {
            let _ = setsockopt_int(sock, libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, SNDBUF_SIZE);
        }
    }
}

/// One piece of a gathered write: an `iovec` that borrows the bytes it points at, so a list of
/// them can go to the kernel as is (`sendmsg`, `writev`) without outliving what it describes.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct IoSlice<'a>(libc::iovec, core::marker::PhantomData<&'a [u8]>);

impl<'a> IoSlice<'a> {
    pub const EMPTY: IoSlice<'static> =
        IoSlice(libc::iovec { iov_base: core::ptr::null_mut(), iov_len: 0 }, core::marker::PhantomData);

    pub fn new(bytes: &'a [u8]) -> IoSlice<'a> {
        IoSlice(libc::iovec { iov_base: bytes.as_ptr() as *mut c_void, iov_len: bytes.len() }, core::marker::PhantomData)
    }

    pub fn len(&self) -> usize {
        self.0.iov_len
    }

    /// The bytes after the first `n`.
    pub fn advance(self, n: usize) -> IoSlice<'a> {
        let n = n.min(self.0.iov_len);
        // SAFETY: `n` is within the borrowed bytes, so the result still points into them.
        let base = unsafe { self.0.iov_base.cast::<u8>().add(n) };
        IoSlice(libc::iovec { iov_base: base.cast(), iov_len: self.0.iov_len - n }, core::marker::PhantomData)
    }
}

/// A descriptor this library keeps beyond one call (the journal socket), used without owning it.
pub struct Borrowed(pub c_int);

/// `sendmsg(2)` of the gathered `pieces` to `name`, with `control` as ancillary data.
pub fn sendmsg_pieces(fd: &Borrowed, name: &[u8], pieces: &[IoSlice], control: &[u8], flags: c_int) -> Result<usize> {
    // SAFETY: an all-zero msghdr is a valid empty message.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = name.as_ptr() as *mut c_void;
    msg.msg_namelen = name.len() as libc::socklen_t;
    msg.msg_iov = pieces.as_ptr() as *mut libc::iovec;
    msg.msg_iovlen = pieces.len();
    if !control.is_empty() {
        msg.msg_control = control.as_ptr() as *mut c_void;
        msg.msg_controllen = control.len();
    }
    // SAFETY: IoSlice is an iovec borrowing live bytes; name and control are live buffers of the
    // stated lengths; the kernel only reads them.
    check_size(unsafe { libc::sendmsg(fd.0, &msg, flags) })
}

/// `writev(2)` until every byte of `pieces` is written (a write may be cut short at 2 GiB, or
/// by a signal, on files as on sockets). `pieces` is consumed as it goes.
pub fn writev_all(fd: &Fd, pieces: &mut [IoSlice]) -> Result<()> {
    let mut start = 0;
    while let Some(rest) = pieces.get_mut(start..).filter(|r| !r.is_empty()) {
        let count = rest.len().min(libc::UIO_MAXIOV as usize);
        // SAFETY: IoSlice is an iovec borrowing live bytes; `count` is within `rest`.
        let r = unsafe { libc::writev(fd.0, rest.as_ptr().cast::<libc::iovec>(), count as c_int) };
        let mut n = match check_size(r) {
            Ok(n) => n,
            Err(e) if e.0 == libc::EINTR => continue,
            Err(e) => return Err(e),
        };
        if n == 0 && rest.iter().any(|p| p.len() > 0) {
            return Err(Errno::EIO);
        }
        for piece in rest.iter_mut() {
            if n < piece.len() {
                *piece = piece.advance(n);
                break;
            }
            n -= piece.len();
            start += 1;
        }
    }
    Ok(())
}

/// `send(2)` with MSG_NOSIGNAL until all of `bytes` is written, retrying on EINTR.
pub fn send_all(fd: &Fd, mut bytes: &[u8]) -> Result<()> {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a live buffer of the stated length.
        let r = unsafe { libc::send(fd.0, bytes.as_ptr().cast(), bytes.len(), libc::MSG_NOSIGNAL) };
        match check_size(r) {
            Ok(0) => return Err(Errno::EIO),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) if e.0 == libc::EINTR => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn shutdown_read(fd: &Fd) -> Result<()> {
    // SAFETY: plain system call.
    check(unsafe { libc::shutdown(fd.0, libc::SHUT_RD) }).map(drop)
}

pub fn memfd_create(name: &CStr, flags: libc::c_uint) -> Result<Fd> {
    // SAFETY: `name` is NUL-terminated.
    check(unsafe { libc::memfd_create(name.as_ptr(), flags) }).map(Fd)
}

pub fn add_seals(fd: &Fd, seals: c_int) -> Result<()> {
    // SAFETY: plain fcntl with an int argument.
    check(unsafe { libc::fcntl(fd.0, libc::F_ADD_SEALS, seals) }).map(drop)
}

/// An unnamed regular file in `dir` (O_TMPFILE), or, where the file system cannot do that, a
/// named one unlinked at once: systemd's open_tmpfile_unlinkable().
pub fn open_tmpfile_unlinkable(dir: &CStr, template: &mut [u8]) -> Result<Fd> {
    // SAFETY: `dir` is NUL-terminated; the mode argument is read for O_TMPFILE.
    let r = unsafe { libc::open(dir.as_ptr(), libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC, 0o600 as libc::c_uint) };
    if r >= 0 {
        return Ok(Fd(r));
    }
    // `template` is "DIR/tmp-XXXXXX\0", writable, as mkostemp rewrites the X's.
    if template.last() != Some(&0) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: `template` is a writable NUL-terminated buffer.
    let fd = check(unsafe { libc::mkostemp(template.as_mut_ptr().cast(), libc::O_CLOEXEC) }).map(Fd)?;
    // SAFETY: as above; the file is ours and open, so removing its name is all this does.
    unsafe { libc::unlink(template.as_ptr().cast()) };
    Ok(fd)
}

/// The calling thread's name (PR_GET_NAME), without its NUL.
pub fn thread_name(buf: &mut [u8; 17]) -> &[u8] {
    *buf = [0; 17];
    // SAFETY: PR_GET_NAME writes at most 16 bytes into the buffer it is given.
    unsafe { libc::prctl(libc::PR_GET_NAME, buf.as_mut_ptr()) };
    let n = buf.iter().position(|&c| c == 0).unwrap_or(16);
    buf.get(..n).unwrap_or_default()
}

/// `open(2)` with O_PATH, to name a socket whose path is too long for a sockaddr_un.
pub fn open_path(path: &CStr) -> Result<Fd> {
    // SAFETY: `path` is NUL-terminated.
    check(unsafe { libc::open(path.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) }).map(Fd)
}

/// Gives up ownership: the descriptor stays open under its number (a process-wide socket).
pub fn into_raw(fd: Fd) -> c_int {
    let raw = fd.0;
    core::mem::forget(fd);
    raw
}

extern "C" {
    /// glibc's `program_invocation_short_name` (the basename of argv[0]); the program may
    /// change it, which is why it is read at every use, as libsystemd reads it.
    static program_invocation_short_name: *const libc::c_char;
    /// The GNU strerror_r (the `libc` crate binds the XSI one): the text of an errno, in `buf`
    /// or in static storage.
    #[link_name = "strerror_r"]
    fn gnu_strerror_r(errnum: c_int, buf: *mut libc::c_char, n: usize) -> *mut libc::c_char;
}

pub fn program_short_name() -> Option<&'static CStr> {
    // SAFETY: reads glibc's pointer; it is null or points at a NUL-terminated string that lives
    // as long as the program (argv[0] or what the program set).
    let p = unsafe { core::ptr::read_volatile(core::ptr::addr_of!(program_invocation_short_name)) };
    // SAFETY: as above.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
}

/// The text of errno value `e` as strerror_r(3) (GNU) gives it: "Unknown error N" for values it
/// does not know, translated as the C library translates it.
pub fn strerror(e: c_int, buf: &mut [u8; 256]) -> &[u8] {
    *buf = [0; 256];
    // SAFETY: `buf` is writable for its length; the result is a NUL-terminated string, in `buf`
    // or static, that lives at least as long as `buf`'s borrow.
    let p = unsafe { gnu_strerror_r(e, buf.as_mut_ptr().cast(), buf.len()) };
    if p.is_null() {
        return &[];
    }
    // SAFETY: as above.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

/// A flag in memory the kernel clears in a child after fork (MADV_WIPEONFORK), whatever made
/// the child: fork(), _Fork(), clone() without CLONE_VM. It tells a process-wide resource held
/// by number (the journal socket) whether it may have been closed or replaced since it was made.
pub struct ForkFlag(core::sync::atomic::AtomicUsize);

/// The flag could not be placed (an old kernel): forks go unnoticed, as in libsystemd.
const FORK_FLAG_UNAVAILABLE: usize = 1;

impl ForkFlag {
    pub const fn new() -> ForkFlag {
        ForkFlag(core::sync::atomic::AtomicUsize::new(0))
    }

    fn page(&self) -> Option<*mut u8> {
        use core::sync::atomic::Ordering;
        let p = self.0.load(Ordering::Acquire);
        if p == FORK_FLAG_UNAVAILABLE {
            return None;
        }
        if p != 0 {
            return Some(p as *mut u8);
        }
        let made = match Mapping::new(4096) {
            // SAFETY: advises on the mapping just made, which nothing else uses yet.
            Ok(m) if unsafe { libc::madvise(m.ptr.cast(), m.len, libc::MADV_WIPEONFORK) } == 0 => {
                let ptr = m.ptr;
                core::mem::forget(m);
                ptr as usize
            }
            _ => FORK_FLAG_UNAVAILABLE,
        };
        match self.0.compare_exchange(0, made, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => (made != FORK_FLAG_UNAVAILABLE).then_some(made as *mut u8),
            Err(theirs) => {
                if made != FORK_FLAG_UNAVAILABLE {
                    // SAFETY: our own mapping, never published.
                    unsafe { libc::munmap(made as *mut c_void, 4096) };
                }
                (theirs != FORK_FLAG_UNAVAILABLE).then_some(theirs as *mut u8)
            }
        }
    }

    fn cell(&self) -> Option<&core::sync::atomic::AtomicU8> {
        // SAFETY: the page is mapped for the life of the process, readable and writable, and
        // only ever accessed atomically through this reference.
        self.page().map(|p| unsafe { &*(p as *const core::sync::atomic::AtomicU8) })
    }

    /// True when `set` was called in this very process (and false after a fork); always true
    /// where the kernel cannot tell.
    pub fn is_set(&self) -> bool {
        self.cell().is_none_or(|c| c.load(core::sync::atomic::Ordering::Acquire) != 0)
    }

    pub fn set(&self) {
        if let Some(c) = self.cell() {
            c.store(1, core::sync::atomic::Ordering::Release);
        }
    }
}

/// Where `byte` first occurs in `haystack` (libc's memchr: word at a time, where a byte loop in
/// the journal's field checks was half of `sd_journal_sendv`).
pub fn memchr(haystack: &[u8], byte: u8) -> Option<usize> {
    // SAFETY: `haystack` is a live slice of the length given.
    let p = unsafe { libc::memchr(haystack.as_ptr().cast(), byte.into(), haystack.len()) };
    (!p.is_null()).then(|| p as usize - haystack.as_ptr() as usize)
}

/// open(2) for reading, the way systemd opens the files it reads IDs from: close-on-exec, and
/// never becoming the controlling terminal should the path name one.
pub fn open_read(path: &CStr) -> Result<Fd> {
    // SAFETY: `path` is NUL-terminated.
    check(unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY) }).map(Fd)
}

pub fn read(fd: &Fd, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: `buf` is writable for its length; the kernel writes at most that many bytes.
    check_size(unsafe { libc::read(fd.0, buf.as_mut_ptr().cast(), buf.len()) })
}

/// getrandom(2) into `buf`; a short count is possible (a signal), as the caller knows.
pub fn getrandom(buf: &mut [u8], flags: libc::c_uint) -> Result<usize> {
    // SAFETY: `buf` is writable for its length.
    check_size(unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), flags) })
}

fn check_long(r: libc::c_long) -> Result<libc::c_long> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

/// A key serial number of the kernel's key retention service.
pub type KeySerial = i32;

/// request_key(2) without a callout: finds a key in the caller's keyrings or fails (ENOKEY),
/// never asks user space to make one.
pub fn request_key(kind: &CStr, description: &CStr) -> Result<KeySerial> {
    // SAFETY: both strings are NUL-terminated; a null callout and destination keyring are allowed.
    let r = unsafe {
        libc::syscall(
            libc::SYS_request_key,
            kind.as_ptr(),
            description.as_ptr(),
            core::ptr::null::<libc::c_char>(),
            0 as libc::c_long,
        )
    };
    check_long(r).map(|k| k as KeySerial)
}

// From <linux/keyctl.h>; the libc crate does not carry them for glibc targets.
const KEYCTL_DESCRIBE: libc::c_long = 6;
const KEYCTL_READ: libc::c_long = 11;

/// keyctl(KEYCTL_DESCRIBE) or keyctl(KEYCTL_READ) into `buf`: returns the full size of what the
/// kernel has, which may exceed `buf`.
fn keyctl_into(op: libc::c_long, key: KeySerial, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: `buf` is writable for its length, which the kernel is told and respects.
    let r = unsafe {
        libc::syscall(libc::SYS_keyctl, op, libc::c_long::from(key), buf.as_mut_ptr(), buf.len(), 0 as libc::c_long)
    };
    check_long(r).map(|n| n as usize)
}

/// The key's "type;uid;gid;perm;description" line, NUL-terminated.
pub fn keyctl_describe(key: KeySerial, buf: &mut [u8]) -> Result<usize> {
    keyctl_into(KEYCTL_DESCRIBE, key, buf)
}

/// The key's payload.
pub fn keyctl_read(key: KeySerial, buf: &mut [u8]) -> Result<usize> {
    keyctl_into(KEYCTL_READ, key, buf)
}

/// Whether this process runs set-user-ID, set-group-ID or with gained capabilities (AT_SECURE),
/// when glibc's secure_getenv(3) pretends the environment is empty.
pub fn secure_execution() -> bool {
    // SAFETY: getauxval has no preconditions; it answers 0 for an absent entry.
    unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
}

// ---- sd-login: directories of state files and the inotify monitor ----

/// An open directory stream (opendir(3)), read entry by entry in the kernel's order, which is
/// the order libsystemd's readdir() loops see; closed when dropped.
pub struct Dir(core::ptr::NonNull<libc::DIR>);

/// One directory entry: its name and d_type.
pub struct DirEntry<'a> {
    pub name: &'a [u8],
    pub kind: u8,
}

impl Dir {
    pub fn open(path: &CStr) -> Result<Dir> {
        // SAFETY: `path` is NUL-terminated.
        let d = unsafe { libc::opendir(path.as_ptr()) };
        core::ptr::NonNull::new(d).map(Dir).ok_or_else(Errno::last)
    }

    /// The next entry, None at the end; an error from readdir(3) (errno set) is an error.
    pub fn next_entry(&mut self) -> Result<Option<DirEntry<'_>>> {
        crate::errno::set_errno(0);
        // SAFETY: the stream is open; the entry stays valid until the next readdir on it, which
        // the borrow of self prevents.
        let e = unsafe { libc::readdir(self.0.as_ptr()) };
        if e.is_null() {
            let err = Errno::last();
            return if err.0 != 0 { Err(err) } else { Ok(None) };
        }
        // SAFETY: readdir returned a valid dirent whose d_name is NUL-terminated.
        let (name, kind) = unsafe { (CStr::from_ptr((*e).d_name.as_ptr()).to_bytes(), (*e).d_type) };
        Ok(Some(DirEntry { name, kind }))
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: the stream is ours and closed once.
        unsafe { libc::closedir(self.0.as_ptr()) };
    }
}

pub fn inotify_init1(flags: c_int) -> Result<Fd> {
    // SAFETY: no pointers.
    check(unsafe { libc::inotify_init1(flags) }).map(Fd)
}

pub fn inotify_add_watch(fd: &Fd, path: &CStr, mask: u32) -> Result<c_int> {
    // SAFETY: `path` is NUL-terminated.
    check(unsafe { libc::inotify_add_watch(fd.0, path.as_ptr(), mask) })
}

/// read(2) on a descriptor the caller owns (a number handed to C).
pub fn read_raw(fd: c_int, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: `buf` is writable for its length.
    check_size(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) })
}

/// poll(2) on one descriptor the caller owns, with a timeout in ms; returns revents (0: none).
pub fn poll_raw(fd: c_int, events: i16, timeout_ms: c_int) -> Result<i16> {
    let mut p = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: `p` is one valid pollfd.
    let n = check(unsafe { libc::poll(&mut p, 1, timeout_ms) })?;
    Ok(if n == 0 { 0 } else { p.revents })
}

/// close(2) of a descriptor handed back by C, EINTR counted as closed (Linux always closes).
pub fn close_raw(fd: c_int) {
    // SAFETY: closing a number cannot violate memory safety; the caller gives it up.
    unsafe { libc::close(fd) };
}

// ---- sd-login, processes and peers (src/login/pid.rs) ----

/// statfs(2)'s f_type for `path`: which file system is mounted there.
pub fn statfs_type(path: &CStr) -> Result<i64> {
    // SAFETY: an all-zero statfs is a valid out-buffer.
    let mut st: libc::statfs = unsafe { core::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `st` writable.
    check(unsafe { libc::statfs(path.as_ptr(), &mut st) })?;
    Ok(st.f_type as i64)
}

/// The peer's credentials of a connected AF_UNIX socket (SO_PEERCRED), and the length the
/// kernel reported for them.
pub fn peer_cred(fd: c_int) -> Result<(libc::ucred, usize)> {
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = core::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes given.
    check(unsafe {
        libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_PEERCRED, (&mut cred as *mut libc::ucred).cast(), &mut len)
    })?;
    Ok((cred, len as usize))
}

/// readlink(2) into `buf`: the number of bytes of the target placed there (cut short when the
/// target is as long as `buf` or longer; the caller retries with more room).
pub fn readlink(path: &CStr, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: `path` is NUL-terminated; `buf` is writable for its length, which the kernel respects.
    check_size(unsafe { libc::readlink(path.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) })
}
