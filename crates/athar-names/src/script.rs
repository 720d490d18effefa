//! Script detection per token and per name: Arabic, Cyrillic, Latin, mixed or other.
//!
//! Owns the classification of characters into the scripts Athar romanises, and the Ukrainian vs
//! Russian hint for Cyrillic (і ї є ґ vs ы э ъ ё). Does not normalise or romanise.

use serde::Serialize;

/// The writing system of a token or a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    Arabic,
    Cyrillic,
    Latin,
    /// Letters of more than one of the scripts above in one token.
    Mixed,
    /// Letters, but none of Arabic, Cyrillic or Latin (Greek, Han, Armenian …).
    Other,
    /// No letters at all (digits, punctuation, emoji).
    None,
}

/// Which Cyrillic orthography a token or name shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CyrillicLanguage {
    /// Has і ї є ґ.
    Ukrainian,
    /// Has ы э ъ ё.
    Russian,
    /// Neither: the letters are common to both.
    Undetermined,
}

/// Whether a character is a letter, with fast answers for the scripts names are written in
/// (the general Unicode lookup is slow and this runs on every character).
pub fn is_letter(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' => true,
        '\u{0000}'..='\u{007F}' => false,
        // Arabic letters: hamza to yeh, and the extended letters; not digits, marks, punctuation.
        '\u{0621}'..='\u{063A}'
        | '\u{0641}'..='\u{064A}'
        | '\u{066E}'..='\u{066F}'
        | '\u{0671}'..='\u{06D3}'
        | '\u{06D5}' => true,
        '\u{06EE}'..='\u{06EF}' | '\u{06FA}'..='\u{06FC}' | '\u{06FF}' | '\u{0750}'..='\u{077F}' => true,
        '\u{0600}'..='\u{06FF}' => false,
        // Cyrillic letters, without the combining marks and signs U+0482–U+0489.
        '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}' => true,
        _ => c.is_alphabetic(),
    }
}

pub(crate) fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

pub(crate) fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}')
}

pub(crate) fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{0250}'..='\u{02AF}')
            && c.is_alphabetic())
}

/// The script of one token (or any text): the single script of its letters, `Mixed` when it has
/// letters of two of Arabic/Cyrillic/Latin, `None` when it has no letters.
pub fn detect_script(text: &str) -> Script {
    // Most Latin names are plain ASCII: answered without decoding characters.
    if text.is_ascii() {
        return if text.bytes().any(|b| b.is_ascii_alphabetic()) { Script::Latin } else { Script::None };
    }
    let (mut ar, mut cy, mut la, mut other) = (false, false, false, false);
    for c in text.chars() {
        // The letters of Russian and Ukrainian names, and the basic Arabic letters, first:
        // nearly every character of a non-Latin name is one of them.
        if matches!(c, '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{04FF}') {
            cy = true;
            continue;
        }
        if matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}') {
            ar = true;
            continue;
        }
        if c.is_ascii() {
            la |= c.is_ascii_alphabetic();
        } else if is_arabic(c) {
            // Arabic digits, punctuation and marks are not letters.
            ar |= is_letter(c);
        } else if is_cyrillic(c) {
            cy |= is_letter(c);
        } else if is_latin(c) {
            la = true;
        } else if is_letter(c) {
            other = true;
        }
    }
    match (ar as u8) + (cy as u8) + (la as u8) {
        0 if other => Script::Other,
        0 => Script::None,
        1 if ar => Script::Arabic,
        1 if cy => Script::Cyrillic,
        1 => Script::Latin,
        _ => Script::Mixed,
    }
}

/// Latin and Cyrillic letters that look alike (lower case; the capitals B/В, H/Н, M/М, T/Т and
/// K/К look alike too, and are lower-cased before this).
const HOMOGLYPHS: [(char, char); 13] = [
    ('a', 'а'),
    ('b', 'в'),
    ('c', 'с'),
    ('e', 'е'),
    ('h', 'н'),
    ('i', 'і'),
    ('k', 'к'),
    ('m', 'м'),
    ('o', 'о'),
    ('p', 'р'),
    ('t', 'т'),
    ('x', 'х'),
    ('y', 'у'),
];

