//! The candidate index and the search over it: name keys → records, the rare names read first
//! and two common ones together, the linkage model's comparisons on the candidates, the best
//! record per person, explained. Owns ranking; not the reading of the store, nor printing.

use crate::query::{Query, QueryError};
use athar_link::record::{NO_VALUE as NO_VALUE_ID, VALUE_SLOTS};
use athar_link::{
    compare_cached_as_read, compare_straight, ComparisonKind, FsModel, LevelCache, LineKind, LinkRecord, TermCounts,
    TermFrequencies,
};
use athar_names::{NameAnalysis, NameEngine, Text};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Serialize, Serializer};
use std::sync::Arc;

/// Where a record comes from and which person it belongs to. Short texts inline, the source
/// shared: a million of them are held at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRef {
    #[serde(serialize_with = "as_text")]
    pub record_id: i64,
    /// The person the record belongs to (before any link, the record is its own person).
    #[serde(skip)]
    pub person_id: Text,
    #[serde(serialize_with = "as_str")]
    pub source: Arc<str>,
    pub source_record_id: Option<Text>,
}

fn as_text<S: Serializer>(id: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}

fn as_str<S: Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

impl RecordRef {
    pub fn new(
        record_id: i64,
        person_id: &str,
        source: impl Into<Arc<str>>,
        source_record_id: Option<&str>,
    ) -> RecordRef {
        RecordRef {
            record_id,
            person_id: Text::from(person_id),
            source: source.into(),
            source_record_id: source_record_id.map(Text::from),
        }
    }
}

/// A record as the index takes it: its fields for comparison, its provenance and person, and
/// the two facts a query can filter on.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub record: LinkRecord,
    pub reference: RecordRef,
    /// The place of detention the record names.
    pub facility: Option<String>,
    /// The record's canonical status (`detained`, `released` …).
    pub status: Option<String>,
}

/// One line of a match's explanation: a comparison, the two values, the level and its weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explained {
    pub field: String,
    pub query: Option<String>,
    pub record: Option<String>,
    pub level: String,
    /// The name engine's reason for a name or a place (`both are forms of 'muhammad'`,
    /// `same name in another script`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Bits of evidence, rounded to two decimals.
    pub weight: f64,
}

/// A person who could be the one sought: the model's probability for the best of their
/// records, the records the query found, and why the best one matches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonMatch {
    pub person_id: String,
    pub probability: f64,
    pub records: Vec<RecordRef>,
    pub explanation: Vec<Explained>,
    /// The record the explanation is of (the person's best).
    #[serde(skip)]
    pub explained_record: i64,
    /// How the query's name was read for this person when not as written: `family name first`
    /// (see [`Query`]'s other reading), which must beat the reading as written by more than
    /// [`OTHER_ORDER_BITS`] to be taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<&'static str>,
}

/// What reading a query's name family name first costs, in bits of evidence: the order as
/// written wins unless the other one is clearly better (a namesake must not rise by a reading
/// that fits no one better).
pub const OTHER_ORDER_BITS: f64 = 2.0;

/// How many of its candidates the other reading scores.
pub const OTHER_ORDER_CANDIDATES: usize = 50;

/// A probability at which the order as written has found its person: the other reading is
/// not tried.
pub const SURE_AS_WRITTEN: f64 = 0.5;

/// Per person: the best probability, its record, the records found, whether the best came from
/// the other reading of the name.
type ByPerson<'a> = FxHashMap<&'a str, PersonBest>;

/// A person's best probability, its record, the records found, whether from the other reading.
type PersonBest = (f64, u32, Vec<u32>, bool);

/// A search's answer: persons, best first, and how many records were scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub results: Vec<PersonMatch>,
    pub candidates: usize,
    /// Persons that matched but are not shown to the one asking (records marked sensitive,
    /// withheld by the registry from roles that may not see them): said, never left out in
    /// silence.
    #[serde(skip_serializing_if = "is_zero")]
    pub withheld: usize,
    /// More persons than asked for fit the fields given about as well as the best: the list
    /// cannot tell them apart, and a field the family may know would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambiguous: Option<Ambiguity>,
}

/// Namesakes the fields given cannot tell apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ambiguity {
    /// Persons within [`AMBIGUOUS_BITS`] of the best (the best included).
    pub persons: usize,
    /// The count stopped at the candidates scored ([`MAX_CANDIDATES`]): there may be more.
    pub at_least: bool,
    /// Fields the query did not give on which these persons' records differ, most telling
    /// first (`mother_name`, `birth_date` …): asking the family for one would separate them.
    pub separating: Vec<&'static str>,
}

/// Persons whose odds are within this many bits (a factor of four) of the best one's fit the
/// query as well, as far as its fields can tell: a name alone is weighed by how its spellings
/// agree and how rare each is, which says little about who is who. The queries of `athar eval`
/// stripped to the name (the first 3,000 at 100,000 generated persons): misses at 10 said
/// ambiguous 62.3 % with 1 bit, 72.8 % with 2, 78.7 % with 3; persons first yet said ambiguous
/// 8.0, 8.9 and 10.1 %. With the mother's name or the birth year, 9 and 11 of 6,624 firsts.
pub const AMBIGUOUS_BITS: f64 = 2.0;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Most persons a search returns.
pub const MAX_LIMIT: usize = 100;

/// Most candidates scored for one query: the records that share the rarest keys with it. A
/// common name alone never scans everything. 200 would save a third of the scoring but lose
/// recall@10 (0.992 to 0.990 at 15k generated records, 0.901 to 0.891 at 150k): a family's
/// search needs the recall more than the millisecond.
pub const MAX_CANDIDATES: usize = 300;

/// While fewer records than this were found, each rare name's records are read in full. The
/// person's own names and the mother's each draw such a pool, and each gives its best this
/// many records at most (ranked by the query's keys they hold, each looked up in the record's
/// sorted keys, and the birth year).
const POOL: usize = 4 * MAX_CANDIDATES;

/// A name whose longest key list is longer than this is common: its records are read only
/// where they hold a second common name of the query too (or where nothing else was found),
/// so that "Mohammed" alone never costs a pass over a fifth of the registry.
const SCAN_MAX: usize = 8 * POOL;

/// The most records the common names add to a pool (see `candidates`): those holding two of
/// them, or one where nothing else was found; the own names' pool, or the mother's when the
/// own names found none.
const BIG_POOL: usize = 4 * SCAN_MAX;

/// What a birth year within one year adds to a candidate's key weight (and a farther one
/// takes away): about the rarity of one year among the decades of a registry.
const YEAR_AGREES: f32 = 3.0;

/// Skeletons shorter than this are not read a letter short: most given names' skeletons have
/// four letters or fewer, and a letter short they are other names (Muhammad's MHMD: Ahmad's
/// HMD).
const LETTER_SHORT_MIN: usize = 5;

/// No facility or status stated.
const NO_VALUE: u32 = u32::MAX;

/// The value id of every query value: no record's value has it (record value ids count up
/// from 0).
const QUERY_VALUE: u32 = u32::MAX - 1;

/// Least name score of two facility names for the same place (Saydnaya, Sednaya prison,
/// صيدنايا).
const SAME_FACILITY: f64 = 0.85;

/// Why records could not be added to an index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("records must be added in record order, after those indexed (record {first} after {last})")]
    OutOfOrder { first: i64, last: i64 },
}

