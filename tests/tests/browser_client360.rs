//! Headless-Chromium test of the Client 360 page: a staff user opens a client seeded over REST
//! and sees its parent, contacts, open tickets (tickets service), contracts with the service
//! scope's SAF status, COCs, proposals (one added as a draft and submitted from the card) and
//! recent activity; then adds a site (a bad time zone is reported next to its field), moves the
//! client into renewal with a reason, assigns themself as account manager (their name, resolved
//! through identity) and adds a note, each showing up on the page and in the activity timeline.
//!
//! Needs `web/dist` (`scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.

mod support;

use fantoccini::{Client, Locator};
use serde_json::json;
use support::browser::{Flow, click, in_browser, poll, preflight, row_with, submit_login, wait_for};
use support::contracts::{create, soc_service};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_360_shows_and_changes_a_client() {
    preflight();
    let stack = psa_testkit::Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let group = create(&api, "/api/v1/companies", json!({"name": "Globex Group"})).await;
    let company = create(
        &api,
        "/api/v1/companies",
        json!({"name": "Globex Berlin", "parentId": group, "leadScore": 72, "estimatedDealValue": "48000",
               "dealCurrency": "EUR"}),
    )
    .await;
    create(&api, "/api/v1/contacts", json!({"companyId": company, "firstName": "Hank", "lastName": "Scorpio"})).await;
    let service = soc_service(&api).await;
    let contract = create(
        &api,
        "/api/v1/contracts",
        json!({"name": "SOC Monitoring Agreement", "companyId": company, "startDate": "2026-01-01",
               "endDate": "2026-12-31", "currency": "USD"}),
    )
    .await;
    let scope = create(&api, &format!("/api/v1/contracts/{contract}/items"), json!({"serviceId": service})).await;
    create(
        &api,
        "/api/v1/safs",
        json!({"title": "SOC authorisation", "contractId": contract, "serviceScopeId": scope, "currency": "USD"}),
    )
    .await;
    create(
        &api,
        "/api/v1/cocs",
        json!({"title": "ISO 27001", "cocType": "COC_TYPE_ISO27001", "serviceScopeId": scope,
               "issueDate": "2026-01-01", "expiryDate": "2026-12-31"}),
    )
    .await;
    create(&api, "/api/v1/tickets", json!({"title": "Firewall alarms at night", "companyId": company})).await;
    let (_, me) = api.get("/api/v1/users").await;
    let my_name = me["users"][0]["displayName"].as_str().unwrap_or_default().to_owned();
    let my_name = if my_name.is_empty() { admin.email.clone() } else { my_name };

    let base = stack.gateway_url().to_string();
    in_browser(async |c| flow(&c, &base, &admin, &company, &my_name).await).await;
    stack.stop().await;
}

async fn text(c: &Client, css: &str) -> Flow<String> {
    Ok(wait_for(c, css).await?.text().await?)
}

