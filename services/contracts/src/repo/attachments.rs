//! Company attachments table (metadata; the bytes are in the object store). Each query is
//! scoped to an [`AttachedTo`]: a company's files, or a contract's documents among them.

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::attachment::{AttachedTo, CompanyAttachment};

/// What `ListCompanyAttachments` pages by (newest first; no filters).
pub const LIST: ListSpec = ListSpec {
    filters: &[],
    orders: &[OrderField { name: "create_time", column: "created_at", kind: SortKind::Time }],
    default_order: "create_time desc",
    id_column: "id",
};

type Row = (Uuid, Uuid, Uuid, Option<Uuid>, String, String, i64, String, Uuid, DateTime<Utc>);

fn attachment(
    (id, tenant_id, company_id, contract_id, file_name, content_type, size_bytes, storage_key, uploaded_by, created_at): Row,
) -> CompanyAttachment {
    CompanyAttachment {
        id,
        tenant_id,
        company_id,
        contract_id,
        file_name,
        content_type,
        size_bytes,
        storage_key,
        uploaded_by,
        created_at,
    }
}

const COLUMNS: &str =
    "id, tenant_id, company_id, contract_id, file_name, content_type, size_bytes, storage_key, uploaded_by, created_at";

/// The owner column and id `to` scopes a query to.
fn owner(to: AttachedTo) -> (&'static str, Uuid) {
    match to {
        AttachedTo::Company(id) => ("company_id", id),
        AttachedTo::Contract(id) => ("contract_id", id),
    }
}

/// Inserts attachment metadata (the bytes were written under `a.storage_key` first).
pub async fn insert(tx: &mut TenantTx, a: &CompanyAttachment) -> Result<()> {
    sqlx::query(&format!(
        "insert into company_attachments ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(a.id)
    .bind(a.tenant_id)
    .bind(a.company_id)
    .bind(a.contract_id)
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.size_bytes)
    .bind(&a.storage_key)
    .bind(a.uploaded_by)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One page of the attachments of `to`.
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    to: AttachedTo,
    plan: &ListPlan,
) -> Result<(Vec<CompanyAttachment>, String)> {
    let (column, id) = owner(to);
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from company_attachments where tenant_id = "));
    qb.push_bind(tenant).push(format!(" and {column} = ")).push_bind(id);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut rows: Vec<CompanyAttachment> = rows.into_iter().map(attachment).collect();
    let token = plan.finish(&mut rows, |a, _| (time_key(a.created_at), a.id));
    Ok((rows, token))
}

/// Attachment `id` of `to`, if any.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, to: AttachedTo, id: Uuid) -> Result<Option<CompanyAttachment>> {
    let (column, owner_id) = owner(to);
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from company_attachments where tenant_id = $1 and {column} = $2 and id = $3"
    ))
    .bind(tenant)
    .bind(owner_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(attachment))
}

/// Deletes attachment `id` of `to`, returning it (None when there is none).
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, to: AttachedTo, id: Uuid) -> Result<Option<CompanyAttachment>> {
    let (column, owner_id) = owner(to);
    let row: Option<Row> = sqlx::query_as(&format!(
        "delete from company_attachments where tenant_id = $1 and {column} = $2 and id = $3 returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(owner_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(attachment))
}
