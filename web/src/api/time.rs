//! Time tracking (proto `psa/tickets/v1/time.proto`): work types, time entries and weekly
//! timesheets. Dates are `YYYY-MM-DD`; durations whole minutes.

use gloo_net::http::Method;
use serde::{Deserialize, Serialize};

use super::{ApiResult, Body, call, encode, get, send_json, with_query};

/// A category of time with its default rate and billable flag (read, or the fields sent on
/// create and on update, which replaces them all).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkType {
    /// Id (output only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// 1–100 characters, unique per tenant.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Decimal string, e.g. `125.00` (at most 4 decimal places); empty: `0.00`.
    pub default_rate: String,
    /// ISO 4217 code; empty: `USD`.
    pub currency: String,
    /// Whether entries of this type are billable by default.
    pub billable: bool,
    /// Inactive types cannot be used for new entries or timers.
    pub active: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WorkTypeList {
    work_types: Vec<WorkType>,
}

/// The tenant's work types by name (inactive ones too).
pub async fn list_work_types() -> ApiResult<Vec<WorkType>> {
    get::<WorkTypeList>("/api/v1/work-types".into()).await.map(|l| l.work_types)
}

/// Creates a work type; a taken name is a 409 (ALREADY_EXISTS), a bad rate a field violation.
pub async fn create_work_type(work_type: &WorkType) -> ApiResult<WorkType> {
    send_json(Method::POST, "/api/v1/work-types".into(), work_type).await
}

/// Replaces the fields of work type `work_type.id`.
pub async fn update_work_type(work_type: &WorkType) -> ApiResult<WorkType> {
    send_json(Method::PUT, format!("/api/v1/work-types/{}", encode(&work_type.id)), work_type).await
}

/// The tenant's rounding rule: durations are rounded to `increment_minutes` by `method`, then
/// raised to `minimum_minutes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TimeSettings {
    /// `ROUNDING_METHOD_NONE`, `_UP`, `_DOWN` or `_NEAREST` (halves up).
    pub method: String,
    /// 1–60 minutes; ignored for `NONE`.
    pub increment_minutes: i32,
    /// 0–1440 minutes.
    pub minimum_minutes: i32,
}

/// The tenant's rounding rule (default: none).
pub async fn get_time_settings() -> ApiResult<TimeSettings> {
    get("/api/v1/time-settings".into()).await
}

/// Replaces the rounding rule (applies to entries created or changed afterwards); violations
/// name `settings.increment_minutes` / `settings.minimum_minutes`.
pub async fn update_time_settings(settings: &TimeSettings) -> ApiResult<TimeSettings> {
    send_json(Method::PUT, "/api/v1/time-settings".into(), settings).await
}

/// The signed-in user's running timer (one per user).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Timer {
    /// Owner.
    pub user_id: String,
    /// Work type of the entry it will create.
    pub work_type_id: String,
    /// Ticket, empty for none.
    pub ticket_id: String,
    /// Notes.
    pub notes: String,
    /// When it started (RFC 3339, UTC).
    pub start_time: String,
}

/// The signed-in user's running timer; `None` when none runs (the API's 404).
pub async fn get_timer() -> ApiResult<Option<Timer>> {
    match get("/api/v1/time-entries/timer".into()).await {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

/// Starts the signed-in user's timer (on `ticket_id` unless empty); FAILED_PRECONDITION when
/// one already runs, INVALID_ARGUMENT for an unknown or inactive work type.
pub async fn start_timer(work_type_id: &str, ticket_id: &str, notes: &str) -> ApiResult<Timer> {
    let body = serde_json::json!({ "workTypeId": work_type_id, "ticketId": ticket_id, "notes": notes });
    send_json(Method::POST, "/api/v1/time-entries/timer/start".into(), &body).await
}

/// Stops the running timer and returns the entry it created (whole minutes, at least 1);
/// FAILED_PRECONDITION when none runs.
pub async fn stop_timer() -> ApiResult<TimeEntry> {
    send_json(Method::POST, "/api/v1/time-entries/timer/stop".into(), &serde_json::json!({})).await
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TimeEntryList {
    entries: Vec<TimeEntry>,
}

/// A ticket's time entries (the first 100), newest date first.
pub async fn list_ticket_time_entries(ticket_id: &str) -> ApiResult<Vec<TimeEntry>> {
    let path = format!("/api/v1/tickets/{}/time-entries", encode(ticket_id));
    get::<TimeEntryList>(with_query(&path, &[("pageSize", "100")])).await.map(|l| l.entries)
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
