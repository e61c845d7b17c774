//! Service-desk configuration over REST: tenant statuses (flags drive the SLA pause and the
//! lifecycle, un-flagging applies to new transitions only), queues, types, categories (no
//! cycles), teams and assignment to a team, custom fields (typed, required, in the activity),
//! links, contract → company → default SLA selection, and isolation (another tenant, portal).

use psa_testkit::{Api, Stack};
use serde_json::{Value, json};

async fn ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.post(path, &body).await;
    assert_eq!(s, 200, "POST {path}: {v}");
    v
}

async fn put_ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.put(path, &body).await;
    assert_eq!(s, 200, "PUT {path}: {v}");
    v
}

async fn patch_ok(api: &Api, path: &str, body: Value) -> Value {
    let (s, v) = api.patch(path, &body).await;
    assert_eq!(s, 200, "PATCH {path}: {v}");
    v
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

async fn statuses(api: &Api) -> Vec<Value> {
    let (s, v) = api.get("/api/v1/ticket-statuses").await;
    assert_eq!(s, 200, "{v}");
    v["ticketStatuses"].as_array().cloned().unwrap_or_default()
}

fn by_name<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("no {name} in {list:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn statuses_drive_the_sla_pause_and_the_lifecycle() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("desk-status").await).await;
    // A 24×7 default policy so the resolution clock runs.
    ok(
        &api,
        "/api/v1/sla-policies",
        json!({"name": "Std", "isDefault": true, "targets": [
            {"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": 60, "resolutionMinutes": 600}]}),
    )
    .await;
    // The six built-in statuses exist, NEW is the default, WAITING pauses, RESOLVED/CLOSED close.
    let list = statuses(&api).await;
    assert_eq!(list.len(), 6, "{list:?}");
    assert_eq!(by_name(&list, "New")["isDefault"], true);
    assert_eq!(by_name(&list, "Waiting on client")["pausesSla"], true);
    assert_eq!(by_name(&list, "Resolved")["closed"], true);
    assert!(list.iter().all(|s| s["builtIn"] == true));

    // A custom pausing status of kind IN_PROGRESS.
    let vendor = ok(
        &api,
        "/api/v1/ticket-statuses",
        json!({"name": "Waiting on vendor", "colour": "#FF8800", "kind": "TICKET_STATUS_IN_PROGRESS", "pausesSla": true, "position": 35}),
    )
    .await;
    assert_eq!((vendor["colour"].as_str(), vendor["active"].as_bool()), (Some("#ff8800"), Some(true)), "{vendor}");
    let vid = id(&vendor);
    // Bad input: duplicate name, closed + pausing, no kind, bad colour.
    let (s, _) =
        api.post("/api/v1/ticket-statuses", &json!({"name": "waiting on VENDOR", "kind": "TICKET_STATUS_OPEN"})).await;
    assert_eq!(s, 409);
    let (s, v) = api
        .post(
            "/api/v1/ticket-statuses",
            &json!({"name": "Odd", "kind": "TICKET_STATUS_OPEN", "closed": true, "pausesSla": true, "colour": "red"}),
        )
        .await;
    assert!(
        s == 400
            && v.to_string().contains("ticket_status.pauses_sla")
            && v.to_string().contains("ticket_status.colour"),
        "{v}"
    );
    let (s, v) = api.post("/api/v1/ticket-statuses", &json!({"name": "Kindless"})).await;
    assert!(s == 400 && v.to_string().contains("ticket_status.kind"), "{v}");

    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let t = ok(&api, "/api/v1/tickets", json!({"title": "Outage", "companyId": company["id"]})).await;
    let tid = id(&t);
    assert_eq!(t["statusId"], by_name(&list, "New")["id"], "{t}");
    assert_eq!(t["status"], "TICKET_STATUS_NEW");
    assert!(t["sla"]["paused"].is_null(), "{t}");

    // Moving by id to the custom status: kind IN_PROGRESS, the resolution clock pauses.
    let w = patch_ok(&api, &format!("/api/v1/tickets/{tid}"), json!({"statusId": vid})).await;
    assert_eq!((w["status"].as_str(), w["statusId"].as_str()), (Some("TICKET_STATUS_IN_PROGRESS"), Some(vid.as_str())));
    assert_eq!(w["sla"]["paused"], true, "{w}");
    assert!(w["sla"]["resolutionDue"].is_null(), "{w}");
    // Back by kind: the built-in OPEN status; the clock runs.
    let o = patch_ok(&api, &format!("/api/v1/tickets/{tid}"), json!({"status": "TICKET_STATUS_OPEN"})).await;
    assert_eq!(o["statusId"], by_name(&list, "Open")["id"]);
    assert!(o["sla"]["paused"].is_null() && o["sla"]["resolutionDue"].is_string(), "{o}");

    // Un-flag the status: entering it again no longer pauses.
    let mut upd = vendor.clone();
    upd["pausesSla"] = json!(false);
    put_ok(&api, &format!("/api/v1/ticket-statuses/{vid}"), upd).await;
    let w = patch_ok(&api, &format!("/api/v1/tickets/{tid}"), json!({"statusId": vid})).await;
    assert!(w["sla"]["paused"].is_null() && w["sla"]["resolutionDue"].is_string(), "{w}");

    // A custom closed status stamps the resolve time and stops the clock; reopening clears it.
    let done = ok(
        &api,
        "/api/v1/ticket-statuses",
        json!({"name": "Cancelled", "kind": "TICKET_STATUS_CLOSED", "closed": true}),
    )
    .await;
    let c = patch_ok(&api, &format!("/api/v1/tickets/{tid}"), json!({"statusId": done["id"]})).await;
    assert!(c["resolveTime"].is_string() && c["closeTime"].is_string(), "{c}");
    assert_eq!(c["sla"]["resolved"], true, "{c}");
    let r = patch_ok(&api, &format!("/api/v1/tickets/{tid}"), json!({"statusId": by_name(&list, "Open")["id"]})).await;
    assert!(r["resolveTime"].is_null() && r["sla"]["resolved"].is_null(), "{r}");

    // A new default status; inactive statuses cannot be set; the kind of a used status is fixed.
    let triage =
        ok(&api, "/api/v1/ticket-statuses", json!({"name": "Triage", "kind": "TICKET_STATUS_NEW", "isDefault": true}))
            .await;
    let list = statuses(&api).await;
    assert_eq!(list.iter().filter(|s| s["isDefault"] == true).count(), 1);
    assert_eq!(by_name(&list, "Triage")["isDefault"], true);
    let t2 = ok(&api, "/api/v1/tickets", json!({"title": "Second", "companyId": company["id"]})).await;
    assert_eq!(t2["statusId"], triage["id"]);
    // t2 is in Triage: its kind is fixed; and it stays the default until another one is.
    let mut kind = triage.clone();
    kind["kind"] = json!("TICKET_STATUS_OPEN");
    let (s, v) = api.put(&format!("/api/v1/ticket-statuses/{}", id(&triage)), &kind).await;
    assert!(s == 400 && v.to_string().contains("ticket_status.kind"), "{v}");
    let mut undefault = triage.clone();
    undefault["isDefault"] = json!(false);
    let (s, v) = api.put(&format!("/api/v1/ticket-statuses/{}", id(&triage)), &undefault).await;
    assert!(s == 400 && v.to_string().contains("ticket_status.is_default"), "{v}");
    let mut off = done.clone();
    off["active"] = json!(false);
    put_ok(&api, &format!("/api/v1/ticket-statuses/{}", id(&done)), off).await;
    let (s, v) = api.patch(&format!("/api/v1/tickets/{}", id(&t2)), &json!({"statusId": done["id"]})).await;
    assert!(s == 400 && v.to_string().contains("ticket.status_id"), "{v}");

    // The activity has the status changes.
    let (_, log) = api.get(&format!("/api/v1/tickets/{tid}/activity")).await;
    let fields: Vec<&str> = log["activities"].as_array().unwrap().iter().filter_map(|a| a["field"].as_str()).collect();
    assert!(fields.contains(&"status") && !fields.contains(&"status_id"), "moves between kinds: {log}");
    // A move within one kind (Triage → New) is recorded as a `status_id` change.
    let new_id = by_name(&list, "New")["id"].clone();
    patch_ok(&api, &format!("/api/v1/tickets/{}", id(&t2)), json!({"statusId": new_id})).await;
    let (_, log) = api.get(&format!("/api/v1/tickets/{}/activity", id(&t2))).await;
    let last = &log["activities"][0];
    assert_eq!(
        (last["field"].as_str(), last["oldValue"].clone(), last["newValue"].clone()),
        (Some("status_id"), triage["id"].clone(), new_id),
        "{log}"
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queues_types_categories_teams_custom_fields_and_links() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("desk-config").await).await;
    let (alice, bob) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());

    // Teams: the lead must be a member.
    let (s, v) = api.post("/api/v1/teams", &json!({"name": "NOC", "memberIds": [alice], "leadId": bob})).await;
    assert!(s == 400 && v.to_string().contains("team.lead_id"), "{v}");
    let noc = ok(&api, "/api/v1/teams", json!({"name": "NOC", "memberIds": [alice, bob, alice], "leadId": bob})).await;
    assert_eq!(noc["memberIds"].as_array().map(Vec::len), Some(2));
    let desk = ok(&api, "/api/v1/teams", json!({"name": "Desk"})).await;

    // Queues with a default team; types; categories as a tree without cycles.
    let queue = ok(&api, "/api/v1/ticket-queues", json!({"name": "Network", "defaultTeamId": noc["id"]})).await;
    let (s, _) = api.post("/api/v1/ticket-queues", &json!({"name": "network"})).await;
    assert_eq!(s, 409);
    let (s, v) = api.post("/api/v1/ticket-queues", &json!({"name": "X", "defaultTeamId": uuid::Uuid::now_v7()})).await;
    assert!(s == 400 && v.to_string().contains("ticket_queue.default_team_id"), "{v}");
    let incident = ok(&api, "/api/v1/ticket-types", json!({"name": "Incident"})).await;
    let hw = ok(&api, "/api/v1/ticket-categories", json!({"name": "Hardware"})).await;
    let printers = ok(&api, "/api/v1/ticket-categories", json!({"name": "Printers", "parentId": hw["id"]})).await;
    let mut cyc = hw.clone();
    cyc["parentId"] = printers["id"].clone();
    let (s, v) = api.put(&format!("/api/v1/ticket-categories/{}", id(&hw)), &cyc).await;
    assert!(s == 400 && v.to_string().contains("ticket_category.parent_id"), "{v}");
    let (_, cats) = api.get("/api/v1/ticket-categories").await;
    assert_eq!(cats["ticketCategories"].as_array().map(Vec::len), Some(2));

    // Custom fields.
    ok(
        &api,
        "/api/v1/ticket-custom-fields",
        json!({"key": "site", "label": "Site", "type": "CUSTOM_FIELD_TYPE_SELECT", "required": true, "options": ["HQ", "Branch"]}),
    )
    .await;
    ok(
        &api,
        "/api/v1/ticket-custom-fields",
        json!({"key": "users", "label": "Users affected", "type": "CUSTOM_FIELD_TYPE_NUMBER"}),
    )
    .await;
    let (s, v) = api
        .post(
            "/api/v1/ticket-custom-fields",
            &json!({"key": "Bad Key", "label": "x", "type": "CUSTOM_FIELD_TYPE_TEXT"}),
        )
        .await;
    assert!(s == 400 && v.to_string().contains("custom_field.key"), "{v}");

    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let base = json!({"title": "Switch down", "companyId": company["id"]});
    let (s, v) = api.post("/api/v1/tickets", &base).await;
    assert!(s == 400 && v.to_string().contains("ticket.custom_fields.site"), "required: {v}");
    let mut bad = base.clone();
    bad["customFields"] = json!({"site": "Moon", "users": "many", "nope": 1});
    bad["queueId"] = json!(uuid::Uuid::now_v7());
    let (s, v) = api.post("/api/v1/tickets", &bad).await;
    let text = v.to_string();
    for f in ["ticket.custom_fields.site", "ticket.custom_fields.users", "ticket.custom_fields.nope", "ticket.queue_id"]
    {
        assert!(s == 400 && text.contains(f), "{f}: {v}");
    }
    let (contract, asset, project) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let mut good = base.clone();
    good["customFields"] = json!({"site": "HQ", "users": 40});
    good["queueId"] = queue["id"].clone();
    good["typeId"] = incident["id"].clone();
    good["categoryId"] = printers["id"].clone();
    good["contractId"] = json!(contract);
    good["assetId"] = json!(asset);
    good["projectId"] = json!(project);
    let t = ok(&api, "/api/v1/tickets", good).await;
    let tid = id(&t);
    assert_eq!(t["teamId"], noc["id"], "the queue's default team: {t}");
    assert_eq!((t["typeId"].clone(), t["categoryId"].clone()), (incident["id"].clone(), printers["id"].clone()));
    assert_eq!(t["contractId"].as_str(), Some(contract.to_string().as_str()));
    assert_eq!(
        (t["customFields"]["site"].as_str(), t["customFields"]["users"].as_f64()),
        (Some("HQ"), Some(40.0)),
        "{t}"
    );

    // Updates: a custom-field change and a link change go into the activity.
    let u = patch_ok(
        &api,
        &format!("/api/v1/tickets/{tid}"),
        json!({"customFields": {"site": "Branch", "users": null}, "assetId": ""}),
    )
    .await;
    assert_eq!(u["customFields"], json!({"site": "Branch"}), "{u}");
    assert!(u["assetId"].is_null(), "{u}");
    let (_, log) = api.get(&format!("/api/v1/tickets/{tid}/activity")).await;
    let changes: Vec<(String, String, String)> = log["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
            (s("field"), s("oldValue"), s("newValue"))
        })
        .collect();
    assert!(changes.contains(&("custom_fields.site".into(), "HQ".into(), "Branch".into())), "{changes:?}");
    assert!(
        changes.iter().any(|(f, old, new)| f == "custom_fields.users" && old.starts_with("40") && new.is_empty()),
        "{changes:?}"
    );
    assert!(changes.contains(&("asset_id".into(), asset.to_string(), String::new())), "{changes:?}");

    // Filters by queue and team.
    let (_, l) = api.get(&format!("/api/v1/tickets?filter=queue_id%20%3D%20%22{}%22", id(&queue))).await;
    assert_eq!(l["tickets"].as_array().map(Vec::len), Some(1), "{l}");
    let (_, l) = api.get(&format!("/api/v1/tickets?filter=team_id%20%3D%20%22{}%22", id(&desk))).await;
    assert!(l["tickets"].is_null(), "{l}");
    // … and by custom-field values, alone or with other terms.
    let count = |filter: String| {
        let api = &api;
        async move {
            let (s, l) = api
                .get(&format!(
                    "/api/v1/tickets?filter={}",
                    filter.replace(' ', "%20").replace('"', "%22").replace('=', "%3D")
                ))
                .await;
            assert_eq!(s, 200, "{filter}: {l}");
            l["tickets"].as_array().map_or(0, Vec::len)
        }
    };
    assert_eq!(count(r#"custom_fields.site = "Branch""#.into()).await, 1);
    assert_eq!(count(r#"custom_fields.site = "HQ""#.into()).await, 0);
    assert_eq!(count(r#"custom_fields.site != "Branch""#.into()).await, 0);
    assert_eq!(count(r#"custom_fields.site:"bran""#.into()).await, 1);
    assert_eq!(count(format!(r#"queue_id = "{}" AND custom_fields.site = "Branch""#, id(&queue))).await, 1);
    assert_eq!(count(format!(r#"queue_id = "{}" AND custom_fields.site = "Branch""#, uuid::Uuid::now_v7())).await, 0);

    // Assign to a team and a user; an unknown team is refused; inactive types are refused.
    let a =
        ok(&api, &format!("/api/v1/tickets/{tid}/assign"), json!({"assigneeId": alice, "teamId": desk["id"]})).await;
    assert_eq!((a["assigneeId"].as_str(), a["teamId"].clone()), (Some(alice.as_str()), desk["id"].clone()));
    let a = ok(&api, &format!("/api/v1/tickets/{tid}/assign"), json!({"assigneeId": bob})).await;
    assert_eq!(a["teamId"], desk["id"], "team kept when not named: {a}");
    let (s, v) = api.post(&format!("/api/v1/tickets/{tid}/assign"), &json!({"teamId": uuid::Uuid::now_v7()})).await;
    assert!(s == 400 && v.to_string().contains("team_id"), "{v}");
    let mut off = incident.clone();
    off["active"] = json!(false);
    put_ok(&api, &format!("/api/v1/ticket-types/{}", id(&incident)), off).await;
    let mut t2 = base.clone();
    t2["customFields"] = json!({"site": "HQ"});
    t2["typeId"] = incident["id"].clone();
    let (s, v) = api.post("/api/v1/tickets", &t2).await;
    assert!(s == 400 && v.to_string().contains("ticket.type_id"), "{v}");

    // Priorities: names, colours and order per level.
    let p = put_ok(
        &api,
        "/api/v1/ticket-priorities/TICKET_PRIORITY_CRITICAL",
        json!({"name": "P1", "colour": "#990000", "position": 0}),
    )
    .await;
    assert_eq!(p["name"], "P1");
    let (_, list) = api.get("/api/v1/ticket-priorities").await;
    let list = list["ticketPriorities"].as_array().unwrap();
    assert_eq!((list.len(), list[0]["name"].as_str()), (4, Some("P1")), "{list:?}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sla_policy_is_chosen_by_contract_then_company_then_default() {
    let stack = Stack::start().await;
    let (api, _) = stack.login(&stack.create_tenant("desk-sla").await).await;
    let policy = |name: &str, default: bool| {
        json!({"name": name, "isDefault": default, "targets": [
            {"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": 60, "resolutionMinutes": 600}]})
    };
    let default = id(&ok(&api, "/api/v1/sla-policies", policy("Default", true)).await);
    let company_p = id(&ok(&api, "/api/v1/sla-policies", policy("Company", false)).await);
    let contract_p = id(&ok(&api, "/api/v1/sla-policies", policy("Contract", false)).await);
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let company_id = company["id"].as_str().unwrap().to_owned();
    let contract = uuid::Uuid::now_v7().to_string();
    let other_contract = uuid::Uuid::now_v7().to_string();

    let new = |contract: Option<&str>| {
        let mut t = json!({"title": "x", "companyId": company_id});
        if let Some(c) = contract {
            t["contractId"] = json!(c);
        }
        t
    };
    let t = ok(&api, "/api/v1/tickets", new(Some(&contract))).await;
    assert_eq!(t["sla"]["policyId"].as_str(), Some(default.as_str()), "tenant default: {t}");
    put_ok(&api, &format!("/api/v1/sla/companies/{company_id}"), json!({"policyId": company_p})).await;
    let t = ok(&api, "/api/v1/tickets", new(Some(&contract))).await;
    assert_eq!(t["sla"]["policyId"].as_str(), Some(company_p.as_str()), "company: {t}");
    let path = format!("/api/v1/sla/contracts/{contract}");
    let set = put_ok(&api, &path, json!({"policyId": contract_p})).await;
    assert_eq!(set["policyId"].as_str(), Some(contract_p.as_str()));
    let (_, got) = api.get(&path).await;
    assert_eq!(got["policyId"].as_str(), Some(contract_p.as_str()));
    let with = ok(&api, "/api/v1/tickets", new(Some(&contract))).await;
    assert_eq!(with["sla"]["policyId"].as_str(), Some(contract_p.as_str()), "contract: {with}");
    let without = ok(&api, "/api/v1/tickets", new(Some(&other_contract))).await;
    assert_eq!(without["sla"]["policyId"].as_str(), Some(company_p.as_str()), "other contract: {without}");
    // Moving a ticket to the contract re-selects its policy.
    let moved = patch_ok(&api, &format!("/api/v1/tickets/{}", id(&without)), json!({"contractId": contract})).await;
    assert_eq!(moved["sla"]["policyId"].as_str(), Some(contract_p.as_str()), "{moved}");
    // Bad input and removal.
    let (s, v) = api.put(&path, &json!({"policyId": uuid::Uuid::now_v7()})).await;
    assert!(s == 400 && v.to_string().contains("policy_id"), "{v}");
    let (s, _) = api.put("/api/v1/sla/contracts/nope", &json!({"policyId": contract_p})).await;
    assert_eq!(s, 400);
    put_ok(&api, &path, json!({"policyId": ""})).await;
    let t = ok(&api, "/api/v1/tickets", new(Some(&contract))).await;
    assert_eq!(t["sla"]["policyId"].as_str(), Some(company_p.as_str()), "{t}");
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn desk_configuration_is_isolated_and_staff_only() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("desk-iso-a").await;
    let (api, _) = stack.login(&admin).await;
    let (other, _) = stack.login(&stack.create_tenant("desk-iso-b").await).await;
    let team = ok(&api, "/api/v1/teams", json!({"name": "NOC"})).await;
    let queue = ok(&api, "/api/v1/ticket-queues", json!({"name": "Network"})).await;
    let kind = ok(&api, "/api/v1/ticket-types", json!({"name": "Incident"})).await;
    let cat = ok(&api, "/api/v1/ticket-categories", json!({"name": "Hardware"})).await;
    let status = ok(&api, "/api/v1/ticket-statuses", json!({"name": "Parked", "kind": "TICKET_STATUS_OPEN"})).await;
    let field = ok(
        &api,
        "/api/v1/ticket-custom-fields",
        json!({"key": "site", "label": "Site", "type": "CUSTOM_FIELD_TYPE_TEXT"}),
    )
    .await;
    let policy = ok(
        &api,
        "/api/v1/sla-policies",
        json!({"name": "Gold", "targets": [{"priority": "TICKET_PRIORITY_MEDIUM", "firstResponseMinutes": 60, "resolutionMinutes": 600}]}),
    )
    .await;
    let contract = uuid::Uuid::now_v7();
    put_ok(&api, &format!("/api/v1/sla/contracts/{contract}"), json!({"policyId": policy["id"]})).await;

    // Another tenant sees none of it, cannot change it, and cannot use A's ids on its tickets.
    for (path, key) in [
        ("/api/v1/teams", "teams"),
        ("/api/v1/ticket-queues", "ticketQueues"),
        ("/api/v1/ticket-types", "ticketTypes"),
        ("/api/v1/ticket-categories", "ticketCategories"),
        ("/api/v1/ticket-custom-fields", "customFields"),
    ] {
        let (s, v) = other.get(path).await;
        assert!(s == 200 && v[key].is_null(), "{path}: {v}");
    }
    let (_, theirs) = other.get("/api/v1/ticket-statuses").await;
    assert!(!theirs.to_string().contains(status["id"].as_str().unwrap()));
    assert_eq!(other.put(&format!("/api/v1/teams/{}", id(&team)), &json!({"name": "Mine"})).await.0, 404);
    assert_eq!(other.put(&format!("/api/v1/ticket-queues/{}", id(&queue)), &json!({"name": "Mine"})).await.0, 404);
    assert_eq!(other.put(&format!("/api/v1/ticket-types/{}", id(&kind)), &json!({"name": "Mine"})).await.0, 404);
    assert_eq!(other.put(&format!("/api/v1/ticket-categories/{}", id(&cat)), &json!({"name": "Mine"})).await.0, 404);
    let s = other
        .put(
            &format!("/api/v1/ticket-statuses/{}", id(&status)),
            &json!({"name": "Mine", "kind": "TICKET_STATUS_OPEN"}),
        )
        .await
        .0;
    assert_eq!(s, 404);
    let s = other
        .put(
            &format!("/api/v1/ticket-custom-fields/{}", id(&field)),
            &json!({"key": "site", "label": "x", "type": "CUSTOM_FIELD_TYPE_TEXT"}),
        )
        .await
        .0;
    assert_eq!(s, 404);
    let (_, c) = other.get(&format!("/api/v1/sla/contracts/{contract}")).await;
    assert!(c["policyId"].is_null(), "{c}");
    let (_, company) = other.post("/api/v1/companies", &json!({"name": "Initech"})).await;
    let (s, v) = other
        .post(
            "/api/v1/tickets",
            &json!({"title": "x", "companyId": company["id"], "queueId": queue["id"], "teamId": team["id"],
                    "statusId": status["id"], "typeId": kind["id"], "categoryId": cat["id"]}),
        )
        .await;
    let text = v.to_string();
    for f in ["ticket.queue_id", "ticket.team_id", "ticket.status_id", "ticket.type_id", "ticket.category_id"] {
        assert!(s == 400 && text.contains(f), "{f}: {v}");
    }

    // Portal users (even of A) reach none of the configuration.
    let (_, mine) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let portal = stack.portal_api(admin.tenant_id, mine["id"].as_str().unwrap().parse().unwrap()).await;
    for path in [
        "/api/v1/ticket-statuses",
        "/api/v1/ticket-priorities",
        "/api/v1/teams",
        "/api/v1/ticket-queues",
        "/api/v1/ticket-types",
        "/api/v1/ticket-categories",
        "/api/v1/ticket-custom-fields",
    ] {
        assert_eq!(portal.get(path).await.0, 403, "{path}");
    }
    assert_eq!(portal.post("/api/v1/teams", &json!({"name": "x"})).await.0, 403);
    assert_eq!(portal.get(&format!("/api/v1/sla/contracts/{contract}")).await.0, 403);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn templates_and_canned_responses() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("desk-tpl").await;
    let (api, _) = stack.login(&admin).await;
    let (other, _) = stack.login(&stack.create_tenant("desk-tpl-b").await).await;
    let queue = ok(&api, "/api/v1/ticket-queues", json!({"name": "Onboarding"})).await;
    let (s, v) = api.post("/api/v1/ticket-templates", &json!({"name": "New starter"})).await;
    assert!(s == 400 && v.to_string().contains("ticket_template.title"), "{v}");
    let tpl = ok(
        &api,
        "/api/v1/ticket-templates",
        json!({"name": "New starter", "title": "Set up a new starter", "description": "Laptop, accounts",
               "priority": "TICKET_PRIORITY_HIGH", "queueId": queue["id"], "tags": ["Onboarding"]}),
    )
    .await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let t =
        ok(&api, &format!("/api/v1/ticket-templates/{}:createTicket", id(&tpl)), json!({"companyId": company["id"]}))
            .await;
    assert_eq!(
        (t["title"].as_str(), t["priority"].as_str(), t["queueId"].clone(), t["tags"].clone()),
        (Some("Set up a new starter"), Some("TICKET_PRIORITY_HIGH"), queue["id"].clone(), json!(["onboarding"])),
        "{t}"
    );
    let (s, _) = other
        .post(&format!("/api/v1/ticket-templates/{}:createTicket", id(&tpl)), &json!({"companyId": company["id"]}))
        .await;
    assert_eq!(s, 404);

    // Canned responses: placeholders rendered for a ticket; bad templates refused.
    let (s, v) = api.post("/api/v1/canned-responses", &json!({"name": "Bad", "body": "Hi {{ contact.name"})).await;
    assert!(s == 400 && v.to_string().contains("canned_response.body"), "{v}");
    let canned = ok(
        &api,
        "/api/v1/canned-responses",
        json!({"name": "Ack", "body": "We received {{ ticket.number }} ({{ ticket.title }}) for {{ company.name }}; status {{ ticket.status }}."}),
    )
    .await;
    let path = format!("/api/v1/canned-responses/{}:render", id(&canned));
    let r = ok(&api, &path, json!({"ticketId": t["id"]})).await;
    let body = r["body"].as_str().unwrap();
    assert!(
        body.starts_with(&format!("We received {} (Set up a new starter) for ", t["number"].as_str().unwrap())),
        "{body}"
    );
    assert!(body.ends_with("; status New."), "{body}");
    let (_, list) = api.get("/api/v1/canned-responses").await;
    assert_eq!(list["cannedResponses"].as_array().map(Vec::len), Some(1));
    // Isolation: another tenant and portal users.
    assert_eq!(other.post(&path, &json!({"ticketId": t["id"]})).await.0, 404);
    let (_, theirs) = other.get("/api/v1/canned-responses").await;
    assert!(theirs["cannedResponses"].is_null(), "{theirs}");
    assert_eq!(
        other.put(&format!("/api/v1/canned-responses/{}", id(&canned)), &json!({"name": "x", "body": "y"})).await.0,
        404
    );
    let portal = stack.portal_api(admin.tenant_id, company["id"].as_str().unwrap().parse().unwrap()).await;
    assert_eq!(portal.post(&path, &json!({"ticketId": t["id"]})).await.0, 403);
    assert_eq!(portal.get("/api/v1/ticket-templates").await.0, 403);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attachments_upload_download_limits_and_isolation() {
    let stack = Stack::start().await;
    let admin = stack.create_tenant("desk-att").await;
    let (api, _) = stack.login(&admin).await;
    let (other, _) = stack.login(&stack.create_tenant("desk-att-b").await).await;
    let (_, company) = api.post("/api/v1/companies", &json!({"name": "Hooli"})).await;
    let (_, company2) = api.post("/api/v1/companies", &json!({"name": "Globex"})).await;
    let t = ok(&api, "/api/v1/tickets", json!({"title": "Printer", "companyId": company["id"]})).await;
    let tid = id(&t);
    let base = format!("/api/v1/tickets/{tid}/attachments");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01".to_vec();

    // Raw body with ?fileName=, and JSON with base64 content.
    let (s, a) = api.post_raw(&format!("{base}?fileName=screen.png"), "image/png", png.clone()).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(
        (a["fileName"].as_str(), a["contentType"].as_str(), a["sizeBytes"].as_str()),
        (Some("screen.png"), Some("image/png"), Some(png.len().to_string().as_str())),
        "{a}"
    );
    let (s, txt) = api.post(&base, &json!({"fileName": "log.txt", "content": "aGVsbG8gd29ybGQ="})).await;
    assert_eq!((s, txt["contentType"].as_str()), (200, Some("text/plain")), "{txt}");
    // Refused: executables, script names, empty files.
    let (s, v) = api
        .post_raw(
            &format!("{base}?fileName=invoice.pdf"),
            "application/pdf",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff".to_vec(),
        )
        .await;
    assert!(s == 400 && v.to_string().contains("content"), "{v}");
    let (s, v) = api.post(&base, &json!({"fileName": "run.ps1", "content": "aGk="})).await;
    assert!(s == 400 && v.to_string().contains("file_name"), "{v}");
    let (s, _) = api.post_raw(&format!("{base}?fileName=x.exe"), "application/x-msdownload", b"MZ".to_vec()).await;
    assert_eq!(s, 415);
    // The size limit (the test stack allows 1 MiB).
    let (s, v) = api.post_raw(&format!("{base}?fileName=big.txt"), "text/plain", vec![b'a'; 1024 * 1024 + 1]).await;
    assert!(s == 400 && v.to_string().contains("content"), "{s} {v}");

    // Listed and downloadable with the detected type.
    let (_, list) = api.get(&base).await;
    assert_eq!(list["attachments"].as_array().map(Vec::len), Some(2), "{list}");
    let url = format!("{}{base}/{}:download", stack.gateway_url(), id(&a));
    let http = reqwest::Client::new();
    let res = http.get(&url).bearer_auth(api.token().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("screen.png"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    let (_, log) = api.get(&format!("/api/v1/tickets/{tid}/activity")).await;
    assert!(log.to_string().contains("attachment_added"), "{log}");

    // Another tenant: 404 for upload and download.
    let res = http.get(&url).bearer_auth(other.token().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(other.post(&base, &json!({"fileName": "a.txt", "content": "aGk="})).await.0, 404);
    // A portal user of the ticket's company can download and upload; of another company not.
    let portal = stack.portal_api(admin.tenant_id, company["id"].as_str().unwrap().parse().unwrap()).await;
    let res = http.get(&url).bearer_auth(portal.token().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(portal.post(&base, &json!({"fileName": "photo.txt", "content": "aGk="})).await.0, 200);
    let stranger = stack.portal_api(admin.tenant_id, company2["id"].as_str().unwrap().parse().unwrap()).await;
    let res = http.get(&url).bearer_auth(stranger.token().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(stranger.post(&base, &json!({"fileName": "a.txt", "content": "aGk="})).await.0, 404);

    // Delete: staff of the tenant only; the row, the bytes and an activity entry.
    let one = format!("{base}/{}", id(&a));
    assert_eq!(other.delete(&one).await.0, 404, "another tenant");
    assert_eq!(portal.delete(&one).await.0, 403, "portal users do not delete");
    assert_eq!(stranger.delete(&one).await.0, 403);
    assert_eq!(api.delete(&format!("{base}/not-a-uuid")).await.0, 400);
    let (s, v) = api.delete(&one).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(api.delete(&one).await.0, 404, "already gone");
    let res = http.get(&url).bearer_auth(api.token().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let (_, list) = api.get(&base).await;
    let names: Vec<&str> =
        list["attachments"].as_array().unwrap().iter().filter_map(|a| a["fileName"].as_str()).collect();
    assert_eq!(names, ["log.txt", "photo.txt"], "{list}");
    let (_, log) = api.get(&format!("/api/v1/tickets/{tid}/activity")).await;
    assert!(log.to_string().contains("attachment_deleted") && log.to_string().contains("screen.png"), "{log}");
    // An attachment id of another ticket is not found through this one.
    let t2 = ok(&api, "/api/v1/tickets", json!({"title": "Scanner", "companyId": company["id"]})).await;
    assert_eq!(api.delete(&format!("/api/v1/tickets/{}/attachments/{}", id(&t2), id(&txt))).await.0, 404);
    stack.stop().await;
}
