//! What the commands print, kept: a registry of generated lists, imported, linked, searched,
//! explained, reviewed, exported and asked by an inquiry, and `athar demo`, compared with the
//! outputs recorded in `tests/golden/` (timings, timestamps and random references aside). A
//! deliberate change of output is recorded again with `ATHAR_BLESS=1 cargo test -p athar --test
//! golden`, and the difference reviewed in the commit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn run(dir: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_athar"))
        .current_dir(dir)
        .args(["--db", "golden.db", "--actor", "golden"])
        .args(args)
        .output()
        .expect("athar runs");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What changes from run to run: timings, timestamps, inquiry references, generated paths.
fn steady(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim_start().starts_with("time:") {
            continue;
        }
        out.push_str(&steady_line(line));
        out.push('\n');
    }
    out
}

fn steady_line(line: &str) -> String {
    let mut s = line.to_string();
    // JSON: the "seconds" object of a link, timestamps, references.
    if let Some(a) = s.find("\"seconds\":{") {
        if let Some(b) = s[a..].find('}') {
            s.replace_range(a..a + b + 1, "\"seconds\":{}");
        }
    }
    for key in ["\"found_at\":\"", "\"created_at\":\"", "\"imported_at\":\"", "\"at\":\""] {
        let mut from = 0;
        while let Some(a) = s[from..].find(key).map(|a| a + from) {
            from = a + key.len() + 2;
            let start = a + key.len();
            let Some(len) = s[start..].find('"') else { break };
            s.replace_range(a..start + len + 1, &format!("{key}T\""));
        }
    }
    while let Some(a) = s.find("INQ-") {
        let end = (a + 12).min(s.len());
        s.replace_range(a..end, "INQ-REF");
        if !s[a + 7..].contains("INQ-") {
            break;
        }
    }
    s
}

fn check(name: &str, text: &str) {
    let path = golden_dir().join(name);
    let text = steady(text);
    if std::env::var("ATHAR_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(golden_dir()).expect("golden dir");
        std::fs::write(&path, &text).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: record it with ATHAR_BLESS=1", path.display()));
    if want != text {
        let first = want.lines().zip(text.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from {} at line {:?}:\n  was: {:?}\n  now: {:?}",
            path.display(),
            first.map(|l| l + 1),
            first.and_then(|l| want.lines().nth(l)),
            first.and_then(|l| text.lines().nth(l)),
        );
    }
}

#[test]
fn the_commands_print_what_they_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    run(d, &["synth", "--persons", "120", "--seed", "5", "--out", "lists"]);
    let mut imports = String::new();
    // An inquiry made before the Ukrainian lists arrive, for the first person of one of them:
    // its leads come from the import and the link that follow.
    let ua = std::fs::read_to_string(d.join("lists/ua_list.csv")).expect("ua list");
    let sought = ua.lines().nth(1).and_then(|l| l.split(',').nth(1)).expect("a name").to_string();
    for (list, kind) in [
        ("register_ar", "register"),
        ("ngo_en", "ngo-list"),
        ("ngo_fr", "ngo-list"),
        ("inquiries", "inquiry"),
        ("ua_register", "register"),
        ("ua_list", "ngo-list"),
    ] {
        let file = format!("lists/{list}.csv");
        if !d.join(&file).exists() {
            continue;
        }
        if list == "ua_register" {
            let ack = run(
                d,
                &[
                    "inquiry",
                    "add",
                    &sought,
                    "--enquirer",
                    "A. Relative",
                    "--relationship",
                    "sister",
                    "--consent",
                    "icrc: existence",
                    "--json",
                ],
            );
            check("inquiry-add.json", &ack);
        }
        imports.push_str(&run(
            d,
            &["import", &file, "--source", list, "--kind", kind, "--id-column", "source_record_id", "--json"],
        ));
    }
    check("import.jsonl", &imports);
    check("link.json", &run(d, &["link", "--json"]));
    check("review.json", &run(d, &["review", "--json"]));
    check("review.txt", &run(d, &["review", "--limit", "5"]));
    check("export.csv", &run(d, &["export", "persons", "--out", "-"]));
    check("search.json", &run(d, &["search", "Mohammed", "--limit", "5", "--json"]));
    check("search.txt", &run(d, &["search", "محمد", "--limit", "3"]));
    // The first two records of one person, explained.
    let export = run(d, &["export", "persons", "--out", "-"]);
    let mut rows = export.lines().skip(1).map(|l| l.split(',').collect::<Vec<_>>());
    let first = rows.next().expect("a row");
    let second = rows.find(|r| r[0] == first[0]).expect("a person with two records");
    check("explain.json", &run(d, &["explain", first[1], second[1], "--json"]));
    check("explain.txt", &run(d, &["explain", first[1], second[1]]));
    check("inquiry-list.json", &run(d, &["inquiry", "list", "--json"]));
    check("inquiry-leads.json", &run(d, &["inquiry", "leads", "--json"]));
    check("stats.json", &run(d, &["stats", "--json"]));
    check("sources.json", &run(d, &["sources", "--json"]));
}

#[test]
fn the_demo_prints_what_it_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = Command::new(env!("CARGO_BIN_EXE_athar")).arg("demo").current_dir(dir.path()).output().expect("demo runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check("demo.txt", &String::from_utf8_lossy(&o.stdout));
}
