//! What binds the stored data to the audit chain, and the check that it still holds.
//!
//! The chain alone proves only that its own entries were not changed. Here each action that
//! writes data puts a digest of what it wrote into its entry: an import the digest of its
//! source (the source's row, the keyed MAC of each record's raw values, the quarantined rows,
//! the encrypted original file), a judgement its row, a link the persons as saved, and so on.
//! Each record carries a MAC under the audit key, so that a changed record is named, and each
//! encrypted value is bound to its place (`record:17`), so that it cannot be moved to another
//! row. [`check`] compares what is stored with the latest digest of each target and names the
//! first difference; with `deep`, it hashes every stored row again. Derived fields are checked
//! by the caller, which owns their derivation (they are recomputed from the raw values).
//! Owns the one migration that seals an older registry under these bindings.

use crate::audit::push_field;
use crate::keys::Keys;
use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;

/// The actor of the entries written by the migration that seals an older registry.
pub const MIGRATION_ACTOR: &str = "athar-migration";

/// Length-prefixed, tagged fields hashed with SHA-256 (the same framing as audit entries).
#[derive(Default)]
pub(crate) struct DataDigest {
    h: Sha256,
    buf: Vec<u8>,
}

impl DataDigest {
    pub(crate) fn new(kind: &str) -> Self {
        let mut d = DataDigest::default();
        d.bytes(Some(kind.as_bytes()));
        d
    }

    pub(crate) fn bytes(&mut self, v: Option<&[u8]>) -> &mut Self {
        self.buf.clear();
        push_field(&mut self.buf, v);
        self.h.update(&self.buf);
        self
    }

    pub(crate) fn text(&mut self, v: Option<&str>) -> &mut Self {
        self.bytes(v.map(str::as_bytes))
    }

    pub(crate) fn int(&mut self, v: Option<i64>) -> &mut Self {
        let b = v.map(|x| x.to_le_bytes());
        self.bytes(b.as_ref().map(|b| b.as_slice()))
    }

    pub(crate) fn finish(self) -> String {
        hex::encode(self.h.finalize())
    }
}

/// The place an encrypted value is bound to.
pub(crate) fn record_place(record_id: i64) -> String {
    format!("record:{record_id}")
}

pub(crate) fn quarantine_place(source_id: i64, row: i64) -> String {
    format!("quarantine:{source_id}:{row}")
}

pub(crate) fn file_place(source_id: i64, chunk: i64) -> String {
    format!("source-file:{source_id}:{chunk}")
}

pub(crate) fn mapping_place(source_id: i64) -> String {
    format!("source:{source_id}:mapping")
}

pub(crate) fn columns_place(source_id: i64) -> String {
    format!("source:{source_id}:columns")
}

pub(crate) fn judgement_note_place(judgement_id: i64) -> String {
    format!("judgement:{judgement_id}:note")
}

pub(crate) fn enquirer_place(reference: &str) -> String {
    format!("inquiry:{reference}")
}

pub(crate) fn close_reason_place(reference: &str) -> String {
    format!("inquiry:{reference}:closed")
}

/// The keyed MAC of a record's raw values as stored: what no one without the key file can
/// recompute after changing a record.
pub(crate) fn record_mac(
    keys: &Keys,
    record_id: i64,
    source_id: i64,
    row: i64,
    source_record_id: Option<&str>,
    raw_clear: &str,
    raw_private: Option<&[u8]>,
) -> String {
    let mut buf = Vec::with_capacity(64 + raw_clear.len() + raw_private.map_or(0, <[u8]>::len));
    for f in [Some(b"record".as_slice()), Some(&record_id.to_le_bytes()), Some(&source_id.to_le_bytes())] {
        push_field(&mut buf, f);
    }
    push_field(&mut buf, Some(&row.to_le_bytes()));
    push_field(&mut buf, source_record_id.map(str::as_bytes));
    push_field(&mut buf, Some(raw_clear.as_bytes()));
    push_field(&mut buf, raw_private);
    hex::encode(keys.row_mac(&buf))
}

