//! Where a command writes what it makes: a file, written whole or not at all and never over
//! the registry's own files or any database or key file, or standard output (`-`). Owns the
//! `--out` / `--force` rule every writing command shares, and the neutralising of spreadsheet
//! formulas in the CSV files Athar writes. Does not decide what is written.

use anyhow::Result;
use athar_registry::files::{check_output_path, AtomicFile};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An open output: standard output, or a private temporary file that [`Output::finish`] puts
/// in place.
pub enum Output {
    Stdout(std::io::Stdout),
    File(AtomicFile),
}

impl Output {
    /// `-` is standard output; any other path is checked (see
    /// [`athar_registry::files::check_output_path`]: never a registry's file, a database or a key
    /// file; an existing file only with `force`) and written through a temporary file.
    /// `protected` are the files of the registry the command has open.
    pub fn open(path: &Path, protected: &[PathBuf], force: bool) -> Result<Output> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout(std::io::stdout()));
        }
        check_output_path(path, protected, force)?;
        Ok(Output::File(AtomicFile::create(path)?))
    }

    /// Puts the file in place (or flushes standard output).
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut s) => s.flush()?,
            Output::File(f) => f.commit()?,
        }
        Ok(())
    }

    /// Whether this is standard output (messages then go to standard error only).
    pub fn is_stdout(&self) -> bool {
        matches!(self, Output::Stdout(_))
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(s) => s.write(buf),
            Output::File(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(s) => s.flush(),
            Output::File(f) => f.flush(),
        }
    }
}

/// How a path is named in messages: `standard output` for `-`.
pub fn describe(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard output".into()
    } else {
        path.display().to_string()
    }
}

pub use athar_registry::exports::csv_cell;

/// A command typed wrongly (exit code 2, as clap's own): arguments missing, or a value outside
/// a closed list of words Athar defines (a decision, a flag). A value read the way an import
/// reads data — a status, a kind of site, a sex, a recipient, in any spelling — is input, and a
/// wrong one an error the user fixes (exit code 1).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A [`UsageError`] as an `anyhow` error.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(message.into()))
}

/// A value for a terminal's text: control characters escaped, padded to `width` characters,
/// and — when it holds right-to-left script and goes to a terminal — kept apart by Unicode's
/// first-strong isolate … pop directional isolate, so that the columns around it do not swap
/// on screen (the padding stays inside, the marks take no column).
pub fn bidi(s: &str, width: usize, terminal: bool) -> String {
    let text = athar_registry::escape_control(s);
    let pad = width.saturating_sub(text.chars().count());
    let rtl =
        text.chars().any(|c| matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}'));
    if terminal && rtl {
        format!("\u{2068}{text}\u{2069}{}", " ".repeat(pad))
    } else {
        format!("{text}{}", " ".repeat(pad))
    }
}

/// Items (each already made with [`bidi`]) laid out in lines of at most `width` columns after
/// `indent` spaces, two spaces apart; an item longer than a line has a line of its own. The
/// isolate marks take no column.
pub fn wrap_items(items: &[String], indent: usize, width: usize) -> Vec<String> {
    wrap_with(items, indent, width, 2)
}

/// Parts of a line ("name · born 1985 · Saydnaya") after `head`, each kept apart for a terminal
/// (see [`bidi`]) and wrapped between parts within 100 columns, the next lines after `indent`
/// spaces.
pub fn joined(head: &str, parts: &[String], indent: usize, terminal: bool) -> Vec<String> {
    let last = parts.len().saturating_sub(1);
    let items: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}{}", bidi(p, 0, terminal), if i < last { " ·" } else { "" }))
        .collect();
    let mut lines =
        wrap_with(&items, indent, 100usize.saturating_sub(head.chars().count().saturating_sub(indent)).max(40), 1);
    if let Some(first) = lines.first_mut() {
        *first = format!("{head}{}", first.trim_start());
    }
    lines
}

/// A paragraph for a terminal: its first line from the margin, the next ones after `indent`
/// spaces, word by word within `width` columns.
pub fn paragraph(text: &str, indent: usize, width: usize) -> String {
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let mut lines = wrap_with(&words, indent, width, 1);
    if let Some(first) = lines.first_mut() {
        *first = first.trim_start().to_string();
    }
    lines.join("\n")
}

/// One comparison of an explanation, for a terminal: the field, the level and its weight (and
/// the running total, where given) on one line; below it the values compared, as each side
/// wrote them, and the name engine's reason, wrapped within 100 columns. `explain` and `search`
/// both print their lines so.
pub struct ComparisonText<'a> {
    pub field: &'a str,
    pub level: &'a str,
    pub weight: f64,
    pub running: Option<f64>,
    pub a: Option<&'a str>,
    pub b: Option<&'a str>,
    pub reason: Option<&'a str>,
}

