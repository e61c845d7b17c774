//! Automation rules, their schedule, runs and outbound deliveries.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, time_key};
use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use crate::domain::automation::eval::{CompanyFacts, ContactFacts};
use crate::domain::automation::{Rule, RuleFields, Trigger};

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    description: String,
    active: bool,
    priority: i32,
    trigger: String,
    schedule: String,
    time_zone: String,
    no_response_hours: i32,
    conditions: serde_json::Value,
    actions: serde_json::Value,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    archived_at: Option<DateTime<Utc>>,
    next_run_at: Option<DateTime<Utc>>,
}

impl TryFrom<RuleRow> for Rule {
    type Error = psa_kit::Error;
    fn try_from(r: RuleRow) -> Result<Self> {
        let bad = |e: serde_json::Error| psa_kit::Error::Other(anyhow::anyhow!("stored automation rule {}: {e}", r.id));
        Ok(Rule {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: RuleFields {
                name: r.name.clone(),
                description: r.description.clone(),
                active: r.active,
                priority: r.priority,
                trigger: Trigger::parse(&r.trigger).unwrap_or(Trigger::TicketCreated),
                schedule: r.schedule.clone(),
                time_zone: r.time_zone.clone(),
                no_response_hours: r.no_response_hours,
                conditions: serde_json::from_value(r.conditions.clone()).map_err(bad)?,
                actions: serde_json::from_value(r.actions.clone()).map_err(bad)?,
            },
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            archived: r.archived_at.is_some(),
            next_run_at: r.next_run_at,
        })
    }
}

const SELECT: &str = "select r.id, r.tenant_id, r.name, r.description, r.active, r.priority, r.trigger, r.schedule, \
    r.time_zone, r.no_response_hours, r.conditions, r.actions, r.created_by, r.created_at, r.updated_at, r.archived_at, \
    s.next_run_at from automation_rules r left join automation_schedule s on s.rule_id = r.id";

fn json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| psa_kit::Error::Other(e.into()))
}

/// Inserts rule `id`.
pub async fn insert_rule(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &RuleFields, by: Uuid) -> Result<Rule> {
    sqlx::query(
        "insert into automation_rules (id, tenant_id, name, description, active, priority, trigger, schedule, time_zone, \
         no_response_hours, conditions, actions, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(id)
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.active)
    .bind(f.priority)
    .bind(f.trigger.as_str())
    .bind(&f.schedule)
    .bind(&f.time_zone)
    .bind(f.no_response_hours)
    .bind(json(&f.conditions)?)
    .bind(json(&f.actions)?)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    get_rule(tx, tenant, id, false).await
}

