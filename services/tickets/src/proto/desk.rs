//! Service-desk configuration ⇄ proto.

use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{opt_id, timestamp};
use psa_proto::tickets as pb;

use super::{priority_pb, status_from_pb, status_to_pb};
use crate::domain::desk::{
    CustomFieldDef, CustomFieldFields, CustomFieldType, Item, ItemFields, PriorityDef, StatusDef, StatusFields, Team,
    TeamFields,
};
use crate::domain::ticket::TicketPriority;

/// A status as its proto message.
pub fn status(s: &StatusDef) -> pb::TicketStatusDefinition {
    let f = &s.fields;
    pb::TicketStatusDefinition {
        id: s.id.to_string(),
        name: f.name.clone(),
        colour: f.colour.clone(),
        position: f.position,
        kind: status_to_pb(f.kind) as i32,
        closed: f.closed,
        pauses_sla: f.pauses_sla,
        is_default: f.is_default,
        active: Some(f.active),
        built_in: s.built_in,
        create_time: Some(timestamp(s.created_at)),
        update_time: Some(timestamp(s.updated_at)),
    }
}

/// A status's writable fields; `kind` is required.
///
/// # Errors
/// INVALID_ARGUMENT on `ticket_status.kind`.
pub fn status_fields(s: pb::TicketStatusDefinition) -> Result<StatusFields, DomainError> {
    let kind = match (s.kind, status_from_pb(s.kind)) {
        (0, _) | (_, None) => {
            return Err(DomainError::invalid("ticket_status.kind", "is required (one of the six kinds)"));
        }
        (_, Some(k)) => k,
    };
    Ok(StatusFields {
        name: s.name,
        colour: s.colour,
        position: s.position,
        kind,
        closed: s.closed,
        pauses_sla: s.pauses_sla,
        is_default: s.is_default,
        active: s.active.unwrap_or(true),
    })
}

fn priority_from_pb(n: i32) -> Option<TicketPriority> {
    match pb::TicketPriority::try_from(n).ok()? {
        pb::TicketPriority::Unspecified => None,
        pb::TicketPriority::Low => Some(TicketPriority::Low),
        pb::TicketPriority::Medium => Some(TicketPriority::Medium),
        pb::TicketPriority::High => Some(TicketPriority::High),
        pb::TicketPriority::Critical => Some(TicketPriority::Critical),
    }
}

/// A priority level as its proto message.
pub fn priority(p: &PriorityDef) -> pb::TicketPriorityDefinition {
    pb::TicketPriorityDefinition {
        level: priority_pb(p.level) as i32,
        name: p.name.clone(),
        colour: p.colour.clone(),
        position: p.position,
    }
}

/// A priority level's display settings (empty name: the built-in name).
///
/// # Errors
/// INVALID_ARGUMENT on `ticket_priority.level`.
pub fn priority_def(p: pb::TicketPriorityDefinition) -> Result<PriorityDef, DomainError> {
    let level = priority_from_pb(p.level)
        .ok_or_else(|| DomainError::invalid("ticket_priority.level", "is required (LOW, MEDIUM, HIGH or CRITICAL)"))?;
    let built_in = PriorityDef::built_in(level);
    Ok(PriorityDef {
        level,
        name: if p.name.trim().is_empty() { built_in.name } else { p.name },
        colour: p.colour,
        position: p.position,
    })
}

fn item_parts(i: &Item) -> (String, String, String, String, Option<bool>) {
    (
        i.id.to_string(),
        i.fields.name.clone(),
        i.fields.description.clone(),
        opt_id(i.fields.link),
        Some(i.fields.active),
    )
}

/// A queue as its proto message.
pub fn queue(i: &Item) -> pb::TicketQueue {
    let (id, name, description, default_team_id, active) = item_parts(i);
    pb::TicketQueue {
        id,
        name,
        description,
        default_team_id,
        active,
        create_time: Some(timestamp(i.created_at)),
        update_time: Some(timestamp(i.updated_at)),
    }
}

/// A type as its proto message.
pub fn ticket_type(i: &Item) -> pb::TicketType {
    let (id, name, description, _, active) = item_parts(i);
    pb::TicketType {
        id,
        name,
        description,
        active,
        create_time: Some(timestamp(i.created_at)),
        update_time: Some(timestamp(i.updated_at)),
    }
}

/// A category as its proto message.
pub fn category(i: &Item) -> pb::TicketCategory {
    let (id, name, description, parent_id, active) = item_parts(i);
    pb::TicketCategory {
        id,
        name,
        description,
        parent_id,
        active,
        create_time: Some(timestamp(i.created_at)),
        update_time: Some(timestamp(i.updated_at)),
    }
}

/// Item fields from their proto parts; a malformed `link` id is INVALID_ARGUMENT on `link_field`.
///
/// # Errors
/// INVALID_ARGUMENT.
pub fn item_fields(
    name: String,
    description: String,
    link: &str,
    link_field: &str,
    active: Option<bool>,
) -> Result<ItemFields, DomainError> {
    let mut v = Validator::new();
    let link = v.optional_uuid(link_field, link);
    v.finish()?;
    Ok(ItemFields { name, description, link, active: active.unwrap_or(true) })
}

/// A team as its proto message.
pub fn team(t: &Team) -> pb::Team {
    let f = &t.fields;
    pb::Team {
        id: t.id.to_string(),
        name: f.name.clone(),
        description: f.description.clone(),
        member_ids: f.member_ids.iter().map(|m| m.to_string()).collect(),
        lead_id: opt_id(f.lead_id),
        active: Some(f.active),
        create_time: Some(timestamp(t.created_at)),
        update_time: Some(timestamp(t.updated_at)),
    }
}

