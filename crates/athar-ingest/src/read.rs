//! Readers: from a file on disk to a header row and a stream of data rows of text cells.
//!
//! Owns format detection (content first, extension second), encoding detection (BOM, UTF-16
//! without BOM, valid UTF-8, else a guess among Windows-1256/1251, KOI8 and friends with
//! `chardetng`), CSV delimiter sniffing, and the readers for CSV/TSV (streaming: memory stays
//! flat), XLSX/ODS (`calamine`), JSON (an array of objects, or an object holding one) and
//! NDJSON (streaming). Row numbers are the ones a spreadsheet shows: the header row number plus
//! the data row's position. Does not map columns or judge values.

pub use crate::encoding::Confidence;
use encoding_rs::Encoding;
use serde::Serialize;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The formats Athar reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Tsv,
    Xlsx,
    Json,
    Ndjson,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        }
    }

    pub fn from_name(s: &str) -> Option<Format> {
        Some(match s.to_ascii_lowercase().as_str() {
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "xlsx" | "xlsm" | "xls" | "ods" => Format::Xlsx,
            "json" => Format::Json,
            "ndjson" | "jsonl" => Format::Ndjson,
            _ => return None,
        })
    }
}

/// How to read a file; everything is detected when not given.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub format: Option<Format>,
    /// An encoding label (`windows-1256`, `utf-16le`, `koi8-u` …).
    pub encoding: Option<String>,
    /// The sheet of a workbook (default: the first).
    pub sheet: Option<String>,
    /// The 1-based row that holds the column names (default 1).
    pub header_row: Option<usize>,
    /// The file has no header row: its columns are named `column 1`, `column 2` … and its
    /// first row is data.
    pub no_header: bool,
}

/// A problem with the file as a whole: nothing is imported.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: cannot be read ({source})")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}: the file is empty (0 bytes)")]
    Empty(PathBuf),
    #[error(
        "{0}: the file looks binary, not a list (CSV, TSV, XLSX, JSON or NDJSON); check that it is the right file"
    )]
    Binary(PathBuf),
    #[error("'{0}' is not an encoding Athar knows; try utf-8, utf-16le, utf-16be, windows-1256, windows-1251, koi8-u")]
    UnknownEncoding(String),
    #[error("{path}: {problem}")]
    Format { path: PathBuf, problem: String },
    #[error("{path}: the header row {row} is past the end of the file")]
    NoHeader { path: PathBuf, row: usize },
    #[error(
        "{path}: the header row (row {row}) looks like data, not column names: {why}. If the file has no header \
         row, import it with --no-header and name its columns with --map (e.g. --map 'column 1=full_name'); if the \
         column names are on another row, give --header-row N. Nothing was imported"
    )]
    HeaderLooksLikeData { path: PathBuf, row: usize, why: String },
    #[error("{path}: the header row (row {row}) is not a row of column names: {why}; nothing was imported")]
    BadHeader { path: PathBuf, row: usize, why: String },
    #[error(
        "{0}: it reads as running text (a report or a testimony), not a table of records with a row of column \
         names; nothing was imported. A list needs one row per person and a column per field (CSV, TSV, XLSX, JSON)"
    )]
    Prose(PathBuf),
}

/// One data row: its number as a spreadsheet shows it, and its cells as text, verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawRow {
    pub row: u64,
    pub cells: Vec<String>,
}

/// A row that could not be read as cells: it goes to quarantine with this reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: u64,
    pub reason: String,
    /// What there was of it, as text.
    pub raw: String,
    /// The file itself could not be read further (an I/O error): the import must stop, not
    /// quarantine the rest.
    pub fatal: bool,
}

