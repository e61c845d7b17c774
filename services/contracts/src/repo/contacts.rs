//! Contacts table.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::contact::{Contact, ContactFields, ContactType};

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: Uuid,
    tenant_id: Uuid,
    company_id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    title: String,
    contact_type: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    merged_into_id: Option<Uuid>,
    tags: Vec<String>,
    custom_fields: serde_json::Value,
}

impl From<Row> for Contact {
    fn from(r: Row) -> Self {
        Contact {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: ContactFields {
                company_id: r.company_id,
                first_name: r.first_name,
                last_name: r.last_name,
                email: r.email,
                phone: r.phone,
                title: r.title,
                contact_type: ContactType::parse(&r.contact_type).unwrap_or(ContactType::Other),
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
            merged_into: r.merged_into_id,
            tags: r.tags,
            custom_fields: r.custom_fields,
        }
    }
}

pub(crate) const COLUMNS: &str = "id, tenant_id, company_id, first_name, last_name, email, phone, title, contact_type, created_at, updated_at, \
     merged_into_id, tags, custom_fields";

/// What `ListContacts` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField { name: "email", column: "lower(email)", kind: FieldKind::Text },
        FilterField { name: "name", column: "(first_name || ' ' || last_name)", kind: FieldKind::Text },
        FilterField {
            name: "contact_type",
            column: "contact_type",
            kind: FieldKind::Enum { prefix: "CONTACT_TYPE_", values: ContactType::NAMES },
        },
    ],
    orders: &[
        OrderField { name: "last_name", column: "lower(last_name || ' ' || first_name)", kind: SortKind::Text },
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
    ],
    default_order: "last_name",
    id_column: "id",
};

/// Inserts a contact; the company must belong to the tenant (NOT_FOUND on `company` otherwise).
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, f: &ContactFields) -> Result<Contact> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "insert into contacts (id, tenant_id, company_id, first_name, last_name, email, phone, title, contact_type) \
         select $1, $2, c.id, $4, $5, $6, $7, $8, $9 from companies c where c.tenant_id = $2 and c.id = $3 \
         returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(f.company_id)
    .bind(&f.first_name)
    .bind(&f.last_name)
    .bind(&f.email)
    .bind(&f.phone)
    .bind(&f.title)
    .bind(f.contact_type.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Contact::from).ok_or_else(|| DomainError::invalid("contact.company_id", "no such company").into())
}

/// The contact `id` (merged ones included: see `merged_into`); with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Contact> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from contacts where tenant_id = $1 and id = $2 and deleted_at is null{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Contact::from).ok_or_else(|| DomainError::NotFound { entity: "contact" }.into())
}

/// Writes the name, email, phone, title and type of contact `id`, bumping `updated_at`.
pub async fn update(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &ContactFields) -> Result<Contact> {
    let row: Row = sqlx::query_as(&format!(
        "update contacts set first_name = $3, last_name = $4, email = $5, phone = $6, title = $7, contact_type = $8, \
         updated_at = now() where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&f.first_name)
    .bind(&f.last_name)
    .bind(&f.email)
    .bind(&f.phone)
    .bind(&f.title)
    .bind(f.contact_type.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Marks `source` as merged into `target` and moves this service's references to it
/// (contracts' signer contact, and earlier duplicates merged into `source`).
pub async fn merge(tx: &mut TenantTx, tenant: Uuid, source: Uuid, target: Uuid) -> Result<()> {
    sqlx::query("update contacts set merged_into_id = $3, merged_at = now(), updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(source)
        .bind(target)
        .execute(&mut **tx)
        .await?;
    sqlx::query("update contacts set merged_into_id = $3 where tenant_id = $1 and merged_into_id = $2")
        .bind(tenant)
        .bind(source)
        .bind(target)
        .execute(&mut **tx)
        .await?;
    sqlx::query("update contracts set signer_contact_id = $3, updated_at = now() where tenant_id = $1 and signer_contact_id = $2")
        .bind(tenant)
        .bind(source)
        .bind(target)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One page of contacts; `company` restricts to one company (portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Contact>, String)> {
    let mut qb = QueryBuilder::new(format!(
        "select {COLUMNS} from contacts where merged_into_id is null and deleted_at is null and tenant_id = "
    ));
    qb.push_bind(tenant);
    if let Some(c) = company {
        qb.push(" and company_id = ").push_bind(c);
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut contacts: Vec<Contact> = rows.into_iter().map(Contact::from).collect();
    let token = plan.finish(&mut contacts, |c, order| {
        let v = match order {
            "create_time" => time_key(c.created_at),
            _ => SortValue::Text(format!("{} {}", c.fields.last_name, c.fields.first_name).to_lowercase()),
        };
        (v, c.id)
    });
    Ok((contacts, token))
}

/// Writes the tags and custom field values of contact `id`.
pub async fn set_extras(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    tags: &[String],
    custom_fields: &serde_json::Value,
) -> Result<Contact> {
    let row: Row = sqlx::query_as(&format!(
        "update contacts set tags = $3, custom_fields = $4, updated_at = now() where tenant_id = $1 and id = $2 \
         returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(tags)
    .bind(custom_fields)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Deletes contact `id` softly: it stays for the records that name it (contracts, tickets,
/// merge redirects) but is no longer read or listed.
pub async fn soft_delete(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("update contacts set deleted_at = now(), updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
