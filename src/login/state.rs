//! What logind's state files say: /run/systemd/users/UID, sessions/ID, seats/NAME and
//! machines/NAME, read as libsystemd 252 reads them (every call reads the file again; nothing
//! is cached). Each function here is one sd_* call's logic; `ffi` only moves the results out.
//!
//! Where logind never ran, the directories do not exist: the listing calls then report 0 entries,
//! per-user calls say "offline" / no sessions / no seats, and per-object calls -ENXIO.

use super::envfile;
use super::text::{extract_words, parse_boolean, Backslash};
use crate::cbuf::{CBuf, Strv};
use crate::errno::{Errno, Result};
use crate::parse;
use crate::sys::Dir;

const ENODATA: Errno = Errno(libc::ENODATA);
const EUCLEAN: Errno = Errno(libc::EUCLEAN);

pub const USERS: &[u8] = b"/run/systemd/users/";
pub const SESSIONS: &[u8] = b"/run/systemd/sessions/";
pub const SEATS: &[u8] = b"/run/systemd/seats/";
pub const MACHINES: &[u8] = b"/run/systemd/machines/";

/// The session of the calling process, for the functions whose session (or seat) argument is
/// NULL: what sd_pid_get_session(0) answers, from the caller's cgroup (-ENODATA outside any
/// session), as 252 asks it.
fn caller_session() -> Result<CBuf> {
    super::pid::public_errno(super::pid::pid_get(0, super::pid::Query::Session))
}

/// `dir` + `name`, NUL-terminated.
fn path(dir: &[u8], name: &[u8]) -> Result<CBuf> {
    let mut p = CBuf::from_bytes(dir)?;
    p.extend(name)?;
    Ok(p)
}

fn read<const N: usize>(dir: &[u8], name: &[u8], keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    let mut p = path(dir, name)?;
    envfile::read(p.as_cstr()?, keys)
}

fn uid_file<const N: usize>(uid: u32, keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    if !uid_is_valid(uid) {
        return Err(Errno::EINVAL);
    }
    let mut digits = [0u8; 20];
    read(USERS, crate::bytes::decimal(uid.into(), &mut digits), keys)
}

pub fn uid_is_valid(uid: u32) -> bool {
    uid != u32::MAX && uid != 0xFFFF
}

/// A value that must be there and non-empty (252's isempty(): NULL and "" alike).
fn nonempty(v: Option<CBuf>, err: Errno) -> Result<CBuf> {
    v.filter(|b| !b.is_empty()).ok_or(err)
}

fn parse_uid(v: &mut CBuf) -> Result<u32> {
    parse::parse_uid(v.as_cstr()?)
}

// ------------------------------------------------------------------ users

pub fn uid_get_state(uid: u32) -> Result<CBuf> {
    match uid_file(uid, [b"STATE"]) {
        Err(Errno::ENOENT) => CBuf::from_bytes(b"offline"),
        r => {
            let [s] = r?;
            nonempty(s, Errno::EIO)
        }
    }
}

pub fn uid_get_display(uid: u32) -> Result<CBuf> {
    match uid_file(uid, [b"DISPLAY"]) {
        Err(Errno::ENOENT) => Err(ENODATA),
        r => {
            let [s] = r?;
            nonempty(s, ENODATA)
        }
    }
}

/// Whether `uid` is among the seat's users (or is its active user): a word of UIDS (ACTIVE_UID).
pub fn uid_is_on_seat(uid: u32, require_active: bool, seat: Option<&[u8]>) -> Result<bool> {
    if !uid_is_valid(uid) {
        return Err(Errno::EINVAL);
    }
    let key: &[u8] = if require_active { b"ACTIVE_UID" } else { b"UIDS" };
    let [content] = match seat_file(seat, [key]) {
        Err(Errno::ENOENT) => return Ok(false),
        r => r?,
    };
    let Some(content) = content.filter(|c| !c.is_empty()) else { return Ok(false) };
    let mut digits = [0u8; 20];
    let want = crate::bytes::decimal(uid.into(), &mut digits);
    let mut found = false;
    extract_words(content.as_slice(), Backslash::Escapes, |w| {
        found |= w == want;
        Ok(!found)
    })?;
    Ok(found)
}

