//! The store under a hostile hand: direct edits of the SQLite file, damaged backups, two
//! writers at once. Each test is a finding of the hostile review (issue 13) that must stay
//! fixed: it fails on the store as it was before.

use athar_store::{NewRecord, NewSource, Store, StoreError};
use std::path::{Path, PathBuf};

struct Reg {
    dir: tempfile::TempDir,
}

impl Reg {
    fn new() -> Reg {
        Reg { dir: tempfile::tempdir().expect("temp dir") }
    }
    fn db(&self) -> PathBuf {
        self.dir.path().join("athar.db")
    }
    fn key(&self) -> PathBuf {
        self.dir.path().join("athar.key")
    }
    fn open(&self) -> Store {
        Store::open(&self.db(), &self.key()).expect("open")
    }
    /// Direct SQL on the database file, as an attacker with file access would.
    fn sql(&self, sql: &str) {
        let conn = rusqlite::Connection::open(self.db()).expect("raw connection");
        conn.execute_batch(sql).expect("tamper");
    }
}

fn source(name: &str, sha: &str) -> NewSource {
    NewSource {
        name: name.into(),
        kind: "register".into(),
        file_name: "list.csv".into(),
        sha256: sha.into(),
        size: 10,
        format: "csv".into(),
        encoding: Some("UTF-8".into()),
        actor: "tester".into(),
        description: None,
        mapping_json: "{\"headers\":[\"name\",\"phone\"]}".into(),
    }
}

fn record(row: i64, name: &str, phone: &str) -> NewRecord {
    NewRecord {
        row,
        source_record_id: Some(format!("r{row}")),
        raw: vec![name.into(), phone.into()],
        private: vec![false, true],
        fields: vec![("full_name", name.into())],
        national_id: None,
        registry_number: None,
        fingerprint: row,
    }
}

/// A registry with one source of three records (each with an encrypted phone), a judgement
/// and persons.
fn filled() -> Reg {
    let reg = Reg::new();
    let mut store = reg.open();
    let mut imp = store.begin_import(&source("list", "aaaa"), false).expect("begin");
    imp.set_columns(&["name".into(), "phone".into()]).expect("columns");
    imp.add_record(&record(2, "Mohammed Ali", "+963944000001")).expect("record");
    imp.add_record(&record(3, "Khaled Omar", "+963944000002")).expect("record");
    imp.add_record(&record(4, "Samer Yusuf", "+963944000003")).expect("record");
    imp.add_quarantine(5, "no usable name", &["".into(), "+963944000004".into()]).expect("quarantine");
    imp.add_file_chunk(b"name,phone\n").expect("file");
    imp.commit("tester").expect("commit");
    store.add_judgement(1, 2, "different", Some("different mothers"), "tester").expect("judge");
    store.save_persons(&[vec![1], vec![2, 3]], &[], &[], "tester", "link", None).expect("persons");
    reg
}

fn verdict(reg: &Reg, deep: bool) -> athar_store::AuditVerdict {
    reg.open().verify_audit(deep).expect("verify runs")
}

#[test]
fn an_untouched_registry_verifies_deeply() {
    let reg = filled();
    let v = verdict(&reg, true);
    assert!(v.ok, "{:?}", v.problem);
}

#[test]
fn an_edited_raw_value_is_named_by_deep_verify() {
    let reg = filled();
    reg.sql("DROP TRIGGER records_raw_immutable; UPDATE records SET raw_clear = '[\"Mohammad Ali\",null]' WHERE record_id = 1;");
    assert!(verdict(&reg, false).ok, "the cheap check does not hash rows");
    let v = verdict(&reg, true);
    assert!(!v.ok);
    let p = v.problem.expect("a problem");
    assert!(p.contains("source 1"), "{p}");
}

#[test]
fn a_changed_source_record_id_or_national_id_hash_or_sha256_shows() {
    for tamper in [
        "DROP TRIGGER records_raw_immutable; UPDATE records SET source_record_id = 'r99' WHERE record_id = 2;",
        "UPDATE sources SET sha256 = 'bbbb' WHERE source_id = 1;",
        "UPDATE quarantine SET reason = 'x';",
    ] {
        let reg = filled();
        reg.sql(tamper);
        assert!(!verdict(&reg, true).ok, "{tamper}");
    }
}

