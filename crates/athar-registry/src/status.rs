//! A person's status over time: what each of their records' lists state (with the event date
//! the list gives), and the changes caseworkers recorded, each with its evidence — a source of
//! the registry or a note, never neither. Owns the timeline and the rule on evidence; the
//! events are stored and sealed by the store.

use crate::error::{invalid, Result};
use crate::{Action, Actor, Registry, RegistryError};
use serde::Serialize;

/// The statuses a change may record.
pub const STATUSES: [&str; 5] = ["missing", "detained", "released", "deceased", "identified"];

/// One step of a person's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// When, as precise as the evidence says.
    pub date: Option<String>,
    pub status: String,
    /// `list`: a record's list states it; `recorded`: a caseworker recorded it.
    pub kind: &'static str,
    pub record_id: String,
    /// The list (for `list`), or the source cited as evidence.
    pub source: Option<String>,
    pub note: Option<String>,
    /// Who recorded it, and when (for `recorded`).
    pub actor: Option<String>,
    pub at: Option<String>,
}

/// A partial date: YYYY, YYYY-MM or YYYY-MM-DD, a real one.
fn check_date(d: &str) -> Result<()> {
    let parts: Vec<&str> = d.split('-').collect();
    let ok = match parts.as_slice() {
        [y] => y.len() == 4 && y.parse::<i32>().is_ok_and(|y| (1900..=2100).contains(&y)),
        [y, m] => {
            y.len() == 4 && m.len() == 2 && chrono::NaiveDate::parse_from_str(&format!("{d}-01"), "%Y-%m-%d").is_ok()
        }
        [_, _, _] => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(),
        _ => false,
    };
    if !ok {
        invalid!("'{}' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD", athar_store::escape_control(d));
    }
    Ok(())
}

impl Registry {
    /// Records a status change for `person`, with its evidence: a source (by name or id) of the
    /// registry, a note, or both.
    pub fn record_status(
        &self,
        actor: &Actor,
        person: &str,
        status: &str,
        date: Option<&str>,
        source: Option<&str>,
        note: Option<&str>,
    ) -> Result<i64> {
        actor.require(Action::Judge)?;
        let status = status.trim().to_lowercase();
        if !STATUSES.contains(&status.as_str()) {
            invalid!("'{}' is not a status; use {}", athar_store::escape_control(&status), STATUSES.join(", "));
        }
        let (source, note) =
            (source.map(str::trim).filter(|s| !s.is_empty()), note.map(str::trim).filter(|s| !s.is_empty()));
        if source.is_none() && note.is_none() {
            invalid!("a status change needs its evidence: a source of the registry, a note, or both");
        }
        let date = date.map(str::trim).filter(|d| !d.is_empty());
        if let Some(d) = date {
            check_date(d)?;
        }
        let withheld = self.withheld(actor)?;
        self.write(|s| {
            let records = self.person_record_ids(s, person)?;
            let Some(anchor) = records.iter().copied().find(|r| !withheld.record(*r)) else {
                return Err(RegistryError::Withheld(format!("the records of {person} are marked sensitive")));
            };
            let source_id = match source {
                Some(name) => Some(
                    s.source_by_name(name)?
                        .ok_or_else(|| {
                            RegistryError::NotFound(format!(
                                "there is no source '{}' to cite; see the list of sources",
                                athar_store::escape_control(name)
                            ))
                        })?
                        .source_id
                        .parse::<i64>()
                        .map_err(|_| RegistryError::Invalid("internal: a source id".into()))?,
                ),
                None => None,
            };
            Ok(s.add_status_event(anchor, &status, date, source_id, note, &actor.name)?)
        })
    }

    /// A person's status over time: what the lists of their records state, and the changes
    /// recorded, by date (undated last). Records an actor may not see are left out.
    pub fn status_timeline(&self, actor: &Actor, person: &str) -> Result<Vec<TimelineEntry>> {
        actor.require(Action::ReadRecords)?;
        let withheld = self.withheld(actor)?;
        let mut out = self.read(|s| {
            let ids: Vec<i64> =
                self.person_record_ids(s, person)?.into_iter().filter(|r| !withheld.record(*r)).collect();
            let mut out = Vec::new();
            for id in &ids {
                let Some(view) = s.record(&id.to_string())? else { continue };
                let field = |k: &str| view.derived.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
                if let Some(status) = field("status").filter(|v| !v.is_empty() && v != "unknown") {
                    out.push(TimelineEntry {
                        date: field("event_date").filter(|d| !d.is_empty()),
                        status,
                        kind: "list",
                        record_id: view.record_id.clone(),
                        source: Some(view.source.clone()),
                        note: None,
                        actor: None,
                        at: None,
                    });
                }
            }
            for e in s.status_events(&ids)? {
                out.push(TimelineEntry {
                    date: e.event_date,
                    status: e.status,
                    kind: "recorded",
                    record_id: e.record_id.to_string(),
                    source: e.source,
                    note: e.note,
                    actor: Some(e.actor),
                    at: Some(e.at),
                });
            }
            Ok(out)
        })?;
        out.sort_by(|a, b| (a.date.is_none(), &a.date, &a.at).cmp(&(b.date.is_none(), &b.date, &b.at)));
        Ok(out)
    }
}
