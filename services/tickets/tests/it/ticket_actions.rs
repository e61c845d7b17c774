//! Ticket actions over REST: assign, tags, parent/child (no cycles), merge (notes, time and
//! children move; the source closes and points at the target; no double merges), split, the
//! activity history of every change, and isolation (another tenant, portal users).

use psa_testkit::{Api, Stack};
use serde_json::{Value, json};

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

async fn notes(api: &Api, ticket: &str) -> Vec<String> {
    let (_, v) = api.get(&format!("/api/v1/tickets/{ticket}/notes")).await;
    v["notes"].as_array().cloned().unwrap_or_default().iter().map(|n| n["body"].as_str().unwrap().to_owned()).collect()
}

async fn activity(api: &Api, ticket: &str) -> Vec<Value> {
    let (s, v) = api.get(&format!("/api/v1/tickets/{ticket}/activity")).await;
    assert_eq!(s, 200, "{v}");
    v["activities"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn assign_tag_parent_merge_split_and_activity() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("actions-a").await;
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let new = |title: &str| json!({"title": title, "companyId": company["id"]});
    let a = id(&ok(&api, "/api/v1/tickets", new("Printer jam")).await);
    let b = id(&ok(&api, "/api/v1/tickets", new("Printer jammed again")).await);
    let c = id(&ok(&api, "/api/v1/tickets", new("Toner order")).await);

    // Field changes and assignment are in the activity with old and new values.
    let (s, _) = api.patch(&format!("/api/v1/tickets/{a}"), &json!({"status": "TICKET_STATUS_OPEN"})).await;
    assert_eq!(s, 200);
    let tech = uuid::Uuid::now_v7().to_string();
    let assigned = ok(&api, &format!("/api/v1/tickets/{a}/assign"), json!({"assigneeId": tech})).await;
    assert_eq!(assigned["assigneeId"].as_str(), Some(tech.as_str()));
    let log = activity(&api, &a).await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["field_changed", "field_changed", "created"], "{log:?}");
    assert_eq!(
        (log[1]["field"].as_str(), log[1]["oldValue"].as_str(), log[1]["newValue"].as_str()),
        (Some("status"), Some("TICKET_STATUS_NEW"), Some("TICKET_STATUS_OPEN"))
    );
    assert_eq!((log[0]["field"].as_str(), log[0]["newValue"].as_str()), (Some("assignee_id"), Some(tech.as_str())));
    assert!(log[0]["actorId"].is_string());
    let (s, v) = api.post(&format!("/api/v1/tickets/{a}/assign"), &json!({"assigneeId": "bob"})).await;
    assert!(s == 400 && v.to_string().contains("assignee_id"), "{v}");

    // Tags are normalised and bounded.
    let tagged =
        ok(&api, &format!("/api/v1/tickets/{a}/tags"), json!({"tags": [" Printer ", "printer", "Hardware"]})).await;
    assert_eq!(tagged["tags"], json!(["printer", "hardware"]));
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let (s, v) = api.post(&format!("/api/v1/tickets/{a}/tags"), &json!({"tags": many})).await;
    assert!(s == 400 && v.to_string().contains("tags"), "{v}");

    // Parent/child without cycles; children by filter.
    let child = ok(&api, &format!("/api/v1/tickets/{c}/parent"), json!({"parentTicketId": a})).await;
    assert_eq!(child["parentTicketId"].as_str(), Some(a.as_str()));
    let (_, kids) = api.get(&format!("/api/v1/tickets?filter=parent_id%20%3D%20%22{a}%22")).await;
    assert_eq!(kids["tickets"].as_array().map(|k| k.len()), Some(1), "{kids}");
    for (parent, why) in [(c.clone(), "cycle"), (a.clone(), "itself"), (uuid::Uuid::now_v7().to_string(), "unknown")] {
        let (s, v) = api.post(&format!("/api/v1/tickets/{a}/parent"), &json!({"parentTicketId": parent})).await;
        assert!(s == 400 && v.to_string().contains("parent_ticket_id"), "{why}: {s} {v}");
    }

    // Merge B into A: B's notes and time move, B closes and points at A.
    ok(
        &api,
        &format!("/api/v1/tickets/{b}/notes"),
        json!({"body": "Tray 2 again", "visibility": "NOTE_VISIBILITY_PUBLIC"}),
    )
    .await;
    let wt = ok(&api, "/api/v1/work-types", json!({"name": "Remote", "billable": true, "active": true})).await;
    let entry = ok(
        &api,
        "/api/v1/time-entries",
        json!({"date": "2026-11-20", "durationMinutes": 20, "workTypeId": id(&wt), "ticketId": b}),
    )
    .await;
    let target = ok(&api, &format!("/api/v1/tickets/{b}/merge"), json!({"targetTicketId": a})).await;
    assert_eq!(id(&target), a);
    let (_, merged) = api.get(&format!("/api/v1/tickets/{b}")).await;
    assert_eq!(
        (merged["status"].as_str(), merged["mergedIntoTicketId"].as_str()),
        (Some("TICKET_STATUS_CLOSED"), Some(a.as_str()))
    );
    let a_notes = notes(&api, &a).await;
    assert!(a_notes.iter().any(|n| n == "Tray 2 again"), "{a_notes:?}");
    assert!(a_notes.iter().any(|n| n.starts_with("Merged T-000002")), "{a_notes:?}");
    assert!(notes(&api, &b).await.is_empty());
    let (_, moved) = api.get(&format!("/api/v1/time-entries/{}", id(&entry))).await;
    assert_eq!(moved["ticketId"].as_str(), Some(a.as_str()));
    let (s, v) = api.post(&format!("/api/v1/tickets/{b}/merge"), &json!({"targetTicketId": c})).await;
    assert!(s == 400 && v.to_string().contains("merged into T-000001"), "{s} {v}");
    let (s, v) = api.post(&format!("/api/v1/tickets/{c}/merge"), &json!({"targetTicketId": b})).await;
    assert_eq!(s, 400, "into a merged ticket: {v}");
    assert_eq!(api.post(&format!("/api/v1/tickets/{a}/merge"), &json!({"targetTicketId": a})).await.0, 400);
    let b_log = activity(&api, &b).await;
    assert!(b_log.iter().any(|e| e["action"] == "merged_into" && e["newValue"] == "T-000001"), "{b_log:?}");
    assert!(activity(&api, &a).await.iter().any(|e| e["action"] == "merged_from" && e["newValue"] == "T-000002"));

    // Split a note of A into a new ticket.
    let (_, listed) = api.get(&format!("/api/v1/tickets/{a}/notes")).await;
    let tray = listed["notes"].as_array().unwrap().iter().find(|n| n["body"] == "Tray 2 again").unwrap().clone();
    let (s, v) = api.post(&format!("/api/v1/tickets/{a}/split"), &json!({"title": " ", "noteIds": []})).await;
    assert!(s == 400 && v.to_string().contains("title") && v.to_string().contains("note_ids"), "{s} {v}");
    let (_, c_note) = api
        .post(&format!("/api/v1/tickets/{c}/notes"), &json!({"body": "C's", "visibility": "NOTE_VISIBILITY_INTERNAL"}))
        .await;
    let (s, v) =
        api.post(&format!("/api/v1/tickets/{a}/split"), &json!({"title": "Tray 2", "noteIds": [id(&c_note)]})).await;
    assert!(s == 400 && v.to_string().contains("note_ids"), "another ticket's note: {s} {v}");
    let split =
        ok(&api, &format!("/api/v1/tickets/{a}/split"), json!({"title": "Tray 2 broken", "noteIds": [id(&tray)]}))
            .await;
    assert_eq!((split["title"].as_str(), split["companyId"].as_str()), (Some("Tray 2 broken"), company["id"].as_str()));
    assert_eq!(notes(&api, &id(&split)).await, ["Tray 2 again"]);
    assert!(!notes(&api, &a).await.iter().any(|n| n == "Tray 2 again"));
    assert!(
        activity(&api, &id(&split)).await.iter().any(|e| e["action"] == "split_from" && e["newValue"] == "T-000001")
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ticket_actions_are_isolated_and_closed_to_portal_users() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("actions-iso-a").await;
    let (api, _) = stack.login(&admin).await;
    let (other, _) = stack.login(&stack.create_tenant("actions-iso-b").await).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let a = id(&ok(&api, "/api/v1/tickets", json!({"title": "One", "companyId": company["id"]})).await);
    let b = id(&ok(&api, "/api/v1/tickets", json!({"title": "Two", "companyId": company["id"]})).await);
    let (_, theirs) = other.post("/api/v1/companies", &json!({"name": "Initech"})).await;
    let mine = id(&ok(&other, "/api/v1/tickets", json!({"title": "B's", "companyId": theirs["id"]})).await);

    // Another tenant: 404 everywhere, and it cannot pull A's tickets into its own.
    assert_eq!(other.get(&format!("/api/v1/tickets/{a}/activity")).await.0, 404);
    assert_eq!(other.post(&format!("/api/v1/tickets/{a}/merge"), &json!({"targetTicketId": b})).await.0, 404);
    assert_eq!(other.post(&format!("/api/v1/tickets/{mine}/merge"), &json!({"targetTicketId": a})).await.0, 404);
    assert_eq!(other.post(&format!("/api/v1/tickets/{a}/tags"), &json!({"tags": ["x"]})).await.0, 404);
    assert_eq!(other.post(&format!("/api/v1/tickets/{a}/assign"), &json!({})).await.0, 404);
    assert_eq!(other.post(&format!("/api/v1/tickets/{a}/split"), &json!({"title": "x", "noteIds": []})).await.0, 404);
    let (s, _) = other.post(&format!("/api/v1/tickets/{mine}/parent"), &json!({"parentTicketId": a})).await;
    assert_eq!(s, 400, "A's ticket is unknown to B");
    let (_, still) = api.get(&format!("/api/v1/tickets/{a}")).await;
    assert!(still["mergedIntoTicketId"].is_null() && still["tags"].is_null(), "{still}");

    // Portal users of the same company: no actions, no activity.
    let portal = stack.portal_api(admin.tenant_id, company["id"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(portal.get(&format!("/api/v1/tickets/{a}/activity")).await.0, 403);
    assert_eq!(portal.post(&format!("/api/v1/tickets/{a}/merge"), &json!({"targetTicketId": b})).await.0, 403);
    assert_eq!(portal.post(&format!("/api/v1/tickets/{a}/tags"), &json!({"tags": ["x"]})).await.0, 403);
    assert_eq!(portal.post(&format!("/api/v1/tickets/{a}/parent"), &json!({"parentTicketId": b})).await.0, 403);
    stack.stop().await;
}
