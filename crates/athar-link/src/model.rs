//! The Fellegi–Sunter model: m and u per comparison level, a prior, match weights, EM.
//!
//! Owns the model document (versioned JSON a person can read and edit), the estimation of u
//! from random pairs, the estimation of m (and of the share of matches among candidate pairs)
//! by expectation–maximisation over blocked pairs — never training a comparison's m on pairs
//! that were blocked on that same field — the term-frequency adjustment of exact name
//! agreement, and the explanation of a score as a waterfall of weights. Does not choose pairs
//! (blocking) or make persons (clustering).

use crate::comparison::{ComparisonKind, ComparisonVector};
use serde::{Deserialize, Serialize};

/// Version of the model document (2: birth dates known to the day that differ have a level of
/// their own; relatives).
pub const MODEL_VERSION: u32 = 2;

/// Most bits a term-frequency adjustment may add.
pub const MAX_TF_BITS: f64 = 3.0;

/// Smallest probability a level may have: keeps weights finite.
const EPS: f64 = 1e-6;

/// m and u of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelParams {
    pub label: String,
    /// P(this level | the records are the same person).
    pub m: f64,
    /// P(this level | the records are different persons).
    pub u: f64,
}

impl LevelParams {
    /// The match weight of this level, in bits: log2(m / u).
    pub fn weight(&self) -> f64 {
        (self.m.max(EPS) / self.u.max(EPS)).log2()
    }
}

/// The levels of one comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonParams {
    pub comparison: ComparisonKind,
    pub levels: Vec<LevelParams>,
}

/// How training went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmReport {
    /// The blocking rule whose pairs it trained on (empty in models written before it was kept).
    #[serde(default)]
    pub rule: String,
    pub iterations: usize,
    pub converged: bool,
    /// The largest change of any parameter in the last iteration.
    pub last_delta: f64,
    /// Share of matches among the training pairs.
    pub match_share: f64,
}

/// A model: the prior and every comparison's levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FsModel {
    pub version: u32,
    /// Probability that two records drawn at random are the same person.
    pub prior: f64,
    pub comparisons: Vec<ComparisonParams>,
    /// Pairs of relatives — records of two brothers, sisters or cousins, who share the
    /// family's names (father, grandfather, mother, family name, birth place) — per pair of
    /// records of the same person. Fellegi–Sunter counts each agreeing family field as
    /// independent evidence, so two brothers who agree on five of them outweigh their
    /// different given names and birth dates. A third class of pairs corrects it: relatives
    /// are as alike as one person on the family's fields and as unlike as strangers on the
    /// person's own (given name, birth date, sex, national id), so
    /// `P(same) = 1 / (1 + 2^-W + relatives · 2^-W_own)`, with `W` the total weight and
    /// `W_own` the weight of the person's own fields. The class counts only for pairs that
    /// share a parent's name (father, grandfather, mother): relatives share parents, and a
    /// family name and birth place alone are shared by too many; and not for pairs whose given
    /// names agree and who share a father or a mother: parents do not give two children one
    /// name, and a record beside its own copy in another script must not read as two brothers
    /// (cousins named after one grandfather still do). 0 switches it off.
    ///
    /// Set, not estimated: among the candidate pairs rich enough to tell, the ratio depends on
    /// how complete each list is (a register records brothers in full, a news list records one
    /// person in part), and estimates ranged from 0.09 to 0.75 on data with a true ratio near
    /// 0.12. On 10,000 generated persons, 0.1 left none of 430 sibling pairs merged (22
    /// before) and raised the best pairwise F1 from 0.872 to 0.879.
    #[serde(default = "default_relatives")]
    pub relatives: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<Vec<EmReport>>,
    /// How the pairs it was trained and scored on were made, so that a later measurement
    /// (`athar eval`) makes them the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_with: Option<LinkOptions>,
    /// What the model was trained on: a model trained on a small first list is stale for a
    /// registry that has grown well past it, and thin when it saw too few pairs to trust.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_on: Option<TrainedOn>,
}

/// What a model was trained on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainedOn {
    /// Records in the registry.
    pub records: usize,
    /// Candidate pairs (the pairs EM learns m from are drawn from them).
    pub pairs: usize,
    /// The kinds of the registry's sources (`register`, `ngo-list` …).
    pub source_kinds: Vec<String>,
    /// When (RFC 3339).
    pub at: String,
}

/// Fewest candidate pairs a model is trained on before its weights are trusted; below, it is
/// thin: links made with it should be reviewed, and the next link with more records retrains.
pub const MIN_TRUSTED_PAIRS: usize = 100;

impl TrainedOn {
    /// Whether a model trained on this is stale for a registry of `records` records whose
    /// sources are of `kinds`, and why: the registry has twice the records, a new kind of list
    /// arrived, or the model was thin and the registry has half as many records again.
    pub fn stale_for(&self, records: usize, kinds: &[String]) -> Option<String> {
        if records >= 2 * self.records.max(1) {
            return Some(format!(
                "the registry has grown from {} to {records} records since the model was trained",
                self.records
            ));
        }
        if let Some(k) = kinds.iter().find(|k| !self.source_kinds.contains(k)) {
            return Some(format!("a list of a new kind ({k}) arrived since the model was trained"));
        }
        // A thin model is retrained once the registry has half as many records again and is
        // large enough to teach more (below 100 records every model is thin: it is warned of,
        // and retrained only when the records double).
        if self.pairs < MIN_TRUSTED_PAIRS && records >= 100 && 2 * records >= 3 * self.records.max(1) {
            return Some(format!(
                "the model was trained on only {} candidate pairs ({} records), and the registry has grown to {records}",
                self.pairs, self.records
            ));
        }
        None
    }

    /// Whether the model saw too few pairs for its weights to be trusted.
    pub fn thin(&self) -> bool {
        self.pairs < MIN_TRUSTED_PAIRS
    }
}

/// The options of the link that trained a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOptions {
    /// Whether the name engine's variant tables were on.
    pub name_tables: bool,
    /// The largest block a blocking key could make.
    pub max_block: usize,
}

/// Relatives per pair of one person's records before any training (see [`FsModel::relatives`]).
pub const DEFAULT_RELATIVES: f64 = 0.1;

fn default_relatives() -> f64 {
    DEFAULT_RELATIVES
}

/// A model document that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the model has version {0}; this Athar reads version {MODEL_VERSION}")]
    Version(u32),
    #[error("the model is not usable: {0}")]
    Invalid(String),
}

/// What a line of an explanation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A comparison's level.
    Level,
    /// A comparison with a value missing on one side (weighs nothing).
    Missing,
    /// The term-frequency adjustment of a comparison.
    TermFrequency,
    /// The class of relatives (see [`FsModel::relatives`]).
    Relatives,
}

/// One line of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightLine {
    pub kind: LineKind,
    /// The comparison the line is about (none for relatives).
    #[serde(skip)]
    pub field: Option<ComparisonKind>,
    pub comparison: String,
    pub level: String,
    pub weight: f64,
    pub m: Option<f64>,
    pub u: Option<f64>,
    /// The values compared, as written on each side (see [`crate::annotate`]); `None` where a
    /// side has none, or the value is not shown (a national id is kept only as a keyed hash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<String>,
    /// The name engine's reason for a name or place (`both are forms of 'muhammad'`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A scored pair, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub prior_weight: f64,
    pub lines: Vec<WeightLine>,
    pub total: f64,
    pub probability: f64,
}

/// What a comparison vector says, before the prior: the sum of its weights (term frequencies
/// included) and, when the class of relatives applies (a parent's name agrees), the weight of
/// the person's own fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    pub bits: f64,
    pub own: Option<f64>,
    /// Whether the pair has any field of the person's own (for the explanation's wording).
    pub own_present: bool,
}

/// The weight of each level of each comparison of one model, by comparison and level: a million
/// records' pairs are weighed tens of millions of times under one model, each level's
/// logarithm once. Made by [`FsModel::level_weights`]; good for that model only.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelWeights(Vec<Vec<f64>>);

