//! The registry's housekeeping: sources, the quarantine, a record as stored, counts, backups
//! and restores, the audit chain, reindexing, the linkage model document. Each call checks the
//! actor's role and audits what it shows before returning it.

use crate::derive::{check_derived, SourceRules};
use crate::error::{invalid, Result};
use crate::{Action, Actor, Registry, RegistryError};
use athar_link::FsModel;
use athar_store::{AuditVerdict, QuarantineRow, RecordView, RestoreReport, SourceSummary, Stats, Store};
use serde::Serialize;
use std::path::Path;

/// What `audit verify` found, with the anchor's answer when one was given.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    #[serde(flatten)]
    pub verdict: AuditVerdict,
    /// `Some(false)` when the chain no longer holds the anchor given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor_held: Option<bool>,
    /// Records an older Athar derived, not derived again by a deep check (their rules knew
    /// fewer fields; the next link or a reindex derives them again).
    #[serde(skip_serializing_if = "is_zero")]
    pub older_derived: i64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// What `reindex` did.
#[derive(Debug, Clone, Serialize)]
pub struct ReindexReport {
    pub reindexed: i64,
    /// Records today's rules would set aside, kept as they were.
    pub kept: i64,
}

impl Registry {
    /// Every imported source, with its SHA-256 and counts.
    pub fn sources(&self, actor: &Actor) -> Result<Vec<SourceSummary>> {
        actor.require(Action::SeeSources)?;
        self.read(|s| Ok(s.sources()?))
    }

    /// The rows set aside at import, of one source (name or id) or all, decrypted.
    pub fn quarantine(&self, actor: &Actor, source: Option<&str>) -> Result<Vec<QuarantineRow>> {
        actor.require(Action::ReadQuarantine)?;
        let rows = self.read(|s| {
            if let Some(name) = source {
                if s.source_by_name(name)?.is_none() {
                    return Err(RegistryError::NotFound(format!("no source '{name}'; see athar sources")));
                }
            }
            Ok(s.quarantine(source)?)
        })?;
        self.audit(actor, "quarantine", source, Some(rows.len() as i64), None)?;
        Ok(rows)
    }

    /// A record by its id or `SOURCE:SOURCE_RECORD_ID`: its raw row beside its derived fields.
    pub fn record(&self, actor: &Actor, reference: &str) -> Result<RecordView> {
        actor.require(Action::ReadRecords)?;
        let mut view = self.read(|s| Ok(s.record(reference)?))?.ok_or_else(|| {
            RegistryError::NotFound(format!(
                "no record '{reference}'; give a record id, SOURCE:SOURCE_RECORD_ID, or SOURCE:ROW for a list without ids (see athar sources)"
            ))
        })?;
        if let Ok(id) = view.record_id.parse::<i64>() {
            self.check_visible(&self.withheld(actor)?, id)?;
        }
        Registry::resolve_places(std::slice::from_mut(&mut view), self.names()?.scanner()?);
        self.audit(actor, "records.show", Some(&format!("record:{}", view.record_id)), Some(1), None)?;
        Ok(view)
    }

    /// What people did in the registry beyond `by`'s own imports (judgements, inquiries, users,
    /// lists others imported): what a tool that rebuilds a registry (the demo) must not wipe.
    pub fn work_beyond(&self, actor: &Actor, by: &str) -> Result<Vec<(&'static str, i64)>> {
        actor.require(Action::SeeCounts)?;
        self.read(|s| Ok(s.work_beyond(by)?))
    }

    /// Counts of sources, records, quarantined rows, audit entries and statuses.
    pub fn stats(&self, actor: &Actor) -> Result<Stats> {
        actor.require(Action::SeeCounts)?;
        self.read(|s| Ok(s.stats()?))
    }

