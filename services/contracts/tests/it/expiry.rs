//! Expiry alerts with two contracts replicas on one database: every `ContractExpiring` (90,
//! 60, 30 days), `ContractExpired`, `CocExpiring` and `CocExpired` reaches JetStream exactly
//! once; drafts and far-off dates get nothing; later days announce the nearer thresholds, once,
//! even when two job rounds race.

use std::collections::HashMap;

use async_nats::jetstream;
use chrono::{Duration, NaiveDate, Utc};
use prost::Message as _;
use psa_kit::config::{AuthConfig, DatabaseConfig, RedisConfig};
use psa_kit::events::Naming;
use psa_kit::service::ServiceConfig;
use psa_proto::events::{CocExpired, CocExpiring, ContractExpired, ContractExpiring, Envelope};
use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};

async fn stream_events(js: &jetstream::Context, stream: &str) -> Vec<Envelope> {
    let Ok(mut s) = js.get_stream(stream).await else { return Vec::new() };
    let last = s.info().await.map(|i| i.state.last_sequence).unwrap_or(0);
    let mut out = Vec::new();
    for seq in 1..=last {
        if let Ok(m) = s.get_raw_message(seq).await {
            out.push(Envelope::decode(m.payload.as_ref()).expect("envelope"));
        }
    }
    out
}

/// (subject id, threshold days; 0 = expired) of every expiry event, sorted.
fn alerts(events: &[Envelope]) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for e in events {
        let Some(any) = &e.payload else { continue };
        let v = any.value.as_slice();
        let point = match any.type_url.rsplit('/').next().unwrap_or_default() {
            "psa.events.v1.ContractExpiring" => {
                let x = ContractExpiring::decode(v).unwrap();
                (x.contract.unwrap().id, x.threshold_days)
            }
            "psa.events.v1.ContractExpired" => (ContractExpired::decode(v).unwrap().contract.unwrap().id, 0),
            "psa.events.v1.CocExpiring" => {
                let x = CocExpiring::decode(v).unwrap();
                (x.coc.unwrap().id, x.threshold_days)
            }
            "psa.events.v1.CocExpired" => (CocExpired::decode(v).unwrap().coc.unwrap().id, 0),
            _ => continue,
        };
        assert_eq!(point.0, e.subject_id);
        assert!(e.actor_id.is_empty(), "system events carry no actor");
        out.push(point);
    }
    out.sort();
    out
}

async fn ok(api: &Api, method: &str, path: &str, body: Value) -> String {
    let (s, v) = if method == "POST" { api.post(path, &body).await } else { api.patch(path, &body).await };
    assert_eq!(s, 200, "{method} {path}: {v}");
    v["id"].as_str().unwrap().to_owned()
}

fn day(today: NaiveDate, days: i64) -> String {
    (today + Duration::days(days)).format("%Y-%m-%d").to_string()
}

