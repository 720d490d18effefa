//! Name structure: from a written name to its parts and their roles.
//!
//! Owns tokenisation and the grammar of names: the Arabic article (al-, el-, ال, fused Alkhatib,
//! assimilated ash-Shami), `bin`/`ibn`/`bint` (nasab), `abu`/`umm` (kunya), compounds kept whole
//! (`Abd al-X` in all its spellings, `X al-Din`), `Āl` (house of) told apart from the article;
//! Ukrainian/Russian patronymics and the father's given name derived from them; role assignment
//! (given, father, grandfather, family, patronymic, kunya). Uses `tables` to tell a known name
//! from a construct. Does not compare names (see `compare`).

use crate::normalize::{fold_arabic_letter, is_apostrophe, is_hyphen, normalize_into};
use crate::script::{cyrillic_language, detect_script, is_letter, CyrillicLanguage, Script};
use crate::tables::{EquivalenceId, SetKind, VariantTables};
use crate::Text;
use serde::Serialize;

/// What a part of a name is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Given,
    Father,
    Grandfather,
    Family,
    Patronymic,
    Kunya,
    Particle,
    Unknown,
}

/// The romanisation scheme a Latin form came from; the original script stays authoritative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Written in Latin script already (normalised).
    AsWritten,
    /// The variant table's canonical spelling of a known name.
    Table,
    /// Ukrainian national system, KMU Resolution 55 (2010).
    Kmu2010,
    /// Russian, BGN/PCGN-like as the press writes it.
    RussianPress,
    /// Arabic consonants with guessed short vowels (no table entry).
    ArabicGuess,
    /// Built from a compound's parts (`abd al-` + X, X + `al-din`, `abu` + X).
    Compound,
}

/// What kind of token or construct a part is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartKind {
    /// A single name word.
    Name,
    /// `Abd al-X`, `X al-Din` or a multi-word name the tables know (`Abu Bakr`).
    Compound,
    /// `Abu X` / `Umm X`: a teknonym, never the given name X.
    Kunya,
    /// A Slavic patronymic (Володимирович).
    Patronymic,
    /// `bin`, `ibn`, `bint`, بن: "son/daughter of".
    Nasab,
    /// `Āl`, آل: "house of", not the article.
    HouseOf,
    /// A single letter standing for a name (`Шевченко О. В.`, `Ahmad M. al-Ali`): it meets any
    /// name that begins with it, weakly, and makes no blocking key.
    Initial,
    /// A place named for a person by -ivka / -ovka / -evka (Олександрівка = Александровка =
    /// Aleksandrovka): its sets are those of the given name, and it meets only such places.
    Toponym,
}

/// A token after normalisation, before parts are built.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Light-normalised text (Arabic hamza seats, ى, ة kept): what the romaniser reads.
    pub light: Text,
    /// Fully normalised text: what keys are made from.
    pub folded: Text,
    pub script: Script,
    /// Joined to the next token by a hyphen (`al-Halabi`, `as-Sayed`).
    pub hyphen_after: bool,
    /// Written as `Āl` / آل.
    pub house: bool,
    /// Written all in capitals inside a name that also has lower case (`IVAKHA Denis`).
    pub upper: bool,
    /// Written with ş, read sh in Turkish but s (ص) in the BGN/PCGN romanisation of Arabic
    /// (Ḩimş = حمص, Maşyāf = مصياف): the s reading is kept as another.
    pub cedilla_s: bool,
}

/// Puts a space where a lower-case letter meets an upper-case one inside a word, as when two
/// names were typed without a space (`IvanAleksandrovich`, `СергейВладимирович`). Both halves
/// must have three letters or more, so `McDonald` and `DeLuca` stay whole.
fn split_camel_case(piece: &str) -> std::borrow::Cow<'_, str> {
    // Most names have no capital after a small letter: answer those without collecting.
    let mut prev_lower = false;
    let mut candidate = false;
    for c in piece.chars() {
        let (lower, upper) = case_of(c);
        if prev_lower && upper {
            candidate = true;
            break;
        }
        prev_lower = lower;
    }
    if !candidate {
        return std::borrow::Cow::Borrowed(piece);
    }
    let chars: Vec<char> = piece.chars().collect();
    let mut cuts = Vec::new();
    let mut run = 0usize;
    for i in 0..chars.len() {
        if is_letter(chars[i]) {
            run += 1;
        } else {
            run = 0;
        }
        if i + 1 < chars.len() && case_of(chars[i]).0 && case_of(chars[i + 1]).1 && run >= 3 {
            let rest = chars[i + 1..].iter().take_while(|c| is_letter(**c)).count();
            if rest >= 3 {
                cuts.push(i + 1);
                run = 0;
            }
        }
    }
    if cuts.is_empty() {
        return std::borrow::Cow::Borrowed(piece);
    }
    let mut out = String::with_capacity(piece.len() + cuts.len());
    for (i, c) in chars.iter().enumerate() {
        if cuts.contains(&i) {
            out.push(' ');
        }
        out.push(*c);
    }
    std::borrow::Cow::Owned(out)
}

/// "FAMILY, Given Father" (the list convention of sanctions lists and many registers) read in
/// name order: "Given Father FAMILY". Only with exactly one comma and letters on both sides.
fn comma_order(text: &str) -> std::borrow::Cow<'_, str> {
    let mut commas = text.match_indices([',', '،']);
    if let (Some((at, sep)), None) = (commas.next(), commas.next()) {
        let (family, rest) = (&text[..at], &text[at + sep.len()..]);
        if family.chars().any(char::is_alphabetic) && rest.chars().any(char::is_alphabetic) {
            return std::borrow::Cow::Owned(format!("{} {}", rest.trim(), family.trim()));
        }
    }
    std::borrow::Cow::Borrowed(text)
}

/// Honorifics and titles that are not part of the name (Dr., Sheikh, Hajji, الشيخ, الحاج).
fn is_title(word: &str) -> bool {
    matches!(
        word,
        "dr" | "doctor"
            | "mr"
            | "mrs"
            | "ms"
            | "prof"
            | "eng"
            | "sheikh"
            | "shaikh"
            | "shaykh"
            | "sheik"
            | "cheikh"
            | "haji"
            | "hajji"
            | "hadji"
            | "hajj"
            | "mullah"
            | "mulla"
            | "maulana"
            | "maulvi"
            | "mawlawi"
            | "mawlavi"
            | "qari"
            | "col"
            | "gen"
            | "brig"
            | "capt"
            | "lt"
            | "د"
            | "الدكتور"
            | "الشيخ"
            | "شيخ"
            | "الحاج"
            | "حاج"
            | "المهندس"
            | "ملا"
            | "مولوي"
    )
}

