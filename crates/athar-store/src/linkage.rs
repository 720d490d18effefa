//! Storage of linkage results: the model document, persons and their records, pairs to
//! review, human judgements (with who, when, why; withdrawn, never deleted) and the lineage of
//! person ids. Owns keeping ids stable: a new clustering inherits the id of the earlier person
//! whose records it mostly keeps. No matching logic: clusterings come from `athar-link`.

use crate::binding::{self, judgement_target, PERSONS_TARGET};
use crate::{now, write_tx, Store, StoreError, CLEAR_FIELDS};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;

/// The decisions a person makes about two records.
pub const DECISIONS: [&str; 3] = ["same", "different", "unsure"];

/// A record's fields for linkage: id, derived clear fields by name, national-id hash.
#[derive(Debug, Clone)]
pub struct LinkInput {
    pub record_id: i64,
    pub fields: Vec<(&'static str, String)>,
    pub national_id_hash: Option<String>,
    /// The keyed hash of the civil registry number.
    pub registry_number_hash: Option<String>,
    /// The list (source) the record was imported from.
    pub source_id: i64,
}

/// A judgement as stored.
#[derive(Debug, Clone, Serialize)]
pub struct JudgementRow {
    pub judgement_id: String,
    pub record_a: String,
    pub record_b: String,
    pub decision: String,
    pub note: Option<String>,
    pub actor: String,
    pub at: String,
}

/// What saving a clustering did to person ids.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonsReport {
    pub persons: usize,
    pub kept_ids: usize,
    pub new_ids: usize,
    pub merges: usize,
    pub splits: usize,
}

/// What a link read the persons as: the linked extent, the judgements and the number of
/// changes made to persons. A link saves only if the registry still says the same under the
/// write lock: two links at once never both write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonsStamp {
    /// Records in persons, and the largest record id among them.
    pub linked: (i64, i64),
    /// The last judgement id and the number withdrawn.
    pub judgements: (i64, i64),
    /// Changes saved to persons so far.
    pub version: i64,
}

fn persons_stamp(conn: &rusqlite::Connection) -> Result<PersonsStamp, StoreError> {
    let version: i64 = conn
        .query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'persons_version'", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    Ok(PersonsStamp { linked: linked_extent(conn)?, judgements: judgements_stamp(conn)?, version })
}

/// What the registry holds, in a few numbers that change whenever what a search index holds
/// would: the last record, the persons (a counter of their changes), the model, and the
/// derived fields (a counter of reindexes). Cheap to read: a search compares it before every
/// answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeStamp {
    pub last_record: i64,
    pub persons_version: i64,
    pub model_trained_at: Option<String>,
    pub derived_version: i64,
    /// A counter of the sites users added: they are names of places (see [`Store::sites_version`]).
    pub sites_version: i64,
}

/// Counts a change to persons and seals the persons as they are now in the audit chain.
pub(crate) fn persons_changed(
    conn: &rusqlite::Connection,
    keys: &crate::Keys,
    actor: &str,
    action: &str,
    count: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES('persons_version', '1') \
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [],
    )?;
    let digest = binding::persons_digest(conn)?;
    crate::audit::append_bound(conn, keys, actor, action, Some(PERSONS_TARGET), Some(count), None, Some(&digest))
}

/// Why a save was refused: the registry changed while the link ran.
fn changed_meanwhile() -> StoreError {
    StoreError::Busy(
        "another link, a split or a judgement changed the persons while this link ran; nothing was saved — run \
         athar link again"
            .into(),
    )
}

/// A row of the persons export: person id (none before the first link), record id, source,
/// source record id.
pub type ExportRow = (Option<String>, i64, String, Option<String>);

/// One lineage event.
#[derive(Debug, Clone, Serialize)]
pub struct LineageEvent {
    pub person_id: String,
    pub event: String,
    pub other: Option<String>,
    pub at: String,
    pub detail: Option<String>,
}

/// A row that starts with record id, national-id hash, [`CLEAR_FIELDS`] and the registry
/// number's hash.
fn link_input(r: &rusqlite::Row<'_>) -> rusqlite::Result<LinkInput> {
    let mut fields = Vec::new();
    for (k, f) in CLEAR_FIELDS.iter().enumerate() {
        if let Some(v) = r.get::<_, Option<String>>(2 + k)? {
            fields.push((*f, v));
        }
    }
    Ok(LinkInput {
        record_id: r.get(0)?,
        national_id_hash: r.get(1)?,
        fields,
        registry_number_hash: r.get(2 + CLEAR_FIELDS.len())?,
        source_id: r.get(3 + CLEAR_FIELDS.len())?,
    })
}

