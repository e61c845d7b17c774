//! Tickets service: the service desk — tickets with per-tenant numbers, internal and public
//! notes, lists with filters and cursor pages (PRD §3.4). Publishes `TicketCreated`,
//! `TicketUpdated`, `TicketNoteAdded` and `TimeEntryCreated` through the outbox, and keeps a projection of
//! contracts' companies so lists show company names without calling contracts.

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
    /// How often the SLA job looks for due warnings and breaches, in milliseconds
    /// (`PSA_SLA_JOB_INTERVAL_MS`), default 1000.
    #[serde(default = "default_sla_interval")]
    pub sla_job_interval_ms: u64,
}

fn default_addr() -> String {
    "127.0.0.1:50053".into()
}

fn default_sla_interval() -> u64 {
    1000
}

/// Everything tickets reads from the environment.
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

/// Serves tickets (and SLA management) on `listener` until `shutdown` fires; runs the outbox
/// relay, the company projection and contact merge consumers and the SLA job alongside.
///
/// # Errors
/// Database, NATS, Redis or transport failures at start-up.
pub async fn run(config: Config, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let rt = Runtime::start(&config.service, DB, &MIGRATOR, events::SERVICE, &shutdown).await?;
    let consumer = tokio::spawn(psa_kit::events::consume(
        rt.pool.clone(),
        rt.js.clone(),
        rt.naming.clone(),
        events::company_projection(),
        events::apply_company_event,
        shutdown.clone(),
    ));
    let merges = tokio::spawn(psa_kit::events::consume(
        rt.pool.clone(),
        rt.js.clone(),
        rt.naming.clone(),
        events::contact_merges(),
        events::apply_contact_merged,
        shutdown.clone(),
    ));
    let app = Arc::new(app::Tickets { pool: rt.pool.clone(), naming: rt.naming.clone() });
    let job = tokio::spawn(app::sla::run_job(
        app.clone(),
        std::time::Duration::from_millis(config.settings.sla_job_interval_ms.max(10)),
        shutdown.clone(),
    ));
    let grpc = grpc::Grpc { app: app.clone() };
    let routes = tonic::service::Routes::new(psa_proto::tickets::ticket_service_server::TicketServiceServer::new(grpc))
        .add_service(psa_proto::tickets::sla_service_server::SlaServiceServer::new(grpc::sla::SlaGrpc {
            app: app.clone(),
        }))
        .add_service(psa_proto::tickets::time_service_server::TimeServiceServer::new(grpc::time::TimeGrpc {
            app: app.clone(),
        }))
        .add_service(psa_proto::tickets::knowledge_base_service_server::KnowledgeBaseServiceServer::new(
            grpc::kb::KbGrpc { app: app.clone() },
        ))
        .add_service(psa_proto::tickets::ticket_action_service_server::TicketActionServiceServer::new(
            grpc::ticket_actions::TicketActionGrpc { app },
        ))
        .add_service(psa_kit::export::server(rt.pool.clone(), events::SERVICE));
    let served = psa_kit::server::serve(
        listener,
        routes,
        &[
            "psa.tickets.v1.TicketService",
            "psa.tickets.v1.SlaService",
            "psa.tickets.v1.TimeService",
            psa_kit::export::SERVICE_NAME,
        ],
        rt.verifier.clone(),
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    let _ = consumer.await;
    let _ = merges.await;
    let _ = job.await;
    rt.finish().await;
    served
}
