//! Ticket automation rules (PRD §3.4 "Automation / workflow"): the rule document (trigger,
//! condition tree, ordered actions), its validation, condition evaluation ([`eval`]) and the
//! pure parts of the actions ([`actions`]). Free of storage and transport.
//!
//! Rules are stored as JSON (`conditions`, `actions` columns) in the shapes below (serde).

pub mod actions;
pub mod eval;
pub mod targets;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use psa_core::DomainError;
use psa_core::validate::Validator;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ticket::{TicketPriority, TicketSource, TicketStatus};

/// Longest rule name, in characters.
pub const MAX_NAME: usize = 100;
/// Most actions per rule.
pub const MAX_ACTIONS: usize = 20;
/// Deepest nesting of condition groups (the top group is level 1).
pub const MAX_GROUP_DEPTH: usize = 3;
/// Most conditions in a rule (all groups together).
pub const MAX_CONDITIONS: usize = 50;
/// Most addresses, and most users, one notify action names.
pub const MAX_RECIPIENTS: usize = 20;
/// Longest chain of rules causing one another (loop guard besides "never the same rule").
pub const MAX_CHAIN: usize = 10;

/// What makes a rule run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    TicketCreated,
    TicketUpdated,
    Schedule,
    SlaWarning,
    SlaBreached,
    NoResponse,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Trigger; 6] = [
        Self::TicketCreated,
        Self::TicketUpdated,
        Self::Schedule,
        Self::SlaWarning,
        Self::SlaBreached,
        Self::NoResponse,
    ];

    /// Stored name (`ticket_created`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TicketCreated => "ticket_created",
            Self::TicketUpdated => "ticket_updated",
            Self::Schedule => "schedule",
            Self::SlaWarning => "sla_warning",
            Self::SlaBreached => "sla_breached",
            Self::NoResponse => "no_response",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the trigger comes with an SLA event (`event.*` fields).
    pub fn is_sla(self) -> bool {
        matches!(self, Self::SlaWarning | Self::SlaBreached)
    }
}

/// How a group combines its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Match {
    #[default]
    All,
    Any,
}

/// A comparison operator; see the proto's `AutomationOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    In,
    NotIn,
    GreaterThan,
    LessThan,
    IsEmpty,
    IsNotEmpty,
    Changed,
    ChangedFromTo,
    /// Regular expression (case-insensitive, unanchored).
    Matches,
}

/// Longest regular expression of a MATCHES condition, in characters.
pub const MAX_PATTERN: usize = 500;

/// The case-insensitive regular expression of a MATCHES condition, with a size limit.
///
/// # Errors
/// The parser's message, or the compiled program would be too large.
pub fn pattern(value: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(value).case_insensitive(true).size_limit(1 << 20).build().map_err(|e| e.to_string())
}

/// One comparison of a field with a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub from_value: String,
    #[serde(default)]
    pub business_hours_id: Option<Uuid>,
}

/// Conditions and sub-groups combined by [`Match`]; an empty group holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Group {
    #[serde(rename = "match", default)]
    pub matches: Match,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// One action; see the proto's `AutomationAction`. Ids are `None` for "clear"/"unassign".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    SetField {
        field: String,
        value: String,
    },
    ChangeTags {
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    Assign {
        assignee_id: Option<Uuid>,
        /// Also put the ticket with this team.
        #[serde(default)]
        team_id: Option<Uuid>,
    },
    ChangeQueue {
        queue_id: Uuid,
    },
    AddNote {
        body: String,
        /// `internal` or `public`.
        visibility: String,
    },
    /// One mail to every recipient named (deduplicated, case-insensitively).
    Notify {
        #[serde(default)]
        to_addresses: Vec<String>,
        #[serde(default)]
        to_contact: bool,
        subject: String,
        body: String,
        /// The ticket's assignee (from the user projection).
        #[serde(default)]
        to_assignee: bool,
        /// The active members and lead of the ticket's team.
        #[serde(default)]
        to_team: bool,
        /// Staff users by id (from the user projection; disabled ones are skipped).
        #[serde(default)]
        to_user_ids: Vec<Uuid>,
    },
    CreateChildTicket {
        title: String,
        #[serde(default)]
        description: String,
        /// Stored name (`high`); `None`: the parent's.
        priority: Option<String>,
        assignee_id: Option<Uuid>,
    },
    Escalate {
        levels: i32,
        assignee_id: Option<Uuid>,
        #[serde(default)]
        note: String,
    },
    ApplySlaPolicy {
        policy_id: Uuid,
    },
    CallWebhook {
        url: String,
        /// The secret sealed with the tenant's key (standard base64); bound to tenant and rule.
        #[serde(default)]
        sealed_secret: String,
    },
}

