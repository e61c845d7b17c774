//! LDAP bind login through the gateway against a private slapd the test starts
//! (psa_testkit::slapd): directory settings over REST (service password never returned,
//! isolation, portal users refused), sign-in by direct bind (DN template) and by search bind,
//! and the refusals: wrong password, unknown directory user, unknown and disabled local user,
//! directory down.

use psa_testkit::slapd::{PEOPLE, ROOT_DN, ROOT_PASSWORD, Slapd};
use psa_testkit::{Api, Stack};
use serde_json::{Value, json};

async fn ldap_login(stack: &Stack, body: Value) -> (u16, Value) {
    Api::new(&stack.gateway_url(), None).post("/api/v1/auth/login/ldap", &body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ldap_bind_login_with_template_and_search() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let other = stack.create_tenant("other").await;
    let (api, _) = stack.login(&admin).await;
    let (api_other, _) = stack.login(&other).await;
    let mut slapd = Slapd::start().await;
    slapd.add_person("ann", &admin.email, "ann-ldap-pass-1").await;
    slapd.add_person("bob", "bob@demo.example", "bob-ldap-pass-1").await;
    slapd.add_person("cy", "cy@demo.example", "cy-ldap-pass-1").await;
    let (s, _) = api
        .post(
            "/api/v1/users",
            &json!({ "email": "cy@demo.example", "password": "local-pass-4471", "roleIds": ["technician"] }),
        )
        .await;
    assert_eq!(s, 200);

    // invalid settings
    let (s, e) = api
        .post("/api/v1/ldap-directories", &json!({ "name": "x", "url": "http://nope", "bindDnTemplate": "uid=x" }))
        .await;
    assert_eq!(s, 400, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|v| v["field"].as_str().unwrap()).collect();
    assert!(
        fields.iter().any(|f| f.ends_with("url")) && fields.iter().any(|f| f.ends_with("bindDnTemplate")),
        "{fields:?}"
    );

    // direct bind with a DN template
    let (s, d) = api
        .post(
            "/api/v1/ldap-directories",
            &json!({ "name": "corp", "url": slapd.url, "bindDnTemplate": format!("uid={{username}},{PEOPLE}"), "enabled": true }),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let (s, pair) =
        ldap_login(&stack, json!({ "tenant": "demo", "username": "ann", "password": "ann-ldap-pass-1" })).await;
    assert_eq!(s, 200, "{pair}");
    let me = Api::new(&stack.gateway_url(), Some(pair["accessToken"].as_str().unwrap().to_owned()));
    let (_, who) = me.get("/api/v1/auth/me").await;
    assert_eq!(who["email"].as_str(), Some(admin.email.as_str()));

    // wrong password and unknown directory user: the same answer
    let (s, e1) = ldap_login(&stack, json!({ "tenant": "demo", "username": "ann", "password": "wrong" })).await;
    assert_eq!(s, 401);
    let (s, e2) = ldap_login(&stack, json!({ "tenant": "demo", "username": "zed", "password": "whatever-1" })).await;
    assert_eq!(s, 401);
    assert_eq!(e1["detail"], e2["detail"]);
    // an empty password never reaches the directory (it would be an anonymous bind)
    let (s, _) = ldap_login(&stack, json!({ "tenant": "demo", "username": "ann", "password": "" })).await;
    assert_eq!(s, 400);
    // a DN-injection attempt in the username is escaped, not interpreted
    let (s, _) =
        ldap_login(&stack, json!({ "tenant": "demo", "username": "ann,ou=people", "password": "ann-ldap-pass-1" }))
            .await;
    assert_eq!(s, 401);
    // right directory password, no local user
    let (s, e) =
        ldap_login(&stack, json!({ "tenant": "demo", "username": "bob", "password": "bob-ldap-pass-1" })).await;
    assert_eq!(s, 401);
    assert!(e["detail"].as_str().unwrap().contains("no user with email bob@demo.example"), "{e}");
    // disabled local user
    let (_, users) = api.get("/api/v1/users?filter=email%3D%22cy%40demo.example%22").await;
    let cy = users["users"][0]["id"].as_str().unwrap().to_owned();
    let (s, _) = ldap_login(&stack, json!({ "tenant": "demo", "username": "cy", "password": "cy-ldap-pass-1" })).await;
    assert_eq!(s, 200);
    api.post(&format!("/api/v1/users/{cy}:disable"), &json!({})).await;
    let (s, e) = ldap_login(&stack, json!({ "tenant": "demo", "username": "cy", "password": "cy-ldap-pass-1" })).await;
    assert_eq!(s, 401);
    assert!(e["detail"].as_str().unwrap().contains("disabled"), "{e}");
    // the other tenant has no directory: its users cannot use demo's
    let (s, e) =
        ldap_login(&stack, json!({ "tenant": "other", "username": "ann", "password": "ann-ldap-pass-1" })).await;
    assert_eq!(s, 401);
    assert!(e["detail"].as_str().unwrap().contains("no LDAP directory"), "{e}");

    // search bind with a service account (its password never returned)
    let id = d["id"].as_str().unwrap();
    assert_eq!(api.delete(&format!("/api/v1/ldap-directories/{id}")).await.0, 200);
    let (s, d) = api
        .post(
            "/api/v1/ldap-directories",
            &json!({ "name": "corp", "url": slapd.url, "searchBase": PEOPLE, "serviceBindDn": ROOT_DN,
                     "servicePassword": ROOT_PASSWORD, "userAttribute": "uid", "enabled": true }),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["servicePasswordSet"], true);
    assert!(!d.to_string().contains(ROOT_PASSWORD));
    let (s, _) =
        ldap_login(&stack, json!({ "tenant": "demo", "username": "ann", "password": "ann-ldap-pass-1" })).await;
    assert_eq!(s, 200);
    let (s, _) = ldap_login(&stack, json!({ "tenant": "demo", "username": "ann", "password": "nope-nope" })).await;
    assert_eq!(s, 401);
    let (s, _) = ldap_login(&stack, json!({ "tenant": "demo", "username": "*", "password": "ann-ldap-pass-1" })).await;
    assert_eq!(s, 401, "a wildcard username is escaped in the filter");

    // isolation: the other tenant and portal users
    let id = d["id"].as_str().unwrap();
    let (_, list) = api_other.get("/api/v1/ldap-directories").await;
    assert_eq!(list["ldapDirectories"].as_array().map_or(0, Vec::len), 0);
    assert_eq!(api_other.delete(&format!("/api/v1/ldap-directories/{id}")).await.0, 404);
    let portal = stack.portal_api(admin.tenant_id, uuid::Uuid::now_v7()).await;
    assert_eq!(portal.get("/api/v1/ldap-directories").await.0, 403);

    // directory down
    slapd.stop().await;
    let (s, e) =
        ldap_login(&stack, json!({ "tenant": "demo", "username": "ann", "password": "ann-ldap-pass-1" })).await;
    assert_eq!(s, 400, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("cannot be reached"), "{e}");
    stack.stop().await;
}

/// A directory password is only the first factor: a user with TOTP active gets the MFA
/// challenge, not tokens, and finishes with a code like after a password sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ldap_sign_in_still_asks_for_the_second_factor() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let (api, _) = stack.login(&admin).await;
    let mut slapd = Slapd::start().await;
    slapd.add_person("ann", &admin.email, "ann-ldap-pass-1").await;
    let template = format!("uid={{username}},{PEOPLE}");
    let body = json!({ "name": "corp", "url": slapd.url, "bindDnTemplate": template, "enabled": true });
    assert_eq!(api.post("/api/v1/ldap-directories", &body).await.0, 200);
    let (_, setup) = api.post("/api/v1/auth/mfa/setup", &json!({})).await;
    let totp = totp_rs::Totp::from_url(setup["otpauthUri"].as_str().unwrap()).unwrap();
    let (s, v) = api.post("/api/v1/auth/mfa/verify", &json!({ "code": totp.generate_current().to_string() })).await;
    assert_eq!(s, 200, "{v}");

    let (s, first) =
        ldap_login(&stack, json!({ "tenant": "demo", "username": "ann", "password": "ann-ldap-pass-1" })).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["mfaRequired"], true, "{first}");
    assert!(first.get("accessToken").is_none(), "no tokens before the second factor: {first}");
    // a wrong code is refused; a recovery code completes the sign-in
    let anon = Api::new(&stack.gateway_url(), None);
    let challenge = first["mfaChallenge"].as_str().unwrap();
    let (s, _) = anon.post("/api/v1/auth/login/mfa", &json!({ "mfaChallenge": challenge, "code": "000000" })).await;
    assert_eq!(s, 401);
    let recovery = v["recoveryCodes"][0].as_str().unwrap();
    let (s, pair) =
        anon.post("/api/v1/auth/login/mfa", &json!({ "mfaChallenge": challenge, "recoveryCode": recovery })).await;
    assert_eq!(s, 200, "{pair}");
    assert!(pair["accessToken"].is_string());
    slapd.stop().await;
    stack.stop().await;
}
