//! Proposal use cases: create, revise (each content change is a new version with its history
//! kept), submit, accept (optionally activating the linked scope) and reject. Expiry is applied
//! on read: every use case first moves the tenant's SUBMITTED proposals past their
//! `valid_until` (UTC date) to EXPIRED in its own transaction, so lists, filters and lifecycle
//! checks always see it. Staff only (portal roles hold no `proposals.*`); a portal principal
//! would still see only its own company's proposals.

use chrono::{NaiveDate, Utc};
use psa_core::custom_fields::CustomFieldEntity;
use psa_core::validate::Validator;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::db::TenantTx;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::{Contracts, hidden, list_company};
use crate::domain::lifecycle::Status;
use crate::domain::proposal::{Proposal, ProposalFields, ProposalStatus, ProposalVersion, VERSIONED};
use crate::domain::scope::ScopeStatus;
use crate::repo;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Most characters of an accept or reject reason.
pub const MAX_REASON: usize = 1000;

impl Contracts {
    /// A tenant transaction in which due proposals have been expired.
    async fn proposals_tx(&self, p: &Principal) -> Result<TenantTx> {
        let mut tx = self.tx(p).await?;
        repo::proposals::expire_due(&mut tx, p.tenant_id, today()).await?;
        Ok(tx)
    }

    /// Checks that the company exists, the contract is one of its contracts and the scope one
    /// of the contract's scopes.
    async fn check_proposal_refs(&self, tx: &mut TenantTx, p: &Principal, f: &ProposalFields) -> Result<()> {
        let mut v = Validator::new();
        if !repo::companies::exists(tx, p.tenant_id, f.company_id).await? {
            v.push("proposal.company_id", "no such company");
        }
        if let Some(contract) = f.contract_id {
            match repo::contracts::get(tx, p.tenant_id, contract, false).await {
                Ok(c) if c.fields.company_id == f.company_id => {}
                _ => v.push("proposal.contract_id", "must be a contract of the proposal's company"),
            }
        }
        if let (Some(scope), Some(contract)) = (f.service_scope_id, f.contract_id) {
            match repo::scopes::get(tx, p.tenant_id, scope, false).await {
                Ok(s) if s.contract_id == contract => {}
                _ => v.push("proposal.service_scope_id", "must be a service scope of the proposal's contract"),
            }
        }
        Ok(v.finish()?)
    }

