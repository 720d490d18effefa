//! Which encoding a list's bytes are in, and how sure that is.
//!
//! Owns the decision, from the first 64 KB of a file: a byte-order mark; UTF-16 without one;
//! UTF-8 when the bytes are UTF-8 — also when a few bytes are not (a stray byte, a character cut
//! in two: those rows are set aside by the reader, the file is not decoded as something else);
//! else a legacy encoding that must fit the scripts Athar reads. A guess is checked by what it
//! makes of the text: Arabic bytes must become Arabic words, not CJK ideographs (GBK) or runs of
//! accented capitals (`ÇáÇÓã`, Windows-1252), Cyrillic words must be cased as words are, not
//! `пТЙЧЕФ` (KOI8 read as Windows-1251). The guess comes with a [`Confidence`]: when two
//! encodings fit and make different text, the import asks for `--encoding`. Does not read
//! files or rows.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};
use serde::Serialize;

/// How sure a detected encoding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Two or more encodings fit the text and make different letters of it: the user must say.
    Unsure,
    /// One encoding fits clearly better; or UTF-8 with a few bytes that are not.
    Likely,
    /// A byte-order mark, UTF-16's zero bytes, valid UTF-8, or the only encoding that fits.
    Certain,
}

impl Confidence {
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Unsure => "unsure",
            Confidence::Likely => "likely",
            Confidence::Certain => "certain",
        }
    }
}

/// What detection found.
#[derive(Debug, Clone)]
pub struct EncodingGuess {
    pub encoding: &'static Encoding,
    pub confidence: Confidence,
    /// How it was decided, in words (printed by the import).
    pub reason: String,
    /// Other encodings that fit the text about as well, best first (for `--dry-run`'s samples).
    pub alternatives: Vec<&'static Encoding>,
}

impl EncodingGuess {
    fn certain(encoding: &'static Encoding, reason: &str) -> Self {
        EncodingGuess { encoding, confidence: Confidence::Certain, reason: reason.into(), alternatives: Vec::new() }
    }
}

/// The legacy encodings of the lists Athar meets (Arabic, Cyrillic, Latin), tried when the
/// bytes are not UTF-8, beside chardetng's guess. (ISO-8859-6 and Mac Cyrillic are left to
/// chardetng: they read almost any high bytes as letters, and lists seldom use them.)
const LEGACY: &[&Encoding] = &[
    encoding_rs::WINDOWS_1256,
    encoding_rs::WINDOWS_1251,
    encoding_rs::KOI8_U,
    encoding_rs::KOI8_R,
    encoding_rs::IBM866,
    encoding_rs::WINDOWS_1252,
    encoding_rs::WINDOWS_1250,
];

/// Detects the encoding of `head`, the first bytes of a file; `complete` when `head` is the
/// whole file (a character cut at the end is then not a cut of the sample).
pub fn detect(head: &[u8], complete: bool) -> EncodingGuess {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return EncodingGuess::certain(enc, "byte-order mark");
    }
    let pairs = head.len() / 2;
    if pairs >= 2 {
        let even_zero = head.iter().step_by(2).filter(|b| **b == 0).count();
        let odd_zero = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        if odd_zero * 10 >= pairs * 3 && even_zero * 10 < pairs {
            return EncodingGuess::certain(UTF_16LE, "zero bytes in every other position");
        }
        if even_zero * 10 >= pairs * 3 && odd_zero * 10 < pairs {
            return EncodingGuess::certain(UTF_16BE, "zero bytes in every other position");
        }
    }
    let utf8 = Utf8Census::of(head, complete);
    if utf8.invalid == 0 {
        return EncodingGuess::certain(UTF_8, if utf8.multibyte == 0 { "plain ASCII" } else { "valid UTF-8" });
    }
    // Mostly UTF-8: a stray byte or a cut character does not make the whole file another
    // encoding; the rows that hold them are set aside.
    if utf8.multibyte >= 1 && utf8.invalid * 20 <= utf8.multibyte {
        return EncodingGuess {
            encoding: UTF_8,
            confidence: Confidence::Likely,
            reason: format!(
                "UTF-8, but {} byte sequence{} in the first {} KB {} not valid UTF-8: the rows that hold them are set \
                 aside",
                utf8.invalid,
                if utf8.invalid == 1 { "" } else { "s" },
                head.len().div_ceil(1024),
                if utf8.invalid == 1 { "is" } else { "are" }
            ),
            alternatives: Vec::new(),
        };
    }
    legacy(head, complete)
}

