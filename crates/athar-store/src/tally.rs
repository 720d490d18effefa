//! Counts of records grouped by one field (status, facility, year of the event, source): what
//! the dashboard draws. Plain counts, read with SQL's GROUP BY; which of them may be shown (none
//! under 10) is the registry's rule, not this module's.

use crate::{Store, StoreError};

/// A field records are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyBy {
    Status,
    Facility,
    /// The year of the event date (arrest, disappearance), from its first four digits.
    EventYear,
    Source,
}

/// How many sources, records and rows set aside the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub sources: i64,
    pub records: i64,
    pub quarantined: i64,
}

impl Store {
    pub fn totals(&self) -> Result<Totals, StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM records), (SELECT COUNT(*) FROM quarantine)",
            [],
            |r| Ok(Totals { sources: r.get(0)?, records: r.get(1)?, quarantined: r.get(2)? }),
        )?)
    }

    /// How many records hold each value of `by` (`None`: the field is empty), largest first.
    pub fn tally(&self, by: TallyBy) -> Result<Vec<(Option<String>, i64)>, StoreError> {
        let sql = match by {
            TallyBy::Status => "SELECT NULLIF(TRIM(status), ''), COUNT(*) FROM records GROUP BY 1",
            TallyBy::Facility => "SELECT NULLIF(TRIM(facility), ''), COUNT(*) FROM records GROUP BY 1",
            TallyBy::EventYear => {
                "SELECT CASE WHEN SUBSTR(event_date, 1, 4) GLOB '[0-9][0-9][0-9][0-9]' THEN SUBSTR(event_date, 1, 4) \
                 END, COUNT(*) FROM records GROUP BY 1"
            }
            TallyBy::Source => {
                "SELECT s.name, COUNT(r.record_id) FROM sources s LEFT JOIN records r ON r.source_id = s.source_id \
                 GROUP BY s.source_id"
            }
        };
        let mut st = self.conn.prepare(sql)?;
        let mut rows: Vec<(Option<String>, i64)> =
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(rows)
    }

    /// How many persons the records are, as search answers them: the persons of the last link,
    /// and each record not yet linked (or that matched nobody) as one.
    pub fn person_count(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(DISTINCT person_id) FROM person_records) + (SELECT COUNT(*) FROM records r WHERE \
             NOT EXISTS (SELECT 1 FROM person_records p WHERE p.record_id = r.record_id))",
            [],
            |r| r.get(0),
        )?)
    }
}
