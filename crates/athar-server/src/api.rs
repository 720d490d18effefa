//! The JSON API: the same actions as the pages, for programs — the same roles, checked by the
//! same guard and again in the registry; signed in with the session (and its CSRF token in an
//! `X-CSRF-Token` header, or the form field) or with an API token an administrator issued
//! (`Authorization: Bearer athar_…`, scoped, expiring). Errors are `{"error": "…"}`. The
//! OpenAPI 3 document at `/api/openapi.json` is generated from these handlers and types
//! (`utoipa`), not written by hand. Owns the JSON shapes; not the use-cases.

use crate::pages::over_search_limit;
use crate::{blocking, App, Ctx};
use athar_registry::{Query, RegistryError, SearchPurpose};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};

/// Whether a path is the API's (its answers are JSON).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// An error answer.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: String,
}

pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(ApiError { error: message.to_string() })).into_response()
}

/// A registry error as JSON (refusals audited as on the pages).
async fn failed(app: &Arc<App>, ctx: &Ctx, e: RegistryError) -> Response {
    crate::pages::registry_error(app, ctx.lang, Some(ctx), e).await
}

/// A JSON body, or the answer that says what is wrong with it (400, nothing done).
fn body<T>(given: Result<Json<T>, JsonRejection>) -> Result<T, Box<Response>> {
    given.map(|Json(v)| v).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            &format!("the request's body is not the JSON expected: {}", e.body_text()),
        ))
    })
}

fn ok<T: Serialize>(v: T) -> Response {
    Json(v).into_response()
}

/// Runs registry work off the async threads and answers its value as JSON, or its error.
async fn answer<T: Serialize + Send + 'static>(
    app: &Arc<App>,
    ctx: &Ctx,
    f: impl FnOnce() -> Result<T, RegistryError> + Send + 'static,
) -> Response {
    match blocking(f).await {
        Ok(Ok(v)) => ok(v),
        Ok(Err(e)) => failed(app, ctx, e).await,
        Err(r) => r,
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Athar",
        description = "The registry of the detained and the disappeared: search, persons, review, inquiries, \
                       counts, audit. Every call needs a signed-in session (with its CSRF token in X-CSRF-Token \
                       for a POST) or an API token (Authorization: Bearer), and a role that allows it."
    ),
    paths(
        dashboard, sources, search, scan, person, flags, review, judge, inquiries, inquiry_add, inquiry, audit, viewers, import,
        import_stage, export, password
    ),
    components(schemas(
        ApiError, SearchRequest, ScanRequest, FlagsRequest, JudgeRequest, InquiryRequest, Reference, ImportStarted, ImportStage,
        crate::pages::ExportForm, crate::pages::PasswordForm
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("athar_<id>_<secret>").build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::SESSION_COOKIE))),
        );
        api.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("token", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// The OpenAPI 3 document of this API.
pub async fn openapi() -> Response {
    ok(ApiDoc::openapi())
}

/// Counts by status, facility, year and list; none under 10.
#[utoipa::path(get, path = "/api/dashboard", responses((status = 200, description = "the dashboard's counts", body = Object), (status = 403, body = ApiError)))]
pub async fn dashboard(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || registry.dashboard(&actor.ok_or(RegistryError::SignInFailed)?)).await
}

/// Every list imported: file, SHA-256, counts.
#[utoipa::path(get, path = "/api/sources", responses((status = 200, body = Vec<Object>), (status = 403, body = ApiError)))]
pub async fn sources(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || registry.sources(&actor.ok_or(RegistryError::SignInFailed)?)).await
}

/// A search: the fields of `athar search`, and an inquiry's reference or a stated purpose.
#[derive(Deserialize, ToSchema)]
pub struct SearchRequest {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub query: Query,
    /// An inquiry's reference (the search is tied to it) …
    pub inquiry: Option<String>,
    /// … or the search's purpose in words (10 characters at least).
    pub purpose: Option<String>,
    /// Most persons answered (at most 100; 20 when not given).
    pub limit: Option<usize>,
}

