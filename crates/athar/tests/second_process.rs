//! A registry held by one process (as a server holds it, with its search index) while a
//! second process — the `athar` command — imports into the same database: the next search of
//! the holder sees the new records, caught up in place, never a stale "not found".

use athar_registry::Query;
use athar_registry::{Actor, Registry};
use std::process::Command;

#[test]
fn a_search_after_another_process_imports_sees_the_new_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, key) = (dir.path().join("r.db"), dir.path().join("r.key"));
    let me = Actor::local("holder");
    let (registry, _) = Registry::init(&db, &key, &me).expect("init");
    let first = dir.path().join("first.csv");
    std::fs::write(&first, "given_name,family_name,birth_date\nOmar,Darwish,1969\n").expect("write");
    let athar = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_athar"))
            .arg("--db")
            .arg(&db)
            .arg("--key-file")
            .arg(&key)
            .args(["--actor", "second"])
            .args(args)
            .output()
            .expect("athar runs");
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    athar(&["import", first.to_str().expect("p"), "--source", "first"]);
    let query = Query { name: Some("Khaled Shami".into()), ..Query::default() };
    let before = registry.search(&me, &query, 10).expect("search");
    assert!(before.results.iter().all(|m| m.probability < 0.5), "not there yet: {before:?}");
    assert_eq!(registry.index_builds(), 1);
    // The second process imports while the first holds its index.
    let second = dir.path().join("second.csv");
    std::fs::write(&second, "given_name,family_name,birth_date\nKhaled,Shami,1990\n").expect("write");
    athar(&["import", second.to_str().expect("p"), "--source", "second"]);
    let after = registry.search(&me, &query, 10).expect("search");
    let best = after.results.first().expect("found");
    assert!(best.records.iter().any(|r| &*r.source == "second"), "{after:?}");
    assert_eq!(registry.index_builds(), 1, "caught up in place, not built again");
}
