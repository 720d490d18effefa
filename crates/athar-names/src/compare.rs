//! Name comparison: per-part levels, alignment of parts in any order, a score and an explanation.
//!
//! Owns how two analysed names are judged alike. A part pair gets one [`TokenLevel`], from
//! strongest to weakest: same written form, same equivalence set, same romanisation, same
//! skeleton (with the romanised forms close), Jaro-Winkler bands on the romanised forms, and
//! different. Two known names in different sets are `different_names` whatever their spelling —
//! the skeleton never decides alone. Parts align in any order; a missing middle part (father,
//! grandfather) costs little, a missing given or family name costs more. Does not analyse names
//! (see `structure`) or weigh record fields (that is the linkage model's job).

use crate::script::Script;
use crate::structure::{NamePart, PartKind, Role};
use crate::tables::VariantTables;
use crate::NameAnalysis;
use serde::Serialize;

/// How one part of a name compares with one part of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenLevel {
    /// The same normalised form (محمد = مُحَمَّد, Mohammed = MOHAMMED).
    SameOriginal,
    /// Forms of one name in the variant tables (محمد = Mohammed = Mhd).
    SameEquivalence,
    /// The same canonical romanisation (Олександр = Oleksandr).
    SameRomanisation,
    /// The same skeleton and close romanised forms (الحلبي ≈ Halaby).
    SameSkeleton,
    /// Jaro-Winkler ≥ 0.94 on the romanised forms: a spelling slip.
    CloseSpelling,
    /// Skeletons one edit apart, or Jaro-Winkler ≥ 0.88: perhaps a typo.
    SimilarSpelling,
    /// Two names the tables know as different names (Hassan / Hussein).
    DifferentNames,
    /// Nothing in common.
    Different,
}

impl TokenLevel {
    /// Whether this level says "the same name" by itself.
    pub fn is_same(self) -> bool {
        matches!(
            self,
            TokenLevel::SameOriginal
                | TokenLevel::SameEquivalence
                | TokenLevel::SameRomanisation
                | TokenLevel::SameSkeleton
                | TokenLevel::CloseSpelling
        )
    }
}

/// The overall verdict on two names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchLevel {
    Same,
    Similar,
    Weak,
    Different,
}

/// One line of the explanation: a part of A, a part of B (either may be missing), and how they
/// compared.
#[derive(Debug, Clone, Serialize)]
pub struct PartMatch {
    pub a: Option<String>,
    pub b: Option<String>,
    pub a_role: Option<Role>,
    pub b_role: Option<Role>,
    pub level: Option<TokenLevel>,
    pub score: f64,
    pub jaro_winkler: Option<f64>,
    pub detail: String,
}