/// Splits a name into tokens: on spaces, punctuation and hyphens; titles that open the name
/// are dropped when the name has at least two other words. A title word elsewhere is a name:
/// al-Sheikh, الشيخ and Shaykh at the end are common family names (`Muhammad al-Shaykh`,
/// `Shaykh, Abd al-Rahman`).
///
/// Also returns the numbers written apart in the name (`Branch 215`, `الفرع ٢١٥`) as ASCII
/// digits without leading zeros, each once. Digits inside a Latin word are Arabizi letters.
pub(crate) fn tokenize_with_numbers(text: &str) -> (Vec<Token>, Vec<Text>) {
    let unbracketed = without_brackets(text);
    let text = unbracketed.as_deref().unwrap_or(text);
    let mut numbers = Vec::new();
    let mut out = tokenize_all(&comma_order(text), &mut numbers);
    let titles = out.iter().take_while(|t| is_title(&t.folded)).count();
    if titles > 0 && out.len() >= titles + 2 {
        out.drain(..titles);
    }
    (out, numbers)
}

/// The words of `original` that a part's text (see [`NamePart::text`]) was read from, as the
/// list wrote them: `AL-HALABI` for the family name `halabi` of "AL-HALABI, Mohammed",
/// `Abd al-Rahman` for `abd al rahman`. Case, hyphens and apostrophes are not compared, and an
/// article before the part is kept; `None` when no run of words reads as the part (a name
/// split from a fused word, letters folded away).
pub fn as_written<'a>(original: &'a str, part: &str) -> Option<&'a str> {
    fn fold(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            if is_apostrophe(c) {
                continue;
            }
            if c.is_whitespace() || is_hyphen(c) {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            } else {
                out.extend(c.to_lowercase());
            }
        }
        out.trim_end().to_string()
    }
    let want = fold(part);
    if want.is_empty() {
        return None;
    }
    let edge = |c: char| matches!(c, ',' | ';' | ':' | '(' | ')' | '[' | ']' | '.' | '/');
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    for w in original.split_whitespace() {
        let start = at + original[at..].find(w).unwrap_or(0);
        at = start + w.len();
        let trimmed = w.trim_matches(edge);
        if trimmed.is_empty() {
            continue;
        }
        let offset = start + w.find(trimmed).unwrap_or(0);
        words.push((offset, offset + trimmed.len()));
    }
    for i in 0..words.len() {
        for j in i..words.len().min(i + 6) {
            let run = &original[words[i].0..words[j].1];
            let f = fold(run);
            if f == want {
                return Some(run);
            }
            let article =
                LATIN_ARTICLES.iter().any(|a| f.strip_prefix(a).and_then(|r| r.strip_prefix(' ')) == Some(&want));
            if article || f.strip_prefix("ال") == Some(&want) {
                return Some(run);
            }
            if f.len() > want.len() + 8 {
                break;
            }
        }
    }
    None
}

#[cfg(test)]
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    tokenize_with_numbers(text).0
}

/// The name without its bracketed asides — another spelling or name, `KOTENOK Yuriy (Yurii)
/// Petrovich`, `Magomed (Khamid)` — which would otherwise read as parts of their own and shift
/// every role after them. `None` when there is nothing to remove, or when too little would
/// remain (fewer than two words with letters): then the brackets are only punctuation.
fn without_brackets(text: &str) -> Option<String> {
    if !text.contains(['(', '[']) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut aside = String::new();
    for c in text.chars() {
        match c {
            '(' | '[' => {
                depth += 1;
                aside.push(c);
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    aside.clear();
                    out.push(' ');
                } else {
                    aside.push(c);
                }
            }
            _ if depth > 0 => aside.push(c),
            _ => out.push(c),
        }
    }
    // An opening bracket never closed: keep what followed it.
    out.push_str(&aside);
    let words = out.split_whitespace().filter(|w| w.chars().any(is_letter)).count();
    (words >= 2).then_some(out)
}

/// (is lower case, is upper case), with fast answers for ASCII, Cyrillic and caseless Arabic.
fn case_of(c: char) -> (bool, bool) {
    match c {
        'a'..='z' | '\u{0430}'..='\u{045F}' => (true, false),
        'A'..='Z' | '\u{0400}'..='\u{042F}' => (false, true),
        '\u{0000}'..='\u{007F}' | '\u{0600}'..='\u{06FF}' => (false, false),
        _ => (c.is_lowercase(), c.is_uppercase()),
    }
}

fn tokenize_all(text: &str, numbers: &mut Vec<Text>) -> Vec<Token> {
    // Case only matters when the text has both cases; Arabic has none, so skip the tables.
    let (mut lower, mut upper_seen) = (false, false);
    for c in text.chars() {
        let (l, u) = case_of(c);
        lower |= l;
        upper_seen |= u;
    }
    let mixed_case = lower && upper_seen;
    let mut out = Vec::with_capacity(4);
    let mut light = String::with_capacity(text.len() + 4);
    for piece in text.split_whitespace() {
        // Āl / آل, perhaps with punctuation around it: only a short piece can be one.
        let house = is_house(piece);
        // ş / Ş (U+015F / U+015E: the byte 0xC5 first).
        let cedilla_s = piece.as_bytes().contains(&0xC5) && piece.contains(['ş', 'Ş']);
        // All in capitals (no small letter; most pieces answer at their second letter).
        let upper =
            mixed_case && piece.chars().all(|c| !case_of(c).0) && piece.chars().filter(|c| is_letter(*c)).count() > 1;
        if mixed_case {
            normalize_into(&split_camel_case(piece), false, &mut light);
        } else {
            normalize_into(piece, false, &mut light);
        }
        for sub in light.split(' ') {
            let mut parts = sub.split('-').peekable();
            while let Some(p) = parts.next() {
                let hyphen_after = parts.peek().is_some();
                if p.is_empty() {
                    continue;
                }
                let mut script = detect_script(p);
                if script == Script::None {
                    if p.bytes().all(|b| b.is_ascii_digit()) {
                        let n: Text = match p.trim_start_matches('0') {
                            "" => "0".into(),
                            d => d.into(),
                        };
                        if !numbers.contains(&n) {
                            numbers.push(n);
                        }
                    }
                    continue;
                }
                // Look-alike letters of the other script typed into a word: read it in one.
                let unmixed = (script == Script::Mixed).then(|| crate::script::without_homoglyphs(p)).flatten();
                let p = match &unmixed {
                    Some(w) => {
                        script = detect_script(w);
                        w.as_str()
                    }
                    None => p,
                };
                let folded: Text = if script == Script::Arabic || script == Script::Mixed {
                    p.chars().map(fold_arabic_letter).collect()
                } else {
                    Text::from(p)
                };
                out.push(Token { light: Text::from(p), folded, script, hyphen_after, house, upper, cedilla_s });
            }
        }
    }
    out
}

