//! Proposals and their version history.

use chrono::{DateTime, NaiveDate, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use uuid::Uuid;

use super::table::Table;

use crate::domain::money;
use crate::domain::proposal::{Proposal, ProposalFields, ProposalStatus, ProposalType, ProposalVersion};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    title: String,
    description: String,
    proposal_type: String,
    status: String,
    company_id: Uuid,
    contract_id: Option<Uuid>,
    service_scope_id: Option<Uuid>,
    value: String,
    currency: String,
    valid_until: Option<NaiveDate>,
    assignee_id: Option<Uuid>,
    custom_fields: serde_json::Value,
    version: i32,
    decision_reason: String,
    decided_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Proposal {
    fn from(r: Row) -> Self {
        Proposal {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: ProposalFields {
                title: r.title,
                description: r.description,
                proposal_type: ProposalType::parse(&r.proposal_type).unwrap_or(ProposalType::Technical),
                company_id: r.company_id,
                contract_id: r.contract_id,
                service_scope_id: r.service_scope_id,
                value: money::from_sql(&r.value),
                currency: r.currency,
                valid_until: r.valid_until,
                assignee_id: r.assignee_id,
                custom_fields: r.custom_fields,
            },
            status: ProposalStatus::parse(&r.status).unwrap_or(ProposalStatus::Draft),
            version: r.version,
            decision_reason: r.decision_reason,
            decided_at: r.decided_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const TABLE: Table = Table {
    name: "proposals",
    columns: "id, tenant_id, title, description, proposal_type, status, company_id, contract_id, service_scope_id, \
        value::text as value, currency, valid_until, assignee_id, custom_fields, version, decision_reason, decided_at, \
        created_at, updated_at",
    entity: "proposal",
};

/// What `ListProposals` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "title", column: "title", kind: FieldKind::Text },
        FilterField { name: "company_id", column: "company_id", kind: FieldKind::Uuid },
        FilterField { name: "contract_id", column: "contract_id", kind: FieldKind::Uuid },
        FilterField { name: "assignee_id", column: "assignee_id", kind: FieldKind::Uuid },
        FilterField {
            name: "status",
            column: "status",
            kind: FieldKind::Enum { prefix: "PROPOSAL_STATUS_", values: ProposalStatus::NAMES },
        },
        FilterField {
            name: "proposal_type",
            column: "proposal_type",
            kind: FieldKind::Enum { prefix: "PROPOSAL_TYPE_", values: ProposalType::NAMES },
        },
    ],
    orders: &[
        OrderField { name: "create_time", column: "created_at", kind: SortKind::Time },
        OrderField { name: "title", column: "lower(title)", kind: SortKind::Text },
    ],
    default_order: "create_time desc",
    id_column: "id",
};

/// Moves the tenant's SUBMITTED proposals whose `valid_until` is before `today` to EXPIRED;
/// returns how many moved.
pub async fn expire_due(tx: &mut TenantTx, tenant: Uuid, today: NaiveDate) -> Result<u64> {
    let n = sqlx::query(
        "update proposals set status = 'expired', decided_at = now(), updated_at = now() \
         where tenant_id = $1 and status = 'submitted' and valid_until < $2",
    )
    .bind(tenant)
    .bind(today)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n)
}

/// Binds the writable fields (all but `company_id`) as the next ten parameters.
fn bind_fields<'q>(
    q: QueryAs<'q, sqlx::Postgres, Row, PgArguments>,
    f: &'q ProposalFields,
) -> QueryAs<'q, sqlx::Postgres, Row, PgArguments> {
    q.bind(&f.title)
        .bind(&f.description)
        .bind(f.proposal_type.as_str())
        .bind(f.contract_id)
        .bind(f.service_scope_id)
        .bind(f.value.to_string())
        .bind(&f.currency)
        .bind(f.valid_until)
        .bind(f.assignee_id)
        .bind(&f.custom_fields)
}

