//! Tickets service: client companies and contacts, and the CSV import of companies
//! (PRD §3.3, seeds 001–002). Publishes `CompanyCreated` / `CompanyUpdated` through the outbox.

pub mod app;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod proto;
pub mod repo;

use std::sync::Arc;

use psa_kit::auth::{RemoteKeys, Verifier};
use psa_kit::config::{AuthConfig, DatabaseConfig, NatsConfig, RedisConfig};
use psa_kit::db::ServiceDb;
use psa_kit::events::{Naming, Relay};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Tickets' database identity.
pub const DB: ServiceDb = ServiceDb { schema: "tickets", role: "psa_tickets" };

/// Embedded migrations of the `tickets` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Tickets' own settings.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Listen address (`PSA_TICKETS_ADDR`), default `127.0.0.1:50053`.
    #[serde(default = "default_addr")]
    pub tickets_addr: String,
}

fn default_addr() -> String {
    "127.0.0.1:50053".into()
}

/// Everything tickets reads from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub database: DatabaseConfig,
    pub nats: NatsConfig,
    pub redis: RedisConfig,
    pub auth: AuthConfig,
}

impl Config {
    /// Reads `PSA_*` variables.
    ///
    /// # Errors
    /// A malformed variable.
    pub fn from_env() -> anyhow::Result<Self> {
        use psa_kit::config::from_env;
        Ok(Self {
            settings: from_env()?,
            database: from_env()?,
            nats: from_env()?,
            redis: from_env()?,
            auth: from_env()?,
        })
    }
}

/// Serves tickets on `listener` until `shutdown` fires; runs the outbox relay and the company
/// projection consumer alongside.
///
/// # Errors
/// Database, NATS, Redis or transport failures at start-up.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let pool = psa_kit::db::connect(&config.database, DB, &MIGRATOR).await?;
    let redis = redis::Client::open(config.redis.redis_url.as_str())?.get_connection_manager().await?;
    let (_nats, js) = psa_kit::events::connect(&config.nats).await?;
    let naming = Naming::new(&config.nats);
    let relay = Relay { pool: pool.clone(), js: js.clone(), naming: naming.clone(), service: events::SERVICE };
    let relay = tokio::spawn(relay.run(shutdown.clone()));
    let consumer = tokio::spawn(psa_kit::events::consume(
        pool.clone(),
        js,
        naming.clone(),
        events::company_projection(),
        events::apply_company_event,
        shutdown.clone(),
    ));
    let verifier = Verifier::new(RemoteKeys::new(&config.auth.identity_url)?, redis);
    let grpc = grpc::Grpc { app: Arc::new(app::Tickets { pool: pool.clone(), naming }) };
    let routes = tonic::service::Routes::new(psa_proto::tickets::ticket_service_server::TicketServiceServer::new(grpc));
    let served =
        psa_kit::server::serve(listener, routes, &["psa.tickets.v1.TicketService"], verifier, shutdown.clone()).await;
    shutdown.cancel();
    let _ = relay.await;
    let _ = consumer.await;
    pool.close().await;
    served
}
