//! gRPC adapters for `psa.contracts.v1.CompanyService` and `ContactService`: proto ⇄ domain,
//! errors → status. The catalog and contract services are in [`catalog`].

pub mod catalog;
pub mod clients;
pub mod commercial;
pub mod custom_fields;
pub mod imports;

use std::sync::Arc;

use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::contracts::{
    self as pb, company_service_server::CompanyService, contact_service_server::ContactService,
};
use tonic::{Request, Response, Status};

use crate::app::{Contracts, ImportMode};
use crate::domain::company::UPDATABLE;
use crate::proto;

/// The service implementation.
#[derive(Clone)]
pub struct Grpc {
    pub app: Arc<Contracts>,
}

fn err(e: impl Into<psa_kit::Error>) -> Status {
    e.into().into()
}

#[tonic::async_trait]
impl CompanyService for Grpc {
    async fn list_companies(
        &self,
        req: Request<pb::ListCompaniesRequest>,
    ) -> Result<Response<pb::ListCompaniesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (companies, next_page_token) = self.app.list_companies(&p, &params, None).await?;
        Ok(Response::new(pb::ListCompaniesResponse {
            companies: companies.iter().map(proto::company).collect(),
            next_page_token,
        }))
    }

    async fn list_child_companies(
        &self,
        req: Request<pb::ListCompaniesRequest>,
    ) -> Result<Response<pb::ListCompaniesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let parent = parse_id("parent_id", &r.parent_id).map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (companies, next_page_token) = self.app.list_companies(&p, &params, Some(parent)).await?;
        Ok(Response::new(pb::ListCompaniesResponse {
            companies: companies.iter().map(proto::company).collect(),
            next_page_token,
        }))
    }

    async fn change_company_status(
        &self,
        req: Request<pb::ChangeCompanyStatusRequest>,
    ) -> Result<Response<pb::Company>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let status = proto::parse_company_status(r.status, "status")
            .and_then(|s| s.ok_or_else(|| psa_core::DomainError::invalid("status", "is required")))
            .map_err(err)?;
        Ok(Response::new(proto::company(&self.app.change_company_status(&p, id, status, &r.reason).await?)))
    }

    async fn list_company_status_changes(
        &self,
        req: Request<pb::ListCompanyStatusChangesRequest>,
    ) -> Result<Response<pb::ListCompanyStatusChangesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let params = ListParams { page_size: r.page_size, page_token: r.page_token, ..Default::default() };
        let (changes, next_page_token) = self.app.list_status_changes(&p, company, &params).await?;
        Ok(Response::new(pb::ListCompanyStatusChangesResponse {
            status_changes: changes.iter().map(proto::clients::status_change).collect(),
            next_page_token,
        }))
    }

    async fn get_company(&self, req: Request<pb::GetCompanyRequest>) -> Result<Response<pb::Company>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::company(&self.app.get_company(&p, id).await?)))
    }

    async fn create_company(&self, req: Request<pb::CreateCompanyRequest>) -> Result<Response<pb::Company>, Status> {
        let p = principal(&req)?;
        let c =
            req.into_inner().company.ok_or_else(|| err(psa_core::DomainError::invalid("company", "is required")))?;
        let fields = proto::company_fields(c, "company.").map_err(err)?;
        Ok(Response::new(proto::company(&self.app.create_company(&p, fields).await?)))
    }

    async fn update_company(&self, req: Request<pb::UpdateCompanyRequest>) -> Result<Response<pb::Company>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let c = r.company.ok_or_else(|| err(psa_core::DomainError::invalid("company", "is required")))?;
        let id = parse_id("company.id", &c.id).map_err(err)?;
        let mask: Vec<String> = match r.update_mask {
            Some(m) if !m.paths.is_empty() => m.paths,
            // AIP-134: without a mask, every field with a non-default value.
            _ => {
                let d = pb::Company::default();
                let set = [
                    ("name", c.name != d.name),
                    ("company_type", c.company_type != 0),
                    ("status", c.status != 0),
                    ("industry", !c.industry.is_empty()),
                    ("company_size", c.company_size != 0),
                    ("source", !c.source.is_empty()),
                    ("website", !c.website.is_empty()),
                    ("phone", !c.phone.is_empty()),
                    ("email", !c.email.is_empty()),
                    ("address", c.address.is_some()),
                    ("notes", !c.notes.is_empty()),
                    ("tags", !c.tags.is_empty()),
                    ("custom_fields", c.custom_fields.is_some()),
                    ("parent_id", !c.parent_id.is_empty()),
                    ("lead_score", c.lead_score.is_some()),
                    ("estimated_deal_value", !c.estimated_deal_value.is_empty()),
                    ("deal_currency", !c.deal_currency.is_empty()),
                    ("first_interaction_date", !c.first_interaction_date.is_empty()),
                ];
                debug_assert_eq!(set.len(), UPDATABLE.len());
                set.iter().filter(|(_, s)| *s).map(|(n, _)| (*n).to_owned()).collect()
            }
        };
        let fields = proto::company_fields(c, "company.").map_err(err)?;
        Ok(Response::new(proto::company(&self.app.update_company(&p, id, fields, &mask).await?)))
    }

    async fn delete_company(&self, req: Request<pb::DeleteCompanyRequest>) -> Result<Response<pb::Company>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::company(&self.app.archive_company(&p, id).await?)))
    }

    async fn import_companies(
        &self,
        req: Request<pb::ImportCompaniesRequest>,
    ) -> Result<Response<pb::ImportCompaniesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mode = match pb::ImportMode::try_from(r.mode) {
            Ok(pb::ImportMode::ValidRows) => ImportMode::ValidRows,
            Ok(_) => ImportMode::AllOrNothing,
            Err(_) => return Err(err(psa_core::DomainError::invalid("mode", "unknown value"))),
        };
        let report = self.app.import_companies(&p, &r.csv, r.dry_run, mode).await?;
        Ok(Response::new(pb::ImportCompaniesResponse {
            total_rows: report.total_rows as i32,
            created_companies: report.created_companies as i32,
            created_contacts: report.created_contacts as i32,
            skipped_rows: report.skipped_rows as i32,
            errors: report
                .errors
                .into_iter()
                .map(|e| pb::ImportRowError { line: e.line as i32, field: e.field, message: e.message })
                .collect(),
            committed: report.committed,
            ignored_columns: report.ignored_columns,
        }))
    }
}

