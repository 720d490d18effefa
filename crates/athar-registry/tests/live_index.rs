//! The live search index: kept current in place by imports and links made through the
//! registry, caught up from the store after another's writes, and always what an index built
//! again from the store would answer.

mod common;

use athar_registry::link::LinkOptions;
use athar_registry::{Registry, Silent};
use athar_search::{Query, SearchResults};
use common::{import_into, me, synth, Reg};

/// The answers of `queries`, in order (an error as its text).
fn answers(r: &Registry, queries: &[Query]) -> Vec<Result<SearchResults, String>> {
    r.on_index(&me(), "test", |index| {
        queries
            .iter()
            .map(|q| {
                athar_registry::search::checked_query(q.clone())
                    .map_err(|e| e.to_string())
                    .and_then(|q| index.search(&q, 10).map_err(|e| e.to_string()))
            })
            .collect()
    })
    .expect("search")
}

#[test]
fn an_index_kept_in_place_answers_as_one_built_again() {
    let reg = Reg::new();
    let r = &reg.registry;
    let (lists, queries) = synth(400, 17);
    let queries: Vec<Query> = queries.into_iter().cycle().take(1000).collect();
    let (first, rest) = lists.split_at(2);
    for (name, text) in first {
        import_into(r, reg.write(&format!("{name}.csv"), text), name);
    }
    r.link(&me(), &LinkOptions::default(), &Silent).expect("first link");
    // The index is built now, and held.
    let before = answers(r, &queries);
    assert!(before.iter().filter(|a| a.as_ref().is_ok_and(|f| !f.results.is_empty())).count() > 100);
    // More lists and a link through the registry: the index takes them in place.
    for (name, text) in rest {
        import_into(r, reg.write(&format!("{name}.csv"), text), name);
    }
    r.link(&me(), &LinkOptions::default(), &Silent).expect("second link");
    let kept = answers(r, &queries);
    assert_eq!(r.index_builds(), 1, "built once, then kept in place");
    // A registry opened afresh builds its index from the store.
    let fresh = reg.other();
    let rebuilt = answers(&fresh, &queries);
    assert_eq!(kept.len(), rebuilt.len());
    for (k, (a, b)) in kept.iter().zip(&rebuilt).enumerate() {
        assert_eq!(a, b, "query {k} ({:?}) answers differently", queries[k]);
    }
    assert_ne!(before, kept, "the later lists changed answers");
}

#[test]
fn another_registry_s_writes_are_caught_up_before_an_answer() {
    let reg = Reg::new();
    let (lists, queries) = synth(300, 5);
    let (name, text) = &lists[0];
    import_into(&reg.registry, reg.write(&format!("{name}.csv"), text), name);
    let _ = answers(&reg.registry, &queries[..5]);
    // Another process (another registry on the same files) imports and links.
    let other = reg.other();
    for (name, text) in &lists[1..] {
        import_into(&other, reg.write(&format!("{name}.csv"), text), name);
    }
    other.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    // The first registry's next answers see all of it, as an index built again would.
    let caught_up = answers(&reg.registry, &queries);
    assert_eq!(reg.registry.index_builds(), 1, "caught up in place");
    let rebuilt = answers(&reg.other(), &queries);
    assert_eq!(caught_up, rebuilt);
    let stats = reg.registry.stats(&me()).expect("stats");
    let indexed = reg.registry.on_index(&me(), "test", |i| i.len()).expect("index");
    assert_eq!(indexed as i64, stats.records);
}
