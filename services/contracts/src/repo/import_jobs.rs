//! Import job upkeep besides the import itself: the paged report of bad rows, and the sweep
//! of jobs a dead process left RUNNING (see migration 0051).

use psa_kit::Result;
use psa_kit::db::TenantTx;
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::import::RowError;

/// A stored bad row with its position (`line`, `seq`) in the report's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredError {
    pub seq: i32,
    pub error: RowError,
}

/// Up to `limit` bad rows of job `job` by (line, seq), after the position `after`.
pub async fn errors_page(
    tx: &mut TenantTx,
    tenant: Uuid,
    job: Uuid,
    after: Option<(i32, i32)>,
    limit: i64,
) -> Result<Vec<StoredError>> {
    let (line, seq) = after.unwrap_or((i32::MIN, i32::MIN));
    let rows: Vec<(i32, i32, String, String)> = sqlx::query_as(
        "select seq, line, field, message from import_job_errors where tenant_id = $1 and job_id = $2 \
         and (line, seq) > ($3, $4) order by line, seq limit $5",
    )
    .bind(tenant)
    .bind(job)
    .bind(line)
    .bind(seq)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, line, field, message)| StoredError {
            seq,
            error: RowError { line: u32::try_from(line).unwrap_or_default(), field, message },
        })
        .collect())
}

/// How many bad rows job `job` has stored.
pub async fn error_count(tx: &mut TenantTx, tenant: Uuid, job: Uuid) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from import_job_errors where tenant_id = $1 and job_id = $2")
        .bind(tenant)
        .bind(job)
        .fetch_one(&mut **tx)
        .await?)
}

/// Every RUNNING job of every tenant, as (tenant, job) (infrastructure table, no RLS).
pub async fn running(pool: &PgPool) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(sqlx::query_as("select tenant_id, job_id from running_import_jobs order by job_id").fetch_all(pool).await?)
}

/// Marks job `job` FAILED with `failure` if it is still RUNNING and its last progress is
/// older than `stale_secs` seconds; true when this call did it (one caller wins a race).
pub async fn fail_if_stale(tx: &mut TenantTx, tenant: Uuid, job: Uuid, stale_secs: i64, failure: &str) -> Result<bool> {
    let done = sqlx::query(
        "update import_jobs set state = 'failed', committed = false, failure = $4, updated_at = now() \
         where tenant_id = $1 and id = $2 and state = 'running' and updated_at < now() - make_interval(secs => $3)",
    )
    .bind(tenant)
    .bind(job)
    .bind(stale_secs as f64)
    .bind(failure)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