/// An opened list: what was detected, the header, and the rows.
pub struct Table {
    pub format: Format,
    /// The encoding the text was decoded from (`None` for XLSX, which has its own).
    pub encoding: Option<&'static str>,
    /// How sure the encoding is, and why (`None` for XLSX).
    pub encoding_confidence: Option<Confidence>,
    pub encoding_reason: Option<String>,
    /// Encodings that fit the text nearly as well and make other letters of it.
    pub encoding_alternatives: Vec<&'static str>,
    pub delimiter: Option<u8>,
    /// The row the column names were read from (the first data row with `no_header`; 0 for
    /// JSON, whose keys are the names).
    pub header_row: u64,
    pub headers: Vec<String>,
    pub rows: Box<dyn Iterator<Item = Result<RawRow, RowError>> + Send>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("format", &self.format)
            .field("encoding", &self.encoding)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl Table {
    /// A table read from text: what the readers make, the encoding's judgement added by
    /// `open_text`.
    fn text(
        format: Format,
        encoding: &'static Encoding,
        delimiter: Option<u8>,
        header_row: u64,
        headers: Vec<String>,
        rows: Box<dyn Iterator<Item = Result<RawRow, RowError>> + Send>,
    ) -> Table {
        Table {
            format,
            encoding: Some(encoding.name()),
            encoding_confidence: None,
            encoding_reason: None,
            encoding_alternatives: Vec::new(),
            delimiter,
            header_row,
            headers,
            rows,
        }
    }
}

const SNIFF: usize = 64 * 1024;

/// The longest column name taken: a header cell longer than this is not a column name.
pub const MAX_HEADER_CELL: usize = 200;
/// The most columns taken.
pub const MAX_COLUMNS: usize = 1000;
/// The longest cell taken: a row with a longer cell is set aside (a broken quote, a pasted
/// document).
pub const MAX_CELL: usize = 32 * 1024;

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ReadError + '_ {
    move |source| ReadError::Io { path: path.to_path_buf(), source }
}

/// Opens a list for reading.
pub fn open(path: &Path, opts: &ReadOptions) -> Result<Table, ReadError> {
    let table = open_unchecked(path, opts)?;
    match check_headers(path, &table, opts) {
        Err(ReadError::HeaderLooksLikeData { path, row, mut why }) => {
            if let Some((n, names)) = header_row_suggestion(path.as_path(), opts) {
                why.push_str(&format!(
                    "; row {n} holds column names Athar knows ({}): give --header-row {n}",
                    names.join(", ")
                ));
            }
            Err(ReadError::HeaderLooksLikeData { path, row, why })
        }
        Err(e) => Err(e),
        Ok(()) => Ok(table),
    }
}

/// Where the column names seem to be when the row read as the header is not them (a title
/// above the table, a blank line): the first of the next rows, up to row 20, whose cells are
/// mostly column names Athar knows (two at least), with those names. `None` when the header
/// row was given, or there is no header.
pub fn header_row_suggestion(path: &Path, opts: &ReadOptions) -> Option<(usize, Vec<String>)> {
    if opts.header_row.is_some() || opts.no_header {
        return None;
    }
    for n in 2..=20 {
        let table = open_unchecked(path, &ReadOptions { header_row: Some(n), ..opts.clone() }).ok()?;
        let filled: Vec<&String> = table.headers.iter().filter(|h| !h.trim().is_empty()).collect();
        let known: Vec<String> =
            filled.iter().filter(|h| crate::headers::is_known_column(h)).map(|h| h.trim().to_string()).collect();
        if known.len() >= 2 && known.len() * 2 > filled.len() {
            return Some((n, known));
        }
    }
    None
}

/// Opens a list without checking its header row.
fn open_unchecked(path: &Path, opts: &ReadOptions) -> Result<Table, ReadError> {
    if opts.header_row == Some(0) {
        return Err(ReadError::Format {
            path: path.to_path_buf(),
            problem: "--header-row counts rows from 1 (the first row of the file); 0 names no row".into(),
        });
    }
    let mut head = Vec::with_capacity(SNIFF);
    File::open(path).map_err(io_err(path))?.take(SNIFF as u64).read_to_end(&mut head).map_err(io_err(path))?;
    if head.is_empty() {
        return Err(ReadError::Empty(path.to_path_buf()));
    }
    let complete = head.len() < SNIFF;
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(path, &head)?,
    };
    let header_row = opts.header_row.unwrap_or(1).max(1);
    let table = if format == Format::Xlsx {
        open_workbook(path, opts.sheet.as_deref(), opts.header_row, opts.no_header)?
    } else {
        let guess = match &opts.encoding {
            Some(label) => {
                let enc = Encoding::for_label(label.trim().as_bytes())
                    .ok_or_else(|| ReadError::UnknownEncoding(label.clone()))?;
                crate::encoding::EncodingGuess {
                    encoding: enc,
                    confidence: Confidence::Certain,
                    reason: "given with --encoding".into(),
                    alternatives: Vec::new(),
                }
            }
            None => crate::encoding::detect(&head, complete),
        };
        open_text(path, &head, format, guess, header_row, opts.no_header)?
    };
    Ok(table)
}