/// Audit targets of bound data.
pub(crate) fn source_target(source_id: i64) -> String {
    format!("source:{source_id}")
}

pub(crate) fn judgement_target(judgement_id: i64) -> String {
    format!("judgement:{judgement_id}")
}

pub(crate) fn inquiry_target(reference: &str) -> String {
    format!("inquiry:{reference}")
}

pub(crate) fn user_target(name: &str) -> String {
    format!("user:{name}")
}

pub(crate) const PERSONS_TARGET: &str = "persons";
pub(crate) const MODEL_TARGET: &str = "model";

const SOURCE_COLUMNS: &str = "name, kind, file_name, sha256, size, format, encoding, imported_at, imported_by, rows, \
     imported, quarantined, description, mapping_json, columns_json, recycled_from, mapping_enc, columns_enc";

/// The source's own row, hashed into its digest.
fn source_row(d: &mut DataDigest, conn: &Connection, source_id: i64) -> Result<bool, StoreError> {
    let row = conn
        .query_row(&format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE source_id = ?1"), [source_id], |r| {
            let mut d2 = DataDigest::new("source");
            d2.int(Some(source_id));
            for i in 0..18 {
                match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => d2.bytes(None),
                    rusqlite::types::ValueRef::Integer(v) => d2.int(Some(v)),
                    rusqlite::types::ValueRef::Real(v) => d2.bytes(Some(&v.to_le_bytes())),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => d2.bytes(Some(t)),
                };
            }
            Ok(d2.finish())
        })
        .optional()?;
    match row {
        Some(h) => {
            d.text(Some(&h));
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The digest of a source's data, made of four parts hashed apart — its own row, its records
/// (id and MAC, in record order), its quarantined rows (in row order) and its original file (in
/// pieces) — so that an import can hash its records, quarantine and file as it writes them
/// (a million records are not read back) and a check can hash them as it reads them: both
/// give the same digest.
#[derive(Default)]
pub(crate) struct SourceDigest {
    records: DataDigest,
    quarantine: DataDigest,
    file: DataDigest,
}

impl SourceDigest {
    pub(crate) fn new() -> Self {
        SourceDigest {
            records: DataDigest::new("records"),
            quarantine: DataDigest::new("quarantine"),
            file: DataDigest::new("file"),
        }
    }

    pub(crate) fn record(&mut self, record_id: i64, row_mac: Option<&str>) {
        self.records.int(Some(record_id)).text(row_mac);
    }

    pub(crate) fn quarantined(&mut self, row: i64, reason: Option<&str>, raw_enc: Option<&[u8]>) {
        self.quarantine.int(Some(row)).text(reason).bytes(raw_enc);
    }

    pub(crate) fn file_piece(&mut self, chunk: i64, data_enc: &[u8]) {
        self.file.int(Some(chunk)).bytes(Some(&Sha256::digest(data_enc)));
    }

    /// The digest, with the source's own row as stored now; `None` when it does not exist.
    pub(crate) fn finish(self, conn: &Connection, source_id: i64) -> Result<Option<String>, StoreError> {
        let mut d = DataDigest::new("source-data");
        if !source_row(&mut d, conn, source_id)? {
            return Ok(None);
        }
        d.text(Some(&self.records.finish()));
        d.text(Some(&self.quarantine.finish()));
        d.text(Some(&self.file.finish()));
        Ok(Some(d.finish()))
    }
}

/// The digest of one source as stored: its row, each record's MAC, its quarantined rows and
/// its original file. `None` when the source does not exist.
pub(crate) fn source_digest(conn: &Connection, source_id: i64) -> Result<Option<String>, StoreError> {
    let mut d = SourceDigest::new();
    {
        // The source's records in record order, read along the table (a source's records have
        // consecutive ids: the range is found in the index, then read in order, not sorted).
        let (first, last): (Option<i64>, Option<i64>) = conn.query_row(
            "SELECT MIN(record_id), MAX(record_id) FROM records WHERE source_id = ?1",
            [source_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let mut st = conn.prepare_cached(
            "SELECT record_id, row_mac FROM records WHERE record_id BETWEEN ?1 AND ?2 AND source_id = ?3 \
             ORDER BY record_id",
        )?;
        let mut rows = st.query(params![first.unwrap_or(0), last.unwrap_or(-1), source_id])?;
        while let Some(r) = rows.next()? {
            d.record(r.get(0)?, r.get_ref(1)?.as_str_or_null()?);
        }
    }
    let mut st =
        conn.prepare_cached("SELECT row, reason, raw_enc FROM quarantine WHERE source_id = ?1 ORDER BY row")?;
    let mut rows = st.query([source_id])?;
    while let Some(r) = rows.next()? {
        d.quarantined(r.get(0)?, r.get_ref(1)?.as_str_or_null()?, r.get_ref(2)?.as_blob_or_null()?);
    }
    let mut st = conn.prepare_cached("SELECT chunk, data_enc FROM source_files WHERE source_id = ?1 ORDER BY chunk")?;
    let mut rows = st.query([source_id])?;
    while let Some(r) = rows.next()? {
        d.file_piece(r.get(0)?, r.get_ref(1)?.as_blob_or_null()?.unwrap_or_default());
    }
    d.finish(conn, source_id)
}

/// A judgement's row as stored.
pub(crate) fn judgement_digest(conn: &Connection, judgement_id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT record_a, record_b, decision, note, note_enc, actor, at, withdrawn_at, withdrawn_by FROM judgements \
             WHERE judgement_id = ?1",
            [judgement_id],
            |r| {
                let mut d = DataDigest::new("judgement");
                d.int(Some(judgement_id)).int(Some(r.get(0)?)).int(Some(r.get(1)?));
                d.text(r.get_ref(2)?.as_str_or_null()?).text(r.get_ref(3)?.as_str_or_null()?);
                d.bytes(r.get_ref(4)?.as_blob_or_null()?);
                for i in 5..9 {
                    d.text(r.get_ref(i)?.as_str_or_null()?);
                }
                Ok(d.finish())
            },
        )
        .optional()?)
}

/// An inquiry's row as stored (what a caseworker's looking at it changes is left out).
pub(crate) fn inquiry_digest(conn: &Connection, reference: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT created_at, created_by, status, closed_at, closed_reason, closed_reason_enc, sought_json, \
             enquirer_enc FROM inquiries WHERE ref = ?1",
            [reference],
            |r| {
                let mut d = DataDigest::new("inquiry");
                d.text(Some(reference));
                for i in 0..5 {
                    d.text(r.get_ref(i)?.as_str_or_null()?);
                }
                d.bytes(r.get_ref(5)?.as_blob_or_null()?);
                d.text(r.get_ref(6)?.as_str_or_null()?);
                d.bytes(r.get_ref(7)?.as_blob_or_null()?);
                Ok(d.finish())
            },
        )
        .optional()?)
}

