//! Typed client for the REST API (transcoded from the proto files, proto3 JSON mapping) and
//! its models.
//!
//! Every call carries the bearer token; a 401 triggers one refresh (see [`crate::auth`]) and
//! one retry, and if that fails too the session ends and the app shows the login page.
//! Errors are RFC 9457 problem documents, surfaced as [`ApiError`].

use std::fmt;

use gloo_net::http::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use crate::auth;

pub mod admin;
pub mod attachments;
pub mod automation;
pub mod catalog;
pub mod clients;
pub mod commercial;
pub mod desk;
pub mod email;
pub mod imports;
pub mod kb;
pub mod settings;
pub mod sla;
pub mod time;

// ---------------------------------------------------------------------------------------------
// Errors

/// One field violation of a problem document, e.g. `company.name`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldError {
    /// Path of the offending field (`company.name`, `name`, `company_type`, …).
    pub field: String,
    /// What is wrong with it.
    pub detail: String,
}

/// An RFC 9457 problem (or a network failure, with `status` 0).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiError {
    /// HTTP status; 0 when the request never got an answer.
    pub status: u16,
    /// Short summary of the problem type.
    pub title: String,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// Machine-readable error code.
    pub code: String,
    /// Per-field violations.
    pub errors: Vec<FieldError>,
}

impl ApiError {
    /// A violation found before sending (e.g. a number that does not parse), shown like the
    /// server's.
    pub fn invalid_field(field: &str, detail: &str) -> Self {
        Self {
            title: "Invalid input".into(),
            errors: vec![FieldError { field: field.into(), detail: detail.into() }],
            ..Self::default()
        }
    }

    fn network(err: impl fmt::Display) -> Self {
        Self {
            title: "Network error".into(),
            detail: format!("The server could not be reached ({err})."),
            ..Self::default()
        }
    }

    /// The sentence to show the user.
    pub fn message(&self) -> String {
        if !self.detail.is_empty() {
            self.detail.clone()
        } else if !self.title.is_empty() {
            self.title.clone()
        } else {
            format!("The request failed (HTTP {}).", self.status)
        }
    }

    /// The violation reported for a form field, matched on the last path segment with case and
    /// underscores ignored (`company.company_type` matches `companyType`).
    pub fn field(&self, name: &str) -> Option<String> {
        let want = normalize_field(name);
        self.errors.iter().find(|e| normalize_field(&e.field) == want).map(|e| e.detail.clone())
    }

    /// Violations that match none of `fields` (to be listed with the general message).
    pub fn unmatched(&self, fields: &[&str]) -> Vec<FieldError> {
        let known: Vec<String> = fields.iter().map(|f| normalize_field(f)).collect();
        self.errors.iter().filter(|e| !known.contains(&normalize_field(&e.field))).cloned().collect()
    }
}

