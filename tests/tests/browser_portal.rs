//! Headless-Chromium test of the client portal (issue 5): staff invites a contact from the
//! company page, the invitation mail reaches the local SMTP server, the link opens the portal's
//! "set password" page, the new portal user signs in on the portal and sees their company's
//! tickets only (a ticket shows its public notes, never the internal ones), raises a ticket
//! and replies on it, and as Client Admin sees the company's portal users; then forgets the password,
//! follows the mailed reset link, chooses a new one and signs in with it.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.
//! The element ids used here are the web client's stable test hooks; keep them in step with
//! `web/src`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::smtp::SmtpSink;
use psa_testkit::{Api, Stack, StackOptions};
use serde_json::json;
use support::browser::{Flow, in_browser, poll, preflight, row_with, submit_login, wait_for};

const PASSWORD: &str = "portal passphrase for ann 1";
const NEW_PASSWORD: &str = "a brand new passphrase 2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_set_password_portal_login_and_own_tickets() {
    preflight();
    let smtp = SmtpSink::start().await;
    let stack = Stack::start_with(StackOptions { smtp_url: Some(smtp.url()), ..Default::default() }).await;
    let admin = stack.create_tenant("acme").await;
    let (staff, _) = stack.login(&admin).await;
    let base = stack.gateway_url();
    let seeded = seed(&staff).await;

    in_browser(async |c| flow(&c, &base, &admin, &smtp, &seeded).await).await;
    stack.stop().await;
}

struct Seeded {
    alpha: String,
    own_ticket: String,
    other_ticket: String,
}

