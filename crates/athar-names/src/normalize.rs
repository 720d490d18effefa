//! Text normalisation: from whatever a list holds to a stable form per script.
//!
//! Owns NFKC, case folding, invisible-character removal, Latin mark folding "the way the names are
//! said" (ş → sh, ç → ch, ğ → gh, ı → i, é → e), Arabic letter folding (alef forms, ى, ة, harakat,
//! tatweel, Persian/Kurdish letter forms), Arabic-Indic digits and Arabizi digits inside Latin
//! tokens. Does not split names into parts (see `structure`) or romanise (see `translit`).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Characters that carry no letter: bidi controls, zero-width joiners, BOM, soft hyphen.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Arabic harakat, Quranic annotation marks, superscript alef and tatweel: removed.
pub fn is_arabic_mark(c: char) -> bool {
    matches!(c, '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}')
}

/// Apostrophe-like marks: ʿayn and hamza transcriptions, quotes, primes. Removed inside tokens.
pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '`' | '´' | '‘' | '’' | 'ʼ' | 'ʻ' | 'ʽ' | 'ʾ' | 'ʿ' | '′' | 'ˈ' | 'ʹ' | 'ʺ' | '"' | '“' | '”')
}

/// Hyphens and dashes: kept as a joiner so that `al-Halabi` and `Abd-al-Rahman` can be parsed.
pub(crate) fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '_')
}

/// Latin letters whose marks change how the name is said: folded to their English-style digraph.
/// Turkish (ş ç ğ ı), Crimean Tatar (ş ç ğ ı ñ q), ISO 9 / Czech-style Cyrillic romanisation (ž š č),
/// ISO 233 Arabic romanisation (ṯ ḏ ḫ ǧ ġ ẓ ṣ ḥ).
fn fold_latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ş' | 'ș' | 'š' | 'ś' => "sh",
        'ç' | 'č' | 'ć' => "ch",
        'ğ' | 'ġ' => "gh",
        'ǧ' | 'ǰ' => "j",
        'ı' => "i",
        'ž' | 'ż' | 'ź' => "zh",
        'ṯ' | 'þ' => "th",
        'ḏ' => "dh",
        'ḫ' | 'ḵ' | 'ẖ' => "kh",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' => "dj",
        'ł' => "l",
        'ʕ' | 'ʔ' => "",
        _ => return None,
    })
}

/// Arabic letters folded to one form: alef with hamza/madda/wasla → ا, alef maksura → ي,
/// ta marbuta → ه, hamza on waw/ya → و/ي, Persian/Urdu/Kurdish glyph variants of Arabic letters
/// (ک ی ہ ە) → Arabic. Letters that are other sounds (پ p, چ ch, ژ zh, گ g, ڤ v) stay.
pub fn fold_arabic_letter(c: char) -> char {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' | 'ٵ' => 'ا',
        'ى' | 'ی' | 'ې' | 'ێ' | 'ے' | 'ئ' => 'ي',
        'ة' | 'ۃ' | 'ە' | 'ھ' | 'ہ' => 'ه',
        'ؤ' | 'ۆ' | 'ۇ' | 'ۋ' => 'و',
        'ک' | 'ڪ' => 'ك',
        'ڕ' => 'ر',
        'ڵ' => 'ل',
        _ => c,
    }
}

/// Arabic-Indic (U+0660–0669) and Extended Arabic-Indic (U+06F0–06F9) digits to ASCII.
pub fn fold_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        _ => c,
    }
}

/// Arabizi (chat alphabet) digits inside a Latin token are letters: 2 ء, 3 ع, 5 خ, 6 ط, 7 ح, 8 غ,
/// 9 ق. Hamza and ʿayn are dropped the way Latin spellings drop them (3ali = Ali).
fn arabizi_digit(c: char) -> Option<&'static str> {
    Some(match c {
        '2' | '3' => "",
        '5' => "kh",
        '6' => "t",
        '7' => "h",
        '8' => "gh",
        '9' => "q",
        _ => return None,
    })
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (('\u{00C0}'..='\u{024F}').contains(&c) && c.is_alphabetic())
        || ('\u{1E00}'..='\u{1EFF}').contains(&c)
}

/// Normalises free text: invisible characters removed, NFKC, lower case, Arabic-Indic digits to
/// ASCII, Arabic letters folded, harakat and tatweel removed, Latin marks folded, apostrophes
/// removed, every other non-letter (punctuation, symbols, emoji) turned into a space, hyphens kept.
/// Whitespace is collapsed to single spaces. Idempotent.
pub fn normalize(text: &str) -> String {
    normalize_with(text, true)
}

