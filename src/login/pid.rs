//! The process side of sd-login: a process's cgroup path read from `/proc/PID/cgroup` (from the
//! line of the hierarchy systemd manages, as 252 finds it on a unified, hybrid or legacy layout),
//! shifted by PID 1's root, and what `cgroup.rs` reads from it; the peer of a socket
//! (SO_PEERCRED); and the process a pidfd refers to (its fdinfo), checked again afterwards.
//!
//! Answers are malloc'd buffers (`CBuf`) that the C surface hands over as strings.

use super::cgroup::{self, Hierarchy};
use crate::bytes::decimal;
use crate::cbuf::{read_file, CBuf};
use crate::errno::{Errno, Result};
use crate::sys;
use core::ffi::CStr;
use libc::pid_t;

/// What is asked about a process; each is one of systemd's cg_pid_get_*().
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Query {
    Session,
    Unit,
    UserUnit,
    MachineName,
    Slice,
    UserSlice,
    /// The raw (unshifted) path of sd_pid_get_cgroup(), "/" for the root.
    Cgroup,
}

// statfs(2) f_type values (linux/magic.h).
const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;
const TMPFS_MAGIC: i64 = 0x0102_1994;

/// systemd's cg_unified_cached() reduced to what its own controller needs: on cgroup2 at
/// /sys/fs/cgroup, on the hybrid layout (cgroup2 at /sys/fs/cgroup/unified) and on the v232
/// layout (cgroup2 at /sys/fs/cgroup/systemd) its path is the "0::" line; otherwise (a v1
/// hierarchy at /sys/fs/cgroup/systemd, or anything else mounted there) the "name=systemd" one.
/// Nothing (or sysfs, or an unknown file system) at /sys/fs/cgroup, or a tmpfs there without a
/// systemd/ below it, is -ENOMEDIUM. Looked at on every call (252 caches it per thread): a
/// process that changes its mount namespace gets the answer for the new one.
fn hierarchy() -> Result<Hierarchy> {
    match sys::statfs_type(c"/sys/fs/cgroup/")? {
        CGROUP2_SUPER_MAGIC => Ok(Hierarchy::Unified),
        TMPFS_MAGIC => {
            if sys::statfs_type(c"/sys/fs/cgroup/unified/") == Ok(CGROUP2_SUPER_MAGIC) {
                return Ok(Hierarchy::Unified);
            }
            // No name=systemd hierarchy next to the tmpfs: a setup 252 does not recognise.
            let systemd = sys::statfs_type(c"/sys/fs/cgroup/systemd/").map_err(|e| {
                if e == Errno::ENOENT {
                    Errno::ENOMEDIUM
                } else {
                    e
                }
            })?;
            // A v1 hierarchy there, or any other file system, is the legacy layout to 252.
            Ok(if systemd == CGROUP2_SUPER_MAGIC { Hierarchy::Unified } else { Hierarchy::Legacy })
        }
        _ => Err(Errno::ENOMEDIUM),
    }
}

/// `parts` joined into `buf` as a C string; -ENAMETOOLONG if they do not fit.
fn join<'a>(buf: &'a mut [u8], parts: &[&[u8]]) -> Result<&'a CStr> {
    let mut at = 0usize;
    for p in parts {
        let dst = buf.get_mut(at..at + p.len()).ok_or(Errno::ENAMETOOLONG)?;
        dst.copy_from_slice(p);
        at += p.len();
    }
    *buf.get_mut(at).ok_or(Errno::ENAMETOOLONG)? = 0;
    CStr::from_bytes_with_nul(buf.get(..=at).unwrap_or_default()).map_err(|_| Errno::EINVAL)
}

/// A path inside a buffer that holds the file it was read from.
pub struct CgroupPath {
    buf: CBuf,
    start: usize,
    end: usize,
}

impl CgroupPath {
    pub fn bytes(&self) -> &[u8] {
        self.buf.as_slice().get(self.start..self.end).unwrap_or_default()
    }
}

/// systemd's cg_pid_get_path() for its own controller (`pid` 0 is the caller): -ESRCH when
/// there is no such process, -ENODATA when its file has no line for the hierarchy.
pub fn pid_path(pid: pid_t) -> Result<CgroupPath> {
    let h = hierarchy()?;
    let mut digits = [0u8; 20];
    let mut name = [0u8; 40];
    let file = if pid == 0 {
        c"/proc/self/cgroup"
    } else {
        join(&mut name, &[b"/proc/", decimal(pid.into(), &mut digits), b"/cgroup"])?
    };
    let buf = read_file(file).map_err(|e| if e == Errno::ENOENT { Errno(libc::ESRCH) } else { e })?;
    let content = buf.as_slice();
    let path = cgroup::find_path(content, h)?;
    let start = path.as_ptr() as usize - content.as_ptr() as usize;
    let end = start + path.len();
    Ok(CgroupPath { buf, start, end })
}

/// systemd's cg_pid_get_path_shifted() with the root from PID 1: inside a container whose tree
/// hangs below a cgroup of the host, paths are seen relative to that cgroup.
pub fn pid_path_shifted(pid: pid_t) -> Result<CgroupPath> {
    let mut p = pid_path(pid)?;
    let init = pid_path(1)?;
    let root = cgroup::root_from_pid1(init.bytes());
    let whole = p.bytes();
    let shifted = cgroup::shift_path(whole, root);
    p.start += whole.len() - shifted.len();
    Ok(p)
}