async fn seed(staff: &Api) -> Seeded {
    let mut ids = Vec::new();
    for name in ["Alpha Co", "Beta Co"] {
        let (_, c) = staff.post("/api/v1/companies", &json!({"name": name})).await;
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let (s, _) = staff
        .post(
            "/api/v1/contacts",
            &json!({"companyId": ids[0], "firstName": "Ann", "lastName": "Lee", "email": "ann@alpha.example"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, own) = staff.post("/api/v1/tickets", &json!({"title": "Alpha printer jam", "companyId": ids[0]})).await;
    let own_id = own["id"].as_str().unwrap();
    for (body, vis) in
        [("INTERNAL spooler notes", "NOTE_VISIBILITY_INTERNAL"), ("We are on it", "NOTE_VISIBILITY_PUBLIC")]
    {
        let (s, _) =
            staff.post(&format!("/api/v1/tickets/{own_id}/notes"), &json!({"body": body, "visibility": vis})).await;
        assert_eq!(s, 200);
    }
    let (_, other) = staff.post("/api/v1/tickets", &json!({"title": "Beta server down", "companyId": ids[1]})).await;
    Seeded {
        alpha: ids[0].clone(),
        own_ticket: own["title"].as_str().unwrap().to_owned(),
        other_ticket: other["title"].as_str().unwrap().to_owned(),
    }
}

async fn flow(c: &Client, base: &str, admin: &psa_testkit::TenantAdmin, smtp: &SmtpSink, s: &Seeded) -> Flow<()> {
    // Staff signs in and invites Ann from Alpha's company page.
    submit_login(c, base, &admin.slug, &admin.email, &admin.password).await?;
    wait_for(c, "#nav-user-email").await?;
    c.goto(&format!("{base}/companies/{}", s.alpha)).await?;
    wait_for(c, "#portal-invite-contact option[value]:not([value=''])").await?.click().await?;
    wait_for(c, "#portal-invite-role option[value='PORTAL_ROLE_CLIENT_ADMIN']").await?.click().await?;
    wait_for(c, "#portal-invite-submit").await?.click().await?;
    wait_for(c, "#portal-users-notice").await?;
    poll("Ann listed as invited", move || async move {
        Ok(row_with(c, "[data-testid='portal-user-row']", "Invited").await?.is_some())
    })
    .await?;
    // Sign the staff session out so the portal starts clean.
    wait_for(c, "#nav-signout").await?.click().await?;

    // The mail arrived with the link; it opens the portal's set-password page.
    let mail = smtp.next_to("ann@alpha.example").await;
    let prefix = format!("{base}/portal/accept-invitation#token=");
    let (link, _) = mail.link_with(&prefix).ok_or("no invitation link in the mail")?;
    c.goto(&link).await?;
    wait_for(c, "#set-password-new").await?.send_keys(PASSWORD).await?;
    wait_for(c, "#set-password-confirm").await?.send_keys(PASSWORD).await?;
    wait_for(c, "#set-password-submit").await?.click().await?;
    wait_for(c, "#set-password-done").await?;
    wait_for(c, "#set-password-signin").await?.click().await?;

    // Portal sign-in; the company's tickets only.
    let tenant_input = wait_for(c, "#portal-login-tenant").await?;
    tenant_input.clear().await?;
    tenant_input.send_keys(&admin.slug).await?;
    wait_for(c, "#portal-login-email").await?.send_keys("ann@alpha.example").await?;
    wait_for(c, "#portal-login-password").await?.send_keys(PASSWORD).await?;
    wait_for(c, "#portal-login-submit").await?.click().await?;
    wait_for(c, "#portal-tickets-table").await?;
    let rows = c.find_all(Locator::Css("[data-testid='portal-ticket-row']")).await?;
    let mut titles = Vec::new();
    for r in rows {
        titles.push(r.text().await?);
    }
    if titles.len() != 1 || !titles[0].contains(&s.own_ticket) || titles[0].contains(&s.other_ticket) {
        return Err(format!("portal tickets: {titles:?}").into());
    }
    // The ticket: public notes only.
    c.find(Locator::LinkText(&s.own_ticket)).await?.click().await?;
    wait_for(c, "#portal-notes").await?;
    let notes = c.find(Locator::Css("#portal-notes")).await?.text().await?;
    if !notes.contains("We are on it") || notes.contains("INTERNAL") {
        return Err(format!("portal notes: {notes:?}").into());
    }
    // Raise a ticket and reply on it.
    wait_for(c, "#portal-nav-tickets").await?.click().await?;
    wait_for(c, "#portal-ticket-new").await?.click().await?;
    wait_for(c, "#portal-ticket-title").await?.send_keys("Laptop will not boot").await?;
    wait_for(c, "#portal-ticket-description").await?.send_keys("Since this morning.").await?;
    wait_for(c, "#portal-ticket-submit").await?.click().await?;
    poll("the new ticket's page", move || async move {
        Ok(c.find(Locator::Css("#portal-ticket-heading")).await?.text().await?.contains("Laptop will not boot"))
    })
    .await?;
    wait_for(c, "#portal-note-body").await?.send_keys("Any news?").await?;
    wait_for(c, "#portal-note-submit").await?.click().await?;
    poll("the reply listed", move || async move {
        Ok(row_with(c, "[data-testid='portal-note']", "Any news?").await?.is_some())
    })
    .await?;
    // As Client Admin, the company's portal users (Ann herself, active).
    wait_for(c, "#portal-nav-users").await?.click().await?;
    poll("Ann listed as active", move || async move {
        Ok(row_with(c, "[data-testid='portal-user-row']", "Active").await?.is_some())
    })
    .await?;

    // Forgotten password: the link arrives by mail, the new password works.
    wait_for(c, "#portal-signout").await?.click().await?;
    c.goto(&format!("{base}/portal/forgot-password")).await?;
    let tenant_input = wait_for(c, "#forgot-tenant").await?;
    tenant_input.clear().await?;
    tenant_input.send_keys(&admin.slug).await?;
    wait_for(c, "#forgot-email").await?.send_keys("ann@alpha.example").await?;
    wait_for(c, "#forgot-submit").await?.click().await?;
    wait_for(c, "#forgot-sent").await?;
    let mail = smtp.next_to("ann@alpha.example").await;
    let (link, _) =
        mail.link_with(&format!("{base}/portal/reset-password#token=")).ok_or("no reset link in the mail")?;
    c.goto(&link).await?;
    wait_for(c, "#set-password-new").await?.send_keys(NEW_PASSWORD).await?;
    wait_for(c, "#set-password-confirm").await?.send_keys(NEW_PASSWORD).await?;
    wait_for(c, "#set-password-submit").await?.click().await?;
    wait_for(c, "#set-password-signin").await?.click().await?;
    wait_for(c, "#portal-login-email").await?.send_keys("ann@alpha.example").await?;
    wait_for(c, "#portal-login-password").await?.send_keys(NEW_PASSWORD).await?;
    wait_for(c, "#portal-login-submit").await?.click().await?;
    wait_for(c, "#portal-tickets-table").await?;
    Ok(())
}
