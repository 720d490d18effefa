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
use crate::values::{parse_sex, parse_status};
use crate::Field;
use athar_names::normalize::lookup_key;
use athar_names::script::{detect_script, Script};
use sha2::{Digest, Sha256};

/// A row that makes a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedRow {
    /// Canonical fields kept in clear, by name.
    pub fields: Vec<(&'static str, String)>,
    pub national_id: Option<String>,
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

/// Parses one row; `Err` is the quarantine reason.
pub fn parse_row(mapping: &HeaderMapping, cells: &[String], row: u64, dates: DateRules) -> Result<ParsedRow, String> {
    let mut out = ParsedRow { private: Vec::with_capacity(cells.len()), ..ParsedRow::default() };
    let mut has_name = false;
    let mut birth_iso = String::new();
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
                    Field::NationalId => out.national_id = Some(value.to_string()),
                    Field::Phone | Field::Email | Field::Contact | Field::Address | Field::Notes => {}
                    Field::Sex => {
                        let sex = parse_sex(value);
                        if sex.is_none() {
                            out.warnings.push(format!(
                                "row {row}, column {}: sex value not in the table; recorded as unknown",
                                mapping.headers.get(i).map(String::as_str).unwrap_or("?")
                            ));
                        }
                        out.fields.push(("sex", sex.unwrap_or(crate::values::Sex::Unknown).name().to_string()));
                    }
                    Field::Status => {
                        let status = parse_status(value);
                        if status.is_none() {
                            out.warnings.push(format!(
                                "row {row}, column {}: status value not in the table; recorded as unknown",
                                mapping.headers.get(i).map(String::as_str).unwrap_or("?")
                            ));
                        }
                        out.fields
                            .push(("status", status.unwrap_or(crate::values::Status::Unknown).name().to_string()));
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
                            mapping.headers.get(i).map(String::as_str).unwrap_or("?"),
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
