//! Explaining a score, the review queue, and human judgements — which a link always respects.
//! Owns the explain, review, judge and withdraw use-cases, and the refusal of a judgement that
//! contradicts those in force; the model and clustering are `athar-link`'s.

use crate::error::{invalid, Result};
use crate::link::link_records;
use crate::{Action, Actor, Registry, RegistryError};
use athar_link::{cluster, compare, ClusterOptions, FsModel, Judgement, LinkRecord, TermFrequencies};
use athar_store::linkage::DECISIONS;
use athar_store::Store;
use serde::Serialize;
use std::collections::HashMap;

/// Why two records score what they score, comparison by comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub record_a: String,
    pub record_b: String,
    /// `default` before any link trained a model, else `trained`.
    pub model: &'static str,
    /// A human judgement in force on the pair: it decides, whatever the model says.
    pub judgement: Option<athar_store::JudgementRow>,
    pub explanation: athar_link::Explanation,
}

/// A pair to review, with both records as a reviewer needs them, and (when asked) why the
/// model scores it so.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    pub record_a: String,
    pub record_b: String,
    pub probability: f64,
    pub a: RecordCard,
    pub b: RecordCard,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<athar_link::Explanation>,
}

/// A record as a reviewer reads it beside another: its names, birth year, place, mother, and
/// where it comes from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordCard {
    pub record_id: String,
    /// Given, father's, grandfather's and family name, as written.
    pub name: String,
    pub born: Option<String>,
    pub place: Option<String>,
    pub mother: Option<String>,
    pub source: String,
    pub source_record_id: Option<String>,
    pub row: i64,
}

impl RecordCard {
    /// One line: "name · mother M · born Y · place P · source:id (row N)".
    pub fn line(&self) -> String {
        self.parts().join(" · ")
    }

    /// The parts of [`RecordCard::line`], for a reader that lays them out itself.
    pub fn parts(&self) -> Vec<String> {
        let mut parts = vec![if self.name.is_empty() { "(no name)".to_string() } else { self.name.clone() }];
        if let Some(m) = &self.mother {
            parts.push(format!("mother {m}"));
        }
        if let Some(b) = &self.born {
            parts.push(format!("born {b}"));
        }
        if let Some(p) = &self.place {
            parts.push(format!("place {p}"));
        }
        let id = self.source_record_id.as_deref().map_or(String::new(), |i| format!(":{i}"));
        parts.push(format!("{}{id} (row {})", self.source, self.row));
        parts
    }
}

/// Which pairs of the review queue to show.
#[derive(Debug, Clone)]
pub struct ReviewFilter {
    /// Pairs a page holds (1 to 1,000).
    pub limit: usize,
    /// The page, from 1.
    pub page: usize,
    /// Only pairs with a record from this source (by name).
    pub source: Option<String>,
    /// Only pairs whose probability is at least / at most this.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// With each pair's explanation (the waterfall).
    pub explain: bool,
}

impl Default for ReviewFilter {
    fn default() -> Self {
        ReviewFilter { limit: 50, page: 1, source: None, min: None, max: None, explain: false }
    }
}

/// A page of the review queue.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewQueue {
    /// Pairs waiting that the filter keeps (all pages).
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// The review band of the last link, `[from, merge_at]`: the order follows its middle.
    pub band: (f64, f64),
    pub items: Vec<ReviewItem>,
}

/// A judgement recorded.
#[derive(Debug, Clone, Serialize)]
pub struct JudgeReport {
    pub judgement_id: String,
    pub record_a: i64,
    pub record_b: i64,
    pub decision: String,
}

/// The comparisons of person names that a full name fills, part by part (see
/// [`athar_link::LinkRecord::from_fields`]).
const FROM_FULL_NAME: [&str; 4] = ["given_name", "father_name", "grandfather_name", "family_name"];

