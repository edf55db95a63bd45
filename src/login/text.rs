//! The small text rules of libsystemd 252 that logind's values go through after the env-file
//! parser: splitting into words (extract_first_word with no flags), booleans (parse_boolean)
//! and C escapes (cunescape, for DESKTOP).

use crate::cbuf::CBuf;
use crate::errno::{Errno, Result};

const WHITESPACE: &[u8] = b" \t\n\r";

/// How a backslash inside a word counts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Backslash {
    /// extract_first_word() without flags (string_contains_word, the seat's UIDS): it takes the
    /// next byte literally (a blank too) and is dropped; one at the very end is -EINVAL.
    Escapes,
    /// EXTRACT_RETAIN_ESCAPE (strv_split): an ordinary byte.
    Retained,
}

/// Calls `each` with every whitespace-separated word of `s` until it returns false, as 252's
/// extract_first_word() loops do.
pub fn extract_words(s: &[u8], bs: Backslash, mut each: impl FnMut(&[u8]) -> Result<bool>) -> Result<()> {
    let mut word = CBuf::new();
    let mut i = 0;
    loop {
        while s.get(i).is_some_and(|c| WHITESPACE.contains(c)) {
            i += 1;
        }
        if i >= s.len() {
            return Ok(());
        }
        word.truncate(0);
        while let Some(&c) = s.get(i) {
            if c == b'\\' && bs == Backslash::Escapes {
                let Some(&next) = s.get(i + 1) else { return Err(Errno::EINVAL) };
                word.push(next)?;
                i += 2;
            } else if WHITESPACE.contains(&c) {
                break;
            } else {
                word.push(c)?;
                i += 1;
            }
        }
        if !each(word.as_slice())? {
            return Ok(());
        }
    }
}

/// 252's parse_boolean(): 1/yes/y/true/t/on and 0/no/n/false/f/off, any case.
pub fn parse_boolean(v: &[u8]) -> Result<bool> {
    const YES: [&[u8]; 6] = [b"1", b"yes", b"y", b"true", b"t", b"on"];
    const NO: [&[u8]; 6] = [b"0", b"no", b"n", b"false", b"f", b"off"];
    if YES.iter().any(|y| y.eq_ignore_ascii_case(v)) {
        Ok(true)
    } else if NO.iter().any(|n| n.eq_ignore_ascii_case(v)) {
        Ok(false)
    } else {
        Err(Errno::EINVAL)
    }
}

fn unhex(c: Option<&u8>) -> Result<u32> {
    c.and_then(|c| (*c as char).to_digit(16)).ok_or(Errno::EINVAL)
}

fn unoct(c: Option<&u8>) -> Result<u32> {
    c.and_then(|c| (*c as char).to_digit(8)).ok_or(Errno::EINVAL)
}

