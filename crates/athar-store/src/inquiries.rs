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
    pub person_id: String,
    pub probability: f64,
    pub found_at: String,
    /// Found since the caseworker last looked.
    pub new: bool,
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
             (SELECT COUNT(*) FROM leads l WHERE l.ref = i.ref), \
             (SELECT COUNT(*) FROM leads l WHERE l.ref = i.ref AND (i.last_viewed_at IS NULL OR l.found_at > i.last_viewed_at)) \
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

    /// Adds leads found now (persons not already leads of this inquiry); returns how many are new.
    pub fn add_leads(&self, r: &str, found: &[(String, f64)]) -> Result<usize, StoreError> {
        let open: Option<String> =
            self.conn.query_row("SELECT status FROM inquiries WHERE ref = ?1", [r], |x| x.get(0)).optional()?;
        if open.as_deref() != Some("open") {
            return Ok(0);
        }
        let at = now();
        let mut n = 0;
        for (person, p) in found {
            // A person already a lead keeps when it was found (and the better probability); only
            // a person found for the first time counts as new.
            let updated = self.conn.execute(
                "UPDATE leads SET probability = MAX(probability, ?3) WHERE ref = ?1 AND person_id = ?2",
                params![r, person, p],
            )?;
            if updated == 0 {
                n += self.conn.execute(
                    "INSERT INTO leads(ref, person_id, probability, found_at) VALUES(?1, ?2, ?3, ?4)",
                    params![r, person, p, at],
                )?;
            }
        }
        Ok(n)
    }

    /// The leads of an inquiry, marking those found since the last look; records this look.
    pub fn leads(&self, r: &str) -> Result<Vec<Lead>, StoreError> {
        let last: Option<String> = self
            .conn
            .query_row("SELECT last_viewed_at FROM inquiries WHERE ref = ?1", [r], |x| x.get(0))
            .optional()?
            .flatten();
        let mut st = self
            .conn
            .prepare("SELECT person_id, probability, found_at FROM leads WHERE ref = ?1 ORDER BY probability DESC")?;
        let leads = st
            .query_map([r], |x| {
                let found_at: String = x.get(2)?;
                Ok(Lead {
                    person_id: x.get(0)?,
                    probability: x.get(1)?,
                    new: last.as_deref().is_none_or(|l| found_at.as_str() > l),
                    found_at,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        self.conn.execute("UPDATE inquiries SET last_viewed_at = ?2 WHERE ref = ?1", params![r, now()])?;
        Ok(leads)
    }
}
