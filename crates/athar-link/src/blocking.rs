//! Blocking: which pairs of records are compared at all. Never all pairs.
//!
//! Owns the blocking rules — each a combination of name-engine keys (skeleton or table name of
//! a field's first part), birth year or identifier hash — the generation of candidate pairs per
//! rule, their union across rules, and a report of what each rule generated. A key shared by
//! too many records (a block over `max_block` records) is skipped and reported: comparing all
//! Mohammeds with all Mohammeds is not blocking. Does not score pairs.

use crate::comparison::ComparisonKind;
use crate::record::{BirthDate, LinkRecord, OtherReading};
use athar_names::NameAnalysis;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// What a rule keys on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPart {
    Name(ComparisonKind),
    /// A name field's skeletons, and each with one letter left out: two spellings one letter
    /// apart (a letter dropped, added or changed on one side) share one of them.
    NameNear(ComparisonKind),
    BirthYear,
    /// The whole birth date, where day and month are known.
    BirthDate,
    /// The whole date of the disappearance (an arrest, an entry), where day and month are known.
    EventDate,
    /// The year and month of the disappearance, where the month is known (a day given on one
    /// side only, or two days of one month apart).
    EventMonth,
    NationalId,
}

/// A blocking rule: records sharing every part's key are compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockingRule {
    pub name: String,
    pub parts: Vec<KeyPart>,
    /// Comparisons EM must not learn from this rule's pairs although the rule does not block
    /// on them (see [`default_rules`]).
    pub not_trained: Vec<ComparisonKind>,
    /// A smaller block limit for this rule than the run's (a key that alone says little).
    pub max_block: Option<usize>,
    /// Whether a record's names read the other way round (see [`crate::record::OtherReading`])
    /// give keys too, beside the names as read: a record read the other way round meets the
    /// records that read its names as written.
    pub other_reading: bool,
    /// Whether EM trains on this rule's pairs at all (see [`default_rules`]).
    pub trains: bool,
}

impl BlockingRule {
    fn new(name: &str, parts: &[KeyPart]) -> Self {
        BlockingRule {
            name: name.into(),
            parts: parts.to_vec(),
            not_trained: Vec::new(),
            max_block: None,
            other_reading: false,
            trains: true,
        }
    }

    /// The comparisons EM must not train on this rule's pairs: those it blocks on (its pairs
    /// agree on them by construction) and those it names as not trained.
    pub fn blocked_comparisons(&self) -> Vec<ComparisonKind> {
        let mut out: Vec<ComparisonKind> = self
            .parts
            .iter()
            .map(|p| match p {
                KeyPart::Name(k) | KeyPart::NameNear(k) => *k,
                KeyPart::BirthYear | KeyPart::BirthDate => ComparisonKind::BirthDate,
                KeyPart::EventDate | KeyPart::EventMonth => ComparisonKind::EventDate,
                KeyPart::NationalId => ComparisonKind::NationalId,
            })
            .collect();
        out.extend(&self.not_trained);
        out
    }
}

