//! The PSA gateway (DESIGN.md §5): the only public entry of the platform.
//!
//! - `/api/...`: REST transcoded to the gRPC services from the `psa.api.v1.http` rules in
//!   the descriptor set ([`routes`], [`transcode`]); errors are RFC 9457 problems
//!   ([`problem`]); files for the methods in [`upload::FILE_UPLOADS`].
//! - `GET /api/v1/audit-logs:export`: the audit log as CSV; `GET /api/v1/tenants/{id}/export`:
//!   the full tenant export as a zip; `GET <any list path>:export`: that list as CSV with its
//!   filter ([`exports`]);
//!   `GET /api/v1/tickets/{ticket_id}/attachments/{id}:download` and
//!   `GET /api/v1/companies/{company_id}/attachments/{id}:download`: an attachment's file
//!   ([`attachments`]).
//! - `POST /api/v1/imports/{type}` (streamed CSV upload), `GET /api/v1/imports/{type}/template`
//!   and `GET /api/v1/imports/{id}/events` (SSE progress) ([`imports`]).
//! - `GET /api/v1/openapi.json`: the OpenAPI 3.1 document generated from the same
//!   descriptors ([`openapi`]).
//! - gRPC and gRPC-web (`content-type: application/grpc…`, path `/<pkg.Service>/<Method>`):
//!   proxied byte for byte to the owning service ([`upstream::proxy`]).
//! - `/healthz` (alive) and `/readyz` (every upstream SERVING).
//! - API keys (`Authorization: Bearer psa_…`) on REST and gRPC calls are exchanged for
//!   short-lived access tokens before forwarding ([`api_keys`]).
//! - anything else: the static web client with SPA fallback ([`web`]).
//!
//! Every response carries `x-request-id` (the client's, or a new UUIDv7) and security headers;
//! each request runs in a tracing span with its id.

pub mod api_keys;
pub mod attachments;
pub mod config;
pub mod exports;
pub mod imports;
pub mod openapi;
pub mod problem;
pub mod rate_limit;
pub mod rest;
pub mod routes;
pub mod sso;
pub mod transcode;
pub mod upload;
pub mod upstream;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderName, HeaderValue, Method, StatusCode, header};
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use config::GatewayConfig;

use crate::api_keys::ApiKeyExchanger;
use crate::problem::Problem;
use crate::routes::RouteTable;
use crate::upstream::Upstreams;
use crate::web::WebClient;

/// Name of the request id header, generated when absent and echoed on every response.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `Content-Security-Policy` of every response: same-origin everything, WebAssembly
/// compilation allowed (`'wasm-unsafe-eval'`) for the Yew client, inline styles allowed, no
/// inline scripts, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// How long in-flight requests may keep running after shutdown is requested.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

