//! Certificates of compliance and the per-tenant COC number counter.

use chrono::{DateTime, NaiveDate, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use uuid::Uuid;

use super::numbers::Numbering;
use super::table::Table;

use crate::domain::coc::{Coc, CocFields, CocStatus, CocType, generated_number};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    number: String,
    title: String,
    description: String,
    coc_type: String,
    status: String,
    issue_date: Option<NaiveDate>,
    expiry_date: Option<NaiveDate>,
    audit_date: Option<NaiveDate>,
    next_audit_date: Option<NaiveDate>,
    company_id: Uuid,
    contract_id: Uuid,
    saf_id: Option<Uuid>,
    service_scope_id: Option<Uuid>,
    document_url: String,
    custom_fields: serde_json::Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Coc {
    fn from(r: Row) -> Self {
        Coc {
            id: r.id,
            tenant_id: r.tenant_id,
            company_id: r.company_id,
            contract_id: r.contract_id,
            fields: CocFields {
                number: r.number,
                title: r.title,
                description: r.description,
                coc_type: CocType::parse(&r.coc_type).unwrap_or(CocType::Other),
                status: CocStatus::parse(&r.status).unwrap_or(CocStatus::Draft),
                issue_date: r.issue_date,
                expiry_date: r.expiry_date,
                audit_date: r.audit_date,
                next_audit_date: r.next_audit_date,
                saf_id: r.saf_id,
                service_scope_id: r.service_scope_id,
                document_url: r.document_url,
            },
            custom_fields: r.custom_fields,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const TABLE: Table = Table {
    name: "cocs",
    columns: "id, tenant_id, number, title, description, coc_type, status, issue_date, expiry_date, audit_date, \
        next_audit_date, company_id, contract_id, saf_id, service_scope_id, document_url, custom_fields, created_at, \
        updated_at",
    entity: "COC",
};

/// COC numbers (`COC-000001`, …) from the tenant's counter.
pub const NUMBERING: Numbering =
    Numbering { counters: "coc_counters", table: "cocs", entity: "COC", format: generated_number };

/// What `ListCocs` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "number", column: "number", kind: FieldKind::Text },
        FilterField { name: "title", column: "title", kind: FieldKind::Text },
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField { name: "contract_id", column: "contract_id", kind: FieldKind::Uuid },
        FilterField { name: "saf_id", column: "saf_id", kind: FieldKind::Uuid },
        FilterField { name: "service_scope_id", column: "service_scope_id", kind: FieldKind::Uuid },
        FilterField {
            name: "status",
            column: "status",
            kind: FieldKind::Enum { prefix: "COC_STATUS_", values: CocStatus::NAMES },
        },
        FilterField {
            name: "coc_type",
            column: "coc_type",
            kind: FieldKind::Enum { prefix: "COC_TYPE_", values: CocType::NAMES },
        },
    ],
    orders: &[
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
        OrderField { name: "number", column: "lower(number)", kind: SortKind::Text },
    ],
    default_order: "create_time desc",
    id_column: "id",
};

/// Where a COC belongs: the company and contract of its SAF or scope.
pub struct Owner {
    pub company_id: Uuid,
    pub contract_id: Uuid,
}

/// Binds the writable fields and the owner as the next fourteen parameters.
fn bind_fields<'q>(
    q: QueryAs<'q, sqlx::Postgres, Row, PgArguments>,
    f: &'q CocFields,
    o: &Owner,
) -> QueryAs<'q, sqlx::Postgres, Row, PgArguments> {
    q.bind(&f.number)
        .bind(&f.title)
        .bind(&f.description)
        .bind(f.coc_type.as_str())
        .bind(f.status.as_str())
        .bind(f.issue_date)
        .bind(f.expiry_date)
        .bind(f.audit_date)
        .bind(f.next_audit_date)
        .bind(o.company_id)
        .bind(o.contract_id)
        .bind(f.saf_id)
        .bind(f.service_scope_id)
        .bind(&f.document_url)
}

/// Inserts a COC (`f.number` must be set).
///
/// # Errors
/// ALREADY_EXISTS on `number`.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, o: &Owner, f: &CocFields) -> Result<Coc> {
    let sql = format!(
        "insert into cocs (id, tenant_id, number, title, description, coc_type, status, issue_date, expiry_date, \
         audit_date, next_audit_date, company_id, contract_id, saf_id, service_scope_id, document_url) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) returning {}",
        TABLE.columns
    );
    let q = sqlx::query_as(&sql).bind(Uuid::now_v7()).bind(tenant);
    let row: Row = bind_fields(q, f, o).fetch_one(&mut **tx).await.map_err(|e| NUMBERING.taken(e))?;
    Ok(row.into())
}

/// The COC `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Coc> {
    Ok(TABLE.get::<Row>(tx, tenant, id, lock).await?.into())
}

/// Writes every writable field of `c` and its owner, bumping `updated_at`.
///
/// # Errors
/// ALREADY_EXISTS on `number`.
pub async fn update(tx: &mut TenantTx, c: &Coc, o: &Owner) -> Result<Coc> {
    let sql = format!(
        "update cocs set number = $3, title = $4, description = $5, coc_type = $6, status = $7, issue_date = $8, \
         expiry_date = $9, audit_date = $10, next_audit_date = $11, company_id = $12, contract_id = $13, saf_id = $14, \
         service_scope_id = $15, document_url = $16, updated_at = now() where tenant_id = $1 and id = $2 \
         returning {}",
        TABLE.columns
    );
    let q = sqlx::query_as(&sql).bind(c.tenant_id).bind(c.id);
    let row: Row = bind_fields(q, &c.fields, o).fetch_one(&mut **tx).await.map_err(|e| NUMBERING.taken(e))?;
    Ok(row.into())
}

/// One page of COCs; `company` restricts to one company (portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Coc>, String)> {
    TABLE
        .page::<Row, _>(tx, tenant, plan, company, |c: &Coc, order| {
            let v = match order {
                "number" => SortValue::Text(c.fields.number.to_lowercase()),
                _ => time_key(c.created_at),
            };
            (v, c.id)
        })
        .await
}
