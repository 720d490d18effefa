//! `athar search`: a family's missing relative, by any spelling, ranked and explained.
//!
//! A candidate index over every record's name keys (any script or spelling of a name finds the
//! others), then the linkage model's comparisons on the candidates — a field the query lacks is
//! neutral — grouped by person. Works before any `link` (each record is then its own person)
//! and without a trained model (the built-in default model). The search text is kept in the
//! audit chain only encrypted.

use crate::link_cmd::link_records;
use crate::Global;
use anyhow::{bail, Context, Result};
use athar_link::{compare, compare_cached, ComparisonKind, FsModel, LevelCache, LineKind, LinkRecord, TermFrequencies};
use athar_names::NameEngine;
use clap::Args;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug, Default, Clone)]
pub struct SearchArgs {
    /// The name as the family writes it, in any script (parsed into parts by the name engine).
    pub(crate) name: Option<String>,
    #[arg(long)]
    pub(crate) given: Option<String>,
    #[arg(long)]
    pub(crate) father: Option<String>,
    #[arg(long)]
    pub(crate) grandfather: Option<String>,
    #[arg(long)]
    pub(crate) family: Option<String>,
    /// The mother's given name.
    #[arg(long)]
    pub(crate) mother: Option<String>,
    /// Birth date: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    pub(crate) born: Option<String>,
    /// Birth place.
    #[arg(long)]
    pub(crate) place: Option<String>,
    #[arg(long)]
    pub(crate) sex: Option<String>,
    /// Number of persons to show (at most 100).
    #[arg(long, default_value_t = 10)]
    pub(crate) limit: usize,
    /// A CSV with a query per row (columns query_id, name, given, father, family, mother, born,
    /// place …): one JSON line per row, in order.
    #[arg(long, value_name = "FILE.csv")]
    pub(crate) batch: Option<PathBuf>,
    #[arg(long)]
    pub(crate) json: bool,
}

/// The index: name keys → records, built once per process.
pub(crate) struct Index {
    engine: NameEngine,
    records: Vec<LinkRecord>,
    record_ids: Vec<i64>,
    by_key: FxHashMap<u64, Vec<u32>>,
    /// Each record's keys, sorted: `keys_of[start[r]..start[r + 1]]` (whether a record holds a
    /// common key is asked of the record, not of the key's long list).
    key_start: Vec<u32>,
    keys_of: Vec<u64>,
    model: FsModel,
    tf: TermFrequencies,
    /// record id → (person id, source, source record id)
    meta: FxHashMap<i64, (String, String, Option<String>)>,
}

const NAME_FIELDS: [ComparisonKind; 6] = [
    ComparisonKind::GivenName,
    ComparisonKind::FatherName,
    ComparisonKind::GrandfatherName,
    ComparisonKind::FamilyName,
    ComparisonKind::MotherName,
    ComparisonKind::MotherFamilyName,
];

