//! Contract and service scope use cases. Portal principals may read their own company's
//! contracts and scopes (any other id answers NOT_FOUND) and change nothing (they hold no
//! `contracts.write`).

use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::{Contracts, hidden, list_company};

const CONTRACT: psa_core::custom_fields::CustomFieldEntity = psa_core::custom_fields::CustomFieldEntity::Contract;
const SCOPE: psa_core::custom_fields::CustomFieldEntity = psa_core::custom_fields::CustomFieldEntity::ServiceScope;
use crate::domain::contract::{Contract, ContractFields, ContractStatus};
use crate::domain::lifecycle::require_number;
use crate::domain::scope::{ScopeFields, ServiceScope};
use crate::domain::scope_template;
use crate::{events, repo};

/// A new scope as requested: the service and the fields, with the defaults still to fill.
pub struct ScopeRequest {
    pub service_id: Uuid,
    /// `None`: the service's pricing unit.
    pub unit: Option<crate::domain::service::PricingUnit>,
    /// `None`: the service's base price.
    pub unit_price: Option<rust_decimal::Decimal>,
    /// Everything else (`unit` and `unit_price` are overwritten with the resolved values).
    pub fields: ScopeFields,
    /// Custom field values (validated against the service scope definitions).
    pub custom_fields: serde_json::Value,
}

impl Contracts {
    /// Checks that the company and the signer (a contact of that company) exist.
    async fn check_refs(&self, tx: &mut TenantTx, p: &Principal, f: &ContractFields) -> Result<()> {
        let mut v = Validator::new();
        if repo::companies::get(tx, p.tenant_id, f.company_id, false).await.is_err() {
            v.push("contract.company_id", "no such company");
        }
        if let Some(signer) = f.signer_contact_id {
            match repo::contacts::get(tx, p.tenant_id, signer, false).await {
                Ok(c) if c.merged_into.is_some() => {
                    v.push("contract.signer_contact_id", "the contact was merged into another; use that one")
                }
                Ok(c) if c.fields.company_id == f.company_id => {}
                _ => v.push("contract.signer_contact_id", "must be a contact of the contract's company"),
            }
        }
        Ok(v.finish()?)
    }

    /// Creates a DRAFT contract (generated number when none is given); records `ContractCreated`.
    pub async fn create_contract(&self, p: &Principal, fields: ContractFields) -> Result<Contract> {
        self.create_contract_with(p, fields, serde_json::json!({})).await
    }

