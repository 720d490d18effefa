//! Measuring linkage against a truth: pairwise and B-cubed precision, recall and F1; how often
//! namesakes and siblings were merged; blocking recall; a threshold sweep and the calibration of
//! the probabilities; the ceiling of what the comparisons allow; and the recall of family-style
//! searches. Owns the measures; reading the truth files and drawing charts are the front
//! door's.

use crate::error::{invalid, Result};
use crate::link::{link_records, map_with_cache, LevelCaches, PairEvidence};
use crate::{Action, Actor, Registry, RegistryError};
use athar_search::Query;
use athar_store::{LinkInput, Store};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What a truth says: the person of each record, by `source` and `source_record_id`.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    person_of: HashMap<String, String>,
}

impl Truth {
    pub fn new() -> Truth {
        Truth::default()
    }

    pub fn insert(&mut self, source: &str, source_record_id: &str, person: &str) {
        self.person_of.insert(key(source, source_record_id), person.to_string());
    }

    pub fn len(&self) -> usize {
        self.person_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.person_of.is_empty()
    }
}

fn key(source: &str, source_record_id: &str) -> String {
    format!("{source}\u{1f}{source_record_id}")
}

/// A pair of persons that must stay apart, and what they are (`namesake`, `sibling`).
#[derive(Debug, Clone)]
pub struct Trap {
    pub person_a: String,
    pub person_b: String,
    pub kind: String,
}

/// A family-style query and the person it looks for.
pub struct TruthQuery {
    pub query: Query,
    pub person: String,
}

/// A candidate pair with the truth's verdict (`None`: the truth does not know both records);
/// a true pair blocking missed has no probability.
#[derive(Debug, Clone, Serialize)]
pub struct PairVerdict {
    pub record_a: i64,
    pub record_b: i64,
    pub probability: Option<f64>,
    pub same_person: Option<bool>,
}

/// The review queue against the truth: how many pairs it holds, and the share of true pairs
/// that are either merged or within reach of a review (the two records' persons are a pair of
/// the queue, so that a reviewer who says "same" joins them).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReviewReach {
    /// Pairs waiting for review (no judgement decides them).
    pub pairs: usize,
    /// Those pairs per record evaluated.
    pub pairs_per_record: f64,
    /// True pairs merged, over all true pairs.
    pub merged: f64,
    /// True pairs merged or whose persons a review pair joins, over all true pairs.
    pub merged_or_review: f64,
}

/// How often pairs of one kind of trap were merged.
#[derive(Debug, Clone, Serialize)]
pub struct TrapRate {
    pub pairs: usize,
    pub merged: usize,
    pub merge_rate: f64,
}

/// Everything `eval` measures.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub records: usize,
    pub truth_records_not_in_database: usize,
    /// Pairwise precision and recall.
    pub pairwise: (f64, f64),
    pub bcubed: (f64, f64),
    pub traps: std::collections::BTreeMap<String, TrapRate>,
    pub blocking_recall: f64,
    pub threshold_sweep: Vec<SweepPoint>,
    /// Per tenth of probability: its lower end, the pairs the truth knows, the share of them
    /// that are one person.
    pub calibration: Vec<(f64, usize, f64)>,
    /// The model's prior and the truth's.
    pub prior: (f64, f64),
    pub ceiling: Ceiling,
    /// The same, the comparisons of the disappearance ([`DISAPPEARANCE`]) left out of every
    /// candidate pair (the same model otherwise): what they add.
    pub ceiling_without_disappearance: Ceiling,
    /// What a caseworker who works through the review queue reaches.
    pub review: ReviewReach,
    /// Recall of family-style queries, overall and by what the family gave.
    pub search: Option<SearchRecall>,
    /// Every candidate pair with its verdict, when asked for.
    #[serde(skip)]
    pub pairs: Vec<PairVerdict>,
}