/// The header row must be a row of column names: not too long, not too many, no undecodable
/// bytes, and not a row of data (unless the file says it has no header row).
fn check_headers(path: &Path, table: &Table, opts: &ReadOptions) -> Result<(), ReadError> {
    let row = table.header_row as usize;
    let bad = |why: String| Err(ReadError::BadHeader { path: path.to_path_buf(), row, why });
    if table.headers.len() > MAX_COLUMNS {
        return bad(format!("it has {} columns, more than the {MAX_COLUMNS} Athar takes", table.headers.len()));
    }
    if let Some((i, h)) = table.headers.iter().enumerate().find(|(_, h)| h.chars().count() > MAX_HEADER_CELL) {
        return bad(format!(
            "its cell {} is {} characters long, more than a column name ({MAX_HEADER_CELL} at most) — a wrong \
             delimiter, an unclosed quote, or not a list",
            i + 1,
            h.chars().count()
        ));
    }
    if let Some(i) = table.headers.iter().position(|h| h.contains('\u{FFFD}')) {
        return bad(format!(
            "its cell {} holds bytes that are not valid {}; give the file's encoding with --encoding",
            i + 1,
            table.encoding.unwrap_or("text")
        ));
    }
    // Running text — unless a later row holds column names (a long title above a table).
    if matches!(table.format, Format::Csv | Format::Tsv)
        && crate::headers::header_looks_like_prose(&table.headers)
        && header_row_suggestion(path, opts).is_none()
    {
        return Err(ReadError::Prose(path.to_path_buf()));
    }
    if !opts.no_header && matches!(table.format, Format::Csv | Format::Tsv | Format::Xlsx) {
        if let Some(why) = crate::headers::header_looks_like_data(&table.headers) {
            return Err(ReadError::HeaderLooksLikeData { path: path.to_path_buf(), row, why });
        }
    }
    Ok(())
}

/// Column names for a file without a header row: `column 1` … `column N`.
fn numbered_columns(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("column {i}")).collect()
}

/// `sep=;` on the first line (written by Excel): the delimiter, and the line is no row.
fn excel_separator(sample: &str) -> Option<u8> {
    let first = sample.trim_start_matches('\u{feff}').lines().next()?.trim();
    let rest = first.strip_prefix("sep=").or_else(|| first.strip_prefix("SEP="))?;
    let mut chars = rest.chars();
    let c = chars.next()?;
    (chars.next().is_none() && c.is_ascii() && c != '"').then_some(c as u8)
}

/// A row that a stray quote swallowed: a cell that runs over a line break and holds the
/// delimiter on any of its lines (the rest of the row the quote opened in, or the rows after
/// it), or on one of its lines as many delimiters as a whole row has. A quoted note over two
/// lines is kept; a quoted address over two lines with a comma in it is set aside too — rare,
/// and kept in the quarantine, where a silently merged row would be two persons' data in one
/// record. (Before, only the lines after the break were asked for the delimiter: two stray
/// quotes, the second closing the first at the start of the next row, and that row's
/// delimiter changed, made one record of two rows.)
fn swallowed_rows(cells: &[String], delimiter: u8, columns: usize) -> bool {
    let d = delimiter as char;
    columns >= 2 && cells.iter().filter(|c| c.contains('\n')).any(|c| c.contains(d))
}

