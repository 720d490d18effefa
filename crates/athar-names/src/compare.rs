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
use crate::sounds;
use crate::structure::{NamePart, PartKind, Role};
use crate::tables::VariantTables;
use crate::NameAnalysis;
use crate::Text;
use compact_str::format_compact;
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
    /// Spellings that read as one spoken name: only vowels and letters of one family differ
    /// (Ali / Eli, Sheikh / Chaikh; see `sounds`).
    SameSound,
    /// Jaro-Winkler ≥ 0.94 on the romanised forms: a spelling slip.
    CloseSpelling,
    /// Skeletons one edit apart, or Jaro-Winkler ≥ 0.88: perhaps a typo.
    SimilarSpelling,
    /// An initial and a name that begins with it (O. / Oleksandr, M. / محمد): consistent, weak.
    Initial,
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
                | TokenLevel::SameSound
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

/// Jaro-Winkler similarity (prefix weight 0.1), bit-parallel; on bytes when both are ASCII,
/// as romanised forms almost always are.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a.is_ascii() && b.is_ascii() {
        rapidfuzz::distance::jaro_winkler::similarity(a.bytes(), b.bytes())
    } else {
        rapidfuzz::distance::jaro_winkler::similarity(a.chars(), b.chars())
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
            best = best.max(jaro_winkler(x, y));
        }
    }
    best
}

fn skeletons_meet(a: &NamePart, b: &NamePart) -> bool {
    a.skeletons.iter().any(|s| !s.is_empty() && b.skeletons.contains(s))
}

fn skeletons_near(a: &NamePart, b: &NamePart) -> bool {
    a.skeletons.iter().any(|s| {
        s.len() >= 3
            && b.skeletons
                .iter()
                .any(|t| t.len() >= 3 && rapidfuzz::distance::levenshtein::distance(s.bytes(), t.bytes()) <= 1)
    })
}

/// Sound distance (see [`sounds`]) at or under which two spellings read as one name.
const SAME_SOUND: f32 = 0.5;
/// Sound distance at or under which two spellings may be one name with a slip.
const SIMILAR_SOUND: f32 = 1.0;

/// For a part the tables know against one of the same kind they do not: every Latin spelling
/// of the known name with its skeleton, and the unknown part, for `f`. Nothing otherwise.
fn each_known_spelling(tables: &VariantTables, a: &NamePart, b: &NamePart, mut f: impl FnMut(&str, &Text, &NamePart)) {
    for (known, unknown) in [(a, b), (b, a)] {
        if !known.sets.is_empty() && unknown.sets.is_empty() && unknown.kind == known.kind {
            for id in &known.sets {
                let set = tables.set(*id);
                for (form, skeleton) in set.latin_forms.iter().zip(&set.latin_skeletons) {
                    f(form, skeleton, unknown);
                }
            }
        }
    }
}

/// The least sound distance between the romanised forms of two parts, and, for a part the
/// tables know against one they do not, between every spelling of the known name and the other;
/// some value above `limit` when none is within it (all a comparison reads).
fn sound_distance(tables: &VariantTables, a: &NamePart, b: &NamePart, guessed: bool, limit: f32) -> f32 {
    // Each spelling read into sound units once; only distances up to the limit are read (and,
    // once one is found, up to it).
    let units = |p: &NamePart| {
        let mut out = [sounds::Units::default(); 3];
        let mut n = 0;
        for (slot, form) in out.iter_mut().zip(latin_forms(p)) {
            *slot = sounds::Units::of(form);
            n += 1;
        }
        (out, n)
    };
    let ((ua, na), (ub, nb)) = (units(a), units(b));
    let mut best = f32::INFINITY;
    for x in &ua[..na] {
        for y in &ub[..nb] {
            best = best.min(x.distance_within(y, guessed, best.min(limit)));
        }
    }
    each_known_spelling(tables, a, b, |form, _, unknown| {
        let form = sounds::Units::of(form);
        let spellings = if std::ptr::eq(unknown, a) { &ua[..na] } else { &ub[..nb] };
        for u in spellings {
            best = best.min(form.distance_within(u, guessed, best.min(limit)));
        }
    });
    best
}