impl ApiError {
    /// The error as a form shows it above its fields: when every violation belongs to one of
    /// `fields` (and so is shown next to it), a short pointer to them replaces the detail;
    /// violations of other fields stay in `errors` to be listed with the message.
    pub fn for_form(&self, fields: &[&str]) -> ApiError {
        let unmatched = self.unmatched(fields);
        let mut shown = self.clone();
        if !self.errors.is_empty() && unmatched.is_empty() {
            shown.detail = if self.errors.len() == 1 {
                "Please correct the highlighted field.".into()
            } else {
                "Please correct the highlighted fields.".into()
            };
        }
        shown.errors = unmatched;
        shown
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

fn normalize_field(path: &str) -> String {
    path.rsplit('.').next().unwrap_or(path).chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect()
}

/// Shorthand for API results.
pub type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------------------------------------
// Transport

enum Body {
    Empty,
    Json(String),
    Raw { value: JsValue, content_type: &'static str },
}

/// Appends `?k=v&…` (values percent-encoded, empty values left out).
fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    let mut url = path.to_string();
    let mut sep = '?';
    for (key, value) in params.iter().filter(|(_, v)| !v.is_empty()) {
        url.push(sep);
        url.push_str(key);
        url.push('=');
        url.push_str(&String::from(js_sys::encode_uri_component(value)));
        sep = '&';
    }
    url
}

async fn send_once(method: &Method, url: &str, body: &Body, token: Option<&str>) -> ApiResult<Response> {
    let mut builder = RequestBuilder::new(url).method(method.clone()).header("Accept", "application/json");
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    let request = match body {
        Body::Empty => builder.build(),
        Body::Json(json) => builder.header("Content-Type", "application/json").body(json.as_str()),
        Body::Raw { value, content_type } => builder.header("Content-Type", content_type).body(value.clone()),
    }
    .map_err(ApiError::network)?;
    request.send().await.map_err(ApiError::network)
}

/// Sends an authenticated request; refreshes once on 401. Returns the response body text.
async fn call(method: Method, url: String, body: Body) -> ApiResult<String> {
    read(call_response(method, url, body).await?).await
}

/// Downloads `url` (an authenticated GET, e.g. a CSV or zip export) and saves it as
/// `filename` through a temporary object URL.
pub async fn download(url: String, filename: &str) -> ApiResult<()> {
    let response = call_response(Method::GET, url, Body::Empty).await?;
    if !response.ok() {
        return read(response).await.map(|_| ());
    }
    let bytes = response.binary().await.map_err(ApiError::network)?;
    let array = js_sys::Uint8Array::from(bytes.as_slice());
    let parts = js_sys::Array::of1(&array);
    let save = || -> Result<(), JsValue> {
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)?;
        let href = web_sys::Url::create_object_url_with_blob(&blob)?;
        let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
        let a: web_sys::HtmlAnchorElement = wasm_bindgen::JsCast::unchecked_into(document.create_element("a")?);
        a.set_href(&href);
        a.set_download(filename);
        a.click();
        web_sys::Url::revoke_object_url(&href)
    };
    save().map_err(|e| ApiError::network(format!("{e:?}")))
}

/// Sends an authenticated request; refreshes once on 401.
async fn call_response(method: Method, url: String, body: Body) -> ApiResult<Response> {
    auth::ensure_fresh().await;
    let token = auth::access_token();
    let mut response = send_once(&method, &url, &body, token.as_deref()).await?;
    if response.status() == 401 && token.is_some() {
        if auth::refresh().await {
            let token = auth::access_token();
            response = send_once(&method, &url, &body, token.as_deref()).await?;
        }
        if response.status() == 401 {
            auth::expire();
        }
    }
    Ok(response)
}

/// Sends a request without credentials (login, refresh, logout).
async fn call_public(url: &str, json: String) -> ApiResult<String> {
    let response = send_once(&Method::POST, url, &Body::Json(json), None).await?;
    read(response).await
}

async fn read(response: Response) -> ApiResult<String> {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if response.ok() {
        return Ok(text);
    }
    let mut err: ApiError = serde_json::from_str(&text).unwrap_or_default();
    err.status = status;
    if err.detail.is_empty() && err.title.is_empty() {
        err.title = match status {
            401 => "Your session has ended. Please sign in again.".into(),
            403 => "You do not have permission to do this.".into(),
            404 => "Not found.".into(),
            500..=599 => "The server had a problem. Please try again.".into(),
            _ => response.status_text(),
        };
    }
    Err(err)
}

fn parse<T: DeserializeOwned>(text: &str) -> ApiResult<T> {
    let text = if text.trim().is_empty() { "{}" } else { text };
    serde_json::from_str(text).map_err(|e| ApiError {
        title: "Unexpected response".into(),
        detail: format!("The server's answer could not be read ({e})."),
        ..ApiError::default()
    })
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

async fn get<T: DeserializeOwned>(url: String) -> ApiResult<T> {
    parse(&call(Method::GET, url, Body::Empty).await?)
}

async fn send_json<T: DeserializeOwned, B: Serialize + ?Sized>(method: Method, url: String, body: &B) -> ApiResult<T> {
    parse(&call(method, url, Body::Json(to_json(body))).await?)
}

/// Deserializes a JSON object, treating `null` as an empty one (proto `Struct` fields).
pub(crate) fn object_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    Ok(Option::<serde_json::Map<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default())
}

/// Quotes a value for an AIP-160 filter (`"…"`, with `\` and `"` escaped).
pub fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Joins filter clauses with ` AND `, leaving out empty ones.
pub fn and(clauses: &[String]) -> String {
    clauses.iter().filter(|c| !c.is_empty()).cloned().collect::<Vec<_>>().join(" AND ")
}

// ---------------------------------------------------------------------------------------------
// Identity

/// Credentials for `POST /api/v1/auth/login`.
#[derive(Clone, Debug, Serialize)]
pub struct LoginRequest {
    /// Tenant slug, e.g. `demo`.
    pub tenant: String,
    /// User email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// Tokens issued by login and refresh.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenPair {
    /// EdDSA JWT.
    pub access_token: String,
    /// Opaque, rotated on every refresh.
    pub refresh_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
    /// Always `Bearer`.
    pub token_type: String,
    /// The password was right but a TOTP code is needed: no tokens yet, finish with
    /// [`login_mfa`] and [`TokenPair::mfa_challenge`].
    pub mfa_required: bool,
    /// Opaque, single-use, 5-minute challenge for the second step.
    pub mfa_challenge: String,
    /// The tenant requires MFA and the user has none: the token only allows enrolment.
    pub mfa_setup_required: bool,
    /// The password has expired: the token only allows changing it ([`change_password`]).
    pub password_change_required: bool,
}

/// The signed-in user (`GET /api/v1/auth/me`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Me {
    /// User id.
    pub user_id: String,
    /// Tenant id.
    pub tenant_id: String,
    /// Tenant slug.
    pub tenant_slug: String,
    /// Email address.
    pub email: String,
    /// Name to show.
    pub display_name: String,
    /// `staff`, `portal` or `service`.
    pub kind: String,
    /// Granted permissions (`tickets.write`, …).
    pub permissions: Vec<String>,
    /// Portal users: their company's id.
    pub company_id: String,
}

impl Me {
    /// Whether the user holds `permission`.
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission || p == "*")
    }
}

