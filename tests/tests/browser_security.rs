//! Headless-Chromium test of the web client's Security page (issue #5): an admin signs in,
//! sees their sessions (this browser marked, another one revocable), creates an API key with a
//! scope picked from their permissions (secret shown once, and it works against the API), and
//! revokes it.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`
//! (`apt-get install -y chromium chromium-driver`). The element ids used here are the web
//! client's stable test hooks; keep them in step with `web/src`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::Api;
use support::browser::{Flow, in_browser, poll, preflight, row_with, submit_login, wait_for};

const KEY_NAME: &str = "Browser BI export";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_manages_sessions_and_api_keys_in_the_browser() {
    preflight();
    let stack = psa_testkit::Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();
    // another session of the same user, to be revoked from the page
    let (other, _) = stack.login(&admin).await;

    in_browser(async |c| flow(&c, &base, &admin.slug, &admin.email, &admin.password, &other).await).await;
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str, other: &Api) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;
    wait_for(c, "#nav-security").await?.click().await?;

    // Sessions: two, this browser marked; revoke the other one and its token dies.
    poll("two sessions listed", move || async move {
        Ok(c.find_all(Locator::Css("#sessions-table tbody tr")).await?.len() == 2)
    })
    .await?;
    wait_for(c, "#sessions-table .session-current").await?;
    wait_for(c, "#sessions-table .session-revoke").await?.click().await?;
    poll("one session left", move || async move {
        Ok(c.find_all(Locator::Css("#sessions-table tbody tr")).await?.len() == 1)
    })
    .await?;
    if other.get("/api/v1/companies").await.0 != 401 {
        return Err("the revoked session still works".into());
    }

    // API key with a tickets.read scope: the secret is shown once and works.
    wait_for(c, "#api-key-name").await?.send_keys(KEY_NAME).await?;
    wait_for(c, "input[data-permission='tickets.read']").await?.click().await?;
    wait_for(c, "#api-key-create").await?.click().await?;
    let secret = wait_for(c, "#api-key-secret").await?.text().await?;
    if !secret.starts_with("psa_") {
        return Err(format!("unexpected secret {secret:?}").into());
    }
    let key = Api::new(base, Some(secret));
    if key.get("/api/v1/tickets").await.0 != 200 || key.get("/api/v1/companies").await.0 != 403 {
        return Err("the key's scope is not tickets.read".into());
    }
    poll("the key in the list", move || async move { Ok(row_with(c, ".api-key-row", KEY_NAME).await?.is_some()) })
        .await?;
    wait_for(c, ".api-key-row .api-key-revoke").await?.click().await?;
    poll("the key shown revoked", move || async move {
        Ok(match row_with(c, ".api-key-row", KEY_NAME).await? {
            Some(row) => row.find(Locator::Css(".api-key-status")).await?.text().await? == "Revoked",
            None => false,
        })
    })
    .await?;
    Ok(())
}
