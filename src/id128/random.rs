//! Random IDs from the kernel's generator, as libsystemd's random_bytes() takes them: getrandom()
//! with GRND_INSECURE, so that a call early at boot never blocks (older kernels: GRND_NONBLOCK,
//! then /dev/urandom).

use super::file::read_up_to;
use super::{make_v4, Id, NULL};
use crate::errno::{Errno, Result};
use crate::sys;

pub fn v4() -> Result<Id> {
    let mut id = NULL;
    fill(&mut id)?;
    Ok(make_v4(id))
}

fn fill(buf: &mut [u8]) -> Result<()> {
    let mut flags = libc::GRND_INSECURE;
    let mut n = 0;
    while let Some(rest) = buf.get_mut(n..).filter(|rest| !rest.is_empty()) {
        match sys::getrandom(rest, flags) {
            Ok(k) => n += k,
            Err(Errno::EINTR) => {}
            // GRND_INSECURE is Linux 5.6+.
            Err(Errno::EINVAL) if flags == libc::GRND_INSECURE => flags = libc::GRND_NONBLOCK,
            Err(Errno::EAGAIN | Errno::ENOSYS) => return from_urandom(rest),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The last resort, which never blocks either. libsystemd 252 would fall back further, to a
/// pseudo-random generator; failing here is left to the caller (it does not happen on a system
/// with /dev/urandom).
fn from_urandom(buf: &mut [u8]) -> Result<()> {
    let fd = sys::open_read(c"/dev/urandom")?;
    match read_up_to(&fd, buf)? {
        n if n == buf.len() => Ok(()),
        _ => Err(Errno::EIO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differs_and_is_v4() {
        let a = v4().unwrap();
        let b = v4().unwrap();
        assert_ne!(a, b);
        for id in [a, b] {
            assert_eq!(id[6] >> 4, 4);
            assert_eq!(id[8] >> 6, 2);
        }
    }
}
