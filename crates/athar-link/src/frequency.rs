//! Term frequencies: how common each name value is among the records, for the model's
//! term-frequency adjustment (agreeing on a rare name counts more than on محمد).
//!
//! Owns the counting of values by their term key (the table name of each part where the
//! tables know it, so محمد and Mohammed count as one value) and the lookup of a pair's share.
//! Counts are kept by value id as well (see [`crate::record::intern_values`]), so that scoring
//! a pair builds no key. Does not weigh (see `model`).

use crate::comparison::{term_key, ComparisonKind};
use crate::record::{value_slot, LinkRecord, NO_VALUE, VALUE_SLOTS};
use rustc_hash::FxHashMap;

/// Fewest values of a field before its term frequencies adjust weights: frequencies from a
/// small registry say nothing about names.
pub const MIN_TF_VALUES: usize = 1000;

/// Counts of one comparison's values by the hash of their term key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Counts {
    by_term: FxHashMap<u64, u32>,
    /// Records holding a value of the field.
    values: usize,
}

/// How many records hold each name value, per comparison: what term frequencies come from.
/// Serialisable ([`TermCounts::to_bytes`]), so that an incremental link weighs a new record's
/// names by the whole registry without reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermCounts {
    /// By slot of [`VALUE_SLOTS`]; `None` for comparisons without term frequencies.
    kinds: Vec<Option<Counts>>,
}

fn term_hash(a: &athar_names::NameAnalysis) -> u64 {
    crate::blocking::key_hash(b't', &term_key(a))
}

/// Per value id of `slot`, the hash of its term key (built once however many records hold the
/// value); and the counts of all the records' values by term.
fn value_terms(records: &[LinkRecord], slot: usize, k: ComparisonKind) -> (Vec<Option<u64>>, Counts) {
    let mut terms: Vec<Option<u64>> = Vec::new();
    let mut holders: Vec<u32> = Vec::new();
    let mut counts = Counts::default();
    for r in records {
        let Some(a) = k.name_field(r) else { continue };
        counts.values += 1;
        let id = r.value_ids[slot];
        if id == NO_VALUE {
            *counts.by_term.entry(term_hash(a)).or_default() += 1;
            continue;
        }
        let i = id as usize;
        if terms.len() <= i {
            terms.resize(i + 1, None);
            holders.resize(i + 1, 0);
        }
        terms[i].get_or_insert_with(|| term_hash(a));
        holders[i] += 1;
    }
    for (t, n) in terms.iter().zip(&holders) {
        if let Some(t) = t {
            *counts.by_term.entry(*t).or_default() += n;
        }
    }
    (terms, counts)
}

/// The count of each value id's term in `counts`.
fn counts_by_value(terms: &[Option<u64>], counts: &Counts) -> Vec<u32> {
    terms.iter().map(|t| t.and_then(|t| counts.by_term.get(&t)).copied().unwrap_or(0)).collect()
}

impl TermCounts {
    /// The counts of `records`' values.
    pub fn of(records: &[LinkRecord]) -> TermCounts {
        let kinds = VALUE_SLOTS
            .iter()
            .enumerate()
            .map(|(slot, k)| k.term_frequency().then(|| value_terms(records, slot, *k).1))
            .collect();
        TermCounts { kinds }
    }

    /// Adds `other`'s counts (the records of a new list).
    pub fn add(&mut self, other: &TermCounts) {
        if self.kinds.len() < other.kinds.len() {
            self.kinds.resize(other.kinds.len(), None);
        }
        for (mine, theirs) in self.kinds.iter_mut().zip(&other.kinds) {
            let Some(theirs) = theirs else { continue };
            let mine = mine.get_or_insert_with(Counts::default);
            mine.values += theirs.values;
            for (t, n) in &theirs.by_term {
                *mine.by_term.entry(*t).or_default() += n;
            }
        }
    }