/// A space-separated list of the user's file, split and deduplicated (first occurrence kept):
/// None when the file or the key is missing or empty, an empty list for a value of blanks.
pub fn uid_get_array(uid: u32, key: &[u8]) -> Result<Option<Strv>> {
    let s = match uid_file(uid, [key]) {
        Err(Errno::ENOENT) => return Ok(None),
        r => {
            let [s] = r?;
            s
        }
    };
    let Some(s) = s.filter(|s| !s.is_empty()) else { return Ok(None) };
    let words = split(s.as_slice())?;
    let mut v = Strv::new();
    for k in 0..words.len() {
        let w = words.get(k).unwrap_or_default();
        if !v.contains(w) {
            v.push(w)?;
        }
    }
    Ok(Some(v))
}

// ------------------------------------------------------------------ sessions

/// systemd's session_id_valid(): one or more ASCII letters and digits.
pub fn session_id_valid(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_alphanumeric)
}

fn session_file<const N: usize>(session: Option<&[u8]>, keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    let r = match session {
        Some(s) if !session_id_valid(s) => return Err(Errno::EINVAL),
        Some(s) => read(SESSIONS, s, keys),
        None => read(SESSIONS, caller_session()?.as_slice(), keys),
    };
    match r {
        Err(Errno::ENOENT) => Err(Errno::ENXIO),
        r => r,
    }
}

fn session_value(session: Option<&[u8]>, key: &[u8], empty: Errno) -> Result<CBuf> {
    let [v] = session_file(session, [key])?;
    nonempty(v, empty)
}

pub fn session_is_active(session: Option<&[u8]>) -> Result<bool> {
    parse_boolean(session_value(session, b"ACTIVE", Errno::EIO)?.as_slice())
}

pub fn session_is_remote(session: Option<&[u8]>) -> Result<bool> {
    parse_boolean(session_value(session, b"REMOTE", ENODATA)?.as_slice())
}

pub fn session_get_state(session: Option<&[u8]>) -> Result<CBuf> {
    session_value(session, b"STATE", Errno::EIO)
}

pub fn session_get_uid(session: Option<&[u8]>) -> Result<u32> {
    parse_uid(&mut session_value(session, b"UID", Errno::EIO)?)
}

/// One of the session's string fields (SEAT, TTY, SERVICE, ...): -ENODATA when missing or empty.
pub fn session_get_string(session: Option<&[u8]>, key: &[u8]) -> Result<CBuf> {
    session_value(session, key, ENODATA)
}

pub fn session_get_desktop(session: Option<&[u8]>) -> Result<CBuf> {
    let escaped = session_get_string(session, b"DESKTOP")?;
    super::text::cunescape(escaped.as_slice())
}

pub fn session_get_vt(session: Option<&[u8]>) -> Result<u32> {
    let mut v = session_get_string(session, b"VTNR")?;
    let len = v.len();
    parse::safe_atou_field(v.as_cstr()?, len)
}

// ------------------------------------------------------------------ seats

/// systemd's filename_is_valid(): not empty, not "." or "..", no '/', at most NAME_MAX bytes.
pub fn filename_is_valid(s: &[u8]) -> bool {
    !s.is_empty() && s != b"." && s != b".." && !s.contains(&b'/') && s.len() <= 255
}

fn seat_file<const N: usize>(seat: Option<&[u8]>, keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    match seat {
        Some(s) if !filename_is_valid(s) => Err(Errno::EINVAL),
        Some(s) => read(SEATS, s, keys),
        None => {
            let own = session_get_string(None, b"SEAT")?;
            read(SEATS, own.as_slice(), keys)
        }
    }
}

fn seat_file_enxio<const N: usize>(seat: Option<&[u8]>, keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    match seat_file(seat, keys) {
        Err(Errno::ENOENT) => Err(Errno::ENXIO),
        r => r,
    }
}

/// The seat's active session (ACTIVE) and its user (ACTIVE_UID), each only if asked for; a
/// field asked for and missing is -ENODATA.
pub fn seat_get_active(seat: Option<&[u8]>, want_session: bool, want_uid: bool) -> Result<(Option<CBuf>, Option<u32>)> {
    let [s, t] = seat_file_enxio(seat, [b"ACTIVE", b"ACTIVE_UID"])?;
    if (want_session && s.is_none()) || (want_uid && t.is_none()) {
        return Err(ENODATA);
    }
    let uid = match (want_uid, t) {
        (true, Some(mut t)) => Some(parse_uid(&mut t)?),
        _ => None,
    };
    Ok((if want_session { s } else { None }, uid))
}

