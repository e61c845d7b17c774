//! Headless-Chromium test of the web client's email pages (issue #4): an admin adds an
//! inbound-only mailbox (the inbound token is shown once), adds a parse rule that raises the
//! priority of "urgent" mail and puts it in a queue, and — after a client's message arrives on the inbound endpoint —
//! sees it in the mailbox's message log with a link to the ticket it opened.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.
//! The element ids used here are the web client's stable test hooks; keep them in step with
//! `web/src/pages/email.rs`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::{Api, Stack};
use serde_json::{Value, json};
use support::browser::{Flow, click, fill, in_browser, poll, preflight, submit_login, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_sets_up_a_mailbox_and_follows_its_messages() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("mailco").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (s, company) = api.post("/api/v1/companies", &json!({"name": "Fallback Ltd"})).await;
    assert_eq!(s, 200, "{company}");
    let (s, queue) = api.post("/api/v1/ticket-queues", &json!({"name": "Facilities"})).await;
    assert_eq!(s, 200, "{queue}");

    in_browser(async |c| flow(&c, &stack, &api, &base, &admin.slug, &admin.email, &admin.password).await).await;
    // What the page created is what the API holds: one rule, the message opened a HIGH ticket.
    let (_, boxes) = api.get("/api/v1/email-mailboxes").await;
    let id = boxes["mailboxes"][0]["id"].as_str().unwrap().to_owned();
    let (_, rules) = api.get(&format!("/api/v1/email-mailboxes/{id}/parse-rules")).await;
    assert_eq!(rules["rules"].as_array().map(Vec::len), Some(1), "{rules}");
    let (_, tickets) = api.get("/api/v1/tickets").await;
    assert_eq!(tickets["tickets"][0]["priority"], "TICKET_PRIORITY_HIGH", "{tickets}");
    assert_eq!(tickets["tickets"][0]["companyId"], company["id"], "{tickets}");
    assert_eq!(tickets["tickets"][0]["queueId"], queue["id"], "{tickets}");
    stack.stop().await;
}

async fn text(c: &Client, css: &str) -> Flow<String> {
    Ok(wait_for(c, css).await?.text().await?)
}

async fn flow(c: &Client, stack: &Stack, api: &Api, base: &str, tenant: &str, email: &str, password: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;
    click(c, "#nav-email").await?;

    // A bad address is refused next to its field; nothing is created.
    wait_for(c, "#mailbox-form").await?;
    fill(c, "#mailbox-name", "Support").await?;
    fill(c, "#mailbox-address", "not-an-address").await?;
    click(c, "#mailbox-create").await?;
    wait_for(c, "#mailbox-address-error").await?;
    if !api.get("/api/v1/email-mailboxes").await.1["mailboxes"].as_array().is_none_or(Vec::is_empty) {
        return Err("an invalid mailbox was created".into());
    }

    // An inbound-only mailbox for unknown senders at the fallback company.
    fill(c, "#mailbox-address", "support@msp.example").await?;
    poll("companies loaded", move || async move {
        Ok(c.find_all(Locator::Css("#mailbox-company option")).await?.len() >= 2)
    })
    .await?;
    c.find(Locator::Css("#mailbox-company option:nth-child(2)")).await?.click().await?;
    click(c, "#mailbox-create").await?;
    let token = text(c, "#mailbox-token-value").await?;
    if token.len() < 20 {
        return Err(format!("inbound token {token:?} looks wrong").into());
    }
    click(c, ".mailbox-row").await?;

    // A parse rule: "urgent" in the subject → high priority.
    wait_for(c, "#parse-rule-form").await?;
    fill(c, "#rule-name", "Urgent mail").await?;
    fill(c, "#rule-subject", "urgent").await?;
    c.find(Locator::Css("#rule-priority option[value='TICKET_PRIORITY_HIGH']")).await?.click().await?;
    poll("queues loaded", move || async move { Ok(c.find_all(Locator::Css("#rule-queue option")).await?.len() >= 2) })
        .await?;
    c.find(Locator::Css("#rule-queue option:nth-child(2)")).await?.click().await?;
    click(c, "#rule-create").await?;
    poll("the rule listed", move || async move {
        Ok(c.find_all(Locator::Css("#parse-rules .parse-rule")).await?.len() == 1)
    })
    .await?;

    // A client's message arrives on the inbound endpoint; after a reload it is in the log.
    let url = c.current_url().await?;
    let id = url.path().rsplit('/').next().unwrap_or_default().to_owned();
    let raw = "From: Dana <dana@unknown.example>\r\nTo: support@msp.example\r\nSubject: URGENT: printer on fire\r\n\
               Message-ID: <fire-1@unknown.example>\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n\r\nPlease help.\r\n";
    let inbound = Api::new(&stack.gateway_url().to_string(), None);
    let path = format!("/api/v1/email-mailboxes/{id}/messages:receive?token={token}");
    let (s, v): (u16, Value) = inbound.post_raw(&path, "message/rfc822", raw.as_bytes().to_vec()).await;
    if s != 200 {
        return Err(format!("inbound message refused: {s} {v}").into());
    }
    c.refresh().await?;
    let outcome = text(c, "#mailbox-messages .mailbox-message").await?;
    if !outcome.contains("Created ticket") || !outcome.contains("URGENT: printer on fire") {
        return Err(format!("message log row {outcome:?}").into());
    }
    click(c, ".message-ticket").await?;
    wait_for(c, "#ticket-detail").await?;
    Ok(())
}
