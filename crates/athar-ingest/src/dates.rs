//! Dates as lists write them: `1985`, `03/1985`, `15.03.1985`, `1985-03-15`, `١٥/٠٣/١٩٨٥`,
//! `15 آذار 1985`, `15 березня 1985 р.`, `~1985`, `حوالي 1985`, `1985-1987`, `between 1985 and
//! 1987` → a [`PartialDate`] (year, maybe month, maybe day, maybe the end of a range, maybe
//! approximate).
//!
//! Owns the accepted formats, the month names (English, French, Arabic Levantine, Egyptian and
//! Maghrebi, Ukrainian and Russian with their genitive and locative forms), the words that mark a
//! date approximate or a range, and the validation of a date (years 1850–2100, months, days per
//! month with leap years). Refuses two-digit years: `03/85` could be 1885, 1985 or 2085. Does not
//! decide which field a date belongs to, nor guess the day/month order of a file: the caller
//! passes [`DateOrder`].

use crate::values::{is_apostrophe, is_arabic_mark, is_invisible, normalize_value};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

/// The earliest year accepted by default: a birth year before it is a typing error, not a
/// person to trace. A historical list may set another (see [`DateRules`]).
pub const MIN_YEAR: i32 = 1850;
/// The latest year accepted.
pub const MAX_YEAR: i32 = 2100;

/// How an all-number date with the year last is read: `03/04/1985` is 3 April (`Dmy`, the default,
/// as in Syria, Ukraine and France) or March 4 (`Mdy`, as in US-made lists). Year-first dates are
/// always year-month-day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    Dmy,
    Mdy,
}

/// A date known to the year, the month or the day, possibly a range, possibly approximate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
    /// end of a range, if the raw value was a range
    pub until: Option<(i32, Option<u8>, Option<u8>)>,
    pub approximate: bool,
}

impl PartialDate {
    /// ISO 8601: `1985`, `1985-03`, `1985-03-15`; a range as an interval, `1985/1987`,
    /// `1985-03/1986-05`; an approximate date prefixed `~` (`~1985`, `~1985/1987`).
    pub fn to_iso(&self) -> String {
        let mut out = String::with_capacity(24);
        if self.approximate {
            out.push('~');
        }
        push_iso(&mut out, self.year, self.month, self.day);
        if let Some((y, m, d)) = self.until {
            out.push('/');
            push_iso(&mut out, y, m, d);
        }
        out
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

fn push_iso(out: &mut String, year: i32, month: Option<u8>, day: Option<u8>) {
    use std::fmt::Write;
    let _ = write!(out, "{year:04}");
    if let Some(m) = month {
        let _ = write!(out, "-{m:02}");
        if let Some(d) = day {
            let _ = write!(out, "-{d:02}");
        }
    }
}

/// Why a raw value is not a date. Every message says what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("empty date")]
    Empty,
    #[error("two-digit year '{0}' is ambiguous (1900s or 2000s?); write the year with four digits")]
    TwoDigitYear(String),
    #[error("'{0}' has no year")]
    NoYear(String),
    #[error("year {year} is outside {earliest}–{max}", max = MAX_YEAR)]
    YearOutOfRange { year: u32, earliest: i32 },
    #[error("month {0} is not a month")]
    MonthOutOfRange(u32),
    #[error("{}", day_message(*day, *month, *year))]
    DayOutOfRange { day: u32, month: u8, year: i32 },
    #[error("'{0}' is not a month name or a word of a date")]
    UnknownWord(String),
    #[error(
        "'{0}' is not a date in a known form: a year (1985), month/year (03/1985), \
         day/month/year (15/03/1985), year-month-day (1985-03-15), a month name (15 March 1985), \
         or a range (1985-1987)"
    )]
    Unrecognised(String),
    #[error("the range ends ({end}) before it starts ({start})")]
    RangeBackwards { start: String, end: String },
}

const MONTH_NAMES_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn day_message(day: u32, month: u8, year: i32) -> String {
    if day == 0 {
        return "day 0 is not a day".to_string();
    }
    let name = MONTH_NAMES_EN.get(usize::from(month).saturating_sub(1)).copied().unwrap_or("?");
    if month == 2 && day == 29 {
        return format!("day 29 is not in February {year} ({year} is not a leap year)");
    }
    format!("day {day} is not in {name} (it has {} days)", days_in_month(year, month))
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses a raw date. See the module documentation for the accepted forms.
///
/// ```
/// use athar_ingest::dates::{parse_date, DateOrder};
/// assert_eq!(parse_date("١٥/٠٣/١٩٨٥", DateOrder::Dmy).map(|d| d.to_iso()), Ok("1985-03-15".to_string()));
/// assert_eq!(parse_date("حوالي 1985", DateOrder::Dmy).map(|d| d.to_iso()), Ok("~1985".to_string()));
/// ```
pub fn parse_date(raw: &str, order: DateOrder) -> Result<PartialDate, DateError> {
    parse_date_with(raw, DateRules { order, earliest_year: MIN_YEAR })
}

/// How a list's dates are read: the day/month order, and the earliest plausible year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRules {
    pub order: DateOrder,
    /// Years before it are refused as typing errors (default [`MIN_YEAR`]); a historical list
    /// sets it lower.
    pub earliest_year: i32,
}

