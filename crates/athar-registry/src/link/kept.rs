//! What a link keeps for the next one, and the incremental link that uses it: the blocking
//! keys and name counts of every linked record, and a stamp of what they are valid for. With
//! them, a list added to a registry of a million records is linked by reading only the new
//! records and those that share a block with them, instead of reading and analysing the whole
//! registry again. Owns the state's validity and the local link; not the model, the blocking
//! rules or clustering (`athar-link`), nor storage (`athar-store`).

use super::{LinkOptions, LinkReport, PairEvidence, Phases, Recheck};
use crate::error::Result;
use crate::search::analysed_records;
use crate::RegistryError;
use athar_link::{
    candidates_against, cluster_with_persons, default_rules, BlockKeys, ClusterOptions, FsModel, Judgement, KeyEntry,
    LinkRecord, TermCounts, TermFrequencies,
};
use athar_names::NameEngine;
use athar_store::{LinkInput, Store};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Version of the kept state's layout and meaning: bump when blocking keys or counts change
/// meaning, so that a link never blocks against keys of another kind.
const STATE_VERSION: u32 = 1;

/// What the kept keys and counts are valid for. Any difference and the link reads the whole
/// registry again (and keeps a new state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    version: u32,
    /// Records in persons when the state was kept, and the largest record id among them
    /// (records are only ever added, so those after it are the new ones).
    linked: i64,
    max_record: i64,
    /// The last judgement id and the number withdrawn: a judgement since may split or join
    /// persons, which only a link over every record does.
    judgements: (i64, i64),
    /// A hash of the stored model: another model (`athar model import`) may decide otherwise
    /// about the persons made, which only a link over every record does.
    model: u64,
    name_tables: bool,
    /// A hash of the keys of a few fixed names: another name engine (new tables, new rules)
    /// makes other keys.
    keys_probe: u64,
    rules: Vec<String>,
}

/// A fingerprint of what makes blocking keys: the keys a fixed handful of names make, the
/// variant tables and the program's version.
fn keys_probe(engine: &NameEngine) -> u64 {
    let names: [&[(&str, &str)]; 5] = [
        &[("given_name", "محمد"), ("family_name", "الحلبي"), ("mother_name", "فاطمة"), ("birth_date", "1985-03-02")],
        &[
            ("given_name", "Oleksandr"),
            ("family_name", "Шевченко"),
            ("father_name", "Іванович"),
            ("birth_place", "Київ"),
        ],
        &[("full_name", "Abd al-Rahman Abou Khalil"), ("birth_date", "1990"), ("birth_place", "Saydnaya")],
        &[("given_name", "Yusuf"), ("family_name", "el-Khatib"), ("mother_name", "Zeinab")],
        &[("full_name", "KOVALENKO O. V."), ("birth_date", "1971"), ("birth_place", "Branch No. 215")],
    ];
    let records: Vec<LinkRecord> =
        names.iter().enumerate().map(|(i, f)| LinkRecord::from_fields(engine, &i.to_string(), f, None)).collect();
    let ids: Vec<u32> = (0..records.len() as u32).collect();
    let keys = BlockKeys::of(&records, &ids, &default_rules());
    // FNV-1a (stable across builds and platforms) of those keys, of every variant set (a set
    // added or changed gives other names other keys) and of the version of the program (its
    // spelling rules).
    let mut h = fnv(FNV_START, keys.to_bytes());
    h = fnv(h, env!("CARGO_PKG_VERSION").as_bytes());
    for set in engine.tables().sets() {
        h = fnv(h, set.id.as_bytes());
        for form in &set.forms {
            h = fnv(h, form.as_bytes());
            h = fnv(h, b"\x1f");
        }
    }
    h
}

fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The stamp of a state: `judgements` as they were when the link read them (a judgement made
/// while it ran is not applied, and must not look applied).
fn stamp(store: &Store, engine: &NameEngine, linked: i64, max_record: i64, judgements: (i64, i64)) -> Result<Stamp> {
    Ok(Stamp {
        version: STATE_VERSION,
        linked,
        max_record,
        judgements,
        model: fnv(FNV_START, store.model()?.unwrap_or_default().as_bytes()),
        name_tables: !engine.tables().sets().is_empty(),
        keys_probe: keys_probe(engine),
        rules: default_rules().into_iter().map(|r| r.name).collect(),
    })
}

/// The largest value the keys are kept in: SQLite refuses one over a billion bytes, and the
/// keys of 1,007,203 generated records were 809 MB.
const KEYS_PART_BYTES: usize = 256 << 20;

/// The entries that keep the parts of the keys of the records up to `max_record` (named
/// apart, read back in order by the `keys/` prefix).
fn keys_entries(max_record: i64, parts: Vec<BlockKeys>) -> impl Iterator<Item = (String, Vec<u8>)> {
    parts.into_iter().enumerate().map(move |(part, k)| (format!("keys/{max_record:020}/{part:04}"), k.into_bytes()))
}

/// The keys a link over every record hands on rule by rule (`candidate_pairs_where`), written
/// as they come to an unnamed temporary file beside the registry (removed when dropped, never
/// named on disk where the system allows), and read back in parts when the link saves (all
/// at once, the pairs and their scores gone by then): a million records' keys are a gigabyte,
/// which the link need not hold beside its pairs.
pub(crate) struct SpilledKeys {
    file: std::io::BufWriter<std::fs::File>,
    /// Per rule, its number of entries (the rules' runs follow one another in the file).
    runs: Vec<usize>,
    /// Record ids by the records' index.
    ids: Vec<u32>,
    /// The bytes of one stretch of entries, on their way to the file.
    buf: Vec<u8>,
    /// The first write that failed: the keys are then not kept (the next link reads every
    /// record), and the link goes on.
    failed: bool,
}

impl SpilledKeys {
    /// A spill for the keys of `inputs` (records by their index), in the registry's folder;
    /// why not, where record ids do not fit the keys' 32 bits or no file can be made: then
    /// nothing is kept, and the next link reads every record.
    pub(crate) fn new(store: &Store, inputs: &[LinkInput]) -> Result<SpilledKeys, String> {
        let ids: Vec<u32> = inputs
            .iter()
            .map(|i| u32::try_from(i.record_id).ok())
            .collect::<Option<_>>()
            .ok_or("record ids pass 4,294,967,295")?;
        let dir = store.path().parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        // Beside the registry only, never the system's temporary folder: the keys are hashes
        // of names, which a list of names reverses.
        let file = tempfile::tempfile_in(dir)
            .map_err(|e| format!("no file could be made in the registry's folder to set them aside ({e})"))?;
        Ok(SpilledKeys::in_file(file, ids))
    }

    fn in_file(file: std::fs::File, ids: Vec<u32>) -> SpilledKeys {
        SpilledKeys { file: std::io::BufWriter::new(file), runs: Vec::new(), ids, buf: Vec::new(), failed: false }
    }

    /// Writes the next rule's entries, records renumbered to their ids and each key's records
    /// sorted by id again: the kept keys are sorted by key and id (`BlockKeys`), and a link
    /// holds its records in the order of their names, not of their ids.
    pub(crate) fn add(&mut self, entries: &[KeyEntry]) {
        use std::io::Write;
        let mut renumbered: Vec<KeyEntry> =
            entries.iter().map(|e| KeyEntry { record: self.ids[e.record as usize], ..*e }).collect();
        for run in renumbered.chunk_by_mut(|a, b| a.key == b.key) {
            run.sort_unstable();
        }
        for chunk in renumbered.chunks(1 << 16) {
            self.buf.clear();
            athar_link::encode_entries(chunk, &mut self.buf);
            self.failed = self.failed || self.file.write_all(&self.buf).is_err();
        }
        self.runs.push(entries.len());
    }

    /// The keys read back, in parts of about `max_bytes` at most, each holding every rule and
    /// a run of each rule's entries (`BlockKeys::into_parts`); why not if a write or read failed.
    fn parts(self, max_bytes: usize) -> Result<Vec<BlockKeys>, String> {
        use std::io::{Read, Seek, SeekFrom};
        let write_failed = || "writing them aside in the registry's folder failed (no room there?)".to_string();
        if self.failed {
            return Err(write_failed());
        }
        let mut file = self.file.into_inner().map_err(|_| write_failed())?;
        let entry = athar_link::ENTRY;
        let total: usize = self.runs.iter().sum();
        let parts = (total * entry).div_ceil(max_bytes.max(entry)).max(1);
        // Where each rule's run starts in the file, in entries.
        let starts: Vec<usize> = self.runs.iter().scan(0, |at, n| Some(std::mem::replace(at, *at + n))).collect();
        (0..parts)
            .map(|p| {
                let ranges: Vec<std::ops::Range<usize>> =
                    self.runs.iter().map(|&n| athar_link::blocking::part_range(n, p, parts)).collect();
                let counts: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
                BlockKeys::assemble(&counts, |rule, run| {
                    let from = ((starts[rule] + ranges[rule].start) * entry) as u64;
                    file.seek(SeekFrom::Start(from)).is_ok() && file.read_exact(run).is_ok()
                })
                .ok_or_else(|| "reading them back from the registry's folder failed".to_string())
            })
            .collect()
    }
}

/// Named entries of a link's kept state, as the store holds them.
pub(crate) type StateEntries = Vec<(String, Vec<u8>)>;

/// The state a link over every record keeps: the keys of all records (`keys`, set aside by
/// record id as blocking made them), the name counts of `tf`, and the stamp. Empty (nothing
/// kept), with why, where there are no keys: record ids past 32 bits, or the spill could not
/// be made, written or read back.
pub(crate) fn kept_state(
    store: &Store,
    engine: &NameEngine,
    inputs: &[LinkInput],
    tf: &TermFrequencies,
    keys: std::result::Result<SpilledKeys, String>,
    judgements: (i64, i64),
) -> Result<(StateEntries, Option<String>)> {
    let keys = match keys.and_then(|k| k.parts(KEYS_PART_BYTES)) {
        Ok(keys) => keys,
        Err(why) => return Ok((Vec::new(), Some(why))),
    };
    let max_record = inputs.iter().map(|i| i.record_id).max().unwrap_or(0);
    let stamp = stamp(store, engine, inputs.len() as i64, max_record, judgements)?;
    let mut entries: StateEntries = keys_entries(max_record, keys).collect();
    entries.push(("term_counts".to_string(), tf.term_counts().to_bytes()));
    entries.push(("stamp".to_string(), serde_json::to_vec(&stamp).map_err(|e| RegistryError::Invalid(e.to_string()))?));
    Ok((entries, None))
}

/// The review band the last link used (its pairs' order follows it), kept with the link's state.
pub(crate) fn band_entry(options: &ClusterOptions) -> (String, Vec<u8>) {
    let band = [options.review_from, options.merge_at];
    ("review_band".to_string(), band.iter().flat_map(|x| x.to_le_bytes()).collect())
}

/// The review band of the last link: `(from, merge_at)`; the defaults when no link kept one.
pub(crate) fn kept_band(store: &Store) -> Result<(f64, f64)> {
    let kept = store.link_state("review_band")?.into_iter().next().and_then(|(_, b)| {
        let lo = f64::from_le_bytes(b.get(..8)?.try_into().ok()?);
        let hi = f64::from_le_bytes(b.get(8..16)?.try_into().ok()?);
        Some((lo, hi))
    });
    let d = ClusterOptions::default();
    Ok(kept.unwrap_or((d.review_from, d.merge_at)))
}

/// The registry's name counts as the last link kept them, if it kept them.
pub(crate) fn kept_term_counts(store: &Store) -> Result<Option<TermCounts>> {
    Ok(store.link_state("term_counts")?.into_iter().next().and_then(|(_, b)| TermCounts::from_bytes(&b)))
}

/// The kept name counts, when they were counted by the name engine a search uses (tables on,
/// this program's tables and rules).
pub(crate) fn kept_term_counts_for_search(store: &Store, engine: &NameEngine) -> Result<Option<TermCounts>> {
    let Some((_, bytes)) = store.link_state("stamp")?.into_iter().next() else { return Ok(None) };
    let Ok(kept) = serde_json::from_slice::<Stamp>(&bytes) else { return Ok(None) };
    if kept.version != STATE_VERSION || !kept.name_tables || kept.keys_probe != keys_probe(engine) {
        return Ok(None);
    }
    kept_term_counts(store)
}

/// Links the records imported since the last link against the state it kept: their blocks
/// are found from the kept keys, only the records sharing one are read, and only pairs with
/// a new record are scored. Persons are added to, never taken apart or joined (a pair that
/// would join two persons goes to review). `None` when there is no usable state — no stored
/// model, no state, or a state stamped for other records, judgements, names or rules — and
/// the caller links over every record.
pub(crate) fn link_new(
    store: &mut Store,
    engine: &NameEngine,
    args: &LinkOptions,
    options: ClusterOptions,
    actor: &str,
    phases: &mut Phases<'_>,
) -> Result<Option<LinkReport>> {
    let Some(model_json) = store.model()? else { return Ok(None) };
    let Some((_, stamp_bytes)) = store.link_state("stamp")?.into_iter().next() else { return Ok(None) };
    let Ok(kept) = serde_json::from_slice::<Stamp>(&stamp_bytes) else { return Ok(None) };
    let persons_read = store.persons_stamp()?;
    let ((linked, max_record), judged) = (persons_read.linked, persons_read.judgements);
    let now = stamp(store, engine, linked, max_record, judged)?;
    if kept != now || kept.max_record > i64::from(u32::MAX) {
        return Ok(None);
    }
    let _ = model_json;
    let model: FsModel = crate::admin::stored_model(store)?.0;
    let new_inputs = store.link_inputs_after(max_record)?;
    if new_inputs.last().is_some_and(|i| i.record_id > i64::from(u32::MAX)) {
        return Ok(None);
    }
    let mut keys = Vec::new();
    for (_, bytes) in store.link_state("keys/")? {
        let Some(k) = BlockKeys::from_bytes(bytes).filter(|k| k.rule_count() == default_rules().len()) else {
            return Ok(None);
        };
        keys.push(k);
    }
    let Some(mut counts) = kept_term_counts(store)? else { return Ok(None) };
    let new_records = analysed_records(engine, &new_inputs);
    let new_ids: Vec<u32> = new_inputs.iter().map(|i| i.record_id as u32).collect();
    phases.mark("reading", Some((new_inputs.len(), "new records")));
    let rules = default_rules();
    let (pairs, reports) = candidates_against(&new_records, &new_ids, &rules, args.max_block, &keys);
    drop(keys);
    // The linked records that share a block with a new one, read and analysed.
    let mut others: Vec<i64> =
        pairs.iter().flat_map(|&(a, b)| [a, b]).filter(|&id| i64::from(id) <= max_record).map(i64::from).collect();
    others.sort_unstable();
    others.dedup();
    let linked_rows = store.link_inputs_of(&others)?;
    let (linked_inputs, linked_persons): (Vec<LinkInput>, Vec<Option<String>>) = linked_rows.into_iter().unzip();
    let n_new = new_records.len();
    let mut records = new_records;
    records.extend(analysed_records(engine, &linked_inputs));
    athar_link::intern_values(&mut records);
    let local: FxHashMap<u32, u32> = new_ids
        .iter()
        .copied()
        .chain(linked_inputs.iter().map(|i| i.record_id as u32))
        .enumerate()
        .map(|(k, id)| (id, k as u32))
        .collect();
    let record_id = |k: usize| if k < n_new { new_inputs[k].record_id } else { linked_inputs[k - n_new].record_id };
    let mut local_pairs: Vec<(u32, u32)> = pairs
        .iter()
        .filter_map(|(a, b)| {
            let (a, b) = (*local.get(a)?, *local.get(b)?);
            Some((a.min(b), a.max(b)))
        })
        .collect();
    local_pairs.sort_unstable();
    local_pairs.dedup();
    phases.mark("blocking", Some((local_pairs.len(), "candidate pairs")));
    // Name counts of the whole registry, the new records added.
    let new_counts = TermCounts::of(&records[..n_new]);
    counts.add(&new_counts);
    let tf = TermFrequencies::from_counts(counts.clone(), &records);
    let scored =
        PairEvidence::new(&super::LevelCaches::new(), engine, &records, &local_pairs, &model, &tf).into_scored(&model);
    phases.mark("scoring", Some((scored.len(), "pairs scored")));
    // Existing persons, as local numbers; they stay whole.
    let mut person_number: FxHashMap<&str, u32> = FxHashMap::default();
    let existing: Vec<Option<u32>> = (0..records.len())
        .map(|k| {
            let p = k.checked_sub(n_new).and_then(|k| linked_persons[k].as_deref())?;
            let n = person_number.len() as u32;
            Some(*person_number.entry(p).or_insert(n))
        })
        .collect();
    let mut judgements = Vec::new();
    for j in store.judgements()? {
        let local_of = |r: &str| r.parse::<u32>().ok().and_then(|id| local.get(&id)).map(|&k| k as usize);
        let (Some(a), Some(b)) = (local_of(&j.record_a), local_of(&j.record_b)) else { continue };
        match j.decision.as_str() {
            "same" => judgements.push((a, b, Judgement::Same)),
            "different" => judgements.push((a, b, Judgement::Different)),
            _ => {}
        }
    }
    let keep = ClusterOptions { keep_existing: true, ..options };
    let Ok(clustering) = cluster_with_persons(records.len(), &scored, &judgements, keep, Some(&existing)) else {
        // Judgements the kept persons contradict: the whole registry decides.
        return Ok(None);
    };
    // Each group: the person it joins (at most one; joining two is a human's decision) and its
    // new records.
    let mut groups: FxHashMap<usize, (Option<&str>, Vec<i64>)> = FxHashMap::default();
    for (k, root) in clustering.person.iter().enumerate() {
        let g = groups.entry(*root).or_default();
        if k < n_new {
            g.1.push(record_id(k));
        } else if let Some(p) = linked_persons[k - n_new].as_deref() {
            if g.0.is_some_and(|q| q != p) {
                return Ok(None);
            }
            g.0 = Some(p);
        }
    }
    let mut groups: Vec<(Option<String>, Vec<i64>)> =
        groups.into_values().filter(|(_, new)| !new.is_empty()).map(|(p, new)| (p.map(str::to_string), new)).collect();
    groups.sort_by_key(|g| g.1[0]);
    let review: Vec<(i64, i64, f64)> =
        clustering.review.iter().map(|&(a, b, p)| (record_id(a), record_id(b), p)).collect();
    phases.mark("clustering", None);
    let new_max = new_inputs.last().map_or(max_record, |i| i.record_id);
    let mut state = vec![
        ("term_counts".to_string(), counts.to_bytes()),
        (
            "stamp".to_string(),
            serde_json::to_vec(&Stamp { linked: linked + n_new as i64, max_record: new_max, ..now })
                .map_err(|e| RegistryError::Invalid(e.to_string()))?,
        ),
    ];
    state.push(band_entry(&options));
    if n_new > 0 {
        let new_keys = BlockKeys::of(&records[..n_new], &new_ids, &rules);
        state.extend(keys_entries(new_max, new_keys.into_parts(KEYS_PART_BYTES)));
    }
    // Saved only if no other link and no judgement came in between (else nothing is saved).
    let Some(persons) = store.add_to_persons(&groups, &review, &state, persons_read, actor)? else {
        return Err(RegistryError::Conflict(
            "another link, a split or a judgement changed the persons while this link ran; nothing was saved, run \
             athar link again"
                .into(),
        ));
    };
    // Persons changed: open inquiries look again, at the new records (names weighed as the
    // index weighs them: with the tables).
    let new_ids: Vec<i64> = new_inputs.iter().map(|i| i.record_id).collect();
    phases.mark("saving", None);
    Ok(Some(LinkReport {
        records: linked as usize + n_new,
        new_records: Some(n_new),
        from_kept_state: true,
        reports,
        pairs_scored: scored.len(),
        persons,
        review: clustering.pairs_to_ask(),
        refused: clustering.refused.len(),
        unlike_groups: clustering.unlike_groups,
        trained: false,
        model,
        prior_iterations: None,
        new_leads: 0,
        recheck: Recheck::Records(new_ids, counts),
        seconds: Vec::new(),
        index_seconds: None,
        retrained_because: None,
        rederived: None,
        thin_model: None,
        keys_not_kept: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records of a few names, births and mothers, so that blocks of several sizes form.
    fn records(engine: &NameEngine, n: usize) -> Vec<LinkRecord> {
        let given = ["Ahmad", "أحمد", "Khaled", "Omar", "Yusuf"];
        let family = ["al-Halabi", "الحلبي", "Haddad", "Kovalenko"];
        (0..n)
            .map(|i| {
                let born = format!("{}-0{}-1{}", 1960 + i % 7, 1 + i % 9, i % 10);
                let f = [
                    ("given_name", given[i % given.len()]),
                    ("family_name", family[(i / 3) % family.len()]),
                    ("mother_name", if i % 2 == 0 { "Fatima" } else { "Rim" }),
                    ("birth_date", born.as_str()),
                ];
                LinkRecord::from_fields(engine, &i.to_string(), &f, None)
            })
            .collect()
    }

    #[test]
    fn keys_set_aside_while_blocking_read_back_in_parts_as_the_keys_of_the_records() {
        let engine = NameEngine::new();
        let recs = records(&engine, 120);
        let rules = default_rules();
        // Registry ids are not the records' indexes; a link holds its records in the order of
        // their names, so ids may also fall as the index rises.
        let rising: Vec<u32> = (0..recs.len() as u32).map(|i| 1000 + 3 * i).collect();
        let falling: Vec<u32> = (0..recs.len() as u32).map(|i| 4000 - 3 * i).collect();
        for ids in [rising, falling] {
            let spill = |ids: &[u32]| {
                let mut spill = SpilledKeys::in_file(tempfile::tempfile().expect("a temporary file"), ids.to_vec());
                let mut sink = |entries: &[KeyEntry]| spill.add(entries);
                athar_link::candidate_pairs_where(&recs, &rules, 40, &|_, _| true, Some(&mut sink));
                spill
            };
            let whole = BlockKeys::of(&recs, &ids, &rules);
            let one = spill(&ids).parts(usize::MAX).expect("read back in one part");
            assert_eq!(one.len(), 1);
            assert_eq!(one[0].to_bytes(), whole.to_bytes(), "sorted by key and id, as the keys of the records");
            let size = whole.to_bytes().len();
            let parts = spill(&ids).parts(size / 3 + 1).expect("read back");
            assert_eq!(parts.len(), 3);
            assert!(parts.iter().all(|p| p.rule_count() == rules.len()));
            assert_eq!(parts.iter().map(BlockKeys::len).sum::<usize>(), whole.len());
            // A new record blocks against the parts as against the whole.
            let new = records(&engine, 125).split_off(120);
            let new_ids: Vec<u32> = (0..5).map(|i| 5000 + i).collect();
            let (from_parts, _) = candidates_against(&new, &new_ids, &rules, 40, &parts);
            let (from_whole, _) = candidates_against(&new, &new_ids, &rules, 40, &[whole]);
            assert!(from_parts.iter().any(|&(_, b)| (1000..5000).contains(&b)), "pairs with kept records");
            assert_eq!(from_parts, from_whole);
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn keys_that_could_not_be_written_are_not_kept() {
        let engine = NameEngine::new();
        let recs = records(&engine, 40);
        let full =
            std::fs::OpenOptions::new().write(true).open("/dev/full").expect("this test needs /dev/full (Linux)");
        let mut spill = SpilledKeys::in_file(full, (0..40).collect());
        let mut sink = |entries: &[KeyEntry]| spill.add(entries);
        athar_link::candidate_pairs_where(&recs, &default_rules(), 40, &|_, _| true, Some(&mut sink));
        // The keys of 40 records pass the writer's buffer: a write failed before the flush.
        assert!(spill.failed, "the full device refused a write");
        let why = spill.parts(KEYS_PART_BYTES).err().unwrap_or_default();
        assert!(why.starts_with("writing them aside"), "a failed write keeps nothing, and says so: {why}");
    }

    #[test]
    fn keys_that_cannot_be_set_aside_say_why() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (store, _) = Store::init(&dir.path().join("r.db"), &dir.path().join("r.key")).expect("a registry");
        let input = |record_id: i64| LinkInput {
            record_id,
            fields: Vec::new(),
            national_id_hash: None,
            registry_number_hash: None,
            source_id: 1,
        };
        assert!(SpilledKeys::new(&store, &[input(1), input(4_294_967_295)]).is_ok());
        let why = SpilledKeys::new(&store, &[input(1), input(4_294_967_296)]).err().unwrap_or_default();
        assert!(why.contains("4,294,967,295"), "{why}");
    }
}
