//! Explaining a score, the review queue, and human judgements — which a link always respects.
//! Owns the explain, review, judge and withdraw use-cases, and the refusal of a judgement that
//! contradicts those in force; the model and clustering are `athar-link`'s.

use crate::error::{invalid, Result};
use crate::link::link_records;
use crate::{Action, Actor, Registry, RegistryError};
use athar_link::{cluster, compare, ClusterOptions, FsModel, Judgement, LinkRecord, TermFrequencies};
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

/// A pair to review, with a summary of each record.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    pub record_a: String,
    pub record_b: String,
    pub probability: f64,
    pub a: String,
    pub b: String,
}

/// A judgement recorded.
#[derive(Debug, Clone, Serialize)]
pub struct JudgeReport {
    pub judgement_id: String,
    pub record_a: i64,
    pub record_b: i64,
    pub decision: String,
}

/// Every record analysed, with the model and the registry's term frequencies: what explaining
/// and reviewing compare with.
struct Compared {
    records: Vec<LinkRecord>,
    ids: HashMap<i64, usize>,
    model: FsModel,
    model_is_default: bool,
    tf: TermFrequencies,
}

impl Registry {
    fn compared(&self, store: &Store) -> Result<Compared> {
        let inputs = store.link_inputs()?;
        let records = link_records(&self.engine, &inputs);
        let ids = inputs.iter().enumerate().map(|(i, r)| (r.record_id, i)).collect();
        let (model, model_is_default) = crate::admin::stored_model(store)?;
        let tf = TermFrequencies::new(&records);
        Ok(Compared { records, ids, model, model_is_default, tf })
    }

    /// Why records `a` and `b` (ids or `SOURCE:SOURCE_RECORD_ID`) score what they score.
    pub fn explain(&self, actor: &Actor, a: &str, b: &str) -> Result<Explanation> {
        actor.require(Action::ReadRecords)?;
        let withheld = self.withheld(actor)?;
        let out = self.read(|store| {
            let c = self.compared(store)?;
            let resolve = |reference: &str| -> Result<usize> {
                let id = store.record_id(reference)?.ok_or_else(|| {
                    RegistryError::NotFound(format!("no record '{reference}' (a record id or SOURCE:SOURCE_RECORD_ID)"))
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
            let v = compare(&self.engine, ra, rb);
            let e = c.model.explain(&v, &|k| c.tf.share(k, ra, rb));
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

    /// Pairs to review (never merged automatically), as the last link ordered them.
    pub fn review(&self, actor: &Actor) -> Result<Vec<ReviewItem>> {
        actor.require(Action::ReadRecords)?;
        let withheld = self.withheld(actor)?;
        let (pairs, items) = self.read(|store| {
            let mut pairs = store.review_pairs()?;
            pairs.retain(|(a, b, _)| !withheld.record(*a) && !withheld.record(*b));
            let c = self.compared(store)?;
            let items: Vec<ReviewItem> = pairs
                .iter()
                .filter_map(|&(a, b, p)| {
                    let (i, j) = (c.ids.get(&a)?, c.ids.get(&b)?);
                    Some(ReviewItem {
                        record_a: a.to_string(),
                        record_b: b.to_string(),
                        probability: p,
                        a: summary(&c.records[*i]),
                        b: summary(&c.records[*j]),
                    })
                })
                .collect();
            Ok((pairs.len(), items))
        })?;
        self.audit(actor, "review", None, Some(pairs as i64), None)?;
        Ok(items)
    }

    /// Records a human decision about two records (`same`, `different` or `unsure`), always
    /// respected by every later link; refused when it contradicts judgements in force (A = B,
    /// B = C, A ≠ C).
    pub fn judge(&self, actor: &Actor, a: &str, b: &str, decision: &str, note: Option<&str>) -> Result<JudgeReport> {
        actor.require(Action::Judge)?;
        if !matches!(decision, "same" | "different" | "unsure") {
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
fn summary(r: &LinkRecord) -> String {
    let name = |f: &athar_link::record::NameField| f.as_ref().map(|a| a.input.clone());
    let mut parts: Vec<String> =
        [name(&r.given), name(&r.father), name(&r.grandfather), name(&r.family)].into_iter().flatten().collect();
    if let Some(m) = name(&r.mother_given) {
        parts.push(format!("mother {m}"));
    }
    if let Some(b) = r.birth {
        parts.push(format!("born {}", b.year));
    }
    parts.join(" ")
}
