//! Arabic proclitics: the conjunction (و، ف) and the preposition (ب، ل; ك before the article)
//! written joined to the front of a word (وأحمد، بصيدنايا، فَلِمحمد), and ل before the article, which drops the article's
//! alef (للحلبي: ل + الحلبي).
//!
//! Owns where a word's proclitics may end; a mark (haraka, tatweel) after a proclitic letter is
//! part of it. Does not decide whether what is left is a name: the callers ask their registry or
//! gazetteer. The article itself (ال) is part of a name here (الحلبي), as in `structure`.

use crate::normalize::is_arabic_mark;

/// The conjunctions, first of the proclitics.
const CONJUNCTIONS: [char; 2] = ['و', 'ف'];
/// The prepositions, after a conjunction or alone.
const PREPOSITIONS: [char; 3] = ['ب', 'ل', 'ك'];

/// One way to read a word's front as proclitics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcliticSplit {
    /// The byte offset where the word after the proclitics starts.
    pub end: usize,
    /// Whether the proclitics end in ل followed by the article's ل, its alef dropped (للحلبي):
    /// the word after them is read as the article (ال) and the rest.
    pub elided_article: bool,
}

impl ProcliticSplit {
    /// The word after the proclitics: `word[end..]`, with the article written back where ل
    /// dropped its alef.
    pub fn stem<'a>(&self, word: &'a str) -> std::borrow::Cow<'a, str> {
        let rest = &word[self.end..];
        if self.elided_article {
            std::borrow::Cow::Owned(format!("ال{rest}"))
        } else {
            std::borrow::Cow::Borrowed(rest)
        }
    }
}

/// The letter `set` holds at the front of `s` and the marks after it: the byte length taken.
fn letter_of(s: &str, set: &[char]) -> Option<(char, usize)> {
    let first = s.chars().next().filter(|c| set.contains(c))?;
    let marks: usize = s[first.len_utf8()..].chars().take_while(|c| is_arabic_mark(*c)).map(char::len_utf8).sum();
    Some((first, first.len_utf8() + marks))
}

/// Every way `word`'s front reads as proclitics — a conjunction, a preposition, both, and ل
/// before the article's ل — shortest first. The word as written (no proclitic) is not among them.
pub fn proclitic_splits(word: &str) -> Vec<ProcliticSplit> {
    let mut out = Vec::new();
    let conjunction = letter_of(word, &CONJUNCTIONS).map(|(_, len)| len);
    for start in std::iter::once(0).chain(conjunction) {
        if start > 0 {
            out.push(ProcliticSplit { end: start, elided_article: false });
        }
        let Some((preposition, len)) = letter_of(&word[start..], &PREPOSITIONS) else { continue };
        let end = start + len;
        // ك (like) is taken before the article only: before a bare word it is mostly the
        // word's own first letter (كريم is no ك + ريم).
        if preposition == 'ك' && !word[end..].starts_with("ال") {
            continue;
        }
        out.push(ProcliticSplit { end, elided_article: false });
        if preposition == 'ل' {
            if let Some((_, lam)) = letter_of(&word[end..], &['ل']) {
                out.push(ProcliticSplit { end: end + lam, elided_article: true });
            }
        }
    }
    out
}

/// The readings of `word` without its proclitics that leave `min_letters` letters at least
/// (marks not counted), shortest proclitics first.
pub fn without_proclitics(word: &str, min_letters: usize) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    // The letters are counted as written: the article written back is none of them (لله is
    // no ل + اله).
    let letters = |s: &str| s.chars().filter(|c| !is_arabic_mark(*c)).count();
    proclitic_splits(word)
        .into_iter()
        .filter(move |s| letters(&word[s.end..]) >= min_letters)
        .map(move |s| s.stem(word))
}

/// Whether `prefix` is wholly proclitics, the article after them allowed (و، بال، وبال، للـ،
/// وال، ال، كال): what may stand joined before a name that does not write its article.
pub fn is_proclitics(prefix: &str) -> bool {
    prefix == "ال"
        || proclitic_splits(prefix)
            .iter()
            .any(|s| s.end == prefix.len() || (!s.elided_article && &prefix[s.end..] == "ال"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(word: &str) -> Vec<String> {
        without_proclitics(word, 3).map(|s| s.into_owned()).collect()
    }

    #[test]
    fn conjunction_and_preposition_are_taken_off_alone_and_together() {
        assert_eq!(stems("وأحمد"), ["أحمد"]);
        assert_eq!(stems("بصيدنايا"), ["صيدنايا"]);
        assert_eq!(stems("وبالحلبي"), ["بالحلبي", "الحلبي"]);
        assert_eq!(stems("ولمحمد"), ["لمحمد", "محمد"]);
        assert_eq!(stems("كالحلبي"), ["الحلبي"]);
    }

    #[test]
    fn marks_after_a_proclitic_belong_to_it() {
        assert_eq!(stems("فَلِمحمد"), ["لِمحمد", "محمد"]);
        assert_eq!(stems("وَأحمد"), ["أحمد"]);
        assert_eq!(stems("بِصيدنايا"), ["صيدنايا"]);
        assert_eq!(stems("لِلحلبي"), ["لحلبي", "الحلبي"]);
    }

    #[test]
    fn lam_before_the_article_writes_the_article_back() {
        assert_eq!(stems("للحلبي"), ["لحلبي", "الحلبي"]);
        assert_eq!(stems("وللحلبي"), ["للحلبي", "لحلبي", "الحلبي"]);
    }

    #[test]
    fn a_word_without_proclitics_or_too_short_a_rest_has_no_reading() {
        assert!(stems("محمد").is_empty());
        assert!(stems("وعد").is_empty(), "two letters are left");
        assert!(stems("لله").is_empty(), "one letter is left; the article written back is none");
        assert_eq!(stems("للعب"), ["لعب"], "ل + لعب; ل + العب leaves two letters");
        assert!(stems("كريم").is_empty(), "ك before a bare word is the word's own");
        assert!(stems("").is_empty());
        assert!(stems("Walid").is_empty());
    }

    #[test]
    fn a_prefix_is_proclitics_with_or_without_the_article() {
        for p in ["و", "ف", "ب", "ل", "وكال", "وب", "فل", "لل", "ولل", "ال", "بال", "وال", "وبال", "كال"]
        {
            assert!(is_proclitics(p), "{p}");
        }
        for p in ["", "م", "بم", "وو", "للال", "الب", "بب", "ك", "وك"] {
            assert!(!is_proclitics(p), "{p}");
        }
    }
}
