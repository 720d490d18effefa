//! Search for a missing person with the registry's live index: built once (at the first search
//! of a process, or a server's start), then kept current — the records an import adds and the
//! persons a link makes through this registry are put in it in place; before each search the
//! store's change stamp is compared with the index's, so that a write by another process (an
//! import from the command line while a server runs) is caught up before an answer is given,
//! never answered "not found" from a stale index. Owns the query's checks that need the
//! import's value tables (sex, status), the index's life and the searches' audit entries;
//! ranking is `athar-search`'s.

use crate::error::{invalid, Result};
use crate::{Action, Actor, Registry};
use athar_link::{AnalysisCache, FsModel, LinkRecord, TermCounts};
use athar_names::NameEngine;
use athar_search::{Index, IndexEntry, Query, RecordRef, SearchResults};
use athar_store::{ChangeStamp, ExportRow, LinkInput, Store};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::sync::Arc;

/// Why a search is made: an inquiry (by its reference) or a purpose stated in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchPurpose {
    Inquiry(String),
    Stated(String),
}

/// The index and the state of the store it holds.
pub(crate) struct LiveIndex {
    pub(crate) index: Index,
    pub(crate) stamp: ChangeStamp,
}

/// A query's sex and status read through the import's value tables (a value they do not know
/// is refused, naming the known ones), then the query's own checks (a usable name, a plausible
/// birth date, no pasted document).
/// A birth date as a person types it, in the store's ISO form: what an import accepts —
/// `1990`, `03/1990`, `12/03/1990` (day first unless `order` says month first), `1990-03-12`,
/// Arabic-Indic digits (`١٩٩٠`), month names, a range (`1989-1991` → `1989/1991`) and an
/// approximate year (`about 1990`, `حوالي 1990` → `~1990`, searched as 1990 ±2). A value the
/// import would refuse is refused with the import's reason.
pub fn born_iso(raw: &str, order: athar_ingest::dates::DateOrder) -> Result<String> {
    date_iso(raw, order, "birth date")
}

/// As [`born_iso`], for a date named `what` in the messages (`date of arrest`).
pub fn date_iso(raw: &str, order: athar_ingest::dates::DateOrder, what: &str) -> Result<String> {
    match athar_ingest::dates::parse_date(raw, order) {
        Ok(d) => Ok(d.to_iso()),
        Err(e) => invalid!(
            "{what} '{}': {e}; give a year (1990), a date (12/03/1990), a range (1989-1991) or about 1990",
            athar_store::escape_control(raw.trim())
        ),
    }
}

pub fn checked_query(mut query: Query) -> Result<Query> {
    use athar_ingest::values::{parse_sex, parse_status, Sex, Status};
    // What a person typed, read as an import reads a list's dates (day first: a caller that
    // knows another order reads it first with `born_iso`).
    if let Some(raw) = query.born.take().filter(|b| !b.trim().is_empty()) {
        query.born = Some(born_iso(&raw, athar_ingest::dates::DateOrder::Dmy)?);
    }
    if let Some(raw) = query.arrested.take().filter(|a| !a.trim().is_empty()) {
        query.arrested = Some(date_iso(&raw, athar_ingest::dates::DateOrder::Dmy, "date of arrest")?);
    }
    query.sex = known(query.sex.take(), parse_sex, |s| (s != Sex::Unknown).then(|| s.name()), "sex", "male or female")?;
    query.status = known(
        query.status.take(),
        parse_status,
        |s| (s != Status::Unknown).then(|| s.name()),
        "status",
        "missing, detained, released, deceased or identified",
    )?;
    query.check()?;
    Ok(query)
}

/// A value read through one of the import's value tables: its canonical name, `None` when not
/// given or given as unknown, an error naming the known values when the table does not know it.
fn known<T>(
    raw: Option<String>,
    parse: impl Fn(&str) -> Option<T>,
    name: impl Fn(T) -> Option<&'static str>,
    what: &str,
    values: &str,
) -> Result<Option<String>> {
    let Some(raw) = raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string) else {
        return Ok(None);
    };
    match parse(&raw) {
        Some(v) => Ok(name(v).map(str::to_string)),
        None => invalid!("{what} '{raw}' is not known; use {values} (or leave it out)"),
    }
}

