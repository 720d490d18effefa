//! The registry library on its own, no binary: the use-cases a front door calls, end to end,
//! and the clear errors of bad input.

mod common;

use athar_registry::import::ImportRequest;
use athar_registry::link::LinkOptions;
use athar_registry::{Action, Actor, NewInquiry, RegistryError, Role, Silent};
use athar_search::Query;
use athar_store::Enquirer;
use common::{me, name_query, Reg};

const ARABIC: &str = "الاسم,اسم الأب,الكنية,اسم الأم,تاريخ الولادة\n\
محمد,أحمد,الحلبي,فاطمة,1985\n\
خالد,عمر,الشامي,زينب,1990\n\
سامر,يوسف,العلي,مريم,1978\n";

const ENGLISH: &str = "given_name,father_name,family_name,mother_name,birth_date\n\
Mohammed,Ahmad,Al-Halabi,Fatima,1985\n\
Omar,Hassan,Darwish,Huda,1969\n\
Samer,Youssef,Al-Ali,Mariam,1978\n";

const THIRD: &str = "full_name,mother_name,birth_date\nOmar Hasan Darwish,Houda,1969\n";

fn enquirer() -> Enquirer {
    Enquirer { name: "Layla".into(), relationship: "sister".into(), contact: None, consent: "icrc: existence".into() }
}

#[test]
fn two_lists_in_two_scripts_link_and_an_inquiry_gets_its_lead_from_a_third() {
    let reg = Reg::new();
    let r = &reg.registry;
    assert_eq!(reg.import("ar.csv", ARABIC).imported, 3);
    assert_eq!(reg.import("en.csv", ENGLISH).imported, 3);
    let report = r.link(&me(), &LinkOptions::default(), &Silent).expect("link");
    assert!(report.persons.persons < 6, "some records across scripts are one person: {}", report.persons.persons);
    // Search in Latin script finds the person whose records are in both scripts.
    let found = r.search(&me(), &name_query("Mohammed Ahmad Al-Halabi"), 5).expect("search");
    let best = &found.results[0];
    let sources: Vec<&str> = best.records.iter().map(|x| &*x.source).collect();
    assert!(sources.contains(&"ar.csv") && sources.contains(&"en.csv"), "one person, both scripts: {sources:?}");
    // An inquiry made now, for someone the third list brings.
    let sought = Query { name: Some("عمر حسن درويش".into()), born: Some("1969".into()), ..Query::default() };
    let reference = r.add_inquiry(&me(), NewInquiry { sought, enquirer: enquirer() }).expect("inquiry");
    let before = r.leads(&me(), Some(&reference)).expect("leads");
    let leads_before = before[0].1.len();
    let third = reg.import("third.csv", THIRD);
    assert!(third.new_inquiry_leads >= 1, "the third list answers the inquiry: {third:?}");
    let after = r.leads(&me(), Some(&reference)).expect("leads");
    assert!(after[0].1.len() > leads_before);
    assert!(after[0].1.iter().any(|l| l.new));
}

#[test]
fn roles_are_enforced_in_the_library() {
    let reg = Reg::new();
    reg.import("en.csv", ENGLISH);
    let r = &reg.registry;
    let viewer = Actor::new("v", &[Role::Viewer]);
    assert!(r.stats(&viewer).is_ok());
    for e in [
        r.search(&viewer, &name_query("Omar"), 5).err(),
        r.record(&viewer, "1").err(),
        r.export_persons(&viewer, "-").err(),
    ] {
        assert!(matches!(e, Some(RegistryError::Forbidden { .. })), "{e:?}");
    }
    let admin = Actor::new("a", &[Role::Admin]);
    assert!(r.verify_audit(&admin, false, None).is_ok());
    assert!(
        matches!(r.quarantine(&admin, None), Err(RegistryError::Forbidden { .. })),
        "no quarantined rows for admin"
    );
    let caseworker = Actor::new("c", &[Role::Caseworker]);
    assert!(r.search(&caseworker, &name_query("Omar"), 5).is_ok());
    let req = ImportRequest::new(reg.write("x.csv", ENGLISH), "x");
    assert!(matches!(r.import(&caseworker, &req, &Silent), Err(RegistryError::Forbidden { .. })));
    assert!(caseworker.may(Action::Inquiries) && !caseworker.may(Action::Export));
}

