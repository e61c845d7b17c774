//! The caller's sessions: listed with client address and user agent, revoked one by one or all
//! at once; revoked sessions' tokens are refused; nobody else's sessions are reachable.

use psa_proto::identity as pb;
use psa_testkit::Stack;
use tonic::Code;

use crate::access::{admin_token, auth, clients, create_user, login, who};

const PW: &str = "violet-otter-93";

async fn login_from(c: &mut crate::access::Clients, email: &str, ip: &str, ua: &str) -> pb::TokenPair {
    let mut req =
        tonic::Request::new(pb::LoginRequest { tenant: "demo".into(), email: email.into(), password: PW.into() });
    req.metadata_mut().insert("x-forwarded-for", format!("203.0.113.200, {ip}").parse().unwrap());
    req.metadata_mut().insert("x-forwarded-user-agent", ua.parse().unwrap());
    c.auth.login(req).await.unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_list_and_revoke() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let mut c = clients(&stack).await;
    let token = admin_token(&mut c, &admin).await;
    create_user(&mut c, &token, "tech@demo.example", PW, &["technician"]).await;
    let laptop = login_from(&mut c, "tech@demo.example", "198.51.100.7", "Firefox/140").await;
    let phone = login_from(&mut c, "tech@demo.example", "198.51.100.8", "Mobile Safari").await;
    let tablet = login_from(&mut c, "tech@demo.example", "198.51.100.9", "Tablet").await;

    let list = c.auth.list_sessions(auth(pb::ListSessionsRequest {}, &laptop.access_token)).await.unwrap();
    let list = list.into_inner().sessions;
    let seen: Vec<_> = list.iter().map(|s| (s.ip_address.as_str(), s.user_agent.as_str(), s.current)).collect();
    assert_eq!(
        seen,
        [
            ("198.51.100.9", "Tablet", false),
            ("198.51.100.8", "Mobile Safari", false),
            ("198.51.100.7", "Firefox/140", true)
        ]
    );
    assert!(list.iter().all(|s| s.create_time.is_some() && s.last_seen_time.is_some()));

    // the admin's own list does not include the technician's, and cannot revoke them
    let admin_list = c.auth.list_sessions(auth(pb::ListSessionsRequest {}, &token)).await.unwrap().into_inner();
    assert!(admin_list.sessions.iter().all(|s| !list.iter().any(|t| t.id == s.id)));
    let e = c.auth.revoke_session(auth(pb::RevokeSessionRequest { id: list[1].id.clone() }, &token)).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    assert!(who(&mut c, &phone.access_token).await.is_ok());

    // revoke one
    c.auth
        .revoke_session(auth(pb::RevokeSessionRequest { id: list[1].id.clone() }, &laptop.access_token))
        .await
        .unwrap();
    assert_eq!(who(&mut c, &phone.access_token).await.unwrap_err().code(), Code::Unauthenticated);
    let e = c.auth.refresh(pb::RefreshRequest { refresh_token: phone.refresh_token }).await.unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    let e = c.auth.revoke_session(auth(pb::RevokeSessionRequest { id: list[1].id.clone() }, &laptop.access_token));
    assert_eq!(e.await.unwrap_err().code(), Code::NotFound, "already revoked");

    // revoke all but the current one
    let n = c
        .auth
        .revoke_all_sessions(auth(pb::RevokeAllSessionsRequest { keep_current: true }, &laptop.access_token))
        .await
        .unwrap()
        .into_inner()
        .revoked;
    assert_eq!(n, 1);
    assert_eq!(who(&mut c, &tablet.access_token).await.unwrap_err().code(), Code::Unauthenticated);
    assert!(who(&mut c, &laptop.access_token).await.is_ok());
    // and then everything
    c.auth
        .revoke_all_sessions(auth(pb::RevokeAllSessionsRequest { keep_current: false }, &laptop.access_token))
        .await
        .unwrap();
    assert_eq!(who(&mut c, &laptop.access_token).await.unwrap_err().code(), Code::Unauthenticated);
    assert!(who(&mut c, &token).await.is_ok(), "other users unaffected");
    assert!(login(&mut c, "demo", "tech@demo.example", PW).await.is_ok());
    stack.stop().await;
}
