//! gRPC adapter for `psa.tickets.v1.TicketService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::tickets::{self as pb, ticket_service_server::TicketService};
use tonic::{Request, Response, Status};

use crate::app::Tickets;
use crate::proto;

pub mod automation;
pub mod desk;
pub mod email;
pub mod kb;
pub mod sla;
pub mod templates;
pub mod ticket_actions;
pub mod time;

/// The service implementation.
pub struct Grpc {
    pub app: Arc<Tickets>,
}

/// A use-case error as a gRPC status (psa-kit's mapping: 400 with field violations, 404, …).
pub(crate) fn err(e: impl Into<psa_kit::Error>) -> Status {
    e.into().into()
}

/// `v`, or INVALID_ARGUMENT "is required" on `field` (a message field left out).
pub(crate) fn required<T>(v: Option<T>, field: &str) -> Result<T, Status> {
    v.ok_or_else(|| err(DomainError::invalid(field, "is required")))
}

/// What every RPC of the tickets services answers.
pub(crate) type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl TicketService for Grpc {
    async fn list_tickets(
        &self,
        req: Request<pb::ListTicketsRequest>,
    ) -> Result<Response<pb::ListTicketsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (tickets, next_page_token) = self.app.list_tickets(&p, &params).await?;
        Ok(Response::new(pb::ListTicketsResponse {
            tickets: tickets.iter().map(proto::ticket).collect(),
            next_page_token,
        }))
    }

    async fn get_ticket(&self, req: Request<pb::GetTicketRequest>) -> Result<Response<pb::Ticket>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.get_ticket(&p, id).await?)))
    }

    async fn create_ticket(&self, req: Request<pb::CreateTicketRequest>) -> Result<Response<pb::Ticket>, Status> {
        let p = principal(&req)?;
        let t = req.into_inner().ticket.ok_or_else(|| err(DomainError::invalid("ticket", "is required")))?;
        let fields = proto::ticket_fields(t).map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.create_ticket(&p, fields).await?)))
    }

    async fn update_ticket(&self, req: Request<pb::UpdateTicketRequest>) -> Result<Response<pb::Ticket>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let t = r.ticket.ok_or_else(|| err(DomainError::invalid("ticket", "is required")))?;
        let id = parse_id("ticket.id", &t.id).map_err(err)?;
        let mask: Vec<String> = match r.update_mask {
            Some(m) if !m.paths.is_empty() => m.paths,
            // AIP-134: without a mask, every field with a non-default value.
            _ => [
                ("title", !t.title.is_empty()),
                ("description", !t.description.is_empty()),
                ("status", t.status != 0),
                ("priority", t.priority != 0),
                ("source", t.source != 0),
                ("company_id", !t.company_id.is_empty()),
                ("contact_id", !t.contact_id.is_empty()),
                ("assignee_id", !t.assignee_id.is_empty()),
                ("status_id", !t.status_id.is_empty()),
                ("queue_id", !t.queue_id.is_empty()),
                ("type_id", !t.type_id.is_empty()),
                ("category_id", !t.category_id.is_empty()),
                ("team_id", !t.team_id.is_empty()),
                ("contract_id", !t.contract_id.is_empty()),
                ("asset_id", !t.asset_id.is_empty()),
                ("project_id", !t.project_id.is_empty()),
                ("custom_fields", t.custom_fields.as_ref().is_some_and(|c| !c.fields.is_empty())),
            ]
            .iter()
            .filter(|(_, set)| *set)
            .map(|(n, _)| (*n).to_owned())
            .collect(),
        };
        let fields = proto::ticket_fields(t).map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.update_ticket(&p, id, fields, &mask).await?)))
    }

    async fn list_ticket_notes(
        &self,
        req: Request<pb::ListTicketNotesRequest>,
    ) -> Result<Response<pb::ListTicketNotesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let ticket = parse_id("ticket_id", &r.ticket_id).map_err(err)?;
        let params = ListParams { page_size: r.page_size, page_token: r.page_token, ..Default::default() };
        let (notes, next_page_token) = self.app.list_notes(&p, ticket, &params).await?;
        Ok(Response::new(pb::ListTicketNotesResponse {
            notes: notes.iter().map(proto::note).collect(),
            next_page_token,
        }))
    }

    async fn create_ticket_note(
        &self,
        req: Request<pb::CreateTicketNoteRequest>,
    ) -> Result<Response<pb::TicketNote>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let ticket = parse_id("ticket_id", &r.ticket_id).map_err(err)?;
        let note = r.note.ok_or_else(|| err(DomainError::invalid("note", "is required")))?;
        let visibility = proto::visibility(note.visibility).map_err(err)?;
        Ok(Response::new(proto::note(&self.app.add_note(&p, ticket, note.body, visibility).await?)))
    }

    async fn list_ticket_attachments(
        &self,
        req: Request<pb::ListTicketAttachmentsRequest>,
    ) -> Result<Response<pb::ListTicketAttachmentsResponse>, Status> {
        let p = principal(&req)?;
        let ticket = parse_id("ticket_id", &req.get_ref().ticket_id).map_err(err)?;
        let list = self.app.list_attachments(&p, ticket).await?;
        Ok(Response::new(pb::ListTicketAttachmentsResponse {
            attachments: list.iter().map(proto::email::attachment).collect(),
        }))
    }
}
