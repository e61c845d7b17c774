//! Time tracking domain ⇄ proto: dates `YYYY-MM-DD`, times `HH:MM`, rates as decimal strings.

use chrono::{NaiveDate, NaiveTime};
use psa_core::DomainError;
use psa_core::money;
use psa_core::validate::Validator;
use psa_kit::convert::{opt_id, timestamp};
use psa_proto::tickets as pb;
use rust_decimal::Decimal;

use crate::domain::time::{
    BillingStatus, EntryFields, RoundingMethod, RoundingRule, TimeEntry, Timer, WorkType, WorkTypeFields,
};

/// A work type as its proto message (rate with at least two decimals, e.g. `"125.00"`).
pub fn work_type(w: &WorkType) -> pb::WorkType {
    let f = &w.fields;
    pb::WorkType {
        id: w.id.to_string(),
        name: f.name.clone(),
        description: f.description.clone(),
        default_rate: money::format_amount(f.default_rate),
        currency: f.currency.clone(),
        billable: f.billable,
        active: Some(f.active),
        create_time: Some(timestamp(w.created_at)),
        update_time: Some(timestamp(w.updated_at)),
    }
}

/// The fields of a proto work type.
///
/// # Errors
/// INVALID_ARGUMENT on `work_type.default_rate` when it is not a plain non-negative decimal
/// ([`money::parse_amount`]).
pub fn work_type_fields(w: pb::WorkType) -> Result<WorkTypeFields, DomainError> {
    let mut v = Validator::new();
    let default_rate = money::parse_amount(&mut v, "work_type.default_rate", &w.default_rate, Decimal::ZERO);
    v.finish()?;
    Ok(WorkTypeFields {
        name: w.name,
        description: w.description,
        default_rate,
        currency: w.currency,
        billable: w.billable,
        active: w.active.unwrap_or(true),
    })
}

/// The rounding rule as its proto message.
pub fn settings(r: &RoundingRule) -> pb::TimeSettings {
    pb::TimeSettings {
        method: match r.method {
            RoundingMethod::None => pb::RoundingMethod::None,
            RoundingMethod::Up => pb::RoundingMethod::Up,
            RoundingMethod::Down => pb::RoundingMethod::Down,
            RoundingMethod::Nearest => pb::RoundingMethod::Nearest,
        } as i32,
        increment_minutes: r.increment,
        minimum_minutes: r.minimum,
    }
}

/// The rounding rule of proto settings (UNSPECIFIED means NONE).
///
/// # Errors
/// INVALID_ARGUMENT on `settings.method` for an unknown value.
pub fn rounding_rule(s: pb::TimeSettings) -> Result<RoundingRule, DomainError> {
    let method = match pb::RoundingMethod::try_from(s.method) {
        Ok(pb::RoundingMethod::Unspecified | pb::RoundingMethod::None) => RoundingMethod::None,
        Ok(pb::RoundingMethod::Up) => RoundingMethod::Up,
        Ok(pb::RoundingMethod::Down) => RoundingMethod::Down,
        Ok(pb::RoundingMethod::Nearest) => RoundingMethod::Nearest,
        Err(_) => return Err(DomainError::invalid("settings.method", "unknown value")),
    };
    Ok(RoundingRule { method, increment: s.increment_minutes, minimum: s.minimum_minutes })
}

fn hhmm(t: Option<NaiveTime>) -> String {
    t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
}

/// An entry as its proto message.
pub fn entry(e: &TimeEntry) -> pb::TimeEntry {
    let f = &e.fields;
    pb::TimeEntry {
        id: e.id.to_string(),
        user_id: e.user_id.to_string(),
        date: f.date.map(|d| d.to_string()).unwrap_or_default(),
        start_time: hhmm(f.start),
        end_time: hhmm(f.end),
        duration_minutes: f.duration,
        rounded_minutes: e.rounded,
        work_type_id: opt_id(f.work_type_id),
        ticket_id: opt_id(f.ticket_id),
        company_id: opt_id(f.company_id),
        contract_id: opt_id(f.contract_id),
        project_id: opt_id(f.project_id),
        task_id: opt_id(f.task_id),
        billable: f.billable,
        notes: f.notes.clone(),
        internal_notes: f.internal_notes.clone(),
        billing_status: match e.billing_status {
            BillingStatus::Unbilled => pb::TimeBillingStatus::Unbilled,
            BillingStatus::ReadyToBill => pb::TimeBillingStatus::ReadyToBill,
            BillingStatus::Billed => pb::TimeBillingStatus::Billed,
        } as i32,
        create_time: Some(timestamp(e.created_at)),
        update_time: Some(timestamp(e.updated_at)),
    }
}