/// Persons ranked, each explained field by field; `withheld` counts matches not shown
/// (records marked sensitive).
#[utoipa::path(post, path = "/api/search", request_body = SearchRequest, responses((status = 200, body = Object), (status = 400, body = ApiError), (status = 429, body = ApiError)))]
pub async fn search(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    req: Result<Json<SearchRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let Some(actor) = ctx.actor.clone() else { return error(StatusCode::UNAUTHORIZED, "not signed in") };
    let purpose = match (req.inquiry.filter(|s| !s.trim().is_empty()), req.purpose.filter(|s| !s.trim().is_empty())) {
        (Some(r), _) => SearchPurpose::Inquiry(r),
        (None, Some(p)) => SearchPurpose::Stated(p),
        (None, None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "give the inquiry's reference (inquiry) or the search's purpose (purpose)",
            )
        }
    };
    if over_search_limit(&app, &actor).await {
        return error(StatusCode::TOO_MANY_REQUESTS, "the search limit is reached (30 a minute, 300 a day)");
    }
    let registry = app.registry.clone();
    let limit = req.limit.unwrap_or(20);
    match blocking(move || registry.search_for(&actor, &req.query, limit, &purpose)).await {
        Ok(Ok(found)) => ok(found),
        Ok(Err(e @ (RegistryError::Invalid(_) | RegistryError::NotFound(_) | RegistryError::Query(_)))) => {
            error(StatusCode::BAD_REQUEST, &e.to_string())
        }
        Ok(Err(e)) => failed(&app, &ctx, e).await,
        Err(r) => r,
    }
}

/// A text (a report, a testimony) to read for the detention sites, places and — with
/// `persons`, for a role that may search — registered persons it names.
#[derive(Deserialize, ToSchema)]
pub struct ScanRequest {
    pub text: String,
    /// Look for registered persons too: a search of the registry, each name searched counted
    /// against the user's search limits (30 a minute, 300 a day) and audited.
    #[serde(default)]
    pub persons: bool,
}

/// Mentions in one text: `mentions` (sites and places, with byte offsets into the text and
/// confidences), `persons` (with `persons`), `searches` made, `stopped` when the search limit
/// ended the search for persons before the text's end.
#[utoipa::path(post, path = "/api/scan", request_body = ScanRequest, responses((status = 200, body = Object), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 429, body = ApiError)))]
pub async fn scan(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    req: Result<Json<ScanRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let Some(actor) = ctx.actor.clone() else { return error(StatusCode::UNAUTHORIZED, "not signed in") };
    match crate::pages::scan_within_limits(&app, &actor, req.text, req.persons).await {
        Ok(Some(Ok(found))) => ok(found),
        Ok(Some(Err(e))) => failed(&app, &ctx, e).await,
        Ok(None) => error(StatusCode::TOO_MANY_REQUESTS, "the search limit is reached (30 a minute, 300 a day)"),
        Err(r) => r,
    }
}

/// A person's records side by side, with provenance; records marked sensitive withheld from
/// roles that may not see them (counted).
#[utoipa::path(get, path = "/api/persons/{id}", params(("id" = String, Path, description = "a person id, or R<record id>")), responses((status = 200, body = Object), (status = 404, body = ApiError)))]
pub async fn person(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>, Path(id): Path<String>) -> Response {
    if !crate::plain_id(&id) {
        return error(StatusCode::NOT_FOUND, "no such person");
    }
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || {
        let actor = actor.ok_or(RegistryError::SignInFailed)?;
        let person = registry.person(&actor, &id)?;
        let history = registry.person_history(&actor, &id).unwrap_or_default();
        Ok(serde_json::json!({ "person": person, "history": history }))
    })
    .await
}

/// Sensitivity flags to set on one record of the person (none: cleared).
#[derive(Deserialize, ToSchema)]
pub struct FlagsRequest {
    pub record: String,
    /// Of `minor`, `informant`, `sexual-violence`.
    pub flags: Vec<String>,
}

