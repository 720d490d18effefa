//! `athar names eval`: the name engine measured on real third-party data (`../shared/data`).
//!
//! Every set is split in two halves by a hash of the person id (FNV-1a, even = tune, odd =
//! report); `google_ar2en` uses its own train/test files. Figures are printed for one half,
//! the report half unless `--half tune`. The data is read from disk here; nothing is copied
//! into the repository.

mod sets;
use anyhow::{bail, Context, Result};
use athar_names::{NameAnalysis, NameEngine, TokenLevel};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use sets::{eval_ar2en, eval_ofac, eval_places};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Directory of the evaluation data (the project's `../shared/data`).
    #[arg(long, env = "ATHAR_EVAL_DATA", default_value = "../shared/data")]
    data: PathBuf,
    /// Which evaluation to run.
    #[arg(long, value_enum, default_value = "all")]
    set: EvalSet,
    /// Which half to report on: tune on one, report on the other.
    #[arg(long, value_enum, default_value = "report")]
    half: Half,
    /// Print one JSON object with every figure on standard output.
    #[arg(long)]
    json: bool,
    /// Print each query the ranking got wrong (to standard error).
    #[arg(long)]
    misses: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum EvalSet {
    All,
    /// OpenSanctions Ukraine: Cyrillic aliases ranked against all persons' Latin names.
    Ua,
    /// UN list: Arabic-script vs Latin names of the same persons.
    Un,
    /// Google Arabic→English transliteration pairs: do the keys meet?
    Ar2en,
    /// OFAC alias groups: same-entity acceptance and false acceptance.
    Ofac,
    /// GeoNames places of Syria and Ukraine: Arabic / Cyrillic names ranked against the places'
    /// Latin names.
    Places,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Half {
    Tune,
    Report,
    /// Both halves: for timing, not for quality figures.
    All,
}

/// FNV-1a, 64-bit: a stable hash for the halves (std's hasher is randomised).
fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn in_half(id: &str, half: Half) -> bool {
    match half {
        Half::All => true,
        _ => fnv1a(id).is_multiple_of(2) == (half == Half::Tune),
    }
}

pub fn run(engine: &NameEngine, args: EvalArgs) -> Result<ExitCode> {
    if !args.data.is_dir() {
        bail!(
            "evaluation data not found at {} — run from the project root with ../shared beside it, or pass --data DIR",
            args.data.display()
        );
    }
    let mut report = serde_json::Map::new();
    let want = |s: EvalSet| args.set == EvalSet::All || args.set == s;
    if want(EvalSet::Ua) {
        report.insert("opensanctions_ua".into(), eval_ua(engine, &args)?);
    }
    if want(EvalSet::Un) {
        report.insert("un_arabic".into(), eval_un(engine, &args)?);
    }
    if want(EvalSet::Ar2en) {
        report.insert("google_ar2en".into(), eval_ar2en(engine, &args)?);
    }
    if want(EvalSet::Ofac) {
        report.insert("ofac".into(), eval_ofac(engine, &args)?);
    }
    if want(EvalSet::Places) {
        report.insert("places".into(), eval_places(engine, &args)?);
    }
    if args.json {
        println!("{}", serde_json::Value::Object(report));
    }
    Ok(ExitCode::SUCCESS)
}

/// A candidate index: blocking key → entries that carry it.
struct KeyIndex {
    by_key: HashMap<String, Vec<usize>>,
}

impl KeyIndex {
    fn new<'a>(names: impl Iterator<Item = &'a NameAnalysis>) -> Self {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in names.enumerate() {
            for k in a.keys() {
                let v = by_key.entry(k.to_string()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        KeyIndex { by_key }
    }

    fn candidates(&self, q: &NameAnalysis) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for k in q.keys() {
            if let Some(v) = self.by_key.get(k.as_str()) {
                out.extend_from_slice(v);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Ranks `records` (each tagged with its person) for a query; returns the rank (1-based) of the
/// first record of `truth`, if it was found at all.
fn rank_of(
    engine: &NameEngine,
    index: &KeyIndex,
    records: &[(usize, NameAnalysis)],
    query: &NameAnalysis,
    truth: usize,
) -> (Option<usize>, Option<usize>) {
    let mut best: HashMap<usize, f64> = HashMap::new();
    for c in index.candidates(query) {
        let (person, rec) = &records[c];
        let s = engine.score(query, rec).score;
        let e = best.entry(*person).or_insert(0.0);
        if s > *e {
            *e = s;
        }
    }
    let mut ranked: Vec<(usize, f64)> = best.into_iter().collect();
    ranked.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)));
    let pos = ranked.iter().position(|(p, _)| *p == truth).map(|p| p + 1);
    if std::env::var_os("ATHAR_EVAL_DEBUG").is_some() && pos != Some(1) {
        let t = ranked.iter().find(|(p, _)| *p == truth).map(|r| r.1);
        eprintln!("  scores: top {:?} truth {:?}", ranked.first().map(|r| r.1), t);
    }
    (pos, ranked.first().map(|r| r.0))
}

#[derive(Default)]
struct RankTally {
    n: usize,
    top1: usize,
    top10: usize,
}

impl RankTally {
    fn add(&mut self, rank: Option<usize>) {
        self.n += 1;
        if rank == Some(1) {
            self.top1 += 1;
        }
        if rank.is_some_and(|r| r <= 10) {
            self.top10 += 1;
        }
    }
    fn json(&self) -> serde_json::Value {
        serde_json::json!({"queries": self.n, "top1": ratio(self.top1, self.n), "top10": ratio(self.top10, self.n)})
    }
    fn line(&self, label: &str) -> String {
        format!(
            "{label:<28} n={:<5} top-1 {:.3}  top-10 {:.3}",
            self.n,
            ratio(self.top1, self.n),
            ratio(self.top10, self.n)
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        ((a as f64 / b as f64) * 1e4).round() / 1e4
    }
}

fn read_csv(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new().flexible(true).from_path(path).with_context(|| format!("cannot open {}", path.display()))
}

fn eval_ua(engine: &NameEngine, args: &EvalArgs) -> Result<serde_json::Value> {
    let path = args.data.join("sanctions/opensanctions_ua_war_sanctions_targets.simple.csv");
    let mut rdr = read_csv(&path)?;
    let h = rdr.headers()?.clone();
    let col = |n: &str| h.iter().position(|x| x == n).with_context(|| format!("{} has no column {n}", path.display()));
    let (c_id, c_schema, c_name, c_aliases) = (col("id")?, col("schema")?, col("name")?, col("aliases")?);
    let mut persons: Vec<(String, String, Vec<String>)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        if rec.get(c_schema) != Some("Person") {
            continue;
        }
        let aliases =
            rec.get(c_aliases).unwrap_or("").split(';').filter(|s| !s.trim().is_empty()).map(String::from).collect();
        persons.push((rec.get(c_id).unwrap_or("").into(), rec.get(c_name).unwrap_or("").into(), aliases));
    }
    let t0 = Instant::now();
    let records: Vec<(usize, NameAnalysis)> =
        persons.iter().enumerate().map(|(i, p)| (i, engine.analyse(&p.1))).collect();
    let index = KeyIndex::new(records.iter().map(|r| &r.1));
    let (mut ua, mut ru, mut und, mut all) =
        (RankTally::default(), RankTally::default(), RankTally::default(), RankTally::default());
    // Every Cyrillic alias of the chosen half is a query; they are ranked in parallel.
    let queries: Vec<(usize, &String)> = persons
        .iter()
        .enumerate()
        .filter(|(_, p)| in_half(&p.0, args.half))
        .flat_map(|(i, p)| p.2.iter().map(move |a| (i, a)))
        .filter(|(_, a)| athar_names::script::detect_script(a) == athar_names::Script::Cyrillic)
        .collect();
    let ranks: Vec<(Option<usize>, Option<usize>)> =
        queries.par_iter().map(|(i, alias)| rank_of(engine, &index, &records, &engine.analyse(alias), *i)).collect();
    for ((i, alias), (rank, top)) in queries.iter().zip(ranks) {
        if args.misses && rank != Some(1) {
            eprintln!(
                "miss ua: {alias} → want {}, got {:?} (rank {rank:?})",
                persons[*i].1,
                top.map(|t| &persons[t].1)
            );
        }
        match athar_names::script::cyrillic_language(alias) {
            athar_names::CyrillicLanguage::Ukrainian => ua.add(rank),
            athar_names::CyrillicLanguage::Russian => ru.add(rank),
            athar_names::CyrillicLanguage::Undetermined => und.add(rank),
        }
        all.add(rank);
    }
    let secs = t0.elapsed().as_secs_f64();
    if !args.json {
        println!(
            "OpenSanctions Ukraine ({} persons; {:?} half; Cyrillic alias → Latin name, names only)",
            persons.len(),
            args.half
        );
        println!("  {}", ua.line("Ukrainian aliases (і ї є ґ)"));
        println!("  {}", ru.line("Russian aliases (ы э ъ ё)"));
        println!("  {}", und.line("undetermined"));
        println!("  {}", all.line("all"));
        println!(
            "  {} queries ranked in {secs:.2} s on {} threads (index build included)",
            all.n,
            rayon::current_num_threads()
        );
    }
    Ok(
        serde_json::json!({"persons": persons.len(), "ukrainian": ua.json(), "russian": ru.json(), "undetermined": und.json(), "all": all.json(), "seconds": secs}),
    )
}

/// Acceptance decision used by the acceptance figures: the engine's own `same_name`.
fn accepted(c: &athar_names::NameComparison) -> bool {
    c.same_name
}

/// Whether two names share a name token (a part of one is the same name as a part of the other).
fn share_token(engine: &NameEngine, a: &NameAnalysis, b: &NameAnalysis) -> bool {
    a.parts.iter().any(|x| {
        b.parts.iter().any(|y| {
            let (lvl, _, _) = athar_names::compare::compare_parts(engine.tables(), x, y);
            matches!(
                lvl,
                TokenLevel::SameOriginal
                    | TokenLevel::SameEquivalence
                    | TokenLevel::SameRomanisation
                    | TokenLevel::SameSkeleton
                    | TokenLevel::SameSound
            )
        })
    })
}

fn eval_un(engine: &NameEngine, args: &EvalArgs) -> Result<serde_json::Value> {
    let path = args.data.join("sanctions/un_sc_arabic_dev.csv");
    let mut rdr = read_csv(&path)?;
    let mut persons: Vec<(String, String, Vec<String>)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec?;
        let mut latin = vec![rec.get(2).unwrap_or("").to_string()];
        latin.extend(rec.get(3).unwrap_or("").split(';').filter(|s| !s.trim().is_empty()).map(String::from));
        persons.push((rec.get(0).unwrap_or("").into(), rec.get(1).unwrap_or("").into(), latin));
    }
    let records: Vec<(usize, NameAnalysis)> = persons
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.2.iter().map(move |l| (i, l)))
        .map(|(i, l)| (i, engine.analyse(l)))
        .collect();
    let index = KeyIndex::new(records.iter().map(|r| &r.1));
    let mut tally = RankTally::default();
    let (mut same_n, mut same_ok) = (0usize, 0usize);
    let (mut diff_n, mut diff_ok) = (0usize, 0usize);
    let queries: Vec<(usize, NameAnalysis)> = persons
        .iter()
        .enumerate()
        .filter(|(_, p)| in_half(&p.0, args.half))
        .map(|(i, p)| (i, engine.analyse(&p.1)))
        .collect();
    for (i, q) in &queries {
        let (rank, top) = rank_of(engine, &index, &records, q, *i);
        if args.misses && rank != Some(1) {
            eprintln!(
                "miss un: {} → want {}, got {:?} (rank {rank:?})",
                persons[*i].1,
                persons[*i].2[0],
                top.map(|t| &persons[t].2[0])
            );
        }
        tally.add(rank);
        // Same person: the Arabic name against the listed Latin name.
        let main = engine.analyse(&persons[*i].2[0]);
        same_n += 1;
        let c = engine.compare(q, &main);
        if accepted(&c) {
            same_ok += 1;
        } else if args.misses {
            eprintln!("reject un: {} / {} score {:.3}", persons[*i].1, persons[*i].2[0], c.score);
        }
        // Different persons sharing a name token.
        for (j, p) in persons.iter().enumerate() {
            if j == *i {
                continue;
            }
            let other = engine.analyse(&p.2[0]);
            if share_token(engine, q, &other) {
                diff_n += 1;
                if !accepted(&engine.score(q, &other)) {
                    diff_ok += 1;
                } else if args.misses {
                    eprintln!("false accept un: {} / {}", persons[*i].1, p.2[0]);
                }
            }
        }
    }
    if !args.json {
        println!("UN list, Arabic script vs Latin ({} persons; {:?} half)", persons.len(), args.half);
        println!("  same-person acceptance        {:.3}  ({same_ok}/{same_n})", ratio(same_ok, same_n));
        println!(
            "  different-person rejection    {:.3}  ({diff_ok}/{diff_n} pairs sharing a name token)",
            ratio(diff_ok, diff_n)
        );
        println!("  {}", tally.line("ranking (Arabic → Latin)"));
    }
    Ok(serde_json::json!({
        "persons": persons.len(),
        "same_person_acceptance": ratio(same_ok, same_n),
        "different_person_rejection": ratio(diff_ok, diff_n),
        "different_pairs": diff_n,
        "ranking": tally.json(),
    }))
}
