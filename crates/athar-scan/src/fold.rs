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

/// Folds `text` (see the module's comment).
pub fn fold(text: &str) -> Folded {
    let mut out = Folded { text: String::with_capacity(text.len()), origin: Vec::with_capacity(text.len() + 1) };
    let mut space_pending = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if ends_sentence(c, chars.peek().map(|(_, n)| *n), text, i) {
            if !out.text.is_empty() && !out.text.ends_with(BREAK) {
                out.text.push(' ');
                out.origin.push(i as u32);
                out.text.push(BREAK);
                out.origin.push(i as u32);
            }
            space_pending = true;
            continue;
        }
        let push = |out: &mut Folded, f: char, space_pending: &mut bool| {
            if *space_pending && !out.text.is_empty() {
                out.text.push(' ');
                out.origin.push(i as u32);
            }
            *space_pending = false;
            let before = out.text.len();
            out.text.push(f);
            for _ in before..out.text.len() {
                out.origin.push(i as u32);
            }
        };
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                push(&mut out, c.to_ascii_lowercase(), &mut space_pending);
            } else if !is_apostrophe(c) || elided(&out.text) {
                space_pending = true;
            }
            continue;
        }
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
}
