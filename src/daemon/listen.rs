//! Socket activation: `$LISTEN_PID`, `$LISTEN_FDS`, `$LISTEN_FDNAMES` (and, as systemd 258+ does,
//! `$LISTEN_PIDFDID`) → how many fds from SD_LISTEN_FDS_START on are ours, and their names.

use crate::bytes::put;
use crate::env;
use crate::errno::{Errno, Result};
use crate::parse;
use crate::sys;
use libc::c_int;

pub const LISTEN_FDS_START: c_int = 3;

/// pidfs's magic number: on it, a pidfd's inode number identifies a process for its lifetime.
const PID_FS_MAGIC: i64 = 0x5049_4446;

/// sd_listen_fds() without the environment side effect: the number of fds passed to us (each now
/// close-on-exec), or 0 when none are meant for this process.
pub fn listen_fds() -> Result<c_int> {
    let Some(pid) = env::get(env::LISTEN_PID) else {
        return Ok(0);
    };
    if parse::parse_pid(pid)? != sys::getpid() {
        return Ok(0);
    }
    if let Some(id) = env::get(env::LISTEN_PIDFDID) {
        let id = parse::safe_atou64(id)?;
        // Pids get reused; the pidfd inode id does not. Where it cannot be read (no pidfs), the
        // pid check has to do, as in systemd.
        if own_pidfd_id().is_some_and(|own| own != id) {
            return Ok(0);
        }
    }
    let Some(n) = env::get(env::LISTEN_FDS) else {
        return Ok(0);
    };
    let n = parse::safe_atoi(n)?;
    if n <= 0 || n > c_int::MAX - LISTEN_FDS_START {
        return Err(Errno::EINVAL);
    }
    // The first failure is returned at once; fds already done stay close-on-exec, as in systemd.
    for fd in LISTEN_FDS_START..LISTEN_FDS_START + n {
        set_cloexec(fd)?;
    }
    Ok(n)
}

fn set_cloexec(fd: c_int) -> Result<()> {
    let flags = sys::fd_flags(fd)?;
    if flags & libc::FD_CLOEXEC == 0 {
        sys::set_fd_flags(fd, flags | libc::FD_CLOEXEC)?;
    }
    Ok(())
}

fn own_pidfd_id() -> Option<u64> {
    let fd = sys::pidfd_self().ok()?;
    if sys::fstatfs_type(&fd).ok()? != PID_FS_MAGIC {
        return None;
    }
    Some(sys::fstat(fd.raw()).ok()?.st_ino)
}

/// Removes every LISTEN_* variable (libsystemd does so on every path when asked).
pub fn unset_environment() {
    for name in [env::LISTEN_PID, env::LISTEN_PIDFDID, env::LISTEN_FDS, env::LISTEN_FDNAMES] {
        env::unset(name);
    }
}

/// The fd names for sd_listen_fds_with_names().
pub enum Names<'a> {
    /// `$LISTEN_FDNAMES` as given (escapes still in).
    Given(FdNames<'a>),
    /// No `$LISTEN_FDNAMES`: every fd is "unknown".
    Unknown,
}

/// sd_listen_fds_with_names() without the environment side effect. `$LISTEN_FDNAMES` is checked
/// before anything else, as in libsystemd; `collect` gets the count and the names only when fds
/// are ours and the counts agree, so on every other path the caller's array stays untouched.
pub fn listen_fds_with_names(collect: impl FnOnce(c_int, Names) -> Result<()>) -> Result<c_int> {
    let names = match env::get(env::LISTEN_FDNAMES) {
        Some(v) => Names::Given(FdNames::parse(v.to_bytes())?),
        None => Names::Unknown,
    };
    let n = listen_fds()?;
    if n <= 0 {
        return Ok(n);
    }
    if let Names::Given(given) = &names {
        if given.count() != n as usize {
            return Err(Errno::EINVAL);
        }
    }
    collect(n, names)?;
    Ok(n)
}

/// `$LISTEN_FDNAMES`: names separated by ':', each separator ending a name (so "" is one empty
/// name and ":" two), a backslash taking the next byte literally. systemd's
/// strv_split_full(…, ":", EXTRACT_DONT_COALESCE_SEPARATORS).
pub struct FdNames<'a> {
    raw: &'a [u8],
}

impl<'a> FdNames<'a> {
    /// A trailing lone backslash is an error (-EINVAL), as in extract_first_word().
    pub fn parse(raw: &'a [u8]) -> Result<FdNames<'a>> {
        let mut escaped = false;
        for &c in raw {
            escaped = !escaped && c == b'\\';
        }
        if escaped {
            return Err(Errno::EINVAL);
        }
        Ok(FdNames { raw })
    }

    pub fn count(&self) -> usize {
        self.words().count()
    }

    /// Each name still escaped; `unescape` gives its bytes.
    pub fn words(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let raw = self.raw;
        let mut start = Some(0);
        core::iter::from_fn(move || {
            let rest = raw.get(start?..)?;
            let mut escaped = false;
            for (i, &c) in rest.iter().enumerate() {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b':' {
                    start = start.map(|s| s + i + 1);
                    return rest.get(..i);
                }
            }
            start = None;
            Some(rest)
        })
    }
}

/// Writes `word` without its escapes, and a NUL, into `out` (at least `word.len() + 1` long).
pub fn unescape_to_c(word: &[u8], out: &mut [u8]) {
    let mut n = 0;
    let mut escaped = false;
    for &c in word {
        if !escaped && c == b'\\' {
            escaped = true;
            continue;
        }
        escaped = false;
        put(out, n, &[c]);
        n += 1;
    }
    put(out, n, &[0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Result<Vec<String>> {
        let names = FdNames::parse(s.as_bytes())?;
        Ok(names
            .words()
            .map(|w| {
                let mut out = vec![0xff; w.len() + 1];
                unescape_to_c(w, &mut out);
                let c = std::ffi::CStr::from_bytes_until_nul(&out).unwrap();
                c.to_str().unwrap().to_owned()
            })
            .collect())
    }

    // Rows observed on libsystemd 252 (spec §6 items 41-42).
    #[test]
    fn names_split_like_systemd() {
        assert_eq!(split("a:b").unwrap(), ["a", "b"]);
        assert_eq!(split("").unwrap(), [""]);
        assert_eq!(split(":").unwrap(), ["", ""]);
        assert_eq!(split("a:").unwrap(), ["a", ""]);
        assert_eq!(split("a\\:b").unwrap(), ["a:b"]);
        assert_eq!(split("a\\\\:b").unwrap(), ["a\\", "b"]);
        assert_eq!(split("'x y':\"z\"").unwrap(), ["'x y'", "\"z\""]);
        assert_eq!(split("a\\").err(), Some(Errno::EINVAL));
        assert_eq!(split("a\\\\\\").err(), Some(Errno::EINVAL));
        assert_eq!(split("\\a\\b").unwrap(), ["ab"]);
    }
}
