//! The tenant's OpenID Connect providers (tenant-owned). The client secret column holds the
//! sealed value only (see `app::sso`).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// A provider row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Provider {
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// URL-safe name in the start URL.
    pub name: String,
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    /// AES-256-GCM sealed client secret; `None` for public clients (PKCE only).
    pub client_secret_sealed: Option<Vec<u8>>,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// Accepted email domains, lower case.
    pub email_domains: Vec<String>,
    pub jit_enabled: bool,
    /// Role id given to provisioned users.
    pub jit_role: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "select id, tenant_id, name, display_name, issuer_url, client_id, client_secret_sealed, \
     scopes, email_domains, jit_enabled, jit_role, enabled, created_at, updated_at from identity_providers";

/// `tenant`'s providers by name.
pub async fn list(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<Provider>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where tenant_id = $1 order by name")).bind(tenant).fetch_all(&mut **tx).await
}

/// Provider `id` of `tenant`.
pub async fn by_id(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<Provider>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where tenant_id = $1 and id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Provider `name` of `tenant`.
pub async fn by_name(tx: &mut TenantTx, tenant: Uuid, name: &str) -> Result<Option<Provider>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where tenant_id = $1 and name = $2"))
        .bind(tenant)
        .bind(name)
        .fetch_optional(&mut **tx)
        .await
}

/// Inserts `p` (its `tenant_id` must be `tenant`); `false` when the name is taken.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, p: &Provider) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "insert into identity_providers (id, tenant_id, name, display_name, issuer_url, client_id, \
         client_secret_sealed, scopes, email_domains, jit_enabled, jit_role, enabled) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict (tenant_id, name) do nothing",
    )
    .bind(p.id)
    .bind(tenant)
    .bind(&p.name)
    .bind(&p.display_name)
    .bind(&p.issuer_url)
    .bind(&p.client_id)
    .bind(&p.client_secret_sealed)
    .bind(&p.scopes)
    .bind(&p.email_domains)
    .bind(p.jit_enabled)
    .bind(&p.jit_role)
    .bind(p.enabled)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Stores every field of `p` (matched by tenant and id); `false` when the new name is taken.
pub async fn update(tx: &mut TenantTx, tenant: Uuid, p: &Provider) -> Result<bool, sqlx::Error> {
    let taken: bool = sqlx::query_scalar(
        "select exists (select 1 from identity_providers where tenant_id = $1 and name = $2 and id <> $3)",
    )
    .bind(tenant)
    .bind(&p.name)
    .bind(p.id)
    .fetch_one(&mut **tx)
    .await?;
    if taken {
        return Ok(false);
    }
    sqlx::query(
        "update identity_providers set name = $3, display_name = $4, issuer_url = $5, client_id = $6, \
         client_secret_sealed = $7, scopes = $8, email_domains = $9, jit_enabled = $10, jit_role = $11, \
         enabled = $12, updated_at = now() where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(p.id)
    .bind(&p.name)
    .bind(&p.display_name)
    .bind(&p.issuer_url)
    .bind(&p.client_id)
    .bind(&p.client_secret_sealed)
    .bind(&p.scopes)
    .bind(&p.email_domains)
    .bind(p.jit_enabled)
    .bind(&p.jit_role)
    .bind(p.enabled)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Deletes provider `id`; `false` when there is none.
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("delete from identity_providers where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1)
}
