//! Test harness (DESIGN.md §8). Real PostgreSQL, NATS and Redis; nothing is mocked.
//!
//! - [`Stack::start`] creates a fresh database (`psa_t_<unix time>_<random>`), picks a unique
//!   NATS namespace, and starts identity, contracts, tickets and the gateway in this process
//!   on `127.0.0.1:0`, exactly as their binaries do. Databases older than two hours from
//!   earlier runs are dropped on the way.
//! - [`NatsServer`] runs a private `nats-server -js` (own port and store directory) that a test
//!   may stop and restart.
//! - [`Api`] is a small REST client for the gateway.
//! - [`oidc::OidcProvider`] is a local OpenID Connect provider and [`slapd::Slapd`] a private
//!   OpenLDAP server, for the SSO and LDAP login tests.
//! - [`smtp::SmtpSink`] is a local SMTP server recording every message, for
//!   [`StackOptions::smtp_url`].
//! - [`imap::Dovecot`] runs a private Dovecot IMAP server (TLS, self-signed) with one user.
//!
//! Settings: `PSA_TEST_DATABASE_URL` (a superuser URL, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), `PSA_TEST_NATS_URL` (default
//! `nats://127.0.0.1:4222`), `PSA_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`).

pub mod imap;
pub mod oidc;
pub mod slapd;
pub mod smtp;

use std::path::PathBuf;
use std::time::Duration;

use psa_kit::config::{AuthConfig, DatabaseConfig, NatsConfig, RedisConfig};
use psa_kit::mail::MailConfig;
use psa_kit::service::ServiceConfig;
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_owned())
}

/// Superuser URL of the test cluster's maintenance database.
pub fn admin_url() -> String {
    env_or("PSA_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Creates an empty database and returns its URL; drops test databases older than 2 hours.
///
/// # Panics
/// When PostgreSQL cannot be reached: the tests need it.
pub async fn fresh_database() -> String {
    let admin = admin_url();
    let mut conn = PgConnection::connect(&admin).await.expect("PostgreSQL reachable at PSA_TEST_DATABASE_URL");
    let now = chrono::Utc::now().timestamp();
    let old: Vec<String> = sqlx::query_scalar("select datname from pg_database where datname like 'psa\\_t\\_%'")
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
    for name in old {
        let ts: Option<i64> = name.split('_').nth(2).and_then(|s| s.parse().ok());
        if ts.is_some_and(|ts| now - ts > 7200) {
            let _ = conn.execute(format!("drop database if exists {name} with (force)").as_str()).await;
        }
    }
    let name = format!("psa_t_{now}_{}", &Uuid::new_v4().simple().to_string()[..12]);
    conn.execute(format!("create database {name}").as_str()).await.expect("create test database");
    with_database(&admin, &name)
}

async fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = l.local_addr().expect("local addr").to_string();
    (l, addr)
}

/// What a stack connects to.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// NATS server URL; default `PSA_TEST_NATS_URL`.
    pub nats_url: String,
    /// The gateway's login limit per client IP per minute; default 10 000 (tests log in a
    /// lot, all from 127.0.0.1).
    pub login_rate_limit_per_minute: u32,
    /// The gateway's login limit per tenant + email per minute; default 10 000.
    pub login_account_rate_limit_per_minute: u32,
    /// `PSA_SMTP_URL` of every service, e.g. [`smtp::SmtpSink::url`]; default unset (no mail).
    pub smtp_url: Option<String>,
    /// The gateway's API limit per client IP per minute; default 1 000 000.
    pub rate_limit_per_ip_per_minute: u32,
    /// The gateway's API limit per tenant per minute; default 1 000 000.
    pub rate_limit_per_tenant_per_minute: u32,
    /// The gateway's trusted proxies (`PSA_TRUSTED_PROXIES`); default none.
    pub trusted_proxies: String,
    /// Database pool size of each service; default 5 (many stacks run side by side in the
    /// tests; the benchmarks use the services' production default, 10, or more).
    pub database_max_connections: u32,
    /// tickets' `PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE`; default true (test webhook receivers
    /// listen on 127.0.0.1).
    pub webhook_allow_private: bool,
    /// The gateway's import upload limit in bytes (`PSA_IMPORT_MAX_BYTES`); default 200 MiB.
    pub import_max_bytes: u64,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            nats_url: env_or("PSA_TEST_NATS_URL", "nats://127.0.0.1:4222"),
            login_rate_limit_per_minute: 10_000,
            login_account_rate_limit_per_minute: 10_000,
            smtp_url: None,
            rate_limit_per_ip_per_minute: 1_000_000,
            rate_limit_per_tenant_per_minute: 1_000_000,
            trusted_proxies: String::new(),
            database_max_connections: 5,
            webhook_allow_private: true,
            import_max_bytes: psa_gateway::config::DEFAULT_IMPORT_MAX_BYTES,
        }
    }
}

