//! Sound distance between two romanised spellings of a name that the tables do not know.
//!
//! Owns one question: could these two Latin spellings be the same spoken name, written by
//! different hands? Spellings of Arabic names differ mostly in vowels (Ali / Eli, Umar / Oumer,
//! Khalifeh / Khelifa), in digraphs (sh / ch / sch, ou / u / oo, ee / i) and in letters of one
//! family (q / k / g, th / t / s, dh / d / z). A spelling is read into sound units, then an edit
//! distance weighs a vowel change lightly, a change within a letter family a little more, and any
//! other change as a full edit. Does not decide that two known names are one (the tables do that:
//! Hassan and Hussein are close in sound and are two names), nor produce blocking keys (see
//! `skeleton`).

/// The most sound units read from one spelling; the rest is ignored (names are short).
const MAX_UNITS: usize = 32;

/// Sound units of a romanised spelling, one byte each: consonants as themselves, with `S` for
/// sh/ch/sch/tch, `X` for kh, `G` for gh, `J` for j/dj/dzh, `Z` for zh, `0` for th, `1` for dh;
/// vowels folded to `a e i u` (o, ou, oo → u; ee → i; y between a consonant and the end or
/// another consonant → i). Doubled units collapse, and a final h after a or e (ta marbuta) is
/// dropped. Letters outside a–z are ignored.
fn units_into(word: &str, out: &mut [u8; MAX_UNITS]) -> usize {
    let mut letters = [0u8; 2 * MAX_UNITS];
    let mut len = 0;
    for c in word.bytes().filter(u8::is_ascii_lowercase).take(letters.len()) {
        letters[len] = c;
        len += 1;
    }
    let b = &letters[..len];
    let at = |i: usize| -> u8 { b.get(i).copied().unwrap_or(0) };
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut n = 0;
    let mut i = 0;
    while i < b.len() && n < MAX_UNITS {
        let c = b[i];
        let (unit, len) = match c {
            b's' if at(i + 1) == b'c' && at(i + 2) == b'h' => (b'S', 3),
            b't' if at(i + 1) == b'c' && at(i + 2) == b'h' => (b'S', 3),
            b'd' if at(i + 1) == b'z' && at(i + 2) == b'h' => (b'J', 3),
            b's' | b'c' if at(i + 1) == b'h' => (b'S', 2),
            b'k' if at(i + 1) == b'h' => (b'X', 2),
            b'g' if at(i + 1) == b'h' => (b'G', 2),
            b'z' if at(i + 1) == b'h' => (b'Z', 2),
            b't' if at(i + 1) == b'h' => (b'0', 2),
            b'd' if at(i + 1) == b'h' => (b'1', 2),
            b'p' if at(i + 1) == b'h' => (b'f', 2),
            b'd' if at(i + 1) == b'j' => (b'J', 2),
            b'c' if at(i + 1) == b'k' => (b'k', 2),
            b'c' if matches!(at(i + 1), b'e' | b'i' | b'y') => (b's', 1),
            b'c' => (b'k', 1),
            b'j' => (b'J', 1),
            b'o' | b'u' if matches!(at(i + 1), b'o' | b'u') => (b'u', 2),
            b'e' if at(i + 1) == b'e' => (b'i', 2),
            b'o' | b'u' => (b'u', 1),
            b'y' if (i == 0 || vowel(at(i - 1))) && vowel(at(i + 1)) => (b'y', 1),
            b'y' => (b'i', 1),
            b'h' if i + 1 == b.len() && i > 0 && matches!(at(i - 1), b'a' | b'e') => {
                i += 1;
                continue;
            }
            b'x' => {
                push(out, &mut n, b'k');
                (b's', 1)
            }
            _ => (c, 1),
        };
        push(out, &mut n, unit);
        i += len;
    }
    n
}

fn push(out: &mut [u8; MAX_UNITS], n: &mut usize, unit: u8) {
    if *n < MAX_UNITS && (*n == 0 || out[*n - 1] != unit) {
        out[*n] = unit;
        *n += 1;
    }
}

