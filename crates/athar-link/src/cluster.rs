//! Clustering scored pairs into persons, under human control.
//!
//! Owns the rules that make persons from pairs: a human "same" is always kept, a human "not
//! the same" is never crossed (a merge that would join two records judged different is refused,
//! so a component splits along its weakest links: pairs are merged strongest first), pairs at
//! or above the merge threshold are merged — unless the other records of the two groups it would
//! join say otherwise (see [`ClusterOptions::min_mean_between`]) — pairs in the review band are
//! listed for review (every one: the queue asks about two persons once, see
//! [`one_per_two_persons`]) and never merged automatically, and contradictory judgements (A = B,
//! B = C, A ≠ C) are refused.
//! Does not score pairs (see `model`) or keep ids stable across runs (the store's job).

use rustc_hash::FxHashMap;
use serde::Serialize;

/// A human decision about two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    Same,
    Different,
}

/// A scored pair: two record positions and the probability that they are one person (in
/// f64: strong pairs differ far beyond 1 - 2^-24, and the order of merges is the order of
/// their strength).
pub type ScoredPair = (u32, u32, f64);

/// Thresholds of clustering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterOptions {
    /// Pairs at or above this probability are merged (default 0.95).
    pub merge_at: f64,
    /// Pairs with a probability in `[review_from, merge_at)` go to review (default 0.5).
    pub review_from: f64,
    /// A pair at or above `merge_at` joins two groups of records only when the scored pairs
    /// between the groups have at least this mean probability (default 0.5); otherwise the
    /// pair goes to review. One strong pair does not make a person of two groups whose other
    /// records look unlike: a sparse record ("Mohammed al-Ali") that matches one record of a
    /// person strongly and the others weakly, or a namesake who bridges two persons. Pairs
    /// blocking did not generate are not counted. On generated lists of 10,000 persons this
    /// raised pairwise F1 at a merge threshold of 0.5 from 0.73 to 0.87.
    pub min_mean_between: f64,
    /// With existing persons (see [`cluster_with_persons`]), each starts as one group whatever
    /// the pairs inside it say: an incremental link that scores only the pairs of new records
    /// adds to persons without taking them apart (default false: the pairs inside each person
    /// are scored again and decide).
    pub keep_existing: bool,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions { merge_at: 0.95, review_from: 0.5, min_mean_between: 0.5, keep_existing: false }
    }
}

/// Judgements that cannot all hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "judgements contradict each other: records {a} and {b} are judged different, but a chain of 'same' \
     judgements joins them; withdraw one of them"
)]
pub struct Contradiction {
    pub a: usize,
    pub b: usize,
}

/// The outcome: a person label per record, the pairs to review, and the merges refused
/// because of a "different" judgement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clustering {
    /// `person[i]` is the smallest record index of record `i`'s person.
    pub person: Vec<usize>,
    /// Pairs for a human to look at, most useful (closest to the middle of the band) first.
    pub review: Vec<(usize, usize, f64)>,
    pub refused: Vec<(usize, usize, f64)>,
    /// Pairs at or above the merge threshold sent to review because the groups they would
    /// join look unlike on average (see [`ClusterOptions::min_mean_between`]).
    pub unlike_groups: usize,
}

impl Clustering {
    /// How many pairs the review queue asks about: one per two persons (see
    /// [`one_per_two_persons`]).
    pub fn pairs_to_ask(&self) -> usize {
        one_per_two_persons(&self.review, |r| self.person[r]).len()
    }
}

/// Every scored pair of each record, for the mean probability between two groups: the
/// positions of its pairs in the scored pairs (a million records' 67 million pairs: 534 MB,
/// where a copy of each pair's other record and probability for both of its records took
/// twice that, beside the pairs, at the link's peak of memory).
struct Neighbours<'p> {
    /// `start[i]..start[i + 1]` indexes record i's pairs in `at`.
    start: Vec<usize>,
    at: Vec<u32>,
    pairs: &'p [ScoredPair],
}

