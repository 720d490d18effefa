//! The web application end to end, in process (no socket): sign-in with a second factor,
//! sessions that end, CSRF tokens, rate limits, headers, languages — and the authorisation
//! matrix of ARCHITECTURE.md checked against every route of the router, for every role and
//! for someone not signed in.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use common::{local, with_generated, with_lists, Site, PASSWORD};
use std::collections::HashMap;
use std::net::SocketAddr;
use tower::ServiceExt;

impl Site {
    fn client(&self) -> Client {
        Client { router: self.router.clone(), cookies: HashMap::new(), from: None }
    }

    /// A client signed in as `name` (password, then a code when the role needs one).
    async fn signed_in(&self, name: &str) -> Client {
        let mut c = self.client();
        let r = c.sign_in(name, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        if r.location() == "/signin/code" {
            let code = self.next_code(name);
            let r = c.post("/signin/code", &[("code", &code)]).await;
            assert_eq!(r.location(), "/", "{name} signed in: {}", r.body);
        }
        c
    }
}

struct Client {
    router: Router,
    cookies: HashMap<String, String>,
    from: Option<SocketAddr>,
}

#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

impl Client {
    async fn send(&mut self, method: Method, path: &str, body: Option<String>) -> Answer {
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut req = Request::builder().method(method).uri(path).header(header::COOKIE, cookie.join("; "));
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let mut req = req.body(body.map_or_else(Body::empty, Body::from)).expect("request");
        if let Some(from) = self.from {
            req.extensions_mut().insert(axum::extract::ConnectInfo(from));
        }
        let res = self.router.clone().oneshot(req).await.expect("answer");
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().expect("cookie");
            if let Some((k, rest)) = v.split_once('=') {
                let value = rest.split(';').next().unwrap_or("");
                if value.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), value.to_string());
                }
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.expect("body");
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    /// The CSRF token of the last page of this session that had a form.
    async fn csrf(&mut self) -> String {
        let page =
            if self.cookies.contains_key("athar_session") { self.get("/").await } else { self.get("/signin").await };
        let page = if page.body.contains("name=\"csrf\"") { page } else { self.get("/signin").await };
        csrf_of(&page.body)
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        self.post_raw(path, serde_urlencoded::to_string(&all).expect("form")).await
    }

