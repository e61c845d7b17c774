//! Tenants (global table: looked up by slug before any tenant context exists).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// A tenant row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// `active` or `suspended`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// The tenant with `slug`, if any.
pub async fn by_slug(pool: &PgPool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as("select id, slug, name, status, created_at from tenants where slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

/// The tenant with `id`, if any.
pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as("select id, slug, name, status, created_at from tenants where id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A tenant's security settings (defaults: lock after 5 failures for 15 minutes, passwords of
/// at least 10 characters).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct SecuritySettings {
    pub lockout_threshold: i32,
    /// Minutes.
    pub lockout_minutes: i32,
    /// Characters.
    pub password_min_length: i32,
    /// Every staff user must use a second factor (TOTP); until they enrol, their access
    /// tokens carry only `account.self`.
    pub mfa_required: bool,
}

/// The security settings of tenant `id` (defaults when it does not exist).
pub async fn security(pool: &PgPool, id: Uuid) -> Result<SecuritySettings, sqlx::Error> {
    let s: Option<SecuritySettings> = sqlx::query_as(
        "select lockout_threshold, lockout_minutes, password_min_length, mfa_required from tenants where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(s.unwrap_or(SecuritySettings {
        lockout_threshold: 5,
        lockout_minutes: 15,
        password_min_length: 10,
        mfa_required: false,
    }))
}

/// Creates the tenant unless `slug` exists; returns it and whether it was created.
pub async fn create_if_absent(pool: &PgPool, slug: &str, name: &str) -> Result<(Tenant, bool), sqlx::Error> {
    let created = sqlx::query("insert into tenants (id, slug, name) values ($1, $2, $3) on conflict (slug) do nothing")
        .bind(Uuid::now_v7())
        .bind(slug)
        .bind(name)
        .execute(pool)
        .await?
        .rows_affected()
        == 1;
    let tenant = by_slug(pool, slug).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((tenant, created))
}

/// Stores tenant `id`'s security settings.
pub async fn set_security(pool: &PgPool, id: Uuid, s: SecuritySettings) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update tenants set lockout_threshold = $2, lockout_minutes = $3, password_min_length = $4, \
         mfa_required = $5, updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(s.lockout_threshold)
    .bind(s.lockout_minutes)
    .bind(s.password_min_length)
    .bind(s.mfa_required)
    .execute(pool)
    .await?;
    Ok(())
}
