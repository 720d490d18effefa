//! Linking records into persons: blocking, the Fellegi–Sunter model (trained on first use or
//! with `full`), scoring on every core, clustering under human judgements, and saving persons
//! with stable ids — over every record, or, from the state the last link kept, over the new
//! records and those that share a block with them (`kept`). Owns the link use-case and what a
//! link keeps; the model, blocking and clustering are `athar-link`'s, storage `athar-store`'s.

pub mod kept;

use crate::error::{invalid, Result};
use crate::progress::Progress;
use crate::search::analysed_records;
use crate::{Action, Actor, Registry, RegistryError};
use athar_link::model::{
    estimate_u, max_matches, train_by_rules, Evidence, FsModel, LinkOptions as Linked, TrainingSet,
};
use athar_link::{
    candidate_pairs_where, cluster_with_persons, compare, compare_cached, default_rules, ClusterOptions, Judgement,
    LevelCache, LinkRecord, ScoredPair, TermFrequencies,
};
use athar_names::NameEngine;
use athar_store::{LinkInput, Store};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

pub use athar_link::DEFAULT_MAX_BLOCK;

/// About how many candidate pairs the prior's fixed point is computed on (drawn by their
/// records, see `athar_link::PairDraw`, when there are more).
const PRIOR_SAMPLE: usize = 1_000_000;

/// How to link.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Recompute everything: retrain the model and let persons made before merge again.
    pub full: bool,
    /// Probability at or above which pairs are merged.
    pub threshold: f64,
    /// Probabilities of pairs sent to review; default: from 0.5 (or the threshold, if lower)
    /// up to the threshold.
    pub review_band: Option<(f64, f64)>,
    /// Largest block a blocking key may make.
    pub max_block: usize,
    /// For measurement: the name engine without its variant tables.
    pub without_name_tables: bool,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            full: false,
            threshold: 0.95,
            review_band: None,
            max_block: athar_link::DEFAULT_MAX_BLOCK,
            without_name_tables: false,
        }
    }
}

impl LinkOptions {
    /// The clustering options, after checking the threshold and the review band.
    fn cluster_options(&self) -> Result<ClusterOptions> {
        if !(0.0..=1.0).contains(&self.threshold) {
            invalid!("--threshold {} is not a probability", self.threshold);
        }
        let review_from = match self.review_band {
            Some((lo, hi)) => {
                if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
                    invalid!("--review-band {lo},{hi}: need 0 ≤ LO ≤ HI ≤ 1");
                }
                if (hi - self.threshold).abs() > 1e-9 && hi > self.threshold {
                    invalid!(
                        "--review-band ends at {hi} but --threshold is {}: the band ends at the threshold",
                        self.threshold
                    );
                }
                if (hi - self.threshold).abs() > 1e-9 && hi < self.threshold {
                    // The band was widened to the threshold without a word: pairs between HI
                    // and the threshold must go somewhere, and merging them is not what was asked.
                    invalid!(
                        "--review-band ends at {hi}, below --threshold {}: the pairs between them would be neither merged \
                         nor sent to review; end the band at the threshold ({lo},{}), or give --threshold {hi}",
                        self.threshold,
                        self.threshold
                    );
                }
                lo
            }
            None => self.threshold.min(0.5),
        };
        Ok(ClusterOptions { merge_at: self.threshold, review_from, ..Default::default() })
    }
}

/// How open inquiries look again after a link.
#[derive(Debug, Clone)]
pub(crate) enum Recheck {
    /// Against the whole registry.
    Whole,
    /// Against these records only, names weighed by the registry's counts.
    Records(Vec<i64>, athar_link::TermCounts),
}

