//! Block hours drawn by the tickets service's `TimeEntryApproved`, published on a real NATS
//! JetStream the way tickets' outbox relay does (envelope, `Nats-Msg-Id` = event id): each
//! event applies once (a redelivered copy draws nothing more), a re-approval of the same entry
//! replaces its hours, an entry no longer billable gives them back, and time of a company
//! without an active block-hour contract draws nothing.

use chrono::Utc;
use prost::Message as _;
use psa_kit::events::Naming;
use psa_proto::events::{Envelope, TimeEntryApproved};
use psa_proto::tickets::{TimeBillingStatus, TimeEntry};
use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

async fn post_ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

struct Publisher {
    js: async_nats::jetstream::Context,
    subject: String,
    tenant: Uuid,
}

impl Publisher {
    /// Publishes `TimeEntryApproved` for `entry`; returns the envelope (to publish it again).
    async fn approve(&self, entry: &TimeEntry) -> Envelope {
        let now = Utc::now();
        let envelope = Envelope {
            event_id: Uuid::now_v7().to_string(),
            r#type: "psa.events.v1.TimeEntryApproved".into(),
            tenant_id: self.tenant.to_string(),
            occurred_at: Some(prost_types::Timestamp { seconds: now.timestamp(), nanos: 0 }),
            actor_id: Uuid::now_v7().to_string(),
            subject_id: entry.id.clone(),
            traceparent: String::new(),
            payload: Some(
                prost_types::Any::from_msg(&TimeEntryApproved {
                    entry: Some(entry.clone()),
                    approved_by: Uuid::now_v7().to_string(),
                })
                .unwrap(),
            ),
        };
        self.publish(&envelope, &envelope.event_id).await;
        envelope
    }

