//! SLA configuration tables: `holiday_calendars` + `holidays`, `business_hours`,
//! `sla_policies` + `sla_targets`, `company_sla_policies`.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::DomainError;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use serde_json::json;
use uuid::Uuid;

use crate::domain::sla::calendar::{Calendar, Hours, Interval};
use crate::domain::sla::policy::{
    BusinessHoursFields, BusinessHoursRecord, HolidayCalendarFields, HolidayCalendarRecord, Policy, PolicyFields,
    TargetSpec,
};
use crate::domain::ticket::TicketPriority;

// ---- holiday calendars ----

async fn holidays_of(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Vec<(NaiveDate, String)>> {
    Ok(sqlx::query_as("select day, name from holidays where tenant_id = $1 and calendar_id = $2 order by day")
        .bind(tenant)
        .bind(id)
        .fetch_all(&mut **tx)
        .await?)
}

async fn write_holidays(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &HolidayCalendarFields) -> Result<()> {
    sqlx::query("delete from holidays where tenant_id = $1 and calendar_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let days: Vec<NaiveDate> = f.holidays.iter().map(|h| h.0).collect();
    let names: Vec<String> = f.holidays.iter().map(|h| h.1.clone()).collect();
    sqlx::query(
        "insert into holidays (tenant_id, calendar_id, day, name) select $1, $2, d, n from unnest($3::date[], $4::text[]) as x(d, n)",
    )
    .bind(tenant)
    .bind(id)
    .bind(days)
    .bind(names)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts a holiday calendar with its dates.
pub async fn insert_holiday_calendar(
    tx: &mut TenantTx,
    tenant: Uuid,
    f: &HolidayCalendarFields,
) -> Result<HolidayCalendarRecord> {
    let id = Uuid::now_v7();
    sqlx::query("insert into holiday_calendars (id, tenant_id, name) values ($1, $2, $3)")
        .bind(id)
        .bind(tenant)
        .bind(&f.name)
        .execute(&mut **tx)
        .await?;
    write_holidays(tx, tenant, id, f).await?;
    get_holiday_calendar(tx, tenant, id).await
}

/// Replaces a holiday calendar's name and dates.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn update_holiday_calendar(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    f: &HolidayCalendarFields,
) -> Result<HolidayCalendarRecord> {
    let n = sqlx::query("update holiday_calendars set name = $3, updated_at = now() where tenant_id = $1 and id = $2")
        .bind(tenant)
        .bind(id)
        .bind(&f.name)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(DomainError::NotFound { entity: "holiday calendar" }.into());
    }
    write_holidays(tx, tenant, id, f).await?;
    get_holiday_calendar(tx, tenant, id).await
}

/// The holiday calendar `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_holiday_calendar(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<HolidayCalendarRecord> {
    let row: Option<(String, DateTime<Utc>, DateTime<Utc>)> =
        sqlx::query_as("select name, created_at, updated_at from holiday_calendars where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    let (name, created_at, updated_at) = row.ok_or(DomainError::NotFound { entity: "holiday calendar" })?;
    let holidays = holidays_of(tx, tenant, id).await?;
    Ok(HolidayCalendarRecord {
        id,
        tenant_id: tenant,
        fields: HolidayCalendarFields { name, holidays },
        created_at,
        updated_at,
    })
}

/// Every holiday calendar of the tenant, by name.
pub async fn list_holiday_calendars(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<HolidayCalendarRecord>> {
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from holiday_calendars where tenant_id = $1 order by name, id")
        .bind(tenant)
        .fetch_all(&mut **tx)
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get_holiday_calendar(tx, tenant, id).await?);
    }
    Ok(out)
}

/// Which of `ids` are not holiday calendars of the tenant.
pub async fn missing_holiday_calendars(tx: &mut TenantTx, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "select x from unnest($2::uuid[]) as x where not exists \
         (select 1 from holiday_calendars c where c.tenant_id = $1 and c.id = x)",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?)
}

// ---- business hours ----

