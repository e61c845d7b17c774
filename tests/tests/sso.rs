//! OpenID Connect single sign-on through the gateway against a local provider the test starts
//! (psa_testkit::oidc): provider settings over REST (secret never returned, isolation), the
//! redirect flow end to end, and the refusals: wrong state, replayed state, bad nonce, wrong
//! audience, expired token, foreign email domain, unknown user without JIT, disabled user;
//! JIT provisioning with the provider's default role.

use std::collections::HashMap;

use psa_testkit::oidc::{OidcProvider, OidcUser, Tamper};
use psa_testkit::{Api, Stack};
use serde_json::{Value, json};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn location(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let loc = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, loc)
}

fn params(s: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(s.as_bytes()).into_owned().collect()
}

/// What the web client receives at the end of a sign-in.
#[derive(Debug)]
enum Outcome {
    /// The fragment's parameters (`access_token`, `refresh_token`, …).
    Tokens(HashMap<String, String>),
    /// `sso_error`.
    Refused(String),
}

fn outcome(loc: &str) -> Outcome {
    if let Some(f) = loc.strip_prefix("/login#") {
        return Outcome::Tokens(params(f));
    }
    let q = loc.strip_prefix("/login?").unwrap_or_else(|| panic!("unexpected redirect {loc}"));
    Outcome::Refused(params(q).remove("sso_error").unwrap_or_default())
}

/// Runs start → provider → callback; returns the outcome and the callback URL (for replays).
async fn sign_in(stack: &Stack, tenant: &str, provider: &str) -> (Outcome, String) {
    let c = no_redirects();
    let gw = stack.gateway_url();
    let (s, to_idp) = location(&c, &format!("{gw}/api/v1/auth/sso/{tenant}/{provider}/start")).await;
    if s == 303 {
        return (outcome(&to_idp), String::new());
    }
    assert_eq!(s, 302, "start redirects to the provider: {to_idp}");
    let q = params(to_idp.split_once('?').unwrap().1);
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(!q["state"].is_empty() && !q["nonce"].is_empty() && !q["code_challenge"].is_empty());
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    let (s, callback) = location(&c, &to_idp).await;
    assert_eq!(s, 302, "the provider approves: {callback}");
    assert!(callback.starts_with(&format!("{gw}/api/v1/auth/sso/callback?")), "{callback}");
    let (s, end) = location(&c, &callback).await;
    assert_eq!(s, 303);
    (outcome(&end), callback)
}

fn refused(o: Outcome) -> String {
    match o {
        Outcome::Refused(m) => m,
        Outcome::Tokens(t) => panic!("expected a refusal, got tokens {t:?}"),
    }
}

fn tokens(o: Outcome) -> HashMap<String, String> {
    match o {
        Outcome::Tokens(t) => t,
        Outcome::Refused(m) => panic!("sign-in refused: {m}"),
    }
}

fn user(email: &str) -> OidcUser {
    OidcUser { sub: format!("sub-{email}"), email: email.into(), email_verified: true, name: "Ann Example".into() }
}

