//! The facility gazetteer: detention sites, with their names in every script, kind, country,
//! city, who ran them, coordinates where a source gives them — and a cited source, with a
//! verbatim quote, for every fact.
//!
//! Owns the data files under `data/gazetteer/` (compiled in) and their checks: a fact without a
//! cited source, a cited source that is not listed, a site without a name, an id used twice, are
//! errors with the file and the site. The name engine's place sets for facilities are built from
//! it (`tables`); the report scanner reads its forms. Does not match text. The sites users add to
//! a registry are kept by the registry, with their provenance, and joined to this table when it
//! opens ([`Gazetteer::add_registry_site`]: the same checks, but their sources are the
//! registry's record of who added them, from what).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The gazetteer's files, compiled into the binary.
const FILES: &[(&str, &str)] = &[
    ("data/gazetteer/syria_prisons.toml", include_str!("../../../data/gazetteer/syria_prisons.toml")),
    ("data/gazetteer/syria_branches.toml", include_str!("../../../data/gazetteer/syria_branches.toml")),
    ("data/gazetteer/ukraine_russia_crimea.toml", include_str!("../../../data/gazetteer/ukraine_russia_crimea.toml")),
];

/// What kind of site it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    Prison,
    Branch,
    PreTrialCentre,
    PenalColony,
    FiltrationSite,
    MilitaryBase,
    AirportPrison,
    PoliceStation,
    TemporaryDetention,
    Other,
}

impl FacilityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityKind::Prison => "prison",
            FacilityKind::Branch => "branch",
            FacilityKind::PreTrialCentre => "pre_trial_centre",
            FacilityKind::PenalColony => "penal_colony",
            FacilityKind::FiltrationSite => "filtration_site",
            FacilityKind::MilitaryBase => "military_base",
            FacilityKind::AirportPrison => "airport_prison",
            FacilityKind::PoliceStation => "police_station",
            FacilityKind::TemporaryDetention => "temporary_detention",
            FacilityKind::Other => "other",
        }
    }
}

/// A document a fact is cited from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    #[serde(default)]
    pub publisher: Option<String>,
    pub url: String,
    #[serde(default)]
    pub date: Option<String>,
}

/// A verbatim quote of a source that shows a site's facts.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub source: String,
    pub quote: String,
}

/// One detention site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Facility {
    /// Stable id (`saydnaya`, `branch_215`, `izolyatsia`): what mentions and records point at.
    pub id: String,
    pub kind: FacilityKind,
    /// `SY`, `UA` (Crimea and occupied Ukraine included) or `RU`.
    pub country: String,
    /// The city or town, as the sources place it (may say more: "Aleppo (Masaken al-Sabil)").
    #[serde(default)]
    pub city: Option<String>,
    /// Who runs or ran it, where a source says.
    #[serde(default)]
    pub authority: Option<String>,
    /// Names in the native script(s): Arabic; Ukrainian and Russian Cyrillic.
    #[serde(default)]
    pub native: Vec<String>,
    /// Latin spellings the sources use.
    #[serde(default)]
    pub latin: Vec<String>,
    /// The names among `native` and `latin` that also mean something else — a town (Saydnaya,
    /// Olenivka), a street, a family name (al-Khatib), a word (изоляция): they name the site only
    /// where the context says so (a detention word beside them, a facility column).
    #[serde(default)]
    pub bare: Vec<String>,
    /// Latitude and longitude, only where a source gives them.
    #[serde(default)]
    pub coordinates: Option<[f64; 2]>,
    /// For each fact (`names`, `kind`, `city`, `authority`, `coordinates`), the sources that
    /// state it: ids of this file's `[sources]`.
    pub cite: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// The data file it comes from.
    #[serde(skip)]
    pub file: String,
}

impl Facility {
    /// Every name, native first.
    pub fn forms(&self) -> impl Iterator<Item = &str> {
        self.native.iter().chain(&self.latin).map(String::as_str)
    }

