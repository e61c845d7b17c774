//! The expiry job: announces contract and COC expiry alerts (see `domain::expiry`) exactly
//! once, however many replicas run it.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{NaiveDate, Utc};
use psa_kit::Result;
use psa_kit::db;
use tokio_util::sync::CancellationToken;

use super::Contracts;
use crate::domain::expiry::due_threshold;
use crate::{events, repo};

/// Rows claimed per tenant, kind and round.
const JOB_BATCH: i64 = 100;

/// Runs [`Contracts::expiry_tick`] every `interval` with today's UTC date until `shutdown`.
pub async fn run_job(app: Arc<Contracts>, interval: StdDuration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = app.expiry_tick(Utc::now().date_naive()).await {
                    tracing::warn!(error = %e, "expiry job round failed; will retry");
                }
            }
        }
    }
}

impl Contracts {
    /// One round for the UTC calendar date `today`: for each tenant with watched dates, claims
    /// the ACTIVE contracts and COCs that call for an alert not yet announced
    /// (`FOR UPDATE SKIP LOCKED`, so replicas split the work), and for each records the alert
    /// in `expiry_alerts` (unique per subject, date and threshold) and enqueues its event in
    /// the same transaction. Returns how many alerts were announced.
    ///
    /// # Errors
    /// Database errors (that tenant's round is rolled back and retried next time).
    pub async fn expiry_tick(&self, today: NaiveDate) -> Result<usize> {
        let mut done = 0;
        for tenant in repo::expiry::tenants(&self.pool).await? {
            let mut tx = db::begin(&self.pool, tenant).await?;
            for id in repo::expiry::claim_contracts(&mut tx, tenant, today, JOB_BATCH).await? {
                let c = repo::contracts::get(&mut tx, tenant, id, false).await?;
                let Some(end) = c.fields.end_date else { continue };
                let Some(t) = due_threshold(end, today) else { continue };
                if repo::expiry::record(&mut tx, tenant, "contract", id, end, t).await? {
                    events::contract_expiry(&mut tx, &self.naming, &c, t).await?;
                    done += 1;
                }
            }
            for id in repo::expiry::claim_cocs(&mut tx, tenant, today, JOB_BATCH).await? {
                let c = repo::cocs::get(&mut tx, tenant, id, false).await?;
                let Some(end) = c.fields.expiry_date else { continue };
                let Some(t) = due_threshold(end, today) else { continue };
                if repo::expiry::record(&mut tx, tenant, "coc", id, end, t).await? {
                    events::coc_expiry(&mut tx, &self.naming, &c, t).await?;
                    done += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(done)
    }
}
