//! Registered persons named in a text (a report, a testimony): runs of words that are the same
//! name, in some spelling, as a name a record holds (not merely a word sharing a loose key with
//! one: `War`, `New`, `Low` are no names; in Arabic script, which has no capitals, a name as
//! some record writes it, prefixes aside, since most words of an Arabic sentence sound like
//! some name among a million) — two at least, or one after a kunya (`Abu Ahmad`) —,
//! each searched as a full name, when some record could be its person with a mention's
//! probability at all (two common names alone in a large registry are no one: the model's
//! bound says so before any record is read), among the records that hold two of its names (a
//! run that no record holds two names of costs no search: most runs of capitalised words in
//! news are titles, places and agencies; the same name again in a text is the same answer), and kept
//! when the best person's record agrees on two of its names at least (a given and a family
//! name, say) with the model's probability past a floor. A lone given name is never a mention.
//! Owns the reading of the text into candidate names and their acceptance; not the audit of
//! the searches it makes, nor their limits (the registry's), nor facilities (`athar-scan`).

use crate::index::{Index, PersonMatch};
use crate::query::Query;
use crate::registered::SameForms;
use athar_names::proclitic::without_proclitics;
use athar_names::structure::Particle;
use athar_names::{NameAnalysis, PartKind, Script};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// Least probability of a person mention: the model's, as a search gives it.
pub const MENTION_MIN_PROBABILITY: f64 = 0.5;

/// Most words of a name searched at once (given, father, grandfather, family and a particle).
pub const MAX_NAME_WORDS: usize = 5;

/// Most records holding a word of a run asked whether they hold another word of it too (the
/// rarer word's records). Past it both words are common: the run is searched among the
/// search's own candidates instead (a search more, never a name missed).
const HELD_TOGETHER_VISITS: usize = 10_000;

/// Most records that hold two words of a run kept as its candidates; past it, likewise, the
/// search's own candidates.
const HELD_TOGETHER_MOST: usize = crate::index::MAX_CANDIDATES;

/// A registered person named in the text.
#[derive(Debug, Clone, Serialize)]
pub struct NameMention {
    /// Byte offset of the name in the text.
    pub offset: usize,
    /// The name as written there.
    pub text: String,
    /// The person the search found, with the records and the reasons.
    pub person: PersonMatch,
}

/// The persons a text names, and how many searches finding them took (what counts against a
/// user's search limits).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NameMentions {
    pub mentions: Vec<NameMention>,
    pub searches: usize,
    /// A name was left to search when the searches allowed were spent: the text after it was
    /// not read for persons.
    pub stopped: bool,
}

/// How a word of the text reads, once per distinct word: the form the registry holds of it
/// (with the name engine's reading of that form), whether it is a particle, whether a kunya.
type Read = (Option<(String, std::rc::Rc<NameAnalysis>)>, bool, bool);

/// A word of the text: where it is, its text, and what the registry holds of it.
struct Word<'t> {
    start: usize,
    end: usize,
    text: &'t str,
    /// The form searched (an Arabic word without its conjunction or preposition, a Russian or
    /// Ukrainian name in its nominative) when the registry holds it as a name.
    name: Option<String>,
    /// How the name engine reads `name` (read once, for the registry's forms of it too).
    analysis: Option<std::rc::Rc<NameAnalysis>>,
    /// `Abu`, `Umm`, `bin`, `al-`, `abd`: a word that stands inside names, never one alone.
    particle: bool,
    kunya: bool,
}

impl Index {
    /// The registered persons `text` names (see the module documentation), in text order, at
    /// most `max_searches` searches made (the rest of the text is not read: the caller says
    /// so). `searches` is what it took.
    pub fn name_mentions(&self, text: &str, max_searches: usize) -> NameMentions {
        self.name_mentions_within(text, &mut searches_up_to(max_searches))
    }