#[utoipa::path(post, path = "/api/persons/{id}/flags", request_body = FlagsRequest, params(("id" = String, Path)), responses((status = 200, body = Object), (status = 403, body = ApiError)))]
pub async fn flags(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    req: Result<Json<FlagsRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || {
        let actor = actor.ok_or(RegistryError::SignInFailed)?;
        let record = registry.set_person_flags(&actor, &id, &req.record, &req.flags)?;
        Ok(serde_json::json!({ "record": record.to_string(), "flags": req.flags }))
    })
    .await
}

/// Which pairs of the review queue: a page of them, from one source, within probabilities.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReviewParams {
    /// Pairs a page holds (1 to 1,000; 50 unless given).
    pub limit: Option<usize>,
    /// The page, from 1.
    pub page: Option<usize>,
    /// Only pairs with a record from this source.
    pub source: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// `1`: each pair with its explanation.
    pub explain: Option<u8>,
}

/// Pairs to review: the least certain first (by the distance from the middle of the last
/// link's review band), then those whose decision bears on most other pairs; both records of
/// each, with their source.
#[utoipa::path(get, path = "/api/review", params(ReviewParams), responses((status = 200, body = Object), (status = 400, body = ApiError)))]
pub async fn review(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    q: Result<axum::extract::Query<ReviewParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(axum::extract::Query(q)) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let d = athar_registry::ReviewFilter::default();
    let filter = athar_registry::ReviewFilter {
        limit: q.limit.unwrap_or(d.limit),
        page: q.page.unwrap_or(d.page),
        source: q.source,
        min: q.min,
        max: q.max,
        explain: q.explain == Some(1),
    };
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || registry.review(&actor.ok_or(RegistryError::SignInFailed)?, &filter)).await
}

/// A human decision on two records, which every later link respects.
#[derive(Deserialize, ToSchema)]
pub struct JudgeRequest {
    pub a: String,
    pub b: String,
    /// `same`, `different` or `unsure`.
    pub decision: String,
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/judgements", request_body = JudgeRequest, responses((status = 200, body = Object), (status = 400, body = ApiError)))]
pub async fn judge(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    req: Result<Json<JudgeRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || {
        registry.judge(&actor.ok_or(RegistryError::SignInFailed)?, &req.a, &req.b, &req.decision, req.note.as_deref())
    })
    .await
}

/// Open inquiries with their counts of leads.
#[utoipa::path(get, path = "/api/inquiries", responses((status = 200, body = Vec<Object>)))]
pub async fn inquiries(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || registry.inquiries(&actor.ok_or(RegistryError::SignInFailed)?, false)).await
}

/// A new inquiry: the sought person and the enquirer (a separate party), with consent as
/// clauses per recipient (`family: status, whereabouts; icrc: existence`).
#[derive(Deserialize, ToSchema)]
pub struct InquiryRequest {
    #[schema(value_type = Object)]
    pub sought: Query,
    pub enquirer: String,
    pub relationship: String,
    pub contact: Option<String>,
    pub consent: String,
}

/// The acknowledgement: a reference, never results.
#[derive(Serialize, ToSchema)]
pub struct Reference {
    pub reference: String,
}

#[utoipa::path(post, path = "/api/inquiries", request_body = InquiryRequest, responses((status = 200, body = Reference), (status = 400, body = ApiError)))]
pub async fn inquiry_add(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    req: Result<Json<InquiryRequest>, JsonRejection>,
) -> Response {
    let req = match body(req) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || {
        let enquirer = athar_registry::Enquirer {
            name: req.enquirer,
            relationship: req.relationship,
            contact: req.contact,
            consent: req.consent,
        };
        let reference = registry.add_inquiry(
            &actor.ok_or(RegistryError::SignInFailed)?,
            athar_registry::NewInquiry { sought: req.sought, enquirer },
        )?;
        Ok(Reference { reference })
    })
    .await
}

