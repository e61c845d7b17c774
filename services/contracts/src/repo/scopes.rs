//! Service scopes (contract items).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::money;
use crate::domain::scope::{ScopeFields, ScopeStatus, ServiceScope};
use crate::domain::service::PricingUnit;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    contract_id: Uuid,
    company_id: Uuid,
    service_id: Uuid,
    quantity: String,
    unit: String,
    unit_price: String,
    scope_details: serde_json::Value,
    template_version: i32,
    status: String,
    custom_fields: serde_json::Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for ServiceScope {
    fn from(r: Row) -> Self {
        ServiceScope {
            id: r.id,
            tenant_id: r.tenant_id,
            contract_id: r.contract_id,
            company_id: r.company_id,
            service_id: r.service_id,
            fields: ScopeFields {
                quantity: money::from_sql(&r.quantity),
                unit: PricingUnit::parse(&r.unit).unwrap_or(PricingUnit::Monthly),
                unit_price: money::from_sql(&r.unit_price),
                scope_details: r.scope_details,
                status: ScopeStatus::parse(&r.status).unwrap_or(ScopeStatus::Pending),
            },
            template_version: r.template_version,
            custom_fields: r.custom_fields,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, contract_id, company_id, service_id, quantity::text as quantity, unit, \
    unit_price::text as unit_price, scope_details, template_version, status, custom_fields, created_at, updated_at";

/// What `ListServiceScopes` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "contract_id", column: "contract_id", kind: FieldKind::Uuid },
        FilterField { name: "service_id", column: "service_id", kind: FieldKind::Uuid },
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField {
            name: "status",
            column: "status",
            kind: FieldKind::Enum { prefix: "SERVICE_SCOPE_STATUS_", values: ScopeStatus::NAMES },
        },
    ],
    orders: &[OrderField { name: "create_time", column: "created_at", kind: SortKind::Time }],
    default_order: "create_time",
    id_column: "id",
};

/// What a new scope row holds besides its fields.
pub struct NewScope {
    pub contract_id: Uuid,
    pub company_id: Uuid,
    pub service_id: Uuid,
    pub template_version: i32,
}

/// Inserts a scope.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, n: &NewScope, f: &ScopeFields) -> Result<ServiceScope> {
    let row: Row = sqlx::query_as(&format!(
        "insert into service_scopes (id, tenant_id, contract_id, company_id, service_id, quantity, unit, unit_price, \
         scope_details, template_version, status) \
         values ($1, $2, $3, $4, $5, $6::numeric, $7, $8::numeric, $9, $10, $11) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(n.contract_id)
    .bind(n.company_id)
    .bind(n.service_id)
    .bind(f.quantity.to_string())
    .bind(f.unit.as_str())
    .bind(f.unit_price.to_string())
    .bind(&f.scope_details)
    .bind(n.template_version)
    .bind(f.status.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// The scope `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<ServiceScope> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from service_scopes where tenant_id = $1 and id = $2{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(ServiceScope::from).ok_or_else(|| DomainError::NotFound { entity: "service scope" }.into())
}

/// Writes the fields and template version of `s`, bumping `updated_at`.
pub async fn update(tx: &mut TenantTx, s: &ServiceScope) -> Result<ServiceScope> {
    let f = &s.fields;
    let row: Row = sqlx::query_as(&format!(
        "update service_scopes set quantity = $3::numeric, unit = $4, unit_price = $5::numeric, scope_details = $6, \
         template_version = $7, status = $8, updated_at = now() where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(s.tenant_id)
    .bind(s.id)
    .bind(f.quantity.to_string())
    .bind(f.unit.as_str())
    .bind(f.unit_price.to_string())
    .bind(&f.scope_details)
    .bind(s.template_version)
    .bind(f.status.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Every scope of a contract, oldest first (used to copy them on renewal).
pub async fn of_contract(tx: &mut TenantTx, tenant: Uuid, contract: Uuid) -> Result<Vec<ServiceScope>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from service_scopes where tenant_id = $1 and contract_id = $2 order by created_at, id"
    ))
    .bind(tenant)
    .bind(contract)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(ServiceScope::from).collect())
}

/// One page of scopes; `contract` and `company` restrict the list (contract path, portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    contract: Option<Uuid>,
    company: Option<Uuid>,
) -> Result<(Vec<ServiceScope>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from service_scopes where tenant_id = "));
    qb.push_bind(tenant);
    if let Some(c) = contract {
        qb.push(" and contract_id = ").push_bind(c);
    }
    if let Some(c) = company {
        qb.push(" and company_id = ").push_bind(c);
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut scopes: Vec<ServiceScope> = rows.into_iter().map(ServiceScope::from).collect();
    let token = plan.finish(&mut scopes, |s, _| (time_key(s.created_at), s.id));
    Ok((scopes, token))
}
