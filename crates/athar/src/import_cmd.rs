//! `athar import FILE --source NAME …`: read a list, map its columns, keep every row (as a
//! record or in quarantine) with the original file, in one transaction.

use crate::Global;
use anyhow::{bail, Context, Result};
use athar_ingest::dates::{DateOrder, DateRules};
use athar_ingest::headers::{map_headers, parse_map_arg, ColumnRole, HeaderMapping};
use athar_ingest::{Field, Format, ReadOptions};
use athar_store::{NewRecord, NewSource, PreparedRecord};
use clap::{Args, ValueEnum};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The list: CSV, TSV, XLSX, JSON or NDJSON, in any encoding.
    file: PathBuf,
    /// A name for this source, unique in the database (e.g. "saydnaya-release-2024-12").
    #[arg(long)]
    source: String,
    /// What the list is.
    #[arg(long, value_enum, default_value = "other")]
    kind: SourceKind,
    /// The format, when detection gets it wrong.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// The encoding (utf-8, utf-16le, windows-1256, windows-1251, koi8-u …), when detection gets it wrong.
    #[arg(long)]
    encoding: Option<String>,
    /// Map a column to a field (COL=FIELD), or ignore it (COL=-). Repeatable.
    #[arg(long = "map", value_name = "COL=FIELD")]
    maps: Vec<String>,
    /// The column that holds the list's own record id (kept verbatim as source_record_id).
    #[arg(long)]
    id_column: Option<String>,
    /// The sheet of a workbook (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// The row that holds the column names (default 1).
    #[arg(long)]
    header_row: Option<usize>,
    /// The file has no header row: its columns are named "column 1", "column 2" … (name them
    /// with --map 'column 1=full_name'), and its first row is data.
    #[arg(long, conflicts_with = "header_row")]
    no_header: bool,
    /// Keep the --id-column encrypted, with only its keyed hash comparable (for an id column
    /// that holds identity numbers; the record is then addressed as SOURCE:h:… as shown).
    #[arg(long, requires = "id_column", conflicts_with = "clear_id")]
    private_id: bool,
    /// Keep the --id-column in clear even though it looks like identity numbers.
    #[arg(long, requires = "id_column")]
    clear_id: bool,
    /// How to read 03/04/1985: day first (dmy, the default) or month first (mdy).
    #[arg(long, value_enum, default_value = "dmy")]
    date_order: DateOrderArg,
    /// The earliest plausible year: dates before it are refused as typing errors (set it lower
    /// for a historical list).
    #[arg(long, default_value_t = athar_ingest::dates::MIN_YEAR, value_name = "YEAR")]
    earliest_year: i32,
    /// A description of the source (where it came from, who gave it).
    #[arg(long)]
    description: Option<String>,
    /// Show the mapping chosen and the first rows as parsed; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import even if the same file (same SHA-256) was imported before.
    #[arg(long)]
    force: bool,
    /// Print one JSON object on standard output.
    #[arg(long)]
    json: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum SourceKind {
    Register,
    NgoList,
    Inquiry,
    Report,
    Other,
}