    /// Creates a DRAFT contract with custom field values (validated against the contract
    /// definitions); records `ContractCreated`.
    pub async fn create_contract_with(
        &self,
        p: &Principal,
        fields: ContractFields,
        custom_fields: serde_json::Value,
    ) -> Result<Contract> {
        let mut fields = ContractFields { status: ContractStatus::Draft, ..fields.normalize("contract.")? };
        let mut tx = self.tx(p).await?;
        self.check_refs(&mut tx, p, &fields).await?;
        let values = super::custom_fields::check(&mut tx, p.tenant_id, CONTRACT, &custom_fields, "contract.").await?;
        repo::contracts::NUMBERING.fill(&mut tx, p.tenant_id, &mut fields.number).await?;
        let mut c = repo::contracts::insert(&mut tx, p.tenant_id, &fields, None).await?;
        c.updated_at = repo::custom_fields::set_values(&mut tx, p.tenant_id, CONTRACT, c.id, &values).await?;
        c.custom_fields = values;
        events::contract_created(&mut tx, &self.naming, p.user_id, &c).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The contract `id`.
    pub async fn get_contract(&self, p: &Principal, id: Uuid) -> Result<Contract> {
        let mut tx = self.tx(p).await?;
        let c = repo::contracts::get(&mut tx, p.tenant_id, id, false).await?;
        if hidden(p, c.fields.company_id) {
            return Err(DomainError::NotFound { entity: "contract" }.into());
        }
        Ok(c)
    }

    /// Updates the masked fields (status moves checked by the lifecycle); records
    /// `ContractUpdated` when something changed.
    pub async fn update_contract(
        &self,
        p: &Principal,
        id: Uuid,
        patch: ContractFields,
        mask: &[String],
    ) -> Result<Contract> {
        self.update_contract_with(p, id, patch, mask, None).await
    }

    /// Like [`Self::update_contract`]; `custom_fields` (`Some`: the mask named them) replaces
    /// the custom field values after validation, in the same transaction.
    pub async fn update_contract_with(
        &self,
        p: &Principal,
        id: Uuid,
        patch: ContractFields,
        mask: &[String],
        custom_fields: Option<serde_json::Value>,
    ) -> Result<Contract> {
        let mut tx = self.tx(p).await?;
        let mut c = repo::contracts::get(&mut tx, p.tenant_id, id, true).await?;
        let mut changed =
            if mask.is_empty() && custom_fields.is_some() { Vec::new() } else { c.fields.apply(patch, mask)? };
        if super::custom_fields::replace(
            &mut tx,
            p.tenant_id,
            CONTRACT,
            "contract.",
            c.id,
            &mut c.custom_fields,
            custom_fields,
        )
        .await?
        {
            changed.push("custom_fields".into());
        }
        if changed.is_empty() {
            return Ok(c);
        }
        c.fields = c.fields.normalize("contract.")?;
        require_number("contract.number", &c.fields.number)?;
        self.check_refs(&mut tx, p, &c.fields).await?;
        let c = repo::contracts::update(&mut tx, &c).await?;
        events::contract_updated(&mut tx, &self.naming, p.user_id, &c, changed).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Renews contract `id`: creates its DRAFT successor (see `ContractFields::successor`),
    /// copies its scopes as PENDING, and marks it RENEWED. Returns the successor.
    pub async fn renew_contract(&self, p: &Principal, id: Uuid) -> Result<Contract> {
        let mut tx = self.tx(p).await?;
        let mut old = repo::contracts::get(&mut tx, p.tenant_id, id, true).await?;
        let mut next = old.fields.successor()?;
        next.number = repo::contracts::NUMBERING.next(&mut tx, p.tenant_id).await?;
        let mut new = repo::contracts::insert(&mut tx, p.tenant_id, &next, Some(old.id)).await?;
        new.updated_at =
            repo::custom_fields::set_values(&mut tx, p.tenant_id, CONTRACT, new.id, &old.custom_fields).await?;
        new.custom_fields = old.custom_fields.clone();
        for s in repo::scopes::of_contract(&mut tx, p.tenant_id, old.id).await? {
            let n = repo::scopes::NewScope {
                contract_id: new.id,
                company_id: new.fields.company_id,
                service_id: s.service_id,
                template_version: s.template_version,
            };
            let fields = ScopeFields { status: crate::domain::scope::ScopeStatus::Pending, ..s.fields };
            let copy = repo::scopes::insert(&mut tx, p.tenant_id, &n, &fields).await?;
            repo::custom_fields::set_values(&mut tx, p.tenant_id, SCOPE, copy.id, &s.custom_fields).await?;
        }
        old.fields.status = ContractStatus::Renewed;
        let old = repo::contracts::update(&mut tx, &old).await?;
        events::contract_created(&mut tx, &self.naming, p.user_id, &new).await?;
        events::contract_updated(&mut tx, &self.naming, p.user_id, &old, vec!["status".into()]).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// One page of contracts (`company`: only that company's); the filter may name
    /// `custom_fields.<key>` (see `psa_kit::list::ListSpec::plan_with_custom_fields`).
    pub async fn list_contracts(
        &self,
        p: &Principal,
        params: &ListParams,
        company: Option<Uuid>,
    ) -> Result<(Vec<Contract>, String)> {
        let plan = repo::contracts::LIST.plan_with_custom_fields(params, "custom_fields")?;
        let Some(company) = list_company(p, company) else { return Ok((Vec::new(), String::new())) };
        let mut tx = self.tx(p).await?;
        repo::contracts::list(&mut tx, p.tenant_id, &plan, company).await
    }

    /// Validates `details` against the service's current template version; returns the version
    /// (0 when the service has none).
    async fn validate_scope(
        &self,
        tx: &mut TenantTx,
        p: &Principal,
        service: Uuid,
        details: &serde_json::Value,
    ) -> Result<i32> {
        let t = repo::services::template(tx, p.tenant_id, service, None).await?;
        scope_template::validate_details(t.as_ref().map(|t| &t.schema), details, "service_scope.scope_details")?;
        Ok(t.map_or(0, |t| t.version))
    }

    /// Adds a service to contract `contract`. The contract must be DRAFT or ACTIVE and the
    /// service active; the details must satisfy the service's current template version.
    pub async fn create_scope(&self, p: &Principal, contract: Uuid, r: ScopeRequest) -> Result<ServiceScope> {
        let mut tx = self.tx(p).await?;
        let c = repo::contracts::get(&mut tx, p.tenant_id, contract, false).await?;
        if !matches!(c.fields.status, ContractStatus::Draft | ContractStatus::Active) {
            return Err(DomainError::FailedPrecondition(format!(
                "services can be added to draft or active contracts only; this one is {}",
                c.fields.status.as_str()
            ))
            .into());
        }
        let service = match repo::services::get(&mut tx, p.tenant_id, r.service_id, false).await {
            Ok(s) if s.fields.active => s,
            Ok(_) => return Err(DomainError::invalid("service_scope.service_id", "the service is archived").into()),
            Err(_) => return Err(DomainError::invalid("service_scope.service_id", "no such service").into()),
        };
        let fields = ScopeFields {
            unit: r.unit.unwrap_or(service.fields.pricing_unit),
            unit_price: r.unit_price.unwrap_or(service.fields.base_price),
            ..r.fields
        };
        let version = self.validate_scope(&mut tx, p, service.id, &fields.scope_details).await?;
        let values =
            super::custom_fields::check(&mut tx, p.tenant_id, SCOPE, &r.custom_fields, "service_scope.").await?;
        let n = repo::scopes::NewScope {
            contract_id: c.id,
            company_id: c.fields.company_id,
            service_id: service.id,
            template_version: version,
        };
        let mut s = repo::scopes::insert(&mut tx, p.tenant_id, &n, &fields).await?;
        s.updated_at = repo::custom_fields::set_values(&mut tx, p.tenant_id, SCOPE, s.id, &values).await?;
        s.custom_fields = values;
        tx.commit().await?;
        Ok(s)
    }

    /// The scope `id`.
    pub async fn get_scope(&self, p: &Principal, id: Uuid) -> Result<ServiceScope> {
        let mut tx = self.tx(p).await?;
        let s = repo::scopes::get(&mut tx, p.tenant_id, id, false).await?;
        if hidden(p, s.company_id) {
            return Err(DomainError::NotFound { entity: "service scope" }.into());
        }
        Ok(s)
    }

    /// Updates the masked fields; new scope details are validated against the service's
    /// current template version, which is then recorded. `custom_fields` (`Some`: the mask
    /// named them) replaces the custom field values after validation.
    pub async fn update_scope(
        &self,
        p: &Principal,
        id: Uuid,
        patch: ScopeFields,
        mask: &[String],
        custom_fields: Option<serde_json::Value>,
    ) -> Result<ServiceScope> {
        let mut tx = self.tx(p).await?;
        let mut s = repo::scopes::get(&mut tx, p.tenant_id, id, true).await?;
        let mut changed =
            if mask.is_empty() && custom_fields.is_some() { Vec::new() } else { s.fields.apply(patch, mask)? };
        if super::custom_fields::replace(
            &mut tx,
            p.tenant_id,
            SCOPE,
            "service_scope.",
            s.id,
            &mut s.custom_fields,
            custom_fields,
        )
        .await?
        {
            changed.push("custom_fields".into());
        }
        if changed.is_empty() {
            return Ok(s);
        }
        if changed.iter().any(|c| c == "scope_details") {
            s.template_version = self.validate_scope(&mut tx, p, s.service_id, &s.fields.scope_details).await?;
        }
        let s = repo::scopes::update(&mut tx, &s).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// One page of scopes (`contract`: only that contract's, which must be visible); the filter
    /// may name `custom_fields.<key>` (see `psa_kit::list::ListSpec::plan_with_custom_fields`).
    pub async fn list_scopes(
        &self,
        p: &Principal,
        params: &ListParams,
        contract: Option<Uuid>,
    ) -> Result<(Vec<ServiceScope>, String)> {
        let plan = repo::scopes::LIST.plan_with_custom_fields(params, "custom_fields")?;
        let mut tx = self.tx(p).await?;
        if let Some(c) = contract {
            let c = repo::contracts::get(&mut tx, p.tenant_id, c, false).await?;
            if hidden(p, c.fields.company_id) {
                return Err(DomainError::NotFound { entity: "contract" }.into());
            }
        }
        repo::scopes::list(&mut tx, p.tenant_id, &plan, contract, p.portal_company()).await
    }
}
