//! Sessions and their rotating refresh tokens (tenant-owned).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// Creates a session for `user_id` ending at `expires_at`; returns its id.
pub async fn create(
    tx: &mut TenantTx,
    tenant: Uuid,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query("insert into sessions (id, tenant_id, user_id, expires_at) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(tenant)
        .bind(user_id)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// Stores a refresh token hash for `session_id`.
pub async fn insert_refresh(
    tx: &mut TenantTx,
    tenant: Uuid,
    session_id: Uuid,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("insert into refresh_tokens (token_hash, tenant_id, session_id, expires_at) values ($1, $2, $3, $4)")
        .bind(hash)
        .bind(tenant)
        .bind(session_id)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A refresh token with its session, locked for update.
#[derive(Debug, sqlx::FromRow)]
pub struct RefreshRow {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub session_revoked_at: Option<DateTime<Utc>>,
    pub session_expires_at: DateTime<Utc>,
}

/// Finds a refresh token by hash and locks it (concurrent refreshes with one token serialise:
/// the second sees it used).
pub async fn find_refresh(tx: &mut TenantTx, tenant: Uuid, hash: &[u8]) -> Result<Option<RefreshRow>, sqlx::Error> {
    sqlx::query_as(
        "select r.session_id, s.user_id, r.expires_at, r.used_at, s.revoked_at as session_revoked_at, \
                s.expires_at as session_expires_at \
         from refresh_tokens r join sessions s on s.id = r.session_id and s.tenant_id = r.tenant_id \
         where r.tenant_id = $1 and r.token_hash = $2 for update of r",
    )
    .bind(tenant)
    .bind(hash)
    .fetch_optional(&mut **tx)
    .await
}

/// Marks a refresh token used and the session seen.
pub async fn mark_used(tx: &mut TenantTx, tenant: Uuid, hash: &[u8], session_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("update refresh_tokens set used_at = now() where tenant_id = $1 and token_hash = $2")
        .bind(tenant)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    sqlx::query("update sessions set last_seen_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(session_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Revokes a session (idempotent) with a reason such as `logout` or `refresh_token_reuse`.
pub async fn revoke(tx: &mut TenantTx, tenant: Uuid, session_id: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update sessions set revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, $3) where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(session_id)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
