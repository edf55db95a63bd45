//! sd_watchdog_enabled(): is the manager expecting `WATCHDOG=1` from this process, and how often.

use crate::env;
use crate::errno::{Errno, Result};
use crate::parse;
use crate::sys;

/// Ok(Some(usec)) when enabled for this process, Ok(None) when not (unset, or another pid's).
pub fn enabled() -> Result<Option<u64>> {
    let Some(usec) = env::get(env::WATCHDOG_USEC) else {
        return Ok(None);
    };
    let usec = parse::safe_atou64(usec)?;
    // systemd's timestamp_is_set(): 0 and infinity are not intervals.
    if usec == 0 || usec == u64::MAX {
        return Err(Errno::EINVAL);
    }
    if let Some(pid) = env::get(env::WATCHDOG_PID) {
        if parse::parse_pid(pid)? != sys::getpid() {
            return Ok(None);
        }
    }
    Ok(Some(usec))
}

/// libsystemd removes both variables on every path when asked, whatever it found.
pub fn unset_environment() {
    env::unset(env::WATCHDOG_USEC);
    env::unset(env::WATCHDOG_PID);
}
