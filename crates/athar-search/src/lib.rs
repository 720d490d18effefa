//! # athar-search
//!
//! Finding a family's missing relative in the registry: a candidate [`Index`] over every
//! record's name keys (any script or spelling of a name finds the others), then the linkage
//! model's comparisons on the candidates — a field the query lacks is neutral — grouped by
//! person, ranked and explained ([`PersonMatch`]). The same call serves the command line, its
//! batch mode, inquiries that keep searching, the benchmark and the HTTP API.
//!
//! Pure: no I/O. The caller reads the store and hands the records in; reading, printing and
//! the audit trail live at the edges.
//!
//! ```
//! use athar_search::{Index, IndexEntry, Query, RecordRef};
//! use athar_link::LinkRecord;
//! let engine = athar_names::NameEngine::new();
//! let entry = |id: i64, fields: &[(&str, &str)]| IndexEntry {
//!     record: LinkRecord::from_fields(&engine, &id.to_string(), fields, None),
//!     reference: RecordRef::new(id, &format!("P{id}"), "register", None),
//!     facility: None,
//!     status: None,
//! };
//! let entries = vec![
//!     entry(1, &[("given_name", "محمد"), ("family_name", "الحلبي"), ("birth_date", "1985")]),
//!     entry(2, &[("given_name", "Ahmad"), ("family_name", "Khatib")]),
//! ];
//! let index = Index::new(athar_names::NameEngine::new(), entries, None);
//! let query = Query { name: Some("Mhd al-Halabi".into()), born: Some("1985".into()), ..Query::default() };
//! let found = index.search(&query, 10).unwrap();
//! assert_eq!(found.results[0].person_id, "P1");
//! ```

mod index;
mod mentions;
mod query;
mod registered;

pub use index::{
    Ambiguity, Explained, Index, IndexEntry, IndexError, PersonMatch, RecordRef, SearchResults, AMBIGUOUS_BITS,
    MAX_CANDIDATES, MAX_LIMIT,
};
pub use mentions::{searches_up_to, NameMention, NameMentions, MAX_NAME_WORDS, MENTION_MIN_PROBABILITY};
pub use query::{Query, QueryError};
