//! gRPC adapters for `psa.identity.v1` AuthService, UserService, RoleService and
//! ApiKeyService: proto ⇄ app types, errors → status.

pub mod portal;

use std::sync::Arc;

use psa_core::DomainError;
use psa_core::validate::parse_id;
use psa_kit::auth::principal;
use psa_proto::identity::{
    self as pb, api_key_service_server::ApiKeyService, auth_service_server::AuthService,
    identity_provider_service_server::IdentityProviderService, ldap_directory_service_server::LdapDirectoryService,
    role_service_server::RoleService, security_settings_service_server::SecuritySettingsService,
    user_service_server::UserService,
};
use tonic::{Request, Response, Status};

use crate::app::{DirectoryInput, Identity, NewKey, ProviderInput, RoleChanges, SettingsChanges, Tokens, UserChanges};
use crate::domain::tokens::jwk;
use crate::repo::sessions::Client;
use crate::{proto, repo};

pub mod audit;
pub mod tenants;

fn err(e: impl Into<psa_kit::Error>) -> Status {
    e.into().into()
}

/// Where a sign-in comes from: the last `x-forwarded-for` entry (the address the gateway
/// saw) or the peer address; the gateway's `x-forwarded-user-agent` or `user-agent`.
pub(crate) fn client<T>(req: &Request<T>) -> Client {
    let md = req.metadata();
    let text = |k: &str| md.get(k).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let ip_address = text("x-forwarded-for")
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_owned())
        .or_else(|| req.remote_addr().map(|a| a.ip().to_string()))
        .unwrap_or_default();
    let user_agent = text("x-forwarded-user-agent").or_else(|| text("user-agent")).unwrap_or_default().to_owned();
    Client { ip_address, user_agent }
}

/// Fields to change: the mask's paths, or without a mask those `set` says are non-empty.
fn mask_paths(mask: Option<prost_types::FieldMask>, set: &[(&str, bool)]) -> Result<Vec<String>, Status> {
    let paths = match mask {
        Some(m) if !m.paths.is_empty() => m.paths,
        _ => set.iter().filter(|(_, s)| *s).map(|(n, _)| (*n).to_owned()).collect(),
    };
    if let Some(bad) = paths.iter().find(|p| !set.iter().any(|(n, _)| n == p)) {
        return Err(err(DomainError::invalid("update_mask", format!("unknown field {bad:?}"))));
    }
    Ok(paths)
}

/// The service implementation.
#[derive(Clone)]
pub struct Grpc {
    pub app: Arc<Identity>,
}

fn token_pair(t: Tokens) -> pb::TokenPair {
    let mfa_required = t.mfa_challenge.is_some();
    pb::TokenPair {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_in: t.expires_in as i32,
        token_type: if mfa_required { String::new() } else { "Bearer".into() },
        mfa_required,
        mfa_challenge: t.mfa_challenge.unwrap_or_default(),
        mfa_setup_required: t.mfa_setup_required,
        password_change_required: t.password_change_required,
    }
}

#[tonic::async_trait]
impl AuthService for Grpc {
    async fn login(&self, req: Request<pb::LoginRequest>) -> Result<Response<pb::TokenPair>, Status> {
        let client = client(&req);
        let r = req.into_inner();
        Ok(Response::new(token_pair(self.app.login(&r.tenant, &r.email, &r.password, &client).await?)))
    }

    async fn login_mfa(&self, req: Request<pb::LoginMfaRequest>) -> Result<Response<pb::TokenPair>, Status> {
        let client = client(&req);
        let r = req.into_inner();
        Ok(Response::new(token_pair(self.app.login_mfa(&r.mfa_challenge, &r.code, &r.recovery_code, &client).await?)))
    }

    async fn setup_mfa(&self, req: Request<pb::SetupMfaRequest>) -> Result<Response<pb::SetupMfaResponse>, Status> {
        let p = principal(&req)?;
        let s = self.app.setup_mfa(&p).await?;
        Ok(Response::new(pb::SetupMfaResponse {
            secret: s.secret,
            otpauth_uri: s.otpauth_uri,
            qr_code_svg: s.qr_code_svg,
        }))
    }

