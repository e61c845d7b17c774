//! Headless-Chromium test of the service desk settings (issue 4): an admin adds a pausing
//! status and a canned response on the Service desk page, moves a ticket to that status with
//! the ticket page's status select, and inserts the canned response into a note.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.
//! The element ids used here are the web client's stable test hooks; keep them in step with
//! `web/src/pages/desk_settings.rs` and `web/src/pages/ticket_detail.rs`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::Stack;
use serde_json::json;
use support::browser::{Driver, Flow, click, connect, fill, poll, preflight, save_evidence, submit_login, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_sets_up_the_desk_and_works_a_ticket_with_it() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("deskui").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let (s, ticket) = api.post("/api/v1/tickets", &json!({"title": "Printer jam", "companyId": company["id"]})).await;
    assert_eq!(s, 200, "{ticket}");
    let ticket_id = ticket["id"].as_str().unwrap().to_owned();

    let driver = Driver::start();
    let client = connect(&driver).await;
    let outcome = flow(&client, &base, &admin.slug, &admin.email, &admin.password, &ticket_id).await;
    if outcome.is_err() {
        save_evidence(&client).await;
    }
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = outcome {
        panic!("browser flow failed: {err}");
    }
    let (_, t) = api.get(&format!("/api/v1/tickets/{ticket_id}")).await;
    let (_, statuses) = api.get("/api/v1/ticket-statuses").await;
    let parts =
        statuses["ticketStatuses"].as_array().unwrap().iter().find(|s| s["name"] == "Waiting on parts").cloned();
    assert_eq!(t["statusId"], parts.expect("status created in the UI")["id"], "{t}");
    stack.stop().await;
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str, ticket: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;
    click(c, "#nav-desk").await?;

    // A pausing status of kind IN_PROGRESS.
    wait_for(c, "#desk-statuses [data-testid=statuses-row]").await?;
    fill(c, "#desk-statuses-name", "Waiting on parts").await?;
    c.find(Locator::Css("#desk-statuses-kind")).await?.select_by_value("TICKET_STATUS_IN_PROGRESS").await?;
    click(c, "#desk-statuses-pauses").await?;
    click(c, "#desk-statuses-add").await?;
    poll("the status listed", move || async move {
        Ok(c.find_all(Locator::Css("#desk-statuses [data-testid=statuses-row]")).await?.len() == 7)
    })
    .await?;
    // A canned response with a placeholder.
    fill(c, "#desk-canned-name", "Ack").await?;
    fill(c, "#desk-canned-body", "About {{ ticket.title }}: on it.").await?;
    click(c, "#desk-canned-add").await?;
    poll("the canned response listed", move || async move {
        Ok(c.find_all(Locator::Css("#desk-canned [data-testid=canned-row]")).await?.len() == 1)
    })
    .await?;

    // The ticket: tenant statuses in the select; the canned response fills the note.
    c.goto(&format!("{base}/tickets/{ticket}")).await?;
    // The select switches from the six kinds to the tenant statuses once those are loaded.
    poll("the tenant status in the status select", move || async move {
        for o in c.find_all(Locator::Css("#ticket-status option")).await? {
            if o.text().await? == "Waiting on parts" {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await?;
    let select = c.find(Locator::Css("#ticket-status")).await?;
    let mut value = String::new();
    for o in select.find_all(Locator::Css("option")).await? {
        if o.text().await? == "Waiting on parts" {
            value = o.attr("value").await?.unwrap_or_default();
        }
    }
    select.select_by_value(&value).await?;
    wait_for(c, "#ticket-saved").await?;
    wait_for(c, "#note-canned").await?;
    let canned = c.find(Locator::Css("#note-canned")).await?;
    let id = canned.find_all(Locator::Css("option")).await?.last().unwrap().attr("value").await?.unwrap_or_default();
    canned.select_by_value(&id).await?;
    poll("the canned response in the note", move || async move {
        let v = c.find(Locator::Css("#note-body")).await?.prop("value").await?.unwrap_or_default();
        Ok(v == "About Printer jam: on it.")
    })
    .await?;
    Ok(())
}