/// The default rules: given + family name; family + mother's name; given + father's name +
/// birth year; family name + birth year; given + father's + family name (the records without a
/// birth year that a common name's block, split by year, leaves out); family name + birth place;
/// given name + whole birth date; birth place + whole birth date; the whole birth date alone
/// (in blocks of at most 20); the national id; given + family name + birth year read the other
/// way round; given or family name + the whole date of the disappearance; given and family
/// name, or either, + its month; given + mother's name; and, in blocks of 20, given + family with either a letter apart, read the
/// other way round, family + mother read the other way round, family a letter apart + birth
/// year or + mother's name, given a letter apart + birth year. The three on the whole date find a person whose family name is missing or
/// misspelt in one list, or whose names are both written another way. Family + birth place
/// finds a person whose given name is written as a nickname, an initial or a title in one list
/// (on the historical-figures set it raised blocking recall from 0.56 to 0.66); like the
/// family+mother rule, it does not train the names it did not block on: its pairs are rich in
/// relatives.
///
/// The family+mother rule's pairs are rich in siblings, who share parents and family name and
/// differ in given name by definition: learning the given name's m from them would teach EM
/// that the same person often has another given name. That rule does not train it.
pub fn default_rules() -> Vec<BlockingRule> {
    use ComparisonKind::*;
    let mut family_mother = BlockingRule::new("family+mother", &[KeyPart::Name(FamilyName), KeyPart::Name(MotherName)]);
    family_mother.not_trained = vec![GivenName, FatherName, MotherFamilyName];
    let mut family_place =
        BlockingRule::new("family+birth_place", &[KeyPart::Name(FamilyName), KeyPart::Name(BirthPlace)]);
    family_place.not_trained = vec![GivenName, FatherName, MotherName, MotherFamilyName];
    // A whole birth date alone is shared by some 70 records in a registry of a million: there
    // it makes a sixth of all pairs and finds little, so its blocks stay small.
    let mut birth_date = BlockingRule::new("birth_date", &[KeyPart::BirthDate]);
    birth_date.max_block = Some(BIRTH_DATE_MAX_BLOCK);
    // A person whose list swapped the given and family name, or wrote the family name first,
    // meets the others under the names read the other way round, in the year of birth (on the
    // names alone, Mohammed Ahmad and Ahmad Mohammed, two persons, met too often).
    let mut other_order = BlockingRule::new(
        "given+family+birth_year, read the other way round",
        &[KeyPart::Name(GivenName), KeyPart::Name(FamilyName), KeyPart::BirthYear],
    );
    other_order.other_reading = true;
    // Records without a birth year are left out of a common name's block, split by year: the
    // father's name finds them (Ahmad Khalid al-Ali, no year, in one list; with a year in another).
    let three_names = BlockingRule::new(
        "given+father+family",
        &[KeyPart::Name(GivenName), KeyPart::Name(FatherName), KeyPart::Name(FamilyName)],
    );
    // The three rules on a name with the day of the disappearance or the mother's name find
    // pairs; they do not train the model. Their pairs are few and chosen by rare combinations
    // (brothers and sisters taken in one raid share a family name and a day; a given and a
    // mother's name together are mostly one person), and EM, which weighs each rule by the
    // matches it finds, took its m from them: at 1,007,203 generated records, pairwise recall
    // fell from 0.38 to 0.17 (the prior estimated at 5.5e-7 against a true 1.1e-6); at 100,000
    // persons the best F1 from 0.802 to 0.789. Not trained, 100,000 persons: F1 0.7039 (0.7038
    // before them), best 0.8016, blocking recall 0.932 to 0.941, review pairs 0.165 to 0.142
    // per record.
    let mut family_event = BlockingRule::new("family+event_date", &[KeyPart::Name(FamilyName), KeyPart::EventDate]);
    family_event.trains = false;
    let mut given_event = BlockingRule::new("given+event_date", &[KeyPart::Name(GivenName), KeyPart::EventDate]);
    given_event.max_block = Some(GIVEN_MOTHER_MAX_BLOCK);
    given_event.trains = false;
    let mut given_mother = BlockingRule::new("given+mother", &[KeyPart::Name(GivenName), KeyPart::Name(MotherName)]);
    given_mother.max_block = Some(GIVEN_MOTHER_MAX_BLOCK);
    given_mother.trains = false;
    // The given and the family name where one of them is written a letter apart (Afra
    // Ghanim / عففراء غانم, Mouhemmad Soulaiman / Mohamad Suayman). Of 300 true pairs that
    // blocking missed on 20,000 persons whose name words were misspelt with probability 0.3,
    // 167 had one name's skeleton the same and the other's one letter apart; 9 shared a birth
    // year and a day of arrest, 124 no date nor mother's name at all. These rules raised
    // blocking recall there from 0.837 to 0.887 (pairwise F1 0.685 to 0.693) for 16 % more
    // pairs; on `athar synth`'s 10,000 from 0.970 to 0.976 (14 % more pairs), at 1,007,203
    // records 5 % more pairs. They do not train either, and their blocks stay small.
    let mut family_near = BlockingRule::new(
        "given+family, the family name a letter apart",
        &[KeyPart::Name(GivenName), KeyPart::NameNear(FamilyName)],
    );
    family_near.max_block = Some(NEAR_MAX_BLOCK);
    family_near.trains = false;
    let mut given_near = BlockingRule::new(
        "given+family, the given name a letter apart",
        &[KeyPart::NameNear(GivenName), KeyPart::Name(FamilyName)],
    );
    given_near.max_block = Some(NEAR_MAX_BLOCK);
    given_near.trains = false;
    // Given and family name swapped, or the family name written first, and no birth year on
    // one side: the names read the other way round alone, in blocks of 20 at most (Mohammed
    // Ahmad and Ahmad Mohammed, two persons, are too many to compare all). On the misspelt
    // 20,000, blocking recall 0.887 to 0.891 for 3 % more pairs; on `athar synth`'s 10,000,
    // 0.976 to 0.982 for 4 % more.
    let mut other_order_names = BlockingRule::new(
        "given+family, read the other way round",
        &[KeyPart::Name(GivenName), KeyPart::Name(FamilyName)],
    );
    other_order_names.other_reading = true;
    other_order_names.max_block = Some(NEAR_MAX_BLOCK);
    other_order_names.trains = false;
    // The given and family name with the month of the arrest or the entry (a day given on one
    // side only, or two days of one month): a common name's block, split by birth year, leaves
    // out a record without one, or one a year apart. Of 4,305 true pairs blocking missed at
    // 100,000 generated persons (`athar synth`, seed 7), 3,104 had a birth year on one side
    // only and 847 two years one apart. Where one of the names is misspelt too, the other
    // name with the month finds the pair. The three rules, in blocks of 20 (the names' own
    // blocks of a month are large at a million records): on 20,000 persons whose name words
    // were misspelt with probability 0.3, blocking recall 0.8921 to 0.8989 (F1 0.7034 to
    // 0.7044) for 7.5 % more pairs; at 100,000 persons 0.9482 to 0.9538 for 5.6 % more; at
    // 1,007,203 records 0.8790 to 0.8891 for 6.6 % more (peak memory of the link 3.88 to 4.00
    // GiB; without the block limit on the names' rule 0.8930, 11 % more pairs, 4.51 GiB).
    // They do not train, as the rules on the day do not.
    let mut names_event_month = BlockingRule::new(
        "given+family+event_month",
        &[KeyPart::Name(GivenName), KeyPart::Name(FamilyName), KeyPart::EventMonth],
    );
    names_event_month.trains = false;
    names_event_month.max_block = Some(GIVEN_MOTHER_MAX_BLOCK);
    let mut family_event_month =
        BlockingRule::new("family+event_month", &[KeyPart::Name(FamilyName), KeyPart::EventMonth]);
    family_event_month.trains = false;
    family_event_month.max_block = Some(GIVEN_MOTHER_MAX_BLOCK);
    let mut given_event_month =
        BlockingRule::new("given+event_month", &[KeyPart::Name(GivenName), KeyPart::EventMonth]);
    given_event_month.trains = false;
    given_event_month.max_block = Some(GIVEN_MOTHER_MAX_BLOCK);
    // What the rules above still missed on 20,000 persons whose name words were misspelt with
    // probability 0.3 (1,677 true pairs): 664 shared a birth year (the family name misspelt, or
    // the given name, in a block too large), 356 the mother's name (the names written family
    // name first in a family's inquiry: الشامي أحمد, mother ريم). Four rules, none trained, in
    // blocks of 20: the family and the mother's name read the other way round; the family name
    // a letter apart with the birth year, or with the mother's name; the given name a letter
    // apart with the birth year. There blocking recall 0.8989 to 0.9245 and pairwise F1 0.7044
    // to 0.7107 for 19 % more pairs; on `athar synth`'s 100,000 persons 0.9538 to 0.9555 for 7 %
    // more; at 1,007,203 records 0.8891 to 0.8908 (F1 0.5963 to 0.5956) for 3.4 % more, the
    // link 72.5 to 79.4 s.
    let mut mother_other_order = BlockingRule::new(
        "family+mother, read the other way round",
        &[KeyPart::Name(FamilyName), KeyPart::Name(MotherName)],
    );
    mother_other_order.other_reading = true;
    mother_other_order.trains = false;
    mother_other_order.max_block = Some(GIVEN_MOTHER_MAX_BLOCK);
    let mut family_near_year = BlockingRule::new(
        "family+birth_year, the family name a letter apart",
        &[KeyPart::NameNear(FamilyName), KeyPart::BirthYear],
    );
    family_near_year.max_block = Some(NEAR_MAX_BLOCK);
    family_near_year.trains = false;
    let mut given_near_year = BlockingRule::new(
        "given+birth_year, the given name a letter apart",
        &[KeyPart::NameNear(GivenName), KeyPart::BirthYear],
    );
    given_near_year.max_block = Some(NEAR_MAX_BLOCK);
    given_near_year.trains = false;
    let mut family_near_mother = BlockingRule::new(
        "family+mother, the family name a letter apart",
        &[KeyPart::NameNear(FamilyName), KeyPart::Name(MotherName)],
    );
    family_near_mother.max_block = Some(NEAR_MAX_BLOCK);
    family_near_mother.trains = false;
    vec![
        BlockingRule::new("given+family", &[KeyPart::Name(GivenName), KeyPart::Name(FamilyName)]),
        family_mother,
        BlockingRule::new(
            "given+father+birth_year",
            &[KeyPart::Name(GivenName), KeyPart::Name(FatherName), KeyPart::BirthYear],
        ),
        BlockingRule::new("family+birth_year", &[KeyPart::Name(FamilyName), KeyPart::BirthYear]),
        three_names,
        family_place,
        BlockingRule::new("given+birth_date", &[KeyPart::Name(GivenName), KeyPart::BirthDate]),
        BlockingRule::new("birth_place+birth_date", &[KeyPart::Name(BirthPlace), KeyPart::BirthDate]),
        birth_date,
        BlockingRule::new("national_id", &[KeyPart::NationalId]),
        other_order,
        // A name written so differently in two lists that neither name's keys meet (a dropped
        // letter, another romanisation, on top of the lists' own ways): the day of the arrest
        // or the entry, or the mother's name, with the other name. On 20,000 generated persons
        // whose name words were each misspelt with probability 0.3, these three raised blocking
        // recall from 0.799 to 0.837 and pairwise F1 from 0.666 to 0.685, for 5.5 % more pairs;
        // on `athar synth`'s own 10,000, from 0.965 to 0.970 (F1 0.838 to 0.839).
        given_event,
        family_event,
        names_event_month,
        family_event_month,
        given_event_month,
        given_mother,
        family_near,
        given_near,
        other_order_names,
        mother_other_order,
        family_near_year,
        given_near_year,
        family_near_mother,
    ]
}