impl Action {
    /// The action's type name (`set_field`, …), as in the proto's oneof.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::SetField { .. } => "set_field",
            Self::ChangeTags { .. } => "change_tags",
            Self::Assign { .. } => "assign",
            Self::ChangeQueue { .. } => "change_queue",
            Self::AddNote { .. } => "add_note",
            Self::Notify { .. } => "notify",
            Self::CreateChildTicket { .. } => "create_child_ticket",
            Self::Escalate { .. } => "escalate",
            Self::ApplySlaPolicy { .. } => "apply_sla_policy",
            Self::CallWebhook { .. } => "call_webhook",
        }
    }
}

/// The writable fields of a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFields {
    pub name: String,
    pub description: String,
    pub active: bool,
    /// Evaluation order within a trigger, lowest first (0–10000).
    pub priority: i32,
    pub trigger: Trigger,
    /// Cron pattern for [`Trigger::Schedule`]; empty otherwise.
    pub schedule: String,
    /// IANA zone of the schedule and the time conditions.
    pub time_zone: String,
    /// Hours for [`Trigger::NoResponse`]; 0 otherwise.
    pub no_response_hours: i32,
    pub conditions: Group,
    pub actions: Vec<Action>,
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub fields: RuleFields,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
    /// Schedule rules: when they run next.
    pub next_run_at: Option<DateTime<Utc>>,
}

/// How a field's values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// One of the given canonical names (compared case-insensitively).
    Enum(&'static [&'static str]),
    /// Ticket priority names, ordered by rank.
    Priority,
    Id,
    Tags,
    Number,
    Bool,
    /// A custom field's value: compared as text, or as numbers when both sides are numbers.
    Custom,
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A ticket field that an update can change (CHANGED conditions allowed).
    TicketChangeable,
    /// Other ticket facts (age, SLA state, parent).
    Ticket,
    Time,
    Company,
    Contact,
    /// Only with SLA triggers.
    SlaEvent,
}

/// Canonical ticket status names (proto).
pub const STATUS_NAMES: &[&str] = &[
    "TICKET_STATUS_NEW",
    "TICKET_STATUS_OPEN",
    "TICKET_STATUS_IN_PROGRESS",
    "TICKET_STATUS_WAITING_ON_CLIENT",
    "TICKET_STATUS_RESOLVED",
    "TICKET_STATUS_CLOSED",
];
/// Canonical priority names, lowest first.
pub const PRIORITY_NAMES: &[&str] =
    &["TICKET_PRIORITY_LOW", "TICKET_PRIORITY_MEDIUM", "TICKET_PRIORITY_HIGH", "TICKET_PRIORITY_CRITICAL"];