/// Signs in; stores nothing (the caller does, see [`auth::store`]).
pub async fn login(request: &LoginRequest) -> ApiResult<TokenPair> {
    parse(&call_public("/api/v1/auth/login", to_json(request)).await?)
}

/// Signs in with a directory (LDAP / Active Directory) account of tenant `tenant`
/// (`POST /api/v1/auth/login/ldap`); stores nothing.
pub async fn login_ldap(tenant: &str, username: &str, password: &str) -> ApiResult<TokenPair> {
    let body = serde_json::json!({ "tenant": tenant, "username": username, "password": password });
    parse(&call_public("/api/v1/auth/login/ldap", body.to_string()).await?)
}

/// Second login step: the challenge from [`login`] with a 6-digit TOTP code, or a recovery
/// code when `code` contains a dash (`xxxxx-xxxxx`). `POST /api/v1/auth/login/mfa`.
pub async fn login_mfa(challenge: &str, code: &str) -> ApiResult<TokenPair> {
    let code = code.trim();
    let body = if code.contains('-') {
        serde_json::json!({ "mfaChallenge": challenge, "recoveryCode": code })
    } else {
        serde_json::json!({ "mfaChallenge": challenge, "code": code })
    };
    parse(&call_public("/api/v1/auth/login/mfa", body.to_string()).await?)
}

/// Rotates a refresh token. Used by [`auth::refresh`]; the old token is dead afterwards.
pub async fn refresh(refresh_token: &str) -> ApiResult<TokenPair> {
    let body = serde_json::json!({ "refreshToken": refresh_token });
    parse(&call_public("/api/v1/auth/refresh", body.to_string()).await?)
}

/// Ends the session the refresh token belongs to.
pub async fn logout(refresh_token: &str) -> ApiResult<()> {
    let body = serde_json::json!({ "refreshToken": refresh_token });
    call_public("/api/v1/auth/logout", body.to_string()).await.map(|_| ())
}

/// Who the bearer is.
pub async fn me() -> ApiResult<Me> {
    get("/api/v1/auth/me".into()).await
}

// ---------------------------------------------------------------------------------------------
// Portal sign-in, invitations, forgotten passwords

/// Portal sign-in (portal users only): `POST /api/v1/portal/auth/login`.
pub async fn portal_login(request: &LoginRequest) -> ApiResult<TokenPair> {
    parse(&call_public("/api/v1/portal/auth/login", to_json(request)).await?)
}

/// Accepts an invitation with the user's first password.
pub async fn accept_invitation(token: &str, password: &str) -> ApiResult<()> {
    let body = serde_json::json!({ "token": token, "password": password });
    call_public("/api/v1/portal/auth/accept-invitation", body.to_string()).await.map(|_| ())
}

/// Asks for a password-reset link (`portal`: a portal account, else staff). The answer does
/// not say whether the account exists.
pub async fn forgot_password(portal: bool, tenant: &str, email: &str) -> ApiResult<()> {
    let url = if portal { "/api/v1/portal/auth/forgot-password" } else { "/api/v1/auth/forgot-password" };
    let body = serde_json::json!({ "tenant": tenant, "email": email });
    call_public(url, body.to_string()).await.map(|_| ())
}

/// Sets a new password with a reset token (`portal`: a portal account, else staff).
pub async fn reset_password(portal: bool, token: &str, new_password: &str) -> ApiResult<()> {
    let url = if portal { "/api/v1/portal/auth/reset-password" } else { "/api/v1/auth/reset-password" };
    let body = serde_json::json!({ "token": token, "newPassword": new_password });
    call_public(url, body.to_string()).await.map(|_| ())
}

/// A portal user of a company.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalUser {
    /// User id.
    pub id: String,
    /// Their company.
    pub company_id: String,
    /// The contact they are.
    pub contact_id: String,
    /// Sign-in email.
    pub email: String,
    /// Name to show.
    pub display_name: String,
    /// `PORTAL_ROLE_CLIENT_ADMIN` or `PORTAL_ROLE_CLIENT_USER`.
    pub role: String,
    /// `PORTAL_USER_STATUS_INVITED`, `…_ACTIVE` or `…_DISABLED`.
    pub status: String,
    /// While invited: when the link expires (RFC 3339).
    pub invitation_expire_time: String,
    /// RFC 3339.
    pub last_login_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PortalUserList {
    portal_users: Vec<PortalUser>,
}

/// The portal users of a company.
pub async fn list_portal_users(company_id: &str) -> ApiResult<Vec<PortalUser>> {
    let list: PortalUserList = get(format!("/api/v1/companies/{}/portal-users", encode(company_id))).await?;
    Ok(list.portal_users)
}

/// Invites a contact of the company as `role`; the invitation is mailed.
pub async fn invite_portal_user(company_id: &str, contact_id: &str, role: &str) -> ApiResult<PortalUser> {
    let body = serde_json::json!({ "contactId": contact_id, "role": role });
    send_json(Method::POST, format!("/api/v1/companies/{}/portal-users", encode(company_id)), &body).await
}

