//! identity over gRPC against real PostgreSQL and Redis: bootstrap, login, refresh-token
//! rotation under concurrency, logout, JWKS, WhoAmI; users and roles, lockout and password
//! policy, sessions, API keys, tenant isolation (modules).

mod access;
mod api_keys;
mod lockout;
mod mfa;
mod policy;
mod portal;
mod sessions;
mod users;

use psa_proto::identity::{self as pb, auth_service_client::AuthServiceClient};
use psa_testkit::Stack;
use tonic::Code;
use tonic::transport::Channel;

async fn client(stack: &Stack) -> AuthServiceClient<Channel> {
    AuthServiceClient::connect(stack.identity_url.clone()).await.unwrap()
}

fn login_req(t: &psa_testkit::TenantAdmin) -> pb::LoginRequest {
    pb::LoginRequest { tenant: t.slug.clone(), email: t.email.to_uppercase(), password: t.password.clone() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bootstrap_is_idempotent_and_keeps_the_password() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let pool = psa_identity::connect(&psa_kit::config::DatabaseConfig {
        database_url: stack.database_url.clone(),
        database_max_connections: 1,
    })
    .await
    .unwrap();
    let naming = psa_kit::events::Naming::new(&stack.nats);
    let again = psa_identity::bootstrap(&pool, &naming, "demo", "Demo MSP", &admin.email, None).await.unwrap();
    assert!(!again.tenant_created && !again.admin_created && again.generated_password.is_none());
    assert_eq!(again.tenant_id, admin.tenant_id);
    let mut c = client(&stack).await;
    assert!(c.login(login_req(&admin)).await.is_ok(), "original password still valid, email case-insensitive");
    let fresh =
        psa_identity::bootstrap(&pool, &naming, "second", "Second", "admin@second.example", None).await.unwrap();
    let pw = fresh.generated_password.expect("generated");
    assert!(pw.len() >= 20);
    assert!(psa_identity::bootstrap(&pool, &naming, "Bad Slug!", "x", "a@b.example", None).await.is_err());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refreshes_with_one_token_yield_one_winner_and_revoke_on_reuse() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = client(&stack).await;
    let pair = c.login(login_req(&admin)).await.unwrap().into_inner();
    assert_eq!(pair.token_type, "Bearer");
    let jwks = c.get_jwks(pb::GetJwksRequest {}).await.unwrap().into_inner();
    assert_eq!(
        (jwks.keys[0].kty.as_str(), jwks.keys[0].crv.as_str(), jwks.keys[0].alg.as_str()),
        ("OKP", "Ed25519", "EdDSA")
    );

    let calls = (0..4).map(|_| {
        let mut c = c.clone();
        let token = pair.refresh_token.clone();
        async move { c.refresh(pb::RefreshRequest { refresh_token: token }).await }
    });
    let results = futures::future::join_all(calls).await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "exactly one rotation succeeds");
    // The losers presented a used token: the session is revoked, so the winner's pair is dead.
    let winner = results.into_iter().find_map(Result::ok).unwrap().into_inner();
    let err = c.refresh(pb::RefreshRequest { refresh_token: winner.refresh_token }).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let mut req = tonic::Request::new(pb::WhoAmIRequest {});
    req.metadata_mut().insert("authorization", format!("Bearer {}", winner.access_token).parse().unwrap());
    assert_eq!(c.who_am_i(req).await.unwrap_err().code(), Code::Unauthenticated);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn who_am_i_and_logout() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = client(&stack).await;
    let pair = c.login(login_req(&admin)).await.unwrap().into_inner();
    let mut req = tonic::Request::new(pb::WhoAmIRequest {});
    req.metadata_mut().insert("authorization", format!("Bearer {}", pair.access_token).parse().unwrap());
    let me = c.who_am_i(req).await.unwrap().into_inner();
    assert_eq!((me.tenant_slug.as_str(), me.email.as_str(), me.kind.as_str()), ("demo", admin.email.as_str(), "staff"));
    assert!(me.permissions.contains(&"tickets.write".to_owned()));
    c.logout(pb::LogoutRequest { refresh_token: pair.refresh_token.clone() }).await.unwrap();
    c.logout(pb::LogoutRequest { refresh_token: pair.refresh_token.clone() }).await.expect("idempotent");
    let err = c.refresh(pb::RefreshRequest { refresh_token: pair.refresh_token }).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    stack.stop().await;
}
