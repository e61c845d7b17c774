//! Proposals and block-hour balances (proto `psa/contracts/v1/commercial.proto`).

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, encode, get, send_json};

/// A proposal (decimal strings for money, ISO dates).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Proposal {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Title, 1–200 characters.
    pub title: String,
    /// `PROPOSAL_TYPE_TECHNICAL` or `PROPOSAL_TYPE_FINANCIAL`.
    pub proposal_type: String,
    /// `PROPOSAL_STATUS_…` (output).
    #[serde(skip_serializing)]
    pub status: String,
    /// The company.
    pub company_id: String,
    /// Proposed value, e.g. `"72000.00"`.
    pub value: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Last valid day (`YYYY-MM-DD`), or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub valid_until: String,
    /// Version (output).
    #[serde(skip_serializing)]
    pub version: i32,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Proposals {
    proposals: Vec<Proposal>,
}

/// The company's proposals, newest first.
pub async fn list_company_proposals(company_id: &str) -> ApiResult<Vec<Proposal>> {
    get::<Proposals>(format!("/api/v1/companies/{}/proposals", encode(company_id))).await.map(|p| p.proposals)
}

/// Creates a draft proposal.
pub async fn create_proposal(p: &Proposal) -> ApiResult<Proposal> {
    send_json(Method::POST, "/api/v1/proposals".into(), p).await
}

/// Runs a lifecycle action (`submit`, `accept`, `reject`) on a proposal; accepting activates
/// its scope.
pub async fn proposal_action(id: &str, verb: &str) -> ApiResult<Proposal> {
    let body = if verb == "accept" { serde_json::json!({ "activateScope": true }) } else { serde_json::json!({}) };
    send_json(Method::POST, format!("/api/v1/proposals/{}:{verb}", encode(id)), &body).await
}

/// A block-hour policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HourPolicy {
    /// Hours included per period.
    pub included_hours: String,
    /// `HOUR_PERIOD_…`.
    pub period: String,
    /// Whether unused hours carry over.
    pub rollover_allowed: bool,
    /// Cap of carried hours, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rollover_cap_hours: String,
}

/// One period's balance.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PeriodBalance {
    /// First day (`YYYY-MM-DD`).
    pub start_date: String,
    /// Last day (inclusive).
    pub end_date: String,
    /// Hours included.
    pub included_hours: String,
    /// Hours carried in from the previous period.
    pub rollover_hours: String,
    /// Hours drawn by approved time.
    pub used_hours: String,
    /// Included + rollover − used (negative when overdrawn).
    pub remaining_hours: String,
}

/// A contract's policy and its periods, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HourBalance {
    /// The policy.
    pub policy: HourPolicy,
    /// Every period, oldest first.
    pub periods: Vec<PeriodBalance>,
}

/// The contract's block-hour balance (FAILED_PRECONDITION without a policy).
pub async fn hour_balance(contract_id: &str) -> ApiResult<HourBalance> {
    get(format!("/api/v1/contracts/{}/hour-balance", encode(contract_id))).await
}

/// Sets the contract's block-hour policy.
pub async fn set_hour_policy(contract_id: &str, policy: &HourPolicy) -> ApiResult<HourBalance> {
    send_json(Method::PUT, format!("/api/v1/contracts/{}/hour-balance", encode(contract_id)), policy).await
}

/// Deletes a contact (softly: records that name it keep it).
pub async fn delete_contact(id: &str) -> ApiResult<super::Contact> {
    send_json(Method::DELETE, format!("/api/v1/contacts/{}", encode(id)), &serde_json::json!({})).await
}

/// Merges duplicate contact `id` into `target_id` (same company); returns the target.
pub async fn merge_contact(id: &str, target_id: &str) -> ApiResult<super::Contact> {
    let body = serde_json::json!({ "targetId": target_id });
    send_json(Method::POST, format!("/api/v1/contacts/{}:merge", encode(id)), &body).await
}
