//! What a cgroup path says about a process: its unit, slice, login session, owning user and the
//! unit a machine name is registered for, as systemd 252's cgroup-util reads them; which line of
//! `/proc/PID/cgroup` holds systemd's hierarchy; and the shift by the root of the tree (PID 1's
//! cgroup) that processes inside a container see.
//!
//! Everything here is pure and works on slices of the path (no NUL can occur in them: they come
//! from C strings and from lines split at NUL). Results borrow from the input; the caller copies
//! them into malloc'd strings.

pub use crate::errno::Errno;
use crate::errno::Result;

/// systemd's UNIT_NAME_MAX: names of this length or longer are invalid.
const UNIT_NAME_MAX: usize = 256;

/// The unit types systemd 252 knows; a unit name's suffix must be one of them.
const UNIT_TYPES: &[&[u8]] = &[
    b"service",
    b"mount",
    b"swap",
    b"socket",
    b"target",
    b"device",
    b"automount",
    b"timer",
    b"path",
    b"slice",
    b"scope",
];

/// Which forms of unit name `unit_name_is_valid` accepts (systemd's UnitNameFlags, same bits).
#[derive(Clone, Copy)]
pub struct UnitNameFlags(u8);

impl UnitNameFlags {
    /// "foo.service"
    pub const PLAIN: UnitNameFlags = UnitNameFlags(1);
    /// "foo@.service"
    pub const TEMPLATE: UnitNameFlags = UnitNameFlags(2);
    /// "foo@bar.service"
    pub const INSTANCE: UnitNameFlags = UnitNameFlags(4);

    pub const fn bits(self) -> u8 {
        self.0
    }

    pub const fn from_bits(bits: u8) -> UnitNameFlags {
        UnitNameFlags(bits & 7)
    }

    const fn has(self, other: UnitNameFlags) -> bool {
        self.0 & other.0 != 0
    }
}

fn valid_unit_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'_' | b'.' | b'\\' | b'@')
}

/// systemd's unit_name_is_valid(): a known type after the last dot, only the characters unit
/// names may hold before it, and an '@' (not first) for instances and templates.
pub fn unit_name_is_valid(n: &[u8], flags: UnitNameFlags) -> bool {
    if flags.bits() == 0 || n.is_empty() || n.len() >= UNIT_NAME_MAX {
        return false;
    }
    let dot = match n.iter().rposition(|&c| c == b'.') {
        Some(0) | None => return false,
        Some(d) => d,
    };
    let (prefix, suffix) = n.split_at(dot);
    if !UNIT_TYPES.contains(&suffix.get(1..).unwrap_or_default()) {
        return false;
    }
    if !prefix.iter().all(|&c| valid_unit_char(c)) {
        return false;
    }
    match prefix.iter().position(|&c| c == b'@') {
        Some(0) => false,
        None => flags.has(UnitNameFlags::PLAIN),
        Some(at) if at + 1 < dot => flags.has(UnitNameFlags::INSTANCE),
        Some(_) => flags.has(UnitNameFlags::TEMPLATE),
    }
}

/// systemd's cg_unescape(): names the kernel could mistake for its own files carry a '_' prefix.
pub fn unescape(name: &[u8]) -> &[u8] {
    match name.split_first() {
        Some((b'_', rest)) => rest,
        _ => name,
    }
}

/// systemd's session_id_valid(): letters and digits, at least one.
pub fn session_id_valid(id: &[u8]) -> bool {
    !id.is_empty() && id.iter().all(|c| c.is_ascii_alphanumeric())
}

