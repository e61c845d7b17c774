//! Tickets table (with the company name joined from the projection).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use crate::domain::sla::clock::{Outcome, SlaSummary};
use crate::domain::ticket::{Ticket, TicketFields, TicketLinks, TicketPriority, TicketSource, TicketStatus};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    number: i64,
    title: String,
    description: String,
    status: String,
    priority: String,
    source: String,
    company_id: Uuid,
    company_name: Option<String>,
    contact_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    sla_policy_id: Option<Uuid>,
    sla_first_response_due: Option<DateTime<Utc>>,
    sla_first_response_at: Option<DateTime<Utc>>,
    sla_first_response: Option<String>,
    sla_resolution_due: Option<DateTime<Utc>>,
    sla_resolved: Option<bool>,
    sla_paused: Option<bool>,
    sla_resolution: Option<String>,
    parent_id: Option<Uuid>,
    merged_into_id: Option<Uuid>,
    tags: Vec<String>,
    status_id: Option<Uuid>,
    queue_id: Option<Uuid>,
    type_id: Option<Uuid>,
    category_id: Option<Uuid>,
    team_id: Option<Uuid>,
    contract_id: Option<Uuid>,
    asset_id: Option<Uuid>,
    project_id: Option<Uuid>,
    custom_fields: serde_json::Value,
}

impl From<Row> for Ticket {
    fn from(r: Row) -> Self {
        Ticket {
            id: r.id,
            tenant_id: r.tenant_id,
            number: r.number,
            fields: TicketFields {
                title: r.title,
                description: r.description,
                status: TicketStatus::parse(&r.status).unwrap_or(TicketStatus::New),
                priority: TicketPriority::parse(&r.priority).unwrap_or(TicketPriority::Medium),
                source: TicketSource::parse(&r.source).unwrap_or(TicketSource::Api),
                company_id: r.company_id,
                contact_id: r.contact_id,
                assignee_id: r.assignee_id,
                links: TicketLinks {
                    status_id: r.status_id,
                    queue_id: r.queue_id,
                    type_id: r.type_id,
                    category_id: r.category_id,
                    team_id: r.team_id,
                    contract_id: r.contract_id,
                    asset_id: r.asset_id,
                    project_id: r.project_id,
                    custom_fields: match r.custom_fields {
                        serde_json::Value::Object(m) => m,
                        _ => serde_json::Map::new(),
                    },
                },
            },
            company_name: r.company_name.unwrap_or_default(),
            created_by: r.created_by,
            relations: crate::domain::ticket::Relations {
                parent_id: r.parent_id,
                merged_into_id: r.merged_into_id,
                tags: r.tags,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
            resolved_at: r.resolved_at,
            closed_at: r.closed_at,
            sla: r.sla_policy_id.map(|policy_id| SlaSummary {
                policy_id,
                first_response_due: r.sla_first_response_due.unwrap_or_default(),
                first_response_at: r.sla_first_response_at,
                first_response: r.sla_first_response.as_deref().and_then(Outcome::parse).unwrap_or(Outcome::Pending),
                resolution_due: r.sla_resolution_due,
                resolved: r.sla_resolved.unwrap_or_default(),
                paused: r.sla_paused.unwrap_or_default(),
                resolution: r.sla_resolution.as_deref().and_then(Outcome::parse).unwrap_or(Outcome::Pending),
            }),
        }
    }
}

const SELECT: &str = "select t.id, t.tenant_id, t.number, t.title, t.description, t.status, t.priority, t.source, t.company_id, \
    c.name as company_name, t.contact_id, t.assignee_id, t.created_by, t.created_at, t.updated_at, t.resolved_at, t.closed_at, \
    s.policy_id as sla_policy_id, s.first_response_due as sla_first_response_due, s.first_response_at as sla_first_response_at, \
    s.first_response as sla_first_response, s.resolution_due as sla_resolution_due, s.resolved as sla_resolved, \
    s.paused as sla_paused, s.resolution as sla_resolution, t.parent_id, t.merged_into_id, t.tags, \
    t.status_id, t.queue_id, t.type_id, t.category_id, t.team_id, t.contract_id, t.asset_id, t.project_id, t.custom_fields \
    from tickets t left join companies c on c.tenant_id = t.tenant_id and c.id = t.company_id \
    left join ticket_sla s on s.tenant_id = t.tenant_id and s.ticket_id = t.id";

const PRIORITY_RANK: &str = "(case t.priority when 'low' then 1 when 'medium' then 2 when 'high' then 3 else 4 end)";

/// What `ListTickets` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField {
            name: "status",
            column: "t.status",
            kind: FieldKind::Enum { prefix: "TICKET_STATUS_", values: TicketStatus::NAMES },
        },
        FilterField {
            name: "priority",
            column: "t.priority",
            kind: FieldKind::Enum { prefix: "TICKET_PRIORITY_", values: TicketPriority::NAMES },
        },
        FilterField { name: "company_id", column: "t.company_id", kind: FieldKind::Uuid },
        FilterField { name: "contact_id", column: "t.contact_id", kind: FieldKind::Uuid },
        FilterField { name: "assignee_id", column: "t.assignee_id", kind: FieldKind::Uuid },
        FilterField { name: "parent_id", column: "t.parent_id", kind: FieldKind::Uuid },
        FilterField { name: "status_id", column: "t.status_id", kind: FieldKind::Uuid },
        FilterField { name: "queue_id", column: "t.queue_id", kind: FieldKind::Uuid },
        FilterField { name: "type_id", column: "t.type_id", kind: FieldKind::Uuid },
        FilterField { name: "category_id", column: "t.category_id", kind: FieldKind::Uuid },
        FilterField { name: "team_id", column: "t.team_id", kind: FieldKind::Uuid },
        FilterField { name: "contract_id", column: "t.contract_id", kind: FieldKind::Uuid },
        FilterField { name: "asset_id", column: "t.asset_id", kind: FieldKind::Uuid },
        FilterField { name: "project_id", column: "t.project_id", kind: FieldKind::Uuid },
        FilterField { name: "title", column: "t.title", kind: FieldKind::Text },
    ],
    orders: &[
        OrderField { name: "create_time", column: "t.created_at", kind: SortKind::Time },
        OrderField { name: "update_time", column: "t.updated_at", kind: SortKind::Time },
        OrderField { name: "number", column: "t.number", kind: SortKind::Int },
        OrderField { name: "priority", column: PRIORITY_RANK, kind: SortKind::Int },
    ],
    default_order: "create_time desc",
    id_column: "t.id",
};