/// A name value read from a full name, shown as the full name writes it (`Ely`, not the `ely`
/// the name engine read; `AL-HALABI`), where the full name holds it. Display only: the
/// comparison was made as it was.
pub(crate) fn shown_as_written(comparison: &str, value: &mut Option<String>, full: Option<&str>) {
    if !FROM_FULL_NAME.contains(&comparison) {
        return;
    }
    if let (Some(v), Some(full)) = (value.as_mut(), full) {
        if let Some(w) = athar_names::structure::as_written(full, v) {
            *v = w.to_string();
        }
    }
}

/// The full name of each record input, as the list wrote it (taken out of the inputs, which
/// are not needed after: a registry's names are not copied).
pub(crate) fn full_names(inputs: Vec<athar_store::LinkInput>) -> HashMap<i64, String> {
    inputs
        .into_iter()
        .filter_map(|i| {
            let full = i.fields.into_iter().find(|(f, v)| *f == "full_name" && !v.trim().is_empty())?;
            Some((i.record_id, full.1))
        })
        .collect()
}

/// Every record analysed, with the model and the registry's term frequencies: what explaining
/// and reviewing compare with.
struct Compared {
    records: Vec<LinkRecord>,
    ids: HashMap<i64, usize>,
    model: FsModel,
    model_is_default: bool,
    tf: TermFrequencies,
    names: std::sync::Arc<crate::sites::Names>,
    /// The records' full names as written, by record id (see [`shown_as_written`]).
    full: HashMap<i64, String>,
}

impl Compared {
    /// `e`, an explanation of records `a` and `b`, annotated for a reader: the values as the
    /// records write them, the name engine's reasons.
    fn annotated(&self, e: &mut athar_link::Explanation, a: &LinkRecord, b: &LinkRecord) {
        athar_link::annotate(e, self.names.engine(), a, b);
        let full = |r: &LinkRecord| r.id.parse::<i64>().ok().and_then(|id| self.full.get(&id)).map(String::as_str);
        for l in &mut e.lines {
            shown_as_written(&l.comparison, &mut l.a, full(a));
            shown_as_written(&l.comparison, &mut l.b, full(b));
        }
    }

    /// A record as a reviewer reads it (see [`card`]), names as written.
    fn card(&self, r: &LinkRecord, origin: Option<&athar_store::RecordOrigin>) -> RecordCard {
        let full = r.id.parse::<i64>().ok().and_then(|id| self.full.get(&id)).map(String::as_str);
        card(r, origin, full)
    }
}

impl Registry {
    fn compared(&self, store: &Store) -> Result<Compared> {
        let names = self.names()?;
        let inputs = store.link_inputs()?;
        let records = link_records(names.engine(), &inputs);
        let ids = inputs.iter().enumerate().map(|(i, r)| (r.record_id, i)).collect();
        let (model, model_is_default) = crate::admin::stored_model(store)?;
        let tf = TermFrequencies::new(&records);
        let full = full_names(inputs);
        Ok(Compared { names, records, ids, model, model_is_default, tf, full })
    }

