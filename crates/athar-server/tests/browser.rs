//! The web application in a real browser: headless Chromium driven over WebDriver
//! (chromedriver), against the server listening on loopback. An investigator signs in with a
//! TOTP code, searches in Arabic script, opens a person, judges a pair and uploads a small
//! list; a caseworker adds an inquiry — in English, then in Arabic (right to left). Every page
//! is saved as a screenshot (`ATHAR_SCREENSHOTS`, else `<temp>/athar-screenshots`).
//!
//! Needs `chromedriver` and `chromium` (Debian: `chromium-driver`, `chromium`), which `.ci/run`
//! installs; with `ATHAR_BROWSER_TEST=required` (set by `.ci/run`) their absence fails the test,
//! else it is skipped with a note.

mod common;

use common::{with_generated, Site, PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| PathBuf::from(d).join(program)).find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

struct Shots {
    dir: PathBuf,
    taken: Vec<PathBuf>,
}

impl Shots {
    async fn take(&mut self, browser: &Client, name: &str) {
        let png = browser.screenshot().await.expect("screenshot");
        let path = self.dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("save screenshot");
        self.taken.push(path);
    }
}

async fn text(browser: &Client) -> String {
    browser.find(Locator::Css("body")).await.expect("body").text().await.expect("text")
}

async fn direction(browser: &Client) -> (String, String) {
    let html = browser.find(Locator::Css("html")).await.expect("html");
    (
        html.attr("lang").await.ok().flatten().unwrap_or_default(),
        html.attr("dir").await.ok().flatten().unwrap_or_default(),
    )
}

async fn fill(browser: &Client, name: &str, value: &str) {
    let field = browser.find(Locator::Css(&format!("[name=\"{name}\"]"))).await.expect(name);
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

async fn submit(browser: &Client, css: &str) {
    browser.find(Locator::Css(css)).await.expect(css).click().await.expect("click");
}

async fn sign_in(browser: &Client, base: &str, site: &Site, name: &str) {
    browser.goto(&format!("{base}/signin")).await.expect("signin page");
    fill(browser, "name", name).await;
    fill(browser, "password", PASSWORD).await;
    submit(browser, "form[action=\"/signin\"] button").await;
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("input[name=\"code\"]"))
        .await
        .expect("the code step");
    fill(browser, "code", &site.next_code(name)).await;
    submit(browser, "form[action=\"/signin/code\"] button").await;
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("form[action=\"/signout\"]"))
        .await
        .expect("signed in");
}