impl ComparisonText<'_> {
    pub fn lines(&self, indent: usize, terminal: bool) -> Vec<String> {
        let esc = athar_registry::escape_control;
        let mut out = vec![format!(
            "{}{:<20} {:<40} {:>8}{}",
            " ".repeat(indent),
            esc(self.field),
            esc(self.level),
            format!("{:+.2}", self.weight),
            self.running.map(|r| format!("   = {r:+.2}")).unwrap_or_default()
        )];
        if self.a.is_none() && self.b.is_none() {
            return out;
        }
        let side = |v: Option<&str>| v.map_or("—".to_string(), |v| bidi(v, 0, terminal));
        let mut items = vec![format!("{} |", side(self.a)), side(self.b)];
        if let Some(reason) = self.reason.filter(|r| !r.is_empty()) {
            let words: Vec<&str> = reason.split_whitespace().collect();
            let last = words.len().saturating_sub(1);
            for (i, w) in words.iter().enumerate() {
                let w = esc(w);
                items.push(match (i == 0, i == last) {
                    (true, true) => format!(" ({w})"),
                    (true, false) => format!(" ({w}"),
                    (false, true) => format!("{w})"),
                    (false, false) => w.into_owned(),
                });
            }
        }
        out.extend(wrap_with(&items, indent + 21, 100, 1));
        out
    }
}

fn wrap_with(items: &[String], indent: usize, width: usize, gap: usize) -> Vec<String> {
    let columns = |s: &str| s.chars().filter(|c| !matches!(c, '\u{2068}' | '\u{2069}')).count();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for item in items {
        let w = columns(item);
        if used > 0 && indent + used + gap + w > width {
            lines.push(format!("{}{line}", " ".repeat(indent)));
            line.clear();
            used = 0;
        }
        if used > 0 {
            line.push_str(&" ".repeat(gap));
            used += gap;
        }
        line.push_str(item);
        used += w;
    }
    if used > 0 {
        lines.push(format!("{}{line}", " ".repeat(indent)));
    }
    lines
}

/// Whether standard output is a terminal (text for a person, not for a program).
pub fn terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal()
}

/// A CSV writer whose every cell passes through [`csv_cell`]: the one way Athar writes CSV.
pub struct CsvOut<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    pub fn new(w: W) -> Self {
        CsvOut { inner: csv::Writer::from_writer(w) }
    }

    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let safe: Vec<String> = cells.into_iter().map(|c| csv_cell(c.as_ref()).into_owned()).collect();
        self.inner.write_record(&safe)?;
        Ok(())
    }

    /// Flushes and gives back the writer underneath.
    pub fn into_inner(self) -> Result<W> {
        self.inner.into_inner().map_err(|e| anyhow::anyhow!("cannot write: {}", e.error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_values_are_isolated_for_a_terminal_only_and_padded_outside_the_marks() {
        assert_eq!(super::bidi("محمد", 6, true), "\u{2068}محمد\u{2069}  ");
        assert_eq!(super::bidi("محمد", 6, false), "محمد  ");
        assert_eq!(super::bidi("Mohammed", 4, true), "Mohammed", "a longer value is kept whole");
        assert!(!super::bidi("a\u{1b}[2J", 0, true).contains('\u{1b}'), "escapes are shown, not run");
    }

    #[test]
    fn items_wrap_within_the_width_and_isolates_take_no_column() {
        let fields = [
            ("given_name", "محمد"),
            ("father_name", "أحمد"),
            ("family_name", "الحلبي"),
            ("birth_date", "1985-01-01"),
            ("birth_place", "حلب"),
        ];
        let items: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", bidi(v, 0, true))).collect();
        let lines = wrap_items(&items, 6, 50);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            let columns = l.chars().filter(|c| !matches!(c, '\u{2068}' | '\u{2069}')).count();
            assert!(columns <= 50, "{l}");
            assert!(l.starts_with("      "));
        }
        assert_eq!(lines.join(" ").matches('\u{2068}').count(), 4, "each Arabic value isolated");
    }

    #[test]
    fn formulas_are_neutralised_and_text_is_kept() {
        assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        for c in ["+963944", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(c).starts_with('\''), "{c}");
        }
        assert_eq!(csv_cell("محمد"), "محمد");
        assert_eq!(csv_cell("P12"), "P12");
        assert_eq!(csv_cell(""), "");
        let mut w = CsvOut::new(Vec::new());
        w.row(["a", "=1+1"]).expect("row");
        let bytes = w.into_inner().expect("bytes");
        assert_eq!(String::from_utf8(bytes).expect("utf8"), "a,'=1+1\n");
    }
}
