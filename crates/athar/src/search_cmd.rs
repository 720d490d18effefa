//! `athar search`: a family's missing relative, by any spelling, ranked and explained.
//!
//! A candidate index over every record's name keys (any script or spelling of a name finds the
//! others), then the linkage model's comparisons on the candidates — a field the query lacks is
//! neutral — grouped by person. Works before any `link` (each record is then its own person)
//! and without a trained model (the built-in default model). The search text is kept in the
//! audit chain only encrypted.

use crate::link_cmd::analysed_records;
use crate::Global;
use anyhow::{bail, Context, Result};
use athar_link::FsModel;
use athar_names::NameEngine;
use athar_search::{Index, IndexEntry, Query, RecordRef};
use athar_store::escape_control as esc;
use clap::Args;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::io::Write;
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
    /// Sex, in any of the import's spellings (male, f, ذكر, чоловіча …).
    #[arg(long)]
    pub(crate) sex: Option<String>,
    /// A place of detention (any script): records that name another facility are left out;
    /// records that name none are kept.
    #[arg(long)]
    pub(crate) facility: Option<String>,
    /// missing, detained, released, deceased or identified (any of the import's spellings):
    /// records with another known status are left out.
    #[arg(long)]
    pub(crate) status: Option<String>,
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

impl SearchArgs {
    /// The flags as a library query: sex and status read through the import's value tables (a
    /// value they do not know is refused, not silently compared).
    pub(crate) fn query(&self) -> Result<Query> {
        use athar_ingest::values::{parse_sex, parse_status, Sex, Status};
        let sex = known(&self.sex, parse_sex, |s| (s != Sex::Unknown).then(|| s.name()), "sex", "male or female")?;
        let status = known(
            &self.status,
            parse_status,
            |s| (s != Status::Unknown).then(|| s.name()),
            "status",
            "missing, detained, released, deceased or identified",
        )?;
        let query = Query {
            name: self.name.clone(),
            given: self.given.clone(),
            father: self.father.clone(),
            grandfather: self.grandfather.clone(),
            family: self.family.clone(),
            mother: self.mother.clone(),
            born: self.born.clone(),
            place: self.place.clone(),
            sex,
            facility: self.facility.clone(),
            status,
        };
        query.check()?;
        Ok(query)
    }
}

/// A flag's value read through one of the import's value tables: its canonical name, `None`
/// when not given or given as unknown, an error naming the known values when the table does
/// not know it.
fn known<T>(
    raw: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
    name: impl Fn(T) -> Option<&'static str>,
    what: &str,
    values: &str,
) -> Result<Option<String>> {
    let Some(raw) = raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    match parse(raw) {
        Some(v) => Ok(name(v).map(str::to_string)),
        None => bail!("{what} '{raw}' is not known; use {values} (or leave it out)"),
    }
}

/// The search index over the store's records, with their persons (a record not yet linked is
/// its own person, `R<record id>`) and the stored model (the built-in default before any
/// link).
pub(crate) fn load_index(store: &athar_store::Store) -> Result<Index> {
    let inputs = store.link_inputs()?;
    let refs = store.person_export()?;
    index_of(store, inputs, refs, None)
}

