//! Getting an encoded entry to journald: one datagram on the process-wide socket, or, when the
//! kernel will not take it as one (too big, or the receiver's queue is full), the same bytes in a
//! sealed memfd whose descriptor is sent instead.

use crate::cmsg;
use crate::errno::{Errno, Result};
use crate::sys::{self, Borrowed, Fd, ForkFlag, IoSlice};
use core::sync::atomic::{AtomicU64, Ordering};
use libc::c_int;

/// `struct sockaddr_un` for /run/systemd/journal/socket, as long as libsystemd passes it
/// (family, path, NUL: 30 bytes).
const ADDRESS: [u8; 30] = {
    let path = b"/run/systemd/journal/socket";
    let mut a = [0u8; 30];
    let family = (libc::AF_UNIX as u16).to_ne_bytes();
    a[0] = family[0];
    a[1] = family[1];
    let mut i = 0;
    while i < path.len() {
        a[2 + i] = path[i];
        i += 1;
    }
    a
};

/// The one socket every thread of the process sends on, made at first use and kept (as
/// libsystemd keeps its own), published together with (the low half of) its inode in one word:
/// after a fork the number is ours only if it still names that socket, and a thread must never
/// see the number without the inode that goes with it.
static SOCKET: AtomicU64 = AtomicU64::new(NO_SOCKET);
const NO_SOCKET: u64 = u64::MAX;
/// Cleared by the kernel in a child process: the socket must then be checked before use.
static CHECKED_IN_THIS_PROCESS: ForkFlag = ForkFlag::new();

fn pack(fd: c_int, inode: u64) -> u64 {
    ((inode as u32 as u64) << 32) | fd as u32 as u64
}

fn fd_of(state: u64) -> c_int {
    state as u32 as c_int
}

/// The process-wide socket. libsystemd trusts the number it cached even in a child that has
/// closed it or reused it for another file (its datagrams then fail or go to that file); here
/// a child checks once, and opens its own socket if the number is no longer ours.
fn socket() -> Result<c_int> {
    let state = SOCKET.load(Ordering::Acquire);
    let fd = fd_of(state);
    if fd >= 0 {
        if CHECKED_IN_THIS_PROCESS.is_set() {
            return Ok(fd);
        }
        if is_ours(state) {
            CHECKED_IN_THIS_PROCESS.set();
            return Ok(fd);
        }
    }
    let new = sys::socket(libc::AF_UNIX, libc::SOCK_DGRAM)?;
    sys::grow_send_buffer(&new);
    let inode = sys::fstat(new.raw()).map_or(0, |st| st.st_ino);
    // Threads racing here each made a socket; one wins, the others close theirs (no lock, so
    // this stays async-signal-safe), and every thread then sends on the winner's.
    match SOCKET.compare_exchange(state, pack(new.raw(), inode), Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {
            CHECKED_IN_THIS_PROCESS.set();
            Ok(sys::into_raw(new))
        }
        Err(theirs) => Ok(fd_of(theirs)),
    }
}

fn is_ours(state: u64) -> bool {
    sys::fstat(fd_of(state))
        .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFSOCK && pack(fd_of(state), st.st_ino) == state)
}

/// Sends the entry whose wire form is `pieces` (at most UIO_MAXIOV of them). Like libsystemd:
/// no journald (ENOENT) is success, and so is a payload handed over in a memfd.
pub fn send(pieces: &mut [IoSlice]) -> Result<()> {
    let fd = Borrowed(socket()?);
    match sys::sendmsg_pieces(&fd, &ADDRESS, pieces, &[], libc::MSG_NOSIGNAL) {
        Ok(_) | Err(Errno::ENOENT) => return Ok(()),
        Err(Errno(libc::EMSGSIZE | libc::ENOBUFS | libc::EAGAIN)) => {}
        Err(e) => return Err(e),
    }
    let (file, sealable) = payload_file()?;
    sys::writev_all(&file, pieces)?;
    if sealable {
        sys::add_seals(&file, libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL)?;
    }
    let mut control = cmsg::Aligned([0u8; cmsg::space(core::mem::size_of::<c_int>())]);
    cmsg::write(&mut control.0, 1, &[file.raw()], None);
    match sys::sendmsg_pieces(&fd, &ADDRESS, &[], &control.0, libc::MSG_NOSIGNAL) {
        Ok(_) | Err(Errno::ENOENT) => Ok(()),
        Err(e) => Err(e),
    }
}

