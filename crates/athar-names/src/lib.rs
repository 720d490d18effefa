//! # athar-names
//!
//! Athar's cross-script name engine: it knows that محمد عبد الرحمن الحلبي, Mohammed Abdulrahman
//! al-Halabi and Mhd Abd al-Rahman Halabi may be one man, and that Hassan and Hussein are two
//! names. Pure: no I/O, no global state; the variant tables are compiled in and parsed once when
//! a [`NameEngine`] is made.
//!
//! ```
//! let engine = athar_names::NameEngine::new();
//! let cmp = engine.compare_text("Mohammed Abdulrahman al-Halabi", "محمد عبد الرحمن الحلبي");
//! assert!(cmp.same_name);
//! ```
//!
//! Modules, one concern each: [`normalize`] (text folding), [`script`] (script detection),
//! [`translit`] (romanisation), [`skeleton`] (blocking keys), [`tables`] (variant data),
//! [`structure`] (parts and roles), [`compare`] (similarity and explanation).

pub mod compare;
pub mod normalize;
pub mod script;
pub mod skeleton;
pub mod structure;
pub mod tables;
pub mod translit;

pub use compare::{MatchLevel, NameComparison, PartMatch, TokenLevel};
pub use script::{CyrillicLanguage, Script};
pub use structure::{NamePart, PartKind, Role};
pub use tables::{EquivalenceId, TableError, VariantTables};

use serde::Serialize;
use structure::{Construct, RawPart};

/// The result of analysing one written name.
#[derive(Debug, Clone, Serialize)]
pub struct NameAnalysis {
    /// The name as given.
    pub input: String,
    /// The script of the whole name (`mixed` when parts differ).
    pub script: Script,
    /// For Cyrillic names: Ukrainian, Russian or undetermined orthography.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cyrillic: Option<CyrillicLanguage>,
    pub parts: Vec<NamePart>,
}

impl NameAnalysis {
    /// A name with no part that could be compared: empty, digits, emoji, lone marks.
    pub fn is_empty(&self) -> bool {
        !self.parts.iter().any(|p| p.role != Role::Particle)
    }

    /// Every blocking key of the name: all skeletons of all parts, and `=id` for known names.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for p in &self.parts {
            if p.role == Role::Particle {
                continue;
            }
            for s in &p.skeletons {
                if !s.is_empty() && !keys.contains(s) {
                    keys.push(s.clone());
                }
            }
            for e in &p.equivalence {
                let k = format!("={e}");
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys
    }
}

/// The name engine: tables plus the operations on names. Make one and share it (`&self` only).
#[derive(Debug, Clone)]
pub struct NameEngine {
    tables: VariantTables,
}

impl Default for NameEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl NameEngine {
    /// Builds the engine from the compiled-in tables. The tables are tested data, so a failure
    /// here is a build defect; use [`NameEngine::try_new`] to handle it instead.
    pub fn new() -> Self {
        match Self::try_new() {
            Ok(e) => e,
            Err(e) => panic!("athar-names: compiled-in variant table is malformed: {e}"),
        }
    }

    pub fn try_new() -> Result<Self, TableError> {
        Ok(NameEngine { tables: VariantTables::builtin()? })
    }

    pub fn tables(&self) -> &VariantTables {
        &self.tables
    }

    /// Analyses a written name: tokens, parts with roles, romanisation, keys.
    pub fn analyse(&self, text: &str) -> NameAnalysis {
        let tokens = structure::tokenize(text);
        let lang = structure::name_cyrillic_language(&tokens);
        let raw = structure::group(&tokens, &self.tables);
        let mut parts: Vec<NamePart> = raw.iter().map(|p| self.build_part(&tokens, p, lang)).collect();
        let sets: Vec<Vec<EquivalenceId>> = parts.iter().map(|p| p.sets.clone()).collect();
        let roles = structure::assign_roles(&raw, &sets, &self.tables);
        for (p, r) in parts.iter_mut().zip(roles) {
            p.role = r;
        }
        let mut script = Script::None;
        for p in parts.iter().filter(|p| p.role != Role::Particle) {
            script = match (script, p.script) {
                (Script::None, s) => s,
                (a, b) if a == b => a,
                _ => Script::Mixed,
            };
        }
        let cyrillic = tokens.iter().any(|t| t.script == Script::Cyrillic).then_some(lang);
        NameAnalysis { input: text.to_string(), script, cyrillic, parts }
    }

