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
use std::path::PathBuf;
use std::sync::Arc;

/// What every page's frame needs: the language, the user, the CSRF token of the session.
pub struct Frame {
    pub lang: Lang,
    pub csrf: String,
    pub actor: Option<Actor>,
    pub path: String,
}

impl Frame {
    /// The frame of a page made outside a request (a file written by the command line).
    pub(crate) fn standalone(lang: Lang) -> Frame {
        Frame { lang, csrf: String::new(), actor: None, path: String::new() }
    }

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
            "search" => Action::Search,
            "review" => Action::Judge,
            "inquiries" => Action::Inquiries,
            "sources" => Action::SeeSources,
            "sensitive" => Action::Sensitive,
            "export" => Action::Export,
            "purge" => Action::Purge,
            "scan" => Action::SeeCounts,
            _ => return false,
        };
        self.actor.as_ref().is_some_and(|a| a.may(action))
    }

    /// A field's name in the page's language (`given_name`, `birth_date` …; a comparison's
    /// `… term frequency` too); a name without words of its own as it is.
    pub fn field(&self, name: &str) -> String {
        let (base, tf) = match name.strip_suffix(" term frequency") {
            Some(b) => (b, true),
            None => (name, false),
        };
        let words =
            crate::i18n::t_opt(self.lang, &format!("field.{base}")).map_or_else(|| base.to_string(), str::to_string);
        if tf {
            format!("{words} ({})", t(self.lang, "field.rarity"))
        } else {
            words
        }
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

    /// A count the registry may have withheld: "<10" when it did.
    pub fn shown(&self, n: &Option<i64>) -> String {
        n.map_or_else(|| "<10".to_string(), |n| n.to_string())
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
    error_answer(ctx, status, message, page)
}

/// An error: a page, or for the JSON API `{"error": "…"}`.
fn error_answer(ctx: &Ctx, status: StatusCode, message: String, page: Frame) -> Response {
    if crate::api::is_api(&ctx.path) {
        return crate::api::error(status, &message);
    }
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
        RegistryError::Withheld(m) => {
            let (registry, who, path) = (app.registry.clone(), ctx.actor.clone(), ctx.path.clone());
            let _ = blocking(move || registry.audit_refusal(who.as_ref(), "refused.sensitive", &path)).await;
            (StatusCode::FORBIDDEN, m.clone())
        }
        RegistryError::SignInFailed => (StatusCode::UNAUTHORIZED, t(lang, "signin.failed").to_string()),
        // Another write held the registry past the wait (a long import): nothing was answered.
        e if e.is_locked() => (StatusCode::SERVICE_UNAVAILABLE, t(lang, "error.busy").to_string()),
        RegistryError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        RegistryError::Invalid(m) | RegistryError::Conflict(m) => (StatusCode::BAD_REQUEST, m.clone()),
        RegistryError::Store(athar_registry::StoreError::Refused(m)) => (StatusCode::BAD_REQUEST, m.clone()),
        _ => {
            eprintln!("internal error on {}: {e}", ctx.path);
            (StatusCode::INTERNAL_SERVER_ERROR, t(lang, "error.internal").to_string())
        }
    };
    let page = Frame::of(&ctx);
    error_answer(&ctx, status, message, page)
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
    preference(LANG_COOKIE, lang.code(), q)
}

/// Sets how digits are written (`arab`: ٠١٢٣, `latn`: 0123) and goes back.
pub async fn digits(Path(style): Path<String>, Query(q): Query<Back>) -> Response {
    match style.as_str() {
        "arab" | "latn" => preference(crate::DIGITS_COOKIE, &style, q),
        _ => see_other("/"),
    }
}

/// A preference kept in a cookie for a year; then back to the page it was chosen on (a path
/// of this site only).
fn preference(cookie: &str, value: &str, q: Back) -> Response {
    let back = q
        .back
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && b.chars().all(|c| c.is_ascii_alphanumeric() || "/-_".contains(c))
        })
        .unwrap_or_else(|| "/".into());
    let cookie = format!("{cookie}={value}; Path=/; SameSite=Strict; Max-Age=31536000");
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
    notice: Option<&'static str>,
}

/// The sign-in page; a visitor gets a session of their own for its CSRF token.
#[derive(Deserialize)]
pub struct SignInNotice {
    /// Set after a user changed their own password.
    #[serde(default)]
    changed: Option<String>,
}

