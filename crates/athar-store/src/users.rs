//! The users of the web application, as stored: name, role, password hash, the TOTP secret
//! (encrypted, bound to its user), the last TOTP step accepted, keyed hashes of unused
//! recovery codes, whether disabled, and an epoch that sessions carry (bumped to end them).
//! Every change is sealed in the audit chain. Hashing and checking passwords and codes are
//! the caller's (the registry's); this module stores.

use crate::binding;
use crate::{now, write_tx, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A user as stored (no secret in it but the password hash, which the caller checks).
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    pub name: String,
    pub role: String,
    #[serde(skip)]
    pub password_hash: String,
    pub has_totp: bool,
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub recovery_left: usize,
    pub created_at: String,
    pub created_by: String,
    pub disabled_at: Option<String>,
    pub epoch: i64,
}

/// A user to add, or a user's new credentials (a reset).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    /// Keyed hashes of the recovery codes.
    pub recovery: Vec<String>,
}

fn totp_place(name: &str) -> String {
    format!("user:{name}:totp")
}

impl Store {
    /// Adds a user; refuses a name taken.
    pub fn add_user(&self, name: &str, role: &str, c: &Credentials, actor: &str) -> Result<(), StoreError> {
        crate::check_actor(actor)?;
        let totp = c.totp_secret.as_ref().map(|s| self.keys.seal_bound(s, &totp_place(name))).transpose()?;
        let recovery = serde_json::to_string(&c.recovery).map_err(|e| StoreError::Invalid(e.to_string()))?;
        write_tx(&self.conn, || {
            let taken: Option<i64> =
                self.conn.query_row("SELECT 1 FROM users WHERE name = ?1", [name], |r| r.get(0)).optional()?;
            if taken.is_some() {
                return Err(StoreError::Refused(format!("a user named '{name}' exists already")));
            }
            self.conn.execute(
                "INSERT INTO users(name, role, password_hash, totp_enc, recovery_json, created_at, created_by) \
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![name, role, c.password_hash, totp, recovery, now(), actor],
            )?;
            self.seal_user(name, actor, "user.add")
        })
    }

