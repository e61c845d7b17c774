//! tickets over gRPC against real PostgreSQL and NATS: per-tenant numbering under
//! concurrency, lifecycle stamps, notes paging, and the company projection.

use psa_proto::tickets::{self as pb, ticket_service_client::TicketServiceClient};
use psa_testkit::{Stack, eventually};
use tonic::metadata::MetadataValue;

mod automation;
mod desk;
mod email;
mod imap;
mod kb;
mod sla;
mod ticket_actions;
mod time;
mod timesheets;

fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut().insert("authorization", MetadataValue::try_from(format!("Bearer {token}")).unwrap());
    req
}

fn new_ticket(title: &str, company: &str) -> pb::CreateTicketRequest {
    pb::CreateTicketRequest {
        ticket: Some(pb::Ticket { title: title.into(), company_id: company.into(), ..Default::default() }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn numbers_are_unique_and_gapless_per_tenant_under_concurrency() {
    let stack = Stack::start().await;
    let mut tokens = Vec::new();
    for slug in ["tenant-a", "tenant-b"] {
        let (_, login) = stack.login(&stack.create_tenant(slug).await).await;
        tokens.push(login["accessToken"].as_str().unwrap().to_owned());
    }
    let client = TicketServiceClient::connect(stack.tickets_url.clone()).await.unwrap();
    let company = uuid::Uuid::now_v7().to_string();
    let calls = (0..20).map(|i| {
        let mut c = client.clone();
        let token = tokens[i % 2].clone();
        let company = company.clone();
        async move {
            c.create_ticket(authed(new_ticket(&format!("t{i}"), &company), &token)).await.unwrap().into_inner().number
        }
    });
    let numbers = futures::future::join_all(calls).await;
    for tenant in 0..2 {
        let mut mine: Vec<String> = numbers.iter().skip(tenant).step_by(2).cloned().collect();
        mine.sort();
        let expected: Vec<String> = (1..=10).map(|n| format!("T-{n:06}")).collect();
        assert_eq!(mine, expected, "tenant {tenant}");
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_notes_and_projection() {
    let stack = Stack::start().await;
    let (api, login) = stack.login(&stack.create_tenant("demo").await).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let (_, company) = api.post("/api/v1/companies", &serde_json::json!({"name": "Hooli"})).await;
    let company = company["id"].as_str().unwrap().to_owned();
    let mut c = TicketServiceClient::connect(stack.tickets_url.clone()).await.unwrap();
    let t = c.create_ticket(authed(new_ticket("Outage", &company), &token)).await.unwrap().into_inner();
    let update = |status: pb::TicketStatus| pb::UpdateTicketRequest {
        ticket: Some(pb::Ticket { id: t.id.clone(), status: status as i32, ..Default::default() }),
        update_mask: Some(prost_types::FieldMask { paths: vec!["status".into()] }),
    };
    let closed = c.update_ticket(authed(update(pb::TicketStatus::Closed), &token)).await.unwrap().into_inner();
    assert!(closed.resolve_time.is_some() && closed.close_time.is_some());
    let reopened = c.update_ticket(authed(update(pb::TicketStatus::Open), &token)).await.unwrap().into_inner();
    assert!(reopened.resolve_time.is_none() && reopened.close_time.is_none());
    for i in 0..5 {
        let note = pb::TicketNote { body: format!("note {i}"), ..Default::default() };
        c.create_ticket_note(authed(pb::CreateTicketNoteRequest { ticket_id: t.id.clone(), note: Some(note) }, &token))
            .await
            .unwrap();
    }
    let mut bodies = Vec::new();
    let mut page_token = String::new();
    loop {
        let req = pb::ListTicketNotesRequest { ticket_id: t.id.clone(), page_size: 2, page_token: page_token.clone() };
        let page = c.list_ticket_notes(authed(req, &token)).await.unwrap().into_inner();
        bodies.extend(page.notes.into_iter().map(|n| n.body));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!(bodies, ["note 0", "note 1", "note 2", "note 3", "note 4"]);
    let name = eventually(15, "projected company name", || {
        let mut c = c.clone();
        let (id, token) = (t.id.clone(), token.clone());
        async move {
            let got = c.get_ticket(authed(pb::GetTicketRequest { id }, &token)).await.ok()?.into_inner();
            (!got.company_name.is_empty()).then_some(got.company_name)
        }
    })
    .await;
    assert_eq!(name, "Hooli");
    stack.stop().await;
}