    fn build_part(&self, tokens: &[structure::Token], raw: &RawPart, lang: CyrillicLanguage) -> NamePart {
        let t = &self.tables;

        let script = raw.tokens.iter().map(|&k| tokens[k].script).fold(Script::None, |acc, s| match acc {
            Script::None => s,
            a if a == s => a,
            _ => Script::Mixed,
        });
        let text = raw.tokens.iter().map(|&k| tokens[k].light.as_str()).collect::<Vec<_>>().join(" ");
        let mut sets: Vec<EquivalenceId> = t.lookup_key(&raw.key).to_vec();
        let mut father_name = None;
        // Romanisations of the core.
        let (mut latin, mut alt_latin) = match script {
            Script::Arabic => (translit::arabic_to_latin(&raw.light_core), None),
            Script::Cyrillic => translit::cyrillic_to_latin(&raw.key, lang),
            _ => (raw.key.clone(), translit::turkish_reading(&raw.key)),
        };
        if script == Script::Cyrillic && sets.is_empty() {
            for l in std::iter::once(&latin).chain(alt_latin.as_ref()) {
                for id in t.lookup_key(l) {
                    if !sets.contains(id) {
                        sets.push(*id);
                    }
                }
            }
        }
        // Script skeletons of the written form.
        let mut skeletons: Vec<String> = Vec::with_capacity(3);
        let script_skeleton = |core: &str| -> String {
            match script {
                Script::Arabic => skeleton::arabic_skeleton(core),
                _ => skeleton::latin_skeleton(core),
            }
        };
        let mut construct_latin = None;
        match (&raw.construct, raw.kind) {
            (Some((c, x)), _) => {
                let x_sets: Vec<EquivalenceId> =
                    if script == Script::Cyrillic { Vec::new() } else { t.lookup_key(x).to_vec() };
                let x_latin = match x_sets.first() {
                    Some(id) => t.set(*id).canonical.clone(),
                    None if script == Script::Arabic => translit::arabic_to_latin(x),
                    None => x.clone(),
                };
                let x_skel = match x_sets.first() {
                    Some(id) => skeleton::latin_skeleton(&t.set(*id).canonical),
                    None => script_skeleton(x),
                };
                let (prefix, suffix, compound_ids): (&str, &str, Vec<String>) = match c {
                    Construct::Abd => ("BD", "", x_sets.iter().map(|id| format!("abd_al_{}", t.set(*id).id)).collect()),
                    Construct::Din => ("", "DN", x_sets.iter().map(|id| format!("{}_al_din", t.set(*id).id)).collect()),
                    Construct::Allah => ("", "L", Vec::new()),
                    Construct::Abu => ("B", "", Vec::new()),
                    Construct::Umm => ("M", "", Vec::new()),
                };
                skeletons.push(format!("{prefix}{x_skel}{suffix}"));
                if sets.is_empty() {
                    sets = compound_ids.iter().filter_map(|id| t.by_id(id)).collect();
                }
                if matches!(c, Construct::Abu | Construct::Umm) {
                    // A kunya's sets are its X's: Abu Ahmad compares with Abu Ahmad, never with
                    // the given name Ahmad (see `compare`).
                    sets = x_sets;
                }
                construct_latin = Some(match c {
                    Construct::Abd => format!("abd al-{x_latin}"),
                    Construct::Din => format!("{x_latin} al-din"),
                    Construct::Allah => format!("{x_latin}ullah"),
                    Construct::Abu => format!("abu {x_latin}"),
                    Construct::Umm => format!("umm {x_latin}"),
                });
            }
            (None, PartKind::Patronymic) => {
                let stem_source = raw.key.as_str();
                let stem = structure::patronymic_stem(stem_source, script).unwrap_or(stem_source);
                {
                    let father = structure::father_from_patronymic(t, stem_source, stem, script).or_else(|| {
                        // A Cyrillic patronymic may be known by its romanised stem.
                        let (l, _) = translit::cyrillic_to_latin(stem, lang);
                        (script == Script::Cyrillic)
                            .then(|| structure::father_from_patronymic(t, "", &l, Script::Latin))
                            .flatten()
                    });
                    match father {
                        Some(id) => {
                            father_name = Some(t.set(id).canonical.clone());
                            sets = vec![id];
                        }
                        None => {
                            father_name = Some(match script {
                                Script::Cyrillic => translit::cyrillic_to_latin(stem, lang).0,
                                _ => stem.to_string(),
                            })
                        }
                    }
                }
                skeletons.push(script_skeleton(if script == Script::Cyrillic { &latin } else { &raw.key }));
            }
            _ => {
                if script == Script::Cyrillic {
                    skeletons.push(skeleton::latin_skeleton(&latin));
                } else if script == Script::Arabic {
                    skeletons.push(skeleton::arabic_skeleton(&raw.key));
                } else {
                    skeletons.push(skeleton::latin_skeleton(&raw.key));
                }
            }
        }
        if let Some(alt) = &alt_latin {
            let s = skeleton::latin_skeleton(alt);
            if !skeletons.contains(&s) {
                skeletons.push(s);
            }
        }
        if raw.kind != PartKind::Kunya && raw.kind != PartKind::Patronymic {
            if let Some(id) = sets.first() {
                let canon = &t.set(*id).canonical;
                latin = canon.clone();
                let s = skeleton::latin_skeleton(&without_articles(canon));
                if !skeletons.contains(&s) {
                    skeletons.push(s);
                }
            } else if let Some(cl) = construct_latin {
                latin = cl;
            }
        } else if let Some(cl) = construct_latin {
            latin = cl;
            alt_latin = None;
        }

        NamePart {
            text,
            core: raw.key.clone(),
            script,
            role: Role::Unknown,
            kind: raw.kind,
            article: raw.article,
            latin,
            alt_latin,
            skeletons,
            equivalence: match &raw.construct {
                // A kunya is its own name: Abu Ahmad is `abu_ahmad`, never `ahmad`.
                Some((Construct::Abu, _)) => sets.iter().map(|id| format!("abu_{}", t.set(*id).id)).collect(),
                Some((Construct::Umm, _)) => sets.iter().map(|id| format!("umm_{}", t.set(*id).id)).collect(),
                _ => sets.iter().map(|id| t.set(*id).id.clone()).collect(),
            },
            sets,
            father_name,
            key: raw.key.clone(),
        }
    }

    /// Compares two analysed names (see [`compare`]).
    pub fn compare(&self, a: &NameAnalysis, b: &NameAnalysis) -> NameComparison {
        compare::compare_names(&self.tables, a, b)
    }

    /// The comparison without its explanation: score, `same_name` and level only. For ranking
    /// many candidates.
    pub fn score(&self, a: &NameAnalysis, b: &NameAnalysis) -> NameComparison {
        compare::compare_names_with(&self.tables, a, b, false)
    }

    /// Analyses and compares two written names.
    pub fn compare_text(&self, a: &str, b: &str) -> NameComparison {
        self.compare(&self.analyse(a), &self.analyse(b))
    }
}

/// `abd al-rahman` → `abdrahman`: a canonical compound spelling without its article words, so
/// that its skeleton meets the one built from parts.
fn without_articles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split([' ', '-']) {
        if matches!(w, "al" | "el" | "ul" | "ad" | "ar" | "as" | "ash" | "an" | "at" | "az" | "ur" | "ud") {
            continue;
        }
        out.push_str(w);
    }
    out
}
