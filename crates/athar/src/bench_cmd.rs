//! `athar bench import`: a generated list of N rows imported into a fresh database in a
//! temporary folder, timed, with the process's peak memory. Speed targets live here, not in
//! tests.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Import a generated CSV of --rows rows; print rows per second and peak memory.
    Import(BenchImport),
}

#[derive(Args, Debug)]
pub struct BenchImport {
    /// Number of data rows.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Keep the generated file and database in this folder instead of a temporary one.
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

const GIVEN: &[&str] =
    &["محمد", "أحمد", "خالد", "Mohammed", "Hussein", "Олександр", "Сергій", "Fatima", "زينب", "Omar"];
const FAMILY: &[&str] = &["الحلبي", "الشامي", "Hamadeh", "Darwish", "Шевченко", "Коваленко", "al-Khatib", "المصري"];

/// Peak resident memory of this process, from /proc (Linux); `None` elsewhere.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn run(cmd: BenchCommand) -> Result<ExitCode> {
    let BenchCommand::Import(args) = cmd;
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
    println!(
        "import of {} rows ({:.0} MiB CSV): {:.2} s, {:.0} rows/s, peak memory {} — {} cores",
        args.rows,
        size as f64 / (1024.0 * 1024.0),
        secs,
        args.rows as f64 / secs,
        rss.map(|r| format!("{r:.0} MiB")).unwrap_or_else(|| "unknown".into()),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!("imported {} quarantined {}", report["imported"], report["quarantined"]);
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}

/// Called by `import` when benchmarked: the peak memory on standard error.
pub fn report_rss_if_asked() {
    if std::env::var_os("ATHAR_BENCH_REPORT_RSS").is_some() {
        if let Some(r) = peak_rss_mib() {
            eprintln!("peak-rss-mib: {r:.1}");
        }
    }
}