/// What a link did.
#[derive(Debug, Clone, Serialize)]
pub struct LinkReport {
    pub records: usize,
    /// With an incremental link, the number of new records.
    pub new_records: Option<usize>,
    /// Whether the incremental link read only the new records and those sharing a block with
    /// them (the state the last link kept), not the whole registry.
    pub from_kept_state: bool,
    pub reports: Vec<athar_link::RuleReport>,
    pub pairs_scored: usize,
    pub persons: athar_store::PersonsReport,
    pub review: usize,
    pub refused: usize,
    pub unlike_groups: usize,
    pub trained: bool,
    pub model: FsModel,
    pub prior_iterations: Option<usize>,
    pub new_leads: usize,
    /// Wall time of each phase, in seconds.
    pub seconds: Vec<(&'static str, f64)>,
    /// Seconds spent giving the live search index the new persons, when it is held.
    pub index_seconds: Option<f64>,
    /// Why the stored model was trained again, when it was stale.
    pub retrained_because: Option<String>,
    /// Records an older Athar had derived, derived again from their raw rows before linking
    /// (their lists may hold fields it did not know: a place of arrest, a registry number).
    pub rederived: Option<i64>,
    /// A warning when the model was trained on too few pairs to trust.
    pub thin_model: Option<String>,
    /// Why the blocking keys were not kept for the next link, which then reads every record
    /// again (`None`: kept).
    pub keys_not_kept: Option<String>,
    #[serde(skip)]
    pub(crate) recheck: Recheck,
}

impl Registry {
    /// Links records into persons (see the module documentation); then open inquiries look
    /// again.
    pub fn link(&self, actor: &Actor, opts: &LinkOptions, progress: &dyn Progress) -> Result<LinkReport> {
        actor.require(Action::Link)?;
        let options = opts.cluster_options()?;
        let engine =
            if opts.without_name_tables { NameEngine::without_tables() } else { self.names()?.engine().clone() };
        // Fields an older Athar did not derive would be missing from every comparison: the
        // records are derived again first (raw rows are never touched).
        let rederived =
            if self.read(|s| Ok(s.stale_derived()?))? > 0 { Some(self.reindex(actor)?.reindexed) } else { None };
        let _activity = athar_store::files::Activity::begin(&self.db, "a link");
        let mut report = self.write(|store| {
            let mut phases = Phases::new(progress);
            // A model trained on a small first list is retrained when the registry has grown
            // well past it (or a new kind of list arrived): its weights would merge different
            // people, or miss the same person.
            let stale = if opts.full { None } else { stale_model(store)? };
            let kept = if opts.full || stale.is_some() {
                None
            } else {
                kept::link_new(store, &engine, opts, options, &actor.name, &mut phases)?
            };
            let mut report = match kept {
                Some(s) => s,
                None => {
                    phases = Phases::new(progress);
                    link_all(store, &engine, opts, options, &actor.name, &mut phases, stale.is_some())?
                }
            };
            report.retrained_because = stale;
            report.rederived = rederived;
            report.thin_model = thin_model(&report.model);
            report.seconds = phases.done;
            Ok(report)
        })?;
        // The live index, if held, takes the new persons in place (an incremental link changed
        // only its new records' persons).
        let started = std::time::Instant::now();
        let changed = match &report.recheck {
            Recheck::Records(ids, _) => Some(ids.as_slice()),
            Recheck::Whole => None,
        };
        self.refresh_index(changed, false)?;
        if self.index_held() {
            report.index_seconds = Some(started.elapsed().as_secs_f64());
        }
        // Persons changed: open inquiries look again.
        report.new_leads = match (&report.recheck, opts.without_name_tables) {
            (_, false) if self.index_held() => self.recheck()?,
            (Recheck::Records(ids, counts), false) => self.recheck_records(ids, counts, true)?,
            _ => self.recheck()?,
        };
        if let Some(saving) = report.seconds.iter_mut().find(|(n, _)| *n == "saving") {
            saving.1 += started.elapsed().as_secs_f64();
        }
        Ok(report)
    }
}

/// The kinds of the registry's sources.
fn source_kinds(store: &Store) -> Result<Vec<String>> {
    let mut kinds: Vec<String> = store.sources()?.into_iter().map(|s| s.kind).collect();
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Why the stored model is stale for the registry as it is, if it is (see
/// [`athar_link::model::TrainedOn::stale_for`]). A model that does not say what it was trained
/// on (made before it was recorded, or imported) is taken as it is.
fn stale_model(store: &Store) -> Result<Option<String>> {
    if store.model()?.is_none() {
        return Ok(None);
    }
    let (model, _) = crate::admin::stored_model(store)?;
    // A model made before a comparison existed gives it no weight at all: trained again.
    let lacking: Vec<&str> = athar_link::ComparisonKind::ALL
        .iter()
        .filter(|k| !model.comparisons.iter().any(|c| c.comparison == **k))
        .map(|k| k.name())
        .collect();
    if !lacking.is_empty() {
        return Ok(Some(format!("the model was made before the comparisons {} existed", lacking.join(", "))));
    }
    let Some(on) = &model.trained_on else { return Ok(None) };
    Ok(on.stale_for(store.max_record_id()? as usize, &source_kinds(store)?))
}

/// The warning a thin model earns.
pub fn thin_model(model: &FsModel) -> Option<String> {
    let on = model.trained_on.as_ref().filter(|o| o.thin())?;
    Some(format!(
        "the model was trained on only {} candidate pairs ({} records): its weights are uncertain — review the \
         links it makes; it is trained again when the registry grows",
        on.pairs, on.records
    ))
}

/// The store's records as linkage reads them: analysed in parallel, their values interned.
pub fn link_records(engine: &NameEngine, inputs: &[LinkInput]) -> Vec<LinkRecord> {
    let mut records = analysed_records(engine, inputs);
    athar_link::intern_values(&mut records);
    records
}

/// Puts `items` in `order` in place (a permutation of their positions: position `p` takes the
/// item at `order[p]`), one cycle of swaps at a time.
fn put_in_order<T>(items: &mut [T], order: &[usize]) {
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        let mut p = start;
        // `items[p]` holds the item that was at `start`, until its own place is reached.
        while !done[p] {
            done[p] = true;
            let q = order[p];
            if q == start {
                break;
            }
            items.swap(p, q);
            p = q;
        }
    }
}

/// Deterministic random pairs for u (xorshift; no dependency).
fn random_pairs(n: usize, count: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(count);
    if n < 2 {
        return out;
    }
    let mut s: u64 = 0x2545F4914F6CDD1D;
    while out.len() < count {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let a = (s % n as u64) as usize;
        let b = ((s >> 32) % n as u64) as usize;
        if a != b {
            out.push((a.min(b), a.max(b)));
        }
    }
    out
}

/// Level caches that outlive one map: the phases of a link (training, then scoring) compare
/// many of the same name pairs, and each piece of a map takes whichever cache is free, so that
/// محمد against Mohammed is compared once per thread for the whole link, not once per piece
/// and phase.
pub struct LevelCaches(Vec<std::sync::Mutex<LevelCache>>);

impl LevelCaches {
    /// One cache per thread of the pool, and one for a caller outside it.
    pub fn new() -> Self {
        LevelCaches((0..=rayon::current_num_threads()).map(|_| Default::default()).collect())
    }

    /// Runs `f` with a cache no other piece holds (a new one should all be taken).
    fn with<R>(&self, f: impl FnOnce(&mut LevelCache) -> R) -> R {
        match self.0.iter().find_map(|c| c.try_lock().ok()) {
            Some(mut cache) => f(&mut cache),
            None => f(&mut LevelCache::default()),
        }
    }
}

impl Default for LevelCaches {
    fn default() -> Self {
        Self::new()
    }
}

/// Maps `items` on every core in order, each piece of work with a cache of `caches` for its
/// whole share: rayon's `map_init` starts a new cache for every piece it splits off, and a
/// cache of name pairs pays only when it lives long.
pub fn map_with_cache<T: Sync, R: Send + Default + Clone>(
    caches: &LevelCaches,
    items: &[T],
    f: impl Fn(&mut LevelCache, &T) -> R + Sync,
) -> Vec<R> {
    let piece = items.len().div_ceil(2 * rayon::current_num_threads().max(1)).max(1);
    // Each piece writes its share in place: one vector of results, not one per piece copied
    // into another (millions of pairs).
    let mut out = vec![R::default(); items.len()];
    out.par_chunks_mut(piece).zip(items.par_chunks(piece)).for_each(|(done, chunk)| {
        caches.with(|cache| {
            for (slot, x) in done.iter_mut().zip(chunk) {
                *slot = f(cache, x);
            }
        })
    });
    out
}

/// What each candidate pair says under a model, compactly (millions are held at once): its two
/// records, its evidence in bits and the weight of the person's own fields where relatives
/// count (NaN where they do not), in 16 bytes — as many as the pair scored takes, which it
/// becomes in place ([`PairEvidence::into_scored`]). Compared and weighed on every core.
pub struct PairEvidence(Vec<(u32, u32, u64)>);

impl PairEvidence {
    /// Each of `pairs` with its evidence, the pairs kept beside it (so that the caller need not
    /// hold them too).
    pub fn new(
        caches: &LevelCaches,
        engine: &NameEngine,
        records: &[LinkRecord],
        pairs: &[(u32, u32)],
        model: &FsModel,
        tf: &TermFrequencies,
    ) -> Self {
        let weights = model.level_weights();
        PairEvidence(map_with_cache(caches, pairs, |cache, &(i, j)| {
            let (a, b) = (&records[i as usize], &records[j as usize]);
            let v = compare_cached(engine, a, b, cache);
            (i, j, packed_evidence(&model.evidence_weighed(&weights, &v, &|k| tf.share(k, a, b))))
        }))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The two records of the `k`th pair.
    pub fn pair(&self, k: usize) -> (u32, u32) {
        (self.0[k].0, self.0[k].1)
    }

    pub fn get(&self, k: usize) -> Evidence {
        evidence_of(self.0[k].2)
    }

    /// The pairs scored by `model`, in place: a million records' pairs are not held twice (with
    /// their evidence, and scored).
    pub fn into_scored(self, model: &FsModel) -> Vec<ScoredPair> {
        let mut pairs = self.0;
        pairs.par_iter_mut().for_each(|p| p.2 = model.probability_of(&evidence_of(p.2)).to_bits());
        // Collected in place: the two kinds of pair have one size.
        pairs.into_iter().map(|(i, j, p)| (i, j, f64::from_bits(p))).collect()
    }
}

/// The weight and the person's own weight (NaN: none), each in 32 bits.
fn packed_evidence(e: &Evidence) -> u64 {
    let own = e.own.map_or(f32::NAN, |w| w as f32);
    (u64::from((e.bits as f32).to_bits()) << 32) | u64::from(own.to_bits())
}

fn evidence_of(packed: u64) -> Evidence {
    let (bits, own) = (f32::from_bits((packed >> 32) as u32), f32::from_bits(packed as u32));
    Evidence { bits: f64::from(bits), own: (!own.is_nan()).then_some(f64::from(own)), own_present: true }
}

/// Wall time of each phase of a command, for its summary.
pub(crate) struct Phases<'p> {
    last: std::time::Instant,
    done: Vec<(&'static str, f64)>,
    progress: &'p dyn Progress,
}

impl<'p> Phases<'p> {
    fn new(progress: &'p dyn Progress) -> Self {
        progress.phase("linking: reading the records", None);
        Phases { last: std::time::Instant::now(), done: Vec::new(), progress }
    }

    /// Ends the phase `name` now, having counted `count` (records read, candidate pairs found,
    /// pairs scored …); the progress names the phase that follows and the count so far.
    pub(crate) fn mark(&mut self, name: &'static str, count: Option<(usize, &str)>) {
        let now = std::time::Instant::now();
        self.done.push((name, (now - self.last).as_secs_f64()));
        self.last = now;
        let next = match name {
            "reading" => "finding candidate pairs",
            "blocking" => "training the model, or scoring",
            "training" => "scoring the pairs",
            "scoring" => "clustering into persons",
            "clustering" => "saving the persons",
            _ => "done",
        };
        match count {
            Some((n, what)) => {
                self.progress.phase(&format!("linking: {next} ({name}: {n} {what})"), None);
                self.progress.done(n as u64);
            }
            None => self.progress.phase(&format!("linking: {next}"), None),
        }
    }
}

/// A link over every record of the registry: with `--full`, or when the last link kept no
/// usable state.
fn link_all(
    store: &mut Store,
    engine: &NameEngine,
    args: &LinkOptions,
    options: ClusterOptions,
    actor: &str,
    phases: &mut Phases<'_>,
    retrain: bool,
) -> Result<LinkReport> {
    // What the persons are as this link reads them: the save checks, write-locked, that no
    // other link, split or judgement changed them meanwhile.
    let stamp = store.persons_stamp()?;
    let mut inputs = store.link_inputs()?;
    if inputs.is_empty() {
        invalid!("there are no records to link; import a list first (athar import FILE --source NAME)");
    }
    let mut records = link_records(engine, &inputs);
    // Held in the order of their names (see `athar_link::name_order`); every index below is a
    // position in this order, and every sample is drawn by record, not by position.
    let order = athar_link::name_order(&records);
    put_in_order(&mut inputs, &order);
    put_in_order(&mut records, &order);
    phases.mark("reading", Some((records.len(), "records")));
    // Without --full, persons made before are kept apart: a new record that would join two of
    // them, or two that now look alike, goes to review (only a human joins persons).
    let existing: Option<Vec<Option<u32>>> = if args.full {
        None
    } else {
        let old = store.persons_of_records()?;
        let mut ids: HashMap<String, u32> = HashMap::new();
        Some(
            inputs
                .iter()
                .map(|i| {
                    old.get(&i.record_id).map(|p| {
                        let n = ids.len() as u32;
                        *ids.entry(p.clone()).or_insert(n)
                    })
                })
                .collect(),
        )
    };
    let stored = store.model()?;
    // Incremental: with a stored model and persons already made, only pairs that involve a new
    // record (one in no person yet) are scored, with the pairs inside each existing person
    // (a "different" judgement may split it). Pairs across two existing persons can only be
    // joined by a human: their review items are carried over from the last link.
    let incremental = match (&existing, &stored) {
        (Some(e), Some(_)) if e.iter().any(Option::is_some) => Some(e.as_slice()),
        _ => None,
    };
    let rules = default_rules();
    // Every record's keys, kept for the next link: written aside as blocking goes.
    let mut block_keys = kept::SpilledKeys::new(store, &inputs);
    let mut sink = |entries: &[athar_link::KeyEntry]| {
        if let Ok(k) = block_keys.as_mut() {
            k.add(entries);
        }
    };
    let mut candidates = match incremental {
        Some(e) => candidate_pairs_where(
            &records,
            &rules,
            args.max_block,
            &|i, j| e[i].is_none() || e[j].is_none() || e[i] == e[j],
            Some(&mut sink),
        ),
        None => candidate_pairs_where(&records, &rules, args.max_block, &|_, _| true, Some(&mut sink)),
    };
    let reports = candidates.reports.clone();
    phases.mark("blocking", Some((candidates.pairs.len(), "candidate pairs")));
    // The levels of value pairs compared in training serve the scoring.
    let caches = LevelCaches::new();
    // The model: stored, or trained now.
    let (mut model, trained) = match (&stored, args.full || retrain) {
        (Some(_), false) => (crate::admin::stored_model(store)?.0, false),
        _ => {
            let mut m = FsModel::default_model();
            m.linked_with = Some(Linked { name_tables: !args.without_name_tables, max_block: args.max_block });
            // Random pairs of records taken in the order of their ids, whatever order they are
            // held in.
            let mut by_id: Vec<usize> = (0..inputs.len()).collect();
            by_id.sort_unstable_by_key(|&i| inputs[i].record_id);
            let sample = random_pairs(records.len(), 20_000.min(records.len() * (records.len() - 1) / 2).max(1));
            let random: Vec<_> =
                sample.par_iter().map(|&(i, j)| compare(engine, &records[by_id[i]], &records[by_id[j]])).collect();
            estimate_u(&mut m, &random);
            // EM learns from an even sample of each rule's pairs (blocking's): a million
            // patterns say as much as sixteen million.
            // A rule that does not train gives EM no pairs (and costs no comparison here).
            let vectors: Vec<Vec<athar_link::ComparisonVector>> = candidates
                .by_rule
                .iter()
                .zip(&rules)
                .map(|(sample, rule)| {
                    if !rule.trains {
                        return Vec::new();
                    }
                    map_with_cache(&caches, sample, |cache, &k| {
                        let (i, j) = candidates.pairs[k as usize];
                        compare_cached(engine, &records[i as usize], &records[j as usize], cache)
                    })
                })
                .collect();
            let training: Vec<TrainingSet> = rules
                .iter()
                .zip(&vectors)
                .zip(&candidates.reports)
                .map(|((r, v), made)| TrainingSet {
                    rule: r.name.as_str(),
                    vectors: v,
                    pairs: made.pairs,
                    blocked: r.blocked_comparisons(),
                })
                .collect();
            train_by_rules(&mut m, &training, max_matches(records.len()));
            // The prior starts from its upper bound, every candidate pair a match; the fixed
            // point of the scores (below) brings it down.
            let n = records.len() as f64;
            m.prior = (candidates.pairs.len() as f64 / (n * (n - 1.0) / 2.0).max(1.0)).clamp(1e-9, 0.5);
            (m, true)
        }
    };
    phases.mark("training", None);
    let tf = TermFrequencies::new(&records);
    // Each distinct pair compared and weighed once, on every core: its evidence, and the
    // weight of the person's own fields where relatives count (NaN where not), until the
    // prior is known.
    // Each rule's pairs served training only (a million records: some 300 MB).
    drop(std::mem::take(&mut candidates.by_rule));
    let evidence = PairEvidence::new(&caches, engine, &records, &candidates.pairs, &model, &tf);
    drop(caches);
    // The evidence holds the pairs: the candidates are not needed past here.
    drop(candidates);
    let mut prior_iterations = None;
    if trained {
        let tags = athar_link::record_tags(&records);
        let draw = athar_link::PairDraw::new(PRIOR_SAMPLE, evidence.len());
        let sample: Vec<Evidence> = (0..evidence.len())
            .into_par_iter()
            .filter(|&k| {
                let (i, j) = evidence.pair(k);
                draw.takes(tags[i as usize], tags[j as usize])
            })
            .map(|k| evidence.get(k))
            .collect();
        let n = records.len() as f64;
        let (prior, iterations) = model.estimate_prior(&sample, evidence.len(), n * (n - 1.0) / 2.0);
        model.prior = prior;
        prior_iterations = Some(iterations);
        model.trained_on = Some(athar_link::model::TrainedOn {
            records: records.len(),
            pairs: evidence.len(),
            source_kinds: source_kinds(store)?,
            at: now(),
        });
        store.save_model(&model.to_json(), actor, "model.train")?;
    }
    let mut scored = evidence.into_scored(&model);
    let pairs_scored = scored.len();
    phases.mark("scoring", Some((pairs_scored, "pairs scored")));
    // Judgements, by record index.
    let index: HashMap<i64, usize> = inputs.iter().enumerate().map(|(i, r)| (r.record_id, i)).collect();
    let mut judgements = Vec::new();
    // What the kept state will say was applied: the judgements as read now.
    let judgements_read = store.judgements_stamp()?;
    for j in store.judgements()? {
        let (Some(&a), Some(&b)) = (
            j.record_a.parse::<i64>().ok().and_then(|a| index.get(&a)),
            j.record_b.parse::<i64>().ok().and_then(|b| index.get(&b)),
        ) else {
            continue;
        };
        match j.decision.as_str() {
            "same" => judgements.push((a, b, Judgement::Same)),
            "different" => judgements.push((a, b, Judgement::Different)),
            _ => {}
        }
    }
    let new_records = incremental.map(|e| e.iter().filter(|p| p.is_none()).count());
    if let Some(e) = incremental {
        // The candidate pairs, scored, sorted by their records.
        let scored_candidates = pairs_scored;
        for (a, b, p) in store.review_pairs()? {
            if let (Some(&i), Some(&j)) = (index.get(&a), index.get(&b)) {
                let (i, j) = (i.min(j), i.max(j));
                if e[i].is_some() && e[j].is_some() && e[i] != e[j] {
                    let (i, j) = (i as u32, j as u32);
                    if scored[..scored_candidates].binary_search_by(|s| (s.0, s.1).cmp(&(i, j))).is_err() {
                        scored.push((i, j, p));
                    }
                }
            }
        }
    }
    let clustering =
        cluster_with_persons(records.len(), &scored, &judgements, options, existing.as_deref()).map_err(|c| {
            RegistryError::Invalid(format!("{c} (records {} and {})", inputs[c.a].record_id, inputs[c.b].record_id))
        })?;
    drop(scored);
    let mut groups: HashMap<usize, Vec<i64>> = HashMap::new();
    for (i, p) in clustering.person.iter().enumerate() {
        groups.entry(*p).or_default().push(inputs[i].record_id);
    }
    let mut groups: Vec<Vec<i64>> = groups.into_values().collect();
    // Each person's records by id, the persons by their first: the records were held in the
    // order of their names.
    groups.iter_mut().for_each(|g| g.sort_unstable());
    groups.sort_by_key(|g| g[0]);
    let review: Vec<(i64, i64, f64)> =
        clustering.review.iter().map(|&(a, b, p)| (inputs[a].record_id, inputs[b].record_id, p)).collect();
    phases.mark("clustering", None);
    let (mut state, keys_not_kept) = kept::kept_state(store, engine, &inputs, &tf, block_keys, judgements_read)?;
    state.push(kept::band_entry(&options));
    drop(tf);
    let report = store.save_persons(&groups, &review, &state, actor, "link", Some(stamp))?;
    phases.mark("saving", None);
    Ok(LinkReport {
        records: records.len(),
        new_records,
        from_kept_state: false,
        reports,
        pairs_scored,
        persons: report,
        review: clustering.pairs_to_ask(),
        refused: clustering.refused.len(),
        unlike_groups: clustering.unlike_groups,
        trained,
        model,
        prior_iterations,
        new_leads: 0,
        recheck: Recheck::Whole,
        seconds: Vec::new(),
        index_seconds: None,
        retrained_because: None,
        rederived: None,
        thin_model: None,
        keys_not_kept,
    })
}

#[cfg(test)]
mod tests {
    use super::put_in_order;

    #[test]
    fn evidence_packed_in_a_pair_reads_back_as_it_was_in_32_bits() {
        use super::{evidence_of, packed_evidence};
        for (bits, own) in [(12.5, Some(3.25)), (-40.0, None), (0.0, Some(-7.5)), (1e-3, None)] {
            let e = athar_link::model::Evidence { bits, own, own_present: true };
            let back = evidence_of(packed_evidence(&e));
            assert_eq!((back.bits, back.own), (f64::from(bits as f32), own.map(|o: f64| f64::from(o as f32))));
        }
    }

    #[test]
    fn items_put_in_order_take_the_item_at_each_position_of_the_order() {
        for order in [vec![2, 0, 1, 4, 3, 5], vec![5, 4, 3, 2, 1, 0], vec![0, 1, 2, 3, 4, 5], vec![1, 2, 3, 4, 5, 0]] {
            let mut items: Vec<char> = "abcdef".chars().collect();
            put_in_order(&mut items, &order);
            let want: Vec<char> = order.iter().map(|&i| (b'a' + i as u8) as char).collect();
            assert_eq!(items, want, "{order:?}");
        }
    }
}