fn service_config(stack: &Stack) -> ServiceConfig {
    ServiceConfig {
        database: DatabaseConfig { database_url: stack.database_url.clone(), database_max_connections: 5 },
        nats: stack.nats.clone(),
        redis: RedisConfig {
            redis_url: std::env::var("PSA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        },
        auth: AuthConfig { identity_url: stack.identity_url.clone() },
        mail: stack.mail.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_alerts_are_announced_exactly_once_by_two_replicas() {
    let stack = Stack::start().await;
    // A second contracts replica on the same database and NATS namespace.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let config = psa_contracts::Config {
        settings: psa_contracts::Settings {
            contracts_addr: addr.to_string(),
            expiry_job_interval_ms: 50,
            attachments_dir: stack.attachments_dir.display().to_string(),
            attachment_max_bytes: 1024 * 1024,
            import_sweep_interval_ms: 60_000,
            import_stale_after_secs: 1800,
        },
        service: service_config(&stack),
    };
    let replica = tokio::spawn(psa_contracts::run(config, listener, shutdown.clone()));

    let (api, _) = stack.login(&stack.create_tenant("expiry").await).await;
    let today = Utc::now().date_naive();
    let company = ok(&api, "POST", "/api/v1/companies", json!({"name": "Acme"})).await;
    let mut ids = HashMap::new();
    for (name, end, activate) in [
        ("in10", 10, true),
        ("in45", 45, true),
        ("in80", 80, true),
        ("today", 0, true),
        ("in200", 200, true),
        ("draft", 10, false),
    ] {
        let id = ok(
            &api,
            "POST",
            "/api/v1/contracts",
            json!({"name": name, "companyId": company, "startDate": day(today, -400), "endDate": day(today, end),
                   "currency": "USD"}),
        )
        .await;
        if activate {
            ok(&api, "PATCH", &format!("/api/v1/contracts/{id}"), json!({"status": "CONTRACT_STATUS_ACTIVE"})).await;
        }
        ids.insert(name, id);
    }
    let saf =
        ok(&api, "POST", "/api/v1/safs", json!({"title": "SAF", "contractId": ids["in10"], "currency": "USD"})).await;
    for (name, expiry) in [("coc20", 20), ("coc_past", -1)] {
        let id = ok(
            &api,
            "POST",
            "/api/v1/cocs",
            json!({"title": name, "cocType": "COC_TYPE_SOC2", "safId": saf, "issueDate": day(today, -365),
                   "expiryDate": day(today, expiry)}),
        )
        .await;
        ok(&api, "PATCH", &format!("/api/v1/cocs/{id}"), json!({"status": "COC_STATUS_ACTIVE"})).await;
        ids.insert(name, id);
    }
    let mut expected: Vec<(String, i32)> =
        [("in10", 30), ("in45", 60), ("in80", 90), ("today", 0), ("coc20", 30), ("coc_past", 0)]
            .iter()
            .map(|(n, t)| (ids[n].clone(), *t))
            .collect();
    expected.sort();

    let client = async_nats::connect(&stack.nats.nats_url).await.unwrap();
    let js = jetstream::new(client);
    let stream = format!("{}_PSA_CONTRACTS", stack.nats.nats_namespace.to_ascii_uppercase().replace(['.', '-'], "_"));
    let got = eventually(30, "every expiry alert published", || {
        let (js, stream, want) = (js.clone(), stream.clone(), expected.len());
        async move {
            let got = alerts(&stream_events(&js, &stream).await);
            (got.len() >= want).then_some(got)
        }
    })
    .await;
    // Both replicas keep running rounds: nothing more may appear.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(got, expected);
    assert_eq!(alerts(&stream_events(&js, &stream).await), expected);

    // Later days: two job instances race on the same day; each new alert is announced once.
    let pool = psa_kit::db::connect(&service_config(&stack).database, psa_contracts::DB, &psa_contracts::MIGRATOR)
        .await
        .unwrap();
    let naming = Naming::new(&stack.nats);
    let store = psa_kit::attachments::AttachmentStore::local(stack.attachments_dir.to_str().unwrap(), 1024).unwrap();
    let one = psa_contracts::app::Contracts { pool: pool.clone(), naming: naming.clone(), attachments: store.clone() };
    let two = psa_contracts::app::Contracts { pool, naming, attachments: store };
    let later = today + Duration::days(21);
    let (a, b) = tokio::join!(one.expiry_tick(later), two.expiry_tick(later));
    // in10 and coc20 expire, in45 reaches 30 days, in80 reaches 60; in200 is still too far.
    assert_eq!(a.unwrap() + b.unwrap(), 4);
    assert_eq!(one.expiry_tick(later).await.unwrap(), 0, "announced already");
    for (n, t) in [("in10", 0), ("in45", 30), ("in80", 60), ("coc20", 0)] {
        expected.push((ids[n].clone(), t));
    }
    expected.sort();
    eventually(30, "the later alerts published", || {
        let (js, stream, want) = (js.clone(), stream.clone(), expected.len());
        async move { (alerts(&stream_events(&js, &stream).await).len() >= want).then_some(()) }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(alerts(&stream_events(&js, &stream).await), expected);
    shutdown.cancel();
    let _ = replica.await;
    stack.stop().await;
}
