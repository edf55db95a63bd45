//! The sd_is_* family: what kind of file is behind a passed fd. Argument checks come first, in
//! libsystemd's order, before the fd is looked at; nothing here changes the fd.

use crate::bytes::put;
use crate::errno::{Errno, Result};
use crate::sys::{self, SockName};
use core::ffi::CStr;
use libc::c_int;

const SA_FAMILY_LEN: usize = 2;
const SOCKADDR_IN_LEN: usize = core::mem::size_of::<libc::sockaddr_in>();
const SOCKADDR_IN6_LEN: usize = core::mem::size_of::<libc::sockaddr_in6>();

fn file_type(st: &libc::stat) -> u32 {
    st.st_mode & libc::S_IFMT
}

/// systemd's stat_inode_same(): same file type, device and inode.
fn same_inode(a: &libc::stat, b: &libc::stat) -> bool {
    file_type(a) != 0 && file_type(a) == file_type(b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino
}

/// stat(path) for the fifo/special checks: a path that does not exist (or runs through a
/// non-directory) is just not a match.
fn stat_or_absent(path: &CStr) -> Result<Option<libc::stat>> {
    match sys::stat(path) {
        Ok(st) => Ok(Some(st)),
        Err(Errno::ENOENT | Errno::ENOTDIR) => Ok(None),
        Err(e) => Err(e),
    }
}

fn fstat_checked(fd: c_int) -> Result<libc::stat> {
    if fd < 0 {
        return Err(Errno::EBADF);
    }
    sys::fstat(fd)
}

pub fn is_fifo(fd: c_int, path: Option<&CStr>) -> Result<bool> {
    let st = fstat_checked(fd)?;
    if file_type(&st) != libc::S_IFIFO {
        return Ok(false);
    }
    let Some(path) = path else { return Ok(true) };
    Ok(stat_or_absent(path)?.is_some_and(|p| same_inode(&p, &st)))
}

/// "Special" means a regular file or a character device, as in libsystemd.
pub fn is_special(fd: c_int, path: Option<&CStr>) -> Result<bool> {
    let st = fstat_checked(fd)?;
    let kind = file_type(&st);
    if kind != libc::S_IFREG && kind != libc::S_IFCHR {
        return Ok(false);
    }
    let Some(path) = path else { return Ok(true) };
    let Some(p) = stat_or_absent(path)? else { return Ok(false) };
    Ok(match (kind, file_type(&p)) {
        (libc::S_IFREG, libc::S_IFREG) => same_inode(&p, &st),
        (libc::S_IFCHR, libc::S_IFCHR) => p.st_rdev == st.st_rdev,
        _ => false,
    })
}

fn getsockopt_exact(fd: c_int, name: c_int) -> Result<c_int> {
    match sys::getsockopt_int(fd, libc::SOL_SOCKET, name)? {
        (v, 4) => Ok(v),
        _ => Err(Errno::EINVAL),
    }
}

/// systemd's is_socket_internal(): a socket, of `kind` (0: any), listening or not (< 0: either).
fn is_socket_of(fd: c_int, kind: c_int, listening: c_int) -> Result<bool> {
    if fd < 0 {
        return Err(Errno::EBADF);
    }
    if kind < 0 {
        return Err(Errno::EINVAL);
    }
    if file_type(&sys::fstat(fd)?) != libc::S_IFSOCK {
        return Ok(false);
    }
    if kind != 0 && getsockopt_exact(fd, libc::SO_TYPE)? != kind {
        return Ok(false);
    }
    if listening >= 0 && (getsockopt_exact(fd, libc::SO_ACCEPTCONN)? != 0) != (listening != 0) {
        return Ok(false);
    }
    Ok(true)
}

fn sockname(fd: c_int) -> Result<SockName> {
    let name = sys::getsockname(fd)?;
    if name.len < SA_FAMILY_LEN {
        return Err(Errno::EINVAL);
    }
    Ok(name)
}

fn family_of(bytes: &[u8]) -> c_int {
    match bytes {
        [a, b, ..] => u16::from_ne_bytes([*a, *b]) as c_int,
        _ => libc::AF_UNSPEC,
    }
}

pub fn is_socket(fd: c_int, family: c_int, kind: c_int, listening: c_int) -> Result<bool> {
    if fd < 0 {
        return Err(Errno::EBADF);
    }
    if family < 0 {
        return Err(Errno::EINVAL);
    }
    if !is_socket_of(fd, kind, listening)? {
        return Ok(false);
    }
    if family > 0 {
        return Ok(family_of(&sockname(fd)?.bytes) == family);
    }
    Ok(true)
}

/// `port` is in host byte order (0: any).
pub fn is_socket_inet(fd: c_int, family: c_int, kind: c_int, listening: c_int, port: u16) -> Result<bool> {
    if fd < 0 {
        return Err(Errno::EBADF);
    }
    if !matches!(family, 0 | libc::AF_INET | libc::AF_INET6) {
        return Err(Errno::EINVAL);
    }
    if !is_socket_of(fd, kind, listening)? {
        return Ok(false);
    }
    let name = sockname(fd)?;
    let bound = family_of(&name.bytes);
    if !matches!(bound, libc::AF_INET | libc::AF_INET6) || (family != 0 && bound != family) {
        return Ok(false);
    }
    // sin_port and sin6_port sit at the same offset, in network byte order.
    Ok(port == 0 || u16::from_be_bytes([name.bytes[2], name.bytes[3]]) == port)
}

/// `addr` holds the caller's address, at most `sizeof(struct sockaddr_in6)` bytes of it;
/// `addr_len` is the length the caller declared.
pub fn is_socket_sockaddr(fd: c_int, kind: c_int, addr: Option<&[u8]>, addr_len: usize, listening: c_int) -> Result<bool> {
    if fd < 0 {
        return Err(Errno::EBADF);
    }
    let addr = addr.ok_or(Errno::EINVAL)?;
    if addr_len < SA_FAMILY_LEN {
        return Err(Errno::ENOBUFS);
    }
    let family = family_of(addr);
    if !matches!(family, libc::AF_INET | libc::AF_INET6) {
        return Err(Errno::EPFNOSUPPORT);
    }
    if !is_socket_of(fd, kind, listening)? {
        return Ok(false);
    }
    let name = sockname(fd)?;
    if family_of(&name.bytes) != family {
        return Ok(false);
    }
    let theirs = |r: core::ops::Range<usize>| addr.get(r).unwrap_or_default();
    let ours = |r: core::ops::Range<usize>| name.bytes.get(r).unwrap_or_default();
    let equal = |r: core::ops::Range<usize>| theirs(r.clone()) == ours(r);
    // A field the caller left zero matches anything.
    let unset_or_equal = |r: core::ops::Range<usize>| theirs(r.clone()).iter().all(|&b| b == 0) || equal(r);
    if family == libc::AF_INET {
        if name.len < SOCKADDR_IN_LEN || addr_len < SOCKADDR_IN_LEN {
            return Err(Errno::EINVAL);
        }
        // sin_port 2..4, sin_addr 4..8 (compared exactly: 0.0.0.0 is no wildcard).
        return Ok(unset_or_equal(2..4) && equal(4..8));
    }
    if name.len < SOCKADDR_IN6_LEN || addr_len < SOCKADDR_IN6_LEN {
        return Err(Errno::EINVAL);
    }
    // sin6_port 2..4, sin6_flowinfo 4..8, sin6_addr 8..24, sin6_scope_id 24..28.
    Ok(unset_or_equal(2..4) && unset_or_equal(4..8) && unset_or_equal(24..28) && equal(8..24))
}

/// How sd_is_socket_unix() was asked to match the path: `length` is the caller's (0: strlen of
/// the path), and `prefix(k)` reads the first k bytes of the caller's path. libsystemd reads the
/// path only as far as a comparison needs, so we do too.
pub fn is_socket_unix<'a>(
    fd: c_int,
    kind: c_int,
    listening: c_int,
    path: Option<(usize, impl Fn(usize) -> &'a [u8])>,
) -> Result<bool> {
    if fd < 0 {
        return Err(Errno::EBADF);
    }
    if !is_socket_of(fd, kind, listening)? {
        return Ok(false);
    }
    let name = sockname(fd)?;
    if family_of(&name.bytes) != libc::AF_UNIX {
        return Ok(false);
    }
    let Some((length, prefix)) = path else { return Ok(true) };
    let sun_path = |n: usize| name.bytes.get(SA_FAMILY_LEN..SA_FAMILY_LEN.saturating_add(n));
    if length == 0 {
        // Unnamed (e.g. socketpair).
        return Ok(name.len == SA_FAMILY_LEN);
    }
    // libsystemd's size_t arithmetic, wrapping included: length SIZE_MAX makes `length + 1` 0,
    // and then nothing is compared.
    if prefix(1).first() != Some(&0) {
        // A path: the first `length` bytes and the byte after them (so a shorter `length` than
        // the path's is a "prefix plus one more byte" match, as in libsystemd).
        let compared = length.wrapping_add(1);
        // The caller's bytes are read only once the socket's own name is known to be that long
        // (at most 108 bytes): a wrapped length never becomes a slice of the caller's memory.
        return Ok(name.len >= SA_FAMILY_LEN.wrapping_add(compared)
            && sun_path(compared).is_some_and(|ours| prefix(compared) == ours));
    }
    // Abstract: `length` counts the leading NUL and must cover the whole name.
    Ok(name.len == SA_FAMILY_LEN.wrapping_add(length) && sun_path(length).is_some_and(|ours| prefix(length) == ours))
}

/// `path` is the caller's (absolute) queue name, e.g. "/myqueue".
pub fn is_mq(fd: c_int, path: Option<&CStr>) -> Result<bool> {
    sys::fd_flags(fd)?;
    match sys::mq_getattr(fd) {
        Ok(()) => {}
        // A valid fd that is not a queue.
        Err(Errno::EBADF) => return Ok(false),
        Err(e) => return Err(e),
    }
    let Some(path) = path else { return Ok(true) };
    if path.to_bytes().first() != Some(&b'/') {
        return Err(Errno::EINVAL);
    }
    let st = sys::fstat(fd)?;
    let mut buf = [0u8; libc::PATH_MAX as usize];
    // Too long for the kernel: answer as stat(2) would have, errno included (libsystemd's
    // stat call leaves it set, and callers can see that).
    let full = join(&mut buf, b"/dev/mqueue", path.to_bytes()).ok_or_else(|| {
        crate::errno::set_errno(libc::ENAMETOOLONG);
        Errno::ENAMETOOLONG
    })?;
    Ok(same_inode(&st, &sys::stat(full)?))
}

/// `dir` + `name` as a C string in `buf`; None when it does not fit, i.e. when the kernel would
/// refuse it as too long anyway.
fn join<'b>(buf: &'b mut [u8], dir: &[u8], name: &[u8]) -> Option<&'b CStr> {
    let len = dir.len() + name.len();
    if len + 1 > buf.len() {
        return None;
    }
    put(buf, 0, dir);
    put(buf, dir.len(), name);
    put(buf, len, &[0]);
    CStr::from_bytes_with_nul(buf.get(..=len)?).ok()
}
