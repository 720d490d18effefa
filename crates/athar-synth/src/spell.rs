//! Spelling rules of the generator: how people write a name they hear or read, in English,
//! French and Turkish habits, from a scholarly romanisation of the Arabic; and Cyrillic
//! romanisations. These rules are the generator's own — the name engine's tables never enter
//! here — so that an evaluation on generated lists measures the engine, not its tables
//! against themselves.

use crate::Rng;

/// A habit of romanising Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// English-language press and NGO lists: Mohammed, Hussein, Abdul Rahman.
    English,
    /// French Mandate / Maghreb habits: Mouhamad, Houssein, Abdelrahmane, Chadi, Djamal.
    French,
    /// Turkish registration of Syrians: Muhammet, Hüseyin, Şadi, Cemal.
    Turkish,
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'i' | 'u' | 'ā' | 'ī' | 'ū')
}

/// Romanises one scholarly-written word (`muḥammad`, `al-ḥalabī`, `ʿabd al-raḥmān`).
pub fn romanise(scholarly: &str, style: Style, rng: &mut Rng) -> String {
    // Compounds: ʿabd al-X is written in several shapes.
    if let Some(rest) = scholarly.strip_prefix("ʿabd al-") {
        let x = romanise_word(rest, style, rng);
        let shape = rng.below(5);
        return match (style, shape) {
            (Style::French, 0..=2) => format!("Abdel{}", x.to_lowercase()),
            (Style::French, _) => format!("Abd el-{x}"),
            (Style::Turkish, _) => format!("Abdul{}", x.to_lowercase()),
            (_, 0) => format!("Abdul {x}"),
            (_, 1) => format!("Abdul{}", x.to_lowercase()),
            (_, 2) => format!("Abd al-{x}"),
            (_, 3) => format!("Abdel {x}"),
            _ => format!("Abd {x}"),
        };
    }
    scholarly.split(' ').map(|w| romanise_word(w, style, rng)).collect::<Vec<_>>().join(" ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn romanise_word(word: &str, style: Style, rng: &mut Rng) -> String {
    // The article.
    let (article, core) = match word.strip_prefix("al-") {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let chars: Vec<char> = core.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let first = i == 0;
        let last = i + 1 == chars.len();
        // Digraphs of the notation.
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let (piece, used): (String, usize) = match two.as_str() {
            "sh" => (
                match style {
                    Style::French => "ch".into(),
                    Style::Turkish => "ş".into(),
                    Style::English => "sh".into(),
                },
                2,
            ),
            "kh" => (if style == Style::Turkish { "h".into() } else { "kh".into() }, 2),
            "gh" => (if rng.chance(0.3) { "g".into() } else { "gh".into() }, 2),
            "th" => (if rng.chance(0.4) || style != Style::English { "t".into() } else { "th".into() }, 2),
            "dh" => (
                match rng.below(3) {
                    0 => "z".into(),
                    1 => "d".into(),
                    _ => "dh".into(),
                },
                2,
            ),
            "ay" if style == Style::French => ("ai".into(), 2),
            "ay" => (if rng.chance(0.3) { "ei".into() } else { "ay".into() }, 2),
            "aw" => (if style == Style::French || rng.chance(0.3) { "ou".into() } else { "aw".into() }, 2),
            _ => {
                let s: String = match c {
                    'ʿ' | 'ʾ' => {
                        if style == Style::English && !first && rng.chance(0.15) {
                            "'".into()
                        } else {
                            String::new()
                        }
                    }
                    'ḥ' | 'h' => "h".into(),
                    'ṣ' => "s".into(),
                    'ḍ' => "d".into(),
                    'ṭ' => "t".into(),
                    'ẓ' => {
                        if rng.chance(0.5) {
                            "z".into()
                        } else {
                            "dh".into()
                        }
                    }
                    'q' => match (style, rng.below(10)) {
                        (Style::Turkish, _) => "k".into(),
                        (_, 0..=5) => "q".into(),
                        (_, 6..=8) => "k".into(),
                        _ => "g".into(),
                    },
                    'j' => match style {
                        Style::French => "dj".into(),
                        Style::Turkish => "c".into(),
                        Style::English => {
                            if rng.chance(0.1) {
                                "g".into()
                            } else {
                                "j".into()
                            }
                        }
                    },
                    'ā' => {
                        if style == Style::English && rng.chance(0.1) && !last {
                            "aa".into()
                        } else {
                            "a".into()
                        }
                    }
                    'ī' => {
                        if style == Style::English && rng.chance(0.3) && !last {
                            "ee".into()
                        } else if style == Style::English && last && rng.chance(0.2) {
                            "y".into()
                        } else {
                            "i".into()
                        }
                    }
                    'ū' => match style {
                        Style::French => "ou".into(),
                        Style::Turkish => "u".into(),
                        Style::English => {
                            if rng.chance(0.3) {
                                "ou".into()
                            } else if rng.chance(0.2) {
                                "oo".into()
                            } else {
                                "u".into()
                            }
                        }
                    },
                    'u' => match style {
                        Style::French => "ou".into(),
                        Style::Turkish => {
                            if rng.chance(0.4) {
                                "ü".into()
                            } else {
                                "u".into()
                            }
                        }
                        Style::English => {
                            if rng.chance(0.5) {
                                "o".into()
                            } else {
                                "u".into()
                            }
                        }
                    },
                    'i' => {
                        if rng.chance(0.4) && !first {
                            "e".into()
                        } else {
                            "i".into()
                        }
                    }
                    'a' if last => match (style, rng.below(4)) {
                        (Style::French, _) => "a".into(),
                        (Style::Turkish, _) => "e".into(),
                        (_, 0) => "ah".into(),
                        (_, 1) => "eh".into(),
                        _ => "a".into(),
                    },
                    'a' => {
                        if !first && rng.chance(if style == Style::Turkish { 0.3 } else { 0.2 }) {
                            "e".into()
                        } else {
                            "a".into()
                        }
                    }
                    other => other.to_string(),
                };
                (s, 1)
            }
        };
        // A doubled consonant is often written once.
        if used == 1 && next == Some(c) && !is_vowel(c) && rng.chance(0.35) {
            i += 1;
        }
        out.push_str(&piece);
        i += used;
    }
    let core = capitalise(&out);
    if !article {
        return core;
    }
    match (style, rng.below(6)) {
        (Style::French, 0..=3) => format!("El-{core}"),
        (Style::French, _) => format!("El {core}"),
        (Style::Turkish, _) => core,
        (_, 0) => format!("al-{core}"),
        (_, 1) => format!("Al-{core}"),
        (_, 2) => format!("Al {core}"),
        (_, 3) => format!("Al{}", core.to_lowercase()),
        (_, 4) => format!("el-{core}"),
        _ => core,
    }
}

/// A Ukrainian or Russian Cyrillic word in Latin letters, by one of several habits (national
/// systems, passport systems, English press).
pub fn cyrillic_to_latin(word: &str, rng: &mut Rng) -> String {
    let system = rng.below(3);
    let mut out = String::new();
    let chars: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    for (i, &c) in chars.iter().enumerate() {
        let initial = i == 0;
        let s: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => {
                if system == 0 {
                    "h"
                } else {
                    "g"
                }
            }
            'ґ' => "g",
            'д' => "d",
            'е' => "e",
            'є' => {
                if initial {
                    "ye"
                } else {
                    "ie"
                }
            }
            'ё' => "yo",
            'ж' => "zh",
            'з' => "z",
            'и' => {
                if system == 0 {
                    "y"
                } else {
                    "i"
                }
            }
            'і' => "i",
            'ї' => "yi",
            'й' => match system {
                0 => "i",
                1 => "y",
                _ => "j",
            },
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => {
                if system == 2 {
                    "h"
                } else {
                    "kh"
                }
            }
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ь' | 'ъ' | '\'' | '’' => "",
            'ы' => "y",
            'э' => "e",
            'ю' => {
                if system == 1 {
                    "iu"
                } else {
                    "yu"
                }
            }
            'я' => {
                if system == 1 {
                    "ia"
                } else {
                    "ya"
                }
            }
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(s);
    }
    capitalise(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_vary_and_stay_recognisable() {
        let mut rng = Rng::new(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.insert(romanise("muḥammad", Style::English, &mut rng));
        }
        assert!(seen.len() >= 4, "several spellings: {seen:?}");
        assert!(seen.iter().all(|s| s.starts_with('M')));
        let fr = romanise("shādī", Style::French, &mut rng);
        assert!(fr.starts_with("Ch"), "{fr}");
        let tr = romanise("jamāl", Style::Turkish, &mut rng);
        assert!(tr.starts_with('C'), "{tr}");
        let abd = romanise("ʿabd al-raḥmān", Style::English, &mut rng);
        assert!(abd.starts_with("Abd"), "{abd}");
    }

    #[test]
    fn cyrillic_romanisations_differ_by_system() {
        let mut rng = Rng::new(3);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            seen.insert(cyrillic_to_latin("Григорій", &mut rng));
        }
        assert!(seen.len() >= 2, "{seen:?}");
    }
}