/// The block limit of the rules on a name a letter apart (see [`default_rules`]).
pub const NEAR_MAX_BLOCK: usize = 20;

/// The largest block a key may make before it is split by birth year (and what is still
/// larger skipped). On 152,628 generated records, 100 instead of 300 halved the pairs (11.7M to
/// 5.4M), link time and memory, with pairwise F1 unchanged (0.673).
pub const DEFAULT_MAX_BLOCK: usize = 100;

/// About how many pairs of one rule are kept for training in [`Candidates::by_rule`] (drawn
/// by the records' tags, see [`PairDraw`], when the rule made more).
pub const RULE_SAMPLE: usize = 250_000;

/// A record's tag for drawing samples of pairs: a hash of its id, so that a sample is the same
/// pairs whatever order the records are held in (see [`name_order`]).
pub fn record_tags(records: &[LinkRecord]) -> Vec<u64> {
    records.par_iter().map(|r| mix(key_hash(b'#', &r.id))).collect()
}

/// An even draw of about `want` pairs of `of`, by their records' tags ([`record_tags`]) rather
/// than their positions: every pair where `of` is no more than `want`.
#[derive(Debug, Clone, Copy)]
pub struct PairDraw {
    limit: u64,
}

impl PairDraw {
    pub fn new(want: usize, of: usize) -> PairDraw {
        let limit = if of <= want { u64::MAX } else { (want as f64 / of as f64 * u64::MAX as f64) as u64 };
        PairDraw { limit }
    }

    /// Whether the pair of records tagged `a` and `b` (in either order) is drawn.
    pub fn takes(&self, a: u64, b: u64) -> bool {
        self.limit == u64::MAX || mix(a.wrapping_add(b)) < self.limit
    }
}

/// SplitMix64's finaliser: every bit of the input moves every bit of the output.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The records' positions in the order of their names: the family name's first skeleton, then
/// the given name's (records without one last). Most candidate pairs are of records that share
/// a family name; held in this order, a block's records lie near each other in memory, and the
/// pairs of one record and the next ask the level cache about the same names. At 1,007,203
/// generated records, scoring took 35.0 s in record order and 27.9 s in this order (one run
/// each, both before the table of level weights).
pub fn name_order(records: &[LinkRecord]) -> Vec<usize> {
    let first = |f: Option<&NameAnalysis>| {
        keyed_part(f).and_then(|p| p.skeletons.iter().find(|s| !s.is_empty())).map_or(u64::MAX, |s| key_hash(b's', s))
    };
    let mut keyed: Vec<(u64, u64, usize)> = records
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            (first(ComparisonKind::FamilyName.name_field(r)), first(ComparisonKind::GivenName.name_field(r)), i)
        })
        .collect();
    keyed.par_sort_unstable();
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

/// The block limit of the rules on a given name with the mother's name or with the day of the
/// disappearance: common names make both common (Mohammed, son of Fatima; the Mohammeds taken
/// on one day), and their blocks, even split by birth year, would be most of these rules'
/// pairs. On 1,007,203 generated records, the three new rules made 12.3M pairs more than
/// before (67.1M, peak memory 4.45 GB); limited so, 4.4M (57.5M, 4.02 GB), with the blocking
/// recall on 20,000 persons with misspelt names 0.837 instead of 0.839. The three rules on
/// names with the month of the disappearance keep to it too (see [`default_rules`]).
pub const GIVEN_MOTHER_MAX_BLOCK: usize = 20;

/// The block limit of the rule on the whole birth date alone.
pub const BIRTH_DATE_MAX_BLOCK: usize = 20;

/// What one rule generated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleReport {
    pub rule: String,
    pub pairs: usize,
    /// Pairs no earlier rule had generated.
    pub new_pairs: usize,
    /// Blocks over the size limit (split by birth year; records without one left out).
    pub skipped_blocks: usize,
}

