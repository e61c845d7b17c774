//! SAF use cases. Portal principals may read their own company's SAFs (any other id answers
//! NOT_FOUND) and change nothing (they hold no `contracts.write`). A SAF's status drives its
//! service scope: entering ACTIVE makes the scope ACTIVE, entering EXPIRED makes it COMPLETED,
//! in the same transaction.

use psa_core::custom_fields::CustomFieldEntity;
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::{Contracts, hidden};
use crate::domain::contract::Contract;
use crate::domain::lifecycle::require_number;
use crate::domain::saf::{Saf, SafFields, SafStatus};
use crate::repo;

const SAF: CustomFieldEntity = CustomFieldEntity::Saf;

impl Contracts {
    /// The SAF's contract, and a check that its scope (if any) belongs to that contract.
    async fn check_saf_refs(&self, tx: &mut TenantTx, p: &Principal, f: &SafFields) -> Result<Contract> {
        let mut v = Validator::new();
        let contract = repo::contracts::get(tx, p.tenant_id, f.contract_id, false).await.ok();
        if contract.is_none() {
            v.push("saf.contract_id", "no such contract");
        }
        if let Some(scope) = f.service_scope_id {
            match repo::scopes::get(tx, p.tenant_id, scope, false).await {
                Ok(s) if s.contract_id == f.contract_id => {}
                _ => v.push("saf.service_scope_id", "must be a service scope of the SAF's contract"),
            }
        }
        v.finish()?;
        Ok(contract.expect("checked above"))
    }

    /// Creates a DRAFT SAF on a contract (generated `SAF-000001`-style number when none is
    /// given) with custom field values validated against the SAF definitions (violations name
    /// `saf.custom_fields.<key>`).
    pub async fn create_saf(&self, p: &Principal, fields: SafFields, custom_fields: serde_json::Value) -> Result<Saf> {
        let mut fields = SafFields { status: SafStatus::Draft, ..fields.normalize()? };
        let mut tx = self.tx(p).await?;
        let contract = self.check_saf_refs(&mut tx, p, &fields).await?;
        let values = super::custom_fields::check(&mut tx, p.tenant_id, SAF, &custom_fields, "saf.").await?;
        repo::safs::NUMBERING.fill(&mut tx, p.tenant_id, &mut fields.number).await?;
        let mut s = repo::safs::insert(&mut tx, p.tenant_id, contract.fields.company_id, &fields).await?;
        s.updated_at = repo::custom_fields::set_values(&mut tx, p.tenant_id, SAF, s.id, &values).await?;
        s.custom_fields = values;
        tx.commit().await?;
        Ok(s)
    }

    /// The SAF `id`.
    pub async fn get_saf(&self, p: &Principal, id: Uuid) -> Result<Saf> {
        let mut tx = self.tx(p).await?;
        let s = repo::safs::get(&mut tx, p.tenant_id, id, false).await?;
        if hidden(p, s.company_id) {
            return Err(DomainError::NotFound { entity: "SAF" }.into());
        }
        Ok(s)
    }

    /// Updates the masked fields. A status change must be a legal move (FAILED_PRECONDITION
    /// otherwise); entering ACTIVE or EXPIRED moves the SAF's scope to ACTIVE or COMPLETED.
    /// `custom_fields` (`Some`: the mask named them) replaces the custom field values after
    /// validation, in the same transaction.
    pub async fn update_saf(
        &self,
        p: &Principal,
        id: Uuid,
        patch: SafFields,
        mask: &[String],
        custom_fields: Option<serde_json::Value>,
    ) -> Result<Saf> {
        let mut tx = self.tx(p).await?;
        let mut s = repo::safs::get(&mut tx, p.tenant_id, id, true).await?;
        let before = s.fields.status;
        let mut changed =
            if mask.is_empty() && custom_fields.is_some() { Vec::new() } else { s.fields.apply(patch, mask)? };
        if super::custom_fields::replace(&mut tx, p.tenant_id, SAF, "saf.", s.id, &mut s.custom_fields, custom_fields)
            .await?
        {
            changed.push("custom_fields".into());
        }
        if changed.is_empty() {
            return Ok(s);
        }
        s.fields = s.fields.normalize()?;
        require_number("saf.number", &s.fields.number)?;
        self.check_saf_refs(&mut tx, p, &s.fields).await?;
        let s = repo::safs::update(&mut tx, &s).await?;
        if s.fields.status != before
            && let (Some(status), Some(scope)) = (s.fields.status.scope_status(), s.fields.service_scope_id)
        {
            let mut scope = repo::scopes::get(&mut tx, p.tenant_id, scope, true).await?;
            if scope.fields.status != status {
                scope.fields.status = status;
                repo::scopes::update(&mut tx, &scope).await?;
            }
        }
        tx.commit().await?;
        Ok(s)
    }

    /// One page of SAFs (portal users: their company's only); the filter may name
    /// `custom_fields.<key>` (see `psa_kit::list::ListSpec::plan_with_custom_fields`).
    pub async fn list_safs(&self, p: &Principal, params: &ListParams) -> Result<(Vec<Saf>, String)> {
        let plan = repo::safs::LIST.plan_with_custom_fields(params, "custom_fields")?;
        let mut tx = self.tx(p).await?;
        repo::safs::list(&mut tx, p.tenant_id, &plan, p.portal_company()).await
    }
}
