//! Comparisons and their levels: how two records agree, field by field.
//!
//! Owns the list of comparisons (given, father, grandfather and family name, mother's given
//! and family name, birth date, birth place, residence, sex, national id, and the
//! disappearance: its event date and the place of detention), the levels of each
//! from strongest agreement to disagreement, and the comparison vector of a pair. A missing
//! value on either side is `None`: neutral, never evidence against. Names are compared by the
//! name engine (any script, any spelling). Does not weigh levels (see `model`).

use crate::record::{value_slot, BirthDate, LinkRecord, OtherReading, NO_VALUE};
use athar_names::{NameAnalysis, NameEngine, TokenLevel};
use serde::{Deserialize, Serialize};

/// One comparison of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    GivenName,
    FatherName,
    GrandfatherName,
    FamilyName,
    MotherName,
    MotherFamilyName,
    BirthDate,
    BirthPlace,
    Residence,
    Sex,
    NationalId,
    /// The date of the disappearance a list records: an arrest, a disappearance, the entry to a
    /// facility (lists that record different events differ by what EM learns, not more).
    EventDate,
    /// The place of detention, through the name engine (Branch 215 = فرع 215).
    Facility,
    /// Where the person was arrested or disappeared, through the name engine.
    ArrestPlace,
    /// The civil registry (القيد): the number by its keyed hash, and its place. Brothers and
    /// sisters share it (it is the family's entry), so it is family evidence, as EM learns.
    Registry,
    /// A son's name against a son's name or a kunya (Abu Ahmad): weak, a kunya may be an
    /// honorific.
    SonName,
    /// Whether the two records come from one list: a list seldom names one person twice (a
    /// register, an NGO's list), so two of its records alike are namesakes more often than
    /// two records of two lists — by how much, the confident pairs of the lists say (not EM:
    /// see `train_m`).
    List,
}

impl ComparisonKind {
    /// The comparisons of names of people: the person's own (given, father, grandfather,
    /// family) and the mother's. Not places.
    pub const PERSON_NAMES: [ComparisonKind; 6] = [
        ComparisonKind::GivenName,
        ComparisonKind::FatherName,
        ComparisonKind::GrandfatherName,
        ComparisonKind::FamilyName,
        ComparisonKind::MotherName,
        ComparisonKind::MotherFamilyName,
    ];

    pub const ALL: [ComparisonKind; 17] = [
        ComparisonKind::GivenName,
        ComparisonKind::FatherName,
        ComparisonKind::GrandfatherName,
        ComparisonKind::FamilyName,
        ComparisonKind::MotherName,
        ComparisonKind::MotherFamilyName,
        ComparisonKind::BirthDate,
        ComparisonKind::BirthPlace,
        ComparisonKind::Residence,
        ComparisonKind::Sex,
        ComparisonKind::NationalId,
        ComparisonKind::EventDate,
        ComparisonKind::Facility,
        ComparisonKind::ArrestPlace,
        ComparisonKind::Registry,
        ComparisonKind::SonName,
        ComparisonKind::List,
    ];

    /// The levels of this comparison, strongest agreement first, disagreement last.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            ComparisonKind::BirthDate => &[
                "exact",
                "same year and month",
                "same year (one date has no month)",
                "same year, other month or day",
                "within one year",
                "different",
            ],
            ComparisonKind::BirthPlace | ComparisonKind::Residence | ComparisonKind::ArrestPlace => {
                &["same place", "similar", "different"]
            }
            ComparisonKind::Registry => &["same registry (place and number)", "same number", "different"],
            ComparisonKind::SonName => &["same son's name", "similar", "different"],
            ComparisonKind::List => &["two lists", "one list"],
            ComparisonKind::EventDate => &["same day", "within a week", "within a month", "within a year", "different"],
            ComparisonKind::Facility => &["same facility", "similar", "different"],
            ComparisonKind::Sex | ComparisonKind::NationalId => &["same", "different"],
            _ => &["same name (form or table)", "same name, other spelling", "similar", "different"],
        }
    }

    /// Whether agreeing on the name (the first two levels: the same name in any spelling) is
    /// adjusted for how common the value is.
    pub fn term_frequency(self) -> bool {
        self.is_name()
    }

    /// Whether the field describes the person rather than the family: brothers and sisters
    /// share their father's, grandfather's, mother's and family name, birth place and
    /// residence, and differ in these (see `FsModel::relatives`).
    pub fn is_individual(self) -> bool {
        matches!(
            self,
            ComparisonKind::GivenName | ComparisonKind::BirthDate | ComparisonKind::Sex | ComparisonKind::NationalId
        )
    }

    /// Whether the field is a parent's (or grandparent's) name.
    pub fn is_parent(self) -> bool {
        matches!(
            self,
            ComparisonKind::FatherName
                | ComparisonKind::GrandfatherName
                | ComparisonKind::MotherName
                | ComparisonKind::MotherFamilyName
        )
    }

    pub fn is_name(self) -> bool {
        matches!(
            self,
            ComparisonKind::GivenName
                | ComparisonKind::FatherName
                | ComparisonKind::GrandfatherName
                | ComparisonKind::FamilyName
                | ComparisonKind::MotherName
                | ComparisonKind::MotherFamilyName
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            ComparisonKind::GivenName => "given_name",
            ComparisonKind::FatherName => "father_name",
            ComparisonKind::GrandfatherName => "grandfather_name",
            ComparisonKind::FamilyName => "family_name",
            ComparisonKind::MotherName => "mother_name",
            ComparisonKind::MotherFamilyName => "mother_family_name",
            ComparisonKind::BirthDate => "birth_date",
            ComparisonKind::BirthPlace => "birth_place",
            ComparisonKind::Residence => "residence",
            ComparisonKind::Sex => "sex",
            ComparisonKind::NationalId => "national_id",
            ComparisonKind::EventDate => "event_date",
            ComparisonKind::Facility => "facility",
            ComparisonKind::ArrestPlace => "arrest_place",
            ComparisonKind::Registry => "registry",
            ComparisonKind::SonName => "son_name",
            ComparisonKind::List => "list",
        }
    }

    /// The record's value of this comparison's field, if it is a name or place.
    pub fn name_field(self, r: &LinkRecord) -> Option<&NameAnalysis> {
        match self {
            ComparisonKind::GivenName => r.given.as_deref(),
            ComparisonKind::FatherName => r.father.as_deref(),
            ComparisonKind::GrandfatherName => r.grandfather.as_deref(),
            ComparisonKind::FamilyName => r.family.as_deref(),
            ComparisonKind::MotherName => r.mother_given.as_deref(),
            ComparisonKind::MotherFamilyName => r.mother_family.as_deref(),
            ComparisonKind::BirthPlace => r.birth_place.as_deref(),
            ComparisonKind::Residence => r.residence.as_deref(),
            ComparisonKind::Facility => r.facility.as_deref(),
            ComparisonKind::ArrestPlace => r.arrest_place.as_deref(),
            ComparisonKind::SonName => r.son.as_deref(),
            _ => None,
        }
    }
}

