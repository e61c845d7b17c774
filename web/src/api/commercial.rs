//! Proposals and block-hour balances (proto `psa/contracts/v1/commercial.proto`), and the
//! contract documents of `psa/contracts/v1/catalog.proto`: SAFs (service activation forms) and
//! COCs (certificates of compliance).

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use serde_json::{Map, Value};

use super::{ApiResult, ListQuery, encode, get, send_json};

/// A proposal (decimal strings for money, ISO dates).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Proposal {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Title, 1–200 characters.
    pub title: String,
    /// Free text (the offer's content), or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `PROPOSAL_TYPE_TECHNICAL` or `PROPOSAL_TYPE_FINANCIAL`.
    pub proposal_type: String,
    /// `PROPOSAL_STATUS_…` (output).
    #[serde(skip_serializing)]
    pub status: String,
    /// The company.
    pub company_id: String,
    /// A contract of the company, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contract_id: String,
    /// A service scope of `contract_id` that accepting activates, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_scope_id: String,
    /// Proposed value, e.g. `"72000.00"`.
    pub value: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Last valid day (`YYYY-MM-DD`), or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub valid_until: String,
    /// Identity user id of the staff member responsible, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub assignee_id: String,
    /// Version (output): 1, 2, … up with every revision of the content.
    #[serde(skip_serializing)]
    pub version: i32,
    /// Reason given on accept or reject (output), or empty.
    #[serde(skip_serializing)]
    pub decision_reason: String,
    /// Values of the proposal custom fields (`CUSTOM_FIELD_ENTITY_PROPOSAL`).
    pub custom_fields: Map<String, Value>,
}

impl Proposal {
    /// Whether it can still be revised, accepted or rejected (draft or submitted).
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "PROPOSAL_STATUS_DRAFT" | "PROPOSAL_STATUS_SUBMITTED")
    }

    /// Whether accepting it can activate a scope (it names a contract or a scope).
    pub fn has_scope(&self) -> bool {
        !self.contract_id.is_empty() || !self.service_scope_id.is_empty()
    }
}

