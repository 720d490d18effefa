//! Readers on arbitrary bytes: an error or rows, never a panic.

use athar_ingest::dates::DateRules;
use athar_ingest::headers::map_headers;
use athar_ingest::{open, parse_row, ReadOptions};
use proptest::prelude::*;

fn read_everything(bytes: &[u8], ext: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("f.{ext}"));
    std::fs::write(&path, bytes).expect("write");
    let Ok(table) = open(&path, &ReadOptions::default()) else { return };
    let mapping = map_headers(&table.headers, &[], None);
    for row in table.rows {
        if let (Ok(raw), Ok(m)) = (row, mapping.as_ref()) {
            let _ = parse_row(m, &raw.cells, raw.row, DateRules::default());
        }
    }
}

/// Bytes that look like a list: delimiters, quotes, newlines, BOMs, Arabic and Cyrillic letters,
/// JSON punctuation, a ZIP signature.
fn list_like() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        &b","[..],
        b";",
        b"\t",
        b"\"",
        b"\n",
        b"\r\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\x00",
        b"name",
        b"given_name",
        "الاسم".as_bytes(),
        "اسم الأب".as_bytes(),
        "Прізвище".as_bytes(),
        "محمد".as_bytes(),
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b"PK\x03\x04",
        b"15/03/1985",
        b"\xc3",
        b"\x80",
        b"\xd9",
    ]);
    prop::collection::vec(pieces, 0..64).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), ext in prop::sample::select(vec!["csv", "tsv", "json", "ndjson", "xlsx", "txt"])) {
        read_everything(&bytes, ext);
    }

    #[test]
    fn list_like_bytes_never_panic(bytes in list_like(), ext in prop::sample::select(vec!["csv", "json", "ndjson", "bin"])) {
        read_everything(&bytes, ext);
    }
}
