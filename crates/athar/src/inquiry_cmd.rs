//! `athar inquiry add | list | show | close | leads`: a family's inquiry, acknowledged without
//! any result, that keeps searching: every import and link re-checks open inquiries, so a new
//! list brings its leads without anyone searching again.

use crate::search_cmd::{load_index, SearchArgs};
use crate::Global;
use anyhow::{bail, Result};
use athar_search::Query;
use athar_store::escape_control as esc;
use athar_store::{Enquirer, Store};
use clap::Subcommand;
use std::process::ExitCode;

/// Least probability of a lead.
const LEAD_MIN: f64 = 0.5;

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum InquiryCommand {
    /// Record an inquiry: the sought person and, separately, the enquirer. Prints an
    /// acknowledgement with the reference — never a search result.
    Add {
        /// The sought person's name as the family writes it.
        name: Option<String>,
        #[arg(long)]
        given: Option<String>,
        #[arg(long)]
        father: Option<String>,
        #[arg(long)]
        family: Option<String>,
        #[arg(long)]
        mother: Option<String>,
        #[arg(long)]
        born: Option<String>,
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        sex: Option<String>,
        /// The enquirer's name.
        #[arg(long)]
        enquirer: String,
        /// The enquirer's relationship to the sought person (mother, brother …).
        #[arg(long)]
        relationship: String,
        /// How to reach the enquirer (stored only encrypted).
        #[arg(long)]
        contact: Option<String>,
        /// What may be shared with whom (e.g. "ICRC yes, authorities no").
        #[arg(long)]
        consent: String,
        #[arg(long)]
        json: bool,
    },
    /// Open inquiries (with --all, closed ones too), with their counts of leads.
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One inquiry: the sought person, the enquirer, the consent.
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Close an inquiry: it gets no new leads.
    Close {
        reference: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Leads of open inquiries (or of one), marking those new since the last look.
    Leads {
        reference: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Re-checks every open inquiry against the registry; returns how many new leads were found.
pub fn recheck(store: &Store) -> Result<usize> {
    if store.inquiries(true)?.is_empty() {
        return Ok(0);
    }
    recheck_with(store, &load_index(store)?)
}

/// Re-checks every open inquiry against the records `ids` only, names weighed by the
/// registry's `counts`: after a link that only added these records to persons, a person can
/// match an inquiry better only through them.
/// With `counted` false, `counts` do not hold the records yet (an import before any link of
/// them) and they are added.
pub fn recheck_records(store: &Store, ids: &[i64], counts: &athar_link::TermCounts, counted: bool) -> Result<usize> {
    if ids.is_empty() || store.inquiries(true)?.is_empty() {
        return Ok(0);
    }
    let inputs: Vec<_> = store.link_inputs_of(ids)?.into_iter().map(|(input, _)| input).collect();
    let refs = store.person_export_of(ids)?;
    let index = crate::search_cmd::index_of(store, inputs, refs, Some((counts.clone(), counted)))?;
    recheck_with(store, &index)
}

/// Re-checks open inquiries after an import: against the new records only (those after
/// `last_before`) where the last link kept the registry's name counts, else against the whole
/// registry.
pub fn recheck_after_import(store: &Store, last_before: i64) -> Result<usize> {
    if store.inquiries(true)?.is_empty() {
        return Ok(0);
    }
    match crate::link_state::kept_term_counts_for_search(store)? {
        Some(counts) => {
            let ids: Vec<i64> = store.link_inputs_after(last_before)?.iter().map(|i| i.record_id).collect();
            recheck_records(store, &ids, &counts, false)
        }
        None => recheck(store),
    }
}

fn recheck_with(store: &Store, index: &athar_search::Index) -> Result<usize> {
    let open = store.inquiries(true)?;
    let mut new = 0;
    for inq in &open {
        let Ok(out) = index.search(&Query::from_fields(&inq.sought), 10) else { continue };
        let found: Vec<(String, f64)> = out
            .results
            .into_iter()
            .filter(|m| m.probability >= LEAD_MIN)
            .map(|m| (m.person_id, m.probability))
            .collect();
        new += store.add_leads(&inq.reference, &found)?;
    }
    Ok(new)
}

pub fn run(global: &Global, cmd: InquiryCommand) -> Result<ExitCode> {
    let store = crate::store_cmd::open(global)?;
    let actor = global.actor();
    match cmd {
        InquiryCommand::Add {
            name,
            given,
            father,
            family,
            mother,
            born,
            place,
            sex,
            enquirer,
            relationship,
            contact,
            consent,
            json,
        } => {
            // The same checks as a search (a usable name, a plausible birth date, a known sex);
            // the sought person is kept with the search's canonical values.
            let args = SearchArgs { name, given, father, family, mother, born, place, sex, ..SearchArgs::default() };
            let sought: Vec<(String, String)> =
                args.query()?.fields().into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            if enquirer.trim().is_empty() || relationship.trim().is_empty() || consent.trim().is_empty() {
                bail!("--enquirer, --relationship and --consent must not be empty");
            }
            let e = Enquirer { name: enquirer, relationship, contact, consent };
            let reference = store.add_inquiry(&sought, &e, &actor)?;
            // Leads are looked for now, and shown only to a caseworker (athar inquiry leads).
            recheck(&store)?;
            if json {
                println!("{}", serde_json::json!({"reference": reference, "status": "open"}));
            } else {
                println!(
                    "Inquiry {reference} is recorded. A caseworker will contact the family; nothing about any person is \
                     told here."
                );
            }
        }
        InquiryCommand::List { all, json } => {
            let list = store.inquiries(!all)?;
            store.audit(&actor, "inquiry.list", None, Some(list.len() as i64), None)?;
            if json {
                println!("{}", serde_json::json!({ "inquiries": list }));
            } else if list.is_empty() {
                println!("no inquiries");
            } else {
                for i in &list {
                    let who: Vec<&str> =
                        i.sought.iter().filter(|(k, _)| k.ends_with("name")).map(|(_, v)| v.as_str()).collect();
                    println!(
                        "{}  {:<6} {}  {} leads ({} new)  {}",
                        i.reference,
                        i.status,
                        i.created_at,
                        i.leads,
                        i.new_leads,
                        esc(&who.join(" / "))
                    );
                }
            }
        }
        InquiryCommand::Show { reference, json } => {
            let Some((row, enquirer)) = store.inquiry(&reference)? else {
                bail!("no inquiry {reference}; see athar inquiry list");
            };
            store.audit(&actor, "inquiry.show", Some(&reference), None, None)?;
            if json {
                println!("{}", serde_json::json!({"inquiry": row, "enquirer": enquirer}));
            } else {
                println!("{} ({}) since {}", row.reference, row.status, row.created_at);
                for (k, v) in &row.sought {
                    println!("  {k:<14} {}", esc(v));
                }
                println!(
                    "  enquirer: {} ({}), contact {}; consent: {}",
                    esc(&enquirer.name),
                    esc(&enquirer.relationship),
                    esc(enquirer.contact.as_deref().unwrap_or("—")),
                    esc(&enquirer.consent)
                );
            }
        }
        InquiryCommand::Close { reference, reason } => {
            if !store.close_inquiry(&reference, reason.as_deref(), &actor)? {
                bail!("no open inquiry {reference}");
            }
            println!("inquiry {reference} closed; it gets no new leads");
        }
        InquiryCommand::Leads { reference, json } => {
            let refs: Vec<String> = match reference {
                Some(r) => {
                    if store.inquiry(&r)?.is_none() {
                        bail!("no inquiry {r}");
                    }
                    vec![r]
                }
                None => store.inquiries(true)?.into_iter().map(|i| i.reference).collect(),
            };
            let mut out = Vec::new();
            for r in &refs {
                let leads = store.leads(r)?;
                store.audit(&actor, "inquiry.leads", Some(r), Some(leads.len() as i64), None)?;
                out.push(serde_json::json!({"reference": r, "leads": leads}));
            }
            if json {
                println!("{}", serde_json::json!({ "inquiries": out }));
            } else {
                for o in &out {
                    println!("{}", o["reference"].as_str().unwrap_or(""));
                    for l in o["leads"].as_array().into_iter().flatten() {
                        println!(
                            "  {}person {}  p={:.3}  found {}",
                            if l["new"] == true { "NEW " } else { "    " },
                            l["person_id"].as_str().unwrap_or(""),
                            l["probability"].as_f64().unwrap_or(0.0),
                            l["found_at"].as_str().unwrap_or("")
                        );
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
