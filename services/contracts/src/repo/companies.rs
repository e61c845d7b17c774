//! Companies table.

use chrono::{DateTime, NaiveDate, Utc};
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use psa_kit::{Error, Result};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::activity::StatusChange;
use crate::domain::company::{Address, Company, CompanyFields, CompanySize, CompanyStatus, CompanyType};
use crate::domain::money::from_sql;
use psa_core::DomainError;

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    company_type: String,
    status: String,
    industry: String,
    company_size: Option<String>,
    source: String,
    website: String,
    phone: String,
    email: String,
    address: sqlx::types::Json<Address>,
    notes: String,
    tags: Vec<String>,
    custom_fields: serde_json::Value,
    parent_id: Option<Uuid>,
    lead_score: Option<i16>,
    estimated_deal_value: Option<String>,
    deal_currency: Option<String>,
    first_interaction_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Company {
    fn from(r: Row) -> Self {
        Company {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: CompanyFields {
                name: r.name,
                company_type: CompanyType::parse(&r.company_type).unwrap_or(CompanyType::Client),
                status: CompanyStatus::parse(&r.status).unwrap_or(CompanyStatus::Active),
                industry: r.industry,
                company_size: r.company_size.as_deref().and_then(CompanySize::parse),
                source: r.source,
                website: r.website,
                phone: r.phone,
                email: r.email,
                address: r.address.0,
                notes: r.notes,
                tags: r.tags,
                custom_fields: r.custom_fields,
                parent_id: r.parent_id,
                lead_score: r.lead_score,
                estimated_deal_value: r.estimated_deal_value.as_deref().map(from_sql),
                deal_currency: r.deal_currency.unwrap_or_default(),
                first_interaction_date: r.first_interaction_date,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(crate) const COLUMNS: &str = "id, tenant_id, name, company_type, status, industry, company_size, source, website, phone, email, address, notes, tags, custom_fields, parent_id, lead_score, estimated_deal_value::text as estimated_deal_value, deal_currency, first_interaction_date, created_at, updated_at";

/// What `ListCompanies` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "name", column: "name", kind: FieldKind::Text },
        FilterField { name: "industry", column: "industry", kind: FieldKind::Text },
        FilterField { name: "parent_id", column: "parent_id", kind: FieldKind::Uuid },
        FilterField { name: "tags", column: "array_to_string(tags, ' ')", kind: FieldKind::Text },
        FilterField {
            name: "status",
            column: "status",
            kind: FieldKind::Enum { prefix: "COMPANY_STATUS_", values: CompanyStatus::NAMES },
        },
        FilterField {
            name: "company_type",
            column: "company_type",
            kind: FieldKind::Enum { prefix: "COMPANY_TYPE_", values: CompanyType::NAMES },
        },
    ],
    orders: &[
        OrderField { name: "name", column: "lower(name)", kind: SortKind::Text },
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
        OrderField { name: "update_time", column: "updated_at", kind: SortKind::Time },
    ],
    default_order: "name",
    id_column: "id",
};

fn already_exists(e: Error) -> Error {
    if e.is_unique_violation("companies_name_per_tenant") {
        DomainError::AlreadyExists { entity: "company", field: "name" }.into()
    } else {
        e
    }
}

/// Inserts a company.
///
/// # Errors
/// ALREADY_EXISTS on `name` when the tenant has a company of that name (case-insensitive).
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, f: &CompanyFields) -> Result<Company> {
    let sql = format!(
        "insert into companies (id, tenant_id, name, company_type, status, industry, company_size, source, website, phone, \
         email, address, notes, tags, custom_fields, parent_id, lead_score, estimated_deal_value, deal_currency, \
         first_interaction_date) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::numeric, $19, $20) \
         returning {COLUMNS}"
    );
    write(tx, &sql, Uuid::now_v7(), tenant, f).await
}

/// Which of `names` the tenant already has (case-insensitive), as lower-cased names.
pub async fn existing_names(tx: &mut TenantTx, tenant: Uuid, names: &[String]) -> Result<Vec<String>> {
    let lowered: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    Ok(sqlx::query_scalar("select lower(name) from companies where tenant_id = $1 and lower(name) = any($2)")
        .bind(tenant)
        .bind(&lowered)
        .fetch_all(&mut **tx)
        .await?)
}

/// The company `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Company> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from companies where tenant_id = $1 and id = $2{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Company::from).ok_or_else(|| DomainError::NotFound { entity: "company" }.into())
}

/// Writes every field of `c`, bumping `updated_at`.
///
/// # Errors
/// ALREADY_EXISTS on `name`.
pub async fn update(tx: &mut TenantTx, c: &Company) -> Result<Company> {
    let sql = format!(
        "update companies set name = $3, company_type = $4, status = $5, industry = $6, company_size = $7, source = $8, \
         website = $9, phone = $10, email = $11, address = $12, notes = $13, tags = $14, custom_fields = $15, \
         parent_id = $16, lead_score = $17, estimated_deal_value = $18::numeric, deal_currency = $19, \
         first_interaction_date = $20, updated_at = now() where id = $1 and tenant_id = $2 returning {COLUMNS}"
    );
    write(tx, &sql, c.id, c.tenant_id, &c.fields).await
}