/// Inserts a DRAFT proposal at version 1 and its first history entry.
pub async fn insert(tx: &mut TenantTx, tenant: Uuid, f: &ProposalFields, author: Uuid) -> Result<Proposal> {
    let sql = format!(
        "insert into proposals (id, tenant_id, title, description, proposal_type, contract_id, service_scope_id, value, \
         currency, valid_until, assignee_id, custom_fields, company_id, status, version) \
         values ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9, $10, $11, $12, $13, 'draft', 1) returning {}",
        TABLE.columns
    );
    let q = bind_fields(sqlx::query_as(&sql).bind(Uuid::now_v7()).bind(tenant), f).bind(f.company_id);
    let row: Row = q.fetch_one(&mut **tx).await?;
    let p = Proposal::from(row);
    insert_version(tx, &p, author).await?;
    Ok(p)
}

/// Records the current content of `p` as version `p.version`.
pub async fn insert_version(tx: &mut TenantTx, p: &Proposal, author: Uuid) -> Result<()> {
    let f = &p.fields;
    sqlx::query(
        "insert into proposal_versions (tenant_id, proposal_id, version, title, description, value, currency, \
         valid_until, author_id) values ($1, $2, $3, $4, $5, $6::numeric, $7, $8, $9)",
    )
    .bind(p.tenant_id)
    .bind(p.id)
    .bind(p.version)
    .bind(&f.title)
    .bind(&f.description)
    .bind(f.value.to_string())
    .bind(&f.currency)
    .bind(f.valid_until)
    .bind(author)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The proposal `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Proposal> {
    Ok(TABLE.get::<Row>(tx, tenant, id, lock).await?.into())
}

/// Writes every mutable column of `p` (not `company_id`), bumping `updated_at`.
pub async fn update(tx: &mut TenantTx, p: &Proposal) -> Result<Proposal> {
    let sql = format!(
        "update proposals set title = $3, description = $4, proposal_type = $5, contract_id = $6, \
         service_scope_id = $7, value = $8::numeric, currency = $9, valid_until = $10, assignee_id = $11, \
         custom_fields = $12, version = $13, status = $14, decision_reason = $15, decided_at = $16, updated_at = now() \
         where tenant_id = $1 and id = $2 returning {}",
        TABLE.columns
    );
    let q = bind_fields(sqlx::query_as(&sql).bind(p.tenant_id).bind(p.id), &p.fields)
        .bind(p.version)
        .bind(p.status.as_str())
        .bind(&p.decision_reason)
        .bind(p.decided_at);
    let row: Row = q.fetch_one(&mut **tx).await?;
    Ok(row.into())
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    proposal_id: Uuid,
    version: i32,
    title: String,
    description: String,
    value: String,
    currency: String,
    valid_until: Option<NaiveDate>,
    author_id: Uuid,
    created_at: DateTime<Utc>,
}

/// Every version of proposal `id`, newest first.
pub async fn versions(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Vec<ProposalVersion>> {
    let rows: Vec<VersionRow> = sqlx::query_as(
        "select proposal_id, version, title, description, value::text as value, currency, valid_until, author_id, \
         created_at from proposal_versions where tenant_id = $1 and proposal_id = $2 order by version desc",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ProposalVersion {
            proposal_id: r.proposal_id,
            version: r.version,
            title: r.title,
            description: r.description,
            value: money::from_sql(&r.value),
            currency: r.currency,
            valid_until: r.valid_until,
            author_id: r.author_id,
            created_at: r.created_at,
        })
        .collect())
}

/// One page of proposals; `company` restricts to one company.
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Proposal>, String)> {
    TABLE
        .page::<Row, _>(tx, tenant, plan, company, |p: &Proposal, order| {
            let v = match order {
                "title" => SortValue::Text(p.fields.title.to_lowercase()),
                _ => time_key(p.created_at),
            };
            (v, p.id)
        })
        .await
}
