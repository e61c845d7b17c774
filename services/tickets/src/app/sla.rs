//! SLA use cases (PRD §3.9): configuration CRUD, company assignments, the compliance report,
//! keeping each ticket's SLA state current ([`refresh`]) and the background job that
//! announces warnings and breaches exactly once ([`run_job`]).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use psa_kit::events::Naming;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Tickets;
use crate::domain::sla::clock::{self, SlaSummary, Target};
use crate::domain::sla::policy::{
    BusinessHoursFields, BusinessHoursRecord, HolidayCalendarFields, HolidayCalendarRecord, Policy, PolicyFields,
};
use crate::domain::ticket::Ticket;
use crate::repo::sla_state::{BreachRow, ComplianceRow};
use crate::{events, repo};

/// Recomputes ticket `t`'s SLA state from its history at `now` and rewrites its pending
/// timers, in the caller's transaction. The policy is the one the ticket already has, or —
/// when it has none or `reselect` (its company or contract changed) — the contract's selected
/// policy, else the company's assigned policy, else the tenant default. Without a policy or a target for its priority the ticket has no SLA.
/// With `emit`, thresholds reached by now that were not announced yet are announced
/// (`SlaWarning` / `SlaBreached` through the outbox, recorded in `sla_emissions`).
///
/// # Errors
/// Database errors.
pub async fn refresh(
    tx: &mut TenantTx,
    naming: &Naming,
    t: &Ticket,
    now: DateTime<Utc>,
    reselect: bool,
    emit: bool,
) -> Result<()> {
    let tenant = t.tenant_id;
    let current = repo::sla_state::lock(tx, tenant, t.id).await?;
    let policy_id = match current {
        Some(p) if !reselect => Some(p),
        _ => repo::sla::policy_for_ticket(tx, tenant, t.fields.links.contract_id, t.fields.company_id).await?,
    };
    let Some(policy_id) = policy_id else {
        return repo::sla_state::delete(tx, tenant, t.id).await;
    };
    apply(tx, naming, t, policy_id, now, emit).await
}

/// [`refresh`] for a ticket just inserted in `tx` (it has no SLA state or timers yet): selects
/// its policy and, when there is one, computes its clocks; without one there is nothing to
/// lock or clear (two statements fewer per create than [`refresh`]).
///
/// # Errors
/// Database errors.
pub async fn start(tx: &mut TenantTx, naming: &Naming, t: &Ticket, now: DateTime<Utc>) -> Result<()> {
    let policy = repo::sla::policy_for_ticket(tx, t.tenant_id, t.fields.links.contract_id, t.fields.company_id).await?;
    match policy {
        Some(policy_id) => apply(tx, naming, t, policy_id, now, false).await,
        None => Ok(()),
    }
}

/// Computes ticket `t`'s SLA state under policy `policy_id` (see [`refresh`]).
async fn apply(
    tx: &mut TenantTx,
    naming: &Naming,
    t: &Ticket,
    policy_id: Uuid,
    now: DateTime<Utc>,
    emit: bool,
) -> Result<()> {
    let tenant = t.tenant_id;
    let policy = repo::sla::get_policy(tx, tenant, policy_id, true).await?;
    let Some(target) = policy.fields.target(t.fields.priority).cloned() else {
        return repo::sla_state::delete(tx, tenant, t.id).await;
    };
    let fr_hours = repo::sla::hours(tx, tenant, target.first_response_hours).await?;
    let res_hours = repo::sla::hours(tx, tenant, target.resolution_hours).await?;
    let history = repo::sla_state::history(tx, tenant, t.id, t.created_at).await?;
    let fr = Target { minutes: target.first_response_minutes.into(), hours: fr_hours };
    let res = Target { minutes: target.resolution_minutes.into(), hours: res_hours };
    let clocks = clock::compute(&history, &fr, &res, now);
    let points = clock::points(&clocks, &fr.hours, &res.hours, &policy.fields.warning_thresholds, now);
    let emitted = repo::sla_state::emitted(tx, tenant, t.id).await?;
    let summary = SlaSummary::new(policy_id, &clocks);
    let mut timers = Vec::new();
    for p in points {
        if emitted.contains(&(p.clock, p.threshold)) {
            continue;
        }
        if emit && p.reached {
            if repo::sla_state::record_emission(tx, tenant, t.id, p.clock, p.threshold, Uuid::nil()).await? {
                let id = events::sla_point(tx, naming, t, &summary, p.clock, p.threshold).await?;
                repo::sla_state::set_emission_event(tx, tenant, t.id, p.clock, p.threshold, id).await?;
            }
            continue;
        }
        if let Some(at) = p.fire_at {
            timers.push((p.clock, p.threshold, at));
        }
    }
    repo::sla_state::upsert(tx, tenant, t.id, &summary, now).await?;
    repo::sla_state::replace_timers(tx, tenant, t.id, &timers).await
}

