//! # athar-link
//!
//! Which records, across all sources, are the same person: comparisons with levels over the
//! name engine, a Fellegi–Sunter model (u from random pairs, m by EM, term-frequency adjusted)
//! and an explanation of every score. Pure: no I/O — records in, scores out.
//!
//! ```
//! use athar_link::{comparison::compare, model::FsModel, record::LinkRecord};
//! let engine = athar_names::NameEngine::new();
//! let a = LinkRecord::from_fields(&engine, "a", &[("given_name", "Mhd"), ("family_name", "Halabi")], None);
//! let b = LinkRecord::from_fields(&engine, "b", &[("given_name", "محمد"), ("family_name", "الحلبي")], None);
//! let v = compare(&engine, &a, &b);
//! let p = FsModel::default_model().probability(&v, &|_| None);
//! assert!(p > 0.0 && p < 1.0);
//! ```

pub mod blocking;
pub mod cluster;
pub mod comparison;
pub mod frequency;
pub mod model;
pub mod record;

pub use blocking::{
    candidate_pairs, candidate_pairs_where, candidates_against, default_rules, encode_entries, name_order, record_tags,
    BlockKeys, BlockingRule, Candidates, KeyEntry, PairDraw, RuleReport, DEFAULT_MAX_BLOCK, ENTRY,
};
pub use cluster::{
    cluster, cluster_with_persons, one_per_two_persons, review_order, ClusterOptions, Clustering, Judgement, ScoredPair,
};
pub use comparison::{
    annotate, annotate_as_read, compare, compare_cached, compare_cached_as_read, compare_straight, gives,
    ComparisonKind, ComparisonVector, LevelCache,
};
pub use frequency::{TermCounts, TermFrequencies};
pub use model::{Explanation, FsModel, LineKind, ModelError};
pub use record::{intern_values, AnalysisCache, BirthDate, LinkRecord, ValueInterner};
