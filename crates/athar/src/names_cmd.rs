//! `athar names …`: analyse, compare (one pair or a CSV batch) and evaluate the name engine.

use anyhow::{bail, Context, Result};
use athar_names::{NameAnalysis, NameComparison, NameEngine, Role};
use clap::Subcommand;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum NamesCommand {
    /// Show how a name is read: script, parts with roles, romanisation, blocking keys.
    #[command(alias = "analyze")]
    Analyse {
        /// The name, in any script.
        name: String,
        /// Print one JSON object on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Compare two names: score (0–1), whether they are the same name, and why, part by part.
    Compare {
        /// First name (omit with --batch).
        a: Option<String>,
        /// Second name (omit with --batch).
        b: Option<String>,
        /// A CSV file with columns `a,b`: prints one JSON line per row, in order.
        #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["a", "b"])]
        batch: Option<PathBuf>,
        /// Print one JSON object on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Measure the engine on third-party data (../shared/data): ranking and acceptance figures.
    Eval(crate::names_eval::EvalArgs),
}

pub fn run(cmd: NamesCommand) -> Result<ExitCode> {
    let engine = NameEngine::new();
    match cmd {
        NamesCommand::Analyse { name, json } => {
            let analysis = engine.analyse(&name);
            if json {
                let mut v = serde_json::to_value(&analysis)?;
                v["keys"] = serde_json::to_value(analysis.keys())?;
                v["usable"] = serde_json::Value::Bool(!analysis.is_empty());
                if analysis.is_empty() {
                    v["error"] = serde_json::Value::String(no_usable_name(&name));
                }
                println!("{v}");
            } else {
                print_analysis(&analysis);
            }
            if analysis.is_empty() {
                if !json {
                    eprintln!("{}", no_usable_name(&name));
                }
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        NamesCommand::Compare { a, b, batch, json } => {
            if let Some(path) = batch {
                return compare_batch(&engine, &path);
            }
            let (Some(a), Some(b)) = (a, b) else {
                return Err(crate::output::usage(
                    "give two names to compare (athar names compare \"A\" \"B\"), or --batch FILE.csv",
                ));
            };
            let cmp = engine.compare_text(&a, &b);
            if json {
                println!("{}", serde_json::to_string(&cmp)?);
            } else {
                print_comparison(&a, &b, &cmp);
            }
            Ok(if cmp.error.is_some() { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        NamesCommand::Eval(args) => crate::names_eval::run(&engine, args),
    }
}

fn no_usable_name(input: &str) -> String {
    if input.trim().is_empty() {
        "no usable name: the name is empty".into()
    } else {
        "no usable name: it has no letters of a name (digits, symbols, marks only)".into()
    }
}

fn print_analysis(a: &NameAnalysis) {
    let script = serde_json::to_string(&a.script).unwrap_or_default();
    println!("script: {}", script.trim_matches('"'));
    if let Some(lang) = a.cyrillic {
        let l = serde_json::to_string(&lang).unwrap_or_default();
        println!("cyrillic orthography: {}", l.trim_matches('"'));
    }
    for (i, p) in a.parts.iter().enumerate() {
        let role = serde_json::to_string(&p.role).unwrap_or_default();
        let kind = serde_json::to_string(&p.kind).unwrap_or_default();
        print!(
            "{:>2}. {:<24} {:<12} {:<11} latin={}",
            i + 1,
            p.text,
            role.trim_matches('"'),
            kind.trim_matches('"'),
            p.latin
        );
        if let Some(alt) = &p.alt_latin {
            print!(" (or {alt})");
        }
        if p.article {
            print!(" article");
        }
        if !p.equivalence.is_empty() {
            print!(" name={}", p.equivalence.join("|"));
        }
        if let Some(f) = &p.father_name {
            print!(" father={f}");
        }
        if p.role != Role::Particle {
            print!(" skeleton={}", p.skeletons.join(","));
        }
        println!();
    }
    println!("keys: {}", a.keys().join(" "));
}

fn print_comparison(a: &str, b: &str, c: &NameComparison) {
    if let Some(e) = &c.error {
        println!("{e}");
        return;
    }
    let level = serde_json::to_string(&c.level).unwrap_or_default();
    println!("A: {a}\nB: {b}");
    println!(
        "score {:.3}   same name: {}   level: {}",
        c.score,
        if c.same_name { "yes" } else { "no" },
        level.trim_matches('"')
    );
    for p in &c.parts {
        let role =
            |r: &Option<Role>| r.map(|r| serde_json::to_string(&r).unwrap_or_default().trim_matches('"').to_string());
        let lvl = p
            .level
            .map(|l| serde_json::to_string(&l).unwrap_or_default().trim_matches('"').to_string())
            .unwrap_or_else(|| "unmatched".into());
        println!(
            "  {:<22} {:<22} {:<11} {:<11} {:<18} {:.2}  {}",
            p.a.as_deref().unwrap_or("—"),
            p.b.as_deref().unwrap_or("—"),
            role(&p.a_role).unwrap_or_default(),
            role(&p.b_role).unwrap_or_default(),
            lvl,
            p.score,
            p.detail
        );
    }
}

/// `--batch FILE.csv`: one JSON line per data row, in order; a bad row gets an `error`.
fn compare_batch(engine: &NameEngine, path: &PathBuf) -> Result<ExitCode> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers = rdr.headers().with_context(|| format!("cannot read the header row of {}", path.display()))?.clone();
    let col =
        |name: &str| headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
    let (Some(ia), Some(ib)) = (col("a"), col("b")) else {
        bail!(
            "{} needs the columns 'a' and 'b' in its header row (found: {})",
            path.display(),
            headers.iter().collect::<Vec<_>>().join(", ")
        );
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (n, row) in rdr.byte_records().enumerate() {
        let line = match row {
            Err(e) => error_line(&format!("row {}: cannot be read: {e}", n + 2)),
            Ok(rec) => {
                let a = rec.get(ia).map(String::from_utf8_lossy);
                let b = rec.get(ib).map(String::from_utf8_lossy);
                match (a, b) {
                    (Some(a), Some(b)) => {
                        let cmp = engine.compare_text(&a, &b);
                        serde_json::to_string(&cmp)?
                    }
                    _ => error_line(&format!("row {}: has no value for column 'a' or 'b'", n + 2)),
                }
            }
        };
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn error_line(msg: &str) -> String {
    serde_json::json!({"score": 0, "same_name": false, "error": msg}).to_string()
}
