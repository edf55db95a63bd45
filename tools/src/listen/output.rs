//! One line per event on stdout, in one of three formats:
//! - text (the default, as the C listener printed it): `[   1.503] name: READY after 1.503 s`
//! - logfmt (`--logfmt`): `t=1.503 name=svc event=ready after=1.503 msg="READY after 1.503 s"`
//! - JSON (`--json`): `{"t":1.503,"name":"svc","event":"ready","after":1.503,"msg":"..."}`
//!
//! Every string that came from elsewhere is already escaped (escape.rs) when it gets here, so
//! logfmt and JSON only quote `"` and `\`. Lines caused by what senders send are rate-limited
//! per kind, with a summary line of what was left out.

use super::values::fmt_sec;
use std::fmt::Write as _;
use std::io::Write as _;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Logfmt,
    Json,
}

/// A value of an event's key.
pub enum V<'a> {
    S(&'a str),
    I(i64),
    /// microseconds, printed as seconds with three decimals
    Sec(u64),
}

pub const RL_FIELDS: usize = 0;
pub const RL_EVENTS: usize = 1;
pub const RL_REFUSED: usize = 2;
pub const RL_WINDOW_USEC: u64 = 1_000_000;

struct Ratelimit {
    what: &'static str,
    max: u32,
    start: u64,
    shown: u32,
    dropped: u64,
}

pub struct Out {
    t0: u64,
    format: Format,
    name: String,
    pub quiet: bool,
    /// print nothing (unit tests)
    pub muted: bool,
    /// stdout is a closed pipe (`| head`): the loop stops COMMAND and leaves
    pub gone: bool,
    rl: [Ratelimit; 3],
}

pub fn now_usec() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000)
        .wrapping_add(ts.tv_nsec as u64 / 1000)
}

fn logfmt_value(line: &mut String, s: &str) {
    if !s.is_empty()
        && !s
            .bytes()
            .any(|b| b == b' ' || b == b'=' || b == b'"' || b == b'\\')
    {
        line.push_str(s);
        return;
    }
    line.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            line.push('\\');
        }
        line.push(c);
    }
    line.push('"');
}

fn json_string(line: &mut String, s: &str) {
    line.push('"');
    for c in s.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(line, "\\u{:04x}", c as u32);
            }
            c => line.push(c),
        }
    }
    line.push('"');
}

impl Out {
    pub fn new(format: Format) -> Out {
        let rl = |what, max| Ratelimit {
            what,
            max,
            start: 0,
            shown: 0,
            dropped: 0,
        };
        Out {
            t0: now_usec(),
            format,
            name: String::new(),
            quiet: false,
            muted: false,
            gone: false,
            rl: [
                rl("lines from messages", 1000),
                rl("READY/WATCHDOG/LATE notes", 50),
                rl("refused messages", 3),
            ],
        }
    }

    pub fn t0(&self) -> u64 {
        self.t0
    }

    /// `name` is already escaped.
    pub fn set_name(&mut self, name: String) {
        self.name = name;
    }

