//! Events over JetStream: each change publishes exactly one event (outbox + `Nats-Msg-Id`),
//! the tickets service's company projection follows contracts' events, and events written
//! while NATS is down are published when it is back — none lost, none doubled.

use std::collections::HashMap;

use async_nats::jetstream;
use prost::Message as _;
use psa_proto::events::Envelope;
use psa_testkit::{Api, NatsServer, Stack, StackOptions, eventually};
use serde_json::json;
use sqlx::Row;

/// Every envelope in a stream, with its `Nats-Msg-Id`.
async fn stream_events(js: &jetstream::Context, stream: &str) -> Vec<(String, Envelope)> {
    let Ok(mut s) = js.get_stream(stream).await else { return Vec::new() };
    let last = s.info().await.map(|i| i.state.last_sequence).unwrap_or(0);
    let mut out = Vec::new();
    for seq in 1..=last {
        if let Ok(m) = s.get_raw_message(seq).await {
            let id = m.headers.get("Nats-Msg-Id").map(|v| v.to_string()).unwrap_or_default();
            out.push((id, Envelope::decode(m.payload.as_ref()).expect("envelope")));
        }
    }
    out
}

fn count(events: &[(String, Envelope)], ty: &str, subject: &str) -> usize {
    events.iter().filter(|(_, e)| e.r#type == ty && e.subject_id == subject).count()
}

fn stream_name(ns: &str, service: &str) -> String {
    format!("{}_PSA_{}", ns.to_ascii_uppercase(), service.to_ascii_uppercase())
}

async fn create(api: &Api, path: &str, body: serde_json::Value) -> String {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_change_is_published_exactly_once() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme-msp").await;
    let (api, _) = stack.login(&admin).await;
    // The client's W3C trace context reaches the event (envelope and NATS header).
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/companies", stack.gateway_url()))
        .bearer_auth(api.token().unwrap())
        .header("traceparent", traceparent)
        .json(&json!({"name": "Initech"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let company = resp.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let ticket = create(&api, "/api/v1/tickets", json!({"title": "TPS reports", "companyId": company})).await;
    let (s, _) = api.post(&format!("/api/v1/tickets/{ticket}/notes"), &json!({"body": "Did you get the memo?"})).await;
    assert_eq!(s, 200);

    let client = async_nats::connect(&stack.nats.nats_url).await.unwrap();
    let js = jetstream::new(client);
    let ns = &stack.nats.nats_namespace;
    let contracts = eventually(15, "CompanyCreated in JetStream", || async {
        let ev = stream_events(&js, &stream_name(ns, "contracts")).await;
        (count(&ev, "psa.events.v1.CompanyCreated", &company) > 0).then_some(ev)
    })
    .await;
    let tickets = eventually(15, "TicketCreated and TicketNoteAdded in JetStream", || async {
        let ev = stream_events(&js, &stream_name(ns, "tickets")).await;
        (count(&ev, "psa.events.v1.TicketNoteAdded", &ticket) > 0).then_some(ev)
    })
    .await;
    assert_eq!(count(&contracts, "psa.events.v1.CompanyCreated", &company), 1);
    let created = contracts.iter().find(|(_, e)| e.subject_id == company).map(|(_, e)| e).unwrap();
    assert_eq!(created.traceparent, traceparent);
    // Requests without one get a fresh trace from the gateway.
    let ticket_event = tickets.iter().find(|(_, e)| e.subject_id == ticket).map(|(_, e)| e).unwrap();
    assert!(psa_kit::trace_context::is_valid(&ticket_event.traceparent), "{}", ticket_event.traceparent);
    assert_ne!(ticket_event.traceparent, traceparent);
    assert_eq!(count(&tickets, "psa.events.v1.TicketCreated", &ticket), 1);
    for (msg_id, e) in contracts.iter().chain(&tickets) {
        assert_eq!(msg_id, &e.event_id, "Nats-Msg-Id is the event id");
        assert_eq!(e.tenant_id, admin.tenant_id.to_string());
    }
    // The list shows the company's name, carried by the event into tickets' projection.
    let name = eventually(15, "company name on the ticket", || async {
        let (_, t) = api.get(&format!("/api/v1/tickets/{ticket}")).await;
        t["companyName"].as_str().filter(|n| !n.is_empty()).map(str::to_owned)
    })
    .await;
    assert_eq!(name, "Initech");
    // A rename follows through CompanyUpdated.
    let (s, _) = api.patch(&format!("/api/v1/companies/{company}"), &json!({"name": "Initrode"})).await;
    assert_eq!(s, 200);
    eventually(15, "renamed company on the ticket list", || async {
        let (_, l) = api.get("/api/v1/tickets").await;
        (l["tickets"][0]["companyName"] == "Initrode").then_some(())
    })
    .await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_written_while_nats_is_down_are_published_once_when_it_is_back() {
    let mut nats = NatsServer::start().await;
    let stack = Stack::start_with(StackOptions { nats_url: nats.url(), ..Default::default() }).await;
    let admin = stack.create_tenant("acme-msp").await;
    let (api, _) = stack.login(&admin).await;
    let company = create(&api, "/api/v1/companies", json!({"name": "Umbrella"})).await;
    eventually(15, "projection before the outage", || async {
        let t = create(&api, "/api/v1/tickets", json!({"title": "warm-up", "companyId": company})).await;
        let (_, v) = api.get(&format!("/api/v1/tickets/{t}")).await;
        (v["companyName"] == "Umbrella").then_some(())
    })
    .await;

    nats.stop().await;
    let mut created = Vec::new();
    for i in 0..3 {
        created.push(
            create(&api, "/api/v1/tickets", json!({"title": format!("during outage {i}"), "companyId": company})).await,
        );
    }
    let (s, _) = api.patch(&format!("/api/v1/companies/{company}"), &json!({"name": "Umbrella Corp"})).await;
    assert_eq!(s, 200, "writes keep working while NATS is down");
    let mut db = stack.db().await;
    let pending: i64 = sqlx::query("select count(*) from tickets.outbox where published_at is null")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert!(pending >= 3, "events wait in the outbox ({pending})");

    nats.restart().await;
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = jetstream::new(client);
    let ns = stack.nats.nats_namespace.clone();
    let events = eventually(60, "outage events published", || async {
        let ev = stream_events(&js, &stream_name(&ns, "tickets")).await;
        created.iter().all(|id| count(&ev, "psa.events.v1.TicketCreated", id) > 0).then_some(ev)
    })
    .await;
    for id in &created {
        assert_eq!(count(&events, "psa.events.v1.TicketCreated", id), 1, "ticket {id} published exactly once");
    }
    let ids: HashMap<&str, usize> = events.iter().fold(HashMap::new(), |mut m, (_, e)| {
        *m.entry(e.event_id.as_str()).or_default() += 1;
        m
    });
    assert!(ids.values().all(|&n| n == 1), "no event id twice in the stream");
    let pending: i64 = sqlx::query("select count(*) from tickets.outbox where published_at is null")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(pending, 0);
    // The rename made during the outage reaches the projection too.
    eventually(60, "rename after the outage", || async {
        let (_, v) = api.get(&format!("/api/v1/tickets/{}", created[0])).await;
        (v["companyName"] == "Umbrella Corp").then_some(())
    })
    .await;

    // A redelivered event (same event id, new message id) is applied once: one inbox row.
    let contracts_events = stream_events(&js, &stream_name(&ns, "contracts")).await;
    let (_, original) =
        contracts_events.iter().find(|(_, e)| e.r#type == "psa.events.v1.CompanyCreated").expect("CompanyCreated");
    let subject = format!("{ns}.psa.contracts.company.created");
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", "redelivery-test");
    js.publish_with_headers(subject, headers, original.encode_to_vec().into()).await.unwrap().await.unwrap();
    let event_id: uuid::Uuid = original.event_id.parse().unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let seen: i64 = sqlx::query("select count(*) from tickets.inbox where event_id = $1")
        .bind(event_id)
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen, 1);
    let (_, v) = api.get(&format!("/api/v1/tickets/{}", created[0])).await;
    assert_eq!(v["companyName"], "Umbrella Corp", "an old event replayed does not roll the name back");
    stack.stop().await;
}

/// The admin a tenant starts with (bootstrap, or the SaaS tenant API) reaches tickets' user
/// directory like any staff user created later, so automation can mail them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_tenants_admin_reaches_the_tickets_user_directory() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let mut db = stack.db().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let found = loop {
        let row: Option<(String, bool)> =
            sqlx::query_as("select email, active from tickets.users where tenant_id = $1")
                .bind(admin.tenant_id)
                .fetch_optional(&mut db)
                .await
                .expect("query");
        if let Some(r) = row {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "the bootstrap admin never reached tickets.users");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(found, (admin.email.clone(), true));
    stack.stop().await;
}

/// Waits until tickets' user directory holds exactly `want` (emails, sorted) for `tenant`.
async fn wait_directory(stack: &Stack, tenant: uuid::Uuid, want: &[&str], what: &str) {
    eventually(20, what, || async move {
        let mut db = stack.db().await;
        let got: Vec<String> =
            sqlx::query_scalar("select email from tickets.users where tenant_id = $1 order by email")
                .bind(tenant)
                .fetch_all(&mut db)
                .await
                .expect("query");
        (got == want).then_some(())
    })
    .await;
}

/// Users that predate the user events (an upgraded install) reach tickets' user directory
/// when `psa-identity publish-users` announces them again, only for the tenant named.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn publish_users_fills_the_tickets_user_directory_of_one_tenant() {
    let stack = Stack::start().await;
    let acme = stack.create_tenant("acme").await;
    let globex = stack.create_tenant("globex").await;
    let (api, _) = stack.login(&acme).await;
    let (s, v) = api
        .post(
            "/api/v1/users",
            &json!({"email": "tech@acme.example", "password": "violet-otter-93", "roleIds": ["technician"]}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let acme_users = [acme.email.as_str(), "tech@acme.example"];
    wait_directory(&stack, acme.tenant_id, &acme_users, "acme's users in tickets.users").await;
    wait_directory(&stack, globex.tenant_id, &[globex.email.as_str()], "globex's admin in tickets.users").await;
    // As if they had been created before identity published user events.
    let mut db = stack.db().await;
    sqlx::query("delete from tickets.users").execute(&mut db).await.expect("delete");

    assert!(stack.publish_users(Some("nope")).await.is_err(), "an unknown tenant is an error");
    assert_eq!(stack.publish_users(Some("acme")).await.expect("publish"), (1, 2));
    wait_directory(&stack, acme.tenant_id, &acme_users, "acme's users announced again").await;
    wait_directory(&stack, globex.tenant_id, &[], "globex left as it was").await;
    stack.stop().await;
}