    /// As [`Index::name_mentions`], asking `may_search` before each search whether one more
    /// may be made (and counting it): a budget shared with other requests (the user's search
    /// limits), taken one search at a time. A `false` stops the reading there.
    pub fn name_mentions_within(&self, text: &str, may_search: &mut dyn FnMut() -> bool) -> NameMentions {
        let mut out = NameMentions::default();
        // Each distinct word read once.
        let mut read: FxHashMap<&str, Read> = FxHashMap::default();
        // A word of the sentence (lower case, longer than any particle) is no name, nor part
        // of one.
        let spans: Vec<(usize, usize)> = words(text).collect();
        let may_be_named = |&(start, end): &(usize, usize)| {
            let w = &text[start..end];
            capitalised(w) || w.chars().count() <= 4
        };
        let candidate: Vec<bool> = spans.iter().map(may_be_named).collect();
        // A name is two words at least, in a row with spaces alone between them: a word with
        // no such neighbour that may be one (a capital after a full stop, a country in a
        // sentence) is not analysed — no run it starts could be searched.
        let joined = |k: usize| candidate[k] && candidate[k + 1] && spaced(text, spans[k].1, spans[k + 1].0);
        let words: Vec<Word> = (0..spans.len())
            .map(|k| {
                let (start, end) = spans[k];
                let w = &text[start..end];
                let neighboured = (k > 0 && joined(k - 1)) || (k + 1 < spans.len() && joined(k));
                if !neighboured {
                    return Word { start, end, text: w, name: None, analysis: None, particle: false, kunya: false };
                }
                let (name, particle, kunya) = read.entry(w).or_insert_with(|| self.read_word(w)).clone();
                let (name, analysis) = name.unzip();
                Word { start, end, text: w, name, analysis, particle, kunya }
            })
            .collect();
        // Each run of words asked once which records hold two of them.
        let mut together: FxHashMap<String, Option<Vec<u32>>> = FxHashMap::default();
        let mut forms = FormsOf { index: self, read: FxHashMap::default() };
        let mut answers: FxHashMap<String, Option<PersonMatch>> = FxHashMap::default();
        // The records of the names that may reach a mention, made once for the bound and the
        // search.
        let mut records: FxHashMap<String, athar_link::LinkRecord> = FxHashMap::default();
        let mut i = 0;
        while i < words.len() && !out.stopped {
            // A name starts with a name or a kunya; particles join its words.
            let starts = words[i].name.is_some() || words[i].kunya;
            let run_end = run_end(text, &words, i);
            let names_in_run = words[i..run_end].iter().filter(|w| w.name.is_some()).count();
            let enough = names_in_run >= 2 || (words[i].kunya && names_in_run >= 1);
            if !starts || !enough {
                i += 1;
                continue;
            }
            let run = &words[i..run_end.min(i + MAX_NAME_WORDS)];
            // Each length from the shortest that could be a name to the longest, with the name
            // searched (each word in the form the registry holds).
            let windows: Vec<(usize, String)> = ((i + 2)..=run_end.min(i + MAX_NAME_WORDS))
                .filter(|&end| {
                    let window = &words[i..end];
                    let names = window.iter().filter(|w| w.name.is_some()).count();
                    window.last().is_some_and(|w| w.name.is_some()) && (names >= 2 || window[0].kunya)
                })
                .map(|end| {
                    let spoken: Vec<&str> = words[i..end].iter().map(|w| w.name.as_deref().unwrap_or(w.text)).collect();
                    (end, spoken.join(" "))
                })
                .collect();
            // A name no record could be the person of with the probability a mention needs (two
            // common names, in a large registry) has no mention: no search, no records looked
            // up (the same name again in the text: the same answer).
            for (_, spoken) in &windows {
                if answers.contains_key(spoken) || records.contains_key(spoken) {
                    continue;
                }
                match name_query(spoken).to_record(self.engine()) {
                    Ok(q) if self.may_reach(&q, MENTION_MIN_PROBABILITY) => {
                        records.insert(spoken.clone(), q);
                    }
                    _ => {
                        answers.insert(spoken.clone(), None);
                    }
                }
            }
            if windows.iter().all(|(_, spoken)| matches!(answers.get(spoken), Some(None))) {
                i += 1;
                continue;
            }
            // The records that hold the run's first name with another of its words: the only
            // ones a name here can be (none: the run names no one registered, at no search's
            // cost — most runs of capitalised words are a place and a month, or two ministers).
            let run_text = run.iter().map(|w| w.text).collect::<Vec<_>>().join(" ");
            let among = together.entry(run_text).or_insert_with(|| self.held_together(run, &mut forms)).clone();
            if among.as_ref().is_some_and(Vec::is_empty) {
                // No record holds two of these words: none of its names is anyone (the same
                // name again in the text is not weighed again).
                for (_, spoken) in windows {
                    records.remove(&spoken);
                    answers.entry(spoken).or_insert(None);
                }
                i += 1;
                continue;
            }
            // The best probability wins (a longer name when they tie, it says more).
            let mut best: Option<(usize, PersonMatch)> = None;
            for (end, spoken) in windows {
                let top = match answers.get(&spoken) {
                    Some(top) => top.clone(),
                    None => {
                        // The run's records that hold this window's first name with another of
                        // its own.
                        let window = &words[i..end];
                        let among = among.as_ref().map(|records| self.holding_two(records, window, &mut forms));
                        if among.as_ref().is_some_and(Vec::is_empty) {
                            answers.insert(spoken, None);
                            continue;
                        }
                        if !may_search() {
                            // A name left to search and none allowed: the rest is not read.
                            out.stopped = true;
                            break;
                        }
                        out.searches += 1;
                        let query = name_query(&spoken);
                        let found = match records.remove(&spoken) {
                            Some(q) => self.search_record(&query, q, among, 1, false),
                            None => self.search_among(&query, among, 1, false),
                        };
                        let top = found
                            .ok()
                            .and_then(|found| found.results.into_iter().next())
                            .filter(|top| top.probability >= MENTION_MIN_PROBABILITY && names_agree(top));
                        answers.insert(spoken, top.clone());
                        top
                    }
                };
                let Some(top) = top else { continue };
                if best.as_ref().is_none_or(|(_, b)| top.probability >= b.probability) {
                    best = Some((end, top));
                }
            }
            if out.stopped {
                break;
            }
            match best {
                Some((end, person)) => {
                    let (start, stop) = (words[i].start, words[end - 1].end);
                    out.mentions.push(NameMention { offset: start, text: text[start..stop].to_string(), person });
                    i = end;
                }
                None => i += 1,
            }
        }
        out
    }

