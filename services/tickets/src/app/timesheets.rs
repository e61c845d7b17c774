//! Weekly timesheet use cases (PRD §3.5): read a week with its totals, the approval queue,
//! and submit / recall / approve / reject. Entry writes lock their week through
//! [`Tickets::check_weeks_open`] so that nothing changes in a submitted or approved week.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::Principal;
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::Tickets;
use crate::domain::time::TimeEntry;
use crate::domain::timesheet::{Action, Timesheet, Totals, check_week_open, week_start};
use crate::events;
use crate::repo::timesheets as repo;

/// A week with its totals and (for single reads and actions) its entries.
#[derive(Debug, Clone)]
pub struct TimesheetView {
    pub sheet: Timesheet,
    pub totals: Totals,
    /// Empty in lists.
    pub entries: Vec<TimeEntry>,
}

impl Tickets {
    /// Locks the weeks of `user` containing `dates` (in date order, so concurrent writers
    /// never deadlock) and checks none is submitted or approved.
    ///
    /// # Errors
    /// FAILED_PRECONDITION naming the locked week.
    pub(crate) async fn check_weeks_open(
        &self,
        tx: &mut TenantTx,
        tenant: Uuid,
        user: Uuid,
        dates: &[NaiveDate],
    ) -> Result<()> {
        let mut mondays: Vec<NaiveDate> = dates.iter().map(|d| week_start(*d)).collect();
        mondays.sort_unstable();
        mondays.dedup();
        for m in mondays {
            let sheet = repo::lock(tx, tenant, user, m).await?;
            check_week_open(sheet.status, m)?;
        }
        Ok(())
    }

    /// The week of `user` containing `date`, with its entries and totals (an untouched week
    /// is `open` and empty).
    pub async fn timesheet(
        &self,
        p: &Principal,
        user: Uuid,
        date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<TimesheetView> {
        let mut tx = self.time_tx(p).await?;
        let monday = week_start(date);
        let sheet = repo::get(&mut tx, p.tenant_id, user, monday)
            .await?
            .unwrap_or_else(|| Timesheet::open(p.tenant_id, user, monday, now));
        let entries = repo::week_entries(&mut tx, p.tenant_id, user, monday).await?;
        Ok(TimesheetView { totals: Totals::of(&entries), sheet, entries })
    }

    /// One page of submitted, approved and rejected weeks, with totals.
    pub async fn list_timesheets(&self, p: &Principal, params: &ListParams) -> Result<(Vec<TimesheetView>, String)> {
        let plan = repo::LIST.plan(params)?;
        let mut tx = self.time_tx(p).await?;
        let (sheets, token) = repo::list(&mut tx, p.tenant_id, &plan).await?;
        let mut out = Vec::with_capacity(sheets.len());
        for sheet in sheets {
            let entries = repo::week_entries(&mut tx, p.tenant_id, sheet.user_id, sheet.week_start).await?;
            out.push(TimesheetView { totals: Totals::of(&entries), sheet, entries: Vec::new() });
        }
        Ok((out, token))
    }

    /// Applies `action` by the caller to the week of `user` containing `date`. Approval marks
    /// the week's billable entries ready to bill and records `TimeEntryApproved` for each
    /// entry, in the same transaction.
    ///
    /// # Errors
    /// As [`Timesheet::apply`].
    pub async fn act_on_timesheet(
        &self,
        p: &Principal,
        user: Uuid,
        date: NaiveDate,
        action: Action,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<TimesheetView> {
        let mut tx = self.time_tx(p).await?;
        let monday = week_start(date);
        let mut sheet = repo::lock(&mut tx, p.tenant_id, user, monday).await?;
        let mut entries = repo::week_entries(&mut tx, p.tenant_id, user, monday).await?;
        sheet.apply(action, p.user_id, reason, entries.len(), now)?;
        repo::save(&mut tx, &sheet).await?;
        if action == Action::Approve {
            repo::mark_ready_to_bill(&mut tx, p.tenant_id, user, monday).await?;
            entries = repo::week_entries(&mut tx, p.tenant_id, user, monday).await?;
            for e in &entries {
                events::time_entry_approved(&mut tx, &self.naming, p.user_id, e).await?;
            }
        }
        tx.commit().await?;
        Ok(TimesheetView { totals: Totals::of(&entries), sheet, entries })
    }
}