#[test]
fn bad_input_gets_the_same_clear_errors_as_the_command_line() {
    let reg = Reg::new();
    let r = &reg.registry;
    let me = me();
    let say = |e: RegistryError| e.to_string();
    // Import.
    let missing = ImportRequest::new(reg.dir.path().join("nope.csv"), "s");
    assert!(say(r.import(&me, &missing, &Silent).unwrap_err()).contains("is not a file"));
    let mut early = ImportRequest::new(reg.write("a.csv", ENGLISH), "a");
    early.earliest_year = 0;
    assert!(say(r.import(&me, &early, &Silent).unwrap_err()).contains("--earliest-year"));
    reg.import("en.csv", ENGLISH);
    let again = ImportRequest::new(reg.write("en2.csv", ENGLISH), "en.csv");
    assert!(say(r.import(&me, &again, &Silent).unwrap_err()).contains("exists already"));
    let same_file = ImportRequest::new(reg.dir.path().join("en.csv"), "other");
    assert!(say(r.import(&me, &same_file, &Silent).unwrap_err()).contains("imported already"));
    // Records, persons, judgements.
    assert!(say(r.record(&me, "999").unwrap_err()).contains("no record '999'"));
    assert!(say(r.person(&me, "P404").unwrap_err()).contains("no person 'P404'"));
    assert!(say(r.judge(&me, "1", "2", "maybe", None).unwrap_err()).contains("is not a decision"));
    assert!(say(r.judge(&me, "1", "999", "same", None).unwrap_err()).contains("no record '999'"));
    r.judge(&me, "1", "2", "same", None).expect("judge");
    r.judge(&me, "2", "3", "same", None).expect("judge");
    assert!(say(r.judge(&me, "1", "3", "different", None).unwrap_err()).contains("contradicts"));
    assert!(say(r.withdraw(&me, "77").unwrap_err()).contains("no judgement 77"));
    // Link.
    let bad = LinkOptions { threshold: 1.5, ..LinkOptions::default() };
    assert!(say(r.link(&me, &bad, &Silent).unwrap_err()).contains("not a probability"));
    let band = LinkOptions { review_band: Some((0.5, 0.99)), ..LinkOptions::default() };
    assert!(say(r.link(&me, &band, &Silent).unwrap_err()).contains("the band ends at the threshold"));
    let band = LinkOptions { review_band: Some((0.3, 0.9)), ..LinkOptions::default() };
    assert!(say(r.link(&me, &band, &Silent).unwrap_err()).contains("neither merged nor sent to review"));
    // Search and inquiries.
    assert!(say(r.search(&me, &name_query("Omar"), 101).unwrap_err()).contains("at most 100"));
    assert!(say(r.search(&me, &name_query("Omar"), 0).unwrap_err()).contains("asks for no person"));
    let sex = Query { sex: Some("xyz".into()), ..name_query("Omar") };
    assert!(say(r.search(&me, &sex, 5).unwrap_err()).contains("sex 'xyz' is not known"));
    let born = Query { born: Some("1990-13".into()), ..name_query("Omar") };
    assert!(r.search(&me, &born, 5).is_err());
    let empty = NewInquiry { sought: name_query("Omar"), enquirer: Enquirer { name: " ".into(), ..enquirer() } };
    assert!(say(r.add_inquiry(&me, empty).unwrap_err()).contains("must not be empty"));
    assert!(say(r.close_inquiry(&me, "INQ-NOPE", None).unwrap_err()).contains("no open inquiry"));
    assert!(say(r.quarantine(&me, Some("nope")).unwrap_err()).contains("no source 'nope'"));
    // Nothing of it was written: one source, two judgements.
    assert_eq!(r.sources(&me).expect("sources").len(), 1);
}

#[test]
fn consent_is_kept_as_clauses_and_withdrawn_with_an_audit_entry() {
    let reg = Reg::new();
    let r = &reg.registry;
    let sought = Query { name: Some("Omar Hassan Darwish".into()), ..Query::default() };
    let mut e = enquirer();
    e.consent = "ICRC yes".into();
    let refused = r.add_inquiry(&me(), NewInquiry { sought: sought.clone(), enquirer: e.clone() });
    assert!(matches!(refused, Err(RegistryError::Invalid(_))), "free text is not a consent: {refused:?}");
    e.consent = "Family: status, contact; icrc: whereabouts".into();
    let reference = r.add_inquiry(&me(), NewInquiry { sought, enquirer: e }).expect("inquiry");
    let kept = r.inquiry(&me(), &reference).expect("show").enquirer.consent;
    assert_eq!(
        kept,
        "family: existence, status, contact; icrc: existence, whereabouts; commission: none; authorities: none"
    );
    let now = r.withdraw_consent(&me(), &reference, "family", &["contact".into()]).expect("withdraw");
    assert!(!now.allows("family", "contact") && now.allows("family", "status"));
    assert!(r.withdraw_consent(&me(), &reference, "neighbours", &[]).is_err());
    assert!(r.withdraw_consent(&me(), "INQ-NONE", "family", &[]).is_err());
    let kept = r.inquiry(&me(), &reference).expect("show").enquirer.consent;
    assert!(kept.starts_with("family: existence, status;"), "{kept}");
    let log = r.audit_log(&me(), 10).expect("log");
    assert!(log.iter().any(|x| x.action == "inquiry.consent.withdraw"));
    assert!(r.verify_audit(&me(), true, None).expect("verify").verdict.ok, "the new consent is sealed");
}

#[test]
fn a_site_added_reads_alike_here_and_in_another_process() {
    use athar_registry::sites::{Names, SiteInput};
    let r = Reg::new();
    let site = SiteInput {
        id: "branch_290".into(),
        kind: "branch".into(),
        country: "SY".into(),
        city: Some("Damascus".into()),
        names: vec!["فرع 290".into(), "Branch 290".into()],
        source: "a testimony read by the team".into(),
        ..SiteInput::default()
    };
    let before = r.registry.names().expect("names");
    r.registry.add_sites(&me(), &[site]).expect("added");
    let held = r.registry.names().expect("names");
    assert!(!std::sync::Arc::ptr_eq(&before, &held), "the tables with the site are the registry's now");
    // This process keeps the tables it built to check the site; another builds them from the store: the same sites, in the same order, at the
    // same count of changes, and a text reads the same.
    let other = r.other();
    let built = other.names().expect("names");
    assert_eq!(held.sites_version(), built.sites_version());
    let ids = |n: &Names| n.gazetteer().facilities().iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&held), ids(&built));
    let text = "He was held in Branch 290, then in فرع 290 again, and in Saydnaya prison.";
    let read = |reg: &athar_registry::Registry| -> Vec<(usize, String)> {
        reg.scan_text(&me(), text, false, 0)
            .expect("scan")
            .mentions
            .into_iter()
            .map(|m| (m.offset, m.entity_id))
            .collect()
    };
    let here = read(&r.registry);
    assert!(here.iter().filter(|(_, id)| id == "facility:branch_290").count() == 2, "{here:?}");
    assert_eq!(here, read(&other));
}