    /// How a word of the text reads (see [`Read`]). Read alone, `bin`, `al`, `Abu` are names
    /// to the engine (which tells a particle by the words around it): a word that may be one
    /// joins the names beside it. A word in lower case is no name (see `registered_form`); nor
    /// is an Arabic word no record writes, told before its analysis.
    fn read_word(&self, word: &str) -> Read {
        let listed = athar_names::structure::particle_of(word);
        let name = if !capitalised(word) || self.arabic_written_by_no_record(word) {
            None
        } else {
            self.registered_form(word, self.engine().analyse(word))
        };
        (name.map(|(form, analysis)| (form, analysis.into())), listed.is_some(), listed == Some(Particle::Kunya))
    }

    /// Whether `word` is an Arabic word of plain names (no particle, kunya or number) that no
    /// record writes as it, nor as it reads without its conjunction or preposition: told by
    /// its parts' cores alone, before the analysis, which would say no name too (most words of
    /// an Arabic sentence; see [`Index::registered_form`]).
    fn arabic_written_by_no_record(&self, word: &str) -> bool {
        if athar_names::script::detect_script(word) != Script::Arabic {
            return false;
        }
        let engine = self.engine();
        let table = self.registered();
        let plain_arabic = |cores: &[(athar_names::Text, PartKind, Script)]| {
            !cores.is_empty()
                && cores.iter().all(|(core, kind, script)| {
                    *script == Script::Arabic
                        && matches!(kind, PartKind::Name | PartKind::Compound)
                        && !table.writes_core(core)
                })
        };
        let written_by_none = |form: &str| {
            engine.part_cores(form).is_some_and(|cores| cores.iter().all(|(core, _, _)| !table.writes_core(core)))
        };
        engine.part_cores(word).is_some_and(|cores| plain_arabic(&cores))
            && without_proclitics(word, 3).all(|form| written_by_none(&form))
    }

