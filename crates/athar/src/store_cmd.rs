//! `athar init | sources | records show | quarantine | stats | backup | restore | audit | reindex`:
//! the registry store's commands. Every command that writes data or prints personal data
//! appends to the audit chain.

use crate::Global;
use anyhow::{bail, Context, Result};
use athar_store::{escape_control as esc, Store};
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
    /// Check the audit chain and the data it seals: name the first entry that does not follow,
    /// or the first source, judgement, inquiry or person that differs from what its entry
    /// sealed.
    Verify {
        /// Hash every stored row again, open every encrypted value in its place, and derive
        /// every record's fields again from its raw row; name the first that differs.
        #[arg(long)]
        deep: bool,
        /// An anchor kept elsewhere (`athar audit anchor`, as COUNT:HASH): the chain must still
        /// hold that entry, so a cut-off tail shows too.
        #[arg(long, value_name = "COUNT:HASH")]
        anchor: Option<String>,
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
                esc(&s.name),
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
        esc(&view.source),
        view.source_id,
        view.row,
        esc(view.source_record_id.as_deref().unwrap_or("—"))
    );
    println!("\n  raw, as read:");
    for (h, v) in &view.raw {
        println!("    {:<24} {}", esc(h), esc(v));
    }
    println!("\n  derived:");
    for (f, v) in &view.derived {
        println!("    {f:<24} {}", esc(v));
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
            println!("{} row {}: {}\n    {}", esc(&q.source), q.row, esc(&q.reason), esc(&q.raw.join(" | ")));
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
    let actor = global.actor();
    let target = out.display().to_string();
    let result = store.backup(&out);
    // The entry records the outcome: a failed backup is not a backup.
    match &result {
        Ok(()) => store.audit(&actor, "backup", Some(&target), None, None)?,
        Err(e) => store.audit(&actor, "backup.failed", Some(&target), None, Some(&e.to_string()))?,
    }
    result.with_context(|| format!("backup to {} failed; nothing was written", out.display()))?;
    eprintln!(
        "backup written to {} (readable by you only); the key file {} is not in it — keep a copy of the key apart",
        out.display(),
        global.key_file().display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(global: &Global, input: PathBuf) -> Result<ExitCode> {
    let report = Store::restore(&input, &global.db, &global.key_file())
        .with_context(|| format!("cannot restore {} into {}", input.display(), global.db.display()))?;
    let store = open(global)?;
    store.audit(&global.actor(), "restore", Some(&input.display().to_string()), Some(report.records), None)?;
    eprintln!(
        "restored {} into {}: {} sources, {} records, audit chain of {} entries checked{}",
        input.display(),
        global.db.display(),
        report.sources,
        report.records,
        report.audit_entries,
        report
            .set_aside
            .as_ref()
            .map(|p| format!("; the replaced database is kept as {}", p.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn audit(global: &Global, cmd: AuditCommand) -> Result<ExitCode> {
    let store = open(global)?;
    match cmd {
        AuditCommand::Verify { deep, anchor, json } => {
            let mut v = store.verify_audit(deep)?;
            if v.ok && deep {
                if let Some(problem) = crate::derive::check_derived(&store)? {
                    v.ok = false;
                    v.problem = Some(problem);
                }
            }
            let mut anchor_ok = true;
            if let Some(a) = &anchor {
                let Some((count, hash)) = a.split_once(':') else {
                    bail!("--anchor takes COUNT:HASH as printed by 'athar audit anchor'");
                };
                let count: i64 = count.parse().with_context(|| format!("'{count}' is not a count"))?;
                anchor_ok = store.audit_hash_at(count)?.as_deref() == Some(hash);
                if !anchor_ok {
                    v.ok = false;
                }
            }
            if json {
                println!("{}", serde_json::to_string(&v)?);
            } else if !anchor_ok {
                println!(
                    "audit chain does NOT hold the anchor: entries were removed or rewritten ({} entries now)",
                    v.entries
                );
            } else if v.ok {
                println!(
                    "audit chain intact: {} entries, head {}{}",
                    v.entries,
                    v.head,
                    if deep {
                        "; every stored row hashed again and every record derived again: all as sealed"
                    } else {
                        ""
                    }
                );
            } else {
                match v.first_bad {
                    Some(seq) => println!(
                        "audit chain BROKEN at entry {seq}: {} ({} entries)",
                        v.problem.as_deref().unwrap_or("it does not follow from the entries before it"),
                        v.entries
                    ),
                    None => println!(
                        "audit chain intact ({} entries), but the data it seals is NOT: {}",
                        v.entries,
                        v.problem.as_deref().unwrap_or("unknown")
                    ),
                }
            }
            Ok(if v.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        AuditCommand::Anchor { json } => {
            let (n, head) = store.audit_anchor()?;
            if json {
                println!("{}", serde_json::json!({"entries": n, "head": head}));
            } else {
                println!("{n}:{head}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `athar reindex`: recompute every record's derived fields from its raw row, with the mapping
/// its source was imported with and today's tables (dates, statuses, names). Raw values are
/// never touched.
pub fn reindex(global: &Global, json: bool) -> Result<ExitCode> {
    let mut store = open(global)?;
    let _activity = athar_store::files::Activity::begin(&global.db, "a reindex");
    let actor = global.actor();
    let rules = crate::derive::SourceRules::of(&store)?;
    let (mut done, mut kept) = (0i64, 0i64);
    store.in_transaction(|store| {
        let mut after = 0;
        loop {
            let batch = store.stored_records(after, 10_000)?;
            let Some(last) = batch.last() else { break };
            after = last.record_id;
            for rec in batch {
                match rules.derive(&rec) {
                    Some(Ok(p)) => {
                        store.update_derived(rec.record_id, &p.fields, p.national_id.as_deref(), p.fingerprint)?;
                        done += 1;
                    }
                    // A record that today's rules would set aside keeps its derived fields:
                    // records are never removed.
                    Some(Err(_)) => kept += 1,
                    None => {}
                }
            }
        }
        store.audit(&actor, "reindex", None, Some(done), None)
    })?;
    if json {
        println!("{}", serde_json::json!({"reindexed": done, "kept": kept}));
    } else {
        println!(
            "{done} records reindexed{}",
            if kept > 0 {
                format!(", {kept} kept as they were (no usable name under today's rules)")
            } else {
                String::new()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