/// One query of a batch: its id, and the query or why it could not be made.
pub struct BatchQuery {
    pub id: String,
    pub query: Result<Query>,
}

/// One answer of a batch.
pub struct BatchAnswer {
    pub id: String,
    pub answer: Result<SearchResults>,
}

/// What a search's audit entry keeps, encrypted: the query's text, the purpose given, and the
/// persons its answer showed (so that the data-protection officer's report of who saw a person
/// includes searches). Entries written before this was kept hold the text alone.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub(crate) struct SearchNote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default)]
    pub shown: Vec<String>,
}

impl SearchNote {
    pub(crate) fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The note of an entry's detail; an older entry's plain text shows no person.
    pub(crate) fn read(detail: &str) -> SearchNote {
        serde_json::from_str(detail)
            .unwrap_or_else(|_| SearchNote { query: Some(detail.to_string()), ..SearchNote::default() })
    }
}

/// Most persons a search returns.
pub const MAX_LIMIT: usize = athar_search::MAX_LIMIT;

/// A search asks for 1 to [`MAX_LIMIT`] persons: none asked for would answer "no one" for
/// a registry that holds the person.
fn check_limit(limit: usize) -> Result<()> {
    if limit == 0 {
        invalid!("--limit 0 asks for no person: ask for 1 to {MAX_LIMIT}");
    }
    if limit > MAX_LIMIT {
        invalid!("--limit {limit} is more than {MAX_LIMIT}; ask for at most {MAX_LIMIT} persons");
    }
    Ok(())
}

impl Registry {
    /// The persons who could be the one `query` describes, best first (see
    /// [`athar_search::Index::search`]); the search's text is noted in the audit chain, only
    /// encrypted, before the answer is returned.
    pub fn search(&self, actor: &Actor, query: &Query, limit: usize) -> Result<SearchResults> {
        self.search_noted(actor, query, limit, None, None)
    }

    /// A search whose audit entry names `target` and carries `why` (encrypted) with the query.
    fn search_noted(
        &self,
        actor: &Actor,
        query: &Query,
        limit: usize,
        target: Option<&str>,
        why: Option<&str>,
    ) -> Result<SearchResults> {
        actor.require(Action::Search)?;
        check_limit(limit)?;
        let query = checked_query(query.clone())?;
        let withheld = self.withheld(actor)?;
        // Asked for more when some persons are withheld, so that a page still holds `limit`.
        let wider = (limit + withheld.persons.len()).min(MAX_LIMIT);
        let found = self.with_index(|index| Ok(index.search(&query, wider)?))?;
        let mut found = withhold(found, &withheld, limit);
        self.shown_as_written(&mut found, &query)?;
        let detail = SearchNote {
            query: Some(query.text()),
            purpose: why.map(str::to_string),
            shown: found.results.iter().map(|r| r.person_id.clone()).collect(),
        };
        self.audit(actor, "search", target, Some(found.results.len() as i64), Some(&detail.text()))?;
        Ok(found)
    }

    /// A search made for a stated reason (the web application asks every search for one): an
    /// inquiry's reference — which must exist — or a purpose in words. The reference goes to
    /// the audit entry's target; the purpose, like the query, only encrypted.
    pub fn search_for(
        &self,
        actor: &Actor,
        query: &Query,
        limit: usize,
        purpose: &SearchPurpose,
    ) -> Result<SearchResults> {
        actor.require(Action::Search)?;
        let (target, why) = match purpose {
            SearchPurpose::Inquiry(reference) => {
                let reference = reference.trim();
                if self.read(|s| Ok(s.inquiry(reference)?))?.is_none() {
                    return Err(crate::RegistryError::NotFound(format!(
                        "there is no inquiry '{}'; give the reference of an inquiry, or state the search's purpose",
                        athar_store::escape_control(reference)
                    )));
                }
                (Some(format!("inquiry:{reference}")), None)
            }
            SearchPurpose::Stated(text) => {
                let text = text.trim();
                if text.chars().count() < 10 {
                    invalid!("state the search's purpose in a few words (10 characters at least), or give an inquiry's reference");
                }
                if text.chars().count() > 500 {
                    invalid!("the purpose is longer than 500 characters; say it shortly");
                }
                (None, Some(text))
            }
        };
        self.search_noted(actor, query, limit, target.as_deref(), why)
    }