impl<'p> Neighbours<'p> {
    /// The pairs of records under `n` (a pair naming another is no one's neighbour).
    fn new(n: usize, pairs: &'p [ScoredPair]) -> Self {
        let valid = || pairs.iter().enumerate().filter(|(_, &(a, b, _))| (a as usize) < n && (b as usize) < n);
        let mut start = vec![0usize; n + 1];
        for (_, &(a, b, _)) in valid() {
            start[a as usize + 1] += 1;
            start[b as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut at = vec![0u32; start[n]];
        for (k, &(a, b, _)) in valid() {
            for x in [a as usize, b as usize] {
                at[next[x]] = k as u32;
                next[x] += 1;
            }
        }
        Neighbours { start, at, pairs }
    }

    /// The mean probability and number of the scored pairs between the records `small` and
    /// the group whose root is `big`.
    fn mean_between(&self, uf: &mut UnionFind, small: &[u32], big: usize) -> (f64, usize) {
        let (mut sum, mut count) = (0.0f64, 0usize);
        for &m in small {
            for &k in &self.at[self.start[m as usize]..self.start[m as usize + 1]] {
                let (a, b, p) = self.pairs[k as usize];
                let other = if a == m { b } else { a };
                if uf.find(other as usize) == big {
                    sum += p;
                    count += 1;
                }
            }
        }
        (if count == 0 { 0.0 } else { sum / count as f64 }, count)
    }
}

struct UnionFind {
    parent: Vec<usize>,
    /// Records each root's component was judged different from (by root, kept current).
    apart: Vec<Vec<usize>>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind { parent: (0..n).collect(), apart: vec![Vec::new(); n] }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Whether joining the components of `a` and `b` would cross a "different" judgement.
    fn forbidden(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let apart_a = self.apart[ra].clone();
        apart_a.iter().any(|&x| self.find(x) == rb)
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone] = keep;
        let moved = std::mem::take(&mut self.apart[gone]);
        self.apart[keep].extend(moved);
    }
}

/// Clusters `n` records from scored pairs `(a, b, probability)` and judgements.
pub fn cluster(
    n: usize,
    pairs: &[ScoredPair],
    judgements: &[(usize, usize, Judgement)],
    opts: ClusterOptions,
) -> Result<Clustering, Contradiction> {
    cluster_with_persons(n, pairs, judgements, opts, None)
}

/// Joins the components of `a` and `b`; the joined root holds the existing persons of both.
fn join(uf: &mut UnionFind, held: &mut [Vec<u32>], a: usize, b: usize) {
    let (ra, rb) = (uf.find(a), uf.find(b));
    uf.union(a, b);
    let root = uf.find(a);
    let mut both = std::mem::take(&mut held[ra]);
    both.extend(std::mem::take(&mut held[rb]));
    both.sort_unstable();
    both.dedup();
    held[root] = both;
}

/// As [`cluster`], knowing the person each record belonged to before (`existing[i]`): a merge
/// that would join two existing persons — a new record bridging them, or two persons that now
/// look alike — is never made automatically; the pair goes to review instead. Only a human
/// "same" joins existing persons.
pub fn cluster_with_persons(
    n: usize,
    pairs: &[ScoredPair],
    judgements: &[(usize, usize, Judgement)],
    opts: ClusterOptions,
    existing: Option<&[Option<u32>]>,
) -> Result<Clustering, Contradiction> {
    let mut uf = UnionFind::new(n);
    // The existing persons each component holds (by root).
    let mut held: Vec<Vec<u32>> =
        (0..n).map(|i| existing.and_then(|e| e.get(i).copied().flatten()).into_iter().collect()).collect();
    if let (true, Some(existing)) = (opts.keep_existing, existing) {
        let mut first: FxHashMap<u32, usize> = FxHashMap::default();
        for (i, p) in existing.iter().enumerate().take(n) {
            if let Some(p) = p {
                let f = *first.entry(*p).or_insert(i);
                if f != i {
                    join(&mut uf, &mut held, f, i);
                }
            }
        }
    }
    // Human "same" first: always kept.
    for &(a, b, j) in judgements {
        if j == Judgement::Same && a < n && b < n {
            join(&mut uf, &mut held, a, b);
        }
    }
    // Human "different": refused if the "same" judgements already join the two.
    for &(a, b, j) in judgements {
        if j == Judgement::Different && a < n && b < n {
            let (ra, rb) = (uf.find(a), uf.find(b));
            if ra == rb {
                return Err(Contradiction { a, b });
            }
            uf.apart[ra].push(b);
            uf.apart[rb].push(a);
        }
    }
    let judged_pairs: std::collections::HashSet<(usize, usize)> =
        judgements.iter().map(|&(x, y, _)| (x.min(y), x.max(y))).collect();
    let judged = |a: usize, b: usize| judged_pairs.contains(&(a.min(b), a.max(b)));
    // Merges, strongest first, never across a "different".
    // Only pairs that may merge or go to review are walked, strongest first; the others count
    // in the means between groups only. (No list of all the valid pairs is made: at a million
    // records, 60 million of them, it was the link's peak of memory.)
    let lowest = opts.review_from.min(opts.merge_at);
    let mut order: Vec<u32> = (0..pairs.len() as u32)
        .filter(|&k| {
            let (a, b, p) = pairs[k as usize];
            (a as usize) < n && (b as usize) < n && p >= lowest
        })
        .collect();
    order.sort_unstable_by(|&x, &y| pairs[y as usize].2.total_cmp(&pairs[x as usize].2).then(x.cmp(&y)));
    let mut review = Vec::new();
    let mut refused = Vec::new();
    let neighbours = Neighbours::new(n, pairs);
    // The records of each group (by root), and the merges already held back (by the roots and
    // sizes of both groups: a group that grew is looked at again).
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); n];
    for i in 0..n {
        members[uf.find(i)].push(i as u32);
    }
    let mut held_back: std::collections::HashSet<(usize, usize, usize, usize)> = Default::default();
    let mut unlike_groups = 0usize;
    for &k in &order {
        let (a, b, p) = pairs[k as usize];
        let (a, b) = (a as usize, b as usize);
        if judged(a, b) {
            continue;
        }
        if p >= opts.merge_at {
            let (ra, rb) = (uf.find(a), uf.find(b));
            if ra == rb {
                continue;
            }
            if uf.forbidden(a, b) {
                refused.push((a, b, p));
            } else if !held[ra].is_empty() && !held[rb].is_empty() && held[ra] != held[rb] {
                // Two existing persons: a human decides.
                review.push((a, b, p));
            } else {
                let (small, big) = if members[ra].len() <= members[rb].len() { (ra, rb) } else { (rb, ra) };
                let key = (small, big, members[small].len(), members[big].len());
                let unlike = held_back.contains(&key) || {
                    let (mean, count) = neighbours.mean_between(&mut uf, &members[small], big);
                    count > 1 && mean < opts.min_mean_between
                };
                if unlike {
                    held_back.insert(key);
                    unlike_groups += 1;
                    review.push((a, b, p));
                    continue;
                }
                join(&mut uf, &mut held, a, b);
                let root = uf.find(a);
                let moved = std::mem::take(&mut members[if root == ra { rb } else { ra }]);
                members[root].extend(moved);
            }
        } else if p >= opts.review_from && uf.find(a) != uf.find(b) {
            review.push((a, b, p));
        }
    }
    review.retain(|&(a, b, _)| uf.find(a) != uf.find(b));
    review_order(&mut review, (opts.review_from, opts.merge_at));
    let person = (0..n).map(|i| uf.find(i)).collect();
    Ok(Clustering { person, review, refused, unlike_groups })
}

