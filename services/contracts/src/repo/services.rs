//! Services and their scope template versions.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use psa_kit::{Error, Result};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::money;
use crate::domain::service::{DeliveryModel, PricingUnit, Service, ServiceFields};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    category: String,
    description: String,
    delivery_model: String,
    base_price: String,
    currency: String,
    pricing_unit: String,
    active: bool,
    current_template_version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Service {
    fn from(r: Row) -> Self {
        Service {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: ServiceFields {
                name: r.name,
                category: r.category,
                description: r.description,
                delivery_model: DeliveryModel::parse(&r.delivery_model).unwrap_or(DeliveryModel::ManagedService),
                base_price: money::from_sql(&r.base_price),
                currency: r.currency,
                pricing_unit: PricingUnit::parse(&r.pricing_unit).unwrap_or(PricingUnit::Monthly),
                active: r.active,
            },
            current_template_version: r.current_template_version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "s.id, s.tenant_id, s.name, s.category, s.description, s.delivery_model, s.base_price::text as base_price, \
    s.currency, s.pricing_unit, s.active, \
    (select coalesce(max(t.version), 0) from scope_templates t where t.tenant_id = s.tenant_id and t.service_id = s.id) as current_template_version, \
    s.created_at, s.updated_at";

/// What `ListServices` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "name", column: "s.name", kind: FieldKind::Text },
        FilterField { name: "category", column: "s.category", kind: FieldKind::Text },
        FilterField {
            name: "delivery_model",
            column: "s.delivery_model",
            kind: FieldKind::Enum { prefix: "DELIVERY_MODEL_", values: DeliveryModel::NAMES },
        },
        FilterField {
            name: "pricing_unit",
            column: "s.pricing_unit",
            kind: FieldKind::Enum { prefix: "PRICING_UNIT_", values: PricingUnit::NAMES },
        },
    ],
    orders: &[
        OrderField { name: "name", column: "lower(s.name)", kind: SortKind::Text },
        OrderField { name: "create_time", column: "s.created_at", kind: SortKind::Time },
    ],
    default_order: "name",
    id_column: "s.id",
};

fn already_exists(e: Error) -> Error {
    if e.is_unique_violation("services_name_per_tenant") {
        DomainError::AlreadyExists { entity: "service", field: "name" }.into()
    } else {
        e
    }
}

/// Inserts a service.
///
/// # Errors
/// ALREADY_EXISTS on `name` (case-insensitive, per tenant).
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, f: &ServiceFields) -> Result<Service> {
    let row: Row = sqlx::query_as(&format!(
        "insert into services as s (id, tenant_id, name, category, description, delivery_model, base_price, currency, pricing_unit, active) \
         values ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.category)
    .bind(&f.description)
    .bind(f.delivery_model.as_str())
    .bind(f.base_price.to_string())
    .bind(&f.currency)
    .bind(f.pricing_unit.as_str())
    .bind(f.active)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// The service `id`; with `lock`, locked for update (serialises template versions).
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Service> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from services s where s.tenant_id = $1 and s.id = $2{}",
        if lock { " for update of s" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Service::from).ok_or_else(|| DomainError::NotFound { entity: "service" }.into())
}

/// Writes every field of `s`, bumping `updated_at`.
///
/// # Errors
/// ALREADY_EXISTS on `name`.
pub async fn update(tx: &mut TenantTx, s: &Service) -> Result<Service> {
    let f = &s.fields;
    let row: Row = sqlx::query_as(&format!(
        "update services s set name = $3, category = $4, description = $5, delivery_model = $6, base_price = $7::numeric, \
         currency = $8, pricing_unit = $9, active = $10, updated_at = now() \
         where s.tenant_id = $1 and s.id = $2 returning {COLUMNS}"
    ))
    .bind(s.tenant_id)
    .bind(s.id)
    .bind(&f.name)
    .bind(&f.category)
    .bind(&f.description)
    .bind(f.delivery_model.as_str())
    .bind(f.base_price.to_string())
    .bind(&f.currency)
    .bind(f.pricing_unit.as_str())
    .bind(f.active)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// One page of services; inactive ones only with `include_inactive`.
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    include_inactive: bool,
) -> Result<(Vec<Service>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from services s where s.tenant_id = "));
    qb.push_bind(tenant);
    if !include_inactive {
        qb.push(" and s.active");
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut services: Vec<Service> = rows.into_iter().map(Service::from).collect();
    let token = plan.finish(&mut services, |s, order| {
        let v = match order {
            "create_time" => time_key(s.created_at),
            _ => SortValue::Text(s.fields.name.to_lowercase()),
        };
        (v, s.id)
    });
    Ok((services, token))
}

/// One stored template version.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TemplateRow {
    pub service_id: Uuid,
    pub version: i32,
    pub schema: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Stores `schema` as the next version (1 for the first) of the service's template. The
/// caller holds the service row lock.
pub async fn insert_template(
    tx: &mut TenantTx,
    tenant: Uuid,
    service: Uuid,
    schema: &serde_json::Value,
    actor: Uuid,
) -> Result<TemplateRow> {
    Ok(sqlx::query_as(
        "insert into scope_templates (tenant_id, service_id, version, schema, created_by) \
         select $1, $2, coalesce(max(version), 0) + 1, $3, $4 from scope_templates where tenant_id = $1 and service_id = $2 \
         returning service_id, version, schema, created_at",
    )
    .bind(tenant)
    .bind(service)
    .bind(schema)
    .bind(actor)
    .fetch_one(&mut **tx)
    .await?)
}

/// Every template version of a service, newest first.
pub async fn templates(tx: &mut TenantTx, tenant: Uuid, service: Uuid) -> Result<Vec<TemplateRow>> {
    Ok(sqlx::query_as(
        "select service_id, version, schema, created_at from scope_templates \
         where tenant_id = $1 and service_id = $2 order by version desc",
    )
    .bind(tenant)
    .bind(service)
    .fetch_all(&mut **tx)
    .await?)
}

/// Version `version` of a service's template (`None`: the newest), if any.
pub async fn template(
    tx: &mut TenantTx,
    tenant: Uuid,
    service: Uuid,
    version: Option<i32>,
) -> Result<Option<TemplateRow>> {
    Ok(sqlx::query_as(
        "select service_id, version, schema, created_at from scope_templates \
         where tenant_id = $1 and service_id = $2 and ($3::int is null or version = $3) order by version desc limit 1",
    )
    .bind(tenant)
    .bind(service)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await?)
}
