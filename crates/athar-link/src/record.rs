//! The record as linkage sees it: the fields that are compared, analysed once by the name
//! engine. Owns the conversion from canonical fields (as the store derives them) to analysed
//! fields, including reading a `full_name` into given/father/grandfather/family by role when
//! the list did not split it. Does not compare (see `comparison`).

use athar_names::{NameAnalysis, NameEngine, Role};
use std::sync::Arc;

/// A birth date as precise as the list gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
    /// Years the date may be off either way: 0 for a date as given; a search for "about 1990"
    /// (±2) or "1989–1991" (1990 ±1) says how wide (see [`BirthDate::parse_query`]).
    pub spread: u8,
}

impl BirthDate {
    /// A date known to the year, month or day, exactly.
    pub fn new(year: i32, month: Option<u8>, day: Option<u8>) -> BirthDate {
        BirthDate { year, month, day, spread: 0 }
    }

    /// How far apart two dates' years may be and still be one year: the spreads of both.
    pub fn tolerance(self, other: BirthDate) -> i32 {
        i32::from(self.spread) + i32::from(other.spread)
    }

    /// Reads a searched-for date in the store's ISO forms, keeping its width: an approximate
    /// year (`~1990`) is 1990 ±2; a range (`1989/1991`) is its middle year ± half its width
    /// (rounded up); anything else as [`BirthDate::parse_iso`].
    pub fn parse_query(s: &str) -> Option<BirthDate> {
        let s = s.trim();
        let approximate = s.starts_with('~');
        let body = s.trim_start_matches('~');
        if let Some((from, until)) = body.split_once('/') {
            let (a, b) = (BirthDate::parse_iso(from)?, BirthDate::parse_iso(until)?);
            let (lo, hi) = (a.year.min(b.year), a.year.max(b.year));
            let half = (hi - lo + 1) / 2;
            let spread = (half + if approximate { 2 } else { 0 }).clamp(0, 50) as u8;
            return Some(BirthDate { year: lo + (hi - lo) / 2, month: None, day: None, spread });
        }
        let d = BirthDate::parse_iso(body)?;
        Some(if approximate { BirthDate { month: None, day: None, spread: 2, ..d } } else { d })
    }

    /// The date as a reader sees it: `1985`, `1985-03`, `1985-03-15`, or the years a range or
    /// an approximate date covers (`1979–1981`).
    pub fn text(&self) -> String {
        if self.spread > 0 {
            let spread = i32::from(self.spread);
            return format!("{}–{}", self.year - spread, self.year + spread);
        }
        match (self.month, self.day) {
            (Some(m), Some(day)) => format!("{}-{m:02}-{day:02}", self.year),
            (Some(m), None) => format!("{}-{m:02}", self.year),
            _ => self.year.to_string(),
        }
    }

