//! Records flagged sensitive: hidden from the roles that may not see them, said (never a silent
//! "not found"), shown to investigators, and sealed in the audit chain.

mod common;

use athar_registry::link::LinkOptions;
use athar_registry::{Action, Actor, RegistryError, Role, Silent};
use common::{me, name_query, Reg};

const LIST: &str = "source_record_id,given_name,father_name,family_name,mother_name,birth_date\n\
c1,Rami,Ahmad,Haddad,Salma,2009\n\
c2,Rami,Ahmad,Haddad,Salma,2009\n\
c3,Nour,Khaled,Sabbagh,Rima,1980\n";

fn caseworker() -> Actor {
    Actor::new("cw", &[Role::Caseworker])
}

fn investigator() -> Actor {
    Actor::new("inv", &[Role::Investigator])
}

#[test]
fn a_flagged_record_is_withheld_from_a_caseworker_and_said_so_and_shown_to_an_investigator() {
    let reg = Reg::new();
    let r = &reg.registry;
    reg.import("list.csv", LIST);
    r.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    let query = name_query("Rami Ahmad Haddad");
    let before = r.search(&caseworker(), &query, 5).expect("search");
    let rami = before.results[0].person_id.clone();
    assert_eq!(before.withheld, 0);

    // Only an investigator flags; an unknown flag is refused by name.
    let e = r.set_flags(&caseworker(), "list.csv:c1", &["minor".into()]).expect_err("caseworker");
    assert!(matches!(e, RegistryError::Forbidden { .. }), "{e}");
    let e = r.set_flags(&investigator(), "list.csv:c1", &["child".into()]).expect_err("unknown flag");
    assert!(e.to_string().contains("'child' is not a sensitivity flag"), "{e}");
    let id = r.set_flags(&investigator(), "list.csv:c1", &["minor".into()]).expect("flag");

    // The caseworker: the match is withheld and counted; the person's records, the record,
    // the explanation and a judgement are refused or withheld.
    let after = r.search(&caseworker(), &query, 5).expect("search");
    assert!(after.results.iter().all(|m| m.person_id != rami), "withheld: {:?}", after.results);
    assert_eq!(after.withheld, 1, "the caseworker is told that a match is withheld");
    let person = r.person(&caseworker(), &rami).expect("person");
    assert!(person.records.iter().all(|x| x.record_id != id.to_string()));
    assert!(person.withheld >= 1 && person.flags.is_empty());
    let e = r.record(&caseworker(), &id.to_string()).expect_err("record");
    assert!(matches!(e, RegistryError::Withheld(_)), "{e}");
    assert!(matches!(r.explain(&caseworker(), "list.csv:c1", "list.csv:c2"), Err(RegistryError::Withheld(_))));
    assert!(matches!(
        r.judge(&caseworker(), "list.csv:c1", "list.csv:c3", "different", None),
        Err(RegistryError::Withheld(_))
    ));
    assert!(r
        .review(&caseworker(), &Default::default())
        .expect("review")
        .items
        .iter()
        .all(|p| p.record_a != id.to_string() && p.record_b != id.to_string()));
    // The other person is untouched.
    let nour = r.search(&caseworker(), &name_query("Nour Khaled Sabbagh"), 5).expect("search");
    assert_eq!(nour.withheld, 0);
    assert!(!nour.results.is_empty());

    // The investigator sees all, with the flags.
    let seen = r.search(&investigator(), &query, 5).expect("search");
    assert_eq!(seen.withheld, 0);
    assert_eq!(seen.results[0].person_id, rami);
    let person = r.person(&investigator(), &rami).expect("person");
    assert_eq!(person.withheld, 0);
    assert_eq!(person.flags.get(&id.to_string()).map(Vec::as_slice), Some(&["minor".to_string()][..]));
    assert!(r.record(&investigator(), &id.to_string()).is_ok());

    // Cleared: seen again by the caseworker.
    r.set_flags(&investigator(), &id.to_string(), &[]).expect("clear");
    assert_eq!(r.search(&caseworker(), &query, 5).expect("search").withheld, 0);
    assert!(investigator().may(Action::Sensitive) && !caseworker().may(Action::Sensitive));
}

