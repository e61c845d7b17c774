//! Bulk CSV import and export over REST through the gateway (issue #3 "Bulk import and
//! export"): every import type in seed 002's layouts with good and bad files, all-or-nothing
//! vs valid rows, re-imports without duplicates, templates, progress over SSE, tenant and
//! portal isolation of jobs, and CSV export of lists honouring the filter.

use std::time::Duration;

use psa_testkit::{Api, Stack};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLIENTS: &str = "name,industry,companySize,status,source,address,website,notes,contactName,contactEmail,contactPhone,contactTitle\n\
\"Acme Corporation\",\"Technology\",\"Large\",\"active\",\"referral\",\"123 Main St, New York, NY 10001\",\"https://acme.com\",\"Primary technology client\",\"John Smith\",\"john.smith@acme.com\",\"+1-555-0123\",\"CTO\"\n\
\"Globex\",\"Manufacturing\",\"medium\",\"prospect\",\"web\",\"\",\"globex.example\",\"\",\"\",\"\",\"\",\"\"\n";

const SERVICES: &str = "name,category,description,deliveryModel,basePrice,pricingUnit,isActive\n\
\"24/7 SOC Monitoring\",\"Security Operations\",\"Continuous security monitoring and threat detection\",\"Managed Service\",\"5000.00\",\"monthly\",\"true\"\n\
\"EDR\",\"Endpoint\",\"Endpoint detection\",\"serverless\",\"12.50\",\"per_endpoint\",\"true\"\n";

const CONTRACTS: &str = "clientName,contractName,startDate,endDate,totalValue,status,autoRenewal,renewalTerms,notes\n\
\"Acme Corporation\",\"SOC Monitoring Agreement\",\"2024-01-01\",\"2024-12-31\",\"120000.00\",\"active\",\"true\",\"12 months\",\"Annual SOC monitoring contract\"\n";

const SCOPES: &str = "clientName,contractName,serviceName,description,startDate,endDate,status,deliverables,timeline,notes,scope.endpoints,scope.edr_platform\n\
\"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"Monitoring\",\"2024-01-01\",\"2024-12-31\",\"active\",\"Threat detection|Incident response\",\"12 months\",\"Primary\",\"\",\"\"\n\
\"Acme Corporation\",\"SOC Monitoring Agreement\",\"EDR\",\"EDR\",\"2024-01-01\",\"2024-12-31\",\"active\",\"\",\"\",\"\",\"250\",\"CrowdStrike\"\n";

const SAFS: &str = "clientName,contractName,serviceScopeName,safNumber,title,description,startDate,endDate,status,value,notes\n\
\"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"SAF-2024-001\",\"SOC Monitoring Authorization\",\"Authorization for 24/7 security monitoring services\",\"2024-01-01\",\"2024-12-31\",\"approved\",\"60000.00\",\"First half payment authorization\"\n";

const COCS: &str = "clientName,contractName,serviceScopeName,safNumber,cocNumber,title,description,complianceType,issueDate,expiryDate,status,auditDate,nextAuditDate,notes\n\
\"Acme Corporation\",\"SOC Monitoring Agreement\",\"24/7 SOC Monitoring\",\"SAF-2024-001\",\"COC-2024-001\",\"SOC 2 Type II Compliance\",\"SOC 2 Type II compliance certificate\",\"SOC2\",\"2024-06-01\",\"2025-06-01\",\"active\",\"2024-05-15\",\"2025-05-15\",\"Annual SOC 2 certification\"\n";

async fn import(api: &Api, kind: &str, query: &str, csv: &str) -> (u16, Value) {
    api.post_raw(&format!("/api/v1/imports/{kind}{query}"), "text/csv", csv.as_bytes().to_vec()).await
}

/// (line, column) of every reported bad row.
fn bad(job: &Value) -> Vec<(i64, String)> {
    job["errors"]
        .as_array()
        .map(|a| {
            a.iter().map(|e| (e["line"].as_i64().unwrap_or(0), e["field"].as_str().unwrap_or("").to_owned())).collect()
        })
        .unwrap_or_default()
}