/// A key's hash, `tag` saying what kind of key it is: blocks (and search's posting lists) are
/// formed by hashes of keys, not by key texts. A collision of two 64-bit hashes joins two
/// blocks.
pub fn key_hash(tag: u8, text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    tag.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

/// Keys of a name field: the table name of its first part where known, and its skeletons —
/// several, so that spelling variants meet.
fn name_keys(f: Option<&NameAnalysis>, out: &mut Vec<u64>) {
    let Some(p) = keyed_part(f) else { return };
    out.extend(p.equivalence.iter().map(|e| key_hash(b'=', e)));
    out.extend(p.skeletons.iter().filter(|s| !s.is_empty()).map(|s| key_hash(b's', s)));
}

/// The part of a name field that gives its keys: its first that is no particle.
fn keyed_part(f: Option<&NameAnalysis>) -> Option<&athar_names::NamePart> {
    f?.parts.iter().find(|p| p.role != athar_names::Role::Particle)
}

/// Skeletons shorter than this give no keys with a letter left out: a key of one letter says
/// too little (every Ali beside every Mohammed L-something would meet). Three letters give
/// keys of two, which meet the names whose whole skeleton is those two.
const NEAR_MIN_LETTERS: usize = 3;

/// A name field's skeletons, each of three letters or more also with one letter left out:
/// Khalaf (XLF or HLF) and Kahlaf (KHLF) meet at HLF, Radchenko and Radhenko likewise. Not the
/// table's names: two spellings of a name the tables know meet under [`name_keys`] already.
fn near_name_keys(f: Option<&NameAnalysis>, out: &mut Vec<u64>) {
    let Some(p) = keyed_part(f) else { return };
    let mut shorter = String::new();
    for s in p.skeletons.iter().filter(|s| !s.is_empty()) {
        out.push(key_hash(b's', s));
        letters_left_out(s, NEAR_MIN_LETTERS, &mut shorter, |form| out.push(key_hash(b's', form)));
    }
}

/// Gives `form` a skeleton with each of its letters left out in turn (Khalaf's KHLF: HLF, KLF,
/// KHF, KHL), where it has `min_letters` letters at least; a letter doubled (two in a row)
/// gives its form once. Each form is written in `buf` (one buffer for all: this runs for every
/// record under every rule on a name a letter apart).
pub fn letters_left_out(s: &str, min_letters: usize, buf: &mut String, mut form: impl FnMut(&str)) {
    if s.chars().nth(min_letters.saturating_sub(1)).is_none() {
        return;
    }
    let mut last: Option<char> = None;
    for (at, c) in s.char_indices() {
        // Leaving out either of two letters alike gives the same form.
        if last != Some(c) {
            buf.clear();
            buf.push_str(&s[..at]);
            buf.push_str(&s[at + c.len_utf8()..]);
            form(buf);
        }
        last = Some(c);
    }
}

fn part_keys(r: &LinkRecord, other: Option<&OtherReading>, part: KeyPart, out: &mut Vec<u64>) {
    out.clear();
    match part {
        KeyPart::Name(k) | KeyPart::NameNear(k) => {
            let field = match other {
                Some(o) if OtherReading::NAMES.contains(&k) => o.name_field(k),
                _ => k.name_field(r),
            };
            if matches!(part, KeyPart::Name(_)) {
                name_keys(field, out)
            } else {
                near_name_keys(field, out)
            }
        }
        KeyPart::BirthYear => out.extend(r.birth.map(|b| b.year as u64)),
        KeyPart::BirthDate => out.extend(whole_date(r.birth)),
        KeyPart::EventDate => out.extend(whole_date(r.event)),
        KeyPart::EventMonth => out.extend(r.event.and_then(month_key)),
        KeyPart::NationalId => out.extend(r.national_id_hash.iter().map(|h| key_hash(b'#', h))),
    }
    out.sort_unstable();
    out.dedup();
}

/// A date's key where its day and month are known.
fn whole_date(d: Option<BirthDate>) -> Option<u64> {
    let d = d?;
    Some(month_key(d)? | u64::from(d.day?))
}

/// A date's year and month as a key, where the month is known (its day's bits left 0).
fn month_key(d: BirthDate) -> Option<u64> {
    Some(((d.year as u64) << 16) | (u64::from(d.month?) << 8))
}

/// The rule's keys of a record: every combination of its parts' keys (none when a part has
/// no key).
pub fn rule_keys(r: &LinkRecord, rule: &BlockingRule) -> Vec<u64> {
    let mut keys = reading_keys(r, None, rule);
    if let Some(other) = r.other_reading.as_deref().filter(|_| rule.other_reading) {
        keys.extend(reading_keys(r, Some(other), rule));
        keys.sort_unstable();
        keys.dedup();
    }
    keys
}

/// The rule's keys of one reading of a record's names.
fn reading_keys(r: &LinkRecord, other: Option<&OtherReading>, rule: &BlockingRule) -> Vec<u64> {
    let mut combos = vec![0x51_7c_c1_b7_27_22_0a_95u64];
    let mut keys = Vec::new();
    for (n, part) in rule.parts.iter().enumerate() {
        part_keys(r, other, *part, &mut keys);
        if keys.is_empty() {
            return Vec::new();
        }
        let mut next = Vec::with_capacity(combos.len() * keys.len());
        for c in &combos {
            for k in &keys {
                // Position-dependent mixing: (a, b) and (b, a) are different keys.
                next.push((c.rotate_left(5) ^ k ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            }
        }
        combos = next;
    }
    combos
}

/// The candidate pairs of all rules.
#[derive(Debug, Default)]
pub struct Candidates {
    /// Every distinct pair `(i, j)`, `i < j`, sorted.
    pub pairs: Vec<(u32, u32)>,
    /// Per rule, in the order of the rules, the positions in `pairs` of an even sample of the
    /// pairs it generated — all of them up to [`RULE_SAMPLE`], else about that many drawn by
    /// their records ([`PairDraw`]) — (a pair may
    /// come from several rules: EM trains each rule on its own pairs, or it would learn only
    /// from the pairs earlier rules missed). How many it generated is in `reports`.
    pub by_rule: Vec<Vec<u32>>,
    /// What each rule generated (`new_pairs`: not generated by an earlier rule).
    pub reports: Vec<RuleReport>,
}

/// One record's key under one rule, with the record's birth year (a block too large is split
/// by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyEntry {
    pub key: u64,
    /// The record, by an id its holder chooses (an index, or a registry's record id).
    pub record: u32,
    pub year: i32,
}

const NO_YEAR: i32 = i32::MIN;

fn year_of(r: &LinkRecord) -> i32 {
    r.birth.map_or(NO_YEAR, |b| b.year)
}

/// The blocking keys of a set of records, per rule, sorted: what an incremental link needs of
/// the records already linked to find the blocks a new record falls into, without reading or
/// analysing them again. Held as its serialised bytes ([`BlockKeys::to_bytes`]) and searched
/// in place: a registry of a million records has some twelve million keys, and reading them
/// back is one copy, not a parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockKeys {
    /// Little-endian: the number of rules, then per rule its number of entries and each entry
    /// (key u64, record u32, year i32), sorted.
    bytes: Vec<u8>,
    /// Per rule, the offset of its first entry and its number of entries.
    rules: Vec<(usize, usize)>,
}

/// Which of a rule's `n` entries part `part` of `parts` holds: the parts' ranges follow one
/// another and cover all `n` (see [`BlockKeys::into_parts`]).
pub fn part_range(n: usize, part: usize, parts: usize) -> std::ops::Range<usize> {
    n * part / parts..n * (part + 1) / parts
}

/// The bytes of one entry of [`BlockKeys`].
pub const ENTRY: usize = 16;

/// Appends `entries` as [`BlockKeys`] holds them (a run of one rule's entries, sorted).
pub fn encode_entries(entries: &[KeyEntry], out: &mut Vec<u8>) {
    out.reserve(entries.len() * ENTRY);
    for e in entries {
        out.extend(e.to_bytes());
    }
}

impl KeyEntry {
    /// The entry as [`BlockKeys`] holds it: key, record, year, little-endian.
    pub fn to_bytes(&self) -> [u8; ENTRY] {
        let mut b = [0u8; ENTRY];
        b[..8].copy_from_slice(&self.key.to_le_bytes());
        b[8..12].copy_from_slice(&self.record.to_le_bytes());
        b[12..].copy_from_slice(&self.year.to_le_bytes());
        b
    }
}

impl BlockKeys {
    /// The bytes and index of keys with `counts[r]` entries for rule `r`, in the order of the
    /// rules, each run written in place by `fill(r, run)` as [`encode_entries`] writes it. The
    /// one writer of the layout.
    fn laid_out(counts: &[usize], mut fill: impl FnMut(usize, &mut [u8])) -> BlockKeys {
        let total: usize = counts.iter().sum();
        let mut bytes = Vec::with_capacity(8 + counts.len() * 8 + total * ENTRY);
        bytes.extend((counts.len() as u64).to_le_bytes());
        let mut rules = Vec::with_capacity(counts.len());
        for (rule, &n) in counts.iter().enumerate() {
            bytes.extend((n as u64).to_le_bytes());
            let at = bytes.len();
            bytes.resize(at + n * ENTRY, 0);
            fill(rule, &mut bytes[at..]);
            rules.push((at, n));
        }
        BlockKeys { bytes, rules }
    }

    fn encode(rules: Vec<Vec<KeyEntry>>) -> BlockKeys {
        let counts: Vec<usize> = rules.iter().map(Vec::len).collect();
        BlockKeys::laid_out(&counts, |r, run| {
            for (e, out) in rules[r].iter().zip(run.chunks_exact_mut(ENTRY)) {
                out.copy_from_slice(&e.to_bytes());
            }
        })
    }

    /// The keys of `counts[r]` entries for each rule `r`, in the order of the rules, each run
    /// written in place by `fill(r, run)` as [`encode_entries`] writes it (one copy, into the
    /// keys' own bytes); `None` if a `fill` fails or a run is not sorted (as
    /// [`BlockKeys::from_bytes`] checks).
    pub fn assemble(counts: &[usize], mut fill: impl FnMut(usize, &mut [u8]) -> bool) -> Option<BlockKeys> {
        let mut filled = true;
        let keys = BlockKeys::laid_out(counts, |r, run| filled = filled && fill(r, run));
        if !filled {
            return None;
        }
        BlockKeys::from_bytes(keys.bytes)
    }

    /// The keys of `records` under `rules`, each record known by its id in `ids`.
    pub fn of(records: &[LinkRecord], ids: &[u32], rules: &[BlockingRule]) -> BlockKeys {
        let rules = rules
            .iter()
            .map(|rule| {
                let mut entries: Vec<KeyEntry> = records
                    .par_iter()
                    .zip(ids)
                    .flat_map_iter(|(r, &id)| {
                        let year = year_of(r);
                        rule_keys(r, rule).into_iter().map(move |key| KeyEntry { key, record: id, year })
                    })
                    .collect();
                entries.par_sort_unstable();
                entries.dedup();
                entries
            })
            .collect();
        BlockKeys::encode(rules)
    }

    /// Number of rules the keys are for.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Number of keys, all rules together.
    pub fn len(&self) -> usize {
        self.rules.iter().map(|r| r.1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entry(&self, rule: usize, k: usize) -> KeyEntry {
        let at = self.rules[rule].0 + k * ENTRY;
        let e = &self.bytes[at..at + ENTRY];
        KeyEntry {
            key: u64::from_le_bytes([e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]]),
            record: u32::from_le_bytes([e[8], e[9], e[10], e[11]]),
            year: i32::from_le_bytes([e[12], e[13], e[14], e[15]]),
        }
    }

    /// Records (ids) under `rule` holding `key`, with their birth years.
    fn block(&self, rule: usize, key: u64) -> impl Iterator<Item = KeyEntry> + '_ {
        let n = self.rules.get(rule).map_or(0, |r| r.1);
        // The first entry whose key is not below `key`.
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.entry(rule, mid).key < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..n).map(move |k| self.entry(rule, k)).take_while(move |e| e.key == key)
    }

    pub fn to_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The same keys in parts of about `max_bytes` at most, each holding every rule and a run of
    /// each rule's sorted entries (one block may stand in two parts: [`candidates_against`]
    /// reads a block across all the sets it is given). A store limits the size of one value
    /// (SQLite to a billion bytes; the keys of 1,2 million records are more).
    pub fn into_parts(self, max_bytes: usize) -> Vec<BlockKeys> {
        if self.bytes.len() <= max_bytes {
            return vec![self];
        }
        let parts = self.bytes.len().div_ceil(max_bytes.max(ENTRY));
        (0..parts)
            .map(|p| {
                let ranges: Vec<std::ops::Range<usize>> =
                    self.rules.iter().map(|&(_, n)| part_range(n, p, parts)).collect();
                let counts: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
                BlockKeys::laid_out(&counts, |r, run| {
                    let start = self.rules[r].0;
                    run.copy_from_slice(&self.bytes[start + ranges[r].start * ENTRY..start + ranges[r].end * ENTRY]);
                })
            })
            .collect()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Takes what [`BlockKeys::to_bytes`] wrote; `None` if the bytes are not such a document
    /// (lengths are checked; the order of a rule's keys only at its ends and middle).
    pub fn from_bytes(bytes: Vec<u8>) -> Option<BlockKeys> {
        let number = |at: usize| -> Option<usize> {
            let s = bytes.get(at..at.checked_add(8)?)?;
            usize::try_from(u64::from_le_bytes(s.try_into().ok()?)).ok()
        };
        let count = number(0)?;
        let mut at = 8usize;
        let mut rules = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let n = number(at)?;
            at += 8;
            rules.push((at, n));
            at = at.checked_add(n.checked_mul(ENTRY)?)?;
            if at > bytes.len() {
                return None;
            }
        }
        if at != bytes.len() {
            return None;
        }
        let keys = BlockKeys { bytes, rules };
        let sorted = (0..keys.rules.len()).all(|r| {
            let n = keys.rules[r].1;
            n < 2 || (keys.entry(r, 0) <= keys.entry(r, n / 2) && keys.entry(r, n / 2) <= keys.entry(r, n - 1))
        });
        sorted.then_some(keys)
    }
}

