//! API tokens: an administrator issues one to a user, for some of what the user's role may do
//! (its scopes) and for a number of days; the token acts as that user within those scopes
//! until it expires, is revoked, or the user is disabled, reset or given another role. The
//! secret is shown once and only its keyed hash is kept. Owns issuing, checking and revoking;
//! the HTTP header that carries a token is the server's.

use crate::error::{invalid, Result};
use crate::{Action, Actor, Registry, RegistryError, Role};
use serde::Serialize;

pub use athar_store::tokens::TokenRow;

/// The scopes a token may carry, and the action each allows.
pub const SCOPES: [(&str, Action); 10] = [
    ("counts", Action::SeeCounts),
    ("sources", Action::SeeSources),
    ("read", Action::ReadRecords),
    ("search", Action::Search),
    ("judge", Action::Judge),
    ("inquiries", Action::Inquiries),
    ("flags", Action::Sensitive),
    ("audit", Action::Audit),
    ("import", Action::Import),
    ("export", Action::Export),
];

/// Longest a token lives.
pub const MOST_DAYS: u32 = 365;

/// A token issued: its secret, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    pub token_id: String,
    /// `athar_<id>_<secret>`: what a client sends as `Authorization: Bearer …`.
    pub token: String,
    pub user: String,
    pub scopes: Vec<String>,
    pub expires_at: String,
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).map_err(|e| RegistryError::Invalid(format!("no randomness: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Equal, in time that does not depend on where they differ: how a secret (a session, a CSRF
/// token, an API token's hash) is compared, by every front door.
pub fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl Registry {
    /// Issues a token to `user` for `scopes` (each one the user's role allows) and `days`.
    pub fn issue_token(&self, actor: &Actor, user: &str, scopes: &[String], days: u32) -> Result<IssuedToken> {
        actor.require(Action::Users)?;
        if days == 0 || days > MOST_DAYS {
            invalid!("a token lives from 1 to {MOST_DAYS} days, not {days}");
        }
        if scopes.is_empty() {
            invalid!("name the token's scopes: {}", SCOPES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", "));
        }
        let row = self.read(|s| Ok(s.user(user)?))?.filter(|u| u.disabled_at.is_none()).ok_or_else(|| {
            RegistryError::NotFound(format!(
                "there is no user '{}' who may sign in; see athar user list",
                athar_store::escape_control(user)
            ))
        })?;
        let role = Role::from_name(&row.role)
            .ok_or_else(|| RegistryError::Invalid(format!("internal: user {user} has role {}", row.role)))?;
        let mut names = Vec::new();
        for s in scopes.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
            let Some((name, action)) = SCOPES.iter().find(|(n, _)| *n == s) else {
                invalid!(
                    "'{}' is not a scope; use {}",
                    athar_store::escape_control(s),
                    SCOPES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
                );
            };
            if !crate::actor::allows(role, *action) {
                invalid!(
                    "{user} is a {} and may not {}: a token cannot give more than the role",
                    role.name(),
                    action.name()
                );
            }
            if !names.contains(&name.to_string()) {
                names.push(name.to_string());
            }
        }
        let id = random_hex(6)?;
        let secret = random_hex(24)?;
        let expires = chrono::Utc::now() + chrono::Duration::days(i64::from(days));
        let expires_at = expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.write(|s| Ok(s.add_token(&id, user, &secret, &names, &expires_at, &actor.name)?))?;
        Ok(IssuedToken {
            token: format!("athar_{id}_{secret}"),
            token_id: id,
            user: user.to_string(),
            scopes: names,
            expires_at,
        })
    }

    /// Revokes a token at once.
    pub fn revoke_token(&self, actor: &Actor, token_id: &str) -> Result<()> {
        actor.require(Action::Users)?;
        if !self.write(|s| Ok(s.revoke_token(token_id.trim(), &actor.name)?))? {
            return Err(RegistryError::NotFound(format!(
                "no token '{}' in force; see athar user tokens",
                athar_store::escape_control(token_id)
            )));
        }
        Ok(())
    }

    /// Every token issued (no secret).
    pub fn tokens(&self, actor: &Actor) -> Result<Vec<TokenRow>> {
        actor.require(Action::Users)?;
        self.read(|s| Ok(s.tokens()?))
    }

    /// The party a token acts as, or `None` when it is not one in force (unknown, forged,
    /// expired, revoked, its user disabled, reset or given another role, or its row not as
    /// sealed). Refusals are audited by the caller, which knows where the request came from.
    pub fn token_actor(&self, token: &str) -> Result<Option<Actor>> {
        let Some((id, secret)) = token.trim().strip_prefix("athar_").and_then(|t| t.split_once('_')) else {
            return Ok(None);
        };
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        self.read(|s| {
            let Some(row) = s.sealed_token(id)? else { return Ok(None) };
            if !same_secret(&s.token_keyed_hash(secret), &row.keyed_hash) || row.revoked_at.is_some() {
                return Ok(None);
            }
            let expired = chrono::DateTime::parse_from_rfc3339(&row.expires_at)
                .map_or(true, |t| t.with_timezone(&chrono::Utc) <= chrono::Utc::now());
            if expired {
                return Ok(None);
            }
            let Some(user) = s.sealed_user(&row.user)? else { return Ok(None) };
            if user.disabled_at.is_some() || user.epoch != row.epoch {
                return Ok(None);
            }
            let Some(role) = Role::from_name(&user.role) else { return Ok(None) };
            let scopes =
                row.scopes.iter().filter_map(|n| SCOPES.iter().find(|(s, _)| s == n).map(|(_, a)| *a)).collect();
            Ok(Some(Actor { name: row.user.clone(), roles: vec![role], scopes: Some(scopes) }))
        })
    }
}