/// Changes a portal user's role.
pub async fn set_portal_role(id: &str, role: &str) -> ApiResult<PortalUser> {
    let body = serde_json::json!({ "role": role });
    send_json(Method::PATCH, format!("/api/v1/portal-users/{}", encode(id)), &body).await
}

/// Runs a custom method on a portal user: `disable`, `enable` or `resendInvitation`.
pub async fn portal_user_action(id: &str, verb: &str) -> ApiResult<PortalUser> {
    send_json(Method::POST, format!("/api/v1/portal-users/{}:{verb}", encode(id)), &serde_json::json!({})).await
}

// ---------------------------------------------------------------------------------------------
// Companies and contacts

/// A postal address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Address {
    /// First street line.
    pub line1: String,
    /// Second street line.
    pub line2: String,
    /// City.
    pub city: String,
    /// State, province or region.
    pub region: String,
    /// Postal code.
    pub postal_code: String,
    /// Country as written by the user.
    pub country: String,
}

impl Address {
    /// The non-empty parts, comma-separated.
    pub fn one_line(&self) -> String {
        [&self.line1, &self.line2, &self.city, &self.region, &self.postal_code, &self.country]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A client company. Enum fields hold proto enum value names (`COMPANY_STATUS_ACTIVE`); empty
/// fields are left out of request bodies so the server applies its defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Company {
    /// Server-assigned id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Unique per tenant.
    pub name: String,
    /// `COMPANY_TYPE_*`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub company_type: String,
    /// `COMPANY_STATUS_*`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Industry, free text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub industry: String,
    /// `COMPANY_SIZE_*`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub company_size: String,
    /// How the client was acquired.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// http(s) URL.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub website: String,
    /// Main phone number.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// Postal address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Free-text notes.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub create_time: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub update_time: String,
    /// Parent company id; empty for a top-level company.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub parent_id: String,
    /// Sales lead score 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_score: Option<i32>,
    /// Decimal string in `deal_currency`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub estimated_deal_value: String,
    /// ISO 4217.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub deal_currency: String,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub first_interaction_date: String,
    /// Values of the tenant's company custom fields by key (see [`settings`]).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty", deserialize_with = "crate::api::object_or_null")]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

/// One page of companies.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompanyPage {
    /// The companies on this page.
    pub companies: Vec<Company>,
    /// Token of the next page; empty on the last one.
    pub next_page_token: String,
}

/// Query of `GET /api/v1/companies`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListQuery {
    /// AIP-160 filter.
    pub filter: String,
    /// Page token from the previous page.
    pub page_token: String,
    /// Page size (server default when 0).
    pub page_size: u32,
    /// `order_by` (server default when empty).
    pub order_by: String,
}

impl ListQuery {
    fn url(&self, path: &str) -> String {
        let size = if self.page_size > 0 { self.page_size.to_string() } else { String::new() };
        with_query(
            path,
            &[
                ("pageSize", &size),
                ("pageToken", &self.page_token),
                ("filter", &self.filter),
                ("orderBy", &self.order_by),
            ],
        )
    }
}

/// Lists companies.
pub async fn list_companies(query: &ListQuery) -> ApiResult<CompanyPage> {
    get(query.url("/api/v1/companies")).await
}

/// Fetches one company.
pub async fn get_company(id: &str) -> ApiResult<Company> {
    get(format!("/api/v1/companies/{}", encode(id))).await
}

/// Creates a company.
pub async fn create_company(company: &Company) -> ApiResult<Company> {
    send_json(Method::POST, "/api/v1/companies".into(), company).await
}

/// Updates the fields present in `patch` (a JSON object in proto3 JSON form).
pub async fn update_company(id: &str, patch: &serde_json::Value) -> ApiResult<Company> {
    send_json(Method::PATCH, format!("/api/v1/companies/{}", encode(id)), patch).await
}

/// One problem in one CSV row of an import.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportRowError {
    /// 1-based line in the file (the header is line 1).
    pub line: i64,
    /// Column name; empty for whole-row problems.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Result of a CSV import (or its dry run).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportReport {
    /// Data rows read.
    pub total_rows: i64,
    /// Companies created (or that would be, on a dry run).
    pub created_companies: i64,
    /// Contacts created (or that would be).
    pub created_contacts: i64,
    /// Rows whose company already existed.
    pub skipped_rows: i64,
    /// Per-row problems.
    pub errors: Vec<ImportRowError>,
    /// True when rows were written.
    pub committed: bool,
}

/// Imports companies from a CSV file (a `File` or `Blob`), as a dry run or for real.
pub async fn import_companies(file: &JsValue, dry_run: bool) -> ApiResult<ImportReport> {
    let url = with_query("/api/v1/companies:import", &[("dryRun", if dry_run { "true" } else { "false" })]);
    let body = Body::Raw { value: file.clone(), content_type: "text/csv" };
    parse(&call(Method::POST, url, body).await?)
}