impl SourceKind {
    fn name(self) -> &'static str {
        match self {
            SourceKind::Register => "register",
            SourceKind::NgoList => "ngo-list",
            SourceKind::Inquiry => "inquiry",
            SourceKind::Report => "report",
            SourceKind::Other => "other",
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum DateOrderArg {
    Dmy,
    Mdy,
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_name(s).ok_or_else(|| format!("'{s}' is not a format; use csv, tsv, xlsx, json or ndjson"))
}

const CHUNK: usize = 1 << 20;
const BATCH: usize = 512;

/// A row made ready on the reading thread.
enum Prepared {
    Record(PreparedRecord, Vec<String>),
    Quarantine(i64, String, Vec<String>),
}
const MAX_WARNINGS: usize = 1000;

pub fn run(global: &Global, args: ImportArgs) -> Result<ExitCode> {
    let overrides = args
        .maps
        .iter()
        .map(|m| parse_map_arg(m).map_err(|e| anyhow::anyhow!("--map {m}: {e}")))
        .collect::<Result<Vec<_>>>()?;
    if !args.file.is_file() {
        bail!("{} is not a file", args.file.display());
    }
    let order = match args.date_order {
        DateOrderArg::Dmy => DateOrder::Dmy,
        DateOrderArg::Mdy => DateOrder::Mdy,
    };
    if !(1..=athar_ingest::dates::MAX_YEAR).contains(&args.earliest_year) {
        bail!("--earliest-year {} must be between 1 and {}", args.earliest_year, athar_ingest::dates::MAX_YEAR);
    }
    let dates = DateRules { order, earliest_year: args.earliest_year };
    let opts = ReadOptions {
        format: args.format,
        encoding: args.encoding.clone(),
        sheet: args.sheet.clone(),
        header_row: args.header_row,
        no_header: args.no_header,
    };
    let mut table = athar_ingest::open(&args.file, &opts)?;
    let mapping = map_headers(&table.headers, &overrides, args.id_column.as_deref())?;
    // The first rows, read now to judge the id column; put back in front of the rest.
    let first: Vec<_> = table.rows.by_ref().take(50).collect();
    let notes = Notes::of(&args, &table, &mapping, &first);
    let rest = std::mem::replace(&mut table.rows, Box::new(std::iter::empty()));
    table.rows = Box::new(first.into_iter().chain(rest));
    let actor = global.actor();
    if args.dry_run && !global.db.exists() {
        // A preview before any registry exists writes nothing, not even a new database.
        return dry_run(&args, table, &mapping, dates, &notes);
    }
    if !args.dry_run {
        notes.refusal()?;
    }
    let mut store = crate::store_cmd::open(global)?;
    let store_keys = store.keys().clone();
    if args.dry_run {
        store.audit(&actor, "import.dry-run", Some(&args.source), None, None)?;
        return dry_run(&args, table, &mapping, dates, &notes);
    }
    let (sha256, size) =
        athar_ingest::file_sha256(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    // Checked now, to say so before reading the file, and again under the write lock.
    store.check_new_source(&args.source, &sha256, args.force)?;
    let mapping_json = serde_json::json!({
        "headers": mapping.headers,
        "roles": mapping.roles,
        "overrides": overrides.iter().map(|(c, f)| (c.clone(), f.map(Field::name))).collect::<Vec<_>>(),
        "id_column": args.id_column,
        "date_order": match order { DateOrder::Dmy => "dmy", DateOrder::Mdy => "mdy" },
        "earliest_year": dates.earliest_year,
    });
    let new = NewSource {
        name: args.source.clone(),
        kind: args.kind.name().into(),
        file_name: args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        sha256: sha256.clone(),
        size: size as i64,
        format: table.format.name().into(),
        encoding: table.encoding.map(str::to_string),
        actor: actor.clone(),
        description: args.description.clone(),
        mapping_json: mapping_json.to_string(),
    };
    let format = table.format;
    let encoding = table.encoding;
    let encoding_confidence = table.encoding_confidence;
    let encoding_reason = table.encoding_reason.clone();
    let mut warnings: Vec<String> = mapping.warnings.clone();
    warnings.extend(notes.warnings.iter().cloned());
    let mut extra_warnings = 0usize;
    let progress = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    progress.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} rows read ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    // Plain progress lines for scripts and tests that watch standard error.
    let progress_lines = std::env::var("ATHAR_PROGRESS").is_ok_and(|v| v == "lines");
    // Records after this one are the list's (the re-check of inquiries looks at them).
    let last_before = store.max_record_id()?;
    let _activity = athar_store::files::Activity::begin(&global.db, "an import");
    let mut imp = store.begin_import(&new, args.force)?;
    imp.set_columns(&table.headers)?;
    let (source_number, first_record_id) = (imp.source_number(), imp.next_record_id());
    // Two threads: this one writes to SQLite; a second reads, parses and encrypts rows, in
    // batches, so that both cores work.
    let keys = store_keys.clone();
    let rows = table.rows;
    let private_id = args.private_id.then(|| mapping.id_column()).flatten();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(8);
    let worker = std::thread::spawn(move || -> Result<(), athar_store::StoreError> {
        let mut batch = Vec::with_capacity(BATCH);
        let mut next_id = first_record_id;
        for item in rows {
            let prepared = match item {
                Ok(raw) => match athar_ingest::parse_row(&mapping, &raw.cells, raw.row, dates) {
                    Ok(mut parsed) => {
                        // An id column of identity numbers: the cell stays encrypted, its keyed
                        // hash is the record's id.
                        if let Some(i) = private_id {
                            if let Some(p) = parsed.private.get_mut(i) {
                                *p = true;
                            }
                            parsed.source_record_id = parsed.source_record_id.map(|v| keys.private_id(&v));
                        }
                        let rec = NewRecord {
                            row: raw.row as i64,
                            source_record_id: parsed.source_record_id,
                            private: parsed.private,
                            raw: raw.cells,
                            fields: parsed.fields,
                            national_id: parsed.national_id,
                            fingerprint: parsed.fingerprint,
                        };
                        let prepared = PreparedRecord::new(&keys, &rec, source_number, next_id)?;
                        next_id += 1;
                        Prepared::Record(prepared, parsed.warnings)
                    }
                    Err(reason) => Prepared::Quarantine(raw.row as i64, reason, raw.cells),
                },
                Err(e) if e.fatal => {
                    return Err(athar_store::StoreError::Invalid(format!("row {}: {}", e.row, e.reason)))
                }
                Err(e) => Prepared::Quarantine(e.row as i64, e.reason, vec![e.raw]),
            };
            batch.push(prepared);
            if batch.len() == BATCH && tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() {
                return Ok(());
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        Ok(())
    });
    let mut n = 0usize;
    // Why the first rows were set aside: said if no row at all could be imported.
    let mut first_reasons: Vec<String> = Vec::new();
    for batch in rx {
        for item in batch {
            if n.is_multiple_of(1024) {
                progress.set_position(n as u64);
            }
            if progress_lines && n > 0 && n.is_multiple_of(10_000) {
                eprintln!("progress: {n} rows");
            }
            n += 1;
            match item {
                Prepared::Record(rec, row_warnings) => {
                    for w in row_warnings {
                        if warnings.len() < MAX_WARNINGS {
                            warnings.push(w);
                        } else {
                            extra_warnings += 1;
                        }
                    }
                    imp.add_prepared(&rec)?;
                }
                Prepared::Quarantine(row, reason, raw) => {
                    if first_reasons.len() < 3 {
                        first_reasons.push(format!("row {row}: {reason}"));
                    }
                    imp.add_quarantine(row, &reason, &raw)?
                }
            }
        }
    }
    match worker.join() {
        Ok(r) => r?,
        Err(_) => bail!("reading the file failed unexpectedly; nothing was imported"),
    }
    progress.finish_and_clear();
    // The original file, inside the database, encrypted, in pieces.
    let mut file = std::fs::File::open(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut buf = vec![0u8; CHUNK];
    let mut stored = athar_ingest::record::Sha256Stream::default();
    loop {
        let k = file.read(&mut buf).with_context(|| format!("cannot read {}", args.file.display()))?;
        if k == 0 {
            break;
        }
        stored.update(&buf[..k]);
        imp.add_file_chunk(&buf[..k])?;
    }
    // The bytes kept must be the bytes hashed and read: a file changed during the import is
    // refused (the transaction is dropped, nothing stays).
    if stored.finish() != sha256 {
        bail!(
            "{} changed while it was being imported; nothing was imported, run the import again",
            args.file.display()
        );
    }
    let (imported, quarantined) = (imp.imported(), imp.quarantined());
    let recycled = imp.note_recycled(0.5)?;
    let source_id = imp.commit(&actor).map_err(|e| {
        if first_reasons.is_empty() {
            anyhow::Error::from(e)
        } else {
            anyhow::anyhow!("{e}. The first rows set aside: {}", first_reasons.join("; "))
        }
    })?;
    // A new list may answer an open inquiry: look again (the leads wait for a caseworker).
    let new_leads = crate::inquiry_cmd::recheck_after_import(&store, last_before)?;
    if let Some(r) = &recycled {
        warnings.push(format!(
            "{:.0} % of these rows already arrived in source '{}' on {}: this list may be a re-post",
            r.share * 100.0,
            r.source,
            r.imported_at
        ));
    }
    if extra_warnings > 0 {
        warnings.push(format!("… and {extra_warnings} more warnings"));
    }
    let rows = imported + quarantined;
    crate::bench_cmd::report_rss_if_asked();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "source_id": source_id,
                "source": args.source,
                "rows": rows,
                "imported": imported,
                "quarantined": quarantined,
                "warnings": warnings,
                "recycled_from": recycled.as_ref().map(|r| &r.source),
                "new_inquiry_leads": new_leads,
                "format": format.name(),
                "encoding": encoding,
                "encoding_confidence": encoding_confidence.map(|c| c.name()),
                "encoding_reason": encoding_reason,
                "sha256": sha256,
            })
        );
    } else {
        println!(
            "source '{}' (id {source_id}): {rows} rows — {imported} imported, {quarantined} quarantined \
             ({}, {})",
            athar_store::escape_control(&args.source),
            format.name(),
            match (encoding, encoding_confidence) {
                (Some(e), Some(c)) => format!("encoding {e}, {}", c.name()),
                (Some(e), None) => e.to_string(),
                _ => "workbook".into(),
            }
        );
        if new_leads > 0 {
            println!("  {new_leads} new leads for open inquiries (athar inquiry leads)");
        }
        for w in warnings.iter().take(20) {
            println!("  warning: {w}");
        }
        if warnings.len() > 20 {
            println!("  … {} more warnings (use --json to see them all)", warnings.len() - 20);
        }
        if quarantined > 0 {
            println!("  see the quarantined rows with: athar quarantine --source '{}'", args.source);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn role_text(role: &ColumnRole) -> String {
    match role {
        ColumnRole::Field(f) => f.name().to_string(),
        ColumnRole::Id => "source_record_id (--id-column)".into(),
        ColumnRole::Ignored => "ignored (--map COL=-), kept encrypted".into(),
        ColumnRole::Unmapped => "no field — kept encrypted".into(),
    }
}

fn dry_run(
    args: &ImportArgs,
    table: athar_ingest::Table,
    mapping: &HeaderMapping,
    dates: DateRules,
    notes: &Notes,
) -> Result<ExitCode> {
    let format = table.format;
    let encoding = table.encoding;
    let delimiter = table.delimiter;
    let mut preview = Vec::new();
    for item in table.rows.take(5) {
        preview.push(match item {
            Ok(raw) => match athar_ingest::parse_row(mapping, &raw.cells, raw.row, dates) {
                Ok(p) => serde_json::json!({"row": raw.row, "fields": p.fields.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(), "source_record_id": p.source_record_id, "warnings": p.warnings}),
                Err(reason) => serde_json::json!({"row": raw.row, "quarantine": reason}),
            },
            Err(e) => serde_json::json!({"row": e.row, "quarantine": e.reason}),
        });
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "format": format.name(),
                "encoding": encoding,
                "encoding_confidence": table.encoding_confidence.map(|c| c.name()),
                "encoding_reason": table.encoding_reason,
                "encoding_samples": notes.samples,
                "notes": notes.warnings,
                "refused_unless": notes.refusal().err().map(|e| e.to_string()),
                "delimiter": delimiter.map(|d| (d as char).to_string()),
                "mapping": mapping.headers.iter().zip(&mapping.roles).map(|(h, r)| serde_json::json!({"column": h, "role": r})).collect::<Vec<_>>(),
                "warnings": mapping.warnings,
                "rows": preview,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "format {}, encoding {}{}",
        format.name(),
        encoding.unwrap_or("(workbook)"),
        delimiter.map(|d| format!(", delimiter {:?}", d as char)).unwrap_or_default()
    );
    if let (Some(c), Some(r)) = (table.encoding_confidence, &table.encoding_reason) {
        println!("  encoding {}: {r}", c.name());
    }
    for (enc, lines) in &notes.samples {
        println!("  read as {enc}:");
        for l in lines {
            println!("    {}", athar_store::escape_control(l));
        }
    }
    for w in &notes.warnings {
        println!("  note: {w}");
    }
    if let Err(e) = notes.refusal() {
        println!("  the import will be refused as it is: {e}");
    }
    println!("\ncolumns:");
    for (h, r) in mapping.headers.iter().zip(&mapping.roles) {
        println!("  {:<28} → {}", athar_store::escape_control(h), role_text(r));
    }
    for w in &mapping.warnings {
        println!("  warning: {w}");
    }
    println!("\nfirst rows as parsed:");
    for p in &preview {
        println!("  {p}");
    }
    println!("\nnothing was written (dry run); correct the mapping with --map 'COLUMN=FIELD' or --map 'COLUMN=-'");
    Ok(ExitCode::SUCCESS)
}

/// What the import must know before it writes: whether the encoding is sure enough, whether
/// the id column holds identity numbers; with the samples `--dry-run` shows.
struct Notes {
    /// Why the import would be refused as it is.
    refuse: Option<String>,
    warnings: Vec<String>,
    /// The first lines of the file read in each encoding that fits it.
    samples: Vec<(String, Vec<String>)>,
}

impl Notes {
    fn of(
        args: &ImportArgs,
        table: &athar_ingest::Table,
        mapping: &HeaderMapping,
        first: &[Result<athar_ingest::RawRow, athar_ingest::RowError>],
    ) -> Notes {
        let mut notes = Notes { refuse: None, warnings: Vec::new(), samples: Vec::new() };
        if table.encoding_confidence == Some(athar_ingest::read::Confidence::Unsure) {
            let mut names: Vec<&str> = table.encoding.into_iter().collect();
            names.extend(table.encoding_alternatives.iter().copied());
            notes.refuse = Some(format!(
                "cannot tell the encoding of {}: {} fit its text and make different letters of it. See the first \
                 rows read each way with --dry-run, then give the right one with --encoding",
                args.file.display(),
                names.join(", ")
            ));
            notes.samples = athar_ingest::read::samples(&args.file, &names);
        } else if table.encoding_confidence == Some(athar_ingest::read::Confidence::Likely) {
            if let Some(r) = &table.encoding_reason {
                notes.warnings.push(format!("encoding {}: {r}", table.encoding.unwrap_or("?")));
            }
        }
        if let Some(i) = mapping.id_column() {
            let values: Vec<&str> = first
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .filter_map(|r| r.cells.get(i).map(String::as_str))
                .collect();
            let header = mapping.headers.get(i).map(String::as_str).unwrap_or("");
            if !args.private_id
                && !args.clear_id
                && athar_ingest::headers::id_column_looks_like_national_ids(header, &values)
            {
                let refuse = format!(
                    "the --id-column '{}' looks like identity numbers, and a record id is stored in clear. Import \
                     with --private-id to keep it encrypted with only its keyed hash comparable, or with --clear-id \
                     if it is the list's own numbering",
                    athar_store::escape_control(header)
                );
                notes.refuse = Some(match notes.refuse.take() {
                    Some(r) => format!("{r}; and {refuse}"),
                    None => refuse,
                });
            }
        }
        notes
    }

    fn refusal(&self) -> Result<()> {
        match &self.refuse {
            Some(r) => bail!("{r}; nothing imported"),
            None => Ok(()),
        }
    }
}