/// The seat's sessions (SESSIONS, split on whitespace) and, if asked for, their users (UIDS,
/// which must then have as many words): (sessions or None, uids as a malloc'd block or None,
/// the number of sessions).
pub fn seat_get_sessions(seat: Option<&[u8]>, want_uids: bool) -> Result<(Option<Strv>, Option<CBuf>, usize)> {
    let [sessions_line, uids_line] = seat_file_enxio(seat, [b"SESSIONS", b"UIDS"])?;
    let sessions = match sessions_line {
        Some(line) => Some(split(line.as_slice())?),
        None => None,
    };
    let n = sessions.as_ref().map_or(0, Strv::len);
    let mut uids = None;
    if let (true, Some(line)) = (want_uids, uids_line) {
        let mut out = CBuf::new();
        out.reserve(n.saturating_mul(4))?;
        let mut count = 0usize;
        extract_words(line.as_slice(), Backslash::Escapes, |w| {
            let mut word = CBuf::from_bytes(w)?;
            let uid = parse_uid(&mut word)?;
            count += 1;
            // 252 writes past its n-element array here when UIDS has more words than SESSIONS;
            // the extra ones are only counted, and the count mismatch is reported below.
            if count <= n {
                out.extend(&uid.to_ne_bytes())?;
            }
            Ok(true)
        })?;
        if count != n {
            return Err(EUCLEAN);
        }
        uids = Some(out);
    }
    Ok((sessions, uids, n))
}

/// CAN_TTY / CAN_GRAPHICAL as a boolean: -ENODATA when missing or empty.
pub fn seat_get_can(seat: Option<&[u8]>, key: &[u8]) -> Result<bool> {
    let [v] = seat_file_enxio(seat, [key])?;
    parse_boolean(nonempty(v, ENODATA)?.as_slice())
}

// ------------------------------------------------------------------ listings

/// systemd's dirent_is_file(): a regular file, a symlink or unknown, and not a hidden or
/// backup file.
fn dirent_is_file(name: &[u8], kind: u8) -> bool {
    matches!(kind, libc::DT_REG | libc::DT_LNK | libc::DT_UNKNOWN) && !hidden_or_backup_file(name)
}

pub fn hidden_or_backup_file(name: &[u8]) -> bool {
    if name.first() == Some(&b'.')
        || matches!(name, b"lost+found" | b"aquota.user" | b"aquota.group")
        || name.last() == Some(&b'~')
    {
        return true;
    }
    let Some(dot) = name.iter().rposition(|&c| c == b'.') else { return false };
    matches!(
        name.get(dot + 1..).unwrap_or_default(),
        b"rpmnew"
            | b"rpmsave"
            | b"rpmorig"
            | b"dpkg-old"
            | b"dpkg-new"
            | b"dpkg-tmp"
            | b"dpkg-dist"
            | b"dpkg-bak"
            | b"dpkg-backup"
            | b"dpkg-remove"
            | b"ucf-new"
            | b"ucf-old"
            | b"ucf-dist"
            | b"swp"
            | b"bak"
            | b"old"
            | b"new"
    )
}

/// Calls `each` with every file name in `dir` (directory order, as readdir gives it), and
/// returns false when the directory does not exist.
fn each_file(dir: &[u8], mut each: impl FnMut(&[u8]) -> Result<()>) -> Result<bool> {
    let mut p = CBuf::from_bytes(dir)?;
    let mut d = match Dir::open(p.as_cstr()?) {
        Err(Errno::ENOENT) => return Ok(false),
        r => r?,
    };
    while let Some(e) = d.next_entry()? {
        if dirent_is_file(e.name, e.kind) {
            each(e.name)?;
        }
    }
    Ok(true)
}

