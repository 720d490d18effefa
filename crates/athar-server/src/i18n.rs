//! The web application's words in English, Arabic and Ukrainian (`data/ui/messages.tsv`,
//! compiled in),
//! and the language a request is answered in: the user's choice (a cookie), else the
//! browser's `Accept-Language`, else English. Owns the table and the choice; not the pages.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ar,
    Uk,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
            Lang::Uk => "uk",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().get(..2) {
            Some("en") => Some(Lang::En),
            Some("ar") => Some(Lang::Ar),
            Some("uk") => Some(Lang::Uk),
            _ => None,
        }
    }

    /// The writing direction of the page.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::En | Lang::Uk => "ltr",
            Lang::Ar => "rtl",
        }
    }

    /// The language's own name, for the switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ar => "العربية",
            Lang::Uk => "Українська",
        }
    }

    /// The position of the language's column in the table, after the key.
    fn column(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Ar => 1,
            Lang::Uk => 2,
        }
    }

    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ar, Lang::Uk];

    /// The first language of an `Accept-Language` header that the pages have.
    pub fn from_accept(header: &str) -> Option<Lang> {
        header.split(',').filter_map(|part| Lang::from_code(part.split(';').next().unwrap_or(""))).next()
    }
}

const TABLE: &str = include_str!("../../../data/ui/messages.tsv");

/// key → the message in each language, in the order of [`Lang::ALL`] ("" where missing).
static MESSAGES: LazyLock<HashMap<&'static str, [&'static str; 3]>> = LazyLock::new(|| {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.starts_with("key\t"))
        .filter_map(|l| {
            let mut cells = l.split('\t');
            let key = cells.next()?;
            let mut words = [""; 3];
            for (slot, cell) in words.iter_mut().zip(cells) {
                *slot = cell;
            }
            Some((key, words))
        })
        .collect()
});

/// The message `key` in `lang` (English when the language lacks it; the key itself when the
/// table does, which the tests forbid).
/// The message for `key` when the table has one (a value that may or may not have words of
/// its own, such as a canonical status).
pub fn t_opt(lang: Lang, key: &str) -> Option<&'static str> {
    MESSAGES.contains_key(key).then(|| t(lang, key))
}

pub fn t(lang: Lang, key: &str) -> &'static str {
    match MESSAGES.get(key) {
        Some(words) => match words[lang.column()] {
            "" => words[0],
            word => word,
        },
        None => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_every_language_and_every_key_used_is_in_the_table() {
        for line in TABLE.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 4, "key, English, Arabic, Ukrainian: {line}");
            assert!(cells.iter().all(|c| !c.trim().is_empty()), "a cell is empty: {line}");
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut used = 0;
        for entry in std::fs::read_dir(dir).expect("templates") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("template");
            for piece in text.split(".t(\"").skip(1) {
                let key = piece.split('"').next().unwrap_or("");
                assert!(MESSAGES.contains_key(key), "the templates use '{key}', which data/ui/messages.tsv lacks");
                used += 1;
            }
        }
        assert!(used > 20, "the templates take their words from the table ({used} uses)");
        // Keys the code names (notices, errors): a literal "prefix.name" whose prefix is one of
        // the table's.
        let prefixes: std::collections::HashSet<&str> =
            MESSAGES.keys().filter_map(|k| k.split_once('.').map(|(p, _)| p)).collect();
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut named = 0;
        for entry in std::fs::read_dir(src).expect("src") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("source");
            for literal in text.split('"').skip(1).step_by(2) {
                let Some((prefix, rest)) = literal.split_once('.') else { continue };
                let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                let file = matches!(rest, "html" | "css" | "tsv");
                if prefixes.contains(prefix) && plain(prefix) && plain(rest) && !file {
                    assert!(
                        MESSAGES.contains_key(literal),
                        "the code uses '{literal}', which data/ui/messages.tsv lacks"
                    );
                    named += 1;
                }
            }
        }
        assert!(named > 10, "the code's keys are checked ({named})");
    }

    #[test]
    fn the_language_follows_the_browser_when_not_chosen() {
        assert_eq!(Lang::from_accept("ar-SY,ar;q=0.9,en;q=0.8"), Some(Lang::Ar));
        assert_eq!(Lang::from_accept("de-DE, en;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::from_accept("de"), None);
        assert_eq!(Lang::from_accept("uk-UA,uk;q=0.9,en;q=0.8"), Some(Lang::Uk));
        assert_eq!(t(Lang::Uk, "signin.title"), "Вхід");
        assert_eq!(Lang::Uk.dir(), "ltr");
        assert_eq!(t(Lang::Ar, "signin.title"), "تسجيل الدخول");
        assert_eq!(Lang::Ar.dir(), "rtl");
    }
}
