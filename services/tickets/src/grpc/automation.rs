//! gRPC adapter for `psa.tickets.v1.TicketAutomationService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::tickets::{self as pb, ticket_automation_service_server::TicketAutomationService};
use tonic::{Request, Response, Status};

use super::err;
use crate::app::Tickets;
use crate::proto::automation as conv;

/// The automation service implementation.
pub struct AutomationGrpc {
    pub app: Arc<Tickets>,
}

#[tonic::async_trait]
impl TicketAutomationService for AutomationGrpc {
    async fn list_ticket_automation_rules(
        &self,
        req: Request<pb::ListTicketAutomationRulesRequest>,
    ) -> Result<Response<pb::ListTicketAutomationRulesResponse>, Status> {
        let p = principal(&req)?;
        let trigger = conv::trigger(req.get_ref().trigger);
        let rules = self.app.list_automation_rules(&p, trigger).await?;
        Ok(Response::new(pb::ListTicketAutomationRulesResponse { rules: rules.iter().map(conv::rule).collect() }))
    }

    async fn get_ticket_automation_rule(
        &self,
        req: Request<pb::GetTicketAutomationRuleRequest>,
    ) -> Result<Response<pb::TicketAutomationRule>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::rule(&self.app.get_automation_rule(&p, id).await?)))
    }

    async fn create_ticket_automation_rule(
        &self,
        req: Request<pb::CreateTicketAutomationRuleRequest>,
    ) -> Result<Response<pb::TicketAutomationRule>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner().rule.ok_or_else(|| err(DomainError::invalid("rule", "is required")))?;
        let (f, secrets) = conv::rule_fields(r).map_err(err)?;
        Ok(Response::new(conv::rule(&self.app.create_automation_rule(&p, f, &secrets).await?)))
    }

    async fn update_ticket_automation_rule(
        &self,
        req: Request<pb::UpdateTicketAutomationRuleRequest>,
    ) -> Result<Response<pb::TicketAutomationRule>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner().rule.ok_or_else(|| err(DomainError::invalid("rule", "is required")))?;
        let id = parse_id("rule.id", &r.id).map_err(err)?;
        let (f, secrets) = conv::rule_fields(r).map_err(err)?;
        Ok(Response::new(conv::rule(&self.app.update_automation_rule(&p, id, f, &secrets).await?)))
    }

    async fn delete_ticket_automation_rule(
        &self,
        req: Request<pb::DeleteTicketAutomationRuleRequest>,
    ) -> Result<Response<pb::TicketAutomationRule>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::rule(&self.app.delete_automation_rule(&p, id).await?)))
    }

    async fn dry_run_ticket_automation_rule(
        &self,
        req: Request<pb::DryRunTicketAutomationRuleRequest>,
    ) -> Result<Response<pb::DryRunTicketAutomationRuleResponse>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        let ticket = parse_id("ticket_id", &req.get_ref().ticket_id).map_err(err)?;
        let d = self.app.dry_run_automation_rule(&p, id, ticket).await?;
        Ok(Response::new(pb::DryRunTicketAutomationRuleResponse {
            matched: d.evaluation.matched,
            conditions: d.evaluation.conditions.iter().map(conv::condition_result).collect(),
            actions: d.actions.iter().map(conv::action_result).collect(),
        }))
    }

    async fn list_ticket_automation_runs(
        &self,
        req: Request<pb::ListTicketAutomationRunsRequest>,
    ) -> Result<Response<pb::ListTicketAutomationRunsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("rule_id", &r.rule_id).map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: String::new() };
        let (runs, next_page_token) = self.app.list_automation_runs(&p, id, &params).await?;
        Ok(Response::new(pb::ListTicketAutomationRunsResponse {
            runs: runs.iter().map(conv::run).collect(),
            next_page_token,
        }))
    }
}
