//! What a family tells a caseworker, as a query: free text and named fields, checked before any
//! search. Owns the query's validation and its reading as a linkage record; not the search.

use athar_link::{BirthDate, ComparisonKind, LinkRecord};
use athar_names::NameEngine;
use serde::{Deserialize, Serialize};

/// A search for one person. Every field is optional; a field not given is neutral. Names are
/// in any script or spelling; `name` is free text the name engine reads into parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    pub name: Option<String>,
    pub given: Option<String>,
    pub father: Option<String>,
    pub grandfather: Option<String>,
    pub family: Option<String>,
    /// The mother's given name.
    pub mother: Option<String>,
    /// Birth date in the store's ISO forms: YYYY, YYYY-MM or YYYY-MM-DD, a range YYYY/YYYY, an
    /// approximate year ~YYYY (±2). (What a person types — 12/03/1990, ١٩٩٠, 1989-1991, about
    /// 1990 — is read into these by the registry, as an import reads a list's dates.)
    pub born: Option<String>,
    /// Birth place.
    pub place: Option<String>,
    /// Canonical sex (`male`, `female`), as records store it.
    pub sex: Option<String>,
    /// A place of detention: records that name another facility are left out, and those that
    /// name this one rank above those that name none.
    pub facility: Option<String>,
    /// Canonical status (`missing`, `detained`, `released`, `deceased`, `identified`): records
    /// with another known status are left out.
    pub status: Option<String>,
    /// The date of the arrest or disappearance the family gives, in the store's ISO forms
    /// (YYYY, YYYY-MM, YYYY-MM-DD): compared with the date each record gives of the arrest,
    /// the disappearance or the entry to a facility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrested: Option<String>,
    /// Where the person was arrested or disappeared (a town, a checkpoint; any script):
    /// compared with the place of arrest each record gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrest_place: Option<String>,
}

/// Why a query is refused. Nothing is searched for a refused query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query has no usable name; give a name (any script) or a given or family name")]
    NoName,
    #[error("birth date '{0}' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")]
    BadDate(String),
    #[error("date of arrest '{0}' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")]
    BadArrestDate(String),
    #[error("the year {0} is not plausible (1850–2100)")]
    ImplausibleYear(i32),
    #[error("a query of {0} characters is too long (at most {MAX_QUERY_CHARS})")]
    TooLong(usize),
}

/// The longest query text: a family's description of one person fits in far less; a longer
/// text is a pasted document, not a name.
pub const MAX_QUERY_CHARS: usize = 2_000;

impl Query {
    /// A query from named values (a form, a CSV row): `get` answers a field's value by its
    /// name (`name`, `given`, `father`, `grandfather`, `family`, `mother`, `born`, `place`, `sex`,
    /// `facility`, `status`, `arrested`, `arrest_place`); a value that is empty or blank is "not
    /// given".
    pub fn from_named(get: impl Fn(&str) -> Option<String>) -> Query {
        let get = |name: &str| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        Query {
            name: get("name"),
            given: get("given"),
            father: get("father"),
            grandfather: get("grandfather"),
            family: get("family"),
            mother: get("mother"),
            born: get("born"),
            place: get("place"),
            sex: get("sex"),
            facility: get("facility"),
            status: get("status"),
            arrested: get("arrested"),
            arrest_place: get("arrest_place"),
        }
    }

    /// A query from a record's canonical fields (`full_name`, `given_name`, `father_name`,
    /// `grandfather_name`, `family_name`, `mother_name`, `birth_date`, `birth_place`, `sex`,
    /// `facility`, `status`), such as an inquiry's sought person.
    pub fn from_fields(fields: &[(String, String)]) -> Query {
        let get = |k: &str| fields.iter().find(|(f, v)| f == k && !v.trim().is_empty()).map(|(_, v)| v.clone());
        Query {
            name: get("full_name"),
            given: get("given_name"),
            father: get("father_name"),
            grandfather: get("grandfather_name"),
            family: get("family_name"),
            mother: get("mother_name"),
            born: get("birth_date"),
            place: get("birth_place"),
            sex: get("sex"),
            facility: get("facility"),
            status: get("status"),
            arrested: get("event_date"),
            arrest_place: get("arrest_place"),
        }
    }

