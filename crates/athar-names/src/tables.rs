//! Name-form equivalence tables: which written forms are one name.
//!
//! Owns the parsing and indexing of the data files under `data/names/` (compiled in): Arabic
//! given names, Ukrainian/Russian/English given names, places (and the gazetteer's detention
//! sites, see [`crate::gazetteer`]), known-distinct
//! pairs and Slavic patronymic exceptions. An equivalence is a *set* of forms with an id; a form
//! marked `~` in the file is shared by several sets (Sasha is Oleksandr and Oleksandra). Does not
//! decide how names compare (see `compare`); it only answers "which sets is this form in?".
//!
//! Line format: `id: form, form, …  # comment` — the comment is required, so every entry says
//! what it is.

use crate::normalize::lookup_key;
use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt;

/// Index of an equivalence set in its [`VariantTables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EquivalenceId(pub u32);

/// What kind of name a set holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    ArabicGiven,
    SlavicGiven,
    Place,
}

/// One equivalence set: every form in it writes the same name.
#[derive(Debug, Clone)]
pub struct EquivalenceSet {
    /// The id from the data file (`muhammad`, `oleksandr`, `saydnaya`).
    pub id: std::sync::Arc<str>,
    /// The canonical Latin spelling: the first Latin form listed.
    pub canonical: String,
    pub kind: SetKind,
    /// Every form as listed in the file.
    pub forms: Vec<String>,
    /// The Latin forms, normalised (`abd al-rahman`): what an unknown spelling is measured
    /// against.
    pub latin_forms: Vec<String>,
    /// The skeleton of each of `latin_forms`.
    pub latin_skeletons: Vec<crate::Text>,
    /// Skeleton of the canonical spelling without its article words (`abd al-rahman` →
    /// `BDRHMN`), so that it meets the skeleton built from a compound's parts.
    pub skeleton: crate::Text,
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

/// The Latin forms among `forms`, normalised, and their skeletons (what an unknown spelling is
/// measured against).
fn latin_forms(forms: &[String]) -> (Vec<String>, Vec<crate::Text>) {
    let latin: Vec<String> = forms
        .iter()
        .map(|f| crate::normalize::normalize(f))
        .filter(|f| crate::script::detect_script(f) == crate::script::Script::Latin)
        .collect();
    let skeletons = latin.iter().map(|f| crate::skeleton::latin_skeleton(&without_articles(f))).collect();
    (latin, skeletons)
}

/// A problem in a data file, with its file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for TableError {}

/// The data files, compiled into the binary.
pub(crate) const ARABIC_GIVEN: (&str, &str) =
    ("data/names/arabic_given_names.txt", include_str!("../../../data/names/arabic_given_names.txt"));
pub(crate) const SLAVIC_GIVEN: (&str, &str) =
    ("data/names/slavic_given_names.txt", include_str!("../../../data/names/slavic_given_names.txt"));
pub(crate) const PLACES: (&str, &str) = ("data/names/places.txt", include_str!("../../../data/names/places.txt"));
pub(crate) const DISTINCT: (&str, &str) =
    ("data/names/distinct_names.txt", include_str!("../../../data/names/distinct_names.txt"));
pub(crate) const PATRONYMIC_EXCEPTIONS: (&str, &str) = (
    "data/names/slavic_patronymic_exceptions.txt",
    include_str!("../../../data/names/slavic_patronymic_exceptions.txt"),
);

/// All variant tables, indexed by lookup key (see [`lookup_key`]).
#[derive(Debug, Clone)]
pub struct VariantTables {
    sets: Vec<EquivalenceSet>,
    /// Keys are short: kept inline (no pointer to follow on each lookup).
    by_key: FxHashMap<crate::Text, Vec<EquivalenceId>>,
    by_id: FxHashMap<String, EquivalenceId>,
    distinct: FxHashSet<(EquivalenceId, EquivalenceId)>,
    patronymics: FxHashMap<crate::Text, EquivalenceId>,
    /// First words of the forms written in several words (`abu` of "abu bakr", `عبد` of
    /// "عبد الرحمن"): only a token among these can start a multi-word name.
    first_words: FxHashSet<crate::Text>,
}

struct Entry<'a> {
    line: usize,
    id: &'a str,
    forms: Vec<&'a str>,
}

