//! Headless-Chromium test of the web client's Time page (issue #4): an admin records time in
//! the week view (totals follow), submits the week (entries lock) and recalls it, then approves
//! a technician's submitted week from the approval queue. On a ticket, time is logged against
//! the ticket's contract by default, or another contract of the company picked from the list,
//! with project and task ids. An admin creates a work type and sets the rounding rule on the
//! Time page, then starts the timer on a ticket (a second start shows the API's error), sees it
//! on the Time page, and stops it: the rounded entry is listed on the ticket.
//!
//! Needs `web/dist` (run `scripts/build-web.sh`) and Debian's `chromium` + `chromium-driver`.
//! The element ids used here are the web client's stable test hooks; keep them in step with
//! `web/src/pages/time.rs`.

mod support;

use fantoccini::{Client, Locator};
use psa_core::PrincipalKind;
use psa_core::permissions::Role;
use psa_testkit::{Api, Stack};
use serde_json::json;
use support::browser::{Flow, click, fill, in_browser, poll, preflight, row_with, submit_login, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_page_records_submits_and_approves_weeks() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (s, wt) =
        api.post("/api/v1/work-types", &json!({"name": "Remote support", "billable": true, "active": true})).await;
    assert_eq!(s, 200, "{wt}");
    // a technician's week, submitted over REST, waits in the admin's approval queue
    let claims = Stack::claims(admin.tenant_id, PrincipalKind::Staff, Role::Technician.permission_names(), None);
    let tech_id = claims.sub.to_string();
    let tech = Api::new(&base, Some(stack.mint_token(&claims).await));
    let today = chrono::Utc::now().date_naive().to_string();
    let body = json!({"date": today, "durationMinutes": 45, "workTypeId": wt["id"]});
    assert_eq!(tech.post("/api/v1/time-entries", &body).await.0, 200);
    let (s, v) = tech.post(&format!("/api/v1/users/me/timesheets/{today}/submit"), &json!({})).await;
    assert_eq!(s, 200, "{v}");

    in_browser(async |c| flow(&c, &base, &admin.slug, &admin.email, &admin.password).await).await;
    let (_, week) = api.get(&format!("/api/v1/users/{tech_id}/timesheets/{today}")).await;
    assert_eq!(week["status"], "TIMESHEET_STATUS_APPROVED", "{week}");
    stack.stop().await;
}

async fn text(c: &Client, css: &str) -> Flow<String> {
    Ok(wait_for(c, css).await?.text().await?)
}

async fn status(c: &Client) -> Result<String, fantoccini::error::CmdError> {
    c.find(Locator::Css("#timesheet-status")).await?.text().await
}

async fn flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;
    wait_for(c, "#nav-time").await?.click().await?;

    // Record 90 minutes; the entry and the totals show it.
    wait_for(c, "#time-entry-form").await?;
    let minutes = wait_for(c, "#entry-minutes").await?;
    minutes.clear().await?;
    minutes.send_keys("90").await?;
    wait_for(c, "#entry-notes").await?.send_keys("Patched the firewall").await?;
    wait_for(c, "#entry-add").await?.click().await?;
    poll("the entry in the week", move || async move {
        Ok(c.find_all(Locator::Css("#timesheet-entries tbody tr")).await?.len() == 1)
    })
    .await?;
    let total = text(c, "#timesheet-total").await?;
    if total != "1:30" {
        return Err(format!("total {total:?}, expected 1:30").into());
    }

    // Submit: the status changes and entries can no longer be deleted; recall reopens.
    wait_for(c, "#timesheet-submit").await?.click().await?;
    poll("submitted", move || async move { Ok(status(c).await?.contains("Submitted")) }).await?;
    if !c.find_all(Locator::Css(".entry-delete")).await?.is_empty() {
        return Err("a submitted week still offers Delete".into());
    }
    wait_for(c, "#timesheet-recall").await?.click().await?;
    poll("open again", move || async move { Ok(status(c).await?.contains("Open")) }).await?;
    wait_for(c, ".entry-delete").await?;

    // The technician's week is in the queue; approve it.
    poll("one week to approve", move || async move {
        Ok(c.find_all(Locator::Css("#approval-queue tbody tr")).await?.len() == 1)
    })
    .await?;
    wait_for(c, "#approval-queue .approve").await?.click().await?;
    poll(
        "queue empty",
        move || async move { Ok(c.find_all(Locator::Css("#approval-queue tbody tr")).await?.is_empty()) },
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_time_defaults_to_the_tickets_contract_and_picks_another() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let post = |path: &'static str, body: serde_json::Value| {
        let api = &api;
        async move {
            let (s, v) = api.post(path, &body).await;
            assert_eq!(s, 200, "POST {path}: {v}");
            v
        }
    };
    post("/api/v1/work-types", json!({"name": "Remote support", "billable": true, "active": true})).await;
    let company = post("/api/v1/companies", json!({"name": "Globex"})).await["id"].as_str().unwrap().to_owned();
    let other = post("/api/v1/companies", json!({"name": "Initech"})).await["id"].as_str().unwrap().to_owned();
    let contract = |name: &'static str, company: String| {
        post(
            "/api/v1/contracts",
            json!({"name": name, "companyId": company, "startDate": "2026-01-01", "currency": "USD"}),
        )
    };
    let managed = contract("Managed services", company.clone()).await["id"].as_str().unwrap().to_owned();
    let project = contract("Office move", company.clone()).await["id"].as_str().unwrap().to_owned();
    let foreign = contract("Initech support", other).await["id"].as_str().unwrap().to_owned();
    let ticket =
        post("/api/v1/tickets", json!({"title": "Move the printers", "companyId": company, "contractId": managed}))
            .await;
    let tid = ticket["id"].as_str().unwrap().to_owned();

    let ids = (managed.clone(), project.clone(), foreign.clone());
    // Projects and tasks are named by id (not checked against a project service).
    let (prj, task) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    let work = (prj.as_str(), task.as_str());
    in_browser(async |c| ticket_flow(&c, &base, &admin.slug, &admin.email, &admin.password, &tid, ids, work).await)
        .await;
    let (s, v) = api.get(&format!("/api/v1/tickets/{tid}/time-entries")).await;
    assert_eq!(s, 200, "{v}");
    let mut entries: Vec<(String, String, String, i64)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let f = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (f("contractId"), f("projectId"), f("taskId"), e["durationMinutes"].as_i64().unwrap_or_default())
        })
        .collect();
    entries.sort_by_key(|e| e.3);
    assert_eq!(
        entries,
        [(managed.clone(), String::new(), String::new(), 20), (project.clone(), prj.clone(), task.clone(), 40),],
        "{v}"
    );
    stack.stop().await;
}

