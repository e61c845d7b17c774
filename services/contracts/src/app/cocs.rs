//! COC use cases. Portal principals may read their own company's certificates (any other id
//! answers NOT_FOUND) and change nothing (they hold no `contracts.write`).

use psa_core::custom_fields::CustomFieldEntity;
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::{Contracts, hidden};
use crate::domain::coc::{Coc, CocFields, CocStatus};
use crate::domain::lifecycle::require_number;
use crate::repo;
use crate::repo::cocs::Owner;

const COC: CustomFieldEntity = CustomFieldEntity::Coc;

impl Contracts {
    /// Resolves the company and contract of the COC's SAF and/or scope; both, when given,
    /// must exist and belong to the same contract.
    async fn coc_owner(&self, tx: &mut TenantTx, p: &Principal, f: &CocFields) -> Result<Owner> {
        let mut v = Validator::new();
        let mut owner: Option<Owner> = None;
        if let Some(id) = f.saf_id {
            match repo::safs::get(tx, p.tenant_id, id, false).await {
                Ok(s) => owner = Some(Owner { company_id: s.company_id, contract_id: s.fields.contract_id }),
                Err(_) => v.push("coc.saf_id", "no such SAF"),
            }
        }
        if let Some(id) = f.service_scope_id {
            match repo::scopes::get(tx, p.tenant_id, id, false).await {
                Ok(s) if owner.as_ref().is_none_or(|o| o.contract_id == s.contract_id) => {
                    owner = Some(Owner { company_id: s.company_id, contract_id: s.contract_id });
                }
                Ok(_) => v.push("coc.service_scope_id", "must be a scope of the SAF's contract"),
                Err(_) => v.push("coc.service_scope_id", "no such service scope"),
            }
        }
        v.finish()?;
        owner.ok_or_else(|| {
            DomainError::invalid("coc.saf_id", "link the certificate to a SAF or a service scope").into()
        })
    }

    /// Creates a DRAFT COC (generated `COC-000001`-style number when none is given) with
    /// custom field values validated against the COC definitions (violations name
    /// `coc.custom_fields.<key>`).
    pub async fn create_coc(&self, p: &Principal, fields: CocFields, custom_fields: serde_json::Value) -> Result<Coc> {
        let mut fields = CocFields { status: CocStatus::Draft, ..fields.normalize()? };
        let mut tx = self.tx(p).await?;
        let owner = self.coc_owner(&mut tx, p, &fields).await?;
        let values = super::custom_fields::check(&mut tx, p.tenant_id, COC, &custom_fields, "coc.").await?;
        repo::cocs::NUMBERING.fill(&mut tx, p.tenant_id, &mut fields.number).await?;
        let mut c = repo::cocs::insert(&mut tx, p.tenant_id, &owner, &fields).await?;
        c.updated_at = repo::custom_fields::set_values(&mut tx, p.tenant_id, COC, c.id, &values).await?;
        c.custom_fields = values;
        tx.commit().await?;
        Ok(c)
    }

    /// The COC `id`.
    pub async fn get_coc(&self, p: &Principal, id: Uuid) -> Result<Coc> {
        let mut tx = self.tx(p).await?;
        let c = repo::cocs::get(&mut tx, p.tenant_id, id, false).await?;
        if hidden(p, c.company_id) {
            return Err(DomainError::NotFound { entity: "COC" }.into());
        }
        Ok(c)
    }

    /// Updates the masked fields (status moves checked by the lifecycle); `custom_fields`
    /// (`Some`: the mask named them) replaces the custom field values after validation.
    pub async fn update_coc(
        &self,
        p: &Principal,
        id: Uuid,
        patch: CocFields,
        mask: &[String],
        custom_fields: Option<serde_json::Value>,
    ) -> Result<Coc> {
        let mut tx = self.tx(p).await?;
        let mut c = repo::cocs::get(&mut tx, p.tenant_id, id, true).await?;
        let mut changed =
            if mask.is_empty() && custom_fields.is_some() { Vec::new() } else { c.fields.apply(patch, mask)? };
        if super::custom_fields::replace(&mut tx, p.tenant_id, COC, "coc.", c.id, &mut c.custom_fields, custom_fields)
            .await?
        {
            changed.push("custom_fields".into());
        }
        if changed.is_empty() {
            return Ok(c);
        }
        c.fields = c.fields.normalize()?;
        require_number("coc.number", &c.fields.number)?;
        let owner = self.coc_owner(&mut tx, p, &c.fields).await?;
        let c = repo::cocs::update(&mut tx, &c, &owner).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// One page of COCs (portal users: their company's only); the filter may name
    /// `custom_fields.<key>` (see `psa_kit::list::ListSpec::plan_with_custom_fields`).
    pub async fn list_cocs(&self, p: &Principal, params: &ListParams) -> Result<(Vec<Coc>, String)> {
        let plan = repo::cocs::LIST.plan_with_custom_fields(params, "custom_fields")?;
        let mut tx = self.tx(p).await?;
        repo::cocs::list(&mut tx, p.tenant_id, &plan, p.portal_company()).await
    }
}
