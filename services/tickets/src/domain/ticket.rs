//! Tickets and notes: statuses, priorities, sources, numbering and input rules (PRD §3.4.2).

use chrono::{DateTime, Utc};
use psa_core::DomainError;
use psa_core::text_enum;
use psa_core::validate::Validator;
use uuid::Uuid;

text_enum!(
    /// Where a ticket is in its life. RESOLVED and CLOSED stamp `resolved_at`/`closed_at`;
    /// moving back to an open status clears them (a reopen).
    TicketStatus { New => "new", Open => "open", InProgress => "in_progress", WaitingOnClient => "waiting_on_client", Resolved => "resolved", Closed => "closed" }
);
text_enum!(
    /// Urgency, lowest first.
    TicketPriority { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
);
text_enum!(
    /// Channel a ticket came from.
    TicketSource { Portal => "portal", Email => "email", Phone => "phone", Api => "api", Chat => "chat", Rmm => "rmm" }
);
text_enum!(
    /// Who may read a note.
    NoteVisibility { Internal => "internal", Public => "public" }
);

/// Longest title, in characters.
pub const MAX_TITLE: usize = 255;
/// Longest description or note body, in characters.
pub const MAX_BODY: usize = 65_536;

/// `T-` and the number zero-padded to six digits (`T-000042`, `T-1234567`).
pub fn format_number(n: i64) -> String {
    format!("T-{n:06}")
}

/// The writable fields of a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketFields {
    pub title: String,
    pub description: String,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub source: TicketSource,
    pub company_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// Service-desk configuration, links and custom fields.
    pub links: TicketLinks,
}

/// A ticket's tenant status, queue, type, category, team, links to other services' records
/// (ids only) and custom-field values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketLinks {
    /// The tenant status (`ticket_statuses`); `status` is its kind. `None` before it was resolved.
    pub status_id: Option<Uuid>,
    pub queue_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub asset_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// Values by custom-field key (checked against the definitions by the use cases).
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

/// A stored ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub number: i64,
    pub fields: TicketFields,
    /// From the company projection; empty until contracts' event arrived.
    pub company_name: String,
    pub created_by: Uuid,
    /// Parent, merge target and tags (changed by their own actions, not by field updates).
    pub relations: Relations,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// SLA state as last computed; `None` when no policy applies.
    pub sla: Option<crate::domain::sla::clock::SlaSummary>,
}

/// A ticket's links to other tickets and its tags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Relations {
    pub parent_id: Option<Uuid>,
    /// Set once the ticket was merged into another.
    pub merged_into_id: Option<Uuid>,
    /// Lower-case, unique.
    pub tags: Vec<String>,
}

/// Trims, lower-cases and de-duplicates ticket tags (first-seen order).
///
/// # Errors
/// INVALID_ARGUMENT on `tags` for more than 20 tags or a tag over 50 characters.
pub fn normalize_tags(tags: Vec<String>) -> Result<Vec<String>, DomainError> {
    let mut v = Validator::new();
    let tags = v.tags("tags", tags);
    v.finish()?;
    Ok(tags)
}

impl TicketFields {
    /// The value of the field `name` as activity text (enums by proto value name, ids as
    /// UUIDs, empty for none).
    pub fn value_text(&self, name: &str) -> String {
        let id = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
        match name {
            "title" => self.title.clone(),
            "description" => self.description.clone(),
            "status" => format!("TICKET_STATUS_{}", self.status.as_str().to_ascii_uppercase()),
            "priority" => format!("TICKET_PRIORITY_{}", self.priority.as_str().to_ascii_uppercase()),
            "source" => format!("TICKET_SOURCE_{}", self.source.as_str().to_ascii_uppercase()),
            "company_id" => self.company_id.to_string(),
            "contact_id" => id(self.contact_id),
            "assignee_id" => id(self.assignee_id),
            "status_id" => id(self.links.status_id),
            "queue_id" => id(self.links.queue_id),
            "type_id" => id(self.links.type_id),
            "category_id" => id(self.links.category_id),
            "team_id" => id(self.links.team_id),
            "contract_id" => id(self.links.contract_id),
            "asset_id" => id(self.links.asset_id),
            "project_id" => id(self.links.project_id),
            _ => match name.strip_prefix("custom_fields.") {
                Some(key) => match self.links.custom_fields.get(key) {
                    None => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                },
                None => String::new(),
            },
        }
    }
}

/// Field names an update mask may name.
pub const UPDATABLE: &[&str] = &[
    "title",
    "description",
    "status",
    "priority",
    "source",
    "company_id",
    "contact_id",
    "assignee_id",
    "status_id",
    "queue_id",
    "type_id",
    "category_id",
    "team_id",
    "contract_id",
    "asset_id",
    "project_id",
    "custom_fields",
];

/// Keys whose custom-field values differ between `a` and `b`, as `custom_fields.<key>`
/// activity field names, sorted.
pub fn custom_field_changes(a: &TicketLinks, b: &TicketLinks) -> Vec<String> {
    let mut keys: Vec<&String> = a.custom_fields.keys().chain(b.custom_fields.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.custom_fields.get(*k) != b.custom_fields.get(*k))
        .map(|k| format!("custom_fields.{k}"))
        .collect()
}