/// Tickets locked per tenant per job round.
const JOB_BATCH: i64 = 100;

/// Runs the SLA job every `interval` until `shutdown`: see [`Tickets::sla_tick`].
pub async fn run_job(app: Arc<Tickets>, interval: StdDuration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = app.sla_tick(Utc::now()).await {
                    tracing::warn!(error = %e, "SLA job round failed; will retry");
                }
            }
        }
    }
}

impl Tickets {
    async fn sla_tx(&self, p: &Principal) -> Result<TenantTx> {
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// One job round: for every tenant with timers due at `now`, locks the due tickets'
    /// SLA rows with `FOR UPDATE SKIP LOCKED` (so replicas split the work and never wait on
    /// each other or on ticket changes), recomputes them and announces reached thresholds in
    /// the same transaction. Returns how many tickets were processed.
    ///
    /// # Errors
    /// Database errors (the round is rolled back and retried next time).
    pub async fn sla_tick(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut done = 0;
        for tenant in repo::sla_state::due_tenants(&self.pool, now).await? {
            let mut tx = db::begin(&self.pool, tenant).await?;
            for id in repo::sla_state::lock_due(&mut tx, tenant, now, JOB_BATCH).await? {
                let t = repo::tickets::get(&mut tx, tenant, id, false).await?;
                refresh(&mut tx, &self.naming, &t, now, false, true).await?;
                done += 1;
            }
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Recomputes unfinished tickets under `policies` (after a configuration change).
    async fn recompute(&self, tx: &mut TenantTx, tenant: Uuid, policies: &[Uuid]) -> Result<()> {
        let now = Utc::now();
        for id in repo::sla_state::open_tickets_under(tx, tenant, policies).await? {
            let t = repo::tickets::get(tx, tenant, id, true).await?;
            refresh(tx, &self.naming, &t, now, false, false).await?;
        }
        Ok(())
    }

    async fn check_policy_refs(&self, tx: &mut TenantTx, tenant: Uuid, f: &PolicyFields) -> Result<()> {
        let mut v = psa_core::validate::Validator::new();
        for (i, t) in f.targets.iter().enumerate() {
            for (name, id) in [
                ("first_response_business_hours_id", t.first_response_hours),
                ("resolution_business_hours_id", t.resolution_hours),
            ] {
                if let Some(id) = id
                    && !repo::sla::missing_business_hours(tx, tenant, &[id]).await?.is_empty()
                {
                    v.push(format!("policy.targets[{i}].{name}"), "no such business hours");
                }
            }
        }
        Ok(v.finish()?)
    }

    /// Active SLA policies.
    pub async fn list_policies(&self, p: &Principal) -> Result<Vec<Policy>> {
        let mut tx = self.sla_tx(p).await?;
        repo::sla::list_policies(&mut tx, p.tenant_id).await
    }

    /// The active policy `id`.
    pub async fn get_policy(&self, p: &Principal, id: Uuid) -> Result<Policy> {
        let mut tx = self.sla_tx(p).await?;
        repo::sla::get_policy(&mut tx, p.tenant_id, id, false).await
    }

    /// Creates a policy (business-hours ids must be the tenant's).
    pub async fn create_policy(&self, p: &Principal, f: PolicyFields) -> Result<Policy> {
        let f = f.normalize()?;
        let mut tx = self.sla_tx(p).await?;
        self.check_policy_refs(&mut tx, p.tenant_id, &f).await?;
        let policy = repo::sla::insert_policy(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// Replaces a policy and recomputes its unfinished tickets.
    pub async fn update_policy(&self, p: &Principal, id: Uuid, f: PolicyFields) -> Result<Policy> {
        let f = f.normalize()?;
        let mut tx = self.sla_tx(p).await?;
        repo::sla::get_policy(&mut tx, p.tenant_id, id, false).await?;
        self.check_policy_refs(&mut tx, p.tenant_id, &f).await?;
        let policy = repo::sla::update_policy(&mut tx, p.tenant_id, id, &f).await?;
        self.recompute(&mut tx, p.tenant_id, &[id]).await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// Archives a policy.
    pub async fn delete_policy(&self, p: &Principal, id: Uuid) -> Result<Policy> {
        let mut tx = self.sla_tx(p).await?;
        let policy = repo::sla::archive_policy(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(policy)
    }

    async fn check_hours_refs(&self, tx: &mut TenantTx, tenant: Uuid, f: &BusinessHoursFields) -> Result<()> {
        if !repo::sla::missing_holiday_calendars(tx, tenant, &f.holiday_calendar_ids).await?.is_empty() {
            return Err(DomainError::invalid("business_hours.holiday_calendar_ids", "no such holiday calendar").into());
        }
        Ok(())
    }

    /// Business-hours calendars.
    pub async fn list_business_hours(&self, p: &Principal) -> Result<Vec<BusinessHoursRecord>> {
        let mut tx = self.sla_tx(p).await?;
        repo::sla::list_business_hours(&mut tx, p.tenant_id).await
    }

    /// The business-hours calendar `id`.
    pub async fn get_business_hours(&self, p: &Principal, id: Uuid) -> Result<BusinessHoursRecord> {
        let mut tx = self.sla_tx(p).await?;
        repo::sla::get_business_hours(&mut tx, p.tenant_id, id).await
    }

    /// Creates a business-hours calendar.
    pub async fn create_business_hours(&self, p: &Principal, f: BusinessHoursFields) -> Result<BusinessHoursRecord> {
        let f = f.normalize()?;
        let mut tx = self.sla_tx(p).await?;
        self.check_hours_refs(&mut tx, p.tenant_id, &f).await?;
        let r = repo::sla::insert_business_hours(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Replaces a business-hours calendar and recomputes the unfinished tickets using it.
    pub async fn update_business_hours(
        &self,
        p: &Principal,
        id: Uuid,
        f: BusinessHoursFields,
    ) -> Result<BusinessHoursRecord> {
        let f = f.normalize()?;
        let mut tx = self.sla_tx(p).await?;
        repo::sla::get_business_hours(&mut tx, p.tenant_id, id).await?;
        self.check_hours_refs(&mut tx, p.tenant_id, &f).await?;
        let r = repo::sla::update_business_hours(&mut tx, p.tenant_id, id, &f).await?;
        let policies = repo::sla_state::policies_using(&mut tx, p.tenant_id, Some(id), None).await?;
        self.recompute(&mut tx, p.tenant_id, &policies).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Holiday calendars.
    pub async fn list_holiday_calendars(&self, p: &Principal) -> Result<Vec<HolidayCalendarRecord>> {
        let mut tx = self.sla_tx(p).await?;
        repo::sla::list_holiday_calendars(&mut tx, p.tenant_id).await
    }

    /// The holiday calendar `id`.
    pub async fn get_holiday_calendar(&self, p: &Principal, id: Uuid) -> Result<HolidayCalendarRecord> {
        let mut tx = self.sla_tx(p).await?;
        repo::sla::get_holiday_calendar(&mut tx, p.tenant_id, id).await
    }

    /// Creates a holiday calendar.
    pub async fn create_holiday_calendar(
        &self,
        p: &Principal,
        f: HolidayCalendarFields,
    ) -> Result<HolidayCalendarRecord> {
        let f = f.normalize()?;
        let mut tx = self.sla_tx(p).await?;
        let r = repo::sla::insert_holiday_calendar(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Replaces a holiday calendar and recomputes the unfinished tickets whose calendars use it.
    pub async fn update_holiday_calendar(
        &self,
        p: &Principal,
        id: Uuid,
        f: HolidayCalendarFields,
    ) -> Result<HolidayCalendarRecord> {
        let f = f.normalize()?;
        let mut tx = self.sla_tx(p).await?;
        let r = repo::sla::update_holiday_calendar(&mut tx, p.tenant_id, id, &f).await?;
        let policies = repo::sla_state::policies_using(&mut tx, p.tenant_id, None, Some(id)).await?;
        self.recompute(&mut tx, p.tenant_id, &policies).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// The policy assigned to `company`, if any.
    pub async fn company_policy(&self, p: &Principal, company: Uuid) -> Result<Option<Uuid>> {
        let mut tx = self.sla_tx(p).await?;
        repo::sla::company_policy(&mut tx, p.tenant_id, company).await
    }

    /// Assigns `policy` (an active policy of the tenant) to `company`, or removes the
    /// assignment (`None`).
    pub async fn set_company_policy(&self, p: &Principal, company: Uuid, policy: Option<Uuid>) -> Result<Option<Uuid>> {
        let mut tx = self.sla_tx(p).await?;
        if let Some(id) = policy
            && repo::sla::get_policy(&mut tx, p.tenant_id, id, false).await.is_err()
        {
            return Err(DomainError::invalid("policy_id", "no such SLA policy").into());
        }
        repo::sla::set_company_policy(&mut tx, p.tenant_id, company, policy).await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// Met/breached counts per company and priority for tickets created in `[from, to)`.
    pub async fn compliance(
        &self,
        p: &Principal,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ComplianceRow>> {
        if to <= from {
            return Err(DomainError::invalid("end_time", "must be after start_time").into());
        }
        let mut tx = self.sla_tx(p).await?;
        repo::sla_state::compliance(&mut tx, p.tenant_id, from, to).await
    }

    /// Breached clocks of tickets created in `[from, to)`.
    pub async fn breaches(&self, p: &Principal, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<BreachRow>> {
        if to <= from {
            return Err(DomainError::invalid("end_time", "must be after start_time").into());
        }
        let mut tx = self.sla_tx(p).await?;
        repo::sla_state::breaches(&mut tx, p.tenant_id, from, to).await
    }
}