    async fn verify_mfa(&self, req: Request<pb::VerifyMfaRequest>) -> Result<Response<pb::VerifyMfaResponse>, Status> {
        let p = principal(&req)?;
        let recovery_codes = self.app.verify_mfa(&p, &req.get_ref().code).await?;
        Ok(Response::new(pb::VerifyMfaResponse { recovery_codes }))
    }

    async fn disable_mfa(&self, req: Request<pb::DisableMfaRequest>) -> Result<Response<()>, Status> {
        let p = principal(&req)?;
        self.app.disable_mfa(&p, &req.get_ref().code).await?;
        Ok(Response::new(()))
    }

    async fn login_ldap(&self, req: Request<pb::LoginLdapRequest>) -> Result<Response<pb::TokenPair>, Status> {
        let client = client(&req);
        let r = req.into_inner();
        let t = self.app.login_ldap(&r.tenant, &r.directory, &r.username, &r.password, &client).await?;
        Ok(Response::new(token_pair(t)))
    }

    async fn list_sign_in_providers(
        &self,
        req: Request<pb::ListSignInProvidersRequest>,
    ) -> Result<Response<pb::ListSignInProvidersResponse>, Status> {
        let list = self.app.sign_in_providers(&req.get_ref().tenant).await?;
        Ok(Response::new(pb::ListSignInProvidersResponse {
            providers: list
                .into_iter()
                .map(|p| pb::SignInProvider { name: p.name, display_name: p.display_name })
                .collect(),
        }))
    }

    async fn start_sso(&self, req: Request<pb::StartSsoRequest>) -> Result<Response<pb::StartSsoResponse>, Status> {
        let r = req.into_inner();
        let authorization_url = self.app.start_sso(&r.tenant, &r.provider, &r.redirect_uri).await?;
        Ok(Response::new(pb::StartSsoResponse { authorization_url }))
    }

    async fn complete_sso(&self, req: Request<pb::CompleteSsoRequest>) -> Result<Response<pb::TokenPair>, Status> {
        let client = client(&req);
        let r = req.into_inner();
        Ok(Response::new(token_pair(self.app.complete_sso(&r.state, &r.code, &client).await?)))
    }

    async fn refresh(&self, req: Request<pb::RefreshRequest>) -> Result<Response<pb::TokenPair>, Status> {
        Ok(Response::new(token_pair(self.app.refresh(&req.into_inner().refresh_token).await?)))
    }

    async fn logout(&self, req: Request<pb::LogoutRequest>) -> Result<Response<()>, Status> {
        let client = client(&req);
        self.app.logout(&req.into_inner().refresh_token, &client).await?;
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
            company_id: me.principal.company_id.map(|c| c.to_string()).unwrap_or_default(),
        }))
    }

    async fn list_sessions(
        &self,
        req: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        let p = principal(&req)?;
        let sessions = self.app.list_sessions(&p).await?;
        Ok(Response::new(pb::ListSessionsResponse {
            sessions: sessions.into_iter().map(|s| proto::session(s, p.session_id)).collect(),
        }))
    }

    async fn revoke_session(&self, req: Request<pb::RevokeSessionRequest>) -> Result<Response<()>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(|_| err(DomainError::NotFound { entity: "session" }))?;
        self.app.revoke_session(&p, id).await?;
        Ok(Response::new(()))
    }

    async fn change_password(&self, req: Request<pb::ChangePasswordRequest>) -> Result<Response<()>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        self.app.change_password(&p, &r.current_password, &r.new_password).await?;
        Ok(Response::new(()))
    }

    async fn revoke_all_sessions(
        &self,
        req: Request<pb::RevokeAllSessionsRequest>,
    ) -> Result<Response<pb::RevokeAllSessionsResponse>, Status> {
        let p = principal(&req)?;
        let n = self.app.revoke_all_sessions(&p, req.get_ref().keep_current).await?;
        Ok(Response::new(pb::RevokeAllSessionsResponse { revoked: n as i32 }))
    }
}

fn user_id(id: &str) -> Result<uuid::Uuid, Status> {
    parse_id("id", id).map_err(|_| err(DomainError::NotFound { entity: "user" }))
}

