//! Staff users (tenant-owned).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// A user row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    /// `admin` or `technician` (see `psa_core::permissions::Role`).
    pub role: String,
    /// `active` or `disabled`.
    pub status: String,
    pub last_login_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, tenant_id, email, display_name, password_hash, role, status, last_login_at";

/// The user with `email` (case-insensitive) in `tenant`.
pub async fn by_email(tx: &mut TenantTx, tenant: Uuid, email: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from users where tenant_id = $1 and lower(email) = lower($2)"))
        .bind(tenant)
        .bind(email)
        .fetch_optional(&mut **tx)
        .await
}

/// The user `id` in `tenant`.
pub async fn by_id(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!("select {COLUMNS} from users where tenant_id = $1 and id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Inserts a user; `Ok(false)` when the email already exists in the tenant.
pub async fn insert_if_absent(
    tx: &mut TenantTx,
    tenant: Uuid,
    email: &str,
    display_name: &str,
    password_hash: &str,
    role: &str,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "insert into users (id, tenant_id, email, display_name, password_hash, role) values ($1, $2, $3, $4, $5, $6) \
         on conflict (tenant_id, lower(email)) do nothing",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(email)
    .bind(display_name)
    .bind(password_hash)
    .bind(role)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records a successful login.
pub async fn touch_login(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("update users set last_login_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