/// A user's row as stored (the last TOTP step accepted left out: it changes at every sign-in).
pub(crate) fn user_digest(conn: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT role, password_hash, totp_enc, recovery_json, created_at, created_by, disabled_at, disabled_by, \
             epoch FROM users WHERE name = ?1",
            [name],
            |r| {
                let mut d = DataDigest::new("user");
                d.text(Some(name));
                d.text(r.get_ref(0)?.as_str_or_null()?).text(r.get_ref(1)?.as_str_or_null()?);
                d.bytes(r.get_ref(2)?.as_blob_or_null()?);
                for i in 3..8 {
                    d.text(r.get_ref(i)?.as_str_or_null()?);
                }
                d.int(Some(r.get(8)?));
                Ok(d.finish())
            },
        )
        .optional()?)
}

/// The persons as stored: every person, every record's person, the whole lineage.
pub(crate) fn persons_digest(conn: &Connection) -> Result<String, StoreError> {
    let mut d = DataDigest::new("persons");
    let mut st = conn.prepare("SELECT person_id, created_at FROM persons ORDER BY person_id")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        d.text(r.get_ref(0)?.as_str_or_null()?).text(r.get_ref(1)?.as_str_or_null()?);
    }
    d.text(Some("members"));
    let mut st = conn.prepare("SELECT record_id, person_id FROM person_records ORDER BY record_id")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        d.int(Some(r.get(0)?)).text(r.get_ref(1)?.as_str_or_null()?);
    }
    d.text(Some("lineage"));
    let mut st = conn.prepare("SELECT seq, person_id, event, other, at, detail FROM lineage ORDER BY seq")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        d.int(Some(r.get(0)?));
        for i in 1..6 {
            d.text(r.get_ref(i)?.as_str_or_null()?);
        }
    }
    Ok(d.finish())
}

