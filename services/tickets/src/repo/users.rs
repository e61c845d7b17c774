//! The user projection (identity's staff users: email and name for notifications), fed by
//! identity's `user.created` / `user.updated` events.

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// A projected staff user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// Whether identity's status is `active`.
    pub active: bool,
}

/// Applies a user snapshot unless a newer one (by identity's `updated_at`) was applied.
pub async fn upsert(
    tx: &mut TenantTx,
    tenant: Uuid,
    u: &StaffUser,
    updated_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into users (tenant_id, id, email, display_name, active, source_updated_at) \
         values ($1, $2, $3, $4, $5, $6) \
         on conflict (tenant_id, id) do update set email = excluded.email, display_name = excluded.display_name, \
         active = excluded.active, source_updated_at = excluded.source_updated_at \
         where users.source_updated_at <= excluded.source_updated_at",
    )
    .bind(tenant)
    .bind(u.id)
    .bind(&u.email)
    .bind(&u.display_name)
    .bind(u.active)
    .bind(updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The projected users among `ids` (active or not), in no particular order; unknown ids are
/// left out.
pub async fn by_ids(tx: &mut TenantTx, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<StaffUser>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as("select id, email, display_name, active from users where tenant_id = $1 and id = any($2)")
        .bind(tenant)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await
}