/// The registry's records by their name keys, with the model that scores them. Built once
/// (a process, a server start) and kept current in place ([`Index::add`], [`Index::assign`],
/// [`Index::set_model`]); a search only reads it, so many can run at once.
pub struct Index {
    engine: NameEngine,
    records: Vec<LinkRecord>,
    /// Each record's birth date, apart from the record: the candidates of a common name read
    /// tens of thousands of them.
    births: Vec<Option<athar_link::record::BirthDate>>,
    refs: Vec<RecordRef>,
    /// Each record's facility and status, as an index into `values` ([`NO_VALUE`]: none
    /// stated): a registry names few of each.
    facility: Vec<u32>,
    status: Vec<u32>,
    values: Vec<Box<str>>,
    by_key: FxHashMap<u64, Vec<u32>>,
    /// Each record's keys, sorted: `keys_of[key_start[r]..key_start[r + 1]]` (whether a record
    /// holds a common key is asked of the record, not of the key's long list).
    key_start: Vec<u32>,
    keys_of: Vec<u64>,
    model: FsModel,
    /// The model is the built-in default, its prior one person among the records (which
    /// follows the records added).
    default_model: bool,
    tf: TermFrequencies,
    /// The ids given to name texts, and to facility and status texts: records added later get
    /// the same ids for the same texts.
    interner: athar_link::ValueInterner,
    value_ids: FxHashMap<Box<str>, u32>,
    /// The distinct name parts the records hold, built when a text is first read for names
    /// (and again after records are added).
    registered: std::sync::OnceLock<crate::registered::RegisteredParts>,
    /// The registered forms each word read in texts is the same name as (see
    /// [`Index::same_forms`]), by the word and whether all were asked for: what the registry
    /// holds, not what any text asked, so a word of many reports (Mohammed, Aleppo, Ministry)
    /// is looked up once. Emptied with `registered`, and when it holds [`MOST_WORDS_KEPT`].
    forms_of_words: std::sync::Mutex<FxHashMap<(Box<str>, bool), crate::registered::SameForms>>,
}

/// Most words whose registered forms [`Index`] keeps.
const MOST_WORDS_KEPT: usize = 200_000;

/// Longest word (in bytes) whose registered forms [`Index`] keeps.
const MOST_WORD_BYTES: usize = 64;