/// Splits a table file into entries; every entry needs a `# comment`.
fn entries(file: &'static str, text: &'static str) -> Result<Vec<Entry<'static>>, TableError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let err = |message: String| TableError { file, line, message };
        let Some((body, comment)) = trimmed.split_once('#') else {
            return Err(err("entry has no '# comment' saying what it is".into()));
        };
        if comment.trim().is_empty() {
            return Err(err("entry has an empty comment".into()));
        }
        let Some((id, forms)) = body.split_once(':') else {
            return Err(err("entry is not 'id: form, form, …'".into()));
        };
        let id = id.trim();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(err(format!("id '{id}' must be lower-case ASCII letters, digits and '_'")));
        }
        let forms: Vec<&str> = forms.split(',').map(str::trim).filter(|f| !f.is_empty()).collect();
        if forms.is_empty() {
            return Err(err(format!("entry '{id}' lists no forms")));
        }
        out.push(Entry { line, id, forms });
    }
    Ok(out)
}

impl VariantTables {
    /// No tables at all: names are then told apart by spelling rules and skeletons only. For
    /// measuring what the tables add (`athar link --without-name-tables`).
    pub fn empty() -> Self {
        VariantTables {
            sets: Vec::new(),
            by_key: FxHashMap::default(),
            by_id: FxHashMap::default(),
            distinct: FxHashSet::default(),
            patronymics: FxHashMap::default(),
            first_words: FxHashSet::default(),
        }
    }

    /// Parses the compiled-in data files. Fails only if a data file is malformed, which the
    /// crate's tests rule out.
    pub fn builtin() -> Result<Self, TableError> {
        let gazetteer = crate::Gazetteer::builtin().map_err(|e| TableError {
            file: "data/gazetteer",
            line: 0,
            message: e.to_string(),
        })?;
        VariantTables::with_gazetteer(&gazetteer)
    }

    /// The compiled-in tables with the sites of `gazetteer` (the compiled-in one and a
    /// registry's own sites) as place sets.
    pub fn with_gazetteer(gazetteer: &crate::Gazetteer) -> Result<Self, TableError> {
        let mut t = VariantTables::empty();
        t.add_sets(ARABIC_GIVEN, SetKind::ArabicGiven)?;
        t.add_sets(SLAVIC_GIVEN, SetKind::SlavicGiven)?;
        t.add_sets(PLACES, SetKind::Place)?;
        t.add_facilities(gazetteer)?;
        t.add_distinct(DISTINCT)?;
        t.add_patronymics(PATRONYMIC_EXCEPTIONS)?;
        Ok(t)
    }

    fn add_sets(&mut self, (file, text): (&'static str, &'static str), kind: SetKind) -> Result<(), TableError> {
        // Which set claimed an unshared key first, to report forms listed in two sets.
        let mut owner: FxHashMap<String, (EquivalenceId, bool)> = FxHashMap::default();
        for (key, ids) in &self.by_key {
            if let Some(&id) = ids.first() {
                owner.insert(key.to_string(), (id, ids.len() > 1));
            }
        }
        for e in entries(file, text)? {
            // An id defined by an earlier file (Mustafa in the Arabic table and in the Crimean
            // Tatar block of the Slavic one) is the same name: this file's forms join that set.
            let existing = self.by_id.get(e.id).copied();
            if let Some(prev) = existing {
                if self.sets[prev.0 as usize].kind == kind {
                    return Err(TableError { file, line: e.line, message: format!("id '{}' is defined twice", e.id) });
                }
            }
            let set_id = existing.unwrap_or(EquivalenceId(self.sets.len() as u32));
            let mut canonical = None;
            let mut forms = Vec::with_capacity(e.forms.len());
            let mut seen_keys: FxHashSet<String> = FxHashSet::default();
            for form in &e.forms {
                let (shared, form) = match form.strip_prefix('~') {
                    Some(f) => (true, f.trim()),
                    None => (false, *form),
                };
                let key = lookup_key(form);
                if key.is_empty() {
                    return Err(TableError { file, line: e.line, message: format!("form '{form}' has no letters") });
                }
                if canonical.is_none() && !shared && form.is_ascii() {
                    canonical = Some(crate::normalize::normalize(form));
                }
                forms.push(form.to_string());
                let normalized = crate::normalize::normalize(form);
                if let Some(first) = normalized.split([' ', '-']).next().filter(|w| w.len() < normalized.len()) {
                    self.first_words.insert(crate::Text::from(first));
                }
                if !seen_keys.insert(key.clone()) {
                    continue;
                }
                match owner.get(&key) {
                    Some(&(other, other_shared)) if !(shared && other_shared) && other != set_id => {
                        // Across files (an Arabic given name and a place) a form may recur.
                        if self.sets[other.0 as usize].kind == kind {
                            return Err(TableError {
                                file,
                                line: e.line,
                                message: format!(
                                    "form '{form}' of '{}' is already in '{}'; mark it '~' in both if it is truly shared",
                                    e.id, self.sets[other.0 as usize].id
                                ),
                            });
                        }
                    }
                    _ => {
                        owner.insert(key.clone(), (set_id, shared));
                    }
                }
                let ids = self.by_key.entry(crate::Text::from(key)).or_default();
                if !ids.contains(&set_id) {
                    ids.push(set_id);
                }
            }
            let (latin_forms, latin_skeletons) = latin_forms(&forms);
            if let Some(prev) = existing {
                let set = &mut self.sets[prev.0 as usize];
                set.forms.extend(forms);
                set.latin_forms.extend(latin_forms);
                set.latin_skeletons.extend(latin_skeletons);
                continue;
            }
            let canonical = canonical.unwrap_or_else(|| e.id.replace('_', " "));
            let skeleton = crate::skeleton::latin_skeleton(&without_articles(&canonical));
            self.by_id.insert(e.id.to_string(), set_id);
            self.sets.push(EquivalenceSet {
                id: e.id.into(),
                canonical,
                kind,
                forms,
                latin_forms,
                latin_skeletons,
                skeleton,
            });
        }
        Ok(())
    }