    /// Why records `a` and `b` (ids or `SOURCE:SOURCE_RECORD_ID`) score what they score.
    pub fn explain(&self, actor: &Actor, a: &str, b: &str) -> Result<Explanation> {
        actor.require(Action::ReadRecords)?;
        let withheld = self.withheld(actor)?;
        let out = self.read(|store| {
            let c = self.compared(store)?;
            let resolve = |reference: &str| -> Result<usize> {
                let id = store.record_id(reference)?.ok_or_else(|| {
                    RegistryError::NotFound(format!("no record '{reference}' (a record id, SOURCE:SOURCE_RECORD_ID, or SOURCE:ROW for a list without ids)"))
                })?;
                c.ids
                    .get(&id)
                    .copied()
                    .ok_or_else(|| RegistryError::Invalid(format!("record {id} has no fields to compare")))
            };
            let (i, j) = (resolve(a)?, resolve(b)?);
            let (ra, rb) = (&c.records[i], &c.records[j]);
            for r in [ra, rb] {
                self.check_visible(&withheld, r.id.parse::<i64>().unwrap_or(0))?;
            }
            let v = compare(c.names.engine(), ra, rb);
            let mut e = c.model.explain(&v, &|k| c.tf.share(k, ra, rb));
            c.annotated(&mut e, ra, rb);
            let (x, y) = (ra.id.parse::<i64>().unwrap_or(0), rb.id.parse::<i64>().unwrap_or(0));
            let (lo, hi) = (x.min(y).to_string(), x.max(y).to_string());
            let judgement = store.judgements()?.into_iter().find(|j| j.record_a == lo && j.record_b == hi);
            Ok(Explanation {
                record_a: ra.id.to_string(),
                record_b: rb.id.to_string(),
                model: if c.model_is_default { "default" } else { "trained" },
                judgement,
                explanation: e,
            })
        })?;
        self.audit(actor, "explain", Some(&format!("records:{}:{}", out.record_a, out.record_b)), None, None)?;
        Ok(out)
    }

    /// Pairs to review (never merged automatically), in the order of
    /// [`athar_link::review_order`] with the band of the last link: the least certain first,
    /// then those whose decision bears on most other pairs. Filtered and paged; each pair with
    /// both records (and, when asked, the explanation). Pairs with a record withheld from the
    /// one asking are left out of the queue.
    pub fn review(&self, actor: &Actor, filter: &ReviewFilter) -> Result<ReviewQueue> {
        actor.require(Action::ReadRecords)?;
        if filter.limit == 0 || filter.limit > 1000 {
            invalid!("--limit {} : a page holds 1 to 1000 pairs", filter.limit);
        }
        if filter.page == 0 {
            invalid!("--page counts from 1");
        }
        for (flag, p) in [("--min", filter.min), ("--max", filter.max)] {
            if let Some(p) = p {
                if !(0.0..=1.0).contains(&p) {
                    invalid!("{flag} {p} is not a probability (0 to 1)");
                }
            }
        }
        if let (Some(lo), Some(hi)) = (filter.min, filter.max) {
            if lo > hi {
                invalid!("--min {lo} is above --max {hi}: no pair could be shown");
            }
        }
        let withheld = self.withheld(actor)?;
        let queue = self.read(|store| {
            if let Some(source) = &filter.source {
                if store.source_by_name(source)?.is_none() {
                    return Err(RegistryError::NotFound(format!(
                        "there is no source '{}'; see athar sources",
                        athar_store::escape_control(source)
                    )));
                }
            }
            // The filters first, then one pair per two persons: the strongest pair the filters
            // keep (a withheld record's pair must not hide the two persons' other pairs).
            let mut pairs = store.review_pairs()?;
            pairs.retain(|(a, b, p)| {
                !withheld.record(*a)
                    && !withheld.record(*b)
                    && filter.min.is_none_or(|m| *p >= m)
                    && filter.max.is_none_or(|m| *p <= m)
            });
            let ids: Vec<i64> = pairs.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
            let origins = store.record_origins(&ids)?;
            if let Some(source) = &filter.source {
                let from = |id: &i64| origins.get(id).is_some_and(|o| &o.source == source);
                pairs.retain(|(a, b, _)| from(a) || from(b));
            }
            let mut pairs = one_per_two_persons(store, pairs)?;
            let band = crate::link::kept::kept_band(store)?;
            athar_link::review_order(&mut pairs, band);
            let total = pairs.len();
            let pages = total.div_ceil(filter.limit).max(1);
            let from = (filter.page - 1)
                .checked_mul(filter.limit)
                .ok_or_else(|| RegistryError::Invalid(format!("--page {} is past the end", filter.page)))?;
            let shown: Vec<(i64, i64, f64)> = pairs.into_iter().skip(from).take(filter.limit).collect();
            let mut items = Vec::with_capacity(shown.len());
            if !shown.is_empty() {
                let c = self.compared(store)?;
                for (a, b, p) in shown {
                    let (Some(&i), Some(&j)) = (c.ids.get(&a), c.ids.get(&b)) else { continue };
                    let (ra, rb) = (&c.records[i], &c.records[j]);
                    let explanation = filter.explain.then(|| {
                        let v = compare(c.names.engine(), ra, rb);
                        let mut e = c.model.explain(&v, &|k| c.tf.share(k, ra, rb));
                        c.annotated(&mut e, ra, rb);
                        e
                    });
                    items.push(ReviewItem {
                        record_a: a.to_string(),
                        record_b: b.to_string(),
                        probability: p,
                        a: c.card(ra, origins.get(&a)),
                        b: c.card(rb, origins.get(&b)),
                        explanation,
                    });
                }
            }
            Ok(ReviewQueue { total, page: filter.page, pages, band, items })
        })?;
        self.audit(actor, "review", None, Some(queue.items.len() as i64), None)?;
        Ok(queue)
    }

