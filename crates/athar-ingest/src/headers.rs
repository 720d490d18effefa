//! Column headers → canonical [`Field`]s: `الكنية` is `family_name`, `Дата народження` is
//! `birth_date`, `Date of birth (dd/mm/yyyy)` is `birth_date`, `given_name` is itself.
//!
//! Owns the header synonyms (`data/ingest/header_synonyms.txt`, compiled in), the context rule of
//! the design (a bare "name" column — الاسم, name, Ім'я, Имя — is `given_name` when the file has a
//! father or family column, else `full_name`), the `--map COL=FIELD` / `--map COL=-` overrides and
//! the `--id-column`, and the warnings and errors about them. Does not read files or values (the
//! readers and `dates` / `values` do), and decides nothing about storage: an unmapped or ignored
//! column is still kept, encrypted, by the caller.
//!
//! Rules, in order of precedence:
//! 1. `--id-column` takes the [`ColumnRole::Id`] role.
//! 2. `--map` overrides win over synonyms. Two overrides on one field, or on one column, are errors.
//! 3. Synonyms (and the canonical names, `given_name` or `given name`), in column order: when two
//!    columns map to one field, the first keeps it and the other is unmapped with a warning naming
//!    both.
//! 4. The record id: a column named `source_record_id`, or a serial-number header (`№`, `No.`,
//!    `م`, `Serial`), takes the Id role when no `--id-column` is given. A bare `id`, `رقم` or
//!    `number` could as well be an identity number, and storing an identity number as a record id
//!    would show it in clear: such columns stay unmapped, with a hint to use `--id-column` or
//!    `--map`. The record id is always [`ColumnRole::Id`], never `Field(SourceRecordId)`.

use crate::fields::Field;
use crate::values::{normalize_value, parse_table, Table};
use serde::Serialize;
use std::sync::LazyLock;

/// What a column of the file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "as", content = "field")]
pub enum ColumnRole {
    /// A canonical field (never `SourceRecordId`: the record id is [`ColumnRole::Id`]).
    Field(Field),
    /// the --id-column (or, with none given, the column named `source_record_id` or a
    /// serial-number header): the source's own record id
    Id,
    /// --map COL=- : deliberately ignored (still kept raw, encrypted)
    Ignored,
    /// maps to no field (kept raw, encrypted)
    Unmapped,
}

/// The role of every column of a file, in the file's order, and what the user should know.
#[derive(Debug, Clone, Serialize)]
pub struct HeaderMapping {
    /// The headers as given, with a BOM and surrounding spaces removed.
    pub headers: Vec<String>,
    /// One role per header.
    pub roles: Vec<ColumnRole>,
    /// One sentence per problem: every unmapped column, every field claimed by two columns.
    pub warnings: Vec<String>,
    /// The kind of event the event date's header names, when no column gives it
    /// ("date of arrest": arrest), read once for every row.
    #[serde(skip)]
    pub event_kind: Option<crate::values::EventKind>,
}

impl HeaderMapping {
    /// The column that holds `field` (`SourceRecordId`: the Id column).
    pub fn column_of(&self, field: Field) -> Option<usize> {
        if field == Field::SourceRecordId {
            return self.id_column();
        }
        self.roles.iter().position(|r| *r == ColumnRole::Field(field))
    }

    /// The column that holds the source's record id.
    pub fn id_column(&self) -> Option<usize> {
        self.roles.iter().position(|r| *r == ColumnRole::Id)
    }
}

/// Why a mapping cannot be made. Every message names the column or field and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error(
        "column '{column}' was not found; the file's columns are: {}; check the spelling of the \
         name given to {option} and the quotes around it",
        quoted_list(columns)
    )]
    ColumnNotFound { column: String, option: &'static str, columns: Vec<String> },
    #[error(
        "column '{column}' appears {} times in the file (columns {}), so {option} cannot tell \
         them apart; rename all but one in the file",
        positions.len(),
        positions.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
    )]
    DuplicateColumn { column: String, option: &'static str, positions: Vec<usize> },
    #[error("'{name}' is not a field; fields are: {}; or '-' to ignore the column", field_list())]
    UnknownField { name: String },
    #[error("--map '{arg}' has no '='; write --map 'COLUMN=FIELD', or --map 'COLUMN=-' to ignore a column")]
    NoEquals { arg: String },
    #[error("--map '{arg}' names no column before the '='")]
    NoColumn { arg: String },
    #[error("--map names column '{column}' more than once")]
    ColumnMappedTwice { column: String },
    #[error(
        "--map gives {} to both '{first}' and '{second}'; a field takes one column (map the other \
         to another field, or to '-' to ignore it)",
        field.name()
    )]
    FieldMappedTwice { field: Field, first: String, second: String },
    #[error("column '{column}' is the --id-column and is also given to --map; it can only be one")]
    IdColumnMapped { column: String },
    #[error(
        "the --id-column is '{id_column}' but --map gives source_record_id to '{other}'; a list has \
         one record id column"
    )]
    TwoIdColumns { id_column: String, other: String },
}

fn quoted_list(items: &[String]) -> String {
    items.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
}

fn field_list() -> String {
    Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}

