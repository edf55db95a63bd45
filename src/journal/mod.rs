//! sd-journal's sending side: structured entries to journald over its native protocol, and
//! stream connections for line-by-line logging.
//!
//! `ffi` is this family's C surface; the variadic printf-style front ends are in
//! `csrc/journal.c` and end up in `send` here.

pub mod ffi;
mod field;
mod stream;
mod transport;

use crate::bytes::StackBuf;
use crate::errno::{Errno, Result};
use crate::sys::{self, IoSlice};
pub use field::Field;
use field::{Shape, Sink};

/// An entry too big for `STACK_BYTES` goes to the kernel as a gather list of up to this many
/// pieces (its bytes are not copied: a 40 MiB field goes from the caller's memory to the kernel
/// or the memfd); one of more pieces is copied into an anonymous mapping, which also lifts
/// libsystemd's 1024-piece limit.
const STACK_PIECES: usize = 64;
/// Binary (multi-line) values whose length headers fit beside them.
const STACK_HEADERS: usize = 8;
/// Entries up to this many bytes on the wire are copied into one buffer on the stack and reach
/// the kernel as one piece: for a small entry the kernel's walk over a gather list costs more
/// than the copy (bench/: 13 pieces cost 275-445 ns more per sendmsg than 1; the copy 43-76 ns).
const STACK_BYTES: usize = 2048;

/// What the checking pass learnt about the entries.
struct Plan {
    pieces: usize,
    bytes: usize,
    binary: usize,
    has_identifier: bool,
}

/// The entries of one call: `count` of them, the i-th from `get(i)`, None for an entry whose
/// pointer is NULL. A function rather than an iterator type, so that the encoder is compiled
/// once for every way the C functions assemble their entries (the library stays small).
#[derive(Clone, Copy)]
pub struct Entries<'f, 'a> {
    pub count: usize,
    pub get: &'f dyn Fn(usize) -> Option<Field<'a>>,
}

impl<'f, 'a> Entries<'f, 'a> {
    fn iter(self) -> impl Iterator<Item = Option<Field<'a>>> + Clone + 'f
    where
        'a: 'f,
    {
        (0..self.count).map(self.get)
    }
}

/// sd_journal_sendv(): checks every entry (no I/O happens for an invalid one), adds
/// SYSLOG_IDENTIFIER when none is given and the program's short name is safe, and sends.
pub fn sendv(entries: Entries) -> Result<()> {
    let fields = entries.iter();
    let mut headers = [[0u8; 9]; STACK_HEADERS];
    let mut plan = Plan { pieces: 0, bytes: 0, binary: 0, has_identifier: false };
    // One pass checks every entry and, while the entry still fits, encodes it into `small`.
    let mut small = StackBuf::<STACK_BYTES>::new();
    for f in fields.clone() {
        let f = f.ok_or(Errno::EINVAL)?;
        let shape = field::shape(&f)?;
        let header = match shape {
            Shape::Binary { eq } => {
                let h = field::length_header(f.len() - eq - 1);
                if let Some(slot) = headers.get_mut(plan.binary) {
                    *slot = h;
                }
                plan.binary += 1;
                h
            }
            Shape::Plain { .. } => [0; 9],
        };
        plan.has_identifier |= field::is_identifier(&f, shape);
        plan.pieces = plan.pieces.saturating_add(field::max_pieces(&f, shape));
        plan.bytes = plan.bytes.saturating_add(field::wire_len(&f, shape));
        if !small.overflowed() {
            field::encode(&f, shape, &header, &mut Copy(&mut small));
        }
    }
    if plan.pieces == 0 {
        return Err(Errno::EINVAL);
    }
    let identifier = if plan.has_identifier {
        None
    } else {
        sys::program_short_name().map(|s| s.to_bytes()).filter(|s| field::is_safe(s))
    };
    if let Some(name) = identifier {
        plan.pieces += 3;
        plan.bytes = plan.bytes.saturating_add(b"SYSLOG_IDENTIFIER=".len() + name.len() + 1);
        for p in [&b"SYSLOG_IDENTIFIER="[..], name, b"\n"] {
            small.push(p);
        }
    }
    if !small.overflowed() {
        return transport::send(&mut [IoSlice::new(small.bytes())]);
    }

    if plan.pieces <= STACK_PIECES && plan.binary <= STACK_HEADERS {
        let mut list = Pieces { list: [IoSlice::EMPTY; STACK_PIECES], len: 0 };
        encode_all(fields, &headers, identifier, &mut list);
        let pieces = list.list.get_mut(..list.len).unwrap_or_default();
        return transport::send(pieces);
    }
    let mut buffer = sys::Mapping::new(plan.bytes)?;
    let mut out = Buffer { bytes: buffer.bytes_mut(), len: 0 };
    encode_all_copied(fields, identifier, &mut out);
    let len = out.len;
    let bytes = buffer.bytes_mut();
    transport::send(&mut [IoSlice::new(bytes.get(..len).unwrap_or_default())])
}