/// Compares two parts: the level, a score in 0..=1 and the Jaro-Winkler used, if any. Cheap:
/// no allocation; the explanation's words come from [`describe`].
pub fn compare_parts(tables: &VariantTables, a: &NamePart, b: &NamePart) -> (TokenLevel, f64, Option<f64>) {
    compare_parts_in(tables, a, b, true, SIMILAR_SOUND)
}

/// Whether two parts are the same name in any spelling ([`TokenLevel::is_same`]), whatever
/// role each plays in its name (a word read alone has none).
pub fn same_part(tables: &VariantTables, a: &NamePart, b: &NamePart) -> bool {
    // Only "the same or not" is read: sound distances past the same level are not needed.
    compare_parts_in(tables, a, b, false, SAME_SOUND).0.is_same()
}

/// As [`compare_parts`]; with `roles` false, the parts' roles are not read (a name of one part
/// has the role of its position, not one the structure showed: a father's name field holding
/// "Mikhail" meets one holding "Mikhailovich"). Sound distances are read up to `sound_limit`
/// ([`SIMILAR_SOUND`] for the level; [`SAME_SOUND`] when only whether it is the same matters).
fn compare_parts_in(
    tables: &VariantTables,
    a: &NamePart,
    b: &NamePart,
    roles: bool,
    sound_limit: f32,
) -> (TokenLevel, f64, Option<f64>) {
    if a.core == b.core && !a.core.is_empty() {
        return (TokenLevel::SameOriginal, 1.0, None);
    }
    // A kunya (Abu Ahmad) is never the given name Ahmad.
    if (a.kind == PartKind::Kunya) != (b.kind == PartKind::Kunya) {
        return (TokenLevel::Different, 0.0, None);
    }
    // A patronymic (Mikhailovich) names the father: it is never the given name Mikhail
    // (Yuri Mikhailovich and Mikhail Yurievich are a son and his father's namesake, not one man).
    let given_patronymic =
        matches!((a.role, b.role), (Role::Patronymic, Role::Given) | (Role::Given, Role::Patronymic));
    if roles && given_patronymic {
        return (TokenLevel::Different, 0.0, None);
    }
    // An initial stands for the name in its place only (О. В. is the given name, then the father's).
    let initial = (a.kind == PartKind::Initial, b.kind == PartKind::Initial);
    if roles && (initial.0 || initial.1) && !roles_meet(a.role, b.role) {
        return (TokenLevel::Different, 0.0, None);
    }
    match initial {
        (true, true) if a.latin == b.latin => return (TokenLevel::SameRomanisation, 0.93, None),
        (true, true) => return (TokenLevel::Different, 0.0, None),
        (true, false) => return initial_level(tables, a, b),
        (false, true) => return initial_level(tables, b, a),
        (false, false) => {}
    }
    // A village's sets are those of the person it is named for: they meet another such
    // village's only (Oleksandrivka is not Oleksandr).
    let toponyms = (a.kind == PartKind::Toponym, b.kind == PartKind::Toponym);
    let same_romanisation = a.latin == b.latin
        || a.alt_latin.as_ref().is_some_and(|x| *x == b.latin || Some(x) == b.alt_latin.as_ref())
        || b.alt_latin.as_ref().is_some_and(|x| *x == a.latin);
    if !a.sets.is_empty() && !b.sets.is_empty() && toponyms.0 == toponyms.1 {
        if toponyms.0 && same_romanisation {
            return (TokenLevel::SameRomanisation, 0.93, Some(1.0));
        }
        if a.sets.iter().any(|id| b.sets.contains(id)) {
            // A village named for Oleksandr in its Russian form (Aleksandrovka) is likelier another
            // village than the same form romanised: it scores under a same romanisation.
            return (TokenLevel::SameEquivalence, if toponyms.0 { 0.9 } else { 0.95 }, None);
        }
        return (TokenLevel::DifferentNames, 0.0, None);
    }
    if same_romanisation {
        return (TokenLevel::SameRomanisation, 0.93, Some(1.0));
    }
    let mut jw = jaro_winkler_best(a, b);
    // A spelling the tables do not know, against a known name: measure it against every
    // spelling of that name, not only the canonical one (Usamah against Usama, not Osama).
    // Only spellings of the known name with a skeleton of the unknown one are measured, and
    // only when the two parts share a skeleton: the loop is the costly part of ranking many
    // candidates.
    let meet = skeletons_meet(a, b);
    if meet {
        each_known_spelling(tables, a, b, |form, skeleton, unknown| {
            if unknown.skeletons.contains(skeleton) {
                for u in latin_forms(unknown) {
                    jw = jw.max(jaro_winkler(form, u));
                }
            }
        });
    }
    // An Arabic-script name the tables do not know is romanised by a guess at its vowels: its
    // Jaro-Winkler against a Latin spelling is a weaker signal than the skeleton.
    let guessed = (a.script == Script::Arabic && a.sets.is_empty() && b.script != Script::Arabic)
        || (b.script == Script::Arabic && b.sets.is_empty() && a.script != Script::Arabic);
    // Across scripts with guessed vowels, a skeleton of two consonants or more that meets is
    // the evidence; the romanised forms need only be loosely alike.
    // (The skeleton they share, whichever side is first: a comparison is symmetric.)
    let long_skeleton = a.skeletons.iter().any(|s| s.len() >= 2 && b.skeletons.contains(s));
    let floor = match (guessed, long_skeleton) {
        (true, true) => 0.5,
        (true, false) => 0.7,
        _ => 0.84,
    };
    if meet && jw >= floor {
        let s = 0.75 + 0.2 * ((jw - floor) / (1.0 - floor)).clamp(0.0, 1.0);
        return (TokenLevel::SameSkeleton, s, Some(jw));
    }
    // Spellings that read as one spoken name (Ali / Eli, Sheikh / Chaikh, Qasem / Gasim): the
    // vowels and letter families that hands write differently cost little.
    let near = !meet && skeletons_near(a, b);
    let sound = if meet || near { sound_distance(tables, a, b, guessed, sound_limit) } else { f32::INFINITY };
    if sound <= SAME_SOUND {
        return (TokenLevel::SameSound, 0.8, Some(jw));
    }
    if jw >= 0.94 {
        return (TokenLevel::CloseSpelling, 0.8, Some(jw));
    }
    if sound <= SIMILAR_SOUND {
        return (TokenLevel::SimilarSpelling, 0.6, Some(jw));
    }
    // A shared skeleton alone is weak between two Latin forms (vowels are dropped): it counts
    // only with the romanised forms somewhat alike, or across scripts with guessed vowels.
    if jw >= 0.88 || (meet && (guessed || jw >= 0.75)) || (jw >= 0.7 && near) {
        let s = 0.35 + 0.3 * ((jw - 0.7) / 0.3).clamp(0.0, 1.0);
        return (TokenLevel::SimilarSpelling, s, Some(jw));
    }
    (TokenLevel::Different, 0.0, Some(jw))
}

