//! `athar inquiry add | list | show | close | leads`: a family's inquiry, acknowledged without
//! any result, that keeps searching (every import and link re-checks open inquiries) — as the
//! registry library does it; this module parses and prints.

use crate::Global;
use anyhow::Result;
use athar_registry::escape_control as esc;
use athar_registry::Enquirer;
use athar_registry::NewInquiry;
use athar_registry::Query;
use clap::Subcommand;
use std::process::ExitCode;

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum InquiryCommand {
    /// Record an inquiry: the sought person and, separately, the enquirer. Prints an
    /// acknowledgement with the reference — never a search result.
    Add {
        /// The sought person's name as the family writes it.
        name: Option<String>,
        /// The sought person's given name, when given apart from NAME.
        #[arg(long)]
        given: Option<String>,
        /// The father's given name.
        #[arg(long)]
        father: Option<String>,
        /// The family name, when given apart from NAME.
        #[arg(long)]
        family: Option<String>,
        /// The mother's given name (the strongest field to tell namesakes apart).
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
        /// Birth place or home town, in any script.
        #[arg(long)]
        place: Option<String>,
        /// Sex, in any of the import's spellings (male, f, ذكر, чоловіча …).
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
        /// What may be shared with whom: one clause per kind of recipient (family, icrc,
        /// commission, authorities) naming the categories of data (existence, status,
        /// whereabouts, contact), e.g. "family: status, whereabouts; icrc: existence". A
        /// recipient not named receives nothing.
        #[arg(long)]
        consent: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Open inquiries (with --all, closed ones too), with their counts of leads.
    List {
        /// Closed and withdrawn inquiries too.
        #[arg(long)]
        all: bool,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One inquiry: the sought person, the enquirer, the consent.
    Show {
        /// The inquiry's reference (INQ-…), as `inquiry list` shows it.
        reference: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Close an inquiry: it gets no new leads.
    Close {
        /// The inquiry's reference (INQ-…).
        reference: String,
        /// Why it is closed (found, the family withdrew …), kept with the inquiry.
        #[arg(long)]
        reason: Option<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Leads of open inquiries (or of one), each under the person that holds its record now;
    /// those found since the leads were last marked seen are NEW. Looking marks nothing.
    Leads {
        /// One inquiry's reference (INQ-…); all open inquiries without it.
        reference: Option<String>,
        /// After showing them, mark the leads seen (they are then no longer new).
        #[arg(long)]
        seen: bool,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Withdraw the enquirer's consent for a kind of recipient (family, icrc, commission,
    /// authorities): the categories named (existence, status, whereabouts, contact), or all.
    /// Withdrawing existence withdraws everything for that recipient. Audited.
    Withdraw {
        /// The inquiry's reference (INQ-…).
        reference: String,
        /// The kind of recipient who may no longer receive anything: family, icrc, commission or authorities.
        recipient: String,
        /// The categories withdrawn; none: all of them.
        categories: Vec<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Set a lead aside, with why: it stays, marked dismissed, and is no longer new.
    Dismiss {
        /// The inquiry's reference (INQ-…).
        reference: String,
        /// The person of the lead, as `inquiry leads` shows it.
        person: String,
        /// Why (stored only encrypted).
        #[arg(long)]
        note: Option<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(global: &Global, cmd: InquiryCommand) -> Result<ExitCode> {
    let registry = global.registry()?;
    let party = global.party();
    match cmd {
        InquiryCommand::Add {
            name,
            given,
            father,
            family,
            mother,
            born,
            date_order,
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
            let born = born.as_deref().map(|b| athar_registry::search::born_iso(b, date_order.order())).transpose()?;
            let sought = Query { name, given, father, family, mother, born, place, sex, ..Query::default() };
            let e = Enquirer { name: enquirer, relationship, contact, consent };
            let reference = registry.add_inquiry(&party, NewInquiry { sought, enquirer: e })?;
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
            let list = registry.inquiries(&party, all)?;
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
            let detail = registry.inquiry(&party, &reference)?;
            let (row, enquirer) = (detail.inquiry, detail.enquirer);
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
        InquiryCommand::Close { reference, reason, json } => {
            registry.close_inquiry(&party, &reference, reason.as_deref())?;
            if json {
                println!("{}", serde_json::json!({"reference": reference, "status": "closed"}));
            } else {
                println!("inquiry {reference} closed; it gets no new leads");
            }
        }
        InquiryCommand::Withdraw { reference, recipient, categories, json } => {
            let now = registry.withdraw_consent(&party, &reference, &recipient, &categories)?;
            if json {
                println!("{}", serde_json::json!({"reference": reference, "consent": now.text()}));
            } else {
                println!("inquiry {reference}: consent now {}", now.text());
            }
        }
        InquiryCommand::Dismiss { reference, person, note, json } => {
            registry.dismiss_lead(&party, &reference, &person, note.as_deref())?;
            if json {
                println!("{}", serde_json::json!({"reference": reference, "person_id": person, "dismissed": true}));
            } else {
                println!("lead {person} of inquiry {reference} dismissed; it stays, marked");
            }
        }
        InquiryCommand::Leads { reference, seen, json } => {
            let found = registry.leads(&party, reference.as_deref())?;
            let any_new = found.iter().any(|(_, leads)| leads.iter().any(|l| l.new));
            if seen {
                for (r, _) in &found {
                    registry.mark_leads_seen(&party, r)?;
                }
            }
            let out: Vec<serde_json::Value> =
                found.into_iter().map(|(r, leads)| serde_json::json!({"reference": r, "leads": leads})).collect();
            if json {
                println!("{}", serde_json::json!({ "inquiries": out }));
            } else {
                for o in &out {
                    println!("{}", o["reference"].as_str().unwrap_or(""));
                    for l in o["leads"].as_array().into_iter().flatten() {
                        println!(
                            "  {}person {}  p={:.3}  found {}{}",
                            if l["new"] == true { "NEW " } else { "    " },
                            l["person_id"].as_str().unwrap_or(""),
                            l["probability"].as_f64().unwrap_or(0.0),
                            l["found_at"].as_str().unwrap_or(""),
                            match l.get("dismissed") {
                                Some(d) => format!(
                                    "  dismissed by {} on {}{}",
                                    esc(d["by"].as_str().unwrap_or("")),
                                    d["at"].as_str().unwrap_or(""),
                                    d["note"].as_str().map(|n| format!(": {}", esc(n))).unwrap_or_default()
                                ),
                                None => String::new(),
                            }
                        );
                    }
                }
                if out.is_empty() {
                    println!("no leads");
                } else if seen && any_new {
                    println!("(the new leads are marked seen)");
                } else if any_new {
                    println!("(mark the new leads seen with: athar inquiry leads REF --seen)");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
