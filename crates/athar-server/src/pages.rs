//! The pages: each handler reads its form, calls the registry (off the async threads), and
//! renders a template in the user's language. What a route needs was checked before (see
//! `guard`); the registry checks the role again in every call.

use crate::i18n::{t, Lang};
use crate::session::Stage;
use crate::{blocking, limits, App, Ctx, LANG_COOKIE, SESSION_COOKIE};
use askama::Template;
use athar_registry::{Action, Actor, Enrolment, RegistryError, Role};
use axum::extract::{Extension, Form, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// What every page's frame needs: the language, the user, the CSRF token of the session.
pub struct Frame {
    pub lang: Lang,
    pub csrf: String,
    pub actor: Option<Actor>,
    pub path: String,
}

impl Frame {
    fn of(ctx: &Ctx) -> Frame {
        Frame { lang: ctx.lang, csrf: ctx.csrf().to_string(), actor: ctx.actor.clone(), path: ctx.path.clone() }
    }

    pub fn t(&self, key: &str) -> &'static str {
        t(self.lang, key)
    }

    pub fn signed_in(&self) -> bool {
        self.actor.is_some()
    }

    pub fn may(&self, action: &str) -> bool {
        let action = match action {
            "users" => Action::Users,
            "audit" => Action::Audit,
            "counts" => Action::SeeCounts,
            _ => return false,
        };
        self.actor.as_ref().is_some_and(|a| a.may(action))
    }

    pub fn user_name(&self) -> &str {
        self.actor.as_ref().map_or("", |a| a.name.as_str())
    }

    pub fn role_name(&self) -> &'static str {
        let role = self.actor.as_ref().and_then(|a| a.roles.first().copied());
        role.map_or("", |r| t(self.lang, &format!("role.{}", r.name())))
    }

    pub fn languages(&self) -> Vec<Lang> {
        Lang::ALL.into_iter().filter(|l| *l != self.lang).collect()
    }

    /// A count as shown: under 10 as "<10" (small counts can name a person).
    pub fn count(&self, n: &i64) -> String {
        if *n < 10 {
            "<10".into()
        } else {
            n.to_string()
        }
    }
}

fn render(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

pub fn see_other(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn session_cookie(app: &App, id: &str) -> HeaderValue {
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("athar_session=; Path=/"))
}

fn with_cookie(mut res: Response, cookie: HeaderValue) -> Response {
    res.headers_mut().append(header::SET_COOKIE, cookie);
    res
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Frame,
    title: &'static str,
    message: String,
}

pub fn error_page(ctx: &Ctx, status: StatusCode, key: &str) -> Response {
    let page = Frame::of(ctx);
    let message = t(ctx.lang, key).to_string();
    render(status, ErrorPage { title: page.t("error.title"), page, message })
}

/// A registry error as a page: a refusal is audited; the library's own words are shown for
/// what the user asked wrongly; anything else is an internal error, said without details.
pub async fn registry_error(app: &Arc<App>, lang: Lang, ctx: Option<&Ctx>, e: RegistryError) -> Response {
    let ctx = ctx.cloned().unwrap_or(Ctx {
        lang,
        from: String::new(),
        session_id: None,
        session: None,
        actor: None,
        path: String::new(),
    });
    let (status, message) = match &e {
        RegistryError::Forbidden { .. } => {
            let (registry, who, path) = (app.registry.clone(), ctx.actor.clone(), ctx.path.clone());
            let _ = blocking(move || registry.audit_refusal(who.as_ref(), "refused.403", &path)).await;
            (StatusCode::FORBIDDEN, t(lang, "error.forbidden").to_string())
        }
        RegistryError::SignInFailed => (StatusCode::UNAUTHORIZED, t(lang, "signin.failed").to_string()),
        RegistryError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        RegistryError::Invalid(m) | RegistryError::Conflict(m) => (StatusCode::BAD_REQUEST, m.clone()),
        RegistryError::Store(athar_registry::StoreError::Refused(m)) => (StatusCode::BAD_REQUEST, m.clone()),
        _ => {
            eprintln!("internal error on {}: {e}", ctx.path);
            (StatusCode::INTERNAL_SERVER_ERROR, t(lang, "error.internal").to_string())
        }
    };
    let page = Frame::of(&ctx);
    render(status, ErrorPage { title: page.t("error.title"), page, message })
}

pub async fn not_found(Extension(ctx): Extension<Ctx>) -> Response {
    error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found")
}

pub async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../static/athar.css")).into_response()
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Sets the language and goes back to the page it was chosen on (a path of this site only).
pub async fn language(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    let Some(lang) = Lang::from_code(&code) else { return see_other("/") };
    let back = q
        .back
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && b.chars().all(|c| c.is_ascii_alphanumeric() || "/-_".contains(c))
        })
        .unwrap_or_else(|| "/".into());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; SameSite=Strict; Max-Age=31536000", lang.code());
    match HeaderValue::from_str(&cookie) {
        Ok(v) => with_cookie(see_other(&back), v),
        Err(_) => see_other(&back),
    }
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    page: Frame,
    title: &'static str,
    error: Option<&'static str>,
}