/// The candidate pairs of `new` records (ids `new_ids`) against records already linked, known
/// only by their keys (`linked`, one or more sets): the pairs of record ids, the new record
/// first where one side is linked, that [`candidate_pairs`] over all records together would
/// make and that involve a new record. Blocks are formed, and split by birth year when too
/// large, over the linked and new records together, exactly as a link of all would.
pub fn candidates_against(
    new: &[LinkRecord],
    new_ids: &[u32],
    rules: &[BlockingRule],
    max_block: usize,
    linked: &[BlockKeys],
) -> (Vec<(u32, u32)>, Vec<RuleReport>) {
    let mut union: Vec<(u32, u32)> = Vec::new();
    let mut reports = Vec::with_capacity(rules.len());
    for (r, rule) in rules.iter().enumerate() {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut skipped = 0;
        let max_block = rule.max_block.map_or(max_block, |m| m.min(max_block));
        let mut by_key: FxHashMap<u64, Vec<KeyEntry>> = FxHashMap::default();
        for (rec, &id) in new.iter().zip(new_ids) {
            let year = year_of(rec);
            for key in rule_keys(rec, rule) {
                by_key.entry(key).or_default().push(KeyEntry { key, record: id, year });
            }
        }
        for (key, mut fresh) in by_key {
            fresh.sort_unstable();
            fresh.dedup();
            let old: Vec<KeyEntry> = linked.iter().flat_map(|k| k.block(r, key)).collect();
            let groups: Vec<(Vec<KeyEntry>, Vec<KeyEntry>)> = if old.len() + fresh.len() > max_block {
                skipped += 1;
                let mut by_year: FxHashMap<i32, (Vec<KeyEntry>, Vec<KeyEntry>)> = FxHashMap::default();
                for e in old.iter().filter(|e| e.year != NO_YEAR) {
                    by_year.entry(e.year).or_default().0.push(*e);
                }
                for e in fresh.iter().filter(|e| e.year != NO_YEAR) {
                    by_year.entry(e.year).or_default().1.push(*e);
                }
                by_year.into_values().filter(|(o, f)| o.len() + f.len() <= max_block).collect()
            } else {
                vec![(old, fresh)]
            };
            for (old, fresh) in &groups {
                for (x, a) in fresh.iter().enumerate() {
                    pairs.extend(fresh[x + 1..].iter().map(|b| (a.record, b.record)));
                    pairs.extend(old.iter().map(|b| (a.record, b.record)));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let before = union.len();
        union.extend(&pairs);
        union.sort_unstable();
        union.dedup();
        reports.push(RuleReport {
            rule: rule.name.clone(),
            pairs: pairs.len(),
            new_pairs: union.len() - before,
            skipped_blocks: skipped,
        });
    }
    (union, reports)
}

/// Candidate pairs: every pair each rule generates (a block over `max_block` records is split
/// by birth year first).
pub fn candidate_pairs(records: &[LinkRecord], rules: &[BlockingRule], max_block: usize) -> Candidates {
    candidate_pairs_where(records, rules, max_block, &|_, _| true, None)
}

fn pair_key(i: usize, j: usize) -> u64 {
    ((i as u64) << 32) | j as u64
}

/// The sorted union of two sorted lists without repeats, written into `out` (emptied first),
/// and how many of `b` were not in `a`. `out`'s memory is reused where it is large enough (the
/// union of the rules before, a merge ago), else made anew with a quarter more room: a million
/// records' union is some 400 MB, and memory fresh from the system is zeroed page by page
/// first, for each of the 24 rules.
fn merge_new(a: &[u64], b: &[u64], out: &mut Vec<u64>) -> usize {
    out.clear();
    let need = a.len() + b.len();
    if out.capacity() < need {
        // (Not `reserve`: it would copy the old memory over, though nothing in it is kept.)
        *out = Vec::with_capacity(need + need / 4);
    }
    let (mut x, mut y, mut new) = (0, 0, 0);
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => {
                out.push(a[x]);
                x += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[y]);
                y += 1;
                new += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[x]);
                x += 1;
                y += 1;
            }
        }
    }
    out.extend_from_slice(&a[x..]);
    new += b.len() - y;
    out.extend_from_slice(&b[y..]);
    new
}

