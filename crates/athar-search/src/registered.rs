//! The distinct name parts ("forms") the registry's records hold in a person's own names
//! (given, father, grandfather, family), by blocking key, with the records that hold each:
//! which forms a word read in a text is the same name as, in any spelling — not merely the
//! forms that share a loose key with it (`War` shares the skeleton `R` with `Omar`'s
//! spellings) — and which records hold such forms for two words of a name at once. Owns that
//! table and those questions; not the reading of the text (`mentions`), nor the records' keys
//! (`index`).

use athar_link::{ComparisonKind, LinkRecord};
use athar_names::{NameAnalysis, NamePart, PartKind, Role, VariantTables};
use rustc_hash::{FxHashMap, FxHashSet};

/// The fields whose parts are a person's own names (the keys a name in a text is looked up by).
const OWN_NAMES: [ComparisonKind; 4] = [
    ComparisonKind::GivenName,
    ComparisonKind::FatherName,
    ComparisonKind::GrandfatherName,
    ComparisonKind::FamilyName,
];

/// Most distinct forms of one key compared with a word: past it the word's forms are not known
/// (a search of its own candidates, never a name missed).
const MOST_FORMS: usize = 256;

/// Where a distinct form was first seen: a record, one of [`OWN_NAMES`], the part's place in it.
#[derive(Debug, Clone, Copy)]
struct PartAt {
    record: u32,
    field: u8,
    part: u16,
}

/// The forms a word is the same name as (sorted ids), or `Unknown` when they cannot all be
/// told: a key that only names typed together hold, or one shared by too many forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SameForms {
    Known(Vec<u32>),
    Unknown,
}

impl SameForms {
    /// Whether the word may be a registered name (some form, or forms not known).
    pub(crate) fn any(&self) -> bool {
        !matches!(self, SameForms::Known(f) if f.is_empty())
    }
}

/// The registry's distinct forms, by key, and the records holding each.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegisteredParts {
    forms: Vec<PartAt>,
    by_key: FxHashMap<u64, Vec<u32>>,
    /// Every form as written (its core): whether some record writes a word so.
    cores: FxHashSet<athar_names::Text>,
    /// Each form's records (positions), sorted.
    records_of: Vec<Vec<u32>>,
    /// Each record's forms, sorted: `forms_of[form_start[r]..form_start[r + 1]]`.
    form_start: Vec<u32>,
    forms_of: Vec<u32>,
}

/// A part's own keys, as the index hashes a person's names (see `NamePart::keys`).
fn part_keys(p: &NamePart) -> impl Iterator<Item = u64> {
    p.keys().into_iter().map(|k| athar_link::blocking::key_hash(b'p', &k))
}

/// Whether a part is one a word alone can be compared with (not an article or a kunya).
fn comparable(p: &NamePart) -> bool {
    p.role != Role::Particle && p.kind != PartKind::Kunya && !p.core.is_empty()
}

impl RegisteredParts {
    pub(crate) fn new(records: &[LinkRecord]) -> RegisteredParts {
        let mut table = RegisteredParts { form_start: vec![0], ..RegisteredParts::default() };
        let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
        let mut own: Vec<u32> = Vec::new();
        for (r, record) in records.iter().enumerate() {
            own.clear();
            for (f, kind) in OWN_NAMES.iter().enumerate() {
                let Some(analysis) = kind.name_field(record) else { continue };
                for (i, p) in analysis.parts.iter().enumerate().take(usize::from(u16::MAX)) {
                    if !comparable(p) {
                        continue;
                    }
                    let id = *ids.entry(p.core.as_str()).or_insert_with(|| {
                        let id = table.forms.len() as u32;
                        table.cores.insert(p.core.clone());
                        table.forms.push(PartAt { record: r as u32, field: f as u8, part: i as u16 });
                        table.records_of.push(Vec::new());
                        for key in part_keys(p) {
                            table.by_key.entry(key).or_default().push(id);
                        }
                        id
                    });
                    own.push(id);
                }
            }
            own.sort_unstable();
            own.dedup();
            for &id in &own {
                table.records_of[id as usize].push(r as u32);
            }
            table.forms_of.extend_from_slice(&own);
            table.form_start.push(table.forms_of.len() as u32);
        }
        table
    }

