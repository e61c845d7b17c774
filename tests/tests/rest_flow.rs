//! The walking skeleton end to end over REST, as a user would drive it: log in, import the
//! clients of seed 002's template and Alga PSA's template, create a ticket, add notes, list
//! with filters and pages, rotate the refresh token, and have a reused one revoke the session.

use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};

const SEED_002_CLIENTS: &str = "name,industry,companySize,status,source,address,website,notes,contactName,contactEmail,contactPhone,contactTitle\n\
\"Acme Corporation\",\"Technology\",\"Large\",\"active\",\"referral\",\"123 Main St, New York, NY 10001\",\"https://acme.com\",\"Primary technology client\",\"John Smith\",\"john.smith@acme.com\",\"+1-555-0123\",\"CTO\"\n";

fn alga_fixture() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/csv/alga-psa_client_import_template.csv"))
        .expect("fixture")
}

async fn company_id(api: &Api, name: &str) -> String {
    let (s, body) = api.get(&format!("/api/v1/companies?filter={}", urlencode(&format!("name:\"{name}\"")))).await;
    assert_eq!(s, 200, "{body}");
    body["companies"][0]["id"].as_str().unwrap_or_else(|| panic!("company {name} listed: {body}")).to_owned()
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
async fn import_tickets_notes_pages_and_refresh() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme-msp").await;
    let (api, login) = stack.login(&admin).await;
    assert_eq!(login["tokenType"], "Bearer");
    assert_eq!(login["expiresIn"], 900);

    // Import: dry run reports without writing, then the real import.
    let (s, dry) = api.post_raw("/api/v1/companies:import?dryRun=true", "text/csv", SEED_002_CLIENTS.into()).await;
    assert_eq!(s, 200, "{dry}");
    assert_eq!(
        (dry["totalRows"].as_i64(), dry["createdCompanies"].as_i64(), dry["committed"].as_bool()),
        (Some(1), Some(1), None)
    );
    let (_, list) = api.get("/api/v1/companies").await;
    assert_eq!(list["companies"].as_array().map(Vec::len).unwrap_or(0), 0, "dry run wrote nothing");
    let (s, report) = api.post_raw("/api/v1/companies:import", "text/csv", SEED_002_CLIENTS.into()).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["committed"], true);
    assert_eq!(report["createdContacts"], 1);
    let (s, report) = api.post_raw("/api/v1/companies:import", "text/csv", alga_fixture()).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!((report["createdCompanies"].as_i64(), report["committed"].as_bool()), (Some(1), Some(true)));
    assert_eq!(report["ignoredColumns"], json!(["location_name"]));
    // Re-importing creates no duplicates.
    let (_, again) = api.post_raw("/api/v1/companies:import", "text/csv", SEED_002_CLIENTS.into()).await;
    assert_eq!((again["skippedRows"].as_i64(), again["createdCompanies"].as_i64()), (Some(1), None));

    let acme = company_id(&api, "acme").await;
    let (_, acme_body) = api.get(&format!("/api/v1/companies/{acme}")).await;
    assert_eq!(acme_body["companySize"], "COMPANY_SIZE_LARGE");
    assert_eq!(acme_body["address"]["line1"], "123 Main St, New York, NY 10001");
    let hatter = company_id(&api, "Mad Hatter").await;
    let (_, hatter_body) = api.get(&format!("/api/v1/companies/{hatter}")).await;
    assert_eq!(hatter_body["tags"], json!(["Tea", "Party Planning", "Whimsical"]));
    assert_eq!(hatter_body["address"]["city"], "Wonderland");
    let (_, contacts) =
        api.get(&format!("/api/v1/contacts?filter={}", urlencode(&format!("company_id=\"{acme}\"")))).await;
    assert_eq!(contacts["contacts"][0]["email"], "john.smith@acme.com");
    assert_eq!(contacts["contacts"][0]["contactType"], "CONTACT_TYPE_PRIMARY");

    // Tickets: numbered per tenant, notes internal and public.
    let (s, t1) = api
        .post("/api/v1/tickets", &json!({"title": "Email down", "companyId": acme, "priority": "TICKET_PRIORITY_HIGH"}))
        .await;
    assert_eq!(s, 200, "{t1}");
    assert_eq!(t1["number"], "T-000001");
    assert_eq!(t1["status"], "TICKET_STATUS_NEW");
    let t1_id = t1["id"].as_str().unwrap().to_owned();
    for (body, vis) in [("Checked MX records", "NOTE_VISIBILITY_INTERNAL"), ("We are on it", "NOTE_VISIBILITY_PUBLIC")]
    {
        let (s, n) =
            api.post(&format!("/api/v1/tickets/{t1_id}/notes"), &json!({"body": body, "visibility": vis})).await;
        assert_eq!(s, 200, "{n}");
        assert_eq!(n["visibility"], vis);
    }
    let (_, notes) = api.get(&format!("/api/v1/tickets/{t1_id}/notes")).await;
    let bodies: Vec<&str> = notes["notes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Checked MX records", "We are on it"]);
    let (s, resolved) =
        api.patch(&format!("/api/v1/tickets/{t1_id}"), &json!({"status": "TICKET_STATUS_RESOLVED"})).await;
    assert_eq!(s, 200, "{resolved}");
    assert_eq!(
        (resolved["status"].as_str(), resolved["title"].as_str()),
        (Some("TICKET_STATUS_RESOLVED"), Some("Email down"))
    );
    assert!(resolved["resolveTime"].is_string());

    // More tickets for paging and filters; the list carries company names (projection).
    for i in 0..4 {
        let (s, t) =
            api.post("/api/v1/tickets", &json!({"title": format!("Hatter issue {i}"), "companyId": hatter})).await;
        assert_eq!(s, 200, "{t}");
    }
    let by_company = format!(
        "/api/v1/tickets?pageSize=3&filter={}",
        urlencode(&format!("company_id=\"{hatter}\" AND status=TICKET_STATUS_NEW"))
    );
    let first: Value = eventually(15, "company names in the ticket list", || async {
        let (_, page) = api.get(&by_company).await;
        (page["tickets"][0]["companyName"] == "Mad Hatter Tea Client").then_some(page)
    })
    .await;
    assert_eq!(first["tickets"].as_array().unwrap().len(), 3);
    let token = first["nextPageToken"].as_str().expect("a second page").to_owned();
    let (_, second) = api.get(&format!("{by_company}&pageToken={}", urlencode(&token))).await;
    assert_eq!(second["tickets"].as_array().unwrap().len(), 1);
    assert!(second["nextPageToken"].as_str().unwrap_or("").is_empty());
    let mut titles: Vec<String> = first["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["tickets"].as_array().unwrap())
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    assert_eq!(titles, ["Hatter issue 0", "Hatter issue 1", "Hatter issue 2", "Hatter issue 3"]);
    let (_, resolved_list) =
        api.get(&format!("/api/v1/tickets?filter={}", urlencode("status=TICKET_STATUS_RESOLVED"))).await;
    let resolved_list = resolved_list["tickets"].as_array().unwrap();
    assert_eq!(resolved_list.len(), 1);
    assert_eq!(resolved_list[0]["companyName"], "Acme Corporation");
    let (_, by_number) = api.get("/api/v1/tickets?orderBy=number%20desc&pageSize=1").await;
    assert_eq!(by_number["tickets"][0]["number"], "T-000005");

    // Refresh rotates; reusing the old refresh token revokes the session.
    let old_refresh = login["refreshToken"].as_str().unwrap().to_owned();
    let anon = Api::new(&stack.gateway_url(), None);
    let (s, rotated) = anon.post("/api/v1/auth/refresh", &json!({"refreshToken": old_refresh})).await;
    assert_eq!(s, 200, "{rotated}");
    let new_refresh = rotated["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, old_refresh);
    let fresh_api = Api::new(&stack.gateway_url(), rotated["accessToken"].as_str().map(str::to_owned));
    let (s, me) = fresh_api.get("/api/v1/auth/me").await;
    assert_eq!((s, me["email"].as_str()), (200, Some(admin.email.as_str())));
    let (s, reuse) = anon.post("/api/v1/auth/refresh", &json!({"refreshToken": old_refresh})).await;
    assert_eq!(s, 401, "{reuse}");
    assert_eq!(reuse["status"], 401);
    // The whole session is gone: the rotated refresh token and both access tokens are refused.
    let (s, _) = anon.post("/api/v1/auth/refresh", &json!({"refreshToken": new_refresh})).await;
    assert_eq!(s, 401);
    let (s, _) = fresh_api.get("/api/v1/tickets").await;
    assert_eq!(s, 401);
    let (s, _) = api.get("/api/v1/companies").await;
    assert_eq!(s, 401);
    // A new login works, and logout ends that session too.
    let (api2, login2) = stack.login(&admin).await;
    assert_eq!(api2.get("/api/v1/tickets").await.0, 200);
    let (s, _) = anon.post("/api/v1/auth/logout", &json!({"refreshToken": login2["refreshToken"]})).await;
    assert_eq!(s, 200);
    assert_eq!(api2.get("/api/v1/tickets").await.0, 401);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn login_errors_do_not_reveal_accounts() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme-msp").await;
    let anon = Api::new(&stack.gateway_url(), None);
    let mut details = Vec::new();
    for (tenant, email, password) in [
        ("acme-msp", admin.email.as_str(), "wrong password!"),
        ("acme-msp", "nobody@acme.example", "whatever12345"),
        ("nope", admin.email.as_str(), admin.password.as_str()),
    ] {
        let (s, body) =
            anon.post("/api/v1/auth/login", &json!({"tenant": tenant, "email": email, "password": password})).await;
        assert_eq!(s, 401, "{body}");
        details.push(body["detail"].clone());
    }
    assert!(details.windows(2).all(|w| w[0] == w[1]), "same answer for every failure: {details:?}");
    let (s, body) = anon.post("/api/v1/auth/login", &json!({"tenant": "acme-msp"})).await;
    assert_eq!(s, 400, "{body}");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "password"]);
    assert_eq!(anon.get("/api/v1/companies").await.0, 401);
    let bad = Api::new(&stack.gateway_url(), Some("not.a.jwt".into()));
    assert_eq!(bad.get("/api/v1/companies").await.0, 401);
    stack.stop().await;
}
