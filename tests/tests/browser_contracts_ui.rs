//! Headless-Chromium tests of the issue #3 web client: the Import page (a clients CSV with one
//! bad row: progress, the bad-row report, the good row imported), Settings → Custom fields
//! (create with a field error from the API shown at its input, edit, delete) and a company
//! form using the fields (validation error at the custom input, values in the list and on the
//! company page, parent picker with the API's cycle error), the contact edit form (PATCH of
//! the changed fields with a custom field), the company rate-card editor and the contract
//! page's custom fields card (with the value as a contracts list column), the company page's
//! Attachments card (upload, listed, delete after confirmation) and the custom-field filter of
//! the Companies and Contracts lists; the contract page's SAF and COC cards (create with custom
//! fields and a field error, the lifecycle buttons, a SAF activating its scope) with custom-field
//! inputs in the "Add service" and proposal forms, the contract Details card's edit form and
//! its Documents card; the company page's Proposals card (create with description, assignee,
//! contract and scope, edit to version 2 with a field error, history, submit, accept with a
//! reason activating the scope, reject with a reason and its length error).
//!
//! Needs `web/dist` (`scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.

mod support;

use fantoccini::{Client, Locator};
use psa_testkit::{Stack, TenantAdmin};
use serde_json::json;
use support::browser::{Flow, click, in_browser, poll, preflight, row_with, submit_login, wait_for};
use support::contracts::{create, soc_service};

async fn sign_in(c: &Client, base: &str, admin: &TenantAdmin) -> Flow<()> {
    submit_login(c, base, &admin.slug, &admin.email, &admin.password).await?;
    // Password hashing is slow on a loaded machine with debug builds: allow a minute.
    c.wait()
        .at_most(std::time::Duration::from_secs(60))
        .for_element(Locator::Css("#nav-user-email"))
        .await
        .map_err(|e| format!("waiting for the signed-in layout: {e}"))?;
    Ok(())
}

/// Waits until an element matching `css` contains `want`.
async fn expect(c: &Client, css: &str, want: &str) -> Flow<()> {
    wait_for(c, css).await?;
    poll(&format!("`{want}` in {css}"), || async {
        for e in c.find_all(Locator::Css(css)).await? {
            if e.text().await.is_ok_and(|t| t.contains(want)) {
                return Ok(true);
            }
        }
        Ok(false)
    })
    .await
}

