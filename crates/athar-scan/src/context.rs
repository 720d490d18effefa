//! The words around a name that tell what it means there: words of detention (held, سجن,
//! задержан), words of something else (a bank, a monastery, quarantine), and the kind of site
//! beside a town (СИЗО Таганрога). Read from `data/gazetteer/context_words.txt` (compiled in).
//!
//! Owns the cue list and the window around a match; not the names matched.

use crate::fold::fold;

const CUES: (&str, &str) =
    ("data/gazetteer/context_words.txt", include_str!("../../../data/gazetteer/context_words.txt"));

/// Words a name is read among: this many words on each side.
pub const WINDOW_WORDS: usize = 12;
/// A kind of site counts beside a town within this many words.
pub const BESIDE_WORDS: usize = 3;

/// A kind of site a word names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindWord {
    PreTrial,
    Colony,
    Prison,
    Branch,
    Airport,
    Camp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CueKind {
    Detention,
    Other,
    Kind(KindWord),
}

#[derive(Debug, Clone)]
struct Cue {
    /// Folded.
    text: String,
    kind: CueKind,
    /// Arabic: matched inside a word (after joined prefixes), not only at its start.
    inside: bool,
    /// The text between spaces, as a phrase is looked for among words.
    padded: String,
}

/// The cue list.
#[derive(Debug, Clone)]
pub struct Cues {
    cues: Vec<Cue>,
    /// Cues of one word matched at a word's start, by their first character.
    by_first: rustc_hash::FxHashMap<char, Vec<usize>>,
    /// Cues of one word matched inside a word (Arabic), and one automaton over them.
    inside: Vec<usize>,
    inside_automaton: Option<aho_corasick::AhoCorasick>,
    /// Cues of several words, and one automaton over them padded with spaces (a phrase
    /// among whole words).
    phrases: Vec<usize>,
    phrase_automaton: Option<aho_corasick::AhoCorasick>,
}

/// What the words around a match say.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// A word of detention is near.
    pub detention: bool,
    /// A word of something else is near (a bank, a monastery): the name is not a site here.
    pub other: bool,
    /// A word of something else is right beside (the bank's Branch 215): even a site's own
    /// name is not the site here.
    pub other_beside: bool,
    /// The kind of site a word right beside names.
    pub kind_beside: Option<KindWord>,
    /// The first number right after (СИЗО-1 Симферополя, Simferopol's SIZO-1).
    pub number_beside: Option<String>,
    /// The words right beside (folded).
    pub beside_words: Vec<String>,
}

impl Cues {
    pub fn builtin() -> Result<Cues, String> {
        Cues::parse(CUES.0, CUES.1)
    }

    /// Parses `kind: word  # comment` lines.
    pub fn parse(file: &str, text: &str) -> Result<Cues, String> {
        let mut cues = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |m: &str| format!("{file}:{}: {m}", i + 1);
            let Some((body, comment)) = line.split_once('#') else {
                return Err(at("a cue needs a '# comment'"));
            };
            if comment.trim().is_empty() {
                return Err(at("empty comment"));
            }
            let Some((kind, word)) = body.split_once(':') else {
                return Err(at("a cue is 'kind: word'"));
            };
            let kind = match kind.trim() {
                "detention" => CueKind::Detention,
                "other" => CueKind::Other,
                "kind_pre_trial" => CueKind::Kind(KindWord::PreTrial),
                "kind_colony" => CueKind::Kind(KindWord::Colony),
                "kind_prison" => CueKind::Kind(KindWord::Prison),
                "kind_branch" => CueKind::Kind(KindWord::Branch),
                "kind_airport" => CueKind::Kind(KindWord::Airport),
                "kind_camp" => CueKind::Kind(KindWord::Camp),
                k => return Err(at(&format!("unknown cue kind '{k}'"))),
            };
            let folded = fold(word.trim()).text;
            if folded.is_empty() {
                return Err(at("the cue has no letters"));
            }
            let inside = folded.chars().next().is_some_and(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
            let padded = format!(" {folded} ");
            cues.push(Cue { text: folded, kind, inside, padded });
        }
        let mut by_first: rustc_hash::FxHashMap<char, Vec<usize>> = Default::default();
        let (mut inside, mut phrases) = (Vec::new(), Vec::new());
        for (i, c) in cues.iter().enumerate() {
            if c.text.contains(' ') {
                phrases.push(i);
            } else if c.inside {
                inside.push(i);
            } else if let Some(first) = c.text.chars().next() {
                by_first.entry(first).or_default().push(i);
            }
        }
        let inside_automaton = if inside.is_empty() {
            None
        } else {
            let texts: Vec<&str> = inside.iter().map(|i| cues[*i].text.as_str()).collect();
            Some(aho_corasick::AhoCorasick::new(texts).map_err(|e| format!("{file}: the cues' automaton: {e}"))?)
        };
        let phrase_automaton = if phrases.is_empty() {
            None
        } else {
            let texts: Vec<&str> = phrases.iter().map(|i| cues[*i].padded.as_str()).collect();
            Some(aho_corasick::AhoCorasick::new(texts).map_err(|e| format!("{file}: the phrases' automaton: {e}"))?)
        };
        Ok(Cues { cues, by_first, inside, inside_automaton, phrases, phrase_automaton })
    }

    /// The one-word cues a folded word meets (one inside an Arabic word may meet twice).
    fn hits<'a>(&'a self, word: &'a str) -> impl Iterator<Item = &'a Cue> + 'a {
        let first = word.chars().next();
        let arabic = first.is_some_and(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
        let starting = first.and_then(|c| self.by_first.get(&c)).map(Vec::as_slice).unwrap_or(&[]);
        let inside = self.inside_automaton.as_ref().filter(|_| arabic).map(|a| a.find_overlapping_iter(word));
        starting
            .iter()
            .map(|i| &self.cues[*i])
            .filter(move |c| !c.inside && word.starts_with(c.text.as_str()))
            .chain(inside.into_iter().flatten().map(|m| &self.cues[self.inside[m.pattern().as_usize()]]))
    }

