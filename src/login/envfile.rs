//! logind's state files are environment files (KEY=VALUE lines) written by logind and read by
//! libsystemd 252's parse_env_file(): the same state machine here, so that every quirk a reader
//! can see (quoting, escapes, continuation lines, comments, what a key without a value means,
//! which bytes make the whole file an error) comes out the same.
//!
//! What a caller gets for each key it asks for: `None` when the key is absent or its value is
//! empty (252 hands back NULL for both, e.g. `KEY=` and `KEY=""`), else the value; a key given
//! twice keeps its last value, and a later empty one clears an earlier value.

use crate::cbuf::{read_file_max, CBuf};
use crate::errno::{Errno, Result};
use core::ffi::CStr;

/// The largest state file 252 reads: read_full_file() gives up with E2BIG once its buffer
/// reaches READ_FULL_BYTES_MAX (64 MiB - 1); the buffer it last allocates (64 MiB + 1 bytes, from
/// mmap) holds 64 MiB + 4079 bytes, and only a short read of that ends the file.
pub const MAX_FILE: usize = 64 * 1024 * 1024 + 4078;

const WHITESPACE: &[u8] = b" \t\n\r";
const NEWLINE: &[u8] = b"\n\r";
const COMMENTS: &[u8] = b"#;";
/// After a backslash inside double quotes these stand for themselves; any other byte keeps the
/// backslash, as a shell would.
const SHELL_NEED_ESCAPE: &[u8] = b"\"\\`$";

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    PreKey,
    Key,
    PreValue,
    Value,
    ValueEscape,
    SingleQuote,
    DoubleQuote,
    DoubleQuoteEscape,
    Comment,
    CommentEscape,
}

/// The value being built: `None` until its first byte, as 252 allocates it lazily and passes
/// NULL for a key whose value never got a byte.
struct Value(Option<CBuf>);

impl Value {
    fn push(&mut self, c: u8) -> Result<()> {
        match &mut self.0 {
            Some(b) => b.push(c),
            None => {
                self.0 = Some(CBuf::from_bytes(&[c])?);
                Ok(())
            }
        }
    }
    fn len(&self) -> usize {
        self.0.as_ref().map_or(0, CBuf::len)
    }
}

/// Reads `path` and returns, for each of `keys`, its value (see the module comment). Errors:
/// those of open/read, -EBADMSG when the file holds a NUL byte, -E2BIG above `MAX_FILE`, and
/// -EINVAL when any key or value in the file (asked for or not) is not valid UTF-8.
pub fn read<const N: usize>(path: &CStr, keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    let contents = read_file_max(path, MAX_FILE, Errno(libc::E2BIG))?;
    parse(contents.as_slice(), keys)
}

/// The parser on its own: what `read` does with the bytes of a file.
pub fn parse<const N: usize>(contents: &[u8], keys: [&[u8]; N]) -> Result<[Option<CBuf>; N]> {
    let mut found: [Option<CBuf>; N] = core::array::from_fn(|_| None);
    parse_into(contents, &keys, &mut found)?;
    Ok(found)
}

/// The state machine, once for every number of keys (it is most of this module's code).
#[inline(never)]
fn parse_into(contents: &[u8], keys: &[&[u8]], found: &mut [Option<CBuf>]) -> Result<()> {
    // read_full_file() without a size out-pointer refuses embedded NULs: the caller could not
    // tell them from the end.
    if crate::sys::memchr(contents, 0).is_some() {
        return Err(Errno(libc::EBADMSG));
    }
    let mut push = |key: &[u8], value: Option<CBuf>| -> Result<()> {
        if !utf8_is_valid(key) || value.as_ref().is_some_and(|v| !utf8_is_valid(v.as_slice())) {
            return Err(Errno::EINVAL);
        }
        if let Some(i) = keys.iter().position(|k| *k == key) {
            if let Some(slot) = found.get_mut(i) {
                *slot = value;
            }
        }
        Ok(())
    };

    let mut state = State::PreKey;
    let mut key = CBuf::new();
    let mut value = Value(None);
    // Where trailing whitespace of the key and of an unquoted value starts, if it does.
    let mut key_ws: Option<usize> = None;
    let mut value_ws: Option<usize> = None;

    for &c in contents {
        match state {
            State::PreKey => {
                if COMMENTS.contains(&c) {
                    state = State::Comment;
                } else if !WHITESPACE.contains(&c) {
                    state = State::Key;
                    key_ws = None;
                    key.push(c)?;
                }
            }
            State::Key => {
                if NEWLINE.contains(&c) {
                    // A line without '=' is dropped.
                    state = State::PreKey;
                    key.truncate(0);
                } else if c == b'=' {
                    state = State::PreValue;
                    value_ws = None;
                } else {
                    if !WHITESPACE.contains(&c) {
                        key_ws = None;
                    } else if key_ws.is_none() {
                        key_ws = Some(key.len());
                    }
                    key.push(c)?;
                }
            }
            State::PreValue => {
                if NEWLINE.contains(&c) {
                    state = State::PreKey;
                    let v = value.0.take();
                    push(trimmed(&key, key_ws), v)?;
                    key.truncate(0);
                } else if c == b'\'' {
                    state = State::SingleQuote;
                } else if c == b'"' {
                    state = State::DoubleQuote;
                } else if c == b'\\' {
                    state = State::ValueEscape;
                } else if !WHITESPACE.contains(&c) {
                    state = State::Value;
                    value.push(c)?;
                }
            }
            State::Value => {
                if NEWLINE.contains(&c) {
                    state = State::PreKey;
                    let v = chomp(value.0.take(), value_ws);
                    push(trimmed(&key, key_ws), v)?;
                    key.truncate(0);
                } else if c == b'\\' {
                    state = State::ValueEscape;
                    value_ws = None;
                } else {
                    if !WHITESPACE.contains(&c) {
                        value_ws = None;
                    } else if value_ws.is_none() {
                        value_ws = Some(value.len());
                    }
                    value.push(c)?;
                }
            }
            State::ValueEscape => {
                state = State::Value;
                // A backslash before a newline joins the lines.
                if !NEWLINE.contains(&c) {
                    value.push(c)?;
                }
            }
            State::SingleQuote => {
                if c == b'\'' {
                    state = State::PreValue;
                } else {
                    value.push(c)?;
                }
            }
            State::DoubleQuote => {
                if c == b'"' {
                    state = State::PreValue;
                } else if c == b'\\' {
                    state = State::DoubleQuoteEscape;
                } else {
                    value.push(c)?;
                }
            }
            State::DoubleQuoteEscape => {
                state = State::DoubleQuote;
                if SHELL_NEED_ESCAPE.contains(&c) {
                    value.push(c)?;
                } else if c != b'\n' {
                    value.push(b'\\')?;
                    value.push(c)?;
                }
            }
            State::Comment => {
                if c == b'\\' {
                    state = State::CommentEscape;
                } else if NEWLINE.contains(&c) {
                    state = State::PreKey;
                }
            }
            State::CommentEscape => state = State::Comment,
        }
    }

    // The last line needs no newline; an open quote just ends with the file.
    match state {
        State::PreValue
        | State::Value
        | State::ValueEscape
        | State::SingleQuote
        | State::DoubleQuote
        | State::DoubleQuoteEscape => {
            let v = value.0.take();
            let v = if state == State::Value { chomp(v, value_ws) } else { v };
            push(trimmed(&key, key_ws), v)?;
        }
        _ => {}
    }
    Ok(())
}

