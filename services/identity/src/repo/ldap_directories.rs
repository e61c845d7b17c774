//! The tenant's LDAP directories (tenant-owned). The service password column holds the sealed
//! value only (see `app::ldap`).

use chrono::{DateTime, Utc};
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// A directory row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Directory {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    /// `ldap://…` or `ldaps://…`.
    pub url: String,
    /// DN with `{username}`; `None`: search bind.
    pub bind_dn_template: Option<String>,
    pub search_base: Option<String>,
    pub service_bind_dn: Option<String>,
    /// AES-256-GCM sealed service-account password.
    pub service_password_sealed: Option<Vec<u8>>,
    pub user_attribute: String,
    pub email_attribute: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "select id, tenant_id, name, url, bind_dn_template, search_base, service_bind_dn, \
     service_password_sealed, user_attribute, email_attribute, enabled, created_at from ldap_directories";

/// `tenant`'s directories by name.
pub async fn list(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<Directory>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT} where tenant_id = $1 order by name")).bind(tenant).fetch_all(&mut **tx).await
}

/// Inserts `d`; `false` when the name is taken.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, d: &Directory) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "insert into ldap_directories (id, tenant_id, name, url, bind_dn_template, search_base, service_bind_dn, \
         service_password_sealed, user_attribute, email_attribute, enabled) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict (tenant_id, name) do nothing",
    )
    .bind(d.id)
    .bind(tenant)
    .bind(&d.name)
    .bind(&d.url)
    .bind(&d.bind_dn_template)
    .bind(&d.search_base)
    .bind(&d.service_bind_dn)
    .bind(&d.service_password_sealed)
    .bind(&d.user_attribute)
    .bind(&d.email_attribute)
    .bind(d.enabled)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Deletes directory `id`; `false` when there is none.
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("delete from ldap_directories where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        == 1)
}
