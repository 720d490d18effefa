//! Readers: from a file on disk to a header row and a stream of data rows of text cells.
//!
//! Owns format detection (content first, extension second), encoding detection (BOM, UTF-16
//! without BOM, valid UTF-8, else a guess among Windows-1256/1251, KOI8 and friends with
//! `chardetng`), CSV delimiter sniffing, and the readers for CSV/TSV (streaming: memory stays
//! flat), XLSX/ODS (`calamine`), JSON (an array of objects, or an object holding one) and
//! NDJSON (streaming). Row numbers are the ones a spreadsheet shows: the header row number plus
//! the data row's position. Does not map columns or judge values.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
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
    pub delimiter: Option<u8>,
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

const SNIFF: usize = 64 * 1024;

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ReadError + '_ {
    move |source| ReadError::Io { path: path.to_path_buf(), source }
}

/// Opens a list for reading.
pub fn open(path: &Path, opts: &ReadOptions) -> Result<Table, ReadError> {
    let mut head = Vec::with_capacity(SNIFF);
    File::open(path).map_err(io_err(path))?.take(SNIFF as u64).read_to_end(&mut head).map_err(io_err(path))?;
    if head.is_empty() {
        return Err(ReadError::Empty(path.to_path_buf()));
    }
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(path, &head)?,
    };
    let header_row = opts.header_row.unwrap_or(1).max(1);
    if format == Format::Xlsx {
        return open_workbook(path, opts.sheet.as_deref(), opts.header_row);
    }
    let encoding = match &opts.encoding {
        Some(label) => {
            Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| ReadError::UnknownEncoding(label.clone()))?
        }
        None => detect_encoding(&head),
    };
    let (sample, _, _) = encoding.decode(&head);
    if looks_binary(&sample) {
        return Err(ReadError::Binary(path.to_path_buf()));
    }
    let decoded = || -> Result<Box<dyn Read + Send>, ReadError> {
        let file = File::open(path).map_err(io_err(path))?;
        Ok(Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new().encoding(Some(encoding)).bom_override(true).build(file),
        ))
    };
    match format {
        Format::Csv | Format::Tsv => {
            // The delimiter is read from the header row on: title lines above it have none.
            let from_header: String = sample.lines().skip(header_row - 1).collect::<Vec<_>>().join("\n");
            let delimiter = if format == Format::Tsv { b'\t' } else { sniff_delimiter(&from_header) };
            let encoding_name = encoding.name();
            let rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(decoded()?);
            let mut records = rdr.into_records();
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
            let headers = clean_headers(headers.iter().flat_map(|r| r.iter()).map(str::to_string).collect());
            let first = header_row as u64;
            let rows = records.enumerate().map(move |(i, r)| {
                let row = first + 1 + i as u64;
                match r {
                    Ok(rec) => {
                        let cells: Vec<String> = rec.iter().map(str::to_string).collect();
                        if cells.iter().any(|c| c.contains('\u{FFFD}')) {
                            // Bytes that are not valid in the file's encoding: the file mixes
                            // encodings, or the guess was wrong. The row is set aside, not
                            // imported with damaged names (the original file keeps the bytes).
                            return Err(RowError {
                                row,
                                reason: format!(
                                    "holds bytes that are not valid {encoding_name}; the file may mix encodings \
                                     — try --encoding"
                                ),
                                raw: cells.join("\t"),
                                fatal: false,
                            });
                        }
                        Ok(RawRow { row, cells })
                    }
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
            });
            Ok(Table {
                format,
                encoding: Some(encoding.name()),
                delimiter: Some(delimiter),
                headers,
                rows: Box::new(rows),
            })
        }
        Format::Json => {
            let mut text = String::new();
            decoded()?.read_to_string(&mut text).map_err(io_err(path))?;
            let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
                ReadError::Format { path: path.to_path_buf(), problem: format!("is not valid JSON ({e})") }
            })?;
            let items = match value {
                serde_json::Value::Array(a) => a,
                serde_json::Value::Object(o) => {
                    let mut arrays: Vec<Vec<serde_json::Value>> = o
                        .into_iter()
                        .filter_map(|(_, v)| if let serde_json::Value::Array(a) = v { Some(a) } else { None })
                        .collect();
                    if arrays.len() != 1 {
                        return Err(ReadError::Format {
                            path: path.to_path_buf(),
                            problem: "JSON must be an array of objects, or an object with exactly one array of objects"
                                .into(),
                        });
                    }
                    arrays.pop().unwrap_or_default()
                }
                _ => {
                    return Err(ReadError::Format {
                        path: path.to_path_buf(),
                        problem: "JSON must be an array of objects, or an object holding one".into(),
                    })
                }
            };
            let mut headers: Vec<String> = Vec::new();
            for item in &items {
                if let serde_json::Value::Object(o) = item {
                    for k in o.keys() {
                        if !headers.contains(k) {
                            headers.push(k.clone());
                        }
                    }
                }
            }
            let keys = headers.clone();
            let rows = items.into_iter().enumerate().map(move |(i, item)| object_row(i as u64 + 1, item, &keys));
            Ok(Table { format, encoding: Some(encoding.name()), delimiter: None, headers, rows: Box::new(rows) })
        }
        Format::Ndjson => {
            // First pass: the keys, in order of first appearance; second pass: the rows.
            let mut headers: Vec<String> = Vec::new();
            for line in BufReader::new(decoded()?).lines() {
                let line = line.map_err(io_err(path))?;
                if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(line.trim()) {
                    for k in o.keys() {
                        if !headers.contains(k) {
                            headers.push(k.clone());
                        }
                    }
                }
            }
            let keys = headers.clone();
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
                    match serde_json::from_str::<serde_json::Value>(line.trim_start_matches('\u{feff}').trim()) {
                        Ok(v) => object_row(row, v, &keys),
                        Err(e) => {
                            Err(RowError { row, reason: format!("is not valid JSON ({e})"), raw: line, fatal: false })
                        }
                    }
                },
            );
            Ok(Table { format, encoding: Some(encoding.name()), delimiter: None, headers, rows: Box::new(rows) })
        }
        Format::Xlsx => unreachable_xlsx(path),
    }
}

