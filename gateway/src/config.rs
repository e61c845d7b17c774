//! The gateway's configuration, read from `PSA_*` environment variables (DESIGN.md §7), and the
//! table that says which upstream service owns which proto package.

use std::path::PathBuf;

use psa_kit::config::{RedisConfig, TelemetryConfig};
use serde::Deserialize;

/// Configuration of the gateway binary. Every field `foo_bar` is read from `PSA_FOO_BAR` by
/// [`psa_kit::config::from_env`]; the defaults run everything on one machine.
#[derive(Debug, Clone, Deserialize)]
pub struct GatewayConfig {
    /// Listen address (`host:port`), `PSA_GATEWAY_ADDR`, default `127.0.0.1:8080`.
    #[serde(default = "default_gateway_addr")]
    pub gateway_addr: String,
    /// gRPC URL of the identity service (`psa.identity.v1`), `PSA_IDENTITY_URL`,
    /// default `http://127.0.0.1:50051`.
    #[serde(default = "default_identity_url")]
    pub identity_url: String,
    /// gRPC URL of the contracts service (`psa.contracts.v1`), `PSA_CONTRACTS_URL`,
    /// default `http://127.0.0.1:50052`.
    #[serde(default = "default_contracts_url")]
    pub contracts_url: String,
    /// gRPC URL of the tickets service (`psa.tickets.v1`), `PSA_TICKETS_URL`,
    /// default `http://127.0.0.1:50053`.
    #[serde(default = "default_tickets_url")]
    pub tickets_url: String,
    /// Directory of the built web client (its `index.html` is the SPA fallback),
    /// `PSA_WEB_DIR`, default `web/dist`.
    #[serde(default = "default_web_dir")]
    pub web_dir: PathBuf,
    /// Origins allowed to call the API from another origin (CORS), comma-separated, or `*`
    /// for any; `PSA_CORS_ORIGINS`, default empty (same origin only). Credentials (cookies)
    /// are never allowed cross-origin; tokens travel in the `Authorization` header.
    #[serde(default)]
    pub cors_origins: String,
    /// Logging and tracing (`PSA_LOG`, `PSA_LOG_FORMAT`, `PSA_OTLP_ENDPOINT`).
    #[serde(flatten)]
    pub telemetry: TelemetryConfig,
    /// Redis for rate limits, `PSA_REDIS_URL`, default `redis://127.0.0.1:6379`.
    #[serde(flatten)]
    pub redis: RedisConfig,
    /// Login and forgotten-password requests (`rate_limit::is_login`) allowed per client
    /// IP per minute, `PSA_LOGIN_RATE_LIMIT_PER_MINUTE`, default 10; 0 disables.
    #[serde(default = "default_login_rate_limit")]
    pub login_rate_limit_per_minute: u32,
    /// REST logins allowed per tenant + email per minute,
    /// `PSA_LOGIN_ACCOUNT_RATE_LIMIT_PER_MINUTE`, default 5; 0 disables.
    #[serde(default = "default_login_account_rate_limit")]
    pub login_account_rate_limit_per_minute: u32,
    /// API calls (REST, gRPC, gRPC-web) allowed per client IP per minute,
    /// `PSA_RATE_LIMIT_PER_IP_PER_MINUTE`, default 1200; 0 disables.
    #[serde(default = "default_api_ip_rate_limit")]
    pub rate_limit_per_ip_per_minute: u32,
    /// API calls allowed per tenant (of a verified bearer token) per minute,
    /// `PSA_RATE_LIMIT_PER_TENANT_PER_MINUTE`, default 6000; 0 disables.
    #[serde(default = "default_api_tenant_rate_limit")]
    pub rate_limit_per_tenant_per_minute: u32,
    /// Reverse proxies / load balancers whose `X-Forwarded-For` is believed, comma-separated
    /// addresses or CIDR ranges (`10.0.0.0/8, 192.0.2.7`), `PSA_TRUSTED_PROXIES`, default empty
    /// (the TCP peer is the client).
    #[serde(default)]
    pub trusted_proxies: String,
    /// Prefix of the gateway's Redis keys, `PSA_RATE_LIMIT_KEY_PREFIX`, default `psa:gw:`.
    #[serde(default = "default_rate_limit_key_prefix")]
    pub rate_limit_key_prefix: String,
    /// The public base URL of the install (`https://psa.example.com`), `PSA_PUBLIC_URL`;
    /// SSO callbacks registered at identity providers are `<it>/api/v1/auth/sso/callback`.
    /// Unset: built from each request's `Host` and `X-Forwarded-Proto`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Largest CSV file accepted by `POST /api/v1/imports/{type}`, in bytes,
    /// `PSA_IMPORT_MAX_BYTES`, default 200 MiB. A larger upload is answered 413 and nothing of
    /// it is committed (the service's job is failed as interrupted).
    #[serde(default = "default_import_max_bytes")]
    pub import_max_bytes: u64,
}