/// The stored model document.
pub(crate) fn model_digest(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT json, trained_at FROM link_model WHERE id = 1", [], |r| {
            let mut d = DataDigest::new("model");
            d.text(r.get_ref(0)?.as_str_or_null()?).text(r.get_ref(1)?.as_str_or_null()?);
            Ok(d.finish())
        })
        .optional()?)
}

/// A data hash that says its target was removed on purpose (a purge).
pub(crate) const REMOVED: &str = "removed";

/// The latest data hash of each bound target, with its entry.
fn latest_bindings(conn: &Connection) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let mut st = conn.prepare(
        "SELECT target, seq, data_hash FROM audit WHERE data_hash IS NOT NULL AND target IS NOT NULL ORDER BY seq",
    )?;
    let mut out = HashMap::new();
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        out.insert(r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?));
    }
    Ok(out)
}

/// Compares the stored data with the digests the chain holds; the first problem, in words.
/// Cheap checks always (every source, judgement, inquiry and the model has its entry, and
/// those that are small match it; no record without its source); with `deep`, every source and
/// the persons are hashed again, every record's MAC is recomputed and every encrypted value is
/// opened in its place.
pub(crate) fn check(conn: &Connection, keys: &Keys, entries: i64, deep: bool) -> Result<Option<String>, StoreError> {
    let count = |sql: &str| -> Result<i64, StoreError> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let held = [
        ("sources", count("SELECT COUNT(*) FROM sources")?),
        ("records", count("SELECT COUNT(*) FROM records")?),
        ("judgements", count("SELECT COUNT(*) FROM judgements")?),
        ("inquiries", count("SELECT COUNT(*) FROM inquiries")?),
    ];
    if entries == 0 {
        if let Some((what, n)) = held.iter().find(|(_, n)| *n > 0) {
            return Ok(Some(format!(
                "the audit chain is empty, but the registry holds {n} {what}: the chain was deleted"
            )));
        }
        return Ok(None);
    }
    let bound = latest_bindings(conn)?;
    let orphans = count("SELECT COUNT(*) FROM records WHERE source_id NOT IN (SELECT source_id FROM sources)")?;
    if orphans > 0 {
        return Ok(Some(format!("{orphans} records belong to no source: their source was removed outside Athar")));
    }
    // Sources.
    let sources: Vec<(i64, String)> = conn
        .prepare("SELECT source_id, name FROM sources ORDER BY source_id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, name) in &sources {
        let Some((seq, hash)) = bound.get(&source_target(*id)) else {
            return Ok(Some(format!(
                "source {id} ('{}') is not in the audit chain: it was added, or its entry removed, outside Athar",
                crate::escape_control(name)
            )));
        };
        if deep && source_digest(conn, *id)?.as_deref() != Some(hash.as_str()) {
            return Ok(Some(format!(
                "source {id} ('{}') differs from what audit entry {seq} sealed: its row, records, quarantined rows \
                 or original file were changed, added or removed outside Athar",
                crate::escape_control(name)
            )));
        }
    }
    for (target, (seq, hash)) in &bound {
        if let Some(id) = target.strip_prefix("source:").and_then(|s| s.parse::<i64>().ok()) {
            if hash != REMOVED && !sources.iter().any(|(s, _)| *s == id) {
                return Ok(Some(format!("source {id}, sealed by audit entry {seq}, was removed outside Athar")));
            }
        }
    }
    // Judgements and inquiries: small rows, compared always.
    let judgements: Vec<i64> = conn
        .prepare("SELECT judgement_id FROM judgements ORDER BY judgement_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in judgements {
        match bound.get(&judgement_target(id)) {
            None => return Ok(Some(format!("judgement {id} is not in the audit chain: it was added outside Athar"))),
            Some((seq, hash)) if judgement_digest(conn, id)?.as_deref() != Some(hash.as_str()) => {
                return Ok(Some(format!("judgement {id} differs from what audit entry {seq} sealed: it was changed")))
            }
            _ => {}
        }
    }
    let inquiries: Vec<String> = conn
        .prepare("SELECT ref FROM inquiries ORDER BY ref")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for r in &inquiries {
        match bound.get(&inquiry_target(r)) {
            None => return Ok(Some(format!("inquiry {r} is not in the audit chain: it was added outside Athar"))),
            Some((seq, hash)) if inquiry_digest(conn, r)?.as_deref() != Some(hash.as_str()) => {
                return Ok(Some(format!("inquiry {r} differs from what audit entry {seq} sealed: it was changed")))
            }
            _ => {}
        }
    }
    for (target, (seq, hash)) in &bound {
        if hash == REMOVED {
            continue;
        }
        if let Some(id) = target.strip_prefix("judgement:").and_then(|s| s.parse::<i64>().ok()) {
            if judgement_digest(conn, id)?.is_none() {
                return Ok(Some(format!("judgement {id}, sealed by audit entry {seq}, was removed outside Athar")));
            }
        }
        if let Some(r) = target.strip_prefix("inquiry:") {
            if inquiry_digest(conn, r)?.is_none() {
                return Ok(Some(format!("inquiry {r}, sealed by audit entry {seq}, was removed outside Athar")));
            }
        }
    }
    // Users: an account added or changed outside Athar could sign in.
    let users: Vec<String> =
        conn.prepare("SELECT name FROM users ORDER BY name")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for u in &users {
        match bound.get(&user_target(u)) {
            None => {
                return Ok(Some(format!(
                    "user '{}' is not in the audit chain: the account was added outside Athar",
                    crate::escape_control(u)
                )))
            }
            Some((seq, hash)) if user_digest(conn, u)?.as_deref() != Some(hash.as_str()) => {
                return Ok(Some(format!(
                    "user '{}' differs from what audit entry {seq} sealed: the account was changed outside Athar",
                    crate::escape_control(u)
                )))
            }
            _ => {}
        }
    }
    // API tokens: one added or changed outside Athar is refused at use; named here too.
    let tokens: Vec<String> = conn
        .prepare("SELECT token_id FROM api_tokens ORDER BY token_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for t in &tokens {
        match bound.get(&crate::tokens::token_target(t)) {
            None => return Ok(Some(format!("API token {t} is not in the audit chain: it was added outside Athar"))),
            Some((seq, hash)) if crate::tokens::token_digest(conn, t)?.as_deref() != Some(hash.as_str()) => {
                return Ok(Some(format!(
                    "API token {t} differs from what audit entry {seq} sealed: it was changed outside Athar"
                )))
            }
            _ => {}
        }
    }
    // Sites users added: one slipped in or changed outside Athar would change how places match.
    for (id, digest) in crate::sites::site_digests(conn)? {
        match bound.get(&crate::sites::site_target(&id)) {
            None => return Ok(Some(format!("site '{id}' is not in the audit chain: it was added outside Athar"))),
            Some((seq, hash)) if *hash != digest => {
                return Ok(Some(format!(
                    "site '{id}' differs from what audit entry {seq} sealed: it was changed outside Athar"
                )))
            }
            _ => {}
        }
    }
    for (target, (seq, hash)) in &bound {
        if let Some(id) = target.strip_prefix("site:") {
            if hash != REMOVED && crate::sites::site_digest(conn, id)?.is_none() {
                return Ok(Some(format!("site '{id}', sealed by audit entry {seq}, was removed outside Athar")));
            }
        }
    }
    // Status changes: one added or changed outside Athar would rewrite a person's history.
    for (id, digest) in crate::status::status_digests(conn)? {
        match bound.get(&crate::status::status_target(id)) {
            None => {
                return Ok(Some(format!("status change {id} is not in the audit chain: it was added outside Athar")))
            }
            Some((seq, hash)) if *hash != digest => {
                return Ok(Some(format!(
                    "status change {id} differs from what audit entry {seq} sealed: it was changed outside Athar"
                )))
            }
            _ => {}
        }
    }
    for (target, (seq, hash)) in &bound {
        if let Some(id) = target.strip_prefix("status:").and_then(|s| s.parse::<i64>().ok()) {
            if hash != REMOVED && crate::status::status_digest(conn, id)?.is_none() {
                return Ok(Some(format!("status change {id}, sealed by audit entry {seq}, was removed outside Athar")));
            }
        }
    }
    // Sensitivity flags: a flag cleared outside Athar would show a record to roles that must
    // not see it.
    for (id, digest) in crate::flags::all_flag_digests(conn)? {
        match bound.get(&crate::flags::flags_target(id)) {
            None => {
                return Ok(Some(format!(
                    "the sensitivity flags of record {id} are not in the audit chain: they were set outside Athar"
                )))
            }
            Some((seq, hash)) if *hash != digest => {
                return Ok(Some(format!(
                    "the sensitivity flags of record {id} differ from what audit entry {seq} sealed: they were \
                     changed outside Athar"
                )))
            }
            _ => {}
        }
    }
    for (target, (seq, hash)) in &bound {
        if let Some(id) = target.strip_prefix("flags:record:").and_then(|s| s.parse::<i64>().ok()) {
            if hash != REMOVED && crate::flags::flags_digest(conn, id)?.is_none() {
                return Ok(Some(format!(
                    "the sensitivity flags of record {id}, sealed by audit entry {seq}, were removed outside Athar"
                )));
            }
        }
    }
    // The model.
    match (model_digest(conn)?, bound.get(MODEL_TARGET)) {
        (Some(_), None) => {
            return Ok(Some("the linkage model is not in the audit chain: it was put there outside Athar".into()))
        }
        (Some(h), Some((seq, sealed))) if &h != sealed => {
            return Ok(Some(format!("the linkage model differs from what audit entry {seq} sealed: it was changed")))
        }
        (None, Some((seq, _))) => {
            return Ok(Some(format!("the linkage model, sealed by audit entry {seq}, was removed outside Athar")))
        }
        _ => {}
    }
    // Persons.
    let has_persons = count("SELECT EXISTS(SELECT 1 FROM persons) OR EXISTS(SELECT 1 FROM person_records)")? == 1;
    match bound.get(PERSONS_TARGET) {
        None if has_persons => {
            return Ok(Some("the persons are not in the audit chain: they were made outside Athar".into()))
        }
        Some((seq, hash)) if deep && persons_digest(conn)? != *hash => {
            return Ok(Some(format!(
                "the persons differ from what audit entry {seq} sealed: records were moved between persons, or \
                 persons or their lineage changed, outside Athar"
            )))
        }
        _ => {}
    }
    if deep {
        if let Some(p) = check_rows(conn, keys)? {
            return Ok(Some(p));
        }
    }
    Ok(None)
}

