//! The client side of companies over REST (PRD §3.3, seeds 001–002): hierarchy without cycles,
//! the lifecycle (illegal moves rejected) with its history, business fields, sites with exactly
//! one primary and IANA time zones, notes, team assignments (409 on duplicates), the activity
//! timeline, Client 360, contact merge (tickets follow), bad input → 400 with field detail, and
//! isolation: another tenant and a portal user of another company get 404; a portal user reads
//! their own company's sites, contacts and team but not staff notes, history or activity.

use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, Row};
use uuid::Uuid;

fn fields(problem: &Value) -> Vec<String> {
    let mut f: Vec<String> = problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    f.sort();
    f
}

fn len(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn post_ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

async fn company(api: &Api, body: Value) -> String {
    id(&post_ok(api, "/api/v1/companies", body).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hierarchy_lifecycle_and_business_fields() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("acme-msp").await).await;

    // Business fields of seed 001 round-trip; bad ones are 400 with every field named.
    let holding = post_ok(
        &api,
        "/api/v1/companies",
        json!({"name": "Globex Holding", "companyType": "COMPANY_TYPE_PROSPECT", "status": "COMPANY_STATUS_PROSPECT",
               "leadScore": 80, "estimatedDealValue": "25000.5", "dealCurrency": "eur", "companySize": "COMPANY_SIZE_LARGE",
               "source": "referral", "firstInteractionDate": "2026-03-01", "tags": ["gold", "soc"]}),
    )
    .await;
    assert_eq!(
        (holding["leadScore"].as_i64(), holding["estimatedDealValue"].as_str(), holding["dealCurrency"].as_str()),
        (Some(80), Some("25000.50"), Some("EUR"))
    );
    assert_eq!(holding["firstInteractionDate"], "2026-03-01");
    let (st, p) = api
        .post(
            "/api/v1/companies",
            &json!({"name": "Bad", "leadScore": 120, "estimatedDealValue": "-5", "firstInteractionDate": "2026-02-30",
                    "parentId": "nope"}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(
        fields(&p),
        ["company.estimatedDealValue", "company.firstInteractionDate", "company.leadScore", "company.parentId"]
    );
    let (st, p) = api.post("/api/v1/companies", &json!({"name": "Bad", "estimatedDealValue": "10"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["company.dealCurrency".to_owned()]), "{p}");
    let (st, p) =
        api.post("/api/v1/companies", &json!({"name": "Orphan", "parentId": uuid::Uuid::now_v7().to_string()})).await;
    assert_eq!((st, fields(&p)), (400, vec!["company.parentId".to_owned()]), "{p}");

    // Hierarchy: holding → subsidiary → branch; loops are rejected.
    let holding = id(&holding);
    let sub = company(&api, json!({"name": "Globex Europe", "parentId": holding})).await;
    let branch = company(&api, json!({"name": "Globex Berlin", "parentId": sub})).await;
    company(&api, json!({"name": "Initech"})).await;
    let (st, kids) = api.get(&format!("/api/v1/companies/{holding}/children")).await;
    assert_eq!(st, 200, "{kids}");
    assert_eq!(kids["companies"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [sub.as_str()]);
    let (_, found) = api.get(&format!("/api/v1/companies?filter=parent_id=\"{sub}\"")).await;
    assert_eq!(found["companies"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [branch.as_str()]);
    let (_, tagged) = api.get("/api/v1/companies?filter=tags:\"gold\"").await;
    assert_eq!(len(&tagged, "companies"), 1, "{tagged}");
    for (company, parent) in [(&holding, &branch), (&holding, &holding), (&sub, &branch)] {
        let (st, p) = api.patch(&format!("/api/v1/companies/{company}"), &json!({"parentId": parent})).await;
        assert_eq!((st, fields(&p)), (400, vec!["company.parentId".to_owned()]), "{company} under {parent}: {p}");
    }
    let (_, still) = api.get(&format!("/api/v1/companies/{holding}")).await;
    assert!(still.get("parentId").is_none_or(|p| p == ""), "nothing changed: {still}");
    assert_eq!(api.get(&format!("/api/v1/companies/{}/children", uuid::Uuid::now_v7())).await.0, 404);

    // Lifecycle: prospect → active → renewal → active → inactive → archived → inactive; the
    // illegal moves are 400 on `status` naming what is allowed, and change nothing.
    let change = |to: &str, reason: &str| json!({"status": to, "reason": reason});
    let path = format!("/api/v1/companies/{holding}:changeStatus");
    let (st, p) = api.post(&path, &change("COMPANY_STATUS_RENEWAL", "")).await;
    assert_eq!((st, fields(&p)), (400, vec!["status".to_owned()]), "prospect cannot enter renewal: {p}");
    assert!(p["errors"][0]["detail"].as_str().unwrap().contains("allowed: active, inactive, archived"), "{p}");
    for (to, reason) in [
        ("COMPANY_STATUS_ACTIVE", "MSA signed"),
        ("COMPANY_STATUS_RENEWAL", "contract ends in 90 days"),
        ("COMPANY_STATUS_ACTIVE", "renewed for 2 years"),
        ("COMPANY_STATUS_INACTIVE", "paused"),
        ("COMPANY_STATUS_ARCHIVED", ""),
        ("COMPANY_STATUS_INACTIVE", "restored"),
    ] {
        let (st, v) = api.post(&path, &change(to, reason)).await;
        assert_eq!((st, v["status"].as_str()), (200, Some(to)), "{v}");
    }
    for bad in ["COMPANY_STATUS_PROSPECT", "COMPANY_STATUS_RENEWAL"] {
        let (st, p) = api.post(&path, &change(bad, "")).await;
        assert_eq!((st, fields(&p)), (400, vec!["status".to_owned()]), "inactive → {bad}: {p}");
    }
    // The same rule holds for PATCH.
    let (st, p) =
        api.patch(&format!("/api/v1/companies/{holding}"), &json!({"status": "COMPANY_STATUS_PROSPECT"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["company.status".to_owned()]), "{p}");
    let (st, p) = api.post(&path, &json!({"status": "COMPANY_STATUS_ACTIVE", "reason": "x".repeat(1001)})).await;
    assert_eq!((st, fields(&p)), (400, vec!["reason".to_owned()]), "{p}");

    let (st, history) = api.get(&format!("/api/v1/companies/{holding}/status-history")).await;
    assert_eq!(st, 200, "{history}");
    let moves: Vec<(String, String, String)> = history["statusChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().trim_start_matches("COMPANY_STATUS_").to_owned();
            (s("fromStatus"), s("toStatus"), s("reason"))
        })
        .collect();
    let expected = [
        ("", "PROSPECT", ""),
        ("PROSPECT", "ACTIVE", "MSA signed"),
        ("ACTIVE", "RENEWAL", "contract ends in 90 days"),
        ("RENEWAL", "ACTIVE", "renewed for 2 years"),
        ("ACTIVE", "INACTIVE", "paused"),
        ("INACTIVE", "ARCHIVED", ""),
        ("ARCHIVED", "INACTIVE", "restored"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned())).collect();
    assert_eq!(moves, expected);
    assert!(history["statusChanges"][1]["actorId"].as_str().is_some_and(|a| !a.is_empty()));
    assert!(history["statusChanges"][1]["changeTime"].is_string());
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sites_notes_team_activity_and_overview() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("acme-msp").await).await;
    let acme = company(&api, json!({"name": "Acme"})).await;
    let sites = format!("/api/v1/companies/{acme}/sites");

    // Sites: IANA time zones only; the first is primary; a new primary demotes the old one;
    // the primary cannot be un-marked or deleted while other sites exist.
    let (st, p) = api.post(&sites, &json!({"name": "", "timeZone": "Mars/Olympus"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["site.name".to_owned(), "site.timeZone".to_owned()]), "{p}");
    let hq =
        post_ok(&api, &sites, json!({"name": "HQ", "timeZone": "Europe/Berlin", "address": {"city": "Berlin"}})).await;
    assert_eq!((hq["isPrimary"].as_bool(), hq["timeZone"].as_str()), (Some(true), Some("Europe/Berlin")));
    let (st, _) = api.post(&sites, &json!({"name": "hq"})).await;
    assert_eq!(st, 409, "site names are unique per company");
    let dc = post_ok(&api, &sites, json!({"name": "Data centre", "isPrimary": true})).await;
    assert_eq!((dc["isPrimary"].as_bool(), dc["timeZone"].as_str()), (Some(true), Some("UTC")));
    let (_, hq) = api.get(&format!("/api/v1/sites/{}", id(&hq))).await;
    assert_ne!(hq["isPrimary"], true, "demoted: {hq}");
    let (st, p) = api.patch(&format!("/api/v1/sites/{}", id(&dc)), &json!({"isPrimary": false})).await;
    assert_eq!((st, fields(&p)), (400, vec!["site.isPrimary".to_owned()]), "{p}");
    let (st, p) = api.delete(&format!("/api/v1/sites/{}", id(&dc))).await;
    assert_eq!((st, p["code"].as_str()), (400, Some("FAILED_PRECONDITION")), "{p}");
    let (st, v) = api
        .patch(&format!("/api/v1/sites/{}", id(&hq)), &json!({"isPrimary": true, "timeZone": "America/New_York"}))
        .await;
    assert_eq!(
        (st, v["isPrimary"].as_bool(), v["timeZone"].as_str()),
        (200, Some(true), Some("America/New_York")),
        "{v}"
    );
    let (st, p) = api.patch(&format!("/api/v1/sites/{}", id(&hq)), &json!({"timeZone": "EST5EDT+1"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["site.timeZone".to_owned()]), "{p}");
    let (_, list) = api.get(&sites).await;
    let primaries = list["sites"].as_array().unwrap().iter().filter(|s| s["isPrimary"] == true).count();
    assert_eq!((len(&list, "sites"), primaries), (2, 1), "{list}");
    assert_eq!(api.delete(&format!("/api/v1/sites/{}", id(&dc))).await.0, 200);
    let (_, all) = api.get("/api/v1/sites?filter=city=\"Berlin\" AND is_primary=true").await;
    assert_eq!(len(&all, "sites"), 1, "{all}");
    assert_eq!(
        api.post(&format!("/api/v1/companies/{}/sites", uuid::Uuid::now_v7()), &json!({"name": "X"})).await.0,
        404
    );

    // Notes with author and time, newest first.
    let notes = format!("/api/v1/companies/{acme}/notes");
    let (st, p) = api.post(&notes, &json!({"body": "  "})).await;
    assert_eq!((st, fields(&p)), (400, vec!["body".to_owned()]), "{p}");
    post_ok(&api, &notes, json!({"body": "Prefers calls before 10:00"})).await;
    post_ok(&api, &notes, json!({"body": "Renewal meeting booked"})).await;
    let (_, list) = api.get(&notes).await;
    assert_eq!(list["notes"][0]["body"], "Renewal meeting booked");
    assert!(list["notes"][0]["authorId"].as_str().is_some_and(|a| !a.is_empty()));

    // Team: unique per user + client + role.
    let (_, users) = api.get("/api/v1/users").await;
    let me = users["users"][0]["id"].as_str().unwrap().to_owned();
    let team = format!("/api/v1/companies/{acme}/team");
    let am = post_ok(&api, &team, json!({"userId": me, "role": "TEAM_ROLE_ACCOUNT_MANAGER"})).await;
    post_ok(&api, &team, json!({"userId": me, "role": "TEAM_ROLE_LEAD_ENGINEER"})).await;
    let (st, p) = api.post(&team, &json!({"userId": me, "role": "TEAM_ROLE_ACCOUNT_MANAGER"})).await;
    assert_eq!(st, 409, "{p}");
    let (st, p) = api.post(&team, &json!({"userId": "x"})).await;
    assert_eq!(
        (st, fields(&p)),
        (400, vec!["teamAssignment.role".to_owned(), "teamAssignment.userId".to_owned()]),
        "{p}"
    );
    let other = company(&api, json!({"name": "Other"})).await;
    post_ok(
        &api,
        &format!("/api/v1/companies/{other}/team"),
        json!({"userId": me, "role": "TEAM_ROLE_ACCOUNT_MANAGER"}),
    )
    .await;
    assert_eq!(len(&api.get(&team).await.1, "teamAssignments"), 2);
    assert_eq!(api.delete(&format!("/api/v1/companies/{other}/team/{}", id(&am))).await.0, 404, "wrong company");
    assert_eq!(api.delete(&format!("{team}/{}", id(&am))).await.0, 200);
    post_ok(&api, &team, json!({"userId": me, "role": "TEAM_ROLE_ACCOUNT_MANAGER"})).await;

    // Contracts and contacts for the overview.
    post_ok(
        &api,
        "/api/v1/contacts",
        json!({"companyId": acme, "firstName": "Ann", "contactType": "CONTACT_TYPE_PRIMARY"}),
    )
    .await;
    post_ok(
        &api,
        "/api/v1/contracts",
        json!({"name": "Managed SOC", "companyId": acme, "startDate": "2026-01-01", "endDate": "2026-12-31", "currency": "USD"}),
    )
    .await;
    let (_, contacts) = api.get(&format!("/api/v1/companies/{acme}/contacts")).await;
    assert_eq!(len(&contacts, "contacts"), 1, "{contacts}");

    // Activity: newest first, filterable by kind.
    let (st, act) = api.get(&format!("/api/v1/companies/{acme}/activity")).await;
    assert_eq!(st, 200, "{act}");
    let kinds: Vec<&str> = act["activities"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"contract_created"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"company_created"), "{kinds:?}");
    for k in [
        "site_created",
        "site_updated",
        "site_deleted",
        "note_added",
        "team_member_assigned",
        "team_member_removed",
        "contact_created",
        "status_changed",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let (_, notes_only) = api.get(&format!("/api/v1/companies/{acme}/activity?filter=kind=\"note_added\"")).await;
    assert_eq!(len(&notes_only, "activities"), 2);
    let (st, p) = api.get(&format!("/api/v1/companies/{acme}/activity?filter=kind=\"nope\"")).await;
    assert_eq!((st, fields(&p)), (400, vec!["filter".to_owned()]), "{p}");

    // Client 360 in one call.
    let (st, o) = api.get(&format!("/api/v1/companies/{acme}/overview")).await;
    assert_eq!(st, 200, "{o}");
    assert_eq!(o["company"]["name"], "Acme");
    assert_eq!((len(&o, "contacts"), len(&o, "sites"), len(&o, "contracts"), len(&o, "team")), (1, 1, 1, 2), "{o}");
    assert!(len(&o, "recentActivity") >= 8, "{o}");
    assert!(o.get("parent").is_none_or(Value::is_null), "{o}");
    assert_eq!(api.get(&format!("/api/v1/companies/{}/overview", uuid::Uuid::now_v7())).await.0, 404);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merging_duplicate_contacts_moves_references() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("acme-msp").await).await;
    let acme = company(&api, json!({"name": "Acme"})).await;
    let other = company(&api, json!({"name": "Other"})).await;
    let contact = |first: &str, extra: Value| {
        let mut body = json!({"companyId": acme, "firstName": first, "lastName": "Smith"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let keep = id(&post_ok(&api, "/api/v1/contacts", contact("John", json!({"email": "john@acme.example"}))).await);
    let dup =
        id(&post_ok(&api, "/api/v1/contacts", contact("Jon", json!({"phone": "+1 555 0100", "title": "CISO"}))).await);
    let elsewhere = id(&post_ok(&api, "/api/v1/contacts", json!({"companyId": other, "firstName": "Zed"})).await);
    let (st, ticket) =
        api.post("/api/v1/tickets", &json!({"title": "VPN down", "companyId": acme, "contactId": dup})).await;
    assert_eq!(st, 200, "{ticket}");
    let contract = post_ok(
        &api,
        "/api/v1/contracts",
        json!({"name": "SOC", "companyId": acme, "startDate": "2026-01-01", "endDate": "2026-12-31", "currency": "USD",
               "signerContactId": dup}),
    )
    .await;

    for (source, target, why) in [(&dup, &dup, "itself"), (&dup, &elsewhere, "another company")] {
        let (st, p) = api.post(&format!("/api/v1/contacts/{source}:merge"), &json!({"targetId": target})).await;
        assert_eq!((st, fields(&p)), (400, vec!["targetId".to_owned()]), "{why}: {p}");
    }
    let (st, merged) = api.post(&format!("/api/v1/contacts/{dup}:merge"), &json!({"targetId": keep})).await;
    assert_eq!(st, 200, "{merged}");
    assert_eq!(merged["id"].as_str(), Some(keep.as_str()));
    assert_eq!(
        (merged["firstName"].as_str(), merged["email"].as_str(), merged["phone"].as_str(), merged["title"].as_str()),
        (Some("John"), Some("john@acme.example"), Some("+1 555 0100"), Some("CISO")),
        "blanks filled from the duplicate"
    );
    // The duplicate is a redirect: GET answers the target; lists leave it out.
    let (st, redirect) = api.get(&format!("/api/v1/contacts/{dup}")).await;
    assert_eq!((st, redirect["id"].as_str()), (200, Some(keep.as_str())));
    let (_, list) = api.get(&format!("/api/v1/companies/{acme}/contacts")).await;
    assert_eq!(list["contacts"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [keep.as_str()]);
    let (st, p) = api.post(&format!("/api/v1/contacts/{dup}:merge"), &json!({"targetId": keep})).await;
    assert_eq!((st, fields(&p)), (400, vec!["targetId".to_owned()]), "already merged: {p}");
    // References move: the contract here, the ticket in the tickets service (by event).
    let (_, c) = api.get(&format!("/api/v1/contracts/{}", id(&contract))).await;
    assert_eq!(c["signerContactId"].as_str(), Some(keep.as_str()));
    let ticket_path = format!("/api/v1/tickets/{}", id(&ticket));
    eventually(20, "the ticket to follow the merge", || async {
        let (_, t) = api.get(&ticket_path).await;
        (t["contactId"].as_str() == Some(keep.as_str())).then_some(())
    })
    .await;
    let (_, act) = api.get(&format!("/api/v1/companies/{acme}/activity?filter=kind=\"contact_merged\"")).await;
    assert_eq!(act["activities"][0]["summary"], "Contact Jon Smith merged into John Smith");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn other_tenants_and_other_companies_see_nothing() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let (a, _) = stack.login(&tenant_a).await;
    let (b, _) = stack.login(&stack.create_tenant("tenant-b").await).await;
    let alpha = company(&a, json!({"name": "Alpha"})).await;
    let beta = company(&a, json!({"name": "Beta", "parentId": alpha})).await;
    let (_, users) = a.get("/api/v1/users").await;
    let me = users["users"][0]["id"].as_str().unwrap().to_owned();
    let mut site = std::collections::HashMap::new();
    let mut contact = std::collections::HashMap::new();
    let mut assignment = std::collections::HashMap::new();
    for c in [&alpha, &beta] {
        site.insert(c.clone(), id(&post_ok(&a, &format!("/api/v1/companies/{c}/sites"), json!({"name": "HQ"})).await));
        contact
            .insert(c.clone(), id(&post_ok(&a, "/api/v1/contacts", json!({"companyId": c, "firstName": "Ann"})).await));
        assignment.insert(
            c.clone(),
            id(&post_ok(
                &a,
                &format!("/api/v1/companies/{c}/team"),
                json!({"userId": me, "role": "TEAM_ROLE_ACCOUNT_MANAGER"}),
            )
            .await),
        );
        post_ok(&a, &format!("/api/v1/companies/{c}/notes"), json!({"body": "internal"})).await;
    }
    let dup = id(&post_ok(&a, "/api/v1/contacts", json!({"companyId": alpha, "firstName": "Ann2"})).await);

    // Another tenant: 404 on every path, empty lists, no writes.
    let reads = |c: &str| {
        vec![
            format!("/api/v1/companies/{c}/sites"),
            format!("/api/v1/companies/{c}/contacts"),
            format!("/api/v1/companies/{c}/children"),
            format!("/api/v1/companies/{c}/team"),
            format!("/api/v1/companies/{c}/notes"),
            format!("/api/v1/companies/{c}/activity"),
            format!("/api/v1/companies/{c}/status-history"),
            format!("/api/v1/companies/{c}/overview"),
            format!("/api/v1/sites/{}", site[c]),
        ]
    };
    for path in reads(&alpha) {
        assert_eq!(b.get(&path).await.0, 404, "tenant B GET {path}");
    }
    assert_eq!(len(&b.get("/api/v1/sites").await.1, "sites"), 0);
    assert_eq!(b.patch(&format!("/api/v1/sites/{}", site[&alpha]), &json!({"name": "Hijacked"})).await.0, 404);
    assert_eq!(b.delete(&format!("/api/v1/sites/{}", site[&alpha])).await.0, 404);
    assert_eq!(b.post(&format!("/api/v1/companies/{alpha}/sites"), &json!({"name": "X"})).await.0, 404);
    assert_eq!(b.post(&format!("/api/v1/companies/{alpha}/notes"), &json!({"body": "x"})).await.0, 404);
    assert_eq!(
        b.post(&format!("/api/v1/companies/{alpha}/team"), &json!({"userId": me, "role": "TEAM_ROLE_LEAD_ENGINEER"}))
            .await
            .0,
        404
    );
    assert_eq!(b.delete(&format!("/api/v1/companies/{alpha}/team/{}", assignment[&alpha])).await.0, 404);
    assert_eq!(
        b.post(&format!("/api/v1/companies/{alpha}:changeStatus"), &json!({"status": "COMPANY_STATUS_INACTIVE"}))
            .await
            .0,
        404
    );
    assert_eq!(b.post(&format!("/api/v1/contacts/{dup}:merge"), &json!({"targetId": contact[&alpha]})).await.0, 404);
    let b_company = company(&b, json!({"name": "Bravo"})).await;
    let (st, p) = b.patch(&format!("/api/v1/companies/{b_company}"), &json!({"parentId": alpha})).await;
    assert_eq!((st, fields(&p)), (400, vec!["company.parentId".to_owned()]), "no parent across tenants: {p}");
    let (_, alpha_now) = a.get(&format!("/api/v1/companies/{alpha}")).await;
    assert_eq!(alpha_now["status"], "COMPANY_STATUS_ACTIVE");
    assert_eq!(len(&a.get(&format!("/api/v1/companies/{alpha}/team")).await.1, "teamAssignments"), 1);

    // Portal user of Alpha: reads Alpha's sites, contacts and team; never Beta's (404); staff
    // notes, history, activity and the overview are PERMISSION_DENIED; no writes.
    let portal = stack.portal_api(tenant_a.tenant_id, alpha.parse().unwrap()).await;
    let (st, own) = portal.get(&format!("/api/v1/companies/{alpha}/sites")).await;
    assert_eq!((st, len(&own, "sites")), (200, 1), "{own}");
    assert_eq!(portal.get(&format!("/api/v1/sites/{}", site[&alpha])).await.0, 200);
    let (_, all_sites) = portal.get("/api/v1/sites").await;
    assert_eq!(all_sites["sites"].as_array().unwrap().iter().map(id).collect::<Vec<_>>(), [site[&alpha].clone()]);
    assert_eq!(len(&portal.get(&format!("/api/v1/companies/{alpha}/contacts")).await.1, "contacts"), 2);
    assert_eq!(len(&portal.get(&format!("/api/v1/companies/{alpha}/team")).await.1, "teamAssignments"), 1);
    for path in reads(&beta) {
        assert_eq!(portal.get(&path).await.0, 404, "portal GET {path}");
    }
    assert_eq!(portal.get(&format!("/api/v1/contacts/{}", contact[&beta])).await.0, 404);
    for path in ["notes", "activity", "status-history", "overview"] {
        let (st, p) = portal.get(&format!("/api/v1/companies/{alpha}/{path}")).await;
        assert_eq!(st, 403, "portal GET own {path}: {p}");
    }
    assert_eq!(portal.post(&format!("/api/v1/companies/{alpha}/sites"), &json!({"name": "Mine"})).await.0, 403);
    assert_eq!(
        portal.post(&format!("/api/v1/contacts/{dup}:merge"), &json!({"targetId": contact[&alpha]})).await.0,
        403
    );
    assert_eq!(portal.delete(&format!("/api/v1/sites/{}", site[&alpha])).await.0, 403);

    // Row-level security alone keeps the new tables apart (the SQL asks for A's rows outright).
    let tenant_b = b_company_tenant(&stack, &b_company).await;
    for table in ["sites", "company_notes", "team_assignments", "company_activity", "company_status_changes"] {
        let table = format!("contracts.{table}");
        let a_id = tenant_a.tenant_id;
        assert!(count_as(&stack.database_url, &table, a_id, Some(a_id)).await > 0, "{table} has A's rows");
        assert_eq!(count_as(&stack.database_url, &table, a_id, Some(tenant_b)).await, 0, "{table} as B");
        assert_eq!(count_as(&stack.database_url, &table, a_id, None).await, 0, "{table} without a tenant");
    }
    stack.stop().await;
}

/// The tenant of company `id` (read as the database owner).
async fn b_company_tenant(stack: &Stack, id: &str) -> Uuid {
    let mut db = stack.db().await;
    sqlx::query("select tenant_id from contracts.companies where id = $1")
        .bind(Uuid::parse_str(id).unwrap())
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0)
}

/// Counts tenant `owner`'s rows of `table` as the contracts role with `app.tenant_id` =
/// `tenant` (or unset).
async fn count_as(url: &str, table: &str, owner: Uuid, tenant: Option<Uuid>) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute("set role psa_contracts").await.unwrap();
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

/// Company attachments (issue 3 "notes and attachments"): upload (raw, JSON base64, multipart),
/// list, download through the gateway, delete; an activity entry each; audited; bad input →
/// 400 naming the field; another tenant and portal users get nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn company_attachments_upload_list_download_delete_and_isolation() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("att-a").await;
    let (api, _) = stack.login(&admin).await;
    let (other, _) = stack.login(&stack.create_tenant("att-b").await).await;
    let acme = company(&api, json!({"name": "Acme"})).await;
    let globex = company(&api, json!({"name": "Globex"})).await;
    let base = format!("/api/v1/companies/{acme}/attachments");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec();

    // Raw body with ?fileName=, JSON with base64 content, and a multipart form.
    let (s, a) = api.post_raw(&format!("{base}?fileName=network.png"), "image/png", png.clone()).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(
        (a["fileName"].as_str(), a["contentType"].as_str(), a["sizeBytes"].as_str(), a["companyId"].as_str()),
        (Some("network.png"), Some("image/png"), Some(png.len().to_string().as_str()), Some(acme.as_str())),
        "{a}"
    );
    let (s, txt) = api.post(&base, &json!({"fileName": "runbook.txt", "content": "aGVsbG8gd29ybGQ="})).await;
    assert_eq!((s, txt["contentType"].as_str()), (200, Some("text/plain")), "{txt}");
    let form = "--XX\r\nContent-Disposition: form-data; name=\"fileName\"\r\n\r\nmsa.pdf\r\n\
                --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"msa.pdf\"\r\n\
                Content-Type: application/pdf\r\n\r\n%PDF-1.7 signed\r\n--XX--\r\n";
    let (s, pdf) = api.post_raw(&base, "multipart/form-data; boundary=XX", form.as_bytes().to_vec()).await;
    assert_eq!((s, pdf["contentType"].as_str()), (200, Some("application/pdf")), "{pdf}");

    // Bad input: too big (the stack's limit is 1 MiB), an executable, a script name, empty,
    // a path as the name → 400 naming the field; nothing stored.
    let (s, v) = api.post_raw(&format!("{base}?fileName=big.txt"), "text/plain", vec![b'a'; 1024 * 1024 + 1]).await;
    assert_eq!((s, fields(&v)), (400, vec!["content".to_owned()]), "{v}");
    let (s, v) = api
        .post_raw(
            &format!("{base}?fileName=invoice.pdf"),
            "application/pdf",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff".to_vec(),
        )
        .await;
    assert_eq!((s, fields(&v)), (400, vec!["content".to_owned()]), "{v}");
    let (s, v) = api.post(&base, &json!({"fileName": "run.ps1", "content": "aGk="})).await;
    assert_eq!((s, fields(&v)), (400, vec!["fileName".to_owned()]), "{v}");
    let (s, v) = api.post(&base, &json!({"fileName": "../x.txt", "content": ""})).await;
    assert_eq!((s, fields(&v)), (400, vec!["content".to_owned(), "fileName".to_owned()]), "{v}");
    let (s, v) = api
        .post(
            &format!("/api/v1/companies/{}/attachments", Uuid::now_v7()),
            &json!({"fileName": "a.txt", "content": "aGk="}),
        )
        .await;
    assert_eq!(s, 404, "{v}");

    // Listed newest first, in pages; downloadable with the detected type.
    let (_, list) = api.get(&base).await;
    let names: Vec<&str> =
        list["attachments"].as_array().unwrap().iter().map(|a| a["fileName"].as_str().unwrap()).collect();
    assert_eq!(names, ["msa.pdf", "runbook.txt", "network.png"], "{list}");
    let (_, page) = api.get(&format!("{base}?pageSize=2")).await;
    assert_eq!(len(&page, "attachments"), 2);
    let (_, rest) = api.get(&format!("{base}?pageSize=2&pageToken={}", page["nextPageToken"].as_str().unwrap())).await;
    assert_eq!(rest["attachments"][0]["fileName"], "network.png", "{rest}");
    let url = format!("{}{base}/{}:download", stack.gateway_url(), id(&a));
    let http = reqwest::Client::new();
    let res = http.get(&url).bearer_auth(api.token().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("network.png"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    // The attachment belongs to Acme: not reachable through Globex.
    let wrong = format!("{}/api/v1/companies/{globex}/attachments/{}:download", stack.gateway_url(), id(&a));
    assert_eq!(http.get(&wrong).bearer_auth(api.token().unwrap()).send().await.unwrap().status(), 404);

    // Another tenant: 404 for list, upload, download and delete.
    assert_eq!(other.get(&base).await.0, 404);
    assert_eq!(other.post(&base, &json!({"fileName": "a.txt", "content": "aGk="})).await.0, 404);
    assert_eq!(http.get(&url).bearer_auth(other.token().unwrap()).send().await.unwrap().status(), 404);
    assert_eq!(other.delete(&format!("{base}/{}", id(&a))).await.0, 404);
    // Staff only, like notes: a portal user of Acme gets 403, of Globex 404; none can delete.
    let portal = stack.portal_api(admin.tenant_id, acme.parse().unwrap()).await;
    assert_eq!(portal.get(&base).await.0, 403);
    assert_eq!(http.get(&url).bearer_auth(portal.token().unwrap()).send().await.unwrap().status(), 403);
    let stranger = stack.portal_api(admin.tenant_id, globex.parse().unwrap()).await;
    assert_eq!(stranger.get(&base).await.0, 404);
    assert_eq!(http.get(&url).bearer_auth(stranger.token().unwrap()).send().await.unwrap().status(), 404);
    assert!(matches!(portal.delete(&format!("{base}/{}", id(&a))).await.0, 403 | 404));

    // Delete: gone from the list and the store; a second delete is 404.
    let (s, v) = api.delete(&format!("{base}/{}", id(&txt))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(api.delete(&format!("{base}/{}", id(&txt))).await.0, 404);
    let (_, list) = api.get(&base).await;
    assert_eq!(len(&list, "attachments"), 2, "{list}");
    let key = stack.attachments_dir.join(admin.tenant_id.to_string()).join("companies").join(&acme).join(id(&txt));
    assert!(!key.exists(), "{key:?} still stored");
    assert!(
        stack.attachments_dir.join(admin.tenant_id.to_string()).join("companies").join(&acme).join(id(&a)).exists()
    );

    // The activity timeline shows uploads and the delete; the audit trigger saw both.
    let (_, activity) = api.get(&format!("/api/v1/companies/{acme}/activity")).await;
    let kinds: Vec<&str> =
        activity["activities"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "attachment_added").count(), 3, "{activity}");
    assert_eq!(kinds.iter().filter(|k| **k == "attachment_deleted").count(), 1, "{activity}");
    let filter = "entity_type%20%3D%20%22company_attachments%22";
    let audited = eventually(20, "audit entries of company attachments", || async {
        let (_, body) = api.get(&format!("/api/v1/audit-logs?pageSize=50&filter={filter}")).await;
        let mut actions: Vec<String> = body["auditLogs"]
            .as_array()
            .map(|a| a.iter().map(|e| e["action"].as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default();
        actions.sort();
        (actions.len() >= 4).then_some(actions)
    })
    .await;
    assert_eq!(audited, ["create", "create", "create", "delete"]);
    stack.stop().await;
}

/// A contract's documents (issue 3: contracts have "documents"): files of the contract's
/// company linked to the contract — uploaded and listed through the contract, shown among the
/// company's files too, downloadable through the gateway, deletable; another tenant, a portal
/// user of another company and another contract's path get 404, a portal user of the company
/// 403; bad input 400 naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn contract_documents_are_company_files_linked_to_the_contract() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("docs-a").await;
    let (api, _) = stack.login(&admin).await;
    let (other, _) = stack.login(&stack.create_tenant("docs-b").await).await;
    let acme = company(&api, json!({"name": "Acme"})).await;
    let globex = company(&api, json!({"name": "Globex"})).await;
    let contract = |company: String, name: &'static str| {
        let api = api.clone();
        async move {
            let body = json!({"name": name, "companyId": company, "startDate": "2026-01-01", "currency": "USD"});
            let (s, v) = api.post("/api/v1/contracts", &body).await;
            assert_eq!(s, 200, "{v}");
            id(&v)
        }
    };
    let msa = contract(acme.clone(), "Acme MSA").await;
    let sow = contract(acme.clone(), "Acme SOW").await;
    let base = format!("/api/v1/contracts/{msa}/attachments");

    let (s, signed) =
        api.post_raw(&format!("{base}?fileName=msa-signed.pdf"), "application/pdf", b"%PDF-1.7 x".to_vec()).await;
    assert_eq!(s, 200, "{signed}");
    assert_eq!(
        (signed["contractId"].as_str(), signed["companyId"].as_str(), signed["contentType"].as_str()),
        (Some(msa.as_str()), Some(acme.as_str()), Some("application/pdf")),
        "{signed}"
    );
    let (s, plain) = api
        .post(&format!("/api/v1/companies/{acme}/attachments"), &json!({"fileName": "notes.txt", "content": "aGk="}))
        .await;
    assert_eq!(s, 200, "{plain}");
    assert_eq!(plain["contractId"].as_str().unwrap_or_default(), "", "a company file documents no contract: {plain}");
    let (s, v) = api.post(&base, &json!({"fileName": "run.ps1", "content": "aGk="})).await;
    assert_eq!((s, fields(&v)), (400, vec!["fileName".to_owned()]), "{v}");
    let (s, v) = api
        .post(
            &format!("/api/v1/contracts/{}/attachments", Uuid::now_v7()),
            &json!({"fileName": "a.txt", "content": "aGk="}),
        )
        .await;
    assert_eq!(s, 404, "{v}");

    // The contract lists its documents only; the company lists every file.
    let names = |v: &Value| -> Vec<String> {
        let all = v["attachments"].as_array().cloned().unwrap_or_default();
        all.iter().map(|a| a["fileName"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(&api.get(&base).await.1), ["msa-signed.pdf"]);
    assert!(names(&api.get(&format!("/api/v1/contracts/{sow}/attachments")).await.1).is_empty());
    assert_eq!(
        names(&api.get(&format!("/api/v1/companies/{acme}/attachments")).await.1),
        ["notes.txt", "msa-signed.pdf"]
    );

    // Download through the contract; not through another contract.
    let http = reqwest::Client::new();
    let url = format!("{}{base}/{}:download", stack.gateway_url(), id(&signed));
    let res = http.get(&url).bearer_auth(api.token().unwrap()).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "application/pdf"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.7 x");
    let wrong = format!("{}/api/v1/contracts/{sow}/attachments/{}:download", stack.gateway_url(), id(&signed));
    assert_eq!(http.get(&wrong).bearer_auth(api.token().unwrap()).send().await.unwrap().status(), 404);

    // Isolation: another tenant 404; portal users: of Acme 403, of Globex 404.
    assert_eq!(other.get(&base).await.0, 404);
    assert_eq!(other.post(&base, &json!({"fileName": "a.txt", "content": "aGk="})).await.0, 404);
    assert_eq!(http.get(&url).bearer_auth(other.token().unwrap()).send().await.unwrap().status(), 404);
    assert_eq!(other.delete(&format!("{base}/{}", id(&signed))).await.0, 404);
    let portal = stack.portal_api(admin.tenant_id, acme.parse().unwrap()).await;
    assert_eq!(portal.get(&base).await.0, 403);
    assert_eq!(http.get(&url).bearer_auth(portal.token().unwrap()).send().await.unwrap().status(), 403);
    let stranger = stack.portal_api(admin.tenant_id, globex.parse().unwrap()).await;
    assert_eq!(stranger.get(&base).await.0, 404);
    // Portal users hold no `contracts.write`: refused before anything is looked up.
    assert!(matches!(stranger.delete(&format!("{base}/{}", id(&signed))).await.0, 403 | 404));

    // Delete through the contract: gone from both lists and the store.
    assert_eq!(api.delete(&format!("/api/v1/contracts/{sow}/attachments/{}", id(&signed))).await.0, 404);
    let (s, v) = api.delete(&format!("{base}/{}", id(&signed))).await;
    assert_eq!(s, 200, "{v}");
    assert!(names(&api.get(&base).await.1).is_empty());
    assert_eq!(names(&api.get(&format!("/api/v1/companies/{acme}/attachments")).await.1), ["notes.txt"]);
    let key = stack.attachments_dir.join(admin.tenant_id.to_string()).join("companies").join(&acme).join(id(&signed));
    assert!(!key.exists(), "{key:?} still stored");
    stack.stop().await;
}