impl Default for DateRules {
    fn default() -> Self {
        DateRules { order: DateOrder::Dmy, earliest_year: MIN_YEAR }
    }
}

/// Parses a raw date under the list's [`DateRules`].
pub fn parse_date_with(raw: &str, rules: DateRules) -> Result<PartialDate, DateError> {
    let earliest = rules.earliest_year;
    let date = parse_date_any_year(raw, rules.order).map_err(|e| match e {
        DateError::YearOutOfRange { year, .. } => DateError::YearOutOfRange { year, earliest },
        e => e,
    })?;
    if date.year < rules.earliest_year {
        return Err(DateError::YearOutOfRange { year: date.year as u32, earliest: rules.earliest_year });
    }
    Ok(date)
}

/// Parses with any year from 1 to [`MAX_YEAR`].
fn parse_date_any_year(raw: &str, order: DateOrder) -> Result<PartialDate, DateError> {
    let prepared = prepare(raw);
    let shown = prepared.trim();
    if shown.is_empty() {
        return Err(DateError::Empty);
    }
    // `1985?`: a trailing question mark says the date is uncertain.
    let mut approximate = shown.ends_with('?');
    let body = shown.trim_end_matches(['?', ' ']);
    if body.contains('?') {
        return Err(DateError::Unrecognised(shown.to_string()));
    }
    let mut toks = tokenize(body);
    drop_time_of_day(&mut toks);
    let toks: Vec<Tok> = toks
        .into_iter()
        .filter(|t| match t {
            Tok::Sep { c: '~' | '≈', .. } => {
                approximate = true;
                false
            }
            Tok::Word { norm, .. } if APPROXIMATE.contains(&norm.as_str()) => {
                approximate = true;
                false
            }
            Tok::Word { norm, .. } => !norm.is_empty() && !FILLERS.contains(&norm.as_str()),
            _ => true,
        })
        .collect();
    let toks = trim_seps(&toks);
    if toks.is_empty() {
        return Err(DateError::Unrecognised(shown.to_string()));
    }
    if let Some((a, b)) = split_range(toks, shown)? {
        let start = parse_single(trim_seps(a), order, shown)?;
        let end = parse_single(trim_seps(b), order, shown)?;
        if latest(end) < earliest(start) {
            let mut s = String::new();
            push_iso(&mut s, start.0, start.1, start.2);
            let mut e = String::new();
            push_iso(&mut e, end.0, end.1, end.2);
            return Err(DateError::RangeBackwards { start: s, end: e });
        }
        return Ok(PartialDate { year: start.0, month: start.1, day: start.2, until: Some(end), approximate });
    }
    let (year, month, day) = parse_single(toks, order, shown)?;
    Ok(PartialDate { year, month, day, until: None, approximate })
}

type Ymd = (i32, Option<u8>, Option<u8>);

fn earliest((y, m, d): Ymd) -> (i32, u8, u8) {
    (y, m.unwrap_or(1), d.unwrap_or(1))
}

fn latest((y, m, d): Ymd) -> (i32, u8, u8) {
    let m = m.unwrap_or(12);
    (y, m, d.unwrap_or_else(|| days_in_month(y, m)))
}

/// Arabic-Indic and Persian digits → ASCII; Arabic date separator and comma → `/` and `,`;
/// bidi marks and other invisible characters removed.
fn prepare(raw: &str) -> String {
    raw.chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{060D}' => '/',
            '،' | '\u{066C}' => ',',
            '\u{066B}' => '.',
            '\u{2010}' | '\u{2011}' | '\u{2212}' => '-',
            _ => c,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// ASCII digits.
    Num { digits: String, space_before: bool },
    /// Letters (Arabic marks and apostrophes included), normalised, and as written.
    Word { norm: String, raw: String },
    /// Any other character that is not a space.
    Sep { c: char, space_before: bool },
}

fn tokenize(s: &str) -> Vec<Tok> {
    let is_word = |c: char| c.is_alphabetic() || is_arabic_mark(c) || is_apostrophe(c);
    let mut toks = Vec::new();
    let mut chars = s.char_indices().peekable();
    let mut space_before = false;
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            space_before = true;
            continue;
        }
        if c.is_ascii_digit() || is_word(c) {
            let digit = c.is_ascii_digit();
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = chars.peek() {
                if (digit && n.is_ascii_digit()) || (!digit && !n.is_ascii_digit() && is_word(n)) {
                    end = j + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let text = &s[i..end];
            toks.push(if digit {
                Tok::Num { digits: text.to_string(), space_before }
            } else {
                Tok::Word { norm: normalize_value(text), raw: text.to_string() }
            });
        } else {
            toks.push(Tok::Sep { c, space_before });
        }
        space_before = false;
    }
    toks
}

/// Drops a time of day after the date, as spreadsheets write it: `1985-03-15 00:00:00`,
/// `1985-03-15T00:00:00+02:00`.
fn drop_time_of_day(toks: &mut Vec<Tok>) {
    let Some(colon) = toks.iter().position(|t| matches!(t, Tok::Sep { c: ':', .. })) else {
        return;
    };
    if colon < 2 || !matches!(toks[colon - 1], Tok::Num { .. }) {
        return;
    }
    let mut cut = colon - 1;
    if matches!(&toks[cut - 1], Tok::Word { norm, .. } if norm == "t") {
        cut -= 1;
    }
    toks.truncate(cut);
}

