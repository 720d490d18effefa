//! Reading reports with the registry: the detention sites and places a report names
//! (`athar-scan`, needing no registry), the registered persons it names — a search of the
//! registry, so only for a role that may search, bounded by a count of searches and noted in
//! the audit chain before anything is shown — and reports kept as sources (the file, its
//! SHA-256, provenance) with what they mention, which a person's page then lists. Owns the
//! use-case; the reading of files, the scanner and the grouping are `athar-scan`'s, the
//! finding of names in a text `athar-search`'s.

use crate::error::{invalid, Result};
use crate::search::SearchNote;
use crate::{Action, Actor, Registry, RegistryError};
use athar_scan::read::{Report, Scanned};
use athar_scan::EntityKind;
use athar_search::NameMention;
use athar_store::{NewMention, NewSource};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Most searches one scan for persons makes unless told otherwise: a report names a few
/// dozen persons; a pasted list of thousands of names is not a report.
pub const DEFAULT_MAX_SEARCHES: usize = 2_000;

/// The largest report kept in the registry (its file is stored, encrypted, like a list's).
pub const MAX_STORED_REPORT: u64 = 64 << 20;

/// What to do beside finding sites and places.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Look for registered persons (a search of the registry).
    pub persons: bool,
    /// At most this many searches for persons (the rest of the reports is not searched; the
    /// answer says so).
    pub max_searches: usize,
    /// Keep each report read as a source of kind `report`, with what it mentions.
    pub store: bool,
    /// Find the towns and cities named too (sites always).
    pub places: bool,
}

/// A registered person a report names.
#[derive(Debug, Clone, Serialize)]
pub struct PersonMention {
    pub offset: usize,
    pub text: String,
    pub person_id: String,
    /// The record the search found best.
    pub record_id: i64,
    pub probability: f64,
}

/// A report kept, or why not.
#[derive(Debug, Clone, Serialize)]
pub struct StoredReport {
    pub path: PathBuf,
    /// The source's id, when kept.
    pub source_id: Option<String>,
    /// The source that holds the same file already (same SHA-256): not kept twice.
    pub stored_before: Option<String>,
    /// Why it was not kept (kept already, too large, changed since it was read …).
    pub refused: Option<String>,
}

/// Reports scanned with the registry.
#[derive(Debug, Default)]
pub struct ReportScan {
    pub scanned: Scanned,
    /// Per report (as in `scanned.reports`), the persons it names.
    pub persons: Vec<Vec<PersonMention>>,
    /// Searches made for persons.
    pub searches: usize,
    /// Persons found but not shown to this role (records marked sensitive).
    pub withheld: usize,
    /// The searches stopped at the most allowed: later text was not searched for persons.
    pub stopped: bool,
    pub stored: Vec<StoredReport>,
}

/// Why a file is never read as a report: a database, its write-ahead log or a key file (by
/// content, whatever its name) — a registry's folder scanned with `--store` would otherwise
/// keep its own key file as a report.
fn not_a_registry_file(path: &Path) -> Option<String> {
    use athar_store::files::{file_kind, FileKind};
    match file_kind(path) {
        FileKind::Database | FileKind::WriteAheadLog => Some("a database or its log, not a report: not read".into()),
        FileKind::KeyFile => Some("an Athar key file, not a report: not read".into()),
        FileKind::Other => None,
    }
}

/// The record fields that name a place, and whether the place is one of detention.
const PLACE_FIELDS: [(&str, bool); 6] = [
    ("facility", true),
    ("birth_place", false),
    ("residence", false),
    ("place", false),
    ("arrest_place", false),
    ("registry_place", false),
];

/// What one text names (see [`Registry::scan_text`]).
#[derive(Debug, Default, Serialize)]
pub struct TextScan {
    pub mentions: Vec<athar_scan::Mention>,
    pub persons: Vec<PersonMention>,
    pub searches: usize,
    pub withheld: usize,
    pub stopped: bool,
}

/// The most characters of a text read at once ([`Registry::scan_text`]); a longer report is a
/// file, read in pieces.
pub const MAX_TEXT_CHARS: usize = 200_000;

impl Registry {
    /// Fills a record's places as the gazetteer resolves them: its facility to a detention site
    /// (Saydnaya there is the prison), its birth place, residence and place to a town.
    pub(crate) fn resolve_places(views: &mut [athar_store::RecordView], scanner: &athar_scan::Scanner) {
        for view in views {
            Self::resolve_view(view, scanner);
        }
    }

