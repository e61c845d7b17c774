//! gRPC adapters for `psa.contracts.v1.ServiceCatalogService` and `ContractService`.

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::contracts::{
    self as pb, contract_service_server::ContractService, service_catalog_service_server::ServiceCatalogService,
};
use tonic::{Request, Response, Status};

use super::{Grpc, err};
use crate::proto::catalog as conv;
use crate::proto::saf as saf_conv;

fn mask(m: Option<prost_types::FieldMask>) -> Vec<String> {
    m.map(|m| m.paths).unwrap_or_default()
}

/// An entity's `custom_fields` as JSON (an empty object when absent).
fn custom_values(s: Option<&prost_types::Struct>) -> serde_json::Value {
    s.map_or_else(|| serde_json::json!({}), psa_kit::convert::struct_to_json)
}

/// Splits `custom_fields` off an update mask: the new values when the mask names them, and
/// the rest of the mask.
fn split_custom(mask: Vec<String>, s: Option<&prost_types::Struct>) -> (Option<serde_json::Value>, Vec<String>) {
    let values = mask.iter().any(|m| m == "custom_fields").then(|| custom_values(s));
    (values, mask.into_iter().filter(|m| m != "custom_fields").collect())
}

#[tonic::async_trait]
impl ServiceCatalogService for Grpc {
    async fn list_services(
        &self,
        req: Request<pb::ListServicesRequest>,
    ) -> Result<Response<pb::ListServicesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (services, next_page_token) = self.app.list_services(&p, &params, r.show_inactive).await?;
        Ok(Response::new(pb::ListServicesResponse {
            services: services.iter().map(conv::service).collect(),
            next_page_token,
        }))
    }

    async fn get_service(&self, req: Request<pb::GetServiceRequest>) -> Result<Response<pb::Service>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::service(&self.app.get_service(&p, id).await?)))
    }

    async fn create_service(&self, req: Request<pb::CreateServiceRequest>) -> Result<Response<pb::Service>, Status> {
        let p = principal(&req)?;
        let s = req.into_inner().service.ok_or_else(|| err(DomainError::invalid("service", "is required")))?;
        let fields = conv::service_fields(s, None).map_err(err)?;
        Ok(Response::new(conv::service(&self.app.create_service(&p, fields).await?)))
    }

    async fn update_service(&self, req: Request<pb::UpdateServiceRequest>) -> Result<Response<pb::Service>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let s = r.service.ok_or_else(|| err(DomainError::invalid("service", "is required")))?;
        let id = parse_id("service.id", &s.id).map_err(err)?;
        let mask = mask(r.update_mask);
        let fields = conv::service_fields(s, Some(&mask)).map_err(err)?;
        Ok(Response::new(conv::service(&self.app.update_service(&p, id, fields, &mask).await?)))
    }

    async fn delete_service(&self, req: Request<pb::DeleteServiceRequest>) -> Result<Response<pb::Service>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::service(&self.app.archive_service(&p, id).await?)))
    }

    async fn list_scope_templates(
        &self,
        req: Request<pb::ListScopeTemplatesRequest>,
    ) -> Result<Response<pb::ListScopeTemplatesResponse>, Status> {
        let p = principal(&req)?;
        let id = parse_id("service_id", &req.get_ref().service_id).map_err(err)?;
        let templates = self.app.list_scope_templates(&p, id).await?;
        Ok(Response::new(pb::ListScopeTemplatesResponse { templates: templates.iter().map(conv::template).collect() }))
    }

    async fn create_scope_template(
        &self,
        req: Request<pb::CreateScopeTemplateRequest>,
    ) -> Result<Response<pb::ScopeTemplate>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("service_id", &r.service_id).map_err(err)?;
        let schema = r.schema.as_ref().ok_or_else(|| err(DomainError::invalid("schema", "is required")))?;
        let t = self.app.create_scope_template(&p, id, &conv::struct_json(Some(schema))).await?;
        Ok(Response::new(conv::template(&t)))
    }

    async fn get_scope_template(
        &self,
        req: Request<pb::GetScopeTemplateRequest>,
    ) -> Result<Response<pb::ScopeTemplate>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("service_id", &r.service_id).map_err(err)?;
        Ok(Response::new(conv::template(&self.app.get_scope_template(&p, id, r.version).await?)))
    }
}