    fn seal_user(&self, name: &str, actor: &str, action: &str) -> Result<(), StoreError> {
        let digest = binding::user_digest(&self.conn, name)?
            .ok_or_else(|| StoreError::Invalid(format!("internal: user {name} is gone")))?;
        crate::audit::append_bound(
            &self.conn,
            &self.keys,
            actor,
            action,
            Some(&binding::user_target(name)),
            None,
            None,
            Some(&digest),
        )
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, role, password_hash, totp_enc IS NOT NULL, totp_last_step, recovery_json, created_at, \
                 created_by, disabled_at, epoch FROM users WHERE name = ?1",
                [name],
                user_row,
            )
            .optional()?)
    }

    /// A user by name, if their row is as its last seal in the audit chain says (else `None`:
    /// an account added or changed in the file outside Athar signs no one in).
    pub fn sealed_user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let Some(row) = self.user(name)? else { return Ok(None) };
        let sealed: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT data_hash FROM audit WHERE target = ?1 ORDER BY seq DESC LIMIT 1",
                [binding::user_target(name)],
                |r| r.get(0),
            )
            .optional()?;
        let sealed = sealed.flatten();
        Ok((sealed.is_some() && sealed == binding::user_digest(&self.conn, name)?).then_some(row))
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT name, role, password_hash, totp_enc IS NOT NULL, totp_last_step, recovery_json, created_at, \
             created_by, disabled_at, epoch FROM users ORDER BY name",
        )?;
        let rows = st.query_map([], user_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The user's TOTP secret, decrypted.
    pub fn user_totp_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sealed: Option<Option<Vec<u8>>> =
            self.conn.query_row("SELECT totp_enc FROM users WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        sealed.flatten().map(|s| self.keys.open_bound(&s, &totp_place(name))).transpose()
    }

    /// The user's recovery-code hashes still unused.
    pub fn user_recovery(&self, name: &str) -> Result<Vec<String>, StoreError> {
        let json: Option<String> =
            self.conn.query_row("SELECT recovery_json FROM users WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
    }

    /// Accepts TOTP step `step` for the user if no later or equal step was accepted: a code
    /// is accepted once. `false` when it was used already.
    pub fn accept_totp_step(&self, name: &str, step: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE users SET totp_last_step = ?2 WHERE name = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            params![name, step],
        )?;
        Ok(n == 1)
    }

    /// Uses a recovery code (by its keyed hash): `false` when it is not one of the user's unused
    /// codes. Sealed: the codes left are part of the user's row.
    pub fn use_recovery_code(&self, name: &str, hash: &str) -> Result<bool, StoreError> {
        write_tx(&self.conn, || {
            let mut left = self.user_recovery(name)?;
            let Some(i) = left.iter().position(|h| h == hash) else { return Ok(false) };
            left.remove(i);
            let json = serde_json::to_string(&left).map_err(|e| StoreError::Invalid(e.to_string()))?;
            self.conn.execute("UPDATE users SET recovery_json = ?2 WHERE name = ?1", params![name, json])?;
            self.seal_user(name, name, "user.recovery-code")?;
            Ok(true)
        })
    }

    /// New credentials (a reset): password, TOTP, recovery codes; the epoch is bumped, so every
    /// session of the user ends. A disabled user stays disabled.
    pub fn reset_user(&self, name: &str, c: &Credentials, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        let totp = c.totp_secret.as_ref().map(|s| self.keys.seal_bound(s, &totp_place(name))).transpose()?;
        let recovery = serde_json::to_string(&c.recovery).map_err(|e| StoreError::Invalid(e.to_string()))?;
        write_tx(&self.conn, || {
            let n = self.conn.execute(
                "UPDATE users SET password_hash = ?2, totp_enc = ?3, totp_last_step = NULL, recovery_json = ?4, \
                 epoch = epoch + 1 WHERE name = ?1",
                params![name, c.password_hash, totp, recovery],
            )?;
            if n == 1 {
                self.seal_user(name, actor, "user.reset")?;
            }
            Ok(n == 1)
        })
    }

    /// A user's own new password (its argon2id hash): every session and API token of theirs
    /// ends. `false` when no such user may sign in.
    pub fn set_password(&self, name: &str, password_hash: &str, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            let n = self.conn.execute(
                "UPDATE users SET password_hash = ?2, epoch = epoch + 1 WHERE name = ?1 AND disabled_at IS NULL",
                params![name, password_hash],
            )?;
            if n == 1 {
                self.seal_user(name, actor, "user.password")?;
            }
            Ok(n == 1)
        })
    }

    /// Disables a user: every session ends, and no sign-in is accepted.
    pub fn disable_user(&self, name: &str, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            let n = self.conn.execute(
                "UPDATE users SET disabled_at = ?2, disabled_by = ?3, epoch = epoch + 1 WHERE name = ?1 \
                 AND disabled_at IS NULL",
                params![name, now(), actor],
            )?;
            if n == 1 {
                self.seal_user(name, actor, "user.disable")?;
            }
            Ok(n == 1)
        })
    }

    /// Gives a user another role: every session ends.
    pub fn set_user_role(&self, name: &str, role: &str, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            let n = self
                .conn
                .execute("UPDATE users SET role = ?2, epoch = epoch + 1 WHERE name = ?1", params![name, role])?;
            if n == 1 {
                self.seal_user(name, actor, "user.role")?;
            }
            Ok(n == 1)
        })
    }
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    let recovery: String = r.get(5)?;
    let left: Vec<String> = serde_json::from_str(&recovery).unwrap_or_default();
    Ok(UserRow {
        name: r.get(0)?,
        role: r.get(1)?,
        password_hash: r.get(2)?,
        has_totp: r.get(3)?,
        totp_last_step: r.get(4)?,
        recovery_left: left.len(),
        created_at: r.get(6)?,
        created_by: r.get(7)?,
        disabled_at: r.get(8)?,
        epoch: r.get(9)?,
    })
}
