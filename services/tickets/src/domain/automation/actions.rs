//! The pure parts of automation actions: field changes, tag edits, escalation steps and the
//! `{{…}}` placeholders of notes, mails and child tickets.

use uuid::Uuid;

use super::{parse_priority, parse_source, parse_status};
use crate::domain::ticket::{Ticket, TicketFields, TicketPriority, format_number};

/// Replaces `{{ticket.number}}`, `{{ticket.title}}`, `{{ticket.status}}`,
/// `{{ticket.priority}}`, `{{company.name}}` and `{{rule.name}}` in `template` (other text is
/// kept as is).
pub fn render(template: &str, t: &Ticket, rule_name: &str) -> String {
    let vars = [
        ("{{ticket.number}}", format_number(t.number)),
        ("{{ticket.title}}", t.fields.title.clone()),
        ("{{ticket.status}}", t.fields.value_text("status")),
        ("{{ticket.priority}}", t.fields.value_text("priority")),
        ("{{company.name}}", t.company_name.clone()),
        ("{{rule.name}}", rule_name.to_owned()),
    ];
    let mut out = template.to_owned();
    for (k, v) in vars {
        out = out.replace(k, &v);
    }
    out
}

/// Sets field `name` (one of [`super::SETTABLE`]) to the canonical `value` (ids as UUID
/// text, empty clears); returns `(old, new)` as activity text when it changed.
pub fn set_field(f: &mut TicketFields, name: &str, value: &str) -> Option<(String, String)> {
    let before = f.value_text(name);
    let id = || value.trim().parse::<Uuid>().ok();
    match name {
        "status" => f.status = parse_status(value)?,
        "priority" => f.priority = parse_priority(value)?,
        "source" => f.source = parse_source(value)?,
        "title" => f.title = value.to_owned(),
        "assignee_id" => f.assignee_id = id(),
        "contact_id" => f.contact_id = id(),
        "status_id" => f.links.status_id = id(),
        "queue_id" => f.links.queue_id = id(),
        "type_id" => f.links.type_id = id(),
        "category_id" => f.links.category_id = id(),
        "team_id" => f.links.team_id = id(),
        _ => return None,
    }
    let after = f.value_text(name);
    (before != after).then_some((before, after))
}

/// The priority `levels` steps above `p`, at most CRITICAL.
pub fn raise(p: TicketPriority, levels: i32) -> TicketPriority {
    let all = TicketPriority::ALL;
    let i = all.iter().position(|x| *x == p).unwrap_or(0) as i32;
    all[(i + levels.max(0)).min(all.len() as i32 - 1) as usize]
}

/// `tags` with `add` appended (when missing) and `remove` taken out (all lower-case).
pub fn change_tags(tags: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags.iter().filter(|t| !remove.contains(t)).cloned().collect();
    for a in add {
        if !out.contains(a) && !remove.contains(a) {
            out.push(a.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::{TicketSource, TicketStatus};

    fn fields() -> TicketFields {
        TicketFields {
            title: "x".into(),
            description: String::new(),
            status: TicketStatus::New,
            priority: TicketPriority::Medium,
            source: TicketSource::Api,
            company_id: Uuid::now_v7(),
            contact_id: None,
            assignee_id: None,
            links: Default::default(),
        }
    }

    #[test]
    fn sets_fields_and_reports_changes() {
        let mut f = fields();
        assert_eq!(
            set_field(&mut f, "priority", "TICKET_PRIORITY_HIGH"),
            Some(("TICKET_PRIORITY_MEDIUM".into(), "TICKET_PRIORITY_HIGH".into()))
        );
        assert_eq!(set_field(&mut f, "priority", "TICKET_PRIORITY_HIGH"), None, "no change");
        let u = Uuid::now_v7();
        assert_eq!(set_field(&mut f, "assignee_id", &u.to_string()), Some((String::new(), u.to_string())));
        assert_eq!(set_field(&mut f, "assignee_id", ""), Some((u.to_string(), String::new())));
        assert_eq!(f.status, TicketStatus::New);
        set_field(&mut f, "status", "TICKET_STATUS_IN_PROGRESS");
        assert_eq!(f.status, TicketStatus::InProgress);
    }

    #[test]
    fn raises_tags_and_templates() {
        assert_eq!(raise(TicketPriority::Low, 1), TicketPriority::Medium);
        assert_eq!(raise(TicketPriority::High, 3), TicketPriority::Critical);
        let tags = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(change_tags(&tags, &["c".into(), "a".into()], &["b".into()]), ["a", "c"]);
        let t = Ticket {
            id: Uuid::nil(),
            tenant_id: Uuid::nil(),
            number: 42,
            fields: fields(),
            company_name: "Hooli".into(),
            created_by: Uuid::nil(),
            relations: Default::default(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            resolved_at: None,
            closed_at: None,
            sla: None,
        };
        assert_eq!(
            render("{{ticket.number}} for {{company.name}} ({{ticket.priority}}) by {{rule.name}} {{x}}", &t, "R"),
            "T-000042 for Hooli (TICKET_PRIORITY_MEDIUM) by R {{x}}"
        );
    }
}