/// See [`Store::linked_extent`]; on any connection or transaction.
fn linked_extent(conn: &rusqlite::Connection) -> Result<(i64, i64), StoreError> {
    Ok(conn.query_row("SELECT COUNT(*), COALESCE(MAX(record_id), 0) FROM person_records", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?)
}

/// See [`Store::judgements_stamp`]; on any connection or transaction.
fn judgements_stamp(conn: &rusqlite::Connection) -> Result<(i64, i64), StoreError> {
    Ok(conn.query_row("SELECT COALESCE(MAX(judgement_id), 0), COUNT(withdrawn_at) FROM judgements", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?)
}

/// The statements that write persons, prepared once per transaction (a million records are a
/// million inserts), and the numbering of new person ids.
struct PersonWriter<'t> {
    person: rusqlite::Statement<'t>,
    lineage: rusqlite::Statement<'t>,
    member: rusqlite::Statement<'t>,
    review: rusqlite::Statement<'t>,
    state: rusqlite::Statement<'t>,
    last_number: i64,
    at: String,
}

impl<'t> PersonWriter<'t> {
    fn new(tx: &'t rusqlite::Connection) -> Result<Self, StoreError> {
        Ok(PersonWriter {
            person: tx.prepare("INSERT INTO persons(person_id, created_at) VALUES(?1, ?2)")?,
            lineage: tx
                .prepare("INSERT INTO lineage(person_id, event, other, at, detail) VALUES(?1, ?2, ?3, ?4, ?5)")?,
            member: tx.prepare("INSERT OR REPLACE INTO person_records(record_id, person_id) VALUES(?1, ?2)")?,
            review: tx.prepare("INSERT OR REPLACE INTO review(record_a, record_b, probability) VALUES(?1, ?2, ?3)")?,
            state: tx.prepare("INSERT OR REPLACE INTO link_state(name, data) VALUES(?1, ?2)")?,
            last_number: tx.query_row(
                "SELECT COALESCE(MAX(CAST(SUBSTR(person_id, 2) AS INTEGER)), 0) FROM persons",
                [],
                |r| r.get(0),
            )?,
            at: now(),
        })
    }

    /// A new person of `size` records, with its lineage.
    fn create(&mut self, size: usize) -> Result<String, StoreError> {
        self.last_number += 1;
        let id = format!("P{}", self.last_number);
        self.person.execute(params![id, self.at])?;
        self.lineage.execute(params![id, "created", None::<String>, self.at, format!("{size} records")])?;
        Ok(id)
    }

    fn lineage(&mut self, id: &str, event: &str, other: &str) -> Result<(), StoreError> {
        self.lineage.execute(params![id, event, other, self.at, None::<String>])?;
        Ok(())
    }

    fn member(&mut self, record: i64, person: &str) -> Result<(), StoreError> {
        self.member.execute(params![record, person])?;
        Ok(())
    }

    fn review(&mut self, pairs: &[(i64, i64, f64)]) -> Result<(), StoreError> {
        for (a, b, p) in pairs {
            self.review.execute(params![a.min(b), a.max(b), p])?;
        }
        Ok(())
    }

    fn state(&mut self, entries: &[(String, Vec<u8>)]) -> Result<(), StoreError> {
        for (name, data) in entries {
            self.state.execute(params![name, data])?;
        }
        Ok(())
    }
}

/// Where a record comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordOrigin {
    pub source: String,
    pub source_record_id: Option<String>,
    pub row: i64,
}

impl Store {
    /// Every record's fields for linkage, in record-id order.
    pub fn link_inputs(&self) -> Result<Vec<LinkInput>, StoreError> {
        let cols = CLEAR_FIELDS.join(", ");
        let mut st = self.conn.prepare(&format!(
            "SELECT record_id, national_id_hmac, {cols}, registry_number_hmac, source_id FROM records ORDER BY record_id"
        ))?;
        let rows = st.query_map([], link_input)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Record ids of a reference (record id or SOURCE:SOURCE_RECORD_ID), checked to exist.
    pub fn record_id(&self, reference: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.record(reference)?.and_then(|r| r.record_id.parse().ok()))
    }

