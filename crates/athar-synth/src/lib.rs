//! # athar-synth
//!
//! Realistic multi-source lists with their truth, for tests, `athar eval` and `athar demo`:
//! Syrian persons (Arabic name structure, mother's name) in a prison register written in Arabic
//! script, an English-style NGO list, a French-style list and family inquiries; Ukrainian
//! persons in a Cyrillic register and a romanised list. Names are drawn with real frequencies
//! (`data/synth/`, weights from names-dataset) and spelled by the generator's own rules
//! (`spell`), never by the engine's tables. Typos, missing fields, swapped name order,
//! duplicates within a list, namesakes and siblings are part of it. Pure: it returns tables;
//! the caller writes them.
//!
//! ## The disappearance
//!
//! Each person has an arrest (Syria, 2011–2020, most in 2011–2014) or a disappearance (occupied
//! Ukraine, 2022–2024): a day, a town (the home town half the time), the site that first held
//! them (a security branch; an occupation or filtration site) and, for some, a later site they
//! were transferred to with the day of entry (a prison; a pre-trial centre in Russia). Sites
//! and their spellings per kind of list are the generator's own (`data/synth/facilities.tsv`).
//! What each list records follows the domain brief (`DOMAIN.md`, "Fields recorded in
//! practice": a register writes the date a person entered and the site holding them; families
//! remember the day of the arrest, the town, the branch they were told of; NGO lists record the
//! date and place of arrest and the detaining authority). The brief gives no rates: those below
//! are this generator's assumptions, stated so that figures can be read against them.
//!
//! | | share |
//! |---|---|
//! | Syrian persons transferred from their branch to a prison | 40 % |
//! | Ukrainian persons transferred to a site in Russia | 30 % |
//! | Brothers and sisters arrested in the same raid (day, town, branch) | 30 % |
//! | Prison register (Arabic): the site holding the person / the day of entry there | 90 % / 80 % |
//! | English NGO list: day of arrest (a third of them month only) / town / first branch | 60 % / 50 % / 40 % |
//! | French list: day of arrest / town / a site (first or later) | 40 % / 30 % / 30 % |
//! | Ukrainian register: day of disappearance / town / site | 80 % / 60 % / 30 % |
//! | Romanised Ukrainian list: day of disappearance / last known site (Latin or Russian) | 50 % / 40 % |
//! | Family inquiries: day of arrest (one in ten a few days off) / town / branch told of | 60 % / 60 % / 30 % |
//!
//! These values are drawn from a generator of their own (seeded from the same seed), so every
//! other value of the lists is what it was before they were added.
//!
//! ## The family's civil registry and the eldest son
//!
//! A Syrian family is entered in a civil registry (*qaid*: a place and a number, `DOMAIN.md`,
//! "Fields recorded in practice"); brothers and sisters share their family's. Men may be known
//! by a kunya, Abu and their eldest son's name (`DOMAIN.md`, 2.1). Rates, again this generator's
//! assumptions, from a generator of their own (so every other value stays as it was):
//!
//! | | share |
//! |---|---|
//! | Registry place: the family's home town / another town | 80 % / 20 % |
//! | Syrian men born before 1990 with an eldest son (his name drawn as a given name) | 50 % |
//! | Prison register (Arabic): place and number of the registry, in one column | 50 % |
//! | English NGO list: an alias, the kunya (of those with a son) | 20 % |
//! | Family inquiries: the registry number / the son's name (of those with a son) | 30 % / 40 % |
//!
//! ## Names in the other order
//!
//! Lists and families write names in both orders (issue 17 saw "Abdu Ali Muhammad", family name
//! first, and records whose given and family names were swapped). From a generator of their own:
//! Syrian family inquiries write the family name first, with no comma, 10 % of the time; the
//! French list puts the given and family names in each other's column 3 % of the time.

pub mod spell;

use spell::{romanise, Style};

/// A small deterministic generator (xorshift64*): the same seed gives the same lists.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// Names with weights, from a data file.
#[derive(Debug, Clone)]
struct Pool {
    items: Vec<(String, String)>,
    cumulative: Vec<u64>,
}

impl Pool {
    fn pick(&self, rng: &mut Rng) -> &(String, String) {
        let total = self.cumulative.last().copied().unwrap_or(1).max(1);
        let x = rng.below(total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.items[i.min(self.items.len() - 1)]
    }
}

const SYRIAN: &str = include_str!("../../../data/synth/syrian_names.tsv");
const UKRAINIAN: &str = include_str!("../../../data/synth/ukrainian_names.tsv");

fn pools(text: &str) -> [Pool; 3] {
    let mut out: [Pool; 3] = std::array::from_fn(|_| Pool { items: Vec::new(), cumulative: Vec::new() });
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 4 {
            continue;
        }
        let k = match cols[0] {
            "given_m" => 0,
            "given_f" => 1,
            "family" => 2,
            _ => continue,
        };
        let w: u64 = cols[3].trim().parse().unwrap_or(1).max(1);
        let pool = &mut out[k];
        let prev = pool.cumulative.last().copied().unwrap_or(0);
        pool.items.push((cols[1].trim().to_string(), cols[2].trim().to_string()));
        pool.cumulative.push(prev + w);
    }
    out
}