async fn create_provider(api: &Api, idp: &OidcProvider, extra: Value) -> Value {
    let mut body = json!({
        "name": "contoso",
        "displayName": "Contoso ID",
        "issuerUrl": idp.issuer,
        "clientId": idp.client_id,
        "clientSecret": idp.client_secret,
        "emailDomains": ["demo.example"],
        "enabled": true,
    });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let (s, p) = api.post("/api/v1/identity-providers", &body).await;
    assert_eq!(s, 200, "{p}");
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oidc_sign_in_end_to_end_with_every_refusal() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let (api, _) = stack.login(&admin).await;
    let idp = OidcProvider::start("psa-client", "s3cret-value-42", user(&admin.email)).await;
    let p = create_provider(&api, &idp, json!({})).await;
    assert_eq!(p["clientSecretSet"], true);
    assert!(!p.to_string().contains("s3cret-value-42"), "the secret is never returned: {p}");
    assert_eq!(p["scopes"], json!(["email", "profile"]));
    let (_, list) = Api::new(&stack.gateway_url(), None).get("/api/v1/auth/providers?tenant=demo").await;
    assert_eq!(list["providers"], json!([{ "name": "contoso", "displayName": "Contoso ID" }]));

    // success: the admin (email in demo.example) signs in
    let (o, callback) = sign_in(&stack, "demo", "contoso").await;
    let t = tokens(o);
    let me = Api::new(&stack.gateway_url(), Some(t["access_token"].clone()));
    let (s, who) = me.get("/api/v1/auth/me").await;
    assert_eq!((s, who["email"].as_str()), (200, Some(admin.email.as_str())));
    let (s, _) = Api::new(&stack.gateway_url(), None)
        .post("/api/v1/auth/refresh", &json!({ "refreshToken": t["refresh_token"] }))
        .await;
    assert_eq!(s, 200, "the refresh token works");

    // replayed state (the same callback again)
    let (_, end) = location(&no_redirects(), &callback).await;
    assert!(refused(outcome(&end)).contains("already used"), "{end}");
    // wrong state
    let forged = callback.replace("state=", "state=x");
    let (_, end) = location(&no_redirects(), &forged).await;
    assert!(refused(outcome(&end)).contains("state"), "{end}");
    // provider error
    let (_, end) =
        location(&no_redirects(), &format!("{}/api/v1/auth/sso/callback?error=access_denied", stack.gateway_url()))
            .await;
    assert!(refused(outcome(&end)).contains("access_denied"));

    // bad nonce, wrong audience, wrong issuer, expired
    for (tamper, why) in [
        (Tamper { nonce: Some("other".into()), ..Default::default() }, "nonce"),
        (Tamper { audience: Some("someone-else".into()), ..Default::default() }, "audience"),
        (Tamper { issuer: Some("http://127.0.0.1:9".into()), ..Default::default() }, "issuer"),
        (Tamper { expired: true, ..Default::default() }, "expired"),
    ] {
        idp.tamper(tamper);
        let m = refused(sign_in(&stack, "demo", "contoso").await.0);
        assert!(m.to_lowercase().contains(why), "{why}: {m}");
    }
    idp.tamper(Tamper::default());

    // foreign domain, unverified email, unknown user without JIT
    idp.set_user(user("ann@elsewhere.example"));
    assert!(refused(sign_in(&stack, "demo", "contoso").await.0).contains("not in a domain"));
    idp.set_user(OidcUser { email_verified: false, ..user(&admin.email) });
    assert!(refused(sign_in(&stack, "demo", "contoso").await.0).contains("not verified"));
    idp.set_user(user("new.hire@demo.example"));
    assert!(refused(sign_in(&stack, "demo", "contoso").await.0).contains("no user with email"));

    // JIT provisioning with the default role
    let id = p["id"].as_str().unwrap();
    let (s, e) = api.patch(&format!("/api/v1/identity-providers/{id}"), &json!({ "jitEnabled": true })).await;
    assert_eq!(s, 400, "JIT needs a role: {e}");
    let (s, e) = api
        .patch(&format!("/api/v1/identity-providers/{id}"), &json!({ "jitEnabled": true, "jitRoleId": "technician" }))
        .await;
    assert_eq!(s, 200, "{e}");
    let t = tokens(sign_in(&stack, "demo", "contoso").await.0);
    let me = Api::new(&stack.gateway_url(), Some(t["access_token"].clone()));
    let (_, who) = me.get("/api/v1/auth/me").await;
    assert_eq!(who["email"], "new.hire@demo.example");
    assert!(who["permissions"].as_array().unwrap().contains(&json!("tickets.write")));
    let (_, users) = api.get("/api/v1/users?filter=email%3D%22new.hire%40demo.example%22").await;
    let new_user = &users["users"][0];
    assert_eq!(new_user["roleIds"], json!(["technician"]));
    assert_eq!(new_user["displayName"], "Ann Example");

    // a disabled local user is refused
    let (s, _) = api.post(&format!("/api/v1/users/{}:disable", new_user["id"].as_str().unwrap()), &json!({})).await;
    assert_eq!(s, 200);
    assert!(refused(sign_in(&stack, "demo", "contoso").await.0).contains("disabled"));

    // disabled provider, unknown provider, provider down
    let (s, _) = api.patch(&format!("/api/v1/identity-providers/{id}"), &json!({ "enabled": false })).await;
    assert_eq!(s, 200);
    assert!(refused(sign_in(&stack, "demo", "contoso").await.0).contains("not found"));
    assert!(refused(sign_in(&stack, "demo", "nope").await.0).contains("not found"));
    let (s, _) = api.patch(&format!("/api/v1/identity-providers/{id}"), &json!({ "enabled": true })).await;
    assert_eq!(s, 200);
    idp.stop();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(refused(sign_in(&stack, "demo", "contoso").await.0).contains("discovery"));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identity_provider_settings_are_validated_and_isolated() {
    let stack = Stack::start().await;
    let a = stack.create_tenant("alpha").await;
    let b = stack.create_tenant("beta").await;
    let (api_a, _) = stack.login(&a).await;
    let (api_b, _) = stack.login(&b).await;
    let idp = OidcProvider::start("psa-client", "s3cret", user(&a.email)).await;

    let (s, e) = api_a
        .post(
            "/api/v1/identity-providers",
            &json!({ "name": "Bad Name", "issuerUrl": "http://idp.example.com", "emailDomains": ["nodot"] }),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().unwrap().iter().map(|v| v["field"].as_str().unwrap()).collect();
    for f in ["name", "issuerUrl", "clientId", "emailDomains[0]"] {
        assert!(fields.iter().any(|x| x.ends_with(f)), "{f} in {fields:?}");
    }
    let p = create_provider(&api_a, &idp, json!({})).await;
    let id = p["id"].as_str().unwrap();
    let (s, e) = api_a
        .post(
            "/api/v1/identity-providers",
            &json!({
        "name": "contoso", "issuerUrl": idp.issuer, "clientId": "x", "emailDomains": ["demo.example"] }),
        )
        .await;
    assert_eq!(s, 409, "name taken: {e}");

    // another tenant: not found, cannot change or delete; its list is empty; the start URL
    // with its slug does not reach alpha's provider
    let (s, _) = api_b.get(&format!("/api/v1/identity-providers/{id}")).await;
    assert_eq!(s, 404);
    let (s, _) = api_b.patch(&format!("/api/v1/identity-providers/{id}"), &json!({ "displayName": "x" })).await;
    assert_eq!(s, 404);
    let (s, _) = api_b.delete(&format!("/api/v1/identity-providers/{id}")).await;
    assert_eq!(s, 404);
    let (_, list) = api_b.get("/api/v1/identity-providers").await;
    assert_eq!(list["identityProviders"].as_array().map_or(0, Vec::len), 0);
    assert!(refused(sign_in(&stack, "beta", "contoso").await.0).contains("not found"));
    // portal users get nothing
    let portal = stack.portal_api(a.tenant_id, uuid::Uuid::now_v7()).await;
    let (s, _) = portal.get("/api/v1/identity-providers").await;
    assert_eq!(s, 403);
    let (s, _) = portal.get(&format!("/api/v1/identity-providers/{id}")).await;
    assert_eq!(s, 403);

    // the secret can be replaced but is never shown; delete works for the owner
    let (s, p2) =
        api_a.patch(&format!("/api/v1/identity-providers/{id}"), &json!({ "clientSecret": "rotated-secret" })).await;
    assert_eq!(s, 200);
    assert!(!p2.to_string().contains("rotated-secret"));
    let (s, _) = api_a.delete(&format!("/api/v1/identity-providers/{id}")).await;
    assert_eq!(s, 200);
    let (s, _) = api_a.get(&format!("/api/v1/identity-providers/{id}")).await;
    assert_eq!(s, 404);
    stack.stop().await;
}
