//! Sensitivity flags on records, as stored: which records concern a minor, an informant or
//! sexual violence. Set (and cleared) by investigators; each change sealed in the audit chain,
//! so that a flag removed outside Athar — which would show a record to roles that must not see
//! it — is named by `audit verify`. Which roles a flag hides a record from is the registry's.

use crate::binding::DataDigest;
use crate::{now, write_tx, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

/// The flags a record may carry.
pub const FLAGS: &[&str] = &["minor", "informant", "sexual-violence"];

/// The audit target of a record's flags.
pub(crate) fn flags_target(record_id: i64) -> String {
    format!("flags:record:{record_id}")
}

/// A record's flags row as stored.
pub(crate) fn flags_digest(conn: &Connection, record_id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT flags, set_at, set_by FROM record_flags WHERE record_id = ?1", [record_id], |r| {
            let mut d = DataDigest::new("flags");
            d.int(Some(record_id));
            for i in 0..3 {
                d.text(r.get_ref(i)?.as_str_or_null()?);
            }
            Ok(d.finish())
        })
        .optional()?)
}

/// Every flags row with its digest: what `audit verify` compares with the chain.
pub(crate) fn all_flag_digests(conn: &Connection) -> Result<Vec<(i64, String)>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare("SELECT record_id FROM record_flags ORDER BY record_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(d) = flags_digest(conn, id)? {
            out.push((id, d));
        }
    }
    Ok(out)
}

impl Store {
    /// Sets a record's flags (an empty list clears them), sealed in the audit chain with the
    /// actor. Refuses a flag it does not know and a record that does not exist.
    pub fn set_record_flags(&self, record_id: i64, flags: &[String], actor: &str) -> Result<(), StoreError> {
        crate::check_actor(actor)?;
        if let Some(f) = flags.iter().find(|f| !FLAGS.contains(&f.as_str())) {
            return Err(StoreError::Invalid(format!(
                "'{}' is not a sensitivity flag; the flags are {}",
                crate::escape_control(f),
                FLAGS.join(", ")
            )));
        }
        let mut sorted: Vec<&str> = FLAGS.iter().copied().filter(|f| flags.iter().any(|g| g == f)).collect();
        sorted.dedup();
        let text = sorted.join(",");
        write_tx(&self.conn, || {
            let exists: Option<i64> = self
                .conn
                .query_row("SELECT 1 FROM records WHERE record_id = ?1", [record_id], |r| r.get(0))
                .optional()?;
            if exists.is_none() {
                return Err(StoreError::Invalid(format!("there is no record {record_id}")));
            }
            self.conn.execute(
                "INSERT INTO record_flags(record_id, flags, set_at, set_by) VALUES(?1, ?2, ?3, ?4) \
                 ON CONFLICT(record_id) DO UPDATE SET flags = excluded.flags, set_at = excluded.set_at, \
                 set_by = excluded.set_by",
                params![record_id, text, now(), actor],
            )?;
            let digest = flags_digest(&self.conn, record_id)?
                .ok_or_else(|| StoreError::Invalid(format!("internal: flags of record {record_id} are gone")))?;
            crate::audit::append_bound(
                &self.conn,
                &self.keys,
                actor,
                if text.is_empty() { "flags.clear" } else { "flags.set" },
                Some(&flags_target(record_id)),
                Some(sorted.len() as i64),
                Some(&text),
                Some(&digest),
            )
        })
    }

    /// The flags of every flagged record (records whose flags were cleared left out).
    pub fn flagged_records(&self) -> Result<BTreeMap<i64, Vec<String>>, StoreError> {
        let mut st = self.conn.prepare("SELECT record_id, flags FROM record_flags WHERE flags != ''")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (id, flags) = row?;
            out.insert(id, flags.split(',').map(str::to_string).collect());
        }
        Ok(out)
    }

    /// The persons (ids as search answers them: a record that matched nobody is `R<id>`) that
    /// hold a flagged record.
    pub fn persons_with_flags(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT COALESCE(p.person_id, 'R' || f.record_id) FROM record_flags f \
             LEFT JOIN person_records p ON p.record_id = f.record_id WHERE f.flags != ''",
        )?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