/// The cost of writing one unit for another.
fn substitution(x: u8, y: u8, vowel_scale: f32) -> f32 {
    if x == y {
        return 0.0;
    }
    let (x, y) = if x < y { (x, y) } else { (y, x) };
    let vowels = match (x, y) {
        (b'a', b'e') | (b'e', b'i') => Some(0.2),
        (b'e', b'u') => Some(0.4),
        (b'a', b'i') | (b'a', b'u') | (b'i', b'u') => Some(0.6),
        _ => None,
    };
    if let Some(v) = vowels {
        return v * vowel_scale;
    }
    match (x, y) {
        // A vowel and its semivowel (Hussein / Husayn, Ouda / Awda).
        (b'u', b'w') | (b'i', b'y') => 0.2,
        // Letter families that spellings swap: q k g gh; j g; t th; s th; d dh z; f v; b p; j zh;
        // w v (Turkish spellings: Derviş, Mevlüt).
        (b'G', b'k') | (b'G', b'q') | (b'g', b'k') | (b'g', b'q') | (b'k', b'q') | (b'G', b'g') => 0.3,
        (b'J', b'g') | (b'J', b'Z') | (b'Z', b'z') => 0.3,
        (b'0', b't') | (b'0', b's') | (b'1', b'd') | (b'1', b'z') | (b'd', b'z') | (b'f', b'v') | (b'b', b'p') => 0.3,
        (b'v', b'w') => 0.3,
        // j written for й (Alejnik, Jurij) in German, Polish and Czech spellings.
        (b'J', b'i') | (b'J', b'y') => 0.4,
        (b'X', b'h') | (b'X', b'k') | (b'S', b's') => 0.6,
        _ => 1.0,
    }
}

/// The cost of a unit written on one side only: a vowel or h is often left out.
fn indel(u: u8, vowel_scale: f32) -> f32 {
    match u {
        b'a' | b'e' | b'i' | b'u' => 0.3 * vowel_scale,
        b'h' | b'y' | b'w' => 0.4,
        _ => 1.0,
    }
}

/// The sound distance of two romanised spellings: 0 when they read the same, about 0.2 per
/// vowel written differently (0.6 between a, i and u), 0.3 per letter swapped within its family, 1 per other edit.
/// `guessed_vowels`: one side's vowels are a guess (an Arabic-script name the tables do not
/// know), so vowel edits cost half.
pub fn distance(a: &str, b: &str, guessed_vowels: bool) -> f32 {
    distance_within(a, b, guessed_vowels, f32::INFINITY)
}

/// As [`distance`], when only a distance up to `limit` matters: past it, the answer is some
/// value above `limit` (what the distance is known to pass once a whole row of the table
/// does — every cost is positive), found without reading the rest of the spellings. Most
/// spellings compared are of other names: this is what keeps them cheap.
pub fn distance_within(a: &str, b: &str, guessed_vowels: bool, limit: f32) -> f32 {
    Units::of(a).distance_within(&Units::of(b), guessed_vowels, limit)
}

/// A spelling read into sound units (see [`units_into`]), once for the many spellings it is
/// measured against.
#[derive(Debug, Clone, Copy)]
pub struct Units {
    units: [u8; MAX_UNITS],
    len: usize,
}

impl Default for Units {
    fn default() -> Self {
        Units { units: [0; MAX_UNITS], len: 0 }
    }
}

impl Units {
    pub fn of(spelling: &str) -> Units {
        let mut units = [0u8; MAX_UNITS];
        let len = units_into(spelling, &mut units);
        Units { units, len }
    }