struct Inner {
    api_keys: ApiKeyExchanger,
    limiter: rate_limit::RateLimiter,
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Verifies bearer tokens only to pick the per-tenant rate-limit bucket (the services
    /// verify every call themselves).
    tokens: psa_kit::auth::SignatureVerifier,
    routes: RouteTable,
    upstreams: Upstreams,
    openapi: Vec<u8>,
    web: WebClient,
    /// Largest import upload, in bytes (`PSA_IMPORT_MAX_BYTES`).
    import_max_bytes: u64,
}

#[derive(Clone)]
struct AppState(Arc<Inner>);

/// Builds the gateway's router from `config` and the descriptors of
/// [`psa_proto::DESCRIPTOR_POOL`]. Upstream channels connect lazily, so the services need
/// not be up yet. Must be called inside a Tokio runtime.
///
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so that the client
/// address reaches the services as `x-forwarded-for` (as [`run`] does).
///
/// # Errors
/// An invalid HTTP rule in the descriptors (bad template, unknown field, duplicate binding)
/// or an invalid upstream URL.
pub fn router(config: &GatewayConfig) -> anyhow::Result<Router> {
    let pool = &*psa_proto::DESCRIPTOR_POOL;
    let routes = RouteTable::from_pool(pool)?;
    let openapi = serde_json::to_vec(&openapi::document(pool, &routes))?;
    let upstreams = Upstreams::new(config.upstreams())?;
    tracing::info!(
        routes = routes.routes().len(),
        upstreams = ?upstreams.all().iter().map(|u| (u.name, u.url.as_str())).collect::<Vec<_>>(),
        "gateway routes built"
    );
    let identity = upstreams
        .for_service("psa.identity.v1.ApiKeyService")
        .ok_or_else(|| anyhow::anyhow!("no identity upstream"))?
        .channel();
    let sso_routes = Router::new()
        .route("/api/v1/auth/sso/{tenant}/{provider}/start", get(sso::start))
        .route(sso::CALLBACK_PATH, get(sso::callback))
        .with_state(sso::Sso {
            identity: identity.clone(),
            public_url: config.public_url.as_deref().map(|u| u.trim_end_matches('/').to_owned()),
        });
    let state = AppState(Arc::new(Inner {
        api_keys: ApiKeyExchanger::new(identity),
        limiter: rate_limit::RateLimiter::new(
            &config.redis.redis_url,
            &config.rate_limit_key_prefix,
            rate_limit::Limits {
                login_per_ip: config.login_rate_limit_per_minute,
                login_per_account: config.login_account_rate_limit_per_minute,
                api_per_ip: config.rate_limit_per_ip_per_minute,
                api_per_tenant: config.rate_limit_per_tenant_per_minute,
            },
        )?,
        trusted_proxies: rate_limit::parse_trusted(&config.trusted_proxies)?,
        import_max_bytes: config.import_max_bytes,
        tokens: psa_kit::auth::SignatureVerifier::new(psa_kit::auth::RemoteKeys::new(&config.identity_url)?),
        routes,
        upstreams,
        openapi,
        web: WebClient::new(config.web_dir.clone()),
    }));

    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let id = req.headers().get(X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));

    let mut app = Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .fallback(dispatch)
        .layer(trace)
        // Probes are not traced: they come every few seconds.
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state)
        .merge(sso_routes);
    if let Some(cors) = cors(config) {
        app = app.layer(cors);
    }
    let security_headers = [
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ];
    for (name, value) in security_headers {
        app = app.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    Ok(app.layer(middleware::from_fn(request_id)))
}

/// Serves the gateway on `listener` until `shutdown` is cancelled, then drains in-flight
/// requests for at most [`DRAIN_TIMEOUT`].
///
/// # Errors
/// See [`router`]; or when the listener fails.
pub async fn run(
    config: GatewayConfig,
    listener: tokio::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let app = router(&config)?;
    tracing::info!(addr = %listener.local_addr()?, "gateway listening");
    // TCP_NODELAY, so larger responses are not held back by Nagle's algorithm (~40 ms each).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    tokio::select! {
        res = server => res?,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        } => tracing::warn!("drain timeout; closing remaining connections"),
    }
    tracing::info!("gateway stopped");
    Ok(())
}

fn cors(config: &GatewayConfig) -> Option<CorsLayer> {
    let origins = config.cors_origin_list();
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let h = HeaderName::from_static;
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                X_REQUEST_ID,
                h("traceparent"),
                h("tracestate"),
                h("x-grpc-web"),
                h("x-user-agent"),
                h("grpc-timeout"),
            ])
            .expose_headers([X_REQUEST_ID, h("grpc-status"), h("grpc-message"), h("grpc-status-details-bin")])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Takes the client's `x-request-id` (visible ASCII, at most 128 bytes) or makes a UUIDv7,
