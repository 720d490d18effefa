//! Generated lists with damage — stray bytes, characters cut in two, quotes left open,
//! delimiters swapped, legacy encodings, header-only and empty files — read as an import reads
//! them. Whatever the damage: no panic, and either the whole file is refused with a reason, or
//! every data line of the file is accounted for, in a row that makes a record or in a row set
//! aside; a row that makes a record never holds two lines (an unclosed quote that swallows
//! lines is set aside, not imported as one person).

use athar_ingest::dates::DateRules;
use athar_ingest::headers::map_headers;
use athar_ingest::{open, parse_row, ReadOptions};
use proptest::prelude::*;

/// Cell values each encoding can write.
fn names(encoding: &str) -> &'static [&'static str] {
    match encoding {
        "windows-1256" => &["محمد", "Mohammed", "الحلبي", "Fatima", "José", "", "1990", "+963944"],
        "windows-1251" => &["Олександр", "Mohammed", "Шевченко", "Fatima", "Ївга", "", "1990", "+963944"],
        _ => &["محمد", "Mohammed", "Олександр", "Fatima", "الحلبي", "Шевченко", "José", "", "1990", "+963944"],
    }
}

/// A list of `rows` lines, each holding its marker `m{i}q` in the first column.
fn table(rows: &[Vec<usize>], encoding: &str) -> String {
    let names = names(encoding);
    let mut s = String::from("record,given_name,family_name\n");
    for (i, r) in rows.iter().enumerate() {
        let a = names[r[0] % names.len()];
        let b = names[r[1] % names.len()];
        s.push_str(&format!("m{i}q,{a},{b}\n"));
    }
    s
}

#[derive(Debug, Clone)]
enum Damage {
    StrayByte(usize, u8),
    CutChar(usize),
    Quote(usize),
    Delimiter(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), prop::sample::select(vec![0xA0u8, 0xFF, 0x80, 0xC3, 0xD9]))
            .prop_map(|(p, b)| Damage::StrayByte(p, b)),
        any::<usize>().prop_map(Damage::CutChar),
        any::<usize>().prop_map(Damage::Quote),
        any::<usize>().prop_map(Damage::Delimiter),
    ]
}

fn apply(mut bytes: Vec<u8>, d: &Damage) -> Vec<u8> {
    // Never inside the header line: the header is checked on its own.
    let start = bytes.iter().position(|b| *b == b'\n').map_or(0, |p| p + 1);
    if bytes.len() <= start {
        return bytes;
    }
    let at = |p: usize| start + p % (bytes.len() - start);
    match *d {
        Damage::StrayByte(p, b) => {
            let i = at(p);
            bytes.insert(i, b);
        }
        Damage::CutChar(p) => {
            let i = at(p);
            // A multibyte character loses one of its continuation bytes (never a line break:
            // rows run together are another damage, set aside by their surplus cells).
            if let Some(lead) = (i..bytes.len()).find(|k| bytes[*k] >= 0xC0) {
                if lead + 1 < bytes.len() && bytes[lead + 1] >= 0x80 {
                    bytes.remove(lead + 1);
                }
            }
        }
        Damage::Quote(p) => {
            let i = at(p);
            bytes.insert(i, b'"');
        }
        Damage::Delimiter(p) => {
            let i = at(p);
            if let Some(k) = (i..bytes.len()).find(|k| bytes[*k] == b',') {
                bytes[k] = b';';
            }
        }
    }
    bytes
}

/// What an import makes of a file: `None` if refused, else the rows that make records and the
/// rows set aside, each as its text.
fn import(bytes: &[u8]) -> Option<(Vec<String>, Vec<String>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("list.csv");
    std::fs::write(&path, bytes).expect("write");
    let table = open(&path, &ReadOptions::default()).ok()?;
    let mapping = map_headers(&table.headers, &[], Some("record")).ok()?;
    let (mut records, mut aside) = (Vec::new(), Vec::new());
    for row in table.rows {
        match row {
            Ok(raw) => match parse_row(&mapping, &raw.cells, raw.row, DateRules::default()) {
                Ok(_) => records.push(markers_of(&raw.cells.join(","))),
                Err(_) => aside.push(markers_of(&raw.cells.join(","))),
            },
            Err(e) => aside.push(markers_of(&e.raw)),
        }
    }
    Some((records, aside))
}

