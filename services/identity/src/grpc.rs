//! gRPC adapter for `psa.identity.v1.AuthService`: proto ⇄ app types, errors → status.

use std::sync::Arc;

use psa_proto::identity::{self as pb, auth_service_server::AuthService};
use tonic::{Request, Response, Status};

use crate::app::{Identity, Tokens};
use crate::domain::tokens::jwk;
use crate::repo;

/// The service implementation.
pub struct Grpc {
    pub app: Arc<Identity>,
}

fn token_pair(t: Tokens) -> pb::TokenPair {
    pb::TokenPair {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_in: t.expires_in as i32,
        token_type: "Bearer".into(),
    }
}

#[tonic::async_trait]
impl AuthService for Grpc {
    async fn login(&self, req: Request<pb::LoginRequest>) -> Result<Response<pb::TokenPair>, Status> {
        let r = req.into_inner();
        Ok(Response::new(token_pair(self.app.login(&r.tenant, &r.email, &r.password).await?)))
    }

    async fn refresh(&self, req: Request<pb::RefreshRequest>) -> Result<Response<pb::TokenPair>, Status> {
        Ok(Response::new(token_pair(self.app.refresh(&req.into_inner().refresh_token).await?)))
    }

    async fn logout(&self, req: Request<pb::LogoutRequest>) -> Result<Response<()>, Status> {
        self.app.logout(&req.into_inner().refresh_token).await?;
        Ok(Response::new(()))
    }

    async fn get_jwks(&self, _req: Request<pb::GetJwksRequest>) -> Result<Response<pb::JwkSet>, Status> {
        let keys = repo::keys::all(&self.app.pool).await.map_err(psa_kit::Error::from)?;
        Ok(Response::new(pb::JwkSet { keys: keys.iter().map(|k| jwk(&k.kid, &k.public_raw)).collect() }))
    }

    async fn who_am_i(&self, req: Request<pb::WhoAmIRequest>) -> Result<Response<pb::WhoAmIResponse>, Status> {
        let principal = psa_kit::auth::principal(&req)?;
        let me = self.app.me(principal).await?;
        Ok(Response::new(pb::WhoAmIResponse {
            user_id: me.principal.user_id.to_string(),
            tenant_id: me.principal.tenant_id.to_string(),
            tenant_slug: me.tenant_slug,
            email: me.email,
            display_name: me.display_name,
            kind: me.principal.kind.as_str().into(),
            permissions: me.principal.permissions,
            session_id: me.principal.session_id.to_string(),
        }))
    }
}