/// Counts of a sample read as UTF-8: characters of two bytes or more, and invalid sequences.
struct Utf8Census {
    multibyte: usize,
    invalid: usize,
}

impl Utf8Census {
    fn of(bytes: &[u8], complete: bool) -> Utf8Census {
        let (mut multibyte, mut invalid) = (0, 0);
        let mut rest = bytes;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                    break;
                }
                Err(e) => {
                    let good = &rest[..e.valid_up_to()];
                    // SAFETY-free: from_utf8 said these bytes are valid.
                    multibyte += std::str::from_utf8(good).map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                    match e.error_len() {
                        Some(n) => {
                            invalid += 1;
                            rest = &rest[e.valid_up_to() + n..];
                        }
                        // A character cut by the end of the sample is not an error of the file;
                        // at the end of the whole file it is.
                        None => {
                            if complete {
                                invalid += 1;
                            }
                            break;
                        }
                    }
                }
            }
        }
        Utf8Census { multibyte, invalid }
    }
}

/// A legacy encoding: chardetng's guess and the usual ones, each judged by the text it makes.
fn legacy(head: &[u8], complete: bool) -> EncodingGuess {
    let mut det = chardetng::EncodingDetector::new();
    det.feed(head, complete);
    let guessed = det.guess(None, true);
    // chardetng's guess joins the usual ones only if it reads a byte as a character: a
    // multi-byte legacy encoding (GBK, Big5, Shift_JIS) fits none of the scripts Athar reads,
    // and swallows the ASCII letter after a stray byte (a lone 0xA0 before `m0q` made one GBK
    // character of `\xA0m`, and the row's first cell lost a letter).
    let mut candidates: Vec<&'static Encoding> = Vec::new();
    if guessed.is_single_byte() {
        candidates.push(guessed);
    }
    candidates.extend(LEGACY.iter().copied().filter(|e| *e != guessed));
    let judged: Vec<(&'static Encoding, Fit, String)> = candidates
        .into_iter()
        .map(|enc| {
            let (text, _) = enc.decode_without_bom_handling(head);
            (enc, Fit::of(&text), text.into_owned())
        })
        .collect();
    // The best fit; on a tie, the earlier (chardetng's guess first).
    let best = judged
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| a.1.score().total_cmp(&b.1.score()).then(j.cmp(i)))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let (encoding, fit, text) = &judged[best];
    // Rivals: encodings that make other letters of the same bytes and fit nearly as well.
    let rivals: Vec<&'static Encoding> = judged
        .iter()
        .filter(|(e, f, t)| e != encoding && t != text && f.score() >= fit.score() - 0.15 && f.score() >= 0.5)
        .map(|(e, _, _)| *e)
        .collect();
    let confidence = if fit.score() < 0.5 || (!rivals.is_empty() && fit.judged() < 20) {
        Confidence::Unsure
    } else if !rivals.is_empty() {
        Confidence::Likely
    } else if fit.score() >= 0.95 && fit.judged() >= 5 {
        Confidence::Certain
    } else {
        Confidence::Likely
    };
    EncodingGuess {
        encoding,
        confidence,
        reason: format!(
            "not UTF-8; {} fits the text best ({:.0} % of {} words with letters beyond ASCII read as words)",
            encoding.name(),
            fit.score() * 100.0,
            fit.judged()
        ),
        alternatives: rivals,
    }
}

/// How well a decoded text reads as words of the scripts Athar reads.
#[derive(Debug, Default, Clone, Copy)]
struct Fit {
    good: usize,
    bad: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Arabic,
    Cyrillic,
    Other,
}

fn script_of(c: char) -> Script {
    match c {
        'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => Script::Latin,
        '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}' => {
            Script::Arabic
        }
        '\u{0400}'..='\u{052F}' => Script::Cyrillic,
        _ => Script::Other,
    }
}

