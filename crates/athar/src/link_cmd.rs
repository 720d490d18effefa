//! `athar link | explain | review | judge | persons | export persons`: linking records into
//! persons with the model of `athar-link`, explaining scores, and the human decisions that
//! always win.

use crate::output::{describe, CsvOut, Output};
use crate::Global;
use anyhow::{bail, Context, Result};
use athar_link::model::{estimate_u, max_matches, train_by_rules, Evidence, FsModel, LinkOptions, TrainingSet};
use athar_link::{
    candidate_pairs_where, cluster, cluster_with_persons, compare, compare_cached, default_rules, AnalysisCache,
    ClusterOptions, Judgement, LevelCache, LinkRecord, ScoredPair, TermFrequencies,
};
use athar_names::NameEngine;
use athar_store::escape_control as esc;
use athar_store::{LinkInput, Store};
use clap::{Args, Subcommand, ValueEnum};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Candidate pairs the prior's fixed point is computed on (evenly drawn when there are more).
const PRIOR_SAMPLE: usize = 1_000_000;

/// Pairs of one blocking rule EM learns from (evenly drawn when the rule made more).
const TRAINING_SAMPLE: usize = 250_000;

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// Recompute everything: retrain the model (u from random pairs, m by EM) and let persons
    /// made before merge automatically again (ids are still kept where a person keeps most of
    /// its records). Without it, a pair that would join two existing persons goes to review,
    /// and new records are blocked against the keys the last link kept when nothing since
    /// (judgements, reindex, tables, version) makes them stale; after changing the name rules
    /// in a development build, use --full once.
    #[arg(long)]
    pub(crate) full: bool,
    /// Probability at or above which pairs are merged.
    #[arg(long, default_value_t = 0.95)]
    pub(crate) threshold: f64,
    /// Probabilities LO,HI of pairs sent to review (never merged automatically). Default: from
    /// 0.5 (or the threshold, if lower) up to the threshold.
    #[arg(long, value_name = "LO,HI")]
    pub(crate) review_band: Option<String>,
    /// Largest block a blocking key may make (larger ones are split by birth year, and what
    /// is still too large is skipped and reported).
    #[arg(long, default_value_t = athar_link::DEFAULT_MAX_BLOCK)]
    pub(crate) max_block: usize,
    /// For measurement: link with the name engine's variant tables switched off (spelling
    /// rules, romanisation and skeletons only), to see what the tables add.
    #[arg(long)]
    pub(crate) without_name_tables: bool,
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Subcommand, Debug)]
pub enum PersonsCommand {
    /// A person's records side by side, with sources.
    Show {
        person: String,
        #[arg(long)]
        json: bool,
    },
    /// Move records out of a person into a new one; records judged different from the rest.
    Split { person: String, records: Vec<String> },
    /// Where a person id came from: creations, merges, splits.
    History {
        person: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Every record exactly once with its person (records that matched nobody included).
    Persons {
        /// The file to write, or - for standard output. Never the registry's own files, a
        /// database or a key file; an existing file only with --force.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Replace the --out file if it exists (never a database or a key file).
        #[arg(long)]
        force: bool,
    },
}

pub(crate) fn to_link_record(engine: &NameEngine, input: &LinkInput, cache: &mut AnalysisCache) -> LinkRecord {
    let fields: Vec<(&str, &str)> = input.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    LinkRecord::from_fields_cached(
        engine,
        &input.record_id.to_string(),
        &fields,
        input.national_id_hash.as_deref(),
        cache,
    )
}

/// The store's records as linkage reads them: analysed in parallel (each name text once per
/// thread, its analysis shared by the records that hold it), with their values interned.
pub(crate) fn link_records(engine: &NameEngine, inputs: &[LinkInput]) -> Vec<LinkRecord> {
    let mut records = analysed_records(engine, inputs);
    athar_link::intern_values(&mut records);
    records
}

/// The store's records analysed, their values not yet interned.
pub(crate) fn analysed_records(engine: &NameEngine, inputs: &[LinkInput]) -> Vec<LinkRecord> {
    inputs.par_iter().map_init(AnalysisCache::default, |cache, i| to_link_record(engine, i, cache)).collect()
}

fn parse_band(s: &str, threshold: f64) -> Result<(f64, f64)> {
    let (lo, hi) =
        s.split_once(',').with_context(|| format!("--review-band takes LO,HI such as 0.5,0.95, not '{s}'"))?;
    let lo: f64 = lo.trim().parse().with_context(|| format!("'{lo}' is not a probability"))?;
    let hi: f64 = hi.trim().parse().with_context(|| format!("'{hi}' is not a probability"))?;
    if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
        bail!("--review-band {s}: need 0 ≤ LO ≤ HI ≤ 1");
    }
    if (hi - threshold).abs() > 1e-9 && hi > threshold {
        bail!("--review-band ends at {hi} but --threshold is {threshold}: the band must end at or below the threshold");
    }
    Ok((lo, hi))
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

/// Maps `items` on every core in order, each thread with one [`LevelCache`] for its whole
/// share: rayon's `map_init` starts a new cache for every piece of work it splits off, and a
/// cache of name pairs pays only when it lives long (محمد against Mohammed is compared once,
/// not once per piece).
pub(crate) fn map_with_cache<T: Sync, R: Send>(items: &[T], f: impl Fn(&mut LevelCache, &T) -> R + Sync) -> Vec<R> {
    let pieces = 2 * rayon::current_num_threads().max(1);
    let f = &f;
    items
        .par_chunks(items.len().div_ceil(pieces).max(1))
        .flat_map_iter(|chunk| {
            let mut cache = LevelCache::default();
            chunk.iter().map(move |x| f(&mut cache, x))
        })
        .collect()
}

/// What each candidate pair says under a model, compactly (millions are held at once): its
/// evidence in bits, and the weight of the person's own fields where relatives count (NaN
/// where they do not). Compared and weighed on every core.
pub(crate) struct PairEvidence(Vec<(f32, f32)>);

impl PairEvidence {
    pub(crate) fn new(
        engine: &NameEngine,
        records: &[LinkRecord],
        pairs: &[(u32, u32)],
        model: &FsModel,
        tf: &TermFrequencies,
    ) -> Self {
        PairEvidence(map_with_cache(pairs, |cache, &(i, j)| {
            let (a, b) = (&records[i as usize], &records[j as usize]);
            let v = compare_cached(engine, a, b, cache);
            let e = model.evidence(&v, &|k| tf.share(k, a, b));
            (e.bits as f32, e.own.map_or(f32::NAN, |w| w as f32))
        }))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn get(&self, k: usize) -> Evidence {
        let (bits, own) = self.0[k];
        Evidence { bits: f64::from(bits), own: (!own.is_nan()).then_some(f64::from(own)), own_present: true }
    }
}

/// Wall time of each phase of a command, for its summary.
pub(crate) struct Phases {
    last: std::time::Instant,
    done: Vec<(&'static str, f64)>,
}

impl Phases {
    fn new() -> Self {
        Phases { last: std::time::Instant::now(), done: Vec::new() }
    }

