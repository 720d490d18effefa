//! `athar link | explain | review | judge`: linking records into persons, explaining scores,
//! and the human decisions that always win — as the registry library does them; this module
//! parses and prints.

use crate::Global;
use anyhow::{bail, Context, Result};
use athar_registry::escape_control as esc;
use athar_registry::link::{LinkOptions, LinkReport};
use clap::Args;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The probability at or above which `link` merges pairs unless told otherwise.
pub const LINK_THRESHOLD: f64 = 0.95;

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// Recompute everything: retrain the model (u from random pairs, m by EM) and let persons
    /// made before merge automatically again (ids are still kept where a person keeps most of
    /// its records). Without it, a pair that would join two existing persons goes to review,
    /// and new records are blocked against the keys the last link kept when nothing since
    /// (judgements, reindex, tables, version) makes them stale; after changing the name rules
    /// in a development build, use --full once.
    #[arg(long)]
    full: bool,
    /// Probability at or above which pairs are merged.
    #[arg(long, default_value_t = LINK_THRESHOLD)]
    threshold: f64,
    /// Probabilities LO,HI of pairs sent to review (never merged automatically). Default: from
    /// 0.5 (or the threshold, if lower) up to the threshold.
    #[arg(long, value_name = "LO,HI")]
    review_band: Option<String>,
    /// Largest block a blocking key may make (larger ones are split by birth year, and what
    /// is still too large is skipped and reported).
    #[arg(long, default_value_t = athar_registry::link::DEFAULT_MAX_BLOCK)]
    max_block: usize,
    /// For measurement: link with the name engine's variant tables switched off (spelling
    /// rules, romanisation and skeletons only), to see what the tables add.
    #[arg(long)]
    without_name_tables: bool,
    /// Also print each blocking rule's pairs and how the model's training (EM) went (the
    /// JSON always holds them).
    #[arg(long, short)]
    verbose: bool,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_band(s: &str) -> Result<(f64, f64)> {
    let (lo, hi) =
        s.split_once(',').with_context(|| format!("--review-band takes LO,HI such as 0.5,0.95, not '{s}'"))?;
    let lo: f64 = lo.trim().parse().with_context(|| format!("'{lo}' is not a probability"))?;
    let hi: f64 = hi.trim().parse().with_context(|| format!("'{hi}' is not a probability"))?;
    Ok((lo, hi))
}