    /// The fields given, as canonical record fields (empty values left out).
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("full_name", &self.name),
            ("given_name", &self.given),
            ("father_name", &self.father),
            ("grandfather_name", &self.grandfather),
            ("family_name", &self.family),
            ("mother_name", &self.mother),
            ("birth_date", &self.born),
            ("birth_place", &self.place),
            ("sex", &self.sex),
            ("facility", &self.facility),
            ("status", &self.status),
            ("event_date", &self.arrested),
            ("arrest_place", &self.arrest_place),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect()
    }

    /// Refuses a query with no usable name, an unreadable or implausible birth date, or a
    /// pasted document.
    pub fn check(&self) -> Result<(), QueryError> {
        let fields = self.fields();
        let length: usize = fields.iter().map(|(_, v)| v.chars().count()).sum();
        if length > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong(length));
        }
        if let Some(b) = self.born.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            check_date(b, QueryError::BadDate)?;
        }
        if let Some(a) = self.arrested.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            check_date(a, QueryError::BadArrestDate)?;
        }
        let named = [&self.name, &self.given, &self.father, &self.grandfather, &self.family, &self.mother]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| athar_names::script::detect_script(v) != athar_names::Script::None));
        if !named {
            return Err(QueryError::NoName);
        }
        Ok(())
    }

    /// The query as a linkage record (free text read by roles, fields filling or overriding
    /// its parts; the facility as evidence too), once checked.
    pub(crate) fn to_record(&self, engine: &NameEngine) -> Result<LinkRecord, QueryError> {
        self.check()?;
        let fields: Vec<(&str, &str)> = self.fields().into_iter().filter(|(k, _)| *k != "status").collect();
        let q = self.record_of(engine, &fields);
        if !ComparisonKind::PERSON_NAMES.iter().any(|k| k.name_field(&q).is_some()) {
            return Err(QueryError::NoName);
        }
        Ok(q)
    }

    /// The query read the other way round, family name first ("Abdu Ali Muhammad" as family
    /// Abdu, given Ali, father Muhammad; "Halabi Mohammed" as family Halabi, given Mohammed):
    /// lists and families write names in both orders, and some records have the given and
    /// family name swapped. Only for a free-text name of two to four names read given name
    /// first (not a Slavic name with a patronymic, a kunya, or one whose order the capitals
    /// already told), with no given or family name given apart (a father's name given apart is
    /// kept). `q` is the query's record ([`Query::to_record`]); its reading is the one linkage
    /// makes of a full name.
    pub(crate) fn family_first(q: &LinkRecord) -> Option<LinkRecord> {
        // The reading linkage makes of a full name (athar_link::record::OtherReading) of the
        // query's record (`to_record`); it keeps a father's name given apart.
        let other = q.other_reading.as_deref().filter(|o| o.how == athar_link::record::FAMILY_FIRST)?;
        let mut r = q.clone();
        [r.given, r.father, r.grandfather, r.family] = other.names.clone();
        r.other_reading = None;
        Some(r)
    }

    /// The linkage record of the query's fields: a birth date given as a range or "about"
    /// keeps its width (a record's date is as given), and the date a family gives is of the
    /// arrest or disappearance (a record's date of release is not compared with it).
    fn record_of(&self, engine: &NameEngine, fields: &[(&str, &str)]) -> LinkRecord {
        let mut q = LinkRecord::from_fields(engine, "query", fields, None);
        if let Some(b) = self.born.as_deref() {
            q.birth = BirthDate::parse_query(b).or(q.birth);
        }
        if q.event.is_some() {
            q.event_kind = Some("arrest".into());
        }
        q
    }

    /// The query's text, for an audit trail that keeps it encrypted.
    pub fn text(&self) -> String {
        self.fields().iter().map(|(_, v)| *v).collect::<Vec<_>>().join(" | ")
    }
}

/// Refuses a date that is not one of the store's ISO forms (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`,
/// `~YYYY`, `YYYY/YYYY`) or whose year is not plausible.
fn check_date(text: &str, bad: fn(String) -> QueryError) -> Result<(), QueryError> {
    // Each end of a range (or the one date), after an optional `~`.
    let ends: Vec<&str> = text.trim_start_matches('~').split('/').collect();
    if ends.len() > 2 {
        return Err(bad(text.to_string()));
    }
    for end in ends {
        let date = BirthDate::parse_iso(end).ok_or_else(|| bad(text.to_string()))?;
        let well_formed = end.split('-').count() <= 3
            && !end.contains(['~', '/'])
            && date.month.is_none_or(|m| (1..=12).contains(&m))
            && date.day.is_none_or(|d| (1..=31).contains(&d))
            && end.split('-').skip(1).count() == usize::from(date.month.is_some()) + usize::from(date.day.is_some());
        if !well_formed {
            return Err(bad(text.to_string()));
        }
        if !(1850..=2100).contains(&date.year) {
            return Err(QueryError::ImplausibleYear(date.year));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> Query {
        Query { name: Some(name.to_string()), ..Query::default() }
    }

    #[test]
    fn refuses_what_cannot_be_searched() {
        assert_eq!(Query::default().check(), Err(QueryError::NoName));
        assert_eq!(named("  ").check(), Err(QueryError::NoName));
        assert_eq!(named("1234 ✨").check(), Err(QueryError::NoName));
        let born = |b: &str| Query { born: Some(b.to_string()), ..named("Ahmad Halabi") }.check();
        assert_eq!(born("3000"), Err(QueryError::ImplausibleYear(3000)));
        assert_eq!(born("1990-13"), Err(QueryError::BadDate("1990-13".into())));
        assert_eq!(born("1990-05-40"), Err(QueryError::BadDate("1990-05-40".into())));
        assert_eq!(born("nineteen"), Err(QueryError::BadDate("nineteen".into())));
        assert_eq!(born("1990-05-x"), Err(QueryError::BadDate("1990-05-x".into())));
        assert_eq!(born("1990-05-04"), Ok(()));
        assert_eq!(born("1990"), Ok(()));
        assert!(matches!(named(&"محمد ".repeat(2_000)).check(), Err(QueryError::TooLong(_))));
        // A mother's name alone is a name to search by.
        assert_eq!(Query { mother: Some("فاطمة".into()), ..Query::default() }.check(), Ok(()));
    }

    #[test]
    fn reads_a_records_fields() {
        let q = Query::from_fields(&[
            ("full_name".into(), "Mhd Houssein".into()),
            ("mother_name".into(), " ".into()),
            ("birth_date".into(), "1990".into()),
        ]);
        assert_eq!(q.name.as_deref(), Some("Mhd Houssein"));
        assert_eq!(q.mother, None);
        assert_eq!(q.fields(), vec![("full_name", "Mhd Houssein"), ("birth_date", "1990")]);
    }
}
