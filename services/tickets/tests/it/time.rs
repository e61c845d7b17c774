//! Time tracking over REST against real PostgreSQL and NATS: work types (unique names,
//! money as decimal strings), the rounding rule, entries (validation → 400 with fields,
//! company from the ticket, billable default, rounding, filters, date range, edits and
//! deletes only while unbilled), the per-user timer, `TimeEntryCreated`, and isolation
//! (another tenant, portal users).

use async_nats::jetstream;
use prost::Message as _;
use psa_core::PrincipalKind;
use psa_proto::events::{Envelope, TimeEntryCreated};
use psa_testkit::{Api, Stack};
use serde_json::{Value, json};
use sqlx::Executor;

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

fn entries(v: &Value) -> Vec<Value> {
    v["entries"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn work_types_entries_rounding_and_timer() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("time-a").await;
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let company = company["id"].as_str().unwrap().to_owned();
    let ticket = ok(&api, "/api/v1/tickets", json!({"title": "Printer", "companyId": company})).await;
    let ticket = ticket["id"].as_str().unwrap().to_owned();

    // Work types: money as decimal strings, unique names, bad input → 400 with fields.
    let remote = ok(
        &api,
        "/api/v1/work-types",
        json!({"name": "Remote", "defaultRate": "125.5", "billable": true, "active": true}),
    )
    .await;
    assert_eq!(
        (remote["defaultRate"].as_str(), remote["currency"].as_str()),
        (Some("125.50"), Some("USD")),
        "{remote}"
    );
    let remote_id = remote["id"].as_str().unwrap().to_owned();
    let admin_wt = ok(&api, "/api/v1/work-types", json!({"name": "Admin", "currency": "eur"})).await;
    let admin_id = admin_wt["id"].as_str().unwrap().to_owned();
    assert_eq!(admin_wt["billable"], Value::Null, "non-billable (default false omitted): {admin_wt}");
    assert_eq!(admin_wt["active"], true, "active unless said otherwise: {admin_wt}");
    let old = ok(&api, "/api/v1/work-types", json!({"name": "Old", "active": false})).await;
    let (s, v) = api
        .post("/api/v1/time-entries", &json!({"date": "2026-11-20", "durationMinutes": 5, "workTypeId": old["id"]}))
        .await;
    assert_eq!(s, 400, "inactive work type: {v}");
    let (s, v) = api.post("/api/v1/work-types", &json!({"name": "remote", "active": true})).await;
    assert_eq!(s, 409, "{v}");
    let (s, v) = api.post("/api/v1/work-types", &json!({"name": " ", "defaultRate": "-1", "currency": "EU"})).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("work_type.default_rate"), "{v}");
    let (s, v) = api.post("/api/v1/work-types", &json!({"name": " ", "currency": "EU"})).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("work_type.name") && v.to_string().contains("work_type.currency"), "{v}");
    let (_, list) = api.get("/api/v1/work-types").await;
    let names: Vec<&str> = list["workTypes"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Admin", "Old", "Remote"]);

    // Default: no rounding.
    let (s, settings) = api.get("/api/v1/time-settings").await;
    assert_eq!((s, settings["method"].as_str()), (200, Some("ROUNDING_METHOD_NONE")), "{settings}");
    let e = ok(
        &api,
        "/api/v1/time-entries",
        json!({"date": "2026-11-20", "durationMinutes": 7, "workTypeId": remote_id, "ticketId": ticket, "notes": "fixed"}),
    )
    .await;
    assert_eq!((e["durationMinutes"].as_i64(), e["roundedMinutes"].as_i64()), (Some(7), Some(7)), "{e}");
    assert_eq!(e["companyId"].as_str(), Some(company.as_str()), "company from the ticket: {e}");
    assert_eq!(e["billable"], true, "billable from the work type: {e}");
    assert_eq!(e["billingStatus"], "TIME_BILLING_STATUS_UNBILLED");
    let first = e["id"].as_str().unwrap().to_owned();

    // 15-minute increments, up, 30-minute minimum.
    let (s, v) = api
        .put(
            "/api/v1/time-settings",
            &json!({"method": "ROUNDING_METHOD_UP", "incrementMinutes": 15, "minimumMinutes": 30}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) =
        api.put("/api/v1/time-settings", &json!({"method": "ROUNDING_METHOD_UP", "incrementMinutes": 0})).await;
    assert_eq!(s, 400, "{v}");
    assert!(v.to_string().contains("settings.increment_minutes"), "{v}");
    let e = ok(
        &api,
        "/api/v1/time-entries",
        json!({"date": "2026-11-21", "startTime": "09:00", "endTime": "09:31", "workTypeId": admin_id}),
    )
    .await;
    assert_eq!((e["durationMinutes"].as_i64(), e["roundedMinutes"].as_i64()), (Some(31), Some(45)), "{e}");
    assert_eq!(e["billable"], false, "not billable, as the work type (optional field: always present): {e}");
    assert_eq!(e["companyId"], Value::Null);
    let second = e["id"].as_str().unwrap().to_owned();
    let e = ok(
        &api,
        "/api/v1/time-entries",
        json!({"date": "2026-11-22", "durationMinutes": 5, "workTypeId": admin_id, "billable": true}),
    )
    .await;
    assert_eq!(
        (e["roundedMinutes"].as_i64(), &e["billable"]),
        (Some(30), &json!(true)),
        "minimum and explicit billable: {e}"
    );

    // Bad entries → 400 naming the fields; nothing written.
    for (body, field) in [
        (json!({"date": "2026-11-20", "durationMinutes": 0, "workTypeId": remote_id}), "entry.duration_minutes"),
        (json!({"date": "2026-11-20", "durationMinutes": 1441, "workTypeId": remote_id}), "entry.duration_minutes"),
        (
            json!({"date": "2026-11-20", "startTime": "10:00", "endTime": "09:00", "workTypeId": remote_id}),
            "entry.end_time",
        ),
        (
            json!({"date": "2026-11-20", "startTime": "9am", "endTime": "10:00", "workTypeId": remote_id}),
            "entry.start_time",
        ),
        (json!({"date": "20.11.2026", "durationMinutes": 5, "workTypeId": remote_id}), "entry.date"),
        (json!({"date": "2026-11-20", "durationMinutes": 5}), "entry.work_type_id"),
        (json!({"date": "2026-11-20", "durationMinutes": 5, "workTypeId": uuid::Uuid::now_v7()}), "entry.work_type_id"),
        (
            json!({"date": "2026-11-20", "durationMinutes": 5, "workTypeId": remote_id, "ticketId": uuid::Uuid::now_v7()}),
            "entry.ticket_id",
        ),
        (
            json!({"date": "2026-11-20", "durationMinutes": 5, "workTypeId": remote_id, "notes": "x".repeat(4001)}),
            "entry.notes",
        ),
    ] {
        let (s, v) = api.post("/api/v1/time-entries", &body).await;
        assert_eq!(s, 400, "{body}: {v}");
        assert!(v.to_string().contains(field), "{field}: {v}");
    }

    // Lists: filters, date range, the ticket's entries.
    let (_, all) = api.get("/api/v1/time-entries").await;
    let dates: Vec<&str> = all["entries"].as_array().unwrap().iter().map(|e| e["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-11-22", "2026-11-21", "2026-11-20"], "newest date first");
    let (_, ranged) = api.get("/api/v1/time-entries?startDate=2026-11-21&endDate=2026-11-21").await;
    assert_eq!(entries(&ranged).len(), 1, "{ranged}");
    assert_eq!(entries(&ranged)[0]["id"].as_str(), Some(second.as_str()));
    let (s, v) = api.get("/api/v1/time-entries?startDate=2026-11-22&endDate=2026-11-21").await;
    assert_eq!(s, 400, "{v}");
    let filter = format!("company_id = \"{company}\"");
    let (_, by_company) = api.get(&format!("/api/v1/time-entries?filter={}", urlencode(&filter))).await;
    assert_eq!(entries(&by_company).len(), 1, "{by_company}");
    let (_, paged) = api.get("/api/v1/time-entries?pageSize=2").await;
    assert_eq!(entries(&paged).len(), 2);
    let token = paged["nextPageToken"].as_str().unwrap();
    let (_, rest) = api.get(&format!("/api/v1/time-entries?pageSize=2&pageToken={token}")).await;
    assert_eq!(entries(&rest).len(), 1, "{rest}");
    let (_, on_ticket) = api.get(&format!("/api/v1/tickets/{ticket}/time-entries")).await;
    assert_eq!(entries(&on_ticket).len(), 1);
    assert_eq!(entries(&on_ticket)[0]["id"].as_str(), Some(first.as_str()));

    // Patch: new start/end recompute duration and rounding; the duration alone drops start/end.
    let (s, e) = api.patch(&format!("/api/v1/time-entries/{second}"), &json!({"endTime": "10:01"})).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!((e["durationMinutes"].as_i64(), e["roundedMinutes"].as_i64()), (Some(61), Some(75)), "{e}");
    let (_, e) = api.patch(&format!("/api/v1/time-entries/{second}"), &json!({"durationMinutes": 20})).await;
    assert_eq!((e["durationMinutes"].as_i64(), e["roundedMinutes"].as_i64()), (Some(20), Some(30)), "{e}");
    assert_eq!(e["startTime"], Value::Null, "{e}");
    let (s, v) = api.patch(&format!("/api/v1/time-entries/{second}"), &json!({"durationMinutes": 2000})).await;
    assert_eq!(s, 400, "{v}");

    // Billed entries are frozen.
    let mut db = stack.db().await;
    db.execute(format!("update tickets.time_entries set billing_status = 'billed' where id = '{first}'").as_str())
        .await
        .unwrap();
    let (s, v) = api.patch(&format!("/api/v1/time-entries/{first}"), &json!({"notes": "later"})).await;
    assert_eq!(s, 400, "FAILED_PRECONDITION: {v}");
    assert!(v.to_string().contains("only unbilled"), "{v}");
    assert_eq!(api.delete(&format!("/api/v1/time-entries/{first}")).await.0, 400);
    assert_eq!(api.delete(&format!("/api/v1/time-entries/{second}")).await.0, 200);
    assert_eq!(api.get(&format!("/api/v1/time-entries/{second}")).await.0, 404);

    // Timer: one per user; stopping creates the entry.
    let (s, v) = api.get("/api/v1/time-entries/timer").await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = api.post("/api/v1/time-entries/timer/stop", &json!({})).await;
    assert_eq!(s, 400, "nothing to stop: {v}");
    let (s, v) = api.post("/api/v1/time-entries/timer/start", &json!({"ticketId": ticket})).await;
    assert_eq!(s, 400, "work type required: {v}");
    let t = ok(&api, "/api/v1/time-entries/timer/start", json!({"workTypeId": remote_id, "ticketId": ticket})).await;
    assert_eq!(t["ticketId"].as_str(), Some(ticket.as_str()));
    let (s, v) = api.post("/api/v1/time-entries/timer/start", &json!({"workTypeId": admin_id})).await;
    assert_eq!(s, 400, "second timer: {v}");
    assert!(v.to_string().contains("already running"), "{v}");
    // another user of the tenant has their own timer
    let perms = psa_core::permissions::Role::Technician.permission_names();
    let tech = Api::new(
        &stack.gateway_url(),
        Some(stack.mint_token(&Stack::claims(admin.tenant_id, PrincipalKind::Staff, perms, None)).await),
    );
    ok(&tech, "/api/v1/time-entries/timer/start", json!({"workTypeId": admin_id})).await;
    let (s, running) = api.get("/api/v1/time-entries/timer").await;
    assert_eq!((s, running["workTypeId"].as_str()), (200, Some(remote_id.as_str())), "{running}");
    let e = ok(&api, "/api/v1/time-entries/timer/stop", json!({"notes": "rebooted"})).await;
    assert_eq!((e["durationMinutes"].as_i64(), e["roundedMinutes"].as_i64()), (Some(1), Some(30)), "{e}");
    assert_eq!((e["ticketId"].as_str(), e["notes"].as_str()), (Some(ticket.as_str()), Some("rebooted")));
    assert_eq!(e["companyId"].as_str(), Some(company.as_str()));
    assert_eq!(api.get("/api/v1/time-entries/timer").await.0, 404);
    assert_eq!(tech.get("/api/v1/time-entries/timer").await.0, 200, "the other user's timer still runs");

    // TimeEntryCreated went out through the outbox.
    let js = jetstream::new(async_nats::connect(&stack.nats.nats_url).await.unwrap());
    let stream = format!("{}_PSA_TICKETS", stack.nats.nats_namespace.to_ascii_uppercase().replace(['.', '-'], "_"));
    let id = e["id"].as_str().unwrap().to_owned();
    let created = psa_testkit::eventually(15, "TimeEntryCreated", || {
        let (js, stream, id) = (js.clone(), stream.clone(), id.clone());
        async move {
            let mut s = js.get_stream(&stream).await.ok()?;
            let last = s.info().await.ok()?.state.last_sequence;
            for seq in 1..=last {
                let Ok(m) = s.get_raw_message(seq).await else { continue };
                let env = Envelope::decode(m.payload.as_ref()).ok()?;
                let Some(any) = env.payload else { continue };
                if !any.type_url.ends_with("/psa.events.v1.TimeEntryCreated") {
                    continue;
                }
                let ev = TimeEntryCreated::decode(any.value.as_slice()).ok()?;
                if ev.entry.as_ref().is_some_and(|x| x.id == id) {
                    return Some(ev);
                }
            }
            None
        }
    })
    .await;
    assert_eq!(created.entry.unwrap().rounded_minutes, 30);
    stack.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn time_is_isolated_per_tenant_and_closed_to_portal_users() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("time-iso-a").await;
    let (api, _) = stack.login(&a).await;
    let (other, _) = stack.login(&stack.create_tenant("time-iso-b").await).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let company = company["id"].as_str().unwrap().to_owned();
    let ticket = ok(&api, "/api/v1/tickets", json!({"title": "Printer", "companyId": company})).await;
    let ticket = ticket["id"].as_str().unwrap().to_owned();
    let wt = ok(&api, "/api/v1/work-types", json!({"name": "Remote", "billable": true, "active": true})).await;
    let wt = wt["id"].as_str().unwrap().to_owned();
    let e = ok(
        &api,
        "/api/v1/time-entries",
        json!({"date": "2026-11-20", "durationMinutes": 30, "workTypeId": wt, "ticketId": ticket}),
    )
    .await;
    let entry = e["id"].as_str().unwrap().to_owned();

    // Another tenant: 404 / empty, cannot change or use A's rows.
    assert_eq!(other.get(&format!("/api/v1/time-entries/{entry}")).await.0, 404);
    assert_eq!(other.get(&format!("/api/v1/work-types/{wt}")).await.0, 404);
    assert_eq!(other.get(&format!("/api/v1/tickets/{ticket}/time-entries")).await.0, 404);
    assert!(entries(&other.get("/api/v1/time-entries").await.1).is_empty());
    assert_eq!(other.get("/api/v1/work-types").await.1["workTypes"], Value::Null);
    assert_eq!(other.patch(&format!("/api/v1/time-entries/{entry}"), &json!({"notes": "x"})).await.0, 404);
    assert_eq!(other.delete(&format!("/api/v1/time-entries/{entry}")).await.0, 404);
    assert_eq!(other.put(&format!("/api/v1/work-types/{wt}"), &json!({"name": "Mine", "active": true})).await.0, 404);
    let (s, v) = other
        .post("/api/v1/time-entries", &json!({"date": "2026-11-20", "durationMinutes": 5, "workTypeId": wt}))
        .await;
    assert_eq!(s, 400, "A's work type is unknown to B: {v}");
    let (_, own) = other.post("/api/v1/work-types", &json!({"name": "Remote", "active": true})).await;
    let own = own["id"].as_str().expect("same name in another tenant is fine").to_owned();
    let (s, v) = other
        .post(
            "/api/v1/time-entries",
            &json!({"date": "2026-11-20", "durationMinutes": 5, "workTypeId": own, "ticketId": ticket}),
        )
        .await;
    assert_eq!(s, 400, "A's ticket is unknown to B: {v}");
    let (s, v) = other.post("/api/v1/time-entries/timer/start", &json!({"workTypeId": wt})).await;
    assert_eq!(s, 400, "{v}");
    let (s, _) =
        other.put("/api/v1/time-settings", &json!({"method": "ROUNDING_METHOD_UP", "incrementMinutes": 60})).await;
    assert_eq!(s, 200);
    assert_eq!(api.get("/api/v1/time-settings").await.1["method"], "ROUNDING_METHOD_NONE", "settings are per tenant");
    assert_eq!(api.get(&format!("/api/v1/time-entries/{entry}")).await.1["notes"], Value::Null);

    // Portal users: their roles lack time.*; a portal token that carried them is refused too.
    let portal = stack.portal_api(a.tenant_id, company.parse().unwrap()).await;
    for path in
        ["/api/v1/time-entries".to_owned(), format!("/api/v1/time-entries/{entry}"), "/api/v1/work-types".into()]
    {
        assert_eq!(portal.get(&path).await.0, 403, "{path}");
    }
    assert_eq!(portal.get(&format!("/api/v1/tickets/{ticket}/time-entries")).await.0, 403);
    assert_eq!(portal.delete(&format!("/api/v1/time-entries/{entry}")).await.0, 403);
    let claims = Stack::claims(a.tenant_id, PrincipalKind::Portal, &["time.read", "time.write"], company.parse().ok());
    let forged = Api::new(&stack.gateway_url(), Some(stack.mint_token(&claims).await));
    assert_eq!(forged.get("/api/v1/time-entries").await.0, 403);
    assert_eq!(forged.get(&format!("/api/v1/time-entries/{entry}")).await.0, 403);
    assert_eq!(api.get(&format!("/api/v1/time-entries/{entry}")).await.0, 200);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn entries_carry_the_contract_project_and_task() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("time-links").await;
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Initech"})).await;
    let contract = uuid::Uuid::now_v7().to_string();
    let other_contract = uuid::Uuid::now_v7().to_string();
    let ticket =
        ok(&api, "/api/v1/tickets", json!({"title": "VPN", "companyId": company["id"], "contractId": contract})).await;
    let wt = ok(&api, "/api/v1/work-types", json!({"name": "Remote", "billable": true, "active": true})).await;

    // On the ticket: its contract by default.
    let on_ticket = ok(
        &api,
        "/api/v1/time-entries",
        json!({"date": "2026-11-20", "durationMinutes": 30, "workTypeId": wt["id"], "ticketId": ticket["id"]}),
    )
    .await;
    assert_eq!(on_ticket["contractId"], contract.as_str(), "{on_ticket}");
    // Named explicitly (with a project and a task), even on the same ticket.
    let (project, task) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    let named = ok(
        &api,
        "/api/v1/time-entries",
        json!({"date": "2026-11-20", "durationMinutes": 45, "workTypeId": wt["id"], "ticketId": ticket["id"],
               "contractId": other_contract, "projectId": project, "taskId": task}),
    )
    .await;
    assert_eq!(
        (named["contractId"].as_str(), named["projectId"].as_str(), named["taskId"].as_str()),
        (Some(other_contract.as_str()), Some(project.as_str()), Some(task.as_str())),
        "{named}"
    );
    // Malformed ids are refused naming the field.
    let (s, v) = api
        .post(
            "/api/v1/time-entries",
            &json!({"date": "2026-11-20", "durationMinutes": 5, "workTypeId": wt["id"], "contractId": "x", "taskId": "y"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["entry.contractId", "entry.taskId"], "{v}");
    // Filterable, and editable by field mask.
    let (_, list) = api.get(&format!("/api/v1/time-entries?filter=contract_id%20%3D%20%22{contract}%22")).await;
    let ids: Vec<String> = entries(&list).iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, [on_ticket["id"].as_str().unwrap().to_owned()], "{list}");
    let (s, v) = api
        .patch(&format!("/api/v1/time-entries/{}", named["id"].as_str().unwrap()), &json!({"contractId": contract}))
        .await;
    assert_eq!(
        (s, v["contractId"].as_str(), v["projectId"].as_str()),
        (200, Some(contract.as_str()), Some(project.as_str())),
        "{v}"
    );
    stack.stop().await;
}
