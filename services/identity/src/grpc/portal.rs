//! gRPC adapters for `psa.identity.v1` PortalAuthService and PortalUserService.

use std::sync::Arc;

use psa_core::validate::parse_id;
use psa_core::{DomainError, PrincipalKind, permissions::Role};
use psa_kit::auth::principal;
use psa_proto::identity::{
    self as pb, portal_auth_service_server::PortalAuthService, portal_user_service_server::PortalUserService,
};
use tonic::{Request, Response, Status};

use super::{client, err, mask_paths, token_pair};
use crate::app::Identity;
use crate::contacts::Contacts;
use crate::proto;

/// The portal services.
#[derive(Clone)]
pub struct PortalGrpc {
    pub app: Arc<Identity>,
    pub contacts: Contacts,
}

fn role(field: &str, r: i32) -> Result<Role, Status> {
    match pb::PortalRole::try_from(r) {
        Ok(pb::PortalRole::ClientAdmin) => Ok(Role::ClientAdmin),
        Ok(pb::PortalRole::ClientUser) => Ok(Role::ClientUser),
        _ => Err(err(DomainError::invalid(field, "must be PORTAL_ROLE_CLIENT_ADMIN or PORTAL_ROLE_CLIENT_USER"))),
    }
}

#[tonic::async_trait]
impl PortalAuthService for PortalGrpc {
    async fn login(&self, req: Request<pb::LoginRequest>) -> Result<Response<pb::TokenPair>, Status> {
        let client = client(&req);
        let r = req.into_inner();
        let tokens = self.app.login_as(PrincipalKind::Portal, &r.tenant, &r.email, &r.password, &client).await?;
        Ok(Response::new(token_pair(tokens)))
    }

    async fn accept_invitation(&self, req: Request<pb::AcceptInvitationRequest>) -> Result<Response<()>, Status> {
        let r = req.into_inner();
        self.app.accept_invitation(&r.token, &r.password, &r.display_name).await?;
        Ok(Response::new(()))
    }

    async fn forgot_password(&self, req: Request<pb::ForgotPasswordRequest>) -> Result<Response<()>, Status> {
        let r = req.into_inner();
        self.app.forgot_password(PrincipalKind::Portal, &r.tenant, &r.email).await?;
        Ok(Response::new(()))
    }

    async fn reset_password(&self, req: Request<pb::ResetPasswordRequest>) -> Result<Response<()>, Status> {
        let r = req.into_inner();
        self.app.reset_password(PrincipalKind::Portal, &r.token, &r.new_password).await?;
        Ok(Response::new(()))
    }

    async fn forgot_staff_password(&self, req: Request<pb::ForgotPasswordRequest>) -> Result<Response<()>, Status> {
        let r = req.into_inner();
        self.app.forgot_password(PrincipalKind::Staff, &r.tenant, &r.email).await?;
        Ok(Response::new(()))
    }

    async fn reset_staff_password(&self, req: Request<pb::ResetPasswordRequest>) -> Result<Response<()>, Status> {
        let r = req.into_inner();
        self.app.reset_password(PrincipalKind::Staff, &r.token, &r.new_password).await?;
        Ok(Response::new(()))
    }
}

#[tonic::async_trait]
impl PortalUserService for PortalGrpc {
    async fn list_portal_users(
        &self,
        req: Request<pb::ListPortalUsersRequest>,
    ) -> Result<Response<pb::ListPortalUsersResponse>, Status> {
        let p = principal(&req)?;
        let company = parse_id("company_id", &req.get_ref().company_id).map_err(err)?;
        let users = self.app.list_portal_users(&p, company).await?;
        Ok(Response::new(pb::ListPortalUsersResponse { portal_users: users.iter().map(proto::portal_user).collect() }))
    }

    async fn get_portal_user(
        &self,
        req: Request<pb::GetPortalUserRequest>,
    ) -> Result<Response<pb::PortalUser>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::portal_user(&self.app.get_portal_user(&p, id).await?)))
    }

    async fn create_portal_user(
        &self,
        req: Request<pb::CreatePortalUserRequest>,
    ) -> Result<Response<pb::PortalUser>, Status> {
        let p = principal(&req)?;
        let authorization =
            req.metadata().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let r = req.into_inner();
        let company = parse_id("company_id", &r.company_id).map_err(err)?;
        let input = r.portal_user.unwrap_or_default();
        let contact = parse_id("portal_user.contact_id", &input.contact_id).map_err(err)?;
        let role = if input.role == 0 { Role::ClientUser } else { role("portal_user.role", input.role)? };
        // Another company than a Client Admin's own is NOT_FOUND before anything is looked up.
        crate::app::check_company(&p, company)?;
        let contact = self.contacts.get(&authorization, contact, "portal_user.contact_id").await?;
        Ok(Response::new(proto::portal_user(&self.app.create_portal_user(&p, company, &contact, role).await?)))
    }

    async fn update_portal_user(
        &self,
        req: Request<pb::UpdatePortalUserRequest>,
    ) -> Result<Response<pb::PortalUser>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let input = r.portal_user.unwrap_or_default();
        let id = parse_id("portal_user.id", &input.id).map_err(err)?;
        let paths = mask_paths(r.update_mask, &[("role", input.role != 0)])?;
        if paths.is_empty() {
            return Ok(Response::new(proto::portal_user(&self.app.get_portal_user(&p, id).await?)));
        }
        let role = role("portal_user.role", input.role)?;
        Ok(Response::new(proto::portal_user(&self.app.set_portal_role(&p, id, role).await?)))
    }

    async fn disable_portal_user(
        &self,
        req: Request<pb::DisablePortalUserRequest>,
    ) -> Result<Response<pb::PortalUser>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::portal_user(&self.app.set_portal_user_enabled(&p, id, false).await?)))
    }

    async fn enable_portal_user(
        &self,
        req: Request<pb::EnablePortalUserRequest>,
    ) -> Result<Response<pb::PortalUser>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::portal_user(&self.app.set_portal_user_enabled(&p, id, true).await?)))
    }

    async fn resend_invitation(
        &self,
        req: Request<pb::ResendInvitationRequest>,
    ) -> Result<Response<pb::PortalUser>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::portal_user(&self.app.resend_invitation(&p, id).await?)))
    }
}
