//! Reading reports from files: the edge of the scanner, where the I/O is.
//!
//! A path is a file or a folder (walked, symbolic links followed once: a loop is reported, not
//! followed). Plain text is read as UTF-8 (or UTF-16 with its byte-order mark) and scanned in
//! pieces, so that a file of any size is read in bounded memory, with offsets into the file
//! (past [`MAX_MENTIONS`] in one report, mentions are counted, not held).
//! HTML is reduced to its visible text (no scripts, styles or attributes), whose offsets the
//! mentions give; PDF to the text of its text layer (`pdf-extract`), likewise — a scanned image
//! with no text layer is said to have none. Binary files and text in another encoding are
//! reported, with the file, and skipped.

use crate::{Mention, Scanner};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Pieces of plain text are scanned this large (cut after a line end).
pub const PIECE: usize = 4 << 20;
/// HTML larger than this is not read (it is read whole).
pub const MAX_HTML: u64 = 64 << 20;
/// PDF larger than this is not read (it is read whole, and its text extracted in memory).
pub const MAX_PDF: u64 = 256 << 20;
/// Text kept for grouping near-duplicates, per report.
pub const MAX_KEPT: usize = 16 << 20;
/// Mentions kept per report: past them a report's mentions are counted, not held, so that a
/// file of any size is scanned in bounded memory (a real report names far fewer).
pub const MAX_MENTIONS: usize = 100_000;

/// A file that could not be read as a report, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

/// How a report's text was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 text: offsets are into the file.
    Text,
    /// UTF-16 text: offsets are into the text decoded (as UTF-8), not the file's bytes.
    Utf16,
    /// HTML: offsets are into its visible text.
    Html,
    /// PDF: offsets are into the text extracted from its text layer.
    Pdf,
}

impl Format {
    /// What a mention's offset counts bytes of.
    pub fn offsets_into(self) -> &'static str {
        match self {
            Format::Text => "file",
            Format::Utf16 => "decoded_text",
            Format::Html => "visible_text",
            Format::Pdf => "extracted_text",
        }
    }
}

/// A report read and scanned.
#[derive(Debug, Clone)]
pub struct Report {
    pub path: PathBuf,
    pub format: Format,
    pub bytes: u64,
    /// The mentions, offsets into the file (plain text) or into `text` (HTML's visible text);
    /// the first [`MAX_MENTIONS`].
    pub mentions: Vec<Mention>,
    /// Mentions found past [`MAX_MENTIONS`], counted only.
    pub mentions_left_out: usize,
    /// The text read (HTML: its visible text), up to [`MAX_KEPT`] bytes, for grouping.
    pub text: String,
    /// The SHA-256 of the file's bytes as read (hex): what a report stored must still be.
    pub sha256: String,
}

/// The files under `paths`, in order (folders walked in name order), and the paths that could
/// not be walked.
pub fn files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut seen_dirs = std::collections::HashSet::new();
    for p in paths {
        walk(p, &mut out, &mut problems, &mut seen_dirs);
    }
    (out, problems)
}

fn walk(
    path: &Path,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<Problem>,
    seen: &mut std::collections::HashSet<PathBuf>,
) {
    let problem = |message: String| Problem { path: path.to_path_buf(), message };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            problems.push(problem(match e.kind() {
                std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
                _ => e.to_string(),
            }));
            return;
        }
    };
    if meta.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    if !meta.is_dir() {
        problems.push(problem("not a file nor a folder".into()));
        return;
    }
    let real = match std::fs::canonicalize(path) {
        Ok(r) => r,
        Err(e) => {
            problems.push(problem(e.to_string()));
            return;
        }
    };
    if !seen.insert(real) {
        problems.push(problem("a folder already read (a symbolic link loops back to it): skipped".into()));
        return;
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            problems.push(problem(e.to_string()));
            return;
        }
    };
    entries.sort();
    for e in entries {
        walk(&e, out, problems, seen);
    }
}

