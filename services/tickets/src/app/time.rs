//! Time tracking use cases (PRD §3.5): work types, the tenant's rounding rule, time entries
//! and the per-user timer. Portal principals never reach these (their roles lack `time.*`);
//! they are refused here as well.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::{self, TenantTx};
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::Tickets;
use crate::domain::time::{EntryFields, RoundingRule, TimeEntry, Timer, WorkType, WorkTypeFields};
use crate::domain::time_report::{self, ReportRow};
use crate::events;
use crate::repo::time::{self as repo, EntryScope};

/// Fields of an entry an update may name.
pub const ENTRY_FIELDS: &[&str] = &[
    "date",
    "start_time",
    "end_time",
    "duration_minutes",
    "work_type_id",
    "ticket_id",
    "company_id",
    "contract_id",
    "project_id",
    "task_id",
    "billable",
    "notes",
    "internal_notes",
];

impl Tickets {
    pub(crate) async fn time_tx(&self, p: &Principal) -> Result<TenantTx> {
        if p.portal_company().is_some() {
            return Err(DomainError::PermissionDenied("time.read".into()).into());
        }
        Ok(db::begin(&self.pool, p.tenant_id).await?)
    }

    /// Work types by name.
    pub async fn list_work_types(&self, p: &Principal) -> Result<Vec<WorkType>> {
        let mut tx = self.time_tx(p).await?;
        repo::list_work_types(&mut tx, p.tenant_id).await
    }

    /// The work type `id`.
    pub async fn get_work_type(&self, p: &Principal, id: Uuid) -> Result<WorkType> {
        let mut tx = self.time_tx(p).await?;
        repo::get_work_type(&mut tx, p.tenant_id, id).await
    }

    /// Creates a work type (name unique per tenant).
    pub async fn create_work_type(&self, p: &Principal, f: WorkTypeFields) -> Result<WorkType> {
        let f = f.normalize()?;
        let mut tx = self.time_tx(p).await?;
        let w = repo::insert_work_type(&mut tx, p.tenant_id, &f).await?;
        tx.commit().await?;
        Ok(w)
    }

    /// Replaces a work type's fields.
    pub async fn update_work_type(&self, p: &Principal, id: Uuid, f: WorkTypeFields) -> Result<WorkType> {
        let f = f.normalize()?;
        let mut tx = self.time_tx(p).await?;
        let w = repo::update_work_type(&mut tx, p.tenant_id, id, &f).await?;
        tx.commit().await?;
        Ok(w)
    }

    /// The tenant's rounding rule.
    pub async fn time_settings(&self, p: &Principal) -> Result<RoundingRule> {
        let mut tx = self.time_tx(p).await?;
        repo::rounding_rule(&mut tx, p.tenant_id).await
    }

