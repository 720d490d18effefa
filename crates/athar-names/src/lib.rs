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
pub mod gazetteer;
pub mod normalize;
pub mod proclitic;
pub mod script;
pub mod skeleton;
pub mod sounds;
pub mod structure;
pub mod tables;
pub mod translit;

pub use compare::{MatchLevel, NameComparison, PartMatch, TokenLevel};
pub use gazetteer::{Facility, FacilityKind, Gazetteer};
pub use script::{CyrillicLanguage, Script};
pub use structure::{NamePart, PartKind, Role, Scheme};
pub use tables::{EquivalenceId, TableError, VariantTables};

use serde::Serialize;

/// Adds a key unless it is there already.
fn push_new(keys: &mut Vec<Text>, key: Text) {
    if !keys.contains(&key) {
        keys.push(key);
    }
}

/// A short string kept inline: name parts, romanisations, skeletons.
pub type Text = compact_str::CompactString;
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
    /// Numbers written apart in the name (`Branch 215`, `الفرع ٢١٥`): a facility's number tells
    /// it from its neighbours. Digits inside a Latin word are Arabizi letters, not numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<Text>,
}

impl NameAnalysis {
    /// A name with no part that could be compared: empty, digits, emoji, lone marks.
    pub fn is_empty(&self) -> bool {
        !self.parts.iter().any(|p| p.role != Role::Particle)
    }

    /// Every blocking key of the name: all skeletons of all parts, and `=id` for known names
    /// ([`NameAnalysis::part_keys`], one list), then two adjacent words read as one.
    pub fn keys(&self) -> Vec<Text> {
        let mut keys: Vec<Text> = Vec::with_capacity(self.parts.len() * 3);
        for k in self.part_keys().into_iter().flatten() {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys.extend(self.joined_keys());
        keys
    }

    /// The blocking keys of each part that is a name (particles have none), in the order
    /// written: its skeletons and `=id` for a known name. A record holds a name when it holds
    /// any key of its part.
    pub fn part_keys(&self) -> Vec<Vec<Text>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for p in self.parts.iter().filter(|p| p.role != Role::Particle) {
            let keys = p.keys();
            if !keys.is_empty() {
                parts.push(keys);
            }
        }
        parts
    }

    /// Two adjacent words read as one, for a name typed together elsewhere (SMIRNOVMIKHAIL):
    /// the first skeletons of both, joined.
    pub fn joined_keys(&self) -> Vec<Text> {
        let words: Vec<&NamePart> = self.parts.iter().filter(|p| p.role != Role::Particle).collect();
        let mut keys = Vec::new();
        for w in words.windows(2) {
            if w[0].kind == PartKind::Name && w[1].kind == PartKind::Name {
                if let (Some(x), Some(y)) = (w[0].skeletons.first(), w[1].skeletons.first()) {
                    if !x.is_empty() && !y.is_empty() {
                        let mut k = x.clone();
                        k.push_str(y);
                        keys.push(k);
                    }
                }
            }
        }
        keys
    }
}

/// A word (normalised) that only announces a number (`No.`, `Nr`, `№` (NFKC: `No`), `رقم`).
fn is_number_word(word: &str) -> bool {
    matches!(word, "no" | "nr" | "number" | "num" | "n" | "رقم")
}