/// 252's cunescape(s, 0): C escapes (\a \b \f \n \r \t \v \\ \" \' \s, \xHH, \ooo, \uHHHH,
/// \UHHHHHHHH); anything else after a backslash, a trailing backslash, an escaped NUL and an
/// invalid \U code point are -EINVAL. \x and octal escapes give that byte; \u and \U their UTF-8.
pub fn cunescape(s: &[u8]) -> Result<CBuf> {
    let mut out = CBuf::new();
    out.reserve(s.len())?;
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if c != b'\\' {
            out.push(c)?;
            i += 1;
            continue;
        }
        let rest = s.get(i + 1..).unwrap_or_default();
        let Some(&e) = rest.first() else { return Err(Errno::EINVAL) };
        let (consumed, byte, ch) = match e {
            b'a' => (1, Some(0x07), 0),
            b'b' => (1, Some(0x08), 0),
            b'f' => (1, Some(0x0c), 0),
            b'n' => (1, Some(b'\n'), 0),
            b'r' => (1, Some(b'\r'), 0),
            b't' => (1, Some(b'\t'), 0),
            b'v' => (1, Some(0x0b), 0),
            b'\\' | b'"' | b'\'' => (1, Some(e), 0),
            b's' => (1, Some(b' '), 0),
            b'x' => {
                if rest.len() < 3 {
                    return Err(Errno::EINVAL);
                }
                let v = (unhex(rest.get(1))? << 4) | unhex(rest.get(2))?;
                if v == 0 {
                    return Err(Errno::EINVAL);
                }
                (3, Some(v as u8), 0)
            }
            b'u' | b'U' => {
                let digits = if e == b'u' { 4 } else { 8 };
                if rest.len() < digits + 1 {
                    return Err(Errno::EINVAL);
                }
                let mut v: u32 = 0;
                for k in 1..=digits {
                    v = (v << 4) | unhex(rest.get(k))?;
                }
                if v == 0 || (e == b'U' && !super::envfile::unichar_is_valid(v)) {
                    return Err(Errno::EINVAL);
                }
                (digits + 1, None, v)
            }
            b'0'..=b'7' => {
                if rest.len() < 3 {
                    return Err(Errno::EINVAL);
                }
                let v = (unoct(rest.first())? << 6) | (unoct(rest.get(1))? << 3) | unoct(rest.get(2))?;
                if v == 0 || v > 255 {
                    return Err(Errno::EINVAL);
                }
                (3, Some(v as u8), 0)
            }
            _ => return Err(Errno::EINVAL),
        };
        match byte {
            Some(b) => out.push(b)?,
            None => {
                let mut buf = [0u8; 4];
                out.extend(utf8_encode(ch, &mut buf))?;
            }
        }
        i += 1 + consumed;
    }
    Ok(out)
}

/// systemd's utf8_encode_unichar() (which also encodes surrogates, as \u may give them).
fn utf8_encode(g: u32, buf: &mut [u8; 4]) -> &[u8] {
    let n = if g < 0x80 {
        buf[0] = g as u8;
        1
    } else if g < 0x800 {
        buf[0] = 0xc0 | (g >> 6) as u8;
        buf[1] = 0x80 | (g & 0x3f) as u8;
        2
    } else if g < 0x10000 {
        buf[0] = 0xe0 | (g >> 12) as u8;
        buf[1] = 0x80 | ((g >> 6) & 0x3f) as u8;
        buf[2] = 0x80 | (g & 0x3f) as u8;
        3
    } else if g < 0x200000 {
        buf[0] = 0xf0 | (g >> 18) as u8;
        buf[1] = 0x80 | ((g >> 12) & 0x3f) as u8;
        buf[2] = 0x80 | ((g >> 6) & 0x3f) as u8;
        buf[3] = 0x80 | (g & 0x3f) as u8;
        4
    } else {
        0
    };
    buf.get(..n).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Result<std::vec::Vec<std::string::String>> {
        let mut v = std::vec::Vec::new();
        extract_words(s.as_bytes(), Backslash::Escapes, |w| {
            v.push(std::string::String::from_utf8(w.to_vec()).unwrap());
            Ok(true)
        })?;
        Ok(v)
    }

    #[test]
    fn words_and_escapes() {
        assert_eq!(words("  a b\t c  ").unwrap(), ["a", "b", "c"]);
        assert_eq!(words("a\\ b c").unwrap(), ["a b", "c"]);
        assert_eq!(words("a\\"), Err(Errno::EINVAL));
        let mut v = std::vec::Vec::new();
        extract_words(b"a\\ b\\", Backslash::Retained, |w| {
            v.push(w.to_vec());
            Ok(true)
        })
        .unwrap();
        assert_eq!(v, [&b"a\\"[..], b"b\\"]);
        assert_eq!(cunescape(b"a\\x41\\u00e9\\101\\s").unwrap().as_slice(), "aAéA ".as_bytes());
        assert_eq!(cunescape(b"\\x00").err(), Some(Errno::EINVAL));
        assert_eq!(cunescape(b"x\\").err(), Some(Errno::EINVAL));
        assert_eq!(parse_boolean(b"YeS"), Ok(true));
        assert_eq!(parse_boolean(b"f"), Ok(false));
        assert!(parse_boolean(b"").is_err());
    }
}