impl Registry {
    /// Measures the persons and the model against `truth` (see the module documentation),
    /// noted in the audit chain as one entry (`what`: the truth's name).
    pub fn evaluate(
        &self,
        actor: &Actor,
        what: &str,
        truth: &Truth,
        traps: &[Trap],
        queries: Option<Vec<TruthQuery>>,
        want_pairs: bool,
    ) -> Result<EvalReport> {
        actor.require(Action::Link)?;
        let truth_of = &truth.person_of;
        let export = self.read(|s| Ok(s.person_export()?))?;
        let mut labels_p: HashMap<String, usize> = HashMap::new();
        let mut labels_t: HashMap<String, usize> = HashMap::new();
        let (mut pred, mut truth) = (Vec::new(), Vec::new());
        let mut person_of_truth: HashMap<String, Vec<String>> = HashMap::new();
        let mut matched = 0usize;
        // Every record's person label, the truth's records or not (a review pair may hold one
        // the truth does not know).
        let mut label_of_record: HashMap<i64, usize> = HashMap::new();
        for (p, rid, _, _) in &export {
            let p = p.clone().unwrap_or_else(|| format!("R{rid}"));
            let n = labels_p.len();
            label_of_record.insert(*rid, *labels_p.entry(p).or_insert(n));
        }
        for (p, rid, source, srid) in &export {
            let Some(t) = srid.as_deref().and_then(|s| truth_of.get(&key(source, s))) else { continue };
            matched += 1;
            let p = p.clone().unwrap_or_else(|| format!("R{rid}"));
            pred.push(labels_p[&p]);
            let n = labels_t.len();
            truth.push(*labels_t.entry(t.clone()).or_insert(n));
            person_of_truth.entry(t.clone()).or_default().push(p);
        }
        let unknown = truth_of.len() - matched;
        if matched == 0 {
            invalid!("none of the truth file's records is in the database; import the lists it describes first");
        }
        let (pp, pr) = pairwise(&pred, &truth);
        let (bp, br) = bcubed(&pred, &truth);
        let queue = self.read(crate::review::queue_pairs)?;
        let joined: Vec<(usize, usize)> =
            queue.iter().filter_map(|(a, b, _)| Some((*label_of_record.get(a)?, *label_of_record.get(b)?))).collect();
        let review = review_reach(&pred, &truth, &joined, queue.len(), export.len());
        let mut by_kind: HashMap<String, (usize, usize)> = HashMap::new();
        for t in traps {
            let (Some(pa), Some(pb)) = (person_of_truth.get(&t.person_a), person_of_truth.get(&t.person_b)) else {
                continue;
            };
            let merged = pa.iter().collect::<HashSet<_>>().intersection(&pb.iter().collect()).next().is_some();
            let e = by_kind.entry(t.kind.clone()).or_default();
            e.0 += 1;
            e.1 += merged as usize;
        }
        let traps_out = by_kind
            .into_iter()
            .map(|(k, (n, m))| {
                (k, TrapRate { pairs: n, merged: m, merge_rate: if n == 0 { 0.0 } else { m as f64 / n as f64 } })
            })
            .collect();
        // Blocking recall and a threshold sweep: candidate pairs made and scored again as the link
        // that trained the stored model made them (name tables on or off, block limit).
        let Sweep { blocking_recall, points: sweep, calibration, prior, ceiling, ceiling_without, pairs } =
            self.read(|s| sweep(s, truth_of, want_pairs))?;
        let search = match queries {
            Some(q) => {
                let asked = q.len();
                let r = self.with_index(|index| Ok(recall(index, q, truth_of)))?;
                if r.all.queries == 0 {
                    invalid!(
                        "none of the {asked} queries is for a person of the truth file: check that the queries' \
                         person_id names the truth's persons"
                    );
                }
                Some(r)
            }
            None => None,
        };
        self.audit(actor, "eval", Some(what), Some(matched as i64), None)?;
        Ok(EvalReport {
            records: matched,
            truth_records_not_in_database: unknown,
            pairwise: (pp, pr),
            bcubed: (bp, br),
            traps: traps_out,
            blocking_recall,
            threshold_sweep: sweep,
            calibration,
            prior,
            ceiling,
            ceiling_without_disappearance: ceiling_without,
            review,
            search,
            pairs,
        })
    }
}

pub fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Pairwise precision and recall of a clustering against a truth (both: label per item).
fn pairwise(pred: &[usize], truth: &[usize]) -> (f64, f64) {
    let mut by_pred: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, p) in pred.iter().enumerate() {
        by_pred.entry(*p).or_default().push(i);
    }
    let mut by_truth: HashMap<usize, usize> = HashMap::new();
    for t in truth {
        *by_truth.entry(*t).or_default() += 1;
    }
    let true_pairs: usize = by_truth.values().map(|n| n * (n - 1) / 2).sum();
    let mut pred_pairs = 0usize;
    let mut both = 0usize;
    for members in by_pred.values() {
        pred_pairs += members.len() * (members.len() - 1) / 2;
        let mut t: HashMap<usize, usize> = HashMap::new();
        for &i in members {
            *t.entry(truth[i]).or_default() += 1;
        }
        both += t.values().map(|n| n * (n - 1) / 2).sum::<usize>();
    }
    let p = if pred_pairs == 0 { 1.0 } else { both as f64 / pred_pairs as f64 };
    let r = if true_pairs == 0 { 1.0 } else { both as f64 / true_pairs as f64 };
    (p, r)
}