#[test]
fn encrypted_cells_moved_to_another_record_do_not_open() {
    let reg = filled();
    // Swap the encrypted phones of records 1 and 2, and give each the other's MAC too: the
    // ciphertexts are bound to their record ids.
    reg.sql(
        "DROP TRIGGER records_raw_immutable;
         CREATE TEMP TABLE t AS SELECT record_id, raw_private FROM records;
         UPDATE records SET raw_private = (SELECT raw_private FROM t WHERE t.record_id = 3 - records.record_id)
           WHERE record_id IN (1, 2);",
    );
    let store = reg.open();
    let e = store.record("1").expect_err("a moved cell does not open");
    assert!(e.to_string().contains("record:1"), "{e}");
    let v = store.verify_audit(true).expect("verify");
    assert!(!v.ok, "deep verify names it");
}

#[test]
fn deleting_the_whole_chain_does_not_verify_as_intact() {
    let reg = filled();
    reg.sql("DROP TRIGGER audit_append_only_delete; DELETE FROM audit;");
    let v = verdict(&reg, false);
    assert!(!v.ok);
    assert!(v.problem.expect("problem").contains("chain is empty"));
}

#[test]
fn a_source_or_judgement_added_or_removed_outside_athar_shows() {
    let reg = filled();
    reg.sql(
        "INSERT INTO sources(name, kind, file_name, sha256, size, format, imported_at, imported_by, rows, imported, \
         quarantined, mapping_json) VALUES('forged', 'other', 'f.csv', 'cc', 1, 'csv', 'now', 'x', 0, 0, 0, '');",
    );
    assert!(verdict(&reg, false).problem.expect("problem").contains("forged"));
    let reg = filled();
    reg.sql("UPDATE judgements SET decision = 'same';");
    assert!(verdict(&reg, false).problem.expect("problem").contains("judgement 1"));
    let reg = filled();
    reg.sql("DELETE FROM judgements;");
    assert!(!verdict(&reg, false).ok);
}

#[test]
fn a_record_moved_between_persons_shows_in_deep_verify() {
    let reg = filled();
    reg.sql("UPDATE person_records SET person_id = (SELECT person_id FROM person_records WHERE record_id = 1) WHERE record_id = 3;");
    let v = verdict(&reg, true);
    assert!(v.problem.expect("problem").contains("persons"));
}

#[test]
fn clear_texts_that_may_hold_personal_data_are_not_in_the_file() {
    let reg = filled();
    let store = reg.open();
    assert_eq!(store.judgements().expect("judgements")[0].note.as_deref(), Some("different mothers"));
    let r = store.add_inquiry(
        &[("full_name".into(), "Omar Darwish".into())],
        &athar_store::Enquirer {
            name: "Layla".into(),
            relationship: "sister".into(),
            contact: Some("+963955000111".into()),
            consent: "icrc: existence".into(),
        },
        "tester",
    );
    let r = r.expect("inquiry");
    assert!(store.close_inquiry(&r, Some("found alive in Idlib"), "tester").expect("close"));
    assert_eq!(store.inquiries(false).expect("list")[0].closed_reason.as_deref(), Some("found alive in Idlib"));
    let mapping = store.source_mappings().expect("mappings");
    assert!(mapping[0].1.contains("phone"));
    assert!(store.verify_audit(true).expect("verify").ok);
    drop(store);
    let conn = rusqlite::Connection::open(reg.db()).expect("raw");
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE").expect("checkpoint");
    drop(conn);
    let bytes = std::fs::read(reg.db()).expect("bytes");
    for secret in [&b"different mothers"[..], b"found alive", b"+963944000001", b"\"phone\""] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret), "{} in clear", String::from_utf8_lossy(secret));
    }
}

#[test]
fn the_same_file_imported_at_once_twice_gives_one_source() {
    let reg = filled();
    let mut a = reg.open();
    let mut b = reg.open();
    let imp = a.begin_import(&source("first", "dddd"), false).expect("first begins and holds the lock");
    // The second waits for the write lock; with the first committed it sees the same file.
    let handle = std::thread::spawn({
        let db = reg.db();
        let key = reg.key();
        move || {
            let mut c = Store::open(&db, &key).expect("open");
            let r = c.begin_import(&source("third", "dddd"), false).map(|_| ());
            r.map_err(|e| e.to_string())
        }
    });
    let mut imp = imp;
    imp.add_record(&record(2, "Ali Hassan", "")).expect("record");
    imp.commit("tester").expect("commit");
    let second = handle.join().expect("thread");
    let e = second.expect_err("same file refused under the lock");
    assert!(e.contains("imported already"), "{e}");
    let e = b.begin_import(&source("second", "dddd"), false).map(|_| ()).expect_err("refused");
    assert!(e.to_string().contains("imported already"));
    assert!(b.begin_import(&source("second", "dddd"), true).is_ok(), "--force imports it again");
}

