//! Purges: the one path by which data leaves the store — a source (its records, their raw rows
//! and fields, its quarantined rows, its original file, and everything that pointed at its
//! records: judgements, pairs to review, leads, sensitivity flags, places in persons), or an
//! inquiry with its enquirer and leads. Records and the audit chain are otherwise append-only;
//! here the records' trigger is lifted for this one transaction and put back. Each purge is
//! sealed in the chain: one entry per target removed, marked removed, carrying (encrypted) the
//! digest of what was removed — never its content — so that `audit verify --deep` still holds
//! and shows that the removal was made here, by whom and when. What a purge cannot reach —
//! backups made before it, copies already exported, the ids in older audit entries — is the
//! operator's to handle (see the README).

use crate::binding::{self, REMOVED};
use crate::{write_tx, Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// What a purge removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PurgeReport {
    pub target: String,
    pub records: usize,
    pub quarantined: usize,
    pub judgements: usize,
    pub leads: usize,
    pub flags: usize,
    /// The digest of what was removed, as the audit entry carries it.
    pub digest: String,
}

impl Store {
    fn seal_removed(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        count: usize,
        digest: &str,
    ) -> Result<(), StoreError> {
        crate::audit::append_bound(
            &self.conn,
            &self.keys,
            actor,
            action,
            Some(target),
            Some(count as i64),
            Some(&format!("removed; digest of what was removed: {digest}")),
            Some(REMOVED),
        )
    }