/// Adds to each line of an explanation of `a` and `b` what a reader needs to follow it: the
/// values compared, as each record writes them; for a name or a place, the name engine's
/// reason (`both are forms of 'muhammad'`, `different names … (listed as known-distinct)`);
/// "missing on both sides" where neither record has the value, and "both give the year only"
/// where two partial dates agree on their year.
pub fn annotate(e: &mut crate::Explanation, engine: &NameEngine, a: &LinkRecord, b: &LinkRecord) {
    // The names as compared: one record's may be read the other way round.
    let aligned = other_reading(engine, a, b, &compare_straight(engine, a, b), None);
    annotate_read(e, engine, a, b, aligned);
}

/// As [`annotate`], for a comparison of the names as each record reads them
/// ([`compare_straight`]).
pub fn annotate_as_read(e: &mut crate::Explanation, engine: &NameEngine, a: &LinkRecord, b: &LinkRecord) {
    annotate_read(e, engine, a, b, None);
}

fn annotate_read(
    e: &mut crate::Explanation,
    engine: &NameEngine,
    a: &LinkRecord,
    b: &LinkRecord,
    aligned: Option<Alignment>,
) {
    let field = |k: ComparisonKind, r: &'_ LinkRecord, first: bool| match aligned {
        Some(al) => al.name_field(k, r, first).map(|n| n.input.clone()),
        None => k.name_field(r).map(|n| n.input.clone()),
    };
    for line in &mut e.lines {
        let Some(k) = line.field else { continue };
        if line.kind == crate::LineKind::TermFrequency || line.kind == crate::LineKind::Relatives {
            continue;
        }
        let (va, vb) = match k {
            ComparisonKind::BirthDate => (a.birth.map(|d| d.text()), b.birth.map(|d| d.text())),
            ComparisonKind::EventDate => (a.event.map(|d| d.text()), b.event.map(|d| d.text())),
            ComparisonKind::Sex => (a.sex.clone(), b.sex.clone()),
            // Kept only as a keyed hash: said present, never shown.
            ComparisonKind::NationalId => (
                a.national_id_hash.as_ref().map(|_| "(given)".to_string()),
                b.national_id_hash.as_ref().map(|_| "(given)".to_string()),
            ),
            // The registry's place as written; its number, only that it is given.
            ComparisonKind::Registry => (registry_text(a), registry_text(b)),
            _ => (field(k, a, true), field(k, b, false)),
        };
        if line.kind == crate::LineKind::Missing && va.is_none() && vb.is_none() {
            line.level = "missing on both sides (neutral)".into();
        }
        if k == ComparisonKind::BirthDate && line.kind == crate::LineKind::Level {
            let year_only = |d: &Option<BirthDate>| d.is_some_and(|d| d.month.is_none());
            if let (Some(x), Some(y)) = (a.birth, b.birth) {
                if x.tolerance(y) > 0 {
                    // A range or "about": the level says where the other date falls.
                    let apart = (x.year - y.year).abs();
                    let range = if x.spread > 0 { x.text() } else { y.text() };
                    if apart <= x.tolerance(y) {
                        line.level = format!("within the years given ({range})");
                    } else if apart == x.tolerance(y) + 1 {
                        line.level = format!("a year outside the years given ({range})");
                    }
                } else if year_only(&a.birth) && year_only(&b.birth) && x.year == y.year {
                    line.level = "same year (both give the year only)".into();
                }
            }
        }
        // A facility's level says it all: its words one by one ("'branch' has no counterpart")
        // would not.
        let parts_said = k != ComparisonKind::Facility;
        let (x, y) = match aligned {
            Some(al) => (al.name_field(k, a, true), al.name_field(k, b, false)),
            None => (k.name_field(a), k.name_field(b)),
        };
        if let (Some(x), Some(y), true) = (x, y, parts_said) {
            let c = athar_names::compare::compare_names_with(engine.tables(), x, y, true);
            let mut details: Vec<String> = Vec::new();
            for p in &c.parts {
                let said = match (&p.a, &p.b) {
                    (Some(_), Some(_)) => p.detail.clone(),
                    // A part without a counterpart: why, when the tables know (said once, from A).
                    (Some(_), None) if p.detail.starts_with("different names") => p.detail.clone(),
                    (None, Some(_)) if p.detail.starts_with("different names") => continue,
                    (Some(t), None) | (None, Some(t)) => format!("'{t}' has no counterpart"),
                    (None, None) => continue,
                };
                if !said.is_empty() && !details.contains(&said) {
                    details.push(said);
                }
            }
            if let Some(al) = aligned.filter(|_| OtherReading::NAMES.contains(&k)) {
                let read = if al.first { a } else { b };
                let how = read.other_reading.as_deref().map_or("", |o| o.how);
                let side = if al.first { "the first record" } else { "the second record" };
                details.insert(0, format!("{side} read with its {how}"));
            }
            if !details.is_empty() {
                line.reason = Some(details.join("; "));
            }
        }
        line.a = va;
        line.b = vb;
    }
}

/// The level of each comparison for one pair, in the order of [`ComparisonKind::ALL`]
/// (`None`: a value is missing). Inline: millions of pairs are held at once.
pub type ComparisonVector = [Option<u8>; ComparisonKind::ALL.len()];

fn name_level(engine: &NameEngine, a: Option<&NameAnalysis>, b: Option<&NameAnalysis>) -> Option<u8> {
    let (a, b) = (a?, b?);
    let c = engine.score(a, b);
    if c.error.is_some() {
        return None;
    }
    if c.same_name {
        // Same form: every part the same written form or the same table name.
        let same_form = a.parts.len() == b.parts.len()
            && a.parts.iter().zip(&b.parts).all(|(x, y)| {
                let (level, _, _) = athar_names::compare::compare_parts(engine.tables(), x, y);
                matches!(level, TokenLevel::SameOriginal | TokenLevel::SameEquivalence)
            });
        Some(if same_form { 0 } else { 1 })
    } else if c.score >= 0.6 {
        Some(2)
    } else {
        Some(3)
    }
}

fn place_level(engine: &NameEngine, a: Option<&NameAnalysis>, b: Option<&NameAnalysis>) -> Option<u8> {
    let (a, b) = (a?, b?);
    let c = engine.score(a, b);
    if c.error.is_some() {
        return None;
    }
    Some(if c.same_name {
        0
    } else if c.score >= 0.75 {
        1
    } else {
        2
    })
}

fn date_level(a: Option<BirthDate>, b: Option<BirthDate>) -> Option<u8> {
    let (a, b) = (a?, b?);
    let tolerance = a.tolerance(b);
    if tolerance > 0 {
        // A date given as a range or "about": within it is the same year at the range's
        // precision (no month); just outside it, within one year.
        let apart = (a.year - b.year).abs();
        return Some(if apart <= tolerance {
            2
        } else if apart == tolerance + 1 {
            4
        } else {
            5
        });
    }
    if a.year == b.year {
        Some(match ((a.month, a.day), (b.month, b.day)) {
            ((Some(ma), Some(da)), (Some(mb), Some(db))) if ma == mb && da == db => 0,
            // Day and month swapped (03/10 against 10/03): one date read two ways.
            ((Some(ma), Some(da)), (Some(mb), Some(db))) if ma == db && da == mb => 1,
            // Both known to the day, and they differ: two dates, not one date at two precisions.
            ((Some(_), Some(_)), (Some(_), Some(_))) => 3,
            ((Some(ma), _), (Some(mb), _)) if ma == mb => 1,
            ((Some(_), _), (Some(_), _)) => 3,
            _ => 2,
        })
    } else if (a.year - b.year).abs() == 1 {
        Some(4)
    } else {
        Some(5)
    }
}

