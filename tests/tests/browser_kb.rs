//! Headless-Chromium test of the knowledge base in the web client (issue #4): a technician's
//! ticket becomes a draft article ("Write KB article"), is edited (Markdown rendered, a new
//! version), published, found by full-text search and rated.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.
//! The element ids used here are the web client's stable test hooks; keep them in step with
//! `web/src/pages/kb.rs`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::Stack;
use serde_json::json;
use support::browser::{Flow, in_browser, poll, preflight, submit_login, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_to_published_searchable_article() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let (s, ticket) = api
        .post("/api/v1/tickets", &json!({"title": "Scanner stuck offline", "description": "Since the firmware update.", "companyId": company["id"]}))
        .await;
    assert_eq!(s, 200, "{ticket}");
    let ticket_id = ticket["id"].as_str().unwrap().to_owned();
    let note = json!({"body": "Power-cycled the scanner.", "visibility": "NOTE_VISIBILITY_PUBLIC"});
    assert_eq!(api.post(&format!("/api/v1/tickets/{ticket_id}/notes"), &note).await.0, 200);

    in_browser(async |c| flow(&c, &base, &admin.slug, &admin.email, &admin.password, &ticket_id).await).await;
    let (_, list) = api.get("/api/v1/kb/articles").await;
    assert_eq!(list["articles"][0]["status"], "KB_ARTICLE_STATUS_PUBLISHED", "{list}");
    assert_eq!(list["articles"][0]["version"], 2, "{list}");
    stack.stop().await;
}

async fn text_of(c: &Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Css(css)).await?.text().await
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str, ticket: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;

    // The ticket becomes a draft article.
    c.goto(&format!("{base}/tickets/{ticket}")).await?;
    wait_for(c, "#ticket-to-kb").await?.click().await?;
    poll("the draft article", move || async move { Ok(text_of(c, "#kb-title").await? == "Scanner stuck offline") })
        .await?;
    let content = text_of_flow(c, "#kb-content").await?;
    if !content.contains("Since the firmware update.") || !content.contains("Power-cycled the scanner.") {
        return Err(format!("unexpected draft: {content:?}").into());
    }

    // Edit: Markdown renders, a new version.
    wait_for(c, "#kb-edit").await?.click().await?;
    let area = wait_for(c, "#kb-edit-content").await?;
    area.clear().await?;
    area.send_keys("## Fix\n\n**Restart** the scanner service after firmware updates.").await?;
    wait_for(c, "#kb-save").await?.click().await?;
    poll(
        "rendered Markdown",
        move || async move { Ok(c.find_all(Locator::Css("#kb-content strong")).await?.len() == 1) },
    )
    .await?;
    poll("version 2", move || async move { Ok(text_of(c, "#kb-meta").await?.contains("version 2")) }).await?;

    // Publish, rate.
    wait_for(c, "#kb-publish").await?.click().await?;
    poll("published", move || async move { Ok(text_of(c, "#kb-article-status").await?.contains("Published")) }).await?;
    wait_for(c, "#kb-helpful").await?.click().await?;
    poll("rated", move || async move { Ok(text_of(c, "#kb-helpful").await?.contains("(1)")) }).await?;

    // Search finds it by a stemmed word of its new content.
    wait_for(c, "#nav-kb").await?.click().await?;
    wait_for(c, "#kb-query").await?.send_keys("restarting").await?;
    wait_for(c, "#kb-search-submit").await?.click().await?;
    poll(
        "a search hit",
        move || async move { Ok(c.find_all(Locator::Css("#kb-results .kb-result")).await?.len() == 1) },
    )
    .await?;
    wait_for(c, "#kb-results .kb-result-title").await?.click().await?;
    wait_for(c, "#kb-content strong").await?;
    Ok(())
}

async fn text_of_flow(c: &Client, css: &str) -> Flow<String> {
    Ok(wait_for(c, css).await?.text().await?)
}
