//! How long work reports where it is: a phase with a name and, when known, how much there is
//! to do, then how much is done. The command line draws a bar on standard error; a server keeps
//! the latest report for a page to poll. Reporting is cheap: callers report every few thousand
//! rows, not every row.

/// A sink for progress reports; `Sync` so that work on several threads may report.
pub trait Progress: Sync {
    /// A new phase of the work (`reading`, `blocking`, `scoring` …), with its size if known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// How much of the current phase is done.
    fn done(&self, count: u64);
}

/// No reports (tests, batch jobs).
pub struct Silent;

impl Progress for Silent {
    fn phase(&self, _: &str, _: Option<u64>) {}
    fn done(&self, _: u64) {}
}