    /// One event: `text` is the line of the text format, `kv` its fields for logfmt and JSON.
    pub fn line(&mut self, event: &str, kv: &[(&str, V)], text: &str) {
        let t = now_usec().saturating_sub(self.t0);
        let mut line = String::with_capacity(text.len() + 64);
        match self.format {
            Format::Text => {
                let _ = write!(line, "[{:4}.{:03}] ", t / 1_000_000, t % 1_000_000 / 1000);
                if !self.name.is_empty() {
                    line.push_str(&self.name);
                    line.push_str(": ");
                }
                line.push_str(text);
            }
            Format::Logfmt => {
                let _ = write!(line, "t={}", fmt_sec(t));
                if !self.name.is_empty() {
                    line.push_str(" name=");
                    logfmt_value(&mut line, &self.name);
                }
                line.push_str(" event=");
                line.push_str(event);
                for (k, v) in kv {
                    let _ = write!(line, " {k}=");
                    match v {
                        V::S(s) => logfmt_value(&mut line, s),
                        V::I(n) => {
                            let _ = write!(line, "{n}");
                        }
                        V::Sec(u) => line.push_str(&fmt_sec(*u)),
                    }
                }
                line.push_str(" msg=");
                logfmt_value(&mut line, text);
            }
            Format::Json => {
                let _ = write!(line, "{{\"t\":{}", fmt_sec(t));
                if !self.name.is_empty() {
                    line.push_str(",\"name\":");
                    json_string(&mut line, &self.name);
                }
                line.push_str(",\"event\":");
                json_string(&mut line, event);
                for (k, v) in kv {
                    line.push(',');
                    json_string(&mut line, k);
                    line.push(':');
                    match v {
                        V::S(s) => json_string(&mut line, s),
                        V::I(n) => {
                            let _ = write!(line, "{n}");
                        }
                        V::Sec(u) => line.push_str(&fmt_sec(*u)),
                    }
                }
                line.push_str(",\"msg\":");
                json_string(&mut line, text);
                line.push('}');
            }
        }
        line.push('\n');
        if self.muted {
            return;
        }
        let mut so = std::io::stdout().lock();
        // std ignores SIGPIPE: a reader that went away is EPIPE here
        if so
            .write_all(line.as_bytes())
            .and_then(|()| so.flush())
            .is_err()
        {
            self.gone = true;
        }
    }

    /// A line of the message-field kind (what --quiet leaves out), rate-limited.
    pub fn field_line(&mut self, event: &str, kv: &[(&str, V)], text: &str) {
        if !self.quiet && self.take(RL_FIELDS) {
            self.line(event, kv, text);
        }
    }

    fn flush_rl(&mut self, k: usize, now: u64) {
        let Some(rl) = self.rl.get_mut(k) else { return };
        let (what, dropped, max) = (rl.what, rl.dropped, rl.max);
        rl.start = now;
        rl.shown = 0;
        rl.dropped = 0;
        if dropped > 0 {
            self.line(
                "ratelimit",
                &[
                    ("what", V::S(what)),
                    ("dropped", V::I(dropped as i64)),
                    ("max", V::I(i64::from(max))),
                ],
                &format!("(rate limit: {dropped} {what} not shown, more than {max} a second)"),
            );
        }
    }

    /// May one more line of kind `k` be shown now? Counts it as left out otherwise.
    pub fn take(&mut self, k: usize) -> bool {
        let now = now_usec();
        let due = self
            .rl
            .get(k)
            .is_some_and(|rl| now.saturating_sub(rl.start) >= RL_WINDOW_USEC);
        if due {
            self.flush_rl(k, now);
        }
        let Some(rl) = self.rl.get_mut(k) else {
            return false;
        };
        if rl.shown < rl.max {
            rl.shown += 1;
            true
        } else {
            rl.dropped += 1;
            false
        }
    }

    /// Summaries of windows that are over; the time the next one is due, if any.
    pub fn flush_due(&mut self, now: u64) -> Option<u64> {
        let mut wake = None::<u64>;
        for k in 0..self.rl.len() {
            let Some(rl) = self.rl.get(k) else { continue };
            if rl.dropped == 0 {
                continue;
            }
            let end = rl.start.saturating_add(RL_WINDOW_USEC);
            if now >= end {
                self.flush_rl(k, now);
            } else {
                wake = Some(wake.map_or(end, |w| w.min(end)));
            }
        }
        wake
    }

    /// Every summary, now (at exit).
    pub fn flush_all(&mut self) {
        let now = now_usec();
        for k in 0..self.rl.len() {
            self.flush_rl(k, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        logfmt_value(&mut s, "a b\"c\\");
        assert_eq!(s, r#""a b\"c\\""#);
        s.clear();
        logfmt_value(&mut s, "plain");
        assert_eq!(s, "plain");
        s.clear();
        json_string(&mut s, "x\"\\\u{1}");
        assert_eq!(s, r#""x\"\\\u0001""#);
    }
}
