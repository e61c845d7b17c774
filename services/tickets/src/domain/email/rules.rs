//! Parse rules (PRD §3.4.2 `EmailParseRule`): per mailbox, ordered by `position`; the first
//! active rule whose every given pattern matches decides. Patterns are regular expressions
//! (Rust `regex` syntax, case-insensitive, linear time) matched against the sender address,
//! the subject and the body text; actions set the new ticket's company, priority or
//! assignee, or drop the message.

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::validate::Validator;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::message::InboundMessage;
use crate::domain::ticket::TicketPriority;

/// Longest pattern, in characters.
pub const MAX_PATTERN: usize = 1000;

/// What a message must match; empty patterns match anything, at least one is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleConditions {
    #[serde(default)]
    pub from_pattern: String,
    #[serde(default)]
    pub subject_pattern: String,
    #[serde(default)]
    pub body_pattern: String,
}

/// What a matching rule does; at least one action is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleActions {
    /// Company of the new ticket (overrides the sender's).
    #[serde(default)]
    pub company_id: Option<Uuid>,
    /// Stored name of a [`TicketPriority`].
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
    /// Queue of the new ticket (`ticket_queues`; checked when the rule is saved).
    #[serde(default)]
    pub queue_id: Option<Uuid>,
    /// Drop the message (recorded as ignored): newsletters, monitoring noise.
    #[serde(default)]
    pub ignore: bool,
}

/// The writable fields of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFields {
    pub mailbox_id: Uuid,
    pub name: String,
    /// Evaluation order, lowest first (ties: oldest rule first).
    pub position: i32,
    pub active: bool,
    pub conditions: RuleConditions,
    pub actions: RuleActions,
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseRule {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: RuleFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn compile(pattern: &str) -> Result<Option<Regex>, regex::Error> {
    if pattern.is_empty() {
        return Ok(None);
    }
    RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).build().map(Some)
}

impl RuleFields {
    /// Trims the name and checks the patterns compile and something is set.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming every bad field under `rule.`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        self.name = self.name.trim().to_owned();
        let mut v = Validator::new();
        v.required("rule.name", &self.name).max_chars("rule.name", &self.name, 100);
        let c = &self.conditions;
        for (name, p) in [
            ("from_pattern", &c.from_pattern),
            ("subject_pattern", &c.subject_pattern),
            ("body_pattern", &c.body_pattern),
        ] {
            let field = format!("rule.conditions.{name}");
            v.max_chars(&field, p, MAX_PATTERN);
            if let Err(e) = compile(p) {
                v.push(field, format!("is not a valid regular expression: {e}"));
            }
        }
        if c.from_pattern.is_empty() && c.subject_pattern.is_empty() && c.body_pattern.is_empty() {
            v.push("rule.conditions", "needs at least one of from_pattern, subject_pattern, body_pattern");
        }
        let a = &self.actions;
        if let Some(p) = &a.priority
            && TicketPriority::parse(p).is_none()
        {
            v.push("rule.actions.priority", format!("must be one of {}", TicketPriority::NAMES.join(", ")));
        }
        if a.company_id.is_none()
            && a.priority.is_none()
            && a.assignee_id.is_none()
            && a.queue_id.is_none()
            && !a.ignore
        {
            v.push("rule.actions", "needs at least one of company_id, priority, assignee_id, queue_id, ignore");
        }
        if self.mailbox_id.is_nil() {
            v.push("rule.mailbox_id", "is required");
        }
        v.finish()?;
        Ok(self)
    }

    /// Whether every given pattern matches `m` (a pattern that no longer compiles never matches).
    pub fn matches(&self, m: &InboundMessage) -> bool {
        let c = &self.conditions;
        [(&c.from_pattern, m.from_address.as_str()), (&c.subject_pattern, &m.subject), (&c.body_pattern, &m.text)]
            .into_iter()
            .all(|(p, text)| match compile(p) {
                Ok(None) => true,
                Ok(Some(re)) => re.is_match(text),
                Err(_) => false,
            })
    }
}

/// The first active rule (by position, then age) that matches `m`.
pub fn first_match<'a>(rules: &'a [ParseRule], m: &InboundMessage) -> Option<&'a ParseRule> {
    let mut ordered: Vec<&ParseRule> = rules.iter().filter(|r| r.fields.active).collect();
    ordered.sort_by_key(|r| (r.fields.position, r.created_at, r.id));
    ordered.into_iter().find(|r| r.fields.matches(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(from: &str, subject: &str, text: &str) -> InboundMessage {
        InboundMessage {
            message_id: "m@x".into(),
            in_reply_to: vec![],
            references: vec![],
            from_address: from.into(),
            from_name: String::new(),
            subject: subject.into(),
            date: None,
            text: text.into(),
            attachments: vec![],
            automatic: None,
        }
    }

    fn rule(position: i32, from: &str, subject: &str, priority: &str) -> ParseRule {
        ParseRule {
            id: Uuid::now_v7(),
            tenant_id: Uuid::nil(),
            fields: RuleFields {
                mailbox_id: Uuid::now_v7(),
                name: "r".into(),
                position,
                active: true,
                conditions: RuleConditions {
                    from_pattern: from.into(),
                    subject_pattern: subject.into(),
                    body_pattern: String::new(),
                },
                actions: RuleActions { priority: Some(priority.into()), ..RuleActions::default() },
            },
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn first_matching_rule_by_position_wins() {
        let rules = vec![
            rule(2, "", "urgent", "high"),
            rule(1, "@monitoring\\.example$", "", "critical"),
            rule(0, "", "never", "low"),
        ];
        let m = msg("alerts@monitoring.example", "URGENT: disk full", "");
        assert_eq!(first_match(&rules, &m).unwrap().fields.actions.priority.as_deref(), Some("critical"));
        let m = msg("jane@client.example", "Urgent printer", "");
        assert_eq!(first_match(&rules, &m).unwrap().fields.actions.priority.as_deref(), Some("high"));
        assert!(first_match(&rules, &msg("jane@client.example", "hello", "")).is_none());
        let mut inactive = rules.clone();
        inactive[1].fields.active = false;
        let m = msg("alerts@monitoring.example", "URGENT: disk full", "");
        assert_eq!(first_match(&inactive, &m).unwrap().fields.actions.priority.as_deref(), Some("high"));
    }

    #[test]
    fn all_given_patterns_must_match() {
        let r = rule(0, "@client\\.example$", "printer", "high");
        assert!(r.fields.matches(&msg("a@client.example", "Printer jam", "")));
        assert!(!r.fields.matches(&msg("a@other.example", "Printer jam", "")));
    }

    #[test]
    fn validation() {
        let mut f = rule(0, "(", "", "urgent").fields;
        f.name = " ".into();
        let Err(DomainError::Invalid(v)) = f.normalize() else { panic!() };
        let fields: Vec<_> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["rule.name", "rule.conditions.from_pattern", "rule.actions.priority"]);
        let mut empty = rule(0, "", "", "low").fields;
        empty.actions = RuleActions::default();
        let Err(DomainError::Invalid(v)) = empty.normalize() else { panic!() };
        let fields: Vec<_> = v.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["rule.conditions", "rule.actions"]);
    }
}