    fn resolve_view(view: &mut athar_store::RecordView, scanner: &athar_scan::Scanner) {
        view.places = PLACE_FIELDS
            .iter()
            .filter_map(|(field, detention)| {
                let (_, value) = view.derived.iter().find(|(k, v)| k == field && !v.trim().is_empty())?;
                let m = scanner.resolve(value, *detention)?;
                Some(athar_store::ResolvedPlace {
                    field: field.to_string(),
                    value: value.clone(),
                    entity_id: m.entity_id,
                    label: m.label,
                })
            })
            .collect();
    }

    /// Reads and scans the reports under `paths` (see the module documentation). With
    /// `persons`, one audit entry (`search.scan`, naming the searches made and the persons
    /// shown) is written before the answer is returned; with `store`, each report is kept in
    /// its own transaction (a report kept before, by its SHA-256, is not kept twice).
    pub fn scan_reports(&self, actor: &Actor, paths: &[PathBuf], options: &ScanOptions) -> Result<ReportScan> {
        if options.persons {
            actor.require(Action::Search)?;
        }
        if options.store {
            actor.require(Action::Import)?;
        }
        let withheld = if options.persons { Some(self.withheld(actor)?) } else { None };
        let names = self.names()?;
        let scanner = names.scanner()?;
        let mut found: HashMap<PathBuf, Vec<NameMention>> = HashMap::new();
        let (mut searches, mut stopped, mut failure) = (0usize, false, None);
        // One budget for all the reports read.
        let mut budget = athar_search::searches_up_to(options.max_searches);
        let scanned = athar_scan::read::scan_paths(
            scanner,
            paths,
            options.places,
            &not_a_registry_file,
            &mut |path: &Path, base, text| {
                if !options.persons || failure.is_some() {
                    return;
                }
                if stopped {
                    return;
                }
                match self.with_index(|index| Ok(index.name_mentions_within(text, &mut budget))) {
                    Ok(m) => {
                        searches += m.searches;
                        stopped |= m.stopped;
                        found.entry(path.to_path_buf()).or_default().extend(m.mentions.into_iter().map(|mut n| {
                            n.offset += base;
                            n
                        }));
                    }
                    Err(e) => failure = Some(e),
                }
            },
        );
        if let Some(e) = failure {
            return Err(e);
        }
        let mut out = ReportScan { searches, stopped, ..ReportScan::default() };
        if let Some(withheld) = withheld {
            let per_report: Vec<Vec<NameMention>> =
                scanned.reports.iter().map(|r| found.remove(&r.path).unwrap_or_default()).collect();
            (out.persons, out.withheld) = self.shown_persons(actor, &withheld, per_report, searches)?;
        } else {
            out.persons = vec![Vec::new(); scanned.reports.len()];
        }
        if options.store {
            for (r, persons) in scanned.reports.iter().zip(&out.persons) {
                let path = r.path.clone();
                if let Some(before) = self.read(|s| Ok(s.source_by_sha256(&r.sha256)?))? {
                    let why = format!(
                        "{} was stored already as source {} ('{}', {}; same SHA-256 {}…)",
                        path.display(),
                        before.source_id,
                        athar_store::escape_control(&before.name),
                        before.imported_at,
                        &r.sha256[..12.min(r.sha256.len())]
                    );
                    out.stored.push(StoredReport {
                        path,
                        source_id: None,
                        stored_before: Some(before.source_id),
                        refused: Some(why),
                    });
                    continue;
                }
                out.stored.push(match self.store_report(actor, r, persons) {
                    Ok(id) => StoredReport { path, source_id: Some(id), stored_before: None, refused: None },
                    Err(e) => StoredReport { path, source_id: None, stored_before: None, refused: Some(e.to_string()) },
                });
            }
        }
        out.scanned = scanned;
        Ok(out)
    }

    /// The detention sites, places and (with `persons`) registered persons one text names —
    /// a text pasted into the web application or sent to the API: as [`Registry::scan_reports`]
    /// for one report that is not kept, at most `max_searches` searches.
    pub fn scan_text(&self, actor: &Actor, text: &str, persons: bool, max_searches: usize) -> Result<TextScan> {
        self.scan_text_within(actor, text, persons, &mut athar_search::searches_up_to(max_searches))
    }