fn is_html(path: &Path, head: &[u8]) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("html" | "htm" | "xhtml")) {
        return true;
    }
    let start = String::from_utf8_lossy(&head[..head.len().min(512)]).trim_start().to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// Reports read under some paths and scanned, the paths that could not be read, and the
/// reports that repeat one another.
#[derive(Debug, Default)]
pub struct Scanned {
    pub reports: Vec<Report>,
    pub problems: Vec<Problem>,
    pub groups: Vec<crate::duplicates::Group>,
}

/// Reads, scans and groups the reports under `paths`; each piece of a report's text goes to
/// `on_text` too, with the file's path and the piece's offset (see [`scan_file_with`]); a file
/// that turns out unreadable part-way is among the problems, not the reports, whatever pieces
/// of it were handed over.
/// `places`: keep the towns and cities named too (else only sites are kept: a long report holds
/// far more places than sites, and every mention kept is held until the answer).
/// `refuse`: why a file is not to be read at all (a registry's database or key file), if so.
pub fn scan_paths(
    scanner: &Scanner,
    paths: &[PathBuf],
    places: bool,
    refuse: &dyn Fn(&Path) -> Option<String>,
    on_text: &mut dyn FnMut(&Path, usize, &str),
) -> Scanned {
    let (files, mut problems) = files(paths);
    let mut reports = Vec::new();
    for f in &files {
        if let Some(message) = refuse(f) {
            problems.push(Problem { path: f.clone(), message });
            continue;
        }
        match scan_file_with(scanner, f, places, &mut |base, text| on_text(f, base, text)) {
            Ok(r) => reports.push(r),
            Err(p) => problems.push(p),
        }
    }
    let texts: Vec<&str> = reports.iter().map(|r| r.text.as_str()).collect();
    let groups = crate::duplicates::group(&texts);
    Scanned { reports, problems, groups }
}

/// Reads and scans one file.
pub fn scan_file(scanner: &Scanner, path: &Path) -> Result<Report, Problem> {
    scan_file_with(scanner, path, true, &mut |_, _| {})
}

