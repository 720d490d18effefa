//! Properties that hold for every input: normalisation is idempotent, nothing panics.

use athar_names::normalize::normalize;
use athar_names::NameEngine;
use proptest::prelude::*;
use std::sync::LazyLock;

/// One engine for all cases (building it parses the tables).
static ENGINE: LazyLock<NameEngine> = LazyLock::new(NameEngine::new);

fn name_like() -> impl Strategy<Value = String> {
    // Letters from the scripts Athar reads, marks, digits, punctuation and emoji.
    let pieces = prop::sample::select(vec![
        "محمد",
        "عبد",
        "ال",
        "ة",
        "َ",
        "ّ",
        "ـ",
        "أ",
        "Ali",
        "ibn",
        "abu",
        "al-",
        "Олександр",
        "ович",
        "і",
        "ё",
        "ş",
        "ç",
        "é",
        "́",
        "7",
        "3",
        "١",
        " ",
        "-",
        "'",
        ",",
        "🙂",
        "\u{200f}",
        "Āl",
        "ʿ",
        "Ⅻ",
        "ﷺ",
        "ﻣ",
        "Σ",
        "中",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalisation_is_idempotent(s in any::<String>()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn normalisation_is_idempotent_on_name_like_text(s in name_like()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn any_unicode_is_analysed_and_compared_without_panic(a in any::<String>(), b in name_like()) {
        let e = &*ENGINE;
        let x = e.analyse(&a);
        let y = e.analyse(&b);
        let c = e.compare(&x, &y);
        prop_assert!((0.0..=1.0).contains(&c.score));
        let _ = x.keys();
    }

    #[test]
    fn comparison_is_symmetric_in_score(a in name_like(), b in name_like()) {
        let e = &*ENGINE;
        let ab = e.compare_text(&a, &b);
        let ba = e.compare_text(&b, &a);
        prop_assert_eq!(ab.same_name, ba.same_name);
        prop_assert!((ab.score - ba.score).abs() < 1e-9);
    }
}

#[test]
fn ten_kilobytes_of_name_does_not_panic() {
    let e = &*ENGINE;
    let long = "محمد Mohammed Олександр ".repeat(400);
    assert!(long.len() >= 10_000);
    let a = e.analyse(&long);
    assert!(!a.is_empty());
    let _ = e.compare(&a, &e.analyse("Mohammed"));
    let garbage: String = (0..10_000u32).filter_map(|i| char::from_u32(0x300 + (i * 7919) % 0x2000)).collect();
    let _ = e.compare_text(&garbage, &garbage);
}