/// systemd's parse_uid() as a check: safe_atou32_full() refusing a leading " \t\n\r", sign or
/// zero in the first byte, then strtoul(3) in base 10 (C locale), which still skips a "\v" or
/// "\f" and a sign after it; all of it consumed, 32 bits, and not one of the two values that
/// mean "no user" ((uid_t) -1 and its 16-bit form).
pub fn parse_uid(s: &[u8]) -> Option<u32> {
    match s.first() {
        None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'+' | b'-') => return None,
        Some(b'0') if s.len() > 1 => return None,
        Some(_) => {}
    }
    let ws = s.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count();
    let rest = after(s, ws);
    let (negative, digits) = match rest.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, rest),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    // strtoul negates in unsigned long: only "-0" survives the 32-bit check below.
    let v = if negative { v.wrapping_neg() } else { v };
    let uid = u32::try_from(v).ok()?;
    (uid != u32::MAX && uid != 0xFFFF).then_some(uid)
}

/// The bytes up to the first '/' (strcspn(p, "/")).
fn component(p: &[u8]) -> &[u8] {
    match p.iter().position(|&c| c == b'/') {
        Some(n) => p.get(..n).unwrap_or_default(),
        None => p,
    }
}

/// `p` without its leading slashes (p += strspn(p, "/")).
fn skip_slashes(p: &[u8]) -> &[u8] {
    let n = p.iter().take_while(|&&c| c == b'/').count();
    p.get(n..).unwrap_or_default()
}

/// `p` after its first `n` bytes.
fn after(p: &[u8], n: usize) -> &[u8] {
    p.get(n..).unwrap_or_default()
}

/// systemd's cg_path_decode_unit(): the unit a path starts with (its first component, unescaped),
/// if that is a valid plain or instance unit name; -ENXIO otherwise.
pub fn decode_unit(cgroup: &[u8]) -> Result<&[u8]> {
    let c = component(cgroup);
    if c.len() < 3 {
        return Err(Errno::ENXIO);
    }
    let unit = unescape(c);
    if !unit_name_is_valid(unit, UnitNameFlags::from_bits(UnitNameFlags::PLAIN.bits() | UnitNameFlags::INSTANCE.bits()))
    {
        return Err(Errno::ENXIO);
    }
    Ok(unit)
}

/// Whether a path component names a slice ("foo.slice", possibly escaped).
fn valid_slice_name(c: &[u8]) -> bool {
    c.len() >= b"x.slice".len() && c.ends_with(b".slice") && unit_name_is_valid(unescape(c), UnitNameFlags::PLAIN)
}

/// The path from its first component that is not a slice on (after that component's slashes).
fn skip_slices(mut p: &[u8]) -> &[u8] {
    loop {
        p = skip_slashes(p);
        let c = component(p);
        if !valid_slice_name(c) {
            return p;
        }
        p = after(p, c.len());
    }
}

/// systemd's cg_path_get_unit(): the first unit below the slices. -ENXIO if there is none, or if
/// it is itself a slice (an instance of one, which skipping the slices let through).
pub fn path_get_unit(path: &[u8]) -> Result<&[u8]> {
    let unit = decode_unit(skip_slices(path))?;
    if unit.ends_with(b".slice") {
        return Err(Errno::ENXIO);
    }
    Ok(unit)
}

/// `p` after a leading "session-ID.scope" component and its slashes, or None without one.
fn skip_session(p: &[u8]) -> Option<&[u8]> {
    if p.is_empty() {
        return None;
    }
    let p = skip_slashes(p);
    let c = component(p);
    if c.len() < b"session-x.scope".len() || !c.starts_with(b"session-") || !c.ends_with(b".scope") {
        return None;
    }
    // Session scopes never need unescaping: they cannot clash with the kernel's names.
    let id = c.get(8..c.len() - 6).unwrap_or_default();
    if !session_id_valid(id) {
        return None;
    }
    Some(skip_slashes(after(p, c.len())))
}

/// `p` after a leading "user@UID.service" component and its slashes, or None without one.
fn skip_user_manager(p: &[u8]) -> Option<&[u8]> {
    if p.is_empty() {
        return None;
    }
    let p = skip_slashes(p);
    let c = component(p);
    if c.len() < b"user@x.service".len() || !c.starts_with(b"user@") || !c.ends_with(b".service") {
        return None;
    }
    parse_uid(c.get(5..c.len() - 8).unwrap_or_default())?;
    Some(skip_slashes(after(p, c.len())))
}