/// Every record's MAC and every encrypted value in its place.
fn check_rows(conn: &Connection, keys: &Keys) -> Result<Option<String>, StoreError> {
    let mut st = conn.prepare(
        "SELECT record_id, source_id, row, source_record_id, raw_clear, raw_private, row_mac FROM records \
         ORDER BY record_id",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (id, sid, row): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let srid: Option<String> = r.get(3)?;
        let clear: String = r.get(4)?;
        let private: Option<Vec<u8>> = r.get(5)?;
        let mac: Option<String> = r.get(6)?;
        if mac.as_deref() != Some(record_mac(keys, id, sid, row, srid.as_deref(), &clear, private.as_deref()).as_str())
        {
            return Ok(Some(format!(
                "record {id} (source {sid}, row {row}) was changed after its import: its raw values, row or \
                 source record id are not those that were sealed"
            )));
        }
        if let Some(p) = &private {
            if keys.open_bound(p, &record_place(id)).is_err() {
                return Ok(Some(format!(
                    "record {id} (source {sid}, row {row}): its encrypted cells do not open in their place (moved \
                     from another record, or damaged)"
                )));
            }
        }
    }
    let mut st = conn.prepare("SELECT source_id, row, raw_enc FROM quarantine ORDER BY source_id, row")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (sid, row): (i64, i64) = (r.get(0)?, r.get(1)?);
        let sealed: Vec<u8> = r.get(2)?;
        if keys.open_bound(&sealed, &quarantine_place(sid, row)).is_err() {
            return Ok(Some(format!(
                "the quarantined row {row} of source {sid} does not open in its place (moved or damaged)"
            )));
        }
    }
    let mut st = conn.prepare("SELECT source_id, chunk, data_enc FROM source_files ORDER BY source_id, chunk")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (sid, chunk): (i64, i64) = (r.get(0)?, r.get(1)?);
        let sealed: Vec<u8> = r.get(2)?;
        if keys.open_bound(&sealed, &file_place(sid, chunk)).is_err() {
            return Ok(Some(format!(
                "piece {chunk} of the original file of source {sid} does not open in its place (moved or damaged)"
            )));
        }
    }
    Ok(None)
}