/// What an exact agreement on a value shared by a share `f` of records adds to a level whose
/// average u is `u`: its u is `f`, not `u` (bounded, see [`MAX_TF_BITS`]). One formula for the
/// score and its bound ([`FsModel::best_weight`]).
fn tf_adjustment(u: f64, f: f64) -> f64 {
    (u.max(EPS) / f.max(EPS)).log2().min(MAX_TF_BITS)
}

fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

impl FsModel {
    /// A model with neutral m (decreasing with the level) and u (increasing), for EM to start
    /// from, or as the documented default before any training.
    pub fn default_model() -> FsModel {
        let comparisons = ComparisonKind::ALL
            .iter()
            .map(|k| {
                let labels = k.levels();
                let n = labels.len();
                // m falls and u rises along the levels; both sum to 1.
                let m_raw: Vec<f64> =
                    (0..n).map(|i| if i + 1 == n { 0.05 } else { 0.95 * 0.6f64.powi(i as i32) }).collect();
                let u_raw: Vec<f64> =
                    (0..n).map(|i| if i + 1 == n { 0.9 } else { 0.1 * 0.5f64.powi((n - 2 - i) as i32) }).collect();
                // Two records of one list: a mild default against (a list names a person
                // twice now and then), until the confident pairs of the lists say how much.
                let (m_raw, u_raw) =
                    if *k == ComparisonKind::List { (vec![0.9, 0.1], vec![0.75, 0.25]) } else { (m_raw, u_raw) };
                let (ms, us): (f64, f64) = (m_raw.iter().sum(), u_raw.iter().sum());
                ComparisonParams {
                    comparison: *k,
                    levels: labels
                        .iter()
                        .zip(m_raw.iter().zip(&u_raw))
                        .map(|(l, (m, u))| LevelParams { label: l.to_string(), m: m / ms, u: u / us })
                        .collect(),
                }
            })
            .collect();
        FsModel {
            version: MODEL_VERSION,
            prior: 1e-4,
            comparisons,
            relatives: DEFAULT_RELATIVES,
            training: None,
            linked_with: None,
            trained_on: None,
        }
    }