async fn language(browser: &Client, base: &str, code: &str) {
    browser.goto(&format!("{base}/lang/{code}?back=/")).await.expect("language");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caseworkers_and_investigators_work_through_a_real_browser_in_english_and_arabic() {
    let required = std::env::var("ATHAR_BROWSER_TEST").is_ok_and(|v| v == "required");
    let (Some(chromedriver), Some(chromium)) =
        (find("chromedriver"), find("chromium").or_else(|| find("chromium-browser")))
    else {
        assert!(!required, "ATHAR_BROWSER_TEST=required, but chromedriver or chromium is not installed");
        eprintln!("skipped: chromedriver and chromium are not installed (apt-get install chromium chromium-driver)");
        return;
    };
    let site = Site::new();
    with_generated(&site, 120);
    // The server on loopback, as `athar serve` runs it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listen");
    let addr = listener.local_addr().expect("address");
    let app = athar_server::router(site.app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let base = format!("http://{addr}");
    // chromedriver, and Chromium headless in a fresh profile.
    let port = free_port();
    let _driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = tempfile::tempdir().expect("profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--window-size=1280,1100", format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let started = Instant::now();
    let browser = loop {
        match ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => break c,
            Err(e) if started.elapsed() < Duration::from_secs(30) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromedriver did not answer in 30 s: {e}"),
        }
    };
    let dir = std::env::var_os("ATHAR_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("athar-screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshots folder");
    let mut shots = Shots { dir, taken: Vec::new() };
    let list = site._dir.path().join("release-list.csv");
    std::fs::write(&list, "الاسم الكامل,اسم الأم,تاريخ الولادة,الحالة\nسامر يوسف العلي,مريم,1978,مفرج عنه\n")
        .expect("list");

    // Nothing before signing in.
    browser.goto(&format!("{base}/search")).await.expect("search");
    assert!(browser.current_url().await.expect("url").path().ends_with("/signin"));
    shots.take(&browser, "signin-en").await;
    sign_in(&browser, &base, &site, "ivan").await;
    for lang in ["en", "ar", "uk"] {
        language(&browser, &base, lang).await;
        let (l, dir) = direction(&browser).await;
        assert_eq!((l.as_str(), dir.as_str()), (lang, if lang == "ar" { "rtl" } else { "ltr" }), "the page's language");
        shots.take(&browser, &format!("overview-{lang}")).await;
        browser.goto(&format!("{base}/account/password")).await.expect("account");
        assert!(browser.find(Locator::Css("input[name=\"new_password\"]")).await.is_ok());
        shots.take(&browser, &format!("account-{lang}")).await;
        // Search in Arabic script, with a stated purpose.
        browser.goto(&format!("{base}/search")).await.expect("search");
        let probe = site.app.registry.sources(&common::local()).expect("sources");
        assert!(!probe.is_empty());
        fill(&browser, "name", "محمد").await;
        fill(&browser, "purpose", "browser test: a family's visit").await;
        submit(&browser, "form[action=\"/search\"] button").await;
        browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("section.result, p.notice"))
            .await
            .expect("results");
        let page = text(&browser).await;
        let results = match lang {
            "ar" => "من قد يكون",
            "uk" => "Хто це може бути",
            _ => "Who could it be",
        };
        assert!(page.contains(results), "{page}");
        shots.take(&browser, &format!("search-{lang}")).await;
        // Open the first person.
        if let Ok(link) = browser.find(Locator::Css("section.result h3 a")).await {
            link.click().await.expect("open person");
            browser
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("table.side"))
                .await
                .expect("person page");
            assert!(text(&browser).await.contains("SHA-256"));
            shots.take(&browser, &format!("person-{lang}")).await;
        }
        // Judge the pair shown.
        browser.goto(&format!("{base}/review")).await.expect("review");
        if browser.find(Locator::Css("button[value=\"different\"]")).await.is_ok() {
            shots.take(&browser, &format!("review-{lang}")).await;
            fill(&browser, "note", "browser test").await;
            submit(&browser, "button[value=\"unsure\"]").await;
            browser
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("p.notice"))
                .await
                .expect("recorded");
            let page = text(&browser).await;
            let recorded = match lang {
                "ar" => "سُجّل الحكم",
                "uk" => "Рішення записано",
                _ => "Judgement recorded",
            };
            assert!(page.contains(recorded), "{page}");
        }
        // The exports and the purge, each behind the password again.
        browser.goto(&format!("{base}/exports")).await.expect("exports");
        assert!(browser.find(Locator::Css("form[action=\"/exports\"] input[name=\"my_password\"]")).await.is_ok());
        shots.take(&browser, &format!("exports-{lang}")).await;
        browser.goto(&format!("{base}/purge")).await.expect("purge");
        assert!(browser.find(Locator::Css("form[action=\"/purge\"] input[name=\"my_password\"]")).await.is_ok());
        shots.take(&browser, &format!("purge-{lang}")).await;
        // Upload a small list, see how it reads, import it.
        browser.goto(&format!("{base}/sources/upload")).await.expect("upload");
        browser
            .find(Locator::Css("input[type=\"file\"]"))
            .await
            .expect("file input")
            .send_keys(&list.display().to_string())
            .await
            .expect("choose file");
        fill(&browser, "source", &format!("release-list-{lang}")).await;
        shots.take(&browser, &format!("upload-{lang}")).await;
        submit(&browser, "form[action=\"/sources/upload\"] button").await;
        browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("form[action=\"/sources/import\"]"))
            .await
            .expect("preview");
        shots.take(&browser, &format!("preview-{lang}")).await;
        if lang != "en" {
            // The same file again is refused (same SHA-256) with the reason; nothing imported.
            submit(&browser, "form[action=\"/sources/import\"] button").await;
            browser
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("p.error"))
                .await
                .expect("refusal");
            assert!(text(&browser).await.contains("SHA-256") || text(&browser).await.contains("imported"));
        } else {
            submit(&browser, "form[action=\"/sources/import\"] button").await;
            browser
                .wait()
                .at_most(Duration::from_secs(20))
                .for_element(Locator::Css("table.counts"))
                .await
                .expect("imported");
            shots.take(&browser, &format!("imported-{lang}")).await;
        }
    }
    submit(&browser, "form[action=\"/signout\"] button").await;
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("input[name=\"password\"]"))
        .await
        .expect("signed out");

    // A caseworker records an inquiry, in both languages.
    sign_in(&browser, &base, &site, "cora").await;
    for lang in ["en", "ar"] {
        language(&browser, &base, lang).await;
        browser.goto(&format!("{base}/inquiries/new")).await.expect("intake");
        fill(&browser, "name", "سامر يوسف العلي").await;
        fill(&browser, "born", "1978").await;
        fill(&browser, "enquirer", "Mariam").await;
        fill(&browser, "relationship", if lang == "ar" { "أم" } else { "mother" }).await;
        fill(&browser, "contact", "+963 933 000 222").await;
        submit(&browser, "input[value=\"icrc:whereabouts\"]").await;
        shots.take(&browser, &format!("inquiry-new-{lang}")).await;
        submit(&browser, "form[action=\"/inquiries\"] button").await;
        browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("p.reference"))
            .await
            .expect("acknowledgement");
        let ack = text(&browser).await;
        assert!(!ack.contains("/persons/"), "no result in an acknowledgement");
        shots.take(&browser, &format!("inquiry-ack-{lang}")).await;
        let (_, dir) = direction(&browser).await;
        assert_eq!(dir, if lang == "ar" { "rtl" } else { "ltr" });
    }
    browser.goto(&format!("{base}/inquiries")).await.expect("inquiries");
    shots.take(&browser, "inquiries-ar").await;
    // One inquiry: the consent as a table, with its withdrawal.
    let reference = site.app.registry.inquiries(&common::local(), false).expect("inquiries")[0].reference.clone();
    for lang in ["en", "ar"] {
        language(&browser, &base, lang).await;
        browser.goto(&format!("{base}/inquiries/{reference}")).await.expect("inquiry");
        assert!(browser.find(Locator::Css("table.consent")).await.is_ok(), "the consent as a table");
        shots.take(&browser, &format!("inquiry-{lang}")).await;
    }
    submit(&browser, "form[action=\"/signout\"] button").await;
    // The administrator: users and API tokens, the audit log, who looked at a person.
    sign_in(&browser, &base, &site, "ada").await;
    let looked_at = site.app.registry.audit_log(&common::local(), 500).expect("log");
    let person = looked_at
        .iter()
        .find_map(|e| e.target.as_deref().and_then(|t| t.strip_prefix("person:")).map(str::to_string))
        .unwrap_or_else(|| "P1".into());
    for lang in ["en", "ar"] {
        language(&browser, &base, lang).await;
        browser.goto(&format!("{base}/admin/users")).await.expect("users");
        assert!(browser.find(Locator::Css("form[action=\"/admin/tokens\"]")).await.is_ok());
        shots.take(&browser, &format!("users-{lang}")).await;
        browser.goto(&format!("{base}/admin/viewers?person={person}")).await.expect("viewers");
        assert!(text(&browser).await.contains("ivan"), "the investigator who opened the person");
        shots.take(&browser, &format!("viewers-{lang}")).await;
    }
    browser.close().await.expect("close");
    assert_eq!(site.app.registry.inquiries(&common::local(), false).expect("inquiries").len(), 2);
    assert!(site.app.registry.sources(&common::local()).expect("sources").iter().any(|s| s.name == "release-list-en"));
    for s in &shots.taken {
        eprintln!("screenshot: {}", s.display());
    }
    assert!(shots.taken.len() >= 28, "{} screenshots", shots.taken.len());
}
