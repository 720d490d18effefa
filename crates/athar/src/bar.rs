//! Progress on standard error for the command line: a spinner with the phase and the count, or
//! plain lines (`ATHAR_PROGRESS=lines`) for scripts and tests that watch standard error. The
//! registry library reports through [`athar_registry::Progress`]; this draws it.

use athar_registry::Progress;

pub struct Bar {
    bar: indicatif::ProgressBar,
    lines: bool,
    last_line: std::sync::atomic::AtomicU64,
}

impl Bar {
    pub fn new() -> Bar {
        let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {human_pos} ({rate}) {elapsed}")
                .map(|s| {
                    // Whole items per second: "41,233/s", not "41233.2871/s".
                    s.with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{}/s", indicatif::HumanCount(state.per_sec() as u64));
                    })
                })
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Bar {
            bar,
            lines: std::env::var("ATHAR_PROGRESS").is_ok_and(|v| v == "lines"),
            last_line: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Progress for Bar {
    fn phase(&self, name: &str, _total: Option<u64>) {
        self.bar.set_message(name.to_string());
        self.bar.set_position(0);
    }

    fn done(&self, count: u64) {
        self.bar.set_position(count);
        if self.lines {
            // A line every 10,000 rows.
            let step = count / 10_000;
            let last = self.last_line.load(std::sync::atomic::Ordering::Relaxed);
            if step > last {
                self.last_line.store(step, std::sync::atomic::Ordering::Relaxed);
                eprintln!("progress: {} rows", step * 10_000);
            }
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