fn open_text(
    path: &Path,
    head: &[u8],
    format: Format,
    guess: crate::encoding::EncodingGuess,
    header_row: usize,
    no_header: bool,
) -> Result<Table, ReadError> {
    let encoding = guess.encoding;
    let (sample, _, _) = encoding.decode(head);
    if looks_binary(&sample) {
        return Err(ReadError::Binary(path.to_path_buf()));
    }
    let decoded = || -> Result<Box<dyn Read + Send>, ReadError> {
        let file = File::open(path).map_err(io_err(path))?;
        Ok(Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new().encoding(Some(encoding)).bom_override(true).build(file),
        ))
    };
    let mut table = match format {
        Format::Csv | Format::Tsv => {
            // Excel's `sep=;` line names the delimiter and is no row of the table.
            let excel_sep = if format == Format::Csv { excel_separator(&sample) } else { None };
            let skip = usize::from(excel_sep.is_some());
            // The delimiter is read from the header row on: title lines above it have none.
            let from_header: String = sample.lines().skip(header_row - 1 + skip).collect::<Vec<_>>().join("\n");
            let delimiter = match (format, excel_sep) {
                (Format::Tsv, _) => b'\t',
                (_, Some(d)) => d,
                _ => sniff_delimiter(&from_header),
            };
            let encoding_name = encoding.name();
            let rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(decoded()?);
            let mut records = rdr.into_records();
            for _ in 0..skip {
                let _ = records.next();
            }
            // Rows before the header row are skipped: titles above a table are common.
            let mut headers = None;
            for _ in 0..header_row {
                headers = match records.next() {
                    Some(Ok(r)) => Some(r),
                    Some(Err(e)) => {
                        return Err(ReadError::Format { path: path.to_path_buf(), problem: format!("header row: {e}") })
                    }
                    None => return Err(ReadError::NoHeader { path: path.to_path_buf(), row: header_row }),
                };
            }
            let first_cells: Vec<String> = headers.iter().flat_map(|r| r.iter()).map(str::to_string).collect();
            let first = (header_row + skip) as u64;
            let (headers, first_data) = if no_header {
                (numbered_columns(first_cells.len()), Some(RawRow { row: first, cells: first_cells }))
            } else {
                (clean_headers(first_cells), None)
            };
            let columns = headers.len();
            // Rows after the header row (or after the first data row, with no header) follow it.
            let data_start = first + 1;
            let check = move |row: u64, cells: Vec<String>| -> Result<RawRow, RowError> {
                if cells.iter().any(|c| c.contains('\u{FFFD}')) {
                    // Bytes that are not valid in the file's encoding: the file mixes
                    // encodings, or holds a stray byte. The row is set aside, not imported
                    // with damaged names (the original file keeps the bytes).
                    return Err(RowError {
                        row,
                        reason: format!(
                            "holds bytes that are not valid {encoding_name}; the file may mix encodings — try \
                             --encoding"
                        ),
                        raw: cells.join("\t"),
                        fatal: false,
                    });
                }
                if cells.len() > columns && cells[columns..].iter().any(|c| !c.trim().is_empty()) {
                    return Err(RowError {
                        row,
                        reason: format!(
                            "has {} cells but the header has {columns} columns: a delimiter inside a value, or two \
                             rows run together; correct the row in the file",
                            cells.len()
                        ),
                        raw: cells.join("\t"),
                        fatal: false,
                    });
                }
                if swallowed_rows(&cells, delimiter, columns) {
                    return Err(RowError {
                        row,
                        reason: "a quote opened in this row is not closed: one cell runs over the next lines and \
                                 holds whole rows; correct the quotes in the file"
                            .into(),
                        raw: cells.join("\t"),
                        fatal: false,
                    });
                }
                if let Some(i) = cells.iter().position(|c| c.len() > MAX_CELL) {
                    return Err(RowError {
                        row,
                        reason: format!(
                            "cell {} is {} bytes long, more than a cell holds ({MAX_CELL} at most): an unclosed \
                             quote, or a pasted document",
                            i + 1,
                            cells[i].len()
                        ),
                        raw: String::new(),
                        fatal: false,
                    });
                }
                Ok(RawRow { row, cells })
            };
            let first_row = first_data.map(|r| check(r.row, r.cells));
            let rows = first_row.into_iter().chain(records.enumerate().map(move |(i, r)| {
                let row = data_start + i as u64;
                match r {
                    Ok(rec) => check(row, rec.iter().map(str::to_string).collect()),
                    Err(e) => {
                        let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                        Err(RowError {
                            row,
                            reason: format!("cannot be parsed as CSV: {e}"),
                            raw: String::new(),
                            fatal,
                        })
                    }
                }
            }));
            Table::text(format, encoding, Some(delimiter), first, headers, Box::new(rows))
        }
        Format::Json => {
            let mut text = String::new();
            decoded()?.read_to_string(&mut text).map_err(io_err(path))?;
            let (headers, rows) = crate::json::read_json(path, &text, encoding.name())?;
            Table::text(format, encoding, None, 0, headers, Box::new(rows.into_iter()))
        }
        Format::Ndjson => {
            // First pass: the keys, in order of first appearance; second pass: the rows.
            let mut headers: Vec<String> = Vec::new();
            for line in BufReader::new(decoded()?).lines() {
                let line = line.map_err(io_err(path))?;
                crate::json::collect_keys(line.trim(), &mut headers);
            }
            let keys = headers.clone();
            let encoding_name = encoding.name();
            let lines = BufReader::new(decoded()?).lines();
            let rows = lines.enumerate().filter(|(_, l)| l.as_ref().map(|s| !s.trim().is_empty()).unwrap_or(true)).map(
                move |(i, line)| {
                    let row = i as u64 + 1;
                    let line = line.map_err(|e| RowError {
                        row,
                        reason: format!("cannot be read: {e}"),
                        raw: String::new(),
                        fatal: true,
                    })?;
                    crate::json::line_row(row, &line, &keys, encoding_name)
                },
            );
            Table::text(format, encoding, None, 0, headers, Box::new(rows))
        }
        Format::Xlsx => return unreachable_xlsx(path),
    };
    table.encoding_confidence = Some(guess.confidence);
    table.encoding_reason = Some(guess.reason);
    table.encoding_alternatives = guess.alternatives.iter().map(|e| e.name()).collect();
    Ok(table)
}

