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
    /// What stored reports say of the records shown: the report, where, the text there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<athar_store::ReportMention>,
}

/// What a split did.
#[derive(Debug, Clone, Serialize)]
pub struct SplitReport {
    /// The person split.
    pub person_id: String,
    pub moved: usize,
    /// The person the moved records now make (`R<record id>` for one record alone).
    pub new_person_id: String,
}

/// A record of the export: every record exactly once, with its person (a record that matched
/// nobody is its own person, `R<record id>`).
#[derive(Debug, Clone, Serialize)]
pub struct ExportRecord {
    pub person_id: String,
    pub record_id: String,
    pub source: String,
    pub source_record_id: Option<String>,
    /// What the person's records say, for a reader of the export (see [`PersonSummary`]).
    pub person: PersonSummary,
}

/// A person as a list shows them: their best name in each script (the fullest one their
/// records write in it), the birth year, status and place of detention most of their records
/// give.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonSummary {
    pub person_id: String,
    pub records: usize,
    pub names: Vec<String>,
    pub born: Option<String>,
    pub status: Option<String>,
    pub facility: Option<String>,
}

impl ExportRecord {
    /// The columns of a persons export, in order.
    pub const COLUMNS: [&'static str; 8] = [
        "person_id",
        "record_id",
        "source",
        "source_record_id",
        "person_names",
        "person_born",
        "person_status",
        "person_facility",
    ];

    /// The row's cells, in the order of [`ExportRecord::COLUMNS`].
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.person_id.clone(),
            self.record_id.clone(),
            self.source.clone(),
            self.source_record_id.clone().unwrap_or_default(),
            self.person.names.join(" / "),
            self.person.born.clone().unwrap_or_default(),
            self.person.status.clone().unwrap_or_default(),
            self.person.facility.clone().unwrap_or_default(),
        ]
    }
}

impl PersonSummary {
    /// One line: "P12  محمد أحمد الحلبي / Mohammed Ahmad al-Halabi · born 1985 · detained · Saydnaya (3 records)".
    pub fn line(&self) -> String {
        let mut parts = self.parts();
        let head = parts.remove(0);
        format!("{head}  {}", parts.join(" · "))
    }

    /// The parts of [`PersonSummary::line`]: the person's id, then each part.
    pub fn parts(&self) -> Vec<String> {
        let mut parts = vec![if self.names.is_empty() { "(no name)".to_string() } else { self.names.join(" / ") }];
        if let Some(b) = &self.born {
            parts.push(format!("born {b}"));
        }
        parts.extend(self.status.iter().cloned());
        parts.extend(self.facility.iter().cloned());
        let last = parts.len() - 1;
        parts[last].push_str(&format!(" ({})", crate::count(self.records, "record", "records")));
        parts.insert(0, self.person_id.clone());
        parts
    }
}

/// The persons of `inputs` (each record's person in `persons`; a record in none is its own,
/// `R<id>`), summarised, in person-id order (P2 before P10).
fn summaries(inputs: &[athar_store::LinkInput], persons: &HashMap<i64, String>) -> Vec<PersonSummary> {
    use athar_names::script::detect_script;
    let mut by: HashMap<String, Vec<&athar_store::LinkInput>> = HashMap::new();
    for i in inputs {
        let p = persons.get(&i.record_id).cloned().unwrap_or_else(|| format!("R{}", i.record_id));
        by.entry(p).or_default().push(i);
    }
    let most = |values: Vec<String>| -> Option<String> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for v in values.into_iter().filter(|v| !v.trim().is_empty()) {
            *counts.entry(v).or_default() += 1;
        }
        counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0))).map(|(v, _)| v)
    };
    let mut out: Vec<PersonSummary> = by
        .into_iter()
        .map(|(person_id, recs)| {
            let get = |i: &athar_store::LinkInput, k: &str| {
                i.fields.iter().find(|(f, v)| *f == k && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string())
            };
            let mut best: Vec<(athar_names::Script, String)> = Vec::new();
            for i in &recs {
                let name = get(i, "full_name").unwrap_or_else(|| {
                    ["given_name", "father_name", "grandfather_name", "family_name"]
                        .iter()
                        .filter_map(|k| get(i, k))
                        .collect::<Vec<_>>()
                        .join(" ")
                });
                if name.is_empty() {
                    continue;
                }
                let script = detect_script(&name);
                match best.iter_mut().find(|(s, _)| *s == script) {
                    Some((_, b)) if name.chars().count() > b.chars().count() => *b = name,
                    Some(_) => {}
                    None => best.push((script, name)),
                }
            }
            best.sort_by_key(|(s, _)| format!("{s:?}"));
            PersonSummary {
                records: recs.len(),
                names: best.into_iter().map(|(_, n)| n).collect(),
                born: most(
                    recs.iter()
                        .filter_map(|i| get(i, "birth_date"))
                        .filter_map(|d| athar_link::BirthDate::parse_iso(&d))
                        .map(|b| b.year.to_string())
                        .collect(),
                ),
                status: most(recs.iter().filter_map(|i| get(i, "status")).filter(|s| s != "unknown").collect()),
                facility: most(recs.iter().filter_map(|i| get(i, "facility")).collect()),
                person_id,
            }
        })
        .collect();
    let key =
        |p: &str| (p.chars().next(), p.get(1..).and_then(|n| n.parse::<u64>().ok()).unwrap_or(u64::MAX), p.to_string());
    out.sort_by_key(|s| key(&s.person_id));
    out
}

