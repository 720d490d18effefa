//! Detention sites users add to the registry's gazetteer — a branch no report had named before,
//! a site of another country — and what a registry knows of names because of them.
//!
//! A site added is checked as a compiled-in one is (a stable id used once, names with letters,
//! one name that names it on its own, none already another site's), kept with its provenance
//! (who, when, from what, the file and its SHA-256) and sealed in the audit chain. From then on
//! it is one of the registry's place names: the name engine equates its spellings in records
//! (so the link's kept state, stamped with the name tables, is no longer used: the next link
//! runs over every record), the search index is built again with it, and the scanner finds it
//! in reports. Another process's addition is seen at the next call (the store counts changes).
//!
//! Owns the use-case and the reading of site files (a table — CSV, TSV, XLSX, JSON — or the
//! gazetteer's own TOML, citations and all); the checks are the gazetteer's
//! (`athar_names::Gazetteer`), the storage the store's.

use crate::actor::{Action, Actor};
use crate::{Registry, RegistryError, Result};
use athar_names::gazetteer::REGISTRY_FILE;
use athar_names::tables::SetKind;
use athar_names::{Facility, FacilityKind, Gazetteer, NameEngine, VariantTables};
use athar_scan::Scanner;
use athar_store::{NewSite, SiteRow};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// What a registry knows of names: the name engine and the gazetteer — the compiled-in
/// tables with the sites its users added — and the scanner over them.
pub struct Names {
    engine: NameEngine,
    gazetteer: Gazetteer,
    /// The store's count of site changes these were built at.
    sites_version: i64,
    scanner: OnceLock<std::result::Result<Scanner, String>>,
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Names").field("sites_version", &self.sites_version).finish_non_exhaustive()
    }
}

impl Names {
    pub fn engine(&self) -> &NameEngine {
        &self.engine
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The store's count of site changes these were built at.
    pub fn sites_version(&self) -> i64 {
        self.sites_version
    }

    /// The report scanner over these sites and places, built at its first use.
    pub fn scanner(&self) -> Result<&Scanner> {
        self.scanner
            .get_or_init(|| Scanner::new(&self.gazetteer, self.engine.tables()))
            .as_ref()
            .map_err(|e| RegistryError::Invalid(format!("the gazetteer: {e}")))
    }

    /// The compiled-in gazetteer with `sites` (as stored) added.
    fn build(sites: &[SiteRow], sites_version: i64) -> Result<Names> {
        let mut gazetteer = Gazetteer::builtin().map_err(|e| RegistryError::Invalid(format!("the gazetteer: {e}")))?;
        for row in sites {
            let site: Facility = serde_json::from_str(&row.site_json).map_err(|e| {
                RegistryError::Invalid(format!("site '{}' as stored in the registry cannot be read: {e}", row.id))
            })?;
            gazetteer.add_registry_site(site, false).map_err(|e| {
                RegistryError::Invalid(format!(
                    "site '{}', added to this registry by {} on {}, no longer fits the compiled-in gazetteer: {}",
                    row.id, row.added_by, row.added_at, e.message
                ))
            })?;
        }
        let engine = NameEngine::with_gazetteer(&gazetteer)
            .map_err(|e| RegistryError::Invalid(format!("the name tables with the registry's sites: {e}")))?;
        Ok(Names { engine, gazetteer, sites_version, scanner: OnceLock::new() })
    }
}

/// A site as a user gives it: the gazetteer's facts, and where the user learnt of it.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    /// Stable id: lower-case ASCII letters, digits and `_` (`branch_290`).
    pub id: String,
    /// `prison`, `branch`, `pre_trial_centre`, … (see [`FacilityKind`]).
    pub kind: String,
    /// Two capital letters (`SY`, `UA`, `LB`).
    pub country: String,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub authority: Option<String>,
    /// Its names: in Arabic or Cyrillic script, they are its native names, else Latin ones.
    pub names: Vec<String>,
    /// The names among `names` that also mean something else (a town, a word): they name the
    /// site only among words of detention.
    #[serde(default)]
    pub bare: Vec<String>,
    /// Latitude and longitude, where the source gives them.
    #[serde(default)]
    pub coordinates: Option<[f64; 2]>,
    /// Where the user learnt of it (a report, a testimony, a list), in their words.
    pub source: String,
    /// Where it was given, for messages (`row 4` of a file).
    #[serde(skip)]
    pub given_at: Option<String>,
}