/// One inquiry, its enquirer and consent, and its leads (looking marks nothing seen).
#[utoipa::path(get, path = "/api/inquiries/{reference}", params(("reference" = String, Path)), responses((status = 200, body = Object), (status = 404, body = ApiError)))]
pub async fn inquiry(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(reference): Path<String>,
) -> Response {
    if !crate::plain_id(&reference) {
        return error(StatusCode::NOT_FOUND, "no such inquiry");
    }
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || {
        let actor = actor.ok_or(RegistryError::SignInFailed)?;
        let detail = registry.inquiry(&actor, &reference)?;
        let leads: Vec<_> = registry.leads(&actor, Some(&reference))?.into_iter().flat_map(|(_, l)| l).collect();
        Ok(serde_json::json!({ "inquiry": detail.inquiry, "enquirer": detail.enquirer, "leads": leads }))
    })
    .await
}

/// The last 200 entries of the audit chain (ids and actions, no content).
#[utoipa::path(get, path = "/api/audit", responses((status = 200, body = Vec<Object>)))]
pub async fn audit(State(app): State<Arc<App>>, Extension(ctx): Extension<Ctx>) -> Response {
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || registry.audit_log(&actor.ok_or(RegistryError::SignInFailed)?, 200)).await
}

/// Who looked at a person, for the data-protection officer.
#[utoipa::path(get, path = "/api/viewers/{person}", params(("person" = String, Path)), responses((status = 200, body = Vec<Object>), (status = 404, body = ApiError)))]
pub async fn viewers(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(person): Path<String>,
) -> Response {
    if !crate::plain_id(&person) {
        return error(StatusCode::NOT_FOUND, "no such person");
    }
    let (registry, actor) = (app.registry.clone(), ctx.actor.clone());
    answer(&app, &ctx, move || registry.viewers_of(&actor.ok_or(RegistryError::SignInFailed)?, &person)).await
}

/// Where an import started through the API stands.
#[derive(Serialize, ToSchema)]
pub struct ImportStarted {
    /// The import's id.
    pub import: String,
    /// Where to follow it: `GET` answers its stage, then its report or the reason it was refused.
    pub follow: String,
}

/// A list imported from the request's body (the file's bytes, as sent). The same fields as the
/// upload form, as query parameters: `source` (its name), `kind` (`register`, `ngo-list`,
/// `inquiry`, `report` or `other`), `file_name` (its extension tells the format), and
/// `map:COLUMN=FIELD` for each column to read otherwise than detected (`-` for none). With
/// `dry_run=1`, answers how the list reads (mapping and first rows) and imports nothing.
/// Otherwise the import runs in the background: `202` with where to follow it.
#[utoipa::path(
    post,
    path = "/api/sources/import",
    params(
        ("source" = String, Query, description = "the list's name"),
        ("kind" = String, Query, description = "the kind of list"),
        ("file_name" = String, Query, description = "the file's name; its extension tells the format"),
        ("dry_run" = Option<String>, Query, description = "1: how the list reads; nothing imported"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 202, body = ImportStarted), (status = 200, description = "the preview (dry run)", body = Object),
               (status = 400, body = ApiError), (status = 413, body = ApiError))
)]
pub async fn import(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    axum::extract::Query(fields): axum::extract::Query<Vec<(String, String)>>,
    bytes: axum::body::Bytes,
) -> Response {
    let Some(actor) = ctx.actor.clone() else { return error(StatusCode::UNAUTHORIZED, "sign in first") };
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    if bytes.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "the request's body is empty: send the list's bytes; nothing was imported",
        );
    }
    let sent = match get("file_name") {
        n if n.is_empty() => {
            return error(
                StatusCode::BAD_REQUEST,
                "give file_name (its extension tells the format: .csv, .xlsx, .ods, .json); nothing was imported",
            )
        }
        n => n,
    };
    let db = app.registry.database().to_path_buf();
    let (uploads_app, owner) = (app.clone(), actor.name.clone());
    let upload = match blocking(move || uploads_app.uploads.stage(&db, &owner, &sent, &bytes)).await {
        Ok(Ok(id)) => id,
        Ok(Err(e)) => return error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
        Err(r) => return r,
    };
    let Some((file, _)) = app.uploads.file(&upload, &actor.name) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "the upload was lost; nothing was imported");
    };
    let req = match crate::pages::import_request(file, &fields) {
        Ok(r) => r,
        Err(e) => {
            app.uploads.drop_upload(&upload);
            return failed(&app, &ctx, e).await;
        }
    };
    if matches!(get("dry_run").as_str(), "1" | "true" | "yes") {
        let (registry, uploads_app) = (app.registry.clone(), app.clone());
        let preview = blocking(move || {
            let p = registry.preview_import(&actor, &req);
            uploads_app.uploads.drop_upload(&upload);
            p
        });
        return match preview.await {
            Ok(Ok(p)) => ok(p),
            Ok(Err(e)) => failed(&app, &ctx, e).await,
            Err(r) => r,
        };
    }
    match crate::pages::start_import(&app, actor, upload, fields, req, false) {
        Ok(id) | Err(id) => {
            let started = ImportStarted { follow: format!("/api/sources/import/{id}"), import: id };
            (StatusCode::ACCEPTED, Json(started)).into_response()
        }
    }
}