/// A team's writable fields.
///
/// # Errors
/// INVALID_ARGUMENT on malformed ids.
pub fn team_fields(t: pb::Team) -> Result<TeamFields, DomainError> {
    let mut v = Validator::new();
    let member_ids = t.member_ids.iter().filter_map(|m| v.uuid("team.member_ids", m)).collect();
    let lead_id = v.optional_uuid("team.lead_id", &t.lead_id);
    v.finish()?;
    Ok(TeamFields { name: t.name, description: t.description, member_ids, lead_id, active: t.active.unwrap_or(true) })
}

fn field_type_pb(t: CustomFieldType) -> pb::CustomFieldType {
    match t {
        CustomFieldType::Text => pb::CustomFieldType::Text,
        CustomFieldType::Number => pb::CustomFieldType::Number,
        CustomFieldType::Date => pb::CustomFieldType::Date,
        CustomFieldType::Boolean => pb::CustomFieldType::Boolean,
        CustomFieldType::Select => pb::CustomFieldType::Select,
        CustomFieldType::MultiSelect => pb::CustomFieldType::MultiSelect,
    }
}

/// A custom-field definition as its proto message.
pub fn custom_field(d: &CustomFieldDef) -> pb::TicketCustomField {
    let f = &d.fields;
    pb::TicketCustomField {
        id: d.id.to_string(),
        key: f.key.clone(),
        label: f.label.clone(),
        r#type: field_type_pb(f.field_type) as i32,
        required: f.required,
        options: f.options.clone(),
        position: f.position,
        active: Some(f.active),
        create_time: Some(timestamp(d.created_at)),
        update_time: Some(timestamp(d.updated_at)),
    }
}

/// A custom-field definition's writable fields.
///
/// # Errors
/// INVALID_ARGUMENT on `custom_field.type`.
pub fn custom_field_fields(d: pb::TicketCustomField) -> Result<CustomFieldFields, DomainError> {
    let field_type = match pb::CustomFieldType::try_from(d.r#type) {
        Ok(pb::CustomFieldType::Text) => CustomFieldType::Text,
        Ok(pb::CustomFieldType::Number) => CustomFieldType::Number,
        Ok(pb::CustomFieldType::Date) => CustomFieldType::Date,
        Ok(pb::CustomFieldType::Boolean) => CustomFieldType::Boolean,
        Ok(pb::CustomFieldType::Select) => CustomFieldType::Select,
        Ok(pb::CustomFieldType::MultiSelect) => CustomFieldType::MultiSelect,
        _ => return Err(DomainError::invalid("custom_field.type", "is required")),
    };
    Ok(CustomFieldFields {
        key: d.key,
        label: d.label,
        field_type,
        required: d.required,
        options: d.options,
        position: d.position,
        active: d.active.unwrap_or(true),
    })
}

/// A template as its proto message.
pub fn template(t: &crate::domain::templates::Template) -> pb::TicketTemplate {
    let f = &t.fields;
    pb::TicketTemplate {
        id: t.id.to_string(),
        name: f.name.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        priority: f.priority.map_or(pb::TicketPriority::Unspecified, priority_pb) as i32,
        queue_id: opt_id(f.queue_id),
        type_id: opt_id(f.type_id),
        category_id: opt_id(f.category_id),
        team_id: opt_id(f.team_id),
        tags: f.tags.clone(),
        active: Some(f.active),
        create_time: Some(timestamp(t.created_at)),
        update_time: Some(timestamp(t.updated_at)),
    }
}

/// A template's writable fields.
///
/// # Errors
/// INVALID_ARGUMENT on malformed ids or an unknown priority.
pub fn template_fields(t: pb::TicketTemplate) -> Result<crate::domain::templates::TemplateFields, DomainError> {
    let mut v = Validator::new();
    let priority = match t.priority {
        0 => None,
        n => {
            let p = priority_from_pb(n);
            if p.is_none() {
                v.push("ticket_template.priority", "unknown value");
            }
            p
        }
    };
    let f = crate::domain::templates::TemplateFields {
        name: t.name,
        title: t.title,
        description: t.description,
        priority,
        queue_id: v.optional_uuid("ticket_template.queue_id", &t.queue_id),
        type_id: v.optional_uuid("ticket_template.type_id", &t.type_id),
        category_id: v.optional_uuid("ticket_template.category_id", &t.category_id),
        team_id: v.optional_uuid("ticket_template.team_id", &t.team_id),
        tags: t.tags,
        active: t.active.unwrap_or(true),
    };
    v.finish()?;
    Ok(f)
}

/// A canned response as its proto message.
pub fn canned(c: &crate::domain::templates::Canned) -> pb::CannedResponse {
    pb::CannedResponse {
        id: c.id.to_string(),
        name: c.fields.name.clone(),
        body: c.fields.body.clone(),
        active: Some(c.fields.active),
        create_time: Some(timestamp(c.created_at)),
        update_time: Some(timestamp(c.updated_at)),
    }
}

/// A canned response's writable fields.
pub fn canned_fields(c: pb::CannedResponse) -> crate::domain::templates::CannedFields {
    crate::domain::templates::CannedFields { name: c.name, body: c.body, active: c.active.unwrap_or(true) }
}