/// Keys of a record's names: every part's skeletons and table names, hashed with the group of
/// the field — the person's own names (given, father, grandfather, family, which lists put in
/// any order) or the mother's — so that a query's family name does not find every record
/// whose mother bears it.
fn record_keys(r: &LinkRecord) -> Vec<u64> {
    let mut keys: Vec<u64> = [KeyGroup::Own, KeyGroup::Mother]
        .into_iter()
        .flat_map(|group| group_fields(r, group))
        .flat_map(|(tag, a)| a.keys().into_iter().map(move |key| athar_link::blocking::key_hash(tag, &key)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The fields a record's keys come from: its own names, or its mother's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyGroup {
    Own,
    Mother,
}

/// The name fields of one group of a record's, each with the tag its keys are hashed with.
fn group_fields(r: &LinkRecord, group: KeyGroup) -> impl Iterator<Item = (u8, &NameAnalysis)> {
    ComparisonKind::PERSON_NAMES.iter().filter_map(move |k| {
        let mother = matches!(k, ComparisonKind::MotherName | ComparisonKind::MotherFamilyName);
        let field = k.name_field(r).filter(|_| mother == (group == KeyGroup::Mother))?;
        Some((if mother { b'm' } else { b'p' }, field))
    })
}

/// The names of one group of a record's fields, each as its keys (a record holds the name
/// when it holds any of them): every part of every field, and each pair of adjacent words read
/// as one.
fn group_names(r: &LinkRecord, group: KeyGroup) -> Vec<Vec<u64>> {
    let mut names = Vec::new();
    for (tag, a) in group_fields(r, group) {
        let hash = |keys: &[Text]| keys.iter().map(|key| athar_link::blocking::key_hash(tag, key)).collect();
        names.extend(a.part_keys().iter().map(|keys| hash(keys)));
        names.extend(a.joined_keys().iter().map(|key| hash(std::slice::from_ref(key))));
    }
    names
}

/// The person's own names written a letter short, as a list misspelt them (Ковалено for
/// Коваленко, Кондраенко for Кондратенко): for each name part that `rare` lets through (by its
/// keys), its skeletons of five letters or more with each letter left out in turn — the keys a
/// record holds where it dropped that letter. Only a dropped letter is found this way (the
/// index holds each record's keys as written); linking's near keys also meet a letter added or
/// changed.
fn names_a_letter_short(r: &LinkRecord, rare: impl Fn(&[u64]) -> bool) -> Vec<Vec<u64>> {
    let mut names = Vec::new();
    let mut buf = String::new();
    for (tag, a) in group_fields(r, KeyGroup::Own) {
        let hash = |key: &str| athar_link::blocking::key_hash(tag, key);
        for p in a.parts.iter().filter(|p| p.role != athar_names::Role::Particle) {
            let keys = p.keys();
            if !rare(&keys.iter().map(|k| hash(k)).collect::<Vec<u64>>()) {
                continue;
            }
            let mut short: Vec<u64> = Vec::new();
            for s in &p.skeletons {
                athar_link::blocking::letters_left_out(s, LETTER_SHORT_MIN, &mut buf, |form| {
                    if !keys.iter().any(|k| k.as_str() == form) {
                        short.push(hash(form));
                    }
                });
            }
            if !short.is_empty() {
                names.push(short);
            }
        }
    }
    names
}

impl Index {
    /// Indexes `entries` (their values are interned here). Without a trained `model`, the
    /// built-in default model ([`FsModel::default_model`]) with the prior of one person among
    /// the registry's records: the one sought is one of them, or none.
    pub fn new(engine: NameEngine, entries: Vec<IndexEntry>, model: Option<FsModel>) -> Index {
        Index::with_counts(engine, entries, model, None)
    }

    /// As [`Index::new`], names weighed by `counts` (a whole registry's, see
    /// [`TermCounts`]) rather than by the entries' own: an index over the few records a link
    /// just added, which only they can make a better match for an inquiry.
    pub fn with_counts(
        engine: NameEngine,
        entries: Vec<IndexEntry>,
        model: Option<FsModel>,
        counts: Option<TermCounts>,
    ) -> Index {
        let mut index = Index {
            engine,
            records: Vec::new(),
            births: Vec::new(),
            refs: Vec::new(),
            facility: Vec::new(),
            status: Vec::new(),
            values: Vec::new(),
            by_key: FxHashMap::default(),
            key_start: vec![0],
            keys_of: Vec::new(),
            default_model: model.is_none(),
            model: model.unwrap_or_else(FsModel::default_model),
            tf: TermFrequencies::default(),
            interner: athar_link::ValueInterner::default(),
            value_ids: FxHashMap::default(),
            registered: std::sync::OnceLock::new(),
            forms_of_words: Default::default(),
        };
        let (records, refs, facility, status) = index.take_entries(entries);
        let keys: Vec<Vec<u64>> = records.par_iter().map(record_keys).collect();
        index.tf = match counts {
            Some(c) => TermFrequencies::from_counts(c, &records),
            None => TermFrequencies::new(&records),
        };
        index.append(records, refs, facility, status, keys);
        index.by_key.values_mut().for_each(|l| l.shrink_to_fit());
        index
    }

    /// Interns the entries' values (names with the ids their texts already have, facilities
    /// and statuses too) and splits them into their parts.
    #[allow(clippy::type_complexity)]
    fn take_entries(&mut self, entries: Vec<IndexEntry>) -> (Vec<LinkRecord>, Vec<RecordRef>, Vec<u32>, Vec<u32>) {
        let mut records = Vec::with_capacity(entries.len());
        let mut refs = Vec::with_capacity(entries.len());
        let mut facility = Vec::with_capacity(entries.len());
        let mut status = Vec::with_capacity(entries.len());
        for e in entries {
            records.push(e.record);
            refs.push(e.reference);
            facility.push(self.intern(e.facility.filter(|f| !f.trim().is_empty())));
            status.push(self.intern(e.status.filter(|s| !s.is_empty() && s != "unknown")));
        }
        self.interner.intern(&mut records);
        (records, refs, facility, status)
    }

    fn intern(&mut self, v: Option<String>) -> u32 {
        let Some(v) = v else { return NO_VALUE };
        if let Some(id) = self.value_ids.get(v.as_str()) {
            return *id;
        }
        self.values.push(v.as_str().into());
        let id = self.values.len() as u32 - 1;
        self.value_ids.insert(v.into_boxed_str(), id);
        id
    }

    /// Appends records (in record order: every key's list stays sorted by record).
    fn append(
        &mut self,
        records: Vec<LinkRecord>,
        refs: Vec<RecordRef>,
        facility: Vec<u32>,
        status: Vec<u32>,
        keys: Vec<Vec<u64>>,
    ) {
        let first = self.records.len();
        self.registered = std::sync::OnceLock::new();
        self.forget_words();
        self.key_start.pop();
        for (k, ks) in keys.into_iter().enumerate() {
            self.key_start.push(self.keys_of.len() as u32);
            for key in ks {
                self.by_key.entry(key).or_default().push((first + k) as u32);
                self.keys_of.push(key);
            }
        }
        self.key_start.push(self.keys_of.len() as u32);
        self.births.extend(records.iter().map(|r| r.birth));
        self.records.extend(records);
        self.refs.extend(refs);
        self.facility.extend(facility);
        self.status.extend(status);
        if self.default_model {
            self.model.prior = (1.0 / (self.records.len().max(1) as f64 + 1.0)).clamp(1e-7, 0.5);
        }
    }

    /// Takes new records — imported after every record indexed (their ids are greater) — in
    /// place: their keys, their names' counts, their persons. What an index built over all the
    /// records would hold, without reading the others again.
    pub fn add(&mut self, entries: Vec<IndexEntry>) -> Result<(), IndexError> {
        let last = self.refs.last().map(|r| r.record_id);
        if let (Some(last), Some(first)) = (last, entries.first().map(|e| e.reference.record_id)) {
            if first <= last {
                return Err(IndexError::OutOfOrder { first, last });
            }
        }
        if entries.windows(2).any(|w| w[0].reference.record_id >= w[1].reference.record_id) {
            return Err(IndexError::OutOfOrder { first: 0, last: 0 });
        }
        let (records, refs, facility, status) = self.take_entries(entries);
        let keys: Vec<Vec<u64>> = records.par_iter().map(record_keys).collect();
        self.tf.add(&records);
        self.append(records, refs, facility, status, keys);
        Ok(())
    }

    /// Gives records their persons (after a link): `(record id, person id)`. Records the index
    /// does not hold are left out and counted.
    pub fn assign<'a>(&mut self, persons: impl IntoIterator<Item = (i64, &'a str)>) -> usize {
        let mut missing = 0;
        for (record, person) in persons {
            match self.position(record) {
                Some(i) => {
                    if self.refs[i].person_id != person {
                        self.refs[i].person_id = Text::from(person);
                    }
                }
                None => missing += 1,
            }
        }
        missing
    }

    /// The index's place of a record (records are held in record order).
    fn position(&self, record_id: i64) -> Option<usize> {
        self.refs.binary_search_by_key(&record_id, |r| r.record_id).ok()
    }

    /// Every record with whether it gives a mother's name and a birth year, in record order:
    /// what a search by both can find a record by.
    pub fn mother_and_year_given(&self) -> impl Iterator<Item = (&RecordRef, bool, bool)> + '_ {
        self.refs.iter().zip(&self.records).map(|(r, x)| (r, x.mother_given.is_some(), x.birth.is_some()))
    }

    /// Every record's person, in record order.
    pub fn persons(&self) -> impl Iterator<Item = (i64, &str)> + '_ {
        self.refs.iter().map(|r| (r.record_id, r.person_id.as_str()))
    }

    /// Scores with another model from now on (a link trained one, or one was imported).
    pub fn set_model(&mut self, model: Option<FsModel>) {
        self.default_model = model.is_none();
        self.model = model.unwrap_or_else(FsModel::default_model);
        if self.default_model {
            self.model.prior = (1.0 / (self.records.len().max(1) as f64 + 1.0)).clamp(1e-7, 0.5);
        }
    }

    /// Number of records indexed.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The name engine the index reads names with.
    pub fn engine(&self) -> &NameEngine {
        &self.engine
    }

    /// The forms of a person's own names some record holds that a word read alone (its
    /// `analysis`) is the same name as, in any spelling (see `registered`): all of them, or
    /// (`all` false) one, which says whether there is one.
    pub(crate) fn same_forms(&self, analysis: &NameAnalysis, all: bool) -> crate::registered::SameForms {
        let key = (Box::<str>::from(analysis.input.as_str()), all);
        if let Some(found) = self.words_kept().get(&key) {
            return found.clone();
        }
        let held = |k: u64| self.by_key.contains_key(&k);
        let found = self.registered().same_forms(self.engine.tables(), &self.records, analysis, held, all);
        // A word longer than any name (a pasted run of letters) is not kept: 200,000 of them
        // would be a text's worth of memory.
        if analysis.input.len() > MOST_WORD_BYTES {
            return found;
        }
        let mut memo = self.words_kept();
        if memo.len() >= MOST_WORDS_KEPT {
            memo.clear();
        }
        memo.insert(key, found.clone());
        found
    }

    /// Forgets the registered forms of the words read so far (they are found again when next
    /// read): what a registry's new records change, and what a measure of reports never read
    /// before wants.
    pub fn forget_words(&self) {
        self.words_kept().clear();
    }

    /// The registered forms of the words read so far (a panic elsewhere while it was held
    /// leaves it whole: an entry is inserted complete or not at all).
    pub(crate) fn words_kept(
        &self,
    ) -> std::sync::MutexGuard<'_, FxHashMap<(Box<str>, bool), crate::registered::SameForms>> {
        self.forms_of_words.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The registry's distinct name forms, built when first asked for (a text read for names).
    pub(crate) fn registered(&self) -> &crate::registered::RegisteredParts {
        self.registered.get_or_init(|| crate::registered::RegisteredParts::new(&self.records))
    }

    /// The model that scores candidates.
    pub fn model(&self) -> &FsModel {
        &self.model
    }

    /// The persons who could be the one `query` describes, best first, at most `limit` (1 to
    /// [`MAX_LIMIT`]), each with the records found and an explanation of the best one. Scores
    /// at most [`MAX_CANDIDATES`] records, whatever the query.
    pub fn search(&self, query: &Query, limit: usize) -> Result<SearchResults, QueryError> {
        self.search_among(query, None, limit, true)
    }

    /// The records a search for `query` scores (its candidates, see `candidates`): whether a
    /// search that missed a person never scored their records is what this tells a measure.
    /// The facility and status filters leave out what a search leaves out.
    pub fn candidate_records(&self, query: &Query) -> Result<Vec<&RecordRef>, QueryError> {
        let q = query.to_record(&self.engine)?;
        let (keep, mut seen) = (self.filter(query), FxHashMap::default());
        Ok(self.candidates(&q).into_iter().filter(|&c| keep(c, &mut seen)).map(|c| &self.refs[c as usize]).collect())
    }

    /// As [`Index::search`], scoring `among` (record positions) instead of the candidates the
    /// query's keys find, when given: a name found in a text, whose candidates are the records
    /// that hold two of its words. `judge_ambiguity`: say whether namesakes past the limit fit
    /// as well (a family's search; not a name read in a text, which keeps only its best).
    pub(crate) fn search_among(
        &self,
        query: &Query,
        among: Option<Vec<u32>>,
        limit: usize,
        judge_ambiguity: bool,
    ) -> Result<SearchResults, QueryError> {
        self.search_record(query, query.to_record(&self.engine)?, among, limit, judge_ambiguity)
    }

    /// As [`Index::search_among`], with the query's record already made (`Query::to_record`).
    pub(crate) fn search_record(
        &self,
        query: &Query,
        mut q: LinkRecord,
        among: Option<Vec<u32>>,
        limit: usize,
        judge_ambiguity: bool,
    ) -> Result<SearchResults, QueryError> {
        // The other reading of the name (family name first), when there is one.
        let mut other = Query::family_first(&q);
        // The query's values get ids no record holds: each candidate value is compared with the
        // query's once, however many candidates share it (each reading with its own cache).
        for r in std::iter::once(&mut q).chain(other.as_mut()) {
            for (slot, kind) in VALUE_SLOTS.iter().enumerate() {
                r.value_ids[slot] = if kind.name_field(r).is_some() { QUERY_VALUE } else { NO_VALUE_ID };
            }
        }
        let candidates = among.unwrap_or_else(|| self.candidates(&q));
        let keep = self.filter(query);
        let mut facility_seen: FxHashMap<u32, bool> = FxHashMap::default();
        let mut by_person: ByPerson<'_> = FxHashMap::default();
        self.score_reading(&q, false, &candidates, &keep, &mut facility_seen, &mut by_person);
        // The name read family name first, only when the order as written found no one it is
        // sure of (what it is sure of, the other order does not displace; and most searches
        // pay for one reading only).
        let sure = by_person.values().any(|e| e.0 >= SURE_AS_WRITTEN);
        if let Some(o) = other.as_ref().filter(|_| !sure) {
            // The likeliest of the candidates already found (the keys are the name's words,
            // whatever their order): a second look at them, not a second search.
            let n = candidates.len().min(OTHER_ORDER_CANDIDATES);
            self.score_reading(o, true, &candidates[..n], &keep, &mut facility_seen, &mut by_person);
        }
        let mut ranked: Vec<_> = by_person.into_iter().collect();
        // Ties (a missing field is neutral, so IVANOV Sergey and IVANOV Sergey Vladimirovich
        // score alike for "Ivanov Sergey") go to the record with fewer names the query did not
        // give.
        let extra = |c: u32| {
            let r = &self.records[c as usize];
            ComparisonKind::PERSON_NAMES
                .iter()
                .filter(|k| k.name_field(r).is_some() && k.name_field(&q).is_none())
                .count()
        };
        ranked.sort_by(|x, y| {
            y.1 .0.total_cmp(&x.1 .0).then_with(|| extra(x.1 .1).cmp(&extra(y.1 .1))).then(x.0.cmp(y.0))
        });
        let ambiguous = if judge_ambiguity {
            self.ambiguity(&q, query, &ranked, limit.clamp(1, MAX_LIMIT), candidates.len())
        } else {
            None
        };
        ranked.truncate(limit.clamp(1, MAX_LIMIT));
        let results = ranked
            .into_iter()
            .map(|(person, (probability, best, found, turned))| {
                let read = if turned { other.as_ref().unwrap_or(&q) } else { &q };
                PersonMatch {
                    person_id: person.to_string(),
                    probability,
                    records: found.iter().map(|&c| self.refs[c as usize].clone()).collect(),
                    explanation: self.explain(read, &self.records[best as usize]),
                    explained_record: self.refs[best as usize].record_id,
                    reading: turned.then_some("family name first"),
                }
            })
            .collect();
        Ok(SearchResults { results, candidates: candidates.len(), withheld: 0, ambiguous })
    }

    /// Whether some record could be the person a query describes (its record `q`, see
    /// `Query::to_record`) with `least` probability or
    /// more: the most any record can score against it, every field it gives agreeing at its
    /// best (see [`FsModel::best_weight`]), in either reading of the name. `false` is sure
    /// (no search could find one), and costs no record read: a common given and family name
    /// alone are no one in particular in a large registry.
    pub(crate) fn may_reach(&self, q: &LinkRecord, least: f64) -> bool {
        let other = Query::family_first(q);
        std::iter::once(q).chain(other.as_ref()).any(|r| {
            let best =
                self.model.best_weight(&|k| athar_link::gives(k, r), &|k| self.tf.least_share(k, self.tf.count(k, r)));
            FsModel::probability_of_weight(best) >= least
        })
    }

    /// Whether more than `limit` persons fit about as well as the best (see [`Ambiguity`]), and
    /// which fields the query left out would separate them.
    fn ambiguity(
        &self,
        q: &LinkRecord,
        query: &Query,
        ranked: &[(&str, PersonBest)],
        limit: usize,
        scored: usize,
    ) -> Option<Ambiguity> {
        let bits = |p: f64| {
            let p = p.clamp(1e-12, 1.0 - 1e-12);
            (p / (1.0 - p)).log2()
        };
        let best = bits(ranked.first()?.1 .0);
        let tied: Vec<u32> =
            ranked.iter().take_while(|(_, e)| best - bits(e.0) <= AMBIGUOUS_BITS).map(|(_, e)| e.1).collect();
        if tied.len() <= limit {
            return None;
        }
        // Each field the query left out, by how many distinct values the tied persons' records
        // give it (among those that give one: at least half of them must).
        let mut fields: Vec<(&'static str, usize)> = Vec::new();
        let mut weigh = |name: &'static str, values: Vec<Option<u64>>| {
            let given: Vec<u64> = values.into_iter().flatten().collect();
            if given.len() * 2 < tied.len() {
                return;
            }
            let mut distinct = given;
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() >= 2 {
                fields.push((name, distinct.len()));
            }
        };
        for kind in [
            ComparisonKind::MotherName,
            ComparisonKind::FatherName,
            ComparisonKind::GrandfatherName,
            ComparisonKind::BirthPlace,
        ] {
            if kind.name_field(q).is_some() {
                continue;
            }
            let Some(slot) = athar_link::record::value_slot(kind) else { continue };
            let values = tied
                .iter()
                .map(|r| Some(self.records[*r as usize].value_ids[slot]).filter(|v| *v != NO_VALUE_ID).map(u64::from))
                .collect();
            weigh(kind.name(), values);
        }
        if q.birth.is_none() {
            weigh(
                "birth_date",
                tied.iter().map(|r| self.records[*r as usize].birth.as_ref().map(|b| b.year as u64)).collect(),
            );
        }
        if query.facility.is_none() {
            let values = tied
                .iter()
                .map(|r| Some(self.facility[*r as usize]).filter(|v| *v != NO_VALUE).map(u64::from))
                .collect();
            weigh("facility", values);
        }
        fields.sort_by_key(|f| std::cmp::Reverse(f.1));
        Some(Ambiguity {
            persons: tied.len(),
            at_least: scored >= MAX_CANDIDATES,
            separating: fields.into_iter().map(|(f, _)| f).collect(),
        })
    }

    /// Scores one reading of the query against `candidates` (those `keep` keeps), keeping the
    /// best record of each person in `by_person`. One query's few hundred candidates, on one
    /// thread with one cache: the query's name is compared once with each distinct value (a
    /// request is the unit of parallel work). The other order (`turned`) has its odds cut by
    /// [`OTHER_ORDER_BITS`].
    fn score_reading<'a>(
        &'a self,
        reading: &LinkRecord,
        turned: bool,
        candidates: &[u32],
        keep: &dyn Fn(u32, &mut FxHashMap<u32, bool>) -> bool,
        facility_seen: &mut FxHashMap<u32, bool>,
        by_person: &mut ByPerson<'a>,
    ) {
        let counts: Vec<(ComparisonKind, Option<u32>)> =
            ComparisonKind::ALL.iter().map(|k| (*k, self.tf.count(*k, reading))).collect();
        let count = |k: ComparisonKind| counts.iter().find(|(x, _)| *x == k).and_then(|(_, c)| *c);
        let discount = if turned { 2f64.powf(-OTHER_ORDER_BITS) } else { 1.0 };
        let mut cache = LevelCache::default();
        for &c in candidates {
            if !keep(c, facility_seen) {
                continue;
            }
            let r = &self.records[c as usize];
            let v = compare_cached_as_read(&self.engine, reading, r, &mut cache);
            let p = self.model.probability(&v, &|k| self.tf.share_given(k, count(k), r));
            let odds = p / (1.0 - p).max(f64::MIN_POSITIVE) * discount;
            let p = odds / (1.0 + odds);
            let entry = by_person.entry(self.refs[c as usize].person_id.as_str()).or_insert((p, c, Vec::new(), turned));
            if !entry.2.contains(&c) {
                entry.2.push(c);
            }
            if p > entry.0 {
                (entry.0, entry.1, entry.3) = (p, c, turned);
            }
        }
    }

    /// The query's filters as a test of a record: a stated facility or status that is not the
    /// query's leaves the record out; an unstated one is neutral. Facilities are compared by
    /// the name engine, each distinct text once per search.
    fn filter<'a>(&'a self, query: &Query) -> impl Fn(u32, &mut FxHashMap<u32, bool>) -> bool + 'a {
        let facility: Option<NameAnalysis> =
            query.facility.as_deref().map(|f| self.engine.analyse(f)).filter(|a| !a.is_empty());
        let status = query.status.clone().filter(|s| !s.is_empty() && s != "unknown");
        move |c: u32, seen: &mut FxHashMap<u32, bool>| {
            let c = c as usize;
            if let (Some(want), Some(have)) = (&status, self.values.get(self.status[c] as usize)) {
                if want.as_str() != &**have {
                    return false;
                }
            }
            match (&facility, self.values.get(self.facility[c] as usize)) {
                (Some(want), Some(have)) => *seen.entry(self.facility[c]).or_insert_with(|| {
                    let have = self.engine.analyse(have);
                    let c = self.engine.compare(want, &have);
                    c.same_name || c.score >= SAME_FACILITY
                }),
                _ => true,
            }
        }
    }

    /// Why `r` matches the query `q`: the lines of the model's explanation where both have a
    /// value, each with the values as written, the level and the name engine's reason (see
    /// [`athar_link::annotate`]).
    fn explain(&self, q: &LinkRecord, r: &LinkRecord) -> Vec<Explained> {
        let mut e = self.model.explain(&compare_straight(&self.engine, q, r), &|k| self.tf.share(k, q, r));
        athar_link::annotate_as_read(&mut e, &self.engine, q, r);
        e.lines
            .into_iter()
            .filter(|l| l.kind != LineKind::Missing)
            .map(|l| Explained {
                field: l.comparison,
                query: l.a,
                record: l.b,
                level: l.level,
                reason: l.reason,
                weight: (l.weight * 100.0).round() / 100.0,
            })
            .collect()
    }

    /// Candidates: the records that share the rarest names with the query, or two common
    /// ones, ranked by the name keys they share with it (each weighed by how rare it is: log
    /// of registry size over its records) and the birth year, at most MAX_CANDIDATES. The
    /// person's own names and the mother's each draw a pool (its best [`POOL`] records); see
    /// [`POOL`].
    fn candidates(&self, q: &LinkRecord) -> Vec<u32> {
        let n = self.records.len().max(1) as f32;
        let weight = |list: &Vec<u32>| (n / list.len() as f32).ln().max(0.01);
        // Whether a record's birth year is within a year of the query's (None: one has none).
        let within_year = |r: u32| match (q.birth, self.births[r as usize]) {
            (Some(x), Some(y)) => Some((x.year - y.year).abs() <= 1 + x.tolerance(y)),
            _ => None,
        };
        // The common names' records are bounded: those born within a year of the query's birth
        // year (when both have one), at most BIG_POOL of them.
        let near = |r: &u32| within_year(*r) != Some(false);
        // The birth year, where both have one, ranks a pool: a namesake born ten years apart
        // is not the person looked for.
        let year = |r: u32| match within_year(r) {
            Some(true) => YEAR_AGREES,
            Some(false) => -YEAR_AGREES,
            None => 0.0,
        };
        let keys_of =
            |r: u32| &self.keys_of[self.key_start[r as usize] as usize..self.key_start[r as usize + 1] as usize];
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let keep = |c: &mut Vec<(u32, f32)>, n: usize| {
            if c.len() > n {
                c.select_nth_unstable_by(n, order);
                c.truncate(n);
            }
        };
        // Each group's names, each as its keys and their lists (a name's size is its longest
        // list); every key of the query the registry holds, with its weight, by key.
        let size = |name: &Vec<(u64, &Vec<u32>)>| name.iter().map(|(_, l)| l.len()).max().unwrap_or(0);
        let mut weighed: Vec<(u64, f32)> = Vec::new();
        let lists = |keys: &Vec<u64>| -> Vec<(u64, &Vec<u32>)> {
            keys.iter().filter_map(|k| self.by_key.get(k).map(|l| (*k, l))).collect()
        };
        let groups = [KeyGroup::Own, KeyGroup::Mother].map(|group| {
            let mut names: Vec<Vec<(u64, &Vec<u32>)>> =
                group_names(q, group).iter().map(lists).filter(|lists: &Vec<_>| !lists.is_empty()).collect();
            weighed.extend(names.iter().flatten().map(|(k, list)| (*k, weight(list))));
            names.sort_by_key(size);
            (group, names)
        });
        // The own names written a letter short, where few records write them either way (a
        // common name a letter short is another common name: Muhammad, Mhd).
        let rare =
            |keys: &[u64]| keys.iter().filter_map(|k| self.by_key.get(k)).map(Vec::len).max().unwrap_or(0) <= SCAN_MAX;
        weighed.sort_by_key(|(k, _)| *k);
        weighed.dedup_by_key(|(k, _)| *k);
        // A record's rank: the weights of the query's keys it holds, and the birth year.
        let rank = |r: u32| held_weight(keys_of(r), &weighed) + year(r);
        let mut pools: Vec<FxHashMap<u32, f32>> = Vec::with_capacity(2);
        for (group, names) in &groups {
            // The mother's common names read no long list once the own names found records.
            let open = *group == KeyGroup::Own || pools.iter().all(|p| p.is_empty());
            let mut pool: FxHashMap<u32, f32> = FxHashMap::default();
            // The rare names' records, read in full while the pool is small. (A rare spelling's
            // list of a common name is not: the spelling would outweigh the other names.)
            for name in names.iter().filter(|name| size(name) <= SCAN_MAX) {
                if pool.len() >= POOL {
                    break;
                }
                for r in name_records(name) {
                    pool.entry(r).or_insert_with(|| rank(r));
                }
            }
            // Then the records that write an own name a letter short.
            // (Made only when the pool has room: the rare names' own records fill it first.)
            if *group == KeyGroup::Own && pool.len() < POOL {
                let short: Vec<Vec<(u64, &Vec<u32>)>> = names_a_letter_short(q, rare)
                    .iter()
                    .map(lists)
                    .filter(|name| !name.is_empty() && size(name) <= SCAN_MAX)
                    .collect();
                for name in &short {
                    if pool.len() >= POOL {
                        break;
                    }
                    for r in name_records(name) {
                        pool.entry(r).or_insert_with(|| rank(r));
                    }
                }
            }
            // The records that hold the two rarest common names together (born near the
            // query), whatever rare name they lack: a rare name may be misspelt so that it
            // shares no key, or be two words read as one (Ahmad Khalil) that a record writes
            // apart. The second name is told by the keys the first lacks (Mahmoud and Muhammad
            // share a skeleton); a name repeated is one name. One common name alone draws a
            // pool only where nothing else did. At most BIG_POOL records more.
            if open {
                let common: Vec<&Vec<(u64, &Vec<u32>)>> = names.iter().filter(|name| size(name) > SCAN_MAX).collect();
                let limit = pool.len() + BIG_POOL;
                let draw = |pool: &mut FxHashMap<u32, f32>, records: &mut dyn Iterator<Item = u32>| {
                    for r in records {
                        if pool.len() >= limit {
                            break;
                        }
                        pool.entry(r).or_insert_with(|| rank(r));
                    }
                };
                if let Some(a) = common.first() {
                    let second = common[1..].iter().find_map(|b| {
                        let keys: Vec<u64> = b.iter().map(|(k, _)| *k).collect();
                        keys.iter().any(|k| !a.iter().any(|(x, _)| x == k)).then_some(keys)
                    });
                    if let Some(b) = second {
                        let holds_b = |r: &u32| b.iter().any(|k| keys_of(*r).binary_search(k).is_ok());
                        draw(&mut pool, &mut name_records(a).filter(near).filter(holds_b));
                    }
                    if pool.is_empty() {
                        draw(&mut pool, &mut name_records(a).filter(near));
                    }
                }
            }
            pools.push(pool);
        }
        // Each group's best into the pool of both: a record that gives no mother's name is
        // found by its own names though the mother's is the query's rarest key.
        let mut c: Vec<(u32, f32)> = Vec::new();
        let mut taken: FxHashSet<u32> = FxHashSet::default();
        for pool in pools {
            let mut best: Vec<(u32, f32)> = pool.into_iter().collect();
            keep(&mut best, POOL);
            c.extend(best.into_iter().filter(|(r, _)| taken.insert(*r)));
        }
        keep(&mut c, MAX_CANDIDATES);
        c.sort_by(order);
        c.into_iter().map(|(r, _)| r).collect()
    }
}

