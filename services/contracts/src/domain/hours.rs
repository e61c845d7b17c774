//! Block-hour balances (PRD §3.8 "block hours", seed 001 Contract): a contract's policy (hours
//! included per period, rollover allowed and its cap), the periods cut from the contract's
//! start date, and each period's balance computed from the hours drawn by approved time.
//!
//! Hours are [`Decimal`] hours with 2 decimal places (`numeric(10, 2)`); dates are UTC
//! calendar dates.

use chrono::{Months, NaiveDate};
use psa_core::text_enum;
use psa_core::validate::Validator;
use rust_decimal::Decimal;
use uuid::Uuid;

text_enum!(
    /// Length of a balance period, counted from the contract's start date.
    HourPeriod { Monthly => "monthly", Quarterly => "quarterly", Annually => "annually" }
);

impl HourPeriod {
    /// Months per period.
    pub fn months(self) -> u32 {
        match self {
            HourPeriod::Monthly => 1,
            HourPeriod::Quarterly => 3,
            HourPeriod::Annually => 12,
        }
    }
}

/// Largest number of hours a policy or a usage holds (`numeric(10, 2)`).
pub const MAX_HOURS: i64 = 99_999_999;

/// Most periods a balance lists (ten years of monthly periods).
pub const MAX_PERIODS: usize = 120;

/// A contract's block-hour policy.
#[derive(Debug, Clone, PartialEq)]
pub struct HourPolicy {
    /// Hours included in each period, ≥ 0, at most 2 decimal places.
    pub included_hours: Decimal,
    pub period: HourPeriod,
    /// Whether unused hours carry into the next period.
    pub rollover_allowed: bool,
    /// Most hours carried into a period; `None`: no cap. Ignored without rollover.
    pub rollover_cap_hours: Option<Decimal>,
}

impl HourPolicy {
    /// Checks the rules, naming fields `policy.…`.
    ///
    /// # Errors
    /// [`psa_core::DomainError::Invalid`] listing every bad field.
    pub fn validate(&self) -> Result<(), psa_core::DomainError> {
        let mut v = Validator::new();
        hours_rule(&mut v, "policy.included_hours", self.included_hours);
        if let Some(cap) = self.rollover_cap_hours {
            hours_rule(&mut v, "policy.rollover_cap_hours", cap);
            if !self.rollover_allowed {
                v.push("policy.rollover_cap_hours", "only with rollover_allowed");
            }
        }
        v.finish()
    }
}

fn hours_rule(v: &mut Validator, field: &str, h: Decimal) {
    if h < Decimal::ZERO || h > Decimal::from(MAX_HOURS) || h.normalize().scale() > 2 {
        v.push(field, format!("must be between 0 and {MAX_HOURS} hours with at most 2 decimal places"));
    }
}

/// Hours drawn from a contract on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct HourUsage {
    /// The tickets service's time entry that drew the hours.
    pub time_entry_id: Uuid,
    /// The entry's date (UTC calendar date).
    pub work_date: NaiveDate,
    /// Hours drawn (2 decimal places).
    pub hours: Decimal,
}

/// The balance of one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodBalance {
    /// First and last day of the period (inclusive).
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Hours the policy includes per period.
    pub included_hours: Decimal,
    /// Hours carried in from the previous period (0 without rollover).
    pub rollover_hours: Decimal,
    /// Hours drawn by approved time dated within the period.
    pub used_hours: Decimal,
    /// `included + rollover − used`; negative when the period is overdrawn.
    pub remaining_hours: Decimal,
}

/// Minutes as hours, rounded half away from zero to 2 decimal places (`90` → `1.50`).
pub fn minutes_to_hours(minutes: i32) -> Decimal {
    (Decimal::from(minutes.max(0)) / Decimal::from(60)).round_dp(2)
}

