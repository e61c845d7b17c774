//! Identity service: tenants, staff users, standard and custom roles, login with EdDSA access
//! tokens and rotating refresh tokens, lockout and password policy, sessions, API keys, JWKS
//! (DESIGN.md §4, PRD §3.1, §3.18).
//!
//! [`run`] serves `psa.identity.v1.AuthService` until shutdown; [`bootstrap`] creates a tenant
//! and its admin (used by `scripts/run.sh` through `psa-identity bootstrap`).

pub mod app;
pub mod contacts;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod proto;
pub mod repo;

use std::sync::Arc;

use futures::future::BoxFuture;
use psa_kit::auth::{KeySource, Verifier};
use psa_kit::config::{DatabaseConfig, NatsConfig, RedisConfig, SecretsConfig};
use psa_kit::db::ServiceDb;
use psa_kit::mail::MailConfig;
use serde::Deserialize;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use app::{Bootstrapped, bootstrap, bootstrap_platform, publish_users};

/// Service name: schema, stream (`PSA_IDENTITY`) and audit `service` value.
pub const SERVICE: &str = "identity";

/// Identity's database identity.
pub const DB: ServiceDb = ServiceDb { schema: "identity", role: "psa_identity" };

/// Embedded migrations of the `identity` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Identity's own settings (`PSA_IDENTITY_ADDR`, `PSA_ACCESS_TOKEN_TTL_SECS`,
/// `PSA_REFRESH_TOKEN_TTL_SECS`).
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Listen address, default `127.0.0.1:50051`.
    #[serde(default = "default_addr")]
    pub identity_addr: String,
    /// Access token lifetime in seconds, default 900 (15 minutes).
    #[serde(default = "default_access_ttl")]
    pub access_token_ttl_secs: i64,
    /// Session / refresh token lifetime in seconds, default 2 592 000 (30 days).
    #[serde(default = "default_refresh_ttl")]
    pub refresh_token_ttl_secs: i64,
    /// Services whose audit records (`psa.<service>.audit.recorded`) go into the audit log,
    /// comma-separated; `PSA_AUDIT_SERVICES`, default every service of DESIGN.md §2.
    #[serde(default = "default_audit_services")]
    pub audit_services: String,
    /// Where users reach the web client (`PSA_PUBLIC_URL`), the base of the links in
    /// invitation and password-reset mails; default `http://127.0.0.1:8080`.
    #[serde(default = "default_public_url")]
    pub public_url: String,
    /// contracts' gRPC address (`PSA_CONTRACTS_URL`), to check invited contacts; default
    /// `http://127.0.0.1:50052`.
    #[serde(default = "default_contracts_url")]
    pub contracts_url: String,
}

fn default_public_url() -> String {
    "http://127.0.0.1:8080".into()
}
fn default_contracts_url() -> String {
    "http://127.0.0.1:50052".into()
}
fn default_audit_services() -> String {
    "identity,contracts,tickets,assets,billing,integrations".into()
}

fn default_addr() -> String {
    "127.0.0.1:50051".into()
}
fn default_access_ttl() -> i64 {
    900
}
fn default_refresh_ttl() -> i64 {
    30 * 24 * 3600
}

/// Everything identity reads from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    /// Outbound mail (portal invitations, password resets): `PSA_SMTP_URL`, `PSA_SMTP_FROM`.
    pub mail: MailConfig,
    pub nats: NatsConfig,
    /// `PSA_SECRETS_KEY` / `PSA_ENVIRONMENT`: the key sealing secrets at rest.
    pub secrets: SecretsConfig,
}

impl Config {
    /// Reads `PSA_*` variables.
    ///
    /// # Errors
    /// A malformed variable.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            settings: psa_kit::config::from_env()?,
            database: psa_kit::config::from_env()?,
            redis: psa_kit::config::from_env()?,
            mail: psa_kit::config::from_env()?,
            nats: psa_kit::config::from_env()?,
            secrets: psa_kit::config::from_env()?,
        })
    }
}

/// Identity verifies its own tokens (WhoAmI) with keys read straight from its database.
struct LocalKeys(PgPool);

impl KeySource for LocalKeys {
    fn fetch(&self) -> BoxFuture<'_, anyhow::Result<Vec<psa_proto::identity::Jwk>>> {
        Box::pin(async move {
            let keys = repo::keys::all(&self.0).await?;
            Ok(keys.iter().map(|k| domain::tokens::jwk(&k.kid, &k.public_raw)).collect())
        })
    }
}

/// Connects, migrates and returns the pool (used by `run` and the bootstrap command).
///
/// # Errors
/// Database or migration failures.
pub async fn connect(database: &DatabaseConfig) -> anyhow::Result<PgPool> {
    psa_kit::db::connect(database, DB, &MIGRATOR).await
}

