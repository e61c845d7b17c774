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
