//! gRPC adapter for `psa.tickets.v1.TicketSettingsService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::validate::{Validator, parse_id};
use psa_kit::auth::principal;
use psa_proto::tickets::{self as pb, ticket_settings_service_server::TicketSettingsService};
use tonic::{Request, Response};

use super::{Reply, err, required};
use crate::app::Tickets;
use crate::domain::desk::ItemKind;
use crate::proto::desk as conv;

/// The service-desk configuration implementation.
pub struct DeskGrpc {
    pub app: Arc<Tickets>,
}

#[tonic::async_trait]
impl TicketSettingsService for DeskGrpc {
    async fn list_ticket_statuses(
        &self,
        req: Request<pb::ListTicketStatusesRequest>,
    ) -> Reply<pb::ListTicketStatusesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_statuses(&p).await?;
        Ok(Response::new(pb::ListTicketStatusesResponse { ticket_statuses: list.iter().map(conv::status).collect() }))
    }

    async fn create_ticket_status(
        &self,
        req: Request<pb::CreateTicketStatusRequest>,
    ) -> Reply<pb::TicketStatusDefinition> {
        let p = principal(&req)?;
        let f = conv::status_fields(required(req.into_inner().ticket_status, "ticket_status")?).map_err(err)?;
        Ok(Response::new(conv::status(&self.app.create_status(&p, f).await?)))
    }

    async fn update_ticket_status(
        &self,
        req: Request<pb::UpdateTicketStatusRequest>,
    ) -> Reply<pb::TicketStatusDefinition> {
        let p = principal(&req)?;
        let s = required(req.into_inner().ticket_status, "ticket_status")?;
        let id = parse_id("ticket_status.id", &s.id).map_err(err)?;
        let f = conv::status_fields(s).map_err(err)?;
        Ok(Response::new(conv::status(&self.app.update_status(&p, id, f).await?)))
    }

    async fn list_ticket_priorities(
        &self,
        req: Request<pb::ListTicketPrioritiesRequest>,
    ) -> Reply<pb::ListTicketPrioritiesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_priorities(&p).await?;
        Ok(Response::new(pb::ListTicketPrioritiesResponse {
            ticket_priorities: list.iter().map(conv::priority).collect(),
        }))
    }

    async fn update_ticket_priority(
        &self,
        req: Request<pb::UpdateTicketPriorityRequest>,
    ) -> Reply<pb::TicketPriorityDefinition> {
        let p = principal(&req)?;
        let d = conv::priority_def(required(req.into_inner().ticket_priority, "ticket_priority")?).map_err(err)?;
        Ok(Response::new(conv::priority(&self.app.update_priority(&p, d).await?)))
    }

    async fn list_ticket_queues(
        &self,
        req: Request<pb::ListTicketQueuesRequest>,
    ) -> Reply<pb::ListTicketQueuesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_items(&p, ItemKind::Queue).await?;
        Ok(Response::new(pb::ListTicketQueuesResponse { ticket_queues: list.iter().map(conv::queue).collect() }))
    }

    async fn create_ticket_queue(&self, req: Request<pb::CreateTicketQueueRequest>) -> Reply<pb::TicketQueue> {
        let p = principal(&req)?;
        let q = required(req.into_inner().ticket_queue, "ticket_queue")?;
        let f = conv::item_fields(q.name, q.description, &q.default_team_id, "ticket_queue.default_team_id", q.active)
            .map_err(err)?;
        Ok(Response::new(conv::queue(&self.app.create_item(&p, ItemKind::Queue, f).await?)))
    }

    async fn update_ticket_queue(&self, req: Request<pb::UpdateTicketQueueRequest>) -> Reply<pb::TicketQueue> {
        let p = principal(&req)?;
        let q = required(req.into_inner().ticket_queue, "ticket_queue")?;
        let id = parse_id("ticket_queue.id", &q.id).map_err(err)?;
        let f = conv::item_fields(q.name, q.description, &q.default_team_id, "ticket_queue.default_team_id", q.active)
            .map_err(err)?;
        Ok(Response::new(conv::queue(&self.app.update_item(&p, ItemKind::Queue, id, f).await?)))
    }

    async fn list_ticket_types(&self, req: Request<pb::ListTicketTypesRequest>) -> Reply<pb::ListTicketTypesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_items(&p, ItemKind::Type).await?;
        Ok(Response::new(pb::ListTicketTypesResponse { ticket_types: list.iter().map(conv::ticket_type).collect() }))
    }

    async fn create_ticket_type(&self, req: Request<pb::CreateTicketTypeRequest>) -> Reply<pb::TicketType> {
        let p = principal(&req)?;
        let t = required(req.into_inner().ticket_type, "ticket_type")?;
        let f = conv::item_fields(t.name, t.description, "", "", t.active).map_err(err)?;
        Ok(Response::new(conv::ticket_type(&self.app.create_item(&p, ItemKind::Type, f).await?)))
    }

    async fn update_ticket_type(&self, req: Request<pb::UpdateTicketTypeRequest>) -> Reply<pb::TicketType> {
        let p = principal(&req)?;
        let t = required(req.into_inner().ticket_type, "ticket_type")?;
        let id = parse_id("ticket_type.id", &t.id).map_err(err)?;
        let f = conv::item_fields(t.name, t.description, "", "", t.active).map_err(err)?;
        Ok(Response::new(conv::ticket_type(&self.app.update_item(&p, ItemKind::Type, id, f).await?)))
    }

    async fn list_ticket_categories(
        &self,
        req: Request<pb::ListTicketCategoriesRequest>,
    ) -> Reply<pb::ListTicketCategoriesResponse> {
        let p = principal(&req)?;
        let list = self.app.list_items(&p, ItemKind::Category).await?;
        Ok(Response::new(pb::ListTicketCategoriesResponse {
            ticket_categories: list.iter().map(conv::category).collect(),
        }))
    }

    async fn create_ticket_category(&self, req: Request<pb::CreateTicketCategoryRequest>) -> Reply<pb::TicketCategory> {
        let p = principal(&req)?;
        let c = required(req.into_inner().ticket_category, "ticket_category")?;
        let f = conv::item_fields(c.name, c.description, &c.parent_id, "ticket_category.parent_id", c.active)
            .map_err(err)?;
        Ok(Response::new(conv::category(&self.app.create_item(&p, ItemKind::Category, f).await?)))
    }

    async fn update_ticket_category(&self, req: Request<pb::UpdateTicketCategoryRequest>) -> Reply<pb::TicketCategory> {
        let p = principal(&req)?;
        let c = required(req.into_inner().ticket_category, "ticket_category")?;
        let id = parse_id("ticket_category.id", &c.id).map_err(err)?;
        let f = conv::item_fields(c.name, c.description, &c.parent_id, "ticket_category.parent_id", c.active)
            .map_err(err)?;
        Ok(Response::new(conv::category(&self.app.update_item(&p, ItemKind::Category, id, f).await?)))
    }

    async fn list_teams(&self, req: Request<pb::ListTeamsRequest>) -> Reply<pb::ListTeamsResponse> {
        let p = principal(&req)?;
        let list = self.app.list_teams(&p).await?;
        Ok(Response::new(pb::ListTeamsResponse { teams: list.iter().map(conv::team).collect() }))
    }

    async fn create_team(&self, req: Request<pb::CreateTeamRequest>) -> Reply<pb::Team> {
        let p = principal(&req)?;
        let f = conv::team_fields(required(req.into_inner().team, "team")?).map_err(err)?;
        Ok(Response::new(conv::team(&self.app.create_team(&p, f).await?)))
    }

    async fn update_team(&self, req: Request<pb::UpdateTeamRequest>) -> Reply<pb::Team> {
        let p = principal(&req)?;
        let t = required(req.into_inner().team, "team")?;
        let id = parse_id("team.id", &t.id).map_err(err)?;
        let f = conv::team_fields(t).map_err(err)?;
        Ok(Response::new(conv::team(&self.app.update_team(&p, id, f).await?)))
    }

    async fn list_ticket_custom_fields(
        &self,
        req: Request<pb::ListTicketCustomFieldsRequest>,
    ) -> Reply<pb::ListTicketCustomFieldsResponse> {
        let p = principal(&req)?;
        let list = self.app.list_custom_fields(&p).await?;
        Ok(Response::new(pb::ListTicketCustomFieldsResponse {
            custom_fields: list.iter().map(conv::custom_field).collect(),
        }))
    }

    async fn create_ticket_custom_field(
        &self,
        req: Request<pb::CreateTicketCustomFieldRequest>,
    ) -> Reply<pb::TicketCustomField> {
        let p = principal(&req)?;
        let f = conv::custom_field_fields(required(req.into_inner().custom_field, "custom_field")?).map_err(err)?;
        Ok(Response::new(conv::custom_field(&self.app.create_custom_field(&p, f).await?)))
    }

    async fn update_ticket_custom_field(
        &self,
        req: Request<pb::UpdateTicketCustomFieldRequest>,
    ) -> Reply<pb::TicketCustomField> {
        let p = principal(&req)?;
        let d = required(req.into_inner().custom_field, "custom_field")?;
        let id = parse_id("custom_field.id", &d.id).map_err(err)?;
        let f = conv::custom_field_fields(d).map_err(err)?;
        Ok(Response::new(conv::custom_field(&self.app.update_custom_field(&p, id, f).await?)))
    }

    async fn get_contract_sla_policy(
        &self,
        req: Request<pb::GetContractSlaPolicyRequest>,
    ) -> Reply<pb::ContractSlaPolicy> {
        let p = principal(&req)?;
        let contract = parse_id("contract_id", &req.get_ref().contract_id).map_err(err)?;
        let policy = self.app.contract_policy(&p, contract).await?;
        Ok(Response::new(pb::ContractSlaPolicy {
            contract_id: contract.to_string(),
            policy_id: policy.map(|u| u.to_string()).unwrap_or_default(),
        }))
    }

    async fn set_contract_sla_policy(
        &self,
        req: Request<pb::SetContractSlaPolicyRequest>,
    ) -> Reply<pb::ContractSlaPolicy> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let contract = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let mut v = Validator::new();
        let policy = v.optional_uuid("policy_id", &r.policy_id);
        v.finish().map_err(err)?;
        let policy = self.app.set_contract_policy(&p, contract, policy).await?;
        Ok(Response::new(pb::ContractSlaPolicy {
            contract_id: contract.to_string(),
            policy_id: policy.map(|u| u.to_string()).unwrap_or_default(),
        }))
    }
}
