//! Ticket attachments: metadata here, bytes in the object store under `storage_key`.

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use uuid::Uuid;

/// A stored attachment's metadata.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attachment {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub ticket_id: Uuid,
    pub note_id: Option<Uuid>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub content_id: String,
    pub inline: bool,
    /// Object-store key: `<tenant>/<ticket>/<attachment id>`.
    pub storage_key: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, tenant_id, ticket_id, note_id, file_name, content_type, size_bytes, content_id, inline, storage_key, created_at";

/// Inserts attachment metadata (the bytes were written under `a.storage_key` first).
pub async fn insert(tx: &mut TenantTx, a: &Attachment) -> Result<()> {
    sqlx::query(&format!(
        "insert into ticket_attachments ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(a.id)
    .bind(a.tenant_id)
    .bind(a.ticket_id)
    .bind(a.note_id)
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.size_bytes)
    .bind(&a.content_id)
    .bind(a.inline)
    .bind(&a.storage_key)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A ticket's attachments, oldest first; `public_only` leaves out those on internal notes.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, public_only: bool) -> Result<Vec<Attachment>> {
    let cols = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    Ok(sqlx::query_as(&format!(
        "select {cols} from ticket_attachments a left join ticket_notes n on n.tenant_id = a.tenant_id and n.id = a.note_id \
         where a.tenant_id = $1 and a.ticket_id = $2 and (not $3 or a.note_id is null or n.visibility = 'public') \
         order by a.created_at, a.id"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(public_only)
    .fetch_all(&mut **tx)
    .await?)
}

/// Attachment `id` of ticket `ticket`; `public_only` refuses those on internal notes.
pub async fn get(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    id: Uuid,
    public_only: bool,
) -> Result<Option<Attachment>> {
    Ok(list(tx, tenant, ticket, public_only).await?.into_iter().find(|a| a.id == id))
}

/// Deletes attachment `id` of ticket `ticket`; returns its metadata (`None`: no such
/// attachment on that ticket).
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, id: Uuid) -> Result<Option<Attachment>> {
    Ok(sqlx::query_as(&format!(
        "delete from ticket_attachments where tenant_id = $1 and ticket_id = $2 and id = $3 returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Whether `note` is a note of `ticket`.
pub async fn note_of(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, note: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "select exists (select 1 from ticket_notes where tenant_id = $1 and ticket_id = $2 and id = $3)",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(note)
    .fetch_one(&mut **tx)
    .await?)
}
