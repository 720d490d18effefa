//! The store end to end: init, keys, import transaction, encryption at rest, audit chain.

use athar_store::{NewRecord, NewSource, Store, StoreError};

fn new_source(name: &str, sha: &str) -> NewSource {
    NewSource {
        name: name.into(),
        kind: "ngo-list".into(),
        file_name: "list.csv".into(),
        sha256: sha.into(),
        size: 10,
        format: "csv".into(),
        encoding: Some("UTF-8".into()),
        actor: "tester".into(),
        description: None,
        mapping_json: "{}".into(),
    }
}

fn record(row: i64, given: &str, phone: &str) -> NewRecord {
    NewRecord {
        row,
        source_record_id: Some(format!("r{row}")),
        raw: vec![given.into(), phone.into(), "extra".into()],
        private: vec![false, true, true],
        fields: vec![("given_name", given.into())],
        national_id: Some("AB-123".into()),
        registry_number: None,
        fingerprint: given.len() as i64,
    }
}

#[test]
fn init_is_idempotent_and_creates_a_private_key_beside_the_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("athar.db");
    let key = athar_store::default_key_path(&db);
    let (_, first) = Store::init(&db, &key).expect("init");
    assert!(first.created_database && first.created_key_file);
    let (_, second) = Store::init(&db, &key).expect("init again");
    assert!(!second.created_database && !second.created_key_file);
    assert_eq!(key, dir.path().join("athar.key"));
}

#[test]
fn a_missing_or_foreign_key_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("athar.db");
    let key = dir.path().join("athar.key");
    drop(Store::open(&db, &key).expect("open"));
    std::fs::rename(&key, dir.path().join("moved.key")).expect("move key");
    let err = Store::open(&db, &key).expect_err("missing key");
    assert!(matches!(err, StoreError::MissingKey { .. }), "{err}");
    let other = dir.path().join("other.key");
    drop(Store::open(&dir.path().join("other.db"), &other).expect("other db"));
    let err = Store::open(&db, &other).expect_err("foreign key");
    assert!(err.to_string().contains("does not belong"), "{err}");
}

#[test]
fn import_commits_whole_and_private_values_are_encrypted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("athar.db");
    let key = dir.path().join("athar.key");
    let mut store = Store::open(&db, &key).expect("open");
    let mut imp = store.begin_import(&new_source("list one", "abc"), false).expect("begin");
    imp.set_columns(&["name".into(), "phone".into(), "other".into()]).expect("columns");
    imp.add_record(&record(1, "Mohammed", "+963944123456")).expect("record");
    imp.add_quarantine(2, "no usable name", &["".into(), "+963944999888".into()]).expect("quarantine");
    imp.add_file_chunk(b"name,phone\nMohammed,+963944123456\n").expect("file");
    let sid = imp.commit("tester").expect("commit");
    let s = store.source_by_name("list one").expect("query").expect("source");
    assert_eq!((s.rows, s.imported, s.quarantined), (2, 1, 1));
    assert_eq!(s.source_id, sid);
    let r = store.record("list one:r1").expect("query").expect("record");
    assert_eq!(r.raw[1], ("phone".to_string(), "+963944123456".to_string()));
    assert_eq!(r.derived, vec![("given_name".to_string(), "Mohammed".to_string())]);
    let q = store.quarantine(Some("list one")).expect("quarantine");
    assert_eq!(q[0].raw[1], "+963944999888");
    let mut file = Vec::new();
    store.original_file(sid.parse().expect("id"), &mut file).expect("file");
    assert!(file.starts_with(b"name,phone"));
    drop(store);
    let bytes = std::fs::read(&db).expect("db bytes");
    for secret in [&b"+963944123456"[..], b"+963944999888", b"AB-123"] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret), "a secret is in the database file in clear");
    }
}

#[test]
fn an_import_that_is_not_committed_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("a.db"), &dir.path().join("a.key")).expect("open");
    {
        let mut imp = store.begin_import(&new_source("dropped", "x"), false).expect("begin");
        imp.add_record(&record(1, "Ali", "1")).expect("record");
        // dropped without commit: rolled back
    }
    assert!(store.sources().expect("sources").is_empty());
    assert_eq!(store.stats().expect("stats").records, 0);
}

#[test]
fn raw_values_cannot_be_overwritten_nor_records_deleted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("a.db");
    let mut store = Store::open(&db, &dir.path().join("a.key")).expect("open");
    let mut imp = store.begin_import(&new_source("s", "x"), false).expect("begin");
    imp.add_record(&record(1, "Ali", "1")).expect("record");
    imp.commit("t").expect("commit");
    drop(store);
    let conn = rusqlite::Connection::open(&db).expect("raw connection");
    assert!(conn.execute("UPDATE records SET raw_clear = '[]'", []).is_err());
    assert!(conn.execute("DELETE FROM records", []).is_err());
}

