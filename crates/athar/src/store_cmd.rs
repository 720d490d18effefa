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
        AuditCommand::Verify { anchor, json } => {
            let mut v = store.verify_audit()?;
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
    use athar_ingest::dates::{DateOrder, DateRules, MIN_YEAR};
    use athar_ingest::headers::{map_headers, HeaderMapping};
    use std::collections::HashMap;
    let mut store = open(global)?;
    let actor = global.actor();
    let mut mappings: HashMap<i64, (HeaderMapping, DateRules)> = HashMap::new();
    for (sid, text) in store.source_mappings()? {
        let v: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("source {sid}: its stored mapping is damaged"))?;
        let headers: Vec<String> = serde_json::from_value(v["headers"].clone()).unwrap_or_default();
        let overrides: Vec<(String, Option<athar_ingest::Field>)> = v["overrides"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|o| {
                        let col = o.get(0)?.as_str()?.to_string();
                        let field = o.get(1).and_then(|f| f.as_str()).and_then(athar_ingest::Field::from_name);
                        Some((col, field))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let id_column = v["id_column"].as_str();
        let order = if v["date_order"] == "mdy" { DateOrder::Mdy } else { DateOrder::Dmy };
        let mapping = map_headers(&headers, &overrides, id_column)
            .with_context(|| format!("source {sid}: its mapping no longer applies"))?;
        let earliest_year = v["earliest_year"].as_i64().and_then(|y| i32::try_from(y).ok()).unwrap_or(MIN_YEAR);
        mappings.insert(sid, (mapping, DateRules { order, earliest_year }));
    }
    let (mut done, mut kept) = (0i64, 0i64);
    store.in_transaction(|store| {
        let mut after = 0;
        loop {
            let batch = store.records_after(after, 10_000)?;
            let Some(last) = batch.last() else { break };
            after = last.0;
            for (id, sid, raw) in batch {
                let Some((mapping, dates)) = mappings.get(&sid) else { continue };
                match athar_ingest::parse_row(mapping, &raw, 0, *dates) {
                    Ok(p) => {
                        store.update_derived(id, &p.fields, p.national_id.as_deref(), p.fingerprint)?;
                        done += 1;
                    }
                    // A record that today's rules would set aside keeps its derived fields:
                    // records are never removed.
                    Err(_) => kept += 1,
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