/// Places: Arabic script, scholarly; Ukrainian, Russian.
const SY_PLACES: &[(&str, &str)] = &[
    ("دمشق", "dimashq"),
    ("حلب", "ḥalab"),
    ("حمص", "ḥimṣ"),
    ("حماة", "ḥamā"),
    ("درعا", "darʿā"),
    ("إدلب", "idlib"),
    ("دير الزور", "dayr al-zūr"),
    ("اللاذقية", "al-lādhiqiyya"),
    ("دوما", "dūmā"),
    ("داريا", "dārayyā"),
];
const UA_PLACES: &[(&str, &str)] = &[
    ("Маріуполь", "Мариуполь"),
    ("Херсон", "Херсон"),
    ("Мелітополь", "Мелитополь"),
    ("Донецьк", "Донецк"),
    ("Бердянськ", "Бердянск"),
    ("Сімферополь", "Симферополь"),
    ("Ізюм", "Изюм"),
];

const FACILITIES: &str = include_str!("../../../data/synth/facilities.tsv");

/// How a kind of list writes a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SiteStyle {
    Arabic,
    English,
    French,
    Ukrainian,
    Russian,
    Latin,
}

/// A site of the generator's table: its id, country, whether it holds persons first (a branch)
/// or later (a prison), and its spellings per style.
#[derive(Debug, Clone)]
struct Site {
    id: String,
    syrian: bool,
    first: bool,
    forms: Vec<(SiteStyle, Vec<String>)>,
}

impl Site {
    fn written(&self, style: SiteStyle, rng: &mut Rng) -> String {
        let forms = self.forms.iter().find(|(s, _)| *s == style).map(|(_, f)| f.as_slice()).unwrap_or_default();
        match forms.len() {
            0 => self.id.clone(),
            n => forms[rng.below(n as u64) as usize].clone(),
        }
    }
}

fn sites(text: &str) -> Vec<Site> {
    let mut out: Vec<Site> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [id, country, role, style, forms] = cols[..] else { continue };
        let style = match style {
            "arabic" => SiteStyle::Arabic,
            "english" => SiteStyle::English,
            "french" => SiteStyle::French,
            "ukrainian" => SiteStyle::Ukrainian,
            "russian" => SiteStyle::Russian,
            "latin" => SiteStyle::Latin,
            _ => continue,
        };
        let forms: Vec<String> = forms.split('|').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        match out.iter_mut().find(|s| s.id == id) {
            Some(site) => site.forms.push((style, forms)),
            None => out.push(Site {
                id: id.to_string(),
                syrian: country == "SY",
                first: role == "first",
                forms: vec![(style, forms)],
            }),
        }
    }
    out
}

/// A day of the calendar (day at most 28: every month has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Day {
    year: i32,
    month: u8,
    day: u8,
}

impl Day {
    /// `months` later, another day of that month.
    fn later(self, months: u32, rng: &mut Rng) -> Day {
        let m = self.month as u32 - 1 + months;
        Day { year: self.year + (m / 12) as i32, month: (m % 12) as u8 + 1, day: 1 + rng.below(28) as u8 }
    }

    /// A few days later (at most 27: within the month or the next).
    fn days_later(self, days: u8) -> Day {
        let d = self.day + days;
        if d <= 28 {
            Day { day: d, ..self }
        } else {
            let m = self.month % 12 + 1;
            Day { year: self.year + i32::from(self.month == 12), month: m, day: d - 28 }
        }
    }

    fn dmy(self, sep: char) -> String {
        format!("{:02}{sep}{:02}{sep}{}", self.day, self.month, self.year)
    }

    fn iso(self) -> String {
        format!("{}-{:02}-{:02}", self.year, self.month, self.day)
    }

    fn iso_month(self) -> String {
        format!("{}-{:02}", self.year, self.month)
    }
}

/// What happened to a person: the arrest (or disappearance), the site that first held them and
/// the one they were transferred to, with the day of entry there.
#[derive(Debug, Clone)]
struct Disappearance {
    arrest: Day,
    /// The town: an index into the person's country's places.
    town: usize,
    first: usize,
    later: Option<(usize, Day)>,
}

#[derive(Debug, Clone)]
struct Person {
    id: String,
    syrian: bool,
    male: bool,
    /// (script form, scholarly or Russian form)
    given: (String, String),
    father: (String, String),
    grandfather: (String, String),
    family: (String, String),
    mother: (String, String),
    mother_family: (String, String),
    year: i32,
    month: u8,
    day: u8,
    place: (String, String),
}