/// Splits a long capitalised word that is a family name and a known given name typed without a
/// space (ПРОНЧЕНОККОНСТАНТИН, SMIRNOVMIKHAIL, SHVEDCHIKOVATATIANA): a word in capitals (as
/// lists write family names) of ten letters or more, that the tables do not know and that is no
/// patronymic, whose end (five letters or more) is a known given name after at least four
/// letters. The longest such name wins. `text`: the name as written (all in capitals or not).
pub(crate) fn split_fused_names(tokens: Vec<Token>, tables: &VariantTables, text: &str) -> Vec<Token> {
    const MIN_WORD: usize = 10;
    const MIN_FAMILY: usize = 4;
    const MIN_GIVEN: usize = 5;
    // Byte length bounds the letters from above: most names have no Latin or Cyrillic word
    // long enough.
    if !tokens.iter().any(|t| matches!(t.script, Script::Latin | Script::Cyrillic) && t.folded.len() >= MIN_WORD) {
        return tokens;
    }
    let all_caps = !text.chars().any(|c| case_of(c).0);
    // Only a word in capitals can be two fused names.
    if !all_caps && !tokens.iter().any(|t| t.upper) {
        return tokens;
    }
    let given = |key: &str| {
        tables
            .lookup_key(key)
            .iter()
            .any(|id| matches!(tables.set(*id).kind, SetKind::SlavicGiven | SetKind::ArabicGiven))
    };
    let known_given = |word: &str, script: Script| match script {
        Script::Latin => given(word),
        Script::Cyrillic => {
            let (a, b) = crate::translit::cyrillic_to_latin(word, CyrillicLanguage::Undetermined);
            given(&a) || b.is_some_and(|b| given(&b))
        }
        _ => false,
    };
    let mut out = Vec::with_capacity(tokens.len() + 1);
    for t in tokens {
        let n = t.folded.chars().count();
        let candidate = (t.upper || all_caps)
            && matches!(t.script, Script::Latin | Script::Cyrillic)
            && n >= MIN_WORD
            // The light and folded forms split at the same letter.
            && t.light.chars().count() == n
            && tables.lookup_key(&t.folded).is_empty()
            && patronymic_stem(&t.folded, t.script).is_none()
            && tables.patronymic_exception(&t.folded).is_none();
        // The first split point, by letter, whose end is a known given name: byte offsets in
        // the folded and light forms.
        let split = candidate
            .then(|| {
                t.folded
                    .char_indices()
                    .zip(t.light.char_indices())
                    .skip(MIN_FAMILY)
                    .take(n + 1 - MIN_FAMILY - MIN_GIVEN)
                    .find(|((at, _), _)| known_given(&t.folded[*at..], t.script))
                    .map(|((f, _), (l, _))| (f, l))
            })
            .flatten();
        match split {
            Some((f, l)) => {
                out.push(Token {
                    light: Text::from(&t.light[..l]),
                    folded: Text::from(&t.folded[..f]),
                    hyphen_after: false,
                    ..t.clone()
                });
                out.push(Token { light: Text::from(&t.light[l..]), folded: Text::from(&t.folded[f..]), ..t });
            }
            None => out.push(t),
        }
    }
    out
}

/// One part of a name, as the analysis reports it.
#[derive(Debug, Clone, Serialize)]
pub struct NamePart {
    /// The part as written (normalised lightly, words joined by a space).
    pub text: Text,
    /// Normalised form of the name itself, without the article, in its own script.
    pub core: Text,
    pub script: Script,
    pub role: Role,
    pub kind: PartKind,
    /// Written with the article (al-, el-, ال, fused or assimilated).
    pub article: bool,
    /// The canonical Latin form: the table's spelling when the name is known, else a
    /// romanisation of `core`.
    pub latin: Text,
    /// How `latin` was made (see [`Scheme`]).
    pub scheme: Scheme,
    /// Another reading: the other Cyrillic system (г is h in Ukrainian, g in Russian), or a
    /// Latin spelling read with c as j (Turkish, Crimean Tatar).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_latin: Option<Text>,
    /// Blocking keys (see `skeleton`): one per reading, plus the known name's own.
    pub skeletons: Vec<Text>,
    /// Equivalence sets of the name (ids into the tables), usually none or one.
    #[serde(skip)]
    pub sets: Vec<EquivalenceId>,
    /// The same, as the tables' ids, for reports.
    pub equivalence: Vec<std::sync::Arc<str>>,
    /// For a patronymic: the father's given name it was made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub father_name: Option<Text>,
}

impl NamePart {
    /// The part's keys, each once: its skeletons, then `=id` of each name set it belongs to. A
    /// record holds the name when it holds any of them.
    pub fn keys(&self) -> Vec<Text> {
        let mut keys: Vec<Text> = Vec::with_capacity(self.skeletons.len() + self.equivalence.len());
        for s in &self.skeletons {
            if !s.is_empty() && !keys.contains(s) {
                keys.push(s.clone());
            }
        }
        for e in &self.equivalence {
            let mut k = Text::with_capacity(e.len() + 1);
            k.push('=');
            k.push_str(e);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys
    }
}

const LATIN_ARTICLES: &[&str] = &["al", "el", "ul", "il", "ol"];
const LATIN_ASSIMILATED: &[&str] = &[
    "as", "ash", "ad", "adh", "an", "ar", "at", "ath", "az", "es", "esh", "ech", "ed", "en", "er", "et", "ez", "ud",
    "ur", "us", "un", "ut", "uz", "ush", "ad", "ed",
];
const NASAB: &[&str] = &["bin", "ibn", "ben", "bn", "bint", "binti", "bent", "ibnat", "بن", "ابن", "بنت"];
const ABD_PREFIXES: &[&str] = &[
    "abd", "abdul", "abdel", "abdal", "abdol", "abdil", "abdoul", "abdur", "abder", "abdes", "abdus", "abdar", "abdas",
    "abdoun", "abdl",
];
const ABD_SHORT: &[&str] = &["abdu", "abdou", "abdo"];
const KUNYA_ABU: &[&str] = &["abu", "abou", "abo", "aboo", "ebu", "abul", "ابو"];
const KUNYA_UMM: &[&str] = &["umm", "um", "om", "oum", "omm", "umme", "ام"];
const DIN_WORDS: &[&str] = &["din", "deen", "dine", "dien", "الدين", "دين"];
const DIN_FUSED: &[&str] = &[
    "eddine", "eddin", "uddin", "uddine", "addin", "iddin", "oddin", "aldin", "eldin", "uldin", "aldeen", "eldeen",
    "uddeen", "eddeen", "addeen", "ideen", "ud-din", "aldine", "eldine", "edin", "edine", "udin",
];

/// What a word written alone may be inside a name: a word that joins names rather than being
/// one. Which one it is depends on the words around it (see `group`), so this says only that it
/// may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Particle {
    /// ال, al, el (written apart from its name).
    Article,
    /// bin, ibn, bint, بن, ابن, بنت.
    Nasab,
    /// Abu, Umm, أبو, أم: a kunya, when a name follows.
    Kunya,
    /// Abd, عبد, before al-X.
    Abd,
    /// Āl, آل: "house of".
    House,
}

