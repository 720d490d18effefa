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
mod binding;
pub mod files;
pub mod flags;
pub mod inquiries;
pub mod keys;
pub mod linkage;
pub mod purge;
pub mod reports;
mod schema;
pub use schema::DERIVED_VERSION;
pub mod sites;
pub mod status;
pub mod tally;
pub mod tokens;
pub mod users;

pub use audit::{AuditEntry, AuditVerdict};
pub use inquiries::{Dismissal, Enquirer, InquiryRow, Lead};
pub use keys::Keys;
pub use linkage::{
    ChangeStamp, ExportRow, JudgementRow, LineageEvent, LinkInput, PersonsReport, PersonsStamp, RecordOrigin,
};
pub use reports::{NewMention, ReportMention};
pub use sites::{NewSite, SiteRow};
pub use users::{Credentials, UserRow};

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
    /// A request that would destroy or expose data, refused; the message says why and what
    /// to do.
    #[error("{0}")]
    Refused(String),
    /// Another process holds what this one needs.
    #[error("{0}")]
    Busy(String),
}

impl StoreError {
    /// Whether another connection held the database past the wait (SQLite's "database is
    /// locked"): the caller can say what holds it (see [`files::Activity`]).
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            StoreError::Sql(e) if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        )
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError::Invalid(format!("a stored value has an unexpected type ({e}); the registry may be damaged"))
    }
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
    "event_kind",
    "arrest_place",
    "registry_place",
    "son_name",
];

/// How many of [`CLEAR_FIELDS`], the first ones, the first version of the derived fields knew.
pub const CLEAR_FIELDS_OF_VERSION_1: usize = 16;

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
    /// The civil registry number, if any: stored only as a keyed hash, as the national id.
    pub registry_number: Option<String>,
    /// A hash of the record's names and dates, to recognise re-posted lists.
    pub fingerprint: i64,
}

/// A record ready for insertion: its private cells sealed (bound to its record id), its
/// national id hashed, its raw values given their MAC, its clear fields in the order of
/// [`CLEAR_FIELDS`]. Making it is the costly part of an insert, and it needs only the keys and
/// the ids, so an import makes these on a second thread.
#[derive(Debug, Clone)]
pub struct PreparedRecord {
    record_id: i64,
    row: i64,
    source_record_id: Option<String>,
    clear_json: String,
    private_enc: Option<Vec<u8>>,
    national_id_hash: Option<String>,
    registry_number_hash: Option<String>,
    fingerprint: i64,
    row_mac: String,
    values: Vec<Option<String>>,
}