/// The event dates of two records: a partial date is as precise as it says — two dates known
/// to the day are that many days apart; a month agrees "within a month" at best, a year
/// "within a year".
fn event_level(a: Option<BirthDate>, b: Option<BirthDate>) -> Option<u8> {
    let (a, b) = (a?, b?);
    let day = |d: BirthDate| chrono::NaiveDate::from_ymd_opt(d.year, u32::from(d.month?), u32::from(d.day?));
    if let (Some(x), Some(y)) = (day(a), day(b)) {
        let apart = (x - y).num_days().abs();
        return Some(match apart {
            0 => 0,
            1..=7 => 1,
            8..=31 => 2,
            32..=366 => 3,
            _ => 4,
        });
    }
    let months = |d: BirthDate| d.month.map(|m| i64::from(d.year) * 12 + i64::from(m));
    Some(match (months(a), months(b)) {
        (Some(x), Some(y)) if (x - y).abs() <= 1 => 2,
        (Some(x), Some(y)) if (x - y).abs() <= 12 => 3,
        // A year, or the years a range or "about" covers (2012/2014 is 2013 ±1).
        _ if (a.year - b.year).abs() <= a.tolerance(b) => 3,
        _ => 4,
    })
}

/// Whether two event kinds are the two ends of a detention (an arrest and a release or a
/// death): their dates say nothing of each other. Kinds of the start (arrest, disappearance,
/// entry, transfer) are compared, as EM learns how far apart they fall.
fn different_ends(a: Option<&str>, b: Option<&str>) -> bool {
    let end = |k: &str| matches!(k, "release" | "death");
    match (a, b) {
        (Some(x), Some(y)) => end(x) != end(y) || (end(x) && x != y),
        _ => false,
    }
}

/// The registry's place as written and "(number given)", or the number alone.
fn registry_text(r: &LinkRecord) -> Option<String> {
    match (&r.registry_place, &r.registry_number_hash) {
        (Some(p), Some(_)) => Some(format!("{} (number given)", p.input)),
        (None, Some(_)) => Some("(number given)".into()),
        _ => None,
    }
}

/// The civil registry: the same number in the same (or a similar) place, the same number
/// where a place is missing, or different (another number, or the same number in another
/// place — numbers restart in each registry). Neutral without a number on both sides.
fn registry_level(engine: &NameEngine, a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    let (x, y) = (a.registry_number_hash.as_ref()?, b.registry_number_hash.as_ref()?);
    if x != y {
        return Some(2);
    }
    Some(match place_level(engine, a.registry_place.as_deref(), b.registry_place.as_deref()) {
        Some(0 | 1) => 0,
        Some(_) => 2,
        None => 1,
    })
}

/// A son's name against a son's name: the same name (any spelling), similar, different.
fn son_level(engine: &NameEngine, a: Option<&NameAnalysis>, b: Option<&NameAnalysis>) -> Option<u8> {
    Some(match name_level(engine, a, b)? {
        0 | 1 => 0,
        2 => 1,
        _ => 2,
    })
}

fn equal_level<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> Option<u8> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if x == y { 0 } else { 1 }),
        _ => None,
    }
}

/// Which comparison a cached level of values `x` and `y` is filed under: comparisons that run
/// one function on the values share their levels (Ahmad against Ahmed is one comparison, as
/// given, father's or family name; Douma against Duma one, as place of birth, of residence or
/// of arrest) — where the ids name texts. A search's query gives all its values one id (past
/// [`SAME_LIMIT`]): its given and family names are two values, filed under their own
/// comparisons.
fn cache_class(k: ComparisonKind, x: u32, y: u32) -> ComparisonKind {
    use ComparisonKind::*;
    if x.max(y) >= SAME_LIMIT {
        return k;
    }
    match k {
        GivenName | FatherName | GrandfatherName | FamilyName | MotherName | MotherFamilyName => GivenName,
        BirthPlace | Residence | Facility | ArrestPlace => BirthPlace,
        other => other,
    }
}

/// Value ids at or past this are not looked up in the array of a value against itself (a
/// query's values have ids near `u32::MAX`).
const SAME_LIMIT: u32 = 1 << 28;

/// Levels of value pairs already compared, by their value ids (see
/// [`crate::record::intern_values`]). One per thread: a pair of common names (Mohammed and
/// محمد) is compared once, not for every pair of records that holds them.
///
/// At a million records the map holds millions of value pairs, and each look-up in it is a
/// miss of the processor's caches. Pairs come in the order of their records' names, so the
/// same value pairs come back soon: a small table of the latest ones ([`Recent`]) answers most
/// look-ups before the map is asked (at 1,007,203 records, 81 % of them).
#[derive(Debug, Default)]
pub struct LevelCache {
    levels: rustc_hash::FxHashMap<(ComparisonKind, u32, u32), Option<u8>>,
    /// The level of a value against itself, by slot and value id (0: not known yet, 1: no
    /// level, 2 + l: level l): records that hold the very same value are most of a block's
    /// pairs, and an array is cheaper than a map.
    same: Vec<Vec<u8>>,
    /// The value pairs of `levels` looked up last, [`RECENT`] of them (empty until `levels`
    /// holds as many pairs).
    recent: Vec<Recent>,
}

/// How many value pairs the table of the latest look-ups holds: 384 KiB, within a core's
/// second-level cache.
const RECENT: usize = 1 << 15;

/// A value pair of [`LevelCache`]'s map and its level, in the table of the latest look-ups:
/// each pair has one place (by a hash of it), where the latest pair to fall there stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Recent {
    x: u32,
    y: u32,
    /// The comparison's class (`ComparisonKind as u8`); `u8::MAX` for a place never filled.
    class: u8,
    /// The level; `u8::MAX` for none.
    level: u8,
}

impl Recent {
    const EMPTY: Recent = Recent { x: 0, y: 0, class: u8::MAX, level: u8::MAX };

    /// The place of a value pair in the table.
    fn place(class: ComparisonKind, x: u32, y: u32) -> usize {
        let key = ((class as u64) << 58) ^ (u64::from(x) << 29) ^ u64::from(y);
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - RECENT.trailing_zeros())) as usize
    }
}

