//! `athar synth`, `athar eval --truth`, `athar demo`: generated lists with their truth, the
//! quality of linkage against a truth, and the first run on a fresh machine.

use crate::output::{describe, CsvOut, Output};
use crate::Global;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Number of persons.
    #[arg(long, default_value_t = 1000)]
    persons: usize,
    /// Seed: the same seed gives the same lists.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write the lists, truth.csv, queries.csv and traps.csv into (created).
    #[arg(long)]
    out: PathBuf,
    /// Replace files of those names in the folder (never a database or a key file).
    #[arg(long)]
    force: bool,
}

/// The generated lists are Athar's own: written as they are, cells unaltered (they are test
/// data, and their truth must match them), through a checked output.
fn write_csv(path: &Path, force: bool, headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<()> {
    let mut sink = Output::open(path, &[], force)?;
    {
        let mut w = csv::Writer::from_writer(&mut sink);
        w.write_record(headers)?;
        for r in rows {
            w.write_record(&r)?;
        }
        w.flush()?;
    }
    sink.finish().with_context(|| format!("cannot write {}", path.display()))
}

/// Writes a generated set into `out`; returns the lists' file names and kinds. Existing files
/// of the same names are replaced only with `force`.
pub fn write_synth(persons: usize, seed: u64, out: &Path, force: bool) -> Result<Vec<(String, PathBuf, &'static str)>> {
    if persons == 0 {
        bail!("--persons must be at least 1");
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let set = athar_synth::generate(persons, seed);
    let mut files = Vec::new();
    for l in &set.lists {
        let path = out.join(format!("{}.csv", l.name));
        let headers: Vec<&str> = l.headers.iter().map(String::as_str).collect();
        write_csv(&path, force, &headers, l.rows.iter().cloned())?;
        files.push((l.name.clone(), path, l.kind));
    }
    write_csv(
        &out.join("truth.csv"),
        force,
        &["source", "source_record_id", "person_id"],
        set.truth.iter().map(|(a, b, c)| vec![a.clone(), b.clone(), c.clone()]),
    )?;
    write_csv(
        &out.join("queries.csv"),
        force,
        &["query_id", "name", "father", "mother", "born", "place", "person_id"],
        set.queries.iter().map(|q| q.to_vec()),
    )?;
    write_csv(
        &out.join("traps.csv"),
        force,
        &["person_a", "person_b", "kind"],
        set.traps.iter().map(|(a, b, k)| vec![a.clone(), b.clone(), k.to_string()]),
    )?;
    Ok(files)
}

pub fn synth(args: SynthArgs) -> Result<ExitCode> {
    let files = write_synth(args.persons, args.seed, &args.out, args.force)?;
    for (name, path, kind) in &files {
        eprintln!("{name:<12} {kind:<9} {}", path.display());
    }
    eprintln!("truth.csv, queries.csv and traps.csv in {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// CSV with source,source_record_id,person_id.
    #[arg(long)]
    truth: PathBuf,
    /// CSV with person_a,person_b,kind (namesake, sibling): how often such pairs were merged.
    #[arg(long)]
    traps: Option<PathBuf>,
    /// Write a precision-recall chart of the threshold sweep (SVG; - for standard output).
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Family-style queries (query_id,name,father,mother,born,place,person_id): search
    /// recall@1 and recall@10.
    #[arg(long)]
    queries: Option<PathBuf>,
    /// Write every candidate pair (record_a,record_b,probability,same_person) and every true pair
    /// blocking missed (probability empty) as CSV, to study the errors.
    #[arg(long)]
    pairs: Option<PathBuf>,
    /// Replace the --svg and --pairs files if they exist (never a database or a key file).
    #[arg(long)]
    force: bool,
    #[arg(long)]
    json: bool,
}

fn f1(p: f64, r: f64) -> f64 {
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

pub fn eval(global: &Global, args: EvalArgs) -> Result<ExitCode> {
    let store = crate::store_cmd::open(global)?;
    // Outputs are checked before the work: a refused path costs nothing.
    if args.svg.is_some() && args.svg == args.pairs {
        bail!("--svg and --pairs name the same file; give each its own");
    }
    let svg_out = args.svg.as_deref().map(|p| Output::open(p, &store.own_files(), args.force)).transpose()?;
    let pairs_out = args.pairs.as_deref().map(|p| Output::open(p, &store.own_files(), args.force)).transpose()?;
    let mut rdr =
        csv::Reader::from_path(&args.truth).with_context(|| format!("cannot read {}", args.truth.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |n: &str| {
        headers.iter().position(|h| h.trim() == n).with_context(|| {
            format!("{} has no column '{n}' (needs source,source_record_id,person_id)", args.truth.display())
        })
    };
    let (cs, cr, cp) = (col("source")?, col("source_record_id")?, col("person_id")?);
    let export = store.person_export()?;
    let key = |s: &str, r: &str| format!("{s}\u{1f}{r}");
    let mut truth_of: HashMap<String, String> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        truth_of.insert(key(&rec[cs], &rec[cr]), rec[cp].to_string());
    }
    let mut labels_p: HashMap<String, usize> = HashMap::new();
    let mut labels_t: HashMap<String, usize> = HashMap::new();
    let (mut pred, mut truth) = (Vec::new(), Vec::new());
    let mut person_of_truth: HashMap<String, Vec<String>> = HashMap::new();
    let mut matched = 0usize;
    for (p, rid, source, srid) in &export {
        let Some(t) = srid.as_deref().and_then(|s| truth_of.get(&key(source, s))) else { continue };
        matched += 1;
        let p = p.clone().unwrap_or_else(|| format!("R{rid}"));
        let n = labels_p.len();
        pred.push(*labels_p.entry(p.clone()).or_insert(n));
        let n = labels_t.len();
        truth.push(*labels_t.entry(t.clone()).or_insert(n));
        person_of_truth.entry(t.clone()).or_default().push(p);
    }
    let unknown = truth_of.len() - matched;
    if matched == 0 {
        bail!("none of the truth file's records is in the database; import the lists it describes first");
    }
    let (pp, pr) = pairwise(&pred, &truth);
    let (bp, br) = bcubed(&pred, &truth);
    let mut traps_out = serde_json::Map::new();
    if let Some(path) = &args.traps {
        let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut by_kind: HashMap<String, (usize, usize)> = HashMap::new();
        for rec in rdr.records() {
            let rec = rec?;
            let (a, b, kind) = (&rec[0], &rec[1], rec[2].to_string());
            let (Some(pa), Some(pb)) = (person_of_truth.get(a), person_of_truth.get(b)) else { continue };
            let merged = pa.iter().collect::<HashSet<_>>().intersection(&pb.iter().collect()).next().is_some();
            let e = by_kind.entry(kind).or_default();
            e.0 += 1;
            e.1 += merged as usize;
        }
        for (k, (n, m)) in by_kind {
            traps_out.insert(k, serde_json::json!({"pairs": n, "merged": m, "merge_rate": if n == 0 { 0.0 } else { m as f64 / n as f64 }}));
        }
    }
    // Blocking recall and a threshold sweep: candidate pairs made and scored again as the link
    // that trained the stored model made them (name tables on or off, block limit).
    let Sweep { blocking_recall, points: sweep, calibration, prior, ceiling } = sweep(&store, &truth_of, pairs_out)?;
    if let (Some(mut sink), Some(path)) = (svg_out, &args.svg) {
        sink.write_all(pr_chart(&sweep).as_bytes())?;
        sink.finish().with_context(|| format!("cannot write {}", describe(path)))?;
    }
    let search_recall = match &args.queries {
        Some(q) => Some(crate::search_cmd::recall(&store, q, &truth_of)?),
        None => None,
    };
    store.audit(&global.actor(), "eval", Some(&args.truth.display().to_string()), Some(matched as i64), None)?;
    let sweep_json: Vec<serde_json::Value> = sweep
        .iter()
        .map(|(t, p, r)| serde_json::json!({"threshold": t, "precision": p, "recall": r, "f1": f1(*p, *r)}))
        .collect();
    let report = serde_json::json!({
        "search": search_recall.map(|(n, r1, r10)| serde_json::json!({"queries": n, "recall_at_1": r1, "recall_at_10": r10})),
        "blocking_recall": blocking_recall,
        "calibration": calibration.iter().map(|(lo, n, share)| serde_json::json!({"from": lo, "pairs": n, "same_person": share})).collect::<Vec<_>>(),
        "prior": {"model": prior.0, "truth": prior.1},
        "ceiling": {
            "patterns": ceiling.patterns,
            "model": {"f1": ceiling.model.0, "precision": ceiling.model.1, "recall": ceiling.model.2},
            "oracle": {"f1": ceiling.oracle.0, "precision": ceiling.oracle.1, "recall": ceiling.oracle.2},
        },
        "threshold_sweep": sweep_json,
        "records": matched,
        "truth_records_not_in_database": unknown,
        "pairwise": {"precision": pp, "recall": pr, "f1": f1(pp, pr)},
        "bcubed": {"precision": bp, "recall": br, "f1": f1(bp, br)},
        "traps": traps_out,
    });
    if args.json {
        println!("{report}");
    } else {
        println!("{matched} records evaluated ({unknown} truth records not in the database)");
        println!("  pairwise  precision {pp:.4}  recall {pr:.4}  F1 {:.4}", f1(pp, pr));
        println!("  B-cubed   precision {bp:.4}  recall {br:.4}  F1 {:.4}", f1(bp, br));
        for (k, v) in &traps_out {
            println!(
                "  {k} pairs merged: {} of {} ({:.3})",
                v["merged"],
                v["pairs"],
                v["merge_rate"].as_f64().unwrap_or(0.0)
            );
        }
        println!("  blocking recall {blocking_recall:.4} (true pairs that blocking generated)");
        println!("  prior: model {:.2e}, truth {:.2e} (true pairs over all pairs of records)", prior.0, prior.1);
        let (m, o) = (ceiling.model, ceiling.oracle);
        println!(
            "  best pairwise F1 of the candidate pairs alone (no clustering): {:.4} (P {:.4} R {:.4})",
            m.0, m.1, m.2
        );
        println!(
            "  ceiling of these comparisons: {:.4} (P {:.4} R {:.4}), an oracle knowing the true share of each of {} \
             patterns of levels and name-frequency bands",
            o.0, o.1, o.2, ceiling.patterns
        );
        println!("  calibration (candidate pairs by probability: how many, share truly one person):");
        for (lo, n, share) in &calibration {
            println!("    {lo:.1}–{:.1}  {n:>9}  {share:.3}", lo + 0.1);
        }
        if let Some((n, r1, r10)) = search_recall {
            println!("  search: {n} queries for persons in the registry, recall@1 {r1:.4}, recall@10 {r10:.4}");
        }
        println!("  threshold sweep (pairwise, judgements applied):");
        for (t, p, r) in &sweep {
            println!("    {t:.2}  precision {p:.4}  recall {r:.4}  F1 {:.4}", f1(*p, *r));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// (threshold, precision, recall) of one point of a sweep.
type SweepPoint = (f64, f64, f64);

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
}

/// How far the scoring is from what its comparisons allow, on the candidate pairs alone (no
/// clustering, no judgements): the best pairwise F1 of the model's probabilities, and that of an
/// oracle that knows the true share of every pattern of comparison levels and name-frequency
/// bands. No weighting of these comparisons beats the oracle (it sees the truth, and flatters
/// itself on small patterns), so where it falls short of a goal, the records lack the evidence.
struct Ceiling {
    patterns: usize,
    model: BestF1,
    oracle: BestF1,
}

/// (F1, precision, recall) at the best cut of a ranking.
type BestF1 = (f64, f64, f64);

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
fn pattern(v: &athar_link::ComparisonVector, bands: [Option<f64>; 2]) -> u64 {
    let mut key = 0u64;
    for level in v {
        key = key << 4 | u64::from(level.map_or(15, |l| l.min(14)));
    }
    for share in bands {
        key = key << 5 | share.map_or(31, |s| ((-s.log2() / 3.0).floor().clamp(0.0, 30.0)) as u64);
    }
    key
}

fn ceiling(scored: &[athar_link::ScoredPair], patterns: &[u64], same: &[bool], true_pairs: usize) -> Ceiling {
    let mut order: Vec<usize> = (0..scored.len()).collect();
    order.sort_unstable_by(|&x, &y| scored[y].2.total_cmp(&scored[x].2));
    let model = best_cut(order.iter().map(|&k| (1, usize::from(same[k]))), true_pairs);
    let mut groups: HashMap<u64, (usize, usize)> = HashMap::new();
    for (k, key) in patterns.iter().enumerate() {
        let g = groups.entry(*key).or_default();
        g.0 += 1;
        g.1 += usize::from(same[k]);
    }
    let mut by_share: Vec<(usize, usize)> = groups.into_values().collect();
    by_share.sort_unstable_by(|x, y| (y.1 * x.0).cmp(&(x.1 * y.0)));
    Ceiling { patterns: by_share.len(), model, oracle: best_cut(by_share.into_iter(), true_pairs) }
}

/// Blocking recall and pairwise quality at several thresholds, from the candidate pairs scored
/// with the stored model (the default model before any link).
fn sweep(store: &athar_store::Store, truth_of: &HashMap<String, String>, pairs_out: Option<Output>) -> Result<Sweep> {
    use athar_link::{candidate_pairs, cluster, default_rules, ClusterOptions, Judgement};
    // The stored model, and the pairs made as the link that trained it made them.
    let model = match store.model()? {
        Some(json) => athar_link::FsModel::from_json(&json)?,
        None => athar_link::FsModel::default_model(),
    };
    let options = model
        .linked_with
        .unwrap_or(athar_link::model::LinkOptions { name_tables: true, max_block: athar_link::DEFAULT_MAX_BLOCK });
    let engine =
        if options.name_tables { athar_names::NameEngine::new() } else { athar_names::NameEngine::without_tables() };
    let inputs = store.link_inputs()?;
    let records = crate::link_cmd::link_records(&engine, &inputs);
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
    let evidence = crate::link_cmd::PairEvidence::new(&engine, &records, &pairs, &model, &tf);
    let scored: Vec<athar_link::ScoredPair> =
        pairs.iter().enumerate().map(|(k, &(i, j))| (i, j, model.probability_of(&evidence.get(k)))).collect();
    if let Some(mut sink) = pairs_out {
        write_pairs(&mut sink, &inputs, &truth, &scored)?;
        sink.finish()?;
    }
    let patterns = crate::link_cmd::map_with_cache(&pairs, |cache, &(i, j)| {
        let (a, b) = (&records[i as usize], &records[j as usize]);
        let v = athar_link::compare_cached(&engine, a, b, cache);
        use athar_link::ComparisonKind::{FamilyName, GivenName};
        pattern(&v, [tf.share(GivenName, a, b), tf.share(FamilyName, a, b)])
    });
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
        .map_err(|c| anyhow::anyhow!("{c}"))?;
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
    Ok(Sweep { blocking_recall, points: out, calibration, prior: (model.prior, truth_prior), ceiling })
}

/// The scored candidate pairs with the truth's verdict, then the true pairs blocking missed.
fn write_pairs(
    sink: &mut Output,
    inputs: &[athar_store::LinkInput],
    truth: &[Option<&String>],
    scored: &[athar_link::ScoredPair],
) -> Result<()> {
    let mut w = CsvOut::new(sink);
    w.row(["record_a", "record_b", "probability", "same_person"])?;
    let verdict = |i: usize, j: usize| match (truth[i], truth[j]) {
        (Some(a), Some(b)) => (a == b).to_string(),
        _ => String::new(),
    };
    let mut seen = HashSet::new();
    for &(i, j, p) in scored {
        let (i, j) = (i as usize, j as usize);
        seen.insert((i.min(j), i.max(j)));
        w.row([inputs[i].record_id.to_string(), inputs[j].record_id.to_string(), format!("{p:.6}"), verdict(i, j)])?;
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
                    w.row([
                        inputs[i].record_id.to_string(),
                        inputs[j].record_id.to_string(),
                        String::new(),
                        "true".into(),
                    ])?;
                }
            }
        }
    }
    w.into_inner()?;
    Ok(())
}

/// A precision-recall chart of the sweep, as SVG.
fn pr_chart(sweep: &[SweepPoint]) -> String {
    let (w, h, m) = (480.0, 360.0, 48.0);
    let x = |r: f64| m + r * (w - 2.0 * m);
    let y = |p: f64| h - m - p * (h - 2.0 * m);
    let points: Vec<String> = sweep.iter().map(|(_, p, r)| format!("{:.1},{:.1}", x(*r), y(*p))).collect();
    let mut svg = String::new();
    svg.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n"
    ));
    svg.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.push_str(&format!("<line x1=\"{m}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n", h - m, w - m, h - m));
    svg.push_str(&format!("<line x1=\"{m}\" y1=\"{m}\" x2=\"{m}\" y2=\"{}\" stroke=\"black\"/>\n", h - m));
    svg.push_str(&format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">recall</text>\n", w / 2.0, h - 12.0));
    svg.push_str(&format!(
        "<text x=\"14\" y=\"{0}\" transform=\"rotate(-90 14 {0})\" text-anchor=\"middle\">precision</text>\n",
        h / 2.0
    ));
    svg.push_str(&format!(
        "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"{}\"/>\n",
        points.join(" ")
    ));
    for (t, p, r) in sweep {
        svg.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1f6feb\"/><text x=\"{:.1}\" y=\"{:.1}\">{t:.2}</text>\n",
            x(*r),
            y(*p),
            x(*r) + 5.0,
            y(*p) - 5.0
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

/// `athar demo`: on a fresh machine, a registry built from generated lists, linked, with two
/// explained matches.
pub fn demo() -> Result<ExitCode> {
    let db = PathBuf::from("athar-demo.db");
    for side in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("athar-demo.db{side}"));
    }
    let _ = std::fs::remove_file("athar-demo.key");
    let dir = std::env::temp_dir().join(format!("athar-demo-{}", std::process::id()));
    let files = write_synth(400, 2024, &dir, true)?;
    let exe = std::env::current_exe().context("cannot find the athar binary")?;
    let run = |args: &[&str]| -> Result<String> {
        let o = std::process::Command::new(&exe).arg("--db").arg(&db).args(["--actor", "demo"]).args(args).output()?;
        if !o.status.success() {
            bail!("athar {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr));
        }
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    };
    println!("Athar demo — a registry built from generated lists of 400 persons (nothing real)\n");
    for (name, path, kind) in &files {
        let p = path.to_string_lossy();
        let out = run(&["import", &p, "--source", name, "--kind", kind, "--id-column", "source_record_id", "--json"])?;
        let v: serde_json::Value = serde_json::from_str(&out)?;
        println!("  imported {name:<12} {:>4} rows ({} quarantined)", v["rows"], v["quarantined"]);
    }
    println!();
    print!("{}", run(&["link"])?);
    let truth = dir.join("truth.csv");
    let traps = dir.join("traps.csv");
    println!();
    print!("{}", run(&["eval", "--truth", &truth.to_string_lossy(), "--traps", &traps.to_string_lossy()])?);
    // Two explained matches: one across scripts (Arabic register ↔ English list), one Ukrainian.
    let export = dir.join("persons.csv");
    run(&["export", "persons", "--out", &export.to_string_lossy()])?;
    let mut by_person: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut rdr = csv::Reader::from_path(&export)?;
    for rec in rdr.records() {
        let rec = rec?;
        by_person.entry(rec[0].to_string()).or_default().push((rec[2].to_string(), rec[3].to_string()));
    }
    let mut persons: Vec<_> = by_person.into_iter().collect();
    persons.sort();
    for (a, b) in [("register_ar", "ngo_en"), ("ua_register", "ua_list")] {
        let found = persons.iter().find_map(|(_, recs)| {
            let x = recs.iter().find(|r| r.0 == a)?;
            let y = recs.iter().find(|r| r.0 == b)?;
            Some((format!("{}:{}", x.0, x.1), format!("{}:{}", y.0, y.1)))
        });
        if let Some((x, y)) = found {
            println!("\nWhy {x} and {y} are one person:");
            print!(
                "{}",
                run(&["records", "show", &x])?.lines().take(14).map(|l| format!("  {l}\n")).collect::<String>()
            );
            print!("{}", run(&["explain", &x, &y])?);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "\nTry next (the demo database is {}):\n  athar --db athar-demo.db review\n  athar --db athar-demo.db persons show P1\n  \
         athar names compare \"Mhd Abd al-Rahman Halabi\" \"محمد عبد الرحمن الحلبي\"\n  athar import YOUR-LIST.csv --source NAME --dry-run",
        db.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let v = [Some(0), None, None, Some(1), None, None, Some(2), None, None, None, None];
        let w = [Some(0), None, None, Some(1), None, None, Some(3), None, None, None, None];
        assert_ne!(pattern(&v, [Some(0.01), None]), pattern(&w, [Some(0.01), None]));
        assert_ne!(pattern(&v, [Some(0.01), None]), pattern(&v, [Some(0.0001), None]));
        assert_eq!(pattern(&v, [Some(0.01), None]), pattern(&v, [Some(0.011), None]));
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
