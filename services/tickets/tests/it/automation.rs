//! Ticket automation rules over REST against real PostgreSQL and NATS: CRUD with validation,
//! isolation (another tenant, portal users), dry runs that change nothing, created/updated
//! triggers with field actions, the loop guard, SLA warning triggers, no-response and
//! schedule rules, webhooks (signed, retried) and notification mails.

use std::sync::{Arc, Mutex};

use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};
use sqlx::Executor;

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

async fn company(api: &Api, name: &str) -> String {
    ok(api, "/api/v1/companies", json!({"name": name})).await["id"].as_str().unwrap().to_owned()
}

async fn ticket(api: &Api, title: &str, company: &str) -> Value {
    ok(api, "/api/v1/tickets", json!({"title": title, "companyId": company})).await
}

async fn get(api: &Api, path: &str) -> Value {
    let (s, v) = api.get(path).await;
    assert_eq!(s, 200, "GET {path}: {v}");
    v
}

async fn runs(api: &Api, rule: &str) -> Vec<Value> {
    get(api, &format!("/api/v1/ticket-automation-rules/{rule}/runs")).await["runs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn tags(t: &Value) -> Vec<String> {
    t["tags"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

fn triage_rule(active: bool) -> Value {
    json!({
        "name": "Outage triage",
        "active": active,
        "priority": 1,
        "trigger": "AUTOMATION_TRIGGER_TICKET_CREATED",
        "conditions": {"match": "AUTOMATION_MATCH_ALL", "conditions": [
            {"field": "title", "operator": "AUTOMATION_OPERATOR_CONTAINS", "value": "outage"},
            {"field": "priority", "operator": "AUTOMATION_OPERATOR_LESS_THAN", "value": "high"}
        ]},
        "actions": [
            {"setField": {"field": "priority", "value": "TICKET_PRIORITY_HIGH"}},
            {"changeTags": {"add": ["outage"]}},
            {"addNote": {"body": "Auto-triaged {{ticket.number}} by {{rule.name}}", "visibility": "NOTE_VISIBILITY_INTERNAL"}},
            {"createChildTicket": {"title": "Post-mortem for {{ticket.number}}"}}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rules_crud_validation_isolation_and_dry_run() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("auto-a").await;
    let (api, _) = stack.login(&a).await;
    let (other, _) = stack.login(&stack.create_tenant("auto-b").await).await;
    let co = company(&api, "Hooli").await;
    let t = ticket(&api, "Email outage", &co).await;
    let tid = t["id"].as_str().unwrap().to_owned();

    // Bad input: 400 naming each field.
    let bad = json!({
        "name": "",
        "trigger": "AUTOMATION_TRIGGER_TICKET_CREATED",
        "conditions": {"conditions": [
            {"field": "colour", "operator": "AUTOMATION_OPERATOR_EQUALS", "value": "red"},
            {"field": "priority", "operator": "AUTOMATION_OPERATOR_CHANGED"},
            {"field": "status", "operator": "AUTOMATION_OPERATOR_EQUALS", "value": "sideways"}
        ]},
        "actions": [
            {"setField": {"field": "number", "value": "1"}},
            {"callWebhook": {"url": "ftp://example.com"}},
            {"notify": {"toAddresses": ["not-an-address"], "subject": "s", "body": "b"}}
        ]
    });
    let (s, v) = api.post("/api/v1/ticket-automation-rules", &bad).await;
    assert_eq!(s, 400, "{v}");
    let text = v.to_string();
    for field in [
        "rule.name",
        "rule.conditions.conditions[0].field",
        "rule.conditions.conditions[1].operator",
        "rule.conditions.conditions[2].value",
        "rule.actions[0].set_field.field",
        "rule.actions[1].call_webhook.url",
        "rule.actions[1].call_webhook.secret",
        "rule.actions[2].notify.to_addresses[0]",
    ] {
        assert!(text.contains(field), "{field} missing: {v}");
    }
    let (s, v) = api
        .post(
            "/api/v1/ticket-automation-rules",
            &json!({"name": "cron", "trigger": "AUTOMATION_TRIGGER_SCHEDULE", "schedule": "every day",
                    "actions": [{"changeTags": {"add": ["x"]}}]}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("rule.schedule"), "{v}");

    // Create (inactive, so it does not fire) and read back; the webhook secret never comes back.
    let mut body = triage_rule(false);
    body["actions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"callWebhook": {"url": "https://hooks.example.com/psa", "secret": "s3cret"}}));
    let rule = ok(&api, "/api/v1/ticket-automation-rules", body.clone()).await;
    let rid = rule["id"].as_str().unwrap().to_owned();
    assert_eq!(rule["conditions"]["conditions"][1]["value"], "TICKET_PRIORITY_HIGH", "canonical: {rule}");
    assert_eq!(rule["actions"][4]["callWebhook"]["hasSecret"], true, "{rule}");
    assert!(!rule.to_string().contains("s3cret"), "{rule}");
    let listed = get(&api, "/api/v1/ticket-automation-rules").await;
    assert_eq!(listed["rules"].as_array().map(Vec::len), Some(1), "{listed}");
    // Update without the secret keeps it; a new URL without one is refused.
    let mut upd = body.clone();
    upd["id"] = json!(rid);
    upd["actions"][4] = json!({"callWebhook": {"url": "https://hooks.example.com/psa"}});
    let (s, v) = api.put(&format!("/api/v1/ticket-automation-rules/{rid}"), &upd).await;
    assert_eq!((s, v["actions"][4]["callWebhook"]["hasSecret"].as_bool()), (200, Some(true)), "{v}");
    upd["actions"][4] = json!({"callWebhook": {"url": "https://elsewhere.example.com/psa"}});
    let (s, v) = api.put(&format!("/api/v1/ticket-automation-rules/{rid}"), &upd).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("rule.actions[4].call_webhook.secret"), "{v}");

    // Dry run: what would happen, and nothing happens.
    let dry = ok(&api, &format!("/api/v1/ticket-automation-rules/{rid}:dryRun"), json!({"ticketId": tid})).await;
    assert_eq!(dry["matched"], true, "{dry}");
    assert_eq!(dry["conditions"].as_array().map(Vec::len), Some(2), "{dry}");
    assert_eq!(dry["conditions"][1]["actual"], "TICKET_PRIORITY_MEDIUM", "{dry}");
    let actions = dry["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 5, "{dry}");
    assert_eq!(actions[0]["description"], "priority: TICKET_PRIORITY_MEDIUM → TICKET_PRIORITY_HIGH", "{dry}");
    assert_eq!(actions[1]["description"], "tags:  → outage", "{dry}");
    assert!(actions[3]["description"].as_str().unwrap().contains("Post-mortem for T-000001"), "{dry}");
    assert_eq!(actions[4]["description"], "POST https://hooks.example.com/psa", "{dry}");
    let after = get(&api, &format!("/api/v1/tickets/{tid}")).await;
    assert_eq!((after["priority"].as_str(), tags(&after).len()), (Some("TICKET_PRIORITY_MEDIUM"), 0), "{after}");
    let notes = get(&api, &format!("/api/v1/tickets/{tid}/notes")).await;
    assert!(notes["notes"].as_array().is_none_or(Vec::is_empty), "{notes}");
    let children = get(&api, &format!("/api/v1/tickets?filter=parent_id%20%3D%20%22{tid}%22")).await;
    assert!(children["tickets"].as_array().is_none_or(Vec::is_empty), "{children}");
    assert!(runs(&api, &rid).await.is_empty());
    let mut db = stack.db().await;
    let queued: i64 =
        sqlx::query_scalar("select count(*) from tickets.automation_deliveries").fetch_one(&mut db).await.unwrap();
    assert_eq!(queued, 0);
    // A ticket that does not match: no actions.
    let calm = ticket(&api, "Question", &co).await;
    let dry = ok(&api, &format!("/api/v1/ticket-automation-rules/{rid}:dryRun"), json!({"ticketId": calm["id"]})).await;
    assert_eq!((dry.get("matched"), dry.get("actions")), (None, None), "{dry}");
    let (s, v) = api
        .post(&format!("/api/v1/ticket-automation-rules/{rid}:dryRun"), &json!({"ticketId": uuid::Uuid::now_v7()}))
        .await;
    assert_eq!(s, 400, "{v}");

    // Isolation: another tenant neither sees, changes nor dry-runs it.
    for path in
        [format!("/api/v1/ticket-automation-rules/{rid}"), format!("/api/v1/ticket-automation-rules/{rid}/runs")]
    {
        let (s, v) = other.get(&path).await;
        assert_eq!(s, 404, "{path}: {v}");
    }
    let (s, _) = other.put(&format!("/api/v1/ticket-automation-rules/{rid}"), &upd).await;
    assert_eq!(s, 404);
    let (s, _) = other.delete(&format!("/api/v1/ticket-automation-rules/{rid}")).await;
    assert_eq!(s, 404);
    let (s, _) = other.post(&format!("/api/v1/ticket-automation-rules/{rid}:dryRun"), &json!({"ticketId": tid})).await;
    assert_eq!(s, 404);
    let (_, theirs) = other.get("/api/v1/ticket-automation-rules").await;
    assert!(theirs["rules"].as_array().is_none_or(Vec::is_empty), "{theirs}");
    // Portal users have no automation permissions.
    let portal = stack.portal_api(a.tenant_id, co.parse().unwrap()).await;
    let (s, _) = portal.get("/api/v1/ticket-automation-rules").await;
    assert_eq!(s, 403);
    let (s, _) = portal.post(&format!("/api/v1/ticket-automation-rules/{rid}:dryRun"), &json!({"ticketId": tid})).await;
    assert_eq!(s, 403);

    // Archive: gone from the list and from GET, runs still readable.
    let (s, v) = api.delete(&format!("/api/v1/ticket-automation-rules/{rid}")).await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = api.get(&format!("/api/v1/ticket-automation-rules/{rid}")).await;
    assert_eq!(s, 404);
    let (s, _) = api.get(&format!("/api/v1/ticket-automation-rules/{rid}/runs")).await;
    assert_eq!(s, 200);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn created_and_updated_triggers_apply_actions_as_the_rule() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("auto-run").await).await;
    let co = company(&api, "Initech").await;
    let rule = ok(&api, "/api/v1/ticket-automation-rules", triage_rule(true)).await;
    let rid = rule["id"].as_str().unwrap().to_owned();
    let waiting = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({
            "name": "Waiting on client",
            "trigger": "AUTOMATION_TRIGGER_TICKET_UPDATED",
            "conditions": {"conditions": [
                {"field": "status", "operator": "AUTOMATION_OPERATOR_CHANGED_FROM_TO", "fromValue": "new", "value": "waiting_on_client"}
            ]},
            "actions": [{"changeTags": {"add": ["waiting"]}}]
        }),
    )
    .await;
    let wid = waiting["id"].as_str().unwrap().to_owned();

    let t = ticket(&api, "Email outage in Berlin", &co).await;
    let tid = t["id"].as_str().unwrap().to_owned();
    let number = t["number"].as_str().unwrap().to_owned();
    let t = eventually(20, "the rule's changes", || {
        let (api, tid) = (api.clone(), tid.clone());
        async move {
            let (_, t) = api.get(&format!("/api/v1/tickets/{tid}")).await;
            (t["priority"] == "TICKET_PRIORITY_HIGH" && tags(&t) == ["outage"]).then_some(t)
        }
    })
    .await;
    assert_eq!(t["status"], "TICKET_STATUS_NEW");
    let notes = get(&api, &format!("/api/v1/tickets/{tid}/notes")).await;
    assert_eq!(notes["notes"][0]["body"], format!("Auto-triaged {number} by Outage triage"), "{notes}");
    let children = eventually(10, "the child ticket", || {
        let (api, tid) = (api.clone(), tid.clone());
        async move {
            let (_, v) = api.get(&format!("/api/v1/tickets?filter=parent_id%20%3D%20%22{tid}%22")).await;
            v["tickets"].as_array().filter(|a| !a.is_empty()).cloned()
        }
    })
    .await;
    assert_eq!(children[0]["title"], format!("Post-mortem for {number}"));
    // The activity names the rule (no user).
    let activity = get(&api, &format!("/api/v1/tickets/{tid}/activity")).await;
    let by_rule: Vec<&Value> =
        activity["activities"].as_array().unwrap().iter().filter(|a| a["automationRuleId"] == rid.as_str()).collect();
    assert!(by_rule.iter().any(|a| a["action"] == "automation_rule_applied" && a["newValue"] == "Outage triage"));
    assert!(by_rule.iter().any(|a| a["field"] == "priority" && a["oldValue"] == "TICKET_PRIORITY_MEDIUM"));
    assert!(by_rule.iter().all(|a| a.get("actorId").is_none()), "{activity}");
    // One run, applied, with its conditions and actions.
    let r = runs(&api, &rid).await;
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["outcome"], "AUTOMATION_RUN_OUTCOME_APPLIED");
    assert_eq!(r[0]["ticketNumber"], number.as_str());
    assert_eq!(r[0]["actions"].as_array().map(Vec::len), Some(4));
    assert!(r[0]["conditions"].as_array().unwrap().iter().all(|c| c["matched"] == true));
    // The high-priority child was created by the rule: it does not match (no "outage" in its
    // title), so the rule did not run for it.
    let (s, v) =
        api.get(&format!("/api/v1/ticket-automation-rules/{rid}/runs?filter=ticket_id%20%3D%20%22{tid}%22")).await;
    assert_eq!((s, v["runs"].as_array().map(Vec::len)), (200, Some(1)), "{v}");

    // Updated trigger with a from→to change.
    let (s, v) =
        api.patch(&format!("/api/v1/tickets/{tid}"), &json!({"status": "TICKET_STATUS_WAITING_ON_CLIENT"})).await;
    assert_eq!(s, 200, "{v}");
    eventually(20, "the waiting tag", || {
        let (api, tid) = (api.clone(), tid.clone());
        async move {
            let (_, t) = api.get(&format!("/api/v1/tickets/{tid}")).await;
            tags(&t).contains(&"waiting".to_owned()).then_some(())
        }
    })
    .await;
    // Tags set by a person are a change too.
    let vip = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({
            "name": "VIP",
            "trigger": "AUTOMATION_TRIGGER_TICKET_UPDATED",
            "conditions": {"conditions": [{"field": "tags", "operator": "AUTOMATION_OPERATOR_CHANGED"},
                                          {"field": "tags", "operator": "AUTOMATION_OPERATOR_CONTAINS", "value": "vip"}]},
            "actions": [{"setField": {"field": "priority", "value": "critical"}}]
        }),
    )
    .await;
    ok(&api, &format!("/api/v1/tickets/{tid}/tags"), json!({"tags": ["outage", "waiting", "VIP"]})).await;
    eventually(20, "the VIP rule", || {
        let (api, tid) = (api.clone(), tid.clone());
        async move {
            let (_, t) = api.get(&format!("/api/v1/tickets/{tid}")).await;
            (t["priority"] == "TICKET_PRIORITY_CRITICAL").then_some(())
        }
    })
    .await;
    assert_eq!(runs(&api, vip["id"].as_str().unwrap()).await.len(), 1);
    // Back to open and waiting again: not from NEW, so no second run.
    api.patch(&format!("/api/v1/tickets/{tid}"), &json!({"status": "TICKET_STATUS_OPEN"})).await;
    api.patch(&format!("/api/v1/tickets/{tid}"), &json!({"status": "TICKET_STATUS_WAITING_ON_CLIENT"})).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(runs(&api, &wid).await.len(), 1);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rules_that_would_ping_pong_run_once_each() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("auto-loop").await).await;
    let co = company(&api, "Loopers").await;
    let rule = |name: &str, when: &str, set: &str| {
        json!({
            "name": name,
            "trigger": "AUTOMATION_TRIGGER_TICKET_UPDATED",
            "conditions": {"conditions": [{"field": "priority", "operator": "AUTOMATION_OPERATOR_CHANGED_FROM_TO", "value": when}]},
            "actions": [{"setField": {"field": "priority", "value": set}}]
        })
    };
    let a =
        ok(&api, "/api/v1/ticket-automation-rules", rule("Down", "TICKET_PRIORITY_HIGH", "TICKET_PRIORITY_LOW")).await;
    let b =
        ok(&api, "/api/v1/ticket-automation-rules", rule("Up", "TICKET_PRIORITY_LOW", "TICKET_PRIORITY_HIGH")).await;
    let (aid, bid) = (a["id"].as_str().unwrap().to_owned(), b["id"].as_str().unwrap().to_owned());
    let t = ticket(&api, "Flip-flop", &co).await;
    let tid = t["id"].as_str().unwrap().to_owned();
    api.patch(&format!("/api/v1/tickets/{tid}"), &json!({"priority": "TICKET_PRIORITY_HIGH"})).await;
    // A runs (HIGH → LOW), B answers (LOW → HIGH), then A is skipped: it caused the change.
    let skipped = eventually(20, "A skipped as a loop", || {
        let (api, aid) = (api.clone(), aid.clone());
        async move {
            let r = runs(&api, &aid).await;
            r.iter().find(|r| r["outcome"] == "AUTOMATION_RUN_OUTCOME_SKIPPED_LOOP").cloned()
        }
    })
    .await;
    assert_eq!(skipped["chain"], json!([aid, bid]), "{skipped}");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (ra, rb) = (runs(&api, &aid).await, runs(&api, &bid).await);
    let applied = |r: &[Value]| r.iter().filter(|r| r["outcome"] == "AUTOMATION_RUN_OUTCOME_APPLIED").count();
    assert_eq!((applied(&ra), applied(&rb), ra.len(), rb.len()), (1, 1, 2, 1), "{ra:?} {rb:?}");
    let t = get(&api, &format!("/api/v1/tickets/{tid}")).await;
    assert_eq!(t["priority"], "TICKET_PRIORITY_HIGH");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sla_no_response_and_schedule_triggers() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("auto-sla").await).await;
    let co = company(&api, "Slow Co").await;
    // A 1-minute first-response target warning at 1 % (0.6 s).
    ok(
        &api,
        "/api/v1/sla-policies",
        json!({"name": "Fast", "isDefault": true, "warningThresholds": [1],
               "targets": [{"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": 1, "resolutionMinutes": 600}]}),
    )
    .await;
    let warn = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({
            "name": "Escalate on SLA warning",
            "trigger": "AUTOMATION_TRIGGER_SLA_WARNING",
            "conditions": {"conditions": [
                {"field": "event.sla_clock", "operator": "AUTOMATION_OPERATOR_EQUALS", "value": "SLA_CLOCK_FIRST_RESPONSE"},
                {"field": "event.sla_threshold", "operator": "AUTOMATION_OPERATOR_LESS_THAN", "value": "50"}
            ]},
            "actions": [{"escalate": {"note": "SLA warning on {{ticket.number}}"}}]
        }),
    )
    .await;
    let t = ticket(&api, "Slow printer", &co).await;
    let tid = t["id"].as_str().unwrap().to_owned();
    eventually(20, "escalation after the SLA warning", || {
        let (api, tid) = (api.clone(), tid.clone());
        async move {
            let (_, t) = api.get(&format!("/api/v1/tickets/{tid}")).await;
            (t["priority"] == "TICKET_PRIORITY_HIGH").then_some(())
        }
    })
    .await;
    assert_eq!(runs(&api, warn["id"].as_str().unwrap()).await.len(), 1);

    // No response: a ticket created 3 hours ago without a public staff note.
    let old = ticket(&api, "Nobody answered", &co).await;
    let old_id = old["id"].as_str().unwrap().to_owned();
    let answered = ticket(&api, "Answered", &co).await;
    let answered_id = answered["id"].as_str().unwrap().to_owned();
    let mut db = stack.db().await;
    db.execute(
        format!(
            "update tickets.tickets set created_at = now() - interval '3 hours' where id in ('{old_id}', '{answered_id}')"
        )
        .as_str(),
    )
    .await
    .unwrap();
    ok(
        &api,
        &format!("/api/v1/tickets/{answered_id}/notes"),
        json!({"body": "On it.", "visibility": "NOTE_VISIBILITY_PUBLIC"}),
    )
    .await;
    let nr = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({
            "name": "Chase unanswered",
            "trigger": "AUTOMATION_TRIGGER_NO_RESPONSE",
            "noResponseHours": 2,
            "actions": [{"changeTags": {"add": ["unanswered"]}}]
        }),
    )
    .await;
    let nid = nr["id"].as_str().unwrap().to_owned();
    eventually(20, "the no-response tag", || {
        let (api, id) = (api.clone(), old_id.clone());
        async move {
            let (_, t) = api.get(&format!("/api/v1/tickets/{id}")).await;
            tags(&t).contains(&"unanswered".to_owned()).then_some(())
        }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let r = runs(&api, &nid).await;
    assert_eq!(r.len(), 1, "once per client message, not every round: {r:?}");
    assert_eq!(r[0]["ticketId"], old_id.as_str());
    assert!(!tags(&get(&api, &format!("/api/v1/tickets/{answered_id}")).await).contains(&"unanswered".to_owned()));

    // Schedule: every second, open tickets tagged "unanswered" get "swept".
    let sched = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({
            "name": "Sweep",
            "trigger": "AUTOMATION_TRIGGER_SCHEDULE",
            "schedule": "* * * * * *",
            "timeZone": "Europe/Berlin",
            "conditions": {"conditions": [{"field": "tags", "operator": "AUTOMATION_OPERATOR_CONTAINS", "value": "unanswered"}]},
            "actions": [{"changeTags": {"add": ["swept"]}}]
        }),
    )
    .await;
    assert!(sched["nextRunTime"].is_string(), "{sched}");
    eventually(20, "the scheduled sweep", || {
        let (api, id) = (api.clone(), old_id.clone());
        async move {
            let (_, t) = api.get(&format!("/api/v1/tickets/{id}")).await;
            tags(&t).contains(&"swept".to_owned()).then_some(())
        }
    })
    .await;
    let r = runs(&api, sched["id"].as_str().unwrap()).await;
    assert!(r.iter().all(|r| r["ticketId"] == old_id.as_str()), "only the matching ticket: {r:?}");
    stack.stop().await;
}

#[derive(Clone, Default)]
struct Hooks {
    calls: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>,
}

async fn hook(
    axum::extract::State(h): axum::extract::State<Hooks>,
    headers: axum::http::HeaderMap,
    body: String,
) -> axum::http::StatusCode {
    let mut calls = h.calls.lock().unwrap();
    calls.push((headers, body));
    // The first call fails: the delivery is retried.
    if calls.len() == 1 { axum::http::StatusCode::SERVICE_UNAVAILABLE } else { axum::http::StatusCode::OK }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_are_signed_and_retried_and_notifications_mailed() {
    let sink = psa_testkit::smtp::SmtpSink::start().await;
    let stack = Stack::start_with(psa_testkit::StackOptions { smtp_url: Some(sink.url()), ..Default::default() }).await;
    let (api, _) = stack.login(&stack.create_tenant("auto-hook").await).await;
    let co = company(&api, "Hooked").await;
    let hooks = Hooks::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(hooks.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let rule = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({
            "name": "Tell the SOC",
            "trigger": "AUTOMATION_TRIGGER_TICKET_CREATED",
            "conditions": {"match": "AUTOMATION_MATCH_ANY", "conditions": [
                {"field": "title", "operator": "AUTOMATION_OPERATOR_CONTAINS", "value": "breach"},
                {"field": "company.name", "operator": "AUTOMATION_OPERATOR_EQUALS", "value": "nobody"}
            ]},
            "actions": [
                {"callWebhook": {"url": format!("http://{addr}/hook"), "secret": "whsec-123"}},
                {"notify": {"toAddresses": ["soc@msp.example"], "subject": "[{{ticket.number}}] {{ticket.title}}",
                            "body": "Rule {{rule.name}} fired."}}
            ]
        }),
    )
    .await;
    let t = ticket(&api, "Possible breach", &co).await;
    let number = t["number"].as_str().unwrap().to_owned();
    let mail = sink.next_to("soc@msp.example").await;
    assert_eq!(mail.subject(), format!("[{number}] Possible breach"));
    assert!(mail.text().contains("Rule Tell the SOC fired."), "{}", mail.text());
    let calls = eventually(20, "the retried webhook", || {
        let h = hooks.clone();
        async move {
            let c = h.calls.lock().unwrap().clone();
            (c.len() >= 2).then_some(c)
        }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(hooks.calls.lock().unwrap().len(), 2, "no more calls after a 200");
    let (headers, body) = &calls[1];
    let expected = format!("sha256={}", psa_tickets::app::automation::sign(b"whsec-123", body.as_bytes()));
    assert_eq!(headers["x-psa-signature-256"].to_str().unwrap(), expected);
    assert_eq!(headers["x-psa-delivery"], calls[0].0["x-psa-delivery"], "the same delivery, retried");
    let payload: Value = serde_json::from_str(body).unwrap();
    assert_eq!(payload["ticket"]["number"], number.as_str());
    assert_eq!(payload["rule"]["id"], rule["id"]);
    assert_eq!(payload["event"], "automation.ticket_created");
    // The secret is sealed at rest.
    let mut db = stack.db().await;
    let stored: String =
        sqlx::query_scalar("select actions::text from tickets.automation_rules").fetch_one(&mut db).await.unwrap();
    assert!(!stored.contains("whsec-123"), "{stored}");
    let (status, attempts): (String, i32) =
        sqlx::query_as("select status, attempts from tickets.automation_deliveries where kind = 'webhook'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("sent", 1));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_run_each_rule_once_per_event() {
    use psa_kit::config::{AuthConfig, DatabaseConfig, RedisConfig};
    use psa_kit::service::ServiceConfig;
    let stack = Stack::start().await;
    // A second tickets replica on the same database and NATS namespace.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let config = psa_tickets::Config {
        settings: psa_tickets::Settings {
            tickets_addr: addr.to_string(),
            sla_job_interval_ms: 200,
            email_poll_interval_secs: 3600,
            attachments_dir: stack.attachments_dir.display().to_string(),
            automation_job_interval_ms: 50,
            attachment_max_bytes: 1024 * 1024,
            automation_webhook_allow_private: true,
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
    let (api, _) = stack.login(&stack.create_tenant("auto-twice").await).await;
    let co = company(&api, "Twins").await;
    let created = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({"name": "Welcome", "trigger": "AUTOMATION_TRIGGER_TICKET_CREATED",
               "actions": [{"addNote": {"body": "Seen by automation."}}]}),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(ticket(&api, &format!("Ticket {i}"), &co).await["id"].as_str().unwrap().to_owned());
    }
    let list = ids.iter().map(|i| format!("'{i}'")).collect::<Vec<_>>().join(", ");
    let mut db = stack.db().await;
    db.execute(
        format!("update tickets.tickets set created_at = now() - interval '5 hours' where id in ({list})").as_str(),
    )
    .await
    .unwrap();
    let nr = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({"name": "Chase", "trigger": "AUTOMATION_TRIGGER_NO_RESPONSE", "noResponseHours": 1,
               "actions": [{"changeTags": {"add": ["chased"]}}]}),
    )
    .await;
    let (cid, nid) = (created["id"].as_str().unwrap().to_owned(), nr["id"].as_str().unwrap().to_owned());
    eventually(30, "every ticket handled by both rules", || {
        let (api, cid, nid) = (api.clone(), cid.clone(), nid.clone());
        async move { (runs(&api, &cid).await.len() >= 8 && runs(&api, &nid).await.len() >= 8).then_some(()) }
    })
    .await;
    // Several more rounds of both replicas' jobs: nothing runs twice.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(runs(&api, &cid).await.len(), 8);
    assert_eq!(runs(&api, &nid).await.len(), 8);
    for id in &ids {
        let notes = get(&api, &format!("/api/v1/tickets/{id}/notes")).await;
        assert_eq!(notes["notes"].as_array().map(Vec::len), Some(1), "{notes}");
    }
    shutdown.cancel();
    replica.await.unwrap().unwrap();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rules_use_queues_teams_and_custom_fields() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("auto-desk").await).await;
    let co = company(&api, "Desked").await;
    let team = ok(&api, "/api/v1/teams", json!({"name": "SOC"})).await["id"].as_str().unwrap().to_owned();
    let queue = ok(&api, "/api/v1/ticket-queues", json!({"name": "Security", "defaultTeamId": team})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &api,
        "/api/v1/ticket-custom-fields",
        json!({"key": "severity", "label": "Severity", "type": "CUSTOM_FIELD_TYPE_NUMBER"}),
    )
    .await;
    let rule = ok(
        &api,
        "/api/v1/ticket-automation-rules",
        json!({
            "name": "Severe to security",
            "trigger": "AUTOMATION_TRIGGER_TICKET_CREATED",
            "conditions": {"conditions": [
                {"field": "custom_fields.severity", "operator": "AUTOMATION_OPERATOR_GREATER_THAN", "value": "7"},
                {"field": "queue_id", "operator": "AUTOMATION_OPERATOR_IS_EMPTY"}
            ]},
            "actions": [{"changeQueue": {"queueId": queue}}, {"setField": {"field": "status", "value": "in_progress"}}]
        }),
    )
    .await;
    let (s, t) = api
        .post("/api/v1/tickets", &json!({"title": "Ransomware", "companyId": co, "customFields": {"severity": 9}}))
        .await;
    assert_eq!(s, 200, "{t}");
    let low =
        ok(&api, "/api/v1/tickets", json!({"title": "Spam", "companyId": co, "customFields": {"severity": 2}})).await;
    let tid = t["id"].as_str().unwrap().to_owned();
    let t = eventually(20, "the queue move", || {
        let (api, tid) = (api.clone(), tid.clone());
        async move {
            let (_, t) = api.get(&format!("/api/v1/tickets/{tid}")).await;
            (t["status"] == "TICKET_STATUS_IN_PROGRESS").then_some(t)
        }
    })
    .await;
    assert_eq!(t["queueId"], queue.as_str(), "{t}");
    assert_eq!(t["teamId"], team.as_str(), "the queue's team: {t}");
    assert!(t["statusId"].is_string(), "{t}");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let r = runs(&api, rule["id"].as_str().unwrap()).await;
    assert_eq!(r.len(), 1, "only the severe ticket: {r:?}");
    let (_, l) = api.get(&format!("/api/v1/tickets/{}", low["id"].as_str().unwrap())).await;
    assert!(l.get("queueId").is_none(), "{l}");
    stack.stop().await;
}

/// Creates staff user `name@<tenant>.example` (Technician) over REST; returns its id.
async fn staff(api: &Api, tenant: &str, name: &str) -> String {
    let body = json!({"email": format!("{name}@{tenant}.example"), "displayName": name,
                      "password": "a long enough passphrase 42", "roleIds": ["technician"]});
    ok(api, "/api/v1/users", body).await["id"].as_str().unwrap().to_owned()
}

/// Waits until tickets' user projection shows user `id` with `active` (fed by identity's events).
async fn projected(stack: &Stack, id: &str, active: bool) -> String {
    let id: uuid::Uuid = id.parse().unwrap();
    eventually(20, "the user in tickets' projection", || async move {
        let mut db = stack.db().await;
        let row: Option<(bool, String)> =
            sqlx::query_as("select active, display_name from tickets.users where id = $1")
                .bind(id)
                .fetch_optional(&mut db)
                .await
                .unwrap();
        row.filter(|(a, _)| *a == active).map(|(_, n)| n)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn notify_reaches_the_assignee_the_team_and_named_staff_users() {
    let sink = psa_testkit::smtp::SmtpSink::start().await;
    let stack = Stack::start_with(psa_testkit::StackOptions { smtp_url: Some(sink.url()), ..Default::default() }).await;
    let (api, _) = stack.login(&stack.create_tenant("notify-a").await).await;
    let (other, _) = stack.login(&stack.create_tenant("notify-b").await).await;
    let alice = staff(&api, "notify-a", "alice").await;
    let bob = staff(&api, "notify-a", "bob").await;
    let carol = staff(&api, "notify-a", "carol").await;
    let dave = staff(&api, "notify-a", "dave").await;
    let eve = staff(&other, "notify-b", "eve").await;
    // identity's user events feed the projection: created, renamed, disabled.
    let (s, v) = api.patch(&format!("/api/v1/users/{alice}"), &json!({"displayName": "Alice Liddell"})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        eventually(20, "the new name", || async {
            let n = projected(&stack, &alice, true).await;
            (n == "Alice Liddell").then_some(n)
        })
        .await,
        "Alice Liddell"
    );
    ok(&api, &format!("/api/v1/users/{dave}:disable"), json!({})).await;
    projected(&stack, &dave, false).await;
    for u in [&bob, &carol] {
        projected(&stack, u, true).await;
    }
    projected(&stack, &eve, true).await;
    let co = company(&api, "Paged").await;
    let noc = ok(&api, "/api/v1/teams", json!({"name": "NOC", "memberIds": [bob, dave]})).await;
    let rule = |users: Vec<&str>| {
        json!({
            "name": "Page the desk",
            "trigger": "AUTOMATION_TRIGGER_TICKET_CREATED",
            "conditions": {"match": "AUTOMATION_MATCH_ALL", "conditions": [
                {"field": "title", "operator": "AUTOMATION_OPERATOR_CONTAINS", "value": "page"}
            ]},
            "actions": [
                {"notify": {"toAssignee": true, "toTeam": true, "toUserIds": users,
                            "toAddresses": ["ALICE@notify-a.example"],
                            "subject": "[{{ticket.number}}] {{ticket.title}}", "body": "Rule {{rule.name}} fired."}}
            ]
        })
    };
    // Users of another tenant (and unknown ids) are refused with the action's field.
    let (s, v) = api.post("/api/v1/ticket-automation-rules", &rule(vec![&eve])).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("rule.actions[0].notify.to_user_ids[0]"), "{v}");
    let (s, v) = api.post("/api/v1/ticket-automation-rules", &rule(vec!["not-a-uuid"])).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("rule.actions[0].notify.to_user_ids[0]"), "{v}");
    let r = ok(&api, "/api/v1/ticket-automation-rules", rule(vec![&carol])).await;
    assert_eq!(r["actions"][0]["notify"]["toUserIds"], json!([carol]));
    assert_eq!(r["actions"][0]["notify"]["toTeam"], true);
    // Assignee alice (also named by address, in other case), team NOC (bob; dave is disabled),
    // and carol by id: one mail, each address once.
    let body = json!({"title": "Please page someone", "companyId": co, "assigneeId": alice, "teamId": noc["id"]});
    let t = ok(&api, "/api/v1/tickets", body).await;
    let mail = sink.next_to("carol@notify-a.example").await;
    assert_eq!(mail.subject(), format!("[{}] Please page someone", t["number"].as_str().unwrap()));
    let mut to: Vec<String> = mail.envelope_to.iter().map(|a| a.to_lowercase()).collect();
    to.sort();
    assert_eq!(to, ["alice@notify-a.example", "bob@notify-a.example", "carol@notify-a.example"]);
    // No assignee and no team: carol still gets it, and the run says what was missing.
    let t2 = ok(&api, "/api/v1/tickets", json!({"title": "page me too", "companyId": co})).await;
    let mail = sink.next_to("carol@notify-a.example").await;
    assert!(mail.subject().contains("page me too"));
    assert!(!mail.envelope_to.iter().any(|a| a.starts_with("bob")), "{:?}", mail.envelope_to);
    let rid = r["id"].as_str().unwrap().to_owned();
    let run = eventually(20, "the second run", || {
        let (api, rid, number) = (&api, rid.clone(), t2["number"].clone());
        async move { runs(api, &rid).await.into_iter().find(|r| r["ticketNumber"] == number) }
    })
    .await;
    let err = run["actions"][0]["error"].as_str().unwrap_or_default().to_owned();
    assert!(err.contains("no assignee") && err.contains("no team"), "{run}");
    // The other tenant cannot read the rule.
    let (s, _) = other.get(&format!("/api/v1/ticket-automation-rules/{rid}")).await;
    assert_eq!(s, 404);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_to_private_addresses_are_refused_unless_allowed() {
    let stack =
        Stack::start_with(psa_testkit::StackOptions { webhook_allow_private: false, ..Default::default() }).await;
    let (api, _) = stack.login(&stack.create_tenant("auto-private").await).await;
    let rule = |url: &str| {
        json!({
            "name": "Call home",
            "trigger": "AUTOMATION_TRIGGER_TICKET_CREATED",
            "actions": [{"callWebhook": {"url": url, "secret": "whsec-1"}}]
        })
    };
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://192.168.10.2/hook",
        "http://0x7f.1/hook",
    ] {
        let (s, v) = api.post("/api/v1/ticket-automation-rules", &rule(url)).await;
        assert_eq!(s, 400, "{url}: {v}");
        let text = v.to_string();
        assert!(text.contains("rule.actions[0].call_webhook.url"), "{url}: {v}");
        assert!(text.contains("PSA_AUTOMATION_WEBHOOK_ALLOW_PRIVATE"), "{url}: {v}");
    }
    // A public address is accepted (never called: the rule is inactive).
    let mut public = rule("https://93.184.215.14/hook");
    public["active"] = json!(false);
    let (s, v) = api.post("/api/v1/ticket-automation-rules", &public).await;
    assert_eq!(s, 200, "{v}");
    stack.stop().await;
}
