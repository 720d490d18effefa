//! `athar init | sources | records show | quarantine | stats | backup | restore | audit | reindex`:
//! the registry store's commands. Every command that writes data or prints personal data
//! appends to the audit chain.

use crate::Global;
use anyhow::{bail, Context, Result};
use athar_store::Store;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum RecordsCommand {
    /// Show one record: its raw row as read, beside the fields derived from it.
    Show {
        /// A record id, or SOURCE:SOURCE_RECORD_ID.
        record: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit chain; name the first entry that does not follow.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Print the number of entries and the head hash, to keep elsewhere.
    Anchor {
        #[arg(long)]
        json: bool,
    },
}

pub fn open(global: &Global) -> Result<Store> {
    Store::open(&global.db, &global.key_file())
        .with_context(|| format!("cannot open the database {}", global.db.display()))
}

pub fn init(global: &Global, json: bool) -> Result<ExitCode> {
    let (store, report) = Store::init(&global.db, &global.key_file())
        .with_context(|| format!("cannot initialise {}", global.db.display()))?;
    store.audit(&global.actor(), "init", None, None, None)?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "database {} ({})\nkey file {} ({})",
            report.database.display(),
            if report.created_database { "created" } else { "exists" },
            report.key_file.display(),
            if report.created_key_file {
                "created, mode 0600 — keep a copy apart from the database"
            } else {
                "exists"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sources(global: &Global, json: bool) -> Result<ExitCode> {
    let store = open(global)?;
    let list = store.sources()?;
    if json {
        println!("{}", serde_json::json!({ "sources": list }));
    } else if list.is_empty() {
        println!("no sources yet; import a list with: athar import FILE --source NAME");
    } else {
        println!(
            "{:>4}  {:<28} {:<9} {:>8} {:>8} {:>8}  imported at               sha256",
            "id", "name", "kind", "rows", "imported", "quarant."
        );
        for s in &list {
            println!(
                "{:>4}  {:<28} {:<9} {:>8} {:>8} {:>8}  {:<25} {}",
                s.source_id,
                s.name,
                s.kind,
                s.rows,
                s.imported,
                s.quarantined,
                s.imported_at,
                &s.sha256[..16.min(s.sha256.len())]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn records(global: &Global, cmd: RecordsCommand) -> Result<ExitCode> {
    let RecordsCommand::Show { record, json } = cmd;
    let store = open(global)?;
    let Some(view) = store.record(&record)? else {
        bail!("no record '{record}'; give a record id or SOURCE:SOURCE_RECORD_ID (see athar sources)");
    };
    store.audit(&global.actor(), "records.show", Some(&format!("record:{}", view.record_id)), Some(1), None)?;
    if json {
        println!("{}", serde_json::to_string(&view)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "record {}   source {} ({})   row {}   source_record_id {}",
        view.record_id,
        view.source,
        view.source_id,
        view.row,
        view.source_record_id.as_deref().unwrap_or("—")
    );
    println!("\n  raw, as read:");
    for (h, v) in &view.raw {
        println!("    {h:<24} {v}");
    }
    println!("\n  derived:");
    for (f, v) in &view.derived {
        println!("    {f:<24} {v}");
    }
    if let Some(h) = &view.national_id_hash {
        println!("    {:<24} {}… (keyed hash)", "national_id", &h[..16.min(h.len())]);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn quarantine(global: &Global, source: Option<String>, json: bool) -> Result<ExitCode> {
    let store = open(global)?;
    if let Some(s) = &source {
        if store.source_by_name(s)?.is_none() {
            bail!("no source '{s}'; see athar sources");
        }
    }
    let rows = store.quarantine(source.as_deref())?;
    store.audit(&global.actor(), "quarantine", source.as_deref(), Some(rows.len() as i64), None)?;
    if json {
        println!("{}", serde_json::json!({ "quarantine": rows }));
    } else if rows.is_empty() {
        println!("no quarantined rows");
    } else {
        for q in &rows {
            println!("{} row {}: {}\n    {}", q.source, q.row, q.reason, q.raw.join(" | "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn stats(global: &Global, json: bool) -> Result<ExitCode> {
    let store = open(global)?;
    let s = store.stats()?;
    if json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!(
            "sources {}\nrecords {}\nquarantined rows {}\naudit entries {}",
            s.sources, s.records, s.quarantined, s.audit_entries
        );
        for (status, n) in &s.by_status {
            println!("  {status:<12} {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn backup(global: &Global, out: PathBuf) -> Result<ExitCode> {
    let store = open(global)?;
    store.audit(&global.actor(), "backup", Some(&out.display().to_string()), None, None)?;
    store.backup(&out).with_context(|| format!("backup to {} failed", out.display()))?;
    eprintln!(
        "backup written to {}; the key file {} is not in it — keep a copy of the key apart",
        out.display(),
        global.key_file().display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(global: &Global, input: PathBuf) -> Result<ExitCode> {
    Store::restore(&input, &global.db, &global.key_file())
        .with_context(|| format!("cannot restore {} into {}", input.display(), global.db.display()))?;
    let store = open(global)?;
    store.audit(&global.actor(), "restore", Some(&input.display().to_string()), None, None)?;
    eprintln!("restored {} into {}", input.display(), global.db.display());
    Ok(ExitCode::SUCCESS)
}

pub fn audit(global: &Global, cmd: AuditCommand) -> Result<ExitCode> {
    let store = open(global)?;
    match cmd {
        AuditCommand::Verify { json } => {
            let v = store.verify_audit()?;
            if json {
                println!("{}", serde_json::to_string(&v)?);
            } else if v.ok {
                println!("audit chain intact: {} entries, head {}", v.entries, v.head);
            } else {
                println!(
                    "audit chain BROKEN at entry {}: it does not follow from the entries before it ({} entries)",
                    v.first_bad.unwrap_or(0),
                    v.entries
                );
            }
            Ok(if v.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        AuditCommand::Anchor { json } => {
            let (n, head) = store.audit_anchor()?;
            if json {
                println!("{}", serde_json::json!({"entries": n, "head": head}));
            } else {
                println!("{n} {head}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