    fn part<'r>(&self, records: &'r [LinkRecord], form: u32) -> Option<&'r NamePart> {
        let at = self.forms.get(form as usize)?;
        let record = records.get(at.record as usize)?;
        OWN_NAMES[at.field as usize].name_field(record)?.parts.get(usize::from(at.part))
    }

    /// Whether some record writes a name part as `core` ([`NamePart::core`]: normalised,
    /// without its article) — not another spelling of it.
    pub(crate) fn writes_core(&self, core: &str) -> bool {
        self.cores.contains(core)
    }

    /// Whether some record writes one of the parts of a word read alone (its `analysis`) as
    /// the word does, a part that can be compared alone (not an article, nor a kunya).
    pub(crate) fn writes(&self, analysis: &NameAnalysis) -> bool {
        analysis.parts.iter().any(|p| comparable(p) && self.writes_core(&p.core))
    }

    /// The forms a word read alone (its `analysis`) is the same name as, part by part: those
    /// under each key of a part that a record holds (`held`) — all of them, or (`all` false) the
    /// first found, which says whether there is one.
    pub(crate) fn same_forms(
        &self,
        tables: &VariantTables,
        records: &[LinkRecord],
        analysis: &NameAnalysis,
        held: impl Fn(u64) -> bool,
        all: bool,
    ) -> SameForms {
        let mut found = Vec::new();
        for p in &analysis.parts {
            match self.part_forms(tables, records, p, &held, all) {
                SameForms::Known(forms) if !all && !forms.is_empty() => return SameForms::Known(forms),
                SameForms::Known(forms) => found.extend(forms),
                SameForms::Unknown => return SameForms::Unknown,
            }
        }
        found.sort_unstable();
        found.dedup();
        SameForms::Known(found)
    }

    /// As [`RegisteredParts::same_forms`], for one part.
    fn part_forms(
        &self,
        tables: &VariantTables,
        records: &[LinkRecord],
        word: &NamePart,
        held: &impl Fn(u64) -> bool,
        all: bool,
    ) -> SameForms {
        if !comparable(word) {
            return SameForms::Known(Vec::new());
        }
        let mut same = Vec::new();
        for key in part_keys(word).filter(|&k| held(k)) {
            match self.by_key.get(&key) {
                Some(forms) if forms.len() <= MOST_FORMS => {
                    let same_name = |&f: &u32| {
                        self.part(records, f).is_some_and(|p| athar_names::compare::same_part(tables, word, p))
                    };
                    if all {
                        same.extend(forms.iter().copied().filter(same_name));
                    } else if let Some(f) = forms.iter().copied().find(same_name) {
                        return SameForms::Known(vec![f]);
                    }
                }
                _ => return SameForms::Unknown,
            }
        }
        same.sort_unstable();
        same.dedup();
        SameForms::Known(same)
    }

    /// How many records hold one of `forms`.
    fn holders(&self, forms: &[u32]) -> usize {
        forms.iter().filter_map(|&f| self.records_of.get(f as usize)).map(Vec::len).sum()
    }

    /// Whether the record at `position` holds one of `forms` (sorted).
    pub(crate) fn record_holds(&self, position: u32, forms: &[u32]) -> bool {
        let at = position as usize;
        let (Some(&start), Some(&end)) = (self.form_start.get(at), self.form_start.get(at + 1)) else { return false };
        self.forms_of[start as usize..end as usize].iter().any(|f| forms.binary_search(f).is_ok())
    }

    /// The records (positions, sorted) that hold one of the forms `a` and one of the forms `b`
    /// (both sorted): the holders of the rarer side are asked for the other's, at most
    /// `visits` of them. `None` when more would have to be asked: the caller must then not
    /// take any list for all.
    pub(crate) fn records_with_both(&self, a: &[u32], b: &[u32], visits: usize) -> Option<Vec<u32>> {
        let (rare, other) = if self.holders(a) <= self.holders(b) { (a, b) } else { (b, a) };
        if self.holders(rare) > visits {
            return None;
        }
        let mut found: Vec<u32> = rare
            .iter()
            .filter_map(|&f| self.records_of.get(f as usize))
            .flatten()
            .copied()
            .filter(|&r| self.record_holds(r, other))
            .collect();
        found.sort_unstable();
        found.dedup();
        Some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use athar_names::NameEngine;

    fn records(engine: &NameEngine, people: &[&[(&str, &str)]]) -> Vec<LinkRecord> {
        people.iter().enumerate().map(|(i, f)| LinkRecord::from_fields(engine, &i.to_string(), f, None)).collect()
    }

    fn word_forms(table: &RegisteredParts, engine: &NameEngine, records: &[LinkRecord], word: &str) -> SameForms {
        // The keys the records hold (here, their parts' own).
        table.same_forms(engine.tables(), records, &engine.analyse(word), |k| table.by_key.contains_key(&k), true)
    }

    #[test]
    fn a_word_is_a_registered_name_in_any_spelling_but_not_by_a_shared_skeleton_alone() {
        let engine = NameEngine::new();
        let records = records(
            &engine,
            &[
                &[("given_name", "Omar"), ("family_name", "Khatib")],
                &[("given_name", "محمد"), ("family_name", "الحلبي")],
                &[("given_name", "Олександр"), ("family_name", "Коваленко")],
            ],
        );
        let table = RegisteredParts::new(&records);
        for name in ["Omar", "Mohammed", "Mhd", "Halabi", "Oleksandr", "Kovalenko", "Khatib"] {
            assert!(word_forms(&table, &engine, &records, name).any(), "{name} is a registered name");
        }
        // Mahmoud shares the key MHMD with Mohammed: a key, not the name. A word no record holds
        // a key of is none either.
        for word in ["Mahmoud", "Ivanov", "War"] {
            assert_eq!(word_forms(&table, &engine, &records, word), SameForms::Known(Vec::new()), "{word}");
        }
    }

    #[test]
    fn records_with_both_are_exactly_those_holding_a_form_of_each_word() {
        let engine = NameEngine::new();
        let records = records(
            &engine,
            &[
                &[("given_name", "Sergey"), ("family_name", "Ryabkov")],
                &[("given_name", "Sergey"), ("family_name", "Ivanov")],
                &[("given_name", "Ivan"), ("family_name", "Рябков")],
                &[("given_name", "Сергей"), ("father_name", "Иванович"), ("family_name", "Рябков")],
            ],
        );
        let table = RegisteredParts::new(&records);
        let forms = |w: &str| match word_forms(&table, &engine, &records, w) {
            SameForms::Known(f) => f,
            SameForms::Unknown => panic!("{w}: forms not known"),
        };
        let (sergei, ryabkov) = (forms("Sergei"), forms("Ryabkov"));
        assert_eq!(table.records_with_both(&sergei, &ryabkov, 100), Some(vec![0, 3]));
        assert_eq!(table.records_with_both(&ryabkov, &sergei, 100), Some(vec![0, 3]), "either order");
        assert_eq!(table.records_with_both(&sergei, &ryabkov, 1), None, "a bound reached is said");
    }
}