/// Replaces the fields of rule `id`.
pub async fn update_rule(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &RuleFields) -> Result<Rule> {
    sqlx::query(
        "update automation_rules set name = $3, description = $4, active = $5, priority = $6, trigger = $7, schedule = $8, \
         time_zone = $9, no_response_hours = $10, conditions = $11, actions = $12, updated_at = now() \
         where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.active)
    .bind(f.priority)
    .bind(f.trigger.as_str())
    .bind(&f.schedule)
    .bind(&f.time_zone)
    .bind(f.no_response_hours)
    .bind(json(&f.conditions)?)
    .bind(json(&f.actions)?)
    .execute(&mut **tx)
    .await?;
    get_rule(tx, tenant, id, false).await
}

/// Archives rule `id` (and drops its schedule).
pub async fn archive_rule(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Rule> {
    sqlx::query("update automation_rules set archived_at = now(), updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    set_schedule(tx, tenant, id, None).await?;
    get_rule(tx, tenant, id, true).await
}

/// Rule `id`; archived ones only with `archived_too`.
pub async fn get_rule(tx: &mut TenantTx, tenant: Uuid, id: Uuid, archived_too: bool) -> Result<Rule> {
    let row: Option<RuleRow> = sqlx::query_as(&format!(
        "{SELECT} where r.tenant_id = $1 and r.id = $2{}",
        if archived_too { "" } else { " and r.archived_at is null" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(Rule::try_from).transpose()?.ok_or_else(|| DomainError::NotFound { entity: "automation rule" }.into())
}

/// Unarchived rules (of `trigger`, when given; only active ones with `active_only`) in
/// evaluation order: trigger, priority, name, id.
pub async fn list_rules(
    tx: &mut TenantTx,
    tenant: Uuid,
    trigger: Option<Trigger>,
    active_only: bool,
) -> Result<Vec<Rule>> {
    let rows: Vec<RuleRow> = sqlx::query_as(&format!(
        "{SELECT} where r.tenant_id = $1 and r.archived_at is null and ($2::text is null or r.trigger = $2) \
         and (not $3 or r.active) order by r.trigger, r.priority, r.name, r.id"
    ))
    .bind(tenant)
    .bind(trigger.map(Trigger::as_str))
    .bind(active_only)
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter().map(Rule::try_from).collect()
}

/// Sets (or with `None` removes) when rule `id` runs next (schedule and no-response rules).
pub async fn set_schedule(tx: &mut TenantTx, tenant: Uuid, id: Uuid, next: Option<DateTime<Utc>>) -> Result<()> {
    match next {
        Some(at) => {
            sqlx::query(
                "insert into automation_schedule (rule_id, tenant_id, next_run_at) values ($1, $2, $3) \
                 on conflict (rule_id) do update set next_run_at = excluded.next_run_at, leased_until = null",
            )
            .bind(id)
            .bind(tenant)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query("delete from automation_schedule where rule_id = $1 and tenant_id = $2")
                .bind(id)
                .bind(tenant)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Leases up to `limit` rules due at `now` for `lease` seconds (replicas skip leased rows);
/// returns `(rule, tenant)`.
pub async fn lease_due_rules(pool: &PgPool, now: DateTime<Utc>, lease: i64, limit: i64) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "update automation_schedule set leased_until = $1 + make_interval(secs => $2) where rule_id in \
         (select rule_id from automation_schedule where next_run_at <= $1 and (leased_until is null or leased_until < $1) \
          order by next_run_at limit $3 for update skip locked) returning rule_id, tenant_id",
    )
    .bind(now)
    .bind(lease as f64)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// A run to record.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub id: Uuid,
    pub rule_id: Uuid,
    pub ticket_id: Uuid,
    pub trigger: Trigger,
    pub event_key: &'a str,
    pub chain: &'a [Uuid],
    /// `applied` or `skipped_loop`.
    pub outcome: &'a str,
    pub conditions: serde_json::Value,
    pub actions: serde_json::Value,
}

/// Records a run; `false` when this rule already ran for this ticket and event (another
/// replica, or a redelivery): the caller must then do nothing.
pub async fn insert_run(tx: &mut TenantTx, tenant: Uuid, r: &NewRun<'_>) -> Result<bool> {
    let done = sqlx::query(
        "insert into automation_runs (id, tenant_id, rule_id, ticket_id, trigger, event_key, chain, outcome, conditions, actions) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (tenant_id, rule_id, ticket_id, event_key) do nothing",
    )
    .bind(r.id)
    .bind(tenant)
    .bind(r.rule_id)
    .bind(r.ticket_id)
    .bind(r.trigger.as_str())
    .bind(r.event_key)
    .bind(r.chain)
    .bind(r.outcome)
    .bind(&r.conditions)
    .bind(&r.actions)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes the action results of run `id` (after the actions ran).
pub async fn set_run_actions(tx: &mut TenantTx, tenant: Uuid, id: Uuid, actions: serde_json::Value) -> Result<()> {
    sqlx::query("update automation_runs set actions = $3 where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(actions)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A stored run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Run {
    pub id: Uuid,
    pub rule_id: Uuid,
    pub ticket_id: Uuid,
    pub ticket_number: i64,
    pub trigger: String,
    pub event_key: String,
    pub chain: Vec<Uuid>,
    pub outcome: String,
    pub conditions: serde_json::Value,
    pub actions: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// What ListTicketAutomationRuns may filter by; newest first.
pub const RUNS: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "ticket_id", column: "r.ticket_id", kind: FieldKind::Uuid },
        FilterField {
            name: "outcome",
            column: "r.outcome",
            kind: FieldKind::Enum { prefix: "AUTOMATION_RUN_OUTCOME_", values: &["applied", "skipped_loop"] },
        },
    ],
    orders: &[OrderField { name: "create_time", column: "r.created_at", kind: SortKind::Time }],
    default_order: "create_time desc",
    id_column: "r.id",
};

/// One page of rule `rule`'s runs.
pub async fn list_runs(tx: &mut TenantTx, tenant: Uuid, rule: Uuid, plan: &ListPlan) -> Result<(Vec<Run>, String)> {
    let mut qb = QueryBuilder::new(
        "select r.id, r.rule_id, r.ticket_id, t.number as ticket_number, r.trigger, r.event_key, r.chain, r.outcome, \
         r.conditions, r.actions, r.created_at from automation_runs r join tickets t on t.tenant_id = r.tenant_id \
         and t.id = r.ticket_id where r.tenant_id = ",
    );
    qb.push_bind(tenant).push(" and r.rule_id = ").push_bind(rule);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let mut rows: Vec<Run> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let token = plan.finish(&mut rows, |r, _| (time_key(r.created_at), r.id));
    Ok((rows, token))
}

/// Records a change of `ticket` made by automation rule `rule` (no user actor).
pub async fn record_activity(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    rule: Uuid,
    change: crate::repo::ticket_actions::Change<'_>,
) -> Result<()> {
    sqlx::query(
        "insert into ticket_activity (id, tenant_id, ticket_id, actor_id, action, field, old_value, new_value, automation_rule_id) \
         values ($1, $2, $3, null, $4, $5, $6, $7, $8)",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(ticket)
    .bind(change.action)
    .bind(change.field)
    .bind(change.old)
    .bind(change.new)
    .bind(rule)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Marks note `id` as written by `kind` (`client` or `automation`).
pub async fn set_note_author_kind(tx: &mut TenantTx, tenant: Uuid, id: Uuid, kind: &str) -> Result<()> {
    sqlx::query("update ticket_notes set author_kind = $3 where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(kind)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The company projection's facts of `id`, if it arrived.
pub async fn company(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<CompanyFacts>> {
    let row: Option<(String, String)> =
        sqlx::query_as("select name, status from companies where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(name, status)| CompanyFacts { name, status }))
}

/// The contact projection's facts of `id`, if it arrived.
pub async fn contact(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<ContactFacts>> {
    let row: Option<(String, String)> =
        sqlx::query_as("select email, name from contacts where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.map(|(email, name)| ContactFacts { email, name }))
}

/// Open tickets (not resolved, closed or merged), oldest first, at most `limit`.
pub async fn open_tickets(tx: &mut TenantTx, tenant: Uuid, limit: i64) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "select id from tickets where tenant_id = $1 and status not in ('resolved', 'closed') and merged_into_id is null \
         order by created_at, id limit $2",
    )
    .bind(tenant)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

/// Open tickets waiting for a response since `at_or_before`: the later of creation and the
/// client's last note is at or before it, and no public staff note came after that. Returns
/// `(ticket, since)`, oldest first, at most `limit`.
pub async fn unanswered(
    tx: &mut TenantTx,
    tenant: Uuid,
    at_or_before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(Uuid, DateTime<Utc>)>> {
    Ok(sqlx::query_as(
        "select id, since from (select t.id, greatest(t.created_at, coalesce((select max(n.created_at) from ticket_notes n \
           where n.tenant_id = t.tenant_id and n.ticket_id = t.id and n.author_kind = 'client'), t.created_at)) as since \
           from tickets t where t.tenant_id = $1 and t.status not in ('resolved', 'closed') and t.merged_into_id is null) x \
         where since <= $2 and not exists (select 1 from ticket_notes n where n.tenant_id = $1 and n.ticket_id = x.id \
           and n.visibility = 'public' and n.author_kind = 'staff' and n.created_at >= x.since) \
         order by since, id limit $3",
    )
    .bind(tenant)
    .bind(at_or_before)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

/// Puts ticket `ticket` under SLA policy `policy` (the caller recomputes the clocks).
pub async fn set_sla_policy(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, policy: Uuid) -> Result<()> {
    sqlx::query(
        "insert into ticket_sla (tenant_id, ticket_id, policy_id, first_response_due, first_response, resolved, paused, \
         resolution, computed_at) values ($1, $2, $3, now(), 'pending', false, false, 'pending', now()) \
         on conflict (tenant_id, ticket_id) do update set policy_id = excluded.policy_id",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(policy)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether SLA policy `id` exists (and is not archived).
pub async fn sla_policy_exists(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "select exists(select 1 from sla_policies where tenant_id = $1 and id = $2 and archived_at is null)",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?)
}

/// An outbound delivery to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub id: Uuid,
    pub run_id: Uuid,
    pub rule_id: Uuid,
    /// `webhook` or `email`.
    pub kind: &'a str,
    pub target: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub secret: Option<Vec<u8>>,
}

/// Queues a delivery, due at once.
pub async fn insert_delivery(tx: &mut TenantTx, tenant: Uuid, d: &NewDelivery<'_>) -> Result<()> {
    sqlx::query(
        "insert into automation_deliveries (id, tenant_id, run_id, rule_id, kind, target, subject, body, secret) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(d.id)
    .bind(tenant)
    .bind(d.run_id)
    .bind(d.rule_id)
    .bind(d.kind)
    .bind(d.target)
    .bind(d.subject)
    .bind(d.body)
    .bind(&d.secret)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "insert into automation_delivery_schedule (delivery_id, tenant_id, next_attempt_at) values ($1, $2, now())",
    )
    .bind(d.id)
    .bind(tenant)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Leases up to `limit` due deliveries for `lease` seconds; returns `(delivery, tenant)`.
pub async fn lease_due_deliveries(
    pool: &PgPool,
    now: DateTime<Utc>,
    lease: i64,
    limit: i64,
) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(
        "update automation_delivery_schedule set leased_until = $1 + make_interval(secs => $2) where delivery_id in \
         (select delivery_id from automation_delivery_schedule where next_attempt_at <= $1 \
          and (leased_until is null or leased_until < $1) order by next_attempt_at limit $3 for update skip locked) \
         returning delivery_id, tenant_id",
    )
    .bind(now)
    .bind(lease as f64)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// A queued delivery.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub run_id: Uuid,
    pub rule_id: Uuid,
    pub kind: String,
    pub target: String,
    pub subject: String,
    pub body: String,
    pub secret: Option<Vec<u8>>,
    pub status: String,
    pub attempts: i32,
    pub response_status: Option<i32>,
    pub last_error: String,
}

/// Delivery `id`, if still pending.
pub async fn pending_delivery(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Option<Delivery>> {
    Ok(sqlx::query_as(
        "select id, tenant_id, run_id, rule_id, kind, target, subject, body, secret, status, attempts, response_status, \
         last_error from automation_deliveries where tenant_id = $1 and id = $2 and status = 'pending'",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The deliveries of run `run` (tests and diagnostics).
pub async fn deliveries_of_run(tx: &mut TenantTx, tenant: Uuid, run: Uuid) -> Result<Vec<Delivery>> {
    Ok(sqlx::query_as(
        "select id, tenant_id, run_id, rule_id, kind, target, subject, body, secret, status, attempts, response_status, \
         last_error from automation_deliveries where tenant_id = $1 and run_id = $2 order by id",
    )
    .bind(tenant)
    .bind(run)
    .fetch_all(&mut **tx)
    .await?)
}

/// Records the outcome of a delivery attempt: `sent`/`failed` end it (its schedule row goes),
/// `pending` retries at `retry_at`.
#[allow(clippy::too_many_arguments)]
pub async fn finish_delivery(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    status: &str,
    attempts: i32,
    response_status: Option<i32>,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query(
        "update automation_deliveries set status = $3, attempts = $4, response_status = $5, last_error = $6, \
         sent_at = case when $3 = 'sent' then now() else sent_at end where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(status)
    .bind(attempts)
    .bind(response_status)
    .bind(error)
    .execute(&mut **tx)
    .await?;
    match retry_at {
        Some(at) if status == "pending" => {
            sqlx::query(
                "update automation_delivery_schedule set next_attempt_at = $2, leased_until = null where delivery_id = $1",
            )
            .bind(id)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        _ => {
            sqlx::query("delete from automation_delivery_schedule where delivery_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}