    /// The phrases (cues of several words) in `padded`, words between single spaces with one
    /// before and after, each with its place in the cue list.
    fn phrases_in<'a>(&'a self, padded: &'a str) -> impl Iterator<Item = (usize, &'a Cue)> + 'a {
        self.phrase_automaton.iter().flat_map(move |a| {
            a.find_overlapping_iter(padded).map(|m| {
                let at = self.phrases[m.pattern().as_usize()];
                (at, &self.cues[at])
            })
        })
    }

    /// What the words around `start..end` of the folded `text` say.
    pub fn window(&self, text: &str, start: usize, end: usize) -> Window {
        self.read(text, start, end, WINDOW_WORDS)
    }

    /// What the words right beside `start..end` say (the kind of site, a number, a word of
    /// something else): [`Window::detention`] and [`Window::other`] are not read.
    pub fn beside(&self, text: &str, start: usize, end: usize) -> Window {
        self.read(text, start, end, BESIDE_WORDS)
    }

    fn read(&self, text: &str, start: usize, end: usize, words: usize) -> Window {
        // The sentence's words only, up to a break on each side, and only as many as are read:
        // a long sentence costs what a short one does.
        let break_word = |w: &&str| *w != crate::fold::BREAK_WORD;
        let mut before: Vec<&str> =
            text[..start].rsplit(' ').filter(|w| !w.is_empty()).take_while(break_word).take(words).collect();
        before.reverse();
        let after: Vec<&str> =
            text[end..].split(' ').filter(|w| !w.is_empty()).take_while(break_word).take(words).collect();
        let (near_before, near_after) = (&before[..], &after[..]);
        let mut w = Window::default();
        let full = words >= WINDOW_WORDS;
        for word in near_before.iter().chain(near_after.iter()).filter(|_| full) {
            for cue in self.hits(word) {
                match cue.kind {
                    CueKind::Detention | CueKind::Kind(_) => w.detention = true,
                    CueKind::Other => w.other = true,
                }
            }
        }
        if full && !self.phrases.is_empty() {
            // Cues of several words (خرج من) are looked for in the window's text.
            let joined = padded(near_before.iter().chain(near_after.iter()));
            for (_, cue) in self.phrases_in(&joined) {
                match cue.kind {
                    CueKind::Other => w.other = true,
                    _ => w.detention = true,
                }
            }
        }
        w.number_beside = before[before.len().saturating_sub(BESIDE_WORDS)..]
            .iter()
            .chain(after[..after.len().min(BESIDE_WORDS)].iter())
            .find(|w| w.bytes().all(|b| b.is_ascii_digit()))
            .map(|w| w.to_string());
        let beside_before = &before[before.len().saturating_sub(BESIDE_WORDS)..];
        let beside_after = &after[..after.len().min(BESIDE_WORDS)];
        w.beside_words = beside_before.iter().chain(beside_after.iter()).map(|w| w.to_string()).collect();
        w.other_beside = w.beside_words.iter().any(|word| self.hits(word).any(|c| c.kind == CueKind::Other));
        // A kind of site in several words beside (detention centre): the last in the list wins.
        let beside = padded(w.beside_words.iter());
        w.kind_beside = self
            .phrases_in(&beside)
            .filter_map(|(at, cue)| match cue.kind {
                CueKind::Kind(k) => Some((at, k)),
                _ => None,
            })
            .max_by_key(|(at, _)| *at)
            .map(|(_, k)| k);
        if w.kind_beside.is_none() {
            w.kind_beside = beside_after.iter().chain(beside_before.iter().rev()).find_map(|word| self.kind_of(word));
        }
        w
    }

    /// Whether a folded word is one of the cue words (a word of detention, of something else,
    /// or a kind of site): no site's name on its own.
    pub fn is_cue(&self, word: &str) -> bool {
        self.hits(word).next().is_some()
    }

    /// The kind of site a single folded word names (branche, الفرع, СИЗО), if any.
    pub fn kind_of(&self, word: &str) -> Option<KindWord> {
        self.hits(word).find_map(|c| match c.kind {
            CueKind::Kind(k) => Some(k),
            _ => None,
        })
    }
}

/// Words joined by single spaces, with one before and after (how phrases are looked for).
fn padded<S: AsRef<str>>(words: impl Iterator<Item = S>) -> String {
    let mut out = String::from(" ");
    for w in words {
        out.push_str(w.as_ref());
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cue_list_parses_and_reads_a_window() {
        let cues = Cues::builtin().unwrap_or_else(|e| panic!("{e}"));
        let t = fold("والمعتقلين في صيدنايا").text;
        let at = t.find("صيدنايا").expect("in text");
        assert!(cues.window(&t, at, at + "صيدنايا".len()).detention);
        let t = fold("the monastery of saydnaya").text;
        let at = t.find("saydnaya").expect("in text");
        let w = cues.window(&t, at, t.len());
        assert!(w.other && !w.detention);
        let t = fold("в сизо 2 таганрога").text;
        let at = t.find("таганрога").expect("in text");
        assert_eq!(cues.window(&t, at, t.len()).kind_beside, Some(KindWord::PreTrial));
        assert!(Cues::parse("t", "detention: x\n").is_err());
        assert!(Cues::parse("t", "sometimes: x # c\n").is_err());
    }
}
