//! Weekly timesheets over REST against real PostgreSQL and NATS: week totals, submit →
//! reject → resubmit → recall → approve, entries locked while submitted or approved (also
//! against concurrent writers), nobody approves their own week, approval marks billable time
//! ready to bill and records `TimeEntryApproved` per entry, and isolation (another tenant,
//! portal users).

use async_nats::jetstream;
use prost::Message as _;
use psa_core::PrincipalKind;
use psa_core::permissions::Role;
use psa_proto::events::{Envelope, TimeEntryApproved};
use psa_testkit::{Api, Stack, TenantAdmin};
use serde_json::{Value, json};

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

/// A staff user of `admin`'s tenant with `role`: its client and user id.
async fn staff(stack: &Stack, admin: &TenantAdmin, role: Role) -> (Api, String) {
    let claims = Stack::claims(admin.tenant_id, PrincipalKind::Staff, role.permission_names(), None);
    let id = claims.sub.to_string();
    (Api::new(&stack.gateway_url(), Some(stack.mint_token(&claims).await)), id)
}

async fn entry(api: &Api, date: &str, minutes: i64, work_type: &str, billable: bool) -> String {
    let body = json!({"date": date, "durationMinutes": minutes, "workTypeId": work_type, "billable": billable});
    ok(api, "/api/v1/time-entries", body).await["id"].as_str().unwrap().to_owned()
}

