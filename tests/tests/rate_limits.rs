//! Gateway rate limits over real Redis (issue 5): per tenant of a verified token, per client IP,
//! the client IP taken from `X-Forwarded-For` only when the peer is a trusted proxy; 429
//! problem+json with `Retry-After`.

use psa_core::PrincipalKind;
use psa_testkit::{Api, Stack, StackOptions};
use serde_json::Value;

async fn get(stack: &Stack, token: Option<&str>, forwarded_for: Option<&str>) -> (u16, Option<i64>, Value) {
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/companies", stack.gateway_url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(f) = forwarded_for {
        req = req.header("x-forwarded-for", f);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_tenant_has_its_own_budget_and_forged_tokens_spend_none() {
    let stack = Stack::start_with(StackOptions { rate_limit_per_tenant_per_minute: 5, ..Default::default() }).await;
    let a = stack.create_tenant("alpha").await;
    let b = stack.create_tenant("bravo").await;
    let (api_a, _) = stack.login(&a).await;
    let (api_b, _) = stack.login(&b).await;
    // a token claiming bravo but signed with another key: refused by the services, and it
    // does not count against bravo's budget
    let forged = {
        let claims = Stack::claims(b.tenant_id, PrincipalKind::Staff, &["companies.read"], None);
        let key = ed25519_key();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("forged".into());
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    };
    for _ in 0..8 {
        assert_eq!(get(&stack, Some(&forged), None).await.0, 401);
    }
    for i in 0..5 {
        assert_eq!(get(&stack, api_a.token(), None).await.0, 200, "call {i} within alpha's budget");
    }
    let (s, retry, body) = get(&stack, api_a.token(), None).await;
    assert_eq!((s, body["code"].as_str()), (429, Some("RESOURCE_EXHAUSTED")), "{body}");
    assert!(retry.is_some_and(|r| (1..=60).contains(&r)), "Retry-After: {retry:?}");
    assert_eq!(body["status"], 429);
    // bravo is unaffected (its own bucket; the forged calls did not spend it)
    for _ in 0..5 {
        assert_eq!(get(&stack, api_b.token(), None).await.0, 200);
    }
    assert_eq!(get(&stack, api_b.token(), None).await.0, 429);
    stack.stop().await;
}

/// A PKCS#8 Ed25519 key that is not identity's.
fn ed25519_key() -> jsonwebtoken::EncodingKey {
    // RFC 8410 §10.3 example private key.
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC",
    )
    .unwrap();
    jsonwebtoken::EncodingKey::from_ed_der(&der)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    // untrusted peer: X-Forwarded-For is ignored, every call counts against 127.0.0.1
    let stack = Stack::start_with(StackOptions { rate_limit_per_ip_per_minute: 4, ..Default::default() }).await;
    for i in 0..4 {
        let spoofed = format!("198.51.100.{i}");
        assert_eq!(get(&stack, None, Some(&spoofed)).await.0, 401, "call {i}");
    }
    let (s, retry, _) = get(&stack, None, Some("198.51.100.99")).await;
    assert_eq!(s, 429, "spoofed addresses do not escape the limit");
    assert!(retry.is_some());
    stack.stop().await;

    // 127.0.0.1 is a trusted proxy: the forwarded client address is what counts, and what the
    // services record
    let stack = Stack::start_with(StackOptions {
        rate_limit_per_ip_per_minute: 4,
        trusted_proxies: "127.0.0.0/8".into(),
        ..Default::default()
    })
    .await;
    let admin = stack.create_tenant("acme").await;
    let body = serde_json::json!({"tenant": admin.slug, "email": admin.email, "password": admin.password});
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", stack.gateway_url()))
        .header("x-forwarded-for", "203.0.113.50")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let token = res.json::<Value>().await.unwrap()["accessToken"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        assert_eq!(get(&stack, Some(&token), Some("203.0.113.50")).await.0, 200);
    }
    assert_eq!(get(&stack, Some(&token), Some("203.0.113.50")).await.0, 429, "the forwarded client is limited");
    assert_eq!(get(&stack, Some(&token), Some("203.0.113.51")).await.0, 200, "another client is not");
    // without X-Forwarded-For the trusted peer itself is the client (its own budget)
    let (s, sessions) = Api::new(&stack.gateway_url(), Some(token)).get("/api/v1/auth/sessions").await;
    assert_eq!(s, 200, "{sessions}");
    assert_eq!(sessions["sessions"][0]["ipAddress"], "203.0.113.50", "the services saw the forwarded client");
    stack.stop().await;
}
