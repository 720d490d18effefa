//! # athar-store
//!
//! The registry's one SQLite file: schema migrations, sources with their original files
//! (encrypted, inside the database so that a backup holds them), append-only records (raw row
//! as read plus derived canonical fields), the quarantine of rows that could not be used, and
//! the audit chain. Identifiers, contacts and columns that map to no field are encrypted with
//! XChaCha20-Poly1305 under the key file; a national id is also kept as a keyed hash for exact
//! comparison. Names stay in clear for matching. No matching logic lives here.
//!
//! ```no_run
//! # fn main() -> Result<(), athar_store::StoreError> {
//! let store = athar_store::Store::open("athar.db".as_ref(), "athar.key".as_ref())?;
//! for s in store.sources()? {
//!     println!("{} {} rows", s.name, s.rows);
//! }
//! # Ok(()) }
//! ```

pub mod audit;
pub mod inquiries;
pub mod keys;
pub mod linkage;
mod schema;

pub use audit::{AuditEntry, AuditVerdict};
pub use inquiries::{Enquirer, InquiryRow, Lead};
pub use keys::Keys;
pub use linkage::{ExportRow, JudgementRow, LineageEvent, LinkInput, PersonsReport};

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the store, said so that a user knows what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("key file {path}: {problem}")]
    KeyFile { path: PathBuf, problem: String },
    #[error("the key file {key} does not belong to the database {db}; use the key file created with it (--key-file)")]
    WrongKey { db: PathBuf, key: PathBuf },
    #[error(
        "the database {db} exists but its key file {key} is missing; restore the key file from where you keep it \
         (--key-file PATH), the encrypted columns cannot be read without it"
    )]
    MissingKey { db: PathBuf, key: PathBuf },
    #[error("the database {0} was made by a newer Athar (schema {1}); upgrade Athar")]
    NewerSchema(PathBuf, i64),
    #[error("{0}")]
    Crypto(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The canonical fields a record keeps in clear (names, dates, places, status). Identifiers,
/// contacts and notes are never among them.
pub const CLEAR_FIELDS: &[&str] = &[
    "full_name",
    "given_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "mother_name",
    "mother_family_name",
    "aliases",
    "sex",
    "birth_date",
    "birth_place",
    "residence",
    "status",
    "event_date",
    "facility",
    "place",
];

/// What `init` found and made.
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    pub database: PathBuf,
    pub key_file: PathBuf,
    pub created_database: bool,
    pub created_key_file: bool,
}

/// One source (an imported list) as listed.
#[derive(Debug, Clone, Serialize)]
pub struct SourceSummary {
    pub source_id: String,
    pub name: String,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub format: String,
    pub encoding: Option<String>,
    pub imported_at: String,
    pub imported_by: String,
    pub rows: i64,
    pub imported: i64,
    pub quarantined: i64,
    pub description: Option<String>,
    pub recycled_from: Option<String>,
}

/// A new source, before its rows.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub format: String,
    pub encoding: Option<String>,
    pub actor: String,
    pub description: Option<String>,
    /// The column mapping chosen, as JSON, for provenance.
    pub mapping_json: String,
}

/// One record to append. `raw` is the row exactly as read, column by column; `private[i]`
/// says that column `i` is stored encrypted only (identifiers, contacts, unmapped columns).
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    pub row: i64,
    pub source_record_id: Option<String>,
    pub raw: Vec<String>,
    pub private: Vec<bool>,
    /// Derived canonical fields, by name (see [`CLEAR_FIELDS`]).
    pub fields: Vec<(&'static str, String)>,
    /// The national id, if any: stored only as a keyed hash (its raw cell is encrypted).
    pub national_id: Option<String>,
    /// A hash of the record's names and dates, to recognise re-posted lists.
    pub fingerprint: i64,
}

