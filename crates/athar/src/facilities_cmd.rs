//! `athar facilities list | add | import`: the registry's detention sites — the compiled-in
//! gazetteer and the sites its users added, with their provenance. Parses and prints; the
//! use-case is the registry's (`athar_registry::sites`).

use crate::output::{bidi, terminal};
use crate::Global;
use anyhow::Result;
use athar_registry::sites::{SiteInput, SiteListing, SitesAdded};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum FacilitiesCommand {
    /// The detention sites the registry knows: the compiled-in gazetteer (each fact cited in
    /// its data files), then those its users added (who, when, from what).
    List {
        /// Only the sites users added to this registry.
        #[arg(long)]
        added: bool,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add a detention site: its names become place names of this registry (records and
    /// searches equate them; reports are scanned for them; the next link runs over every
    /// record). Sites are never replaced: check the names before adding.
    Add {
        /// A stable id: lower-case letters, digits and '_' (`branch_290`); mentions and records
        /// name it `facility:ID`.
        id: String,
        /// prison, branch, pre_trial_centre, penal_colony, filtration_site, military_base,
        /// airport_prison, police_station, temporary_detention or other.
        #[arg(long)]
        kind: String,
        /// Two capital letters (SY, UA, RU, LB …).
        #[arg(long)]
        country: String,
        /// A name of the site, in any script (repeat for each spelling: --name 'فرع 290' --name
        /// 'Branch 290').
        #[arg(long = "name", required = true)]
        names: Vec<String>,
        /// A name that also means a town or a word: it names the site only among words of
        /// detention (repeat).
        #[arg(long = "bare")]
        bare: Vec<String>,
        /// The town or city the site is in (its own name, as places are written).
        #[arg(long)]
        city: Option<String>,
        /// Who runs or ran it.
        #[arg(long)]
        authority: Option<String>,
        /// Latitude and longitude, where the source gives them: --coordinates 33.51,36.27.
        #[arg(long, value_parser = parse_coordinates)]
        coordinates: Option<[f64; 2]>,
        /// Where the site is known from: a report, a testimony, a list (kept with it).
        #[arg(long)]
        source: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Add the sites of a file, all or none: a table (CSV, TSV, XLSX, JSON) with columns id,
    /// kind, country, city, authority, names (or native and latin), bare, latitude, longitude,
    /// source — several names in a cell parted by ';' — or a TOML file in the gazetteer's own
    /// format (its sources and quotes checked). A file imported again adds nothing twice.
    Import {
        /// A table of sites (CSV, TSV, XLSX or JSON: columns id, kind, country, city, authority, names
        /// or native and latin, bare, latitude, longitude, source) or a gazetteer TOML file.
        file: PathBuf,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_coordinates(s: &str) -> Result<[f64; 2], String> {
    let bad = || format!("'{s}' is not LATITUDE,LONGITUDE (e.g. 33.51,36.27)");
    let (a, b) = s.split_once(',').ok_or_else(bad)?;
    Ok([a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?])
}

pub fn run(g: &Global, cmd: FacilitiesCommand) -> Result<ExitCode> {
    let registry = g.registry()?;
    let me = g.party();
    match cmd {
        FacilitiesCommand::List { added, json } => {
            let sites: Vec<SiteListing> =
                registry.sites(&me)?.into_iter().filter(|s| !added || s.origin == "registry").collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&sites)?);
            } else {
                list(&sites, added);
            }
        }
        FacilitiesCommand::Add { id, kind, country, names, bare, city, authority, coordinates, source, json } => {
            let input =
                SiteInput { id, kind, country, city, authority, names, bare, coordinates, source, given_at: None };
            let out = registry.add_sites(&me, std::slice::from_ref(&input))?;
            report(&out, json)?;
        }
        FacilitiesCommand::Import { file, json } => {
            let out = registry.import_sites(&me, &file)?;
            report(&out, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(sites: &[SiteListing], added: bool) {
    if sites.is_empty() {
        println!(
            "{}",
            if added {
                "no site added to this registry: add one with athar facilities add ID --kind K --country CC --name N \
                 --source S"
            } else {
                "no site"
            }
        );
        return;
    }
    let tty = terminal();
    println!("{:<30} {:<20} {:<3} {:<24} {:<11} names", "id", "kind", "cc", "city", "origin");
    for s in sites {
        let city = s.city.as_deref().unwrap_or("");
        let city = if city.chars().count() > 24 {
            format!("{}…", city.chars().take(23).collect::<String>())
        } else {
            city.to_string()
        };
        println!(
            "{:<30} {:<20} {:<3} {} {:<11} {}",
            s.entity_id,
            s.kind,
            s.country,
            bidi(&city, 24, tty),
            s.origin,
            s.names.iter().map(|n| bidi(n, 0, tty)).collect::<Vec<_>>().join(" · ")
        );
        if let Some(row) = &s.added {
            let file = row.file_name.as_deref().map(|f| format!(", from {}", bidi(f, 0, tty))).unwrap_or_default();
            println!(
                "{:<30} added by {} on {}{file}: {}",
                "",
                bidi(&row.added_by, 0, tty),
                row.added_at,
                bidi(&row.source, 0, tty)
            );
        }
    }
    let own = sites.iter().filter(|s| s.origin == "registry").count();
    println!("{} site(s): {} compiled in, {own} added to this registry", sites.len(), sites.len() - own);
}

fn report(out: &SitesAdded, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(out)?);
        return Ok(());
    }
    let from = match (&out.file, &out.sha256) {
        (Some(f), Some(sha)) => format!(" from {f} (SHA-256 {sha})"),
        _ => String::new(),
    };
    if !out.held_with_other_source.is_empty() {
        eprintln!(
            "note: held already with another source, which is kept (sites are never replaced): {}",
            out.held_with_other_source.join(", ")
        );
    }
    if out.added.is_empty() {
        println!("nothing added{from}: the registry holds every site given already ({})", out.held.join(", "));
        return Ok(());
    }
    println!("added {} site(s){from}: {}", out.added.len(), out.added.join(", "));
    if !out.held.is_empty() {
        println!("held already, unchanged: {}", out.held.join(", "));
    }
    println!(
        "their names are now place names of this registry: searches and report scans know them, and the next \
         athar link runs over every record"
    );
    Ok(())
}
