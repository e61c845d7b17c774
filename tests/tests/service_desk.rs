//! Service-desk configuration end to end over REST (issue 4): an admin sets up a queue with a
//! default team and a pausing status; a technician (read-only on the configuration) works a
//! ticket through them; the routes are in the OpenAPI document.

use psa_testkit::{Stack, TenantAdmin};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_configures_the_desk_and_a_technician_works_a_ticket() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("desk-e2e").await;
    let (api, _) = stack.login(&admin).await;
    let (s, tech) = api
        .post(
            "/api/v1/users",
            &json!({"email": "tech@desk-e2e.example", "password": "violet-otter-93", "roleIds": ["technician"]}),
        )
        .await;
    assert_eq!(s, 200, "{tech}");
    let tech_id = tech["id"].as_str().unwrap().to_owned();
    let (s, team) = api.post("/api/v1/teams", &json!({"name": "Service desk", "memberIds": [tech_id]})).await;
    assert_eq!(s, 200, "{team}");
    let (s, queue) = api.post("/api/v1/ticket-queues", &json!({"name": "Support", "defaultTeamId": team["id"]})).await;
    assert_eq!(s, 200, "{queue}");
    let (s, waiting) = api
        .post(
            "/api/v1/ticket-statuses",
            &json!({"name": "Waiting on parts", "kind": "TICKET_STATUS_IN_PROGRESS", "pausesSla": true}),
        )
        .await;
    assert_eq!(s, 200, "{waiting}");
    let (s, _) = api
        .post(
            "/api/v1/sla-policies",
            &json!({"name": "Std", "isDefault": true, "targets": [
                {"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": 60, "resolutionMinutes": 600}]}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;

    let tech_login = TenantAdmin {
        tenant_id: admin.tenant_id,
        slug: admin.slug.clone(),
        email: "tech@desk-e2e.example".into(),
        password: "violet-otter-93".into(),
    };
    let (tech, _) = stack.login(&tech_login).await;
    // Technicians read the configuration but cannot change it.
    let (s, list) = tech.get("/api/v1/ticket-statuses").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["ticketStatuses"].as_array().map(Vec::len), Some(7));
    assert_eq!(tech.post("/api/v1/ticket-queues", &json!({"name": "Mine"})).await.0, 403);

    let (s, t) = tech
        .post("/api/v1/tickets", &json!({"title": "Laptop broken", "companyId": company["id"], "queueId": queue["id"]}))
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["teamId"], team["id"], "the queue's default team: {t}");
    let (s, w) = tech
        .patch(&format!("/api/v1/tickets/{}", t["id"].as_str().unwrap()), &json!({"statusId": waiting["id"]}))
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(
        (w["status"].as_str(), w["sla"]["paused"].as_bool()),
        (Some("TICKET_STATUS_IN_PROGRESS"), Some(true)),
        "{w}"
    );
    let (s, l) =
        tech.get(&format!("/api/v1/tickets?filter=status_id%20%3D%20%22{}%22", waiting["id"].as_str().unwrap())).await;
    assert_eq!((s, l["tickets"].as_array().map(Vec::len)), (200, Some(1)), "{l}");

    let (_, doc) = api.get("/api/v1/openapi.json").await;
    for path in ["/api/v1/ticket-statuses", "/api/v1/ticket-queues", "/api/v1/teams", "/api/v1/canned-responses"] {
        assert!(doc["paths"].get(path).is_some(), "{path} not in the OpenAPI document");
    }
    stack.stop().await;
}