/// Replaces the text of the input matching `css`. The input is emptied with an `input` event
/// (WebDriver's clear fires none, so a component re-rendered before the typing would put its
/// old value back and the keys would be appended to it), then typed into; the value is
/// checked and the fill retried.
async fn fill(c: &Client, css: &str, text: &str) -> Flow<()> {
    let e = wait_for(c, css).await?;
    for _ in 0..3 {
        c.execute(
            "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::to_value(&e)?],
        )
        .await?;
        e.send_keys(text).await?;
        if e.prop("value").await?.as_deref() == Some(text) {
            return Ok(());
        }
    }
    Err(format!("{css} did not take {text:?}").into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_page_shows_progress_and_the_bad_row_report() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let base = stack.gateway_url().to_string();
    let csv = std::env::temp_dir().join(format!("psa-browser-clients-{}.csv", std::process::id()));
    // Line 3 has no name: the one bad row.
    std::fs::write(&csv, "name,industry,companySize\nInitech,Software,small\n,Retail,medium\nHooli,Internet,large\n")
        .unwrap();
    let path = csv.to_string_lossy().into_owned();
    in_browser(|c| async move {
        sign_in(&c, &base, &admin).await?;
        click(&c, "#nav-imports").await?;
        wait_for(&c, "#import-type").await?.select_by_value("clients").await?;
        wait_for(&c, "#import-file").await?.send_keys(&path).await?;
        expect(&c, ".file-name", "psa-browser-clients").await?;
        wait_for(&c, "#import-mode").await?.select_by_value("valid_rows").await?;
        click(&c, "#import-start").await?;
        wait_for(&c, "#import-progress").await?;
        poll("the finished job", || async {
            let job = c.find(Locator::Css("#import-job")).await?;
            Ok(job.attr("data-state").await?.is_some_and(|s| s.ends_with("SUCCEEDED")))
        })
        .await?;
        expect(&c, "#import-read", "3").await?;
        expect(&c, "#import-bad", "1").await?;
        expect(&c, "#import-created", "2").await?;
        let rows = c.find_all(Locator::Css("[data-testid=import-error-row]")).await?;
        if rows.len() != 1 {
            return Err(format!("expected one bad row, got {}", rows.len()).into());
        }
        let row = rows[0].text().await?;
        if !(row.starts_with('3') && row.contains("name")) {
            return Err(format!("bad-row report: {row}").into());
        }
        let progress = wait_for(&c, "#import-progress").await?;
        if progress.attr("value").await?.as_deref() != Some("3") {
            return Err("the progress bar is not full".into());
        }
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(&csv);
    let (_, list) = api.get("/api/v1/companies?orderBy=name").await;
    let names: Vec<&str> = list["companies"].as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["Hooli", "Initech"], "valid rows imported: {list}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_field_admin_and_a_company_form_using_the_fields() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let group = create(&api, "/api/v1/companies", json!({"name": "Umbrella Group"})).await;
    let base = stack.gateway_url().to_string();
    let group_id = group.clone();
    in_browser(|c| async move {
        sign_in(&c, &base, &admin).await?;
        click(&c, "#nav-settings").await?;
        wait_for(&c, "#custom-fields-page").await?;
        wait_for(&c, "#cf-entity").await?.select_by_value("CUSTOM_FIELD_ENTITY_COMPANY").await?;

        // A key the API rejects: its message is shown at the key input.
        click(&c, "#cf-new-open").await?;
        fill(&c, "#cf-label", "PO number").await?;
        fill(&c, "#cf-key", "PO Number").await?;
        fill(&c, "#cf-regex", "^PO-[0-9]+$").await?;
        click(&c, "#cf-required").await?;
        click(&c, "#cf-submit").await?;
        wait_for(&c, "#cf-key-error").await?;
        fill(&c, "#cf-key", "po_number").await?;
        click(&c, "#cf-submit").await?;
        expect(&c, "[data-testid=cf-row][data-key=po_number]", "PO number").await?;
        expect(&c, "[data-testid=cf-row][data-key=po_number]", "pattern ^PO-[0-9]+$").await?;

        // A select field, then its label edited.
        click(&c, "#cf-new-open").await?;
        fill(&c, "#cf-label", "Tier").await?;
        fill(&c, "#cf-key", "tier").await?;
        wait_for(&c, "#cf-type").await?.select_by_value("CUSTOM_FIELD_TYPE_SELECT").await?;
        fill(&c, "#cf-options", "Gold\nSilver").await?;
        click(&c, "#cf-submit").await?;
        expect(&c, "[data-testid=cf-row][data-key=tier]", "Gold, Silver").await?;
        click(&c, "[data-testid=cf-row][data-key=tier] .cf-edit").await?;
        if wait_for(&c, "#cf-key").await?.attr("disabled").await?.is_none() {
            return Err("the key of an existing field is editable".into());
        }
        fill(&c, "#cf-label", "Support tier").await?;
        click(&c, "#cf-submit").await?;
        expect(&c, "[data-testid=cf-row][data-key=tier]", "Support tier").await?;

        // A throwaway field, deleted after confirmation.
        click(&c, "#cf-new-open").await?;
        fill(&c, "#cf-label", "Legacy id").await?;
        fill(&c, "#cf-key", "legacy_id").await?;
        click(&c, "#cf-submit").await?;
        click(&c, "[data-testid=cf-row][data-key=legacy_id] .cf-delete").await?;
        click(&c, "[data-testid=cf-row][data-key=legacy_id] .cf-delete-confirm").await?;
        poll("the deleted field gone", || async {
            Ok(c.find_all(Locator::Css("[data-testid=cf-row][data-key=legacy_id]")).await?.is_empty())
        })
        .await?;

        // The company form: the pattern violation is shown at the custom input.
        click(&c, "#nav-companies").await?;
        click(&c, "#company-new-open").await?;
        fill(&c, "#company-new-name", "Umbrella Raccoon City").await?;
        fill(&c, "#company-new-cf-po_number", "12345").await?;
        wait_for(&c, "#company-new-cf-tier").await?.select_by_value("Gold").await?;
        wait_for(&c, "#company-new-parent[data-loaded=true]").await?.select_by_value(&group_id).await?;
        click(&c, "#company-new-submit").await?;
        wait_for(&c, "#company-new-cf-po_number-error").await?;
        fill(&c, "#company-new-cf-po_number", "PO-4711").await?;
        click(&c, "#company-new-submit").await?;
        wait_for(&c, "#company-created").await?;
        // The values as list columns.
        let row = poll_row(&c, "[data-testid=company-row]", "Umbrella Raccoon City").await?;
        if !(row.contains("PO-4711") && row.contains("Gold")) {
            return Err(format!("company row without its custom fields: {row}").into());
        }
        // (Column titles are upper-cased by the style sheet.)
        let th = wait_for(&c, "#companies-table th[data-key=tier]").await?.text().await?;
        if th.to_lowercase() != "support tier" {
            return Err(format!("custom field column title: {th}").into());
        }

        // The company page: values, parent; edit both, and the API's cycle error at the parent.
        let link = row_link(&c, "Umbrella Raccoon City").await?;
        c.goto(&link).await?;
        expect(&c, "#company-name", "Umbrella Raccoon City").await?;
        expect(&c, "dd[data-key=po_number]", "PO-4711").await?;
        expect(&c, "dd[data-key=tier]", "Gold").await?;
        expect(&c, "#company-parent", "Umbrella Group").await?;
        let child_url = c.current_url().await?.to_string();
        click(&c, "#company-edit-open").await?;
        fill(&c, "#company-edit-cf-po_number", "PO-4712").await?;
        wait_for(&c, "#company-edit-cf-tier").await?.select_by_value("Silver").await?;
        click(&c, "#company-edit-submit").await?;
        expect(&c, "dd[data-key=po_number]", "PO-4712").await?;
        expect(&c, "dd[data-key=tier]", "Silver").await?;

        // The group cannot become its subsidiary's child.
        c.goto(&format!("{base}/companies/{group_id}")).await?;
        expect(&c, "#company-name", "Umbrella Group").await?;
        click(&c, "#company-edit-open").await?;
        let child_id = child_url.rsplit('/').next().unwrap_or_default().to_owned();
        wait_for(&c, "#company-edit-parent[data-loaded=true]").await?.select_by_value(&child_id).await?;
        click(&c, "#company-edit-submit").await?;
        wait_for(&c, "#company-edit-parent-error").await?;
        Ok(())
    })
    .await;
    let (_, list) = api.get("/api/v1/companies?filter=name%3D%22Umbrella%20Raccoon%20City%22").await;
    let company = &list["companies"][0];
    assert_eq!(company["customFields"], json!({"po_number": "PO-4712", "tier": "Silver"}), "{company}");
    assert_eq!(company["parentId"], json!(group), "{company}");
    let (_, g) = api.get(&format!("/api/v1/companies/{group}")).await;
    assert!(g["parentId"].as_str().unwrap_or_default().is_empty(), "the cycle was refused: {g}");
    let (_, defs) = api.get("/api/v1/custom-field-definitions").await;
    let keys: Vec<&str> = defs["definitions"].as_array().unwrap().iter().filter_map(|d| d["key"].as_str()).collect();
    assert_eq!(keys, ["po_number", "tier"], "{defs}");
    stack.stop().await;
}

/// Polls for a row containing `text` and returns its text.
async fn poll_row(c: &Client, css: &str, text: &str) -> Flow<String> {
    let found = std::cell::RefCell::new(String::new());
    poll(&format!("a row with `{text}`"), || async {
        Ok(match row_with(c, css, text).await? {
            Some(row) => {
                *found.borrow_mut() = row.text().await?;
                true
            }
            None => false,
        })
    })
    .await?;
    Ok(found.into_inner())
}

/// The href of the company link in the companies row containing `text`.
async fn row_link(c: &Client, text: &str) -> Flow<String> {
    poll_row(c, "[data-testid=company-row]", text).await?;
    let row = row_with(c, "[data-testid=company-row]", text).await?.ok_or("row vanished")?;
    let a = row.find(Locator::Css("a")).await?;
    Ok(a.prop("href").await?.ok_or("no href")?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_edit_form_and_company_rate_card() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let company = create(&api, "/api/v1/companies", json!({"name": "Stark Industries"})).await;
    let contact = create(
        &api,
        "/api/v1/contacts",
        json!({"companyId": company, "firstName": "Pepper", "lastName": "Potts", "title": "Assistant",
               "email": "pepper@stark.example"}),
    )
    .await;
    create(
        &api,
        "/api/v1/custom-field-definitions",
        json!({"entityType": "CUSTOM_FIELD_ENTITY_CONTACT", "key": "seats", "label": "Seats",
               "fieldType": "CUSTOM_FIELD_TYPE_NUMBER", "min": 1}),
    )
    .await;
    create(
        &api,
        "/api/v1/custom-field-definitions",
        json!({"entityType": "CUSTOM_FIELD_ENTITY_CONTRACT", "key": "cost_centre", "label": "Cost centre",
               "fieldType": "CUSTOM_FIELD_TYPE_TEXT"}),
    )
    .await;
    let contract = create(
        &api,
        "/api/v1/contracts",
        json!({"name": "Arc Reactor Support", "companyId": company, "startDate": "2026-01-01", "currency": "USD",
               "customFields": {"cost_centre": "CC-7"}}),
    )
    .await;
    let work_type =
        create(&api, "/api/v1/work-types", json!({"name": "Remote support", "billable": true, "active": true})).await;
    let base = stack.gateway_url().to_string();
    let (company_id, contract_id) = (company.clone(), contract.clone());
    in_browser(|c| async move {
        sign_in(&c, &base, &admin).await?;
        c.goto(&format!("{base}/companies/{company_id}")).await?;
        poll_row(&c, "[data-testid=contact-row]", "Pepper Potts").await?;
        click(&c, "[data-testid=contact-row] .contact-edit").await?;
        if wait_for(&c, "#contact-edit-first-name").await?.prop("value").await?.as_deref() != Some("Pepper") {
            return Err("the edit form is not filled with the contact".into());
        }
        fill(&c, "#contact-edit-title", "CEO").await?;
        fill(&c, "#contact-edit-cf-seats", "0").await?;
        click(&c, "#contact-edit-submit").await?;
        wait_for(&c, "#contact-edit-cf-seats-error").await?;
        fill(&c, "#contact-edit-cf-seats", "12").await?;
        click(&c, "#contact-edit-submit").await?;
        poll("the edited contact", || async {
            Ok(match row_with(&c, "[data-testid=contact-row]", "Pepper Potts").await? {
                Some(row) => {
                    let t = row.text().await?;
                    t.contains("CEO") && t.contains("12")
                }
                None => false,
            })
        })
        .await?;
        if !c.find_all(Locator::Css("#contact-edit-form")).await?.is_empty() {
            return Err("the edit form stayed open".into());
        }

        // The company's rate card: created with one work type.
        click(&c, "#rate-card-create").await?;
        click(&c, "#rate-line-add").await?;
        fill(&c, "[data-testid=rate-line-edit] .rate-hourly", "150").await?;
        fill(&c, "[data-testid=rate-line-edit] .rate-emergency", "300").await?;
        click(&c, "#rate-card-submit").await?;
        let line = poll_row(&c, "[data-testid=rate-line]", "Remote support").await?;
        if !(line.contains("150") && line.contains("300")) {
            return Err(format!("rate line: {line}").into());
        }

        // The contract page's custom fields card, and the value as a contracts list column.
        c.goto(&format!("{base}/contracts/{contract_id}")).await?;
        expect(&c, "#contract-custom-fields dd[data-key=cost_centre]", "CC-7").await?;
        click(&c, "#contract-cf-edit").await?;
        fill(&c, "#contract-edit-cf-cost_centre", "CC-8").await?;
        click(&c, "#contract-cf-submit").await?;
        expect(&c, "#contract-custom-fields dd[data-key=cost_centre]", "CC-8").await?;
        click(&c, "#nav-contracts").await?;
        let row = poll_row(&c, "[data-testid=contract-row]", "Arc Reactor Support").await?;
        if !row.contains("CC-8") {
            return Err(format!("contract row without its custom field: {row}").into());
        }
        Ok(())
    })
    .await;
    let (_, got) = api.get(&format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(
        (got["title"].as_str(), got["firstName"].as_str(), got["email"].as_str()),
        (Some("CEO"), Some("Pepper"), Some("pepper@stark.example")),
        "{got}"
    );
    assert_eq!(got["customFields"]["seats"].as_f64(), Some(12.0), "{got}");
    let (_, cards) = api.get("/api/v1/rate-cards").await;
    let card = &cards["rateCards"][0];
    assert_eq!(card["companyId"], json!(company), "{cards}");
    assert_eq!(card["lines"][0]["workTypeId"], json!(work_type), "{cards}");
    assert!(card["lines"][0]["hourlyRate"].as_str().is_some_and(|r| r.starts_with("150")), "{cards}");
    let (_, got) = api.get(&format!("/api/v1/contracts/{contract}")).await;
    assert_eq!(got["customFields"], json!({"cost_centre": "CC-8"}), "{got}");
    stack.stop().await;
}

/// The texts of the rows matching `css` (rows replaced while read are skipped).
async fn row_texts(c: &Client, css: &str) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let mut texts = Vec::new();
    for row in c.find_all(Locator::Css(css)).await? {
        if let Ok(t) = row.text().await {
            texts.push(t);
        }
    }
    Ok(texts)
}

/// Polls until the rows matching `css` are exactly one per name in `want` (each row containing
/// its name).
async fn rows_are(c: &Client, css: &str, want: &[&str]) -> Flow<()> {
    poll(&format!("rows {want:?} in {css}"), || async {
        let texts = row_texts(c, css).await?;
        Ok(texts.len() == want.len() && want.iter().all(|w| texts.iter().any(|t| t.contains(w))))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn company_attachments_card_and_custom_field_list_filters() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    for (entity, key, label) in
        [("CUSTOM_FIELD_ENTITY_COMPANY", "tier", "Tier"), ("CUSTOM_FIELD_ENTITY_CONTRACT", "region", "Region")]
    {
        create(
            &api,
            "/api/v1/custom-field-definitions",
            json!({"entityType": entity, "key": key, "label": label, "fieldType": "CUSTOM_FIELD_TYPE_TEXT"}),
        )
        .await;
    }
    let wayne =
        create(&api, "/api/v1/companies", json!({"name": "Wayne Enterprises", "customFields": {"tier": "gold"}})).await;
    let lex = create(&api, "/api/v1/companies", json!({"name": "LexCorp", "customFields": {"tier": "silver"}})).await;
    create(&api, "/api/v1/companies", json!({"name": "Daily Planet"})).await;
    for (name, company, region) in [("Batcave Monitoring", &wayne, "emea"), ("Lex Tower SOC", &lex, "amer")] {
        create(
            &api,
            "/api/v1/contracts",
            json!({"name": name, "companyId": company, "startDate": "2026-01-01", "currency": "USD",
                   "customFields": {"region": region}}),
        )
        .await;
    }
    let file = std::env::temp_dir().join(format!("psa-browser-network-{}.txt", std::process::id()));
    std::fs::write(&file, "core switch -> firewall\n").unwrap();
    let path = file.to_string_lossy().into_owned();
    let base = stack.gateway_url().to_string();
    let wayne_id = wayne.clone();
    in_browser(|c| async move {
        sign_in(&c, &base, &admin).await?;

        // Attachments card: upload, listed with its size, deleted after the second click.
        c.goto(&format!("{base}/companies/{wayne_id}")).await?;
        expect(&c, "#company-name", "Wayne Enterprises").await?;
        expect(&c, "#company-attachments", "No attachments yet").await?;
        wait_for(&c, "#company-attachments .attachment-file").await?.send_keys(&path).await?;
        expect(&c, "#company-attachments .file-name", "psa-browser-network").await?;
        click(&c, "#company-attachments .attachment-upload").await?;
        let row = poll_row(&c, "[data-testid=attachment-row]", "psa-browser-network").await?;
        if !row.contains("24 B") {
            return Err(format!("attachment row without its size: {row}").into());
        }
        click(&c, "[data-testid=attachment-row] .attachment-delete").await?;
        click(&c, "[data-testid=attachment-row] .attachment-delete-confirm").await?;
        expect(&c, "#company-attachments", "No attachments yet").await?;

        // Companies list filtered by a custom field value.
        click(&c, "#nav-companies").await?;
        rows_are(&c, "[data-testid=company-row]", &["Wayne Enterprises", "LexCorp", "Daily Planet"]).await?;
        wait_for(&c, "#companies-cf-key").await?.select_by_value("tier").await?;
        fill(&c, "#companies-cf-value", "gold").await?;
        click(&c, "#companies-cf-apply").await?;
        rows_are(&c, "[data-testid=company-row]", &["Wayne Enterprises"]).await?;
        click(&c, "#companies-clear").await?;
        rows_are(&c, "[data-testid=company-row]", &["Wayne Enterprises", "LexCorp", "Daily Planet"]).await?;

        // Contracts list filtered by a custom field value.
        click(&c, "#nav-contracts").await?;
        rows_are(&c, "[data-testid=contract-row]", &["Batcave Monitoring", "Lex Tower SOC"]).await?;
        wait_for(&c, "#contracts-cf-key").await?.select_by_value("region").await?;
        fill(&c, "#contracts-cf-value", "amer").await?;
        click(&c, "#contracts-cf-apply").await?;
        rows_are(&c, "[data-testid=contract-row]", &["Lex Tower SOC"]).await?;
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(&file);
    let (s, list) = api.get(&format!("/api/v1/companies/{wayne}/attachments")).await;
    assert_eq!(s, 200, "{list}");
    assert!(list["attachments"].as_array().is_none_or(|a| a.is_empty()), "the attachment was deleted: {list}");
    let (_, activity) = api.get(&format!("/api/v1/companies/{wayne}/overview")).await;
    let text = activity["recentActivity"].to_string();
    assert!(
        text.contains("Attachment added: psa-browser-network")
            && text.contains("Attachment deleted: psa-browser-network"),
        "upload and delete are on the timeline: {activity}"
    );
    stack.stop().await;
}

/// Sets a date input's value (typing into Chromium's date widget depends on the locale) and
/// fires the `input` event the form listens to.
async fn set_date(c: &Client, css: &str, date: &str) -> Flow<()> {
    let e = wait_for(c, css).await?;
    c.execute(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        vec![serde_json::to_value(&e)?, json!(date)],
    )
    .await?;
    Ok(())
}

/// Clicks the button with `data-action=action` in the row matching `row_css` that shows `text`
/// (scrolled into view first).
async fn row_action(c: &Client, row_css: &str, text: &str, action: &str) -> Flow<()> {
    poll_row(c, row_css, text).await?;
    let row = row_with(c, row_css, text).await?.ok_or_else(|| format!("no {row_css} with {text}"))?;
    let button = row.find(Locator::Css(&format!("button[data-action={action}]"))).await?;
    // Centred, so that neither the sticky top bar nor a scrolled table hides it.
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
        vec![serde_json::to_value(&button)?],
    )
    .await?;
    button.click().await?;
    Ok(())
}

/// Waits until the row matching `row_css` that shows `text` has `data-status=status`.
async fn row_status(c: &Client, row_css: &str, text: &str, status: &str) -> Flow<()> {
    poll(&format!("{text} {status}"), || async {
        Ok(match row_with(c, row_css, text).await? {
            Some(row) => row.attr("data-status").await?.as_deref() == Some(status),
            None => false,
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_page_edits_its_terms_and_manages_safs_and_cocs() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    for (entity, key, label, required) in [
        ("CUSTOM_FIELD_ENTITY_SERVICE_SCOPE", "site_code", "Site code", false),
        ("CUSTOM_FIELD_ENTITY_SAF", "po_number", "PO number", true),
        ("CUSTOM_FIELD_ENTITY_COC", "auditor", "Auditor", false),
        ("CUSTOM_FIELD_ENTITY_PROPOSAL", "deal_id", "Deal", false),
    ] {
        create(
            &api,
            "/api/v1/custom-field-definitions",
            json!({"entityType": entity, "key": key, "label": label, "fieldType": "CUSTOM_FIELD_TYPE_TEXT",
                   "required": required}),
        )
        .await;
    }
    let company = create(&api, "/api/v1/companies", json!({"name": "Umbrella Corp"})).await;
    let signer = create(
        &api,
        "/api/v1/contacts",
        json!({"companyId": company, "firstName": "Jill", "lastName": "Valentine", "email": "jill@umbrella.example"}),
    )
    .await;
    let service = create(
        &api,
        "/api/v1/services",
        json!({"name": "Managed EDR", "deliveryModel": "DELIVERY_MODEL_MANAGED_SERVICE", "basePrice": "8",
               "currency": "USD", "pricingUnit": "PRICING_UNIT_PER_DEVICE"}),
    )
    .await;
    let contract = create(
        &api,
        "/api/v1/contracts",
        json!({"name": "Raccoon City EDR", "companyId": company, "startDate": "2026-01-01", "currency": "EUR"}),
    )
    .await;
    let document_file = std::env::temp_dir().join(format!("psa-browser-signed-msa-{}.txt", std::process::id()));
    std::fs::write(&document_file, "Signed by both parties.\n").unwrap();
    let document = document_file.to_string_lossy().into_owned();
    let base = stack.gateway_url().to_string();
    let (company_id, contract_id, service_id) = (company.clone(), contract.clone(), service.clone());
    in_browser(|c| async move {
        sign_in(&c, &base, &admin).await?;
        c.goto(&format!("{base}/contracts/{contract_id}")).await?;
        expect(&c, "#contract-safs", "No SAFs").await?;
        expect(&c, "#contract-cocs", "No certificates").await?;

        // A service with its scope custom field.
        click(&c, "#item-new-open").await?;
        wait_for(&c, "#item-new-service").await?.select_by_value(&service_id).await?;
        fill(&c, "#item-new-cf-site_code", "RC-1").await?;
        click(&c, "#item-new-submit").await?;
        let item = poll_row(&c, "[data-testid=contract-item-row]", "Managed EDR").await?;
        if !item.contains("RC-1") {
            return Err(format!("scope row without its custom field: {item}").into());
        }

        // A SAF: the required custom field is reported at its input, then it is created.
        click(&c, "#saf-new-open").await?;
        if wait_for(&c, "#saf-currency").await?.prop("value").await?.as_deref() != Some("EUR") {
            return Err("the SAF currency does not default to the contract's".into());
        }
        fill(&c, "#saf-title", "EDR rollout authorisation").await?;
        wait_for(&c, "#saf-scope").await?.select_by_index(1).await?;
        set_date(&c, "#saf-start", "2026-02-01").await?;
        set_date(&c, "#saf-end", "2026-12-31").await?;
        fill(&c, "#saf-value", "12000").await?;
        click(&c, "#saf-new-submit").await?;
        wait_for(&c, "#saf-new-cf-po_number-error").await?;
        fill(&c, "#saf-new-cf-po_number", "PO-42").await?;
        click(&c, "#saf-new-submit").await?;
        let saf = poll_row(&c, "[data-testid=saf-row]", "EDR rollout authorisation").await?;
        for want in ["SAF-", "Managed EDR", "2026-02-01", "12000", "EUR", "PO-42", "Draft"] {
            if !saf.contains(want) {
                return Err(format!("SAF row without {want}: {saf}").into());
            }
        }
        // Its custom field, edited in place.
        click(&c, "[data-testid=saf-row] .fields-edit").await?;
        fill(&c, "#saf-edit-cf-po_number", "PO-43").await?;
        click(&c, "#saf-fields-submit").await?;
        poll_row(&c, "[data-testid=saf-row]", "PO-43").await?;
        // Draft → sent → signed → active: the scope becomes active with it.
        for (action, status) in [
            ("SAF_STATUS_SENT", "SAF_STATUS_SENT"),
            ("SAF_STATUS_SIGNED", "SAF_STATUS_SIGNED"),
            ("SAF_STATUS_ACTIVE", "SAF_STATUS_ACTIVE"),
        ] {
            row_action(&c, "[data-testid=saf-row]", "EDR rollout", action).await?;
            row_status(&c, "[data-testid=saf-row]", "EDR rollout", status).await?;
        }
        poll_row(&c, "[data-testid=contract-item-row]", "Active").await?;
        // The scope's own moves: on hold and back.
        row_action(&c, "[data-testid=contract-item-row]", "Managed EDR", "SERVICE_SCOPE_STATUS_ON_HOLD").await?;
        poll_row(&c, "[data-testid=contract-item-row]", "On hold").await?;
        row_action(&c, "[data-testid=contract-item-row]", "Managed EDR", "SERVICE_SCOPE_STATUS_ACTIVE").await?;
        poll_row(&c, "[data-testid=contract-item-row]", "Active").await?;

        // A COC covering the SAF: activate, then revoke; a revoked one offers no moves.
        click(&c, "#coc-new-open").await?;
        fill(&c, "#coc-title", "SOC 2 Type II report").await?;
        wait_for(&c, "#coc-type").await?.select_by_value("COC_TYPE_SOC2").await?;
        wait_for(&c, "#coc-saf").await?.select_by_index(1).await?;
        set_date(&c, "#coc-issue", "2026-03-01").await?;
        set_date(&c, "#coc-expiry", "2027-02-28").await?;
        set_date(&c, "#coc-next-audit", "2027-01-15").await?;
        fill(&c, "#coc-new-cf-auditor", "Deloitte").await?;
        click(&c, "#coc-new-submit").await?;
        let coc = poll_row(&c, "[data-testid=coc-row]", "SOC 2 Type II report").await?;
        for want in ["COC-", "SOC 2", "SAF-", "2027-02-28", "2027-01-15", "Deloitte", "Draft"] {
            if !coc.contains(want) {
                return Err(format!("COC row without {want}: {coc}").into());
            }
        }
        row_action(&c, "[data-testid=coc-row]", "SOC 2 Type II", "COC_STATUS_ACTIVE").await?;
        row_status(&c, "[data-testid=coc-row]", "SOC 2 Type II", "COC_STATUS_ACTIVE").await?;
        row_action(&c, "[data-testid=coc-row]", "SOC 2 Type II", "COC_STATUS_REVOKED").await?;
        row_status(&c, "[data-testid=coc-row]", "SOC 2 Type II", "COC_STATUS_REVOKED").await?;
        if !c.find_all(Locator::Css("[data-testid=coc-row] button[data-action]")).await?.is_empty() {
            return Err("a revoked COC still offers moves".into());
        }

        // A proposal with its custom field, on the company page.
        c.goto(&format!("{base}/companies/{company_id}")).await?;
        fill(&c, "#proposal-title", "EDR expansion").await?;
        fill(&c, "#proposal-value", "5000").await?;
        fill(&c, "#proposal-cf-deal_id", "D-9").await?;
        click(&c, "#proposal-submit").await?;
        let proposal = poll_row(&c, "[data-testid=proposal-row]", "EDR expansion").await?;
        if !proposal.contains("D-9") {
            return Err(format!("proposal row without its custom field: {proposal}").into());
        }

        // The company's business fields and tags in its edit form.
        click(&c, "#company-edit-open").await?;
        fill(&c, "#company-edit-source", "Referral").await?;
        fill(&c, "#company-edit-tags", "soc2, healthcare").await?;
        fill(&c, "#company-edit-lead-score", "101").await?;
        click(&c, "#company-edit-submit").await?;
        wait_for(&c, "#company-edit-lead-score-error").await?;
        fill(&c, "#company-edit-lead-score", "85").await?;
        fill(&c, "#company-edit-deal-value", "25000").await?;
        fill(&c, "#company-edit-deal-currency", "eur").await?;
        click(&c, "#company-edit-submit").await?;
        expect(&c, "#company-lead-score", "85").await?;
        expect(&c, "#company-deal-value", "25000").await?;
        expect(&c, "#company-tags", "healthcare").await?;

        // The contract's own fields: type, renewal, billing and signature, edited in place.
        c.goto(&format!("{base}/contracts/{contract_id}")).await?;
        expect(&c, "#contract-details [data-key=contractType]", "Managed services").await?;
        click(&c, "#contract-edit").await?;
        wait_for(&c, "#contract-edit-type").await?.select_by_value("CONTRACT_TYPE_SOW").await?;
        click(&c, "#contract-edit-auto-renew").await?;
        fill(&c, "#contract-edit-term", "24").await?;
        wait_for(&c, "#contract-edit-cycle").await?.select_by_value("BILLING_CYCLE_QUARTERLY").await?;
        fill(&c, "#contract-edit-billing", "3000").await?;
        set_date(&c, "#contract-edit-signed", "2026-01-10").await?;
        wait_for(&c, "#contract-edit-signer").await?.select_by_index(1).await?;
        click(&c, "#contract-edit-submit").await?;
        expect(&c, "#contract-details [data-key=contractType]", "SOW").await?;
        expect(&c, "#contract-details [data-key=renewal]", "Automatic, 24 months").await?;
        expect(&c, "#contract-details [data-key=billing]", "quarterly").await?;
        expect(&c, "#contract-details [data-key=signed]", "2026-01-10 by Jill Valentine").await?;

        // A document of the contract: listed there, and among the company's files with a link
        // back to the contract.
        expect(&c, "#contract-documents", "No documents yet").await?;
        wait_for(&c, "#contract-documents .attachment-file").await?.send_keys(&document).await?;
        click(&c, "#contract-documents .attachment-upload").await?;
        poll_row(&c, "#contract-documents [data-testid=attachment-row]", "psa-browser-signed-msa").await?;
        c.goto(&format!("{base}/companies/{company_id}")).await?;
        poll_row(&c, "#company-attachments [data-testid=attachment-row]", "psa-browser-signed-msa").await?;
        click(&c, "#company-attachments .attachment-contract").await?;
        wait_for(&c, &format!("#contract-detail[data-id='{contract_id}']")).await?;
        Ok(())
    })
    .await;

    let _ = std::fs::remove_file(&document_file);
    // What the pages did is what the API holds.
    let (_, safs) = api.get(&format!("/api/v1/safs?filter=contract_id=%22{contract}%22")).await;
    let saf = &safs["safs"][0];
    assert_eq!(saf["status"], "SAF_STATUS_ACTIVE", "{safs}");
    assert_eq!(saf["customFields"]["po_number"], "PO-43");
    assert_eq!(saf["startDate"], "2026-02-01");
    let (_, items) = api.get(&format!("/api/v1/contracts/{contract}/items")).await;
    let scope = &items["serviceScopes"][0];
    assert_eq!(scope["status"], "SERVICE_SCOPE_STATUS_ACTIVE", "{items}");
    assert_eq!(scope["customFields"]["site_code"], "RC-1");
    assert_eq!(saf["serviceScopeId"], scope["id"]);
    let (_, cocs) = api.get(&format!("/api/v1/cocs?filter=contract_id=%22{contract}%22")).await;
    let coc = &cocs["cocs"][0];
    assert_eq!(coc["status"], "COC_STATUS_REVOKED", "{cocs}");
    assert_eq!(coc["safId"], saf["id"]);
    assert_eq!(coc["customFields"]["auditor"], "Deloitte");
    let (_, proposals) = api.get(&format!("/api/v1/companies/{company}/proposals")).await;
    assert_eq!(proposals["proposals"][0]["customFields"]["deal_id"], "D-9", "{proposals}");
    let (_, k) = api.get(&format!("/api/v1/contracts/{contract}")).await;
    assert_eq!(
        (&k["contractType"], &k["autoRenew"], &k["renewalTermMonths"], &k["billingCycle"], &k["signerContactId"]),
        (&json!("CONTRACT_TYPE_SOW"), &json!(true), &json!(24), &json!("BILLING_CYCLE_QUARTERLY"), &json!(signer)),
        "{k}"
    );
    assert!(k["billingAmount"].as_str().is_some_and(|a| a.starts_with("3000")), "{k}");
    assert_eq!(k["signedDate"], "2026-01-10");
    let (_, co) = api.get(&format!("/api/v1/companies/{company}")).await;
    assert_eq!(
        (&co["tags"], &co["leadScore"], &co["dealCurrency"]),
        (&json!(["soc2", "healthcare"]), &json!(85), &json!("EUR")),
        "{co}"
    );
    assert_eq!(co["source"], "Referral");
    let (_, docs) = api.get(&format!("/api/v1/contracts/{contract}/attachments")).await;
    assert_eq!(docs["attachments"][0]["contractId"], contract.as_str(), "{docs}");
}

/// The service catalog's row actions: Edit (only the changed fields are sent), Archive (the
/// active flag: no longer offered for new contracts) and Reactivate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_catalog_edits_archives_and_reactivates_a_service() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let service = create(
        &api,
        "/api/v1/services",
        json!({"name": "Vulnerability scanning", "category": "Security", "deliveryModel": "DELIVERY_MODEL_SERVERLESS",
               "basePrice": "4", "currency": "USD", "pricingUnit": "PRICING_UNIT_PER_DEVICE"}),
    )
    .await;
    let base = stack.gateway_url().to_string();
    in_browser(|c| async move {
        sign_in(&c, &base, &admin).await?;
        click(&c, "#nav-services").await?;
        poll_row(&c, "[data-testid=service-row]", "Vulnerability scanning").await?;
        click(&c, "[data-testid=service-row] [data-testid=service-edit]").await?;
        if wait_for(&c, "#service-edit-name").await?.prop("value").await?.as_deref() != Some("Vulnerability scanning") {
            return Err("the edit form does not start from the service".into());
        }
        fill(&c, "#service-edit-price", "").await?;
        click(&c, "#service-edit-submit").await?;
        wait_for(&c, "#service-edit-price-error").await?;
        fill(&c, "#service-edit-price", "5.50").await?;
        click(&c, "#service-edit-submit").await?;
        poll_row(&c, "[data-testid=service-row]", "5.5").await?;
        click(&c, "[data-testid=service-row] [data-testid=service-archive]").await?;
        poll_row(&c, "[data-testid=service-row]", "(archived)").await?;
        click(&c, "[data-testid=service-row] [data-testid=service-archive]").await?;
        poll("the service active again", || async {
            Ok(match row_with(&c, "[data-testid=service-row]", "Vulnerability scanning").await? {
                Some(row) => row.attr("data-active").await?.as_deref() == Some("true"),
                None => false,
            })
        })
        .await?;
        Ok(())
    })
    .await;
    let (_, s) = api.get(&format!("/api/v1/services/{service}")).await;
    assert!(s["basePrice"].as_str().is_some_and(|p| p.starts_with("5.5")), "{s}");
    assert_eq!((&s["active"], &s["category"]), (&json!(true), &json!("Security")), "{s}");
}

/// The text of the element matching `css` inside the proposal row that shows `text`.
async fn proposal_cell(c: &Client, text: &str, css: &str) -> Flow<String> {
    let row = row_with(c, "[data-testid=proposal-row]", text).await?.ok_or_else(|| format!("no proposal {text}"))?;
    Ok(row.find(Locator::Css(css)).await?.text().await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_card_creates_revises_and_decides_with_reasons() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let (api, _) = stack.login(&admin).await;
    let sales = create(
        &api,
        "/api/v1/users",
        json!({"email": "sam@acme.example", "displayName": "Sam Sales", "password": "violet-otter-93",
               "roleIds": ["sales"]}),
    )
    .await;
    let company = create(&api, "/api/v1/companies", json!({"name": "Initrode"})).await;
    let service = soc_service(&api).await;
    let contract = create(
        &api,
        "/api/v1/contracts",
        json!({"name": "Initrode SOC", "companyId": company, "startDate": "2026-01-01", "currency": "USD"}),
    )
    .await;
    let scope = create(&api, &format!("/api/v1/contracts/{contract}/items"), json!({"serviceId": service})).await;
    let (_, s) = api.get(&format!("/api/v1/service-scopes/{scope}")).await;
    assert_eq!(s["status"], "SERVICE_SCOPE_STATUS_PENDING", "{s}");
    // A second proposal, already submitted, to be rejected.
    let pentest = create(
        &api,
        "/api/v1/proposals",
        json!({"title": "Annual pen test", "proposalType": "PROPOSAL_TYPE_TECHNICAL", "companyId": company,
               "value": "12000", "currency": "USD"}),
    )
    .await;
    let (st, v) = api.post(&format!("/api/v1/proposals/{pentest}:submit"), &json!({})).await;
    assert_eq!(st, 200, "{v}");
    let base = stack.gateway_url().to_string();
    let (company_id, contract_id, scope_id, sales_id) =
        (company.clone(), contract.clone(), scope.clone(), sales.clone());
    let row = "[data-testid=proposal-row]";
    in_browser(|c| async move {
        sign_in(&c, &base, &admin).await?;
        c.goto(&format!("{base}/companies/{company_id}")).await?;
        poll_row(&c, row, "Annual pen test").await?;

        // Create: description, assignee, contract and the scope of that contract.
        fill(&c, "#proposal-title", "SOC for 3 sites").await?;
        fill(&c, "#proposal-description", "24/7 monitoring of the three plants").await?;
        fill(&c, "#proposal-value", "60000").await?;
        wait_for(&c, "#proposal-assignee").await?.select_by_value(&sales_id).await?;
        if !c.find_all(Locator::Css("#proposal-scope")).await?.is_empty() {
            return Err("a scope picker without a contract".into());
        }
        wait_for(&c, "#proposal-contract").await?.select_by_value(&contract_id).await?;
        expect(&c, "#proposal-scope", "24/7 SOC Monitoring").await?;
        wait_for(&c, "#proposal-scope").await?.select_by_value(&scope_id).await?;
        click(&c, "#proposal-submit").await?;
        let created = poll_row(&c, row, "SOC for 3 sites").await?;
        for want in ["60000", "Sam Sales", "Draft"] {
            if !created.contains(want) {
                return Err(format!("new proposal row without {want}: {created}").into());
            }
        }
        if proposal_cell(&c, "SOC for 3 sites", ".proposal-version").await? != "1" {
            return Err("a new proposal is not version 1".into());
        }
        let id = row_with(&c, row, "SOC for 3 sites").await?.ok_or("row vanished")?.attr("data-id").await?;
        let id = id.ok_or("row without data-id")?;

        // Edit: a bad value is reported at its input; a good revision is version 2.
        row_action(&c, row, "SOC for 3 sites", "edit").await?;
        if wait_for(&c, "#proposal-edit-description").await?.prop("value").await?.as_deref()
            != Some("24/7 monitoring of the three plants")
        {
            return Err("the edit form does not start from the proposal".into());
        }
        fill(&c, "#proposal-edit-value", "lots").await?;
        click(&c, "#proposal-edit-submit").await?;
        wait_for(&c, "#proposal-edit-value-error").await?;
        fill(&c, "#proposal-edit-value", "55000").await?;
        fill(&c, "#proposal-edit-title", "SOC for 3 plants").await?;
        click(&c, "#proposal-edit-submit").await?;
        poll_row(&c, row, "SOC for 3 plants").await?;
        poll("version 2 shown", || async {
            Ok(proposal_cell(&c, "SOC for 3 plants", ".proposal-version").await.is_ok_and(|v| v == "2"))
        })
        .await?;
        if !c.find_all(Locator::Css("#proposal-edit-form")).await?.is_empty() {
            return Err("the edit form stays open after saving".into());
        }

        // History: v2 then v1 with their titles and values.
        row_action(&c, row, "SOC for 3 plants", "history").await?;
        let versions = format!("#proposal-history-{id} [data-testid=proposal-version-row]");
        rows_are(&c, &versions, &["v2", "v1"]).await?;
        let texts = row_texts(&c, &versions).await?;
        let has = |t: &str, want: [&str; 3]| want.iter().all(|w| t.contains(w));
        if !(has(&texts[0], ["v2", "SOC for 3 plants", "55000"]) && has(&texts[1], ["v1", "SOC for 3 sites", "60000"]))
        {
            return Err(format!("history, newest first: {texts:?}").into());
        }

        // Submit, then accept with a reason: the scope is activated.
        row_action(&c, row, "SOC for 3 plants", "submit").await?;
        row_status(&c, row, "SOC for 3 plants", "PROPOSAL_STATUS_SUBMITTED").await?;
        row_action(&c, row, "SOC for 3 plants", "accept").await?;
        if wait_for(&c, "#proposal-activate").await?.prop("checked").await?.as_deref() != Some("true") {
            return Err("activating the scope is not the default".into());
        }
        fill(&c, "#proposal-reason", "Signed at the QBR").await?;
        click(&c, "#proposal-decide-submit").await?;
        row_status(&c, row, "SOC for 3 plants", "PROPOSAL_STATUS_ACCEPTED").await?;
        expect(&c, &format!("{row}[data-id='{id}'] .proposal-reason"), "Signed at the QBR").await?;
        let accepted = proposal_cell(&c, "SOC for 3 plants", "td:last-child").await?;
        if accepted.contains("Edit") || accepted.contains("Accept") {
            return Err(format!("a decided proposal offers {accepted}").into());
        }

        // Reject the other one: an over-long reason is reported at the input, then a short one.
        row_action(&c, row, "Annual pen test", "reject").await?;
        if !c.find_all(Locator::Css("#proposal-activate")).await?.is_empty() {
            return Err("rejecting offers to activate a scope".into());
        }
        fill(&c, "#proposal-reason", &"x".repeat(1001)).await?;
        click(&c, "#proposal-decide-submit").await?;
        wait_for(&c, "#proposal-reason-error").await?;
        fill(&c, "#proposal-reason", "Budget frozen until Q3").await?;
        click(&c, "#proposal-decide-submit").await?;
        row_status(&c, row, "Annual pen test", "PROPOSAL_STATUS_REJECTED").await?;
        let rejected = poll_row(&c, row, "Annual pen test").await?;
        if !(rejected.contains("Budget frozen until Q3") && rejected.contains("Rejected")) {
            return Err(format!("rejected row: {rejected}").into());
        }
        Ok(())
    })
    .await;

    // What the card did is what the API holds.
    let (_, s) = api.get(&format!("/api/v1/service-scopes/{scope}")).await;
    assert_eq!(s["status"], "SERVICE_SCOPE_STATUS_ACTIVE", "accepting activated the scope: {s}");
    let (_, list) = api.get(&format!("/api/v1/companies/{company}/proposals")).await;
    let by_title = |t: &str| list["proposals"].as_array().unwrap().iter().find(|p| p["title"] == t).cloned().unwrap();
    let soc = by_title("SOC for 3 plants");
    assert_eq!(
        (&soc["status"], &soc["version"], &soc["decisionReason"], &soc["value"]),
        (&json!("PROPOSAL_STATUS_ACCEPTED"), &json!(2), &json!("Signed at the QBR"), &json!("55000.00")),
        "{soc}"
    );
    assert_eq!(
        (&soc["assigneeId"], &soc["contractId"], &soc["serviceScopeId"], &soc["description"]),
        (&json!(sales), &json!(contract), &json!(scope), &json!("24/7 monitoring of the three plants")),
        "{soc}"
    );
    let (_, versions) = api.get(&format!("/api/v1/proposals/{}/versions", soc["id"].as_str().unwrap())).await;
    let versions: Vec<_> = versions["versions"].as_array().unwrap().iter().map(|v| v["version"].clone()).collect();
    assert_eq!(versions, [json!(2), json!(1)]);
    let pen = by_title("Annual pen test");
    assert_eq!(
        (&pen["status"], &pen["decisionReason"]),
        (&json!("PROPOSAL_STATUS_REJECTED"), &json!("Budget frozen until Q3"))
    );
    stack.stop().await;
}
