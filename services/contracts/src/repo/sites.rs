//! Sites table.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use psa_kit::{Error, Result};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::company::Address;
use crate::domain::site::{Site, SiteFields};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    company_id: Uuid,
    name: String,
    address: sqlx::types::Json<Address>,
    phone: String,
    is_primary: bool,
    time_zone: String,
    notes: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Site {
    fn from(r: Row) -> Self {
        Site {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: SiteFields {
                company_id: r.company_id,
                name: r.name,
                address: r.address.0,
                phone: r.phone,
                is_primary: r.is_primary,
                time_zone: r.time_zone,
                notes: r.notes,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, tenant_id, company_id, name, address, phone, is_primary, time_zone, notes, created_at, updated_at";

/// What `ListSites` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField { name: "name", column: "name", kind: FieldKind::Text },
        FilterField { name: "time_zone", column: "time_zone", kind: FieldKind::Text },
        FilterField { name: "city", column: "(address->>'city')", kind: FieldKind::Text },
        FilterField {
            name: "is_primary",
            column: "(case when is_primary then 'true' else 'false' end)",
            kind: FieldKind::Enum { prefix: "", values: &["true", "false"] },
        },
    ],
    orders: &[
        OrderField { name: "name", column: "lower(name)", kind: SortKind::Text },
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
    ],
    default_order: "name",
    id_column: "id",
};

fn already_exists(e: Error) -> Error {
    if e.is_unique_violation("sites_name_per_company") {
        DomainError::AlreadyExists { entity: "site", field: "name" }.into()
    } else {
        e
    }
}

/// Inserts a site; the company must belong to the tenant (checked by the caller).
///
/// # Errors
/// ALREADY_EXISTS on `name` when the company has a site of that name.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, f: &SiteFields) -> Result<Site> {
    let row: Row = sqlx::query_as(&format!(
        "insert into sites (id, tenant_id, company_id, name, address, phone, is_primary, time_zone, notes) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(f.company_id)
    .bind(&f.name)
    .bind(sqlx::types::Json(&f.address))
    .bind(&f.phone)
    .bind(f.is_primary)
    .bind(&f.time_zone)
    .bind(&f.notes)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// The site `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Site> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from sites where tenant_id = $1 and id = $2{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Site::from).ok_or_else(|| DomainError::NotFound { entity: "site" }.into())
}

/// Writes every field of `s`, bumping `updated_at`.
///
/// # Errors
/// ALREADY_EXISTS on `name`.
pub async fn update(tx: &mut TenantTx, s: &Site) -> Result<Site> {
    let f = &s.fields;
    let row: Row = sqlx::query_as(&format!(
        "update sites set name = $3, address = $4, phone = $5, is_primary = $6, time_zone = $7, notes = $8, \
         updated_at = now() where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(s.tenant_id)
    .bind(s.id)
    .bind(&f.name)
    .bind(sqlx::types::Json(&f.address))
    .bind(&f.phone)
    .bind(f.is_primary)
    .bind(&f.time_zone)
    .bind(&f.notes)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// Deletes site `id`.
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("delete from sites where tenant_id = $1 and id = $2").bind(tenant).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// How many sites other than `except` the company has (call under
/// `companies::lock_owned`, which serialises primary changes).
pub async fn count_others(tx: &mut TenantTx, tenant: Uuid, company: Uuid, except: Option<Uuid>) -> Result<usize> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from sites where tenant_id = $1 and company_id = $2 and id is distinct from $3",
    )
    .bind(tenant)
    .bind(company)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Clears the primary flag of the company's sites other than `keep`.
pub async fn demote_primary(tx: &mut TenantTx, tenant: Uuid, company: Uuid, keep: Option<Uuid>) -> Result<()> {
    sqlx::query(
        "update sites set is_primary = false, updated_at = now() \
         where tenant_id = $1 and company_id = $2 and is_primary and id is distinct from $3",
    )
    .bind(tenant)
    .bind(company)
    .bind(keep)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One page of sites; `company` restricts to one company (company lists, portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Site>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from sites where tenant_id = "));
    qb.push_bind(tenant);
    if let Some(c) = company {
        qb.push(" and company_id = ").push_bind(c);
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut sites: Vec<Site> = rows.into_iter().map(Site::from).collect();
    let token = plan.finish(&mut sites, |s, order| {
        let v = match order {
            "create_time" => time_key(s.created_at),
            _ => SortValue::Text(s.fields.name.to_lowercase()),
        };
        (v, s.id)
    });
    Ok((sites, token))
}
