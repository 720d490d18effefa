//! The load benchmark itself, run small (a second of each loop): every search it sends is
//! answered, signed in, and the searches reach the audit chain — so that the figures
//! `bench/serve_load.sh` reports measure searches that worked, not refusals.

mod common;

use athar_server::bench::{run, LoadPlan};
use common::{local, with_lists, Site};

#[test]
fn the_load_benchmark_sends_signed_in_searches_that_are_answered() {
    let site = Site::new();
    with_lists(&site);
    let db = site._dir.path().join("r.db");
    let registry = athar_registry::Registry::open(&db, &site._dir.path().join("r.key")).expect("open");
    let queries = vec![
        athar_registry::Query { name: Some("محمد أحمد الحلبي".into()), ..Default::default() },
        athar_registry::Query { name: Some("Khaled Shami".into()), born: Some("1990".into()), ..Default::default() },
    ];
    let plan = LoadPlan { rate: 40, seconds: 1, max_seconds: 1, connections: 4, sessions: 2 };
    let report = run(registry, queries, &plan, &|_| {}).expect("bench");
    assert_eq!((report.sent, report.failed), (40, 0), "{report:?}");
    assert!(report.max_per_second > 0.0 && report.max_failed == 0, "{report:?}");
    assert!(report.library_per_second > 0.0 && report.p50_ms > 0.0, "{report:?}");
    assert!(report.generator_cpu_share > 0.0 && report.generator_cpu_share < 1.0, "{report:?}");
    let log = site.app.registry.audit_log(&local(), 2000).expect("log");
    let searches = log.iter().filter(|e| e.action == "search" && e.actor == "athar-bench").count();
    assert!(searches >= 40, "every search answered is audited: {searches}");
    // The loops are bounded.
    let plan = LoadPlan { rate: 10_000, ..plan };
    let registry = athar_registry::Registry::open(&db, &site._dir.path().join("r.key")).expect("open");
    assert!(run(registry, vec![athar_registry::Query::default()], &plan, &|_| {}).is_err(), "bounded");
}
