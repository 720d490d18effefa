//! Clustering scored pairs into persons, under human control.
//!
//! Owns the rules that make persons from pairs: a human "same" is always kept, a human "not
//! the same" is never crossed (a merge that would join two records judged different is refused,
//! so a component splits along its weakest links: pairs are merged strongest first), pairs at
//! or above the merge threshold are merged, pairs in the review band are listed for review and
//! never merged automatically, and contradictory judgements (A = B, B = C, A ≠ C) are refused.
//! Does not score pairs (see `model`) or keep ids stable across runs (the store's job).

use serde::Serialize;

/// A human decision about two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    Same,
    Different,
}

/// Thresholds of clustering.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterOptions {
    /// Pairs at or above this probability are merged (default 0.95).
    pub merge_at: f64,
    /// Pairs with a probability in `[review_from, merge_at)` go to review (default 0.5).
    pub review_from: f64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions { merge_at: 0.95, review_from: 0.5 }
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
    pairs: &[(usize, usize, f64)],
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
    pairs: &[(usize, usize, f64)],
    judgements: &[(usize, usize, Judgement)],
    opts: ClusterOptions,
    existing: Option<&[Option<u32>]>,
) -> Result<Clustering, Contradiction> {
    let mut uf = UnionFind::new(n);
    // The existing persons each component holds (by root).
    let mut held: Vec<Vec<u32>> =
        (0..n).map(|i| existing.and_then(|e| e.get(i).copied().flatten()).into_iter().collect()).collect();
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
    let mut order: Vec<&(usize, usize, f64)> = pairs.iter().filter(|p| p.0 < n && p.1 < n).collect();
    order.sort_by(|x, y| y.2.partial_cmp(&x.2).unwrap_or(std::cmp::Ordering::Equal));
    let mut review = Vec::new();
    let mut refused = Vec::new();
    for &&(a, b, p) in &order {
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
                join(&mut uf, &mut held, a, b);
            }
        } else if p >= opts.review_from && uf.find(a) != uf.find(b) {
            review.push((a, b, p));
        }
    }
    // Most useful to review: the least certain first.
    let mid = (opts.review_from + opts.merge_at) / 2.0;
    review.retain(|&(a, b, _)| uf.find(a) != uf.find(b));
    review.sort_by(|x, y| (x.2 - mid).abs().partial_cmp(&(y.2 - mid).abs()).unwrap_or(std::cmp::Ordering::Equal));
    let person = (0..n).map(|i| uf.find(i)).collect();
    Ok(Clustering { person, review, refused })
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
    fn a_different_judgement_splits_along_the_weakest_link() {
        // 0-1 strong, 1-2 weaker, 0 judged different from 2: the 1-2 link is the one refused.
        let c = cluster(3, &[(0, 1, 0.999), (1, 2, 0.96)], &[(0, 2, Judgement::Different)], ClusterOptions::default())
            .expect("ok");
        assert_eq!(c.person[0], c.person[1]);
        assert_ne!(c.person[1], c.person[2]);
        assert_eq!(c.refused, vec![(1, 2, 0.96)]);
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
    fn contradictory_judgements_are_refused() {
        let j = [(0, 1, Judgement::Same), (1, 2, Judgement::Same), (0, 2, Judgement::Different)];
        assert_eq!(cluster(3, &[], &j, ClusterOptions::default()), Err(Contradiction { a: 0, b: 2 }));
    }

    proptest! {
        #[test]
        fn judgements_always_win_over_scores(
            n in 2usize..12,
            raw_pairs in prop::collection::vec((0usize..12, 0usize..12, 0.0f64..1.0), 0..40),
            raw_judgements in prop::collection::vec((0usize..12, 0usize..12, any::<bool>()), 0..8),
        ) {
            let pairs: Vec<_> = raw_pairs.into_iter().filter(|p| p.0 < n && p.1 < n && p.0 != p.1).collect();
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
                    let same: Vec<_> = judgements.iter().filter(|j| j.2 == Judgement::Same).map(|j| (j.0, j.1, 1.0)).collect();
                    let c = cluster(n, &same, &[], ClusterOptions { merge_at: 0.5, review_from: 0.4 }).expect("ok");
                    prop_assert_eq!(c.person[a], c.person[b]);
                }
            }
        }
    }
}
