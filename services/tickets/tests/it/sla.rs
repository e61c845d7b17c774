//! SLA over REST and against real PostgreSQL and NATS: configuration CRUD with validation and
//! isolation (another tenant, portal users), SLA state on tickets through notes, pauses,
//! resolve and reopen, the compliance report, and warnings/breaches announced exactly once
//! by two tickets replicas sharing one database.

use std::collections::HashMap;

use async_nats::jetstream;
use prost::Message as _;
use psa_kit::config::{AuthConfig, DatabaseConfig, RedisConfig};
use psa_kit::service::ServiceConfig;
use psa_proto::events::{Envelope, SlaBreached, SlaWarning};
use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};
use sqlx::Executor;

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

fn nine_to_five(name: &str, holiday_calendar: &str) -> Value {
    let day = json!([{"start": "09:00", "end": "17:00"}]);
    json!({
        "name": name,
        "timeZone": "America/New_York",
        "schedule": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day},
        "holidayCalendarIds": [holiday_calendar],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sla_configuration_crud_validation_and_isolation() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("sla-a").await;
    let (api, _) = stack.login(&a).await;
    let (other, _) = stack.login(&stack.create_tenant("sla-b").await).await;

    let hol = ok(
        &api,
        "/api/v1/holiday-calendars",
        json!({"name": "US", "holidays": [{"date": "2026-12-25", "name": "Christmas"}, {"date": "2026-11-26", "name": "Thanksgiving"}]}),
    )
    .await;
    let hol_id = hol["id"].as_str().unwrap().to_owned();
    assert_eq!(hol["holidays"][0]["date"], "2026-11-26", "dates come back in order: {hol}");
    let bh = ok(&api, "/api/v1/business-hours", nine_to_five("NY office", &hol_id)).await;
    let bh_id = bh["id"].as_str().unwrap().to_owned();
    assert_eq!(bh["schedule"]["monday"][0]["end"], "17:00");

    // Bad input: unknown zone, malformed time, overlapping intervals, bad dates → 400 with fields.
    let mut bad = nine_to_five("x", &hol_id);
    bad["timeZone"] = json!("Mars/Olympus");
    bad["schedule"]["saturday"] = json!([{"start": "9am", "end": "17:00"}]);
    let (s, v) = api.post("/api/v1/business-hours", &bad).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("business_hours.schedule.saturday[0]"), "{v}");
    let mut bad = nine_to_five("x", &hol_id);
    bad["timeZone"] = json!("Mars/Olympus");
    let (s, v) = api.post("/api/v1/business-hours", &bad).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("business_hours.time_zone"), "{v}");
    let (s, v) =
        api.post("/api/v1/holiday-calendars", &json!({"name": "x", "holidays": [{"date": "2026-13-01"}]})).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("calendar.holidays[0].date"), "{v}");
    let unknown = uuid::Uuid::now_v7().to_string();
    let (s, v) = api.post("/api/v1/business-hours", &nine_to_five("x", &unknown)).await;
    assert_eq!(s, 400, "{v}");

    let policy = json!({
        "name": "Gold",
        "isDefault": true,
        "targets": [
            {"priority": "TICKET_PRIORITY_HIGH", "firstResponseMinutes": 30, "firstResponseBusinessHoursId": bh_id,
             "resolutionMinutes": 480, "resolutionBusinessHoursId": bh_id},
            {"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": 60, "resolutionMinutes": 1440}
        ]
    });
    let p = ok(&api, "/api/v1/sla-policies", policy.clone()).await;
    let pid = p["id"].as_str().unwrap().to_owned();
    assert_eq!(p["warningThresholds"], json!([75, 90]), "{p}");
    assert_eq!(p["targets"][0]["priority"], "TICKET_PRIORITY_MEDIUM", "targets sorted by priority: {p}");
    let mut bad = policy.clone();
    bad["targets"][0]["firstResponseMinutes"] = json!(0);
    bad["targets"][1]["resolutionBusinessHoursId"] = json!(unknown);
    let (s, v) = api.post("/api/v1/sla-policies", &bad).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("policy.targets[0].first_response_minutes"), "{v}");
    let mut bad = policy.clone();
    bad["targets"][1]["resolutionBusinessHoursId"] = json!(unknown);
    let (s, v) = api.post("/api/v1/sla-policies", &bad).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("policy.targets[1].resolution_business_hours_id"), "{v}");

    // A second default takes the flag over.
    let mut silver = policy.clone();
    silver["name"] = json!("Silver");
    silver["warningThresholds"] = json!([50]);
    let s2 = ok(&api, "/api/v1/sla-policies", silver.clone()).await;
    let (_, got) = api.get(&format!("/api/v1/sla-policies/{pid}")).await;
    assert!(got.get("isDefault").is_none(), "Gold no longer default: {got}");
    let (s, v) = api.get(&format!("/api/v1/sla-policies/{pid}/targets")).await;
    assert_eq!((s, v["targets"].as_array().map(Vec::len)), (200, Some(2)), "{v}");
    let mut upd = policy.clone();
    upd["id"] = json!(pid);
    upd["name"] = json!("Gold 2");
    upd["targets"] = json!([{"priority": "TICKET_PRIORITY_LOW", "firstResponseMinutes": 5, "resolutionMinutes": 10}]);
    let (s, v) = api.put(&format!("/api/v1/sla-policies/{pid}"), &upd).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["name"].as_str(), v["isDefault"].as_bool()), (Some("Gold 2"), Some(true)), "{v}");
    let (_, list) = api.get("/api/v1/sla-policies").await;
    assert_eq!(list["policies"].as_array().unwrap().len(), 2);
    let mut bh_upd = nine_to_five("NY office (late)", &hol_id);
    bh_upd["schedule"]["monday"] = json!([{"start": "10:00", "end": "18:00"}]);
    let (s, v) = api.put(&format!("/api/v1/business-hours/{bh_id}"), &bh_upd).await;
    assert_eq!((s, v["schedule"]["monday"][0]["start"].as_str()), (200, Some("10:00")), "{v}");
    let (s, v) =
        api.put(&format!("/api/v1/holiday-calendars/{hol_id}"), &json!({"name": "US 2", "holidays": []})).await;
    assert_eq!((s, v["name"].as_str()), (200, Some("US 2")), "{v}");

    // Company assignment.
    let company = uuid::Uuid::now_v7().to_string();
    let path = format!("/api/v1/sla/companies/{company}");
    let (s, v) = api.put(&path, &json!({"policyId": s2["id"]})).await;
    assert_eq!(s, 200, "{v}");
    let (_, v) = api.get(&path).await;
    assert_eq!(v["policyId"], s2["id"]);
    let (s, _) = api.put(&path, &json!({"policyId": unknown})).await;
    assert_eq!(s, 400);

    // Another tenant sees nothing and changes nothing.
    for path in [
        format!("/api/v1/sla-policies/{pid}"),
        format!("/api/v1/sla-policies/{pid}/targets"),
        format!("/api/v1/business-hours/{bh_id}"),
        format!("/api/v1/holiday-calendars/{hol_id}"),
    ] {
        assert_eq!(other.get(&path).await.0, 404, "{path}");
    }
    for (path, key) in [
        ("/api/v1/sla-policies", "policies"),
        ("/api/v1/business-hours", "businessHours"),
        ("/api/v1/holiday-calendars", "calendars"),
    ] {
        let (s, v) = other.get(path).await;
        assert_eq!(s, 200);
        assert!(v[key].as_array().is_none_or(Vec::is_empty), "{path}: {v}");
    }
    let (s, v) = other.put(&format!("/api/v1/sla-policies/{pid}"), &upd).await;
    assert_eq!(s, 404, "{v}");
    assert_eq!(other.put(&format!("/api/v1/business-hours/{bh_id}"), &bh_upd).await.0, 404);
    assert_eq!(other.put(&format!("/api/v1/holiday-calendars/{hol_id}"), &json!({"name": "x"})).await.0, 404);
    assert_eq!(other.delete(&format!("/api/v1/sla-policies/{pid}")).await.0, 404);
    let (_, v) = other.get(&path).await;
    assert!(v.get("policyId").is_none(), "{v}");
    // Another tenant cannot reference our calendars either.
    assert_eq!(other.post("/api/v1/business-hours", &nine_to_five("x", &hol_id)).await.0, 400);

    // Row-level security alone hides tenant A's SLA rows from a transaction scoped to B.
    let b_tenant = stack.create_tenant("sla-c").await.tenant_id;
    let mut db = stack.db().await;
    db.execute("set role psa_tickets").await.unwrap();
    for table in
        ["sla_policies", "sla_targets", "business_hours", "holiday_calendars", "holidays", "company_sla_policies"]
    {
        let mut tx = sqlx::Connection::begin(&mut db).await.unwrap();
        sqlx::query("select set_config('app.tenant_id', $1, true)")
            .bind(b_tenant.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from tickets.{table} where tenant_id = $1"))
            .bind(a.tenant_id)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }

    // Portal users cannot manage (or read) SLA configuration: their tokens lack sla.*.
    let portal = stack.portal_api(a.tenant_id, uuid::Uuid::now_v7()).await;
    assert_eq!(portal.get("/api/v1/sla-policies").await.0, 403);
    assert_eq!(portal.post("/api/v1/sla-policies", &policy).await.0, 403);
    assert_eq!(portal.put(&format!("/api/v1/business-hours/{bh_id}"), &bh_upd).await.0, 403);
    assert_eq!(
        portal
            .get("/api/v1/sla/reports/compliance?startTime=2026-01-01T00:00:00Z&endTime=2027-01-01T00:00:00Z")
            .await
            .0,
        403
    );

    let (s, _) =
        portal.get("/api/v1/sla/reports/breaches?startTime=2026-01-01T00:00:00Z&endTime=2027-01-01T00:00:00Z").await;
    assert_eq!(s, 403);

    // Delete archives: gone from reads, still the tenant's.
    let (s, _) = api.delete(&format!("/api/v1/sla-policies/{pid}")).await;
    assert_eq!(s, 200);
    assert_eq!(api.get(&format!("/api/v1/sla-policies/{pid}")).await.0, 404);
    let (_, list) = api.get("/api/v1/sla-policies").await;
    assert_eq!(list["policies"].as_array().unwrap().len(), 1);
    stack.stop().await;
}

