//! From a row of cells and a column mapping to the canonical fields of a record, or to the
//! reason the row goes to quarantine.
//!
//! Owns the row rules: a record needs a usable name (some name column holds letters); dates
//! are parsed (kept as written, with a warning, when not understood); status and sex values map
//! through their tables (`unknown`, with a warning, when not in them); identifiers, contacts,
//! notes and unmapped columns are marked private (stored encrypted); a fingerprint of the
//! names and birth date recognises re-posted lists. Does not read files or store anything.

use crate::dates::{parse_date_with, DateRules};
use crate::headers::{ColumnRole, HeaderMapping};
use crate::values::{parse_event_kind, parse_sex, parse_status, EventKind};
use crate::Field;
use athar_names::normalize::{fold_digit, lookup_key};
use athar_names::script::{detect_script, Script};
use sha2::{Digest, Sha256};

/// A row that makes a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedRow {
    /// Canonical fields kept in clear, by name.
    pub fields: Vec<(&'static str, String)>,
    pub national_id: Option<String>,
    /// The civil registry number (digits only, ASCII): stored as a keyed hash, never in clear.
    pub registry_number: Option<String>,
    pub source_record_id: Option<String>,
    /// Per column: stored encrypted only.
    pub private: Vec<bool>,
    pub fingerprint: i64,
    /// What was noticed and kept anyway (never a name: these are printed).
    pub warnings: Vec<String>,
}

/// The fields hashed into the fingerprint, in order.
const FINGERPRINT_FIELDS: &[Field] = &[
    Field::FullName,
    Field::GivenName,
    Field::FatherName,
    Field::GrandfatherName,
    Field::FamilyName,
    Field::MotherName,
    Field::MotherFamilyName,
];