/// A tenant and its admin, made by [`Stack::create_tenant`].
#[derive(Debug, Clone)]
pub struct TenantAdmin {
    pub tenant_id: Uuid,
    pub slug: String,
    pub email: String,
    pub password: String,
}

/// Every service and the gateway, in-process, on one fresh database.
pub struct Stack {
    /// URL of the stack's database (superuser).
    pub database_url: String,
    /// The NATS settings the services use (unique namespace).
    pub nats: NatsConfig,
    pub identity_url: String,
    pub contracts_url: String,
    pub tickets_url: String,
    /// The services' mail settings (`smtp_url` from [`StackOptions`], from `PSA <psa@msp.example>`).
    pub mail: MailConfig,
    /// Where tickets and contracts keep attachment bytes (a fresh temp directory, removed by
    /// [`Stack::stop`]).
    pub attachments_dir: PathBuf,
    gateway_url: String,
    shutdown: CancellationToken,
    tasks: Vec<(&'static str, JoinHandle<anyhow::Result<()>>)>,
}

impl Stack {
    /// Starts a stack on the shared NATS server; see the crate docs.
    pub async fn start() -> Self {
        Self::start_with(StackOptions::default()).await
    }

    /// Starts a stack with `options`, and waits until the gateway's `/readyz` is 200.
    ///
    /// # Panics
    /// When a service fails to start or the stack is not ready within 60 s.
    pub async fn start_with(options: StackOptions) -> Self {
        let database_url = fresh_database().await;
        let database = DatabaseConfig {
            database_url: database_url.clone(),
            database_max_connections: options.database_max_connections,
        };
        let nats = NatsConfig {
            nats_url: options.nats_url,
            nats_namespace: format!("t{}", &Uuid::new_v4().simple().to_string()[..12]),
        };
        let redis = RedisConfig { redis_url: env_or("PSA_TEST_REDIS_URL", "redis://127.0.0.1:6379") };
        let shutdown = CancellationToken::new();
        let attachments_dir = std::env::temp_dir().join(format!("psa-attachments-{}", nats.nats_namespace));
        let (id_l, id_addr) = listener().await;
        let (co_l, co_addr) = listener().await;
        let (ti_l, ti_addr) = listener().await;
        let (gw_l, gw_addr) = listener().await;
        let identity_url = format!("http://{id_addr}");
        let auth = AuthConfig { identity_url: identity_url.clone() };
        let mail = MailConfig { smtp_url: options.smtp_url, smtp_from: "PSA <psa@msp.example>".into() };
        let service = ServiceConfig {
            database: database.clone(),
            nats: nats.clone(),
            redis: redis.clone(),
            auth,
            mail: mail.clone(),
        };
        // Migrations run one service at a time (psa-kit takes an advisory lock), so start
        // order does not matter; identity first makes JWKS available soonest.
        let identity = psa_identity::Config {
            settings: psa_identity::Settings {
                identity_addr: id_addr.clone(),
                access_token_ttl_secs: 900,
                refresh_token_ttl_secs: 3600,
                audit_services: "identity,contracts,tickets".into(),
                public_url: format!("http://{gw_addr}"),
                contracts_url: format!("http://{co_addr}"),
            },
            database: database.clone(),
            redis: redis.clone(),
            mail: mail.clone(),
            nats: nats.clone(),
            secrets: psa_kit::config::SecretsConfig::default(),
        };
        let contracts = psa_contracts::Config {
            settings: psa_contracts::Settings {
                contracts_addr: co_addr.clone(),
                expiry_job_interval_ms: 200,
                attachments_dir: attachments_dir.display().to_string(),
                attachment_max_bytes: 1024 * 1024,
                import_sweep_interval_ms: 1000,
                import_stale_after_secs: 1800,
            },
            service: service.clone(),
        };
        let tickets = psa_tickets::Config {
            settings: psa_tickets::Settings {
                tickets_addr: ti_addr.clone(),
                sla_job_interval_ms: 200,
                email_poll_interval_secs: 3600,
                attachments_dir: attachments_dir.display().to_string(),
                automation_job_interval_ms: 200,
                attachment_max_bytes: 1024 * 1024,
                automation_webhook_allow_private: options.webhook_allow_private,
            },
            service: service.clone(),
            secrets: psa_kit::config::SecretsConfig::default(),
        };
        let gateway = psa_gateway::GatewayConfig {
            gateway_addr: gw_addr.clone(),
            identity_url: identity_url.clone(),
            contracts_url: format!("http://{co_addr}"),
            tickets_url: format!("http://{ti_addr}"),
            web_dir: web_dir(),
            cors_origins: String::new(),
            telemetry: Default::default(),
            redis: redis.clone(),
            login_rate_limit_per_minute: options.login_rate_limit_per_minute,
            login_account_rate_limit_per_minute: options.login_account_rate_limit_per_minute,
            rate_limit_per_ip_per_minute: options.rate_limit_per_ip_per_minute,
            rate_limit_per_tenant_per_minute: options.rate_limit_per_tenant_per_minute,
            trusted_proxies: options.trusted_proxies.clone(),
            // Stacks share one Redis: their rate-limit counters must not.
            rate_limit_key_prefix: format!("psa:{}:", nats.nats_namespace),
            public_url: None,
            import_max_bytes: options.import_max_bytes,
        };
        let tasks = vec![
            ("identity", tokio::spawn(psa_identity::run(identity, id_l, shutdown.clone()))),
            ("contracts", tokio::spawn(psa_contracts::run(contracts, co_l, shutdown.clone()))),
            ("tickets", tokio::spawn(psa_tickets::run(tickets, ti_l, shutdown.clone()))),
            ("gateway", tokio::spawn(psa_gateway::run(gateway, gw_l, shutdown.clone()))),
        ];
        let mut stack = Self {
            database_url,
            nats,
            identity_url,
            contracts_url: format!("http://{co_addr}"),
            tickets_url: format!("http://{ti_addr}"),
            mail,
            attachments_dir,
            gateway_url: format!("http://{gw_addr}"),
            shutdown,
            tasks,
        };
        stack.wait_ready().await;
        stack
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(i) = self.tasks.iter().position(|(_, t)| t.is_finished()) {
                let (name, task) = self.tasks.remove(i);
                panic!("{name} stopped during start-up: {:?}", task.await);
            }
            if let Ok(r) = client.get(format!("{}/readyz", self.gateway_url)).send().await
                && r.status().is_success()
            {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "stack not ready within 60 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:PORT` of the gateway.
    pub fn gateway_url(&self) -> String {
        self.gateway_url.clone()
    }

    /// Creates tenant `slug` with admin `admin@<slug>.example` and a generated password.
    ///
    /// # Panics
    /// On database errors.
    pub async fn create_tenant(&self, slug: &str) -> TenantAdmin {
        let pool = psa_identity::connect(&DatabaseConfig {
            database_url: self.database_url.clone(),
            database_max_connections: 1,
        })
        .await
        .expect("identity db");
        let email = format!("admin@{slug}.example");
        let password = format!("pw-{}", Uuid::new_v4().simple());
        let naming = psa_kit::events::Naming::new(&self.nats);
        let out = psa_identity::bootstrap(&pool, &naming, slug, &format!("{slug} MSP"), &email, Some(&password))
            .await
            .expect("bootstrap tenant");
        pool.close().await;
        TenantAdmin { tenant_id: out.tenant_id, slug: slug.to_owned(), email, password }
    }

    /// Runs what `psa-identity publish-users [--tenant SLUG]` runs: announces the staff users of
    /// tenant `slug` (every tenant for `None`) again; returns (tenants, users) announced.
    ///
    /// # Errors
    /// As [`psa_identity::publish_users`].
    ///
    /// # Panics
    /// When PostgreSQL is unreachable.
    pub async fn publish_users(&self, slug: Option<&str>) -> psa_kit::Result<(usize, usize)> {
        let pool = psa_identity::connect(&DatabaseConfig {
            database_url: self.database_url.clone(),
            database_max_connections: 1,
        })
        .await
        .expect("identity db");
        let out = psa_identity::publish_users(&pool, &psa_kit::events::Naming::new(&self.nats), slug).await;
        pool.close().await;
        out
    }

    /// Creates the platform (SaaS operator) tenant `slug` whose admin `admin@<slug>.example` is
    /// also a Super Admin (`psa-identity bootstrap --platform`).
    ///
    /// # Panics
    /// On database errors.
    pub async fn create_platform_tenant(&self, slug: &str) -> TenantAdmin {
        let pool = psa_identity::connect(&DatabaseConfig {
            database_url: self.database_url.clone(),
            database_max_connections: 1,
        })
        .await
        .expect("identity db");
        let email = format!("admin@{slug}.example");
        let password = format!("pw-{}", Uuid::new_v4().simple());
        let naming = psa_kit::events::Naming::new(&self.nats);
        let out = psa_identity::bootstrap_platform(
            &pool,
            &naming,
            slug,
            &format!("{slug} operator"),
            &email,
            Some(&password),
        )
        .await
        .expect("bootstrap platform tenant");
        assert!(out.platform, "{slug} is the platform tenant");
        pool.close().await;
        TenantAdmin { tenant_id: out.tenant_id, slug: slug.to_owned(), email, password }
    }

    /// Logs `admin` in over REST and returns a client carrying the access token, plus the
    /// login response (`accessToken`, `refreshToken`, `expiresIn`).
    ///
    /// # Panics
    /// When the login fails.
    pub async fn login(&self, admin: &TenantAdmin) -> (Api, Value) {
        let anon = Api::new(&self.gateway_url, None);
        let (status, body) = anon
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"tenant": admin.slug, "email": admin.email, "password": admin.password}),
            )
            .await;
        assert_eq!(status, 200, "login failed: {body}");
        let token = body["accessToken"].as_str().expect("accessToken").to_owned();
        (Api::new(&self.gateway_url, Some(token)), body)
    }

