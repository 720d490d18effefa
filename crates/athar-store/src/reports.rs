//! Reports kept as sources (kind `report`: the file, its SHA-256 and provenance, as a list's)
//! and what they mention: detention sites and places by gazetteer id, registered persons by
//! the record a search found. Written with the report in one transaction
//! ([`crate::Import::add_mention`], [`crate::Import::commit_report`]); read here. Not the
//! scanning (`athar-scan`, `athar-search`).

use crate::{Store, StoreError};
use rusqlite::params;
use serde::Serialize;

/// A mention, as stored with its report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMention {
    /// Byte offset into the report's text (its file, or its visible text for HTML).
    pub offset: i64,
    /// `facility`, `place` or `person`.
    pub entity_kind: String,
    /// The gazetteer's id of a site or place (`facility:saydnaya`); none for a person.
    pub entity_id: Option<String>,
    /// The record of a registered person the search found.
    pub record_id: Option<i64>,
    pub confidence: f64,
    /// The text at the offset.
    pub text: String,
}

/// A mention as stored, with its report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportMention {
    pub source_id: i64,
    pub source: String,
    pub file_name: String,
    pub sha256: String,
    pub stored_at: String,
    #[serde(flatten)]
    pub mention: NewMention,
}

const SELECT: &str = "SELECT m.source_id, s.name, s.file_name, s.sha256, s.imported_at, m.offset, m.entity_kind, \
     m.entity_id, m.record_id, m.confidence, m.text_enc, m.n FROM report_mentions m JOIN sources s ON s.source_id = m.source_id";

impl Store {
    /// The mentions of these records (a person's) in stored reports, report by report.
    pub fn report_mentions_of_records(&self, records: &[i64]) -> Result<Vec<ReportMention>, StoreError> {
        let mut out = Vec::new();
        for chunk in records.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!("{SELECT} WHERE m.record_id IN ({marks}) ORDER BY m.source_id, m.offset");
            out.extend(self.mentions_where(&sql, rusqlite::params_from_iter(chunk.iter()))?);
        }
        out.sort_by_key(|a| (a.source_id, a.mention.offset));
        Ok(out)
    }

    /// What one stored report mentions, in text order.
    pub fn report_mentions(&self, source_id: i64) -> Result<Vec<ReportMention>, StoreError> {
        self.mentions_where(&format!("{SELECT} WHERE m.source_id = ?1 ORDER BY m.offset"), params![source_id])
    }

    /// The reports that mention a site or place (by its gazetteer id).
    pub fn report_mentions_of_entity(&self, entity_id: &str) -> Result<Vec<ReportMention>, StoreError> {
        self.mentions_where(
            &format!("{SELECT} WHERE m.entity_id = ?1 ORDER BY m.source_id, m.offset"),
            params![entity_id],
        )
    }

    fn mentions_where(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<ReportMention>, StoreError> {
        let mut st = self.conn.prepare(sql)?;
        let rows = st.query_map(p, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<i64>>(8)?,
                r.get::<_, f64>(9)?,
                r.get::<_, Vec<u8>>(10)?,
                r.get::<_, i64>(11)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                source_id,
                source,
                file_name,
                sha256,
                stored_at,
                offset,
                entity_kind,
                entity_id,
                record_id,
                confidence,
                sealed,
                n,
            ) = row?;
            let text = self.keys.open_bound(&sealed, &format!("report-mention:{source_id}:{n}"))?;
            out.push(ReportMention {
                source_id,
                source,
                file_name,
                sha256,
                stored_at,
                mention: NewMention {
                    offset,
                    entity_kind,
                    entity_id,
                    record_id,
                    confidence,
                    text: String::from_utf8_lossy(&text).into_owned(),
                },
            });
        }
        Ok(out)
    }
}
