//! SLA domain ⇄ proto conversions.

use chrono::NaiveDate;
use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{opt_timestamp, timestamp};
use psa_proto::tickets as pb;

use super::priority_pb;
use crate::domain::sla::calendar::Interval;
use crate::domain::sla::clock::{Outcome, SlaSummary};
use crate::domain::sla::policy::{
    BusinessHoursFields, BusinessHoursRecord, HolidayCalendarFields, HolidayCalendarRecord, Policy, PolicyFields,
    TargetSpec,
};
use crate::domain::ticket::{TicketPriority, format_number};
use crate::repo::sla_state::{BreachRow, ComplianceRow};

fn outcome(o: Outcome) -> i32 {
    (match o {
        Outcome::Pending => pb::SlaOutcome::Pending,
        Outcome::Met => pb::SlaOutcome::Met,
        Outcome::Breached => pb::SlaOutcome::Breached,
    }) as i32
}

/// A ticket's SLA state as its proto message.
pub fn state(s: &SlaSummary) -> pb::SlaState {
    pb::SlaState {
        policy_id: s.policy_id.to_string(),
        first_response_due: Some(timestamp(s.first_response_due)),
        first_response_time: opt_timestamp(s.first_response_at),
        first_response: outcome(s.first_response),
        resolution_due: opt_timestamp(s.resolution_due),
        resolved: s.resolved,
        paused: s.paused,
        resolution: outcome(s.resolution),
    }
}

fn priority(v: &mut Validator, field: &str, p: i32) -> TicketPriority {
    match pb::TicketPriority::try_from(p) {
        Ok(pb::TicketPriority::Low) => TicketPriority::Low,
        Ok(pb::TicketPriority::Medium) => TicketPriority::Medium,
        Ok(pb::TicketPriority::High) => TicketPriority::High,
        Ok(pb::TicketPriority::Critical) => TicketPriority::Critical,
        _ => {
            v.push(field, "is required (TICKET_PRIORITY_LOW … TICKET_PRIORITY_CRITICAL)");
            TicketPriority::Medium
        }
    }
}

fn opt_id(id: &Option<uuid::Uuid>) -> String {
    id.map(|i| i.to_string()).unwrap_or_default()
}

/// A policy as its proto message.
pub fn policy(p: &Policy) -> pb::SlaPolicy {
    pb::SlaPolicy {
        id: p.id.to_string(),
        name: p.fields.name.clone(),
        description: p.fields.description.clone(),
        is_default: p.fields.is_default,
        targets: p.fields.targets.iter().map(target).collect(),
        warning_thresholds: p.fields.warning_thresholds.iter().map(|t| i32::from(*t)).collect(),
        create_time: Some(timestamp(p.created_at)),
        update_time: Some(timestamp(p.updated_at)),
    }
}

/// A target as its proto message.
pub fn target(t: &TargetSpec) -> pb::SlaTarget {
    pb::SlaTarget {
        priority: priority_pb(t.priority) as i32,
        first_response_minutes: t.first_response_minutes,
        first_response_business_hours_id: opt_id(&t.first_response_hours),
        resolution_minutes: t.resolution_minutes,
        resolution_business_hours_id: opt_id(&t.resolution_hours),
    }
}

/// The writable fields of a proto policy (not yet normalised); bad enums and ids are
/// INVALID_ARGUMENT naming `policy.<field>`.
pub fn policy_fields(p: pb::SlaPolicy) -> Result<PolicyFields, DomainError> {
    let mut v = Validator::new();
    let mut targets = Vec::new();
    for (i, t) in p.targets.into_iter().enumerate() {
        let f = |n: &str| format!("policy.targets[{i}].{n}");
        targets.push(TargetSpec {
            priority: priority(&mut v, &f("priority"), t.priority),
            first_response_minutes: t.first_response_minutes,
            first_response_hours: v
                .optional_uuid(&f("first_response_business_hours_id"), &t.first_response_business_hours_id),
            resolution_minutes: t.resolution_minutes,
            resolution_hours: v.optional_uuid(&f("resolution_business_hours_id"), &t.resolution_business_hours_id),
        });
    }
    let mut thresholds = Vec::new();
    for t in p.warning_thresholds {
        match i16::try_from(t) {
            Ok(t) => thresholds.push(t),
            Err(_) => v.push("policy.warning_thresholds", "each must be 1–99 (percent of the target)"),
        }
    }
    v.finish()?;
    Ok(PolicyFields {
        name: p.name,
        description: p.description,
        is_default: p.is_default,
        targets,
        warning_thresholds: thresholds,
    })
}

fn intervals(v: &[Interval]) -> Vec<pb::OpenInterval> {
    v.iter()
        .map(|iv| pb::OpenInterval { start: Interval::format_time(iv.start), end: Interval::format_time(iv.end) })
        .collect()
}

