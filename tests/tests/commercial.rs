//! Proposals, rate cards and block-hour balances over REST: the proposal lifecycle (versions
//! kept, illegal moves rejected with a clear error, expiry once `valid_until` passes, accepting
//! activates the linked scope), rate cards (one per target, contract over company over
//! default), hour-balance policies, bad input → 400 with fields, and isolation: another tenant
//! sees and changes nothing; portal users cannot reach proposals or rate cards and read only
//! their own company's hour balances.

mod support;

use psa_testkit::Stack;
use serde_json::json;
use support::contracts::{assert_tenant_rows_isolated, fields, id, post_ok, seed};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn proposals_over_rest() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("acme-msp").await).await;
    let s = seed(&api).await;

    // Bad input: every field named.
    let (st, p) = api
        .post(
            "/api/v1/proposals",
            &json!({"title": "", "companyId": s.company, "currency": "dollars", "value": "-1",
                    "validUntil": "2026-02-30"}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(fields(&p), ["proposal.currency", "proposal.proposalType", "proposal.validUntil", "proposal.value"]);
    let (st, p) = api
        .post(
            "/api/v1/proposals",
            &json!({"title": "EDR", "proposalType": "PROPOSAL_TYPE_FINANCIAL", "companyId": s.other_company,
                    "contractId": s.contract, "serviceScopeId": s.scope, "currency": "USD"}),
        )
        .await;
    assert_eq!((st, fields(&p)), (400, vec!["proposal.contractId".to_owned()]), "{p}");

    let created = post_ok(
        &api,
        "/api/v1/proposals",
        json!({"title": "Managed EDR for 500 endpoints", "proposalType": "PROPOSAL_TYPE_FINANCIAL",
               "companyId": s.company, "contractId": s.contract, "serviceScopeId": s.scope,
               "value": "72000", "currency": "usd", "validUntil": "2099-12-31"}),
    )
    .await;
    assert_eq!(created["status"], "PROPOSAL_STATUS_DRAFT");
    assert_eq!((created["version"].as_i64(), created["value"].as_str()), (Some(1), Some("72000.00")));
    assert_eq!(created["currency"], "USD");
    let path = format!("/api/v1/proposals/{}", id(&created));

    // Accepting a draft is an illegal move, named.
    let (st, p) = api.post(&format!("{path}:accept"), &json!({})).await;
    assert_eq!((st, p["code"].as_str()), (400, Some("FAILED_PRECONDITION")), "{p}");
    assert!(
        p["detail"].as_str().unwrap_or_default().contains("cannot move from draft to accepted (allowed: submitted)"),
        "{p}"
    );

    // A revision of the content is a new version; the history keeps both.
    let (st, v) = api.patch(&path, &json!({"value": "68000.50", "title": "Managed EDR, 500 endpoints"})).await;
    assert_eq!((st, v["version"].as_i64()), (200, Some(2)), "{v}");
    let (_, v) = api.patch(&path, &json!({"assigneeId": uuid::Uuid::now_v7()})).await;
    assert_eq!(v["version"].as_i64(), Some(2), "assigning is not a revision: {v}");
    let (_, versions) = api.get(&format!("{path}/versions")).await;
    let versions = versions["versions"].as_array().unwrap().clone();
    assert_eq!(versions.len(), 2);
    assert_eq!((versions[0]["version"].as_i64(), versions[0]["value"].as_str()), (Some(2), Some("68000.50")));
    assert_eq!((versions[1]["version"].as_i64(), versions[1]["value"].as_str()), (Some(1), Some("72000.00")));

    let (st, v) = api.post(&format!("{path}:submit"), &json!({})).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("PROPOSAL_STATUS_SUBMITTED")), "{v}");
    let (st, _) = api.post(&format!("{path}:submit"), &json!({})).await;
    assert_eq!(st, 400, "submitting twice is not a move");
    let (st, v) = api.post(&format!("{path}:accept"), &json!({"activateScope": true, "reason": "Signed PO"})).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("PROPOSAL_STATUS_ACCEPTED")), "{v}");
    assert_eq!(v["decisionReason"], "Signed PO");
    assert!(v["decideTime"].is_string(), "{v}");
    let (_, scope) = api.get(&format!("/api/v1/service-scopes/{}", s.scope)).await;
    assert_eq!(scope["status"], "SERVICE_SCOPE_STATUS_ACTIVE", "accepting activated the scope");
    let (st, p) = api.post(&format!("{path}:reject"), &json!({})).await;
    assert!(p["detail"].as_str().unwrap_or_default().contains("(allowed: none, it is final)"), "{p}");
    assert_eq!(st, 400);
    let (st, _) = api.patch(&path, &json!({"title": "Too late"})).await;
    assert_eq!(st, 400, "decided proposals are not revised");

    // Expiry: a submitted proposal whose last valid day has passed reads as EXPIRED, and the
    // status filter sees it.
    let other = post_ok(
        &api,
        "/api/v1/proposals",
        json!({"title": "SOC tier 2", "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": s.company,
               "currency": "USD", "validUntil": "2099-01-31"}),
    )
    .await;
    let other_path = format!("/api/v1/proposals/{}", id(&other));
    post_ok(&api, &format!("{other_path}:submit"), json!({})).await;
    let mut db = stack.db().await;
    sqlx::query("update contracts.proposals set valid_until = current_date - 1 where id = $1")
        .bind(id(&other).parse::<uuid::Uuid>().unwrap())
        .execute(&mut db)
        .await
        .unwrap();
    let (_, list) = api.get("/api/v1/proposals?filter=status=PROPOSAL_STATUS_EXPIRED").await;
    let expired: Vec<&str> = list["proposals"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(expired, [id(&other)], "{list}");
    let (st, p) = api.post(&format!("{other_path}:accept"), &json!({})).await;
    assert!(st == 400 && p["detail"].as_str().unwrap_or_default().contains("from expired to accepted"), "{p}");
    // Submitting an offer whose date has passed is refused on the field.
    let stale = post_ok(
        &api,
        "/api/v1/proposals",
        json!({"title": "Old", "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": s.company,
               "currency": "USD", "validUntil": "2020-01-01"}),
    )
    .await;
    let (st, p) = api.post(&format!("/api/v1/proposals/{}:submit", id(&stale)), &json!({})).await;
    assert_eq!((st, fields(&p)), (400, vec!["proposal.validUntil".to_owned()]), "{p}");

    // Company lists and filters.
    let (_, list) = api.get(&format!("/api/v1/companies/{}/proposals", s.company)).await;
    assert_eq!(list["proposals"].as_array().map(Vec::len), Some(3), "{list}");
    let (_, list) = api.get(&format!("/api/v1/companies/{}/proposals", s.other_company)).await;
    assert_eq!(list["proposals"].as_array().map_or(0, Vec::len), 0, "{list}");
    let (_, list) = api.get("/api/v1/proposals?filter=proposal_type=PROPOSAL_TYPE_FINANCIAL").await;
    assert_eq!(list["proposals"].as_array().map(Vec::len), Some(1), "{list}");

    // Isolation: another tenant sees nothing and changes nothing; portal users have no access.
    let (b, _) = stack.login(&stack.create_tenant("other-msp").await).await;
    assert_eq!(b.get(&path).await.0, 404);
    assert_eq!(b.get(&format!("{path}/versions")).await.0, 404);
    assert_eq!(b.patch(&other_path, &json!({"title": "Hijacked"})).await.0, 404);
    assert_eq!(b.post(&format!("/api/v1/proposals/{}:submit", id(&stale)), &json!({})).await.0, 404);
    let (_, list) = b.get("/api/v1/proposals").await;
    assert_eq!(list["proposals"].as_array().map_or(0, Vec::len), 0, "{list}");
    let (st, _) = b
        .post(
            "/api/v1/proposals",
            &json!({"title": "x", "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": s.company, "currency": "USD"}),
        )
        .await;
    assert_eq!(st, 400, "another tenant's company is no company");
    let tenant_a = stack.create_tenant("portal-check").await;
    let portal = stack.portal_api(tenant_a.tenant_id, s.company.parse().unwrap()).await;
    assert_eq!(portal.get(&path).await.0, 403);
    assert_eq!(portal.get("/api/v1/proposals").await.0, 403);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_cards_and_hour_balances_over_rest() {
    let stack = Stack::start().await;
    let tenant = stack.create_tenant("acme-msp").await;
    let (api, _) = stack.login(&tenant).await;
    let s = seed(&api).await;
    let remote = uuid::Uuid::now_v7().to_string();
    let onsite = uuid::Uuid::now_v7().to_string();

    // Validation: every bad line field named.
    let (st, p) = api
        .post(
            "/api/v1/rate-cards",
            &json!({"name": "", "currency": "USD", "lines": [
                {"workTypeId": "nope", "hourlyRate": "150"},
                {"workTypeId": remote, "hourlyRate": "", "emergencyRate": "-3"}]}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(
        fields(&p),
        ["rateCard.lines[0].workTypeId", "rateCard.lines[1].emergencyRate", "rateCard.lines[1].hourlyRate"],
        "{p}"
    );
    let (st, p) = api
        .post(
            "/api/v1/rate-cards",
            &json!({"name": "", "currency": "USD", "lines": [
                {"workTypeId": remote, "hourlyRate": "150"}, {"workTypeId": remote, "hourlyRate": "160"}]}),
        )
        .await;
    assert_eq!((st, fields(&p)), (400, vec!["rateCard.lines[1].workTypeId".to_owned(), "rateCard.name".to_owned()]));

    let default = post_ok(
        &api,
        "/api/v1/rate-cards",
        json!({"name": "Standard rates", "currency": "USD", "lines": [
            {"workTypeId": remote, "workTypeName": "Remote support", "hourlyRate": "150", "afterHoursRate": "225",
             "emergencyRate": "300"},
            {"workTypeId": onsite, "workTypeName": "On-site", "hourlyRate": "185.5"}]}),
    )
    .await;
    assert_eq!(default["lines"][1]["afterHoursRate"], "185.50", "defaults to the hourly rate: {default}");
    let (st, _) = api.post("/api/v1/rate-cards", &json!({"name": "Second default", "currency": "USD"})).await;
    assert_eq!(st, 409, "one default card per tenant");
    let contract_card_path = format!("/api/v1/contracts/{}/rate-card", s.contract);
    let (_, eff) = api.get(&contract_card_path).await;
    assert_eq!(eff["id"], default["id"], "the default applies: {eff}");
    let company_card = post_ok(
        &api,
        "/api/v1/rate-cards",
        json!({"name": "Alpha rates", "companyId": s.company, "currency": "USD",
               "lines": [{"workTypeId": remote, "hourlyRate": "140"}]}),
    )
    .await;
    let (_, eff) = api.get(&contract_card_path).await;
    assert_eq!(eff["id"], company_card["id"], "the company's card wins over the default");
    let contract_card = post_ok(
        &api,
        "/api/v1/rate-cards",
        json!({"name": "EDR contract rates", "contractId": s.contract, "currency": "USD",
               "lines": [{"workTypeId": remote, "hourlyRate": "130"}]}),
    )
    .await;
    assert_eq!(contract_card["companyId"].as_str(), Some(s.company.as_str()));
    let (_, eff) = api.get(&contract_card_path).await;
    assert_eq!(eff["id"], contract_card["id"], "the contract's card wins");
    let (st, _) =
        api.post("/api/v1/rate-cards", &json!({"name": "Dup", "contractId": s.contract, "currency": "USD"})).await;
    assert_eq!(st, 409);
    let card_path = format!("/api/v1/rate-cards/{}", id(&contract_card));
    let (st, v) = api
        .patch(&card_path, &json!({"lines": [{"workTypeId": onsite, "hourlyRate": "199.99", "emergencyRate": "400"}]}))
        .await;
    assert_eq!((st, v["lines"][0]["hourlyRate"].as_str()), (200, Some("199.99")), "{v}");
    assert_eq!(v["lines"].as_array().map(Vec::len), Some(1));
    let (_, list) = api.get(&format!("/api/v1/rate-cards?filter=company_id=\"{}\"", s.company)).await;
    assert_eq!(list["rateCards"].as_array().map(Vec::len), Some(2), "{list}");

    // Hour balance: none until a policy is set; bad policies named.
    let hb = format!("/api/v1/contracts/{}/hour-balance", s.contract);
    let (st, p) = api.get(&hb).await;
    assert_eq!((st, p["code"].as_str()), (400, Some("FAILED_PRECONDITION")), "{p}");
    let (st, p) = api.put(&hb, &json!({"includedHours": "1.234", "rolloverCapHours": "5"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["policy.includedHours".to_owned(), "policy.rolloverCapHours".to_owned()]));
    let (st, bal) = api
        .put(
            &hb,
            &json!({"includedHours": "20", "period": "HOUR_PERIOD_MONTHLY", "rolloverAllowed": true,
                    "rolloverCapHours": "5"}),
        )
        .await;
    assert_eq!(st, 200, "{bal}");
    assert_eq!(bal["policy"]["includedHours"], "20.00");
    let periods = bal["periods"].as_array().unwrap();
    assert_eq!(periods[0]["startDate"], "2026-01-01");
    assert_eq!(periods[0]["endDate"], "2026-01-31");
    // No time drawn yet: January leaves 20, of which 5 roll over.
    assert_eq!(periods[0]["remainingHours"], "20.00");
    if periods.len() > 1 {
        assert_eq!(periods[1]["rolloverHours"], "5.00");
    }

    // Isolation: another tenant and a portal user of another company see nothing, change
    // nothing; the company's own portal user reads its balance.
    let (b, _) = stack.login(&stack.create_tenant("other-msp").await).await;
    assert_eq!(b.get(&card_path).await.0, 404);
    assert_eq!(b.patch(&card_path, &json!({"name": "Hijacked"})).await.0, 404);
    assert_eq!(b.delete(&card_path).await.0, 404);
    assert_eq!(b.get(&contract_card_path).await.0, 404);
    assert_eq!(b.get(&hb).await.0, 404);
    assert_eq!(b.put(&hb, &json!({"includedHours": "1"})).await.0, 404);
    let (_, list) = b.get("/api/v1/rate-cards").await;
    assert_eq!(list["rateCards"].as_array().map_or(0, Vec::len), 0, "{list}");
    let own = stack.portal_api(tenant.tenant_id, s.company.parse().unwrap()).await;
    assert_eq!(own.get(&hb).await.0, 200);
    assert_eq!(own.put(&hb, &json!({"includedHours": "100"})).await.0, 403);
    assert_eq!(own.get(&card_path).await.0, 403, "rate cards are staff-only");
    let stranger = stack.portal_api(tenant.tenant_id, s.other_company.parse().unwrap()).await;
    assert_eq!(stranger.get(&hb).await.0, 404);

    let (st, _) = api.delete(&card_path).await;
    assert_eq!(st, 200);
    let (_, eff) = api.get(&contract_card_path).await;
    assert_eq!(eff["id"], company_card["id"], "after deleting the contract's card, the company's applies");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn row_level_security_covers_the_new_tables() {
    let stack = Stack::start().await;
    let tenant_a = stack.create_tenant("tenant-a").await;
    let tenant_b = stack.create_tenant("tenant-b").await;
    let (a, _) = stack.login(&tenant_a).await;
    let s = seed(&a).await;
    post_ok(
        &a,
        "/api/v1/proposals",
        json!({"title": "EDR", "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": s.company, "currency": "USD"}),
    )
    .await;
    post_ok(&a, "/api/v1/rate-cards", json!({"name": "Standard", "currency": "USD"})).await;
    let (st, _) =
        a.put(&format!("/api/v1/contracts/{}/hour-balance", s.contract), &json!({"includedHours": "5"})).await;
    assert_eq!(st, 200);
    post_ok(
        &a,
        "/api/v1/custom-field-definitions",
        json!({"entityType": "CUSTOM_FIELD_ENTITY_CONTACT", "key": "badge", "label": "Badge",
               "fieldType": "CUSTOM_FIELD_TYPE_TEXT"}),
    )
    .await;
    let mut db = stack.db().await;
    sqlx::query(
        "insert into contracts.hour_usages (id, tenant_id, contract_id, time_entry_id, work_date, hours) \
         values ($1, $2, $3, $4, current_date, 1)",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(tenant_a.tenant_id)
    .bind(s.contract.parse::<uuid::Uuid>().unwrap())
    .bind(uuid::Uuid::now_v7())
    .execute(&mut db)
    .await
    .unwrap();
    let tables = [
        "proposals",
        "proposal_versions",
        "rate_cards",
        "hour_balance_policies",
        "hour_usages",
        "custom_field_definitions",
    ];
    assert_tenant_rows_isolated(&stack, &tables, tenant_a.tenant_id, tenant_b.tenant_id).await;
    stack.stop().await;
}