/// What a header means by its name alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    Field(Field),
    /// A bare "name": given_name or full_name, by the other columns.
    GivenOrFull,
    /// A record number or an identity number.
    AmbiguousId,
    /// A birth date or an event date.
    AmbiguousDate,
}

impl Meaning {
    fn from_key(key: &str) -> Option<Meaning> {
        match key {
            "given_or_full" => Some(Meaning::GivenOrFull),
            "ambiguous_id" => Some(Meaning::AmbiguousId),
            "ambiguous_date" => Some(Meaning::AmbiguousDate),
            _ => Field::from_name(key).map(Meaning::Field),
        }
    }
}

const SYNONYMS_FILE: (&str, &str) =
    ("data/ingest/header_synonyms.txt", include_str!("../../../data/ingest/header_synonyms.txt"));

static SYNONYMS: LazyLock<Table<Meaning>> = LazyLock::new(build_synonyms);

/// The synonym file, plus every canonical field name (`given_name`, which normalises to
/// `given name`); a file line that maps a canonical name elsewhere is a problem.
fn build_synonyms() -> Table<Meaning> {
    let mut table = parse_table(SYNONYMS_FILE.0, SYNONYMS_FILE.1, Meaning::from_key, normalize_header);
    for f in Field::ALL {
        let key = normalize_header(f.name());
        match table.map.get(&key) {
            Some(m) if *m != Meaning::Field(*f) => {
                table.problems.push(format!("{}: the field name '{}' is listed as {m:?}", SYNONYMS_FILE.0, f.name()))
            }
            _ => {
                table.map.insert(key, Meaning::Field(*f));
            }
        }
    }
    table
}

/// A header as given, without BOM, bidi marks or surrounding spaces: what messages show and what
/// `--map` and `--id-column` are compared with first.
fn clean_header(h: &str) -> String {
    h.chars().filter(|c| !crate::values::is_invisible(*c)).collect::<String>().trim().to_string()
}

/// The form under which headers are compared: [`normalize_value`] with `_ - . : , ; /` made
/// spaces, so `Given_Name`, `given-name` and `given name` are one header, as are `П.І.Б.` and
/// `п і б`.
pub(crate) fn normalize_header(h: &str) -> String {
    let spaced: String =
        h.chars().map(|c| if matches!(c, '_' | '-' | '.' | ':' | ',' | ';' | '/' | '\\') { ' ' } else { c }).collect();
    normalize_value(&spaced)
}