fn status(v: &Value) -> &str {
    v["status"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn weekly_timesheet_lifecycle_locks_entries_and_approves_time() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("sheets-a").await;
    let (boss, _) = stack.login(&admin).await;
    let (tech, tech_id) = staff(&stack, &admin, Role::Technician).await;
    let wt = ok(&boss, "/api/v1/work-types", json!({"name": "Remote", "billable": true, "active": true})).await;
    let wt = wt["id"].as_str().unwrap().to_owned();
    // 2026-11-16 is a Monday.
    let monday = entry(&tech, "2026-11-16", 60, &wt, true).await;
    let wednesday = entry(&tech, "2026-11-18", 30, &wt, false).await;
    let next_week = entry(&tech, "2026-11-23", 15, &wt, true).await;

    // Any date of the week names the week; totals in rounded minutes, Monday first.
    let (s, week) = tech.get("/api/v1/users/me/timesheets/2026-11-20").await;
    assert_eq!(s, 200, "{week}");
    assert_eq!((week["weekStart"].as_str(), week["weekEnd"].as_str()), (Some("2026-11-16"), Some("2026-11-22")));
    assert_eq!(status(&week), "TIMESHEET_STATUS_OPEN");
    assert_eq!((week["entryCount"].as_i64(), week["totalMinutes"].as_i64()), (Some(2), Some(90)), "{week}");
    assert_eq!(week["billableMinutes"].as_i64(), Some(60));
    assert_eq!(week["dailyMinutes"], json!([60, 0, 30, 0, 0, 0, 0]));
    assert_eq!(week["entries"].as_array().map(Vec::len), Some(2));
    let (s, same) = boss.get(&format!("/api/v1/users/{tech_id}/timesheets/2026-11-16")).await;
    assert_eq!((s, same["totalMinutes"].as_i64()), (200, Some(90)), "an approver reads it by user id");

    // Bad paths → 400 with the field; approving an open week, or someone else's submit → refused.
    let (s, v) = tech.get("/api/v1/users/me/timesheets/2026-13-01").await;
    assert!(s == 400 && v.to_string().contains("week_start"), "{s} {v}");
    let (s, v) = tech.get("/api/v1/users/nobody/timesheets/2026-11-16").await;
    assert!(s == 400 && v.to_string().contains("user_id"), "{s} {v}");
    let path = format!("/api/v1/users/{tech_id}/timesheets/2026-11-16");
    let (s, v) = boss.post(&format!("{path}/approve"), &json!({})).await;
    assert!(s == 400 && v.to_string().contains("open"), "{s} {v}");
    let (s, v) = boss.post(&format!("{path}/submit"), &json!({})).await;
    assert_eq!(s, 403, "only the owner submits: {v}");
    let (s, v) = tech.post("/api/v1/users/me/timesheets/2026-11-30/submit", &json!({})).await;
    assert!(s == 400 && v.to_string().contains("no time entries"), "empty week: {s} {v}");

    // Submit: entries of the week are frozen; other weeks are not.
    let sub = ok(&tech, "/api/v1/users/me/timesheets/2026-11-18/submit", json!({})).await;
    assert_eq!(status(&sub), "TIMESHEET_STATUS_SUBMITTED");
    assert!(sub["submitTime"].is_string(), "{sub}");
    let (s, v) = tech
        .post("/api/v1/time-entries", &json!({"date": "2026-11-19", "durationMinutes": 10, "workTypeId": wt}))
        .await;
    assert!(s == 400 && v.to_string().contains("submitted"), "{s} {v}");
    assert_eq!(tech.patch(&format!("/api/v1/time-entries/{monday}"), &json!({"notes": "x"})).await.0, 400);
    assert_eq!(tech.delete(&format!("/api/v1/time-entries/{wednesday}")).await.0, 400);
    let (s, v) = tech.patch(&format!("/api/v1/time-entries/{next_week}"), &json!({"date": "2026-11-17"})).await;
    assert_eq!(s, 400, "moving an entry into a submitted week: {v}");
    entry(&tech, "2026-11-24", 10, &wt, true).await;
    let (s, v) = tech.post(&format!("{path}/approve"), &json!({})).await;
    assert_eq!(s, 403, "technicians cannot approve: {v}");

    // The approval queue.
    let (s, queue) = boss.get("/api/v1/timesheets?filter=status%20%3D%20%22TIMESHEET_STATUS_SUBMITTED%22").await;
    assert_eq!(s, 200, "{queue}");
    let sheets = queue["timesheets"].as_array().cloned().unwrap_or_default();
    assert_eq!(sheets.len(), 1, "{queue}");
    assert_eq!((sheets[0]["userId"].as_str(), sheets[0]["totalMinutes"].as_i64()), (Some(tech_id.as_str()), Some(90)));

    // Reject needs a reason; the owner fixes, resubmits, recalls, submits again.
    let (s, v) = boss.post(&format!("{path}/reject"), &json!({"reason": " "})).await;
    assert!(s == 400 && v.to_string().contains("reason"), "{s} {v}");
    let rej = ok(&boss, &format!("{path}/reject"), json!({"reason": "Wednesday needs a ticket"})).await;
    assert_eq!(
        (status(&rej), rej["rejectionReason"].as_str()),
        ("TIMESHEET_STATUS_REJECTED", Some("Wednesday needs a ticket"))
    );
    let (s, _) = tech.patch(&format!("/api/v1/time-entries/{wednesday}"), &json!({"durationMinutes": 45})).await;
    assert_eq!(s, 200, "a rejected week is editable");
    ok(&tech, "/api/v1/users/me/timesheets/2026-11-16/submit", json!({})).await;
    let back = ok(&tech, "/api/v1/users/me/timesheets/2026-11-16/recall", json!({})).await;
    assert_eq!(status(&back), "TIMESHEET_STATUS_OPEN");
    ok(&tech, "/api/v1/users/me/timesheets/2026-11-16/submit", json!({})).await;

    // Approve: billable time is ready to bill; nothing can move afterwards.
    let done = ok(&boss, &format!("{path}/approve"), json!({})).await;
    assert_eq!((status(&done), done["totalMinutes"].as_i64()), ("TIMESHEET_STATUS_APPROVED", Some(105)), "{done}");
    assert!(done["decidedBy"].is_string() && done["decideTime"].is_string(), "{done}");
    let (_, m) = tech.get(&format!("/api/v1/time-entries/{monday}")).await;
    assert_eq!(m["billingStatus"], "TIME_BILLING_STATUS_READY_TO_BILL", "{m}");
    let (_, w) = tech.get(&format!("/api/v1/time-entries/{wednesday}")).await;
    assert_eq!(w["billingStatus"], "TIME_BILLING_STATUS_UNBILLED", "non-billable time stays unbilled: {w}");
    for action in ["recall", "submit"] {
        assert_eq!(tech.post(&format!("/api/v1/users/me/timesheets/2026-11-16/{action}"), &json!({})).await.0, 400);
    }
    assert_eq!(boss.post(&format!("{path}/reject"), &json!({"reason": "late"})).await.0, 400);
    assert_eq!(tech.delete(&format!("/api/v1/time-entries/{wednesday}")).await.0, 400);

    // One TimeEntryApproved per entry of the week, by the approver.
    let js = jetstream::new(async_nats::connect(&stack.nats.nats_url).await.unwrap());
    let stream = format!("{}_PSA_TICKETS", stack.nats.nats_namespace.to_ascii_uppercase().replace(['.', '-'], "_"));
    let approved = psa_testkit::eventually(15, "TimeEntryApproved", || {
        let (js, stream) = (js.clone(), stream.clone());
        async move {
            let mut s = js.get_stream(&stream).await.ok()?;
            let last = s.info().await.ok()?.state.last_sequence;
            let mut found = Vec::new();
            for seq in 1..=last {
                let Ok(m) = s.get_raw_message(seq).await else { continue };
                let env = Envelope::decode(m.payload.as_ref()).ok()?;
                let Some(any) = env.payload else { continue };
                if any.type_url.ends_with("/psa.events.v1.TimeEntryApproved") {
                    found.push(TimeEntryApproved::decode(any.value.as_slice()).ok()?);
                }
            }
            (found.len() >= 2).then_some(found)
        }
    })
    .await;
    let mut ids: Vec<String> = approved.iter().map(|e| e.entry.as_ref().unwrap().id.clone()).collect();
    ids.sort();
    let mut expected = vec![monday.clone(), wednesday.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(approved.iter().all(|e| Some(e.approved_by.as_str()) == done["decidedBy"].as_str()));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_slips_into_a_week_while_it_is_submitted() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("sheets-race").await;
    let (boss, _) = stack.login(&admin).await;
    let (tech, _) = staff(&stack, &admin, Role::Technician).await;
    let wt = ok(&boss, "/api/v1/work-types", json!({"name": "Remote", "billable": true, "active": true})).await;
    let wt = wt["id"].as_str().unwrap().to_owned();
    entry(&tech, "2026-11-16", 30, &wt, true).await;
    let writers = (0..12).map(|i| {
        let (tech, wt) = (&tech, &wt);
        async move {
            let body = json!({"date": "2026-11-17", "durationMinutes": 5 + i, "workTypeId": wt});
            tech.post("/api/v1/time-entries", &body).await.0
        }
    });
    let empty = json!({});
    let submit = tech.post("/api/v1/users/me/timesheets/2026-11-16/submit", &empty);
    let (codes, (s, sub)) = futures::future::join(futures::future::join_all(writers), submit).await;
    assert_eq!(s, 200, "{sub}");
    assert!(codes.iter().all(|c| *c == 200 || *c == 400), "{codes:?}");
    let (_, week) = tech.get("/api/v1/users/me/timesheets/2026-11-16").await;
    assert_eq!(week["entryCount"], sub["entryCount"], "no entry was added after the submission");
    let accepted = codes.iter().filter(|c| **c == 200).count() as i64;
    assert_eq!(week["entryCount"].as_i64(), Some(1 + accepted));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn timesheets_are_isolated_per_tenant_and_closed_to_portal_users() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("sheets-iso-a").await;
    let (boss_a, _) = stack.login(&a).await;
    let (tech, tech_id) = staff(&stack, &a, Role::Technician).await;
    let (boss_b, _) = stack.login(&stack.create_tenant("sheets-iso-b").await).await;
    let wt = ok(&boss_a, "/api/v1/work-types", json!({"name": "Remote", "billable": true, "active": true})).await;
    entry(&tech, "2026-11-16", 30, wt["id"].as_str().unwrap(), true).await;
    ok(&tech, "/api/v1/users/me/timesheets/2026-11-16/submit", json!({})).await;
    let path = format!("/api/v1/users/{tech_id}/timesheets/2026-11-16");

    // Tenant B sees an empty, open week and no queue; it cannot decide A's week.
    let (s, seen) = boss_b.get(&path).await;
    assert_eq!((s, status(&seen), seen["entryCount"].as_i64()), (200, "TIMESHEET_STATUS_OPEN", None), "{seen}");
    assert_eq!(boss_b.get("/api/v1/timesheets").await.1["timesheets"], Value::Null);
    assert_eq!(boss_b.post(&format!("{path}/approve"), &json!({})).await.0, 400);
    assert_eq!(boss_b.post(&format!("{path}/reject"), &json!({"reason": "no"})).await.0, 400);
    let (_, still) = boss_a.get(&path).await;
    assert_eq!(status(&still), "TIMESHEET_STATUS_SUBMITTED", "{still}");

    // Portal users: refused by role, and by kind even with time permissions in the token.
    let company = uuid::Uuid::now_v7();
    let portal = stack.portal_api(a.tenant_id, company).await;
    assert_eq!(portal.get(&path).await.0, 403);
    assert_eq!(portal.get("/api/v1/timesheets").await.0, 403);
    let perms = ["time.read", "time.write", "time.approve"];
    let forged = Stack::claims(a.tenant_id, PrincipalKind::Portal, &perms, Some(company));
    let forged = Api::new(&stack.gateway_url(), Some(stack.mint_token(&forged).await));
    assert_eq!(forged.get(&path).await.0, 403);
    assert_eq!(forged.get("/api/v1/timesheets").await.0, 403);
    assert_eq!(forged.post(&format!("{path}/approve"), &json!({})).await.0, 403);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn time_reports_group_by_user_company_work_type_and_ticket() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("reports-a").await;
    let (boss, _) = stack.login(&admin).await;
    let (tech, tech_id) = staff(&stack, &admin, Role::Technician).await;
    let (_, company) = boss.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let ticket = ok(&boss, "/api/v1/tickets", json!({"title": "Printer", "companyId": company["id"]})).await;
    let remote = ok(&boss, "/api/v1/work-types", json!({"name": "Remote", "billable": true, "active": true})).await;
    let admin_wt = ok(&boss, "/api/v1/work-types", json!({"name": "Admin", "active": true})).await;
    let (remote, admin_wt) = (remote["id"].as_str().unwrap(), admin_wt["id"].as_str().unwrap());
    let on_ticket =
        json!({"date": "2026-11-16", "durationMinutes": 60, "workTypeId": remote, "ticketId": ticket["id"]});
    ok(&tech, "/api/v1/time-entries", on_ticket).await;
    entry(&tech, "2026-11-17", 30, admin_wt, false).await;
    entry(&boss, "2026-11-18", 45, remote, true).await;
    entry(&boss, "2026-12-01", 15, remote, true).await; // outside the range

    let range = "startDate=2026-11-01&endDate=2026-11-30";
    let (s, by_user) = boss.get(&format!("/api/v1/time-entries/reports/by-user?{range}")).await;
    assert_eq!(s, 200, "{by_user}");
    assert_eq!(by_user["rows"][0]["key"].as_str(), Some(tech_id.as_str()), "largest first: {by_user}");
    assert_eq!(
        (by_user["rows"][0]["totalMinutes"].as_i64(), by_user["rows"][0]["billableMinutes"].as_i64()),
        (Some(90), Some(60))
    );
    assert_eq!(by_user["rows"][0]["utilizationPercent"].as_f64(), Some(66.7));
    assert_eq!(by_user["total"]["totalMinutes"].as_i64(), Some(135), "{by_user}");
    assert_eq!(by_user["total"]["entryCount"].as_i64(), Some(3));

    let (_, by_company) = boss.get(&format!("/api/v1/time-entries/reports/by-company?{range}")).await;
    let rows = by_company["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "Hooli and no company: {by_company}");
    assert_eq!(
        (rows[0]["label"].as_str(), rows[0]["totalMinutes"].as_i64()),
        (None, Some(75)),
        "no company: {by_company}"
    );
    let hooli = rows.iter().find(|r| r["key"] == company["id"]).expect("Hooli row");
    assert_eq!(hooli["totalMinutes"].as_i64(), Some(60));

    let (_, by_type) = boss.get(&format!("/api/v1/time-entries/reports/by-work-type?{range}")).await;
    let labels: Vec<&str> = by_type["rows"].as_array().unwrap().iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Remote", "Admin"]);
    let (_, by_ticket) = boss.get(&format!("/api/v1/time-entries/reports/by-ticket?{range}")).await;
    let labels: Vec<&str> = by_ticket["rows"].as_array().unwrap().iter().filter_map(|r| r["label"].as_str()).collect();
    assert_eq!(labels, ["T-000001 Printer"], "{by_ticket}");

    // Bad requests name their fields.
    let (s, v) = boss.get("/api/v1/time-entries/reports/by-moon?startDate=2026-11-01").await;
    assert!(s == 400 && v.to_string().contains("dimension") && v.to_string().contains("end_date"), "{s} {v}");
    let (s, v) = boss.get("/api/v1/time-entries/reports/by-user?startDate=2024-01-01&endDate=2026-11-01").await;
    assert!(s == 400 && v.to_string().contains("366"), "{s} {v}");

    // Another tenant sees only its own time; portal users nothing.
    let (other, _) = stack.login(&stack.create_tenant("reports-b").await).await;
    let (s, theirs) = other.get(&format!("/api/v1/time-entries/reports/by-user?{range}")).await;
    assert_eq!((s, theirs["rows"].is_null(), theirs["total"]["totalMinutes"].is_null()), (200, true, true), "{theirs}");
    let portal = stack.portal_api(admin.tenant_id, uuid::Uuid::now_v7()).await;
    assert_eq!(portal.get(&format!("/api/v1/time-entries/reports/by-user?{range}")).await.0, 403);
    stack.stop().await;
}