/// An initial against a whole name: whether the name, in its script or any romanisation or
/// known spelling, begins with the initial's letter (О against Oleksandr, M against محمد).
fn initial_level(tables: &VariantTables, initial: &NamePart, name: &NamePart) -> (TokenLevel, f64, Option<f64>) {
    // An initial with no Latin reading (ع) meets names of its own script only.
    let begins = |form: &str| !initial.latin.is_empty() && form.starts_with(initial.latin.as_str());
    let known = name.sets.iter().any(|id| tables.set(*id).latin_forms.iter().any(|f| begins(f)));
    let meets = (initial.script == name.script && name.core.starts_with(initial.core.as_str()))
        || latin_forms(name).any(begins)
        || known;
    if meets {
        (TokenLevel::Initial, INITIAL_SCORE, None)
    } else {
        (TokenLevel::Different, 0.0, None)
    }
}

/// Whether parts in these roles may be the same name in one person's name: the same role, a
/// role not known, or the father written as a name and as a patronymic.
fn roles_meet(a: Role, b: Role) -> bool {
    a == b
        || a == Role::Unknown
        || b == Role::Unknown
        || matches!((a, b), (Role::Father, Role::Patronymic) | (Role::Patronymic, Role::Father))
}

/// What an initial that fits a name is worth: many names begin with any letter.
const INITIAL_SCORE: f64 = 0.7;

