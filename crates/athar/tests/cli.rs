//! End-to-end runs of the `athar` binary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn athar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_athar")).args(args).output().expect("the athar binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tmp(name: &str, content: &[u8]) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("athar-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write temp file");
    p
}

#[test]
fn help_and_version() {
    let o = athar(&["--version"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("athar "));
    let o = athar(&["--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("names"));
    let o = athar(&["no-such-command"]);
    assert_eq!(o.status.code(), Some(2), "wrong usage exits 2");
}

#[test]
fn analyse_json_reports_script_roles_and_keys() {
    let o = athar(&["names", "analyse", "محمد عبد الرحمن الحلبي", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["script"], "arabic");
    let roles: Vec<&str> = v["parts"].as_array().expect("parts").iter().filter_map(|p| p["role"].as_str()).collect();
    assert_eq!(roles, ["given", "father", "family"]);
    assert_eq!(v["parts"][0]["latin"], "muhammad");
    assert!(v["keys"].as_array().expect("keys").iter().any(|k| k == "=muhammad"));
}

#[test]
fn analyse_of_no_name_fails_clearly() {
    let o = athar(&["names", "analyse", "1234 🙂", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON even on error");
    assert!(v["error"].as_str().expect("error").contains("no usable name"));
}

#[test]
fn compare_json_has_score_and_same_name() {
    let o = athar(&["names", "compare", "Mhd Abd al-Rahman Halabi", "محمد عبد الرحمن الحلبي", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["same_name"], true);
    assert!(v["score"].as_f64().expect("score") > 0.9);
    let o = athar(&["names", "compare", "Hassan", "Hussein", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["same_name"], false);
    let o = athar(&["names", "compare", "Hassan", "Hussein"]);
    assert!(stdout(&o).contains("different names"), "the human output explains: {}", stdout(&o));
}

#[test]
fn batch_gives_one_line_per_row_in_order_even_for_bad_rows() {
    let csv = "a,b\nMohammed,محمد\n,Ali\nHassan,Hussein\n\"Oleksandr\",\"Александр\"\nonly-one-column\n1234,5678\n";
    let p = tmp("pairs.csv", csv.as_bytes());
    let o = athar(&["names", "compare", "--batch", p.to_str().expect("path")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["same_name"], true);
    assert_eq!(lines[1]["same_name"], false);
    assert!(lines[1]["error"].as_str().expect("error").contains("no usable name"));
    assert_eq!(lines[2]["same_name"], false);
    assert_eq!(lines[3]["same_name"], true);
    assert_eq!(lines[4]["score"], 0);
    assert!(lines[4]["error"].is_string());
    assert!(lines[5]["error"].is_string());
}

#[test]
fn batch_without_the_columns_says_which_are_needed() {
    let p = tmp("wrong.csv", b"x,y\n1,2\n");
    let o = athar(&["names", "compare", "--batch", p.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("'a' and 'b'"));
    let o = athar(&["names", "compare", "--batch", "/no/such/file.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot open"));
}

#[test]
fn eval_without_data_says_where_it_looked() {
    let o = athar(&["names", "eval", "--data", "/no/such/dir"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("evaluation data not found"));
}

#[test]
fn output_into_a_pipe_closed_early_ends_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("athar-cli-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // The demo prints many lines with println!, which panicked on a closed pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_athar"))
        .arg("demo")
        .current_dir(&dir)
        // Killed by the closed pipe, the demo cannot remove its generated lists: they stay here.
        .env("TMPDIR", &dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the athar binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("a first line");
    assert!(!first.is_empty());
    // The reader is dropped here, like `| head -1`.
    let out = child.wait_with_output().expect("athar ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!stderr.contains("panicked"), "a closed pipe made athar panic: {stderr}");
}
