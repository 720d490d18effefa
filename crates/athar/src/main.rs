//! `athar`: the command line. Thin: it parses arguments, reads and writes files, prints, and
//! calls the engine and store crates, which hold all the logic.

mod bar;
mod bench_cmd;
mod charts;
mod facilities_cmd;
mod import_cmd;
mod inquiry_cmd;
mod link_cmd;
mod memory;
mod names_cmd;
mod names_eval;
mod output;
mod persons_cmd;
mod queries;
mod scan_cmd;
mod search_cmd;
mod store_cmd;
mod synth_cmd;
mod user_cmd;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Name analysis makes many small, short-lived allocations; mimalloc serves them much faster
/// than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Athar (أثر, "trace"): an offline-first registry and matching engine to find the detained
/// and the disappeared.
#[derive(Parser, Debug)]
#[command(name = "athar", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Args, Debug)]
pub struct Global {
    /// The database file. Only init, import and demo create it; every other command refuses a
    /// missing one.
    #[arg(long, global = true, env = "ATHAR_DB", default_value = "athar.db", help_heading = "Global options")]
    pub db: PathBuf,
    /// The key file (default: beside the database, athar.db → athar.key). Keep a copy apart.
    #[arg(long, global = true, env = "ATHAR_KEY_FILE", help_heading = "Global options")]
    pub key_file: Option<PathBuf>,
    /// Who is acting, for the audit chain (default: ATHAR_ACTOR, else the operating-system user).
    #[arg(long, global = true, env = "ATHAR_ACTOR", help_heading = "Global options")]
    pub actor: Option<String>,
}

