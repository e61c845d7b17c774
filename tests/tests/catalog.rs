//! Service catalog, scope templates, contracts and service scopes over REST: the flow a user
//! drives, bad input as 400 problem+json naming fields, illegal moves, and isolation (another
//! tenant sees and changes nothing; portal users read their own company's contracts only,
//! read-only; row-level security alone blocks other tenants on the new tables).

mod support;

use psa_testkit::{Api, Stack};
use serde_json::json;
use support::contracts::{assert_tenant_rows_isolated, fields, len, post_ok};

struct Seeded {
    company: String,
    other_company: String,
    service: String,
    contract: String,
    other_contract: String,
    scope: String,
}

async fn seed(api: &Api) -> Seeded {
    let company =
        post_ok(api, "/api/v1/companies", json!({"name": "Alpha Co"})).await["id"].as_str().unwrap().to_owned();
    let other_company =
        post_ok(api, "/api/v1/companies", json!({"name": "Beta Co"})).await["id"].as_str().unwrap().to_owned();
    let service = post_ok(
        api,
        "/api/v1/services",
        json!({"name": "Managed EDR", "category": "MDR", "deliveryModel": "DELIVERY_MODEL_SERVERLESS",
               "basePrice": "8.75", "currency": "EUR", "pricingUnit": "PRICING_UNIT_PER_ENDPOINT"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post_ok(
        api,
        &format!("/api/v1/services/{service}/scope-templates"),
        json!({"schema": {
            "type": "object",
            "required": ["endpoints", "edr_platform"],
            "properties": {
                "endpoints": {"type": "integer", "title": "Number of endpoints", "minimum": 1},
                "edr_platform": {"type": "string", "title": "EDR platform", "enum": ["CarbonBlack", "CrowdStrike", "SentinelOne"]},
                "log_sources": {"type": "array", "items": {"type": "string", "enum": ["Firewall", "AD"]}, "uniqueItems": true},
                "go_live": {"type": "string", "format": "date"}
            }
        }}),
    )
    .await;
    let mut contracts = Vec::new();
    for c in [&company, &other_company] {
        let k = post_ok(
            api,
            "/api/v1/contracts",
            json!({"name": "SOC 2026", "companyId": c, "contractType": "CONTRACT_TYPE_MSA", "startDate": "2026-03-01",
                   "endDate": "2027-02-28", "currency": "EUR", "value": "12000", "billingCycle": "BILLING_CYCLE_QUARTERLY"}),
        )
        .await;
        contracts.push(k["id"].as_str().unwrap().to_owned());
    }
    let scope = post_ok(
        api,
        &format!("/api/v1/contracts/{}/items", contracts[0]),
        json!({"serviceId": service, "quantity": "250",
               "scopeDetails": {"endpoints": 250, "edr_platform": "SentinelOne", "log_sources": ["AD"], "go_live": "2026-04-01"}}),
    )
    .await;
    Seeded {
        company,
        other_company,
        service,
        contract: contracts[0].clone(),
        other_contract: contracts[1].clone(),
        scope: scope["id"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catalog_contracts_and_scopes_over_rest() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("acme-msp").await).await;
    let s = seed(&api).await;

    let (_, service) = api.get(&format!("/api/v1/services/{}", s.service)).await;
    assert_eq!((service["basePrice"].as_str(), service["currentTemplateVersion"].as_i64()), (Some("8.75"), Some(1)));
    let (st, t1) = api.get(&format!("/api/v1/services/{}/scope-templates/1", s.service)).await;
    assert_eq!(st, 200, "{t1}");
    assert_eq!(t1["schema"]["additionalProperties"], false);
    assert_eq!(api.get(&format!("/api/v1/services/{}/scope-templates/2", s.service)).await.0, 404);
    let (_, k) = api.get(&format!("/api/v1/contracts/{}", s.contract)).await;
    assert_eq!(
        (k["number"].as_str(), k["status"].as_str(), k["value"].as_str(), k["renewalTermMonths"].as_i64()),
        (Some("C-000001"), Some("CONTRACT_STATUS_DRAFT"), Some("12000.00"), Some(12))
    );
    let (_, scope) = api.get(&format!("/api/v1/service-scopes/{}", s.scope)).await;
    // Struct numbers are doubles in proto3 JSON (250 may render as 250.0).
    assert_eq!(scope["scopeDetails"]["endpoints"].as_f64(), Some(250.0));
    assert_eq!((scope["unitPrice"].as_str(), scope["templateVersion"].as_i64()), (Some("8.75"), Some(1)));

    // PATCH with the fields present in the body; the lifecycle decides status moves.
    let path = format!("/api/v1/contracts/{}", s.contract);
    let (st, k) = api.patch(&path, &json!({"status": "CONTRACT_STATUS_ACTIVE", "signedDate": "2026-02-20"})).await;
    assert_eq!(st, 200, "{k}");
    assert_eq!((k["status"].as_str(), k["name"].as_str()), (Some("CONTRACT_STATUS_ACTIVE"), Some("SOC 2026")));
    let (st, p) = api.patch(&path, &json!({"status": "CONTRACT_STATUS_DRAFT"})).await;
    assert_eq!((st, p["code"].as_str()), (400, Some("FAILED_PRECONDITION")), "{p}");
    assert!(p["detail"].as_str().unwrap_or_default().contains("cannot move from active to draft"), "{p}");
    let (st, next) = api.post(&format!("{path}/renew"), &json!({})).await;
    assert_eq!(st, 200, "{next}");
    assert_eq!(
        (next["startDate"].as_str(), next["endDate"].as_str(), next["previousContractId"].as_str()),
        (Some("2027-03-01"), Some("2028-02-29"), Some(s.contract.as_str()))
    );
    assert_eq!(api.get(&path).await.1["status"], "CONTRACT_STATUS_RENEWED");
    let (_, mine) = api.get(&format!("/api/v1/companies/{}/contracts", s.company)).await;
    assert_eq!(len(&mine, "contracts"), 2, "the original and its successor: {mine}");
    let (_, items) = api.get(&format!("/api/v1/contracts/{}/items", next["id"].as_str().unwrap())).await;
    assert_eq!(items["serviceScopes"][0]["scopeDetails"]["edr_platform"], "SentinelOne");
    let filter = format!("contract_id = \"{}\"", s.contract);
    let (_, scopes) = api.get(&format!("/api/v1/service-scopes?filter={}", urlencode(&filter))).await;
    assert_eq!(len(&scopes, "serviceScopes"), 1);

    // Bad input: 400 problem+json naming every bad field; nothing written.
    let (st, p) = api
        .post(
            "/api/v1/services",
            &json!({"name": "", "deliveryModel": "DELIVERY_MODEL_HYBRID", "basePrice": "1e3", "currency": "EURO",
                    "pricingUnit": "PRICING_UNIT_MONTHLY"}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(fields(&p).len(), 2, "{p}");
    let (st, p) = api
        .post(
            &format!("/api/v1/services/{}/scope-templates", s.service),
            &json!({"schema": {"type": "object", "properties": {"x": {"type": "object"}, "y": {"$ref": "#/x"}}}}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(fields(&p).len(), 2, "{p}");
    let (st, p) = api
        .post(
            &format!("/api/v1/contracts/{}/items", s.other_contract),
            &json!({"serviceId": s.service, "scopeDetails": {"endpoints": "many", "edr_platform": "Defender", "go_live": "soon"}}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    // Field paths use JSON names up to the free-form details, whose keys stay as the template spells them.
    assert_eq!(
        fields(&p),
        [
            "serviceScope.scopeDetails.edr_platform",
            "serviceScope.scopeDetails.endpoints",
            "serviceScope.scopeDetails.go_live"
        ]
    );
    let (_, items) = api.get(&format!("/api/v1/contracts/{}/items", s.other_contract)).await;
    assert_eq!(len(&items, "serviceScopes"), 0);
    let (st, p) = api
        .post(
            "/api/v1/contracts",
            &json!({"name": "x", "companyId": s.company, "startDate": "2026-13-01", "currency": "EUR"}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(fields(&p).len(), 1, "{p}");
    let (_, services) = api.get("/api/v1/services").await;
    assert_eq!(len(&services, "services"), 1);
    stack.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn other_tenants_and_other_companies_see_nothing() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let (a, _) = stack.login(&tenant_a).await;
    let (b, _) = stack.login(&stack.create_tenant("tenant-b").await).await;
    let s = seed(&a).await;

    let service = format!("/api/v1/services/{}", s.service);
    let contract = format!("/api/v1/contracts/{}", s.contract);
    let scope = format!("/api/v1/service-scopes/{}", s.scope);
    for path in [
        service.clone(),
        format!("{service}/scope-templates"),
        format!("{service}/scope-templates/1"),
        contract.clone(),
        format!("{contract}/items"),
        scope.clone(),
    ] {
        let (st, body) = b.get(&path).await;
        assert_eq!(st, 404, "GET {path}: {body}");
    }
    assert_eq!(b.patch(&service, &json!({"name": "Hijacked"})).await.0, 404);
    assert_eq!(b.delete(&service).await.0, 404);
    assert_eq!(b.post(&format!("{service}/scope-templates"), &json!({"schema": {"type": "object"}})).await.0, 404);
    assert_eq!(b.patch(&contract, &json!({"name": "Hijacked"})).await.0, 404);
    assert_eq!(b.post(&format!("{contract}/renew"), &json!({})).await.0, 404);
    assert_eq!(b.patch(&scope, &json!({"status": "SERVICE_SCOPE_STATUS_COMPLETED"})).await.0, 404);
    assert_eq!(b.post(&format!("{contract}/items"), &json!({"serviceId": s.service})).await.0, 404);
    let (st, p) = b
        .post(
            "/api/v1/contracts",
            &json!({"name": "x", "companyId": s.company, "startDate": "2026-01-01", "currency": "EUR"}),
        )
        .await;
    assert_eq!(st, 400, "A's company is not B's: {p}");
    for (path, key) in [
        ("/api/v1/services?showInactive=true".to_owned(), "services"),
        ("/api/v1/contracts".to_owned(), "contracts"),
        (format!("/api/v1/companies/{}/contracts", s.company), "contracts"),
        ("/api/v1/service-scopes".to_owned(), "serviceScopes"),
    ] {
        let (st, body) = b.get(&path).await;
        assert_eq!(st, 200, "{path}: {body}");
        assert_eq!(len(&body, key), 0, "{path}: {body}");
    }
    let (_, k) = a.get(&contract).await;
    assert_eq!((k["name"].as_str(), k["status"].as_str()), (Some("SOC 2026"), Some("CONTRACT_STATUS_DRAFT")));

    // Portal users: their own company's contracts and scopes, read-only.
    let portal = stack.portal_api(tenant_a.tenant_id, s.company.parse().unwrap()).await;
    assert_eq!(portal.get(&contract).await.0, 200);
    assert_eq!(portal.get(&scope).await.0, 200);
    let (_, items) = portal.get(&format!("{contract}/items")).await;
    assert_eq!(len(&items, "serviceScopes"), 1);
    let (_, list) = portal.get("/api/v1/contracts").await;
    let ids: Vec<&str> = list["contracts"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [s.contract.as_str()]);
    assert_eq!(len(&portal.get("/api/v1/service-scopes").await.1, "serviceScopes"), 1);
    assert_eq!(portal.patch(&contract, &json!({"name": "Mine now"})).await.0, 403);
    assert_eq!(portal.post(&format!("{contract}/renew"), &json!({})).await.0, 403);
    assert_eq!(portal.post(&format!("{contract}/items"), &json!({"serviceId": s.service})).await.0, 403);
    assert_eq!(portal.patch(&scope, &json!({"status": "SERVICE_SCOPE_STATUS_COMPLETED"})).await.0, 403);
    assert_eq!(portal.get(&service).await.0, 403, "the catalog is staff-only");
    // …and nothing of another company of the same tenant.
    let other = format!("/api/v1/contracts/{}", s.other_contract);
    assert_eq!(portal.get(&other).await.0, 404);
    assert_eq!(portal.get(&format!("{other}/items")).await.0, 404);
    let (_, theirs) = portal.get(&format!("/api/v1/companies/{}/contracts", s.other_company)).await;
    assert_eq!(len(&theirs, "contracts"), 0);
    let other_portal = stack.portal_api(tenant_a.tenant_id, s.other_company.parse().unwrap()).await;
    assert_eq!(other_portal.get(&contract).await.0, 404);
    assert_eq!(other_portal.get(&scope).await.0, 404);
    assert_eq!(len(&other_portal.get("/api/v1/service-scopes").await.1, "serviceScopes"), 0);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn row_level_security_covers_the_catalog_tables() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let tenant_b = stack.create_tenant("tenant-b").await;
    let (a, _) = stack.login(&tenant_a).await;
    seed(&a).await;
    let tables = ["services", "scope_templates", "contract_counters", "contracts", "service_scopes"];
    assert_tenant_rows_isolated(&stack, &tables, tenant_a.tenant_id, tenant_b.tenant_id).await;
    stack.stop().await;
}