    pub fn from_json(text: &str) -> Result<FsModel, ModelError> {
        let m: FsModel = serde_json::from_str(text)?;
        if m.version != MODEL_VERSION {
            return Err(ModelError::Version(m.version));
        }
        if !(0.0..1.0).contains(&m.prior) || m.prior <= 0.0 {
            return Err(ModelError::Invalid(format!("prior {} must be between 0 and 1", m.prior)));
        }
        if !(0.0..=100.0).contains(&m.relatives) {
            return Err(ModelError::Invalid(format!("relatives {} must be between 0 and 100", m.relatives)));
        }
        for c in &m.comparisons {
            if c.levels.len() != c.comparison.levels().len() {
                return Err(ModelError::Invalid(format!(
                    "{} needs {} levels, the model has {}",
                    c.comparison.name(),
                    c.comparison.levels().len(),
                    c.levels.len()
                )));
            }
            for l in &c.levels {
                if !(0.0..=1.0).contains(&l.m) || !(0.0..=1.0).contains(&l.u) {
                    return Err(ModelError::Invalid(format!(
                        "{} '{}': m and u must be in 0..1",
                        c.comparison.name(),
                        l.label
                    )));
                }
            }
        }
        Ok(m)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A comparison's levels: at its own position when the document lists comparisons in
    /// their usual order (every model Athar writes), else found by name.
    fn params(&self, k: ComparisonKind) -> Option<&ComparisonParams> {
        match self.comparisons.get(k as usize) {
            Some(c) if c.comparison == k => Some(c),
            _ => self.comparisons.iter().find(|c| c.comparison == k),
        }
    }

    fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// The match weight of a comparison vector, in bits (prior included). `tf` gives, for a
    /// term-frequency comparison agreeing exactly, the share of records with that value.
    pub fn weight(&self, v: &ComparisonVector, tf: &dyn Fn(ComparisonKind) -> Option<f64>) -> f64 {
        self.walk(v, tf, None)
    }

    /// The probability that the pair is the same person.
    pub fn probability(&self, v: &ComparisonVector, tf: &dyn Fn(ComparisonKind) -> Option<f64>) -> f64 {
        probability(self.weight(v, tf))
    }

    /// Every comparison's level and weight, the term-frequency lines, the prior, the total and
    /// the probability: a waterfall.
    pub fn explain(&self, v: &ComparisonVector, tf: &dyn Fn(ComparisonKind) -> Option<f64>) -> Explanation {
        let mut lines = Vec::new();
        let total = self.walk(v, tf, Some(&mut lines));
        Explanation { prior_weight: self.prior_weight(), lines, total, probability: probability(total) }
    }

    /// The one walk over a comparison vector: the total weight (prior included), and the
    /// explanation's lines when asked for (scoring many pairs builds no text).
    fn walk(
        &self,
        v: &ComparisonVector,
        tf: &dyn Fn(ComparisonKind) -> Option<f64>,
        lines: Option<&mut Vec<WeightLine>>,
    ) -> f64 {
        let mut lines = lines;
        let e = self.evidence_walk(v, tf, lines.as_deref_mut(), |_, _, l| l.weight());
        self.combine(self.prior_weight(), &e, lines)
    }

    /// The evidence of a comparison vector, for scoring pairs under another prior (see
    /// [`FsModel::estimate_prior`]).
    pub fn evidence(&self, v: &ComparisonVector, tf: &dyn Fn(ComparisonKind) -> Option<f64>) -> Evidence {
        self.evidence_walk(v, tf, None, |_, _, l| l.weight())
    }

    /// The probability of a pair from its evidence, with the model's prior.
    pub fn probability_of(&self, e: &Evidence) -> f64 {
        probability(self.combine(self.prior_weight(), e, None))
    }

    /// The most weight (in bits, prior included) any record can score against a record that
    /// gives the comparisons `gives` says it gives (the others are missing, so neutral): each
    /// at its best level, an exact agreement with the term-frequency adjustment of the least
    /// share of records its value can have (`least_share`: `None` when not known, and then the
    /// most an adjustment adds). No pair scores more: the class of relatives only takes away.
    /// What a caller that wants only pairs past a probability asks before scoring any.
    pub fn best_weight(
        &self,
        gives: &dyn Fn(ComparisonKind) -> bool,
        least_share: &dyn Fn(ComparisonKind) -> Option<f64>,
    ) -> f64 {
        let mut total = self.prior_weight();
        for p in self.comparisons.iter().filter(|p| gives(p.comparison)) {
            let best = p.levels.iter().enumerate().map(|(i, l)| {
                let adj = if i <= 1 && p.comparison.term_frequency() {
                    match least_share(p.comparison) {
                        Some(f) => tf_adjustment(l.u, f),
                        None => MAX_TF_BITS,
                    }
                } else {
                    0.0
                };
                l.weight() + adj
            });
            // A comparison either side lacks is neutral: never below nothing.
            total += best.fold(0.0, f64::max);
        }
        total
    }

    /// The probability of a match weight in bits.
    pub fn probability_of_weight(weight: f64) -> f64 {
        probability(weight)
    }

    /// The weight of every level of every comparison, for [`FsModel::evidence_weighed`].
    pub fn level_weights(&self) -> LevelWeights {
        LevelWeights(
            ComparisonKind::ALL
                .iter()
                .map(|k| self.params(*k).map_or(Vec::new(), |p| p.levels.iter().map(LevelParams::weight).collect()))
                .collect(),
        )
    }

    /// As [`FsModel::evidence`], the levels' weights read from `weights` (this model's: see
    /// [`FsModel::level_weights`]) rather than computed for each pair.
    pub fn evidence_weighed(
        &self,
        weights: &LevelWeights,
        v: &ComparisonVector,
        tf: &dyn Fn(ComparisonKind) -> Option<f64>,
    ) -> Evidence {
        self.evidence_walk(v, tf, None, |k, level, l| {
            weights.0.get(k as usize).and_then(|w| w.get(level)).copied().unwrap_or_else(|| l.weight())
        })
    }

    fn evidence_walk(
        &self,
        v: &ComparisonVector,
        tf: &dyn Fn(ComparisonKind) -> Option<f64>,
        mut lines: Option<&mut Vec<WeightLine>>,
        weigh: impl Fn(ComparisonKind, usize, &LevelParams) -> f64,
    ) -> Evidence {
        let mut total = 0.0;
        // The weight of the person's own fields, for the class of relatives.
        let mut own = 0.0;
        let mut own_present = false;
        let mut parent_agrees = false;
        let mut given_agrees = false;
        let mut sibling_parent = false;
        for (k, level) in ComparisonKind::ALL.iter().zip(v) {
            let Some(p) = self.params(*k) else { continue };
            let Some(level) = level else {
                if let Some(lines) = lines.as_deref_mut() {
                    lines.push(WeightLine {
                        kind: LineKind::Missing,
                        field: Some(*k),
                        comparison: k.name().into(),
                        level: "missing on one side (neutral)".into(),
                        weight: 0.0,
                        m: None,
                        u: None,
                        a: None,
                        b: None,
                        reason: None,
                    });
                }
                continue;
            };
            let Some(l) = p.levels.get(*level as usize) else { continue };
            let w = weigh(*k, *level as usize, l);
            total += w;
            if k.is_individual() {
                own += w;
                own_present = true;
            }
            parent_agrees |= k.is_parent() && *level <= 1;
            given_agrees |= *k == ComparisonKind::GivenName && *level <= 1;
            sibling_parent |= matches!(k, ComparisonKind::FatherName | ComparisonKind::MotherName) && *level <= 1;
            if let Some(lines) = lines.as_deref_mut() {
                lines.push(WeightLine {
                    kind: LineKind::Level,
                    field: Some(*k),
                    comparison: k.name().into(),
                    level: l.label.clone(),
                    weight: w,
                    m: Some(l.m),
                    u: Some(l.u),
                    a: None,
                    b: None,
                    reason: None,
                });
            }
            if *level <= 1 && k.term_frequency() {
                if let Some(f) = tf(*k) {
                    // Agreeing on a value shared by a share f of records: u is f, not the
                    // level's average u. The same name in another spelling or script counts
                    // too: محمد and Mohammed are as common as either.
                    // Bounded: a rare value adds at most MAX_TF_BITS (a garbled spelling is rare
                    // too, and must not count as a rare name).
                    let adj = tf_adjustment(l.u, f);
                    total += adj;
                    if k.is_individual() {
                        own += adj;
                    }
                    if let Some(lines) = lines.as_deref_mut() {
                        lines.push(WeightLine {
                            kind: LineKind::TermFrequency,
                            field: Some(*k),
                            comparison: format!("{} term frequency", k.name()),
                            level: format!("value held by {:.3} % of records", f * 100.0),
                            weight: adj,
                            m: None,
                            u: Some(f),
                            a: None,
                            b: None,
                            reason: None,
                        });
                    }
                }
            }
        }
        // Brothers and sisters have their own given names: two records with the same given name
        // (in any spelling or script) and the same father or mother are one person, not two
        // siblings — a record and its copy in another script never carry the relatives'
        // penalty. (Cousins named after their grandfather share his name and the family's: with
        // only the grandfather in common, the class still counts.)
        let relatives = parent_agrees && !(given_agrees && sibling_parent) && self.relatives > 0.0;
        Evidence { bits: total, own: relatives.then_some(own), own_present }
    }

    /// The prior under which the model expects as many matches among the candidate pairs as
    /// their probabilities add up to: the fixed point of `prior = Σ P(same | evidence, prior) /
    /// all pairs`, from the current prior. `sample` is evidence of candidate pairs drawn evenly
    /// from `candidates` of them; `all_pairs` is the number of record pairs in the registry.
    ///
    /// EM's share of matches among blocked pairs counts the namesakes and relatives that
    /// common names put in the same blocks: on 152,731 generated records it made the prior
    /// 5.9e-5 against a true 7.2e-6 (8 times, 3 bits of false confidence on every pair).
    /// Returns the prior and the iterations it took.
    pub fn estimate_prior(&self, sample: &[Evidence], candidates: usize, all_pairs: f64) -> (f64, usize) {
        if sample.is_empty() || all_pairs <= 0.0 {
            return (self.prior, 0);
        }
        let scale = candidates as f64 / sample.len() as f64 / all_pairs;
        // The prior never says that no pair of the registry could be a match: at least one
        // among all its pairs. (A four-record registry whose scores all looked unlike sank to
        // 1e-12, and an exact match then scored p = 0.)
        let floor = (1.0 / all_pairs).clamp(1e-12, 0.5);
        let mut prior = self.prior.max(floor);
        for iteration in 1..=100 {
            let prior_weight = (prior / (1.0 - prior)).log2();
            let expected: f64 = sample.iter().map(|e| probability(self.combine(prior_weight, e, None))).sum();
            let next = (expected * scale).clamp(floor, 0.5);
            let change = (next / prior).ln().abs();
            prior = next;
            if change < 1e-4 {
                return (prior, iteration);
            }
        }
        (prior, 100)
    }

    /// The total weight of evidence under a prior (in bits), with the relatives' line.
    fn combine(&self, prior_weight: f64, e: &Evidence, lines: Option<&mut Vec<WeightLine>>) -> f64 {
        let mut total = prior_weight + e.bits;
        if let Some(own) = e.own {
            // 2^-W_eff = 2^-W + relatives · 2^-W_own, in a form that neither overflows nor
            // loses the small cases: W_eff = W - log2(1 + 2^x).
            let x = self.relatives.log2() + total - own;
            let softplus = if x > 40.0 { x } else { x.exp2().ln_1p() / std::f64::consts::LN_2 };
            let adj = -softplus;
            total += adj;
            if let Some(lines) = lines {
                if adj < -0.005 {
                    lines.push(WeightLine {
                        kind: LineKind::Relatives,
                        field: None,
                        comparison: "relatives".into(),
                        level: if e.own_present {
                            "a brother or sister? the family's fields agree more than the person's own".into()
                        } else {
                            "a brother or sister? no field of the person's own (given name, birth date, sex, id)".into()
                        },
                        weight: adj,
                        m: None,
                        u: None,
                        a: None,
                        b: None,
                        reason: None,
                    });
                }
            }
        }
        total
    }
}

/// u of every level from comparison vectors of random pairs (almost all different persons).
pub fn estimate_u(model: &mut FsModel, random_pairs: &[ComparisonVector]) {
    for (ci, c) in model.comparisons.iter_mut().enumerate() {
        let k = c.comparison;
        let idx = ComparisonKind::ALL.iter().position(|x| *x == k).unwrap_or(ci);
        let mut counts = vec![0usize; c.levels.len()];
        let mut n = 0usize;
        for v in random_pairs {
            if let Some(Some(l)) = v.get(idx) {
                if let Some(slot) = counts.get_mut(*l as usize) {
                    *slot += 1;
                    n += 1;
                }
            }
        }
        if n == 0 {
            continue;
        }
        for (l, count) in c.levels.iter_mut().zip(&counts) {
            // Half a count for a level never seen: rare, not impossible.
            l.u = (*count as f64).max(0.5) / n as f64;
        }
    }
}

/// EM over candidate pairs: estimates m of every comparison not in `fixed`, and the share of
/// matches among the pairs. u is not changed (it comes from random pairs). Stops when no
/// parameter moves by more than 1e-4, or after 100 iterations.
pub fn train_m(
    model: &mut FsModel,
    pairs: &[ComparisonVector],
    fixed: &[ComparisonKind],
    start_share: f64,
    max_share: f64,
) -> EmReport {
    let nk = ComparisonKind::ALL.len();
    let max_share = max_share.clamp(1e-6, 1.0 - 1e-6);
    let mut share = start_share.clamp(1e-4, 0.9999).min(max_share);
    let positions: Vec<Option<usize>> =
        ComparisonKind::ALL.iter().map(|k| model.comparisons.iter().position(|c| c.comparison == *k)).collect();
    // EM depends on a pair through its comparison vector alone: identical vectors are one
    // pattern with a count (millions of pairs hold a few thousand patterns).
    let mut counts: rustc_hash::FxHashMap<&ComparisonVector, f64> = rustc_hash::FxHashMap::default();
    for v in pairs {
        *counts.entry(v).or_default() += 1.0;
    }
    let mut patterns: Vec<(&ComparisonVector, f64)> = counts.into_iter().collect();
    patterns.sort_unstable_by(|a, b| a.0.cmp(b.0));
    // The list is never trained here: blocked pairs of one list are mostly its namesakes, and
    // EM took them for matches — one list weighed for a match, and the other comparisons'
    // m bent with it (at 1,007,203 records, pairwise F1 0.549 to 0.521). Its disagreement is
    // read from confident pairs only (see `refine_m_on_confident_pairs`).
    let free: Vec<bool> =
        ComparisonKind::ALL.iter().map(|k| !fixed.contains(k) && *k != ComparisonKind::List).collect();
    let mut iterations = 0;
    let mut delta = f64::INFINITY;
    let mut posteriors = vec![0.0f64; patterns.len()];
    while iterations < 100 && delta >= 1e-4 {
        iterations += 1;
        // E: posterior probability of a match for each pattern. Comparisons the pairs were
        // blocked on agree by construction: they say nothing here and are left out (counting
        // them would make every pair look like a match).
        let prior_w = (share / (1.0 - share)).log2();
        let level_weights: Vec<Vec<f64>> = positions
            .iter()
            .map(|ci| {
                ci.map(|ci| model.comparisons[ci].levels.iter().map(LevelParams::weight).collect()).unwrap_or_default()
            })
            .collect();
        for ((v, _), post) in patterns.iter().zip(posteriors.iter_mut()) {
            let mut w = prior_w;
            for (ki, level) in v.iter().enumerate().take(nk) {
                if let (true, Some(l)) = (free[ki], level) {
                    w += level_weights[ki].get(*l as usize).copied().unwrap_or(0.0);
                }
            }
            *post = probability(w);
        }
        // M: the share, and m of each level.
        let total: f64 = patterns.iter().zip(&posteriors).map(|((_, n), p)| n * p).sum();
        let new_share = (total / pairs.len().max(1) as f64).clamp(1e-6, max_share);
        delta = (new_share - share).abs();
        share = new_share;
        for (ki, _) in ComparisonKind::ALL.iter().enumerate() {
            let Some(ci) = positions[ki] else { continue };
            if !free[ki] {
                continue;
            }
            let nl = model.comparisons[ci].levels.len();
            let mut num = vec![0.0f64; nl];
            let mut den = 0.0f64;
            for ((v, n), post) in patterns.iter().zip(&posteriors) {
                if let Some(Some(l)) = v.get(ki) {
                    if let Some(slot) = num.get_mut(*l as usize) {
                        *slot += n * post;
                        den += n * post;
                    }
                }
            }
            if den <= 0.0 {
                continue;
            }
            for (lp, n) in model.comparisons[ci].levels.iter_mut().zip(&num) {
                let m = (n / den).max(EPS);
                delta = delta.max((m - lp.m).abs());
                lp.m = m;
            }
        }
    }
    EmReport { rule: String::new(), iterations, converged: delta < 1e-4, last_delta: delta, match_share: share }
}

/// The pairs one blocking rule gives EM: comparison vectors of its pairs (all, or an even
/// sample of them) and how many pairs the rule made.
#[derive(Debug, Clone)]
pub struct TrainingSet<'a> {
    pub rule: &'a str,
    pub vectors: &'a [ComparisonVector],
    /// The rule's pairs, of which `vectors` may be a sample.
    pub pairs: usize,
    /// The comparisons EM must not train on these pairs (see `BlockingRule::blocked_comparisons`).
    pub blocked: Vec<ComparisonKind>,
}

