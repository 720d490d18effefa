//! `serve` over TLS: a certificate made for the test is the client's only trusted root; the
//! server answers over HTTPS only, its session cookie is `Secure`, and HSTS tells browsers to
//! use nothing else.

mod common;

use common::Site;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn over_tls_the_cookie_is_secure_and_browsers_are_told_to_keep_to_https() {
    let site = Site::new();
    let dir = site._dir.path().to_path_buf();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("certificate");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("cert");
    std::fs::write(&key, certified.key_pair.serialize_pem()).expect("key");
    let registry = athar_registry::Registry::open(&dir.join("r.db"), &dir.join("r.key")).expect("open");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let config = athar_server::Config {
        addr: "127.0.0.1:0".parse().expect("addr"),
        insecure_http: false,
        tls: Some((cert.clone(), key.clone())),
    };
    // The server runs until the test process ends (as `athar serve` runs until Ctrl-C).
    std::thread::spawn(move || {
        let say = |line: &str| {
            let _ = tx.send(line.to_string());
        };
        let _ = athar_server::serve(registry, config, &say);
    });
    let addr = loop {
        let line = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the server starts");
        if let Some(rest) = line.split("serves on https://").nth(1) {
            break rest
                .trim_end_matches(|c| c != '/')
                .trim_end_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_string();
        }
    };
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).expect("root");
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let tls = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let tcp = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut stream = connector.connect(name, tcp).await.expect("a TLS handshake with the certificate given");
    stream
        .write_all(format!("GET /signin HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("request");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(answer.contains("strict-transport-security: max-age=31536000"), "{answer}");
    let cookie = answer.lines().find(|l| l.starts_with("set-cookie: athar_session=")).expect("a session cookie");
    assert!(
        cookie.contains("; secure") && cookie.contains("httponly") && cookie.contains("samesite=strict"),
        "{cookie}"
    );
    // Plain HTTP to the same port is not served.
    let mut plain = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    plain.write_all(b"GET /signin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), plain.read_to_end(&mut out)).await;
    assert!(!String::from_utf8_lossy(&out).contains("athar_session"), "no page over plain HTTP");
}
