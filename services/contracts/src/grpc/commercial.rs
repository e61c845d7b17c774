//! gRPC adapters for `psa.contracts.v1.ProposalService`, `RateCardService` and
//! `HourBalanceService`.

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::contracts::{
    self as pb, hour_balance_service_server::HourBalanceService, proposal_service_server::ProposalService,
    rate_card_service_server::RateCardService,
};
use tonic::{Request, Response, Status};

use super::{Grpc, err};
use crate::domain::proposal::ProposalStatus;
use crate::proto::commercial as conv;

fn mask(m: Option<prost_types::FieldMask>) -> Vec<String> {
    m.map(|m| m.paths).unwrap_or_default()
}

#[tonic::async_trait]
impl ProposalService for Grpc {
    async fn list_proposals(
        &self,
        req: Request<pb::ListProposalsRequest>,
    ) -> Result<Response<pb::ListProposalsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (proposals, next_page_token) = self.app.list_proposals(&p, &params, None).await?;
        Ok(Response::new(pb::ListProposalsResponse {
            proposals: proposals.iter().map(conv::proposal).collect(),
            next_page_token,
        }))
    }

    async fn list_company_proposals(
        &self,
        req: Request<pb::ListProposalsRequest>,
    ) -> Result<Response<pb::ListProposalsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (proposals, next_page_token) = self.app.list_proposals(&p, &params, Some(company)).await?;
        Ok(Response::new(pb::ListProposalsResponse {
            proposals: proposals.iter().map(conv::proposal).collect(),
            next_page_token,
        }))
    }

    async fn get_proposal(&self, req: Request<pb::GetProposalRequest>) -> Result<Response<pb::Proposal>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::proposal(&self.app.get_proposal(&p, id).await?)))
    }

    async fn create_proposal(&self, req: Request<pb::CreateProposalRequest>) -> Result<Response<pb::Proposal>, Status> {
        let p = principal(&req)?;
        let x = req.into_inner().proposal.ok_or_else(|| err(DomainError::invalid("proposal", "is required")))?;
        let fields = conv::proposal_fields(x, None).map_err(err)?;
        Ok(Response::new(conv::proposal(&self.app.create_proposal(&p, fields).await?)))
    }

    async fn update_proposal(&self, req: Request<pb::UpdateProposalRequest>) -> Result<Response<pb::Proposal>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let x = r.proposal.ok_or_else(|| err(DomainError::invalid("proposal", "is required")))?;
        let id = parse_id("proposal.id", &x.id).map_err(err)?;
        let mask = mask(r.update_mask);
        let patch = conv::proposal_fields(x, Some(&mask)).map_err(err)?;
        Ok(Response::new(conv::proposal(&self.app.update_proposal(&p, id, patch, &mask).await?)))
    }

    async fn list_proposal_versions(
        &self,
        req: Request<pb::ListProposalVersionsRequest>,
    ) -> Result<Response<pb::ListProposalVersionsResponse>, Status> {
        let p = principal(&req)?;
        let id = parse_id("proposal_id", &req.get_ref().proposal_id).map_err(err)?;
        let versions = self.app.list_proposal_versions(&p, id).await?;
        Ok(Response::new(pb::ListProposalVersionsResponse {
            versions: versions.iter().map(conv::proposal_version).collect(),
        }))
    }

    async fn submit_proposal(&self, req: Request<pb::SubmitProposalRequest>) -> Result<Response<pb::Proposal>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::proposal(&self.app.submit_proposal(&p, id).await?)))
    }

    async fn accept_proposal(&self, req: Request<pb::AcceptProposalRequest>) -> Result<Response<pb::Proposal>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let out = self.app.decide_proposal(&p, id, ProposalStatus::Accepted, &r.reason, r.activate_scope).await?;
        Ok(Response::new(conv::proposal(&out)))
    }

    async fn reject_proposal(&self, req: Request<pb::RejectProposalRequest>) -> Result<Response<pb::Proposal>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let out = self.app.decide_proposal(&p, id, ProposalStatus::Rejected, &r.reason, false).await?;
        Ok(Response::new(conv::proposal(&out)))
    }
}

#[tonic::async_trait]
impl RateCardService for Grpc {
    async fn list_rate_cards(
        &self,
        req: Request<pb::ListRateCardsRequest>,
    ) -> Result<Response<pb::ListRateCardsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (cards, next_page_token) = self.app.list_rate_cards(&p, &params).await?;
        Ok(Response::new(pb::ListRateCardsResponse {
            rate_cards: cards.iter().map(conv::rate_card).collect(),
            next_page_token,
        }))
    }

    async fn get_rate_card(&self, req: Request<pb::GetRateCardRequest>) -> Result<Response<pb::RateCard>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::rate_card(&self.app.get_rate_card(&p, id).await?)))
    }

    async fn create_rate_card(
        &self,
        req: Request<pb::CreateRateCardRequest>,
    ) -> Result<Response<pb::RateCard>, Status> {
        let p = principal(&req)?;
        let c = req.into_inner().rate_card.ok_or_else(|| err(DomainError::invalid("rate_card", "is required")))?;
        let fields = conv::rate_card_fields(c, None).map_err(err)?;
        Ok(Response::new(conv::rate_card(&self.app.create_rate_card(&p, fields).await?)))
    }

    async fn update_rate_card(
        &self,
        req: Request<pb::UpdateRateCardRequest>,
    ) -> Result<Response<pb::RateCard>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let c = r.rate_card.ok_or_else(|| err(DomainError::invalid("rate_card", "is required")))?;
        let id = parse_id("rate_card.id", &c.id).map_err(err)?;
        let mask = mask(r.update_mask);
        let patch = conv::rate_card_fields(c, Some(&mask)).map_err(err)?;
        Ok(Response::new(conv::rate_card(&self.app.update_rate_card(&p, id, patch, &mask).await?)))
    }

    async fn delete_rate_card(
        &self,
        req: Request<pb::DeleteRateCardRequest>,
    ) -> Result<Response<pb::RateCard>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::rate_card(&self.app.delete_rate_card(&p, id).await?)))
    }

    async fn get_contract_rate_card(
        &self,
        req: Request<pb::GetContractRateCardRequest>,
    ) -> Result<Response<pb::RateCard>, Status> {
        let p = principal(&req)?;
        let id = parse_id("contract_id", &req.get_ref().contract_id).map_err(err)?;
        Ok(Response::new(conv::rate_card(&self.app.contract_rate_card(&p, id).await?)))
    }
}

#[tonic::async_trait]
impl HourBalanceService for Grpc {
    async fn get_hour_balance(
        &self,
        req: Request<pb::GetHourBalanceRequest>,
    ) -> Result<Response<pb::HourBalance>, Status> {
        let p = principal(&req)?;
        let id = parse_id("contract_id", &req.get_ref().contract_id).map_err(err)?;
        Ok(Response::new(conv::hour_balance(&self.app.hour_balance(&p, id).await?)))
    }

    async fn set_hour_balance_policy(
        &self,
        req: Request<pb::SetHourBalancePolicyRequest>,
    ) -> Result<Response<pb::HourBalance>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let policy = r.policy.ok_or_else(|| err(DomainError::invalid("policy", "is required")))?;
        let policy = conv::hour_policy_fields(policy).map_err(err)?;
        Ok(Response::new(conv::hour_balance(&self.app.set_hour_policy(&p, id, policy).await?)))
    }
}