    async fn post_raw(&mut self, path: &str, body: String) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Follows an import's page until it stops refreshing itself (bounded: 30 s).
    async fn follow_import(&mut self, path: &str) -> Answer {
        let started = std::time::Instant::now();
        loop {
            let r = self.get(path).await;
            if !r.body.contains("http-equiv=\"refresh\"") || started.elapsed().as_secs() > 30 {
                return r;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    async fn sign_in(&mut self, name: &str, password: &str) -> Answer {
        self.post("/signin", &[("name", name), ("password", password)]).await
    }
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string()
}

#[tokio::test]
async fn nothing_is_answered_before_signing_in_and_a_sign_in_takes_a_code_used_once() {
    let site = Site::new();
    let mut c = site.client();
    let r = c.get("/").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/signin"));
    let r = c.get("/admin/audit").await;
    assert_eq!(r.location(), "/signin", "no page of the registry before signing in");
    let r = c.get("/signin").await;
    assert_eq!(r.status, StatusCode::OK);
    let set = r.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let before = c.cookies["athar_session"].clone();
    let r = c.sign_in("cora", PASSWORD).await;
    assert_eq!(r.location(), "/signin/code");
    assert_ne!(c.cookies["athar_session"], before, "a new session token after the password");
    let r = c.get("/").await;
    assert_eq!(r.location(), "/signin", "the password alone does not sign a caseworker in");
    let code = site.code("cora");
    let r = c.post("/signin/code", &[("code", &code)]).await;
    assert_eq!(r.location(), "/");
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("cora"), "{}", home.body);
    assert!(!home.body.contains(">0<") && home.body.contains("10</td>"), "counts under 10 hidden: {}", home.body);
    // The same code again, in another sign-in, is refused.
    let mut other = site.client();
    other.sign_in("cora", PASSWORD).await;
    let r = other.post("/signin/code", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a code is accepted once");
    assert!(r.body.contains("not right"));
    // Signing out ends the session: its cookie is worth nothing after.
    let token = c.cookies["athar_session"].clone();
    let r = c.post("/signout", &[]).await;
    assert_eq!(r.location(), "/signin");
    c.cookies.insert("athar_session".into(), token);
    assert_eq!(c.get("/").await.location(), "/signin");
}

#[tokio::test]
async fn a_wrong_name_and_a_wrong_password_look_alike_and_the_sixth_failure_is_refused_unchecked() {
    let site = Site::new();
    let at = |n: u8| Some(SocketAddr::from(([10, 2, 0, n], 1)));
    let mut c = site.client();
    c.from = at(1);
    let wrong_name = c.sign_in("nobody", PASSWORD).await;
    let wrong_password = c.sign_in("vera", "not the right password").await;
    assert_eq!(wrong_name.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_name.status, wrong_password.status);
    assert_eq!(wrong_name.body, wrong_password.body, "the same page");
    // Four more failures for the account, each from another address: five in all.
    for n in 2..6 {
        let mut other = site.client();
        other.from = at(n);
        assert_eq!(other.sign_in("vera", "still not the password").await.status, StatusCode::UNAUTHORIZED);
    }
    let mut fresh = site.client();
    fresh.from = at(20);
    let r = fresh.sign_in("vera", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "5 failures for the account: the right password waits");
    assert!(r.body.contains("15 minutes"), "{}", r.body);
    // Five failures from one address, for any accounts, stop that address.
    for name in ["x1", "x2", "x3"] {
        c.sign_in(name, "guessing guessing").await;
    }
    assert_eq!(c.sign_in("ada", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "the address is limited");
    let mut elsewhere = site.client();
    elsewhere.from = at(30);
    assert_eq!(elsewhere.sign_in("ada", PASSWORD).await.location(), "/signin/code", "the account is not");
    let log = site.app.registry.audit_log(&local(), 50).expect("log");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.iter().filter(|a| **a == "signin.failed").count() >= 9, "{actions:?}");
    assert!(actions.contains(&"refused.429"), "429 audited: {actions:?}");
}

#[tokio::test]
async fn a_form_without_its_sessions_csrf_token_is_refused_and_changes_nothing() {
    let site = Site::new();
    let mut admin = site.signed_in("ada").await;
    let mut other = site.signed_in("ada").await;
    let foreign = other.csrf().await;
    let users_before = site.app.registry.users(&local()).expect("users").len();
    for token in ["", "0000", foreign.as_str()] {
        let body = serde_urlencoded::to_string([
            ("csrf", token),
            ("name", "mallory"),
            ("role", "investigator"),
            ("password", "a long enough password"),
            ("my_password", PASSWORD),
        ])
        .expect("form");
        let r = admin.post_raw("/admin/users", body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "token {token:?}");
        assert!(r.body.contains("reload the page"), "{}", r.body);
    }
    // A token of a session that has ended is worth nothing either.
    let ended = other.csrf().await;
    other.post("/signout", &[]).await;
    let body = serde_urlencoded::to_string([("csrf", ended.as_str()), ("name", "x")]).expect("form");
    assert_ne!(other.post_raw("/admin/users/disable", body).await.status, StatusCode::OK);
    assert_eq!(site.app.registry.users(&local()).expect("users").len(), users_before, "nothing written");
    // With its token and the administrator's password, the user is added and shown once.
    let r = admin
        .post(
            "/admin/users",
            &[
                ("name", "sami"),
                ("role", "caseworker"),
                ("password", "a long enough password"),
                ("my_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<svg") && !r.body.contains("otpauth"), "QR drawn, address not printed");
    // A wrong confirmation password refuses the change.
    let r = admin.post("/admin/users/disable", &[("name", "sami"), ("my_password", "wrong wrong wrong")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(site
        .app
        .registry
        .users(&local())
        .expect("users")
        .iter()
        .any(|u| u.name == "sami" && u.disabled_at.is_none()));
}

#[tokio::test]
async fn disabling_a_user_ends_their_session_at_once() {
    let site = Site::new();
    let mut cora = site.signed_in("cora").await;
    assert_eq!(cora.get("/").await.status, StatusCode::OK);
    let mut admin = site.signed_in("ada").await;
    let r = admin.post("/admin/users/disable", &[("name", "cora"), ("my_password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(cora.get("/").await.location(), "/signin", "the session ended with the account");
    assert_eq!(cora.sign_in("cora", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_arabic_pages_run_right_to_left() {
    let site = Site::new();
    let mut c = site.client();
    for path in ["/signin", "/", "/no/such/page", "/static/athar.css"] {
        let r = c.get(path).await;
        let h = |k: &str| r.headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert!(h("content-security-policy").contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h("cache-control"), "no-store", "{path}");
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
    }
    let r = c.get("/lang/ar?back=/signin").await;
    assert_eq!(r.location(), "/signin");
    let page = c.get("/signin").await;
    assert!(page.body.contains("dir=\"rtl\"") && page.body.contains("lang=\"ar\""), "{}", page.body);
    assert!(page.body.contains("تسجيل الدخول"));
    let r = c.get("/lang/en?back=//evil.example").await;
    assert_eq!(r.location(), "/", "no redirect off the site");
    let mut browser = site.client();
    let req_ar =
        Request::builder().uri("/signin").header(header::ACCEPT_LANGUAGE, "ar-SY,ar;q=0.9").body(Body::empty());
    let res = browser.router.clone().oneshot(req_ar.expect("req")).await.expect("answer");
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.expect("body");
    assert!(String::from_utf8_lossy(&body).contains("dir=\"rtl\""), "the browser's language when none was chosen");
    let _ = browser.get("/").await;
}

/// The authorisation matrix of ARCHITECTURE.md: each line a route, each column a role (and
/// someone not signed in); ✓ where the route serves them.
fn matrix() -> Vec<(String, Vec<bool>)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ARCHITECTURE.md")).expect("doc");
    let start = text.find("<!-- routes -->").expect("ARCHITECTURE.md has a <!-- routes --> table");
    text[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("<!-- /routes -->"))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let route = cells[0].trim_matches('`').to_string();
            (route, cells[1..].iter().map(|c| *c == "✓").collect())
        })
        .collect()
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_matrix_in_architecture_says() {
    let site = Site::new();
    let table = matrix();
    let routes: Vec<String> = athar_server::routes().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    for r in &routes {
        assert!(table.iter().any(|(t, _)| t == r), "route {r} is missing from ARCHITECTURE.md's matrix");
    }
    for (t, _) in &table {
        assert!(routes.contains(t), "ARCHITECTURE.md lists {t}, which the router does not have");
    }
    let columns = ["ada", "ivan", "cora", "vera", ""];
    for (col, who) in columns.iter().enumerate() {
        let mut c = if who.is_empty() { site.client() } else { site.signed_in(who).await };
        // Each from an address of its own: the empty sign-in forms sent below count as failures.
        c.from = Some(SocketAddr::from(([10, 1, 0, col as u8], 1)));
        // Sign-out last: it ends the session.
        let mut order: Vec<&(String, Vec<bool>)> = table.iter().collect();
        order.sort_by_key(|(r, _)| r.contains("/signout"));
        for (route, allowed) in order {
            let (method, path) = route.split_once(' ').expect("METHOD PATH");
            let path = path
                .replace("{code}", "en")
                .replace("{id}", "P1")
                .replace("{a}/{b}", "1/2")
                .replace("{reference}", "NOPE")
                .replace("{id}/quarantine", "1/quarantine");
            let r = if method == "POST" { c.post(&path, &[]).await } else { c.get(&path).await };
            // Refused: forbidden, or sent to sign in (a page), or told the session has ended (a
            // form). A form of a route that serves, sent empty, may be answered otherwise.
            let refused = r.status == StatusCode::FORBIDDEN
                || r.status == StatusCode::UNAUTHORIZED && r.body.contains("session has ended")
                || r.location() == "/signin" && path != "/signout";
            let who = if who.is_empty() { "not signed in" } else { who };
            assert_eq!(!refused, allowed[col], "{route} for {who}: {} {}", r.status, r.location());
            if refused && r.status == StatusCode::FORBIDDEN {
                assert!(r.body.contains("does not allow") || r.body.contains("reload"), "{}", r.body);
            }
        }
    }
    let log = site.app.registry.audit_log(&local(), 500).expect("log");
    assert!(log.iter().any(|e| e.action == "refused.403"), "403s are audited");
    assert!(site.app.registry.verify_audit(&local(), false, None).expect("verify").verdict.ok);
}

#[tokio::test]
async fn a_search_needs_a_reason_answers_ranked_and_explained_and_opens_the_person() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    let page = cora.get("/search").await;
    assert_eq!(page.status, StatusCode::OK);
    let r = cora.post("/search", &[("name", "Mohammed Ahmad Halabi")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no inquiry, no purpose");
    assert!(r.body.contains("inquiry") && r.body.contains("Mohammed Ahmad Halabi"), "the form keeps what was typed");
    let r = cora.post("/search", &[("name", "Mohammed Ahmad Halabi"), ("inquiry", "INQ-NONE")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("there is no inquiry"), "{}", r.body);
    let r = cora
        .post(
            "/search",
            &[("name", "محمد أحمد الحلبي"), ("mother", "Fatima"), ("purpose", "family visit at the office")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let person =
        r.body.split("href=\"/persons/").nth(1).and_then(|s| s.split('"').next()).expect("a person").to_string();
    assert!(r.body.contains("<svg class=\"bar\"") && r.body.contains("class=\"for\""), "bars drawn");
    assert!(r.body.contains("register-ar") && r.body.contains("ngo-en"), "found in both lists: {}", r.body);
    // The person page: records side by side, their files and SHA-256.
    let p = cora.get(&format!("/persons/{person}")).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let sources = site.app.registry.sources(&local()).expect("sources");
    let shown: Vec<_> = sources.iter().filter(|s| p.body.contains(&format!("<bdi>{}</bdi>", s.name))).collect();
    assert!(!shown.is_empty(), "{}", p.body);
    assert!(
        shown.iter().all(|s| p.body.contains(&s.sha256) && p.body.contains(&s.file_name)),
        "provenance: file, SHA-256"
    );
    assert!(p.body.contains("Halabi") || p.body.contains("الحلبي"), "{}", p.body);
    assert_eq!(cora.get("/persons/P99999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(cora.get("/persons/..%2F..%2Fetc").await.status, StatusCode::NOT_FOUND);
    // A search tied to an inquiry names it in the audit chain; the text only encrypted.
    let reference = site
        .app
        .registry
        .add_inquiry(
            &local(),
            athar_registry::NewInquiry {
                sought: athar_registry::Query { name: Some("Khaled Omar Shami".into()), ..Default::default() },
                enquirer: athar_registry::Enquirer {
                    name: "Zeinab".into(),
                    relationship: "mother".into(),
                    contact: None,
                    consent: "icrc: existence".into(),
                },
            },
        )
        .expect("inquiry");
    let r = cora.post("/search", &[("name", "Khaled Omar Shami"), ("inquiry", &reference)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let log = site.app.registry.audit_log(&local(), 20).expect("log");
    let entry = log.iter().find(|e| e.action == "search" && e.actor == "cora").expect("searches audited");
    assert_eq!(entry.target.as_deref(), Some(format!("inquiry:{reference}").as_str()));
    let raw = std::fs::read(site._dir.path().join("r.db")).expect("db");
    assert!(!String::from_utf8_lossy(&raw).contains("Khaled Omar Shami"), "the search text is not in clear");
    assert!(site.app.registry.verify_audit(&local(), false, None).expect("verify").verdict.ok);
}

#[tokio::test]
async fn searches_are_limited_per_user_and_the_refusal_is_audited() {
    let site = Site::new();
    with_lists(&site);
    let mut ivan = site.signed_in("ivan").await;
    let fields = [("name", "Khaled Shami"), ("purpose", "checking the register")];
    for _ in 0..30 {
        assert_eq!(ivan.post("/search", &fields).await.status, StatusCode::OK);
    }
    let r = ivan.post("/search", &fields).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("30 a minute"), "{}", r.body);
    let mut cora = site.signed_in("cora").await;
    assert_eq!(cora.post("/search", &fields).await.status, StatusCode::OK, "per user");
    let log = site.app.registry.audit_log(&local(), 100).expect("log");
    assert!(log.iter().any(|e| e.action == "refused.429" && e.actor == "ivan"));
    assert_eq!(
        log.iter().filter(|e| e.action == "search" && e.actor == "ivan").count(),
        30,
        "the refused one was not run"
    );
}

#[tokio::test]
async fn a_reviewer_judges_the_pair_shown_and_gets_the_next_one() {
    let site = Site::new();
    with_generated(&site, 150);
    let waiting = site.app.registry.review(&local(), &Default::default()).expect("review").total;
    assert!(waiting >= 2, "generated lists leave pairs to review: {waiting}");
    let mut cora = site.signed_in("cora").await;
    let page = cora.get("/review").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("accesskey=\"s\"") && page.body.contains("<svg class=\"bar\""), "form and waterfall");
    let (a, b) = (field_of(&page.body, "a").expect("a"), field_of(&page.body, "b").expect("b"));
    let r = cora
        .post("/review/judge", &[("a", &a), ("b", &b), ("decision", "different"), ("note", "mothers differ")])
        .await;
    assert_eq!(r.location(), "/review?done=1", "{}", r.body);
    let next = cora.get("/review?done=1").await;
    assert!(next.body.contains("Judgement recorded"), "{}", next.body);
    assert_ne!(
        (field_of(&next.body, "a"), field_of(&next.body, "b")),
        (Some(a.clone()), Some(b.clone())),
        "the next pair is another"
    );
    assert_eq!(site.app.registry.review(&local(), &Default::default()).expect("review").total, waiting - 1);
    // The judged pair, opened again, shows the judgement first.
    let again = cora.get(&format!("/review/{a}/{b}")).await;
    assert!(again.body.contains("Judged") && again.body.contains("mothers differ"), "{}", again.body);
    // A judgement that is not a decision is refused, nothing recorded.
    let r = cora.post("/review/judge", &[("a", &a), ("b", &b), ("decision", "maybe")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(site.app.registry.review(&local(), &Default::default()).expect("review").total, waiting - 1);
}

fn field_of(body: &str, name: &str) -> Option<String> {
    body.split(&format!("name=\"{name}\" value=\"")).nth(1).and_then(|s| s.split('"').next()).map(str::to_string)
}

#[tokio::test]
async fn an_inquiry_is_acknowledged_without_results_and_its_leads_follow_later_lists() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    assert_eq!(cora.get("/inquiries/new").await.status, StatusCode::OK);
    // Without the one asking, nothing is recorded and the form keeps what was typed.
    let r = cora.post("/inquiries", &[("name", "عمر حسن درويش"), ("born", "1969")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("عمر حسن درويش") && r.body.contains("relationship"), "{}", r.body);
    assert!(site.app.registry.inquiries(&local(), true).expect("list").is_empty());
    let r = cora
        .post(
            "/inquiries",
            &[
                ("name", "عمر حسن درويش"),
                ("born", "1969"),
                ("enquirer", "Huda"),
                ("relationship", "sister"),
                ("contact", "+963 944 000 111"),
                ("consent", "family:existence"),
                ("consent", "family:status"),
                ("consent", "icrc:whereabouts"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("/persons/"), "an acknowledgement never shows a result");
    let reference = r.body.split("<strong>").nth(1).and_then(|s| s.split('<').next()).expect("reference").to_string();
    let detail = site.app.registry.inquiry(&local(), &reference).expect("inquiry");
    assert_eq!(
        detail.enquirer.consent,
        "family: existence, status; icrc: existence, whereabouts; commission: none; authorities: none",
        "consent as structured clauses"
    );
    let raw = std::fs::read(site._dir.path().join("r.db")).expect("db");
    assert!(!String::from_utf8_lossy(&raw).contains("944 000 111"), "the contact is kept encrypted");
    // A list that names him arrives: the inquiry has a new lead.
    use athar_registry::import::{ImportRequest, SourceKind};
    let file = site._dir.path().join("third.csv");
    std::fs::write(&file, "full_name,mother_name,birth_date\nOmar Hasan Darwish,Houda,1969\n").expect("write");
    let mut req = ImportRequest::new(file, "third");
    req.kind = SourceKind::NgoList;
    let report = site.app.registry.import(&local(), &req, &athar_registry::Silent).expect("import");
    assert!(report.new_inquiry_leads >= 1, "{report:?}");
    let page = cora.get(&format!("/inquiries/{reference}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"new\"") && page.body.contains("+963 944 000 111"), "{}", page.body);
    let list = cora.get("/inquiries").await;
    assert!(list.body.contains(&reference) && list.body.contains("<strong>1</strong>"), "{}", list.body);
    let r = cora.post(&format!("/inquiries/{reference}"), &[("action", "seen")]).await;
    assert!(r.body.contains("marked seen") && !r.body.contains("class=\"new\""), "{}", r.body);
    let person = page.body.split("name=\"person\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("lead");
    let r = cora
        .post(
            &format!("/inquiries/{reference}"),
            &[("action", "dismiss"), ("person", person), ("note", "born elsewhere")],
        )
        .await;
    assert!(r.body.contains("born elsewhere"), "{}", r.body);
    let r = cora.post(&format!("/inquiries/{reference}"), &[("action", "close"), ("note", "found")]).await;
    assert!(r.body.contains("closed"), "{}", r.body);
    let r = cora.post(&format!("/inquiries/{reference}"), &[("action", "explode")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(cora.get("/inquiries/NO-SUCH").await.status, StatusCode::NOT_FOUND);
    assert!(site.app.registry.verify_audit(&local(), false, None).expect("verify").verdict.ok);
}

impl Client {
    /// A multipart upload (the form's fields, then the file), with this session's CSRF token
    /// unless `csrf` says otherwise.
    async fn upload(&mut self, fields: &[(&str, &str)], file_name: &str, bytes: &[u8], csrf: Option<&str>) -> Answer {
        let token = match csrf {
            Some(t) => t.to_string(),
            None => self.csrf().await,
        };
        let boundary = "----athar-test-boundary-7d1";
        let mut body = Vec::new();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &token)];
        all.extend_from_slice(fields);
        for (k, v) in all {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let req = Request::builder()
            .method(Method::POST)
            .uri("/sources/upload")
            .header(header::COOKIE, cookie.join("; "))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.expect("body");
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

/// A zip whose one part declares it unpacks to 1 GiB (it holds 4 bytes): what a zip bomb's
/// directory says, without the bomb.
fn lying_zip() -> Vec<u8> {
    let name = b"xl/worksheets/sheet1.xml";
    let data = b"<x/>";
    let huge: u32 = 1 << 30;
    let crc = 0u32;
    let mut z = Vec::new();
    let le16 = |v: u16| v.to_le_bytes();
    let le32 = |v: u32| v.to_le_bytes();
    // Local header.
    z.extend_from_slice(&le32(0x0403_4b50));
    z.extend_from_slice(&le16(20));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0)); // stored
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le32(crc));
    z.extend_from_slice(&le32(data.len() as u32));
    z.extend_from_slice(&le32(huge));
    z.extend_from_slice(&le16(name.len() as u16));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(name);
    z.extend_from_slice(data);
    let cd_start = z.len() as u32;
    // Central directory.
    z.extend_from_slice(&le32(0x0201_4b50));
    z.extend_from_slice(&le16(20));
    z.extend_from_slice(&le16(20));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le32(crc));
    z.extend_from_slice(&le32(data.len() as u32));
    z.extend_from_slice(&le32(huge));
    z.extend_from_slice(&le16(name.len() as u16));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le32(0));
    z.extend_from_slice(&le32(0));
    z.extend_from_slice(name);
    let cd_len = z.len() as u32 - cd_start;
    // End of central directory.
    z.extend_from_slice(&le32(0x0605_4b50));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(0));
    z.extend_from_slice(&le16(1));
    z.extend_from_slice(&le16(1));
    z.extend_from_slice(&le32(cd_len));
    z.extend_from_slice(&le32(cd_start));
    z.extend_from_slice(&le16(0));
    z
}

#[tokio::test]
async fn an_investigator_uploads_a_list_sees_how_it_reads_corrects_a_column_and_imports_it() {
    let site = Site::new();
    let mut ivan = site.signed_in("ivan").await;
    let csv = "م,الاسم,اسم الأب,الكنية,اسم الأم,ملاحظات\n1,محمد,أحمد,الحلبي,فاطمة,x\n2,خالد,عمر,الشامي,زينب,y\n";
    let r = ivan
        .upload(&[("source", "saydnaya-2024-12"), ("kind", "register")], "../../saydnaya.csv", csv.as_bytes(), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("saydnaya.csv") && r.body.contains("given_name") && r.body.contains("محمد"), "{}", r.body);
    assert!(!site._dir.path().parent().expect("parent").join("saydnaya.csv").exists(), "no path traversal");
    assert!(site.app.registry.sources(&local()).expect("sources").is_empty(), "nothing imported before confirming");
    let upload = field_of(&r.body, "upload").expect("upload id");
    // The notes column is read as the place of birth, by the investigator's correction.
    let r = ivan
        .post(
            "/sources/import",
            &[
                ("upload", &upload),
                ("source", "saydnaya-2024-12"),
                ("kind", "register"),
                ("map:ملاحظات", "birth_place"),
                ("map:م", "source_record_id"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the import runs in the background: {}", r.body);
    let follow = r.location().to_string();
    assert!(follow.starts_with("/sources/import/"), "{follow}");
    let r = ivan.follow_import(&follow).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("saydnaya-2024-12"), "{}", r.body);
    let mut cora = site.signed_in("cora").await;
    assert_eq!(cora.get(&follow).await.status, StatusCode::FORBIDDEN, "a caseworker does not follow imports");
    let sources = site.app.registry.sources(&local()).expect("sources");
    assert_eq!((sources.len(), sources[0].imported, sources[0].kind.as_str()), (1, 2, "register"));
    let record = site.app.registry.record(&local(), "saydnaya-2024-12:2").expect("the id column was used");
    assert!(record.derived.iter().any(|(k, v)| k == "birth_place" && v == "y"), "{:?}", record.derived);
    let page = ivan.get("/sources").await;
    assert!(page.body.contains(&sources[0].sha256), "{}", page.body);
    // The upload is gone once imported.
    let again = ivan.post("/sources/import", &[("upload", &upload), ("source", "again"), ("kind", "register")]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("no longer waiting"), "{}", again.body);
}

#[tokio::test]
async fn bad_uploads_are_refused_with_a_clear_answer_and_nothing_is_written() {
    let site = Site::new();
    let mut ivan = site.signed_in("ivan").await;
    let fields = [("source", "bad"), ("kind", "ngo-list")];
    // A form without its session's token.
    let r = ivan.upload(&fields, "x.csv", b"name\nAli\n", Some("forged")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Larger than the limit.
    let big = vec![b'a'; athar_server::UPLOAD_LIMIT + 1];
    let r = ivan.upload(&fields, "big.csv", &big, None).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(300)]);
    // A workbook that would unpack to a gigabyte.
    let r = ivan.upload(&fields, "bomb.xlsx", &lying_zip(), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("zip bomb"), "{}", r.body);
    // A CSV bomb: one quote left open swallows the file; a header of 5,000 columns.
    let open_quote = format!("name,born\n\"Ali,1980\n{}", "x,1\n".repeat(20_000));
    let r = ivan.upload(&fields, "quote.csv", open_quote.as_bytes(), None).await;
    assert!(r.body.contains("quote") || r.status == StatusCode::BAD_REQUEST, "{}", r.body);
    let wide =
        format!("{}\n{}\n", (0..5000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(","), "1,".repeat(4999) + "1");
    let r = ivan.upload(&fields, "wide.csv", wide.as_bytes(), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("columns"), "{}", r.body);
    // Malformed JSON.
    let r = ivan.upload(&fields, "list.json", b"[{\"name\": \"Ali\", ", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // No file at all.
    let r = ivan.upload(&fields, "empty.csv", b"", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(site.app.registry.sources(&local()).expect("sources").is_empty(), "nothing imported");
    let leftovers: Vec<_> = std::fs::read_dir(site._dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".athar-upload-"))
        .collect();
    assert!(leftovers.len() <= 1, "refused uploads are not kept: {leftovers:?}");
    // A caseworker may not upload.
    let mut cora = site.signed_in("cora").await;
    assert_eq!(cora.upload(&fields, "x.csv", b"name\nAli\n", None).await.status, StatusCode::FORBIDDEN);
}

/// Entries the server wrote (sign-ins, searches, refusals), then one of four edits made in
/// the SQLite file itself: each shows in `audit verify`, named; a cut tail shows against the
/// anchor kept elsewhere.
#[tokio::test]
async fn the_audit_entries_the_server_writes_show_any_change_made_in_the_file() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    for name in ["محمد الحلبي", "Khaled Shami", "Omar Darwish"] {
        assert_eq!(
            cora.post("/search", &[("name", name), ("purpose", "audit test searches")]).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(cora.get("/admin/audit").await.status, StatusCode::FORBIDDEN, "a refusal, audited too");
    let registry = &site.app.registry;
    let (count, head) = registry.audit_anchor(&local()).expect("anchor");
    let log = registry.audit_log(&local(), 10).expect("log");
    let search = log.iter().find(|e| e.action == "search").expect("a search entry").seq;
    assert!(log.iter().any(|e| e.action == "refused.403"));
    // A consistent copy of the registry as the server left it; each edit is made to a copy of it.
    let copy = site._dir.path().join("pristine.db");
    registry.backup(&local(), &copy).expect("backup");
    let db = site._dir.path().join("edited.db");
    let key = site._dir.path().join("r.key");
    let verdict = |anchor: Option<(i64, &str)>| {
        let r = athar_registry::Registry::open(&db, &key).expect("open");
        r.verify_audit(&local(), false, anchor).expect("verify")
    };
    std::fs::copy(&copy, &db).expect("copy");
    assert!(verdict(Some((count, head.as_str()))).verdict.ok, "the chain holds before any edit");
    let edits = [
        ("change", format!("UPDATE audit SET actor = 'someone else' WHERE seq = {search}")),
        ("delete", format!("DELETE FROM audit WHERE seq = {search}")),
        (
            "insert",
            format!(
                "INSERT INTO audit(seq, at, actor, action, target, result_count, detail_enc, prev_hash, hash) \
                 SELECT {c} + 1, at, actor, action, target, result_count, detail_enc, hash, hash FROM audit WHERE seq = {c}",
                c = count
            ),
        ),
        ("cut", format!("DELETE FROM audit WHERE seq > {}", count - 2)),
    ];
    for (what, sql) in edits {
        for side in ["edited.db-wal", "edited.db-shm"] {
            let _ = std::fs::remove_file(site._dir.path().join(side));
        }
        std::fs::copy(&copy, &db).expect("a fresh copy");
        let conn = rusqlite::Connection::open(&db).expect("sqlite");
        conn.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS audit_append_only_update; DROP TRIGGER IF EXISTS audit_append_only_delete; {sql};"
        ))
        .expect(what);
        drop(conn);
        let report = verdict(Some((count, head.as_str())));
        assert!(!report.verdict.ok, "{what}: the edit shows");
        match what {
            "change" => assert!(
                report.verdict.problem.as_deref().is_some_and(|p| p.contains(&search.to_string())),
                "{what}: {report:?}"
            ),
            "cut" => assert_eq!(report.anchor_held, Some(false), "{what}: the anchor no longer holds: {report:?}"),
            _ => assert!(report.verdict.problem.is_some() || report.anchor_held == Some(false), "{what}: {report:?}"),
        }
    }
}

#[tokio::test]
async fn an_investigator_marks_a_record_sensitive_and_a_caseworker_is_told_a_match_is_withheld() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    let mut ivan = site.signed_in("ivan").await;
    let ask = [("name", "Mohammed Ahmad Halabi"), ("purpose", "family visit at the office")];
    let r = cora.post("/search", &ask).await;
    let person =
        r.body.split("href=\"/persons/").nth(1).and_then(|s| s.split('"').next()).expect("a person").to_string();
    let page = ivan.get(&format!("/persons/{person}")).await;
    assert!(page.body.contains(&format!("action=\"/persons/{person}/flags\"")), "the investigator's form");
    let record = field_of(&page.body, "record").expect("a record field");
    // A record of another person cannot be flagged through this person's form.
    let r = ivan.post(&format!("/persons/{person}/flags"), &[("record", "999999"), ("flag", "minor")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = ivan.post(&format!("/persons/{person}/flags"), &[("record", &record), ("flag", "minor")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = ivan.get(&format!("/persons/{person}")).await;
    assert!(page.body.contains("<strong class=\"flag\">Minor</strong>"), "{}", page.body);
    // The caseworker: told that a match is withheld, no link to it; the record not shown.
    let r = cora.post("/search", &ask).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("marked sensitive"), "{}", r.body);
    assert!(!r.body.contains(&format!("href=\"/persons/{person}\"")), "{}", r.body);
    let p = cora.get(&format!("/persons/{person}")).await;
    assert!(p.body.contains("withheld"), "{}", p.body);
    assert!(!p.body.contains(&format!("<th>R{record}</th>")), "{}", p.body);
    let r = cora.post(&format!("/persons/{person}/flags"), &[("record", &record)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a caseworker cannot clear a flag");
    let log = site.app.registry.audit_log(&local(), 30).expect("log");
    assert!(log.iter().any(|e| e.action == "flags.set" && e.actor == "ivan"), "the flag is audited");
    assert!(site.app.registry.verify_audit(&local(), true, None).expect("verify").verdict.ok);
}

#[tokio::test]
async fn a_viewer_sees_the_dashboard_charts_and_no_count_under_ten() {
    let site = Site::new();
    with_generated(&site, 60);
    let mut vera = site.signed_in("vera").await;
    let page = vera.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    for chart in ["Records by status", "Records by list", "Records by year of arrest or disappearance"] {
        assert!(page.body.contains(chart), "{chart}: {}", page.body);
    }
    assert!(page.body.contains("<svg class=\"bar\""), "bars drawn");
    // Every count shown in a chart is 10 or more, or "<10".
    for cell in page.body.split("<td dir=\"ltr\">").skip(1) {
        let n = cell.split('<').next().unwrap_or("");
        assert!(n == "&#60;10" || n.parse::<i64>().is_ok_and(|n| n >= 10), "a count shown: {n:?}");
    }
    let d = site.app.registry.dashboard(&local()).expect("dashboard");
    let records = d.records.expect("more than 10 records");
    assert!(page.body.contains(&format!("<td dir=\"ltr\">{records}</td>")), "{}", page.body);
}

#[tokio::test]
async fn the_data_protection_officer_sees_who_looked_at_a_person_and_nothing_of_the_records() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    let r = cora.post("/search", &[("name", "Mohammed Ahmad Halabi"), ("purpose", "family visit at the office")]).await;
    let person =
        r.body.split("href=\"/persons/").nth(1).and_then(|s| s.split('"').next()).expect("a person").to_string();
    assert_eq!(cora.get(&format!("/persons/{person}")).await.status, StatusCode::OK);
    let mut ada = site.signed_in("ada").await;
    let page = ada.get(&format!("/admin/viewers?person={person}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<bdi>cora</bdi>") && page.body.contains("persons.show"), "{}", page.body);
    assert!(!page.body.contains("Halabi") && !page.body.contains("الحلبي"), "no record content: {}", page.body);
    assert_eq!(ada.get("/admin/viewers?person=P999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(ada.get("/admin/viewers?person=..%2Fx").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(cora.get(&format!("/admin/viewers?person={person}")).await.status, StatusCode::FORBIDDEN);
    // The report is itself audited.
    let log = site.app.registry.audit_log(&local(), 10).expect("log");
    assert!(log.iter().any(|e| e.action == "audit.viewers" && e.actor == "ada"));
}

#[tokio::test]
async fn an_export_needs_the_password_again_and_follows_a_consent_withdrawn_on_the_inquiry_page() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    let r = cora
        .post(
            "/inquiries",
            &[
                ("name", "Mohammed Ahmad Halabi"),
                ("enquirer", "Fatima"),
                ("relationship", "mother"),
                ("consent", "icrc:existence"),
                ("consent", "icrc:whereabouts"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let reference = site.app.registry.inquiries(&local(), false).expect("list")[0].reference.clone();
    let mut ivan = site.signed_in("ivan").await;
    let ask = [("kind", "leads"), ("recipient", "icrc"), ("my_password", "not my password at all")];
    let r = ivan.post("/exports", &ask).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the password again");
    let ask = [("kind", "leads"), ("recipient", "icrc"), ("my_password", PASSWORD)];
    let r = ivan.post("/exports", &ask).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/zip"));
    assert!(r
        .headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .contains("attachment"));
    assert!(r.body.contains(&reference) && r.body.contains("manifest.json"), "the lead and the manifest");
    assert_eq!(cora.post("/exports", &ask).await.status, StatusCode::FORBIDDEN, "a caseworker does not export");
    // The enquirer withdraws: the next export for the ICRC leaves the inquiry out.
    let page = cora.get(&format!("/inquiries/{reference}")).await;
    assert!(page.body.contains("value=\"withdraw\""), "{}", page.body);
    let r = cora.post(&format!("/inquiries/{reference}"), &[("action", "withdraw"), ("recipient", "icrc")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let consent = site.app.registry.inquiry(&local(), &reference).expect("inquiry").enquirer.consent;
    assert!(consent.contains("icrc: none"), "{consent}");
    let r = ivan.post("/exports", &ask).await;
    assert!(!r.body.contains(&reference), "withdrawn consent is followed");
    assert!(r.body.contains("did not consent to icrc"), "the manifest says why");
    let log = site.app.registry.audit_log(&local(), 30).expect("log");
    assert!(log.iter().any(|e| e.action == "inquiry.consent.withdraw" && e.actor == "cora"));
    assert!(log.iter().filter(|e| e.action == "export" && e.actor == "ivan").count() == 2);
}

#[tokio::test]
async fn a_purge_needs_the_password_again_and_leaves_the_audit_whole() {
    let site = Site::new();
    with_lists(&site);
    let mut ivan = site.signed_in("ivan").await;
    assert_eq!(ivan.get("/purge").await.status, StatusCode::OK);
    let r =
        ivan.post("/purge", &[("kind", "source"), ("name", "ngo-en"), ("my_password", "wrong password here")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        site.app.registry.sources(&local()).expect("sources").iter().any(|s| s.name == "ngo-en"),
        "nothing removed"
    );
    let r = ivan.post("/purge", &[("kind", "source"), ("name", "no-such-list"), ("my_password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(r.body.contains("there is no source"));
    let r = ivan.post("/purge", &[("kind", "source"), ("name", "ngo-en"), ("my_password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("source:"), "{}", r.body);
    assert!(site.app.registry.sources(&local()).expect("sources").iter().all(|s| s.name != "ngo-en"));
    let mut cora = site.signed_in("cora").await;
    let ask = [("kind", "source"), ("name", "register-ar"), ("my_password", PASSWORD)];
    assert_eq!(cora.post("/purge", &ask).await.status, StatusCode::FORBIDDEN);
    // A search after it: the purged list is gone from the live index.
    let r = cora.post("/search", &[("name", "Mohammed Ahmad Halabi"), ("purpose", "family visit at the office")]).await;
    assert!(!r.body.contains("ngo-en"), "{}", r.body);
    assert!(site.app.registry.verify_audit(&local(), true, None).expect("verify").verdict.ok);
}

impl Client {
    /// A JSON request: with a bearer token, or with this session's cookie and its CSRF token in
    /// the `X-CSRF-Token` header.
    /// A request whose body is a file's bytes, with an API token.
    async fn bytes(&mut self, path: &str, body: Vec<u8>, bearer: &str) -> Answer {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::AUTHORIZATION, format!("Bearer {bearer}"));
        let mut req = req.body(Body::from(body)).expect("request");
        req.extensions_mut().insert(axum::extract::ConnectInfo(SocketAddr::from(([10, 9, 0, 1], 1))));
        let res = self.router.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.expect("body");
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn json(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        bearer: Option<&str>,
    ) -> Answer {
        let csrf = if bearer.is_none() && self.cookies.contains_key("athar_session") {
            self.csrf().await
        } else {
            String::new()
        };
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut req = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        match bearer {
            Some(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            None => req = req.header(header::COOKIE, cookie.join("; ")).header("x-csrf-token", csrf),
        }
        let mut req = req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).expect("request");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(self.from.unwrap_or(SocketAddr::from(([10, 9, 0, 1], 1)))));
        let res = self.router.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20).await.expect("body");
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }
}

#[tokio::test]
async fn the_json_api_answers_with_a_session_or_a_scoped_token_and_its_document_is_generated() {
    let site = Site::new();
    with_lists(&site);
    let mut anyone = site.client();
    // The OpenAPI document: generated, it names every API route of the router.
    let doc = anyone.get("/api/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&doc.body).expect("json");
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."), "{doc}");
    for r in athar_server::routes().iter().filter(|r| r.path.starts_with("/api/") && r.path != "/api/openapi.json") {
        let method = r.method.as_str().to_lowercase();
        assert!(doc["paths"][r.path][&method].is_object(), "{} {} is in the document", r.method, r.path);
    }
    // Not signed in: nothing.
    let ask = serde_json::json!({"name": "Mohammed Ahmad Halabi", "purpose": "family visit at the office"});
    let r = anyone.json(Method::POST, "/api/search", Some(ask.clone()), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(r.body.starts_with("{\"error\""), "{}", r.body);
    // A session, with its CSRF token in a header.
    let mut cora = site.signed_in("cora").await;
    let r = cora.json(Method::POST, "/api/search", Some(ask.clone()), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let found: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let person = found["results"][0]["person_id"].as_str().expect("a person").to_string();
    let r = cora.json(Method::POST, "/api/search", Some(serde_json::json!({"name": "Mohammed"})), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a purpose is needed: {}", r.body);
    let r = cora.json(Method::GET, &format!("/api/persons/{person}"), None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A token: issued by the admin, no wider than the role, limited to its scopes.
    let admin = local();
    let e = site.app.registry.issue_token(&admin, "cora", &["purge".into()], 30).expect_err("no such scope");
    assert!(e.to_string().contains("not a scope"), "{e}");
    let e = site.app.registry.issue_token(&admin, "vera", &["search".into()], 30).expect_err("more than the role");
    assert!(e.to_string().contains("may not search"), "{e}");
    let issued = site.app.registry.issue_token(&admin, "cora", &["search".into()], 30).expect("token");
    let mut program = site.client();
    let r = program.json(Method::POST, "/api/search", Some(ask.clone()), Some(&issued.token)).await;
    assert_eq!(r.status, StatusCode::OK, "a token needs no CSRF token: {}", r.body);
    let r = program.json(Method::GET, &format!("/api/persons/{person}"), None, Some(&issued.token)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the token's scope is search only: {}", r.body);
    // The last character changed (to another one: a token ending in 0 made this test pass a
    // forged token that was the token itself, one run in sixteen).
    let last = if issued.token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &issued.token[..issued.token.len() - 1]);
    let r = program.json(Method::POST, "/api/search", Some(ask.clone()), Some(&forged)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // Revoked, or the user disabled: refused at once.
    site.app.registry.revoke_token(&admin, &issued.token_id).expect("revoke");
    let r = program.json(Method::POST, "/api/search", Some(ask.clone()), Some(&issued.token)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let second = site.app.registry.issue_token(&admin, "cora", &["search".into()], 1).expect("token");
    site.app.registry.disable_user(&admin, "cora").expect("disable");
    let r = program.json(Method::POST, "/api/search", Some(ask), Some(&second.token)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a disabled user's token ends");
    let log = site.app.registry.audit_log(&local(), 40).expect("log");
    assert!(log.iter().any(|e| e.action == "refused.token"), "refused tokens are audited");
    assert!(log.iter().any(|e| e.action == "token.issue"));
    assert!(site.app.registry.verify_audit(&local(), true, None).expect("verify").verdict.ok);
}

#[tokio::test]
async fn a_caseworker_records_a_status_with_its_evidence_and_splits_a_wrong_merge() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    // The person both lists name, merged (as a reviewer would) — say wrongly.
    site.app.registry.judge(&local(), "1", "3", "same", None).expect("judge");
    site.app.registry.link(&local(), &Default::default(), &athar_registry::Silent).expect("link");
    let rows = site.app.registry.export_persons(&local(), "test").expect("export");
    let person = rows
        .iter()
        .find(|r| rows.iter().filter(|o| o.person_id == r.person_id).count() == 2)
        .map(|r| r.person_id.clone())
        .expect("a person of two records");
    let path = format!("/persons/{person}");
    let r = cora.post(&format!("{path}/status"), &[("status", "released"), ("date", "2024-12-09")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no evidence: {}", r.body);
    assert!(r.body.contains("needs its evidence"));
    let r = cora
        .post(
            &format!("{path}/status"),
            &[("status", "released"), ("date", "2024-12-09"), ("note", "seen at the gate")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = cora.get(&path).await;
    assert!(page.body.contains("<strong>released</strong>") && page.body.contains("seen at the gate"), "{}", page.body);
    assert!(page.body.contains("2024-12-09"));
    // Split: one record out, a person of its own.
    let records: Vec<String> = page
        .body
        .split("name=\"record\" value=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_string))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(records.len() >= 2, "a person of two lists: {records:?}");
    let r = cora.post(&format!("{path}/split"), &[("record", &records[0])]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = site.app.registry.person(&local(), &person).expect("person");
    assert_eq!(after.records.len() + 1, records.len(), "one record moved out");
    assert!(site.app.registry.verify_audit(&local(), true, None).expect("verify").verdict.ok);
}

#[tokio::test]
async fn a_user_who_prefers_arabic_indic_digits_reads_them_in_pages_but_not_in_codes_or_the_api() {
    let site = Site::new();
    with_generated(&site, 60);
    let mut vera = site.signed_in("vera").await;
    let r = vera.get("/digits/arab?back=/").await;
    assert_eq!(r.location(), "/");
    assert_eq!(vera.cookies.get("athar_digits").map(String::as_str), Some("arab"));
    let page = vera.get("/").await;
    let records = site.app.registry.dashboard(&local()).expect("dashboard").records.expect("a count").to_string();
    let arabic: String =
        records.chars().map(|c| char::from_u32(0x0660 + c.to_digit(10).unwrap_or(0)).unwrap_or(c)).collect();
    assert!(page.body.contains(&format!(">{arabic}<")), "the count in Arabic-Indic digits: {}", page.body);
    assert!(page.body.contains("<code>0123</code>"), "codes keep their digits");
    assert!(
        page.body.contains("name=\"csrf\" value=\"") && page.body.contains("href=\"/digits/latn"),
        "attributes kept"
    );
    let api = vera.get("/api/dashboard").await;
    assert!(api.body.contains(&format!("\"records\":{records}")), "the API is never rewritten: {}", api.body);
    vera.get("/digits/latn?back=/").await;
    assert!(vera.get("/").await.body.contains(&format!(">{records}<")));
}

#[tokio::test]
async fn malformed_json_is_refused_with_its_reason_and_a_new_role_ends_the_session() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    let csrf = cora.csrf().await;
    let cookie: Vec<String> = cora.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let before = site.app.registry.inquiries(&local(), true).expect("list").len();
    for bad in ["{\"sought\": {\"name\": \"Omar\"", "[1, 2]", "{\"sought\": 5, \"enquirer\": \"x\"}"] {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/inquiries")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie.join("; "))
            .header("x-csrf-token", &csrf)
            .body(Body::from(bad))
            .expect("request");
        let res = cora.router.clone().oneshot(req).await.expect("answer");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let text = axum::body::to_bytes(res.into_body(), 1 << 16).await.expect("body");
        let json: serde_json::Value = serde_json::from_slice(&text).expect("a JSON error");
        assert!(json["error"].as_str().unwrap_or("").contains("not the JSON expected"), "{json}");
    }
    assert_eq!(site.app.registry.inquiries(&local(), true).expect("list").len(), before, "nothing written");
    // A new role ends the session at once; a role that sees records needs a second factor.
    site.app.registry.set_role(&local(), "cora", athar_registry::Role::Investigator).expect("role");
    assert_eq!(cora.get("/search").await.location(), "/signin", "the session ended with the old role");
    let e = site.app.registry.set_role(&local(), "vera", athar_registry::Role::Caseworker).expect_err("no TOTP");
    assert!(e.to_string().contains("second factor"), "{e}");
    let log = site.app.registry.audit_log(&local(), 10).expect("log");
    assert!(log.iter().any(|e| e.action == "user.role"));
}

#[tokio::test]
async fn a_search_while_another_writer_holds_the_registry_is_told_to_wait_and_nothing_is_answered() {
    let site = Site::new();
    with_lists(&site);
    let mut cora = site.signed_in("cora").await;
    // Another writer (a long import in another process) holds SQLite's write lock.
    let holder = rusqlite::Connection::open(site._dir.path().join("r.db")).expect("open");
    holder.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let r = cora.post("/search", &[("name", "Mohammed Ahmad Halabi"), ("purpose", "family visit at the office")]).await;
    holder.execute_batch("ROLLBACK").expect("release");
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.body.contains("busy") && !r.body.contains("href=\"/persons/"), "no answer without its audit entry");
    let r = cora.post("/search", &[("name", "Mohammed Ahmad Halabi"), ("purpose", "family visit at the office")]).await;
    assert_eq!(r.status, StatusCode::OK, "answered once the registry is free");
}

#[tokio::test]
async fn a_user_changes_their_own_password_and_signs_in_again_and_the_pages_speak_ukrainian() {
    let site = Site::new();
    let mut vera = site.signed_in("vera").await;
    let r = vera.get("/lang/uk?back=/account/password").await;
    assert_eq!(r.location(), "/account/password");
    let form = vera.get("/account/password").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<html lang=\"uk\" dir=\"ltr\">"), "{}", form.body);
    assert!(form.body.contains("Зміна пароля") && form.body.contains("Вийти"), "{}", form.body);
    let new = "sunflowers along the dnipro";
    // The two new ones differ, the current one is wrong, the new one is weak: nothing changes.
    let r = vera
        .post("/account/password", &[("my_password", PASSWORD), ("new_password", new), ("again", "sunflowers")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = vera
        .post("/account/password", &[("my_password", "not my password"), ("new_password", new), ("again", new)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = vera
        .post(
            "/account/password",
            &[("my_password", PASSWORD), ("new_password", "password123"), ("again", "password123")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("12 characters") || r.body.contains("common"), "{}", r.body);
    assert_eq!(vera.get("/").await.status, StatusCode::OK, "still signed in");
    // Changed: this session ends with the others; the old password signs no one in.
    let mut other = site.signed_in("vera").await;
    let r = vera.post("/account/password", &[("my_password", PASSWORD), ("new_password", new), ("again", new)]).await;
    assert_eq!(r.location(), "/signin?changed=1", "{}", r.body);
    let notice = vera.get("/signin?changed=1").await;
    assert!(notice.body.contains("Пароль змінено"), "{}", notice.body);
    assert_eq!(other.get("/").await.location(), "/signin", "the other session ended too");
    let r = site.client().sign_in("vera", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = site.client().sign_in("vera", new).await;
    assert_eq!(r.location(), "/", "{}", r.body);
    let log = site.app.registry.audit_log(&local(), 20).expect("log");
    assert!(log.iter().any(|e| e.action == "user.password"), "audited");
    assert!(site.app.registry.verify_audit(&local(), true, None).expect("verify").verdict.ok);
}

#[tokio::test]
async fn a_program_imports_a_list_and_exports_through_the_api_with_a_scoped_token() {
    let site = Site::new();
    with_lists(&site);
    let admin = local();
    let issued = site.app.registry.issue_token(&admin, "ivan", &["import".into(), "export".into()], 1).expect("token");
    let mut program = site.client();
    let list = "given_name,family_name,birth_date,place_of_detention\nOleksandr,Kovalenko,1979,Olenivka\n\
                Serhii,Bondarenko,1984,Izolyatsia\nAndrii,Melnyk,,Olenivka\n"
        .as_bytes()
        .to_vec();
    // What is missing or wrong is said; nothing is imported.
    let r = program.bytes("/api/sources/import?source=release&kind=register", list.clone(), &issued.token).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("file_name"), "{}", r.body);
    let r = program
        .bytes("/api/sources/import?source=release&kind=register&file_name=a.csv", Vec::new(), &issued.token)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = program
        .bytes("/api/sources/import?source=release&kind=lottery&file_name=a.csv", list.clone(), &issued.token)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("lottery"), "{}", r.body);
    // A dry run: how it reads.
    let r = program
        .bytes(
            "/api/sources/import?source=release&kind=register&file_name=a.csv&dry_run=1",
            list.clone(),
            &issued.token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Kovalenko") && r.body.contains("place_of_detention"), "{}", r.body);
    let before = site.app.registry.sources(&admin).expect("sources").len();
    // The import, followed until done.
    let r = program
        .bytes("/api/sources/import?source=release&kind=register&file_name=a.csv", list.clone(), &issued.token)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let started: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let follow = started["follow"].as_str().expect("follow").to_string();
    let t0 = std::time::Instant::now();
    let stage = loop {
        let r = program.json(Method::GET, &follow, None, Some(&issued.token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let stage: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        if stage["state"] != "running" || t0.elapsed().as_secs() > 30 {
            break stage;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(stage["state"], "done", "{stage}");
    assert_eq!(stage["report"]["imported"], 3, "{stage}");
    assert_eq!(site.app.registry.sources(&admin).expect("sources").len(), before + 1);
    // The same file again is refused with the reason, nothing imported.
    let r = program
        .bytes("/api/sources/import?source=again&kind=register&file_name=a.csv", list.clone(), &issued.token)
        .await;
    let again: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let follow = again["follow"].as_str().expect("follow").to_string();
    let t0 = std::time::Instant::now();
    let stage = loop {
        let r = program.json(Method::GET, &follow, None, Some(&issued.token)).await;
        let stage: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        if stage["state"] != "running" || t0.elapsed().as_secs() > 30 {
            break stage;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(stage["state"], "refused", "{stage}");
    assert!(stage["reason"].as_str().unwrap_or("").contains("SHA-256"), "{stage}");
    // No one will look at a list the API had refused: its upload is gone, not kept an hour.
    let folder = site.app.registry.database().parent().expect("folder").to_path_buf();
    let left: Vec<_> = std::fs::read_dir(&folder)
        .expect("folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".athar-upload-"))
        .collect();
    assert!(left.is_empty(), "uploads left: {left:?}");
    assert_eq!(site.app.registry.sources(&admin).expect("sources").len(), before + 1);
    // A token without the import scope follows no import.
    let cora = site.app.registry.issue_token(&admin, "cora", &["search".into()], 1).expect("token");
    let r = program.json(Method::GET, &follow, None, Some(&cora.token)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // An export needs the password again, even with a token.
    let ask = serde_json::json!({"kind": "archive", "my_password": "not the password"});
    let r = program.json(Method::POST, "/api/exports", Some(ask), Some(&issued.token)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(r.body.starts_with("{\"error\""), "{}", r.body);
    let ask = serde_json::json!({"kind": "archive", "my_password": PASSWORD});
    let r = program.json(Method::POST, "/api/exports", Some(ask), Some(&issued.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/zip"));
    assert!(r.body.starts_with("PK"), "a ZIP archive");
    let log = site.app.registry.audit_log(&admin, 40).expect("log");
    assert!(log.iter().any(|e| e.action == "export"), "{log:?}");
    assert!(site.app.registry.verify_audit(&admin, true, None).expect("verify").verdict.ok);
}

#[tokio::test]
async fn a_pasted_text_names_sites_to_anyone_and_registered_persons_only_to_a_searcher_within_the_limits() {
    let site = Site::new();
    with_lists(&site);
    let text = "Released from Sednaya prison on Sunday, Khaled Omar al-Shami said he had seen Mohammed Ahmad \
                al-Halabi there. وقال إن خالد عمر الشامي كان في سجن صيدنايا.";
    // A viewer: the sites, never the persons.
    let mut vera = site.signed_in("vera").await;
    let r = vera.json(Method::POST, "/api/scan", Some(serde_json::json!({"text": text})), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let sites: Vec<&str> =
        v["mentions"].as_array().expect("mentions").iter().filter_map(|m| m["entity_id"].as_str()).collect();
    assert!(sites.iter().filter(|s| **s == "facility:saydnaya").count() >= 2, "{sites:?}");
    assert_eq!(v["persons"].as_array().map(Vec::len), Some(0));
    let r = vera.json(Method::POST, "/api/scan", Some(serde_json::json!({"text": text, "persons": true})), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a viewer may not search: {}", r.body);
    // The page: a viewer pastes the text and sees the sites; asking for persons is not offered,
    // and asking anyway searches nothing.
    let page = vera.get("/scan").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"text\"") && !page.body.contains("name=\"persons\""), "{}", page.body);
    let page = vera.post("/scan", &[("text", text), ("persons", "on")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("facility:saydnaya") && !page.body.contains("href=\"/persons/"), "{}", page.body);
    // A caseworker: the persons too, each name searched counted against the limits.
    let mut cora = site.signed_in("cora").await;
    let page = cora.post("/scan", &[("text", text), ("persons", "on")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("href=\"/persons/") && page.body.contains("Mohammed Ahmad al-Halabi"), "{}", page.body);
    let page = cora.post("/scan", &[("text", &"Sednaya ".repeat(40_000))]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "a text past the page's bound is refused, said so");
    let r = cora.json(Method::POST, "/api/scan", Some(serde_json::json!({"text": text, "persons": true})), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let persons = v["persons"].as_array().expect("persons");
    let named: Vec<&str> = persons.iter().filter_map(|p| p["text"].as_str()).collect();
    assert!(named.contains(&"Mohammed Ahmad al-Halabi"), "{named:?}");
    assert!(named.contains(&"خالد عمر الشامي"), "{named:?}");
    for p in persons {
        let at = p["offset"].as_u64().expect("offset") as usize;
        let t = p["text"].as_str().expect("text");
        assert_eq!(&text[at..at + t.len()], t);
    }
    let searches = v["searches"].as_u64().expect("searches") as usize;
    assert!(searches >= 2);
    let log = site.app.registry.audit_log(&local(), 10).expect("log");
    assert!(log.iter().any(|e| e.action == "search.scan" && e.actor == "cora"), "audited as a search");
    // Searches until the minute's limit (30) is spent: then 429, and nothing searched.
    let mut spent = searches;
    let mut refused = false;
    for _ in 0..40 {
        let r =
            cora.json(Method::POST, "/api/scan", Some(serde_json::json!({"text": text, "persons": true})), None).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            refused = true;
            break;
        }
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        spent += v["searches"].as_u64().expect("searches") as usize;
        assert!(spent <= 30, "never more searches than the limit: {spent}");
    }
    assert!(refused, "the limit ends the scans for persons ({spent} searches made)");
    // Sites alone need no search and stay open.
    let r = cora.json(Method::POST, "/api/scan", Some(serde_json::json!({"text": text})), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A report kept in the registry: the person's page lists it, with its file and hash.
    let file = site._dir.path().join("testimony-17.txt");
    std::fs::write(&file, text).expect("report");
    let options = athar_registry::reports::ScanOptions { persons: true, max_searches: 100, store: true, places: false };
    let scan = site.app.registry.scan_reports(&local(), &[file], &options).expect("scan");
    assert!(scan.stored[0].source_id.is_some(), "{:?}", scan.stored);
    let person =
        scan.persons[0].iter().find(|p| p.text == "Mohammed Ahmad al-Halabi").expect("named").person_id.clone();
    let page = cora.get(&format!("/persons/{person}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("testimony-17.txt") && page.body.contains("Named in reports"), "{}", page.body);
}