    /// A superuser connection to the stack's database (for checks that bypass services).
    ///
    /// # Panics
    /// When PostgreSQL is unreachable.
    pub async fn db(&self) -> PgConnection {
        PgConnection::connect(&self.database_url).await.expect("connect test database")
    }

    /// Signs `claims` with identity's current key, as identity would (for tokens identity
    /// cannot issue yet, e.g. portal users, and for tampering tests).
    ///
    /// # Panics
    /// When identity has no key yet (it creates one at start-up).
    pub async fn mint_token(&self, claims: &psa_kit::auth::Claims) -> String {
        let mut db = self.db().await;
        let (kid, der): (String, Vec<u8>) =
            sqlx::query_as("select kid, private_der from identity.signing_keys order by created_at desc limit 1")
                .fetch_one(&mut db)
                .await
                .expect("identity signing key");
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(kid);
        jsonwebtoken::encode(&header, claims, &jsonwebtoken::EncodingKey::from_ed_der(&der)).expect("sign")
    }

    /// Claims of a 15-minute token for `tenant_id` of the given kind and permissions.
    pub fn claims(
        tenant_id: Uuid,
        kind: psa_core::PrincipalKind,
        perms: &[&str],
        company: Option<Uuid>,
    ) -> psa_kit::auth::Claims {
        let now = chrono::Utc::now().timestamp();
        psa_kit::auth::Claims {
            sub: Uuid::now_v7(),
            tid: tenant_id,
            kind,
            perms: perms.iter().map(|p| (*p).to_owned()).collect(),
            sid: Uuid::now_v7(),
            cid: company,
            iat: now,
            exp: now + 900,
            iss: psa_kit::auth::ISSUER.into(),
            aud: psa_kit::auth::AUDIENCE.into(),
        }
    }

