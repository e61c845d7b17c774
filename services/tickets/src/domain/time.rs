//! Time tracking rules (PRD §3.5): the tenant's rounding rule, time entry validation and
//! durations, work type fields and the timer's conversion into an entry. Pure: no storage,
//! no transport; the current time is passed in.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use psa_core::validate::Validator;
use psa_core::{DomainError, money, text_enum};
use rust_decimal::Decimal;
use uuid::Uuid;

/// Longest entry: one day, in minutes.
pub const MAX_MINUTES: i32 = 24 * 60;
/// Longest `notes` / `internal_notes`, in characters.
pub const MAX_NOTES: usize = 4000;

text_enum!(
    /// How durations are rounded to the increment.
    RoundingMethod { None => "none", Up => "up", Down => "down", Nearest => "nearest" }
);

text_enum!(
    /// Where an entry is in billing (only `unbilled` entries may change or be deleted).
    BillingStatus { Unbilled => "unbilled", ReadyToBill => "ready_to_bill", Billed => "billed" }
);

/// The tenant's rounding rule: round to `increment` minutes by `method`, then raise to at
/// least `minimum` minutes (never above [`MAX_MINUTES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundingRule {
    pub method: RoundingMethod,
    /// 1–60 minutes (1 when `method` is `None`).
    pub increment: i32,
    /// 0–1440 minutes.
    pub minimum: i32,
}

impl Default for RoundingRule {
    /// No rounding.
    fn default() -> Self {
        Self { method: RoundingMethod::None, increment: 1, minimum: 0 }
    }
}

impl RoundingRule {
    /// Validates the rule (fields under `settings.`); an increment of 0 with method `None`
    /// becomes 1.
    ///
    /// # Errors
    /// INVALID_ARGUMENT naming `settings.increment_minutes` / `settings.minimum_minutes`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        if self.method == RoundingMethod::None && self.increment == 0 {
            self.increment = 1;
        }
        if !(1..=60).contains(&self.increment) {
            v.push("settings.increment_minutes", "must be between 1 and 60");
        }
        if !(0..=MAX_MINUTES).contains(&self.minimum) {
            v.push("settings.minimum_minutes", "must be between 0 and 1440");
        }
        v.finish()?;
        Ok(self)
    }

    /// `minutes` rounded by this rule (e.g. 15-minute increments: up 16 → 30, down 16 → 15,
    /// nearest 22 → 15 and 23 → 30; a 30-minute minimum turns 10 into 30).
    pub fn apply(&self, minutes: i32) -> i32 {
        let inc = self.increment.max(1);
        let rounded = match self.method {
            RoundingMethod::None => minutes,
            RoundingMethod::Up => (minutes + inc - 1) / inc * inc,
            RoundingMethod::Down => minutes / inc * inc,
            RoundingMethod::Nearest => (minutes * 2 + inc) / (inc * 2) * inc,
        };
        rounded.max(self.minimum).min(MAX_MINUTES)
    }
}

/// A work type (category of time) as written by the API.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkTypeFields {
    /// 1–100 characters, unique per tenant (case-insensitive).
    pub name: String,
    pub description: String,
    /// Default hourly rate (non-negative, at most 4 decimal places).
    pub default_rate: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Whether new entries of this type are billable by default.
    pub billable: bool,
    pub active: bool,
}

impl WorkTypeFields {
    /// Trims and checks the fields (names under `work_type.`).
    ///
    /// # Errors
    /// INVALID_ARGUMENT with every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        let mut v = Validator::new();
        self.currency = if self.currency.trim().is_empty() {
            "USD".into()
        } else {
            money::parse_currency(&mut v, "work_type.currency", &self.currency)
        };
        v.required("work_type.name", &self.name).max_chars("work_type.name", &self.name, 100);
        v.max_chars("work_type.description", &self.description, 2000);
        if self.default_rate.is_sign_negative() || self.default_rate.normalize().scale() > money::SCALE {
            v.push("work_type.default_rate", "must be non-negative with at most 4 decimal places");
        }
        v.finish()?;
        Ok(self)
    }
}

/// A work type as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkType {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: WorkTypeFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A time entry as written by the API (or by stopping a timer).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntryFields {
    /// The day the work was done.
    pub date: Option<NaiveDate>,
    /// Start and end on `date` (both or neither; whole minutes).
    pub start: Option<NaiveTime>,
    pub end: Option<NaiveTime>,
    /// Minutes worked, 1–1440 (computed from start/end when they are given).
    pub duration: i32,
    pub work_type_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    /// From the ticket when there is one.
    pub company_id: Option<Uuid>,
    /// Contract the time is billed under (block hours draw on it); defaults to the ticket's
    /// contract. An id of the contracts service, not checked here.
    pub contract_id: Option<Uuid>,
    /// Project and task (ids of records owned elsewhere; not checked).
    pub project_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    /// `None`: the work type's default.
    pub billable: Option<bool>,
    pub notes: String,
    pub internal_notes: String,
}

