//! The audit log over REST (issue 5): changes in every service captured by the database with
//! old and new values and the acting user, identity's security events, search, append-only at
//! the database level, coverage of every tenant table, and isolation.

use psa_core::PrincipalKind;
use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};
use sqlx::Executor as _;
use uuid::Uuid;

/// The entries of `api`'s tenant matching `filter` (URL-encoded here), newest first.
async fn audit(api: &Api, filter: &str) -> Vec<Value> {
    let q: String = url_encode(filter);
    let (s, body) = api.get(&format!("/api/v1/audit-logs?pageSize=200&filter={q}")).await;
    assert_eq!(s, 200, "{body}");
    body["auditLogs"].as_array().cloned().unwrap_or_default()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn wait_for(api: &Api, filter: &str, n: usize) -> Vec<Value> {
    eventually(20, &format!("{n} audit entries for {filter}"), || async {
        let rows = audit(api, filter).await;
        (rows.len() >= n).then_some(rows)
    })
    .await
}

async fn my_id(api: &Api) -> String {
    let (s, me) = api.get("/api/v1/auth/me").await;
    assert_eq!(s, 200, "{me}");
    me["userId"].as_str().or_else(|| me["user_id"].as_str()).expect("userId").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_in_every_service_are_audited_with_old_and_new_values() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let me = my_id(&api).await;

    // contracts: create, update (only changed columns), delete is not offered → archive
    let (s, company) = api.post("/api/v1/companies", &json!({"name": "Globex"})).await;
    assert_eq!(s, 200, "{company}");
    let cid = company["id"].as_str().unwrap().to_owned();
    let (s, body) = api.patch(&format!("/api/v1/companies/{cid}"), &json!({"name": "Globex Corp"})).await;
    assert_eq!(s, 200, "{body}");
    let rows = wait_for(&api, &format!("entity_type = \"companies\" AND entity_id = \"{cid}\""), 2).await;
    let create = rows.iter().find(|r| r["action"] == "create").expect("create entry");
    assert_eq!(create["service"], "contracts");
    assert_eq!(create["actorId"], me.as_str(), "the acting user");
    assert_eq!(create["newValues"]["name"], "Globex");
    assert!(create.get("oldValues").is_none_or(Value::is_null), "{create}");
    assert!(create["occurTime"].is_string());
    let update = rows.iter().find(|r| r["action"] == "update").expect("update entry");
    assert_eq!(update["oldValues"], json!({"name": "Globex"}), "only the changed column: {update}");
    assert_eq!(update["newValues"], json!({"name": "Globex Corp"}));
    assert_eq!(update["ipAddress"], "127.0.0.1", "client address seen by the gateway");

    // tickets: a ticket is audited by the tickets service
    let ticket = eventually(15, "ticket for the new company", || async {
        let (s, t) = api.post("/api/v1/tickets", &json!({"companyId": cid, "title": "Printer on fire"})).await;
        (s == 200).then_some(t)
    })
    .await;
    let tid = ticket["id"].as_str().unwrap();
    let rows = wait_for(&api, &format!("service = \"tickets\" AND entity_id = \"{tid}\""), 1).await;
    assert_eq!(rows[0]["entityType"], "tickets");
    assert_eq!(rows[0]["newValues"]["title"], "Printer on fire");

    // identity: a new user's password hash never appears, only "[redacted]"
    let (s, user) = api
        .post(
            "/api/v1/users",
            &json!({"email": "tech@acme.example", "password": "violet-otter-93", "roleIds": ["technician"]}),
        )
        .await;
    assert_eq!(s, 200, "{user}");
    let uid = user["id"].as_str().unwrap();
    let rows = wait_for(&api, &format!("entity_type = \"users\" AND entity_id = \"{uid}\""), 1).await;
    assert_eq!(rows[0]["newValues"]["password_hash"], "[redacted]", "{}", rows[0]);
    assert_eq!(rows[0]["newValues"]["email"], "tech@acme.example");

    // search by actor and action; time window; order
    let mine = audit(&api, &format!("actor_id = \"{me}\" AND action = \"create\"")).await;
    assert!(mine.len() >= 3 && mine.iter().all(|r| r["actorId"] == me.as_str() && r["action"] == "create"));
    let times: Vec<&str> = mine.iter().map(|r| r["occurTime"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (s, body) = api.get(&format!("/api/v1/audit-logs?startTime={future}")).await;
    assert_eq!((s, body.get("auditLogs")), (200, None), "nothing after now: {body}");
    let (s, body) = api.get("/api/v1/audit-logs?filter=colour%20%3D%20%22red%22").await;
    assert_eq!(s, 400, "unknown filter field: {body}");
    let (s, body) = api.get(&format!("/api/v1/audit-logs?startTime={future}&endTime=2020-01-01T00:00:00Z")).await;
    assert_eq!(s, 400, "end before start: {body}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_sign_outs_failures_api_key_use_and_secret_reveals_are_recorded() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let anon = Api::new(&stack.gateway_url(), None);
    let (s, _) = anon
        .post("/api/v1/auth/login", &json!({"tenant": "acme", "email": admin.email, "password": "wrong-password-1"}))
        .await;
    assert_eq!(s, 401);
    let (api, login) = stack.login(&admin).await;
    let me = my_id(&api).await;
    let (s, key) = api.post("/api/v1/api-keys", &json!({"name": "BI", "permissions": ["tickets.read"]})).await;
    assert_eq!(s, 200, "{key}");
    let key_id = key["apiKey"]["id"].as_str().unwrap().to_owned();
    let with_key = Api::new(&stack.gateway_url(), Some(key["secret"].as_str().unwrap().to_owned()));
    assert_eq!(with_key.get("/api/v1/tickets").await.0, 200);
    let (s, _) = anon.post("/api/v1/auth/logout", &json!({"refreshToken": login["refreshToken"]})).await;
    assert_eq!(s, 200);

    let (api, _) = stack.login(&admin).await;
    let failed = wait_for(&api, "action = \"login_failed\"", 1).await;
    assert_eq!(failed[0]["newValues"]["email"], admin.email.as_str());
    assert_eq!(failed[0]["newValues"]["reason"], "wrong_password");
    assert!(!failed[0].to_string().contains("wrong-password-1"), "the attempted password is never stored");
    let logins = wait_for(&api, "action = \"login\"", 2).await;
    assert!(logins.iter().all(|r| r["actorId"] == me.as_str() && r["entityType"] == "session"));
    wait_for(&api, "action = \"logout\"", 1).await;
    let used = wait_for(&api, "action = \"api_key_used\"", 1).await;
    assert_eq!(used[0]["entityId"], key_id.as_str());
    let revealed = wait_for(&api, "action = \"secret_revealed\"", 1).await;
    assert_eq!(
        (revealed[0]["entityId"].as_str(), &revealed[0]["newValues"]["secret"]),
        (Some(key_id.as_str()), &json!("api_key"))
    );
    // the key's hash is redacted in its create record; the secret appears nowhere
    let created = wait_for(&api, &format!("entity_type = \"api_keys\" AND entity_id = \"{key_id}\""), 1).await;
    assert_eq!(created[0]["newValues"]["key_hash"], "[redacted]");
    let all = audit(&api, "").await;
    assert!(!Value::Array(all).to_string().contains(key["secret"].as_str().unwrap()));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_audit_log_is_append_only_and_covers_every_tenant_table() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let (s, _) = api.post("/api/v1/companies", &json!({"name": "Initech"})).await;
    assert_eq!(s, 200);
    wait_for(&api, "entity_type = \"companies\"", 1).await;

    let mut db = stack.db().await;
    // as the service role: no UPDATE, DELETE or TRUNCATE privilege
    for stmt in
        ["update identity.audit_log set action = 'x'", "delete from identity.audit_log", "truncate identity.audit_log"]
    {
        let err =
            db.execute(format!("begin; set local role psa_identity; {stmt}; rollback").as_str()).await.expect_err(stmt);
        assert!(err.to_string().contains("permission denied"), "{stmt}: {err}");
        db.execute("rollback").await.unwrap();
    }
    // even the owner is stopped by the trigger
    let err = db.execute("update identity.audit_log set action = 'x'").await.expect_err("owner update");
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = db.execute("delete from identity.audit_log").await.expect_err("owner delete");
    assert!(err.to_string().contains("append-only"), "{err}");
    let n: i64 = sqlx::query_scalar("select count(*) from identity.audit_log").fetch_one(&mut db).await.unwrap();
    assert!(n >= 2, "entries survive");

    // every RLS table of every service is audited or says why not
    let missing: Vec<String> = sqlx::query_scalar(
        "select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where c.relkind = 'r' and c.relrowsecurity \
           and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'audit_capture') \
           and coalesce(obj_description(c.oid, 'pg_class'), '') not like 'audit-exempt: %' \
         order by 1",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(missing.is_empty(), "tenant tables without audit capture (enable_audit or exempt_from_audit): {missing:?}");
    let audited: i64 = sqlx::query_scalar("select count(*) from pg_trigger where tgname = 'audit_capture'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert!(audited >= 25, "tables of identity, contracts and tickets are audited: {audited}");
    // a tenant table whose migration neither audits nor exempts it gets the trigger anyway
    db.execute(
        "create table contracts.audit_probe (id uuid primary key, tenant_id uuid not null, secret text); \
         select contracts.enable_tenant_rls('contracts.audit_probe')",
    )
    .await
    .unwrap();
    // what a (re)starting contracts replica does: migrate, then the kit's start-up checks
    let config =
        psa_kit::config::DatabaseConfig { database_url: stack.database_url.clone(), database_max_connections: 1 };
    psa_kit::db::connect(&config, psa_contracts::DB, &psa_contracts::MIGRATOR).await.unwrap().close().await;
    let probe: i64 = sqlx::query_scalar(
        "select count(*) from pg_trigger where tgname = 'audit_capture' and tgrelid = 'contracts.audit_probe'::regclass",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(probe, 1, "audit capture added at start-up");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenants_see_only_their_own_audit_log_and_portal_users_none() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("alpha").await;
    let b = stack.create_tenant("bravo").await;
    let (api_a, _) = stack.login(&a).await;
    let (api_b, _) = stack.login(&b).await;
    let (s, company) = api_a.post("/api/v1/companies", &json!({"name": "Alpha Client"})).await;
    assert_eq!(s, 200);
    let cid = company["id"].as_str().unwrap().to_owned();
    wait_for(&api_a, &format!("entity_id = \"{cid}\""), 1).await;
    let (s, _) = api_b.post("/api/v1/companies", &json!({"name": "Bravo Client"})).await;
    assert_eq!(s, 200);
    wait_for(&api_b, "entity_type = \"companies\"", 1).await;

    let seen_b = audit(&api_b, "").await;
    assert!(!seen_b.is_empty());
    let text = Value::Array(seen_b).to_string();
    assert!(!text.contains(&cid) && !text.contains("Alpha Client"), "bravo sees nothing of alpha");
    assert!(audit(&api_b, &format!("entity_id = \"{cid}\"")).await.is_empty());

    // the CSV export applies the same filter and tenant
    let http = reqwest::Client::new();
    let export = |token: &str, filter: &str| {
        http.get(format!("{}/api/v1/audit-logs:export?filter={}", stack.gateway_url(), url_encode(filter)))
            .bearer_auth(token.to_owned())
            .send()
    };
    let res = export(api_a.token().unwrap(), "entity_type = \"companies\"").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("occur_time,service,entity_type,entity_id,action,actor_id"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(rows[0].contains(&cid) && rows[0].contains("Alpha Client") && rows[0].contains(",create,"), "{csv}");
    let csv_b = export(api_b.token().unwrap(), "").await.unwrap().text().await.unwrap();
    assert!(!csv_b.contains(&cid) && csv_b.contains("Bravo Client"), "{csv_b}");
    let res = export(api_a.token().unwrap(), "colour = \"red\"").await.unwrap();
    assert_eq!(res.status(), 400);

    // portal users and staff without audit.read get 403
    let portal = stack.portal_api(a.tenant_id, Uuid::parse_str(&cid).unwrap()).await;
    assert_eq!(portal.get("/api/v1/audit-logs").await.0, 403);
    assert_eq!(export(portal.token().unwrap(), "").await.unwrap().status(), 403);
    let claims = Stack::claims(a.tenant_id, PrincipalKind::Portal, &["audit.read"], Some(Uuid::now_v7()));
    let portal_with_perm = Api::new(&stack.gateway_url(), Some(stack.mint_token(&claims).await));
    assert_eq!(portal_with_perm.get("/api/v1/audit-logs").await.0, 403, "portal tokens never read the audit log");
    let tech = Stack::claims(a.tenant_id, PrincipalKind::Staff, &["tickets.read", "tickets.write"], None);
    let tech = Api::new(&stack.gateway_url(), Some(stack.mint_token(&tech).await));
    assert_eq!(tech.get("/api/v1/audit-logs").await.0, 403);

    // and RLS holds below the service: alpha's rows are invisible in bravo's transaction
    let mut db = stack.db().await;
    db.execute("set role psa_identity").await.unwrap();
    let mut tx = sqlx::Connection::begin(&mut db).await.unwrap();
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(b.tenant_id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let foreign: i64 = sqlx::query_scalar("select count(*) from identity.audit_log where tenant_id = $1")
        .bind(a.tenant_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(foreign, 0);
    stack.stop().await;
}

/// An import is one bulk operation for the audit log: every imported row gets its own
/// `create` entry by the importing user naming the job (not a copy of its columns); later
/// changes to an imported row are audited with old and new values as always.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn imported_rows_are_audited_as_created_by_their_import_job() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("bulk-audit").await;
    let (api, _) = stack.login(&admin).await;
    let me = my_id(&api).await;
    let csv = "name,industry,contactName,contactEmail\n\
               Initech,Software,Bill Lumbergh,bill@initech.example\n\
               Umbrella,Pharma,Albert Wesker,albert@umbrella.example\n\
               Hooli,,,\n";
    let (s, job) = api.post_raw("/api/v1/imports/clients", "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(job["created"], 3, "{job}");
    let job_id = job["id"].as_str().unwrap();

    let companies = wait_for(&api, "entity_type = \"companies\" AND action = \"create\"", 3).await;
    let contacts = wait_for(&api, "entity_type = \"contacts\" AND action = \"create\"", 2).await;
    assert_eq!((companies.len(), contacts.len()), (3, 2));
    let label = json!({ "bulk_operation": format!("import job {job_id}") });
    for entry in companies.iter().chain(&contacts) {
        assert_eq!(entry["newValues"], label, "{entry}");
        assert_eq!(entry["actorId"], me.as_str(), "{entry}");
        assert_eq!(entry["service"], "contracts");
    }
    // One entry per row: each names a distinct imported company.
    let (s, list) = api.get("/api/v1/companies?pageSize=10").await;
    assert_eq!(s, 200, "{list}");
    let mut listed: Vec<String> =
        list["companies"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    let mut audited: Vec<String> = companies.iter().map(|e| e["entityId"].as_str().unwrap().to_owned()).collect();
    listed.sort();
    audited.sort();
    assert_eq!(audited, listed);

    // A later change of an imported company is audited with its values.
    let hooli = list["companies"].as_array().unwrap().iter().find(|c| c["name"] == "Hooli").unwrap();
    let hid = hooli["id"].as_str().unwrap();
    let (s, body) = api.patch(&format!("/api/v1/companies/{hid}"), &json!({"name": "Hooli XYZ"})).await;
    assert_eq!(s, 200, "{body}");
    let rows = wait_for(&api, &format!("entity_id = \"{hid}\" AND action = \"update\""), 1).await;
    assert_eq!(
        (rows[0]["oldValues"].clone(), rows[0]["newValues"].clone()),
        (json!({"name": "Hooli"}), json!({"name": "Hooli XYZ"}))
    );

    // Another tenant sees none of it.
    let other = stack.create_tenant("bulk-audit-other").await;
    let (other_api, _) = stack.login(&other).await;
    assert!(audit(&other_api, &format!("entity_id = \"{hid}\"")).await.is_empty());
}