/// Parses an optional `YYYY-MM-DD` on `field`.
pub fn date(v: &mut Validator, field: &str, s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| v.push(field, "must be a date YYYY-MM-DD")).ok()
}

fn time(v: &mut Validator, field: &str, s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| v.push(field, "must be a time HH:MM")).ok()
}

/// The fields of a proto entry (shapes only; rules are in [`EntryFields::normalize`]).
///
/// # Errors
/// INVALID_ARGUMENT naming every malformed field.
pub fn entry_fields(e: pb::TimeEntry) -> Result<EntryFields, DomainError> {
    let mut v = Validator::new();
    let f = EntryFields {
        date: date(&mut v, "entry.date", &e.date),
        start: time(&mut v, "entry.start_time", &e.start_time),
        end: time(&mut v, "entry.end_time", &e.end_time),
        duration: e.duration_minutes,
        work_type_id: v.optional_uuid("entry.work_type_id", &e.work_type_id),
        ticket_id: v.optional_uuid("entry.ticket_id", &e.ticket_id),
        company_id: v.optional_uuid("entry.company_id", &e.company_id),
        contract_id: v.optional_uuid("entry.contract_id", &e.contract_id),
        project_id: v.optional_uuid("entry.project_id", &e.project_id),
        task_id: v.optional_uuid("entry.task_id", &e.task_id),
        billable: e.billable,
        notes: e.notes,
        internal_notes: e.internal_notes,
    };
    v.finish()?;
    Ok(f)
}

/// A timer as its proto message.
pub fn timer(t: &Timer) -> pb::Timer {
    pb::Timer {
        user_id: t.user_id.to_string(),
        work_type_id: t.work_type_id.to_string(),
        ticket_id: opt_id(t.ticket_id),
        notes: t.notes.clone(),
        start_time: Some(timestamp(t.started_at)),
    }
}

/// A timesheet view as its proto message (entries included only when the view has them).
pub fn timesheet(v: &crate::app::timesheets::TimesheetView) -> pb::Timesheet {
    use crate::domain::timesheet::{TimesheetStatus as S, week_end};
    let s = &v.sheet;
    let status = match s.status {
        S::Open => pb::TimesheetStatus::Open,
        S::Submitted => pb::TimesheetStatus::Submitted,
        S::Approved => pb::TimesheetStatus::Approved,
        S::Rejected => pb::TimesheetStatus::Rejected,
    };
    pb::Timesheet {
        user_id: s.user_id.to_string(),
        week_start: s.week_start.to_string(),
        week_end: week_end(s.week_start).to_string(),
        status: status as i32,
        entry_count: i32::try_from(v.totals.entries).unwrap_or(i32::MAX),
        total_minutes: v.totals.total,
        billable_minutes: v.totals.billable,
        daily_minutes: v.totals.daily.to_vec(),
        submit_time: s.submitted_at.map(timestamp),
        decided_by: opt_id(s.decided_by),
        decide_time: s.decided_at.map(timestamp),
        rejection_reason: s.rejection_reason.clone(),
        entries: v.entries.iter().map(entry).collect(),
    }
}

/// The user of a timesheet path: a UUID or `me` (the caller).
///
/// # Errors
/// INVALID_ARGUMENT on `user_id`.
pub fn timesheet_user(v: &mut Validator, s: &str, caller: uuid::Uuid) -> Option<uuid::Uuid> {
    if s.trim().eq_ignore_ascii_case("me") {
        return Some(caller);
    }
    let id = v.optional_uuid("user_id", s);
    if id.is_none() && s.trim().is_empty() {
        v.push("user_id", "is required (a user id or `me`)");
    }
    id
}

/// A report row as its proto message.
pub fn report_row(r: &crate::domain::time_report::ReportRow) -> pb::TimeReportRow {
    let int = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    pb::TimeReportRow {
        key: opt_id(r.key),
        label: r.label.clone(),
        entry_count: int(r.entries),
        total_minutes: int(r.total),
        billable_minutes: int(r.billable),
        non_billable_minutes: int(r.non_billable()),
        utilization_percent: r.utilization(),
    }
}
