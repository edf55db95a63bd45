//! glibc's getopt_long(3), as the systemd tools use it: options anywhere on the command line
//! (non-options are collected, in order, unless `$POSIXLY_CORRECT` is set), `--` ends the
//! options, long options may be abbreviated to any unique prefix, and errors are glibc's own
//! texts ("PROG: unrecognized option '--x'") so that scripts and tests see the same bytes.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HasArg {
    No,
    Required,
    /// Only in the `--name=value` form, as in getopt.
    Optional,
}

pub struct LongOpt<T: 'static> {
    pub name: &'static str,
    pub has_arg: HasArg,
    pub id: T,
}

/// One short option letter (none of ours takes an argument).
pub struct ShortOpt<T: 'static> {
    pub letter: u8,
    pub id: T,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a, T> {
    Opt(T, Option<&'a OsStr>),
    /// getopt's '?': the message (with its newline) is what glibc prints on stderr.
    Error(Vec<u8>),
}

pub struct Parser<'a, T: 'static> {
    argv0: &'a OsStr,
    args: &'a [OsString],
    longs: &'static [LongOpt<T>],
    shorts: &'static [ShortOpt<T>],
    next: usize,
    /// Position inside a cluster of short options ("-hq"), 0 when not in one.
    cluster: usize,
    positional: Vec<&'a OsStr>,
    posix: bool,
    ended: bool,
}

impl<'a, T: Copy> Parser<'a, T> {
    /// `args` is the whole argv, argv[0] included.
    pub fn new(args: &'a [OsString], longs: &'static [LongOpt<T>], shorts: &'static [ShortOpt<T>], posix: bool) -> Self {
        let argv0 = args.first().map(OsString::as_os_str).unwrap_or(OsStr::new(""));
        Parser { argv0, args, longs, shorts, next: 1, cluster: 0, positional: Vec::new(), posix, ended: false }
    }

    /// The non-option arguments in their order, once the options are consumed.
    pub fn positional(mut self) -> Vec<&'a OsStr> {
        while let Some(a) = self.args.get(self.next) {
            self.positional.push(a);
            self.next += 1;
        }
        self.positional
    }

    fn error(&self, text: &[u8]) -> Item<'a, T> {
        let mut m = self.argv0.as_bytes().to_vec();
        m.extend_from_slice(b": ");
        m.extend_from_slice(text);
        m.push(b'\n');
        Item::Error(m)
    }

    fn long(&mut self, body: &'a [u8]) -> Item<'a, T> {
        let (name, value) = match body.iter().position(|&c| c == b'=') {
            Some(i) => (body.get(..i).unwrap_or_default(), body.get(i + 1..).map(OsStr::from_bytes)),
            None => (body, None),
        };
        let found = match self.longs.iter().find(|o| o.name.as_bytes() == name) {
            Some(o) => o,
            None => {
                let candidates: Vec<&LongOpt<T>> =
                    self.longs.iter().filter(|o| o.name.as_bytes().starts_with(name)).collect();
                match candidates.as_slice() {
                    [] => return self.error(&quoted(b"unrecognized option '--", body)),
                    [one] => *one,
                    many => {
                        let mut t = quoted(b"option '--", body);
                        t.extend_from_slice(b" is ambiguous; possibilities:");
                        for o in many {
                            t.extend_from_slice(b" '--");
                            t.extend_from_slice(o.name.as_bytes());
                            t.push(b'\'');
                        }
                        return self.error(&t);
                    }
                }
            }
        };
        match (found.has_arg, value) {
            (HasArg::No, Some(_)) => self.error(&[quoted(b"option '--", found.name.as_bytes()).as_slice(), b" doesn't allow an argument"].concat()),
            (HasArg::No, None) | (HasArg::Optional, _) => Item::Opt(found.id, value),
            (HasArg::Required, Some(v)) => Item::Opt(found.id, Some(v)),
            (HasArg::Required, None) => match self.args.get(self.next) {
                Some(v) => {
                    self.next += 1;
                    Item::Opt(found.id, Some(v))
                }
                None => self.error(&[quoted(b"option '--", found.name.as_bytes()).as_slice(), b" requires an argument"].concat()),
            },
        }
    }
}

fn quoted(head: &[u8], body: &[u8]) -> Vec<u8> {
    let mut t = head.to_vec();
    t.extend_from_slice(body);
    t.push(b'\'');
    t
}

impl<'a, T: Copy> Iterator for Parser<'a, T> {
    type Item = Item<'a, T>;

