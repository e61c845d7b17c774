//! Service activation forms and the per-tenant SAF number counter.

use chrono::{DateTime, NaiveDate, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use uuid::Uuid;

use super::numbers::Numbering;
use super::table::Table;

use crate::domain::money;
use crate::domain::saf::{Saf, SafFields, SafStatus, generated_number};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    number: String,
    title: String,
    description: String,
    document_url: String,
    contract_id: Uuid,
    company_id: Uuid,
    service_scope_id: Option<Uuid>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    value: String,
    currency: String,
    status: String,
    custom_fields: serde_json::Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Saf {
    fn from(r: Row) -> Self {
        Saf {
            id: r.id,
            tenant_id: r.tenant_id,
            company_id: r.company_id,
            fields: SafFields {
                number: r.number,
                title: r.title,
                description: r.description,
                document_url: r.document_url,
                contract_id: r.contract_id,
                service_scope_id: r.service_scope_id,
                start_date: r.start_date,
                end_date: r.end_date,
                value: money::from_sql(&r.value),
                currency: r.currency,
                status: SafStatus::parse(&r.status).unwrap_or(SafStatus::Draft),
            },
            custom_fields: r.custom_fields,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const TABLE: Table = Table {
    name: "safs",
    columns: "id, tenant_id, number, title, description, document_url, contract_id, company_id, service_scope_id, \
        start_date, end_date, value::text as value, currency, status, custom_fields, created_at, updated_at",
    entity: "SAF",
};

/// SAF numbers (`SAF-000001`, …) from the tenant's counter.
pub const NUMBERING: Numbering =
    Numbering { counters: "saf_counters", table: "safs", entity: "SAF", format: generated_number };

/// What `ListSafs` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "number", column: "number", kind: FieldKind::Text },
        FilterField { name: "title", column: "title", kind: FieldKind::Text },
        FilterField { name: "contract_id", column: "contract_id", kind: FieldKind::Uuid },
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField { name: "service_scope_id", column: "service_scope_id", kind: FieldKind::Uuid },
        FilterField {
            name: "status",
            column: "status",
            kind: FieldKind::Enum { prefix: "SAF_STATUS_", values: SafStatus::NAMES },
        },
    ],
    orders: &[
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
        OrderField { name: "number", column: "lower(number)", kind: SortKind::Text },
    ],
    default_order: "create_time desc",
    id_column: "id",
};

/// Binds the writable fields (all but `contract_id`) as the next ten parameters.
fn bind_fields<'q>(
    q: QueryAs<'q, sqlx::Postgres, Row, PgArguments>,
    f: &'q SafFields,
) -> QueryAs<'q, sqlx::Postgres, Row, PgArguments> {
    q.bind(&f.number)
        .bind(&f.title)
        .bind(&f.description)
        .bind(&f.document_url)
        .bind(f.service_scope_id)
        .bind(f.start_date)
        .bind(f.end_date)
        .bind(f.value.to_string())
        .bind(&f.currency)
        .bind(f.status.as_str())
}

/// Inserts a SAF (`f.number` must be set) for the contract's `company`.
///
/// # Errors
/// ALREADY_EXISTS on `number`.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, company: Uuid, f: &SafFields) -> Result<Saf> {
    let sql = format!(
        "insert into safs (id, tenant_id, number, title, description, document_url, service_scope_id, start_date, \
         end_date, value, currency, status, contract_id, company_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11, $12, $13, $14) returning {}",
        TABLE.columns
    );
    let q = bind_fields(sqlx::query_as(&sql).bind(Uuid::now_v7()).bind(tenant), f).bind(f.contract_id).bind(company);
    let row: Row = q.fetch_one(&mut **tx).await.map_err(|e| NUMBERING.taken(e))?;
    Ok(row.into())
}

/// The SAF `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Saf> {
    Ok(TABLE.get::<Row>(tx, tenant, id, lock).await?.into())
}

/// Writes every writable field of `s` (not `contract_id`), bumping `updated_at`.
///
/// # Errors
/// ALREADY_EXISTS on `number`.
pub async fn update(tx: &mut TenantTx, s: &Saf) -> Result<Saf> {
    let sql = format!(
        "update safs set number = $3, title = $4, description = $5, document_url = $6, service_scope_id = $7, \
         start_date = $8, end_date = $9, value = $10::numeric, currency = $11, status = $12, updated_at = now() \
         where tenant_id = $1 and id = $2 returning {}",
        TABLE.columns
    );
    let q = bind_fields(sqlx::query_as(&sql).bind(s.tenant_id).bind(s.id), &s.fields);
    let row: Row = q.fetch_one(&mut **tx).await.map_err(|e| NUMBERING.taken(e))?;
    Ok(row.into())
}

/// One page of SAFs; `company` restricts to one company (portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Saf>, String)> {
    TABLE
        .page::<Row, _>(tx, tenant, plan, company, |s: &Saf, order| {
            let v = match order {
                "number" => SortValue::Text(s.fields.number.to_lowercase()),
                _ => time_key(s.created_at),
            };
            (v, s.id)
        })
        .await
}
