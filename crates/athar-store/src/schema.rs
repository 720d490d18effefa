//! Schema and migrations. Each migration runs once, in order, in a transaction; the version is
//! SQLite's `user_version`. The audit chain exists from the first migration.

use crate::keys::Keys;
use crate::StoreError;
use rusqlite::Connection;
use std::path::Path;

/// Version of the derived fields: bump when derivation changes, so `reindex` knows what is old.
pub const DERIVED_VERSION: i64 = 2;

const MIGRATIONS: &[&str] = &[
    // 1: meta, audit chain, sources and their files, records, quarantine.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        result_count INTEGER,
        detail_enc BLOB,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
     );
     CREATE TABLE sources (
        source_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('register', 'ngo-list', 'inquiry', 'report', 'other')),
        file_name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        format TEXT NOT NULL,
        encoding TEXT,
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL,
        rows INTEGER NOT NULL,
        imported INTEGER NOT NULL,
        quarantined INTEGER NOT NULL,
        description TEXT,
        mapping_json TEXT NOT NULL,
        columns_json TEXT,
        recycled_from TEXT
     );
     CREATE INDEX sources_sha256 ON sources(sha256);
     CREATE TABLE source_files (
        source_id INTEGER NOT NULL REFERENCES sources(source_id),
        chunk INTEGER NOT NULL,
        data_enc BLOB NOT NULL,
        PRIMARY KEY (source_id, chunk)
     );
     CREATE TABLE records (
        record_id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(source_id),
        row INTEGER NOT NULL,
        source_record_id TEXT,
        raw_clear TEXT NOT NULL,
        raw_private BLOB,
        national_id_hmac TEXT,
        fingerprint INTEGER NOT NULL,
        derived_version INTEGER NOT NULL,
        full_name TEXT, given_name TEXT, father_name TEXT, grandfather_name TEXT, family_name TEXT,
        mother_name TEXT, mother_family_name TEXT, aliases TEXT, sex TEXT, birth_date TEXT,
        birth_place TEXT, residence TEXT, status TEXT, event_date TEXT, facility TEXT, place TEXT,
        UNIQUE (source_id, row)
     );
     CREATE INDEX records_source_record_id ON records(source_id, source_record_id);
     CREATE INDEX records_fingerprint ON records(fingerprint, source_id);
     CREATE INDEX records_national_id ON records(national_id_hmac) WHERE national_id_hmac IS NOT NULL;
     CREATE TABLE quarantine (
        source_id INTEGER NOT NULL REFERENCES sources(source_id),
        row INTEGER NOT NULL,
        reason TEXT NOT NULL,
        raw_enc BLOB NOT NULL,
        PRIMARY KEY (source_id, row)
     );
     CREATE TRIGGER records_append_only BEFORE DELETE ON records
        BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
     CREATE TRIGGER records_raw_immutable BEFORE UPDATE OF raw_clear, raw_private, source_id, row ON records
        BEGIN SELECT RAISE(ABORT, 'raw values are never overwritten'); END;
     CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;
     CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;",
    // 2: linkage — the model, persons and their records, pairs to review, human judgements
    // (soft-deleted, never removed), and the lineage of person ids.
    "CREATE TABLE link_model (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, trained_at TEXT NOT NULL);
     CREATE TABLE persons (person_id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
     CREATE TABLE person_records (
        record_id INTEGER PRIMARY KEY REFERENCES records(record_id),
        person_id TEXT NOT NULL REFERENCES persons(person_id)
     );
     CREATE INDEX person_records_person ON person_records(person_id);
     CREATE TABLE review (
        record_a INTEGER NOT NULL REFERENCES records(record_id),
        record_b INTEGER NOT NULL REFERENCES records(record_id),
        probability REAL NOT NULL,
        PRIMARY KEY (record_a, record_b)
     );
     CREATE TABLE judgements (
        judgement_id INTEGER PRIMARY KEY,
        record_a INTEGER NOT NULL REFERENCES records(record_id),
        record_b INTEGER NOT NULL REFERENCES records(record_id),
        decision TEXT NOT NULL CHECK (decision IN ('same', 'different', 'unsure')),
        note TEXT,
        actor TEXT NOT NULL,
        at TEXT NOT NULL,
        withdrawn_at TEXT,
        withdrawn_by TEXT
     );
     CREATE INDEX judgements_pair ON judgements(record_a, record_b);
     CREATE TABLE lineage (
        seq INTEGER PRIMARY KEY,
        person_id TEXT NOT NULL,
        event TEXT NOT NULL,
        other TEXT,
        at TEXT NOT NULL,
        detail TEXT
     );
     CREATE INDEX lineage_person ON lineage(person_id);",
    // 3: inquiries — the sought person (names in clear, for matching) and the enquirer (only
    // encrypted: name, relationship, contact, consent scope); leads found for open inquiries.
    "CREATE TABLE inquiries (
        ref TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        closed_at TEXT,
        closed_reason TEXT,
        sought_json TEXT NOT NULL,
        enquirer_enc BLOB NOT NULL,
        last_viewed_at TEXT
     );
     CREATE TABLE leads (
        ref TEXT NOT NULL REFERENCES inquiries(ref),
        person_id TEXT NOT NULL,
        probability REAL NOT NULL,
        found_at TEXT NOT NULL,
        PRIMARY KEY (ref, person_id)
     );",
    // 4: what a link keeps for the next one (blocking keys and name counts of the records it
    // linked, and a stamp of what they are valid for): derived data, dropped whenever derived
    // fields change.
    "CREATE TABLE link_state (name TEXT PRIMARY KEY, data BLOB NOT NULL);",
    // 5: the data bound to the audit chain — a data hash in entries, a keyed MAC per record —
    // and clear texts that may hold personal data moved to encrypted columns (column headers
    // and mappings, which are data when a file has no header row; judgement notes; inquiry
    // close reasons). A counter of changes to persons, for links that run at once. An older
    // registry is sealed under these bindings by `binding::seal_older_registry`.
    "ALTER TABLE audit ADD COLUMN data_hash TEXT;
     ALTER TABLE records ADD COLUMN row_mac TEXT;
     ALTER TABLE sources ADD COLUMN mapping_enc BLOB;
     ALTER TABLE sources ADD COLUMN columns_enc BLOB;
     ALTER TABLE judgements ADD COLUMN note_enc BLOB;
     ALTER TABLE inquiries ADD COLUMN closed_reason_enc BLOB;
     CREATE INDEX audit_bound_target ON audit(target) WHERE data_hash IS NOT NULL;
     INSERT OR IGNORE INTO meta(key, value) VALUES('persons_version', '0');
     DROP TRIGGER records_raw_immutable;",
    // 6: leads follow their record into whichever person holds it (a lead found at import
    // time named the record's own person, `R17`, which a link then made part of another);
    // a caseworker marks leads seen, or dismisses one with a note (encrypted).
    "ALTER TABLE leads ADD COLUMN record_id INTEGER;
     ALTER TABLE leads ADD COLUMN dismissed_at TEXT;
     ALTER TABLE leads ADD COLUMN dismissed_by TEXT;
     ALTER TABLE leads ADD COLUMN dismiss_note_enc BLOB;
     UPDATE leads SET record_id = CAST(SUBSTR(person_id, 2) AS INTEGER) WHERE person_id LIKE 'R%';
     UPDATE leads SET record_id = (SELECT MIN(p.record_id) FROM person_records p WHERE p.person_id = leads.person_id)
        WHERE record_id IS NULL;",
    // 7: the users of the web application: a role, an argon2id password hash, the TOTP
    // secret (encrypted), the last TOTP step accepted (a code is accepted once), keyed hashes
    // of unused recovery codes, and an epoch that ends every session when bumped (disabled,
    // reset, another role).
    "CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'investigator', 'caseworker', 'viewer')),
        password_hash TEXT NOT NULL,
        totp_enc BLOB,
        totp_last_step INTEGER,
        recovery_json TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        disabled_at TEXT,
        disabled_by TEXT,
        epoch INTEGER NOT NULL DEFAULT 0
     );",
    // 8: sensitivity flags on records (minor, informant, sexual violence), set by
    // investigators: a record flagged is hidden from the roles that do not need it. The audit
    // chain indexed by target: the data-protection officer's report of who viewed a person.
    // API tokens an administrator issues: scoped, expiring, only a keyed hash of the secret.
    // Status changes a caseworker records for a person, each with its evidence.
    "CREATE TABLE record_flags (
        record_id INTEGER PRIMARY KEY REFERENCES records(record_id),
        flags TEXT NOT NULL,
        set_at TEXT NOT NULL,
        set_by TEXT NOT NULL
     );
     CREATE INDEX audit_target ON audit(target);
     CREATE TABLE api_tokens (
        token_id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name),
        keyed_hash TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT,
        epoch INTEGER NOT NULL
     );
     CREATE TABLE status_events (
        event_id INTEGER PRIMARY KEY,
        record_id INTEGER NOT NULL REFERENCES records(record_id),
        status TEXT NOT NULL CHECK (status IN ('missing', 'detained', 'released', 'deceased', 'identified')),
        event_date TEXT,
        source_id INTEGER REFERENCES sources(source_id),
        note_enc BLOB,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
     );
     CREATE INDEX status_events_record ON status_events(record_id);",
    // 9: what a report (a source of kind `report`: its file kept like a list's) mentions — a
    // detention site or place by its gazetteer id, a registered person by the record the
    // search found — at a byte offset, with the text there (encrypted: a person's name) and
    // the scanner's confidence. Derived from the file: scanning it again finds them again.
    "CREATE TABLE report_mentions (
        mention_id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(source_id),
        n INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        entity_kind TEXT NOT NULL CHECK (entity_kind IN ('facility', 'place', 'person')),
        entity_id TEXT,
        record_id INTEGER REFERENCES records(record_id),
        confidence REAL NOT NULL,
        text_enc BLOB NOT NULL
     );
     CREATE INDEX report_mentions_source ON report_mentions(source_id);
     CREATE INDEX report_mentions_record ON report_mentions(record_id) WHERE record_id IS NOT NULL;
     CREATE INDEX report_mentions_entity ON report_mentions(entity_id) WHERE entity_id IS NOT NULL;",
    // 10: detention sites users added to the compiled-in gazetteer (the gazetteer's JSON), with
    // where they learnt of each, the file it came from, who and when. Sealed in the audit chain.
    "CREATE TABLE sites (
        site_id TEXT PRIMARY KEY,
        site_json TEXT NOT NULL,
        source TEXT NOT NULL,
        file_name TEXT,
        file_sha256 TEXT,
        added_by TEXT NOT NULL,
        added_at TEXT NOT NULL
     );",
    // 11: what a record says of the disappearance beyond its date and facility: the kind of
    // event its date records, the place of arrest, the civil registry (its place in clear, its
    // number only as a keyed hash) and a son's name. Older records get them from their raw rows
    // at the next link (their derived version is older: see `Store::stale_derived`).
    "ALTER TABLE records ADD COLUMN event_kind TEXT;
     ALTER TABLE records ADD COLUMN arrest_place TEXT;
     ALTER TABLE records ADD COLUMN registry_place TEXT;
     ALTER TABLE records ADD COLUMN son_name TEXT;
     ALTER TABLE records ADD COLUMN registry_number_hmac TEXT;
     CREATE INDEX records_derived_version ON records(derived_version);",
];