/// The kinds of site, as a user may write them.
const KINDS: &[FacilityKind] = &[
    FacilityKind::Prison,
    FacilityKind::Branch,
    FacilityKind::PreTrialCentre,
    FacilityKind::PenalColony,
    FacilityKind::FiltrationSite,
    FacilityKind::MilitaryBase,
    FacilityKind::AirportPrison,
    FacilityKind::PoliceStation,
    FacilityKind::TemporaryDetention,
    FacilityKind::Other,
];

fn kind_of(text: &str) -> Result<FacilityKind, String> {
    let key: String = text.trim().to_lowercase().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c }).collect();
    let key = match key.as_str() {
        "pre_trial_center" | "sizo" => "pre_trial_centre",
        other => other,
    };
    KINDS.iter().copied().find(|k| k.as_str() == key).ok_or_else(|| {
        format!(
            "the kind '{}' is not one Athar knows: {}",
            text.trim(),
            KINDS.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
        )
    })
}

/// The longest name of a site, and the most names one site may have.
const MAX_NAME_CHARS: usize = 200;
const MAX_NAMES: usize = 50;
/// The most sites one call adds.
const MAX_SITES: usize = 5_000;

/// Whether a text holds control characters or direction overrides.
fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

/// Why a site's names cannot stand as they are, if so: a name that names it on its own must not
/// be a word of the reports' context, too short, a town's or a person's name (those are bare
/// names: the site only among words of detention); a bare name must not be a town where sites
/// stand already (it would take that town's mentions from them).
fn names_problem(f: &Facility, tables: &VariantTables, scanner: &Scanner, gazetteer: &Gazetteer) -> Option<String> {
    for form in f.forms() {
        let sets = tables.lookup(form);
        // A person's name, or a town's (a place that is no site).
        let town_or_person = sets.iter().any(|id| {
            let set = tables.set(*id);
            set.kind != SetKind::Place || gazetteer.facility(&set.id).is_none()
        });
        if !town_or_person {
            if f.stands_alone(form) {
                if let Some(why) = scanner.too_common_to_stand(form) {
                    return Some(why);
                }
            }
            continue;
        }
        if f.stands_alone(form) {
            return Some(scanner.too_common_to_stand(form).unwrap_or_else(|| {
                format!(
                    "'{form}' is a town's or a person's name: give it with --bare (it then names the site only among \
                     words of detention), and a name of the site's own"
                )
            }));
        }
        let key = athar_names::normalize::lookup_key(form);
        let there = gazetteer.facilities().iter().find(|o| {
            o.city_name().is_some_and(|c| {
                athar_names::normalize::lookup_key(c) == key || tables.lookup(c).iter().any(|id| sets.contains(id))
            })
        });
        if let Some(other) = there {
            return Some(format!(
                "the bare name '{form}' is a town where site '{}' ({}) stands: it would take that town's mentions \
                 among words of detention; give the site a name of its own",
                other.id,
                other.label()
            ));
        }
    }
    None
}

/// Whether a name is written in a native script (Arabic, Cyrillic) rather than Latin.
fn is_native(name: &str) -> bool {
    name.chars().any(|c| {
        matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
            || matches!(c, '\u{0400}'..='\u{052F}')
    })
}