/// What takes each rule's keys from [`candidate_pairs_where`], in the order of the rules.
pub type KeySink<'a> = &'a mut dyn FnMut(&[KeyEntry]);

/// As [`candidate_pairs`], keeping only the pairs `keep(i, j)` accepts (an incremental link
/// keeps the pairs that involve a new record). Blocks are formed, and split when too large,
/// over all records exactly as without the filter. With `keys`, every record's keys are given
/// to it, one call per rule in the order of the rules, sorted, records by their index: what the
/// next link blocks against, handed on as each rule is done so that a million records' keys
/// (a gigabyte) need not be held beside the pairs.
pub fn candidate_pairs_where(
    records: &[LinkRecord],
    rules: &[BlockingRule],
    max_block: usize,
    keep: &(dyn Fn(usize, usize) -> bool + Sync),
    mut keys: Option<KeySink<'_>>,
) -> Candidates {
    // The pairs of the rules so far, and the memory the next merge writes into (the union
    // before the last merge).
    let (mut union, mut spare): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    let tags = record_tags(records);
    let mut rule_pairs: Vec<Vec<u64>> = Vec::with_capacity(rules.len());
    let mut reports = Vec::with_capacity(rules.len());
    for rule in rules {
        let max_block = rule.max_block.map_or(max_block, |m| m.min(max_block));
        // Every record's keys, sorted: the runs of one key are the blocks.
        let mut keyed: Vec<(u64, u32)> = records
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, r)| rule_keys(r, rule).into_iter().map(move |k| (k, i as u32)))
            .collect();
        keyed.par_sort_unstable();
        keyed.dedup();
        let blocks: Vec<&[(u64, u32)]> = keyed.chunk_by(|a, b| a.0 == b.0).collect();
        let (mut pairs, skipped) = blocks
            .par_iter()
            .fold(
                || (Vec::<u64>::new(), 0usize),
                |(mut pairs, mut skipped), block| {
                    let members: Vec<u32> = block.iter().map(|&(_, i)| i).collect();
                    // A block too large (common names) is split by birth year; records without
                    // one, or a year block still too large, are skipped and reported.
                    let groups: Vec<Vec<u32>> = if members.len() > max_block {
                        let mut by_year: FxHashMap<i32, Vec<u32>> = FxHashMap::default();
                        for &m in &members {
                            if let Some(b) = records[m as usize].birth {
                                by_year.entry(b.year).or_default().push(m);
                            }
                        }
                        skipped += 1;
                        by_year.into_values().filter(|g| g.len() <= max_block).collect()
                    } else {
                        vec![members]
                    };
                    for group in &groups {
                        for (x, &i) in group.iter().enumerate() {
                            for &j in &group[x + 1..] {
                                let (i, j) = (i as usize, j as usize);
                                if keep(i, j) {
                                    pairs.push(pair_key(i, j));
                                }
                            }
                        }
                    }
                    (pairs, skipped)
                },
            )
            .reduce(
                || (Vec::new(), 0),
                |(mut a, sa), (b, sb)| {
                    a.extend(b);
                    (a, sa + sb)
                },
            );
        drop(blocks);
        if let Some(sink) = keys.as_mut() {
            let entries: Vec<KeyEntry> = keyed
                .into_par_iter()
                .map(|(key, i)| KeyEntry { key, record: i, year: year_of(&records[i as usize]) })
                .collect();
            sink(&entries);
        } else {
            drop(keyed);
        }
        pairs.par_sort_unstable();
        pairs.dedup();
        let new = merge_new(&union, &pairs, &mut spare);
        std::mem::swap(&mut union, &mut spare);
        reports.push(RuleReport {
            rule: rule.name.clone(),
            pairs: pairs.len(),
            new_pairs: new,
            skipped_blocks: skipped,
        });
        // An even sample is what training reads: the rest need not be held (a million records:
        // some 75 million rule pairs, 600 MB, until the last rule is merged). Drawn by the
        // records' tags, it is the same pairs in whatever order the records are.
        let draw = PairDraw::new(RULE_SAMPLE, pairs.len());
        rule_pairs.push(if pairs.len() <= RULE_SAMPLE {
            pairs
        } else {
            // (Not `into_iter`: collected in place, the sample would keep all the pairs' memory.)
            pairs.iter().copied().filter(|&k| draw.takes(tags[(k >> 32) as usize], tags[k as u32 as usize])).collect()
        });
    }
    drop(spare);
    // Each rule's pairs as positions in the union (both sorted: one walk each).
    let by_rule = rule_pairs
        .into_iter()
        .map(|pairs| {
            let mut at = 0usize;
            pairs
                .iter()
                .map(|p| {
                    while union[at] != *p {
                        at += 1;
                    }
                    at as u32
                })
                .collect()
        })
        .collect();
    // (The merges leave room to grow: none is kept past blocking.)
    union.shrink_to_fit();
    let pairs = union.into_iter().map(|k| ((k >> 32) as u32, k as u32)).collect();
    Candidates { pairs, by_rule, reports }
}

#[cfg(test)]
mod tests {
    use super::*;
    use athar_names::NameEngine;

    #[test]
    fn a_letter_left_out_in_turn_once_per_form_and_none_from_a_short_skeleton() {
        let forms = |s: &str, min: usize| {
            let mut out: Vec<String> = Vec::new();
            letters_left_out(s, min, &mut String::new(), |f| out.push(f.to_string()));
            out
        };
        assert_eq!(forms("KHLF", 3), ["HLF", "KLF", "KHF", "KHL"]);
        assert_eq!(forms("ALLH", 3), ["LLH", "ALH", "ALL"], "the two L give one form");
        assert_eq!(forms("ХЛФ", 3), ["ЛФ", "ХФ", "ХЛ"]);
        assert!(forms("AL", 3).is_empty());
        assert!(forms("HSN", 4).is_empty());
    }

    /// Records of `fields`, each with its position as id.
    fn records<F: AsRef<[(&'static str, &'static str)]>>(fields: &[F]) -> Vec<LinkRecord> {
        let e = NameEngine::new();
        fields.iter().enumerate().map(|(i, f)| LinkRecord::from_fields(&e, &i.to_string(), f.as_ref(), None)).collect()
    }

    #[test]
    fn a_merge_into_reused_memory_holds_the_union_only() {
        let mut out = vec![9, 99, 999, 9999, 99999, 999_999];
        assert_eq!(merge_new(&[1, 3, 5], &[2, 3, 6], &mut out), 2);
        assert_eq!(out, [1, 2, 3, 5, 6], "nothing of what the memory held before");
        let mut union = out;
        let mut spare = Vec::new();
        for (k, b) in [vec![0, 7], vec![], vec![1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 16]].into_iter().enumerate() {
            let mut want: Vec<u64> = union.iter().chain(&b).copied().collect();
            want.sort_unstable();
            want.dedup();
            let new = merge_new(&union, &b, &mut spare);
            assert_eq!((new, &spare), (want.len() - union.len(), &want), "merge {k}");
            std::mem::swap(&mut union, &mut spare);
        }
    }