// `normalize_into(text, false, …)` is the light form: Arabic letters keep the forms that tell
// how they are said (أ إ ى ة …), which the romaniser reads. Folding each Arabic letter of it
// with the same one-to-one map gives exactly [`normalize`]'s output, so both split into the
// same tokens.

fn normalize_with(text: &str, fold_arabic: bool) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    normalize_into(text, fold_arabic, &mut out);
    out
}

/// Normalises into `out` (cleared first), so that a caller normalising many short pieces can
/// reuse one buffer.
pub(crate) fn normalize_into(text: &str, fold_arabic: bool, out: &mut String) {
    out.clear();
    // Fast path for text NFKC cannot change (ASCII, Cyrillic, the Arabic block).
    if !needs_nfkc(text) {
        push_folded(text.chars().filter(|c| !is_invisible(*c)), fold_arabic, out);
    } else {
        push_folded(text.chars().filter(|c| !is_invisible(*c)).nfkc(), fold_arabic, out);
    }
    finish_arabizi(out);
    collapse_spaces(out);
}

/// Whether NFKC could change this text in a way folding does not already cover. ASCII,
/// precomposed Latin, Cyrillic letters and the Arabic block need none: the only compositions in
/// the Arabic block (alef, waw, ya with hamza or madda) are folded anyway and the marks dropped.
fn needs_nfkc(text: &str) -> bool {
    !text.chars().all(|c| {
        c.is_ascii()
            || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{0400}'..='\u{0482}' | '\u{048A}'..='\u{04FF}' | '\u{0600}'..='\u{06FF}')
            || is_invisible(c)
    })
}

/// Lower case, with the Cyrillic capitals answered without the Unicode case tables.
fn lower(c: char) -> Option<char> {
    match c {
        '\u{0410}'..='\u{042F}' => char::from_u32(c as u32 + 0x20),
        '\u{0400}'..='\u{040F}' => char::from_u32(c as u32 + 0x50),
        '\u{0430}'..='\u{045F}' | '\u{0491}' => Some(c),
        '\u{0490}' => Some('\u{0491}'),
        _ => None,
    }
}

fn push_folded(chars: impl Iterator<Item = char>, fold_arabic: bool, out: &mut String) {
    for c in chars {
        if c.is_ascii() {
            let l = c.to_ascii_lowercase();
            if l.is_ascii_alphanumeric() {
                out.push(l);
            } else if is_hyphen(l) {
                out.push('-');
            } else if is_apostrophe(l) {
                // dropped inside a token: Moh'd → mohd, 'Abd → abd
            } else {
                out.push(' ');
            }
            continue;
        }
        // Cyrillic letters first: the common non-ASCII case, no table lookups needed.
        if let Some(l) = lower(c) {
            out.push(l);
            continue;
        }
        // Arabic letters next, also without tables.
        if matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}') {
            out.push(if fold_arabic { fold_arabic_letter(c) } else { c });
            continue;
        }
        if is_invisible(c) || is_arabic_mark(c) || is_apostrophe(c) {
            continue;
        }
        if is_combining_mark(c) {
            // After NFKC, Cyrillic й ї ё and Latin é are precomposed: a mark left alone is stray.
            continue;
        }
        let c = fold_digit(c);
        if c.is_ascii_digit() {
            out.push(c);
            continue;
        }
        // Arabic has no case: skip the case tables for it.
        if crate::script::is_arabic(c) {
            if crate::script::is_letter(c) {
                out.push(if fold_arabic { fold_arabic_letter(c) } else { c });
            } else {
                out.push(' ');
            }
            continue;
        }
        for l in c.to_lowercase() {
            if let Some(s) = fold_latin_special(l) {
                out.push_str(s);
            } else if is_latin_letter(l) {
                // Decompose and keep the base letter: é → e, ü → u, ā → a, ḥ → h.
                for d in l.nfd() {
                    if !is_combining_mark(d) {
                        if let Some(s) = fold_latin_special(d) {
                            out.push_str(s);
                        } else {
                            out.push(d);
                        }
                    }
                }
            } else if is_hyphen(l) {
                out.push('-');
            } else if crate::script::is_letter(l) {
                out.push(if fold_arabic { fold_arabic_letter(l) } else { l });
            } else {
                out.push(' ');
            }
        }
    }
}

