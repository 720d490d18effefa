//! This process's memory, as Linux reports it, for the benchmarks' figures.

/// A memory line of this process's /proc status (`VmHWM:` peak, `VmRSS:` now) in MiB (Linux);
/// `None` elsewhere.
pub fn proc_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn peak_rss_mib() -> Option<f64> {
    proc_mib("VmHWM:")
}

/// Called by `import` when benchmarked: the peak memory on standard error.
pub fn report_rss_if_asked() {
    if std::env::var_os("ATHAR_BENCH_REPORT_RSS").is_some() {
        if let Some(r) = peak_rss_mib() {
            eprintln!("peak-rss-mib: {r:.1}");
        }
    }
}
