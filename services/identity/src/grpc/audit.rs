//! gRPC adapter for `psa.identity.v1.AuditLogService`.

use psa_kit::auth::principal;
use psa_kit::convert::{json_to_struct, opt_id, timestamp};
use psa_kit::list::ListParams;
use psa_proto::identity::{self as pb, audit_log_service_server::AuditLogService};
use tonic::{Request, Response, Status};

use super::Grpc;
use crate::repo::audit::Entry;

/// An entry as the API shows it.
pub fn audit_log(e: &Entry) -> pb::AuditLog {
    pb::AuditLog {
        id: e.id.to_string(),
        service: e.service.clone(),
        entity_type: e.entity_type.clone(),
        entity_id: e.entity_id.clone(),
        action: e.action.clone(),
        actor_id: opt_id(e.actor_id),
        old_values: e.old_values.as_ref().map(json_to_struct),
        new_values: e.new_values.as_ref().map(json_to_struct),
        ip_address: e.ip_address.clone(),
        user_agent: e.user_agent.clone(),
        occur_time: Some(timestamp(e.occurred_at)),
    }
}

fn time(t: Option<prost_types::Timestamp>, field: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, Status> {
    t.map(|t| {
        chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(u32::MAX))
            .ok_or_else(|| super::err(psa_core::DomainError::invalid(field, "is not a valid time")))
    })
    .transpose()
}

#[tonic::async_trait]
impl AuditLogService for Grpc {
    async fn list_audit_logs(
        &self,
        req: Request<pb::ListAuditLogsRequest>,
    ) -> Result<Response<pb::ListAuditLogsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let start = time(r.start_time, "start_time")?;
        let end = time(r.end_time, "end_time")?;
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: r.order_by };
        let (rows, next_page_token) = self.app.list_audit_logs(&p, &params, start, end).await?;
        Ok(Response::new(pb::ListAuditLogsResponse {
            audit_logs: rows.iter().map(audit_log).collect(),
            next_page_token,
        }))
    }
}