impl LevelCache {
    /// How many value pairs it holds.
    pub fn len(&self) -> usize {
        self.levels.len() + self.same.iter().flatten().filter(|l| **l != 0).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn level(
        &mut self,
        engine: &NameEngine,
        k: ComparisonKind,
        slot: usize,
        a: &LinkRecord,
        b: &LinkRecord,
    ) -> Option<u8> {
        self.pair(k, slot, a.value_ids[slot], b.value_ids[slot], || compare_one(engine, k, a, b))
    }

    /// The level of values `x` and `y` of comparison `k` (value slot `slot`), made by `compute`
    /// the first time (every time where a value has no id).
    fn pair(
        &mut self,
        k: ComparisonKind,
        slot: usize,
        x: u32,
        y: u32,
        compute: impl FnOnce() -> Option<u8>,
    ) -> Option<u8> {
        if x == NO_VALUE || y == NO_VALUE {
            return compute();
        }
        if x != y || x >= SAME_LIMIT {
            // Levels are symmetric: one entry serves both orders.
            let (class, x, y) = (cache_class(k, x, y), x.min(y), x.max(y));
            // A small map is held in the processor's caches already: a search's few hundred
            // candidates, or the first pairs of a link, need no table (nor its 384 KiB).
            if self.recent.is_empty() {
                if self.levels.len() < RECENT {
                    return *self.levels.entry((class, x, y)).or_insert_with(compute);
                }
                self.recent = vec![Recent::EMPTY; RECENT];
            }
            let place = Recent::place(class, x, y);
            let seen = self.recent[place];
            if seen.x == x && seen.y == y && seen.class == class as u8 {
                return (seen.level != u8::MAX).then_some(seen.level);
            }
            let level = *self.levels.entry((class, x, y)).or_insert_with(compute);
            // (A level past 254 would not fit: none is kept there, the map answers.)
            if level.is_none_or(|l| l < u8::MAX) {
                self.recent[place] = Recent { x, y, class: class as u8, level: level.unwrap_or(u8::MAX) };
            }
            return level;
        }
        if self.same.len() <= slot {
            self.same.resize(slot + 1, Vec::new());
        }
        let same = &mut self.same[slot];
        if same.len() <= x as usize {
            same.resize(x as usize + 1, 0);
        }
        match same[x as usize] {
            0 => {
                let l = compute();
                same[x as usize] = l.map_or(1, |l| l + 2);
                l
            }
            1 => None,
            l => Some(l - 2),
        }
    }
}

/// As [`compare`], reusing the levels of value pairs already in `cache`. The result is the
/// same as without the cache.
pub fn compare_cached(engine: &NameEngine, a: &LinkRecord, b: &LinkRecord, cache: &mut LevelCache) -> ComparisonVector {
    let mut v = compare_cached_as_read(engine, a, b, cache);
    if let Some(aligned) = other_reading(engine, a, b, &v, Some(cache)) {
        aligned.apply(&mut v);
    }
    v
}

/// As [`compare_cached`], the names as each record reads them (no other reading): for a
/// search, which reads the query both ways itself (see `athar_search::Query`).
pub fn compare_cached_as_read(
    engine: &NameEngine,
    a: &LinkRecord,
    b: &LinkRecord,
    cache: &mut LevelCache,
) -> ComparisonVector {
    ComparisonKind::ALL.map(|k| match value_slot(k) {
        Some(slot) => cache.level(engine, k, slot, a, b),
        None => compare_one(engine, k, a, b),
    })
}

/// Which record of a pair is read the other way round (see [`OtherReading`]), and the levels of
/// the names so read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alignment {
    /// `true`: the first record's other reading; `false`: the second's.
    pub first: bool,
    pub levels: [Option<u8>; 4],
}

impl Alignment {
    fn apply(&self, v: &mut ComparisonVector) {
        for (k, l) in OtherReading::NAMES.iter().zip(self.levels) {
            v[*k as usize] = l;
        }
    }

    /// The value of name comparison `k` of record `r` (the first if `first`) as aligned.
    pub fn name_field<'a>(&self, k: ComparisonKind, r: &'a LinkRecord, first: bool) -> Option<&'a NameAnalysis> {
        match (first == self.first, r.other_reading.as_deref()) {
            (true, Some(o)) if OtherReading::NAMES.contains(&k) => o.name_field(k),
            _ => k.name_field(r),
        }
    }
}

/// The names of a pair read the other way round on one side, when that reading agrees on both
/// the given and the family name (the same name, any spelling) and the names as read (`v`) do
/// not: the better reading wins only by evidence. Where both records' readings agree, the one
/// whose levels agree more is taken (the first record's in a tie), so that a pair scores the
/// same whichever record comes first.
pub fn other_reading(
    engine: &NameEngine,
    a: &LinkRecord,
    b: &LinkRecord,
    v: &ComparisonVector,
    mut cache: Option<&mut LevelCache>,
) -> Option<Alignment> {
    let agrees = |l: Option<u8>| matches!(l, Some(0 | 1));
    if (a.other_reading.is_none() && b.other_reading.is_none())
        || (agrees(v[ComparisonKind::GivenName as usize]) && agrees(v[ComparisonKind::FamilyName as usize]))
    {
        return None;
    }
    // Both swapped, the second reading compares the value pairs the first did, the given name's
    // in the family name's place: which is taken depends on their levels, not on the order.
    // The closer the levels, the better the reading: given and family name first. A name
    // missing on one side is neutral: after an agreement (levels 0 and 1), before a
    // disagreement.
    let closeness = |al: &Alignment| {
        let l = al.levels.map(|l| l.map_or(2u8, |l| if l <= 1 { l } else { l.saturating_add(1) }));
        (u16::from(l[0]) + u16::from(l[3]), l[0], l[3], l[1], l[2])
    };
    let mut best: Option<Alignment> = None;
    for (first, read, other) in [(true, a, b), (false, b, a)] {
        let Some(o) = read.other_reading.as_deref() else { continue };
        let mut level = |i: usize| {
            let k = OtherReading::NAMES[i];
            let slot = value_slot(k).unwrap_or(0);
            // (The reading's names are read only where the level is not in the cache.)
            let compute = || name_level(engine, o.names[i].as_deref(), k.name_field(other));
            match cache.as_deref_mut() {
                Some(c) => c.pair(k, slot, read.other_value_ids[i], other.value_ids[slot], compute),
                None => compute(),
            }
        };
        // Most pairs do not agree on the given name so read: the family name is not compared.
        let given = level(0);
        if !agrees(given) {
            continue;
        }
        let family = level(3);
        if agrees(family) {
            // A name read the other way round is less sure than one read as written: its
            // agreement counts one level down (the same name is "other spelling", another
            // spelling "similar").
            let down = |l: Option<u8>| l.map(|l| l + 1);
            let al = Alignment { first, levels: [down(given), level(1), level(2), down(family)] };
            if best.as_ref().is_none_or(|b| closeness(&al) < closeness(b)) {
                best = Some(al);
            }
        }
    }
    best
}

fn compare_one(engine: &NameEngine, k: ComparisonKind, a: &LinkRecord, b: &LinkRecord) -> Option<u8> {
    match k {
        ComparisonKind::BirthDate => date_level(a.birth, b.birth),
        ComparisonKind::Sex => equal_level(&a.sex, &b.sex),
        ComparisonKind::NationalId => equal_level(&a.national_id_hash, &b.national_id_hash),
        ComparisonKind::BirthPlace
        | ComparisonKind::Residence
        | ComparisonKind::Facility
        | ComparisonKind::ArrestPlace => place_level(engine, k.name_field(a), k.name_field(b)),
        ComparisonKind::EventDate => {
            if different_ends(a.event_kind.as_deref(), b.event_kind.as_deref()) {
                None
            } else {
                event_level(a.event, b.event)
            }
        }
        ComparisonKind::Registry => registry_level(engine, a, b),
        ComparisonKind::SonName => son_level(engine, a.son.as_deref(), b.son.as_deref()),
        // Level 0: two lists; 1: one list.
        ComparisonKind::List => Some(u8::from(a.list? == b.list?)),
        ComparisonKind::GivenName
        | ComparisonKind::FatherName
        | ComparisonKind::GrandfatherName
        | ComparisonKind::FamilyName
        | ComparisonKind::MotherName
        | ComparisonKind::MotherFamilyName => name_level(engine, k.name_field(a), k.name_field(b)),
    }
}