impl SiteInput {
    /// The site as the gazetteer holds it, or what is wrong with it.
    fn facility(&self) -> Result<Facility, String> {
        if self.source.trim().is_empty() {
            return Err("say where the site is known from (--source: a report, a testimony, a list)".into());
        }
        let kind = kind_of(&self.kind)?;
        let texts = self.names.iter().chain(&self.bare).map(String::as_str);
        let fields = [Some(self.source.as_str()), self.city.as_deref(), self.authority.as_deref(), Some(&self.id)];
        if let Some(bad) = texts.clone().chain(fields.into_iter().flatten()).find(|t| has_control(t)) {
            return Err(format!(
                "'{}' holds control or direction characters: give the text as it is read",
                athar_store::escape_control(bad)
            ));
        }
        if let Some(long) = texts.clone().find(|t| t.chars().count() > MAX_NAME_CHARS) {
            return Err(format!(
                "a name of {} characters is no site's name (at most {MAX_NAME_CHARS}): '{}…'",
                long.chars().count(),
                long.chars().take(40).collect::<String>()
            ));
        }
        if texts.count() > MAX_NAMES {
            return Err(format!("more than {MAX_NAMES} names for one site: give its names, not a list"));
        }
        let names: Vec<String> = self.names.iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        let bare: Vec<String> = self.bare.iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        // A bare name not among the names is one more name of the site.
        let all: Vec<String> = names.iter().chain(bare.iter().filter(|b| !names.contains(b))).cloned().collect();
        let (native, latin): (Vec<String>, Vec<String>) = all.into_iter().partition(|n| is_native(n));
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        Ok(Facility {
            id: self.id.trim().to_string(),
            kind,
            country: self.country.trim().to_string(),
            city: blank(&self.city),
            authority: blank(&self.authority),
            native,
            latin,
            bare,
            coordinates: self.coordinates,
            cite: BTreeMap::new(),
            evidence: Vec::new(),
            file: REGISTRY_FILE.to_string(),
        })
    }
}

/// A site of the registry's gazetteer, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct SiteListing {
    /// `facility:ID`, as mentions and records' places name it.
    pub entity_id: String,
    pub label: String,
    pub kind: &'static str,
    pub country: String,
    pub city: Option<String>,
    pub names: Vec<String>,
    pub bare: Vec<String>,
    /// `compiled-in` (the data files, each fact cited) or `registry` (added by a user).
    pub origin: &'static str,
    /// The compiled-in site's sources (title and address), or the user's words.
    pub sources: Vec<String>,
    /// Who added a registry's site, when, from which file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<SiteRow>,
}

/// What an addition did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SitesAdded {
    /// The ids added.
    pub added: Vec<String>,
    /// The ids the registry held already, the same in every fact (a file imported again).
    pub held: Vec<String>,
    /// Of those, the ones given with another source than the one kept (which stays).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held_with_other_source: Vec<String>,
    /// The file read, and its SHA-256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The most bytes of a site file read: some thousand sites fit in far less.
const MAX_SITE_FILE: u64 = 16 * 1024 * 1024;

impl Registry {
    /// What the registry knows of names now (built again when sites were added since, by this
    /// process or another).
    pub fn names(&self) -> Result<Arc<Names>> {
        let version = self.read(|s| Ok(s.sites_version()?))?;
        if let Some(n) = self.names_held().filter(|n| n.sites_version == version) {
            return Ok(n);
        }
        let (version, sites) =
            self.read(|s| s.read_snapshot(|s| -> Result<_> { Ok((s.sites_version()?, s.sites()?)) }))?;
        let built = Arc::new(Names::build(&sites, version)?);
        *self.names.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(built.clone());
        Ok(built)
    }

