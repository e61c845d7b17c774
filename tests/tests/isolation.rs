//! Tenant isolation: another tenant's admin gets 404 for every resource of the first by id and
//! sees empty lists; a portal user sees only their company and public notes; and row-level
//! security alone blocks cross-tenant reads and writes when the code's own tenant filter is
//! bypassed (raw SQL as each service's role).

use psa_testkit::{Api, Stack};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, Row};
use uuid::Uuid;

struct Seeded {
    company: String,
    other_company: String,
    contact: String,
    ticket: String,
    other_ticket: String,
}

async fn seed(api: &Api) -> Seeded {
    let mut ids = Vec::new();
    for name in ["Alpha Co", "Beta Co"] {
        let (s, c) = api.post("/api/v1/companies", &json!({"name": name})).await;
        assert_eq!(s, 200, "{c}");
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let (s, contact) = api
        .post(
            "/api/v1/contacts",
            &json!({"companyId": ids[0], "firstName": "Ann", "lastName": "Lee", "email": "ann@alpha.example"}),
        )
        .await;
    assert_eq!(s, 200, "{contact}");
    let mut tickets = Vec::new();
    for company in &ids {
        let (s, t) = api.post("/api/v1/tickets", &json!({"title": "VPN broken", "companyId": company})).await;
        assert_eq!(s, 200, "{t}");
        tickets.push(t["id"].as_str().unwrap().to_owned());
    }
    for (body, vis) in [("internal only", "NOTE_VISIBILITY_INTERNAL"), ("hello client", "NOTE_VISIBILITY_PUBLIC")] {
        let (s, _) =
            api.post(&format!("/api/v1/tickets/{}/notes", tickets[0]), &json!({"body": body, "visibility": vis})).await;
        assert_eq!(s, 200);
    }
    Seeded {
        company: ids[0].clone(),
        other_company: ids[1].clone(),
        contact: contact["id"].as_str().unwrap().to_owned(),
        ticket: tickets[0].clone(),
        other_ticket: tickets[1].clone(),
    }
}

fn len(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn other_tenant_sees_nothing_and_changes_nothing() {
    let stack = Stack::start().await;
    let (a, _) = stack.login(&stack.create_tenant("tenant-a").await).await;
    let (b, _) = stack.login(&stack.create_tenant("tenant-b").await).await;
    let s = seed(&a).await;

    let company = format!("/api/v1/companies/{}", s.company);
    let ticket = format!("/api/v1/tickets/{}", s.ticket);
    for path in [company.clone(), format!("/api/v1/contacts/{}", s.contact), ticket.clone(), format!("{ticket}/notes")]
    {
        let (status, body) = b.get(&path).await;
        assert_eq!(status, 404, "GET {path}: {body}");
        assert_eq!(body["status"], 404);
    }
    assert_eq!(b.patch(&company, &json!({"name": "Hijacked"})).await.0, 404);
    assert_eq!(b.delete(&company).await.0, 404);
    assert_eq!(b.patch(&ticket, &json!({"title": "Hijacked"})).await.0, 404);
    assert_eq!(b.post(&format!("{ticket}/notes"), &json!({"body": "x"})).await.0, 404);
    let (_, contact_for_a) = b.post("/api/v1/contacts", &json!({"companyId": s.company, "firstName": "Eve"})).await;
    assert_eq!(contact_for_a["errors"][0]["field"], "contact.companyId", "{contact_for_a}");
    for path in ["/api/v1/companies", "/api/v1/contacts", "/api/v1/tickets"] {
        let (status, body) = b.get(path).await;
        assert_eq!(status, 200);
        assert_eq!(
            body.as_object().map(|o| o
                .values()
                .filter(|v| v.is_array())
                .map(|v| v.as_array().unwrap().len())
                .sum::<usize>()),
            Some(0),
            "{path}: {body}"
        );
    }
    // A's data is unchanged.
    let (_, c) = a.get(&company).await;
    assert_eq!(c["name"], "Alpha Co");
    let (_, t) = a.get(&ticket).await;
    assert_eq!(t["title"], "VPN broken");
    let (_, notes) = a.get(&format!("{ticket}/notes")).await;
    assert_eq!(len(&notes, "notes"), 2);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn portal_user_sees_only_their_company_and_public_notes() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("tenant-a").await;
    let (a, _) = stack.login(&admin).await;
    let s = seed(&a).await;
    let portal = stack.portal_api(admin.tenant_id, s.company.parse().unwrap()).await;

    let (_, tickets) = portal.get("/api/v1/tickets").await;
    let ids: Vec<&str> = tickets["tickets"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [s.ticket.as_str()]);
    let (_, notes) = portal.get(&format!("/api/v1/tickets/{}/notes", s.ticket)).await;
    let bodies: Vec<&str> = notes["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["hello client"], "never an internal note");
    // Another company of the same tenant: 404 everywhere.
    for path in [
        format!("/api/v1/tickets/{}", s.other_ticket),
        format!("/api/v1/tickets/{}/notes", s.other_ticket),
        format!("/api/v1/companies/{}", s.other_company),
    ] {
        assert_eq!(portal.get(&path).await.0, 404, "{path}");
    }
    assert_eq!(portal.post(&format!("/api/v1/tickets/{}/notes", s.other_ticket), &json!({"body": "x"})).await.0, 404);
    let (_, companies) = portal.get("/api/v1/companies").await;
    assert_eq!(len(&companies, "companies"), 1);
    // A portal user's note is public; a ticket they raise lands on their company.
    let (_, n) = portal
        .post(
            &format!("/api/v1/tickets/{}/notes", s.ticket),
            &json!({"body": "thanks", "visibility": "NOTE_VISIBILITY_INTERNAL"}),
        )
        .await;
    assert_eq!(n["visibility"], "NOTE_VISIBILITY_PUBLIC");
    let (_, t) = portal.post("/api/v1/tickets", &json!({"title": "Printer", "companyId": s.other_company})).await;
    assert_eq!(
        (t["companyId"].as_str(), t["source"].as_str()),
        (Some(s.company.as_str()), Some("TICKET_SOURCE_PORTAL"))
    );
    // Portal users cannot write companies (no permission) nor edit tickets.
    assert_eq!(portal.post("/api/v1/companies", &json!({"name": "Mine"})).await.0, 403);
    assert_eq!(
        portal.patch(&format!("/api/v1/tickets/{}", s.ticket), &json!({"status": "TICKET_STATUS_CLOSED"})).await.0,
        403
    );
    // A portal token of another tenant sees nothing of this one.
    let stranger = stack.portal_api(Uuid::now_v7(), s.company.parse().unwrap()).await;
    assert_eq!(stranger.get(&format!("/api/v1/tickets/{}", s.ticket)).await.0, 404);
    assert_eq!(len(&stranger.get("/api/v1/tickets").await.1, "tickets"), 0);
    stack.stop().await;
}

/// Counts tenant `owner`'s rows of `table` as `role`, with `app.tenant_id` = `tenant` (or
/// unset): the SQL asks for the owner's rows outright, so only RLS stands in the way.
async fn count_as(url: &str, role: &str, table: &str, owner: Uuid, tenant: Option<Uuid>) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute(format!("set role {role}").as_str()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    if let Some(t) = tenant {
        sqlx::query("select set_config('app.tenant_id', $1, true)")
            .bind(t.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query(&format!("select count(*) from {table} where tenant_id = $1"))
        .bind(owner)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn row_level_security_alone_blocks_other_tenants() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let tenant_b = stack.create_tenant("tenant-b").await;
    let (a, _) = stack.login(&tenant_a).await;
    seed(&a).await;
    let url = &stack.database_url;
    let tables = [
        ("psa_contracts", "contracts.companies"),
        ("psa_contracts", "contracts.contacts"),
        ("psa_tickets", "tickets.tickets"),
        ("psa_tickets", "tickets.ticket_notes"),
        ("psa_identity", "identity.users"),
        ("psa_identity", "identity.sessions"),
    ];
    for (role, table) in tables {
        let a_id = tenant_a.tenant_id;
        assert!(count_as(url, role, table, a_id, Some(a_id)).await > 0, "{table} has tenant A's rows");
        assert_eq!(count_as(url, role, table, a_id, Some(tenant_b.tenant_id)).await, 0, "{table} as tenant B");
        assert_eq!(count_as(url, role, table, a_id, None).await, 0, "{table} with no tenant set");
    }
    // Writing a row for tenant A while scoped to tenant B is refused by the policy.
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute("set role psa_contracts").await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(tenant_b.tenant_id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("insert into contracts.companies (id, tenant_id, name) values ($1, $2, 'Sneaky')")
        .bind(Uuid::now_v7())
        .bind(tenant_a.tenant_id)
        .execute(&mut *tx)
        .await
        .expect_err("RLS WITH CHECK refuses another tenant's row");
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);
    // The service roles cannot touch other services' schemas at all.
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute("set role psa_tickets").await.unwrap();
    let err = sqlx::query("select count(*) from contracts.companies")
        .fetch_one(&mut conn)
        .await
        .expect_err("no access to contracts' schema");
    assert!(err.to_string().contains("permission denied"), "{err}");
    stack.stop().await;
}

/// Time tracking (PRD §3.5): another tenant gets 404 / empty lists and cannot change or use
/// tenant A's work types, entries and tickets; portal users (no `time.*` permission) get 403;
/// row-level security alone hides the time tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn time_tracking_is_isolated() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let tenant_b = stack.create_tenant("tenant-b").await;
    let (a, _) = stack.login(&tenant_a).await;
    let (b, _) = stack.login(&tenant_b).await;
    let s = seed(&a).await;
    let (st, wt) = a.post("/api/v1/work-types", &json!({"name": "Remote", "billable": true, "active": true})).await;
    assert_eq!(st, 200, "{wt}");
    let wt = wt["id"].as_str().unwrap().to_owned();
    let body = json!({"date": "2026-11-20", "durationMinutes": 30, "workTypeId": wt, "ticketId": s.ticket});
    let (st, entry) = a.post("/api/v1/time-entries", &body).await;
    assert_eq!(st, 200, "{entry}");
    let entry = format!("/api/v1/time-entries/{}", entry["id"].as_str().unwrap());
    let (st, _) = a.post("/api/v1/time-entries/timer/start", &json!({"workTypeId": wt})).await;
    assert_eq!(st, 200);

    for path in
        [entry.clone(), format!("/api/v1/work-types/{wt}"), format!("/api/v1/tickets/{}/time-entries", s.ticket)]
    {
        assert_eq!(b.get(&path).await.0, 404, "GET {path}");
    }
    assert_eq!(len(&b.get("/api/v1/time-entries").await.1, "entries"), 0);
    assert_eq!(len(&b.get("/api/v1/work-types").await.1, "workTypes"), 0);
    assert_eq!(b.get("/api/v1/time-entries/timer").await.0, 404, "A's timer is not B's");
    assert_eq!(b.patch(&entry, &json!({"notes": "Hijacked"})).await.0, 404);
    assert_eq!(b.delete(&entry).await.0, 404);
    assert_eq!(b.put(&format!("/api/v1/work-types/{wt}"), &json!({"name": "Hijacked"})).await.0, 404);
    assert_eq!(b.post("/api/v1/time-entries", &body).await.0, 400, "A's work type and ticket are unknown to B");
    let (_, e) = a.get(&entry).await;
    assert_eq!((e["durationMinutes"].as_i64(), &e["notes"]), (Some(30), &Value::Null), "unchanged: {e}");

    let portal = stack.portal_api(tenant_a.tenant_id, s.company.parse().unwrap()).await;
    for path in
        [entry.clone(), "/api/v1/time-entries".into(), "/api/v1/work-types".into(), "/api/v1/time-settings".into()]
    {
        assert_eq!(portal.get(&path).await.0, 403, "portal GET {path}");
    }
    assert_eq!(portal.post("/api/v1/time-entries", &body).await.0, 403);
    assert_eq!(portal.post("/api/v1/time-entries/timer/start", &json!({"workTypeId": wt})).await.0, 403);

    let url = &stack.database_url;
    for table in ["tickets.work_types", "tickets.time_entries", "tickets.running_timers"] {
        let a_id = tenant_a.tenant_id;
        assert!(count_as(url, "psa_tickets", table, a_id, Some(a_id)).await > 0, "{table} has tenant A's rows");
        assert_eq!(count_as(url, "psa_tickets", table, a_id, Some(tenant_b.tenant_id)).await, 0, "{table} as B");
        assert_eq!(count_as(url, "psa_tickets", table, a_id, None).await, 0, "{table} with no tenant set");
    }
    stack.stop().await;
}
