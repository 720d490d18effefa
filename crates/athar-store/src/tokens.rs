//! API tokens, as stored: an id, the user it acts for, a keyed hash of its secret (never the
//! secret), its scopes, when it expires, whether revoked, and the user's epoch when issued (a
//! user disabled, reset or given another role ends their tokens as their sessions). Each token
//! is sealed in the audit chain when issued and when revoked, and checked against its seal at
//! every use: a token row written into the file outside Athar does not open the API. Which
//! scopes mean what is the registry's.

use crate::binding::DataDigest;
use crate::{now, write_tx, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A token as listed (no secret, no hash).
#[derive(Debug, Clone, Serialize)]
pub struct TokenRow {
    pub token_id: String,
    pub user: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    #[serde(skip)]
    pub epoch: i64,
    #[serde(skip)]
    pub keyed_hash: String,
}

pub(crate) fn token_target(id: &str) -> String {
    format!("token:{id}")
}

pub(crate) fn token_digest(conn: &rusqlite::Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT user_name, keyed_hash, scopes, created_at, created_by, expires_at, revoked_at, epoch \
             FROM api_tokens WHERE token_id = ?1",
            [id],
            |r| {
                let mut d = DataDigest::new("token");
                d.text(Some(id));
                for i in 0..7 {
                    d.text(r.get_ref(i)?.as_str_or_null()?);
                }
                d.int(Some(r.get(7)?));
                Ok(d.finish())
            },
        )
        .optional()?)
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    let scopes: String = r.get(2)?;
    Ok(TokenRow {
        token_id: r.get(0)?,
        user: r.get(1)?,
        scopes: scopes.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        created_at: r.get(3)?,
        created_by: r.get(4)?,
        expires_at: r.get(5)?,
        revoked_at: r.get(6)?,
        epoch: r.get(7)?,
        keyed_hash: r.get(8)?,
    })
}

const TOKEN_COLUMNS: &str =
    "token_id, user_name, scopes, created_at, created_by, expires_at, revoked_at, epoch, keyed_hash";

impl Store {
    fn seal_token(&self, id: &str, actor: &str, action: &str) -> Result<(), StoreError> {
        let digest = token_digest(&self.conn, id)?
            .ok_or_else(|| StoreError::Invalid(format!("internal: token {id} is gone")))?;
        crate::audit::append_bound(
            &self.conn,
            &self.keys,
            actor,
            action,
            Some(&token_target(id)),
            None,
            None,
            Some(&digest),
        )
    }

    /// The keyed hash of a token's secret.
    pub fn token_keyed_hash(&self, secret: &str) -> String {
        hex::encode(self.keys.row_mac(format!("api-token\0{secret}").as_bytes()))
    }

    /// Stores a token issued to `user` (with the user's epoch now); sealed.
    pub fn add_token(
        &self,
        id: &str,
        user: &str,
        secret: &str,
        scopes: &[String],
        expires_at: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        crate::check_actor(actor)?;
        let hash = self.token_keyed_hash(secret);
        write_tx(&self.conn, || {
            let epoch: Option<i64> = self
                .conn
                .query_row("SELECT epoch FROM users WHERE name = ?1 AND disabled_at IS NULL", [user], |r| r.get(0))
                .optional()?;
            let Some(epoch) = epoch else {
                return Err(StoreError::Invalid(format!(
                    "there is no user '{}' who may sign in",
                    crate::escape_control(user)
                )));
            };
            self.conn.execute(
                "INSERT INTO api_tokens(token_id, user_name, keyed_hash, scopes, created_at, created_by, \
                 expires_at, epoch) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id, user, hash, scopes.join(","), now(), actor, expires_at, epoch],
            )?;
            self.seal_token(id, actor, "token.issue")
        })
    }

    /// Revokes a token; `false` when there is no such token still in force.
    pub fn revoke_token(&self, id: &str, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            let n = self.conn.execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE token_id = ?1 AND revoked_at IS NULL",
                params![id, now()],
            )?;
            if n == 1 {
                self.seal_token(id, actor, "token.revoke")?;
            }
            Ok(n == 1)
        })
    }

    /// A token by id, if its row is as its last seal in the audit chain says (else `None`: a
    /// row written or changed outside Athar opens nothing).
    pub fn sealed_token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        let row = self
            .conn
            .query_row(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_id = ?1"), [id], token_row)
            .optional()?;
        let Some(row) = row else { return Ok(None) };
        let sealed: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT data_hash FROM audit WHERE target = ?1 ORDER BY seq DESC LIMIT 1",
                [token_target(id)],
                |r| r.get(0),
            )
            .optional()?;
        let now = token_digest(&self.conn, id)?;
        let sealed = sealed.flatten();
        Ok((sealed.is_some() && sealed == now).then_some(row))
    }

    /// Every token, newest first.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let mut st =
            self.conn.prepare(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, token_id"))?;
        let rows = st.query_map([], token_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
