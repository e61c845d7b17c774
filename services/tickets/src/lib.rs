//! Tickets service: the service desk — tickets with per-tenant numbers, internal and public
//! notes, lists with filters and cursor pages (PRD §3.4). Publishes `TicketCreated`,
//! `TicketUpdated`, `TicketNoteAdded` and `TimeEntryCreated` through the outbox, and keeps a projection of
//! contracts' companies so lists show company names without calling contracts, and of their
//! contacts so email senders are matched. Email to ticket: mailboxes polled over IMAP or fed by
//! the inbound endpoint ([`app::email`]).

pub mod app;
pub mod domain;
pub mod events;
pub mod grpc;
pub mod proto;
pub mod repo;

use std::sync::Arc;

use psa_kit::config::SecretsConfig;
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
    /// Seconds between two IMAP polls of one mailbox (`PSA_EMAIL_POLL_INTERVAL_SECS`), default 60.
    #[serde(default = "default_email_poll_interval")]
    pub email_poll_interval_secs: u64,
    /// Directory for ticket attachments (`PSA_ATTACHMENTS_DIR`), default `.psa/attachments`;
    /// created when missing. Keys are `<tenant>/<ticket>/<attachment id>`.
    #[serde(default = "default_attachments_dir")]
    pub attachments_dir: String,
    /// How often the automation job runs due schedule and no-response rules and sends queued
    /// webhook calls and mails, in milliseconds (`PSA_AUTOMATION_JOB_INTERVAL_MS`), default 1000;
    /// no-response rules look for unanswered tickets at this interval too.
    #[serde(default = "default_automation_interval")]
    pub automation_job_interval_ms: u64,
    /// Largest file a user may attach to a ticket, in bytes (`PSA_ATTACHMENT_MAX_BYTES`),
    /// default 8 MiB (the gateway accepts request bodies up to 10 MiB).
    #[serde(default = "default_attachment_max")]
    pub attachment_max_bytes: usize,
    /// Whether automation webhooks may call private, loopback, link-local and other
    /// non-public addresses (`PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE`), default false: such
    /// targets are refused when a rule is saved (400 on the URL) and when a call is delivered.
    #[serde(default)]
    pub automation_webhook_allow_private: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tickets_addr: default_addr(),
            sla_job_interval_ms: default_sla_interval(),
            email_poll_interval_secs: default_email_poll_interval(),
            attachments_dir: default_attachments_dir(),
            automation_job_interval_ms: default_automation_interval(),
            attachment_max_bytes: default_attachment_max(),
            automation_webhook_allow_private: false,
        }
    }
}

fn default_automation_interval() -> u64 {
    1000
}

fn default_email_poll_interval() -> u64 {
    60
}

fn default_attachment_max() -> usize {
    domain::attachments::DEFAULT_MAX_BYTES
}

fn default_attachments_dir() -> String {
    ".psa/attachments".into()
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
    /// `PSA_SECRETS_KEY` / `PSA_ENVIRONMENT`: the key sealing secrets at rest (IMAP passwords,
    /// webhook secrets of automation rules).
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
            service: ServiceConfig::from_env()?,
            secrets: psa_kit::config::from_env()?,
        })
    }
}

