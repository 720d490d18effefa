//! Sensitive records: flags an investigator sets on a record (a minor, an informant, sexual
//! violence), and what they hide. A flagged record is withheld from every role that may not
//! see sensitive records — its fields, its raw row, the pairs it is in, the explanations that
//! read it — and a search says how many of its answers were withheld rather than leave them
//! out in silence (a family's search must not read "not found" when the person is listed but
//! sensitive: the caseworker asks an investigator). Owns these rules; the flags are stored and
//! sealed by the store.

use crate::error::Result;
use crate::{Action, Actor, Registry, RegistryError};
use std::collections::{BTreeMap, HashSet};

pub use athar_store::flags::FLAGS;

/// What an actor may not see: nothing for those who may see sensitive records.
#[derive(Debug, Default)]
pub(crate) struct Withheld {
    pub records: HashSet<i64>,
    pub persons: HashSet<String>,
}

impl Withheld {
    pub(crate) fn record(&self, id: i64) -> bool {
        self.records.contains(&id)
    }

    pub(crate) fn person(&self, id: &str) -> bool {
        self.persons.contains(id)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl Registry {
    /// Sets the sensitivity flags of `record` (an id or `SOURCE:SOURCE_RECORD_ID`); none clears
    /// them. Audited, with the flags.
    pub fn set_flags(&self, actor: &Actor, record: &str, flags: &[String]) -> Result<i64> {
        actor.require(Action::Sensitive)?;
        let id = self.write(|s| {
            let id = s.record_id(record)?.ok_or_else(|| {
                RegistryError::NotFound(format!("no record '{record}'; give a record id, SOURCE:SOURCE_RECORD_ID, or SOURCE:ROW for a list without ids"))
            })?;
            s.set_record_flags(id, flags, &actor.name)?;
            Ok(id)
        })?;
        Ok(id)
    }

    /// Sets the flags of `record` (an id) as one of `person`'s records: a form or a request
    /// about one person cannot flag another person's record.
    pub fn set_person_flags(&self, actor: &Actor, person: &str, record: &str, flags: &[String]) -> Result<i64> {
        actor.require(Action::Sensitive)?;
        let ids = self.read(|s| self.person_record_ids(s, person))?;
        if !record.trim().parse::<i64>().is_ok_and(|r| ids.contains(&r)) {
            return Err(RegistryError::NotFound(format!(
                "person {person} has no record '{}'; nothing changed",
                athar_store::escape_control(record)
            )));
        }
        self.set_flags(actor, record.trim(), flags)
    }

    /// Every flagged record and its flags.
    pub fn flagged(&self, actor: &Actor) -> Result<BTreeMap<i64, Vec<String>>> {
        actor.require(Action::Sensitive)?;
        let out = self.read(|s| Ok(s.flagged_records()?))?;
        self.audit(actor, "flags.list", None, Some(out.len() as i64), None)?;
        Ok(out)
    }

    /// What `actor` may not see.
    pub(crate) fn withheld(&self, actor: &Actor) -> Result<Withheld> {
        if actor.may(Action::Sensitive) {
            return Ok(Withheld::default());
        }
        self.read(|s| {
            let records: HashSet<i64> = s.flagged_records()?.into_keys().collect();
            if records.is_empty() {
                return Ok(Withheld::default());
            }
            Ok(Withheld { records, persons: s.persons_with_flags()? })
        })
    }

    /// Refuses a record `actor` may not see, in words that say why.
    pub(crate) fn check_visible(&self, withheld: &Withheld, id: i64) -> Result<()> {
        if withheld.record(id) {
            return Err(RegistryError::Withheld(format!(
                "record {id} is marked sensitive: only an investigator can see it; ask one"
            )));
        }
        Ok(())
    }
}
