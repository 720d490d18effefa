//! The dashboard: counts of records by status, facility, year of the event and source, and of
//! persons — for every role, viewers included — with no count under 10 shown. A small count can
//! name a person ("the one record from Branch 227 in 2013"), so it is withheld here, in the
//! library, for every front door; and where one small count could be worked out from the total
//! and the others, the next smallest is withheld too. Owns that rule and the grouping of
//! facility spellings through the name engine; not the drawing.

use crate::error::Result;
use crate::{Action, Actor, Registry};
use athar_names::tables::SetKind;
use athar_store::tally::TallyBy;
use serde::Serialize;

/// The smallest count shown.
pub const SMALLEST_SHOWN: i64 = 10;

/// Most bars in one chart; the rest are summed into one bar, `other`.
pub const MOST_BARS: usize = 15;

/// One bar: a value and its count, `None` when withheld (under 10, or one that would let a
/// withheld count be worked out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The value; `None` when the field is empty in the records counted.
    pub label: Option<String>,
    /// The bar for every value past the largest [`MOST_BARS`] − 1, summed.
    pub other: bool,
    pub count: Option<i64>,
}

/// Every chart of the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub records: Option<i64>,
    pub persons: Option<i64>,
    pub sources: Option<i64>,
    /// Rows set aside at import.
    pub quarantined: Option<i64>,
    pub by_status: Vec<Tally>,
    pub by_facility: Vec<Tally>,
    pub by_year: Vec<Tally>,
    pub by_source: Vec<Tally>,
}

/// A count as it may be shown: `None` under [`SMALLEST_SHOWN`].
pub fn shown(n: i64) -> Option<i64> {
    (n >= SMALLEST_SHOWN).then_some(n)
}

/// Bars from counts (largest first): at most [`MOST_BARS`], small ones withheld, and a second
/// one withheld where a lone withheld count would follow from the total.
pub fn bars(mut counts: Vec<(Option<String>, i64)>) -> Vec<Tally> {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out: Vec<(Option<String>, bool, i64)> = Vec::new();
    if counts.len() > MOST_BARS {
        let rest: i64 = counts[MOST_BARS - 1..].iter().map(|c| c.1).sum();
        counts.truncate(MOST_BARS - 1);
        out.extend(counts.into_iter().map(|(l, n)| (l, false, n)));
        out.push((None, true, rest));
    } else {
        out.extend(counts.into_iter().map(|(l, n)| (l, false, n)));
    }
    let mut tallies: Vec<Tally> =
        out.iter().map(|(label, other, n)| Tally { label: label.clone(), other: *other, count: shown(*n) }).collect();
    // A lone withheld count is the total less the others: withhold the smallest shown too.
    if tallies.iter().filter(|t| t.count.is_none()).count() == 1 {
        if let Some(i) = (0..tallies.len()).filter(|&i| tallies[i].count.is_some()).min_by_key(|&i| out[i].2) {
            tallies[i].count = None;
        }
    }
    tallies
}

impl Registry {
    /// The dashboard's counts, for any role that may see counts. Counting a million records
    /// takes seconds (about 3.9 s of SQL at 1,007,459), and every sign-in lands on them: they
    /// are counted again only when the store has changed since (a write of any process).
    pub fn dashboard(&self, actor: &Actor) -> Result<Dashboard> {
        actor.require(Action::SeeCounts)?;
        // Every write that changes a count changes the stamp: an import adds records (a list of
        // which no row is usable is refused whole), a link changes persons, a purge or a
        // reindex the derived fields.
        let now = self.read(|s| Ok(s.change_stamp()?))?;
        if let Some((at, d)) = crate::lock(&self.dashboard).as_ref() {
            if *at == now {
                return Ok(d.clone());
            }
        }
        let d = self.count_dashboard()?;
        *crate::lock(&self.dashboard) = Some((now, d.clone()));
        Ok(d)
    }

    fn count_dashboard(&self) -> Result<Dashboard> {
        let (stats, persons, status, facility, year, source) = self.read(|s| {
            s.read_snapshot(|s| -> Result<_> {
                Ok((
                    s.totals()?,
                    s.person_count()?,
                    s.tally(TallyBy::Status)?,
                    s.tally(TallyBy::Facility)?,
                    s.tally(TallyBy::EventYear)?,
                    s.tally(TallyBy::Source)?,
                ))
            })
        })?;
        Ok(Dashboard {
            records: shown(stats.records),
            persons: shown(persons),
            sources: shown(stats.sources),
            quarantined: shown(stats.quarantined),
            by_status: bars(status),
            by_facility: bars(self.facilities_grouped(facility)?),
            by_year: bars(year),
            by_source: bars(source),
        })
    }

    /// Facility spellings counted as one where the name engine's places table equates them
    /// (Saydnaya, Sednaya, صيدنايا), under the table's canonical spelling.
    fn facilities_grouped(&self, counts: Vec<(Option<String>, i64)>) -> Result<Vec<(Option<String>, i64)>> {
        let names = self.names()?;
        let tables = names.engine().tables();
        let mut grouped: Vec<(Option<String>, i64)> = Vec::new();
        for (label, n) in counts {
            let label = label.map(|l| {
                // Derived facilities hold a table id (`saydnaya`) or normalised text.
                tables
                    .by_id(&l)
                    .into_iter()
                    .chain(tables.lookup(&l).iter().copied())
                    .map(|id| tables.set(id))
                    .find(|set| set.kind == SetKind::Place)
                    .map_or(l.clone(), |set| {
                        // The first Latin form as the table writes it ("Saydnaya", "Branch 227").
                        set.forms.iter().find(|f| f.is_ascii()).cloned().unwrap_or_else(|| set.canonical.clone())
                    })
            });
            match grouped.iter_mut().find(|(l, _)| *l == label) {
                Some((_, m)) => *m += n,
                None => grouped.push((label, n)),
            }
        }
        Ok(grouped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(label: &str, n: i64) -> (Option<String>, i64) {
        (Some(label.to_string()), n)
    }

    #[test]
    fn no_count_under_ten_is_shown_nor_one_that_gives_it_away() {
        let t = bars(vec![c("detained", 120), c("released", 40), c("dead", 3)]);
        assert_eq!(t[0].count, Some(120));
        assert_eq!(t[2].count, None, "3 is withheld");
        assert_eq!(t[1].count, None, "else 3 = total − 120 − 40");
        let t = bars(vec![c("a", 50), c("b", 4), c("c", 2), c("d", 30)]);
        assert_eq!(t.iter().map(|t| t.count).collect::<Vec<_>>(), [Some(50), Some(30), None, None]);
        let t = bars(vec![c("a", 10), c("b", 11)]);
        assert!(t.iter().all(|t| t.count.is_some()), "10 is shown");
    }

    #[test]
    fn many_values_end_in_one_bar_of_the_rest() {
        let counts: Vec<_> = (0..30).map(|i| c(&format!("f{i:02}"), 100 - i)).collect();
        let total: i64 = counts.iter().map(|x| x.1).sum();
        let t = bars(counts);
        assert_eq!(t.len(), MOST_BARS);
        assert!(t[MOST_BARS - 1].other);
        assert_eq!(t.iter().filter_map(|t| t.count).sum::<i64>(), total);
    }
}
