//! Errors as values. Everything below the C surface returns `Result<_, Errno>`; the surface turns
//! it into libsystemd's `-errno` once (see `ffi.rs`).

use libc::c_int;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub c_int);

pub type Result<T> = core::result::Result<T, Errno>;

impl Errno {
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const ERANGE: Errno = Errno(libc::ERANGE);
    pub const ENAMETOOLONG: Errno = Errno(libc::ENAMETOOLONG);
    pub const EBADF: Errno = Errno(libc::EBADF);
    pub const ENOBUFS: Errno = Errno(libc::ENOBUFS);
    pub const EMSGSIZE: Errno = Errno(libc::EMSGSIZE);
    pub const ETIMEDOUT: Errno = Errno(libc::ETIMEDOUT);
    pub const EIO: Errno = Errno(libc::EIO);
    pub const EPROTO: Errno = Errno(libc::EPROTO);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const ENOTDIR: Errno = Errno(libc::ENOTDIR);
    pub const EADDRINUSE: Errno = Errno(libc::EADDRINUSE);
    pub const EPFNOSUPPORT: Errno = Errno(libc::EPFNOSUPPORT);
    pub const ENXIO: Errno = Errno(libc::ENXIO);
    pub const EPERM: Errno = Errno(libc::EPERM);
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    pub const EINTR: Errno = Errno(libc::EINTR);
    pub const ENOSYS: Errno = Errno(libc::ENOSYS);
    pub const ENOMEDIUM: Errno = Errno(libc::ENOMEDIUM);
    pub const ENOPKG: Errno = Errno(libc::ENOPKG);

    /// The calling thread's `errno`, read right after a failed libc call.
    pub fn last() -> Errno {
        // SAFETY: __errno_location always returns a valid pointer to this thread's errno.
        Errno(unsafe { *libc::__errno_location() })
    }

    /// systemd's ERRNO_IS_NOT_SUPPORTED(): the errnos that mean "this kind of socket does not exist here".
    pub fn is_not_supported(self) -> bool {
        matches!(
            self.0,
            libc::EOPNOTSUPP
                | libc::ENOTTY
                | libc::ENOSYS
                | libc::EAFNOSUPPORT
                | libc::EPFNOSUPPORT
                | libc::EPROTONOSUPPORT
                | libc::ESOCKTNOSUPPORT
                | libc::ENOPROTOOPT
        )
    }

    /// systemd's ERRNO_IS_PRIVILEGE().
    pub fn is_privilege(self) -> bool {
        matches!(self.0, libc::EPERM | libc::EACCES)
    }
}

/// The one place where a result becomes libsystemd's return convention.
pub fn to_c(r: Result<c_int>) -> c_int {
    match r {
        Ok(v) => v,
        Err(Errno(e)) => -e,
    }
}

pub fn set_errno(e: c_int) {
    // SAFETY: as in `last`.
    unsafe { *libc::__errno_location() = e }
}