/// A word typed in one script with a few look-alike letters of the other (ЗАВАЛЬСЬКA with a
/// Latin A, Alexandrovnа with a Cyrillic а), in its main script alone; `None` when the word is
/// not such a mix (its lesser script has letters without a look-alike, or as many letters).
pub fn without_homoglyphs(word: &str) -> Option<String> {
    let (mut cy, mut la) = (0usize, 0usize);
    for c in word.chars() {
        if is_cyrillic(c) && is_letter(c) {
            cy += 1;
        } else if c.is_ascii_alphabetic() {
            la += 1;
        }
    }
    if cy == la || cy.min(la) == 0 {
        return None;
    }
    let to_cyrillic = cy > la;
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        let swapped = if to_cyrillic && c.is_ascii_alphabetic() {
            HOMOGLYPHS.iter().find(|(l, _)| *l == c).map(|(_, k)| *k)
        } else if !to_cyrillic && is_cyrillic(c) && is_letter(c) {
            HOMOGLYPHS.iter().find(|(_, k)| *k == c).map(|(l, _)| *l)
        } else {
            Some(c)
        };
        out.push(swapped?);
    }
    Some(out)
}

/// Ukrainian or Russian orthography, from the letters only one of them uses.
pub fn cyrillic_language(text: &str) -> CyrillicLanguage {
    let mut ua = false;
    let mut ru = false;
    for c in text.chars() {
        match c {
            'і' | 'ї' | 'є' | 'ґ' | 'І' | 'Ї' | 'Є' | 'Ґ' => ua = true,
            'ы' | 'э' | 'ъ' | 'ё' | 'Ы' | 'Э' | 'Ъ' | 'Ё' => ru = true,
            _ => {}
        }
    }
    match (ua, ru) {
        (true, false) => CyrillicLanguage::Ukrainian,
        (false, true) => CyrillicLanguage::Russian,
        _ => CyrillicLanguage::Undetermined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alike_letters_of_the_other_script_are_read_in_the_main_one() {
        assert_eq!(without_homoglyphs("завальськa").as_deref(), Some("завальська"));
        assert_eq!(without_homoglyphs("alexandrovnа").as_deref(), Some("alexandrovna"));
        assert_eq!(without_homoglyphs("завальська"), None, "one script");
        assert_eq!(without_homoglyphs("ivanжов"), None, "ж has no Latin look-alike");
        assert_eq!(detect_script(&without_homoglyphs("тетянa").unwrap_or_default()), Script::Cyrillic);
    }

    #[test]
    fn detects_each_script() {
        assert_eq!(detect_script("محمد"), Script::Arabic);
        assert_eq!(detect_script("Олександр"), Script::Cyrillic);
        assert_eq!(detect_script("Mohammed"), Script::Latin);
        assert_eq!(detect_script("Çubarov"), Script::Latin);
        assert_eq!(detect_script("Mohammedمحمد"), Script::Mixed);
        assert_eq!(detect_script("Ολυμπία"), Script::Other);
        assert_eq!(detect_script("1985"), Script::None);
        assert_eq!(detect_script("١٩٨٥"), Script::None);
        assert_eq!(detect_script("🙂"), Script::None);
        assert_eq!(detect_script(""), Script::None);
    }

    #[test]
    fn tells_ukrainian_from_russian() {
        assert_eq!(cyrillic_language("Андрій"), CyrillicLanguage::Ukrainian);
        assert_eq!(cyrillic_language("Ґонта"), CyrillicLanguage::Ukrainian);
        assert_eq!(cyrillic_language("Пётр"), CyrillicLanguage::Russian);
        assert_eq!(cyrillic_language("Васильевич Дмитрий Толстый"), CyrillicLanguage::Russian);
        assert_eq!(cyrillic_language("Денис"), CyrillicLanguage::Undetermined);
    }
}