const SOURCE_NAMES: &[&str] = &[
    "TICKET_SOURCE_PORTAL",
    "TICKET_SOURCE_EMAIL",
    "TICKET_SOURCE_PHONE",
    "TICKET_SOURCE_API",
    "TICKET_SOURCE_CHAT",
    "TICKET_SOURCE_RMM",
];
const OUTCOME_NAMES: &[&str] = &["SLA_OUTCOME_PENDING", "SLA_OUTCOME_MET", "SLA_OUTCOME_BREACHED"];
/// Day names, Monday first.
pub const DAY_NAMES: &[&str] = &["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
const CLOCK_NAMES: &[&str] = &["SLA_CLOCK_FIRST_RESPONSE", "SLA_CLOCK_RESOLUTION"];

/// The kind and scope of condition field `name`; `None` for an unknown field.
pub fn field(name: &str) -> Option<(Kind, Scope)> {
    use {Kind as K, Scope as S};
    Some(match name {
        "title" | "description" => (K::Text, S::TicketChangeable),
        "status" => (K::Enum(STATUS_NAMES), S::TicketChangeable),
        "priority" => (K::Priority, S::TicketChangeable),
        "source" => (K::Enum(SOURCE_NAMES), S::TicketChangeable),
        "company_id" | "contact_id" | "assignee_id" => (K::Id, S::TicketChangeable),
        "tags" => (K::Tags, S::TicketChangeable),
        "parent_ticket_id" => (K::Id, S::Ticket),
        "age_hours" | "updated_hours" => (K::Number, S::Ticket),
        "sla.first_response" | "sla.resolution" => (K::Enum(OUTCOME_NAMES), S::Ticket),
        "created.hour" | "now.hour" => (K::Number, S::Time),
        "created.day_of_week" | "now.day_of_week" => (K::Enum(DAY_NAMES), S::Time),
        "created.in_business_hours" | "now.in_business_hours" => (K::Bool, S::Time),
        "company.name" | "company.status" => (K::Text, S::Company),
        "contact.email" | "contact.name" => (K::Text, S::Contact),
        "event.sla_clock" => (K::Enum(CLOCK_NAMES), S::SlaEvent),
        "event.sla_threshold" => (K::Number, S::SlaEvent),
        // Service-desk configuration and links (tenant status, queue, type, category, team,
        // contract, asset, project) and custom fields by key.
        "status_id" | "queue_id" | "type_id" | "category_id" | "team_id" | "contract_id" | "asset_id"
        | "project_id" => (K::Id, S::TicketChangeable),
        _ => match name.strip_prefix("custom_fields.") {
            Some(key)
                if !key.is_empty()
                    && key.len() <= 64
                    && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                (K::Custom, S::TicketChangeable)
            }
            _ => return None,
        },
    })
}

/// The canonical name of `value` among `names`: exact (any case), or the short form
/// (`high` for `TICKET_PRIORITY_HIGH`, `in_progress` for `TICKET_STATUS_IN_PROGRESS`).
pub fn canonical(names: &'static [&'static str], value: &str) -> Option<&'static str> {
    let v = value.trim().to_ascii_uppercase();
    if v.is_empty() {
        return None;
    }
    names.iter().copied().find(|n| *n == v || n.ends_with(&format!("_{v}")) && !v.contains("__"))
}