/// The pairs to review, one per two persons: the strongest pair between them (on a tie, the
/// first by record ids), in record order. A decision on it decides theirs — "same" makes one
/// person of the two, "different" keeps them apart —, so the queue asks once; after a
/// "different", the next pair between them (a record merged wrongly on one side may be the
/// other's true match). Pairs whose records are one person now are left out. `person_of`: the
/// person of a record.
pub fn one_per_two_persons<T, P>(pairs: &[(T, T, f64)], person_of: impl Fn(T) -> P) -> Vec<(T, T, f64)>
where
    T: Copy + Ord,
    P: Ord,
{
    let mut best: std::collections::BTreeMap<(P, P), (T, T, f64)> = Default::default();
    for &(a, b, p) in pairs {
        let (pa, pb) = (person_of(a), person_of(b));
        if pa == pb {
            continue;
        }
        let key = if pa < pb { (pa, pb) } else { (pb, pa) };
        let pair = (a.min(b), a.max(b), p);
        match best.entry(key) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(pair);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let held = *o.get();
                if p > held.2 || (p == held.2 && (pair.0, pair.1) < (held.0, held.1)) {
                    o.insert(pair);
                }
            }
        }
    }
    let mut out: Vec<(T, T, f64)> = best.into_values().collect();
    out.sort_by_key(|x| (x.0, x.1));
    out
}

