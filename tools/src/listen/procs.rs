//! What /proc says about processes: parent, process group, state.

use std::io::Read;

pub struct Stat {
    pub state: u8,
    pub ppid: i32,
    pub pgrp: i32,
}

/// Parses a /proc/PID/stat line; the command name may hold anything, ')' too.
pub fn parse_stat(buf: &[u8]) -> Option<Stat> {
    let close = buf.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(buf.get(close + 1..)?).ok()?;
    let mut it = rest.split_ascii_whitespace();
    let state = *it.next()?.as_bytes().first()?;
    let ppid = it.next()?.parse().ok()?;
    let pgrp = it.next()?.parse().ok()?;
    Some(Stat { state, ppid, pgrp })
}

/// None if pid is gone (or /proc cannot tell).
pub fn stat(pid: i32) -> Option<Stat> {
    let mut f = std::fs::File::open(format!("/proc/{pid}/stat")).ok()?;
    let mut buf = [0u8; 1024];
    let n = f.read(&mut buf).ok()?;
    parse_stat(buf.get(..n)?)
}

/// Is pid `root` or one of its descendants? Walks the parent chain; a process whose parent died
/// was re-parented and no longer counts, one that is gone cannot be judged.
pub fn is_descendant(mut pid: i32, root: i32) -> bool {
    for _ in 0..4096 {
        if pid == root {
            return true;
        }
        if pid <= 1 {
            return false;
        }
        match stat(pid) {
            Some(s) => pid = s.ppid,
            None => return false,
        }
    }
    false
}

/// How many live processes (not zombies) are in process group `pgid`, apart from `except`;
/// None if /proc cannot be read.
pub fn group_members(pgid: i32, except: i32) -> Option<usize> {
    let mut n = 0;
    for de in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = de.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if pid == except {
            continue;
        }
        if let Some(s) = stat(pid) {
            if s.pgrp == pgid && s.state != b'Z' && s.state != b'X' {
                n += 1;
            }
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_line_with_a_hostile_name() {
        let s = parse_stat(b"42 (a) b) 7 8) S 1 42 42 0 -1").unwrap();
        assert_eq!((s.state, s.ppid, s.pgrp), (b'S', 1, 42));
        assert!(parse_stat(b"42 (x").is_none());
    }

    #[test]
    fn we_descend_from_our_parent() {
        let me = std::process::id() as i32;
        // SAFETY: getppid has no preconditions.
        let parent = unsafe { libc::getppid() };
        assert!(is_descendant(me, me));
        assert!(is_descendant(me, parent));
        assert!(!is_descendant(parent, me));
    }
}
