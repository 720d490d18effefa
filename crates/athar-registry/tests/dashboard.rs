//! The dashboard's counts: facility spellings counted as one place, no count under 10, and
//! no count that would give a small one away — for a viewer as for anyone.

mod common;

use athar_registry::{Actor, Role};
use common::Reg;

#[test]
fn facility_spellings_count_as_one_and_small_counts_are_withheld() {
    let reg = Reg::new();
    let mut csv = String::from("given_name,family_name,facility,status,arrest_date\n");
    let mut add = |n: usize, facility: &str, status: &str, date: &str| {
        for i in 0..n {
            csv.push_str(&format!("Name{i},Family{facility}{i},{facility},{status},{date}\n"));
        }
    };
    add(8, "Sednaya", "detained", "2013-04-02");
    add(4, "صيدنايا", "detained", "2013-05-01");
    add(12, "Adra", "released", "2014");
    add(3, "Branch 227", "dead", "2012-01-09");
    reg.import("list.csv", &csv);
    let viewer = Actor::new("v", &[Role::Viewer]);
    let d = reg.registry.dashboard(&viewer).expect("dashboard");
    assert_eq!(d.records, Some(27));
    let facility = |name: &str| d.by_facility.iter().find(|t| t.label.as_deref() == Some(name)).map(|t| t.count);
    assert_eq!(facility("Saydnaya"), Some(Some(12)), "Sednaya and صيدنايا are one place: {:?}", d.by_facility);
    assert_eq!(facility("Branch 227"), Some(None), "3 is withheld");
    // With one count withheld, the next smallest is withheld too (else 3 = 27 − 12 − 12).
    assert_eq!(d.by_facility.iter().filter(|t| t.count.is_none()).count(), 2, "{:?}", d.by_facility);
    assert!(d.by_status.iter().chain(&d.by_year).chain(&d.by_source).all(|t| t.count.is_none_or(|n| n >= 10)));
    let year = |y: &str| d.by_year.iter().find(|t| t.label.as_deref() == Some(y)).map(|t| t.count);
    assert_eq!(year("2012"), Some(None), "{:?}", d.by_year);
    assert_eq!(d.by_year.iter().filter(|t| t.count.is_none()).count(), 2, "{:?}", d.by_year);
    assert!(reg.registry.dashboard(&Actor::new("x", &[])).is_err(), "no role, no counts");
    // Counted once, then again only when the store changed: a new list shows at once.
    let mut more = String::from("given_name,family_name,facility\n");
    for i in 0..10 {
        more.push_str(&format!("Other{i},Name{i},Adra\n"));
    }
    reg.import("more.csv", &more);
    let d = reg.registry.dashboard(&viewer).expect("dashboard");
    assert_eq!(d.records, Some(37), "the new list is counted");
    let adra = d.by_facility.iter().find(|t| t.label.as_deref() == Some("Adra")).and_then(|t| t.count);
    assert_eq!(adra, Some(22));
}
