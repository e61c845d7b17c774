//! Import job upkeep (issue 3 imports hardening): the paged report of every bad row of a job
//! (`GET /api/v1/imports/{id}/errors`; the job itself lists only the first
//! [`super::imports::MAX_REPORTED_ERRORS`]), and the sweeper that fails jobs a dead process
//! left RUNNING.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use base64::Engine as _;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Contracts;
use crate::domain::import::RowError;
use crate::repo;

/// Default `page_size` of [`Contracts::list_import_job_errors`].
pub const ERRORS_DEFAULT_PAGE: i32 = 100;
/// Largest `page_size` of [`Contracts::list_import_job_errors`].
pub const ERRORS_MAX_PAGE: i32 = 1000;
/// The failure recorded on a job the sweeper fails.
pub const INTERRUPTED: &str = "the import was interrupted (its process stopped); nothing was committed";

/// What a page token of the error report holds: the job and the last row's position.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct ErrorsToken {
    j: Uuid,
    l: i32,
    s: i32,
}

fn encode_token(t: &ErrorsToken) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(t).unwrap_or_default())
}

fn decode_token(s: &str, job: Uuid) -> Result<Option<(i32, i32)>, DomainError> {
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || DomainError::invalid("page_token", "invalid page token");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let t: ErrorsToken = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if t.j != job {
        return Err(DomainError::invalid("page_token", "page token was made for another import job"));
    }
    Ok(Some((t.l, t.s)))
}

/// One page of an import job's bad rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorsPage {
    pub errors: Vec<RowError>,
    /// Empty on the last page.
    pub next_page_token: String,
    /// Bad rows of the job in all.
    pub total_size: i64,
}

impl Contracts {
    /// One page of the bad rows of job `job` (by line, then the order they were found).
    ///
    /// # Errors
    /// NOT_FOUND for an unknown id or another tenant's job; INVALID_ARGUMENT on `page_size`
    /// (outside 0–[`ERRORS_MAX_PAGE`]) or `page_token` (malformed, or of another job).
    pub async fn list_import_job_errors(
        &self,
        p: &Principal,
        job: Uuid,
        page_size: i32,
        page_token: &str,
    ) -> Result<ErrorsPage> {
        let size = match page_size {
            0 => ERRORS_DEFAULT_PAGE,
            n if (1..=ERRORS_MAX_PAGE).contains(&n) => n,
            n => {
                return Err(DomainError::invalid(
                    "page_size",
                    format!("must be between 1 and {ERRORS_MAX_PAGE} (got {n})"),
                )
                .into());
            }
        };
        let after = decode_token(page_token, job)?;
        let mut tx = self.tx(p).await?;
        if repo::imports::get_job(&mut tx, p.tenant_id, job).await?.is_none() {
            return Err(DomainError::NotFound { entity: "import job" }.into());
        }
        let mut rows = repo::import_jobs::errors_page(&mut tx, p.tenant_id, job, after, i64::from(size) + 1).await?;
        let total_size = repo::import_jobs::error_count(&mut tx, p.tenant_id, job).await?;
        let mut next_page_token = String::new();
        if rows.len() > size as usize {
            rows.truncate(size as usize);
            if let Some(last) = rows.last() {
                next_page_token =
                    encode_token(&ErrorsToken { j: job, l: i32::try_from(last.error.line).unwrap_or(0), s: last.seq });
            }
        }
        Ok(ErrorsPage { errors: rows.into_iter().map(|r| r.error).collect(), next_page_token, total_size })
    }

    /// Fails every RUNNING import job whose last progress is older than `stale_secs` seconds
    /// (its process died: an import saves progress every batch); returns how many it failed.
    /// Safe with several replicas sweeping at once: each job is failed by one conditional
    /// UPDATE, in the job's tenant.
    ///
    /// # Errors
    /// Database errors (the sweep stops; the next round retries).
    pub async fn sweep_stale_imports(&self, stale_secs: i64) -> Result<usize> {
        let mut failed = 0;
        for (tenant, job) in repo::import_jobs::running(&self.pool).await? {
            let mut tx = db::begin(&self.pool, tenant).await?;
            if repo::import_jobs::fail_if_stale(&mut tx, tenant, job, stale_secs, INTERRUPTED).await? {
                tracing::warn!(job = %job, tenant = %tenant, "import job interrupted; marked failed");
                failed += 1;
            }
            tx.commit().await?;
        }
        Ok(failed)
    }
}

/// Runs [`Contracts::sweep_stale_imports`] every `interval` until `shutdown`.
pub async fn run_sweeper(app: Arc<Contracts>, interval: StdDuration, stale_secs: i64, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = app.sweep_stale_imports(stale_secs).await {
                    tracing::warn!(error = %e, "import sweep failed; will retry");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_belong_to_their_job() {
        let job = Uuid::now_v7();
        let t = encode_token(&ErrorsToken { j: job, l: 1200, s: 7 });
        assert_eq!(decode_token(&t, job).unwrap(), Some((1200, 7)));
        assert_eq!(decode_token("", job).unwrap(), None);
        assert!(decode_token(&t, Uuid::now_v7()).is_err());
        assert!(decode_token("!!", job).is_err());
    }
}