    /// Little-endian: the number of slots; per slot a flag (0: no counts), the number of values
    /// and of terms, and each term (hash u64, count u32), in the order of their hashes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend((self.kinds.len() as u64).to_le_bytes());
        for k in &self.kinds {
            let Some(c) = k else {
                out.push(0);
                continue;
            };
            out.push(1);
            out.extend((c.values as u64).to_le_bytes());
            out.extend((c.by_term.len() as u64).to_le_bytes());
            let mut terms: Vec<(&u64, &u32)> = c.by_term.iter().collect();
            terms.sort_unstable();
            for (t, n) in terms {
                out.extend(t.to_le_bytes());
                out.extend(n.to_le_bytes());
            }
        }
        out
    }

    /// Reads what [`TermCounts::to_bytes`] wrote; `None` if the bytes are not such a document.
    pub fn from_bytes(bytes: &[u8]) -> Option<TermCounts> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Option<&[u8]> {
            let s = bytes.get(at..at.checked_add(n)?)?;
            at += n;
            Some(s)
        };
        let number = |s: &[u8]| s.try_into().ok().map(u64::from_le_bytes).and_then(|n| usize::try_from(n).ok());
        let slots = number(take(8)?)?;
        let mut kinds = Vec::with_capacity(slots.min(64));
        for _ in 0..slots {
            match take(1)?[0] {
                0 => kinds.push(None),
                1 => {
                    let values = number(take(8)?)?;
                    let n = number(take(8)?)?;
                    let body = take(n.checked_mul(12)?)?;
                    let by_term = body
                        .chunks_exact(12)
                        .map(|c| {
                            let t = u64::from_le_bytes(c[..8].try_into().unwrap_or_default());
                            (t, u32::from_le_bytes(c[8..].try_into().unwrap_or_default()))
                        })
                        .collect();
                    kinds.push(Some(Counts { by_term, values }));
                }
                _ => return None,
            }
        }
        (at == bytes.len()).then_some(TermCounts { kinds })
    }
}

/// Counts of one comparison, with the count of each value id of the records scored.
#[derive(Debug, Default)]
struct KindCounts {
    counts: Counts,
    /// By value id: the hash of the value's term key (kept so that counts can grow).
    terms: Vec<Option<u64>>,
    /// By value id: the count of the value's term key.
    by_value: Vec<u32>,
}

/// Term frequencies of the name comparisons: the share of records holding each value.
#[derive(Debug, Default)]
pub struct TermFrequencies {
    /// By slot of [`VALUE_SLOTS`]; `None` for comparisons without term frequencies.
    kinds: Vec<Option<KindCounts>>,
}

impl TermFrequencies {
    /// The frequencies of `records`' values among themselves.
    pub fn new(records: &[LinkRecord]) -> Self {
        let kinds = VALUE_SLOTS
            .iter()
            .enumerate()
            .map(|(slot, k)| {
                k.term_frequency().then(|| {
                    let (terms, counts) = value_terms(records, slot, *k);
                    KindCounts { by_value: counts_by_value(&terms, &counts), terms, counts }
                })
            })
            .collect();
        TermFrequencies { kinds }
    }

    /// Frequencies from `counts` (a whole registry's), for scoring `records` (some of its
    /// records, their values interned among themselves).
    pub fn from_counts(counts: TermCounts, records: &[LinkRecord]) -> Self {
        let kinds = VALUE_SLOTS
            .iter()
            .enumerate()
            .zip(counts.kinds.into_iter().chain(std::iter::repeat(None)))
            .map(|((slot, k), counts)| {
                let counts = counts.filter(|_| k.term_frequency())?;
                let (terms, _) = value_terms(records, slot, *k);
                Some(KindCounts { by_value: counts_by_value(&terms, &counts), terms, counts })
            })
            .collect();
        TermFrequencies { kinds }
    }

    /// Counts `records` too (records added to those these frequencies were made for, their
    /// values interned with the same ids): the counts grow, and every value's count follows.
    pub fn add(&mut self, records: &[LinkRecord]) {
        for (slot, k) in VALUE_SLOTS.iter().enumerate() {
            let Some(Some(kc)) = self.kinds.get_mut(slot) else { continue };
            let (terms, counts) = value_terms(records, slot, *k);
            kc.counts.values += counts.values;
            for (t, n) in counts.by_term {
                *kc.counts.by_term.entry(t).or_default() += n;
            }
            if kc.terms.len() < terms.len() {
                kc.terms.resize(terms.len(), None);
            }
            for (i, t) in terms.into_iter().enumerate() {
                if t.is_some() {
                    kc.terms[i] = t;
                }
            }
            kc.by_value = counts_by_value(&kc.terms, &kc.counts);
        }
    }

