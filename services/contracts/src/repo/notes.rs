//! Company notes table.

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::note::CompanyNote;

/// What `ListCompanyNotes` pages by (newest first; no filters).
pub const LIST: ListSpec = ListSpec {
    filters: &[],
    orders: &[OrderField { name: "create_time", column: "created_at", kind: SortKind::Time }],
    default_order: "create_time desc",
    id_column: "id",
};

type Row = (Uuid, Uuid, Uuid, String, Uuid, DateTime<Utc>);

fn note((id, tenant_id, company_id, body, author_id, created_at): Row) -> CompanyNote {
    CompanyNote { id, tenant_id, company_id, body, author_id, created_at }
}

/// Inserts a note (the company is checked by the caller).
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, company: Uuid, body: &str, author: Uuid) -> Result<CompanyNote> {
    let row: Row = sqlx::query_as(
        "insert into company_notes (id, tenant_id, company_id, body, author_id) values ($1, $2, $3, $4, $5) \
         returning id, tenant_id, company_id, body, author_id, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(company)
    .bind(body)
    .bind(author)
    .fetch_one(&mut **tx)
    .await?;
    Ok(note(row))
}

/// One page of a company's notes.
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    company: Uuid,
    plan: &ListPlan,
) -> Result<(Vec<CompanyNote>, String)> {
    let mut qb = QueryBuilder::new(
        "select id, tenant_id, company_id, body, author_id, created_at from company_notes where tenant_id = ",
    );
    qb.push_bind(tenant).push(" and company_id = ").push_bind(company);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut notes: Vec<CompanyNote> = rows.into_iter().map(note).collect();
    let token = plan.finish(&mut notes, |n, _| (time_key(n.created_at), n.id));
    Ok((notes, token))
}
