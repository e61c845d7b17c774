//! Weekly timesheets (PRD §3.5): a user's ISO week (Monday–Sunday) of time entries goes
//! open → submitted → approved, or back to its owner as rejected. Submitted and approved weeks
//! lock their entries; approval makes billable entries ready to bill. Pure: no storage, no
//! transport; the current time is passed in.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use psa_core::{DomainError, text_enum};
use uuid::Uuid;

use super::time::TimeEntry;

/// Longest rejection reason, in characters.
pub const MAX_REASON: usize = 2000;

text_enum!(
    /// Where a week is in approval.
    TimesheetStatus { Open => "open", Submitted => "submitted", Approved => "approved", Rejected => "rejected" }
);

impl TimesheetStatus {
    /// Whether the week's entries are frozen (no create, change or delete).
    pub fn locks_entries(self) -> bool {
        matches!(self, Self::Submitted | Self::Approved)
    }
}

/// The Monday of the ISO 8601 week containing `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Days::new(u64::from(d.weekday().num_days_from_monday()))
}

/// The Sunday ending the week that starts on `monday`.
pub fn week_end(monday: NaiveDate) -> NaiveDate {
    monday + Days::new(6)
}

/// What a user asks of a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The owner hands the week in.
    Submit,
    /// The owner takes a submitted week back before a decision.
    Recall,
    /// An approver (not the owner) accepts it.
    Approve,
    /// An approver (not the owner) sends it back with a reason.
    Reject,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Recall => "recall",
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }
}

/// One user's week as stored (a week nobody submitted has no record and is `Open`).
#[derive(Debug, Clone, PartialEq)]
pub struct Timesheet {
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    /// Monday of the week.
    pub week_start: NaiveDate,
    pub status: TimesheetStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Approver or rejecter of the last decision.
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Set while `Rejected`; empty otherwise.
    pub rejection_reason: String,
    pub updated_at: DateTime<Utc>,
}

impl Timesheet {
    /// The record of a week nobody has acted on.
    pub fn open(tenant_id: Uuid, user_id: Uuid, week_start: NaiveDate, now: DateTime<Utc>) -> Self {
        Self {
            tenant_id,
            user_id,
            week_start,
            status: TimesheetStatus::Open,
            submitted_at: None,
            decided_by: None,
            decided_at: None,
            rejection_reason: String::new(),
            updated_at: now,
        }
    }

    /// Applies `action` by `actor` at `now`; `entry_count` is the number of entries in the week.
    ///
    /// # Errors
    /// - PERMISSION_DENIED when someone other than the owner submits or recalls, or the owner
    ///   approves or rejects their own week;
    /// - FAILED_PRECONDITION when the status does not allow the action (e.g. approving an open
    ///   week) or an empty week is submitted;
    /// - INVALID_ARGUMENT on `reason` when a rejection has none or it is too long.
    pub fn apply(
        &mut self,
        action: Action,
        actor: Uuid,
        reason: &str,
        entry_count: usize,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        use TimesheetStatus::*;
        let owner = actor == self.user_id;
        match action {
            Action::Submit | Action::Recall if !owner => {
                return Err(DomainError::PermissionDenied(format!("only the owner can {} a timesheet", action.verb())));
            }
            Action::Approve | Action::Reject if owner => {
                return Err(DomainError::PermissionDenied(format!("nobody can {} their own timesheet", action.verb())));
            }
            _ => {}
        }
        let next = match (action, self.status) {
            (Action::Submit, Open | Rejected) => Submitted,
            (Action::Recall | Action::Approve | Action::Reject, Submitted) => match action {
                Action::Recall => Open,
                Action::Approve => Approved,
                _ => Rejected,
            },
            (a, s) => {
                return Err(DomainError::FailedPrecondition(format!(
                    "cannot {} a timesheet that is {}",
                    a.verb(),
                    s.as_str()
                )));
            }
        };
        if action == Action::Submit && entry_count == 0 {
            return Err(DomainError::FailedPrecondition("the week has no time entries to submit".into()));
        }
        let reason = reason.trim();
        if action == Action::Reject {
            let mut v = psa_core::validate::Validator::new();
            v.required("reason", reason).max_chars("reason", reason, MAX_REASON);
            v.finish()?;
        }
        self.status = next;
        self.updated_at = now;
        match action {
            Action::Submit => {
                self.submitted_at = Some(now);
                self.rejection_reason.clear();
            }
            Action::Recall => self.submitted_at = None,
            Action::Approve | Action::Reject => {
                self.decided_by = Some(actor);
                self.decided_at = Some(now);
                if action == Action::Reject {
                    self.rejection_reason = reason.to_owned();
                }
            }
        }
        Ok(())
    }
}

/// Totals of a week's entries, in rounded minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub entries: usize,
    pub total: i32,
    pub billable: i32,
    /// Monday first.
    pub daily: [i32; 7],
}

impl Totals {
    /// Sums `entries` (all of one week) by day and billability.
    pub fn of(entries: &[TimeEntry]) -> Self {
        let mut t = Totals { entries: entries.len(), ..Default::default() };
        for e in entries {
            t.total += e.rounded;
            if e.fields.billable.unwrap_or(true) {
                t.billable += e.rounded;
            }
            if let Some(d) = e.fields.date {
                t.daily[d.weekday().num_days_from_monday() as usize] += e.rounded;
            }
        }
        t
    }
}