impl Condition {
    /// Checks and canonicalises the condition for a rule of `trigger`, naming fields under
    /// `path` (`rule.conditions.conditions[0]`).
    fn normalize(&mut self, trigger: Trigger, path: &str, v: &mut Validator) {
        self.field = self.field.trim().to_ascii_lowercase();
        let Some((kind, scope)) = field(&self.field) else {
            v.push(format!("{path}.field"), "is not a known field");
            return;
        };
        let op_path = format!("{path}.operator");
        if scope == Scope::SlaEvent && !trigger.is_sla() {
            v.push(format!("{path}.field"), "event.* fields need an SLA warning or breach trigger");
        }
        if matches!(self.op, Op::Changed | Op::ChangedFromTo) {
            if trigger != Trigger::TicketUpdated {
                v.push(&op_path, "CHANGED conditions need the TICKET_UPDATED trigger");
            }
            if scope != Scope::TicketChangeable {
                v.push(&op_path, "this field does not change through ticket updates");
            }
        }
        if matches!(self.op, Op::GreaterThan | Op::LessThan)
            && !matches!(kind, Kind::Number | Kind::Priority | Kind::Custom)
        {
            v.push(&op_path, "GREATER_THAN / LESS_THAN need a number or priority field");
        }
        if self.op == Op::Matches {
            if !matches!(kind, Kind::Text | Kind::Custom) {
                v.push(&op_path, "MATCHES needs a text field");
            } else if self.value.chars().count() > MAX_PATTERN {
                v.push(format!("{path}.value"), format!("at most {MAX_PATTERN} characters"));
            } else if let Err(e) = pattern(&self.value) {
                v.push(format!("{path}.value"), format!("is not a valid regular expression: {e}"));
            }
        }
        if matches!(self.op, Op::Contains | Op::NotContains) && !matches!(kind, Kind::Text | Kind::Tags | Kind::Custom)
        {
            v.push(&op_path, "CONTAINS needs a text field or tags");
        }
        if kind == Kind::Bool && self.business_hours_id.is_none() {
            v.push(format!("{path}.business_hours_id"), "is required for business-hours fields");
        }
        let needs_value = matches!(
            self.op,
            Op::Equals | Op::NotEquals | Op::Contains | Op::NotContains | Op::GreaterThan | Op::LessThan | Op::Matches
        );
        if needs_value && self.value.trim().is_empty() {
            v.push(format!("{path}.value"), "is required for this operator");
        }
        if matches!(self.op, Op::In | Op::NotIn) && self.values.is_empty() {
            v.push(format!("{path}.values"), "name at least one value");
        }
        if self.op == Op::ChangedFromTo && self.value.trim().is_empty() && self.from_value.trim().is_empty() {
            v.push(format!("{path}.value"), "give the new value, the old one (from_value) or both");
        }
        let check = |val: &mut String, at: String, v: &mut Validator| {
            if val.trim().is_empty() {
                val.clear();
                return;
            }
            match kind {
                Kind::Enum(names) => match canonical(names, val) {
                    Some(c) => *val = c.to_owned(),
                    None => v.push(at, format!("must be one of {}", names.join(", "))),
                },
                Kind::Priority => match canonical(PRIORITY_NAMES, val) {
                    Some(c) => *val = c.to_owned(),
                    None => v.push(at, format!("must be one of {}", PRIORITY_NAMES.join(", "))),
                },
                Kind::Id => match val.trim().parse::<Uuid>() {
                    Ok(u) => *val = u.to_string(),
                    Err(_) => v.push(at, "must be a UUID"),
                },
                Kind::Number => {
                    if val.trim().parse::<f64>().map(f64::is_finite) != Ok(true) {
                        v.push(at, "must be a number");
                    } else {
                        *val = val.trim().to_owned();
                    }
                }
                Kind::Bool => match val.trim().to_ascii_lowercase().as_str() {
                    b @ ("true" | "false") => *val = b.to_owned(),
                    _ => v.push(at, "must be true or false"),
                },
                Kind::Tags => *val = val.trim().to_lowercase(),
                Kind::Text | Kind::Custom => {}
            }
        };
        if matches!(self.op, Op::GreaterThan | Op::LessThan)
            && kind == Kind::Custom
            && self.value.trim().parse::<f64>().map(f64::is_finite) != Ok(true)
        {
            v.push(format!("{path}.value"), "must be a number for GREATER_THAN / LESS_THAN");
        }
        if !matches!(self.op, Op::Contains | Op::NotContains | Op::Matches) || kind == Kind::Tags {
            check(&mut self.value, format!("{path}.value"), v);
        }
        check(&mut self.from_value, format!("{path}.from_value"), v);
        for (i, val) in self.values.iter_mut().enumerate() {
            check(val, format!("{path}.values[{i}]"), v);
        }
    }
}

impl Group {
    fn normalize(&mut self, trigger: Trigger, path: &str, depth: usize, count: &mut usize, v: &mut Validator) {
        if depth > MAX_GROUP_DEPTH {
            v.push(format!("{path}.groups"), format!("groups nest at most {MAX_GROUP_DEPTH} levels"));
            return;
        }
        for (i, c) in self.conditions.iter_mut().enumerate() {
            *count += 1;
            c.normalize(trigger, &format!("{path}.conditions[{i}]"), v);
        }
        for (i, g) in self.groups.iter_mut().enumerate() {
            g.normalize(trigger, &format!("{path}.groups[{i}]"), depth + 1, count, v);
        }
    }

