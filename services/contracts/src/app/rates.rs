//! Rate card and block-hour balance use cases. Rate cards are staff-only (`services.*`);
//! hour balances follow contracts (portal users read their own company's, any other answers
//! NOT_FOUND).

use chrono::Utc;
use psa_core::{DomainError, Principal};
use psa_kit::Result;
use psa_kit::list::ListParams;
use uuid::Uuid;

use super::Contracts;
use crate::domain::contract::Contract;
use crate::domain::hours::{self, HourPolicy, PeriodBalance};
use crate::domain::rate_card::{RateCard, RateCardFields};
use crate::repo;

/// A contract's block-hour policy and the balance of each period, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HourBalance {
    /// The contract.
    pub contract_id: Uuid,
    /// Its block-hour policy.
    pub policy: HourPolicy,
    /// Every period up to today (or the contract's end), oldest first.
    pub periods: Vec<PeriodBalance>,
}

impl Contracts {
    /// Creates a rate card; a contract's card records the contract's company.
    pub async fn create_rate_card(&self, p: &Principal, fields: RateCardFields) -> Result<RateCard> {
        let mut fields = fields.normalize()?;
        let mut tx = self.tx(p).await?;
        if let Some(contract) = fields.contract_id {
            match repo::contracts::get(&mut tx, p.tenant_id, contract, false).await {
                Ok(c) => fields.company_id = Some(c.fields.company_id),
                Err(_) => return Err(DomainError::invalid("rate_card.contract_id", "no such contract").into()),
            }
        } else if let Some(company) = fields.company_id
            && !repo::companies::exists(&mut tx, p.tenant_id, company).await?
        {
            return Err(DomainError::invalid("rate_card.company_id", "no such company").into());
        }
        let out = repo::rate_cards::insert(&mut tx, p.tenant_id, &fields).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The rate card `id`.
    pub async fn get_rate_card(&self, p: &Principal, id: Uuid) -> Result<RateCard> {
        let mut tx = self.tx(p).await?;
        repo::rate_cards::get(&mut tx, p.tenant_id, id, false).await
    }

    /// Updates the masked fields (`name`, `currency`, `lines`).
    pub async fn update_rate_card(
        &self,
        p: &Principal,
        id: Uuid,
        patch: RateCardFields,
        mask: &[String],
    ) -> Result<RateCard> {
        let mut tx = self.tx(p).await?;
        let mut c = repo::rate_cards::get(&mut tx, p.tenant_id, id, true).await?;
        let changed = c.fields.apply(patch, mask)?;
        if changed.is_empty() {
            return Ok(c);
        }
        c.fields = c.fields.normalize()?;
        let out = repo::rate_cards::update(&mut tx, &c).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes the rate card `id`; returns it as it was.
    pub async fn delete_rate_card(&self, p: &Principal, id: Uuid) -> Result<RateCard> {
        let mut tx = self.tx(p).await?;
        let c = repo::rate_cards::get(&mut tx, p.tenant_id, id, true).await?;
        repo::rate_cards::delete(&mut tx, p.tenant_id, id).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The card that applies to contract `contract`: its own, else its company's, else the
    /// tenant default.
    pub async fn contract_rate_card(&self, p: &Principal, contract: Uuid) -> Result<RateCard> {
        let mut tx = self.tx(p).await?;
        let c = repo::contracts::get(&mut tx, p.tenant_id, contract, false).await?;
        repo::rate_cards::effective(&mut tx, p.tenant_id, c.id, c.fields.company_id)
            .await?
            .ok_or_else(|| DomainError::NotFound { entity: "rate card" }.into())
    }

    /// One page of rate cards.
    pub async fn list_rate_cards(&self, p: &Principal, params: &ListParams) -> Result<(Vec<RateCard>, String)> {
        let plan = repo::rate_cards::LIST.plan(params)?;
        let mut tx = self.tx(p).await?;
        repo::rate_cards::list(&mut tx, p.tenant_id, &plan).await
    }

    async fn visible_contract(&self, tx: &mut psa_kit::db::TenantTx, p: &Principal, id: Uuid) -> Result<Contract> {
        let c = repo::contracts::get(tx, p.tenant_id, id, false).await?;
        if super::hidden(p, c.fields.company_id) {
            return Err(DomainError::NotFound { entity: "contract" }.into());
        }
        Ok(c)
    }

    /// The block-hour balance of contract `contract`, periods up to today (UTC).
    ///
    /// # Errors
    /// FAILED_PRECONDITION when the contract has no policy.
    pub async fn hour_balance(&self, p: &Principal, contract: Uuid) -> Result<HourBalance> {
        let mut tx = self.tx(p).await?;
        let c = self.visible_contract(&mut tx, p, contract).await?;
        let Some(policy) = repo::hours::policy(&mut tx, p.tenant_id, c.id).await? else {
            return Err(DomainError::FailedPrecondition(
                "the contract has no block-hour policy; set one with PUT …/hour-balance".into(),
            )
            .into());
        };
        let usages = repo::hours::usages(&mut tx, p.tenant_id, c.id).await?;
        let periods =
            hours::balances(&policy, c.fields.start_date, c.fields.end_date, Utc::now().date_naive(), &usages);
        Ok(HourBalance { contract_id: c.id, policy, periods })
    }

    /// Sets (creates or replaces) the block-hour policy of contract `contract`.
    pub async fn set_hour_policy(&self, p: &Principal, contract: Uuid, policy: HourPolicy) -> Result<HourBalance> {
        policy.validate()?;
        let mut tx = self.tx(p).await?;
        let c = self.visible_contract(&mut tx, p, contract).await?;
        repo::hours::set_policy(&mut tx, p.tenant_id, c.id, &policy).await?;
        tx.commit().await?;
        self.hour_balance(p, contract).await
    }
}
