//! Evaluating a rule's conditions against a ticket and what happened to it.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{Condition, DAY_NAMES, Group, Kind, Match, Op, PRIORITY_NAMES, field};
use crate::domain::sla::calendar::Hours;
use crate::domain::ticket::Ticket;

/// What the tickets service knows of the ticket's company (contracts' projection).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompanyFacts {
    pub name: String,
    /// `active`, `prospect`, … (lower case).
    pub status: String,
}

/// What the tickets service knows of the ticket's contact (contracts' projection).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactFacts {
    pub email: String,
    pub name: String,
}

/// A field update that fired a TICKET_UPDATED rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// Names of the changed fields (`status`, `tags`, …).
    pub fields: Vec<String>,
    /// Their values before, as activity text.
    pub previous: HashMap<String, String>,
    /// Their values right after the change (the ticket may have moved on since, e.g. by an
    /// earlier rule for the same event); missing: the ticket's current value.
    pub current: HashMap<String, String>,
}

/// The SLA event that fired an SLA rule.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaEvent {
    /// `SLA_CLOCK_FIRST_RESPONSE` / `SLA_CLOCK_RESOLUTION`.
    pub clock: String,
    /// Percent of the target; 100 for a breach.
    pub threshold: i32,
}

/// Everything conditions may look at.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub ticket: &'a Ticket,
    pub company: Option<CompanyFacts>,
    pub contact: Option<ContactFacts>,
    pub change: Option<Change>,
    pub sla_event: Option<SlaEvent>,
    pub now: DateTime<Utc>,
    /// The rule's zone (hour and day-of-week conditions).
    pub tz: Tz,
    /// Business-hours calendars the rule's conditions name, by id (missing: never open).
    pub business_hours: &'a HashMap<Uuid, Hours>,
}

/// How one condition came out.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionResult {
    /// `conditions[0]`, `groups[1].conditions[0]`.
    pub path: String,
    pub field: String,
    pub op: Op,
    /// The field's value (as text).
    pub actual: String,
    pub matched: bool,
}

/// The outcome of a rule's conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub matched: bool,
    /// Every condition in tree order (all are evaluated, for the log and dry runs).
    pub conditions: Vec<ConditionResult>,
}

fn open_at(hours: Option<&Hours>, t: DateTime<Utc>) -> bool {
    hours.is_some_and(|h| h.between(t, t + Duration::minutes(1)) > Duration::zero())
}