/// Characters beyond ASCII that real lists hold outside words.
fn usual_mark(c: char) -> bool {
    matches!(
        c,
        '«' | '»' | '№' | '°' | '–' | '—' | '“' | '”' | '‘' | '’' | '\u{00A0}' | '،' | '؛' | '؟' | '٪' | '\u{0640}'
    ) || c.is_whitespace()
        || ('\u{0660}'..='\u{0669}').contains(&c)
        || ('\u{06F0}'..='\u{06F9}').contains(&c)
        || ('\u{064B}'..='\u{065F}').contains(&c)
}

/// A word's letters are cased as words are: all small, all capitals, or a capital then small.
fn cased_as_a_word(word: &[char]) -> bool {
    let cased: Vec<char> = word.iter().copied().filter(|c| c.is_uppercase() || c.is_lowercase()).collect();
    if cased.len() < 2 {
        return true;
    }
    let all_lower = cased.iter().all(|c| c.is_lowercase());
    let all_upper = cased.iter().all(|c| c.is_uppercase());
    let title = cased[0].is_uppercase() && cased[1..].iter().all(|c| c.is_lowercase());
    all_lower || all_upper || title
}

impl Fit {
    fn of(text: &str) -> Fit {
        let mut fit = Fit::default();
        let mut word: Vec<char> = Vec::new();
        let judge_word = |w: &mut Vec<char>, fit: &mut Fit| {
            // A single letter says little (à; Ù of Ù…); a word of two or more says more. A
            // letter of a script Athar does not read (a CJK ideograph) tells against, alone too.
            let foreign = w.iter().any(|c| script_of(*c) == Script::Other);
            if (w.len() >= 2 || foreign) && w.iter().any(|c| !c.is_ascii()) {
                if word_reads(w) {
                    fit.good += 1;
                } else {
                    fit.bad += 1;
                }
            }
            w.clear();
        };
        for c in text.chars() {
            if c.is_alphabetic() || ('\u{064B}'..='\u{065F}').contains(&c) {
                word.push(c);
                continue;
            }
            judge_word(&mut word, &mut fit);
            if !c.is_ascii() && !usual_mark(c) {
                // A symbol beyond ASCII between letters: the mark of mojibake (Ù…Ø­); or a
                // byte the encoding has no character for (U+FFFD).
                fit.bad += 1;
            }
        }
        judge_word(&mut word, &mut fit);
        fit
    }

    fn judged(&self) -> usize {
        self.good + self.bad
    }

    /// The share of words that read as words; an empty sample fits (nothing tells against it).
    fn score(&self) -> f64 {
        if self.judged() == 0 {
            1.0
        } else {
            self.good as f64 / self.judged() as f64
        }
    }
}

/// Whether a word with letters beyond ASCII reads as a word of one script Athar reads.
fn word_reads(word: &[char]) -> bool {
    let scripts: Vec<Script> = word.iter().map(|c| script_of(*c)).collect();
    if scripts.contains(&Script::Other) {
        return false;
    }
    let first = scripts[0];
    if scripts.iter().any(|s| *s != first) {
        return false;
    }
    match first {
        Script::Arabic => arabic_word_reads(word),
        // A Cyrillic word of three letters or more has a vowel (Збн is Arabic read as
        // Windows-1251).
        Script::Cyrillic => {
            cased_as_a_word(word) && (word.len() < 3 || word.iter().any(|c| "аеиоуыэюяіїєёАЕИОУЫЭЮЯІЇЄЁ".contains(*c)))
        }
        Script::Latin => {
            // Accented letters are some of a word's letters, not most (ÇáÇÓã is Arabic read
            // as Windows-1252).
            let beyond = word.iter().filter(|c| !c.is_ascii()).count();
            cased_as_a_word(word) && beyond * 2 <= word.len()
        }
        Script::Other => false,
    }
}

