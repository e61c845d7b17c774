//! Sessions and their rotating refresh tokens (tenant-owned).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// Where a sign-in came from.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// Client IP address (at most 100 characters).
    pub ip_address: String,
    /// `User-Agent` (truncated to 500 characters).
    pub user_agent: String,
}

/// Creates a session for `user_id` ending at `expires_at`; returns its id.
pub async fn create(
    tx: &mut TenantTx,
    tenant: Uuid,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
    client: &Client,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into sessions (id, tenant_id, user_id, expires_at, ip_address, user_agent) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(tenant)
    .bind(user_id)
    .bind(expires_at)
    .bind(client.ip_address.chars().take(100).collect::<String>())
    .bind(client.user_agent.chars().take(500).collect::<String>())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// A session as listed to its user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip_address: String,
    pub user_agent: String,
}

/// The open (not revoked, not expired) sessions of `user_id`, newest first.
pub async fn open_for_user(tx: &mut TenantTx, tenant: Uuid, user_id: Uuid) -> Result<Vec<Session>, sqlx::Error> {
    sqlx::query_as(
        "select id, created_at, last_seen_at, expires_at, ip_address, user_agent from sessions \
         where tenant_id = $1 and user_id = $2 and revoked_at is null and expires_at > now() \
         order by created_at desc, id desc",
    )
    .bind(tenant)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await
}

/// Revokes the open session `id` of `user_id`; whether there was one.
pub async fn revoke_own(
    tx: &mut TenantTx,
    tenant: Uuid,
    user_id: Uuid,
    id: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "update sessions set revoked_at = now(), revoked_reason = $4 \
         where tenant_id = $1 and user_id = $2 and id = $3 and revoked_at is null",
    )
    .bind(tenant)
    .bind(user_id)
    .bind(id)
    .bind(reason)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Revokes every open session of `user_id` except `keep`; returns their ids.
pub async fn revoke_all(
    tx: &mut TenantTx,
    tenant: Uuid,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "update sessions set revoked_at = now(), revoked_reason = $4 \
         where tenant_id = $1 and user_id = $2 and revoked_at is null and expires_at > now() \
           and ($3::uuid is null or id <> $3) returning id",
    )
    .bind(tenant)
    .bind(user_id)
    .bind(keep)
    .bind(reason)
    .fetch_all(&mut **tx)
    .await
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