    /// Reads the store's ISO forms: `1985`, `1985-03`, `1985-03-15`; approximate (`~1985`) and
    /// ranges (`1985/1987`) keep their first year only.
    pub fn parse_iso(s: &str) -> Option<BirthDate> {
        let s = s.trim().trim_start_matches('~');
        let s = s.split('/').next().unwrap_or(s);
        let mut it = s.split('-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: Option<u8> = it.next().and_then(|m| m.parse().ok());
        let day: Option<u8> = it.next().and_then(|d| d.parse().ok());
        Some(BirthDate::new(year, month, day))
    }
}

/// A name field: the analysis of what the list wrote in it.
/// A field's analysis, shared by every record of one value (see [`AnalysisCache`]).
pub type NameField = Option<Arc<NameAnalysis>>;

/// Analyses already made, by their text: the same name on many records is analysed once and
/// held once (the given names of a million records are a few thousand texts).
#[derive(Debug, Default)]
pub struct AnalysisCache {
    by_text: rustc_hash::FxHashMap<String, Arc<NameAnalysis>>,
}

impl AnalysisCache {
    fn analyse(&mut self, engine: &NameEngine, text: &str) -> Arc<NameAnalysis> {
        if let Some(a) = self.by_text.get(text) {
            return Arc::clone(a);
        }
        let a = Arc::new(engine.analyse(text));
        self.by_text.insert(text.to_string(), Arc::clone(&a));
        a
    }
}

/// A record's comparable fields.
///
/// Laid out for the scoring of pairs, which reads the second record of each pair from
/// anywhere in memory: what every comparison reads (the value ids, the list, the dates, the
/// short fields compared for equality, whether there is another reading) comes first, in the
/// first three of the record's five lines of memory (64 bytes each, each record starting a
/// line; a registry number's text, where both records have one, reaches into the fourth);
/// the analyses of the names, read only where the level cache has no level, come after. (At
/// a million records, waiting for the second record was most of the time of the
/// comparisons.)
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct LinkRecord {
    /// An id per name or place value (see [`intern_values`]), by [`VALUE_SLOTS`]: two equal ids
    /// are two equal texts, so a comparison of two values is computed once and reused.
    /// [`NO_VALUE`] where the field is missing or the record was not interned.
    pub value_ids: [u32; VALUE_SLOTS.len()],
    /// The value ids of the names read the other way round ([`OtherReading::names`]), as
    /// `value_ids` ([`NO_VALUE`] for a name missing, for all without that reading, or where
    /// the record was not interned). Held here, beside `value_ids`, not in the reading:
    /// a pair that asks the level cache for them then reads the record's one line of ids, not
    /// the reading's own place in memory (at a million records, 42 % of the time of that
    /// look-up was that miss).
    pub other_value_ids: [u32; 4],
    /// The list (source) the record came from, where it came from one (a search's query did
    /// not): two records of one list are seldom one person, as the confident pairs say.
    pub list: Option<u32>,
    pub birth: Option<BirthDate>,
    /// The date of the arrest, disappearance or entry to a facility the list records.
    pub event: Option<BirthDate>,
    /// The person's names read the other way round, where a list may have written them so (see
    /// [`OtherReading`]); compared only when the names as read disagree.
    pub other_reading: Option<Box<OtherReading>>,
    pub sex: Option<String>,
    pub national_id_hash: Option<String>,
    /// What the event date records (`arrest`, `entry`, `release` …), when the list says.
    pub event_kind: Option<String>,
    /// The civil registry's number, its keyed hash (its place: `registry_place`).
    pub registry_number_hash: Option<String>,
    pub given: NameField,
    pub father: NameField,
    pub grandfather: NameField,
    pub family: NameField,
    pub mother_given: NameField,
    pub mother_family: NameField,
    pub birth_place: NameField,
    pub residence: NameField,
    /// The place of detention.
    pub facility: NameField,
    /// Where the person was arrested or disappeared (the list's place of arrest, else the place
    /// of the event it records).
    pub arrest_place: NameField,
    /// The civil registry's place.
    pub registry_place: NameField,
    /// A son's name: the list's, else the one a kunya (Abu Ahmad, أبو أحمد) is made of.
    pub son: NameField,
    pub id: String,
}

/// How a full name written family name first is read (see [`OtherReading::how`]).
pub const FAMILY_FIRST: &str = "family name first";
/// [`OtherReading::how`] of split names read with the given and family names swapped.
pub const SWAPPED: &str = "given and family names swapped";

/// The value id of a missing or not interned value.
pub const NO_VALUE: u32 = u32::MAX;

/// A record's own names (given, father, grandfather, family) read another way: a list that
/// split them may have swapped the given and the family name; a full name may have been written
/// family name first ("Abdu Ali Muhammad": family Abdu, given Ali, father Muhammad). Linking
/// takes this reading for a pair only when it agrees on both the given and the family name and
/// the names as read do not.
#[derive(Debug, Clone)]
pub struct OtherReading {
    /// Given, father, grandfather, family, as [`OtherReading::NAMES`].
    pub names: [NameField; 4],
    /// How the names were read: `given and family names swapped` or `family name first`.
    pub how: &'static str,
}

impl OtherReading {
    /// The comparisons of the names a reading holds, in order.
    pub const NAMES: [crate::ComparisonKind; 4] = [
        crate::ComparisonKind::GivenName,
        crate::ComparisonKind::FatherName,
        crate::ComparisonKind::GrandfatherName,
        crate::ComparisonKind::FamilyName,
    ];

