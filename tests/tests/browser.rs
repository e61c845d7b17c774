//! Headless-Chromium test of the web client (DESIGN.md §8): a staff user signs in, creates a
//! company and a ticket through the UI, and finds the ticket in the list with the company's
//! name (which reaches the tickets service through an event projection, hence the polling).
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`
//! (`apt-get install -y chromium chromium-driver`). The element ids used here are the web
//! client's stable test hooks; keep them in step with `web/src`.

mod support;

use fantoccini::{Client, Locator};
use serde_json::json;
use support::browser::{Flow, in_browser, poll, preflight, row_with, submit_login, wait_for};

const COMPANY: &str = "Browser Test Co";
const TICKET: &str = "Printer on floor 2 is jammed";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_creates_company_and_ticket_in_the_browser() {
    preflight();
    let stack = psa_testkit::Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();

    in_browser(async |c| flow(&c, &base, &admin.slug, &admin.email, &admin.password).await).await;
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str) -> Flow<()> {
    // Sign in.
    submit_login(c, base, tenant, email, password).await?;
    let who = wait_for(c, "#nav-user-email").await?.text().await?;
    if who != email {
        return Err(format!("signed in as {who:?}, expected {email:?}").into());
    }

    // Create a company through the "New company" form; it shows up in the list.
    wait_for(c, "#company-new-open").await?.click().await?;
    wait_for(c, "#company-new-name").await?.send_keys(COMPANY).await?;
    wait_for(c, "#company-new-submit").await?.click().await?;
    wait_for(c, "#company-created").await?;
    poll("the new company in the companies list", move || async move {
        Ok(row_with(c, "[data-testid=company-row]", COMPANY).await?.is_some())
    })
    .await?;

    // Create a ticket for it through the New ticket form.
    wait_for(c, "#nav-tickets").await?.click().await?;
    wait_for(c, "#ticket-new-open").await?.click().await?;
    wait_for(c, "#ticket-new-title").await?.send_keys(TICKET).await?;
    let company_select = wait_for(c, "#ticket-new-company").await?;
    let select = &company_select;
    poll("the company in the ticket form's company select", move || async move {
        Ok(select.find_all(Locator::XPath(&format!(".//option[.='{COMPANY}']"))).await?.len() == 1)
    })
    .await?;
    company_select.select_by_label(COMPANY).await?;
    wait_for(c, "#ticket-new-submit").await?.click().await?;
    let number = wait_for(c, "#ticket-number").await?.text().await?;
    if !number.starts_with("T-") {
        return Err(format!("unexpected ticket number {number:?}").into());
    }

    // The tickets list shows it with the company's name (projected from the company event).
    wait_for(c, "#nav-tickets").await?.click().await?;
    let number = number.as_str();
    poll("the ticket with its company name in the tickets list", move || async move {
        if let Some(row) = row_with(c, "[data-testid=ticket-row]", TICKET).await? {
            let company = row.find(Locator::Css("[data-testid=ticket-company]")).await?.text().await?;
            let shown_number = row.find(Locator::Css("[data-testid=ticket-number]")).await?.text().await?;
            if company == COMPANY && shown_number == number {
                return Ok(true);
            }
        }
        // Not there yet: ask the list to reload.
        if let Ok(refresh) = c.find(Locator::Css("#tickets-refresh")).await
            && refresh.is_enabled().await.unwrap_or(false)
        {
            refresh.click().await?;
        }
        Ok(false)
    })
    .await?;
    Ok(())
}

/// A staff user defines a service's scope template in the catalog page (a keyword outside the
/// subset is refused), then opens a contract, picks the service and fills the scope form the
/// web client rendered from the template: a bad value is reported next to its field, a good
/// one adds the service with its scope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_adds_a_service_through_its_template_form() {
    preflight();
    let stack = psa_testkit::Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": COMPANY})).await;
    let (_, service) = api
        .post(
            "/api/v1/services",
            &json!({"name": "Managed EDR", "deliveryModel": "DELIVERY_MODEL_SERVERLESS", "basePrice": "9",
                    "currency": "USD", "pricingUnit": "PRICING_UNIT_PER_ENDPOINT"}),
        )
        .await;
    assert!(service["id"].is_string(), "{service}");
    let (s, contract) = api
        .post(
            "/api/v1/contracts",
            &json!({"name": "Managed SOC", "companyId": company["id"], "startDate": "2026-01-01", "currency": "USD"}),
        )
        .await;
    assert_eq!(s, 200, "{contract}");
    let base = stack.gateway_url().to_string();

    in_browser(async |c| scope_flow(&c, &base, &admin.slug, &admin.email, &admin.password).await).await;
}

async fn scope_flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;

    // Define the service's scope template in the catalog page's editor: a keyword outside the
    // subset is refused naming it, the valid template becomes version 1.
    wait_for(c, "#nav-services").await?.click().await?;
    wait_for(c, "[data-testid=service-edit-template]").await?.click().await?;
    let editor = wait_for(c, "#template-json").await?;
    editor.clear().await?;
    editor.send_keys(r#"{"type": "object", "properties": {"endpoints": {"type": "integer", "pattern": "x"}}}"#).await?;
    wait_for(c, "#template-submit").await?.click().await?;
    poll("the refused keyword in the error banner", move || async move {
        Ok(c.source().await?.contains("schema.properties.endpoints.pattern"))
    })
    .await?;
    editor.clear().await?;
    editor
        .send_keys(
            r#"{"type": "object", "required": ["endpoints", "edr_platform"], "properties": {
            "endpoints": {"type": "integer", "title": "Number of endpoints", "minimum": 1},
            "edr_platform": {"type": "string", "title": "EDR platform", "enum": ["CarbonBlack", "CrowdStrike", "SentinelOne"]}}}"#,
        )
        .await?;
    wait_for(c, "#template-submit").await?.click().await?;
    poll("template version 1 in the catalog", move || async move {
        Ok(row_with(c, "[data-testid=service-row]", "v1").await?.is_some())
    })
    .await?;

    wait_for(c, "#nav-contracts").await?.click().await?;
    poll("the contract in the contracts list", move || async move {
        Ok(row_with(c, "[data-testid=contract-row]", "Managed SOC").await?.is_some())
    })
    .await?;
    wait_for(c, "[data-testid=contract-row] a").await?.click().await?;
    wait_for(c, "#item-new-open").await?.click().await?;
    let select = wait_for(c, "#item-new-service").await?;
    let s = &select;
    poll("the service in the service select", move || async move {
        Ok(s.find_all(Locator::XPath(".//option[contains(., 'Managed EDR')]")).await?.len() == 1)
    })
    .await?;
    let option = select.find(Locator::XPath(".//option[contains(., 'Managed EDR')]")).await?;
    option.click().await?;
    // The template's parameters become form fields, with their titles as labels.
    let endpoints = wait_for(c, "#scope-endpoints").await?;
    let label = c.find(Locator::Css("label[for=scope-endpoints]")).await?.text().await?;
    if !label.contains("Number of endpoints") {
        return Err(format!("unexpected label {label:?}").into());
    }
    if endpoints.attr("type").await?.as_deref() != Some("number") {
        return Err("endpoints is not a number input".into());
    }
    wait_for(c, "#scope-edr_platform").await?.select_by_label("CrowdStrike").await?;
    endpoints.send_keys("0").await?;
    wait_for(c, "#item-new-submit").await?.click().await?;
    let error = wait_for(c, "#scope-endpoints-error").await?.text().await?;
    if error.is_empty() {
        return Err("no error shown next to the endpoints field".into());
    }
    endpoints.clear().await?;
    endpoints.send_keys("250").await?;
    wait_for(c, "#item-new-submit").await?.click().await?;
    poll("the new service with its scope on the contract", move || async move {
        Ok(row_with(c, "[data-testid=contract-item-row]", "edr_platform: CrowdStrike").await?.is_some())
    })
    .await?;
    Ok(())
}

/// A user with TOTP MFA signs in through the second step (here with a recovery code, which
/// does not depend on the 30-second window the enrolment code already used).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_user_signs_in_with_a_second_step() {
    preflight();
    let stack = psa_testkit::Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let (s, setup) = api.post("/api/v1/auth/mfa/setup", &serde_json::json!({})).await;
    assert_eq!(s, 200, "{setup}");
    let uri = setup["otpauthUri"].as_str().unwrap();
    let code = totp_rs::Totp::from_url(uri).expect("otpauth URI").generate_current().to_string();
    let (s, verified) = api.post("/api/v1/auth/mfa/verify", &serde_json::json!({ "code": code })).await;
    assert_eq!(s, 200, "{verified}");
    let recovery = verified["recoveryCodes"][0].as_str().unwrap().to_owned();
    let base = stack.gateway_url().to_string();

    in_browser(async |client| {
        let c = &client;
        submit_login(c, &base, &admin.slug, &admin.email, &admin.password).await?;
        // A wrong code is refused and the second step stays open.
        wait_for(c, "#login-mfa-code").await?.send_keys("000000").await?;
        wait_for(c, "#login-mfa-submit").await?.click().await?;
        wait_for(c, "#login-error").await?;
        let input = wait_for(c, "#login-mfa-code").await?;
        input.clear().await?;
        input.send_keys(&recovery).await?;
        wait_for(c, "#login-mfa-submit").await?.click().await?;
        let who = wait_for(c, "#nav-user-email").await?.text().await?;
        if who != admin.email {
            return Err(format!("signed in as {who:?}, expected {:?}", admin.email).into());
        }
        Ok(())
    })
    .await;
}
