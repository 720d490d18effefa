//! `athar scan`: reports read for the detention sites and places they name, and grouped where
//! they repeat one another; with `--persons`, the registered persons they name (a search of
//! the registry, audited); with `--store`, kept in the registry. `--eval` measures the scanner
//! on an annotated set. A thin front door over `athar-scan` and the registry library (no
//! registry is opened without `--persons` or `--store`).

use anyhow::{Context, Result};
use athar_registry::reports::{ReportScan, ScanOptions};
use athar_scan::read::{Format, Problem, Scanned};
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
    /// Find and show the towns and cities named too (sites always; with --store, kept only then).
    #[arg(long)]
    places: bool,
    /// Find the registered persons the reports name (full names: a given and a family name at
    /// least, or a kunya and a name). A search of the registry at --db: noted in its audit
    /// chain with the persons shown.
    #[arg(long)]
    persons: bool,
    /// With --persons: at most this many searches (a report names a few dozen persons; a
    /// pasted list of names is not a report). Past it, the rest is not searched, and the
    /// answer says so.
    #[arg(long, value_name = "N", default_value_t = athar_registry::reports::DEFAULT_MAX_SEARCHES, requires = "persons")]
    max_searches: usize,
    /// Keep each report in the registry at --db as a source of kind `report` (its file, its
    /// SHA-256, who stored it, when) with what it mentions; `persons show` then lists the
    /// reports that name a person. A report stored before (same SHA-256) is not stored twice.
    #[arg(long)]
    store: bool,
    /// Measure the scanner on an annotated set instead (JSON lines: `id`, `lang`, `text`,
    /// `mentions` [{`text`, `site`}]), e.g. data/gazetteer/facility_mentions.jsonl.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    eval: Option<PathBuf>,
    /// With --eval: list every mention found wrongly or missed.
    #[arg(long, requires = "eval")]
    errors: bool,
}

/// One mention as printed: a site, a place or a registered person.
#[derive(Serialize)]
struct Row<'a> {
    offset: usize,
    text: &'a str,
    entity_id: String,
    entity_kind: &'static str,
    label: &'a str,
    confidence: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reading: Option<athar_scan::Reading>,
    /// A person's record the search found best.
    #[serde(skip_serializing_if = "Option::is_none")]
    record_id: Option<i64>,
}

#[derive(Serialize)]
struct JsonMention<'a> {
    file: String,
    /// What the offset counts bytes of: `file`, `visible_text` (HTML) or `decoded_text`
    /// (UTF-16).
    offsets_into: &'static str,
    #[serde(flatten)]
    row: &'a Row<'a>,
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

