//! Certificates of compliance and the per-tenant COC number counter.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use psa_kit::{Error, Result};
use sqlx::QueryBuilder;
use uuid::Uuid;

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

const COLUMNS: &str = "id, tenant_id, number, title, description, coc_type, status, issue_date, expiry_date, audit_date, \
    next_audit_date, company_id, contract_id, saf_id, service_scope_id, document_url, custom_fields, created_at, updated_at";

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

fn already_exists(e: Error) -> Error {
    if e.is_unique_violation("cocs_number_per_tenant") {
        DomainError::AlreadyExists { entity: "COC", field: "number" }.into()
    } else {
        e
    }
}

/// The next free generated number (`COC-000001`, …) of the tenant; numbers entered by hand
/// that collide with the sequence are skipped.
pub async fn next_number(tx: &mut TenantTx, tenant: Uuid) -> Result<String> {
    let numbering = super::numbers::Numbering { counters: "coc_counters", table: "cocs", format: generated_number };
    super::numbers::next(tx, tenant, numbering).await
}

/// Where a COC belongs: the company and contract of its SAF or scope.
pub struct Owner {
    pub company_id: Uuid,
    pub contract_id: Uuid,
}

fn bind_fields<'q>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, Row, sqlx::postgres::PgArguments>,
    f: &'q CocFields,
    o: &Owner,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, Row, sqlx::postgres::PgArguments> {
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
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) returning {COLUMNS}"
    );
    let q = sqlx::query_as(&sql).bind(Uuid::now_v7()).bind(tenant);
    let row: Row = bind_fields(q, f, o).fetch_one(&mut **tx).await.map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// The COC `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Coc> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from cocs where tenant_id = $1 and id = $2{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Coc::from).ok_or_else(|| DomainError::NotFound { entity: "COC" }.into())
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
         returning {COLUMNS}"
    );
    let q = sqlx::query_as(&sql).bind(c.tenant_id).bind(c.id);
    let row: Row = bind_fields(q, &c.fields, o).fetch_one(&mut **tx).await.map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// One page of COCs; `company` restricts to one company (portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Coc>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from cocs where tenant_id = "));
    qb.push_bind(tenant);
    if let Some(c) = company {
        qb.push(" and company_id = ").push_bind(c);
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut cocs: Vec<Coc> = rows.into_iter().map(Coc::from).collect();
    let token = plan.finish(&mut cocs, |c, order| {
        let v = match order {
            "number" => SortValue::Text(c.fields.number.to_lowercase()),
            _ => time_key(c.created_at),
        };
        (v, c.id)
    });
    Ok((cocs, token))
}