    /// The gazetteer's detention sites, one place set each. A name a site shares with a town
    /// (Saydnaya, Olenivka) or with another site (the Red Prison of Saydnaya) belongs to every
    /// set that lists it: which one a text means is the reader's to tell from its context. A
    /// bare name that is no town's is left out (see [`crate::Facility::bare`]).
    pub fn add_facilities(&mut self, gazetteer: &crate::Gazetteer) -> Result<(), TableError> {
        for f in gazetteer.facilities() {
            let err = |message: String| TableError { file: "data/gazetteer", line: 0, message };
            if self.by_id.contains_key(f.id.as_str()) {
                return Err(err(format!("site id '{}' is also the id of a name or place set", f.id)));
            }
            let set_id = EquivalenceId(self.sets.len() as u32);
            let mut forms = Vec::new();
            for form in f.forms() {
                let key = lookup_key(form);
                if key.is_empty() {
                    return Err(err(format!("site '{}': form '{form}' has no letters", f.id)));
                }
                // A bare name (al-Khatib, Isolation) would make every such family name or word a
                // facility; it joins the site only where it is a town's name too (Saydnaya).
                let is_place =
                    |ids: &[EquivalenceId]| ids.iter().any(|id| self.sets[id.0 as usize].kind == SetKind::Place);
                if !f.stands_alone(form) && !self.by_key.get(key.as_str()).is_some_and(|ids| is_place(ids)) {
                    continue;
                }
                let normalized = crate::normalize::normalize(form);
                if let Some(first) = normalized.split([' ', '-']).next().filter(|w| w.len() < normalized.len()) {
                    self.first_words.insert(crate::Text::from(first));
                }
                let ids = self.by_key.entry(crate::Text::from(key)).or_default();
                if !ids.contains(&set_id) {
                    ids.push(set_id);
                }
                forms.push(form.to_string());
            }
            let (latin_forms, latin_skeletons) = latin_forms(&forms);
            let canonical = latin_forms.first().cloned().unwrap_or_else(|| f.id.replace('_', " "));
            let skeleton = crate::skeleton::latin_skeleton(&without_articles(&canonical));
            self.by_id.insert(f.id.clone(), set_id);
            self.sets.push(EquivalenceSet {
                id: f.id.as_str().into(),
                canonical,
                kind: SetKind::Place,
                forms,
                latin_forms,
                latin_skeletons,
                skeleton,
            });
        }
        Ok(())
    }