    /// Stores the model document (trained by a link, or imported: `action` says which) and
    /// seals it in the audit chain.
    pub fn save_model(&self, json: &str, actor: &str, action: &str) -> Result<(), StoreError> {
        write_tx(&self.conn, || {
            self.conn.execute(
                "INSERT INTO link_model(id, json, trained_at) VALUES(1, ?1, ?2) \
                 ON CONFLICT(id) DO UPDATE SET json = excluded.json, trained_at = excluded.trained_at",
                params![json, now()],
            )?;
            let digest = binding::model_digest(&self.conn)?
                .ok_or_else(|| StoreError::Invalid("internal: the model just saved is gone".into()))?;
            crate::audit::append_bound(
                &self.conn,
                &self.keys,
                actor,
                action,
                Some(binding::MODEL_TARGET),
                None,
                None,
                Some(&digest),
            )
        })
    }

    pub fn model(&self) -> Result<Option<String>, StoreError> {
        Ok(self.conn.query_row("SELECT json FROM link_model WHERE id = 1", [], |r| r.get(0)).optional()?)
    }

    /// Records a judgement, its note encrypted, and seals it in the audit chain, in one
    /// write; refuses a record that does not exist.
    pub fn add_judgement(
        &self,
        a: i64,
        b: i64,
        decision: &str,
        note: Option<&str>,
        actor: &str,
    ) -> Result<String, StoreError> {
        if !DECISIONS.contains(&decision) {
            return Err(StoreError::Invalid(format!("'{decision}' is not a decision; use same, different or unsure")));
        }
        if a == b {
            return Err(StoreError::Invalid("a record is always the same as itself; give two records".into()));
        }
        crate::check_actor(actor)?;
        let (a, b) = (a.min(b), a.max(b));
        write_tx(&self.conn, || {
            self.conn.execute(
                "INSERT INTO judgements(record_a, record_b, decision, note, actor, at) VALUES(?1, ?2, ?3, NULL, ?4, ?5)",
                params![a, b, decision, actor, now()],
            )?;
            let id = self.conn.last_insert_rowid();
            if let Some(n) = note {
                let enc = self.keys.seal_bound(n.as_bytes(), &binding::judgement_note_place(id))?;
                self.conn.execute("UPDATE judgements SET note_enc = ?2 WHERE judgement_id = ?1", params![id, enc])?;
            }
            self.seal_judgement(id, actor, "judge")?;
            Ok(id.to_string())
        })
    }

    fn seal_judgement(&self, id: i64, actor: &str, action: &str) -> Result<(), StoreError> {
        let digest = binding::judgement_digest(&self.conn, id)?
            .ok_or_else(|| StoreError::Invalid(format!("internal: judgement {id} is gone")))?;
        crate::audit::append_bound(
            &self.conn,
            &self.keys,
            actor,
            action,
            Some(&judgement_target(id)),
            None,
            None,
            Some(&digest),
        )
    }

    /// Withdraws a judgement (it stays, marked withdrawn, with who and when), sealed in the
    /// audit chain.
    pub fn withdraw_judgement(&self, id: &str, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        let Ok(id) = id.trim().parse::<i64>() else { return Ok(false) };
        write_tx(&self.conn, || {
            let n = self.conn.execute(
                "UPDATE judgements SET withdrawn_at = ?2, withdrawn_by = ?3 WHERE judgement_id = ?1 \
                 AND withdrawn_at IS NULL",
                params![id, now(), actor],
            )?;
            if n == 1 {
                self.seal_judgement(id, actor, "judge.withdraw")?;
            }
            Ok(n == 1)
        })
    }