#[tonic::async_trait]
impl UserService for Grpc {
    async fn list_users(&self, req: Request<pb::ListUsersRequest>) -> Result<Response<pb::ListUsersResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let params = psa_kit::list::ListParams {
            page_size: r.page_size,
            page_token: r.page_token,
            filter: r.filter,
            order_by: r.order_by,
        };
        let (users, next_page_token) = self.app.list_users(&p, &params).await?;
        Ok(Response::new(pb::ListUsersResponse { users: users.iter().map(proto::user).collect(), next_page_token }))
    }

    async fn get_user(&self, req: Request<pb::GetUserRequest>) -> Result<Response<pb::User>, Status> {
        let p = principal(&req)?;
        let id = user_id(&req.get_ref().id)?;
        Ok(Response::new(proto::user(&self.app.get_user(&p, id).await?)))
    }

    async fn create_user(&self, req: Request<pb::CreateUserRequest>) -> Result<Response<pb::User>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let v = self.app.create_user(&p, &r.email, &r.display_name, &r.password, &r.role_ids).await?;
        Ok(Response::new(proto::user(&v)))
    }

    async fn update_user(&self, req: Request<pb::UpdateUserRequest>) -> Result<Response<pb::User>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let id = user_id(&r.id)?;
        let paths = mask_paths(
            r.update_mask,
            &[
                ("display_name", !r.display_name.is_empty()),
                ("role_ids", !r.role_ids.is_empty()),
                ("password", !r.password.is_empty()),
            ],
        )?;
        let has = |n: &str| paths.iter().any(|p| p == n);
        let changes = UserChanges {
            display_name: has("display_name").then_some(r.display_name),
            role_ids: has("role_ids").then_some(r.role_ids),
            password: has("password").then_some(r.password),
        };
        Ok(Response::new(proto::user(&self.app.update_user(&p, id, changes).await?)))
    }

    async fn disable_user(&self, req: Request<pb::DisableUserRequest>) -> Result<Response<pb::User>, Status> {
        let p = principal(&req)?;
        let id = user_id(&req.get_ref().id)?;
        Ok(Response::new(proto::user(&self.app.disable_user(&p, id).await?)))
    }

    async fn enable_user(&self, req: Request<pb::EnableUserRequest>) -> Result<Response<pb::User>, Status> {
        let p = principal(&req)?;
        let id = user_id(&req.get_ref().id)?;
        Ok(Response::new(proto::user(&self.app.enable_user(&p, id).await?)))
    }

    async fn unlock_user(&self, req: Request<pb::UnlockUserRequest>) -> Result<Response<pb::User>, Status> {
        let p = principal(&req)?;
        let id = user_id(&req.get_ref().id)?;
        Ok(Response::new(proto::user(&self.app.unlock_user(&p, id).await?)))
    }
}

#[tonic::async_trait]
impl RoleService for Grpc {
    async fn list_roles(&self, req: Request<pb::ListRolesRequest>) -> Result<Response<pb::ListRolesResponse>, Status> {
        let p = principal(&req)?;
        let roles = self.app.list_roles(&p).await?;
        Ok(Response::new(pb::ListRolesResponse { roles: roles.into_iter().map(proto::role).collect() }))
    }

    async fn get_role(&self, req: Request<pb::GetRoleRequest>) -> Result<Response<pb::Role>, Status> {
        let p = principal(&req)?;
        Ok(Response::new(proto::role(self.app.get_role(&p, &req.get_ref().id).await?)))
    }

    async fn create_role(&self, req: Request<pb::CreateRoleRequest>) -> Result<Response<pb::Role>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        Ok(Response::new(proto::role(self.app.create_role(&p, &r.name, &r.description, &r.permissions).await?)))
    }

    async fn update_role(&self, req: Request<pb::UpdateRoleRequest>) -> Result<Response<pb::Role>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let paths = mask_paths(
            r.update_mask,
            &[
                ("name", !r.name.is_empty()),
                ("description", !r.description.is_empty()),
                ("permissions", !r.permissions.is_empty()),
            ],
        )?;
        let has = |n: &str| paths.iter().any(|p| p == n);
        let changes = RoleChanges {
            name: has("name").then_some(r.name),
            description: has("description").then_some(r.description),
            permissions: has("permissions").then_some(r.permissions),
        };
        Ok(Response::new(proto::role(self.app.update_role(&p, &r.id, changes).await?)))
    }

    async fn delete_role(&self, req: Request<pb::DeleteRoleRequest>) -> Result<Response<()>, Status> {
        let p = principal(&req)?;
        self.app.delete_role(&p, &req.get_ref().id).await?;
        Ok(Response::new(()))
    }
}