    /// As [`Registry::scan_text`], asking `may_search` before each search for a person whether
    /// one more may be made (and counting it): the user's search limits, shared with the
    /// requests made meanwhile, taken one search at a time.
    pub fn scan_text_within(
        &self,
        actor: &Actor,
        text: &str,
        persons: bool,
        may_search: &mut dyn FnMut() -> bool,
    ) -> Result<TextScan> {
        actor.require(if persons { Action::Search } else { Action::SeeCounts })?;
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(RegistryError::Invalid(format!(
                "a text of {chars} characters: at most {MAX_TEXT_CHARS} are read at once; scan a longer report as a \
                 file (athar scan FILE)"
            )));
        }
        let mentions = self.names()?.scanner()?.scan(text);
        let mut out = TextScan { mentions, ..TextScan::default() };
        if persons {
            let withheld = self.withheld(actor)?;
            let found = self.with_index(|index| Ok(index.name_mentions_within(text, may_search)))?;
            out.searches = found.searches;
            out.stopped = found.stopped;
            let (mut shown, hidden) = self.shown_persons(actor, &withheld, vec![found.mentions], found.searches)?;
            out.persons = shown.pop().unwrap_or_default();
            out.withheld = hidden;
        }
        Ok(out)
    }

    /// The persons found in each text, but those `withheld` from this role (counted), and the
    /// audit entry of the searches (`search.scan`, with the persons shown) written before they
    /// are returned.
    fn shown_persons(
        &self,
        actor: &Actor,
        withheld: &crate::sensitivity::Withheld,
        per_text: Vec<Vec<NameMention>>,
        searches: usize,
    ) -> Result<(Vec<Vec<PersonMention>>, usize)> {
        let mut shown = BTreeSet::new();
        let mut hidden = 0;
        let texts = per_text.len();
        let mut out = Vec::with_capacity(texts);
        for found in per_text {
            let mut persons = Vec::new();
            for n in found {
                let p = &n.person;
                if withheld.person(&p.person_id) || p.records.iter().any(|x| withheld.record(x.record_id)) {
                    hidden += 1;
                    continue;
                }
                shown.insert(p.person_id.clone());
                persons.push(PersonMention {
                    offset: n.offset,
                    record_id: p.records.first().map_or(0, |x| x.record_id),
                    person_id: p.person_id.clone(),
                    probability: p.probability,
                    text: n.text,
                });
            }
            out.push(persons);
        }
        let detail = SearchNote {
            query: None,
            purpose: Some(format!("persons named in {texts} text(s)")),
            shown: shown.into_iter().collect(),
        };
        self.audit(actor, "search.scan", None, Some(searches as i64), Some(&detail.text()))?;
        Ok((out, hidden))
    }

    /// Keeps one report as a source of kind `report` with its mentions, in one transaction:
    /// its file read again and refused if it is no longer the file scanned.
    fn store_report(&self, actor: &Actor, report: &Report, persons: &[PersonMention]) -> Result<String> {
        let path = &report.path;
        let io = |e: std::io::Error| RegistryError::Io { path: path.clone(), source: e };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_STORED_REPORT {
            invalid!(
                "{} is larger than {} MB: not kept in the registry (its mentions are shown)",
                path.display(),
                MAX_STORED_REPORT >> 20
            );
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let mut hash = athar_ingest::record::Sha256Stream::default();
        hash.update(&bytes);
        let sha256 = hash.finish();
        if sha256 != report.sha256 {
            invalid!("{} changed after it was read; not kept, scan it again", path.display());
        }
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut mentions: Vec<NewMention> = report
            .mentions
            .iter()
            .map(|m| NewMention {
                offset: m.offset as i64,
                entity_kind: match m.entity_kind {
                    EntityKind::Facility => "facility",
                    EntityKind::Place => "place",
                }
                .into(),
                entity_id: Some(m.entity_id.clone()),
                record_id: None,
                confidence: m.confidence,
                text: m.text.clone(),
            })
            .chain(persons.iter().map(|p| NewMention {
                offset: p.offset as i64,
                entity_kind: "person".into(),
                entity_id: None,
                record_id: Some(p.record_id),
                confidence: p.probability,
                text: p.text.clone(),
            }))
            .collect();
        mentions.sort_by_key(|m| m.offset);
        let new = NewSource {
            name: format!("report:{file_name}:{}", &sha256[..12]),
            kind: "report".into(),
            file_name,
            sha256,
            size: size as i64,
            format: report.format.offsets_into().into(),
            encoding: None,
            actor: actor.name.clone(),
            description: None,
            mapping_json: "{}".into(),
        };
        self.write(|store| {
            let mut imp = store.begin_import(&new, false)?;
            for piece in bytes.chunks(crate::import::CHUNK) {
                imp.add_file_chunk(piece)?;
            }
            for m in &mentions {
                imp.add_mention(m)?;
            }
            Ok(imp.commit_report(&actor.name)?)
        })
    }
}
