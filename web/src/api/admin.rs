//! The audit log (proto `psa/identity/v1/audit.proto`) and tenant administration for the
//! platform's Super Admins (`psa/identity/v1/tenants.proto`). Times are RFC 3339 UTC.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, encode, get, send_json, with_query};

/// One audit log entry.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditLog {
    /// Id.
    pub id: String,
    /// Service whose data changed (`identity`, `contracts`, `tickets`).
    pub service: String,
    /// Table or security subject (`companies`, `session`, …).
    pub entity_type: String,
    /// Id of the changed row.
    pub entity_id: String,
    /// `create`, `update`, `delete`, `login`, `login_failed`, …
    pub action: String,
    /// Acting user id (empty for jobs and unknown users).
    pub actor_id: String,
    /// Old values (changed columns, or the deleted row).
    pub old_values: Option<serde_json::Value>,
    /// New values (changed columns, the created row, or event details).
    pub new_values: Option<serde_json::Value>,
    /// Client address.
    pub ip_address: String,
    /// Client user agent.
    pub user_agent: String,
    /// When (RFC 3339 UTC).
    pub occur_time: String,
}

/// One page of audit entries.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditLogPage {
    /// The entries, newest first.
    pub audit_logs: Vec<AuditLog>,
    /// Token of the next page, empty on the last.
    pub next_page_token: String,
}

/// Search of the audit log: an AIP-160 `filter` and an optional `[start, end)` window (RFC 3339).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditQuery {
    /// AIP-160 filter (`actor_id`, `service`, `entity_type`, `entity_id`, `action`).
    pub filter: String,
    /// Entries at or after (RFC 3339), or empty.
    pub start_time: String,
    /// Entries before (RFC 3339), or empty.
    pub end_time: String,
    /// Page token.
    pub page_token: String,
}

impl AuditQuery {
    fn url(&self, path: &str) -> String {
        with_query(
            path,
            &[
                ("filter", &self.filter),
                ("startTime", &self.start_time),
                ("endTime", &self.end_time),
                ("pageToken", &self.page_token),
            ],
        )
    }
}

/// Searches the tenant's audit log (`audit.read`).
pub async fn list_audit_logs(query: &AuditQuery) -> ApiResult<AuditLogPage> {
    get(query.url("/api/v1/audit-logs")).await
}

/// Downloads the entries matching `query` (every page) as `audit-log.csv`.
pub async fn export_audit_logs(query: &AuditQuery) -> ApiResult<()> {
    let q = AuditQuery { page_token: String::new(), ..query.clone() };
    super::download(q.url("/api/v1/audit-logs:export"), "audit-log.csv").await
}

/// A tenant (platform administration).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Tenant {
    /// Id.
    pub id: String,
    /// Sign-in slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// `ACTIVE` or `SUSPENDED`.
    pub state: String,
    /// The operator's own tenant.
    pub platform: bool,
    /// Created (RFC 3339).
    pub create_time: String,
    /// Suspended since (RFC 3339), empty when active.
    pub suspend_time: String,
}

/// One page of tenants.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TenantPage {
    /// Tenants by slug.
    pub tenants: Vec<Tenant>,
    /// Token of the next page.
    pub next_page_token: String,
}

/// A new tenant and its first admin.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTenant {
    /// Slug (2–63 lower-case letters, digits, dashes).
    pub slug: String,
    /// Name.
    pub name: String,
    /// First admin's email.
    pub admin_email: String,
}

/// The answer to [`create_tenant`].
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreatedTenant {
    /// The tenant.
    pub tenant: Tenant,
    /// Generated password of the first admin (shown once).
    pub admin_password: String,
}

/// A tenant's usage (int64 counts arrive as decimal strings).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TenantUsage {
    /// Staff users.
    pub users: String,
    /// Active staff users.
    pub active_users: String,
    /// Open sessions.
    pub open_sessions: String,
    /// Tickets.
    pub tickets: String,
    /// Audit log entries.
    pub audit_log_entries: String,
    /// Bytes of stored files (ticket attachments).
    pub storage_bytes: String,
}

/// Lists tenants (platform Super Admins).
pub async fn list_tenants(page_token: &str) -> ApiResult<TenantPage> {
    get(with_query("/api/v1/tenants", &[("pageToken", page_token)])).await
}

/// Provisions a tenant.
pub async fn create_tenant(t: &NewTenant) -> ApiResult<CreatedTenant> {
    send_json(Method::POST, "/api/v1/tenants".into(), t).await
}

/// Suspends (`true`) or reactivates a tenant.
pub async fn set_suspended(id: &str, suspended: bool) -> ApiResult<Tenant> {
    let verb = if suspended { "suspend" } else { "reactivate" };
    send_json(Method::POST, format!("/api/v1/tenants/{}/{verb}", encode(id)), &serde_json::json!({})).await
}

/// A tenant's usage.
pub async fn usage(id: &str) -> ApiResult<TenantUsage> {
    get(format!("/api/v1/tenants/{}/usage", encode(id))).await
}

/// Downloads the full export of tenant `id` as `tenant-<slug>.zip`.
pub async fn export_tenant(id: &str, slug: &str) -> ApiResult<()> {
    super::download(format!("/api/v1/tenants/{}/export", encode(id)), &format!("tenant-{slug}.zip")).await
}