/// Digits inside a token that has Latin letters are Arabizi letters; other digits stay.
fn finish_arabizi(s: &mut String) {
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    let mut out = String::with_capacity(s.len());
    for token in s.split_inclusive([' ', '-']) {
        let has_latin = token.chars().any(|c| c.is_ascii_alphabetic());
        if has_latin {
            for c in token.chars() {
                match arabizi_digit(c) {
                    Some(rep) => out.push_str(rep),
                    None => out.push(c),
                }
            }
        } else {
            out.push_str(token);
        }
    }
    *s = out;
}

/// Trims and collapses runs of spaces, in place.
fn collapse_spaces(s: &mut String) {
    if !s.starts_with(' ') && !s.ends_with(' ') && !s.contains("  ") {
        return;
    }
    let mut prev_space = true;
    s.retain(|c| {
        let keep = c != ' ' || !prev_space;
        prev_space = c == ' ';
        keep
    });
    if s.ends_with(' ') {
        s.pop();
    }
}

/// The lookup key of a form: the normalised text with spaces, hyphens and apostrophes removed,
/// so that `Abd al-Rahman`, `Abdal Rahman` and `abdalrahman` share one key.
pub fn lookup_key(text: &str) -> String {
    let n = normalize(text);
    n.chars().filter(|c| *c != ' ' && *c != '-').map(|c| if c == 'ё' { 'е' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_and_crimean_tatar_marks_fold_as_said() {
        assert_eq!(normalize("Çubarov"), "chubarov");
        assert_eq!(normalize("Şükrü"), "shukru");
        assert_eq!(normalize("Hüseyin"), "huseyin");
        assert_eq!(normalize("Doğan"), "doghan");
        assert_eq!(normalize("Qırımoğlu"), "qirimoghlu");
        assert_eq!(normalize("Zelenskij"), "zelenskij");
        assert_eq!(normalize("Žukov"), "zhukov");
        assert_eq!(normalize("Mīkhā'īl"), "mikhail");
        assert_eq!(normalize("ʿAbd al-Raḥmān"), "abd al-rahman");
    }

    #[test]
    fn arabic_letters_fold_and_marks_go() {
        assert_eq!(normalize("أَحْمَد"), "احمد");
        assert_eq!(normalize("إبراهيم"), "ابراهيم");
        assert_eq!(normalize("مصطفى"), "مصطفي");
        assert_eq!(normalize("فاطمة"), "فاطمه");
        assert_eq!(normalize("محـــمد"), "محمد");
        assert_eq!(normalize("کریم"), "كريم");
        assert_eq!(normalize("١٩٨٥"), "1985");
        assert_eq!(normalize("۱۹۸۵"), "1985");
    }

    #[test]
    fn presentation_forms_and_invisible_marks() {
        // Arabic presentation forms (from PDFs) become ordinary letters.
        assert_eq!(normalize("\u{FEE3}\u{FEA4}\u{FEE4}\u{FEAA}"), "محمد");
        assert_eq!(normalize("\u{200F}محمد\u{200E}"), "محمد");
        assert_eq!(normalize("Ｍｏｈａｍｍｅｄ"), "mohammed");
    }

    #[test]
    fn arabizi_digits_are_letters_inside_latin_tokens() {
        assert_eq!(normalize("7assan"), "hassan");
        assert_eq!(normalize("5aled"), "khaled");
        assert_eq!(normalize("3ali"), "ali");
        assert_eq!(normalize("Sa3eed"), "saeed");
        assert_eq!(normalize("born 1985"), "born 1985");
    }

    #[test]
    fn apostrophes_hyphens_punctuation() {
        assert_eq!(normalize("Moh'd"), "mohd");
        assert_eq!(normalize("al-Halabi"), "al-halabi");
        assert_eq!(normalize("  Ali,  (Hassan)  "), "ali hassan");
        assert_eq!(normalize("ALI 🙂 HASSAN"), "ali hassan");
    }

    #[test]
    fn cyrillic_letters_keep_their_identity() {
        assert_eq!(normalize("Андрій"), "андрій");
        assert_eq!(normalize("Їжак"), "їжак");
        assert_eq!(normalize("Йосип"), "йосип");
        assert_eq!(normalize("Пётр"), "пётр");
    }

    #[test]
    fn lookup_key_ignores_spacing() {
        assert_eq!(lookup_key("Abd al-Rahman"), "abdalrahman");
        assert_eq!(lookup_key("عبد الرحمن"), "عبدالرحمن");
    }

    #[test]
    fn normalisation_is_idempotent_on_samples() {
        for s in ["Çubarov", "أَحْمَد", "7assan", "Moh'd al-Halabi", "Олександр", "ʿAbd"] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s}");
        }
    }
}