pub fn link(global: &Global, args: LinkArgs) -> Result<ExitCode> {
    let opts = LinkOptions {
        full: args.full,
        threshold: args.threshold,
        review_band: args.review_band.as_deref().map(parse_band).transpose()?,
        max_block: args.max_block,
        without_name_tables: args.without_name_tables,
    };
    let registry = global.registry()?;
    let report = {
        let bar = crate::bar::Bar::new();
        registry.link(&global.party(), &opts, &bar)?
    };
    print_summary(&report, args.json, args.verbose);
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &LinkReport, json: bool, verbose: bool) {
    if let Some(w) = &s.thin_model {
        eprintln!("warning: {w}");
    }
    let em = s.model.training.clone().unwrap_or_default();
    let report = &s.persons;
    if json {
        let mut v = serde_json::json!({
                "records": s.records,
                "incremental": s.new_records.is_some(),
                "new_records": s.new_records,
                "from_kept_state": s.from_kept_state,
                "keys_kept": s.keys_not_kept.is_none(),
                "keys_not_kept": s.keys_not_kept,
                "rules": s.reports,
                "pairs_scored": s.pairs_scored,
                "persons": report.persons,
                "kept_ids": report.kept_ids,
                "new_ids": report.new_ids,
                "merges": report.merges,
                "splits": report.splits,
                "review": s.review,
                "refused_by_judgements": s.refused,
                "sent_to_review_groups_unlike": s.unlike_groups,
                "model_trained": s.trained,
                "em": em,
                "prior": s.model.prior,
                "prior_iterations": s.prior_iterations,
                "seconds": s.seconds.iter().map(|(n, t)| (n.to_string(), serde_json::json!((t * 1000.0).round() / 1000.0))).collect::<serde_json::Map<_, _>>(),
                "new_inquiry_leads": s.new_leads,
        });
        if let Some(why) = &s.retrained_because {
            v["model_retrained_because"] = serde_json::json!(why);
        }
        if let Some(n) = s.rederived {
            v["rederived"] = serde_json::json!(n);
        }
        if let Some(w) = &s.thin_model {
            v["model_warning"] = serde_json::json!(w);
        }
        println!("{v}");
        return;
    }
    if let Some(n) = s.rederived {
        println!(
            "{}",
            crate::output::paragraph(
                &format!(
                    "{} derived again from their raw rows first: an older Athar derived them, before the fields \
                     it compares now",
                    athar_registry::count(n as usize, "record", "records")
                ),
                2,
                100
            )
        );
    }
    if let Some(why) = &s.retrained_because {
        println!("model retrained: {why}");
    }
    match s.new_records {
        Some(n) => println!(
            "{}",
            crate::output::paragraph(
                &format!(
                    "{} records, {n} new: {} candidate pairs scored (incremental{}; athar link --full recomputes all)",
                    s.records,
                    s.pairs_scored,
                    if s.from_kept_state { ", against the blocking keys the last link kept" } else { "" }
                ),
                2,
                100
            )
        ),
        None => println!("{} records, {} candidate pairs scored", s.records, s.pairs_scored),
    }
    for r in s.reports.iter().filter(|_| verbose) {
        println!(
            "  rule {:<26} {:>9} pairs ({} new){}",
            r.rule,
            r.pairs,
            r.new_pairs,
            if r.skipped_blocks > 0 {
                format!(", {} blocks too large, skipped", r.skipped_blocks)
            } else {
                String::new()
            }
        );
    }
    if s.trained && !verbose {
        let converged = em.iter().filter(|e| e.converged).count();
        println!(
            "  model trained: EM converged on {converged} of {} rules (athar link --verbose: each rule, each EM)",
            em.len()
        );
    } else if s.trained {
        if let Some(n) = s.prior_iterations {
            println!("  prior {:.3e}: expected matches agree with the scores after {n} iterations", s.model.prior);
        }
        for e in &em {
            println!(
                "  EM on {:<26} {} after {} iterations (last change {:.1e}), match share {:.3}",
                e.rule,
                if e.converged { "converged" } else { "did NOT converge" },
                e.iterations,
                e.last_delta,
                e.match_share
            );
        }
    } else {
        println!("  model: the stored one (athar link --full retrains it)");
    }
    println!(
        "{} persons ({} ids kept, {} new; {} merges, {} splits), {} {}pairs to review (athar review)",
        report.persons,
        report.kept_ids,
        report.new_ids,
        report.merges,
        report.splits,
        s.review,
        if s.from_kept_state { "more " } else { "" }
    );
    if s.new_leads > 0 {
        println!("  {} new leads for open inquiries (athar inquiry leads)", s.new_leads);
    }
    println!("  time: {}", s.seconds.iter().map(|(n, t)| format!("{n} {t:.1} s")).collect::<Vec<_>>().join(", "));
    if s.unlike_groups > 0 {
        let (n, pairs, persons) =
            if s.unlike_groups == 1 { (1, "strong pair", "it") } else { (s.unlike_groups, "strong pairs", "they") };
        println!("  {n} {pairs} sent to review: the other records of the two persons {persons} would join look unlike");
    }
    if s.refused > 0 {
        println!("  {} merges refused because a person judged two records different", s.refused);
    }
    if let Some(why) = &s.keys_not_kept {
        println!("  the blocking keys were not kept ({why}): the next link reads every record again");
    }
}

