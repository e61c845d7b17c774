//! Service catalog, scope templates, contracts and service scopes (proto
//! `psa/contracts/v1/catalog.proto`). Money is a decimal string, dates `YYYY-MM-DD`.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, ListQuery, encode, get, send_json};

/// A catalog service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    /// Id.
    pub id: String,
    /// Name, unique per tenant.
    pub name: String,
    /// Free-text category.
    pub category: String,
    /// `DELIVERY_MODEL_…`.
    pub delivery_model: String,
    /// Decimal string.
    pub base_price: String,
    /// ISO 4217.
    pub currency: String,
    /// `PRICING_UNIT_…`.
    pub pricing_unit: String,
    /// False once archived.
    pub active: bool,
    /// Newest template version, 0 when none.
    pub current_template_version: i32,
}

/// One page of services.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePage {
    /// The services.
    pub services: Vec<Service>,
}

/// One version of a service's scope definition template (a JSON Schema subset).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScopeTemplate {
    /// 1, 2, …
    pub version: i32,
    /// The schema: `{"type":"object","required":[…],"properties":{…}}`.
    pub schema: serde_json::Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TemplateList {
    templates: Vec<ScopeTemplate>,
}

/// A contract.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Contract {
    /// Id (empty on create).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `C-000001` or as entered.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub number: String,
    /// Name.
    pub name: String,
    /// The client company.
    pub company_id: String,
    /// `CONTRACT_TYPE_…`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contract_type: String,
    /// `CONTRACT_STATUS_…`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub end_date: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub renewal_date: String,
    /// Renews itself at the end of its term.
    pub auto_renew: bool,
    /// Length of a renewal term in months, 1–120 (server default 12 when 0 on create).
    #[serde(skip_serializing_if = "is_zero")]
    pub renewal_term_months: i32,
    /// Free-text renewal terms (notice period, price escalation, …).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub renewal_terms: String,
    /// `BILLING_CYCLE_…` (server default monthly).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub billing_cycle: String,
    /// Amount billed each cycle, decimal string.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub billing_amount: String,
    /// Total value, decimal string.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// ISO 4217.
    pub currency: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub signed_date: String,
    /// A contact of the same company who signed, or empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub signer_contact_id: String,
    /// Free text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The contract this one renews.
    #[serde(skip_serializing)]
    pub previous_contract_id: String,
    /// Values of the tenant's contract custom fields by key (see [`super::settings`]).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty", deserialize_with = "crate::api::object_or_null")]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// One page of contracts.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContractPage {
    /// The contracts.
    pub contracts: Vec<Contract>,
    /// Token of the next page; empty on the last one.
    pub next_page_token: String,
}

/// A service on a contract.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceScope {
    /// Id.
    pub id: String,
    /// The service.
    pub service_id: String,
    /// Decimal string.
    pub quantity: String,
    /// `PRICING_UNIT_…`.
    pub unit: String,
    /// Decimal string.
    pub unit_price: String,
    /// Values of the template's parameters.
    pub scope_details: serde_json::Map<String, serde_json::Value>,
    /// Template version the details were checked against.
    pub template_version: i32,
    /// `SERVICE_SCOPE_STATUS_…`.
    pub status: String,
    /// Values of the scope custom fields (`CUSTOM_FIELD_ENTITY_SERVICE_SCOPE`).
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ScopeList {
    service_scopes: Vec<ServiceScope>,
}

/// Active services, by name (up to 200).
pub async fn list_services() -> ApiResult<Vec<Service>> {
    let q = ListQuery { page_size: 200, ..ListQuery::default() };
    get::<ServicePage>(q.url("/api/v1/services")).await.map(|p| p.services)
}

/// The newest template version of a service, if it has one.
pub async fn current_template(service_id: &str) -> ApiResult<Option<ScopeTemplate>> {
    let list: TemplateList = get(format!("/api/v1/services/{}/scope-templates", encode(service_id))).await?;
    Ok(list.templates.into_iter().next())
}

/// Lists contracts.
pub async fn list_contracts(query: &ListQuery) -> ApiResult<ContractPage> {
    get(query.url("/api/v1/contracts")).await
}

