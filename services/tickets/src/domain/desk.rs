//! Service-desk configuration (PRD §3.4, issue 4): tenant ticket statuses with their flags,
//! priority display settings, queues, types, categories, teams and ticket custom fields, with
//! their input rules and the check of custom-field values.

use chrono::{DateTime, NaiveDate, Utc};
use psa_core::DomainError;
use psa_core::text_enum;
use psa_core::validate::Validator;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::domain::ticket::{TicketPriority, TicketStatus};

/// Longest configuration name, in characters.
pub const MAX_NAME: usize = 100;
/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// Colour used when none is given.
pub const DEFAULT_COLOUR: &str = "#6b7280";

/// Checks a `#rrggbb` colour (lower-cased; empty → [`DEFAULT_COLOUR`]).
pub fn colour(v: &mut Validator, field: &str, c: &str) -> String {
    let c = c.trim().to_ascii_lowercase();
    if c.is_empty() {
        return DEFAULT_COLOUR.into();
    }
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if !ok {
        v.push(field, "must be a colour `#rrggbb`");
    }
    c
}

fn name(v: &mut Validator, field: &str, n: &str) -> String {
    let n = n.trim().to_owned();
    v.required(field, &n).max_chars(field, &n, MAX_NAME);
    n
}

/// A tenant ticket status's writable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusFields {
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    pub position: i32,
    /// The base kind reported as the ticket's `status`.
    pub kind: TicketStatus,
    /// Tickets here count as resolved (the resolution clock stops; resolve/close stamps).
    pub closed: bool,
    /// Time here does not count against the SLA resolution clock.
    pub pauses_sla: bool,
    pub is_default: bool,
    pub active: bool,
}

impl StatusFields {
    /// Trims and checks: name, colour, not both `closed` and `pauses_sla`, a default that is
    /// active and not closed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming fields under `ticket_status.`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        self.name = name(&mut v, "ticket_status.name", &self.name);
        self.colour = colour(&mut v, "ticket_status.colour", &self.colour);
        if self.closed && self.pauses_sla {
            v.push("ticket_status.pauses_sla", "a closed status cannot pause the SLA");
        }
        if self.is_default && (!self.active || self.closed) {
            v.push("ticket_status.is_default", "the default status must be active and not closed");
        }
        v.finish()?;
        Ok(self)
    }

    /// The six statuses every tenant starts with (their `system_key` is the kind).
    pub fn built_in() -> Vec<StatusFields> {
        let s = |name: &str, colour: &str, position, kind, closed, pauses_sla| StatusFields {
            name: name.into(),
            colour: colour.into(),
            position,
            kind,
            closed,
            pauses_sla,
            is_default: kind == TicketStatus::New,
            active: true,
        };
        vec![
            s("New", "#3b82f6", 10, TicketStatus::New, false, false),
            s("Open", "#0ea5e9", 20, TicketStatus::Open, false, false),
            s("In progress", "#f59e0b", 30, TicketStatus::InProgress, false, false),
            s("Waiting on client", "#a855f7", 40, TicketStatus::WaitingOnClient, false, true),
            s("Resolved", "#22c55e", 50, TicketStatus::Resolved, true, false),
            s("Closed", "#6b7280", 60, TicketStatus::Closed, true, false),
        ]
    }
}

/// A stored tenant ticket status.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusDef {
    pub id: Uuid,
    pub fields: StatusFields,
    /// One of the six created for every tenant.
    pub built_in: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A priority level as the tenant shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityDef {
    pub level: TicketPriority,
    pub name: String,
    pub colour: String,
    pub position: i32,
}

impl PriorityDef {
    /// The built-in display of `level`.
    pub fn built_in(level: TicketPriority) -> Self {
        let (name, colour, position) = match level {
            TicketPriority::Low => ("Low", "#64748b", 1),
            TicketPriority::Medium => ("Medium", "#3b82f6", 2),
            TicketPriority::High => ("High", "#f97316", 3),
            TicketPriority::Critical => ("Critical", "#dc2626", 4),
        };
        PriorityDef { level, name: name.into(), colour: colour.into(), position }
    }