    fn add_distinct(&mut self, (file, text): (&'static str, &'static str)) -> Result<(), TableError> {
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let body = raw.split('#').next().unwrap_or("").trim();
            if body.is_empty() {
                continue;
            }
            if !raw.contains('#') {
                return Err(TableError { file, line, message: "pair has no '# comment'".into() });
            }
            let Some((a, b)) = body.split_once("!=") else {
                return Err(TableError { file, line, message: "pair is not 'id != id'".into() });
            };
            let (a, b) = (a.trim(), b.trim());
            let find = |id: &str| {
                self.by_id.get(id).copied().ok_or_else(|| TableError {
                    file,
                    line,
                    message: format!("'{id}' is not an id of any name table"),
                })
            };
            let (ia, ib) = (find(a)?, find(b)?);
            self.distinct.insert((ia.min(ib), ia.max(ib)));
        }
        Ok(())
    }

    fn add_patronymics(&mut self, (file, text): (&'static str, &'static str)) -> Result<(), TableError> {
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((body, _comment)) = trimmed.split_once('#') else {
                return Err(TableError { file, line, message: "entry has no '# comment'".into() });
            };
            let Some((patronymic, id)) = body.split_once(':') else {
                return Err(TableError { file, line, message: "entry is not 'Patronymic: given_name_id'".into() });
            };
            let id = id.trim();
            let set = self.by_id.get(id).copied().ok_or_else(|| TableError {
                file,
                line,
                message: format!("'{id}' is not an id of the Slavic given-name table"),
            })?;
            self.patronymics.insert(crate::Text::from(lookup_key(patronymic)), set);
        }
        Ok(())
    }

    /// Whether a normalised word begins some multi-word form of the tables.
    pub fn starts_multiword(&self, word: &str) -> bool {
        self.first_words.contains(word)
    }

    /// The sets a form belongs to (by its lookup key), usually zero or one.
    pub fn lookup(&self, form: &str) -> &[EquivalenceId] {
        self.lookup_key(&lookup_key(form))
    }

    /// As [`Self::lookup`], for a key already made by [`lookup_key`].
    pub fn lookup_key(&self, key: &str) -> &[EquivalenceId] {
        self.by_key.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The set with this file id (`muhammad`).
    pub fn by_id(&self, id: &str) -> Option<EquivalenceId> {
        self.by_id.get(id).copied()
    }

    pub fn set(&self, id: EquivalenceId) -> &EquivalenceSet {
        &self.sets[id.0 as usize]
    }

    pub fn sets(&self) -> &[EquivalenceSet] {
        &self.sets
    }

    /// Whether the tables list these two sets as known-distinct names.
    pub fn known_distinct(&self, a: EquivalenceId, b: EquivalenceId) -> bool {
        self.distinct.contains(&(a.min(b), a.max(b)))
    }

    /// The father's given-name set of an irregular patronymic (`Ілліч` → illia), by lookup key.
    pub fn patronymic_exception(&self, key: &str) -> Option<EquivalenceId> {
        self.patronymics.get(key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> VariantTables {
        match VariantTables::builtin() {
            Ok(t) => t,
            Err(e) => panic!("data file error: {e}"),
        }
    }

    #[test]
    fn builtin_tables_parse() {
        let t = tables();
        assert!(t.sets().len() > 300);
    }

    #[test]
    fn a_form_finds_its_set_in_any_script() {
        let t = tables();
        let m = t.by_id("muhammad").expect("muhammad is in the table");
        for form in ["محمد", "Muhammad", "Mohammed", "MOHAMAD", "Mhd", "Moh'd", "Mehmet"] {
            assert!(t.lookup(form).contains(&m), "{form}");
        }
        let o = t.by_id("oleksandr").expect("oleksandr is in the table");
        for form in ["Олександр", "Александр", "Oleksandr", "Aleksandr", "Alexander"] {
            assert!(t.lookup(form).contains(&o), "{form}");
        }
    }

    #[test]
    fn different_names_are_different_sets() {
        let t = tables();
        for (a, b) in [
            ("Hassan", "Hussein"),
            ("Mahmoud", "Muhammad"),
            ("عمر", "عمرو"),
            ("Ahmad", "Hamad"),
            ("Ahmad", "Hamid"),
            ("Said", "Saad"),
            ("Ali", "Alaa"),
            ("Samir", "Samer"),
            ("Abdulrahman", "Abdulrahim"),
            ("Oleksandr", "Oleksii"),
            ("Olena", "Olha"),
            ("Andrii", "Anatolii"),
        ] {
            let (sa, sb) = (t.lookup(a), t.lookup(b));
            assert!(!sa.is_empty() && !sb.is_empty(), "{a} / {b} must both be in the tables");
            assert!(sa.iter().all(|x| !sb.contains(x)), "{a} and {b} must not share a set");
        }
    }

    #[test]
    fn shared_diminutives_belong_to_several_sets() {
        let t = tables();
        let sasha = t.lookup("Саша");
        assert!(sasha.len() >= 2, "Sasha is Oleksandr and Oleksandra");
    }

    #[test]
    fn malformed_entries_are_reported_with_their_line() {
        let bad = "# header\nmuhammad: محمد, muhammad\n";
        let err = entries("t.txt", bad).err().expect("missing comment is an error");
        assert_eq!(err.line, 2);
        assert!(entries("t.txt", "Bad Id: x # c\n").is_err());
        assert!(entries("t.txt", "ok: # c\n").is_err());
    }
}