fn unreachable_xlsx(path: &Path) -> Result<Table, ReadError> {
    Err(ReadError::Format { path: path.to_path_buf(), problem: "internal: workbook handled above".into() })
}

/// Empty or repeated column names get a name of their own, so `--map` can name each column.
fn clean_headers(raw: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for (i, h) in raw.into_iter().enumerate() {
        let h = h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_string();
        let mut name = if h.is_empty() { format!("column {}", i + 1) } else { h };
        if out.contains(&name) {
            let base = name.clone();
            let mut k = 2;
            while out.contains(&name) {
                name = format!("{base} ({k})");
                k += 1;
            }
        }
        out.push(name);
    }
    out
}

/// Text has almost no control characters; random or binary data has many (about one byte in
/// nine is a control character).
fn looks_binary(sample: &str) -> bool {
    let mut n = 0usize;
    let mut bad = 0usize;
    for c in sample.chars().take(16 * 1024) {
        n += 1;
        // Undecodable bytes (U+FFFD) are not counted: a file that mixes encodings is text, and
        // its bad rows are set aside one by one.
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0C}') {
            bad += 1;
        }
    }
    n > 0 && bad * 50 > n
}

/// Format from content first (a ZIP is a workbook, `[`/`{` is JSON), else from the extension.
pub fn detect_format(path: &Path, head: &[u8]) -> Result<Format, ReadError> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Format::Xlsx);
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let by_ext = ext.as_deref().and_then(Format::from_name);
    let enc = detect_encoding(head);
    let (text, _, _) = enc.decode(head);
    let text = match excel_separator(&text) {
        // `sep=;` then a table: CSV, whatever the extension says.
        Some(_) => return Ok(by_ext.filter(|f| *f == Format::Tsv).unwrap_or(Format::Csv)),
        None => text,
    };
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') {
        return Ok(Format::Json);
    }
    if t.starts_with('{') {
        let mut lines = t.lines().filter(|l| !l.trim().is_empty());
        let first = lines.next().unwrap_or("");
        let second = lines.next().map(str::trim_start);
        let first_is_object =
            matches!(serde_json::from_str::<serde_json::Value>(first.trim()), Ok(serde_json::Value::Object(_)));
        if first_is_object && second.is_none_or(|s| s.starts_with('{')) && by_ext != Some(Format::Json) {
            return Ok(Format::Ndjson);
        }
        return Ok(Format::Json);
    }
    match by_ext {
        Some(Format::Xlsx) => Err(ReadError::Format {
            path: path.to_path_buf(),
            problem: "has a workbook extension but is not a workbook (no ZIP signature); is it damaged?".into(),
        }),
        Some(f @ (Format::Json | Format::Ndjson)) => Err(ReadError::Format {
            path: path.to_path_buf(),
            problem: format!("has a .{} extension but is not JSON", f.name()),
        }),
        Some(f) => Ok(f),
        None => Ok(if t.lines().next().is_some_and(|l| l.contains('\t')) { Format::Tsv } else { Format::Csv }),
    }
}

/// The encoding of a file's first bytes (see [`crate::encoding::detect`] for how, and how
/// sure).
pub fn detect_encoding(head: &[u8]) -> &'static Encoding {
    crate::encoding::detect(head, head.len() < SNIFF).encoding
}