/// The trigger that keeps raw values, and what binds them, as imported (put back by the
/// migration that seals an older registry).
pub(crate) const RAW_IMMUTABLE_TRIGGER: &str = "CREATE TRIGGER records_raw_immutable BEFORE UPDATE OF record_id, \
     raw_clear, raw_private, source_id, row, source_record_id, row_mac ON records \
     BEGIN SELECT RAISE(ABORT, 'raw values are never overwritten'); END;";

/// The schema version this Athar writes.
pub(crate) const LATEST: i64 = MIGRATIONS.len() as i64;

/// The INSERT of a record: fixed columns, then [`CLEAR_FIELDS`] in order, then the record id
/// (given by the import), the MAC of its raw values and the keyed hash of its registry number.
pub(crate) const INSERT_RECORD: &str = "INSERT INTO records(source_id, row, source_record_id, raw_clear, raw_private, \
     national_id_hmac, fingerprint, derived_version, full_name, given_name, father_name, grandfather_name, family_name, \
     mother_name, mother_family_name, aliases, sex, birth_date, birth_place, residence, status, event_date, facility, \
     place, event_kind, arrest_place, registry_place, son_name, record_id, row_mac, registry_number_hmac) \
     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, \
     ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)";

/// The migration after which stored data is bound to the audit chain.
const BINDING_MIGRATION: usize = 5;