fn trimmed(key: &CBuf, ws: Option<usize>) -> &[u8] {
    let k = key.as_slice();
    match ws {
        Some(n) => k.get(..n).unwrap_or(k),
        None => k,
    }
}

/// The value without its trailing whitespace. 252 cuts the C string there: the value stays
/// non-NULL even if nothing were left (which cannot happen: an unquoted value starts with a
/// byte that is not whitespace).
fn chomp(v: Option<CBuf>, ws: Option<usize>) -> Option<CBuf> {
    let mut v = v?;
    if let Some(n) = ws {
        v.truncate(n);
    }
    Some(v)
}

/// systemd's utf8_is_valid(): well-formed UTF-8 of code points up to U+10FFFF, no overlong
/// forms, no surrogates, and none of the noncharacters (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF).
pub fn utf8_is_valid(s: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let len = match b {
            0x00..=0x7f => {
                i += 1;
                continue;
            }
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            0xf8..=0xfb => 5,
            0xfc..=0xfd => 6,
            _ => return false,
        };
        let Some(seq) = s.get(i..i + len) else { return false };
        let mut ch: u32 = u32::from(b) & (0x7f >> len);
        for &c in seq.iter().skip(1) {
            if c & 0xc0 != 0x80 {
                return false;
            }
            ch = (ch << 6) | u32::from(c & 0x3f);
        }
        let needed = match ch {
            0..=0x7f => 1,
            0x80..=0x7ff => 2,
            0x800..=0xffff => 3,
            0x10000..=0x1f_ffff => 4,
            0x20_0000..=0x3ff_ffff => 5,
            _ => 6,
        };
        if needed != len || !unichar_is_valid(ch) {
            return false;
        }
        i += len;
    }
    true
}

/// systemd's unichar_is_valid().
pub fn unichar_is_valid(ch: u32) -> bool {
    ch < 0x110000 && (ch & 0xffff_f800) != 0xd800 && !(0xfdd0..=0xfdef).contains(&ch) && (ch & 0xfffe) != 0xfffe
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, key: &str) -> Result<Option<std::string::String>> {
        let [v] = parse(text.as_bytes(), [key.as_bytes()])?;
        Ok(v.map(|b| std::string::String::from_utf8(b.as_slice().to_vec()).unwrap()))
    }

    #[test]
    fn quoting_and_escapes() {
        assert_eq!(one("A=1\n", "A"), Ok(Some("1".into())));
        assert_eq!(one("A = x y  \n", "A"), Ok(Some("x y".into())));
        assert_eq!(one("A=\"a \\\"b\\\" \\n\"\n", "A"), Ok(Some("a \"b\" \\n".into())));
        assert_eq!(one("A='a\\b'c d\n", "A"), Ok(Some("a\\bc d".into())));
        assert_eq!(one("A=x\\\ny\n", "A"), Ok(Some("xy".into())));
        assert_eq!(one("A=1\nA=\n", "A"), Ok(None));
        assert_eq!(one("A=\"\"\n", "A"), Ok(None));
        assert_eq!(one("# A=1 \\\nA=2\n", "A"), Ok(None));
        assert_eq!(one("A=\"open", "A"), Ok(Some("open".into())));
        assert_eq!(one("A\nA=3", "A"), Ok(Some("3".into())));
        assert_eq!(one("B=\u{fdd0}\nA=1\n", "A"), Err(Errno::EINVAL));
        assert_eq!(one("A=1\0", "A"), Err(Errno(libc::EBADMSG)));
    }

    #[test]
    fn utf8_rules() {
        assert!(utf8_is_valid("aé€😀".as_bytes()));
        assert!(!utf8_is_valid(b"\xc0\x80"));
        assert!(!utf8_is_valid(b"\xed\xa0\x80"));
        assert!(!utf8_is_valid(b"\xef\xbf\xbe"));
        assert!(!utf8_is_valid(b"\xf4\x90\x80\x80"));
        assert!(!utf8_is_valid(b"\xe2\x82"));
    }
}