    /// Every condition of the tree, with its path relative to the group.
    pub fn walk(&self) -> Vec<(String, &Condition)> {
        let mut out = Vec::new();
        fn go<'a>(g: &'a Group, prefix: &str, out: &mut Vec<(String, &'a Condition)>) {
            for (i, c) in g.conditions.iter().enumerate() {
                out.push((format!("{prefix}conditions[{i}]"), c));
            }
            for (i, sub) in g.groups.iter().enumerate() {
                go(sub, &format!("{prefix}groups[{i}]."), out);
            }
        }
        go(self, "", &mut out);
        out
    }
}

/// Parses a cron pattern (5 fields, or 6 with seconds first; `@daily`-style nicknames too).
///
/// # Errors
/// The parser's message.
pub fn parse_schedule(pattern: &str) -> Result<croner::Cron, String> {
    pattern.trim().parse::<croner::Cron>().map_err(|e| e.to_string())
}

/// The first run of `pattern` in zone `tz` strictly after `after`.
pub fn next_run(pattern: &str, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let cron = parse_schedule(pattern).ok()?;
    cron.find_next_occurrence(&after.with_timezone(&tz), false).ok().map(|t| t.with_timezone(&Utc))
}

fn check_id_text(v: &mut Validator, at: String, value: &str, allow_empty: bool) {
    let value = value.trim();
    if value.is_empty() {
        if !allow_empty {
            v.push(at, "is required");
        }
    } else if value.parse::<Uuid>().is_err() {
        v.push(at, "must be a UUID");
    }
}

/// Fields a set-field action may set.
pub const SETTABLE: &[&str] = &[
    "status",
    "priority",
    "source",
    "title",
    "assignee_id",
    "contact_id",
    "status_id",
    "queue_id",
    "type_id",
    "category_id",
    "team_id",
];

impl RuleFields {
    /// Trims and checks every rule, canonicalising condition values; names fields under
    /// `rule.`. Webhook secrets are checked by the caller (they arrive apart).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        self.name = self.name.trim().to_owned();
        v.required("rule.name", &self.name).max_chars("rule.name", &self.name, MAX_NAME);
        v.max_chars("rule.description", &self.description, 2000);
        if !(0..=10_000).contains(&self.priority) {
            v.push("rule.priority", "must be between 0 and 10000");
        }
        self.time_zone = self.time_zone.trim().to_owned();
        if self.time_zone.is_empty() {
            self.time_zone = "UTC".into();
        }
        let tz = self.time_zone.parse::<Tz>();
        if tz.is_err() {
            v.push("rule.time_zone", "is not a known IANA time zone (e.g. `Europe/Berlin`)");
        }
        self.schedule = self.schedule.trim().to_owned();
        match self.trigger {
            Trigger::Schedule => {
                if self.schedule.is_empty() {
                    v.push("rule.schedule", "is required for the SCHEDULE trigger");
                } else if let Err(e) = parse_schedule(&self.schedule) {
                    v.push("rule.schedule", format!("is not a valid cron pattern: {e}"));
                }
            }
            _ if !self.schedule.is_empty() => v.push("rule.schedule", "only for the SCHEDULE trigger"),
            _ => {}
        }
        match self.trigger {
            Trigger::NoResponse if !(1..=8760).contains(&self.no_response_hours) => {
                v.push("rule.no_response_hours", "must be between 1 and 8760 for the NO_RESPONSE trigger");
            }
            Trigger::NoResponse => {}
            _ if self.no_response_hours != 0 => v.push("rule.no_response_hours", "only for the NO_RESPONSE trigger"),
            _ => {}
        }
        let mut count = 0;
        self.conditions.normalize(self.trigger, "rule.conditions", 1, &mut count, &mut v);
        if count > MAX_CONDITIONS {
            v.push("rule.conditions", format!("at most {MAX_CONDITIONS} conditions"));
        }
        if self.actions.is_empty() {
            v.push("rule.actions", "name at least one action");
        }
        if self.actions.len() > MAX_ACTIONS {
            v.push("rule.actions", format!("at most {MAX_ACTIONS} actions"));
        }
        for (i, a) in self.actions.iter_mut().enumerate() {
            normalize_action(a, i, &mut v);
        }
        v.finish()?;
        Ok(self)
    }
}