async fn flow(c: &Client, base: &str, admin: &psa_testkit::TenantAdmin, company: &str, my_name: &str) -> Flow<()> {
    submit_login(c, base, &admin.slug, &admin.email, &admin.password).await?;
    wait_for(c, "#nav-user-email").await?;
    c.goto(&format!("{base}/companies/{company}")).await?;

    // What was seeded, in one page.
    if text(c, "#company-name").await? != "Globex Berlin" {
        return Err("wrong company".into());
    }
    expect(c, "#company-parent", "Globex Group").await?;
    expect(c, "#company-lead-score", "72").await?;
    expect(c, "#company-deal-value", "48000.00 EUR").await?;
    poll("the contact", || async { Ok(row_with(c, "[data-testid=contact-row]", "Hank Scorpio").await?.is_some()) })
        .await?;
    poll("the open ticket", || async {
        Ok(c.find(Locator::Css("#company-tickets-table")).await?.text().await?.contains("Firewall alarms at night"))
    })
    .await?;
    expect(c, "#company-contracts-table", "SOC Monitoring Agreement").await?;
    expect(c, "[data-testid=scope-saf]", "SAF-000001 · Draft").await?;
    expect(c, "#company-cocs-table", "COC-000001").await?;
    expect(c, "#company-proposals", "Proposals").await?;
    // A proposal: added as a draft from the card, then submitted.
    wait_for(c, "#proposal-title").await?.send_keys("Managed EDR for 500 endpoints").await?;
    wait_for(c, "#proposal-value").await?.send_keys("72000").await?;
    click(c, "#proposal-submit").await?;
    poll("the new draft proposal", || async {
        Ok(match row_with(c, "[data-testid=proposal-row]", "Managed EDR for 500 endpoints").await? {
            Some(row) => row.text().await?.contains("72000.00 USD") && row.text().await?.contains("Draft"),
            None => false,
        })
    })
    .await?;
    click(c, "[data-testid=proposal-row] button[data-action=submit]").await?;
    poll("the submitted proposal", || async {
        Ok(match row_with(c, "[data-testid=proposal-row]", "Managed EDR for 500 endpoints").await? {
            Some(row) => row.text().await?.contains("Submitted"),
            None => false,
        })
    })
    .await?;
    expect(c, "#activity-list", "Contract C-000001 created").await?;

    // A site: the bad time zone is reported at its field; the fixed one is the primary site.
    wait_for(c, "#site-new-name").await?.send_keys("Berlin office").await?;
    wait_for(c, "#site-new-tz").await?.send_keys("Berlin/Mitte").await?;
    wait_for(c, "#site-new-submit").await?.click().await?;
    expect(c, "#site-new-tz-error", "IANA").await?;
    let tz = wait_for(c, "#site-new-tz").await?;
    tz.clear().await?;
    tz.send_keys("Europe/Berlin").await?;
    wait_for(c, "#site-new-submit").await?.click().await?;
    poll("the new primary site", || async {
        Ok(match row_with(c, "[data-testid=site-row]", "Berlin office").await? {
            Some(row) => row.text().await?.contains("Europe/Berlin") && row.text().await?.contains("Primary"),
            None => false,
        })
    })
    .await?;

    // Lifecycle: active → renewal with a reason.
    wait_for(c, "#status-target").await?.select_by_value("COMPANY_STATUS_RENEWAL").await?;
    wait_for(c, "#status-reason").await?.send_keys("Contract ends in 90 days").await?;
    wait_for(c, "#status-submit").await?.click().await?;
    expect(c, "#company-status .badge", "Renewal").await?;
    expect(c, "#activity-list", "Status changed from active to renewal: Contract ends in 90 days").await?;
    // The lifecycle history, newest first: this move above the creation.
    expect(c, "#status-history [data-testid=status-change]", "Active → Renewal — Contract ends in 90 days").await?;
    let first = wait_for(c, "#status-history [data-testid=status-change]").await?.text().await?;
    if !first.contains("Renewal") {
        return Err(format!("the newest move is not first: {first}").into());
    }

    // Team: the staff member's name comes from identity.
    wait_for(c, "#team-role").await?.select_by_value("TEAM_ROLE_ACCOUNT_MANAGER").await?;
    wait_for(c, "#team-submit").await?.click().await?;
    poll("the account manager", || async {
        Ok(row_with(c, "[data-testid=team-member]", my_name).await?.is_some_and(|_| true))
    })
    .await?;
    expect(c, "#team-list", "Account manager").await?;

    // A note.
    wait_for(c, "#note-body").await?.send_keys("Prefers calls before 10:00").await?;
    wait_for(c, "#note-submit").await?.click().await?;
    expect(c, "#notes-list", "Prefers calls before 10:00").await?;
    expect(c, "#activity-list", "Note: Prefers calls before 10:00").await?;
    Ok(())
}

/// Waits until the element matching `css` contains `want`.
async fn expect(c: &Client, css: &str, want: &str) -> Flow<()> {
    wait_for(c, css).await?;
    poll(&format!("`{want}` in {css}"), || async {
        let mut found = false;
        for e in c.find_all(Locator::Css(css)).await? {
            if e.text().await.is_ok_and(|t| t.contains(want)) {
                found = true;
            }
        }
        Ok(found)
    })
    .await
}
