//! A process-wide, write-once cache of one ID.
//!
//! libsystemd 252 caches the machine, boot and invocation IDs in `thread_local` statics, so every
//! new thread reads the files again. Here one successful read serves the whole process: the
//! values cannot change while it runs in a way callers could rely on seeing (libsystemd's first
//! thread would not see a change either). The cache is two atomics and a state byte, no lock, so
//! the getters stay async-signal-safe: a reader that finds another thread (or the signal handler
//! it interrupted) in the middle of filling it simply reads the file itself.

use super::{Id, NULL};
use crate::errno::Result;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

const EMPTY: u8 = 0;
const FILLING: u8 = 1;
const FULL: u8 = 2;

pub struct IdCache {
    state: AtomicU8,
    high: AtomicU64,
    low: AtomicU64,
}

impl IdCache {
    pub const fn new() -> IdCache {
        IdCache { state: AtomicU8::new(EMPTY), high: AtomicU64::new(0), low: AtomicU64::new(0) }
    }

    pub fn get(&self) -> Option<Id> {
        if self.state.load(Ordering::Acquire) != FULL {
            return None;
        }
        let high = u128::from(self.high.load(Ordering::Relaxed));
        let low = u128::from(self.low.load(Ordering::Relaxed));
        Some((high << 64 | low).to_be_bytes())
    }

    /// Keeps `id`, unless it is the null ID (which libsystemd's caches take for "not read yet",
    /// so it is read again next time) or the cache is already taken.
    pub fn put(&self, id: Id) {
        if id == NULL || self.state.compare_exchange(EMPTY, FILLING, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return;
        }
        let v = u128::from_be_bytes(id);
        self.high.store((v >> 64) as u64, Ordering::Relaxed);
        self.low.store(v as u64, Ordering::Relaxed);
        self.state.store(FULL, Ordering::Release);
    }

    /// The cached ID, or what `load` gives (kept when it is not null).
    pub fn get_or(&self, load: impl FnOnce() -> Result<Id>) -> Result<Id> {
        if let Some(id) = self.get() {
            return Ok(id);
        }
        let id = load()?;
        self.put(id);
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Errno;

    #[test]
    fn keeps_the_first_non_null_id() {
        let c = IdCache::new();
        assert_eq!(c.get(), None);
        assert_eq!(c.get_or(|| Err(Errno::ENOENT)), Err(Errno::ENOENT));
        assert_eq!(c.get_or(|| Ok(NULL)), Ok(NULL));
        assert_eq!(c.get(), None);
        let id: Id = core::array::from_fn(|i| i as u8 * 13 + 1);
        assert_eq!(c.get_or(|| Ok(id)), Ok(id));
        assert_eq!(c.get_or(|| Ok([9; 16])), Ok(id));
        c.put([7; 16]);
        assert_eq!(c.get(), Some(id));
    }
}
