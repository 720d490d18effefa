//! Who acts, and what each role may do: the need-to-know rules of the registry, enforced here
//! for every call, whatever the front door (the command line acts as a local administrator
//! who is also investigator and caseworker; the web application signs its users in with one
//! role each). Owns the roles and the table of what each may do; not users or sign-in.

use serde::Serialize;

/// A role, on a need-to-know basis (`../shared/DESIGN.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Users and the audit trail; no record content, no quarantined rows.
    Admin,
    /// Full records: imports, exports, quarantine, linking, the model.
    Investigator,
    /// Inquiries, search, review and judgements.
    Caseworker,
    /// Aggregate counts only.
    Viewer,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Investigator => "investigator",
            Role::Caseworker => "caseworker",
            Role::Viewer => "viewer",
        }
    }

    pub fn from_name(s: &str) -> Option<Role> {
        [Role::Admin, Role::Investigator, Role::Caseworker, Role::Viewer].into_iter().find(|r| r.name() == s)
    }
}

/// What a call does, as the roles table knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Counts of sources, records, statuses.
    SeeCounts,
    /// The list of sources (names, files, hashes, counts): no record content.
    SeeSources,
    /// A record's raw row and fields; a person's records; the review queue; explanations.
    ReadRecords,
    /// The rows set aside at import, decrypted.
    ReadQuarantine,
    /// Importing a list (and previewing its mapping).
    Import,
    /// Linking records into persons; reindexing.
    Link,
    /// Judgements, withdrawals, splits.
    Judge,
    /// Searching for a person.
    Search,
    /// Inquiries: add, list, show, close, leads.
    Inquiries,
    /// Writing every record out.
    Export,
    /// The linkage model: show, export, import.
    Model,
    /// Detention sites added to the gazetteer (they change how places match).
    Sites,
    /// The audit chain: verify, anchor; backups and restores.
    Audit,
    /// Users of the web application: add, list, disable, reset.
    Users,
    /// Removing a source, or an inquiry and its enquirer, for good (a purge).
    Purge,
    /// Records flagged sensitive (a minor, an informant, sexual violence): seeing them, and
    /// setting or clearing the flags.
    Sensitive,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::SeeCounts => "see counts",
            Action::SeeSources => "see the list of sources",
            Action::ReadRecords => "read records",
            Action::ReadQuarantine => "read quarantined rows",
            Action::Import => "import lists",
            Action::Link => "link records into persons",
            Action::Judge => "judge pairs of records",
            Action::Search => "search",
            Action::Inquiries => "handle inquiries",
            Action::Export => "export records",
            Action::Model => "handle the linkage model",
            Action::Sites => "add detention sites",
            Action::Audit => "handle the audit chain and backups",
            Action::Users => "handle users",
            Action::Sensitive => "see or flag sensitive records",
            Action::Purge => "purge sources and inquiries",
        }
    }
}

/// Whether `role` may do `action`: the table ARCHITECTURE.md shows.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Admin => matches!(action, SeeCounts | SeeSources | Audit | Users),
        Role::Investigator => {
            matches!(
                action,
                SeeCounts
                    | SeeSources
                    | ReadRecords
                    | ReadQuarantine
                    | Import
                    | Link
                    | Judge
                    | Search
                    | Export
                    | Model
                    | Sites
                    | Sensitive
                    | Purge
            )
        }
        Role::Caseworker => matches!(action, SeeCounts | SeeSources | ReadRecords | Judge | Search | Inquiries),
        Role::Viewer => matches!(action, SeeCounts),
    }
}

/// The acting party of a call: a name for the audit trail, and the roles it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub name: String,
    pub roles: Vec<Role>,
    /// What an API token limits its user to (`None`: all that the roles allow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Action>>,
}

impl Actor {
    pub fn new(name: impl Into<String>, roles: &[Role]) -> Actor {
        Actor { name: name.into(), roles: roles.to_vec(), scopes: None }
    }

    /// The command line's party: an administrator of the registry on their own machine, who is
    /// also its investigator and caseworker.
    pub fn local(name: impl Into<String>) -> Actor {
        Actor::new(name, &[Role::Admin, Role::Investigator, Role::Caseworker])
    }

    pub fn may(&self, action: Action) -> bool {
        self.roles.iter().any(|r| allows(*r, action)) && self.scopes.as_ref().is_none_or(|s| s.contains(&action))
    }

    /// `Ok` when one of the actor's roles allows `action`.
    pub fn require(&self, action: Action) -> Result<(), crate::RegistryError> {
        if self.may(action) {
            return Ok(());
        }
        Err(crate::RegistryError::Forbidden {
            actor: self.name.clone(),
            roles: self.roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", "),
            action: action.name(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_does_only_what_it_needs() {
        let viewer = Actor::new("v", &[Role::Viewer]);
        assert!(viewer.may(Action::SeeCounts));
        assert!(!viewer.may(Action::Search) && !viewer.may(Action::ReadRecords));
        let admin = Actor::new("a", &[Role::Admin]);
        assert!(admin.may(Action::Audit) && admin.may(Action::Users));
        assert!(!Actor::new("i", &[Role::Investigator]).may(Action::Users));
        assert!(!admin.may(Action::ReadRecords) && !admin.may(Action::ReadQuarantine) && !admin.may(Action::Search));
        let caseworker = Actor::new("c", &[Role::Caseworker]);
        assert!(caseworker.may(Action::Inquiries) && caseworker.may(Action::Judge));
        assert!(!caseworker.may(Action::Import) && !caseworker.may(Action::Export));
        assert!(!caseworker.may(Action::Sensitive) && Actor::new("i", &[Role::Investigator]).may(Action::Sensitive));
        let e = caseworker.require(Action::Export).expect_err("no export");
        assert!(e.to_string().contains("export records"), "{e}");
        assert!(Actor::local("me").may(Action::Export) && Actor::local("me").may(Action::Audit));
    }
}
