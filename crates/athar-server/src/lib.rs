//! # athar-server
//!
//! The web application: server-rendered pages, in Arabic (right to left), English and Ukrainian, usable
//! without JavaScript, for the users of an organisation on its own machine. A thin front door
//! over the registry library: every page calls the [`athar_registry::Registry`], which checks
//! the user's role again in every call. Owns HTTP: the routes and what each needs
//! ([`ROUTES`], the table ARCHITECTURE.md shows and a test checks), sign-in and sessions
//! ([`session`]), CSRF tokens, rate limits ([`limits`]), security headers, the words of the
//! pages ([`i18n`]). Not the use-cases, the roles' rules, the store or the engines.
//!
//! Nothing about records is answered to anyone not signed in: there is no public search.

pub mod api;
pub mod bench;
pub mod digits;
pub mod i18n;
pub mod imports;
pub mod limits;
mod pages;
pub mod review_export;
pub mod session;
pub mod uploads;

use athar_registry::{Action, Actor, Registry, RegistryError};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use i18n::Lang;
use session::{Session, Sessions, Stage};
use std::net::SocketAddr;
use std::sync::Arc;

/// What a route needs of the one asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone: the sign-in page, the style sheet, the language switch.
    Public,
    /// A sign-in whose password was right, awaiting its code.
    Pending,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in user whose role allows the action.
    Do(Action),
}

/// A route: method, path, what it needs, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
    /// The largest body the route reads (forms: 64 KiB; an upload: [`UPLOAD_LIMIT`]).
    pub body_limit: usize,
    handler: fn() -> MethodRouter<Arc<App>>,
}

