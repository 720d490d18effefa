//! Importing a list as a source: read it (any format and encoding), map its columns, keep every
//! row — as a record or in quarantine, with its reason — and the original file, in one
//! transaction; then let open inquiries look at the new records. The preview of the mapping
//! (`--dry-run`) is a value, as is the import's report. Owns the import's decisions (what is
//! refused before anything is written: an encoding that cannot be told, an id column of
//! identity numbers, a source name taken, a file imported before); the readers and row rules
//! are `athar-ingest`'s, the storage `athar-store`'s.

use crate::error::{invalid, Result};
use crate::progress::Progress;
use crate::{Action, Actor, Registry, RegistryError};
pub use athar_ingest::dates::{DateOrder, MIN_YEAR};
pub use athar_ingest::headers::{parse_map_arg, ColumnRole};
pub use athar_ingest::{Field, Format};

use athar_ingest::dates::DateRules;
use athar_ingest::headers::{map_headers, HeaderMapping};
use athar_ingest::{RawRow, ReadOptions, RowError};
use athar_store::{NewRecord, NewSource, PreparedRecord};
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;

/// What a list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Register,
    NgoList,
    Inquiry,
    Report,
    Other,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Register => "register",
            SourceKind::NgoList => "ngo-list",
            SourceKind::Inquiry => "inquiry",
            SourceKind::Report => "report",
            SourceKind::Other => "other",
        }
    }
}

/// A list to import and how to read it. Everything not given is detected.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file: PathBuf,
    /// The source's name, unique in the registry.
    pub source: String,
    pub kind: SourceKind,
    pub format: Option<Format>,
    /// An encoding label (`windows-1256` …).
    pub encoding: Option<String>,
    /// Column → field (`None`: ignore the column), as `--map` gives them.
    pub maps: Vec<(String, Option<Field>)>,
    pub id_column: Option<String>,
    pub sheet: Option<String>,
    pub header_row: Option<usize>,
    pub no_header: bool,
    /// Keep the id column encrypted, its keyed hash as the record id.
    pub private_id: bool,
    /// Keep the id column in clear although it looks like identity numbers.
    pub clear_id: bool,
    pub date_order: DateOrder,
    pub earliest_year: i32,
    pub description: Option<String>,
    /// Import a file imported before (same SHA-256) again, as a new source.
    pub force: bool,
}

impl ImportRequest {
    /// A request with every option at its default.
    pub fn new(file: impl Into<PathBuf>, source: impl Into<String>) -> ImportRequest {
        ImportRequest {
            file: file.into(),
            source: source.into(),
            kind: SourceKind::Other,
            format: None,
            encoding: None,
            maps: Vec::new(),
            id_column: None,
            sheet: None,
            header_row: None,
            no_header: false,
            private_id: false,
            clear_id: false,
            date_order: DateOrder::Dmy,
            earliest_year: athar_ingest::dates::MIN_YEAR,
            description: None,
            force: false,
        }
    }

    fn dates(&self) -> Result<DateRules> {
        if !(1..=athar_ingest::dates::MAX_YEAR).contains(&self.earliest_year) {
            invalid!("--earliest-year {} must be between 1 and {}", self.earliest_year, athar_ingest::dates::MAX_YEAR);
        }
        Ok(DateRules { order: self.date_order, earliest_year: self.earliest_year })
    }
}

/// A column and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnPreview {
    pub column: String,
    pub role: ColumnRole,
}

/// One of the first rows as the import would take it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RowPreview {
    Record {
        row: u64,
        fields: std::collections::BTreeMap<String, String>,
        source_record_id: Option<String>,
        warnings: Vec<String>,
    },
    SetAside {
        row: u64,
        quarantine: String,
    },
}

/// What an import would do, without doing it (`--dry-run`).
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    pub encoding_confidence: Option<&'static str>,
    pub encoding_reason: Option<String>,
    /// The first lines read in each encoding that fits, when the encoding cannot be told.
    pub encoding_samples: Vec<(String, Vec<String>)>,
    pub notes: Vec<String>,
    /// Why the import would be refused as it is.
    pub refused_unless: Option<String>,
    pub delimiter: Option<String>,
    pub mapping: Vec<ColumnPreview>,
    pub warnings: Vec<String>,
    pub rows: Vec<RowPreview>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub source_id: String,
    pub source: String,
    pub rows: i64,
    pub imported: i64,
    pub quarantined: i64,
    pub warnings: Vec<String>,
    pub recycled_from: Option<String>,
    pub new_inquiry_leads: usize,
    pub format: &'static str,
    pub encoding: Option<&'static str>,
    pub encoding_confidence: Option<&'static str>,
    pub encoding_reason: Option<String>,
    pub sha256: String,
    /// Seconds spent putting the new records in the live search index, when it is held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_seconds: Option<f64>,
}