    /// Whether `form` (one of the site's names) names it on its own, not only in context.
    pub fn stands_alone(&self, form: &str) -> bool {
        !self.bare.iter().any(|b| b == form)
    }

    /// The name to show: the first Latin spelling, else the first native one, else the id.
    pub fn label(&self) -> &str {
        self.latin.first().or(self.native.first()).map_or(self.id.as_str(), String::as_str)
    }

    /// The city's own name: `city` up to a bracket or a comma ("Taganrog, Rostov Oblast" →
    /// "Taganrog").
    pub fn city_name(&self) -> Option<&str> {
        let city = self.city.as_deref()?;
        let end = city.find(['(', ',']).unwrap_or(city.len());
        Some(city[..end].trim()).filter(|c| !c.is_empty())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    sources: BTreeMap<String, Source>,
    #[serde(default)]
    facility: Vec<Facility>,
}

/// A problem in a gazetteer file: the file, the site (when there is one), what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GazetteerError {
    pub file: String,
    pub site: Option<String>,
    pub message: String,
}

impl fmt::Display for GazetteerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.site {
            Some(site) => write!(f, "{}: site '{site}': {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for GazetteerError {}

/// The detention sites and the sources their facts are cited from.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    facilities: Vec<Facility>,
    /// Sources by file, then id (ids are a file's own).
    sources: BTreeMap<String, BTreeMap<String, Source>>,
}

const COUNTRIES: &[&str] = &["SY", "UA", "RU"];

/// The countries a site may stand in: those of the shipped files, or any (a registry's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Countries {
    Shipped,
    Any,
}

impl Countries {
    fn allow(self, country: &str) -> bool {
        match self {
            Countries::Shipped => COUNTRIES.contains(&country),
            Countries::Any => country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()),
        }
    }

    fn describe(self) -> String {
        match self {
            Countries::Shipped => COUNTRIES.join(", "),
            Countries::Any => "two capital letters (SY, UA, LB …)".to_string(),
        }
    }
}

/// The `file` of the sites a registry's users added.
pub const REGISTRY_FILE: &str = "registry";

impl Gazetteer {
    /// The compiled-in gazetteer. Fails only if a data file is malformed, which the crate's
    /// tests rule out.
    pub fn builtin() -> Result<Gazetteer, GazetteerError> {
        let mut g = Gazetteer::default();
        for (file, text) in FILES {
            g.add_file(file, text)?;
        }
        Ok(g)
    }

    /// Adds the sites of one file (TOML: `[sources.ID]` tables and `[[facility]]` entries),
    /// checking every one.
    pub fn add_file(&mut self, file: &str, text: &str) -> Result<(), GazetteerError> {
        self.add_file_of(file, text, Countries::Shipped)
    }

    /// As [`Gazetteer::add_file`], for a file of a registry's users (read before its sites are
    /// added to the registry): every check of a shipped file, but any country given as two
    /// capital letters, as for a site added alone.
    pub fn add_users_file(&mut self, file: &str, text: &str) -> Result<(), GazetteerError> {
        self.add_file_of(file, text, Countries::Any)
    }

    fn add_file_of(&mut self, file: &str, text: &str, countries: Countries) -> Result<(), GazetteerError> {
        let parsed: File = toml::from_str(text).map_err(|e| GazetteerError {
            file: file.to_string(),
            site: None,
            message: e.to_string().trim().to_string(),
        })?;
        for mut f in parsed.facility {
            f.file = file.to_string();
            check(&f, &parsed.sources, self, countries)?;
            self.facilities.push(f);
        }
        self.sources.entry(file.to_string()).or_default().extend(parsed.sources);
        Ok(())
    }

