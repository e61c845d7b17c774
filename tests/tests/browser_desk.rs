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
use support::browser::{Flow, choose, click, fill, in_browser, poll, preflight, submit_login, wait_for};

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

    in_browser(async |c| flow(&c, &base, &admin.slug, &admin.email, &admin.password, &ticket_id).await).await;
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

/// The ticket page's work tools: assignee, queue and team pickers in Properties; tags, parent,
/// split and merge in the Actions card (merging and splitting open the resulting ticket); the
/// Attachments card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_assigns_tags_splits_and_merges_tickets_in_the_browser() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("deskacts").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Pied Piper"})).await;
    let (_, queue) = api.post("/api/v1/ticket-queues", &json!({"name": "Network"})).await;
    let ticket = |title: &'static str| {
        let (api, company) = (api.clone(), company["id"].clone());
        async move {
            let (s, t) = api.post("/api/v1/tickets", &json!({"title": title, "companyId": company})).await;
            assert_eq!(s, 200, "{t}");
            t["id"].as_str().unwrap().to_owned()
        }
    };
    let (s, v) = api
        .post(
            "/api/v1/ticket-custom-fields",
            &json!({"key": "users", "label": "Users affected", "type": "CUSTOM_FIELD_TYPE_NUMBER"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, contract) = api
        .post(
            "/api/v1/contracts",
            &json!({"name": "Pied Piper MSA", "companyId": company["id"], "startDate": "2026-01-01", "currency": "USD"}),
        )
        .await;
    assert_eq!(s, 200, "{contract}");
    let asset = uuid::Uuid::now_v7().to_string();
    let main = ticket("VPN drops every hour").await;
    let duplicate = ticket("VPN keeps disconnecting").await;
    let parent = ticket("Network refresh project").await;
    for body in ["Started after the firmware update.", "Also the printer is offline."] {
        let (s, n) = api.post(&format!("/api/v1/tickets/{main}/notes"), &json!({"body": body})).await;
        assert_eq!(s, 200, "{n}");
    }
    let (_, users) = api.get("/api/v1/users").await;
    let me = users["users"][0]["id"].as_str().unwrap().to_owned();
    let file = std::env::temp_dir().join(format!("psa-browser-vpn-log-{}.txt", std::process::id()));
    std::fs::write(&file, "12:00 tunnel down\n").unwrap();
    let path = file.to_string_lossy().into_owned();

    let api = &api;
    let (queue_id, main_id, dup_id, parent_id, me_id) =
        (queue["id"].as_str().unwrap().to_owned(), main.clone(), duplicate.clone(), parent.clone(), me.clone());
    let (contract_id, asset_id) = (contract["id"].as_str().unwrap().to_owned(), asset.clone());
    in_browser(|c| async move {
        submit_login(&c, &base, &admin.slug, &admin.email, &admin.password).await?;
        wait_for(&c, "#nav-user-email").await?;
        c.goto(&format!("{base}/tickets/{main_id}")).await?;
        wait_for(&c, "#ticket-actions").await?;

        // Properties: assignee and queue, saved on change.
        choose(&c, "#ticket-assignee", &me_id).await?;
        wait_for(&c, "#ticket-saved").await?;
        choose(&c, "#ticket-queue", &queue_id).await?;
        poll("the queue saved", || async {
            let (_, t) = api.get(&format!("/api/v1/tickets/{main_id}")).await;
            Ok(t["queueId"] == queue_id.as_str() && t["assigneeId"] == me_id.as_str())
        })
        .await?;

        // Links and custom fields.
        choose(&c, "#ticket-contract", &contract_id).await?;
        fill(&c, "#ticket-asset", &asset_id).await?;
        fill(&c, "#ticket-edit-cf-users", "12").await?;
        click(&c, "#ticket-details-submit").await?;
        poll("the details saved", || async {
            let (_, t) = api.get(&format!("/api/v1/tickets/{main_id}")).await;
            Ok(t["contractId"] == contract_id.as_str()
                && t["assetId"] == asset_id.as_str()
                && t["customFields"]["users"].as_f64() == Some(12.0))
        })
        .await?;

        // Tags and parent.
        fill(&c, "#ticket-tags", "VPN, Firewall").await?;
        click(&c, "#ticket-tags-submit").await?;
        choose(&c, "#ticket-parent-select", &parent_id).await?;
        click(&c, "#ticket-parent-submit").await?;
        poll("the parent link", || async {
            Ok(match c.find(Locator::Css("#ticket-parent")).await {
                Ok(e) => e.text().await?.contains("Network refresh project"),
                Err(_) => false,
            })
        })
        .await?;

        // An attachment: uploaded, deleted (with a confirmation), uploaded again.
        wait_for(&c, "#ticket-attachments .attachment-file").await?.send_keys(&path).await?;
        click(&c, "#ticket-attachments .attachment-upload").await?;
        wait_for(&c, "#ticket-attachments [data-testid=attachment-row]").await?;
        click(&c, "#ticket-attachments [data-testid=attachment-row] .attachment-delete").await?;
        click(&c, "#ticket-attachments [data-testid=attachment-row] .attachment-delete-confirm").await?;
        poll("the deleted attachment gone", || async {
            Ok(c.find_all(Locator::Css("#ticket-attachments [data-testid=attachment-row]")).await?.is_empty())
        })
        .await?;
        poll("the deletion in the activity", || async {
            Ok(c.find(Locator::Css("#ticket-activity")).await?.text().await?.contains("File deleted: "))
        })
        .await?;
        wait_for(&c, "#ticket-attachments .attachment-file").await?.send_keys(&path).await?;
        click(&c, "#ticket-attachments .attachment-upload").await?;
        wait_for(&c, "#ticket-attachments [data-testid=attachment-row]").await?;

        // Split the printer note off: the new ticket opens.
        fill(&c, "#ticket-split-title", "Printer offline").await?;
        let printer = c.find(Locator::XPath("//label[contains(., 'printer is offline')]/input")).await?;
        printer.click().await?;
        click(&c, "#ticket-split-submit").await?;
        poll("the split-off ticket", || async {
            Ok(c.find(Locator::Css("#ticket-title")).await?.text().await? == "Printer offline")
        })
        .await?;

        // Merge the duplicate into the main ticket: the main ticket opens.
        c.goto(&format!("{base}/tickets/{dup_id}")).await?;
        choose(&c, "#ticket-merge-target", &main_id).await?;
        click(&c, "#ticket-merge-submit").await?;
        poll("the merge target", || async {
            Ok(c.find(Locator::Css("#ticket-title")).await?.text().await? == "VPN drops every hour")
        })
        .await?;
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(&file);
    let (_, t) = api.get(&format!("/api/v1/tickets/{main}")).await;
    assert_eq!(t["tags"], json!(["vpn", "firewall"]), "{t}");
    assert_eq!(t["parentTicketId"], parent.as_str());
    let (_, d) = api.get(&format!("/api/v1/tickets/{duplicate}")).await;
    assert_eq!(d["mergedIntoTicketId"], main.as_str(), "{d}");
    let (_, notes) = api.get(&format!("/api/v1/tickets/{main}/notes")).await;
    let bodies: Vec<&str> = notes["notes"].as_array().unwrap().iter().filter_map(|n| n["body"].as_str()).collect();
    assert!(bodies.contains(&"Started after the firmware update."), "{notes}");
    assert!(!bodies.contains(&"Also the printer is offline."), "the split note moved: {notes}");
    let (_, files) = api.get(&format!("/api/v1/tickets/{main}/attachments")).await;
    assert_eq!(files["attachments"].as_array().map(Vec::len), Some(1), "{files}");
    let (_, log) = api.get(&format!("/api/v1/tickets/{main}/activity")).await;
    assert!(log.to_string().contains("attachment_deleted"), "{log}");
}

/// The SLA page: a holiday calendar, business hours using it and a default policy with a
/// target on those hours, created in the browser; the company page's SLA policy picker; the
/// compliance report counting a met first response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_sets_up_sla_policies_and_reads_the_compliance_report() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("slaui").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Initech"})).await;
    let company_id = company["id"].as_str().unwrap().to_owned();

    let api = &api;
    let company_page = company_id.clone();
    in_browser(|c| async move {
        submit_login(&c, &base, &admin.slug, &admin.email, &admin.password).await?;
        wait_for(&c, "#nav-user-email").await?;
        click(&c, "#nav-sla").await?;

        fill(&c, "#holiday-calendar-name", "UK holidays").await?;
        fill(&c, "#holiday-calendar-dates", "2026-12-25 Christmas Day").await?;
        click(&c, "#holiday-calendar-submit").await?;
        wait_for(&c, "[data-testid=holiday-calendar-row]").await?;

        fill(&c, "#business-hours-name", "London office").await?;
        fill(&c, "#business-hours-zone", "Europe/London").await?;
        let holidays = wait_for(&c, "#business-hours-holidays option:nth-of-type(2)").await?;
        holidays.click().await?;
        click(&c, "#business-hours-submit").await?;
        wait_for(&c, "[data-testid=business-hours-row]").await?;
        let row = c.find(Locator::Css("[data-testid=business-hours-row]")).await?.text().await?;
        if !row.contains("mon 09:00–17:00") || row.contains("sat") {
            return Err(format!("business hours row: {row}").into());
        }

        fill(&c, "#sla-policy-name", "Gold").await?;
        wait_for(&c, "#sla-policy-calendar option:nth-of-type(2)").await?.click().await?;
        click(&c, "#sla-policy-default").await?;
        fill(&c, "#sla-fr-high", "60").await?;
        fill(&c, "#sla-res-high", "480").await?;
        click(&c, "#sla-policy-submit").await?;
        poll("the policy listed", || async {
            Ok(match c.find(Locator::Css("[data-testid=sla-policy-row]")).await {
                Ok(r) => {
                    let t = r.text().await?;
                    t.contains("Gold") && t.contains("default") && t.contains("High: 1 h / 8 h (London office)")
                }
                Err(_) => false,
            })
        })
        .await?;

        // The company's policy.
        c.goto(&format!("{base}/companies/{company_page}")).await?;
        wait_for(&c, "#company-sla-policy option:nth-of-type(2)").await?.click().await?;
        wait_for(&c, "#company-sla-saved").await?;

        // A ticket whose first response is met, then the report.
        let body = json!({"title": "Printer", "companyId": company_page, "priority": "TICKET_PRIORITY_HIGH"});
        let (s, t) = api.post("/api/v1/tickets", &body).await;
        assert_eq!(s, 200, "{t}");
        let note = json!({"body": "Looking into it.", "visibility": "NOTE_VISIBILITY_PUBLIC"});
        let (s, n) = api.post(&format!("/api/v1/tickets/{}/notes", t["id"].as_str().unwrap()), &note).await;
        assert_eq!(s, 200, "{n}");
        c.goto(&format!("{base}/sla")).await?;
        click(&c, "#sla-report-run").await?;
        poll("the compliance row", || async {
            Ok(match c.find(Locator::Css("[data-testid=sla-compliance-row]")).await {
                Ok(r) => {
                    let t = r.text().await?;
                    t.contains("Initech") && t.contains("High") && t.contains("100 %")
                }
                Err(_) => false,
            })
        })
        .await?;
        Ok(())
    })
    .await;
    let (_, policies) = api.get("/api/v1/sla-policies").await;
    let gold = &policies["policies"][0];
    assert_eq!((&gold["name"], &gold["isDefault"]), (&json!("Gold"), &json!(true)), "{policies}");
    let (_, assigned) = api.get(&format!("/api/v1/sla/companies/{company_id}")).await;
    assert_eq!(assigned["policyId"], gold["id"], "{assigned}");
}

/// The tickets list's filters: priority, queue, "assigned to me" and a title search, each
/// narrowing the rows, and Clear.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tickets_list_filters_by_priority_queue_assignee_and_title() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("listui").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Globex"})).await;
    let (_, queue) = api.post("/api/v1/ticket-queues", &json!({"name": "Onboarding"})).await;
    let (_, users) = api.get("/api/v1/users").await;
    let me = users["users"][0]["id"].clone();
    for (title, extra) in [
        ("Laptop for new hire", json!({"queueId": queue["id"]})),
        ("Server room too hot", json!({"priority": "TICKET_PRIORITY_CRITICAL"})),
        ("Password reset", json!({"assigneeId": me})),
    ] {
        let mut body = json!({"title": title, "companyId": company["id"]});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (s, t) = api.post("/api/v1/tickets", &body).await;
        assert_eq!(s, 200, "{t}");
    }

    let queue_id = queue["id"].as_str().unwrap().to_owned();
    in_browser(|c| async move {
        submit_login(&c, &base, &admin.slug, &admin.email, &admin.password).await?;
        wait_for(&c, "#nav-user-email").await?;
        click(&c, "#nav-tickets").await?;
        let only = |want: &'static str| {
            let c = c.clone();
            async move {
                poll(&format!("only `{want}` listed"), || async {
                    let rows = c.find_all(Locator::Css("#tickets-table tbody tr")).await?;
                    let mut texts = Vec::new();
                    for r in rows {
                        texts.push(r.text().await.unwrap_or_default());
                    }
                    Ok(texts.len() == 1 && texts[0].contains(want))
                })
                .await
            }
        };
        choose(&c, "#tickets-filter-priority", "TICKET_PRIORITY_CRITICAL").await?;
        only("Server room too hot").await?;
        click(&c, "#tickets-clear").await?;
        choose(&c, "#tickets-filter-queue", &queue_id).await?;
        only("Laptop for new hire").await?;
        click(&c, "#tickets-clear").await?;
        click(&c, "#tickets-filter-mine").await?;
        only("Password reset").await?;
        click(&c, "#tickets-clear").await?;
        fill(&c, "#tickets-filter-search", "room").await?;
        only("Server room too hot").await?;
        Ok(())
    })
    .await;
}

