//! The company projection (names for ticket lists), fed by contracts' events.

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// Applies a company snapshot (with its email domains) unless a newer one (by contracts' `update_time`) was applied.
pub async fn upsert(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    name: &str,
    status: &str,
    domains: &[String],
    updated_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into companies (tenant_id, id, name, status, domains, source_updated_at) values ($1, $2, $3, $4, $5, $6) \
         on conflict (tenant_id, id) do update set name = excluded.name, status = excluded.status, domains = excluded.domains, \
         source_updated_at = excluded.source_updated_at where companies.source_updated_at <= excluded.source_updated_at",
    )
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(status)
    .bind(domains)
    .bind(updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