/// One version of a proposal's content, as it was written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProposalVersion {
    /// 1, 2, …
    pub version: i32,
    /// Title of this version.
    pub title: String,
    /// Description of this version.
    pub description: String,
    /// Value (decimal string) in `currency`.
    pub value: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Last valid day (`YYYY-MM-DD`), or empty.
    pub valid_until: String,
    /// Identity user id of who wrote it.
    pub author_id: String,
    /// When it was written (RFC 3339).
    pub create_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Proposals {
    proposals: Vec<Proposal>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Versions {
    versions: Vec<ProposalVersion>,
}

/// The company's proposals, newest first (first 200).
pub async fn list_company_proposals(company_id: &str) -> ApiResult<Vec<Proposal>> {
    get::<Proposals>(format!("/api/v1/companies/{}/proposals?pageSize=200", encode(company_id)))
        .await
        .map(|p| p.proposals)
}

/// Creates a draft proposal (version 1). Violations name `proposal.<field>`.
pub async fn create_proposal(p: &Proposal) -> ApiResult<Proposal> {
    send_json(Method::POST, "/api/v1/proposals".into(), p).await
}

/// Revises a draft or submitted proposal: `patch` holds only the fields to change (proto3
/// JSON names; an empty string clears `validUntil` or `assigneeId`). A change of the title,
/// description, value, currency or valid-until date makes a new version.
/// FAILED_PRECONDITION once decided.
pub async fn update_proposal(id: &str, patch: &Value) -> ApiResult<Proposal> {
    send_json(Method::PATCH, format!("/api/v1/proposals/{}", encode(id)), patch).await
}

/// Every version of a proposal's content, newest first.
pub async fn list_proposal_versions(id: &str) -> ApiResult<Vec<ProposalVersion>> {
    get::<Versions>(format!("/api/v1/proposals/{}/versions", encode(id))).await.map(|v| v.versions)
}

/// DRAFT → SUBMITTED (a past `validUntil` is a violation of `proposal.valid_until`).
pub async fn submit_proposal(id: &str) -> ApiResult<Proposal> {
    send_json(Method::POST, format!("/api/v1/proposals/{}:submit", encode(id)), &serde_json::json!({})).await
}

/// SUBMITTED → ACCEPTED with an optional `reason` (≤ 1000 characters, violation on `reason`);
/// with `activate_scope` the linked scope (or, with only a contract, its pending scopes)
/// becomes active.
pub async fn accept_proposal(id: &str, reason: &str, activate_scope: bool) -> ApiResult<Proposal> {
    let body = serde_json::json!({ "reason": reason, "activateScope": activate_scope });
    send_json(Method::POST, format!("/api/v1/proposals/{}:accept", encode(id)), &body).await
}

/// SUBMITTED → REJECTED with an optional `reason` (≤ 1000 characters).
pub async fn reject_proposal(id: &str, reason: &str) -> ApiResult<Proposal> {
    let body = serde_json::json!({ "reason": reason });
    send_json(Method::POST, format!("/api/v1/proposals/{}:reject", encode(id)), &body).await
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

/// A SAF (service activation form) of a contract: decimal strings for money, `YYYY-MM-DD` dates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Saf {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `SAF-000001`; generated when empty on create.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub number: String,
    /// Title, 1–200 characters.
    pub title: String,
    /// The contract (fixed after create).
    pub contract_id: String,
    /// The contract's company (output).
    #[serde(skip_serializing)]
    pub company_id: String,
    /// The service scope it authorises, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_scope_id: String,
    /// First day of the authorised service, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub start_date: String,
    /// Last day, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub end_date: String,
    /// Authorised value, e.g. `"12000.00"` (server default `"0"`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Absolute http(s) link to the signed document, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub document_url: String,
    /// `SAF_STATUS_…` (DRAFT on create).
    #[serde(skip_serializing)]
    pub status: String,
    /// Values of the SAF custom fields (`CUSTOM_FIELD_ENTITY_SAF`).
    pub custom_fields: Map<String, Value>,
}

/// A COC (certificate of compliance), linked to a SAF and/or a service scope of one contract.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Coc {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `COC-000001`; generated when empty on create.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub number: String,
    /// Title, 1–200 characters.
    pub title: String,
    /// `COC_TYPE_…`.
    pub coc_type: String,
    /// `COC_STATUS_…` (DRAFT on create).
    #[serde(skip_serializing)]
    pub status: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issue_date: String,
    /// `YYYY-MM-DD` or empty; not before the issue date.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub expiry_date: String,
    /// Last audit, `YYYY-MM-DD` or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub audit_date: String,
    /// Next audit, `YYYY-MM-DD` or empty; not before the audit date.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub next_audit_date: String,
    /// The SAF covered, or empty (a SAF or a scope is required).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub saf_id: String,
    /// The service scope covered, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_scope_id: String,
    /// The contract of the linked SAF or scope (output).
    #[serde(skip_serializing)]
    pub contract_id: String,
    /// Absolute http(s) link to the certificate, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub document_url: String,
    /// Values of the COC custom fields (`CUSTOM_FIELD_ENTITY_COC`).
    pub custom_fields: Map<String, Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Safs {
    safs: Vec<Saf>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cocs {
    cocs: Vec<Coc>,
}

/// The query listing the first 200 records of one contract, oldest number first.
fn of_contract(contract_id: &str) -> ListQuery {
    ListQuery {
        filter: format!("contract_id=\"{contract_id}\""),
        page_size: 200,
        order_by: "number".into(),
        ..ListQuery::default()
    }
}

/// The SAFs of a contract (first 200, by number).
pub async fn list_contract_safs(contract_id: &str) -> ApiResult<Vec<Saf>> {
    get::<Safs>(of_contract(contract_id).url("/api/v1/safs")).await.map(|s| s.safs)
}

/// Creates a draft SAF.
pub async fn create_saf(saf: &Saf) -> ApiResult<Saf> {
    send_json(Method::POST, "/api/v1/safs".into(), saf).await
}

/// Moves a SAF one step along DRAFT → SENT → SIGNED → ACTIVE → EXPIRED (`SAF_STATUS_…`);
/// FAILED_PRECONDITION for any other move.
pub async fn set_saf_status(id: &str, status: &str) -> ApiResult<Saf> {
    let body = serde_json::json!({ "status": status });
    send_json(Method::PATCH, format!("/api/v1/safs/{}", encode(id)), &body).await
}

/// Replaces the custom field values of a SAF (validated by the server; violations name
/// `saf.custom_fields.<key>`).
pub async fn set_saf_custom_fields(id: &str, values: &Map<String, Value>) -> ApiResult<Saf> {
    let body = serde_json::json!({ "customFields": values });
    send_json(Method::PATCH, format!("/api/v1/safs/{}", encode(id)), &body).await
}

/// The COCs of a contract (first 200, by number).
pub async fn list_contract_cocs(contract_id: &str) -> ApiResult<Vec<Coc>> {
    get::<Cocs>(of_contract(contract_id).url("/api/v1/cocs")).await.map(|c| c.cocs)
}

/// Creates a draft COC.
pub async fn create_coc(coc: &Coc) -> ApiResult<Coc> {
    send_json(Method::POST, "/api/v1/cocs".into(), coc).await
}

/// Moves a COC to `status` (`COC_STATUS_…`): DRAFT → ACTIVE | REVOKED, ACTIVE → EXPIRED |
/// REVOKED; FAILED_PRECONDITION otherwise.
pub async fn set_coc_status(id: &str, status: &str) -> ApiResult<Coc> {
    let body = serde_json::json!({ "status": status });
    send_json(Method::PATCH, format!("/api/v1/cocs/{}", encode(id)), &body).await
}

/// Replaces the custom field values of a COC (validated by the server; violations name
/// `coc.custom_fields.<key>`).
pub async fn set_coc_custom_fields(id: &str, values: &Map<String, Value>) -> ApiResult<Coc> {
    let body = serde_json::json!({ "customFields": values });
    send_json(Method::PATCH, format!("/api/v1/cocs/{}", encode(id)), &body).await
}