    /// [`distance_within`] of the two spellings these units were read from.
    pub fn distance_within(&self, other: &Units, guessed_vowels: bool, limit: f32) -> f32 {
        let scale = if guessed_vowels { 0.5 } else { 1.0 };
        let (ua, ub) = (&self.units[..self.len], &other.units[..other.len]);
        let (na, nb) = (ua.len(), ub.len());
        // One row of the edit-distance table at a time.
        let mut prev = [0f32; MAX_UNITS + 1];
        let mut row = [0f32; MAX_UNITS + 1];
        for j in 1..=nb {
            prev[j] = prev[j - 1] + indel(ub[j - 1], scale);
        }
        for i in 1..=na {
            row[0] = prev[0] + indel(ua[i - 1], scale);
            let mut least = row[0];
            for j in 1..=nb {
                let sub = prev[j - 1] + substitution(ua[i - 1], ub[j - 1], scale);
                let del = prev[j] + indel(ua[i - 1], scale);
                let ins = row[j - 1] + indel(ub[j - 1], scale);
                row[j] = sub.min(del).min(ins);
                least = least.min(row[j]);
            }
            // Every path to the end crosses this row: the distance is at least its least.
            if least > limit {
                return least;
            }
            std::mem::swap(&mut prev, &mut row);
        }
        prev[nb]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        distance(a, b, false) <= 0.5
    }

    #[test]
    fn spellings_of_one_spoken_name_are_near() {
        for (a, b) in [
            ("ali", "eli"),
            ("umar", "oumer"),
            ("khalifeh", "khelifa"),
            ("sheikh", "chaikh"),
            ("shaykh", "sheikh"),
            ("abbas", "ebas"),
            ("qasem", "gasim"),
            ("kattan", "qatan"),
            ("barakat", "berakat"),
            ("alouch", "elush"),
            ("shami", "chamy"),
            ("husain", "hussein"),
            ("hamad", "hemed"),
        ] {
            assert!(same(a, b), "{a} / {b}: {}", distance(a, b, false));
        }
    }

    #[test]
    fn different_names_are_far() {
        for (a, b) in [
            ("hasan", "husayn"),
            ("mahmud", "muhammad"),
            ("khalil", "jamil"),
            ("shami", "sami"),
            ("nasser", "yasser"),
            ("halabi", "kalbi"),
            ("karim", "kamal"),
            ("hamad", "hamid"),
        ] {
            assert!(!same(a, b), "{a} / {b}: {}", distance(a, b, false));
        }
    }

    #[test]
    fn distance_is_symmetric_and_zero_on_itself() {
        for (a, b) in [("ali", "eli"), ("abdulrahman", "abderrahmane"), ("x", "")] {
            assert_eq!(distance(a, b, false), distance(b, a, false));
            assert_eq!(distance(a, a, false), 0.0);
        }
    }

    #[test]
    fn a_distance_within_a_limit_is_exact_up_to_it_and_above_it_past_it() {
        let words =
            ["ali", "eli", "hasan", "husayn", "khalifeh", "khelifa", "muhammad", "mahmud", "x", "", "abdulrahman"];
        for a in words {
            for b in words {
                for limit in [0.0, 0.3, 0.5, 1.0, 2.5] {
                    let (full, within) = (distance(a, b, false), distance_within(a, b, false, limit));
                    if full <= limit {
                        assert_eq!(within, full, "{a} / {b} within {limit}");
                    } else {
                        assert!(within > limit && within <= full, "{a} / {b} within {limit}: {within} for {full}");
                    }
                }
            }
        }
    }

    #[test]
    fn guessed_vowels_cost_less() {
        assert!(distance("awada", "ouda", true) < distance("awada", "ouda", false));
        assert!(distance("awada", "ouda", true) <= 0.5);
    }

    #[test]
    fn long_and_odd_input_is_bounded() {
        // Only the first 64 letters are read: a 20,000-letter input costs what they cost.
        let long = "a".repeat(10_000) + &"b".repeat(10_000);
        assert_eq!(distance(&long, "ab", false), distance(&"a".repeat(64), "ab", false));
        assert_eq!(distance(&long, "a", false), 0.0, "all the letters read are a, one unit");
        assert_eq!(distance("", "", false), 0.0);
    }
}
