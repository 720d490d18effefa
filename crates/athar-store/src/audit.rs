//! The audit chain: every command that writes data or prints personal data appends an entry
//! (actor, time, action, target ids, result count; details such as a search text only
//! encrypted). Each entry's hash is an HMAC, under a key from the key file (not in the
//! database), of the previous hash and the entry: editing, deleting or reordering entries
//! breaks the chain, and `verify` names the first bad entry. The anchor (count and head hash)
//! is printed to be kept elsewhere, so a cut-off tail shows too.
//!
//! An entry may carry a data hash: the digest of the rows its action wrote (an import's
//! source, a judgement, the persons after a link; see `binding`), so that the chain covers
//! the data as well as itself.

use crate::keys::{hmac, Keys};
use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// One audit entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub result_count: Option<i64>,
}

/// An entry from a row that starts `seq, at, actor, action, target, result_count`.
pub(crate) fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        result_count: r.get(5)?,
    })
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditVerdict {
    pub entries: i64,
    pub ok: bool,
    /// The first entry whose hash does not follow from the chain.
    pub first_bad: Option<i64>,
    pub head: String,
    /// What is wrong, in words; `None` when all is well.
    pub problem: Option<String>,
    /// Whether the stored rows were hashed again (`--deep`).
    pub deep: bool,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Each field is tagged (absent or present) and length-prefixed, so that no two different
/// entries hash the same bytes (an actor holding a separator, NULL against empty).
pub(crate) fn push_field(data: &mut Vec<u8>, field: Option<&[u8]>) {
    match field {
        None => data.push(0),
        Some(bytes) => {
            data.push(1);
            data.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            data.extend_from_slice(bytes);
        }
    }
}

fn entry_hash(keys: &Keys, prev: &str, e: &AuditEntry, detail: Option<&[u8]>, data_hash: Option<&str>) -> String {
    let mut data = Vec::with_capacity(256);
    let seq = e.seq.to_string();
    let count = e.result_count.map(|c| c.to_string());
    for field in [
        Some(prev.as_bytes()),
        Some(seq.as_bytes()),
        Some(e.at.as_bytes()),
        Some(e.actor.as_bytes()),
        Some(e.action.as_bytes()),
        e.target.as_deref().map(str::as_bytes),
        count.as_deref().map(str::as_bytes),
        detail,
    ] {
        push_field(&mut data, field);
    }
    // Entries made before data was bound have no tenth field: their hashes stay as they were.
    if let Some(h) = data_hash {
        push_field(&mut data, Some(h.as_bytes()));
    }
    hex::encode(hmac(keys.audit_key(), &data))
}

pub(crate) fn append(
    conn: &Connection,
    keys: &Keys,
    actor: &str,
    action: &str,
    target: Option<&str>,
    count: Option<i64>,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    append_bound(conn, keys, actor, action, target, count, detail, None)
}

/// Appends an entry that carries the digest of the rows its action wrote.
#[allow(clippy::too_many_arguments)]
pub(crate) fn append_bound(
    conn: &Connection,
    keys: &Keys,
    actor: &str,
    action: &str,
    target: Option<&str>,
    count: Option<i64>,
    detail: Option<&str>,
    data_hash: Option<&str>,
) -> Result<(), StoreError> {
    let detail_enc = detail.map(|d| keys.seal(d.as_bytes())).transpose()?;
    let write = || -> Result<(), StoreError> {
        let last: Option<(i64, String)> = conn
            .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (seq, prev) = match last {
            Some((s, h)) => (s + 1, h),
            None => (1, GENESIS.to_string()),
        };
        let e = AuditEntry {
            seq,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            actor: actor.to_string(),
            action: action.to_string(),
            target: target.map(str::to_string),
            result_count: count,
        };
        let hash = entry_hash(keys, &prev, &e, detail_enc.as_deref(), data_hash);
        conn.execute(
            "INSERT INTO audit(seq, at, actor, action, target, result_count, detail_enc, prev_hash, hash, data_hash) \
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![e.seq, e.at, e.actor, e.action, e.target, e.result_count, detail_enc, prev, hash, data_hash],
        )?;
        Ok(())
    };
    // Outside a transaction, take the write lock before reading the head, so that two
    // processes never append the same sequence number.
    if conn.is_autocommit() {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = write();
        match r {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(_) => {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
        return r;
    }
    write()
}

/// Checks the chain itself: every entry follows from the one before it. Whether the data is
/// bound to it is `binding`'s check.
pub(crate) fn verify(conn: &Connection, keys: &Keys) -> Result<AuditVerdict, StoreError> {
    let mut st = conn.prepare(
        "SELECT seq, at, actor, action, target, result_count, detail_enc, prev_hash, hash, data_hash FROM audit \
         ORDER BY seq",
    )?;
    let mut rows = st.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut n = 0;
    let mut first_bad = None;
    let mut problem = None;
    while let Some(r) = rows.next()? {
        let e = entry(r)?;
        let detail: Option<Vec<u8>> = r.get(6)?;
        let stored_prev: String = r.get(7)?;
        let stored: String = r.get(8)?;
        let data_hash: Option<String> = r.get(9)?;
        n += 1;
        if first_bad.is_none() {
            let why = if e.seq != expected_seq {
                Some(if e.seq > expected_seq {
                    format!("entries {expected_seq} to {} are missing", e.seq - 1)
                } else {
                    format!("entry {} comes out of order", e.seq)
                })
            } else if stored_prev != prev {
                Some(format!("entry {} does not follow from the entry before it", e.seq))
            } else if entry_hash(keys, &prev, &e, detail.as_deref(), data_hash.as_deref()) != stored {
                Some(format!("entry {} was changed after it was written", e.seq))
            } else {
                None
            };
            if let Some(w) = why {
                first_bad = Some(e.seq);
                problem = Some(w);
            }
        }
        prev = stored;
        expected_seq = e.seq + 1;
    }
    Ok(AuditVerdict { entries: n, ok: first_bad.is_none(), first_bad, head: prev, problem, deep: false })
}

pub(crate) fn anchor(conn: &Connection) -> Result<(i64, String), StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(last.unwrap_or((0, GENESIS.to_string())))
}