impl TicketFields {
    /// Trims the title and checks every rule, naming fields under `prefix` (`ticket.`).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] listing every bad field.
    pub fn normalize(mut self, prefix: &str) -> Result<Self, DomainError> {
        self.title = self.title.trim().to_owned();
        let f = |n: &str| format!("{prefix}{n}");
        let mut v = Validator::new();
        v.required(&f("title"), &self.title).max_chars(&f("title"), &self.title, MAX_TITLE);
        v.max_chars(&f("description"), &self.description, MAX_BODY);
        if self.company_id.is_nil() {
            v.push(f("company_id"), "is required");
        }
        v.finish()?;
        Ok(self)
    }

    /// Copies the masked fields from `patch`; returns the names that changed.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `update_mask` for a name not in [`UPDATABLE`].
    pub fn apply(&mut self, patch: &TicketFields, mask: &[String]) -> Result<Vec<String>, DomainError> {
        psa_core::mask::apply(self, mask, UPDATABLE, |this, name| {
            match name {
                "title" => this.title = patch.title.clone(),
                "description" => this.description = patch.description.clone(),
                "status" => this.status = patch.status,
                "priority" => this.priority = patch.priority,
                "source" => this.source = patch.source,
                "company_id" => this.company_id = patch.company_id,
                "contact_id" => this.contact_id = patch.contact_id,
                "assignee_id" => this.assignee_id = patch.assignee_id,
                "status_id" => this.links.status_id = patch.links.status_id,
                "queue_id" => this.links.queue_id = patch.links.queue_id,
                "type_id" => this.links.type_id = patch.links.type_id,
                "category_id" => this.links.category_id = patch.links.category_id,
                "team_id" => this.links.team_id = patch.links.team_id,
                "contract_id" => this.links.contract_id = patch.links.contract_id,
                "asset_id" => this.links.asset_id = patch.links.asset_id,
                "project_id" => this.links.project_id = patch.links.project_id,
                // A patch names the keys it changes; `null` removes a value (dropped when checked).
                "custom_fields" => {
                    for (k, v) in &patch.links.custom_fields {
                        this.links.custom_fields.insert(k.clone(), v.clone());
                    }
                }
                _ => {}
            }
            Ok(())
        })
    }
}

/// `resolved_at` / `closed_at` after a move to `status` at `now`: stamped on entering
/// RESOLVED or CLOSED (closing also resolves), kept while there, cleared on reopening.
pub fn lifecycle_stamps(
    status: TicketStatus,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let closed = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
    lifecycle_stamps_for(status, closed, resolved_at, closed_at, now)
}

/// [`lifecycle_stamps`] for a tenant status of kind `kind` with the `closed` flag: a closed
/// status stamps `resolved_at` (and `closed_at` when its kind is CLOSED); any other clears both.
pub fn lifecycle_stamps_for(
    kind: TicketStatus,
    closed: bool,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    match (closed, kind) {
        (false, _) => (None, None),
        (true, TicketStatus::Closed) => (resolved_at.or(Some(now)), closed_at.or(Some(now))),
        (true, _) => (resolved_at.or(Some(now)), None),
    }
}

/// A note on a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub ticket_id: Uuid,
    pub body: String,
    pub visibility: NoteVisibility,
    pub author_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Checks a note body.
///
/// # Errors
/// [`DomainError::Invalid`] on `note.body` when blank or longer than [`MAX_BODY`].
pub fn check_note_body(body: &str) -> Result<(), DomainError> {
    let mut v = Validator::new();
    v.required("note.body", body).max_chars("note.body", body, MAX_BODY);
    v.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> TicketFields {
        TicketFields {
            title: " Printer on fire ".into(),
            description: String::new(),
            status: TicketStatus::New,
            priority: TicketPriority::Medium,
            source: TicketSource::Api,
            company_id: Uuid::now_v7(),
            contact_id: None,
            assignee_id: None,
            links: TicketLinks::default(),
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(format_number(42), "T-000042");
        assert_eq!(format_number(1_234_567), "T-1234567");
    }

    #[test]
    fn validates_title_and_company() {
        assert_eq!(fields().normalize("ticket.").unwrap().title, "Printer on fire");
        let bad = TicketFields { title: "x".repeat(256), company_id: Uuid::nil(), ..fields() };
        let Err(DomainError::Invalid(v)) = bad.normalize("ticket.") else { panic!() };
        assert_eq!(v.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["ticket.title", "ticket.company_id"]);
        assert!(check_note_body("  ").is_err());
        assert!(check_note_body(&"x".repeat(MAX_BODY + 1)).is_err());
    }

    #[test]
    fn stamps_follow_the_lifecycle() {
        let t0 = Utc::now();
        let t1 = t0 + chrono::Duration::minutes(5);
        assert_eq!(lifecycle_stamps(TicketStatus::Resolved, None, None, t0), (Some(t0), None));
        assert_eq!(lifecycle_stamps(TicketStatus::Closed, Some(t0), None, t1), (Some(t0), Some(t1)));
        assert_eq!(lifecycle_stamps(TicketStatus::Open, Some(t0), Some(t1), t1), (None, None));
    }

    #[test]
    fn masks() {
        let mut f = fields();
        let patch = TicketFields { status: TicketStatus::Open, title: "other".into(), ..f.clone() };
        assert_eq!(f.apply(&patch, &["status".into(), "priority".into()]).unwrap(), ["status"]);
        assert_eq!(f.title, " Printer on fire ");
        assert!(f.apply(&patch, &["number".into()]).is_err());
    }
}