/// The contracts of a company (first 200, newest first).
pub async fn list_company_contracts(company_id: &str) -> ApiResult<Vec<Contract>> {
    let q = ListQuery { page_size: 200, ..ListQuery::default() };
    get::<ContractPage>(q.url(&format!("/api/v1/companies/{}/contracts", encode(company_id))))
        .await
        .map(|p| p.contracts)
}

/// Fetches one contract.
pub async fn get_contract(id: &str) -> ApiResult<Contract> {
    get(format!("/api/v1/contracts/{}", encode(id))).await
}

/// Creates a draft contract.
pub async fn create_contract(contract: &Contract) -> ApiResult<Contract> {
    send_json(Method::POST, "/api/v1/contracts".into(), contract).await
}

/// Moves a contract to `status` (`CONTRACT_STATUS_…`).
pub async fn set_contract_status(id: &str, status: &str) -> ApiResult<Contract> {
    let body = serde_json::json!({ "status": status });
    send_json(Method::PATCH, format!("/api/v1/contracts/{}", encode(id)), &body).await
}

/// Replaces the custom field values of a contract (validated by the server).
pub async fn set_contract_custom_fields(
    id: &str,
    values: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<Contract> {
    let body = serde_json::json!({ "customFields": values });
    send_json(Method::PATCH, format!("/api/v1/contracts/{}", encode(id)), &body).await
}

/// Updates the fields present in `patch` (proto3 JSON names; an empty string clears a date or
/// text); status moves go through [`set_contract_status`].
pub async fn update_contract(id: &str, patch: &serde_json::Value) -> ApiResult<Contract> {
    send_json(Method::PATCH, format!("/api/v1/contracts/{}", encode(id)), patch).await
}

/// Renews a contract; returns the successor.
pub async fn renew_contract(id: &str) -> ApiResult<Contract> {
    send_json(Method::POST, format!("/api/v1/contracts/{}/renew", encode(id)), &serde_json::json!({})).await
}

/// The services of a contract.
pub async fn list_items(contract_id: &str) -> ApiResult<Vec<ServiceScope>> {
    let list: ScopeList = get(format!("/api/v1/contracts/{}/items?pageSize=200", encode(contract_id))).await?;
    Ok(list.service_scopes)
}

/// Adds a service to a contract: `{"serviceId", "quantity", "scopeDetails"}`.
pub async fn create_item(contract_id: &str, body: &serde_json::Value) -> ApiResult<ServiceScope> {
    send_json(Method::POST, format!("/api/v1/contracts/{}/items", encode(contract_id)), body).await
}

/// Updates the fields of service scope `id` present in `patch` (`quantity`, `unit`,
/// `unitPrice`, `scopeDetails`, `status`, `customFields`).
pub async fn update_item(id: &str, patch: &serde_json::Value) -> ApiResult<ServiceScope> {
    send_json(Method::PATCH, format!("/api/v1/service-scopes/{}", encode(id)), patch).await
}

/// Every service, archived ones included (the catalog page).
pub async fn list_all_services() -> ApiResult<Vec<Service>> {
    let q = ListQuery { page_size: 200, ..ListQuery::default() };
    let url = format!("{}&showInactive=true", q.url("/api/v1/services"));
    get::<ServicePage>(url).await.map(|p| p.services)
}

/// Creates a service.
pub async fn create_service(service: &serde_json::Value) -> ApiResult<Service> {
    send_json(Method::POST, "/api/v1/services".into(), service).await
}

/// Updates the fields of service `id` present in `patch` (proto3 JSON names, e.g.
/// `{"active": false}` archives it).
pub async fn update_service(id: &str, patch: &serde_json::Value) -> ApiResult<Service> {
    send_json(Method::PATCH, format!("/api/v1/services/{}", encode(id)), patch).await
}

/// Publishes a new template version for a service.
pub async fn create_template(service_id: &str, schema: &serde_json::Value) -> ApiResult<ScopeTemplate> {
    let body = serde_json::json!({ "schema": schema });
    send_json(Method::POST, format!("/api/v1/services/{}/scope-templates", encode(service_id)), &body).await
}
