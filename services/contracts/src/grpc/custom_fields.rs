//! gRPC adapter for `psa.contracts.v1.CustomFieldDefinitionService`.

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::contracts::{self as pb, custom_field_definition_service_server::CustomFieldDefinitionService};
use tonic::{Request, Response, Status};

use super::{Grpc, err};
use crate::proto::custom_fields as conv;

#[tonic::async_trait]
impl CustomFieldDefinitionService for Grpc {
    async fn list_custom_field_definitions(
        &self,
        req: Request<pb::ListCustomFieldDefinitionsRequest>,
    ) -> Result<Response<pb::ListCustomFieldDefinitionsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (defs, next_page_token) = self.app.list_custom_fields(&p, &params).await?;
        Ok(Response::new(pb::ListCustomFieldDefinitionsResponse {
            definitions: defs.iter().map(conv::definition).collect(),
            next_page_token,
        }))
    }

    async fn get_custom_field_definition(
        &self,
        req: Request<pb::GetCustomFieldDefinitionRequest>,
    ) -> Result<Response<pb::CustomFieldDefinition>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::definition(&self.app.get_custom_field(&p, id).await?)))
    }

    async fn create_custom_field_definition(
        &self,
        req: Request<pb::CreateCustomFieldDefinitionRequest>,
    ) -> Result<Response<pb::CustomFieldDefinition>, Status> {
        let p = principal(&req)?;
        let d = req.into_inner().definition.ok_or_else(|| err(DomainError::invalid("definition", "is required")))?;
        let d = conv::definition_fields(d, None).map_err(err)?;
        Ok(Response::new(conv::definition(&self.app.create_custom_field(&p, d).await?)))
    }

    async fn update_custom_field_definition(
        &self,
        req: Request<pb::UpdateCustomFieldDefinitionRequest>,
    ) -> Result<Response<pb::CustomFieldDefinition>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let d = r.definition.ok_or_else(|| err(DomainError::invalid("definition", "is required")))?;
        let id = parse_id("definition.id", &d.id).map_err(err)?;
        let mask = r.update_mask.map(|m| m.paths).unwrap_or_default();
        let patch = conv::definition_fields(d, Some(&mask)).map_err(err)?;
        Ok(Response::new(conv::definition(&self.app.update_custom_field(&p, id, patch, &mask).await?)))
    }

    async fn delete_custom_field_definition(
        &self,
        req: Request<pb::DeleteCustomFieldDefinitionRequest>,
    ) -> Result<Response<pb::CustomFieldDefinition>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::definition(&self.app.delete_custom_field(&p, id).await?)))
    }
}