fn counts(job: &Value) -> (i64, i64, i64, bool) {
    let n = |k: &str| job[k].as_i64().unwrap_or(0);
    (n("created"), n("skipped"), n("rowsBad"), job["committed"].as_bool().unwrap_or(false))
}

async fn text(stack: &Stack, api: &Api, path: &str) -> (u16, String, String) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", stack.gateway_url()))
        .bearer_auth(api.token().unwrap_or_default())
        .send()
        .await
        .expect("gateway");
    let status = res.status().as_u16();
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, ct, res.text().await.unwrap_or_default())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_type_imports_reports_and_reimports_without_duplicates() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("imp-msp").await;
    let (api, _) = stack.login(&admin).await;

    // Templates: header + example row, as CSV.
    for kind in ["clients", "contracts", "services", "service-scopes", "safs", "cocs"] {
        let (s, ct, body) = text(&stack, &api, &format!("/api/v1/imports/{kind}/template")).await;
        assert_eq!(s, 200, "{kind}: {body}");
        assert!(ct.starts_with("text/csv"), "{ct}");
        assert_eq!(body.lines().count(), 2, "{kind}: {body}");
    }
    assert_eq!(text(&stack, &api, "/api/v1/imports/widgets/template").await.0, 404);

    // Clients.
    let (s, job) = import(&api, "clients", "", CLIENTS).await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(job["state"], "IMPORT_JOB_STATE_SUCCEEDED");
    assert_eq!(counts(&job), (2, 0, 0, true));
    assert_eq!(job["rowsRead"], 2);
    let (_, job_again) = api.get(&format!("/api/v1/imports/{}", job["id"].as_str().unwrap())).await;
    assert_eq!(job_again["created"], 2);
    let (_, contacts) = api.get("/api/v1/contacts").await;
    assert_eq!(contacts["contacts"].as_array().map(Vec::len), Some(1), "{contacts}");

    // Services, then a scope template on EDR (details are checked against it).
    let (s, job) = import(&api, "services", "", SERVICES).await;
    assert_eq!((s, counts(&job)), (200, (2, 0, 0, true)), "{job}");
    let (_, services) = api.get(&format!("/api/v1/services?filter={}", enc("name=\"EDR\""))).await;
    let edr = services["services"][0]["id"].as_str().expect("EDR imported").to_owned();
    assert_eq!(services["services"][0]["pricingUnit"], "PRICING_UNIT_PER_ENDPOINT");
    let (s, t) = api
        .post(
            &format!("/api/v1/services/{edr}/scope-templates"),
            &json!({"schema": {"type": "object", "required": ["endpoints"], "properties": {
                "endpoints": {"type": "integer", "minimum": 1},
                "edr_platform": {"type": "string", "enum": ["CarbonBlack", "CrowdStrike", "SentinelOne"]}}}}),
        )
        .await;
    assert_eq!(s, 200, "{t}");

    // Contracts, scopes, SAFs, COCs: references resolved by name.
    for (kind, csv, n) in
        [("contracts", CONTRACTS, 1), ("service-scopes", SCOPES, 2), ("safs", SAFS, 1), ("cocs", COCS, 1)]
    {
        let (s, job) = import(&api, kind, "", csv).await;
        assert_eq!(s, 200, "{kind}: {job}");
        assert_eq!(counts(&job), (n, 0, 0, true), "{kind}: {job}");
    }
    let (_, contracts) = api.get("/api/v1/contracts").await;
    let contract = &contracts["contracts"][0];
    assert_eq!(contract["status"], "CONTRACT_STATUS_ACTIVE");
    assert_eq!(contract["value"], "120000.00");
    let (_, scopes) = api.get("/api/v1/service-scopes").await;
    let scopes = scopes["serviceScopes"].as_array().cloned().unwrap_or_default();
    assert_eq!(scopes.len(), 2);
    let edr_scope = scopes.iter().find(|s| s["serviceId"] == edr.as_str()).expect("EDR scope");
    assert_eq!(edr_scope["scopeDetails"]["endpoints"].as_f64(), Some(250.0));
    assert_eq!(edr_scope["templateVersion"], 1);
    let (_, safs) = api.get("/api/v1/safs").await;
    assert_eq!(safs["safs"][0]["number"], "SAF-2024-001");
    assert_eq!(safs["safs"][0]["status"], "SAF_STATUS_SIGNED");
    let (_, cocs) = api.get("/api/v1/cocs").await;
    assert_eq!(cocs["cocs"][0]["cocType"], "COC_TYPE_SOC2");
    assert!(!cocs["cocs"][0]["safId"].as_str().unwrap_or("").is_empty(), "{cocs}");

    // Re-importing every file creates nothing: every row is skipped.
    for (kind, csv, n) in [
        ("clients", CLIENTS, 2),
        ("services", SERVICES, 2),
        ("contracts", CONTRACTS, 1),
        ("service-scopes", SCOPES, 2),
        ("safs", SAFS, 1),
        ("cocs", COCS, 1),
    ] {
        let (s, job) = import(&api, kind, "", csv).await;
        assert_eq!(s, 200, "{kind}: {job}");
        assert_eq!(counts(&job), (0, n, 0, true), "{kind} re-import: {job}");
    }
    let (_, companies) = api.get("/api/v1/companies").await;
    assert_eq!(companies["companies"].as_array().map(Vec::len), Some(2));
    let (_, all_scopes) = api.get("/api/v1/service-scopes").await;
    assert_eq!(all_scopes["serviceScopes"].as_array().map(Vec::len), Some(2));

    // Bad files: every bad row reported by line and column; all-or-nothing commits nothing.
    let bad_clients =
        "name,companySize,contactEmail,contactName\nGood One,small,,\n,huge,,\nMail,,nope,Bob\nGood One,,,\n";
    let (s, job) = import(&api, "clients", "", bad_clients).await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(
        bad(&job),
        [(3, "companySize".into()), (3, "name".into()), (4, "contactEmail".into()), (5, "name".into())]
    );
    assert_eq!(counts(&job), (1, 0, 3, false), "{job}");
    let (_, list) = api.get(&format!("/api/v1/companies?filter={}", enc("name=\"Good One\""))).await;
    assert_eq!(list["companies"].as_array().map(Vec::len).unwrap_or(0), 0, "all-or-nothing wrote nothing: {list}");

    let bad_contracts = "clientName,contractName,startDate,endDate,totalValue,status\n\
                         Acme Corporation,Second,2025-01-01,,100.00,draft\n\
                         Nobody Inc,Third,2025-01-01,,100.00,draft\n\
                         Globex,Fourth,2025-02-30,,12.345678,draft\n";
    let (_, job) = import(&api, "contracts", "", bad_contracts).await;
    assert_eq!(bad(&job), [(3, "clientName".into()), (4, "startDate".into()), (4, "totalValue".into())], "{job}");
    assert_eq!(counts(&job), (1, 0, 2, false));
    // "Import the valid rows" commits the good one, and says so.
    let (_, job) = import(&api, "contracts", "?mode=valid_rows", bad_contracts).await;
    assert_eq!(counts(&job), (1, 0, 2, true), "{job}");
    assert_eq!(job["mode"], "IMPORT_MODE_VALID_ROWS");
    let (_, contracts) = api.get(&format!("/api/v1/contracts?filter={}", enc("name=\"Second\""))).await;
    assert_eq!(contracts["contracts"].as_array().map(Vec::len), Some(1), "{contracts}");

    let bad_services = "name,deliveryModel,basePrice,pricingUnit\nX,teleport,1,monthly\nY,hybrid,abc,weekly\n";
    let (_, job) = import(&api, "services", "", bad_services).await;
    assert_eq!(bad(&job), [(2, "deliveryModel".into()), (3, "pricingUnit".into()), (3, "basePrice".into())], "{job}");
    let bad_scopes = "clientName,contractName,serviceName,scope.endpoints,scope.color\n\
                      Acme Corporation,SOC Monitoring Agreement,Nothing,,\n\
                      Acme Corporation,Second,EDR,0,\n\
                      Acme Corporation,Second,EDR,5,red\n";
    let (_, job) = import(&api, "service-scopes", "", bad_scopes).await;
    assert_eq!(
        bad(&job),
        [(2, "serviceName".into()), (3, "scope.endpoints".into()), (4, "scope.color".into())],
        "{job}"
    );
    let bad_safs = "clientName,contractName,safNumber,title,status\nAcme Corporation,SOC Monitoring Agreement,SAF-2,,lost\nAcme Corporation,Nope,SAF-3,T,draft\n";
    let (_, job) = import(&api, "safs", "", bad_safs).await;
    assert_eq!(bad(&job), [(2, "title".into()), (2, "status".into()), (3, "contractName".into())], "{job}");
    let bad_cocs = "clientName,contractName,cocNumber,title,complianceType,safNumber\n\
                    Acme Corporation,SOC Monitoring Agreement,COC-2,T,SOC9,SAF-2024-001\n\
                    Acme Corporation,SOC Monitoring Agreement,COC-3,T,HIPAA,\n\
                    Acme Corporation,SOC Monitoring Agreement,COC-4,T,HIPAA,SAF-404\n";
    let (_, job) = import(&api, "cocs", "", bad_cocs).await;
    assert_eq!(bad(&job), [(2, "complianceType".into()), (3, "safNumber".into()), (4, "safNumber".into())], "{job}");

    // File-level problems: 400 on `csv`, the job is FAILED and commits nothing.
    let (s, p) = import(&api, "contracts", "", "clientName,startDate\nAcme,2024-01-01\n").await;
    assert_eq!(s, 400, "{p}");
    assert!(p.to_string().contains("contractName"), "{p}");
    let (s, p) = import(&api, "clients", "?mode=valid_rows", "name,industry\nFine Co,x\n\"Broken,Tech\n").await;
    assert_eq!(s, 400, "{p}");
    assert!(p.to_string().contains("unterminated"), "{p}");
    let (_, list) = api.get(&format!("/api/v1/companies?filter={}", enc("name=\"Fine Co\""))).await;
    assert_eq!(list["companies"].as_array().map(Vec::len).unwrap_or(0), 0);
    let (s, p) = import(&api, "clients", "?mode=sometimes", CLIENTS).await;
    assert_eq!(s, 400, "{p}");
    assert_eq!(import(&api, "widgets", "", CLIENTS).await.0, 404);

    // Multipart upload (as the web client sends it), with the mode as a form field.
    let form = reqwest::multipart::Form::new().text("mode", "valid_rows").part(
        "file",
        reqwest::multipart::Part::bytes(b"name\nForm Co\n".to_vec())
            .file_name("form.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/imports/clients", stack.gateway_url()))
        .bearer_auth(api.token().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let job: Value = res.json().await.unwrap();
    assert_eq!((job["fileName"].as_str(), job["created"].as_i64()), (Some("form.csv"), Some(1)), "{job}");
    stack.stop().await;
}

