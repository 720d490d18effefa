//! Folded text for matching: lower case, Latin marks dropped (Ḩimş → hims), Arabic letter forms
//! made one (أ إ آ → ا, ة → ه, harakat and tatweel dropped), Arabic-Indic digits made ASCII,
//! apostrophes dropped (Far' Falastin → far falastin), ё → е, and every run of other characters
//! (spaces, punctuation, hyphens, quotes) one space — with, for every byte of the folded text,
//! the byte of the original it came from, so that a match is reported where it stands.
//!
//! Owns only this folding; the names it is matched against are folded by the same function.

use athar_names::normalize::{fold_arabic_letter, fold_digit, is_apostrophe, is_arabic_mark, is_invisible};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Text folded for matching, with the original byte offset of each of its bytes.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    pub text: String,
    /// `origin[i]`: the byte offset in the original of the character folded byte `i` is from;
    /// one more entry, the original's length, closes the last character.
    pub origin: Vec<u32>,
}

impl Folded {
    /// The original byte range of the folded range `start..end` of `original` (the text this
    /// was folded from): from its first character to the end of its last, with the marks that
    /// follow it (بِسِجْنِ whole).
    pub fn original(&self, original: &str, start: usize, end: usize) -> (usize, usize) {
        let s = self.origin[start] as usize;
        let last = self.origin[end - 1] as usize;
        let mut e = last + original[last..].chars().next().map_or(0, char::len_utf8);
        for c in original[e..].chars() {
            if is_arabic_mark(c) || is_combining_mark(c) || is_invisible(c) {
                e += c.len_utf8();
            } else {
                break;
            }
        }
        (s, e)
    }
}

/// Stands, as a word of its own, where a sentence ends (. ! ? ؟ ؛ ; or a line end): the words
/// a name is read among stop there.
pub const BREAK: char = '|';
/// [`BREAK`] as a word of the folded text.
pub const BREAK_WORD: &str = "|";

/// Whether `c` ends a sentence: not a full stop before a digit or a lower-case letter
/// (No. 215, St. petersburg), nor inside a number (2.5).
fn ends_sentence(c: char, next: Option<char>, text: &str, at: usize) -> bool {
    match c {
        '!' | '?' | '؟' | '؛' | ';' | '\n' | '…' | '。' => true,
        '.' => {
            let after = text[at + 1..].trim_start_matches([' ', '\t']).chars().next();
            !next.is_some_and(|n| n.is_ascii_digit()) && !after.is_some_and(|a| a.is_ascii_digit() || a.is_lowercase())
        }
        _ => false,
    }
}

/// Whether the word just folded is a French elided article or preposition (d', l', qu'): its
/// apostrophe parts words (d'Adra → d adra), where another joins them (Far' → far).
fn elided(folded: &str) -> bool {
    let word = folded.rsplit(' ').next().unwrap_or(folded);
    matches!(word, "d" | "l" | "qu" | "j" | "n" | "s" | "c" | "m" | "t" | "jusqu" | "lorsqu" | "puisqu")
}

/// Whether a folded character is part of a word.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Ends a sentence in the folded text (once: a run of ends is one break), from original `at`.
fn push_break(out: &mut Folded, at: usize) {
    if !out.text.is_empty() && !out.text.ends_with(BREAK) {
        out.text.push(' ');
        out.origin.push(at as u32);
        out.text.push(BREAK);
        out.origin.push(at as u32);
    }
}

/// Adds a folded character from original `at` (after a space, if one is pending).
fn push_char(out: &mut Folded, f: char, at: usize, space_pending: &mut bool) {
    if *space_pending && !out.text.is_empty() {
        out.text.push(' ');
        out.origin.push(at as u32);
    }
    *space_pending = false;
    out.text.push(f);
    for _ in 0..f.len_utf8() {
        out.origin.push(at as u32);
    }
}

/// The folded form of a common Arabic or Cyrillic letter, without Unicode's tables (the
/// letters of a report in Arabic, Russian or Ukrainian, nearly all of them); `None`: the general
/// path.
fn fold_common(c: char) -> Option<char> {
    match c as u32 {
        // Arabic letters (not tatweel, U+0640, which is dropped).
        0x0621..=0x063F | 0x0641..=0x064A => Some(fold_arabic_letter(c)),
        // Cyrillic capitals А–Я, then Ѐ–Џ (Ё Є І Ї), and the small letters as they are.
        0x0410..=0x042F => char::from_u32(c as u32 + 0x20),
        0x0400..=0x040F => char::from_u32(c as u32 + 0x50).map(|l| if l == 'ё' { 'е' } else { l }),
        0x0430..=0x045F => Some(if c == 'ё' { 'е' } else { c }),
        _ => None,
    }
}