    /// Records a human decision about two records (`same`, `different` or `unsure`), always
    /// respected by every later link; refused when it contradicts judgements in force (A = B,
    /// B = C, A ≠ C).
    pub fn judge(&self, actor: &Actor, a: &str, b: &str, decision: &str, note: Option<&str>) -> Result<JudgeReport> {
        actor.require(Action::Judge)?;
        if !DECISIONS.contains(&decision) {
            invalid!("'{decision}' is not a decision; use same, different or unsure");
        }
        let withheld = self.withheld(actor)?;
        self.write(|store| {
            let ra = store
                .record_id(a)?
                .ok_or_else(|| RegistryError::NotFound(format!("no record '{a}'; nothing recorded")))?;
            let rb = store
                .record_id(b)?
                .ok_or_else(|| RegistryError::NotFound(format!("no record '{b}'; nothing recorded")))?;
            self.check_visible(&withheld, ra)?;
            self.check_visible(&withheld, rb)?;
            refuse_contradiction(store, ra, rb, decision)?;
            let id = store.add_judgement(ra, rb, decision, note, &actor.name)?;
            Ok(JudgeReport { judgement_id: id, record_a: ra, record_b: rb, decision: decision.to_string() })
        })
    }

    /// Withdraws a judgement (it stays, marked withdrawn, with who and when).
    pub fn withdraw(&self, actor: &Actor, judgement: &str) -> Result<()> {
        actor.require(Action::Judge)?;
        if !self.write(|s| Ok(s.withdraw_judgement(judgement, &actor.name)?))? {
            return Err(RegistryError::NotFound(format!(
                "no judgement {judgement} in force; see athar review or athar persons history"
            )));
        }
        Ok(())
    }
}

/// The review queue: the pairs no judgement decides, one per two persons (see
/// [`athar_link::one_per_two_persons`]); the store keeps them all, so that after a "different"
/// the next pair between the two persons is asked.
pub(crate) fn queue_pairs(store: &Store) -> Result<Vec<(i64, i64, f64)>> {
    one_per_two_persons(store, store.review_pairs()?)
}

