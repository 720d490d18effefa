//! One registry, many threads: searches run while another thread imports and links through the
//! same registry. No error; every answer is the answer of the registry before a write or after
//! it (never a half-written state); the index at the end is the one built again from the store.

mod common;

use athar_registry::link::LinkOptions;
use athar_registry::{Registry, Silent};
use athar_search::{Query, SearchResults};
use common::{import_into, me, synth, Reg};
use std::sync::atomic::{AtomicBool, Ordering};

fn answer(r: &Registry, q: &Query) -> Result<SearchResults, String> {
    r.search(&me(), q, 10).map_err(|e| e.to_string())
}

/// A registry with the first lists imported and linked, its index built.
fn start(lists: &[(String, String)]) -> Reg {
    let reg = Reg::new();
    for (name, text) in &lists[..2] {
        import_into(&reg.registry, reg.write(&format!("{name}.csv"), text), name);
    }
    reg.registry.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    reg
}

#[test]
fn searches_while_a_list_is_imported_and_linked_see_a_state_before_or_after_each_write() {
    let (lists, queries) = synth(300, 23);
    let queries: Vec<Query> = queries.into_iter().take(40).collect();
    let later = &lists[2..];
    // The answers of each state, written one after the other.
    let reference = start(&lists);
    let mut states = vec![queries.iter().map(|q| answer(&reference.registry, q)).collect::<Vec<_>>()];
    for (name, text) in later {
        import_into(&reference.registry, reference.write(&format!("{name}.csv"), text), name);
        states.push(queries.iter().map(|q| answer(&reference.registry, q)).collect());
    }
    reference.registry.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    states.push(queries.iter().map(|q| answer(&reference.registry, q)).collect());
    // The same writes while three threads search.
    let reg = start(&lists);
    let r = &reg.registry;
    let _ = answer(r, &queries[0]);
    let done = AtomicBool::new(false);
    let seen: Vec<Vec<(usize, Result<SearchResults, String>)>> = std::thread::scope(|s| {
        let searchers: Vec<_> = (0..3)
            .map(|t| {
                let done = &done;
                let queries = &queries;
                s.spawn(move || {
                    let mut seen = Vec::new();
                    let mut k = t;
                    // Bounded: at most 400 searches a thread.
                    while !done.load(Ordering::Acquire) && seen.len() < 400 {
                        let q = k % queries.len();
                        seen.push((q, answer(r, &queries[q])));
                        k += 3;
                    }
                    seen
                })
            })
            .collect();
        for (name, text) in later {
            import_into(r, reg.write(&format!("{name}.csv"), text), name);
        }
        r.link(&me(), &LinkOptions::default(), &Silent).expect("link");
        done.store(true, Ordering::Release);
        searchers.into_iter().map(|h| h.join().expect("searcher")).collect()
    });
    let mut checked = 0;
    for (q, got) in seen.into_iter().flatten() {
        assert!(got.is_ok(), "query {q} failed: {got:?}");
        assert!(states.iter().any(|state| state[q] == got), "query {q}: an answer of no state: {got:?}");
        checked += 1;
    }
    assert!(checked > 0);
    // At the end: the last state, which an index built again also answers.
    let last = states.last().expect("states");
    for (q, query) in queries.iter().enumerate() {
        assert_eq!(answer(r, query), last[q]);
    }
    let rebuilt = reg.other();
    for (q, query) in queries.iter().enumerate() {
        assert_eq!(answer(&rebuilt, query), last[q], "query {q}");
    }
    assert_eq!(r.index_builds(), 1);
}

#[test]
fn a_registry_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Registry>();
}

#[test]
fn audit_entries_noted_at_the_same_moment_are_all_written_once_and_the_chain_holds() {
    let reg = Reg::new();
    let r = &reg.registry;
    let before = r.audit_log(&me(), 100_000).expect("audit log").len();
    // 8 threads note 40 refusals each, at the same moment: written in groups, none lost.
    std::thread::scope(|s| {
        for t in 0..8 {
            s.spawn(move || {
                for i in 0..40 {
                    r.audit_refusal(Some(&me()), "refused.429", &format!("t{t}-{i}")).expect("audited");
                }
            });
        }
    });
    let log = r.audit_log(&me(), 100_000).expect("audit log");
    assert_eq!(log.len(), before + 320);
    let mut targets: Vec<&str> =
        log.iter().filter_map(|e| e.target.as_deref()).filter(|t| t.starts_with('t')).collect();
    targets.sort_unstable();
    targets.dedup();
    assert_eq!(targets.len(), 320, "every entry once");
    let report = r.verify_audit(&me(), false, None).expect("verify");
    assert!(report.verdict.ok, "{:?}", report.verdict.problem);
}