/// The part of a path below the user's manager or login session (after any slices).
fn skip_user_prefix(path: &[u8]) -> Option<&[u8]> {
    let e = skip_slices(path);
    skip_user_manager(e).or_else(|| skip_session(e))
}

/// systemd's cg_path_get_user_unit(): the unit inside a user's manager or session.
pub fn path_get_user_unit(path: &[u8]) -> Result<&[u8]> {
    path_get_unit(skip_user_prefix(path).ok_or(Errno::ENXIO)?)
}

/// The root slice, the answer when a path has no slice.
pub const ROOT_SLICE: &[u8] = b"-.slice";

/// systemd's cg_path_get_slice(): the innermost of the slices the path starts with ("-.slice"
/// when it starts with none).
pub fn path_get_slice(mut p: &[u8]) -> Result<&[u8]> {
    let mut last: Option<&[u8]> = None;
    loop {
        p = skip_slashes(p);
        let c = component(p);
        if !valid_slice_name(c) {
            return match last {
                None => Ok(ROOT_SLICE),
                Some(e) => decode_unit(e),
            };
        }
        last = Some(p);
        p = after(p, c.len());
    }
}

/// systemd's cg_path_get_user_slice(): the innermost slice inside a user's manager or session.
pub fn path_get_user_slice(path: &[u8]) -> Result<&[u8]> {
    path_get_slice(skip_user_prefix(path).ok_or(Errno::ENXIO)?)
}

/// systemd's cg_path_get_session(): the ID of the "session-ID.scope" unit.
pub fn path_get_session(path: &[u8]) -> Result<&[u8]> {
    let unit = path_get_unit(path)?;
    let id = unit.strip_prefix(b"session-").and_then(|s| s.strip_suffix(b".scope")).ok_or(Errno::ENXIO)?;
    if !session_id_valid(id) {
        return Err(Errno::ENXIO);
    }
    Ok(id)
}

/// systemd's cg_path_get_owner_uid(): the UID of the "user-UID.slice" the path is in.
pub fn path_get_owner_uid(path: &[u8]) -> Result<u32> {
    let slice = path_get_slice(path)?;
    slice.strip_prefix(b"user-").and_then(|s| s.strip_suffix(b".slice")).and_then(parse_uid).ok_or(Errno::ENXIO)
}

/// systemd's read_line() with its limit, over a whole file's contents: a line ends at '\n',
/// '\r' or NUL, or at a run of them in which no kind repeats and nothing follows a NUL.
/// Yields each line's contents; a line of LONG_LINE_MAX bytes or more is -ENOBUFS.
pub struct Lines<'a> {
    rest: &'a [u8],
}

/// systemd's LONG_LINE_MAX (1 MiB).
pub const LONG_LINE_MAX: usize = 1024 * 1024;

impl<'a> Lines<'a> {
    pub fn new(content: &'a [u8]) -> Lines<'a> {
        Lines { rest: content }
    }
}

fn eol_kind(c: u8) -> u8 {
    match c {
        0 => 1,
        b'\n' => 2,
        b'\r' => 4,
        _ => 0,
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<&'a [u8]>;

    fn next(&mut self) -> Option<Result<&'a [u8]>> {
        if self.rest.is_empty() {
            return None;
        }
        let n = self.rest.iter().position(|&c| eol_kind(c) != 0).unwrap_or(self.rest.len());
        if n >= LONG_LINE_MAX {
            self.rest = &[];
            return Some(Err(Errno::ENOBUFS));
        }
        let line = self.rest.get(..n).unwrap_or_default();
        let mut seen = 0u8;
        let mut end = n;
        while let Some(&c) = self.rest.get(end) {
            let kind = eol_kind(c);
            if seen & 1 != 0 || kind == 0 || seen & kind != 0 {
                break;
            }
            seen |= kind;
            end += 1;
        }
        self.rest = after(self.rest, end);
        Some(Ok(line))
    }
}

/// How systemd's own hierarchy is found in `/proc/PID/cgroup` (systemd's cg_unified_controller()
/// for its controller): the cgroup2 line "0::PATH" when /sys/fs/cgroup is cgroup2 or when the
/// hybrid layout has cgroup2 at /sys/fs/cgroup/unified; the "name=systemd" v1 line otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hierarchy {
    Unified,
    Legacy,
}