/// A generated list: its name, kind, header and rows (every row starts with its id).
#[derive(Debug, Clone)]
pub struct SynthList {
    pub name: String,
    pub kind: &'static str,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Everything `athar synth` writes.
#[derive(Debug, Clone, Default)]
pub struct SynthOutput {
    pub lists: Vec<SynthList>,
    /// source, source_record_id, person_id.
    pub truth: Vec<(String, String, String)>,
    /// query_id, name, father, mother, born, place, person_id.
    pub queries: Vec<[String; 7]>,
    /// person_a, person_b, kind (`namesake`, `sibling`).
    pub traps: Vec<(String, String, &'static str)>,
}

/// Typos of hand-typed lists: a letter dropped, doubled or two swapped.
fn typo(s: &str, rng: &mut Rng, p: f64) -> String {
    if !rng.chance(p) {
        return s.to_string();
    }
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 4 {
        return s.to_string();
    }
    let i = 1 + rng.below(c.len() as u64 - 2) as usize;
    match rng.below(3) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, c[i]),
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}

/// Arabic writing variants a clerk makes: hamza seats and ta marbuta.
fn arabic_variant(s: &str, rng: &mut Rng) -> String {
    if !rng.chance(0.3) {
        return s.to_string();
    }
    s.chars()
        .map(|c| match c {
            'أ' | 'إ' | 'آ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            other => other,
        })
        .collect()
}

/// Ukrainian patronymic and its Russian form from a father's name (Ukrainian, Russian).
fn patronymic(father: &(String, String), male: bool) -> (String, String) {
    let ua = &father.0;
    let ru = &father.1;
    let ua_p = if let Some(stem) = ua.strip_suffix('й') {
        // Сергій → Сергійович, Сергіївна
        format!("{stem}{}", if male { "йович" } else { "ївна" })
    } else if let Some(stem) = ua.strip_suffix("ла") {
        // Микола → Миколайович, Миколаївна
        format!("{stem}ла{}", if male { "йович" } else { "ївна" })
    } else {
        let stem = ua.trim_end_matches(['о', 'а', 'ь']);
        format!("{stem}{}", if male { "ович" } else { "івна" })
    };
    let ru_p = if let Some(stem) = ru.strip_suffix("ий") {
        format!("{stem}{}", if male { "ьевич" } else { "ьевна" })
    } else if let Some(stem) = ru.strip_suffix('й') {
        format!("{stem}{}", if male { "евич" } else { "евна" })
    } else {
        let stem = ru.trim_end_matches(['а', 'ь']);
        format!("{stem}{}", if male { "ович" } else { "овна" })
    };
    (ua_p, ru_p)
}

/// The feminine form of a Slavic surname (Зеленський → Зеленська, Іванов → Іванова).
fn feminine(s: &str) -> String {
    for (m, f) in [("ський", "ська"), ("цький", "цька"), ("ский", "ская"), ("цкий", "цкая")]
    {
        if let Some(stem) = s.strip_suffix(m) {
            return format!("{stem}{f}");
        }
    }
    for m in ["ов", "ев", "ін", "ин"] {
        if s.ends_with(m) {
            return format!("{s}а");
        }
    }
    s.to_string()
}

fn date_dmy(p: &Person, sep: char) -> String {
    format!("{:02}{sep}{:02}{sep}{}", p.day, p.month, p.year)
}

/// The seed of the disappearances' own generator, mixed with the lists' seed.
const DISAPPEARANCE_SEED: u64 = 0xD15A_99EA_2A9C_E5ED;

/// Each person's disappearance (see the module documentation), by person id.
fn disappearances(
    people: &[Person],
    traps: &[(String, String, &'static str)],
    table: &[Site],
    seed: u64,
) -> std::collections::HashMap<String, Disappearance> {
    let mut rng = Rng::new(seed ^ DISAPPEARANCE_SEED ^ 0x5EED);
    let pick = |rng: &mut Rng, syrian: bool, first: bool| {
        let ids: Vec<usize> =
            (0..table.len()).filter(|&i| table[i].syrian == syrian && table[i].first == first).collect();
        ids[rng.below(ids.len() as u64) as usize]
    };
    let mut out = std::collections::HashMap::with_capacity(people.len());
    for p in people {
        let places: Vec<&str> =
            if p.syrian { SY_PLACES.iter().map(|x| x.0).collect() } else { UA_PLACES.iter().map(|x| x.0).collect() };
        let home = places.iter().position(|x| *x == p.place.0).unwrap_or(0);
        let town = if rng.chance(0.5) { home } else { rng.below(places.len() as u64) as usize };
        let arrest = if p.syrian {
            let year = if rng.chance(0.6) { 2011 + rng.below(4) as i32 } else { 2015 + rng.below(6) as i32 };
            Day { year, month: 1 + rng.below(12) as u8, day: 1 + rng.below(28) as u8 }
        } else {
            let year = if rng.chance(0.6) {
                2022
            } else if rng.chance(0.75) {
                2023
            } else {
                2024
            };
            // From the invasion (24 February 2022) on.
            let month = if year == 2022 { 3 + rng.below(10) as u8 } else { 1 + rng.below(12) as u8 };
            Day { year, month, day: 1 + rng.below(28) as u8 }
        };
        let first = pick(&mut rng, p.syrian, true);
        let transferred = rng.chance(if p.syrian { 0.4 } else { 0.3 });
        let later =
            transferred.then(|| (pick(&mut rng, p.syrian, false), arrest.later(1 + rng.below(12) as u32, &mut rng)));
        out.insert(p.id.clone(), Disappearance { arrest, town, first, later });
    }
    // Brothers and sisters arrested in the same raid: the day, the town and the branch.
    for (a, b, kind) in traps {
        if *kind == "sibling" && rng.chance(0.3) {
            if let Some(shared) = out.get(a).cloned() {
                if let Some(d) = out.get_mut(b) {
                    (d.arrest, d.town, d.first) = (shared.arrest, shared.town, shared.first);
                    if let Some((_, entry)) = d.later.as_mut() {
                        if (entry.year, entry.month) <= (d.arrest.year, d.arrest.month) {
                            *entry = d.arrest.later(1, &mut rng);
                        }
                    }
                }
            }
        }
    }
    out
}

const FAMILY_SEED: u64 = 0xFA31_1750_A1D5_0B5E;
const ORDER_SEED: u64 = 0x0BDE_8F1B_57A3_2C9D;

/// A Syrian family's civil registry and a man's eldest son (see the module documentation).
#[derive(Debug, Clone, Default)]
struct Family {
    /// An index into the Syrian places, and the number there.
    registry: Option<(usize, u32)>,
    /// (script form, scholarly form) of the eldest son's given name.
    son: Option<(String, String)>,
}

fn families(
    people: &[Person],
    traps: &[(String, String, &'static str)],
    sons: &Pool,
    seed: u64,
) -> std::collections::HashMap<String, Family> {
    let mut rng = Rng::new(seed ^ FAMILY_SEED);
    let mut out = std::collections::HashMap::with_capacity(people.len());
    for p in people.iter().filter(|p| p.syrian) {
        let home = SY_PLACES.iter().position(|x| x.0 == p.place.0).unwrap_or(0);
        let town = if rng.chance(0.8) { home } else { rng.below(SY_PLACES.len() as u64) as usize };
        let number = 1 + rng.below(3000) as u32;
        let son = (p.male && p.year < 1990 && rng.chance(0.5)).then(|| sons.pick(&mut rng).clone());
        out.insert(p.id.clone(), Family { registry: Some((town, number)), son });
    }
    // Brothers and sisters are entered in their family's registry.
    for (a, b, kind) in traps {
        if *kind == "sibling" {
            if let Some(registry) = out.get(a).and_then(|f| f.registry) {
                if let Some(f) = out.get_mut(b) {
                    f.registry = Some(registry);
                }
            }
        }
    }
    out
}

/// Generates `persons` persons and their lists.
pub fn generate(persons: usize, seed: u64) -> SynthOutput {
    let mut rng = Rng::new(seed);
    let [sy_m, sy_f, sy_fam] = pools(SYRIAN);
    let [ua_m, ua_f, ua_fam] = pools(UKRAINIAN);
    let mut people: Vec<Person> = Vec::with_capacity(persons + persons / 5);
    let mut traps = Vec::new();
    while people.len() < persons {
        let syrian = rng.chance(0.8);
        let male = rng.chance(if syrian { 0.8 } else { 0.7 });
        let id = format!("T{}", people.len() + 1);
        let year = 1950 + rng.below(56) as i32;
        let (month, day) = (1 + rng.below(12) as u8, 1 + rng.below(28) as u8);
        let p = if syrian {
            Person {
                id,
                syrian,
                male,
                given: if male { sy_m.pick(&mut rng).clone() } else { sy_f.pick(&mut rng).clone() },
                father: sy_m.pick(&mut rng).clone(),
                grandfather: sy_m.pick(&mut rng).clone(),
                family: sy_fam.pick(&mut rng).clone(),
                mother: sy_f.pick(&mut rng).clone(),
                mother_family: sy_fam.pick(&mut rng).clone(),
                year,
                month,
                day,
                place: {
                    let (a, s) = SY_PLACES[rng.below(SY_PLACES.len() as u64) as usize];
                    (a.to_string(), s.to_string())
                },
            }
        } else {
            let fam = ua_fam.pick(&mut rng).clone();
            let family = if male { fam } else { (feminine(&fam.0), feminine(&fam.1)) };
            let father = ua_m.pick(&mut rng).clone();
            Person {
                id,
                syrian,
                male,
                given: if male { ua_m.pick(&mut rng).clone() } else { ua_f.pick(&mut rng).clone() },
                father: patronymic(&father, male),
                grandfather: (String::new(), String::new()),
                family,
                mother: ua_f.pick(&mut rng).clone(),
                mother_family: (String::new(), String::new()),
                year,
                month,
                day,
                place: {
                    let (u, r) = UA_PLACES[rng.below(UA_PLACES.len() as u64) as usize];
                    (u.to_string(), r.to_string())
                },
            }
        };
        let sibling = syrian && rng.chance(0.08);
        let namesake = syrian && !sibling && rng.chance(0.05);
        people.push(p.clone());
        if people.len() < persons && (sibling || namesake) {
            let mut q = p.clone();
            q.id = format!("T{}", people.len() + 1);
            q.year = p.year + 1 + rng.below(6) as i32;
            // Born another day too: brothers and namesakes seldom share a birthday.
            (q.month, q.day) = (1 + rng.below(12) as u8, 1 + rng.below(28) as u8);
            if sibling {
                // Same parents and family, another given name.
                loop {
                    q.given = if q.male { sy_m.pick(&mut rng).clone() } else { sy_f.pick(&mut rng).clone() };
                    if q.given != p.given {
                        break;
                    }
                }
                traps.push((p.id.clone(), q.id.clone(), "sibling"));
            } else {
                q.father = sy_m.pick(&mut rng).clone();
                q.mother = sy_f.pick(&mut rng).clone();
                q.mother_family = sy_fam.pick(&mut rng).clone();
                traps.push((p.id.clone(), q.id.clone(), "namesake"));
            }
            people.push(q);
        }
    }
    let table = sites(FACILITIES);
    let events = disappearances(&people, &traps, &table, seed);
    let mut drng = Rng::new(seed ^ DISAPPEARANCE_SEED);
    let kin = families(&people, &traps, &sy_m, seed);
    let mut frng = Rng::new(seed ^ FAMILY_SEED ^ 0x11);
    let mut orng = Rng::new(seed ^ ORDER_SEED);
    let family = |p: &Person| kin.get(&p.id).cloned().unwrap_or_default();
    let event = |p: &Person| events.get(&p.id).expect("every person has a disappearance");
    // The site a list that knows only one names: the one holding the person last.
    let latest = |d: &Disappearance| d.later.map_or(d.first, |(l, _)| l);
    let mut out = SynthOutput { traps, ..Default::default() };
    let add_list = |out: &mut SynthOutput,
                    name: &str,
                    kind: &'static str,
                    headers: &[&str],
                    rows: Vec<(String, Vec<String>)>,
                    rng: &mut Rng| {
        let mut list = SynthList {
            name: name.into(),
            kind,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        };
        let mut n = 0;
        for (person, cells) in rows {
            // A few rows appear twice in the same list.
            let copies = if rng.chance(0.02) { 2 } else { 1 };
            for _ in 0..copies {
                n += 1;
                let id = format!("{name}-{n}");
                let mut row = vec![id.clone()];
                row.extend(cells.iter().cloned());
                out.truth.push((name.to_string(), id, person.clone()));
                list.rows.push(row);
            }
        }
        out.lists.push(list);
    };
    let sy: Vec<&Person> = people.iter().filter(|p| p.syrian).collect();
    let ua: Vec<&Person> = people.iter().filter(|p| !p.syrian).collect();
    // A value left empty with probability p (made only when kept).
    fn blank(rng: &mut Rng, p: f64, make: impl FnOnce(&mut Rng) -> String) -> String {
        if rng.chance(p) {
            String::new()
        } else {
            make(rng)
        }
    }

    // 1. The prison register: Arabic script, split names, mother's name.
    let mut rows = Vec::new();
    for p in sy.iter() {
        if !rng.chance(0.6) {
            continue;
        }
        rows.push((
            p.id.clone(),
            vec![
                typo(&arabic_variant(&p.given.0, &mut rng), &mut rng, 0.03),
                arabic_variant(&p.father.0, &mut rng),
                blank(&mut rng, 0.5, |_rng| p.grandfather.0.clone()),
                typo(&arabic_variant(&p.family.0, &mut rng), &mut rng, 0.03),
                blank(&mut rng, 0.1, |rng| arabic_variant(&p.mother.0, rng)),
                blank(&mut rng, 0.5, |_rng| p.mother_family.0.clone()),
                blank(&mut rng, 0.1, |_rng| date_dmy(p, '/')),
                blank(&mut rng, 0.3, |_rng| p.place.0.clone()),
                if p.male { "ذكر".into() } else { "أنثى".into() },
                blank(&mut drng, 0.1, |r| table[latest(event(p))].written(SiteStyle::Arabic, r)),
                blank(&mut drng, 0.2, |r| {
                    let d = event(p);
                    d.later.map_or_else(|| d.arrest.days_later(r.below(8) as u8), |(_, entry)| entry).dmy('/')
                }),
                match family(p).registry {
                    Some((town, number)) if frng.chance(0.5) => format!("{} - {number}", SY_PLACES[town].0),
                    _ => String::new(),
                },
            ],
        ));
    }
    add_list(
        &mut out,
        "register_ar",
        "register",
        &[
            "source_record_id",
            "given_name",
            "father_name",
            "grandfather_name",
            "family_name",
            "mother_name",
            "mother_family_name",
            "birth_date",
            "birth_place",
            "sex",
            "مكان الاحتجاز",
            "تاريخ الاحتجاز",
            "محل ورقم القيد",
        ],
        rows,
        &mut rng,
    );
    // 2. An English-style NGO list: full names, sometimes family first.
    let mut rows = Vec::new();
    for p in sy.iter() {
        if !rng.chance(0.5) {
            continue;
        }
        let g = romanise(&p.given.1, Style::English, &mut rng);
        let f = romanise(&p.father.1, Style::English, &mut rng);
        let fam = romanise(&p.family.1, Style::English, &mut rng);
        let full = match (rng.chance(0.1), rng.chance(0.7)) {
            (true, _) => format!("{fam}, {g} {f}"),
            (false, true) => format!("{g} {f} {fam}"),
            (false, false) => format!("{g} {fam}"),
        };
        let born = if rng.chance(0.6) { p.year.to_string() } else { format!("{}-{:02}-{:02}", p.year, p.month, p.day) };
        rows.push((
            p.id.clone(),
            vec![
                typo(&full, &mut rng, 0.04),
                blank(&mut rng, 0.6, |rng| romanise(&p.mother.1, Style::English, rng)),
                blank(&mut rng, 0.1, |_rng| born),
                blank(&mut rng, 0.5, |rng| romanise(&p.place.1, Style::English, rng)),
                "detained".into(),
                blank(&mut drng, 0.4, |r| {
                    let d = event(p).arrest;
                    if r.chance(1.0 / 3.0) {
                        d.iso_month()
                    } else {
                        d.iso()
                    }
                }),
                blank(&mut drng, 0.5, |r| romanise(SY_PLACES[event(p).town].1, Style::English, r)),
                blank(&mut drng, 0.6, |r| table[event(p).first].written(SiteStyle::English, r)),
                match family(p).son {
                    Some(son) if frng.chance(0.2) => format!("Abu {}", romanise(&son.1, Style::English, &mut frng)),
                    _ => String::new(),
                },
            ],
        ));
    }
    add_list(
        &mut out,
        "ngo_en",
        "ngo-list",
        &[
            "source_record_id",
            "full_name",
            "mother_name",
            "birth_date",
            "birth_place",
            "status",
            "date of arrest",
            "place of arrest",
            "detaining authority",
            "alias",
        ],
        rows,
        &mut rng,
    );
    // 3. A French-style list: split fields.
    let mut rows = Vec::new();
    for p in sy.iter() {
        if !rng.chance(0.3) {
            continue;
        }
        let (given, family) =
            (romanise(&p.given.1, Style::French, &mut rng), romanise(&p.family.1, Style::French, &mut rng));
        // A clerk's slip: each name in the other's column.
        let (given, family) = if orng.chance(0.03) { (family, given) } else { (given, family) };
        rows.push((
            p.id.clone(),
            vec![
                given,
                family,
                blank(&mut rng, 0.3, |rng| romanise(&p.father.1, Style::French, rng)),
                blank(&mut rng, 0.7, |rng| romanise(&p.mother.1, Style::French, rng)),
                blank(&mut rng, 0.3, |rng| if rng.chance(0.5) { date_dmy(p, '/') } else { p.year.to_string() }),
                blank(&mut drng, 0.6, |_| event(p).arrest.dmy('/')),
                blank(&mut drng, 0.7, |r| romanise(SY_PLACES[event(p).town].1, Style::French, r)),
                blank(&mut drng, 0.7, |r| {
                    let d = event(p);
                    let site = if r.chance(0.5) { d.first } else { latest(d) };
                    table[site].written(SiteStyle::French, r)
                }),
            ],
        ));
    }
    add_list(
        &mut out,
        "ngo_fr",
        "ngo-list",
        &[
            "source_record_id",
            "given_name",
            "family_name",
            "father_name",
            "mother_name",
            "birth_date",
            "date d'arrestation",
            "lieu d'arrestation",
            "lieu de détention",
        ],
        rows,
        &mut rng,
    );
    // 4. The Ukrainian register, in Cyrillic (Ukrainian forms).
    let mut rows = Vec::new();
    for p in ua.iter() {
        if !rng.chance(0.6) {
            continue;
        }
        rows.push((
            p.id.clone(),
            vec![
                p.family.0.clone(),
                typo(&p.given.0, &mut rng, 0.02),
                blank(&mut rng, 0.1, |_rng| p.father.0.clone()),
                blank(&mut rng, 0.1, |_rng| date_dmy(p, '.')),
                blank(&mut rng, 0.4, |_rng| p.place.0.clone()),
                blank(&mut drng, 0.2, |_| event(p).arrest.dmy('.')),
                blank(&mut drng, 0.4, |_| UA_PLACES[event(p).town].0.to_string()),
                blank(&mut drng, 0.7, |r| table[latest(event(p))].written(SiteStyle::Ukrainian, r)),
            ],
        ));
    }
    add_list(
        &mut out,
        "ua_register",
        "register",
        &[
            "source_record_id",
            "family_name",
            "given_name",
            "father_name",
            "birth_date",
            "birth_place",
            "дата зникнення",
            "місце зникнення",
            "місце утримання",
        ],
        rows,
        &mut rng,
    );
    // 5. A romanised list of the same people, from Russian forms.
    let mut rows = Vec::new();
    for p in ua.iter() {
        if !rng.chance(0.5) {
            continue;
        }
        let fam = spell::cyrillic_to_latin(&p.family.1, &mut rng).to_uppercase();
        let g = spell::cyrillic_to_latin(&p.given.1, &mut rng);
        let pat = spell::cyrillic_to_latin(&p.father.1, &mut rng);
        rows.push((
            p.id.clone(),
            vec![
                format!("{fam} {g} {pat}"),
                blank(&mut rng, 0.3, |_rng| p.year.to_string()),
                blank(&mut drng, 0.5, |_| event(p).arrest.iso()),
                blank(&mut drng, 0.6, |r| {
                    let d = event(p);
                    let style = if r.chance(0.5) { SiteStyle::Latin } else { SiteStyle::Russian };
                    table[latest(d)].written(style, r)
                }),
            ],
        ));
    }
    add_list(
        &mut out,
        "ua_list",
        "ngo-list",
        &["source_record_id", "full_name", "birth_date", "date of disappearance", "last known facility"],
        rows,
        &mut rng,
    );
    // 6. Family inquiries: the name as the family writes it, the mother's name, a year.
    let mut rows = Vec::new();
    for p in people.iter() {
        if !rng.chance(0.15) {
            continue;
        }
        // How the family writes: in the list's script (None: Arabic or Cyrillic) or romanised.
        let mut written: Option<Style> = None;
        // Some families write the family name first, with no comma to say so.
        let order = |given: String, family: String, orng: &mut Rng| {
            if orng.chance(0.1) {
                format!("{family} {given}")
            } else {
                format!("{given} {family}")
            }
        };
        let (name, mother) = if p.syrian {
            if rng.chance(0.5) {
                (order(p.given.0.clone(), p.family.0.clone(), &mut orng), p.mother.0.clone())
            } else {
                let s = if rng.chance(0.5) { Style::English } else { Style::French };
                written = Some(s);
                let (given, family) = (romanise(&p.given.1, s, &mut rng), romanise(&p.family.1, s, &mut rng));
                (order(given, family, &mut orng), romanise(&p.mother.1, s, &mut rng))
            }
        } else {
            (format!("{} {}", p.given.0, p.family.0), p.mother.0.clone())
        };
        let year = if rng.chance(0.2) { p.year + if rng.chance(0.5) { 1 } else { -1 } } else { p.year };
        let d = event(p);
        // The day as the family remembers it: one in ten a few days off.
        let arrest = blank(&mut drng, 0.4, |r| {
            let day = if r.chance(0.1) { d.arrest.days_later(1 + r.below(6) as u8) } else { d.arrest };
            day.iso()
        });
        let town = blank(&mut drng, 0.4, |r| match (p.syrian, written) {
            (true, None) => SY_PLACES[d.town].0.to_string(),
            (true, Some(s)) => romanise(SY_PLACES[d.town].1, s, r),
            (false, _) => UA_PLACES[d.town].0.to_string(),
        });
        let branch = blank(&mut drng, 0.7, |r| {
            let style = match (p.syrian, written) {
                (true, None) => SiteStyle::Arabic,
                (true, Some(Style::French)) => SiteStyle::French,
                (true, Some(_)) => SiteStyle::English,
                (false, _) => SiteStyle::Ukrainian,
            };
            table[d.first].written(style, r)
        });
        let kin = family(p);
        let registry = match kin.registry {
            Some((_, number)) if frng.chance(0.3) => number.to_string(),
            _ => String::new(),
        };
        let son = match (kin.son, written) {
            (Some(son), None) if frng.chance(0.4) => son.0,
            (Some(son), Some(s)) if frng.chance(0.4) => romanise(&son.1, s, &mut frng),
            _ => String::new(),
        };
        rows.push((
            p.id.clone(),
            vec![name, blank(&mut rng, 0.3, |_rng| mother), year.to_string(), arrest, town, branch, registry, son],
        ));
    }
    add_list(
        &mut out,
        "inquiries",
        "inquiry",
        &[
            "source_record_id",
            "full_name",
            "mother_name",
            "birth_date",
            "date of arrest",
            "place of arrest",
            "branch",
            "registry number",
            "son's name",
        ],
        rows,
        &mut rng,
    );
    // Queries: a family's way of writing, in a style no list used (Turkish) or the other script.
    let mut k = 0;
    for p in people.iter() {
        if !rng.chance(0.1) {
            continue;
        }
        k += 1;
        let (name, father, mother, place) = if p.syrian {
            (
                format!(
                    "{} {}",
                    romanise(&p.given.1, Style::Turkish, &mut rng),
                    romanise(&p.family.1, Style::Turkish, &mut rng)
                ),
                blank(&mut rng, 0.5, |rng| romanise(&p.father.1, Style::Turkish, rng)),
                blank(&mut rng, 0.5, |rng| romanise(&p.mother.1, Style::Turkish, rng)),
                blank(&mut rng, 0.5, |_rng| p.place.0.clone()),
            )
        } else {
            (
                format!(
                    "{} {}",
                    spell::cyrillic_to_latin(&p.given.0, &mut rng),
                    spell::cyrillic_to_latin(&p.family.0, &mut rng)
                ),
                String::new(),
                blank(&mut rng, 0.5, |_rng| p.mother.0.clone()),
                String::new(),
            )
        };
        let year = if rng.chance(0.3) { p.year + if rng.chance(0.5) { 1 } else { -1 } } else { p.year };
        out.queries.push([format!("Q{k}"), name, father, mother, year.to_string(), place, p.id.clone()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_lists_and_truth_covers_every_row() {
        let a = generate(300, 42);
        let b = generate(300, 42);
        assert_eq!(a.truth, b.truth);
        let rows: usize = a.lists.iter().map(|l| l.rows.len()).sum();
        assert_eq!(rows, a.truth.len());
        assert!(a.lists.iter().all(|l| l.rows.iter().all(|r| r.len() == l.headers.len())));
        assert!(!a.traps.is_empty());
        assert!(!a.queries.is_empty());
    }

    #[test]
    fn the_disappearance_is_in_the_lists_at_the_stated_rates_and_in_the_sites_spellings() {
        let out = generate(4000, 7);
        let table = sites(FACILITIES);
        let column = |list: &str, header: &str| -> Vec<String> {
            let l = out.lists.iter().find(|l| l.name == list).expect(list);
            let i = l.headers.iter().position(|h| h == header).expect(header);
            l.rows.iter().map(|r| r[i].clone()).collect()
        };
        let share = |values: &[String]| values.iter().filter(|v| !v.is_empty()).count() as f64 / values.len() as f64;
        for (list, header, rate) in [
            ("register_ar", "مكان الاحتجاز", 0.9),
            ("register_ar", "تاريخ الاحتجاز", 0.8),
            ("ngo_en", "date of arrest", 0.6),
            ("ngo_en", "place of arrest", 0.5),
            ("ngo_en", "detaining authority", 0.4),
            ("ngo_fr", "lieu de détention", 0.3),
            ("ua_register", "дата зникнення", 0.8),
            ("ua_list", "last known facility", 0.4),
            ("inquiries", "date of arrest", 0.6),
            ("inquiries", "branch", 0.3),
            ("register_ar", "محل ورقم القيد", 0.5),
            // Of the inquiries, four in five are for Syrian persons.
            ("inquiries", "registry number", 0.3 * 0.8),
        ] {
            let got = share(&column(list, header));
            assert!((got - rate).abs() < 0.05, "{list} {header}: {got:.3}, stated {rate}");
        }
        // Every site is written in one of the table's spellings.
        let known = |v: &String| table.iter().any(|s| s.forms.iter().any(|(_, f)| f.contains(v)));
        for (list, header) in
            [("register_ar", "مكان الاحتجاز"), ("ngo_en", "detaining authority"), ("ua_list", "last known facility")]
        {
            assert!(column(list, header).iter().filter(|v| !v.is_empty()).all(known), "{list}");
        }
        // Syrian arrests from 2011 on (an entry up to a year later), Ukrainian ones from 2022.
        let year = |v: &String| v.split(['-', '/', '.']).find(|p| p.len() == 4).and_then(|y| y.parse::<i32>().ok());
        assert!(column("ngo_en", "date of arrest").iter().filter_map(year).all(|y| (2011..=2020).contains(&y)));
        assert!(column("register_ar", "تاريخ الاحتجاز").iter().filter_map(year).all(|y| (2011..=2021).contains(&y)));
        assert!(column("ua_register", "дата зникнення").iter().filter_map(year).all(|y| (2022..=2024).contains(&y)));
        // A third of the English list's days are a month only.
        let dates = column("ngo_en", "date of arrest");
        let months = dates.iter().filter(|d| d.len() == 7).count() as f64
            / dates.iter().filter(|d| !d.is_empty()).count() as f64;
        assert!((months - 1.0 / 3.0).abs() < 0.06, "{months:.3}");
    }

    #[test]
    fn brothers_and_sisters_are_sometimes_arrested_in_the_same_raid_and_transfers_follow_the_arrest() {
        let person = |id: String, syrian: bool| Person {
            id,
            syrian,
            male: true,
            given: ("محمد".into(), "muḥammad".into()),
            father: ("أحمد".into(), "aḥmad".into()),
            grandfather: (String::new(), String::new()),
            family: ("الحلبي".into(), "al-ḥalabī".into()),
            mother: ("فاطمة".into(), "fāṭima".into()),
            mother_family: (String::new(), String::new()),
            year: 1980,
            month: 1,
            day: 1,
            place: if syrian {
                ("حلب".into(), "ḥalab".into())
            } else {
                ("Херсон".into(), "Херсон".into())
            },
        };
        let people: Vec<Person> = (0..4000).map(|i| person(format!("T{}", i + 1), i % 5 != 0)).collect();
        // Pairs of Syrians are brothers (as in `generate`, only Syrians have them).
        let traps: Vec<(String, String, &'static str)> = (0..2000)
            .filter(|i| (2 * i) % 5 != 0 && (2 * i + 1) % 5 != 0)
            .map(|i| (format!("T{}", 2 * i + 1), format!("T{}", 2 * i + 2), "sibling"))
            .collect();
        let table = sites(FACILITIES);
        let events = disappearances(&people, &traps, &table, 3);
        let same_raid = traps
            .iter()
            .filter(|(a, b, _)| {
                let (x, y) = (&events[a], &events[b]);
                x.arrest == y.arrest && x.town == y.town && x.first == y.first
            })
            .count() as f64
            / traps.len() as f64;
        assert!((same_raid - 0.3).abs() < 0.06, "{same_raid:.3} of brothers arrested together, stated 0.3");
        let transferred = |syrian: bool| {
            let ds: Vec<&Disappearance> =
                people.iter().filter(|p| p.syrian == syrian).map(|p| &events[&p.id]).collect();
            for d in &ds {
                assert!(table[d.first].first && table[d.first].syrian == syrian, "first held at a first site");
                if let Some((later, entry)) = d.later {
                    assert!(!table[later].first && table[later].syrian == syrian, "transferred to a later site");
                    assert!((entry.year, entry.month) > (d.arrest.year, d.arrest.month), "entry after the arrest");
                }
            }
            ds.iter().filter(|d| d.later.is_some()).count() as f64 / ds.len() as f64
        };
        assert!((transferred(true) - 0.4).abs() < 0.05, "{:.3}", transferred(true));
        assert!((transferred(false) - 0.3).abs() < 0.06, "{:.3}", transferred(false));
    }

    #[test]
    fn patronymics_and_feminine_surnames() {
        let p = patronymic(&("Володимир".into(), "Владимир".into()), true);
        assert_eq!(p, ("Володимирович".into(), "Владимирович".into()));
        let p = patronymic(&("Сергій".into(), "Сергей".into()), false);
        assert_eq!(p.0, "Сергіївна");
        assert_eq!(feminine("Зеленський"), "Зеленська");
        assert_eq!(feminine("Іванов"), "Іванова");
    }
}
