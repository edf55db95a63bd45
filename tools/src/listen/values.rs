//! Option values: numbers, seconds, durations with units, signal names.

/// A decimal u64 without sign or spaces (strtoull's accepted subset that matters here).
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// "1.5" seconds (no unit) or a duration with a unit ("500ms", "2s", "1min"), in microseconds;
/// at most 10^9 s, as the C listener allowed for --timeout.
pub fn parse_seconds(s: &str) -> Option<u64> {
    parse_with_default_unit(s, 1_000_000)
}

/// A microsecond count ("2000000", as in WATCHDOG_USEC) or a duration with a unit ("2s").
pub fn parse_usec_or_duration(s: &str) -> Option<u64> {
    parse_with_default_unit(s, 1)
}

fn parse_with_default_unit(s: &str, default_unit: u64) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = (s.get(..split)?, s.get(split..)?.trim());
    if num.is_empty() || num.starts_with('.') && num.len() == 1 {
        return None;
    }
    let mult: u64 = match unit {
        "" => default_unit,
        "us" | "usec" | "µs" => 1,
        "ms" | "msec" => 1_000,
        "s" | "sec" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" | "hr" => 3_600_000_000,
        _ => return None,
    };
    if !num.contains('.') {
        return parse_u64(num)?.checked_mul(mult);
    }
    let v: f64 = num.parse().ok()?;
    let usec = v * mult as f64;
    if !(0.0..=1e15).contains(&usec) {
        return None;
    }
    Some((usec + 0.5) as u64)
}

const SIGNALS: [(&str, i32); 31] = [
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("STKFLT", libc::SIGSTKFLT),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("PWR", libc::SIGPWR),
    ("SYS", libc::SIGSYS),
];

/// "ABRT", "SIGABRT", "sigabrt" or "6".
pub fn parse_signal(s: &str) -> Option<i32> {
    if let Some(n) = parse_u64(s) {
        return (1..=64).contains(&n).then_some(n as i32);
    }
    let up = s.to_ascii_uppercase();
    let name = up.strip_prefix("SIG").unwrap_or(&up);
    SIGNALS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// "TERM" for SIGTERM (sigabbrev_np), "?" for what has no name here.
pub fn signame(sig: i32) -> &'static str {
    SIGNALS
        .iter()
        .find(|&&(_, v)| v == sig)
        .map_or("?", |&(n, _)| n)
}

/// "2.000" for 2000000 microseconds.
pub fn fmt_sec(usec: u64) -> String {
    format!("{}.{:03}", usec / 1_000_000, usec % 1_000_000 / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_usec_or_duration("2000000"), Some(2_000_000));
        assert_eq!(parse_usec_or_duration("2s"), Some(2_000_000));
        assert_eq!(parse_usec_or_duration("1.5s"), Some(1_500_000));
        assert_eq!(parse_usec_or_duration("300ms"), Some(300_000));
        assert_eq!(
            parse_usec_or_duration("18446744073709551615"),
            Some(u64::MAX)
        );
        assert_eq!(parse_seconds("0.5"), Some(500_000));
        assert_eq!(parse_seconds("1min"), Some(60_000_000));
        for bad in ["", "-1", "s", "1x", "1.2.3", ".", "nan", "1e3"] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn signals() {
        assert_eq!(parse_signal("ABRT"), Some(libc::SIGABRT));
        assert_eq!(parse_signal("sigterm"), Some(libc::SIGTERM));
        assert_eq!(parse_signal("9"), Some(9));
        assert_eq!(parse_signal("0"), None);
        assert_eq!(parse_signal("NOPE"), None);
        assert_eq!(signame(libc::SIGUSR2), "USR2");
        assert_eq!(fmt_sec(2_001_999), "2.001");
    }
}
