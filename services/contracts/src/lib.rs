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
    /// Directory for company attachments (`PSA_ATTACHMENTS_DIR`, shared with tickets), default
    /// `.psa/attachments`; created when missing. Keys are `<tenant>/companies/<company>/<id>`.
    #[serde(default = "default_attachments_dir")]
    pub attachments_dir: String,
    /// Largest file a user may attach to a company, in bytes (`PSA_ATTACHMENT_MAX_BYTES`),
    /// default 8 MiB.
    #[serde(default = "default_attachment_max")]
    pub attachment_max_bytes: usize,
    /// How often the sweeper looks for import jobs left RUNNING by a dead process, in
    /// milliseconds (`PSA_IMPORT_SWEEP_INTERVAL_MS`), default 60000.
    #[serde(default = "default_import_sweep_interval")]
    pub import_sweep_interval_ms: u64,
    /// How long a RUNNING import job may go without progress before the sweeper fails it as
    /// interrupted, in seconds (`PSA_IMPORT_STALE_AFTER_SECS`), default 1800. Imports save
    /// progress every batch (a few hundred to 2000 rows), so this is far above any live gap.
    #[serde(default = "default_import_stale_after")]
    pub import_stale_after_secs: u64,
}

fn default_import_sweep_interval() -> u64 {
    60_000
}

fn default_import_stale_after() -> u64 {
    1800
}

fn default_attachments_dir() -> String {
    psa_kit::attachments::DEFAULT_DIR.into()
}

fn default_attachment_max() -> usize {
    psa_kit::attachments::DEFAULT_MAX_BYTES
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

/// Serves contracts on `listener` until `shutdown` fires; runs the outbox relay, the expiry job,
/// the import sweeper and the consumer of tickets' `TimeEntryApproved` (block hours) alongside.
///
/// # Errors
/// Database, NATS, Redis or transport failures at start-up.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let rt = Runtime::start(&config.service, DB, &MIGRATOR, events::SERVICE, &shutdown).await?;
    let attachments = psa_kit::attachments::AttachmentStore::local(
        &config.settings.attachments_dir,
        config.settings.attachment_max_bytes,
    )?;
    let app = Arc::new(app::Contracts { pool: rt.pool.clone(), naming: rt.naming.clone(), attachments });
    let job = tokio::spawn(app::expiry::run_job(
        app.clone(),
        std::time::Duration::from_millis(config.settings.expiry_job_interval_ms.max(10)),
        shutdown.clone(),
    ));
    let sweeper = tokio::spawn(app::import_jobs::run_sweeper(
        app.clone(),
        std::time::Duration::from_millis(config.settings.import_sweep_interval_ms.max(10)),
        i64::try_from(config.settings.import_stale_after_secs).unwrap_or(i64::MAX),
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
    .add_service(
        psa_proto::contracts::company_attachment_service_server::CompanyAttachmentServiceServer::new(grpc.clone())
            .max_decoding_message_size(config.settings.attachment_max_bytes + 64 * 1024)
            .max_encoding_message_size(config.settings.attachment_max_bytes + 64 * 1024),
    )
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
            "psa.contracts.v1.CompanyAttachmentService",
        ],
        rt.verifier.clone(),
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    let _ = job.await;
    let _ = sweeper.await;
    let _ = hours.await;
    rt.finish().await;
    served
}