#[test]
fn an_import_with_no_record_stores_nothing() {
    let reg = Reg::new();
    let mut store = reg.open();
    let imp = store.begin_import(&source("empty", "eeee"), false).expect("begin");
    let e = imp.commit("tester").expect_err("nothing to import");
    assert!(e.to_string().contains("no data rows"), "{e}");
    let mut imp = store.begin_import(&source("all bad", "ffff"), false).expect("begin");
    imp.add_quarantine(2, "no usable name", &["".into()]).expect("quarantine");
    let e = imp.commit("tester").expect_err("every row set aside");
    assert!(e.to_string().contains("none of the 1 rows"), "{e}");
    assert!(store.sources().expect("sources").is_empty());
}

#[test]
fn two_full_links_at_once_do_not_both_write() {
    let reg = filled();
    let a = reg.open();
    let b = reg.open();
    let read_a = a.persons_stamp().expect("stamp");
    let read_b = b.persons_stamp().expect("stamp");
    a.save_persons(&[vec![1, 2], vec![3]], &[], &[], "tester", "link", Some(read_a)).expect("first saves");
    let e = b.save_persons(&[vec![1], vec![2], vec![3]], &[], &[], "tester", "link", Some(read_b)).expect_err("stale");
    assert!(matches!(e, StoreError::Busy(_)), "{e}");
    let persons = reg.open().persons_of_records().expect("persons");
    assert_eq!(persons[&1], persons[&2], "the first link's persons stand");
    assert!(reg.open().verify_audit(true).expect("verify").ok);
}

fn damage_a_page(path: &Path) {
    // Overwrite the page that holds the records' table: a B-tree page that is no longer one.
    let conn = rusqlite::Connection::open(path).expect("raw");
    let page: i64 = conn
        .query_row("SELECT rootpage FROM sqlite_master WHERE name = 'records'", [], |r| r.get(0))
        .expect("root page");
    let size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0)).expect("page size");
    drop(conn);
    let mut bytes = std::fs::read(path).expect("read");
    let at = ((page - 1) * size) as usize;
    for b in &mut bytes[at..at + 64] {
        *b = 0xA5;
    }
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_damaged_backup_is_refused_before_the_live_database_is_touched() {
    let reg = filled();
    let backup = reg.dir.path().join("backup.db");
    reg.open().backup(&backup).expect("backup");
    damage_a_page(&backup);
    let before = reg.open().stats().expect("stats");
    let e = Store::restore(&backup, &reg.db(), &reg.key()).expect_err("damaged");
    assert!(e.to_string().contains("damaged") || e.to_string().contains("verify"), "{e}");
    assert!(!athar_store::files::side_file(&reg.db(), ".before-restore").exists(), "the live file was not moved");
    let after = reg.open().stats().expect("stats");
    assert_eq!((before.records, before.sources), (after.records, after.sources));
}

#[test]
fn a_backup_whose_data_was_tampered_is_refused() {
    let reg = filled();
    let backup = reg.dir.path().join("backup.db");
    reg.open().backup(&backup).expect("backup");
    let conn = rusqlite::Connection::open(&backup).expect("raw");
    conn.execute_batch("UPDATE judgements SET decision = 'same';").expect("tamper");
    conn.pragma_update(None, "journal_mode", "DELETE").expect("one file");
    drop(conn);
    let e = Store::restore(&backup, &reg.db(), &reg.key()).expect_err("tampered");
    assert!(e.to_string().contains("judgement 1"), "{e}");
}

#[test]
fn restore_is_refused_while_another_process_has_the_registry_open() {
    let reg = filled();
    let backup = reg.dir.path().join("backup.db");
    reg.open().backup(&backup).expect("backup");
    let holder = reg.open();
    let e = Store::restore(&backup, &reg.db(), &reg.key()).expect_err("held open");
    assert!(e.to_string().contains("another process"), "{e}");
    drop(holder);
    let report = Store::restore(&backup, &reg.db(), &reg.key()).expect("restore once free");
    assert_eq!(report.records, 3);
    let aside = report.set_aside.expect("kept aside");
    assert!(aside.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [&reg.db(), &aside, &backup] {
            let mode = std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
    }
    assert!(reg.open().verify_audit(true).expect("verify").ok);
}

#[test]
fn a_sqlite_file_of_another_program_is_not_taken_over() {
    let reg = Reg::new();
    reg.sql("CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES('x');");
    let e = Store::open(&reg.db(), &reg.key()).expect_err("not Athar's");
    assert!(e.to_string().contains("another program"), "{e}");
    assert!(!reg.key().exists(), "no key file made for it");
}
