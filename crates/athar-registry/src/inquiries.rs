//! Inquiries: a family's request, acknowledged with a reference and never with a search
//! result, that keeps searching — every import and link through the registry re-checks the
//! open inquiries, so a new list brings its leads without anyone searching again. The
//! enquirer is a separate party, stored only encrypted. Owns the inquiry use-cases and the
//! re-check; matching is the search's.

use crate::error::Result;
use crate::search::{checked_query, index_of};
use crate::{Action, Actor, Registry, RegistryError};
use athar_search::{Index, Query};
use athar_store::{Enquirer, InquiryRow, Lead, Store};
use serde::Serialize;

/// Persons found for each inquiry: reference → the record each was found by, and the
/// probability.
type Found = Vec<(String, Vec<(i64, f64)>)>;

/// Least probability of a lead.
pub const LEAD_MIN: f64 = 0.5;

/// A new inquiry: the sought person (as a search query) and the enquirer.
#[derive(Debug, Clone)]
pub struct NewInquiry {
    pub sought: Query,
    pub enquirer: Enquirer,
}

/// One inquiry with its enquirer.
#[derive(Debug, Clone, Serialize)]
pub struct InquiryDetail {
    pub inquiry: InquiryRow,
    pub enquirer: Enquirer,
}

impl Registry {
    /// Records an inquiry; returns its reference (the acknowledgement: no result, ever). The
    /// sought person is checked as a search query is, and kept with its canonical values.
    pub fn add_inquiry(&self, actor: &Actor, new: NewInquiry) -> Result<String> {
        actor.require(Action::Inquiries)?;
        let sought: Vec<(String, String)> =
            checked_query(new.sought)?.fields().into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut e = new.enquirer;
        if e.name.trim().is_empty() || e.relationship.trim().is_empty() || e.consent.trim().is_empty() {
            return Err(RegistryError::Invalid("--enquirer, --relationship and --consent must not be empty".into()));
        }
        // Kept as structured clauses, read back exactly: never wider than given.
        e.consent = crate::consent::Consent::parse(&e.consent)?.text();
        let e = &e;
        let reference = self.write(|s| Ok(s.add_inquiry(&sought, e, &actor.name)?))?;
        // Leads are looked for now, for this inquiry, and shown only to a caseworker.
        let found = self.with_index(|index| Ok(leads_for(index, &reference, &sought)))?;
        self.add_found(vec![found])?;
        Ok(reference)
    }

    /// Open inquiries (with `all`, closed ones too), with their counts of leads.
    pub fn inquiries(&self, actor: &Actor, all: bool) -> Result<Vec<InquiryRow>> {
        actor.require(Action::Inquiries)?;
        let list = self.read(|s| Ok(s.inquiries(!all)?))?;
        self.audit(actor, "inquiry.list", None, Some(list.len() as i64), None)?;
        Ok(list)
    }

    /// One inquiry: the sought person, the enquirer, the consent.
    pub fn inquiry(&self, actor: &Actor, reference: &str) -> Result<InquiryDetail> {
        actor.require(Action::Inquiries)?;
        let (inquiry, enquirer) = self
            .read(|s| Ok(s.inquiry(reference)?))?
            .ok_or_else(|| RegistryError::NotFound(format!("no inquiry {reference}; see athar inquiry list")))?;
        self.audit(actor, "inquiry.show", Some(reference), None, None)?;
        Ok(InquiryDetail { inquiry, enquirer })
    }

    /// Closes an open inquiry: it gets no new leads. The reason is stored only encrypted.
    pub fn close_inquiry(&self, actor: &Actor, reference: &str, reason: Option<&str>) -> Result<()> {
        actor.require(Action::Inquiries)?;
        if !self.write(|s| Ok(s.close_inquiry(reference, reason, &actor.name)?))? {
            return Err(RegistryError::NotFound(format!("no open inquiry {reference}")));
        }
        Ok(())
    }

    /// The leads of one inquiry, or of every open one, marking those found since the last look.
    pub fn leads(&self, actor: &Actor, reference: Option<&str>) -> Result<Vec<(String, Vec<Lead>)>> {
        actor.require(Action::Inquiries)?;
        let refs: Vec<String> = match reference {
            Some(r) => {
                if self.read(|s| Ok(s.inquiry(r)?))?.is_none() {
                    return Err(RegistryError::NotFound(format!("no inquiry {r}")));
                }
                vec![r.to_string()]
            }
            None => self.read(|s| Ok(s.inquiries(true)?))?.into_iter().map(|i| i.reference).collect(),
        };
        let mut out = Vec::new();
        for r in refs {
            let leads = self.read(|s| Ok(s.leads(&r)?))?;
            self.audit(actor, "inquiry.leads", Some(&r), Some(leads.len() as i64), None)?;
            out.push((r, leads));
        }
        Ok(out)
    }

