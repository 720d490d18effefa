//! Benchmarks; speed targets live here, not in tests.
//! - `athar bench import`: a generated list of N rows imported into a fresh database in a
//!   temporary folder, timed, with the process's peak memory.
//! - `athar bench search`: the search index built over the registry in `--db`, its build time
//!   and memory, then every query of a CSV answered one by one on a set number of threads:
//!   latency p50/p99/max.
//! - `athar bench live`: the registry library holding its live index over `--db`, then a list
//!   imported and linked through it: how long the index takes to follow (in place, no
//!   rebuild), how long an inquiry takes against the held index, and the memory.

use crate::memory::{peak_rss_mib, proc_mib};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Import a generated CSV of --rows rows; print rows per second and peak memory.
    Import(BenchImport),
    /// Build the search index over the registry in --db, then answer each query of --queries
    /// (the columns of `search --batch`); print build time, index memory, latency p50/p99.
    Search(BenchSearch),
    /// Hold the live index over --db, import and link --list through the registry, add
    /// inquiries against the held index: seconds to follow the writes, inquiry latency, memory.
    Live(BenchLive),
    /// The web application under load on loopback: signed-in sessions send the searches of
    /// --queries at a fixed --rate for --seconds (p50/p99 latency from when each was due), then
    /// as fast as the server answers for --max-seconds, beside the library's own throughput.
    /// Adds (or gives new credentials to) the user 'athar-bench' of the registry in --db.
    Serve(BenchServe),
    /// Report scanning: throughput in MB/s of text against the gazetteer (one thread), and
    /// near-duplicate grouping of generated reports.
    Scan(BenchScan),
}

