//! `athar init | sources | records show | quarantine | stats | backup | restore | audit | reindex`:
//! the registry's housekeeping, as the registry library does it; this module parses and prints.

use crate::Global;
use anyhow::{bail, Context, Result};
use athar_registry::escape_control as esc;
use athar_registry::Registry;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum RecordsCommand {
    /// Show one record: its raw row as read, beside the fields derived from it.
    Show {
        /// A record id, SOURCE:SOURCE_RECORD_ID, or SOURCE:ROW for a list without ids.
        record: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Mark a record sensitive (minor, informant, sexual-violence): it is then withheld from
    /// caseworkers and viewers, who are told that a match was withheld. Audited. Give no flag
    /// and --clear to remove them.
    Flag {
        /// A record id, SOURCE:SOURCE_RECORD_ID, or SOURCE:ROW for a list without ids.
        record: String,
        /// The flags: minor, informant, sexual-violence (they replace those the record had).
        #[arg(value_name = "FLAG", required_unless_present = "clear", conflicts_with = "clear")]
        flags: Vec<String>,
        /// Remove every flag of the record.
        #[arg(long)]
        clear: bool,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every record marked sensitive, with its flags.
    Flagged {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum PurgeCommand {
    /// A source (by name or id): its records, raw rows, quarantined rows and original file,
    /// and the judgements, leads, flags and places in persons that point at its records.
    Source {
        /// The source's name or id, as `athar sources` shows them.
        source: String,
        /// The source's name typed again: a purge cannot be undone.
        #[arg(long)]
        confirm: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// An inquiry, its enquirer and its leads.
    Inquiry {
        /// The inquiry's reference (INQ-…), as `athar inquiry list` shows it.
        reference: String,
        /// The reference typed again: a purge cannot be undone.
        #[arg(long)]
        confirm: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `athar purge source|inquiry`.
pub fn purge(global: &Global, cmd: PurgeCommand) -> Result<ExitCode> {
    let (what, name, confirm, json) = match &cmd {
        PurgeCommand::Source { source, confirm, json } => ("source", source, confirm, *json),
        PurgeCommand::Inquiry { reference, confirm, json } => ("inquiry", reference, confirm, *json),
    };
    if name != confirm {
        bail!(
            "--confirm '{}' is not the {what} '{}': type its name again exactly to purge it; nothing changed",
            esc(confirm),
            esc(name)
        );
    }
    let registry = global.registry()?;
    let report = match what {
        "source" => registry.purge_source(&global.party(), name)?,
        _ => registry.purge_inquiry(&global.party(), name)?,
    };
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "purged {what} {}: {} records, {} quarantined rows, {} judgements, {} leads, {} flags removed; the audit \
             chain holds the digest of what was removed ({})",
            esc(name),
            report.records,
            report.quarantined,
            report.judgements,
            report.leads,
            report.flags,
            &report.digest[..16.min(report.digest.len())]
        );
        println!("backups made before now, and exports already given out, still hold it");
    }
    Ok(ExitCode::SUCCESS)
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
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the number of entries and the head hash, to keep elsewhere.
    Anchor {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Who looked at a person, for the data-protection officer: every entry about the person,
    /// an id merged into it, or one of their records (views, explanations, judgements, flags),
    /// and every search whose answer showed them (searches made before answers were kept in
    /// the audit chain cannot be told).
    Viewers {
        /// A person id (as search and `athar persons` show it), or R<record id>.
        person: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn init(global: &Global, json: bool) -> Result<ExitCode> {
    let (_, report) = Registry::init(&global.db, &global.key_file(), &global.party())
        .with_context(|| format!("cannot initialise {}", global.db.display()))?;
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
    let list = global.registry()?.sources(&global.party())?;
    if json {
        println!("{}", serde_json::json!({ "sources": list }));
    } else if list.is_empty() {
        println!("no sources yet; import a list with: athar import FILE --source NAME");
    } else {
        println!(
            "{:>4}  {:<22} {:<9} {:>8} {:>8} {:>8}  imported at (UTC)  sha256",
            "id", "name", "kind", "rows", "imported", "quarant."
        );
        for s in &list {
            // To the minute, the digest's start and a long name's: the full values are in --json.
            let at = s.imported_at.get(..16).unwrap_or(&s.imported_at).replace('T', " ");
            let name: String = if s.name.chars().count() > 22 {
                s.name.chars().take(21).chain(['…']).collect()
            } else {
                s.name.clone()
            };
            println!(
                "{:>4}  {} {:<9} {:>8} {:>8} {:>8}  {at:<17}  {}…",
                s.source_id,
                crate::output::bidi(&name, 22, crate::output::terminal()),
                s.kind,
                s.rows,
                s.imported,
                s.quarantined,
                &s.sha256[..12.min(s.sha256.len())]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn records(global: &Global, cmd: RecordsCommand) -> Result<ExitCode> {
    let (record, json) = match cmd {
        RecordsCommand::Show { record, json } => (record, json),
        RecordsCommand::Flag { record, flags, clear: _, json } => {
            let flags: Vec<String> = flags
                .iter()
                .flat_map(|f| f.split(','))
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect();
            if let Some(f) = flags.iter().find(|f| !athar_registry::sensitivity::FLAGS.contains(&f.as_str())) {
                return Err(crate::output::usage(format!(
                    "'{}' is not a flag: {}",
                    athar_registry::escape_control(f),
                    athar_registry::sensitivity::FLAGS.join(", ")
                )));
            }
            let id = global.registry()?.set_flags(&global.party(), &record, &flags)?;
            if json {
                println!("{}", serde_json::json!({"record_id": id, "flags": flags}));
            } else if flags.is_empty() {
                println!("record {id}: no sensitivity flag now");
            } else {
                println!("record {id}: marked {} (withheld from caseworkers and viewers)", flags.join(", "));
            }
            return Ok(ExitCode::SUCCESS);
        }
        RecordsCommand::Flagged { json } => {
            let all = global.registry()?.flagged(&global.party())?;
            if json {
                println!("{}", serde_json::to_string(&all)?);
            } else if all.is_empty() {
                println!("no record is marked sensitive");
            } else {
                for (id, flags) in &all {
                    println!("record {id}   {}", flags.join(", "));
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    let view = global.registry()?.record(&global.party(), &record)?;
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
    let terminal = crate::output::terminal();
    let cell = |s: &str, width: usize| crate::output::bidi(s, width, terminal);
    println!("\n  raw, as read:");
    for (h, v) in &view.raw {
        println!("    {} {}", cell(h, 24), cell(v, 0));
    }
    println!("\n  derived:");
    for (f, v) in &view.derived {
        println!("    {f:<24} {}", cell(v, 0));
    }
    if let Some(h) = &view.national_id_hash {
        println!("    {:<24} {}… (keyed hash)", "national_id", &h[..16.min(h.len())]);
    }
    if let Some(h) = &view.registry_number_hash {
        println!("    {:<24} {}… (keyed hash)", "registry_number", &h[..16.min(h.len())]);
    }
    if !view.places.is_empty() {
        println!("\n  places, as the gazetteer reads them:");
        for p in &view.places {
            println!("    {:<24} {} → {} ({})", p.field, cell(&p.value, 0), cell(&p.label, 0), p.entity_id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn quarantine(global: &Global, source: Option<String>, json: bool) -> Result<ExitCode> {
    let rows = global.registry()?.quarantine(&global.party(), source.as_deref())?;
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
    let s = global.registry()?.stats(&global.party())?;
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

pub fn backup(global: &Global, out: PathBuf, json: bool) -> Result<ExitCode> {
    global.registry()?.backup(&global.party(), &out).with_context(|| format!("backup to {} failed", out.display()))?;
    if json {
        println!("{}", serde_json::json!({"backup": out.display().to_string(), "key_file_included": false}));
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "backup written to {} (readable by you only); the key file {} is not in it — keep a copy of the key apart",
        out.display(),
        global.key_file().display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(global: &Global, input: PathBuf, json: bool) -> Result<ExitCode> {
    let report = Registry::restore(&global.db, &global.key_file(), &input, &global.party())
        .with_context(|| format!("cannot restore {} into {}", input.display(), global.db.display()))?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "restored": input.display().to_string(),
                "database": global.db.display().to_string(),
                "sources": report.sources,
                "records": report.records,
                "audit_entries": report.audit_entries,
                "replaced_kept_as": report.set_aside.as_ref().map(|p| p.display().to_string()),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
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
    let registry = global.registry()?;
    match cmd {
        AuditCommand::Verify { deep, anchor, json } => {
            let anchor = match &anchor {
                Some(a) => {
                    let Some((count, hash)) = a.split_once(':') else {
                        bail!("--anchor takes COUNT:HASH as printed by 'athar audit anchor'");
                    };
                    let count: i64 = count.parse().with_context(|| format!("'{count}' is not a count"))?;
                    Some((count, hash))
                }
                None => None,
            };
            let report = registry.verify_audit(&global.party(), deep, anchor)?;
            let v = &report.verdict;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else if report.anchor_held == Some(false) {
                println!(
                    "audit chain does NOT hold the anchor: entries were removed or rewritten ({} entries now)",
                    v.entries
                );
            } else if v.ok {
                println!(
                    "audit chain intact: {} entries{}\n  head {}",
                    v.entries,
                    if deep {
                        "; every stored row hashed again and every record derived again: all as sealed"
                    } else {
                        ""
                    },
                    v.head
                );
                if report.older_derived > 0 {
                    println!(
                        "{}",
                        crate::output::paragraph(
                            &format!(
                                "{} derived by an older Athar {} not derived again (today's rules know more fields); \
                                 the next athar link, or athar reindex, derives them again",
                                athar_registry::count(report.older_derived as usize, "record", "records"),
                                if report.older_derived == 1 { "was" } else { "were" }
                            ),
                            2,
                            100
                        )
                    );
                }
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
            let (n, head) = registry.audit_anchor(&global.party())?;
            if json {
                println!("{}", serde_json::json!({"entries": n, "head": head}));
            } else {
                println!("{n}:{head}");
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Viewers { person, json } => {
            let entries = registry.viewers_of(&global.party(), &person)?;
            if json {
                println!("{}", serde_json::to_string(&entries)?);
            } else if entries.is_empty() {
                println!("no one has looked at person {} or their records", esc(&person));
            } else {
                for e in &entries {
                    println!(
                        "{:>8}  {}  {:<16}  {:<18}  {}{}",
                        e.seq,
                        e.at,
                        esc(&e.actor),
                        e.action,
                        esc(e.target.as_deref().unwrap_or("")),
                        e.result_count.map(|n| format!("  ({n})")).unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `athar reindex`: recompute every record's derived fields from its raw row.
pub fn reindex(global: &Global, json: bool) -> Result<ExitCode> {
    let r = global.registry()?.reindex(&global.party())?;
    if json {
        println!("{}", serde_json::json!({"reindexed": r.reindexed, "kept": r.kept}));
    } else {
        println!(
            "{} records reindexed{}",
            r.reindexed,
            if r.kept > 0 {
                format!(", {} kept as they were (no usable name under today's rules)", r.kept)
            } else {
                String::new()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
