//! Domain ⇄ proto conversions shared by the gRPC adapter and the published events.

use psa_core::DomainError;
use psa_core::validate::Validator;
use psa_kit::convert::{json_to_struct, opt_id, opt_timestamp, struct_to_json, timestamp};
use psa_proto::tickets as pb;

pub mod automation;
pub mod desk;
pub mod email;
pub mod kb;
pub mod sla;
pub mod time;

use crate::domain::ticket::{
    Note, NoteVisibility, Ticket, TicketFields, TicketLinks, TicketPriority, TicketSource, TicketStatus, format_number,
};

fn status_pb(s: TicketStatus) -> pb::TicketStatus {
    match s {
        TicketStatus::New => pb::TicketStatus::New,
        TicketStatus::Open => pb::TicketStatus::Open,
        TicketStatus::InProgress => pb::TicketStatus::InProgress,
        TicketStatus::WaitingOnClient => pb::TicketStatus::WaitingOnClient,
        TicketStatus::Resolved => pb::TicketStatus::Resolved,
        TicketStatus::Closed => pb::TicketStatus::Closed,
    }
}

pub(crate) fn priority_pb(p: TicketPriority) -> pb::TicketPriority {
    match p {
        TicketPriority::Low => pb::TicketPriority::Low,
        TicketPriority::Medium => pb::TicketPriority::Medium,
        TicketPriority::High => pb::TicketPriority::High,
        TicketPriority::Critical => pb::TicketPriority::Critical,
    }
}

fn source_pb(s: TicketSource) -> pb::TicketSource {
    match s {
        TicketSource::Portal => pb::TicketSource::Portal,
        TicketSource::Email => pb::TicketSource::Email,
        TicketSource::Phone => pb::TicketSource::Phone,
        TicketSource::Api => pb::TicketSource::Api,
        TicketSource::Chat => pb::TicketSource::Chat,
        TicketSource::Rmm => pb::TicketSource::Rmm,
    }
}

/// A ticket as its proto message.
pub fn ticket(t: &Ticket) -> pb::Ticket {
    let f = &t.fields;
    pb::Ticket {
        id: t.id.to_string(),
        number: format_number(t.number),
        title: f.title.clone(),
        description: f.description.clone(),
        status: status_pb(f.status) as i32,
        priority: priority_pb(f.priority) as i32,
        source: source_pb(f.source) as i32,
        company_id: f.company_id.to_string(),
        company_name: t.company_name.clone(),
        contact_id: opt_id(f.contact_id),
        assignee_id: opt_id(f.assignee_id),
        created_by: t.created_by.to_string(),
        create_time: Some(timestamp(t.created_at)),
        update_time: Some(timestamp(t.updated_at)),
        resolve_time: opt_timestamp(t.resolved_at),
        close_time: opt_timestamp(t.closed_at),
        sla: t.sla.as_ref().map(sla::state),
        parent_ticket_id: opt_id(t.relations.parent_id),
        merged_into_ticket_id: opt_id(t.relations.merged_into_id),
        tags: t.relations.tags.clone(),
        status_id: opt_id(f.links.status_id),
        queue_id: opt_id(f.links.queue_id),
        type_id: opt_id(f.links.type_id),
        category_id: opt_id(f.links.category_id),
        team_id: opt_id(f.links.team_id),
        contract_id: opt_id(f.links.contract_id),
        asset_id: opt_id(f.links.asset_id),
        project_id: opt_id(f.links.project_id),
        custom_fields: Some(json_to_struct(&serde_json::Value::Object(f.links.custom_fields.clone()))),
    }
}

/// `TicketStatus` from its proto number (UNSPECIFIED → NEW).
pub(crate) fn status_from_pb(n: i32) -> Option<TicketStatus> {
    Some(match pb::TicketStatus::try_from(n).ok()? {
        pb::TicketStatus::Unspecified | pb::TicketStatus::New => TicketStatus::New,
        pb::TicketStatus::Open => TicketStatus::Open,
        pb::TicketStatus::InProgress => TicketStatus::InProgress,
        pb::TicketStatus::WaitingOnClient => TicketStatus::WaitingOnClient,
        pb::TicketStatus::Resolved => TicketStatus::Resolved,
        pb::TicketStatus::Closed => TicketStatus::Closed,
    })
}

/// The proto value of a status kind.
pub(crate) fn status_to_pb(s: TicketStatus) -> pb::TicketStatus {
    status_pb(s)
}