#[derive(Args, Debug)]
pub struct BenchServe {
    /// CSV of queries (the columns of `search --batch`), sent in turn.
    #[arg(long)]
    queries: std::path::PathBuf,
    /// Searches a second of the open loop.
    #[arg(long, default_value_t = 300)]
    rate: u32,
    /// Seconds of the open loop (at most 600).
    #[arg(long, default_value_t = 60)]
    seconds: u32,
    /// Seconds of the closed loop that finds the most the server answers (at most 600).
    #[arg(long, default_value_t = 20)]
    max_seconds: u32,
    /// Searches in flight in the closed loop.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Signed-in sessions the searches are spread over (1 to 8).
    #[arg(long, default_value_t = 4)]
    sessions: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct BenchScan {
    /// Text to scan: these reports (files or folders), repeated to --megabytes.
    #[arg(long, required = true)]
    reports: Vec<std::path::PathBuf>,
    /// How many megabytes of report text to scan (the reports given, repeated).
    #[arg(long, default_value_t = 64)]
    megabytes: usize,
    /// Generated reports to group as near-duplicates (a tenth of them re-post a statement).
    #[arg(long, default_value_t = 50_000)]
    group: usize,
    /// Also time the search for registered persons in the same text, against the registry at
    /// --db (one thread; noted in its audit chain as one benchmark entry).
    #[arg(long)]
    persons: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct BenchLive {
    /// The list to import (with a source_record_id column, as `athar synth` writes them).
    #[arg(long)]
    list: std::path::PathBuf,
    /// Inquiries to add against the held index, each timed.
    #[arg(long, default_value_t = 20)]
    inquiries: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct BenchSearch {
    /// CSV of queries, one per row, with the columns of `search --batch` (e.g. the
    /// queries.csv written by `athar synth`).
    #[arg(long)]
    queries: std::path::PathBuf,
    /// Threads that score one query's candidates (1 = one core, as the goal is stated).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct BenchImport {
    /// Number of data rows.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Keep the generated file and database in this folder instead of a temporary one.
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

const GIVEN: &[&str] =
    &["محمد", "أحمد", "خالد", "Mohammed", "Hussein", "Олександр", "Сергій", "Fatima", "زينب", "Omar"];
const FAMILY: &[&str] = &["الحلبي", "الشامي", "Hamadeh", "Darwish", "Шевченко", "Коваленко", "al-Khatib", "المصري"];

pub fn run(global: &crate::Global, cmd: BenchCommand) -> Result<ExitCode> {
    match cmd {
        BenchCommand::Import(args) => import(args),
        BenchCommand::Search(args) => search(global, args),
        BenchCommand::Live(args) => live(global, args),
        BenchCommand::Serve(args) => serve(global, args),
        BenchCommand::Scan(args) => scan(global, args),
    }
}

fn scan(global: &crate::Global, args: BenchScan) -> Result<ExitCode> {
    let scanner = athar_scan::Scanner::builtin().map_err(|e| anyhow::anyhow!(e))?;
    let (files, problems) = athar_scan::read::files(&args.reports);
    for p in &problems {
        eprintln!("{}: {}", p.path.display(), p.message);
    }
    let mut sample = String::new();
    let mut reports = Vec::new();
    for f in &files {
        let report = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        sample.push_str(&report);
        sample.push('\n');
        reports.push(report);
    }
    if sample.trim().is_empty() {
        anyhow::bail!("no text to scan under the reports given");
    }
    let target = args.megabytes.max(1) << 20;
    let mut text = String::with_capacity(target + sample.len());
    while text.len() < target {
        text.push_str(&sample);
    }
    // In pieces of about 1 MB, as files are read.
    let pieces: Vec<&str> = {
        let mut out = Vec::new();
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let mut cut = rest.len().min(1 << 20);
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            let cut = rest[..cut].rfind('\n').map_or(cut, |i| i + 1);
            out.push(&rest[..cut]);
            rest = &rest[cut..];
        }
        out
    };
    let started = Instant::now();
    let mut mentions = 0usize;
    for p in &pieces {
        mentions += scanner.scan(p).len();
    }
    let secs = started.elapsed().as_secs_f64();
    let mb = text.len() as f64 / f64::from(1u32 << 20);
    let mut summary = serde_json::json!({
        "megabytes": mb, "threads": 1,
        "scan": {"seconds": secs, "mb_per_s": mb / secs, "mentions": mentions, "names": scanner.name_count()},
    });
    if !args.json {
        println!(
            "scan: {mb:.0} MB of report text in {secs:.2} s on one thread: {:.1} MB/s, {mentions} mentions ({} names in the automaton)",
            mb / secs,
            scanner.name_count()
        );
    }
    if args.persons {
        let registry = global.registry()?;
        let started = Instant::now();
        let records = registry.prepare_search()?;
        let build = started.elapsed().as_secs_f64();
        let (cold, warm) = registry.on_index(&global.party(), "bench.scan", |index| {
            // The table of registered name forms is built once, before the clock starts.
            if let Some(first) = reports.first() {
                index.name_mentions(first, usize::MAX);
            }
            // Report by report, as files are read: nothing one report asked is remembered for
            // the next. `cold`: the registered forms of words read before are forgotten before
            // each report too, so the repeated sample costs what reports of all new words
            // would; `warm`: they are kept, as in a run over many reports of one language.
            let pass = |forget: bool| {
                index.forget_words();
                let started = Instant::now();
                let (mut found, mut searches, mut read) = (0usize, 0usize, 0usize);
                while read < target {
                    for r in &reports {
                        if forget {
                            index.forget_words();
                        }
                        let m = index.name_mentions(r, usize::MAX);
                        found += m.mentions.len();
                        searches += m.searches;
                        read += r.len();
                    }
                }
                (started.elapsed().as_secs_f64(), found, searches)
            };
            (pass(true), pass(false))
        })?;
        let ((secs, found, searches), (warm_secs, _, _)) = (cold, warm);
        summary["persons"] = serde_json::json!({
            "records": records, "index_seconds": build, "seconds": secs, "mb_per_s": mb / secs,
            "searches": searches, "mentions": found,
            "words_kept": {"seconds": warm_secs, "mb_per_s": mb / warm_secs},
        });
        if !args.json {
            println!(
                "persons: {mb:.0} MB, report by report, against {records} records (index built in {build:.1} s) in \
                 {secs:.2} s on one thread: {:.1} MB/s, {searches} searches, {found} mentions; with the words of \
                 earlier reports kept, {warm_secs:.2} s: {:.1} MB/s",
                mb / secs,
                mb / warm_secs
            );
        }
    }
    // Near-duplicates: generated reports, one in ten re-posting one of 500 statements.
    let words: Vec<&str> = sample.split_whitespace().collect();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let statements: Vec<String> = (0..500)
        .map(|_| (0..40).map(|_| words[(next() % words.len() as u64) as usize]).collect::<Vec<_>>().join(" "))
        .collect();
    let reports: Vec<String> = (0..args.group)
        .map(|i| {
            let mut r: Vec<&str> = (0..300).map(|_| words[(next() % words.len() as u64) as usize]).collect();
            let mut s = r.join(" ");
            if i % 10 == 0 {
                s.push(' ');
                s.push_str(&statements[(next() % 500) as usize]);
            }
            r.clear();
            s
        })
        .collect();
    let refs: Vec<&str> = reports.iter().map(String::as_str).collect();
    let started = Instant::now();
    let groups = athar_scan::duplicates::group(&refs);
    let secs = started.elapsed().as_secs_f64();
    let grouped: usize = groups.iter().map(|g| g.members.len()).sum();
    if args.json {
        summary["near_duplicates"] = serde_json::json!({
            "reports": args.group, "reposts": args.group.div_ceil(10), "seconds": secs,
            "groups": groups.len(), "grouped": grouped,
        });
        println!("{summary}");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "near-duplicates: {} generated reports of 300 words ({} re-post one of 500 statements) grouped in {secs:.1} s: {} groups, {grouped} reports in them",
        args.group,
        args.group.div_ceil(10),
        groups.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn serve(global: &crate::Global, args: BenchServe) -> Result<ExitCode> {
    let mut rdr = csv::Reader::from_path(&args.queries)
        .with_context(|| format!("cannot read the queries {}", args.queries.display()))?;
    let headers = rdr.headers()?.clone();
    let mut queries = Vec::new();
    for rec in rdr.records() {
        queries.push(crate::queries::query_from_row(&headers, &rec?));
    }
    let plan = athar_server::bench::LoadPlan {
        rate: args.rate,
        seconds: args.seconds,
        max_seconds: args.max_seconds,
        connections: args.connections,
        sessions: args.sessions,
    };
    let report = athar_server::bench::run(global.registry()?, queries, &plan, &|l| eprintln!("{l}"))
        .map_err(|e| anyhow::anyhow!(e))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} records, index built in {:.1} s; {} cores (server and load generator in one process)",
        report.records, report.index_seconds, report.cores
    );
    println!(
        "open loop at {} searches/s: {} sent, {} failed, {:.0}/s achieved; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        report.rate, report.sent, report.failed, report.achieved_per_second, report.p50_ms, report.p99_ms, report.max_ms
    );
    let windows: Vec<String> = report.p99_by_window_ms.iter().map(|ms| format!("{ms:.0}")).collect();
    println!("p99 of each 10 s of the open loop (ms): {}", windows.join(", "));
    println!(
        "the disk's own sync beside the registry meanwhile: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        report.disk_sync_p50_ms, report.disk_sync_p99_ms, report.disk_sync_max_ms
    );
    println!(
        "most answered: {:.0} searches/s ({} failed) through HTTP, sessions and audit; the library alone: {:.0}/s; \
         load generator's share of the CPU: {:.0}%",
        report.max_per_second,
        report.max_failed,
        report.library_per_second,
        report.generator_cpu_share * 100.0
    );
    Ok(ExitCode::SUCCESS)
}

/// The value at quantile `q` (0..=1) of sorted samples, nearest rank.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn search(global: &crate::Global, args: BenchSearch) -> Result<ExitCode> {
    if args.threads == 0 {
        anyhow::bail!("--threads must be at least 1");
    }
    let mut rdr = csv::Reader::from_path(&args.queries)
        .with_context(|| format!("cannot read the queries {}", args.queries.display()))?;
    let headers = rdr.headers()?.clone();
    let mut queries = Vec::new();
    for rec in rdr.records() {
        // A query the search refuses is timed as refused, as the command would refuse it.
        queries.push(athar_registry::search::checked_query(crate::queries::query_from_row(&headers, &rec?)));
    }
    if queries.is_empty() {
        anyhow::bail!("{} holds no query", args.queries.display());
    }
    let registry = global.registry()?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.threads).build().context("cannot start threads")?;
    let before = proc_mib("VmRSS:");
    let start = Instant::now();
    // The build reads the store (one connection, one thread) and analyses on every core; the
    // queries then run on the index the registry holds.
    let measured = registry.on_index(&global.party(), &args.queries.display().to_string(), |index| {
        let build = start.elapsed().as_secs_f64();
        let after = proc_mib("VmRSS:");
        let mut latencies = Vec::with_capacity(queries.len());
        let mut candidates = Vec::with_capacity(queries.len());
        let mut refused = 0usize;
        let start = Instant::now();
        for q in &queries {
            let t = Instant::now();
            let out = match q {
                Ok(q) => pool.install(|| index.search(q, 10)).ok(),
                Err(_) => None,
            };
            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            match out {
                Some(found) => candidates.push(found.candidates as f64),
                None => refused += 1,
            }
        }
        (index.len(), build, after, latencies, candidates, refused, start.elapsed().as_secs_f64())
    })?;
    let (records, build, after, mut latencies, mut candidates, refused, total) = measured;
    latencies.sort_by(f64::total_cmp);
    candidates.sort_by(f64::total_cmp);
    let index_mib = match (before, after) {
        (Some(b), Some(a)) => Some(a - b),
        _ => None,
    };
    let report = serde_json::json!({
        "records": records,
        "queries": queries.len(),
        "refused": refused,
        "threads": args.threads,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "build_seconds": build,
        "index_mib": index_mib,
        "peak_rss_mib": peak_rss_mib(),
        "p50_ms": quantile(&latencies, 0.50),
        "p99_ms": quantile(&latencies, 0.99),
        "max_ms": latencies.last().copied().unwrap_or(f64::NAN),
        "candidates_p50": quantile(&candidates, 0.50),
        "queries_per_second": queries.len() as f64 / total,
    });
    if args.json {
        println!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    let mib = |v: &serde_json::Value| v.as_f64().map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "unknown".into());
    println!(
        "index over {} records: built in {build:.2} s on {} cores, {} resident ({} peak); queries on {} thread(s)",
        report["records"],
        report["cores"],
        mib(&report["index_mib"]),
        mib(&report["peak_rss_mib"]),
        args.threads
    );
    println!(
        "{} queries ({refused} refused): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} queries/s; \
         median {:.0} candidates scored per query",
        queries.len(),
        quantile(&latencies, 0.50),
        quantile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
        queries.len() as f64 / total,
        quantile(&candidates, 0.50)
    );
    Ok(ExitCode::SUCCESS)
}

fn import(args: BenchImport) -> Result<ExitCode> {
    let tmp;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            tmp = std::env::temp_dir().join(format!("athar-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp).context("cannot create a temporary folder")?;
            tmp.clone()
        }
    };
    let csv = dir.join("bench.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).context("cannot write the bench file")?);
        writeln!(f, "record_id,given_name,father_name,family_name,mother_name,birth_date,phone,status")?;
        for i in 0..args.rows {
            writeln!(
                f,
                "R{i},{},{},{},{},{:02}/{:02}/{},+9639{:08},{}",
                GIVEN[i % GIVEN.len()],
                GIVEN[(i / 7) % GIVEN.len()],
                FAMILY[(i / 3) % FAMILY.len()],
                GIVEN[(i / 11) % GIVEN.len()],
                1 + i % 28,
                1 + i % 12,
                1950 + i % 60,
                i,
                if i % 3 == 0 { "معتقل" } else { "missing" }
            )?;
        }
    }
    let size = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
    let db = dir.join("bench.db");
    for p in [db.clone(), db.with_extension("key"), db.with_extension("db-wal"), db.with_extension("db-shm")] {
        let _ = std::fs::remove_file(p);
    }
    let exe = std::env::current_exe().context("cannot find the athar binary")?;
    let start = Instant::now();
    // The import runs as its own process, so its peak memory is its own.
    let out = std::process::Command::new(exe)
        .arg("--db")
        .arg(&db)
        .args(["--actor", "bench", "import"])
        .arg(&csv)
        .args(["--source", "bench", "--id-column", "record_id", "--json"])
        .env("ATHAR_BENCH_REPORT_RSS", "1")
        .output()
        .context("cannot run the import")?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        anyhow::bail!("the import failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).context("import printed no JSON")?;
    let rss = String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-mib: ").and_then(|v| v.parse::<f64>().ok()));
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "rows": args.rows, "csv_bytes": size, "seconds": secs, "rows_per_s": args.rows as f64 / secs,
                "peak_rss_mib": rss, "cores": cores,
                "imported": report["imported"], "quarantined": report["quarantined"],
            })
        );
        if args.dir.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "import of {} rows ({:.0} MiB CSV): {:.2} s, {:.0} rows/s, peak memory {} — {} cores",
        args.rows,
        size as f64 / (1024.0 * 1024.0),
        secs,
        args.rows as f64 / secs,
        rss.map(|r| format!("{r:.0} MiB")).unwrap_or_else(|| "unknown".into()),
        cores
    );
    println!("imported {} quarantined {}", report["imported"], report["quarantined"]);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}