    fn names_held(&self) -> Option<Arc<Names>> {
        self.names.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Every site of the registry's gazetteer: the compiled-in ones, then those users added.
    pub fn sites(&self, actor: &Actor) -> Result<Vec<SiteListing>> {
        actor.require(Action::SeeCounts)?;
        let names = self.names()?;
        let rows: BTreeMap<String, SiteRow> =
            self.read(|s| Ok(s.sites()?))?.into_iter().map(|r| (r.id.clone(), r)).collect();
        let g = names.gazetteer();
        Ok(g.facilities()
            .iter()
            .map(|f| {
                let added = rows.get(&f.id).cloned();
                let sources = match &added {
                    Some(row) => vec![row.source.clone()],
                    None => g.cited(f),
                };
                SiteListing {
                    entity_id: format!("facility:{}", f.id),
                    label: f.label().to_string(),
                    kind: f.kind.as_str(),
                    country: f.country.clone(),
                    city: f.city.clone(),
                    names: f.forms().map(str::to_string).collect(),
                    bare: f.bare.clone(),
                    origin: if Gazetteer::is_registry_site(f) { "registry" } else { "compiled-in" },
                    sources,
                    added,
                }
            })
            .collect())
    }

    /// Adds sites to the registry's gazetteer, all or none: each is checked against the
    /// compiled-in sites, those added before and the others given, and every problem is
    /// said at once. A site the registry holds already with the same facts is left as it is
    /// (a file imported twice); with other facts it is refused.
    pub fn add_sites(&self, actor: &Actor, sites: &[SiteInput]) -> Result<SitesAdded> {
        self.add_sites_from(actor, sites, None)
    }

    fn add_sites_from(&self, actor: &Actor, sites: &[SiteInput], file: Option<(String, String)>) -> Result<SitesAdded> {
        actor.require(Action::Sites)?;
        if sites.is_empty() {
            return Err(RegistryError::Invalid("no site to add".into()));
        }
        if sites.len() > MAX_SITES {
            return Err(RegistryError::Invalid(format!(
                "{} sites at once: at most {MAX_SITES}; nothing was added",
                sites.len()
            )));
        }
        let names = self.names()?;
        let scanner = names.scanner()?;
        let held: BTreeMap<String, SiteRow> =
            self.read(|s| Ok(s.sites()?))?.into_iter().map(|r| (r.id.clone(), r)).collect();
        let mut gazetteer = names.gazetteer().clone();
        let mut problems = Vec::new();
        let mut out = SitesAdded::default();
        let mut new = Vec::new();
        // Where each id was first given in this call.
        let mut given: BTreeMap<String, String> = BTreeMap::new();
        for (i, input) in sites.iter().enumerate() {
            let place = match &input.given_at {
                Some(at) => at.clone(),
                None => format!("site {}", i + 1),
            };
            let at = match &input.given_at {
                Some(at) => format!("{at} ('{}'): ", input.id.trim()),
                None if sites.len() > 1 => format!("site {} ('{}'): ", i + 1, input.id.trim()),
                None => String::new(),
            };
            let facility = match input.facility() {
                Ok(f) => f,
                Err(e) => {
                    problems.push(format!("{at}{e}"));
                    continue;
                }
            };
            if let Some(first) = given.get(&facility.id) {
                problems.push(format!("{at}the id is given twice (also at {first}): an id names one site"));
                continue;
            }
            given.insert(facility.id.clone(), place);
            let json = serde_json::to_string(&facility).map_err(|e| RegistryError::Invalid(e.to_string()))?;
            if let Some(row) = held.get(&facility.id) {
                let same = serde_json::from_str::<Facility>(&row.site_json)
                    .ok()
                    .and_then(|f| serde_json::to_string(&f).ok())
                    .is_some_and(|stored| stored == json);
                if same {
                    if row.source != input.source.trim() {
                        out.held_with_other_source.push(facility.id.clone());
                    }
                    out.held.push(facility.id);
                } else {
                    problems.push(format!(
                        "{at}the registry holds a site '{}' already (added by {} on {}), with other facts: sites are \
                         never replaced; give this one another id",
                        facility.id, row.added_by, row.added_at
                    ));
                }
                continue;
            }
            if names.engine().tables().by_id(&facility.id).is_some() && gazetteer.facility(&facility.id).is_none() {
                problems.push(format!(
                    "{at}the id '{}' is the name tables' id of a place or a name: give the site another id",
                    facility.id
                ));
                continue;
            }
            if let Some(why) = names_problem(&facility, names.engine().tables(), scanner, &gazetteer) {
                problems.push(format!("{at}{why}"));
                continue;
            }
            let id = facility.id.clone();
            match gazetteer.add_registry_site(facility, true) {
                Ok(()) => new.push(NewSite {
                    id,
                    site_json: json,
                    source: input.source.trim().to_string(),
                    file_name: file.as_ref().map(|f| f.0.clone()),
                    file_sha256: file.as_ref().map(|f| f.1.clone()),
                }),
                Err(e) => problems.push(format!("{at}{}", e.message)),
            }
        }
        if !problems.is_empty() {
            let n = problems.len();
            return Err(RegistryError::Invalid(if n == 1 {
                format!("{}; no site was added", problems[0])
            } else {
                format!("{n} problems, no site was added: {}", problems.join("; "))
            }));
        }
        // The tables and the scanner are built with them before anything is stored.
        let engine = NameEngine::with_gazetteer(&gazetteer)
            .map_err(|e| RegistryError::Invalid(format!("the name tables with these sites: {e}; no site was added")))?;
        let scanner = Scanner::new(&gazetteer, engine.tables())
            .map_err(|e| RegistryError::Invalid(format!("the scanner with these sites: {e}; no site was added")))?;
        if !new.is_empty() {
            // Checked against the sites as they were read: if another user added one meanwhile,
            // nothing is added (the two could share a name).
            self.write(|s| Ok(s.add_sites(&actor.name, &new, names.sites_version)?))?;
            // The tables and the scanner just built are the registry's now, at the next count of
            // site changes (the store's sites in the order they were added, as `Names::build`
            // reads them): not built a second time.
            let built = Names {
                engine,
                gazetteer,
                sites_version: names.sites_version + 1,
                scanner: OnceLock::from(Ok(scanner)),
            };
            *self.names.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(built));
        }
        out.added = new.into_iter().map(|s| s.id).collect();
        if let Some((name, sha)) = file {
            out.file = Some(name);
            out.sha256 = Some(sha);
        }
        Ok(out)
    }

