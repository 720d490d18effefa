//! What can go wrong in a use-case, said so that a user knows what to do. The engines' and
//! the store's errors pass through as they are; the registry's own say what was wrong with
//! the request and what to try.

use athar_ingest::headers::MappingError;
use athar_ingest::ReadError;
use athar_search::QueryError;
use athar_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Query(#[from] QueryError),
    /// A request that cannot be done as given; the message says why and what to do.
    #[error("{0}")]
    Invalid(String),
    /// Something named that is not there (a record, a person, an inquiry).
    #[error("{0}")]
    NotFound(String),
    /// The actor's roles do not allow the call.
    #[error("{actor} ({roles}) may not {action}")]
    Forbidden { actor: String, roles: String, action: &'static str },
    /// A record marked sensitive, asked for by a role that may not see it.
    #[error("{0}")]
    Withheld(String),
    /// A sign-in refused: whether the name, the password or the code was wrong is not said.
    #[error("the name, the password or the code is not right")]
    SignInFailed,
    /// Another writer changed what this call read; nothing was saved.
    #[error("{0}")]
    Conflict(String),
    #[error("{path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
}

impl RegistryError {
    /// Whether another process held the database past the wait ("database is locked").
    pub fn is_locked(&self) -> bool {
        matches!(self, RegistryError::Store(s) if s.is_locked())
    }
}

pub type Result<T, E = RegistryError> = std::result::Result<T, E>;

/// `Err(RegistryError::Invalid)` with a formatted message.
macro_rules! invalid {
    ($($t:tt)*) => { return Err($crate::RegistryError::Invalid(format!($($t)*))) };
}
pub(crate) use invalid;