/// Of `pairs`, the strongest between each two persons (by the store's persons, two of them
/// joined by a "same" judgement counting as one until the next link joins them in the store:
/// the queue does not ask about them again).
fn one_per_two_persons(store: &Store, pairs: Vec<(i64, i64, f64)>) -> Result<Vec<(i64, i64, f64)>> {
    if pairs.is_empty() {
        return Ok(pairs);
    }
    let mut persons = store.persons_of_records()?;
    let same: Vec<(String, String)> = store
        .judgements()?
        .into_iter()
        .filter(|j| j.decision == "same")
        .filter_map(|j| {
            let person = |r: &str| r.parse::<i64>().ok().and_then(|r| persons.get(&r).cloned());
            Some((person(&j.record_a)?, person(&j.record_b)?))
        })
        .collect();
    if !same.is_empty() {
        // Each person joined so to the least of its group, by repeated relabelling (judgements
        // are few).
        let mut label: HashMap<String, String> = HashMap::new();
        let mut changed = true;
        while changed {
            changed = false;
            for (a, b) in &same {
                let la = label.get(a).unwrap_or(a).clone();
                let lb = label.get(b).unwrap_or(b).clone();
                let least = la.clone().min(lb.clone());
                for (p, l) in [(a, la), (b, lb)] {
                    if l != least {
                        label.insert(p.clone(), least.clone());
                        changed = true;
                    }
                }
            }
            // Persons labelled through another take that one's label too.
            let snapshot = label.clone();
            for l in label.values_mut() {
                if let Some(next) = snapshot.get(l.as_str()).filter(|n| *n != l) {
                    *l = next.clone();
                    changed = true;
                }
            }
        }
        for p in persons.values_mut() {
            if let Some(l) = label.get(p.as_str()) {
                *p = l.clone();
            }
        }
    }
    Ok(athar_link::one_per_two_persons(&pairs, |r| persons.get(&r).ok_or(r)))
}

/// Refuses a judgement that contradicts those in force.
fn refuse_contradiction(store: &Store, ra: i64, rb: i64, decision: &str) -> Result<()> {
    let mut all: Vec<(i64, i64, Judgement)> = store
        .judgements()?
        .iter()
        .filter_map(|j| {
            let d = match j.decision.as_str() {
                "same" => Judgement::Same,
                "different" => Judgement::Different,
                _ => return None,
            };
            Some((j.record_a.parse().ok()?, j.record_b.parse().ok()?, d))
        })
        .filter(|(x, y, _)| !((*x == ra.min(rb)) && (*y == ra.max(rb))))
        .collect();
    match decision {
        "same" => all.push((ra, rb, Judgement::Same)),
        "different" => all.push((ra, rb, Judgement::Different)),
        _ => {}
    }
    let mut ids: Vec<i64> = all.iter().flat_map(|(x, y, _)| [*x, *y]).collect();
    ids.sort_unstable();
    ids.dedup();
    let pos = |r: i64| ids.binary_search(&r).unwrap_or(0);
    let graph: Vec<(usize, usize, Judgement)> = all.iter().map(|(x, y, d)| (pos(*x), pos(*y), *d)).collect();
    if let Err(c) = cluster(ids.len(), &[], &graph, ClusterOptions::default()) {
        invalid!(
            "this contradicts judgements in force: records {} and {} would be both the same and different; nothing \
             recorded — withdraw one first (athar judge --withdraw ID)",
            ids[c.a],
            ids[c.b]
        );
    }
    Ok(())
}

/// A record in a line: its names, the mother's name, the birth year.
fn card(r: &LinkRecord, origin: Option<&athar_store::RecordOrigin>, full: Option<&str>) -> RecordCard {
    let name = |f: &athar_link::record::NameField| f.as_ref().map(|a| a.input.clone());
    let names: Vec<String> = [
        ("given_name", &r.given),
        ("father_name", &r.father),
        ("grandfather_name", &r.grandfather),
        ("family_name", &r.family),
    ]
    .into_iter()
    .filter_map(|(k, f)| {
        let mut v = name(f);
        shown_as_written(k, &mut v, full);
        v
    })
    .collect();
    let mother: Vec<String> = [name(&r.mother_given), name(&r.mother_family)].into_iter().flatten().collect();
    RecordCard {
        record_id: r.id.clone(),
        name: names.join(" "),
        born: r.birth.map(|b| b.year.to_string()),
        place: name(&r.birth_place).or_else(|| name(&r.residence)),
        mother: (!mother.is_empty()).then(|| mother.join(" ")),
        source: origin.map(|o| o.source.clone()).unwrap_or_default(),
        source_record_id: origin.and_then(|o| o.source_record_id.clone()),
        row: origin.map_or(0, |o| o.row),
    }
}