impl Global {
    pub fn key_file(&self) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| athar_registry::default_key_path(&self.db))
    }

    /// Who acts: `--actor`, else `ATHAR_ACTOR`, else the operating-system user. A given
    /// actor that is blank or holds control characters is refused when the command writes
    /// (the store checks it); here it is never replaced silently.
    pub fn actor(&self) -> String {
        self.actor
            .clone()
            .or_else(|| std::env::var("USER").ok().filter(|a| !a.trim().is_empty()))
            .or_else(|| std::env::var("USERNAME").ok().filter(|a| !a.trim().is_empty()))
            .unwrap_or_else(|| "unknown".into())
    }

    /// The acting party: the command line is a local administrator who is also investigator
    /// and caseworker of the registry on their machine.
    pub fn party(&self) -> athar_registry::Actor {
        athar_registry::Actor::local(self.actor())
    }

    /// The registry at `--db`, with its key file; a missing one is refused.
    pub fn registry(&self) -> Result<athar_registry::Registry, anyhow::Error> {
        use anyhow::Context;
        athar_registry::Registry::open(&self.db, &self.key_file())
            .with_context(|| format!("cannot open the database {}", self.db.display()))
    }

    /// The registry at `--db`, created when missing (the first import).
    pub fn registry_creating(&self) -> Result<athar_registry::Registry, anyhow::Error> {
        use anyhow::Context;
        athar_registry::Registry::open_or_create(&self.db, &self.key_file())
            .with_context(|| format!("cannot open the database {}", self.db.display()))
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The cross-script name engine: analyse and compare names.
    #[command(subcommand)]
    Names(names_cmd::NamesCommand),
    /// Read reports (text, HTML) for the detention sites and places they name, in any script or
    /// spelling the gazetteer knows, and group reports that repeat one another.
    Scan(scan_cmd::ScanArgs),
    /// The detention sites the registry knows: list them, add one, import a file of them.
    #[command(subcommand)]
    Facilities(facilities_cmd::FacilitiesCommand),
    /// Create the database and its key file (idempotent).
    Init {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Import a list (CSV, TSV, XLSX, JSON, NDJSON) as a new source.
    Import(import_cmd::ImportArgs),
    /// List the imported sources.
    Sources {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show records.
    #[command(subcommand)]
    Records(store_cmd::RecordsCommand),
    /// List the rows set aside at import, with their reasons.
    Quarantine {
        /// Only this source (name or id).
        #[arg(long)]
        source: Option<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Counts of sources, records, quarantined rows and statuses.
    Stats {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Remove a source, or an inquiry and its enquirer, for good: one audited path. The audit
    /// chain keeps an entry per thing removed, with a digest of it, never its content, so that
    /// `audit verify --deep` still holds. Backups made before, and exports already given out,
    /// still hold what was removed: handle them too.
    #[command(subcommand)]
    Purge(store_cmd::PurgeCommand),
    /// Write a consistent copy of the database (the key file is not included).
    Backup {
        /// The backup file to write (must not exist).
        out: PathBuf,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Replace the database with a backup made with the same key file.
    Restore {
        /// The backup file.
        input: PathBuf,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The audit chain.
    #[command(subcommand)]
    Audit(store_cmd::AuditCommand),
    /// Link records into persons: blocking, the model (trained on first use or with --full),
    /// clustering under human judgements.
    Link(link_cmd::LinkArgs),
    /// Explain the score of two records, comparison by comparison.
    Explain {
        /// First record (id, SOURCE:SOURCE_RECORD_ID, or SOURCE:ROW for a list without ids).
        a: String,
        /// Second record.
        b: String,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also draw the match weights as a waterfall chart (SVG) into this file.
        #[arg(long, value_name = "FILE")]
        svg: Option<std::path::PathBuf>,
        /// Replace the --svg file if it exists (never a database or a key file).
        #[arg(long)]
        force: bool,
    },
    /// Pairs to review (never merged automatically), a page at a time, both records of each.
    /// Order: the least certain first — by the distance of the probability from the middle of
    /// the review band the last link used (in steps of 0.05; 0.725 for the default band
    /// 0.5–0.95) — then, among equally uncertain pairs, those that share a record with most
    /// other pairs (their decision bears on those), then by record ids.
    Review(link_cmd::ReviewArgs),
    /// Record a human decision about two records (always respected by link).
    Judge(link_cmd::JudgeArgs),
    /// Persons: show, split, history.
    #[command(subcommand)]
    Persons(persons_cmd::PersonsCommand),
    /// The linkage model document: show, export, import.
    #[command(subcommand)]
    Model(persons_cmd::ModelCommand),
    /// Export persons (every record exactly once).
    #[command(subcommand)]
    Export(persons_cmd::ExportCommand),
    /// Recompute every record's derived fields from its raw row (after an upgrade).
    Reindex {
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Search for a person by any spelling, with mother's name, birth year, place: ranked and
    /// explained.
    Search(search_cmd::SearchArgs),
    /// Inquiries: a family's request, acknowledged without results, that keeps searching.
    #[command(subcommand)]
    Inquiry(inquiry_cmd::InquiryCommand),
    /// Generate realistic multi-source lists with their truth (for tests and evaluation).
    Synth(synth_cmd::SynthArgs),
    /// Measure linkage against a truth file: pairwise and B-cubed precision, recall, F1.
    Eval(synth_cmd::EvalArgs),
    /// Build a registry from generated lists (./athar-demo.db, or --db when given), link them and
    /// explain two matches. An existing registry is replaced only when it holds nothing but an
    /// earlier demo's lists (no judgement, inquiry, user or list of anyone else).
    Demo {
        /// Also print the full evaluation against the generated truth (pairwise and B-cubed
        /// figures, traps, calibration, the threshold sweep).
        #[arg(long)]
        stats: bool,
        /// Print one JSON object at the end (what was imported, the link, the evaluation, one
        /// match explained) instead of the story.
        #[arg(long)]
        json: bool,
    },
    /// Serve the web application for caseworkers, reviewers and investigators (sign-in
    /// required for everything; users are added with `athar user add`).
    Serve {
        /// The address to listen on. Other than loopback, it needs TLS (--tls-cert, --tls-key)
        /// or --insecure-http (behind a proxy on this machine that does TLS).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Plain HTTP on an address other than loopback.
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        insecure_http: bool,
        /// TLS certificate chain (PEM); with --tls-key, the server speaks only HTTPS, its
        /// cookies are Secure and browsers are told to use nothing else (HSTS).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Print each status line (the index built, the address served) as a JSON object on
        /// standard output, one per line, instead of text on standard error.
        #[arg(long)]
        json: bool,
    },
    /// The users of the web application: add, list, disable, reset.
    #[command(subcommand)]
    User(user_cmd::UserCommand),
    /// Benchmarks (speed and memory on generated data).
    #[command(subcommand)]
    Bench(bench_cmd::BenchCommand),
}

/// Restores the default action of SIGPIPE, which Rust's runtime ignores: output piped into a
/// reader that stops early (`athar names eval | head`) then ends the process quietly, as for any
/// Unix filter, where `println!` would panic on the closed pipe. Every write to the store is one
/// transaction, so an import cut short this way leaves nothing behind.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; setting a signal's
    // disposition to its default has no other precondition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// An error for the terminal: control characters shown escaped, and a locked database said
/// with what holds it when that can be known.
fn error_text(e: &anyhow::Error, g: &Global) -> String {
    let busy = e.chain().any(|c| {
        c.downcast_ref::<athar_registry::StoreError>().is_some_and(|s| s.is_locked())
            || c.downcast_ref::<athar_registry::RegistryError>().is_some_and(|s| s.is_locked())
    });
    if busy {
        let holder = athar_registry::files::Activity::current(&g.db);
        return format!(
            "the database {} is busy: {} is writing to it, and this command waited 10 s; wait until it ends (or stop \
             it) and run this command again — nothing was changed",
            g.db.display(),
            holder.unwrap_or_else(|| "another Athar process (an import, a link or a reindex)".into())
        );
    }
    athar_registry::escape_control(&format!("{e:#}")).into_owned()
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // Whether --db was typed on this command line (not ATHAR_DB, which may name the real
    // registry of the machine): the demo writes there only then.
    let given = |m: &clap::ArgMatches| matches!(m.value_source("db"), Some(clap::parser::ValueSource::CommandLine));
    let db_given = given(&matches) || matches.subcommand().is_some_and(|(_, m)| given(m));
    let g = &cli.global;
    if let Some(a) = &g.actor {
        if let Err(e) = athar_registry::check_actor(a) {
            eprintln!("error: --actor: {e}");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::Names(cmd) => names_cmd::run(cmd),
        Command::Scan(args) => scan_cmd::run(g, args),
        Command::Facilities(cmd) => facilities_cmd::run(g, cmd),
        Command::Init { json } => store_cmd::init(g, json),
        Command::Import(args) => import_cmd::run(g, args),
        Command::Sources { json } => store_cmd::sources(g, json),
        Command::Records(cmd) => store_cmd::records(g, cmd),
        Command::Quarantine { source, json } => store_cmd::quarantine(g, source, json),
        Command::Stats { json } => store_cmd::stats(g, json),
        Command::Purge(cmd) => store_cmd::purge(g, cmd),
        Command::Backup { out, json } => store_cmd::backup(g, out, json),
        Command::Restore { input, json } => store_cmd::restore(g, input, json),
        Command::Audit(cmd) => store_cmd::audit(g, cmd),
        Command::Reindex { json } => store_cmd::reindex(g, json),
        Command::Link(args) => link_cmd::link(g, args),
        Command::Explain { a, b, json, svg, force } => link_cmd::explain(g, a, b, json, svg.as_deref(), force),
        Command::Review(args) => link_cmd::review(g, args),
        Command::Judge(args) => link_cmd::judge(g, args),
        Command::Persons(cmd) => persons_cmd::persons(g, cmd),
        Command::Export(cmd) => persons_cmd::export(g, cmd),
        Command::Model(cmd) => persons_cmd::model(g, cmd),
        Command::Bench(cmd) => bench_cmd::run(g, cmd),
        Command::Search(args) => search_cmd::search(g, args),
        Command::Inquiry(cmd) => inquiry_cmd::run(g, cmd),
        Command::Synth(args) => synth_cmd::synth(args),
        Command::Eval(args) => synth_cmd::eval(g, args),
        Command::Demo { stats, json } => synth_cmd::demo(g, db_given, stats, json),
        Command::User(cmd) => user_cmd::run(g, cmd),
        Command::Serve { addr, insecure_http, tls_cert, tls_key, json } => {
            user_cmd::serve(g, addr, insecure_http, tls_cert.zip(tls_key), json)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<output::UsageError>().is_some() => {
            eprintln!("error: {}\n\nFor more information, try '--help'.", error_text(&e, g));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {}", error_text(&e, g));
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command of the tree, with the path of commands leading to it (`athar persons show`).
    fn walk(cmd: &clap::Command, path: &str, visit: &mut dyn FnMut(&clap::Command, &str)) {
        visit(cmd, path);
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), visit);
        }
    }

    #[test]
    fn every_flag_and_argument_of_every_command_says_what_it_is() {
        let mut all = Vec::new();
        walk(&Cli::command(), "athar", &mut |cmd, path| {
            for arg in cmd.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")) {
                all.push((path.to_string(), arg.get_id().to_string(), arg.get_help().is_some()));
            }
        });
        assert!(all.len() > 150, "{} arguments: the walk reached the commands", all.len());
        let blank: Vec<String> = all.iter().filter(|a| !a.2).map(|a| format!("{} --{}", a.0, a.1)).collect();
        assert!(blank.is_empty(), "arguments with no description in --help: {blank:?}");
    }

    #[test]
    fn every_command_prints_json_when_asked() {
        // The commands at the end of the tree (the ones that run), with whether they take --json.
        let mut all = Vec::new();
        walk(&Cli::command(), "athar", &mut |cmd, path| {
            if cmd.get_subcommands().next().is_none() {
                all.push((path.to_string(), cmd.get_arguments().any(|a| a.get_id().as_str() == "json")));
            }
        });
        assert!(all.len() > 50, "{} commands: the walk reached them", all.len());
        let without: Vec<&String> = all.iter().filter(|c| !c.1).map(|c| &c.0).collect();
        assert!(without.is_empty(), "commands without --json: {without:?}");
    }

    #[test]
    fn the_global_options_are_shown_apart_from_a_commands_own() {
        let cmd = Cli::command();
        for id in ["db", "key_file", "actor"] {
            let arg = cmd.get_arguments().find(|a| a.get_id().as_str() == id).expect(id);
            assert_eq!(arg.get_help_heading(), Some("Global options"), "{id}");
        }
    }
}