/// The particle a word written alone may be (see [`Particle`]), from the tables of particles
/// the grouping of a name's words reads.
pub fn particle_of(word: &str) -> Option<Particle> {
    // Every particle is a word of six letters at most: a longer one (most words of a text) is
    // told without reading it as a name; plain ASCII letters fold to their lower case.
    if word.chars().filter(|&c| crate::script::is_letter(c)).nth(6).is_some() {
        return None;
    }
    let camel = word.as_bytes().windows(2).any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
    if word.bytes().all(|b| b.is_ascii_alphabetic()) && !camel {
        return particle_folded(&word.to_ascii_lowercase(), false);
    }
    // Arabic letters, marks and tatweel alone (the short words of Arabic sentences are many):
    // folded as the tokens are (marks and tatweel out, the seats of hamza and madda on alef
    // read as alef), without reading it as a name. Anything else (a presentation form, a
    // Latin mark, Arabic punctuation) is read by the tokens.
    let arabic =
        |c: char| crate::normalize::is_arabic_mark(c) || matches!(c, '\u{0621}'..='\u{064A}' | '\u{0671}'..='\u{06D3}');
    if word.chars().all(arabic) {
        let folded: String = word
            .chars()
            .filter(|&c| !crate::normalize::is_arabic_mark(c))
            .map(crate::normalize::fold_arabic_letter)
            .collect();
        return particle_folded(&folded, is_house(word));
    }
    let (tokens, numbers) = tokenize_with_numbers(word);
    let [t] = &tokens[..] else { return None };
    if !numbers.is_empty() {
        return None;
    }
    particle_folded(&t.folded, t.house)
}

/// Whether a piece of text is Āl / آل ("house of"), perhaps with punctuation around it.
fn is_house(piece: &str) -> bool {
    piece.len() <= 8 && matches!(piece.trim_matches(|c: char| !is_letter(c)), "Āl" | "āl" | "ĀL" | "آل")
}

/// As [`particle_of`], of a word as folded (`house`: written Āl or آل).
fn particle_folded(f: &str, house: bool) -> Option<Particle> {
    if house {
        Some(Particle::House)
    } else if NASAB.contains(&f) {
        Some(Particle::Nasab)
    } else if LATIN_ARTICLES.contains(&f) || f == "ال" {
        Some(Particle::Article)
    } else if KUNYA_ABU.contains(&f) || KUNYA_UMM.contains(&f) {
        Some(Particle::Kunya)
    } else if ABD_PREFIXES.contains(&f) || f == "عبد" {
        Some(Particle::Abd)
    } else {
        None
    }
}

/// Whether `t` is an article of the word `next`: ال, al/el, or an assimilated form written apart
/// before its sun letter (ar-Rahman, "Ar Raqqah", "ash Shami") or with a hyphen.
fn is_article(t: &Token, next: Option<&Token>) -> bool {
    let Some(next) = next else { return false };
    match t.script {
        Script::Arabic => t.folded == "ال",
        Script::Latin => {
            let f = t.folded.as_str();
            LATIN_ARTICLES.contains(&f)
                || (LATIN_ASSIMILATED.contains(&f)
                    && (t.hyphen_after || (next.script == Script::Latin && next.folded.starts_with(&f[1..]))))
        }
        _ => false,
    }
}

fn is_consonant(c: char) -> bool {
    c.is_ascii_lowercase() && !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w')
}

/// Strips a fused Latin article (`alkhatib` → `khatib`, `elhalabi` → `halabi`,
/// `ashshami` → `shami`); `None` when there is none. The rest must be at least three letters.
/// Before a consonant it is stripped when the tables know the rest or no article was written
/// apart already; before a vowel (often ʿayn: `alali`, `alumar`) only when the tables know the
/// rest, so `alexander`, `alina` and `elena` are left whole.
fn strip_fused_latin_article<'a>(tables: &VariantTables, key: &'a str, article_apart: bool) -> Option<&'a str> {
    let rest = key.strip_prefix("al").or_else(|| key.strip_prefix("el"))?;
    let first = rest.chars().next()?;
    if rest.len() < 3 {
        return None;
    }
    let known = !tables.lookup_key(rest).is_empty();
    (known || (is_consonant(first) && !article_apart)).then_some(rest)
}

/// Strips the Arabic article ال from a fused token (`الحلبي` → `حلبي`).
fn strip_arabic_article(folded: &str) -> Option<&str> {
    let rest = folded.strip_prefix("ال")?;
    (rest.chars().count() >= 2).then_some(rest)
}

fn strip_arabic_article_light(light: &str) -> &str {
    for p in ["ال", "أل", "إل", "ٱل"] {
        if let Some(rest) = light.strip_prefix(p) {
            if rest.chars().count() >= 2 {
                return rest;
            }
        }
    }
    light
}

/// Splits a fused Latin `Abd al-X` (`abdulrahman`, `abderrahmane`, `abdelkader`, `abdussalam`)
/// into the part after the article; `None` if the token is not such a compound.
fn split_fused_abd(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("abd")?;
    let rest = rest.trim_start_matches(['a', 'e', 'i', 'o', 'u']);
    let b = rest.as_bytes();
    let x = if b.len() > 2 && b[0] == b'l' {
        &rest[1..]
    } else if b.len() > 3 && b[0] == b[1] && is_consonant(b[0] as char) {
        // Assimilated article: abd-ur-Rahman → abdurrahman.
        &rest[1..]
    } else {
        rest
    };
    (x.len() >= 3).then_some(x)
}

/// Splits a fused Latin `X al-Din` (`nureddin`, `salaheddine`, `alauddin`) into X.
fn split_fused_din(key: &str) -> Option<&str> {
    for suffix in DIN_FUSED {
        if let Some(x) = key.strip_suffix(suffix) {
            if x.len() >= 3 {
                return Some(x);
            }
        }
    }
    None
}

const UA_PATRONYMIC: &[&str] = &[
    "ович",
    "евич",
    "євич",
    "йович",
    "ьович",
    "ьевич",
    "івна",
    "ївна",
    "овна",
    "евна",
    "євна",
    "ьевна",
    "ична",
    "інічна",
    "инична",
];
const LATIN_PATRONYMIC: &[&str] = &[
    "ovich", "evich", "yevich", "ievich", "ovych", "evych", "iovych", "iyovych", "ovitch", "evitch", "ovna", "evna",
    "ievna", "yevna", "ivna", "yivna", "iivna", "ichna", "owitsch", "ewitsch", "owna", "ewna",
];

