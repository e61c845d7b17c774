//! SLA configuration records and their input rules (PRD §3.9.2): policies with per-priority
//! targets, business-hours calendars and holiday calendars.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use uuid::Uuid;

use super::calendar::{Calendar, Interval};
use crate::domain::ticket::TicketPriority;

/// Longest name of a policy or calendar, in characters.
pub const MAX_NAME: usize = 200;
/// Longest target, in minutes (one year).
pub const MAX_TARGET_MINUTES: i32 = 525_600;
/// Warning thresholds when a policy names none (percent of the target).
pub const DEFAULT_THRESHOLDS: [i16; 2] = [75, 90];
/// The breach "threshold" (percent of the target).
pub const BREACH: i16 = 100;

/// One priority's targets. `None` hours mean 24×7.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec {
    pub priority: TicketPriority,
    /// Business minutes to the first public staff note.
    pub first_response_minutes: i32,
    pub first_response_hours: Option<Uuid>,
    /// Business minutes to resolution, excluding paused time.
    pub resolution_minutes: i32,
    pub resolution_hours: Option<Uuid>,
}

/// The writable fields of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFields {
    pub name: String,
    pub description: String,
    pub is_default: bool,
    pub targets: Vec<TargetSpec>,
    /// Warning points in percent (1–99), ascending, distinct.
    pub warning_thresholds: Vec<i16>,
}

/// A stored policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: PolicyFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PolicyFields {
    /// Trims the name, sorts thresholds ascending (empty → 75, 90),
    /// and checks every rule, naming fields under `policy.`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        let mut v = Validator::new();
        v.required("policy.name", &self.name).max_chars("policy.name", &self.name, MAX_NAME);
        for (i, t) in self.targets.iter().enumerate() {
            for (n, m) in
                [("first_response_minutes", t.first_response_minutes), ("resolution_minutes", t.resolution_minutes)]
            {
                if !(1..=MAX_TARGET_MINUTES).contains(&m) {
                    v.push(format!("policy.targets[{i}].{n}"), format!("must be 1–{MAX_TARGET_MINUTES} minutes"));
                }
            }
            if self.targets[..i].iter().any(|o| o.priority == t.priority) {
                v.push(format!("policy.targets[{i}].priority"), "appears twice");
            }
        }
        if self.warning_thresholds.is_empty() {
            self.warning_thresholds = DEFAULT_THRESHOLDS.to_vec();
        }
        self.warning_thresholds.sort_unstable();
        for (i, t) in self.warning_thresholds.iter().enumerate() {
            if !(1..BREACH).contains(t) {
                v.push("policy.warning_thresholds", "each must be 1–99 (percent of the target)");
            } else if i > 0 && self.warning_thresholds[i - 1] == *t {
                v.push("policy.warning_thresholds", "must be distinct");
            }
        }
        v.finish()?;
        Ok(self)
    }

    /// The target for `priority`, if any.
    pub fn target(&self, priority: TicketPriority) -> Option<&TargetSpec> {
        self.targets.iter().find(|t| t.priority == priority)
    }
}

/// The writable fields of a business-hours calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHoursFields {
    pub name: String,
    /// IANA time zone name.
    pub time_zone: String,
    /// Open intervals per weekday, Monday first, local minutes since midnight.
    pub week: [Vec<Interval>; 7],
    pub holiday_calendar_ids: Vec<Uuid>,
}

/// A stored business-hours calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHoursRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: BusinessHoursFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BusinessHoursFields {
    /// Trims the name, sorts intervals, de-duplicates holiday calendar ids and checks every
    /// rule (see [`Calendar::new`]), naming fields under `business_hours.`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        self.time_zone = self.time_zone.trim().to_owned();
        let mut v = Validator::new();
        v.required("business_hours.name", &self.name).max_chars("business_hours.name", &self.name, MAX_NAME);
        let cal = Calendar::new("business_hours.", &self.time_zone, self.week.clone(), Default::default());
        let violations = match cal {
            Ok(c) => {
                self.week = c.week;
                Vec::new()
            }
            Err(DomainError::Invalid(list)) => list,
            Err(e) => return Err(e),
        };
        for f in violations {
            v.push(f.field, f.description);
        }
        v.finish()?;
        self.holiday_calendar_ids.sort_unstable();
        self.holiday_calendar_ids.dedup();
        Ok(self)
    }
}

/// The writable fields of a holiday calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct HolidayCalendarFields {
    pub name: String,
    /// Dates and names, in date order after [`HolidayCalendarFields::normalize`].
    pub holidays: Vec<(NaiveDate, String)>,
}

/// A stored holiday calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct HolidayCalendarRecord {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: HolidayCalendarFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl HolidayCalendarFields {
    /// Trims names, sorts by date and rejects duplicate dates (`calendar.holidays[i].date`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        let mut v = Validator::new();
        v.required("calendar.name", &self.name).max_chars("calendar.name", &self.name, MAX_NAME);
        for (i, (d, name)) in self.holidays.iter().enumerate() {
            v.max_chars(&format!("calendar.holidays[{i}].name"), name, MAX_NAME);
            if self.holidays[..i].iter().any(|(o, _)| o == d) {
                v.push(format!("calendar.holidays[{i}].date"), "appears twice");
            }
        }
        v.finish()?;
        for h in &mut self.holidays {
            h.1 = h.1.trim().to_owned();
        }
        self.holidays.sort();
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(p: TicketPriority, fr: i32, res: i32) -> TargetSpec {
        TargetSpec {
            priority: p,
            first_response_minutes: fr,
            first_response_hours: None,
            resolution_minutes: res,
            resolution_hours: None,
        }
    }

    #[test]
    fn policy_rules() {
        let ok = PolicyFields {
            name: " Gold ".into(),
            description: String::new(),
            is_default: true,
            targets: vec![target(TicketPriority::Critical, 15, 240), target(TicketPriority::Low, 480, 4800)],
            warning_thresholds: vec![],
        }
        .normalize()
        .unwrap();
        assert_eq!(ok.name, "Gold");
        assert_eq!(ok.warning_thresholds, [75, 90]);
        assert_eq!(ok.target(TicketPriority::Critical).unwrap().first_response_minutes, 15);
        assert!(ok.target(TicketPriority::High).is_none());
        let bad = PolicyFields {
            name: " ".into(),
            targets: vec![target(TicketPriority::High, 0, 10), target(TicketPriority::High, 10, 10)],
            warning_thresholds: vec![100, 50, 50],
            ..ok
        };
        let Err(DomainError::Invalid(v)) = bad.normalize() else { panic!() };
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "policy.name",
                "policy.targets[0].first_response_minutes",
                "policy.targets[1].priority",
                "policy.warning_thresholds",
                "policy.warning_thresholds"
            ]
        );
    }

    #[test]
    fn holiday_rules() {
        let d: NaiveDate = "2026-12-25".parse().unwrap();
        let f = HolidayCalendarFields { name: "UK".into(), holidays: vec![(d, "Xmas".into()), (d, "again".into())] };
        let Err(DomainError::Invalid(v)) = f.normalize() else { panic!() };
        assert_eq!(v[0].field, "calendar.holidays[1].date");
    }
}