/// The machine registered for `unit`: the target of /run/systemd/machines/unit:UNIT.
fn machine_of_unit(unit: &[u8]) -> Result<CBuf> {
    let mut name = [0u8; 300];
    let link = join(&mut name, &[b"/run/systemd/machines/unit:", unit])?;
    let mut out = CBuf::new();
    let mut room = 4096usize;
    loop {
        out.reserve(room)?;
        let spare = out.spare();
        let n = sys::readlink(link, spare)?;
        if n < spare.len() {
            out.grow_into_spare(n);
            return Ok(out);
        }
        room = room.checked_mul(2).ok_or(Errno::ENOMEM)?;
    }
}

/// One of systemd's cg_pid_get_*() (and sd_pid_get_cgroup()), without the public functions'
/// errno mapping.
pub fn pid_get(pid: pid_t, q: Query) -> Result<CBuf> {
    if q == Query::Cgroup {
        let p = pid_path(pid)?;
        let b = p.bytes();
        return CBuf::from_bytes(if b.is_empty() { b"/" } else { b });
    }
    let p = pid_path_shifted(pid)?;
    let path = p.bytes();
    let answer = match q {
        Query::Session => cgroup::path_get_session(path)?,
        Query::Unit => cgroup::path_get_unit(path)?,
        Query::UserUnit => cgroup::path_get_user_unit(path)?,
        Query::Slice => cgroup::path_get_slice(path)?,
        Query::UserSlice => cgroup::path_get_user_slice(path)?,
        Query::MachineName => return machine_of_unit(cgroup::path_get_unit(path)?),
        Query::Cgroup => path,
    };
    CBuf::from_bytes(answer)
}

/// systemd's cg_pid_get_owner_uid().
pub fn pid_owner_uid(pid: pid_t) -> Result<u32> {
    let p = pid_path_shifted(pid)?;
    cgroup::path_get_owner_uid(p.bytes())
}

/// The public sd_pid_get_*() functions report "no such unit/slice/session here" and "no cgroup
/// file system" alike as -ENODATA.
pub fn public_errno<T>(r: Result<T>) -> Result<T> {
    r.map_err(|e| if e == Errno::ENXIO || e == Errno::ENOMEDIUM { Errno(libc::ENODATA) } else { e })
}

/// systemd's getpeercred() for the pid: -ENODATA when the kernel has none to give (an
/// unconnected socket, a peer in a pid namespace we cannot see).
pub fn peer_pid(fd: libc::c_int) -> Result<pid_t> {
    let (cred, len) = sys::peer_cred(fd)?;
    if len != core::mem::size_of::<libc::ucred>() {
        return Err(Errno::EIO);
    }
    if cred.pid <= 0 {
        return Err(Errno(libc::ENODATA));
    }
    Ok(cred.pid)
}

const WHITESPACE: &[u8] = b" \t\n\r";

/// The pid a pidfd refers to, from the "Pid:" line of /proc/self/fdinfo/FD: -EBADF when no such
/// fd is open, -ENOTTY when it is not a pidfd, -ESRCH when its process has been reaped ("-1"),
/// -EREMOTE when the process is in a pid namespace we cannot see ("0").
pub fn pidfd_pid(fd: libc::c_int) -> Result<pid_t> {
    if fd < 0 {
        return Err(Errno::EBADF);
    }
    let mut digits = [0u8; 20];
    let mut name = [0u8; 48];
    let file = join(&mut name, &[b"/proc/self/fdinfo/", decimal(fd.into(), &mut digits)])?;
    let info = read_file(file).map_err(|e| if e == Errno::ENOENT { Errno::EBADF } else { e })?;
    let text = info.as_slice();
    let at = if text.starts_with(b"Pid:") {
        4
    } else {
        let i = text.windows(5).position(|w| w == b"\nPid:").ok_or(Errno(libc::ENOTTY))?;
        i + 5
    };
    let value = first_word(text.get(at..).unwrap_or_default());
    match value {
        b"0" => return Err(Errno(libc::EREMOTE)),
        b"-1" => return Err(Errno(libc::ESRCH)),
        _ => {}
    }
    let mut num = [0u8; 32];
    let s = join(&mut num, &[value]).map_err(|_| Errno::ERANGE)?;
    crate::parse::parse_pid(s)
}

/// The first word of `s` after leading whitespace.
fn first_word(s: &[u8]) -> &[u8] {
    let skip = s.iter().take_while(|c| WHITESPACE.contains(c)).count();
    let s = s.get(skip..).unwrap_or_default();
    let n = s.iter().position(|c| WHITESPACE.contains(c)).unwrap_or(s.len());
    s.get(..n).unwrap_or_default()
}

/// sd_pidfd_get_*(): the answer for the pidfd's process, given only if the pidfd still refers
/// to that same live process afterwards (its pid may have been reused meanwhile otherwise).
pub fn pidfd_get<T>(fd: libc::c_int, f: impl FnOnce(pid_t) -> Result<T>) -> Result<T> {
    let pid = pidfd_pid(fd)?;
    let answer = f(pid)?;
    if pidfd_pid(fd)? != pid {
        return Err(Errno(libc::ESRCH));
    }
    Ok(answer)
}