/// The files of a state directory: None when it is missing or holds none (252 leaves the
/// array NULL then), else the names in directory order. `keep` filters them (machines).
pub fn list(dir: &[u8], keep: fn(&[u8]) -> bool) -> Result<(Option<Strv>, usize)> {
    let mut v = Strv::new();
    let mut seen = 0usize;
    each_file(dir, |name| {
        seen += 1;
        if keep(name) {
            v.push(name)?;
        }
        Ok(())
    })?;
    // An empty directory gives NULL; a directory whose every entry was filtered out gives an
    // empty array (252 filters the array get_files_in_directory made).
    let n = v.len();
    Ok((if seen == 0 { None } else { Some(v) }, n))
}

pub fn keep_all(_: &[u8]) -> bool {
    true
}

/// Machines: not the "unit:" symlinks, and only valid host names.
pub fn keep_machine(name: &[u8]) -> bool {
    !name.starts_with(b"unit:") && hostname_is_valid(name)
}

/// The users with a state file (names that are valid UIDs), as a malloc'd uid_t block (None
/// when there are none), and their number.
pub fn get_uids() -> Result<(Option<CBuf>, usize)> {
    let mut out = CBuf::new();
    let mut n = 0usize;
    each_file(USERS, |name| {
        let mut b = CBuf::from_bytes(name)?;
        if let Ok(uid) = parse_uid(&mut b) {
            out.extend(&uid.to_ne_bytes())?;
            n += 1;
        }
        Ok(())
    })?;
    Ok((if n == 0 { None } else { Some(out) }, n))
}

// ------------------------------------------------------------------ machines

/// systemd's hostname_is_valid(s, 0): dot-separated labels of ASCII letters, digits and inner
/// hyphens, no empty label, no trailing dot, at most 64 bytes; ".host" is not valid here.
pub fn hostname_is_valid(s: &[u8]) -> bool {
    if s.is_empty() || s == b".host" {
        return false;
    }
    let (mut dot, mut hyphen) = (true, true);
    for &c in s {
        match c {
            b'.' => {
                if dot || hyphen {
                    return false;
                }
                dot = true;
                hyphen = false;
            }
            b'-' => {
                if dot {
                    return false;
                }
                dot = false;
                hyphen = true;
            }
            c if c.is_ascii_alphanumeric() => {
                dot = false;
                hyphen = false;
            }
            _ => return false,
        }
    }
    !dot && !hyphen && s.len() <= 64
}

fn machine_file<const N: usize>(machine: &[u8], keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    match read(MACHINES, machine, keys) {
        Err(Errno::ENOENT) => Err(Errno::ENXIO),
        r => r,
    }
}

pub fn machine_get_class(machine: &[u8]) -> Result<CBuf> {
    if machine == b".host" {
        return CBuf::from_bytes(b"host");
    }
    if !hostname_is_valid(machine) {
        return Err(Errno::EINVAL);
    }
    let [c] = machine_file(machine, [b"CLASS"])?;
    c.ok_or(Errno::EIO)
}

/// The machine's network interfaces (NETIF): None when it has none listed, else the indices
/// as a malloc'd int block (when `want` is set), and their number. A word that is not a
/// positive int is -EUCLEAN.
pub fn machine_get_ifindices(machine: &[u8], want: bool) -> Result<(Option<CBuf>, usize)> {
    if !hostname_is_valid(machine) {
        return Err(Errno::EINVAL);
    }
    let [line] = machine_file(machine, [b"NETIF"])?;
    let Some(line) = line else { return Ok((None, 0)) };
    let words = split(line.as_slice())?;
    let mut out = CBuf::new();
    for k in 0..words.len() {
        let mut word = CBuf::from_bytes(words.get(k).unwrap_or_default())?;
        let i = match parse::safe_atoi(word.as_cstr()?) {
            Ok(i) if i > 0 => i,
            Ok(_) | Err(Errno::EINVAL) => return Err(EUCLEAN),
            Err(e) => return Err(e),
        };
        if want {
            out.extend(&i.to_ne_bytes())?;
        }
    }
    Ok((if want { Some(out) } else { None }, words.len()))
}

/// 252's strv_split(s, NULL): the words of `s`, backslashes kept as they are. strv_split()
/// reports every failure as NULL, which its callers turn into -ENOMEM.
fn split(s: &[u8]) -> Result<Strv> {
    let mut v = Strv::new();
    extract_words(s, Backslash::Retained, |w| v.push(w).map(|_| true)).map_err(|_| Errno::ENOMEM)?;
    Ok(v)
}