/// Keys of a record's names: every part's skeletons and table names, hashed with the group of
/// the field — the person's own names (given, father, grandfather, family, which lists put in
/// any order) or the mother's — so that a query's family name does not find every record
/// whose mother bears it.
fn record_keys(r: &LinkRecord) -> Vec<u64> {
    let mut keys = Vec::new();
    for k in NAME_FIELDS {
        let group =
            if matches!(k, ComparisonKind::MotherName | ComparisonKind::MotherFamilyName) { b'm' } else { b'p' };
        if let Some(a) = k.name_field(r) {
            keys.extend(a.keys().iter().map(|key| athar_link::blocking::key_hash(group, key)));
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The value id of every query value: no record's value has it (record ids count up from 0).
const QUERY_VALUE: u32 = u32::MAX - 1;

/// Most candidates scored for one query: the records that share the rarest keys with it. A
/// common name alone never scans everything. 200 would save a third of the scoring but lose
/// recall@10 (0.992 to 0.990 at 15k generated records, 0.901 to 0.891 at 150k): a family's
/// search needs the recall more than the millisecond.
const MAX_CANDIDATES: usize = 300;

/// The longest list of a key read in full while the pool is small; a longer one only adds to
/// the records found.
const SCAN_MAX: usize = 8 * POOL;

/// The most records a query of common names alone draws its pool from (see `candidates`).
const BIG_POOL: usize = 4 * SCAN_MAX;

/// What a birth year within one year adds to a candidate's key weight (and a farther one
/// takes away): about the rarity of one year among the decades of a registry.
const YEAR_AGREES: f32 = 3.0;

/// While fewer records than this share a key with the query, each key's records are read in
/// full; past it, a key only counts for the records already found (looked up in its sorted
/// list), so that "Mohammed" costs a lookup per candidate, not a pass over a fifth of the
/// registry.
const POOL: usize = 4 * MAX_CANDIDATES;

impl Index {
    pub(crate) fn build(store: &athar_store::Store) -> Result<Index> {
        let engine = NameEngine::new();
        let inputs = store.link_inputs()?;
        let records = link_records(&engine, &inputs);
        let keys: Vec<Vec<u64>> = records.par_iter().map(record_keys).collect();
        let mut by_key: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        let mut key_start = Vec::with_capacity(records.len() + 1);
        let mut keys_of = Vec::with_capacity(keys.iter().map(Vec::len).sum());
        // Records in order: every list is sorted by record.
        for (i, ks) in keys.into_iter().enumerate() {
            key_start.push(keys_of.len() as u32);
            for k in ks {
                by_key.entry(k).or_default().push(i as u32);
                keys_of.push(k);
            }
        }
        key_start.push(keys_of.len() as u32);
        by_key.values_mut().for_each(|l| l.shrink_to_fit());
        let model = match store.model()? {
            Some(json) => {
                FsModel::from_json(&json).context("the stored model does not parse; run athar link --full")?
            }
            None => {
                // Before any training, the prior is that of one person among the registry's
                // records: the query is one of them, or none.
                let mut m = FsModel::default_model();
                m.prior = (1.0 / (records.len().max(1) as f64 + 1.0)).clamp(1e-7, 0.5);
                m
            }
        };
        let tf = TermFrequencies::new(&records);
        let meta = store
            .person_export()?
            .into_iter()
            .map(|(p, rid, source, srid)| (rid, (p.unwrap_or_else(|| format!("R{rid}")), source, srid)))
            .collect();
        Ok(Index {
            engine,
            record_ids: inputs.iter().map(|i| i.record_id).collect(),
            records,
            by_key,
            key_start,
            keys_of,
            model,
            tf,
            meta,
        })
    }

    /// Number of records indexed.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Candidates: the records that share the rarest name keys with the query, each key
    /// weighed by how rare it is (log of registry size over its records), at most
    /// MAX_CANDIDATES. Keys are taken rarest first; see [`POOL`].
    fn candidates(&self, q: &LinkRecord) -> Vec<u32> {
        let n = self.records.len().max(1) as f32;
        let mut lists: Vec<(u64, &Vec<u32>)> =
            record_keys(q).into_iter().filter_map(|k| self.by_key.get(&k).map(|l| (k, l))).collect();
        lists.sort_by_key(|(_, l)| l.len());
        let weight = |list: &Vec<u32>| (n / list.len() as f32).ln().max(0.01);
        let mut hits: FxHashMap<u32, f32> = FxHashMap::default();
        // A pool drawn from lists of common names alone is bounded: the records born within a
        // year of the query's birth year (when both have one), at most BIG_POOL of them.
        let near = |r: &u32| match (q.birth, self.records[*r as usize].birth) {
            (Some(x), Some(y)) => (x.year - y.year).abs() <= 1,
            _ => true,
        };
        let mut rest = &lists[..];
        if let [(_, a), (_, b), ..] = lists[..] {
            if a.len() > SCAN_MAX {
                // Only common names: start from the records that hold the two rarest together.
                let (wa, wb) = (weight(a), weight(b));
                hits.extend(sorted_intersection(a, b).filter(near).take(BIG_POOL).map(|r| (r, wa + wb)));
                if !hits.is_empty() {
                    rest = &lists[2..];
                }
            }
        }
        // Rarest first, read in full while the pool is small (a common key into an empty pool:
        // its records born near the query, at most BIG_POOL); the common keys after that only
        // add to the records found, asked of each record's own keys.
        let mut late: Vec<(u64, f32)> = Vec::new();
        for (k, list) in rest {
            let w = weight(list);
            if hits.is_empty() && list.len() > SCAN_MAX {
                hits.extend(list.iter().copied().filter(near).take(BIG_POOL).map(|r| (r, w)));
            } else if late.is_empty() && (hits.is_empty() || (hits.len() < POOL && list.len() <= SCAN_MAX)) {
                for &r in list.iter() {
                    *hits.entry(r).or_default() += w;
                }
            } else {
                late.push((*k, w));
            }
        }
        // The birth year, where both have one, ranks the pool too: a namesake born ten years
        // apart is not the person looked for.
        if let Some(born) = q.birth {
            for (r, h) in hits.iter_mut() {
                if let Some(b) = self.records[*r as usize].birth {
                    *h += if (b.year - born.year).abs() <= 1 { YEAR_AGREES } else { -YEAR_AGREES };
                }
            }
        }
        let mut c: Vec<(u32, f32)> = hits.into_iter().collect();
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let keep = |c: &mut Vec<(u32, f32)>, n: usize| {
            if c.len() > n {
                c.select_nth_unstable_by(n, order);
                c.truncate(n);
            }
        };
        // The common keys decide among the best of the pool only (each adds little next to a
        // rare key or the birth year).
        if !late.is_empty() {
            keep(&mut c, POOL);
            for (r, h) in c.iter_mut() {
                let r = *r as usize;
                let own = &self.keys_of[self.key_start[r] as usize..self.key_start[r + 1] as usize];
                for (k, w) in &late {
                    if own.binary_search(k).is_ok() {
                        *h += w;
                    }
                }
            }
        }
        keep(&mut c, MAX_CANDIDATES);
        c.sort_by(order);
        c.into_iter().map(|(r, _)| r).collect()
    }
}

/// The records in both sorted lists.
fn sorted_intersection<'a>(a: &'a [u32], b: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
    let mut j = 0;
    a.iter().copied().filter(move |&r| {
        while j < b.len() && b[j] < r {
            j += 1;
        }
        j < b.len() && b[j] == r
    })
}

/// Refuses a query with no usable name or an implausible birth year.
pub(crate) fn check_query(a: &SearchArgs) -> Result<()> {
    if let Some(b) = &a.born {
        let year: i32 = b
            .split('-')
            .next()
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("--born '{b}' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD"))?;
        if !(1850..=2100).contains(&year) {
            bail!("--born {year} is not a plausible birth year (1850–2100)");
        }
    }
    let named = [&a.name, &a.given, &a.father, &a.grandfather, &a.family, &a.mother]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| athar_names::script::detect_script(v) != athar_names::Script::None));
    if !named {
        bail!("the query has no usable name; give a name (any script) or --given/--family");
    }
    Ok(())
}