/// A person at a client company.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Contact {
    /// Server-assigned id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Company the contact belongs to.
    pub company_id: String,
    /// Given name (required).
    pub first_name: String,
    /// Family name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub last_name: String,
    /// Email address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Phone number.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// Job title.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// `CONTACT_TYPE_*`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contact_type: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub create_time: String,
    /// Values of the tenant's contact custom fields by key (see [`settings`]).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty", deserialize_with = "crate::api::object_or_null")]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

impl Contact {
    /// First and last name.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).trim().to_string()
    }
}

/// One page of contacts.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContactPage {
    /// The contacts.
    pub contacts: Vec<Contact>,
    /// Token of the next page; empty on the last one.
    pub next_page_token: String,
}

/// Lists the contacts of a company (first 200).
pub async fn list_contacts(company_id: &str) -> ApiResult<ContactPage> {
    let query =
        ListQuery { filter: format!("company_id={}", quote(company_id)), page_size: 200, ..ListQuery::default() };
    get(query.url("/api/v1/contacts")).await
}

/// Fetches one contact.
pub async fn get_contact(id: &str) -> ApiResult<Contact> {
    get(format!("/api/v1/contacts/{}", encode(id))).await
}

/// Creates a contact.
pub async fn create_contact(contact: &Contact) -> ApiResult<Contact> {
    send_json(Method::POST, "/api/v1/contacts".into(), contact).await
}

/// Updates the fields present in `patch` (a JSON object in proto3 JSON form; the fields sent
/// are the update mask, `companyId` is fixed).
pub async fn update_contact(id: &str, patch: &serde_json::Value) -> ApiResult<Contact> {
    send_json(Method::PATCH, format!("/api/v1/contacts/{}", encode(id)), patch).await
}

// ---------------------------------------------------------------------------------------------
// Tickets

/// A service-desk ticket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ticket {
    /// Server-assigned id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `T-000042`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub number: String,
    /// Title (required).
    pub title: String,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `TICKET_STATUS_*`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// `TICKET_PRIORITY_*`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub priority: String,
    /// `TICKET_SOURCE_*`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Company (required).
    pub company_id: String,
    /// Company name from the tickets service's projection; empty until it arrives.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub company_name: String,
    /// Contact who raised it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contact_id: String,
    /// The tenant status (its kind is `status`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_id: String,
    /// Queue (board).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub queue_id: String,
    /// Ticket type.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub type_id: String,
    /// Category.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub category_id: String,
    /// Team.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub team_id: String,
    /// Linked contract (id).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contract_id: String,
    /// Linked asset (id).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub asset_id: String,
    /// Linked project (id).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub project_id: String,
    /// Custom-field values by key.
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub custom_fields: serde_json::Value,
    /// Assigned staff user.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub assignee_id: String,
    /// Parent ticket (output; set through [`set_ticket_parent`]).
    #[serde(skip_serializing)]
    pub parent_ticket_id: String,
    /// The ticket this one was merged into (output; it is then closed).
    #[serde(skip_serializing)]
    pub merged_into_ticket_id: String,
    /// Tags, lower case (output; set through [`set_ticket_tags`]).
    #[serde(skip_serializing)]
    pub tags: Vec<String>,
    /// User who created it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub created_by: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub create_time: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub update_time: String,
    /// RFC 3339, when resolved.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resolve_time: String,
    /// RFC 3339, when closed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub close_time: String,
    /// SLA clocks; `None` when no SLA policy applies (output only).
    #[serde(skip_serializing)]
    pub sla: Option<SlaState>,
}

/// A ticket's SLA state (`psa.tickets.v1.SlaState`): due times (RFC 3339) and `SLA_OUTCOME_*`
/// of the first-response and resolution clocks.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlaState {
    /// The policy in force.
    pub policy_id: String,
    /// When the first response is due.
    pub first_response_due: String,
    /// When the first response was given; empty until then.
    pub first_response_time: String,
    /// `SLA_OUTCOME_PENDING` / `_MET` / `_BREACHED`.
    pub first_response: String,
    /// When resolution is due; empty while paused.
    pub resolution_due: String,
    /// The resolution clock stopped (resolved or closed).
    pub resolved: bool,
    /// The resolution clock is paused (waiting on the client).
    pub paused: bool,
    /// `SLA_OUTCOME_*` of the resolution clock.
    pub resolution: String,
}

/// One page of tickets.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TicketPage {
    /// The tickets.
    pub tickets: Vec<Ticket>,
    /// Token of the next page; empty on the last one.
    pub next_page_token: String,
}

/// Lists tickets.
pub async fn list_tickets(query: &ListQuery) -> ApiResult<TicketPage> {
    get(query.url("/api/v1/tickets")).await
}

/// Fetches one ticket.
pub async fn get_ticket(id: &str) -> ApiResult<Ticket> {
    get(format!("/api/v1/tickets/{}", encode(id))).await
}

/// Creates a ticket.
pub async fn create_ticket(ticket: &Ticket) -> ApiResult<Ticket> {
    send_json(Method::POST, "/api/v1/tickets".into(), ticket).await
}