impl PreparedRecord {
    /// The record `record_id` of source `source_id` (see [`Import::next_record_id`]).
    pub fn new(keys: &Keys, rec: &NewRecord, source_id: i64, record_id: i64) -> Result<PreparedRecord, StoreError> {
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
            Some(keys.seal_bound(&json, &binding::record_place(record_id))?)
        };
        let values =
            CLEAR_FIELDS.iter().map(|f| rec.fields.iter().find(|(n, _)| n == f).map(|(_, v)| v.clone())).collect();
        let row_mac = binding::record_mac(
            keys,
            record_id,
            source_id,
            rec.row,
            rec.source_record_id.as_deref(),
            &clear_json,
            private_enc.as_deref(),
        );
        Ok(PreparedRecord {
            record_id,
            row: rec.row,
            source_record_id: rec.source_record_id.clone(),
            clear_json,
            private_enc,
            national_id_hash: rec.national_id.as_deref().map(|v| keys.identifier_hash(v)),
            registry_number_hash: rec.registry_number.as_deref().map(|v| keys.identifier_hash(v)),
            fingerprint: rec.fingerprint,
            row_mac,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_number_hash: Option<String>,
    /// The record's places as the gazetteer and the places table resolve them (filled by the
    /// registry, which holds them; the store knows none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<ResolvedPlace>,
}

/// A record's place (its facility, birth place, residence or place) as the gazetteer resolves
/// it: a detention site or a town, by its stable id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedPlace {
    pub field: String,
    pub value: String,
    /// `facility:saydnaya`, `place:damascus`.
    pub entity_id: String,
    /// The site's or town's name as the tables write it first.
    pub label: String,
}

/// A record as stored: its raw row, decrypted, beside what was derived from it.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub record_id: i64,
    pub source_id: i64,
    pub row: i64,
    pub raw: Vec<String>,
    /// Derived clear fields, by name, in the order of [`CLEAR_FIELDS`].
    pub fields: Vec<(&'static str, String)>,
    pub national_id_hash: Option<String>,
    pub registry_number_hash: Option<String>,
    pub fingerprint: i64,
    /// The version of the rules its fields were derived by (see [`DERIVED_VERSION`]).
    pub derived_version: i64,
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
/// An audit entry waiting to be appended (see [`Store::audit_all`]).
#[derive(Debug, Clone)]
pub struct AuditRequest {
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub count: Option<i64>,
    pub detail: Option<String>,
}

pub struct Store {
    conn: Connection,
    keys: Keys,
    db_path: PathBuf,
    /// Declared after the connection, so dropped after it: see [`files::RegistryLock`].
    _lock: files::RegistryLock,
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
    /// Idempotent. The database (and so its `-wal` and `-shm`, which SQLite creates with the
    /// database's mode) is private to its owner: mode 0600. A SQLite file that is not an Athar
    /// registry is refused, never given Athar's tables.
    pub fn init(db: &Path, key_file: &Path) -> Result<(Store, InitReport), StoreError> {
        let db_exists = db.exists() && std::fs::metadata(db).map(|m| m.len() > 0).unwrap_or(false);
        let key_exists = key_file.exists();
        if db.is_dir() {
            return Err(StoreError::Invalid(format!("{} is a folder, not a database file", db.display())));
        }
        if db_exists {
            if files::file_kind(db) != files::FileKind::Database {
                return Err(StoreError::Refused(format!(
                    "{} is not a database (it does not start with the SQLite header); check --db",
                    db.display()
                )));
            }
            let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            let tables: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let athar = tables.iter().any(|t| t == "meta");
            if !tables.is_empty() && !athar {
                return Err(StoreError::Refused(format!(
                    "{} is a SQLite database of another program, not an Athar registry; Athar adds nothing to \
                     it (check --db)",
                    db.display()
                )));
            }
            if athar && !key_exists {
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
        if !db.exists() {
            files::create_private(db)?;
        }
        let lock = files::RegistryLock::shared(db)?;
        for f in [db.to_path_buf(), files::side_file(db, "-wal"), files::side_file(db, "-shm")] {
            files::make_private(&f);
        }
        let conn = Connection::open(db)?;
        // Larger pages make shallower index trees (set before the first table; no-op after).
        conn.pragma_update(None, "page_size", 8192)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Every commit reaches the disk before it is acknowledged: an audit entry written for a
        // search whose answer was shown must survive a power cut, not only a crash of Athar
        // (NORMAL, in WAL mode, may lose the last commits then). It costs a sync per commit:
        // 507 against 655 searches/s at a million records (bench/serve_load.sh).
        conn.pragma_update(None, "synchronous", "FULL")?;
        // 128 MiB of page cache: imports insert into indexes in random order (fingerprints,
        // identifier hashes), which is slow once the indexes outgrow the default 2 MiB.
        conn.pragma_update(None, "cache_size", -131_072)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut store = Store { conn, keys, db_path: db.to_path_buf(), _lock: lock };
        // The key check: written once, compared ever after — before any migration, which may
        // re-encrypt with these keys.
        let check = store.keys.check_value();
        let has_meta: bool = store
            .conn
            .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'", [], |_| Ok(true))
            .optional()?
            .unwrap_or(false);
        let stored: Option<String> = if has_meta {
            store.conn.query_row("SELECT value FROM meta WHERE key='key_check'", [], |r| r.get(0)).optional()?
        } else {
            None
        };
        if stored.as_ref().is_some_and(|s| *s != check) {
            return Err(StoreError::WrongKey { db: db.to_path_buf(), key: key_file.to_path_buf() });
        }
        schema::migrate(&mut store.conn, db, &store.keys)?;
        if stored.is_none() {
            store.conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('key_check', ?1)", [&check])?;
        }
        let report = InitReport {
            database: db.to_path_buf(),
            key_file: key_file.to_path_buf(),
            created_database: !db_exists,
            created_key_file: !key_exists,
        };
        Ok((store, report))
    }

    /// The registry's own files (database, side files, key file): what no output may replace.
    pub fn own_files(&self) -> Vec<PathBuf> {
        files::registry_files(&self.db_path, self.keys.path())
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

    /// Appends several entries in one transaction: one sync to the disk for all of them (the
    /// registry gathers the entries of calls made at the same moment). All or none are written.
    pub fn audit_all(&self, entries: &[AuditRequest]) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        for e in entries {
            let r = audit::append(
                &self.conn,
                &self.keys,
                &e.actor,
                &e.action,
                e.target.as_deref(),
                e.count,
                e.detail.as_deref(),
            );
            if let Err(err) = r {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(err);
            }
        }
        if let Err(err) = self.conn.execute_batch("COMMIT") {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(err.into());
        }
        Ok(())
    }

    /// The last `limit` audit entries, newest first (details stay encrypted: not shown).
    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT seq, at, actor, action, target, result_count FROM audit ORDER BY seq DESC LIMIT ?1")?;
        let rows = st.query_map([limit as i64], audit::entry)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The entries of the audit chain about any of `targets` (exact), or about a pair of records
    /// one of which is in `records` (`records:A:B`, an explanation): oldest first.
    pub fn audit_about(&self, targets: &[String], records: &[i64]) -> Result<Vec<AuditEntry>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT seq, at, actor, action, target, result_count FROM audit WHERE target = ?1 \
             OR target LIKE ?2 OR target LIKE ?3 ORDER BY seq",
        )?;
        let mut out: std::collections::BTreeMap<i64, AuditEntry> = Default::default();
        let mut run = |exact: &str, a: &str, b: &str| -> Result<(), StoreError> {
            let rows = st.query_map(params![exact, a, b], audit::entry)?;
            for e in rows {
                let e = e?;
                out.insert(e.seq, e);
            }
            Ok(())
        };
        // A pattern that matches nothing, for the LIKE arms not used.
        const NONE: &str = "\u{0}";
        for t in targets {
            run(t, NONE, NONE)?;
        }
        for r in records {
            run(&format!("record:{r}"), &format!("records:{r}:%"), &format!("records:%:{r}"))?;
        }
        Ok(out.into_values().collect())
    }

    /// Every audit entry of one of `actions` that answered something, with its detail opened
    /// (the detail is encrypted; `None` when the entry has none): for `f` to read, in order.
    pub fn audit_details(
        &self,
        actions: &[&str],
        mut f: impl FnMut(AuditEntry, Option<String>),
    ) -> Result<(), StoreError> {
        let mut st = self.conn.prepare(
            "SELECT seq, at, actor, action, target, result_count, detail_enc FROM audit \
             WHERE action = ?1 AND result_count > 0 ORDER BY seq",
        )?;
        for action in actions {
            let mut rows = st.query([action])?;
            while let Some(r) = rows.next()? {
                let e = audit::entry(r)?;
                let sealed: Option<Vec<u8>> = r.get(6)?;
                let detail = match sealed {
                    Some(b) => Some(String::from_utf8_lossy(&self.keys.open(&b)?).into_owned()),
                    None => None,
                };
                f(e, detail);
            }
        }
        Ok(())
    }

    /// Checks the audit chain (names the first bad entry) and that the data it seals is still
    /// there: every source, judgement, inquiry, the model and the persons have their entry, and
    /// the small ones match it; a registry that holds data has a chain. With `deep`, every
    /// stored row is hashed again: each source's digest, each record's MAC, each encrypted
    /// value opened in its place, the persons. (Derived fields are the caller's to recompute:
    /// see [`Store::stored_records`].)
    pub fn verify_audit(&self, deep: bool) -> Result<AuditVerdict, StoreError> {
        let mut v = audit::verify(&self.conn, &self.keys)?;
        v.deep = deep;
        if v.ok {
            if let Some(problem) = binding::check(&self.conn, &self.keys, v.entries, deep)? {
                v.ok = false;
                v.problem = Some(problem);
            }
        }
        Ok(v)
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

    /// Refuses a new source whose name is taken, or (unless `allow_same_file`) whose file was
    /// imported before; [`Store::begin_import`] checks it again under the write lock.
    pub fn check_new_source(&self, name: &str, sha256: &str, allow_same_file: bool) -> Result<(), StoreError> {
        refuse_duplicate_source(&self.conn, name, sha256, allow_same_file)
    }

    /// Starts importing a source: everything until [`Import::commit`] is one transaction, so an
    /// interrupted import leaves no trace and a rerun works. The transaction holds the write
    /// lock from its start, and inside it a source of the same name is refused, and so is a
    /// file imported before (same SHA-256) unless `allow_same_file`: two imports of one file at
    /// once give one source, not two. The column mapping is stored encrypted (its headers are
    /// data when a file has no header row).
    pub fn begin_import(&mut self, source: &NewSource, allow_same_file: bool) -> Result<Import<'_>, StoreError> {
        if source.name.trim().is_empty() || source.name.chars().any(char::is_control) {
            return Err(StoreError::Invalid(
                "a source name must hold visible characters and no control characters (such as line breaks or \
                 terminal escapes)"
                    .into(),
            ));
        }
        check_actor(&source.actor)?;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        refuse_duplicate_source(&tx, &source.name, &source.sha256, allow_same_file)?;
        tx.execute(
            "INSERT INTO sources(name, kind, file_name, sha256, size, format, encoding, imported_at, imported_by, \
             rows, imported, quarantined, description, mapping_json, source_id) \
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0, 0, ?10, '', \
             MAX(COALESCE((SELECT MAX(source_id) FROM sources), 0), \
             COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'purged_source_max'), 0)) + 1)",
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
            ],
        )?;
        let source_id = tx.last_insert_rowid();
        let mapping = self.keys.seal_bound(source.mapping_json.as_bytes(), &binding::mapping_place(source_id))?;
        tx.execute("UPDATE sources SET mapping_enc = ?2 WHERE source_id = ?1", params![source_id, mapping])?;
        let next_record_id: i64 =
            // Never an id a purged record had: older audit entries name it.
            tx.query_row(
                "SELECT MAX(COALESCE((SELECT MAX(record_id) FROM records), 0), \
                 COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'purged_record_max'), 0)) + 1",
                [],
                |r| r.get(0),
            )?;
        Ok(Import {
            tx,
            keys: &self.keys,
            source_id,
            next_record_id,
            imported: 0,
            quarantined: 0,
            chunks: 0,
            mentions: 0,
            digest: binding::SourceDigest::new(),
        })
    }

    /// A record by its id or `SOURCE:SOURCE_RECORD_ID` — or `SOURCE:ROW` when the list had no
    /// id column — raw and derived side by side.
    pub fn record(&self, reference: &str) -> Result<Option<RecordView>, StoreError> {
        let id: Option<i64> = if let Ok(id) = reference.parse::<i64>() {
            Some(id)
        } else {
            // SOURCE:SOURCE_RECORD_ID, where either may itself hold ':' — try every split.
            let mut found = None;
            // An id kept private (--private-id) is found by its keyed hash too.
            'splits: for (at, _) in reference.match_indices(':') {
                let (source, srid) = (&reference[..at], &reference[at + 1..]);
                for id in [srid.to_string(), self.keys.private_id(srid)] {
                    found = self
                        .conn
                        .query_row(
                            "SELECT r.record_id FROM records r JOIN sources s ON s.source_id = r.source_id \
                             WHERE s.name = ?1 AND r.source_record_id = ?2",
                            params![source, id],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if found.is_some() {
                        break 'splits;
                    }
                }
            }
            // A list without an id column: SOURCE:ROW, the row as `records show` gives it.
            if found.is_none() {
                for (at, _) in reference.match_indices(':') {
                    let (source, row) = (&reference[..at], &reference[at + 1..]);
                    let Ok(row) = row.parse::<i64>() else { continue };
                    found = self
                        .conn
                        .query_row(
                            "SELECT r.record_id FROM records r JOIN sources s ON s.source_id = r.source_id \
                             WHERE s.name = ?1 AND r.row = ?2 AND NOT EXISTS (SELECT 1 FROM records o \
                             WHERE o.source_id = s.source_id AND o.source_record_id IS NOT NULL)",
                            params![source, row],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if found.is_some() {
                        break;
                    }
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
             r.national_id_hmac, s.columns_enc{cols}, r.registry_number_hmac FROM records r JOIN sources s ON s.source_id = r.source_id \
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
                    r.get::<_, Option<Vec<u8>>>(8)?,
                    derived,
                    r.get::<_, Option<String>>(9 + CLEAR_FIELDS.len())?,
                ))
            })
            .optional()?;
        let Some((record_id, source, source_id, srid, row, raw_clear, raw_private, nid, columns, derived, registry)) =
            row
        else {
            return Ok(None);
        };
        let raw = self.merge_raw(record_id, &raw_clear, raw_private.as_deref())?;
        let headers = self.columns_of(source_id, columns.as_deref())?;
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
            registry_number_hash: registry,
            places: Vec::new(),
        }))
    }

    /// A source's column headers, decrypted.
    fn columns_of(&self, source_id: i64, sealed: Option<&[u8]>) -> Result<Vec<String>, StoreError> {
        let Some(sealed) = sealed else { return Ok(Vec::new()) };
        let plain = self.keys.open_bound(sealed, &binding::columns_place(source_id))?;
        serde_json::from_slice(&plain).map_err(|e| {
            StoreError::Invalid(format!("the stored column headers of source {source_id} are damaged: {e}"))
        })
    }

    /// Puts a row back together from its clear part and its encrypted part.
    fn merge_raw(&self, record_id: i64, clear: &str, private: Option<&[u8]>) -> Result<Vec<String>, StoreError> {
        let mut raw: Vec<Option<String>> =
            serde_json::from_str(clear).map_err(|e| StoreError::Invalid(format!("stored row is damaged: {e}")))?;
        if let Some(sealed) = private {
            let plain = self.keys.open_bound(sealed, &binding::record_place(record_id))?;
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
                let plain = self.keys.open_bound(&sealed, &binding::quarantine_place(sid, row))?;
                let raw: Vec<String> = serde_json::from_slice(&plain)
                    .map_err(|e| StoreError::Invalid(format!("stored quarantined row is damaged: {e}")))?;
                Ok(QuarantineRow { source, source_id: sid.to_string(), row, reason, raw })
            })
            .collect()
    }

    /// The original file of a source, decrypted, chunk by chunk into `out`.
    pub fn original_file(&self, source_id: i64, out: &mut dyn std::io::Write) -> Result<u64, StoreError> {
        let mut st =
            self.conn.prepare("SELECT chunk, data_enc FROM source_files WHERE source_id = ?1 ORDER BY chunk")?;
        let mut rows = st.query([source_id])?;
        let mut n = 0u64;
        while let Some(r) = rows.next()? {
            let chunk: i64 = r.get(0)?;
            let sealed: Vec<u8> = r.get(1)?;
            let plain = self.keys.open_bound(&sealed, &binding::file_place(source_id, chunk))?;
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
        let t = self.totals()?;
        Ok(Stats {
            sources: t.sources,
            records: t.records,
            quarantined: t.quarantined,
            audit_entries: count("SELECT COUNT(*) FROM audit")?,
            by_status,
        })
    }

    /// What people did in the registry beyond `actor`'s imports: judgements, inquiries, users,
    /// and sources someone else imported — each as (what, how many), only those there are.
    pub fn work_beyond(&self, actor: &str) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut out = Vec::new();
        for (what, sql) in [
            ("judgement(s)", "SELECT COUNT(*) FROM judgements"),
            ("inquiry(ies)", "SELECT COUNT(*) FROM inquiries"),
            ("user(s)", "SELECT COUNT(*) FROM users"),
            ("list(s) imported by others", "SELECT COUNT(*) FROM sources WHERE imported_by <> ?1"),
        ] {
            let n: i64 = if sql.contains("?1") {
                self.conn.query_row(sql, [actor], |r| r.get(0))?
            } else {
                self.conn.query_row(sql, [], |r| r.get(0))?
            };
            if n > 0 {
                out.push((what, n));
            }
        }
        Ok(out)
    }

    /// A consistent copy of the database while it is in use (SQLite online backup), written
    /// whole or not at all, private (mode 0600). The key file is not included: keep it apart.
    /// Refuses an existing file and the registry's own files.
    pub fn backup(&self, out: &Path) -> Result<(), StoreError> {
        // What the file is (a registry's, a database, a folder) said first; then any file that
        // exists is kept: there is no --force for a backup.
        files::check_output_path(out, &self.own_files(), true)?;
        if std::fs::symlink_metadata(out).is_ok() {
            return Err(StoreError::Refused(format!(
                "{}: exists already; a backup is written to a new file, never over one; nothing was written",
                out.display()
            )));
        }
        let staged = files::AtomicFile::create(out)?;
        {
            let mut dst = Connection::open(staged.temporary_path())?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)?;
            backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
            drop(backup);
            // A backup is one file: no write-ahead log beside it.
            dst.pragma_update(None, "journal_mode", "DELETE")?;
        }
        staged.commit()
    }

    /// Replaces the database at `db` with the backup `input`. The backup is copied beside the
    /// database and checked whole first — it is a SQLite database, `integrity_check` passes,
    /// it opens with this key file, its schema is one this Athar knows, its audit chain and the
    /// data bound to it verify — and only then does the live database change: with the registry
    /// locked for this process alone (refused while any other process has it open), the
    /// replaced database is kept as `<db>.before-restore` (private) and the checked copy is
    /// renamed into place.
    pub fn restore(input: &Path, db: &Path, key_file: &Path) -> Result<RestoreReport, StoreError> {
        if !input.is_file() {
            return Err(StoreError::Invalid(format!("backup file {} does not exist", input.display())));
        }
        if let (Ok(a), Ok(b)) = (input.canonicalize(), db.canonicalize()) {
            if a == b {
                return Err(StoreError::Refused(format!(
                    "{} is the live database itself, not a backup",
                    input.display()
                )));
            }
        }
        if files::file_kind(input) != files::FileKind::Database {
            return Err(StoreError::Refused(format!(
                "{} is not a database backup (it does not start with the SQLite header); nothing changed",
                input.display()
            )));
        }
        if files::side_file(input, "-wal").exists() {
            return Err(StoreError::Refused(format!(
                "{} has a write-ahead log beside it ({}-wal): it is open in another program, or was not closed \
                 cleanly; open it once with athar (athar --db {} stats) or copy it whole, then restore; nothing \
                 changed",
                input.display(),
                input.display(),
                input.display()
            )));
        }
        let keys = Keys::load(key_file)?;
        // 1. A private copy beside the live database, checked whole.
        let staged = files::AtomicFile::create(db)?;
        {
            let mut from =
                std::fs::File::open(input).map_err(|e| StoreError::Io { path: input.to_path_buf(), source: e })?;
            let mut to = std::fs::OpenOptions::new()
                .write(true)
                .open(staged.temporary_path())
                .map_err(|e| StoreError::Io { path: staged.temporary_path().to_path_buf(), source: e })?;
            std::io::copy(&mut from, &mut to)
                .and_then(|_| to.sync_all())
                .map_err(|e| StoreError::Io { path: staged.temporary_path().to_path_buf(), source: e })?;
        }
        let report = check_backup(staged.temporary_path(), input, db, &keys)?;
        // 2. The live database, locked for this process alone, set aside; the copy in place.
        let mut set_aside = None;
        if db.exists() {
            let _lock = files::RegistryLock::exclusive(db)?;
            {
                let conn = Connection::open(db)?;
                conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
            }
            let mut aside = files::side_file(db, ".before-restore");
            let mut k = 2;
            while aside.exists() {
                aside = files::side_file(db, &format!(".before-restore.{k}"));
                k += 1;
            }
            if std::fs::hard_link(db, &aside).is_err() {
                std::fs::copy(db, &aside).map_err(|e| StoreError::Io { path: aside.clone(), source: e })?;
            }
            files::make_private(&aside);
            for side in ["-wal", "-shm"] {
                let p = files::side_file(db, side);
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| StoreError::Io { path: p.clone(), source: e })?;
                }
            }
            staged.commit()?;
            set_aside = Some(aside);
        } else {
            staged.commit()?;
        }
        Ok(RestoreReport { set_aside, ..report })
    }

    /// Which earlier source holds most of this source's rows (same names and dates), if a
    /// large share of them.
    pub fn recycled_from(&self, source_id: &str, min_share: f64) -> Result<Option<Recycled>, StoreError> {
        let sid: i64 =
            source_id.parse().map_err(|_| StoreError::Invalid(format!("'{source_id}' is not a source id")))?;
        recycled_from(&self.conn, sid, min_share)
    }

    /// The next `limit` records after `after` (by id), raw row beside what was derived from
    /// it: for `reindex`, and for `audit verify --deep`, which derives again and compares.
    pub fn stored_records(&self, after: i64, limit: i64) -> Result<Vec<StoredRecord>, StoreError> {
        let cols = CLEAR_FIELDS.join(", ");
        let mut st = self.conn.prepare(&format!(
            "SELECT record_id, source_id, row, raw_clear, raw_private, national_id_hmac, fingerprint, {cols}, \
             registry_number_hmac, derived_version FROM records WHERE record_id > ?1 ORDER BY record_id LIMIT ?2"
        ))?;
        let rows = st
            .query_map(params![after, limit], |r| {
                let mut fields = Vec::new();
                for (k, f) in CLEAR_FIELDS.iter().enumerate() {
                    if let Some(v) = r.get::<_, Option<String>>(7 + k)? {
                        fields.push((*f, v));
                    }
                }
                Ok((
                    StoredRecord {
                        record_id: r.get(0)?,
                        source_id: r.get(1)?,
                        row: r.get(2)?,
                        raw: Vec::new(),
                        fields,
                        national_id_hash: r.get(5)?,
                        registry_number_hash: r.get(7 + CLEAR_FIELDS.len())?,
                        fingerprint: r.get(6)?,
                        derived_version: r.get(8 + CLEAR_FIELDS.len())?,
                    },
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<Vec<u8>>>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(mut rec, clear, private)| {
                rec.raw = self.merge_raw(rec.record_id, &clear, private.as_deref())?;
                Ok(rec)
            })
            .collect()
    }

    /// The column mapping each source was imported with (JSON, as the import wrote it),
    /// decrypted.
    pub fn source_mappings(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let mut st = self.conn.prepare("SELECT source_id, mapping_enc FROM sources ORDER BY source_id")?;
        let rows: Vec<(i64, Option<Vec<u8>>)> =
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, sealed)| {
                let sealed = sealed.ok_or_else(|| {
                    StoreError::Invalid(format!("source {id} has no stored mapping; the registry is damaged"))
                })?;
                let plain = self.keys.open_bound(&sealed, &binding::mapping_place(id))?;
                let text = String::from_utf8(plain)
                    .map_err(|_| StoreError::Invalid(format!("the stored mapping of source {id} is damaged")))?;
                Ok((id, text))
            })
            .collect()
    }

    /// How many records were derived by an older Athar's rules (before a field they may hold
    /// was known): `reindex` derives them again.
    pub fn stale_derived(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM records WHERE derived_version < ?1",
            [schema::DERIVED_VERSION],
            |r| r.get(0),
        )?)
    }

    /// Marks a record's derived fields as today's rules' without changing them: a record those
    /// rules would set aside keeps the fields it was imported with (records are never removed).
    pub fn keep_derived(&self, record_id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE records SET derived_version = ?2 WHERE record_id = ?1",
            params![record_id, schema::DERIVED_VERSION],
        )?;
        Ok(())
    }

    /// Replaces the derived fields of a record (raw values are never touched).
    pub fn update_derived(
        &self,
        record_id: i64,
        fields: &[(&'static str, String)],
        national_id: Option<&str>,
        registry_number: Option<&str>,
        fingerprint: i64,
    ) -> Result<(), StoreError> {
        let mut sets = String::new();
        let mut values: Vec<Option<String>> = Vec::with_capacity(CLEAR_FIELDS.len());
        for (k, f) in CLEAR_FIELDS.iter().enumerate() {
            sets.push_str(&format!("{f} = ?{}, ", k + 2));
            values.push(fields.iter().find(|(n, _)| n == f).map(|(_, v)| v.clone()));
        }
        let nid = national_id.map(|v| self.keys.identifier_hash(v));
        let registry = registry_number.map(|v| self.keys.identifier_hash(v));
        let sql = format!(
            "UPDATE records SET {sets}national_id_hmac = ?{}, fingerprint = ?{}, derived_version = ?{}, \
             registry_number_hmac = ?{} WHERE record_id = ?1",
            CLEAR_FIELDS.len() + 2,
            CLEAR_FIELDS.len() + 3,
            CLEAR_FIELDS.len() + 4,
            CLEAR_FIELDS.len() + 5
        );
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&record_id];
        for v in &values {
            p.push(v);
        }
        p.push(&nid);
        p.push(&fingerprint);
        let version = schema::DERIVED_VERSION;
        p.push(&version);
        p.push(&registry);
        self.conn.execute(&sql, p.as_slice())?;
        // What links kept was derived from the old fields.
        self.conn.execute("DELETE FROM link_state", [])?;
        Ok(())
    }

    /// Runs `f` on one snapshot of the registry: a read transaction, so that everything `f`
    /// reads is of one moment even while another process writes.
    pub fn read_snapshot<T, E: From<StoreError>>(&self, f: impl FnOnce(&Store) -> Result<T, E>) -> Result<T, E> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn.execute_batch("BEGIN DEFERRED").map_err(StoreError::from)?;
        let out = f(self);
        // A read transaction left open would keep this connection on that snapshot: every
        // later read on it would miss every later write (a token revoked, a record added).
        if self.conn.execute_batch("COMMIT").is_err() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        out
    }

    /// Whether this connection is inside a transaction (none should be, between calls: a
    /// connection left in one reads an old snapshot).
    pub fn inside_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Runs `f` inside one transaction that holds the write lock from its start (for
    /// `reindex`, a split): nothing of a failed `f` stays.
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let this: &Store = self;
        write_tx(&this.conn, || f(this))
    }
}