/// Whether a token is a Slavic patronymic, and its stem.
pub(crate) fn patronymic_stem(folded: &str, script: Script) -> Option<&str> {
    let suffixes = match script {
        Script::Cyrillic => UA_PATRONYMIC,
        Script::Latin => LATIN_PATRONYMIC,
        _ => return None,
    };
    // Longest suffix first so that -йович beats -ович.
    let mut best: Option<&str> = None;
    for s in suffixes {
        if let Some(stem) = folded.strip_suffix(s) {
            if stem.chars().count() >= 2 && best.is_none_or(|b| stem.len() < b.len()) {
                best = Some(stem);
            }
        }
    }
    best
}

const CYRILLIC_ENDINGS: &[&str] = &["", "о", "а", "й", "ій", "ий", "ей", "ь", "я"];
const LATIN_ENDINGS: &[&str] = &["", "o", "a", "i", "y", "ii", "iy", "ei", "ey", "yi", "ij"];

/// The father's given name a patronymic was made from: an irregular form from the exceptions
/// table, else the stem plus the endings names take, checked against the given-name tables.
pub(crate) fn father_from_patronymic(
    tables: &VariantTables,
    token_key: &str,
    stem: &str,
    script: Script,
) -> Option<EquivalenceId> {
    if let Some(id) = tables.patronymic_exception(token_key) {
        return Some(id);
    }
    let endings = if script == Script::Cyrillic { CYRILLIC_ENDINGS } else { LATIN_ENDINGS };
    let mut candidate = String::with_capacity(stem.len() + 4);
    for end in endings {
        candidate.clear();
        candidate.push_str(stem);
        candidate.push_str(end);
        if let Some(&id) = tables.lookup_key(&candidate).iter().find(|id| tables.set(**id).kind == SetKind::SlavicGiven)
        {
            return Some(id);
        }
    }
    None
}