#[tonic::async_trait]
impl ContactService for Grpc {
    async fn list_contacts(
        &self,
        req: Request<pb::ListContactsRequest>,
    ) -> Result<Response<pb::ListContactsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (contacts, next_page_token) = self.app.list_contacts(&p, &params, None).await?;
        Ok(Response::new(pb::ListContactsResponse {
            contacts: contacts.iter().map(proto::contact).collect(),
            next_page_token,
        }))
    }

    async fn list_company_contacts(
        &self,
        req: Request<pb::ListContactsRequest>,
    ) -> Result<Response<pb::ListContactsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (contacts, next_page_token) = self.app.list_contacts(&p, &params, Some(company)).await?;
        Ok(Response::new(pb::ListContactsResponse {
            contacts: contacts.iter().map(proto::contact).collect(),
            next_page_token,
        }))
    }

    async fn merge_contact(&self, req: Request<pb::MergeContactRequest>) -> Result<Response<pb::Contact>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("id", &r.id).map_err(err)?;
        let target = parse_id("target_id", &r.target_id).map_err(err)?;
        Ok(Response::new(proto::contact(&self.app.merge_contact(&p, id, target).await?)))
    }

    async fn get_contact(&self, req: Request<pb::GetContactRequest>) -> Result<Response<pb::Contact>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::contact(&self.app.get_contact(&p, id).await?)))
    }

    async fn create_contact(&self, req: Request<pb::CreateContactRequest>) -> Result<Response<pb::Contact>, Status> {
        let p = principal(&req)?;
        let c =
            req.into_inner().contact.ok_or_else(|| err(psa_core::DomainError::invalid("contact", "is required")))?;
        let tags = c.tags.clone();
        let values = c.custom_fields.as_ref().map_or_else(|| serde_json::json!({}), psa_kit::convert::struct_to_json);
        let fields = proto::contact_fields(c).map_err(err)?;
        Ok(Response::new(proto::contact(&self.app.create_contact_with(&p, fields, tags, values).await?)))
    }

    async fn update_contact(&self, req: Request<pb::UpdateContactRequest>) -> Result<Response<pb::Contact>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let c = r.contact.ok_or_else(|| err(psa_core::DomainError::invalid("contact", "is required")))?;
        let id = parse_id("contact.id", &c.id).map_err(err)?;
        let mask = r.update_mask.map(|m| m.paths).unwrap_or_default();
        let patch = proto::contact_patch(c).map_err(err)?;
        Ok(Response::new(proto::contact(&self.app.update_contact(&p, id, patch, &mask).await?)))
    }

    async fn delete_contact(&self, req: Request<pb::DeleteContactRequest>) -> Result<Response<pb::Contact>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::contact(&self.app.delete_contact(&p, id).await?)))
    }
}
