//! Server runtime every PSA service uses (DESIGN.md §2): typed config, telemetry, the
//! database pool with per-service schema/role migrations and tenant-scoped transactions,
//! JWT verification as a tonic layer, domain error → gRPC status, the transactional outbox and
//! its JetStream relay, durable idempotent consumers, gRPC health and graceful shutdown.

pub mod config;
pub mod shutdown;
pub mod telemetry;