/// Default of [`GatewayConfig::import_max_bytes`]: 200 MiB.
pub const DEFAULT_IMPORT_MAX_BYTES: u64 = 200 * 1024 * 1024;

fn default_import_max_bytes() -> u64 {
    DEFAULT_IMPORT_MAX_BYTES
}

fn default_api_ip_rate_limit() -> u32 {
    1200
}
fn default_api_tenant_rate_limit() -> u32 {
    6000
}
fn default_login_rate_limit() -> u32 {
    10
}
fn default_login_account_rate_limit() -> u32 {
    5
}
fn default_rate_limit_key_prefix() -> String {
    "psa:gw:".into()
}
fn default_redis_url() -> String {
    "redis://127.0.0.1:6379".into()
}

fn default_gateway_addr() -> String {
    "127.0.0.1:8080".into()
}
fn default_identity_url() -> String {
    "http://127.0.0.1:50051".into()
}
fn default_contracts_url() -> String {
    "http://127.0.0.1:50052".into()
}
fn default_tickets_url() -> String {
    "http://127.0.0.1:50053".into()
}
fn default_web_dir() -> PathBuf {
    "web/dist".into()
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            gateway_addr: default_gateway_addr(),
            identity_url: default_identity_url(),
            contracts_url: default_contracts_url(),
            tickets_url: default_tickets_url(),
            web_dir: default_web_dir(),
            cors_origins: String::new(),
            telemetry: TelemetryConfig::default(),
            redis: RedisConfig { redis_url: default_redis_url() },
            login_rate_limit_per_minute: default_login_rate_limit(),
            login_account_rate_limit_per_minute: default_login_account_rate_limit(),
            rate_limit_per_ip_per_minute: default_api_ip_rate_limit(),
            rate_limit_per_tenant_per_minute: default_api_tenant_rate_limit(),
            trusted_proxies: String::new(),
            rate_limit_key_prefix: default_rate_limit_key_prefix(),
            public_url: None,
            import_max_bytes: DEFAULT_IMPORT_MAX_BYTES,
        }
    }
}

/// One upstream gRPC service: a short name (logs, `/readyz`), the proto package it owns, and
/// its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamSpec {
    /// Short name, e.g. `tickets`.
    pub name: &'static str,
    /// Proto package whose services it serves, e.g. `psa.tickets.v1`.
    pub package: &'static str,
    /// gRPC URL, e.g. `http://127.0.0.1:50053`.
    pub url: String,
}

impl GatewayConfig {
    /// Which upstream serves which proto package: a gRPC method `psa.tickets.v1.X/Y` goes to
    /// the upstream whose package is `psa.tickets.v1`. A new service is one line here (plus
    /// its URL field above).
    pub fn upstreams(&self) -> Vec<UpstreamSpec> {
        let spec = |name, package, url: &String| UpstreamSpec { name, package, url: url.clone() };
        vec![
            spec("identity", "psa.identity.v1", &self.identity_url),
            spec("contracts", "psa.contracts.v1", &self.contracts_url),
            spec("tickets", "psa.tickets.v1", &self.tickets_url),
        ]
    }

    /// The CORS origins of [`GatewayConfig::cors_origins`], trimmed, empty entries dropped.
    pub fn cors_origin_list(&self) -> Vec<String> {
        self.cors_origins.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_env_with_defaults_and_flattened_telemetry() {
        let vars = [
            ("PSA_TICKETS_URL", "http://10.0.0.1:1"),
            ("PSA_LOG", "debug"),
            ("PSA_CORS_ORIGINS", "https://a.example, https://b.example,"),
            ("HOME", "/root"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        let c: GatewayConfig = psa_kit::config::from_iter(vars).unwrap();
        assert_eq!(c.gateway_addr, "127.0.0.1:8080");
        assert_eq!(c.tickets_url, "http://10.0.0.1:1");
        assert_eq!(c.identity_url, "http://127.0.0.1:50051");
        assert_eq!(c.web_dir, PathBuf::from("web/dist"));
        assert_eq!(c.telemetry.log.as_deref(), Some("debug"));
        assert_eq!(c.cors_origin_list(), ["https://a.example", "https://b.example"]);
        assert_eq!((c.login_rate_limit_per_minute, c.login_account_rate_limit_per_minute), (10, 5));
        assert_eq!(c.redis.redis_url, "redis://127.0.0.1:6379");
        assert_eq!((c.rate_limit_per_ip_per_minute, c.rate_limit_per_tenant_per_minute), (1200, 6000));
        assert_eq!(c.trusted_proxies, "");
        let tickets = c.upstreams().into_iter().find(|u| u.name == "tickets").unwrap();
        assert_eq!(tickets.package, "psa.tickets.v1");
        assert_eq!(tickets.url, "http://10.0.0.1:1");
    }
}
