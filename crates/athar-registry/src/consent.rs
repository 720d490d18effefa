//! Consent as structured data: which kinds of recipient (the family, the ICRC, a national
//! commission, the authorities) may receive which categories of data about the sought person
//! (that a record exists, the status, the whereabouts, the enquirer's contact). The inquiry
//! keeps it as one clause per recipient (`family: existence, status; icrc: none; …`), so that a
//! reader of the stored enquirer sees it in words. Owns the parsing, the rules (whereabouts and
//! status imply existence) and withdrawal; not the forms that tick it.

use crate::error::{invalid, Result};
use crate::{Action, Actor, Registry, RegistryError};
use serde::Serialize;
use std::collections::BTreeSet;

/// The kinds of recipient, as the consent names them.
pub const RECIPIENTS: [&str; 4] = ["family", "icrc", "commission", "authorities"];
/// The categories of data, as the consent names them.
pub const CATEGORIES: [&str; 4] = ["existence", "status", "whereabouts", "contact"];

/// Who may receive what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// `(recipient, category)` pairs granted.
    grants: BTreeSet<(&'static str, &'static str)>,
}

fn recipient(name: &str) -> Option<&'static str> {
    let n = name.trim().to_lowercase();
    let n = match n.as_str() {
        "red cross" | "the icrc" => "icrc",
        "national commission" | "the commission" => "commission",
        "the family" => "family",
        "the authorities" => "authorities",
        other => other,
    };
    RECIPIENTS.iter().copied().find(|r| *r == n)
}

fn category(name: &str) -> Option<&'static str> {
    let n = name.trim().to_lowercase();
    CATEGORIES.iter().copied().find(|c| *c == n)
}