    /// Ends the phase `name` now.
    pub(crate) fn mark(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.done.push((name, (now - self.last).as_secs_f64()));
        self.last = now;
    }

    fn json(&self) -> serde_json::Value {
        self.done.iter().map(|(n, s)| (n.to_string(), serde_json::json!((s * 1000.0).round() / 1000.0))).collect()
    }

    fn line(&self) -> String {
        self.done.iter().map(|(n, s)| format!("{n} {s:.1} s")).collect::<Vec<_>>().join(", ")
    }
}

/// What a link did, for its summary.
pub(crate) struct LinkSummary {
    pub(crate) records: usize,
    /// With an incremental link, the number of new records.
    pub(crate) new_records: Option<usize>,
    /// Whether the incremental link read only the new records and those sharing a block with
    /// them (the state the last link kept), not the whole registry.
    pub(crate) from_kept_state: bool,
    pub(crate) reports: Vec<athar_link::RuleReport>,
    pub(crate) pairs_scored: usize,
    pub(crate) persons: athar_store::PersonsReport,
    pub(crate) review: usize,
    pub(crate) refused: usize,
    pub(crate) unlike_groups: usize,
    pub(crate) trained: bool,
    pub(crate) model: FsModel,
    pub(crate) prior_iterations: Option<usize>,
    pub(crate) new_leads: usize,
}

pub fn link(global: &Global, args: LinkArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!("--threshold {} is not a probability", args.threshold);
    }
    let review_from = match &args.review_band {
        Some(band) => parse_band(band, args.threshold)?.0,
        None => args.threshold.min(0.5),
    };
    let mut store = crate::store_cmd::open(global)?;
    let _activity = athar_store::files::Activity::begin(&global.db, "a link");
    let engine = if args.without_name_tables { NameEngine::without_tables() } else { NameEngine::new() };
    let options = ClusterOptions { merge_at: args.threshold, review_from, ..Default::default() };
    let progress = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    progress.set_message("linking");
    progress.enable_steady_tick(std::time::Duration::from_millis(200));
    let mut phases = Phases::new();
    let kept = if args.full {
        None
    } else {
        crate::link_state::link_new(&mut store, &engine, &args, options, &global.actor(), &mut phases)?
    };
    let summary = match kept {
        Some(s) => s,
        None => {
            phases = Phases::new();
            link_all(&mut store, &engine, &args, options, &global.actor(), &mut phases)?
        }
    };
    progress.finish_and_clear();
    print_summary(&summary, &phases, args.json);
    Ok(ExitCode::SUCCESS)
}

/// A link over every record of the registry: with `--full`, or when the last link kept no
/// usable state.
fn link_all(
    store: &mut Store,
    engine: &NameEngine,
    args: &LinkArgs,
    options: ClusterOptions,
    actor: &str,
    phases: &mut Phases,
) -> Result<LinkSummary> {
    // What the persons are as this link reads them: the save checks, write-locked, that no
    // other link, split or judgement changed them meanwhile.
    let stamp = store.persons_stamp()?;
    let inputs = store.link_inputs()?;
    if inputs.is_empty() {
        bail!("there are no records to link; import a list first (athar import FILE --source NAME)");
    }
    let records = link_records(engine, &inputs);
    phases.mark("reading");
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
    let mut candidates = match incremental {
        Some(e) => candidate_pairs_where(
            &records,
            &rules,
            args.max_block,
            &|i, j| e[i].is_none() || e[j].is_none() || e[i] == e[j],
            true,
        ),
        None => candidate_pairs_where(&records, &rules, args.max_block, &|_, _| true, true),
    };
    let reports = candidates.reports.clone();
    let block_keys = candidates.keys.take();
    phases.mark("blocking");
    // The model: stored, or trained now.
    let (mut model, trained) = match (&stored, args.full) {
        (Some(json), false) => {
            (FsModel::from_json(json).context("the stored model does not parse; run athar link --full")?, false)
        }
        _ => {
            let mut m = FsModel::default_model();
            m.linked_with = Some(LinkOptions { name_tables: !args.without_name_tables, max_block: args.max_block });
            let sample = random_pairs(records.len(), 20_000.min(records.len() * (records.len() - 1) / 2).max(1));
            let random: Vec<_> = sample.par_iter().map(|&(i, j)| compare(engine, &records[i], &records[j])).collect();
            estimate_u(&mut m, &random);
            // EM learns from an even sample of each rule's pairs: a million patterns say as
            // much as sixteen million.
            let vectors: Vec<Vec<athar_link::ComparisonVector>> = candidates
                .by_rule
                .iter()
                .map(|positions| {
                    let stride = (positions.len() / TRAINING_SAMPLE).max(1);
                    let sample: Vec<u32> = positions.iter().step_by(stride).copied().collect();
                    map_with_cache(&sample, |cache, &k| {
                        let (i, j) = candidates.pairs[k as usize];
                        compare_cached(engine, &records[i as usize], &records[j as usize], cache)
                    })
                })
                .collect();
            let training: Vec<TrainingSet> = rules
                .iter()
                .zip(&vectors)
                .zip(&candidates.by_rule)
                .map(|((r, v), positions)| TrainingSet {
                    rule: r.name.as_str(),
                    vectors: v,
                    pairs: positions.len(),
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
    phases.mark("training");
    let tf = TermFrequencies::new(&records);
    // Each distinct pair compared and weighed once, on every core: its evidence, and the
    // weight of the person's own fields where relatives count (NaN where not), until the
    // prior is known.
    let evidence = PairEvidence::new(engine, &records, &candidates.pairs, &model, &tf);
    let mut prior_iterations = None;
    if trained {
        let stride = (evidence.len() / PRIOR_SAMPLE).max(1);
        let sample: Vec<Evidence> = (0..evidence.len()).step_by(stride).map(|k| evidence.get(k)).collect();
        let n = records.len() as f64;
        let (prior, iterations) = model.estimate_prior(&sample, evidence.len(), n * (n - 1.0) / 2.0);
        model.prior = prior;
        prior_iterations = Some(iterations);
        store.save_model(&model.to_json(), actor, "model.train")?;
    }
    let mut scored: Vec<ScoredPair> = (0..evidence.len())
        .into_par_iter()
        .map(|k| {
            let (i, j) = candidates.pairs[k];
            (i, j, model.probability_of(&evidence.get(k)))
        })
        .collect();
    drop(evidence);
    let pairs_scored = scored.len();
    phases.mark("scoring");
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
        for (a, b, p) in store.review_pairs()? {
            if let (Some(&i), Some(&j)) = (index.get(&a), index.get(&b)) {
                let (i, j) = (i.min(j), i.max(j));
                if e[i].is_some() && e[j].is_some() && e[i] != e[j] && candidates.position(i as u32, j as u32).is_none()
                {
                    scored.push((i as u32, j as u32, p));
                }
            }
        }
    }
    let clustering = cluster_with_persons(records.len(), &scored, &judgements, options, existing.as_deref())
        .map_err(|c| anyhow::anyhow!("{c} (records {} and {})", inputs[c.a].record_id, inputs[c.b].record_id))?;
    drop(scored);
    drop(candidates);
    let mut groups: HashMap<usize, Vec<i64>> = HashMap::new();
    for (i, p) in clustering.person.iter().enumerate() {
        groups.entry(*p).or_default().push(inputs[i].record_id);
    }
    let mut groups: Vec<Vec<i64>> = groups.into_values().collect();
    groups.sort_by_key(|g| g[0]);
    let review: Vec<(i64, i64, f64)> =
        clustering.review.iter().map(|&(a, b, p)| (inputs[a].record_id, inputs[b].record_id, p)).collect();
    phases.mark("clustering");
    let state = crate::link_state::kept_state(store, engine, &inputs, &tf, block_keys, judgements_read)?;
    drop(tf);
    let report = store.save_persons(&groups, &review, &state, actor, "link", Some(stamp))?;
    // Persons changed: open inquiries look again.
    let new_leads = crate::inquiry_cmd::recheck(store)?;
    phases.mark("saving");
    Ok(LinkSummary {
        records: records.len(),
        new_records,
        from_kept_state: false,
        reports,
        pairs_scored,
        persons: report,
        review: review.len(),
        refused: clustering.refused.len(),
        unlike_groups: clustering.unlike_groups,
        trained,
        model,
        prior_iterations,
        new_leads,
    })
}

fn print_summary(s: &LinkSummary, phases: &Phases, json: bool) {
    let em = s.model.training.clone().unwrap_or_default();
    let report = &s.persons;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "records": s.records,
                "incremental": s.new_records.is_some(),
                "new_records": s.new_records,
                "from_kept_state": s.from_kept_state,
                "rules": s.reports,
                "pairs_scored": s.pairs_scored,
                "persons": report.persons,
                "kept_ids": report.kept_ids,
                "new_ids": report.new_ids,
                "merges": report.merges,
                "splits": report.splits,
                "review": s.review,
                "refused_by_judgements": s.refused,
                "sent_to_review_groups_unlike": s.unlike_groups,
                "model_trained": s.trained,
                "em": em,
                "prior": s.model.prior,
                "prior_iterations": s.prior_iterations,
                "seconds": phases.json(),
                "new_inquiry_leads": s.new_leads,
            })
        );
        return;
    }
    match s.new_records {
        Some(n) => println!(
            "{} records, {n} new: {} candidate pairs scored (incremental{}; athar link --full recomputes all)",
            s.records,
            s.pairs_scored,
            if s.from_kept_state { ", against the blocking keys the last link kept" } else { "" }
        ),
        None => println!("{} records, {} candidate pairs scored", s.records, s.pairs_scored),
    }
    for r in &s.reports {
        println!(
            "  rule {:<26} {:>9} pairs ({} new){}",
            r.rule,
            r.pairs,
            r.new_pairs,
            if r.skipped_blocks > 0 {
                format!(", {} blocks too large, skipped", r.skipped_blocks)
            } else {
                String::new()
            }
        );
    }
    if s.trained {
        if let Some(n) = s.prior_iterations {
            println!("  prior {:.3e}: expected matches agree with the scores after {n} iterations", s.model.prior);
        }
        for e in &em {
            println!(
                "  EM on {:<26} {} after {} iterations (last change {:.1e}), match share {:.3}",
                e.rule,
                if e.converged { "converged" } else { "did NOT converge" },
                e.iterations,
                e.last_delta,
                e.match_share
            );
        }
    } else {
        println!("  model: the stored one (athar link --full retrains it)");
    }
    println!(
        "{} persons ({} ids kept, {} new; {} merges, {} splits), {} {}pairs to review (athar review)",
        report.persons,
        report.kept_ids,
        report.new_ids,
        report.merges,
        report.splits,
        s.review,
        if s.from_kept_state { "more " } else { "" }
    );
    if s.new_leads > 0 {
        println!("  {} new leads for open inquiries (athar inquiry leads)", s.new_leads);
    }
    println!("  time: {}", phases.line());
    if s.unlike_groups > 0 {
        println!(
            "  {} strong pairs sent to review: the other records of the two persons they would join look unlike",
            s.unlike_groups
        );
    }
    if s.refused > 0 {
        println!("  {} merges refused because a person judged two records different", s.refused);
    }
}

/// Loads the records of two references and the model, for `explain` and `review`.
struct Context2 {
    engine: NameEngine,
    records: Vec<LinkRecord>,
    ids: HashMap<i64, usize>,
    model: FsModel,
    model_is_default: bool,
    tf: TermFrequencies,
}

fn load(store: &Store) -> Result<Context2> {
    let engine = NameEngine::new();
    let inputs = store.link_inputs()?;
    let records = link_records(&engine, &inputs);
    let ids = inputs.iter().enumerate().map(|(i, r)| (r.record_id, i)).collect();
    let (model, model_is_default) = match store.model()? {
        Some(json) => (FsModel::from_json(&json)?, false),
        None => (FsModel::default_model(), true),
    };
    let tf = TermFrequencies::new(&records);
    Ok(Context2 { engine, records, ids, model, model_is_default, tf })
}

fn resolve(store: &Store, ctx: &Context2, reference: &str) -> Result<usize> {
    let id = store
        .record_id(reference)?
        .with_context(|| format!("no record '{reference}' (a record id or SOURCE:SOURCE_RECORD_ID)"))?;
    ctx.ids.get(&id).copied().with_context(|| format!("record {id} has no fields to compare"))
}

pub fn explain(global: &Global, a: String, b: String, json: bool) -> Result<ExitCode> {
    let store = crate::store_cmd::open(global)?;
    let ctx = load(&store)?;
    let (i, j) = (resolve(&store, &ctx, &a)?, resolve(&store, &ctx, &b)?);
    let (ra, rb) = (&ctx.records[i], &ctx.records[j]);
    let v = compare(&ctx.engine, ra, rb);
    let e = ctx.model.explain(&v, &|k| ctx.tf.share(k, ra, rb));
    store.audit(&global.actor(), "explain", Some(&format!("records:{}:{}", ra.id, rb.id)), None, None)?;
    if json {
        println!(
            "{}",
            serde_json::json!({"record_a": ra.id, "record_b": rb.id, "model": if ctx.model_is_default { "default" } else { "trained" }, "explanation": e})
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "records {} and {}{}",
        ra.id,
        rb.id,
        if ctx.model_is_default { " (default model: run athar link to train one)" } else { "" }
    );
    println!("  {:<34} {:<36} {:>8}", "prior", "", format!("{:+.2}", e.prior_weight));
    let mut running = e.prior_weight;
    for l in &e.lines {
        running += l.weight;
        println!(
            "  {:<34} {:<36} {:>8}   = {running:+.2}",
            esc(&l.comparison),
            esc(&l.level),
            format!("{:+.2}", l.weight)
        );
    }
    println!("  total {:+.2} bits → probability {:.4}", e.total, e.probability);
    Ok(ExitCode::SUCCESS)
}

fn summary(r: &LinkRecord) -> String {
    let name = |f: &athar_link::record::NameField| f.as_ref().map(|a| a.input.clone());
    let mut parts: Vec<String> =
        [name(&r.given), name(&r.father), name(&r.grandfather), name(&r.family)].into_iter().flatten().collect();
    if let Some(m) = name(&r.mother_given) {
        parts.push(format!("mother {m}"));
    }
    if let Some(b) = r.birth {
        parts.push(format!("born {}", b.year));
    }
    parts.join(" ")
}

pub fn review(global: &Global, json: bool) -> Result<ExitCode> {
    let store = crate::store_cmd::open(global)?;
    let pairs = store.review_pairs()?;
    let ctx = load(&store)?;
    store.audit(&global.actor(), "review", None, Some(pairs.len() as i64), None)?;
    let rows: Vec<serde_json::Value> = pairs
        .iter()
        .filter_map(|&(a, b, p)| {
            let (i, j) = (ctx.ids.get(&a)?, ctx.ids.get(&b)?);
            Some(serde_json::json!({"record_a": a.to_string(), "record_b": b.to_string(), "probability": p,
                "a": summary(&ctx.records[*i]), "b": summary(&ctx.records[*j])}))
        })
        .collect();
    if json {
        println!("{}", serde_json::json!({ "review": rows }));
    } else if rows.is_empty() {
        println!("nothing to review");
    } else {
        for r in &rows {
            println!(
                "{} ↔ {}  p={:.3}\n    {}\n    {}",
                r["record_a"],
                r["record_b"],
                r["probability"].as_f64().unwrap_or(0.0),
                esc(r["a"].as_str().unwrap_or("")),
                esc(r["b"].as_str().unwrap_or(""))
            );
        }
        println!("decide with: athar judge A B same|different|unsure [--note \"…\"]");
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct JudgeArgs {
    /// First record (id or SOURCE:SOURCE_RECORD_ID).
    a: Option<String>,
    /// Second record.
    b: Option<String>,
    /// same, different or unsure.
    decision: Option<String>,
    /// Why.
    #[arg(long)]
    note: Option<String>,
    /// Withdraw judgement ID instead (it is kept, marked withdrawn).
    #[arg(long, value_name = "ID", conflicts_with_all = ["a", "b", "decision"])]
    withdraw: Option<String>,
}

pub fn judge(global: &Global, args: JudgeArgs) -> Result<ExitCode> {
    let store = crate::store_cmd::open(global)?;
    let actor = global.actor();
    if let Some(id) = args.withdraw {
        if !store.withdraw_judgement(&id, &actor)? {
            bail!("no judgement {id} in force; see athar review or athar persons history");
        }
        println!("judgement {id} withdrawn; run athar link to apply");
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(a), Some(b), Some(decision)) = (args.a, args.b, args.decision) else {
        bail!("give two records and a decision: athar judge A B same|different|unsure, or --withdraw ID");
    };
    if !matches!(decision.as_str(), "same" | "different" | "unsure") {
        bail!("'{decision}' is not a decision; use same, different or unsure");
    }
    let ra = store.record_id(&a)?.with_context(|| format!("no record '{a}'; nothing recorded"))?;
    let rb = store.record_id(&b)?.with_context(|| format!("no record '{b}'; nothing recorded"))?;
    // Refuse a judgement that contradicts those in force (A = B, B = C, A ≠ C).
    let mut all: Vec<(i64, i64, Judgement)> = store
        .judgements()?
        .iter()
        .filter_map(|j| {
            let d = match j.decision.as_str() {
                "same" => Judgement::Same,
                "different" => Judgement::Different,
                _ => return None,
            };
            Some((j.record_a.parse().ok()?, j.record_b.parse().ok()?, d))
        })
        .filter(|(x, y, _)| !((*x == ra.min(rb)) && (*y == ra.max(rb))))
        .collect();
    match decision.as_str() {
        "same" => all.push((ra, rb, Judgement::Same)),
        "different" => all.push((ra, rb, Judgement::Different)),
        _ => {}
    }
    let mut ids: Vec<i64> = all.iter().flat_map(|(x, y, _)| [*x, *y]).collect();
    ids.sort_unstable();
    ids.dedup();
    let pos = |r: i64| ids.binary_search(&r).unwrap_or(0);
    let graph: Vec<(usize, usize, Judgement)> = all.iter().map(|(x, y, d)| (pos(*x), pos(*y), *d)).collect();
    if let Err(c) = cluster(ids.len(), &[], &graph, ClusterOptions::default()) {
        bail!(
            "this contradicts judgements in force: records {} and {} would be both the same and different; \
             nothing recorded — withdraw one first (athar judge --withdraw ID)",
            ids[c.a],
            ids[c.b]
        );
    }
    let id = store.add_judgement(ra, rb, &decision, args.note.as_deref(), &actor)?;
    println!("judgement {id}: records {ra} and {rb} are {decision}; run athar link to apply");
    Ok(ExitCode::SUCCESS)
}

pub fn persons(global: &Global, cmd: PersonsCommand) -> Result<ExitCode> {
    let mut store = crate::store_cmd::open(global)?;
    let actor = global.actor();
    match cmd {
        PersonsCommand::Show { person, json } => {
            let ids = store.person_records(&person)?;
            if ids.is_empty() {
                bail!("no person '{person}'; run athar link, then see athar export persons");
            }
            let views: Vec<_> = ids.iter().filter_map(|id| store.record(&id.to_string()).ok().flatten()).collect();
            store.audit(&actor, "persons.show", Some(&format!("person:{person}")), Some(views.len() as i64), None)?;
            if json {
                println!("{}", serde_json::json!({"person_id": person, "records": views}));
            } else {
                println!("person {person}: {} records", views.len());
                for v in &views {
                    let derived: Vec<String> = v.derived.iter().map(|(k, val)| format!("{k}={val}")).collect();
                    println!(
                        "  record {} — source {} row {}{}\n      {}",
                        v.record_id,
                        esc(&v.source),
                        v.row,
                        v.source_record_id.as_deref().map(|s| format!(" (id {})", esc(s))).unwrap_or_default(),
                        esc(&derived.join("  "))
                    );
                }
            }
        }
        PersonsCommand::History { person, json } => {
            let events = store.lineage(&person)?;
            if events.is_empty() {
                bail!("no history for '{person}'");
            }
            if json {
                println!("{}", serde_json::json!({"person_id": person, "history": events}));
            } else {
                for e in &events {
                    println!(
                        "{}  {} {} {}{}",
                        e.at,
                        esc(&e.person_id),
                        e.event,
                        esc(e.other.as_deref().unwrap_or("")),
                        e.detail.as_deref().map(|d| format!(" ({})", esc(d))).unwrap_or_default()
                    );
                }
            }
        }
        PersonsCommand::Split { person, records } => {
            let members = store.person_records(&person)?;
            if members.is_empty() {
                bail!("no person '{person}'");
            }
            if records.is_empty() {
                bail!("name the records to move out of {person}");
            }
            let mut moved = Vec::new();
            for r in &records {
                let id = store.record_id(r)?.with_context(|| format!("no record '{r}'; nothing changed"))?;
                if !members.contains(&id) {
                    bail!("record {id} is not in person {person}; nothing changed");
                }
                moved.push(id);
            }
            if moved.len() == members.len() {
                bail!("that would move every record of {person}; nothing changed");
            }
            // One write, locked from its start: the judgements that make the split last (every
            // later link keeps them) and the persons as they are after it.
            store.in_transaction(|store| {
                if store.person_records(&person)? != members {
                    return Err(athar_store::StoreError::Busy(format!(
                        "person {person} changed while the split was prepared; nothing changed — try again"
                    )));
                }
                let note = format!("split of {person}");
                for &m in &moved {
                    for &o in members.iter().filter(|o| !moved.contains(o)) {
                        store.add_judgement(m, o, "different", Some(&note), &actor)?;
                    }
                }
                for w in moved.windows(2) {
                    store.add_judgement(w[0], w[1], "same", Some(&note), &actor)?;
                }
                let rest: Vec<i64> = members.iter().copied().filter(|o| !moved.contains(o)).collect();
                let mut groups = vec![rest, moved.clone()];
                // Other persons stay as they are.
                let mut others: HashMap<String, Vec<i64>> = HashMap::new();
                for (r, p) in store.persons_of_records()? {
                    if p != person {
                        others.entry(p).or_default().push(r);
                    }
                }
                let mut others: Vec<Vec<i64>> = others.into_values().collect();
                for g in &mut others {
                    g.sort_unstable();
                }
                others.sort();
                groups.extend(others);
                let review = store.review_pairs()?;
                store.save_persons(&groups, &review, &[], &actor, "persons.split", None)
            })?;
            println!(
                "{} records moved out of {person} into a new person; see athar persons history {person}",
                moved.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(global: &Global, cmd: ExportCommand) -> Result<ExitCode> {
    let ExportCommand::Persons { out, format, force } = cmd;
    let store = crate::store_cmd::open(global)?;
    // The output is checked before anything is read or audited: a refused path costs nothing.
    let mut sink = Output::open(&out, &store.own_files(), force)?;
    let rows = store.person_export()?;
    store.audit(&global.actor(), "export.persons", Some(&describe(&out)), Some(rows.len() as i64), None)?;
    let person = |p: &Option<String>, r: i64| p.clone().unwrap_or_else(|| format!("R{r}"));
    match format {
        ExportFormat::Csv => {
            let mut w = CsvOut::new(&mut sink);
            w.row(["person_id", "record_id", "source", "source_record_id"])?;
            for (p, r, s, srid) in &rows {
                w.row([person(p, *r), r.to_string(), s.clone(), srid.clone().unwrap_or_default()])?;
            }
            w.into_inner()?;
        }
        ExportFormat::Json => {
            let list: Vec<_> = rows
                .iter()
                .map(|(p, r, s, srid)| serde_json::json!({"person_id": person(p, *r), "record_id": r.to_string(), "source": s, "source_record_id": srid}))
                .collect();
            serde_json::to_writer_pretty(&mut sink, &serde_json::json!({"records": list}))?;
            writeln!(sink)?;
        }
    }
    let to_stdout = sink.is_stdout();
    sink.finish().with_context(|| format!("cannot write {}", describe(&out)))?;
    if !to_stdout {
        eprintln!("{} records written to {}", rows.len(), describe(&out));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Print the model document (JSON): the default one until `athar link` trains one.
    Show,
    /// Write the model document to a file (- for standard output; an existing file only with
    /// --force, never a database or a key file).
    Export {
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Use a model document (checked before it replaces the stored one).
    Import { file: PathBuf },
}

pub fn model(global: &Global, cmd: ModelCommand) -> Result<ExitCode> {
    let store = crate::store_cmd::open(global)?;
    let current = match store.model()? {
        Some(json) => FsModel::from_json(&json).context("the stored model does not parse; run athar link --full")?,
        None => FsModel::default_model(),
    };
    match cmd {
        ModelCommand::Show => println!("{}", current.to_json()),
        ModelCommand::Export { file, force } => {
            let mut sink = Output::open(&file, &store.own_files(), force)?;
            writeln!(sink, "{}", current.to_json())?;
            let to_stdout = sink.is_stdout();
            sink.finish().with_context(|| format!("cannot write {}", describe(&file)))?;
            if !to_stdout {
                eprintln!("model written to {}", describe(&file));
            }
        }
        ModelCommand::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let m = FsModel::from_json(&text)
                .with_context(|| format!("{} is not a usable model; nothing changed", file.display()))?;
            store.save_model(&m.to_json(), &global.actor(), "model.import")?;
            eprintln!("model imported from {}; run athar link to apply it", file.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