#[tonic::async_trait]
impl ApiKeyService for Grpc {
    async fn create_api_key(
        &self,
        req: Request<pb::CreateApiKeyRequest>,
    ) -> Result<Response<pb::CreateApiKeyResponse>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let expires_at = match r.expire_time {
            None => None,
            Some(t) => Some(
                chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32)
                    .ok_or_else(|| err(DomainError::invalid("expire_time", "out of range")))?,
            ),
        };
        let created =
            self.app.create_api_key(&p, NewKey { name: r.name, permissions: r.permissions, expires_at }).await?;
        Ok(Response::new(pb::CreateApiKeyResponse {
            api_key: Some(proto::api_key(created.key)),
            secret: created.secret,
        }))
    }

    async fn list_api_keys(
        &self,
        req: Request<pb::ListApiKeysRequest>,
    ) -> Result<Response<pb::ListApiKeysResponse>, Status> {
        let p = principal(&req)?;
        let keys = self.app.list_api_keys(&p).await?;
        Ok(Response::new(pb::ListApiKeysResponse { api_keys: keys.into_iter().map(proto::api_key).collect() }))
    }

    async fn revoke_api_key(&self, req: Request<pb::RevokeApiKeyRequest>) -> Result<Response<pb::ApiKey>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(|_| err(DomainError::NotFound { entity: "API key" }))?;
        Ok(Response::new(proto::api_key(self.app.revoke_api_key(&p, id).await?)))
    }

    async fn exchange_api_key(
        &self,
        req: Request<pb::ExchangeApiKeyRequest>,
    ) -> Result<Response<pb::ExchangeApiKeyResponse>, Status> {
        let client = client(&req);
        let (access_token, ttl) = self.app.exchange_api_key(&req.get_ref().api_key, &client).await?;
        Ok(Response::new(pb::ExchangeApiKeyResponse { access_token, expires_in: ttl as i32 }))
    }
}

fn settings(s: repo::tenants::SecuritySettings) -> pb::SecuritySettings {
    pb::SecuritySettings {
        lockout_threshold: s.lockout_threshold,
        lockout_minutes: s.lockout_minutes,
        password_min_length: s.password_min_length,
        mfa_required: s.mfa_required,
        mfa_required_roles: s.mfa_required_roles,
        password_max_age_days: s.password_max_age_days.unwrap_or(0),
    }
}

#[tonic::async_trait]
impl SecuritySettingsService for Grpc {
    async fn get_security_settings(
        &self,
        req: Request<pb::GetSecuritySettingsRequest>,
    ) -> Result<Response<pb::SecuritySettings>, Status> {
        let p = principal(&req)?;
        Ok(Response::new(settings(self.app.security_settings(&p).await?)))
    }

    async fn update_security_settings(
        &self,
        req: Request<pb::UpdateSecuritySettingsRequest>,
    ) -> Result<Response<pb::SecuritySettings>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let paths = mask_paths(
            r.update_mask,
            &[
                ("lockout_threshold", r.lockout_threshold != 0),
                ("lockout_minutes", r.lockout_minutes != 0),
                ("password_min_length", r.password_min_length != 0),
                ("mfa_required", r.mfa_required),
                ("mfa_required_roles", !r.mfa_required_roles.is_empty()),
                ("password_max_age_days", r.password_max_age_days != 0),
            ],
        )?;
        let has = |n: &str| paths.iter().any(|p| p == n);
        let changes = SettingsChanges {
            lockout_threshold: has("lockout_threshold").then_some(r.lockout_threshold),
            lockout_minutes: has("lockout_minutes").then_some(r.lockout_minutes),
            password_min_length: has("password_min_length").then_some(r.password_min_length),
            mfa_required: has("mfa_required").then_some(r.mfa_required),
            password_max_age_days: has("password_max_age_days").then_some(r.password_max_age_days),
            mfa_required_roles: has("mfa_required_roles").then_some(r.mfa_required_roles),
        };
        Ok(Response::new(settings(self.app.update_security_settings(&p, changes).await?)))
    }
}