    /// Adds a site a registry's users added: every check of a compiled-in site (a stable id
    /// used once, names with letters, one that names it on its own), a country given as two
    /// capital letters (a site may stand outside Syria, Ukraine and Russia), and — for a site
    /// being added (`new`), not one a registry holds already — none of its names already
    /// another site's: but no citations, its provenance is the registry's. (A site held
    /// before a later version's data gave one of its names to a compiled-in site still opens.)
    pub fn add_registry_site(&mut self, mut f: Facility, new: bool) -> Result<(), GazetteerError> {
        f.file = REGISTRY_FILE.to_string();
        f.cite.clear();
        f.evidence.clear();
        check_site(&f, self, Countries::Any)?;
        for form in f.forms().filter(|_| new) {
            let key = crate::normalize::lookup_key(form);
            if let Some(other) =
                self.facilities.iter().find(|o| o.forms().any(|x| crate::normalize::lookup_key(x) == key))
            {
                return Err(GazetteerError {
                    file: REGISTRY_FILE.to_string(),
                    site: Some(f.id.clone()),
                    message: format!(
                        "the name '{form}' is already a name of site '{}' ({}): a site is there once; give \
                         this one a name of its own",
                        other.id,
                        other.label()
                    ),
                });
            }
        }
        self.facilities.push(f);
        Ok(())
    }

    /// Whether the site was added by a registry's users (not compiled in).
    pub fn is_registry_site(f: &Facility) -> bool {
        f.file == REGISTRY_FILE
    }

    pub fn facilities(&self) -> &[Facility] {
        &self.facilities
    }

    pub fn facility(&self, id: &str) -> Option<&Facility> {
        self.facilities.iter().find(|f| f.id == id)
    }

    /// A source a site cites, by its id in the site's file.
    pub fn source(&self, facility: &Facility, id: &str) -> Option<&Source> {
        self.sources.get(&facility.file)?.get(id)
    }

    /// The sources a site cites for any of its facts, each once, as `title <address>`.
    pub fn cited(&self, facility: &Facility) -> Vec<String> {
        let mut ids: Vec<&String> = facility.cite.values().flatten().collect();
        ids.sort();
        ids.dedup();
        ids.into_iter().filter_map(|id| self.source(facility, id)).map(|s| format!("{} <{}>", s.title, s.url)).collect()
    }
}

/// Checks one site before it is added: a stable id used once, a name, a known country, and
/// every fact cited from a source the file lists, with a quote.
fn check(
    f: &Facility,
    sources: &BTreeMap<String, Source>,
    g: &Gazetteer,
    countries: Countries,
) -> Result<(), GazetteerError> {
    check_site(f, g, countries)?;
    let err = |message: String| GazetteerError { file: f.file.clone(), site: Some(f.id.clone()), message };
    let facts = [
        ("names", true),
        ("kind", true),
        ("city", f.city.is_some()),
        ("authority", f.authority.is_some()),
        ("coordinates", f.coordinates.is_some()),
    ];
    for (fact, present) in facts {
        let cited = f.cite.get(fact).is_some_and(|c| !c.is_empty());
        if present && !cited {
            return Err(err(format!("the {fact} cite no source (add it to [facility.cite])")));
        }
        if !present && cited {
            return Err(err(format!("[facility.cite] has '{fact}', but the site gives no {fact}")));
        }
    }
    if let Some(other) = f.cite.keys().find(|k| !facts.iter().any(|(fact, _)| fact == k)) {
        return Err(err(format!("[facility.cite] has '{other}', which is no fact of a site")));
    }
    for id in f.cite.values().flatten() {
        if !sources.contains_key(id) {
            return Err(err(format!("cites '{id}', which is not in the file's [sources]")));
        }
        if !f.evidence.iter().any(|e| &e.source == id) {
            return Err(err(format!("cites '{id}' with no quote of it in [[facility.evidence]]")));
        }
    }
    for e in &f.evidence {
        if !sources.contains_key(&e.source) {
            return Err(err(format!("a quote is from '{}', which is not in the file's [sources]", e.source)));
        }
        if e.quote.trim().is_empty() {
            return Err(err(format!("a quote of '{}' is empty", e.source)));
        }
    }
    Ok(())
}

