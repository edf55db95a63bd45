//! sd_booted(): was this system booted by systemd? systemd creates /run/systemd/system/ very
//! early during boot, and nothing else does.

use crate::errno::{Errno, Result};
use crate::sys;

pub fn booted() -> Result<bool> {
    match sys::faccessat_nofollow(c"/run/systemd/system/", libc::F_OK) {
        Ok(()) => Ok(true),
        Err(Errno::ENOENT) => Ok(false),
        Err(e) => Err(e),
    }
}
