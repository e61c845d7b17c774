//! gRPC adapter for `psa.identity.v1.TenantService`.

use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_kit::convert::{opt_timestamp, timestamp};
use psa_kit::list::ListParams;
use psa_proto::identity::{self as pb, tenant_service_server::TenantService};
use tonic::{Request, Response, Status};

use super::{Grpc, client, err};
use crate::repo::tenants::Tenant;

/// A tenant as the API shows it.
pub fn tenant(t: &Tenant) -> pb::Tenant {
    pb::Tenant {
        id: t.id.to_string(),
        slug: t.slug.clone(),
        name: t.name.clone(),
        state: match t.status.as_str() {
            "suspended" => pb::TenantState::Suspended,
            _ => pb::TenantState::Active,
        } as i32,
        platform: t.platform,
        create_time: Some(timestamp(t.created_at)),
        suspend_time: opt_timestamp(t.suspended_at),
    }
}

#[tonic::async_trait]
impl TenantService for Grpc {
    async fn list_tenants(
        &self,
        req: Request<pb::ListTenantsRequest>,
    ) -> Result<Response<pb::ListTenantsResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params =
            ListParams { page_size: r.page_size, page_token: r.page_token, filter: r.filter, order_by: String::new() };
        let (rows, next_page_token) = self.app.list_tenants(&p, &params).await?;
        Ok(Response::new(pb::ListTenantsResponse { tenants: rows.iter().map(tenant).collect(), next_page_token }))
    }

    async fn get_tenant(&self, req: Request<pb::GetTenantRequest>) -> Result<Response<pb::Tenant>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(tenant(&self.app.get_tenant(&p, id).await?)))
    }

    async fn create_tenant(
        &self,
        req: Request<pb::CreateTenantRequest>,
    ) -> Result<Response<pb::CreateTenantResponse>, Status> {
        let p = principal(&req)?;
        let c = client(&req);
        let r = req.into_inner();
        let out = self.app.create_tenant(&p, &r.slug, &r.name, &r.admin_email, &c).await?;
        Ok(Response::new(pb::CreateTenantResponse {
            tenant: Some(tenant(&out.tenant)),
            admin_user_id: out.admin_user_id.to_string(),
            admin_password: out.admin_password,
        }))
    }

    async fn suspend_tenant(&self, req: Request<pb::SuspendTenantRequest>) -> Result<Response<pb::Tenant>, Status> {
        let p = principal(&req)?;
        let c = client(&req);
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(tenant(&self.app.set_tenant_suspended(&p, id, true, &c).await?)))
    }

    async fn reactivate_tenant(
        &self,
        req: Request<pb::ReactivateTenantRequest>,
    ) -> Result<Response<pb::Tenant>, Status> {
        let p = principal(&req)?;
        let c = client(&req);
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(tenant(&self.app.set_tenant_suspended(&p, id, false, &c).await?)))
    }

    async fn get_tenant_usage(
        &self,
        req: Request<pb::GetTenantUsageRequest>,
    ) -> Result<Response<pb::TenantUsage>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        let u = self.app.tenant_usage(&p, id).await?;
        Ok(Response::new(pb::TenantUsage {
            tenant_id: u.tenant_id.to_string(),
            users: u.users,
            active_users: u.active_users,
            open_sessions: u.open_sessions,
            audit_log_entries: u.audit_log_entries,
            tickets: u.tickets,
            storage_bytes: u.storage_bytes,
            measure_time: Some(timestamp(u.measured_at)),
        }))
    }
}
