//! Contracts service: client companies and contacts, and the CSV import of companies
//! (PRD §3.3, seeds 001–002); the service catalog with versioned scope definition templates,
//! contracts and service scopes (PRD §3.8, seeds 000–001). Publishes `CompanyCreated` /
//! `CompanyUpdated` and `ContractCreated` / `ContractUpdated` through the outbox.

pub mod app;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod proto;
pub mod repo;

use std::sync::Arc;

use psa_kit::db::ServiceDb;
use psa_kit::service::{Runtime, ServiceConfig};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Contracts' database identity.
pub const DB: ServiceDb = ServiceDb { schema: "contracts", role: "psa_contracts" };

/// Embedded migrations of the `contracts` schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Contracts' own settings.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Listen address (`PSA_CONTRACTS_ADDR`), default `127.0.0.1:50052`.
    #[serde(default = "default_addr")]
    pub contracts_addr: String,
}

fn default_addr() -> String {
    "127.0.0.1:50052".into()
}

/// Everything contracts reads from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    pub service: ServiceConfig,
}

impl Config {
    /// Reads `PSA_*` variables.
    ///
    /// # Errors
    /// A malformed variable.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self { settings: psa_kit::config::from_env()?, service: ServiceConfig::from_env()? })
    }
}

/// Serves contracts on `listener` until `shutdown` fires; runs the outbox relay alongside.
///
/// # Errors
/// Database, NATS, Redis or transport failures at start-up.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let rt = Runtime::start(&config.service, DB, &MIGRATOR, events::SERVICE, &shutdown).await?;
    let grpc = grpc::Grpc { app: Arc::new(app::Contracts { pool: rt.pool.clone(), naming: rt.naming.clone() }) };
    let routes = tonic::service::Routes::new(psa_proto::contracts::company_service_server::CompanyServiceServer::new(
        grpc.clone(),
    ))
    .add_service(psa_proto::contracts::contact_service_server::ContactServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::service_catalog_service_server::ServiceCatalogServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::contract_service_server::ContractServiceServer::new(grpc));
    let served = psa_kit::server::serve(
        listener,
        routes,
        &[
            "psa.contracts.v1.CompanyService",
            "psa.contracts.v1.ContactService",
            "psa.contracts.v1.ServiceCatalogService",
            "psa.contracts.v1.ContractService",
        ],
        rt.verifier.clone(),
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    rt.finish().await;
    served
}