fn trim_seps(toks: &[Tok]) -> &[Tok] {
    let start = toks.iter().position(|t| !matches!(t, Tok::Sep { .. })).unwrap_or(toks.len());
    let end = toks.iter().rposition(|t| !matches!(t, Tok::Sep { .. })).map_or(start, |e| e + 1);
    &toks[start..end]
}

/// Words that make a date approximate (normalised: no harakat, folded alef and ya).
const APPROXIMATE: &[&str] = &[
    // English
    "ca",
    "c",
    "circa",
    "about",
    "approx",
    "approximately",
    "around",
    "roughly",
    "estimated",
    // French
    "vers",
    "environ",
    "approximativement",
    // Arabic: حوالي / حوالى, تقريباً, نحو, قرابة, بحدود
    "حوالي",
    "تقريبا",
    "نحو",
    "قرابه",
    "بحدود",
    // Ukrainian
    "близько",
    "приблизно",
    "орієнтовно",
    "бл",
    "прибл",
    // Russian
    "около",
    "примерно",
    "приблизительно",
    "ориентировочно",
    "ок",
    "прим",
];

/// Words that carry nothing for the date: year marks (`1985 р.`, `1985 г.`, `1985م`, `عام 1985`),
/// prepositions before a month (`in March 1985`, `у березні 1985`) and ordinal endings (`15th`).
const FILLERS: &[&str] = &[
    "р",
    "рр",
    "рік",
    "року",
    "г",
    "гг",
    "год",
    "года",
    "م",
    "ميلادي",
    "ميلاديه",
    "عام",
    "عامي",
    "سنه",
    "year",
    "annee",
    "ad",
    "the",
    "of",
    "in",
    "on",
    "le",
    "en",
    "в",
    "у",
    "во",
    "في",
    "st",
    "nd",
    "rd",
    "th",
    "er",
];

/// Words that open a range: `between 1985 and 1987`, `بين 1985 و 1987`, `entre … et …`,
/// `між … та …`, `между … и …`, `from … to …`, `من … إلى …`, `de … à …`, `від/з … до/по …`,
/// `с/от … до/по …`.
const RANGE_OPEN: &[&str] = &["between", "from", "بين", "من", "entre", "de", "між", "від", "з", "между", "с", "от"];
/// Words between the two ends of a range opened by a [`RANGE_OPEN`] word.
const RANGE_MIDDLE: &[&str] =
    &["and", "to", "until", "till", "و", "الي", "حتي", "et", "a", "та", "і", "й", "до", "по", "и"];
/// Words that join the two ends of a range on their own: `1985 to 1987`, `1985 حتى 1987`.
const RANGE_MIDDLE_ALONE: &[&str] = &["to", "until", "till", "الي", "حتي", "до"];

fn word_in(t: &Tok, list: &[&str]) -> bool {
    matches!(t, Tok::Word { norm, .. } if list.contains(&norm.as_str()))
}

fn has_year(toks: &[Tok]) -> bool {
    toks.iter().any(|t| matches!(t, Tok::Num { digits, .. } if digits.len() == 4))
}

/// The two ends of a range, if the tokens are one.
/// The two ends of a range, as tokens.
type Ends<'a> = (&'a [Tok], &'a [Tok]);

fn split_range<'a>(toks: &'a [Tok], shown: &str) -> Result<Option<Ends<'a>>, DateError> {
    if toks.first().is_some_and(|t| word_in(t, RANGE_OPEN)) {
        let Some(mid) = toks.iter().skip(1).position(|t| word_in(t, RANGE_MIDDLE)).map(|p| p + 1) else {
            return Err(DateError::Unrecognised(shown.to_string()));
        };
        return Ok(Some((&toks[1..mid], &toks[mid + 1..])));
    }
    if let Some(mid) = toks.iter().position(|t| word_in(t, RANGE_MIDDLE_ALONE)) {
        return Ok(Some((&toks[..mid], &toks[mid + 1..])));
    }
    // A dash between two dates that each have a year: `1985 - 1987`, `03/1985–05/1986`.
    let dashes: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(i, t)| match t {
            Tok::Sep { c: '–' | '—', .. } => true,
            Tok::Sep { c: '-', space_before } => {
                *space_before || matches!(toks.get(i + 1), Some(Tok::Num { space_before: true, .. }))
            }
            _ => false,
        })
        .map(|(i, _)| i)
        .collect();
    if let [mid] = dashes[..] {
        let (a, b) = (&toks[..mid], &toks[mid + 1..]);
        if has_year(a) && has_year(b) {
            return Ok(Some((a, b)));
        }
    }
    // Two bare years: `1985-1987`, `1985/1987` (but `1985/03` is a year and a month).
    if let [a @ Tok::Num { digits: y1, .. }, Tok::Sep { c: '-' | '/', .. }, b @ Tok::Num { digits: y2, .. }] = toks {
        if y1.len() == 4 && y2.len() == 4 {
            return Ok(Some((std::slice::from_ref(a), std::slice::from_ref(b))));
        }
    }
    Ok(None)
}

