//! End-to-end: real files of every format and encoding, imported by the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("athar.db")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write test file");
        p
    }

    fn athar(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_athar"))
            .arg("--db")
            .arg(self.db())
            .args(["--actor", "tester"])
            .args(args)
            .output()
            .expect("athar runs")
    }

    fn import_json(&self, file: &Path, source: &str, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["import", file.to_str().expect("path"), "--source", source, "--json"];
        args.extend_from_slice(extra);
        let o = self.athar(&args);
        assert!(o.status.success(), "import failed: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("import prints one JSON object")
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let o = self.athar(args);
        assert!(o.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("JSON output")
    }
}

fn counts(v: &serde_json::Value) -> (i64, i64, i64) {
    (v["rows"].as_i64().unwrap_or(-1), v["imported"].as_i64().unwrap_or(-1), v["quarantined"].as_i64().unwrap_or(-1))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const ARABIC_CSV: &str = "الاسم,اسم الأب,الكنية,اسم الأم,تاريخ الولادة,الهاتف,الرقم الوطني,الحالة\n\
محمد,أحمد,الحلبي,فاطمة,15/03/1985,+963944123456,01020304050,معتقل\n\
خالد,عمر,الشامي,زينب,١٩٩٠,,,مختفي قسرياً\n\
,,,,,+963955000111,,\n";

#[test]
fn arabic_windows_1256_with_arabic_headers() {
    let env = Env::new();
    // Windows-1256 has no Arabic-Indic digits: such a file writes them as ASCII digits.
    let text = ARABIC_CSV.replace("١٩٩٠", "1990");
    let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode(&text);
    let f = env.write("list.csv", &bytes);
    let v = env.import_json(&f, "ar-1256", &[]);
    assert_eq!(counts(&v), (3, 2, 1));
    assert_eq!(v["encoding"], "windows-1256");
    let r = env.json(&["records", "show", "1", "--json"]);
    let derived: Vec<(String, String)> = serde_json::from_value(r["derived"].clone()).expect("derived pairs");
    let get = |k: &str| derived.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone());
    assert_eq!(get("given_name").as_deref(), Some("محمد"));
    assert_eq!(get("father_name").as_deref(), Some("أحمد"));
    assert_eq!(get("family_name").as_deref(), Some("الحلبي"));
    assert_eq!(get("mother_name").as_deref(), Some("فاطمة"));
    assert_eq!(get("birth_date").as_deref(), Some("1985-03-15"));
    assert_eq!(get("status").as_deref(), Some("detained"));
    // The raw row is the file's text, cell for cell.
    let raw: Vec<(String, String)> = serde_json::from_value(r["raw"].clone()).expect("raw pairs");
    assert_eq!(raw[0], ("الاسم".to_string(), "محمد".to_string()));
    assert_eq!(raw[5].1, "+963944123456");
    let r2 = env.json(&["records", "show", "2", "--json"]);
    let derived: Vec<(String, String)> = serde_json::from_value(r2["derived"].clone()).expect("derived");
    assert!(derived.contains(&("birth_date".into(), "1990".into())));
    assert!(derived.contains(&("status".into(), "missing".into())));
    let q = env.json(&["quarantine", "--source", "ar-1256", "--json"]);
    let rows = q["quarantine"].as_array().expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["row"], 4);
    assert!(rows[0]["reason"].as_str().unwrap_or("").contains("no usable name"));
}

