//! Time tracking (proto `psa/tickets/v1/time.proto`): work types, time entries and weekly
//! timesheets. Dates are `YYYY-MM-DD`; durations whole minutes.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, Body, call, encode, get, send_json, with_query};

/// A category of time with its default billable flag.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkType {
    /// Id.
    pub id: String,
    /// Unique per tenant.
    pub name: String,
    /// Whether entries of this type are billable by default.
    pub billable: bool,
    /// Inactive types cannot be used for new entries.
    pub active: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WorkTypeList {
    work_types: Vec<WorkType>,
}

/// The tenant's work types by name.
pub async fn list_work_types() -> ApiResult<Vec<WorkType>> {
    get::<WorkTypeList>("/api/v1/work-types".into()).await.map(|l| l.work_types)
}

/// A time entry (as read, or the fields of a new one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimeEntry {
    /// Id (output only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Whole minutes as recorded.
    pub duration_minutes: i32,
    /// Minutes after the tenant's rounding rule (output only).
    #[serde(skip_serializing)]
    pub rounded_minutes: i32,
    /// Work type id.
    pub work_type_id: String,
    /// Ticket id, empty for none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ticket_id: String,
    /// Contract the time counts against (contracts' id), empty for none; the server takes the
    /// ticket's contract when a ticket entry names none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contract_id: String,
    /// Project id, empty for none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub project_id: String,
    /// Task id (of the project), empty for none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub task_id: String,
    /// Billable; `None` takes the work type's default.
    pub billable: Option<bool>,
    /// Client-visible notes.
    pub notes: String,
    /// `TIME_BILLING_STATUS_…` (output only).
    #[serde(skip_serializing)]
    pub billing_status: String,
}

/// Records time for the signed-in user.
pub async fn create_time_entry(entry: &TimeEntry) -> ApiResult<TimeEntry> {
    send_json(Method::POST, "/api/v1/time-entries".into(), entry).await
}

/// Deletes an unbilled entry of an open week.
pub async fn delete_time_entry(id: &str) -> ApiResult<()> {
    call(Method::DELETE, format!("/api/v1/time-entries/{}", encode(id)), Body::Empty).await.map(|_| ())
}

/// One user's ISO week (Monday–Sunday) of time; minutes are rounded minutes.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Timesheet {
    /// Owner.
    pub user_id: String,
    /// Monday, `YYYY-MM-DD`.
    pub week_start: String,
    /// Sunday, `YYYY-MM-DD`.
    pub week_end: String,
    /// `TIMESHEET_STATUS_…`.
    pub status: String,
    /// Number of entries.
    pub entry_count: i32,
    /// Sum of rounded minutes.
    pub total_minutes: i32,
    /// Sum of billable rounded minutes.
    pub billable_minutes: i32,
    /// Seven values, Monday first.
    pub daily_minutes: Vec<i32>,
    /// When it was submitted (RFC 3339).
    pub submit_time: String,
    /// Why it was sent back.
    pub rejection_reason: String,
    /// The week's entries (single reads only).
    pub entries: Vec<TimeEntry>,
}

impl Timesheet {
    /// Whether entries may be added or removed.
    pub fn editable(&self) -> bool {
        !matches!(self.status.as_str(), "TIMESHEET_STATUS_SUBMITTED" | "TIMESHEET_STATUS_APPROVED")
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TimesheetList {
    timesheets: Vec<Timesheet>,
}

/// The week of `user` (`me` or an id) containing `date`.
pub async fn get_timesheet(user: &str, date: &str) -> ApiResult<Timesheet> {
    get(format!("/api/v1/users/{}/timesheets/{}", encode(user), encode(date))).await
}

/// Submitted, approved or rejected weeks matching the AIP-160 `filter`, newest first.
pub async fn list_timesheets(filter: &str) -> ApiResult<Vec<Timesheet>> {
    get::<TimesheetList>(with_query("/api/v1/timesheets", &[("filter", filter), ("pageSize", "100")]))
        .await
        .map(|l| l.timesheets)
}

/// `submit`, `recall`, `approve` or `reject` (with `reason`) the week of `user` containing `date`.
pub async fn timesheet_action(user: &str, date: &str, action: &str, reason: &str) -> ApiResult<Timesheet> {
    let url = format!("/api/v1/users/{}/timesheets/{}/{action}", encode(user), encode(date));
    send_json(Method::POST, url, &serde_json::json!({ "reason": reason })).await
}
