//! Headless-Chromium test of the automation rules page (issue #4): an admin builds a rule in
//! the editor (trigger, a condition row, an action row), saves it, dry-runs it against a ticket
//! and sees what it would do, and the ticket stays unchanged.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.
//! The element ids and classes used here are the web client's stable test hooks; keep them in
//! step with `web/src/pages/automation.rs`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::Stack;
use serde_json::json;
use support::browser::{Flow, click, in_browser, poll, preflight, submit_login, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn build_save_and_dry_run_a_rule() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("robo").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let (s, ticket) = api.post("/api/v1/tickets", &json!({"title": "VPN outage", "companyId": company["id"]})).await;
    assert_eq!(s, 200, "{ticket}");
    let ticket_id = ticket["id"].as_str().unwrap().to_owned();

    in_browser(async |c| flow(&c, &base, &admin.slug, &admin.email, &admin.password, &ticket_id).await).await;
    let (_, rules) = api.get("/api/v1/ticket-automation-rules").await;
    let rule = &rules["rules"][0];
    assert_eq!(rule["name"], "Outage triage", "{rules}");
    assert_eq!(rule["conditions"]["conditions"][0]["field"], "title", "{rules}");
    assert_eq!(rule["actions"][0]["setField"]["value"], "TICKET_PRIORITY_HIGH", "{rules}");
    let (_, t) = api.get(&format!("/api/v1/tickets/{ticket_id}")).await;
    assert_eq!(t["priority"], "TICKET_PRIORITY_MEDIUM", "the dry run changed nothing: {t}");
    stack.stop().await;
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str, ticket: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;

    click(c, "#nav-automation").await?;
    click(c, "#automation-new").await?;
    wait_for(c, "#automation-name").await?.send_keys("Outage triage").await?;
    wait_for(c, "#automation-trigger").await?.select_by_value("AUTOMATION_TRIGGER_TICKET_CREATED").await?;
    click(c, "#automation-add-condition").await?;
    wait_for(c, ".automation-condition .condition-field").await?.send_keys("title").await?;
    wait_for(c, ".automation-condition .condition-operator")
        .await?
        .select_by_value("AUTOMATION_OPERATOR_CONTAINS")
        .await?;
    wait_for(c, ".automation-condition .condition-value").await?.send_keys("outage").await?;
    wait_for(c, ".automation-action .action-kind").await?.select_by_value("setField").await?;
    wait_for(c, ".automation-action .action-slot-0").await?.send_keys("priority").await?;
    wait_for(c, ".automation-action .action-slot-1").await?.send_keys("TICKET_PRIORITY_HIGH").await?;
    click(c, "#automation-save").await?;
    poll("the saved rule in the list", move || async move {
        Ok(c.find(Locator::Css("#automation-rules .automation-rule-name")).await?.text().await? == "Outage triage")
    })
    .await?;

    // The dry-run panel of the saved rule.
    wait_for(c, "#automation-dry-run-ticket").await?.send_keys(ticket).await?;
    click(c, "#automation-dry-run-go").await?;
    poll("the dry-run result", move || async move {
        let text = c.find(Locator::Css("#automation-dry-run-result")).await?.text().await?;
        Ok(text.contains("Conditions match")
            && text.contains("priority: TICKET_PRIORITY_MEDIUM → TICKET_PRIORITY_HIGH"))
    })
    .await?;
    Ok(())
}