/// The review queue's reach (see [`ReviewReach`]): `joined` holds the persons (labels of
/// `pred`) each review pair joins — a chain of them joins its ends too, as a reviewer who says
/// "same" to each does —; `pairs` is the queue's length, `records` the registry's.
fn review_reach(
    pred: &[usize],
    truth: &[usize],
    joined: &[(usize, usize)],
    pairs: usize,
    records: usize,
) -> ReviewReach {
    // The persons a chain of review pairs joins, as one group each.
    let mut group: HashMap<usize, usize> = HashMap::new();
    fn root(group: &mut HashMap<usize, usize>, x: usize) -> usize {
        let mut r = x;
        while let Some(&up) = group.get(&r).filter(|&&up| up != r) {
            r = up;
        }
        group.insert(x, r);
        r
    }
    for &(a, b) in joined {
        let (ra, rb) = (root(&mut group, a), root(&mut group, b));
        group.insert(ra.max(rb), ra.min(rb));
    }
    // Each true person's records, counted by the person they were put in.
    let mut by_truth: HashMap<usize, HashMap<usize, usize>> = HashMap::new();
    for (p, t) in pred.iter().zip(truth) {
        *by_truth.entry(*t).or_default().entry(*p).or_default() += 1;
    }
    let (mut all, mut merged, mut reached) = (0usize, 0usize, 0usize);
    for parts in by_truth.values() {
        let parts: Vec<(usize, usize)> = parts.iter().map(|(&p, &n)| (p, n)).collect();
        for (k, &(p, n)) in parts.iter().enumerate() {
            merged += n * (n - 1) / 2;
            for &(q, m) in &parts[k + 1..] {
                all += n * m;
                if root(&mut group, p) == root(&mut group, q) {
                    reached += n * m;
                }
            }
        }
    }
    all += merged;
    let share = |n: usize| if all == 0 { 1.0 } else { n as f64 / all as f64 };
    ReviewReach {
        pairs,
        pairs_per_record: pairs as f64 / records.max(1) as f64,
        merged: share(merged),
        merged_or_review: share(merged + reached),
    }
}

/// B-cubed precision and recall.
fn bcubed(pred: &[usize], truth: &[usize]) -> (f64, f64) {
    let mut joint: HashMap<(usize, usize), usize> = HashMap::new();
    let mut psize: HashMap<usize, usize> = HashMap::new();
    let mut tsize: HashMap<usize, usize> = HashMap::new();
    for (p, t) in pred.iter().zip(truth) {
        *joint.entry((*p, *t)).or_default() += 1;
        *psize.entry(*p).or_default() += 1;
        *tsize.entry(*t).or_default() += 1;
    }
    let n = pred.len().max(1) as f64;
    let (mut p, mut r) = (0.0, 0.0);
    for (pi, ti) in pred.iter().zip(truth) {
        let j = joint[&(*pi, *ti)] as f64;
        p += j / psize[pi] as f64;
        r += j / tsize[ti] as f64;
    }
    (p / n, r / n)
}

/// (threshold, precision, recall) of one point of a sweep.
pub type SweepPoint = (f64, f64, f64);

/// What the candidate pairs, scored again, say about the link.
struct Sweep {
    blocking_recall: f64,
    points: Vec<SweepPoint>,
    /// Per tenth of probability: its lower end, the pairs the truth knows, the share of them
    /// that are one person.
    calibration: Vec<(f64, usize, f64)>,
    /// The model's prior and the truth's (true pairs over all pairs of the truth's records).
    prior: (f64, f64),
    ceiling: Ceiling,
    ceiling_without: Ceiling,
    pairs: Vec<PairVerdict>,
}

/// The comparisons of the disappearance: what a list records of the arrest and detention.
pub const DISAPPEARANCE: [athar_link::ComparisonKind; 5] = [
    athar_link::ComparisonKind::EventDate,
    athar_link::ComparisonKind::Facility,
    athar_link::ComparisonKind::ArrestPlace,
    athar_link::ComparisonKind::Registry,
    athar_link::ComparisonKind::SonName,
];

/// How far the scoring is from what its comparisons allow, on the candidate pairs alone (no
/// clustering, no judgements): the best pairwise F1 of the model's probabilities, and that of an
/// oracle that knows the true share of every pattern of comparison levels and name-frequency
/// bands. No weighting of these comparisons beats the oracle (it sees the truth), so where it
/// falls short of a goal, the records lack the evidence.
///
/// The oracle flatters itself on small patterns: a pattern of one pair is always right. So a
/// second, held-out oracle learns each pattern's share on one half of the pairs and ranks the
/// other half by it (each half in turn): about what a learner given half the truth could
/// reach with these comparisons. Its share of a pattern is `(true + p) / (seen + 1)`, the
/// model's probability `p` standing for one pair more, so that a pattern the other half saw
/// rarely or never is ranked mostly as the model ranks it. Anchored so on the model, which
/// reads exact name frequencies where a pattern has bands, and ranked pair by pair, it is not
/// bound to stay under the oracle.
#[derive(Debug, Clone, Serialize)]
pub struct Ceiling {
    pub patterns: usize,
    pub model: BestF1,
    pub oracle: BestF1,
    pub held_out: BestF1,
}

/// (F1, precision, recall) at the best cut of a ranking.
pub type BestF1 = (f64, f64, f64);