/// Most warnings kept; the rest are counted.
const MAX_WARNINGS: usize = 1000;
/// Pieces of the original file stored.
pub(crate) const CHUNK: usize = 1 << 20;
/// Rows handed from the reading thread to the writing one at a time.
const BATCH: usize = 512;

/// A row made ready on the reading thread.
enum Prepared {
    Record(PreparedRecord, Vec<String>),
    Quarantine(i64, String, Vec<String>),
}

/// A list opened and judged: the table, its mapping, and what the import must know before it
/// writes.
struct Opened {
    table: athar_ingest::Table,
    mapping: HeaderMapping,
    notes: Notes,
}

fn read_options(req: &ImportRequest) -> ReadOptions {
    ReadOptions {
        format: req.format,
        encoding: req.encoding.clone(),
        sheet: req.sheet.clone(),
        header_row: req.header_row,
        no_header: req.no_header,
    }
}

/// Advice on a list's dates, from its first rows, said once each: years before the earliest
/// plausible one (a historical list wants `--earliest-year`), and all-number dates that read
/// either way (03/04/1970) when none of them tells the order — which order was taken.
fn date_advice(
    req: &ImportRequest,
    mapping: &HeaderMapping,
    first: &[std::result::Result<RawRow, RowError>],
) -> (Vec<String>, Option<(u64, u32)>) {
    let mut out = Vec::new();
    let columns: Vec<usize> =
        [Field::BirthDate, Field::EventDate].iter().filter_map(|f| mapping.column_of(*f)).collect();
    let values: Vec<(u64, &str)> = first
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flat_map(|r| columns.iter().filter_map(move |&c| r.cells.get(c).map(|v| (r.row, v.trim()))))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let earliest = req.earliest_year;
    // Under the list's own earliest year (a list imported with --earliest-year 1900 and a 1870).
    let rules = athar_ingest::dates::DateRules { order: req.date_order, earliest_year: earliest };
    let early = values.iter().find_map(|(row, v)| match athar_ingest::dates::parse_date_with(v, rules) {
        Err(athar_ingest::dates::DateError::YearOutOfRange { year, .. }) if (year as i32) < earliest => {
            Some((*row, year))
        }
        _ => None,
    });
    if let Some((row, year)) = early {
        out.push(format!(
            "row {row} has the year {year}, before {earliest}: such dates are taken as typing errors and kept as \
             written; if the list is historical, import with --earliest-year {}",
            (year / 10 * 10).min(earliest as u32)
        ));
    }
    // Day and month: a first number over 12 says day first, a second over 12 month first.
    let (mut either, mut day_first, mut month_first) = (None, false, false);
    for (row, v) in &values {
        let parts: Vec<&str> = v.split(['/', '.', '-']).map(str::trim).collect();
        let [a, b, y] = parts[..] else { continue };
        let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else { continue };
        if y.len() != 4 || !y.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        match (a > 12, b > 12) {
            (true, false) => day_first = true,
            (false, true) => month_first = true,
            (false, false) if a != b && a > 0 && b > 0 => either = either.or(Some((*row, v.to_string()))),
            _ => {}
        }
    }
    if let (Some((row, v)), false, false) = (either, day_first, month_first) {
        let taken = match req.date_order {
            DateOrder::Dmy => "day first (--date-order dmy); give --date-order mdy if the list writes the month first",
            DateOrder::Mdy => "month first (--date-order mdy); give --date-order dmy if the list writes the day first",
        };
        out.push(format!("dates such as '{v}' (row {row}) read either way; they are read {taken}"));
    }
    (out, early)
}

