//! Verification of identity's access tokens in every service (DESIGN.md §4), as a tower
//! layer in front of the tonic routes.
//!
//! For each call the layer looks up the method's `psa.api.v1.access` option in the
//! descriptor set: `public` methods pass; every other method needs `authorization: Bearer
//! <JWT>` signed with one of identity's Ed25519 keys (JWKS, fetched and cached, refetched on an
//! unknown `kid`), with `iss` = [`ISSUER`], `aud` = [`AUDIENCE`], unexpired, whose session is
//! not revoked (Redis key [`revoked_session_key`]), whose tenant is not suspended (Redis key
//! [`suspended_tenant_key`]; PERMISSION_DENIED), and that carries the declared permission.
//! The verified [`Principal`] is put in the request extensions, and the call runs with its
//! [`crate::audit::RequestContext`] (actor, client IP, user agent) for the audit trigger. Methods not in the descriptor
//! set are refused, except the gRPC health protocol. Failing closed: when Redis cannot be
//! asked, calls are refused with UNAVAILABLE.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use prost_reflect::{DynamicMessage, ReflectMessage as _, Value};
use psa_core::{Principal, PrincipalKind};
use psa_proto::identity::Jwk;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use tonic::Status;
use uuid::Uuid;

/// `iss` of access tokens.
pub const ISSUER: &str = "psa-identity";
/// `aud` of access tokens.
pub const AUDIENCE: &str = "psa";

/// How API keys begin (`psa_<tenant>_<secret>`); the gateway exchanges bearer credentials
/// with this prefix for access tokens (identity `ApiKeyService.ExchangeApiKey`).
pub const API_KEY_PREFIX: &str = "psa_";

/// Redis key marking a session revoked; set by identity with a TTL of at least the access
/// token lifetime.
pub fn revoked_session_key(session_id: Uuid) -> String {
    format!("psa:revoked-session:{session_id}")
}

/// Redis key marking a tenant suspended; set by identity (no expiry) when the platform suspends
/// the tenant and deleted on reactivation. Every service refuses the tenant's tokens while it
/// exists.
pub fn suspended_tenant_key(tenant_id: Uuid) -> String {
    format!("psa:suspended-tenant:{tenant_id}")
}

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    /// Tenant id.
    pub tid: Uuid,
    /// `staff`, `portal` or `service`.
    pub kind: PrincipalKind,
    /// Permissions granted.
    pub perms: Vec<String>,
    /// Session id.
    pub sid: Uuid,
    /// Company of a portal user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<Uuid>,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

impl Claims {
    /// The principal these claims describe.
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: self.sub,
            tenant_id: self.tid,
            kind: self.kind,
            permissions: self.perms.clone(),
            session_id: self.sid,
            company_id: self.cid,
        }
    }
}

/// Where the verifier gets identity's public keys.
pub trait KeySource: Send + Sync + 'static {
    /// Current JWK set.
    fn fetch(&self) -> BoxFuture<'_, anyhow::Result<Vec<Jwk>>>;
}

/// Fetches keys from identity over gRPC (`AuthService.GetJwks`).
pub struct RemoteKeys {
    client: psa_proto::identity::auth_service_client::AuthServiceClient<tonic::transport::Channel>,
}

impl RemoteKeys {
    /// A lazily-connecting source for identity at `url` (e.g. `http://127.0.0.1:50051`).
    ///
    /// # Errors
    /// When `url` is not a valid endpoint URI.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let channel =
            tonic::transport::Endpoint::from_shared(url.to_owned())?.timeout(Duration::from_secs(5)).connect_lazy();
        Ok(Self { client: psa_proto::identity::auth_service_client::AuthServiceClient::new(channel) })
    }
}

impl KeySource for RemoteKeys {
    fn fetch(&self) -> BoxFuture<'_, anyhow::Result<Vec<Jwk>>> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let set = client.get_jwks(psa_proto::identity::GetJwksRequest {}).await?.into_inner();
            Ok(set.keys)
        })
    }
}