/// The best cut of groups of candidate pairs, taken in the given order: (pairs, true pairs) each.
fn best_cut(groups: impl Iterator<Item = (usize, usize)>, true_pairs: usize) -> BestF1 {
    let (mut pairs, mut hits, mut best) = (0usize, 0usize, (0.0, 0.0, 0.0));
    for (n, t) in groups {
        pairs += n;
        hits += t;
        let (p, r) = (hits as f64 / pairs.max(1) as f64, hits as f64 / true_pairs.max(1) as f64);
        if f1(p, r) > best.0 {
            best = (f1(p, r), p, r);
        }
    }
    best
}

/// A pair's pattern: each comparison's level (4 bits, 15 when missing) and the bands of how
/// common its given and family names are (a band per factor of 8 in share).
fn pattern(v: &athar_link::ComparisonVector, bands: [Option<f64>; 2]) -> u128 {
    // Every level and both bands must fit the key: a comparison more would push bits off the top.
    const _: () = assert!(athar_link::ComparisonKind::ALL.len() * 4 + 2 * 5 <= 128);
    let mut key = 0u128;
    for level in v {
        key = key << 4 | u128::from(level.map_or(15, |l| l.min(14)));
    }
    for share in bands {
        key = key << 5 | share.map_or(31, |s| ((-s.log2() / 3.0).floor().clamp(0.0, 30.0)) as u128);
    }
    key
}

fn ceiling(scored: &[athar_link::ScoredPair], patterns: &[u128], same: &[bool], true_pairs: usize) -> Ceiling {
    let mut order: Vec<usize> = (0..scored.len()).collect();
    order.sort_unstable_by(|&x, &y| scored[y].2.total_cmp(&scored[x].2));
    let model = best_cut(order.iter().map(|&k| (1, usize::from(same[k]))), true_pairs);
    let mut groups: HashMap<u128, (usize, usize)> = HashMap::new();
    for (k, key) in patterns.iter().enumerate() {
        let g = groups.entry(*key).or_default();
        g.0 += 1;
        g.1 += usize::from(same[k]);
    }
    let mut by_share: Vec<(usize, usize)> = groups.into_values().collect();
    by_share.sort_unstable_by(|x, y| (y.1 * x.0).cmp(&(x.1 * y.0)));
    let patterns_seen = by_share.len();
    let oracle = best_cut(by_share.into_iter(), true_pairs);
    Ceiling { patterns: patterns_seen, model, oracle, held_out: held_out_cut(scored, patterns, same, true_pairs) }
}