/// The given name a village is named for, by its -ivka / -ovka / -evka ending (Mykolaivka,
/// Nikolaevka → Mykola; Olenivka, Yelenovka → Olena): the sets of that Slavic given name.
fn named_for(t: &VariantTables, reading: &str) -> Option<Vec<EquivalenceId>> {
    let stem = ["ivka", "ovka", "evka"].iter().find_map(|s| reading.strip_suffix(s))?;
    if stem.len() < 3 {
        return None;
    }
    ["", "a", "i", "ii", "y", "o", "ia", "ya"].iter().find_map(|end| {
        let sets: Vec<EquivalenceId> = t
            .lookup_key(&format!("{stem}{end}"))
            .iter()
            .copied()
            .filter(|id| t.set(*id).kind == tables::SetKind::SlavicGiven)
            .collect();
        (!sets.is_empty()).then_some(sets)
    })
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

/// The most words of a name that are analysed; the rest are left out. The longest real names
/// (an Arabic nasab chain with particles, a Slavic name with initials) stay well below it.
pub const MAX_TOKENS: usize = 24;

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

    /// The engine with the sites of `gazetteer` (a registry's own added to the compiled-in
    /// ones) among its places.
    pub fn with_gazetteer(gazetteer: &Gazetteer) -> Result<Self, TableError> {
        Ok(NameEngine { tables: VariantTables::with_gazetteer(gazetteer)? })
    }

    /// An engine with no variant tables (no equivalence sets, known-distinct pairs or
    /// patronymic exceptions): spelling rules, romanisation and skeletons only. For measuring
    /// what the tables add.
    pub fn without_tables() -> Self {
        NameEngine { tables: VariantTables::empty() }
    }

    pub fn tables(&self) -> &VariantTables {
        &self.tables
    }

    /// The tokens of a written name, the numbers written apart in it, and its raw parts: the
    /// first steps of [`NameEngine::analyse`], which [`NameEngine::part_cores`] stops after.
    fn raw_parts(&self, text: &str) -> (Vec<structure::Token>, Vec<Text>, Vec<RawPart>) {
        let (mut tokens, mut numbers) = structure::tokenize_with_numbers(text);
        // A name has a handful of parts; a pasted document does not become a name of thousands
        // (which every comparison would align, part against part). Import, linking, search and
        // `names compare` are all bounded here.
        tokens.truncate(MAX_TOKENS);
        numbers.truncate(MAX_TOKENS);
        let mut tokens = structure::split_fused_names(tokens, &self.tables, text);
        tokens.truncate(MAX_TOKENS);
        let raw = structure::group(&tokens, &self.tables);
        (tokens, numbers, raw)
    }

    /// The cores of a written name's parts ([`NamePart::core`]), with each part's kind and
    /// script, as [`NameEngine::analyse`] gives them (a Latin or Cyrillic place named for a
    /// person aside: a name here, a toponym there) — without the rest of the analysis
    /// (romanisation, skeletons, sets, roles), about half its cost: what asks whether a word
    /// is written as some known name before analysing it. `None` when numbers are written in
    /// the name (`Branch 215`): the analysis may read its parts anew then.
    pub fn part_cores(&self, text: &str) -> Option<Vec<(Text, PartKind, Script)>> {
        let (tokens, numbers, raw) = self.raw_parts(text);
        if !numbers.is_empty() {
            return None;
        }
        Some(raw.iter().map(|p| (p.key.clone(), p.kind, structure::script_of(&tokens, p))).collect())
    }

    /// Analyses a written name: tokens, parts with roles, romanisation, keys.
    pub fn analyse(&self, text: &str) -> NameAnalysis {
        let (tokens, numbers, raw) = self.raw_parts(text);
        let lang = structure::name_cyrillic_language(&tokens);
        let mut parts: Vec<NamePart> = raw.iter().map(|p| self.build_part(&tokens, p, lang)).collect();
        let slavic_given: Vec<bool> = parts
            .iter()
            .map(|p| p.sets.iter().any(|id| self.tables.set(*id).kind == tables::SetKind::SlavicGiven))
            .collect();
        let known_given: Vec<bool> =
            parts.iter().map(|p| p.sets.iter().any(|id| self.tables.set(*id).kind != tables::SetKind::Place)).collect();
        let roles = structure::assign_roles(&raw, &slavic_given, &known_given);
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
        if !numbers.is_empty() {
            // `No.` / `رقم` before a number is no part of the name.
            for p in parts.iter_mut().filter(|p| is_number_word(&p.core)) {
                p.role = Role::Particle;
            }
            self.numbered_place(&tokens, &numbers, &mut parts);
        }
        NameAnalysis { input: text.to_string(), script, cyrillic, parts, numbers }
    }

    /// A numbered facility the places table lists whole (`Branch 215`, `الفرع 215`, also
    /// written `Branch No. 215`): the name's one part takes that place's set, so that its forms
    /// in other scripts and its other names (Raid Company) meet it. The key is the table's: the
    /// words as folded, then the numbers.
    fn numbered_place(&self, tokens: &[structure::Token], numbers: &[Text], parts: &mut [NamePart]) {
        let t = &self.tables;
        let mut key = String::new();
        for w in tokens.iter().map(|t| t.folded.as_str()).filter(|w| !is_number_word(w)) {
            key.extend(w.chars().map(|c| if c == 'ё' { 'е' } else { c }));
        }
        numbers.iter().for_each(|n| key.push_str(n));
        let Some(&id) = t.lookup_key(&key).first() else { return };
        let set = t.set(id);
        if set.kind != tables::SetKind::Place {
            return;
        }
        let mut named = parts.iter_mut().filter(|p| p.role != Role::Particle);
        let (Some(part), None) = (named.next(), named.next()) else { return };
        part.sets = vec![id];
        part.equivalence = vec![set.id.clone()];
        part.latin = set.canonical.as_str().into();
        part.scheme = Scheme::Table;
        push_new(&mut part.skeletons, set.skeleton.clone());
    }

    fn build_part(&self, tokens: &[structure::Token], raw: &RawPart, lang: CyrillicLanguage) -> NamePart {
        let t = &self.tables;
        let script = structure::script_of(tokens, raw);
        let mut text = Text::default();
        for (i, k) in raw.tokens.clone().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(&tokens[k].light);
        }
        if raw.kind == PartKind::Initial {
            let (latin, scheme) = match script {
                Script::Cyrillic => (translit::cyrillic_to_latin(&raw.key, lang).0, Scheme::Kmu2010),
                Script::Arabic => (translit::arabic_to_latin(&raw.light_core), Scheme::ArabicGuess),
                _ => (raw.key.clone(), Scheme::AsWritten),
            };
            return NamePart {
                text,
                core: raw.key.clone(),
                script,
                role: Role::Unknown,
                kind: raw.kind,
                article: raw.article,
                latin,
                scheme,
                alt_latin: None,
                skeletons: Vec::new(),
                equivalence: Vec::new(),
                sets: Vec::new(),
                father_name: None,
            };
        }
        let mut sets: Vec<EquivalenceId> = t.lookup_key(&raw.key).to_vec();
        let mut father_name = None;
        // Romanisations of the core.
        let (mut latin, mut alt_latin) = match script {
            Script::Arabic => (translit::arabic_to_latin(&raw.light_core), None),
            Script::Cyrillic => translit::cyrillic_to_latin(&raw.key, lang),
            _ => (raw.key.clone(), translit::turkish_reading(&raw.key)),
        };
        let mut scheme = match script {
            Script::Arabic => Scheme::ArabicGuess,
            Script::Cyrillic if lang == CyrillicLanguage::Ukrainian => Scheme::Kmu2010,
            Script::Cyrillic => Scheme::RussianPress,
            _ => Scheme::AsWritten,
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
        // Skeletons of the written form, then of its other readings.
        let mut skeletons: Vec<Text> = Vec::with_capacity(3);
        let script_skeleton = |core: &str| -> Text {
            match script {
                Script::Arabic => skeleton::arabic_skeleton(core),
                _ => skeleton::latin_skeleton(core),
            }
        };
        let mut construct_latin: Option<Text> = None;
        match (&raw.construct, raw.kind) {
            (Some((c, x)), _) => {
                let x_sets: Vec<EquivalenceId> =
                    if script == Script::Cyrillic { Vec::new() } else { t.lookup_key(x).to_vec() };
                let x_latin: Text = match x_sets.first() {
                    Some(id) => t.set(*id).canonical.as_str().into(),
                    None if script == Script::Arabic => translit::arabic_to_latin(x),
                    None => x.clone(),
                };
                let x_skel = match x_sets.first() {
                    Some(id) => t.set(*id).skeleton.clone(),
                    None => script_skeleton(x),
                };
                let (prefix, suffix) = match c {
                    Construct::Abd => ("BD", ""),
                    Construct::Din => ("", "DN"),
                    Construct::Allah => ("", "L"),
                    Construct::Abu => ("B", ""),
                    Construct::Umm => ("M", ""),
                };
                skeletons.push(compact_str::format_compact!("{prefix}{x_skel}{suffix}"));
                if sets.is_empty() {
                    // The table's own entry for the compound, by its X: abd_al_rahman, nur_al_din.
                    for id in &x_sets {
                        let x_id = &t.set(*id).id;
                        let compound = match c {
                            Construct::Abd => format!("abd_al_{x_id}"),
                            Construct::Din => format!("{x_id}_al_din"),
                            _ => continue,
                        };
                        sets.extend(t.by_id(&compound));
                    }
                }
                if matches!(c, Construct::Abu | Construct::Umm) {
                    // A kunya's sets are its X's: Abu Ahmad compares with Abu Ahmad, never with
                    // the given name Ahmad (see `compare`).
                    sets = x_sets;
                }
                construct_latin = Some(match c {
                    Construct::Abd => compact_str::format_compact!("abd al-{x_latin}"),
                    Construct::Din => compact_str::format_compact!("{x_latin} al-din"),
                    Construct::Allah => compact_str::format_compact!("{x_latin}ullah"),
                    Construct::Abu => compact_str::format_compact!("abu {x_latin}"),
                    Construct::Umm => compact_str::format_compact!("umm {x_latin}"),
                });
            }
            (None, PartKind::Patronymic) => {
                let stem_source = raw.key.as_str();
                let stem = structure::patronymic_stem(stem_source, script).unwrap_or(stem_source);
                let father = structure::father_from_patronymic(t, stem_source, stem, script).or_else(|| {
                    // A Cyrillic patronymic may be known by its romanised stem.
                    (script == Script::Cyrillic)
                        .then(|| {
                            let (l, _) = translit::cyrillic_to_latin(stem, lang);
                            structure::father_from_patronymic(t, "", &l, Script::Latin)
                        })
                        .flatten()
                });
                match father {
                    Some(id) => {
                        father_name = Some(t.set(id).canonical.as_str().into());
                        sets = vec![id];
                    }
                    None => {
                        father_name = Some(match script {
                            Script::Cyrillic => translit::cyrillic_to_latin(stem, lang).0,
                            _ => stem.into(),
                        })
                    }
                }
                skeletons.push(script_skeleton(if script == Script::Cyrillic { &latin } else { &raw.key }));
            }
            // Arabic from the light form, where the ta marbuta is still ة: حسية ends in a vowel
            // (Hisya), وجيه in h (Wajeeh), though both fold to ه.
            _ => skeletons.push(match script {
                Script::Cyrillic => script_skeleton(&latin),
                Script::Arabic => script_skeleton(&raw.light_core),
                _ => script_skeleton(&raw.key),
            }),
        }
        // ة after alef is read t (نجاة Najat, حياة Hayat): that reading is a key too.
        if script == Script::Arabic && raw.construct.is_none() && raw.light_core.ends_with("اة") {
            if let Some(with_t) = skeletons.first().map(|first| compact_str::format_compact!("{first}T")) {
                push_new(&mut skeletons, with_t);
            }
        }
        // kh is h in Turkish spellings of Arabic names (Halil = Khalil = خليل, Şeyh = Shaykh),
        // and х is h in Latin spellings made outside the Russian and Ukrainian systems (Ditrih,
        // Mihail) and in Arabic names written in Cyrillic (Хасан = Hasan): that reading is a key.
        let reading = if script == Script::Latin { &raw.key } else { &latin };
        if reading.contains("kh") {
            push_new(&mut skeletons, skeleton::latin_skeleton(&reading.replace("kh", "h")));
        }
        if script == Script::Latin {
            if let Some(s) = skeleton::latin_skeleton_final_h(&raw.key) {
                skeletons.push(s);
            }
            // j is y in German, Polish and Czech spellings of Slavic names (Alejnik = Алейник,
            // Sergej, Jurij): that reading is a key too.
            if raw.key.contains('j') {
                push_new(&mut skeletons, skeleton::latin_skeleton(&raw.key.replace('j', "y")));
            }
            // A fused article taken off a name the tables do not know may have been no article
            // at all (Aldoshin, Elkin): the whole word is kept as another reading.
            let whole = (raw.article && raw.tokens.len() == 1).then(|| &tokens[raw.tokens.start].folded);
            if let Some(whole) = whole.filter(|w| sets.is_empty() && alt_latin.is_none() && **w != raw.key) {
                alt_latin = Some(whole.clone());
            }
            // ş written for ص (BGN/PCGN): the s reading.
            if raw.tokens.clone().any(|k| tokens[k].cedilla_s) && sets.is_empty() {
                let s_reading: Text = raw.key.replace("sh", "s").into();
                push_new(&mut skeletons, skeleton::latin_skeleton(&s_reading));
                alt_latin.get_or_insert(s_reading);
            }
        }
        if let Some(alt) = &alt_latin {
            push_new(&mut skeletons, skeleton::latin_skeleton(alt));
        }
        if raw.kind != PartKind::Kunya && raw.kind != PartKind::Patronymic {
            if let Some(id) = sets.first() {
                let set = t.set(*id);
                latin = set.canonical.as_str().into();
                scheme = Scheme::Table;
                push_new(&mut skeletons, set.skeleton.clone());
            } else if let Some(cl) = construct_latin {
                latin = cl;
                scheme = Scheme::Compound;
            }
        } else if let Some(cl) = construct_latin {
            latin = cl;
            scheme = Scheme::Compound;
            alt_latin = None;
        }
        // A village named for a person (Oleksandrivka, Aleksandrovka, Yelenovka): the given name's
        // sets, so that the Ukrainian and Russian forms meet.
        let mut kind = raw.kind;
        if kind == PartKind::Name && sets.is_empty() && matches!(script, Script::Latin | Script::Cyrillic) {
            let reading = if script == Script::Cyrillic { &latin } else { &raw.key };
            if let Some(given) = named_for(t, reading) {
                kind = PartKind::Toponym;
                sets = given;
            }
        }
        let equivalence = match &raw.construct {
            // A kunya is its own name: Abu Ahmad is `abu_ahmad`, never `ahmad`.
            Some((Construct::Abu, _)) => sets.iter().map(|id| format!("abu_{}", t.set(*id).id).into()).collect(),
            Some((Construct::Umm, _)) => sets.iter().map(|id| format!("umm_{}", t.set(*id).id).into()).collect(),
            _ if kind == PartKind::Toponym => sets.iter().map(|id| format!("{}ivka", t.set(*id).id).into()).collect(),
            _ => sets.iter().map(|id| t.set(*id).id.clone()).collect(),
        };
        NamePart {
            text,
            core: raw.key.clone(),
            script,
            role: Role::Unknown,
            kind,
            article: raw.article,
            latin,
            scheme,
            alt_latin,
            skeletons,
            equivalence,
            sets,
            father_name,
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