    /// Many searches, in order, noted in the audit chain as one entry (`what`: the batch's
    /// name) before any answer is returned.
    pub fn search_batch(
        &self,
        actor: &Actor,
        what: &str,
        queries: Vec<BatchQuery>,
        limit: usize,
    ) -> Result<Vec<BatchAnswer>> {
        actor.require(Action::Search)?;
        check_limit(limit)?;
        let withheld = self.withheld(actor)?;
        let answered = self.with_index(|index| {
            Ok(queries
                .into_iter()
                .map(|q| {
                    let (answer, query) = match q.query.and_then(checked_query) {
                        Ok(query) => {
                            let wider = (limit + withheld.persons.len()).min(MAX_LIMIT);
                            let found = index.search(&query, wider).map(|f| withhold(f, &withheld, limit));
                            (found.map_err(Into::into), Some(query))
                        }
                        Err(e) => (Err(e), None),
                    };
                    (BatchAnswer { id: q.id, answer }, query)
                })
                .collect::<Vec<_>>())
        })?;
        let mut answers = Vec::with_capacity(answered.len());
        for (mut a, query) in answered {
            if let (Ok(found), Some(query)) = (a.answer.as_mut(), query.as_ref()) {
                self.shown_as_written(found, query)?;
            }
            answers.push(a);
        }
        // The persons each answer showed, for the report of who saw whom (not the queries' text).
        let shown = answers
            .iter()
            .filter_map(|a| a.answer.as_ref().ok())
            .flat_map(|found| found.results.iter().map(|r| r.person_id.clone()))
            .collect::<std::collections::BTreeSet<_>>();
        let detail = SearchNote { query: None, purpose: None, shown: shown.into_iter().collect() };
        self.audit(actor, "search.batch", Some(what), Some(answers.len() as i64), Some(&detail.text()))?;
        Ok(answers)
    }

    /// An answer's name values as the query and the records write them (`Ely`, not the `ely`
    /// the name engine read; see [`crate::review::shown_as_written`]).
    fn shown_as_written(&self, found: &mut SearchResults, query: &Query) -> Result<()> {
        let ids: Vec<i64> = found.results.iter().map(|m| m.explained_record).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let inputs: Vec<LinkInput> = self.read(|s| Ok(s.link_inputs_of(&ids)?))?.into_iter().map(|(i, _)| i).collect();
        let full = crate::review::full_names(inputs);
        for m in &mut found.results {
            let written = full.get(&m.explained_record).map(String::as_str);
            for l in &mut m.explanation {
                crate::review::shown_as_written(&l.field, &mut l.query, query.name.as_deref());
                crate::review::shown_as_written(&l.field, &mut l.record, written);
            }
        }
        Ok(())
    }

    /// Builds the live search index now (a server, at start), so that the first search does
    /// not wait for it; returns how many records it holds.
    pub fn prepare_search(&self) -> Result<usize> {
        self.refresh_index(None, true)?;
        let guard = self.search.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(guard.as_ref().map_or(0, |l| l.index.len()))
    }

    /// Runs `f` on the live index itself (a benchmark of the search, a measurement), noted in
    /// the audit chain as one entry (`what`: the work's name).
    pub fn on_index<T>(&self, actor: &Actor, what: &str, f: impl FnOnce(&Index) -> T) -> Result<T> {
        actor.require(Action::Search)?;
        let out = self.with_index(|index| Ok(f(index)))?;
        self.audit(actor, "search.bench", Some(what), None, None)?;
        Ok(out)
    }

    /// Runs `f` on the live index, built or caught up first when the store holds other data
    /// than the index (see the module documentation).
    pub(crate) fn with_index<T>(&self, f: impl FnOnce(&Index) -> Result<T>) -> Result<T> {
        let now = self.read(|s| Ok(s.change_stamp()?))?;
        {
            let guard = self.search.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(live) = guard.as_ref().filter(|l| l.stamp == now) {
                return f(&live.index);
            }
        }
        self.refresh_index(None, true)?;
        let guard = self.search.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let live = guard.as_ref().ok_or_else(|| crate::RegistryError::Invalid("internal: no index".into()))?;
        f(&live.index)
    }