/// The half a candidate pair falls in (a hash of its place, so that neighbours of one block
/// split too).
fn half_of(k: usize) -> usize {
    ((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 63) as usize
}

/// The held-out oracle's best cut (see [`Ceiling`]).
fn held_out_cut(scored: &[athar_link::ScoredPair], patterns: &[u128], same: &[bool], true_pairs: usize) -> BestF1 {
    let mut seen: [HashMap<u128, (usize, usize)>; 2] = [HashMap::new(), HashMap::new()];
    for (k, key) in patterns.iter().enumerate() {
        let g = seen[half_of(k)].entry(*key).or_default();
        g.0 += 1;
        g.1 += usize::from(same[k]);
    }
    let share: Vec<f64> = (0..patterns.len())
        .map(|k| {
            let p = scored[k].2;
            let (n, t) = seen[1 - half_of(k)].get(&patterns[k]).copied().unwrap_or_default();
            (t as f64 + p) / (n as f64 + 1.0)
        })
        .collect();
    let mut order: Vec<usize> = (0..patterns.len()).collect();
    order.sort_unstable_by(|&x, &y| share[y].total_cmp(&share[x]).then(scored[y].2.total_cmp(&scored[x].2)));
    best_cut(order.iter().map(|&k| (1, usize::from(same[k]))), true_pairs)
}

/// Blocking recall and pairwise quality at several thresholds, from the candidate pairs scored
/// with the stored model (the default model before any link).
fn sweep(store: &Store, truth_of: &HashMap<String, String>, want_pairs: bool) -> Result<Sweep> {
    use athar_link::{candidate_pairs, cluster, default_rules, ClusterOptions, Judgement};
    // The stored model, and the pairs made as the link that trained it made them.
    let (model, _) = crate::admin::stored_model(store)?;
    let options = model
        .linked_with
        .unwrap_or(athar_link::model::LinkOptions { name_tables: true, max_block: athar_link::DEFAULT_MAX_BLOCK });
    let engine =
        if options.name_tables { athar_names::NameEngine::new() } else { athar_names::NameEngine::without_tables() };
    let inputs = store.link_inputs()?;
    let records = link_records(&engine, &inputs);
    // The truth person of each record, by position.
    let mut truth_by_id: HashMap<i64, &String> = HashMap::new();
    for (_, rid, source, srid) in &store.person_export()? {
        if let Some(t) = srid.as_deref().and_then(|s| truth_of.get(&format!("{source}\u{1f}{s}"))) {
            truth_by_id.insert(*rid, t);
        }
    }
    let truth: Vec<Option<&String>> = inputs.iter().map(|i| truth_by_id.get(&i.record_id).copied()).collect();
    let pairs = candidate_pairs(&records, &default_rules(), options.max_block).pairs;
    let mut per_truth: HashMap<&String, usize> = HashMap::new();
    for t in truth.iter().flatten() {
        *per_truth.entry(*t).or_default() += 1;
    }
    let true_pairs: usize = per_truth.values().map(|n| n * (n - 1) / 2).sum();
    let same: Vec<bool> =
        pairs.iter().map(|&(i, j)| truth[i as usize].is_some() && truth[i as usize] == truth[j as usize]).collect();
    let found = same.iter().filter(|&&s| s).count();
    let blocking_recall = if true_pairs == 0 { 1.0 } else { found as f64 / true_pairs as f64 };
    let tf = athar_link::TermFrequencies::new(&records);
    // Scored as `link` scores them.
    let caches = LevelCaches::new();
    let scored = PairEvidence::new(&caches, &engine, &records, &pairs, &model, &tf).into_scored(&model);
    let pairs_found = if want_pairs { scored_pairs(&inputs, &truth, &scored) } else { Vec::new() };
    // Each pair's pattern, and — the disappearance left out — its pattern and probability.
    let looked = map_with_cache(&caches, &pairs, |cache, &(i, j)| {
        let (a, b) = (&records[i as usize], &records[j as usize]);
        let mut v = athar_link::compare_cached(&engine, a, b, cache);
        use athar_link::ComparisonKind::{FamilyName, GivenName};
        let bands = [tf.share(GivenName, a, b), tf.share(FamilyName, a, b)];
        let with = pattern(&v, bands);
        for k in DISAPPEARANCE {
            v[k as usize] = None;
        }
        (with, pattern(&v, bands), model.probability(&v, &|k| tf.share(k, a, b)))
    });
    let patterns: Vec<u128> = looked.iter().map(|l| l.0).collect();
    let ceiling_without = {
        let without: Vec<u128> = looked.iter().map(|l| l.1).collect();
        let scored: Vec<athar_link::ScoredPair> = pairs.iter().zip(&looked).map(|(&(i, j), l)| (i, j, l.2)).collect();
        ceiling(&scored, &without, &same, true_pairs)
    };
    let ceiling = ceiling(&scored, &patterns, &same, true_pairs);
    let index: HashMap<i64, usize> = inputs.iter().enumerate().map(|(i, r)| (r.record_id, i)).collect();
    let judgements: Vec<(usize, usize, Judgement)> = store
        .judgements()?
        .iter()
        .filter_map(|j| {
            let a = *index.get(&j.record_a.parse().ok()?)?;
            let b = *index.get(&j.record_b.parse().ok()?)?;
            match j.decision.as_str() {
                "same" => Some((a, b, Judgement::Same)),
                "different" => Some((a, b, Judgement::Different)),
                _ => None,
            }
        })
        .collect();
    // Records the truth does not name are each their own person.
    let mut ids: HashMap<String, usize> = HashMap::new();
    let labels_t: Vec<usize> = truth
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let key = t.map(|s| s.to_string()).unwrap_or_else(|| format!("untruthed-{i}"));
            let n = ids.len();
            *ids.entry(key).or_insert(n)
        })
        .collect();
    let mut out = Vec::new();
    for t in [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99] {
        let c = cluster(
            records.len(),
            &scored,
            &judgements,
            ClusterOptions { merge_at: t, review_from: t, ..Default::default() },
        )
        .map_err(|c| RegistryError::Invalid(format!("{c}")))?;
        let (p, r) = pairwise(&c.person, &labels_t);
        out.push((t, p, r));
    }
    let mut bins = [(0usize, 0usize); 10];
    for &(i, j, p) in &scored {
        if let (Some(a), Some(b)) = (truth[i as usize], truth[j as usize]) {
            let bin = &mut bins[((p * 10.0) as usize).min(9)];
            bin.0 += 1;
            bin.1 += usize::from(a == b);
        }
    }
    let calibration = bins
        .iter()
        .enumerate()
        .map(|(k, &(n, same))| (k as f64 / 10.0, n, if n == 0 { 0.0 } else { same as f64 / n as f64 }))
        .collect();
    let known = truth.iter().flatten().count() as f64;
    let truth_prior = if known < 2.0 { 0.0 } else { true_pairs as f64 / (known * (known - 1.0) / 2.0) };
    Ok(Sweep {
        blocking_recall,
        points: out,
        calibration,
        prior: (model.prior, truth_prior),
        ceiling,
        ceiling_without,
        pairs: pairs_found,
    })
}

