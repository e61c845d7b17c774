//! Time reports (PRD §3.5.3 "reports by user / company", §3.16 "time utilization"): totals of
//! rounded minutes over a date range, grouped by one dimension. Pure: no storage.

use chrono::NaiveDate;
use psa_core::validate::Validator;
use psa_core::{DomainError, text_enum};
use uuid::Uuid;

/// Longest report range, in days (inclusive of both ends).
pub const MAX_DAYS: i64 = 366;

text_enum!(
    /// What a report groups by (the REST path segment).
    Dimension { User => "by-user", Company => "by-company", WorkType => "by-work-type", Ticket => "by-ticket" }
);

/// One group's totals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportRow {
    /// The group's id; `None` for entries without a company or ticket.
    pub key: Option<Uuid>,
    pub label: String,
    pub entries: i64,
    /// Rounded minutes.
    pub total: i64,
    pub billable: i64,
}

impl ReportRow {
    /// Rounded minutes not billable.
    pub fn non_billable(&self) -> i64 {
        self.total - self.billable
    }

    /// Billable share of the total in percent, one decimal (0 for no time).
    pub fn utilization(&self) -> f64 {
        if self.total == 0 { 0.0 } else { (self.billable as f64 * 1000.0 / self.total as f64).round() / 10.0 }
    }

    /// The sum of `rows`.
    pub fn sum(rows: &[ReportRow]) -> ReportRow {
        rows.iter().fold(ReportRow::default(), |mut acc, r| {
            acc.entries += r.entries;
            acc.total += r.total;
            acc.billable += r.billable;
            acc
        })
    }
}

/// Checks a report request.
///
/// # Errors
/// INVALID_ARGUMENT naming `dimension`, `start_date` or `end_date`.
pub fn check(
    dimension: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    v: &mut Validator,
) -> Option<(Dimension, NaiveDate, NaiveDate)> {
    let dim = Dimension::parse(dimension.trim());
    if dim.is_none() {
        v.push("dimension", format!("must be one of {}", Dimension::NAMES.join(", ")));
    }
    if from.is_none() {
        v.push("start_date", "is required (YYYY-MM-DD)");
    }
    if to.is_none() {
        v.push("end_date", "is required (YYYY-MM-DD)");
    }
    let (dim, from, to) = (dim?, from?, to?);
    if to < from {
        v.push("end_date", "must not be before start_date");
    } else if (to - from).num_days() + 1 > MAX_DAYS {
        v.push("end_date", format!("the range is at most {MAX_DAYS} days"));
    }
    Some((dim, from, to))
}

/// [`check`] as a result.
///
/// # Errors
/// As [`check`].
pub fn validate(
    dimension: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(Dimension, NaiveDate, NaiveDate), DomainError> {
    let mut v = Validator::new();
    let out = check(dimension, from, to, &mut v);
    v.finish()?;
    out.ok_or_else(|| DomainError::invalid("dimension", "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn utilization_and_sums() {
        let a = ReportRow { entries: 2, total: 90, billable: 60, ..Default::default() };
        let b = ReportRow { entries: 1, total: 30, billable: 0, ..Default::default() };
        assert_eq!((a.non_billable(), a.utilization()), (30, 66.7));
        assert_eq!(ReportRow::default().utilization(), 0.0);
        let s = ReportRow::sum(&[a, b]);
        assert_eq!((s.entries, s.total, s.billable, s.utilization()), (3, 120, 60, 50.0));
    }

    #[test]
    fn requests_are_checked() {
        assert_eq!(validate("by-company", d("2026-11-01"), d("2026-11-30")).unwrap().0, Dimension::Company);
        let e = validate("by-moon", None, d("2026-11-30")).unwrap_err().to_string();
        assert!(e.contains("dimension") && e.contains("start_date"), "{e}");
        assert!(validate("by-user", d("2026-11-30"), d("2026-11-01")).unwrap_err().to_string().contains("end_date"));
        assert!(validate("by-user", d("2025-01-01"), d("2026-11-01")).is_err());
        assert!(validate("by-user", d("2026-01-01"), d("2026-12-31")).is_ok());
    }
}
