//! gRPC adapters for `psa.contracts.v1.SiteService`, `CompanyNoteService`,
//! `CompanyAttachmentService`, `TeamAssignmentService` and `CompanyOverviewService`.

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::contracts::{
    self as pb, company_attachment_service_server::CompanyAttachmentService,
    company_note_service_server::CompanyNoteService, company_overview_service_server::CompanyOverviewService,
    site_service_server::SiteService, team_assignment_service_server::TeamAssignmentService,
};
use tonic::{Request, Response, Status};

use super::{Grpc, err};
use crate::domain::attachment::AttachedTo;
use crate::proto::{self as conv, clients as c};

fn sites_response((sites, next_page_token): (Vec<crate::domain::site::Site>, String)) -> pb::ListSitesResponse {
    pb::ListSitesResponse { sites: sites.iter().map(c::site).collect(), next_page_token }
}

#[tonic::async_trait]
impl SiteService for Grpc {
    async fn list_sites(&self, req: Request<pb::ListSitesRequest>) -> Result<Response<pb::ListSitesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        Ok(Response::new(sites_response(self.app.list_sites(&p, &params, None).await?)))
    }

    async fn list_company_sites(
        &self,
        req: Request<pb::ListSitesRequest>,
    ) -> Result<Response<pb::ListSitesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        Ok(Response::new(sites_response(self.app.list_sites(&p, &params, Some(company)).await?)))
    }

    async fn get_site(&self, req: Request<pb::GetSiteRequest>) -> Result<Response<pb::Site>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(c::site(&self.app.get_site(&p, id).await?)))
    }

    async fn create_site(&self, req: Request<pb::CreateSiteRequest>) -> Result<Response<pb::Site>, Status> {
        let p = principal(&req)?;
        let s = req.into_inner().site.ok_or_else(|| err(DomainError::invalid("site", "is required")))?;
        let fields = c::site_fields(s, true).map_err(err)?;
        Ok(Response::new(c::site(&self.app.create_site(&p, fields).await?)))
    }

    async fn update_site(&self, req: Request<pb::UpdateSiteRequest>) -> Result<Response<pb::Site>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let s = r.site.ok_or_else(|| err(DomainError::invalid("site", "is required")))?;
        let id = parse_id("site.id", &s.id).map_err(err)?;
        let mask = r.update_mask.map(|m| m.paths).unwrap_or_default();
        let fields = c::site_fields(s, false).map_err(err)?;
        Ok(Response::new(c::site(&self.app.update_site(&p, id, fields, &mask).await?)))
    }

    async fn delete_site(
        &self,
        req: Request<pb::DeleteSiteRequest>,
    ) -> Result<Response<pb::DeleteSiteResponse>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        self.app.delete_site(&p, id).await?;
        Ok(Response::new(pb::DeleteSiteResponse {}))
    }
}

#[tonic::async_trait]
impl CompanyNoteService for Grpc {
    async fn list_company_notes(
        &self,
        req: Request<pb::ListCompanyNotesRequest>,
    ) -> Result<Response<pb::ListCompanyNotesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let params = ListParams { page_size: r.page_size, page_token: r.page_token, ..Default::default() };
        let (notes, next_page_token) = self.app.list_notes(&p, company, &params).await?;
        Ok(Response::new(pb::ListCompanyNotesResponse { notes: notes.iter().map(c::note).collect(), next_page_token }))
    }

    async fn create_company_note(
        &self,
        req: Request<pb::CreateCompanyNoteRequest>,
    ) -> Result<Response<pb::CompanyNote>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        Ok(Response::new(c::note(&self.app.create_note(&p, company, &r.body).await?)))
    }
}

#[tonic::async_trait]
impl CompanyAttachmentService for Grpc {
    async fn upload_company_attachment(
        &self,
        req: Request<pb::UploadCompanyAttachmentRequest>,
    ) -> Result<Response<pb::CompanyAttachment>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let a = self.app.upload_attachment(&p, AttachedTo::Company(company), &r.file_name, r.content).await?;
        Ok(Response::new(c::attachment(&a)))
    }

    async fn list_company_attachments(
        &self,
        req: Request<pb::ListCompanyAttachmentsRequest>,
    ) -> Result<Response<pb::ListCompanyAttachmentsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let params = ListParams { page_size: r.page_size, page_token: r.page_token, ..Default::default() };
        let (attachments, next_page_token) =
            self.app.list_attachments(&p, AttachedTo::Company(company), &params).await?;
        Ok(Response::new(pb::ListCompanyAttachmentsResponse {
            attachments: attachments.iter().map(c::attachment).collect(),
            next_page_token,
        }))
    }

    async fn get_company_attachment_content(
        &self,
        req: Request<pb::GetCompanyAttachmentContentRequest>,
    ) -> Result<Response<pb::CompanyAttachmentContent>, Status> {
        let p = principal(&req)?;
        let r = req.get_ref();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let id = parse_id("id", &r.id).map_err(err)?;
        let (a, content) = self.app.attachment_content(&p, AttachedTo::Company(company), id).await?;
        Ok(Response::new(pb::CompanyAttachmentContent { attachment: Some(c::attachment(&a)), content }))
    }

    async fn delete_company_attachment(
        &self,
        req: Request<pb::DeleteCompanyAttachmentRequest>,
    ) -> Result<Response<pb::DeleteCompanyAttachmentResponse>, Status> {
        let p = principal(&req)?;
        let r = req.get_ref();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let id = parse_id("id", &r.id).map_err(err)?;
        self.app.delete_attachment(&p, AttachedTo::Company(company), id).await?;
        Ok(Response::new(pb::DeleteCompanyAttachmentResponse {}))
    }

    async fn upload_contract_attachment(
        &self,
        req: Request<pb::UploadContractAttachmentRequest>,
    ) -> Result<Response<pb::CompanyAttachment>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let contract = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let a = self.app.upload_attachment(&p, AttachedTo::Contract(contract), &r.file_name, r.content).await?;
        Ok(Response::new(c::attachment(&a)))
    }

    async fn list_contract_attachments(
        &self,
        req: Request<pb::ListContractAttachmentsRequest>,
    ) -> Result<Response<pb::ListCompanyAttachmentsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let contract = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let params = ListParams { page_size: r.page_size, page_token: r.page_token, ..Default::default() };
        let (attachments, next_page_token) =
            self.app.list_attachments(&p, AttachedTo::Contract(contract), &params).await?;
        Ok(Response::new(pb::ListCompanyAttachmentsResponse {
            attachments: attachments.iter().map(c::attachment).collect(),
            next_page_token,
        }))
    }

    async fn get_contract_attachment_content(
        &self,
        req: Request<pb::GetContractAttachmentContentRequest>,
    ) -> Result<Response<pb::CompanyAttachmentContent>, Status> {
        let p = principal(&req)?;
        let r = req.get_ref();
        let contract = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let id = parse_id("id", &r.id).map_err(err)?;
        let (a, content) = self.app.attachment_content(&p, AttachedTo::Contract(contract), id).await?;
        Ok(Response::new(pb::CompanyAttachmentContent { attachment: Some(c::attachment(&a)), content }))
    }

    async fn delete_contract_attachment(
        &self,
        req: Request<pb::DeleteContractAttachmentRequest>,
    ) -> Result<Response<pb::DeleteCompanyAttachmentResponse>, Status> {
        let p = principal(&req)?;
        let r = req.get_ref();
        let contract = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let id = parse_id("id", &r.id).map_err(err)?;
        self.app.delete_attachment(&p, AttachedTo::Contract(contract), id).await?;
        Ok(Response::new(pb::DeleteCompanyAttachmentResponse {}))
    }
}

