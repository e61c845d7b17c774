//! Ticket automation rules (proto `psa/tickets/v1/automation.proto`): rules, dry runs and the
//! runs log. Actions stay JSON objects (`{"setField": {…}}`, the proto's oneof) so that the
//! editor's rows map onto them one to one.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, Body, call, encode, get, send_json, with_query};

/// One comparison (`AutomationCondition`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    /// `priority`, `company.name`, `event.sla_clock`, …
    pub field: String,
    /// `AUTOMATION_OPERATOR_…`.
    pub operator: String,
    /// The value compared with (enum values by proto name).
    pub value: String,
    /// For IN / NOT_IN.
    pub values: Vec<String>,
    /// For CHANGED_FROM_TO.
    pub from_value: String,
    /// For `*.in_business_hours`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub business_hours_id: String,
}

/// The top condition group; nested groups are kept as they are (the editor shows one level).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConditionGroup {
    /// `AUTOMATION_MATCH_ALL` / `AUTOMATION_MATCH_ANY`.
    #[serde(rename = "match")]
    pub matches: String,
    /// The group's comparisons.
    pub conditions: Vec<Condition>,
    /// Nested groups, as JSON.
    pub groups: Vec<serde_json::Value>,
}

/// A rule (`TicketAutomationRule`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rule {
    /// Id (empty for a new rule).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// 1–100 characters.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Inactive rules never run.
    pub active: Option<bool>,
    /// Lowest runs first.
    pub priority: i32,
    /// `AUTOMATION_TRIGGER_…`.
    pub trigger: String,
    /// Cron pattern (SCHEDULE).
    pub schedule: String,
    /// IANA zone.
    pub time_zone: String,
    /// NO_RESPONSE hours.
    pub no_response_hours: i32,
    /// When the rule applies.
    pub conditions: ConditionGroup,
    /// `{"setField": {"field": …, "value": …}}` and so on.
    pub actions: Vec<serde_json::Value>,
    /// RFC 3339 (output only).
    #[serde(skip_serializing)]
    pub next_run_time: String,
    /// RFC 3339 (output only).
    #[serde(skip_serializing)]
    pub update_time: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleList {
    rules: Vec<Rule>,
}

/// Every rule, in evaluation order.
pub async fn list_rules() -> ApiResult<Vec<Rule>> {
    get::<RuleList>("/api/v1/ticket-automation-rules".into()).await.map(|l| l.rules)
}

/// Creates `rule`, or replaces it when it has an id.
pub async fn save_rule(rule: &Rule) -> ApiResult<Rule> {
    if rule.id.is_empty() {
        send_json(Method::POST, "/api/v1/ticket-automation-rules".into(), rule).await
    } else {
        send_json(Method::PUT, format!("/api/v1/ticket-automation-rules/{}", encode(&rule.id)), rule).await
    }
}

/// Archives rule `id`.
pub async fn delete_rule(id: &str) -> ApiResult<()> {
    call(Method::DELETE, format!("/api/v1/ticket-automation-rules/{}", encode(id)), Body::Empty).await.map(|_| ())
}

/// How one condition came out.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConditionResult {
    /// `conditions[0]`, `groups[1].conditions[0]`.
    pub path: String,
    /// The condition's field.
    pub field: String,
    /// `AUTOMATION_OPERATOR_…`.
    pub operator: String,
    /// The ticket's value.
    pub actual: String,
    /// Whether the condition holds.
    pub matched: bool,
}

/// What one action did or would do.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActionResult {
    /// Position in the rule's actions.
    pub index: i32,
    /// `set_field`, `notify`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// What it did or would do.
    pub description: String,
    /// Why it could not, if so.
    pub error: String,
}

/// A dry run's answer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DryRun {
    /// Whether the conditions hold.
    pub matched: bool,
    /// Every condition.
    pub conditions: Vec<ConditionResult>,
    /// What the actions would do (empty when not matched).
    pub actions: Vec<ActionResult>,
}

/// What rule `id` would do to ticket `ticket_id` (changes nothing).
pub async fn dry_run(id: &str, ticket_id: &str) -> ApiResult<DryRun> {
    send_json(
        Method::POST,
        format!("/api/v1/ticket-automation-rules/{}:dryRun", encode(id)),
        &serde_json::json!({ "ticketId": ticket_id }),
    )
    .await
}

/// One execution of a rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Run {
    /// Id.
    pub id: String,
    /// The ticket it ran on.
    pub ticket_id: String,
    /// `T-000042`.
    pub ticket_number: String,
    /// `AUTOMATION_RUN_OUTCOME_…`.
    pub outcome: String,
    /// Rules behind the triggering change.
    pub chain: Vec<String>,
    /// How the conditions came out.
    pub conditions: Vec<ConditionResult>,
    /// What the actions did.
    pub actions: Vec<ActionResult>,
    /// RFC 3339.
    pub create_time: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RunList {
    runs: Vec<Run>,
}

/// The newest runs of rule `id`.
pub async fn list_runs(id: &str) -> ApiResult<Vec<Run>> {
    get::<RunList>(with_query(&format!("/api/v1/ticket-automation-rules/{}/runs", encode(id)), &[("pageSize", "50")]))
        .await
        .map(|l| l.runs)
}