/// The first five lines of a file decoded with each of `encodings` (labels), for a user to see
/// which is right.
pub fn samples(path: &Path, encodings: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut head = Vec::new();
    if let Ok(f) = File::open(path) {
        let _ = f.take(16 * 1024).read_to_end(&mut head);
    }
    encodings
        .iter()
        .filter_map(|name| {
            let enc = Encoding::for_label(name.as_bytes())?;
            let (text, _) = enc.decode_without_bom_handling(&head);
            Some((name.to_string(), text.lines().take(5).map(|l| l.chars().take(120).collect()).collect()))
        })
        .collect()
}

/// The delimiter of a CSV: of `,` `;` tab `|`, the one found the same number of times (and at
/// least once) on the most of the first lines, outside quotes.
pub fn sniff_delimiter(sample: &str) -> u8 {
    let lines: Vec<&str> = sample.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let mut best = (b',', 0usize, 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| {
                let mut in_quotes = false;
                l.bytes()
                    .filter(|&b| {
                        if b == b'"' {
                            in_quotes = !in_quotes;
                        }
                        b == d && !in_quotes
                    })
                    .count()
            })
            .collect();
        let Some(&first) = counts.first() else { continue };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if (consistent, first) > (best.1, best.2) {
            best = (d, consistent, first);
        }
    }
    best.0
}

/// The most a workbook may unpack to: past it, it is a damaged file or a zip bomb, never a list.
pub const MAX_UNPACKED: u64 = 512 << 20;

/// Refuses a zip-based workbook (XLSX, ODS) whose parts would unpack to more than
/// [`MAX_UNPACKED`], before anything is unpacked.
fn check_unpacked_size(path: &Path) -> Result<(), ReadError> {
    let problem = |p: String| ReadError::Format { path: path.to_path_buf(), problem: p };
    let file = File::open(path).map_err(|e| ReadError::Io { path: path.to_path_buf(), source: e })?;
    let Ok(mut archive) = zip::ZipArchive::new(BufReader::new(file)) else {
        // Not a zip (an old .xls): calamine says what is wrong with it.
        return Ok(());
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| problem(format!("is not a readable workbook ({e})")))?;
        total = total.saturating_add(entry.size());
        if total > MAX_UNPACKED {
            return Err(problem(format!(
                "would unpack to more than {} MiB (its parts declare {} MiB and more): a damaged file or a zip bomb,                  not a list; nothing was imported",
                MAX_UNPACKED >> 20,
                total >> 20
            )));
        }
    }
    Ok(())
}