/// A query as a record: free text read by roles, flags filling or overriding fields.
fn query_record(engine: &NameEngine, a: &SearchArgs) -> Result<LinkRecord> {
    check_query(a)?;
    let mut fields: Vec<(&str, &str)> = Vec::new();
    let put = |fields: &mut Vec<(&'static str, String)>, k: &'static str, v: &Option<String>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            fields.push((k, v.to_string()));
        }
    };
    let mut owned: Vec<(&'static str, String)> = Vec::new();
    put(&mut owned, "full_name", &a.name);
    put(&mut owned, "given_name", &a.given);
    put(&mut owned, "father_name", &a.father);
    put(&mut owned, "grandfather_name", &a.grandfather);
    put(&mut owned, "family_name", &a.family);
    put(&mut owned, "mother_name", &a.mother);
    put(&mut owned, "birth_date", &a.born);
    put(&mut owned, "birth_place", &a.place);
    put(&mut owned, "sex", &a.sex);
    for (k, v) in &owned {
        fields.push((k, v.as_str()));
    }
    let q = LinkRecord::from_fields(engine, "query", &fields, None);
    let has_name = NAME_FIELDS.iter().any(|k| k.name_field(&q).is_some());
    if !has_name {
        bail!("the query has no usable name; give a name (any script) or --given/--family");
    }
    Ok(q)
}