    /// Adds the sites of a file: a table (CSV, TSV, XLSX, JSON; columns `id`, `kind`,
    /// `country`, `city`, `authority`, `names` — or `native` and `latin` — `bare`, `latitude`,
    /// `longitude`, `source`; several names in a cell parted by `;` or `|`) or the gazetteer's
    /// TOML (`.toml`: its sources and quotes checked as the compiled-in files are; each site's
    /// source is then the sources it cites). All or none.
    pub fn import_sites(&self, actor: &Actor, path: &Path) -> Result<SitesAdded> {
        actor.require(Action::Sites)?;
        let io = |e: std::io::Error| RegistryError::Io { path: path.to_path_buf(), source: e };
        if !path.exists() {
            return Err(RegistryError::NotFound(format!("{}: no such file", path.display())));
        }
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Err(RegistryError::Invalid(format!("{} is a folder: give a file of sites", path.display())));
        }
        if meta.len() > MAX_SITE_FILE {
            return Err(RegistryError::Invalid(format!(
                "{} holds {} MB: a file of sites is far smaller (at most {} MB); check that it is the right file",
                path.display(),
                meta.len() / (1024 * 1024),
                MAX_SITE_FILE / (1024 * 1024)
            )));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let sites = if toml { sites_of_toml(path, &bytes)? } else { sites_of_table(path)? };
        self.add_sites_from(actor, &sites, Some((name, sha)))
    }
}

/// The sites of a gazetteer TOML file, checked as the compiled-in files are.
fn sites_of_toml(path: &Path, bytes: &[u8]) -> Result<Vec<SiteInput>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        RegistryError::Invalid(format!("{}: a TOML file is UTF-8 text, and this one is not ({e})", path.display()))
    })?;
    let mut g = Gazetteer::default();
    g.add_users_file(&path.display().to_string(), text)
        .map_err(|e| RegistryError::Invalid(format!("{e}; no site was added")))?;
    Ok(g.facilities()
        .iter()
        .map(|f| {
            let source = g.cited(f).join("; ");
            SiteInput {
                id: f.id.clone(),
                kind: f.kind.as_str().to_string(),
                country: f.country.clone(),
                city: f.city.clone(),
                authority: f.authority.clone(),
                names: f.forms().map(str::to_string).collect(),
                bare: f.bare.clone(),
                coordinates: f.coordinates,
                source,
                given_at: None,
            }
        })
        .collect())
}

/// The columns of a table of sites.
const COLUMNS: &[&str] = &[
    "id",
    "kind",
    "country",
    "city",
    "authority",
    "names",
    "native",
    "latin",
    "bare",
    "latitude",
    "longitude",
    "source",
];