/// An index over some records only (`inputs`, with their `refs` as the persons export gives
/// them), names weighed by `counts` when given (`true`: they already count these records;
/// `false`: the records are added to them).
pub(crate) fn index_of(
    store: &athar_store::Store,
    inputs: Vec<athar_store::LinkInput>,
    refs: Vec<athar_store::ExportRow>,
    counts: Option<(athar_link::TermCounts, bool)>,
) -> Result<Index> {
    let engine = NameEngine::new();
    let records = analysed_records(&engine, &inputs);
    let counts = counts.map(|(mut c, counted)| {
        if !counted {
            c.add(&athar_link::TermCounts::of(&records));
        }
        c
    });
    let model = match store.model()? {
        Some(json) => {
            Some(FsModel::from_json(&json).context("the stored model does not parse; run athar link --full")?)
        }
        None => None,
    };
    // Each source's name held once.
    let mut sources: FxHashMap<String, std::sync::Arc<str>> = FxHashMap::default();
    let mut refs: FxHashMap<i64, RecordRef> = refs
        .into_iter()
        .map(|(p, rid, source, srid)| {
            let source = sources.entry(source).or_insert_with_key(|s| s.as_str().into()).clone();
            let person = p.unwrap_or_else(|| format!("R{rid}"));
            (rid, RecordRef::new(rid, &person, source, srid.as_deref()))
        })
        .collect();
    let field = |i: &athar_store::LinkInput, k: &str| i.fields.iter().find(|(f, _)| *f == k).map(|(_, v)| v.clone());
    let entries = records
        .into_iter()
        .zip(&inputs)
        .filter_map(|(record, input)| {
            Some(IndexEntry {
                record,
                reference: refs.remove(&input.record_id)?,
                facility: field(input, "facility"),
                status: field(input, "status"),
            })
        })
        .collect();
    Ok(Index::with_counts(engine, entries, model, counts))
}

/// One query from a CSV row whose columns are the search flags' names (`name`, `given`,
/// `father`, `grandfather`, `family`, `mother`, `born`, `place`, `sex`, `facility`, `status`);
/// an empty cell or a
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
        facility: get("facility"),
        status: get("status"),
        limit,
        ..SearchArgs::default()
    }
}

pub fn search(global: &Global, args: SearchArgs) -> Result<ExitCode> {
    if args.limit > 100 {
        bail!("--limit {} is more than 100; ask for at most 100 persons", args.limit);
    }
    let store = crate::store_cmd::open(global)?;
    let index = load_index(&store)?;
    if let Some(path) = &args.batch {
        let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
        let headers = rdr.headers()?.clone();
        let Some(qid) = headers.iter().position(|h| h.trim() == "query_id") else {
            bail!("{} needs a query_id column", path.display());
        };
        // Every answer is audited before any is shown: a failure to audit shows nothing.
        let mut lines = Vec::new();
        for rec in rdr.records() {
            let rec = rec?;
            let q = query_from_row(&headers, &rec, args.limit);
            let id = rec.get(qid).unwrap_or("").to_string();
            let found = q.query().and_then(|query| Ok(index.search(&query, q.limit)?));
            let line = match found.and_then(|f| Ok(serde_json::to_value(f)?)) {
                Ok(mut v) => {
                    v["query_id"] = serde_json::Value::String(id);
                    v
                }
                Err(e) => serde_json::json!({"query_id": id, "results": [], "error": format!("{e:#}")}),
            };
            lines.push(line.to_string());
        }
        store.audit(
            &global.actor(),
            "search.batch",
            Some(&path.display().to_string()),
            Some(lines.len() as i64),
            None,
        )?;
        let mut out = std::io::stdout().lock();
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let query = args.query()?;
    let found = index.search(&query, args.limit)?;
    store.audit(&global.actor(), "search", None, Some(found.results.len() as i64), Some(&query.text()))?;
    if args.json {
        println!("{}", serde_json::to_string(&found)?);
        return Ok(ExitCode::SUCCESS);
    }
    if found.results.is_empty() {
        println!("no person in the registry looks like this query");
    }
    for (i, m) in found.results.iter().enumerate() {
        println!("{:>2}. person {}  p={:.4}  ({} records)", i + 1, m.person_id, m.probability, m.records.len());
        for l in &m.explanation {
            println!(
                "      {:<30} {:<28} {:<28} {:<28} {:+.2}",
                l.field,
                esc(l.query.as_deref().unwrap_or("—")),
                esc(l.record.as_deref().unwrap_or("—")),
                esc(&l.level),
                l.weight
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
    let index = load_index(store)?;
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
        let Ok(found) = q.query().and_then(|query| Ok(index.search(&query, 10)?)) else { continue };
        let rank = found.results.iter().position(|m| {
            m.records.iter().any(|x| {
                let key = format!("{}\u{1f}{}", x.source, x.source_record_id.as_deref().unwrap_or(""));
                truth.get(&key) == Some(&want)
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
