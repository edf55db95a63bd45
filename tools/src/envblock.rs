//! The message systemd-notify 252 builds: its own fields, then the command line's VAR=VALUE
//! arguments merged in with strv_env_merge() as 252 had it, joined by newlines.
//!
//! 252's merge does not check that an argument is an assignment. An entry's key is its text up
//! to and including the first '=' (the whole text when there is none), and an argument replaces,
//! in place, the first earlier entry that *starts with* that key: so `A=1 B=2 A=3` sends
//! `A=3\nB=2`, and the odd cases follow from the same rule (`ABC=1 A` sends `A`, `A A=1` sends
//! both, an empty argument replaces the first entry). Observed on the installed 252.

pub fn merge<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<&'a [u8]> {
    let mut merged: Vec<&[u8]> = Vec::new();
    for entry in entries {
        let key_len = match entry.iter().position(|&c| c == b'=') {
            Some(i) => i + 1,
            None => entry.len(),
        };
        let key = entry.get(..key_len).unwrap_or(entry);
        match merged.iter_mut().find(|e| e.starts_with(key)) {
            Some(slot) => *slot = entry,
            None => merged.push(entry),
        }
    }
    merged
}

pub fn join(entries: &[&[u8]]) -> Vec<u8> {
    entries.join(&b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(a: &[&str]) -> String {
        String::from_utf8(join(&merge(a.iter().map(|s| s.as_bytes())))).unwrap()
    }

    #[test]
    fn later_key_wins_in_place() {
        assert_eq!(m(&["A=1", "B=2", "A=3"]), "A=3\nB=2");
        assert_eq!(m(&["READY=1", "READY=0"]), "READY=0");
    }

    #[test]
    fn non_assignments_as_252() {
        assert_eq!(m(&["STATUS=y", "A"]), "STATUS=y\nA");
        assert_eq!(m(&["ABC=1", "A"]), "A");
        assert_eq!(m(&["A", "A=1"]), "A\nA=1");
        assert_eq!(m(&["X=1", "Y=2", ""]), "\nY=2");
        assert_eq!(m(&["=x"]), "=x");
    }
}