#[test]
fn a_flag_cleared_or_added_outside_athar_is_named_by_audit_verify() {
    let reg = Reg::new();
    let r = &reg.registry;
    reg.import("list.csv", LIST);
    let id = r.set_flags(&investigator(), "list.csv:c1", &["minor".into(), "informant".into()]).expect("flag");
    assert!(r.verify_audit(&me(), false, None).expect("verify").verdict.ok);
    let db = rusqlite::Connection::open(reg.dir.path().join("r.db")).expect("open");
    db.execute("UPDATE record_flags SET flags = '' WHERE record_id = ?1", [id]).expect("clear");
    let v = r.verify_audit(&me(), false, None).expect("verify").verdict;
    assert!(!v.ok);
    assert!(v.problem.as_deref().unwrap_or("").contains(&format!("sensitivity flags of record {id}")), "{v:?}");
    db.execute("DELETE FROM record_flags", []).expect("delete");
    let v = r.verify_audit(&me(), false, None).expect("verify").verdict;
    assert!(v.problem.as_deref().unwrap_or("").contains("were removed outside Athar"), "{v:?}");
    db.execute("INSERT INTO record_flags VALUES(2, 'minor', 'now', 'someone')", []).expect("insert");
    let v = r.verify_audit(&me(), false, None).expect("verify").verdict;
    assert!(v.problem.as_deref().unwrap_or("").contains("not in the audit chain"), "{v:?}");
}

#[test]
fn a_record_not_linked_yet_is_its_own_person_everywhere_and_a_mistyped_id_is_not_found() {
    let reg = Reg::new();
    let r = &reg.registry;
    reg.import("list.csv", LIST);
    // Before any link, search answers R<id>; the person page, status and viewers read it.
    let found = r.search(&investigator(), &name_query("Nour Khaled Sabbagh"), 1).expect("search");
    let person = found.results[0].person_id.clone();
    assert!(person.starts_with('R'), "{person}");
    assert_eq!(r.person(&investigator(), &person).expect("person").records.len(), 1);
    assert!(r.status_timeline(&investigator(), &person).is_ok());
    assert!(!r.viewers_of(&me(), &person).expect("viewers").is_empty(), "the view above is listed");
    for missing in ["R999999", "P424242"] {
        assert!(matches!(r.person(&investigator(), missing), Err(RegistryError::NotFound(_))), "{missing}");
        assert!(matches!(r.viewers_of(&me(), missing), Err(RegistryError::NotFound(_))), "{missing}");
    }
    // A record of another person is not flagged through this one.
    let other = r.search(&investigator(), &name_query("Rami Ahmad Haddad"), 1).expect("search").results[0].records[0]
        .record_id
        .to_string();
    let e = r.set_person_flags(&investigator(), &person, &other, &["minor".into()]).expect_err("another's");
    assert!(matches!(e, RegistryError::NotFound(_)), "{e}");
    assert!(r.flagged(&investigator()).expect("flags").is_empty(), "nothing changed");
}

#[test]
fn the_viewers_report_lists_the_searches_whose_answer_showed_the_person_even_after_a_merge() {
    let reg = Reg::new();
    let r = &reg.registry;
    reg.import("list.csv", LIST);
    // Before any link: the answer shows a record, R<id>.
    let early = r.search(&caseworker(), &name_query("Rami Ahmad Haddad"), 1).expect("search");
    let shown_early = early.results[0].person_id.clone();
    assert!(shown_early.starts_with('R'), "{shown_early}");
    // A search that shows only someone else.
    let nour = r.search(&caseworker(), &name_query("Nour Khaled Sabbagh"), 1).expect("search");
    assert!(!nour.results.is_empty());
    r.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    let later = r.search(&investigator(), &name_query("Rami Ahmad Haddad"), 1).expect("search");
    let rami = later.results[0].person_id.clone();
    assert!(rami.starts_with('P'), "{rami}");
    let report = r.viewers_of(&me(), &rami).expect("viewers");
    let searches: Vec<_> = report.iter().filter(|e| e.action == "search").collect();
    assert_eq!(searches.len(), 2, "the search before the link (as {shown_early}) and after: {report:?}");
    assert_eq!(searches[0].actor, "cw");
    assert_eq!(searches[1].actor, "inv");
    let nour_id = nour.results[0].person_id.clone();
    let nour_person =
        r.search(&investigator(), &name_query("Nour Khaled Sabbagh"), 1).expect("search").results[0].person_id.clone();
    let report = r.viewers_of(&me(), &nour_person).expect("viewers");
    assert_eq!(report.iter().filter(|e| e.action == "search").count(), 2, "{nour_id}: {report:?}");
    // The report names ids only, and is audited itself.
    let log = r.audit_log(&me(), 5).expect("log");
    assert!(log.iter().any(|e| e.action == "audit.viewers"));
}
