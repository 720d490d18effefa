//! The benchmark's names, shared by `benches/analyse.rs` (time) and
//! `examples/analyse_mix.rs` (instruction counts, `bench/names_instructions.sh`).

const GIVEN_AR: &[&str] = &["محمد", "أحمد", "خالد", "حسين", "عمر", "يوسف", "فاطمة", "زينب", "عبد الرحمن", "مصطفى"];
const FAMILY_AR: &[&str] = &["الحلبي", "الخطيب", "المصري", "الحمصي", "الشامي", "العلي", "حمادة", "درويش"];
const GIVEN_CY: &[&str] = &["Олександр", "Сергій", "Дмитро", "Олена", "Андрей", "Николай", "Тетяна", "Юрий"];
const FAMILY_CY: &[&str] = &["Шевченко", "Коваленко", "Иванов", "Зеленський", "Мельник", "Петрова", "Бойко"];
const GIVEN_LA: &[&str] = &["Mohammed", "Mhd", "Hussein", "Oleksandr", "Youssef", "Fatima", "Abdulrahman", "Serhii"];
const FAMILY_LA: &[&str] = &["al-Halabi", "Alkhatib", "Hamadeh", "Kovalenko", "Ivanova", "El Masri", "Chubarov"];

/// 3,000 names: ⅓ in each script, given + father + family.
pub fn names() -> Vec<String> {
    let mut out = Vec::with_capacity(3000);
    for i in 0..1000usize {
        let p = |t: &[&str], k: usize| t[(i * 7 + k * 13) % t.len()].to_string();
        out.push(format!("{} {} {}", p(GIVEN_AR, 0), p(GIVEN_AR, 1), p(FAMILY_AR, 2)));
        out.push(format!("{} {} {}", p(FAMILY_CY, 0), p(GIVEN_CY, 1), p(GIVEN_CY, 2)));
        out.push(format!("{} {} {}", p(GIVEN_LA, 0), p(GIVEN_LA, 1), p(FAMILY_LA, 2)));
    }
    out
}
