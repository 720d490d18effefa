//! `athar link | explain | review | judge | persons | export persons | model`: linking records
//! into persons, explaining scores, and the human decisions that always win — as the registry
//! library does them; this module parses and prints.

use crate::output::{describe, CsvOut, Output};
use crate::Global;
use anyhow::{bail, Context, Result};
use athar_registry::link::{LinkOptions, LinkReport};
use athar_store::escape_control as esc;
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// Recompute everything: retrain the model (u from random pairs, m by EM) and let persons
    /// made before merge automatically again (ids are still kept where a person keeps most of
    /// its records). Without it, a pair that would join two existing persons goes to review,
    /// and new records are blocked against the keys the last link kept when nothing since
    /// (judgements, reindex, tables, version) makes them stale; after changing the name rules
    /// in a development build, use --full once.
    #[arg(long)]
    full: bool,
    /// Probability at or above which pairs are merged.
    #[arg(long, default_value_t = 0.95)]
    threshold: f64,
    /// Probabilities LO,HI of pairs sent to review (never merged automatically). Default: from
    /// 0.5 (or the threshold, if lower) up to the threshold.
    #[arg(long, value_name = "LO,HI")]
    review_band: Option<String>,
    /// Largest block a blocking key may make (larger ones are split by birth year, and what
    /// is still too large is skipped and reported).
    #[arg(long, default_value_t = athar_link::DEFAULT_MAX_BLOCK)]
    max_block: usize,
    /// For measurement: link with the name engine's variant tables switched off (spelling
    /// rules, romanisation and skeletons only), to see what the tables add.
    #[arg(long)]
    without_name_tables: bool,
    #[arg(long)]
    json: bool,
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

fn parse_band(s: &str) -> Result<(f64, f64)> {
    let (lo, hi) =
        s.split_once(',').with_context(|| format!("--review-band takes LO,HI such as 0.5,0.95, not '{s}'"))?;
    let lo: f64 = lo.trim().parse().with_context(|| format!("'{lo}' is not a probability"))?;
    let hi: f64 = hi.trim().parse().with_context(|| format!("'{hi}' is not a probability"))?;
    Ok((lo, hi))
}

pub fn link(global: &Global, args: LinkArgs) -> Result<ExitCode> {
    let opts = LinkOptions {
        full: args.full,
        threshold: args.threshold,
        review_band: args.review_band.as_deref().map(parse_band).transpose()?,
        max_block: args.max_block,
        without_name_tables: args.without_name_tables,
    };
    let registry = global.registry()?;
    let report = {
        let bar = crate::bar::Bar::new();
        registry.link(&global.party(), &opts, &bar)?
    };
    print_summary(&report, args.json);
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &LinkReport, json: bool) {
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
                "seconds": s.seconds.iter().map(|(n, t)| (n.to_string(), serde_json::json!((t * 1000.0).round() / 1000.0))).collect::<serde_json::Map<_, _>>(),
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
    println!("  time: {}", s.seconds.iter().map(|(n, t)| format!("{n} {t:.1} s")).collect::<Vec<_>>().join(", "));
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

pub fn explain(global: &Global, a: String, b: String, json: bool) -> Result<ExitCode> {
    let x = global.registry()?.explain(&global.party(), &a, &b)?;
    if json {
        println!(
            "{}",
            serde_json::json!({"record_a": x.record_a, "record_b": x.record_b, "model": x.model, "explanation": x.explanation})
        );
        return Ok(ExitCode::SUCCESS);
    }
    let e = &x.explanation;
    println!(
        "records {} and {}{}",
        x.record_a,
        x.record_b,
        if x.model == "default" { " (default model: run athar link to train one)" } else { "" }
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

pub fn review(global: &Global, json: bool) -> Result<ExitCode> {
    let items = global.registry()?.review(&global.party())?;
    if json {
        let rows: Vec<serde_json::Value> = items.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
        println!("{}", serde_json::json!({ "review": rows }));
    } else if items.is_empty() {
        println!("nothing to review");
    } else {
        for r in &items {
            println!(
                "\"{}\" ↔ \"{}\"  p={:.3}\n    {}\n    {}",
                r.record_a,
                r.record_b,
                r.probability,
                esc(&r.a),
                esc(&r.b)
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
    let registry = global.registry()?;
    if let Some(id) = args.withdraw {
        registry.withdraw(&global.party(), &id)?;
        println!("judgement {id} withdrawn; run athar link to apply");
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(a), Some(b), Some(decision)) = (args.a, args.b, args.decision) else {
        bail!("give two records and a decision: athar judge A B same|different|unsure, or --withdraw ID");
    };
    let j = registry.judge(&global.party(), &a, &b, &decision, args.note.as_deref())?;
    println!(
        "judgement {}: records {} and {} are {}; run athar link to apply",
        j.judgement_id, j.record_a, j.record_b, j.decision
    );
    Ok(ExitCode::SUCCESS)
}

pub fn persons(global: &Global, cmd: PersonsCommand) -> Result<ExitCode> {
    let registry = global.registry()?;
    let party = global.party();
    match cmd {
        PersonsCommand::Show { person, json } => {
            let view = registry.person(&party, &person)?;
            if json {
                println!("{}", serde_json::json!({"person_id": view.person_id, "records": view.records}));
            } else {
                println!("person {person}: {} records", view.records.len());
                for v in &view.records {
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
            let events = registry.person_history(&party, &person)?;
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
            let r = registry.split(&party, &person, &records)?;
            println!("{} records moved out of {person} into a new person; see athar persons history {person}", r.moved);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(global: &Global, cmd: ExportCommand) -> Result<ExitCode> {
    let ExportCommand::Persons { out, format, force } = cmd;
    let registry = global.registry()?;
    // The output is checked before anything is read or audited: a refused path costs nothing.
    let mut sink = Output::open(&out, &registry.own_files(), force)?;
    let rows = registry.export_persons(&global.party(), &describe(&out))?;
    match format {
        ExportFormat::Csv => {
            let mut w = CsvOut::new(&mut sink);
            w.row(["person_id", "record_id", "source", "source_record_id"])?;
            for r in &rows {
                w.row([
                    r.person_id.as_str(),
                    r.record_id.as_str(),
                    r.source.as_str(),
                    r.source_record_id.as_deref().unwrap_or(""),
                ])?;
            }
            w.into_inner()?;
        }
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut sink, &serde_json::json!({ "records": rows }))?;
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
    let registry = global.registry()?;
    let party = global.party();
    match cmd {
        ModelCommand::Show => println!("{}", registry.model(&party)?.0.to_json()),
        ModelCommand::Export { file, force } => {
            let mut sink = Output::open(&file, &registry.own_files(), force)?;
            writeln!(sink, "{}", registry.model(&party)?.0.to_json())?;
            let to_stdout = sink.is_stdout();
            sink.finish().with_context(|| format!("cannot write {}", describe(&file)))?;
            if !to_stdout {
                eprintln!("model written to {}", describe(&file));
            }
        }
        ModelCommand::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            registry
                .import_model(&party, &text)
                .with_context(|| format!("{} is not a usable model; nothing changed", file.display()))?;
            eprintln!("model imported from {}; run athar link to apply it", file.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
