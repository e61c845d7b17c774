//! Rate cards (lines stored as a jsonb array).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use psa_kit::{Error, Result};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::rate_card::{RateCard, RateCardFields, lines_from_json, lines_to_json};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    company_id: Option<Uuid>,
    contract_id: Option<Uuid>,
    currency: String,
    lines: serde_json::Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for RateCard {
    fn from(r: Row) -> Self {
        RateCard {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: RateCardFields {
                name: r.name,
                company_id: r.company_id,
                contract_id: r.contract_id,
                currency: r.currency,
                lines: lines_from_json(&r.lines),
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, tenant_id, name, company_id, contract_id, currency, lines, created_at, updated_at";

/// What `ListRateCards` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "name", column: "name", kind: FieldKind::Text },
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField { name: "contract_id", column: "contract_id", kind: FieldKind::Uuid },
    ],
    orders: &[
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
        OrderField { name: "name", column: "lower(name)", kind: SortKind::Text },
    ],
    default_order: "create_time",
    id_column: "id",
};

fn already_exists(e: Error) -> Error {
    for (constraint, field) in [
        ("rate_cards_one_default", "company_id"),
        ("rate_cards_one_per_company", "company_id"),
        ("rate_cards_one_per_contract", "contract_id"),
    ] {
        if e.is_unique_violation(constraint) {
            return DomainError::AlreadyExists { entity: "rate card", field }.into();
        }
    }
    e
}

/// Inserts a card.
///
/// # Errors
/// ALREADY_EXISTS when its target (default, company or contract) has a card already.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, f: &RateCardFields) -> Result<RateCard> {
    let row: Row = sqlx::query_as(&format!(
        "insert into rate_cards (id, tenant_id, name, company_id, contract_id, currency, lines) \
         values ($1, $2, $3, $4, $5, $6, $7) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(&f.name)
    .bind(f.company_id)
    .bind(f.contract_id)
    .bind(&f.currency)
    .bind(lines_to_json(&f.lines))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| already_exists(e.into()))?;
    Ok(row.into())
}

/// The card `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<RateCard> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from rate_cards where tenant_id = $1 and id = $2{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(RateCard::from).ok_or_else(|| DomainError::NotFound { entity: "rate card" }.into())
}

/// Writes `name`, `currency` and `lines`, bumping `updated_at`.
pub async fn update(tx: &mut TenantTx, c: &RateCard) -> Result<RateCard> {
    let row: Row = sqlx::query_as(&format!(
        "update rate_cards set name = $3, currency = $4, lines = $5, updated_at = now() \
         where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(c.tenant_id)
    .bind(c.id)
    .bind(&c.fields.name)
    .bind(&c.fields.currency)
    .bind(lines_to_json(&c.fields.lines))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Deletes the card `id`.
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("delete from rate_cards where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The card that applies to a contract of `company`: the contract's, else the company's,
/// else the tenant default.
pub async fn effective(tx: &mut TenantTx, tenant: Uuid, contract: Uuid, company: Uuid) -> Result<Option<RateCard>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from rate_cards where tenant_id = $1 and \
         (contract_id = $2 or (contract_id is null and company_id = $3) or (contract_id is null and company_id is null)) \
         order by (contract_id is not null) desc, (company_id is not null) desc limit 1"
    ))
    .bind(tenant)
    .bind(contract)
    .bind(company)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(RateCard::from))
}

/// One page of cards.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, plan: &ListPlan) -> Result<(Vec<RateCard>, String)> {
    let mut qb = QueryBuilder::new(format!("select {COLUMNS} from rate_cards where tenant_id = "));
    qb.push_bind(tenant);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut out: Vec<RateCard> = rows.into_iter().map(RateCard::from).collect();
    let token = plan.finish(&mut out, |c, order| {
        let v = match order {
            "name" => SortValue::Text(c.fields.name.to_lowercase()),
            _ => time_key(c.created_at),
        };
        (v, c.id)
    });
    Ok((out, token))
}