/// A record ready for insertion: its private cells sealed, its national id hashed, its clear
/// fields in the order of [`CLEAR_FIELDS`]. Making it is the costly part of an insert, and it
/// needs only the keys, so an import makes these on a second thread.
#[derive(Debug, Clone)]
pub struct PreparedRecord {
    row: i64,
    source_record_id: Option<String>,
    clear_json: String,
    private_enc: Option<Vec<u8>>,
    national_id_hash: Option<String>,
    fingerprint: i64,
    values: Vec<Option<String>>,
}

impl PreparedRecord {
    pub fn new(keys: &Keys, rec: &NewRecord) -> Result<PreparedRecord, StoreError> {
        let mut clear: Vec<Option<&str>> = Vec::with_capacity(rec.raw.len());
        let mut private: Vec<(usize, &str)> = Vec::new();
        for (i, v) in rec.raw.iter().enumerate() {
            if rec.private.get(i).copied().unwrap_or(true) {
                clear.push(None);
                if !v.is_empty() {
                    private.push((i, v));
                }
            } else {
                clear.push(Some(v));
            }
        }
        let clear_json = serde_json::to_string(&clear).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let private_enc = if private.is_empty() {
            None
        } else {
            let json = serde_json::to_vec(&private).map_err(|e| StoreError::Invalid(e.to_string()))?;
            Some(keys.seal(&json)?)
        };
        let values =
            CLEAR_FIELDS.iter().map(|f| rec.fields.iter().find(|(n, _)| n == f).map(|(_, v)| v.clone())).collect();
        Ok(PreparedRecord {
            row: rec.row,
            source_record_id: rec.source_record_id.clone(),
            clear_json,
            private_enc,
            national_id_hash: rec.national_id.as_deref().map(|v| keys.identifier_hash(v)),
            fingerprint: rec.fingerprint,
            values,
        })
    }
}

/// A record as shown: raw row beside derived fields.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub record_id: String,
    pub source: String,
    pub source_id: String,
    pub source_record_id: Option<String>,
    pub row: i64,
    pub raw: Vec<(String, String)>,
    pub derived: Vec<(String, String)>,
    pub national_id_hash: Option<String>,
}

/// A quarantined row.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineRow {
    pub source: String,
    pub source_id: String,
    pub row: i64,
    pub reason: String,
    pub raw: Vec<String>,
}

/// Counts for `athar stats`.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub sources: i64,
    pub records: i64,
    pub quarantined: i64,
    pub audit_entries: i64,
    pub by_status: Vec<(String, i64)>,
}

/// Where an earlier source already holds most rows of a new one.
#[derive(Debug, Clone, Serialize)]
pub struct Recycled {
    pub source: String,
    pub imported_at: String,
    pub share: f64,
}

/// The registry store: one SQLite connection and the keys of its key file.
pub struct Store {
    conn: Connection,
    keys: Keys,
    db_path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("db", &self.db_path).finish_non_exhaustive()
    }
}