#[test]
fn utf8_bom_quoted_newlines_and_ragged_rows_keep_every_value() {
    let env = Env::new();
    let csv = "\u{feff}given_name,family_name,notes,extra\n\
               Mohammed,al-Halabi,\"line one\nline two\",x\n\
               Ali,Hassan\n\
               Omar,Khatib,n,e,surplus\n";
    let f = env.write("ngo.csv", csv.as_bytes());
    let v = env.import_json(&f, "ngo", &[]);
    // A short row is a record; a row with a surplus cell — a delimiter inside a value, or two
    // rows run together, whose fields would land in the wrong columns — is set aside whole.
    assert_eq!(counts(&v), (3, 2, 1));
    assert_eq!(v["encoding"], "UTF-8");
    let r1 = env.json(&["records", "show", "1", "--json"]);
    let raw: Vec<(String, String)> = serde_json::from_value(r1["raw"].clone()).expect("raw");
    assert_eq!(raw[0].0, "given_name", "the BOM is not part of the first header");
    assert_eq!(raw[2].1, "line one\nline two");
    let q = env.json(&["quarantine", "--json"]);
    let row = &q["quarantine"][0];
    assert_eq!(row["row"], 4);
    assert!(row["reason"].as_str().unwrap_or("").contains("5 cells but the header has 4"), "{row}");
    assert!(row["raw"].to_string().contains("surplus"), "every value is kept: {row}");
}

#[test]
fn utf16_tsv_koi8_and_windows_1251_with_cyrillic_headers() {
    let env = Env::new();
    let tsv = "Прізвище\tІм'я\tПо батькові\tДата народження\tСтать\n\
               Шевченко\tТарас\tГригорович\t09.03.1984\tч\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(tsv.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let f = env.write("ua.txt", &utf16);
    let v = env.import_json(&f, "ua-utf16", &[]);
    assert_eq!(counts(&v), (1, 1, 0));
    assert_eq!(v["format"], "tsv");
    let r = env.json(&["records", "show", "1", "--json"]);
    let derived: Vec<(String, String)> = serde_json::from_value(r["derived"].clone()).expect("derived");
    assert!(derived.contains(&("family_name".into(), "Шевченко".into())));
    assert!(derived.contains(&("father_name".into(), "Григорович".into())), "По батькові → father_name");
    assert!(derived.contains(&("birth_date".into(), "1984-03-09".into())));

    let ru = "Фамилия;Имя;Отчество;Дата рождения\nИванов;Сергей;Петрович;1979\nПетров;Иван;Сергеевич;1981\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(ru);
    let f = env.write("ru.csv", &bytes);
    let v = env.import_json(&f, "ru-1251", &[]);
    assert_eq!(counts(&v), (2, 2, 0));
    assert_eq!(v["encoding"], "windows-1251");

    let ua = "Прізвище,Ім'я\nКоваленко,Олена\nБойко,Андрій\n";
    let (bytes, _, _) = encoding_rs::KOI8_U.encode(ua);
    let f = env.write("ua-koi8.csv", &bytes);
    let v = env.import_json(&f, "ua-koi8", &["--encoding", "koi8-u"]);
    assert_eq!(counts(&v), (2, 2, 0));
    let r = env.json(&["records", "show", "5", "--json"]);
    let derived: Vec<(String, String)> = serde_json::from_value(r["derived"].clone()).expect("derived");
    assert!(derived.contains(&("given_name".into(), "Андрій".into())), "KOI8-U decoded: {derived:?}");
}

#[test]
fn xlsx_json_and_ndjson() {
    let env = Env::new();
    let path = env.path("list.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["ПІБ", "Дата народження", "Телефон"],
        ["Бойко Андрій Іванович", "1990-05-01", "+380501234567"],
        ["", "", ""],
        ["Мельник Олена", "12.12.1985", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *cell).expect("cell");
        }
    }
    ws.write_number(4, 0, 12345.0).expect("number");
    wb.save(&path).expect("save workbook");
    let v = env.import_json(&path, "xlsx", &[]);
    // The empty row 3 is no data row; row 5 holds only a number: no usable name.
    assert_eq!(counts(&v), (3, 2, 1));
    assert_eq!(v["format"], "xlsx");

    let json = r#"[{"given_name":"Youssef","family_name":"Darwish","born":"1988"},{"given_name":"","family_name":""},{"full_name":"Hussein Ali","phone":"+963933000000"}]"#;
    let f = env.write("list.json", json.as_bytes());
    let v = env.import_json(&f, "json", &["--map", "born=birth_date"]);
    assert_eq!(counts(&v), (3, 2, 1));

    let nd = "{\"full_name\":\"Mazen al-Hamada\"}\n{broken json\n\n{\"full_name\":\"Fatima Zahra\"}\n";
    let f = env.write("list.ndjson", nd.as_bytes());
    let v = env.import_json(&f, "ndjson", &[]);
    assert_eq!(counts(&v), (3, 2, 1));
    let q = env.json(&["quarantine", "--source", "ndjson", "--json"]);
    assert!(q["quarantine"][0]["reason"].as_str().unwrap_or("").contains("not valid JSON"));
}