    /// The reading's value of a name comparison (`None` for the others).
    pub fn name_field(&self, k: crate::ComparisonKind) -> Option<&NameAnalysis> {
        let i = Self::NAMES.iter().position(|n| *n == k)?;
        self.names[i].as_deref()
    }
}

/// The fields that carry a value id, in the order of [`LinkRecord::value_ids`].
pub const VALUE_SLOTS: [crate::ComparisonKind; 11] = [
    crate::ComparisonKind::GivenName,
    crate::ComparisonKind::FatherName,
    crate::ComparisonKind::GrandfatherName,
    crate::ComparisonKind::FamilyName,
    crate::ComparisonKind::MotherName,
    crate::ComparisonKind::MotherFamilyName,
    crate::ComparisonKind::BirthPlace,
    crate::ComparisonKind::Residence,
    crate::ComparisonKind::Facility,
    crate::ComparisonKind::ArrestPlace,
    crate::ComparisonKind::SonName,
];

/// The slot of `k` in [`LinkRecord::value_ids`], for the comparisons that have one.
pub fn value_slot(k: crate::ComparisonKind) -> Option<usize> {
    use crate::ComparisonKind::*;
    match k {
        GivenName => Some(0),
        FatherName => Some(1),
        GrandfatherName => Some(2),
        FamilyName => Some(3),
        MotherName => Some(4),
        MotherFamilyName => Some(5),
        BirthPlace => Some(6),
        Residence => Some(7),
        Facility => Some(8),
        ArrestPlace => Some(9),
        SonName => Some(10),
        BirthDate | Sex | NationalId | EventDate | Registry | List => None,
    }
}

/// Gives every distinct name or place text of the records an id (the same text in any field,
/// the same id: an analysis depends on its text alone).
pub fn intern_values(records: &mut [LinkRecord]) {
    ValueInterner::default().intern(records);
}

/// The ids given to name and place texts so far, so that records added later (a live search
/// index taking an import's records) get the ids the same texts already have.
#[derive(Debug, Default, Clone)]
pub struct ValueInterner {
    ids: rustc_hash::FxHashMap<String, u32>,
}

impl ValueInterner {
    /// Gives the records' texts their ids: those seen before keep theirs, new ones count on.
    pub fn intern(&mut self, records: &mut [LinkRecord]) {
        for r in records.iter_mut() {
            for (slot, kind) in VALUE_SLOTS.iter().enumerate() {
                r.value_ids[slot] = self.id_of(kind.name_field(r));
            }
            if let Some(other) = r.other_reading.as_deref() {
                for i in 0..4 {
                    r.other_value_ids[i] = self.id_of(other.names[i].as_deref());
                }
            }
        }
    }

    fn id_of(&mut self, value: Option<&NameAnalysis>) -> u32 {
        let Some(a) = value else { return NO_VALUE };
        if let Some(id) = self.ids.get(a.input.as_str()) {
            return *id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(a.input.clone(), id);
        id
    }
}

/// Canonical fields of a record, by their store names (`given_name`, `birth_date` …).
pub type Fields<'a> = &'a [(&'a str, &'a str)];

fn analysed(engine: &NameEngine, text: Option<&str>, cache: &mut AnalysisCache) -> NameField {
    let a = cache.analyse(engine, text?);
    (!a.is_empty()).then_some(a)
}

impl LinkRecord {
    /// Builds a record from canonical fields. A `full_name` fills the split fields that are
    /// missing, part by part, by the roles the name engine gives its parts.
    pub fn from_fields(
        engine: &NameEngine,
        id: &str,
        fields: Fields<'_>,
        national_id_hash: Option<&str>,
    ) -> LinkRecord {
        Self::from_fields_cached(engine, id, fields, national_id_hash, &mut AnalysisCache::default())
    }