/// The tenant's next ticket number (1, 2, …), taken in a transaction of its own on `numbers`
/// (a [`psa_kit::db::side_pool`]), so the counter row is locked only for that statement, not
/// for the whole create that uses the number: concurrent creates of one tenant do not queue on
/// it. A create failing after it leaves a gap in the numbers, as in other PSAs.
///
/// The counter's commit does not wait for the WAL flush (`synchronous_commit = off`): a crash
/// can lose the increment only while no ticket using the number is durable, since a ticket's
/// commit record comes later in the WAL and its flush covers the counter's.
///
/// # Errors
/// Database errors.
pub async fn next_number(numbers: &PgPool, tenant: Uuid) -> Result<i64> {
    // One statement in its own transaction: the settings (the tenant for row-level security,
    // the asynchronous commit) are made transaction-local before the upsert reads its row.
    let mut conn = numbers.acquire().await?;
    Ok(sqlx::query_scalar(
        "insert into ticket_counters (tenant_id, last_number) \
         select $1::uuid, 1 from (select set_config('app.tenant_id', $1::uuid::text, true), \
                                   set_config('synchronous_commit', 'off', true)) s \
         on conflict (tenant_id) do update set last_number = ticket_counters.last_number + 1 returning last_number",
    )
    .bind(tenant)
    .fetch_one(&mut *conn)
    .await?)
}

/// Inserts a ticket with the tenant's next number; one of kind NEW without a `status_id`
/// gets the tenant's default status.
pub async fn insert(
    tx: &mut TenantTx,
    tenant: Uuid,
    f: &TicketFields,
    created_by: Uuid,
    number: i64,
) -> Result<Ticket> {
    let id = Uuid::now_v7();
    // A new ticket without a named status gets the tenant's default status (and its kind).
    let (status_id, kind) = match f.links.status_id {
        None if f.status == TicketStatus::New => {
            let d = crate::repo::desk::default_status(tx, tenant).await?;
            (d.id, d.fields.kind)
        }
        _ => (resolve_status(tx, tenant, f).await?, f.status),
    };
    let l = &f.links;
    sqlx::query(
        "insert into tickets (id, tenant_id, number, title, description, status, priority, source, company_id, contact_id, assignee_id, created_by, \
         status_id, queue_id, type_id, category_id, team_id, contract_id, asset_id, project_id, custom_fields) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(id)
    .bind(tenant)
    .bind(number)
    .bind(&f.title)
    .bind(&f.description)
    .bind(kind.as_str())
    .bind(f.priority.as_str())
    .bind(f.source.as_str())
    .bind(f.company_id)
    .bind(f.contact_id)
    .bind(f.assignee_id)
    .bind(created_by)
    .bind(status_id)
    .bind(l.queue_id)
    .bind(l.type_id)
    .bind(l.category_id)
    .bind(l.team_id)
    .bind(l.contract_id)
    .bind(l.asset_id)
    .bind(l.project_id)
    .bind(serde_json::Value::Object(l.custom_fields.clone()))
    .execute(&mut **tx)
    .await?;
    get(tx, tenant, id, false).await
}

/// The ticket `id`; with `lock`, locked for update.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<Ticket> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "{SELECT} where t.tenant_id = $1 and t.id = $2{}",
        if lock { " for update of t" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Ticket::from).ok_or_else(|| DomainError::NotFound { entity: "ticket" }.into())
}

