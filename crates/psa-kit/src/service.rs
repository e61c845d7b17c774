//! What every event-publishing service holds: its database pool (migrated, own role), the
//! JetStream context and subject naming, the outbox relay, and the token verifier.

use std::sync::Arc;

use async_nats::jetstream;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::{RemoteKeys, Verifier};
use crate::config::{AuthConfig, DatabaseConfig, NatsConfig, RedisConfig, from_env};
use crate::db::ServiceDb;
use crate::events::{Naming, Relay};
use crate::mail::MailConfig;

/// The shared part of a service's configuration (`PSA_DATABASE_*`, `PSA_NATS_*`,
/// `PSA_REDIS_URL`, `PSA_IDENTITY_URL`, `PSA_SMTP_*`).
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub database: DatabaseConfig,
    pub nats: NatsConfig,
    pub redis: RedisConfig,
    pub auth: AuthConfig,
    /// Outbound mail; a service that sends mail builds a [`crate::mail::Mailer`] from it.
    pub mail: MailConfig,
}

impl ServiceConfig {
    /// Reads `PSA_*` variables.
    ///
    /// # Errors
    /// A malformed variable.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self { database: from_env()?, nats: from_env()?, redis: from_env()?, auth: from_env()?, mail: from_env()? })
    }
}

/// A running service's connections and background relay.
pub struct Runtime {
    pub pool: PgPool,
    pub js: jetstream::Context,
    pub naming: Naming,
    pub verifier: Arc<Verifier>,
    relay: JoinHandle<()>,
}

impl Runtime {
    /// Migrates the service's schema, connects to Redis and NATS (NATS may still be down: the
    /// client keeps retrying and the relay waits), and starts the outbox relay of `service`.
    ///
    /// # Errors
    /// Database, migration or Redis failures, or malformed URLs.
    pub async fn start(
        config: &ServiceConfig,
        db: ServiceDb,
        migrator: &Migrator,
        service: &'static str,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<Self> {
        let pool = crate::db::connect(&config.database, db, migrator).await?;
        let client = redis::Client::open(config.redis.redis_url.as_str())?;
        let redis = client.get_connection_manager().await?;
        let (_client, js) = crate::events::connect(&config.nats).await?;
        let naming = Naming::new(&config.nats);
        let relay = Relay { pool: pool.clone(), js: js.clone(), naming: naming.clone(), service };
        let relay = tokio::spawn(relay.run(shutdown.clone()));
        let verifier = Verifier::new(RemoteKeys::new(&config.auth.identity_url)?, redis);
        Ok(Self { pool, js, naming, verifier, relay })
    }

    /// Waits for the relay (after shutdown fired) and closes the pool.
    pub async fn finish(self) {
        let _ = self.relay.await;
        self.pool.close().await;
    }
}