fn normalize_action(a: &mut Action, i: usize, v: &mut Validator) {
    let t = a.type_name();
    let at = |f: &str| format!("rule.actions[{i}].{t}.{f}");
    match a {
        Action::SetField { field, value } => {
            *field = field.trim().to_ascii_lowercase();
            match field.as_str() {
                "status" => match canonical(STATUS_NAMES, value) {
                    Some(c) => *value = c.to_owned(),
                    None => v.push(at("value"), format!("must be one of {}", STATUS_NAMES.join(", "))),
                },
                "priority" => match canonical(PRIORITY_NAMES, value) {
                    Some(c) => *value = c.to_owned(),
                    None => v.push(at("value"), format!("must be one of {}", PRIORITY_NAMES.join(", "))),
                },
                "source" => match canonical(SOURCE_NAMES, value) {
                    Some(c) => *value = c.to_owned(),
                    None => v.push(at("value"), format!("must be one of {}", SOURCE_NAMES.join(", "))),
                },
                "title" => {
                    *value = value.trim().to_owned();
                    v.required(&at("value"), value).max_chars(&at("value"), value, crate::domain::ticket::MAX_TITLE);
                }
                "assignee_id" | "contact_id" | "status_id" | "queue_id" | "type_id" | "category_id" | "team_id" => {
                    check_id_text(v, at("value"), value, true);
                }
                _ => v.push(at("field"), format!("must be one of {}", SETTABLE.join(", "))),
            }
        }
        Action::ChangeTags { add, remove } => {
            if add.is_empty() && remove.is_empty() {
                v.push(at("add"), "name tags to add or remove");
            }
            for t in add.iter_mut().chain(remove.iter_mut()) {
                *t = t.trim().to_lowercase();
                if t.is_empty() || t.chars().count() > 50 {
                    v.push(at("add"), "each tag has 1–50 characters");
                }
            }
        }
        Action::Assign { .. } | Action::ApplySlaPolicy { .. } | Action::ChangeQueue { .. } => {}
        Action::AddNote { body, visibility } => {
            v.required(&at("body"), body).max_chars(&at("body"), body, crate::domain::ticket::MAX_BODY);
            if visibility != "internal" && visibility != "public" {
                v.push(at("visibility"), "must be INTERNAL or PUBLIC");
            }
        }
        Action::Notify { to_addresses, to_contact, subject, body, to_assignee, to_team, to_user_ids } => {
            for (j, a) in to_addresses.iter_mut().enumerate() {
                *a = a.trim().to_owned();
                v.email(&format!("{}[{j}]", at("to_addresses")), a);
            }
            let mut seen = std::collections::HashSet::new();
            to_user_ids.retain(|u| seen.insert(*u));
            if to_addresses.is_empty() && to_user_ids.is_empty() && !*to_contact && !*to_assignee && !*to_team {
                v.push(at("to_addresses"), "name an address or a user, or set to_contact, to_assignee or to_team");
            }
            if to_addresses.len() > MAX_RECIPIENTS {
                v.push(at("to_addresses"), "at most 20 addresses");
            }
            if to_user_ids.len() > MAX_RECIPIENTS {
                v.push(at("to_user_ids"), "at most 20 users");
            }
            v.required(&at("subject"), subject).max_chars(&at("subject"), subject, 255);
            v.required(&at("body"), body).max_chars(&at("body"), body, crate::domain::ticket::MAX_BODY);
        }
        Action::CreateChildTicket { title, description, priority, .. } => {
            *title = title.trim().to_owned();
            v.required(&at("title"), title).max_chars(&at("title"), title, crate::domain::ticket::MAX_TITLE);
            v.max_chars(&at("description"), description, crate::domain::ticket::MAX_BODY);
            if let Some(p) = priority {
                match TicketPriority::parse(p) {
                    Some(x) => *p = x.as_str().to_owned(),
                    None => v.push(at("priority"), "unknown priority"),
                }
            }
        }
        Action::Escalate { levels, note, .. } => {
            if *levels == 0 {
                *levels = 1;
            }
            if !(1..=3).contains(levels) {
                v.push(at("levels"), "must be between 1 and 3");
            }
            v.max_chars(&at("note"), note, crate::domain::ticket::MAX_BODY);
        }
        Action::CallWebhook { url, .. } => {
            *url = url.trim().to_owned();
            v.required(&at("url"), url);
            if !url.is_empty() {
                match url::Url::parse(url) {
                    Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some() => {}
                    _ => v.push(at("url"), "must be an http or https URL"),
                }
            }
            v.max_chars(&at("url"), url, 2000);
        }
    }
}