/// Updates the fields present in `patch`, e.g. `{"status":"TICKET_STATUS_RESOLVED"}`.
pub async fn update_ticket(id: &str, patch: &serde_json::Value) -> ApiResult<Ticket> {
    send_json(Method::PATCH, format!("/api/v1/tickets/{}", encode(id)), patch).await
}

/// Replaces the tags of ticket `id` (the server trims, lower-cases and de-duplicates them).
pub async fn set_ticket_tags(id: &str, tags: &[String]) -> ApiResult<Ticket> {
    let body = serde_json::json!({ "tags": tags });
    send_json(Method::POST, format!("/api/v1/tickets/{}/tags", encode(id)), &body).await
}

/// Sets the parent of ticket `id` (empty `parent_id` clears it); a loop is a 400 on
/// `parentTicketId`.
pub async fn set_ticket_parent(id: &str, parent_id: &str) -> ApiResult<Ticket> {
    let body = serde_json::json!({ "parentTicketId": parent_id });
    send_json(Method::POST, format!("/api/v1/tickets/{}/parent", encode(id)), &body).await
}

/// Merges ticket `id` into `target_id` (notes, time and children move; `id` closes); returns
/// the target.
pub async fn merge_ticket(id: &str, target_id: &str) -> ApiResult<Ticket> {
    let body = serde_json::json!({ "targetTicketId": target_id });
    send_json(Method::POST, format!("/api/v1/tickets/{}/merge", encode(id)), &body).await
}

/// Moves notes `note_ids` of ticket `id` to a new ticket titled `title`; returns the new one.
pub async fn split_ticket(id: &str, title: &str, note_ids: &[String]) -> ApiResult<Ticket> {
    let body = serde_json::json!({ "title": title, "noteIds": note_ids });
    send_json(Method::POST, format!("/api/v1/tickets/{}/split", encode(id)), &body).await
}

/// A note on a ticket.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TicketNote {
    /// Server-assigned id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Ticket it belongs to.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ticket_id: String,
    /// Text.
    pub body: String,
    /// `NOTE_VISIBILITY_INTERNAL` (staff only) or `NOTE_VISIBILITY_PUBLIC`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub visibility: String,
    /// Author's user id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub author_id: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub create_time: String,
}

/// Notes of a ticket.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotePage {
    /// Oldest first.
    pub notes: Vec<TicketNote>,
    /// Token of the next page; empty on the last one.
    pub next_page_token: String,
}

/// Lists the notes of a ticket, oldest first (follows page tokens).
pub async fn list_notes(ticket_id: &str) -> ApiResult<Vec<TicketNote>> {
    let mut notes = Vec::new();
    let mut token = String::new();
    loop {
        let url = with_query(
            &format!("/api/v1/tickets/{}/notes", encode(ticket_id)),
            &[("pageSize", "200"), ("pageToken", &token)],
        );
        let page: NotePage = get(url).await?;
        notes.extend(page.notes);
        if page.next_page_token.is_empty() || page.next_page_token == token {
            return Ok(notes);
        }
        token = page.next_page_token;
    }
}

/// Adds a note to a ticket.
pub async fn create_note(ticket_id: &str, note: &TicketNote) -> ApiResult<TicketNote> {
    send_json(Method::POST, format!("/api/v1/tickets/{}/notes", encode(ticket_id)), note).await
}

/// One change in a ticket's history.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TicketActivity {
    /// `created`, `field_changed`, `note_added`, `merged_into`, …
    pub action: String,
    /// For `field_changed`.
    pub field: String,
    /// Values as text.
    pub old_value: String,
    /// Values as text.
    pub new_value: String,
    /// When (RFC 3339).
    pub create_time: String,
    /// The automation rule that made the change, if one did.
    pub automation_rule_id: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ActivityList {
    activities: Vec<TicketActivity>,
}

/// A ticket's history, newest first.
pub async fn ticket_activity(ticket_id: &str) -> ApiResult<Vec<TicketActivity>> {
    get::<ActivityList>(format!("/api/v1/tickets/{}/activity", encode(ticket_id))).await.map(|l| l.activities)
}

fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}

// ---------------------------------------------------------------------------------------------
// Account security: sessions and API keys

/// One of the signed-in user's sessions.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionInfo {
    /// Session id.
    pub id: String,
    /// Sign-in time (RFC 3339).
    pub create_time: String,
    /// Last token refresh (RFC 3339).
    pub last_seen_time: String,
    /// Client address at sign-in.
    pub ip_address: String,
    /// Browser or client at sign-in.
    pub user_agent: String,
    /// The session of this browser.
    pub current: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SessionList {
    sessions: Vec<SessionInfo>,
}

/// The signed-in user's open sessions, newest first.
pub async fn list_sessions() -> ApiResult<Vec<SessionInfo>> {
    get::<SessionList>("/api/v1/auth/sessions".into()).await.map(|l| l.sessions)
}

/// Revokes one of the signed-in user's sessions.
pub async fn revoke_session(id: &str) -> ApiResult<()> {
    let url = format!("/api/v1/auth/sessions/{}", String::from(js_sys::encode_uri_component(id)));
    call(Method::DELETE, url, Body::Empty).await.map(|_| ())
}