pub fn explain(global: &Global, a: String, b: String, json: bool, svg: Option<&Path>, force: bool) -> Result<ExitCode> {
    let registry = global.registry()?;
    // The chart's file is checked before the work: a refused path costs nothing.
    let svg_out = svg.map(|p| crate::output::Output::open(p, &registry.own_files(), force)).transpose()?;
    let x = registry.explain(&global.party(), &a, &b)?;
    let thin = registry.model_warning()?;
    if let Some(w) = &thin {
        eprintln!("warning: {w}");
    }
    if let (Some(mut sink), Some(path)) = (svg_out, svg) {
        let mut title = format!("Records {} and {}: match weights", x.record_a, x.record_b);
        if let Some(j) = &x.judgement {
            title.push_str(&format!(" (judged {} by {}: links keep it)", j.decision, j.actor));
        }
        sink.write_all(crate::charts::waterfall(&x.explanation, &title)?.as_bytes())?;
        sink.finish().with_context(|| format!("cannot write {}", crate::output::describe(path)))?;
    }
    if json {
        let mut v = serde_json::json!({"record_a": x.record_a, "record_b": x.record_b, "model": x.model, "explanation": x.explanation});
        if let Some(j) = &x.judgement {
            v["judgement"] = serde_json::to_value(j)?;
        }
        if let Some(path) = svg {
            v["svg"] = serde_json::json!(path.display().to_string());
        }
        if let Some(w) = &thin {
            v["model_warning"] = serde_json::json!(w);
        }
        println!("{v}");
        return Ok(ExitCode::SUCCESS);
    }
    // A human decision comes first: it is what every link applies, whatever the model says.
    if let Some(j) = &x.judgement {
        let said = format!(
            "JUDGED {} by {} on {}{} (judgement {}): every link keeps this, whatever the model says",
            j.decision.to_uppercase(),
            esc(&j.actor),
            j.at,
            j.note.as_deref().map(|n| format!(" — \"{}\"", esc(n))).unwrap_or_default(),
            j.judgement_id
        );
        println!("{}", crate::output::paragraph(&said, 2, 100));
    }
    let e = &x.explanation;
    println!(
        "records {} and {}{}",
        x.record_a,
        x.record_b,
        if x.model == "default" { " (default model: run athar link to train one)" } else { "" }
    );
    use std::io::IsTerminal;
    let terminal = std::io::stdout().is_terminal();
    println!("  {:<20} {:<40} {:>8}", "prior", "", format!("{:+.2}", e.prior_weight));
    let mut running = e.prior_weight;
    for l in &e.lines {
        running += l.weight;
        let line = crate::output::ComparisonText {
            field: &l.comparison,
            level: &l.level,
            weight: l.weight,
            running: Some(running),
            a: l.a.as_deref(),
            b: l.b.as_deref(),
            reason: l.reason.as_deref(),
        };
        for text in line.lines(2, terminal) {
            println!("{text}");
        }
    }
    println!("  total {:+.2} bits → probability {:.4}", e.total, e.probability);
    if let Some(path) = svg {
        println!("waterfall chart written to {}", crate::output::describe(path));
    }
    Ok(ExitCode::SUCCESS)
}

/// How `review` prints its page.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewFormat {
    Text,
    Json,
    Csv,
    Html,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Pairs a page holds (1 to 1000).
    #[arg(long, default_value_t = 50, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    limit: usize,
    /// Which page (from 1).
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    page: usize,
    /// Only pairs with a record from this source (its name, as athar sources shows it).
    #[arg(long)]
    source: Option<String>,
    /// Only pairs whose probability is at least this.
    #[arg(long)]
    min: Option<f64>,
    /// Only pairs whose probability is at most this.
    #[arg(long)]
    max: Option<f64>,
    /// text (for a terminal), json, csv (a spreadsheet of both records per pair), or html (one
    /// file, both records side by side with the waterfall of each score, for reviewers who do
    /// not use a terminal).
    #[arg(long, value_enum, default_value_t = ReviewFormat::Text)]
    format: ReviewFormat,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Where to write (csv and html; `-` is standard output).
    #[arg(long, default_value = "-")]
    out: std::path::PathBuf,
    /// Replace --out if it exists.
    #[arg(long)]
    force: bool,
    /// The language of the html file: en, ar (right to left) or uk.
    #[arg(long, default_value = "en")]
    lang: String,
}