    /// Trims and checks name and colour.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming fields under `ticket_priority.`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        self.name = name(&mut v, "ticket_priority.name", &self.name);
        self.colour = colour(&mut v, "ticket_priority.colour", &self.colour);
        v.finish()?;
        Ok(self)
    }
}

/// Which kind of simple configuration item ([`Item`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Queue,
    Type,
    Category,
}

impl ItemKind {
    /// Its table.
    pub fn table(self) -> &'static str {
        match self {
            Self::Queue => "ticket_queues",
            Self::Type => "ticket_types",
            Self::Category => "ticket_categories",
        }
    }

    /// Its name in errors and its request field (`ticket_queue`, …).
    pub fn entity(self) -> &'static str {
        match self {
            Self::Queue => "ticket queue",
            Self::Type => "ticket type",
            Self::Category => "ticket category",
        }
    }

    /// The proto field of the request (`ticket_queue.`), prefix of field errors.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Queue => "ticket_queue.",
            Self::Type => "ticket_type.",
            Self::Category => "ticket_category.",
        }
    }
}

/// A queue, type or category's writable fields. `link` is the queue's default team or the
/// category's parent (unused for types).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFields {
    pub name: String,
    pub description: String,
    pub link: Option<Uuid>,
    pub active: bool,
}

impl ItemFields {
    /// Trims and checks name and description, naming fields under `kind`'s prefix.
    ///
    /// # Errors
    /// [`DomainError::Invalid`].
    pub fn normalize(mut self, kind: ItemKind) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let p = kind.prefix();
        self.name = name(&mut v, &format!("{p}name"), &self.name);
        v.max_chars(&format!("{p}description"), &self.description, MAX_DESCRIPTION);
        v.finish()?;
        Ok(self)
    }
}

/// A stored queue, type or category.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: Uuid,
    pub fields: ItemFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A team's writable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamFields {
    pub name: String,
    pub description: String,
    /// Staff user ids, unique.
    pub member_ids: Vec<Uuid>,
    /// A member.
    pub lead_id: Option<Uuid>,
    pub active: bool,
}

/// Most members of a team.
pub const MAX_MEMBERS: usize = 500;

impl TeamFields {
    /// Trims, de-duplicates members and checks that the lead is one.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming fields under `team.`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        self.name = name(&mut v, "team.name", &self.name);
        v.max_chars("team.description", &self.description, MAX_DESCRIPTION);
        let mut seen = Vec::with_capacity(self.member_ids.len());
        for m in self.member_ids {
            if !seen.contains(&m) {
                seen.push(m);
            }
        }
        self.member_ids = seen;
        if self.member_ids.len() > MAX_MEMBERS {
            v.push("team.member_ids", format!("at most {MAX_MEMBERS} members"));
        }
        if let Some(l) = self.lead_id
            && !self.member_ids.contains(&l)
        {
            v.push("team.lead_id", "the lead must be a member");
        }
        v.finish()?;
        Ok(self)
    }
}

/// A stored team.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub id: Uuid,
    pub fields: TeamFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

text_enum!(
    /// The value type of a custom field.
    CustomFieldType { Text => "text", Number => "number", Date => "date", Boolean => "boolean", Select => "select", MultiSelect => "multi_select" }
);

/// Longest text value of a custom field, in characters.
pub const MAX_TEXT_VALUE: usize = 1000;

/// A custom-field definition's writable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFieldFields {
    /// `[a-z][a-z0-9_]{0,49}`.
    pub key: String,
    pub label: String,
    pub field_type: CustomFieldType,
    pub required: bool,
    /// Choices of select and multi-select fields.
    pub options: Vec<String>,
    pub position: i32,
    pub active: bool,
}