/// A row's ASCII letters, digits and commas: a marker split by a damaged byte or a quote is
/// whole again.
fn markers_of(row: &str) -> String {
    row.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ',').collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_line_is_imported_or_set_aside_and_no_record_holds_two(
        rows in prop::collection::vec(prop::collection::vec(any::<usize>(), 2), 1..40),
        damages in prop::collection::vec(damage(), 0..4),
        encoding in prop::sample::select(vec!["utf-8", "windows-1256", "windows-1251"]),
    ) {
        let text = table(&rows, encoding);
        let enc = encoding_rs::Encoding::for_label(encoding.as_bytes()).expect("label");
        let (bytes, _, _) = enc.encode(&text);
        let mut bytes = bytes.into_owned();
        for d in &damages {
            bytes = apply(bytes, d);
        }
        if let Some((records, aside)) = import(&bytes) {
            for i in 0..rows.len() {
                let marker = format!("m{i}q");
                let in_records = records.iter().filter(|r| r.contains(&marker)).count();
                let in_aside = aside.iter().filter(|r| r.contains(&marker)).count();
                prop_assert!(in_records + in_aside >= 1, "line {i} lost: {records:?} {aside:?} in {:?}", String::from_utf8_lossy(&bytes));
                prop_assert!(in_records <= 1, "line {i} imported twice");
            }
            for r in &records {
                let markers = (0..rows.len()).filter(|i| r.contains(&format!("m{i}q"))).count();
                prop_assert!(markers <= 1, "one record holds {markers} lines: {r:?} in {:?}", String::from_utf8_lossy(&bytes));
            }
            prop_assert!(records.len() + aside.len() <= rows.len() + damages.len());
        }
    }

    #[test]
    fn undamaged_lists_import_whole_in_any_encoding(
        rows in prop::collection::vec(prop::collection::vec(any::<usize>(), 2), 1..40),
        encoding in prop::sample::select(vec!["utf-8", "windows-1256", "windows-1251", "utf-16le"]),
    ) {
        let text = table(&rows, encoding);
        let enc = encoding_rs::Encoding::for_label(encoding.as_bytes()).expect("label");
        let bytes: Vec<u8> = if encoding == "utf-16le" {
            let mut b = vec![0xFF, 0xFE];
            b.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
            b
        } else {
            enc.encode(&text).0.into_owned()
        };
        let (records, aside) = import(&bytes).expect("an undamaged list imports");
        prop_assert_eq!(records.len() + aside.len(), rows.len());
        prop_assert!(aside.is_empty() || aside.iter().all(|r| !r.is_empty()));
    }
}

#[test]
fn header_only_and_empty_lists_have_no_rows() {
    for (name, bytes) in [("h.csv", &b"name,family\n"[..]), ("e.json", b"[]"), ("o.json", b"{\"records\": []}")] {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let table = open(&path, &ReadOptions::default()).expect("opens");
        assert_eq!(table.rows.count(), 0, "{name}");
    }
}

#[test]
fn an_excel_separator_line_names_the_delimiter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("l.csv");
    std::fs::write(&path, "sep=;\nname;family\nAli;Hassan\n").expect("write");
    let table = open(&path, &ReadOptions::default()).expect("opens");
    assert_eq!(table.delimiter, Some(b';'));
    assert_eq!(table.headers, vec!["name", "family"]);
    let rows: Vec<_> = table.rows.collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].as_ref().expect("row").cells, vec!["Ali", "Hassan"]);
}

#[test]
fn a_file_without_a_header_row_is_refused_unless_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("l.csv");
    std::fs::write(&path, "Mohammed Ali,+963944123456,01020304050\nOmar,+963944000000,0202\n").expect("write");
    let e = open(&path, &ReadOptions::default()).expect_err("data as header");
    assert!(e.to_string().contains("--no-header"), "{e}");
    assert!(!e.to_string().contains("944123456"), "no value in the message: {e}");
    let table = open(&path, &ReadOptions { no_header: true, ..ReadOptions::default() }).expect("opens");
    assert_eq!(table.headers, vec!["column 1", "column 2", "column 3"]);
    let rows: Vec<u64> = table.rows.map(|r| r.expect("row").row).collect();
    assert_eq!(rows, vec![1, 2], "the first row is data, numbered as the file numbers it");
}

/// An object of a JSON list: its marker, a name, and sometimes a key given twice.
fn object(i: usize, name: &str, twice: bool) -> String {
    if twice {
        format!(r#"{{"record": "m{i}q", "given_name": "{name}", "given_name": "x"}}"#)
    } else {
        format!(r#"{{"record": "m{i}q", "given_name": "{name}"}}"#)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn json_and_ndjson_objects_are_each_imported_or_set_aside(
        items in prop::collection::vec((any::<usize>(), any::<bool>(), any::<u8>()), 1..30),
        ndjson in any::<bool>(),
        cut in any::<Option<usize>>(),
    ) {
        let pool = names("utf-8");
        let parts: Vec<String> = items
            .iter()
            .enumerate()
            .map(|(i, (n, twice, kind))| match kind % 10 {
                // Now and then a value that is no object, or a broken line.
                0 => "42".to_string(),
                1 if ndjson => "{\"record\": ".to_string(),
                _ => object(i, pool[n % pool.len()], *twice),
            })
            .collect();
        let mut text = if ndjson { parts.join("\n") } else { format!("[{}]", parts.join(",\n")) };
        if let Some(c) = cut {
            // A stray byte somewhere.
            let mut bytes = text.into_bytes();
            let at = c % bytes.len();
            bytes.insert(at, 0xFF);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(if ndjson { "l.ndjson" } else { "l.json" });
        std::fs::write(&path, text.as_bytes()).expect("write");
        let Ok(table) = open(&path, &ReadOptions::default()) else { return Ok(()) };
        let rows: Vec<_> = table.rows.collect();
        // Every item is one row, whatever became of it.
        prop_assert_eq!(rows.len(), items.len());
        for (i, (row, (_, twice, kind))) in rows.iter().zip(&items).enumerate() {
            if *twice && kind % 10 > 1 {
                prop_assert!(row.is_err(), "item {i}: a key given twice was imported");
            }
        }
    }
}