/// Serves identity on `listener` until `shutdown` fires.
///
/// # Errors
/// Database, Redis or transport failures at start-up.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let secrets = psa_kit::secrets::SecretBox::from_config(&config.secrets)?;
    let pool = connect(&config.database).await?;
    let redis = redis::Client::open(config.redis.redis_url.as_str())?.get_connection_manager().await?;
    let naming = psa_kit::events::Naming::new(&config.nats);
    let signing_key = repo::keys::ensure_active(&pool).await?;
    let app = Arc::new(app::Identity {
        pool: pool.clone(),
        redis: redis.clone(),
        signing_key,
        access_ttl_secs: config.settings.access_token_ttl_secs,
        refresh_ttl_secs: config.settings.refresh_token_ttl_secs,
        secrets,
        http: openidconnect::reqwest::Client::builder()
            // Following redirects would open the client to SSRF (openidconnect's advice).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?,
        mailer: psa_kit::mail::Mailer::new(&config.mail)?,
        public_url: config.settings.public_url.clone(),
        naming: naming.clone(),
    });
    app.reassert_suspensions().await?;
    let portal = grpc::portal::PortalGrpc {
        app: app.clone(),
        contacts: contacts::Contacts::new(&config.settings.contracts_url)?,
    };
    let verifier = Verifier::new(LocalKeys(pool.clone()), redis);
    // Identity's own audit records go out through its outbox relay like every service's; the
    // audit log consumes them and every other service's (NATS may still be down: the relay and
    // consumers wait).
    let (_nats, js) = psa_kit::events::connect(&config.nats).await?;
    let relay = psa_kit::events::Relay { pool: pool.clone(), js: js.clone(), naming: naming.clone(), service: SERVICE };
    let mut tasks = vec![tokio::spawn(relay.run(shutdown.clone()))];
    for svc in config.settings.audit_services.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        // Leaked once per configured service at start-up: consumer specs take 'static names.
        let svc: &'static str = Box::leak(svc.to_owned().into_boxed_str());
        let durable: &'static str = Box::leak(format!("identity-audit-{svc}").into_boxed_str());
        tasks.push(tokio::spawn(psa_kit::events::consume(
            pool.clone(),
            js.clone(),
            naming.clone(),
            app::audit::consumer(svc, durable),
            app::audit::apply_record,
            shutdown.clone(),
        )));
    }
    use psa_proto::identity::{
        api_key_service_server::ApiKeyServiceServer, audit_log_service_server::AuditLogServiceServer,
        auth_service_server::AuthServiceServer, identity_provider_service_server::IdentityProviderServiceServer,
        ldap_directory_service_server::LdapDirectoryServiceServer, portal_auth_service_server::PortalAuthServiceServer,
        portal_user_service_server::PortalUserServiceServer, role_service_server::RoleServiceServer,
        security_settings_service_server::SecuritySettingsServiceServer, tenant_service_server::TenantServiceServer,
        user_service_server::UserServiceServer,
    };
    let grpc = grpc::Grpc { app };
    let routes = tonic::service::Routes::new(AuthServiceServer::new(grpc.clone()))
        .add_service(UserServiceServer::new(grpc.clone()))
        .add_service(RoleServiceServer::new(grpc.clone()))
        .add_service(ApiKeyServiceServer::new(grpc.clone()))
        .add_service(AuditLogServiceServer::new(grpc.clone()))
        .add_service(TenantServiceServer::new(grpc.clone()))
        .add_service(IdentityProviderServiceServer::new(grpc.clone()))
        .add_service(LdapDirectoryServiceServer::new(grpc.clone()))
        .add_service(psa_kit::export::server(pool.clone(), SERVICE))
        .add_service(SecuritySettingsServiceServer::new(grpc))
        .add_service(PortalAuthServiceServer::new(portal.clone()))
        .add_service(PortalUserServiceServer::new(portal));
    let services = [
        "psa.identity.v1.AuthService",
        "psa.identity.v1.UserService",
        "psa.identity.v1.RoleService",
        "psa.identity.v1.ApiKeyService",
        "psa.identity.v1.AuditLogService",
        "psa.identity.v1.TenantService",
        "psa.identity.v1.IdentityProviderService",
        "psa.identity.v1.LdapDirectoryService",
        psa_kit::export::SERVICE_NAME,
        "psa.identity.v1.SecuritySettingsService",
        "psa.identity.v1.PortalAuthService",
        "psa.identity.v1.PortalUserService",
    ];
    let served = psa_kit::server::serve(listener, routes, &services, verifier, shutdown.clone()).await;
    shutdown.cancel();
    for t in tasks {
        let _ = t.await;
    }
    pool.close().await;
    served
}
