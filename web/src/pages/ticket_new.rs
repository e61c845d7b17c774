//! New ticket form: a ticket template (when the tenant has any) fills in title, description,
//! priority, queue, type, category, team and tags; the contract picker links one of the
//! company's contracts (its SLA policy then applies first).

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError, FieldError, Ticket, desk};
use crate::app::Route;
use crate::components::company_select::CompanySelect;
use crate::components::contact_select::ContactSelect;
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select, enum_options, event_value};
use crate::format::TICKET_PRIORITIES;
use crate::hooks::use_fetch;
use crate::pages::company_detail::CompanyQuery;

const FIELDS: &[&str] = &[
    "title",
    "description",
    "priority",
    "company_id",
    "contact_id",
    "queue_id",
    "type_id",
    "category_id",
    "contract_id",
];

/// The value of custom field `def` typed in as `text` (proto JSON): numbers parsed, booleans
/// from `true`, multi-select values comma-separated; `None` when left empty.
pub fn custom_value(def: &serde_json::Value, text: &str) -> Option<serde_json::Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match def["type"].as_str().unwrap_or_default() {
        "CUSTOM_FIELD_TYPE_NUMBER" => text.parse::<f64>().map_or_else(|_| text.into(), serde_json::Value::from),
        "CUSTOM_FIELD_TYPE_BOOLEAN" => (text == "true").into(),
        "CUSTOM_FIELD_TYPE_MULTI_SELECT" => text.split(',').map(|v| v.trim().to_owned()).collect::<Vec<_>>().into(),
        _ => text.into(),
    })
}

/// A stored custom-field value as the text its input shows (the inverse of [`custom_value`]).
pub fn custom_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect::<Vec<_>>().join(", ")
        }
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The `customFields` object of the inputs' texts `custom` (keys of `defs`, empty ones left out).
pub fn custom_object(
    defs: &[serde_json::Value],
    custom: &std::collections::BTreeMap<String, String>,
) -> serde_json::Map<String, serde_json::Value> {
    defs.iter()
        .filter_map(|d| {
            let key = d["key"].as_str()?.to_owned();
            let value = custom_value(d, custom.get(&key).map_or("", String::as_str))?;
            Some((key, value))
        })
        .collect()
}

