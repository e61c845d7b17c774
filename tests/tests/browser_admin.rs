//! Headless-Chromium test of the audit log viewer and tenant administration (issue 5): the
//! platform Super Admin provisions a tenant (password shown once, and it signs in), reads its
//! usage, suspends it (its token is refused) and reactivates it; then finds their own actions in
//! the audit log by action and opens an entry's old and new values.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::{Stack, TenantAdmin};
use support::browser::{Flow, in_browser, poll, preflight, row_with, submit_login, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn super_admin_administers_tenants_and_reads_the_audit_log_in_the_browser() {
    preflight();
    let stack = Stack::start().await;
    let operator = stack.create_platform_tenant("operator").await;
    in_browser(async |c| flow(&c, &stack, &operator).await).await;
}

async fn flow(c: &Client, stack: &Stack, operator: &TenantAdmin) -> Flow<()> {
    submit_login(c, &stack.gateway_url(), &operator.slug, &operator.email, &operator.password).await?;
    wait_for(c, "#nav-tenants").await?.click().await?;

    // provision
    wait_for(c, "#tenant-slug").await?.send_keys("acme").await?;
    wait_for(c, "#tenant-name").await?.send_keys("Acme MSP").await?;
    wait_for(c, "#tenant-admin-email").await?.send_keys("boss@acme.example").await?;
    wait_for(c, "#tenant-create").await?.click().await?;
    let password = wait_for(c, "#tenant-admin-password").await?.text().await?;
    let acme = TenantAdmin {
        tenant_id: Default::default(),
        slug: "acme".into(),
        email: "boss@acme.example".into(),
        password: password.trim().to_owned(),
    };
    let (acme_api, _) = stack.login(&acme).await;
    poll("acme listed", move || async move { Ok(row_with(c, ".tenant-row", "Acme MSP").await?.is_some()) }).await?;

    // usage, suspend (the tenant's token is refused), reactivate
    wait_for(c, ".tenant-row[data-slug='acme'] .tenant-usage").await?.click().await?;
    let usage = wait_for(c, "#tenant-usage").await?.text().await?;
    if !usage.contains("acme") {
        return Err(format!("usage panel: {usage}").into());
    }
    wait_for(c, ".tenant-row[data-slug='acme'] .tenant-suspend").await?.click().await?;
    wait_for(c, ".tenant-row[data-slug='acme'] .tenant-reactivate").await?;
    if acme_api.get("/api/v1/companies").await.0 != 403 {
        return Err("a suspended tenant's token still works".into());
    }
    wait_for(c, ".tenant-row[data-slug='acme'] .tenant-reactivate").await?.click().await?;
    wait_for(c, ".tenant-row[data-slug='acme'] .tenant-suspend").await?;
    if acme_api.get("/api/v1/companies").await.0 != 200 {
        return Err("the reactivated tenant is still refused".into());
    }

    // the audit log: search by action, open the entry's values
    wait_for(c, "#nav-audit").await?.click().await?;
    wait_for(c, "#audit-action").await?.send_keys("tenant_suspended").await?;
    wait_for(c, "#audit-search-submit").await?.click().await?;
    poll("one tenant_suspended entry", move || async move {
        let rows = c.find_all(Locator::Css("#audit-table .audit-row")).await?;
        let mut all = rows.len() == 1;
        for r in rows {
            all &= r.attr("data-action").await?.as_deref() == Some("tenant_suspended");
        }
        Ok(all)
    })
    .await?;
    wait_for(c, "#audit-table .audit-details").await?.click().await?;
    let new_values = wait_for(c, ".audit-new").await?.text().await?;
    if !new_values.contains("\"slug\": \"acme\"") {
        return Err(format!("entry values: {new_values}").into());
    }
    Ok(())
}