/// Whether a record gives what comparison `k` compares (as written or read the other way
/// round): a comparison with a record that does not is missing whatever the other holds.
pub fn gives(k: ComparisonKind, r: &LinkRecord) -> bool {
    match k {
        ComparisonKind::BirthDate => r.birth.is_some(),
        ComparisonKind::EventDate => r.event.is_some(),
        ComparisonKind::Sex => r.sex.is_some(),
        ComparisonKind::NationalId => r.national_id_hash.is_some(),
        ComparisonKind::Registry => r.registry_number_hash.is_some(),
        ComparisonKind::List => r.list.is_some(),
        _ => k.name_field(r).is_some() || r.other_reading.as_deref().is_some_and(|o| o.name_field(k).is_some()),
    }
}

/// Compares two records on every comparison.
pub fn compare(engine: &NameEngine, a: &LinkRecord, b: &LinkRecord) -> ComparisonVector {
    let mut v = compare_straight(engine, a, b);
    if let Some(aligned) = other_reading(engine, a, b, &v, None) {
        aligned.apply(&mut v);
    }
    v
}

/// As [`compare`], the names as each record reads them (no other reading).
pub fn compare_straight(engine: &NameEngine, a: &LinkRecord, b: &LinkRecord) -> ComparisonVector {
    ComparisonKind::ALL.map(|k| compare_one(engine, k, a, b))
}