fn open(req: &ImportRequest) -> Result<Opened> {
    if !req.file.is_file() {
        invalid!("{} is not a file", req.file.display());
    }
    let opts = read_options(req);
    let mut table = athar_ingest::open(&req.file, &opts)?;
    let mapping = map_headers(&table.headers, &req.maps, req.id_column.as_deref())?;
    // The first rows, read now to judge the id column; put back in front of the rest.
    let first: Vec<_> = table.rows.by_ref().take(50).collect();
    let notes = Notes::of(req, &table, &mapping, &first);
    let rest = std::mem::replace(&mut table.rows, Box::new(std::iter::empty()));
    table.rows = Box::new(first.into_iter().chain(rest));
    Ok(Opened { table, mapping, notes })
}

/// What the import would do with a list, without a registry (nothing is written, not even a
/// database): the mapping, the encoding and how sure it is, the first rows as parsed.
pub fn preview(req: &ImportRequest) -> Result<ImportPreview> {
    let dates = req.dates()?;
    let Opened { table, mapping, notes } = open(req)?;
    let mut rows = Vec::new();
    for item in table.rows.take(5) {
        rows.push(match item {
            Ok(raw) => match athar_ingest::parse_row(&mapping, &raw.cells, raw.row, dates) {
                Ok(p) => RowPreview::Record {
                    row: raw.row,
                    fields: p.fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
                    source_record_id: p.source_record_id,
                    warnings: p.warnings,
                },
                Err(reason) => RowPreview::SetAside { row: raw.row, quarantine: reason },
            },
            Err(e) => RowPreview::SetAside { row: e.row, quarantine: e.reason },
        });
    }
    Ok(ImportPreview {
        format: table.format.name(),
        encoding: table.encoding,
        encoding_confidence: table.encoding_confidence.map(|c| c.name()),
        encoding_reason: table.encoding_reason.clone(),
        encoding_samples: notes.samples.clone(),
        notes: notes.warnings.clone(),
        refused_unless: notes.refuse.clone().map(|r| format!("{r}; nothing imported")),
        delimiter: table.delimiter.map(|d| (d as char).to_string()),
        mapping: mapping
            .headers
            .iter()
            .zip(&mapping.roles)
            .map(|(h, r)| ColumnPreview { column: h.clone(), role: r.clone() })
            .collect(),
        warnings: mapping.warnings.clone(),
        rows,
    })
}

impl Registry {
    /// [`preview`], noted in the audit chain (the rows shown are personal data).
    pub fn preview_import(&self, actor: &Actor, req: &ImportRequest) -> Result<ImportPreview> {
        actor.require(Action::Import)?;
        self.audit(actor, "import.dry-run", Some(&req.source), None, None)?;
        preview(req)
    }

    /// Imports a list as a new source, in one transaction: every row a record or set aside
    /// with its reason, the original file kept encrypted; refused whole, with the reason, when
    /// nothing could be imported. Then open inquiries look at the new records.
    pub fn import(&self, actor: &Actor, req: &ImportRequest, progress: &dyn Progress) -> Result<ImportReport> {
        actor.require(Action::Import)?;
        let dates = req.dates()?;
        let Opened { table, mapping, notes } = open(req)?;
        if let Some(r) = &notes.refuse {
            invalid!("{r}; nothing imported");
        }
        let (sha256, size) = athar_ingest::file_sha256(&req.file)
            .map_err(|e| RegistryError::Io { path: req.file.clone(), source: e })?;
        let report = self.write(|store| {
            // Checked now, to say so before reading the file, and again under the write lock.
            store.check_new_source(&req.source, &sha256, req.force)?;
            let mapping_json = serde_json::json!({
                "headers": mapping.headers,
                "roles": mapping.roles,
                "overrides": req.maps.iter().map(|(c, f)| (c.clone(), f.map(Field::name))).collect::<Vec<_>>(),
                "id_column": req.id_column,
                "date_order": match req.date_order { DateOrder::Dmy => "dmy", DateOrder::Mdy => "mdy" },
                "earliest_year": dates.earliest_year,
            });
            let new = NewSource {
                name: req.source.clone(),
                kind: req.kind.name().into(),
                file_name: req.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                sha256: sha256.clone(),
                size: size as i64,
                format: table.format.name().into(),
                encoding: table.encoding.map(str::to_string),
                actor: actor.name.clone(),
                description: req.description.clone(),
                mapping_json: mapping_json.to_string(),
            };
            let _activity = athar_store::files::Activity::begin(&self.db, "an import");
            write_source(store, &new, req, table, &mapping, dates, &notes, progress)
        });
        let written = report?;
        // The live index, if held, takes the new records in place.
        let started = std::time::Instant::now();
        self.refresh_index(None, false)?;
        let mut report = written.report;
        if self.index_held() {
            report.index_seconds = Some(started.elapsed().as_secs_f64());
        }
        // A new list may answer an open inquiry: look again (the leads wait for a caseworker).
        report.new_inquiry_leads = self.after_import(written.first_new_record)?;
        Ok(report)
    }
}