/// The new-ticket form: a template fills in the fields (its team and tags are applied too) and
/// the contract picker links one of the company's active contracts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_ticket_from_a_template_linked_to_a_contract() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("tplui").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Umbrella"})).await;
    let (_, queue) = api.post("/api/v1/ticket-queues", &json!({"name": "Onboarding"})).await;
    let (s, template) = api
        .post(
            "/api/v1/ticket-templates",
            &json!({"name": "New hire", "title": "Onboard a new hire", "description": "Laptop, accounts, badge.",
                    "priority": "TICKET_PRIORITY_HIGH", "queueId": queue["id"], "tags": ["onboarding"]}),
        )
        .await;
    assert_eq!(s, 200, "{template}");
    let (s, contract) = api
        .post(
            "/api/v1/contracts",
            &json!({"name": "Umbrella MSA", "companyId": company["id"], "startDate": "2026-01-01", "currency": "USD"}),
        )
        .await;
    assert_eq!(s, 200, "{contract}");
    let contract_id = contract["id"].as_str().unwrap().to_owned();
    let (s, v) =
        api.patch(&format!("/api/v1/contracts/{contract_id}"), &json!({"status": "CONTRACT_STATUS_ACTIVE"})).await;
    assert_eq!(s, 200, "{v}");

    let api = &api;
    let (template_id, company_id, contract_pick) =
        (template["id"].as_str().unwrap().to_owned(), company["id"].as_str().unwrap().to_owned(), contract_id.clone());
    in_browser(|c| async move {
        submit_login(&c, &base, &admin.slug, &admin.email, &admin.password).await?;
        wait_for(&c, "#nav-user-email").await?;
        c.goto(&format!("{base}/tickets/new?company={company_id}")).await?;
        choose(&c, "#ticket-new-template", &template_id).await?;
        poll("the template's title", || async {
            Ok(c.find(Locator::Css("#ticket-new-title")).await?.prop("value").await?.as_deref()
                == Some("Onboard a new hire"))
        })
        .await?;
        choose(&c, "#ticket-new-contract", &contract_pick).await?;
        click(&c, "#ticket-new-submit").await?;
        poll("the new ticket", || async {
            Ok(match c.find(Locator::Css("#ticket-title")).await {
                Ok(e) => e.text().await? == "Onboard a new hire",
                Err(_) => false,
            })
        })
        .await?;
        Ok(())
    })
    .await;
    let (_, list) = api.get("/api/v1/tickets").await;
    let t = &list["tickets"][0];
    assert_eq!(
        (&t["priority"], &t["queueId"], &t["contractId"], &t["tags"], &t["description"]),
        (
            &json!("TICKET_PRIORITY_HIGH"),
            &queue["id"],
            &json!(contract_id),
            &json!(["onboarding"]),
            &json!("Laptop, accounts, badge.")
        ),
        "{t}"
    );
}
