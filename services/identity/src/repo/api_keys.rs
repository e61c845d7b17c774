//! API keys (tenant-owned): only the SHA-256 of the key is stored.

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// An API key row (without its hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub permissions: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, user_id, name, prefix, permissions, expires_at, last_used_at, revoked_at, created_at";

/// Fields of a new key.
pub struct NewApiKey<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a [u8],
    pub permissions: &'a [String],
    pub expires_at: Option<DateTime<Utc>>,
}

/// Inserts a key.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, k: NewApiKey<'_>) -> Result<ApiKey, sqlx::Error> {
    sqlx::query_as(&format!(
        "insert into api_keys (id, tenant_id, user_id, name, prefix, key_hash, permissions, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(k.user_id)
    .bind(k.name)
    .bind(k.prefix)
    .bind(k.key_hash)
    .bind(k.permissions)
    .bind(k.expires_at)
    .fetch_one(&mut **tx)
    .await
}

/// Every key of `tenant`, newest first.
pub async fn list(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<ApiKey>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from api_keys where tenant_id = $1 order by created_at desc, id desc"))
        .bind(tenant)
        .fetch_all(&mut **tx)
        .await
}

/// The key with `hash`, if any.
pub async fn by_hash(tx: &mut TenantTx, tenant: Uuid, hash: &[u8]) -> Result<Option<ApiKey>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from api_keys where tenant_id = $1 and key_hash = $2"))
        .bind(tenant)
        .bind(hash)
        .fetch_optional(&mut **tx)
        .await
}

/// Revokes key `id` (idempotent); the key, or `None` when it does not exist.
pub async fn revoke(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<ApiKey>, sqlx::Error> {
    sqlx::query_as(&format!(
        "update api_keys set revoked_at = coalesce(revoked_at, now()) where tenant_id = $1 and id = $2 \
         returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Revokes every key of `user_id`; returns their ids.
pub async fn revoke_for_user(tx: &mut TenantTx, tenant: Uuid, user_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "update api_keys set revoked_at = now() where tenant_id = $1 and user_id = $2 and revoked_at is null \
         returning id",
    )
    .bind(tenant)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await
}

/// Records a use of key `id`.
pub async fn touch(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("update api_keys set last_used_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
