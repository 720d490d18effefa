//! Inquiries: a family's request to find a person, kept apart from the records. The sought
//! person's details are stored like a record's derived fields (names in clear, for matching);
//! the enquirer — name, relationship, contact, consent scope — only encrypted. Leads are the
//! persons found for an open inquiry, with when they were first found, so that a caseworker
//! sees what is new since the last look. No matching here: leads come from the search.

use crate::binding::{self, close_reason_place, enquirer_place, inquiry_target};
use crate::{now, write_tx, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// The enquirer: a separate party from the sought person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enquirer {
    pub name: String,
    pub relationship: String,
    pub contact: Option<String>,
    /// What may be shared with whom.
    pub consent: String,
}

/// An inquiry as listed.
#[derive(Debug, Clone, Serialize)]
pub struct InquiryRow {
    pub reference: String,
    pub status: String,
    pub created_at: String,
    pub closed_reason: Option<String>,
    /// The sought person's fields (canonical names → values).
    pub sought: Vec<(String, String)>,
    pub leads: i64,
    pub new_leads: i64,
}

/// A lead of an inquiry.
#[derive(Debug, Clone, Serialize)]
pub struct Lead {
    /// The person who holds the lead's record now (a record not yet linked is its own person,
    /// `R<record id>`).
    pub person_id: String,
    pub probability: f64,
    pub found_at: String,
    /// Found since the caseworker last marked the leads seen.
    pub new: bool,
    /// Dismissed by a caseworker: when, by whom, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dismissed: Option<Dismissal>,
}

/// A lead a caseworker set aside.
#[derive(Debug, Clone, Serialize)]
pub struct Dismissal {
    pub at: String,
    pub by: String,
    pub note: Option<String>,
}

fn reference() -> Result<String, StoreError> {
    // Not guessable from another reference: 40 random bits in Crockford base 32.
    let mut b = [0u8; 5];
    getrandom::getrandom(&mut b).map_err(|e| StoreError::Crypto(format!("no randomness: {e}")))?;
    const A: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut n = b.iter().fold(0u64, |acc, x| (acc << 8) | *x as u64);
    let mut s = String::from("INQ-");
    for _ in 0..8 {
        s.push(A[(n & 31) as usize] as char);
        n >>= 5;
    }
    Ok(s)
}

impl Store {
    /// Records an inquiry, the enquirer encrypted, sealed in the audit chain; returns its
    /// reference.
    pub fn add_inquiry(
        &self,
        sought: &[(String, String)],
        enquirer: &Enquirer,
        actor: &str,
    ) -> Result<String, StoreError> {
        crate::check_actor(actor)?;
        let r = reference()?;
        let sought_json = serde_json::to_string(sought).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let enc = self.keys.seal_bound(
            &serde_json::to_vec(enquirer).map_err(|e| StoreError::Invalid(e.to_string()))?,
            &enquirer_place(&r),
        )?;
        write_tx(&self.conn, || {
            self.conn.execute(
                "INSERT INTO inquiries(ref, created_at, created_by, status, sought_json, enquirer_enc) \
                 VALUES(?1, ?2, ?3, 'open', ?4, ?5)",
                params![r, now(), actor, sought_json, enc],
            )?;
            self.seal_inquiry(&r, actor, "inquiry.add")
        })?;
        Ok(r)
    }

    fn seal_inquiry(&self, r: &str, actor: &str, action: &str) -> Result<(), StoreError> {
        let digest = binding::inquiry_digest(&self.conn, r)?
            .ok_or_else(|| StoreError::Invalid(format!("internal: inquiry {r} is gone")))?;
        crate::audit::append_bound(
            &self.conn,
            &self.keys,
            actor,
            action,
            Some(&inquiry_target(r)),
            None,
            None,
            Some(&digest),
        )
    }

    /// Replaces the enquirer's consent (a withdrawal, or a grant the enquirer gives later),
    /// re-encrypted in its place and sealed in the audit chain with `action`; `false` when
    /// there is no such inquiry.
    pub fn set_consent(&self, r: &str, consent: &str, actor: &str, action: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        write_tx(&self.conn, || {
            let Some((_, mut enquirer)) = self.inquiry(r)? else { return Ok(false) };
            enquirer.consent = consent.to_string();
            let enc = self.keys.seal_bound(
                &serde_json::to_vec(&enquirer).map_err(|e| StoreError::Invalid(e.to_string()))?,
                &enquirer_place(r),
            )?;
            self.conn.execute("UPDATE inquiries SET enquirer_enc = ?2 WHERE ref = ?1", params![r, enc])?;
            self.seal_inquiry(r, actor, action)?;
            Ok(true)
        })
    }