/// Checks access-token signatures and claims against identity's keys (JWKS, cached, refetched
/// on an unknown `kid` at most every 10 s). No revocation check: see [`Verifier`].
pub struct SignatureVerifier {
    source: Box<dyn KeySource>,
    keys: RwLock<(HashMap<String, DecodingKey>, Option<Instant>)>,
}

/// Verifies access tokens and checks session revocation and tenant suspension.
pub struct Verifier {
    signatures: SignatureVerifier,
    redis: redis::aio::ConnectionManager,
}

impl Verifier {
    /// A verifier over `source`, checking revocations in `redis`.
    pub fn new(source: impl KeySource, redis: redis::aio::ConnectionManager) -> Arc<Self> {
        Arc::new(Self { signatures: SignatureVerifier::new(source), redis })
    }

    /// Verifies `token` and returns its claims.
    ///
    /// # Errors
    /// UNAUTHENTICATED for bad, expired, foreign or revoked tokens; PERMISSION_DENIED for a
    /// suspended tenant; UNAVAILABLE when keys or the revocation list cannot be read.
    pub async fn verify(&self, token: &str) -> Result<Claims, Status> {
        let claims = self.signatures.verify(token).await?;
        let mut redis = self.redis.clone();
        let (revoked, suspended): (bool, bool) = redis::pipe()
            .exists(revoked_session_key(claims.sid))
            .exists(suspended_tenant_key(claims.tid))
            .query_async(&mut redis)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "redis unavailable for revocation check");
                Status::unavailable("session check unavailable")
            })?;
        if revoked {
            return Err(Status::unauthenticated("session revoked"));
        }
        if suspended {
            return Err(Status::permission_denied("tenant suspended"));
        }
        Ok(claims)
    }
}

impl SignatureVerifier {
    /// A verifier over `source`.
    pub fn new(source: impl KeySource) -> Self {
        Self { source: Box::new(source), keys: RwLock::new((HashMap::new(), None)) }
    }

    /// Verifies `token`'s signature, issuer, audience and expiry, and returns its claims.
    ///
    /// # Errors
    /// UNAUTHENTICATED for bad, expired or foreign tokens; UNAVAILABLE when keys cannot be
    /// fetched.
    pub async fn verify(&self, token: &str) -> Result<Claims, Status> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| Status::unauthenticated("malformed access token"))?;
        if header.alg != Algorithm::EdDSA {
            return Err(Status::unauthenticated("unsupported token algorithm"));
        }
        let kid = header.kid.ok_or_else(|| Status::unauthenticated("token has no key id"))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => Status::unauthenticated("access token expired"),
                _ => Status::unauthenticated("invalid access token"),
            }
        })?;
        Ok(data.claims)
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, Status> {
        if let Some(k) = self.keys.read().await.0.get(kid) {
            return Ok(k.clone());
        }
        let mut guard = self.keys.write().await;
        if let Some(k) = guard.0.get(kid) {
            return Ok(k.clone());
        }
        // Refetch at most every 10 s so garbage kids cannot hammer identity.
        if guard.1.is_some_and(|t| t.elapsed() < Duration::from_secs(10)) && !guard.0.is_empty() {
            return Err(Status::unauthenticated("unknown token key"));
        }
        let jwks = self.source.fetch().await.map_err(|e| {
            tracing::warn!(error = %e, "cannot fetch JWKS");
            Status::unavailable("token keys unavailable")
        })?;
        guard.1 = Some(Instant::now());
        guard.0 = jwks
            .iter()
            .filter(|k| k.kty == "OKP" && k.crv == "Ed25519")
            .filter_map(|k| DecodingKey::from_ed_components(&k.x).ok().map(|d| (k.kid.clone(), d)))
            .collect();
        guard.0.get(kid).cloned().ok_or_else(|| Status::unauthenticated("unknown token key"))
    }
}

/// Access rule of one gRPC method path (`/pkg.Service/Method`).
#[derive(Debug, Clone, Default)]
struct Access {
    public: bool,
    permission: String,
}