/// Revokes every other session of the signed-in user.
pub async fn revoke_other_sessions() -> ApiResult<()> {
    send_json::<serde_json::Value, _>(
        Method::POST,
        "/api/v1/auth/sessions:revokeAll".into(),
        &serde_json::json!({ "keepCurrent": true }),
    )
    .await
    .map(|_| ())
}

/// An API key (never its secret).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiKeyInfo {
    /// Key id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// Scope.
    pub permissions: Vec<String>,
    /// Expiry (RFC 3339), empty for none.
    pub expire_time: String,
    /// Last use (RFC 3339), empty if never used.
    pub last_used_time: String,
    /// Revocation time, empty while active.
    pub revoke_time: String,
    /// Creation time.
    pub create_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ApiKeyList {
    api_keys: Vec<ApiKeyInfo>,
}

/// A newly created key and its secret (shown once).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreatedApiKey {
    /// The key.
    pub api_key: ApiKeyInfo,
    /// The secret to hand to the integration.
    pub secret: String,
}

/// The tenant's API keys, newest first.
pub async fn list_api_keys() -> ApiResult<Vec<ApiKeyInfo>> {
    get::<ApiKeyList>("/api/v1/api-keys".into()).await.map(|l| l.api_keys)
}

/// Creates an API key with `permissions` as its scope.
pub async fn create_api_key(name: &str, permissions: &[String]) -> ApiResult<CreatedApiKey> {
    let body = serde_json::json!({ "name": name, "permissions": permissions });
    send_json(Method::POST, "/api/v1/api-keys".into(), &body).await
}

/// Revokes an API key.
pub async fn revoke_api_key(id: &str) -> ApiResult<ApiKeyInfo> {
    let url = format!("/api/v1/api-keys/{}:revoke", String::from(js_sys::encode_uri_component(id)));
    send_json(Method::POST, url, &serde_json::json!({})).await
}

// ---------------------------------------------------------------------------------------------
// MFA, password, users, roles, identity providers

fn enc(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// A new TOTP enrolment (`POST /api/v1/auth/mfa/setup`); shown once.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MfaSetup {
    /// Base32 secret for manual entry.
    pub secret: String,
    /// `otpauth://` key URI.
    pub otpauth_uri: String,
    /// The URI as an SVG QR code.
    pub qr_code_svg: String,
}