/// Where an import stands.
#[derive(Serialize, ToSchema)]
pub struct ImportStage {
    /// `running`, `done` or `refused`.
    pub state: &'static str,
    pub phase: Option<String>,
    pub done: Option<u64>,
    pub total: Option<u64>,
    #[schema(value_type = Option<Object>)]
    pub report: Option<athar_registry::import::ImportReport>,
    /// Why the list was refused (nothing was imported).
    pub reason: Option<String>,
}

/// An import started by the one asking: running (phase and rows done), its report, or the
/// reason it was refused.
#[utoipa::path(get, path = "/api/sources/import/{id}", params(("id" = String, Path)), responses((status = 200, body = ImportStage), (status = 404, body = ApiError)))]
pub async fn import_stage(
    State(state): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let Some(actor) = ctx.actor.as_ref() else { return error(StatusCode::UNAUTHORIZED, "sign in first") };
    let Some((stage, _, _)) = state.imports.get(&id, &actor.name) else {
        return error(StatusCode::NOT_FOUND, "no import of yours has this id (finished ones are kept an hour)");
    };
    use crate::imports::Stage;
    let none = ImportStage { state: "running", phase: None, done: None, total: None, report: None, reason: None };
    ok(match stage {
        Stage::Running { phase, total, done } => ImportStage { phase: Some(phase), done: Some(done), total, ..none },
        Stage::Done(report) => ImportStage { state: "done", report: Some(*report), ..none },
        Stage::Refused(reason) => ImportStage { state: "refused", reason: Some(reason), ..none },
    })
}

/// An export (investigators): `leads` for one kind of recipient, as each inquiry's consent
/// allows, or the `archive` of persons; confirmed by the password again. Answers the ZIP
/// archive with its manifest (each file's SHA-256).
#[utoipa::path(post, path = "/api/exports", request_body = crate::pages::ExportForm, responses((status = 200, description = "the ZIP archive", content_type = "application/zip"), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn export(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    req: Result<Json<crate::pages::ExportForm>, JsonRejection>,
) -> Response {
    match body(req) {
        Ok(form) => crate::pages::made_export(&app, &ctx, form).await,
        Err(r) => *r,
    }
}

/// The one asking changes their own password, confirmed by the current one. Every session and
/// API token of theirs ends, the one asking with too.
#[utoipa::path(post, path = "/api/account/password", request_body = crate::pages::PasswordForm, responses((status = 200, body = Object), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn password(
    State(app): State<Arc<App>>,
    Extension(ctx): Extension<Ctx>,
    req: Result<Json<crate::pages::PasswordForm>, JsonRejection>,
) -> Response {
    let form = match body(req) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    match crate::pages::changed_password(&app, &ctx, form).await {
        Ok(()) => ok(serde_json::json!({ "changed": true, "sessions_and_tokens_ended": true })),
        Err(r) => r,
    }
}