/// Serves tickets (and SLA, time, email) on `listener` until `shutdown` fires; runs the outbox
/// relay, the company, contact and user projection consumers, the SLA job and the mailbox poll job
/// alongside.
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
    let contacts = tokio::spawn(psa_kit::events::consume(
        rt.pool.clone(),
        rt.js.clone(),
        rt.naming.clone(),
        events::contact_projection(),
        events::apply_contact_event,
        shutdown.clone(),
    ));
    let users = tokio::spawn(psa_kit::events::consume(
        rt.pool.clone(),
        rt.js.clone(),
        rt.naming.clone(),
        events::user_projection(),
        events::apply_user_event,
        shutdown.clone(),
    ));
    let store = psa_kit::attachments::AttachmentStore::local(
        &config.settings.attachments_dir,
        config.settings.attachment_max_bytes,
    )?;
    let email = app::email::EmailRuntime {
        secrets: psa_kit::secrets::SecretBox::from_config(&config.secrets)?,
        store,
        poll_interval: std::time::Duration::from_secs(config.settings.email_poll_interval_secs.max(1)),
        mailer: psa_kit::mail::Mailer::new(&config.service.mail)?,
    };
    let secrets = psa_kit::secrets::SecretBox::from_config(&config.secrets)?;
    let automation_interval = std::time::Duration::from_millis(config.settings.automation_job_interval_ms.max(10));
    let automation = app::automation::AutomationRuntime::new(
        secrets,
        automation_interval,
        config.settings.automation_webhook_allow_private,
    )?;
    let app = Arc::new(app::Tickets {
        pool: rt.pool.clone(),
        numbers: psa_kit::db::side_pool(&rt.pool, 2),
        naming: rt.naming.clone(),
        email,
        automation,
    });
    let mut automation_consumers = Vec::new();
    for spec in app::automation::consumers() {
        let app = app.clone();
        automation_consumers.push(tokio::spawn(psa_kit::events::consume(
            rt.pool.clone(),
            rt.js.clone(),
            rt.naming.clone(),
            spec,
            move |tx, envelope| {
                let app = app.clone();
                async move { app.automation_event(tx, envelope).await }
            },
            shutdown.clone(),
        )));
    }
    let automation_job = tokio::spawn(app::automation::run_job(app.clone(), automation_interval, shutdown.clone()));
    let poller = tokio::spawn(app::email::run_poll_job(
        app.clone(),
        std::time::Duration::from_millis(config.settings.sla_job_interval_ms.clamp(10, 1000)),
        shutdown.clone(),
    ));
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
            grpc::ticket_actions::TicketActionGrpc { app: app.clone() },
        ))
        .add_service(psa_proto::tickets::ticket_automation_service_server::TicketAutomationServiceServer::new(
            grpc::automation::AutomationGrpc { app: app.clone() },
        ))
        .add_service(psa_proto::tickets::ticket_settings_service_server::TicketSettingsServiceServer::new(
            grpc::desk::DeskGrpc { app: app.clone() },
        ))
        .add_service(psa_proto::tickets::ticket_template_service_server::TicketTemplateServiceServer::new(
            grpc::templates::TemplateGrpc { app: app.clone() },
        ))
        .add_service(
            psa_proto::tickets::ticket_attachment_service_server::TicketAttachmentServiceServer::new(
                grpc::templates::AttachmentGrpc { app: app.clone() },
            )
            .max_decoding_message_size(config.settings.attachment_max_bytes + 64 * 1024)
            .max_encoding_message_size(config.settings.attachment_max_bytes + 64 * 1024),
        )
        .add_service(psa_kit::export::server(rt.pool.clone(), events::SERVICE))
        .add_service(
            psa_proto::tickets::email_service_server::EmailServiceServer::new(grpc::email::EmailGrpc { app })
                .max_decoding_message_size(crate::domain::email::message::MAX_RAW_BYTES + 64 * 1024),
        );
    let served = psa_kit::server::serve(
        listener,
        routes,
        &[
            "psa.tickets.v1.TicketService",
            "psa.tickets.v1.SlaService",
            "psa.tickets.v1.TimeService",
            psa_kit::export::SERVICE_NAME,
            "psa.tickets.v1.EmailService",
            "psa.tickets.v1.TicketAutomationService",
            "psa.tickets.v1.TicketSettingsService",
            "psa.tickets.v1.TicketTemplateService",
            "psa.tickets.v1.TicketAttachmentService",
        ],
        rt.verifier.clone(),
        shutdown.clone(),
    )
    .await;
    shutdown.cancel();
    let _ = consumer.await;
    let _ = merges.await;
    let _ = contacts.await;
    let _ = users.await;
    let _ = job.await;
    let _ = poller.await;
    let _ = automation_job.await;
    for c in automation_consumers {
        let _ = c.await;
    }
    rt.finish().await;
    served
}
