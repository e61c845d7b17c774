//! gRPC adapter for `psa.tickets.v1.TimeService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use chrono::Utc;
use psa_core::DomainError;
use psa_core::validate::{Validator, parse_id};
use psa_kit::auth::principal;
use psa_kit::list::ListParams;
use psa_proto::tickets::{self as pb, time_service_server::TimeService};
use tonic::{Request, Response, Status};

use super::{err, required};
use crate::app::Tickets;
use crate::domain::timesheet::Action;
use crate::proto::time as conv;

/// The time tracking service implementation.
pub struct TimeGrpc {
    pub app: Arc<Tickets>,
}

type Page = (ListParams, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>);

fn page(
    page_size: i32,
    page_token: String,
    filter: String,
    order_by: String,
    from: &str,
    to: &str,
) -> Result<Page, Status> {
    let mut v = Validator::new();
    let from = conv::date(&mut v, "start_date", from);
    let to = conv::date(&mut v, "end_date", to);
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        v.push("end_date", "must not be before start_date");
    }
    v.finish().map_err(err)?;
    Ok((ListParams { page_size, page_token, filter, order_by }, from, to))
}

#[tonic::async_trait]
impl TimeService for TimeGrpc {
    async fn list_work_types(
        &self,
        req: Request<pb::ListWorkTypesRequest>,
    ) -> Result<Response<pb::ListWorkTypesResponse>, Status> {
        let p = principal(&req)?;
        let list = self.app.list_work_types(&p).await?;
        Ok(Response::new(pb::ListWorkTypesResponse { work_types: list.iter().map(conv::work_type).collect() }))
    }

    async fn create_work_type(
        &self,
        req: Request<pb::CreateWorkTypeRequest>,
    ) -> Result<Response<pb::WorkType>, Status> {
        let p = principal(&req)?;
        let f = conv::work_type_fields(required(req.into_inner().work_type, "work_type")?).map_err(err)?;
        Ok(Response::new(conv::work_type(&self.app.create_work_type(&p, f).await?)))
    }

