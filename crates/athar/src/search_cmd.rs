//! `athar search`: a family's missing relative, by any spelling, ranked and explained — by the
//! registry library's search (a field the query lacks is neutral; the search text goes to the
//! audit chain only encrypted); this module parses and prints.

use crate::Global;
use anyhow::{bail, Context, Result};
use athar_registry::search::BatchQuery;
use athar_registry::Query;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug, Default, Clone)]
pub struct SearchArgs {
    /// The name as the family writes it, in any script (parsed into parts by the name engine).
    name: Option<String>,
    /// The given name, when given apart from NAME.
    #[arg(long)]
    given: Option<String>,
    /// The father's given name.
    #[arg(long)]
    father: Option<String>,
    /// The grandfather's given name.
    #[arg(long)]
    grandfather: Option<String>,
    /// The family name, when given apart from NAME.
    #[arg(long)]
    family: Option<String>,
    /// The mother's given name.
    #[arg(long)]
    mother: Option<String>,
    /// Birth date, as an import reads one: a year (1990, ١٩٩٠), a date (12/03/1990, day first
    /// unless --date-order mdy; 1990-03-12), a range (1989-1991) or about a year (about 1990,
    /// حوالي 1990: ±2 years). A range or "about" counts any year inside it as agreeing.
    #[arg(long)]
    born: Option<String>,
    /// How --born 03/04/1990 is read: day first (dmy, the default) or month first (mdy).
    #[arg(long, value_enum, default_value = "dmy")]
    date_order: crate::import_cmd::DateOrderArg,
    /// Birth place.
    #[arg(long)]
    place: Option<String>,
    /// Sex, in any of the import's spellings (male, f, ذكر, чоловіча …).
    #[arg(long)]
    sex: Option<String>,
    /// A place of detention (any script): records that name another facility are left out;
    /// records that name this one rank above those that name none, which are kept.
    #[arg(long)]
    facility: Option<String>,
    /// The date of the arrest or disappearance, as the family gives it (2013, 08/2013,
    /// 27/08/2013, read as --born is): evidence against the date each record gives of the
    /// arrest, the disappearance or the entry to a facility (same day, within a week, a month,
    /// a year).
    #[arg(long, value_name = "DATE")]
    arrested: Option<String>,
    /// Where the person was arrested or disappeared, as the family gives it (a town, a
    /// checkpoint; any script): evidence against the place of arrest each record gives.
    #[arg(long, value_name = "PLACE")]
    arrest_place: Option<String>,
    /// missing, detained, released, deceased or identified (any of the import's spellings):
    /// records with another known status are left out.
    #[arg(long)]
    status: Option<String>,
    /// Number of persons to show (at most 100).
    #[arg(long, default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100))]
    limit: usize,
    /// A CSV with a query per row (columns query_id, name, given, father, family, mother, born,
    /// place …): one JSON line per row, in order.
    #[arg(long, value_name = "FILE.csv")]
    batch: Option<PathBuf>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl SearchArgs {
    /// The flags as a query (checked by the registry: sex and status through the import's
    /// tables, a usable name, a plausible birth date).
    pub fn query(&self) -> Result<Query> {
        Ok(Query {
            name: self.name.clone(),
            given: self.given.clone(),
            father: self.father.clone(),
            grandfather: self.grandfather.clone(),
            family: self.family.clone(),
            mother: self.mother.clone(),
            born: self
                .born
                .as_deref()
                .map(|b| athar_registry::search::born_iso(b, self.date_order.order()))
                .transpose()?,
            place: self.place.clone(),
            sex: self.sex.clone(),
            facility: self.facility.clone(),
            status: self.status.clone(),
            arrested: self
                .arrested
                .as_deref()
                .map(|a| athar_registry::search::date_iso(a, self.date_order.order(), "--arrested"))
                .transpose()?,
            arrest_place: self.arrest_place.clone(),
        })
    }
}

pub fn search(global: &Global, args: SearchArgs) -> Result<ExitCode> {
    let registry = global.registry()?;
    if let Some(path) = &args.batch {
        let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
        let headers = rdr.headers()?.clone();
        let Some(qid) = headers.iter().position(|h| h.trim() == "query_id") else {
            bail!("{} needs a query_id column", path.display());
        };
        let mut queries = Vec::new();
        for rec in rdr.records() {
            let rec = rec?;
            // Each row's birth date read in --date-order (a row's own error is its answer).
            let mut q = crate::queries::query_from_row(&headers, &rec);
            let query = match q.born.take() {
                Some(b) => athar_registry::search::born_iso(&b, args.date_order.order()).map(|iso| {
                    q.born = Some(iso);
                    q
                }),
                None => Ok(q),
            };
            queries.push(BatchQuery { id: rec.get(qid).unwrap_or("").to_string(), query });
        }
        // Every answer is audited before any is shown: a failure to audit shows nothing.
        let answers = registry.search_batch(&global.party(), &path.display().to_string(), queries, args.limit)?;
        let mut out = std::io::stdout().lock();
        for a in answers {
            let line = match a.answer.map_err(anyhow::Error::from).and_then(|f| Ok(serde_json::to_value(f)?)) {
                Ok(mut v) => {
                    v["query_id"] = serde_json::Value::String(a.id);
                    v
                }
                Err(e) => serde_json::json!({"query_id": a.id, "results": [], "error": format!("{e:#}")}),
            };
            writeln!(out, "{line}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let found = registry.search(&global.party(), &args.query()?, args.limit)?;
    if let Some(w) = registry.model_warning()? {
        eprintln!("warning: {w}");
    }
    if args.json {
        println!("{}", serde_json::to_string(&found)?);
        return Ok(ExitCode::SUCCESS);
    }
    if found.results.is_empty() {
        println!("no person in the registry looks like this query");
    }
    for (i, m) in found.results.iter().enumerate() {
        println!(
            "{:>2}. person {}  p={:.4}  ({}){}",
            i + 1,
            m.person_id,
            m.probability,
            athar_registry::count(m.records.len(), "record", "records"),
            m.reading.map(|r| format!("  — the name read {r}")).unwrap_or_default()
        );
        // Columns that fit 100 characters; a right-to-left value kept apart on a terminal.
        let terminal = crate::output::terminal();
        for l in &m.explanation {
            let line = crate::output::ComparisonText {
                field: &l.field,
                level: &l.level,
                weight: l.weight,
                running: None,
                a: l.query.as_deref(),
                b: l.record.as_deref(),
                reason: l.reason.as_deref(),
            };
            for text in line.lines(6, terminal) {
                println!("{text}");
            }
        }
    }
    if let Some(a) = &found.ambiguous {
        fn field(f: &str) -> &str {
            match f {
                "mother_name" => "mother's name",
                "father_name" => "father's name",
                "grandfather_name" => "grandfather's name",
                "birth_date" => "birth year",
                "birth_place" => "birth place",
                "facility" => "place of detention",
                other => other,
            }
        }
        let ask = match a.separating.as_slice() {
            [] => String::new(),
            fields => format!(
                "; the {} would tell them apart: ask the family",
                fields.iter().take(2).map(|f| field(f)).collect::<Vec<_>>().join(" or the ")
            ),
        };
        let said = format!(
            "ambiguous: {}{} persons fit the fields given about as well as the best (odds within a factor of {:.0}), \
             more than are listed{ask}",
            if a.at_least { "at least " } else { "" },
            a.persons,
            2f64.powf(athar_registry::AMBIGUOUS_BITS)
        );
        println!("\n{}", crate::output::paragraph(&said, 2, 100));
    }
    Ok(ExitCode::SUCCESS)
}