/// The header without its bracketed parts: `Date of birth (dd/mm/yyyy)` → `Date of birth `.
fn without_brackets(h: &str) -> Option<String> {
    let mut out = String::with_capacity(h.len());
    let mut depth = 0usize;
    let mut found = false;
    for c in h.chars() {
        match c {
            '(' | '[' | '{' | '（' => {
                depth += 1;
                found = true;
            }
            ')' | ']' | '}' | '）' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    found.then_some(out)
}

/// The meaning of a header by its name alone: exact (normalised) match, then without brackets.
fn meaning_of(header: &str) -> Option<Meaning> {
    let key = normalize_header(header);
    if key.is_empty() {
        return None;
    }
    if let Some(m) = SYNONYMS.map.get(&key) {
        return Some(*m);
    }
    let bare = normalize_header(&without_brackets(header)?);
    SYNONYMS.map.get(&bare).copied()
}

/// The field a header most likely holds, for suggestions: its synonym if it has one (a bare
/// "name" suggests `full_name`), else the field of the longest synonym of two words or more
/// that the header contains (`Date of birth of the detainee` → `birth_date`). `None` when the
/// header says nothing, or is ambiguous (`id`, `date`).
pub fn suggest_field(header: &str) -> Option<Field> {
    match meaning_of(header) {
        Some(Meaning::Field(f)) => return Some(f),
        Some(Meaning::GivenOrFull) => return Some(Field::FullName),
        Some(Meaning::AmbiguousId | Meaning::AmbiguousDate) => return None,
        None => {}
    }
    let padded = format!(" {} ", normalize_header(header));
    let mut best: Option<(usize, Field)> = None;
    let mut tie = false;
    for (key, meaning) in &SYNONYMS.map {
        let Meaning::Field(f) = meaning else { continue };
        if !key.contains(' ') || !padded.contains(&format!(" {key} ")) {
            continue;
        }
        let len = key.chars().count();
        match best {
            Some((l, g)) if len < l || (len == l && g == *f) => {}
            Some((l, _)) if len == l => tie = true,
            _ => {
                best = Some((len, *f));
                tie = false;
            }
        }
    }
    if tie {
        return None;
    }
    best.map(|(_, f)| f)
}

/// What kind of data a cell holds, when it is plainly data and no column name: a number of
/// five digits or more (a phone, an identity number), a full date, an e-mail address.
fn data_kind(cell: &str) -> Option<&'static str> {
    let digits = cell.chars().filter(|c| c.is_ascii_digit() || ('\u{0660}'..='\u{0669}').contains(c)).count();
    if cell.contains('@') && cell.contains('.') && !cell.contains(' ') {
        return Some("an e-mail address");
    }
    if digits >= 5 {
        let full_date = crate::dates::parse_date(cell, crate::dates::DateOrder::Dmy).is_ok_and(|d| d.day.is_some());
        return Some(if full_date { "a date" } else { "a phone or identity number" });
    }
    None
}

/// Whether a column name is one Athar knows (in any of its languages).
pub fn is_known_column(header: &str) -> bool {
    meaning_of(header).is_some()
}

/// Whether a "header row" is running text — sentences of a report or testimony, not column
/// names: no cell is a column name Athar knows, and a cell holds eight words or more, or the
/// row holds twelve words or more with a sentence's end.
pub fn header_looks_like_prose(headers: &[String]) -> bool {
    if headers.iter().any(|h| is_known_column(h)) {
        return false;
    }
    let words = |h: &String| h.split_whitespace().count();
    let total: usize = headers.iter().map(words).sum();
    let sentence = headers.iter().any(|h| h.trim_end().ends_with(['.', '!', '?', '؟', '۔']));
    headers.iter().any(|h| words(h) >= 8) || (total >= 12 && sentence)
}

/// Whether a header row is a row of data: one of its cells is plainly data (see
/// [`data_kind`]) and at most half of them are column names Athar knows. The reason, in words
/// — never the cell's value, which may be the first person's phone.
pub fn header_looks_like_data(headers: &[String]) -> Option<String> {
    let (i, kind) = headers.iter().enumerate().find_map(|(i, h)| data_kind(h).map(|k| (i, k)))?;
    let known = headers.iter().filter(|h| meaning_of(h).is_some()).count();
    if known * 2 > headers.len() {
        return None;
    }
    Some(format!(
        "its cell {} looks like {kind}, and {known} of its {} cells {} a column name Athar knows",
        i + 1,
        headers.len(),
        if known == 1 { "is" } else { "are" }
    ))
}

/// Whether the values of an id column look like national identity numbers rather than a
/// list's own numbering: the column is named as one, or most of its values are numbers of eight
/// digits or more. `values` are a sample of the column.
pub fn id_column_looks_like_national_ids(header: &str, values: &[&str]) -> bool {
    if matches!(meaning_of(header), Some(Meaning::Field(Field::NationalId))) {
        return true;
    }
    let filled: Vec<&&str> = values.iter().filter(|v| !v.trim().is_empty()).collect();
    // Eight digits or more, and at most two letters (a passport series: АА 123456 78).
    let long = filled
        .iter()
        .filter(|v| {
            v.chars().filter(char::is_ascii_digit).count() >= 8 && v.chars().filter(|c| c.is_alphabetic()).count() <= 2
        })
        .count();
    !filled.is_empty() && long * 2 > filled.len()
}

/// Parses one `--map` argument: `COL=FIELD`, or `COL=-` to ignore the column. The column is
/// everything before the last `=` (so a header may itself contain `=`), trimmed, with one pair of
/// surrounding quotes removed. The field is a snake_case name (`given_name`; `Given Name` and
/// `given-name` are accepted).
pub fn parse_map_arg(arg: &str) -> Result<(String, Option<Field>), MappingError> {
    let Some((col, field)) = arg.rsplit_once('=') else {
        return Err(MappingError::NoEquals { arg: arg.to_string() });
    };
    let col = col.trim();
    let col = ['"', '\''].iter().find_map(|q| col.strip_prefix(*q).and_then(|c| c.strip_suffix(*q))).unwrap_or(col);
    if col.trim().is_empty() {
        return Err(MappingError::NoColumn { arg: arg.to_string() });
    }
    let field = field.trim();
    if field == "-" {
        return Ok((col.to_string(), None));
    }
    let name = field.to_lowercase().replace([' ', '-'], "_");
    match Field::from_name(&name) {
        Some(f) => Ok((col.to_string(), Some(f))),
        None => Err(MappingError::UnknownField { name: field.to_string() }),
    }
}

/// Who gave a field to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    IdColumn,
    Override,
    Name,
}

/// The column that holds a field, and who gave it.
fn holder(taken: &[(Field, usize, Origin)], f: Field) -> Option<(usize, Origin)> {
    taken.iter().find(|t| t.0 == f).map(|t| (t.1, t.2))
}

/// The column a `--map` or `--id-column` value names: the header as given, else the one header
/// equal to it after normalisation.
fn find_column(headers: &[String], wanted: &str, option: &'static str) -> Result<usize, MappingError> {
    let wanted_clean = clean_header(wanted);
    let exact: Vec<usize> = (0..headers.len()).filter(|i| headers[*i] == wanted_clean).collect();
    let found = if exact.is_empty() {
        let key = normalize_header(&wanted_clean);
        if key.is_empty() {
            Vec::new()
        } else {
            (0..headers.len()).filter(|i| normalize_header(&headers[*i]) == key).collect()
        }
    } else {
        exact
    };
    match found[..] {
        [i] => Ok(i),
        [] => Err(MappingError::ColumnNotFound { column: wanted.to_string(), option, columns: headers.to_vec() }),
        _ => Err(MappingError::DuplicateColumn {
            column: wanted_clean,
            option,
            positions: found.iter().map(|i| i + 1).collect(),
        }),
    }
}

