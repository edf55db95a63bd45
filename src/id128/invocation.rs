//! The invocation ID the service manager gave the unit this process runs in: `$INVOCATION_ID`
//! (user services; ignored when running set-user-ID, as secure_getenv(3) ignores it), else the
//! "invocation_id" key systemd puts in a system service's session keyring, trusted only when
//! root owns it and nobody may change it.

use super::cache::IdCache;
use super::{string, Id};
use crate::errno::{Errno, Result};
use crate::parse::parse_uid;
use crate::{env, sys};
use core::ffi::CStr;

static INVOCATION: IdCache = IdCache::new();

pub fn invocation_id() -> Result<Id> {
    INVOCATION.get_or(|| match env::secure_get(env::INVOCATION_ID) {
        Some(value) => string::parse(value.to_bytes()),
        None => from_keyring(),
    })
}

// From <linux/key.h>: view, read and search, for the possessor and for the owning user.
const KEY_POS_VIEW: u64 = 0x0100_0000;
const KEY_POS_READ: u64 = 0x0200_0000;
const KEY_POS_SEARCH: u64 = 0x0800_0000;
const KEY_USR_VIEW: u64 = 0x0001_0000;
const KEY_USR_READ: u64 = 0x0002_0000;
const KEY_USR_SEARCH: u64 = 0x0008_0000;
/// Anything beyond these (write, link, setattr, or any right for group and others) means
/// someone other than the manager could have put the key there.
const ALLOWED_PERMS: u64 = KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH;

/// A "user" key's description is "user;UID;GID;PERM;invocation_id": under 64 bytes, so a fixed
/// buffer holds it where libsystemd allocates and retries.
const DESCRIPTION_MAX: usize = 256;

fn from_keyring() -> Result<Id> {
    let key = sys::request_key(c"user", c"invocation_id").map_err(no_key_is_enxio)?;
    let mut description = [0u8; DESCRIPTION_MAX];
    let n = sys::keyctl_describe(key, &mut description)?;
    // Cannot happen for this key type and name (see DESCRIPTION_MAX).
    let description = description.get_mut(..n).ok_or(Errno::EIO)?;
    check_description(description)?;
    // Read into our own buffer: 252 reads into its cache, so that a key of the wrong size
    // (-EIO) leaves a partial ID there, which its next call returns as valid.
    let mut id = super::NULL;
    match sys::keyctl_read(key, &mut id)? {
        n if n == id.len() => Ok(id),
        _ => Err(Errno::EIO),
    }
}

/// What libsystemd 252 reads as "there is no invocation key" (no such key, no keyring support,
/// or the key may not be searched): its ERRNO_IS_NOT_SUPPORTED() of that release (without the
/// ENOPROTOOPT later ones have), ERRNO_IS_PRIVILEGE(), and ENOKEY. Other errors (a revoked or
/// expired key) are returned as they are.
fn no_key_is_enxio(e: Errno) -> Errno {
    let not_supported_in_252 = e.is_not_supported() && e.0 != libc::ENOPROTOOPT;
    if not_supported_in_252 || e.is_privilege() || e.0 == libc::ENOKEY {
        Errno::ENXIO
    } else {
        e
    }
}

/// libsystemd's checks on "type;uid;gid;perm;description", made from the right in its order
/// (so its error for each kind of bad key is ours): permissions (hex) within ALLOWED_PERMS,
/// then group 0, then user 0. Each ';' is overwritten with a NUL once its field is checked, as
/// 252 does, which also makes each field a C string for the parsers.
fn check_description(description: &mut [u8]) -> Result<()> {
    let end = description.iter().position(|&c| c == 0).unwrap_or(description.len());
    let perms_end = cut_at_last_semicolon(description, end)?; // the key's own description
    let perms_start = cut_at_last_semicolon(description, perms_end)? + 1;
    let perms = sys::strtoul(field(description, perms_start), 16);
    if let Some(e) = perms.errno {
        return Err(e);
    }
    if perms.consumed == 0 || perms.consumed != perms_end - perms_start {
        return Err(Errno::EIO);
    }
    if perms.value & !ALLOWED_PERMS != 0 {
        return Err(Errno::EPERM);
    }
    let gid_start = cut_at_last_semicolon(description, perms_start - 1)? + 1;
    if parse_uid(field(description, gid_start))? != 0 {
        return Err(Errno::EPERM);
    }
    let uid_start = cut_at_last_semicolon(description, gid_start - 1)? + 1;
    if parse_uid(field(description, uid_start))? != 0 {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// The position of the last ';' before `end`, which becomes a NUL.
fn cut_at_last_semicolon(description: &mut [u8], end: usize) -> Result<usize> {
    let before = description.get_mut(..end).unwrap_or_default();
    let at = before.iter().rposition(|&c| c == b';').ok_or(Errno::EIO)?;
    if let Some(c) = before.get_mut(at) {
        *c = 0;
    }
    Ok(at)
}

/// The C string that starts at `start`.
fn field(description: &[u8], start: usize) -> &CStr {
    CStr::from_bytes_until_nul(description.get(start..).unwrap_or_default()).unwrap_or(c"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) -> Result<()> {
        let mut buf = s.as_bytes().to_vec();
        buf.push(0);
        check_description(&mut buf)
    }

    #[test]
    fn descriptions() {
        assert_eq!(check("user;0;0;0b0b0000;invocation_id"), Ok(()));
        assert_eq!(check("user;0;0;01010000;invocation_id"), Ok(()));
        assert_eq!(check("user;0;0;00000000;invocation_id"), Ok(()));
        assert_eq!(check("user;0;0;3f010000;invocation_id"), Err(Errno::EPERM));
        assert_eq!(check("user;0;0;0b0b0001;invocation_id"), Err(Errno::EPERM));
        assert_eq!(check("user;0;1000;0b0b0000;invocation_id"), Err(Errno::EPERM));
        assert_eq!(check("user;1000;0;0b0b0000;invocation_id"), Err(Errno::EPERM));
        assert_eq!(check("user;65535;0;0b0b0000;invocation_id"), Err(Errno::ENXIO));
        assert_eq!(check("user;0;;0b0b0000;invocation_id"), Err(Errno::EINVAL));
        assert_eq!(check("user;0;0;;invocation_id"), Err(Errno::EIO));
        assert_eq!(check("user;0;0;0b0b0000x;invocation_id"), Err(Errno::EIO));
        assert_eq!(check("0;0b0b0000;invocation_id"), Err(Errno::EIO));
        assert_eq!(check("invocation_id"), Err(Errno::EIO));
        assert_eq!(check(""), Err(Errno::EIO));
        // The permission check comes before the owner's.
        assert_eq!(check("user;1000;1000;3f3f0000;invocation_id"), Err(Errno::EPERM));
        assert_eq!(check("user;0;65535;3f3f0000;invocation_id"), Err(Errno::EPERM));
        assert_eq!(check("user;65535;65535;0b0b0000;invocation_id"), Err(Errno::ENXIO));
    }
}