impl CustomFieldFields {
    /// Trims and checks key, label and options.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming fields under `custom_field.`.
    pub fn normalize(mut self) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        self.key = self.key.trim().to_owned();
        let key_ok = self.key.len() <= 50
            && self.key.starts_with(|c: char| c.is_ascii_lowercase())
            && self.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            v.push("custom_field.key", "must match [a-z][a-z0-9_]{0,49}");
        }
        self.label = name(&mut v, "custom_field.label", &self.label);
        let mut options: Vec<String> = Vec::new();
        for o in &self.options {
            let o = o.trim().to_owned();
            if o.is_empty() || o.chars().count() > MAX_NAME {
                v.push("custom_field.options", "each option has 1–100 characters");
            } else if !options.contains(&o) {
                options.push(o);
            }
        }
        let choice = matches!(self.field_type, CustomFieldType::Select | CustomFieldType::MultiSelect);
        if choice && (options.is_empty() || options.len() > 100) {
            v.push("custom_field.options", "a select field needs 1–100 options");
        }
        if !choice && !options.is_empty() {
            v.push("custom_field.options", "only select fields have options");
        }
        self.options = options;
        v.finish()?;
        Ok(self)
    }
}

/// A stored custom-field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFieldDef {
    pub id: Uuid,
    pub fields: CustomFieldFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Checks custom-field `values` against the active definitions `defs`: every key is an
/// active field, every value has the field's type (`null` removes a value), required fields
/// have a value. Returns the values without nulls. Errors name `{prefix}custom_fields.<key>`.
///
/// # Errors
/// [`DomainError::Invalid`] listing every bad value.
pub fn check_custom_values(
    defs: &[CustomFieldDef],
    values: &Map<String, Value>,
    prefix: &str,
) -> Result<Map<String, Value>, DomainError> {
    let mut v = Validator::new();
    let mut out = Map::new();
    let field = |k: &str| format!("{prefix}custom_fields.{k}");
    for (k, value) in values {
        let Some(def) = defs.iter().find(|d| d.fields.active && d.fields.key == *k) else {
            v.push(field(k), "no such custom field");
            continue;
        };
        if value.is_null() {
            continue;
        }
        let f = &def.fields;
        let ok = match f.field_type {
            CustomFieldType::Text => value.as_str().is_some_and(|s| s.chars().count() <= MAX_TEXT_VALUE),
            CustomFieldType::Number => value.is_number(),
            CustomFieldType::Date => value.as_str().is_some_and(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()),
            CustomFieldType::Boolean => value.is_boolean(),
            CustomFieldType::Select => value.as_str().is_some_and(|s| f.options.iter().any(|o| o == s)),
            CustomFieldType::MultiSelect => value.as_array().is_some_and(|a| {
                a.iter().all(|x| x.as_str().is_some_and(|s| f.options.iter().any(|o| o == s)))
                    && a.iter().enumerate().all(|(i, x)| !a[..i].contains(x))
            }),
        };
        if ok {
            out.insert(k.clone(), value.clone());
        } else {
            let what = match f.field_type {
                CustomFieldType::Text => "must be text of at most 1000 characters".to_owned(),
                CustomFieldType::Number => "must be a number".to_owned(),
                CustomFieldType::Date => "must be a date YYYY-MM-DD".to_owned(),
                CustomFieldType::Boolean => "must be true or false".to_owned(),
                CustomFieldType::Select => format!("must be one of: {}", f.options.join(", ")),
                CustomFieldType::MultiSelect => {
                    format!("must be a list of distinct values of: {}", f.options.join(", "))
                }
            };
            v.push(field(k), what);
        }
    }
    for d in defs.iter().filter(|d| d.fields.active && d.fields.required) {
        let empty = match out.get(&d.fields.key) {
            None => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(_) => false,
        };
        if empty {
            v.push(field(&d.fields.key), "is required");
        }
    }
    v.finish()?;
    Ok(out)
}