/// A business-hours calendar as its proto message.
pub fn business_hours(b: &BusinessHoursRecord) -> pb::BusinessHours {
    let w = &b.fields.week;
    pb::BusinessHours {
        id: b.id.to_string(),
        name: b.fields.name.clone(),
        time_zone: b.fields.time_zone.clone(),
        schedule: Some(pb::WeeklySchedule {
            monday: intervals(&w[0]),
            tuesday: intervals(&w[1]),
            wednesday: intervals(&w[2]),
            thursday: intervals(&w[3]),
            friday: intervals(&w[4]),
            saturday: intervals(&w[5]),
            sunday: intervals(&w[6]),
        }),
        holiday_calendar_ids: b.fields.holiday_calendar_ids.iter().map(ToString::to_string).collect(),
        create_time: Some(timestamp(b.created_at)),
        update_time: Some(timestamp(b.updated_at)),
    }
}

/// The writable fields of a proto business-hours calendar; malformed times and ids are
/// INVALID_ARGUMENT naming `business_hours.<field>`.
pub fn business_hours_fields(b: pb::BusinessHours) -> Result<BusinessHoursFields, DomainError> {
    let mut v = Validator::new();
    let s = b.schedule.unwrap_or_default();
    let days = [s.monday, s.tuesday, s.wednesday, s.thursday, s.friday, s.saturday, s.sunday];
    let names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let mut week: [Vec<Interval>; 7] = Default::default();
    for (d, day) in days.into_iter().enumerate() {
        for (i, iv) in day.into_iter().enumerate() {
            let field = format!("business_hours.schedule.{}[{i}]", names[d]);
            match (Interval::parse_time(&iv.start), Interval::parse_time(&iv.end)) {
                (Some(start), Some(end)) => week[d].push(Interval { start, end }),
                _ => v.push(field, "start and end must be HH:MM between 00:00 and 24:00"),
            }
        }
    }
    let mut ids = Vec::new();
    for (i, id) in b.holiday_calendar_ids.iter().enumerate() {
        if let Some(id) = v.uuid(&format!("business_hours.holiday_calendar_ids[{i}]"), id) {
            ids.push(id);
        }
    }
    v.finish()?;
    Ok(BusinessHoursFields { name: b.name, time_zone: b.time_zone, week, holiday_calendar_ids: ids })
}

/// A holiday calendar as its proto message.
pub fn holiday_calendar(c: &HolidayCalendarRecord) -> pb::HolidayCalendar {
    pb::HolidayCalendar {
        id: c.id.to_string(),
        name: c.fields.name.clone(),
        holidays: c
            .fields
            .holidays
            .iter()
            .map(|(d, n)| pb::Holiday { date: d.format("%Y-%m-%d").to_string(), name: n.clone() })
            .collect(),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
    }
}

/// The writable fields of a proto holiday calendar; malformed dates are INVALID_ARGUMENT on
/// `calendar.holidays[i].date`.
pub fn holiday_calendar_fields(c: pb::HolidayCalendar) -> Result<HolidayCalendarFields, DomainError> {
    let mut v = Validator::new();
    let mut holidays = Vec::new();
    for (i, h) in c.holidays.into_iter().enumerate() {
        match NaiveDate::parse_from_str(h.date.trim(), "%Y-%m-%d") {
            Ok(d) => holidays.push((d, h.name)),
            Err(_) => v.push(format!("calendar.holidays[{i}].date"), "must be a date YYYY-MM-DD"),
        }
    }
    v.finish()?;
    Ok(HolidayCalendarFields { name: c.name, holidays })
}

fn percent(met: i64, breached: i64) -> f64 {
    if met + breached == 0 { 0.0 } else { met as f64 * 100.0 / (met + breached) as f64 }
}

/// A compliance row as its proto message.
pub fn compliance_row(r: &ComplianceRow) -> pb::SlaComplianceRow {
    let p = TicketPriority::parse(&r.priority).unwrap_or(TicketPriority::Medium);
    let n = |x: i64| i32::try_from(x).unwrap_or(i32::MAX);
    pb::SlaComplianceRow {
        company_id: r.company_id.to_string(),
        company_name: r.company_name.clone().unwrap_or_default(),
        priority: priority_pb(p) as i32,
        first_response_met: n(r.first_response_met),
        first_response_breached: n(r.first_response_breached),
        first_response_met_percent: percent(r.first_response_met, r.first_response_breached),
        resolution_met: n(r.resolution_met),
        resolution_breached: n(r.resolution_breached),
        resolution_met_percent: percent(r.resolution_met, r.resolution_breached),
    }
}

/// A breach row as its proto message.
pub fn breach(r: &BreachRow) -> pb::SlaBreach {
    let p = TicketPriority::parse(&r.priority).unwrap_or(TicketPriority::Medium);
    pb::SlaBreach {
        ticket_id: r.ticket_id.to_string(),
        ticket_number: format_number(r.number),
        title: r.title.clone(),
        company_id: r.company_id.to_string(),
        company_name: r.company_name.clone().unwrap_or_default(),
        priority: priority_pb(p) as i32,
        clock: if r.clock == "first_response" { pb::SlaClock::FirstResponse } else { pb::SlaClock::Resolution } as i32,
        due_time: opt_timestamp(r.due),
        policy_id: r.policy_id.to_string(),
    }
}
