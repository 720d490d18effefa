//! Rate limits: 5 failed sign-ins in 15 minutes per account and per address, and searches per
//! user (30 a minute, 300 a day). Counted in the server's memory. Owns the counting; the
//! answer (429, audited) is the pages'.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A limit: at most `count` events in `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub count: usize,
    pub window: Duration,
}

pub const FAILED_SIGN_INS: Limit = Limit { count: 5, window: Duration::from_secs(15 * 60) };
pub const SEARCHES_A_MINUTE: Limit = Limit { count: 30, window: Duration::from_secs(60) };
pub const SEARCHES_A_DAY: Limit = Limit { count: 300, window: Duration::from_secs(24 * 60 * 60) };

/// Events per key in a sliding window.
#[derive(Default, Debug)]
pub struct Counter {
    events: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Counter {
    /// Whether `key` has reached `limit` (without counting a new event).
    pub fn reached(&self, key: &str, limit: Limit) -> bool {
        let now = Instant::now();
        let mut map = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(q) = map.get_mut(key) else { return false };
        while q.front().is_some_and(|t| now.duration_since(*t) > limit.window) {
            q.pop_front();
        }
        q.len() >= limit.count
    }

    /// How many more events `key` may have before `limit`.
    pub fn remaining(&self, key: &str, limit: Limit) -> usize {
        let now = Instant::now();
        let mut map = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(q) = map.get_mut(key) else { return limit.count };
        while q.front().is_some_and(|t| now.duration_since(*t) > limit.window) {
            q.pop_front();
        }
        limit.count.saturating_sub(q.len())
    }

    /// Counts an event of `key`; keeps at most `keep` of them.
    pub fn note(&self, key: &str, keep: usize) {
        let mut map = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 100_000 {
            // Old keys are dropped rather than memory grown without end by made-up names.
            map.retain(|_, q| q.back().is_some_and(|t| t.elapsed() < Duration::from_secs(24 * 60 * 60)));
        }
        let q = map.entry(key.to_string()).or_default();
        q.push_back(Instant::now());
        while q.len() > keep {
            q.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_the_window_is_over_the_limit() {
        let c = Counter::default();
        for _ in 0..4 {
            c.note("account:sara", 10);
        }
        assert!(!c.reached("account:sara", FAILED_SIGN_INS));
        c.note("account:sara", 10);
        assert!(c.reached("account:sara", FAILED_SIGN_INS));
        assert!(!c.reached("account:omar", FAILED_SIGN_INS), "per key");
        let short = Limit { count: 1, window: Duration::from_millis(0) };
        std::thread::sleep(Duration::from_millis(2));
        assert!(!c.reached("account:sara", short), "events older than the window do not count");
    }
}