    /// A consistent copy of the database into `out` (a new file, private). The audit entry
    /// says whether it was made.
    pub fn backup(&self, actor: &Actor, out: &Path) -> Result<()> {
        actor.require(Action::Audit)?;
        let target = out.display().to_string();
        let result = self.read(|s| Ok(s.backup(out)?));
        match &result {
            Ok(()) => self.audit(actor, "backup", Some(&target), None, None)?,
            Err(e) => self.audit(actor, "backup.failed", Some(&target), None, Some(&e.to_string()))?,
        }
        result
    }

    /// Replaces the database at `db` with the backup `input` (checked whole first; refused
    /// while any process, this one included, has the registry open), then notes it in the
    /// restored registry's audit chain.
    pub fn restore(db: &Path, key: &Path, input: &Path, actor: &Actor) -> Result<RestoreReport> {
        actor.require(Action::Audit)?;
        let report = Store::restore(input, db, key)?;
        let store = Store::open(db, key)?;
        store.audit(&actor.name, "restore", Some(&input.display().to_string()), Some(report.records), None)?;
        Ok(report)
    }

    /// Checks the audit chain and the data it seals (see [`athar_store::Store::verify_audit`]);
    /// with `deep`, every record's fields are also derived again from its raw row and compared.
    /// `anchor`: a count and head hash kept elsewhere, which the chain must still hold.
    pub fn verify_audit(&self, actor: &Actor, deep: bool, anchor: Option<(i64, &str)>) -> Result<AuditReport> {
        actor.require(Action::Audit)?;
        self.read(|s| {
            let mut verdict = s.verify_audit(deep)?;
            let mut older_derived = 0;
            if verdict.ok && deep {
                if let Some(problem) = check_derived(s, &mut older_derived)? {
                    verdict.ok = false;
                    verdict.problem = Some(problem);
                }
            }
            let anchor_held = match anchor {
                Some((count, hash)) => Some(s.audit_hash_at(count)?.as_deref() == Some(hash)),
                None => None,
            };
            if anchor_held == Some(false) {
                verdict.ok = false;
            }
            Ok(AuditReport { verdict, anchor_held, older_derived })
        })
    }

    /// The last `limit` entries of the audit chain, newest first: who did what, when, to which
    /// ids, with how many results (encrypted details are not shown).
    pub fn audit_log(&self, actor: &Actor, limit: usize) -> Result<Vec<athar_store::AuditEntry>> {
        actor.require(Action::Audit)?;
        self.read(|s| Ok(s.audit_entries(limit)?))
    }

    /// Who looked at a person, for the data-protection officer: every audit entry about the
    /// person (under this id, or an id merged into it), about one of their records, or an
    /// explanation that read one — and every search whose answer showed the person (kept, with
    /// its text, encrypted in its entry; searches made before that was kept cannot be told) —
    /// oldest first. Entries name ids, never record content, so an administrator may read it;
    /// the report itself is audited.
    pub fn viewers_of(&self, actor: &Actor, person: &str) -> Result<Vec<athar_store::AuditEntry>> {
        actor.require(Action::Audit)?;
        let person = person.trim();
        let entries = self.read(|s| {
            // A person whose id was merged away holds no record now, but has its lineage.
            let records = match self.person_record_ids(s, person) {
                Ok(ids) => ids,
                Err(RegistryError::NotFound(_)) => Vec::new(),
                Err(e) => return Err(e),
            };
            let mut targets = vec![format!("person:{person}")];
            for e in s.lineage(person)? {
                if let Some(other) = e.other {
                    targets.push(format!("person:{other}"));
                }
            }
            if records.is_empty() && targets.len() == 1 {
                return Err(RegistryError::NotFound(format!(
                    "no person '{}' (a person id as search and athar persons show it, or R<record id>)",
                    athar_store::escape_control(person)
                )));
            }
            let mut entries = s.audit_about(&targets, &records)?;
            // Searches whose answer showed the person, under any id it had.
            let mut ids: std::collections::HashSet<String> =
                targets.iter().filter_map(|t| t.strip_prefix("person:")).map(str::to_string).collect();
            ids.extend(records.iter().map(|r| format!("R{r}")));
            s.audit_details(&["search", "search.batch"], |e, detail| {
                let note = detail.as_deref().map(crate::search::SearchNote::read).unwrap_or_default();
                if note.shown.iter().any(|p| ids.contains(p)) {
                    entries.push(e);
                }
            })?;
            entries.sort_by_key(|e| e.seq);
            entries.dedup_by_key(|e| e.seq);
            Ok(entries)
        })?;
        self.audit(actor, "audit.viewers", Some(&format!("person:{person}")), Some(entries.len() as i64), None)?;
        Ok(entries)
    }