/// How wide a step of uncertainty is when ordering the review queue: pairs whose probabilities
/// lie within one step of the same distance from the band's middle count as equally uncertain.
pub const REVIEW_STEP: f64 = 0.05;

/// Puts pairs to review in the order a reviewer should see them, given the review band
/// `(from, merge_at)` of the link that found them:
/// 1. the least certain first: by the distance of the probability from the middle of the band,
///    in steps of [`REVIEW_STEP`] (a pair at the middle is the one the model knows least about;
///    pairs sent to review above the merge threshold, whose groups look unlike, come late);
/// 2. among equally uncertain pairs, the one that shares a record with most other pairs in
///    the queue first: its decision bears on theirs (a "same" puts the shared record's other
///    pairs in a new light, and settles some as one person);
/// 3. then by record ids, so that the order is the same every time.
pub fn review_order<T: Copy + Ord + std::hash::Hash>(pairs: &mut [(T, T, f64)], band: (f64, f64)) {
    let mid = (band.0 + band.1) / 2.0;
    let mut degree: std::collections::HashMap<T, usize> = std::collections::HashMap::new();
    for &(a, b, _) in pairs.iter() {
        *degree.entry(a).or_default() += 1;
        *degree.entry(b).or_default() += 1;
    }
    let step = |p: f64| ((p - mid).abs() / REVIEW_STEP).floor() as i64;
    // Pairs that share a record with this one (each record's pairs, this one excepted).
    let others = |a: &T, b: &T| degree.get(a).copied().unwrap_or(1) + degree.get(b).copied().unwrap_or(1) - 2;
    pairs.sort_by(|x, y| {
        step(x.2)
            .cmp(&step(y.2))
            .then_with(|| others(&y.0, &y.1).cmp(&others(&x.0, &x.1)))
            .then_with(|| (x.0, x.1).cmp(&(y.0, y.1)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strong_pairs_merge_review_band_waits_weak_pairs_stay_apart() {
        let c = cluster(4, &[(0, 1, 0.99), (1, 2, 0.7), (2, 3, 0.1)], &[], ClusterOptions::default()).expect("ok");
        assert_eq!(c.person[0], c.person[1]);
        assert_ne!(c.person[1], c.person[2]);
        assert_ne!(c.person[2], c.person[3]);
        assert_eq!(c.review, vec![(1, 2, 0.7)]);
    }

    #[test]
    fn two_persons_are_asked_about_once_and_again_after_a_different() {
        // Persons {0, 1} and {2, 3}: three pairs between them in the band, all kept by the
        // clustering; the queue asks about the two persons once, with the strongest pair.
        let pairs = [(0, 1, 0.99), (2, 3, 0.99), (0, 2, 0.6), (1, 3, 0.8), (1, 2, 0.7), (3, 4, 0.55)];
        let c = cluster(5, &pairs, &[], ClusterOptions::default()).expect("ok");
        assert_eq!(c.review.len(), 4);
        let asked = one_per_two_persons(&c.review, |r| c.person[r]);
        assert_eq!(asked, vec![(1, 3, 0.8), (3, 4, 0.55)]);
        // A "different" on that pair: the next pair between the two persons is asked (one side
        // may hold a record merged wrongly, whose true match is on the other).
        let undecided: Vec<_> = c.review.iter().copied().filter(|p| (p.0, p.1) != (1, 3)).collect();
        assert_eq!(one_per_two_persons(&undecided, |r| c.person[r]), vec![(1, 2, 0.7), (3, 4, 0.55)]);
    }

    #[test]
    fn a_different_judgement_splits_along_the_weakest_link() {
        // 0-1 strong, 1-2 weaker, 0 judged different from 2: the 1-2 link is the one refused.
        let c = cluster(3, &[(0, 1, 0.999), (1, 2, 0.96)], &[(0, 2, Judgement::Different)], ClusterOptions::default())
            .expect("ok");
        assert_eq!(c.person[0], c.person[1]);
        assert_ne!(c.person[1], c.person[2]);
        assert_eq!(c.refused, vec![(1, 2, 0.96)]);
    }

    #[test]
    fn one_strong_pair_does_not_join_groups_whose_other_records_look_unlike() {
        // Records 0, 1, 2 are one person; 3 matches 2 strongly but 0 and 1 weakly: 3 is a
        // namesake bridging in, and goes to review.
        let pairs = [(0, 1, 0.999), (1, 2, 0.99), (0, 2, 0.98), (2, 3, 0.97), (0, 3, 0.1), (1, 3, 0.2)];
        let c = cluster(4, &pairs, &[], ClusterOptions::default()).expect("ok");
        assert!(c.person[0] == c.person[1] && c.person[1] == c.person[2]);
        assert_ne!(c.person[2], c.person[3]);
        assert_eq!((c.unlike_groups, c.review.clone()), (1, vec![(2, 3, 0.97)]));
        // The same, with the other records merely unsure of 3: joined.
        let pairs = [(0, 1, 0.999), (1, 2, 0.99), (0, 2, 0.98), (2, 3, 0.97), (0, 3, 0.4), (1, 3, 0.6)];
        let c = cluster(4, &pairs, &[], ClusterOptions::default()).expect("ok");
        assert_eq!(c.person[2], c.person[3]);
        assert_eq!(c.unlike_groups, 0);
        // Switched off, the strong pair alone joins them.
        let off = ClusterOptions { min_mean_between: 0.0, ..Default::default() };
        let c =
            cluster(4, &[(0, 1, 0.999), (2, 3, 0.97), (0, 3, 0.1), (1, 3, 0.2), (1, 2, 0.99)], &[], off).expect("ok");
        assert_eq!(c.person[0], c.person[3]);
    }

    #[test]
    fn a_same_judgement_counts_its_records_as_one_group() {
        // 0 = 1 by judgement; 2 matches 1 strongly but 0 not at all: held back.
        let c = cluster(3, &[(1, 2, 0.96), (0, 2, 0.01)], &[(0, 1, Judgement::Same)], ClusterOptions::default())
            .expect("ok");
        assert_eq!(c.person[0], c.person[1]);
        assert_ne!(c.person[1], c.person[2]);
    }

    #[test]
    fn a_same_judgement_is_kept_whatever_the_score() {
        let c = cluster(2, &[(0, 1, 0.01)], &[(0, 1, Judgement::Same)], ClusterOptions::default()).expect("ok");
        assert_eq!(c.person[0], c.person[1]);
    }

    #[test]
    fn a_new_record_that_would_join_two_existing_persons_goes_to_review() {
        // Records 0 and 1 were persons 7 and 8; record 2 is new and matches both strongly.
        let existing = [Some(7), Some(8), None];
        let c = cluster_with_persons(3, &[(0, 2, 0.99), (1, 2, 0.98)], &[], ClusterOptions::default(), Some(&existing))
            .expect("ok");
        assert_eq!(c.person[0], c.person[2], "the new record joins the stronger match");
        assert_ne!(c.person[0], c.person[1], "the two existing persons stay apart");
        assert_eq!(c.review, vec![(1, 2, 0.98)]);
        // A human "same" may still join them.
        let c = cluster_with_persons(3, &[], &[(0, 1, Judgement::Same)], ClusterOptions::default(), Some(&existing))
            .expect("ok");
        assert_eq!(c.person[0], c.person[1]);
    }

    #[test]
    fn kept_persons_stay_whole_and_new_records_join_them() {
        // Records 0 and 1 are person 7, with no pair between them scored; 2 is new and matches
        // 1; 3 is new and matches nobody.
        let existing = [Some(7), Some(7), None, None];
        let keep = ClusterOptions { keep_existing: true, ..Default::default() };
        let c = cluster_with_persons(4, &[(1, 2, 0.99), (2, 3, 0.1)], &[], keep, Some(&existing)).expect("ok");
        assert!(c.person[0] == c.person[1] && c.person[1] == c.person[2]);
        assert_ne!(c.person[2], c.person[3]);
        // Without it, unscored records of one person fall apart.
        let c = cluster_with_persons(4, &[(1, 2, 0.99)], &[], ClusterOptions::default(), Some(&existing)).expect("ok");
        assert_ne!(c.person[0], c.person[1]);
    }

    #[test]
    fn contradictory_judgements_are_refused() {
        let j = [(0, 1, Judgement::Same), (1, 2, Judgement::Same), (0, 2, Judgement::Different)];
        assert_eq!(cluster(3, &[], &j, ClusterOptions::default()), Err(Contradiction { a: 0, b: 2 }));
    }

    proptest! {
        #[test]
        fn judgements_always_win_over_scores(
            n in 2usize..12,
            raw_pairs in prop::collection::vec((0u32..12, 0u32..12, 0.0f64..1.0), 0..40),
            raw_judgements in prop::collection::vec((0usize..12, 0usize..12, any::<bool>()), 0..8),
        ) {
            let pairs: Vec<_> = raw_pairs.into_iter().filter(|p| (p.0 as usize) < n && (p.1 as usize) < n && p.0 != p.1).collect();
            let judgements: Vec<_> = raw_judgements
                .into_iter()
                .filter(|j| j.0 < n && j.1 < n && j.0 != j.1)
                .map(|(a, b, s)| (a, b, if s { Judgement::Same } else { Judgement::Different }))
                .collect();
            match cluster(n, &pairs, &judgements, ClusterOptions::default()) {
                Ok(c) => {
                    for &(a, b, j) in &judgements {
                        match j {
                            Judgement::Same => prop_assert_eq!(c.person[a], c.person[b]),
                            Judgement::Different => prop_assert_ne!(c.person[a], c.person[b]),
                        }
                    }
                    // Nothing below the threshold joins records that no judgement joins.
                    for &(a, b, _) in &c.review {
                        prop_assert_ne!(c.person[a], c.person[b]);
                    }
                }
                Err(Contradiction { a, b }) => {
                    // The refusal is real: "same" judgements join a and b.
                    let same: Vec<_> = judgements.iter().filter(|j| j.2 == Judgement::Same).map(|j| (j.0 as u32, j.1 as u32, 1.0)).collect();
                    let c = cluster(n, &same, &[], ClusterOptions { merge_at: 0.5, review_from: 0.4, ..Default::default() }).expect("ok");
                    prop_assert_eq!(c.person[a], c.person[b]);
                }
            }
        }
    }

    #[test]
    fn the_review_order_follows_the_band_then_the_pairs_a_decision_bears_on() {
        // Band 0.3..0.9: the middle is 0.6.
        let mut pairs = vec![(1, 2, 0.87), (3, 4, 0.61), (5, 6, 0.37), (7, 8, 0.58), (7, 9, 0.62), (8, 10, 0.2)];
        review_order(&mut pairs, (0.3, 0.9));
        let order: Vec<(i32, i32)> = pairs.iter().map(|p| (p.0, p.1)).collect();
        // 0.58, 0.61 and 0.62 are within a step of 0.6; of them, 7-8 shares records with two
        // other pairs (7-9 and 8-10), 7-9 with one (7-8), 3-4 with none.
        assert_eq!(order[..3], [(7, 8), (7, 9), (3, 4)]);
        assert_eq!(order[3..], [(5, 6), (1, 2), (8, 10)], "then by distance from the middle");
        // The same pairs under the default band (middle 0.725): 0.87 is now as uncertain as
        // 0.58, and nearer the middle than 0.37.
        review_order(&mut pairs, (0.5, 0.95));
        let probabilities: Vec<f64> = pairs.iter().map(|p| p.2).collect();
        assert_eq!(probabilities, vec![0.58, 0.62, 0.87, 0.61, 0.37, 0.2]);
    }
}
