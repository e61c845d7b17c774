//! Headless-Chromium test of the single sign-on settings on the Security page (issue #5): an
//! admin adds an LDAP directory (a bad URL is refused and the form keeps its input), deletes
//! it, and adds an OpenID Connect provider whose client secret is stored but never shown.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.
//! The element ids used here are the web client's stable test hooks; keep them in step with
//! `web/src/pages/sso_settings.rs`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::Stack;
use support::browser::{Flow, click, fill, in_browser, poll, preflight, submit_login, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_adds_and_removes_sign_in_providers() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("ssoco").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;

    in_browser(async |c| flow(&c, &base, &admin.slug, &admin.email, &admin.password).await).await;
    let (_, dirs) = api.get("/api/v1/ldap-directories").await;
    assert!(dirs.to_string().contains("\"ldapDirectories\":[]") || dirs.get("ldapDirectories").is_none(), "{dirs}");
    let (_, idps) = api.get("/api/v1/identity-providers").await;
    assert!(idps.to_string().contains("\"clientSecretSet\":true"), "{idps}");
    assert!(!idps.to_string().contains("s3cret-value"), "the secret is never returned: {idps}");
    stack.stop().await;
}

async fn value(c: &Client, css: &str) -> Flow<String> {
    Ok(wait_for(c, css).await?.prop("value").await?.unwrap_or_default())
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;
    click(c, "#nav-security").await?;

    // LDAP: a URL that is not ldap(s) is refused and the input stays for correction.
    fill(c, "#ldap-name", "corp").await?;
    fill(c, "#ldap-url", "http://dc1.corp.example").await?;
    fill(c, "#ldap-template", "uid={username},ou=people,dc=corp,dc=example").await?;
    click(c, "#ldap-create").await?;
    wait_for(c, "#ldap-directories [role=alert]").await?;
    if value(c, "#ldap-url").await? != "http://dc1.corp.example" {
        return Err("the form lost its input after an error".into());
    }
    fill(c, "#ldap-url", "ldaps://dc1.corp.example").await?;
    click(c, "#ldap-create").await?;
    poll("the directory listed", move || async move {
        Ok(c.find_all(Locator::Css("#ldap-table .ldap-row")).await?.len() == 1)
    })
    .await?;
    if !value(c, "#ldap-url").await?.is_empty() {
        return Err("the form was not cleared after a successful create".into());
    }
    click(c, ".ldap-delete").await?;
    poll("the directory gone", move || async move {
        Ok(c.find_all(Locator::Css("#ldap-table .ldap-row")).await?.is_empty())
    })
    .await?;

    // OIDC: the secret is stored and the row says so, without showing it.
    fill(c, "#idp-name", "okta").await?;
    fill(c, "#idp-display-name", "Okta").await?;
    fill(c, "#idp-issuer", "https://login.okta.example").await?;
    fill(c, "#idp-client-id", "psa-client").await?;
    fill(c, "#idp-client-secret", "s3cret-value").await?;
    fill(c, "#idp-domains", "acme.example").await?;
    click(c, "#idp-create").await?;
    let row = wait_for(c, "#idp-table .idp-row").await?.text().await?;
    if !row.contains("secret stored") || row.contains("s3cret-value") {
        return Err(format!("provider row {row:?}").into());
    }
    Ok(())
}