/// The sign-in page; a visitor gets a session of their own for its CSRF token.
pub async fn signin_form(State(app): State<Arc<App>>, Extension(mut ctx): Extension<Ctx>) -> Response {
    if ctx.actor.is_some() {
        return see_other("/");
    }
    let mut cookie = None;
    if ctx.session.is_none() {
        let (id, s) = app.sessions.start(Stage::Anonymous, None);
        cookie = Some(session_cookie(&app, &id));
        ctx.session = Some(s);
    }
    let page = Frame::of(&ctx);
    let res = render(StatusCode::OK, SignInPage { title: page.t("signin.title"), page, error: None });
    match cookie {
        Some(c) => with_cookie(res, c),
        None => res,
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

fn limited(app: &App, account: &str, from: &str) -> bool {
    app.failures.reached(&format!("account:{}", account.to_lowercase()), limits::FAILED_SIGN_INS)
        || app.failures.reached(&format!("address:{from}"), limits::FAILED_SIGN_INS)
}

fn note_failure(app: &App, account: &str, from: &str) {
    app.failures.note(&format!("account:{}", account.to_lowercase()), limits::FAILED_SIGN_INS.count);
    app.failures.note(&format!("address:{from}"), limits::FAILED_SIGN_INS.count);
}

async fn too_many(app: &Arc<App>, ctx: &Ctx, page: impl Template) -> Response {
    let (registry, from) = (app.registry.clone(), ctx.from.clone());
    let _ = blocking(move || registry.audit_refusal(None, "refused.429", &format!("signin from {from}"))).await;
    render(StatusCode::TOO_MANY_REQUESTS, page)
}

/// The password step. A wrong name and a wrong password get the same answer; after 5 failures
/// in 15 minutes for the account or the address, the password is not even checked.
pub async fn signin(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<SignInForm>,
) -> Response {
    let page = Frame::of(&ctx);
    if limited(&app, &form.name, &ctx.from) {
        let error = Some(page.t("signin.limited"));
        return too_many(&app, &ctx, SignInPage { title: page.t("signin.title"), page, error }).await;
    }
    let (registry, from, name) = (app.registry.clone(), ctx.from.clone(), form.name.clone());
    let checked = match blocking(move || registry.check_password(&name, &form.password, &from)).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match checked {
        Ok(pending) => {
            let old = ctx.session_id.as_deref();
            let stage = if pending.needs_code {
                Stage::Pending(pending)
            } else {
                Stage::SignedIn { actor: Actor::new(pending.name.clone(), &[pending.role]), epoch: pending.epoch }
            };
            let to = if matches!(stage, Stage::Pending(_)) { "/signin/code" } else { "/" };
            let (id, _) = app.sessions.start(stage, old);
            with_cookie(see_other(to), session_cookie(&app, &id))
        }
        Err(RegistryError::SignInFailed) => {
            note_failure(&app, &form.name, &ctx.from);
            let error = Some(page.t("signin.failed"));
            render(StatusCode::UNAUTHORIZED, SignInPage { title: page.t("signin.title"), page, error })
        }
        Err(e) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
    }
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage {
    page: Frame,
    title: &'static str,
    error: Option<&'static str>,
}

pub async fn code_form(Extension(ctx): Extension<Ctx>) -> Response {
    let page = Frame::of(&ctx);
    render(StatusCode::OK, CodePage { title: page.t("code.title"), page, error: None })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The code step: a TOTP code (each accepted once) or a recovery code. Success starts a new
/// session (a new token): the user is signed in.
pub async fn code(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>, Form(form): Form<CodeForm>) -> Response {
    let Some(crate::session::Session { stage: Stage::Pending(pending), .. }) = ctx.session.clone() else {
        return see_other("/signin");
    };
    let page = Frame::of(&ctx);
    if limited(&app, &pending.name, &ctx.from) {
        let error = Some(page.t("signin.limited"));
        return too_many(&app, &ctx, CodePage { title: page.t("code.title"), page, error }).await;
    }
    let (registry, from, p) = (app.registry.clone(), ctx.from.clone(), pending.clone());
    let checked = match blocking(move || registry.check_code(&p, &form.code, &from)).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match checked {
        Ok(actor) => {
            let (id, _) =
                app.sessions.start(Stage::SignedIn { actor, epoch: pending.epoch }, ctx.session_id.as_deref());
            with_cookie(see_other("/"), session_cookie(&app, &id))
        }
        Err(RegistryError::SignInFailed) => {
            note_failure(&app, &pending.name, &ctx.from);
            let error = Some(page.t("signin.failed"));
            render(StatusCode::UNAUTHORIZED, CodePage { title: page.t("code.title"), page, error })
        }
        Err(e) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
    }
}

pub async fn signout(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    if let Some(id) = &ctx.session_id {
        app.sessions.end(id);
    }
    with_cookie(
        see_other("/signin"),
        HeaderValue::from_static("athar_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    )
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Frame,
    title: &'static str,
    stats: athar_registry::Stats,
}

/// The overview: counts for every role, none under 10 shown.
pub async fn home(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let registry = app.registry.clone();
    match blocking(move || registry.stats(&actor)).await {
        Ok(Ok(stats)) => {
            let page = Frame::of(&ctx);
            render(StatusCode::OK, HomePage { title: page.t("home.title"), page, stats })
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Frame,
    title: &'static str,
    users: Vec<athar_registry::UserSummary>,
    roles: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
}

async fn users_page(app: &Arc<App>, ctx: &Ctx, notice: Option<&'static str>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let registry = app.registry.clone();
    match blocking(move || registry.users(&actor)).await {
        Ok(Ok(users)) => {
            let page = Frame::of(ctx);
            let roles = [Role::Caseworker, Role::Investigator, Role::Viewer, Role::Admin]
                .into_iter()
                .map(|r| (r.name(), t(ctx.lang, &format!("role.{}", r.name()))))
                .collect();
            render(StatusCode::OK, UsersPage { title: page.t("users.title"), page, users, roles, notice })
        }
        Ok(Err(e)) => registry_error(app, ctx.lang, Some(ctx), e).await,
        Err(r) => r,
    }
}

pub async fn users(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    users_page(&app, &ctx, None).await
}

#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    /// The administrator's own password: user changes are confirmed by it.
    #[serde(default)]
    my_password: String,
}

#[derive(Template)]
#[template(path = "enrolment.html")]
struct EnrolmentPage {
    page: Frame,
    title: &'static str,
    enrolment: Enrolment,
    qr_svg: String,
}

/// A user change, confirmed by the administrator's password; `change` does it.
async fn user_change(
    app: Arc<App>,
    ctx: Ctx,
    form: UserForm,
    change: impl FnOnce(&athar_registry::Registry, &Actor, &UserForm) -> Result<Option<Enrolment>, RegistryError>
        + Send
        + 'static,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if limited(&app, &actor.name, &ctx.from) {
        let page = Frame::of(&ctx);
        let message = page.t("signin.limited").to_string();
        return render(StatusCode::TOO_MANY_REQUESTS, ErrorPage { title: page.t("error.title"), page, message });
    }
    let (registry, from) = (app.registry.clone(), ctx.from.clone());
    let result = blocking(move || {
        registry.reauthenticate(&actor, &form.my_password, &from)?;
        change(&registry, &actor, &form)
    })
    .await;
    match result {
        Ok(Ok(Some(enrolment))) => {
            let page = Frame::of(&ctx);
            let qr_svg = enrolment
                .totp_qr_svg
                .as_deref()
                .map(|s| s.split_once("?>").map_or(s, |(_, svg)| svg).to_string())
                .unwrap_or_default();
            render(StatusCode::OK, EnrolmentPage { title: page.t("enrol.title"), page, enrolment, qr_svg })
        }
        Ok(Ok(None)) => users_page(&app, &ctx, Some("users.done_disabled")).await,
        Ok(Err(RegistryError::SignInFailed)) => {
            note_failure(&app, ctx.actor.as_ref().map_or("", |a| a.name.as_str()), &ctx.from);
            let page = Frame::of(&ctx);
            let message = page.t("signin.failed").to_string();
            render(StatusCode::UNAUTHORIZED, ErrorPage { title: page.t("error.title"), page, message })
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

pub async fn user_add(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<UserForm>,
) -> Response {
    user_change(app, ctx, form, |r, actor, f| {
        let role = Role::from_name(&f.role)
            .ok_or_else(|| RegistryError::Invalid(format!("'{}' is not a role; nothing changed", f.role)))?;
        r.add_user(actor, &f.name, role, &f.password).map(Some)
    })
    .await
}

pub async fn user_disable(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<UserForm>,
) -> Response {
    user_change(app, ctx, form, |r, actor, f| r.disable_user(actor, &f.name).map(|_| None)).await
}

pub async fn user_reset(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<UserForm>,
) -> Response {
    user_change(app, ctx, form, |r, actor, f| r.reset_user(actor, &f.name, &f.password).map(Some)).await
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Frame,
    title: &'static str,
    entries: Vec<athar_registry::AuditEntry>,
    holds: bool,
    problem: String,
    count: i64,
}

/// The last 200 entries of the audit chain, and whether the chain holds.
pub async fn audit(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let registry = app.registry.clone();
    let result = blocking(move || {
        let report = registry.verify_audit(&actor, false, None)?;
        Ok::<_, RegistryError>((registry.audit_log(&actor, 200)?, report))
    })
    .await;
    match result {
        Ok(Ok((entries, report))) => {
            let page = Frame::of(&ctx);
            render(
                StatusCode::OK,
                AuditPage {
                    title: page.t("audit.title"),
                    page,
                    entries,
                    holds: report.verdict.ok,
                    problem: report.verdict.problem.unwrap_or_default(),
                    count: report.verdict.entries,
                },
            )
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}
