//! Queries read from a CSV file (`search --batch`, `eval --queries`, `bench search`): one per
//! row, its columns named as the search flags (`name`, `given`, `father`, `grandfather`,
//! `family`, `mother`, `born`, `place`, `sex`, `facility`, `status`, `arrested`,
//! `arrest_place`); an empty cell or a missing column is "not given", other columns are ignored.

use athar_registry::Query;

/// The query of one row.
pub fn query_from_row(headers: &csv::StringRecord, rec: &csv::StringRecord) -> Query {
    Query::from_named(|name| {
        let i = headers.iter().position(|h| h.trim() == name)?;
        rec.get(i).map(str::to_string)
    })
}
