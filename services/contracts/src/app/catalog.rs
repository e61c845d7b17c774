//! Catalog use cases: services and their versioned scope templates. Staff only (portal roles
//! hold no `services.*` permission).

use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::Contracts;
use crate::domain::scope_template;
use crate::domain::service::{Service, ServiceFields};
use crate::repo;
use crate::repo::services::TemplateRow;

impl Contracts {
    /// Creates an active service.
    pub async fn create_service(&self, p: &Principal, fields: ServiceFields) -> Result<Service> {
        let fields = ServiceFields { active: true, ..fields.normalize("service.")? };
        let mut tx = self.tx(p).await?;
        let s = repo::services::insert(&mut tx, p.tenant_id, &fields).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The service `id`.
    pub async fn get_service(&self, p: &Principal, id: Uuid) -> Result<Service> {
        let mut tx = self.tx(p).await?;
        repo::services::get(&mut tx, p.tenant_id, id, false).await
    }

    /// Updates the masked fields.
    pub async fn update_service(
        &self,
        p: &Principal,
        id: Uuid,
        patch: ServiceFields,
        mask: &[String],
    ) -> Result<Service> {
        let mut tx = self.tx(p).await?;
        let mut s = repo::services::get(&mut tx, p.tenant_id, id, true).await?;
        if s.fields.apply(patch, mask)?.is_empty() {
            return Ok(s);
        }
        s.fields = s.fields.normalize("service.")?;
        let s = repo::services::update(&mut tx, &s).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Archives a service (`active` = false).
    pub async fn archive_service(&self, p: &Principal, id: Uuid) -> Result<Service> {
        let mut tx = self.tx(p).await?;
        let mut s = repo::services::get(&mut tx, p.tenant_id, id, true).await?;
        if !s.fields.active {
            return Ok(s);
        }
        s.fields.active = false;
        let s = repo::services::update(&mut tx, &s).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// One page of services.
    pub async fn list_services(
        &self,
        p: &Principal,
        params: &ListParams,
        show_inactive: bool,
    ) -> Result<(Vec<Service>, String)> {
        let plan = repo::services::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::services::list(&mut tx, p.tenant_id, &plan, show_inactive).await
    }

    /// Checks `schema` against the template subset and stores it as the service's next
    /// template version.
    pub async fn create_scope_template(
        &self,
        p: &Principal,
        service: Uuid,
        schema: &serde_json::Value,
    ) -> Result<TemplateRow> {
        let schema = scope_template::check_template(schema)?;
        let mut tx = self.tx(p).await?;
        repo::services::get(&mut tx, p.tenant_id, service, true).await?;
        let t = repo::services::insert_template(&mut tx, p.tenant_id, service, &schema, p.user_id).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Every template version of a service, newest first.
    pub async fn list_scope_templates(&self, p: &Principal, service: Uuid) -> Result<Vec<TemplateRow>> {
        let mut tx = self.tx(p).await?;
        repo::services::get(&mut tx, p.tenant_id, service, false).await?;
        repo::services::templates(&mut tx, p.tenant_id, service).await
    }

    /// Version `version` of a service's template.
    pub async fn get_scope_template(&self, p: &Principal, service: Uuid, version: i32) -> Result<TemplateRow> {
        let mut tx = self.tx(p).await?;
        repo::services::template(&mut tx, p.tenant_id, service, Some(version))
            .await?
            .ok_or_else(|| DomainError::NotFound { entity: "scope template" }.into())
    }
}