pub(crate) fn search_one(index: &Index, a: &SearchArgs) -> Result<serde_json::Value> {
    let mut q = query_record(&index.engine, a)?;
    // The query's values get ids no record holds: each candidate value is compared with the
    // query's once (per thread), however many candidates share it.
    for (slot, kind) in athar_link::record::VALUE_SLOTS.iter().enumerate() {
        q.value_ids[slot] = if kind.name_field(&q).is_some() { QUERY_VALUE } else { athar_link::record::NO_VALUE };
    }
    let limit = a.limit.clamp(1, 100);
    let candidates = index.candidates(&q);
    // Every candidate scored; only the persons shown are explained.
    // The query's term counts, looked up once.
    let q_counts: Vec<(ComparisonKind, Option<u32>)> =
        ComparisonKind::ALL.iter().map(|k| (*k, index.tf.count(*k, &q))).collect();
    let q_count = |k: ComparisonKind| q_counts.iter().find(|(x, _)| *x == k).and_then(|(_, c)| *c);
    // One query's few hundred candidates, on one thread with one cache: the query's name is
    // compared once with each distinct value (a request is the unit of parallel work).
    let mut cache = LevelCache::default();
    let scored: Vec<(u32, f64)> = candidates
        .iter()
        .map(|&c| {
            let r = &index.records[c as usize];
            let v = compare_cached(&index.engine, &q, r, &mut cache);
            (c, index.model.probability(&v, &|k| index.tf.share_given(k, q_count(k), r)))
        })
        .collect();
    // Best record per person.
    let mut by_person: FxHashMap<&str, (f64, u32, Vec<u32>)> = FxHashMap::default();
    for &(c, p) in &scored {
        let rid = index.record_ids[c as usize];
        let Some((person, _, _)) = index.meta.get(&rid) else { continue };
        let entry = by_person.entry(person.as_str()).or_insert((p, c, Vec::new()));
        entry.2.push(c);
        if p > entry.0 {
            entry.0 = p;
            entry.1 = c;
        }
    }
    let mut ranked: Vec<_> = by_person.into_iter().collect();
    // Ties (a missing field is neutral, so IVANOV Sergey and IVANOV Sergey Vladimirovich score
    // alike for "Ivanov Sergey") go to the record with fewer names the query did not give.
    let extra = |c: u32| {
        let r = &index.records[c as usize];
        NAME_FIELDS.iter().filter(|k| k.name_field(r).is_some() && k.name_field(&q).is_none()).count()
    };
    ranked.sort_by(|x, y| {
        y.1 .0
            .partial_cmp(&x.1 .0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| extra(x.1 .1).cmp(&extra(y.1 .1)))
            .then(x.0.cmp(y.0))
    });
    ranked.truncate(limit);
    let value_of = |k: ComparisonKind, r: &LinkRecord| -> Option<String> {
        match k {
            ComparisonKind::BirthDate => r.birth.map(|b| match (b.month, b.day) {
                (Some(m), Some(d)) => format!("{}-{m:02}-{d:02}", b.year),
                (Some(m), None) => format!("{}-{m:02}", b.year),
                _ => b.year.to_string(),
            }),
            ComparisonKind::Sex => r.sex.clone(),
            ComparisonKind::NationalId => None,
            _ => k.name_field(r).map(|a| a.input.clone()),
        }
    };
    let results: Vec<serde_json::Value> = ranked
        .iter()
        .map(|(person, (p, best, recs))| {
            let r = &index.records[*best as usize];
            let e = index.model.explain(&compare(&index.engine, &q, r), &|k| index.tf.share(k, &q, r));
            let records: Vec<serde_json::Value> = recs
                .iter()
                .filter_map(|c| {
                    let rid = index.record_ids[*c as usize];
                    let (_, source, srid) = index.meta.get(&rid)?;
                    Some(serde_json::json!({"record_id": rid.to_string(), "source": source, "source_record_id": srid}))
                })
                .collect();
            let explanation: Vec<serde_json::Value> = e
                .lines
                .iter()
                .filter(|l| l.kind != LineKind::Missing)
                .map(|l| {
                    serde_json::json!({
                        "field": l.comparison,
                        "query": l.field.and_then(|k| value_of(k, &q)),
                        "record": l.field.and_then(|k| value_of(k, r)),
                        "level": l.level,
                        "weight": (l.weight * 100.0).round() / 100.0,
                    })
                })
                .collect();
            serde_json::json!({"person_id": person, "probability": p, "records": records, "explanation": explanation})
        })
        .collect();
    Ok(serde_json::json!({ "results": results, "candidates": candidates.len() }))
}

/// One query from a CSV row whose columns are the search flags' names (`name`, `given`,
/// `father`, `grandfather`, `family`, `mother`, `born`, `place`, `sex`); an empty cell or a
/// missing column is "not given", other columns are ignored.
pub(crate) fn query_from_row(headers: &csv::StringRecord, rec: &csv::StringRecord, limit: usize) -> SearchArgs {
    let get = |name: &str| {
        let i = headers.iter().position(|h| h.trim() == name)?;
        rec.get(i).map(str::to_string).filter(|s| !s.trim().is_empty())
    };
    SearchArgs {
        name: get("name"),
        given: get("given"),
        father: get("father"),
        grandfather: get("grandfather"),
        family: get("family"),
        mother: get("mother"),
        born: get("born"),
        place: get("place"),
        sex: get("sex"),
        limit,
        ..SearchArgs::default()
    }
}