/// Month names, normalised at first use with [`normalize_value`] (so `Février`, `fevrier` and
/// `FÉVRIER` are one key, as are `آذار` and `اذار`).
const MONTHS: &[(&str, u8)] = &[
    // English, with abbreviations
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
    // French, with abbreviations (accents are folded: août = aout)
    ("janvier", 1),
    ("janv", 1),
    ("février", 2),
    ("févr", 2),
    ("fév", 2),
    ("mars", 3),
    ("avril", 4),
    ("avr", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("juil", 7),
    ("août", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("déc", 12),
    // Arabic, Levantine (Syria, Lebanon, Jordan, Iraq)
    ("كانون الثاني", 1),
    ("كانون ثاني", 1),
    ("شباط", 2),
    ("آذار", 3),
    ("نيسان", 4),
    ("أيار", 5),
    ("حزيران", 6),
    ("تموز", 7),
    ("آب", 8),
    ("أيلول", 9),
    ("تشرين الأول", 10),
    ("تشرين أول", 10),
    ("تشرين الثاني", 11),
    ("تشرين ثاني", 11),
    ("كانون الأول", 12),
    ("كانون أول", 12),
    // Arabic, Egyptian / standard
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("أبريل", 4),
    ("إبريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يونيه", 6),
    ("يوليو", 7),
    ("يوليه", 7),
    ("أغسطس", 8),
    ("سبتمبر", 9),
    ("أكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
    // Arabic, Maghrebi (Algeria, Tunisia, Morocco)
    ("جانفي", 1),
    ("فيفري", 2),
    ("أفريل", 4),
    ("ماي", 5),
    ("جوان", 6),
    ("جويلية", 7),
    ("يوليوز", 7),
    ("أوت", 8),
    ("غشت", 8),
    ("شتنبر", 9),
    ("نونبر", 11),
    ("دجنبر", 12),
    // Ukrainian: nominative, genitive (15 березня), locative (у березні), abbreviations
    ("січень", 1),
    ("січня", 1),
    ("січні", 1),
    ("січ", 1),
    ("лютий", 2),
    ("лютого", 2),
    ("лютому", 2),
    ("лют", 2),
    ("березень", 3),
    ("березня", 3),
    ("березні", 3),
    ("бер", 3),
    ("квітень", 4),
    ("квітня", 4),
    ("квітні", 4),
    ("квіт", 4),
    ("травень", 5),
    ("травня", 5),
    ("травні", 5),
    ("трав", 5),
    ("червень", 6),
    ("червня", 6),
    ("червні", 6),
    ("черв", 6),
    ("липень", 7),
    ("липня", 7),
    ("липні", 7),
    ("лип", 7),
    ("серпень", 8),
    ("серпня", 8),
    ("серпні", 8),
    ("серп", 8),
    ("вересень", 9),
    ("вересня", 9),
    ("вересні", 9),
    ("вер", 9),
    ("жовтень", 10),
    ("жовтня", 10),
    ("жовтні", 10),
    ("жовт", 10),
    ("листопад", 11),
    ("листопада", 11),
    ("листопаді", 11),
    ("лист", 11),
    ("грудень", 12),
    ("грудня", 12),
    ("грудні", 12),
    ("груд", 12),
    // Russian: nominative, genitive (15 марта), prepositional (в марте), abbreviations
    ("январь", 1),
    ("января", 1),
    ("январе", 1),
    ("янв", 1),
    ("февраль", 2),
    ("февраля", 2),
    ("феврале", 2),
    ("фев", 2),
    ("февр", 2),
    ("март", 3),
    ("марта", 3),
    ("марте", 3),
    ("мар", 3),
    ("апрель", 4),
    ("апреля", 4),
    ("апреле", 4),
    ("апр", 4),
    ("май", 5),
    ("мая", 5),
    ("мае", 5),
    ("июнь", 6),
    ("июня", 6),
    ("июне", 6),
    ("июн", 6),
    ("июль", 7),
    ("июля", 7),
    ("июле", 7),
    ("июл", 7),
    ("август", 8),
    ("августа", 8),
    ("августе", 8),
    ("авг", 8),
    ("сентябрь", 9),
    ("сентября", 9),
    ("сентябре", 9),
    ("сен", 9),
    ("сент", 9),
    ("октябрь", 10),
    ("октября", 10),
    ("октябре", 10),
    ("окт", 10),
    ("ноябрь", 11),
    ("ноября", 11),
    ("ноябре", 11),
    ("ноя", 11),
    ("нояб", 11),
    ("декабрь", 12),
    ("декабря", 12),
    ("декабре", 12),
    ("дек", 12),
];

static MONTH_INDEX: LazyLock<HashMap<String, u8>> =
    LazyLock::new(|| MONTHS.iter().map(|(name, m)| (normalize_value(name), *m)).collect());

fn month_of(words: &str) -> Option<u8> {
    MONTH_INDEX.get(words).copied()
}

/// One date (not a range), from tokens with approximation marks and fillers removed.
fn parse_single(toks: &[Tok], order: DateOrder, shown: &str) -> Result<Ymd, DateError> {
    let unrecognised = || DateError::Unrecognised(shown.to_string());
    if toks.is_empty() {
        return Err(unrecognised());
    }
    let words: Vec<&Tok> = toks.iter().filter(|t| matches!(t, Tok::Word { .. })).collect();
    let nums: Vec<(usize, &str)> = toks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            Tok::Num { digits, .. } => Some((i, digits.as_str())),
            _ => None,
        })
        .collect();
    if nums.iter().any(|(_, d)| d.len() > 4) {
        return Err(unrecognised());
    }
    let num = |d: &str| d.parse::<u32>().map_err(|_| unrecognised());

    if !words.is_empty() {
        let norm: Vec<&str> = words
            .iter()
            .filter_map(|t| match t {
                Tok::Word { norm, .. } => Some(norm.as_str()),
                _ => None,
            })
            .collect();
        let Some(month) = month_of(&norm.join(" ")) else {
            let raw: Vec<&str> = words
                .iter()
                .filter_map(|t| match t {
                    Tok::Word { raw, .. } => Some(raw.as_str()),
                    _ => None,
                })
                .collect();
            return Err(DateError::UnknownWord(raw.join(" ")));
        };
        let first_word = toks.iter().position(|t| matches!(t, Tok::Word { .. })).unwrap_or(0);
        return match nums[..] {
            [(_, y)] if y.len() == 4 => build(num(y)?, Some(u32::from(month)), None),
            [(i, d)] if d.len() <= 2 && i < first_word => Err(DateError::NoYear(shown.to_string())),
            [(_, y)] if y.len() == 2 => Err(DateError::TwoDigitYear(y.to_string())),
            [(_, d), (_, y)] | [(_, y), (_, d)] if y.len() == 4 && d.len() <= 2 => {
                build(num(y)?, Some(u32::from(month)), Some(num(d)?))
            }
            [(_, d), (_, y)] if d.len() <= 2 && y.len() == 2 => Err(DateError::TwoDigitYear(y.to_string())),
            _ => Err(unrecognised()),
        };
    }

    // All numbers: separated by one of - / . \ or by spaces.
    for pair in toks.windows(2) {
        match pair {
            [Tok::Num { .. }, Tok::Num { space_before: true, .. }] => {}
            [Tok::Num { .. }, Tok::Sep { c: '-' | '/' | '.' | '\\', .. }]
            | [Tok::Sep { c: '-' | '/' | '.' | '\\', .. }, Tok::Num { .. }] => {}
            _ => return Err(unrecognised()),
        }
    }
    let lens: Vec<usize> = nums.iter().map(|(_, d)| d.len()).collect();
    let n: Vec<&str> = nums.iter().map(|(_, d)| *d).collect();
    match (&lens[..], &n[..]) {
        ([4], [y]) => build(num(y)?, None, None),
        ([2], [y]) => Err(DateError::TwoDigitYear(y.to_string())),
        ([4, 1 | 2], [y, m]) => build(num(y)?, Some(num(m)?), None),
        ([1 | 2, 4], [m, y]) => build(num(y)?, Some(num(m)?), None),
        ([1 | 2, 2], [_, y]) => Err(DateError::TwoDigitYear(y.to_string())),
        ([4, 1 | 2, 1 | 2], [y, m, d]) => build(num(y)?, Some(num(m)?), Some(num(d)?)),
        ([1 | 2, 1 | 2, 4], [a, b, y]) => match order {
            DateOrder::Dmy => build(num(y)?, Some(num(b)?), Some(num(a)?)),
            DateOrder::Mdy => build(num(y)?, Some(num(a)?), Some(num(b)?)),
        },
        ([1 | 2, 1 | 2, 2], [_, _, y]) => Err(DateError::TwoDigitYear(y.to_string())),
        _ => Err(unrecognised()),
    }
}

/// Validates a year, month and day: the year first, then the month, then the day. A day or month
/// of zero is how many lists write "not known" (`00/00/1985`, `00/03/1985`): it makes the date
/// coarser, it is not an error. A zero month with a day (`15/00/1985`) is an error.
fn build(year: u32, month: Option<u32>, day: Option<u32>) -> Result<Ymd, DateError> {
    let day = day.filter(|d| *d != 0);
    let month = month.filter(|m| *m != 0 || day.is_some());
    let y = i32::try_from(year)
        .ok()
        .filter(|y| (1..=MAX_YEAR).contains(y))
        .ok_or(DateError::YearOutOfRange { year, earliest: 1 })?;
    let Some(month) = month else {
        return Ok((y, None, None));
    };
    let m = u8::try_from(month).ok().filter(|m| (1..=12).contains(m)).ok_or(DateError::MonthOutOfRange(month))?;
    let Some(day) = day else {
        return Ok((y, Some(m), None));
    };
    let d = u8::try_from(day)
        .ok()
        .filter(|d| *d >= 1 && *d <= days_in_month(y, m))
        .ok_or(DateError::DayOutOfRange { day, month: m, year: y })?;
    Ok((y, Some(m), Some(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(raw: &str) -> String {
        match parse_date(raw, DateOrder::Dmy) {
            Ok(d) => d.to_iso(),
            Err(e) => format!("error: {e}"),
        }
    }

    fn err(raw: &str) -> DateError {
        match parse_date(raw, DateOrder::Dmy) {
            Ok(d) => panic!("{raw:?} parsed as {d:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn year_year_month_and_full_dates_in_every_separator() {
        assert_eq!(iso("1985"), "1985");
        assert_eq!(iso("1985-03"), "1985-03");
        assert_eq!(iso("1985/03"), "1985-03");
        assert_eq!(iso("03/1985"), "1985-03");
        assert_eq!(iso("3/1985"), "1985-03");
        assert_eq!(iso("03.1985"), "1985-03");
        assert_eq!(iso("15/03/1985"), "1985-03-15");
        assert_eq!(iso("15.03.1985"), "1985-03-15");
        assert_eq!(iso("15-03-1985"), "1985-03-15");
        assert_eq!(iso("5/3/1985"), "1985-03-05");
        assert_eq!(iso("1985-03-15"), "1985-03-15");
        assert_eq!(iso("1985/03/15"), "1985-03-15");
        assert_eq!(iso("1985-3-5"), "1985-03-05");
    }

    #[test]
    fn fields_are_set_and_not_invented() {
        let d = parse_date("03/1985", DateOrder::Dmy);
        assert_eq!(d, Ok(PartialDate { year: 1985, month: Some(3), day: None, until: None, approximate: false }));
        let d = parse_date("1985", DateOrder::Dmy);
        assert_eq!(d, Ok(PartialDate { year: 1985, month: None, day: None, until: None, approximate: false }));
    }

    #[test]
    fn arabic_indic_and_persian_digits() {
        assert_eq!(iso("١٥/٠٣/١٩٨٥"), "1985-03-15");
        assert_eq!(iso("۱۵/۰۳/۱۹۸۵"), "1985-03-15");
        assert_eq!(iso("١٩٨٥"), "1985");
        assert_eq!(iso("٠٣/١٩٨٥"), "1985-03");
        assert_eq!(iso("١٩٨٥-٠٣-١٥"), "1985-03-15");
    }

    #[test]
    fn spaces_and_rtl_marks_are_ignored() {
        assert_eq!(iso("  15/03/1985  "), "1985-03-15");
        assert_eq!(iso("\u{200F}15/03/1985\u{200E}"), "1985-03-15");
        assert_eq!(iso("\u{061C}١٥\u{061C}/٠٣/١٩٨٥"), "1985-03-15");
        assert_eq!(iso("\u{FEFF}1985"), "1985");
    }

    #[test]
    fn month_first_order_reads_the_first_number_as_month() {
        let d = parse_date("03/15/1985", DateOrder::Mdy).map(|d| d.to_iso());
        assert_eq!(d, Ok("1985-03-15".to_string()));
        assert_eq!(parse_date("03/04/1985", DateOrder::Mdy).map(|d| d.to_iso()), Ok("1985-03-04".to_string()));
        assert_eq!(parse_date("03/04/1985", DateOrder::Dmy).map(|d| d.to_iso()), Ok("1985-04-03".to_string()));
        // Year-first dates do not depend on the order.
        assert_eq!(parse_date("1985-03-04", DateOrder::Mdy).map(|d| d.to_iso()), Ok("1985-03-04".to_string()));
        assert_eq!(DateOrder::default(), DateOrder::Dmy);
    }

    #[test]
    fn month_first_date_read_day_first_is_refused_not_swapped() {
        assert_eq!(err("03/15/1985"), DateError::MonthOutOfRange(15));
        assert_eq!(err("03/15/1985").to_string(), "month 15 is not a month");
    }

    #[test]
    fn two_digit_years_are_refused() {
        assert_eq!(err("15/03/85"), DateError::TwoDigitYear("85".into()));
        assert_eq!(err("03/85"), DateError::TwoDigitYear("85".into()));
        assert_eq!(err("85"), DateError::TwoDigitYear("85".into()));
        assert_eq!(err("March 85"), DateError::TwoDigitYear("85".into()));
        assert!(err("15.03.85").to_string().contains("two-digit year '85' is ambiguous"));
    }

    #[test]
    fn years_outside_1850_to_2100_are_refused() {
        assert_eq!(err("3000"), DateError::YearOutOfRange { year: 3000, earliest: MIN_YEAR });
        assert_eq!(err("3000").to_string(), "year 3000 is outside 1850–2100");
        assert_eq!(err("15/03/1849"), DateError::YearOutOfRange { year: 1849, earliest: MIN_YEAR });
        assert_eq!(iso("1850"), "1850");
        assert_eq!(iso("2100"), "2100");
        assert_eq!(err("2101"), DateError::YearOutOfRange { year: 2101, earliest: MIN_YEAR });
    }

    #[test]
    fn a_historical_list_sets_an_earlier_earliest_year() {
        let rules = DateRules { order: DateOrder::Dmy, earliest_year: 1000 };
        assert_eq!(parse_date_with("15/03/1630", rules).map(|d| d.to_iso()), Ok("1630-03-15".to_string()));
        let e = parse_date_with("0999", rules).expect_err("before the earliest year");
        assert_eq!(e.to_string(), "year 999 is outside 1000–2100");
        let e = parse_date_with("3000", rules).expect_err("after the latest year");
        assert_eq!(e.to_string(), "year 3000 is outside 1000–2100");
    }

    #[test]
    fn months_and_days_are_validated_with_leap_years() {
        assert_eq!(err("1985-13"), DateError::MonthOutOfRange(13));
        assert_eq!(err("13/1985").to_string(), "month 13 is not a month");
        assert_eq!(err("15/00/1985"), DateError::MonthOutOfRange(0));
        assert_eq!(err("31/04/1985").to_string(), "day 31 is not in April (it has 30 days)");
        assert_eq!(err("29/02/1985").to_string(), "day 29 is not in February 1985 (1985 is not a leap year)");
        assert_eq!(iso("29/02/1984"), "1984-02-29");
        assert_eq!(iso("29/02/2000"), "2000-02-29");
        assert!(matches!(err("29/02/1900"), DateError::DayOutOfRange { day: 29, month: 2, year: 1900 }));
        assert_eq!(iso("31/12/1985"), "1985-12-31");
    }

    #[test]
    fn zero_day_or_month_means_not_known() {
        assert_eq!(iso("00/03/1985"), "1985-03");
        assert_eq!(iso("00/00/1985"), "1985");
        assert_eq!(iso("00/1985"), "1985");
        assert_eq!(iso("1985-00-00"), "1985");
    }

    #[test]
    fn spreadsheet_time_of_day_is_dropped() {
        assert_eq!(iso("1985-03-15 00:00:00"), "1985-03-15");
        assert_eq!(iso("1985-03-15T00:00:00+02:00"), "1985-03-15");
        assert_eq!(iso("15/03/1985 12:30"), "1985-03-15");
        assert!(matches!(err("12:30"), DateError::Unrecognised(_)));
    }

    #[test]
    fn question_marks_inside_a_date_are_not_guessed() {
        assert!(matches!(err("??/??/1985"), DateError::Unrecognised(_)));
        assert_eq!(iso("1985 ?"), "~1985");
        assert_eq!(
            iso("'85"),
            "error: two-digit year '85' is ambiguous (1900s or 2000s?); write the year with four digits"
        );
    }

    #[test]
    fn empty_and_garbage_are_errors_that_say_so() {
        assert_eq!(err(""), DateError::Empty);
        assert_eq!(err("   \u{200F} "), DateError::Empty);
        assert_eq!(err("").to_string(), "empty date");
        assert!(matches!(err("19850315"), DateError::Unrecognised(_)));
        assert!(matches!(err("1985,03"), DateError::Unrecognised(_)));
        assert!(matches!(err("~"), DateError::Unrecognised(_)));
        assert_eq!(err("15 Marchember 1985"), DateError::UnknownWord("Marchember".into()));
        assert_eq!(err("unknown"), DateError::UnknownWord("unknown".into()));
        assert_eq!(err("15 March"), DateError::NoYear("15 March".into()));
    }

    #[test]
    fn ranges_of_years_and_of_dates() {
        assert_eq!(iso("1985-1987"), "1985/1987");
        assert_eq!(iso("1985/1987"), "1985/1987");
        assert_eq!(iso("1985 - 1987"), "1985/1987");
        assert_eq!(iso("1985–1987"), "1985/1987");
        assert_eq!(iso("03/1985 - 05/1986"), "1985-03/1986-05");
        assert_eq!(iso("between 1985 and 1987"), "1985/1987");
        assert_eq!(iso("بين 1985 و1987"), "1985/1987");
        assert_eq!(iso("بين عامي ١٩٨٥ و ١٩٨٧"), "1985/1987");
        assert_eq!(iso("entre 1985 et 1987"), "1985/1987");
        assert_eq!(iso("من 1985 إلى 1987"), "1985/1987");
        assert_eq!(iso("1985 حتى 1987"), "1985/1987");
        assert_eq!(iso("між 1985 та 1987 рр."), "1985/1987");
        assert_eq!(iso("между 1985 и 1987 гг."), "1985/1987");
        assert_eq!(iso("from March 1985 to May 1986"), "1985-03/1986-05");
        let d = parse_date("1985-1987", DateOrder::Dmy);
        assert_eq!(d.map(|d| d.until), Ok(Some((1987, None, None))));
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        assert_eq!(err("1987-1985"), DateError::RangeBackwards { start: "1987".into(), end: "1985".into() });
        assert_eq!(err("1987-1985").to_string(), "the range ends (1985) before it starts (1987)");
        // A year contains its months: 1985 to March 1985 is not backwards.
        assert_eq!(iso("1985 - 03/1985"), "1985/1985-03");
    }

    #[test]
    fn year_slash_month_is_not_a_range() {
        assert_eq!(parse_date("1985/03", DateOrder::Dmy).map(|d| d.until), Ok(None));
        assert_eq!(parse_date("1985-12", DateOrder::Dmy).map(|d| d.until), Ok(None));
    }

    #[test]
    fn approximate_dates_in_five_languages() {
        for raw in [
            "~1985",
            "~ 1985",
            "ca. 1985",
            "c. 1985",
            "circa 1985",
            "about 1985",
            "vers 1985",
            "حوالي 1985",
            "حوالى ١٩٨٥",
            "تقريباً 1985",
            "1985 تقريبا",
            "близько 1985",
            "приблизно 1985 р.",
            "около 1985 г.",
            "1985?",
        ] {
            assert_eq!(iso(raw), "~1985", "{raw}");
        }
        assert_eq!(iso("~1985-1987"), "~1985/1987");
        assert_eq!(iso("about March 1985"), "~1985-03");
    }

    #[test]
    fn year_marks_are_ignored() {
        assert_eq!(iso("1985 р."), "1985");
        assert_eq!(iso("1985 г."), "1985");
        assert_eq!(iso("1985 г"), "1985");
        assert_eq!(iso("1985г."), "1985");
        assert_eq!(iso("1985 року"), "1985");
        assert_eq!(iso("1985م"), "1985");
        assert_eq!(iso("عام 1985"), "1985");
        assert_eq!(iso("15.03.1985 р."), "1985-03-15");
    }

    #[test]
    fn english_and_french_month_names() {
        assert_eq!(iso("15 March 1985"), "1985-03-15");
        assert_eq!(iso("March 15, 1985"), "1985-03-15");
        assert_eq!(iso("15th March 1985"), "1985-03-15");
        assert_eq!(iso("15-Mar-1985"), "1985-03-15");
        assert_eq!(iso("Sept. 1985"), "1985-09");
        assert_eq!(iso("in December 1985"), "1985-12");
        assert_eq!(iso("15 mars 1985"), "1985-03-15");
        assert_eq!(iso("1er août 1985"), "1985-08-01");
        assert_eq!(iso("le 3 Février 1985"), "1985-02-03");
        assert_eq!(iso("3 fevrier 1985"), "1985-02-03");
        assert_eq!(iso("déc. 1985"), "1985-12");
    }

    #[test]
    fn arabic_month_names_levantine_and_standard() {
        assert_eq!(iso("15 آذار 1985"), "1985-03-15");
        assert_eq!(iso("15 اذار 1985"), "1985-03-15");
        assert_eq!(iso("١ كانون الثاني ١٩٨٥"), "1985-01-01");
        assert_eq!(iso("كانون الأول 1985"), "1985-12");
        assert_eq!(iso("3 تشرين الأول 2012"), "2012-10-03");
        assert_eq!(iso("3 تشرين الثاني 2012"), "2012-11-03");
        assert_eq!(iso("20 آب 2013"), "2013-08-20");
        assert_eq!(iso("أيلول 2013"), "2013-09");
        assert_eq!(iso("15 مارس 1985"), "1985-03-15");
        assert_eq!(iso("15 أغسطس 1985"), "1985-08-15");
        assert_eq!(iso("15 جويلية 1985"), "1985-07-15");
        assert_eq!(iso("15 شباط 1985م"), "1985-02-15");
    }

    #[test]
    fn ukrainian_and_russian_month_names_with_cases() {
        assert_eq!(iso("15 березня 1985"), "1985-03-15");
        assert_eq!(iso("15 березня 1985 р."), "1985-03-15");
        assert_eq!(iso("березень 1985"), "1985-03");
        assert_eq!(iso("у березні 1985 року"), "1985-03");
        assert_eq!(iso("1 листопада 2022"), "2022-11-01");
        assert_eq!(iso("15 марта 1985"), "1985-03-15");
        assert_eq!(iso("15 марта 1985 г."), "1985-03-15");
        assert_eq!(iso("в марте 1985"), "1985-03");
        assert_eq!(iso("Май 1985"), "1985-05");
        assert_eq!(iso("9 мая 1985"), "1985-05-09");
        assert_eq!(iso("1 сентября 2022"), "2022-09-01");
    }

    #[test]
    fn month_names_are_unique_after_normalisation() {
        let mut seen: HashMap<String, (u8, &str)> = HashMap::new();
        for (name, m) in MONTHS {
            let key = normalize_value(name);
            if let Some((other, first)) = seen.insert(key.clone(), (*m, name)) {
                assert_eq!(other, *m, "'{name}' and '{first}' normalise to '{key}' with different months");
            }
        }
    }

    #[test]
    fn approximation_words_are_normalised_forms() {
        for w in APPROXIMATE.iter().chain(FILLERS).chain(RANGE_OPEN).chain(RANGE_MIDDLE).chain(RANGE_MIDDLE_ALONE) {
            assert_eq!(normalize_value(w), *w, "list the normalised form of '{w}'");
            assert_eq!(month_of(w), None, "'{w}' is a month name");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_input_parses_or_errs_without_panicking(raw in "\\PC{0,40}") {
            let _ = parse_date(&raw, DateOrder::Dmy);
            let _ = parse_date(&raw, DateOrder::Mdy);
        }

        #[test]
        fn every_valid_day_round_trips_through_iso(y in MIN_YEAR..=MAX_YEAR, m in 1u8..=12, d in 1u8..=31) {
            let raw = format!("{d}/{m}/{y}");
            match parse_date(&raw, DateOrder::Dmy) {
                Ok(date) => {
                    proptest::prop_assert!(d <= days_in_month(y, m));
                    proptest::prop_assert_eq!(date.to_iso(), format!("{y:04}-{m:02}-{d:02}"));
                }
                Err(e) => {
                    proptest::prop_assert!(d > days_in_month(y, m));
                    let is_day_error = matches!(e, DateError::DayOutOfRange { .. });
                    proptest::prop_assert!(is_day_error, "{}", e);
                }
            }
        }
    }

    #[test]
    fn iso_output_pads_and_serialises() {
        let d = PartialDate { year: 1985, month: Some(3), day: Some(5), until: None, approximate: true };
        assert_eq!(d.to_iso(), "~1985-03-05");
        assert_eq!(d.to_string(), "~1985-03-05");
        let r = PartialDate {
            year: 1985,
            month: Some(3),
            day: None,
            until: Some((1986, Some(5), Some(1))),
            approximate: false,
        };
        assert_eq!(r.to_iso(), "1985-03/1986-05-01");
        let json = serde_json::to_value(&r).ok();
        assert_eq!(json.as_ref().and_then(|j| j.get("until")).map(|u| u.to_string()), Some("[1986,5,1]".to_string()));
    }
}