/// A memfd named `sd-<thread name>` (journald shows it in its logs), or where the kernel has no
/// memfd_create, an unlinked file in /dev/shm that cannot be sealed.
fn payload_file() -> Result<(Fd, bool)> {
    let mut name = [0u8; 3 + 16 * 3 + 1];
    let name = memfd_name(&mut name);
    match sys::memfd_create(name, libc::MFD_ALLOW_SEALING | libc::MFD_CLOEXEC) {
        Ok(fd) => Ok((fd, true)),
        Err(Errno(libc::ENOSYS)) => {
            let mut template = *b"/dev/shm/systemd-tmp-XXXXXX\0";
            sys::open_tmpfile_unlinkable(c"/dev/shm", &mut template).map(|fd| (fd, false))
        }
        Err(e) => Err(e),
    }
}

/// "sd-" and the calling thread's name with invalid UTF-8 replaced by U+FFFD, or "sd" when the
/// thread has no name: libsystemd's memfd_new(NULL).
fn memfd_name(buf: &mut [u8; 52]) -> &core::ffi::CStr {
    let mut comm = [0u8; 17];
    let comm = sys::thread_name(&mut comm);
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        crate::bytes::put(buf, at, bytes);
        at += bytes.len();
    };
    if comm.is_empty() {
        put(b"sd");
    } else {
        put(b"sd-");
        let mut rest = comm;
        while !rest.is_empty() {
            let n = utf8_char_len(rest);
            if n == 0 {
                put("\u{fffd}".as_bytes());
            } else {
                put(rest.get(..n).unwrap_or_default());
            }
            rest = rest.get(n.max(1)..).unwrap_or_default();
        }
    }
    core::ffi::CStr::from_bytes_until_nul(buf).unwrap_or(c"sd")
}

/// The length of the valid UTF-8 character `s` starts with, 0 if it does not start with one, by
/// systemd's rules (utf8_encoded_valid_unichar): no overlong forms, surrogates, code points
/// beyond U+10FFFF, U+FDD0..U+FDEF or U+xxFFFE/U+xxFFFF.
fn utf8_char_len(s: &[u8]) -> usize {
    let (n, init) = match s.first() {
        Some(&c) if c < 0x80 => return 1,
        Some(&c) if c & 0xe0 == 0xc0 => (2, u32::from(c & 0x1f)),
        Some(&c) if c & 0xf0 == 0xe0 => (3, u32::from(c & 0x0f)),
        Some(&c) if c & 0xf8 == 0xf0 => (4, u32::from(c & 0x07)),
        _ => return 0,
    };
    let Some(tail) = s.get(1..n) else { return 0 };
    let mut ch = init;
    for &c in tail {
        if c & 0xc0 != 0x80 {
            return 0;
        }
        ch = (ch << 6) | u32::from(c & 0x3f);
    }
    let shortest = match ch {
        0..=0x7f => 1,
        0x80..=0x7ff => 2,
        0x800..=0xffff => 3,
        _ => 4,
    };
    let valid = ch < 0x110000 && ch & 0xffff_f800 != 0xd800 && !(0xfdd0..=0xfdef).contains(&ch) && ch & 0xfffe != 0xfffe;
    if valid && shortest == n {
        n
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn utf8_by_systemds_rules() {
        use super::utf8_char_len as len;
        assert_eq!(len(b"a"), 1);
        assert_eq!(len("\u{e9}".as_bytes()), 2);
        assert_eq!(len("\u{20ac}".as_bytes()), 3);
        assert_eq!(len("\u{1f600}".as_bytes()), 4);
        for bad in [&b"\x80"[..], b"\xc0\x80", b"\xed\xa0\x80", b"\xef\xbf\xbe", b"\xef\xb7\x90", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xff"] {
            assert_eq!(len(bad), 0, "{bad:?}");
        }
    }

    #[test]
    fn address_is_the_journal_socket() {
        assert_eq!(&super::ADDRESS[2..29], b"/run/systemd/journal/socket");
        assert_eq!(super::ADDRESS[29], 0);
    }
}