    fn next(&mut self) -> Option<Item<'a, T>> {
        if self.cluster > 0 {
            let arg = self.args.get(self.next - 1)?.as_bytes();
            let letter = *arg.get(self.cluster)?;
            self.cluster = if self.cluster + 1 < arg.len() { self.cluster + 1 } else { 0 };
            return Some(match self.shorts.iter().find(|s| s.letter == letter) {
                Some(s) => Item::Opt(s.id, None),
                None => self.error(&[b"invalid option -- '".as_slice(), &[letter], b"'"].concat()),
            });
        }
        if self.ended {
            return None;
        }
        loop {
            let arg = self.args.get(self.next)?;
            let bytes = arg.as_bytes();
            self.next += 1;
            if bytes == b"--" {
                self.ended = true;
                return None;
            }
            if let Some(body) = bytes.strip_prefix(b"--") {
                return Some(self.long(body));
            }
            if bytes.len() > 1 && bytes.first() == Some(&b'-') {
                self.cluster = 1;
                return self.next();
            }
            if self.posix {
                self.next -= 1;
                self.ended = true;
                return None;
            }
            self.positional.push(arg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum O {
        Help,
        Ready,
        Status,
        Stopping,
        Pid,
    }

    static LONGS: &[LongOpt<O>] = &[
        LongOpt { name: "help", has_arg: HasArg::No, id: O::Help },
        LongOpt { name: "ready", has_arg: HasArg::No, id: O::Ready },
        LongOpt { name: "status", has_arg: HasArg::Required, id: O::Status },
        LongOpt { name: "stopping", has_arg: HasArg::No, id: O::Stopping },
        LongOpt { name: "pid", has_arg: HasArg::Optional, id: O::Pid },
    ];
    static SHORTS: &[ShortOpt<O>] = &[ShortOpt { letter: b'h', id: O::Help }];

    fn argv(a: &[&str]) -> Vec<OsString> {
        std::iter::once("prog").chain(a.iter().copied()).map(OsString::from).collect()
    }

    fn run(a: &[&str], posix: bool) -> (Vec<String>, Vec<String>) {
        let args = argv(a);
        let mut p = Parser::new(&args, LONGS, SHORTS, posix);
        let mut items = Vec::new();
        for item in p.by_ref() {
            items.push(match item {
                Item::Opt(id, v) => format!("{id:?}{}", v.map(|v| format!("={}", v.to_string_lossy())).unwrap_or_default()),
                Item::Error(e) => String::from_utf8(e).unwrap(),
            });
        }
        let pos = p.positional().iter().map(|s| s.to_string_lossy().into_owned()).collect();
        (items, pos)
    }

    #[test]
    fn options_anywhere_and_dashdash() {
        let (i, p) = run(&["A=1", "--ready", "B=2", "--", "--status", "C"], false);
        assert_eq!(i, ["Ready"]);
        assert_eq!(p, ["A=1", "B=2", "--status", "C"]);
    }

    #[test]
    fn posixly_correct_stops_at_first_non_option() {
        let (i, p) = run(&["--ready", "A=1", "--stopping"], true);
        assert_eq!(i, ["Ready"]);
        assert_eq!(p, ["A=1", "--stopping"]);
    }

    #[test]
    fn arguments() {
        assert_eq!(run(&["--status", "-x"], false).0, ["Status=-x"]);
        assert_eq!(run(&["--status=", "--pid"], false).0, ["Status=", "Pid"]);
        assert_eq!(run(&["--pid", "5"], false), (vec!["Pid".to_string()], vec!["5".to_string()]));
        assert_eq!(run(&["--pid=5"], false).0, ["Pid=5"]);
    }

    #[test]
    fn abbreviations() {
        assert_eq!(run(&["--rea"], false).0, ["Ready"]);
        assert_eq!(run(&["--sta=x"], false).0, ["Status=x"]);
        assert_eq!(
            run(&["--s=1"], false).0,
            ["prog: option '--s=1' is ambiguous; possibilities: '--status' '--stopping'\n"]
        );
    }

    #[test]
    fn glibc_error_texts() {
        assert_eq!(run(&["--foo=bar"], false).0, ["prog: unrecognized option '--foo=bar'\n"]);
        assert_eq!(run(&["--rea=1"], false).0, ["prog: option '--ready' doesn't allow an argument\n"]);
        assert_eq!(run(&["--stat"], false).0, ["prog: option '--status' requires an argument\n"]);
        assert_eq!(run(&["-hx"], false).0, ["Help", "prog: invalid option -- 'x'\n"]);
        assert_eq!(run(&["-", "-h"], false), (vec!["Help".to_string()], vec!["-".to_string()]));
    }
}
