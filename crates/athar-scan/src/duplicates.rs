//! Near-duplicate reports: reports that share several runs of seven words — one
//! statement quoted, translated the same way, or re-posted — are one group, with the passages
//! they share. Reports on the same topic that share no such run are not grouped.
//!
//! Scales by sampling: every run of seven words is hashed, one hash in [`SAMPLE`] is indexed,
//! and only reports that share an indexed run are compared whole (not all pairs). Owns the
//! grouping; not the reading of files.

use crate::fold::fold;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use std::hash::{Hash, Hasher};

/// Words in a run.
pub const RUN_WORDS: usize = 7;
/// Runs of seven words two reports must share to be one group: several (five: one passage of
/// eleven words, or five apart), not one phrase any two texts may have.
pub const MIN_RUNS: usize = 5;
/// One run hash in this many is indexed (a shared passage of 7 + 4·SAMPLE words is almost
/// surely seen).
pub const SAMPLE: u64 = 4;
/// A run shared by more reports than this is boilerplate (a site's footer), not a statement.
pub const MAX_SHARING: usize = 2_000;

/// A group of reports that repeat one another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Indexes into the texts given, in order.
    pub members: Vec<usize>,
    /// The passages they share (folded words), longest first, at most five.
    pub passages: Vec<String>,
}

fn run_hashes(words: &[&str]) -> Vec<u64> {
    if words.len() < RUN_WORDS {
        return Vec::new();
    }
    words
        .windows(RUN_WORDS)
        .map(|w| {
            let mut h = FxHasher::default();
            w.hash(&mut h);
            h.finish()
        })
        .collect()
}

/// The passages two reports share: maximal stretches of shared runs, as folded words.
fn shared_passages(a: &[&str], ha: &[u64], hb: &FxHashSet<u64>) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ha.len() {
        if !hb.contains(&ha[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < ha.len() && hb.contains(&ha[i + 1]) {
            i += 1;
        }
        out.push(a[start..i + RUN_WORDS].join(" "));
        i += 1;
    }
    out
}

fn find(parent: &mut [usize], x: usize) -> usize {
    let mut r = x;
    while parent[r] != r {
        r = parent[r];
    }
    let mut y = x;
    while parent[y] != r {
        let next = parent[y];
        parent[y] = r;
        y = next;
    }
    r
}

/// Groups `texts` that share at least [`MIN_RUNS`] runs of [`RUN_WORDS`] words.
pub fn group(texts: &[&str]) -> Vec<Group> {
    let folded: Vec<String> = texts.iter().map(|t| fold(t).text).collect();
    let words: Vec<Vec<&str>> = folded
        .iter()
        .map(|t| t.split(' ').filter(|w| !w.is_empty() && !w.starts_with(crate::fold::BREAK)).collect())
        .collect();
    let hashes: Vec<Vec<u64>> = words.iter().map(|w| run_hashes(w)).collect();
    // The sampled index: run hash → reports.
    let mut index: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    for (d, hs) in hashes.iter().enumerate() {
        let mut seen = FxHashSet::default();
        for &h in hs.iter().filter(|h| *h % SAMPLE == 0) {
            if seen.insert(h) {
                index.entry(h).or_default().push(d as u32);
            }
        }
    }
    let mut pairs: FxHashSet<(u32, u32)> = FxHashSet::default();
    for docs in index.values().filter(|d| d.len() > 1 && d.len() <= MAX_SHARING) {
        for (i, &a) in docs.iter().enumerate() {
            for &b in &docs[i + 1..] {
                pairs.insert((a, b));
            }
        }
    }
    let mut pairs: Vec<(u32, u32)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    let mut parent: Vec<usize> = (0..texts.len()).collect();
    let mut passages: FxHashMap<usize, Vec<String>> = FxHashMap::default();
    let mut sets: FxHashMap<u32, FxHashSet<u64>> = FxHashMap::default();
    for (a, b) in pairs {
        let hb = sets.entry(b).or_insert_with(|| hashes[b as usize].iter().copied().collect());
        let shared = shared_passages(&words[a as usize], &hashes[a as usize], hb);
        let runs: usize = shared.iter().map(|p| p.split(' ').count() + 1 - RUN_WORDS).sum();
        if runs < MIN_RUNS {
            continue;
        }
        let (ra, rb) = (find(&mut parent, a as usize), find(&mut parent, b as usize));
        if ra != rb {
            parent[rb] = ra;
        }
        passages.entry(a as usize).or_default().extend(shared);
    }
    let mut groups: FxHashMap<usize, Group> = FxHashMap::default();
    for d in 0..texts.len() {
        let r = find(&mut parent, d);
        groups.entry(r).or_insert_with(|| Group { members: Vec::new(), passages: Vec::new() }).members.push(d);
    }
    for (d, ps) in passages {
        let r = find(&mut parent, d);
        if let Some(g) = groups.get_mut(&r) {
            g.passages.extend(ps);
        }
    }
    let mut out: Vec<Group> = groups
        .into_values()
        .filter(|g| g.members.len() > 1)
        .map(|mut g| {
            g.passages.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            g.passages.dedup();
            g.passages.truncate(5);
            g
        })
        .collect();
    out.sort_by_key(|g| g.members[0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_reposted_is_one_group_and_a_shared_topic_is_not() {
        let statement =
            "Russia is a prison state that can only hold someone else's stolen land because of the prisons \
                         and torture chambers it places there. We first saw this on our soil in Crimea in 2014.";
        let a = format!("Kyiv, 10 December. The president said: {statement} He spoke on Human Rights Day.");
        let b = format!("{statement} The statement was posted on Telegram on Tuesday evening.");
        let c = "The president spoke about Russia and Syria and prisons on Human Rights Day in Kyiv on Tuesday.";
        let groups = group(&[&a, &b, c]);
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].members, vec![0, 1]);
        assert!(groups[0].passages[0].contains("prison state that can only hold"), "{:?}", groups[0].passages);
        // One shared run of seven words is not enough.
        let d = "in the morning they said that the prisons and torture chambers it places there were closed";
        let e = "nobody knew that the prisons and torture chambers it places there were open to the public";
        assert!(group(&[d, e]).is_empty());
    }
}