fn encode_all<'a: 'b, 'b, I>(fields: I, headers: &'b [[u8; 9]], identifier: Option<&'b [u8]>, sink: &mut impl Sink<'b>)
where
    I: Iterator<Item = Option<Field<'a>>>,
{
    let mut binary = headers.iter();
    for f in fields.flatten() {
        let Ok(shape) = field::shape(&f) else { continue };
        let header: &[u8] = match shape {
            Shape::Binary { .. } => binary.next().map_or(&[][..], |h| &h[..]),
            Shape::Plain { .. } => &[],
        };
        field::encode(&f, shape, header, sink);
    }
    if let Some(name) = identifier {
        sink.piece(b"SYSLOG_IDENTIFIER=");
        sink.piece(name);
        sink.piece(b"\n");
    }
}

/// The copying form of `encode_all`, for entries too many for a gather list: each length
/// header is made where it is written.
fn encode_all_copied<'a, I>(fields: I, identifier: Option<&'a [u8]>, sink: &mut Buffer)
where
    I: Iterator<Item = Option<Field<'a>>>,
{
    for f in fields.flatten() {
        let Ok(shape) = field::shape(&f) else { continue };
        let header = match shape {
            Shape::Binary { eq } => field::length_header(f.len() - eq - 1),
            Shape::Plain { .. } => [0; 9],
        };
        let mut copy = Copy(sink);
        field::encode(&f, shape, &header, &mut copy);
    }
    if let Some(name) = identifier {
        for p in [&b"SYSLOG_IDENTIFIER="[..], name, b"\n"] {
            sink.write(p);
        }
    }
}

struct Pieces<'a> {
    list: [IoSlice<'a>; STACK_PIECES],
    len: usize,
}

impl<'a> Sink<'a> for Pieces<'a> {
    fn piece(&mut self, bytes: &'a [u8]) {
        if let Some(slot) = self.list.get_mut(self.len) {
            *slot = IoSlice::new(bytes);
            self.len += 1;
        }
    }
}

struct Buffer<'m> {
    bytes: &'m mut [u8],
    len: usize,
}

impl Buffer<'_> {
    fn write(&mut self, b: &[u8]) {
        crate::bytes::put(self.bytes, self.len, b);
        self.len += b.len();
    }
}

/// Where bytes can be copied to.
trait Write {
    fn write(&mut self, b: &[u8]);
}

impl Write for Buffer<'_> {
    fn write(&mut self, b: &[u8]) {
        Buffer::write(self, b);
    }
}

impl<const N: usize> Write for StackBuf<N> {
    fn write(&mut self, b: &[u8]) {
        self.push(b);
    }
}

/// Adapts a `Write` to `Sink` for bytes of any lifetime: they are copied at once.
struct Copy<'s, W: Write>(&'s mut W);

impl<'a, W: Write> Sink<'a> for Copy<'_, W> {
    fn piece(&mut self, bytes: &'a [u8]) {
        self.0.write(bytes);
    }
}

/// sd_journal_perror(): `PRIORITY=3`, `MESSAGE=[message: ]<strerror(e)>`, `ERRNO=e`, after the
/// `location` entries when given.
pub fn perror(location: Option<[Field; 3]>, message: &[u8], e: i32) -> Result<()> {
    let mut text = [0u8; 256];
    let text = sys::strerror(e, &mut text);
    let mut digits = [0u8; 20];
    let digits = crate::bytes::decimal(e.into(), &mut digits);
    let message = if message.is_empty() {
        Field::joined(&[b"MESSAGE=", text])
    } else {
        Field::joined(&[b"MESSAGE=", message, b": ", text])
    };
    let own = [Field::whole(b"PRIORITY=3"), message, Field::joined(&[b"ERRNO=", digits])];
    let before: &[Field] = match &location {
        Some(l) => l,
        None => &[],
    };
    let get = |i: usize| before.get(i).or_else(|| own.get(i - before.len())).copied();
    sendv(Entries { count: before.len() + own.len(), get: &get })
}

/// sd_journal_stream_fd_with_namespace(); `namespace` None is the default journal.
pub fn stream_fd(namespace: Option<&[u8]>, identifier: &[u8], priority: i32, level_prefix: bool) -> Result<i32> {
    stream::open(namespace, identifier, priority, level_prefix).map(sys::into_raw)
}