/// One input per ticket custom-field definition in `defs` (ids `<prefix>-cf-<key>`): a select
/// for select and yes/no fields, else a text, number or date input; texts kept in `custom`.
pub fn custom_inputs(
    defs: &[serde_json::Value],
    custom: &UseStateHandle<std::collections::BTreeMap<String, String>>,
    prefix: &str,
    err: Option<&ApiError>,
) -> Html {
    let field_error = |f: &str| err.and_then(|e| e.field(f));
    html! {
        <>
                    { for defs.iter().map(|d| {
                        let key = d["key"].as_str().unwrap_or_default().to_owned();
                        let id = format!("{prefix}-cf-{key}");
                        let value = custom.get(&key).cloned().unwrap_or_default();
                        let set = {
                            let (custom, key) = (custom.clone(), key.clone());
                            Callback::from(move |e: Event| {
                                let mut m = (*custom).clone();
                                m.insert(key.clone(), event_value(&e));
                                custom.set(m);
                            })
                        };
                        let input_type = match d["type"].as_str().unwrap_or_default() {
                            "CUSTOM_FIELD_TYPE_NUMBER" => "number",
                            "CUSTOM_FIELD_TYPE_DATE" => "date",
                            _ => "text",
                        };
                        let options: Vec<String> = d["options"].as_array().map(|o| o.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default();
                        html! {
                            <Field label={d["label"].as_str().unwrap_or_default().to_owned()} id={id.clone()}
                                required={d["required"].as_bool().unwrap_or(false)} error={field_error(&format!("custom_fields.{key}"))}>
                                if d["type"] == "CUSTOM_FIELD_TYPE_SELECT" || d["type"] == "CUSTOM_FIELD_TYPE_BOOLEAN" {
                                    <select id={id.clone()} onchange={set}>
                                        <option value="" selected={value.is_empty()}>{ "—" }</option>
                                        { for (if d["type"] == "CUSTOM_FIELD_TYPE_BOOLEAN" { vec!["true".to_owned(), "false".to_owned()] } else { options }).into_iter().map(|o| {
                                            let selected = o == value;
                                            html! { <option value={o.clone()} {selected}>{ o }</option> }
                                        }) }
                                    </select>
                                } else {
                                    <input id={id.clone()} type={input_type} value={value}
                                    oninput={set.reform(|e: InputEvent| -> Event { e.into() })} />
                                }
                            </Field>
                        }
                    }) }
        </>
    }
}

/// Title, description, priority, company and contact. `?company=<id>` preselects the company.
#[function_component(TicketNewPage)]
pub fn ticket_new_page() -> Html {
    let preset = use_location().and_then(|l| l.query::<CompanyQuery>().ok()).unwrap_or_default();
    let title = use_state(String::new);
    let description = use_state(String::new);
    let priority = use_state(|| "TICKET_PRIORITY_MEDIUM".to_string());
    let company = use_state(|| preset.company.clone());
    let contact = use_state(String::new);
    let queue = use_state(String::new);
    let kind = use_state(String::new);
    let category = use_state(String::new);
    let contract = use_state(String::new);
    let template = use_state(|| None::<serde_json::Value>);
    let custom = use_state(std::collections::BTreeMap::<String, String>::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let navigator = use_navigator();
    // Active queues, types, categories and custom fields (none without `ticket_settings.read`).
    let lists = use_fetch((), |_| async move {
        let mut out = Vec::new();
        for c in [desk::QUEUES, desk::TYPES, desk::CATEGORIES, desk::CUSTOM_FIELDS] {
            let all = desk::list(c).await.unwrap_or_default();
            out.push(all.into_iter().filter(|v| v["active"].as_bool().unwrap_or(true)).collect::<Vec<_>>());
        }
        Ok(out)
    });
    let lists: Vec<Vec<serde_json::Value>> = match &lists.result {
        Some(Ok(l)) => l.clone(),
        _ => vec![Vec::new(); 4],
    };
    let defs = lists[3].clone();
    let templates = use_fetch((), |_| async { Ok(desk::list(desk::TEMPLATES).await.unwrap_or_default()) });
    let templates: Vec<serde_json::Value> = match &templates.result {
        Some(Ok(l)) => l.iter().filter(|t| t["active"].as_bool().unwrap_or(true)).cloned().collect(),
        _ => Vec::new(),
    };
    let contracts = use_fetch((*company).clone(), |company| async move {
        if company.is_empty() {
            return Ok(Vec::new());
        }
        let query = api::ListQuery {
            filter: format!("company_id={} AND status=CONTRACT_STATUS_ACTIVE", api::quote(&company)),
            page_size: 100,
            ..api::ListQuery::default()
        };
        Ok(crate::api::catalog::list_contracts(&query).await.map(|p| p.contracts).unwrap_or_default())
    });
    let contracts = match &contracts.result {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    let on_template = {
        let (template, title, description, priority, queue, kind, category) = (
            template.clone(),
            title.clone(),
            description.clone(),
            priority.clone(),
            queue.clone(),
            kind.clone(),
            category.clone(),
        );
        let all = templates.clone();
        Callback::from(move |e: Event| {
            let id = event_value(&e);
            let chosen = all.iter().find(|t| t["id"].as_str() == Some(id.as_str())).cloned();
            if let Some(t) = &chosen {
                let text = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                title.set(text("title"));
                description.set(text("description"));
                if !text("priority").is_empty() && text("priority") != "TICKET_PRIORITY_UNSPECIFIED" {
                    priority.set(text("priority"));
                }
                queue.set(text("queueId"));
                kind.set(text("typeId"));
                category.set(text("categoryId"));
            }
            template.set(chosen);
        })
    };
    let on_company = {
        let (company, contact, contract) = (company.clone(), contact.clone(), contract.clone());
        Callback::from(move |id: String| {
            company.set(id);
            contact.set(String::new());
            contract.set(String::new());
        })
    };
    let on_contact = {
        let contact = contact.clone();
        Callback::from(move |id: String| contact.set(id))
    };
    let onsubmit = {
        let (title, description, priority, company, contact) =
            (title.clone(), description.clone(), priority.clone(), company.clone(), contact.clone());
        let (contract, template) = (contract.clone(), template.clone());
        let (busy, error, navigator) = (busy.clone(), error.clone(), navigator.clone());
        let (queue, kind, category, custom, defs) =
            (queue.clone(), kind.clone(), category.clone(), custom.clone(), defs.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let mut missing = Vec::new();
            if title.trim().is_empty() {
                missing
                    .push(FieldError { field: "title".into(), detail: "Enter a short summary of the request.".into() });
            }
            if company.is_empty() {
                missing.push(FieldError {
                    field: "company_id".into(),
                    detail: "Choose the company this ticket is for.".into(),
                });
            }
            if !missing.is_empty() {
                error.set(Some(ApiError {
                    detail: "Please fix the highlighted fields.".into(),
                    errors: missing,
                    ..ApiError::default()
                }));
                return;
            }
            let ticket = Ticket {
                title: title.trim().to_string(),
                description: description.trim().to_string(),
                priority: (*priority).clone(),
                company_id: (*company).clone(),
                contact_id: (*contact).clone(),
                queue_id: (*queue).clone(),
                type_id: (*kind).clone(),
                category_id: (*category).clone(),
                contract_id: (*contract).clone(),
                team_id: template.as_ref().and_then(|t| t["teamId"].as_str()).unwrap_or_default().to_owned(),
                custom_fields: serde_json::Value::Object(custom_object(&defs, &custom)),
                ..Ticket::default()
            };
            busy.set(true);
            error.set(None);
            let (busy, error, navigator) = (busy.clone(), error.clone(), navigator.clone());
            let tags: Vec<String> = template
                .as_ref()
                .and_then(|t| t["tags"].as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            spawn_local(async move {
                let created = match api::create_ticket(&ticket).await {
                    // The template's tags (the ticket exists either way; a failure shows on its page).
                    Ok(t) if !tags.is_empty() => Ok(api::set_ticket_tags(&t.id, &tags).await.unwrap_or(t)),
                    other => other,
                };
                match created {
                    Ok(created) => {
                        if let Some(nav) = &navigator {
                            nav.push(&Route::Ticket { id: created.id });
                        }
                    }
                    Err(err) => {
                        error.set(Some(err));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let cancel = {
        let navigator = navigator.clone();
        Callback::from(move |_| {
            if let Some(nav) = &navigator {
                nav.back();
            }
        })
    };

    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    html! {
        <div class="page page-narrow">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <Link<Route> to={Route::Tickets}>{ "Tickets" }</Link<Route>>
                <span class="sep">{ "/" }</span>
                <span>{ "New ticket" }</span>
            </nav>
            <div class="page-header"><h1>{ "New ticket" }</h1></div>
            <form class="card form-card" id="ticket-new-form" {onsubmit} novalidate=true>
                if let Some(err) = &err {
                    { form_error(err, FIELDS) }
                }
                <div class="form-grid">
                    if !templates.is_empty() {
                        <Field label="Template" id="ticket-new-template" class="field-wide">
                            <select id="ticket-new-template" onchange={on_template}>
                                <option value="" selected={template.is_none()}>{ "None" }</option>
                                { for templates.iter().map(|t| html! {
                                    <option value={t["id"].as_str().unwrap_or_default().to_owned()}>{ t["name"].as_str().unwrap_or_default() }</option>
                                }) }
                            </select>
                        </Field>
                    }
                    <Field label="Title" id="ticket-new-title" required=true error={field_error("title")} class="field-wide">
                        <input id="ticket-new-title" type="text" maxlength="255" autocomplete="off"
                            placeholder="e.g. Outlook keeps asking for the password"
                            value={(*title).clone()} oninput={bind(&title)} />
                    </Field>
                    <Field label="Company" id="ticket-new-company" required=true error={field_error("company_id")}>
                        <CompanySelect id="ticket-new-company" value={(*company).clone()} on_change={on_company}
                            blank="Select a company…" invalid={field_error("company_id").is_some()} />
                    </Field>
                    <Field label="Contact" id="ticket-new-contact" error={field_error("contact_id")}>
                        <ContactSelect id="ticket-new-contact" company_id={(*company).clone()}
                            value={(*contact).clone()} on_change={on_contact} />
                    </Field>
                    if !contracts.is_empty() {
                        <Field label="Contract" id="ticket-new-contract" error={field_error("contract_id")}>
                            <select id="ticket-new-contract" onchange={bind_select(&contract)}>
                                <option value="" selected={contract.is_empty()}>{ "None" }</option>
                                { for contracts.iter().map(|k| html! {
                                    <option value={k.id.clone()} selected={k.id == *contract}>{ format!("{} — {}", k.number, k.name) }</option>
                                }) }
                            </select>
                        </Field>
                    }
                    <Field label="Priority" id="ticket-new-priority" error={field_error("priority")}>
                        <select id="ticket-new-priority" onchange={bind_select(&priority)}>
                            { enum_options(TICKET_PRIORITIES, &priority, None) }
                        </select>
                    </Field>
                    { for [("Queue", "ticket-new-queue", "queue_id", 0usize, queue.clone()),
                           ("Type", "ticket-new-type", "type_id", 1, kind.clone()),
                           ("Category", "ticket-new-category", "category_id", 2, category.clone())]
                        .into_iter()
                        .filter(|(_, _, _, i, _)| !lists[*i].is_empty())
                        .map(|(label, id, field, i, state)| html! {
                            <Field {label} {id} error={field_error(field)}>
                                <select {id} onchange={bind_select(&state)}>
                                    <option value="" selected={state.is_empty()}>{ "—" }</option>
                                    { for lists[i].iter().map(|v| {
                                        let value = v["id"].as_str().unwrap_or_default().to_owned();
                                        let selected = *state == value;
                                        html! { <option {value} {selected}>{ v["name"].as_str().unwrap_or_default() }</option> }
                                    }) }
                                </select>
                            </Field>
                        }) }
                    { custom_inputs(&defs, &custom, "ticket-new", err.as_ref()) }
                    <Field label="Description" id="ticket-new-description" error={field_error("description")} class="field-wide">
                        <textarea id="ticket-new-description" rows="6" placeholder="What happened, who is affected, what has been tried…"
                            value={(*description).clone()} oninput={bind(&description)} />
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="button" class="btn btn-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button type="submit" class="btn btn-primary" id="ticket-new-submit" disabled={*busy}>
                        { if *busy { "Creating…" } else { "Create ticket" } }
                    </button>
                </div>
            </form>
        </div>
    }
}
