//! SAFs and COCs over REST: the flow (create with a generated number, status PATCHes one step at a
//! time driving the scope, 400 with fields, 409 on a duplicate number), and isolation: another
//! tenant sees and changes nothing; portal users read their own company's SAFs, read-only, and
//! nothing of another company.

mod support;

use psa_testkit::Stack;
use serde_json::json;
use support::contracts::{assert_tenant_rows_isolated, fields, id, len, post_ok, seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn safs_over_rest() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("acme-msp").await).await;
    let s = seed(&api).await;

    let (st, p) = api
        .post(
            "/api/v1/safs",
            &json!({"title": "", "contractId": s.contract, "currency": "dollars", "documentUrl": "not a url",
                    "startDate": "2026-13-01", "value": "1,000"}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(fields(&p), ["saf.currency", "saf.startDate", "saf.value"]);
    let (st, p) = api
        .post(
            "/api/v1/safs",
            &json!({"title": "", "contractId": s.contract, "currency": "USD",
        "documentUrl": "not a url"}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(fields(&p), ["saf.documentUrl", "saf.title"]);
    let (st, p) =
        api.post("/api/v1/safs", &json!({"title": "x", "contractId": uuid::Uuid::now_v7(), "currency": "USD"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["saf.contractId".to_owned()]), "{p}");

    let saf = post_ok(
        &api,
        "/api/v1/safs",
        json!({"title": "SOC Monitoring Authorization", "description": "Authorization for 24/7 security monitoring",
               "contractId": s.contract, "serviceScopeId": s.scope, "documentUrl": "https://docs.example.com/SAF-2024-001.pdf",
               "startDate": "2026-01-01", "endDate": "2026-12-31", "value": "60000.00", "currency": "USD"}),
    )
    .await;
    assert_eq!(saf["number"], "SAF-000001");
    assert_eq!(saf["status"], "SAF_STATUS_DRAFT");
    assert_eq!(saf["companyId"].as_str(), Some(s.company.as_str()));
    assert_eq!(saf["value"], "60000.00");
    let path = format!("/api/v1/safs/{}", id(&saf));
    let (st, _) = api
        .post(
            "/api/v1/safs",
            &json!({"number": "saf-000001", "title": "x", "contractId": s.contract,
        "currency": "USD"}),
        )
        .await;
    assert_eq!(st, 409, "numbers are unique per tenant");

    // Status moves are PATCHes of `status`, one step at a time.
    let (st, p) = api.patch(&path, &json!({"status": "SAF_STATUS_SIGNED"})).await;
    assert_eq!((st, p["code"].as_str()), (400, Some("FAILED_PRECONDITION")), "{p}");
    assert!(p["detail"].as_str().unwrap_or_default().contains("cannot move from draft to signed"), "{p}");
    for status in ["SAF_STATUS_SENT", "SAF_STATUS_SIGNED", "SAF_STATUS_ACTIVE"] {
        let (st, v) = api.patch(&path, &json!({"status": status})).await;
        assert_eq!((st, v["status"].as_str()), (200, Some(status)), "{v}");
    }
    let (_, scope) = api.get(&format!("/api/v1/service-scopes/{}", s.scope)).await;
    assert_eq!(scope["status"], "SERVICE_SCOPE_STATUS_ACTIVE");
    let (st, _) = api.patch(&path, &json!({"status": "SAF_STATUS_EXPIRED"})).await;
    assert_eq!(st, 200);
    let (_, scope) = api.get(&format!("/api/v1/service-scopes/{}", s.scope)).await;
    assert_eq!(scope["status"], "SERVICE_SCOPE_STATUS_COMPLETED");

    let (_, list) = api.get(&format!("/api/v1/safs?filter=contract_id=\"{}\"", s.contract)).await;
    assert_eq!(len(&list, "safs"), 1, "{list}");
    let (_, list) = api.get(&format!("/api/v1/safs?filter=contract_id=\"{}\"", s.other_contract)).await;
    assert_eq!(len(&list, "safs"), 0, "{list}");
    let (_, list) = api.get("/api/v1/safs?filter=status=SAF_STATUS_DRAFT").await;
    assert_eq!(len(&list, "safs"), 0, "{list}");

    // COCs: linked to the scope, dates checked, lifecycle moves by PATCH.
    let (st, p) = api
        .post(
            "/api/v1/cocs",
            &json!({"title": "PCI", "cocType": "COC_TYPE_PCI_DSS", "serviceScopeId": s.scope,
            "auditDate": "2026-06-01", "nextAuditDate": "2026-01-01"}),
        )
        .await;
    assert_eq!((st, fields(&p)), (400, vec!["coc.nextAuditDate".to_owned()]), "{p}");
    let coc = post_ok(
        &api,
        "/api/v1/cocs",
        json!({"title": "PCI DSS v4 attestation", "cocType": "COC_TYPE_PCI_DSS", "serviceScopeId": s.scope,
               "issueDate": "2026-01-01", "expiryDate": "2026-12-31", "auditDate": "2025-12-01", "nextAuditDate": "2026-12-01"}),
    )
    .await;
    assert_eq!((coc["number"].as_str(), coc["status"].as_str()), (Some("COC-000001"), Some("COC_STATUS_DRAFT")));
    assert_eq!(coc["contractId"].as_str(), Some(s.contract.as_str()));
    let coc_path = format!("/api/v1/cocs/{}", id(&coc));
    let (st, p) = api.patch(&coc_path, &json!({"status": "COC_STATUS_EXPIRED"})).await;
    assert_eq!((st, p["code"].as_str()), (400, Some("FAILED_PRECONDITION")), "{p}");
    let (st, v) = api.patch(&coc_path, &json!({"status": "COC_STATUS_ACTIVE"})).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("COC_STATUS_ACTIVE")), "{v}");
    let (_, list) = api.get("/api/v1/cocs?filter=coc_type=COC_TYPE_PCI_DSS AND status=COC_STATUS_ACTIVE").await;
    assert_eq!(len(&list, "cocs"), 1, "{list}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn safs_of_other_tenants_and_other_companies_are_invisible() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let (a, _) = stack.login(&tenant_a).await;
    let (b, _) = stack.login(&stack.create_tenant("tenant-b").await).await;
    let s = seed(&a).await;
    let mine =
        id(&post_ok(&a, "/api/v1/safs", json!({"title": "Alpha SAF", "contractId": s.contract, "currency": "USD"}))
            .await);
    let theirs = id(&post_ok(
        &a,
        "/api/v1/safs",
        json!({"title": "Beta SAF", "contractId": s.other_contract, "currency": "USD"}),
    )
    .await);
    let coc = |saf: &str| {
        json!({"title": "ISO 27001", "cocType": "COC_TYPE_ISO27001", "safId": saf,
        "issueDate": "2026-01-01", "expiryDate": "2026-12-31"})
    };
    let my_coc = format!("/api/v1/cocs/{}", id(&post_ok(&a, "/api/v1/cocs", coc(&mine)).await));
    let their_coc = format!("/api/v1/cocs/{}", id(&post_ok(&a, "/api/v1/cocs", coc(&theirs)).await));
    let (st, p) = b.post("/api/v1/cocs", &coc(&mine)).await;
    assert_eq!((st, fields(&p)), (400, vec!["coc.safId".to_owned()]), "B cannot link to A's SAF: {p}");
    assert_eq!(b.get(&my_coc).await.0, 404);
    assert_eq!(b.patch(&my_coc, &json!({"status": "COC_STATUS_REVOKED"})).await.0, 404);
    assert_eq!(len(&b.get("/api/v1/cocs").await.1, "cocs"), 0);
    let mine = format!("/api/v1/safs/{mine}");
    let theirs = format!("/api/v1/safs/{theirs}");

    // Another tenant: 404, empty lists, no changes, cannot attach a SAF to A's contract.
    assert_eq!(b.get(&mine).await.0, 404);
    assert_eq!(b.patch(&mine, &json!({"title": "Hijacked"})).await.0, 404);
    assert_eq!(b.patch(&mine, &json!({"status": "SAF_STATUS_SENT"})).await.0, 404);
    assert_eq!(len(&b.get("/api/v1/safs").await.1, "safs"), 0);
    let (st, p) = b.post("/api/v1/safs", &json!({"title": "x", "contractId": s.contract, "currency": "USD"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["saf.contractId".to_owned()]), "{p}");
    let (_, still) = a.get(&mine).await;
    assert_eq!((still["title"].as_str(), still["status"].as_str()), (Some("Alpha SAF"), Some("SAF_STATUS_DRAFT")));

    // Portal users: their own company's SAFs, read-only; nothing of another company.
    let portal = stack.portal_api(tenant_a.tenant_id, s.company.parse().unwrap()).await;
    assert_eq!(portal.get(&mine).await.0, 200);
    assert_eq!(portal.get(&theirs).await.0, 404);
    let (_, list) = portal.get("/api/v1/safs").await;
    let ids: Vec<&str> = list["safs"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1);
    assert!(mine.ends_with(ids[0]));
    let (_, list) = portal.get(&format!("/api/v1/safs?filter=company_id=\"{}\"", s.other_company)).await;
    assert_eq!(len(&list, "safs"), 0);
    assert_eq!(portal.patch(&mine, &json!({"title": "Mine now"})).await.0, 403);
    assert_eq!(portal.patch(&theirs, &json!({"title": "Mine now"})).await.0, 403);
    assert_eq!(
        portal.post("/api/v1/safs", &json!({"title": "x", "contractId": s.contract, "currency": "USD"})).await.0,
        403
    );
    assert_eq!(portal.get(&my_coc).await.0, 200);
    assert_eq!(portal.get(&their_coc).await.0, 404);
    assert_eq!(len(&portal.get("/api/v1/cocs").await.1, "cocs"), 1);
    assert_eq!(portal.patch(&my_coc, &json!({"status": "COC_STATUS_REVOKED"})).await.0, 403);
    assert_eq!(
        portal
            .post(
                "/api/v1/cocs",
                &json!({"title": "x", "cocType": "COC_TYPE_SOC2",
        "serviceScopeId": s.scope})
            )
            .await
            .0,
        403
    );
    let other_portal = stack.portal_api(tenant_a.tenant_id, s.other_company.parse().unwrap()).await;
    assert_eq!(other_portal.get(&mine).await.0, 404);
    assert_eq!(other_portal.get(&theirs).await.0, 200);
    assert_eq!(other_portal.get(&my_coc).await.0, 404);
    assert_eq!(other_portal.patch(&my_coc, &json!({"title": "x"})).await.0, 403);
    let (_, list) = other_portal.get("/api/v1/cocs").await;
    assert_eq!(list["cocs"][0]["id"].as_str().map(|i| their_coc.ends_with(i)), Some(true), "{list}");
    assert_eq!(len(&list, "cocs"), 1);
    let (_, still) = a.get(&my_coc).await;
    assert_eq!((still["title"].as_str(), still["status"].as_str()), (Some("ISO 27001"), Some("COC_STATUS_DRAFT")));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn row_level_security_covers_the_saf_and_coc_tables() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let tenant_b = stack.create_tenant("tenant-b").await;
    let (a, _) = stack.login(&tenant_a).await;
    let s = seed(&a).await;
    let saf =
        id(&post_ok(&a, "/api/v1/safs", json!({"title": "S", "contractId": s.contract, "currency": "USD"})).await);
    post_ok(&a, "/api/v1/cocs", json!({"title": "C", "cocType": "COC_TYPE_GDPR", "safId": saf})).await;
    let tables = ["saf_counters", "safs", "coc_counters", "cocs"];
    assert_tenant_rows_isolated(&stack, &tables, tenant_a.tenant_id, tenant_b.tenant_id).await;
    stack.stop().await;
}