/// Quotes a `--map` argument for a POSIX shell.
fn shell_quote(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains(['"', '$', '`', '\\']) {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Maps a file's headers to roles. `overrides` come from `--map COL=FIELD` (`Some(field)`) or
/// `--map COL=-` (`None`), in order; `id_column` from `--id-column`. See the module documentation
/// for the rules.
pub fn map_headers(
    headers: &[String],
    overrides: &[(String, Option<Field>)],
    id_column: Option<&str>,
) -> Result<HeaderMapping, MappingError> {
    let headers: Vec<String> = headers.iter().map(|h| clean_header(h)).collect();
    let n = headers.len();
    let mut roles: Vec<Option<ColumnRole>> = vec![None; n];
    // Which column holds each field, and who gave it (the record id is SourceRecordId here).
    let mut taken: Vec<(Field, usize, Origin)> = Vec::new();

    let id_index = id_column.map(|c| find_column(&headers, c, "--id-column")).transpose()?;
    if let Some(i) = id_index {
        roles[i] = Some(ColumnRole::Id);
        taken.push((Field::SourceRecordId, i, Origin::IdColumn));
    }

    let mut overridden = vec![false; n];
    for (col, field) in overrides {
        let i = find_column(&headers, col, "--map")?;
        if overridden[i] {
            return Err(MappingError::ColumnMappedTwice { column: headers[i].clone() });
        }
        if id_index == Some(i) {
            return Err(MappingError::IdColumnMapped { column: headers[i].clone() });
        }
        overridden[i] = true;
        let Some(f) = *field else {
            roles[i] = Some(ColumnRole::Ignored);
            continue;
        };
        match holder(&taken, f) {
            Some((j, Origin::IdColumn)) => {
                return Err(MappingError::TwoIdColumns { id_column: headers[j].clone(), other: headers[i].clone() })
            }
            Some((j, _)) => {
                return Err(MappingError::FieldMappedTwice {
                    field: f,
                    first: headers[j].clone(),
                    second: headers[i].clone(),
                })
            }
            None => {}
        }
        taken.push((f, i, Origin::Override));
        roles[i] = Some(if f == Field::SourceRecordId { ColumnRole::Id } else { ColumnRole::Field(f) });
    }

    let meanings: Vec<Option<Meaning>> =
        (0..n).map(|i| if roles[i].is_none() { meaning_of(&headers[i]) } else { None }).collect();
    let has_father_or_family = taken.iter().any(|t| matches!(t.0, Field::FatherName | Field::FamilyName))
        || meanings.iter().any(|m| matches!(m, Some(Meaning::Field(Field::FatherName | Field::FamilyName))));

    // Why a column is unmapped (said before the warning) and what to try (said after it), when
    // there is more to say than "no synonym".
    let mut why: Vec<Option<String>> = vec![None; n];
    let mut hint: Vec<Option<String>> = vec![None; n];
    for i in 0..n {
        if roles[i].is_some() {
            continue;
        }
        let h = &headers[i];
        let target = match meanings[i] {
            Some(Meaning::Field(f)) => f,
            Some(Meaning::GivenOrFull) if has_father_or_family => Field::GivenName,
            Some(Meaning::GivenOrFull) => Field::FullName,
            Some(Meaning::AmbiguousId) => {
                hint[i] = Some(format!(
                    "'{h}' could be a record number or an identity number: use --id-column {} if it numbers \
                     the records, or --map {}",
                    shell_quote(h),
                    shell_quote(&format!("{h}=national_id"))
                ));
                roles[i] = Some(ColumnRole::Unmapped);
                continue;
            }
            Some(Meaning::AmbiguousDate) => {
                hint[i] = Some(format!(
                    "'{h}' could be the birth date or the date of the arrest or disappearance: use --map {} or \
                     --map {}",
                    shell_quote(&format!("{h}=birth_date")),
                    shell_quote(&format!("{h}=event_date"))
                ));
                roles[i] = Some(ColumnRole::Unmapped);
                continue;
            }
            None => {
                roles[i] = Some(ColumnRole::Unmapped);
                continue;
            }
        };
        match holder(&taken, target) {
            None => {
                taken.push((target, i, Origin::Name));
                roles[i] =
                    Some(if target == Field::SourceRecordId { ColumnRole::Id } else { ColumnRole::Field(target) });
            }
            Some((j, origin)) => {
                let (this, other) = (column_ref(&headers, i), column_ref(&headers, j));
                let f = target.name();
                why[i] = Some(match origin {
                    Origin::IdColumn => format!("column {this} looks like a record id, but the --id-column is {other}"),
                    Origin::Override => {
                        format!("column {this} would be {f} by its name, but --map gave {f} to column {other}")
                    }
                    Origin::Name => format!("columns {other} and {this} both map to {f}; the first keeps it"),
                });
                roles[i] = Some(ColumnRole::Unmapped);
            }
        }
    }

    let roles: Vec<ColumnRole> = roles.into_iter().map(|r| r.unwrap_or(ColumnRole::Unmapped)).collect();
    let mut warnings = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        if *role != ColumnRole::Unmapped {
            continue;
        }
        let h = &headers[i];
        if h.is_empty() {
            warnings.push(format!(
                "column {} has no header; it is kept encrypted as raw data; give it a header to map it",
                i + 1
            ));
            continue;
        }
        let hint = hint[i].take().or_else(|| {
            let f = suggest_field(h).filter(|f| why[i].is_none() && holder(&taken, *f).is_none())?;
            Some(format!("perhaps --map {}", shell_quote(&format!("{h}={}", f.name()))))
        });
        let mut w = why[i].take().map(|why| format!("{why}, so ")).unwrap_or_default();
        w.push_str(&format!(
            "column {} maps to no field; it is kept encrypted as raw data; use --map {} to map it",
            column_ref(&headers, i),
            shell_quote(&format!("{h}=FIELD"))
        ));
        if let Some(hint) = hint {
            w.push_str(&format!(" ({hint})"));
        }
        warnings.push(w);
    }
    if !roles.iter().any(|r| matches!(r, ColumnRole::Field(f) if f.is_name())) {
        warnings.push(format!(
            "no column holds a name ({}); every row needs one; use --map 'COLUMN=full_name' or another name field",
            Field::ALL.iter().filter(|f| f.is_name()).map(|f| f.name()).collect::<Vec<_>>().join(", ")
        ));
    }
    // A list with no kind column says the kind in its date's header ("date of arrest").
    let event_kind = if roles.contains(&ColumnRole::Field(Field::EventKind)) {
        None
    } else {
        roles
            .iter()
            .position(|r| *r == ColumnRole::Field(Field::EventDate))
            .and_then(|c| crate::values::implied_event_kind(&headers[c]))
    };
    Ok(HeaderMapping { headers, roles, warnings, event_kind })
}

/// `'Name'`, or `'Name' (column 3)` when the header appears more than once.
fn column_ref(headers: &[String], i: usize) -> String {
    if headers.iter().filter(|h| **h == headers[i]).count() > 1 {
        format!("'{}' (column {})", headers[i], i + 1)
    } else {
        format!("'{}'", headers[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn roles(names: &[&str]) -> Vec<ColumnRole> {
        match map_headers(&h(names), &[], None) {
            Ok(m) => m.roles,
            Err(e) => panic!("{e}"),
        }
    }

    fn mapping(names: &[&str], overrides: &[(&str, Option<Field>)], id: Option<&str>) -> HeaderMapping {
        let o: Vec<(String, Option<Field>)> = overrides.iter().map(|(c, f)| (c.to_string(), *f)).collect();
        match map_headers(&h(names), &o, id) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    fn error(names: &[&str], overrides: &[(&str, Option<Field>)], id: Option<&str>) -> MappingError {
        let o: Vec<(String, Option<Field>)> = overrides.iter().map(|(c, f)| (c.to_string(), *f)).collect();
        match map_headers(&h(names), &o, id) {
            Ok(m) => panic!("mapped: {:?}", m.roles),
            Err(e) => e,
        }
    }

    use ColumnRole::{Id, Ignored, Unmapped};
    fn f(field: Field) -> ColumnRole {
        ColumnRole::Field(field)
    }

    #[test]
    fn synonym_table_has_no_problems() {
        assert_eq!(SYNONYMS.problems, Vec::<String>::new());
        assert!(SYNONYMS.map.len() > 300, "{} synonyms", SYNONYMS.map.len());
    }

    #[test]
    fn every_field_has_synonyms_beyond_its_name() {
        for field in Field::ALL {
            let n = SYNONYMS.map.values().filter(|m| **m == Meaning::Field(*field)).count();
            assert!(n >= 3, "{} has {n} forms", field.name());
        }
    }

    #[test]
    fn canonical_names_and_their_spaced_forms_map_without_configuration() {
        let names: Vec<&str> = Field::ALL.iter().filter(|f| **f != Field::SourceRecordId).map(|f| f.name()).collect();
        let r = roles(&names);
        for (field, role) in Field::ALL.iter().zip(&r) {
            assert_eq!(*role, f(*field));
        }
        assert_eq!(
            roles(&["Given Name", "FAMILY-NAME", "birth.date"]),
            vec![f(Field::GivenName), f(Field::FamilyName), f(Field::BirthDate)]
        );
    }

    #[test]
    fn syrian_form_headers() {
        let r = roles(&[
            "م",
            "الاسم",
            "اسم الأب",
            "اسم الجد",
            "الكنية",
            "اسم الأم",
            "نسبة الأم",
            "تاريخ الولادة",
            "مكان الولادة",
            "الجنس",
            "تاريخ الاعتقال",
            "مكان الاعتقال",
            "الفرع",
            "الحالة",
            "ملاحظات",
        ]);
        assert_eq!(
            r,
            vec![
                Id,
                f(Field::GivenName),
                f(Field::FatherName),
                f(Field::GrandfatherName),
                f(Field::FamilyName),
                f(Field::MotherName),
                f(Field::MotherFamilyName),
                f(Field::BirthDate),
                f(Field::BirthPlace),
                f(Field::Sex),
                f(Field::EventDate),
                f(Field::ArrestPlace),
                f(Field::Facility),
                f(Field::Status),
                f(Field::Notes),
            ]
        );
    }

    #[test]
    fn kunya_header_is_the_family_name_on_syrian_forms() {
        assert_eq!(suggest_field("الكنية"), Some(Field::FamilyName));
        assert_eq!(suggest_field("الكنيـة"), Some(Field::FamilyName));
    }

    #[test]
    fn bare_name_is_given_name_beside_father_or_family_else_full_name() {
        assert_eq!(roles(&["الاسم", "الكنية"])[0], f(Field::GivenName));
        assert_eq!(roles(&["الاسم", "اسم الأب"])[0], f(Field::GivenName));
        assert_eq!(roles(&["الاسم", "تاريخ الولادة"])[0], f(Field::FullName));
        assert_eq!(roles(&["Name", "DOB"])[0], f(Field::FullName));
        assert_eq!(roles(&["Name", "Surname"])[0], f(Field::GivenName));
        assert_eq!(roles(&["Ім'я", "Прізвище"])[0], f(Field::GivenName));
        assert_eq!(roles(&["Имя"])[0], f(Field::FullName));
        // The family column may be given by --map.
        let m = mapping(&["name", "col2"], &[("col2", Some(Field::FamilyName))], None);
        assert_eq!(m.roles, vec![f(Field::GivenName), f(Field::FamilyName)]);
    }

    #[test]
    fn ukrainian_and_russian_headers_with_patronymic_as_father_name() {
        assert_eq!(
            roles(&["Прізвище", "Ім'я", "По батькові", "Дата народження", "Місце народження", "Стать", "Статус"]),
            vec![
                f(Field::FamilyName),
                f(Field::GivenName),
                f(Field::FatherName),
                f(Field::BirthDate),
                f(Field::BirthPlace),
                f(Field::Sex),
                f(Field::Status),
            ]
        );
        assert_eq!(
            roles(&["Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Адрес", "Паспорт", "Место содержания"]),
            vec![
                f(Field::FamilyName),
                f(Field::GivenName),
                f(Field::FatherName),
                f(Field::BirthDate),
                f(Field::Sex),
                f(Field::Address),
                f(Field::NationalId),
                f(Field::Facility),
            ]
        );
        assert_eq!(roles(&["ПІБ"]), vec![f(Field::FullName)]);
        assert_eq!(roles(&["П.І.Б."]), vec![f(Field::FullName)]);
        assert_eq!(roles(&["Прізвище, ім’я, по батькові"]), vec![f(Field::FullName)]);
        assert_eq!(roles(&["ФИО"]), vec![f(Field::FullName)]);
    }

    #[test]
    fn a_row_of_data_is_not_taken_for_column_names() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let why =
            header_looks_like_data(&h(&["Mohammed Ali", "+963 944 123 456", "01020304050", "notes"])).expect("data");
        assert!(why.contains("cell 2") && why.contains("phone"), "{why}");
        assert!(!why.contains("944"), "the reason never holds the value: {why}");
        let why = header_looks_like_data(&h(&["Ali", "15/03/1985"])).expect("data");
        assert!(why.contains("a date"), "{why}");
        assert!(header_looks_like_data(&h(&["name", "phone", "born", "Reference 2024-00017"])).is_none());
        assert!(header_looks_like_data(&h(&["الاسم", "الكنية", "تاريخ الولادة"])).is_none());
        assert!(header_looks_like_data(&h(&["Name", "Phone 1", "2024"])).is_none());
    }

    #[test]
    fn an_id_column_of_identity_numbers_is_recognised() {
        assert!(id_column_looks_like_national_ids("national id", &["1"]));
        assert!(id_column_looks_like_national_ids("ref", &["01020304050", "0102030406", ""]));
        assert!(!id_column_looks_like_national_ids("No.", &["1", "2", "3"]));
        assert!(!id_column_looks_like_national_ids("ref", &["SDN-2024-0017"]));
    }

    #[test]
    fn french_and_english_headers() {
        assert_eq!(
            roles(&[
                "Nom",
                "Prénom",
                "Nom du père",
                "Prénom de la mère",
                "Date de naissance",
                "Sexe",
                "Date d'arrestation",
                "Lieu de détention"
            ]),
            vec![
                f(Field::FamilyName),
                f(Field::GivenName),
                f(Field::FatherName),
                f(Field::MotherName),
                f(Field::BirthDate),
                f(Field::Sex),
                f(Field::EventDate),
                f(Field::Facility),
            ]
        );
        assert_eq!(
            roles(&[
                "First name",
                "Last name",
                "Father's name",
                "Mother’s name",
                "Date of Birth",
                "Gender",
                "Fate",
                "Prison"
            ]),
            vec![
                f(Field::GivenName),
                f(Field::FamilyName),
                f(Field::FatherName),
                f(Field::MotherName),
                f(Field::BirthDate),
                f(Field::Sex),
                f(Field::Status),
                f(Field::Facility),
            ]
        );
    }

    #[test]
    fn header_normalisation_strips_bom_bidi_harakat_and_separators() {
        assert_eq!(roles(&["\u{FEFF}given_name"]), vec![f(Field::GivenName)]);
        assert_eq!(roles(&["\u{200F}تاريخ الوِلادة\u{200E}"]), vec![f(Field::BirthDate)]);
        assert_eq!(roles(&["  DATE-OF-BIRTH: "]), vec![f(Field::BirthDate)]);
        assert_eq!(roles(&["Date of birth (dd/mm/yyyy)"]), vec![f(Field::BirthDate)]);
        assert_eq!(normalize_header("Given_Name"), "given name");
        let m = mapping(&["\u{FEFF} الاسم "], &[], None);
        assert_eq!(m.headers, vec!["الاسم".to_string()]);
    }

    #[test]
    fn second_column_on_a_field_is_unmapped_with_a_warning_naming_both() {
        let m = mapping(&["الكنية", "اللقب", "الاسم"], &[], None);
        assert_eq!(m.roles, vec![f(Field::FamilyName), Unmapped, f(Field::GivenName)]);
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
        assert!(m.warnings[0].starts_with("columns 'الكنية' and 'اللقب' both map to family_name"), "{}", m.warnings[0]);
        assert!(m.warnings[0].contains("maps to no field; it is kept encrypted as raw data"));
    }

    #[test]
    fn repeated_header_is_named_with_its_position() {
        let m = mapping(&["name", "name"], &[], None);
        assert_eq!(m.roles, vec![f(Field::FullName), Unmapped]);
        assert!(m.warnings[0].contains("'name' (column 1) and 'name' (column 2)"), "{}", m.warnings[0]);
    }

    #[test]
    fn unmapped_column_warning_says_it_is_kept_and_how_to_map_it() {
        let m = mapping(&["الاسم الثلاثي", "لون العينين"], &[], None);
        assert_eq!(m.roles, vec![f(Field::FullName), Unmapped]);
        assert_eq!(m.warnings, vec![
            "column 'لون العينين' maps to no field; it is kept encrypted as raw data; use --map 'لون العينين=FIELD' to map it"
                .to_string()
        ]);
    }

    #[test]
    fn unmapped_header_containing_a_synonym_gets_a_suggestion() {
        let m = mapping(&["full name", "Date of birth of the detainee"], &[], None);
        assert_eq!(m.roles[1], Unmapped);
        assert!(
            m.warnings[0].ends_with("(perhaps --map 'Date of birth of the detainee=birth_date')"),
            "{}",
            m.warnings[0]
        );
        assert_eq!(suggest_field("تاريخ الاعتقال الأول"), Some(Field::EventDate));
        assert_eq!(suggest_field("marital status"), None);
        assert_eq!(suggest_field("eye colour"), None);
        assert_eq!(suggest_field("name"), Some(Field::FullName));
        assert_eq!(suggest_field("ID"), None);
    }

    #[test]
    fn header_with_a_quote_is_quoted_for_the_shell() {
        let m = mapping(&["full name", "brother's job"], &[], None);
        assert!(m.warnings[0].contains("use --map \"brother's job=FIELD\" to map it"), "{}", m.warnings[0]);
    }

    #[test]
    fn ambiguous_id_and_date_stay_unmapped_with_a_hint() {
        let m = mapping(&["ID", "full name", "Date"], &[], None);
        assert_eq!(m.roles, vec![Unmapped, f(Field::FullName), Unmapped]);
        assert!(m.warnings[0].contains("could be a record number or an identity number"), "{}", m.warnings[0]);
        assert!(m.warnings[0].contains("--id-column 'ID'"));
        assert!(m.warnings[1].contains("--map 'Date=birth_date' or --map 'Date=event_date'"), "{}", m.warnings[1]);
        assert_eq!(roles(&["الرقم", "الاسم"])[0], Unmapped);
    }

    #[test]
    fn serial_number_columns_are_the_record_id_unless_an_id_column_is_given() {
        assert_eq!(roles(&["№", "ПІБ"])[0], Id);
        assert_eq!(roles(&["No.", "Name"])[0], Id);
        assert_eq!(roles(&["source_record_id", "Name"])[0], Id);
        let m = mapping(&["source_record_id", "case", "Name"], &[], Some("case"));
        assert_eq!(m.roles, vec![Unmapped, Id, f(Field::FullName)]);
        assert!(m.warnings[0].contains("looks like a record id, but the --id-column is 'case'"), "{}", m.warnings[0]);
        assert_eq!(m.id_column(), Some(1));
        assert_eq!(m.column_of(Field::SourceRecordId), Some(1));
        assert_eq!(m.column_of(Field::FullName), Some(2));
        assert!(!m.roles.contains(&f(Field::SourceRecordId)));
    }

    #[test]
    fn id_column_is_matched_exactly_then_normalised_and_must_exist() {
        assert_eq!(mapping(&["Case No", "name"], &[], Some("case no")).roles[0], Id);
        let e = error(&["الاسم", "الكنية"], &[], Some("رقم الملف"));
        assert_eq!(
            e.to_string(),
            "column 'رقم الملف' was not found; the file's columns are: 'الاسم', 'الكنية'; check the spelling of the \
             name given to --id-column and the quotes around it"
        );
    }

    #[test]
    fn override_wins_over_synonym_and_the_synonym_column_is_warned() {
        let m = mapping(&["الاسم", "الكنية", "اللقب"], &[("اللقب", Some(Field::FamilyName))], None);
        assert_eq!(m.roles, vec![f(Field::GivenName), Unmapped, f(Field::FamilyName)]);
        assert!(
            m.warnings[0].starts_with(
                "column 'الكنية' would be family_name by its name, but --map gave family_name to column 'اللقب'"
            ),
            "{}",
            m.warnings[0]
        );
    }

    #[test]
    fn override_maps_an_unknown_header_and_dash_ignores_a_column() {
        let m =
            mapping(&["col a", "col b", "الاسم الثلاثي"], &[("col a", Some(Field::MotherName)), ("col b", None)], None);
        assert_eq!(m.roles, vec![f(Field::MotherName), Ignored, f(Field::FullName)]);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn override_naming_a_missing_column_lists_the_columns() {
        let e = error(&["الاسم", "اسم الام"], &[("اسم الأمم", Some(Field::MotherName))], None);
        assert!(matches!(e, MappingError::ColumnNotFound { option: "--map", .. }));
        assert_eq!(
            e.to_string(),
            "column 'اسم الأمم' was not found; the file's columns are: 'الاسم', 'اسم الام'; check the spelling of the \
             name given to --map and the quotes around it"
        );
        // Normalised equality finds a column written with another alef or case.
        let m = mapping(&["الاسم", "اسم الام"], &[("اسم الأم", Some(Field::MotherName))], None);
        assert_eq!(m.roles[1], f(Field::MotherName));
    }

    #[test]
    fn two_overrides_on_one_field_or_one_column_are_errors() {
        let e = error(&["a", "b"], &[("a", Some(Field::FullName)), ("b", Some(Field::FullName))], None);
        assert_eq!(e, MappingError::FieldMappedTwice { field: Field::FullName, first: "a".into(), second: "b".into() });
        assert!(e.to_string().starts_with("--map gives full_name to both 'a' and 'b'"));
        let e = error(&["a", "b"], &[("a", Some(Field::FullName)), ("a", Some(Field::Notes))], None);
        assert_eq!(e, MappingError::ColumnMappedTwice { column: "a".into() });
    }

    #[test]
    fn id_column_conflicts_with_overrides() {
        let e = error(&["a", "b"], &[("a", Some(Field::NationalId))], Some("a"));
        assert_eq!(e, MappingError::IdColumnMapped { column: "a".into() });
        let e = error(&["a", "b"], &[("b", Some(Field::SourceRecordId))], Some("a"));
        assert_eq!(e, MappingError::TwoIdColumns { id_column: "a".into(), other: "b".into() });
        let m = mapping(&["a", "name"], &[("a", Some(Field::SourceRecordId))], None);
        assert_eq!(m.roles, vec![Id, f(Field::FullName)]);
    }

    #[test]
    fn duplicate_header_named_by_an_option_is_an_error() {
        let e = error(&["x", "x", "name"], &[("x", Some(Field::Notes))], None);
        assert_eq!(e, MappingError::DuplicateColumn { column: "x".into(), option: "--map", positions: vec![1, 2] });
    }

    #[test]
    fn file_without_a_name_column_is_warned() {
        let m = mapping(&["تاريخ الولادة"], &[], None);
        assert!(m.warnings.iter().any(|w| w.starts_with("no column holds a name")), "{:?}", m.warnings);
        assert!(!mapping(&["اسم المعتقل"], &[], None).warnings.iter().any(|w| w.starts_with("no column")));
    }

    #[test]
    fn empty_header_is_warned_by_position() {
        let m = mapping(&["name", ""], &[], None);
        assert_eq!(m.roles, vec![f(Field::FullName), Unmapped]);
        assert!(m.warnings[0].starts_with("column 2 has no header"), "{}", m.warnings[0]);
    }

    #[test]
    fn map_arg_splits_at_the_last_equals() {
        assert_eq!(parse_map_arg("اسم الأم=mother_name"), Ok(("اسم الأم".to_string(), Some(Field::MotherName))));
        assert_eq!(parse_map_arg("a=b=given_name"), Ok(("a=b".to_string(), Some(Field::GivenName))));
        assert_eq!(parse_map_arg("Notes col=-"), Ok(("Notes col".to_string(), None)));
        assert_eq!(parse_map_arg(" 'x' = Given Name "), Ok(("x".to_string(), Some(Field::GivenName))));
        assert_eq!(parse_map_arg("no equals"), Err(MappingError::NoEquals { arg: "no equals".into() }));
        assert_eq!(parse_map_arg("=full_name"), Err(MappingError::NoColumn { arg: "=full_name".into() }));
    }

    #[test]
    fn map_arg_with_an_unknown_field_lists_the_fields() {
        let e = parse_map_arg("col=foo");
        assert_eq!(e, Err(MappingError::UnknownField { name: "foo".into() }));
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.starts_with("'foo' is not a field; fields are: full_name, given_name, father_name,"), "{msg}");
        for field in Field::ALL {
            assert!(msg.contains(field.name()));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_headers_map_to_one_role_each_without_panicking(names in proptest::collection::vec("\\PC{0,12}", 0..6)) {
            if let Ok(m) = map_headers(&names, &[], None) {
                proptest::prop_assert_eq!(m.roles.len(), names.len());
                for field in Field::ALL {
                    let n = m.roles.iter().filter(|r| **r == ColumnRole::Field(*field)).count();
                    proptest::prop_assert!(n <= 1, "{} held by {} columns", field.name(), n);
                }
                proptest::prop_assert!(m.roles.iter().filter(|r| **r == Id).count() <= 1);
            }
            let _ = suggest_field(names.first().map(String::as_str).unwrap_or(""));
        }
    }

    #[test]
    fn roles_serialise_with_their_field() {
        let json = serde_json::to_string(&vec![f(Field::GivenName), Id, Ignored, Unmapped]).unwrap_or_default();
        assert_eq!(json, r#"[{"as":"field","field":"given_name"},{"as":"id"},{"as":"ignored"},{"as":"unmapped"}]"#);
    }
}
