//! Tenant-defined custom roles (tenant-owned).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// A custom role row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomRole {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, description, permissions, created_at, updated_at";

/// Every custom role of `tenant`, by name.
pub async fn list(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<CustomRole>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from roles where tenant_id = $1 order by lower(name)"))
        .bind(tenant)
        .fetch_all(&mut **tx)
        .await
}

/// The custom roles among `ids` in `tenant`.
pub async fn by_ids(tx: &mut TenantTx, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<CustomRole>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from roles where tenant_id = $1 and id = any($2)"))
        .bind(tenant)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await
}

/// The custom roles among `ids`, locked: `for share` while they are being assigned, `for
/// update` while changed or deleted, so a role cannot be deleted while it is being assigned.
pub async fn lock(
    tx: &mut TenantTx,
    tenant: Uuid,
    ids: &[Uuid],
    exclusive: bool,
) -> Result<Vec<CustomRole>, sqlx::Error> {
    let mode = if exclusive { "update" } else { "share" };
    sqlx::query_as(&format!("select {COLUMNS} from roles where tenant_id = $1 and id = any($2) for {mode}"))
        .bind(tenant)
        .bind(ids)
        .fetch_all(&mut **tx)
        .await
}

/// Inserts a role; `Ok(None)` when the name is taken in the tenant.
pub async fn insert(
    tx: &mut TenantTx,
    tenant: Uuid,
    name: &str,
    description: &str,
    permissions: &[String],
) -> Result<Option<CustomRole>, sqlx::Error> {
    sqlx::query_as(&format!(
        "insert into roles (id, tenant_id, name, description, permissions) values ($1, $2, $3, $4, $5) \
         on conflict (tenant_id, lower(name)) do nothing returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .fetch_optional(&mut **tx)
    .await
}

/// Replaces a role's fields; `None` when it does not exist.
pub async fn update(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    name: &str,
    description: &str,
    permissions: &[String],
) -> Result<Option<CustomRole>, sqlx::Error> {
    sqlx::query_as(&format!(
        "update roles set name = $3, description = $4, permissions = $5, updated_at = now() \
         where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(permissions)
    .fetch_optional(&mut **tx)
    .await
}

/// Deletes a role; whether it existed.
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let n = sqlx::query("delete from roles where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(n == 1)
}