/// The explanation of a level, in words.
pub fn describe(tables: &VariantTables, a: &NamePart, b: &NamePart, level: TokenLevel) -> String {
    match level {
        TokenLevel::SameOriginal => "same written form".into(),
        TokenLevel::SameEquivalence if a.kind == PartKind::Toponym => {
            let id = a.sets.iter().find(|id| b.sets.contains(id));
            format!("both are places named for '{}'", id.map(|id| &*tables.set(*id).id).unwrap_or("?"))
        }
        TokenLevel::SameEquivalence => {
            let id = a.sets.iter().find(|id| b.sets.contains(id));
            format!("both are forms of '{}'", id.map(|id| &*tables.set(*id).id).unwrap_or("?"))
        }
        TokenLevel::SameRomanisation => format!("same romanisation '{}'", a.latin),
        TokenLevel::SameSkeleton => format!("same skeleton, close spelling ({} ~ {})", a.latin, b.latin),
        TokenLevel::SameSound => format!("spellings of one sound ({} ~ {})", a.latin, b.latin),
        TokenLevel::CloseSpelling => format!("close spelling ({} ~ {})", a.latin, b.latin),
        TokenLevel::SimilarSpelling => format!("similar spelling ({} ~ {})", a.latin, b.latin),
        TokenLevel::Initial => "an initial that fits the name".into(),
        TokenLevel::DifferentNames => {
            let known = a.sets.iter().any(|x| b.sets.iter().any(|y| tables.known_distinct(*x, *y)));
            format!(
                "different names: '{}' vs '{}'{}",
                a.equivalence.join("/"),
                b.equivalence.join("/"),
                if known { " (listed as known-distinct)" } else { "" }
            )
        }
        TokenLevel::Different if (a.kind == PartKind::Kunya) != (b.kind == PartKind::Kunya) => {
            "a kunya (Abu/Umm X) is not the name X".into()
        }
        TokenLevel::Different
            if matches!((a.role, b.role), (Role::Patronymic, Role::Given) | (Role::Given, Role::Patronymic)) =>
        {
            "a patronymic names the father, not the given name".into()
        }
        TokenLevel::Different => "different".into(),
    }
}

fn comparable(p: &NamePart) -> bool {
    p.role != Role::Particle
}

/// Two adjacent single-word parts read as one, for names typed together or apart
/// (ولی جان / Walijan, SHAHID KHEL / Shahidkhel).
fn joined(a: &NamePart, b: &NamePart) -> NamePart {
    let mut skeletons = Vec::with_capacity(a.skeletons.len() * b.skeletons.len());
    for x in &a.skeletons {
        for y in &b.skeletons {
            skeletons.push(format_compact!("{x}{y}"));
        }
    }
    NamePart {
        text: format_compact!("{} {}", a.text, b.text),
        core: format_compact!("{}{}", a.core, b.core),
        script: a.script,
        role: a.role,
        kind: PartKind::Name,
        article: a.article,
        latin: format_compact!("{}{}", a.latin, b.latin),
        scheme: a.scheme,
        alt_latin: None,
        skeletons,
        sets: Vec::new(),
        equivalence: Vec::new(),
        father_name: None,
    }
}