#[test]
fn empty_binary_and_wrong_map_are_refused_clearly_and_change_nothing() {
    let env = Env::new();
    let f = env.write("empty.csv", b"");
    let o = env.athar(&["import", f.to_str().expect("p"), "--source", "e"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let f = env.write("garbage.bin", &garbage);
    let o = env.athar(&["import", f.to_str().expect("p"), "--source", "g"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let f = env.write("ok.csv", "given_name,family_name\nAli,Hassan\n".as_bytes());
    let o = env.athar(&["import", f.to_str().expect("p"), "--source", "m", "--map", "nosuch=given_name"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nosuch"), "{}", stderr(&o));
    let o = env.athar(&["import", f.to_str().expect("p"), "--source", "m", "--map", "given_name=nofield"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nofield"), "{}", stderr(&o));
    let s = env.json(&["sources", "--json"]);
    assert_eq!(s["sources"].as_array().map(Vec::len), Some(0), "nothing was imported");
}

#[test]
fn same_file_twice_is_refused_unless_forced_and_recycled_lists_are_named() {
    let env = Env::new();
    let f = env.write(
        "a.csv",
        "given_name,family_name,birth_date\nAli,Hassan,1980\nOmar,Khatib,1975\nSami,Darwish,1990\n".as_bytes(),
    );
    env.import_json(&f, "first", &[]);
    let o = env.athar(&["import", f.to_str().expect("p"), "--source", "second"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("imported already"), "{}", stderr(&o));
    let v = env.import_json(&f, "second", &["--force"]);
    assert_eq!(v["recycled_from"], "first");
    // A re-post with other spacing and one new row is still recognised.
    let g = env.write(
        "b.csv",
        "given_name,family_name,birth_date\n ali , HASSAN ,1980\nOmar,Khatib,1975\nNew,Person,2000\n".as_bytes(),
    );
    let v = env.import_json(&g, "third", &[]);
    assert_eq!(v["recycled_from"], "first");
    let o = env.athar(&["import", g.to_str().expect("p"), "--source", "third", "--force"]);
    assert_eq!(o.status.code(), Some(1), "a source name is unique");
}

#[test]
fn phone_and_national_id_are_nowhere_in_the_database_wal_or_backup() {
    let env = Env::new();
    let f = env.write("list.csv", ARABIC_CSV.as_bytes());
    env.import_json(&f, "secret", &[]);
    let secrets: [&[u8]; 3] = [b"+963944123456", b"01020304050", b"+963955000111"];
    let backup = env.path("backup.db");
    let o = env.athar(&["backup", backup.to_str().expect("p")]);
    assert!(o.status.success(), "{}", stderr(&o));
    for file in [env.db(), env.db().with_extension("db-wal"), backup] {
        if let Ok(bytes) = std::fs::read(&file) {
            for s in secrets {
                assert!(!bytes.windows(s.len()).any(|w| w == s), "{} holds a secret in clear", file.display());
            }
        }
    }
}

#[test]
fn dry_run_shows_the_mapping_and_writes_nothing() {
    let env = Env::new();
    let f = env.write("list.csv", ARABIC_CSV.as_bytes());
    let v = env.json(&["import", f.to_str().expect("p"), "--source", "dry", "--dry-run", "--json"]);
    assert_eq!(v["rows"][1]["fields"]["birth_date"], "1990", "Arabic-Indic digits are digits");
    let mapping = v["mapping"].as_array().expect("mapping");
    assert_eq!(mapping[2]["column"], "الكنية");
    assert_eq!(mapping[2]["role"]["field"], "family_name");
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(3));
    assert!(!env.db().exists(), "a preview before any registry exists creates no database");
    assert!(!env.path("athar.key").exists(), "nor a key file");
    // And a later command does not make one either: no registry is there (issue 15).
    let o = env.athar(&["sources", "--json"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no registry at"));
    assert!(!env.db().exists());
}

#[test]
fn audit_chain_records_imports_and_reads() {
    let env = Env::new();
    let f = env.write("list.csv", "given_name\nAli\n".as_bytes());
    env.import_json(&f, "a", &[]);
    env.json(&["records", "show", "1", "--json"]);
    let v = env.json(&["audit", "verify", "--json"]);
    assert_eq!(v["ok"], true);
    assert!(v["entries"].as_i64().unwrap_or(0) >= 2);
}

#[test]
fn a_killed_import_leaves_the_database_whole_and_a_rerun_completes() {
    let env = Env::new();
    let mut csv = String::from("given_name,family_name,birth_date\n");
    for i in 0..300_000 {
        csv.push_str(&format!("Name{i},Family{i},{}\n", 1950 + i % 50));
    }
    let f = env.write("big.csv", csv.as_bytes());
    let small = env.write("small.csv", "given_name\nAli\n".as_bytes());
    env.import_json(&small, "before", &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_athar"))
        .arg("--db")
        .arg(env.db())
        .args(["import", f.to_str().expect("p"), "--source", "big"])
        .env("ATHAR_PROGRESS", "lines")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait for the first progress line, then kill -9.
    use std::io::BufRead;
    let err = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufReader::new(err).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(first.starts_with("progress"), "expected a progress line, got {first:?}");
    child.kill().expect("kill -9");
    let _ = child.wait();
    let s = env.json(&["sources", "--json"]);
    let names: Vec<&str> = s["sources"].as_array().expect("list").iter().filter_map(|x| x["name"].as_str()).collect();
    assert_eq!(names, vec!["before"], "the killed import left nothing behind");
    let st = env.json(&["stats", "--json"]);
    assert_eq!(st["records"], 1);
    let v = env.import_json(&f, "big", &[]);
    assert_eq!(counts(&v), (300_000, 300_000, 0));
    let v = env.json(&["audit", "verify", "--json"]);
    assert_eq!(v["ok"], true);
}

#[test]
fn reindex_recomputes_derived_fields_from_raw_rows_only() {
    let env = Env::new();
    let f =
        env.write("list.csv", "given_name,family_name,birth_date,status\nAli,Hassan,15.03.1985,détenu\n".as_bytes());
    env.import_json(&f, "a", &[]);
    {
        let conn = rusqlite::Connection::open(env.db()).expect("raw connection");
        conn.execute("UPDATE records SET given_name = 'damaged', status = NULL, birth_date = NULL", [])
            .expect("edit derived");
        assert!(conn.execute("UPDATE records SET raw_clear = '[]'", []).is_err(), "raw values stay");
    }
    let v = env.json(&["reindex", "--json"]);
    assert_eq!(v["reindexed"], 1);
    let r = env.json(&["records", "show", "1", "--json"]);
    let derived: Vec<(String, String)> = serde_json::from_value(r["derived"].clone()).expect("derived");
    assert!(derived.contains(&("given_name".into(), "Ali".into())));
    assert!(derived.contains(&("birth_date".into(), "1985-03-15".into())));
    assert!(derived.contains(&("status".into(), "detained".into())));
}

#[test]
fn a_title_row_above_a_semicolon_table_and_invalid_bytes() {
    let env = Env::new();
    let f =
        env.write("t.csv", "Release list, December 2024\ngiven_name;family_name\nAli;Hassan\nOmar;Khatib\n".as_bytes());
    let v = env.import_json(&f, "titled", &["--header-row", "2"]);
    assert_eq!(counts(&v), (2, 2, 0));
    let r = env.json(&["records", "show", "1", "--json"]);
    assert_eq!(r["row"], 3, "the row a spreadsheet shows");
    let mut bytes = b"given_name,family_name\nAli,Hassan\n".to_vec();
    bytes.extend_from_slice(b"\xe3\xcd\xe3\xcf,x\n"); // Windows-1256 bytes in a UTF-8 file
    let f = env.write("mixed.csv", &bytes);
    let v = env.import_json(&f, "mixed", &["--encoding", "utf-8"]);
    assert_eq!(counts(&v), (2, 1, 1));
    let q = env.json(&["quarantine", "--source", "mixed", "--json"]);
    assert!(q["quarantine"][0]["reason"].as_str().unwrap_or("").contains("not valid UTF-8"), "{q}");
}

#[test]
fn import_advice_fits_the_case_a_title_row_an_early_year_dates_that_read_either_way_and_a_report() {
    let env = Env::new();
    let said = |file: &Path, extra: &[&str]| {
        let mut args = vec!["import", file.to_str().expect("path"), "--source", "s", "--dry-run"];
        args.extend_from_slice(extra);
        let o = env.athar(&args);
        format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o))
    };
    // A title above the table: the row that holds the column names is named.
    let titled = env.write("titled.csv", b"Release list\n\nname,father,birth_date\nAhmad Khatib,Ali,1970\n");
    let out = said(&titled, &[]);
    assert!(out.contains("give --header-row 2"), "{out}");
    assert!(said(&titled, &["--header-row", "2"]).contains("father_name"), "the advice works");
    let dated_title =
        env.write("dated.csv", b"Release list of 12/12/2024\nname,father,birth_date\nAhmad Khatib,Ali,1970\n");
    assert!(said(&dated_title, &[]).contains("give --header-row 2"));
    let long_title = env.write(
        "long.csv",
        "قائمة بأسماء المعتقلين المفرج عنهم من سجن صيدنايا في كانون الأول\nname,father,birth_date\nAhmad Khatib,Ali,1970\n"
            .as_bytes(),
    );
    let out = said(&long_title, &[]);
    assert!(out.contains("give --header-row 2") && !out.contains("running text"), "a long title is no report: {out}");
    // A year before 1850.
    let old = env.write("old.csv", b"name,birth_date\nAhmad Khatib,1820\nSami Haddad,1971\n");
    assert!(said(&old, &[]).contains("--earliest-year 1820"));
    // All-number dates that read either way: which order was taken, said once.
    let either = env.write("either.csv", b"name,birth_date\nAhmad Khatib,03/04/1970\nSami Haddad,05/06/1971\n");
    let out = said(&either, &[]);
    assert_eq!(out.matches("read either way").count(), 1, "{out}");
    assert!(out.contains("day first"));
    assert!(said(&either, &["--date-order", "mdy"]).contains("month first (--date-order mdy)"));
    let told = env.write("told.csv", b"name,birth_date\nAhmad Khatib,03/04/1970\nSami Haddad,25/06/1971\n");
    assert!(!said(&told, &[]).contains("either way"), "25/06 says the day comes first");
    // A report given as a list.
    let report = env.write(
        "report.txt",
        "Families gathered at Saydnaya prison on Monday. Many asked about relatives arrested in 2013.\n\
         Rescuers asked for the lists of prisoners.\n"
            .as_bytes(),
    );
    let o = env.athar(&["import", report.to_str().expect("path"), "--source", "r"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("running text"), "{}", stderr(&o));
    if env.db().exists() {
        let sources = String::from_utf8_lossy(&env.athar(&["sources", "--json"]).stdout).into_owned();
        assert!(!sources.contains("report.txt"), "nothing imported: {sources}");
    }
}
