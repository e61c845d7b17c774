//! Every service verifies every call itself (DESIGN.md §4): tampered, expired, foreign-key and
//! permission-less tokens are refused when calling the services directly over gRPC, not only
//! through the gateway. And a browser-style gRPC-web call works through the gateway.

use prost::Message as _;
use psa_kit::auth::Claims;
use psa_proto::{contracts, identity, tickets};
use psa_testkit::Stack;
use tonic::Code;
use tonic::metadata::MetadataValue;

fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert("authorization", MetadataValue::try_from(format!("Bearer {token}")).unwrap());
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn services_refuse_bad_tokens_directly() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme-msp").await;
    let other = stack.create_tenant("other-msp").await;
    let mut auth = identity::auth_service_client::AuthServiceClient::connect(stack.identity_url.clone()).await.unwrap();
    let login = auth
        .login(identity::LoginRequest {
            tenant: admin.slug.clone(),
            email: admin.email.clone(),
            password: admin.password.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut companies =
        contracts::company_service_client::CompanyServiceClient::connect(stack.contracts_url.clone()).await.unwrap();
    let mut tickets =
        tickets::ticket_service_client::TicketServiceClient::connect(stack.tickets_url.clone()).await.unwrap();

    let company = companies
        .create_company(authed(
            contracts::CreateCompanyRequest {
                company: Some(contracts::Company { name: "Direct".into(), ..Default::default() }),
            },
            &login.access_token,
        ))
        .await
        .unwrap()
        .into_inner();
    let ticket = tickets
        .create_ticket(authed(
            tickets::CreateTicketRequest {
                ticket: Some(tickets::Ticket {
                    title: "Direct".into(),
                    company_id: company.id.clone(),
                    ..Default::default()
                }),
            },
            &login.access_token,
        ))
        .await
        .unwrap()
        .into_inner();

    // Tampered payload (signature no longer matches).
    let mut parts: Vec<String> = login.access_token.split('.').map(str::to_owned).collect();
    let mut claims: serde_json::Value = serde_json::from_slice(&base64_url_decode(&parts[1])).unwrap();
    claims["tid"] = serde_json::Value::String(other.tenant_id.to_string());
    parts[1] = base64_url_encode(&serde_json::to_vec(&claims).unwrap());
    let tampered = parts.join(".");
    // Expired (beyond the 30 s leeway).
    let mut expired: Claims =
        Stack::claims(admin.tenant_id, psa_core_kind(), &["tickets.read", "companies.read"], None);
    expired.iat -= 3600;
    expired.exp = chrono_now() - 120;
    let expired = stack.mint_token(&expired).await;
    // Valid token, but without the permission the method declares.
    let no_perm = stack.mint_token(&Stack::claims(admin.tenant_id, psa_core_kind(), &["companies.read"], None)).await;
    // Another tenant's valid token.
    let other_tenant = stack
        .mint_token(&Stack::claims(other.tenant_id, psa_core_kind(), &["tickets.read", "companies.read"], None))
        .await;

    for (token, code) in [
        ("", Code::Unauthenticated),
        (tampered.as_str(), Code::Unauthenticated),
        (expired.as_str(), Code::Unauthenticated),
        ("garbage", Code::Unauthenticated),
    ] {
        let t =
            tickets.get_ticket(authed(tickets::GetTicketRequest { id: ticket.id.clone() }, token)).await.unwrap_err();
        assert_eq!(t.code(), code, "tickets with {token:.20}: {t:?}");
        let c = companies
            .get_company(authed(contracts::GetCompanyRequest { id: company.id.clone() }, token))
            .await
            .unwrap_err();
        assert_eq!(c.code(), code, "contracts with {token:.20}: {c:?}");
        let i = auth.who_am_i(authed(identity::WhoAmIRequest {}, token)).await.unwrap_err();
        assert_eq!(i.code(), code, "identity with {token:.20}: {i:?}");
    }
    let denied =
        tickets.get_ticket(authed(tickets::GetTicketRequest { id: ticket.id.clone() }, &no_perm)).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let t = tickets
        .get_ticket(authed(tickets::GetTicketRequest { id: ticket.id.clone() }, &other_tenant))
        .await
        .unwrap_err();
    assert_eq!(t.code(), Code::NotFound);
    let c = companies
        .get_company(authed(contracts::GetCompanyRequest { id: company.id.clone() }, &other_tenant))
        .await
        .unwrap_err();
    assert_eq!(c.code(), Code::NotFound);
    // The genuine token still works.
    assert!(
        tickets
            .get_ticket(authed(tickets::GetTicketRequest { id: ticket.id.clone() }, &login.access_token))
            .await
            .is_ok()
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn grpc_web_through_the_gateway() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme-msp").await;
    let (api, login) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &serde_json::json!({"name": "Web Co"})).await;
    let (_, t) =
        api.post("/api/v1/tickets", &serde_json::json!({"title": "via REST", "companyId": company["id"]})).await;

    let msg = tickets::ListTicketsRequest { page_size: 10, ..Default::default() }.encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(msg.len() as u32).to_be_bytes());
    frame.extend_from_slice(&msg);
    let resp = reqwest::Client::new()
        .post(format!("{}/psa.tickets.v1.TicketService/ListTickets", stack.gateway_url()))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .bearer_auth(login["accessToken"].as_str().unwrap())
        .body(frame)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/grpc-web"));
    let body = resp.bytes().await.unwrap();
    let (mut data, mut trailers) = (None, String::new());
    let mut rest = &body[..];
    while rest.len() >= 5 {
        let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        let payload = &rest[5..5 + len];
        if rest[0] & 0x80 != 0 {
            trailers = String::from_utf8_lossy(payload).into_owned();
        } else {
            data = Some(tickets::ListTicketsResponse::decode(payload).unwrap());
        }
        rest = &rest[5 + len..];
    }
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
    let list = data.expect("a data frame");
    assert_eq!(list.tickets.len(), 1);
    assert_eq!(list.tickets[0].id, t["id"].as_str().unwrap());
    // Without a token, gRPC-web gets UNAUTHENTICATED (16) from the service itself.
    let resp = reqwest::Client::new()
        .post(format!("{}/psa.tickets.v1.TicketService/ListTickets", stack.gateway_url()))
        .header("content-type", "application/grpc-web+proto")
        .body(vec![0u8, 0, 0, 0, 0])
        .send()
        .await
        .unwrap();
    let status = resp.headers().get("grpc-status").map(|v| v.to_str().unwrap().to_owned());
    let body = resp.bytes().await.unwrap();
    assert!(status.as_deref() == Some("16") || String::from_utf8_lossy(&body).contains("grpc-status:16"), "{status:?}");
    stack.stop().await;
}

fn psa_core_kind() -> psa_core::PrincipalKind {
    psa_core::PrincipalKind::Staff
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn base64_url_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}
