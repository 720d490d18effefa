//! Sessions, held in the server's memory only (a restart signs everyone out): a random token
//! in an HttpOnly, SameSite=Strict cookie, a CSRF token per session, a new token at each step
//! of a sign-in, 30 minutes idle and 12 hours in all at most. Whether the user may still act
//! (not disabled, reset or given another role) is the registry's to say on every request.
//! Owns the tokens and their lifetimes; not passwords or roles.

use athar_registry::{Actor, PasswordChecked};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const IDLE: Duration = Duration::from_secs(30 * 60);
pub const ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);
/// The time between the password and the code of a sign-in.
pub const PENDING: Duration = Duration::from_secs(5 * 60);
/// Sessions held at most; beyond, those not signed in are dropped first.
const MAX_SESSIONS: usize = 20_000;

/// Where a session is in its life.
#[derive(Debug, Clone)]
pub enum Stage {
    /// A visitor at the sign-in page: only a CSRF token.
    Anonymous,
    /// The password was right; the code is awaited.
    Pending(PasswordChecked),
    /// Signed in.
    SignedIn { actor: Actor, epoch: i64 },
}

#[derive(Debug, Clone)]
pub struct Session {
    pub stage: Stage,
    pub csrf: String,
    pub created: Instant,
    pub last_seen: Instant,
}

impl Session {
    fn expired(&self, now: Instant) -> bool {
        let limit = match self.stage {
            Stage::Anonymous => ABSOLUTE,
            Stage::Pending(_) => PENDING,
            Stage::SignedIn { .. } => ABSOLUTE,
        };
        now.duration_since(self.created) > limit || now.duration_since(self.last_seen) > IDLE
    }
}

/// A random token: 32 bytes, hex.
pub fn token() -> String {
    let mut b = [0u8; 32];
    // A machine without randomness cannot serve safely: the server stops at start-up if so
    // (see `Sessions::new`), so this cannot fail later.
    if getrandom::getrandom(&mut b).is_err() {
        panic!("no source of randomness");
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Two tokens compared in constant time.
pub use athar_registry::tokens::same_secret as same_token;

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub fn new() -> Result<Sessions, String> {
        let mut b = [0u8; 1];
        getrandom::getrandom(&mut b).map_err(|e| format!("no source of randomness: {e}"))?;
        Ok(Sessions::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session of `id` if it has not ended (it is seen now); an ended one is forgotten.
    pub fn get(&self, id: &str) -> Option<Session> {
        let now = Instant::now();
        let mut map = self.lock();
        let s = map.get_mut(id)?;
        if s.expired(now) {
            map.remove(id);
            return None;
        }
        s.last_seen = now;
        Some(s.clone())
    }

    /// A new session at `stage`, replacing `old` (a new token at every step: a token seen
    /// before a sign-in is worth nothing after it). Returns its id.
    pub fn start(&self, stage: Stage, old: Option<&str>) -> (String, Session) {
        let now = Instant::now();
        let id = token();
        let s = Session { stage, csrf: token(), created: now, last_seen: now };
        let mut map = self.lock();
        if let Some(old) = old {
            map.remove(old);
        }
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| !s.expired(now));
        }
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| matches!(s.stage, Stage::SignedIn { .. }));
        }
        map.insert(id.clone(), s.clone());
        (id, s)
    }

    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }

    /// How many sessions are held (for tests).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_step_gets_a_new_token_and_the_old_one_ends() {
        let sessions = Sessions::new().expect("random");
        let (a, sa) = sessions.start(Stage::Anonymous, None);
        let (b, sb) = sessions.start(Stage::Anonymous, Some(&a));
        assert_ne!(a, b);
        assert_ne!(sa.csrf, sb.csrf);
        assert!(sessions.get(&a).is_none() && sessions.get(&b).is_some());
        assert!(same_token(&sb.csrf, &sb.csrf) && !same_token(&sa.csrf, &sb.csrf) && !same_token("", &sb.csrf));
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let now = Instant::now();
        let Some(long_ago) = now.checked_sub(IDLE + Duration::from_secs(1)) else { return };
        let s = Session { stage: Stage::Anonymous, csrf: token(), created: now, last_seen: long_ago };
        assert!(s.expired(now), "idle");
        let fresh = Session { last_seen: now, ..s.clone() };
        assert!(!fresh.expired(now));
        let Some(very_long_ago) = now.checked_sub(ABSOLUTE + Duration::from_secs(1)) else { return };
        let old = Session { created: very_long_ago, ..fresh };
        assert!(old.expired(now), "absolute");
    }
}