/// Reads and scans one file, handing each piece of its text to `on_text` too, with the offset
/// of the piece's start (in the file for plain text; 0 for HTML's visible text and UTF-16's
/// decoded text, read whole): what a search for persons reads.
pub fn scan_file_with(
    scanner: &Scanner,
    path: &Path,
    places: bool,
    on_text: &mut dyn FnMut(usize, &str),
) -> Result<Report, Problem> {
    let wanted = |m: &Mention| places || m.entity_kind == crate::EntityKind::Facility;
    let problem = |message: String| Problem { path: path.to_path_buf(), message };
    let mut file = std::fs::File::open(path).map_err(|e| problem(e.to_string()))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = vec![0u8; 8192];
    let n = read_full(&mut file, &mut head).map_err(|e| problem(e.to_string()))?;
    head.truncate(n);
    let mut hash = Sha256::new();
    hash.update(&head);
    let pdf = head.starts_with(b"%PDF");
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if !pdf && !utf16 && head.contains(&0) {
        return Err(problem("a binary file, not text".into()));
    }
    // PDF, UTF-16 and HTML are read whole: their text is made of the file's.
    if pdf || utf16 || is_html(path, &head) {
        if pdf && bytes > MAX_PDF {
            return Err(problem(format!("a PDF larger than {} MB: not read", MAX_PDF >> 20)));
        }
        if !pdf && bytes > MAX_HTML {
            return Err(problem(format!("larger than {} MB: not read whole", MAX_HTML >> 20)));
        }
        let mut all = head;
        file.read_to_end(&mut all).map_err(|e| problem(e.to_string()))?;
        hash.update(&all[n..]);
        let (format, text) = if pdf {
            (Format::Pdf, pdf_text(&all).map_err(problem)?)
        } else {
            let text = if utf16 { decode_utf16(&all).map_err(problem)? } else { utf8(all).map_err(problem)? };
            if is_html(path, text.as_bytes()) {
                (Format::Html, visible_text(&text))
            } else if utf16 {
                (Format::Utf16, text)
            } else {
                (Format::Text, text)
            }
        };
        let (mut mentions, mut mentions_left_out) = (Vec::new(), 0);
        keep(&mut mentions, &mut mentions_left_out, scanner.scan(&text).into_iter().filter(wanted));
        on_text(0, &text);
        let sha256 = hex(hash.finalize().as_slice());
        let text = kept(&text);
        return Ok(Report { path: path.to_path_buf(), format, bytes, mentions, mentions_left_out, text, sha256 });
    }
    // Plain UTF-8 text, in pieces cut after a line end (a name never spans a line end here).
    let (mut mentions, mut mentions_left_out) = (Vec::new(), 0);
    let mut kept_text = String::new();
    let mut pending = head;
    let mut base = 0usize;
    let mut chunk = vec![0u8; PIECE];
    let mut eof = false;
    let bom = pending.starts_with(&[0xEF, 0xBB, 0xBF]);
    while !eof || !pending.is_empty() {
        if !eof && pending.len() < PIECE {
            let n = read_full(&mut file, &mut chunk).map_err(|e| problem(e.to_string()))?;
            if n < chunk.len() {
                eof = true;
            }
            if chunk[..n].contains(&0) {
                return Err(problem("a binary file, not text".into()));
            }
            hash.update(&chunk[..n]);
            pending.extend_from_slice(&chunk[..n]);
            if !eof {
                continue;
            }
        }
        let cut = if eof {
            pending.len()
        } else {
            // After the last line end; in a line longer than a piece, before a character the
            // piece's end would cut (UTF-8 continuation bytes are 0b10xxxxxx).
            pending.iter().rposition(|b| *b == b'\n').map_or_else(|| char_start_before_end(&pending), |i| i + 1)
        };
        let piece: Vec<u8> = pending.drain(..cut).collect();
        let text = std::str::from_utf8(&piece).map_err(|e| {
            problem(format!(
                "not UTF-8 text (byte {}): save it as UTF-8, or give its encoding to a converter first",
                base + e.valid_up_to()
            ))
        })?;
        let skip = if base == 0 && bom { 3 } else { 0 };
        let found = scanner.scan(&text[skip..]).into_iter().filter(wanted).map(|mut m| {
            m.offset += base + skip;
            m
        });
        keep(&mut mentions, &mut mentions_left_out, found);
        on_text(base + skip, &text[skip..]);
        if kept_text.len() < MAX_KEPT {
            let mut end = text.len().min(skip + MAX_KEPT - kept_text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            kept_text.push_str(&text[skip..end]);
        }
        base += piece.len();
    }
    let sha256 = hex(hash.finalize().as_slice());
    let text = kept(&kept_text);
    Ok(Report { path: path.to_path_buf(), format: Format::Text, bytes, mentions, mentions_left_out, text, sha256 })
}

/// Keeps `found` while fewer than [`MAX_MENTIONS`] are kept; counts the rest.
fn keep(mentions: &mut Vec<Mention>, left_out: &mut usize, found: impl Iterator<Item = Mention>) {
    for m in found {
        if mentions.len() < MAX_MENTIONS {
            mentions.push(m);
        } else {
            *left_out += 1;
        }
    }
}

/// The text of a PDF's text layer. A malformed PDF that makes the extractor fail — or panic, as
/// it may on a hostile file — is a problem with the file, not the end of the scan.
fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    let text = match extracted {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => return Err(format!("a PDF whose text cannot be read ({e})")),
        Err(_) => return Err("a PDF whose text cannot be read (the file is malformed)".into()),
    };
    if text.trim().is_empty() {
        return Err("a PDF with no text layer (a scanned image?): run it through OCR first".into());
    }
    Ok(text)
}

