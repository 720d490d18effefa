//! A record's derived fields from its raw row, as its source was imported: the rules of each
//! source (its column mapping and date rules, stored with it), applied by `reindex` to store
//! them again and by `audit verify --deep` to compare them with what is stored. Owns reading a
//! source's stored mapping back; the row rules themselves are `athar-ingest`'s.

use crate::{RegistryError, Result};
use athar_ingest::dates::{DateOrder, DateRules, MIN_YEAR};
use athar_ingest::headers::{map_headers, HeaderMapping};
use athar_ingest::ParsedRow;
use athar_store::{Store, StoredRecord};
use std::collections::HashMap;

/// The mapping and date rules of every source of a registry.
pub struct SourceRules(HashMap<i64, (HeaderMapping, DateRules)>);

impl SourceRules {
    pub fn of(store: &Store) -> Result<SourceRules> {
        let mut rules = HashMap::new();
        for (sid, text) in store.source_mappings()? {
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| RegistryError::Invalid(format!("source {sid}: its stored mapping is damaged ({e})")))?;
            let headers: Vec<String> = serde_json::from_value(v["headers"].clone()).unwrap_or_default();
            let overrides: Vec<(String, Option<athar_ingest::Field>)> = v["overrides"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|o| {
                            let col = o.get(0)?.as_str()?.to_string();
                            let field = o.get(1).and_then(|f| f.as_str()).and_then(athar_ingest::Field::from_name);
                            Some((col, field))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let id_column = v["id_column"].as_str();
            let order = if v["date_order"] == "mdy" { DateOrder::Mdy } else { DateOrder::Dmy };
            let mapping = map_headers(&headers, &overrides, id_column)
                .map_err(|e| RegistryError::Invalid(format!("source {sid}: its mapping no longer applies ({e})")))?;
            let earliest_year = v["earliest_year"].as_i64().and_then(|y| i32::try_from(y).ok()).unwrap_or(MIN_YEAR);
            rules.insert(sid, (mapping, DateRules { order, earliest_year }));
        }
        Ok(SourceRules(rules))
    }

    /// The record's fields derived again; `None` for a record of a source with no rules.
    pub fn derive(&self, rec: &StoredRecord) -> Option<Result<ParsedRow, String>> {
        let (mapping, dates) = self.0.get(&rec.source_id)?;
        Some(athar_ingest::parse_row(mapping, &rec.raw, rec.row.max(0) as u64, *dates))
    }
}

/// Derives every record's fields again and compares them with those stored (and its national
/// id hash and fingerprint); the first record that differs, in words. A record that today's
/// rules would set aside is not compared (its fields stay as imported). A record an older Athar
/// derived (its rules knew fewer fields: the next link derives it again), which `stale` counts,
/// is compared on the fields both versions derive alike, its national id hash (as that version
/// made it), and its fingerprint, and must hold none of the fields that version did not derive:
/// a field changed in the file is found whatever the version says.
pub fn check_derived(store: &Store, stale: &mut i64) -> Result<Option<String>> {
    // An older record is checked against what the first version derived: a third version must
    // say here what the second derived, or its records would be called tampered.
    const _: () = assert!(athar_store::DERIVED_VERSION == 2, "say what each older version derived");
    let rules = SourceRules::of(store)?;
    let mut after = 0;
    loop {
        let batch = store.stored_records(after, 10_000)?;
        let Some(last) = batch.last() else { break };
        after = last.record_id;
        for rec in &batch {
            let older = rec.derived_version < athar_store::DERIVED_VERSION;
            *stale += i64::from(older);
            let Some(Ok(p)) = rules.derive(rec) else { continue };
            let compared = |k: &str| {
                if older {
                    // `place` is derived otherwise since: the place of arrest has a field of its own.
                    athar_store::CLEAR_FIELDS[..athar_store::CLEAR_FIELDS_OF_VERSION_1].contains(&k) && k != "place"
                } else {
                    athar_store::CLEAR_FIELDS.contains(&k)
                }
            };
            let mut want: Vec<(&str, &str)> =
                p.fields.iter().filter(|(k, _)| compared(k)).map(|(k, v)| (*k, v.as_str())).collect();
            want.sort_unstable();
            let mut have: Vec<(&str, &str)> =
                rec.fields.iter().filter(|(k, _)| compared(k)).map(|(k, v)| (*k, v.as_str())).collect();
            have.sort_unstable();
            let keys = store.keys();
            let nid = p.national_id.as_deref().map(|v| keys.identifier_hash(v));
            // The first version hashed the national id as written (trimmed), Arabic-Indic digits
            // and all: the stored hash is that of the cell the id comes from.
            let nid_as_written = || {
                rec.raw.iter().map(|c| c.trim()).any(|c| {
                    let folded: String = c.chars().map(athar_names::normalize::fold_digit).collect();
                    nid.as_deref() == Some(keys.identifier_hash(&folded).as_str())
                        && rec.national_id_hash.as_deref() == Some(keys.identifier_hash(c).as_str())
                })
            };
            // Fields an older version never derived are empty in its records.
            let not_of_its_version = rec
                .fields
                .iter()
                .map(|(k, _)| *k)
                .find(|k| older && athar_store::CLEAR_FIELDS[athar_store::CLEAR_FIELDS_OF_VERSION_1..].contains(k));
            let what = if let Some(k) = not_of_its_version {
                Some(format!("its {k}, a field the version it is marked with did not derive"))
            } else if older && rec.registry_number_hash.is_some() {
                Some("its registry number hash, which the version it is marked with did not derive".to_string())
            } else if want != have {
                let differs = want
                    .iter()
                    .find(|w| !have.contains(w))
                    .or_else(|| have.iter().find(|h| !want.contains(h)))
                    .map(|(k, _)| *k)
                    .unwrap_or("a field");
                Some(format!("its {differs}"))
            } else if nid != rec.national_id_hash && !(older && nid_as_written()) {
                Some("its national id hash".to_string())
            } else if p.registry_number.as_deref().map(|v| store.keys().identifier_hash(v)) != rec.registry_number_hash
                && !older
            {
                Some("its registry number hash".to_string())
            } else if p.fingerprint != rec.fingerprint {
                Some("its fingerprint".to_string())
            } else {
                None
            };
            if let Some(what) = what {
                return Ok(Some(format!(
                    "record {} (source {}, row {}): {what} is not what its raw row gives — changed outside Athar, or \
                     derived by another version (run athar reindex after an upgrade, then verify again)",
                    rec.record_id, rec.source_id, rec.row
                )));
            }
        }
    }
    Ok(None)
}