/// Whether making `parent` the parent of category `id` would create a cycle, given each
/// category's current parent (`parents`: id → parent).
pub fn category_cycle(id: Uuid, parent: Uuid, parents: &[(Uuid, Option<Uuid>)]) -> bool {
    let mut at = Some(parent);
    let mut steps = 0;
    while let Some(c) = at {
        if c == id || steps > parents.len() {
            return true;
        }
        at = parents.iter().find(|(x, _)| *x == c).and_then(|(_, p)| *p);
        steps += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(key: &str, t: CustomFieldType, required: bool, options: &[&str]) -> CustomFieldDef {
        CustomFieldDef {
            id: Uuid::now_v7(),
            fields: CustomFieldFields {
                key: key.into(),
                label: key.into(),
                field_type: t,
                required,
                options: options.iter().map(|s| (*s).to_owned()).collect(),
                position: 0,
                active: true,
            },
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn custom_values_follow_their_definitions() {
        let defs = [
            def("site", CustomFieldType::Text, true, &[]),
            def("users", CustomFieldType::Number, false, &[]),
            def("since", CustomFieldType::Date, false, &[]),
            def("vip", CustomFieldType::Boolean, false, &[]),
            def("os", CustomFieldType::Select, false, &["linux", "windows"]),
            def("tags", CustomFieldType::MultiSelect, false, &["a", "b"]),
        ];
        let ok = json!({"site": "HQ", "users": 12.5, "since": "2026-01-31", "vip": true, "os": "linux", "tags": ["a", "b"], "vip2": null});
        let Err(DomainError::Invalid(v)) = check_custom_values(&defs, ok.as_object().unwrap(), "ticket.") else {
            panic!("unknown key accepted")
        };
        assert_eq!(v.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["ticket.custom_fields.vip2"]);
        let mut good = ok.as_object().unwrap().clone();
        good.remove("vip2");
        good.insert("users".into(), Value::Null);
        let out = check_custom_values(&defs, &good, "ticket.").unwrap();
        assert!(!out.contains_key("users"));
        let bad = json!({"users": "12", "since": "31/01/2026", "vip": "yes", "os": "mac", "tags": ["a", "a"]});
        let Err(DomainError::Invalid(v)) = check_custom_values(&defs, bad.as_object().unwrap(), "") else { panic!() };
        let mut fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "custom_fields.os",
                "custom_fields.since",
                "custom_fields.site",
                "custom_fields.tags",
                "custom_fields.users",
                "custom_fields.vip"
            ]
        );
    }

    #[test]
    fn status_rules() {
        let mut s = StatusFields::built_in().remove(0);
        s.colour = "#ABCDEF".into();
        assert_eq!(s.clone().normalize().unwrap().colour, "#abcdef");
        let bad = StatusFields { closed: true, pauses_sla: true, colour: "red".into(), ..s.clone() };
        let Err(DomainError::Invalid(v)) = bad.normalize() else { panic!() };
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"ticket_status.colour") && fields.contains(&"ticket_status.pauses_sla"));
        assert!(fields.contains(&"ticket_status.is_default"));
    }

    #[test]
    fn category_cycles() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let parents = [(a, None), (b, Some(a)), (c, Some(b))];
        assert!(category_cycle(a, c, &parents));
        assert!(category_cycle(a, a, &parents));
        assert!(!category_cycle(c, a, &parents));
    }

    #[test]
    fn team_lead_is_a_member() {
        let m = Uuid::now_v7();
        let t = TeamFields {
            name: " Desk ".into(),
            description: String::new(),
            member_ids: vec![m, m],
            lead_id: Some(m),
            active: true,
        };
        assert_eq!(t.clone().normalize().unwrap().member_ids, [m]);
        assert!(TeamFields { lead_id: Some(Uuid::now_v7()), ..t }.normalize().is_err());
    }
}