/// An Arabic word as lists write it: teh marbuta and alef maksura only at its end, and no
/// tanween or tatweel inside it (what other encodings' letters make of Arabic code points).
fn arabic_word_reads(word: &[char]) -> bool {
    let last = word.len() - 1;
    word.iter().enumerate().all(|(i, c)| match c {
        'ة' | 'ى' => i == last || matches!(word.get(i + 1), Some('\u{064B}'..='\u{0652}')),
        '\u{064B}'..='\u{064D}' => i == last,
        '\u{0640}' => false,
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARABIC: &str = "الاسم,اسم الأب,الكنية,اسم الأم,تاريخ الولادة\nمحمد,أحمد,الحلبي,فاطمة,1985\n\
                          خالد,عمر,الشامي,زينب,1990\nسامر,يوسف,العلي,مريم,1978\nعبد الرحمن,محمود,درويش,هدى,1969\n";
    const CYRILLIC: &str = "Прізвище;Ім'я;По батькові\nШевченко;Олександр;Петрович\nІваненко;Олена;Миколаївна\n\
                            Петров;Сергей;Иванович\nКоваленко;Дмитро;Васильович\n";

    fn many(s: &str, n: usize) -> String {
        s.repeat(n)
    }

    #[test]
    fn a_stray_byte_in_utf8_arabic_keeps_utf8() {
        let mut bytes = many(ARABIC, 40).into_bytes();
        bytes.insert(300, 0xA0);
        let g = detect(&bytes, true);
        assert_eq!(g.encoding, UTF_8, "{}", g.reason);
        assert_eq!(g.confidence, Confidence::Likely);
        // A character cut in two in the middle of the file: the same.
        let mut bytes = many(ARABIC, 40).into_bytes();
        let cut = bytes.iter().position(|b| *b == 0xD9).expect("a lead byte");
        bytes.remove(cut + 1);
        assert_eq!(detect(&bytes, true).encoding, UTF_8);
    }

    #[test]
    fn a_stray_byte_in_a_short_list_never_swallows_the_letter_after_it() {
        // Too short to say "mostly UTF-8": read as a legacy encoding, but never a multi-byte
        // one that makes one character of the stray byte and the ASCII letter after it.
        let bytes = b"record,given_name,family_name\n\xA0m0q,Jos\xC3\xA9,Fatima\n";
        let g = detect(bytes, true);
        assert!(g.encoding.is_single_byte(), "{}: {}", g.encoding.name(), g.reason);
        let (text, _) = g.encoding.decode_without_bom_handling(bytes);
        assert!(text.contains("m0q,Jos"), "{text}");
    }

    #[test]
    fn legacy_encodings_make_words_of_their_own_script() {
        let (ar_text, cy_text) = (many(ARABIC, 5), many(CYRILLIC, 5));
        let (ar, _, _) = encoding_rs::WINDOWS_1256.encode(&ar_text);
        let g = detect(&ar, true);
        assert_eq!(g.encoding.name(), "windows-1256", "{}", g.reason);
        assert!(g.confidence >= Confidence::Likely, "{g:?}");
        let (cy, _, _) = encoding_rs::WINDOWS_1251.encode(&cy_text);
        let g = detect(&cy, true);
        assert_eq!(g.encoding.name(), "windows-1251", "{}", g.reason);
        let (koi, _, _) = encoding_rs::KOI8_U.encode(&cy_text);
        let g = detect(&koi, true);
        assert!(g.encoding.name().starts_with("KOI8"), "{}", g.encoding.name());
        let (ok, _, _) = g.encoding.decode(&koi);
        assert!(ok.contains("Шевченко"));
    }

    #[test]
    fn one_latin_accent_is_read_the_same_by_every_encoding_that_fits() {
        let mut text = String::from("name,family\n");
        for i in 0..50 {
            text.push_str(&format!("Ali{i},Hassan\n"));
        }
        text.push_str("José,Martínez\n");
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let g = detect(&bytes, true);
        let (decoded, _, _) = g.encoding.decode(&bytes);
        assert!(decoded.contains("José,Martínez"), "{} made {decoded:?}", g.encoding.name());
    }

    #[test]
    fn mojibake_does_not_read_as_words() {
        assert!(Fit::of("賲丨賲丿,兀丨賲丿").score() < 0.2);
        assert!(Fit::of("ÇáÇÓã,ÇÓã ÇáÃÈ").score() < 0.5);
        assert!(Fit::of("Ù…Ø\u{AD}Ù…Ø¯").score() < 0.5);
        assert!(Fit::of("пТЙЧЕФ,тЕЛБ").score() < 0.5);
        assert!(Fit::of("محمد,José Müller,Шевченко ОЛЕНА").score() > 0.99);
    }
}