/// The comparison of two names.
#[derive(Debug, Clone, Serialize)]
pub struct NameComparison {
    /// 0 to 1, higher is more alike.
    pub score: f64,
    /// True only when every part of the shorter name is the same name as a part of the longer,
    /// and the longer's extra parts are middle parts (father, grandfather).
    pub same_name: bool,
    pub level: MatchLevel,
    pub parts: Vec<PartMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How much a part of this role counts: the family name gets its due weight, the grandfather
/// (often missing from a list) less.
pub fn role_weight(role: Role) -> f64 {
    match role {
        Role::Given => 1.0,
        Role::Family => 1.2,
        Role::Father => 0.8,
        Role::Grandfather => 0.5,
        Role::Patronymic => 0.7,
        Role::Kunya => 0.5,
        Role::Unknown => 0.7,
        Role::Particle => 0.0,
    }
}

/// Share of a part's weight lost when it has no counterpart: middle parts are often left out.
fn missing_penalty(role: Role) -> f64 {
    match role {
        Role::Father | Role::Grandfather | Role::Unknown | Role::Patronymic | Role::Kunya => 0.3,
        _ => 0.7,
    }
}

/// The romanised forms of a part that Jaro-Winkler is measured on.
fn latin_forms(p: &NamePart) -> impl Iterator<Item = &str> {
    let core = (p.script == Script::Latin && p.core != p.latin).then_some(p.core.as_str());
    std::iter::once(p.latin.as_str()).chain(p.alt_latin.as_deref()).chain(core)
}

fn jaro_winkler_best(a: &NamePart, b: &NamePart) -> f64 {
    let forms = latin_forms;
    let mut best = 0.0f64;
    for x in forms(a) {
        for y in forms(b) {
            best = best.max(strsim::jaro_winkler(x, y));
        }
    }
    best
}

fn skeletons_meet(a: &NamePart, b: &NamePart) -> bool {
    a.skeletons.iter().any(|s| !s.is_empty() && b.skeletons.contains(s))
}

fn skeletons_near(a: &NamePart, b: &NamePart) -> bool {
    a.skeletons
        .iter()
        .any(|s| s.len() >= 3 && b.skeletons.iter().any(|t| t.len() >= 3 && strsim::levenshtein(s, t) <= 1))
}

/// Compares two parts; returns the level, a score in 0..=1, the Jaro-Winkler used and a note.
pub fn compare_parts(tables: &VariantTables, a: &NamePart, b: &NamePart) -> (TokenLevel, f64, Option<f64>, String) {
    if a.key == b.key && !a.key.is_empty() {
        return (TokenLevel::SameOriginal, 1.0, None, "same written form".into());
    }
    // A kunya (Abu Ahmad) is never the given name Ahmad.
    let kunya_a = a.kind == PartKind::Kunya;
    let kunya_b = b.kind == PartKind::Kunya;
    if kunya_a != kunya_b {
        return (TokenLevel::Different, 0.0, None, "a kunya (Abu/Umm X) is not the name X".into());
    }
    if !a.sets.is_empty() && !b.sets.is_empty() {
        if let Some(id) = a.sets.iter().find(|id| b.sets.contains(id)) {
            return (TokenLevel::SameEquivalence, 0.95, None, format!("both are forms of '{}'", tables.set(*id).id));
        }
        let known = a.sets.iter().any(|x| b.sets.iter().any(|y| tables.known_distinct(*x, *y)));
        let note = format!(
            "different names: '{}' vs '{}'{}",
            a.equivalence.join("/"),
            b.equivalence.join("/"),
            if known { " (listed as known-distinct)" } else { "" }
        );
        return (TokenLevel::DifferentNames, 0.0, None, note);
    }
    if a.latin == b.latin
        || a.alt_latin.as_ref().is_some_and(|x| *x == b.latin)
        || b.alt_latin.as_ref().is_some_and(|x| *x == a.latin)
    {
        return (TokenLevel::SameRomanisation, 0.93, Some(1.0), format!("same romanisation '{}'", a.latin));
    }
    let jw = jaro_winkler_best(a, b);
    // An Arabic-script name the tables do not know is romanised by a guess at its vowels: its
    // Jaro-Winkler against a Latin spelling is a weaker signal than the skeleton.
    let guessed = (a.script == Script::Arabic && a.sets.is_empty() && b.script != Script::Arabic)
        || (b.script == Script::Arabic && b.sets.is_empty() && a.script != Script::Arabic);
    let floor = if guessed { 0.70 } else { 0.84 };
    if skeletons_meet(a, b) && jw >= floor {
        let s = 0.75 + 0.2 * ((jw - floor) / (1.0 - floor)).clamp(0.0, 1.0);
        return (TokenLevel::SameSkeleton, s, Some(jw), "same skeleton, close spelling".into());
    }
    if jw >= 0.94 {
        return (TokenLevel::CloseSpelling, 0.8, Some(jw), "close spelling".into());
    }
    if jw >= 0.88 || (skeletons_near(a, b) && jw >= 0.7) || skeletons_meet(a, b) {
        let s = 0.35 + 0.3 * ((jw - 0.7) / 0.3).clamp(0.0, 1.0);
        return (TokenLevel::SimilarSpelling, s, Some(jw), "similar spelling".into());
    }
    (TokenLevel::Different, 0.0, Some(jw), "different".into())
}

fn comparable(p: &NamePart) -> bool {
    p.role != Role::Particle
}

/// Compares two analysed names (see the module documentation).
pub fn compare_names(tables: &VariantTables, a: &NameAnalysis, b: &NameAnalysis) -> NameComparison {
    let pa: Vec<&NamePart> = a.parts.iter().filter(|p| comparable(p)).collect();
    let pb: Vec<&NamePart> = b.parts.iter().filter(|p| comparable(p)).collect();
    if pa.is_empty() || pb.is_empty() {
        let which = match (pa.is_empty(), pb.is_empty()) {
            (true, true) => "neither name",
            (true, false) => "the first name",
            _ => "the second name",
        };
        return NameComparison {
            score: 0.0,
            same_name: false,
            level: MatchLevel::Different,
            parts: Vec::new(),
            error: Some(format!("no usable name: {which} has no letters of a name")),
        };
    }
    // Score every pair, then align greedily, best pairs first, ties by position.
    let mut cells = Vec::with_capacity(pa.len() * pb.len());
    for (i, x) in pa.iter().enumerate() {
        for (j, y) in pb.iter().enumerate() {
            let (level, score, jw, detail) = compare_parts(tables, x, y);
            let w = (role_weight(x.role) + role_weight(y.role)) / 2.0;
            cells.push((i, j, level, score, jw, detail, w));
        }
    }
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by(|&x, &y| {
        let (cx, cy) = (&cells[x], &cells[y]);
        cy.3.partial_cmp(&cx.3)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| cx.0.abs_diff(cx.1).cmp(&cy.0.abs_diff(cy.1)))
    });
    let mut used_a = vec![false; pa.len()];
    let mut used_b = vec![false; pb.len()];
    let mut lines = Vec::new();
    let (mut got, mut total) = (0.0f64, 0.0f64);
    let mut all_same = true;
    let mut matched = 0usize;
    for k in order {
        let (i, j, level, score, jw, ref detail, w) = cells[k];
        if used_a[i] || used_b[j] || score <= 0.0 {
            continue;
        }
        used_a[i] = true;
        used_b[j] = true;
        matched += 1;
        got += w * score;
        total += w;
        all_same &= level.is_same();
        lines.push(PartMatch {
            a: Some(pa[i].text.clone()),
            b: Some(pb[j].text.clone()),
            a_role: Some(pa[i].role),
            b_role: Some(pb[j].role),
            level: Some(level),
            score,
            jaro_winkler: jw,
            detail: detail.clone(),
        });
    }
    let shorter = pa.len().min(pb.len());
    let mut unmatched_core = 0usize;
    for (side, parts, used) in [("a", &pa, &used_a), ("b", &pb, &used_b)] {
        for (i, p) in parts.iter().enumerate() {
            if used[i] {
                continue;
            }
            total += role_weight(p.role) * missing_penalty(p.role);
            if missing_penalty(p.role) > 0.5 {
                unmatched_core += 1;
            }
            // Why is it unmatched? Say what it was closest to.
            let (other, other_used) = if side == "a" { (&pb, &used_b) } else { (&pa, &used_a) };
            let detail = other
                .iter()
                .enumerate()
                .filter(|(k, _)| !other_used[*k])
                .map(|(_, o)| compare_parts(tables, p, o))
                .find(|c| c.0 == TokenLevel::DifferentNames)
                .map(|c| c.3)
                .unwrap_or_else(|| "no counterpart in the other name".into());
            lines.push(PartMatch {
                a: (side == "a").then(|| p.text.clone()),
                b: (side == "b").then(|| p.text.clone()),
                a_role: (side == "a").then_some(p.role),
                b_role: (side == "b").then_some(p.role),
                level: None,
                score: 0.0,
                jaro_winkler: None,
                detail,
            });
        }
    }
    let score = if total > 0.0 { (got / total).clamp(0.0, 1.0) } else { 0.0 };
    let same_name = all_same && matched >= shorter && matched >= 1 && unmatched_core == 0 && score >= 0.75;
    let level = if same_name {
        MatchLevel::Same
    } else if score >= 0.75 {
        MatchLevel::Similar
    } else if score >= 0.45 {
        MatchLevel::Weak
    } else {
        MatchLevel::Different
    };
    NameComparison { score: (score * 1e4).round() / 1e4, same_name, level, parts: lines, error: None }
}
