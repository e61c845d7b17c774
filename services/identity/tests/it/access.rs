//! Shared helpers: clients for every identity service and authorised requests.

use psa_proto::identity::{
    self as pb, api_key_service_client::ApiKeyServiceClient, auth_service_client::AuthServiceClient,
    role_service_client::RoleServiceClient, security_settings_service_client::SecuritySettingsServiceClient,
    user_service_client::UserServiceClient,
};
use psa_testkit::{Stack, TenantAdmin};
use tonic::transport::Channel;

/// Clients of every identity service on one channel.
#[derive(Clone)]
pub struct Clients {
    pub auth: AuthServiceClient<Channel>,
    pub users: UserServiceClient<Channel>,
    pub roles: RoleServiceClient<Channel>,
    pub keys: ApiKeyServiceClient<Channel>,
    pub settings: SecuritySettingsServiceClient<Channel>,
}

pub async fn clients(stack: &Stack) -> Clients {
    let ch = Channel::from_shared(stack.identity_url.clone()).unwrap().connect().await.unwrap();
    Clients {
        auth: AuthServiceClient::new(ch.clone()),
        users: UserServiceClient::new(ch.clone()),
        roles: RoleServiceClient::new(ch.clone()),
        keys: ApiKeyServiceClient::new(ch.clone()),
        settings: SecuritySettingsServiceClient::new(ch),
    }
}

/// `msg` with `authorization: Bearer <token>`.
pub fn auth<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}

/// Logs in `email` / `password` in tenant `slug`; the token pair.
pub async fn login(c: &mut Clients, slug: &str, email: &str, password: &str) -> Result<pb::TokenPair, tonic::Status> {
    c.auth
        .login(pb::LoginRequest { tenant: slug.into(), email: email.into(), password: password.into() })
        .await
        .map(tonic::Response::into_inner)
}

/// The admin's access token.
pub async fn admin_token(c: &mut Clients, admin: &TenantAdmin) -> String {
    login(c, &admin.slug, &admin.email, &admin.password).await.unwrap().access_token
}

/// Creates a user with `roles` as `token`; returns it.
pub async fn create_user(c: &mut Clients, token: &str, email: &str, password: &str, roles: &[&str]) -> pb::User {
    c.users
        .create_user(auth(
            pb::CreateUserRequest {
                email: email.into(),
                display_name: "Test User".into(),
                password: password.into(),
                role_ids: roles.iter().map(|r| (*r).to_owned()).collect(),
            },
            token,
        ))
        .await
        .unwrap()
        .into_inner()
}

/// WhoAmI with `token`.
pub async fn who(c: &mut Clients, token: &str) -> Result<pb::WhoAmIResponse, tonic::Status> {
    c.auth.who_am_i(auth(pb::WhoAmIRequest {}, token)).await.map(tonic::Response::into_inner)
}

/// The field names of an INVALID_ARGUMENT status's violations.
pub fn violations(s: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt as _;
    s.get_details_bad_request().map(|b| b.field_violations.into_iter().map(|v| v.field).collect()).unwrap_or_default()
}