/// A part to align: one part of the name, or two adjacent ones read together.
struct Slot<'a> {
    part: std::borrow::Cow<'a, NamePart>,
    /// Indices of the real parts it covers.
    covers: (usize, Option<usize>),
    weight: f64,
}

fn slots<'a>(parts: &[&'a NamePart]) -> Vec<Slot<'a>> {
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| Slot { part: std::borrow::Cow::Borrowed(*p), covers: (i, None), weight: role_weight(p.role) })
        .collect()
}

/// Adds the joined readings of adjacent single-word parts.
fn add_joined<'a>(parts: &[&'a NamePart], out: &mut Vec<Slot<'a>>) {
    for i in 0..parts.len().saturating_sub(1) {
        let (x, y) = (parts[i], parts[i + 1]);
        if x.kind == PartKind::Name && y.kind == PartKind::Name && x.script == y.script {
            out.push(Slot {
                part: std::borrow::Cow::Owned(joined(x, y)),
                covers: (i, Some(i + 1)),
                weight: role_weight(x.role) + role_weight(y.role),
            });
        }
    }
}

/// Scores slot pairs not scored yet: rows from `from_a` or columns from `from_b` on.
fn score_cells(
    tables: &VariantTables,
    sa: &[Slot<'_>],
    sb: &[Slot<'_>],
    from_a: usize,
    from_b: usize,
    cells: &mut Vec<(usize, usize, TokenLevel, f64, Option<f64>)>,
    roles: bool,
) {
    for (i, x) in sa.iter().enumerate() {
        for (j, y) in sb.iter().enumerate() {
            let new = if from_a > 0 { i >= from_a } else { j >= from_b };
            // Two joined readings never meet each other; a joined slot meets only single parts.
            if !new || (x.covers.1.is_some() && y.covers.1.is_some()) {
                continue;
            }
            let (level, score, jw) = compare_parts_in(tables, &x.part, &y.part, roles, SIMILAR_SOUND);
            if score > 0.0 {
                cells.push((i, j, level, score, jw));
            }
        }
    }
}

/// Compares two analysed names (see the module documentation).
pub fn compare_names(tables: &VariantTables, a: &NameAnalysis, b: &NameAnalysis) -> NameComparison {
    compare_names_with(tables, a, b, true)
}

/// As [`compare_names`]; without `explain`, `parts` stays empty (for ranking many candidates).
pub fn compare_names_with(tables: &VariantTables, a: &NameAnalysis, b: &NameAnalysis, explain: bool) -> NameComparison {
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
    // Roles count where both names have parts enough for the structure to tell them.
    let roles = pa.len() > 1 && pb.len() > 1;
    // Score every pair of single parts. Where a name has more parts than the other, or a part
    // of one found no counterpart at all, the other may hold it typed in two words (or
    // together): then also read adjacent parts of the longer name as one, and score those.
    let mut sa = slots(&pa);
    let mut sb = slots(&pb);
    let mut cells: Vec<(usize, usize, TokenLevel, f64, Option<f64>)> = Vec::with_capacity(sa.len() * sb.len() + 4);
    score_cells(tables, &sa, &sb, 0, 0, &mut cells, roles);
    let lonely =
        |n: usize, side_a: bool| (0..n).any(|k| !cells.iter().any(|c| if side_a { c.0 == k } else { c.1 == k }));
    let (lonely_a, lonely_b) = (lonely(sa.len(), true), lonely(sb.len(), false));
    if (lonely_a || pb.len() > pa.len()) && pb.len() >= 2 {
        let from = sb.len();
        add_joined(&pb, &mut sb);
        score_cells(tables, &sa, &sb, 0, from, &mut cells, roles);
    }
    if (lonely_b || pa.len() > pb.len()) && pa.len() >= 2 {
        let from = sa.len();
        add_joined(&pa, &mut sa);
        score_cells(tables, &sa, &sb, from, 0, &mut cells, roles);
    }
    cells.sort_by(|x, y| {
        let wx = x.3 * (sa[x.0].weight + sb[x.1].weight);
        let wy = y.3 * (sa[y.0].weight + sb[y.1].weight);
        // Prefer the higher score; between equal scores, the pair covering more; then position.
        y.3.partial_cmp(&x.3)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(wy.partial_cmp(&wx).unwrap_or(std::cmp::Ordering::Equal))
            .then_with(|| sa[x.0].covers.0.abs_diff(sb[x.1].covers.0).cmp(&sa[y.0].covers.0.abs_diff(sb[y.1].covers.0)))
    });
    let mut used_a = vec![false; pa.len()];
    let mut used_b = vec![false; pb.len()];
    let free = |used: &[bool], c: (usize, Option<usize>)| !used[c.0] && c.1.is_none_or(|k| !used[k]);
    let mut lines = Vec::new();
    let (mut got, mut total) = (0.0f64, 0.0f64);
    let mut all_same = true;
    let mut matched_a = 0usize;
    let mut matched_b = 0usize;
    for &(i, j, level, score, jw) in &cells {
        let (x, y) = (&sa[i], &sb[j]);
        if !free(&used_a, x.covers) || !free(&used_b, y.covers) {
            continue;
        }
        for (used, c, m) in [(&mut used_a, x.covers, &mut matched_a), (&mut used_b, y.covers, &mut matched_b)] {
            used[c.0] = true;
            *m += 1;
            if let Some(k) = c.1 {
                used[k] = true;
                *m += 1;
            }
        }
        let w = (x.weight + y.weight) / 2.0;
        got += w * score;
        total += w;
        // An initial that fits keeps a name the same where it stands for a middle part
        // (Jorge J. Rodriguez); a given name by its initial alone is too little (V. Boyarkin).
        all_same &= level.is_same()
            || (level == TokenLevel::Initial && x.part.role != Role::Given && y.part.role != Role::Given);
        if !explain {
            continue;
        }
        lines.push(PartMatch {
            a: Some(x.part.text.to_string()),
            b: Some(y.part.text.to_string()),
            a_role: Some(x.part.role),
            b_role: Some(y.part.role),
            level: Some(level),
            score,
            jaro_winkler: jw,
            detail: describe(tables, &x.part, &y.part, level),
        });
    }
    let mut unmatched_core = 0usize;
    for (side, parts, used, other, other_used) in [("a", &pa, &used_a, &pb, &used_b), ("b", &pb, &used_b, &pa, &used_a)]
    {
        for (i, p) in parts.iter().enumerate() {
            if used[i] {
                continue;
            }
            // A part with no counterpart costs less when it is only absent from the other name
            // (a grandfather left out) than when the other name has, in its place, a part
            // known to be another name (Valerievna against Yakovlevna): that is evidence.
            // So is an initial that does not fit the name in its place (M. against Khaled).
            let contradicted = other.iter().enumerate().any(|(k, o)| {
                let initial = p.kind == PartKind::Initial || o.kind == PartKind::Initial;
                !other_used[k]
                    && (o.role == p.role || initial && roles_meet(o.role, p.role))
                    && match compare_parts_in(tables, p, o, roles, SIMILAR_SOUND).0 {
                        TokenLevel::DifferentNames => true,
                        TokenLevel::Different => initial,
                        _ => false,
                    }
            });
            let penalty = if contradicted { 1.0 } else { missing_penalty(p.role) };
            total += role_weight(p.role) * penalty;
            if missing_penalty(p.role) > 0.5 {
                unmatched_core += 1;
            }
            if !explain {
                continue;
            }
            // Why is it unmatched? Say so when the tables know it is another name.
            let detail = other
                .iter()
                .enumerate()
                .filter(|(k, _)| !other_used[*k])
                .find(|(_, o)| compare_parts_in(tables, p, o, roles, SIMILAR_SOUND).0 == TokenLevel::DifferentNames)
                .map(|(_, o)| describe(tables, p, o, TokenLevel::DifferentNames))
                .unwrap_or_else(|| "no counterpart in the other name".into());
            lines.push(PartMatch {
                a: (side == "a").then(|| p.text.to_string()),
                b: (side == "b").then(|| p.text.to_string()),
                a_role: (side == "a").then_some(p.role),
                b_role: (side == "b").then_some(p.role),
                level: None,
                score: 0.0,
                jaro_winkler: None,
                detail,
            });
        }
    }
    let mut score = if total > 0.0 { (got / total).clamp(0.0, 1.0) } else { 0.0 };
    // Two numbered places with no number in common are two places, whatever their words
    // (Branch 215 and Branch 227, Ward 3 and Ward 4).
    let other_numbers =
        !a.numbers.is_empty() && !b.numbers.is_empty() && !a.numbers.iter().any(|n| b.numbers.contains(n));
    if other_numbers {
        score = 0.0;
        if explain {
            lines.push(PartMatch {
                a: Some(a.numbers.join(" ")),
                b: Some(b.numbers.join(" ")),
                a_role: None,
                b_role: None,
                level: Some(TokenLevel::Different),
                score: 0.0,
                jaro_winkler: None,
                detail: "other numbers: another place".into(),
            });
        }
    }
    let shorter_covered = matched_a == pa.len() || matched_b == pb.len();
    let same_name = all_same && shorter_covered && unmatched_core == 0 && score >= 0.75;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_or_not_is_the_full_comparisons_answer() {
        // `same_part` reads sound distances only up to the same level: it must never answer
        // otherwise than the full comparison does, on known names, unknown spellings, both
        // scripts and words that are no names.
        let engine = crate::NameEngine::new();
        let words = [
            "Mohammed",
            "Muhammad",
            "Mhd",
            "محمد",
            "Hasan",
            "Husayn",
            "Hussein",
            "Khalifeh",
            "Khelifa",
            "Oumer",
            "Umar",
            "Qasem",
            "Gasim",
            "Usamah",
            "Osama",
            "Halabi",
            "Kalbi",
            "Sheikh",
            "Chaikh",
            "Oleksandr",
            "Aleksandr",
            "Олександр",
            "Ryabkov",
            "Riabkov",
            "Рябков",
            "War",
            "New",
            "Low",
            "Awada",
            "Ouda",
            "عوض",
            "Barakat",
            "Berakat",
            "Nasser",
            "Yasser",
            "Zzyzx",
        ];
        let parts: Vec<NamePart> =
            words.iter().flat_map(|w| engine.analyse(w).parts).filter(|p| !p.core.is_empty()).collect();
        let mut same = 0;
        for a in &parts {
            for b in &parts {
                let full = compare_parts_in(engine.tables(), a, b, false, SIMILAR_SOUND).0.is_same();
                assert_eq!(same_part(engine.tables(), a, b), full, "{} / {}", a.core, b.core);
                same += usize::from(full && a.core != b.core);
            }
        }
        // Not a vacuous agreement: spellings of one name do meet.
        assert!(same >= 20, "{same}");
    }

    #[test]
    fn jaro_winkler_agrees_with_the_reference_implementation() {
        for (a, b) in [
            ("muhammad", "mohammed"),
            ("usamah", "usama"),
            ("halabi", "halaby"),
            ("oleksandr", "aleksandr"),
            ("", "x"),
            ("abc", "abc"),
            ("محمد", "محمود"),
            ("dzhemilev", "jemilev"),
        ] {
            let ours = jaro_winkler(a, b);
            let reference = strsim::jaro_winkler(a, b);
            assert!((ours - reference).abs() < 1e-9, "{a}/{b}: {ours} vs {reference}");
        }
    }
}
