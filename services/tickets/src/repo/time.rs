//! Time tracking tables: `work_types`, `time_settings`, `time_entries`, `running_timers`.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use psa_core::DomainError;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue, time_key};
use psa_kit::{Error, Result};
use rust_decimal::Decimal;
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::time::{
    BillingStatus, EntryFields, RoundingMethod, RoundingRule, TimeEntry, Timer, WorkType, WorkTypeFields,
};

// ---- work types ----

#[derive(sqlx::FromRow)]
struct WorkTypeRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    description: String,
    default_rate: String,
    currency: String,
    billable: bool,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<WorkTypeRow> for WorkType {
    fn from(r: WorkTypeRow) -> Self {
        WorkType {
            id: r.id,
            tenant_id: r.tenant_id,
            fields: WorkTypeFields {
                name: r.name,
                description: r.description,
                default_rate: Decimal::from_str(&r.default_rate).unwrap_or_default().normalize(),
                currency: r.currency,
                billable: r.billable,
                active: r.active,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const WORK_TYPE_COLUMNS: &str = "id, tenant_id, name, description, default_rate::text as default_rate, currency, billable, active, created_at, updated_at";

fn name_taken(e: Error) -> Error {
    if e.is_unique_violation("work_types_name") {
        DomainError::AlreadyExists { entity: "work type", field: "name" }.into()
    } else {
        e
    }
}

/// Inserts a work type.
///
/// # Errors
/// ALREADY_EXISTS on `name` (case-insensitive, per tenant).
pub async fn insert_work_type(tx: &mut TenantTx, tenant: Uuid, f: &WorkTypeFields) -> Result<WorkType> {
    let row: std::result::Result<WorkTypeRow, sqlx::Error> = sqlx::query_as(&format!(
        "insert into work_types (id, tenant_id, name, description, default_rate, currency, billable, active) \
         values ($1, $2, $3, $4, $5::numeric, $6, $7, $8) returning {WORK_TYPE_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.default_rate.to_string())
    .bind(&f.currency)
    .bind(f.billable)
    .bind(f.active)
    .fetch_one(&mut **tx)
    .await;
    row.map(WorkType::from).map_err(|e| name_taken(e.into()))
}

/// Replaces a work type's fields.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's; ALREADY_EXISTS on `name`.
pub async fn update_work_type(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &WorkTypeFields) -> Result<WorkType> {
    let row: std::result::Result<Option<WorkTypeRow>, sqlx::Error> = sqlx::query_as(&format!(
        "update work_types set name = $3, description = $4, default_rate = $5::numeric, currency = $6, billable = $7, \
         active = $8, updated_at = now() where tenant_id = $1 and id = $2 returning {WORK_TYPE_COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.default_rate.to_string())
    .bind(&f.currency)
    .bind(f.billable)
    .bind(f.active)
    .fetch_optional(&mut **tx)
    .await;
    row.map_err(|e| name_taken(e.into()))?
        .map(WorkType::from)
        .ok_or_else(|| DomainError::NotFound { entity: "work type" }.into())
}

/// The work type `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_work_type(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<WorkType> {
    let row: Option<WorkTypeRow> =
        sqlx::query_as(&format!("select {WORK_TYPE_COLUMNS} from work_types where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(WorkType::from).ok_or_else(|| DomainError::NotFound { entity: "work type" }.into())
}

/// Every work type of the tenant, by name.
pub async fn list_work_types(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<WorkType>> {
    let rows: Vec<WorkTypeRow> = sqlx::query_as(&format!(
        "select {WORK_TYPE_COLUMNS} from work_types where tenant_id = $1 order by lower(name), id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(WorkType::from).collect())
}

// ---- settings ----

/// The tenant's rounding rule (the default, no rounding, when none was saved).
pub async fn rounding_rule(tx: &mut TenantTx, tenant: Uuid) -> Result<RoundingRule> {
    let row: Option<(String, i32, i32)> =
        sqlx::query_as("select method, increment_minutes, minimum_minutes from time_settings where tenant_id = $1")
            .bind(tenant)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row
        .map(|(m, increment, minimum)| RoundingRule {
            method: RoundingMethod::parse(&m).unwrap_or(RoundingMethod::None),
            increment,
            minimum,
        })
        .unwrap_or_default())
}

/// Saves the tenant's rounding rule.
pub async fn set_rounding_rule(tx: &mut TenantTx, tenant: Uuid, r: &RoundingRule) -> Result<()> {
    sqlx::query(
        "insert into time_settings (tenant_id, method, increment_minutes, minimum_minutes) values ($1, $2, $3, $4) \
         on conflict (tenant_id) do update set method = excluded.method, increment_minutes = excluded.increment_minutes, \
         minimum_minutes = excluded.minimum_minutes, updated_at = now()",
    )
    .bind(tenant)
    .bind(r.method.as_str())
    .bind(r.increment)
    .bind(r.minimum)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---- tickets ----

/// The company and contract (if any) of the tenant's ticket `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn ticket_company(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<(Uuid, Option<Uuid>)> {
    let c: Option<(Uuid, Option<Uuid>)> =
        sqlx::query_as("select company_id, contract_id from tickets where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    c.ok_or_else(|| DomainError::NotFound { entity: "ticket" }.into())
}

// ---- entries ----

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: Uuid,
    tenant_id: Uuid,
    user_id: Uuid,
    entry_date: NaiveDate,
    start_time: Option<NaiveTime>,
    end_time: Option<NaiveTime>,
    duration_minutes: i32,
    rounded_minutes: i32,
    work_type_id: Uuid,
    ticket_id: Option<Uuid>,
    company_id: Option<Uuid>,
    contract_id: Option<Uuid>,
    project_id: Option<Uuid>,
    task_id: Option<Uuid>,
    billable: bool,
    notes: String,
    internal_notes: String,
    billing_status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<EntryRow> for TimeEntry {
    fn from(r: EntryRow) -> Self {
        TimeEntry {
            id: r.id,
            tenant_id: r.tenant_id,
            user_id: r.user_id,
            fields: EntryFields {
                date: Some(r.entry_date),
                start: r.start_time,
                end: r.end_time,
                duration: r.duration_minutes,
                work_type_id: Some(r.work_type_id),
                ticket_id: r.ticket_id,
                company_id: r.company_id,
                contract_id: r.contract_id,
                project_id: r.project_id,
                task_id: r.task_id,
                billable: Some(r.billable),
                notes: r.notes,
                internal_notes: r.internal_notes,
            },
            rounded: r.rounded_minutes,
            billing_status: BillingStatus::parse(&r.billing_status).unwrap_or(BillingStatus::Unbilled),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const ENTRY_COLUMNS: &str = "e.id, e.tenant_id, e.user_id, e.entry_date, e.start_time, e.end_time, e.duration_minutes, \
    e.rounded_minutes, e.work_type_id, e.ticket_id, e.company_id, e.contract_id, e.project_id, e.task_id, e.billable, \
    e.notes, e.internal_notes, e.billing_status, e.created_at, e.updated_at";

/// What `ListTimeEntries` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "user_id", column: "e.user_id", kind: FieldKind::Uuid },
        FilterField { name: "ticket_id", column: "e.ticket_id", kind: FieldKind::Uuid },
        FilterField { name: "company_id", column: "e.company_id", kind: FieldKind::Uuid },
        FilterField { name: "contract_id", column: "e.contract_id", kind: FieldKind::Uuid },
        FilterField { name: "project_id", column: "e.project_id", kind: FieldKind::Uuid },
        FilterField { name: "task_id", column: "e.task_id", kind: FieldKind::Uuid },
        FilterField { name: "work_type_id", column: "e.work_type_id", kind: FieldKind::Uuid },
        FilterField {
            name: "billing_status",
            column: "e.billing_status",
            kind: FieldKind::Enum { prefix: "TIME_BILLING_STATUS_", values: BillingStatus::NAMES },
        },
    ],
    orders: &[
        // days since 2000-01-01: an integer key that keyset pages can carry
        OrderField { name: "date", column: "(e.entry_date - date '2000-01-01')", kind: SortKind::Int },
        OrderField { name: "create_time", column: "e.created_at", kind: SortKind::Time },
    ],
    default_order: "date desc",
    id_column: "e.id",
};

/// Days since 2000-01-01: the integer sort key of a date.
pub(crate) fn day_number(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()).num_days()
}

/// Inserts an entry (fields normalised, `billable` resolved) for `user`.
pub async fn insert_entry(
    tx: &mut TenantTx,
    tenant: Uuid,
    user: Uuid,
    f: &EntryFields,
    rounded: i32,
) -> Result<TimeEntry> {
    let row: EntryRow = sqlx::query_as(&format!(
        "insert into time_entries as e (id, tenant_id, user_id, entry_date, start_time, end_time, duration_minutes, \
         rounded_minutes, work_type_id, ticket_id, company_id, billable, notes, internal_notes, contract_id, \
         project_id, task_id) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) returning {ENTRY_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(user)
    .bind(f.date)
    .bind(f.start)
    .bind(f.end)
    .bind(f.duration)
    .bind(rounded)
    .bind(f.work_type_id)
    .bind(f.ticket_id)
    .bind(f.company_id)
    .bind(f.billable.unwrap_or(true))
    .bind(&f.notes)
    .bind(&f.internal_notes)
    .bind(f.contract_id)
    .bind(f.project_id)
    .bind(f.task_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// Writes an entry's fields and rounded duration, bumping `updated_at`.
pub async fn update_entry(tx: &mut TenantTx, e: &TimeEntry) -> Result<TimeEntry> {
    let f = &e.fields;
    let row: EntryRow = sqlx::query_as(&format!(
        "update time_entries e set entry_date = $3, start_time = $4, end_time = $5, duration_minutes = $6, \
         rounded_minutes = $7, work_type_id = $8, ticket_id = $9, company_id = $10, billable = $11, notes = $12, \
         internal_notes = $13, contract_id = $14, project_id = $15, task_id = $16, updated_at = now() \
         where e.tenant_id = $1 and e.id = $2 returning {ENTRY_COLUMNS}"
    ))
    .bind(e.tenant_id)
    .bind(e.id)
    .bind(f.date)
    .bind(f.start)
    .bind(f.end)
    .bind(f.duration)
    .bind(e.rounded)
    .bind(f.work_type_id)
    .bind(f.ticket_id)
    .bind(f.company_id)
    .bind(f.billable.unwrap_or(true))
    .bind(&f.notes)
    .bind(&f.internal_notes)
    .bind(f.contract_id)
    .bind(f.project_id)
    .bind(f.task_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// The entry `id`; with `lock`, locked for update.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_entry(tx: &mut TenantTx, tenant: Uuid, id: Uuid, lock: bool) -> Result<TimeEntry> {
    let row: Option<EntryRow> = sqlx::query_as(&format!(
        "select {ENTRY_COLUMNS} from time_entries e where e.tenant_id = $1 and e.id = $2{}",
        if lock { " for update" } else { "" }
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(TimeEntry::from).ok_or_else(|| DomainError::NotFound { entity: "time entry" }.into())
}

/// Deletes the entry `id`.
pub async fn delete_entry(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<()> {
    sqlx::query("delete from time_entries where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Restrictions of a list beyond the AIP-160 filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct EntryScope {
    /// Only this ticket's entries.
    pub ticket: Option<Uuid>,
    /// Entry dates from (inclusive).
    pub from: Option<NaiveDate>,
    /// Entry dates to (inclusive).
    pub to: Option<NaiveDate>,
}

/// One page of entries.
pub async fn list_entries(
    tx: &mut TenantTx,
    tenant: Uuid,
    plan: &ListPlan,
    scope: EntryScope,
) -> Result<(Vec<TimeEntry>, String)> {
    let mut qb = QueryBuilder::new(format!("select {ENTRY_COLUMNS} from time_entries e where e.tenant_id = "));
    qb.push_bind(tenant);
    if let Some(t) = scope.ticket {
        qb.push(" and e.ticket_id = ").push_bind(t);
    }
    if let Some(d) = scope.from {
        qb.push(" and e.entry_date >= ").push_bind(d);
    }
    if let Some(d) = scope.to {
        qb.push(" and e.entry_date <= ").push_bind(d);
    }
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<EntryRow> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut entries: Vec<TimeEntry> = rows.into_iter().map(TimeEntry::from).collect();
    let token = plan.finish(&mut entries, |e, order| {
        let v = match order {
            "create_time" => time_key(e.created_at),
            _ => SortValue::Int(e.fields.date.map(day_number).unwrap_or_default()),
        };
        (v, e.id)
    });
    Ok((entries, token))
}

/// The entries of `user` dated `from..=to`, by date then creation.
pub async fn entries_between(
    tx: &mut TenantTx,
    tenant: Uuid,
    user: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TimeEntry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "select {ENTRY_COLUMNS} from time_entries e where e.tenant_id = $1 and e.user_id = $2 \
         and e.entry_date between $3 and $4 order by e.entry_date, e.created_at, e.id"
    ))
    .bind(tenant)
    .bind(user)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(TimeEntry::from).collect())
}

// ---- timers ----

#[derive(sqlx::FromRow)]
struct TimerRow {
    user_id: Uuid,
    work_type_id: Uuid,
    ticket_id: Option<Uuid>,
    notes: String,
    started_at: DateTime<Utc>,
}

impl From<TimerRow> for Timer {
    fn from(r: TimerRow) -> Self {
        Timer {
            user_id: r.user_id,
            work_type_id: r.work_type_id,
            ticket_id: r.ticket_id,
            notes: r.notes,
            started_at: r.started_at,
        }
    }
}

/// Starts `t` (one per user).
///
/// # Errors
/// FAILED_PRECONDITION when the user's timer already runs.
pub async fn start_timer(tx: &mut TenantTx, tenant: Uuid, t: &Timer) -> Result<()> {
    let res = sqlx::query(
        "insert into running_timers (tenant_id, user_id, work_type_id, ticket_id, notes, started_at) \
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(t.user_id)
    .bind(t.work_type_id)
    .bind(t.ticket_id)
    .bind(&t.notes)
    .bind(t.started_at)
    .execute(&mut **tx)
    .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) => {
            let e: Error = e.into();
            if e.is_unique_violation("running_timers_pkey") {
                Err(DomainError::FailedPrecondition("a timer is already running; stop it first".into()).into())
            } else {
                Err(e)
            }
        }
    }
}

/// The user's running timer, if any.
pub async fn timer(tx: &mut TenantTx, tenant: Uuid, user: Uuid) -> Result<Option<Timer>> {
    let row: Option<TimerRow> = sqlx::query_as(
        "select user_id, work_type_id, ticket_id, notes, started_at from running_timers where tenant_id = $1 and user_id = $2",
    )
    .bind(tenant)
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(Timer::from))
}

/// Removes and returns the user's running timer, if any.
pub async fn take_timer(tx: &mut TenantTx, tenant: Uuid, user: Uuid) -> Result<Option<Timer>> {
    let row: Option<TimerRow> = sqlx::query_as(
        "delete from running_timers where tenant_id = $1 and user_id = $2 \
         returning user_id, work_type_id, ticket_id, notes, started_at",
    )
    .bind(tenant)
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(Timer::from))
}

// ---- reports ----

/// Totals of the entries dated `from..=to` grouped by `dim`, by total descending then key.
pub async fn report(
    tx: &mut TenantTx,
    tenant: Uuid,
    dim: crate::domain::time_report::Dimension,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<crate::domain::time_report::ReportRow>> {
    use crate::domain::time_report::{Dimension, ReportRow};
    let (key, label, join) = match dim {
        Dimension::User => ("e.user_id", "''", ""),
        Dimension::Company => (
            "e.company_id",
            "coalesce(min(c.name), '')",
            " left join companies c on c.tenant_id = e.tenant_id and c.id = e.company_id",
        ),
        Dimension::WorkType => (
            "e.work_type_id",
            "min(w.name)",
            " join work_types w on w.tenant_id = e.tenant_id and w.id = e.work_type_id",
        ),
        Dimension::Ticket => (
            "e.ticket_id",
            "coalesce(min('T-' || lpad(t.number::text, 6, '0') || ' ' || t.title), '')",
            " left join tickets t on t.tenant_id = e.tenant_id and t.id = e.ticket_id",
        ),
    };
    let rows: Vec<(Option<Uuid>, String, i64, i64, i64)> = sqlx::query_as(&format!(
        "select {key}, {label}, count(*), coalesce(sum(e.rounded_minutes), 0)::bigint, \
         coalesce(sum(e.rounded_minutes) filter (where e.billable), 0)::bigint \
         from time_entries e{join} where e.tenant_id = $1 and e.entry_date between $2 and $3 \
         group by {key} order by 4 desc, 1 nulls last"
    ))
    .bind(tenant)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, label, entries, total, billable)| ReportRow { key, label, entries, total, billable })
        .collect())
}