/// The scored candidate pairs with the truth's verdict, then the true pairs blocking missed.
fn scored_pairs(
    inputs: &[LinkInput],
    truth: &[Option<&String>],
    scored: &[athar_link::ScoredPair],
) -> Vec<PairVerdict> {
    let mut w = Vec::new();
    let verdict = |i: usize, j: usize| match (truth[i], truth[j]) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    let mut seen = HashSet::new();
    for &(i, j, p) in scored {
        let (i, j) = (i as usize, j as usize);
        seen.insert((i.min(j), i.max(j)));
        w.push(PairVerdict {
            record_a: inputs[i].record_id,
            record_b: inputs[j].record_id,
            probability: Some(p),
            same_person: verdict(i, j),
        });
    }
    let mut by_truth: HashMap<&String, Vec<usize>> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        if let Some(t) = t {
            by_truth.entry(*t).or_default().push(i);
        }
    }
    for members in by_truth.values() {
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                if !seen.contains(&(i.min(j), i.max(j))) {
                    w.push(PairVerdict {
                        record_a: inputs[i].record_id,
                        record_b: inputs[j].record_id,
                        probability: None,
                        same_person: Some(true),
                    });
                }
            }
        }
    }
    w
}

/// Recall@1 and recall@10 of some queries: how many, and the share whose person (in the
/// registry) comes first, or among the first ten.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RecallAt {
    pub queries: usize,
    pub at_1: f64,
    pub at_10: f64,
}

/// Recall of family-style queries against the truth, overall and by what the family gave
/// (the mother's name, the birth year), and how the search's ambiguity flag fell: on the
/// name-only queries it missed (the flag is what tells the caseworker to ask for more), and on
/// the queries whose person it ranked first (a flag there is a needless doubt).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchRecall {
    pub all: RecallAt,
    /// Queries that carry the mother's name or the birth year.
    pub mother_or_year: RecallAt,
    /// Queries that carry both.
    pub mother_and_year: RecallAt,
    /// The queries that carry both, by what the person's records in the registry give: the
    /// mother's name and a birth year (on one record or two), a year only, the mother's name
    /// only, neither. A search cannot find a person by a field no record of theirs gives:
    /// among namesakes, such a query is ambiguous whatever the ranking.
    pub mother_and_year_by_records: [RecallAt; 4],
    /// Queries that carry neither (a name, perhaps with a father's name, a place, a date of
    /// arrest or a facility).
    pub name_only: RecallAt,
    /// Name-only queries whose person is not among the first ten, and how many of them the
    /// search said were ambiguous.
    pub name_only_missed: usize,
    pub name_only_missed_flagged: usize,
    /// Queries whose person is not among the first ten, and how many of them the search never
    /// scored a record of the person for (none was among its candidates): a miss of finding,
    /// not of ranking.
    pub missed: usize,
    pub missed_unscored: usize,
    /// Queries the search refused (a name it cannot read, a date it cannot read): counted as
    /// missed.
    pub refused: usize,
    /// Queries whose person comes first, and how many of them were flagged ambiguous.
    pub first: usize,
    pub first_flagged: usize,
}