fn query_text(a: &SearchArgs) -> String {
    [&a.name, &a.given, &a.father, &a.grandfather, &a.family, &a.mother, &a.born, &a.place, &a.sex]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(" | ")
}

pub fn search(global: &Global, args: SearchArgs) -> Result<ExitCode> {
    if args.limit > 100 {
        bail!("--limit {} is more than 100; ask for at most 100 persons", args.limit);
    }
    let store = crate::store_cmd::open(global)?;
    let index = Index::build(&store)?;
    if let Some(path) = &args.batch {
        let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
        let headers = rdr.headers()?.clone();
        let Some(qid) = headers.iter().position(|h| h.trim() == "query_id") else {
            bail!("{} needs a query_id column", path.display());
        };
        let mut n = 0;
        for rec in rdr.records() {
            let rec = rec?;
            let q = query_from_row(&headers, &rec, args.limit);
            let id = rec.get(qid).unwrap_or("").to_string();
            let line = match search_one(&index, &q) {
                Ok(mut v) => {
                    v["query_id"] = serde_json::Value::String(id);
                    v
                }
                Err(e) => serde_json::json!({"query_id": id, "results": [], "error": format!("{e:#}")}),
            };
            println!("{line}");
            n += 1;
        }
        store.audit(&global.actor(), "search.batch", Some(&path.display().to_string()), Some(n), None)?;
        return Ok(ExitCode::SUCCESS);
    }
    let out = search_one(&index, &args)?;
    let count = out["results"].as_array().map(Vec::len).unwrap_or(0);
    store.audit(&global.actor(), "search", None, Some(count as i64), Some(&query_text(&args)))?;
    if args.json {
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    if count == 0 {
        println!("no person in the registry looks like this query");
    }
    for (i, r) in out["results"].as_array().into_iter().flatten().enumerate() {
        println!(
            "{:>2}. person {}  p={:.4}  ({} records)",
            i + 1,
            r["person_id"].as_str().unwrap_or(""),
            r["probability"].as_f64().unwrap_or(0.0),
            r["records"].as_array().map(Vec::len).unwrap_or(0)
        );
        for l in r["explanation"].as_array().into_iter().flatten() {
            println!(
                "      {:<30} {:<28} {:<28} {:<28} {:+.2}",
                l["field"].as_str().unwrap_or(""),
                l["query"].as_str().unwrap_or("—"),
                l["record"].as_str().unwrap_or("—"),
                l["level"].as_str().unwrap_or(""),
                l["weight"].as_f64().unwrap_or(0.0)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Recall@1 and recall@10 of family-style queries (`query_id,name,father,mother,born,place,
/// person_id`) against a truth (`source,source_record_id,person_id`): the share of queries
/// whose person is in the registry and comes first, or among the first ten.
pub(crate) fn recall(
    store: &athar_store::Store,
    queries: &std::path::Path,
    truth: &HashMap<String, String>,
) -> Result<(usize, f64, f64)> {
    let index = Index::build(store)?;
    let in_registry: std::collections::HashSet<&String> = truth.values().collect();
    let mut rdr = csv::Reader::from_path(queries).with_context(|| format!("cannot read {}", queries.display()))?;
    let headers = rdr.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h.trim() == n);
    let Some(pcol) = col("person_id") else {
        bail!("{} needs a person_id column (the person each query looks for)", queries.display());
    };
    let (mut n, mut top1, mut top10) = (0usize, 0usize, 0usize);
    for rec in rdr.records() {
        let rec = rec?;
        let want = rec.get(pcol).unwrap_or("").to_string();
        if !in_registry.contains(&want) {
            continue;
        }
        let q = query_from_row(&headers, &rec, 10);
        n += 1;
        let Ok(out) = search_one(&index, &q) else { continue };
        let rank = out["results"].as_array().and_then(|rs| {
            rs.iter().position(|r| {
                r["records"].as_array().into_iter().flatten().any(|x| {
                    let key = format!(
                        "{}\u{1f}{}",
                        x["source"].as_str().unwrap_or(""),
                        x["source_record_id"].as_str().unwrap_or("")
                    );
                    truth.get(&key) == Some(&want)
                })
            })
        });
        if rank == Some(0) {
            top1 += 1;
        }
        if rank.is_some() {
            top10 += 1;
        }
    }
    let r = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    Ok((n, r(top1), r(top10)))
}
