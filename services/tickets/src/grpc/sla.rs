//! gRPC adapter for `psa.tickets.v1.SlaService`: proto ⇄ domain, errors → status.

use std::sync::Arc;

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_proto::tickets::{self as pb, sla_service_server::SlaService};
use tonic::{Request, Response, Status};

use super::{err, required};
use crate::app::Tickets;
use crate::proto::sla as conv;

/// The SLA service implementation.
pub struct SlaGrpc {
    pub app: Arc<Tickets>,
}

fn time(field: &str, t: Option<prost_types::Timestamp>) -> Result<chrono::DateTime<chrono::Utc>, Status> {
    let t = required(t, field)?;
    chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
        .ok_or_else(|| err(DomainError::invalid(field, "out of range")))
}

#[tonic::async_trait]
impl SlaService for SlaGrpc {
    async fn list_sla_policies(
        &self,
        req: Request<pb::ListSlaPoliciesRequest>,
    ) -> Result<Response<pb::ListSlaPoliciesResponse>, Status> {
        let p = principal(&req)?;
        let policies = self.app.list_policies(&p).await?;
        Ok(Response::new(pb::ListSlaPoliciesResponse { policies: policies.iter().map(conv::policy).collect() }))
    }

    async fn create_sla_policy(
        &self,
        req: Request<pb::CreateSlaPolicyRequest>,
    ) -> Result<Response<pb::SlaPolicy>, Status> {
        let p = principal(&req)?;
        let f = conv::policy_fields(required(req.into_inner().policy, "policy")?).map_err(err)?;
        Ok(Response::new(conv::policy(&self.app.create_policy(&p, f).await?)))
    }