/// Every route of the application. The router is built from this table and from nothing else,
/// so the authorisation test that walks it walks every route.
pub fn routes() -> Vec<Route> {
    use Need::*;
    let r = |method: Method, path: &'static str, need: Need, handler: fn() -> MethodRouter<Arc<App>>| Route {
        method,
        path,
        need,
        body_limit: FORM_LIMIT,
        handler,
    };
    let upload =
        |path, handler| Route { body_limit: UPLOAD_LIMIT, ..r(Method::POST, path, Do(Action::Import), handler) };
    // A pasted report (the scan page, the scan API): larger than a form, far smaller than a list.
    let text =
        |method, path, handler| Route { body_limit: TEXT_LIMIT, ..r(method, path, Do(Action::SeeCounts), handler) };
    vec![
        r(Method::GET, "/static/athar.css", Public, || get(pages::css)),
        r(Method::GET, "/lang/{code}", Public, || get(pages::language)),
        r(Method::GET, "/digits/{style}", Public, || get(pages::digits)),
        r(Method::GET, "/signin", Public, || get(pages::signin_form)),
        r(Method::POST, "/signin", Public, || post(pages::signin)),
        r(Method::GET, "/signin/code", Pending, || get(pages::code_form)),
        r(Method::POST, "/signin/code", Pending, || post(pages::code)),
        r(Method::POST, "/signout", SignedIn, || post(pages::signout)),
        r(Method::GET, "/account/password", SignedIn, || get(pages::account_form)),
        r(Method::POST, "/account/password", SignedIn, || post(pages::account_password)),
        r(Method::GET, "/", Do(Action::SeeCounts), || get(pages::home)),
        r(Method::GET, "/search", Do(Action::Search), || get(pages::search_form)),
        r(Method::GET, "/scan", Do(Action::SeeCounts), || get(pages::scan_form)),
        text(Method::POST, "/scan", || post(pages::scan).layer(axum::extract::DefaultBodyLimit::max(TEXT_LIMIT))),
        r(Method::POST, "/search", Do(Action::Search), || post(pages::search)),
        r(Method::GET, "/persons/{id}", Do(Action::ReadRecords), || get(pages::person)),
        r(Method::POST, "/persons/{id}/flags", Do(Action::Sensitive), || post(pages::person_flags)),
        r(Method::POST, "/persons/{id}/status", Do(Action::Judge), || post(pages::person_status)),
        r(Method::POST, "/persons/{id}/split", Do(Action::Judge), || post(pages::person_split)),
        r(Method::GET, "/review", Do(Action::Judge), || get(pages::review)),
        r(Method::GET, "/review/{a}/{b}", Do(Action::Judge), || get(pages::review_pair)),
        r(Method::POST, "/review/judge", Do(Action::Judge), || post(pages::judge)),
        r(Method::GET, "/inquiries", Do(Action::Inquiries), || get(pages::inquiries)),
        r(Method::GET, "/inquiries/new", Do(Action::Inquiries), || get(pages::inquiry_form)),
        r(Method::POST, "/inquiries", Do(Action::Inquiries), || post(pages::inquiry_add)),
        r(Method::GET, "/inquiries/{reference}", Do(Action::Inquiries), || get(pages::inquiry)),
        r(Method::POST, "/inquiries/{reference}", Do(Action::Inquiries), || post(pages::inquiry_act)),
        r(Method::GET, "/sources", Do(Action::SeeSources), || get(pages::sources)),
        r(Method::GET, "/sources/upload", Do(Action::Import), || get(pages::upload_form)),
        upload("/sources/upload", || post(pages::upload).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT))),
        r(Method::POST, "/sources/import", Do(Action::Import), || post(pages::import)),
        r(Method::GET, "/sources/import/{id}", Do(Action::Import), || get(pages::import_progress)),
        r(Method::GET, "/sources/{id}/quarantine", Do(Action::ReadQuarantine), || get(pages::quarantine)),
        r(Method::GET, "/exports", Do(Action::Export), || get(pages::exports_form)),
        r(Method::POST, "/exports", Do(Action::Export), || post(pages::export)),
        r(Method::GET, "/purge", Do(Action::Purge), || get(pages::purge_form)),
        r(Method::POST, "/purge", Do(Action::Purge), || post(pages::purge)),
        r(Method::GET, "/admin/users", Do(Action::Users), || get(pages::users)),
        r(Method::POST, "/admin/users", Do(Action::Users), || post(pages::user_add)),
        r(Method::POST, "/admin/users/disable", Do(Action::Users), || post(pages::user_disable)),
        r(Method::POST, "/admin/users/reset", Do(Action::Users), || post(pages::user_reset)),
        r(Method::POST, "/admin/users/role", Do(Action::Users), || post(pages::user_role)),
        r(Method::POST, "/admin/tokens", Do(Action::Users), || post(pages::token_issue)),
        r(Method::POST, "/admin/tokens/revoke", Do(Action::Users), || post(pages::token_revoke)),
        r(Method::GET, "/admin/audit", Do(Action::Audit), || get(pages::audit)),
        r(Method::GET, "/api/openapi.json", Public, || get(api::openapi)),
        r(Method::GET, "/api/dashboard", Do(Action::SeeCounts), || get(api::dashboard)),
        r(Method::GET, "/api/sources", Do(Action::SeeSources), || get(api::sources)),
        r(Method::POST, "/api/search", Do(Action::Search), || post(api::search)),
        text(Method::POST, "/api/scan", || post(api::scan).layer(axum::extract::DefaultBodyLimit::max(TEXT_LIMIT))),
        r(Method::GET, "/api/persons/{id}", Do(Action::ReadRecords), || get(api::person)),
        r(Method::POST, "/api/persons/{id}/flags", Do(Action::Sensitive), || post(api::flags)),
        r(Method::GET, "/api/review", Do(Action::Judge), || get(api::review)),
        r(Method::POST, "/api/judgements", Do(Action::Judge), || post(api::judge)),
        r(Method::GET, "/api/inquiries", Do(Action::Inquiries), || get(api::inquiries)),
        r(Method::POST, "/api/inquiries", Do(Action::Inquiries), || post(api::inquiry_add)),
        r(Method::GET, "/api/inquiries/{reference}", Do(Action::Inquiries), || get(api::inquiry)),
        upload("/api/sources/import", || post(api::import).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT))),
        r(Method::GET, "/api/sources/import/{id}", Do(Action::Import), || get(api::import_stage)),
        r(Method::POST, "/api/exports", Do(Action::Export), || post(api::export)),
        r(Method::POST, "/api/account/password", SignedIn, || post(api::password)),
        r(Method::GET, "/api/audit", Do(Action::Audit), || get(api::audit)),
        r(Method::GET, "/api/viewers/{person}", Do(Action::Audit), || get(api::viewers)),
        r(Method::GET, "/admin/viewers", Do(Action::Audit), || get(pages::viewers)),
    ]
}