    #[test]
    fn a_draw_of_pairs_is_the_same_in_either_order_and_about_the_size_asked() {
        let tags: Vec<u64> = (0..2000).map(|i: u64| mix(key_hash(b'#', &i.to_string()))).collect();
        let pairs: Vec<(usize, usize)> = (0..2000).flat_map(|i| (i + 1..2000).map(move |j| (i, j))).collect();
        let draw = PairDraw::new(10_000, pairs.len());
        let drawn = pairs.iter().filter(|&&(i, j)| draw.takes(tags[i], tags[j])).count();
        assert!((9_000..11_000).contains(&drawn), "{drawn} drawn of 10,000 asked");
        assert!(pairs.iter().all(|&(i, j)| draw.takes(tags[i], tags[j]) == draw.takes(tags[j], tags[i])));
        // Asked for as many as there are, or more: every pair.
        let all = PairDraw::new(pairs.len(), pairs.len());
        assert!(pairs.iter().all(|&(i, j)| all.takes(tags[i], tags[j])));
    }

    #[test]
    fn records_in_name_order_lie_by_family_name_across_scripts_then_given_name() {
        let recs = records(&[
            [("given_name", "Olena"), ("family_name", "Shevchenko")],
            [("given_name", "محمد"), ("family_name", "الحلبي")],
            [("given_name", "Olena"), ("family_name", "")],
            [("given_name", "Ahmad"), ("family_name", "Shevchenko")],
            [("given_name", "Mohammed"), ("family_name", "al-Halabi")],
            [("given_name", "Olena"), ("family_name", "Шевченко")],
        ]);
        let order = name_order(&recs);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..recs.len()).collect::<Vec<_>>(), "a permutation");
        let at = |i: usize| order.iter().position(|&p| p == i).unwrap_or(usize::MAX);
        // One family name's records side by side, whatever the script; the two Olenas of it
        // together; the record without a family name last.
        assert_eq!(at(1).abs_diff(at(4)), 1, "{order:?}");
        assert_eq!(at(0).abs_diff(at(5)), 1, "{order:?}");
        assert!([at(0), at(5)].iter().all(|&p| p.abs_diff(at(3)) <= 2), "{order:?}");
        assert_eq!(at(2), recs.len() - 1, "{order:?}");
    }

    #[test]
    fn spellings_across_scripts_meet_and_strangers_do_not() {
        let recs = records(&[
            [("given_name", "Mohammed"), ("family_name", "al-Halabi")],
            [("given_name", "محمد"), ("family_name", "الحلبي")],
            [("given_name", "Mhd"), ("family_name", "Halaby")],
            [("given_name", "Olena"), ("family_name", "Shevchenko")],
        ]);
        let c = candidate_pairs(&recs, &default_rules(), 1000);
        let all = &c.pairs;
        for p in [(0, 1), (0, 2), (1, 2)] {
            assert!(all.contains(&p), "{p:?} should be a candidate: {all:?}");
        }
        assert!(!all.iter().any(|&(i, j)| i == 3 || j == 3));
        assert_eq!(c.reports[0].rule, "given+family");
        assert_eq!(c.reports[0].new_pairs, 3);
        // Every rule's positions point at its pairs; later rules add only what is new.
        for (rule, report) in c.by_rule.iter().zip(&c.reports) {
            assert_eq!(rule.len(), report.pairs);
            assert!(rule.iter().all(|&k| (k as usize) < all.len()));
        }
        assert_eq!(c.reports.iter().map(|r| r.new_pairs).sum::<usize>(), all.len());
    }

    #[test]
    fn names_written_the_other_way_round_meet_their_person_in_the_birth_year() {
        let recs = records(&[
            vec![("given_name", "علي"), ("father_name", "محمد"), ("family_name", "عبده"), ("birth_date", "1980")],
            vec![("full_name", "Abdo Ali Muhammad"), ("birth_date", "1980")],
            vec![("given_name", "Abdo"), ("family_name", "Ali"), ("birth_date", "1980-05-02")],
            vec![("full_name", "Abdo Ali Muhammad"), ("birth_date", "1991")],
        ]);
        let c = candidate_pairs(&recs, &default_rules(), 1000);
        let other = c.reports.iter().position(|r| r.rule.contains("other way round")).expect("the rule");
        let by_other: Vec<(u32, u32)> = c.by_rule[other].iter().map(|&k| c.pairs[k as usize]).collect();
        // Family name first, and given and family name swapped, both meet the names as written.
        assert!(by_other.contains(&(0, 1)) && by_other.contains(&(0, 2)), "{by_other:?}");
        assert!(c.reports[other].new_pairs >= 2, "{:?}", c.reports[other]);
        // Not born in the same year: not by this rule.
        assert!(!by_other.contains(&(0, 3)), "{by_other:?}");
    }

    #[test]
    fn a_name_a_letter_apart_meets_with_the_other_name_the_same() {
        let recs = records(&[
            [("given_name", "عففراء"), ("family_name", "غانم")],
            [("given_name", "Afra"), ("family_name", "Ghanim")],
            [("given_name", "Sergey"), ("family_name", "Radchenko")],
            [("given_name", "Sergey"), ("family_name", "Radhenko")],
            [("given_name", "Ali"), ("family_name", "Ghanim")],
        ]);
        let c = candidate_pairs(&recs, &default_rules(), 1000);
        let by = |name: &str| -> Vec<(u32, u32)> {
            let at = c.reports.iter().position(|r| r.rule == name).expect("the rule");
            c.by_rule[at].iter().map(|&k| c.pairs[k as usize]).collect()
        };
        // A doubled letter in Arabic script; a letter dropped in Latin script. Neither meets
        // on the names' own keys.
        let exact = by("given+family");
        assert!(!exact.contains(&(0, 1)) && !exact.contains(&(2, 3)), "{exact:?}");
        assert!(by("given+family, the given name a letter apart").contains(&(0, 1)));
        assert!(by("given+family, the family name a letter apart").contains(&(2, 3)));
        // Another given name with the same family name: skeletons of two letters or fewer
        // (Afra: F-R, Ali: L) give no keys a letter shorter.
        assert!(!c.pairs.contains(&(0, 4)) && !c.pairs.contains(&(1, 4)), "{:?}", c.pairs);
    }

    #[test]
    fn names_swapped_meet_without_a_birth_year_in_a_small_block() {
        let recs = records(&[
            vec![("given_name", "Ali"), ("family_name", "Abdo")],
            vec![("given_name", "Abdo"), ("family_name", "Ali"), ("birth_date", "1980")],
            vec![("given_name", "Omar"), ("family_name", "Abdo")],
        ]);
        let rules = default_rules();
        let c = candidate_pairs(&recs, &rules, 1000);
        let at = rules.iter().position(|r| r.name == "given+family, read the other way round").expect("the rule");
        assert!(!rules[at].trains);
        let by: Vec<(u32, u32)> = c.by_rule[at].iter().map(|&k| c.pairs[k as usize]).collect();
        assert!(by.contains(&(0, 1)), "{by:?}");
        assert!(!by.iter().any(|&(i, j)| i == 2 || j == 2), "{by:?}");
    }

    #[test]
    fn a_common_name_meets_its_person_in_the_month_of_the_arrest() {
        // Ten Ali Hassans, too many for one block, most with a birth year; the person's two
        // records give the arrest in one month (one to the day) and one of them no birth year.
        let e = NameEngine::new();
        let mut fields: Vec<Vec<(&str, &str)>> = (0..8)
            .map(|i| {
                let event = ["2014-10-02", "2013-09-22", "2015-01-01", ""][i % 4];
                vec![("given_name", "Ali"), ("family_name", "Hassan"), ("birth_date", "1980"), ("event_date", event)]
            })
            .collect();
        fields.push(vec![
            ("given_name", "Ali"),
            ("family_name", "Hassan"),
            ("birth_date", "1979"),
            ("event_date", "2014-09-22"),
        ]);
        fields.push(vec![("full_name", "علي حسن"), ("event_date", "2014-09")]);
        let recs: Vec<LinkRecord> =
            fields.iter().enumerate().map(|(i, f)| LinkRecord::from_fields(&e, &i.to_string(), f, None)).collect();
        let rules = default_rules();
        let c = candidate_pairs(&recs, &rules, 5);
        let at = rules.iter().position(|r| r.name == "given+family+event_month").expect("the rule");
        assert!(!rules[at].trains, "its pairs are chosen by a shared day of arrest: not for EM");
        let by: Vec<(u32, u32)> = c.by_rule[at].iter().map(|&k| c.pairs[k as usize]).collect();
        assert_eq!(by, vec![(0, 4), (1, 5), (2, 6), (8, 9)], "records arrested in one month meet, no others");
        // In blocks of 20 at most: a common name's month is a large block at a million records.
        for name in ["given+family+event_month", "family+event_month", "given+event_month"] {
            let r = rules.iter().find(|r| r.name == name).expect("the rule");
            assert!(!r.trains && r.max_block == Some(GIVEN_MOTHER_MAX_BLOCK), "{r:?}");
        }
        let without: Vec<BlockingRule> =
            rules.iter().filter(|r| !r.parts.contains(&KeyPart::EventMonth)).cloned().collect();
        assert!(!candidate_pairs(&recs, &without, 5).pairs.contains(&(8, 9)), "no other rule finds them");
    }

    #[test]
    fn a_block_too_large_is_skipped_and_reported() {
        let e = NameEngine::new();
        let recs: Vec<LinkRecord> = (0..10)
            .map(|i| {
                LinkRecord::from_fields(&e, &i.to_string(), &[("given_name", "Ali"), ("family_name", "Hassan")], None)
            })
            .collect();
        let c = candidate_pairs(&recs, &default_rules(), 5);
        assert!(c.pairs.is_empty(), "no birth years: the oversized block is left out");
        assert!(c.reports[0].skipped_blocks > 0);
        let with_years: Vec<LinkRecord> = (0..10)
            .map(|i| {
                let year = if i < 3 { "1980" } else { "1990" };
                let f = [("given_name", "Ali"), ("family_name", "Hassan"), ("birth_date", year)];
                LinkRecord::from_fields(&e, &i.to_string(), &f, None)
            })
            .collect();
        let c = candidate_pairs(&with_years, &default_rules()[..1], 5);
        assert_eq!(c.pairs, vec![(0, 1), (0, 2), (1, 2)], "split by birth year: only the 1980 block is small");
    }

    #[test]
    fn a_rule_needs_every_part() {
        let e = NameEngine::new();
        let r = LinkRecord::from_fields(&e, "x", &[("given_name", "Ali")], None);
        assert!(rule_keys(&r, &default_rules()[0]).is_empty(), "no family name, no given+family key");
    }

    /// Records with common and rare names, some without a birth year, so that blocks of every
    /// rule are small, large (split by year) and too large.
    fn mixed_records(e: &NameEngine, n: usize) -> Vec<LinkRecord> {
        let given = ["Ali", "علي", "Mohammed", "محمد", "Olena", "Oleksandr", "Aleksandr", "Fatima"];
        let family = ["Hassan", "حسن", "Halabi", "Shevchenko", "Шевченко", "Khatib"];
        let mother = ["Zainab", "Maryam", "فاطمة"];
        (0..n)
            .map(|i| {
                let born = format!("{}-0{}-1{}", 1970 + i % 7, 1 + i % 3, i % 5);
                let mut f = vec![
                    ("given_name", given[i % given.len()]),
                    ("family_name", family[(i / 3) % family.len()]),
                    ("mother_name", mother[(i / 5) % mother.len()]),
                ];
                if i % 4 != 0 {
                    f.push(("birth_date", born.as_str()));
                }
                LinkRecord::from_fields(e, &i.to_string(), &f, None)
            })
            .collect()
    }

    #[test]
    fn blocking_new_records_against_kept_keys_makes_the_pairs_of_a_whole_blocking() {
        let e = NameEngine::new();
        let recs = mixed_records(&e, 300);
        let rules = default_rules();
        for max_block in [8, 40, 1000] {
            let linked = 250;
            // Keys of the first 250 records, kept as a link would keep them (in two sets, as
            // after one incremental link), then read back.
            let mut runs: Vec<Vec<u8>> = Vec::new();
            let mut sink = |entries: &[KeyEntry]| {
                let mut run = Vec::new();
                encode_entries(entries, &mut run);
                runs.push(run);
            };
            candidate_pairs_where(&recs[..200], &rules, max_block, &|_, _| true, Some(&mut sink));
            let counts: Vec<usize> = runs.iter().map(|r| r.len() / ENTRY).collect();
            let first = BlockKeys::assemble(&counts, |r, run| {
                run.copy_from_slice(&runs[r]);
                true
            })
            .expect("reads back");
            assert_eq!(first, BlockKeys::of(&recs[..200], &(0..200).collect::<Vec<u32>>(), &rules));
            let ids: Vec<u32> = (200..linked as u32).collect();
            let second = BlockKeys::of(&recs[200..linked], &ids, &rules);
            // The first set also kept in three parts, each read back alone.
            let size = first.to_bytes().len();
            let mut sets: Vec<BlockKeys> = first
                .into_parts(size / 3 + 1)
                .into_iter()
                .map(|p| BlockKeys::from_bytes(p.into_bytes()).expect("a part reads back"))
                .collect();
            assert_eq!(sets.len(), 3);
            // A part may hold one more entry of each rule than a third (rounding), and a header.
            assert!(sets.iter().all(|p| p.to_bytes().len() <= size / 3 + 1 + (ENTRY + 8) * (rules.len() + 1)));
            sets.push(second);
            let new_ids: Vec<u32> = (linked as u32..recs.len() as u32).collect();
            let (got, reports) = candidates_against(&recs[linked..], &new_ids, &rules, max_block, &sets);
            assert_eq!(reports.iter().map(|r| r.new_pairs).sum::<usize>(), got.len());
            let got: Vec<(u32, u32)> = got.into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect();
            let mut got = got;
            got.sort_unstable();
            let whole = candidate_pairs(&recs, &rules, max_block);
            let want: Vec<(u32, u32)> = whole.pairs.into_iter().filter(|&(_, j)| j as usize >= linked).collect();
            assert!(!want.is_empty());
            assert_eq!(got, want, "max_block {max_block}");
        }
    }

    #[test]
    fn kept_keys_refuse_bytes_that_are_not_theirs() {
        assert_eq!(BlockKeys::from_bytes(vec![]), None);
        assert_eq!(BlockKeys::from_bytes(vec![1, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(BlockKeys::from_bytes(u64::MAX.to_le_bytes().to_vec()), None);
        let k = BlockKeys::of(&mixed_records(&NameEngine::new(), 20), &(0..20).collect::<Vec<u32>>(), &default_rules());
        let mut bytes = k.to_bytes().to_vec();
        assert_eq!(BlockKeys::from_bytes(bytes.clone()).as_ref(), Some(&k));
        bytes.push(0);
        assert_eq!(BlockKeys::from_bytes(bytes), None, "trailing bytes");
    }
}