/// The value whose frequency adjusts an exact agreement: the table name of each part where
/// the tables know it, else its normalised form (so محمد and Mohammed count as one value).
pub fn term_key(a: &NameAnalysis) -> String {
    let mut out = String::new();
    for p in a.parts.iter().filter(|p| p.role != athar_names::Role::Particle) {
        if !out.is_empty() {
            out.push(' ');
        }
        match p.equivalence.first() {
            Some(e) => out.push_str(e),
            None => out.push_str(&p.latin),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(engine: &NameEngine, fields: &[(&str, &str)]) -> LinkRecord {
        LinkRecord::from_fields(engine, "x", fields, None)
    }

    #[test]
    fn two_records_of_one_list_or_two_lists_and_a_query_of_none() {
        let e = NameEngine::new();
        let r = |list| rec(&e, &[("given_name", "Ahmad")]).with_list(list);
        assert_eq!(compare_one(&e, ComparisonKind::List, &r(Some(1)), &r(Some(1))), Some(1));
        assert_eq!(compare_one(&e, ComparisonKind::List, &r(Some(1)), &r(Some(2))), Some(0));
        // A search's query comes from no list: neutral.
        assert_eq!(compare_one(&e, ComparisonKind::List, &r(None), &r(Some(2))), None);
        // The default model weighs one list mildly against, two lists mildly for.
        let model = crate::FsModel::default_model();
        let mut v: ComparisonVector = [None; ComparisonKind::ALL.len()];
        let w = |v: &ComparisonVector| model.weight(v, &|_| None);
        let none = w(&v);
        v[ComparisonKind::List as usize] = Some(1);
        let one = w(&v) - none;
        v[ComparisonKind::List as usize] = Some(0);
        let two = w(&v) - none;
        assert!((-2.0..0.0).contains(&one) && (0.0..1.0).contains(&two), "{one} {two}");
    }

    #[test]
    fn gives_says_what_every_comparison_finds_missing() {
        // `gives` restates when `compare_one` has nothing to compare: a record with every field
        // compares every kind with itself, one with none compares none (a kind added to one and
        // not the other fails here).
        let e = NameEngine::new();
        let full = rec(
            &e,
            &[
                ("given_name", "Ahmad"),
                ("father_name", "Ali"),
                ("grandfather_name", "Omar"),
                ("family_name", "Khatib"),
                ("mother_name", "Fatima"),
                ("mother_family_name", "Halabi"),
                ("birth_date", "1980-02-03"),
                ("birth_place", "Homs"),
                ("residence", "Hama"),
                ("sex", "male"),
                ("event_date", "2013-08-27"),
                ("facility", "Saydnaya"),
                ("arrest_place", "Homs"),
                ("registry_place", "Homs"),
                ("son_name", "Khaled"),
            ],
        );
        let full = LinkRecord { national_id_hash: Some("id".into()), ..full }
            .with_registry_number(Some("n"))
            .with_list(Some(1));
        let empty = rec(&e, &[("given_name", "Ahmad")]);
        for k in ComparisonKind::ALL {
            assert_eq!(gives(k, &full), compare_one(&e, k, &full, &full).is_some(), "{k:?}");
            let none = gives(k, &empty);
            assert_eq!(none, compare_one(&e, k, &empty, &full).is_some(), "{k:?}");
            assert_eq!(none, k == ComparisonKind::GivenName, "{k:?}");
        }
    }

    #[test]
    fn an_annotated_explanation_shows_the_values_the_engines_reason_and_what_is_missing_on_both_sides() {
        let e = NameEngine::new();
        let a = rec(&e, &[("given_name", "حسن"), ("family_name", "الخطيب"), ("birth_date", "1978")]);
        let b = rec(&e, &[("given_name", "Hussein"), ("family_name", "Khatib"), ("birth_date", "1978")]);
        let model = crate::FsModel::default_model();
        let mut x = model.explain(&compare(&e, &a, &b), &|_| None);
        annotate(&mut x, &e, &a, &b);
        let line =
            |k: ComparisonKind| x.lines.iter().find(|l| l.field == Some(k) && l.kind != crate::LineKind::TermFrequency);
        let given = line(ComparisonKind::GivenName).expect("given");
        assert_eq!((given.a.as_deref(), given.b.as_deref()), (Some("حسن"), Some("Hussein")));
        assert!(given.reason.as_deref().unwrap_or("").contains("known-distinct"), "{given:?}");
        let family = line(ComparisonKind::FamilyName).expect("family");
        assert!(family.reason.is_some(), "{family:?}");
        let born = line(ComparisonKind::BirthDate).expect("birth");
        assert!(born.level.contains("both give the year only"), "{born:?}");
        let mother = line(ComparisonKind::MotherName).expect("mother");
        assert_eq!(mother.level, "missing on both sides (neutral)");
        assert_eq!((mother.a.as_ref(), mother.b.as_ref()), (None, None));
        // Missing on one side only is said so, with the value that is there.
        let c = rec(&e, &[("given_name", "Hasan"), ("mother_name", "Mariam")]);
        let mut y = model.explain(&compare(&e, &a, &c), &|_| None);
        annotate(&mut y, &e, &a, &c);
        let mother = y.lines.iter().find(|l| l.field == Some(ComparisonKind::MotherName)).expect("mother");
        assert_eq!(mother.level, "missing on one side (neutral)");
        assert_eq!(mother.b.as_deref(), Some("Mariam"));
    }

    #[test]
    fn event_dates_agree_as_far_as_each_date_is_known() {
        let d = |s: &str| BirthDate::parse_iso(s);
        let level = |a: &str, b: &str| event_level(d(a), d(b));
        assert_eq!(level("2013-08-27", "2013-08-27"), Some(0));
        assert_eq!(level("2013-08-27", "2013-09-02"), Some(1), "six days apart, across a month");
        assert_eq!(level("2013-12-20", "2014-01-10"), Some(2), "three weeks apart, across a year");
        assert_eq!(level("2013-03-01", "2013-11-30"), Some(3));
        assert_eq!(level("2012-01-01", "2013-11-30"), Some(4));
        // A partial date is as precise as it says: a month agrees within a month at best.
        assert_eq!(level("2013-08", "2013-08-27"), Some(2));
        assert_eq!(level("2013-08", "2013-09"), Some(2));
        assert_eq!(level("2013", "2013-08-27"), Some(3), "a year agrees within a year at best");
        assert_eq!(level("2013", "2015"), Some(4));
        assert_eq!(level("2013", ""), None, "missing: neutral");
        // A range a list gives keeps its width: 2012–2014 holds 2014.
        let range = |a: &str, b: &str| event_level(BirthDate::parse_query(a), d(b));
        assert_eq!(range("2012/2014", "2014-03-01"), Some(3));
        assert_eq!(range("~2013", "2015-03-01"), Some(3), "about 2013 is 2011–2015");
        assert_eq!(range("2012/2014", "2016-03-01"), Some(4));
        // Days counted on the calendar (leap years included).
        assert_eq!(level("2000-02-28", "2000-03-07"), Some(2), "eight days apart in a leap year");
        assert_eq!(level("1900-02-28", "1900-03-07"), Some(1), "seven days apart: 1900 was not a leap year");
    }

    #[test]
    fn the_facility_is_compared_by_the_name_engine() {
        let e = NameEngine::new();
        let a = rec(&e, &[("given_name", "Ali"), ("facility", "Saydnaya")]);
        let b = rec(&e, &[("given_name", "Ali"), ("facility", "صيدنايا")]);
        let c = rec(&e, &[("given_name", "Ali"), ("facility", "Adra")]);
        let at = |x: &LinkRecord, y: &LinkRecord| compare(&e, x, y)[ComparisonKind::Facility as usize];
        assert_eq!(at(&a, &b), Some(0), "one prison in two scripts");
        assert_eq!(at(&a, &c), Some(2));
    }

    #[test]
    fn a_range_of_years_is_shown_as_the_range_and_said_so() {
        // Issue 15: `--born 1979-1981` was shown as "1980" beside "same year (one date has no month)".
        let e = NameEngine::new();
        let model = crate::FsModel::default_model();
        let mut query = rec(&e, &[("given_name", "Ali")]);
        query.birth = BirthDate::parse_query("1979/1981");
        for (born, level) in [
            ("1981", Some("within the years given (1979–1981)")),
            ("1982-05-02", Some("a year outside the years given (1979–1981)")),
            ("1975", None),
        ] {
            let r = rec(&e, &[("given_name", "Ali"), ("birth_date", born)]);
            let mut x = model.explain(&compare(&e, &query, &r), &|_| None);
            annotate(&mut x, &e, &query, &r);
            let line = x.lines.iter().find(|l| l.field == Some(ComparisonKind::BirthDate)).expect("birth");
            assert_eq!((line.a.as_deref(), line.b.as_deref()), (Some("1979–1981"), Some(born)));
            match level {
                Some(level) => assert_eq!(line.level, level),
                None => assert!(!line.level.contains("years given"), "{line:?}"),
            }
        }
    }

    #[test]
    fn cached_comparisons_equal_direct_ones() {
        let e = NameEngine::new();
        let mut recs: Vec<LinkRecord> = [
            [("full_name", "Mohammed Ahmad al-Halabi"), ("birth_place", "Aleppo")],
            [("full_name", "محمد أحمد الحلبي"), ("birth_place", "حلب")],
            [("full_name", "Mhd Ahmed Halaby"), ("birth_place", "Halab")],
            [("full_name", "Mohammed Ahmad al-Halabi"), ("birth_place", "Homs")],
            [("full_name", "Hassan Ali Khatib"), ("birth_place", "Aleppo")],
            // The same texts in other fields (a level filed once serves every name or place
            // comparison), and names swapped (the other reading).
            [("given_name", "Ahmad"), ("family_name", "Mohammed")],
            [("given_name", "Halabi"), ("family_name", "Mohammed")],
            [("full_name", "Ali Hassan"), ("residence", "Aleppo")],
        ]
        .iter()
        .map(|f| rec(&e, f))
        .collect();
        crate::record::intern_values(&mut recs);
        assert_eq!(recs[0].value_ids[0], recs[3].value_ids[0], "one text, one id");
        assert_ne!(recs[0].value_ids[0], recs[1].value_ids[0]);
        let mut cache = LevelCache::default();
        let mut sizes = Vec::new();
        for _ in 0..2 {
            for a in &recs {
                for b in &recs {
                    assert_eq!(compare_cached(&e, a, b, &mut cache), compare(&e, a, b));
                }
            }
            sizes.push(cache.len());
        }
        assert_eq!(sizes[0], sizes[1], "a second pass finds every pair of values in the cache");
        // At least one entry per distinct (comparison, value, value) over the filled slots, in either
        // order, whatever the number of record pairs that hold them.
        let mut distinct = std::collections::HashSet::new();
        for a in &recs {
            for b in &recs {
                for (slot, k) in crate::record::VALUE_SLOTS.iter().enumerate() {
                    let (x, y) = (a.value_ids[slot], b.value_ids[slot]);
                    if x != NO_VALUE && y != NO_VALUE {
                        distinct.insert((cache_class(*k, x, y), x.min(y), x.max(y)));
                    }
                }
            }
        }
        // (and the names read the other way round, tried where the names as read disagree).
        assert!(cache.len() >= distinct.len(), "{} < {}", cache.len(), distinct.len());
        assert!(distinct.len() < recs.len() * recs.len() * 4, "recs 0 and 3 share their values");
    }

    #[test]
    fn the_table_of_latest_levels_never_answers_for_another_value_pair() {
        // Eight times more value pairs than the table has places, each in two classes, some with
        // no level: every look-up, first, right again or later, evicted or not, gives the
        // pair's own level, and a level is made once per pair whatever the table forgot.
        let level = |k: ComparisonKind, x: u32, y: u32| match (x * 7 + y * 3 + k as u32) % 5 {
            4 => None,
            l => Some(l as u8),
        };
        let (g, b) = (ComparisonKind::GivenName, ComparisonKind::BirthPlace);
        // Each value pair in both classes; two second values only, so that many pairs fall
        // in one place.
        let pairs: Vec<(ComparisonKind, u32, u32)> = (0..(8 * RECENT) as u32)
            .map(|i| (if i.is_multiple_of(2) { b } else { g }, i / 4, 1_000_000 + (i / 2) % 2))
            .collect();
        let mut cache = LevelCache::default();
        let mut made = 0usize;
        for round in 0..2 {
            for &(k, x, y) in pairs.iter().rev().skip(round) {
                // Either order of the values, as the map's key is; twice in a row.
                for (a, c) in [(x, y), (y, x)] {
                    let got = cache.pair(k, 0, a, c, || {
                        made += 1;
                        level(k, x, y)
                    });
                    assert_eq!(got, level(k, x, y), "{k:?} {x} {y}");
                }
            }
        }
        assert_eq!(made, pairs.len(), "each pair made once");
        // What the table holds, it answers alone, each pair with its own level (none too).
        cache.levels.clear();
        let held: Vec<Recent> = cache.recent.iter().copied().filter(|e| *e != Recent::EMPTY).collect();
        assert!(held.len() > RECENT / 2, "{} places filled", held.len());
        assert!(held.iter().any(|e| e.level == u8::MAX) && held.iter().any(|e| e.level != u8::MAX));
        for e in &held {
            let k = if e.class == b as u8 { b } else { g };
            let got = cache.pair(k, 0, e.x, e.y, || panic!("{e:?} not answered by the table"));
            assert_eq!(got, level(k, e.x, e.y), "{e:?}");
        }
        // A pair that falls where another lies (one value the same) is made, not taken for it.
        let (x, y) = (held[0].x, held[0].y);
        let k = if held[0].class == b as u8 { b } else { g };
        let at = Recent::place(k, x, y);
        let other_y = (y + 1..).find(|&v| Recent::place(k, x, v) == at).expect("a second value that shares the place");
        let other_x = (0..).find(|&v| v != x && Recent::place(k, v, y) == at).expect("a first value that shares it");
        for (p, q) in [(x, other_y), (other_x, y)] {
            let mut asked = false;
            let got = cache.pair(k, 0, p, q, || {
                asked = true;
                level(k, p, q)
            });
            assert!(asked, "{p} {q} answered for {x} {y}");
            assert_eq!(got, level(k, p, q));
            cache.pair(k, 0, x, y, || level(k, x, y));
        }
        // (Two classes of one value pair never share a place: they differ in the hash's top
        // bits only.)
    }

    #[test]
    fn a_query_whose_values_share_one_id_is_compared_field_by_field() {
        // A search gives every value of its query one id no record holds: the level of the
        // query's given name against a record's "Ahmad" is not that of its family name.
        let e = NameEngine::new();
        let mut recs: Vec<LinkRecord> = [
            [("given_name", "Ahmad"), ("family_name", "Khatib"), ("birth_place", "Aleppo")],
            [("given_name", "Hassan"), ("family_name", "Ahmad"), ("birth_place", "Homs")],
            [("given_name", "Khatib"), ("family_name", "Hassan"), ("birth_place", "Halab")],
        ]
        .iter()
        .map(|f| rec(&e, f))
        .collect();
        crate::record::intern_values(&mut recs);
        let mut query = rec(&e, &[("given_name", "Ahmed"), ("family_name", "Hasan"), ("birth_place", "Aleppo")]);
        query.value_ids = [u32::MAX - 1; crate::record::VALUE_SLOTS.len()];
        let mut cache = LevelCache::default();
        for _ in 0..2 {
            for r in &recs {
                assert_eq!(compare_cached_as_read(&e, &query, r, &mut cache), compare_straight(&e, &query, r));
            }
        }
    }

    #[test]
    fn missing_values_are_neutral_not_disagreement() {
        let e = NameEngine::new();
        let a = rec(&e, &[("given_name", "Mohammed")]);
        let b = rec(&e, &[("given_name", "محمد"), ("family_name", "Halabi"), ("birth_date", "1985")]);
        let v = compare(&e, &a, &b);
        assert_eq!(v[0], Some(0), "one name in the tables, whatever the script");
        let c = rec(&e, &[("given_name", "Mohhamad")]);
        assert_eq!(compare(&e, &a, &c)[0], Some(1), "a spelling the tables do not list");
        assert!(v[1..].iter().all(Option::is_none), "{v:?}");
    }

    #[test]
    fn levels_order_agreement_from_strong_to_none() {
        let e = NameEngine::new();
        let a = rec(&e, &[("given_name", "Hassan"), ("family_name", "Khatib"), ("birth_date", "1985-03-15")]);
        let b = rec(&e, &[("given_name", "Hussein"), ("family_name", "al-Khatib"), ("birth_date", "1986")]);
        let v = compare(&e, &a, &b);
        assert_eq!(v[0], Some(3), "different names");
        assert!(matches!(v[3], Some(0) | Some(1)), "same family name: {v:?}");
        assert_eq!(v[6], Some(4), "within one year");
    }

    #[test]
    fn levels_are_symmetric_as_the_level_cache_assumes() {
        let e = NameEngine::new();
        let names = [
            "محمد عبد الرحمن الحلبي",
            "Mohammed Abdulrahman al-Halabi",
            "Mhd Abd al-Rahman Halabi",
            "Hassan",
            "Hussein",
            "Mahmoud",
            "Muhammad",
            "Omar",
            "عمرو",
            "Abu Ahmad",
            "Ahmad",
            "Oleksandr Volodymyrovych",
            "Александр Владимирович",
            "Shayh",
            "Al Shaykh",
            "Alou",
            "Helil",
            "Khaleel",
            "Mouhamad El Ali",
        ];
        let recs: Vec<LinkRecord> =
            names.iter().map(|n| rec(&e, &[("full_name", n), ("mother_name", n), ("birth_place", n)])).collect();
        for a in &recs {
            for b in &recs {
                assert_eq!(compare(&e, a, b), compare(&e, b, a), "{:?} / {:?}", a.given, b.given);
            }
        }
    }

    #[test]
    fn dates_compare_at_the_precision_both_have() {
        let d = |s: &str| BirthDate::parse_iso(s);
        assert_eq!(date_level(d("1985-03-15"), d("1985-03-15")), Some(0));
        assert_eq!(date_level(d("1985-03-10"), d("1985-10-03")), Some(1), "day and month swapped");
        assert_eq!(date_level(d("1985"), d("1985-03-16")), Some(2));
        assert_eq!(date_level(d("1985-03-15"), d("1985-03-16")), Some(3), "two different days");
        assert_eq!(date_level(d("1985-03-15"), d("1985-09-15")), Some(3));
        assert_eq!(date_level(d("1985"), d("1984")), Some(4));
        assert_eq!(date_level(d("1985"), d("1990")), Some(5));
        assert_eq!(date_level(None, d("1990")), None);
    }

    #[test]
    fn term_key_is_the_same_across_scripts() {
        let e = NameEngine::new();
        assert_eq!(term_key(&e.analyse("محمد")), term_key(&e.analyse("Mohamed")));
    }

    #[test]
    fn the_place_of_arrest_the_registry_and_a_sons_name_have_their_levels() {
        let e = NameEngine::new();
        let level = |k: ComparisonKind, a: &LinkRecord, b: &LinkRecord| compare(&e, a, b)[k as usize];
        // The place of arrest through the name engine; a list's place of the event stands in.
        let a = rec(&e, &[("given_name", "Ali"), ("arrest_place", "دوما")]);
        let b = rec(&e, &[("given_name", "Ali"), ("place", "Douma")]);
        let c = rec(&e, &[("given_name", "Ali"), ("arrest_place", "Homs")]);
        assert_eq!(level(ComparisonKind::ArrestPlace, &a, &b), Some(0));
        assert_eq!(level(ComparisonKind::ArrestPlace, &a, &c), Some(2));
        // The registry: the number by its hash, the place through the engine.
        let r = |place: Option<&str>, hash: Option<&str>| {
            let mut f = vec![("given_name", "Ali")];
            f.extend(place.map(|p| ("registry_place", p)));
            rec(&e, &f).with_registry_number(hash)
        };
        let damascus = r(Some("دمشق"), Some("h1"));
        assert_eq!(level(ComparisonKind::Registry, &damascus, &r(Some("Dimashq"), Some("h1"))), Some(0));
        assert_eq!(level(ComparisonKind::Registry, &damascus, &r(None, Some("h1"))), Some(1));
        assert_eq!(level(ComparisonKind::Registry, &damascus, &r(Some("Aleppo"), Some("h1"))), Some(2));
        assert_eq!(level(ComparisonKind::Registry, &damascus, &r(Some("دمشق"), Some("h2"))), Some(2));
        assert_eq!(level(ComparisonKind::Registry, &damascus, &r(Some("دمشق"), None)), None, "no number: neutral");
        // A son's name against a kunya, in either script; a kunya is not the name it is made of.
        let kunya = rec(&e, &[("full_name", "أبو أحمد محمد الحلبي")]);
        assert_eq!(kunya.son.as_ref().map(|s| s.input.as_str()), Some("أحمد"));
        let son = rec(&e, &[("given_name", "Mohammed"), ("son_name", "Ahmad")]);
        let other = rec(&e, &[("given_name", "Mohammed"), ("son_name", "Khaled")]);
        assert_eq!(level(ComparisonKind::SonName, &kunya, &son), Some(0));
        assert_eq!(level(ComparisonKind::SonName, &kunya, &other), Some(2));
        let latin = rec(&e, &[("full_name", "Abu Ahmad Mohammed Halabi")]);
        assert_eq!(level(ComparisonKind::SonName, &latin, &son), Some(0));
        assert_eq!(level(ComparisonKind::SonName, &son, &rec(&e, &[("given_name", "Mohammed")])), None);
    }

    #[test]
    fn an_arrest_and_a_release_are_not_one_date_told_twice() {
        let e = NameEngine::new();
        let at = |date: &str, kind: &str| rec(&e, &[("given_name", "Ali"), ("event_date", date), ("event_kind", kind)]);
        let level = |a: &LinkRecord, b: &LinkRecord| compare(&e, a, b)[ComparisonKind::EventDate as usize];
        let arrest = at("2013-04-02", "arrest");
        assert_eq!(level(&arrest, &at("2016-09-01", "release")), None, "the two ends of a detention");
        assert_eq!(level(&arrest, &at("2013-04-09", "entry")), Some(1), "an entry a week later");
        assert_eq!(level(&arrest, &at("2016-09-01", "arrest")), Some(4));
        assert_eq!(level(&at("2016-09-01", "release"), &at("2016-09-01", "release")), Some(0));
        assert_eq!(level(&at("2016-09-01", "release"), &at("2016-09-01", "death")), None);
        assert_eq!(level(&arrest, &at("2013-04-02", "unknown")), Some(0), "an unknown kind is compared");
    }

    #[test]
    fn names_written_the_other_way_round_are_read_so_only_when_both_names_then_agree() {
        let e = NameEngine::new();
        let level = |k: ComparisonKind, v: &ComparisonVector| v[k as usize];
        let straight = rec(&e, &[("given_name", "Mohammed"), ("father_name", "Ahmad"), ("family_name", "Halabi")]);
        // A list that put each name in the other's column.
        let swapped = rec(&e, &[("given_name", "الحلبي"), ("father_name", "أحمد"), ("family_name", "محمد")]);
        // Read so, they agree, one level below an agreement as written (a reading is less sure).
        let v = compare(&e, &straight, &swapped);
        assert!(matches!(level(ComparisonKind::GivenName, &v), Some(1 | 2)), "{v:?}");
        assert!(matches!(level(ComparisonKind::FamilyName, &v), Some(1 | 2)), "{v:?}");
        assert_eq!(
            level(ComparisonKind::FatherName, &v),
            level(ComparisonKind::FatherName, &compare_straight(&e, &straight, &swapped)),
            "the father's name, in its own column either way, is not lowered: {v:?}"
        );
        assert_eq!(compare_straight(&e, &straight, &swapped)[ComparisonKind::GivenName as usize], Some(3));
        // A full name written family name first, against the names split.
        let first = rec(&e, &[("full_name", "Abdo Ali Muhammad")]);
        let split = rec(&e, &[("given_name", "علي"), ("father_name", "محمد"), ("family_name", "عبده")]);
        let v = compare(&e, &first, &split);
        for k in [ComparisonKind::GivenName, ComparisonKind::FatherName, ComparisonKind::FamilyName] {
            assert!(matches!(level(k, &v), Some(0..=2)), "{k:?}: {v:?}");
        }
        assert_eq!(compare_straight(&e, &first, &split)[ComparisonKind::FamilyName as usize], Some(3));
        // The names as read win when they agree, and another reading that agrees on one name
        // only is not taken.
        assert_eq!(compare(&e, &straight, &straight), compare_straight(&e, &straight, &straight));
        let half = rec(&e, &[("given_name", "Halabi"), ("family_name", "Khatib")]);
        assert_eq!(compare(&e, &straight, &half), compare_straight(&e, &straight, &half));
        // Two records that may each have swapped their names (a misspelt Husayn al-Nasir and
        // Nasir al-Husayn) score the same whichever comes first: each one's reading agrees with
        // the other, with the given and the family name's levels in each other's places.
        let husayn = rec(&e, &[("given_name", "حسين"), ("father_name", "أحمد"), ("family_name", "اناصر")]);
        let nasir = rec(&e, &[("given_name", "ناصر"), ("father_name", "محمود"), ("family_name", "الحسين")]);
        let latin = rec(&e, &[("given_name", "Housain"), ("father_name", "Faadi"), ("family_name", "El-Nasir")]);
        for (a, b) in [(&husayn, &nasir), (&latin, &nasir), (&husayn, &latin)] {
            assert_eq!(compare(&e, a, b), compare(&e, b, a));
        }
        assert!(matches!(level(ComparisonKind::GivenName, &compare(&e, &husayn, &nasir)), Some(1..=3)));
        // The explanation says which record was read how, and shows the names so read.
        let model = crate::FsModel::default_model();
        let mut x = model.explain(&compare(&e, &straight, &swapped), &|_| None);
        annotate(&mut x, &e, &straight, &swapped);
        let given = x.lines.iter().find(|l| l.field == Some(ComparisonKind::GivenName)).expect("given");
        // (either record could be the one swapped: the second's reading is taken, its levels
        // the closer: Mohammed and محمد as given names, Halabi and الحلبي as family names).
        assert_eq!((given.a.as_deref(), given.b.as_deref()), (Some("Mohammed"), Some("محمد")), "{given:?}");
        let reason = given.reason.as_deref().unwrap_or("");
        assert!(reason.starts_with("the second record read with its given and family names swapped"), "{reason}");
    }
}