    /// Removes a source (by name or id) and everything that points at its records, in one
    /// transaction; the persons are sealed again as they are after it.
    pub fn purge_source(&self, source: &str, actor: &str) -> Result<PurgeReport, StoreError> {
        crate::check_actor(actor)?;
        let Some(summary) = self.source_by_name(source)? else {
            return Err(StoreError::Invalid(format!(
                "there is no source '{}'; see athar sources",
                crate::escape_control(source)
            )));
        };
        let sid: i64 = summary
            .source_id
            .parse()
            .map_err(|_| StoreError::Invalid(format!("internal: source id {}", summary.source_id)))?;
        self.erasing(|| {
            write_tx(&self.conn, || {
                let c = &self.conn;
                let digest = binding::source_digest(c, sid)?.unwrap_or_default();
                let mut report = PurgeReport { target: binding::source_target(sid), digest, ..Default::default() };
                let in_source = "SELECT record_id FROM records WHERE source_id = ?1";
                // What points at its records, row by row, each sealed as removed.
                type Digest = fn(&rusqlite::Connection, i64) -> Result<Option<String>, StoreError>;
                type Pointing = (&'static str, &'static str, &'static str, &'static str, Digest, fn(i64) -> String);
                let pointing: [Pointing; 3] = [
                    (
                        "judgement_id",
                        "judgements",
                        "record_a IN ({in}) OR record_b IN ({in})",
                        "purge.judgement",
                        binding::judgement_digest,
                        binding::judgement_target,
                    ),
                    (
                        "record_id",
                        "record_flags",
                        "record_id IN ({in})",
                        "purge.flags",
                        crate::flags::flags_digest,
                        crate::flags::flags_target,
                    ),
                    (
                        "event_id",
                        "status_events",
                        "record_id IN ({in})",
                        "purge.status",
                        crate::status::status_digest,
                        crate::status::status_target,
                    ),
                ];
                let mut removed = [0usize; 3];
                for (n, (key, table, which, action, digest, target)) in pointing.into_iter().enumerate() {
                    let which = which.replace("{in}", in_source);
                    let ids: Vec<i64> = c
                        .prepare(&format!("SELECT {key} FROM {table} WHERE {which}"))?
                        .query_map([sid], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    for id in &ids {
                        let d = digest(c, *id)?.unwrap_or_default();
                        c.execute(&format!("DELETE FROM {table} WHERE {key} = ?1"), [id])?;
                        self.seal_removed(actor, action, &target(*id), 1, &d)?;
                    }
                    removed[n] = ids.len();
                }
                (report.judgements, report.flags) = (removed[0], removed[1]);
                // A status change citing this source as its evidence keeps its note; the citation goes.
                let citing: Vec<i64> = c
                    .prepare("SELECT event_id FROM status_events WHERE source_id = ?1")?
                    .query_map([sid], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                for e in &citing {
                    c.execute("UPDATE status_events SET source_id = NULL WHERE event_id = ?1", [e])?;
                    let d = crate::status::status_digest(c, *e)?.unwrap_or_default();
                    crate::audit::append_bound(
                        c,
                        &self.keys,
                        actor,
                        "purge.status-citation",
                        Some(&crate::status::status_target(*e)),
                        None,
                        None,
                        Some(&d),
                    )?;
                }
                report.leads = c.execute(&format!("DELETE FROM leads WHERE record_id IN ({in_source})"), [sid])?;
                // What reports say of these records, and what this source (a report) mentions.
                c.execute(
                    &format!("DELETE FROM report_mentions WHERE source_id = ?1 OR record_id IN ({in_source})"),
                    [sid],
                )?;
                c.execute(
                    &format!("DELETE FROM review WHERE record_a IN ({in_source}) OR record_b IN ({in_source})"),
                    params![sid],
                )?;
                let moved =
                    c.execute(&format!("DELETE FROM person_records WHERE record_id IN ({in_source})"), [sid])?;
                // What a link kept for the next one names these records: derived, made again.
                c.execute("DELETE FROM link_state", [])?;
                report.quarantined = c.execute("DELETE FROM quarantine WHERE source_id = ?1", [sid])?;
                c.execute("DELETE FROM source_files WHERE source_id = ?1", [sid])?;
                // Ids are never given again: older audit entries name them.
                let last: Option<i64> =
                    c.query_row("SELECT MAX(record_id) FROM records WHERE source_id = ?1", [sid], |r| r.get(0))?;
                if let Some(last) = last {
                    c.execute(
                    "INSERT INTO meta(key, value) VALUES('purged_record_max', CAST(?1 AS TEXT)) ON CONFLICT(key) DO \
                     UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), ?1) AS TEXT)",
                    [last],
                )?;
                }
                c.execute(
                    "INSERT INTO meta(key, value) VALUES('purged_source_max', CAST(?1 AS TEXT)) ON CONFLICT(key) DO \
                 UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), ?1) AS TEXT)",
                    [sid],
                )?;
                c.execute_batch("DROP TRIGGER records_append_only")?;
                report.records = c.execute("DELETE FROM records WHERE source_id = ?1", [sid])?;
                c.execute_batch(
                    "CREATE TRIGGER records_append_only BEFORE DELETE ON records \
                 BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;",
                )?;
                c.execute("DELETE FROM sources WHERE source_id = ?1", [sid])?;
                self.seal_removed(actor, "purge.source", &report.target, report.records, &report.digest)?;
                if moved > 0 {
                    crate::linkage::persons_changed(c, &self.keys, actor, "purge.persons", moved as i64)?;
                }
                // Indexes built before it hold the records removed: built again.
                self.note_derived_changed()?;
                Ok(report)
            })
        })
    }

    /// Removes an inquiry, its enquirer and its leads.
    pub fn purge_inquiry(&self, reference: &str, actor: &str) -> Result<PurgeReport, StoreError> {
        crate::check_actor(actor)?;
        self.erasing(|| {
            write_tx(&self.conn, || {
                let c = &self.conn;
                let Some(digest) = binding::inquiry_digest(c, reference)? else {
                    return Err(StoreError::Invalid(format!(
                        "there is no inquiry '{}'; see athar inquiry list --all",
                        crate::escape_control(reference)
                    )));
                };
                let mut report =
                    PurgeReport { target: binding::inquiry_target(reference), digest, ..Default::default() };
                report.leads = c.execute("DELETE FROM leads WHERE ref = ?1", [reference])?;
                c.execute("DELETE FROM inquiries WHERE ref = ?1", [reference])?;
                self.seal_removed(actor, "purge.inquiry", &report.target, 1, &report.digest)?;
                Ok(report)
            })
        })
    }

    /// Runs a purge with SQLite's secure delete on (what is removed is overwritten, not left in
    /// free pages), then copies the write-ahead log into the database and empties it, so that
    /// the removed rows survive in neither file. Readers of other processes can hold the log
    /// back; it is emptied at their next checkpoint.
    fn erasing<T>(&self, purge: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.conn.pragma_update(None, "secure_delete", true)?;
        let out = purge();
        self.conn.pragma_update(None, "secure_delete", false)?;
        let out = out?;
        let _ = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(out)
    }
}
