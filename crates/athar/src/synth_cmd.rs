//! `athar synth`, `athar eval --truth`, `athar demo`: generated lists with their truth, the
//! quality of linkage against a truth, and the first run on a fresh machine.

use crate::output::{describe, CsvOut, Output};
use crate::Global;
use anyhow::{bail, Context, Result};
use athar_registry::eval::{f1, Trap, Truth, TruthQuery};
use clap::Args;
use std::collections::HashMap;
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
    /// Print what was written as JSON instead of text.
    #[arg(long)]
    json: bool,
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
    if args.json {
        let lists: Vec<_> = files
            .iter()
            .map(|(name, path, kind)| serde_json::json!({"name": name, "kind": kind, "file": path.display().to_string()}))
            .collect();
        let beside = |f: &str| args.out.join(f);
        println!(
            "{}",
            serde_json::json!({
                "persons": args.persons, "seed": args.seed, "lists": lists,
                "truth": beside("truth.csv").display().to_string(),
                "queries": beside("queries.csv").display().to_string(),
                "traps": beside("traps.csv").display().to_string(),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
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
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A best cut as JSON.
fn best_json(b: athar_registry::eval::BestF1) -> serde_json::Value {
    serde_json::json!({"f1": b.0, "precision": b.1, "recall": b.2})
}

pub fn eval(global: &Global, args: EvalArgs) -> Result<ExitCode> {
    let registry = global.registry()?;
    // Outputs are checked before the work: a refused path costs nothing.
    if args.svg.is_some() && args.svg == args.pairs {
        bail!("--svg and --pairs name the same file; give each its own");
    }
    let svg_out = args.svg.as_deref().map(|p| Output::open(p, &registry.own_files(), args.force)).transpose()?;
    let pairs_out = args.pairs.as_deref().map(|p| Output::open(p, &registry.own_files(), args.force)).transpose()?;
    let mut rdr =
        csv::Reader::from_path(&args.truth).with_context(|| format!("cannot read {}", args.truth.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |n: &str| {
        headers.iter().position(|h| h.trim() == n).with_context(|| {
            format!("{} has no column '{n}' (needs source,source_record_id,person_id)", args.truth.display())
        })
    };
    let (cs, cr, cp) = (col("source")?, col("source_record_id")?, col("person_id")?);
    let mut truth = Truth::new();
    for rec in rdr.records() {
        let rec = rec?;
        truth.insert(&rec[cs], &rec[cr], &rec[cp]);
    }
    let mut traps = Vec::new();
    if let Some(path) = &args.traps {
        let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
        for rec in rdr.records() {
            let rec = rec?;
            traps.push(Trap { person_a: rec[0].to_string(), person_b: rec[1].to_string(), kind: rec[2].to_string() });
        }
    }
    let queries = match &args.queries {
        Some(path) => {
            let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
            let headers = rdr.headers()?.clone();
            let Some(pcol) = headers.iter().position(|h| h.trim() == "person_id") else {
                bail!("{} needs a person_id column (the person each query looks for)", path.display());
            };
            let mut out = Vec::new();
            for rec in rdr.records() {
                let rec = rec?;
                out.push(TruthQuery {
                    query: crate::queries::query_from_row(&headers, &rec),
                    person: rec.get(pcol).unwrap_or("").to_string(),
                });
            }
            Some(out)
        }
        None => None,
    };
    let r = registry.evaluate(
        &global.party(),
        &args.truth.display().to_string(),
        &truth,
        &traps,
        queries,
        pairs_out.is_some(),
    )?;
    if let (Some(mut sink), Some(path)) = (svg_out, &args.svg) {
        sink.write_all(
            crate::charts::precision_recall(&r.threshold_sweep, crate::link_cmd::LINK_THRESHOLD)?.as_bytes(),
        )?;
        sink.finish().with_context(|| format!("cannot write {}", describe(path)))?;
        if !args.json {
            println!("precision–recall chart written to {}", describe(path));
        }
    }
    if let (Some(mut sink), Some(path)) = (pairs_out, &args.pairs) {
        let mut w = CsvOut::new(&mut sink);
        w.row(["record_a", "record_b", "probability", "same_person"])?;
        for p in &r.pairs {
            w.row([
                p.record_a.to_string(),
                p.record_b.to_string(),
                p.probability.map(|x| format!("{x:.6}")).unwrap_or_default(),
                p.same_person.map(|s| s.to_string()).unwrap_or_default(),
            ])?;
        }
        w.into_inner()?;
        sink.finish().with_context(|| format!("cannot write {}", describe(path)))?;
    }
    let ((pp, pr), (bp, br)) = (r.pairwise, r.bcubed);
    let (matched, unknown, ceiling, prior) = (r.records, r.truth_records_not_in_database, &r.ceiling, r.prior);
    let sweep_json: Vec<serde_json::Value> = r
        .threshold_sweep
        .iter()
        .map(|(t, p, r)| serde_json::json!({"threshold": t, "precision": p, "recall": r, "f1": f1(*p, *r)}))
        .collect();
    let traps_out: serde_json::Map<String, serde_json::Value> =
        r.traps.iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect();
    let report = serde_json::json!({
        "search": r.search.as_ref().map(|s| {
            let at = |r: &athar_registry::eval::RecallAt| {
                serde_json::json!({"queries": r.queries, "recall_at_1": r.at_1, "recall_at_10": r.at_10})
            };
            serde_json::json!({
                "queries": s.all.queries, "recall_at_1": s.all.at_1, "recall_at_10": s.all.at_10,
                "with_mother_or_birth_year": at(&s.mother_or_year),
                "with_mother_and_birth_year": at(&s.mother_and_year),
                "with_both_by_what_the_records_give": {
                    "both": at(&s.mother_and_year_by_records[0]),
                    "birth_year_only": at(&s.mother_and_year_by_records[1]),
                    "mother_only": at(&s.mother_and_year_by_records[2]),
                    "neither": at(&s.mother_and_year_by_records[3]),
                },
                "name_only": at(&s.name_only),
                "missed_at_10": s.missed,
                "of_which_never_scored": s.missed_unscored,
                "of_which_refused": s.refused,
                "ambiguous": {
                    "name_only_missed_at_10": s.name_only_missed,
                    "of_which_flagged": s.name_only_missed_flagged,
                    "person_first": s.first,
                    "of_which_flagged_needlessly": s.first_flagged,
                },
            })
        }),
        "blocking_recall": r.blocking_recall,
        "review": r.review,
        "calibration": r.calibration.iter().map(|(lo, n, share)| serde_json::json!({"from": lo, "pairs": n, "same_person": share})).collect::<Vec<_>>(),
        "prior": {"model": prior.0, "truth": prior.1},
        "ceiling": {
            "patterns": ceiling.patterns,
            "model": best_json(ceiling.model),
            "oracle": best_json(ceiling.oracle),
            "held_out": best_json(ceiling.held_out),
        },
        "without_disappearance": {
            "left_out": athar_registry::eval::DISAPPEARANCE.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "patterns": r.ceiling_without_disappearance.patterns,
            "model": best_json(r.ceiling_without_disappearance.model),
            "oracle": best_json(r.ceiling_without_disappearance.oracle),
            "held_out": best_json(r.ceiling_without_disappearance.held_out),
        },
        "threshold_sweep": sweep_json,
        "records": matched,
        "truth_records_not_in_database": unknown,
        "pairwise": {"precision": pp, "recall": pr, "f1": f1(pp, pr)},
        "bcubed": {"precision": bp, "recall": br, "f1": f1(bp, br)},
        "traps": traps_out,
    });
    if args.json {
        let mut report = report;
        if let Some(path) = &args.svg {
            report["svg"] = serde_json::json!(path.display().to_string());
        }
        println!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("{matched} records evaluated ({unknown} truth records not in the database)");
    println!("  pairwise  precision {pp:.4}  recall {pr:.4}  F1 {:.4}", f1(pp, pr));
    println!("  B-cubed   precision {bp:.4}  recall {br:.4}  F1 {:.4}", f1(bp, br));
    for (k, v) in &r.traps {
        println!("  {k} pairs merged: {} of {} ({:.3})", v.merged, v.pairs, v.merge_rate);
    }
    println!("  blocking recall {:.4} (true pairs that blocking generated)", r.blocking_recall);
    let q = r.review;
    println!(
        "  review queue: {} pairs ({:.3} per record); true pairs merged {:.4}, merged or joined by a review pair {:.4}",
        q.pairs, q.pairs_per_record, q.merged, q.merged_or_review
    );
    println!("  prior: model {:.2e}, truth {:.2e} (true pairs over all pairs of records)", prior.0, prior.1);
    let (m, o) = (ceiling.model, ceiling.oracle);
    println!("  best pairwise F1 of the candidate pairs alone (no clustering): {:.4} (P {:.4} R {:.4})", m.0, m.1, m.2);
    println!(
        "  ceiling of these comparisons: {:.4} (P {:.4} R {:.4}), an oracle knowing the true share of each of {} \
         patterns of levels and name-frequency bands",
        o.0, o.1, o.2, ceiling.patterns
    );
    let h = ceiling.held_out;
    println!(
        "  {}",
        crate::output::paragraph(
            &format!(
                "held out: {:.4} (P {:.4} R {:.4}), the oracle learning each pattern's share on one half of the \
                 pairs and ranking the other half by it (a pattern of one pair no longer ranked by its own truth)",
                h.0, h.1, h.2
            ),
            4,
            100
        )
    );
    let (wm, wo) = (r.ceiling_without_disappearance.model, r.ceiling_without_disappearance.oracle);
    let left_out: Vec<&str> = athar_registry::eval::DISAPPEARANCE.iter().map(|k| k.name()).collect();
    println!(
        "  {}",
        crate::output::paragraph(
            &format!(
                "without the disappearance and the family's registry ({} left out, the same model): best F1 of \
                 the candidate pairs alone {:.4} (P {:.4} R {:.4}); ceiling {:.4}, held out {:.4}",
                left_out.join(", "),
                wm.0,
                wm.1,
                wm.2,
                wo.0,
                r.ceiling_without_disappearance.held_out.0
            ),
            4,
            100
        )
    );
    println!("  calibration (candidate pairs by probability: how many, share truly one person):");
    for (lo, n, share) in &r.calibration {
        println!("    {lo:.1}–{:.1}  {n:>9}  {share:.3}", lo + 0.1);
    }
    if let Some(s) = &r.search {
        let at = |r: &athar_registry::eval::RecallAt| {
            format!("{} queries, recall@1 {:.4}, recall@10 {:.4}", r.queries, r.at_1, r.at_10)
        };
        println!(
            "  search: {} queries for persons in the registry, recall@1 {:.4}, recall@10 {:.4}",
            s.all.queries, s.all.at_1, s.all.at_10
        );
        println!("    with the mother's name or the birth year: {}", at(&s.mother_or_year));
        println!("    with both: {}", at(&s.mother_and_year));
        for (what, r) in
            ["both", "a birth year only", "the mother's name only", "neither"].iter().zip(&s.mother_and_year_by_records)
        {
            println!("      whose records give {what}: {}", at(r));
        }
        println!("    with neither the mother's name nor the birth year: {}", at(&s.name_only));
        let share = |k: usize, n: usize| if n == 0 { 0.0 } else { 100.0 * k as f64 / n as f64 };
        println!(
            "    not in the first ten: {} queries, of which {} ({:.1} %) never scored a record of the person \
             (none was a candidate), {} refused",
            s.missed,
            s.missed_unscored,
            share(s.missed_unscored, s.missed),
            s.refused
        );
        println!(
            "    said ambiguous: {} of the {} name-only queries whose person is not in the first ten ({:.1} %); \
             {} of the {} whose person comes first ({:.1} %)",
            s.name_only_missed_flagged,
            s.name_only_missed,
            share(s.name_only_missed_flagged, s.name_only_missed),
            s.first_flagged,
            s.first,
            share(s.first_flagged, s.first)
        );
    }
    println!("  threshold sweep (pairwise, judgements applied):");
    for (t, p, r) in &r.threshold_sweep {
        println!("    {t:.2}  precision {p:.4}  recall {r:.4}  F1 {:.4}", f1(*p, *r));
    }
    Ok(ExitCode::SUCCESS)
}

/// A record's value of `field`, as written in its list (raw), else as derived.
fn field_of(record: &serde_json::Value, field: &str) -> Option<String> {
    ["raw", "derived"].iter().find_map(|part| {
        record[part].as_array()?.iter().find_map(|cell| {
            let (k, v) = (cell[0].as_str()?, cell[1].as_str()?);
            (k == field && !v.trim().is_empty()).then(|| v.to_string())
        })
    })
}

/// Two records side by side: each as written in its list (every column, in the list's order),
/// then what Athar read from each, field by field.
fn side_by_side(a: &serde_json::Value, b: &serde_json::Value, terminal: bool) -> String {
    use std::fmt::Write;
    const W: usize = 36;
    let cells = |r: &serde_json::Value, part: &str| -> Vec<(String, String)> {
        r[part]
            .as_array()
            .map(|cells| {
                cells
                    .iter()
                    .filter_map(|c| Some((c[0].as_str()?.to_string(), c[1].as_str()?.to_string())))
                    .filter(|(_, v)| !v.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let title = |r: &serde_json::Value| {
        format!(
            "{} row {}",
            r["source"].as_str().unwrap_or(""),
            r["row"].as_u64().map(|n| n.to_string()).unwrap_or_default()
        )
    };
    let cut = |s: &str| -> String {
        if s.chars().count() > W - 2 {
            format!("{}…", s.chars().take(W - 3).collect::<String>())
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let row = |out: &mut String, label: &str, x: &str, y: &str| {
        let line = format!(
            "  {} {} {}",
            crate::output::bidi(&cut(label), 22, terminal),
            crate::output::bidi(&cut(x), W, terminal),
            crate::output::bidi(&cut(y), W, terminal)
        );
        let _ = writeln!(out, "{}", line.trim_end());
    };
    row(&mut out, "", &title(a), &title(b));
    let _ = writeln!(out, "  as written in the lists:");
    let (ra, rb) = (cells(a, "raw"), cells(b, "raw"));
    for i in 0..ra.len().max(rb.len()) {
        let side = |c: &Vec<(String, String)>| c.get(i).map(|(k, v)| format!("{k}: {v}")).unwrap_or_default();
        row(&mut out, "", &side(&ra), &side(&rb));
    }
    let _ = writeln!(out, "  as Athar reads them:");
    let (da, db) = (cells(a, "derived"), cells(b, "derived"));
    let mut fields: Vec<&String> = da.iter().chain(&db).map(|(k, _)| k).collect();
    let order = |f: &String| da.iter().chain(&db).position(|(k, _)| k == f).unwrap_or(usize::MAX);
    fields.sort_by_key(|f| order(f));
    fields.dedup();
    for f in fields {
        let value =
            |c: &Vec<(String, String)>| c.iter().find(|(k, _)| k == f).map(|(_, v)| v.clone()).unwrap_or_default();
        row(&mut out, f, &value(&da), &value(&db));
    }
    out
}

/// `athar demo`: on a fresh machine, a short story — a registry built from generated lists at
/// `--db` when given (else `./athar-demo.db`; replaced only when it holds nothing but an
/// earlier demo's lists), linked; how many persons; one match across scripts with both records
/// side by side and explained; what to try next on persons that show something. The full
/// evaluation with `stats`.
pub fn demo(global: &Global, db_given: bool, stats: bool, json: bool) -> Result<ExitCode> {
    // The story as text, or — with --json — one object at the end.
    macro_rules! say {
        ($($t:tt)*) => { if !json { println!($($t)*) } };
    }
    macro_rules! say_raw {
        ($($t:tt)*) => { if !json { print!($($t)*) } };
    }
    let (db, key) = if db_given {
        (global.db.clone(), global.key_file())
    } else {
        (PathBuf::from("athar-demo.db"), PathBuf::from("athar-demo.key"))
    };
    if db.exists() {
        // Never over someone's work: an earlier demo is replaced, nothing else.
        let registry = athar_registry::Registry::open(&db, &key).with_context(|| {
            format!(
                "{} exists and cannot be read as a registry; demo never replaces it: give another --db",
                db.display()
            )
        })?;
        let work = registry.work_beyond(&global.party(), "demo")?;
        if !work.is_empty() {
            let said: Vec<String> = work.iter().map(|(what, n)| format!("{n} {what}")).collect();
            bail!(
                "{} holds work beyond a demo's ({}); demo never replaces it: give another --db, or move it away",
                db.display(),
                said.join(", ")
            );
        }
        drop(registry);
        for side in ["", "-wal", "-shm"] {
            let mut p = db.clone().into_os_string();
            p.push(side);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        // A key file named apart (--key-file, ATHAR_KEY_FILE) may serve other registries: kept.
        if global.key_file.is_none() {
            let _ = std::fs::remove_file(&key);
        }
    }
    // Removed when the demo ends, by an error too.
    let scratch =
        tempfile::Builder::new().prefix("athar-demo-").tempdir().context("cannot make a temporary directory")?;
    let dir = scratch.path().to_path_buf();
    let files = write_synth(400, 2024, &dir, true)?;
    let exe = std::env::current_exe().context("cannot find the athar binary")?;
    let run = |args: &[&str]| -> Result<String> {
        let o = std::process::Command::new(&exe)
            .arg("--db")
            .arg(&db)
            .arg("--key-file")
            .arg(&key)
            .args(["--actor", "demo"])
            .args(args)
            .output()?;
        if !o.status.success() {
            bail!("athar {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr));
        }
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let parse = |out: String| -> Result<serde_json::Value> { Ok(serde_json::from_str(&out)?) };
    let mut summary = serde_json::json!({ "database": db.display().to_string(), "persons_generated": 400 });
    say!("Athar demo — a registry built from generated lists of 400 persons (nothing real)\n");
    let mut imported = Vec::new();
    for (name, path, kind) in &files {
        let p = path.to_string_lossy();
        let out = run(&["import", &p, "--source", name, "--kind", kind, "--id-column", "source_record_id", "--json"])?;
        let v = parse(out)?;
        say!("  imported {name:<12} {:>4} rows ({} quarantined)", v["rows"], v["quarantined"]);
        imported.push(serde_json::json!({"source": name, "rows": v["rows"], "quarantined": v["quarantined"]}));
    }
    summary["imported"] = imported.into();
    say!();
    if json {
        summary["link"] = parse(run(&["link", "--json"])?)?;
    } else {
        print!("{}", run(&["link"])?);
    }
    let truth = dir.join("truth.csv");
    let traps = dir.join("traps.csv");
    let (truth, traps) = (truth.to_string_lossy(), traps.to_string_lossy());
    if json {
        summary["evaluation"] = parse(run(&["eval", "--truth", &truth, "--traps", &traps, "--json"])?)?;
    } else if stats {
        println!();
        print!("{}", run(&["eval", "--truth", &truth, "--traps", &traps])?);
    } else {
        let v: serde_json::Value = serde_json::from_str(&run(&["eval", "--truth", &truth, "--json"])?)?;
        let (p, r) =
            (v["pairwise"]["precision"].as_f64().unwrap_or(0.0), v["pairwise"]["recall"].as_f64().unwrap_or(0.0));
        say!(
            "Against the generated truth: {:.1} % of the pairs linked are one person, and {:.1} % of the\n\
             pairs that are one person were linked (athar demo --stats: the full evaluation).",
            100.0 * p,
            100.0 * r
        );
    }
    // Persons and their records, from the export.
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
    // One match across scripts: a person with a record of the Arabic register and one of the
    // English list, both shown in full, then why they are one.
    let terminal = crate::output::terminal();
    let pair = persons.iter().find_map(|(id, recs)| {
        let x = recs.iter().find(|r| r.0 == "register_ar")?;
        let y = recs.iter().find(|r| r.0 == "ngo_en")?;
        Some((id.clone(), format!("{}:{}", x.0, x.1), format!("{}:{}", y.0, y.1)))
    });
    // The Latin record, kept for the next steps (a search by its name).
    let mut latin: Option<serde_json::Value> = None;
    if let Some((person, x, y)) = &pair {
        say!("\nOne person, {person}, in two lists and two scripts:");
        let a: serde_json::Value = serde_json::from_str(&run(&["records", "show", x, "--json"])?)?;
        let b: serde_json::Value = serde_json::from_str(&run(&["records", "show", y, "--json"])?)?;
        say_raw!("{}", side_by_side(&a, &b, terminal));
        say!("\nWhy they are one (athar explain {x} {y}):");
        if json {
            let why = parse(run(&["explain", x, y, "--json"])?)?;
            summary["example"] = serde_json::json!({"person_id": person, "records": [a, b], "explanation": why});
        } else {
            print!("{}", run(&["explain", x, y])?);
        }
        latin = Some(b);
    }
    // What to try next, on persons that show something: the one with the most records.
    let most = persons.iter().max_by(|p, q| p.1.len().cmp(&q.1.len()).then(q.0.cmp(&p.0)));
    let at = if db_given { format!("--db {} ", db.display()) } else { "--db athar-demo.db ".to_string() };
    say!("\nTry next (the demo database is {}):", db.display());
    if let Some((id, recs)) = most {
        summary["most_records"] = serde_json::json!({"person_id": id, "records": recs.len()});
        say!("  athar {at}persons show {id}   # a person with {} records from {} lists", recs.len(), {
            let mut lists: Vec<&String> = recs.iter().map(|r| &r.0).collect();
            lists.sort();
            lists.dedup();
            lists.len()
        });
    }
    if let (Some((person, _, _)), Some(b)) = (&pair, &latin) {
        let name = field_of(b, "full_name").unwrap_or_default();
        if !name.is_empty() {
            say!(
                "  athar {at}search \"{}\"   # {person}, in Arabic in the register",
                athar_registry::escape_control(&name)
            );
        }
    }
    say!("  athar {at}review   # pairs left for a person to decide, both records of each");
    say!("  athar names compare \"Mhd Abd al-Rahman Halabi\" \"محمد عبد الرحمن الحلبي\"");
    say!("  athar import YOUR-LIST.csv --source NAME --dry-run");
    if json {
        println!("{summary}");
    }
    drop(scratch);
    Ok(ExitCode::SUCCESS)
}