/// Where the last character of `bytes` starts if it may be cut short (its lead byte and fewer
/// than all of its continuation bytes at the end), else the end.
fn char_start_before_end(bytes: &[u8]) -> usize {
    let n = bytes.len();
    for back in 1..=4.min(n) {
        let b = bytes[n - back];
        if b & 0xC0 != 0x80 {
            // A lead byte (or ASCII): how long its character is.
            let len = match b {
                0x00..=0x7F => 1,
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            return if back < len { n - back } else { n };
        }
    }
    n
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn kept(text: &str) -> String {
    let mut end = text.len().min(MAX_KEPT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (byte {}): save it as UTF-8, or give its encoding to a converter first",
            e.utf8_error().valid_up_to()
        )
    })
}

fn decode_utf16(bytes: &[u8]) -> Result<String, String> {
    let le = bytes.starts_with(&[0xFF, 0xFE]);
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| {
            if c.len() == 2 {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            } else {
                0xFFFD
            }
        })
        .collect();
    String::from_utf16(&units).map_err(|_| "not valid UTF-16 text".to_string())
}

/// The visible text of an HTML page: the text of its elements but scripts, styles, templates
/// and the head; block elements end a line.
pub fn visible_text(html: &str) -> String {
    use scraper::{Html, Node};
    let doc = Html::parse_document(html);
    let mut out = String::new();
    fn walk(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if matches!(name, "script" | "style" | "noscript" | "template" | "head" | "svg") {
                    return;
                }
                let block = matches!(
                    name,
                    "p" | "div"
                        | "br"
                        | "li"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "tr"
                        | "article"
                        | "section"
                        | "blockquote"
                        | "title"
                );
                for c in node.children() {
                    walk(c, out);
                }
                if block && !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            _ => {
                for c in node.children() {
                    walk(c, out);
                }
            }
        }
    }
    walk(doc.tree.root(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_keeps_its_first_mentions_and_counts_the_rest() {
        let m = |offset| Mention {
            offset,
            len: 1,
            text: "x".into(),
            entity_id: "facility:x".into(),
            entity_kind: crate::EntityKind::Facility,
            label: "X".into(),
            reading: crate::Reading::SiteName,
            confidence: 0.9,
        };
        let (mut kept, mut left_out) = (Vec::new(), 0);
        keep(&mut kept, &mut left_out, (0..MAX_MENTIONS - 2).map(m));
        keep(&mut kept, &mut left_out, (0..7).map(m));
        assert_eq!((kept.len(), left_out), (MAX_MENTIONS, 5));
        assert_eq!(kept.last().map(|k| k.offset), Some(1), "the first found are kept, in order");
    }

    #[test]
    fn a_piece_never_ends_inside_a_character() {
        let s = "аб".as_bytes(); // two 2-byte letters
        assert_eq!(char_start_before_end(s), 4);
        assert_eq!(char_start_before_end(&s[..3]), 2);
        assert_eq!(char_start_before_end(b"ab"), 2);
    }

    #[test]
    fn a_long_line_of_many_pieces_keeps_its_offsets() {
        let scanner = Scanner::builtin().unwrap_or_else(|e| panic!("{e}"));
        let dir = std::env::temp_dir().join(format!("athar-scan-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("long.txt");
        // One line of 9 MB: Cyrillic filler (2-byte letters) that no piece may cut in half,
        // with the prison named near its end.
        let mut text = "ж".repeat(9 << 19);
        text.push_str(" He spent years in Sednaya prison.");
        std::fs::write(&path, &text).expect("write");
        let report = scan_file(&scanner, &path).unwrap_or_else(|p| panic!("{}", p.message));
        let m = report.mentions.iter().find(|m| m.entity_id == "facility:saydnaya").expect("found");
        assert_eq!(&text[m.offset..m.offset + m.len], "Sednaya prison");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn html_gives_its_visible_text_only() {
        let html = r#"<html><head><title>x</title><style>.saydnaya{color:red}</style></head>
<body><script>var s = "Sednaya prison";</script><p class="Sednaya">He was held in <b>Sednaya prison</b>.</p>
<a href="/adra-prison" title="Adra prison">more</a></body></html>"#;
        let text = visible_text(html);
        assert_eq!(text.matches("Sednaya").count(), 1, "{text}");
        assert!(!text.contains("Adra"), "{text}");
        assert!(!text.contains("color"), "{text}");
    }
}