impl EntryFields {
    /// Checks the entry and derives the duration from start/end (fields under `entry.`):
    /// date and work type are required; start and end come together, the end after the start
    /// on the same day; a duration given beside them must match; the duration is 1–1440
    /// minutes; notes at most [`MAX_NOTES`] characters each.
    ///
    /// # Errors
    /// INVALID_ARGUMENT with every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        if self.date.is_none() {
            v.push("entry.date", "is required");
        }
        if self.work_type_id.is_none() {
            v.push("entry.work_type_id", "is required");
        }
        match (self.start, self.end) {
            (Some(s), Some(e)) => {
                let mins = minute_of_day(e) - minute_of_day(s);
                if mins <= 0 {
                    v.push("entry.end_time", "must be after start_time");
                } else if self.duration != 0 && self.duration != mins {
                    v.push("entry.duration_minutes", format!("does not match start and end ({mins} minutes)"));
                } else {
                    self.duration = mins;
                }
            }
            (Some(_), None) => v.push("entry.end_time", "is required with start_time"),
            (None, Some(_)) => v.push("entry.start_time", "is required with end_time"),
            (None, None) => {
                if !(1..=MAX_MINUTES).contains(&self.duration) {
                    v.push("entry.duration_minutes", "must be between 1 and 1440 (or give start_time and end_time)");
                }
            }
        }
        v.max_chars("entry.notes", &self.notes, MAX_NOTES);
        v.max_chars("entry.internal_notes", &self.internal_notes, MAX_NOTES);
        v.finish()?;
        Ok(self)
    }
}

fn minute_of_day(t: NaiveTime) -> i32 {
    i32::try_from(t.hour() * 60 + t.minute()).unwrap_or(0)
}

/// A time entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeEntry {
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// Who recorded it.
    pub user_id: Uuid,
    /// Normalised fields; `billable` is always `Some`.
    pub fields: EntryFields,
    /// `fields.duration` after the tenant's rounding rule at the last write.
    pub rounded: i32,
    pub billing_status: BillingStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TimeEntry {
    /// Whether the entry may still be edited or deleted.
    ///
    /// # Errors
    /// FAILED_PRECONDITION once it is ready to bill or billed.
    pub fn check_editable(&self) -> Result<(), DomainError> {
        if self.billing_status == BillingStatus::Unbilled {
            Ok(())
        } else {
            Err(DomainError::FailedPrecondition(format!(
                "time entry is {}; only unbilled entries can be changed or deleted",
                self.billing_status.as_str()
            )))
        }
    }
}

/// A user's running timer.
#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    pub user_id: Uuid,
    pub work_type_id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub notes: String,
    pub started_at: DateTime<Utc>,
}

