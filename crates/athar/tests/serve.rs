//! `athar user` and `athar serve` as a user runs them: passwords from standard input, weak
//! ones refused with their reason and nothing written, the server refusing a network address
//! without TLS, and a real server on loopback that answers nothing before a sign-in.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_athar"));
        c.arg("--db").arg(self.dir.path().join("r.db")).args(["--actor", "operator"]).args(args);
        c
    }

    fn with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("athar runs");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
        child.wait_with_output().expect("athar ends")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("athar runs")
    }
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn users_are_added_from_standard_input_and_a_weak_password_is_refused_with_its_reason() {
    let env = Env { dir: tempfile::tempdir().expect("temp dir") };
    assert!(env.run(&["init"]).status.success());
    let o = env.with_stdin(&["user", "add", "sara", "--role", "caseworker", "--password-stdin"], "password123\n");
    let (_, err) = text(&o);
    assert!(!o.status.success() && err.contains("12 characters"), "{err}");
    let o = env.with_stdin(&["user", "add", "sara", "--role", "chief", "--password-stdin"], "a long good phrase\n");
    assert!(!o.status.success() && text(&o).1.contains("not a role"), "{}", text(&o).1);
    let (out, _) = text(&env.run(&["user", "list"]));
    assert!(out.contains("no users yet"), "nothing was written: {out}");
    let o =
        env.with_stdin(&["user", "add", "sara", "--role", "caseworker", "--password-stdin"], "a long good phrase\n");
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("otpauth://totp/") && out.contains("Recovery codes"), "{out}");
    assert!(!out.contains("a long good phrase"), "the password is never printed");
    let (out, _) = text(&env.run(&["user", "list"]));
    assert!(out.contains("sara") && out.contains("caseworker") && out.contains("enrolled"), "{out}");
    // Without a terminal and without --password-stdin, nothing is asked and nothing written.
    let o = env.with_stdin(&["user", "add", "omar", "--role", "viewer"], "");
    assert!(!o.status.success() && text(&o).1.contains("--password-stdin"), "{}", text(&o).1);
    assert!(env.run(&["user", "disable", "sara"]).status.success());
    let (out, _) = text(&env.run(&["user", "list"]));
    assert!(out.contains("disabled"), "{out}");
    assert!(!env.run(&["user", "disable", "nobody"]).status.success());
    assert!(env.run(&["audit", "verify"]).status.success(), "user changes are sealed in the chain");
}

#[test]
fn the_server_refuses_a_network_address_without_tls_and_answers_nothing_before_sign_in() {
    let env = Env { dir: tempfile::tempdir().expect("temp dir") };
    let o = env.run(&["serve", "--addr", "127.0.0.1:0"]);
    assert!(!o.status.success() && text(&o).1.contains("there is no registry"), "a mistyped --db: {}", text(&o).1);
    assert!(env.run(&["init"]).status.success());
    let o = env.run(&["serve", "--addr", "0.0.0.0:0"]);
    assert!(!o.status.success() && text(&o).1.contains("--insecure-http"), "{}", text(&o).1);
    let o = env.run(&["serve", "--addr", "0.0.0.0:0", "--tls-cert", "no-cert.pem", "--tls-key", "no-key.pem"]);
    assert!(
        !o.status.success() && text(&o).1.contains("no-cert.pem"),
        "a missing certificate is named: {}",
        text(&o).1
    );
    let o = env.run(&["serve", "--tls-cert", "c.pem"]);
    assert!(!o.status.success() && text(&o).1.contains("--tls-key"), "{}", text(&o).1);
    let mut child = env
        .command(&["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let Some(Ok(line)) = lines.next() else {
            let _ = child.kill();
            panic!("the server ended before it served");
        };
        if let Some(rest) = line.split("serves on http://").nth(1) {
            break rest.split('/').next().unwrap_or("").to_string();
        }
    };
    let answer = (|| -> std::io::Result<String> {
        let mut s = std::net::TcpStream::connect(&addr)?;
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
        s.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())?;
        let mut out = String::new();
        s.read_to_string(&mut out)?;
        Ok(out)
    })();
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert!(answer.to_lowercase().contains("location: /signin"), "{answer}");
}
