//! Contracts and the per-tenant contract number counter.

use chrono::{DateTime, NaiveDate, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use uuid::Uuid;

use super::numbers::Numbering;
use super::table::Table;

use crate::domain::contract::{BillingCycle, Contract, ContractFields, ContractStatus, ContractType, generated_number};
use crate::domain::money;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    number: String,
    name: String,
    company_id: Uuid,
    contract_type: String,
    status: String,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    renewal_date: Option<NaiveDate>,
    auto_renew: bool,
    renewal_term_months: i32,
    renewal_terms: String,
    billing_cycle: String,
    billing_amount: String,
    value: String,
    currency: String,
    signed_date: Option<NaiveDate>,
    signer_contact_id: Option<Uuid>,
    previous_contract_id: Option<Uuid>,
    custom_fields: serde_json::Value,
    description: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Contract {
    fn from(r: Row) -> Self {
        Contract {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: ContractFields {
                number: r.number,
                name: r.name,
                company_id: r.company_id,
                contract_type: ContractType::parse(&r.contract_type).unwrap_or(ContractType::ManagedServices),
                status: ContractStatus::parse(&r.status).unwrap_or(ContractStatus::Draft),
                start_date: r.start_date,
                end_date: r.end_date,
                renewal_date: r.renewal_date,
                auto_renew: r.auto_renew,
                renewal_term_months: r.renewal_term_months,
                renewal_terms: r.renewal_terms,
                billing_cycle: BillingCycle::parse(&r.billing_cycle).unwrap_or(BillingCycle::Monthly),
                billing_amount: money::from_sql(&r.billing_amount),
                value: money::from_sql(&r.value),
                currency: r.currency,
                signed_date: r.signed_date,
                signer_contact_id: r.signer_contact_id,
                description: r.description,
            },
            previous_contract_id: r.previous_contract_id,
            custom_fields: r.custom_fields,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const TABLE: Table = Table {
    name: "contracts",
    columns: "id, tenant_id, number, name, company_id, contract_type, status, start_date, end_date, renewal_date, \
        auto_renew, renewal_term_months, renewal_terms, billing_cycle, billing_amount::text as billing_amount, \
        value::text as value, currency, signed_date, signer_contact_id, previous_contract_id, description, created_at, \
        updated_at, custom_fields",
    entity: "contract",
};

/// Contract numbers (`C-000001`, …) from the tenant's counter.
pub const NUMBERING: Numbering =
    Numbering { counters: "contract_counters", table: "contracts", entity: "contract", format: generated_number };

/// What `ListContracts` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "name", column: "name", kind: FieldKind::Text },
        FilterField { name: "number", column: "number", kind: FieldKind::Text },
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField {
            name: "status",
            column: "status",
            kind: FieldKind::Enum { prefix: "CONTRACT_STATUS_", values: ContractStatus::NAMES },
        },
        FilterField {
            name: "contract_type",
            column: "contract_type",
            kind: FieldKind::Enum { prefix: "CONTRACT_TYPE_", values: ContractType::NAMES },
        },
    ],
    orders: &[
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
        OrderField { name: "number", column: "lower(number)", kind: SortKind::Text },
        OrderField { name: "name", column: "lower(name)", kind: SortKind::Text },
    ],
    default_order: "create_time desc",
    id_column: "id",
};

/// Binds the writable fields (all but `company_id`) as the next seventeen parameters.
fn bind_fields<'q>(
    q: QueryAs<'q, sqlx::Postgres, Row, PgArguments>,
    f: &'q ContractFields,
) -> QueryAs<'q, sqlx::Postgres, Row, PgArguments> {
    q.bind(&f.number)
        .bind(&f.name)
        .bind(f.contract_type.as_str())
        .bind(f.status.as_str())
        .bind(f.start_date)
        .bind(f.end_date)
        .bind(f.renewal_date)
        .bind(f.auto_renew)
        .bind(f.renewal_term_months)
        .bind(&f.renewal_terms)
        .bind(f.billing_cycle.as_str())
        .bind(f.billing_amount.to_string())
        .bind(f.value.to_string())
        .bind(&f.currency)
        .bind(f.signed_date)
        .bind(f.signer_contact_id)
        .bind(&f.description)
}

/// Inserts a contract (`f.number` must be set).
///
/// # Errors
/// ALREADY_EXISTS on `number`.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, f: &ContractFields, previous: Option<Uuid>) -> Result<Contract> {
    let sql = format!(
        "insert into contracts (id, tenant_id, number, name, contract_type, status, start_date, end_date, renewal_date, \
         auto_renew, renewal_term_months, renewal_terms, billing_cycle, billing_amount, value, currency, signed_date, \
         signer_contact_id, description, company_id, previous_contract_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::numeric, $15::numeric, $16, $17, $18, $19, \
         $20, $21) returning {}",
        TABLE.columns
    );
    let q = bind_fields(sqlx::query_as(&sql).bind(Uuid::now_v7()).bind(tenant), f).bind(f.company_id).bind(previous);
    let row: Row = q.fetch_one(&mut **tx).await.map_err(|e| NUMBERING.taken(e))?;
    Ok(row.into())
}

/// The contract `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Contract> {
    Ok(TABLE.get::<Row>(tx, tenant, id, lock).await?.into())
}

/// Writes every writable field of `c` (not `company_id`), bumping `updated_at`.
///
/// # Errors
/// ALREADY_EXISTS on `number`.
pub async fn update(tx: &mut TenantTx, c: &Contract) -> Result<Contract> {
    let sql = format!(
        "update contracts set number = $3, name = $4, contract_type = $5, status = $6, start_date = $7, end_date = $8, \
         renewal_date = $9, auto_renew = $10, renewal_term_months = $11, renewal_terms = $12, billing_cycle = $13, \
         billing_amount = $14::numeric, value = $15::numeric, currency = $16, signed_date = $17, signer_contact_id = $18, \
         description = $19, updated_at = now() where tenant_id = $1 and id = $2 returning {}",
        TABLE.columns
    );
    let q = bind_fields(sqlx::query_as(&sql).bind(c.tenant_id).bind(c.id), &c.fields);
    let row: Row = q.fetch_one(&mut **tx).await.map_err(|e| NUMBERING.taken(e))?;
    Ok(row.into())
}

/// One page of contracts; `company` restricts to one company (the company path, portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Contract>, String)> {
    TABLE
        .page::<Row, _>(tx, tenant, plan, company, |c: &Contract, order| {
            let v = match order {
                "number" => SortValue::Text(c.fields.number.to_lowercase()),
                "name" => SortValue::Text(c.fields.name.to_lowercase()),
                _ => time_key(c.created_at),
            };
            (v, c.id)
        })
        .await
}
