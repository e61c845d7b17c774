//! Custom fields and contacts over REST: admin-defined fields per entity type, values
//! validated on every create and on updates that change them (company, contact, proposal),
//! deleting a definition removes its values; contact update (field mask), tags and soft
//! delete; isolation: another tenant and portal users see and change nothing.

use psa_testkit::{Api, Stack};
use serde_json::{Value, json};

fn fields(problem: &Value) -> Vec<String> {
    let mut f: Vec<String> = problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    f.sort();
    f
}

async fn post_ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn custom_fields_are_defined_and_enforced() {
    let stack = Stack::start().await;
    let tenant = stack.create_tenant("acme-msp").await;
    let (api, _) = stack.login(&tenant).await;
    let defs = "/api/v1/custom-field-definitions";

    // Bad definitions are named field by field.
    let (st, p) = api
        .post(
            defs,
            &json!({"entityType": "CUSTOM_FIELD_ENTITY_COMPANY", "key": "Bad Key", "label": "",
                    "fieldType": "CUSTOM_FIELD_TYPE_SELECT"}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(fields(&p), ["definition.key", "definition.label", "definition.options"]);
    let (st, p) = api.post(defs, &json!({"key": "x", "label": "X"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["definition.entityType".to_owned(), "definition.fieldType".to_owned()]));

    let edr = post_ok(
        &api,
        defs,
        json!({"entityType": "CUSTOM_FIELD_ENTITY_COMPANY", "key": "edr", "label": "EDR platform",
               "fieldType": "CUSTOM_FIELD_TYPE_SELECT", "options": ["CrowdStrike", "SentinelOne"], "required": true}),
    )
    .await;
    post_ok(
        &api,
        defs,
        json!({"entityType": "CUSTOM_FIELD_ENTITY_COMPANY", "key": "endpoints", "label": "Endpoints",
               "fieldType": "CUSTOM_FIELD_TYPE_NUMBER", "min": 1, "max": 100000}),
    )
    .await;
    post_ok(
        &api,
        defs,
        json!({"entityType": "CUSTOM_FIELD_ENTITY_CONTACT", "key": "badge", "label": "Badge number",
               "fieldType": "CUSTOM_FIELD_TYPE_TEXT", "regex": "B-[0-9]{4}"}),
    )
    .await;
    post_ok(
        &api,
        defs,
        json!({"entityType": "CUSTOM_FIELD_ENTITY_PROPOSAL", "key": "renewal", "label": "Renewal date",
               "fieldType": "CUSTOM_FIELD_TYPE_DATE"}),
    )
    .await;
    let (st, _) = api
        .post(
            defs,
            &json!({"entityType": "CUSTOM_FIELD_ENTITY_COMPANY", "key": "edr", "label": "Again",
                    "fieldType": "CUSTOM_FIELD_TYPE_TEXT"}),
        )
        .await;
    assert_eq!(st, 409, "keys are unique per entity type");
    let (_, list) = api.get(&format!("{defs}?filter=entity_type=CUSTOM_FIELD_ENTITY_COMPANY")).await;
    assert_eq!(list["definitions"].as_array().map(Vec::len), Some(2), "{list}");

    // Company writes: required, options, bounds, unknown keys.
    let (st, p) = api.post("/api/v1/companies", &json!({"name": "Alpha Co"})).await;
    assert_eq!((st, fields(&p)), (400, vec!["company.customFields.edr".to_owned()]), "{p}");
    let (st, p) = api
        .post(
            "/api/v1/companies",
            &json!({"name": "Alpha Co", "customFields": {"edr": "Defender", "endpoints": 0, "colour": "red"}}),
        )
        .await;
    assert_eq!(st, 400, "{p}");
    assert_eq!(
        fields(&p),
        ["company.customFields.colour", "company.customFields.edr", "company.customFields.endpoints"]
    );
    let company = post_ok(
        &api,
        "/api/v1/companies",
        json!({"name": "Alpha Co", "customFields": {"edr": "CrowdStrike", "endpoints": 500}}),
    )
    .await;
    assert_eq!(company["customFields"]["edr"], "CrowdStrike");
    let cpath = format!("/api/v1/companies/{}", id(&company));
    let (st, p) = api.patch(&cpath, &json!({"customFields": {"endpoints": 10}})).await;
    assert_eq!((st, fields(&p)), (400, vec!["company.customFields.edr".to_owned()]), "updates are validated: {p}");
    let (st, v) = api.patch(&cpath, &json!({"customFields": {"edr": "SentinelOne", "endpoints": 10}})).await;
    assert_eq!((st, v["customFields"]["endpoints"].as_f64()), (200, Some(10.0)), "{v}");

    // Deleting a definition removes its values; the rest stay.
    let (st, _) = api.delete(&format!("{defs}/{}", id(&edr))).await;
    assert_eq!(st, 200);
    let (_, v) = api.get(&cpath).await;
    let values = v["customFields"].as_object().unwrap();
    assert_eq!((values.len(), values["endpoints"].as_f64()), (1, Some(10.0)), "{v}");

    // Contacts: custom fields, tags, PATCH with a mask, soft delete.
    let (st, p) = api
        .post(
            "/api/v1/contacts",
            &json!({"companyId": id(&company), "firstName": "Ann", "customFields": {"badge": "A-1"}}),
        )
        .await;
    assert_eq!((st, fields(&p)), (400, vec!["contact.customFields.badge".to_owned()]), "{p}");
    let contact = post_ok(
        &api,
        "/api/v1/contacts",
        json!({"companyId": id(&company), "firstName": "Ann", "lastName": "Lee", "email": "ann@alpha.example",
               "tags": [" VIP ", "vip", "billing"], "customFields": {"badge": "B-1234"}}),
    )
    .await;
    assert_eq!(contact["tags"], json!(["vip", "billing"]));
    let path = format!("/api/v1/contacts/{}", id(&contact));
    let (st, v) = api.patch(&path, &json!({"title": "CISO", "tags": ["security"]})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!((v["title"].as_str(), v["lastName"].as_str()), (Some("CISO"), Some("Lee")), "{v}");
    assert_eq!(v["tags"], json!(["security"]));
    assert_eq!(v["customFields"]["badge"], "B-1234");
    let (st, p) = api.patch(&path, &json!({"email": "not-an-email", "firstName": ""})).await;
    assert_eq!((st, fields(&p)), (400, vec!["contact.email".to_owned(), "contact.firstName".to_owned()]), "{p}");

    // Proposals carry their own custom fields.
    let (st, p) = api
        .post(
            "/api/v1/proposals",
            &json!({"title": "MDR", "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": id(&company),
                    "currency": "USD", "customFields": {"renewal": "2026-02-30"}}),
        )
        .await;
    assert_eq!((st, fields(&p)), (400, vec!["proposal.customFields.renewal".to_owned()]), "{p}");
    let proposal = post_ok(
        &api,
        "/api/v1/proposals",
        json!({"title": "MDR", "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": id(&company),
               "currency": "USD", "customFields": {"renewal": "2027-01-31"}}),
    )
    .await;
    assert_eq!(proposal["customFields"]["renewal"], "2027-01-31");

    // Contracts: required values on create, PATCH of customFields alone, copied on renewal.
    post_ok(
        &api,
        defs,
        json!({"entityType": "CUSTOM_FIELD_ENTITY_CONTRACT", "key": "po_number", "label": "PO number",
               "fieldType": "CUSTOM_FIELD_TYPE_TEXT", "required": true, "max": 20}),
    )
    .await;
    let contract = json!({"name": "MDR 2026", "companyId": id(&company), "startDate": "2026-01-01",
                          "endDate": "2026-12-31", "currency": "USD"});
    let (st, p) = api.post("/api/v1/contracts", &contract).await;
    assert_eq!((st, fields(&p)), (400, vec!["contract.customFields.po_number".to_owned()]), "{p}");
    let mut with_po = contract.clone();
    with_po["customFields"] = json!({"po_number": "PO-1"});
    let k = post_ok(&api, "/api/v1/contracts", with_po).await;
    assert_eq!(k["customFields"]["po_number"], "PO-1");
    let kpath = format!("/api/v1/contracts/{}", id(&k));
    let (st, p) = api.patch(&kpath, &json!({"customFields": {"po_number": "x".repeat(21)}})).await;
    assert_eq!((st, fields(&p)), (400, vec!["contract.customFields.po_number".to_owned()]), "{p}");
    let (st, v) = api.patch(&kpath, &json!({"customFields": {"po_number": "PO-2"}, "name": "MDR 2026 v2"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!((v["customFields"]["po_number"].as_str(), v["name"].as_str()), (Some("PO-2"), Some("MDR 2026 v2")));
    let (st, v) = api.patch(&kpath, &json!({"status": "CONTRACT_STATUS_ACTIVE"})).await;
    assert_eq!((st, v["customFields"]["po_number"].as_str()), (200, Some("PO-2")), "{v}");
    let next = post_ok(&api, &format!("{kpath}/renew"), json!({})).await;
    assert_eq!(next["customFields"]["po_number"], "PO-2", "{next}");

    // Isolation: another tenant sees no definitions and cannot touch the contact; portal users
    // cannot define fields or change contacts.
    let (b, _) = stack.login(&stack.create_tenant("other-msp").await).await;
    let (_, list) = b.get(defs).await;
    assert_eq!(list["definitions"].as_array().map_or(0, Vec::len), 0, "{list}");
    assert_eq!(b.patch(&path, &json!({"title": "Hijacked"})).await.0, 404);
    assert_eq!(b.delete(&path).await.0, 404);
    let portal = stack.portal_api(tenant.tenant_id, company["id"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(
        portal
            .post(
                defs,
                &json!({"entityType": "CUSTOM_FIELD_ENTITY_COMPANY", "key": "k", "label": "K",
                        "fieldType": "CUSTOM_FIELD_TYPE_TEXT"})
            )
            .await
            .0,
        403
    );
    assert_eq!(portal.patch(&path, &json!({"title": "Mine"})).await.0, 403);
    assert_eq!(portal.delete(&path).await.0, 403);

    // Soft delete: gone from reads and lists, the title change above stands.
    let (st, v) = api.delete(&path).await;
    assert_eq!((st, v["title"].as_str()), (200, Some("CISO")));
    assert_eq!(api.get(&path).await.0, 404);
    let (_, list) = api.get(&format!("/api/v1/companies/{}/contacts", id(&company))).await;
    assert_eq!(list["contacts"].as_array().map_or(0, Vec::len), 0, "{list}");
    assert_eq!(api.delete(&path).await.0, 404);
    stack.stop().await;
}

/// `filter` as a URL query value.
fn q(filter: &str) -> String {
    filter
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `key` field of every item of list `list` (`items` names the array).
async fn listed(api: &Api, path: &str, filter: &str, items: &str, key: &str) -> Vec<String> {
    let (st, v) = api.get(&format!("{path}?filter={}", q(filter))).await;
    assert_eq!(st, 200, "GET {path} {filter}: {v}");
    // An empty list is `{}` (proto3 JSON leaves empty repeated fields out).
    let mut out: Vec<String> = v[items]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_owned())
        .collect();
    out.sort();
    out
}

/// Service scopes, SAFs and COCs carry custom fields (validated on create and update, 400
/// naming `<entity>.customFields.<key>`), and every list of the contracts service filters by
/// `custom_fields.<key>` (`=`, `!=`, `:`), alone or with the other fields; another tenant's
/// records never match.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scopes_safs_cocs_custom_fields_and_list_filters() {
    let stack = Stack::start().await;
    let tenant = stack.create_tenant("cf-scopes").await;
    let (api, _) = stack.login(&tenant).await;
    let defs = "/api/v1/custom-field-definitions";
    for (entity, key, extra) in [
        (
            "SERVICE_SCOPE",
            "tier",
            json!({"fieldType": "CUSTOM_FIELD_TYPE_SELECT", "options": ["gold", "silver"], "required": true}),
        ),
        ("SAF", "po", json!({"fieldType": "CUSTOM_FIELD_TYPE_TEXT", "regex": "PO-[0-9]+"})),
        ("COC", "auditor", json!({"fieldType": "CUSTOM_FIELD_TYPE_TEXT", "required": true})),
        ("COMPANY", "region", json!({"fieldType": "CUSTOM_FIELD_TYPE_TEXT"})),
        (
            "COMPANY",
            "stacks",
            json!({"fieldType": "CUSTOM_FIELD_TYPE_MULTI_SELECT", "options": ["m365", "aws", "gcp"]}),
        ),
        ("CONTACT", "shift", json!({"fieldType": "CUSTOM_FIELD_TYPE_TEXT"})),
        ("CONTRACT", "po_number", json!({"fieldType": "CUSTOM_FIELD_TYPE_TEXT"})),
        ("PROPOSAL", "channel", json!({"fieldType": "CUSTOM_FIELD_TYPE_TEXT"})),
    ] {
        let mut d = json!({"entityType": format!("CUSTOM_FIELD_ENTITY_{entity}"), "key": key, "label": key});
        d.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        post_ok(&api, defs, d).await;
    }

    // Companies, contacts, contracts and proposals with values to filter on.
    let eu = post_ok(
        &api,
        "/api/v1/companies",
        json!({"name": "Euro Co", "customFields": {"region": "eu-west", "stacks": ["m365", "aws"]}}),
    )
    .await;
    let us = post_ok(&api, "/api/v1/companies", json!({"name": "US Co", "customFields": {"region": "us-east"}})).await;
    post_ok(&api, "/api/v1/companies", json!({"name": "Plain Co"})).await;
    for (first, company, shift) in [("Ann", &eu, "night"), ("Bob", &us, "day")] {
        post_ok(
            &api,
            "/api/v1/contacts",
            json!({"companyId": id(company), "firstName": first, "lastName": "X", "customFields": {"shift": shift}}),
        )
        .await;
    }
    let mut contracts = Vec::new();
    for (company, po) in [(&eu, "PO-7"), (&us, "PO-8")] {
        contracts.push(
            post_ok(
                &api,
                "/api/v1/contracts",
                json!({"name": format!("MDR {po}"), "companyId": id(company), "startDate": "2026-01-01",
                       "endDate": "2026-12-31", "currency": "USD", "customFields": {"po_number": po}}),
            )
            .await,
        );
    }
    for (company, channel) in [(&eu, "partner"), (&us, "direct")] {
        post_ok(
            &api,
            "/api/v1/proposals",
            json!({"title": format!("MDR {channel}"), "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": id(company),
                   "currency": "USD", "customFields": {"channel": channel}}),
        )
        .await;
    }
    let service = id(&post_ok(
        &api,
        "/api/v1/services",
        json!({"name": "SOC", "deliveryModel": "DELIVERY_MODEL_MANAGED_SERVICE", "basePrice": "100", "currency": "USD",
               "pricingUnit": "PRICING_UNIT_MONTHLY"}),
    )
    .await);

    // Scopes: required value on create; update validated; get and list carry the values.
    let items = format!("/api/v1/contracts/{}/items", id(&contracts[0]));
    let (st, p) = api.post(&items, &json!({"serviceId": service})).await;
    assert_eq!((st, fields(&p)), (400, vec!["serviceScope.customFields.tier".to_owned()]), "{p}");
    let (st, p) = api.post(&items, &json!({"serviceId": service, "customFields": {"tier": "bronze"}})).await;
    assert_eq!((st, fields(&p)), (400, vec!["serviceScope.customFields.tier".to_owned()]), "{p}");
    let gold = post_ok(&api, &items, json!({"serviceId": service, "customFields": {"tier": "gold"}})).await;
    assert_eq!(gold["customFields"]["tier"], "gold", "{gold}");
    let items2 = format!("/api/v1/contracts/{}/items", id(&contracts[1]));
    let silver = post_ok(&api, &items2, json!({"serviceId": service, "customFields": {"tier": "silver"}})).await;
    let spath = format!("/api/v1/service-scopes/{}", id(&silver));
    let (st, p) = api.patch(&spath, &json!({"customFields": {}})).await;
    assert_eq!((st, fields(&p)), (400, vec!["serviceScope.customFields.tier".to_owned()]), "{p}");
    let (st, v) = api.patch(&spath, &json!({"customFields": {"tier": "gold"}, "quantity": "3"})).await;
    assert_eq!(
        (st, v["customFields"]["tier"].as_str(), v["quantity"].as_str()),
        (200, Some("gold"), Some("3.00")),
        "{v}"
    );
    let (_, v) = api.get(&spath).await;
    assert_eq!(v["customFields"]["tier"], "gold");
    let (st, v) = api.patch(&spath, &json!({"customFields": {"tier": "silver"}})).await;
    assert_eq!((st, v["quantity"].as_str()), (200, Some("3.00")), "custom fields alone leave the rest: {v}");

    // SAFs: validated on create and update.
    let saf_body = |po: &str| json!({"title": "Activation", "contractId": id(&contracts[0]), "currency": "USD", "serviceScopeId": id(&gold), "customFields": {"po": po}});
    let (st, p) = api.post("/api/v1/safs", &saf_body("nope")).await;
    assert_eq!((st, fields(&p)), (400, vec!["saf.customFields.po".to_owned()]), "{p}");
    let saf = post_ok(&api, "/api/v1/safs", saf_body("PO-1")).await;
    assert_eq!(saf["customFields"]["po"], "PO-1");
    let saf_path = format!("/api/v1/safs/{}", id(&saf));
    let (st, p) = api.patch(&saf_path, &json!({"customFields": {"po": "x"}})).await;
    assert_eq!((st, fields(&p)), (400, vec!["saf.customFields.po".to_owned()]), "{p}");
    let (st, v) = api.patch(&saf_path, &json!({"customFields": {"po": "PO-2"}})).await;
    assert_eq!((st, v["customFields"]["po"].as_str()), (200, Some("PO-2")), "{v}");
    post_ok(
        &api,
        "/api/v1/safs",
        json!({"title": "Other", "contractId": id(&contracts[1]), "currency": "USD", "customFields": {"po": "PO-3"}}),
    )
    .await;

    // COCs: required value.
    let coc_body = |auditor: Option<&str>| {
        let mut b = json!({"title": "SOC 2", "cocType": "COC_TYPE_SOC2", "safId": id(&saf)});
        if let Some(a) = auditor {
            b["customFields"] = json!({"auditor": a});
        }
        b
    };
    let (st, p) = api.post("/api/v1/cocs", &coc_body(None)).await;
    assert_eq!((st, fields(&p)), (400, vec!["coc.customFields.auditor".to_owned()]), "{p}");
    let coc = post_ok(&api, "/api/v1/cocs", coc_body(Some("KPMG"))).await;
    assert_eq!(coc["customFields"]["auditor"], "KPMG");
    post_ok(&api, "/api/v1/cocs", coc_body(Some("Deloitte"))).await;
    let coc_path = format!("/api/v1/cocs/{}", id(&coc));
    let (st, p) = api.patch(&coc_path, &json!({"customFields": {"auditor": ""}})).await;
    assert_eq!((st, fields(&p)), (400, vec!["coc.customFields.auditor".to_owned()]), "{p}");

    // Filters on every list.
    let companies = "/api/v1/companies";
    assert_eq!(listed(&api, companies, r#"custom_fields.region = "eu-west""#, "companies", "name").await, ["Euro Co"]);
    assert_eq!(
        listed(&api, companies, r#"custom_fields.region != "eu-west""#, "companies", "name").await,
        ["Plain Co", "US Co"]
    );
    assert_eq!(listed(&api, companies, r#"custom_fields.region:"EAST""#, "companies", "name").await, ["US Co"]);
    assert_eq!(listed(&api, companies, r#"custom_fields.stacks:"aws""#, "companies", "name").await, ["Euro Co"]);
    assert_eq!(
        listed(&api, companies, r#"custom_fields.region:"e" AND name:"us""#, "companies", "name").await,
        ["US Co"]
    );
    assert!(listed(&api, companies, r#"custom_fields.unknown = "x""#, "companies", "name").await.is_empty());
    assert_eq!(
        listed(&api, "/api/v1/contacts", r#"custom_fields.shift = "night""#, "contacts", "firstName").await,
        ["Ann"]
    );
    assert_eq!(
        listed(&api, "/api/v1/contracts", r#"custom_fields.po_number = "PO-8""#, "contracts", "name").await,
        ["MDR PO-8"]
    );
    assert_eq!(
        listed(&api, "/api/v1/proposals", r#"custom_fields.channel = "partner""#, "proposals", "title").await,
        ["MDR partner"]
    );
    let scopes = listed(&api, "/api/v1/service-scopes", r#"custom_fields.tier = "gold""#, "serviceScopes", "id").await;
    assert_eq!(scopes, [id(&gold)]);
    let scopes =
        listed(&api, "/api/v1/service-scopes", r#"custom_fields.tier = "silver""#, "serviceScopes", "id").await;
    assert_eq!(scopes, [id(&silver)]);
    assert_eq!(listed(&api, "/api/v1/safs", r#"custom_fields.po = "PO-2""#, "safs", "id").await, [id(&saf)]);
    assert_eq!(listed(&api, "/api/v1/cocs", r#"custom_fields.auditor = "KPMG""#, "cocs", "id").await, [id(&coc)]);
    // Paging keeps the filter: two pages of one company each, then nothing.
    let f = q(r#"custom_fields.region:"-""#);
    let (_, p1) = api.get(&format!("{companies}?pageSize=1&filter={f}")).await;
    assert_eq!(p1["companies"][0]["name"], "Euro Co", "{p1}");
    let token = p1["nextPageToken"].as_str().unwrap();
    let (_, p2) = api.get(&format!("{companies}?pageSize=1&filter={f}&pageToken={token}")).await;
    assert_eq!(p2["companies"][0]["name"], "US Co", "{p2}");
    // A token is bound to its filter; malformed custom terms are 400 on `filter`.
    let other = q(r#"custom_fields.region:"e""#);
    let (st, _) = api.get(&format!("{companies}?pageSize=1&filter={other}&pageToken={token}")).await;
    assert_eq!(st, 400);
    let (st, p) = api.get(&format!("{companies}?filter={}", q(r#"custom_fields. = "x""#))).await;
    assert_eq!((st, fields(&p)), (400, vec!["filter".to_owned()]), "{p}");

    // Another tenant with the same values sees only its own.
    let (b, _) = stack.login(&stack.create_tenant("cf-scopes-b").await).await;
    assert!(listed(&b, companies, r#"custom_fields.region = "eu-west""#, "companies", "name").await.is_empty());
    assert!(
        listed(&b, "/api/v1/service-scopes", r#"custom_fields.tier = "gold""#, "serviceScopes", "id").await.is_empty()
    );
    assert_eq!(b.get(&spath).await.0, 404);
    // A portal user of Euro Co filters within their company only.
    let portal = stack.portal_api(tenant.tenant_id, id(&eu).parse().unwrap()).await;
    assert_eq!(listed(&portal, companies, r#"custom_fields.region:"-""#, "companies", "name").await, ["Euro Co"]);
    assert!(
        listed(&portal, "/api/v1/contracts", r#"custom_fields.po_number = "PO-8""#, "contracts", "name")
            .await
            .is_empty()
    );
    stack.stop().await;
}