/// What writing a source made.
struct Written {
    report: ImportReport,
    /// The id of the first record the import added (those from it on are new).
    first_new_record: i64,
}

#[allow(clippy::too_many_arguments)]
fn write_source(
    store: &mut athar_store::Store,
    new: &NewSource,
    req: &ImportRequest,
    table: athar_ingest::Table,
    mapping: &HeaderMapping,
    dates: DateRules,
    notes: &Notes,
    progress: &dyn Progress,
) -> Result<Written> {
    let keys = store.keys().clone();
    let format = table.format;
    let encoding = table.encoding;
    let encoding_confidence = table.encoding_confidence.map(|c| c.name());
    let encoding_reason = table.encoding_reason.clone();
    let mut warnings: Vec<String> = mapping.warnings.clone();
    warnings.extend(notes.warnings.iter().cloned());
    let mut extra_warnings = 0usize;
    let mut imp = store.begin_import(new, req.force)?;
    imp.set_columns(&table.headers)?;
    let (source_number, first_record_id) = (imp.source_number(), imp.next_record_id());
    // Two threads: this one writes to SQLite; a second reads, parses and encrypts rows, in
    // batches, so that both cores work.
    let rows = table.rows;
    let private_id = req.private_id.then(|| mapping.id_column()).flatten();
    let mapping = mapping.clone();
    progress.phase("reading rows", None);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(8);
    let worker = std::thread::spawn(move || -> std::result::Result<(), athar_store::StoreError> {
        let mut batch = Vec::with_capacity(BATCH);
        let mut next_id = first_record_id;
        for item in rows {
            let prepared = match item {
                Ok(raw) => prepare(&keys, &mapping, raw, dates, private_id, source_number, &mut next_id)?,
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
    let mut n = 0u64;
    // Why the first rows were set aside: said if no row at all could be imported.
    let mut first_reasons: Vec<String> = Vec::new();
    for batch in rx {
        for item in batch {
            n += 1;
            if n.is_multiple_of(1024) {
                progress.done(n);
            }
            match item {
                Prepared::Record(rec, row_warnings) => {
                    // The early year the list's advice names is said once, there.
                    let said = |w: &String| {
                        notes.early_row.is_some_and(|(r, year)| {
                            w.starts_with(&format!("row {r}, ")) && w.contains(&format!("year {year} is outside "))
                        })
                    };
                    for w in row_warnings.into_iter().filter(|w| !said(w)) {
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
    progress.done(n);
    match worker.join() {
        Ok(r) => r?,
        Err(_) => invalid!("reading the file failed unexpectedly; nothing was imported"),
    }
    // The original file, inside the database, encrypted, in pieces.
    progress.phase("keeping the original file", None);
    let io = |e: std::io::Error| RegistryError::Io { path: req.file.clone(), source: e };
    let mut file = std::fs::File::open(&req.file).map_err(io)?;
    let mut buf = vec![0u8; CHUNK];
    let mut stored = athar_ingest::record::Sha256Stream::default();
    loop {
        let k = file.read(&mut buf).map_err(io)?;
        if k == 0 {
            break;
        }
        stored.update(&buf[..k]);
        imp.add_file_chunk(&buf[..k])?;
    }
    // The bytes kept must be the bytes hashed and read: a file changed during the import is
    // refused (the transaction is dropped, nothing stays).
    if stored.finish() != new.sha256 {
        invalid!(
            "{} changed while it was being imported; nothing was imported, run the import again",
            req.file.display()
        );
    }
    let (imported, quarantined) = (imp.imported(), imp.quarantined());
    let recycled = imp.note_recycled(0.5)?;
    // A list of which nothing could be read says the likeliest cause first: a title above the
    // table (the --dry-run note, said here too).
    let source_id = imp.commit(&new.actor).map_err(|e| {
        if first_reasons.is_empty() && notes.header_row.is_none() {
            RegistryError::Store(e)
        } else {
            let mut said = e.to_string();
            if let Some(a) = &notes.header_row {
                said.push_str(&format!(". {a}"));
            }
            if !first_reasons.is_empty() {
                said.push_str(&format!(". The first rows set aside: {}", first_reasons.join("; ")));
            }
            RegistryError::Invalid(said)
        }
    })?;
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
    Ok(Written {
        report: ImportReport {
            source_id,
            source: req.source.clone(),
            rows: imported + quarantined,
            imported,
            quarantined,
            warnings,
            recycled_from: recycled.map(|r| r.source),
            new_inquiry_leads: 0,
            format: format.name(),
            encoding,
            encoding_confidence,
            encoding_reason,
            sha256: new.sha256.clone(),
            index_seconds: None,
        },
        first_new_record: first_record_id,
    })
}

/// A row parsed, its private cells sealed: a record with the next id, or a row set aside.
fn prepare(
    keys: &athar_store::Keys,
    mapping: &HeaderMapping,
    raw: RawRow,
    dates: DateRules,
    private_id: Option<usize>,
    source_number: i64,
    next_id: &mut i64,
) -> std::result::Result<Prepared, athar_store::StoreError> {
    Ok(match athar_ingest::parse_row(mapping, &raw.cells, raw.row, dates) {
        Ok(mut parsed) => {
            // An id column of identity numbers: the cell stays encrypted, its keyed hash is the
            // record's id.
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
                registry_number: parsed.registry_number,
                fingerprint: parsed.fingerprint,
            };
            let prepared = PreparedRecord::new(keys, &rec, source_number, *next_id)?;
            *next_id += 1;
            Prepared::Record(prepared, parsed.warnings)
        }
        Err(reason) => Prepared::Quarantine(raw.row as i64, reason, raw.cells),
    })
}

/// What the import must know before it writes: whether the encoding is sure enough, whether
/// the id column holds identity numbers; with the samples a preview shows.
struct Notes {
    /// Why the import would be refused as it is.
    refuse: Option<String>,
    warnings: Vec<String>,
    /// The row and year whose earliness the warnings already explain (its own warning is not
    /// repeated).
    early_row: Option<(u64, u32)>,
    /// The row that looks like the table's header, in words, when the columns hold no name.
    header_row: Option<String>,
    /// The first lines of the file read in each encoding that fits it.
    samples: Vec<(String, Vec<String>)>,
}

impl Notes {
    fn of(
        req: &ImportRequest,
        table: &athar_ingest::Table,
        mapping: &HeaderMapping,
        first: &[std::result::Result<RawRow, RowError>],
    ) -> Notes {
        let mut notes =
            Notes { refuse: None, warnings: Vec::new(), early_row: None, header_row: None, samples: Vec::new() };
        if table.encoding_confidence == Some(athar_ingest::read::Confidence::Unsure) {
            let mut names: Vec<&str> = table.encoding.into_iter().collect();
            names.extend(table.encoding_alternatives.iter().copied());
            notes.refuse = Some(format!(
                "cannot tell the encoding of {}: {} fit its text and make different letters of it. See the first \
                 rows read each way with --dry-run, then give the right one with --encoding",
                req.file.display(),
                names.join(", ")
            ));
            notes.samples = athar_ingest::read::samples(&req.file, &names);
        } else if table.encoding_confidence == Some(athar_ingest::read::Confidence::Likely) {
            if let Some(r) = &table.encoding_reason {
                notes.warnings.push(format!("encoding {}: {r}", table.encoding.unwrap_or("?")));
            }
        }
        // No name column: the column names may be on a later row (a title above the table).
        let named = mapping.roles.iter().any(|r| matches!(r, ColumnRole::Field(f) if f.is_name()));
        if !named {
            if let Some((n, names)) = athar_ingest::read::header_row_suggestion(&req.file, &read_options(req)) {
                let advice = format!(
                    "row {n} holds column names Athar knows ({}): if the table starts there, give --header-row {n}",
                    names.join(", ")
                );
                notes.warnings.push(advice.clone());
                notes.header_row = Some(advice);
            }
        }
        let (advice, early_row) = date_advice(req, mapping, first);
        notes.warnings.extend(advice);
        notes.early_row = early_row;
        if let Some(i) = mapping.id_column() {
            let values: Vec<&str> = first
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .filter_map(|r| r.cells.get(i).map(String::as_str))
                .collect();
            let header = mapping.headers.get(i).map(String::as_str).unwrap_or("");
            if !req.private_id
                && !req.clear_id
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
}
