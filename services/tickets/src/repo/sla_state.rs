//! A ticket's SLA history and state: `ticket_status_changes`, `tickets.first_response_at`,
//! `ticket_sla`, `sla_timers` (pending announcements, read across tenants by the SLA job) and
//! `sla_emissions` (announced ones, unique per ticket, clock and threshold).

use chrono::{DateTime, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::sla::clock::{ClockKind, History, Outcome, Phase, SlaSummary};
use crate::domain::ticket::TicketStatus;

/// Records that ticket `ticket` entered `status` at `at`, with the flags (`pauses_sla`,
/// `closed`) its tenant status (`tickets.status_id`, already written) has now.
pub async fn record_status(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    status: TicketStatus,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "insert into ticket_status_changes (tenant_id, ticket_id, status, changed_at, status_id, pauses_sla, closed) \
         select $1, $2, $3, $4, s.id, s.pauses_sla, s.closed from tickets t \
         left join ticket_statuses s on s.tenant_id = t.tenant_id and s.id = t.status_id \
         where t.tenant_id = $1 and t.id = $2",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(status.as_str())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stamps the first public staff note (only the first one counts).
pub async fn record_first_response(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "update tickets set first_response_at = $3 where tenant_id = $1 and id = $2 and first_response_at is null",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `ticket_status_changes` row: when, kind, and the flags recorded (null on older rows).
type StatusChangeRow = (DateTime<Utc>, String, Option<bool>, Option<bool>);

/// The recorded history of a ticket created at `created_at`.
pub async fn history(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, created_at: DateTime<Utc>) -> Result<History> {
    let rows: Vec<StatusChangeRow> = sqlx::query_as(
        "select changed_at, status, pauses_sla, closed from ticket_status_changes where tenant_id = $1 and ticket_id = $2 \
         order by changed_at, id",
    )
    .bind(tenant)
    .bind(ticket)
    .fetch_all(&mut **tx)
    .await?;
    let first: Option<DateTime<Utc>> =
        sqlx::query_scalar("select first_response_at from tickets where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(ticket)
            .fetch_optional(&mut **tx)
            .await?
            .flatten();
    Ok(History {
        created_at,
        statuses: rows
            .into_iter()
            .filter_map(|(t, s, pauses, closed)| {
                let phase = match (pauses, closed) {
                    (Some(p), Some(c)) => Phase::of(p, c),
                    _ => Phase::from(TicketStatus::parse(&s)?),
                };
                Some((t, phase))
            })
            .collect(),
        first_public_staff_note: first,
    })
}

/// Locks the ticket's SLA row (if any) and answers its policy. Every writer of a ticket's SLA
/// rows takes this lock first, so writers and the SLA job never wait on each other in a cycle.
pub async fn lock(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("select policy_id from ticket_sla where tenant_id = $1 and ticket_id = $2 for update")
        .bind(tenant)
        .bind(ticket)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Writes the ticket's SLA state.
pub async fn upsert(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid, s: &SlaSummary, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "insert into ticket_sla (tenant_id, ticket_id, policy_id, first_response_due, first_response_at, first_response, \
         resolution_due, resolved, paused, resolution, computed_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         on conflict (tenant_id, ticket_id) do update set policy_id = excluded.policy_id, \
         first_response_due = excluded.first_response_due, first_response_at = excluded.first_response_at, \
         first_response = excluded.first_response, resolution_due = excluded.resolution_due, resolved = excluded.resolved, \
         paused = excluded.paused, resolution = excluded.resolution, computed_at = excluded.computed_at",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(s.policy_id)
    .bind(s.first_response_due)
    .bind(s.first_response_at)
    .bind(s.first_response.as_str())
    .bind(s.resolution_due)
    .bind(s.resolved)
    .bind(s.paused)
    .bind(s.resolution.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes the ticket's SLA state and pending timers (no policy applies any more).
pub async fn delete(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid) -> Result<()> {
    sqlx::query("delete from ticket_sla where tenant_id = $1 and ticket_id = $2")
        .bind(tenant)
        .bind(ticket)
        .execute(&mut **tx)
        .await?;
    replace_timers(tx, tenant, ticket, &[]).await
}

/// Thresholds already announced for the ticket.
pub async fn emitted(tx: &mut TenantTx, tenant: Uuid, ticket: Uuid) -> Result<Vec<(ClockKind, i16)>> {
    let rows: Vec<(String, i16)> =
        sqlx::query_as("select clock, threshold from sla_emissions where tenant_id = $1 and ticket_id = $2")
            .bind(tenant)
            .bind(ticket)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().filter_map(|(c, t)| Some((ClockKind::parse(&c)?, t))).collect())
}

/// Replaces the ticket's pending timers with `timers` (clock, threshold, fire_at).
pub async fn replace_timers(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    timers: &[(ClockKind, i16, DateTime<Utc>)],
) -> Result<()> {
    sqlx::query("delete from sla_timers where tenant_id = $1 and ticket_id = $2")
        .bind(tenant)
        .bind(ticket)
        .execute(&mut **tx)
        .await?;
    if timers.is_empty() {
        return Ok(());
    }
    let clocks: Vec<&str> = timers.iter().map(|t| t.0.as_str()).collect();
    let thresholds: Vec<i16> = timers.iter().map(|t| t.1).collect();
    let at: Vec<DateTime<Utc>> = timers.iter().map(|t| t.2).collect();
    sqlx::query(
        "insert into sla_timers (tenant_id, ticket_id, clock, threshold, fire_at) \
         select $1, $2, c, t, f from unnest($3::text[], $4::smallint[], $5::timestamptz[]) as x(c, t, f)",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(clocks)
    .bind(thresholds)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records an announcement; `false` when it was already recorded (the unique key).
pub async fn record_emission(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    clock: ClockKind,
    threshold: i16,
    event_id: Uuid,
) -> Result<bool> {
    let n = sqlx::query(
        "insert into sla_emissions (tenant_id, ticket_id, clock, threshold, event_id) values ($1, $2, $3, $4, $5) \
         on conflict do nothing",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(clock.as_str())
    .bind(threshold)
    .bind(event_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Tenants with timers due at `now` (read across tenants; `sla_timers` has no RLS).
pub async fn due_tenants(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar("select distinct tenant_id from sla_timers where fire_at <= $1 limit 100")
        .bind(now)
        .fetch_all(pool)
        .await?)
}

/// Locks up to `limit` tickets of `tenant` with due timers, with their SLA rows, skipping
/// rows another replica (or a ticket change) holds: each ticket is processed by one worker.
pub async fn lock_due(tx: &mut TenantTx, tenant: Uuid, now: DateTime<Utc>, limit: i64) -> Result<Vec<Uuid>> {
    let rows: Vec<Uuid> = sqlx::query_scalar(
        "select s.ticket_id from ticket_sla s where s.tenant_id = $1 and exists \
         (select 1 from sla_timers t where t.tenant_id = s.tenant_id and t.ticket_id = s.ticket_id and t.fire_at <= $2) \
         order by s.ticket_id limit $3 for update of s skip locked",
    )
    .bind(tenant)
    .bind(now)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows)
}

/// One row of the compliance report: company, name, priority and met/breached counts of
/// both clocks.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ComplianceRow {
    pub company_id: Uuid,
    pub company_name: Option<String>,
    pub priority: String,
    pub first_response_met: i64,
    pub first_response_breached: i64,
    pub resolution_met: i64,
    pub resolution_breached: i64,
}

/// Met/breached counts per company and priority for tickets created in `[from, to)`.
pub async fn compliance(
    tx: &mut TenantTx,
    tenant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<ComplianceRow>> {
    let (met, breached) = (Outcome::Met.as_str(), Outcome::Breached.as_str());
    Ok(sqlx::query_as(
        "select t.company_id, c.name as company_name, t.priority, \
         count(*) filter (where s.first_response = $4) as first_response_met, \
         count(*) filter (where s.first_response = $5) as first_response_breached, \
         count(*) filter (where s.resolution = $4) as resolution_met, \
         count(*) filter (where s.resolution = $5) as resolution_breached \
         from ticket_sla s join tickets t on t.tenant_id = s.tenant_id and t.id = s.ticket_id \
         left join companies c on c.tenant_id = t.tenant_id and c.id = t.company_id \
         where s.tenant_id = $1 and t.created_at >= $2 and t.created_at < $3 \
         group by t.company_id, c.name, t.priority \
         order by c.name nulls last, t.company_id, \
         (case t.priority when 'low' then 1 when 'medium' then 2 when 'high' then 3 else 4 end)",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .bind(met)
    .bind(breached)
    .fetch_all(&mut **tx)
    .await?)
}

/// Unfinished tickets under any of `policies` (to recompute after a configuration change).
pub async fn open_tickets_under(tx: &mut TenantTx, tenant: Uuid, policies: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "select ticket_id from ticket_sla where tenant_id = $1 and policy_id = any($2) \
         and (first_response = 'pending' or resolution = 'pending' or not resolved)",
    )
    .bind(tenant)
    .bind(policies)
    .fetch_all(&mut **tx)
    .await?)
}

/// Policies with a target on business hours `hours`, or on business hours that use holiday
/// calendar `holidays`.
pub async fn policies_using(
    tx: &mut TenantTx,
    tenant: Uuid,
    hours: Option<Uuid>,
    holidays: Option<Uuid>,
) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "select distinct g.policy_id from sla_targets g where g.tenant_id = $1 and exists ( \
           select 1 from business_hours b where b.tenant_id = g.tenant_id \
           and b.id in (g.first_response_hours_id, g.resolution_hours_id) \
           and (b.id = $2 or $3 = any(b.holiday_calendar_ids)))",
    )
    .bind(tenant)
    .bind(hours)
    .bind(holidays)
    .fetch_all(&mut **tx)
    .await?)
}

/// Stores the outbox event id of an announcement.
pub async fn set_emission_event(
    tx: &mut TenantTx,
    tenant: Uuid,
    ticket: Uuid,
    clock: ClockKind,
    threshold: i16,
    event_id: Uuid,
) -> Result<()> {
    sqlx::query(
        "update sla_emissions set event_id = $5 where tenant_id = $1 and ticket_id = $2 and clock = $3 and threshold = $4",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(clock.as_str())
    .bind(threshold)
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One breached clock of a ticket (the breach report).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BreachRow {
    pub ticket_id: Uuid,
    pub number: i64,
    pub title: String,
    pub company_id: Uuid,
    pub company_name: Option<String>,
    pub priority: String,
    pub clock: String,
    pub due: Option<DateTime<Utc>>,
    pub policy_id: Uuid,
}

/// Breached clocks of tickets created in `[from, to)`, newest ticket first, at most 1000.
pub async fn breaches(
    tx: &mut TenantTx,
    tenant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<BreachRow>> {
    Ok(sqlx::query_as(
        "select t.id as ticket_id, t.number, t.title, t.company_id, c.name as company_name, t.priority, x.clock, x.due, s.policy_id \
         from ticket_sla s join tickets t on t.tenant_id = s.tenant_id and t.id = s.ticket_id \
         left join companies c on c.tenant_id = t.tenant_id and c.id = t.company_id \
         cross join lateral (values ('first_response', s.first_response, s.first_response_due), \
                                    ('resolution', s.resolution, s.resolution_due)) as x(clock, outcome, due) \
         where s.tenant_id = $1 and t.created_at >= $2 and t.created_at < $3 and x.outcome = 'breached' \
         order by t.created_at desc, t.id, x.clock limit 1000",
    )
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?)
}