/// What a restore put in place.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RestoreReport {
    pub sources: i64,
    pub records: i64,
    pub audit_entries: i64,
    /// Where the replaced database was kept.
    pub set_aside: Option<PathBuf>,
}

/// Checks a copy of a backup whole before it may replace a live database: `integrity_check`,
/// the key check, the schema version and the audit chain with the data bound to it. `shown` is
/// the backup's name for messages. Leaves the copy as one file (no write-ahead log).
fn check_backup(copy: &Path, shown: &Path, db: &Path, keys: &Keys) -> Result<RestoreReport, StoreError> {
    let refuse = |why: String| StoreError::Refused(format!("{}: {why}; nothing changed", shown.display()));
    let conn = Connection::open(copy).map_err(|e| refuse(format!("cannot be opened as a database ({e})")))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA integrity_check(5)")
        .and_then(|mut st| st.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>())
        .map_err(|e| refuse(format!("is damaged: it cannot be read ({e})")))?;
    if problems.first().map(String::as_str) != Some("ok") {
        return Err(refuse(format!("is damaged (integrity check: {})", problems.join("; "))));
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > schema::LATEST {
        return Err(StoreError::NewerSchema(shown.to_path_buf(), version));
    }
    let check: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key='key_check'", [], |r| r.get(0))
        .optional()
        .map_err(|_| refuse("is not an Athar database backup".into()))?;
    if check.as_deref() != Some(keys.check_value().as_str()) {
        return Err(StoreError::WrongKey { db: shown.to_path_buf(), key: keys.path().to_path_buf() });
    }
    let mut verdict =
        audit::verify(&conn, keys).map_err(|e| refuse(format!("its audit chain cannot be read ({e})")))?;
    if verdict.ok && version >= schema::LATEST {
        if let Some(problem) = binding::check(&conn, keys, verdict.entries, true)
            .map_err(|e| refuse(format!("its data cannot be read ({e})")))?
        {
            verdict.ok = false;
            verdict.problem = Some(problem);
        }
    }
    if !verdict.ok {
        return Err(refuse(format!(
            "it does not verify: {}",
            verdict.problem.as_deref().unwrap_or("its audit chain is broken")
        )));
    }
    let count = |sql: &str| -> Result<i64, StoreError> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let report = RestoreReport {
        sources: count("SELECT COUNT(*) FROM sources")?,
        records: count("SELECT COUNT(*) FROM records")?,
        audit_entries: verdict.entries,
        set_aside: None,
    };
    let _ = db;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    drop(conn);
    let _ = std::fs::remove_file(files::side_file(copy, "-shm"));
    Ok(report)
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
    /// The id the next record will have: records of one import take consecutive ids.
    next_record_id: i64,
    imported: i64,
    quarantined: i64,
    chunks: i64,
    /// Mentions added (a report's).
    mentions: i64,
    /// The digest of what was written, as it is written (see `binding::SourceDigest`).
    digest: binding::SourceDigest,
}

impl Import<'_> {
    pub fn source_id(&self) -> String {
        self.source_id.to_string()
    }

    /// The source's id as a number (for [`PreparedRecord::new`]).
    pub fn source_number(&self) -> i64 {
        self.source_id
    }

    /// The id the next record added will have; records are added with consecutive ids.
    pub fn next_record_id(&self) -> i64 {
        self.next_record_id
    }

    /// Records the file's column headers (for showing raw rows later), encrypted: in a file
    /// without a header row they are the first person's data.
    pub fn set_columns(&mut self, headers: &[String]) -> Result<(), StoreError> {
        let json = serde_json::to_vec(headers).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sealed = self.keys.seal_bound(&json, &binding::columns_place(self.source_id))?;
        self.tx.execute("UPDATE sources SET columns_enc = ?2 WHERE source_id = ?1", params![self.source_id, sealed])?;
        Ok(())
    }

    /// Stores the next piece of the original file, encrypted.
    pub fn add_file_chunk(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let sealed = self.keys.seal_bound(bytes, &binding::file_place(self.source_id, self.chunks))?;
        self.tx
            .prepare_cached("INSERT INTO source_files(source_id, chunk, data_enc) VALUES(?1, ?2, ?3)")?
            .execute(params![self.source_id, self.chunks, sealed])?;
        self.digest.file_piece(self.chunks, &sealed);
        self.chunks += 1;
        Ok(())
    }

    /// Appends a record.
    pub fn add_record(&mut self, rec: &NewRecord) -> Result<(), StoreError> {
        let prepared = PreparedRecord::new(self.keys, rec, self.source_id, self.next_record_id)?;
        self.add_prepared(&prepared)
    }

    /// Appends a record prepared (encrypted, hashed) elsewhere, e.g. on another thread, for
    /// this source and the id [`Import::next_record_id`] gives.
    pub fn add_prepared(&mut self, rec: &PreparedRecord) -> Result<(), StoreError> {
        if rec.record_id != self.next_record_id {
            return Err(StoreError::Invalid(format!(
                "internal: record prepared as {} where {} comes next; nothing imported",
                rec.record_id, self.next_record_id
            )));
        }
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
        p.push(&rec.record_id);
        p.push(&rec.row_mac);
        p.push(&rec.registry_number_hash);
        self.tx.prepare_cached(schema::INSERT_RECORD)?.execute(p.as_slice())?;
        self.digest.record(rec.record_id, Some(&rec.row_mac));
        self.next_record_id += 1;
        self.imported += 1;
        Ok(())
    }

    /// Sets a row aside with its reason; its raw content is encrypted.
    pub fn add_quarantine(&mut self, row: i64, reason: &str, raw: &[String]) -> Result<(), StoreError> {
        let json = serde_json::to_vec(raw).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sealed = self.keys.seal_bound(&json, &binding::quarantine_place(self.source_id, row))?;
        self.tx
            .prepare_cached("INSERT INTO quarantine(source_id, row, reason, raw_enc) VALUES(?1, ?2, ?3, ?4)")?
            .execute(params![self.source_id, row, reason, sealed])?;
        self.digest.quarantined(row, Some(reason), Some(&sealed));
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

    /// Writes the counts, appends the audit entry — which carries the digest of the source as
    /// written — and commits: the source is there whole. An import that imported no record is
    /// refused (nothing is stored): a list whose every row was set aside, or that has none.
    pub fn commit(self, actor: &str) -> Result<String, StoreError> {
        if self.imported == 0 {
            return Err(StoreError::Refused(if self.quarantined == 0 {
                "the list has no data rows (only a header, or nothing); nothing imported".into()
            } else {
                format!(
                    "none of the {} rows could be imported (every row was set aside; run the import with --dry-run \
                     to see why: a wrong delimiter, header row or encoding); nothing imported",
                    self.quarantined
                )
            }));
        }
        self.finish(actor, "import")
    }

    /// Adds what a report mentions (see [`NewMention`]); its text is stored encrypted.
    pub fn add_mention(&mut self, m: &NewMention) -> Result<(), StoreError> {
        if !matches!(m.entity_kind.as_str(), "facility" | "place" | "person") {
            return Err(StoreError::Invalid(format!("internal: a mention of a '{}'", m.entity_kind)));
        }
        let n = self.mentions;
        let sealed = self.keys.seal_bound(m.text.as_bytes(), &format!("report-mention:{}:{n}", self.source_id))?;
        self.tx
            .prepare_cached(
                "INSERT INTO report_mentions(source_id, n, offset, entity_kind, entity_id, record_id, confidence, \
                 text_enc) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.source_id,
                n,
                m.offset,
                m.entity_kind,
                m.entity_id,
                m.record_id,
                m.confidence,
                sealed
            ])?;
        self.mentions += 1;
        Ok(())
    }

    /// Commits a report (a source of kind `report`, its file and its mentions, no records):
    /// as [`Import::commit`], audited as `import.report` with the count of mentions.
    pub fn commit_report(self, actor: &str) -> Result<String, StoreError> {
        if self.imported > 0 || self.chunks == 0 {
            return Err(StoreError::Invalid("internal: a report is its file and mentions, not records".into()));
        }
        self.finish(actor, "import.report")
    }

    fn finish(self, actor: &str, action: &str) -> Result<String, StoreError> {
        let rows = self.imported + self.quarantined;
        self.tx.execute(
            "UPDATE sources SET rows = ?2, imported = ?3, quarantined = ?4 WHERE source_id = ?1",
            params![self.source_id, rows, self.imported, self.quarantined],
        )?;
        let digest = self
            .digest
            .finish(&self.tx, self.source_id)?
            .ok_or_else(|| StoreError::Invalid("internal: the source being imported is gone".into()))?;
        let count = if action == "import" { rows } else { self.mentions };
        audit::append_bound(
            &self.tx,
            self.keys,
            actor,
            action,
            Some(&binding::source_target(self.source_id)),
            Some(count),
            None,
            Some(&digest),
        )?;
        let id = self.source_id.to_string();
        self.tx.commit()?;
        Ok(id)
    }
}