impl Grpc {
    async fn contracts_page(
        &self,
        req: Request<pb::ListContractsRequest>,
    ) -> Result<Response<pb::ListContractsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company =
            if r.company_id.is_empty() { None } else { Some(parse_id("company_id", &r.company_id).map_err(err)?) };
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (contracts, next_page_token) = self.app.list_contracts(&p, &params, company).await?;
        Ok(Response::new(pb::ListContractsResponse {
            contracts: contracts.iter().map(conv::contract).collect(),
            next_page_token,
        }))
    }
}

#[tonic::async_trait]
impl ContractService for Grpc {
    async fn list_contracts(
        &self,
        req: Request<pb::ListContractsRequest>,
    ) -> Result<Response<pb::ListContractsResponse>, Status> {
        self.contracts_page(req).await
    }

    async fn list_company_contracts(
        &self,
        req: Request<pb::ListContractsRequest>,
    ) -> Result<Response<pb::ListContractsResponse>, Status> {
        parse_id("company_id", &req.get_ref().company_id).map_err(err)?;
        self.contracts_page(req).await
    }

    async fn get_contract(&self, req: Request<pb::GetContractRequest>) -> Result<Response<pb::Contract>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::contract(&self.app.get_contract(&p, id).await?)))
    }

    async fn create_contract(&self, req: Request<pb::CreateContractRequest>) -> Result<Response<pb::Contract>, Status> {
        let p = principal(&req)?;
        let c = req.into_inner().contract.ok_or_else(|| err(DomainError::invalid("contract", "is required")))?;
        let values = custom_values(c.custom_fields.as_ref());
        let fields = conv::contract_fields(c, None).map_err(err)?;
        Ok(Response::new(conv::contract(&self.app.create_contract_with(&p, fields, values).await?)))
    }

    async fn update_contract(&self, req: Request<pb::UpdateContractRequest>) -> Result<Response<pb::Contract>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let c = r.contract.ok_or_else(|| err(DomainError::invalid("contract", "is required")))?;
        let id = parse_id("contract.id", &c.id).map_err(err)?;
        let (values, mask) = split_custom(mask(r.update_mask), c.custom_fields.as_ref());
        let fields = conv::contract_fields(c, Some(&mask)).map_err(err)?;
        Ok(Response::new(conv::contract(&self.app.update_contract_with(&p, id, fields, &mask, values).await?)))
    }

    async fn renew_contract(&self, req: Request<pb::RenewContractRequest>) -> Result<Response<pb::Contract>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::contract(&self.app.renew_contract(&p, id).await?)))
    }

    async fn list_contract_items(
        &self,
        req: Request<pb::ListContractItemsRequest>,
    ) -> Result<Response<pb::ListServiceScopesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let params = ListParams { page_size: r.page_size, page_token: r.page_token, ..Default::default() };
        let (scopes, next_page_token) = self.app.list_scopes(&p, &params, Some(id)).await?;
        Ok(Response::new(pb::ListServiceScopesResponse {
            service_scopes: scopes.iter().map(conv::scope).collect(),
            next_page_token,
        }))
    }

    async fn create_contract_item(
        &self,
        req: Request<pb::CreateContractItemRequest>,
    ) -> Result<Response<pb::ServiceScope>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = parse_id("contract_id", &r.contract_id).map_err(err)?;
        let s = r.service_scope.ok_or_else(|| err(DomainError::invalid("service_scope", "is required")))?;
        let scope = conv::scope_request(s).map_err(err)?;
        Ok(Response::new(conv::scope(&self.app.create_scope(&p, id, scope).await?)))
    }

    async fn list_service_scopes(
        &self,
        req: Request<pb::ListServiceScopesRequest>,
    ) -> Result<Response<pb::ListServiceScopesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (scopes, next_page_token) = self.app.list_scopes(&p, &params, None).await?;
        Ok(Response::new(pb::ListServiceScopesResponse {
            service_scopes: scopes.iter().map(conv::scope).collect(),
            next_page_token,
        }))
    }

    async fn get_service_scope(
        &self,
        req: Request<pb::GetServiceScopeRequest>,
    ) -> Result<Response<pb::ServiceScope>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::scope(&self.app.get_scope(&p, id).await?)))
    }

    async fn update_service_scope(
        &self,
        req: Request<pb::UpdateServiceScopeRequest>,
    ) -> Result<Response<pb::ServiceScope>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let s = r.service_scope.ok_or_else(|| err(DomainError::invalid("service_scope", "is required")))?;
        let id = parse_id("service_scope.id", &s.id).map_err(err)?;
        let (values, mask) = split_custom(mask(r.update_mask), s.custom_fields.as_ref());
        let patch = conv::scope_patch(s, &mask).map_err(err)?;
        Ok(Response::new(conv::scope(&self.app.update_scope(&p, id, patch, &mask, values).await?)))
    }

    async fn list_safs(&self, req: Request<pb::ListSafsRequest>) -> Result<Response<pb::ListSafsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (safs, next_page_token) = self.app.list_safs(&p, &params).await?;
        Ok(Response::new(pb::ListSafsResponse { safs: safs.iter().map(saf_conv::saf).collect(), next_page_token }))
    }

    async fn get_saf(&self, req: Request<pb::GetSafRequest>) -> Result<Response<pb::Saf>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(saf_conv::saf(&self.app.get_saf(&p, id).await?)))
    }

    async fn create_saf(&self, req: Request<pb::CreateSafRequest>) -> Result<Response<pb::Saf>, Status> {
        let p = principal(&req)?;
        let s = req.into_inner().saf.ok_or_else(|| err(DomainError::invalid("saf", "is required")))?;
        let values = custom_values(s.custom_fields.as_ref());
        let fields = saf_conv::saf_fields(s, None).map_err(err)?;
        Ok(Response::new(saf_conv::saf(&self.app.create_saf(&p, fields, values).await?)))
    }

    async fn update_saf(&self, req: Request<pb::UpdateSafRequest>) -> Result<Response<pb::Saf>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let s = r.saf.ok_or_else(|| err(DomainError::invalid("saf", "is required")))?;
        let id = parse_id("saf.id", &s.id).map_err(err)?;
        let (values, mask) = split_custom(mask(r.update_mask), s.custom_fields.as_ref());
        let patch = saf_conv::saf_fields(s, Some(&mask)).map_err(err)?;
        Ok(Response::new(saf_conv::saf(&self.app.update_saf(&p, id, patch, &mask, values).await?)))
    }

    async fn list_cocs(&self, req: Request<pb::ListCocsRequest>) -> Result<Response<pb::ListCocsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (cocs, next_page_token) = self.app.list_cocs(&p, &params).await?;
        Ok(Response::new(pb::ListCocsResponse { cocs: cocs.iter().map(saf_conv::coc).collect(), next_page_token }))
    }

    async fn get_coc(&self, req: Request<pb::GetCocRequest>) -> Result<Response<pb::Coc>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(saf_conv::coc(&self.app.get_coc(&p, id).await?)))
    }

    async fn create_coc(&self, req: Request<pb::CreateCocRequest>) -> Result<Response<pb::Coc>, Status> {
        let p = principal(&req)?;
        let c = req.into_inner().coc.ok_or_else(|| err(DomainError::invalid("coc", "is required")))?;
        let values = custom_values(c.custom_fields.as_ref());
        let fields = saf_conv::coc_fields(c, None).map_err(err)?;
        Ok(Response::new(saf_conv::coc(&self.app.create_coc(&p, fields, values).await?)))
    }

    async fn update_coc(&self, req: Request<pb::UpdateCocRequest>) -> Result<Response<pb::Coc>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let c = r.coc.ok_or_else(|| err(DomainError::invalid("coc", "is required")))?;
        let id = parse_id("coc.id", &c.id).map_err(err)?;
        let (values, mask) = split_custom(mask(r.update_mask), c.custom_fields.as_ref());
        let patch = saf_conv::coc_fields(c, Some(&mask)).map_err(err)?;
        Ok(Response::new(saf_conv::coc(&self.app.update_coc(&p, id, patch, &mask, values).await?)))
    }
}