    async fn get_sla_policy(&self, req: Request<pb::GetSlaPolicyRequest>) -> Result<Response<pb::SlaPolicy>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::policy(&self.app.get_policy(&p, id).await?)))
    }

    async fn update_sla_policy(
        &self,
        req: Request<pb::UpdateSlaPolicyRequest>,
    ) -> Result<Response<pb::SlaPolicy>, Status> {
        let p = principal(&req)?;
        let policy = required(req.into_inner().policy, "policy")?;
        let id = parse_id("policy.id", &policy.id).map_err(err)?;
        let f = conv::policy_fields(policy).map_err(err)?;
        Ok(Response::new(conv::policy(&self.app.update_policy(&p, id, f).await?)))
    }

    async fn delete_sla_policy(
        &self,
        req: Request<pb::DeleteSlaPolicyRequest>,
    ) -> Result<Response<pb::SlaPolicy>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::policy(&self.app.delete_policy(&p, id).await?)))
    }

    async fn list_sla_targets(
        &self,
        req: Request<pb::ListSlaTargetsRequest>,
    ) -> Result<Response<pb::ListSlaTargetsResponse>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        let policy = self.app.get_policy(&p, id).await?;
        Ok(Response::new(pb::ListSlaTargetsResponse {
            targets: policy.fields.targets.iter().map(conv::target).collect(),
        }))
    }

    async fn list_business_hours(
        &self,
        req: Request<pb::ListBusinessHoursRequest>,
    ) -> Result<Response<pb::ListBusinessHoursResponse>, Status> {
        let p = principal(&req)?;
        let list = self.app.list_business_hours(&p).await?;
        Ok(Response::new(pb::ListBusinessHoursResponse {
            business_hours: list.iter().map(conv::business_hours).collect(),
        }))
    }

    async fn create_business_hours(
        &self,
        req: Request<pb::CreateBusinessHoursRequest>,
    ) -> Result<Response<pb::BusinessHours>, Status> {
        let p = principal(&req)?;
        let f =
            conv::business_hours_fields(required(req.into_inner().business_hours, "business_hours")?).map_err(err)?;
        Ok(Response::new(conv::business_hours(&self.app.create_business_hours(&p, f).await?)))
    }

    async fn get_business_hours(
        &self,
        req: Request<pb::GetBusinessHoursRequest>,
    ) -> Result<Response<pb::BusinessHours>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::business_hours(&self.app.get_business_hours(&p, id).await?)))
    }

    async fn update_business_hours(
        &self,
        req: Request<pb::UpdateBusinessHoursRequest>,
    ) -> Result<Response<pb::BusinessHours>, Status> {
        let p = principal(&req)?;
        let b = required(req.into_inner().business_hours, "business_hours")?;
        let id = parse_id("business_hours.id", &b.id).map_err(err)?;
        let f = conv::business_hours_fields(b).map_err(err)?;
        Ok(Response::new(conv::business_hours(&self.app.update_business_hours(&p, id, f).await?)))
    }

    async fn list_holiday_calendars(
        &self,
        req: Request<pb::ListHolidayCalendarsRequest>,
    ) -> Result<Response<pb::ListHolidayCalendarsResponse>, Status> {
        let p = principal(&req)?;
        let list = self.app.list_holiday_calendars(&p).await?;
        Ok(Response::new(pb::ListHolidayCalendarsResponse {
            calendars: list.iter().map(conv::holiday_calendar).collect(),
        }))
    }

    async fn create_holiday_calendar(
        &self,
        req: Request<pb::CreateHolidayCalendarRequest>,
    ) -> Result<Response<pb::HolidayCalendar>, Status> {
        let p = principal(&req)?;
        let f = conv::holiday_calendar_fields(required(req.into_inner().calendar, "calendar")?).map_err(err)?;
        Ok(Response::new(conv::holiday_calendar(&self.app.create_holiday_calendar(&p, f).await?)))
    }

    async fn get_holiday_calendar(
        &self,
        req: Request<pb::GetHolidayCalendarRequest>,
    ) -> Result<Response<pb::HolidayCalendar>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(conv::holiday_calendar(&self.app.get_holiday_calendar(&p, id).await?)))
    }

    async fn update_holiday_calendar(
        &self,
        req: Request<pb::UpdateHolidayCalendarRequest>,
    ) -> Result<Response<pb::HolidayCalendar>, Status> {
        let p = principal(&req)?;
        let c = required(req.into_inner().calendar, "calendar")?;
        let id = parse_id("calendar.id", &c.id).map_err(err)?;
        let f = conv::holiday_calendar_fields(c).map_err(err)?;
        Ok(Response::new(conv::holiday_calendar(&self.app.update_holiday_calendar(&p, id, f).await?)))
    }

    async fn get_company_sla_policy(
        &self,
        req: Request<pb::GetCompanySlaPolicyRequest>,
    ) -> Result<Response<pb::CompanySlaPolicy>, Status> {
        let p = principal(&req)?;
        let company = parse_id("company_id", &req.get_ref().company_id).map_err(err)?;
        let policy = self.app.company_policy(&p, company).await?;
        Ok(Response::new(pb::CompanySlaPolicy {
            company_id: company.to_string(),
            policy_id: policy.map(|p| p.to_string()).unwrap_or_default(),
        }))
    }

    async fn set_company_sla_policy(
        &self,
        req: Request<pb::SetCompanySlaPolicyRequest>,
    ) -> Result<Response<pb::CompanySlaPolicy>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let mut v = psa_core::validate::Validator::new();
        let policy = v.optional_uuid("policy_id", &r.policy_id);
        v.finish().map_err(err)?;
        let policy = self.app.set_company_policy(&p, company, policy).await?;
        Ok(Response::new(pb::CompanySlaPolicy {
            company_id: company.to_string(),
            policy_id: policy.map(|p| p.to_string()).unwrap_or_default(),
        }))
    }

    async fn get_sla_compliance_report(
        &self,
        req: Request<pb::GetSlaComplianceReportRequest>,
    ) -> Result<Response<pb::SlaComplianceReport>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let from = time("start_time", r.start_time)?;
        let to = time("end_time", r.end_time)?;
        let rows = self.app.compliance(&p, from, to).await?;
        Ok(Response::new(pb::SlaComplianceReport { rows: rows.iter().map(conv::compliance_row).collect() }))
    }

    async fn get_sla_breach_report(
        &self,
        req: Request<pb::GetSlaBreachReportRequest>,
    ) -> Result<Response<pb::SlaBreachReport>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let from = time("start_time", r.start_time)?;
        let to = time("end_time", r.end_time)?;
        let rows = self.app.breaches(&p, from, to).await?;
        Ok(Response::new(pb::SlaBreachReport { breaches: rows.iter().map(conv::breach).collect() }))
    }
}
