//! Text made safe for a terminal (and for a log collector): everything sdlite-listen prints that
//! came from somebody else goes through here (issue 15).
//!
//! Printable ASCII and valid, printable UTF-8 pass as they are; bytes below 0x20, DEL, backslash
//! and bytes that are not valid UTF-8 become `\xNN`; C1 controls, bidi and other invisible
//! format characters and noncharacters become `\uXXXX` (`\UXXXXXXXX` above the BMP). Backslash
//! is escaped too, so an escape in the output always means the sender sent something else.

use std::fmt::Write;

/// The valid, shortest-form UTF-8 sequence at the start of `p`: its length (1..=4) and code
/// point; None for a stray continuation byte, an overlong form, a surrogate, a value above
/// U+10FFFF or a sequence cut short.
pub fn utf8_decode(p: &[u8]) -> Option<(usize, u32)> {
    let c = *p.first()?;
    if c < 0x80 {
        return Some((1, u32::from(c)));
    }
    let (len, first, lo, hi) = match c {
        0xc2..=0xdf => (2, c & 0x1f, 0x80, 0xbf),
        0xe0 => (3, c & 0x0f, 0xa0, 0xbf), // overlong below
        0xed => (3, c & 0x0f, 0x80, 0x9f), // surrogates above
        0xe1..=0xef => (3, c & 0x0f, 0x80, 0xbf),
        0xf0 => (4, c & 0x07, 0x90, 0xbf), // overlong below
        0xf4 => (4, c & 0x07, 0x80, 0x8f), // above U+10FFFF
        0xf1..=0xf3 => (4, c & 0x07, 0x80, 0xbf),
        _ => return None,
    };
    let second = *p.get(1)?;
    if second < lo || second > hi || p.len() < len {
        return None;
    }
    let mut cp = u32::from(first);
    for &b in p.get(1..len)? {
        if b & 0xc0 != 0x80 {
            return None;
        }
        cp = (cp << 6) | u32::from(b & 0x3f);
    }
    Some((len, cp))
}

/// Code points that must not reach a terminal as they are: C1 controls (CSI, OSC, ... as
/// U+0080..U+009F), bidi controls and other invisible format characters that reorder or hide
/// text, noncharacters, tags.
pub fn cp_unsafe(c: u32) -> bool {
    (0x80..=0x9f).contains(&c)
        || c == 0x061c
        || c == 0x180e
        || (0x200b..=0x200f).contains(&c)
        || (0x2028..=0x202e).contains(&c)
        || (0x2060..=0x206f).contains(&c)
        || c == 0xfeff
        || (0xfff9..=0xfffb).contains(&c)
        || (0xfdd0..=0xfdef).contains(&c)
        || (c & 0xfffe) == 0xfffe
        || (0xe0000..=0xe007f).contains(&c)
}

/// Appends `s`, escaped, to `out` while `out` stays below `cap` bytes (room is kept for the
/// longest escape). Returns false if it had to stop before the end of `s`.
pub fn escape_into(out: &mut String, cap: usize, s: &[u8]) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        if out.len().saturating_add(12) > cap {
            return false;
        }
        let first = rest.first().copied().unwrap_or(0);
        let step = match utf8_decode(rest) {
            Some((1, cp)) if cp < 0x20 || cp == 0x7f || cp == u32::from(b'\\') => {
                let _ = write!(out, "\\x{first:02x}");
                1
            }
            None => {
                let _ = write!(out, "\\x{first:02x}");
                1
            }
            Some((l, cp)) if cp_unsafe(cp) => {
                if cp > 0xffff {
                    let _ = write!(out, "\\U{cp:08x}");
                } else {
                    let _ = write!(out, "\\u{cp:04x}");
                }
                l
            }
            Some((l, cp)) => {
                if let Some(ch) = char::from_u32(cp) {
                    out.push(ch);
                }
                l
            }
        };
        rest = rest.get(step..).unwrap_or_default();
    }
    true
}

/// `s` escaped, at most about `cap` bytes, "..." appended when cut.
pub fn escape(s: &[u8], cap: usize) -> String {
    let mut out = String::new();
    if !escape_into(&mut out, cap, s) {
        out.push_str("...");
    }
    out
}

/// `s` escaped without a length limit (paths, option values: short by nature).
pub fn esc(s: &[u8]) -> String {
    escape(s, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_text_passes() {
        assert_eq!(esc("READY=1 grüße € 😀".as_bytes()), "READY=1 grüße € 😀");
    }

    #[test]
    fn controls_invalid_bytes_and_bidi_are_escaped() {
        assert_eq!(esc(b"a\x1b[2K\r\x7f\\b"), "a\\x1b[2K\\x0d\\x7f\\x5cb");
        assert_eq!(esc(b"\x9b\xc2\x9b"), "\\x9b\\u009b");
        assert_eq!(esc("\u{202e}x\u{2066}".as_bytes()), "\\u202ex\\u2066");
        assert_eq!(
            esc(b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82"),
            "\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80\\xe2\\x82"
        );
        assert_eq!(esc("\u{e0041}".as_bytes()), "\\U000e0041");
    }

    #[test]
    fn cut_at_the_cap() {
        let long = [b'a'; 100];
        let s = escape(&long, 40);
        assert!(s.len() <= 40 + 3 && s.ends_with("..."));
        let mut out = String::new();
        assert!(!escape_into(&mut out, 40, &long));
        assert!(escape_into(&mut out, usize::MAX, b"ok"));
    }
}