impl Consent {
    /// Reads the stored clauses. Anything that is not `recipient: category, …` (or `none`) is
    /// refused, naming it: a consent must never be read wider than it was given.
    pub fn parse(text: &str) -> Result<Consent> {
        let mut c = Consent::default();
        for clause in text.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            let Some((who, what)) = clause.split_once(':') else {
                invalid!(
                    "the consent '{}' is not written as 'recipient: category, …' (recipients: {}; categories: {})",
                    athar_store::escape_control(clause),
                    RECIPIENTS.join(", "),
                    CATEGORIES.join(", ")
                );
            };
            let Some(r) = recipient(who) else {
                invalid!(
                    "'{}' is not a kind of recipient; use {}",
                    athar_store::escape_control(who.trim()),
                    RECIPIENTS.join(", ")
                );
            };
            for cat in what.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                if cat.eq_ignore_ascii_case("none") {
                    continue;
                }
                let Some(k) = category(cat) else {
                    invalid!(
                        "'{}' is not a category of data; use {}",
                        athar_store::escape_control(cat),
                        CATEGORIES.join(", ")
                    );
                };
                c.grants.insert((r, k));
            }
        }
        Ok(c.closed())
    }

    /// From ticked `recipient:category` pairs (a form); a pair that names no recipient or no
    /// category is refused, naming it (a form sends only known pairs: anything else was made).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = &'a str>) -> Result<Consent> {
        let mut c = Consent::default();
        for p in pairs {
            let Some((r, k)) = p.split_once(':').and_then(|(r, k)| Some((recipient(r)?, category(k)?))) else {
                invalid!("'{}' is not a recipient:category pair of consent", athar_store::escape_control(p));
            };
            c.grants.insert((r, k));
        }
        Ok(c.closed())
    }

    /// Status, whereabouts or contact shared with a recipient tells it that a record exists.
    fn closed(mut self) -> Consent {
        let implied: Vec<_> = self.grants.iter().map(|(r, _)| (*r, "existence")).collect();
        self.grants.extend(implied);
        self
    }

    pub fn allows(&self, recipient: &str, category: &str) -> bool {
        self.grants.iter().any(|(r, k)| *r == recipient && *k == category)
    }

    /// The categories a recipient may receive, in the order of [`CATEGORIES`].
    pub fn categories_for(&self, recipient: &str) -> Vec<&'static str> {
        CATEGORIES.iter().copied().filter(|k| self.allows(recipient, k)).collect()
    }

    /// As the inquiry keeps it: one clause per recipient.
    pub fn text(&self) -> String {
        RECIPIENTS
            .iter()
            .map(|r| {
                let cats = self.categories_for(r);
                format!("{r}: {}", if cats.is_empty() { "none".to_string() } else { cats.join(", ") })
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// This consent less `recipient`'s `categories` (all of them when none is named; without
    /// existence, nothing is left for that recipient).
    pub fn without(&self, recipient: &str, categories: &[&str]) -> Consent {
        let mut c = self.clone();
        let all = categories.is_empty() || categories.contains(&"existence");
        c.grants.retain(|(r, k)| *r != recipient || !(all || categories.contains(k)));
        c
    }
}

/// Checks a recipient's name, for front doors.
pub fn check_recipient(name: &str) -> Result<&'static str> {
    recipient(name).ok_or_else(|| {
        RegistryError::Invalid(format!(
            "'{}' is not a kind of recipient; use {}",
            athar_store::escape_control(name),
            RECIPIENTS.join(", ")
        ))
    })
}

impl Registry {
    /// Withdraws an enquirer's consent for `recipient` (the `categories` named, or all):
    /// audited, sealed; what was exported before stays as its manifest says. Returns the
    /// consent now in force.
    pub fn withdraw_consent(
        &self,
        actor: &Actor,
        reference: &str,
        recipient: &str,
        categories: &[String],
    ) -> Result<Consent> {
        actor.require(Action::Inquiries)?;
        let r = check_recipient(recipient)?;
        let mut cats = Vec::new();
        for c in categories {
            cats.push(category(c).ok_or_else(|| {
                RegistryError::Invalid(format!(
                    "'{}' is not a category of data; use {}",
                    athar_store::escape_control(c),
                    CATEGORIES.join(", ")
                ))
            })?);
        }
        let detail = self
            .read(|s| Ok(s.inquiry(reference)?))?
            .ok_or_else(|| RegistryError::NotFound(format!("no inquiry {}", athar_store::escape_control(reference))))?;
        let now = Consent::parse(&detail.1.consent)?.without(r, &cats);
        if !self.write(|s| Ok(s.set_consent(reference, &now.text(), &actor.name, "inquiry.consent.withdraw")?))? {
            return Err(RegistryError::NotFound(format!("no inquiry {}", athar_store::escape_control(reference))));
        }
        Ok(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_reads_its_clauses_and_never_wider() {
        let c = Consent::parse("family: status, whereabouts; ICRC: existence; commission: none").expect("parse");
        assert!(c.allows("family", "existence"), "status implies existence");
        assert!(c.allows("family", "whereabouts") && !c.allows("family", "contact"));
        assert!(c.allows("icrc", "existence") && !c.allows("icrc", "status"));
        assert!(!c.allows("commission", "existence") && !c.allows("authorities", "existence"));
        assert_eq!(Consent::parse(&c.text()).expect("again"), c, "the text reads back the same");
        for bad in ["ICRC", "family: everything", "neighbours: status"] {
            assert!(Consent::parse(bad).is_err(), "{bad}");
        }
        let ticked = Consent::from_pairs(["family:status", "icrc:existence"]).expect("pairs");
        assert!(ticked.allows("family", "existence") && ticked.allows("icrc", "existence"));
        assert!(Consent::from_pairs(["family:status", "neighbours:status"]).is_err(), "a made-up pair is refused");
    }

    #[test]
    fn withdrawing_existence_withdraws_everything_for_that_recipient() {
        let c = Consent::parse("family: status, contact; icrc: whereabouts").expect("parse");
        let less = c.without("family", &["contact"]);
        assert!(less.allows("family", "status") && !less.allows("family", "contact"));
        let none = c.without("family", &["existence"]);
        assert!(none.categories_for("family").is_empty());
        assert!(none.allows("icrc", "whereabouts"), "another recipient keeps its grant");
        assert!(c.without("icrc", &[]).categories_for("icrc").is_empty());
    }
}
