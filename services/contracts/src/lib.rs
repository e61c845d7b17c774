//! Contracts service: client companies (hierarchy, lifecycle with status history, business
//! fields), contacts (with merge), sites, notes, team assignments, the per-company activity
//! timeline and the Client 360 overview, and the CSV import of companies (PRD §3.3, seeds
//! 001–002); the service catalog with versioned scope definition templates,
//! contracts, service scopes, SAFs and COCs (PRD §3.8, seeds 000–002) with a background job
//! announcing contract and COC expiry (`ContractExpiring`/`ContractExpired`,
//! `CocExpiring`/`CocExpired`). Publishes `CompanyCreated` /
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
    /// How often the expiry job looks for contracts and COCs due an expiry alert, in
    /// milliseconds (`PSA_EXPIRY_JOB_INTERVAL_MS`), default 60000.
    #[serde(default = "default_expiry_interval")]
    pub expiry_job_interval_ms: u64,
}

fn default_expiry_interval() -> u64 {
    60_000
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

/// Serves contracts on `listener` until `shutdown` fires; runs the outbox relay, the expiry job
/// and the consumer of tickets' `TimeEntryApproved` (block hours) alongside.
///
/// # Errors
/// Database, NATS, Redis or transport failures at start-up.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let rt = Runtime::start(&config.service, DB, &MIGRATOR, events::SERVICE, &shutdown).await?;
    let app = Arc::new(app::Contracts { pool: rt.pool.clone(), naming: rt.naming.clone() });
    let job = tokio::spawn(app::expiry::run_job(
        app.clone(),
        std::time::Duration::from_millis(config.settings.expiry_job_interval_ms.max(10)),
        shutdown.clone(),
    ));
    let hours = tokio::spawn(psa_kit::events::consume(
        rt.pool.clone(),
        rt.js.clone(),
        rt.naming.clone(),
        events::time_approvals(),
        events::apply_time_entry_approved,
        shutdown.clone(),
    ));
    let grpc = grpc::Grpc { app };
    let routes = tonic::service::Routes::new(psa_proto::contracts::company_service_server::CompanyServiceServer::new(
        grpc.clone(),
    ))
    .add_service(psa_proto::contracts::contact_service_server::ContactServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::service_catalog_service_server::ServiceCatalogServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::contract_service_server::ContractServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::site_service_server::SiteServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::company_note_service_server::CompanyNoteServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::team_assignment_service_server::TeamAssignmentServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::import_service_server::ImportServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::company_overview_service_server::CompanyOverviewServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::proposal_service_server::ProposalServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::rate_card_service_server::RateCardServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::hour_balance_service_server::HourBalanceServiceServer::new(grpc.clone()))
    .add_service(psa_proto::contracts::custom_field_definition_service_server::CustomFieldDefinitionServiceServer::new(
        grpc,
    ))
    .add_service(psa_kit::export::server(rt.pool.clone(), events::SERVICE));
    let served = psa_kit::server::serve(
        listener,
        routes,
        &[
            "psa.contracts.v1.CompanyService",
            "psa.contracts.v1.ContactService",
            "psa.contracts.v1.ServiceCatalogService",
            "psa.contracts.v1.ContractService",
            psa_kit::export::SERVICE_NAME,
            "psa.contracts.v1.SiteService",
            "psa.contracts.v1.CompanyNoteService",
            "psa.contracts.v1.TeamAssignmentService",
            "psa.contracts.v1.CompanyOverviewService",
            "psa.contracts.v1.ImportService",
            "psa.contracts.v1.ProposalService",
            "psa.contracts.v1.RateCardService",
            "psa.contracts.v1.HourBalanceService",
            "psa.contracts.v1.CustomFieldDefinitionService",
        ],
        rt.verifier.clone(),
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    let _ = job.await;
    let _ = hours.await;
    rt.finish().await;
    served
}