/// Seals a registry made before bindings, once, in the migration's transaction: every
/// encrypted value re-encrypted bound to its place, every record given its MAC, the clear
/// column headers, mappings, judgement notes and inquiry close reasons encrypted, and one
/// audit entry per source, judgement, inquiry, the model and the persons carrying its digest.
/// The append-only trigger on raw values is lifted for this one path and put back, tighter.
pub(crate) fn seal_older_registry(conn: &Connection, keys: &Keys) -> Result<(), StoreError> {
    conn.execute_batch("DROP TRIGGER IF EXISTS records_raw_immutable")?;
    {
        let mut read = conn.prepare(
            "SELECT record_id, source_id, row, source_record_id, raw_clear, raw_private FROM records ORDER BY record_id",
        )?;
        let mut write = conn.prepare("UPDATE records SET raw_private = ?2, row_mac = ?3 WHERE record_id = ?1")?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            let (id, sid, row): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let srid: Option<String> = r.get(3)?;
            let clear: String = r.get(4)?;
            let private: Option<Vec<u8>> = r.get(5)?;
            let resealed = match &private {
                Some(p) => Some(keys.seal_bound(&keys.open(p)?, &record_place(id))?),
                None => None,
            };
            let mac = record_mac(keys, id, sid, row, srid.as_deref(), &clear, resealed.as_deref());
            write.execute(params![id, resealed, mac])?;
        }
    }
    conn.execute_batch(crate::schema::RAW_IMMUTABLE_TRIGGER)?;
    reseal_column(conn, keys, "quarantine", "raw_enc", "source_id, row", |r| {
        Ok(quarantine_place(r.get(1)?, r.get(2)?))
    })?;
    reseal_column(conn, keys, "source_files", "data_enc", "source_id, chunk", |r| {
        Ok(file_place(r.get(1)?, r.get(2)?))
    })?;
    reseal_column(conn, keys, "inquiries", "enquirer_enc", "ref", |r| Ok(enquirer_place(&r.get::<_, String>(1)?)))?;
    // Clear texts that may hold personal data, encrypted.
    let sources: Vec<(i64, String, Option<String>)> = conn
        .prepare("SELECT source_id, mapping_json, columns_json FROM sources")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, mapping, columns) in sources {
        let m = keys.seal_bound(mapping.as_bytes(), &mapping_place(id))?;
        let c = columns.map(|c| keys.seal_bound(c.as_bytes(), &columns_place(id))).transpose()?;
        conn.execute(
            "UPDATE sources SET mapping_enc = ?2, columns_enc = ?3, mapping_json = '', columns_json = NULL \
             WHERE source_id = ?1",
            params![id, m, c],
        )?;
    }
    let notes: Vec<(i64, String)> = conn
        .prepare("SELECT judgement_id, note FROM judgements WHERE note IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, note) in notes {
        let enc = keys.seal_bound(note.as_bytes(), &judgement_note_place(id))?;
        conn.execute("UPDATE judgements SET note_enc = ?2, note = NULL WHERE judgement_id = ?1", params![id, enc])?;
    }
    let reasons: Vec<(String, String)> = conn
        .prepare("SELECT ref, closed_reason FROM inquiries WHERE closed_reason IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (r, reason) in reasons {
        let enc = keys.seal_bound(reason.as_bytes(), &close_reason_place(&r))?;
        conn.execute(
            "UPDATE inquiries SET closed_reason_enc = ?2, closed_reason = NULL WHERE ref = ?1",
            params![r, enc],
        )?;
    }
    // One entry per bound target.
    let bind = |action: &str, target: &str, hash: &str| {
        crate::audit::append_bound(conn, keys, MIGRATION_ACTOR, action, Some(target), None, None, Some(hash))
    };
    let ids: Vec<i64> = conn
        .prepare("SELECT source_id FROM sources ORDER BY source_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        if let Some(h) = source_digest(conn, id)? {
            bind("seal", &source_target(id), &h)?;
        }
    }
    let ids: Vec<i64> = conn
        .prepare("SELECT judgement_id FROM judgements ORDER BY judgement_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        if let Some(h) = judgement_digest(conn, id)? {
            bind("seal", &judgement_target(id), &h)?;
        }
    }
    let refs: Vec<String> = conn
        .prepare("SELECT ref FROM inquiries ORDER BY ref")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for r in refs {
        if let Some(h) = inquiry_digest(conn, &r)? {
            bind("seal", &inquiry_target(&r), &h)?;
        }
    }
    if let Some(h) = model_digest(conn)? {
        bind("seal", MODEL_TARGET, &h)?;
    }
    bind("seal", PERSONS_TARGET, &persons_digest(conn)?)?;
    Ok(())
}

/// Re-encrypts one column of a table bound to each row's place; `place` reads the row's key
/// columns from index 1 on (index 0 is the rowid).
fn reseal_column(
    conn: &Connection,
    keys: &Keys,
    table: &str,
    column: &str,
    key_columns: &str,
    place: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<String>,
) -> Result<(), StoreError> {
    let n = key_columns.split(',').count();
    let rows: Vec<(i64, String, Vec<u8>)> = conn
        .prepare(&format!("SELECT rowid, {key_columns}, {column} FROM {table}"))?
        .query_map([], |r| Ok((r.get(0)?, place(r)?, r.get(1 + n)?)))?
        .collect::<Result<_, _>>()?;
    let mut up = conn.prepare(&format!("UPDATE {table} SET {column} = ?2 WHERE rowid = ?1"))?;
    for (rowid, p, sealed) in rows {
        up.execute(params![rowid, keys.seal_bound(&keys.open(&sealed)?, &p)?])?;
    }
    Ok(())
}