/// Whether the comma-separated controller list of a v1 line names "name=systemd". The list is
/// split as systemd's extract_first_word() splits it: a backslash takes the next byte literally,
/// and one at the very end is -EINVAL (unless a word before it already matched).
fn lists_named_systemd(list: &[u8]) -> Result<bool> {
    const WANT: &[u8] = b"name=systemd";
    let mut word = [0u8; 12];
    let mut len = 0usize; // bytes of the current word (may exceed WANT; then it cannot match)
    let mut i = 0;
    loop {
        let c = list.get(i).copied();
        match c {
            None | Some(b',') => {
                if len == WANT.len() && word == *WANT {
                    return Ok(true);
                }
                if c.is_none() {
                    return Ok(false);
                }
                len = 0;
                i += 1;
                continue;
            }
            Some(b'\\') => {
                i += 1;
                match list.get(i) {
                    None => return Err(Errno::EINVAL),
                    Some(&e) => push_word(&mut word, &mut len, e),
                }
            }
            Some(o) => push_word(&mut word, &mut len, o),
        }
        i += 1;
    }
}

fn push_word(word: &mut [u8; 12], len: &mut usize, c: u8) {
    if let Some(slot) = word.get_mut(*len) {
        *slot = c;
    }
    *len = len.saturating_add(1);
}

/// systemd's cg_pid_get_path() over the file's contents: the path of systemd's hierarchy, without
/// the " (deleted)" a zombie's removed cgroup carries. -ENODATA when no line names it.
pub fn find_path(content: &[u8], hierarchy: Hierarchy) -> Result<&[u8]> {
    for line in Lines::new(content) {
        let line = line?;
        let path = match hierarchy {
            Hierarchy::Unified => {
                let Some(rest) = line.strip_prefix(b"0:") else { continue };
                match rest.iter().position(|&c| c == b':') {
                    Some(i) => after(rest, i + 1),
                    None => continue,
                }
            }
            Hierarchy::Legacy => {
                let Some(first) = line.iter().position(|&c| c == b':') else { continue };
                let list = after(line, first + 1);
                let Some(second) = list.iter().position(|&c| c == b':') else { continue };
                if !lists_named_systemd(list.get(..second).unwrap_or_default())? {
                    continue;
                }
                after(list, second + 1)
            }
        };
        return Ok(path.strip_suffix(b" (deleted)").unwrap_or(path));
    }
    Err(Errno(libc::ENODATA))
}

/// systemd's cg_get_root_path() from PID 1's path: the tree's root is where PID 1's own cgroup
/// hangs ("/init.scope", or the legacy "/system.slice" and "/system", cut off).
pub fn root_from_pid1(p: &[u8]) -> &[u8] {
    for suffix in [&b"/init.scope"[..], b"/system.slice", b"/system"] {
        if let Some(root) = p.strip_suffix(suffix) {
            return root;
        }
    }
    p
}

/// systemd's NAME_MAX: path_startswith() refuses longer components.
const NAME_MAX: usize = 255;

/// `p` after leading slashes and "./" pairs (systemd's skip_slash_or_dot()).
fn skip_slash_or_dot(mut p: &[u8]) -> &[u8] {
    loop {
        match p {
            [b'/', rest @ ..] => p = rest,
            [b'.', b'/', rest @ ..] => p = rest,
            _ => return p,
        }
    }
}

/// One component of a path as path_find_first_component() finds it: its offset and length in
/// the path it was looked for in, and the rest of that path after it (and its slashes).
struct Component<'a> {
    start: usize,
    len: usize,
    next: &'a [u8],
}