/// Recall@1 and recall@10 of family-style queries against the truth (see [`SearchRecall`]):
/// the queries whose person is in the registry.
fn recall(index: &athar_search::Index, queries: Vec<TruthQuery>, truth: &HashMap<String, String>) -> SearchRecall {
    let in_registry: HashSet<&String> = truth.values().collect();
    // Whether some record of each person gives the mother's name, and a birth year.
    let mut gives: HashMap<&String, (bool, bool)> = HashMap::new();
    for (r, mother, year) in index.mother_and_year_given() {
        if let Some(p) = truth.get(&key(&r.source, r.source_record_id.as_deref().unwrap_or(""))) {
            let e = gives.entry(p).or_default();
            (e.0, e.1) = (e.0 || mother, e.1 || year);
        }
    }
    // Per group (all, mother or year, both, neither): queries, first, among ten; then the
    // queries with both, by what the person's records give (both, the year, the mother's
    // name, neither).
    let mut counts = [[0usize; 3]; 8];
    let mut out = SearchRecall::default();
    for q in queries {
        if !in_registry.contains(&q.person) {
            continue;
        }
        let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        let (mother, year) = (given(&q.query.mother), given(&q.query.born));
        let (m, y) = gives.get(&q.person).copied().unwrap_or_default();
        let both = mother && year;
        let groups = [
            true,
            mother || year,
            both,
            !mother && !year,
            both && m && y,
            both && !m && y,
            both && m && !y,
            both && !m && !y,
        ];
        let query = crate::search::checked_query(q.query).ok();
        let found = query.as_ref().and_then(|query| index.search(query, 10).ok());
        let ours = |x: &&athar_search::RecordRef| {
            truth.get(&key(&x.source, x.source_record_id.as_deref().unwrap_or(""))) == Some(&q.person)
        };
        let rank =
            found.as_ref().and_then(|found| found.results.iter().position(|m| m.records.iter().any(|x| ours(&x))));
        let flagged = found.as_ref().is_some_and(|f| f.ambiguous.is_some());
        for (g, _) in groups.iter().enumerate().filter(|(_, inside)| **inside) {
            counts[g][0] += 1;
            counts[g][1] += usize::from(rank == Some(0));
            counts[g][2] += usize::from(rank.is_some());
        }
        if rank == Some(0) {
            out.first += 1;
            out.first_flagged += usize::from(flagged);
        }
        if rank.is_none() {
            out.missed += 1;
            // A query the checks refuse is counted apart: it scored nothing, but not for want
            // of finding.
            match query.as_ref().map(|query| index.candidate_records(query)) {
                Some(Ok(scored)) => out.missed_unscored += usize::from(!scored.iter().any(ours)),
                _ => out.refused += 1,
            }
        }
        if rank.is_none() && !mother && !year {
            out.name_only_missed += 1;
            out.name_only_missed_flagged += usize::from(flagged);
        }
    }
    let at = |[n, first, ten]: [usize; 3]| {
        let r = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
        RecallAt { queries: n, at_1: r(first), at_10: r(ten) }
    };
    (out.all, out.mother_or_year, out.mother_and_year, out.name_only) =
        (at(counts[0]), at(counts[1]), at(counts[2]), at(counts[3]));
    out.mother_and_year_by_records = [at(counts[4]), at(counts[5]), at(counts[6]), at(counts[7])];
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_recall_is_told_by_what_the_family_gave_and_the_ambiguity_flag_is_counted() {
        use athar_search::{Index, IndexEntry, Query, RecordRef};
        let engine = athar_names::NameEngine::new();
        let mut entries = Vec::new();
        let mut truth = HashMap::new();
        let mut add = |person: &str, fields: &[(&str, &str)]| {
            let id = entries.len() as i64 + 1;
            let source_id = format!("r{id}");
            truth.insert(key("reg", &source_id), person.to_string());
            entries.push(IndexEntry {
                record: athar_link::LinkRecord::from_fields(&engine, &source_id, fields, None),
                reference: RecordRef::new(id, person, "reg", Some(&source_id)),
                facility: None,
                status: None,
            });
        };
        // Fourteen namesakes, then the person looked for (whose id sorts last among equals).
        for i in 0..14 {
            let born = (1950 + i).to_string();
            add(
                &format!("p{i:02}"),
                &[("full_name", "Mohammed Halabi"), ("mother_name", "Zainab"), ("birth_date", &born)],
            );
        }
        add("z-sought", &[("full_name", "Mohammed Halabi"), ("mother_name", "Fatima"), ("birth_date", "1985")]);
        add("khatib", &[("full_name", "Ahmad Khatib"), ("birth_date", "1990")]);
        let index = Index::new(engine, entries, None);
        let ask = |name: &str, mother: Option<&str>, born: Option<&str>, person: &str| TruthQuery {
            query: Query {
                name: Some(name.into()),
                mother: mother.map(str::to_string),
                born: born.map(str::to_string),
                ..Query::default()
            },
            person: person.into(),
        };
        let queries = vec![
            ask("Muhammad al-Halabi", Some("Fatima"), Some("1985"), "z-sought"),
            ask("Ahmad Khatib", None, Some("1990"), "khatib"),
            // The name alone: fifteen persons fit it as well; the one sought is not in the ten.
            ask("Mohammed Halabi", None, None, "z-sought"),
            // A birth date the checks refuse: missed, and counted as refused.
            ask("Ahmad Khatib", None, Some("31/13/1990"), "khatib"),
            // A person the registry does not hold: not counted.
            ask("Omar Shami", None, Some("1970"), "nobody"),
        ];
        let r = recall(&index, queries, &truth);
        assert_eq!(r.all, RecallAt { queries: 4, at_1: 0.5, at_10: 0.5 });
        assert_eq!(r.mother_or_year, RecallAt { queries: 3, at_1: 2.0 / 3.0, at_10: 2.0 / 3.0 });
        assert_eq!(r.mother_and_year, RecallAt { queries: 1, at_1: 1.0, at_10: 1.0 });
        assert_eq!(r.name_only, RecallAt { queries: 1, at_1: 0.0, at_10: 0.0 });
        assert_eq!((r.name_only_missed, r.name_only_missed_flagged), (1, 1), "the miss is said to be ambiguous");
        assert_eq!((r.first, r.first_flagged), (2, 0), "no needless doubt where the family gave enough");
        assert_eq!(
            (r.missed, r.missed_unscored, r.refused),
            (2, 0, 1),
            "the namesakes' person was scored, and ranked past ten; the unreadable date refused"
        );
        let none = RecallAt::default();
        assert_eq!(
            r.mother_and_year_by_records,
            [RecallAt { queries: 1, at_1: 1.0, at_10: 1.0 }, none, none, none],
            "the one query with both: its person's record gives both"
        );
    }

    #[test]
    fn the_ceiling_knows_what_a_ranking_gets_wrong() {
        // Four candidate pairs, two true, out of three true pairs (one missed by blocking). The
        // model ranks a false pair first; the patterns separate true from false.
        let scored = [(0, 1, 0.9), (0, 2, 0.8), (1, 2, 0.1), (2, 3, 0.05)];
        let same = [false, true, true, false];
        let patterns = [7, 1, 1, 7];
        let c = ceiling(&scored, &patterns, &same, 3);
        assert_eq!(c.patterns, 2);
        // Oracle: take pattern 1 only: precision 1, recall 2/3.
        assert!((c.oracle.0 - 0.8).abs() < 1e-9, "{:?}", c.oracle);
        // The model's best cut is all but the last pair: precision 2/3, recall 2/3.
        assert!((c.model.0 - 2.0 / 3.0).abs() < 1e-9, "{:?}", c.model);
        // A pattern knows each level and each band apart.
        let mut v: athar_link::ComparisonVector = [None; athar_link::ComparisonKind::ALL.len()];
        (v[0], v[3], v[6]) = (Some(0), Some(1), Some(2));
        let mut w = v;
        w[6] = Some(3);
        assert_ne!(pattern(&v, [Some(0.01), None]), pattern(&w, [Some(0.01), None]));
        assert_ne!(pattern(&v, [Some(0.01), None]), pattern(&v, [Some(0.0001), None]));
        assert_eq!(pattern(&v, [Some(0.01), None]), pattern(&v, [Some(0.011), None]));
    }

    #[test]
    fn the_held_out_oracle_is_not_flattered_by_a_pattern_of_one_pair() {
        // Twenty true pairs of pattern 1 the model ranks second, twenty false of pattern 2 it
        // ranks first, and one true pair of a pattern of its own that it ranks last.
        let mut scored = Vec::new();
        let (mut patterns, mut same) = (Vec::new(), Vec::new());
        for k in 0..41u32 {
            let (pattern, truly, p) = match k {
                0..20 => (1, true, 0.5),
                20..40 => (2, false, 0.6),
                _ => (9, true, 0.0),
            };
            scored.push((k, k + 1, p));
            patterns.push(pattern);
            same.push(truly);
        }
        let c = ceiling(&scored, &patterns, &same, 21);
        // The oracle takes pattern 9's one pair for sure: every true pair, nothing false.
        assert!((c.oracle.0 - 1.0).abs() < 1e-9, "{:?}", c.oracle);
        // Held out, pattern 1 is learnt on each half for the other, pattern 2 too; pattern 9
        // was never seen by the other half: ranked as the model ranks it, last.
        let twenty_of_21 = 2.0 * (20.0 / 21.0) / (1.0 + 20.0 / 21.0);
        assert!((c.held_out.0 - twenty_of_21).abs() < 1e-9, "{:?}", c.held_out);
        assert!(c.model.0 < 0.7, "{:?}", c.model);
    }

    #[test]
    fn the_review_queue_reaches_the_true_pairs_its_pairs_join() {
        // One true person of four records, put in three persons: {0,1}, {2}, {3}.
        let pred = [0, 0, 1, 2, 3];
        let truth = [7, 7, 7, 7, 8];
        // Six true pairs; one merged.
        let none = review_reach(&pred, &truth, &[], 0, 5);
        assert!((none.merged - 1.0 / 6.0).abs() < 1e-9 && (none.merged_or_review - none.merged).abs() < 1e-9);
        // A review pair joins {0,1} with {2}: two more true pairs within reach; one between
        // persons of different true persons reaches none.
        let some = review_reach(&pred, &truth, &[(1, 0), (2, 3)], 2, 5);
        assert!((some.merged_or_review - 3.0 / 6.0).abs() < 1e-9, "{some:?}");
        // Review pairs per record of the registry (the truth may know fewer).
        assert!((some.pairs_per_record - 2.0 / 5.0).abs() < 1e-9);
        assert!((review_reach(&pred, &truth, &[], 2, 10).pairs_per_record - 0.2).abs() < 1e-9);
        // A chain {0,1} – {2} – {3}: a reviewer who says "same" twice joins all four records.
        let chain = review_reach(&pred, &truth, &[(0, 1), (1, 2)], 2, 5);
        assert!((chain.merged_or_review - 1.0).abs() < 1e-9, "{chain:?}");
    }

    #[test]
    fn pairwise_and_bcubed_on_a_known_example() {
        // Truth: {0,1,2} {3}; prediction: {0,1} {2,3}.
        let truth = [0, 0, 0, 1];
        let pred = [0, 0, 1, 1];
        let (p, r) = pairwise(&pred, &truth);
        assert!((p - 0.5).abs() < 1e-12 && (r - 1.0 / 3.0).abs() < 1e-12);
        let (bp, br) = bcubed(&pred, &truth);
        assert!((bp - 0.75).abs() < 1e-12, "{bp}");
        assert!((br - (2.0 / 3.0 + 2.0 / 3.0 + 1.0 / 3.0 + 1.0) / 4.0).abs() < 1e-12, "{br}");
        assert_eq!(pairwise(&truth, &truth), (1.0, 1.0));
    }
}