/// A part being built: token indices and what they make.
#[derive(Debug)]
pub(crate) struct RawPart {
    /// The tokens it covers (always consecutive).
    pub tokens: std::ops::Range<usize>,
    pub kind: PartKind,
    pub article: bool,
    /// Lookup key of the whole (compound) name, in the part's script.
    pub key: Text,
    /// For compounds whose whole key is unknown: the component X (after `abd`, before `din`,
    /// after `abu`), keyed, and which construct it is.
    pub construct: Option<(Construct, Text)>,
    /// Light text of the core, for romanisation.
    pub light_core: Text,
    pub upper: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Construct {
    Abd,
    Din,
    /// `X-ullah` (Nasrallah, Habibullah, حبيب الله).
    Allah,
    Abu,
    Umm,
}

const ALLAH_WORDS: &[&str] = &["allah", "ullah", "ulla", "alla", "illah", "ollah", "الله"];
const ALLAH_FUSED: &[&str] = &["ullah", "ulla", "allah", "alla", "ollah", "illah", "ellah"];

/// Splits a fused Latin `X-ullah` (`nasrallah`, `habibullah`) into X.
fn split_fused_allah(key: &str) -> Option<&str> {
    ALLAH_FUSED.iter().find_map(|suffix| key.strip_suffix(suffix).filter(|x| x.len() >= 3))
}

/// A token's key is its folded form: tokens hold no spaces or hyphens.
fn key_of(s: &str) -> Text {
    Text::from(s)
}

/// Groups tokens into parts: compounds, kunyas, particles, names with their article.
pub(crate) fn group(tokens: &[Token], tables: &VariantTables) -> Vec<RawPart> {
    let mut parts: Vec<RawPart> = Vec::with_capacity(tokens.len());
    let slavic_name = || tokens.iter().any(|t| patronymic_stem(&t.folded, t.script).is_some());
    let n = tokens.len();
    let mut i = 0;
    let mut pending_article = false;
    while i < n {
        let t = &tokens[i];
        let f = t.folded.as_str();
        let next_exists = i + 1 < n;
        let simple = |kind: PartKind, idx: std::ops::Range<usize>| RawPart {
            tokens: idx,
            kind,
            article: false,
            key: key_of(f),
            construct: None,
            light_core: t.light.clone(),
            upper: t.upper,
        };
        if t.house {
            parts.push(simple(PartKind::HouseOf, i..i + 1));
            i += 1;
            continue;
        }
        if i > 0 && next_exists && NASAB.contains(&f) {
            parts.push(simple(PartKind::Nasab, i..i + 1));
            i += 1;
            continue;
        }
        if is_article(t, tokens.get(i + 1)) {
            pending_article = true;
            i += 1;
            continue;
        }
        // A single letter is an initial (خلف م. م. الدليمي = KHALAF M. M. AL-DULAYMI).
        if matches!(t.script, Script::Latin | Script::Cyrillic | Script::Arabic) && f.chars().nth(1).is_none() {
            let mut part = simple(PartKind::Initial, i..i + 1);
            part.article = std::mem::take(&mut pending_article);
            parts.push(part);
            i += 1;
            continue;
        }
        // A multi-word name the tables know whole (Abu Bakr, Abd al-Rahman, Nur al-Din).
        let multiword = tables.starts_multiword(f);
        if let Some((len, key)) = (2..=3).rev().filter(|_| multiword).find_map(|len| {
            if i + len > n {
                return None;
            }
            let joined: Text = tokens[i..i + len].iter().map(|t| t.folded.as_str()).collect();
            (!tables.lookup_key(&joined).is_empty()).then_some((len, joined))
        }) {
            parts.push(RawPart {
                tokens: i..i + len,
                kind: PartKind::Compound,
                article: std::mem::take(&mut pending_article),
                light_core: tokens[i..i + len].iter().map(|t| t.light.as_str()).collect::<Vec<_>>().join(" ").into(),
                key,
                construct: None,
                upper: t.upper,
            });
            i += len;
            continue;
        }
        let known = !tables.lookup_key(f).is_empty();
        // Abd al-X, Abu X, Umm X written as separate words.
        let construct = if !known && next_exists {
            let abd_short = ABD_SHORT.contains(&f) && is_article(&tokens[i + 1], tokens.get(i + 2));
            if ABD_PREFIXES.contains(&f) || f == "عبد" || abd_short {
                Some(Construct::Abd)
            } else if KUNYA_ABU.contains(&f) {
                Some(Construct::Abu)
            } else if KUNYA_UMM.contains(&f) {
                Some(Construct::Umm)
            } else {
                None
            }
        } else {
            None
        };
        if let Some(c) = construct {
            let mut j = i + 1;
            let mut x_article = false;
            if j + 1 < n
                && (is_article(&tokens[j], tokens.get(j + 1)) || (c == Construct::Abd && tokens[j].hyphen_after))
            {
                x_article = is_article(&tokens[j], tokens.get(j + 1))
                    || matches!(tokens[j].folded.as_str(), "ur" | "ar" | "er" | "us" | "as" | "es");
                if x_article {
                    j += 1;
                }
            }
            let x = &tokens[j];
            let x_core = match x.script {
                Script::Arabic => Text::from(strip_arabic_article(&x.folded).unwrap_or(&x.folded)),
                _ => x.folded.clone(),
            };
            let kind = match c {
                Construct::Abu | Construct::Umm => PartKind::Kunya,
                _ => PartKind::Compound,
            };
            let idx = i..j + 1;
            let key: Text = idx.clone().map(|k| tokens[k].folded.as_str()).collect();
            let light_core: String = idx.clone().map(|k| tokens[k].light.as_str()).collect::<Vec<_>>().join(" ");
            let _ = x_article;
            parts.push(RawPart {
                tokens: idx,
                kind,
                article: std::mem::take(&mut pending_article),
                key,
                construct: Some((c, x_core)),
                light_core: light_core.into(),
                upper: t.upper,
            });
            i = j + 1;
            continue;
        }
        // X al-Din and X-ullah written apart: X [al] din, X allah.
        let din_at = if !known && i + 1 < n && DIN_WORDS.contains(&tokens[i + 1].folded.as_str()) {
            Some((i + 1, Construct::Din))
        } else if !known
            && i + 2 < n
            && is_article(&tokens[i + 1], tokens.get(i + 2))
            && DIN_WORDS.contains(&tokens[i + 2].folded.as_str())
        {
            Some((i + 2, Construct::Din))
        } else if !known
            && i + 1 < n
            && ALLAH_WORDS.contains(&tokens[i + 1].folded.as_str())
            // Alla is also a Slavic given name: in a name with a patronymic (KUZMICH Alla
            // Vasilievna) it is no X-ullah.
            && !(slavic_name()
                && tables.lookup_key(&tokens[i + 1].folded).iter().any(|id| tables.set(*id).kind == SetKind::SlavicGiven))
        {
            Some((i + 1, Construct::Allah))
        } else {
            None
        };
        if let Some((d, c)) = din_at {
            let idx = i..d + 1;
            parts.push(RawPart {
                key: idx.clone().map(|k| tokens[k].folded.as_str()).collect(),
                light_core: idx.clone().map(|k| tokens[k].light.as_str()).collect::<Vec<_>>().join(" ").into(),
                tokens: idx,
                kind: PartKind::Compound,
                article: std::mem::take(&mut pending_article),
                construct: Some((c, Text::from(f))),
                upper: t.upper,
            });
            i = d + 1;
            continue;
        }
        // One token: fused constructs, the fused article, a patronymic, or a plain name.
        let mut part = simple(PartKind::Name, i..i + 1);
        part.article = std::mem::take(&mut pending_article);
        if !known {
            match t.script {
                Script::Latin => {
                    // A patronymic first: Abdullaevich is Abdulla's son, not Abd al-Laevich.
                    if patronymic_stem(f, t.script).is_some() || tables.patronymic_exception(f).is_some() {
                        part.kind = PartKind::Patronymic;
                    } else if let Some(x) = f.starts_with("abd").then(|| split_fused_abd(f)).flatten() {
                        part.kind = PartKind::Compound;
                        part.construct = Some((Construct::Abd, Text::from(x)));
                    } else if let Some(x) = split_fused_din(f) {
                        part.kind = PartKind::Compound;
                        part.construct = Some((Construct::Din, Text::from(x)));
                    } else if let Some(x) = split_fused_allah(f) {
                        part.kind = PartKind::Compound;
                        part.construct = Some((Construct::Allah, Text::from(x)));
                    } else if let Some(rest) = strip_fused_latin_article(tables, f, part.article) {
                        part.article = true;
                        part.key = Text::from(rest);
                        part.light_core = Text::from(rest);
                    }
                }
                Script::Arabic => {
                    if let Some(rest) = f.strip_prefix("عبد").filter(|r| r.chars().count() >= 2) {
                        part.kind = PartKind::Compound;
                        let x = strip_arabic_article(rest).unwrap_or(rest);
                        part.construct = Some((Construct::Abd, Text::from(x)));
                    } else if let Some(x) = f.strip_suffix("الدين").filter(|x| x.chars().count() >= 2) {
                        part.kind = PartKind::Compound;
                        part.construct = Some((Construct::Din, Text::from(x)));
                    } else if let Some(x) = f.strip_suffix("الله").filter(|x| x.chars().count() >= 2) {
                        part.kind = PartKind::Compound;
                        part.construct = Some((Construct::Allah, Text::from(x)));
                    } else if let Some(x) = f.strip_prefix("ابو").filter(|x| x.chars().count() >= 3) {
                        part.kind = PartKind::Kunya;
                        let x = strip_arabic_article(x).unwrap_or(x);
                        part.construct = Some((Construct::Abu, Text::from(x)));
                    } else if let Some(rest) = strip_arabic_article(f) {
                        part.article = true;
                        part.key = Text::from(rest);
                        part.light_core = Text::from(strip_arabic_article_light(&t.light));
                    }
                }
                Script::Cyrillic
                    if patronymic_stem(f, t.script).is_some() || tables.patronymic_exception(f).is_some() =>
                {
                    part.kind = PartKind::Patronymic;
                }
                _ => {}
            }
        }
        parts.push(part);
        i += 1;
    }
    // A name has one patronymic, its last: an earlier one is a family name made from a
    // patronymic (KUZMICH Tetiana Oleksandrivna, PETROVICH Ivan Ivanovich).
    if let Some(last) = parts.iter().rposition(|p| p.kind == PartKind::Patronymic) {
        for p in &mut parts[..last] {
            if p.kind == PartKind::Patronymic {
                p.kind = PartKind::Name;
            }
        }
    }
    parts
}

/// The script of a raw part: its tokens', or `Mixed` when they differ.
pub(crate) fn script_of(tokens: &[Token], raw: &RawPart) -> Script {
    raw.tokens.clone().map(|k| tokens[k].script).fold(Script::None, |acc, s| match acc {
        Script::None => s,
        a if a == s => a,
        _ => Script::Mixed,
    })
}

/// Assigns roles to parts: Arabic order (given, father, grandfather, family), `bin` marking the
/// father, kunyas, patronymics and the Slavic orders (Given Patronymic Family / FAMILY Given
/// Patronymic).
pub(crate) fn assign_roles(parts: &[RawPart], slavic_given: &[bool], known_given: &[bool]) -> Vec<Role> {
    let mut roles = vec![Role::Unknown; parts.len()];
    let names: Vec<usize> = (0..parts.len())
        .filter(|&k| {
            matches!(parts[k].kind, PartKind::Name | PartKind::Compound | PartKind::Initial | PartKind::Toponym)
        })
        .collect();
    let initial = |k: usize| parts[k].kind == PartKind::Initial;
    // Names written in full: the orders are read from them; initials take the places around.
    let full: Vec<usize> = names.iter().copied().filter(|&k| !initial(k)).collect();
    for (k, p) in parts.iter().enumerate() {
        roles[k] = match p.kind {
            PartKind::Nasab | PartKind::HouseOf => Role::Particle,
            PartKind::Patronymic => Role::Patronymic,
            PartKind::Kunya => Role::Kunya,
            _ => Role::Unknown,
        };
    }
    // A kunya written last after names is a family name (the Abu Zeid family).
    if let Some(last) = parts.len().checked_sub(1) {
        if parts[last].kind == PartKind::Kunya && !names.is_empty() && names[0] < last {
            roles[last] = Role::Family;
        }
    }
    let patronymic = parts.iter().position(|p| p.kind == PartKind::Patronymic);
    if let Some(pat) = patronymic {
        // Slavic: the name before the patronymic is the given name; another one is the family.
        let before = names.iter().rev().find(|&&k| k < pat).copied();
        if let Some(g) = before {
            roles[g] = Role::Given;
        }
        for &k in &full {
            if Some(k) != before {
                roles[k] = Role::Family;
            }
        }
        return roles;
    }
    // One name in full and initials (Шевченко О. В., O. Shevchenko): the family name, and the
    // initials in order stand for the given name, the father's, the grandfather's.
    const BY_INITIALS: [Role; 3] = [Role::Given, Role::Father, Role::Grandfather];
    if full.len() == 1 && names.len() > 1 {
        roles[full[0]] = Role::Family;
        for (n, &k) in names.iter().filter(|&&k| initial(k)).enumerate() {
            roles[k] = BY_INITIALS.get(n).copied().unwrap_or(Role::Unknown);
        }
        return roles;
    }
    let is_slavic_given = |k: usize| slavic_given[k];
    if full.len() == 2
        && (parts[full[0]].upper && !parts[full[1]].upper || !is_slavic_given(full[0]) && is_slavic_given(full[1]))
    {
        // FAMILY Given: official and sanctions-list order; initials after the given name stand
        // for the father's (SHEVCHENKO Oleksandr V.).
        roles[full[0]] = Role::Family;
        roles[full[1]] = Role::Given;
        for (n, &k) in names.iter().filter(|&&k| initial(k) && k > full[1]).enumerate() {
            roles[k] = BY_INITIALS[1..].get(n).copied().unwrap_or(Role::Unknown);
        }
        return roles;
    }
    // FAMILY Given Father …: a first name in capitals before names that are not, as official
    // and sanctions lists write it (AL-HALABI Mohammed Ahmad, KOVALENKO Oleksandr Petro).
    // Not a known given name in capitals (MHD, MOHD: Muhammad abbreviated, as Syrian lists write it).
    if full.len() >= 3 && parts[full[0]].upper && !known_given[full[0]] && full[1..].iter().all(|&k| !parts[k].upper) {
        roles[full[0]] = Role::Family;
        for (pos, &k) in names.iter().filter(|&&k| k != full[0]).enumerate() {
            roles[k] = match pos {
                0 => Role::Given,
                1 => Role::Father,
                2 => Role::Grandfather,
                _ => Role::Unknown,
            };
        }
        return roles;
    }
    // Arabic order: given, father, grandfather, …, family. A name whose later parts all follow
    // `bin` ("Ali bin Hassan bin Omar") has no family name.
    let only_nasab = names.len() >= 2 && names.iter().skip(1).all(|&k| k > 0 && parts[k - 1].kind == PartKind::Nasab);
    let m = names.len();
    for (pos, &k) in names.iter().enumerate() {
        roles[k] = match pos {
            0 => Role::Given,
            _ if pos + 1 == m && !only_nasab => Role::Family,
            1 => Role::Father,
            2 => Role::Grandfather,
            _ => Role::Unknown,
        };
    }
    roles
}

/// Ukrainian vs Russian for a whole name: the first token that tells.
pub(crate) fn name_cyrillic_language(tokens: &[Token]) -> CyrillicLanguage {
    let mut lang = CyrillicLanguage::Undetermined;
    for t in tokens.iter().filter(|t| t.script == Script::Cyrillic) {
        match cyrillic_language(&t.light) {
            CyrillicLanguage::Undetermined => {}
            l => {
                lang = l;
                break;
            }
        }
    }
    lang
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_particle_is_told_alike_by_its_letters_and_by_its_token() {
        let words = [
            "al",
            "Al",
            "EL",
            "bin",
            "Ibn",
            "BINT",
            "abu",
            "Abou",
            "umm",
            "Om",
            "abd",
            "Abdul",
            "Abdoun",
            "Ahmad",
            "the",
            "Bashar",
            "as",
            "Āl",
            "آل",
            "بن",
            "ابن",
            "بنت",
            "أبو",
            "أم",
            "عبد",
            "ال",
            "محمد",
            "Abū",
            "Ibn-Sina",
            "ibn's",
            "al7",
            "أَبو",
            "ابـن",
            "إبن",
            "ٱبن",
            "آـل",
            "بِن",
            "عبدالله",
            "الحلبي",
            "أمّ",
            "في",
            "من",
            "Ibn-بن",
            "آلِ",
            "آلُ",
        ];
        for w in words {
            let (tokens, numbers) = tokenize_with_numbers(w);
            let by_token = match &tokens[..] {
                [t] if numbers.is_empty() => particle_folded(&t.folded, t.house),
                _ => None,
            };
            assert_eq!(particle_of(w), by_token, "{w}");
        }
        // Every word of up to three of these pieces, as the tokens read it.
        let pieces = [
            "ب", "ن", "ـ", "َ", "ا", "أ", "ٲ", "ل", "آ", "ع", "د", "ّ", "ؐ", "A", "b", "i", "n", "l", "u", "m", "O", "ﻦ",
            "\u{0300}", "،", "\u{061C}",
        ];
        for a in pieces {
            for b in pieces {
                for c in ["", "ن", "ـ", "ل", "n", "d", "َ"] {
                    let w = format!("{a}{b}{c}");
                    let (tokens, numbers) = tokenize_with_numbers(&w);
                    let by_token = match &tokens[..] {
                        [t] if numbers.is_empty() => particle_folded(&t.folded, t.house),
                        _ => None,
                    };
                    assert_eq!(particle_of(&w), by_token, "{w}");
                }
            }
        }
        assert_eq!(particle_of("بـــــــن"), Some(Particle::Nasab), "stretched by tatweel");
        assert_eq!(particle_of("Āl"), Some(Particle::House));
        assert_eq!(particle_of("آل"), Some(Particle::House));
        assert_eq!(particle_of("bint"), Some(Particle::Nasab));
        assert_eq!(particle_of("أبو"), Some(Particle::Kunya));
        assert_eq!(particle_of("al"), Some(Particle::Article));
        assert_eq!(particle_of("Abdul"), Some(Particle::Abd));
        assert_eq!(particle_of("Bashar"), None);
    }

    #[test]
    fn a_part_is_found_as_the_list_wrote_it() {
        let e = crate::NameEngine::new();
        let cases = [
            ("AL-HALABI, Mohammed Abd al-Rahman", ["Mohammed", "Abd al-Rahman", "AL-HALABI"]),
            ("Ely Khaleel Almuhammad", ["Ely", "Khaleel", "Almuhammad"]),
            ("محمد عبد الرحمن الحلبي", ["محمد", "عبد الرحمن", "الحلبي"]),
        ];
        for (name, want) in cases {
            let a = e.analyse(name);
            let found: Vec<Option<&str>> = a.parts.iter().map(|p| as_written(name, &p.text)).collect();
            assert_eq!(found, want.iter().map(|w| Some(*w)).collect::<Vec<_>>(), "{name}");
        }
        assert_eq!(as_written("Mohammed Ali", "hasan"), None, "a part not in the text is not made up");
        assert_eq!(as_written("Mohammed Ali", ""), None);
        assert_eq!(as_written("Hay'at Tahrir", "hayat"), Some("Hay'at"));
    }

    #[test]
    fn bracketed_asides_are_not_parts() {
        assert_eq!(without_brackets("KOTENOK Yuriy (Yurii) Petrovich").as_deref(), Some("KOTENOK Yuriy   Petrovich"));
        assert_eq!(without_brackets("Magomed (Khamid) [Hamid] Kadyrov").as_deref(), Some("Magomed     Kadyrov"));
        assert_eq!(without_brackets("(Ahmad)"), None, "nothing would remain");
        assert_eq!(without_brackets("Ahmad (Abu Ali").as_deref(), Some("Ahmad (Abu Ali"), "unclosed: kept");
        assert_eq!(without_brackets("Ahmad Ali"), None);
    }

    #[test]
    fn fused_abd_compounds_split_at_the_article() {
        assert_eq!(split_fused_abd("abdulrahman"), Some("rahman"));
        assert_eq!(split_fused_abd("abderrahmane"), Some("rahmane"));
        assert_eq!(split_fused_abd("abdelkader"), Some("kader"));
        assert_eq!(split_fused_abd("abdussalam"), Some("salam"));
        assert_eq!(split_fused_abd("abdelaziz"), Some("aziz"));
        assert_eq!(split_fused_abd("abdurahman"), Some("rahman"));
        assert_eq!(split_fused_abd("abdo"), None);
    }

    #[test]
    fn fused_din_compounds_split_before_din() {
        assert_eq!(split_fused_din("nureddin"), Some("nur"));
        assert_eq!(split_fused_din("noureddine"), Some("nour"));
        assert_eq!(split_fused_din("salahuddin"), Some("salah"));
        assert_eq!(split_fused_din("nuraldin"), Some("nur"));
    }

    #[test]
    fn fused_ullah_compounds_split() {
        assert_eq!(split_fused_allah("nasrallah"), Some("nasr"));
        assert_eq!(split_fused_allah("habibullah"), Some("habib"));
        assert_eq!(split_fused_allah("stella"), None);
    }

    #[test]
    fn fused_article_is_stripped_before_a_consonant_or_a_known_name() {
        let t = VariantTables::builtin().expect("tables");
        assert_eq!(strip_fused_latin_article(&t, "alkhatib", false), Some("khatib"));
        assert_eq!(strip_fused_latin_article(&t, "elhalabi", false), Some("halabi"));
        assert_eq!(strip_fused_latin_article(&t, "alumar", false), Some("umar"), "a known vowel-initial name");
        assert_eq!(strip_fused_latin_article(&t, "alexander", false), None);
        assert_eq!(strip_fused_latin_article(&t, "alina", false), None);
        assert_eq!(strip_fused_latin_article(&t, "ali", false), None);
        assert_eq!(strip_fused_latin_article(&t, "aldoshin", true), None, "an article apart already, rest unknown");
    }

    #[test]
    fn patronymics_are_recognised() {
        assert_eq!(patronymic_stem("володимирович", Script::Cyrillic), Some("володимир"));
        assert_eq!(patronymic_stem("сергійович", Script::Cyrillic), Some("сергі"));
        assert_eq!(patronymic_stem("vladimirovich", Script::Latin), Some("vladimir"));
        assert_eq!(patronymic_stem("petrivna", Script::Latin), Some("petr"));
        assert_eq!(patronymic_stem("ivanov", Script::Latin), None);
    }

    #[test]
    fn names_typed_together_are_split_at_the_capital() {
        assert_eq!(split_camel_case("IvanAleksandrovich"), "Ivan Aleksandrovich");
        assert_eq!(split_camel_case("СергейВладимирович"), "Сергей Владимирович");
        assert_eq!(split_camel_case("McDonald"), "McDonald");
        assert_eq!(split_camel_case("MOHAMMED"), "MOHAMMED");
    }

    #[test]
    fn comma_lists_read_in_name_order_and_titles_go() {
        let folded = |s: &str| tokenize(s).into_iter().map(|t| t.folded).collect::<Vec<_>>().join(" ");
        assert_eq!(folded("AL-ZAWAHIRI, Dr. Ayman"), "ayman al zawahiri");
        assert_eq!(folded("Sheikh Ahmad Yassin"), "ahmad yassin");
        assert_eq!(folded("Dr. Sheikh Ahmad Yassin"), "ahmad yassin");
        // A title word after the first name is a family name.
        assert_eq!(folded("Muhammad Mohammad Al Shaykh"), "muhammad mohammad al shaykh");
        assert_eq!(folded("Shaykh, Abd Rahman Ahmed"), "abd rahman ahmed shaykh");
        assert_eq!(folded("محمد الشيخ علي"), "محمد الشيخ علي");
        assert_eq!(folded("Haji Murad"), "haji murad");
        assert_eq!(folded("Ali, Hassan, Omar"), "ali hassan omar");
    }

    #[test]
    fn house_of_is_not_the_article() {
        let toks = tokenize("Āl Saud");
        assert!(toks[0].house);
        let toks = tokenize("Al Saud");
        assert!(!toks[0].house);
    }

    #[test]
    fn hyphens_split_tokens_and_are_remembered() {
        let toks = tokenize("Ash-Shami");
        assert_eq!(toks.len(), 2);
        assert!(toks[0].hyphen_after);
        assert_eq!(toks[1].folded, "shami");
    }
}
