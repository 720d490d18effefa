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
            ],
        ));
    }
    add_list(
        &mut out,
        "ngo_en",
        "ngo-list",
        &["source_record_id", "full_name", "mother_name", "birth_date", "birth_place", "status"],
        rows,
        &mut rng,
    );
    // 3. A French-style list: split fields.
    let mut rows = Vec::new();
    for p in sy.iter() {
        if !rng.chance(0.3) {
            continue;
        }
        rows.push((
            p.id.clone(),
            vec![
                romanise(&p.given.1, Style::French, &mut rng),
                romanise(&p.family.1, Style::French, &mut rng),
                blank(&mut rng, 0.3, |rng| romanise(&p.father.1, Style::French, rng)),
                blank(&mut rng, 0.7, |rng| romanise(&p.mother.1, Style::French, rng)),
                blank(&mut rng, 0.3, |rng| if rng.chance(0.5) { date_dmy(p, '/') } else { p.year.to_string() }),
            ],
        ));
    }
    add_list(
        &mut out,
        "ngo_fr",
        "ngo-list",
        &["source_record_id", "given_name", "family_name", "father_name", "mother_name", "birth_date"],
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
            ],
        ));
    }
    add_list(
        &mut out,
        "ua_register",
        "register",
        &["source_record_id", "family_name", "given_name", "father_name", "birth_date", "birth_place"],
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
        rows.push((p.id.clone(), vec![format!("{fam} {g} {pat}"), blank(&mut rng, 0.3, |_rng| p.year.to_string())]));
    }
    add_list(&mut out, "ua_list", "ngo-list", &["source_record_id", "full_name", "birth_date"], rows, &mut rng);
    // 6. Family inquiries: the name as the family writes it, the mother's name, a year.
    let mut rows = Vec::new();
    for p in people.iter() {
        if !rng.chance(0.15) {
            continue;
        }
        let (name, mother) = if p.syrian {
            if rng.chance(0.5) {
                (format!("{} {}", p.given.0, p.family.0), p.mother.0.clone())
            } else {
                let s = if rng.chance(0.5) { Style::English } else { Style::French };
                (
                    format!("{} {}", romanise(&p.given.1, s, &mut rng), romanise(&p.family.1, s, &mut rng)),
                    romanise(&p.mother.1, s, &mut rng),
                )
            }
        } else {
            (format!("{} {}", p.given.0, p.family.0), p.mother.0.clone())
        };
        let year = if rng.chance(0.2) { p.year + if rng.chance(0.5) { 1 } else { -1 } } else { p.year };
        rows.push((p.id.clone(), vec![name, blank(&mut rng, 0.3, |_rng| mother), year.to_string()]));
    }
    add_list(
        &mut out,
        "inquiries",
        "inquiry",
        &["source_record_id", "full_name", "mother_name", "birth_date"],
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
    fn patronymics_and_feminine_surnames() {
        let p = patronymic(&("Володимир".into(), "Владимир".into()), true);
        assert_eq!(p, ("Володимирович".into(), "Владимирович".into()));
        let p = patronymic(&("Сергій".into(), "Сергей".into()), false);
        assert_eq!(p.0, "Сергіївна");
        assert_eq!(feminine("Зеленський"), "Зеленська");
        assert_eq!(feminine("Іванов"), "Іванова");
    }
}