#[tonic::async_trait]
impl TeamAssignmentService for Grpc {
    async fn list_team_assignments(
        &self,
        req: Request<pb::ListTeamAssignmentsRequest>,
    ) -> Result<Response<pb::ListTeamAssignmentsResponse>, Status> {
        let p = principal(&req)?;
        let company = parse_id("company_id", &req.get_ref().company_id).map_err(err)?;
        let team = self.app.list_team(&p, company).await?;
        Ok(Response::new(pb::ListTeamAssignmentsResponse {
            team_assignments: team.iter().map(c::team_assignment).collect(),
        }))
    }

    async fn create_team_assignment(
        &self,
        req: Request<pb::CreateTeamAssignmentRequest>,
    ) -> Result<Response<pb::TeamAssignment>, Status> {
        let p = principal(&req)?;
        let a = req
            .into_inner()
            .team_assignment
            .ok_or_else(|| err(DomainError::invalid("team_assignment", "is required")))?;
        let mut v = psa_core::validate::Validator::new();
        let company = v.uuid("team_assignment.company_id", &a.company_id);
        let user = v.uuid("team_assignment.user_id", &a.user_id);
        let role = c::parse_team_role(a.role, "team_assignment.role").map_err(|e| match e {
            DomainError::Invalid(fs) => fs,
            _ => Vec::new(),
        });
        if let Err(fs) = &role {
            for f in fs {
                v.push(f.field.clone(), f.description.clone());
            }
        }
        v.finish().map_err(err)?;
        let (Some(company), Some(user), Ok(role)) = (company, user, role) else {
            return Err(err(DomainError::invalid("team_assignment", "is invalid")));
        };
        Ok(Response::new(c::team_assignment(&self.app.assign_team_member(&p, company, user, role).await?)))
    }

    async fn delete_team_assignment(
        &self,
        req: Request<pb::DeleteTeamAssignmentRequest>,
    ) -> Result<Response<pb::DeleteTeamAssignmentResponse>, Status> {
        let p = principal(&req)?;
        let company = parse_id("company_id", &req.get_ref().company_id).map_err(err)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        self.app.remove_team_member(&p, company, id).await?;
        Ok(Response::new(pb::DeleteTeamAssignmentResponse {}))
    }
}

#[tonic::async_trait]
impl CompanyOverviewService for Grpc {
    async fn list_company_activity(
        &self,
        req: Request<pb::ListCompanyActivityRequest>,
    ) -> Result<Response<pb::ListCompanyActivityResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, ..Default::default() };
        let (entries, next_page_token) = self.app.list_activity(&p, company, &params).await?;
        Ok(Response::new(pb::ListCompanyActivityResponse {
            activities: entries.iter().map(c::activity).collect(),
            next_page_token,
        }))
    }

    async fn get_company_overview(
        &self,
        req: Request<pb::GetCompanyOverviewRequest>,
    ) -> Result<Response<pb::CompanyOverview>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        let o = self.app.overview(&p, id).await?;
        Ok(Response::new(pb::CompanyOverview {
            company: o.company.as_ref().map(conv::company),
            parent: o.parent.as_ref().map(conv::company),
            children: o.children.iter().map(conv::company).collect(),
            contacts: o.contacts.iter().map(conv::contact).collect(),
            sites: o.sites.iter().map(c::site).collect(),
            contracts: o.contracts.iter().map(conv::catalog::contract).collect(),
            service_scopes: o.scopes.iter().map(conv::catalog::scope).collect(),
            safs: o.safs.iter().map(conv::saf::saf).collect(),
            cocs: o.cocs.iter().map(conv::saf::coc).collect(),
            team: o.team.iter().map(c::team_assignment).collect(),
            recent_activity: o.activity.iter().map(c::activity).collect(),
        }))
    }
}