/// How the server is run.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// Plain HTTP on an address other than loopback (behind a proxy that does TLS).
    pub insecure_http: bool,
    /// TLS: the certificate chain and the private key, PEM files.
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// What the server holds: the registry, the sessions, the counters of the rate limits.
pub struct App {
    pub registry: Arc<Registry>,
    pub sessions: Sessions,
    pub failures: limits::Counter,
    /// Searches per user (30 a minute, 300 a day).
    pub searches: limits::Counter,
    /// Lists uploaded, waiting for their import.
    pub uploads: uploads::Uploads,
    /// Imports running in the background, and their reports.
    pub imports: imports::Imports,
    /// The search limits lifted: set only by the load benchmark, which serves on 127.0.0.1.
    pub(crate) search_limit_lifted: bool,
    /// Cookies carry `Secure` (the server is reached over TLS).
    pub secure_cookies: bool,
}

impl App {
    pub fn new(registry: Arc<Registry>) -> Result<App, String> {
        Ok(App {
            registry,
            sessions: Sessions::new()?,
            failures: limits::Counter::default(),
            searches: limits::Counter::default(),
            search_limit_lifted: false,
            uploads: uploads::Uploads::default(),
            imports: imports::Imports::default(),
            secure_cookies: false,
        })
    }
}

/// The application's router over `app`.
pub fn router(app: Arc<App>) -> Router {
    let mut router: Router<Arc<App>> = Router::new();
    for r in routes() {
        let guarded =
            (r.handler)().route_layer(middleware::from_fn_with_state((app.clone(), r.need, r.body_limit), guard));
        router = router.route(r.path, guarded);
    }
    let router = router
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(app.clone(), fallback_context))
        .layer(middleware::from_fn(digits::as_preferred))
        .layer(middleware::map_response(security_headers));
    let router = if app.secure_cookies { router.layer(middleware::map_response(strict_transport)) } else { router };
    router.with_state(app)
}

/// Under TLS: browsers are told to use nothing else for this site for a year.
async fn strict_transport(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    res
}

pub(crate) const SESSION_COOKIE: &str = "athar_session";
pub(crate) const LANG_COOKIE: &str = "athar_lang";
/// How digits are written in pages: `arab` (٠١٢٣) or `latn` (0123, the default).
pub(crate) const DIGITS_COOKIE: &str = "athar_digits";
/// A form's body at most (sign-in, users): larger is refused before it is read whole.
const FORM_LIMIT: usize = 64 * 1024;
/// The largest text sent to be scanned (200,000 characters of Arabic, URL-encoded, and more).
const TEXT_LIMIT: usize = 4 * 1024 * 1024;
/// An uploaded list at most.
pub const UPLOAD_LIMIT: usize = 50 << 20;

/// Who asks, as every handler sees it.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub from: String,
    pub session_id: Option<String>,
    pub session: Option<Session>,
    /// The signed-in user, as the registry says they are now.
    pub actor: Option<Actor>,
    pub path: String,
}

impl Ctx {
    pub fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf.as_str())
    }
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|c| Lang::from_code(&c))
        .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::from_accept))
        .unwrap_or(Lang::En)
}

fn client_address(req: &Request) -> String {
    let e = req.extensions();
    e.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .or_else(|| e.get::<axum::extract::connect_info::MockConnectInfo<SocketAddr>>().map(|c| c.0))
        .map_or_else(|| "unknown".into(), |a| a.ip().to_string())
}