#[allow(clippy::too_many_arguments)]
async fn ticket_flow(
    c: &Client,
    base: &str,
    tenant: &str,
    email: &str,
    password: &str,
    ticket: &str,
    (managed, project, foreign): (String, String, String),
    (prj, task): (&str, &str),
) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;
    c.goto(&format!("{base}/tickets/{ticket}")).await?;
    wait_for(c, "#ticket-time #time-entry-form").await?;
    // The picker lists the company's two contracts (not the other company's), the ticket's
    // selected.
    poll("the company's contracts", move || async move {
        Ok(c.find_all(Locator::Css("#entry-contract option")).await?.len() == 3)
    })
    .await?;
    let options = c.find_all(Locator::Css("#entry-contract option")).await?;
    let mut values = Vec::new();
    for o in &options {
        values.push(o.prop("value").await?.unwrap_or_default());
    }
    if !values.contains(&managed) || !values.contains(&project) || values.contains(&foreign) {
        return Err(format!("contract options {values:?}").into());
    }
    let selected = wait_for(c, "#entry-contract").await?.prop("value").await?.unwrap_or_default();
    if selected != managed {
        return Err(format!("selected contract {selected:?}, expected the ticket's {managed}").into());
    }
    // 20 minutes on the ticket's contract.
    let minutes = wait_for(c, "#entry-minutes").await?;
    minutes.clear().await?;
    minutes.send_keys("20").await?;
    wait_for(c, "#entry-add").await?.click().await?;
    poll(
        "one entry logged",
        move || async move { Ok(c.find_all(Locator::Css("#ticket-time-logged")).await?.len() == 1) },
    )
    .await?;
    // 40 minutes on the other contract, with a project and a task.
    wait_for(c, "#entry-contract").await?.select_by_value(&project).await?;
    let minutes = wait_for(c, "#entry-minutes").await?;
    minutes.clear().await?;
    minutes.send_keys("40").await?;
    wait_for(c, "#entry-project").await?.send_keys(prj).await?;
    wait_for(c, "#entry-task").await?.send_keys(task).await?;
    wait_for(c, "#entry-add").await?.click().await?;
    poll("two entries logged", move || async move {
        Ok(c.find(Locator::Css("#ticket-time-logged")).await?.text().await?.contains('2'))
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timer_work_types_and_rounding() {
    preflight();
    let stack = Stack::start().await;
    let admin = stack.create_tenant("acme").await;
    let base = stack.gateway_url().to_string();
    let (api, _) = stack.login(&admin).await;
    let (s, company) = api.post("/api/v1/companies", &json!({"name": "Globex"})).await;
    assert_eq!(s, 200, "{company}");
    let (s, ticket) = api.post("/api/v1/tickets", &json!({"title": "Printer jam", "companyId": company["id"]})).await;
    assert_eq!(s, 200, "{ticket}");
    let tid = ticket["id"].as_str().unwrap().to_owned();

    let (tenant, ticket) = ((admin.slug.clone(), admin.email.clone(), admin.password.clone()), tid.clone());
    in_browser(|c| async move { timer_flow(&c, &base, &tenant.0, &tenant.1, &tenant.2, &ticket).await }).await;

    // The API agrees: the work type, the rule, one rounded timer entry, no timer left.
    let (_, types) = api.get("/api/v1/work-types").await;
    let onsite = types["workTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "Onsite")
        .unwrap_or_else(|| panic!("no Onsite work type: {types}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, wt) = api.get(&format!("/api/v1/work-types/{onsite}")).await;
    assert_eq!(s, 200, "{wt}");
    assert_eq!(wt["name"], "Onsite", "{wt}");
    assert_eq!(wt["defaultRate"].as_str().unwrap().parse::<f64>().unwrap(), 150.0, "{wt}");
    assert_eq!(wt["billable"], true, "{wt}");
    assert_eq!(wt["active"], true, "{wt}");
    let (_, settings) = api.get("/api/v1/time-settings").await;
    assert_eq!(settings["method"], "ROUNDING_METHOD_UP", "{settings}");
    assert_eq!(settings["incrementMinutes"], 15, "{settings}");
    assert_eq!(settings["minimumMinutes"], 15, "{settings}");
    let (s, v) = api.get(&format!("/api/v1/tickets/{tid}/time-entries")).await;
    assert_eq!(s, 200, "{v}");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{v}");
    let e = &entries[0];
    assert_eq!(e["workTypeId"], onsite.as_str(), "{e}");
    assert_eq!(e["notes"], "Replaced the fuser", "{e}");
    assert!(e["durationMinutes"].as_i64().unwrap() >= 1, "{e}");
    assert_eq!(e["roundedMinutes"], 15, "{e}");
    assert_eq!(api.get("/api/v1/time-entries/timer").await.0, 404);
    stack.stop().await;
}

async fn timer_flow(c: &Client, base: &str, tenant: &str, email: &str, password: &str, ticket: &str) -> Flow<()> {
    submit_login(c, base, tenant, email, password).await?;
    wait_for(c, "#nav-user-email").await?;
    click(c, "#nav-time").await?;
    wait_for(c, "#timer-idle").await?;

    // A negative rate is refused under its input; then "Onsite" at 150.00 is created.
    fill(c, "#wt-name", "Onsite").await?;
    fill(c, "#wt-rate", "-5").await?;
    click(c, "#wt-add").await?;
    wait_for(c, "#wt-rate-error").await?;
    fill(c, "#wt-rate", "150.00").await?;
    click(c, "#wt-add").await?;
    let row = r#"#work-types tr[data-name="Onsite"]"#;
    let onsite = wait_for(c, row).await?.attr("data-id").await?.unwrap_or_default();
    // Deactivate and reactivate it.
    click(c, &format!("{row} .wt-toggle")).await?;
    poll("inactive", move || async move {
        Ok(c.find(Locator::Css(&format!("{row} .wt-active"))).await?.text().await? == "Inactive")
    })
    .await?;
    click(c, &format!("{row} .wt-toggle")).await?;
    poll("active again", move || async move {
        Ok(c.find(Locator::Css(&format!("{row} .wt-active"))).await?.text().await? == "Active")
    })
    .await?;

    // Rounding: up to 15 minutes, at least 15. An increment out of range is refused first.
    wait_for(c, "#rounding-method").await?.select_by_value("ROUNDING_METHOD_UP").await?;
    fill(c, "#rounding-increment", "90").await?;
    fill(c, "#rounding-minimum", "15").await?;
    click(c, "#rounding-save").await?;
    wait_for(c, "#rounding-increment-error").await?;
    fill(c, "#rounding-increment", "15").await?;
    click(c, "#rounding-save").await?;
    wait_for(c, "#rounding-saved").await?;

    // Start the timer on the ticket; a second start shows the API's refusal.
    c.goto(&format!("{base}/tickets/{ticket}")).await?;
    wait_for(c, &format!(r#"#timer-work-type option[value="{onsite}"]"#)).await?;
    wait_for(c, "#timer-work-type").await?.select_by_value(&onsite).await?;
    fill(c, "#timer-notes", "Replaced the fuser").await?;
    click(c, "#timer-start").await?;
    let running = wait_for(c, "#ticket-timer-running").await?.text().await?;
    if !running.starts_with("Timer running since ") {
        return Err(format!("running timer shows {running:?}").into());
    }
    wait_for(c, "#ticket-time-none").await?;
    click(c, "#timer-start").await?;
    let refusal = wait_for(c, "#timer-error").await?.text().await?;
    if !refusal.contains("already running") {
        return Err(format!("second start shows {refusal:?}").into());
    }

    // The Time page shows the running timer and links back to its ticket.
    click(c, "#nav-time").await?;
    wait_for(c, "#timer-running").await?;
    click(c, "#time-timer a.timer-ticket").await?;
    // Stop on the ticket: the entry (1 minute rounded up to 15) is listed.
    click(c, "#ticket-timer-stop").await?;
    poll("the timer's entry", move || async move {
        Ok(row_with(c, "#ticket-time-entries tbody tr", "Onsite").await?.is_some())
    })
    .await?;
    let minutes = wait_for(c, "#ticket-time-entries tbody tr").await?.attr("data-minutes").await?;
    if minutes.as_deref() != Some("15") {
        return Err(format!("entry shows {minutes:?} rounded minutes, expected 15").into());
    }
    if !c.find_all(Locator::Css("#ticket-timer-running")).await?.is_empty() {
        return Err("the timer still shows as running".into());
    }
    Ok(())
}
