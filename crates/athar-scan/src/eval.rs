//! Measuring the scanner on annotated sentences: precision and recall of site mentions (a
//! mention found is right when it overlaps a mention of the same site in the annotation), by
//! language and by reading — the figures each reading's confidence is set from.
//!
//! Owns the scoring; the annotated set is `data/gazetteer/facility_mentions.jsonl`.

use crate::{EntityKind, Reading, Scanner};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One annotated sentence.
#[derive(Debug, Clone, Deserialize)]
pub struct Sentence {
    pub id: String,
    pub lang: String,
    pub text: String,
    pub mentions: Vec<GoldMention>,
}

/// A mention in the annotation: the text as written, and the site's gazetteer id.
#[derive(Debug, Clone, Deserialize)]
pub struct GoldMention {
    pub text: String,
    pub site: String,
}

/// Counts of one slice.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub found: usize,
    pub right: usize,
    pub gold: usize,
    pub recalled: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        if self.found == 0 {
            1.0
        } else {
            self.right as f64 / self.found as f64
        }
    }
    pub fn recall(&self) -> f64 {
        if self.gold == 0 {
            1.0
        } else {
            self.recalled as f64 / self.gold as f64
        }
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// What was measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    pub sentences: usize,
    pub all: Counts,
    pub by_lang: BTreeMap<String, Counts>,
    /// Mentions found and right, by how they were read.
    pub by_reading: BTreeMap<String, Counts>,
    /// What went wrong: `sentence id: found … / missed …`.
    pub errors: Vec<String>,
}

fn reading_name(r: Reading) -> String {
    serde_json::to_value(r).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Scores `scanner` on `sentences`. An annotated site the gazetteer does not have is an error
/// of the annotation, returned as such.
pub fn evaluate(scanner: &Scanner, sentences: &[Sentence]) -> Result<EvalReport, String> {
    let mut report = EvalReport { sentences: sentences.len(), ..EvalReport::default() };
    for s in sentences {
        // Gold spans: each mention's text at its n-th occurrence.
        let mut gold: Vec<(usize, usize, String)> = Vec::new();
        let mut used: BTreeMap<&str, usize> = BTreeMap::new();
        for g in &s.mentions {
            if !scanner.sites.iter().any(|site| site.id == g.site) {
                return Err(format!("{}: site '{}' is not in the gazetteer", s.id, g.site));
            }
            let from = used.get(g.text.as_str()).copied().unwrap_or(0);
            let Some(at) = s.text[from..].find(&g.text).map(|i| i + from) else {
                return Err(format!("{}: '{}' is not in the sentence", s.id, g.text));
            };
            used.insert(&g.text, at + g.text.len());
            gold.push((at, at + g.text.len(), format!("facility:{}", g.site)));
        }
        let found: Vec<_> =
            scanner.scan(&s.text).into_iter().filter(|m| m.entity_kind == EntityKind::Facility).collect();
        let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
        let lang = report.by_lang.entry(s.lang.clone()).or_default();
        let mut c = Counts { gold: gold.len(), found: found.len(), ..Counts::default() };
        for m in &found {
            let right = gold.iter().any(|g| g.2 == m.entity_id && overlaps((m.offset, m.offset + m.len), (g.0, g.1)));
            c.right += usize::from(right);
            let r = report.by_reading.entry(reading_name(m.reading)).or_default();
            r.found += 1;
            r.right += usize::from(right);
            if !right {
                report.errors.push(format!("{}: found '{}' as {}", s.id, m.text, m.entity_id));
            }
        }
        for g in &gold {
            let recalled =
                found.iter().any(|m| g.2 == m.entity_id && overlaps((m.offset, m.offset + m.len), (g.0, g.1)));
            c.recalled += usize::from(recalled);
            if !recalled {
                report.errors.push(format!("{}: missed '{}' ({})", s.id, &s.text[g.0..g.1], g.2));
            }
        }
        for t in [lang, &mut report.all] {
            t.found += c.found;
            t.right += c.right;
            t.gold += c.gold;
            t.recalled += c.recalled;
        }
    }
    Ok(report)
}