    /// The word as the registry holds a name — as written, or (not found so) an Arabic word
    /// without its conjunction or preposition (وأحمد، بصيدنايا), a Cyrillic name in its
    /// nominative (Рябкова, Олександром) — when it is the same name as a form some record
    /// holds, or `None`. A Latin or Cyrillic name is written with a capital: a lower-case word
    /// is a word of the sentence.
    fn registered_form(&self, word: &str, analysis: NameAnalysis) -> Option<(String, NameAnalysis)> {
        if !capitalised(word) {
            return None;
        }
        // Arabic has no capitals: every word of a sentence may start a name, and against a
        // million names most sound like one (يكن، يعرف، يجري). A form some record writes the
        // same way is asked for there; other spellings of the name are still found for the
        // search (`FormsOf`).
        let arabic = analysis.script == Script::Arabic;
        let registered =
            |a: &NameAnalysis| if arabic { self.registered().writes(a) } else { self.same_forms(a, false).any() };
        if registered(&analysis) {
            return Some((word.to_string(), analysis));
        }
        let other_forms: Vec<String> = match analysis.script {
            Script::Arabic => without_proclitics(word, 3).map(std::borrow::Cow::into_owned).collect(),
            Script::Cyrillic => CYRILLIC_CASES
                .iter()
                .filter_map(|(ending, nominative)| {
                    let stem = word.strip_suffix(ending)?;
                    (stem.chars().count() >= 3).then(|| format!("{stem}{nominative}"))
                })
                .collect(),
            _ => Vec::new(),
        };
        other_forms.into_iter().find_map(|f| {
            let analysis = self.engine().analyse(&f);
            registered(&analysis).then_some((f, analysis))
        })
    }

    /// The records that hold a form of the first name of `words` together with one of
    /// another of them; `None` when only one of the words is a name (a kunya and a name), when
    /// a word's forms are not all known, or when more hold them than [`HELD_TOGETHER_MOST`] or
    /// [`HELD_TOGETHER_VISITS`] allow: the search's own candidates then, never a partial list
    /// taken for all.
    fn held_together(&self, words: &[Word], forms: &mut FormsOf) -> Option<Vec<u32>> {
        let first = words.iter().position(|w| w.name.is_some())?;
        let firsts = forms.of(&words[first]);
        let SameForms::Known(firsts) = &*firsts else { return None };
        let mut others: Vec<u32> = Vec::new();
        for w in words.iter().skip(first + 1).filter(|w| w.name.is_some()) {
            match &*forms.of(w) {
                SameForms::Known(f) => others.extend(f),
                SameForms::Unknown => return None,
            }
        }
        if others.is_empty() {
            return None;
        }
        others.sort_unstable();
        others.dedup();
        self.registered()
            .records_with_both(firsts, &others, HELD_TOGETHER_VISITS)
            .filter(|found| found.len() <= HELD_TOGETHER_MOST)
    }

    /// Of `records` (held together by the run `window` is part of, so every word's forms are
    /// known), those that hold a form of the first name of `window` and one of another of its
    /// names.
    fn holding_two(&self, records: &[u32], window: &[Word], forms: &mut FormsOf) -> Vec<u32> {
        let mut known = |w: &Word| match &*forms.of(w) {
            SameForms::Known(f) => f.clone(),
            SameForms::Unknown => Vec::new(),
        };
        let Some(first) = window.iter().position(|w| w.name.is_some()) else { return Vec::new() };
        let firsts = known(&window[first]);
        let mut others: Vec<u32> = window[first + 1..].iter().flat_map(&mut known).collect();
        others.sort_unstable();
        others.dedup();
        let table = self.registered();
        records.iter().copied().filter(|&r| table.record_holds(r, &firsts) && table.record_holds(r, &others)).collect()
    }
}

/// The registry's forms each name of a text is the same name as, found once per name.
struct FormsOf<'i> {
    index: &'i Index,
    read: FxHashMap<String, std::rc::Rc<SameForms>>,
}