impl Facts<'_> {
    /// The value of condition field `name` as text (enum values by proto name, tags joined by
    /// `, `, empty for none).
    pub fn value(&self, c: &Condition) -> String {
        let t = self.ticket;
        let local = |at: DateTime<Utc>| at.with_timezone(&self.tz);
        match c.field.as_str() {
            "tags" => t.relations.tags.join(", "),
            "parent_ticket_id" => t.relations.parent_id.map(|u| u.to_string()).unwrap_or_default(),
            "age_hours" => format!("{:.2}", (self.now - t.created_at).num_seconds() as f64 / 3600.0),
            "updated_hours" => format!("{:.2}", (self.now - t.updated_at).num_seconds() as f64 / 3600.0),
            "sla.first_response" => t
                .sla
                .as_ref()
                .map(|s| format!("SLA_OUTCOME_{}", s.first_response.as_str().to_ascii_uppercase()))
                .unwrap_or_default(),
            "sla.resolution" => t
                .sla
                .as_ref()
                .map(|s| format!("SLA_OUTCOME_{}", s.resolution.as_str().to_ascii_uppercase()))
                .unwrap_or_default(),
            "created.hour" => local(t.created_at).hour().to_string(),
            "now.hour" => local(self.now).hour().to_string(),
            "created.day_of_week" => {
                DAY_NAMES[local(t.created_at).weekday().num_days_from_monday() as usize].to_owned()
            }
            "now.day_of_week" => DAY_NAMES[local(self.now).weekday().num_days_from_monday() as usize].to_owned(),
            "created.in_business_hours" | "now.in_business_hours" => {
                let at = if c.field.starts_with("created") { t.created_at } else { self.now };
                let hours = c.business_hours_id.and_then(|id| self.business_hours.get(&id));
                open_at(hours, at).to_string()
            }
            "company.name" => self.company.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            "company.status" => self.company.as_ref().map(|c| c.status.clone()).unwrap_or_default(),
            "contact.email" => self.contact.as_ref().map(|c| c.email.clone()).unwrap_or_default(),
            "contact.name" => self.contact.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            "event.sla_clock" => self.sla_event.as_ref().map(|e| e.clock.clone()).unwrap_or_default(),
            "event.sla_threshold" => self.sla_event.as_ref().map(|e| e.threshold.to_string()).unwrap_or_default(),
            other => t.fields.value_text(other),
        }
    }

    fn holds(&self, c: &Condition, actual: &str) -> bool {
        let Some((kind, _)) = field(&c.field) else { return false };
        let eq = |a: &str, b: &str| match (kind, a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
            (Kind::Number, Ok(x), Ok(y)) | (Kind::Custom, Ok(x), Ok(y)) => x == y,
            (Kind::Number, _, _) => false,
            _ => a.trim().eq_ignore_ascii_case(b.trim()),
        };
        let tags = || -> Vec<String> { actual.split(", ").filter(|s| !s.is_empty()).map(str::to_owned).collect() };
        let rank = |v: &str| -> Option<f64> {
            match kind {
                Kind::Priority => PRIORITY_NAMES.iter().position(|p| p.eq_ignore_ascii_case(v)).map(|i| i as f64),
                _ => v.trim().parse::<f64>().ok(),
            }
        };
        match c.op {
            Op::Equals => eq(actual, &c.value),
            Op::NotEquals => !eq(actual, &c.value),
            Op::Contains | Op::NotContains => {
                let found = match kind {
                    Kind::Tags => tags().iter().any(|t| t == &c.value),
                    _ => actual.to_lowercase().contains(&c.value.to_lowercase()),
                };
                found == (c.op == Op::Contains)
            }
            Op::In => c.values.iter().any(|v| eq(actual, v)),
            Op::NotIn => !c.values.iter().any(|v| eq(actual, v)),
            Op::GreaterThan | Op::LessThan => match (rank(actual), rank(&c.value)) {
                (Some(a), Some(b)) => {
                    if c.op == Op::GreaterThan {
                        a > b
                    } else {
                        a < b
                    }
                }
                _ => false,
            },
            Op::Matches => super::pattern(&c.value).is_ok_and(|re| re.is_match(actual)),
            Op::IsEmpty => actual.trim().is_empty(),
            Op::IsNotEmpty => !actual.trim().is_empty(),
            Op::Changed | Op::ChangedFromTo => {
                let Some(change) = &self.change else { return false };
                if !change.fields.iter().any(|f| f == &c.field) {
                    return false;
                }
                if c.op == Op::Changed {
                    return true;
                }
                let before = change.previous.get(&c.field).map(String::as_str).unwrap_or("");
                let after = change.current.get(&c.field).map(String::as_str).unwrap_or(actual);
                (c.from_value.is_empty() || eq(before, &c.from_value)) && (c.value.is_empty() || eq(after, &c.value))
            }
        }
    }

    fn group(&self, g: &Group, prefix: &str, out: &mut Vec<ConditionResult>) -> bool {
        let mut results = Vec::new();
        for (i, c) in g.conditions.iter().enumerate() {
            let actual = self.value(c);
            let matched = self.holds(c, &actual);
            out.push(ConditionResult {
                path: format!("{prefix}conditions[{i}]"),
                field: c.field.clone(),
                op: c.op,
                actual,
                matched,
            });
            results.push(matched);
        }
        for (i, sub) in g.groups.iter().enumerate() {
            results.push(self.group(sub, &format!("{prefix}groups[{i}]."), out));
        }
        match g.matches {
            Match::All => results.iter().all(|r| *r),
            Match::Any => results.is_empty() || results.iter().any(|r| *r),
        }
    }

    /// Evaluates the condition tree `g`.
    pub fn evaluate(&self, g: &Group) -> Evaluation {
        let mut conditions = Vec::new();
        let matched = self.group(g, "", &mut conditions);
        Evaluation { matched, conditions }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::calendar::tests::nine_to_five;
    use crate::domain::ticket::{Relations, TicketFields, TicketPriority, TicketSource, TicketStatus};

    fn ticket(created: &str) -> Ticket {
        Ticket {
            id: Uuid::now_v7(),
            tenant_id: Uuid::now_v7(),
            number: 7,
            fields: TicketFields {
                title: "Printer on fire".into(),
                description: String::new(),
                status: TicketStatus::Open,
                priority: TicketPriority::High,
                source: TicketSource::Email,
                company_id: Uuid::now_v7(),
                contact_id: None,
                assignee_id: None,
                links: Default::default(),
            },
            company_name: "Hooli".into(),
            created_by: Uuid::nil(),
            relations: Relations { tags: vec!["vip".into(), "printer".into()], ..Relations::default() },
            created_at: created.parse().unwrap(),
            updated_at: created.parse().unwrap(),
            resolved_at: None,
            closed_at: None,
            sla: None,
        }
    }

    fn c(field: &str, op: Op, value: &str) -> Condition {
        Condition {
            field: field.into(),
            op,
            value: value.into(),
            values: vec![],
            from_value: String::new(),
            business_hours_id: None,
        }
    }

    #[test]
    fn comparisons_groups_and_changes() {
        let t = ticket("2026-11-18T15:30:00Z"); // a Wednesday
        let hours = HashMap::new();
        let mut f = Facts {
            ticket: &t,
            company: Some(CompanyFacts { name: "Hooli".into(), status: "active".into() }),
            contact: None,
            change: Some(Change {
                fields: vec!["priority".into()],
                previous: [("priority".to_owned(), "TICKET_PRIORITY_LOW".to_owned())].into(),
                current: HashMap::new(),
            }),
            sla_event: None,
            now: "2026-11-19T15:30:00Z".parse().unwrap(),
            tz: "America/New_York".parse().unwrap(),
            business_hours: &hours,
        };
        let yes =
            |f: &Facts, cond: Condition| f.evaluate(&Group { conditions: vec![cond], ..Group::default() }).matched;
        assert!(yes(&f, c("priority", Op::Equals, "TICKET_PRIORITY_HIGH")));
        assert!(yes(&f, c("priority", Op::GreaterThan, "TICKET_PRIORITY_MEDIUM")));
        assert!(!yes(&f, c("priority", Op::LessThan, "TICKET_PRIORITY_MEDIUM")));
        assert!(yes(&f, c("title", Op::Contains, "FIRE")));
        assert!(yes(&f, c("title", Op::Matches, r"^printer\s+on\s+(fire|smoke)$")));
        assert!(!yes(&f, c("title", Op::Matches, r"^fire")));
        assert!(yes(&f, c("updated_hours", Op::GreaterThan, "23")));
        assert!(yes(&f, c("tags", Op::Contains, "vip")));
        assert!(!yes(&f, c("tags", Op::Contains, "vi")));
        assert!(yes(&f, c("assignee_id", Op::IsEmpty, "")));
        assert!(yes(&f, c("company.name", Op::Equals, "hooli")));
        assert!(yes(&f, c("age_hours", Op::GreaterThan, "23.5")));
        assert!(yes(&f, c("created.hour", Op::Equals, "10")), "15:30 UTC is 10:30 in New York");
        assert!(yes(&f, c("created.day_of_week", Op::Equals, "WEDNESDAY")));
        let mut in_ = c("status", Op::In, "");
        in_.values = vec!["TICKET_STATUS_NEW".into(), "TICKET_STATUS_OPEN".into()];
        assert!(yes(&f, in_));
        assert!(yes(&f, c("priority", Op::Changed, "")));
        assert!(!yes(&f, c("status", Op::Changed, "")));
        let mut from_to = c("priority", Op::ChangedFromTo, "TICKET_PRIORITY_HIGH");
        from_to.from_value = "TICKET_PRIORITY_LOW".into();
        assert!(yes(&f, from_to.clone()));
        from_to.from_value = "TICKET_PRIORITY_MEDIUM".into();
        assert!(!yes(&f, from_to));
        // any/all and nesting; every condition is reported.
        let g = Group {
            matches: Match::Any,
            conditions: vec![c("status", Op::Equals, "TICKET_STATUS_CLOSED")],
            groups: vec![Group {
                matches: Match::All,
                conditions: vec![c("source", Op::Equals, "TICKET_SOURCE_EMAIL"), c("tags", Op::NotContains, "spam")],
                groups: vec![],
            }],
        };
        let e = f.evaluate(&g);
        assert!(e.matched);
        assert_eq!(
            e.conditions.iter().map(|r| (r.path.as_str(), r.matched)).collect::<Vec<_>>(),
            [("conditions[0]", false), ("groups[0].conditions[0]", true), ("groups[0].conditions[1]", true)]
        );
        assert_eq!(e.conditions[0].actual, "TICKET_STATUS_OPEN");
        f.change = None;
        assert!(!yes(&f, c("priority", Op::Changed, "")), "no change without an update");
    }

    #[test]
    fn business_hours_conditions() {
        let t = ticket("2026-11-18T15:30:00Z"); // Wednesday 10:30 in New York
        let id = Uuid::now_v7();
        let hours: HashMap<Uuid, Hours> = [(id, nine_to_five("America/New_York", &[]))].into();
        let f = Facts {
            ticket: &t,
            company: None,
            contact: None,
            change: None,
            sla_event: None,
            now: "2026-11-19T03:00:00Z".parse().unwrap(), // 22:00 local
            tz: Tz::UTC,
            business_hours: &hours,
        };
        let mut created = c("created.in_business_hours", Op::Equals, "true");
        created.business_hours_id = Some(id);
        let mut now = c("now.in_business_hours", Op::Equals, "false");
        now.business_hours_id = Some(id);
        assert!(f.evaluate(&Group { conditions: vec![created, now], ..Group::default() }).matched);
    }
}
