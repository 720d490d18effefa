//! The Arabic given-name table covers the most frequent Syrian given names in Arabic script.
//!
//! The list is the 300 most frequent Syrian given names in Arabic script in PyPI `names-dataset`
//! (MIT; derived by `tools/derive_sy_top_names.py`). Entries that are not given names —
//! particles, kunyas, pet names, words — are set aside first; they are listed, each with its
//! reason, in `data/names/not_given_names.txt`.

use athar_names::normalize::lookup_key;
use athar_names::tables::SetKind;
use athar_names::NameEngine;

const TOP: &str = include_str!("../../../data/third_party/names_dataset_sy_top300.tsv");
const SET_ASIDE: &str = include_str!("../../../data/names/not_given_names.txt");

#[test]
fn arabic_table_covers_the_most_frequent_syrian_given_names() {
    let engine = NameEngine::new();
    let set_aside: Vec<String> = SET_ASIDE
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(lookup_key)
        .collect();
    assert!(set_aside.len() < 60, "the set-aside list must stay short: {}", set_aside.len());
    let names: Vec<&str> = TOP
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').nth(2))
        .collect();
    assert_eq!(names.len(), 300, "the derived list holds 300 names");
    let considered: Vec<&str> = names.iter().copied().filter(|n| !set_aside.contains(&lookup_key(n))).collect();
    let missing: Vec<&str> = considered
        .iter()
        .copied()
        .filter(|n| !engine.tables().lookup(n).iter().any(|id| engine.tables().set(*id).kind == SetKind::ArabicGiven))
        .collect();
    let coverage = 1.0 - missing.len() as f64 / considered.len() as f64;
    assert!(coverage >= 0.90, "coverage {coverage:.3}; missing: {missing:?}");
}

#[test]
fn every_arabic_entry_has_an_arabic_form_and_three_latin_spellings() {
    let engine = NameEngine::new();
    for set in engine.tables().sets().iter().filter(|s| s.kind == SetKind::ArabicGiven) {
        let arabic = set.forms.iter().any(|f| f.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)));
        let mut latin: Vec<String> = set
            .forms
            .iter()
            .filter(|f| f.trim_start_matches('~').is_ascii() || f.chars().any(|c| c.is_ascii_alphabetic()))
            .map(|f| lookup_key(f))
            .collect();
        latin.sort();
        latin.dedup();
        assert!(arabic, "{} has no Arabic-script form", set.id);
        assert!(latin.len() >= 2, "{} has fewer than two distinct Latin spellings: {:?}", set.id, set.forms);
    }
}

#[test]
fn slavic_table_is_large_enough_and_has_diminutives() {
    let engine = NameEngine::new();
    let slavic = engine.tables().sets().iter().filter(|s| s.kind == SetKind::SlavicGiven).count();
    assert!(slavic >= 150, "{slavic} Slavic given-name sets");
    for dim in ["Саша", "Коля", "Дима", "Таня", "Вова"] {
        assert!(!engine.tables().lookup(dim).is_empty(), "{dim}");
    }
}
