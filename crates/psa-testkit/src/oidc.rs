//! A local OpenID Connect provider for SSO tests (OIDC Core 1.0 authorization code flow,
//! Discovery 1.0, RFC 7636 PKCE with S256), served by axum on `127.0.0.1:0`.
//!
//! It implements discovery (`/.well-known/openid-configuration`), the JWK Set (`/jwks`, one
//! Ed25519 key), `/authorize` (auto-approves the configured user: redirects straight back with
//! a code) and `/token` (client secret by HTTP Basic or form, single-use codes, PKCE checked,
//! redirect URI must match; answers an ID token signed with its key). [`Tamper`] makes it
//! issue wrong ID tokens on purpose (audience, nonce, issuer, expiry).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The user `/authorize` signs in.
#[derive(Debug, Clone)]
pub struct OidcUser {
    /// `sub` claim.
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
}

/// Deliberate faults in the next ID tokens.
#[derive(Debug, Clone, Default)]
pub struct Tamper {
    /// `aud` other than the client id.
    pub audience: Option<String>,
    /// `nonce` other than the one of the authorization request.
    pub nonce: Option<String>,
    /// `iss` other than the issuer.
    pub issuer: Option<String>,
    /// `exp` an hour ago.
    pub expired: bool,
}

struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct Inner {
    issuer: String,
    client_id: String,
    client_secret: String,
    kid: String,
    private_der: Vec<u8>,
    jwk: Value,
    user: Mutex<OidcUser>,
    tamper: Mutex<Tamper>,
    codes: Mutex<HashMap<String, Grant>>,
}

/// A running provider; stops when dropped or with [`OidcProvider::stop`].
pub struct OidcProvider {
    /// `http://127.0.0.1:<port>` (the issuer identifier).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    inner: Arc<Inner>,
    shutdown: CancellationToken,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

impl OidcProvider {
    /// Starts a provider for one confidential client that signs in `user`.
    ///
    /// # Panics
    /// When it cannot bind or make its key.
    pub async fn start(client_id: &str, client_secret: &str, user: OidcUser) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind OIDC provider");
        let issuer = format!("http://{}", listener.local_addr().expect("addr"));
        let (kid, private_der, public_raw) = psa_identity::domain::tokens::generate_signing_key().expect("key");
        let j = psa_identity::domain::tokens::jwk(&kid, &public_raw);
        let jwk = json!({"kty": j.kty, "crv": j.crv, "x": j.x, "kid": j.kid, "alg": j.alg, "use": j.r#use});
        let inner = Arc::new(Inner {
            issuer: issuer.clone(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            kid,
            private_der,
            jwk,
            user: Mutex::new(user),
            tamper: Mutex::new(Tamper::default()),
            codes: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(inner.clone());
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).with_graceful_shutdown(stop.cancelled_owned()).await;
        });
        Self { issuer, client_id: client_id.to_owned(), client_secret: client_secret.to_owned(), inner, shutdown }
    }

    /// Signs in `user` from now on.
    pub fn set_user(&self, user: OidcUser) {
        *self.inner.user.lock().expect("lock") = user;
    }

    /// Issues ID tokens with these faults from now on (`Tamper::default()` for none).
    pub fn tamper(&self, t: Tamper) {
        *self.inner.tamper.lock().expect("lock") = t;
    }

    /// Stops serving (the port refuses connections afterwards).
    pub fn stop(&self) {
        self.shutdown.cancel();
    }
}

async fn discovery(State(s): State<Arc<Inner>>) -> Json<Value> {
    let i = &s.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State(s): State<Arc<Inner>>) -> Json<Value> {
    Json(json!({ "keys": [s.jwk] }))
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

async fn authorize(State(s): State<Arc<Inner>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("client_id") != s.client_id || get("response_type") != "code" || get("redirect_uri").is_empty() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").is_empty() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    if !get("scope").split(' ').any(|sc| sc == "openid") {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope");
    }
    let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>());
    let grant = Grant { nonce: get("nonce"), challenge: get("code_challenge"), redirect_uri: get("redirect_uri") };
    s.codes.lock().expect("lock").insert(code.clone(), grant);
    let target = url_with_query(&get("redirect_uri"), &[("code", &code), ("state", &get("state"))]);
    if target.is_empty() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    (StatusCode::FOUND, [(header::LOCATION, target)]).into_response()
}

fn url_with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let Ok(mut url) = url::Url::parse(base) else { return String::new() };
    url.query_pairs_mut().extend_pairs(pairs);
    url.to_string()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

/// `(client_id, client_secret)` from HTTP Basic (RFC 6749 §2.3.1, form-urlencoded parts).
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Basic ")?;
    let raw = String::from_utf8(STANDARD.decode(v).ok()?).ok()?;
    let (id, secret) = raw.split_once(':')?;
    let dec = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    Some((dec(id), dec(secret)))
}

async fn token(State(s): State<Arc<Inner>>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
    let (id, secret) = basic_auth(&headers).unwrap_or((f.client_id.clone(), f.client_secret.clone()));
    if id != s.client_id || secret != s.client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if f.grant_type != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some(grant) = s.codes.lock().expect("lock").remove(&f.code) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(f.code_verifier.as_bytes()));
    if grant.redirect_uri != f.redirect_uri || challenge != grant.challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let user = s.user.lock().expect("lock").clone();
    let t = s.tamper.lock().expect("lock").clone();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": t.issuer.unwrap_or_else(|| s.issuer.clone()),
        "sub": user.sub,
        "aud": t.audience.unwrap_or_else(|| s.client_id.clone()),
        "iat": now,
        "exp": if t.expired { now - 3600 } else { now + 300 },
        "nonce": t.nonce.unwrap_or(grant.nonce),
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(s.kid.clone());
    let id_token = jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ed_der(&s.private_der))
        .expect("sign ID token");
    Json(json!({
        "access_token": URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}
