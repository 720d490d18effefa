//! Purges: an organisation's decision that a source, or an inquiry and its enquirer, must go —
//! one audited path (see [`athar_store::purge`]). The front door confirms first (the web asks
//! for the password again; the command line for the name typed again). Owns the use-case and
//! what the registry holds beside the store (its search index); not the removal itself.

use crate::error::Result;
use crate::{Action, Actor, Registry};
pub use athar_store::purge::PurgeReport;

impl Registry {
    /// Removes a source (by name or id) and what points at its records; the search index is
    /// built again at the next search.
    pub fn purge_source(&self, actor: &Actor, source: &str) -> Result<PurgeReport> {
        actor.require(Action::Purge)?;
        let report = self.write(|s| s.purge_source(source, &actor.name).map_err(not_found))?;
        self.forget_index();
        Ok(report)
    }

    /// Removes an inquiry, its enquirer and its leads.
    pub fn purge_inquiry(&self, actor: &Actor, reference: &str) -> Result<PurgeReport> {
        actor.require(Action::Purge)?;
        self.write(|s| s.purge_inquiry(reference.trim(), &actor.name).map_err(not_found))
    }
}

/// The store names what is not there as invalid input; to a front door it is not found.
fn not_found(e: athar_store::StoreError) -> crate::RegistryError {
    match e {
        athar_store::StoreError::Invalid(m) => crate::RegistryError::NotFound(m),
        e => e.into(),
    }
}