/// An id taken from a path (a person, an inquiry's reference, an import): letters, digits
/// and `-`, at most 40 — anything else is not one of ours, and is answered "not found".
pub(crate) fn plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 40 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Runs registry work (SQLite, password hashes) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Response> {
    tokio::task::spawn_blocking(f).await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// The context of a request that no route matched (the 404 page needs a language).
async fn fallback_context(State(_app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    if req.extensions().get::<Ctx>().is_none() {
        let ctx = Ctx {
            lang: lang_of(req.headers()),
            from: client_address(&req),
            session_id: None,
            session: None,
            actor: None,
            path: req.uri().path().to_string(),
        };
        req.extensions_mut().insert(ctx);
    }
    next.run(req).await
}

/// Checks what a route needs: the session (its lifetime, and with the registry whether its user
/// may still act), the role, and for a form its CSRF token. Refusals are audited.
async fn guard(State((app, need, limit)): State<(Arc<App>, Need, usize)>, req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let from = client_address(&req);
    let mut session_id = cookie(req.headers(), SESSION_COOKIE);
    let mut session = session_id.as_deref().and_then(|id| app.sessions.get(id));
    if session.is_none() {
        session_id = None;
    }
    let mut actor = None;
    // The API also takes a token an administrator issued, in place of a session.
    let bearer = api::is_api(req.uri().path())
        .then(|| req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    if let Some(token) = &bearer {
        session_id = None;
        session = None;
        let path = req.uri().path().to_string();
        if pages::limited(&app, "api-token", &from) {
            return api::error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many refused tokens from this address; wait 15 minutes",
            );
        }
        let (registry, token) = (app.registry.clone(), token.clone());
        match blocking(move || registry.token_actor(&token)).await {
            Ok(Ok(Some(a))) => actor = Some(a),
            Ok(Ok(None)) => {
                pages::note_failure(&app, "api-token", &from);
                let registry = app.registry.clone();
                let _ = blocking(move || registry.audit_refusal(None, "refused.token", &path)).await;
                return api::error(
                    StatusCode::UNAUTHORIZED,
                    "the API token is not one in force (unknown, expired, revoked, or its user disabled, reset or \
                     given another role)",
                );
            }
            Ok(Err(e)) => return pages::registry_error(&app, lang, None, e).await,
            Err(r) => return r,
        }
    }
    if let Some(Session { stage: Stage::SignedIn { actor: a, epoch }, .. }) = &session {
        let (registry, name, epoch) = (app.registry.clone(), a.name.clone(), *epoch);
        match blocking(move || registry.session_actor(&name, epoch)).await {
            Ok(Ok(Some(now))) => actor = Some(now),
            Ok(Ok(None)) => {
                // Disabled, reset or given another role: the session ends now.
                if let Some(id) = session_id.take() {
                    app.sessions.end(&id);
                }
                session = None;
            }
            Ok(Err(e)) => return pages::registry_error(&app, lang, None, e).await,
            Err(r) => return r,
        }
    }
    let ctx = Ctx { lang, from, session_id, session, actor, path: req.uri().path().to_string() };
    let is_post = req.method() == Method::POST;
    match need {
        Need::Public => {}
        Need::Pending => {
            if ctx.actor.is_some() {
                return pages::see_other("/");
            }
            if !matches!(ctx.session, Some(Session { stage: Stage::Pending(_), .. })) {
                return pages::see_other("/signin");
            }
        }
        Need::SignedIn | Need::Do(_) => {
            let Some(actor) = &ctx.actor else {
                if is_post || api::is_api(&ctx.path) {
                    return pages::error_page(&ctx, StatusCode::UNAUTHORIZED, "signin.expired");
                }
                return pages::see_other("/signin");
            };
            if let Need::Do(action) = need {
                if !actor.may(action) {
                    let (registry, who, path) = (app.registry.clone(), actor.clone(), ctx.path.clone());
                    let _ = blocking(move || registry.audit_refusal(Some(&who), "refused.403", &path)).await;
                    return pages::error_page(&ctx, StatusCode::FORBIDDEN, "error.forbidden");
                }
            }
        }
    }
    let mut req = req;
    // A token is not sent by a browser on its own: no CSRF token is needed with one.
    if is_post {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(b) => b,
            Err(_) => return pages::error_page(&ctx, StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"),
        };
        let given = match parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
            Some(h) => h.to_string(),
            None => csrf_field(&parts.headers, &bytes).await,
        };
        let expected = ctx.csrf();
        if bearer.is_none() && (expected.is_empty() || !session::same_token(&given, expected)) {
            let (registry, who, path) = (app.registry.clone(), ctx.actor.clone(), ctx.path.clone());
            let _ = blocking(move || registry.audit_refusal(who.as_ref(), "refused.csrf", &path)).await;
            return pages::error_page(&ctx, StatusCode::FORBIDDEN, "error.csrf");
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(ctx);
    next.run(req).await
}

/// The `csrf` field of a form: URL-encoded, or a part of a multipart upload (read from the
/// buffered body; the handler reads the body again).
async fn csrf_field(headers: &HeaderMap, bytes: &axum::body::Bytes) -> String {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).unwrap_or_default();
        return fields.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v).unwrap_or_default();
    }
    let mut copy = Request::new(Body::from(bytes.clone()));
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        copy.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    let Ok(mut parts) = <axum::extract::Multipart as axum::extract::FromRequest<()>>::from_request(copy, &()).await
    else {
        return String::new();
    };
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.unwrap_or_default();
        }
    }
    String::new()
}

