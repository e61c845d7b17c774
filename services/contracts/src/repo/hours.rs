//! Block-hour policies of contracts and the hours drawn from them.

use chrono::NaiveDate;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use uuid::Uuid;

use crate::domain::hours::{HourPeriod, HourPolicy, HourUsage};
use crate::domain::money;

#[derive(sqlx::FromRow)]
struct PolicyRow {
    included_hours: String,
    period: String,
    rollover_allowed: bool,
    rollover_cap_hours: Option<String>,
}

impl From<PolicyRow> for HourPolicy {
    fn from(r: PolicyRow) -> Self {
        HourPolicy {
            included_hours: money::from_sql(&r.included_hours),
            period: HourPeriod::parse(&r.period).unwrap_or(HourPeriod::Monthly),
            rollover_allowed: r.rollover_allowed,
            rollover_cap_hours: r.rollover_cap_hours.as_deref().map(money::from_sql),
        }
    }
}

/// The policy of contract `contract`, if it has one.
pub async fn policy(tx: &mut TenantTx, tenant: Uuid, contract: Uuid) -> Result<Option<HourPolicy>> {
    let row: Option<PolicyRow> = sqlx::query_as(
        "select included_hours::text as included_hours, period, rollover_allowed, \
         rollover_cap_hours::text as rollover_cap_hours from hour_balance_policies \
         where tenant_id = $1 and contract_id = $2",
    )
    .bind(tenant)
    .bind(contract)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(HourPolicy::from))
}

/// Creates or replaces the policy of contract `contract`.
pub async fn set_policy(tx: &mut TenantTx, tenant: Uuid, contract: Uuid, p: &HourPolicy) -> Result<()> {
    sqlx::query(
        "insert into hour_balance_policies (tenant_id, contract_id, included_hours, period, rollover_allowed, \
         rollover_cap_hours) values ($1, $2, $3::numeric, $4, $5, $6::numeric) \
         on conflict (tenant_id, contract_id) do update set included_hours = excluded.included_hours, \
         period = excluded.period, rollover_allowed = excluded.rollover_allowed, \
         rollover_cap_hours = excluded.rollover_cap_hours, updated_at = now()",
    )
    .bind(tenant)
    .bind(contract)
    .bind(p.included_hours.to_string())
    .bind(p.period.as_str())
    .bind(p.rollover_allowed)
    .bind(p.rollover_cap_hours.map(|c| c.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every usage drawn from contract `contract`, oldest first.
pub async fn usages(tx: &mut TenantTx, tenant: Uuid, contract: Uuid) -> Result<Vec<HourUsage>> {
    let rows: Vec<(Uuid, NaiveDate, String)> = sqlx::query_as(
        "select time_entry_id, work_date, hours::text from hour_usages where tenant_id = $1 and contract_id = $2 \
         order by work_date, id",
    )
    .bind(tenant)
    .bind(contract)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(time_entry_id, work_date, hours)| HourUsage { time_entry_id, work_date, hours: money::from_sql(&hours) })
        .collect())
}

/// The ACTIVE contract of `company` with a block-hour policy whose dates cover `date` (the
/// earliest-starting one when several do).
pub async fn contract_for(tx: &mut TenantTx, tenant: Uuid, company: Uuid, date: NaiveDate) -> Result<Option<Uuid>> {
    let id: Option<(Uuid,)> = sqlx::query_as(
        "select c.id from contracts c join hour_balance_policies p \
           on p.tenant_id = c.tenant_id and p.contract_id = c.id \
         where c.tenant_id = $1 and c.company_id = $2 and c.status = 'active' \
           and c.start_date <= $3 and (c.end_date is null or c.end_date >= $3) \
         order by c.start_date, c.id limit 1",
    )
    .bind(tenant)
    .bind(company)
    .bind(date)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.map(|(id,)| id))
}

/// Contract `contract` when it is `company`'s and has a block-hour policy (any status: time
/// named against a contract is that contract's, even after it ended).
pub async fn named_contract(tx: &mut TenantTx, tenant: Uuid, contract: Uuid, company: Uuid) -> Result<Option<Uuid>> {
    let id: Option<(Uuid,)> = sqlx::query_as(
        "select c.id from contracts c join hour_balance_policies p \
           on p.tenant_id = c.tenant_id and p.contract_id = c.id \
         where c.tenant_id = $1 and c.id = $2 and c.company_id = $3",
    )
    .bind(tenant)
    .bind(contract)
    .bind(company)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.map(|(id,)| id))
}

/// Records the hours time entry `entry` draws from `contract`; a later approval of the same
/// entry replaces its date and hours (one row per entry, never two).
pub async fn record_usage(
    tx: &mut TenantTx,
    tenant: Uuid,
    contract: Uuid,
    entry: Uuid,
    date: NaiveDate,
    hours: rust_decimal::Decimal,
    user: Option<Uuid>,
) -> Result<()> {
    sqlx::query(
        "insert into hour_usages (id, tenant_id, contract_id, time_entry_id, work_date, hours, user_id) \
         values ($1, $2, $3, $4, $5, $6::numeric, $7) \
         on conflict (tenant_id, time_entry_id) do update set contract_id = excluded.contract_id, \
         work_date = excluded.work_date, hours = excluded.hours",
    )
    .bind(Uuid::now_v7())
    .bind(tenant)
    .bind(contract)
    .bind(entry)
    .bind(date)
    .bind(hours.to_string())
    .bind(user)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes the hours time entry `entry` drew (it is no longer billable).
pub async fn remove_usage(tx: &mut TenantTx, tenant: Uuid, entry: Uuid) -> Result<()> {
    sqlx::query("delete from hour_usages where tenant_id = $1 and time_entry_id = $2")
        .bind(tenant)
        .bind(entry)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