/// puts it on the request (so it is forwarded upstream and logged) and on the response.
/// Likewise starts a W3C trace (`traceparent`) when the client sent no valid one, so every
/// call and the events it causes share a trace id.
async fn request_id(mut req: Request, next: Next) -> Response {
    let traceparent = header::HeaderName::from_static(psa_kit::trace_context::HEADER);
    let valid =
        req.headers().get(&traceparent).and_then(|v| v.to_str().ok()).is_some_and(psa_kit::trace_context::is_valid);
    if !valid && let Ok(v) = HeaderValue::from_str(&psa_kit::trace_context::generate()) {
        req.headers_mut().insert(traceparent, v);
    }
    let value = req
        .headers()
        .get(X_REQUEST_ID)
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.as_bytes().iter().all(|b| b.is_ascii_graphic()))
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::now_v7().to_string()).unwrap_or(HeaderValue::from_static("-"))
        });
    req.headers_mut().insert(X_REQUEST_ID, value.clone());
    let mut res = next.run(req).await;
    res.headers_mut().insert(X_REQUEST_ID, value);
    res
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.0.openapi.clone()).into_response()
}

/// A 429 (REST problem+json, or RESOURCE_EXHAUSTED for gRPC) with `Retry-After`.
fn too_many(req: &Request<Body>, grpc: bool, detail: String, retry_after_secs: i64) -> Response {
    let mut res = if grpc {
        let mut res = tonic::Status::resource_exhausted(detail).into_http::<Body>();
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            res.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
        }
        res
    } else {
        Problem::new(StatusCode::TOO_MANY_REQUESTS, Code::ResourceExhausted, detail).into_response()
    };
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    res
}

/// The tenant of the request's bearer token when its signature verifies within 250 ms (API
/// keys are already exchanged for access tokens here); `None` counts the call per IP only.
async fn token_tenant(state: &AppState, headers: &http::HeaderMap) -> Option<uuid::Uuid> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    let verified = tokio::time::timeout(Duration::from_millis(250), state.0.tokens.verify(token.trim())).await;
    verified.ok()?.ok().map(|c| c.tid)
}

/// Everything that is not a fixed route: gRPC(-web), REST, or the web client.
async fn dispatch(State(state): State<AppState>, mut req: Request<Body>) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let grpc = upstream::is_grpc(req.headers());
    let path = req.uri().path();
    let api = path == "/api" || path.starts_with("/api/");
    let login = rate_limit::is_login(req.method(), path);
    // The client address (X-Forwarded-For only from trusted proxies); the services get exactly
    // it as `x-forwarded-for`.
    let ip = peer.map(|p| {
        let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        rate_limit::client_ip(p.ip(), xff, &state.0.trusted_proxies)
    });
    req.headers_mut().remove("x-forwarded-for");
    if let Some(v) = ip.and_then(|ip| HeaderValue::from_str(&ip.to_string()).ok()) {
        req.headers_mut().insert("x-forwarded-for", v);
    }
    let client: Option<SocketAddr> = None;
    if (grpc || api) && login {
        let (verdict, r) = login_rate_limit(&state, req, ip).await;
        req = r;
        if let rate_limit::Verdict::Limited { retry_after_secs } = verdict {
            tracing::warn!(client = ?ip, "login rate limit reached");
            let detail = format!("too many sign-in attempts; retry in {retry_after_secs} s");
            return too_many(&req, grpc, detail, retry_after_secs);
        }
    }
    if (grpc || api)
        && let Err(status) = state.0.api_keys.resolve(req.headers_mut()).await
    {
        if grpc {
            let mut res = status.into_http::<Body>();
            if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
                res.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
            }
            return res;
        }
        return Problem::from_status(&status).into_response();
    }
    if grpc || api {
        let tenant = token_tenant(&state, req.headers()).await;
        if let rate_limit::Verdict::Limited { retry_after_secs } = state.0.limiter.check_api(ip, tenant).await {
            tracing::warn!(client = ?ip, tenant = ?tenant, "API rate limit reached");
            let detail = format!("too many requests; retry in {retry_after_secs} s");
            return too_many(&req, grpc, detail, retry_after_secs);
        }
    }
    if grpc {
        return upstream::proxy(&state.0.upstreams, req, client).await;
    }
    if req.method() == Method::GET
        && req.uri().path() == exports::AUDIT_EXPORT_PATH
        && let Some(identity) = state.0.upstreams.for_service("psa.identity.v1.AuditLogService")
    {
        let metadata = upstream::forwarded_metadata(req.headers(), client);
        return exports::audit_csv(identity.channel(), req.uri(), metadata).await;
    }
    if req.method() == Method::GET
        && let Some(id) = exports::tenant_export_id(req.uri().path())
    {
        let metadata = upstream::forwarded_metadata(req.headers(), client);
        return exports::tenant_zip(&state.0.upstreams, id, metadata).await;
    }
    if req.method() == Method::GET
        && let Some(download) = attachments::download_ids(req.uri().path())
        && let Some(upstream) = state.0.upstreams.for_service(download.service())
    {
        let metadata = upstream::forwarded_metadata(req.headers(), client);
        return attachments::download(upstream.channel(), &download, metadata).await;
    }
    if let Some(route) = imports::route(req.method(), req.uri().path())
        && let Some(contracts) = state.0.upstreams.for_service(imports::SERVICE)
    {
        let metadata = upstream::forwarded_metadata(req.headers(), client);
        return imports::handle(route, contracts.channel(), req, metadata, state.0.import_max_bytes).await;
    }
    if req.method() == Method::GET
        && let Some(base) = exports::list_export_base(req.uri().path())
    {
        let metadata = upstream::forwarded_metadata(req.headers(), client);
        let base = base.to_owned();
        return exports::list_csv(&state.0.routes, &state.0.upstreams, req.uri(), &base, metadata).await;
    }
    let path = req.uri().path();
    if api {
        return rest::handle(&state.0.routes, &state.0.upstreams, req, client).await;
    }
    if let Some(service) = upstream::grpc_service_of(path)
        && state.0.upstreams.for_service(service).is_some()
    {
        return Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::InvalidArgument,
            "this is a gRPC method; send application/grpc or application/grpc-web",
        )
        .into_response();
    }
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return state.0.web.serve(req).await;
    }
    Problem::new(StatusCode::NOT_FOUND, Code::NotFound, format!("no route {} {path}", req.method())).into_response()
}

