//! SLA management (proto `psa/tickets/v1/sla.proto`): policies with per-priority targets,
//! business-hours calendars, holiday calendars, a company's policy and the compliance and
//! breach reports. Records are kept as proto JSON objects (camelCase), as the SLA page shows
//! them generically.

use gloo_net::http::Method;
use serde_json::Value;

use super::{ApiResult, encode, get, send_json, with_query};

/// The list `key` of the response to `GET path`.
async fn list(path: &str, key: &str) -> ApiResult<Vec<Value>> {
    let v: Value = get(path.to_owned()).await?;
    Ok(v[key].as_array().cloned().unwrap_or_default())
}

/// Active policies by name.
pub async fn policies() -> ApiResult<Vec<Value>> {
    list("/api/v1/sla-policies", "policies").await
}

/// Creates a policy (`{"name", "isDefault", "targets": [...]}`).
pub async fn create_policy(policy: &Value) -> ApiResult<Value> {
    send_json(Method::POST, "/api/v1/sla-policies".into(), policy).await
}

/// Business-hours calendars.
pub async fn business_hours() -> ApiResult<Vec<Value>> {
    list("/api/v1/business-hours", "businessHours").await
}

/// Creates a business-hours calendar (`{"name", "timeZone", "schedule", "holidayCalendarIds"}`).
pub async fn create_business_hours(calendar: &Value) -> ApiResult<Value> {
    send_json(Method::POST, "/api/v1/business-hours".into(), calendar).await
}

/// Holiday calendars.
pub async fn holiday_calendars() -> ApiResult<Vec<Value>> {
    list("/api/v1/holiday-calendars", "calendars").await
}

/// Creates a holiday calendar (`{"name", "holidays": [{"date", "name"}]}`).
pub async fn create_holiday_calendar(calendar: &Value) -> ApiResult<Value> {
    send_json(Method::POST, "/api/v1/holiday-calendars".into(), calendar).await
}

/// The policy assigned to company `id` (`policyId` empty: the tenant default applies).
pub async fn company_policy(id: &str) -> ApiResult<String> {
    let v: Value = get(format!("/api/v1/sla/companies/{}", encode(id))).await?;
    Ok(v["policyId"].as_str().unwrap_or_default().to_owned())
}

/// Assigns policy `policy_id` to company `id` (empty: remove the assignment).
pub async fn set_company_policy(id: &str, policy_id: &str) -> ApiResult<Value> {
    let body = serde_json::json!({ "policyId": policy_id });
    send_json(Method::PUT, format!("/api/v1/sla/companies/{}", encode(id)), &body).await
}

/// Met/breached counts per company and priority for tickets created in [`start`, `end`)
/// (RFC 3339 instants).
pub async fn compliance(start: &str, end: &str) -> ApiResult<Vec<Value>> {
    let url = with_query("/api/v1/sla/reports/compliance", &[("startTime", start), ("endTime", end)]);
    list(&url, "rows").await
}

/// Breached clocks of tickets created in [`start`, `end`), newest ticket first.
pub async fn breaches(start: &str, end: &str) -> ApiResult<Vec<Value>> {
    let url = with_query("/api/v1/sla/reports/breaches", &[("startTime", start), ("endTime", end)]);
    list(&url, "breaches").await
}
