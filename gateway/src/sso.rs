//! Single sign-on redirects (DESIGN.md §5: hand-written because HTTP redirects are the point).
//!
//! - `GET /api/v1/auth/sso/{tenant}/{provider}/start`: identity's `StartSso` makes the
//!   provider's authorization URL (state, nonce, PKCE); answered with `302 Found` to it.
//! - `GET /api/v1/auth/sso/callback?state=…&code=…`: identity's `CompleteSso` exchanges the
//!   code and verifies the ID token; the token pair goes to the web client in the fragment of
//!   `303 See Other` to `/login#access_token=…&refresh_token=…&expires_in=…` (fragments never
//!   reach servers or `Referer` headers). Any refusal redirects to `/login?sso_error=<reason>`.
//!
//! The callback URL given to the provider is `PSA_PUBLIC_URL` + `/api/v1/auth/sso/callback`,
//! or without `PSA_PUBLIC_URL` is built from the request's `Host` (and `X-Forwarded-Proto`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use psa_proto::identity::auth_service_client::AuthServiceClient;
use psa_proto::identity::{CompleteSsoRequest, StartSsoRequest};
use serde::Deserialize;
use tonic::transport::Channel;

use crate::upstream::forwarded_metadata;

/// Path of the callback registered at providers.
pub const CALLBACK_PATH: &str = "/api/v1/auth/sso/callback";

/// What the SSO routes need.
#[derive(Clone)]
pub struct Sso {
    pub identity: Channel,
    /// `PSA_PUBLIC_URL` without a trailing slash, when set.
    pub public_url: Option<String>,
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut r = status.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `303` to the sign-in page with a reason the page shows.
fn login_error(reason: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, &format!("/login?sso_error={}", enc(reason)))
}

fn callback_url(sso: &Sso, headers: &HeaderMap) -> Option<String> {
    if let Some(base) = &sso.public_url {
        return Some(format!("{base}{CALLBACK_PATH}"));
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    Some(format!("{proto}://{host}{CALLBACK_PATH}"))
}

/// `GET /api/v1/auth/sso/{tenant}/{provider}/start`.
pub async fn start(
    State(sso): State<Sso>,
    Path((tenant, provider)): Path<(String, String)>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Some(redirect_uri) = callback_url(&sso, &headers) else {
        return login_error("the request has no Host header");
    };
    let mut req = tonic::Request::new(StartSsoRequest { tenant, provider, redirect_uri });
    *req.metadata_mut() = forwarded_metadata(&headers, Some(client));
    match AuthServiceClient::new(sso.identity).start_sso(req).await {
        Ok(r) => redirect(StatusCode::FOUND, &r.into_inner().authorization_url),
        Err(s) => login_error(s.message()),
    }
}

/// Query of the callback (OAuth 2.0 RFC 6749 §4.1.2 and §4.1.2.1).
#[derive(Debug, Deserialize)]
pub struct Callback {
    #[serde(default)]
    state: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// `GET /api/v1/auth/sso/callback`.
pub async fn callback(
    State(sso): State<Sso>,
    Query(q): Query<Callback>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !q.error.is_empty() {
        let why = if q.error_description.is_empty() { q.error } else { q.error_description };
        return login_error(&format!("the identity provider answered: {why}"));
    }
    let mut req = tonic::Request::new(CompleteSsoRequest { state: q.state, code: q.code });
    *req.metadata_mut() = forwarded_metadata(&headers, Some(client));
    match AuthServiceClient::new(sso.identity).complete_sso(req).await {
        Ok(r) => {
            let t = r.into_inner();
            let mut fragment = format!(
                "access_token={}&refresh_token={}&expires_in={}",
                enc(&t.access_token),
                enc(&t.refresh_token),
                t.expires_in
            );
            if t.mfa_setup_required {
                fragment.push_str("&mfa_setup_required=true");
            }
            redirect(StatusCode::SEE_OTHER, &format!("/login#{fragment}"))
        }
        Err(s) => login_error(s.message()),
    }
}
