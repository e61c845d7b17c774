//! Server runtime every PSA service uses (DESIGN.md §2): typed config, telemetry, the
//! database pool with per-service schema/role migrations and tenant-scoped transactions,
//! JWT verification as a tonic layer, domain error → gRPC status, the transactional outbox and
//! its JetStream relay, durable idempotent consumers, list paging, gRPC health and graceful
//! shutdown.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod config;
pub mod convert;
pub mod db;
pub mod error;
pub mod events;
pub mod export;
pub mod list;
pub mod mail;
pub mod secrets;
pub mod server;
pub mod service;
pub mod shutdown;
pub mod telemetry;
pub mod trace_context;

pub use error::{Error, Result};