impl FormsOf<'_> {
    /// All the forms `word` (a name) is the same name as; none for a word that is no name.
    fn of(&mut self, word: &Word) -> std::rc::Rc<SameForms> {
        let Some(name) = word.name.as_deref() else { return SameForms::Known(Vec::new()).into() };
        if let Some(found) = self.read.get(name) {
            return found.clone();
        }
        let found = match word.analysis.as_deref() {
            Some(analysis) => self.index.same_forms(analysis, true),
            None => self.index.same_forms(&self.index.engine().analyse(name), true),
        };
        let found: std::rc::Rc<SameForms> = found.into();
        self.read.insert(name.to_string(), found.clone());
        found
    }
}

/// A budget of at most `max` searches, for [`Index::name_mentions_within`]: each call takes one
/// while some are left.
pub fn searches_up_to(max: usize) -> impl FnMut() -> bool {
    let mut left = max;
    move || match left.checked_sub(1) {
        Some(rest) => {
            left = rest;
            true
        }
        None => false,
    }
}

/// The search of a name read in a text: the name alone.
fn name_query(spoken: &str) -> Query {
    Query { name: Some(spoken.to_string()), ..Query::default() }
}

/// Whether the person's best record agrees with the name searched on two of the person's
/// names at least (in any spelling), so that a shared given name and a namesake's family name
/// are never a mention.
fn names_agree(m: &PersonMatch) -> bool {
    const NAMES: [&str; 4] = ["given_name", "father_name", "grandfather_name", "family_name"];
    let agreeing =
        m.explanation.iter().filter(|l| NAMES.contains(&l.field.as_str()) && l.level.starts_with("same name")).count();
    let differing = m
        .explanation
        .iter()
        .any(|l| matches!(l.field.as_str(), "given_name" | "family_name") && l.level == "different");
    agreeing >= 2 && !differing
}

/// Whether a word is written as a name: with a capital, or after a lower-case particle
/// (al-Assad, el-Halabi, d'Alembert), or in a script without capitals (Arabic).
fn capitalised(word: &str) -> bool {
    let last = word.rsplit(['-', '\'', '’', 'ʼ']).next().unwrap_or(word);
    [word, last].iter().any(|w| w.chars().next().is_some_and(|c| !c.is_lowercase()))
}

/// Case endings of Russian and Ukrainian names and what the nominative ends with instead
/// (Рябкова → Рябков, Сергея → Сергей, Олександром → Олександр, Коваленка → Коваленко,
/// Ганни → Ганна).
const CYRILLIC_CASES: &[(&str, &str)] = &[
    ("ого", ""),
    ("ому", ""),
    ("ым", ""),
    ("ом", ""),
    ("ом", "о"),
    ("ем", "й"),
    ("ою", "а"),
    ("ой", "а"),
    ("ей", "я"),
    ("а", ""),
    ("у", ""),
    ("е", ""),
    ("я", "й"),
    ("ю", "й"),
    ("е", "й"),
    ("і", "й"),
    ("у", "а"),
    ("а", "о"),
    ("у", "о"),
    ("ы", "а"),
    ("и", "а"),
    ("і", "а"),
    ("е", "а"),
];

/// The words of `text` as byte ranges: letters and marks, with an apostrophe or hyphen inside
/// (al-Assad, Hay'at).
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars.find(|(_, c)| c.is_alphabetic())?;
        let mut end = start;
        while let Some(&(at, c)) = chars.peek() {
            if c.is_alphabetic() || is_mark(c) {
                end = at + c.len_utf8();
                chars.next();
            } else if matches!(c, '\'' | '’' | '-' | 'ʼ') {
                // Inside a word only when a letter follows.
                let mut ahead = chars.clone();
                ahead.next();
                if ahead.peek().is_some_and(|(_, n)| n.is_alphabetic()) {
                    chars.next();
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        Some((start, end.max(start + text[start..].chars().next().map_or(1, char::len_utf8))))
    })
}

/// Arabic vowel marks and other combining marks (they are not letters, but stand inside words).
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}')
}

/// Where the run of name words that starts at `i` ends: the words in a row separated by
/// spaces alone (a comma, a full stop, a line break or any other word ends a name), names and
/// particles only.
fn run_end(text: &str, words: &[Word], i: usize) -> usize {
    let mut end = i;
    while end < words.len() {
        let w = &words[end];
        if w.name.is_none() && !w.particle {
            break;
        }
        if end > i && !spaced(text, words[end - 1].end, w.start) {
            break;
        }
        end += 1;
    }
    end.max(i + 1)
}

