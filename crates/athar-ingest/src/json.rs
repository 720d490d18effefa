//! JSON and NDJSON lists: an array of objects (or an object that holds one), or one object a
//! line. Owns reading objects with their keys in order and refusing what JSON parsers keep
//! silently: a key given twice in one object keeps only its last value in most parsers; here
//! the object goes to quarantine with the key named. Does not detect the format or the
//! encoding (see `read`).

use crate::read::{RawRow, ReadError, RowError};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::marker::PhantomData;
use std::path::Path;

/// An object's entries in the order written, keys given twice kept twice.
struct Entries<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<V>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// One item of a list: an object's entries, or why it is not one.
type Item = Result<Vec<(String, serde_json::Value)>, String>;

fn item_of(raw: &str) -> Item {
    if !raw.trim_start().starts_with('{') {
        return Err("is not a JSON object".into());
    }
    serde_json::from_str::<Entries<serde_json::Value>>(raw).map(|e| e.0).map_err(|e| format!("is not valid JSON ({e})"))
}

/// A JSON value as cell text: strings as they are, numbers and booleans as written, null
/// empty, arrays and objects as compact JSON.
fn json_text(v: serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn add_keys(entries: &[(String, serde_json::Value)], headers: &mut Vec<String>) {
    for (k, _) in entries {
        if !headers.contains(k) {
            headers.push(k.clone());
        }
    }
}

/// An object as a row of cells under `keys`; a key given twice, or bytes that were not valid
/// in the file's encoding, send it to quarantine.
fn object_row(row: u64, item: Item, keys: &[String], encoding: &str) -> Result<RawRow, RowError> {
    let entries = item.map_err(|reason| RowError { row, reason, raw: String::new(), fatal: false })?;
    let mut seen: Vec<&str> = Vec::with_capacity(entries.len());
    for (k, _) in &entries {
        if seen.contains(&k.as_str()) {
            return Err(RowError {
                row,
                reason: format!(
                    "the key '{}' is given twice in this object; which value is meant cannot be told — correct \
                     the file",
                    crate::values::visible(k)
                ),
                raw: String::new(),
                fatal: false,
            });
        }
        seen.push(k);
    }
    let mut by_key: std::collections::HashMap<String, serde_json::Value> = entries.into_iter().collect();
    let cells: Vec<String> = keys.iter().map(|k| by_key.remove(k).map(json_text).unwrap_or_default()).collect();
    if cells.iter().any(|c| c.contains('\u{FFFD}')) {
        return Err(RowError {
            row,
            reason: format!("holds bytes that are not valid {encoding}; the file may mix encodings — try --encoding"),
            raw: cells.join("\t"),
            fatal: false,
        });
    }
    Ok(RawRow { row, cells })
}

/// A list's rows, each read or set aside.
pub(crate) type Rows = Vec<Result<RawRow, RowError>>;

/// A JSON list: its keys (in order of first appearance) and its rows.
pub(crate) fn read_json(path: &Path, text: &str, encoding: &str) -> Result<(Vec<String>, Rows), ReadError> {
    let format_err = |problem: String| ReadError::Format { path: path.to_path_buf(), problem };
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    let items: Vec<&RawValue> = if trimmed.starts_with('[') {
        serde_json::from_str(text).map_err(|e| format_err(format!("is not valid JSON ({e})")))?
    } else if trimmed.starts_with('{') {
        let top: Entries<&RawValue> =
            serde_json::from_str(text).map_err(|e| format_err(format!("is not valid JSON ({e})")))?;
        let arrays: Vec<&RawValue> =
            top.0.into_iter().map(|(_, v)| v).filter(|v| v.get().trim_start().starts_with('[')).collect();
        let [array] = arrays[..] else {
            return Err(format_err(
                "JSON must be an array of objects, or an object with exactly one array of objects".into(),
            ));
        };
        serde_json::from_str(array.get()).map_err(|e| format_err(format!("is not valid JSON ({e})")))?
    } else {
        serde_json::from_str::<serde_json::Value>(text).map_err(|e| format_err(format!("is not valid JSON ({e})")))?;
        return Err(format_err("JSON must be an array of objects, or an object holding one".into()));
    };
    let items: Vec<Item> = items.into_iter().map(|raw| item_of(raw.get())).collect();
    let mut headers = Vec::new();
    for entries in items.iter().flatten() {
        add_keys(entries, &mut headers);
    }
    let rows =
        items.into_iter().enumerate().map(|(i, item)| object_row(i as u64 + 1, item, &headers, encoding)).collect();
    Ok((headers, rows))
}

/// Adds the keys of one NDJSON line to `headers`.
pub(crate) fn collect_keys(line: &str, headers: &mut Vec<String>) {
    if let Ok(entries) = item_of(line) {
        add_keys(&entries, headers);
    }
}

/// One NDJSON line as a row.
pub(crate) fn line_row(row: u64, line: &str, keys: &[String], encoding: &str) -> Result<RawRow, RowError> {
    let line = line.trim_start_matches('\u{feff}').trim();
    match item_of(line) {
        Err(reason) => Err(RowError { row, reason, raw: line.to_string(), fatal: false }),
        ok => object_row(row, ok, keys, encoding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_sends_its_object_to_quarantine() {
        let (headers, rows) = read_json(
            Path::new("x.json"),
            r#"[{"name": "Ali", "name": "Omar", "born": 1990}, {"name": "Sami"}, 7]"#,
            "UTF-8",
        )
        .expect("reads");
        assert_eq!(headers, vec!["name", "born"]);
        let e = rows[0].as_ref().expect_err("duplicate key");
        assert!(e.reason.contains("'name' is given twice"), "{}", e.reason);
        assert!(!e.reason.contains("Ali") && !e.reason.contains("Omar"), "no value in a reason");
        assert_eq!(rows[1].as_ref().expect("row").cells, vec!["Sami", ""]);
        assert!(rows[2].is_err());
    }

    #[test]
    fn an_object_that_holds_one_array_is_a_list() {
        let (headers, rows) =
            read_json(Path::new("x.json"), r#"{"meta": {"a": 1}, "records": [{"n": "x"}]}"#, "UTF-8").expect("reads");
        assert_eq!(headers, vec!["n"]);
        assert_eq!(rows.len(), 1);
        assert!(read_json(Path::new("x.json"), r#"{"a": [1], "b": [2]}"#, "UTF-8").is_err());
        assert!(read_json(Path::new("x.json"), "42", "UTF-8").is_err());
        let (h, rows) = read_json(Path::new("x.json"), "[]", "UTF-8").expect("an empty list reads");
        assert!(h.is_empty() && rows.is_empty());
    }
}