/// Brings the schema up to date, one migration per transaction. Sealing an older registry
/// needs its keys (already checked to be the database's own).
pub(crate) fn migrate(conn: &mut Connection, db: &Path, keys: &Keys) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > MIGRATIONS.len() as i64 {
        return Err(StoreError::NewerSchema(db.to_path_buf(), version));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if i + 1 == BINDING_MIGRATION {
            if version > 0 {
                crate::binding::seal_older_registry(&tx, keys)?;
            } else {
                tx.execute_batch(RAW_IMMUTABLE_TRIGGER)?;
            }
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CLEAR_FIELDS;

    #[test]
    fn insert_statement_names_every_clear_field_in_order() {
        let cols = INSERT_RECORD.split('(').nth(1).unwrap_or("");
        let names: Vec<&str> = cols.split(')').next().unwrap_or("").split(',').map(str::trim).collect();
        assert_eq!(&names[8..8 + CLEAR_FIELDS.len()], CLEAR_FIELDS);
        // The fields of the first version come first, and end with the place.
        assert_eq!(CLEAR_FIELDS[crate::CLEAR_FIELDS_OF_VERSION_1 - 1], "place");
        assert_eq!(&names[8 + CLEAR_FIELDS.len()..], ["record_id", "row_mac", "registry_number_hmac"]);
        let placeholders = INSERT_RECORD.matches('?').count();
        assert_eq!(placeholders, names.len());
    }
}