    /// As [`LinkRecord::from_fields`], sharing analyses through `cache`.
    pub fn from_fields_cached(
        engine: &NameEngine,
        id: &str,
        fields: Fields<'_>,
        national_id_hash: Option<&str>,
        cache: &mut AnalysisCache,
    ) -> LinkRecord {
        let get = |k: &str| fields.iter().find(|(n, _)| *n == k).map(|(_, v)| *v).filter(|v| !v.trim().is_empty());
        let mut r = LinkRecord {
            id: id.to_string(),
            given: analysed(engine, get("given_name"), cache),
            father: analysed(engine, get("father_name"), cache),
            grandfather: analysed(engine, get("grandfather_name"), cache),
            family: analysed(engine, get("family_name"), cache),
            mother_given: analysed(engine, get("mother_name"), cache),
            mother_family: analysed(engine, get("mother_family_name"), cache),
            birth: get("birth_date").and_then(BirthDate::parse_iso),
            birth_place: analysed(engine, get("birth_place"), cache),
            residence: analysed(engine, get("residence"), cache),
            sex: get("sex").filter(|s| *s != "unknown").map(str::to_string),
            national_id_hash: national_id_hash.map(str::to_string),
            // A range or "about" a list gives keeps its width (2012/2014 is 2013 ±1).
            event: get("event_date").and_then(BirthDate::parse_query),
            event_kind: get("event_kind").filter(|k| *k != "unknown").map(str::to_string),
            facility: analysed(engine, get("facility"), cache),
            arrest_place: analysed(engine, get("arrest_place").or_else(|| get("place")), cache),
            registry_place: analysed(engine, get("registry_place"), cache),
            registry_number_hash: None,
            son: analysed(engine, get("son_name"), cache),
            other_reading: None,
            list: None,
            value_ids: [NO_VALUE; VALUE_SLOTS.len()],
            other_value_ids: [NO_VALUE; 4],
        };
        // The full name, analysed once for its kunya and its parts.
        let full = get("full_name").map(|t| engine.analyse(t));
        if r.son.is_none() {
            // A kunya the engine read in a name the list gave: the name after Abu or Umm.
            // Not the family name: Abu Zeid is a family's name, and all its members would share a
            // "son".
            let kunya = r
                .given
                .as_deref()
                .and_then(son_of_kunya)
                .or_else(|| full.as_ref().and_then(son_of_kunya))
                .or_else(|| get("aliases").and_then(|t| son_of_kunya(&engine.analyse(t))));
            if let Some(son) = kunya {
                r.son = analysed(engine, Some(&son), cache);
            }
        }
        if let Some(a) = full {
            let mut part = |role: Role| -> NameField {
                let text: Vec<&str> = a.parts.iter().filter(|p| p.role == role).map(|p| p.text.as_str()).collect();
                if text.is_empty() {
                    None
                } else {
                    analysed(engine, Some(&text.join(" ")), cache)
                }
            };
            if r.given.is_none() {
                r.given = part(Role::Given);
            }
            if r.father.is_none() {
                r.father = match part(Role::Father) {
                    Some(f) => Some(f),
                    None => part(Role::Patronymic),
                };
            }
            if r.grandfather.is_none() {
                r.grandfather = part(Role::Grandfather);
            }
            if r.family.is_none() {
                r.family = part(Role::Family);
            }
            if get("given_name").is_none() && get("family_name").is_none() {
                r.other_reading = family_first(&a, |t| analysed(engine, Some(t), cache));
                // A father's or grandfather's name the list gave apart is kept, as in the names
                // as read.
                if let Some(o) = r.other_reading.as_mut() {
                    if get("father_name").is_some() {
                        o.names[1] = r.father.clone();
                    }
                    if get("grandfather_name").is_some() {
                        o.names[2] = r.grandfather.clone();
                    }
                }
            }
        }
        if r.other_reading.is_none() && get("given_name").is_some() && get("family_name").is_some() {
            // A list that split the names may have put each in the other's column.
            r.other_reading = Some(Box::new(OtherReading {
                names: [r.family.clone(), r.father.clone(), r.grandfather.clone(), r.given.clone()],
                how: SWAPPED,
            }));
        }
        r
    }
}

impl LinkRecord {
    /// The record with the keyed hash of its civil registry number.
    pub fn with_registry_number(mut self, hash: Option<&str>) -> LinkRecord {
        self.registry_number_hash = hash.map(str::to_string);
        self
    }