/// The ticket numbered `number` (`T-000042` is 42), if any.
pub async fn get_by_number(tx: &mut TenantTx, tenant: Uuid, number: i64) -> Result<Option<Ticket>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} where t.tenant_id = $1 and t.number = $2"))
        .bind(tenant)
        .bind(number)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(Ticket::from))
}

/// The tenant status of `f`: its `status_id` when that status has the kind `f.status`, else
/// the tenant's status of that kind (the built-in one first), so a change by kind alone (email,
/// merge, older clients) keeps the two consistent.
async fn resolve_status(tx: &mut TenantTx, tenant: Uuid, f: &TicketFields) -> Result<Uuid> {
    if let Some(id) = f.links.status_id {
        let s = crate::repo::desk::get_status(tx, tenant, id).await?;
        if s.fields.kind == f.status {
            return Ok(id);
        }
    }
    Ok(crate::repo::desk::status_for_kind(tx, tenant, f.status).await?.id)
}

/// Writes the fields and lifecycle stamps of `t`, bumping `updated_at`.
pub async fn update(tx: &mut TenantTx, t: &Ticket) -> Result<Ticket> {
    let f = &t.fields;
    let status_id = resolve_status(tx, t.tenant_id, f).await?;
    let l = &f.links;
    sqlx::query(
        "update tickets set title = $3, description = $4, status = $5, priority = $6, source = $7, company_id = $8, contact_id = $9, \
         assignee_id = $10, resolved_at = $11, closed_at = $12, status_id = $13, queue_id = $14, type_id = $15, category_id = $16, \
         team_id = $17, contract_id = $18, asset_id = $19, project_id = $20, custom_fields = $21, updated_at = now() \
         where tenant_id = $1 and id = $2",
    )
    .bind(t.tenant_id)
    .bind(t.id)
    .bind(&f.title)
    .bind(&f.description)
    .bind(f.status.as_str())
    .bind(f.priority.as_str())
    .bind(f.source.as_str())
    .bind(f.company_id)
    .bind(f.contact_id)
    .bind(f.assignee_id)
    .bind(t.resolved_at)
    .bind(t.closed_at)
    .bind(status_id)
    .bind(l.queue_id)
    .bind(l.type_id)
    .bind(l.category_id)
    .bind(l.team_id)
    .bind(l.contract_id)
    .bind(l.asset_id)
    .bind(l.project_id)
    .bind(serde_json::Value::Object(l.custom_fields.clone()))
    .execute(&mut **tx)
    .await?;
    get(tx, t.tenant_id, t.id, false).await
}

/// Bumps `updated_at` (a note was added).
pub async fn touch(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("update tickets set updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One page of tickets; `company` restricts to one company (portal users). The plan may carry
/// custom-field terms on `t.custom_fields` (see `Tickets::list_tickets`).
pub async fn list(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    company: Option<Uuid>,
) -> Result<(Vec<Ticket>, String)> {
    let mut qb = QueryBuilder::new(format!("{SELECT} where t.tenant_id = "));
    qb.push_bind(tenant);
    if let Some(c) = company {
        qb.push(" and t.company_id = ").push_bind(c);
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut tickets: Vec<Ticket> = rows.into_iter().map(Ticket::from).collect();
    let token = plan.finish(&mut tickets, |t, order| {
        let v = match order {
            "update_time" => time_key(t.updated_at),
            "number" => SortValue::Int(t.number),
            "priority" => SortValue::Int(match t.fields.priority {
                TicketPriority::Low => 1,
                TicketPriority::Medium => 2,
                TicketPriority::High => 3,
                TicketPriority::Critical => 4,
            }),
            _ => time_key(t.created_at),
        };
        (v, t.id)
    });
    Ok((tickets, token))
}

/// Points the tenant's tickets of contact `from` at contact `to` (after a contact merge);
/// returns how many moved.
pub async fn move_contact(tx: &mut TenantTx, tenant: Uuid, from: Uuid, to: Uuid) -> Result<u64> {
    let done = sqlx::query("update tickets set contact_id = $3 where tenant_id = $1 and contact_id = $2")
        .bind(tenant)
        .bind(from)
        .bind(to)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}