fn live(global: &crate::Global, args: BenchLive) -> Result<ExitCode> {
    use athar_registry::import::{ImportRequest, SourceKind};
    use athar_registry::link::LinkOptions;
    use athar_registry::Query;
    use athar_registry::{NewInquiry, Silent};
    let registry = global.registry()?;
    let me = global.party();
    let before = proc_mib("VmRSS:");
    let start = Instant::now();
    let records = registry.on_index(&me, "bench live", |index| index.len())?;
    let build = start.elapsed().as_secs_f64();
    let held = proc_mib("VmRSS:");
    let mut req = ImportRequest::new(&args.list, format!("bench-live-{}", std::process::id()));
    req.kind = SourceKind::Inquiry;
    req.force = true;
    let start = Instant::now();
    let imported = registry.import(&me, &req, &Silent)?;
    let import_total = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let linked = registry.link(&me, &LinkOptions::default(), &Silent)?;
    let link_total = start.elapsed().as_secs_f64();
    // Inquiries against the held index: each is recorded and searched for at once.
    let mut inquiry_ms = Vec::new();
    for k in 0..args.inquiries {
        let sought = Query {
            name: Some(["Mohammed Halabi", "Олександр Шевченко", "Omar Darwish"][k % 3].into()),
            ..Query::default()
        };
        let enquirer = athar_registry::Enquirer {
            name: "bench".into(),
            relationship: "bench".into(),
            contact: None,
            consent: "family: none".into(),
        };
        let t = Instant::now();
        registry.add_inquiry(&me, NewInquiry { sought, enquirer })?;
        inquiry_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    inquiry_ms.sort_by(f64::total_cmp);
    let builds = registry.index_builds();
    let report = serde_json::json!({
        "records_before": records,
        "index_build_seconds": build,
        "index_mib": match (before, held) { (Some(b), Some(h)) => Some(h - b), _ => None },
        "imported": imported.imported,
        "import_seconds": import_total,
        "import_index_seconds": imported.index_seconds,
        "link_seconds": link_total,
        "link_index_seconds": linked.index_seconds,
        "new_records_linked": linked.new_records,
        "index_builds": builds,
        "inquiry_add_ms_p50": quantile(&inquiry_ms, 0.5),
        "inquiry_add_ms_max": inquiry_ms.last().copied(),
        "peak_rss_mib": peak_rss_mib(),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
    });
    if args.json {
        println!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    let secs = |v: &serde_json::Value| v.as_f64().map(|s| format!("{s:.3} s")).unwrap_or_else(|| "—".into());
    println!(
        "index over {records} records built in {build:.2} s ({} MiB resident)",
        report["index_mib"].as_f64().map(|m| format!("{m:.0}")).unwrap_or_else(|| "?".into())
    );
    println!(
        "import of {} records: {import_total:.2} s, of which the live index {}; incremental link: {link_total:.2} s, \
         of which the live index {}; index built {builds} time(s)",
        imported.imported,
        secs(&report["import_index_seconds"]),
        secs(&report["link_index_seconds"])
    );
    println!(
        "inquiry add against the held index: p50 {:.1} ms, max {:.1} ms ({} inquiries); peak memory {:.0} MiB",
        quantile(&inquiry_ms, 0.5),
        inquiry_ms.last().copied().unwrap_or(f64::NAN),
        inquiry_ms.len(),
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    Ok(ExitCode::SUCCESS)
}