    /// A REST client for a portal user (Client User) of `company_id` in `tenant_id`, with read
    /// and write access to tickets and read access to companies, contacts and contracts.
    pub async fn portal_api(&self, tenant_id: Uuid, company_id: Uuid) -> Api {
        let perms = ["companies.read", "contacts.read", "contracts.read", "tickets.read", "tickets.write"];
        let token =
            self.mint_token(&Self::claims(tenant_id, psa_core::PrincipalKind::Portal, &perms, Some(company_id))).await;
        Api::new(&self.gateway_url, Some(token))
    }

    /// Stops every service and waits for them (graceful shutdown).
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        for (name, task) in self.tasks.drain(..) {
            match tokio::time::timeout(Duration::from_secs(15), task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => panic!("{name} failed: {e:?}"),
                Ok(Err(e)) => panic!("{name} panicked: {e}"),
                Err(_) => panic!("{name} did not stop within 15 s"),
            }
        }
        let _ = std::fs::remove_dir_all(&self.attachments_dir);
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// `web/dist` of the workspace (the built web client).
pub fn web_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist"))
}

/// A JSON REST client for the gateway.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    /// A client for `base` (`http://127.0.0.1:PORT`), with an optional bearer token.
    pub fn new(base: &str, token: Option<String>) -> Self {
        Self { base: base.to_owned(), token, http: reqwest::Client::new() }
    }

    /// The bearer token, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Sends a request and returns the status and the JSON body (`Null` when empty/not JSON).
    ///
    /// # Panics
    /// When the gateway cannot be reached.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<RequestBody>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        req = match body {
            None => req,
            Some(RequestBody::Json(v)) => req.json(&v),
            Some(RequestBody::Raw { content_type, bytes }) => req.header("content-type", content_type).body(bytes),
        };
        let resp = req.send().await.expect("gateway reachable");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GET.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(RequestBody::Json(body.clone()))).await
    }

    /// PATCH JSON.
    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(RequestBody::Json(body.clone()))).await
    }

    /// PUT JSON.
    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(RequestBody::Json(body.clone()))).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// POST raw bytes with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(RequestBody::Raw { content_type: content_type.to_owned(), bytes }))
            .await
    }
}

/// A request body for [`Api::send`].
pub enum RequestBody {
    Json(Value),
    Raw { content_type: String, bytes: Vec<u8> },
}

/// A private `nats-server -js` on its own port and store directory.
pub struct NatsServer {
    port: u16,
    store: PathBuf,
    child: Option<tokio::process::Child>,
}

impl NatsServer {
    /// Starts one and waits until it accepts connections.
    ///
    /// # Panics
    /// When `nats-server` is not installed or does not start.
    pub async fn start() -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let store = std::env::temp_dir().join(format!("psa-nats-{}", Uuid::new_v4().simple()));
        let mut s = Self { port, store, child: None };
        s.restart().await;
        s
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would).
    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }

    /// (Re)starts the server on the same port and store.
    ///
    /// # Panics
    /// When it does not accept connections within 10 s.
    pub async fn restart(&mut self) {
        self.stop().await;
        let bin = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("nats-server");
        let child = tokio::process::Command::new(bin)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"])
            .arg(&self.store)
            .kill_on_drop(true)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server installed (scripts/deps.sh)");
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "nats-server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `secs` seconds.
///
/// # Panics
/// With `what` when time runs out.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