/// The default key file of a database: beside it, `athar.db` → `athar.key`.
pub fn default_key_path(db: &Path) -> PathBuf {
    db.with_extension("key")
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Opens a database, creating it (and its key file) when it does not exist yet; every
    /// command may do this. An existing database needs its own key file.
    pub fn open(db: &Path, key_file: &Path) -> Result<Store, StoreError> {
        Ok(Store::init(db, key_file)?.0)
    }

    /// Creates what is missing (database, key file) and checks that they belong together.
    /// Idempotent.
    pub fn init(db: &Path, key_file: &Path) -> Result<(Store, InitReport), StoreError> {
        let db_exists = db.exists() && std::fs::metadata(db).map(|m| m.len() > 0).unwrap_or(false);
        let key_exists = key_file.exists();
        if db_exists && !key_exists {
            let conn = Connection::open(db)?;
            let has_check: bool = conn
                .query_row("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'", [], |_| Ok(true))
                .optional()?
                .unwrap_or(false);
            if has_check {
                return Err(StoreError::MissingKey { db: db.to_path_buf(), key: key_file.to_path_buf() });
            }
        }
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                return Err(StoreError::Invalid(format!(
                    "the folder {} of the database does not exist; create it or pass another --db",
                    dir.display()
                )));
            }
        }
        let keys = if key_exists { Keys::load(key_file)? } else { Keys::create(key_file)? };
        let conn = Connection::open(db)?;
        // Larger pages make shallower index trees (set before the first table; no-op after).
        conn.pragma_update(None, "page_size", 8192)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 128 MiB of page cache: imports insert into indexes in random order (fingerprints,
        // identifier hashes), which is slow once the indexes outgrow the default 2 MiB.
        conn.pragma_update(None, "cache_size", -131_072)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut store = Store { conn, keys, db_path: db.to_path_buf() };
        schema::migrate(&mut store.conn, db)?;
        // The key check: written once, compared ever after.
        let check = store.keys.check_value();
        let stored: Option<String> =
            store.conn.query_row("SELECT value FROM meta WHERE key='key_check'", [], |r| r.get(0)).optional()?;
        match stored {
            None => {
                store.conn.execute("INSERT INTO meta(key, value) VALUES('key_check', ?1)", [&check])?;
            }
            Some(s) if s != check => {
                return Err(StoreError::WrongKey { db: db.to_path_buf(), key: key_file.to_path_buf() });
            }
            Some(_) => {}
        }
        let report = InitReport {
            database: db.to_path_buf(),
            key_file: key_file.to_path_buf(),
            created_database: !db_exists,
            created_key_file: !key_exists,
        };
        Ok((store, report))
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn path(&self) -> &Path {
        &self.db_path
    }

    /// Appends an entry to the audit chain.
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        target: Option<&str>,
        count: Option<i64>,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        audit::append(&self.conn, &self.keys, actor, action, target, count, detail)
    }

    /// Checks the audit chain; names the first bad entry.
    pub fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        audit::verify(&self.conn, &self.keys)
    }

    /// The hash of entry `seq` of the audit chain, if it exists.
    pub fn audit_hash_at(&self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).optional()?)
    }

    /// The head of the audit chain: count and last hash, to keep elsewhere.
    pub fn audit_anchor(&self) -> Result<(i64, String), StoreError> {
        audit::anchor(&self.conn)
    }

    /// The source whose original file has this SHA-256, if any.
    pub fn source_by_sha256(&self, sha256: &str) -> Result<Option<SourceSummary>, StoreError> {
        self.sources_where("WHERE sha256 = ?1", params![sha256]).map(|mut v| v.pop())
    }

    /// The source of this name (or id), if any.
    pub fn source_by_name(&self, name: &str) -> Result<Option<SourceSummary>, StoreError> {
        self.sources_where("WHERE name = ?1 OR CAST(source_id AS TEXT) = ?1", params![name]).map(|mut v| v.pop())
    }

    pub fn sources(&self) -> Result<Vec<SourceSummary>, StoreError> {
        self.sources_where("", params![])
    }

    fn sources_where(&self, clause: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<SourceSummary>, StoreError> {
        let sql = format!(
            "SELECT source_id, name, kind, file_name, sha256, size, format, encoding, imported_at, imported_by, rows, \
             imported, quarantined, description, recycled_from FROM sources {clause} ORDER BY source_id"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(p, |r| {
            Ok(SourceSummary {
                source_id: r.get::<_, i64>(0)?.to_string(),
                name: r.get(1)?,
                kind: r.get(2)?,
                file_name: r.get(3)?,
                sha256: r.get(4)?,
                size: r.get(5)?,
                format: r.get(6)?,
                encoding: r.get(7)?,
                imported_at: r.get(8)?,
                imported_by: r.get(9)?,
                rows: r.get(10)?,
                imported: r.get(11)?,
                quarantined: r.get(12)?,
                description: r.get(13)?,
                recycled_from: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Starts importing a source: everything until [`Import::commit`] is one transaction, so an
    /// interrupted import leaves no trace and a rerun works.
    pub fn begin_import(&mut self, source: &NewSource) -> Result<Import<'_>, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO sources(name, kind, file_name, sha256, size, format, encoding, imported_at, imported_by, \
             rows, imported, quarantined, description, mapping_json) \
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0, 0, ?10, ?11)",
            params![
                source.name,
                source.kind,
                source.file_name,
                source.sha256,
                source.size,
                source.format,
                source.encoding,
                now(),
                source.actor,
                source.description,
                source.mapping_json
            ],
        )?;
        let source_id = tx.last_insert_rowid();
        Ok(Import { tx, keys: &self.keys, source_id, imported: 0, quarantined: 0, chunks: 0 })
    }

    /// A record by its id or `SOURCE:SOURCE_RECORD_ID`, raw and derived side by side.
    pub fn record(&self, reference: &str) -> Result<Option<RecordView>, StoreError> {
        let id: Option<i64> = if let Ok(id) = reference.parse::<i64>() {
            Some(id)
        } else {
            // SOURCE:SOURCE_RECORD_ID, where either may itself hold ':' — try every split.
            let mut found = None;
            for (at, _) in reference.match_indices(':') {
                let (source, srid) = (&reference[..at], &reference[at + 1..]);
                found = self
                    .conn
                    .query_row(
                        "SELECT r.record_id FROM records r JOIN sources s ON s.source_id = r.source_id \
                         WHERE s.name = ?1 AND r.source_record_id = ?2",
                        params![source, srid],
                        |r| r.get(0),
                    )
                    .optional()?;
                if found.is_some() {
                    break;
                }
            }
            found
        };
        let Some(id) = id else { return Ok(None) };
        let mut cols = String::new();
        for f in CLEAR_FIELDS {
            cols.push_str(", r.");
            cols.push_str(f);
        }
        let sql = format!(
            "SELECT r.record_id, s.name, s.source_id, r.source_record_id, r.row, r.raw_clear, r.raw_private, \
             r.national_id_hmac, s.columns_json{cols} FROM records r JOIN sources s ON s.source_id = r.source_id \
             WHERE r.record_id = ?1"
        );
        let row = self
            .conn
            .query_row(&sql, [id], |r| {
                let mut derived = Vec::new();
                for (k, f) in CLEAR_FIELDS.iter().enumerate() {
                    if let Some(v) = r.get::<_, Option<String>>(9 + k)? {
                        derived.push((f.to_string(), v));
                    }
                }
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<Vec<u8>>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    derived,
                ))
            })
            .optional()?;
        let Some((record_id, source, source_id, srid, row, raw_clear, raw_private, nid, columns, derived)) = row else {
            return Ok(None);
        };
        let raw = self.merge_raw(&raw_clear, raw_private.as_deref())?;
        let headers: Vec<String> = columns.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
        let raw = raw
            .into_iter()
            .enumerate()
            .map(|(i, v)| (headers.get(i).cloned().unwrap_or_else(|| format!("column {}", i + 1)), v))
            .collect();
        Ok(Some(RecordView {
            record_id: record_id.to_string(),
            source,
            source_id: source_id.to_string(),
            source_record_id: srid,
            row,
            raw,
            derived,
            national_id_hash: nid,
        }))
    }

    /// Puts a row back together from its clear part and its encrypted part.
    fn merge_raw(&self, clear: &str, private: Option<&[u8]>) -> Result<Vec<String>, StoreError> {
        let mut raw: Vec<Option<String>> =
            serde_json::from_str(clear).map_err(|e| StoreError::Invalid(format!("stored row is damaged: {e}")))?;
        if let Some(sealed) = private {
            let plain = self.keys.open(sealed)?;
            let cells: Vec<(usize, String)> = serde_json::from_slice(&plain)
                .map_err(|e| StoreError::Invalid(format!("stored private row is damaged: {e}")))?;
            for (i, v) in cells {
                if i >= raw.len() {
                    raw.resize(i + 1, None);
                }
                raw[i] = Some(v);
            }
        }
        Ok(raw.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// Quarantined rows, of one source or all, decrypted.
    pub fn quarantine(&self, source: Option<&str>) -> Result<Vec<QuarantineRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT s.name, s.source_id, q.row, q.reason, q.raw_enc FROM quarantine q \
             JOIN sources s ON s.source_id = q.source_id \
             WHERE ?1 IS NULL OR s.name = ?1 OR CAST(s.source_id AS TEXT) = ?1 ORDER BY s.source_id, q.row",
        )?;
        let rows = st
            .query_map([source], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get(2)?, r.get(3)?, r.get::<_, Vec<u8>>(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(source, sid, row, reason, sealed)| {
                let plain = self.keys.open(&sealed)?;
                let raw: Vec<String> = serde_json::from_slice(&plain)
                    .map_err(|e| StoreError::Invalid(format!("stored quarantined row is damaged: {e}")))?;
                Ok(QuarantineRow { source, source_id: sid.to_string(), row, reason, raw })
            })
            .collect()
    }

    /// The original file of a source, decrypted, chunk by chunk into `out`.
    pub fn original_file(&self, source_id: i64, out: &mut dyn std::io::Write) -> Result<u64, StoreError> {
        let mut st = self.conn.prepare("SELECT data_enc FROM source_files WHERE source_id = ?1 ORDER BY chunk")?;
        let mut rows = st.query([source_id])?;
        let mut n = 0u64;
        while let Some(r) = rows.next()? {
            let sealed: Vec<u8> = r.get(0)?;
            let plain = self.keys.open(&sealed)?;
            out.write_all(&plain).map_err(|e| StoreError::Io { path: PathBuf::from("<output>"), source: e })?;
            n += plain.len() as u64;
        }
        Ok(n)
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        let count = |sql: &str| -> Result<i64, StoreError> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let mut st = self
            .conn
            .prepare("SELECT COALESCE(status, 'unknown'), COUNT(*) FROM records GROUP BY 1 ORDER BY 2 DESC, 1")?;
        let by_status = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(Stats {
            sources: count("SELECT COUNT(*) FROM sources")?,
            records: count("SELECT COUNT(*) FROM records")?,
            quarantined: count("SELECT COUNT(*) FROM quarantine")?,
            audit_entries: count("SELECT COUNT(*) FROM audit")?,
            by_status,
        })
    }

    /// A consistent copy of the database while it is in use (SQLite online backup). The key
    /// file is not included: keep it apart.
    pub fn backup(&self, out: &Path) -> Result<(), StoreError> {
        if out.exists() {
            return Err(StoreError::Invalid(format!(
                "{} exists already; choose a new file for the backup",
                out.display()
            )));
        }
        let mut dst = Connection::open(out)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)?;
        backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
        Ok(())
    }

    /// Replaces the database at `db` with the backup `input`, after checking that the backup
    /// opens with this key file. The replaced database is kept as `<db>.before-restore`.
    pub fn restore(input: &Path, db: &Path, key_file: &Path) -> Result<(), StoreError> {
        if !input.exists() {
            return Err(StoreError::Invalid(format!("backup file {} does not exist", input.display())));
        }
        let keys = Keys::load(key_file)?;
        let src = Connection::open_with_flags(input, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let check: Option<String> = src
            .query_row("SELECT value FROM meta WHERE key='key_check'", [], |r| r.get(0))
            .optional()
            .map_err(|_| StoreError::Invalid(format!("{} is not an Athar database backup", input.display())))?;
        if check.as_deref() != Some(keys.check_value().as_str()) {
            return Err(StoreError::WrongKey { db: input.to_path_buf(), key: key_file.to_path_buf() });
        }
        if db.exists() {
            // Fold the WAL into the database first, so that the copy set aside is whole, then
            // move the database and its side files (named `<db>-wal`, `<db>-shm`) aside.
            {
                let conn = Connection::open(db)?;
                conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
            }
            let mut aside = PathBuf::from(format!("{}.before-restore", db.display()));
            let mut k = 2;
            while aside.exists() {
                aside = PathBuf::from(format!("{}.before-restore.{k}", db.display()));
                k += 1;
            }
            std::fs::rename(db, &aside).map_err(|e| StoreError::Io { path: db.to_path_buf(), source: e })?;
            for side in ["-wal", "-shm"] {
                let p = PathBuf::from(format!("{}{side}", db.display()));
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| StoreError::Io { path: p.clone(), source: e })?;
                }
            }
        }
        let mut dst = Connection::open(db)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
        Ok(())
    }

    /// Which earlier source holds most of this source's rows (same names and dates), if a
    /// large share of them.
    pub fn recycled_from(&self, source_id: &str, min_share: f64) -> Result<Option<Recycled>, StoreError> {
        let sid: i64 =
            source_id.parse().map_err(|_| StoreError::Invalid(format!("'{source_id}' is not a source id")))?;
        recycled_from(&self.conn, sid, min_share)
    }

    /// The next `limit` records after `after` (by id) as (record id, source id, raw row), for
    /// `reindex`.
    pub fn records_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, i64, Vec<String>)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT record_id, source_id, raw_clear, raw_private FROM records WHERE record_id > ?1 \
             ORDER BY record_id LIMIT ?2",
        )?;
        let rows = st
            .query_map(params![after, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<Vec<u8>>>(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, sid, clear, private)| Ok((id, sid, self.merge_raw(&clear, private.as_deref())?)))
            .collect()
    }

    /// The column mapping each source was imported with (JSON, as the import wrote it).
    pub fn source_mappings(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut st = self.conn.prepare("SELECT source_id, mapping_json FROM sources ORDER BY source_id")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Replaces the derived fields of a record (raw values are never touched).
    pub fn update_derived(
        &self,
        record_id: i64,
        fields: &[(&'static str, String)],
        national_id: Option<&str>,
        fingerprint: i64,
    ) -> Result<(), StoreError> {
        let mut sets = String::new();
        let mut values: Vec<Option<String>> = Vec::with_capacity(CLEAR_FIELDS.len());
        for (k, f) in CLEAR_FIELDS.iter().enumerate() {
            sets.push_str(&format!("{f} = ?{}, ", k + 2));
            values.push(fields.iter().find(|(n, _)| n == f).map(|(_, v)| v.clone()));
        }
        let nid = national_id.map(|v| self.keys.identifier_hash(v));
        let sql = format!(
            "UPDATE records SET {sets}national_id_hmac = ?{}, fingerprint = ?{}, derived_version = ?{} WHERE record_id = ?1",
            CLEAR_FIELDS.len() + 2,
            CLEAR_FIELDS.len() + 3,
            CLEAR_FIELDS.len() + 4
        );
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&record_id];
        for v in &values {
            p.push(v);
        }
        p.push(&nid);
        p.push(&fingerprint);
        let version = schema::DERIVED_VERSION;
        p.push(&version);
        self.conn.execute(&sql, p.as_slice())?;
        // What links kept was derived from the old fields.
        self.conn.execute("DELETE FROM link_state", [])?;
        Ok(())
    }

    /// Runs `f` inside one transaction (for `reindex`).
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.conn.execute_batch("BEGIN")?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// Distinct name-and-date fingerprints of a source, and which earlier source holds most of
/// them; each fingerprint is one seek in the index on (fingerprint, source_id).
fn recycled_from(conn: &Connection, sid: i64, min_share: f64) -> Result<Option<Recycled>, StoreError> {
    let total: i64 =
        conn.query_row("SELECT COUNT(DISTINCT fingerprint) FROM records WHERE source_id = ?1", [sid], |r| r.get(0))?;
    if total == 0 {
        return Ok(None);
    }
    let best: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT s.name, s.imported_at, COUNT(DISTINCT o.fingerprint) AS c FROM \
             (SELECT DISTINCT fingerprint FROM records WHERE source_id = ?1) n \
             JOIN records o ON o.fingerprint = n.fingerprint AND o.source_id < ?1 \
             JOIN sources s ON s.source_id = o.source_id \
             GROUP BY o.source_id ORDER BY c DESC, o.source_id LIMIT 1",
            [sid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(best.and_then(|(source, imported_at, c)| {
        let share = c as f64 / total as f64;
        (share >= min_share).then_some(Recycled { source, imported_at, share })
    }))
}

/// An import in progress: one transaction.
pub struct Import<'a> {
    tx: Transaction<'a>,
    keys: &'a Keys,
    source_id: i64,
    imported: i64,
    quarantined: i64,
    chunks: i64,
}

impl Import<'_> {
    pub fn source_id(&self) -> String {
        self.source_id.to_string()
    }

    /// Records the file's column headers (for showing raw rows later).
    pub fn set_columns(&mut self, headers: &[String]) -> Result<(), StoreError> {
        let json = serde_json::to_string(headers).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.tx.execute("UPDATE sources SET columns_json = ?2 WHERE source_id = ?1", params![self.source_id, json])?;
        Ok(())
    }

    /// Stores the next piece of the original file, encrypted.
    pub fn add_file_chunk(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let sealed = self.keys.seal(bytes)?;
        self.tx
            .prepare_cached("INSERT INTO source_files(source_id, chunk, data_enc) VALUES(?1, ?2, ?3)")?
            .execute(params![self.source_id, self.chunks, sealed])?;
        self.chunks += 1;
        Ok(())
    }

    /// Appends a record.
    pub fn add_record(&mut self, rec: &NewRecord) -> Result<(), StoreError> {
        let prepared = PreparedRecord::new(self.keys, rec)?;
        self.add_prepared(&prepared)
    }

    /// Appends a record prepared (encrypted, hashed) elsewhere, e.g. on another thread.
    pub fn add_prepared(&mut self, rec: &PreparedRecord) -> Result<(), StoreError> {
        let version = schema::DERIVED_VERSION;
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![
            &self.source_id,
            &rec.row,
            &rec.source_record_id,
            &rec.clear_json,
            &rec.private_enc,
            &rec.national_id_hash,
            &rec.fingerprint,
            &version,
        ];
        for v in &rec.values {
            p.push(v);
        }
        self.tx.prepare_cached(schema::INSERT_RECORD)?.execute(p.as_slice())?;
        self.imported += 1;
        Ok(())
    }

    /// Sets a row aside with its reason; its raw content is encrypted.
    pub fn add_quarantine(&mut self, row: i64, reason: &str, raw: &[String]) -> Result<(), StoreError> {
        let json = serde_json::to_vec(raw).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sealed = self.keys.seal(&json)?;
        self.tx
            .prepare_cached("INSERT INTO quarantine(source_id, row, reason, raw_enc) VALUES(?1, ?2, ?3, ?4)")?
            .execute(params![self.source_id, row, reason, sealed])?;
        self.quarantined += 1;
        Ok(())
    }

    pub fn imported(&self) -> i64 {
        self.imported
    }

    pub fn quarantined(&self) -> i64 {
        self.quarantined
    }

    /// Which earlier source holds most of this import's rows, if at least `min_share` of them;
    /// noted on the source, inside the import's transaction.
    pub fn note_recycled(&mut self, min_share: f64) -> Result<Option<Recycled>, StoreError> {
        let r = recycled_from(&self.tx, self.source_id, min_share)?;
        if let Some(r) = &r {
            self.tx.execute(
                "UPDATE sources SET recycled_from = ?2 WHERE source_id = ?1",
                params![self.source_id, r.source],
            )?;
        }
        Ok(r)
    }

    /// Writes the counts, appends the audit entry and commits: the source is there whole.
    pub fn commit(self, actor: &str) -> Result<String, StoreError> {
        let rows = self.imported + self.quarantined;
        self.tx.execute(
            "UPDATE sources SET rows = ?2, imported = ?3, quarantined = ?4 WHERE source_id = ?1",
            params![self.source_id, rows, self.imported, self.quarantined],
        )?;
        audit::append(
            &self.tx,
            self.keys,
            actor,
            "import",
            Some(&format!("source:{}", self.source_id)),
            Some(rows),
            None,
        )?;
        let id = self.source_id.to_string();
        self.tx.commit()?;
        Ok(id)
    }
}