    /// Creates a DRAFT proposal at version 1.
    pub async fn create_proposal(&self, p: &Principal, fields: ProposalFields) -> Result<Proposal> {
        let mut fields = fields.normalize()?;
        let mut tx = self.proposals_tx(p).await?;
        self.check_proposal_refs(&mut tx, p, &fields).await?;
        fields.custom_fields = super::custom_fields::check(
            &mut tx,
            p.tenant_id,
            CustomFieldEntity::Proposal,
            &fields.custom_fields,
            "proposal.",
        )
        .await?;
        let out = repo::proposals::insert(&mut tx, p.tenant_id, &fields, p.user_id).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn load_proposal(&self, tx: &mut TenantTx, p: &Principal, id: Uuid, lock: bool) -> Result<Proposal> {
        let out = repo::proposals::get(tx, p.tenant_id, id, lock).await?;
        if hidden(p, out.fields.company_id) {
            return Err(DomainError::NotFound { entity: "proposal" }.into());
        }
        Ok(out)
    }

    /// The proposal `id`.
    pub async fn get_proposal(&self, p: &Principal, id: Uuid) -> Result<Proposal> {
        let mut tx = self.proposals_tx(p).await?;
        let out = self.load_proposal(&mut tx, p, id, false).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Updates the masked fields of an open (draft or submitted) proposal; a content change
    /// bumps the version and records it in the history.
    pub async fn update_proposal(
        &self,
        p: &Principal,
        id: Uuid,
        patch: ProposalFields,
        mask: &[String],
    ) -> Result<Proposal> {
        let mut tx = self.proposals_tx(p).await?;
        let mut cur = self.load_proposal(&mut tx, p, id, true).await?;
        if !cur.status.is_open() {
            return Err(DomainError::FailedPrecondition(format!(
                "a proposal that is {} cannot be revised",
                cur.status.as_str()
            ))
            .into());
        }
        let changed = cur.fields.apply(patch, mask)?;
        if changed.is_empty() {
            tx.commit().await?;
            return Ok(cur);
        }
        cur.fields = cur.fields.normalize()?;
        self.check_proposal_refs(&mut tx, p, &cur.fields).await?;
        if changed.iter().any(|c| c == "custom_fields") {
            cur.fields.custom_fields = super::custom_fields::check(
                &mut tx,
                p.tenant_id,
                CustomFieldEntity::Proposal,
                &cur.fields.custom_fields,
                "proposal.",
            )
            .await?;
        }
        let revised = changed.iter().any(|c| VERSIONED.contains(&c.as_str()));
        if revised {
            cur.version += 1;
        }
        let out = repo::proposals::update(&mut tx, &cur).await?;
        if revised {
            repo::proposals::insert_version(&mut tx, &out, p.user_id).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Every version of proposal `id`, newest first.
    pub async fn list_proposal_versions(&self, p: &Principal, id: Uuid) -> Result<Vec<ProposalVersion>> {
        let mut tx = self.proposals_tx(p).await?;
        self.load_proposal(&mut tx, p, id, false).await?;
        let out = repo::proposals::versions(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// DRAFT → SUBMITTED; the offer must still be valid today.
    pub async fn submit_proposal(&self, p: &Principal, id: Uuid) -> Result<Proposal> {
        let mut tx = self.proposals_tx(p).await?;
        let mut cur = self.load_proposal(&mut tx, p, id, true).await?;
        cur.status.check_move(ProposalStatus::Submitted)?;
        if cur.fields.valid_until.is_some_and(|d| d < today()) {
            return Err(
                DomainError::invalid("proposal.valid_until", "has passed; set a later date before submitting").into()
            );
        }
        cur.status = ProposalStatus::Submitted;
        let out = repo::proposals::update(&mut tx, &cur).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// SUBMITTED → ACCEPTED or REJECTED with an optional reason; accepting with
    /// `activate_scope` makes the linked scope (or, with only a contract linked, the contract's
    /// PENDING scopes) ACTIVE in the same transaction.
    pub async fn decide_proposal(
        &self,
        p: &Principal,
        id: Uuid,
        to: ProposalStatus,
        reason: &str,
        activate_scope: bool,
    ) -> Result<Proposal> {
        let mut v = Validator::new();
        v.max_chars("reason", reason, MAX_REASON);
        v.finish()?;
        let mut tx = self.proposals_tx(p).await?;
        let mut cur = self.load_proposal(&mut tx, p, id, true).await?;
        cur.status.check_move(to)?;
        cur.status = to;
        cur.decision_reason = reason.trim().to_owned();
        cur.decided_at = Some(Utc::now());
        let out = repo::proposals::update(&mut tx, &cur).await?;
        if to == ProposalStatus::Accepted && activate_scope {
            let scopes = match (out.fields.service_scope_id, out.fields.contract_id) {
                (Some(s), _) => vec![repo::scopes::get(&mut tx, p.tenant_id, s, true).await?],
                (None, Some(c)) => repo::scopes::of_contract(&mut tx, p.tenant_id, c)
                    .await?
                    .into_iter()
                    .filter(|s| s.fields.status == ScopeStatus::Pending)
                    .collect(),
                (None, None) => {
                    return Err(DomainError::invalid(
                        "activate_scope",
                        "the proposal has no contract or service scope to activate",
                    )
                    .into());
                }
            };
            for mut s in scopes {
                if s.fields.status != ScopeStatus::Active {
                    s.fields.status = ScopeStatus::Active;
                    repo::scopes::update(&mut tx, &s).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// One page of proposals (`company`: only that company's).
    /// The filter may name `custom_fields.<key>` (see
    /// `psa_kit::list::ListSpec::plan_with_custom_fields`).
    pub async fn list_proposals(
        &self,
        p: &Principal,
        params: &ListParams,
        company: Option<Uuid>,
    ) -> Result<(Vec<Proposal>, String)> {
        let plan = repo::proposals::LIST.plan_with_custom_fields(params, "custom_fields")?;
        let Some(company) = list_company(p, company) else { return Ok((Vec::new(), String::new())) };
        let mut tx = self.proposals_tx(p).await?;
        let out = repo::proposals::list(&mut tx, p.tenant_id, &plan, company).await?;
        tx.commit().await?;
        Ok(out)
    }
}