/// A component longer than NAME_MAX: path_startswith() then matches nothing.
struct TooLong;

/// systemd's path_find_first_component() (with ".." accepted): the next component, None at the
/// end.
fn first_component(p: &[u8]) -> core::result::Result<Option<Component<'_>>, TooLong> {
    let first = skip_slash_or_dot(p);
    let start = p.len() - first.len();
    if first.is_empty() || first == b"." {
        return Ok(None);
    }
    let len = first.iter().position(|&c| c == b'/').unwrap_or(first.len());
    if len > NAME_MAX {
        return Err(TooLong);
    }
    let next = skip_slash_or_dot(after(first, len));
    let next = if next == b"." { after(next, 1) } else { next };
    Ok(Some(Component { start, len, next }))
}

/// systemd's cg_shift_path(): `cgroup` relative to `root` (component-wise, as path_startswith()
/// compares, from the byte before the first component left), or `cgroup` itself when `root` is
/// not a prefix of it. A path equal to the root keeps only its last byte, as in 252.
pub fn shift_path<'a>(cgroup: &'a [u8], root: &[u8]) -> &'a [u8] {
    if (cgroup.first() == Some(&b'/')) != (root.first() == Some(&b'/')) {
        return cgroup;
    }
    let mut path = cgroup;
    let mut prefix = root;
    loop {
        let consumed = cgroup.len() - path.len();
        let Ok(pc) = first_component(path) else { return cgroup };
        let Ok(qc) = first_component(prefix) else { return cgroup };
        let Some(q) = qc else {
            // The whole root matched: what is left starts at this component of `cgroup`, or at
            // its end when there is none.
            let at = pc.map_or(cgroup.len(), |c| consumed + c.start);
            return if at > 0 { after(cgroup, at - 1) } else { cgroup };
        };
        let Some(c) = pc else { return cgroup };
        if c.len != q.len || after(path, c.start).get(..c.len) != after(prefix, q.start).get(..q.len) {
            return cgroup;
        }
        path = c.next;
        prefix = q.next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(r: Result<&[u8]>) -> std::string::String {
        match r {
            Ok(v) => std::string::String::from_utf8_lossy(v).into_owned(),
            Err(e) => std::format!("-{}", e.0),
        }
    }

    #[test]
    fn units_and_slices() {
        let p = b"/system.slice/foo.service/x";
        assert_eq!(s(path_get_unit(p)), "foo.service");
        assert_eq!(s(path_get_slice(p)), "system.slice");
        assert_eq!(s(path_get_unit(b"/a.slice/a-b.slice/a-b-c.slice/_cpu.service")), "cpu.service");
        assert_eq!(s(path_get_slice(b"/a.slice/a-b.slice/a-b-c.slice/_cpu.service")), "a-b-c.slice");
        assert_eq!(s(path_get_slice(b"/")), "-.slice");
        assert_eq!(s(path_get_slice(b"")), "-.slice");
        assert_eq!(path_get_unit(b"/"), Err(Errno::ENXIO));
        assert_eq!(path_get_unit(b"/a.slice/b@c.slice"), Err(Errno::ENXIO));
        assert_eq!(s(path_get_unit(b"/init.scope")), "init.scope");
        assert_eq!(s(path_get_unit(b"/system.slice/foo\\x2dbar.service")), "foo\\x2dbar.service");
        assert_eq!(path_get_unit(b"/system.slice/@x.service"), Err(Errno::ENXIO));
        assert_eq!(path_get_unit(b"/system.slice/x@.service"), Err(Errno::ENXIO));
        assert_eq!(s(path_get_unit(b"/system.slice/x@y.service")), "x@y.service");
    }

    #[test]
    fn users_and_sessions() {
        let p = b"/user.slice/user-1000.slice/user@1000.service/app.slice/x.service";
        assert_eq!(s(path_get_user_unit(p)), "x.service");
        assert_eq!(s(path_get_user_slice(p)), "app.slice");
        assert_eq!(path_get_owner_uid(p), Ok(1000));
        assert_eq!(s(path_get_unit(p)), "user@1000.service");
        let q = b"/user.slice/user-1000.slice/session-4.scope";
        assert_eq!(s(path_get_session(q)), "4");
        assert_eq!(path_get_user_unit(q), Err(Errno::ENXIO));
        assert_eq!(s(path_get_user_slice(q)), "-.slice");
        assert_eq!(path_get_owner_uid(b"/user.slice/user-01.slice/x.service"), Err(Errno::ENXIO));
        assert_eq!(path_get_owner_uid(b"/user.slice/user-65535.slice/x.service"), Err(Errno::ENXIO));
        assert_eq!(path_get_owner_uid(b"/user.slice/user-4294967294.slice/x.service"), Ok(4294967294));
        assert_eq!(path_get_session(b"/session-.scope"), Err(Errno::ENXIO));
    }

    #[test]
    fn uids_as_252_parses_them() {
        assert_eq!(parse_uid(b"1000"), Some(1000));
        assert_eq!(parse_uid(b"0"), Some(0));
        assert_eq!(parse_uid(b""), None);
        assert_eq!(parse_uid(b"01"), None);
        assert_eq!(parse_uid(b" 1"), None);
        assert_eq!(parse_uid(b"+1"), None);
        // strtoul skips "\v" and "\f", which safe_atou32_full's first-byte checks do not cover.
        assert_eq!(parse_uid(b"\x0b2"), Some(2));
        assert_eq!(parse_uid(b"\x0c-0"), Some(0));
        assert_eq!(parse_uid(b"\x0c-1"), None);
        assert_eq!(parse_uid(b"4294967295"), None);
        assert_eq!(parse_uid(b"65535"), None);
        assert_eq!(parse_uid(b"4294967296"), None);
        assert!(unit_name_is_valid(b"a@b.service", UnitNameFlags::from_bits(5)));
        assert!(!unit_name_is_valid(b"a@.service", UnitNameFlags::from_bits(5)));
    }

    #[test]
    fn proc_lines() {
        let hybrid = b"12:name=systemd:/legacy\n1:cpu:/\n0::/system.slice/a.service (deleted)\n";
        assert_eq!(s(find_path(hybrid, Hierarchy::Unified)), "/system.slice/a.service");
        assert_eq!(s(find_path(hybrid, Hierarchy::Legacy)), "/legacy");
        assert_eq!(find_path(b"1:cpu:/\n", Hierarchy::Legacy), Err(Errno(libc::ENODATA)));
        assert_eq!(s(find_path(b"1:a,name\\=systemd:/x:y\n", Hierarchy::Legacy)), "/x:y");
        assert_eq!(find_path(b"1:a\\:/x\n", Hierarchy::Legacy), Err(Errno::EINVAL));
        assert_eq!(s(find_path(b"x\r\n\r0::/a\0\n0::/b", Hierarchy::Unified)), "/a");
        let lines: std::vec::Vec<_> = Lines::new(b"a\n\nb\r\n\0c\0\0").map(|l| s(l)).collect();
        assert_eq!(lines, ["a", "", "b", "c", ""]);
    }

    #[test]
    fn shifting() {
        assert_eq!(root_from_pid1(b"/init.scope"), b"");
        assert_eq!(root_from_pid1(b"/lxc/c1/init.scope"), b"/lxc/c1");
        assert_eq!(shift_path(b"/lxc/c1/system.slice/a.service", b"/lxc/c1"), b"/system.slice/a.service");
        assert_eq!(shift_path(b"/lxc/c1", b"/lxc/c1"), b"1");
        assert_eq!(shift_path(b"/lxc/c10/a", b"/lxc/c1"), b"/lxc/c10/a");
        assert_eq!(shift_path(b"/foo", b""), b"/foo");
        assert_eq!(shift_path(b"/foo", b"/"), b"/foo");
        assert_eq!(shift_path(b"//lxc//./c1//x", b"/lxc/c1"), b"/x");
    }
}