pub fn review(global: &Global, args: ReviewArgs) -> Result<ExitCode> {
    use std::io::{IsTerminal, Write};
    let format = if args.json { ReviewFormat::Json } else { args.format };
    let lang = athar_server::i18n::Lang::from_code(&args.lang)
        .filter(|l| l.code() == args.lang.trim().to_ascii_lowercase())
        .with_context(|| format!("--lang {}: use en, ar or uk", esc(&args.lang)))?;
    let registry = global.registry()?;
    let filter = athar_registry::ReviewFilter {
        limit: args.limit,
        page: args.page,
        source: args.source.clone(),
        min: args.min,
        max: args.max,
        explain: format == ReviewFormat::Html,
    };
    let queue = registry.review(&global.party(), &filter)?;
    if let Some(w) = registry.model_warning()? {
        eprintln!("warning: {w}");
    }
    if args.page > queue.pages && queue.total > 0 {
        bail!("--page {}: the queue has {} page(s) of {} pairs", args.page, queue.pages, args.limit);
    }
    let mut sink = crate::output::Output::open(&args.out, &registry.own_files(), args.force)?;
    match format {
        ReviewFormat::Json => writeln!(sink, "{}", serde_json::to_string(&queue)?)?,
        ReviewFormat::Html => sink.write_all(athar_server::review_export::review_html(&queue, lang)?.as_bytes())?,
        ReviewFormat::Csv => {
            let mut w = crate::output::CsvOut::new(&mut sink);
            let mut header = vec!["rank".to_string(), "record_a".into(), "record_b".into(), "probability".into()];
            for side in ["a", "b"] {
                for f in ["name", "mother", "born", "place", "source", "source_record_id", "row"] {
                    header.push(format!("{side}_{f}"));
                }
            }
            w.row(&header)?;
            for (k, i) in queue.items.iter().enumerate() {
                let mut row = vec![
                    ((queue.page - 1) * args.limit + k + 1).to_string(),
                    i.record_a.clone(),
                    i.record_b.clone(),
                    format!("{:.4}", i.probability),
                ];
                for c in [&i.a, &i.b] {
                    row.extend([
                        c.name.clone(),
                        c.mother.clone().unwrap_or_default(),
                        c.born.clone().unwrap_or_default(),
                        c.place.clone().unwrap_or_default(),
                        c.source.clone(),
                        c.source_record_id.clone().unwrap_or_default(),
                        c.row.to_string(),
                    ]);
                }
                w.row(&row)?;
            }
            w.into_inner()?;
        }
        ReviewFormat::Text => {
            let terminal = sink.is_stdout() && std::io::stdout().is_terminal();
            if queue.items.is_empty() {
                writeln!(sink, "nothing to review{}", if queue.total > 0 { " on this page" } else { "" })?;
            }
            for (k, i) in queue.items.iter().enumerate() {
                writeln!(
                    sink,
                    "{:>3}. records {} and {}  p={:.3}",
                    (queue.page - 1) * args.limit + k + 1,
                    i.record_a,
                    i.record_b,
                    i.probability
                )?;
                for c in [&i.a, &i.b] {
                    for line in crate::output::joined("       ", &c.parts(), 9, terminal) {
                        writeln!(sink, "{line}")?;
                    }
                }
            }
            if queue.total > 0 {
                writeln!(
                    sink,
                    "page {} of {} ({} pairs; least certain first, by the band {:.2}–{:.2} of the last link)",
                    queue.page, queue.pages, queue.total, queue.band.0, queue.band.1
                )?;
                if queue.page < queue.pages {
                    writeln!(sink, "next: athar review --page {}", queue.page + 1)?;
                }
                writeln!(
                    sink,
                    "decide with: athar judge A B same|different|unsure [--note \"…\"]; see why: athar explain A B"
                )?;
            }
        }
    }
    if !sink.is_stdout() {
        eprintln!("wrote {} pairs to {}", queue.items.len(), crate::output::describe(&args.out));
    }
    sink.finish()?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct JudgeArgs {
    /// First record (id, SOURCE:SOURCE_RECORD_ID, or SOURCE:ROW for a list without ids).
    a: Option<String>,
    /// Second record.
    b: Option<String>,
    /// same, different or unsure.
    decision: Option<String>,
    /// Why.
    #[arg(long)]
    note: Option<String>,
    /// Withdraw judgement ID instead (it is kept, marked withdrawn).
    #[arg(long, value_name = "ID", conflicts_with_all = ["a", "b", "decision"])]
    withdraw: Option<String>,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn judge(global: &Global, args: JudgeArgs) -> Result<ExitCode> {
    let registry = global.registry()?;
    if let Some(id) = args.withdraw {
        registry.withdraw(&global.party(), &id)?;
        if args.json {
            println!("{}", serde_json::json!({"withdrawn": id}));
        } else {
            println!("judgement {id} withdrawn; run athar link to apply");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(a), Some(b), Some(decision)) = (args.a, args.b, args.decision) else {
        return Err(crate::output::usage(
            "give two records and a decision: athar judge A B same|different|unsure, or --withdraw ID",
        ));
    };
    if !athar_registry::DECISIONS.contains(&decision.as_str()) {
        return Err(crate::output::usage(format!(
            "the decision '{}' is none of same, different, unsure",
            athar_registry::escape_control(&decision)
        )));
    }
    let j = registry.judge(&global.party(), &a, &b, &decision, args.note.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string(&j)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "judgement {}: records {} and {} are {}; run athar link to apply",
        j.judgement_id, j.record_a, j.record_b, j.decision
    );
    Ok(ExitCode::SUCCESS)
}