/// Proto name of a stored status (`TICKET_STATUS_OPEN` for `open`).
pub fn status_name(s: TicketStatus) -> String {
    format!("TICKET_STATUS_{}", s.as_str().to_ascii_uppercase())
}

/// The stored value of a canonical enum name (`open` for `TICKET_STATUS_OPEN`).
pub fn stored(prefix: &str, canonical: &str) -> String {
    canonical.trim_start_matches(prefix).to_ascii_lowercase()
}

/// The stored status of a canonical name.
pub fn parse_status(canonical: &str) -> Option<TicketStatus> {
    TicketStatus::parse(&stored("TICKET_STATUS_", canonical))
}

/// The stored priority of a canonical name.
pub fn parse_priority(canonical: &str) -> Option<TicketPriority> {
    TicketPriority::parse(&stored("TICKET_PRIORITY_", canonical))
}

/// The stored source of a canonical name.
pub fn parse_source(canonical: &str) -> Option<TicketSource> {
    TicketSource::parse(&stored("TICKET_SOURCE_", canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(trigger: Trigger, conditions: Group, actions: Vec<Action>) -> RuleFields {
        RuleFields {
            name: " Escalate VIP ".into(),
            description: String::new(),
            active: true,
            priority: 10,
            trigger,
            schedule: String::new(),
            time_zone: String::new(),
            no_response_hours: 0,
            conditions,
            actions,
        }
    }

    fn cond(field: &str, op: Op, value: &str) -> Condition {
        Condition {
            field: field.into(),
            op,
            value: value.into(),
            values: vec![],
            from_value: String::new(),
            business_hours_id: None,
        }
    }

    fn fields_of(e: DomainError) -> Vec<String> {
        match e {
            DomainError::Invalid(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn canonicalises_values_and_defaults() {
        let g = Group {
            matches: Match::All,
            conditions: vec![cond("Priority", Op::Equals, "high"), cond("status", Op::In, "")],
            groups: vec![],
        };
        let mut g = g;
        g.conditions[1].values = vec!["open".into(), "TICKET_STATUS_NEW".into()];
        let r = rule(
            Trigger::TicketCreated,
            g,
            vec![Action::SetField { field: "priority".into(), value: "critical".into() }],
        )
        .normalize()
        .unwrap();
        assert_eq!(r.name, "Escalate VIP");
        assert_eq!(r.time_zone, "UTC");
        assert_eq!(r.conditions.conditions[0].field, "priority");
        assert_eq!(r.conditions.conditions[0].value, "TICKET_PRIORITY_HIGH");
        assert_eq!(r.conditions.conditions[1].values, ["TICKET_STATUS_OPEN", "TICKET_STATUS_NEW"]);
        assert_eq!(
            r.actions[0],
            Action::SetField { field: "priority".into(), value: "TICKET_PRIORITY_CRITICAL".into() }
        );
    }

    #[test]
    fn rejects_bad_rules_with_field_paths() {
        let g = Group {
            matches: Match::Any,
            conditions: vec![
                cond("colour", Op::Equals, "red"),
                cond("priority", Op::Changed, ""),
                cond("title", Op::GreaterThan, "x"),
                cond("event.sla_threshold", Op::GreaterThan, "50"),
            ],
            groups: vec![Group { conditions: vec![cond("assignee_id", Op::Equals, "bob")], ..Group::default() }],
        };
        let r = rule(
            Trigger::TicketCreated,
            g,
            vec![
                Action::SetField { field: "number".into(), value: "1".into() },
                Action::CallWebhook { url: "ftp://x".into(), sealed_secret: String::new() },
                Action::Notify {
                    to_addresses: vec!["nope".into()],
                    to_contact: false,
                    subject: "s".into(),
                    body: "b".into(),
                    to_assignee: false,
                    to_team: false,
                    to_user_ids: Vec::new(),
                },
                Action::Notify {
                    to_addresses: Vec::new(),
                    to_contact: false,
                    subject: "s".into(),
                    body: "b".into(),
                    to_assignee: false,
                    to_team: false,
                    to_user_ids: Vec::new(),
                },
            ],
        );
        let mut r = r;
        r.conditions.conditions.push(cond("custom_fields.Contract Tier", Op::Equals, "gold"));
        r.conditions.conditions.push(cond("custom_fields.contract_tier", Op::GreaterThan, "gold"));
        r.conditions.conditions.push(cond("custom_fields.seats", Op::GreaterThan, "50"));
        r.conditions.conditions.push(cond("queue_id", Op::Equals, "not-a-uuid"));
        r.conditions.conditions.push(cond("title", Op::Matches, "(unclosed"));
        let got = fields_of(r.normalize().unwrap_err());
        for want in [
            "rule.conditions.conditions[4].field",
            "rule.conditions.conditions[5].value",
            "rule.conditions.conditions[7].value",
            "rule.conditions.conditions[8].value",
            "rule.conditions.conditions[0].field",
            "rule.conditions.conditions[1].operator",
            "rule.conditions.conditions[2].operator",
            "rule.conditions.conditions[3].field",
            "rule.conditions.groups[0].conditions[0].value",
            "rule.actions[0].set_field.field",
            "rule.actions[1].call_webhook.url",
            "rule.actions[2].notify.to_addresses[0]",
            "rule.actions[3].notify.to_addresses",
        ] {
            assert!(got.iter().any(|g| g == want), "{want} missing from {got:?}");
        }
        assert!(!got.iter().any(|g| g.starts_with("rule.conditions.conditions[6]")), "{got:?}");
        let mut none = rule(Trigger::Schedule, Group::default(), vec![]);
        none.schedule = "every tuesday".into();
        let got = fields_of(none.normalize().unwrap_err());
        assert!(got.contains(&"rule.schedule".to_owned()) && got.contains(&"rule.actions".to_owned()), "{got:?}");
        let mut nr =
            rule(Trigger::NoResponse, Group::default(), vec![Action::Assign { assignee_id: None, team_id: None }]);
        assert_eq!(fields_of(nr.clone().normalize().unwrap_err()), ["rule.no_response_hours"]);
        nr.no_response_hours = 4;
        assert!(nr.normalize().is_ok());
    }

    #[test]
    fn schedules_in_the_rules_zone() {
        let after: DateTime<Utc> = "2026-03-28T12:00:00Z".parse().unwrap();
        // 08:00 Berlin on weekdays; the 28th is a Saturday, Monday the 30th is CEST (UTC+2).
        let next = next_run("0 8 * * MON-FRI", "Europe/Berlin".parse().unwrap(), after).unwrap();
        assert_eq!(next, "2026-03-30T06:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert!(parse_schedule("*/5 * * * *").is_ok());
        assert!(parse_schedule("0 */5 * * * *").is_ok());
        assert!(parse_schedule("61 * * * *").is_err());
    }
}
