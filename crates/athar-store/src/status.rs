//! Status changes a caseworker records for a person (released, deceased, identified …), each
//! with its evidence — a source of the registry, a note (kept encrypted), or both — and each
//! sealed in the audit chain. An event is tied to a record of the person, so it follows that
//! record into whichever person holds it after the next link, as leads do. The records'
//! own statuses (as their lists state them) are the records'; this module stores the events.

use crate::binding::DataDigest;
use crate::{now, write_tx, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A status change as stored.
#[derive(Debug, Clone, Serialize)]
pub struct StatusEvent {
    pub event_id: i64,
    pub record_id: i64,
    pub status: String,
    /// When the change happened, as the evidence says (YYYY, YYYY-MM or YYYY-MM-DD).
    pub event_date: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub at: String,
}

pub(crate) fn status_target(id: i64) -> String {
    format!("status:{id}")
}

fn note_place(id: i64) -> String {
    format!("status:{id}:note")
}

pub(crate) fn status_digest(conn: &rusqlite::Connection, id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT record_id, status, event_date, source_id, note_enc, actor, at FROM status_events \
             WHERE event_id = ?1",
            [id],
            |r| {
                let mut d = DataDigest::new("status");
                d.int(Some(id)).int(Some(r.get(0)?));
                d.text(r.get_ref(1)?.as_str_or_null()?).text(r.get_ref(2)?.as_str_or_null()?);
                d.int(r.get(3)?);
                d.bytes(r.get_ref(4)?.as_blob_or_null()?);
                d.text(r.get_ref(5)?.as_str_or_null()?).text(r.get_ref(6)?.as_str_or_null()?);
                Ok(d.finish())
            },
        )
        .optional()?)
}

impl Store {
    /// Records a status change for the person holding `record_id`; evidence is a source id, a
    /// note, or both (the caller checks that one is given). Sealed.
    pub fn add_status_event(
        &self,
        record_id: i64,
        status: &str,
        event_date: Option<&str>,
        source_id: Option<i64>,
        note: Option<&str>,
        actor: &str,
    ) -> Result<i64, StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            self.conn.execute(
                "INSERT INTO status_events(record_id, status, event_date, source_id, actor, at) \
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                params![record_id, status, event_date, source_id, actor, now()],
            )?;
            let id = self.conn.last_insert_rowid();
            if let Some(n) = note {
                let sealed = self.keys.seal_bound(n.as_bytes(), &note_place(id))?;
                self.conn.execute("UPDATE status_events SET note_enc = ?2 WHERE event_id = ?1", params![id, sealed])?;
            }
            let digest = status_digest(&self.conn, id)?
                .ok_or_else(|| StoreError::Invalid(format!("internal: status event {id} is gone")))?;
            crate::audit::append_bound(
                &self.conn,
                &self.keys,
                actor,
                "status.add",
                Some(&status_target(id)),
                None,
                None,
                Some(&digest),
            )?;
            Ok(id)
        })
    }

    /// The status events of these records, oldest first, notes opened.
    pub fn status_events(&self, records: &[i64]) -> Result<Vec<StatusEvent>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT e.event_id, e.record_id, e.status, e.event_date, s.name, e.note_enc, e.actor, e.at \
             FROM status_events e LEFT JOIN sources s ON s.source_id = e.source_id WHERE e.record_id = ?1",
        )?;
        let mut out = Vec::new();
        for r in records {
            let rows = st.query_map([r], |x| {
                Ok((
                    x.get::<_, i64>(0)?,
                    x.get::<_, i64>(1)?,
                    x.get::<_, String>(2)?,
                    x.get::<_, Option<String>>(3)?,
                    x.get::<_, Option<String>>(4)?,
                    x.get::<_, Option<Vec<u8>>>(5)?,
                    x.get::<_, String>(6)?,
                    x.get::<_, String>(7)?,
                ))
            })?;
            for row in rows {
                let (event_id, record_id, status, event_date, source, note_enc, actor, at) = row?;
                let note = note_enc
                    .map(|n| {
                        let plain = self.keys.open_bound(&n, &note_place(event_id))?;
                        Ok::<_, StoreError>(String::from_utf8_lossy(&plain).into_owned())
                    })
                    .transpose()?;
                out.push(StatusEvent { event_id, record_id, status, event_date, source, note, actor, at });
            }
        }
        out.sort_by_key(|e| e.event_id);
        Ok(out)
    }
}

/// Every status event's id with its digest: what `audit verify` compares with the chain.
pub(crate) fn status_digests(conn: &rusqlite::Connection) -> Result<Vec<(i64, String)>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare("SELECT event_id FROM status_events ORDER BY event_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(d) = status_digest(conn, id)? {
            out.push((id, d));
        }
    }
    Ok(out)
}
