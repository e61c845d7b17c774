//! Custom field definitions, and removing a deleted definition's key from its entities.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::custom_fields::{CustomFieldDefinition, CustomFieldEntity, CustomFieldType};
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use psa_kit::{Error, Result};
use sqlx::QueryBuilder;
use uuid::Uuid;

/// A stored definition.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDefinition {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub def: CustomFieldDefinition,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    entity_type: String,
    key: String,
    label: String,
    field_type: String,
    options: serde_json::Value,
    required: bool,
    min_value: Option<f64>,
    max_value: Option<f64>,
    regex: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for StoredDefinition {
    fn from(r: Row) -> Self {
        StoredDefinition {
            id: r.id,
            tenant_id: r.tenant_id,
            def: CustomFieldDefinition {
                entity_type: CustomFieldEntity::parse(&r.entity_type).unwrap_or(CustomFieldEntity::Company),
                key: r.key,
                label: r.label,
                field_type: CustomFieldType::parse(&r.field_type).unwrap_or(CustomFieldType::Text),
                options: serde_json::from_value(r.options).unwrap_or_default(),
                required: r.required,
                min: r.min_value,
                max: r.max_value,
                regex: r.regex,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, entity_type, key, label, field_type, options, required, min_value, max_value, \
    regex, created_at, updated_at";

/// The entity types this service owns (stored names), for the list filter.
pub const ENTITY_NAMES: &[&str] = &["company", "contact", "contract", "service_scope", "proposal", "saf", "coc"];

/// What `ListCustomFieldDefinitions` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField {
            name: "entity_type",
            column: "entity_type",
            kind: FieldKind::Enum { prefix: "CUSTOM_FIELD_ENTITY_", values: ENTITY_NAMES },
        },
        FilterField { name: "key", column: "key", kind: FieldKind::Text },
        FilterField { name: "label", column: "label", kind: FieldKind::Text },
    ],
    orders: &[
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
        OrderField { name: "key", column: "key", kind: SortKind::Text },
    ],
    default_order: "create_time",
    id_column: "id",
};

/// The table holding the entities of `e` (`None` for types another service owns).
pub fn table(e: CustomFieldEntity) -> Option<&'static str> {
    Some(match e {
        CustomFieldEntity::Company => "companies",
        CustomFieldEntity::Contact => "contacts",
        CustomFieldEntity::Contract => "contracts",
        CustomFieldEntity::ServiceScope => "service_scopes",
        CustomFieldEntity::Proposal => "proposals",
        CustomFieldEntity::Saf => "safs",
        CustomFieldEntity::Coc => "cocs",
        CustomFieldEntity::Ticket => return None,
    })
}

fn already_exists(e: Error) -> Error {
    if e.is_unique_violation("custom_field_definitions_key") {
        DomainError::AlreadyExists { entity: "custom field", field: "key" }.into()
    } else {
        e
    }
}

/// Inserts a definition.
///
/// # Errors
/// ALREADY_EXISTS on `key` (per entity type).
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, d: &CustomFieldDefinition) -> Result<StoredDefinition> {
    let row: Row = sqlx::query_as(&format!(
        "insert into custom_field_definitions (id, tenant_id, entity_type, key, label, field_type, options, required, \
         min_value, max_value, regex) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(d.entity_type.as_str())
    .bind(&d.key)
    .bind(&d.label)
    .bind(d.field_type.as_str())
    .bind(serde_json::json!(d.options))
    .bind(d.required)
    .bind(d.min)
    .bind(d.max)
    .bind(&d.regex)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// The definition `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<StoredDefinition> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from custom_field_definitions where tenant_id = $1 and id = $2{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(StoredDefinition::from).ok_or_else(|| DomainError::NotFound { entity: "custom field" }.into())
}

/// Writes the changeable columns (`label`, `options`, `required`, bounds, `regex`).
pub async fn update(tx: &mut TenantTx, s: &StoredDefinition) -> Result<StoredDefinition> {
    let d = &s.def;
    let row: Row = sqlx::query_as(&format!(
        "update custom_field_definitions set label = $3, options = $4, required = $5, min_value = $6, max_value = $7, \
         regex = $8, updated_at = now() where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(s.tenant_id)
    .bind(s.id)
    .bind(&d.label)
    .bind(serde_json::json!(d.options))
    .bind(d.required)
    .bind(d.min)
    .bind(d.max)
    .bind(&d.regex)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Deletes the definition and removes its key from every entity of its type.
pub async fn delete(tx: &mut TenantTx, s: &StoredDefinition) -> Result<()> {
    sqlx::query("delete from custom_field_definitions where tenant_id = $1 and id = $2")
        .bind(s.tenant_id)
        .bind(s.id)
        .execute(&mut **tx)
        .await?;
    if let Some(t) = table(s.def.entity_type) {
        sqlx::query(&format!(
            "update {t} set custom_fields = custom_fields - $2 where tenant_id = $1 and custom_fields ? $2"
        ))
        .bind(s.tenant_id)
        .bind(&s.def.key)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Every definition of entity type `e`, in creation order.
pub async fn of_entity(tx: &mut TenantTx, tenant: Uuid, e: CustomFieldEntity) -> Result<Vec<CustomFieldDefinition>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from custom_field_definitions where tenant_id = $1 and entity_type = $2 \
         order by created_at, id"
    ))
    .bind(tenant)
    .bind(e.as_str())
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| StoredDefinition::from(r).def).collect())
}

/// One page of definitions.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, plan: &ListPlan) -> Result<(Vec<StoredDefinition>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from custom_field_definitions where tenant_id = "));
    qb.push_bind(tenant);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut out: Vec<StoredDefinition> = rows.into_iter().map(StoredDefinition::from).collect();
    let token = plan.finish(&mut out, |d, order| {
        let v = match order {
            "key" => SortValue::Text(d.def.key.clone()),
            _ => time_key(d.created_at),
        };
        (v, d.id)
    });
    Ok((out, token))
}

/// Replaces the custom field values of row `id` of `entity`'s table (already validated) and
/// bumps its `updated_at`, which is returned.
///
/// # Errors
/// NOT_FOUND when there is no such row; an entity this service does not store.
pub async fn set_values(
    tx: &mut TenantTx,
    tenant: Uuid,
    entity: CustomFieldEntity,
    id: Uuid,
    values: &serde_json::Value,
) -> Result<DateTime<Utc>> {
    let table = table(entity).ok_or_else(|| anyhow::anyhow!("{} is not stored here", entity.as_str()))?;
    let at: Option<DateTime<Utc>> = sqlx::query_scalar(&format!(
        "update {table} set custom_fields = $3, updated_at = now() where tenant_id = $1 and id = $2 returning updated_at"
    ))
    .bind(tenant)
    .bind(id)
    .bind(values)
    .fetch_optional(&mut **tx)
    .await?;
    at.ok_or_else(|| DomainError::NotFound { entity: "record" }.into())
}
