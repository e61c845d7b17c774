//! Bad input gets a 400 `application/problem+json` naming the field (or CSV line), and
//! nothing is half-written.

use psa_testkit::{Api, Stack};
use serde_json::{Value, json};

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

async fn counts(api: &Api) -> (usize, usize, usize) {
    let n = |v: Value, k: &str| v[k].as_array().map_or(0, Vec::len);
    (
        n(api.get("/api/v1/companies").await.1, "companies"),
        n(api.get("/api/v1/contacts").await.1, "contacts"),
        n(api.get("/api/v1/tickets").await.1, "tickets"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_is_a_400_problem_naming_the_field() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("acme-msp").await).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Acme"})).await;
    let company = company["id"].as_str().unwrap().to_owned();
    let before = counts(&api).await;

    // Malformed JSON.
    let (s, p) = api.post_raw("/api/v1/tickets", "application/json", br#"{"title": "x", "companyId": "#.to_vec()).await;
    assert_eq!(s, 400, "{p}");
    assert_eq!(p["status"], 400);
    assert!(p["detail"].as_str().unwrap_or("").to_lowercase().contains("json"), "{p}");
    // Unknown enum value.
    let (s, p) = api
        .post("/api/v1/tickets", &json!({"title": "x", "companyId": company, "priority": "TICKET_PRIORITY_URGENTISH"}))
        .await;
    assert_eq!(s, 400, "{p}");
    assert!(fields(&p).iter().any(|f| f.ends_with("priority")), "{p}");
    // Over-long title, and every other bad field of the same request at once.
    let (s, p) = api.post("/api/v1/tickets", &json!({"title": "x".repeat(256), "companyId": "not-a-uuid"})).await;
    assert_eq!(s, 400, "{p}");
    assert_eq!(fields(&p), ["ticket.companyId"], "ids are checked first: {p}");
    let (s, p) = api.post("/api/v1/tickets", &json!({"title": "x".repeat(256), "companyId": company})).await;
    assert_eq!(s, 400, "{p}");
    assert_eq!(fields(&p), ["ticket.title"]);
    // Bad email and URL on a contact / company.
    let (s, p) =
        api.post("/api/v1/contacts", &json!({"companyId": company, "firstName": "Ann", "email": "ann@"})).await;
    assert_eq!(s, 400, "{p}");
    assert_eq!(fields(&p), ["contact.email"]);
    let (s, p) = api.post("/api/v1/companies", &json!({"name": "", "website": "not a url", "email": "x"})).await;
    assert_eq!(s, 400, "{p}");
    assert_eq!(fields(&p), ["company.name", "company.website", "company.email"]);
    // Duplicate name → 409.
    let (s, p) = api.post("/api/v1/companies", &json!({"name": "ACME"})).await;
    assert_eq!(s, 409, "{p}");
    // Bad list parameters.
    let (s, p) = api.get("/api/v1/tickets?filter=password%3Dx").await;
    assert_eq!((s, fields(&p)), (400, vec!["filter".to_owned()]), "{p}");
    let (s, p) = api.get("/api/v1/tickets?pageSize=1000").await;
    assert_eq!((s, fields(&p)), (400, vec!["pageSize".to_owned()]), "{p}");
    let (s, _) = api.get("/api/v1/tickets?pageToken=garbage").await;
    assert_eq!(s, 400);
    // Bad ids in paths.
    let (s, p) = api.get("/api/v1/tickets/123").await;
    assert_eq!((s, fields(&p)), (400, vec!["id".to_owned()]), "{p}");
    // CSV: a broken quote and a missing required column name the line / column.
    let (s, p) = api
        .post_raw(
            "/api/v1/companies:import",
            "text/csv",
            b"name,industry\nGood,Tech\n\"Broken,Tech\nOther,Tech\n".to_vec(),
        )
        .await;
    assert_eq!(s, 400, "{p}");
    assert!(p["errors"][0]["detail"].as_str().unwrap().contains("line 3"), "{p}");
    let (s, p) = api
        .post_raw("/api/v1/companies:import", "text/csv", b"industry,website\nTech,https://x.example\n".to_vec())
        .await;
    assert_eq!(s, 400, "{p}");
    assert!(p["errors"][0]["detail"].as_str().unwrap().contains("`name`"), "{p}");
    // Rows with errors: all-or-nothing by default writes nothing and reports every bad row.
    let csv = "name,contactName,contactEmail,status\nGood One,Ann Lee,ann@good.example,active\nBad Mail,Bob,bob@,active\nBad Status,,,dormant\n";
    let (s, report) = api.post_raw("/api/v1/companies:import", "text/csv", csv.into()).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["committed"], Value::Null, "not committed: {report}");
    let errs: Vec<(i64, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(errs, [(3, "contactEmail"), (4, "status")]);
    for (path, content_type, body) in [
        ("/api/v1/contacts", "application/json", b"[1,2]".to_vec()),
        ("/api/v1/companies", "text/plain", b"hi".to_vec()),
    ] {
        let (s, p) = api.post_raw(path, content_type, body).await;
        assert!(s == 400 || s == 415, "{path}: {s} {p}");
    }
    assert_eq!(counts(&api).await, before, "nothing half-written");
    // "Import the valid rows" commits exactly the good one.
    let (s, report) =
        api.post_raw("/api/v1/companies:import?mode=IMPORT_MODE_VALID_ROWS", "text/csv", csv.into()).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        (report["committed"].as_bool(), report["createdCompanies"].as_i64(), report["createdContacts"].as_i64()),
        (Some(true), Some(1), Some(1))
    );
    assert_eq!(counts(&api).await, (before.0 + 1, before.1 + 1, before.2));
    stack.stop().await;
}