/// Training by several blocking rules: EM runs on each rule's pairs with the comparisons the
/// rule blocked on held fixed (pairs that agree on a field by construction say nothing about
/// that field's m); each comparison's m is the mean over the rules that trained it, each rule
/// weighed by the matches EM found among its pairs (a rule of 400 pairs does not count as
/// much as one of 300,000). Rules that made no pair train nothing and get no report.
///
/// A rule's match share is bounded by `max_matches` (see [`max_matches`]) over its pairs: in
/// large blocks of one common given and family name, namesakes and relatives agree on far more
/// than random pairs do, and EM left free took them for matches (on 152,000 generated records
/// it put 56 % of such a rule's 4 million pairs in the match class).
pub fn train_by_rules(model: &mut FsModel, rules: &[TrainingSet<'_>], max_matches: f64) -> Vec<EmReport> {
    let start = model.clone();
    let mut sums: Vec<Vec<f64>> = model.comparisons.iter().map(|c| vec![0.0; c.levels.len()]).collect();
    let mut counts = vec![0f64; model.comparisons.len()];
    let mut reports = Vec::new();
    for TrainingSet { rule, vectors, pairs, blocked } in rules {
        if vectors.is_empty() {
            continue;
        }
        let mut m = start.clone();
        let pairs = (*pairs).max(vectors.len());
        let max_share = max_matches / pairs as f64;
        let start = 0.1f64.min(max_share / 2.0);
        let report = EmReport { rule: rule.to_string(), ..train_m(&mut m, vectors, blocked, start, max_share) };
        let matches = report.match_share * pairs as f64;
        reports.push(report);
        for (ci, c) in m.comparisons.iter().enumerate() {
            if blocked.contains(&c.comparison) {
                continue;
            }
            for (s, l) in sums[ci].iter_mut().zip(&c.levels) {
                *s += matches * l.m;
            }
            counts[ci] += matches;
        }
    }
    // Each comparison's m is drawn towards the starting model's by a few pseudo-matches: a
    // registry of five records gives EM two matches, whose levels alone made a mother's name in
    // another spelling weigh -15 bits; a registry of thousands does not notice.
    for ((ci, c), start) in model.comparisons.iter_mut().enumerate().zip(&start.comparisons) {
        if counts[ci] <= 0.0 {
            continue;
        }
        for ((l, s), l0) in c.levels.iter_mut().zip(&sums[ci]).zip(&start.levels) {
            l.m = (s + PSEUDO_MATCHES * l0.m) / (counts[ci] + PSEUDO_MATCHES);
        }
    }
    let shares: Vec<f64> = reports.iter().map(|r| r.match_share).collect();
    let trained: Vec<_> = rules.iter().filter(|t| !t.vectors.is_empty()).collect();
    let refined = refine_m_on_confident_pairs(model, &trained, &shares);
    list_neutral_unless_read(model, refined.contains(&ComparisonKind::List));
    // A comparison no rule trained keeps its default m, against the u of random pairs.
    for (c, _) in model.comparisons.iter_mut().zip(&counts).filter(|(_, n)| **n <= 0.0) {
        monotone_levels(c);
    }
    for c in &mut model.comparisons {
        strongest_agreement_not_against(c);
        agreement_not_below_disagreement(c);
    }
    model.training = Some(reports.clone());
    reports
}

/// The list comparison says nothing (m is u, a weight of 0 at every level) unless its m was
/// read from confident pairs (`read`; EM never trains it), and where random pairs never showed
/// one of its levels. Unread, its default m against the u of the registry's own lists would
/// weigh a guess: with one list of 95 % of records, "two lists" some +3 bits. Unseen (a
/// registry of one list: every pair is of one list), "two lists" would weigh its u of half a
/// count for a match, some +15 bits, once a second list came and the model was not trained
/// again.
fn list_neutral_unless_read(model: &mut FsModel, read: bool) {
    /// Below a share of random pairs of 1 in 1,000, a level was not seen to speak of.
    const SEEN: f64 = 1e-3;
    if let Some(c) = model.comparisons.iter_mut().find(|c| c.comparison == ComparisonKind::List) {
        if !read || c.levels.iter().any(|l| l.u < SEEN) {
            for l in &mut c.levels {
                l.m = l.u;
            }
        }
    }
}

/// Makes a comparison's weights fall from its strongest level to its weakest, as its levels
/// mean: where a weaker level would weigh more, adjacent levels are pooled to one ratio m/u
/// (pool-adjacent-violators, weighted by u), which keeps the sum of m. Applied to comparisons
/// no rule could train (names only, all blocked on given and family name): their default m
/// against the u of random pairs made "similar" outweigh "same name". A trained m is left as
/// the data says: an exact family name is commoner among strangers than a cross-script one,
/// so "same name, other spelling" may rightly weigh more than "same form".
fn monotone_levels(c: &mut ComparisonParams) {
    // Blocks of adjacent levels: (first level, m sum, u sum).
    let mut blocks: Vec<(usize, f64, f64)> = Vec::with_capacity(c.levels.len());
    for (i, l) in c.levels.iter().enumerate() {
        blocks.push((i, l.m, l.u.max(EPS)));
        while blocks.len() >= 2 {
            let (_, m1, u1) = blocks[blocks.len() - 1];
            let (_, m0, u0) = blocks[blocks.len() - 2];
            if m1 / u1 <= m0 / u0 {
                break;
            }
            blocks.pop();
            if let Some(last) = blocks.last_mut() {
                last.1 = m0 + m1;
                last.2 = u0 + u1;
            }
        }
    }
    for (b, &(start, m, u)) in blocks.iter().enumerate() {
        let end = blocks.get(b + 1).map_or(c.levels.len(), |next| next.0);
        for l in &mut c.levels[start..end] {
            l.m = m / u * l.u.max(EPS);
        }
    }
}

/// The strongest agreement of a comparison is never evidence against a match: where training
/// left its m below its u (a few records, whose only agreeing family names happened to be in
/// two scripts, taught EM that the same written form never occurs in a match), m is raised to
/// u and the other levels' m scaled to keep the sum.
fn strongest_agreement_not_against(c: &mut ComparisonParams) {
    let Some((first, rest)) = c.levels.split_first_mut() else { return };
    if first.m >= first.u {
        return;
    }
    let rest_m: f64 = rest.iter().map(|l| l.m).sum();
    let target = first.u.min(1.0);
    if rest_m > 0.0 {
        for l in rest.iter_mut() {
            l.m *= (1.0 - target) / rest_m;
        }
    }
    first.m = target;
}

/// Some agreement is never worse evidence than disagreement: where training left a level's m/u
/// under that of the last level (a level seldom seen, such as an initial against a name in a
/// small registry, whose m EM drove to almost nothing), its m is raised to the last level's ratio
/// and every m scaled to keep the sum.
fn agreement_not_below_disagreement(c: &mut ComparisonParams) {
    let Some((last, rest)) = c.levels.split_last_mut() else { return };
    let floor = last.m.max(EPS) / last.u.max(EPS);
    let mut raised = false;
    for l in rest.iter_mut() {
        if l.m.max(EPS) / l.u.max(EPS) < floor {
            l.m = l.u.max(EPS) * floor;
            raised = true;
        }
    }
    let sum: f64 = c.levels.iter().map(|l| l.m).sum();
    if raised && sum > 0.0 {
        for l in &mut c.levels {
            l.m /= sum;
        }
    }
}

/// How many other records of the same person a record has at most, as a rule (a person seldom
/// appears on more than a handful of lists).
pub const MAX_OTHERS_PER_RECORD: f64 = 5.0;

/// The most matching pairs `records` records can hold: each with at most
/// [`MAX_OTHERS_PER_RECORD`] others of its person.
pub fn max_matches(records: usize) -> f64 {
    records as f64 * MAX_OTHERS_PER_RECORD / 2.0
}

/// How many matches the starting model's m counts as, against the matches EM finds (see
/// [`train_by_rules`]).
pub const PSEUDO_MATCHES: f64 = 10.0;

/// The posterior at or above which a pair counts as a confident match when re-estimating m.
const CONFIDENT: f64 = 0.99;
/// The fewest confident pairs (with the comparison present) that may replace EM's m.
const MIN_CONFIDENT_PAIRS: usize = 100;

/// After EM, how often matches *disagree* on each comparison (m of its last level) is
/// re-estimated on the pairs that the other comparisons alone make near-certain matches
/// (posterior ≥ 0.99, with the rule's match share as prior); EM's split of the agreeing levels
/// is kept, scaled to the rest. Under the model's own assumption (fields independent given
/// match status) a comparison's levels among those pairs follow its m. EM's soft counts also
/// take in the many uncertain pairs, where namesakes (same names, another birth year) pass
/// for matches and inflate m of disagreement: on generated lists, EM put 21 % of matches at
/// "different birth year", where the truth has none. Only the disagreement is taken from the
/// confident pairs because they lean to the fullest records (registers with whole dates), which
/// skews how agreement splits between levels such as "exact" and "same year" — except among
/// levels that all need the fuller records, whose split they read too
/// ([`SPLIT_ON_CONFIDENT_PAIRS`]). A comparison with fewer than 100 such pairs keeps EM's m.
/// Returns the comparisons whose disagreement it read.
fn refine_m_on_confident_pairs(model: &mut FsModel, rules: &[&TrainingSet<'_>], shares: &[f64]) -> Vec<ComparisonKind> {
    let mut read = Vec::new();
    let nk = ComparisonKind::ALL.len();
    let weights: Vec<Vec<f64>> = ComparisonKind::ALL
        .iter()
        .map(|k| model.params(*k).map(|p| p.levels.iter().map(LevelParams::weight).collect()).unwrap_or_default())
        .collect();
    let mut counts: Vec<Vec<usize>> = weights.iter().map(|w| vec![0; w.len()]).collect();
    let confident = (CONFIDENT / (1.0 - CONFIDENT)).log2();
    for (TrainingSet { vectors: pairs, blocked, .. }, share) in rules.iter().copied().zip(shares) {
        let share = share.clamp(1e-6, 1.0 - 1e-6);
        let prior_w = (share / (1.0 - share)).log2();
        let free: Vec<bool> = ComparisonKind::ALL.iter().map(|k| !blocked.contains(k)).collect();
        let mut own = vec![0.0f64; nk];
        for v in pairs.iter() {
            let mut total = prior_w;
            for ki in 0..nk {
                own[ki] = match v.get(ki).copied().flatten() {
                    Some(l) if free[ki] => weights[ki].get(l as usize).copied().unwrap_or(0.0),
                    _ => 0.0,
                };
                total += own[ki];
            }
            for ki in 0..nk {
                if let (true, Some(Some(l))) = (free[ki], v.get(ki)) {
                    if total - own[ki] >= confident {
                        if let Some(c) = counts[ki].get_mut(*l as usize) {
                            *c += 1;
                        }
                    }
                }
            }
        }
    }
    for (k, counts) in ComparisonKind::ALL.iter().zip(&counts) {
        let n: usize = counts.iter().sum();
        if n < MIN_CONFIDENT_PAIRS {
            continue;
        }
        let Some(c) = model.comparisons.iter_mut().find(|c| c.comparison == *k) else { continue };
        let Some((last, agreeing)) = c.levels.split_last_mut() else { continue };
        // Half a count when never seen: rare, not impossible.
        let disagree = (counts.last().copied().unwrap_or(0) as f64 + 0.5) / (n as f64 + 1.0);
        let em_agree: f64 = agreeing.iter().map(|l| l.m).sum();
        if em_agree <= 0.0 {
            continue;
        }
        last.m = disagree;
        for l in agreeing {
            l.m *= (1.0 - disagree) / em_agree;
        }
        read.push(*k);
    }
    for (kind, group) in &SPLIT_ON_CONFIDENT_PAIRS {
        let counts = &counts[*kind as usize];
        let pairs: usize = group.iter().map(|&l| counts.get(l).copied().unwrap_or(0)).sum();
        if pairs < MIN_CONFIDENT_PAIRS {
            continue;
        }
        // Half a count when never seen, as above.
        let seen: Vec<f64> = group.iter().map(|&l| counts.get(l).copied().unwrap_or(0) as f64 + 0.5).collect();
        let n: f64 = seen.iter().sum();
        let Some(c) = model.comparisons.iter_mut().find(|c| c.comparison == *kind) else { continue };
        let mass: f64 = group.iter().filter_map(|&l| c.levels.get(l)).map(|l| l.m).sum();
        for (&l, seen) in group.iter().zip(&seen) {
            if let Some(level) = c.levels.get_mut(l) {
                level.m = mass * seen / n;
            }
        }
    }
    read
}

/// Levels of a comparison whose split of matches among themselves is read from the confident
/// pairs too (see [`refine_m_on_confident_pairs`]), their sum of m kept as EM has it: the
/// birth dates that both give a month — the same day, the same month, another month or day.
/// EM's match class takes in namesakes born the same year on other days: on generated lists it
/// put a third of matches at "same year, other month or day" (+6 bits), where the truth has
/// nearly none. Among pairs whose dates both give a month the fullness of records no longer
/// skews the split.
const SPLIT_ON_CONFIDENT_PAIRS: [(ComparisonKind, [usize; 3]); 1] = [(ComparisonKind::BirthDate, [0, 1, 3])];

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*), so tests need no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn pick(&mut self, probs: &[f64]) -> u8 {
            let x = self.next();
            let mut acc = 0.0;
            for (i, p) in probs.iter().enumerate() {
                acc += p;
                if x < acc {
                    return i as u8;
                }
            }
            (probs.len() - 1) as u8
        }
    }

    /// A known model: m and u per level of every comparison.
    fn truth() -> FsModel {
        let mut m = FsModel::default_model();
        for (i, c) in m.comparisons.iter_mut().enumerate() {
            let n = c.levels.len();
            let mut ms: Vec<f64> =
                (0..n).map(|l| if l == 0 { 0.7 - 0.02 * i as f64 } else { 0.3 / (n - 1) as f64 }).collect();
            let s: f64 = ms.iter().sum();
            ms.iter_mut().for_each(|x| *x /= s);
            let mut us: Vec<f64> = (0..n).map(|l| if l + 1 == n { 0.8 } else { 0.2 / (n - 1) as f64 }).collect();
            let s: f64 = us.iter().sum();
            us.iter_mut().for_each(|x| *x /= s);
            for (l, (mv, uv)) in c.levels.iter_mut().zip(ms.iter().zip(&us)) {
                l.m = *mv;
                l.u = *uv;
            }
        }
        m
    }

    /// `n` vectors drawn from `t`, each a match with probability `share`.
    fn sample(t: &FsModel, rng: &mut Rng, n: usize, share: f64) -> Vec<ComparisonVector> {
        (0..n)
            .map(|_| {
                let is_match = rng.next() < share;
                draw(t, rng, is_match)
            })
            .collect()
    }

    fn draw(t: &FsModel, rng: &mut Rng, is_match: bool) -> ComparisonVector {
        let mut v: ComparisonVector = [None; ComparisonKind::ALL.len()];
        for (slot, c) in v.iter_mut().zip(&t.comparisons) {
            // One value in ten is missing.
            if rng.next() < 0.1 {
                continue;
            }
            let probs: Vec<f64> = c.levels.iter().map(|l| if is_match { l.m } else { l.u }).collect();
            *slot = Some(rng.pick(&probs));
        }
        v
    }

    #[test]
    fn weaker_levels_never_weigh_more_than_stronger_ones() {
        let mut c = FsModel::default_model().comparisons[0].clone();
        // Untrained m against the u of random pairs: "similar" (level 2) would outweigh level 0.
        for (l, (m, u)) in c.levels.iter_mut().zip([(0.5, 0.01), (0.3, 0.005), (0.18, 0.0005), (0.02, 0.9845)]) {
            l.m = m;
            l.u = u;
        }
        monotone_levels(&mut c);
        let w: Vec<f64> = c.levels.iter().map(LevelParams::weight).collect();
        assert!(w.windows(2).all(|p| p[0] >= p[1] - 1e-9), "weights {w:?}");
        let sum: f64 = c.levels.iter().map(|l| l.m).sum();
        assert!((sum - 1.0).abs() < 1e-9, "m sums to {sum}");
        // Already in order: unchanged.
        let ordered = FsModel::default_model().comparisons[0].clone();
        let mut same = ordered.clone();
        monotone_levels(&mut same);
        for (a, b) in same.levels.iter().zip(&ordered.levels) {
            assert!((a.m - b.m).abs() < 1e-12);
        }
    }

    #[test]
    fn a_wrong_rate_of_disagreement_is_corrected_on_confident_pairs() {
        let t = truth();
        let mut rng = Rng(0x5DEECE66D);
        let pairs: Vec<ComparisonVector> = sample(&t, &mut rng, 20_000, 0.3);
        // A model right in everything but how often matches disagree on the birth date.
        let mut m = t.clone();
        let bd = m.comparisons.iter_mut().find(|c| c.comparison == ComparisonKind::BirthDate).expect("birth date");
        let n = bd.levels.len();
        for (i, l) in bd.levels.iter_mut().enumerate() {
            l.m = if i + 1 == n { 0.3 } else { 0.7 / (n - 1) as f64 };
        }
        let rule = TrainingSet { rule: "all", vectors: &pairs, pairs: pairs.len(), blocked: Vec::new() };
        refine_m_on_confident_pairs(&mut m, &[&rule], &[0.3]);
        for (c, tc) in m.comparisons.iter().zip(&t.comparisons) {
            let (l, tl) = (c.levels.last().expect("levels"), tc.levels.last().expect("levels"));
            assert!((l.m - tl.m).abs() <= 0.03, "{:?}: m of disagreement {} vs {}", c.comparison, l.m, tl.m);
            let sum: f64 = c.levels.iter().map(|l| l.m).sum();
            assert!((sum - 1.0).abs() < 1e-9, "{:?}: m sums to {sum}", c.comparison);
        }
        // The birth dates that both give a month split as the truth does (EM's model here
        // put as many matches at "another month or day" as at "exact").
        let split = |m: &FsModel| {
            let c = m.comparisons.iter().find(|c| c.comparison == ComparisonKind::BirthDate).expect("birth date");
            let group: Vec<f64> = SPLIT_ON_CONFIDENT_PAIRS[0].1.iter().map(|&l| c.levels[l].m).collect();
            let sum: f64 = group.iter().sum();
            group.into_iter().map(|m| m / sum).collect::<Vec<f64>>()
        };
        let (got, want) = (split(&m), split(&t));
        assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() <= 0.03), "{got:?} vs {want:?}");
        assert!((want[0] - want[2]).abs() > 0.1, "the truth's split differs from the even start: {want:?}");
    }

    #[test]
    fn no_agreement_weighs_less_than_disagreement() {
        let level = |label: &str, m: f64, u: f64| LevelParams { label: label.into(), m, u };
        let mut c = ComparisonParams {
            comparison: ComparisonKind::GivenName,
            levels: vec![
                level("same", 0.9, 0.01),
                level("other spelling", 0.09, 0.01),
                level("similar", 1e-7, 0.01),
                level("different", 0.00999, 0.97),
            ],
        };
        agreement_not_below_disagreement(&mut c);
        let w: Vec<f64> = c.levels.iter().map(|l| l.weight()).collect();
        assert!(w[2] >= w[3] - 1e-9, "{w:?}");
        assert!((c.levels.iter().map(|l| l.m).sum::<f64>() - 1.0).abs() < 1e-9);
        // Levels already above the floor keep their order and nearly their m.
        assert!(w[0] > w[1] && w[1] > w[2] && (c.levels[0].m - 0.9).abs() < 1e-3, "{:?}", c.levels);
    }

    #[test]
    fn a_list_level_unseen_or_unread_weighs_nothing() {
        let mut m = FsModel::default_model();
        let list = |m: &mut FsModel| {
            m.comparisons.iter_mut().find(|c| c.comparison == ComparisonKind::List).map(|c| c.levels.clone())
        };
        if let Some(c) = m.comparisons.iter_mut().find(|c| c.comparison == ComparisonKind::List) {
            // One list only: every random pair was of one list.
            c.levels[0].u = 0.5 / 20_000.0;
            c.levels[1].u = 1.0 - c.levels[0].u;
        }
        list_neutral_unless_read(&mut m, true);
        let levels = list(&mut m).expect("the list comparison");
        assert!(levels.iter().all(|l| l.weight().abs() < 1e-9), "{levels:?}");
        // Both levels seen: left as read from the confident pairs; not read, neutral too.
        let mut m = FsModel::default_model();
        let before = list(&mut m);
        list_neutral_unless_read(&mut m, true);
        assert_eq!(list(&mut m), before);
        assert!(before.as_ref().is_some_and(|l| l.iter().any(|l| l.weight().abs() > 0.1)), "{before:?}");
        list_neutral_unless_read(&mut m, false);
        let levels = list(&mut m).expect("the list comparison");
        assert!(levels.iter().all(|l| l.weight().abs() < 1e-9), "{levels:?}");
    }

    #[test]
    fn em_recovers_m_and_u_of_a_known_model_from_three_random_starts() {
        let t = truth();
        let mut rng = Rng(0x9E3779B97F4A7C15);
        let pairs: Vec<ComparisonVector> = sample(&t, &mut rng, 20_000, 0.3);
        let random: Vec<ComparisonVector> = (0..50_000).map(|_| draw(&t, &mut rng, false)).collect();
        for seed in [1u64, 2, 3] {
            let mut start_rng = Rng(0xABCDEF + seed * 7919);
            let mut m = FsModel::default_model();
            for c in &mut m.comparisons {
                // A random start, still with agreement likelier among matches.
                let n = c.levels.len();
                let mut raw: Vec<f64> = (0..n).map(|l| (n - l) as f64 + start_rng.next() * 2.0).collect();
                let s: f64 = raw.iter().sum();
                raw.iter_mut().for_each(|x| *x /= s);
                for (l, v) in c.levels.iter_mut().zip(raw) {
                    l.m = v;
                }
            }
            estimate_u(&mut m, &random);
            let list_before = m.params(ComparisonKind::List).map(|c| c.levels.iter().map(|l| l.m).collect::<Vec<_>>());
            let report = train_m(&mut m, &pairs, &[], 0.05 + start_rng.next() * 0.5, 1.0);
            assert!(report.converged, "EM did not converge from start {seed}: {report:?}");
            assert!((report.match_share - 0.3).abs() < 0.03, "share {}", report.match_share);
            // The list is never trained by EM (its namesakes pass for matches).
            let list_after = m.params(ComparisonKind::List).map(|c| c.levels.iter().map(|l| l.m).collect::<Vec<_>>());
            assert_eq!(list_before, list_after);
            for (c, tc) in
                m.comparisons.iter().zip(&t.comparisons).filter(|(c, _)| c.comparison != ComparisonKind::List)
            {
                for (l, tl) in c.levels.iter().zip(&tc.levels) {
                    assert!((l.m - tl.m).abs() <= 0.03, "{:?} {} m {} vs {}", c.comparison, l.label, l.m, tl.m);
                    assert!((l.u - tl.u).abs() <= 0.03, "{:?} {} u {} vs {}", c.comparison, l.label, l.u, tl.u);
                }
            }
        }
    }

    #[test]
    fn a_comparison_blocked_on_is_not_trained_by_that_rule() {
        let t = truth();
        let mut rng = Rng(42);
        let pairs: Vec<ComparisonVector> = (0..5_000)
            .map(|_| {
                let is_match = rng.next() < 0.3;
                let mut v = draw(&t, &mut rng, is_match);
                v[0] = Some(0); // blocked on the given name: all agree
                v
            })
            .collect();
        let mut m = FsModel::default_model();
        let before = m.comparisons[0].clone();
        let set = TrainingSet {
            rule: "given+family",
            vectors: &pairs,
            pairs: pairs.len(),
            blocked: vec![ComparisonKind::GivenName],
        };
        let reports = train_by_rules(&mut m, &[set], f64::INFINITY);
        assert_eq!(m.comparisons[0], before, "the given name's m stays as it was");
        assert_ne!(m.comparisons[3], FsModel::default_model().comparisons[3], "other comparisons are trained");
        // Nor does the blocked comparison sway which pairs look like matches.
        assert!((reports[0].match_share - 0.3).abs() < 0.05, "share {}", reports[0].match_share);
    }

    #[test]
    fn two_matches_do_not_teach_absurd_weights() {
        // A registry of five records: EM sees two candidate pairs, both matches whose given
        // names are the same form and whose mothers' names are the same name in two scripts.
        let mut v: ComparisonVector = [None; ComparisonKind::ALL.len()];
        v[ComparisonKind::GivenName as usize] = Some(0);
        v[ComparisonKind::FatherName as usize] = Some(0);
        v[ComparisonKind::MotherName as usize] = Some(1);
        let pairs = vec![v, v];
        let mut m = FsModel::default_model();
        let set = TrainingSet { rule: "given+father", vectors: &pairs, pairs: 2, blocked: vec![] };
        train_by_rules(&mut m, &[set], max_matches(5));
        for c in &m.comparisons {
            for l in &c.levels {
                let w = l.weight();
                assert!(w > -8.0, "{:?} '{}' weighs {w:.1} bits after two pairs", c.comparison, l.label);
            }
        }
        // What the pairs showed still moves the model: the mother's other spelling gains.
        let mother = |m: &FsModel| m.params(ComparisonKind::MotherName).map(|c| c.levels[1].m).unwrap_or_default();
        assert!(mother(&m) > mother(&FsModel::default_model()));
        // Thousands of matches are not held back by the pseudo-matches (the EM test above
        // recovers m within 0.03 through `train_m`; here through the rules' pooling).
        let t = truth();
        let mut rng = Rng(7);
        let many: Vec<ComparisonVector> = sample(&t, &mut rng, 20_000, 0.3);
        let mut m = FsModel::default_model();
        let random: Vec<ComparisonVector> = (0..50_000).map(|_| draw(&t, &mut rng, false)).collect();
        estimate_u(&mut m, &random);
        let set = TrainingSet { rule: "all", vectors: &many, pairs: many.len(), blocked: vec![] };
        train_by_rules(&mut m, &[set], f64::INFINITY);
        for (c, tc) in m.comparisons.iter().zip(&t.comparisons) {
            for (l, tl) in c.levels.iter().zip(&tc.levels) {
                assert!((l.m - tl.m).abs() <= 0.03, "{:?} {} m {} vs {}", c.comparison, l.label, l.m, tl.m);
            }
        }
    }

    #[test]
    fn missing_values_weigh_nothing_and_the_waterfall_adds_up() {
        let m = truth();
        let none = |_| None;
        let all_missing: ComparisonVector = [None; ComparisonKind::ALL.len()];
        let e = m.explain(&all_missing, &none);
        assert!((e.total - e.prior_weight).abs() < 1e-12);
        let v: ComparisonVector = std::array::from_fn(|i| Some((i % 2) as u8));
        let e = m.explain(&v, &none);
        let sum: f64 = e.prior_weight + e.lines.iter().map(|l| l.weight).sum::<f64>();
        assert!((sum - e.total).abs() < 1e-9);
        assert!(e.probability > 0.0 && e.probability < 1.0);
    }

    #[test]
    fn the_prior_is_the_share_of_matches_the_scores_expect() {
        // 1,000 clear matches and 100,000 clear non-matches among 10^8 pairs: from a prior 1,000
        // times too high, the fixed point finds 10^-5.
        let m = FsModel { prior: 1e-2, relatives: 0.0, ..truth() };
        let clear = |bits: f64| Evidence { bits, own: None, own_present: true };
        let sample: Vec<Evidence> =
            (0..101_000).map(|i| clear(if i < 1000 { 40.0 + (i % 7) as f64 } else { -20.0 })).collect();
        let (prior, iterations) = m.estimate_prior(&sample, sample.len(), 1e8);
        assert!((prior / 1e-5 - 1.0).abs() < 0.01, "{prior}");
        assert!(iterations < 100);
        // A sample of a tenth of the candidates counts for all of them.
        let tenth: Vec<Evidence> = sample.iter().step_by(10).copied().collect();
        let (from_tenth, _) = m.estimate_prior(&tenth, sample.len(), 1e8);
        assert!((from_tenth / prior - 1.0).abs() < 0.01, "{from_tenth} vs {prior}");
        // Probabilities from evidence are those of the vectors.
        let v: ComparisonVector = std::array::from_fn(|i| Some((i % 2) as u8));
        let none = |_| None;
        assert!((m.probability_of(&m.evidence(&v, &none)) - m.probability(&v, &none)).abs() < 1e-12);
    }

    #[test]
    fn a_model_is_stale_when_the_registry_outgrows_what_it_was_trained_on() {
        let on = |records, pairs| TrainedOn {
            records,
            pairs,
            source_kinds: vec!["register".into()],
            at: "2026-12-05T00:00:00Z".into(),
        };
        let kinds = ["register".to_string()];
        assert!(on(15, 5).stale_for(1421, &kinds).is_some_and(|w| w.contains("from 15 to 1421")));
        assert!(on(1000, 5000).stale_for(1500, &kinds).is_none());
        assert!(on(1000, 5000).stale_for(2000, &kinds).is_some());
        let more = ["register".to_string(), "inquiry".to_string()];
        assert!(on(1000, 5000).stale_for(1100, &more).is_some_and(|w| w.contains("inquiry")));
        // Thin: retrained once half as large again, from 100 records on; below, only warned.
        assert!(on(8, 5).stale_for(12, &kinds).is_none());
        assert!(on(80, 50).stale_for(120, &kinds).is_some());
        assert!(on(80, 50).thin() && !on(80, 500).thin());
    }

    #[test]
    fn a_tiny_registry_never_learns_that_no_pair_could_match() {
        // Four records (six pairs), every candidate looking unlike: the prior stays at one match
        // among the six pairs at least, so an exact match still wins.
        let m = FsModel { prior: 1e-3, relatives: 0.0, ..truth() };
        let unlike = vec![Evidence { bits: -30.0, own: None, own_present: true }; 3];
        let (prior, _) = m.estimate_prior(&unlike, 3, 6.0);
        assert!(prior >= 1.0 / 6.0 - 1e-12, "{prior}");
        let exact = Evidence { bits: 25.0, own: None, own_present: true };
        assert!(FsModel { prior, ..m.clone() }.probability_of(&exact) > 0.99);
    }

    #[test]
    fn evidence_weighed_from_the_table_is_the_evidence_weighed_level_by_level() {
        let m = FsModel { prior: 1e-2, ..truth() };
        let weights = m.level_weights();
        let tf = |k: ComparisonKind| k.term_frequency().then_some(0.01);
        // Every comparison at each of its levels in turn, beside the others missing or at 0.
        for (i, k) in ComparisonKind::ALL.iter().enumerate() {
            for level in 0..k.levels().len() as u8 {
                for rest in [None, Some(0)] {
                    let mut v: ComparisonVector = [rest; ComparisonKind::ALL.len()];
                    v[i] = Some(level);
                    assert_eq!(m.evidence_weighed(&weights, &v, &tf), m.evidence(&v, &tf), "{k:?} {level}");
                }
            }
        }
    }

    #[test]
    fn the_strongest_agreement_is_never_evidence_against() {
        let mut c = FsModel::default_model().comparisons[3].clone();
        let u: Vec<f64> = c.levels.iter().map(|l| l.u).collect();
        for (l, m) in c.levels.iter_mut().zip([1e-6, 0.8, 0.1, 0.1 - 1e-6]) {
            l.m = m;
        }
        strongest_agreement_not_against(&mut c);
        assert!(c.levels[0].weight().abs() < 1e-9, "level 0 weighs nothing, not against");
        assert!((c.levels.iter().map(|l| l.m).sum::<f64>() - 1.0).abs() < 1e-9, "m still sums to 1");
        assert!(c.levels[1].m / c.levels[2].m - 8.0 < 1e-9, "the other levels keep their ratios");
        assert_eq!(c.levels.iter().map(|l| l.u).collect::<Vec<_>>(), u);
        // A level 0 that is evidence for a match is left alone.
        let before = c.clone();
        strongest_agreement_not_against(&mut c);
        assert_eq!(c, before);
    }

    #[test]
    fn brothers_who_share_every_family_field_are_not_one_person() {
        use ComparisonKind::*;
        let m = FsModel { prior: 1e-2, ..truth() };
        let vector = |levels: &[(ComparisonKind, u8)]| {
            let mut v: ComparisonVector = [None; ComparisonKind::ALL.len()];
            for (k, l) in levels {
                v[ComparisonKind::ALL.iter().position(|x| x == k).expect("a kind")] = Some(*l);
            }
            v
        };
        let family = [(FatherName, 0), (GrandfatherName, 0), (FamilyName, 0), (MotherName, 0), (BirthPlace, 0)];
        let last = |k: ComparisonKind| (k.levels().len() - 1) as u8;
        let brothers = vector(&[&family[..], &[(GivenName, last(GivenName)), (BirthDate, last(BirthDate))]].concat());
        let same = vector(&[&family[..], &[(GivenName, 0), (BirthDate, 0)]].concat());
        let none = |_| None;
        let off = FsModel { relatives: 0.0, ..m.clone() };
        assert!(off.probability(&brothers, &none) > 0.5, "without the class, the family fields win");
        assert!(m.probability(&brothers, &none) < 0.2, "{}", m.probability(&brothers, &none));
        assert!(m.probability(&same, &none) > 0.99, "one person stays one person");
        let e = m.explain(&brothers, &none);
        let line = e.lines.iter().find(|l| l.comparison == "relatives").expect("a line of its own");
        assert!(line.weight < 0.0);
        // Without a parent's name in common (a family name and a place), no correction.
        let strangers = vector(&[(FamilyName, 0), (BirthPlace, 0), (GivenName, last(GivenName))]);
        assert_eq!(m.weight(&strangers, &none), off.weight(&strangers, &none));
        // Nothing of the person's own: could be a brother, never certain.
        assert!(m.probability(&vector(&family), &none) < 1.0 / (1.0 + m.relatives) + 1e-9);
        // A record and its copy: the same given name and the family's fields, the birth year
        // only (a weak own field) — no relatives' line, whatever the other fields weigh.
        let copy = vector(&[&family[..], &[(GivenName, 1)]].concat());
        assert!(m.explain(&copy, &none).lines.iter().all(|l| l.comparison != "relatives"));
        assert_eq!(m.weight(&copy, &none), off.weight(&copy, &none));
    }

    #[test]
    fn agreeing_on_a_common_name_weighs_less_than_on_a_rare_one() {
        let m = truth();
        let mut v: ComparisonVector = [None; ComparisonKind::ALL.len()];
        v[0] = Some(0);
        let common = m.weight(&v, &|k| (k == ComparisonKind::GivenName).then_some(0.18));
        let rare = m.weight(&v, &|k| (k == ComparisonKind::GivenName).then_some(0.0004));
        assert!(rare > common + 2.0, "rare {rare} vs common {common}");
        // A very rare value adds at most MAX_TF_BITS over the level's weight.
        let none = m.weight(&v, &|_| None);
        assert!(rare - none <= MAX_TF_BITS + 1e-9, "rare {rare} vs no adjustment {none}");
        let e = m.explain(&v, &|_| Some(0.18));
        assert!(e.lines.iter().any(|l| l.comparison.contains("term frequency")), "a line of its own");
        // The same name in another spelling is as common: adjusted too; "similar" is not.
        for (level, adjusted) in [(1, true), (2, false), (3, false)] {
            v[0] = Some(level);
            let common = m.weight(&v, &|k| (k == ComparisonKind::GivenName).then_some(0.18));
            let plain = m.weight(&v, &|_| None);
            assert_eq!((common - plain).abs() > 1e-9, adjusted, "level {level}");
        }
    }

    #[test]
    fn model_document_round_trips_and_bad_documents_are_refused() {
        let m = truth();
        let back = FsModel::from_json(&m.to_json()).expect("round trip");
        for (a, b) in back.comparisons.iter().zip(&m.comparisons) {
            assert_eq!(a.comparison, b.comparison);
            for (x, y) in a.levels.iter().zip(&b.levels) {
                assert!((x.m - y.m).abs() < 1e-12 && (x.u - y.u).abs() < 1e-12 && x.label == y.label);
            }
        }
        assert!(matches!(FsModel::from_json("{"), Err(ModelError::Json(_))));
        let mut v: serde_json::Value = serde_json::from_str(&m.to_json()).expect("json");
        v["version"] = serde_json::json!(99);
        assert!(matches!(FsModel::from_json(&v.to_string()), Err(ModelError::Version(99))));
        v["version"] = serde_json::json!(MODEL_VERSION);
        v["prior"] = serde_json::json!(1.5);
        assert!(FsModel::from_json(&v.to_string()).is_err());
    }
}