/// The balance of every period from the contract's `start` up to the one containing `today`
/// (or up to the contract's `end`, when that is earlier), oldest first; at most
/// [`MAX_PERIODS`] (the latest ones). Period `k` runs from `start + k·months` to the day
/// before period `k+1`, cut at `end`. With rollover, a period's positive remainder (capped by
/// `rollover_cap_hours`) is carried into the next; overdrafts are not carried.
pub fn balances(
    policy: &HourPolicy,
    start: NaiveDate,
    end: Option<NaiveDate>,
    today: NaiveDate,
    usages: &[HourUsage],
) -> Vec<PeriodBalance> {
    let last_day = end.map_or(today, |e| e.min(today)).max(start);
    let mut out = Vec::new();
    let mut carried = Decimal::ZERO;
    for k in 0u32.. {
        let Some(from) = start.checked_add_months(Months::new(k * policy.period.months())) else { break };
        if from > last_day {
            break;
        }
        let next = start.checked_add_months(Months::new((k + 1) * policy.period.months()));
        let mut to = next.and_then(|n| n.pred_opt()).unwrap_or(NaiveDate::MAX);
        if let Some(e) = end {
            to = to.min(e);
        }
        let used: Decimal = usages.iter().filter(|u| u.work_date >= from && u.work_date <= to).map(|u| u.hours).sum();
        let remaining = policy.included_hours + carried - used;
        out.push(PeriodBalance {
            start_date: from,
            end_date: to,
            included_hours: policy.included_hours,
            rollover_hours: carried,
            used_hours: used,
            remaining_hours: remaining,
        });
        carried = if policy.rollover_allowed {
            let left = remaining.max(Decimal::ZERO);
            policy.rollover_cap_hours.map_or(left, |cap| left.min(cap))
        } else {
            Decimal::ZERO
        };
    }
    if out.len() > MAX_PERIODS {
        out.drain(..out.len() - MAX_PERIODS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn h(n: i64) -> Decimal {
        Decimal::from(n)
    }

    fn usage(date: &str, hours: i64) -> HourUsage {
        HourUsage { time_entry_id: Uuid::now_v7(), work_date: d(date), hours: h(hours) }
    }

    fn policy(rollover: bool, cap: Option<i64>) -> HourPolicy {
        HourPolicy {
            included_hours: h(10),
            period: HourPeriod::Monthly,
            rollover_allowed: rollover,
            rollover_cap_hours: cap.map(h),
        }
    }

    #[test]
    fn periods_follow_the_start_date_and_stop_at_today() {
        let b = balances(&policy(false, None), d("2026-01-31"), None, d("2026-03-15"), &[]);
        let spans: Vec<_> = b.iter().map(|p| (p.start_date.to_string(), p.end_date.to_string())).collect();
        assert_eq!(spans, [("2026-01-31".into(), "2026-02-27".into()), ("2026-02-28".into(), "2026-03-30".into()),]);
        // Cut at the contract's end.
        let b = balances(&policy(false, None), d("2026-01-01"), Some(d("2026-02-10")), d("2027-01-01"), &[]);
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].end_date, d("2026-02-10"));
        // A contract starting in the future shows its first period.
        assert_eq!(balances(&policy(false, None), d("2027-01-01"), None, d("2026-01-01"), &[]).len(), 1);
    }

    #[test]
    fn used_remaining_and_rollover_with_cap() {
        let usages = [usage("2026-01-05", 3), usage("2026-01-31", 1), usage("2026-02-01", 12), usage("2026-03-02", 2)];
        // No rollover: each period starts afresh; overdraft shows as negative.
        let b = balances(&policy(false, None), d("2026-01-01"), None, d("2026-03-10"), &usages);
        let rem: Vec<_> = b.iter().map(|p| (p.used_hours, p.rollover_hours, p.remaining_hours)).collect();
        assert_eq!(rem, [(h(4), h(0), h(6)), (h(12), h(0), h(-2)), (h(2), h(0), h(8))]);
        // Rollover capped at 5: January leaves 6, 5 carry; February uses 12 of 15 → 3 carry.
        let b = balances(&policy(true, Some(5)), d("2026-01-01"), None, d("2026-03-10"), &usages);
        let rem: Vec<_> = b.iter().map(|p| (p.rollover_hours, p.remaining_hours)).collect();
        assert_eq!(rem, [(h(0), h(6)), (h(5), h(3)), (h(3), h(11))]);
        // Uncapped rollover carries everything left.
        let b = balances(&policy(true, None), d("2026-01-01"), None, d("2026-02-10"), &usages[..2]);
        assert_eq!(b[1].rollover_hours, h(6));
        assert_eq!(b[1].remaining_hours, h(16));
    }

    #[test]
    fn quarterly_periods_and_the_period_cap() {
        let p = HourPolicy { period: HourPeriod::Quarterly, ..policy(false, None) };
        let b = balances(&p, d("2026-01-01"), None, d("2026-12-31"), &[]);
        assert_eq!(b.len(), 4);
        assert_eq!(b[3].start_date, d("2026-10-01"));
        let b = balances(&policy(false, None), d("2000-01-01"), None, d("2026-01-01"), &[]);
        assert_eq!(b.len(), MAX_PERIODS);
        assert_eq!(b.last().unwrap().start_date, d("2026-01-01"));
    }

    #[test]
    fn minutes_round_to_hundredths() {
        assert_eq!(minutes_to_hours(90).to_string(), "1.50");
        assert_eq!(minutes_to_hours(20).to_string(), "0.33");
        assert_eq!(minutes_to_hours(-5), Decimal::ZERO);
    }

    #[test]
    fn policy_rules() {
        assert!(policy(true, Some(5)).validate().is_ok());
        let bad = HourPolicy { included_hours: Decimal::new(-1, 0), ..policy(false, Some(3)) };
        let Err(psa_core::DomainError::Invalid(v)) = bad.validate() else { panic!() };
        let names: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["policy.included_hours", "policy.rollover_cap_hours"]);
        let bad = HourPolicy { included_hours: Decimal::new(1001, 3), ..policy(false, None) };
        assert!(bad.validate().is_err());
    }
}
