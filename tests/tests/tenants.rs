//! SaaS tenant administration over REST (issue 5): the platform tenant's Super Admin
//! provisions, suspends and reactivates tenants and reads their usage; a suspended tenant is
//! refused by every service within seconds; nobody else may administer tenants.

use psa_core::PrincipalKind;
use psa_testkit::{Api, Stack, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn platform_super_admin_provisions_suspends_and_reactivates_a_tenant() {
    let stack = Stack::start().await;
    let operator = stack.create_platform_tenant("operator").await;
    let (op, _) = stack.login(&operator).await;

    // provision: the new admin can sign in with the password shown once
    let (s, created) = op
        .post("/api/v1/tenants", &json!({"slug": "acme", "name": "Acme MSP", "adminEmail": "boss@acme.example"}))
        .await;
    assert_eq!(s, 200, "{created}");
    let tid = created["tenant"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["tenant"]["state"], "ACTIVE");
    assert!(created["tenant"].get("platform").is_none_or(|p| p == false));
    let password = created["adminPassword"].as_str().unwrap().to_owned();
    assert!(password.len() >= 20);
    let acme = psa_testkit::TenantAdmin {
        tenant_id: tid.parse().unwrap(),
        slug: "acme".into(),
        email: "boss@acme.example".into(),
        password,
    };
    let (acme_api, acme_login) = stack.login(&acme).await;
    let (s, company) = acme_api.post("/api/v1/companies", &json!({"name": "Client One"})).await;
    assert_eq!(s, 200, "{company}");
    let (s, dup) =
        op.post("/api/v1/tenants", &json!({"slug": "acme", "name": "Again", "adminEmail": "x@acme.example"})).await;
    assert_eq!(s, 409, "{dup}");
    let (s, bad) = op.post("/api/v1/tenants", &json!({"slug": "Bad Slug", "name": "", "adminEmail": "nope"})).await;
    assert_eq!(s, 400, "{bad}");
    let fields: Vec<&str> =
        bad["errors"].as_array().map(|a| a.iter().filter_map(|v| v["field"].as_str()).collect()).unwrap_or_default();
    for f in ["slug", "name", "adminEmail"] {
        assert!(fields.contains(&f), "{f} in {bad}");
    }

    // the full export: every service's rows of acme only, JSON and CSV, secrets redacted
    let export = |token: String| {
        reqwest::Client::new()
            .get(format!("{}/api/v1/tenants/{tid}/export", stack.gateway_url()))
            .bearer_auth(token)
            .send()
    };
    let res = export(op.token().unwrap().to_owned()).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut f = zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the zip"));
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        s
    };
    let manifest: Value = serde_json::from_str(&read("manifest.json")).unwrap();
    assert_eq!(manifest["tenant"]["slug"], "acme");
    let companies: Value = serde_json::from_str(&read("contracts/companies.json")).unwrap();
    assert_eq!(companies.as_array().unwrap().len(), 1);
    assert_eq!(companies[0]["name"], "Client One");
    assert!(read("contracts/companies.csv").lines().nth(1).unwrap().contains("Client One"));
    let users: Value = serde_json::from_str(&read("identity/users.json")).unwrap();
    assert_eq!(users[0]["email"], "boss@acme.example");
    assert_eq!(users[0]["password_hash"], "[redacted]");
    let all: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert!(all.iter().any(|n| n == "identity/audit_log.json"), "{all:?}");
    let mut text = String::new();
    for i in 0..zip.len() {
        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut text).unwrap();
    }
    assert!(
        !text.contains(&operator.email) && !text.contains(&operator.tenant_id.to_string()),
        "nothing of the operator"
    );
    assert_eq!(
        export(acme_api.token().unwrap().to_owned()).await.unwrap().status(),
        403,
        "tenant admins cannot export"
    );

    // list and get
    let (s, list) = op.get("/api/v1/tenants").await;
    assert_eq!(s, 200);
    let slugs: Vec<&str> = list["tenants"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["acme", "operator"]);
    let (s, got) = op.get(&format!("/api/v1/tenants/{tid}")).await;
    assert_eq!((s, got["name"].as_str()), (200, Some("Acme MSP")));
    assert_eq!(op.get(&format!("/api/v1/tenants/{}", Uuid::now_v7())).await.0, 404);

    // usage; storage counts the files the tenant keeps (an emailed message's attachments)
    let (s, mailbox) = acme_api
        .post(
            "/api/v1/email-mailboxes",
            &json!({"name": "Support", "address": "support@acme.example", "defaultCompanyId": company["id"]}),
        )
        .await;
    assert_eq!(s, 200, "{mailbox}");
    let fixture = format!(
        "{}/../../shared/fixtures/email/05_mixed_alternative_related_inline-image_attachment.eml",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read(&fixture).expect("email fixture");
    let receive = format!(
        "/api/v1/email-mailboxes/{}/messages:receive?token={}",
        mailbox["id"].as_str().unwrap(),
        mailbox["inboundToken"].as_str().unwrap()
    );
    let (s, received) = Api::new(&stack.gateway_url(), None).post_raw(&receive, "message/rfc822", raw).await;
    assert_eq!(s, 200, "{received}");
    let (_, tickets) = acme_api.get("/api/v1/tickets").await;
    let ticket = tickets["tickets"][0]["id"].as_str().expect("a ticket from the email").to_owned();
    let (_, files) = acme_api.get(&format!("/api/v1/tickets/{ticket}/attachments")).await;
    let stored: i64 = files["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| a["sizeBytes"].as_str().and_then(|n| n.parse::<i64>().ok()).unwrap_or(0))
        .sum();
    assert!(stored > 0, "{files}");
    let usage = eventually(20, "ticket and files counted in usage", || async {
        let (s, u) = op.get(&format!("/api/v1/tenants/{tid}/usage")).await;
        assert_eq!(s, 200, "{u}");
        let n = |k: &str| u[k].as_str().and_then(|n| n.parse::<i64>().ok()).unwrap_or(0);
        (n("auditLogEntries") >= 2 && n("storageBytes") == stored).then_some(u)
    })
    .await;
    assert_eq!(usage["users"], "1");
    assert_eq!(usage["activeUsers"], "1");
    assert_eq!(usage["openSessions"], "1");
    assert_eq!(usage["tickets"], "1", "the emailed ticket: {usage}");

    // suspend: every service refuses acme's token, logins and refreshes are refused
    let (s, t) = op.post(&format!("/api/v1/tenants/{tid}/suspend"), &json!({})).await;
    assert_eq!((s, t["state"].as_str()), (200, Some("SUSPENDED")), "{t}");
    assert!(t["suspendTime"].is_string());
    for path in ["/api/v1/companies", "/api/v1/tickets", "/api/v1/users"] {
        let (s, body) = acme_api.get(path).await;
        assert_eq!(s, 403, "{path}: {body}");
    }
    let anon = Api::new(&stack.gateway_url(), None);
    let (s, _) = anon
        .post("/api/v1/auth/login", &json!({"tenant": "acme", "email": acme.email, "password": acme.password}))
        .await;
    assert_eq!(s, 401);
    let (s, _) = anon.post("/api/v1/auth/refresh", &json!({"refreshToken": acme_login["refreshToken"]})).await;
    assert_eq!(s, 401);
    // idempotent; the platform tenant cannot be suspended
    assert_eq!(op.post(&format!("/api/v1/tenants/{tid}/suspend"), &json!({})).await.0, 200);
    let (s, body) = op.post(&format!("/api/v1/tenants/{}/suspend", operator.tenant_id), &json!({})).await;
    assert_eq!(s, 400, "{body}");
    assert_eq!(op.get("/api/v1/companies").await.0, 200, "the operator is unaffected");

    // reactivate
    let (s, t) = op.post(&format!("/api/v1/tenants/{tid}/reactivate"), &json!({})).await;
    assert_eq!((s, t["state"].as_str()), (200, Some("ACTIVE")), "{t}");
    assert!(t.get("suspendTime").is_none_or(Value::is_null));
    assert_eq!(acme_api.get("/api/v1/companies").await.0, 200);
    stack.login(&acme).await;

    // the operator's audit log has the administration events
    let (s, log) = op.get("/api/v1/audit-logs?filter=entity_type%20%3D%20%22tenant%22&orderBy=occur_time").await;
    assert_eq!(s, 200, "{log}");
    let actions: Vec<&str> =
        log["auditLogs"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["tenant_created", "tenant_suspended", "tenant_suspended", "tenant_reactivated"]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_the_platform_super_admin_administers_tenants() {
    let stack = Stack::start().await;
    let operator = stack.create_platform_tenant("operator").await;
    let other = stack.create_tenant("other").await;
    let routes = |id: Uuid| {
        vec![
            (reqwest::Method::GET, "/api/v1/tenants".to_owned()),
            (reqwest::Method::GET, format!("/api/v1/tenants/{id}")),
            (reqwest::Method::POST, "/api/v1/tenants".to_owned()),
            (reqwest::Method::POST, format!("/api/v1/tenants/{id}/suspend")),
            (reqwest::Method::POST, format!("/api/v1/tenants/{id}/reactivate")),
            (reqwest::Method::GET, format!("/api/v1/tenants/{id}/usage")),
        ]
    };
    let call = |api: Api, method: reqwest::Method, path: String| async move {
        let body = (method == reqwest::Method::POST).then(|| {
            let create = path == "/api/v1/tenants";
            psa_testkit::RequestBody::Json(if create {
                json!({"slug": "x-y", "name": "X", "adminEmail": "a@x.example"})
            } else {
                json!({})
            })
        });
        api.send(method, &path, body).await.0
    };

    // the other tenant's admin (Admin role) — and even a Super Admin token of a non-platform
    // tenant — are refused; so are portal users and the operator's plain Admins
    let (other_admin, _) = stack.login(&other).await;
    let st = &stack;
    let mint = |tenant, kind, perms: &[&str], company| {
        let claims = Stack::claims(tenant, kind, perms, company);
        async move { Api::new(&st.gateway_url(), Some(st.mint_token(&claims).await)) }
    };
    let platform_perms = ["tenants.read", "tenants.write"];
    let foreign_super = mint(other.tenant_id, PrincipalKind::Staff, &platform_perms, None).await;
    let portal = mint(operator.tenant_id, PrincipalKind::Portal, &platform_perms, Some(Uuid::now_v7())).await;
    let (op, _) = stack.login(&operator).await;
    let (s, plain) = op
        .post(
            "/api/v1/users",
            &json!({"email": "plain@operator.example", "password": "violet-otter-93", "roleIds": ["admin"]}),
        )
        .await;
    assert_eq!(s, 200, "{plain}");
    let plain_admin = psa_testkit::TenantAdmin {
        tenant_id: operator.tenant_id,
        slug: "operator".into(),
        email: "plain@operator.example".into(),
        password: "violet-otter-93".into(),
    };
    let (plain_api, _) = stack.login(&plain_admin).await;
    for (who, api) in [
        ("other admin", other_admin),
        ("foreign super admin", foreign_super),
        ("portal", portal),
        ("plain admin", plain_api),
    ] {
        for (method, path) in routes(other.tenant_id) {
            let status = call(api.clone(), method.clone(), path.clone()).await;
            assert_eq!(status, 403, "{who}: {method} {path}");
        }
    }
    // a real Super Admin role in a non-platform tenant yields a token without tenants.*
    let mut db = stack.db().await;
    sqlx::query(
        "insert into identity.user_roles (tenant_id, user_id, role) \
         select tenant_id, id, 'super_admin' from identity.users where tenant_id = $1",
    )
    .bind(other.tenant_id)
    .execute(&mut db)
    .await
    .unwrap();
    let (sa_api, _) = stack.login(&other).await;
    let (_, me) = sa_api.get("/api/v1/auth/me").await;
    let perms: Vec<&str> = me["permissions"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(perms.contains(&"audit.read") && !perms.contains(&"tenants.read"), "{perms:?}");
    assert_eq!(sa_api.get("/api/v1/tenants").await.0, 403);
    // nothing changed
    assert_eq!(stack.login(&other).await.0.get("/api/v1/companies").await.0, 200);
    stack.stop().await;
}