    async fn publish(&self, e: &Envelope, msg_id: &str) {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", msg_id);
        self.js
            .publish_with_headers(self.subject.clone(), headers, e.encode_to_vec().into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
}

fn entry(company: &str, minutes: i32, billable: Option<bool>) -> TimeEntry {
    TimeEntry {
        id: Uuid::now_v7().to_string(),
        user_id: Uuid::now_v7().to_string(),
        date: Utc::now().date_naive().to_string(),
        duration_minutes: minutes,
        rounded_minutes: minutes,
        work_type_id: Uuid::now_v7().to_string(),
        company_id: company.into(),
        billable,
        billing_status: TimeBillingStatus::ReadyToBill as i32,
        ..Default::default()
    }
}

/// Used hours of the current (last) period.
async fn used(api: &Api, contract: &str) -> String {
    let (st, b) = api.get(&format!("/api/v1/contracts/{contract}/hour-balance")).await;
    assert_eq!(st, 200, "{b}");
    b["periods"].as_array().unwrap().last().unwrap()["usedHours"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approved_time_draws_block_hours_once() {
    let stack = Stack::start().await;
    let tenant = stack.create_tenant("acme-msp").await;
    let (api, _) = stack.login(&tenant).await;
    let company = id(&post_ok(&api, "/api/v1/companies", json!({"name": "Alpha Co"})).await);
    let other = id(&post_ok(&api, "/api/v1/companies", json!({"name": "Beta Co"})).await);
    let contract = id(&post_ok(
        &api,
        "/api/v1/contracts",
        json!({"name": "Block hours 2026", "companyId": company, "contractType": "CONTRACT_TYPE_BLOCK_HOURS",
               "startDate": "2026-01-01", "currency": "USD"}),
    )
    .await);
    let (st, v) =
        api.patch(&format!("/api/v1/contracts/{contract}"), &json!({"status": "CONTRACT_STATUS_ACTIVE"})).await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = api.put(&format!("/api/v1/contracts/{contract}/hour-balance"), &json!({"includedHours": "10"})).await;
    assert_eq!(st, 200, "{v}");

    let (_, js) = psa_kit::events::connect(&stack.nats).await.unwrap();
    let naming = Naming::new(&stack.nats);
    psa_kit::events::ensure_stream(&js, &naming, "tickets").await.unwrap();
    let p = Publisher { js, subject: naming.subject("tickets", "time_entry", "approved"), tenant: tenant.tenant_id };

    // 90 minutes approved: 1.50 hours drawn.
    let first = entry(&company, 90, Some(true));
    let event = p.approve(&first).await;
    eventually(30, "1.50 hours drawn", || async { (used(&api, &contract).await == "1.50").then_some(()) }).await;
    // The same event delivered again (another message id): drawn once.
    p.publish(&event, "redelivered-copy").await;
    // Another company's time, and the company's non-billable time, draw nothing; a second
    // billable entry of 20 minutes draws 0.33.
    p.approve(&entry(&other, 600, Some(true))).await;
    p.approve(&entry(&company, 600, Some(false))).await;
    p.approve(&entry(&company, 20, None)).await;
    eventually(30, "1.83 hours drawn", || async { (used(&api, &contract).await == "1.83").then_some(()) }).await;
    // Re-approval of the first entry with 120 minutes replaces its 1.50 hours.
    let again = TimeEntry { rounded_minutes: 120, duration_minutes: 120, ..first.clone() };
    p.approve(&again).await;
    eventually(30, "2.33 hours drawn", || async { (used(&api, &contract).await == "2.33").then_some(()) }).await;
    // Made non-billable and approved again: its hours come back.
    p.approve(&TimeEntry { billable: Some(false), ..again }).await;
    eventually(30, "0.33 hours drawn", || async { (used(&api, &contract).await == "0.33").then_some(()) }).await;
    let (_, b) = api.get(&format!("/api/v1/contracts/{contract}/hour-balance")).await;
    let current = b["periods"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(current["remainingHours"], "9.67", "{b}");

    // The inbox kept one row per event id.
    let mut db = stack.db().await;
    let (dupes,): (i64,) = sqlx::query_as(
        "select count(*) from contracts.inbox where consumer = 'contracts-block-hours' and event_id = $1",
    )
    .bind(event.event_id.parse::<Uuid>().unwrap())
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(dupes, 1);
    let (rows,): (i64,) =
        sqlx::query_as("select count(*) from contracts.hour_usages").fetch_one(&mut db).await.unwrap();
    assert_eq!(rows, 1, "one usage row per billable entry with a contract");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn time_naming_a_contract_draws_from_that_contract_only() {
    let stack = Stack::start().await;
    let tenant = stack.create_tenant("named-msp").await;
    let (api, _) = stack.login(&tenant).await;
    let company = id(&post_ok(&api, "/api/v1/companies", json!({"name": "Gamma Co"})).await);
    let mut contracts = Vec::new();
    for (name, start, hours) in [
        ("Old block", "2026-01-01", Some("10")),
        ("Project block", "2026-02-01", Some("40")),
        ("T&M", "2026-01-01", None),
    ] {
        let c = id(&post_ok(
            &api,
            "/api/v1/contracts",
            json!({"name": name, "companyId": company, "contractType": "CONTRACT_TYPE_BLOCK_HOURS",
                   "startDate": start, "currency": "USD"}),
        )
        .await);
        let (st, v) = api.patch(&format!("/api/v1/contracts/{c}"), &json!({"status": "CONTRACT_STATUS_ACTIVE"})).await;
        assert_eq!(st, 200, "{v}");
        if let Some(h) = hours {
            let (st, v) = api.put(&format!("/api/v1/contracts/{c}/hour-balance"), &json!({"includedHours": h})).await;
            assert_eq!(st, 200, "{v}");
        }
        contracts.push(c);
    }
    let [old, project, tm] = [&contracts[0], &contracts[1], &contracts[2]];
    let (_, js) = psa_kit::events::connect(&stack.nats).await.unwrap();
    let naming = Naming::new(&stack.nats);
    psa_kit::events::ensure_stream(&js, &naming, "tickets").await.unwrap();
    let p = Publisher { js, subject: naming.subject("tickets", "time_entry", "approved"), tenant: tenant.tenant_id };

    // No contract named: the earliest-starting active block (the old one) pays.
    p.approve(&entry(&company, 60, Some(true))).await;
    // Named: the project block pays, though the old one starts earlier.
    let named = TimeEntry { contract_id: project.clone(), ..entry(&company, 120, Some(true)) };
    p.approve(&named).await;
    eventually(30, "hours on both blocks", || async {
        (used(&api, old).await == "1.00" && used(&api, project).await == "2.00").then_some(())
    })
    .await;
    // Moved to the time-and-materials contract (no block hours): it draws nothing any more.
    p.approve(&TimeEntry { contract_id: tm.clone(), ..named }).await;
    eventually(30, "project block given back", || async { (used(&api, project).await == "0.00").then_some(()) }).await;
    assert_eq!(used(&api, old).await, "1.00");
    stack.stop().await;
}
