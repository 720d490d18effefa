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

/// Counts of one comparison's values.
#[derive(Debug, Default)]
struct KindCounts {
    by_term: FxHashMap<String, u32>,
    /// By value id: the count of the value's term key.
    by_value: Vec<u32>,
    values: usize,
}

/// Term frequencies of the name comparisons: the share of records holding each value.
#[derive(Debug, Default)]
pub struct TermFrequencies {
    /// By slot of [`VALUE_SLOTS`]; `None` for comparisons without term frequencies.
    kinds: Vec<Option<KindCounts>>,
}

impl TermFrequencies {
    pub fn new(records: &[LinkRecord]) -> Self {
        let kinds = VALUE_SLOTS
            .iter()
            .enumerate()
            .map(|(slot, k)| {
                if !k.term_frequency() {
                    return None;
                }
                let mut c = KindCounts::default();
                // Each value's term key is built once, however many records hold the value.
                let mut value_terms: Vec<Option<String>> = Vec::new();
                let mut value_records: Vec<u32> = Vec::new();
                for r in records {
                    let Some(a) = k.name_field(r) else { continue };
                    c.values += 1;
                    let id = r.value_ids[slot];
                    if id == NO_VALUE {
                        *c.by_term.entry(term_key(a)).or_default() += 1;
                        continue;
                    }
                    let i = id as usize;
                    if value_terms.len() <= i {
                        value_terms.resize(i + 1, None);
                        value_records.resize(i + 1, 0);
                    }
                    value_terms[i].get_or_insert_with(|| term_key(a));
                    value_records[i] += 1;
                }
                for (term, n) in value_terms.iter().zip(&value_records) {
                    if let Some(term) = term {
                        *c.by_term.entry(term.clone()).or_default() += n;
                    }
                }
                c.by_value = value_terms
                    .iter()
                    .map(|t| t.as_ref().and_then(|t| c.by_term.get(t)).copied().unwrap_or(0))
                    .collect();
                Some(c)
            })
            .collect();
        TermFrequencies { kinds }
    }

    fn counts(&self, k: ComparisonKind) -> Option<(usize, &KindCounts)> {
        let slot = value_slot(k)?;
        let c = self.kinds.get(slot)?.as_ref()?;
        (c.values >= MIN_TF_VALUES).then_some((slot, c))
    }

    /// How many records hold the record's value of `k` (by its term key); `None` when the
    /// record has none, or the field holds too few values to say.
    pub fn count(&self, k: ComparisonKind, r: &LinkRecord) -> Option<u32> {
        let (slot, c) = self.counts(k)?;
        let a = k.name_field(r)?;
        match c.by_value.get(r.value_ids[slot] as usize) {
            Some(n) if *n > 0 => Some(*n),
            _ => c.by_term.get(&term_key(a)).copied(),
        }
    }

    /// The share of records holding the value two records agree on (the larger of the two
    /// values' shares, when their forms differ).
    pub fn share(&self, k: ComparisonKind, a: &LinkRecord, b: &LinkRecord) -> Option<f64> {
        self.share_given(k, self.count(k, a), b)
    }

    /// As [`TermFrequencies::share`], with the first record's count already looked up (a
    /// query scored against many records).
    pub fn share_given(&self, k: ComparisonKind, a_count: Option<u32>, b: &LinkRecord) -> Option<f64> {
        let (_, c) = self.counts(k)?;
        let n = a_count.max(self.count(k, b))?;
        Some(f64::from(n) / c.values as f64)
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
    }
}