/// Whether a column is stored encrypted only.
pub fn is_private(role: Option<&ColumnRole>) -> bool {
    match role {
        Some(ColumnRole::Field(f)) => f.is_sensitive() || *f == Field::Notes,
        Some(ColumnRole::Id) => false,
        _ => true,
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A civil registry value, as one column often writes it (`دمشق - 123`, `Homs 45/2`): the
/// words that hold a digit are the number (its digits, in ASCII), the others the place.
fn split_registry(value: &str) -> (Option<String>, Option<String>) {
    let (mut number, mut place) = (String::new(), Vec::new());
    for word in value.split(|c: char| c.is_whitespace() || matches!(c, '-' | '،' | ',' | ':' | '؛' | ';')) {
        if word.chars().any(|c| fold_digit(c).is_ascii_digit()) {
            number.extend(word.chars().map(fold_digit).filter(char::is_ascii_alphanumeric));
        } else if word.chars().any(char::is_alphabetic) {
            place.push(word);
        }
    }
    ((!number.is_empty()).then_some(number), (!place.is_empty()).then(|| place.join(" ")))
}

/// A value looked up in its table (sex, status, event kind): its name, or `unknown` with a
/// warning that names the row and column (never the value: warnings are printed).
fn looked_up(out: &mut ParsedRow, field: &'static str, what: &str, found: Option<&str>, row: u64, header: &str) {
    if found.is_none() {
        out.warnings.push(format!("row {row}, column {header}: {what} not in the table; recorded as unknown"));
    }
    out.fields.push((field, found.unwrap_or("unknown").to_string()));
}

/// Parses one row; `Err` is the quarantine reason.
pub fn parse_row(mapping: &HeaderMapping, cells: &[String], row: u64, dates: DateRules) -> Result<ParsedRow, String> {
    let mut out = ParsedRow { private: Vec::with_capacity(cells.len()), ..ParsedRow::default() };
    let mut has_name = false;
    let mut birth_iso = String::new();
    let header = |i: usize| mapping.headers.get(i).map(String::as_str).unwrap_or("?");
    for (i, cell) in cells.iter().enumerate() {
        let role = mapping.roles.get(i);
        out.private.push(is_private(role));
        let value = cell.trim();
        if value.is_empty() {
            continue;
        }
        match role {
            // The list's own id is kept verbatim.
            Some(ColumnRole::Id) => out.source_record_id = Some(cell.clone()),
            Some(ColumnRole::Field(f)) => {
                let f = *f;
                match f {
                    Field::SourceRecordId => out.source_record_id = Some(cell.clone()),
                    Field::NationalId => out.national_id = Some(value.chars().map(fold_digit).collect()),
                    Field::RegistryNumber => {
                        let (number, place) = split_registry(value);
                        match number {
                            Some(n) => out.registry_number = Some(n),
                            None => out.warnings.push(format!(
                                "row {row}, column {}: the registry number holds no digits; kept as written, not \
                                 compared",
                                header(i)
                            )),
                        }
                        // A column of place and number gives the place too, unless a column of
                        // its own does (words with no number are not a registry: "unknown").
                        if let (Some(place), true) = (place, out.registry_number.is_some()) {
                            if mapping.column_of(Field::RegistryPlace).is_none() {
                                out.fields.push(("registry_place", collapse(&place)));
                            }
                        }
                    }
                    Field::EventKind => {
                        let kind = parse_event_kind(value).map(EventKind::name);
                        looked_up(&mut out, "event_kind", "event kind", kind, row, header(i));
                    }
                    Field::Phone | Field::Email | Field::Contact | Field::Address | Field::Notes => {}
                    Field::Sex => {
                        let sex = parse_sex(value).map(crate::values::Sex::name);
                        looked_up(&mut out, "sex", "sex value", sex, row, header(i));
                    }
                    Field::Status => {
                        let status = parse_status(value).map(crate::values::Status::name);
                        looked_up(&mut out, "status", "status value", status, row, header(i));
                    }
                    Field::BirthDate | Field::EventDate => match parse_date_with(value, dates) {
                        Ok(d) => {
                            let iso = d.to_iso();
                            if f == Field::BirthDate {
                                birth_iso = iso.clone();
                            }
                            out.fields.push((f.name(), iso));
                        }
                        Err(e) => out.warnings.push(format!(
                            "row {row}, column {}: {} not understood ({e}); kept as written",
                            header(i),
                            f.name()
                        )),
                    },
                    _ => {
                        if f.is_name() && detect_script(value) != Script::None {
                            has_name = true;
                        }
                        out.fields.push((f.name(), collapse(value)));
                    }
                }
            }
            _ => {}
        }
    }
    // A list with no kind column says the kind in its date's header ("date of arrest").
    if let Some(kind) = mapping.event_kind.filter(|_| out.fields.iter().any(|(k, _)| *k == "event_date")) {
        out.fields.push(("event_kind", kind.name().to_string()));
    }
    if !has_name {
        return Err("no usable name: the name columns are empty or hold no letters".into());
    }
    let mut h = Sha256::new();
    for f in FINGERPRINT_FIELDS {
        if let Some((_, v)) = out.fields.iter().find(|(n, _)| *n == f.name()) {
            h.update(lookup_key(v).as_bytes());
        }
        h.update([0x1f]);
    }
    h.update(birth_iso.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    out.fingerprint = i64::from_le_bytes(first);
    Ok(out)
}

/// SHA-256 of bytes given in pieces.
#[derive(Default)]
pub struct Sha256Stream(Sha256);

impl Sha256Stream {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest, in hexadecimal.
    pub fn finish(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// SHA-256 and size of a file, read in pieces (memory stays flat).
pub fn file_sha256(path: &std::path::Path) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::DateRules;
    use crate::headers::map_headers;

    fn row(headers: &[&str], cells: &[&str]) -> ParsedRow {
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        let mapping = map_headers(&headers, &[], None).expect("mapping");
        let cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        parse_row(&mapping, &cells, 2, DateRules::default()).expect("a record")
    }

    fn field<'a>(p: &'a ParsedRow, name: &str) -> Option<&'a str> {
        p.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_registry_column_of_place_and_number_gives_both() {
        let p = row(&["الاسم الكامل", "محل ورقم القيد"], &["محمد الحلبي", "دمشق - ١٢٣"]);
        assert_eq!(p.registry_number.as_deref(), Some("123"));
        assert_eq!(field(&p, "registry_place"), Some("دمشق"));
        assert!(p.fields.iter().all(|(k, _)| *k != "registry_number"), "the number is never in clear");
        let col = 1;
        assert!(p.private[col], "the registry column is stored encrypted");
        // A place column of its own wins over the words of the number's column.
        let p = row(&["full name", "registry place", "registry number"], &["Ali Hasan", "Homs", "Bab Amr 45/2"]);
        assert_eq!(p.registry_number.as_deref(), Some("452"));
        assert_eq!(field(&p, "registry_place"), Some("Homs"));
        // No digit: nothing to compare, said so.
        let p = row(&["full name", "qaid number"], &["Ali Hasan", "unknown"]);
        assert_eq!(p.registry_number, None);
        assert_eq!(field(&p, "registry_place"), None, "words without a number are no registry");
        assert!(p.warnings.iter().any(|w| w.contains("no digits")), "{:?}", p.warnings);
    }

    #[test]
    fn the_event_kind_from_its_column_or_from_the_date_header() {
        let p = row(&["full name", "date of arrest"], &["Ali Hasan", "2013-04-02"]);
        assert_eq!(field(&p, "event_kind"), Some("arrest"));
        let p = row(&["full name", "event date", "event type"], &["Ali Hasan", "2013-04-02", "Transfer"]);
        assert_eq!(field(&p, "event_kind"), Some("transfer"));
        let p = row(&["full name", "event date"], &["Ali Hasan", "2013-04-02"]);
        assert_eq!(field(&p, "event_kind"), None, "a header that names no event implies none");
        let p = row(&["full name", "event date", "event type"], &["Ali Hasan", "2013-04-02", "picnic"]);
        assert_eq!(field(&p, "event_kind"), Some("unknown"));
        assert!(p.warnings.iter().any(|w| w.contains("event kind not in the table")));
    }

    #[test]
    fn the_new_columns_of_a_disappearance_map_in_five_languages() {
        for (header, field_name) in [
            ("place of arrest", "arrest_place"),
            ("مكان الاعتقال", "arrest_place"),
            ("lieu d'arrestation", "arrest_place"),
            ("Місце затримання", "arrest_place"),
            ("Место ареста", "arrest_place"),
            ("اسم الابن", "son_name"),
            ("son's name", "son_name"),
            ("Имя сына", "son_name"),
            ("محل القيد", "registry_place"),
        ] {
            let p = row(&["full name", header], &["Ali Hasan", "Douma"]);
            assert_eq!(field(&p, field_name), Some("Douma"), "{header}");
        }
        // Arabic-Indic digits of a national id are the ASCII ones.
        let p = row(&["full name", "national id"], &["Ali Hasan", "٠١٢٣"]);
        assert_eq!(p.national_id.as_deref(), Some("0123"));
    }
}
