//! `athar import FILE --source NAME …`: a list imported as a source by the registry library
//! (every row a record or set aside with its reason, the original file kept, one transaction);
//! this module turns the flags into a request and prints the report or the preview.

use crate::Global;
use anyhow::Result;
use athar_registry::escape_control as esc;
use athar_registry::import::DateOrder;
use athar_registry::import::Format;
use athar_registry::import::{parse_map_arg, ColumnRole};
use athar_registry::import::{ImportPreview, ImportRequest, RowPreview, SourceKind as Kind};
use clap::{Args, ValueEnum};
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
    #[arg(long, default_value_t = athar_registry::import::MIN_YEAR, value_name = "YEAR")]
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
    fn kind(self) -> Kind {
        match self {
            SourceKind::Register => Kind::Register,
            SourceKind::NgoList => Kind::NgoList,
            SourceKind::Inquiry => Kind::Inquiry,
            SourceKind::Report => Kind::Report,
            SourceKind::Other => Kind::Other,
        }
    }
}

/// How 03/04/1985 is read (`--date-order`), for a list and for a date typed in a search.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub enum DateOrderArg {
    #[default]
    Dmy,
    Mdy,
}

impl DateOrderArg {
    pub fn order(self) -> DateOrder {
        match self {
            DateOrderArg::Dmy => DateOrder::Dmy,
            DateOrderArg::Mdy => DateOrder::Mdy,
        }
    }
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_name(s).ok_or_else(|| format!("'{s}' is not a format; use csv, tsv, xlsx, json or ndjson"))
}

impl ImportArgs {
    fn request(&self) -> Result<ImportRequest> {
        let maps = self
            .maps
            .iter()
            .map(|m| parse_map_arg(m).map_err(|e| anyhow::anyhow!("--map {m}: {e}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(ImportRequest {
            file: self.file.clone(),
            source: self.source.clone(),
            kind: self.kind.kind(),
            format: self.format,
            encoding: self.encoding.clone(),
            maps,
            id_column: self.id_column.clone(),
            sheet: self.sheet.clone(),
            header_row: self.header_row,
            no_header: self.no_header,
            private_id: self.private_id,
            clear_id: self.clear_id,
            date_order: self.date_order.order(),
            earliest_year: self.earliest_year,
            description: self.description.clone(),
            force: self.force,
        })
    }
}

pub fn run(global: &Global, args: ImportArgs) -> Result<ExitCode> {
    let req = args.request()?;
    if args.dry_run {
        // A preview before any registry exists writes nothing, not even a new database.
        let preview = if global.db.exists() {
            global.registry()?.preview_import(&global.party(), &req)?
        } else {
            athar_registry::import::preview(&req)?
        };
        print_preview(&args, &preview)?;
        return Ok(ExitCode::SUCCESS);
    }
    let registry = global.registry_creating()?;
    let report = {
        let bar = crate::bar::Bar::new();
        registry.import(&global.party(), &req, &bar)?
    };
    crate::memory::report_rss_if_asked();
    if args.json {
        println!("{}", serde_json::to_value(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "source '{}' (id {}): {} rows — {} imported, {} quarantined ({}, {})",
        esc(&report.source),
        report.source_id,
        report.rows,
        report.imported,
        report.quarantined,
        report.format,
        match (report.encoding, report.encoding_confidence) {
            (Some(e), Some(c)) => format!("encoding {e}, {c}"),
            (Some(e), None) => e.to_string(),
            _ => "workbook".into(),
        }
    );
    if report.new_inquiry_leads > 0 {
        println!("  {} new leads for open inquiries (athar inquiry leads)", report.new_inquiry_leads);
    }
    for w in report.warnings.iter().take(20) {
        println!("  warning: {}", esc(w));
    }
    if report.warnings.len() > 20 {
        println!("  … {} more warnings (use --json to see them all)", report.warnings.len() - 20);
    }
    if report.quarantined > 0 {
        println!("  see the quarantined rows with: athar quarantine --source '{}'", esc(&report.source));
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

fn print_preview(args: &ImportArgs, p: &ImportPreview) -> Result<()> {
    if args.json {
        println!("{}", serde_json::to_value(p)?);
        return Ok(());
    }
    println!(
        "format {}, encoding {}{}",
        p.format,
        p.encoding.unwrap_or("(workbook)"),
        p.delimiter.as_ref().map(|d| format!(", delimiter {d:?}")).unwrap_or_default()
    );
    if let (Some(c), Some(r)) = (p.encoding_confidence, &p.encoding_reason) {
        println!("  encoding {c}: {r}");
    }
    for (enc, lines) in &p.encoding_samples {
        println!("  read as {enc}:");
        for l in lines {
            println!("    {}", esc(l));
        }
    }
    for w in &p.notes {
        println!("  note: {w}");
    }
    if let Some(r) = &p.refused_unless {
        println!("  the import will be refused as it is: {r}");
    }
    println!("\ncolumns:");
    for c in &p.mapping {
        println!("  {:<28} → {}", esc(&c.column), role_text(&c.role));
    }
    for w in &p.warnings {
        println!("  warning: {}", esc(w));
    }
    println!("\nfirst rows as parsed:");
    for row in &p.rows {
        let line = match row {
            RowPreview::Record { .. } | RowPreview::SetAside { .. } => serde_json::to_value(row)?,
        };
        println!("  {}", esc(&line.to_string()));
    }
    println!("\nnothing was written (dry run); correct the mapping with --map 'COLUMN=FIELD' or --map 'COLUMN=-'");
    Ok(())
}