    /// The number of audit entries and the head hash, to keep elsewhere.
    pub fn audit_anchor(&self, actor: &Actor) -> Result<(i64, String)> {
        actor.require(Action::Audit)?;
        self.read(|s| Ok(s.audit_anchor()?))
    }

    /// Derives every record's fields again from its raw row, with the mapping its source was
    /// imported with and today's tables; raw values are never touched. One transaction.
    pub fn reindex(&self, actor: &Actor) -> Result<ReindexReport> {
        actor.require(Action::Link)?;
        let _activity = athar_store::files::Activity::begin(&self.db, "a reindex");
        let report = self.write(|store| {
            let rules = SourceRules::of(store)?;
            let (mut done, mut kept) = (0i64, 0i64);
            store.in_transaction(|store| {
                let mut after = 0;
                loop {
                    let batch = store.stored_records(after, 10_000)?;
                    let Some(last) = batch.last() else { break };
                    after = last.record_id;
                    for rec in batch {
                        match rules.derive(&rec) {
                            Some(Ok(p)) => {
                                store.update_derived(
                                    rec.record_id,
                                    &p.fields,
                                    p.national_id.as_deref(),
                                    p.registry_number.as_deref(),
                                    p.fingerprint,
                                )?;
                                done += 1;
                            }
                            // A record today's rules would set aside keeps its derived fields:
                            // records are never removed. It is not derived again at every link.
                            Some(Err(_)) => {
                                store.keep_derived(rec.record_id)?;
                                kept += 1;
                            }
                            None => {}
                        }
                    }
                }
                store.note_derived_changed()?;
                store.audit(&actor.name, "reindex", None, Some(done), None)
            })?;
            Ok(ReindexReport { reindexed: done, kept })
        })?;
        // Every record's fields may have changed: the index is built again when next asked.
        self.forget_index();
        Ok(report)
    }

    /// The linkage model document: the stored one, else the built-in default (`true`).
    pub fn model(&self, actor: &Actor) -> Result<(FsModel, bool)> {
        actor.require(Action::Model)?;
        self.read(stored_model)
    }

    /// A warning when the stored model was trained on too few pairs to trust (every score it
    /// gives, in links, explanations and searches, is uncertain).
    pub fn model_warning(&self) -> Result<Option<String>> {
        self.read(|s| Ok(crate::link::thin_model(&stored_model(s)?.0)))
    }

    /// Replaces the stored model with a document (checked before it replaces the stored one);
    /// the next link applies it.
    pub fn import_model(&self, actor: &Actor, document: &str) -> Result<()> {
        actor.require(Action::Model)?;
        let m = FsModel::from_json(document).map_err(|e| RegistryError::Invalid(format!("{e}")))?;
        self.write(|s| Ok(s.save_model(&m.to_json(), &actor.name, "model.import")?))?;
        // The live index, if held, scores with it from now on.
        self.refresh_index(None, false)
    }
}

/// The stored model, or the built-in default (`true`) before any link.
pub(crate) fn stored_model(store: &Store) -> Result<(FsModel, bool)> {
    match store.model()? {
        Some(json) => match FsModel::from_json(&json) {
            Ok(m) => Ok((m, false)),
            Err(e) => invalid!("the stored model does not parse ({e}); run athar link --full"),
        },
        None => Ok((FsModel::default_model(), true)),
    }
}
