//! Detention sites a registry's users added to the compiled-in gazetteer, with their
//! provenance: who added each, when, from what (their words), and the file it came from with
//! its SHA-256. Each is sealed in the audit chain (`site:ID`), so that a site slipped in or
//! changed outside Athar — which would change how places are matched — is named by `audit
//! verify`. Stored as the gazetteer's own JSON: reading and checking a site is the name engine's
//! (`athar_names::Gazetteer::add_registry_site`), not the store's. Sites are only added, never
//! changed: the names a link and the search index were built with stay what they were.

use crate::binding::DataDigest;
use crate::{now, write_tx, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// A site to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSite {
    /// Its stable id (`branch_290`): the entity id `facility:branch_290`.
    pub id: String,
    /// The site as the gazetteer's JSON.
    pub site_json: String,
    /// Where the adder learnt of it, in their words (a report, a testimony, a list).
    pub source: String,
    /// The file it was imported from, and that file's SHA-256.
    pub file_name: Option<String>,
    pub file_sha256: Option<String>,
}

/// A site as stored, with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteRow {
    pub id: String,
    #[serde(skip)]
    pub site_json: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_sha256: Option<String>,
    pub added_by: String,
    pub added_at: String,
}

pub(crate) fn site_target(id: &str) -> String {
    format!("site:{id}")
}

/// A site's row as stored.
pub(crate) fn site_digest(conn: &rusqlite::Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT site_json, source, file_name, file_sha256, added_by, added_at FROM sites WHERE site_id = ?1",
            [id],
            |r| {
                let mut d = DataDigest::new("site");
                d.text(Some(id));
                for i in 0..6 {
                    d.text(r.get_ref(i)?.as_str_or_null()?);
                }
                Ok(d.finish())
            },
        )
        .optional()?)
}

/// Every site's id and digest, in id order.
pub(crate) fn site_digests(conn: &rusqlite::Connection) -> Result<Vec<(String, String)>, StoreError> {
    let ids: Vec<String> = conn
        .prepare("SELECT site_id FROM sites ORDER BY site_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(d) = site_digest(conn, &id)? {
            out.push((id, d));
        }
    }
    Ok(out)
}

impl Store {
    /// Adds sites, all or none, each sealed in the audit chain (`site.add`), when the sites are
    /// still those of `checked_at` (their [`Store::sites_version`] when they were checked
    /// against). An id the registry holds already is refused, naming it.
    pub fn add_sites(&self, actor: &str, sites: &[NewSite], checked_at: i64) -> Result<(), StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            if self.sites_version()? != checked_at {
                return Err(StoreError::Invalid(
                    "another user added sites while these were checked: nothing was added; run the command again"
                        .into(),
                ));
            }
            let at = now();
            for s in sites {
                let held: Option<String> = self
                    .conn
                    .query_row("SELECT added_by FROM sites WHERE site_id = ?1", [&s.id], |r| r.get(0))
                    .optional()?;
                if let Some(by) = held {
                    return Err(StoreError::Invalid(format!(
                        "the registry holds a site '{}' already (added by {}): sites are never replaced",
                        s.id,
                        crate::escape_control(&by)
                    )));
                }
                self.conn.execute(
                    "INSERT INTO sites(site_id, site_json, source, file_name, file_sha256, added_by, added_at) \
                     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![s.id, s.site_json, s.source, s.file_name, s.file_sha256, actor, at],
                )?;
                let digest = site_digest(&self.conn, &s.id)?
                    .ok_or_else(|| StoreError::Invalid(format!("internal: site {} is gone", s.id)))?;
                crate::audit::append_bound(
                    &self.conn,
                    &self.keys,
                    actor,
                    "site.add",
                    Some(&site_target(&s.id)),
                    None,
                    None,
                    Some(&digest),
                )?;
            }
            if !sites.is_empty() {
                self.conn.execute(
                    "INSERT INTO meta(key, value) VALUES('sites_version', '1') \
                     ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
                    [],
                )?;
            }
            Ok(())
        })
    }

    /// The sites users added, in the order they were added.
    pub fn sites(&self) -> Result<Vec<SiteRow>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT site_id, site_json, source, file_name, file_sha256, added_by, added_at FROM sites ORDER BY rowid",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(SiteRow {
                    id: r.get(0)?,
                    site_json: r.get(1)?,
                    source: r.get(2)?,
                    file_name: r.get(3)?,
                    file_sha256: r.get(4)?,
                    added_by: r.get(5)?,
                    added_at: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A counter of changes to the sites users added (0: none added): a name engine built
    /// with other sites is stale.
    pub fn sites_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'sites_version'", [], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }
}
