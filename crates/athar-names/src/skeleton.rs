//! Skeleton keys: a coarse consonant-class key, the same in every script, for blocking.
//!
//! A skeleton drops vowels and semivowels (short vowels are unwritten in Arabic; a/e/i/o/u/ou/ee/y/w
//! vary freely in Latin spellings), collapses doubled letters, drops ʿayn, hamza and the ta marbuta
//! ending (-a/-ah/-eh), and folds letters that spellings swap into one class:
//!
//! | class | Latin | Arabic |
//! |---|---|---|
//! | `K` | q k g c(a/o/u) ck j dj dzh gh | ق ك غ ج گ |
//! | `X` | kh ch sh sch tch | خ ش چ |
//! | `T` | t th s ts tz c(e/i/y) | ت ث ط س ص |
//! | `D` | d dh z zh | د ذ ض ظ ز ژ |
//! | `F` | f ph v | ف ڤ |
//! | `B` | b p | ب پ |
//! | `H` `L` `M` `N` `R` | h l m n r | ح ه ل م ن ر |
//!
//! x is `KT`. **A skeleton is a blocking key only**: Hassan and Hussein, Mahmoud and Muhammad
//! share skeletons and are different names. Names are told apart by `tables` and `compare`.

/// A skeleton: upper-case class letters (`MHMD`), empty when a token has no consonant.
pub type Skeleton = crate::Text;

/// Pushes a class unless the same letters were just written (a doubled letter: ss, mm): `src`
/// is the letter or digraph it came from. Two different letters of one class stay two (the s
/// and t of Dost, as د و س ت has both).
fn push_class<'a>(out: &mut String, class: char, src: &'a [u8], last: &mut Option<&'a [u8]>) {
    if *last != Some(src) {
        out.push(class);
    }
    *last = Some(src);
}

/// Skeleton of a normalised Latin token (lower case, marks folded). Non-letters are ignored.
pub fn latin_skeleton(word: &str) -> Skeleton {
    latin_skeleton_with(word, true)
}

/// The skeleton of a Latin token ending in -ah/-eh read with its final h as a consonant (the
/// ح of Tilfah, طلفاح), when it has such an ending; the main skeleton reads it as ta marbuta.
pub fn latin_skeleton_final_h(word: &str) -> Option<Skeleton> {
    let b = word.as_bytes();
    let n = b.len();
    (n >= 3 && b[n - 1] == b'h' && matches!(b[n - 2], b'a' | b'e')).then(|| latin_skeleton_with(word, false))
}

fn latin_skeleton_with(word: &str, drop_final_h: bool) -> Skeleton {
    // Normalised Latin words are almost always plain a–z: read them in place.
    let owned: Vec<u8>;
    let b: &[u8] = if word.bytes().all(|c| c.is_ascii_lowercase()) {
        word.as_bytes()
    } else {
        owned = word.bytes().filter(|c| c.is_ascii_lowercase()).collect();
        &owned
    };
    let n = b.len();
    let mut out = String::with_capacity(n);
    // The letters last written with no vowel since: doubled letters collapse only then.
    let mut last: Option<&[u8]> = None;
    let at = |i: usize| -> u8 { b.get(i).copied().unwrap_or(0) };
    let mut i = 0;
    while i < n {
        let c = b[i];
        let (class, len): (Option<char>, usize) = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'w' => (None, 1),
            b's' if at(i + 1) == b'c' && at(i + 2) == b'h' => (Some('X'), 3),
            b't' if at(i + 1) == b'c' && at(i + 2) == b'h' => (Some('X'), 3),
            b'd' if at(i + 1) == b'z' && at(i + 2) == b'h' => (Some('K'), 3),
            b's' | b'c' | b'k' | b'z' if at(i + 1) == b'h' => {
                let class = match c {
                    b'z' => 'D',
                    _ => 'X',
                };
                (Some(class), 2)
            }
            b't' if at(i + 1) == b'h' => (Some('T'), 2),
            b'd' if at(i + 1) == b'h' => (Some('D'), 2),
            b'g' if at(i + 1) == b'h' => (Some('K'), 2),
            b'p' if at(i + 1) == b'h' => (Some('F'), 2),
            b'd' if at(i + 1) == b'j' => (Some('K'), 2),
            b't' if matches!(at(i + 1), b's' | b'z') => (Some('T'), 2),
            b'c' if at(i + 1) == b'k' => (Some('K'), 2),
            b'c' if matches!(at(i + 1), b'e' | b'i' | b'y') => (Some('T'), 1),
            b'c' | b'k' | b'q' | b'g' | b'j' => (Some('K'), 1),
            b't' | b's' => (Some('T'), 1),
            b'd' | b'z' => (Some('D'), 1),
            b'f' | b'v' => (Some('F'), 1),
            b'b' | b'p' => (Some('B'), 1),
            b'x' => {
                out.push('K');
                (Some('T'), 1)
            }
            b'h' => {
                // Ta marbuta: -ah, -eh after a consonant at the end of the word (Fatimah,
                // Hamadeh, Abdullah), not -ouh, -ih, -eeh (Mamdouh, Wajih, Wajeeh).
                // Ta marbuta: -ah/-eh at the end, after a consonant, y or i (Fatimah, Salamiyah,
                // Salamieh) or after the vowel an ʿayn left (Mazra'ah → mazraah); -eeh is a real h
                // (Wajeeh, وجيه).
                let final_h =
                    drop_final_h && i + 1 == n && i >= 2 && matches!(b[i - 1], b'a' | b'e') && b[i - 2] != b'e';
                if final_h {
                    (None, 1)
                } else {
                    (Some('H'), 1)
                }
            }
            b'l' => (Some('L'), 1),
            b'm' => (Some('M'), 1),
            b'n' => (Some('N'), 1),
            b'r' => (Some('R'), 1),
            _ => (None, 1),
        };
        match class {
            Some(k) => push_class(&mut out, k, &b[i..i + len], &mut last),
            None => last = None,
        }
        i += len;
    }
    Skeleton::from(out)
}