/// The checks of a site's own facts, cited or not: its id, names, country and coordinates.
fn check_site(f: &Facility, g: &Gazetteer, countries: Countries) -> Result<(), GazetteerError> {
    let err = |message: String| GazetteerError { file: f.file.clone(), site: Some(f.id.clone()), message };
    if f.id.is_empty() || !f.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        return Err(err("the id must be lower-case ASCII letters, digits and '_'".into()));
    }
    if let Some(other) = g.facility(&f.id) {
        return Err(err(if other.file == f.file {
            "the id is used twice in the file: an id names one site".to_string()
        } else {
            format!("the id is used twice (also in {})", other.file)
        }));
    }
    if f.forms().next().is_none() {
        return Err(err("the site has no name (native or latin)".into()));
    }
    if let Some(stray) = f.bare.iter().find(|b| !f.forms().any(|form| form == b.as_str())) {
        return Err(err(format!("bare name '{stray}' is not one of the site's names (native or latin)")));
    }
    if !f.forms().any(|form| f.stands_alone(form)) {
        return Err(err("every name of the site is bare: give one that names it on its own".into()));
    }
    if let Some(bad) = f.forms().find(|form| !form.chars().any(char::is_alphabetic)) {
        return Err(err(format!("the name '{bad}' has no letter")));
    }
    if !countries.allow(&f.country) {
        return Err(err(format!("country '{}' is not one of {}", f.country, countries.describe())));
    }
    if let Some([lat, lon]) = f.coordinates {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(err(format!("coordinates [{lat}, {lon}] are not a latitude and a longitude")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Gazetteer {
        Gazetteer::builtin().unwrap_or_else(|e| panic!("gazetteer data error: {e}"))
    }

    #[test]
    fn the_gazetteer_holds_the_sites_the_issue_asks_for_each_fact_cited() {
        let g = builtin();
        let count = |c: &str| g.facilities().iter().filter(|f| f.country == c).count();
        assert!(count("SY") >= 40, "Syrian sites: {}", count("SY"));
        assert!(count("UA") + count("RU") >= 25, "Ukraine, Crimea and Russia: {}", count("UA") + count("RU"));
        for id in [
            "saydnaya",
            "palestine_branch",
            "branch_215",
            "branch_227",
            "branch_248",
            "branch_251",
            "mezzeh_airport",
            "adra",
            "tadmur",
            "izolyatsia",
            "olenivka",
            "simferopol_sizo",
            "taganrog_sizo",
            "kursk_sizo",
        ] {
            let f = g.facility(id).unwrap_or_else(|| panic!("{id} is in the gazetteer"));
            for cited in f.cite.values().flatten() {
                assert!(g.source(f, cited).is_some(), "{id} cites {cited}");
            }
        }
        let saydnaya = g.facility("saydnaya").expect("saydnaya");
        assert!(saydnaya.native.iter().any(|n| n == "سجن صيدنايا"));
        assert!(saydnaya.latin.iter().any(|n| n == "Sednaya"));
        assert_eq!(saydnaya.kind, FacilityKind::Prison);
    }

    #[test]
    fn a_fact_without_a_source_or_a_quote_is_refused_with_its_file_and_site() {
        let good = r#"
[sources.a]
title = "A report"
url = "https://example.org/a"

[[facility]]
id = "x_prison"
kind = "prison"
country = "SY"
city = "Homs"
latin = ["X prison"]
[facility.cite]
names = ["a"]
kind = ["a"]
city = ["a"]
[[facility.evidence]]
source = "a"
quote = "X prison, in Homs"
"#;
        let mut g = Gazetteer::default();
        assert!(g.add_file("t.toml", good).is_ok());
        let e = g.add_file("u.toml", good).expect_err("the same id twice");
        assert!(e.to_string().contains("used twice"), "{e}");
        for (change, expect) in [
            (("city = [\"a\"]\n", ""), "the city cite no source"),
            (("names = [\"a\"]", "names = [\"b\"]"), "not in the file's [sources]"),
            (("quote = \"X prison, in Homs\"", "quote = \"\""), "empty"),
            (("country = \"SY\"", "country = \"FR\""), "country"),
            (("latin = [\"X prison\"]", "latin = [\"215\"]"), "no letter"),
            (("kind = \"prison\"", "kind = \"castle\""), "castle"),
            (("latin = [\"X prison\"]", "latin = [\"X prison\"]\nbare = [\"X\"]"), "not one of the site's names"),
            (
                ("latin = [\"X prison\"]", "latin = [\"X prison\"]\nbare = [\"X prison\"]"),
                "every name of the site is bare",
            ),
        ] {
            let text = good.replacen(change.0, change.1, 1);
            let e = Gazetteer::default().add_file("t.toml", &text).expect_err(expect);
            assert!(e.to_string().contains(expect), "{expect}: {e}");
            assert!(e.to_string().starts_with("t.toml"), "{e}");
        }
        // A users' file may name a site in any country (two capitals), as a site added alone
        // may; checked otherwise as a shipped file is.
        let lebanon = good.replacen("country = \"SY\"", "country = \"LB\"", 1);
        assert!(Gazetteer::default().add_users_file("mine.toml", &lebanon).is_ok());
        let e = Gazetteer::default().add_users_file("mine.toml", &good.replacen("\"SY\"", "\"Lb\"", 1));
        assert!(e.expect_err("not two capitals").to_string().contains("two capital letters"));
        let e = Gazetteer::default().add_users_file("mine.toml", &good.replacen("city = [\"a\"]\n", "", 1));
        assert!(e.expect_err("uncited").to_string().contains("the city cite no source"));
        // The same id twice in one file is said so.
        let twice = format!("{good}\n{}", &good[good.find("[[facility]]").unwrap_or(0)..]);
        let e = Gazetteer::default().add_users_file("mine.toml", &twice).expect_err("one id twice");
        assert!(e.to_string().contains("used twice in the file"), "{e}");
    }

    fn site(id: &str, country: &str, latin: &[&str]) -> Facility {
        Facility {
            id: id.into(),
            kind: FacilityKind::Branch,
            country: country.into(),
            city: Some("Damascus".into()),
            authority: None,
            native: Vec::new(),
            latin: latin.iter().map(|s| s.to_string()).collect(),
            bare: Vec::new(),
            coordinates: None,
            cite: BTreeMap::new(),
            evidence: Vec::new(),
            file: String::new(),
        }
    }

    #[test]
    fn a_registry_site_is_checked_like_a_compiled_in_one_but_for_its_citations() {
        let mut g = builtin();
        let n = g.facilities().len();
        g.add_registry_site(site("branch_290", "SY", &["Branch 290"]), true).expect("a new site");
        assert_eq!(g.facilities().len(), n + 1);
        assert!(Gazetteer::is_registry_site(&g.facilities()[n]));
        // Outside the three countries of the compiled-in data: any two capital letters.
        g.add_registry_site(site("roumieh", "LB", &["Roumieh prison"]), true).expect("a site in Lebanon");
        for (bad, expect) in [
            (site("branch_290", "SY", &["Branch 2900"]), "used twice"),
            (site("saydnaya", "SY", &["Another name"]), "used twice"),
            (site("x_site", "Syria", &["X site"]), "two capital letters"),
            (site("x_site", "SY", &[]), "no name"),
            (site("X Site", "SY", &["X site"]), "lower-case"),
            (site("x_site", "SY", &["Sednaya prison"]), "already a name of site 'saydnaya'"),
            (site("x_site", "SY", &["SEDNAYA  Prison"]), "already a name of site 'saydnaya'"),
        ] {
            let e = g.clone().add_registry_site(bad, true).expect_err(expect);
            assert!(e.to_string().contains(expect), "{expect}: {e}");
        }
        // Held before: opens even where a name is now another site's.
        g.clone().add_registry_site(site("x_site", "SY", &["Sednaya prison"]), false).expect("held");
    }
}