    /// The record as one of the list `list`.
    pub fn with_list(mut self, list: Option<u32>) -> LinkRecord {
        self.list = list;
        self
    }
}

/// A full name read family name first, where the engine read it given name first: two to four
/// plain names (no patronymic, kunya or compound the engine placed by its form, no order the
/// capitals or a comma already told). The first is the family name, then the given name, the
/// father's and the grandfather's.
fn family_first(a: &NameAnalysis, mut analyse: impl FnMut(&str) -> NameField) -> Option<Box<OtherReading>> {
    let parts: Vec<_> = a.parts.iter().filter(|p| p.role != Role::Particle).collect();
    let plain = parts.iter().all(|p| matches!(p.role, Role::Given | Role::Father | Role::Grandfather | Role::Family));
    if !(2..=4).contains(&parts.len()) || !plain || parts[0].role != Role::Given {
        return None;
    }
    let mut names: [NameField; 4] = [None, None, None, None];
    names[3] = analyse(&parts[0].text);
    names[0] = analyse(&parts[1].text);
    for (slot, p) in [1, 2].into_iter().zip(&parts[2..]) {
        names[slot] = analyse(&p.text);
    }
    Some(Box::new(OtherReading { names, how: FAMILY_FIRST }))
}

/// The name a kunya of `a` is made of: `Ahmad` of `Abu Ahmad`, `الفضل` of `أبو الفضل`.
fn son_of_kunya(a: &NameAnalysis) -> Option<String> {
    let part = a.parts.iter().find(|p| p.role == Role::Kunya)?;
    let mut words = part.text.split_whitespace();
    let first = words.next()?;
    let rest: Vec<&str> = words.collect();
    if !rest.is_empty() {
        return Some(rest.join(" "));
    }
    // Written as one word: أبوأحمد, abuahmad (rare), or abu-ahmad.
    let folded = first.to_lowercase();
    ["ابو", "أبو", "abu-", "abou-", "umm-", "ام"]
        .iter()
        .find_map(|p| folded.strip_prefix(p))
        .filter(|x| x.chars().count() >= 3)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_slots_agree_with_their_list() {
        for (i, k) in VALUE_SLOTS.iter().enumerate() {
            assert_eq!(value_slot(*k), Some(i), "{k:?}");
        }
        assert_eq!(crate::ComparisonKind::ALL.iter().filter(|k| value_slot(**k).is_some()).count(), VALUE_SLOTS.len());
    }

    #[test]
    fn iso_birth_dates_of_every_precision() {
        assert_eq!(BirthDate::parse_iso("1985"), Some(BirthDate::new(1985, None, None)));
        assert_eq!(BirthDate::parse_iso("1985-03-15"), Some(BirthDate::new(1985, Some(3), Some(15))));
        // A searched-for date keeps its width.
        assert_eq!(BirthDate::parse_query("~1990"), Some(BirthDate { spread: 2, ..BirthDate::new(1990, None, None) }));
        assert_eq!(
            BirthDate::parse_query("1989/1991"),
            Some(BirthDate { spread: 1, ..BirthDate::new(1990, None, None) })
        );
        assert_eq!(
            BirthDate::parse_query("1985/1990"),
            Some(BirthDate { spread: 3, ..BirthDate::new(1987, None, None) })
        );
        assert_eq!(BirthDate::parse_query("1990-05-02"), BirthDate::parse_iso("1990-05-02"));
        assert_eq!(BirthDate::parse_iso("~1985/1987").map(|d| d.year), Some(1985));
        assert_eq!(BirthDate::parse_iso("soon"), None);
    }

    #[test]
    fn a_full_name_fills_the_split_fields_by_role() {
        let e = NameEngine::new();
        let r = LinkRecord::from_fields(&e, "1", &[("full_name", "محمد عبد الرحمن الحلبي")], None);
        assert!(r.given.is_some() && r.father.is_some() && r.family.is_some());
        assert!(r.grandfather.is_none());
        let r = LinkRecord::from_fields(&e, "2", &[("full_name", "Ali Hassan"), ("given_name", "Aly")], None);
        assert_eq!(r.given.as_ref().map(|g| g.input.as_str()), Some("Aly"), "a split field wins");
    }
}