/// Whether an entry dated `date` of a week in `status` may be created, changed or deleted.
///
/// # Errors
/// FAILED_PRECONDITION naming the week when it is submitted or approved.
pub fn check_week_open(status: TimesheetStatus, date: NaiveDate) -> Result<(), DomainError> {
    if status.locks_entries() {
        Err(DomainError::FailedPrecondition(format!(
            "the timesheet for the week of {} is {}; its time entries cannot change",
            week_start(date),
            status.as_str()
        )))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{BillingStatus, EntryFields};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-16 is a Monday; 2026-11-22 a Sunday; 2027-01-01 a Friday (ISO week 53 of 2026)
        assert_eq!(week_start(day(2026, 11, 16)), day(2026, 11, 16));
        assert_eq!(week_start(day(2026, 11, 22)), day(2026, 11, 16));
        assert_eq!(week_start(day(2027, 1, 1)), day(2026, 12, 28));
        assert_eq!(week_end(day(2026, 12, 28)), day(2027, 1, 3));
    }

    fn sheet() -> (Timesheet, Uuid, Uuid) {
        let (owner, boss) = (Uuid::now_v7(), Uuid::now_v7());
        (Timesheet::open(Uuid::nil(), owner, day(2026, 11, 16), now()), owner, boss)
    }

    #[test]
    fn lifecycle_submit_reject_resubmit_approve() {
        let (mut t, owner, boss) = sheet();
        t.apply(Action::Submit, owner, "", 2, now()).unwrap();
        assert_eq!(t.status, TimesheetStatus::Submitted);
        assert!(t.status.locks_entries());
        t.apply(Action::Reject, boss, "  Tuesday is missing the ticket  ", 2, now()).unwrap();
        assert_eq!(
            (t.status, t.rejection_reason.as_str()),
            (TimesheetStatus::Rejected, "Tuesday is missing the ticket")
        );
        assert!(!t.status.locks_entries());
        t.apply(Action::Submit, owner, "", 3, now()).unwrap();
        assert!(t.rejection_reason.is_empty());
        t.apply(Action::Approve, boss, "", 3, now()).unwrap();
        assert_eq!((t.status, t.decided_by), (TimesheetStatus::Approved, Some(boss)));
    }

    #[test]
    fn illegal_moves_are_refused() {
        let (mut t, owner, boss) = sheet();
        let code = |r: Result<(), DomainError>| match r.unwrap_err() {
            DomainError::Invalid(_) => "INVALID_ARGUMENT",
            DomainError::FailedPrecondition(_) => "FAILED_PRECONDITION",
            DomainError::PermissionDenied(_) => "PERMISSION_DENIED",
            e => panic!("unexpected {e}"),
        };
        assert_eq!(code(t.clone().apply(Action::Approve, boss, "", 1, now())), "FAILED_PRECONDITION");
        assert_eq!(code(t.clone().apply(Action::Recall, owner, "", 1, now())), "FAILED_PRECONDITION");
        assert_eq!(code(t.clone().apply(Action::Submit, owner, "", 0, now())), "FAILED_PRECONDITION");
        assert_eq!(code(t.clone().apply(Action::Submit, boss, "", 1, now())), "PERMISSION_DENIED");
        t.apply(Action::Submit, owner, "", 1, now()).unwrap();
        assert_eq!(code(t.clone().apply(Action::Approve, owner, "", 1, now())), "PERMISSION_DENIED");
        assert_eq!(code(t.clone().apply(Action::Reject, boss, "  ", 1, now())), "INVALID_ARGUMENT");
        assert_eq!(code(t.clone().apply(Action::Submit, owner, "", 1, now())), "FAILED_PRECONDITION");
        t.apply(Action::Approve, boss, "", 1, now()).unwrap();
        for a in [Action::Submit, Action::Recall] {
            assert_eq!(code(t.clone().apply(a, owner, "x", 1, now())), "FAILED_PRECONDITION");
        }
        for a in [Action::Approve, Action::Reject] {
            assert_eq!(code(t.clone().apply(a, boss, "x", 1, now())), "FAILED_PRECONDITION");
        }
    }

    #[test]
    fn recall_reopens_before_a_decision() {
        let (mut t, owner, _) = sheet();
        t.apply(Action::Submit, owner, "", 1, now()).unwrap();
        t.apply(Action::Recall, owner, "", 1, now()).unwrap();
        assert_eq!((t.status, t.submitted_at), (TimesheetStatus::Open, None));
    }

    #[test]
    fn totals_by_day_and_billability() {
        let entry = |d: NaiveDate, rounded: i32, billable: bool| TimeEntry {
            id: Uuid::now_v7(),
            tenant_id: Uuid::nil(),
            user_id: Uuid::nil(),
            fields: EntryFields { date: Some(d), billable: Some(billable), ..Default::default() },
            rounded,
            billing_status: BillingStatus::Unbilled,
            created_at: now(),
            updated_at: now(),
        };
        let t = Totals::of(&[
            entry(day(2026, 11, 16), 60, true),
            entry(day(2026, 11, 16), 15, false),
            entry(day(2026, 11, 22), 30, true),
        ]);
        assert_eq!((t.entries, t.total, t.billable), (3, 105, 90));
        assert_eq!(t.daily, [75, 0, 0, 0, 0, 0, 30]);
    }

    #[test]
    fn locked_weeks_name_their_monday() {
        assert!(check_week_open(TimesheetStatus::Rejected, day(2026, 11, 18)).is_ok());
        let e = check_week_open(TimesheetStatus::Approved, day(2026, 11, 18)).unwrap_err().to_string();
        assert!(e.contains("2026-11-16") && e.contains("approved"), "{e}");
    }
}
