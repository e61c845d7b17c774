//! Portal users over gRPC: an invitation link is accepted exactly once under concurrency;
//! without mail configured nothing is created; a reset link is spent exactly once.

use psa_proto::identity::{
    self as pb, portal_auth_service_client::PortalAuthServiceClient,
    portal_user_service_client::PortalUserServiceClient,
};
use psa_testkit::smtp::SmtpSink;
use psa_testkit::{Api, Stack, StackOptions};
use serde_json::json;
use tonic::Code;

const PASSWORD: &str = "a long portal passphrase 42";

/// A company with contact Ann (`ann@alpha.example`); returns their ids.
async fn company_and_contact(staff: &Api) -> (String, String) {
    let (_, c) = staff.post("/api/v1/companies", &json!({"name": "Alpha Co"})).await;
    let company = c["id"].as_str().unwrap().to_owned();
    let (_, ct) = staff
        .post("/api/v1/contacts", &json!({"companyId": company, "firstName": "Ann", "email": "ann@alpha.example"}))
        .await;
    (company, ct["id"].as_str().unwrap().to_owned())
}

fn invite(token: &str, company: &str, contact: &str) -> tonic::Request<pb::CreatePortalUserRequest> {
    let mut req = tonic::Request::new(pb::CreatePortalUserRequest {
        company_id: company.into(),
        portal_user: Some(pb::PortalUser { contact_id: contact.into(), ..Default::default() }),
    });
    req.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_acceptances_of_one_link_yield_one_winner() {
    let smtp = SmtpSink::start().await;
    let stack = Stack::start_with(StackOptions { smtp_url: Some(smtp.url()), ..Default::default() }).await;
    let admin = stack.create_tenant("demo").await;
    let (staff, _) = stack.login(&admin).await;
    let (company, contact) = company_and_contact(&staff).await;
    let mut users = PortalUserServiceClient::connect(stack.identity_url.clone()).await.unwrap();
    let user = users.create_portal_user(invite(staff.token().unwrap(), &company, &contact)).await.unwrap().into_inner();
    assert_eq!(user.role, pb::PortalRole::ClientUser as i32, "CLIENT_USER by default");
    assert_eq!(user.status, pb::PortalUserStatus::Invited as i32);
    let mail = smtp.next_to("ann@alpha.example").await;
    let (_, token) = mail.link_with(&format!("{}/portal/accept-invitation#token=", stack.gateway_url())).unwrap();

    let auth = PortalAuthServiceClient::connect(stack.identity_url.clone()).await.unwrap();
    let calls = (0..4).map(|_| {
        let mut auth = auth.clone();
        let req = pb::AcceptInvitationRequest {
            token: token.clone(),
            password: PASSWORD.into(),
            display_name: String::new(),
        };
        async move { auth.accept_invitation(req).await }
    });
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code() == Code::InvalidArgument));
    let mut auth = auth.clone();
    let pair = auth
        .login(pb::LoginRequest { tenant: "demo".into(), email: "ann@alpha.example".into(), password: PASSWORD.into() })
        .await
        .unwrap()
        .into_inner();
    assert!(!pair.access_token.is_empty());

    // A reset link, too, is spent exactly once.
    auth.forgot_password(pb::ForgotPasswordRequest { tenant: "demo".into(), email: "ann@alpha.example".into() })
        .await
        .unwrap();
    let mail = smtp.next_to("ann@alpha.example").await;
    let (_, reset) = mail.link_with(&format!("{}/portal/reset-password#token=", stack.gateway_url())).unwrap();
    let calls = (0..4).map(|i| {
        let mut auth = auth.clone();
        let req = pb::ResetPasswordRequest { token: reset.clone(), new_password: format!("{PASSWORD} then {i}") };
        async move { auth.reset_password(req).await }
    });
    let results = futures::future::join_all(calls).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_mail_no_invitation_is_created() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let (staff, _) = stack.login(&admin).await;
    let (company, contact) = company_and_contact(&staff).await;
    let mut users = PortalUserServiceClient::connect(stack.identity_url.clone()).await.unwrap();
    let err = users.create_portal_user(invite(staff.token().unwrap(), &company, &contact)).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert!(err.message().contains("PSA_SMTP_URL"), "{}", err.message());
    let (_, list) = staff.get(&format!("/api/v1/companies/{company}/portal-users")).await;
    assert_eq!(list["portalUsers"].as_array().map_or(0, Vec::len), 0, "{list}");
    // A role that is not a portal role is refused with the field named.
    let mut req = invite(staff.token().unwrap(), &company, &contact);
    req.get_mut().portal_user.as_mut().unwrap().role = 7;
    let err = users.create_portal_user(req).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("portal_user.role"), "{}", err.message());
    stack.stop().await;
}
