//! Purges: a source, or an inquiry and its enquirer, removed through one audited path; the
//! chain and the data it seals still verify, deeply; nothing of it is found again, and its
//! ids are never given again.

mod common;

use athar_registry::link::LinkOptions;
use athar_registry::{Actor, Enquirer, NewInquiry, Query, RegistryError, Role, Silent};
use common::{me, name_query, Reg};

const KEEP: &str = "source_record_id,given_name,father_name,family_name,mother_name,birth_date\n\
k1,Nour,Khaled,Sabbagh,Rima,1980\nk2,Rami,Ahmad,Haddad,Salma,1990\n";
const GO: &str = "source_record_id,given_name,father_name,family_name,mother_name,birth_date\n\
g1,Rami,Ahmad,Haddad,Salma,1990\ng2,Zaid,Fares,Qabbani,Lina,1975\n";

#[test]
fn a_purged_source_leaves_nothing_behind_and_the_audit_still_verifies_deeply() {
    let reg = Reg::new();
    let r = &reg.registry;
    reg.import("keep.csv", KEEP);
    reg.import("go.csv", GO);
    r.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    r.judge(&me(), "keep.csv:k1", "go.csv:g2", "different", Some("not the same man")).expect("judge");
    r.set_flags(&me(), "go.csv:g2", &["informant".into()]).expect("flag");
    let sought = Query { name: Some("Zaid Fares Qabbani".into()), ..Query::default() };
    let enquirer = Enquirer {
        name: "Lina".into(),
        relationship: "mother".into(),
        contact: None,
        consent: "family: status".into(),
    };
    let reference = r.add_inquiry(&me(), NewInquiry { sought, enquirer }).expect("inquiry");
    assert!(!r.leads(&me(), Some(&reference)).expect("leads")[0].1.is_empty(), "a lead in go.csv");
    assert!(!r.search(&me(), &name_query("Zaid Fares Qabbani"), 5).expect("search").results.is_empty());

    let caseworker = Actor::new("cw", &[Role::Caseworker]);
    assert!(matches!(r.purge_source(&caseworker, "go.csv"), Err(RegistryError::Forbidden { .. })));
    assert!(r.purge_source(&me(), "no-such.csv").is_err());
    let report = r.purge_source(&me(), "go.csv").expect("purge");
    assert_eq!((report.records, report.judgements, report.flags), (2, 1, 1), "{report:?}");
    assert!(report.leads >= 1);
    assert!(r.sources(&me()).expect("sources").iter().all(|s| s.name != "go.csv"));
    let found = r.search(&me(), &name_query("Zaid Fares Qabbani"), 5).expect("search");
    assert!(found.results.iter().all(|m| m.records.iter().all(|x| &*x.source != "go.csv")), "{found:?}");
    assert!(r.record(&me(), "go.csv:g1").is_err());
    let v = r.verify_audit(&me(), true, None).expect("verify").verdict;
    assert!(v.ok, "the purge is sealed: {v:?}");
    let log = r.audit_log(&me(), 20).expect("log");
    assert!(log.iter().any(|e| e.action == "purge.source" && e.target.as_deref() == Some(report.target.as_str())));

    // An inquiry and its enquirer (whose sought name is kept in clear, for matching).
    let gone = r.purge_inquiry(&me(), &reference).expect("purge inquiry");
    assert_eq!(gone.target, format!("inquiry:{reference}"));
    assert!(r.inquiry(&me(), &reference).is_err());
    assert!(r.verify_audit(&me(), true, None).expect("verify").verdict.ok);
    // Nothing of either is left in the database or its log, not even in free pages.
    for file in ["r.db", "r.db-wal"] {
        let raw = std::fs::read(reg.dir.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("Qabbani") && !text.contains("qabbani"), "{file} still holds the name");
    }

    // A list imported after it never takes the purged ids; linking again works.
    let again = reg.import("again.csv", GO);
    assert_eq!(again.imported, 2);
    let ids: Vec<i64> = ["again.csv:g1", "again.csv:g2"]
        .iter()
        .map(|x| r.record(&me(), x).expect("record").record_id.parse().expect("id"))
        .collect();
    assert!(ids.iter().all(|&id| id > 4), "new ids, not the purged 3 and 4: {ids:?}");
    r.link(&me(), &LinkOptions::default(), &Silent).expect("link after a purge");
    assert!(r.verify_audit(&me(), true, None).expect("verify").verdict.ok);
}