/// See [`Store::check_new_source`].
fn refuse_duplicate_source(
    conn: &Connection,
    name: &str,
    sha256: &str,
    allow_same_file: bool,
) -> Result<(), StoreError> {
    let same_name: Option<(String, String)> = conn
        .query_row("SELECT imported_at, file_name FROM sources WHERE name = ?1", [name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((at, file)) = same_name {
        return Err(StoreError::Refused(format!(
            "a source named '{}' exists already (imported {at} from {}); choose another --source name; nothing \
             imported",
            escape_control(name),
            escape_control(&file)
        )));
    }
    if !allow_same_file {
        let same_file: Option<(String, String)> = conn
            .query_row(
                "SELECT name, imported_at FROM sources WHERE sha256 = ?1 ORDER BY source_id LIMIT 1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((other, at)) = same_file {
            return Err(StoreError::Refused(format!(
                "this file was imported already as source '{}' on {at} (same SHA-256 {}…); nothing imported. Use \
                 --force to import it again as a new source",
                escape_control(&other),
                &sha256[..12.min(sha256.len())]
            )));
        }
    }
    Ok(())
}

/// Runs `f` as one write: in a transaction that takes the write lock at once (`BEGIN
/// IMMEDIATE`), or inside the caller's transaction as a savepoint. Nothing of a failed `f`
/// stays.
pub(crate) fn write_tx<T>(conn: &Connection, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    let outer = conn.is_autocommit();
    conn.execute_batch(if outer { "BEGIN IMMEDIATE" } else { "SAVEPOINT athar_write" })?;
    match f() {
        Ok(v) => {
            if let Err(e) = conn.execute_batch(if outer { "COMMIT" } else { "RELEASE athar_write" }) {
                // Not left inside the transaction: nothing of it stays, and the connection reads
                // what others write next.
                let _ =
                    conn.execute_batch(if outer { "ROLLBACK" } else { "ROLLBACK TO athar_write; RELEASE athar_write" });
                return Err(e.into());
            }
            Ok(v)
        }
        Err(e) => {
            let _ = conn.execute_batch(if outer { "ROLLBACK" } else { "ROLLBACK TO athar_write; RELEASE athar_write" });
            Err(e)
        }
    }
}

/// Shows control characters (terminal escapes, line breaks, bidirectional overrides) as
/// `\u{…}` escapes, so that a name, a source or an actor printed on a terminal cannot move
/// the cursor, retitle the window or reorder what follows.
pub fn escape_control(text: &str) -> std::borrow::Cow<'_, str> {
    // A tab is harmless on a terminal (it separates cells of a row as read); every other
    // control character, and the bidirectional overrides, are shown escaped.
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Refuses an actor that is blank or holds control characters (it is printed and audited).
pub fn check_actor(actor: &str) -> Result<(), StoreError> {
    if actor.trim().is_empty() || actor.chars().any(char::is_control) || actor.chars().count() > 200 {
        return Err(StoreError::Invalid(
            "the actor (--actor, ATHAR_ACTOR or the system user) must be a visible name of at most 200 characters \
             without control characters"
                .into(),
        ));
    }
    Ok(())
}
