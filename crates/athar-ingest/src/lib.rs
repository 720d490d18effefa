//! # athar-ingest
//!
//! Reading the lists that reach a documentation team: CSV/TSV/XLSX/JSON/NDJSON in any
//! encoding (UTF-8 with or without BOM, UTF-16, Windows-1256, Windows-1251, KOI8-U), headers in
//! Arabic, English, French, Ukrainian or Russian mapped to canonical fields, dates written five
//! ways, status and sex values in five languages. It reads and parses; it does not store
//! (that is `athar-store`) and it never drops a row silently: a row it cannot use comes back as
//! a problem with its row number and reason.

pub mod dates;
pub mod encoding;
pub mod fields;
pub mod headers;
pub mod values;

pub use fields::Field;
mod json;
pub mod read;
pub mod record;

pub use read::{open, Format, RawRow, ReadError, ReadOptions, RowError, Table};
pub use record::{file_sha256, parse_row, ParsedRow};
