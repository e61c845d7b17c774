//! Service-desk configuration (proto `psa/tickets/v1/desk.proto`): statuses, queues, types,
//! categories, teams, custom fields, templates and canned responses. The records are kept as
//! JSON objects (camelCase proto JSON) since the settings page shows them generically.

use gloo_net::http::Method;
use serde_json::Value;

use super::{ApiResult, get, send_json};

/// A configuration collection: its REST path and the list field of its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collection {
    /// `/api/v1/…`.
    pub path: &'static str,
    /// The list's field in the List response (`ticketStatuses`, …).
    pub key: &'static str,
}

/// Tenant ticket statuses.
pub const STATUSES: Collection = Collection { path: "/api/v1/ticket-statuses", key: "ticketStatuses" };
/// Priority display settings.
pub const PRIORITIES: Collection = Collection { path: "/api/v1/ticket-priorities", key: "ticketPriorities" };
/// Queues (boards).
pub const QUEUES: Collection = Collection { path: "/api/v1/ticket-queues", key: "ticketQueues" };
/// Ticket types.
pub const TYPES: Collection = Collection { path: "/api/v1/ticket-types", key: "ticketTypes" };
/// Categories and subcategories.
pub const CATEGORIES: Collection = Collection { path: "/api/v1/ticket-categories", key: "ticketCategories" };
/// Teams.
pub const TEAMS: Collection = Collection { path: "/api/v1/teams", key: "teams" };
/// Ticket custom-field definitions.
pub const CUSTOM_FIELDS: Collection = Collection { path: "/api/v1/ticket-custom-fields", key: "customFields" };
/// Ticket templates.
pub const TEMPLATES: Collection = Collection { path: "/api/v1/ticket-templates", key: "ticketTemplates" };
/// Canned responses.
pub const CANNED: Collection = Collection { path: "/api/v1/canned-responses", key: "cannedResponses" };

/// Every record of `c`.
pub async fn list(c: Collection) -> ApiResult<Vec<Value>> {
    let v: Value = get(c.path.to_owned()).await?;
    Ok(v[c.key].as_array().cloned().unwrap_or_default())
}

/// Creates a record of `c` from `body` (proto JSON).
pub async fn create(c: Collection, body: &Value) -> ApiResult<Value> {
    send_json(Method::POST, c.path.to_owned(), body).await
}

/// Replaces record `id` of `c` with `body`.
pub async fn update(c: Collection, id: &str, body: &Value) -> ApiResult<Value> {
    send_json(Method::PUT, format!("{}/{id}", c.path), body).await
}

/// Canned response `id` rendered for ticket `ticket_id`.
pub async fn render_canned(id: &str, ticket_id: &str) -> ApiResult<String> {
    let v: Value = send_json(
        Method::POST,
        format!("/api/v1/canned-responses/{id}:render"),
        &serde_json::json!({ "ticketId": ticket_id }),
    )
    .await?;
    Ok(v["body"].as_str().unwrap_or_default().to_owned())
}

/// The `name` of the record with `id` in `list`, or `—`.
pub fn name_of(list: &[Value], id: &str) -> String {
    list.iter()
        .find(|v| v["id"].as_str() == Some(id))
        .and_then(|v| v["name"].as_str())
        .map_or_else(|| "—".to_owned(), str::to_owned)
}