/// A page of persons.
#[derive(Debug, Clone, Serialize)]
pub struct PersonsPage {
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub persons: Vec<PersonSummary>,
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
        let (records, hidden, flags, reports) = self.read(|s| {
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
            let shown: Vec<i64> = ids.iter().copied().filter(|id| !withheld.record(*id)).collect();
            let reports = s.report_mentions_of_records(&shown)?;
            Ok((records, hidden, flags, reports))
        })?;
        let mut records = records;
        Registry::resolve_places(&mut records, self.names()?.scanner()?);
        self.audit(actor, "persons.show", Some(&format!("person:{person}")), Some(records.len() as i64), None)?;
        Ok(PersonView { person_id: person.to_string(), records, withheld: hidden, flags, reports })
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
            let new = store.in_transaction(|store| {
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
                store.save_persons(&groups, &review, &[], &actor.name, "persons.split", None)?;
                let first = moved[0];
                Ok(store.person_export_of(&[first])?.into_iter().next().and_then(|row| row.0))
            })?;
            Ok(SplitReport {
                person_id: person.to_string(),
                moved: moved.len(),
                new_person_id: new.unwrap_or_else(|| format!("R{}", moved[0])),
            })
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

    /// Every record once with its person and what the person's records say, not yet audited
    /// (the caller notes the export).
    pub(crate) fn person_export_rows(&self, actor: &Actor) -> Result<Vec<ExportRecord>> {
        actor.require(Action::Export)?;
        let (rows, summaries) =
            self.read(|s| Ok((s.person_export()?, summaries(&s.link_inputs()?, &s.persons_of_records()?))))?;
        let by: HashMap<&str, &PersonSummary> = summaries.iter().map(|p| (p.person_id.as_str(), p)).collect();
        Ok(rows
            .into_iter()
            .map(|(p, r, source, srid)| {
                let person_id = p.unwrap_or_else(|| format!("R{r}"));
                let person = by.get(person_id.as_str()).map(|p| (*p).clone()).unwrap_or_default();
                ExportRecord { person_id, record_id: r.to_string(), source, source_record_id: srid, person }
            })
            .collect())
    }

    /// The persons, a page at a time in person-id order, each with their best names (one per
    /// script), birth year, status and place of detention. Records withheld from the one asking
    /// are left out (a person all of whose records are withheld is not listed); the page is
    /// audited.
    pub fn persons_list(&self, actor: &Actor, limit: usize, page: usize) -> Result<PersonsPage> {
        actor.require(Action::ReadRecords)?;
        if limit == 0 || limit > 1000 || page == 0 {
            return Err(RegistryError::Invalid("--limit is 1 to 1000 persons a page, --page counts from 1".into()));
        }
        let withheld = self.withheld(actor)?;
        let all = self.read(|s| {
            let mut inputs = s.link_inputs()?;
            inputs.retain(|i| !withheld.record(i.record_id));
            Ok(summaries(&inputs, &s.persons_of_records()?))
        })?;
        let total = all.len();
        let from = (page - 1)
            .checked_mul(limit)
            .ok_or_else(|| RegistryError::Invalid(format!("--page {page} is past the end")))?;
        let persons: Vec<PersonSummary> = all.into_iter().skip(from).take(limit).collect();
        self.audit(actor, "persons.list", None, Some(persons.len() as i64), None)?;
        Ok(PersonsPage { total, page, pages: total.div_ceil(limit).max(1), persons })
    }

    /// The persons whose name looks like `name`, best first, each as `persons list` shows
    /// them (every record of the person counted, not only those the name found), with the
    /// search's probability. A search of the registry: audited and limited as one.
    pub fn persons_find(&self, actor: &Actor, name: &str, limit: usize) -> Result<Vec<FoundPerson>> {
        actor.require(Action::ReadRecords)?;
        let query = athar_search::Query { name: Some(name.to_string()), ..athar_search::Query::default() };
        let found = self.search(actor, &query, limit)?;
        let withheld = self.withheld(actor)?;
        self.read(|s| {
            let mut out = Vec::with_capacity(found.results.len());
            for m in &found.results {
                let mut ids = s.person_records(&m.person_id)?;
                if ids.is_empty() {
                    ids = m.records.iter().map(|r| r.record_id).collect();
                }
                ids.retain(|id| !withheld.record(*id));
                let inputs: Vec<athar_store::LinkInput> = s.link_inputs_of(&ids)?.into_iter().map(|(i, _)| i).collect();
                let persons: HashMap<i64, String> = ids.iter().map(|id| (*id, m.person_id.clone())).collect();
                if let Some(person) = summaries(&inputs, &persons).into_iter().next() {
                    out.push(FoundPerson { person, probability: m.probability });
                }
            }
            Ok(out)
        })
    }
}

/// A person found by name (see [`Registry::persons_find`]).
#[derive(Debug, Clone, Serialize)]
pub struct FoundPerson {
    #[serde(flatten)]
    pub person: PersonSummary,
    pub probability: f64,
}
