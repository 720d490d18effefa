//! `athar persons show | split | history`, `athar export persons`, `athar model`: persons and
//! their records, the export of every record, the linkage model document — as the registry
//! library does them; this module parses, writes and prints.

use crate::output::{describe, CsvOut, Output};
use crate::Global;
use anyhow::{Context, Result};
use athar_registry::escape_control as esc;
use clap::{Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum PersonsCommand {
    /// The persons, a page at a time (P1, P2 … then records in no person, R…): each with their
    /// best name in each script, birth year, status and place of detention. To find a person
    /// by name, use athar search.
    List {
        /// Persons a page holds (1 to 1000).
        #[arg(long, default_value_t = 50, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
        limit: usize,
        /// Which page (from 1).
        #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        page: usize,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The persons whose name looks like NAME, in any script or spelling, best first: each with
    /// their best name in each script, birth year, status and place of detention. A search of
    /// the registry (audited as one); athar search takes the mother's name, the birth year and
    /// more, and says why each person matches.
    Find {
        /// The name, as the family or a list writes it.
        name: String,
        /// Persons to show, at most (1 to 100).
        #[arg(long, default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
        limit: usize,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A person's records side by side, with sources.
    Show {
        /// The person's id (P12), as search and `persons list` show it.
        person: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Move records out of a person into a new one; records judged different from the rest.
    Split {
        /// The person's id (P12).
        person: String,
        /// The records to take out into a person of their own (ids or SOURCE:SOURCE_RECORD_ID).
        #[arg(required = true)]
        records: Vec<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Where a person id came from: creations, merges, splits.
    History {
        /// The person's id (P12).
        person: String,
        /// Print the result as JSON instead of text.
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
        /// csv (a spreadsheet) or json (one object per record).
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Replace the --out file if it exists (never a database or a key file).
        #[arg(long)]
        force: bool,
        /// Print what was written as JSON (on standard error when --out is -, which holds the
        /// export itself).
        #[arg(long)]
        json: bool,
    },
    /// The leads of open inquiries for one kind of recipient (family, icrc, commission,
    /// authorities), each inquiry cut to what its enquirer consented that recipient may
    /// receive: a ZIP archive of leads.csv and manifest.json (what was exported, for whom, by
    /// whom, each file's SHA-256, and what was left out and why). Records marked sensitive
    /// never leave.
    Leads {
        /// Who receives the leads: family, icrc, commission or authorities (each inquiry's consent
        /// says what that recipient may receive).
        #[arg(long)]
        recipient: String,
        /// The archive to write (not standard output: it is binary).
        #[arg(long)]
        out: PathBuf,
        /// Replace the file if it exists (never a database or a key file).
        #[arg(long)]
        force: bool,
        /// Print what was written (files, rows, SHA-256, what was left out) as JSON instead of
        /// text.
        #[arg(long)]
        json: bool,
    },
    /// Every record with its person, as a ZIP archive of persons.csv and manifest.json (each
    /// file's SHA-256, who made it and when, where the audit chain stood).
    Archive {
        /// The archive to write (not standard output: it is binary).
        #[arg(long)]
        out: PathBuf,
        /// Replace the file if it exists (never a database or a key file).
        #[arg(long)]
        force: bool,
        /// Print what was written (files, rows, SHA-256) as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `athar export leads|archive`: a bundle written as a ZIP archive.
fn export_bundle(global: &Global, out: &Path, force: bool, recipient: Option<&str>, json: bool) -> Result<ExitCode> {
    if out.as_os_str() == "-" {
        anyhow::bail!("an export archive is binary: give --out a file name (e.g. export.zip), not -");
    }
    let registry = global.registry()?;
    let mut sink = Output::open(out, &registry.own_files(), force)?;
    let bundle = match recipient {
        Some(r) => registry.export_for_recipient(&global.party(), r)?,
        None => registry.export_persons_bundle(&global.party())?,
    };
    sink.write_all(&bundle.zip()?)?;
    sink.finish().with_context(|| format!("cannot write {}", describe(out)))?;
    if json {
        println!(
            "{}",
            serde_json::json!({"out": describe(out), "files": bundle.manifest.files, "left_out": bundle.manifest.left_out})
        );
        return Ok(ExitCode::SUCCESS);
    }
    for f in &bundle.manifest.files {
        eprintln!("{}: {} rows, SHA-256 {}", f.name, f.rows, f.sha256);
    }
    for l in &bundle.manifest.left_out {
        eprintln!("left out: {l}");
    }
    eprintln!("written to {} with its manifest.json", describe(out));
    Ok(ExitCode::SUCCESS)
}

pub fn persons(global: &Global, cmd: PersonsCommand) -> Result<ExitCode> {
    let registry = global.registry()?;
    let party = global.party();
    match cmd {
        PersonsCommand::List { limit, page, json } => {
            let list = registry.persons_list(&party, limit, page)?;
            if page > list.pages && list.total > 0 {
                anyhow::bail!("--page {page}: the list has {} page(s) of {limit} persons", list.pages);
            }
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                let terminal = crate::output::terminal();
                for p in &list.persons {
                    let parts = p.parts();
                    for line in crate::output::joined(&format!("{}  ", parts[0]), &parts[1..], 6, terminal) {
                        println!("{line}");
                    }
                }
                println!("page {} of {} ({} persons)", list.page, list.pages, list.total);
                if list.page < list.pages {
                    println!("next: athar persons list --page {}", list.page + 1);
                }
            }
        }
        PersonsCommand::Find { name, limit, json } => {
            let found = registry.persons_find(&party, &name, limit)?;
            if json {
                println!("{}", serde_json::json!({ "persons": found }));
            } else if found.is_empty() {
                println!("no person in the registry has a name like this");
            } else {
                let terminal = crate::output::terminal();
                for f in &found {
                    let mut parts = f.person.parts();
                    parts.push(format!("p={:.4}", f.probability));
                    for line in crate::output::joined(&format!("{}  ", parts[0]), &parts[1..], 6, terminal) {
                        println!("{line}");
                    }
                }
            }
        }
        PersonsCommand::Show { person, json } => {
            let view = registry.person(&party, &person)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"person_id": view.person_id, "records": view.records, "reports": view.reports})
                );
            } else {
                let terminal = crate::output::terminal();
                let cell = |s: &str| crate::output::bidi(s, 0, terminal);
                println!("person {person}: {}", athar_registry::count(view.records.len(), "record", "records"));
                for v in &view.records {
                    println!(
                        "  record {} — source {} row {}{}",
                        v.record_id,
                        esc(&v.source),
                        v.row,
                        v.source_record_id.as_deref().map(|s| format!(" (id {})", esc(s))).unwrap_or_default(),
                    );
                    let derived: Vec<String> = v.derived.iter().map(|(k, val)| format!("{k}={}", cell(val))).collect();
                    for line in crate::output::wrap_items(&derived, 6, 100) {
                        println!("{line}");
                    }
                    for p in &v.places {
                        println!("      {} {} → {} ({})", p.field, cell(&p.value), cell(&p.label), p.entity_id);
                    }
                }
                if !view.reports.is_empty() {
                    println!(
                        "named in {} stored report(s):",
                        view.reports.iter().map(|r| r.source_id).collect::<std::collections::BTreeSet<_>>().len()
                    );
                    for m in &view.reports {
                        println!(
                            "  source {} ({}, SHA-256 {}…) at byte {}: \"{}\" (record {}, {:.2})",
                            m.source_id,
                            esc(&m.file_name),
                            &m.sha256[..12.min(m.sha256.len())],
                            m.mention.offset,
                            esc(&m.mention.text),
                            m.mention.record_id.unwrap_or_default(),
                            m.mention.confidence
                        );
                    }
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
        PersonsCommand::Split { person, records, json } => {
            let r = registry.split(&party, &person, &records)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "{} moved out of {person} into {}; see athar persons history {person}",
                athar_registry::count(r.moved, "record", "records"),
                r.new_person_id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn export(global: &Global, cmd: ExportCommand) -> Result<ExitCode> {
    let (out, format, force, json) = match cmd {
        ExportCommand::Persons { out, format, force, json } => (out, format, force, json),
        ExportCommand::Leads { recipient, out, force, json } => {
            return export_bundle(global, &out, force, Some(&recipient), json)
        }
        ExportCommand::Archive { out, force, json } => return export_bundle(global, &out, force, None, json),
    };
    let registry = global.registry()?;
    // The output is checked before anything is read or audited: a refused path costs nothing.
    let mut sink = Output::open(&out, &registry.own_files(), force)?;
    let rows = registry.export_persons(&global.party(), &describe(&out))?;
    match format {
        ExportFormat::Csv => {
            let mut w = CsvOut::new(&mut sink);
            w.row(athar_registry::ExportRecord::COLUMNS)?;
            for r in &rows {
                w.row(r.cells())?;
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
    let written = serde_json::json!({"records": rows.len(), "out": describe(&out)});
    match (json, to_stdout) {
        (true, false) => println!("{written}"),
        (true, true) => eprintln!("{written}"),
        (false, false) => eprintln!("{} records written to {}", rows.len(), describe(&out)),
        (false, true) => {}
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Print the model document (JSON): the default one until `athar link` trains one.
    Show {
        /// Accepted for the sake of scripts: the document is JSON either way.
        #[arg(long)]
        json: bool,
    },
    /// Write the model document to a file (- for standard output; an existing file only with
    /// --force, never a database or a key file).
    Export {
        /// The file to write the model document to (JSON).
        file: PathBuf,
        /// Replace the file if it exists (never a database or a key file).
        #[arg(long)]
        force: bool,
        /// Print what was written as JSON instead of text (on standard error when the file is
        /// -, which holds the document itself).
        #[arg(long)]
        json: bool,
    },
    /// Use a model document (checked before it replaces the stored one).
    Import {
        /// A model document written by `model export` (JSON).
        file: PathBuf,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn model(global: &Global, cmd: ModelCommand) -> Result<ExitCode> {
    let registry = global.registry()?;
    let party = global.party();
    match cmd {
        ModelCommand::Show { json: _ } => println!("{}", registry.model(&party)?.0.to_json()),
        ModelCommand::Export { file, force, json } => {
            let mut sink = Output::open(&file, &registry.own_files(), force)?;
            writeln!(sink, "{}", registry.model(&party)?.0.to_json())?;
            let to_stdout = sink.is_stdout();
            sink.finish().with_context(|| format!("cannot write {}", describe(&file)))?;
            let written = serde_json::json!({"model_written_to": describe(&file)});
            match (json, to_stdout) {
                (true, false) => println!("{written}"),
                (true, true) => eprintln!("{written}"),
                (false, false) => eprintln!("model written to {}", describe(&file)),
                (false, true) => {}
            }
        }
        ModelCommand::Import { file, json } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            registry
                .import_model(&party, &text)
                .with_context(|| format!("{} is not a usable model; nothing changed", file.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"model_imported_from": file.display().to_string(), "applied": false})
                );
            } else {
                eprintln!("model imported from {}; run athar link to apply it", file.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
