//! `ticket_templates` and `canned_responses`. Every query is scoped by tenant (and RLS).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::{Error, Result};
use uuid::Uuid;

use crate::domain::templates::{Canned, CannedFields, Template, TemplateFields};
use crate::domain::ticket::TicketPriority;

type TemplateRow = (
    Uuid,
    String,
    String,
    String,
    Option<String>,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
    Vec<String>,
    bool,
    DateTime<Utc>,
    DateTime<Utc>,
);
const TEMPLATE_COLUMNS: &str = "id, name, title, description, priority, queue_id, type_id, category_id, team_id, tags, active, created_at, updated_at";

fn template(r: TemplateRow) -> Template {
    Template {
        id: r.0,
        fields: TemplateFields {
            name: r.1,
            title: r.2,
            description: r.3,
            priority: r.4.as_deref().and_then(TicketPriority::parse),
            queue_id: r.5,
            type_id: r.6,
            category_id: r.7,
            team_id: r.8,
            tags: r.9,
            active: r.10,
        },
        created_at: r.11,
        updated_at: r.12,
    }
}

fn taken(e: Error, index: &str, entity: &'static str) -> Error {
    if e.is_unique_violation(index) { DomainError::AlreadyExists { entity, field: "name" }.into() } else { e }
}

/// The tenant's templates by name.
pub async fn list_templates(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<Template>> {
    let rows: Vec<TemplateRow> = sqlx::query_as(&format!(
        "select {TEMPLATE_COLUMNS} from ticket_templates where tenant_id = $1 order by lower(name), id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(template).collect())
}

/// The template `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_template(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Template> {
    let row: Option<TemplateRow> =
        sqlx::query_as(&format!("select {TEMPLATE_COLUMNS} from ticket_templates where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(template).ok_or_else(|| DomainError::NotFound { entity: "ticket template" }.into())
}

/// Inserts (`id` = `None`) or replaces a template.
///
/// # Errors
/// NOT_FOUND on a replace of another tenant's; ALREADY_EXISTS on `name`.
pub async fn save_template(tx: &mut TenantTx, tenant: Uuid, id: Option<Uuid>, f: &TemplateFields) -> Result<Template> {
    let sql = if id.is_some() {
        "update ticket_templates set name = $3, title = $4, description = $5, priority = $6, queue_id = $7, type_id = $8, \
         category_id = $9, team_id = $10, tags = $11, active = $12, updated_at = now() where tenant_id = $1 and id = $2"
    } else {
        "insert into ticket_templates (id, tenant_id, name, title, description, priority, queue_id, type_id, category_id, \
         team_id, tags, active) values ($2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    };
    let key = id.unwrap_or_else(Uuid::now_v7);
    let done = sqlx::query(sql)
        .bind(tenant)
        .bind(key)
        .bind(&f.name)
        .bind(&f.title)
        .bind(&f.description)
        .bind(f.priority.map(|p| p.as_str()))
        .bind(f.queue_id)
        .bind(f.type_id)
        .bind(f.category_id)
        .bind(f.team_id)
        .bind(&f.tags)
        .bind(f.active)
        .execute(&mut **tx)
        .await
        .map_err(|e| taken(e.into(), "ticket_templates_name", "ticket template"))?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound { entity: "ticket template" }.into());
    }
    get_template(tx, tenant, key).await
}

type CannedRow = (Uuid, String, String, bool, DateTime<Utc>, DateTime<Utc>);
const CANNED_COLUMNS: &str = "id, name, body, active, created_at, updated_at";

fn canned(r: CannedRow) -> Canned {
    Canned { id: r.0, fields: CannedFields { name: r.1, body: r.2, active: r.3 }, created_at: r.4, updated_at: r.5 }
}

/// The tenant's canned responses by name.
pub async fn list_canned(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<Canned>> {
    let rows: Vec<CannedRow> = sqlx::query_as(&format!(
        "select {CANNED_COLUMNS} from canned_responses where tenant_id = $1 order by lower(name), id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(canned).collect())
}

/// The canned response `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_canned(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Canned> {
    let row: Option<CannedRow> =
        sqlx::query_as(&format!("select {CANNED_COLUMNS} from canned_responses where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(canned).ok_or_else(|| DomainError::NotFound { entity: "canned response" }.into())
}

/// Inserts (`id` = `None`) or replaces a canned response.
///
/// # Errors
/// NOT_FOUND on a replace of another tenant's; ALREADY_EXISTS on `name`.
pub async fn save_canned(tx: &mut TenantTx, tenant: Uuid, id: Option<Uuid>, f: &CannedFields) -> Result<Canned> {
    let sql = if id.is_some() {
        "update canned_responses set name = $3, body = $4, active = $5, updated_at = now() where tenant_id = $1 and id = $2"
    } else {
        "insert into canned_responses (id, tenant_id, name, body, active) values ($2, $1, $3, $4, $5)"
    };
    let key = id.unwrap_or_else(Uuid::now_v7);
    let done = sqlx::query(sql)
        .bind(tenant)
        .bind(key)
        .bind(&f.name)
        .bind(&f.body)
        .bind(f.active)
        .execute(&mut **tx)
        .await
        .map_err(|e| taken(e.into(), "canned_responses_name", "canned response"))?;
    if done.rows_affected() == 0 {
        return Err(DomainError::NotFound { entity: "canned response" }.into());
    }
    get_canned(tx, tenant, key).await
}

/// The name and email of contact `id` from the projection, if known.
pub async fn contact(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as("select name, email from contacts where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?)
}