    /// Judgements in force (the latest per pair, not withdrawn).
    pub fn judgements(&self) -> Result<Vec<JudgementRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT judgement_id, record_a, record_b, decision, note_enc, actor, at FROM judgements j \
             WHERE withdrawn_at IS NULL AND judgement_id = (SELECT MAX(judgement_id) FROM judgements k \
             WHERE k.record_a = j.record_a AND k.record_b = j.record_b AND k.withdrawn_at IS NULL) \
             ORDER BY judgement_id",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<Vec<u8>>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, a, b, decision, note, actor, at)| {
                let note = note
                    .map(|n| {
                        let plain = self.keys.open_bound(&n, &binding::judgement_note_place(id))?;
                        Ok::<_, StoreError>(String::from_utf8_lossy(&plain).into_owned())
                    })
                    .transpose()?;
                Ok(JudgementRow {
                    judgement_id: id.to_string(),
                    record_a: a.to_string(),
                    record_b: b.to_string(),
                    decision,
                    note,
                    actor,
                    at,
                })
            })
            .collect()
    }

    /// The person of every record that has one.
    pub fn persons_of_records(&self) -> Result<HashMap<i64, String>, StoreError> {
        let mut st = self.conn.prepare("SELECT record_id, person_id FROM person_records")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<HashMap<_, _>, _>>()?)
    }

    /// The records imported after `record_id` (those a link that ended with it has not seen),
    /// in record-id order.
    pub fn link_inputs_after(&self, record_id: i64) -> Result<Vec<LinkInput>, StoreError> {
        let cols = CLEAR_FIELDS.join(", ");
        let mut st = self.conn.prepare(&format!(
            "SELECT record_id, national_id_hmac, {cols}, registry_number_hmac, source_id FROM records WHERE record_id > ?1 ORDER BY record_id"
        ))?;
        let rows = st.query_map([record_id], link_input)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The fields for linkage of the records `ids` (missing ones left out), with the person
    /// each belongs to.
    pub fn link_inputs_of(&self, ids: &[i64]) -> Result<Vec<(LinkInput, Option<String>)>, StoreError> {
        let cols = CLEAR_FIELDS.join(", ");
        let mut st = self.conn.prepare(&format!(
            "SELECT record_id, national_id_hmac, {cols}, registry_number_hmac, source_id, \
             (SELECT person_id FROM person_records p WHERE p.record_id = records.record_id) \
             FROM records WHERE record_id = ?1"
        ))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = st
                .query_row([id], |r| Ok((link_input(r)?, r.get::<_, Option<String>>(4 + CLEAR_FIELDS.len())?)))
                .optional()?;
            out.extend(row);
        }
        Ok(out)
    }

    /// The largest record id (0 in an empty registry).
    pub fn max_record_id(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("SELECT COALESCE(MAX(record_id), 0) FROM records", [], |r| r.get(0))?)
    }

    /// Records in persons, and the largest record id among them.
    pub fn linked_extent(&self) -> Result<(i64, i64), StoreError> {
        linked_extent(&self.conn)
    }

    /// What the judgements are: the last judgement id and how many were withdrawn (a link
    /// that kept state sees from it whether anyone judged since).
    pub fn judgements_stamp(&self) -> Result<(i64, i64), StoreError> {
        judgements_stamp(&self.conn)
    }

    /// See [`ChangeStamp`].
    pub fn change_stamp(&self) -> Result<ChangeStamp, StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COALESCE(MAX(record_id), 0) FROM records), \
             (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'persons_version'), \
             (SELECT trained_at FROM link_model WHERE id = 1), \
             (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'derived_version'), \
             (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'sites_version')",
            [],
            |r| {
                Ok(ChangeStamp {
                    last_record: r.get(0)?,
                    persons_version: r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                    model_trained_at: r.get(2)?,
                    derived_version: r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                    sites_version: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                })
            },
        )?)
    }

    /// Counts a change of derived fields (a reindex): indexes built before it are stale.
    pub fn note_derived_changed(&self) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES('derived_version', '1') \
             ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
            [],
        )?;
        Ok(())
    }

    /// What a link reads the persons as (see [`PersonsStamp`]); read it before reading the
    /// records and persons, and give it to the save.
    pub fn persons_stamp(&self) -> Result<PersonsStamp, StoreError> {
        persons_stamp(&self.conn)
    }

    /// The link state entries whose name starts with `prefix`, in name order.
    pub fn link_state(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT name, rowid, length(data) FROM link_state WHERE substr(name, 1, length(?1)) = ?1 ORDER BY name",
        )?;
        let rows = st
            .query_map([prefix], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        // Read straight from the pages (one copy of some hundred megabytes, not two).
        let mut out = Vec::with_capacity(rows.len());
        for (name, rowid, len) in rows {
            let mut blob = self.conn.blob_open(rusqlite::MAIN_DB, "link_state", "data", rowid, true)?;
            let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
            std::io::Read::read_to_end(&mut blob, &mut data)
                .map_err(|e| StoreError::Io { path: std::path::PathBuf::from("<link state>"), source: e })?;
            out.push((name, data));
        }
        Ok(out)
    }

    /// Drops what links kept (derived fields changed: the next link starts afresh).
    pub fn clear_link_state(&self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM link_state", [])?;
        Ok(())
    }

    /// Adds records to persons without touching any other (an incremental link that scored only
    /// the pairs of new records): each group's records join `person` or, with none, a new
    /// person. The pairs to review are added to those already waiting; `state` entries are
    /// written (replacing those of the same name). All in one transaction, sealed in the audit
    /// chain.
    ///
    /// `expected`: the stamp the caller linked against ([`Store::persons_stamp`]); if another
    /// link, a split or a judgement changed it meanwhile, nothing is written and `None` is
    /// returned.
    pub fn add_to_persons(
        &mut self,
        groups: &[(Option<String>, Vec<i64>)],
        review: &[(i64, i64, f64)],
        state: &[(String, Vec<u8>)],
        expected: PersonsStamp,
        actor: &str,
    ) -> Result<Option<PersonsReport>, StoreError> {
        crate::check_actor(actor)?;
        // Write-locked from the start: the check and the writes see the same registry.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if persons_stamp(&tx)? != expected {
            return Ok(None);
        }
        let mut report = PersonsReport::default();
        {
            let mut w = PersonWriter::new(&tx)?;
            for (person, members) in groups {
                let id = match person {
                    Some(id) => id.clone(),
                    None => {
                        report.new_ids += 1;
                        w.create(members.len())?
                    }
                };
                for r in members {
                    w.member(*r, &id)?;
                }
            }
            w.review(review)?;
            w.state(state)?;
        }
        report.persons =
            tx.query_row("SELECT COUNT(DISTINCT person_id) FROM person_records", [], |r| r.get::<_, i64>(0))? as usize;
        // Every person there was keeps its id.
        report.kept_ids = report.persons - report.new_ids;
        persons_changed(&tx, &self.keys, actor, "link", report.persons as i64)?;
        tx.commit()?;
        Ok(Some(report))
    }

    /// Saves a clustering (`groups`: the record ids of each person) and the pairs to review,
    /// keeping person ids stable: a group inherits the id of the earlier person whose records
    /// it holds most of (at least half; on a tie the earlier group). What the link keeps for
    /// the next one replaces what was kept (`state`). All in one transaction that holds the
    /// write lock from its start, sealed in the audit chain.
    ///
    /// `expected`: the stamp the caller read before reading the records and persons it
    /// clustered ([`Store::persons_stamp`]); if another link, a split or a judgement changed
    /// it meanwhile, nothing is written and the error says to link again. `None` for a caller
    /// that holds the write lock throughout (inside [`Store::in_transaction`]).
    pub fn save_persons(
        &self,
        groups: &[Vec<i64>],
        review: &[(i64, i64, f64)],
        state: &[(String, Vec<u8>)],
        actor: &str,
        action: &str,
        expected: Option<PersonsStamp>,
    ) -> Result<PersonsReport, StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            if let Some(e) = expected {
                if persons_stamp(&self.conn)? != e {
                    return Err(changed_meanwhile());
                }
            }
            self.save_persons_locked(groups, review, state, actor, action)
        })
    }

    fn save_persons_locked(
        &self,
        groups: &[Vec<i64>],
        review: &[(i64, i64, f64)],
        state: &[(String, Vec<u8>)],
        actor: &str,
        action: &str,
    ) -> Result<PersonsReport, StoreError> {
        let old = self.persons_of_records()?;
        let mut old_sizes: HashMap<&str, usize> = HashMap::new();
        for p in old.values() {
            *old_sizes.entry(p.as_str()).or_default() += 1;
        }
        // For each group, its records per old person.
        let mut claims: Vec<(usize, String, usize)> = Vec::new();
        for (g, members) in groups.iter().enumerate() {
            let mut per_old: HashMap<&str, usize> = HashMap::new();
            for r in members {
                if let Some(p) = old.get(r) {
                    *per_old.entry(p.as_str()).or_default() += 1;
                }
            }
            for (p, n) in per_old {
                // Most of its records, or half in a tie (then the earlier group, the one a
                // split leaves in place, keeps the id).
                if n * 2 >= old_sizes.get(p).copied().unwrap_or(0) {
                    claims.push((g, p.to_string(), n));
                }
            }
        }
        // Biggest claims first: each old id to one group, each group one old id.
        claims.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        let mut id_of_group: Vec<Option<String>> = vec![None; groups.len()];
        let mut taken: std::collections::HashSet<String> = Default::default();
        for (g, p, _) in &claims {
            if id_of_group[*g].is_none() && !taken.contains(p) {
                id_of_group[*g] = Some(p.clone());
                taken.insert(p.clone());
            }
        }
        let tx = &self.conn;
        let mut report = PersonsReport { persons: groups.len(), ..Default::default() };
        tx.execute("DELETE FROM review", [])?;
        tx.execute("DELETE FROM link_state", [])?;
        {
            let mut w = PersonWriter::new(tx)?;
            for (g, members) in groups.iter().enumerate() {
                let id = match &id_of_group[g] {
                    Some(id) => {
                        report.kept_ids += 1;
                        id.clone()
                    }
                    None => {
                        report.new_ids += 1;
                        w.create(members.len())?
                    }
                };
                // Earlier persons whose records joined this one: a merge.
                let mut from: Vec<&str> = members.iter().filter_map(|r| old.get(r).map(String::as_str)).collect();
                from.sort_unstable();
                from.dedup();
                for o in from.iter().filter(|o| **o != id) {
                    if !taken.contains(*o) {
                        report.merges += 1;
                        w.lineage(&id, "merged_from", o)?;
                    } else {
                        report.splits += 1;
                        w.lineage(&id, "split_from", o)?;
                    }
                }
                // Only the records whose person changed are written: a link that adds a
                // thousand records to a million rewrites a thousand rows, not a million.
                for r in members {
                    if old.get(r) != Some(&id) {
                        w.member(*r, &id)?;
                    }
                }
            }
            w.review(review)?;
            w.state(state)?;
        }
        persons_changed(tx, &self.keys, actor, action, groups.len() as i64)?;
        Ok(report)
    }

    /// Pairs to review that no judgement in force decides, by record ids (the order a reviewer
    /// sees is the registry's: see `athar_link::review_order`).
    pub fn review_pairs(&self) -> Result<Vec<(i64, i64, f64)>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT v.record_a, v.record_b, v.probability FROM review v WHERE NOT EXISTS \
             (SELECT 1 FROM judgements j WHERE j.record_a = v.record_a AND j.record_b = v.record_b \
              AND j.withdrawn_at IS NULL) ORDER BY v.record_a, v.record_b",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Where each of `ids` comes from: its source's name, its id in the source (if the list had
    /// one) and its row. Ids not found are left out.
    pub fn record_origins(&self, ids: &[i64]) -> Result<HashMap<i64, RecordOrigin>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT s.name, r.source_record_id, r.row FROM records r JOIN sources s ON s.source_id = r.source_id \
             WHERE r.record_id = ?1",
        )?;
        let mut out = HashMap::new();
        for &id in ids {
            if out.contains_key(&id) {
                continue;
            }
            let found = st
                .query_row([id], |r| {
                    Ok(RecordOrigin { source: r.get(0)?, source_record_id: r.get(1)?, row: r.get(2)? })
                })
                .optional()?;
            if let Some(o) = found {
                out.insert(id, o);
            }
        }
        Ok(out)
    }

    /// The record ids of a person.
    pub fn person_records(&self, person_id: &str) -> Result<Vec<i64>, StoreError> {
        let mut st =
            self.conn.prepare("SELECT record_id FROM person_records WHERE person_id = ?1 ORDER BY record_id")?;
        let rows = st.query_map([person_id], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every record with its person (records that matched nobody are their own person).
    pub fn person_export(&self) -> Result<Vec<ExportRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT p.person_id, r.record_id, s.name, r.source_record_id FROM records r \
             JOIN sources s ON s.source_id = r.source_id LEFT JOIN person_records p ON p.record_id = r.record_id \
             ORDER BY p.person_id IS NULL, p.person_id, r.record_id",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// As [`Store::person_export`], for the records `ids` only (missing ones left out).
    pub fn person_export_of(&self, ids: &[i64]) -> Result<Vec<ExportRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT p.person_id, r.record_id, s.name, r.source_record_id FROM records r \
             JOIN sources s ON s.source_id = r.source_id LEFT JOIN person_records p ON p.record_id = r.record_id \
             WHERE r.record_id = ?1",
        )?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).optional()?);
        }
        Ok(out)
    }

    pub fn lineage(&self, person_id: &str) -> Result<Vec<LineageEvent>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT person_id, event, other, at, detail FROM lineage WHERE person_id = ?1 OR other = ?1 ORDER BY seq",
        )?;
        let rows = st.query_map([person_id], |r| {
            Ok(LineageEvent {
                person_id: r.get(0)?,
                event: r.get(1)?,
                other: r.get(2)?,
                at: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