    /// Closes an open inquiry; the reason (free text, which may name people) is stored only
    /// encrypted. Sealed in the audit chain.
    pub fn close_inquiry(&self, r: &str, reason: Option<&str>, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        let enc = reason.map(|t| self.keys.seal_bound(t.as_bytes(), &close_reason_place(r))).transpose()?;
        write_tx(&self.conn, || {
            let n = self.conn.execute(
                "UPDATE inquiries SET status = 'closed', closed_at = ?2, closed_reason_enc = ?3 \
                 WHERE ref = ?1 AND status = 'open'",
                params![r, now(), enc],
            )?;
            if n == 1 {
                self.seal_inquiry(r, actor, "inquiry.close")?;
            }
            Ok(n == 1)
        })
    }

    pub fn inquiries(&self, only_open: bool) -> Result<Vec<InquiryRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT i.ref, i.status, i.created_at, i.closed_reason_enc, i.sought_json, \
             (SELECT COUNT(*) FROM (SELECT 1 FROM leads l LEFT JOIN person_records pr ON pr.record_id = l.record_id \
                WHERE l.ref = i.ref GROUP BY COALESCE(pr.person_id, 'R' || l.record_id, l.person_id))), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM leads l LEFT JOIN person_records pr ON pr.record_id = l.record_id \
                WHERE l.ref = i.ref GROUP BY COALESCE(pr.person_id, 'R' || l.record_id, l.person_id) \
                HAVING MAX(l.dismissed_at IS NOT NULL) = 0 \
                AND (i.last_viewed_at IS NULL OR MIN(l.found_at) > i.last_viewed_at))) \
             FROM inquiries i WHERE (?1 = 0 OR i.status = 'open') ORDER BY i.created_at",
        )?;
        let rows = st
            .query_map([only_open as i64], |r| {
                let sought: String = r.get(4)?;
                Ok((
                    InquiryRow {
                        reference: r.get(0)?,
                        status: r.get(1)?,
                        created_at: r.get(2)?,
                        closed_reason: None,
                        sought: serde_json::from_str(&sought).unwrap_or_default(),
                        leads: r.get(5)?,
                        new_leads: r.get(6)?,
                    },
                    r.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(mut row, reason)| {
                if let Some(sealed) = reason {
                    let plain = self.keys.open_bound(&sealed, &close_reason_place(&row.reference))?;
                    row.closed_reason = Some(String::from_utf8_lossy(&plain).into_owned());
                }
                Ok(row)
            })
            .collect()
    }

    pub fn inquiry(&self, r: &str) -> Result<Option<(InquiryRow, Enquirer)>, StoreError> {
        let Some(row) = self.inquiries(false)?.into_iter().find(|i| i.reference == r) else { return Ok(None) };
        let enc: Vec<u8> =
            self.conn.query_row("SELECT enquirer_enc FROM inquiries WHERE ref = ?1", [r], |x| x.get(0))?;
        let enquirer: Enquirer = serde_json::from_slice(&self.keys.open_bound(&enc, &enquirer_place(r))?)
            .map_err(|e| StoreError::Invalid(format!("stored enquirer is damaged: {e}")))?;
        Ok(Some((row, enquirer)))
    }

    /// Adds leads found now — `(record id, probability)`, the record the search found a person
    /// by — where the inquiry holds no lead of the same person yet (its leads are compared by
    /// the person that holds their record now); returns how many are new.
    pub fn add_leads(&self, r: &str, found: &[(i64, f64)]) -> Result<usize, StoreError> {
        let open: Option<String> =
            self.conn.query_row("SELECT status FROM inquiries WHERE ref = ?1", [r], |x| x.get(0)).optional()?;
        if open.as_deref() != Some("open") {
            return Ok(0);
        }
        let at = now();
        let mut n = 0;
        for (record, p) in found {
            let person = self.current_person(*record)?;
            // A lead of the same person (through any of its records) keeps when it was found,
            // and the better probability.
            let held: Option<i64> = {
                let mut st = self.conn.prepare_cached(
                    "SELECT l.rowid FROM leads l LEFT JOIN person_records pr ON pr.record_id = l.record_id \
                     WHERE l.ref = ?1 AND COALESCE(pr.person_id, 'R' || l.record_id) = ?2 LIMIT 1",
                )?;
                st.query_row(params![r, person], |x| x.get(0)).optional()?
            };
            match held {
                Some(rowid) => {
                    self.conn.execute(
                        "UPDATE leads SET probability = MAX(probability, ?2) WHERE rowid = ?1",
                        params![rowid, p],
                    )?;
                }
                None => {
                    n += self.conn.execute(
                        "INSERT OR IGNORE INTO leads(ref, person_id, probability, found_at, record_id) \
                         VALUES(?1, ?2, ?3, ?4, ?5)",
                        params![r, person, p, at, record],
                    )?;
                }
            }
        }
        Ok(n)
    }

    /// The person who holds a record now (`R<id>` before it is linked).
    fn current_person(&self, record: i64) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT person_id FROM person_records WHERE record_id = ?1", [record], |x| x.get(0))
            .optional()?
            .unwrap_or_else(|| format!("R{record}")))
    }

    /// The leads of an inquiry, each under the person that holds its record now (leads of one
    /// person are one lead: the best probability, the first time found), marking those found
    /// since the caseworker last marked them seen. Looking marks nothing (see
    /// [`Store::mark_leads_seen`]).
    pub fn leads(&self, r: &str) -> Result<Vec<Lead>, StoreError> {
        let last: Option<String> = self
            .conn
            .query_row("SELECT last_viewed_at FROM inquiries WHERE ref = ?1", [r], |x| x.get(0))
            .optional()?
            .flatten();
        let mut st = self.conn.prepare(
            "SELECT COALESCE(pr.person_id, 'R' || l.record_id, l.person_id), l.probability, l.found_at, \
             l.dismissed_at, l.dismissed_by, l.dismiss_note_enc, l.rowid FROM leads l \
             LEFT JOIN person_records pr ON pr.record_id = l.record_id WHERE l.ref = ?1",
        )?;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(String, f64, String, Option<String>, Option<String>, Option<Vec<u8>>, i64)> = st
            .query_map([r], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?, x.get(4)?, x.get(5)?, x.get(6)?)))?
            .collect::<Result<_, _>>()?;
        let mut by_person: Vec<Lead> = Vec::new();
        for (person, p, found_at, d_at, d_by, d_note, rowid) in rows {
            let dismissed = match (d_at, d_by) {
                (Some(at), Some(by)) => {
                    let note = d_note
                        .map(|n| {
                            let plain = self.keys.open_bound(&n, &format!("lead:{r}:{rowid}:note"))?;
                            Ok::<_, StoreError>(String::from_utf8_lossy(&plain).into_owned())
                        })
                        .transpose()?;
                    Some(Dismissal { at, by, note })
                }
                _ => None,
            };
            match by_person.iter_mut().find(|l| l.person_id == person) {
                Some(l) => {
                    l.probability = l.probability.max(p);
                    if found_at < l.found_at {
                        l.found_at = found_at;
                    }
                    if l.dismissed.is_none() {
                        l.dismissed = dismissed;
                    }
                }
                None => by_person.push(Lead { person_id: person, probability: p, found_at, new: false, dismissed }),
            }
        }
        for l in &mut by_person {
            l.new = l.dismissed.is_none() && last.as_deref().is_none_or(|v| l.found_at.as_str() > v);
        }
        by_person.sort_by(|a, b| b.probability.total_cmp(&a.probability).then(a.person_id.cmp(&b.person_id)));
        Ok(by_person)
    }

    /// Marks an inquiry's leads seen: those found before now are no longer new.
    pub fn mark_leads_seen(&self, r: &str) -> Result<bool, StoreError> {
        let n = self.conn.execute("UPDATE inquiries SET last_viewed_at = ?2 WHERE ref = ?1", params![r, now()])?;
        Ok(n == 1)
    }

    /// Dismisses the lead of `person` (the person that holds its record now), with who and why
    /// (the note encrypted); the lead stays, marked. `false` when the inquiry has no such lead.
    pub fn dismiss_lead(&self, r: &str, person: &str, note: Option<&str>, actor: &str) -> Result<bool, StoreError> {
        crate::check_actor(actor)?;
        let rows: Vec<i64> = self
            .conn
            .prepare(
                "SELECT l.rowid FROM leads l LEFT JOIN person_records pr ON pr.record_id = l.record_id \
                 WHERE l.ref = ?1 AND COALESCE(pr.person_id, 'R' || l.record_id, l.person_id) = ?2 \
                 AND l.dismissed_at IS NULL",
            )?
            .query_map(params![r, person], |x| x.get(0))?
            .collect::<Result<_, _>>()?;
        if rows.is_empty() {
            return Ok(false);
        }
        write_tx(&self.conn, || {
            let at = now();
            for rowid in &rows {
                let enc =
                    note.map(|n| self.keys.seal_bound(n.as_bytes(), &format!("lead:{r}:{rowid}:note"))).transpose()?;
                self.conn.execute(
                    "UPDATE leads SET dismissed_at = ?2, dismissed_by = ?3, dismiss_note_enc = ?4 WHERE rowid = ?1",
                    params![rowid, at, actor, enc],
                )?;
            }
            crate::audit::append(
                &self.conn,
                &self.keys,
                actor,
                "inquiry.lead.dismiss",
                Some(&inquiry_target(r)),
                Some(1),
                None,
            )
        })?;
        Ok(true)
    }
}