static ACCESS: LazyLock<HashMap<String, Access>> = LazyLock::new(|| {
    let pool = &*psa_proto::DESCRIPTOR_POOL;
    let ext = pool.get_extension_by_name("psa.api.v1.access").expect("psa.api.v1.access is defined");
    let mut map = HashMap::new();
    for svc in pool.services() {
        for m in svc.methods() {
            let opts = m.options();
            let mut access = Access::default();
            if opts.has_extension(&ext)
                && let Value::Message(msg) = opts.get_extension(&ext).as_ref()
            {
                access = parse_access(msg);
            }
            map.insert(format!("/{}/{}", svc.full_name(), m.name()), access);
        }
    }
    map
});

fn parse_access(msg: &DynamicMessage) -> Access {
    let desc = msg.descriptor();
    let get = |name: &str| desc.get_field_by_name(name).map(|f| msg.get_field(&f).into_owned());
    Access {
        public: matches!(get("public"), Some(Value::Bool(true))),
        permission: match get("permission") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        },
    }
}

/// The permission `path` declares, if any (for tests and documentation).
pub fn declared_permission(path: &str) -> Option<&'static str> {
    ACCESS.get(path).map(|a| a.permission.as_str()).filter(|p| !p.is_empty())
}

/// Tower layer enforcing the access rules; see the module docs.
#[derive(Clone)]
pub struct AuthLayer {
    verifier: Arc<Verifier>,
}

impl AuthLayer {
    /// A layer verifying with `verifier`.
    pub fn new(verifier: Arc<Verifier>) -> Self {
        Self { verifier }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService { inner, verifier: self.verifier.clone() }
    }
}

/// The service produced by [`AuthLayer`].
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    verifier: Arc<Verifier>,
}

impl<S, B> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // Take the ready service, leave a fresh clone (tower's clone-and-swap idiom).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            let path = req.uri().path().to_owned();
            let actor = match authorize(&verifier, &path, req.headers()).await {
                Ok(Some(principal)) => {
                    let actor = principal.user_id;
                    req.extensions_mut().insert(principal);
                    actor
                }
                Ok(None) => Uuid::nil(),
                Err(status) => return Ok(status.into_http()),
            };
            let ctx = crate::audit::RequestContext::from_headers(req.headers(), actor);
            crate::audit::scope(ctx, inner.call(req)).await
        })
    }
}

async fn authorize(verifier: &Verifier, path: &str, headers: &http::HeaderMap) -> Result<Option<Principal>, Status> {
    if path.starts_with("/grpc.health.v1.Health/") {
        return Ok(None);
    }
    let Some(access) = ACCESS.get(path) else {
        return Err(Status::unimplemented("unknown method"));
    };
    if access.public {
        return Ok(None);
    }
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .ok_or_else(|| Status::unauthenticated("missing bearer token"))?;
    let claims = verifier.verify(token.trim()).await?;
    let principal = claims.principal();
    if !access.permission.is_empty() && !principal.has(&access.permission) {
        return Err(Status::permission_denied(format!("missing permission {}", access.permission)));
    }
    Ok(Some(principal))
}

/// The verified caller of a request that passed [`AuthLayer`].
///
/// # Errors
/// UNAUTHENTICATED when the request carries no principal (a public method, or no layer).
pub fn principal<T>(req: &tonic::Request<T>) -> Result<Principal, Status> {
    req.extensions().get::<Principal>().cloned().ok_or_else(|| Status::unauthenticated("not signed in"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_rules_come_from_the_proto() {
        assert_eq!(declared_permission("/psa.tickets.v1.TicketService/CreateTicket"), Some("tickets.write"));
        assert_eq!(declared_permission("/psa.contracts.v1.CompanyService/ListCompanies"), Some("companies.read"));
        assert!(ACCESS["/psa.identity.v1.AuthService/Login"].public);
        assert!(!ACCESS["/psa.identity.v1.AuthService/WhoAmI"].public);
        // every non-public method declares a permission, except WhoAmI (any signed-in user)
        for (path, a) in ACCESS.iter() {
            if !a.public && path != "/psa.identity.v1.AuthService/WhoAmI" {
                assert!(!a.permission.is_empty(), "{path} declares no permission");
            }
        }
    }
}
