//! Typed configuration from `PSA_*` environment variables (DESIGN.md §7).
//!
//! Each binary declares one `serde::Deserialize` struct whose field `foo_bar` is read from
//! `PSA_FOO_BAR`; `#[serde(default = ...)]` gives defaults that run locally. Shared pieces
//! ([`DatabaseConfig`], [`NatsConfig`], …) are flattened into service configs.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Reads `T` from the `PSA_*` environment variables.
///
/// # Errors
/// A message naming the variable that is missing or malformed.
pub fn from_env<T: DeserializeOwned>() -> anyhow::Result<T> {
    from_iter(std::env::vars())
}

/// Reads `T` from `(name, value)` pairs as if they were the environment (for tests).
///
/// # Errors
/// A message naming the variable that is missing or malformed.
pub fn from_iter<T: DeserializeOwned>(vars: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<T> {
    envy::prefixed("PSA_").from_iter(vars).map_err(|e| anyhow::anyhow!("configuration (PSA_* environment): {e}"))
}

/// PostgreSQL connection. `PSA_DATABASE_URL`, default
/// `postgres://postgres@127.0.0.1:5432/psa`. The URL's user must own (or be able to create)
/// the service's schema; at run time each connection switches to the service's own role.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseConfig {
    #[serde(default = "default_database_url")]
    pub database_url: String,
    /// Pool size per process, `PSA_DATABASE_MAX_CONNECTIONS`, default 10.
    #[serde(default = "default_max_connections")]
    pub database_max_connections: u32,
}

fn default_database_url() -> String {
    "postgres://postgres@127.0.0.1:5432/psa".into()
}
fn default_max_connections() -> u32 {
    10
}

/// NATS JetStream. `PSA_NATS_URL`, default `nats://127.0.0.1:4222`; `PSA_NATS_NAMESPACE`
/// (default empty) prefixes every subject (`<ns>.psa.…`) and stream name (`<NS>_…`) so that
/// several installs or test runs can share one NATS server.
#[derive(Debug, Clone, Deserialize)]
pub struct NatsConfig {
    #[serde(default = "default_nats_url")]
    pub nats_url: String,
    #[serde(default)]
    pub nats_namespace: String,
}

fn default_nats_url() -> String {
    "nats://127.0.0.1:4222".into()
}

/// Redis. `PSA_REDIS_URL`, default `redis://127.0.0.1:6379`.
#[derive(Debug, Clone, Deserialize)]
pub struct RedisConfig {
    #[serde(default = "default_redis_url")]
    pub redis_url: String,
}

fn default_redis_url() -> String {
    "redis://127.0.0.1:6379".into()
}

/// Logging and tracing. `PSA_LOG` (an `EnvFilter` directive, default `info`),
/// `PSA_LOG_FORMAT` (`text` or `json`, default `text`), `PSA_OTLP_ENDPOINT` (OTLP/gRPC
/// collector URL such as `http://127.0.0.1:4317`; unset disables export).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct TelemetryConfig {
    #[serde(default)]
    pub log: Option<String>,
    #[serde(default)]
    pub log_format: Option<String>,
    #[serde(default)]
    pub otlp_endpoint: Option<String>,
}

/// Where services find identity's public keys. `PSA_IDENTITY_URL`, default
/// `http://127.0.0.1:50051` (identity's gRPC address).
#[derive(Debug, Clone, Deserialize)]
pub struct AuthConfig {
    #[serde(default = "default_identity_url")]
    pub identity_url: String,
}

fn default_identity_url() -> String {
    "http://127.0.0.1:50051".into()
}

/// Encryption of secrets at rest ([`crate::secrets::SecretBox`]).
///
/// - `PSA_SECRETS_KEY`: 32 random bytes, standard base64 (`openssl rand -base64 32`).
/// - `PSA_ENVIRONMENT`: `development` (default) or `production`. In production a missing key
///   is a start-up error; in development the documented, public development key is used
///   (secrets are then only obfuscated).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct SecretsConfig {
    #[serde(default)]
    pub secrets_key: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
}
