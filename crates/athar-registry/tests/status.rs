//! A person's status over time: the lists' statuses with their dates, and changes recorded
//! with evidence (never without), sealed in the audit chain.

mod common;

use athar_registry::link::LinkOptions;
use athar_registry::{Actor, RegistryError, Role, Silent};
use common::{me, Reg};

const LIST: &str = "source_record_id,given_name,father_name,family_name,mother_name,birth_date,status,arrest_date\n\
a1,Rami,Ahmad,Haddad,Salma,1990,detained,2013-04-02\n";
const RELEASE: &str = "source_record_id,given_name,family_name\nr1,Someone,Else\n";

#[test]
fn a_status_change_needs_evidence_and_joins_the_lists_statuses_in_a_dated_timeline() {
    let reg = Reg::new();
    let r = &reg.registry;
    reg.import("list.csv", LIST);
    reg.import("release-2024.csv", RELEASE);
    r.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    let person =
        r.search(&me(), &common::name_query("Rami Ahmad Haddad"), 1).expect("search").results[0].person_id.clone();
    let cw = Actor::new("cw", &[Role::Caseworker]);
    let e = r.record_status(&cw, &person, "released", Some("2024-12-09"), None, None).expect_err("no evidence");
    assert!(e.to_string().contains("needs its evidence"), "{e}");
    assert!(r.record_status(&cw, &person, "freed", None, None, Some("seen")).is_err(), "not a status");
    assert!(r.record_status(&cw, &person, "released", Some("2024-13-01"), None, Some("x")).is_err(), "not a date");
    assert!(matches!(
        r.record_status(&cw, &person, "released", None, Some("no-such-list"), None),
        Err(RegistryError::NotFound(_))
    ));
    assert!(matches!(
        r.record_status(&Actor::new("v", &[Role::Viewer]), &person, "released", None, None, Some("x")),
        Err(RegistryError::Forbidden { .. })
    ));
    r.record_status(&cw, &person, "released", Some("2024-12-09"), Some("release-2024.csv"), Some("seen at Saydnaya"))
        .expect("recorded");
    let t = r.status_timeline(&cw, &person).expect("timeline");
    let steps: Vec<(&str, Option<&str>, &str)> =
        t.iter().map(|e| (e.status.as_str(), e.date.as_deref(), e.kind)).collect();
    assert_eq!(steps, [("detained", Some("2013-04-02"), "list"), ("released", Some("2024-12-09"), "recorded")]);
    assert_eq!(t[1].source.as_deref(), Some("release-2024.csv"));
    assert_eq!(t[1].note.as_deref(), Some("seen at Saydnaya"));
    assert!(r.verify_audit(&me(), true, None).expect("verify").verdict.ok);
    // Changed in the file: named.
    let db = rusqlite::Connection::open(reg.dir.path().join("r.db")).expect("open");
    db.execute("UPDATE status_events SET status = 'deceased'", []).expect("tamper");
    let v = r.verify_audit(&me(), false, None).expect("verify").verdict;
    assert!(v.problem.as_deref().unwrap_or("").contains("status change"), "{v:?}");
    db.execute("UPDATE status_events SET status = 'released'", []).expect("put back");
    // The cited list purged: the change keeps its note, the citation goes, the audit holds.
    r.purge_source(&me(), "release-2024.csv").expect("purge");
    let t = r.status_timeline(&cw, &person).expect("timeline");
    assert_eq!(t[1].source, None);
    assert_eq!(t[1].note.as_deref(), Some("seen at Saydnaya"));
    assert!(r.verify_audit(&me(), true, None).expect("verify").verdict.ok);
}