    /// Replaces the tenant's rounding rule.
    pub async fn update_time_settings(&self, p: &Principal, r: RoundingRule) -> Result<RoundingRule> {
        let r = r.normalize()?;
        let mut tx = self.time_tx(p).await?;
        repo::set_rounding_rule(&mut tx, p.tenant_id, &r).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Checks the work type (`active` required when `new`) and ticket of `f`, takes the
    /// company from the ticket and the billable default from the work type.
    async fn resolve_refs(&self, tx: &mut TenantTx, tenant: Uuid, f: &mut EntryFields, new_type: bool) -> Result<()> {
        let mut v = psa_core::validate::Validator::new();
        if let Some(id) = f.work_type_id {
            match repo::get_work_type(tx, tenant, id).await {
                Ok(w) => {
                    if new_type && !w.fields.active {
                        v.push("entry.work_type_id", "work type is inactive");
                    }
                    f.billable = Some(f.billable.unwrap_or(w.fields.billable));
                }
                Err(psa_kit::Error::Domain(DomainError::NotFound { .. })) => {
                    v.push("entry.work_type_id", "no such work type");
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(t) = f.ticket_id {
            match repo::ticket_company(tx, tenant, t).await {
                Ok((c, contract)) => {
                    f.company_id = Some(c);
                    // Work on a ticket is billed under the ticket's contract unless named.
                    if f.contract_id.is_none() {
                        f.contract_id = contract;
                    }
                }
                Err(psa_kit::Error::Domain(DomainError::NotFound { .. })) => {
                    v.push("entry.ticket_id", "no such ticket")
                }
                Err(e) => return Err(e),
            }
        }
        Ok(v.finish()?)
    }

    async fn insert_entry(&self, tx: &mut TenantTx, p: &Principal, f: EntryFields, new: bool) -> Result<TimeEntry> {
        let mut f = f.normalize()?;
        self.resolve_refs(tx, p.tenant_id, &mut f, new).await?;
        self.check_weeks_open(tx, p.tenant_id, p.user_id, f.date.as_slice()).await?;
        let rule = repo::rounding_rule(tx, p.tenant_id).await?;
        let e = repo::insert_entry(tx, p.tenant_id, p.user_id, &f, rule.apply(f.duration)).await?;
        events::time_entry_created(tx, &self.naming, p.user_id, &e).await?;
        Ok(e)
    }

    /// Records time for the caller (rounded by the tenant's rule) and `TimeEntryCreated`.
    pub async fn create_time_entry(&self, p: &Principal, f: EntryFields) -> Result<TimeEntry> {
        let mut tx = self.time_tx(p).await?;
        let e = self.insert_entry(&mut tx, p, f, true).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// The entry `id`.
    pub async fn get_time_entry(&self, p: &Principal, id: Uuid) -> Result<TimeEntry> {
        let mut tx = self.time_tx(p).await?;
        repo::get_entry(&mut tx, p.tenant_id, id, false).await
    }

    /// Applies the masked fields of an unbilled entry and recomputes its rounded duration
    /// with the current rule. Changing start/end without the duration recomputes the
    /// duration; changing the duration alone drops start/end.
    pub async fn update_time_entry(
        &self,
        p: &Principal,
        id: Uuid,
        patch: EntryFields,
        mask: &[String],
    ) -> Result<TimeEntry> {
        if let Some(bad) = mask.iter().find(|m| !ENTRY_FIELDS.contains(&m.as_str())) {
            return Err(DomainError::invalid("update_mask", format!("cannot update `{bad}`")).into());
        }
        let has = |n: &str| mask.iter().any(|m| m == n);
        let mut tx = self.time_tx(p).await?;
        // Lock the weeks before the entry, as approval does (week, then its entries).
        let seen = repo::get_entry(&mut tx, p.tenant_id, id, false).await?;
        let new_date = if has("date") { patch.date } else { seen.fields.date };
        let dates: Vec<_> = seen.fields.date.into_iter().chain(new_date).collect();
        self.check_weeks_open(&mut tx, p.tenant_id, seen.user_id, &dates).await?;
        let mut e = repo::get_entry(&mut tx, p.tenant_id, id, true).await?;
        if e.fields.date != seen.fields.date {
            // moved meanwhile by a concurrent update
            self.check_weeks_open(&mut tx, p.tenant_id, e.user_id, e.fields.date.as_slice()).await?;
        }
        e.check_editable()?;
        let f = &mut e.fields;
        if has("date") {
            f.date = patch.date;
        }
        if has("start_time") || has("end_time") {
            if has("start_time") {
                f.start = patch.start;
            }
            if has("end_time") {
                f.end = patch.end;
            }
            if !has("duration_minutes") {
                f.duration = 0;
            }
        }
        if has("duration_minutes") {
            f.duration = patch.duration;
            if !has("start_time") && !has("end_time") {
                (f.start, f.end) = (None, None);
            }
        }
        let new_type = has("work_type_id") && patch.work_type_id != f.work_type_id;
        if has("work_type_id") {
            f.work_type_id = patch.work_type_id;
        }
        if has("ticket_id") {
            f.ticket_id = patch.ticket_id;
            if f.ticket_id.is_none() {
                f.company_id = None;
            }
        }
        if has("company_id") && f.ticket_id.is_none() {
            f.company_id = patch.company_id;
        }
        if has("contract_id") {
            f.contract_id = patch.contract_id;
        }
        if has("project_id") {
            f.project_id = patch.project_id;
        }
        if has("task_id") {
            f.task_id = patch.task_id;
        }
        if has("billable") {
            f.billable = patch.billable;
        } else if new_type {
            f.billable = None;
        }
        if has("notes") {
            f.notes = patch.notes;
        }
        if has("internal_notes") {
            f.internal_notes = patch.internal_notes;
        }
        let mut fields = e.fields.clone().normalize()?;
        self.resolve_refs(&mut tx, p.tenant_id, &mut fields, new_type).await?;
        e.fields = fields;
        e.rounded = repo::rounding_rule(&mut tx, p.tenant_id).await?.apply(e.fields.duration);
        let e = repo::update_entry(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Deletes an unbilled entry; returns it.
    pub async fn delete_time_entry(&self, p: &Principal, id: Uuid) -> Result<TimeEntry> {
        let mut tx = self.time_tx(p).await?;
        let seen = repo::get_entry(&mut tx, p.tenant_id, id, false).await?;
        self.check_weeks_open(&mut tx, p.tenant_id, seen.user_id, seen.fields.date.as_slice()).await?;
        let e = repo::get_entry(&mut tx, p.tenant_id, id, true).await?;
        if e.fields.date != seen.fields.date {
            self.check_weeks_open(&mut tx, p.tenant_id, e.user_id, e.fields.date.as_slice()).await?;
        }
        e.check_editable()?;
        repo::delete_entry(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// One page of entries; `ticket` restricts to one ticket (NOT_FOUND when it is not the
    /// tenant's); `from`/`to` bound the date (inclusive).
    pub async fn list_time_entries(
        &self,
        p: &Principal,
        params: &ListParams,
        ticket: Option<Uuid>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<(Vec<TimeEntry>, String)> {
        let plan = repo::LIST.plan(params)?;
        let mut tx = self.time_tx(p).await?;
        if let Some(t) = ticket {
            repo::ticket_company(&mut tx, p.tenant_id, t).await?;
        }
        repo::list_entries(&mut tx, p.tenant_id, &plan, EntryScope { ticket, from, to }).await
    }

    /// The caller's running timer.
    ///
    /// # Errors
    /// NOT_FOUND when none runs.
    pub async fn timer(&self, p: &Principal) -> Result<Timer> {
        let mut tx = self.time_tx(p).await?;
        repo::timer(&mut tx, p.tenant_id, p.user_id)
            .await?
            .ok_or_else(|| DomainError::NotFound { entity: "timer" }.into())
    }

    /// Starts the caller's timer at `now`.
    ///
    /// # Errors
    /// FAILED_PRECONDITION when one already runs; INVALID_ARGUMENT for an unknown or inactive
    /// work type or an unknown ticket.
    pub async fn start_timer(
        &self,
        p: &Principal,
        work_type: Option<Uuid>,
        ticket: Option<Uuid>,
        notes: String,
        now: DateTime<Utc>,
    ) -> Result<Timer> {
        let mut v = psa_core::validate::Validator::new();
        v.max_chars("notes", &notes, crate::domain::time::MAX_NOTES);
        let Some(work_type_id) = work_type else {
            v.push("work_type_id", "is required");
            return Err(v.finish().err().unwrap_or(DomainError::invalid("work_type_id", "is required")).into());
        };
        v.finish()?;
        let mut tx = self.time_tx(p).await?;
        let mut probe = EntryFields { work_type_id: Some(work_type_id), ticket_id: ticket, ..Default::default() };
        self.resolve_refs(&mut tx, p.tenant_id, &mut probe, true).await.map_err(|e| match e {
            psa_kit::Error::Domain(DomainError::Invalid(vs)) => DomainError::Invalid(
                vs.into_iter()
                    .map(|mut f| {
                        f.field = f.field.trim_start_matches("entry.").to_owned();
                        f
                    })
                    .collect(),
            )
            .into(),
            e => e,
        })?;
        let t = Timer { user_id: p.user_id, work_type_id, ticket_id: ticket, notes, started_at: now };
        repo::start_timer(&mut tx, p.tenant_id, &t).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Stops the caller's timer at `now` and records its entry (`notes` replace the timer's
    /// when not empty).
    ///
    /// # Errors
    /// FAILED_PRECONDITION when no timer runs or it ran longer than 24 hours.
    pub async fn stop_timer(&self, p: &Principal, notes: String, now: DateTime<Utc>) -> Result<TimeEntry> {
        let mut tx = self.time_tx(p).await?;
        let t = repo::take_timer(&mut tx, p.tenant_id, p.user_id)
            .await?
            .ok_or_else(|| DomainError::FailedPrecondition("no timer is running".into()))?;
        let mut f = t.entry(now)?;
        if !notes.trim().is_empty() {
            f.notes = notes;
        }
        // the work type was checked at start; it may have been deactivated since
        let e = self.insert_entry(&mut tx, p, f, false).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Time totals over `from..=to` grouped by `dimension` (see
    /// [`crate::domain::time_report`]); returns the rows and their sum.
    ///
    /// # Errors
    /// INVALID_ARGUMENT on `dimension`, `start_date`, `end_date`.
    pub async fn time_report(
        &self,
        p: &Principal,
        dimension: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<(Vec<ReportRow>, ReportRow)> {
        let (dim, from, to) = time_report::validate(dimension, from, to)?;
        let mut tx = self.time_tx(p).await?;
        let rows = repo::report(&mut tx, p.tenant_id, dim, from, to).await?;
        let total = ReportRow::sum(&rows);
        Ok((rows, total))
    }
}