fn ts(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap_or_else(|| panic!("timestamp expected, got {v}")).parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tickets_carry_sla_state_through_notes_pauses_and_reopen() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("sla-t").await;
    let (api, _) = stack.login(&a).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Initech"})).await;
    let company = company["id"].as_str().unwrap().to_owned();
    let (_, other_company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let other_company = other_company["id"].as_str().unwrap().to_owned();

    // No policy yet: no SLA on tickets.
    let (_, t0) = api.post("/api/v1/tickets", &json!({"title": "before", "companyId": company})).await;
    assert!(t0.get("sla").is_none(), "{t0}");

    let targets = |fr: i32, res: i32| json!([{"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": fr, "resolutionMinutes": res}]);
    let default =
        ok(&api, "/api/v1/sla-policies", json!({"name": "Std", "isDefault": true, "targets": targets(60, 240)})).await;
    let vip = ok(&api, "/api/v1/sla-policies", json!({"name": "VIP", "targets": targets(15, 60)})).await;
    api.put(&format!("/api/v1/sla/companies/{other_company}"), &json!({"policyId": vip["id"]})).await;

    let (_, t) = api.post("/api/v1/tickets", &json!({"title": "Server down", "companyId": company})).await;
    let id = t["id"].as_str().unwrap().to_owned();
    let created = ts(&t["createTime"]);
    let sla = &t["sla"];
    assert_eq!(sla["policyId"], default["id"], "{t}");
    assert_eq!(ts(&sla["firstResponseDue"]), created + chrono::Duration::minutes(60));
    let first_due = ts(&sla["resolutionDue"]);
    assert_eq!(first_due, created + chrono::Duration::minutes(240));
    assert_eq!(
        (sla["firstResponse"].as_str(), sla["resolution"].as_str()),
        (Some("SLA_OUTCOME_PENDING"), Some("SLA_OUTCOME_PENDING"))
    );
    // A high-priority ticket has no target under this policy; the VIP company gets its policy.
    let (_, hi) = api
        .post("/api/v1/tickets", &json!({"title": "x", "companyId": company, "priority": "TICKET_PRIORITY_HIGH"}))
        .await;
    assert!(hi.get("sla").is_none(), "{hi}");
    let (_, v) = api.post("/api/v1/tickets", &json!({"title": "x", "companyId": other_company})).await;
    assert_eq!(v["sla"]["policyId"], vip["id"], "{v}");

    // Internal notes and client notes do not stop the first response; a public staff note does.
    api.post(&format!("/api/v1/tickets/{id}/notes"), &json!({"body": "looking"})).await;
    let portal = stack.portal_api(a.tenant_id, company.parse().unwrap()).await;
    let (s, _) = portal.post(&format!("/api/v1/tickets/{id}/notes"), &json!({"body": "any news?"})).await;
    assert_eq!(s, 200);
    let (_, got) = api.get(&format!("/api/v1/tickets/{id}")).await;
    assert!(got["sla"].get("firstResponseTime").is_none(), "{got}");
    api.post(&format!("/api/v1/tickets/{id}/notes"), &json!({"body": "On it", "visibility": "NOTE_VISIBILITY_PUBLIC"}))
        .await;
    let (_, got) = api.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(got["sla"]["firstResponse"], "SLA_OUTCOME_MET", "{got}");
    assert!(got["sla"]["firstResponseTime"].is_string());
    // The portal user sees the SLA state on their ticket too.
    let (_, mine) = portal.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(mine["sla"]["firstResponse"], "SLA_OUTCOME_MET", "{mine}");

    // Waiting on the client pauses the resolution clock; resuming moves the due time out.
    let status = |s: &str| json!({"status": s});
    let (_, w) = api.patch(&format!("/api/v1/tickets/{id}"), &status("TICKET_STATUS_WAITING_ON_CLIENT")).await;
    assert_eq!(w["sla"]["paused"], true, "{w}");
    assert!(w["sla"].get("resolutionDue").is_none(), "{w}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (_, o) = api.patch(&format!("/api/v1/tickets/{id}"), &status("TICKET_STATUS_OPEN")).await;
    assert!(o["sla"].get("paused").is_none(), "{o}");
    let moved = ts(&o["sla"]["resolutionDue"]) - first_due;
    assert!(moved >= chrono::Duration::milliseconds(1400) && moved < chrono::Duration::seconds(30), "moved {moved}");

    // Resolve: met; reopen: running again.
    let (_, r) = api.patch(&format!("/api/v1/tickets/{id}"), &status("TICKET_STATUS_RESOLVED")).await;
    assert_eq!(
        (r["sla"]["resolved"].as_bool(), r["sla"]["resolution"].as_str()),
        (Some(true), Some("SLA_OUTCOME_MET")),
        "{r}"
    );
    let (_, re) = api.patch(&format!("/api/v1/tickets/{id}"), &status("TICKET_STATUS_OPEN")).await;
    assert!(re["sla"].get("resolved").is_none(), "{re}");
    assert_eq!(re["sla"]["resolution"], "SLA_OUTCOME_PENDING");
    let (_, list) = api.get("/api/v1/tickets?filter=status%3DTICKET_STATUS_OPEN").await;
    assert!(list["tickets"].as_array().unwrap().iter().any(|t| t["id"] == id && t["sla"]["policyId"] == default["id"]));
    api.patch(&format!("/api/v1/tickets/{id}"), &status("TICKET_STATUS_CLOSED")).await;

    // Compliance report: per company and priority over the creation range.
    let from = (created - chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (s, rep) = api.get(&format!("/api/v1/sla/reports/compliance?startTime={from}&endTime={to}")).await;
    assert_eq!(s, 200, "{rep}");
    let rows = rep["rows"].as_array().unwrap();
    let row = rows.iter().find(|r| r["companyId"] == company.as_str()).unwrap_or_else(|| panic!("{rep}"));
    assert_eq!(row["priority"], "TICKET_PRIORITY_MEDIUM");
    assert_eq!((row["firstResponseMet"].as_i64(), row["resolutionMet"].as_i64()), (Some(1), Some(1)), "{row}");
    assert_eq!(row["resolutionMetPercent"].as_f64(), Some(100.0));
    let (s, _) = api.get(&format!("/api/v1/sla/reports/compliance?startTime={to}&endTime={from}")).await;
    assert_eq!(s, 400);
    // Another tenant's report is empty.
    let (other, _) = stack.login(&stack.create_tenant("sla-u").await).await;
    let (_, rep) = other.get(&format!("/api/v1/sla/reports/compliance?startTime={from}&endTime={to}")).await;
    assert!(rep["rows"].as_array().is_none_or(Vec::is_empty), "{rep}");
    stack.stop().await;
}

/// Every envelope in a stream.
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

/// (ticket, clock, threshold) of every SLA event; breaches count as threshold 100.
fn sla_points(events: &[Envelope]) -> Vec<(String, i32, i32)> {
    let mut out = Vec::new();
    for e in events {
        let Some(any) = &e.payload else { continue };
        if any.type_url.ends_with("/psa.events.v1.SlaWarning") {
            let w = SlaWarning::decode(any.value.as_slice()).unwrap();
            out.push((w.ticket_id, w.clock, w.threshold_percent));
        } else if any.type_url.ends_with("/psa.events.v1.SlaBreached") {
            let b = SlaBreached::decode(any.value.as_slice()).unwrap();
            out.push((b.ticket_id, b.clock, 100));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn warnings_and_breaches_are_announced_exactly_once_by_two_replicas() {
    let stack = Stack::start().await;
    // A second tickets replica on the same database and NATS namespace.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let config = psa_tickets::Config {
        settings: psa_tickets::Settings {
            tickets_addr: addr.to_string(),
            sla_job_interval_ms: 50,
            attachments_dir: stack.attachments_dir.display().to_string(),
            ..Default::default()
        },
        service: ServiceConfig {
            database: DatabaseConfig { database_url: stack.database_url.clone(), database_max_connections: 5 },
            nats: stack.nats.clone(),
            redis: RedisConfig {
                redis_url: std::env::var("PSA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
            },
            auth: AuthConfig { identity_url: stack.identity_url.clone() },
            mail: stack.mail.clone(),
        },
        secrets: psa_kit::config::SecretsConfig::default(),
    };
    let replica = tokio::spawn(psa_tickets::run(config, listener, shutdown.clone()));

    let a = stack.create_tenant("sla-x").await;
    let (api, _) = stack.login(&a).await;
    let (b_api, _) = stack.login(&stack.create_tenant("sla-y").await).await;
    let targets = json!([{"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": 60, "resolutionMinutes": 100}]);
    for api in [&api, &b_api] {
        ok(api, "/api/v1/sla-policies", json!({"name": "Std", "isDefault": true, "targets": targets})).await;
    }
    let company = uuid::Uuid::now_v7().to_string();
    let mut ids = Vec::new();
    for i in 0..6 {
        let api = if i % 2 == 0 { &api } else { &b_api };
        let (_, t) = api.post("/api/v1/tickets", &json!({"title": format!("t{i}"), "companyId": company})).await;
        ids.push(t["id"].as_str().unwrap().to_owned());
    }
    // One ticket gets its first response in time, one is waiting on the client.
    api.post(
        &format!("/api/v1/tickets/{}/notes", ids[0]),
        &json!({"body": "hi", "visibility": "NOTE_VISIBILITY_PUBLIC"}),
    )
    .await;
    api.patch(&format!("/api/v1/tickets/{}", ids[2]), &json!({"status": "TICKET_STATUS_WAITING_ON_CLIENT"})).await;

    // Move the recorded history 80 minutes back (first response: 133 % used, resolution: 80 %)
    // and let the timers fall due now.
    let mut db = stack.db().await;
    db.execute(
        "update tickets.tickets set created_at = created_at - interval '80 minutes', \
         first_response_at = first_response_at - interval '80 minutes'; \
         update tickets.ticket_status_changes set changed_at = changed_at - interval '80 minutes'; \
         update tickets.sla_timers set fire_at = now() - interval '1 second'",
    )
    .await
    .unwrap();

    let client = async_nats::connect(&stack.nats.nats_url).await.unwrap();
    let js = jetstream::new(client);
    let stream = format!("{}_PSA_TICKETS", stack.nats.nats_namespace.to_ascii_uppercase().replace(['.', '-'], "_"));
    let (fr, res) =
        (psa_proto::tickets::SlaClock::FirstResponse as i32, psa_proto::tickets::SlaClock::Resolution as i32);
    let mut expected: Vec<(String, i32, i32)> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if i != 0 {
            // No response in 80 of 60 minutes: 75 %, 90 %, breach.
            expected.extend([(id.clone(), fr, 75), (id.clone(), fr, 90), (id.clone(), fr, 100)]);
        }
        if i != 2 {
            // 80 of 100 minutes: the 75 % warning only (ticket 2 is paused at 0 %).
            expected.push((id.clone(), res, 75));
        }
    }
    expected.sort();
    let got = eventually(30, "every SLA event published", || {
        let js = js.clone();
        let stream = stream.clone();
        let want = expected.len();
        async move {
            let mut got = sla_points(&stream_events(&js, &stream).await);
            got.sort();
            (got.len() >= want).then_some(got)
        }
    })
    .await;
    // Let both replicas run several more rounds: nothing more may appear.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let mut again = sla_points(&stream_events(&js, &stream).await);
    again.sort();
    assert_eq!(got, expected);
    assert_eq!(again, expected);
    let mut per: HashMap<&(String, i32, i32), usize> = HashMap::new();
    for p in &again {
        *per.entry(p).or_default() += 1;
    }
    assert!(per.values().all(|&n| n == 1));

    // The tickets show the breach; tenant B's events carry tenant B.
    let (_, t) = api.get(&format!("/api/v1/tickets/{}", ids[4])).await;
    assert_eq!(t["sla"]["firstResponse"], "SLA_OUTCOME_BREACHED", "{t}");
    assert_eq!(t["sla"]["resolution"], "SLA_OUTCOME_PENDING", "{t}");
    let events = stream_events(&js, &stream).await;
    let b_events: Vec<_> = events.iter().filter(|e| e.subject_id == ids[1] && e.r#type.contains("Sla")).collect();
    assert!(!b_events.is_empty() && b_events.iter().all(|e| e.tenant_id != a.tenant_id.to_string()));

    // The breach report lists tenant A's breached first responses (tickets 2 and 4) only.
    let range = "startTime=2000-01-01T00:00:00Z&endTime=2100-01-01T00:00:00Z";
    let (s, rep) = api.get(&format!("/api/v1/sla/reports/breaches?{range}")).await;
    assert_eq!(s, 200, "{rep}");
    let mut listed: Vec<(String, String)> = rep["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["ticketId"].as_str().unwrap().to_owned(), b["clock"].as_str().unwrap().to_owned()))
        .collect();
    listed.sort();
    let mut want = vec![
        (ids[2].clone(), "SLA_CLOCK_FIRST_RESPONSE".to_owned()),
        (ids[4].clone(), "SLA_CLOCK_FIRST_RESPONSE".to_owned()),
    ];
    want.sort();
    assert_eq!(listed, want, "{rep}");
    let (other, _) = stack.login(&stack.create_tenant("sla-z").await).await;
    let (_, rep) = other.get(&format!("/api/v1/sla/reports/breaches?{range}")).await;
    assert!(rep["breaches"].as_array().is_none_or(Vec::is_empty), "{rep}");

    shutdown.cancel();
    replica.await.unwrap().unwrap();
    stack.stop().await;
}