/// Class of an Arabic letter (normalised or light-normalised text); `None` for vowels,
/// semivowels, ʿayn and hamza.
fn arabic_class(c: char) -> Option<char> {
    Some(match c {
        'ب' | 'پ' => 'B',
        'ت' | 'ث' | 'ط' | 'س' | 'ص' => 'T',
        'ج' | 'ق' | 'ك' | 'غ' | 'گ' | 'ک' => 'K',
        'ح' | 'ه' => 'H',
        'خ' | 'ش' | 'چ' => 'X',
        'د' | 'ذ' | 'ض' | 'ظ' | 'ز' | 'ژ' => 'D',
        'ر' => 'R',
        'ف' | 'ڤ' => 'F',
        'ل' => 'L',
        'م' => 'M',
        'ن' => 'N',
        _ => return None,
    })
}

/// Skeleton of an Arabic-script token. A doubled sound is written once (with a shadda, removed
/// by normalisation), so two written letters are two sounds (ممدوح has two m) and nothing is
/// collapsed; the final ه (ta marbuta after folding) is dropped like Latin -ah.
pub fn arabic_skeleton(word: &str) -> Skeleton {
    // Names are short: keep the letters on the stack.
    let mut buf = ['\0'; 48];
    let heap: Vec<char>;
    let letters = word.chars().filter(|c| crate::script::is_letter(*c));
    let chars: &[char] = if word.chars().count() <= buf.len() {
        let mut n = 0;
        for c in letters {
            buf[n] = c;
            n += 1;
        }
        &buf[..n]
    } else {
        heap = letters.collect();
        &heap
    };
    let n = chars.len();
    let mut out = String::with_capacity(n);
    for (i, &c) in chars.iter().enumerate() {
        // Ta marbuta (ة, or ه after folding) ends a word after a consonant; after a long vowel
        // a final ه is a real h (وجيه Wajih).
        if i + 1 == n && i > 0 && (c == 'ة' || (c == 'ه' && !matches!(chars[i - 1], 'ا' | 'و' | 'ي'))) {
            continue;
        }
        if let Some(k) = arabic_class(c) {
            out.push(k);
        }
    }
    Skeleton::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(forms: &[&str]) {
        let first = latin_skeleton(forms[0]);
        for f in forms {
            assert_eq!(latin_skeleton(f), first, "{f} vs {}", forms[0]);
        }
    }

    #[test]
    fn muhammad_spellings_share_a_skeleton_in_every_script() {
        same(&["muhammad", "mohammed", "mohammad", "mohamed", "mohamad", "muhamad", "mouhamad"]);
        assert_eq!(arabic_skeleton("محمد"), latin_skeleton("muhammad"));
    }

    #[test]
    fn letter_variants_fold() {
        same(&["qasim", "qassem", "kassem", "kasim", "gassem"]);
        same(&["jamal", "gamal", "djamel"]);
        same(&["shadi", "chadi"]);
        same(&["hisham", "hicham"]);
        same(&["khaled", "chaled"]);
        same(&["yusuf", "youssef", "yousef", "yousif", "yusef", "youcef"]);
        same(&["hussein", "hussain", "husayn", "husain", "hussien", "hossein"]);
        same(&["zainab", "zaynab", "zeinab"]);
        same(&["fatima", "fatimah", "fatma", "fatmeh"]);
        same(&["hamada", "hamadeh", "hammada"]);
        same(&["thamer", "tamer"]);
        same(&["dhiab", "diab", "ziab"]);
        same(&["ghassan", "gassan"]);
        same(&["philip", "filip"]);
        same(&["alexander", "aleksandr", "oleksandr"]);
        same(&["saydnaya", "sednaya", "seydnaya", "saidnaya"]);
    }

    #[test]
    fn skeleton_is_coarse_on_purpose() {
        // Different names, same key: the skeleton alone never decides.
        assert_eq!(latin_skeleton("hassan"), latin_skeleton("hussein"));
        assert_eq!(arabic_skeleton("حسن"), arabic_skeleton("حسين"));
    }

    #[test]
    fn arabic_skeletons_meet_latin_ones() {
        for (ar, la) in [
            ("يوسف", "youssef"),
            ("حسين", "hussein"),
            ("قاسم", "kassem"),
            ("فاطمة", "fatima"),
            ("فاطمه", "fatmeh"),
            ("صيدنايا", "sednaya"),
            ("ممدوح", "mamdouh"),
            ("وجيه", "wajeeh"),
            ("خالد", "khaled"),
            ("شادي", "chadi"),
            ("حلبي", "halaby"),
            ("دوست", "dost"),
        ] {
            assert_eq!(arabic_skeleton(ar), latin_skeleton(la), "{ar} / {la}");
        }
    }

    #[test]
    fn no_letters_no_skeleton() {
        assert_eq!(latin_skeleton(""), "");
        assert_eq!(latin_skeleton("aeiou"), "");
        assert_eq!(arabic_skeleton("اوي"), "");
    }
}