/// Counts a login request against the limits. REST login bodies are read (at most 64 KiB)
/// for tenant + email and put back; a larger one is counted per IP only and goes on empty
/// (so the service refuses it as bad input).
async fn login_rate_limit(
    state: &AppState,
    req: Request<Body>,
    ip: Option<std::net::IpAddr>,
) -> (rate_limit::Verdict, Request<Body>) {
    let limiter = &state.0.limiter;
    let path = req.uri().path();
    if upstream::is_grpc(req.headers()) || (path != "/api/v1/auth/login" && path != "/api/v1/portal/auth/login") {
        return (limiter.check_login(ip, None).await, req);
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(bytes) => {
            let account = rate_limit::account_of(&bytes);
            let verdict = limiter.check_login(ip, account.as_ref().map(|(t, e)| (t.as_str(), e.as_str()))).await;
            (verdict, Request::from_parts(parts, Body::from(bytes)))
        }
        // Too large or broken: the transcoder would refuse it anyway; count the IP only.
        Err(_) => (limiter.check_login(ip, None).await, Request::from_parts(parts, Body::empty())),
    }
}

/// 200 when every upstream answers `grpc.health.v1.Health/Check` with SERVING, else 503;
/// the JSON body gives each upstream's state.
async fn readyz(State(state): State<AppState>) -> Response {
    let checks: Vec<_> = state
        .0
        .upstreams
        .all()
        .iter()
        .cloned()
        .map(|u| tokio::spawn(async move { (u.name, upstream::check_health(&u).await) }))
        .collect();
    let mut ready = true;
    let mut report = serde_json::Map::new();
    for check in checks {
        let (name, result) = match check.await {
            Ok(r) => r,
            Err(e) => ("?", Err(e.to_string())),
        };
        let text = match result {
            Ok(()) => "SERVING".to_owned(),
            Err(e) => {
                ready = false;
                e
            }
        };
        report.insert(name.to_owned(), text.into());
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "unavailable" },
        "upstreams": report,
    });
    (status, axum::Json(body)).into_response()
}