pub fn run(g: &crate::Global, args: ScanArgs) -> Result<ExitCode> {
    let builtin = || Scanner::builtin().map_err(|e| anyhow::anyhow!(e));
    if let Some(file) = &args.eval {
        return eval(&builtin()?, file, args.json, args.errors);
    }
    // A registry at --db adds the sites its users added to the compiled-in gazetteer; persons
    // and storing need one.
    let at_db = std::fs::metadata(&g.db).is_ok_and(|m| m.is_file() && m.len() > 0);
    let registry = if args.persons || args.store {
        Some(g.registry()?)
    } else if at_db {
        // Only its sites are wanted: a file there that does not open as a registry leaves the
        // compiled-in gazetteer, said so.
        match g.registry() {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!(
                    "warning: the registry at {} does not open ({}): only the compiled-in gazetteer's sites are looked \
                     for",
                    g.db.display(),
                    athar_registry::escape_control(&format!("{e:#}"))
                );
                None
            }
        }
    } else {
        None
    };
    let mut registry_sites = 0;
    let scan = if let Some(registry) = &registry {
        let options = ScanOptions {
            persons: args.persons,
            max_searches: args.max_searches,
            store: args.store,
            places: args.places,
        };
        registry_sites = registry
            .names()?
            .gazetteer()
            .facilities()
            .iter()
            .filter(|f| athar_names::Gazetteer::is_registry_site(f))
            .count();
        registry.scan_reports(&g.party(), &args.paths, &options)?
    } else {
        let scanned = athar_scan::read::scan_paths(&builtin()?, &args.paths, args.places, &|_| None, &mut |_, _, _| {});
        ReportScan { persons: vec![Vec::new(); scanned.reports.len()], scanned, ..ReportScan::default() }
    };
    let Scanned { reports, problems, groups } = &scan.scanned;
    let shown = |k: EntityKind| k == EntityKind::Facility || args.places;
    let name = |p: &std::path::Path| p.display().to_string();
    // Each report's mentions, sites and places and persons, in text order.
    let rows: Vec<Vec<Row>> = reports
        .iter()
        .zip(&scan.persons)
        .map(|(r, persons)| {
            let mut rows: Vec<Row> = r
                .mentions
                .iter()
                .filter(|m| shown(m.entity_kind))
                .map(|m| Row {
                    offset: m.offset,
                    text: &m.text,
                    entity_id: m.entity_id.clone(),
                    entity_kind: match m.entity_kind {
                        EntityKind::Facility => "facility",
                        EntityKind::Place => "place",
                    },
                    label: &m.label,
                    confidence: m.confidence,
                    reading: Some(m.reading),
                    record_id: None,
                })
                .chain(persons.iter().map(|p| Row {
                    offset: p.offset,
                    text: &p.text,
                    entity_id: format!("person:{}", p.person_id),
                    entity_kind: "person",
                    label: "registered person",
                    confidence: (p.probability * 1000.0).round() / 1000.0,
                    reading: None,
                    record_id: Some(p.record_id),
                }))
                .collect();
            rows.sort_by_key(|r| r.offset);
            rows
        })
        .collect();
    if args.json {
        let mentions: Vec<JsonMention> = reports
            .iter()
            .zip(&rows)
            .flat_map(|(r, rows)| {
                rows.iter().map(|m| JsonMention { file: name(&r.path), offsets_into: r.format.offsets_into(), row: m })
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
        let mut out = serde_json::json!({
            "reports": reports.len(), "mentions": mentions, "groups": groups, "problems": problems,
            "registry_sites": registry_sites
        });
        let left_out: Vec<serde_json::Value> = reports
            .iter()
            .filter(|r| r.mentions_left_out > 0)
            .map(|r| serde_json::json!({"file": name(&r.path), "count": r.mentions_left_out}))
            .collect();
        if !left_out.is_empty() {
            out["mentions_left_out"] = left_out.into();
        }
        if args.persons {
            out["person_searches"] = scan.searches.into();
            out["persons_withheld"] = scan.withheld.into();
            out["person_searches_stopped"] = scan.stopped.into();
        }
        if args.store {
            out["stored"] = serde_json::to_value(&scan.stored)?;
        }
        println!("{out}");
    } else {
        let tty = crate::output::terminal();
        for (r, rows) in reports.iter().zip(&rows) {
            let what = match r.format {
                Format::Html => " (offsets into its visible text)",
                Format::Pdf => " (PDF: offsets into its extracted text)",
                Format::Utf16 => " (UTF-16: offsets into its text as UTF-8)",
                Format::Text => "",
            };
            println!("{}{what}: {} mention{}", name(&r.path), rows.len(), if rows.len() == 1 { "" } else { "s" });
            for m in rows {
                println!(
                    "  {:>8}  {}  → {} ({}, {:.2})",
                    m.offset,
                    crate::output::bidi(m.text, 0, tty),
                    crate::output::bidi(m.label, 0, tty),
                    m.entity_id,
                    m.confidence
                );
            }
        }
        if !groups.is_empty() {
            println!("\nreports that repeat one another:");
            for g in groups {
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
        if registry_sites > 0 {
            println!(
                "\nsites: the compiled-in gazetteer and the {registry_sites} added to the registry at {}",
                g.db.display()
            );
        }
        if args.persons {
            println!(
                "\npersons: {} search{} of the registry (noted in its audit chain){}",
                scan.searches,
                if scan.searches == 1 { "" } else { "es" },
                if scan.withheld > 0 {
                    format!("; {} mention(s) of persons your role may not see withheld", scan.withheld)
                } else {
                    String::new()
                }
            );
        }
        for s in &scan.stored {
            match (&s.source_id, &s.refused) {
                (Some(id), _) => println!("stored {} as source {id}", name(&s.path)),
                (None, Some(why)) if s.stored_before.is_some() => println!("not stored again: {why}"),
                (None, Some(why)) => eprintln!("not stored: {why}"),
                _ => {}
            }
        }
    }
    let unstored = scan.stored.iter().filter(|s| s.source_id.is_none() && s.stored_before.is_none()).count();
    if scan.stopped {
        eprintln!(
            "warning: the search for persons stopped after {} searches (--max-searches): the rest of the text was \
             not searched for persons",
            scan.searches
        );
    }
    for r in reports.iter().filter(|r| r.mentions_left_out > 0) {
        eprintln!(
            "warning: {}: {} more mentions past the first {} were counted, not listed (a report this dense is \
             likely not a report; split it to see them all)",
            name(&r.path),
            r.mentions_left_out,
            athar_scan::read::MAX_MENTIONS
        );
    }
    report_problems(problems, args.json);
    if reports.is_empty() {
        eprintln!(
            "no report was read under {}",
            args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    if unstored > 0 {
        eprintln!("{unstored} report(s) could not be stored (see above); the others were");
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