pub async fn signin_form(
    State(app): State<Arc<App>>,
    Extension(mut ctx): Extension<Ctx>,
    Query(q): Query<SignInNotice>,
) -> Response {
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
    let notice = q.changed.is_some().then(|| page.t("signin.password_changed"));
    let res = render(StatusCode::OK, SignInPage { title: page.t("signin.title"), page, error: None, notice });
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

pub(crate) fn limited(app: &App, account: &str, from: &str) -> bool {
    app.failures.reached(&format!("account:{}", account.to_lowercase()), limits::FAILED_SIGN_INS)
        || app.failures.reached(&format!("address:{from}"), limits::FAILED_SIGN_INS)
}

pub(crate) fn note_failure(app: &App, account: &str, from: &str) {
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
        return too_many(&app, &ctx, SignInPage { title: page.t("signin.title"), page, error, notice: None }).await;
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
            render(StatusCode::UNAUTHORIZED, SignInPage { title: page.t("signin.title"), page, error, notice: None })
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
    end_session(&app, &ctx, "/signin")
}

/// Ends the session asking (if not ended already) and goes to `to`, its cookie cleared.
fn end_session(app: &App, ctx: &Ctx, to: &str) -> Response {
    if let Some(id) = &ctx.session_id {
        app.sessions.end(id);
    }
    with_cookie(see_other(to), HeaderValue::from_static("athar_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Frame,
    title: &'static str,
    dashboard: athar_registry::dashboard::Dashboard,
    charts: Vec<Chart>,
}

/// A chart of the dashboard: a bar per value, its count ("<10" when withheld).
pub struct Chart {
    pub title: &'static str,
    pub bars: Vec<ChartBar>,
}

pub struct ChartBar {
    pub label: String,
    pub count: String,
    /// Of 100: the bar's length against the largest count shown; a withheld count draws none.
    pub length: u32,
}

/// `words`: the key prefix under which a value has words of its own (`status.`).
fn chart(lang: Lang, title: &'static str, tallies: &[athar_registry::dashboard::Tally], words: Option<&str>) -> Chart {
    let most = tallies.iter().filter_map(|x| x.count).max().unwrap_or(1).max(1);
    let bars = tallies
        .iter()
        .map(|x| ChartBar {
            label: match (&x.label, x.other) {
                (_, true) => t(lang, "counts.other").to_string(),
                (Some(l), false) => words
                    .and_then(|w| crate::i18n::t_opt(lang, &format!("{w}{l}")))
                    .map_or_else(|| l.clone(), str::to_string),
                (None, false) => t(lang, "counts.unknown").to_string(),
            },
            count: x.count.map_or_else(|| "<10".to_string(), |n| n.to_string()),
            length: x.count.map_or(0, |n| ((n as f64 / most as f64) * 100.0).round() as u32),
        })
        .collect();
    Chart { title, bars }
}

/// The overview: counts for every role, none under 10 shown.
pub async fn home(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let registry = app.registry.clone();
    match blocking(move || registry.dashboard(&actor)).await {
        Ok(Ok(dashboard)) => {
            let page = Frame::of(&ctx);
            let lang = ctx.lang;
            let charts = vec![
                chart(lang, t(lang, "counts.by_status"), &dashboard.by_status, Some("status.")),
                chart(lang, t(lang, "counts.by_facility"), &dashboard.by_facility, None),
                chart(lang, t(lang, "counts.by_year"), &dashboard.by_year, None),
                chart(lang, t(lang, "counts.by_source"), &dashboard.by_source, None),
            ];
            render(StatusCode::OK, HomePage { title: page.t("home.title"), page, dashboard, charts })
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
    tokens: Vec<athar_registry::tokens::TokenRow>,
    /// The scopes a token may carry, as words.
    scopes: String,
}

async fn users_page(app: &Arc<App>, ctx: &Ctx, notice: Option<&'static str>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let registry = app.registry.clone();
    match blocking(move || Ok::<_, RegistryError>((registry.users(&actor)?, registry.tokens(&actor)?))).await {
        Ok(Ok((users, tokens))) => {
            let page = Frame::of(ctx);
            let roles = [Role::Caseworker, Role::Investigator, Role::Viewer, Role::Admin]
                .into_iter()
                .map(|r| (r.name(), t(ctx.lang, &format!("role.{}", r.name()))))
                .collect();
            let scopes = athar_registry::tokens::SCOPES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ");
            render(
                StatusCode::OK,
                UsersPage { title: page.t("users.title"), page, users, roles, notice, tokens, scopes },
            )
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

/// Work confirmed by the user's own password (user and token changes, exports, purges): past
/// the limit of failed sign-ins it is refused unchecked; a wrong password counts as a failed
/// sign-in. `Err` is the answer to give (a refusal, or the registry's error).
async fn with_password<T: Send + 'static>(
    app: &Arc<App>,
    ctx: &Ctx,
    password: String,
    work: impl FnOnce(&athar_registry::Registry, &Actor) -> Result<T, RegistryError> + Send + 'static,
) -> Result<T, Response> {
    let Some(actor) = ctx.actor.clone() else { return Err(see_other("/signin")) };
    if limited(app, &actor.name, &ctx.from) {
        return Err(error_page(ctx, StatusCode::TOO_MANY_REQUESTS, "signin.limited"));
    }
    let (registry, from) = (app.registry.clone(), ctx.from.clone());
    let result = blocking(move || {
        registry.reauthenticate(&actor, &password, &from)?;
        work(&registry, &actor)
    })
    .await?;
    match result {
        Ok(v) => Ok(v),
        Err(RegistryError::SignInFailed) => {
            note_failure(app, ctx.actor.as_ref().map_or("", |a| a.name.as_str()), &ctx.from);
            Err(error_page(ctx, StatusCode::UNAUTHORIZED, "signin.failed"))
        }
        Err(e) => Err(registry_error(app, ctx.lang, Some(ctx), e).await),
    }
}

/// A user change, confirmed by the administrator's password; `change` does it.
async fn user_change(
    app: Arc<App>,
    ctx: Ctx,
    form: UserForm,
    done: &'static str,
    change: impl FnOnce(&athar_registry::Registry, &Actor, &UserForm) -> Result<Option<Enrolment>, RegistryError>
        + Send
        + 'static,
) -> Response {
    let password = form.my_password.clone();
    match with_password(&app, &ctx, password, move |r, actor| change(r, actor, &form)).await {
        Ok(Some(enrolment)) => {
            let page = Frame::of(&ctx);
            let qr_svg = enrolment
                .totp_qr_svg
                .as_deref()
                .map(|s| s.split_once("?>").map_or(s, |(_, svg)| svg).to_string())
                .unwrap_or_default();
            render(StatusCode::OK, EnrolmentPage { title: page.t("enrol.title"), page, enrolment, qr_svg })
        }
        Ok(None) => users_page(&app, &ctx, Some(done)).await,
        Err(r) => r,
    }
}

pub async fn user_add(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<UserForm>,
) -> Response {
    user_change(app, ctx, form, "users.done_disabled", |r, actor, f| {
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
    user_change(app, ctx, form, "users.done_disabled", |r, actor, f| r.disable_user(actor, &f.name).map(|_| None)).await
}

pub async fn user_role(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<UserForm>,
) -> Response {
    user_change(app, ctx, form, "users.done_role", |r, actor, f| {
        let role = Role::from_name(&f.role)
            .ok_or_else(|| RegistryError::Invalid(format!("'{}' is not a role; nothing changed", f.role)))?;
        r.set_role(actor, &f.name, role).map(|_| None)
    })
    .await
}

pub async fn user_reset(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<UserForm>,
) -> Response {
    user_change(app, ctx, form, "users.done_disabled", |r, actor, f| {
        r.reset_user(actor, &f.name, &f.password).map(Some)
    })
    .await
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Frame,
    title: &'static str,
}

/// A signed-in user's own password: the form.
pub async fn account_form(Extension(ctx): Extension<Ctx>) -> Response {
    let page = Frame::of(&ctx);
    render(StatusCode::OK, AccountPage { title: page.t("account.title"), page })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordForm {
    /// The current password.
    #[serde(default)]
    pub(crate) my_password: String,
    #[serde(default)]
    pub(crate) new_password: String,
    /// The new password again.
    #[serde(default)]
    pub(crate) again: String,
}

/// A signed-in user changes their own password, confirmed by the current one: every session
/// of theirs ends, this one too, and they sign in again.
pub async fn account_password(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<PasswordForm>,
) -> Response {
    match changed_password(&app, &ctx, form).await {
        Ok(()) => end_session(&app, &ctx, "/signin?changed=1"),
        Err(r) => r,
    }
}

/// A user's own password changed, as asked by the page or the API (the session asking ends
/// too); `Err` is the refusal to answer.
pub(crate) async fn changed_password(app: &Arc<App>, ctx: &Ctx, form: PasswordForm) -> Result<(), Response> {
    if form.new_password != form.again {
        return Err(error_page(ctx, StatusCode::BAD_REQUEST, "account.mismatch"));
    }
    let (current, new, from) = (form.my_password.clone(), form.new_password, ctx.from.clone());
    with_password(app, ctx, form.my_password, move |r, actor| r.change_own_password(actor, &current, &new, &from))
        .await?;
    if let Some(id) = &ctx.session_id {
        app.sessions.end(id);
    }
    Ok(())
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
#[derive(Template)]
#[template(path = "viewers.html")]
struct ViewersPage {
    page: Frame,
    title: &'static str,
    person: String,
    entries: Option<Vec<athar_registry::AuditEntry>>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct ViewersQuery {
    person: Option<String>,
}

/// Who looked at a person: the data-protection officer's report (ids and actions only).
pub async fn viewers(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ViewersQuery>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let page = Frame::of(&ctx);
    let title = page.t("viewers.title");
    let person = q.person.unwrap_or_default().trim().to_string();
    if person.is_empty() {
        return render(StatusCode::OK, ViewersPage { title, page, person, entries: None, error: None });
    }
    if !crate::plain_id(&person) {
        let error = Some(page.t("viewers.bad_id").to_string());
        return render(StatusCode::BAD_REQUEST, ViewersPage { title, page, person, entries: None, error });
    }
    let (registry, who) = (app.registry.clone(), person.clone());
    match blocking(move || registry.viewers_of(&actor, &who)).await {
        Ok(Ok(entries)) => {
            render(StatusCode::OK, ViewersPage { title, page, person, entries: Some(entries), error: None })
        }
        Ok(Err(RegistryError::NotFound(m))) => {
            render(StatusCode::NOT_FOUND, ViewersPage { title, page, person, entries: None, error: Some(m) })
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

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

/// The fields of a search, as typed (kept to show the form again with its answer).
#[derive(Deserialize, Default, Clone)]
pub struct SearchForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub given: String,
    #[serde(default)]
    pub father: String,
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub mother: String,
    #[serde(default)]
    pub born: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub facility: String,
    /// The date of the arrest or disappearance.
    #[serde(default)]
    pub arrested: String,
    /// Where the person was arrested or disappeared.
    #[serde(default)]
    pub arrest_place: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub sex: String,
    /// An inquiry's reference, or …
    #[serde(default)]
    pub inquiry: String,
    /// … the purpose of the search in words.
    #[serde(default)]
    pub purpose: String,
}

fn given(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl SearchForm {
    fn query(&self) -> athar_registry::Query {
        athar_registry::Query::from_named(|name| {
            let v = match name {
                "name" => &self.name,
                "given" => &self.given,
                "father" => &self.father,
                "family" => &self.family,
                "mother" => &self.mother,
                "born" => &self.born,
                "place" => &self.place,
                "sex" => &self.sex,
                "facility" => &self.facility,
                "arrested" => &self.arrested,
                "arrest_place" => &self.arrest_place,
                "status" => &self.status,
                _ => return None,
            };
            Some(v.clone())
        })
    }

    fn purpose(&self) -> Option<athar_registry::SearchPurpose> {
        match (given(&self.inquiry), given(&self.purpose)) {
            (Some(r), _) => Some(athar_registry::SearchPurpose::Inquiry(r)),
            (None, Some(p)) => Some(athar_registry::SearchPurpose::Stated(p)),
            (None, None) => None,
        }
    }
}

/// One comparison of a result, drawn as a bar: how much it weighed for or against.
pub struct Bar {
    pub field: String,
    pub query: String,
    pub record: String,
    pub level: String,
    /// The name engine's reason (`both are forms of 'muhammad'`), or empty.
    pub reason: String,
    pub weight: f64,
    /// The bar's length, 0–100.
    pub length: u32,
    pub against: bool,
}

pub struct Found {
    pub person_id: String,
    pub percent: String,
    /// The name was read family name first for this person.
    pub family_first: bool,
    pub records: Vec<String>,
    pub bars: Vec<Bar>,
}

fn bars(explanation: &[athar_registry::Explained]) -> Vec<Bar> {
    explanation
        .iter()
        .map(|e| Bar {
            field: e.field.clone(),
            query: e.query.clone().unwrap_or_default(),
            record: e.record.clone().unwrap_or_default(),
            level: e.level.clone(),
            reason: e.reason.clone().unwrap_or_default(),
            weight: e.weight,
            length: ((e.weight.abs().min(12.0) / 12.0) * 100.0).round() as u32,
            against: e.weight < 0.0,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: Frame,
    title: &'static str,
    form: SearchForm,
    error: Option<String>,
    results: Option<Vec<Found>>,
    /// Matches withheld: records marked sensitive that the user's role may not see.
    withheld: usize,
    /// More persons fit as well as the best than are shown: how many, and the fields that
    /// would tell them apart.
    ambiguous: Option<athar_registry::Ambiguity>,
}

pub async fn search_form(Extension(ctx): Extension<Ctx>) -> Response {
    let page = Frame::of(&ctx);
    render(
        StatusCode::OK,
        SearchPage {
            title: page.t("search.title"),
            page,
            form: SearchForm::default(),
            error: None,
            results: None,
            withheld: 0,
            ambiguous: None,
        },
    )
}

/// A user's search limits: the minute's and the day's, by key.
fn search_limits(actor_name: &str) -> [(String, limits::Limit); 2] {
    [(format!("minute:{actor_name}"), limits::SEARCHES_A_MINUTE), (format!("day:{actor_name}"), limits::SEARCHES_A_DAY)]
}

/// Takes one search from a user's limits, counted in the same step as it is allowed, so that
/// two requests at once cannot both make the last one: whether it may be made. Always, when the
/// limits are lifted (the load benchmark).
pub(crate) fn take_search(app: &App, actor_name: &str) -> bool {
    if app.search_limit_lifted {
        return true;
    }
    let limits = search_limits(actor_name);
    let keyed: Vec<(&str, limits::Limit)> = limits.iter().map(|(k, l)| (k.as_str(), *l)).collect();
    app.searches.take_one(&keyed)
}

/// Whether a user has no search left now (never, when the limits are lifted).
fn no_search_left(app: &App, actor_name: &str) -> bool {
    !app.search_limit_lifted && search_limits(actor_name).iter().any(|(k, l)| app.searches.reached(k, *l))
}

/// Whether `actor` has reached a search limit (30 a minute, 300 a day; the refusal audited);
/// else the search is counted.
pub(crate) async fn over_search_limit(app: &Arc<App>, actor: &Actor) -> bool {
    if !take_search(app, &actor.name) {
        search_refused(app, actor).await;
        return true;
    }
    false
}

/// Notes in the audit chain that a search was refused at the limit.
pub(crate) async fn search_refused(app: &Arc<App>, actor: &Actor) {
    let (registry, who) = (app.registry.clone(), actor.clone());
    let _ = blocking(move || registry.audit_refusal(Some(&who), "refused.429", "search")).await;
}

/// A search: tied to an inquiry or a stated purpose, within the user's rate limits (30 a
/// minute, 300 a day), ranked and explained. A POST, so that names never appear in addresses.
pub async fn search(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<SearchForm>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let page = Frame::of(&ctx);
    let title = page.t("search.title");
    let Some(purpose) = form.purpose() else {
        let error = Some(page.t("search.needs_purpose").to_string());
        return render(
            StatusCode::BAD_REQUEST,
            SearchPage { title, page, form, error, results: None, withheld: 0, ambiguous: None },
        );
    };
    if over_search_limit(&app, &actor).await {
        let error = Some(page.t("search.limited").to_string());
        return render(
            StatusCode::TOO_MANY_REQUESTS,
            SearchPage { title, page, form, error, results: None, withheld: 0, ambiguous: None },
        );
    }
    let (registry, query) = (app.registry.clone(), form.query());
    let answer = match blocking(move || registry.search_for(&actor, &query, 20, &purpose)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match answer {
        Ok(found) => {
            let results = found
                .results
                .iter()
                .map(|m| Found {
                    person_id: m.person_id.clone(),
                    percent: format!("{:.0}", m.probability * 100.0),
                    family_first: m.reading.is_some(),
                    records: m
                        .records
                        .iter()
                        .map(|r| match &r.source_record_id {
                            Some(id) => format!("{}:{}", r.source, id),
                            None => format!("{} R{}", r.source, r.record_id),
                        })
                        .collect(),
                    bars: bars(&m.explanation),
                })
                .collect();
            render(
                StatusCode::OK,
                SearchPage {
                    title,
                    page,
                    form,
                    error: None,
                    results: Some(results),
                    withheld: found.withheld,
                    ambiguous: found.ambiguous,
                },
            )
        }
        Err(e @ (RegistryError::Invalid(_) | RegistryError::NotFound(_) | RegistryError::Query(_))) => {
            let error = Some(e.to_string());
            render(
                StatusCode::BAD_REQUEST,
                SearchPage { title, page, form, error, results: None, withheld: 0, ambiguous: None },
            )
        }
        Err(e) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
    }
}

/// The most characters a text pasted into the scan page may hold: what the registry reads at
/// once (a longer report is scanned as a file with `athar scan`).
pub(crate) const MAX_SCAN_CHARS: usize = athar_registry::reports::MAX_TEXT_CHARS;

#[derive(Deserialize, Default)]
pub struct ScanForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    persons: Option<String>,
}

/// One line of the scan page: a site or place, or a registered person.
struct ScanRow {
    offset: usize,
    written: String,
    label: String,
    entity_id: String,
    person: Option<String>,
    confidence: String,
}

struct ScanFound {
    rows: Vec<ScanRow>,
    persons_asked: bool,
    searches: usize,
    withheld: usize,
    stopped: bool,
}

#[derive(Template)]
#[template(path = "scan.html")]
struct ScanPage {
    page: Frame,
    title: &'static str,
    text: String,
    persons: bool,
    max_chars: usize,
    error: Option<String>,
    found: Option<ScanFound>,
}

pub async fn scan_form(Extension(ctx): Extension<Ctx>) -> Response {
    let page = Frame::of(&ctx);
    let title = page.t("scan.title");
    let blank = ScanPage {
        page,
        title,
        text: String::new(),
        persons: false,
        max_chars: MAX_SCAN_CHARS,
        error: None,
        found: None,
    };
    render(StatusCode::OK, blank)
}

/// `text` scanned for `actor` (persons too, when asked) within the user's search limits: each
/// name searched is counted; `None` when persons were asked for and the limit is reached (the
/// refusal audited, nothing scanned). The page and the API both scan through it.
pub(crate) async fn scan_within_limits(
    app: &Arc<App>,
    actor: &Actor,
    text: String,
    persons: bool,
) -> Result<Option<Result<athar_registry::reports::TextScan, RegistryError>>, Response> {
    // No search left at all: refused (audited) before anything is read. Else each name is
    // searched only when a search can be taken then (the scan stops at the limit, and says so).
    if persons && no_search_left(app, &actor.name) {
        search_refused(app, actor).await;
        return Ok(None);
    }
    let (registry, who, limits_of) = (app.registry.clone(), actor.clone(), app.clone());
    let answer = blocking(move || {
        let mut made = 0usize;
        let mut may_search = || {
            made += 1;
            made <= athar_registry::reports::DEFAULT_MAX_SEARCHES && take_search(&limits_of, &who.name)
        };
        registry.scan_text_within(&who, &text, persons, &mut may_search)
    })
    .await?;
    Ok(Some(answer))
}

/// A pasted text read for the sites and places it names, and — when asked, by a role that may
/// search — the registered persons: each name searched counts against the user's search limits
/// (the scan stops at the limit, and says so), one audit entry for the scan.
pub async fn scan(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>, Form(form): Form<ScanForm>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let page = Frame::of(&ctx);
    let title = page.t("scan.title");
    let persons = form.persons.is_some() && actor.may(Action::Search);
    let mut shown =
        ScanPage { page, title, text: form.text.clone(), persons, max_chars: MAX_SCAN_CHARS, error: None, found: None };
    if form.text.chars().count() > MAX_SCAN_CHARS {
        shown.error = Some(shown.page.t("scan.too_long").to_string());
        return render(StatusCode::PAYLOAD_TOO_LARGE, shown);
    }
    let answer = match scan_within_limits(&app, &actor, form.text, persons).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            shown.error = Some(shown.page.t("search.limited").to_string());
            return render(StatusCode::TOO_MANY_REQUESTS, shown);
        }
        Err(r) => return r,
    };
    match answer {
        Ok(found) => {
            let mut rows: Vec<ScanRow> = found
                .mentions
                .iter()
                .map(|m| ScanRow {
                    offset: m.offset,
                    written: m.text.clone(),
                    label: m.label.clone(),
                    entity_id: m.entity_id.clone(),
                    person: None,
                    confidence: format!("{:.2}", m.confidence),
                })
                .chain(found.persons.iter().map(|p| ScanRow {
                    offset: p.offset,
                    written: p.text.clone(),
                    label: String::new(),
                    entity_id: format!("person:{}", p.person_id),
                    person: Some(p.person_id.clone()),
                    confidence: format!("{:.2}", p.probability),
                }))
                .collect();
            rows.sort_by_key(|r| r.offset);
            shown.found = Some(ScanFound {
                rows,
                persons_asked: persons,
                searches: found.searches,
                withheld: found.withheld,
                stopped: found.stopped,
            });
            render(StatusCode::OK, shown)
        }
        Err(e) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    page: Frame,
    title: &'static str,
    person: athar_registry::PersonView,
    /// The derived fields' names, in the order of the first record that has each.
    fields: Vec<String>,
    /// The sensitivity flags there are.
    flag_names: &'static [&'static str],
    /// The person's status over time.
    timeline: Vec<athar_registry::status::TimelineEntry>,
    statuses: [&'static str; 5],
    /// The lists a status change may cite as its evidence.
    source_names: Vec<String>,
    /// Each record's file (name and SHA-256), by position.
    files: Vec<(String, String)>,
    history: Vec<athar_registry::LineageEvent>,
}

impl PersonPage {
    pub fn value(&self, record: &athar_registry::RecordView, field: &str) -> String {
        record.derived.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    pub fn flag_key(&self, flag: &str) -> String {
        format!("flag.{flag}")
    }

    pub fn status_words(&self, status: &str) -> String {
        crate::i18n::t_opt(self.page.lang, &format!("status.{status}"))
            .map_or_else(|| status.to_string(), str::to_string)
    }

    pub fn flags_of(&self, record: &str) -> Vec<String> {
        self.person.flags.get(record).cloned().unwrap_or_default()
    }

    pub fn has_flag(&self, record: &str, flag: &str) -> bool {
        self.person.flags.get(record).is_some_and(|f| f.iter().any(|x| x == flag))
    }
}

/// Sets the sensitivity flags of one record of a person (an investigator's), then shows the
/// person again.
pub async fn person_flags(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if !crate::plain_id(&id) {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    let record = fields.iter().find(|(k, _)| k == "record").map(|(_, v)| v.clone()).unwrap_or_default();
    let flags: Vec<String> = fields.iter().filter(|(k, _)| k == "flag").map(|(_, v)| v.clone()).collect();
    let registry = app.registry.clone();
    let person = id.clone();
    let result = blocking(move || registry.set_person_flags(&actor, &person, &record, &flags)).await;
    match result {
        Ok(Ok(_)) => see_other(&format!("/persons/{id}")),
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

/// A person: every record side by side with its source and provenance (file, row, SHA-256),
/// and where the person came from (creations, merges, splits). The view is audited.
pub async fn person(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if !crate::plain_id(&id) {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    let registry = app.registry.clone();
    let result = blocking(move || {
        let person = registry.person(&actor, &id)?;
        let history = registry.person_history(&actor, &id).unwrap_or_default();
        let sources = registry.sources(&actor)?;
        let timeline = registry.status_timeline(&actor, &id)?;
        Ok::<_, RegistryError>((person, history, sources, timeline))
    })
    .await;
    match result {
        Ok(Ok((person, history, sources, timeline))) => {
            let mut fields: Vec<String> = Vec::new();
            for r in &person.records {
                for (k, _) in &r.derived {
                    if !fields.contains(k) {
                        fields.push(k.clone());
                    }
                }
            }
            let files = person
                .records
                .iter()
                .map(|r| {
                    sources
                        .iter()
                        .find(|s| s.source_id == r.source_id || s.name == r.source)
                        .map(|s| (s.file_name.clone(), s.sha256.clone()))
                        .unwrap_or_default()
                })
                .collect();
            let page = Frame::of(&ctx);
            let flag_names = athar_registry::sensitivity::FLAGS;
            render(
                StatusCode::OK,
                PersonPage {
                    title: page.t("person.title"),
                    page,
                    person,
                    fields,
                    files,
                    history,
                    flag_names,
                    timeline,
                    statuses: athar_registry::status::STATUSES,
                    source_names: sources.iter().map(|s| s.name.clone()).collect(),
                },
            )
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

/// One step of a pair's waterfall: a comparison's weight and the running total after it.
pub struct Step {
    /// The comparison (a field's name, shown in the page's language), or the prior.
    pub label: String,
    pub level: String,
    /// The values compared, as each record writes them ("—" for none; both empty when the
    /// line compares no value), and the name engine's reason.
    pub a: String,
    pub b: String,
    pub reason: String,
    pub weight: f64,
    pub total: f64,
    pub length: u32,
    pub against: bool,
}

fn bar_length(weight: f64) -> u32 {
    ((weight.abs().min(12.0) / 12.0) * 100.0).round() as u32
}

/// An explanation as the steps of its waterfall: the prior, then each comparison with the
/// running total (the review page and the review queue's HTML export draw it alike).
pub(crate) fn waterfall(e: &athar_link::Explanation, prior: &str) -> Vec<Step> {
    let mut total = e.prior_weight;
    let mut steps = vec![Step {
        label: prior.to_string(),
        level: String::new(),
        a: String::new(),
        b: String::new(),
        reason: String::new(),
        weight: total,
        total,
        length: bar_length(total),
        against: total < 0.0,
    }];
    for l in &e.lines {
        total += l.weight;
        let shown = l.a.is_some() || l.b.is_some();
        let side = |v: &Option<String>| if shown { v.clone().unwrap_or_else(|| "—".into()) } else { String::new() };
        steps.push(Step {
            label: l.comparison.clone(),
            level: l.level.clone(),
            a: side(&l.a),
            b: side(&l.b),
            reason: l.reason.clone().unwrap_or_default(),
            weight: l.weight,
            total,
            length: bar_length(l.weight),
            against: l.weight < 0.0,
        });
    }
    steps
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    page: Frame,
    title: &'static str,
    /// The pair shown: both records, the waterfall, the probability, a judgement in force.
    pair: Option<(athar_registry::RecordView, athar_registry::RecordView)>,
    steps: Vec<Step>,
    probability: String,
    judged: Option<athar_registry::JudgementRow>,
    fields: Vec<String>,
    /// The pairs waiting after this one (record ids, probability).
    queue: Vec<(String, String, String)>,
    left: usize,
    notice: Option<&'static str>,
}

impl ReviewPage {
    pub fn value(&self, record: &athar_registry::RecordView, field: &str) -> String {
        record.derived.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone()).unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// The review queue: the next pair (or the one asked for) side by side, its waterfall, and
/// the judgement form; the pairs after it.
async fn review_page(
    app: &Arc<App>,
    ctx: &Ctx,
    pair: Option<(String, String)>,
    notice: Option<&'static str>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let registry = app.registry.clone();
    let result = blocking(move || {
        let queue = registry.review(&actor, &athar_registry::ReviewFilter { limit: 21, ..Default::default() })?;
        let chosen = pair.or_else(|| queue.items.first().map(|i| (i.record_a.clone(), i.record_b.clone())));
        let shown = match &chosen {
            Some((a, b)) => {
                let e = registry.explain(&actor, a, b)?;
                let ra = registry.record(&actor, a)?;
                let rb = registry.record(&actor, b)?;
                Some((e, ra, rb))
            }
            None => None,
        };
        Ok::<_, RegistryError>((queue, shown))
    })
    .await;
    let (queue, shown) = match result {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return registry_error(app, ctx.lang, Some(ctx), e).await,
        Err(r) => return r,
    };
    let page = Frame::of(ctx);
    let mut steps = Vec::new();
    let (mut pair, mut probability, mut judged, mut fields) = (None, String::new(), None, Vec::new());
    if let Some((e, ra, rb)) = shown {
        steps = waterfall(&e.explanation, page.t("review.prior"));
        probability = format!("{:.3}", e.explanation.probability);
        judged = e.judgement;
        for r in [&ra, &rb] {
            for (k, _) in &r.derived {
                if !fields.contains(k) {
                    fields.push(k.clone());
                }
            }
        }
        pair = Some((ra, rb));
    }
    let shown_ids = pair.as_ref().map(|(a, b)| (a.record_id.clone(), b.record_id.clone()));
    let left = queue.total;
    let queue: Vec<(String, String, String)> = queue
        .items
        .iter()
        .filter(|i| shown_ids.as_ref() != Some(&(i.record_a.clone(), i.record_b.clone())))
        .take(20)
        .map(|i| (i.record_a.clone(), i.record_b.clone(), format!("{:.3}", i.probability)))
        .collect();
    render(
        StatusCode::OK,
        ReviewPage {
            title: page.t("review.title"),
            page,
            pair,
            steps,
            probability,
            judged,
            fields,
            queue,
            left,
            notice,
        },
    )
}

pub async fn review(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>, Query(q): Query<Done>) -> Response {
    let notice = q.done.is_some().then_some("review.recorded");
    review_page(&app, &ctx, None, notice).await
}

pub async fn review_pair(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path((a, b)): Path<(String, String)>,
) -> Response {
    let plain = |s: &str| !s.is_empty() && s.len() <= 20 && s.chars().all(|c| c.is_ascii_digit());
    if !plain(&a) || !plain(&b) {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    review_page(&app, &ctx, Some((a, b)), None).await
}

#[derive(Deserialize)]
pub struct JudgeForm {
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// A judgement on the pair shown; then the next pair.
pub async fn judge(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<JudgeForm>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let registry = app.registry.clone();
    let note = given(&form.note);
    let result = blocking(move || registry.judge(&actor, &form.a, &form.b, &form.decision, note.as_deref())).await;
    match result {
        Ok(Ok(_)) => see_other("/review?done=1"),
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

use athar_registry::consent::{Consent, CATEGORIES, RECIPIENTS};

#[derive(Template)]
#[template(path = "inquiries.html")]
struct InquiriesPage {
    page: Frame,
    title: &'static str,
    inquiries: Vec<athar_registry::InquiryRow>,
    all: bool,
}

#[derive(Deserialize)]
pub struct All {
    all: Option<String>,
}

pub async fn inquiries(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>, Query(q): Query<All>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let all = q.all.is_some();
    let registry = app.registry.clone();
    match blocking(move || registry.inquiries(&actor, all)).await {
        Ok(Ok(inquiries)) => {
            let page = Frame::of(&ctx);
            render(StatusCode::OK, InquiriesPage { title: page.t("inquiries.title"), page, inquiries, all })
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "inquiry_new.html")]
struct NewInquiryPage {
    page: Frame,
    title: &'static str,
    form: Vec<(String, String)>,
    error: Option<String>,
    recipients: [&'static str; 4],
    categories: [&'static str; 4],
}

impl NewInquiryPage {
    pub fn get(&self, key: &str) -> String {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    pub fn ticked(&self, recipient: &str, category: &str) -> bool {
        let want = format!("{recipient}:{category}");
        self.form.iter().any(|(k, v)| k == "consent" && *v == want)
    }
}

fn new_inquiry_page(ctx: &Ctx, status: StatusCode, form: Vec<(String, String)>, error: Option<String>) -> Response {
    let page = Frame::of(ctx);
    render(
        status,
        NewInquiryPage {
            title: page.t("inquiry.new"),
            page,
            form,
            error,
            recipients: RECIPIENTS,
            categories: CATEGORIES,
        },
    )
}

pub async fn inquiry_form(Extension(ctx): Extension<Ctx>) -> Response {
    new_inquiry_page(&ctx, StatusCode::OK, Vec::new(), None)
}

#[derive(Template)]
#[template(path = "inquiry_ack.html")]
struct AckPage {
    page: Frame,
    title: &'static str,
    reference: String,
}

/// An inquiry's intake: the sought person, and the enquirer as a separate party with their
/// relationship, contact (kept encrypted) and consent. Answered with a reference only — never
/// with a result.
pub async fn inquiry_add(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let get = |k: &str| form.iter().find(|(f, _)| f == k).and_then(|(_, v)| given(v));
    let ticked: Vec<String> = form.iter().filter(|(k, _)| k == "consent").map(|(_, v)| v.clone()).collect();
    let (Some(enquirer), Some(relationship)) = (get("enquirer"), get("relationship")) else {
        let error = Some(t(ctx.lang, "inquiry.needs_enquirer").to_string());
        return new_inquiry_page(&ctx, StatusCode::BAD_REQUEST, form, error);
    };
    let consent = match Consent::from_pairs(ticked.iter().map(String::as_str)) {
        Ok(c) => c.text(),
        Err(e) => return new_inquiry_page(&ctx, StatusCode::BAD_REQUEST, form, Some(e.to_string())),
    };
    let new = athar_registry::NewInquiry {
        sought: athar_registry::Query::from_named(get),
        enquirer: athar_registry::Enquirer { name: enquirer, relationship, contact: get("contact"), consent },
    };
    let registry = app.registry.clone();
    match blocking(move || registry.add_inquiry(&actor, new)).await {
        Ok(Ok(reference)) => {
            let page = Frame::of(&ctx);
            render(StatusCode::OK, AckPage { title: page.t("inquiry.ack"), page, reference })
        }
        Ok(Err(e @ (RegistryError::Invalid(_) | RegistryError::Query(_)))) => {
            new_inquiry_page(&ctx, StatusCode::BAD_REQUEST, form, Some(e.to_string()))
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "inquiry.html")]
struct InquiryPage {
    page: Frame,
    title: &'static str,
    detail: athar_registry::InquiryDetail,
    leads: Vec<athar_registry::Lead>,
    notice: Option<&'static str>,
    /// The consent in force, read from its clauses (`None`: it cannot be read).
    consent: Option<Consent>,
    recipients: [&'static str; 4],
    categories: [&'static str; 4],
}

impl InquiryPage {
    pub fn key(&self, prefix: &str, name: &str) -> String {
        format!("{prefix}{name}")
    }

    pub fn grants(&self, recipient: &str, category: &str) -> bool {
        self.consent.as_ref().is_some_and(|c| c.allows(recipient, category))
    }
}

async fn inquiry_page(app: &Arc<App>, ctx: &Ctx, reference: String, notice: Option<&'static str>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if !crate::plain_id(&reference) {
        return error_page(ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    let registry = app.registry.clone();
    let result = blocking(move || {
        let detail = registry.inquiry(&actor, &reference)?;
        let leads = registry.leads(&actor, Some(&reference))?.into_iter().flat_map(|(_, l)| l).collect::<Vec<_>>();
        Ok::<_, RegistryError>((detail, leads))
    })
    .await;
    match result {
        Ok(Ok((detail, leads))) => {
            let page = Frame::of(ctx);
            let consent = Consent::parse(&detail.enquirer.consent).ok();
            render(
                StatusCode::OK,
                InquiryPage {
                    title: page.t("inquiry.title"),
                    page,
                    detail,
                    leads,
                    notice,
                    consent,
                    recipients: RECIPIENTS,
                    categories: CATEGORIES,
                },
            )
        }
        Ok(Err(e)) => registry_error(app, ctx.lang, Some(ctx), e).await,
        Err(r) => r,
    }
}

pub async fn inquiry(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(reference): Path<String>,
) -> Response {
    inquiry_page(&app, &ctx, reference, None).await
}

#[derive(Deserialize)]
pub struct LeadForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    recipient: String,
    /// A category of data, or empty for all of them.
    #[serde(default)]
    category: String,
}

/// What a caseworker does with an inquiry's leads: mark them seen, dismiss one with a note, or
/// close the inquiry (with a reason).
pub async fn inquiry_act(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(reference): Path<String>,
    Form(form): Form<LeadForm>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if !crate::plain_id(&reference) {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    let (registry, r) = (app.registry.clone(), reference.clone());
    let note = given(&form.note);
    let result = blocking(move || match form.action.as_str() {
        "seen" => registry.mark_leads_seen(&actor, &r).map(|_| "inquiry.marked_seen"),
        "dismiss" => registry.dismiss_lead(&actor, &r, &form.person, note.as_deref()).map(|_| "inquiry.dismissed"),
        "close" => registry.close_inquiry(&actor, &r, note.as_deref()).map(|_| "inquiry.closed"),
        "withdraw" => {
            let categories: Vec<String> = given(&form.category).into_iter().collect();
            registry.withdraw_consent(&actor, &r, &form.recipient, &categories).map(|_| "inquiry.consent_withdrawn")
        }
        other => Err(RegistryError::Invalid(format!("'{other}' is not something to do with an inquiry"))),
    })
    .await;
    match result {
        Ok(Ok(notice)) => inquiry_page(&app, &ctx, reference, Some(notice)).await,
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "sources.html")]
struct SourcesPage {
    page: Frame,
    title: &'static str,
    sources: Vec<athar_registry::SourceSummary>,
    may_import: bool,
    may_quarantine: bool,
}

/// Every list imported: its file, SHA-256, counts, and the notice of a recycled list.
pub async fn sources(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let (may_import, may_quarantine) = (actor.may(Action::Import), actor.may(Action::ReadQuarantine));
    let registry = app.registry.clone();
    match blocking(move || registry.sources(&actor)).await {
        Ok(Ok(sources)) => {
            let page = Frame::of(&ctx);
            render(
                StatusCode::OK,
                SourcesPage { title: page.t("sources.title"), page, sources, may_import, may_quarantine },
            )
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    page: Frame,
    title: &'static str,
    error: Option<String>,
    kinds: Vec<&'static str>,
    max_mib: usize,
}

const KINDS: [&str; 5] = ["register", "ngo-list", "inquiry", "report", "other"];

fn upload_page(ctx: &Ctx, status: StatusCode, error: Option<String>) -> Response {
    let page = Frame::of(ctx);
    render(
        status,
        UploadPage {
            title: page.t("upload.title"),
            page,
            error,
            kinds: KINDS.to_vec(),
            max_mib: crate::UPLOAD_LIMIT >> 20,
        },
    )
}

pub async fn upload_form(Extension(ctx): Extension<Ctx>) -> Response {
    upload_page(&ctx, StatusCode::OK, None)
}

#[derive(Template)]
#[template(path = "preview.html")]
struct PreviewPage {
    page: Frame,
    title: &'static str,
    upload: String,
    file_name: String,
    source: String,
    kind: String,
    preview: athar_registry::import::ImportPreview,
    /// Each column with the field it is read as (`-`: none).
    columns: Vec<(String, String)>,
    fields: Vec<&'static str>,
    error: Option<String>,
}

fn role_name(role: &athar_registry::import::ColumnRole) -> String {
    use athar_registry::import::ColumnRole;
    match role {
        ColumnRole::Field(f) => f.name().to_string(),
        ColumnRole::Id => "source_record_id".into(),
        ColumnRole::Ignored | ColumnRole::Unmapped => "-".into(),
    }
}

fn kind_of(name: &str) -> Option<athar_registry::import::SourceKind> {
    use athar_registry::import::SourceKind;
    [SourceKind::Register, SourceKind::NgoList, SourceKind::Inquiry, SourceKind::Report, SourceKind::Other]
        .into_iter()
        .find(|k| k.name() == name)
}

/// The request an upload's form makes: the file, the source's name and kind, and the columns
/// as corrected (`map:COLUMN` = a field, or `-` for none).
pub(crate) fn import_request(
    file: PathBuf,
    fields: &[(String, String)],
) -> Result<athar_registry::import::ImportRequest, RegistryError> {
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let source = get("source");
    if source.is_empty() {
        return Err(RegistryError::Invalid("give the list a name (the source); nothing was imported".into()));
    }
    let mut req = athar_registry::import::ImportRequest::new(file, source);
    req.kind = kind_of(&get("kind")).ok_or_else(|| {
        RegistryError::Invalid(format!("'{}' is not a kind of list; nothing was imported", get("kind")))
    })?;
    for (k, v) in fields {
        if let Some(column) = k.strip_prefix("map:") {
            let (column, field) = athar_registry::import::parse_map_arg(&format!("{column}={v}"))?;
            if field == Some(athar_registry::import::Field::SourceRecordId) {
                req.id_column = Some(column);
            } else {
                req.maps.push((column, field));
            }
        }
    }
    Ok(req)
}

async fn preview_page(
    app: &Arc<App>,
    ctx: &Ctx,
    upload: String,
    fields: Vec<(String, String)>,
    error: Option<String>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let Some((file, file_name)) = app.uploads.file(&upload, &actor.name) else {
        return upload_page(ctx, StatusCode::BAD_REQUEST, Some(t(ctx.lang, "upload.gone").to_string()));
    };
    let req = match import_request(file, &fields) {
        Ok(r) => r,
        Err(e) => return upload_page(ctx, StatusCode::BAD_REQUEST, Some(e.to_string())),
    };
    let (registry, r) = (app.registry.clone(), req.clone());
    match blocking(move || registry.preview_import(&actor, &r)).await {
        Ok(Ok(preview)) => {
            let page = Frame::of(ctx);
            let columns = preview.mapping.iter().map(|c| (c.column.clone(), role_name(&c.role))).collect();
            let mut fields: Vec<&'static str> = athar_registry::import::Field::ALL.iter().map(|f| f.name()).collect();
            fields.push("-");
            render(
                if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK },
                PreviewPage {
                    title: page.t("upload.preview"),
                    page,
                    upload,
                    file_name,
                    source: req.source.clone(),
                    kind: req.kind.name().to_string(),
                    preview,
                    columns,
                    fields,
                    error,
                },
            )
        }
        Ok(Err(e)) => {
            app.uploads.drop_upload(&upload);
            upload_page(ctx, StatusCode::BAD_REQUEST, Some(e.to_string()))
        }
        Err(r) => r,
    }
}

/// An uploaded list: kept aside (privately) and previewed — the mapping Athar detected, the
/// first rows as they would be read — for the investigator to confirm or correct.
pub async fn upload(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    mut multipart: axum::extract::Multipart,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                if name == "file" {
                    let sent = field.file_name().unwrap_or("").to_string();
                    match field.bytes().await {
                        Ok(b) => file = Some((sent, b.to_vec())),
                        Err(_) => return error_page(&ctx, StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"),
                    }
                } else if let Ok(text) = field.text().await {
                    fields.push((name, text));
                }
            }
            Ok(None) => break,
            Err(_) => {
                return upload_page(&ctx, StatusCode::BAD_REQUEST, Some(t(ctx.lang, "upload.bad_form").to_string()))
            }
        }
    }
    let Some((sent, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return upload_page(&ctx, StatusCode::BAD_REQUEST, Some(t(ctx.lang, "upload.no_file").to_string()));
    };
    let db = app.registry.database().to_path_buf();
    let (uploads_app, owner) = (app.clone(), actor.name.clone());
    let staged = blocking(move || uploads_app.uploads.stage(&db, &owner, &sent, &bytes)).await;
    let upload = match staged {
        Ok(Ok(id)) => id,
        Ok(Err(e)) => return upload_page(&ctx, StatusCode::SERVICE_UNAVAILABLE, Some(e.to_string())),
        Err(r) => return r,
    };
    preview_page(&app, &ctx, upload, fields, None).await
}

#[derive(Template)]
#[template(path = "imported.html")]
struct ImportedPage {
    page: Frame,
    title: &'static str,
    report: athar_registry::import::ImportReport,
}

/// The import of an upload, with the mapping as confirmed or corrected; the upload is removed
/// once imported. The whole list is one transaction.
pub async fn import(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let upload = fields.iter().find(|(k, _)| k == "upload").map(|(_, v)| v.clone()).unwrap_or_default();
    let Some((file, _)) = app.uploads.file(&upload, &actor.name) else {
        return upload_page(&ctx, StatusCode::BAD_REQUEST, Some(t(ctx.lang, "upload.gone").to_string()));
    };
    let req = match import_request(file, &fields) {
        Ok(r) => r,
        Err(e) => return preview_page(&app, &ctx, upload, fields, Some(e.to_string())).await,
    };
    // The import runs in the background; the page that follows it shows where it stands.
    match start_import(&app, actor, upload, fields, req, true) {
        Ok(id) | Err(id) => see_other(&format!("/sources/import/{id}")),
    }
}

/// Starts the import of an upload in the background: the new job's id, or `Err` with the id of
/// this upload's import running already (a list is never imported twice at once).
/// A refused list's upload is kept for the page to show it again (`keep_refused`), or
/// dropped at once when no one will look at it again (the API).
pub(crate) fn start_import(
    app: &Arc<App>,
    actor: Actor,
    upload: String,
    fields: Vec<(String, String)>,
    req: athar_registry::import::ImportRequest,
    keep_refused: bool,
) -> Result<String, String> {
    let id = app.imports.start(&actor.name, &upload, fields)?;
    let (job, reporter) = (id.clone(), crate::imports::Reporter { app: app.clone(), id: id.clone() });
    let app2 = app.clone();
    tokio::task::spawn_blocking(move || {
        let stage = match app2.registry.import(&actor, &req, &reporter) {
            Ok(report) => {
                app2.uploads.drop_upload(&upload);
                crate::imports::Stage::Done(Box::new(report))
            }
            Err(e) => {
                if !keep_refused {
                    app2.uploads.drop_upload(&upload);
                }
                crate::imports::Stage::Refused(e.to_string())
            }
        };
        app2.imports.finish(&job, stage);
    });
    Ok(id)
}

#[derive(Template)]
#[template(path = "importing.html")]
struct ImportingPage {
    page: Frame,
    title: &'static str,
    phase: String,
    done: u64,
    total: Option<u64>,
    /// Of 100, when the size of the phase is known.
    percent: Option<u32>,
}

/// Where an import stands: its progress (the page refreshes itself), its report, or the
/// preview again with the reason it was refused.
pub async fn import_progress(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    let Some((stage, upload, fields)) = app.imports.get(&id, &actor.name) else {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    };
    let page = Frame::of(&ctx);
    match stage {
        crate::imports::Stage::Running { phase, total, done } => {
            let percent = total.filter(|t| *t > 0).map(|t| ((done.min(t) as f64 / t as f64) * 100.0).round() as u32);
            render(
                StatusCode::OK,
                ImportingPage { title: page.t("upload.importing"), page, phase, done, total, percent },
            )
        }
        crate::imports::Stage::Done(report) => {
            render(StatusCode::OK, ImportedPage { title: page.t("upload.done"), page, report: *report })
        }
        crate::imports::Stage::Refused(reason) => preview_page(&app, &ctx, upload, fields, Some(reason)).await,
    }
}

#[derive(Template)]
#[template(path = "quarantine.html")]
struct QuarantinePage {
    page: Frame,
    title: &'static str,
    source: String,
    rows: Vec<athar_registry::QuarantineRow>,
}

/// The rows of a list set aside at import, with their reasons (investigators only).
pub async fn quarantine(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if id.is_empty() || id.len() > 20 || !id.chars().all(|c| c.is_ascii_digit()) {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    let (registry, source) = (app.registry.clone(), id.clone());
    match blocking(move || registry.quarantine(&actor, Some(&source))).await {
        Ok(Ok(rows)) => {
            let page = Frame::of(&ctx);
            render(StatusCode::OK, QuarantinePage { title: page.t("quarantine.title"), page, source: id, rows })
        }
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    page: Frame,
    title: &'static str,
    recipients: [&'static str; 4],
    error: Option<String>,
}

impl ExportsPage {
    pub fn key(&self, prefix: &str, name: &str) -> String {
        format!("{prefix}{name}")
    }
}

pub async fn exports_form(Extension(ctx): Extension<Ctx>) -> Response {
    let page = Frame::of(&ctx);
    render(StatusCode::OK, ExportsPage { title: page.t("exports.title"), page, recipients: RECIPIENTS, error: None })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExportForm {
    /// `leads` (for one kind of recipient, as each inquiry's consent allows) or `archive`.
    #[serde(default)]
    pub(crate) kind: String,
    /// For leads: `family`, `icrc`, `commission` or `authorities`.
    #[serde(default)]
    pub(crate) recipient: String,
    /// The password of the one asking, again.
    #[serde(default)]
    pub(crate) my_password: String,
}

/// An export, confirmed by the investigator's password: a ZIP archive with its manifest,
/// answered as a download (and never cached).
pub async fn export(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<ExportForm>,
) -> Response {
    made_export(&app, &ctx, form).await
}

/// An export as asked by the page or the API, confirmed by the password: the ZIP archive,
/// answered as a download, or the refusal.
pub(crate) async fn made_export(app: &Arc<App>, ctx: &Ctx, form: ExportForm) -> Response {
    let kind = form.kind.clone();
    let password = form.my_password.clone();
    let made = with_password(app, ctx, password, move |registry, actor| {
        let bundle = match form.kind.as_str() {
            "archive" => registry.export_persons_bundle(actor)?,
            "leads" => registry.export_for_recipient(actor, &form.recipient)?,
            other => {
                return Err(RegistryError::Invalid(format!("'{other}' is not a kind of export (leads or archive)")))
            }
        };
        Ok((bundle.zip()?, bundle.manifest.recipient.clone(), bundle.manifest.made_at.clone()))
    })
    .await;
    match made {
        Ok((zip, recipient, made_at)) => {
            let day: String = made_at.chars().take(10).collect();
            let name = match recipient {
                Some(r) => format!("athar-leads-{r}-{day}.zip"),
                None => format!("athar-{kind}-{day}.zip"),
            };
            (
                [
                    (header::CONTENT_TYPE, "application/zip".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                ],
                zip,
            )
                .into_response()
        }
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "purge.html")]
struct PurgePage {
    page: Frame,
    title: &'static str,
    error: Option<String>,
    done: Option<athar_registry::purge::PurgeReport>,
}

pub async fn purge_form(Extension(ctx): Extension<Ctx>) -> Response {
    let page = Frame::of(&ctx);
    render(StatusCode::OK, PurgePage { title: page.t("purge.title"), page, error: None, done: None })
}

#[derive(Deserialize)]
pub struct PurgeForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    my_password: String,
}

/// A purge, confirmed by the investigator's password.
pub async fn purge(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<PurgeForm>,
) -> Response {
    let password = form.my_password.clone();
    let done = with_password(&app, &ctx, password, move |registry, actor| match form.kind.as_str() {
        "source" => registry.purge_source(actor, form.name.trim()),
        "inquiry" => registry.purge_inquiry(actor, form.name.trim()),
        other => Err(RegistryError::Invalid(format!("'{other}' is not something to purge"))),
    })
    .await;
    match done {
        Ok(report) => {
            let page = Frame::of(&ctx);
            render(StatusCode::OK, PurgePage { title: page.t("purge.title"), page, error: None, done: Some(report) })
        }
        Err(r) => r,
    }
}

#[derive(Template)]
#[template(path = "token.html")]
struct TokenPage {
    page: Frame,
    title: &'static str,
    issued: athar_registry::tokens::IssuedToken,
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    /// Comma-separated scopes.
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    token_id: String,
    #[serde(default)]
    my_password: String,
}

/// Issues an API token (shown once), or revokes one; confirmed by the administrator's password.
async fn token_change(app: Arc<App>, ctx: Ctx, form: TokenForm, revoke: bool) -> Response {
    let password = form.my_password.clone();
    let done = with_password(&app, &ctx, password, move |registry, actor| {
        if revoke {
            return registry.revoke_token(actor, &form.token_id).map(|_| None);
        }
        let days: u32 = form.days.trim().parse().map_err(|_| {
            RegistryError::Invalid(format!("'{}' is not a number of days", athar_registry::escape_control(&form.days)))
        })?;
        let scopes: Vec<String> = form.scopes.split(',').map(|s| s.trim().to_string()).collect();
        registry.issue_token(actor, form.name.trim(), &scopes, days).map(Some)
    })
    .await;
    match done {
        Ok(Some(issued)) => {
            let page = Frame::of(&ctx);
            render(StatusCode::OK, TokenPage { title: page.t("tokens.issued"), page, issued })
        }
        Ok(None) => users_page(&app, &ctx, Some("tokens.revoked")).await,
        Err(r) => r,
    }
}

pub async fn token_issue(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<TokenForm>,
) -> Response {
    token_change(app, ctx, form, false).await
}

pub async fn token_revoke(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<TokenForm>,
) -> Response {
    token_change(app, ctx, form, true).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    note: String,
}

/// Records a status change for the person, with its evidence; then the person again.
pub async fn person_status(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if !crate::plain_id(&id) {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    let (registry, person) = (app.registry.clone(), id.clone());
    let result = blocking(move || {
        registry.record_status(
            &actor,
            &person,
            &form.status,
            given(&form.date).as_deref(),
            given(&form.source).as_deref(),
            given(&form.note).as_deref(),
        )
    })
    .await;
    match result {
        Ok(Ok(_)) => see_other(&format!("/persons/{id}")),
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}

/// Moves the records ticked out of the person into a new one (a wrong merge undone): the
/// judgements that make it last are recorded. Then the person as it is after.
pub async fn person_split(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return see_other("/signin") };
    if !crate::plain_id(&id) {
        return error_page(&ctx, StatusCode::NOT_FOUND, "error.not_found");
    }
    let records: Vec<String> = fields.into_iter().filter(|(k, _)| k == "record").map(|(_, v)| v).collect();
    let (registry, person) = (app.registry.clone(), id.clone());
    match blocking(move || registry.split(&actor, &person, &records)).await {
        Ok(Ok(_)) => see_other(&format!("/persons/{id}")),
        Ok(Err(e)) => registry_error(&app, ctx.lang, Some(&ctx), e).await,
        Err(r) => r,
    }
}