fn unreachable_xlsx(path: &Path) -> Result<Table, ReadError> {
    Err(ReadError::Format { path: path.to_path_buf(), problem: "internal: workbook handled above".into() })
}

fn object_row(row: u64, item: serde_json::Value, keys: &[String]) -> Result<RawRow, RowError> {
    match item {
        serde_json::Value::Object(mut o) => {
            let cells = keys.iter().map(|k| o.remove(k).map(json_text).unwrap_or_default()).collect();
            Ok(RawRow { row, cells })
        }
        other => Err(RowError { row, reason: "is not a JSON object".into(), raw: other.to_string(), fatal: false }),
    }
}

/// A JSON value as cell text: strings as they are, numbers and booleans as written, null
/// empty, arrays and objects as compact JSON.
fn json_text(v: serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
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

/// Encoding: a BOM; UTF-16 without BOM (zero bytes in every other position); UTF-8 if the
/// bytes are valid UTF-8; else `chardetng`'s guess.
pub fn detect_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return enc;
    }
    let pairs = head.len() / 2;
    if pairs >= 2 {
        let even_zero = head.iter().step_by(2).filter(|b| **b == 0).count();
        let odd_zero = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        if odd_zero * 10 >= pairs * 3 && even_zero * 10 < pairs {
            return UTF_16LE;
        }
        if even_zero * 10 >= pairs * 3 && odd_zero * 10 < pairs {
            return UTF_16BE;
        }
    }
    match std::str::from_utf8(head) {
        Ok(_) => return UTF_8,
        // Cut in the middle of a character at the sniff limit is still UTF-8.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => return UTF_8,
        Err(_) => {}
    }
    let mut det = chardetng::EncodingDetector::new();
    det.feed(head, head.len() < SNIFF);
    det.guess(None, true)
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

fn open_workbook(path: &Path, sheet: Option<&str>, header_row: Option<usize>) -> Result<Table, ReadError> {
    use calamine::{Data, Reader};
    let problem = |p: String| ReadError::Format { path: path.to_path_buf(), problem: p };
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
    let data = rows.split_off(header_at + 1);
    let headers = clean_headers(rows.pop().map(|(_, c)| c).unwrap_or_default());
    // Trailing empty cells past the header are not columns.
    let width = headers.len();
    let iter = data.into_iter().filter(|(_, c)| c.iter().any(|v| !v.is_empty())).map(move |(row, mut cells)| {
        while cells.len() > width && cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        Ok(RawRow { row, cells })
    });
    Ok(Table { format: Format::Xlsx, encoding: None, delimiter: None, headers, rows: Box::new(iter) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_detected() {
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