/// Starts TOTP enrolment for the signed-in user.
pub async fn setup_mfa() -> ApiResult<MfaSetup> {
    send_json(Method::POST, "/api/v1/auth/mfa/setup".into(), &serde_json::json!({})).await
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RecoveryCodes {
    recovery_codes: Vec<String>,
}

/// Activates the pending enrolment with a current code; returns the recovery codes (once).
pub async fn verify_mfa(code: &str) -> ApiResult<Vec<String>> {
    let body = serde_json::json!({ "code": code.trim() });
    send_json::<RecoveryCodes, _>(Method::POST, "/api/v1/auth/mfa/verify".into(), &body).await.map(|r| r.recovery_codes)
}

/// Changes the signed-in user's password (`POST /api/v1/auth/password`).
pub async fn change_password(current: &str, new: &str) -> ApiResult<()> {
    let body = serde_json::json!({ "currentPassword": current, "newPassword": new });
    send_json::<serde_json::Value, _>(Method::POST, "/api/v1/auth/password".into(), &body).await.map(|_| ())
}

/// A staff user (`/api/v1/users`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserInfo {
    /// Id (UUID, or a standard role name for roles).
    pub id: String,
    /// Email address (unique per tenant).
    pub email: String,
    /// Name to show.
    pub display_name: String,
    /// Standard role names or custom role ids.
    pub role_ids: Vec<String>,
    /// `USER_STATUS_ACTIVE` or `USER_STATUS_DISABLED`.
    pub status: String,
    /// Locked after failed sign-ins.
    pub locked: bool,
    /// Consecutive failed sign-ins.
    pub failed_login_attempts: i32,
    /// RFC 3339, empty if never.
    pub last_login_time: String,
    /// RFC 3339.
    pub last_password_change_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UserList {
    users: Vec<UserInfo>,
}

/// The first 200 users of the tenant by email.
pub async fn list_users() -> ApiResult<Vec<UserInfo>> {
    get::<UserList>("/api/v1/users?pageSize=200".into()).await.map(|l| l.users)
}

/// Creates a staff user.
pub async fn create_user(email: &str, display_name: &str, password: &str, role_ids: &[String]) -> ApiResult<UserInfo> {
    let body = serde_json::json!({
        "email": email, "displayName": display_name, "password": password, "roleIds": role_ids,
    });
    send_json(Method::POST, "/api/v1/users".into(), &body).await
}

/// Replaces a user's roles.
pub async fn set_user_roles(id: &str, role_ids: &[String]) -> ApiResult<UserInfo> {
    let body = serde_json::json!({ "roleIds": role_ids });
    send_json(Method::PATCH, format!("/api/v1/users/{}", enc(id)), &body).await
}

/// `verb` is `disable`, `enable` or `unlock`.
pub async fn user_action(id: &str, verb: &str) -> ApiResult<UserInfo> {
    send_json(Method::POST, format!("/api/v1/users/{}:{verb}", enc(id)), &serde_json::json!({})).await
}

/// A standard or custom role.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleInfo {
    /// Id (UUID, or a standard role name for roles).
    pub id: String,
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Permission names (`<area>.<action>`).
    pub permissions: Vec<String>,
    /// A standard role of the PRD (read-only).
    pub standard: bool,
    /// A portal (client) role.
    pub portal: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RoleList {
    roles: Vec<RoleInfo>,
}

/// Standard roles, then custom roles.
pub async fn list_roles() -> ApiResult<Vec<RoleInfo>> {
    get::<RoleList>("/api/v1/roles".into()).await.map(|l| l.roles)
}

/// Creates a custom role.
pub async fn create_role(name: &str, description: &str, permissions: &[String]) -> ApiResult<RoleInfo> {
    let body = serde_json::json!({ "name": name, "description": description, "permissions": permissions });
    send_json(Method::POST, "/api/v1/roles".into(), &body).await
}

/// An OpenID Connect provider of the tenant (never its client secret).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IdentityProviderInfo {
    /// Id (UUID, or a standard role name for roles).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Name.
    pub name: String,
    /// Name to show.
    pub display_name: String,
    /// OpenID issuer URL.
    pub issuer_url: String,
    /// OAuth client id.
    pub client_id: String,
    /// Input only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_secret: String,
    /// Whether a client secret is stored.
    #[serde(skip_serializing)]
    pub client_secret_set: bool,
    /// Accepted email domains.
    pub email_domains: Vec<String>,
    /// Create unknown users on first sign-in.
    pub jit_enabled: bool,
    /// Role given to users created on first sign-in.
    pub jit_role_id: String,
    /// Shown on the sign-in page and usable.
    pub enabled: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ProviderList {
    identity_providers: Vec<IdentityProviderInfo>,
}

/// The tenant's SSO providers.
pub async fn list_identity_providers() -> ApiResult<Vec<IdentityProviderInfo>> {
    get::<ProviderList>("/api/v1/identity-providers".into()).await.map(|l| l.identity_providers)
}

/// Creates an SSO provider.
pub async fn create_identity_provider(p: &IdentityProviderInfo) -> ApiResult<IdentityProviderInfo> {
    send_json(Method::POST, "/api/v1/identity-providers".into(), p).await
}

/// Deletes an SSO provider.
pub async fn delete_identity_provider(id: &str) -> ApiResult<()> {
    call(Method::DELETE, format!("/api/v1/identity-providers/{}", enc(id)), Body::Empty).await.map(|_| ())
}

/// A provider button on the sign-in page.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SignInProvider {
    /// Name.
    pub name: String,
    /// Name to show.
    pub display_name: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SignInProviders {
    providers: Vec<SignInProvider>,
}

/// The enabled SSO providers of tenant `slug` (public).
pub async fn sign_in_providers(slug: &str) -> ApiResult<Vec<SignInProvider>> {
    let response =
        send_once(&Method::GET, &format!("/api/v1/auth/providers?tenant={}", enc(slug)), &Body::Empty, None).await?;
    parse::<SignInProviders>(&read(response).await?).map(|l| l.providers)
}

/// Where the browser goes to sign in with provider `name` of tenant `slug`.
pub fn sso_start_url(slug: &str, name: &str) -> String {
    format!("/api/v1/auth/sso/{}/{}/start", enc(slug), enc(name))
}

/// An LDAP directory of the tenant (never its service password).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LdapDirectoryInfo {
    /// Id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Name.
    pub name: String,
    /// `ldap://` or `ldaps://` URL.
    pub url: String,
    /// DN with `{username}` (direct bind).
    pub bind_dn_template: String,
    /// Base DN searched for the user (search bind).
    pub search_base: String,
    /// Service account DN for the search.
    pub service_bind_dn: String,
    /// Input only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_password: String,
    /// Login-name attribute (`uid`, `sAMAccountName`).
    pub user_attribute: String,
    /// Usable for sign-in.
    pub enabled: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DirectoryList {
    ldap_directories: Vec<LdapDirectoryInfo>,
}

/// The tenant's LDAP directories.
pub async fn list_ldap_directories() -> ApiResult<Vec<LdapDirectoryInfo>> {
    get::<DirectoryList>("/api/v1/ldap-directories".into()).await.map(|l| l.ldap_directories)
}

/// Creates an LDAP directory.
pub async fn create_ldap_directory(d: &LdapDirectoryInfo) -> ApiResult<LdapDirectoryInfo> {
    send_json(Method::POST, "/api/v1/ldap-directories".into(), d).await
}

/// Deletes an LDAP directory.
pub async fn delete_ldap_directory(id: &str) -> ApiResult<()> {
    call(Method::DELETE, format!("/api/v1/ldap-directories/{}", enc(id)), Body::Empty).await.map(|_| ())
}