fn provider_input(p: pb::IdentityProvider) -> ProviderInput {
    ProviderInput {
        name: p.name,
        display_name: p.display_name,
        issuer_url: p.issuer_url,
        client_id: p.client_id,
        client_secret: p.client_secret,
        scopes: p.scopes,
        email_domains: p.email_domains,
        jit_enabled: p.jit_enabled,
        jit_role_id: p.jit_role_id,
        enabled: p.enabled,
    }
}

#[tonic::async_trait]
impl IdentityProviderService for Grpc {
    async fn list_identity_providers(
        &self,
        req: Request<pb::ListIdentityProvidersRequest>,
    ) -> Result<Response<pb::ListIdentityProvidersResponse>, Status> {
        let p = principal(&req)?;
        let list = self.app.list_identity_providers(&p).await?;
        Ok(Response::new(pb::ListIdentityProvidersResponse {
            identity_providers: list.iter().map(proto::identity_provider).collect(),
        }))
    }

    async fn get_identity_provider(
        &self,
        req: Request<pb::GetIdentityProviderRequest>,
    ) -> Result<Response<pb::IdentityProvider>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        Ok(Response::new(proto::identity_provider(&self.app.get_identity_provider(&p, id).await?)))
    }

    async fn create_identity_provider(
        &self,
        req: Request<pb::CreateIdentityProviderRequest>,
    ) -> Result<Response<pb::IdentityProvider>, Status> {
        let p = principal(&req)?;
        let Some(input) = req.into_inner().identity_provider else {
            return Err(err(DomainError::invalid("identity_provider", "is required")));
        };
        Ok(Response::new(proto::identity_provider(
            &self.app.create_identity_provider(&p, provider_input(input)).await?,
        )))
    }

    async fn update_identity_provider(
        &self,
        req: Request<pb::UpdateIdentityProviderRequest>,
    ) -> Result<Response<pb::IdentityProvider>, Status> {
        let p = principal(&req)?;
        let r = req.into_inner();
        let Some(input) = r.identity_provider else {
            return Err(err(DomainError::invalid("identity_provider", "is required")));
        };
        let id = parse_id("identity_provider.id", &input.id).map_err(err)?;
        let fields = r.update_mask.filter(|m| !m.paths.is_empty()).map(|m| m.paths);
        let updated = self.app.update_identity_provider(&p, id, provider_input(input), fields).await?;
        Ok(Response::new(proto::identity_provider(&updated)))
    }

    async fn delete_identity_provider(
        &self,
        req: Request<pb::DeleteIdentityProviderRequest>,
    ) -> Result<Response<()>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        self.app.delete_identity_provider(&p, id).await?;
        Ok(Response::new(()))
    }
}

#[tonic::async_trait]
impl LdapDirectoryService for Grpc {
    async fn list_ldap_directories(
        &self,
        req: Request<pb::ListLdapDirectoriesRequest>,
    ) -> Result<Response<pb::ListLdapDirectoriesResponse>, Status> {
        let p = principal(&req)?;
        let list = self.app.list_ldap_directories(&p).await?;
        Ok(Response::new(pb::ListLdapDirectoriesResponse {
            ldap_directories: list.iter().map(proto::ldap_directory).collect(),
        }))
    }

    async fn create_ldap_directory(
        &self,
        req: Request<pb::CreateLdapDirectoryRequest>,
    ) -> Result<Response<pb::LdapDirectory>, Status> {
        let p = principal(&req)?;
        let Some(d) = req.into_inner().ldap_directory else {
            return Err(err(DomainError::invalid("ldap_directory", "is required")));
        };
        let input = DirectoryInput {
            name: d.name,
            url: d.url,
            bind_dn_template: d.bind_dn_template,
            search_base: d.search_base,
            service_bind_dn: d.service_bind_dn,
            service_password: d.service_password,
            user_attribute: d.user_attribute,
            email_attribute: d.email_attribute,
            enabled: d.enabled,
        };
        Ok(Response::new(proto::ldap_directory(&self.app.create_ldap_directory(&p, input).await?)))
    }

    async fn delete_ldap_directory(
        &self,
        req: Request<pb::DeleteLdapDirectoryRequest>,
    ) -> Result<Response<()>, Status> {
        let p = principal(&req)?;
        let id = parse_id("id", &req.get_ref().id).map_err(err)?;
        self.app.delete_ldap_directory(&p, id).await?;
        Ok(Response::new(()))
    }
}
