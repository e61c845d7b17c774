//! Headless-Chromium test of user administration and MFA enrolment (issue 5): an admin creates
//! a user with a role, disables and re-enables them, changes their role, creates a custom role
//! from permission checkboxes; then enrols in two-factor authentication from the security page
//! (QR code shown, code from the displayed key verified, recovery codes shown once), after
//! which sign-in asks for a second factor.
//!
//! Needs `web/dist` (`scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::{Api, TenantAdmin};
use serde_json::json;
use support::browser::{Flow, in_browser, poll, preflight, row_with, submit_login, wait_for};

const NEW_EMAIL: &str = "dana.tech@acme.example";
const NEW_PASSWORD: &str = "copper-falcon-8812";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_manages_users_and_enrols_in_mfa_in_the_browser() {
    preflight();
    let stack = psa_testkit::Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;

    in_browser(async |c| flow(&c, &base, &admin, &api).await).await;
    stack.stop().await;
}

/// Scrolls `css` to the middle of the window (clear of the sticky top bar) and clicks it.
async fn click(c: &Client, css: &str) -> Flow<()> {
    let el = wait_for(c, css).await?;
    c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![serde_json::to_value(&el)?]).await?;
    el.click().await?;
    Ok(())
}

async fn user_status(c: &Client) -> Result<String, fantoccini::error::CmdError> {
    match row_with(c, ".user-row", NEW_EMAIL).await? {
        Some(row) => row.find(Locator::Css(".user-status")).await?.text().await,
        None => Ok(String::new()),
    }
}

async fn login_status(base: &str, tenant: &str, email: &str, password: &str) -> (u16, serde_json::Value) {
    Api::new(base, None)
        .post("/api/v1/auth/login", &json!({ "tenant": tenant, "email": email, "password": password }))
        .await
}

async fn flow(c: &Client, base: &str, admin: &TenantAdmin, api: &Api) -> Flow<()> {
    submit_login(c, base, &admin.slug, &admin.email, &admin.password).await?;
    wait_for(c, "#nav-users").await?.click().await?;

    // Create a technician.
    wait_for(c, "#user-email").await?.send_keys(NEW_EMAIL).await?;
    wait_for(c, "#user-name").await?.send_keys("Dana Tech").await?;
    wait_for(c, "#user-password").await?.send_keys(NEW_PASSWORD).await?;
    wait_for(c, "#user-roles input[data-value='technician']").await?.click().await?;
    wait_for(c, "#user-create").await?.click().await?;
    poll("the new user listed as Active", move || async move { Ok(user_status(c).await? == "Active") }).await?;
    if login_status(base, &admin.slug, NEW_EMAIL, NEW_PASSWORD).await.0 != 200 {
        return Err("the new user cannot sign in".into());
    }

    // Disable: sign-in refused; enable again.
    let row = row_with(c, ".user-row", NEW_EMAIL).await?.ok_or("no row")?;
    row.find(Locator::Css(".user-disable")).await?.click().await?;
    poll("the user shown Disabled", move || async move { Ok(user_status(c).await? == "Disabled") }).await?;
    if login_status(base, &admin.slug, NEW_EMAIL, NEW_PASSWORD).await.0 != 401 {
        return Err("a disabled user can still sign in".into());
    }
    let row = row_with(c, ".user-row", NEW_EMAIL).await?.ok_or("no row")?;
    row.find(Locator::Css(".user-enable")).await?.click().await?;
    poll("the user shown Active again", move || async move { Ok(user_status(c).await? == "Active") }).await?;

    // Change the role to Manager.
    let row = row_with(c, ".user-row", NEW_EMAIL).await?.ok_or("no row")?;
    row.find(Locator::Css(".user-role-select")).await?.select_by_value("manager").await?;
    poll("the role shown as Manager", move || async move {
        Ok(match row_with(c, ".user-row", NEW_EMAIL).await? {
            Some(row) => row.find(Locator::Css(".user-roles")).await?.text().await?.starts_with("Manager"),
            None => false,
        })
    })
    .await?;
    let (_, users) = api.get("/api/v1/users?filter=email%3D%22dana.tech%40acme.example%22").await;
    if users["users"][0]["roleIds"] != json!(["manager"]) {
        return Err(format!("roles not saved: {users}").into());
    }

    // A custom role from checkboxes.
    wait_for(c, "#role-name").await?.send_keys("Ticket reader").await?;
    wait_for(c, "#role-form input[data-value='tickets.read']").await?.click().await?;
    click(c, "#role-create").await?;
    poll(
        "the custom role listed",
        move || async move { Ok(row_with(c, ".role-row", "Ticket reader").await?.is_some()) },
    )
    .await?;
    let (_, roles) = api.get("/api/v1/roles").await;
    let custom = roles["roles"].as_array().unwrap().iter().find(|r| r["name"] == "Ticket reader").cloned();
    if custom.is_none_or(|r| r["permissions"] != json!(["tickets.read"])) {
        return Err(format!("custom role not saved: {roles}").into());
    }

    // MFA enrolment from the security page.
    c.execute("window.scrollTo(0, 0);", vec![]).await?;
    wait_for(c, "#nav-security").await?.click().await?;
    click(c, "#mfa-setup").await?;
    wait_for(c, "#mfa-qr svg").await?;
    let uri = wait_for(c, "#mfa-uri").await?.text().await?;
    let code = totp_rs::Totp::from_url(&uri).map_err(|e| format!("bad URI {uri}: {e}"))?.generate_current();
    wait_for(c, "#mfa-code").await?.send_keys(&code.to_string()).await?;
    click(c, "#mfa-verify").await?;
    wait_for(c, "#mfa-recovery").await?;
    let codes = c.find_all(Locator::Css(".mfa-recovery-code")).await?.len();
    if codes != 10 {
        return Err(format!("{codes} recovery codes shown").into());
    }
    let (s, pair) = login_status(base, &admin.slug, &admin.email, &admin.password).await;
    if s != 200 || pair["mfaRequired"] != true {
        return Err(format!("sign-in does not ask for the second factor: {pair}").into());
    }
    Ok(())
}
