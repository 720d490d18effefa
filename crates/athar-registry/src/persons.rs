//! Persons: a person's records side by side, where a person id came from, splitting a person
//! (a set of judgements every later link keeps), and the export of every record with its
//! person. Owns these use-cases; keeping ids stable is the store's.

use crate::error::Result;
use crate::{Action, Actor, Registry, RegistryError};
use athar_store::{LineageEvent, RecordView};
use serde::Serialize;
use std::collections::HashMap;

/// A person and their records.
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub person_id: String,
    pub records: Vec<RecordView>,
    /// How many of the person's records are marked sensitive and not shown to the one asking.
    pub withheld: usize,
    /// The sensitivity flags of the records shown (for those who may see sensitive records).
    pub flags: std::collections::BTreeMap<String, Vec<String>>,
}

/// What a split did.
#[derive(Debug, Clone, Serialize)]
pub struct SplitReport {
    pub person_id: String,
    pub moved: usize,
}

/// A record of the export: every record exactly once, with its person (a record that matched
/// nobody is its own person, `R<record id>`).
#[derive(Debug, Clone, Serialize)]
pub struct ExportRecord {
    pub person_id: String,
    pub record_id: String,
    pub source: String,
    pub source_record_id: Option<String>,
}

impl Registry {
    /// The record ids of a person: the persons of the last link, or `R<id>`, a record that is
    /// its own person (not linked yet, or matched nobody) — as search answers them. A person
    /// that holds no record is not found: never an empty answer for a mistyped id.
    pub(crate) fn person_record_ids(&self, s: &athar_store::Store, person: &str) -> Result<Vec<i64>> {
        let mut ids = s.person_records(person)?;
        if ids.is_empty() {
            if let Some(id) = person.strip_prefix('R').and_then(|r| r.parse::<i64>().ok()) {
                if s.record(&id.to_string())?.is_some() {
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            return Err(RegistryError::NotFound(format!(
                "no person '{}' (a person id as search shows it, or R<record id>)",
                athar_store::escape_control(person)
            )));
        }
        Ok(ids)
    }

    /// A person's records side by side, with their sources.
    pub fn person(&self, actor: &Actor, person: &str) -> Result<PersonView> {
        actor.require(Action::ReadRecords)?;
        let withheld = self.withheld(actor)?;
        let (records, hidden, flags) = self.read(|s| {
            let ids = self.person_record_ids(s, person)?;
            let hidden = ids.iter().filter(|id| withheld.record(**id)).count();
            let records = ids
                .iter()
                .filter(|id| !withheld.record(**id))
                .filter_map(|id| s.record(&id.to_string()).ok().flatten())
                .collect::<Vec<_>>();
            let flags = if actor.may(Action::Sensitive) {
                let all = s.flagged_records()?;
                ids.iter().filter_map(|id| all.get(id).map(|f| (id.to_string(), f.clone()))).collect()
            } else {
                Default::default()
            };
            Ok((records, hidden, flags))
        })?;
        self.audit(actor, "persons.show", Some(&format!("person:{person}")), Some(records.len() as i64), None)?;
        Ok(PersonView { person_id: person.to_string(), records, withheld: hidden, flags })
    }

    /// Where a person id came from: creations, merges, splits.
    pub fn person_history(&self, actor: &Actor, person: &str) -> Result<Vec<LineageEvent>> {
        actor.require(Action::ReadRecords)?;
        let events = self.read(|s| Ok(s.lineage(person)?))?;
        if events.is_empty() {
            return Err(RegistryError::NotFound(format!("no history for '{person}'")));
        }
        Ok(events)
    }

    /// Moves `records` out of `person` into a new person: judgements (the moved records are
    /// different from the rest, the same among themselves) that every later link keeps, and
    /// the persons as they are after it — one write.
    pub fn split(&self, actor: &Actor, person: &str, records: &[String]) -> Result<SplitReport> {
        actor.require(Action::Judge)?;
        self.write(|store| {
            let members = store.person_records(person)?;
            if members.is_empty() {
                return Err(RegistryError::NotFound(format!("no person '{person}'")));
            }
            if records.is_empty() {
                return Err(RegistryError::Invalid(format!("name the records to move out of {person}")));
            }
            let mut moved = Vec::new();
            for r in records {
                let id = store
                    .record_id(r)?
                    .ok_or_else(|| RegistryError::NotFound(format!("no record '{r}'; nothing changed")))?;
                if !members.contains(&id) {
                    return Err(RegistryError::Invalid(format!(
                        "record {id} is not in person {person}; nothing changed"
                    )));
                }
                moved.push(id);
            }
            if moved.len() == members.len() {
                return Err(RegistryError::Invalid(format!(
                    "that would move every record of {person}; nothing changed"
                )));
            }
            // One write, locked from its start: the judgements that make the split last and the
            // persons as they are after it.
            store.in_transaction(|store| {
                if store.person_records(person)? != members {
                    return Err(athar_store::StoreError::Busy(format!(
                        "person {person} changed while the split was prepared; nothing changed — try again"
                    )));
                }
                let note = format!("split of {person}");
                for &m in &moved {
                    for &o in members.iter().filter(|o| !moved.contains(o)) {
                        store.add_judgement(m, o, "different", Some(&note), &actor.name)?;
                    }
                }
                for w in moved.windows(2) {
                    store.add_judgement(w[0], w[1], "same", Some(&note), &actor.name)?;
                }
                let rest: Vec<i64> = members.iter().copied().filter(|o| !moved.contains(o)).collect();
                let mut groups = vec![rest, moved.clone()];
                // Other persons stay as they are.
                let mut others: HashMap<String, Vec<i64>> = HashMap::new();
                for (r, p) in store.persons_of_records()? {
                    if p != person {
                        others.entry(p).or_default().push(r);
                    }
                }
                let mut others: Vec<Vec<i64>> = others.into_values().collect();
                for g in &mut others {
                    g.sort_unstable();
                }
                others.sort();
                groups.extend(others);
                let review = store.review_pairs()?;
                store.save_persons(&groups, &review, &[], &actor.name, "persons.split", None)
            })?;
            Ok(SplitReport { person_id: person.to_string(), moved: moved.len() })
        })
        .and_then(|r| {
            self.refresh_index(None, false)?;
            Ok(r)
        })
    }

    /// Every record exactly once with its person (records that matched nobody included), noted
    /// in the audit chain (`target`: where it goes) before it is returned.
    pub fn export_persons(&self, actor: &Actor, target: &str) -> Result<Vec<ExportRecord>> {
        let rows = self.person_export_rows(actor)?;
        self.audit(actor, "export.persons", Some(target), Some(rows.len() as i64), None)?;
        Ok(rows)
    }

    /// Every record once with its person, not yet audited (the caller notes the export).
    pub(crate) fn person_export_rows(&self, actor: &Actor) -> Result<Vec<ExportRecord>> {
        actor.require(Action::Export)?;
        let rows = self.read(|s| Ok(s.person_export()?))?;
        Ok(rows
            .into_iter()
            .map(|(p, r, source, srid)| ExportRecord {
                person_id: p.unwrap_or_else(|| format!("R{r}")),
                record_id: r.to_string(),
                source,
                source_record_id: srid,
            })
            .collect())
    }
}
