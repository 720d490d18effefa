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
        let Some(q) = map.get_mut(key) else { return limit.count == 0 };
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

    /// Takes one event under every one of `limits` (key and limit) if each has room: counted now,
    /// in the step that allows it, so that two callers at once cannot both take the last one.
    pub fn take_one(&self, limits: &[(&str, Limit)]) -> bool {
        let now = Instant::now();
        let mut map = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (key, limit) in limits {
            let used = map.get_mut(*key).map_or(0, |q| {
                while q.front().is_some_and(|t| now.duration_since(*t) > limit.window) {
                    q.pop_front();
                }
                q.len()
            });
            // A limit of none allows none, a key never seen included.
            if used >= limit.count {
                return false;
            }
        }
        drop_old_keys(&mut map);
        for (key, limit) in limits {
            let q = map.entry(key.to_string()).or_default();
            q.push_back(now);
            while q.len() > limit.count {
                q.pop_front();
            }
        }
        true
    }

    /// Counts an event of `key`; keeps at most `keep` of them.
    pub fn note(&self, key: &str, keep: usize) {
        let mut map = self.events.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        drop_old_keys(&mut map);
        let q = map.entry(key.to_string()).or_default();
        q.push_back(Instant::now());
        while q.len() > keep {
            q.pop_front();
        }
    }
}

/// Past 100,000 keys, those with no event in a day are dropped, rather than memory grown
/// without end by made-up names.
fn drop_old_keys(map: &mut HashMap<String, VecDeque<Instant>>) {
    if map.len() > 100_000 {
        map.retain(|_, q| q.back().is_some_and(|t| t.elapsed() < Duration::from_secs(24 * 60 * 60)));
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

    #[test]
    fn what_is_taken_is_counted_at_once_under_every_limit() {
        let c = Counter::default();
        let minute = Limit { count: 30, window: Duration::from_secs(60) };
        let day = Limit { count: 40, window: Duration::from_secs(3600) };
        let limits = [("minute:sara", minute), ("day:sara", day)];
        let taken = (0..50).filter(|_| c.take_one(&limits)).count();
        // The tightest limit decides, and each counted what was taken.
        assert_eq!(taken, 30);
        assert_eq!(c.remaining("day:sara", day), 10);
        // From many threads at once, never more than the limit.
        let c = std::sync::Arc::new(Counter::default());
        let taken: usize = (0..8)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || (0..20).filter(|_| c.take_one(&[("k", minute)])).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap_or(0))
            .sum();
        assert_eq!(taken, 30);
    }

    #[test]
    fn a_limit_of_none_allows_none_to_a_key_never_seen() {
        let c = Counter::default();
        let none = Limit { count: 0, window: Duration::from_secs(60) };
        assert!(c.reached("new", none));
        assert!(!c.take_one(&[("new", none)]));
        assert_eq!(c.remaining("new", none), 0);
    }
}