/// Folds `text` (see the module's comment).
pub fn fold(text: &str) -> Folded {
    let mut out = Folded { text: String::with_capacity(text.len()), origin: Vec::with_capacity(text.len() + 1) };
    let mut space_pending = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Most of a text: ASCII words parted by single spaces, folded a stretch at a time (the
        // same bytes, in lower case, each from its own byte: a space stands for the space).
        if b.is_ascii_alphanumeric() {
            let start = i;
            loop {
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                if i + 1 < bytes.len() && bytes[i] == b' ' && bytes[i + 1].is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
                break;
            }
            if space_pending && !out.text.is_empty() {
                out.text.push(' ');
                out.origin.push(start as u32);
            }
            space_pending = false;
            let run = &text[start..i];
            out.text.push_str(run);
            let len = out.text.len();
            out.text[len - run.len()..].make_ascii_lowercase();
            out.origin.extend(start as u32..i as u32);
            continue;
        }
        if b == b' ' {
            space_pending = true;
            i += 1;
            continue;
        }
        if b.is_ascii() {
            // Punctuation: a sentence's end, an apostrophe within a word, or a space.
            let c = char::from(b);
            let at = i;
            i += 1;
            if ends_sentence(c, text[i..].chars().next(), text, at) {
                push_break(&mut out, at);
                space_pending = true;
            } else if !is_apostrophe(c) || elided(&out.text) {
                space_pending = true;
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else { break };
        let after = i + c.len_utf8();
        let at = i;
        i = after;
        if let Some(f) = fold_common(c) {
            push_char(&mut out, f, at, &mut space_pending);
            continue;
        }
        if ends_sentence(c, text[after..].chars().next(), text, at) {
            push_break(&mut out, at);
            space_pending = true;
            continue;
        }
        let push = |out: &mut Folded, f: char, space_pending: &mut bool| push_char(out, f, at, space_pending);
        if is_apostrophe(c) && elided(&out.text) {
            space_pending = true;
            continue;
        }
        if is_invisible(c) || is_arabic_mark(c) || is_apostrophe(c) || is_combining_mark(c) {
            continue;
        }
        let c = fold_digit(fold_arabic_letter(c));
        if c == 'ё' || c == 'Ё' {
            push(&mut out, 'е', &mut space_pending);
            continue;
        }
        if !c.is_alphanumeric() {
            space_pending = true;
            continue;
        }
        if ('\u{00C0}'..='\u{024F}').contains(&c) || ('\u{1E00}'..='\u{1EFF}').contains(&c) {
            // Latin with marks: its base letters.
            let mut bases = Vec::with_capacity(2);
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    bases.push(d)
                }
            });
            for b in bases {
                for l in b.to_lowercase() {
                    push(&mut out, l, &mut space_pending);
                }
            }
            continue;
        }
        for l in c.to_lowercase() {
            push(&mut out, l, &mut space_pending);
        }
    }
    out.origin.push(text.len() as u32);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_the_way_back_to_the_original() {
        let text = "He was held in «Ḩimş», then Sednaya—بِسِجْنِ صيدنايا (ё)";
        let f = fold(text);
        assert_eq!(f.text, "he was held in hims then sednaya بسجن صيدنايا е");
        assert_eq!(fold("Held in Adra. The bank, No. 215").text, "held in adra | the bank no 215");
        assert_eq!(BREAK_WORD, BREAK.to_string());
        // The shortcut for common letters folds them as the general path does.
        for c in ('\u{0400}'..='\u{045F}').chain('\u{0621}'..='\u{064A}').filter(|c| *c != '\u{0640}') {
            let general: String = if ('\u{0621}'..='\u{064A}').contains(&c) {
                fold_arabic_letter(c).to_string()
            } else {
                c.to_lowercase().map(|l| if l == 'ё' { 'е' } else { l }).collect()
            };
            assert_eq!(fold_common(c).map(String::from), Some(general), "{c}");
        }
        let at = f.text.find("hims").expect("hims");
        let (s, e) = f.original(text, at, at + "hims".len());
        assert_eq!(&text[s..e], "Ḩimş");
        let at = f.text.find("بسجن").expect("بسجن");
        let (s, e) = f.original(text, at, at + "بسجن".len());
        assert_eq!(&text[s..e], "بِسِجْنِ");
        assert_eq!(fold("Far' Falastin").text, "far falastin");
        assert_eq!(fold("la prison d'Adra, l’aéroport").text, "la prison d adra l aeroport");
        assert_eq!(fold("الفرع ٢١٥").text, "الفرع 215");
    }

    proptest::proptest! {
        /// Whatever the text (any script, marks, punctuation, runs of spaces), the folded text
        /// is words parted by single spaces, and every word maps back to whole characters of
        /// the original.
        #[test]
        fn every_folded_word_maps_back_to_whole_characters(
            text in "[a-zA-Z0-9 .,;!?'’\\-\n]{0,40}|[\u{0600}-\u{06FF}\u{0400}-\u{04FF}a-z .'’\u{1E00}-\u{1EFF}\u{0300}-\u{036F}]{0,40}"
        ) {
            let f = fold(&text);
            proptest::prop_assert_eq!(f.origin.len(), f.text.len() + 1);
            proptest::prop_assert!(!f.text.contains("  ") && !f.text.starts_with(' ') && !f.text.ends_with(' '));
            let mut at = 0;
            for word in f.text.split(' ') {
                let (start, end) = (at, at + word.len());
                at = end + 1;
                if word.is_empty() {
                    continue;
                }
                let (s, e) = f.original(&text, start, end);
                proptest::prop_assert!(s <= e && e <= text.len(), "{} {}..{}", word, s, e);
                proptest::prop_assert!(text.is_char_boundary(s) && text.is_char_boundary(e), "{} {}..{}", word, s, e);
            }
        }
    }
}
