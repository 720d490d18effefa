//! `athar scan`: reports read for the detention sites and places they name, and grouped where
//! they repeat one another; `--eval` measures the scanner on an annotated set. A thin front
//! door over `athar-scan` (no registry is read: persons are not looked for here).

use anyhow::{Context, Result};
use athar_scan::read::{scan_file, Format, Problem};
use athar_scan::{EntityKind, Scanner};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or folders of reports: plain text (UTF-8 or UTF-16) and HTML (its visible text).
    #[arg(required_unless_present = "eval")]
    paths: Vec<PathBuf>,
    /// One JSON object: `mentions`, `groups` (reports that repeat one another), `problems`.
    #[arg(long)]
    json: bool,
    /// Show the towns and cities named too (sites are always shown).
    #[arg(long)]
    places: bool,
    /// Measure the scanner on an annotated set instead (JSON lines: `id`, `lang`, `text`,
    /// `mentions` [{`text`, `site`}]), e.g. data/gazetteer/facility_mentions.jsonl.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    eval: Option<PathBuf>,
    /// With --eval: list every mention found wrongly or missed.
    #[arg(long, requires = "eval")]
    errors: bool,
}

#[derive(Serialize)]
struct JsonMention<'a> {
    file: String,
    offset: usize,
    /// What the offset counts bytes of: `file`, `visible_text` (HTML) or `decoded_text`
    /// (UTF-16).
    offsets_into: &'static str,
    text: &'a str,
    entity_id: &'a str,
    entity_kind: EntityKind,
    label: &'a str,
    confidence: f64,
    reading: athar_scan::Reading,
}

#[derive(Serialize)]
struct JsonGroup {
    files: Vec<String>,
    passages: Vec<String>,
}

#[derive(Serialize)]
struct JsonProblem {
    file: String,
    message: String,
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let scanner = Scanner::builtin().map_err(|e| anyhow::anyhow!(e))?;
    if let Some(file) = &args.eval {
        return eval(&scanner, file, args.json, args.errors);
    }
    let (files, mut problems) = athar_scan::read::files(&args.paths);
    let mut reports = Vec::new();
    for f in &files {
        match scan_file(&scanner, f) {
            Ok(r) => reports.push(r),
            Err(p) => problems.push(p),
        }
    }
    let texts: Vec<&str> = reports.iter().map(|r| r.text.as_str()).collect();
    let groups = athar_scan::duplicates::group(&texts);
    let shown = |k: EntityKind| k == EntityKind::Facility || args.places;
    let name = |p: &std::path::Path| p.display().to_string();
    if args.json {
        let mentions: Vec<JsonMention> = reports
            .iter()
            .flat_map(|r| {
                r.mentions.iter().filter(|m| shown(m.entity_kind)).map(|m| JsonMention {
                    file: name(&r.path),
                    offset: m.offset,
                    offsets_into: r.format.offsets_into(),
                    text: &m.text,
                    entity_id: &m.entity_id,
                    entity_kind: m.entity_kind,
                    label: &m.label,
                    confidence: m.confidence,
                    reading: m.reading,
                })
            })
            .collect();
        let groups: Vec<JsonGroup> = groups
            .iter()
            .map(|g| JsonGroup {
                files: g.members.iter().map(|i| name(&reports[*i].path)).collect(),
                passages: g.passages.clone(),
            })
            .collect();
        let problems: Vec<JsonProblem> =
            problems.iter().map(|p| JsonProblem { file: name(&p.path), message: p.message.clone() }).collect();
        println!(
            "{}",
            serde_json::json!({ "reports": reports.len(), "mentions": mentions, "groups": groups, "problems": problems })
        );
    } else {
        let tty = crate::output::terminal();
        for r in &reports {
            let ms: Vec<_> = r.mentions.iter().filter(|m| shown(m.entity_kind)).collect();
            let what = match r.format {
                Format::Html => " (offsets into its visible text)",
                Format::Utf16 => " (UTF-16: offsets into its text as UTF-8)",
                Format::Text => "",
            };
            println!("{}{what}: {} mention{}", name(&r.path), ms.len(), if ms.len() == 1 { "" } else { "s" });
            for m in ms {
                println!(
                    "  {:>8}  {}  → {} ({}, {:.2})",
                    m.offset,
                    crate::output::bidi(&m.text, 0, tty),
                    crate::output::bidi(&m.label, 0, tty),
                    m.entity_id,
                    m.confidence
                );
            }
        }
        if !groups.is_empty() {
            println!("\nreports that repeat one another:");
            for g in &groups {
                let files: Vec<String> = g.members.iter().map(|i| name(&reports[*i].path)).collect();
                println!("  {}", files.join(", "));
                for p in g.passages.iter().take(2) {
                    let short: String = p.chars().take(120).collect();
                    println!(
                        "    \"{}{}\"",
                        crate::output::bidi(&short, 0, tty),
                        if short.len() < p.len() { "…" } else { "" }
                    );
                }
            }
        }
    }
    report_problems(&problems, args.json);
    if reports.is_empty() {
        eprintln!(
            "no report was read under {}",
            args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn report_problems(problems: &[Problem], json: bool) {
    if json {
        return;
    }
    for p in problems {
        eprintln!("{}: {}", p.path.display(), p.message);
    }
}

fn eval(scanner: &Scanner, file: &std::path::Path, json: bool, errors: bool) -> Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut sentences = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let s: athar_scan::eval::Sentence = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not an annotated sentence", file.display(), i + 1))?;
        sentences.push(s);
    }
    let report =
        athar_scan::eval::evaluate(scanner, &sentences).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let line = |name: &str, c: &athar_scan::eval::Counts| {
        println!(
            "{name:<14} precision {:.3} ({}/{})  recall {:.3} ({}/{})  F1 {:.3}",
            c.precision(),
            c.right,
            c.found,
            c.recall(),
            c.recalled,
            c.gold,
            c.f1()
        )
    };
    println!("{} sentences, site mentions ({} names in the automaton)", report.sentences, scanner.name_count());
    line("all", &report.all);
    for (lang, c) in &report.by_lang {
        line(lang, c);
    }
    for (reading, c) in &report.by_reading {
        println!("{reading:<22} precision {:.3} ({}/{})", c.precision(), c.right, c.found);
    }
    if errors {
        let tty = crate::output::terminal();
        for e in &report.errors {
            println!("  {}", crate::output::bidi(e, 0, tty));
        }
    }
    Ok(ExitCode::SUCCESS)
}
