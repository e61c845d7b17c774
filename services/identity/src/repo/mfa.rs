//! TOTP enrolments, recovery codes and login challenges (tenant-owned).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// A user's TOTP enrolment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Enrolment {
    /// Raw secret bytes (20).
    pub secret: Vec<u8>,
    /// Set once a code was verified; `None` while pending.
    pub activated_at: Option<DateTime<Utc>>,
    /// Last accepted 30-second step (Unix seconds / 30).
    pub last_used_step: Option<i64>,
}

/// `user`'s enrolment, row locked for update (code checks serialise).
pub async fn lock(tx: &mut TenantTx, tenant: Uuid, user: Uuid) -> Result<Option<Enrolment>, sqlx::Error> {
    sqlx::query_as(
        "select secret, activated_at, last_used_step from user_mfa where tenant_id = $1 and user_id = $2 for update",
    )
    .bind(tenant)
    .bind(user)
    .fetch_optional(&mut **tx)
    .await
}

/// Whether `user` has an active second factor.
pub async fn is_active(tx: &mut TenantTx, tenant: Uuid, user: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from user_mfa where tenant_id = $1 and user_id = $2 and activated_at is not null)",
    )
    .bind(tenant)
    .bind(user)
    .fetch_one(&mut **tx)
    .await
}

/// Stores a new pending enrolment with `secret`, replacing a pending one.
pub async fn upsert_pending(tx: &mut TenantTx, tenant: Uuid, user: Uuid, secret: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into user_mfa (tenant_id, user_id, secret) values ($1, $2, $3) \
         on conflict (tenant_id, user_id) do update set secret = excluded.secret, activated_at = null, \
         last_used_step = null, created_at = now()",
    )
    .bind(tenant)
    .bind(user)
    .bind(secret)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records `step` as used (and activates a pending enrolment).
pub async fn use_step(tx: &mut TenantTx, tenant: Uuid, user: Uuid, step: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update user_mfa set last_used_step = $3, activated_at = coalesce(activated_at, now()) \
         where tenant_id = $1 and user_id = $2",
    )
    .bind(tenant)
    .bind(user)
    .bind(step)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes `user`'s enrolment and recovery codes.
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("delete from mfa_recovery_codes where tenant_id = $1 and user_id = $2")
        .bind(tenant)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from user_mfa where tenant_id = $1 and user_id = $2")
        .bind(tenant)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces `user`'s recovery codes with `hashes`.
pub async fn replace_recovery_codes(
    tx: &mut TenantTx,
    tenant: Uuid,
    user: Uuid,
    hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query("delete from mfa_recovery_codes where tenant_id = $1 and user_id = $2")
        .bind(tenant)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "insert into mfa_recovery_codes (tenant_id, user_id, code_hash) select $1, $2, h from unnest($3::bytea[]) h",
    )
    .bind(tenant)
    .bind(user)
    .bind(hashes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks an unused recovery code of `user` used; false when there is none with `hash`.
pub async fn use_recovery_code(tx: &mut TenantTx, tenant: Uuid, user: Uuid, hash: &[u8]) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "update mfa_recovery_codes set used_at = now() \
         where tenant_id = $1 and user_id = $2 and code_hash = $3 and used_at is null",
    )
    .bind(tenant)
    .bind(user)
    .bind(hash)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Stores a login challenge for `user` expiring at `expires_at`.
pub async fn insert_challenge(
    tx: &mut TenantTx,
    tenant: Uuid,
    user: Uuid,
    hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into mfa_challenges (id, tenant_id, user_id, token_hash, expires_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(user)
    .bind(hash)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Consumes the unused, unexpired challenge with `hash` (marks it used); returns its user.
pub async fn take_challenge(tx: &mut TenantTx, tenant: Uuid, hash: &[u8]) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "update mfa_challenges set used_at = now() \
         where tenant_id = $1 and token_hash = $2 and used_at is null and expires_at > now() returning user_id",
    )
    .bind(tenant)
    .bind(hash)
    .fetch_optional(&mut **tx)
    .await
}

/// The user of the unused, unexpired challenge with `hash`, without consuming it.
pub async fn find_challenge(tx: &mut TenantTx, tenant: Uuid, hash: &[u8]) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "select user_id from mfa_challenges \
         where tenant_id = $1 and token_hash = $2 and used_at is null and expires_at > now()",
    )
    .bind(tenant)
    .bind(hash)
    .fetch_optional(&mut **tx)
    .await
}