impl Timer {
    /// The entry for a timer stopped at `now` (UTC): the start date, start and end times
    /// when both fall on that day, and the elapsed whole minutes (at least 1).
    ///
    /// # Errors
    /// FAILED_PRECONDITION when the timer ran longer than 24 hours.
    pub fn entry(&self, now: DateTime<Utc>) -> Result<EntryFields, DomainError> {
        let secs = (now - self.started_at).num_seconds().max(0);
        let minutes = i32::try_from(((secs + 59) / 60).max(1)).unwrap_or(i32::MAX);
        if minutes > MAX_MINUTES {
            return Err(DomainError::FailedPrecondition(
                "the timer ran longer than 24 hours; record the time by hand".into(),
            ));
        }
        let start = self.started_at.time().with_second(0).and_then(|t| t.with_nanosecond(0));
        let end = start.map(|s| s + chrono::Duration::minutes(minutes.into()));
        let same_day = start.zip(end).is_some_and(|(s, e)| e > s);
        Ok(EntryFields {
            date: Some(self.started_at.date_naive()),
            start: if same_day { start } else { None },
            end: if same_day { end } else { None },
            duration: if same_day { 0 } else { minutes },
            work_type_id: Some(self.work_type_id),
            ticket_id: self.ticket_id,
            notes: self.notes.clone(),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(method: RoundingMethod, increment: i32, minimum: i32) -> RoundingRule {
        RoundingRule { method, increment, minimum }
    }

    #[test]
    fn rounding_up_down_nearest_and_minimum() {
        let up = rule(RoundingMethod::Up, 15, 0);
        assert_eq!([1, 15, 16, 29, 30].map(|m| up.apply(m)), [15, 15, 30, 30, 30]);
        let down = rule(RoundingMethod::Down, 15, 0);
        assert_eq!([1, 15, 16, 29, 30].map(|m| down.apply(m)), [0, 15, 15, 15, 30]);
        let nearest = rule(RoundingMethod::Nearest, 15, 0);
        assert_eq!([7, 8, 22, 23, 30].map(|m| nearest.apply(m)), [0, 15, 15, 30, 30]);
        let six = rule(RoundingMethod::Nearest, 6, 0);
        assert_eq!([2, 3, 9].map(|m| six.apply(m)), [0, 6, 12]);
        let with_min = rule(RoundingMethod::Down, 15, 30);
        assert_eq!([1, 44, 45, 50].map(|m| with_min.apply(m)), [30, 30, 45, 45]);
        assert_eq!(RoundingRule::default().apply(17), 17);
        assert_eq!(rule(RoundingMethod::None, 1, 10).apply(3), 10);
        assert_eq!(rule(RoundingMethod::Up, 60, 0).apply(1439), 1440);
        assert_eq!(rule(RoundingMethod::Up, 7, 0).apply(1440), 1440, "never above a day");
    }

    #[test]
    fn rule_validation() {
        assert_eq!(rule(RoundingMethod::None, 0, 0).normalize().unwrap().increment, 1);
        let e = rule(RoundingMethod::Up, 0, 2000).normalize().unwrap_err().to_string();
        assert!(e.contains("settings.increment_minutes") && e.contains("settings.minimum_minutes"), "{e}");
        assert!(rule(RoundingMethod::Up, 61, 0).normalize().is_err());
    }

    fn at(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    fn base() -> EntryFields {
        EntryFields {
            date: NaiveDate::from_ymd_opt(2026, 11, 20),
            work_type_id: Some(Uuid::nil()),
            duration: 30,
            ..Default::default()
        }
    }

    #[test]
    fn entry_durations() {
        assert_eq!(base().normalize().unwrap().duration, 30);
        let e = EntryFields { start: at(9, 0), end: at(10, 45), duration: 0, ..base() }.normalize().unwrap();
        assert_eq!(e.duration, 105);
        let e = EntryFields { start: at(9, 0), end: at(10, 45), duration: 105, ..base() }.normalize().unwrap();
        assert_eq!(e.duration, 105);
        assert_eq!(EntryFields { duration: 1440, ..base() }.normalize().unwrap().duration, 1440);
    }

    #[test]
    fn entry_validation_names_fields() {
        let bad = |f: EntryFields, field: &str| {
            let e = f.normalize().unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        };
        bad(EntryFields { duration: 0, ..base() }, "entry.duration_minutes");
        bad(EntryFields { duration: -5, ..base() }, "entry.duration_minutes");
        bad(EntryFields { duration: 1441, ..base() }, "entry.duration_minutes");
        bad(EntryFields { start: at(10, 0), end: at(9, 0), ..base() }, "entry.end_time");
        bad(EntryFields { start: at(10, 0), end: at(10, 0), ..base() }, "entry.end_time");
        bad(EntryFields { start: at(10, 0), ..base() }, "entry.end_time");
        bad(EntryFields { end: at(10, 0), ..base() }, "entry.start_time");
        bad(EntryFields { start: at(9, 0), end: at(10, 0), duration: 45, ..base() }, "entry.duration_minutes");
        bad(EntryFields { date: None, ..base() }, "entry.date");
        bad(EntryFields { work_type_id: None, ..base() }, "entry.work_type_id");
        bad(EntryFields { notes: "x".repeat(MAX_NOTES + 1), ..base() }, "entry.notes");
        bad(EntryFields { internal_notes: "x".repeat(MAX_NOTES + 1), ..base() }, "entry.internal_notes");
    }

    #[test]
    fn work_type_validation() {
        let ok = WorkTypeFields {
            name: " Remote support ".into(),
            description: String::new(),
            default_rate: Decimal::new(12500, 2),
            currency: "eur".into(),
            billable: true,
            active: true,
        };
        let n = ok.clone().normalize().unwrap();
        assert_eq!((n.name.as_str(), n.currency.as_str()), ("Remote support", "EUR"));
        assert_eq!(WorkTypeFields { currency: String::new(), ..ok.clone() }.normalize().unwrap().currency, "USD");
        let e = WorkTypeFields { name: " ".into(), currency: "EU".into(), default_rate: Decimal::new(-1, 0), ..ok }
            .normalize()
            .unwrap_err()
            .to_string();
        for f in ["work_type.name", "work_type.currency", "work_type.default_rate"] {
            assert!(e.contains(f), "{f}: {e}");
        }
    }

    #[test]
    fn stopped_timer_becomes_an_entry() {
        let start = DateTime::parse_from_rfc3339("2026-11-20T09:10:30Z").unwrap().with_timezone(&Utc);
        let t = Timer {
            user_id: Uuid::nil(),
            work_type_id: Uuid::nil(),
            ticket_id: None,
            notes: "n".into(),
            started_at: start,
        };
        let e = t.entry(start + chrono::Duration::seconds(30 * 60 + 1)).unwrap().normalize().unwrap();
        assert_eq!((e.start, e.end, e.duration), (at(9, 10), at(9, 41), 31));
        let e = t.entry(start).unwrap().normalize().unwrap();
        assert_eq!(e.duration, 1, "at least a minute");
        // across midnight (UTC): duration only
        let late = Timer { started_at: start + chrono::Duration::hours(14), ..t.clone() };
        let e = late.entry(late.started_at + chrono::Duration::hours(2)).unwrap().normalize().unwrap();
        assert_eq!((e.start, e.duration, e.date), (None, 120, NaiveDate::from_ymd_opt(2026, 11, 20)));
        assert!(t.entry(start + chrono::Duration::hours(25)).is_err());
    }
}