/// The writable fields of a proto ticket (not yet normalised); unknown enum numbers and
/// malformed ids are INVALID_ARGUMENT naming `ticket.<field>`.
pub fn ticket_fields(t: pb::Ticket) -> Result<TicketFields, DomainError> {
    let mut v = Validator::new();
    let status = match pb::TicketStatus::try_from(t.status) {
        Ok(pb::TicketStatus::Unspecified | pb::TicketStatus::New) => TicketStatus::New,
        Ok(pb::TicketStatus::Open) => TicketStatus::Open,
        Ok(pb::TicketStatus::InProgress) => TicketStatus::InProgress,
        Ok(pb::TicketStatus::WaitingOnClient) => TicketStatus::WaitingOnClient,
        Ok(pb::TicketStatus::Resolved) => TicketStatus::Resolved,
        Ok(pb::TicketStatus::Closed) => TicketStatus::Closed,
        Err(_) => {
            v.push("ticket.status", "unknown value");
            TicketStatus::New
        }
    };
    let priority = match pb::TicketPriority::try_from(t.priority) {
        Ok(pb::TicketPriority::Unspecified | pb::TicketPriority::Medium) => TicketPriority::Medium,
        Ok(pb::TicketPriority::Low) => TicketPriority::Low,
        Ok(pb::TicketPriority::High) => TicketPriority::High,
        Ok(pb::TicketPriority::Critical) => TicketPriority::Critical,
        Err(_) => {
            v.push("ticket.priority", "unknown value");
            TicketPriority::Medium
        }
    };
    let source = match pb::TicketSource::try_from(t.source) {
        Ok(pb::TicketSource::Unspecified | pb::TicketSource::Api) => TicketSource::Api,
        Ok(pb::TicketSource::Portal) => TicketSource::Portal,
        Ok(pb::TicketSource::Email) => TicketSource::Email,
        Ok(pb::TicketSource::Phone) => TicketSource::Phone,
        Ok(pb::TicketSource::Chat) => TicketSource::Chat,
        Ok(pb::TicketSource::Rmm) => TicketSource::Rmm,
        Err(_) => {
            v.push("ticket.source", "unknown value");
            TicketSource::Api
        }
    };
    let company_id = v.optional_uuid("ticket.company_id", &t.company_id).unwrap_or_default();
    let contact_id = v.optional_uuid("ticket.contact_id", &t.contact_id);
    let assignee_id = v.optional_uuid("ticket.assignee_id", &t.assignee_id);
    let custom_fields = match t.custom_fields.as_ref().map(struct_to_json) {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let links = TicketLinks {
        status_id: v.optional_uuid("ticket.status_id", &t.status_id),
        queue_id: v.optional_uuid("ticket.queue_id", &t.queue_id),
        type_id: v.optional_uuid("ticket.type_id", &t.type_id),
        category_id: v.optional_uuid("ticket.category_id", &t.category_id),
        team_id: v.optional_uuid("ticket.team_id", &t.team_id),
        contract_id: v.optional_uuid("ticket.contract_id", &t.contract_id),
        asset_id: v.optional_uuid("ticket.asset_id", &t.asset_id),
        project_id: v.optional_uuid("ticket.project_id", &t.project_id),
        custom_fields,
    };
    v.finish()?;
    Ok(TicketFields {
        title: t.title,
        description: t.description,
        status,
        priority,
        source,
        company_id,
        contact_id,
        assignee_id,
        links,
    })
}

/// A note as its proto message.
pub fn note(n: &Note) -> pb::TicketNote {
    pb::TicketNote {
        id: n.id.to_string(),
        ticket_id: n.ticket_id.to_string(),
        body: n.body.clone(),
        visibility: match n.visibility {
            NoteVisibility::Internal => pb::NoteVisibility::Internal,
            NoteVisibility::Public => pb::NoteVisibility::Public,
        } as i32,
        author_id: n.author_id.to_string(),
        create_time: Some(timestamp(n.created_at)),
    }
}

/// The visibility of a proto note (default INTERNAL).
pub fn visibility(v: i32) -> Result<NoteVisibility, DomainError> {
    match pb::NoteVisibility::try_from(v) {
        Ok(pb::NoteVisibility::Unspecified | pb::NoteVisibility::Internal) => Ok(NoteVisibility::Internal),
        Ok(pb::NoteVisibility::Public) => Ok(NoteVisibility::Public),
        Err(_) => Err(DomainError::invalid("note.visibility", "unknown value")),
    }
}
