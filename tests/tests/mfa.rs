//! TOTP MFA and login rate limits through the gateway over REST: enrolment, two-step login,
//! a reused code refused, recovery code, and 429 with `Retry-After` per account and per IP.

use psa_testkit::{Api, Stack, StackOptions};
use serde_json::{Value, json};

/// The current code of the key URI `uri`, parsed the way an authenticator app would.
fn current_code(uri: &str) -> String {
    totp_rs::Totp::from_url(uri).expect("valid otpauth URI").generate_current().to_string()
}

async fn login(stack: &Stack, body: &Value) -> (u16, Value, Option<String>) {
    let resp = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", stack.gateway_url()))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if status == 429 {
        assert_eq!(ct, "application/problem+json");
    }
    (status, body, retry)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mfa_enrolment_and_two_step_login_over_rest() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("demo").await;
    let (api, _) = stack.login(&admin).await;
    let (s, setup) = api.post("/api/v1/auth/mfa/setup", &json!({})).await;
    assert_eq!(s, 200, "{setup}");
    let uri = setup["otpauthUri"].as_str().unwrap().to_owned();
    assert!(setup["qrCodeSvg"].as_str().unwrap().contains("<svg"));
    let code = current_code(&uri);
    let (s, verified) = api.post("/api/v1/auth/mfa/verify", &json!({ "code": code })).await;
    assert_eq!(s, 200, "{verified}");
    let recovery: Vec<String> =
        verified["recoveryCodes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(recovery.len(), 10);

    let creds = json!({ "tenant": admin.slug, "email": admin.email, "password": admin.password });
    let (s, first, _) = login(&stack, &creds).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["mfaRequired"], true);
    assert!(first.get("accessToken").is_none(), "no tokens before the second step: {first}");
    let anon = Api::new(&stack.gateway_url(), None);
    // the code that activated MFA was used: refused
    let challenge = first["mfaChallenge"].as_str().unwrap();
    let (s, e) = anon.post("/api/v1/auth/login/mfa", &json!({ "mfaChallenge": challenge, "code": code })).await;
    assert_eq!((s, e["code"].as_str()), (401, Some("UNAUTHENTICATED")), "{e}");
    let (s, pair) =
        anon.post("/api/v1/auth/login/mfa", &json!({ "mfaChallenge": challenge, "recoveryCode": recovery[0] })).await;
    assert_eq!(s, 200, "{pair}");
    let me = Api::new(&stack.gateway_url(), Some(pair["accessToken"].as_str().unwrap().to_owned()));
    let (s, who) = me.get("/api/v1/auth/me").await;
    assert_eq!((s, who["email"].as_str()), (200, Some(admin.email.as_str())));
    // the secret is never shown again
    let (s, e) = me.post("/api/v1/auth/mfa/setup", &json!({})).await;
    assert_eq!((s, e["code"].as_str()), (400, Some("FAILED_PRECONDITION")), "{e}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn login_rate_limits_answer_429_with_retry_after() {
    let stack = Stack::start_with(StackOptions {
        login_rate_limit_per_minute: 6,
        login_account_rate_limit_per_minute: 3,
        ..Default::default()
    })
    .await;
    let admin = stack.create_tenant("demo").await; // not through the gateway
    let wrong = json!({ "tenant": admin.slug, "email": admin.email, "password": "not-the-password" });
    for _ in 0..3 {
        assert_eq!(login(&stack, &wrong).await.0, 401);
    }
    // fourth try for the same account (email case ignored), even with the right password
    let right = json!({ "tenant": admin.slug, "email": admin.email.to_uppercase(), "password": admin.password });
    let (s, body, retry) = login(&stack, &right).await;
    assert_eq!((s, body["code"].as_str()), (429, Some("RESOURCE_EXHAUSTED")), "{body}");
    let retry: i64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // other accounts from the same IP: 5th and 6th pass, then the IP limit applies to all
    let other = json!({ "tenant": admin.slug, "email": "other@demo.example", "password": "x-x-x-x-x-x" });
    assert_eq!(login(&stack, &other).await.0, 401);
    assert_eq!(login(&stack, &other).await.0, 401);
    let (s, _, retry) = login(&stack, &other).await;
    assert_eq!(s, 429);
    assert!(retry.is_some());
    let anon = Api::new(&stack.gateway_url(), None);
    let (s, _) = anon.post("/api/v1/auth/login/mfa", &json!({ "mfaChallenge": "x", "code": "123456" })).await;
    assert_eq!(s, 429, "the second step is limited per IP too");
    // other endpoints are not limited
    let (s, _) = anon.post("/api/v1/auth/refresh", &json!({ "refreshToken": "x" })).await;
    assert_eq!(s, 401);
    stack.stop().await;
}