/// Whether the text between two words (`from..to`) is spaces alone: the words may stand in
/// one name.
fn spaced(text: &str, from: usize, to: usize) -> bool {
    text[from..to].chars().all(|c| c == ' ' || c == '\u{a0}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{IndexEntry, RecordRef};
    use athar_link::LinkRecord;
    use athar_names::NameEngine;

    type Person<'a> = (&'a str, &'a [(&'a str, &'a str)]);

    fn registry() -> Index {
        registry_of(&[
            ("P1", &[("given_name", "Sergey"), ("family_name", "Ryabkov")]),
            ("P2", &[("given_name", "Олександр"), ("family_name", "Коваленко")]),
            ("P3", &[("given_name", "محمد"), ("father_name", "أحمد"), ("family_name", "الحلبي")]),
            ("P4", &[("given_name", "Ahmad"), ("family_name", "Khatib")]),
            ("P5", &[("given_name", "Sergey"), ("family_name", "Ivanov")]),
            ("P6", &[("given_name", "Bashar"), ("family_name", "al-Assad")]),
        ])
    }

    fn registry_of(people: &[Person]) -> Index {
        let engine = NameEngine::new();
        let entries = people
            .iter()
            .enumerate()
            .map(|(i, (person, fields))| IndexEntry {
                record: LinkRecord::from_fields(&engine, &(i + 1).to_string(), fields, None),
                reference: RecordRef::new(i as i64 + 1, person, "list", None),
                facility: None,
                status: None,
            })
            .collect();
        Index::new(engine, entries, None)
    }

    fn found(index: &Index, text: &str) -> Vec<(String, String)> {
        index
            .name_mentions(text, 1000)
            .mentions
            .into_iter()
            .map(|m| {
                assert_eq!(&text[m.offset..m.offset + m.text.len()], m.text, "the offset points at the name");
                (m.text, m.person.person_id)
            })
            .collect()
    }

    #[test]
    fn a_registered_name_is_found_in_any_spelling_script_and_case_ending() {
        let index = registry();
        let text = "Deputy Foreign Minister Sergei Ryabkov said so. Sergey Lavrov did not. \
                    Заявление Сергея Рябкова. Разом з Олександром Коваленком. \
                    واعتقل محمد أحمد الحلبي في صيدنايا، ثم ومحمد أحمد الحلبي أيضا. \
                    President Bashar al-Assad fled.";
        assert_eq!(
            found(&index, text),
            [
                ("Sergei Ryabkov", "P1"),
                ("Сергея Рябкова", "P1"),
                ("Олександром Коваленком", "P2"),
                ("محمد أحمد الحلبي", "P3"),
                ("ومحمد أحمد الحلبي", "P3"),
                ("Bashar al-Assad", "P6"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn a_given_name_alone_a_namesakes_family_or_a_lower_case_phrase_is_no_mention() {
        let index = registry();
        for text in [
            "Sergey said nothing; Ryabkov left.",
            "Sergey Lavrov and Sergey Kisel met.",
            "The Ryabkov, Sergey affair.",
            "محمد وصل. الحلبي غادر.",
            "sergey ryabkov",
            "Ahmad Ivanov",
        ] {
            assert!(found(&index, text).is_empty(), "{text}: {:?}", found(&index, text));
        }
    }

    #[test]
    fn a_name_registered_after_a_text_was_read_is_found_in_the_next() {
        let mut index = registry();
        let text = "Witnesses saw Yusuf Haddad taken at the checkpoint.";
        assert!(found(&index, text).is_empty(), "no such person yet");
        let engine = NameEngine::new();
        let fields = [("given_name", "Youssef"), ("family_name", "Haddad")];
        index
            .add(vec![IndexEntry {
                record: LinkRecord::from_fields(&engine, "7", &fields, None),
                reference: RecordRef::new(7, "P7", "list", None),
                facility: None,
                status: None,
            }])
            .expect("added in record order");
        // The words read before (none of them a registered name then) are read again.
        assert_eq!(found(&index, text), [("Yusuf Haddad".to_string(), "P7".to_string())]);
        // And kept words are only a shortcut: forgetting them changes no answer.
        index.forget_words();
        assert_eq!(found(&index, text), [("Yusuf Haddad".to_string(), "P7".to_string())]);
    }

    #[test]
    fn a_run_of_letters_longer_than_any_name_is_not_kept() {
        let index = registry();
        let long = format!("Ryabkov{}", "a".repeat(100));
        found(&index, &format!("Sergey Ryabkov and Sergey {long}."));
        let kept = index.words_kept();
        assert!(kept.keys().any(|(w, _)| &**w == "Ryabkov"), "a name is kept");
        assert!(kept.keys().all(|(w, _)| w.len() <= 64), "{:?}", kept.keys().map(|k| k.0.len()).max());
    }

    #[test]
    fn a_name_no_record_could_be_the_person_of_costs_no_search() {
        let mut index = registry();
        let text = "Deputy Foreign Minister Sergei Ryabkov said so.";
        let found = index.name_mentions(text, 1000);
        assert_eq!((found.searches, found.mentions.len()), (1, 1));
        // A model under which even a record agreeing on both names stays below a mention's
        // probability (what two common names are in a large registry).
        let mut unsure = athar_link::FsModel::default_model();
        unsure.prior = 1e-15;
        index.set_model(Some(unsure));
        let found = index.name_mentions(text, 1000);
        assert_eq!((found.searches, found.mentions.len(), found.stopped), (0, 0, false));
    }

    #[test]
    fn a_word_with_no_neighbour_a_name_could_share_is_not_looked_up() {
        let index = registry();
        let found = index.name_mentions("Khatib spoke. Moscow reported that Sergey Ryabkov met: Ahmad.", 1000);
        assert_eq!(found.mentions.len(), 1);
        let kept = |w: &str| index.words_kept().keys().any(|(k, _)| &**k == w);
        // Looked up: the words of a run that could be a name.
        assert!(kept("Sergey") && kept("Ryabkov"));
        // Not: a name alone (before a full stop, after a colon), a capital between a full stop
        // and a word of the sentence, a word of the sentence.
        assert!(!kept("Khatib") && !kept("Ahmad") && !kept("Moscow") && !kept("reported"));
    }

    #[test]
    fn an_arabic_word_is_a_name_only_as_some_record_writes_it() {
        let index = registry();
        // A sound-alike of a registered name (الحلبا for الحلبي): in a script without
        // capitals, most words of a sentence sound like some name of a large registry.
        let a = index.engine().analyse("الحلبا");
        assert!(index.same_forms(&a, false).any(), "a sound-alike of a registered name");
        assert!(index.registered_form("الحلبا", a).is_none());
        // A capitalised Latin word still counts in any spelling of the name.
        let b = index.engine().analyse("Khateeb");
        assert!(index.registered_form("Khateeb", b).is_some());
        // Written as a record writes it, a conjunction joined: found.
        assert_eq!(index.name_mentions("قال ومحمد أحمد الحلبي إنه", 1000).mentions.len(), 1);
    }

    #[test]
    fn a_word_told_before_its_analysis_is_read_as_the_analysis_reads_it() {
        let index = registry_of(&[
            ("P1", &[("given_name", "محمد"), ("father_name", "أحمد"), ("family_name", "الحلبي")]),
            ("P2", &[("given_name", "عبد الرحمن"), ("father_name", "نور الدين"), ("family_name", "آل سعود")]),
            ("P3", &[("given_name", "عبدالله"), ("family_name", "أبو زيد")]),
            ("P4", &[("given_name", "حسية"), ("family_name", "لبابيدي")]),
            ("P5", &[("given_name", "فاطمة"), ("family_name", "بن علي")]),
        ]);
        // Latin and Cyrillic words in lower case (particles among them) and capitalised; Arabic
        // names as records write them, with conjunctions and prepositions joined, articles,
        // compounds written fused and apart, kunyas, particles, ta marbuta written ه, numbers,
        // mixed words, and the words of an ordinary sentence.
        let text = "al bin ibn abu umm bint el ben ibn-Ahmad the of said with de van Al-Halabi Abu Bin Sergey \
                    и в з Олександр бен ал-Халабі \
                    قال ومحمد وأحمد بالحلبي والحلبي الحلبى لمحمد فمحمد عبد الرحمن عبدالرحمن نور الدين \
                    نورالدين آل سعود أبو زيد ابو زيد بن علي بنت عبدالله وعبدالله حسيه حسية لبابيدي \
                    فاطمه وفاطمة الفرع 215 فرع٢١٥ Ahmad محمدAli أم أحمد في سجن صيدنايا العسكري \
                    قبل أن يفرج عنه في عفو عام ولم نسمع عنه شيئا بعدها";
        let (mut quick, mut whole_named, mut listed_particles) = (0, 0, 0);
        for (start, end) in words(text) {
            let w = &text[start..end];
            // The whole reading: the word's analysis, and the form the registry holds of it.
            let whole = index.registered_form(w, index.engine().analyse(w)).map(|(form, _)| form);
            whole_named += usize::from(whole.is_some());
            if index.arabic_written_by_no_record(w) {
                quick += 1;
                assert!(whole.is_none(), "{w}: told no name, but read {whole:?}");
            }
            let (name, particle, _) = index.read_word(w);
            assert_eq!(name.map(|(form, _)| form), whole, "{w}");
            listed_particles += usize::from(particle);
        }
        // Particles and kunyas, in Latin and Arabic script; words that are neither.
        for (w, particle, kunya) in
            [("bin", true, false), ("Abu", true, true), ("ابن", true, false), ("أم", true, true), ("آل", true, false)]
                .into_iter()
                .chain([("the", false, false), ("Sergey", false, false), ("محمد", false, false)])
        {
            let (_, p, k) = index.read_word(w);
            assert_eq!((p, k), (particle, kunya), "{w}");
        }
        // Not vacuous: both ways were taken.
        assert!(quick >= 15, "{quick} words told quickly");
        assert!(whole_named >= 10, "{whole_named} words named");
        assert!(listed_particles >= 10, "{listed_particles} particles");
    }

    #[test]
    fn particles_written_apart_and_prefixes_joined_are_read_in_a_mention() {
        let index = registry_of(&[
            ("P1", &[("given_name", "Ahmad"), ("father_name", "Khalid"), ("family_name", "al-Zoubi")]),
            ("P2", &[("given_name", "Bashar"), ("family_name", "al-Assad")]),
            ("P3", &[("given_name", "محمد"), ("father_name", "أحمد"), ("family_name", "الحلبي")]),
        ]);
        let text = "Witnesses saw Ahmad bin Khalid al-Zoubi in Adra. Bashar al Assad fled. \
                    وشوهد محمد بن أحمد الحلبي في صيدنايا. رسالة ولمحمد أحمد الحلبي. سلمت لمحمد أحمد للحلبي. \
                    وكتب فَلِمحمد أحمد لِلحلبي.";
        let texts: Vec<String> = found(&index, text).into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            texts,
            [
                "Ahmad bin Khalid al-Zoubi",
                "Bashar al Assad",
                "محمد بن أحمد الحلبي",
                "ولمحمد أحمد الحلبي",
                "لمحمد أحمد للحلبي",
                "فَلِمحمد أحمد لِلحلبي"
            ]
        );
    }

    #[test]
    fn searches_stop_at_the_budget_and_are_counted() {
        let index = registry();
        let text = "Sergei Ryabkov. Ahmad Khatib. Sergey Ivanov. Sergei Ryabkov.";
        let all = index.name_mentions(text, 1000);
        assert_eq!(all.mentions.len(), 4);
        assert_eq!(all.searches, 3, "the same name again is the same answer, not a new search");
        // Names the registry holds, but never in one record: no search at all.
        assert_eq!(index.name_mentions("Ahmad Ryabkov met Олександр Khatib.", 1000).searches, 0);
        assert!(!all.stopped);
        let some = index.name_mentions(text, 2);
        assert_eq!(some.searches, 2);
        assert_eq!(some.mentions.len(), 2);
        assert!(some.stopped, "a third name was left to search");
        // Spending the budget exactly on the last name is no stop.
        let exact = index.name_mentions(text, 3);
        assert_eq!((exact.searches, exact.mentions.len(), exact.stopped), (3, 4, false));
    }
}