/// Sends `head`, waits for `between` to finish, then sends `tail`: a slow upload over HTTP/1.1
/// chunked encoding. Returns the status line and body.
async fn slow_upload(
    addr: &str,
    path: &str,
    token: &str,
    head: Vec<u8>,
    tail: Vec<u8>,
    between: impl std::future::Future<Output = ()>,
) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    tcp.write_all(format!("{:x}\r\n", head.len()).as_bytes()).await.unwrap();
    tcp.write_all(&head).await.unwrap();
    tcp.write_all(b"\r\n").await.unwrap();
    tcp.flush().await.unwrap();
    between.await;
    tcp.write_all(format!("{:x}\r\n", tail.len()).as_bytes()).await.unwrap();
    tcp.write_all(&tail).await.unwrap();
    tcp.write_all(b"\r\n0\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads SSE events (`(event, data)`) from `res` until the stream ends.
async fn sse_events(mut res: reqwest::Response) -> Vec<(String, Value)> {
    let mut buf = String::new();
    let mut events = Vec::new();
    while let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_secs(60), res.chunk()).await.expect("SSE stalled") {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut name = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !name.is_empty() {
                events.push((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn progress_streams_over_sse_jobs_are_isolated_and_lists_export_as_csv() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("imp-a").await;
    let b = stack.create_tenant("imp-b").await;
    let (api, _) = stack.login(&a).await;
    let (api_b, _) = stack.login(&b).await;

    // 1.5 batches of rows: the first 1.25 batches arrive, one batch is processed, then the SSE
    // stream opens and sees progress before the rest of the file arrives.
    let batch = psa_contracts::app::imports::CLIENT_BATCH;
    let total = batch * 3 / 2;
    let rows: Vec<String> = (1..=total).map(|i| format!("Bulk {i:04},Tech,small,active\n")).collect();
    let head = format!("name,industry,companySize,status\n{}", rows[..batch * 5 / 4].concat()).into_bytes();
    let tail = rows[batch * 5 / 4..].concat().into_bytes();
    let job_id = uuid::Uuid::new_v4().to_string();
    let url = stack.gateway_url();
    let addr = url.trim_start_matches("http://").to_owned();
    let token = api.token().unwrap().to_owned();
    let (sse_tx, sse_rx) = tokio::sync::oneshot::channel();
    let between = {
        let (api, job_id, url, token) =
            (Api::new(&url, Some(token.clone())), job_id.clone(), url.clone(), token.clone());
        async move {
            psa_testkit::eventually(30, "the first batch", || {
                let api = &api;
                let job_id = &job_id;
                async move {
                    let (s, j) = api.get(&format!("/api/v1/imports/{job_id}")).await;
                    (s == 200 && j["rowsRead"].as_i64().unwrap_or(0) >= batch as i64).then_some(())
                }
            })
            .await;
            let res = reqwest::Client::new()
                .get(format!("{url}/api/v1/imports/{job_id}/events"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200);
            assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
            let _ = sse_tx.send(tokio::spawn(sse_events(res)));
        }
    };
    let response = slow_upload(
        &addr,
        &format!("/api/v1/imports/clients?jobId={job_id}&fileName=bulk.csv"),
        &token,
        head,
        tail,
        between,
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let events = sse_rx.await.unwrap().await.unwrap();
    let (last, progress) = events.split_last().expect("events");
    assert_eq!(last.0, "completed", "{events:?}");
    assert_eq!((last.1["rowsRead"].as_i64(), last.1["created"].as_i64()), (Some(total as i64), Some(total as i64)));
    assert_eq!(last.1["committed"], true);
    assert!(!progress.is_empty(), "progress before completion: {events:?}");
    assert!(progress.iter().all(|(n, j)| n == "progress" && j["state"] == "IMPORT_JOB_STATE_RUNNING"), "{events:?}");
    assert!(
        progress[0].1["rowsRead"].as_i64().is_some_and(|n| (batch as i64..total as i64).contains(&n)),
        "mid-file progress: {events:?}"
    );
    // A finished job's stream gives the final state at once.
    let res = reqwest::Client::new()
        .get(format!("{url}/api/v1/imports/{job_id}/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let again = sse_events(res).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].0, "completed");
    // The same job id cannot be used twice.
    let (s, _) = import(&api, "clients", &format!("?jobId={job_id}"), CLIENTS).await;
    assert_eq!(s, 409);

    // Isolation: tenant B sees neither the job, its events, nor A's rows in exports; a portal
    // user of A (no imports.* permission) cannot read the job or import.
    let (s, _) = api_b.get(&format!("/api/v1/imports/{job_id}")).await;
    assert_eq!(s, 404);
    let (s, _, _) = text(&stack, &api_b, &format!("/api/v1/imports/{job_id}/events")).await;
    assert_eq!(s, 404);
    let (_, companies) = api.get(&format!("/api/v1/companies?filter={}", enc("name=\"Bulk 0001\""))).await;
    let company: uuid::Uuid = companies["companies"][0]["id"].as_str().unwrap().parse().unwrap();
    let portal = stack.portal_api(a.tenant_id, company).await;
    assert_eq!(portal.get(&format!("/api/v1/imports/{job_id}")).await.0, 403);
    assert_eq!(import(&portal, "clients", "", CLIENTS).await.0, 403);

    // Export honours the filter, streams every page (thousands of rows > one page), and stays within
    // the tenant.
    let (s, ct, csv) =
        text(&stack, &api, &format!("/api/v1/companies:export?filter={}", enc("name:\"Bulk 00\""))).await;
    assert_eq!(s, 200, "{csv}");
    assert!(ct.starts_with("text/csv"));
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let headers = r.headers().unwrap().clone();
    let name_col = headers.iter().position(|h| h == "name").expect("name column");
    assert!(headers.iter().any(|h| h == "companySize"), "{headers:?}");
    let names: Vec<String> = r.records().map(|rec| rec.unwrap()[name_col].to_owned()).collect();
    assert_eq!(names.len(), 99, "Bulk 0001..Bulk 0099");
    assert!(names.iter().all(|n| n.starts_with("Bulk 00")));
    let (_, _, all) = text(&stack, &api, "/api/v1/companies:export").await;
    assert_eq!(all.lines().count(), total + 1);
    let (_, _, other) = text(&stack, &api_b, "/api/v1/companies:export").await;
    assert_eq!(other.lines().count(), 1, "tenant B exports only its header: {other}");
    for list in ["contacts", "contracts", "services", "service-scopes", "safs", "cocs", "sites"] {
        let (s, ct, body) = text(&stack, &api, &format!("/api/v1/{list}:export")).await;
        assert_eq!(s, 200, "{list}: {body}");
        assert!(ct.starts_with("text/csv"), "{list}");
        assert!(body.lines().next().is_some_and(|h| h.contains("id")), "{list}: {body}");
    }
    let (s, _, body) = text(&stack, &api, &format!("/api/v1/companies:export?filter={}", enc("bogus = 1"))).await;
    assert_eq!(s, 400, "{body}");
    assert_eq!(text(&stack, &api, "/api/v1/nothing:export").await.0, 404);
    // Portal users export only their own company.
    let (s, _, own) = text(&stack, &portal, "/api/v1/companies:export").await;
    assert_eq!(s, 200, "{own}");
    assert_eq!(own.lines().count(), 2, "{own}");
    stack.stop().await;
}

/// Imports hardening (issue 3): every bad row of a job is reachable in pages beyond the 1000
/// the job lists; uploads over the gateway's limit are 413 and commit nothing (refused at once
/// by `Content-Length`, or cut off while streaming); jobs left RUNNING by a dead process are
/// failed once by the sweeper, however many replicas sweep; isolation of the error pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn error_pages_upload_limit_and_stale_job_sweeper() {
    let options = psa_testkit::StackOptions { import_max_bytes: 100_000, ..Default::default() };
    let stack = Stack::start_with(options).await;
    let admin = stack.create_tenant("imp-hard").await;
    let (api, _) = stack.login(&admin).await;

    // 1500 bad rows (no name) and 2 good ones, importing the valid rows.
    let mut csv = String::from("name,industry\n");
    for i in 0..1502 {
        if i == 700 || i == 1400 {
            csv.push_str(&format!("Good {i},Tech\n"));
        } else {
            csv.push_str(",Tech\n");
        }
    }
    let (st, job) = import(&api, "clients", "?mode=valid_rows", &csv).await;
    assert_eq!(st, 200, "{job}");
    assert_eq!(counts(&job), (2, 0, 1500, true), "{job}");
    assert_eq!(bad(&job).len(), 1000, "the job lists the first 1000");
    let jid = job["id"].as_str().unwrap().to_owned();
    let errors = format!("/api/v1/imports/{jid}/errors");
    let (st, p1) = api.get(&format!("{errors}?pageSize=1000")).await;
    assert_eq!(st, 200, "{p1}");
    assert_eq!((bad(&p1).len(), p1["totalSize"].as_i64()), (1000, Some(1500)));
    let token = p1["nextPageToken"].as_str().unwrap().to_owned();
    assert!(!token.is_empty());
    let (_, p2) = api.get(&format!("{errors}?pageSize=1000&pageToken={token}")).await;
    let rest = bad(&p2);
    assert_eq!(rest.len(), 500, "{p2}");
    assert!(p2["nextPageToken"].as_str().unwrap_or_default().is_empty(), "{p2}");
    let lines: Vec<i64> = bad(&p1).into_iter().chain(rest).map(|(l, _)| l).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "by line, no repeats");
    assert_eq!((lines[0], *lines.last().unwrap(), lines.len()), (2, 1503, 1500));
    let (_, d) = api.get(&errors).await;
    assert_eq!(bad(&d).len(), 100, "default page size");
    // Bad paging input → 400 naming the field; a token of another job is refused.
    let (st, p) = api.get(&format!("{errors}?pageSize=5000")).await;
    assert_eq!((st, fields(&p)), (400, vec!["pageSize".to_owned()]), "{p}");
    let (st, p) = api.get(&format!("{errors}?pageToken=garbage")).await;
    assert_eq!((st, fields(&p)), (400, vec!["pageToken".to_owned()]), "{p}");
    let (_, small) = import(&api, "clients", "?mode=valid_rows", "name,industry\n,Tech\n").await;
    let other_errors = format!("/api/v1/imports/{}/errors", small["id"].as_str().unwrap());
    let (st, p) = api.get(&format!("{other_errors}?pageToken={token}")).await;
    assert_eq!((st, fields(&p)), (400, vec!["pageToken".to_owned()]), "{p}");
    assert_eq!(api.get(&format!("/api/v1/imports/{}/errors", uuid::Uuid::now_v7())).await.0, 404);
    // Another tenant and portal users see no report.
    let (other, _) = stack.login(&stack.create_tenant("imp-hard-b").await).await;
    assert_eq!(other.get(&errors).await.0, 404);
    let company = id_of(&api.post("/api/v1/companies", &json!({"name": "Portal Co"})).await.1);
    let portal = stack.portal_api(admin.tenant_id, company.parse().unwrap()).await;
    assert!(matches!(portal.get(&errors).await.0, 403 | 404));

    // Over the limit (100 000 bytes): a declared length is refused before anything runs …
    let big: String =
        std::iter::once("name\n".to_owned()).chain((0..20_000).map(|i| format!("Big {i:05}\n"))).collect();
    assert!(big.len() > 100_000 + 65_536);
    let chosen = uuid::Uuid::now_v7();
    // Only the head is sent: the answer comes before any of the body is read (a client still
    // sending would see the connection closed under it instead of the answer).
    let addr = stack.gateway_url().trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/imports/clients?jobId={chosen} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        api.token().unwrap(),
        big.len()
    );
    tokio::io::AsyncWriteExt::write_all(&mut tcp, head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut tcp, &mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("100000 bytes"), "{answer}");
    assert_eq!(api.get(&format!("/api/v1/imports/{chosen}")).await.0, 404, "no job was started");
    // … and a multipart body within the declared slack is cut off once the file passes it:
    // the job fails as interrupted, nothing committed.
    let file: String =
        std::iter::once("name\n".to_owned()).chain((0..11_000).map(|i| format!("Cut {i:05}\n"))).collect();
    assert!(file.len() > 100_000 && file.len() < 100_000 + 60_000);
    let chosen = uuid::Uuid::now_v7();
    let form = format!(
        "--XX\r\nContent-Disposition: form-data; name=\"jobId\"\r\n\r\n{chosen}\r\n\
         --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--XX--\r\n"
    );
    let (st, p) = api.post_raw("/api/v1/imports/clients", "multipart/form-data; boundary=XX", form.into_bytes()).await;
    assert_eq!(st, 413, "{p}");
    let (st, j) = api.get(&format!("/api/v1/imports/{chosen}")).await;
    assert_eq!(st, 200, "{j}");
    assert_eq!(
        (j["state"].as_str(), j["committed"].as_bool().unwrap_or(false)),
        (Some("IMPORT_JOB_STATE_FAILED"), false),
        "{j}"
    );
    assert!(j["failure"].as_str().unwrap_or_default().contains("interrupted"), "{j}");
    let (_, cut) = api.get(&format!("/api/v1/companies?filter={}", enc(r#"name:"Cut ""#))).await;
    assert_eq!(cut["companies"].as_array().map_or(0, Vec::len), 0, "{cut}");
    // Under the limit still works.
    let (st, ok) = import(&api, "clients", "", "name\nSmall One\n").await;
    assert_eq!((st, counts(&ok)), (200, (1, 0, 0, true)), "{ok}");

    // The sweeper: a job RUNNING without progress for 10 minutes is failed by exactly one of
    // two racing sweeps (threshold 5 minutes); a fresh one is left alone.
    let mut db = stack.db().await;
    let (stale, fresh) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for (job, age) in [(stale, 600), (fresh, 0)] {
        sqlx::query(
            "insert into contracts.import_jobs (id, tenant_id, import_type, mode, created_by, created_at, updated_at) \
             values ($1, $2, 'clients', 'all_or_nothing', $2, now() - make_interval(secs => $3), now() - make_interval(secs => $3))",
        )
        .bind(job)
        .bind(admin.tenant_id)
        .bind(f64::from(age))
        .execute(&mut db)
        .await
        .unwrap();
    }
    let pool = psa_kit::db::connect(
        &psa_kit::config::DatabaseConfig { database_url: stack.database_url.clone(), database_max_connections: 4 },
        psa_contracts::DB,
        &psa_contracts::MIGRATOR,
    )
    .await
    .unwrap();
    let store = psa_kit::attachments::AttachmentStore::local(stack.attachments_dir.to_str().unwrap(), 1024).unwrap();
    let naming = psa_kit::events::Naming::new(&stack.nats);
    let replica = || {
        std::sync::Arc::new(psa_contracts::app::Contracts {
            pool: pool.clone(),
            naming: naming.clone(),
            attachments: store.clone(),
        })
    };
    let (one, two) = (replica(), replica());
    let (a, b) = tokio::join!(one.sweep_stale_imports(300), two.sweep_stale_imports(300));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let (_, j) = api.get(&format!("/api/v1/imports/{stale}")).await;
    assert_eq!(j["state"], "IMPORT_JOB_STATE_FAILED", "{j}");
    assert!(j["failure"].as_str().unwrap_or_default().contains("interrupted"), "{j}");
    let (_, j) = api.get(&format!("/api/v1/imports/{fresh}")).await;
    assert_eq!(j["state"], "IMPORT_JOB_STATE_RUNNING", "{j}");
    // The job runs on an interval: with a zero threshold it fails the fresh job too.
    let shutdown = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(psa_contracts::app::import_jobs::run_sweeper(
        replica(),
        Duration::from_millis(50),
        0,
        shutdown.clone(),
    ));
    psa_testkit::eventually(10, "the fresh job swept", || async {
        let (_, j) = api.get(&format!("/api/v1/imports/{fresh}")).await;
        (j["state"] == "IMPORT_JOB_STATE_FAILED").then_some(())
    })
    .await;
    shutdown.cancel();
    task.await.unwrap();
    let left: i64 =
        sqlx::query_scalar("select count(*) from contracts.running_import_jobs").fetch_one(&mut db).await.unwrap();
    assert_eq!(left, 0, "finished and failed jobs leave the running list");
    stack.stop().await;
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn fields(problem: &Value) -> Vec<String> {
    let mut f: Vec<String> = problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    f.sort();
    f
}