    async fn get_work_type(&self, req: Request<pb::GetWorkTypeRequest>) -> Result<Response<pb::WorkType>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::work_type(&self.app.get_work_type(&p, id).await?)))
    }

    async fn update_work_type(
        &self,
        req: Request<pb::UpdateWorkTypeRequest>,
    ) -> Result<Response<pb::WorkType>, Status> {
        let p = principal(&req)?;
        let w = required(req.into_inner().work_type, "work_type")?;
        let id = parse_id("work_type.id", &w.id).map_err(err)?;
        let f = conv::work_type_fields(w).map_err(err)?;
        Ok(Response::new(conv::work_type(&self.app.update_work_type(&p, id, f).await?)))
    }

    async fn get_time_settings(
        &self,
        req: Request<pb::GetTimeSettingsRequest>,
    ) -> Result<Response<pb::TimeSettings>, Status> {
        let p = principal(&req)?;
        Ok(Response::new(conv::settings(&self.app.time_settings(&p).await?)))
    }

    async fn update_time_settings(
        &self,
        req: Request<pb::UpdateTimeSettingsRequest>,
    ) -> Result<Response<pb::TimeSettings>, Status> {
        let p = principal(&req)?;
        let r = conv::rounding_rule(required(req.into_inner().settings, "settings")?).map_err(err)?;
        Ok(Response::new(conv::settings(&self.app.update_time_settings(&p, r).await?)))
    }

    async fn list_time_entries(
        &self,
        req: Request<pb::ListTimeEntriesRequest>,
    ) -> Result<Response<pb::ListTimeEntriesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let (params, from, to) = page(r.page_size, r.page_token, r.filter, r.order_by, &r.start_date, &r.end_date)?;
        let (entries, next_page_token) = self.app.list_time_entries(&p, &params, None, from, to).await?;
        Ok(Response::new(pb::ListTimeEntriesResponse {
            entries: entries.iter().map(conv::entry).collect(),
            next_page_token,
        }))
    }

    async fn list_ticket_time_entries(
        &self,
        req: Request<pb::ListTicketTimeEntriesRequest>,
    ) -> Result<Response<pb::ListTimeEntriesResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let ticket = parse_id("ticket_id", &r.ticket_id).map_err(err)?;
        let (params, from, to) = page(r.page_size, r.page_token, r.filter, r.order_by, &r.start_date, &r.end_date)?;
        let (entries, next_page_token) = self.app.list_time_entries(&p, &params, Some(ticket), from, to).await?;
        Ok(Response::new(pb::ListTimeEntriesResponse {
            entries: entries.iter().map(conv::entry).collect(),
            next_page_token,
        }))
    }

    async fn create_time_entry(
        &self,
        req: Request<pb::CreateTimeEntryRequest>,
    ) -> Result<Response<pb::TimeEntry>, Status> {
        let p = principal(&req)?;
        let f = conv::entry_fields(required(req.into_inner().entry, "entry")?).map_err(err)?;
        Ok(Response::new(conv::entry(&self.app.create_time_entry(&p, f).await?)))
    }

    async fn get_timer(&self, req: Request<pb::GetTimerRequest>) -> Result<Response<pb::Timer>, Status> {
        let p = principal(&req)?;
        Ok(Response::new(conv::timer(&self.app.timer(&p).await?)))
    }

    async fn start_timer(&self, req: Request<pb::StartTimerRequest>) -> Result<Response<pb::Timer>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = Validator::new();
        let work_type = v.optional_uuid("work_type_id", &r.work_type_id);
        let ticket = v.optional_uuid("ticket_id", &r.ticket_id);
        v.finish().map_err(err)?;
        Ok(Response::new(conv::timer(&self.app.start_timer(&p, work_type, ticket, r.notes, Utc::now()).await?)))
    }

    async fn stop_timer(&self, req: Request<pb::StopTimerRequest>) -> Result<Response<pb::TimeEntry>, Status> {
        let p = principal(&req)?;
        let notes = req.into_inner().notes;
        Ok(Response::new(conv::entry(&self.app.stop_timer(&p, notes, Utc::now()).await?)))
    }

    async fn get_time_entry(&self, req: Request<pb::GetTimeEntryRequest>) -> Result<Response<pb::TimeEntry>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::entry(&self.app.get_time_entry(&p, id).await?)))
    }

    async fn update_time_entry(
        &self,
        req: Request<pb::UpdateTimeEntryRequest>,
    ) -> Result<Response<pb::TimeEntry>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let e = required(r.entry, "entry")?;
        let id = parse_id("entry.id", &e.id).map_err(err)?;
        let mask: Vec<String> = match r.update_mask {
            Some(m) if !m.paths.is_empty() => m.paths,
            // AIP-134: without a mask, every field with a non-default value.
            _ => [
                ("date", !e.date.is_empty()),
                ("start_time", !e.start_time.is_empty()),
                ("end_time", !e.end_time.is_empty()),
                ("duration_minutes", e.duration_minutes != 0),
                ("work_type_id", !e.work_type_id.is_empty()),
                ("ticket_id", !e.ticket_id.is_empty()),
                ("company_id", !e.company_id.is_empty()),
                ("billable", e.billable.is_some()),
                ("notes", !e.notes.is_empty()),
                ("internal_notes", !e.internal_notes.is_empty()),
            ]
            .iter()
            .filter(|(_, set)| *set)
            .map(|(n, _)| (*n).to_owned())
            .collect(),
        };
        let f = conv::entry_fields(e).map_err(err)?;
        Ok(Response::new(conv::entry(&self.app.update_time_entry(&p, id, f, &mask).await?)))
    }

    async fn delete_time_entry(
        &self,
        req: Request<pb::DeleteTimeEntryRequest>,
    ) -> Result<Response<pb::TimeEntry>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::entry(&self.app.delete_time_entry(&p, id).await?)))
    }

    async fn get_time_report(
        &self,
        req: Request<pb::GetTimeReportRequest>,
    ) -> Result<Response<pb::TimeReport>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let mut v = Validator::new();
        let from = conv::date(&mut v, "start_date", &r.start_date);
        let to = conv::date(&mut v, "end_date", &r.end_date);
        v.finish().map_err(err)?;
        let (rows, total) = self.app.time_report(&p, &r.dimension, from, to).await?;
        Ok(Response::new(pb::TimeReport {
            dimension: r.dimension,
            start_date: r.start_date,
            end_date: r.end_date,
            rows: rows.iter().map(conv::report_row).collect(),
            total: Some(conv::report_row(&total)),
        }))
    }

    async fn get_timesheet(&self, req: Request<pb::GetTimesheetRequest>) -> Result<Response<pb::Timesheet>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let (user, date) = week_of(&p, &r.user_id, &r.week_start)?;
        Ok(Response::new(conv::timesheet(&self.app.timesheet(&p, user, date, Utc::now()).await?)))
    }

    async fn list_timesheets(
        &self,
        req: Request<pb::ListTimesheetsRequest>,
    ) -> Result<Response<pb::ListTimesheetsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (sheets, next_page_token) = self.app.list_timesheets(&p, &params).await?;
        Ok(Response::new(pb::ListTimesheetsResponse {
            timesheets: sheets.iter().map(conv::timesheet).collect(),
            next_page_token,
        }))
    }

    async fn submit_timesheet(
        &self,
        req: Request<pb::TimesheetActionRequest>,
    ) -> Result<Response<pb::Timesheet>, Status> {
        self.act(req, Action::Submit).await
    }

    async fn recall_timesheet(
        &self,
        req: Request<pb::TimesheetActionRequest>,
    ) -> Result<Response<pb::Timesheet>, Status> {
        self.act(req, Action::Recall).await
    }

    async fn approve_timesheet(
        &self,
        req: Request<pb::TimesheetActionRequest>,
    ) -> Result<Response<pb::Timesheet>, Status> {
        self.act(req, Action::Approve).await
    }

    async fn reject_timesheet(
        &self,
        req: Request<pb::TimesheetActionRequest>,
    ) -> Result<Response<pb::Timesheet>, Status> {
        self.act(req, Action::Reject).await
    }
}

/// The user (`me` or an id) and date of a timesheet path.
fn week_of(p: &psa_core::Principal, user: &str, week: &str) -> Result<(uuid::Uuid, chrono::NaiveDate), Status> {
    let mut v = Validator::new();
    let user = conv::timesheet_user(&mut v, user, p.user_id);
    let date = conv::date(&mut v, "week_start", week);
    if week.trim().is_empty() {
        v.push("week_start", "is required (a date YYYY-MM-DD in the week)");
    }
    v.finish().map_err(err)?;
    match (user, date) {
        (Some(u), Some(d)) => Ok((u, d)),
        _ => Err(err(DomainError::invalid("week_start", "is required"))),
    }
}

impl TimeGrpc {
    async fn act(
        &self,
        req: Request<pb::TimesheetActionRequest>,
        action: Action,
    ) -> Result<Response<pb::Timesheet>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let (user, date) = week_of(&p, &r.user_id, &r.week_start)?;
        let view = self.app.act_on_timesheet(&p, user, date, action, &r.reason, Utc::now()).await?;
        Ok(Response::new(conv::timesheet(&view)))
    }
}