/// Headers on every answer: no framing, no scripts or styles from elsewhere, nothing cached,
/// no referrer (a path may name what was looked at), no content sniffing.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'",
    );
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    res
}

/// Serves over TLS (rustls) until Ctrl-C.
async fn serve_tls(
    app: Arc<App>,
    addr: SocketAddr,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    say: &dyn Fn(&str),
) -> Result<(), ServeError> {
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key).await.map_err(|e| {
        ServeError::Other(format!(
            "cannot use the certificate {} and key {} ({e}): they must be PEM files, the key matching the \
             certificate",
            cert.display(),
            key.display()
        ))
    })?;
    let handle = axum_server::Handle::new();
    let shutdown = handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        shutdown.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
    });
    let server = axum_server::bind_rustls(addr, tls)
        .handle(handle.clone())
        .serve(router(app).into_make_service_with_connect_info::<SocketAddr>());
    let announce = async {
        if let Some(bound) = handle.listening().await {
            say(&format!("Athar serves on https://{bound}/ (Ctrl-C stops it)"));
        }
    };
    let (served, ()) = tokio::join!(server, announce);
    served.map_err(|source| ServeError::Bind { addr, source })
}

/// Why the server would not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "{0} is not a loopback address: over a network, serve with TLS (--tls-cert and --tls-key), or give \
         --insecure-http when a proxy on this machine does TLS (passwords and records would otherwise cross the \
         network in clear)"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("{0}")]
    Other(String),
}

/// Serves the application until interrupted (Ctrl-C). The search index is built first, so that
/// no search waits for it; `say` reports the steps (one line each).
pub fn serve(registry: Registry, config: Config, say: &dyn Fn(&str)) -> Result<(), ServeError> {
    if !config.addr.ip().is_loopback() && !config.insecure_http && config.tls.is_none() {
        return Err(ServeError::NotLoopback(config.addr));
    }
    if let Some((cert, key)) = &config.tls {
        for (what, path) in [("certificate", cert), ("key", key)] {
            if !path.is_file() {
                return Err(ServeError::Other(format!("the TLS {what} file {} does not exist", path.display())));
            }
        }
    }
    let started = std::time::Instant::now();
    say("building the search index …");
    let records = registry.prepare_search()?;
    say(&format!("search index ready: {records} records in {:.1} s", started.elapsed().as_secs_f64()));
    let mut app = App::new(Arc::new(registry)).map_err(ServeError::Other)?;
    app.secure_cookies = config.tls.is_some();
    let app = Arc::new(app);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Other(format!("cannot start the server's threads: {e}")))?;
    if let Some((cert, key)) = config.tls.clone() {
        return runtime.block_on(serve_tls(app, config.addr, cert, key, say));
    }
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Bind { addr: config.addr, source })?;
        let addr = listener.local_addr().map_err(|source| ServeError::Bind { addr: config.addr, source })?;
        say(&format!("Athar serves on http://{addr}/ (Ctrl-C stops it)"));
        axum::serve(listener, router(app).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| ServeError::Other(e.to_string()))
    })
}
