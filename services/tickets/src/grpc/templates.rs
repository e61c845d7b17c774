//! gRPC adapter for `psa.tickets.v1.TicketTemplateService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::validate::{Validator, parse_id};
use psa_kit::auth::principal;
use psa_kit::convert::struct_to_json;
use psa_proto::tickets::{self as pb, ticket_template_service_server::TicketTemplateService};
use tonic::{Request, Response};

use super::{Reply, err, required};
use crate::app::Tickets;
use crate::proto;
use crate::proto::desk as conv;

/// The templates and canned responses implementation.
pub struct TemplateGrpc {
    pub app: Arc<Tickets>,
}

#[tonic::async_trait]
impl TicketTemplateService for TemplateGrpc {
    async fn list_ticket_templates(
        &self,
        req: Request<pb::ListTicketTemplatesRequest>,
    ) -> Reply<pb::ListTicketTemplatesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_templates(&p).await?;
        Ok(Response::new(pb::ListTicketTemplatesResponse {
            ticket_templates: list.iter().map(conv::template).collect(),
        }))
    }

    async fn create_ticket_template(&self, req: Request<pb::CreateTicketTemplateRequest>) -> Reply<pb::TicketTemplate> {
        let p = principal(&req)?;
        let f = conv::template_fields(required(req.into_inner().ticket_template, "ticket_template")?).map_err(err)?;
        Ok(Response::new(conv::template(&self.app.save_template(&p, None, f).await?)))
    }

    async fn update_ticket_template(&self, req: Request<pb::UpdateTicketTemplateRequest>) -> Reply<pb::TicketTemplate> {
        let p = principal(&req)?;
        let t = required(req.into_inner().ticket_template, "ticket_template")?;
        let id = parse_id("ticket_template.id", &t.id).map_err(err)?;
        let f = conv::template_fields(t).map_err(err)?;
        Ok(Response::new(conv::template(&self.app.save_template(&p, Some(id), f).await?)))
    }

    async fn create_ticket_from_template(
        &self,
        req: Request<pb::CreateTicketFromTemplateRequest>,
    ) -> Reply<pb::Ticket> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = Validator::new();
        let id = v.uuid("id", &r.id);
        let company = v.uuid("company_id", &r.company_id);
        let contact = v.optional_uuid("contact_id", &r.contact_id);
        v.finish().map_err(err)?;
        let custom = match r.custom_fields.as_ref().map(struct_to_json) {
            Some(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        let t = self
            .app
            .create_from_template(&p, id.unwrap_or_default(), company.unwrap_or_default(), contact, r.title, custom)
            .await?;
        Ok(Response::new(proto::ticket(&t)))
    }

    async fn list_canned_responses(
        &self,
        req: Request<pb::ListCannedResponsesRequest>,
    ) -> Reply<pb::ListCannedResponsesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_canned(&p).await?;
        Ok(Response::new(pb::ListCannedResponsesResponse { canned_responses: list.iter().map(conv::canned).collect() }))
    }

    async fn create_canned_response(&self, req: Request<pb::CreateCannedResponseRequest>) -> Reply<pb::CannedResponse> {
        let p = principal(&req)?;
        let f = conv::canned_fields(required(req.into_inner().canned_response, "canned_response")?);
        Ok(Response::new(conv::canned(&self.app.save_canned(&p, None, f).await?)))
    }

    async fn update_canned_response(&self, req: Request<pb::UpdateCannedResponseRequest>) -> Reply<pb::CannedResponse> {
        let p = principal(&req)?;
        let c = required(req.into_inner().canned_response, "canned_response")?;
        let id = parse_id("canned_response.id", &c.id).map_err(err)?;
        Ok(Response::new(conv::canned(&self.app.save_canned(&p, Some(id), conv::canned_fields(c)).await?)))
    }

    async fn render_canned_response(
        &self,
        req: Request<pb::RenderCannedResponseRequest>,
    ) -> Reply<pb::RenderCannedResponseResponse> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = Validator::new();
        let id = v.uuid("id", &r.id);
        let ticket = v.uuid("ticket_id", &r.ticket_id);
        v.finish().map_err(err)?;
        let body = self.app.render_canned(&p, id.unwrap_or_default(), ticket.unwrap_or_default()).await?;
        Ok(Response::new(pb::RenderCannedResponseResponse { body }))
    }
}

/// The ticket attachments implementation (uploads and downloads).
pub struct AttachmentGrpc {
    pub app: Arc<Tickets>,
}

#[tonic::async_trait]
impl psa_proto::tickets::ticket_attachment_service_server::TicketAttachmentService for AttachmentGrpc {
    async fn upload_ticket_attachment(
        &self,
        req: Request<pb::UploadTicketAttachmentRequest>,
    ) -> Reply<pb::TicketAttachment> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = Validator::new();
        let ticket = v.uuid("ticket_id", &r.ticket_id);
        let note = v.optional_uuid("note_id", &r.note_id);
        v.finish().map_err(err)?;
        let a = self.app.upload_attachment(&p, ticket.unwrap_or_default(), note, &r.file_name, r.content).await?;
        Ok(Response::new(proto::email::attachment(&a)))
    }

    async fn get_ticket_attachment_content(
        &self,
        req: Request<pb::GetTicketAttachmentContentRequest>,
    ) -> Reply<pb::TicketAttachmentContent> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = Validator::new();
        let ticket = v.uuid("ticket_id", &r.ticket_id);
        let id = v.uuid("id", &r.id);
        v.finish().map_err(err)?;
        let (a, content) = self.app.attachment_content(&p, ticket.unwrap_or_default(), id.unwrap_or_default()).await?;
        Ok(Response::new(pb::TicketAttachmentContent { attachment: Some(proto::email::attachment(&a)), content }))
    }

    async fn delete_ticket_attachment(
        &self,
        req: Request<pb::DeleteTicketAttachmentRequest>,
    ) -> Reply<pb::DeleteTicketAttachmentResponse> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = Validator::new();
        let ticket = v.uuid("ticket_id", &r.ticket_id);
        let id = v.uuid("id", &r.id);
        v.finish().map_err(err)?;
        self.app.delete_attachment(&p, ticket.unwrap_or_default(), id.unwrap_or_default()).await?;
        Ok(Response::new(pb::DeleteTicketAttachmentResponse {}))
    }
}
