//! Expiry alert bookkeeping: the tenants to visit, the due contracts and COCs (claimed with
//! `FOR UPDATE SKIP LOCKED`), and the announced alerts.

use chrono::NaiveDate;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use sqlx::PgPool;
use uuid::Uuid;

/// Tenants with a contract end date or COC expiry date (table filled by triggers; no RLS).
pub async fn tenants(pool: &PgPool) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar("select tenant_id from expiry_tenants order by tenant_id").fetch_all(pool).await?)
}

/// SQL for the threshold due on `$2` (today) for a watched date column `col`; mirrors
/// `domain::expiry::due_threshold`.
fn due_sql(col: &str) -> String {
    format!("case when {col} <= $2 then 0 when {col} <= $2 + 30 then 30 when {col} <= $2 + 60 then 60 else 90 end")
}

/// Claims up to `limit` ACTIVE contracts of `tenant` whose end date calls for an alert not yet
/// announced (no alert at that or a nearer threshold), locking them and skipping rows another
/// replica or a user holds. Returns their ids.
pub async fn claim_contracts(tx: &mut TenantTx, tenant: Uuid, today: NaiveDate, limit: i64) -> Result<Vec<Uuid>> {
    claim(tx, tenant, today, limit, "contracts", "end_date", "contract").await
}

/// Like [`claim_contracts`] for ACTIVE COCs and their expiry dates.
pub async fn claim_cocs(tx: &mut TenantTx, tenant: Uuid, today: NaiveDate, limit: i64) -> Result<Vec<Uuid>> {
    claim(tx, tenant, today, limit, "cocs", "expiry_date", "coc").await
}

async fn claim(
    tx: &mut TenantTx,
    tenant: Uuid,
    today: NaiveDate,
    limit: i64,
    table: &str,
    col: &str,
    kind: &str,
) -> Result<Vec<Uuid>> {
    let due = due_sql(&format!("x.{col}"));
    Ok(sqlx::query_scalar(&format!(
        "select x.id from {table} x where x.tenant_id = $1 and x.status = 'active' and x.{col} is not null \
         and x.{col} <= $2 + 90 and not exists (select 1 from expiry_alerts a where a.tenant_id = x.tenant_id \
         and a.subject_kind = '{kind}' and a.subject_id = x.id and a.watched_date = x.{col} \
         and a.threshold_days <= {due}) order by x.id limit $3 for update of x skip locked"
    ))
    .bind(tenant)
    .bind(today)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

/// Records an alert; `false` when it was announced already (the unique key holds).
pub async fn record(
    tx: &mut TenantTx,
    tenant: Uuid,
    kind: &str,
    subject: Uuid,
    watched: NaiveDate,
    threshold: i32,
) -> Result<bool> {
    let n = sqlx::query(
        "insert into expiry_alerts (tenant_id, subject_kind, subject_id, watched_date, threshold_days) \
         values ($1, $2, $3, $4, $5) on conflict do nothing",
    )
    .bind(tenant)
    .bind(kind)
    .bind(subject)
    .bind(watched)
    .bind(threshold as i16)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}
