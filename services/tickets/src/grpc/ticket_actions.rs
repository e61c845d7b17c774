//! gRPC adapter for `psa.tickets.v1.TicketActionService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::DomainError;
use psa_core::validate::{Validator, parse_id};
use psa_kit::auth::principal;
use psa_kit::convert::timestamp;
use psa_proto::tickets::{self as pb, ticket_action_service_server::TicketActionService};
use tonic::{Request, Response};

use super::{Reply, err};
use crate::app::Tickets;
use crate::proto;

/// The ticket actions implementation.
pub struct TicketActionGrpc {
    pub app: Arc<Tickets>,
}

#[tonic::async_trait]
impl TicketActionService for TicketActionGrpc {
    async fn assign_ticket(&self, req: Request<pb::AssignTicketRequest>) -> Reply<pb::Ticket> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let mut v = Validator::new();
        let assignee = v.optional_uuid("assignee_id", &r.assignee_id);
        let team = r.team_id.as_deref().map(|t| v.optional_uuid("team_id", t));
        v.finish().map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.assign_ticket(&p, id, assignee, team).await?)))
    }

    async fn merge_ticket(&self, req: Request<pb::MergeTicketRequest>) -> Reply<pb::Ticket> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let target = parse_id("target_ticket_id", &r.target_ticket_id).map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.merge_ticket(&p, id, target).await?)))
    }

    async fn split_ticket(&self, req: Request<pb::SplitTicketRequest>) -> Reply<pb::Ticket> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let mut v = Validator::new();
        let mut notes = Vec::with_capacity(r.note_ids.len());
        for (i, n) in r.note_ids.iter().enumerate() {
            match uuid::Uuid::parse_str(n.trim()) {
                Ok(u) => notes.push(u),
                Err(_) => v.push(format!("note_ids[{i}]"), "must be a UUID"),
            }
        }
        v.finish().map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.split_ticket(&p, id, r.title, notes).await?)))
    }

    async fn set_ticket_parent(&self, req: Request<pb::SetTicketParentRequest>) -> Reply<pb::Ticket> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let mut v = Validator::new();
        let parent = v.optional_uuid("parent_ticket_id", &r.parent_ticket_id);
        v.finish().map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.set_ticket_parent(&p, id, parent).await?)))
    }

    async fn set_ticket_tags(&self, req: Request<pb::SetTicketTagsRequest>) -> Reply<pb::Ticket> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        Ok(Response::new(proto::ticket(&self.app.set_ticket_tags(&p, id, r.tags).await?)))
    }

    async fn list_ticket_activity(
        &self,
        req: Request<pb::ListTicketActivityRequest>,
    ) -> Reply<pb::ListTicketActivityResponse> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        if r.page_size < 0 || r.page_size > 200 {
            return Err(err(DomainError::invalid("page_size", "must be between 1 and 200")));
        }
        let limit = if r.page_size == 0 { 100 } else { i64::from(r.page_size) };
        let list = self.app.ticket_activity(&p, id, limit).await?;
        Ok(Response::new(pb::ListTicketActivityResponse {
            activities: list
                .into_iter()
                .map(|a| pb::TicketActivity {
                    id: a.id.to_string(),
                    actor_id: a.actor_id.map(|u| u.to_string()).unwrap_or_default(),
                    action: a.action,
                    field: a.field,
                    old_value: a.old_value,
                    new_value: a.new_value,
                    create_time: Some(timestamp(a.created_at)),
                    automation_rule_id: a.automation_rule_id.map(|u| u.to_string()).unwrap_or_default(),
                })
                .collect(),
        }))
    }
}
