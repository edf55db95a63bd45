//! Journal entries and the native protocol's encoding of them (systemd's JOURNAL_NATIVE_PROTOCOL):
//! `NAME=value\n` when the entry has no newline, else `NAME\n`, the value's length as a
//! little-endian u64, the value, `\n`.
//!
//! An entry may be given in a few parts that are sent as if they were one string, so that
//! `CODE_FUNC=` + a function name, or perror's `MESSAGE=` + text + `: ` + strerror, need no
//! buffer of their own.

use crate::errno::{Errno, Result};

pub const MAX_PARTS: usize = 4;

/// One entry, "NAME=value", as up to `MAX_PARTS` byte strings read one after the other.
#[derive(Clone, Copy)]
pub struct Field<'a> {
    parts: [&'a [u8]; MAX_PARTS],
    count: usize,
    len: usize,
}

impl<'a> Field<'a> {
    pub fn whole(bytes: &'a [u8]) -> Field<'a> {
        Field { parts: [bytes, &[], &[], &[]], count: 1, len: bytes.len() }
    }

    /// `parts` beyond `MAX_PARTS` are not taken (callers pass constants of at most four).
    pub fn joined(parts: &[&'a [u8]]) -> Field<'a> {
        let mut f = Field { parts: [&[]; MAX_PARTS], count: parts.len().min(MAX_PARTS), len: 0 };
        for (slot, part) in f.parts.iter_mut().zip(parts) {
            *slot = part;
            f.len += part.len();
        }
        f
    }

    fn parts(&self) -> &[&'a [u8]] {
        self.parts.get(..self.count).unwrap_or_default()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn position(&self, byte: u8) -> Option<usize> {
        let mut offset = 0;
        for part in self.parts() {
            if let Some(i) = crate::sys::memchr(part, byte) {
                return Some(offset + i);
            }
            offset += part.len();
        }
        None
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        let mut rest = prefix;
        for part in self.parts() {
            let n = part.len().min(rest.len());
            if part.get(..n) != rest.get(..n) {
                return false;
            }
            rest = rest.get(n..).unwrap_or_default();
        }
        rest.is_empty()
    }

    /// Calls `f` with the non-empty pieces of the bytes `from..to` of the whole entry.
    fn each_piece(&self, from: usize, to: usize, mut f: impl FnMut(&'a [u8])) {
        let mut offset = 0;
        for part in self.parts() {
            let (start, end) = (offset, offset + part.len());
            offset = end;
            let (a, b) = (from.max(start), to.min(end));
            if a < b {
                if let Some(piece) = part.get(a - start..b - start) {
                    f(piece);
                }
            }
        }
    }
}

/// How an entry goes on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    /// No newline anywhere: the entry as is, then `\n`. `eq` is where the `=` is.
    Plain { eq: usize },
    /// The value holds a newline: name, `\n`, length, value, `\n`. `eq` is where the `=` is.
    Binary { eq: usize },
}

/// libsystemd's checks, the only ones a client makes (journald itself drops bad names): more
/// than one byte, an `=` that is not the first byte, and no newline before it.
pub fn shape(f: &Field) -> Result<Shape> {
    if f.len() <= 1 {
        return Err(Errno::EINVAL);
    }
    let eq = f.position(b'=').filter(|&i| i > 0).ok_or(Errno::EINVAL)?;
    match f.position(b'\n') {
        Some(nl) if nl < eq => Err(Errno::EINVAL),
        Some(_) => Ok(Shape::Binary { eq }),
        None => Ok(Shape::Plain { eq }),
    }
}

/// True for an entry that names the identifier itself, so none is added: exactly the name
/// `SYSLOG_IDENTIFIER` before the first `=`.
pub fn is_identifier(f: &Field, shape: Shape) -> bool {
    const NAME: &[u8] = b"SYSLOG_IDENTIFIER";
    let (Shape::Plain { eq } | Shape::Binary { eq }) = shape;
    eq == NAME.len() && f.starts_with(NAME)
}

/// systemd's string_is_safe(): what may go into the implicit SYSLOG_IDENTIFIER.
pub fn is_safe(s: &[u8]) -> bool {
    s.iter().all(|&c| c >= b' ' && !matches!(c, b'"' | b'\'' | b'\\' | 0x7f))
}

/// The `\n` + little-endian u64 that introduce a binary value.
pub fn length_header(value_len: usize) -> [u8; 9] {
    let mut h = [b'\n'; 9];
    for (dst, src) in h.iter_mut().skip(1).zip((value_len as u64).to_le_bytes()) {
        *dst = src;
    }
    h
}

/// Bytes `f` takes on the wire.
pub fn wire_len(f: &Field, shape: Shape) -> usize {
    match shape {
        Shape::Plain { .. } => f.len() + 1,
        Shape::Binary { .. } => f.len() + 9,
    }
}

/// Upper bound of the pieces `f` takes on the wire.
pub fn max_pieces(f: &Field, shape: Shape) -> usize {
    match shape {
        Shape::Plain { .. } => f.count + 1,
        Shape::Binary { .. } => 2 * f.count + 2,
    }
}

/// Where encoded bytes go: a gather list (bytes borrowed, not copied) or one buffer.
pub trait Sink<'a> {
    fn piece(&mut self, bytes: &'a [u8]);
}

/// Writes `f` in its wire form; `header` is `length_header` of its value for a binary entry.
pub fn encode<'a>(f: &Field<'a>, shape: Shape, header: &'a [u8], sink: &mut impl Sink<'a>) {
    let len = f.len();
    match shape {
        Shape::Plain { .. } => {
            for p in f.parts() {
                sink.piece(p);
            }
        }
        Shape::Binary { eq } => {
            f.each_piece(0, eq, |p| sink.piece(p));
            sink.piece(header);
            f.each_piece(eq + 1, len, |p| sink.piece(p));
        }
    }
    sink.piece(b"\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes(Vec<u8>);
    impl<'a> Sink<'a> for Bytes {
        fn piece(&mut self, b: &'a [u8]) {
            self.0.extend_from_slice(b);
        }
    }

    fn wire(f: Field) -> Result<Vec<u8>> {
        let s = shape(&f)?;
        let h = match s {
            Shape::Binary { eq } => length_header(f.len() - eq - 1),
            Shape::Plain { .. } => [0; 9],
        };
        let mut out = Bytes(Vec::new());
        encode(&f, s, &h, &mut out);
        assert_eq!(out.0.len(), wire_len(&f, s));
        Ok(out.0)
    }

    #[test]
    fn plain_and_binary_forms() {
        assert_eq!(wire(Field::whole(b"MESSAGE=hi")).unwrap(), b"MESSAGE=hi\n");
        assert_eq!(wire(Field::whole(b"A=1\n2")).unwrap(), b"A\n\x03\0\0\0\0\0\0\x001\n2\n");
        assert_eq!(wire(Field::whole(b"A=1\x002")).unwrap(), b"A=1\x002\n");
        assert_eq!(wire(Field::whole(b"A=")).unwrap(), b"A=\n");
        assert_eq!(wire(Field::whole(b"M=x\n")).unwrap(), b"M\n\x02\0\0\0\0\0\0\0x\n\n");
    }

    #[test]
    fn parts_read_as_one_string() {
        let f = Field::joined(&[b"CODE_FUNC=", b"ma\nin"]);
        assert_eq!(wire(f).unwrap(), b"CODE_FUNC\n\x05\0\0\0\0\0\0\0ma\nin\n");
        let f = Field::joined(&[b"MESS", b"AGE=", b"", b"x"]);
        assert_eq!(wire(f).unwrap(), b"MESSAGE=x\n");
        let f = Field::joined(&[b"A", b"B=\n"]);
        assert_eq!(wire(f).unwrap(), b"AB\n\x01\0\0\0\0\0\0\0\n\n");
    }

    #[test]
    fn what_libsystemd_refuses() {
        for bad in [&b""[..], b"A", b"=", b"AB", b"=B", b"A\nB=1", b"\n="] {
            assert_eq!(shape(&Field::whole(bad)), Err(Errno::EINVAL), "{bad:?}");
        }
        assert_eq!(shape(&Field::joined(&[b"", b"A"])), Err(Errno::EINVAL));
    }

    #[test]
    fn identifier_is_exactly_that_name() {
        let yes = Field::whole(b"SYSLOG_IDENTIFIER=me");
        let no = Field::whole(b"SYSLOG_IDENTIFIERX=me");
        let split = Field::joined(&[b"SYSLOG_", b"IDENTIFIER=a\nb"]);
        assert!(is_identifier(&yes, shape(&yes).unwrap()));
        assert!(!is_identifier(&no, shape(&no).unwrap()));
        assert!(is_identifier(&split, shape(&split).unwrap()));
    }

    #[test]
    fn safe_names() {
        assert!(is_safe(b"prog"));
        assert!(is_safe(b""));
        assert!(is_safe("pr\u{f6}g".as_bytes()));
        for bad in [&b"a\tb"[..], b"a\"", b"a'", b"a\\", b"a\x7f", b"\x01"] {
            assert!(!is_safe(bad));
        }
    }
}