fn schedule_json(week: &[Vec<Interval>; 7]) -> serde_json::Value {
    json!(
        week.iter()
            .map(|day| day.iter().map(|iv| json!({"start": iv.start, "end": iv.end})).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    )
}

fn schedule_from(v: &serde_json::Value) -> [Vec<Interval>; 7] {
    std::array::from_fn(|d| {
        v.get(d)
            .and_then(|day| day.as_array())
            .map(|ivs| {
                ivs.iter()
                    .filter_map(|iv| {
                        Some(Interval {
                            start: u16::try_from(iv.get("start")?.as_u64()?).ok()?,
                            end: u16::try_from(iv.get("end")?.as_u64()?).ok()?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

type BhRow = (Uuid, String, String, serde_json::Value, Vec<Uuid>, DateTime<Utc>, DateTime<Utc>);

fn bh(tenant: Uuid, r: BhRow) -> BusinessHoursRecord {
    BusinessHoursRecord {
        id: r.0,
        tenant_id: tenant,
        fields: BusinessHoursFields { name: r.1, time_zone: r.2, week: schedule_from(&r.3), holiday_calendar_ids: r.4 },
        created_at: r.5,
        updated_at: r.6,
    }
}

const BH_COLUMNS: &str = "id, name, time_zone, schedule, holiday_calendar_ids, created_at, updated_at";

/// Inserts a business-hours calendar.
pub async fn insert_business_hours(
    tx: &mut TenantTx,
    tenant: Uuid,
    f: &BusinessHoursFields,
) -> Result<BusinessHoursRecord> {
    let row: BhRow = sqlx::query_as(&format!(
        "insert into business_hours (id, tenant_id, name, time_zone, schedule, holiday_calendar_ids) \
         values ($1, $2, $3, $4, $5, $6) returning {BH_COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.time_zone)
    .bind(schedule_json(&f.week))
    .bind(&f.holiday_calendar_ids)
    .fetch_one(&mut **tx)
    .await?;
    Ok(bh(tenant, row))
}

/// Replaces a business-hours calendar.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn update_business_hours(
    tx: &mut TenantTx,
    tenant: Uuid,
    id: Uuid,
    f: &BusinessHoursFields,
) -> Result<BusinessHoursRecord> {
    let row: Option<BhRow> = sqlx::query_as(&format!(
        "update business_hours set name = $3, time_zone = $4, schedule = $5, holiday_calendar_ids = $6, updated_at = now() \
         where tenant_id = $1 and id = $2 returning {BH_COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&f.name)
    .bind(&f.time_zone)
    .bind(schedule_json(&f.week))
    .bind(&f.holiday_calendar_ids)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(bh(tenant, row.ok_or(DomainError::NotFound { entity: "business hours" })?))
}

/// The business-hours calendar `id`.
///
/// # Errors
/// NOT_FOUND when it is not the tenant's.
pub async fn get_business_hours(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<BusinessHoursRecord> {
    let row: Option<BhRow> =
        sqlx::query_as(&format!("select {BH_COLUMNS} from business_hours where tenant_id = $1 and id = $2"))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(bh(tenant, row.ok_or(DomainError::NotFound { entity: "business hours" })?))
}

/// Every business-hours calendar of the tenant, by name.
pub async fn list_business_hours(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<BusinessHoursRecord>> {
    let rows: Vec<BhRow> =
        sqlx::query_as(&format!("select {BH_COLUMNS} from business_hours where tenant_id = $1 order by name, id"))
            .bind(tenant)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.into_iter().map(|r| bh(tenant, r)).collect())
}

/// Which of `ids` are not business-hours calendars of the tenant.
pub async fn missing_business_hours(tx: &mut TenantTx, tenant: Uuid, ids: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "select x from unnest($2::uuid[]) as x where not exists \
         (select 1 from business_hours b where b.tenant_id = $1 and b.id = x)",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?)
}

/// The operational hours of a target: 24×7 for `None`, else the calendar with the dates of
/// its holiday calendars.
pub async fn hours(tx: &mut TenantTx, tenant: Uuid, id: Option<Uuid>) -> Result<Hours> {
    let Some(id) = id else { return Ok(Hours::Always) };
    let b = get_business_hours(tx, tenant, id).await?;
    let days: Vec<NaiveDate> =
        sqlx::query_scalar("select day from holidays where tenant_id = $1 and calendar_id = any($2)")
            .bind(tenant)
            .bind(&b.fields.holiday_calendar_ids)
            .fetch_all(&mut **tx)
            .await?;
    let cal = Calendar::new("", &b.fields.time_zone, b.fields.week, days.into_iter().collect::<BTreeSet<_>>())?;
    Ok(Hours::Business(cal))
}

// ---- policies ----

type PolicyRow = (Uuid, String, String, bool, Vec<i16>, DateTime<Utc>, DateTime<Utc>);
type TargetRow = (String, i32, Option<Uuid>, i32, Option<Uuid>);

async fn targets_of(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Vec<TargetSpec>> {
    let rows: Vec<TargetRow> = sqlx::query_as(
        "select priority, first_response_minutes, first_response_hours_id, resolution_minutes, resolution_hours_id \
         from sla_targets where tenant_id = $1 and policy_id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    let mut out: Vec<TargetSpec> = rows
        .into_iter()
        .map(|r| TargetSpec {
            priority: TicketPriority::parse(&r.0).unwrap_or(TicketPriority::Medium),
            first_response_minutes: r.1,
            first_response_hours: r.2,
            resolution_minutes: r.3,
            resolution_hours: r.4,
        })
        .collect();
    out.sort_by_key(|t| TicketPriority::ALL.iter().position(|p| *p == t.priority));
    Ok(out)
}

async fn write_targets(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &PolicyFields) -> Result<()> {
    sqlx::query("delete from sla_targets where tenant_id = $1 and policy_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for t in &f.targets {
        sqlx::query(
            "insert into sla_targets (tenant_id, policy_id, priority, first_response_minutes, first_response_hours_id, \
             resolution_minutes, resolution_hours_id) values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(id)
        .bind(t.priority.as_str())
        .bind(t.first_response_minutes)
        .bind(t.first_response_hours)
        .bind(t.resolution_minutes)
        .bind(t.resolution_hours)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Inserts a policy with its targets; a default policy replaces the previous default.
pub async fn insert_policy(tx: &mut TenantTx, tenant: Uuid, f: &PolicyFields) -> Result<Policy> {
    let id = Uuid::now_v7();
    // Clear the old default first (one default per tenant is a unique index).
    write_default_first(tx, tenant, id, f.is_default).await?;
    sqlx::query(
        "insert into sla_policies (id, tenant_id, name, description, is_default, warning_thresholds) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(tenant)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.is_default)
    .bind(&f.warning_thresholds)
    .execute(&mut **tx)
    .await?;
    write_targets(tx, tenant, id, f).await?;
    get_policy(tx, tenant, id, false).await
}

async fn write_default_first(tx: &mut TenantTx, tenant: Uuid, id: Uuid, is_default: bool) -> Result<()> {
    if is_default {
        sqlx::query("update sla_policies set is_default = false where tenant_id = $1 and id <> $2 and is_default")
            .bind(tenant)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Replaces an active policy and its targets.
///
/// # Errors
/// NOT_FOUND when it is not an active policy of the tenant.
pub async fn update_policy(tx: &mut TenantTx, tenant: Uuid, id: Uuid, f: &PolicyFields) -> Result<Policy> {
    get_policy(tx, tenant, id, false).await?;
    write_default_first(tx, tenant, id, f.is_default).await?;
    sqlx::query(
        "update sla_policies set name = $3, description = $4, is_default = $5, warning_thresholds = $6, updated_at = now() \
         where tenant_id = $1 and id = $2 and archived_at is null",
    )
    .bind(tenant)
    .bind(id)
    .bind(&f.name)
    .bind(&f.description)
    .bind(f.is_default)
    .bind(&f.warning_thresholds)
    .execute(&mut **tx)
    .await?;
    write_targets(tx, tenant, id, f).await?;
    get_policy(tx, tenant, id, false).await
}

/// Archives an active policy (no longer default nor assigned to companies or contracts).
///
/// # Errors
/// NOT_FOUND when it is not an active policy of the tenant.
pub async fn archive_policy(tx: &mut TenantTx, tenant: Uuid, id: Uuid) -> Result<Policy> {
    let p = get_policy(tx, tenant, id, false).await?;
    sqlx::query(
        "update sla_policies set archived_at = now(), is_default = false, updated_at = now() where tenant_id = $1 and id = $2",
    )
    .bind(tenant)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("delete from company_sla_policies where tenant_id = $1 and policy_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("delete from contract_sla_policies where tenant_id = $1 and policy_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(p)
}

/// The policy `id`; `archived_too` also finds archived ones (tickets keep theirs).
///
/// # Errors
/// NOT_FOUND when it is not the tenant's (or archived, unless `archived_too`).
pub async fn get_policy(tx: &mut TenantTx, tenant: Uuid, id: Uuid, archived_too: bool) -> Result<Policy> {
    let row: Option<PolicyRow> = sqlx::query_as(
        "select id, name, description, is_default, warning_thresholds, created_at, updated_at from sla_policies \
         where tenant_id = $1 and id = $2 and ($3 or archived_at is null)",
    )
    .bind(tenant)
    .bind(id)
    .bind(archived_too)
    .fetch_optional(&mut **tx)
    .await?;
    let r = row.ok_or(DomainError::NotFound { entity: "SLA policy" })?;
    policy(tx, tenant, r).await
}

async fn policy(tx: &mut TenantTx, tenant: Uuid, r: PolicyRow) -> Result<Policy> {
    let targets = targets_of(tx, tenant, r.0).await?;
    Ok(Policy {
        id: r.0,
        tenant_id: tenant,
        fields: PolicyFields { name: r.1, description: r.2, is_default: r.3, targets, warning_thresholds: r.4 },
        created_at: r.5,
        updated_at: r.6,
    })
}

/// Active policies of the tenant, by name.
pub async fn list_policies(tx: &mut TenantTx, tenant: Uuid) -> Result<Vec<Policy>> {
    let rows: Vec<PolicyRow> = sqlx::query_as(
        "select id, name, description, is_default, warning_thresholds, created_at, updated_at from sla_policies \
         where tenant_id = $1 and archived_at is null order by name, id",
    )
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(policy(tx, tenant, r).await?);
    }
    Ok(out)
}

/// The policy for a ticket of `company` under `contract`: the contract's selected policy,
/// else the company's assigned policy, else the tenant default, else none.
pub async fn policy_for_ticket(
    tx: &mut TenantTx,
    tenant: Uuid,
    contract: Option<Uuid>,
    company: Uuid,
) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "select coalesce( \
           (select k.policy_id from contract_sla_policies k where k.tenant_id = $1 and k.contract_id = $3), \
           (select a.policy_id from company_sla_policies a where a.tenant_id = $1 and a.company_id = $2), \
           (select p.id from sla_policies p where p.tenant_id = $1 and p.is_default and p.archived_at is null))",
    )
    .bind(tenant)
    .bind(company)
    .bind(contract)
    .fetch_one(&mut **tx)
    .await?)
}

/// The policy assigned to `company`, if any.
pub async fn company_policy(tx: &mut TenantTx, tenant: Uuid, company: Uuid) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("select policy_id from company_sla_policies where tenant_id = $1 and company_id = $2")
        .bind(tenant)
        .bind(company)
        .fetch_optional(&mut **tx)
        .await?)
}

/// Assigns `policy` to `company` (`None` removes the assignment).
pub async fn set_company_policy(tx: &mut TenantTx, tenant: Uuid, company: Uuid, policy: Option<Uuid>) -> Result<()> {
    match policy {
        Some(p) => {
            sqlx::query(
                "insert into company_sla_policies (tenant_id, company_id, policy_id) values ($1, $2, $3) \
                 on conflict (tenant_id, company_id) do update set policy_id = excluded.policy_id",
            )
            .bind(tenant)
            .bind(company)
            .bind(p)
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query("delete from company_sla_policies where tenant_id = $1 and company_id = $2")
                .bind(tenant)
                .bind(company)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}