    /// Marks an inquiry's leads seen (looking at them does not): those found until now are no
    /// longer new.
    pub fn mark_leads_seen(&self, actor: &Actor, reference: &str) -> Result<()> {
        actor.require(Action::Inquiries)?;
        if !self.write(|s| Ok(s.mark_leads_seen(reference)?))? {
            return Err(RegistryError::NotFound(format!("no inquiry {reference}")));
        }
        self.audit(actor, "inquiry.leads.seen", Some(reference), None, None)
    }

    /// Dismisses an inquiry's lead of `person`, with a note (kept encrypted): it stays, marked,
    /// and is no longer new.
    pub fn dismiss_lead(&self, actor: &Actor, reference: &str, person: &str, note: Option<&str>) -> Result<()> {
        actor.require(Action::Inquiries)?;
        if !self.write(|s| Ok(s.dismiss_lead(reference, person, note, &actor.name)?))? {
            return Err(RegistryError::NotFound(format!(
                "inquiry {reference} has no lead of person {person} still open; see athar inquiry leads {reference}"
            )));
        }
        Ok(())
    }

    /// Re-checks open inquiries after an import whose records start at `first_new`: against
    /// the live index when it is held; else against the new records only where the last link
    /// kept the registry's name counts (no index over a million records is built for a thousand
    /// new ones), else against the whole registry. Returns how many new leads were found.
    pub(crate) fn after_import(&self, first_new: i64) -> Result<usize> {
        if self.read(|s| Ok(s.inquiries(true)?.is_empty()))? {
            return Ok(0);
        }
        // With the live index held (a server), it already has the new records: ask it.
        if self.index_held() {
            return self.recheck();
        }
        let names = self.names()?;
        let counts = self.read(|s| crate::link::kept::kept_term_counts_for_search(s, names.engine()))?;
        match counts {
            Some(counts) => {
                let ids: Vec<i64> =
                    self.read(|s| Ok(s.link_inputs_after(first_new - 1)?.iter().map(|i| i.record_id).collect()))?;
                self.recheck_records(&ids, &counts, false)
            }
            None => self.recheck(),
        }
    }

    /// Re-checks every open inquiry against the whole registry.
    pub(crate) fn recheck(&self) -> Result<usize> {
        if self.read(|s| Ok(s.inquiries(true)?.is_empty()))? {
            return Ok(0);
        }
        let found = self.with_index(|index| self.read(|s| leads_of(s, index)))?;
        self.add_found(found)
    }

    /// Re-checks every open inquiry against the records `ids` only, names weighed by the
    /// registry's `counts`: after a link or an import that only added these records, a person
    /// can match an inquiry better only through them. With `counted` false, `counts` do not
    /// hold the records yet and they are added.
    pub(crate) fn recheck_records(&self, ids: &[i64], counts: &athar_link::TermCounts, counted: bool) -> Result<usize> {
        if ids.is_empty() || self.read(|s| Ok(s.inquiries(true)?.is_empty()))? {
            return Ok(0);
        }
        let names = self.names()?;
        let found = self.read(|s| {
            let inputs: Vec<_> = s.link_inputs_of(ids)?.into_iter().map(|(input, _)| input).collect();
            let refs = s.person_export_of(ids)?;
            let index = index_of(s, names.engine(), inputs, refs, Some((counts.clone(), counted)))?;
            leads_of(s, &index)
        })?;
        self.add_found(found)
    }

    fn add_found(&self, found: Found) -> Result<usize> {
        self.write(|s| {
            let mut new = 0;
            for (r, leads) in &found {
                new += s.add_leads(r, leads)?;
            }
            Ok(new)
        })
    }
}

/// Each open inquiry's persons found in `index` at [`LEAD_MIN`] or more.
fn leads_of(store: &Store, index: &Index) -> Result<Found> {
    let open = store.inquiries(true)?;
    Ok(open.iter().map(|inq| leads_for(index, &inq.reference, &inq.sought)).collect())
}

/// One inquiry's persons found in `index` at [`LEAD_MIN`] or more.
fn leads_for(index: &Index, reference: &str, sought: &[(String, String)]) -> (String, Vec<(i64, f64)>) {
    let found = match index.search(&Query::from_fields(sought), 10) {
        Ok(out) => out
            .results
            .into_iter()
            .filter(|m| m.probability >= LEAD_MIN)
            .filter_map(|m| Some((m.records.first()?.record_id, m.probability)))
            .collect(),
        Err(_) => Vec::new(),
    };
    (reference.to_string(), found)
}