fn open_workbook(
    path: &Path,
    sheet: Option<&str>,
    header_row: Option<usize>,
    no_header: bool,
) -> Result<Table, ReadError> {
    use calamine::{Data, Reader};
    let problem = |p: String| ReadError::Format { path: path.to_path_buf(), problem: p };
    check_unpacked_size(path)?;
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let mut book: calamine::Sheets<BufReader<File>> = match ext.as_deref() {
        Some("xls" | "ods" | "xlsb") => calamine::open_workbook_auto(path).map_err(|e| problem(format!("{e}")))?,
        _ => calamine::Sheets::Xlsx(
            calamine::open_workbook::<calamine::Xlsx<_>, _>(path)
                .map_err(|e| problem(format!("is not a readable workbook ({e})")))?,
        ),
    };
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| problem(format!("has no sheet named '{s}'; its sheets are: {}", names.join(", "))))?,
        None => names.first().cloned().ok_or_else(|| problem("has no sheets".into()))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| problem(format!("sheet '{name}': {e}")))?;
    let start_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let start_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let cell_text = |d: &Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => match dt.as_datetime() {
                Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                None => dt.to_string(),
            },
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e:?}"),
        }
    };
    // Sheet rows are 1-based for people; the used range may start below row 1.
    let mut rows: Vec<(u64, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells: Vec<String> = vec![String::new(); start_col];
            cells.extend(r.iter().map(cell_text));
            ((start_row + i + 1) as u64, cells)
        })
        .collect();
    // Without --header-row, the header is the sheet's first row that holds anything.
    let header_at = match header_row {
        Some(h) => rows.iter().position(|(n, _)| *n as usize == h),
        None => rows.iter().position(|(_, c)| c.iter().any(|v| !v.is_empty())),
    };
    let Some(header_at) = header_at else {
        return Err(ReadError::NoHeader { path: path.to_path_buf(), row: header_row.unwrap_or(1) });
    };
    let header_number = rows[header_at].0;
    let (headers, data) = if no_header {
        let data = rows.split_off(header_at);
        let width = data.iter().map(|(_, c)| c.iter().rposition(|v| !v.is_empty()).map_or(0, |i| i + 1)).max();
        (numbered_columns(width.unwrap_or(0)), data)
    } else {
        let data = rows.split_off(header_at + 1);
        (clean_headers(rows.pop().map(|(_, c)| c).unwrap_or_default()), data)
    };
    // Trailing empty cells past the header are not columns.
    let width = headers.len();
    let iter = data.into_iter().filter(|(_, c)| c.iter().any(|v| !v.is_empty())).map(move |(row, mut cells)| {
        while cells.len() > width && cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        Ok(RawRow { row, cells })
    });
    Ok(Table {
        format: Format::Xlsx,
        encoding: None,
        encoding_confidence: None,
        encoding_reason: None,
        encoding_alternatives: Vec::new(),
        delimiter: None,
        header_row: header_number,
        headers,
        rows: Box::new(iter),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
        use encoding_rs::{UTF_16LE, UTF_8};
        assert_eq!(detect_encoding("\u{feff}name".as_bytes()), UTF_8);
        assert_eq!(detect_encoding("اسم,محمد\n".as_bytes()), UTF_8);
        let (ar, _, _) = encoding_rs::WINDOWS_1256.encode("الاسم,اسم الأب,الكنية\nمحمد,أحمد,الحلبي\nخالد,عمر,الشامي\n");
        assert_eq!(detect_encoding(&ar).name(), "windows-1256");
        let (cy, _, _) = encoding_rs::WINDOWS_1251
            .encode("Фамилия;Имя;Отчество\nИванов;Сергей;Петрович\nПетренко;Олена;Миколаївна\n");
        assert_eq!(detect_encoding(&cy).name(), "windows-1251");
        let utf16: Vec<u8> = "name,family\nAli,Hassan\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(detect_encoding(&utf16), UTF_16LE);
    }

    #[test]
    fn a_cell_over_a_line_break_holding_the_delimiter_swallowed_rows() {
        let cells = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Two stray quotes and a delimiter changed: the second row ends up inside the first.
        assert!(swallowed_rows(&cells(&["m0q", "Fatima,X\nm1q;Y", "1990"]), b',', 3));
        assert!(swallowed_rows(&cells(&["m0q", "Fatima\nm1q,Y", "1990"]), b',', 3));
        // A note over two lines is no row.
        assert!(!swallowed_rows(&cells(&["Mohammed", "al-Halabi", "line one\nline two"]), b',', 3));
        assert!(!swallowed_rows(&cells(&["Mohammed", "a;b\nc"]), b',', 2));
    }

    #[test]
    fn delimiters_are_sniffed_outside_quotes() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a,b,c\n\"x;y\",2,3\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("name\nAli\n"), b',');
    }

    #[test]
    fn formats_are_detected_from_content_then_extension() {
        let p = Path::new("x.csv");
        assert_eq!(detect_format(p, b"PK\x03\x04rest").expect("zip"), Format::Xlsx);
        assert_eq!(detect_format(p, b"[{\"a\":1}]").expect("json"), Format::Json);
        assert_eq!(detect_format(Path::new("x"), b"{\"a\":1}\n{\"a\":2}\n").expect("ndjson"), Format::Ndjson);
        assert_eq!(detect_format(p, b"a,b\n").expect("csv"), Format::Csv);
        assert_eq!(detect_format(Path::new("x.tsv"), b"a\tb\n").expect("tsv"), Format::Tsv);
        assert!(detect_format(Path::new("x.xlsx"), b"a,b\n").is_err());
    }

    #[test]
    fn binary_data_is_not_text() {
        let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
        let (s, _, _) = encoding_rs::WINDOWS_1252.decode(&garbage);
        assert!(looks_binary(&s));
        assert!(!looks_binary("name,family\nمحمد,الحلبي\n"));
    }

    #[test]
    fn headers_get_names_when_empty_or_repeated() {
        let h = clean_headers(vec!["\u{feff}name".into(), "".into(), "name".into(), " x ".into()]);
        assert_eq!(h, vec!["name", "column 2", "name (2)", "x"]);
    }
}