#[test]
fn audit_chain_verifies_and_names_the_first_tampered_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("a.db");
    let key = dir.path().join("a.key");
    let store = Store::open(&db, &key).expect("open");
    for i in 0..5 {
        store
            .audit("alice", "search", Some(&format!("query:{i}")), Some(i), Some("secret search text"))
            .expect("audit");
    }
    let v = store.verify_audit(false).expect("verify");
    assert!(v.ok && v.entries == 5);
    let (count, head) = store.audit_anchor().expect("anchor");
    assert_eq!((count, head.clone()), (5, v.head));
    drop(store);
    let bytes = std::fs::read(&db).expect("db bytes");
    assert!(!bytes.windows(6).any(|w| w == b"secret"), "search text is stored only encrypted");
    let conn = rusqlite::Connection::open(&db).expect("raw");
    conn.execute_batch("DROP TRIGGER audit_append_only_update; UPDATE audit SET actor = 'mallory' WHERE seq = 3;")
        .expect("tamper");
    drop(conn);
    let store = Store::open(&db, &key).expect("open");
    let v = store.verify_audit(false).expect("verify");
    assert!(!v.ok);
    assert_eq!(v.first_bad, Some(3));
    assert_eq!(store.audit_hash_at(count).expect("query").as_deref(), Some(head.as_str()), "the anchor still holds");
}

#[test]
fn a_cut_off_tail_shows_against_the_anchor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("a.db");
    let key = dir.path().join("a.key");
    let store = Store::open(&db, &key).expect("open");
    for i in 0..4 {
        store.audit("alice", "read", Some(&format!("record:{i}")), Some(1), None).expect("audit");
    }
    let (count, head) = store.audit_anchor().expect("anchor");
    drop(store);
    let conn = rusqlite::Connection::open(&db).expect("raw");
    conn.execute_batch("DROP TRIGGER audit_append_only_delete; DELETE FROM audit WHERE seq > 2;").expect("cut");
    drop(conn);
    let store = Store::open(&db, &key).expect("open");
    assert!(store.verify_audit(false).expect("verify").ok, "what is left still chains");
    assert_ne!(store.audit_hash_at(count).expect("query").as_deref(), Some(head.as_str()), "but the anchor is gone");
}

#[test]
fn backup_is_a_consistent_copy_and_restore_checks_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("a.db");
    let key = dir.path().join("a.key");
    let mut store = Store::open(&db, &key).expect("open");
    let mut imp = store.begin_import(&new_source("s", "x"), false).expect("begin");
    imp.add_record(&record(1, "Ali", "+963944123456")).expect("record");
    imp.commit("t").expect("commit");
    let out = dir.path().join("backup.db");
    store.backup(&out).expect("backup");
    assert!(store.backup(&out).is_err(), "an existing file is not overwritten");
    let bytes = std::fs::read(&out).expect("backup bytes");
    assert!(!bytes.windows(13).any(|w| w == b"+963944123456"));
    drop(store);
    let other_key = dir.path().join("b.key");
    drop(Store::open(&dir.path().join("b.db"), &other_key).expect("b"));
    assert!(Store::restore(&out, &db, &other_key).is_err());
    Store::restore(&out, &db, &key).expect("restore");
    let store = Store::open(&db, &key).expect("reopen");
    assert_eq!(store.stats().expect("stats").records, 1);
}

#[test]
fn adding_to_persons_refuses_a_registry_another_link_or_a_judgement_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("a.db"), &dir.path().join("a.key")).expect("open");
    let mut imp = store.begin_import(&new_source("list", "x"), false).expect("begin");
    for row in 1..=3 {
        imp.add_record(&record(row, "Ali", "1")).expect("record");
    }
    imp.commit("tester").expect("commit");
    let state = vec![("stamp".to_string(), b"first".to_vec())];
    store.save_persons(&[vec![1], vec![2]], &[], &state, "tester", "link", None).expect("save");
    let read = store.persons_stamp().expect("stamp");
    assert_eq!(read.linked, (2, 2));
    // Record 3 joins the person of record 1, against what was read: written.
    let person = store.persons_of_records().expect("persons")[&1].clone();
    let later = vec![("stamp".to_string(), b"second".to_vec())];
    let report = store
        .add_to_persons(&[(Some(person.clone()), vec![3])], &[], &later, read, "tester")
        .expect("add")
        .expect("nothing changed meanwhile");
    assert_eq!((report.persons, report.new_ids), (2, 0));
    assert_eq!(store.persons_of_records().expect("persons")[&3], person);
    assert_eq!(store.link_state("stamp").expect("state")[0].1, b"second");
    // The same again, against the extent read before: refused, nothing written.
    let stale = vec![("stamp".to_string(), b"stale".to_vec())];
    let refused = store.add_to_persons(&[(None, vec![3])], &[], &stale, read, "tester").expect("add");
    assert!(refused.is_none());
    assert_eq!(store.persons_of_records().expect("persons")[&3], person);
    assert_eq!(store.link_state("stamp").expect("state")[0].1, b"second");
}