    /// Brings the live index up to the store, in place where it can: the records added since
    /// (with their persons), the persons changed (only `changed` when this registry's own link
    /// made the one change since, else every record's), another model; a reindex or a restore
    /// builds it again. `build`: build it when there is none (else leave it unbuilt: a command
    /// that never searches does not pay for an index).
    pub(crate) fn refresh_index(&self, changed: Option<&[i64]>, build: bool) -> Result<()> {
        let names = self.names()?;
        let engine = names.engine();
        let mut guard = self.search.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.read(|store| {
            store.read_snapshot(|store| {
                let now = store.change_stamp()?;
                let held = guard.is_some();
                match guard.as_mut() {
                    Some(live) if live.stamp == now => {}
                    Some(live)
                        if now.derived_version == live.stamp.derived_version
                            && now.sites_version == live.stamp.sites_version
                            && now.last_record >= live.stamp.last_record =>
                    {
                        catch_up(live, store, engine, now, changed)?;
                    }
                    _ if build || held => {
                        // Stamped with the sites the names were built with: if another process
                        // added one since, the next call sees the difference and builds again.
                        let stamp = ChangeStamp { sites_version: names.sites_version(), ..now };
                        *guard = Some(LiveIndex { index: whole_index(store, engine)?, stamp });
                        self.index_builds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    _ => {}
                }
                Ok(())
            })
        })
    }

    /// Drops the live index: the next search builds it again (after a reindex, another model).
    pub(crate) fn forget_index(&self) {
        *self.search.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// Whether the live index is built (a server's, or a command's that searched).
    pub(crate) fn index_held(&self) -> bool {
        self.search.read().unwrap_or_else(std::sync::PoisonError::into_inner).is_some()
    }
}

/// The live index brought from its stamp to `now` in place.
fn catch_up(
    live: &mut LiveIndex,
    store: &Store,
    engine: &NameEngine,
    now: ChangeStamp,
    changed: Option<&[i64]>,
) -> Result<()> {
    let then = &live.stamp;
    if now.model_trained_at != then.model_trained_at {
        let model = match store.model()? {
            Some(_) => Some(crate::admin::stored_model(store)?.0),
            None => None,
        };
        live.index.set_model(model);
    }
    if now.persons_version != then.persons_version {
        match changed.filter(|_| now.persons_version == then.persons_version + 1) {
            // This registry's own incremental link, the one change since: only its records.
            Some(ids) => {
                let rows = store.person_export_of(ids)?;
                live.index.assign(rows.iter().filter_map(|(p, r, _, _)| Some((*r, p.as_deref()?))));
            }
            None => {
                let persons = store.persons_of_records()?;
                live.index.assign(persons.iter().map(|(r, p)| (*r, p.as_str())));
            }
        }
    }
    if now.last_record > then.last_record {
        let inputs: Vec<LinkInput> =
            store.link_inputs_after(then.last_record)?.into_iter().filter(|i| i.record_id <= now.last_record).collect();
        let ids: Vec<i64> = inputs.iter().map(|i| i.record_id).collect();
        let refs = store.person_export_of(&ids)?;
        let entries = entries_of(engine, inputs, refs);
        live.index.add(entries).map_err(|e| crate::RegistryError::Invalid(format!("internal: {e}")))?;
    }
    live.stamp = now;
    Ok(())
}

/// The store's records analysed in parallel (each name text once per thread, its analysis
/// shared by the records that hold it), their values not yet interned.
pub(crate) fn analysed_records(engine: &NameEngine, inputs: &[LinkInput]) -> Vec<LinkRecord> {
    inputs
        .par_iter()
        .map_init(AnalysisCache::default, |cache, input| {
            let fields: Vec<(&str, &str)> = input.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            LinkRecord::from_fields_cached(
                engine,
                &input.record_id.to_string(),
                &fields,
                input.national_id_hash.as_deref(),
                cache,
            )
            .with_registry_number(input.registry_number_hash.as_deref())
            .with_list(u32::try_from(input.source_id).ok())
        })
        .collect()
}

/// The search index over every record of the store, with their persons (a record not yet
/// linked is its own person, `R<record id>`) and the stored model (the built-in default before
/// any link).
pub(crate) fn whole_index(store: &Store, engine: &NameEngine) -> Result<Index> {
    let inputs = store.link_inputs()?;
    let refs = store.person_export()?;
    index_of(store, engine, inputs, refs, None)
}

/// The index's entries of records (`inputs`, with their `refs` as the persons export gives
/// them): analysed, with their provenance and person (a record not yet linked is its own
/// person, `R<record id>`).
fn entries_of(engine: &NameEngine, inputs: Vec<LinkInput>, refs: Vec<ExportRow>) -> Vec<IndexEntry> {
    let records = analysed_records(engine, &inputs);
    entries_with(records, inputs, refs)
}

fn entries_with(records: Vec<LinkRecord>, inputs: Vec<LinkInput>, refs: Vec<ExportRow>) -> Vec<IndexEntry> {
    // Each source's name held once.
    let mut sources: FxHashMap<String, Arc<str>> = FxHashMap::default();
    let mut refs: FxHashMap<i64, RecordRef> = refs
        .into_iter()
        .map(|(p, rid, source, srid)| {
            let source = sources.entry(source).or_insert_with_key(|s| s.as_str().into()).clone();
            let person = p.unwrap_or_else(|| format!("R{rid}"));
            (rid, RecordRef::new(rid, &person, source, srid.as_deref()))
        })
        .collect();
    let field = |i: &LinkInput, k: &str| i.fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.clone());
    records
        .into_iter()
        .zip(&inputs)
        .filter_map(|(record, input)| {
            Some(IndexEntry {
                record,
                reference: refs.remove(&input.record_id)?,
                facility: field(input, "facility"),
                status: field(input, "status"),
            })
        })
        .collect()
}

/// An index over some records only (`inputs`, with their `refs` as the persons export gives
/// them), names weighed by `counts` when given (`true`: they already count these records;
/// `false`: the records are added to them).
pub(crate) fn index_of(
    store: &Store,
    engine: &NameEngine,
    inputs: Vec<LinkInput>,
    refs: Vec<ExportRow>,
    counts: Option<(TermCounts, bool)>,
) -> Result<Index> {
    let records = analysed_records(engine, &inputs);
    let counts = counts.map(|(mut c, counted)| {
        if !counted {
            c.add(&TermCounts::of(&records));
        }
        c
    });
    let model: Option<FsModel> = match store.model()? {
        Some(_) => Some(crate::admin::stored_model(store)?.0),
        None => None,
    };
    let entries = entries_with(records, inputs, refs);
    Ok(Index::with_counts(engine.clone(), entries, model, counts))
}

/// The answer without the persons `withheld` holds (counted instead), at most `limit`.
fn withhold(mut found: SearchResults, withheld: &crate::sensitivity::Withheld, limit: usize) -> SearchResults {
    if !withheld.is_empty() {
        let before = found.results.len();
        found
            .results
            .retain(|m| !withheld.person(&m.person_id) && !m.records.iter().any(|r| withheld.record(r.record_id)));
        found.withheld = before - found.results.len();
    }
    found.results.truncate(limit);
    found
}

#[cfg(test)]
mod born_tests {
    use super::*;
    use athar_ingest::dates::DateOrder;

    #[test]
    fn a_typed_birth_date_is_read_as_an_import_reads_one_and_stays_the_same_when_read_again() {
        let iso = |raw: &str| born_iso(raw, DateOrder::Dmy).expect(raw);
        assert_eq!(iso("1990"), "1990");
        assert_eq!(iso("١٩٩٠"), "1990");
        assert_eq!(iso("12/03/1990"), "1990-03-12");
        assert_eq!(born_iso("12/03/1990", DateOrder::Mdy).expect("mdy"), "1990-12-03");
        assert_eq!(iso("1989-1991"), "1989/1991");
        assert_eq!(iso("about 1990"), "~1990");
        assert_eq!(iso("حوالي 1990"), "~1990");
        for again in ["1990", "1990-03-12", "1989/1991", "~1990"] {
            assert_eq!(iso(again), again, "ISO stays ISO");
        }
        let e = born_iso("31/02/1990", DateOrder::Dmy).expect_err("no such day");
        assert!(e.to_string().contains("February"), "{e}");
        assert!(born_iso("yesterday", DateOrder::Dmy).is_err());
    }
}
