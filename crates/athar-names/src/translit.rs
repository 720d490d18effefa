//! Romanisation: one canonical Latin form per token, from Arabic and from Cyrillic.
//!
//! Cyrillic follows the Ukrainian national system (KMU Resolution 55, 2010) for Ukrainian text
//! and a BGN/press-style system for Russian text; a token whose letters fit both gets both forms
//! (canonical Russian, alternative Ukrainian), because г is h in Ukrainian and g in Russian.
//! Arabic is written without short vowels, so a rule can only guess them: the romaniser writes
//! consonants in English-style digraphs, long vowels from ا و ي, and a default short vowel
//! between consonants. Known names get their spelling from the variant tables instead
//! (`tables`), which is why this module is only the fallback. Input is normalised text.

use crate::script::CyrillicLanguage;
use crate::Text;

fn is_vowel_letter(c: char) -> bool {
    matches!(c, 'а' | 'е' | 'є' | 'и' | 'і' | 'ї' | 'о' | 'у' | 'ю' | 'я' | 'ы' | 'э' | 'ё')
}

/// Ukrainian KMU-2010: є ї й ю я are ye yi y yu ya at the start of a word, ie i i iu ia inside;
/// г → h, ґ → g, и → y, х → kh, щ → shch, зг → zgh; soft sign and apostrophe dropped.
pub fn ukrainian_to_latin(word: &str) -> Text {
    let mut out = String::with_capacity(word.len() + 4);
    let mut prev: Option<char> = None;
    for c in word.chars() {
        let initial = prev.is_none() || prev == Some('-') || prev == Some(' ');
        let s: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' if prev == Some('з') => "gh",
            'г' => "h",
            'ґ' => "g",
            'д' => "d",
            'е' => "e",
            'є' if initial => "ye",
            'є' => "ie",
            'ж' => "zh",
            'з' => "z",
            'и' => "y",
            'і' => "i",
            'ї' if initial => "yi",
            'ї' => "i",
            'й' if initial => "y",
            'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ь' | 'ъ' => "",
            'ю' if initial => "yu",
            'ю' => "iu",
            'я' if initial => "ya",
            'я' => "ia",
            // Russian letters met in a Ukrainian-scheme reading.
            'ы' => "y",
            'э' => "e",
            'ё' if initial => "yo",
            'ё' => "io",
            _ => {
                out.push(c);
                prev = Some(c);
                continue;
            }
        };
        out.push_str(s);
        prev = Some(c);
    }
    Text::from(out)
}