    /// The counts these frequencies come from, to keep for a later link.
    pub fn term_counts(&self) -> TermCounts {
        TermCounts { kinds: self.kinds.iter().map(|k| k.as_ref().map(|k| k.counts.clone())).collect() }
    }

    fn counts(&self, k: ComparisonKind) -> Option<(usize, &KindCounts)> {
        let slot = value_slot(k)?;
        let c = self.kinds.get(slot)?.as_ref()?;
        (c.counts.values >= MIN_TF_VALUES).then_some((slot, c))
    }

    /// How many records hold the record's value of `k` (by its term key); `None` when the
    /// record has none, or the field holds too few values to say.
    pub fn count(&self, k: ComparisonKind, r: &LinkRecord) -> Option<u32> {
        let (slot, c) = self.counts(k)?;
        // By the value id first: the record's analyses lie in another line of its memory.
        // (A missing value has no id, and no analysis either.)
        match c.by_value.get(r.value_ids[slot] as usize) {
            Some(n) if *n > 0 => Some(*n),
            _ => c.counts.by_term.get(&term_hash(k.name_field(r)?)).copied(),
        }
    }

    /// The share of records holding the value two records agree on (the larger of the two
    /// values' shares, when their forms differ).
    pub fn share(&self, k: ComparisonKind, a: &LinkRecord, b: &LinkRecord) -> Option<f64> {
        self.share_given(k, self.count(k, a), b)
    }

    /// The least share of records a value held by `count` records (see
    /// [`TermFrequencies::count`]) has in any pair that agrees on it (a pair's share is the
    /// larger of its two values'); `None` when not known.
    pub fn least_share(&self, k: ComparisonKind, count: Option<u32>) -> Option<f64> {
        let (_, c) = self.counts(k)?;
        Some(f64::from(count?) / c.counts.values as f64)
    }

    /// As [`TermFrequencies::share`], with the first record's count already looked up (a
    /// query scored against many records).
    pub fn share_given(&self, k: ComparisonKind, a_count: Option<u32>, b: &LinkRecord) -> Option<f64> {
        let (_, c) = self.counts(k)?;
        let n = a_count.max(self.count(k, b))?;
        Some(f64::from(n) / c.counts.values as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use athar_names::NameEngine;

    #[test]
    fn a_common_name_has_a_large_share_and_scripts_count_as_one_value() {
        let e = NameEngine::new();
        let mut recs: Vec<LinkRecord> = (0..MIN_TF_VALUES + 200)
            .map(|i| {
                let given = match i % 10 {
                    0..=3 => "Mohammed",
                    4..=5 => "محمد",
                    _ => "Rare",
                };
                let given = if i == 9 { "Quetzalcoatl" } else { given };
                LinkRecord::from_fields(&e, &i.to_string(), &[("given_name", given)], None)
            })
            .collect();
        crate::record::intern_values(&mut recs);
        let tf = TermFrequencies::new(&recs);
        let k = ComparisonKind::GivenName;
        let common = tf.share(k, &recs[0], &recs[4]).expect("a share");
        assert!((common - 0.6).abs() < 0.01, "Mohammed and محمد are 60 % together: {common}");
        let rare = tf.share(k, &recs[9], &recs[9]).expect("a share");
        assert!(rare < 0.001, "{rare}");
        // The same without value ids (a query): by term key.
        let q = LinkRecord::from_fields(&e, "q", &[("given_name", "MOHAMMED")], None);
        assert_eq!(tf.share(k, &q, &recs[6]), Some(common));
        // A small registry says nothing.
        let small = TermFrequencies::new(&recs[..10]);
        assert_eq!(small.share(k, &recs[0], &recs[1]), None);
        // Counts kept and added up give the same shares to a few records interned apart.
        let mut counts = TermCounts::from_bytes(&TermCounts::of(&recs[..700]).to_bytes()).expect("reads back");
        counts.add(&TermCounts::of(&recs[700..]));
        let mut few: Vec<LinkRecord> = [0, 4, 9].iter().map(|&i| recs[i].clone()).collect();
        crate::record::intern_values(&mut few);
        let kept = TermFrequencies::from_counts(counts, &few);
        assert_eq!(kept.share(k, &few[0], &few[1]), Some(common));
        assert_eq!(kept.share(k, &few[2], &few[2]), Some(rare));
        assert_eq!(TermCounts::from_bytes(&[9]), None);
    }
}