/// The records that hold a name: any of its keys (their lists).
fn name_records<'a>(name: &[(u64, &'a Vec<u32>)]) -> impl Iterator<Item = u32> + 'a {
    sorted_union(name.iter().map(|(_, l)| l.as_slice()).collect())
}

/// The records of sorted lists, each once, in order (the lists of one name's keys overlap).
fn sorted_union(lists: Vec<&[u32]>) -> impl Iterator<Item = u32> + '_ {
    let mut at = vec![0usize; lists.len()];
    std::iter::from_fn(move || {
        let next = lists.iter().zip(&at).filter_map(|(l, &i)| l.get(i)).min().copied()?;
        for (l, i) in lists.iter().zip(at.iter_mut()) {
            if l.get(*i) == Some(&next) {
                *i += 1;
            }
        }
        Some(next)
    })
}

/// The weight of the keys `held` (sorted) that are `weighed` (sorted by key).
fn held_weight(held: &[u64], weighed: &[(u64, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < held.len() && j < weighed.len() {
        match held[i].cmp(&weighed[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += weighed[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Registry {
        engine: NameEngine,
        entries: Vec<IndexEntry>,
    }

    impl Registry {
        fn new() -> Registry {
            Registry { engine: NameEngine::new(), entries: Vec::new() }
        }

        /// Adds a record of `person` from `source`; the last two fields may be a facility and a
        /// status.
        fn add(&mut self, person: &str, fields: &[(&str, &str)]) -> &mut Registry {
            let id = self.entries.len() as i64 + 1;
            let get = |k: &str| fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.to_string());
            self.entries.push(IndexEntry {
                record: LinkRecord::from_fields(&self.engine, &id.to_string(), fields, None),
                reference: RecordRef::new(id, person, "list", Some(&format!("row{id}"))),
                facility: get("facility"),
                status: get("status"),
            });
            self
        }

        fn index(self) -> Index {
            Index::new(self.engine, self.entries, None)
        }
    }

    fn persons(index: &Index, q: &Query) -> Vec<String> {
        index.search(q, 10).unwrap().results.into_iter().map(|m| m.person_id).collect()
    }

    #[test]
    fn a_record_that_drops_a_letter_of_each_name_is_found_by_the_names_a_letter_short() {
        let mut r = Registry::new();
        let given = ["Olena", "Iryna", "Oksana", "Mariia", "Nadiia"];
        let family = ["Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk"];
        // Three hundred Kovalenkos and three hundred Tetyanas, none born in 1959.
        for i in 0..300 {
            let born = format!("{}", 1970 + i % 20);
            r.add(&format!("k{i}"), &[("full_name", &format!("{} Kovalenko", given[i % 5])), ("birth_date", &born)]);
            r.add(&format!("t{i}"), &[("full_name", &format!("Tetyana {}", family[i % 5])), ("birth_date", &born)]);
        }
        // The person: a register that dropped a letter of both names (Тетяна, Коваленко).
        r.add("person", &[("given_name", "Теяна"), ("family_name", "Ковалено"), ("birth_date", "1959-05-25")]);
        let index = r.index();
        let q = Query { name: Some("Tetyana Kovalenko".into()), born: Some("1959".into()), ..Query::default() };
        assert!(persons(&index, &q).contains(&"person".to_string()), "{:?}", persons(&index, &q));
    }

    fn sample() -> Index {
        let mut r = Registry::new();
        r.add(
            "halabi",
            &[
                ("given_name", "محمد"),
                ("family_name", "الحلبي"),
                ("mother_name", "فاطمة"),
                ("birth_date", "1985"),
                ("facility", "صيدنايا"),
                ("status", "detained"),
            ],
        )
        .add("halabi", &[("full_name", "Mohammed al-Halabi"), ("birth_date", "1985-03-02"), ("status", "detained")])
        .add(
            "halabi-namesake",
            &[("given_name", "Muhammad"), ("family_name", "Halabi"), ("mother_name", "Zainab"), ("birth_date", "1962")],
        )
        .add(
            "hussein",
            &[
                ("given_name", "حسين"),
                ("family_name", "الحلبي"),
                ("birth_date", "1985"),
                ("facility", "Adra prison"),
                ("status", "released"),
            ],
        )
        .add("khatib", &[("given_name", "Ahmad"), ("family_name", "Khatib"), ("birth_date", "1990")]);
        r.index()
    }

    #[test]
    fn the_date_of_arrest_and_the_facility_a_family_gives_are_evidence() {
        // Issue 17: namesakes told apart by what a family remembers of the arrest.
        let mut r = Registry::new();
        let name = [("given_name", "Mohammed"), ("family_name", "Halabi"), ("birth_date", "1985")];
        let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
            name.iter().copied().chain(extra.iter().copied()).collect()
        };
        r.add("none", &with(&[]))
            .add("adra", &with(&[("event_date", "2015-02-11"), ("facility", "Adra prison")]))
            .add("saydnaya", &with(&[("event_date", "2013-08-27"), ("facility", "صيدنايا")]));
        let index = r.index();
        let ask = |q: Query| persons(&index, &Query { name: Some("Mohammed Halabi".into()), ..q });
        assert_eq!(ask(Query { arrested: Some("2013-08".into()), ..Query::default() })[0], "saydnaya");
        assert_eq!(ask(Query { arrested: Some("2015".into()), ..Query::default() })[0], "adra");
        assert_eq!(ask(Query { arrested: Some("2014/2016".into()), ..Query::default() })[0], "adra", "a range");
        let at = ask(Query { facility: Some("Saydnaya".into()), ..Query::default() });
        assert_eq!(at, ["saydnaya", "none"], "the same facility first; another left out; none kept");
        let found = index
            .search(
                &Query {
                    name: Some("Mohammed Halabi".into()),
                    arrested: Some("2013-08-27".into()),
                    ..Query::default()
                },
                1,
            )
            .unwrap();
        let line = found.results[0].explanation.iter().find(|l| l.field == "event_date").expect("an event line");
        assert_eq!((line.level.as_str(), line.record.as_deref()), ("same day", Some("2013-08-27")));
    }

    #[test]
    fn namesakes_the_fields_given_cannot_tell_apart_are_said_with_the_fields_that_would() {
        let mut r = Registry::new();
        let mothers = ["Fatima", "Amina", "Khadija", "Zainab", "Maryam", "Huda", "Salma", "Rania"];
        for (i, mother) in mothers.iter().enumerate() {
            let year = (1970 + i).to_string();
            r.add(
                &format!("p{i}"),
                &[
                    ("given_name", "Mohammed"),
                    ("father_name", "Ahmad"),
                    ("family_name", "Halabi"),
                    ("mother_name", mother),
                    ("birth_date", &year),
                ],
            );
        }
        r.add("other", &[("given_name", "Sami"), ("family_name", "Khatib"), ("birth_date", "1980")]);
        let index = r.index();
        let name = Query { name: Some("Mohammed Ahmad Halabi".into()), ..Query::default() };
        let found = index.search(&name, 5).unwrap();
        assert_eq!(found.results.len(), 5);
        let a = found.ambiguous.expect("eight namesakes, five listed");
        assert_eq!((a.persons, a.at_least), (8, false));
        assert!(a.separating.contains(&"mother_name") && a.separating.contains(&"birth_date"), "{a:?}");
        assert!(!a.separating.contains(&"father_name"), "all give the same father: {a:?}");
        // Room for them all: nothing hidden, nothing to say.
        assert_eq!(index.search(&name, 10).unwrap().ambiguous, None);
        // The mother's name given: one fits, the namesakes fall away.
        let with_mother = Query { mother: Some("Amina".into()), ..name.clone() };
        let found = index.search(&with_mother, 5).unwrap();
        assert_eq!(found.results[0].person_id, "p1");
        assert_eq!(found.ambiguous, None, "{:?}", found.ambiguous);
        // The year given: it separates them as well.
        let with_year = Query { born: Some("1975".into()), ..name };
        let found = index.search(&with_year, 1).unwrap();
        assert_eq!(found.results[0].person_id, "p5");
        assert_eq!(found.ambiguous, None, "{:?}", found.ambiguous);
    }

    #[test]
    fn finds_a_person_by_another_script_and_groups_their_records() {
        let index = sample();
        let q = Query {
            name: Some("Mhd Halabi".into()),
            mother: Some("Fatima".into()),
            born: Some("1986".into()),
            ..Query::default()
        };
        let found = index.search(&q, 10).unwrap();
        let best = &found.results[0];
        assert_eq!(best.person_id, "halabi");
        assert_eq!(best.records.len(), 2, "both records of the person are shown");
        assert!(best.probability > found.results[1].probability);
        // The explanation says why: the mother's name agrees across scripts.
        let mother = best.explanation.iter().find(|l| l.field.starts_with("mother")).expect("a mother line");
        assert_eq!(mother.query.as_deref(), Some("Fatima"));
        assert_eq!(mother.record.as_deref(), Some("فاطمة"));
        assert!(mother.weight > 0.0);
        // With the name engine's reason (issue 15: search lines had the level alone).
        assert!(mother.reason.as_deref().is_some_and(|r| r.contains("fatima")), "{mother:?}");
        // Hassan's brother Hussein is not Muhammad: he may be listed, never first.
        assert_ne!(found.results[1].person_id, "hussein");
        assert!(!persons(&index, &q).contains(&"khatib".to_string()));
    }

    #[test]
    fn the_birth_year_and_the_mother_separate_namesakes() {
        let index = sample();
        let q = Query { name: Some("محمد الحلبي".into()), born: Some("1962".into()), ..Query::default() };
        assert_eq!(persons(&index, &q)[0], "halabi-namesake");
        let q =
            Query { name: Some("محمد الحلبي".into()), mother: Some("زينب".into()), ..Query::default() };
        assert_eq!(persons(&index, &q)[0], "halabi-namesake");
    }

    #[test]
    fn a_year_inside_a_searched_range_or_about_agrees_and_one_outside_does_not() {
        let mut r = Registry::new();
        r.add("born-1988", &[("given_name", "Ahmad"), ("family_name", "Khatib"), ("birth_date", "1988")])
            .add("born-1980", &[("given_name", "Ahmad"), ("family_name", "Khatib"), ("birth_date", "1980")]);
        let index = r.index();
        let weight = |born: &str, person: &str| {
            let q = Query { name: Some("Ahmad Khatib".into()), born: Some(born.into()), ..Query::default() };
            let found = index.search(&q, 10).unwrap();
            let m = found.results.iter().find(|m| m.person_id == person).expect("found");
            m.explanation.iter().find(|l| l.field == "birth_date").map_or(0.0, |l| l.weight)
        };
        // About 1990 is 1988 to 1992: 1988 agrees; 1980 does not.
        assert!(weight("~1990", "born-1988") > 0.0, "{}", weight("~1990", "born-1988"));
        assert!(weight("~1990", "born-1980") < 0.0);
        // 1987-1989 holds 1988; the exact year 1990 does not.
        assert!(weight("1987/1989", "born-1988") > 0.0);
        assert!(weight("1990", "born-1988") < 0.0);
        let q = Query { name: Some("Ahmad Khatib".into()), born: Some("~1990".into()), ..Query::default() };
        assert_eq!(persons(&index, &q)[0], "born-1988");
    }

    fn search_in(index: &Index, name: &str) -> Vec<PersonMatch> {
        let q = Query { name: Some(name.into()), born: Some("1979".into()), ..Query::default() };
        index.search(&q, 5).unwrap().results
    }

    #[test]
    fn a_name_written_family_name_first_is_read_that_way_only_when_it_fits_better() {
        let mut r = Registry::new();
        r.add(
            "abdu",
            &[("given_name", "Ali"), ("father_name", "Muhammad"), ("family_name", "Abdu"), ("birth_date", "1979")],
        )
        .add(
            "other",
            &[("given_name", "Abdu"), ("father_name", "Salim"), ("family_name", "Haddad"), ("birth_date", "1979")],
        )
        .add("halabi", &[("given_name", "Mohammed"), ("family_name", "Halabi")])
        .add("swapped", &[("given_name", "Halabi"), ("family_name", "Mohammed")]);
        let index = r.index();
        let search = |name: &str| search_in(&index, name);
        // Family name first: found, and said so.
        let found = search("Abdu Ali Muhammad");
        assert_eq!(found[0].person_id, "abdu", "{found:?}");
        assert_eq!(found[0].reading, Some("family name first"));
        // As written, it is read as written.
        let found = search("Ali Muhammad Abdu");
        assert_eq!((found[0].person_id.as_str(), found[0].reading), ("abdu", None));
        // Both orders on file: the order as written is sure of its person, so the other reading
        // is not tried and cannot put the swapped record first.
        let q = Query { name: Some("Mohammed Halabi".into()), ..Query::default() };
        let found = index.search(&q, 5).unwrap().results;
        assert_eq!((found[0].person_id.as_str(), found[0].reading), ("halabi", None));
        assert!(found[0].probability >= SURE_AS_WRITTEN);
        assert!(found.iter().all(|m| m.reading.is_none()), "{found:?}");
        // Only the swapped record on file: found by the other reading, and said so.
        let mut r = Registry::new();
        r.add("swapped", &[("given_name", "Halabi"), ("family_name", "Mohammed"), ("birth_date", "1979")]);
        let found = search_in(&r.index(), "Mohammed Halabi");
        assert_eq!((found[0].person_id.as_str(), found[0].reading), ("swapped", Some("family name first")));
    }

    #[test]
    fn facility_and_status_leave_out_records_that_say_otherwise() {
        let index = sample();
        let halabi = |extra: Query| Query { name: Some("Halabi".into()), ..extra };
        // Sednaya is صيدنايا; Adra is not: Hussein, held in Adra, is left out.
        let q = halabi(Query { facility: Some("Sednaya".into()), ..Query::default() });
        let found = index.search(&q, 10).unwrap();
        let got: Vec<&str> = found.results.iter().map(|m| m.person_id.as_str()).collect();
        assert!(got.contains(&"halabi") && !got.contains(&"hussein"), "{got:?}");
        let halabi_records = found.results.iter().find(|m| m.person_id == "halabi").map(|m| m.records.len());
        assert_eq!(halabi_records, Some(2), "the record in صيدنايا is kept");
        let got = persons(&index, &q);
        // Records that name no facility are neutral.
        assert!(got.contains(&"halabi-namesake".to_string()));
        let q = halabi(Query { status: Some("released".into()), ..Query::default() });
        let got = persons(&index, &q);
        assert!(got.contains(&"hussein".to_string()) && !got.contains(&"halabi".to_string()), "{got:?}");
    }

    #[test]
    fn a_numbered_branch_is_told_from_its_neighbours() {
        let mut r = Registry::new();
        r.add("in-215", &[("given_name", "Ahmad"), ("family_name", "Khatib"), ("facility", "الفرع ٢١٥")])
            .add("in-227", &[("given_name", "Ahmad"), ("family_name", "Khatib"), ("facility", "Branch 227")]);
        let index = r.index();
        let q =
            Query { name: Some("Ahmad Khatib".into()), facility: Some("Branch No. 215".into()), ..Query::default() };
        assert_eq!(persons(&index, &q), vec!["in-215".to_string()]);
        let q = Query { facility: Some("فرع المنطقة".into()), ..q };
        assert_eq!(persons(&index, &q), vec!["in-227".to_string()]);
    }

    #[test]
    fn a_common_name_is_bounded_and_the_limit_holds() {
        let mut r = Registry::new();
        let families = ["Halabi", "Khatib", "Shami", "Hamwi", "Idlibi", "Masri", "Homsi", "Darwish"];
        for i in 0..2_000 {
            let family = families[i % families.len()];
            let born = (1950 + i % 50).to_string();
            r.add(&format!("p{i}"), &[("given_name", "Mohammed"), ("family_name", family), ("birth_date", &born)]);
        }
        let index = r.index();
        let q = Query { name: Some("محمد".into()), ..Query::default() };
        let found = index.search(&q, 500).unwrap();
        assert!(found.candidates <= MAX_CANDIDATES, "{} candidates", found.candidates);
        assert_eq!(found.results.len(), MAX_LIMIT);
        assert_eq!(index.search(&q, 0).unwrap().results.len(), 1);
        // Results are best first.
        assert!(found.results.windows(2).all(|w| w[0].probability >= w[1].probability));
    }

    #[test]
    fn no_record_scores_past_the_most_a_query_can_reach() {
        // Term frequencies count: many records, a few common names.
        let mut r = Registry::new();
        let givens = ["Mohammed", "محمد", "Ahmad", "Олександр", "Sergey", "Khaled"];
        let families = ["Halabi", "الحلبي", "Khatib", "Коваленко", "Ryabkov", "Shami", "Idlibi"];
        for i in 0..1_200 {
            let born = (1950 + i % 50).to_string();
            let mother = ["Fatima", "Zainab", "Amina"][i % 3];
            let fields = [
                ("given_name", givens[i % givens.len()]),
                ("family_name", families[i % families.len()]),
                ("father_name", givens[(i / 7) % givens.len()]),
                ("mother_name", mother),
                ("birth_date", born.as_str()),
                ("event_date", if i % 2 == 0 { "2013-08-27" } else { "2015" }),
                ("facility", if i % 2 == 0 { "Saydnaya" } else { "Adra prison" }),
            ];
            r.add(&format!("p{i}"), &fields);
        }
        let mut index = r.index();
        let queries = [
            Query { name: Some("Mohammed Halabi".into()), ..Query::default() },
            Query {
                name: Some("محمد أحمد الحلبي".into()), born: Some("1960".into()), ..Query::default()
            },
            Query { name: Some("Halabi Mohammed".into()), mother: Some("Fatima".into()), ..Query::default() },
            Query {
                name: Some("Sergei Ryabkov".into()),
                arrested: Some("2013-08".into()),
                facility: Some("Sednaya".into()),
                ..Query::default()
            },
            Query { given: Some("Khaled".into()), family: Some("Shami".into()), ..Query::default() },
        ];
        // The default model, and models whose levels weigh in another order (the bound must
        // not assume the first level is the best).
        let default = FsModel::default_model();
        let mut reordered = default.clone();
        for (i, c) in reordered.comparisons.iter_mut().enumerate() {
            c.levels.rotate_left(1 + i % 2);
        }
        for model in [None, Some(reordered)] {
            index.set_model(model);
            for q in &queries {
                let found = index.search(q, MAX_LIMIT).expect("a name");
                assert!(!found.results.is_empty(), "{q:?}");
                for m in &found.results {
                    // (Less a rounding: a record that agrees on all is the bound, summed in another order.)
                    let p = m.probability;
                    let record = q.to_record(index.engine()).expect("a name");
                    assert!(
                        index.may_reach(&record, p * (1.0 - 1e-9)),
                        "{q:?}: {} scored {p} past the bound",
                        m.person_id
                    );
                }
            }
        }
        // A registry where no one could be named by two common names alone: nothing reaches.
        let mut sure_of_nothing = default.clone();
        sure_of_nothing.prior = 1e-15;
        index.set_model(Some(sure_of_nothing));
        let record = queries[0].to_record(index.engine()).expect("a name");
        assert!(!index.may_reach(&record, 0.5));
        assert!(index.may_reach(&record, 1e-12));
    }

    #[test]
    fn refuses_a_query_without_a_name_and_answers_an_empty_registry() {
        let index = sample();
        assert_eq!(index.search(&Query { born: Some("1985".into()), ..Query::default() }, 10), Err(QueryError::NoName));
        let empty = Registry::new().index();
        assert!(empty.is_empty());
        let q = Query { name: Some("Ahmad".into()), ..Query::default() };
        assert_eq!(empty.search(&q, 10).unwrap().results, vec![]);
    }

    #[test]
    fn the_json_has_the_documented_shape() {
        let index = sample();
        let q = Query { name: Some("Ahmad Khatib".into()), ..Query::default() };
        let v = serde_json::to_value(index.search(&q, 10).unwrap()).unwrap();
        let best = &v["results"][0];
        assert_eq!(best["person_id"], "khatib");
        assert!(best["probability"].as_f64().is_some());
        assert_eq!(
            best["records"][0],
            serde_json::json!({"record_id": "5", "source": "list", "source_record_id": "row5"})
        );
        let line = &best["explanation"][0];
        for k in ["field", "query", "record", "level", "weight"] {
            assert!(line.get(k).is_some(), "explanation lines have {k}: {line}");
        }
    }

    /// The person first found, after adding to `r` the record of محمود محمد علو, born 1983,
    /// who has no mother's name: for Mahmud Allu, mother Iman, born 1983.
    fn first_for_mahmud_allu(mut r: Registry) -> Option<String> {
        r.add(
            "alu",
            &[("given_name", "محمود"), ("father_name", "محمد"), ("family_name", "علو"), ("birth_date", "1983-10-11")],
        );
        let query = Query {
            name: Some("Mahmud Allu".into()),
            mother: Some("Iman".into()),
            born: Some("1983".into()),
            ..Query::default()
        };
        persons(&r.index(), &query).into_iter().next()
    }

    #[test]
    fn a_record_without_the_mothers_name_is_found_when_her_name_is_the_querys_rarest_key() {
        // More records of mothers named Iman than a pool holds, none of them the person, more
        // still of the person's own names, and the person's own record, which gives no
        // mother's name: her name is the query's rarest key, and the person's own names must
        // still draw the record.
        let mut r = Registry::new();
        let families = ["Khatib", "Darwish", "Haddad", "Najjar", "Sabbagh", "Tahhan", "Jabri", "Kurdi"];
        for i in 0..(POOL + 100) {
            let family = families[i % families.len()];
            let year = (1950 + i % 50).to_string();
            r.add(
                &format!("other{i}"),
                &[("given_name", "Omar"), ("family_name", family), ("mother_name", "Iman"), ("birth_date", &year)],
            );
        }
        // The person's own names are common too (Ali shares the key of Allu and علو).
        for i in 0..(POOL + 300) {
            r.add(&format!("mahmoud{i}"), &[("given_name", "Mahmoud"), ("family_name", "Ali")]);
        }
        assert_eq!(first_for_mahmud_allu(r).as_deref(), Some("alu"));
    }

    #[test]
    fn the_mothers_common_name_does_not_crowd_out_the_persons_own_records() {
        // The person's own names are common (more records than SCAN_MAX), the mother's a
        // little less so, and thousands of strangers' records give her name and the query's
        // birth year: they must not take every seat before the person's own record.
        let mut r = Registry::new();
        for i in 0..(SCAN_MAX + 400) {
            r.add(&format!("mahmoud{i}"), &[("given_name", "Mahmoud"), ("family_name", "Ali")]);
        }
        for i in 0..(SCAN_MAX + 100) {
            r.add(
                &format!("omar{i}"),
                &[("given_name", "Omar"), ("family_name", "Haddad"), ("mother_name", "Iman"), ("birth_date", "1983")],
            );
        }
        assert_eq!(first_for_mahmud_allu(r).as_deref(), Some("alu"));
    }
    #[test]
    fn a_record_that_writes_a_name_between_two_common_ones_is_a_candidate() {
        // Thousands of records hold Ahmad, or Khalil, without the other; a few write "Ahmad
        // Khalil" (two words read as one: a rare key, which fills the pool first); the
        // person's record writes the father's name between them and gives no mother's name.
        let mut r = Registry::new();
        let names = ["Darwish", "Haddad", "Najjar", "Sabbagh", "Tahhan", "Jabri", "Kurdi", "Hamwi"];
        for i in 0..(SCAN_MAX + 100) {
            let year = (1950 + i % 50).to_string();
            let full = format!("Ahmad Omar {}", names[i % names.len()]);
            r.add(&format!("ahmad{i}"), &[("full_name", &full), ("birth_date", &year)]);
            let full = format!("{} Hasan Khalil", names[i % names.len()]);
            r.add(&format!("khalil{i}"), &[("full_name", &full), ("birth_date", &year)]);
        }
        for i in 0..5 {
            r.add(
                &format!("namesake{i}"),
                &[("full_name", "Ahmad Khalil"), ("mother_name", "Huda"), ("birth_date", "1940")],
            );
        }
        r.add("person", &[("full_name", "Ahmad Muhamad Kheleel"), ("birth_date", "1976-11-08")]);
        let query = Query {
            name: Some("Ahmad Khalil".into()),
            mother: Some("Sawsan".into()),
            born: Some("1976".into()),
            ..Query::default()
        };
        assert_eq!(persons(&r.index(), &query).first().map(String::as_str), Some("person"));
    }
}