/// The sites of a table: one row each; every problem of every row said at once.
fn sites_of_table(path: &Path) -> Result<Vec<SiteInput>> {
    let table = athar_ingest::open(path, &athar_ingest::ReadOptions::default())?;
    let column = |name: &str| table.headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let unknown: Vec<&String> =
        table.headers.iter().filter(|h| !COLUMNS.iter().any(|c| h.trim().eq_ignore_ascii_case(c))).collect();
    if !unknown.is_empty() {
        return Err(RegistryError::Invalid(format!(
            "{}: the column(s) {} are not columns of a table of sites ({}); nothing was added",
            path.display(),
            unknown.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", "),
            COLUMNS.join(", ")
        )));
    }
    let missing: Vec<&str> = ["id", "kind", "country", "source"].into_iter().filter(|c| column(c).is_none()).collect();
    let no_names = ["names", "native", "latin"].iter().all(|c| column(c).is_none());
    if !missing.is_empty() || no_names {
        let mut m: Vec<&str> = missing;
        if no_names {
            m.push("names (or native and latin)");
        }
        return Err(RegistryError::Invalid(format!(
            "{}: the table has no column {}; nothing was added",
            path.display(),
            m.join(", ")
        )));
    }
    let list = |cells: &[String], name: &str| -> Vec<String> {
        column(name)
            .and_then(|i| cells.get(i))
            .map(|c| {
                // A JSON file's list of names comes as its JSON text.
                match serde_json::from_str::<Vec<String>>(c.trim()) {
                    Ok(list) if c.trim_start().starts_with('[') => list,
                    _ => c.split([';', '|']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
                }
            })
            .unwrap_or_default()
    };
    let cell = |cells: &[String], name: &str| -> String {
        column(name).and_then(|i| cells.get(i)).map(|c| c.trim().to_string()).unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    for row in table.rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("row {}: {}", e.row, e.reason));
                continue;
            }
        };
        let cells = &row.cells;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let coordinate = |name: &str| -> std::result::Result<Option<f64>, String> {
            let v = cell(cells, name);
            if v.is_empty() {
                return Ok(None);
            }
            v.replace(',', ".").parse::<f64>().map(Some).map_err(|_| format!("the {name} '{v}' is not a number"))
        };
        let coordinates = match (coordinate("latitude"), coordinate("longitude")) {
            (Ok(Some(a)), Ok(Some(b))) => Some([a, b]),
            (Ok(None), Ok(None)) => None,
            (Err(e), _) | (_, Err(e)) => {
                problems.push(format!("row {}: {e}", row.row));
                continue;
            }
            _ => {
                problems.push(format!("row {}: give both the latitude and the longitude, or neither", row.row));
                continue;
            }
        };
        let mut names = list(cells, "names");
        names.extend(list(cells, "native"));
        names.extend(list(cells, "latin"));
        let text = |name: &str| Some(cell(cells, name)).filter(|s| !s.is_empty());
        let input = SiteInput {
            id: cell(cells, "id"),
            kind: cell(cells, "kind"),
            country: cell(cells, "country"),
            city: text("city"),
            authority: text("authority"),
            names,
            bare: list(cells, "bare"),
            coordinates,
            source: cell(cells, "source"),
            given_at: Some(format!("{name} row {}", row.row)),
        };
        out.push(input);
    }
    if !problems.is_empty() {
        return Err(RegistryError::Invalid(format!(
            "{}: {} row(s) cannot be read, nothing was added: {}",
            path.display(),
            problems.len(),
            problems.join("; ")
        )));
    }
    if out.is_empty() {
        return Err(RegistryError::Invalid(format!("{}: the table holds no site", path.display())));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_as_people_write_them() {
        assert_eq!(kind_of("Pre-trial centre"), Ok(FacilityKind::PreTrialCentre));
        assert_eq!(kind_of(" branch "), Ok(FacilityKind::Branch));
        assert_eq!(kind_of("SIZO"), Ok(FacilityKind::PreTrialCentre));
        let e = kind_of("castle").expect_err("no such kind");
        assert!(e.contains("castle") && e.contains("pre_trial_centre"), "{e}");
    }

    #[test]
    fn names_in_arabic_or_cyrillic_are_native_and_bare_names_are_names() {
        let input = SiteInput {
            id: "branch_290".into(),
            kind: "branch".into(),
            country: "SY".into(),
            names: vec!["فرع 290".into(), "Branch 290".into(), "Ізоляція-2".into(), "Ḩimş branch".into()],
            bare: vec!["Kafr Sousa".into()],
            source: "testimony T-12".into(),
            ..SiteInput::default()
        };
        let f = input.facility().expect("a site");
        assert_eq!(f.native, vec!["فرع 290", "Ізоляція-2"]);
        assert_eq!(f.latin, vec!["Branch 290", "Ḩimş branch", "Kafr Sousa"]);
        assert!(!f.stands_alone("Kafr Sousa"));
        let e = SiteInput { source: " ".into(), ..input }.facility().expect_err("no source");
        assert!(e.contains("--source"), "{e}");
    }
}