/// Russian, BGN/PCGN-like as the press writes it: й → y, ю → yu, я → ya, ы → y, х → kh,
/// ё → e, е → ye at the start of a word and after a vowel, -ий → -iy.
pub fn russian_to_latin(word: &str) -> Text {
    let mut out = String::with_capacity(word.len() + 4);
    let mut last: Option<char> = None;
    for c in word.chars() {
        let prev = last;
        last = Some(c);
        let after_vowel = prev.is_some_and(|p| is_vowel_letter(p) || p == 'ь' || p == 'ъ');
        let initial = prev.is_none() || prev == Some('-') || prev == Some(' ');
        let s: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'ґ' => "g",
            'д' => "d",
            'е' if initial || after_vowel => "ye",
            'е' | 'ё' | 'э' => "e",
            'є' => "ye",
            'ж' => "zh",
            'з' => "z",
            'и' => "i",
            'і' => "i",
            'ї' => "yi",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
    Text::from(out)
}

/// Romanises a Cyrillic token: the canonical form in its orthography's scheme (Russian when
/// undetermined), and the other scheme's reading as an alternative — a Ukrainian surname is
/// often written the Russian way in Latin (ГРИНИК → Hrynyk, Grinik).
pub fn cyrillic_to_latin(word: &str, lang: CyrillicLanguage) -> (Text, Option<Text>) {
    let ru = russian_to_latin(word);
    let ua = ukrainian_to_latin(word);
    let (canon, other) = match lang {
        CyrillicLanguage::Ukrainian => (ua, ru),
        _ => (ru, ua),
    };
    let alt = (other != canon).then_some(other);
    (canon, alt)
}

/// The reading of a Latin token in which c is the sound of j, as in Turkish and Crimean Tatar
/// (Cemilev = Dzhemilev, Cemal = Jamal), and dzh/dj the same j (Dzhemilev, Djamel). `None`
/// when the token has no such letters.
pub fn turkish_reading(word: &str) -> Option<Text> {
    let b = word.as_bytes();
    let relevant = b.iter().enumerate().any(|(i, &c)| match c {
        b'c' => !matches!(b.get(i + 1), Some(b'h' | b'k')),
        b'd' => matches!(b.get(i + 1), Some(b'j')) || (b.get(i + 1) == Some(&b'z') && b.get(i + 2) == Some(&b'h')),
        _ => false,
    });
    if !relevant {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < b.len() {
        if word[i..].starts_with("dzh") {
            out.push('j');
            i += 3;
        } else if word[i..].starts_with("dj") {
            out.push('j');
            i += 2;
        } else if b[i] == b'c' && matches!(b.get(i + 1), Some(b'h' | b'k')) {
            out.push_str(&word[i..i + 2]);
            i += 2;
        } else if b[i] == b'c' {
            out.push('j');
            i += 1;
        } else {
            let ch = word[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    Some(Text::from(out))
}

#[derive(Clone, Copy, PartialEq)]
enum ArabicSound {
    Consonant(&'static str),
    /// ا ى ة and friends: a long or final a.
    LongA,
    /// و: w as a consonant, u as a vowel.
    Waw,
    /// ي: y as a consonant, i as a vowel.
    Ya,
    /// ع ء: a glottal sound Latin spellings drop.
    Glottal,
    Other,
}

fn arabic_sound(c: char) -> ArabicSound {
    use ArabicSound::*;
    match c {
        'ب' => Consonant("b"),
        'پ' => Consonant("p"),
        'ت' => Consonant("t"),
        'ث' => Consonant("th"),
        'ج' => Consonant("j"),
        'چ' => Consonant("ch"),
        'ح' => Consonant("h"),
        'خ' => Consonant("kh"),
        'د' => Consonant("d"),
        'ذ' => Consonant("dh"),
        'ر' | 'ڕ' => Consonant("r"),
        'ز' => Consonant("z"),
        'ژ' => Consonant("zh"),
        'س' => Consonant("s"),
        'ش' => Consonant("sh"),
        'ص' => Consonant("s"),
        'ض' => Consonant("d"),
        'ط' => Consonant("t"),
        'ظ' => Consonant("z"),
        'غ' => Consonant("gh"),
        'ف' => Consonant("f"),
        'ڤ' | 'ڥ' => Consonant("v"),
        'ق' => Consonant("q"),
        'ك' | 'ک' | 'ڪ' => Consonant("k"),
        'گ' => Consonant("g"),
        'ل' | 'ڵ' => Consonant("l"),
        'م' => Consonant("m"),
        'ن' => Consonant("n"),
        'ه' | 'ھ' | 'ہ' => Consonant("h"),
        'ا' | 'أ' | 'إ' | 'آ' | 'ٱ' | 'ى' | 'ة' | 'ۃ' | 'ە' => LongA,
        'و' | 'ؤ' | 'ۆ' | 'ۇ' | 'ۋ' => Waw,
        'ي' | 'ی' | 'ئ' | 'ې' | 'ێ' | 'ے' => Ya,
        'ع' | 'ء' => Glottal,
        _ => Other,
    }
}

/// Romanises an Arabic-script token (light-normalised: hamza seats, ى and ة still visible).
/// A guess for names the tables do not know: `حلبي` → `halabi`, `محمود` → `mahmud`.
pub fn arabic_to_latin(word: &str) -> Text {
    use ArabicSound::*;
    // Names are short: keep the letters on the stack.
    let mut buf = ['\0'; 48];
    let heap: Vec<char>;
    let chars: &[char] = if word.chars().count() <= buf.len() {
        let mut n = 0;
        for c in word.chars() {
            buf[n] = c;
            n += 1;
        }
        &buf[..n]
    } else {
        heap = word.chars().collect();
        &heap
    };
    let n = chars.len();
    let mut out = String::with_capacity(n * 2);
    // Did the last thing written end in a vowel sound?
    let mut vowel_last = false;
    let mut started = false;
    for i in 0..n {
        let c = chars[i];
        let next = chars.get(i + 1).map(|&c| arabic_sound(c));
        let next_is_vowel = matches!(next, Some(LongA) | Some(Glottal)) || next.is_none();
        let is_last = i + 1 == n;
        match arabic_sound(c) {
            Consonant(s) => {
                // A consonant after a consonant: an unwritten short vowel sat between them,
                // except in the aCCaC pattern (أحمد, أكرم) right after an initial alef, and in
                // CaCCūC / CaCCāC (محمود, منصور) before a long vowel.
                let before_long = matches!(next, Some(LongA) | Some(Waw) | Some(Ya)) && i + 1 < n - 1 && i >= 2;
                let after_initial_alef = i == 2 && matches!(chars[0], 'ا' | 'أ');
                if started && !vowel_last && !after_initial_alef && !before_long {
                    out.push('a');
                }
                // Final ه after a long a is the h of -ah (الله); after a consonant keep it.
                out.push_str(s);
                vowel_last = false;
            }
            LongA => {
                if c == 'إ' && i == 0 {
                    out.push('i');
                } else if (c == 'ة' || c == 'ۃ') && !is_last {
                    out.push_str("at");
                } else if !(vowel_last && out.ends_with('a')) || c == 'آ' {
                    out.push('a');
                }
                vowel_last = true;
            }
            Waw => {
                if !started || (vowel_last && !next_is_vowel) || (next_is_vowel && !is_last) {
                    if started && !vowel_last {
                        out.push('a');
                    }
                    out.push('w');
                    vowel_last = false;
                } else {
                    out.push('u');
                    vowel_last = true;
                }
            }
            Ya => {
                if !started || (vowel_last && !next_is_vowel) || (next_is_vowel && !is_last) {
                    if started && !vowel_last {
                        out.push('i');
                    }
                    out.push('y');
                    vowel_last = false;
                } else {
                    out.push('i');
                    vowel_last = true;
                }
            }
            Glottal => {
                // ʿayn / hamza: silent in Latin spellings, but it carries a vowel at the start
                // (علي → ali, عمر → amar) or before a consonant.
                if c == 'ع' && (!started || !vowel_last) && !next_is_vowel {
                    out.push('a');
                    vowel_last = true;
                } else if c == 'ع' && started && !vowel_last && next_is_vowel {
                    // سعاد → suad: the vowel comes from the next letter
                }
            }
            Other => {
                out.push(c);
                vowel_last = false;
            }
        }
        started = true;
    }
    Text::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ukrainian_national_system() {
        assert_eq!(ukrainian_to_latin("олександр"), "oleksandr");
        assert_eq!(ukrainian_to_latin("андрій"), "andrii");
        assert_eq!(ukrainian_to_latin("євген"), "yevhen");
        assert_eq!(ukrainian_to_latin("юлія"), "yuliia");
        assert_eq!(ukrainian_to_latin("згурський"), "zghurskyi");
        assert_eq!(ukrainian_to_latin("їжакевич"), "yizhakevych");
        assert_eq!(ukrainian_to_latin("зеленський"), "zelenskyi");
        assert_eq!(ukrainian_to_latin("ізоляція"), "izoliatsiia");
    }

    #[test]
    fn russian_press_system() {
        assert_eq!(russian_to_latin("александр"), "aleksandr");
        assert_eq!(russian_to_latin("сергей"), "sergey");
        assert_eq!(russian_to_latin("евгений"), "yevgeniy");
        assert_eq!(russian_to_latin("пётр"), "petr");
        assert_eq!(russian_to_latin("юрьевич"), "yuryevich");
        assert_eq!(russian_to_latin("щукин"), "shchukin");
    }

    #[test]
    fn turkish_c_reads_as_j() {
        assert_eq!(turkish_reading("cemilev").as_deref(), Some("jemilev"));
        assert_eq!(turkish_reading("dzhemilev").as_deref(), Some("jemilev"));
        assert_eq!(turkish_reading("djamel").as_deref(), Some("jamel"));
        assert_eq!(turkish_reading("chubarov"), None);
        assert_eq!(turkish_reading("halabi"), None);
    }

    #[test]
    fn ukrainian_tokens_also_get_the_russian_reading() {
        let (canon, alt) = cyrillic_to_latin("гриник", CyrillicLanguage::Ukrainian);
        assert_eq!(canon, "hrynyk");
        assert_eq!(alt.as_deref(), Some("grinik"));
    }

    #[test]
    fn undetermined_cyrillic_gets_both_readings() {
        let (canon, alt) = cyrillic_to_latin("григорий", CyrillicLanguage::Undetermined);
        assert_eq!(canon, "grigoriy");
        assert_eq!(alt.as_deref(), Some("hryhoryi"));
        let (canon, alt) = cyrillic_to_latin("максим", CyrillicLanguage::Undetermined);
        assert_eq!(canon, "maksim");
        assert_eq!(alt.as_deref(), Some("maksym"));
    }

    #[test]
    fn arabic_fallback_guesses_vowels() {
        assert_eq!(arabic_to_latin("حلبي"), "halabi");
        assert_eq!(arabic_to_latin("محمود"), "mahmud");
        assert_eq!(arabic_to_latin("علي"), "ali");
        assert_eq!(arabic_to_latin("أحمد"), "ahmad");
        assert_eq!(arabic_to_latin("إبراهيم"), "ibrahim");
        assert_eq!(arabic_to_latin("منصور"), "mansur");
        assert_eq!(arabic_to_latin("وليد"), "walid");
        assert_eq!(arabic_to_latin("خالد"), "khalad");
        assert_eq!(arabic_to_latin("سامر"), "samar");
        assert_eq!(arabic_to_latin("صيدنايا"), "sidnaya");
    }
}
