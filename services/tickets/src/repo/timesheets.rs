//! The `timesheets` table: one row per user and ISO week once the week has been touched.

use chrono::{DateTime, NaiveDate, Utc};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::{FieldKind, FilterField, ListPlan, ListSpec, OrderField, SortKind, SortValue};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::domain::time::TimeEntry;
use crate::domain::timesheet::{Timesheet, TimesheetStatus, week_end};

#[derive(sqlx::FromRow)]
struct Row {
    tenant_id: Uuid,
    user_id: Uuid,
    week_start: NaiveDate,
    status: String,
    submitted_at: Option<DateTime<Utc>>,
    decided_by: Option<Uuid>,
    decided_at: Option<DateTime<Utc>>,
    rejection_reason: String,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Timesheet {
    fn from(r: Row) -> Self {
        Timesheet {
            tenant_id: r.tenant_id,
            user_id: r.user_id,
            week_start: r.week_start,
            status: TimesheetStatus::parse(&r.status).unwrap_or(TimesheetStatus::Open),
            submitted_at: r.submitted_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            rejection_reason: r.rejection_reason,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "t.tenant_id, t.user_id, t.week_start, t.status, t.submitted_at, t.decided_by, t.decided_at, t.rejection_reason, t.updated_at";

/// The week of `user` starting on `monday`, created `open` when missing and locked for update
/// until the transaction ends (entry writes and actions on one week run one at a time).
pub async fn lock(tx: &mut TenantTx, tenant: Uuid, user: Uuid, monday: NaiveDate) -> Result<Timesheet> {
    let row: Row = sqlx::query_as(&format!(
        "insert into timesheets as t (tenant_id, user_id, week_start) values ($1, $2, $3) \
         on conflict (tenant_id, user_id, week_start) do update set week_start = excluded.week_start \
         returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(user)
    .bind(monday)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.into())
}

/// The stored week, if any.
pub async fn get(tx: &mut TenantTx, tenant: Uuid, user: Uuid, monday: NaiveDate) -> Result<Option<Timesheet>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from timesheets t where t.tenant_id = $1 and t.user_id = $2 and t.week_start = $3"
    ))
    .bind(tenant)
    .bind(user)
    .bind(monday)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(Timesheet::from))
}

/// Writes the status fields of `t`.
pub async fn save(tx: &mut TenantTx, t: &Timesheet) -> Result<()> {
    sqlx::query(
        "update timesheets set status = $4, submitted_at = $5, decided_by = $6, decided_at = $7, \
         rejection_reason = $8, updated_at = $9 where tenant_id = $1 and user_id = $2 and week_start = $3",
    )
    .bind(t.tenant_id)
    .bind(t.user_id)
    .bind(t.week_start)
    .bind(t.status.as_str())
    .bind(t.submitted_at)
    .bind(t.decided_by)
    .bind(t.decided_at)
    .bind(&t.rejection_reason)
    .bind(t.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The entries of `user` dated in the week starting on `monday`, by date then creation.
pub async fn week_entries(tx: &mut TenantTx, tenant: Uuid, user: Uuid, monday: NaiveDate) -> Result<Vec<TimeEntry>> {
    super::time::entries_between(tx, tenant, user, monday, week_end(monday)).await
}

/// Marks the billable unbilled entries of the week ready to bill.
pub async fn mark_ready_to_bill(tx: &mut TenantTx, tenant: Uuid, user: Uuid, monday: NaiveDate) -> Result<()> {
    sqlx::query(
        "update time_entries set billing_status = 'ready_to_bill', updated_at = now() \
         where tenant_id = $1 and user_id = $2 and entry_date between $3 and $4 \
         and billable and billing_status = 'unbilled'",
    )
    .bind(tenant)
    .bind(user)
    .bind(monday)
    .bind(week_end(monday))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What `ListTimesheets` may filter and order by.
pub const LIST: ListSpec = ListSpec {
    filters: &[
        FilterField { name: "user_id", column: "t.user_id", kind: FieldKind::Uuid },
        FilterField {
            name: "status",
            column: "t.status",
            kind: FieldKind::Enum { prefix: "TIMESHEET_STATUS_", values: TimesheetStatus::NAMES },
        },
    ],
    orders: &[
        // days since 2000-01-01, as for entries
        // (week_start, user_id) is unique per tenant: a sound keyset
        OrderField { name: "week_start", column: "(t.week_start - date '2000-01-01')", kind: SortKind::Int },
    ],
    default_order: "week_start desc",
    id_column: "t.user_id",
};

/// One page of submitted, approved and rejected weeks.
pub async fn list(tx: &mut TenantTx, tenant: Uuid, plan: &ListPlan) -> Result<(Vec<Timesheet>, String)> {
    let mut qb =
        QueryBuilder::new(format!("select {COLUMNS} from timesheets t where t.status <> 'open' and t.tenant_id = "));
    qb.push_bind(tenant);
    plan.push_where(&mut qb);
    plan.push_order_limit(&mut qb);
    let rows: Vec<Row> = qb.build_query_as().fetch_all(&mut **tx).await?;
    let mut sheets: Vec<Timesheet> = rows.into_iter().map(Timesheet::from).collect();
    let token = plan.finish(&mut sheets, |t, _| (SortValue::Int(super::time::day_number(t.week_start)), t.user_id));
    Ok((sheets, token))
}