/// Runs an insert or update whose parameters are `$1` id, `$2` tenant and `$3..$20` the
/// fields in column order, returning the row.
async fn write(tx: &mut TenantTx, sql: &str, id: Uuid, tenant: Uuid, f: &CompanyFields) -> Result<Company> {
    let row: Row = sqlx::query_as(sql)
        .bind(id)
        .bind(tenant)
        .bind(&f.name)
        .bind(f.company_type.as_str())
        .bind(f.status.as_str())
        .bind(&f.industry)
        .bind(f.company_size.map(CompanySize::as_str))
        .bind(&f.source)
        .bind(&f.website)
        .bind(&f.phone)
        .bind(&f.email)
        .bind(sqlx::types::Json(&f.address))
        .bind(&f.notes)
        .bind(&f.tags)
        .bind(&f.custom_fields)
        .bind(f.parent_id)
        .bind(f.lead_score)
        .bind(f.estimated_deal_value.map(|d| d.to_string()))
        .bind(Some(f.deal_currency.as_str()).filter(|c| !c.is_empty()))
        .bind(f.first_interaction_date)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// The ancestors of company `id`, nearest first (at most 100 levels).
pub async fn ancestors(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "with recursive up(id, parent_id, depth) as ( \
             select id, parent_id, 0 from companies where tenant_id = $1 and id = $2 \
             union all \
             select c.id, c.parent_id, up.depth + 1 from companies c join up on c.id = up.parent_id \
             where c.tenant_id = $1 and up.depth < 100) \
         select id from up where depth > 0 order by depth",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?)
}

/// Locks company `id` against concurrent changes of what it owns (`for no key update`: its
/// sites' primary flag is decided under this lock), without blocking inserts that reference it.
///
/// # Errors
/// NOT_FOUND when the tenant has no such company.
pub async fn lock_owned(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    let found: Option<Uuid> =
        sqlx::query_scalar("select id from companies where tenant_id = $1 and id = $2 for no key update")
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    found.map(|_| ()).ok_or_else(|| DomainError::NotFound { entity: "company" }.into())
}

/// Whether company `id` exists for the tenant.
pub async fn exists(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar("select exists(select 1 from companies where tenant_id = $1 and id = $2)")
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut **tx)
        .await?)
}

/// Records one lifecycle move.
pub async fn insert_status_change(
    tx: &mut TenantTx,
    tenant: Uuid,
    company: Uuid,
    from: Option<CompanyStatus>,
    to: CompanyStatus,
    reason: &str,
    actor: Uuid,
) -> Result<StatusChange> {
    let (id, changed_at): (Uuid, DateTime<Utc>) = sqlx::query_as(
        "insert into company_status_changes (id, tenant_id, company_id, from_status, to_status, reason, actor_id) \
         values ($1, $2, $3, $4, $5, $6, $7) returning id, changed_at",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(company)
    .bind(from.map(CompanyStatus::as_str))
    .bind(to.as_str())
    .bind(reason)
    .bind(actor)
    .fetch_one(&mut **tx)
    .await?;
    Ok(StatusChange { id, company_id: company, from, to, reason: reason.to_owned(), actor_id: actor, changed_at })
}

/// What `ListCompanyStatusChanges` pages by (oldest first; no filters).
pub const STATUS_HISTORY: ListSpec = ListSpec {
    filters: &[],
    orders: &[OrderField { name: "change_time", column: "changed_at", kind: SortKind::Time }],
    default_order: "change_time",
    id_column: "id",
};

/// One page of a company's status history (plan from [`STATUS_HISTORY`]).
pub async fn status_changes(
    tx: &mut TenantTx,
    tenant: Uuid,
    company: Uuid,
    plan: &ListPlan,
) -> Result<(Vec<StatusChange>, String)> {
    let mut qb = QueryBuilder::new(
        "select id, from_status, to_status, reason, actor_id, changed_at from company_status_changes where tenant_id = ",
    );
    qb.push_bind(tenant).push(" and company_id = ").push_bind(company);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    type R = (Uuid, Option<String>, String, String, Uuid, DateTime<Utc>);
    let rows: Vec<R> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut out: Vec<StatusChange> = rows
        .into_iter()
        .map(|(id, from, to, reason, actor_id, changed_at)| StatusChange {
            id,
            company_id: company,
            from: from.as_deref().and_then(CompanyStatus::parse),
            to: CompanyStatus::parse(&to).unwrap_or(CompanyStatus::Active),
            reason,
            actor_id,
            changed_at,
        })
        .collect();
    let token = plan.finish(&mut out, |c, _| (time_key(c.changed_at), c.id));
    Ok((out, token))
}

/// One page of companies. Archived companies are left out unless the filter names a status;
/// `only` restricts the list to one company (portal users).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    include_archived: bool,
    only: Option<Uuid>,
) -> Result<(Vec<Company>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from companies where tenant_id = "));
    qb.push_bind(tenant);
    if let Some(id) = only {
        qb.push(" and id = ").push_bind(id);
    }
    if !include_archived {
        qb.push(" and status <> 'archived'");
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut companies: Vec<Company> = rows.into_iter().map(Company::from).collect();
    let token = plan.finish(&mut companies, |c, order| {
        let v = match order {
            "create_time" => time_key(c.created_at),
            "update_time" => time_key(c.updated_at),
            _ => SortValue::Text(c.fields.name.to_lowercase()),
        };
        (v, c.id)
    });
    Ok((companies, token))
}
