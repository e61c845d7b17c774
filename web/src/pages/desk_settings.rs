//! Service desk settings: ticket statuses, priorities, queues, types, categories, teams,
//! custom fields, templates and canned responses. Each section lists its records, adds one
//! with a short form and (de)activates one; without `ticket_settings.write` it is read-only.

use serde_json::{Value, json};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::desk::{self, Collection};
use crate::app::use_session;
use crate::components::feedback::{ErrorBanner, Loading};
use crate::components::field::event_value;
use crate::format::{TICKET_STATUSES, enum_label};
use crate::hooks::use_fetch;

/// Which extra inputs a section's add form has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// Name only.
    Plain,
    /// Name, base kind, pauses-SLA and closed flags.
    Status,
    /// Name and parent category.
    Category,
    /// Key, label and type.
    CustomField,
    /// Name and the new ticket's title.
    Template,
    /// Name and body.
    Canned,
}

const FIELD_TYPES: &[&str] =
    &["CUSTOM_FIELD_TYPE_TEXT", "CUSTOM_FIELD_TYPE_NUMBER", "CUSTOM_FIELD_TYPE_DATE", "CUSTOM_FIELD_TYPE_BOOLEAN"];

/// The settings page.
#[function_component(DeskSettingsPage)]
pub fn desk_settings_page() -> Html {
    html! {
        <div class="page" id="desk-settings">
            <div class="page-header"><h1>{ "Service desk settings" }</h1></div>
            <Section title="Statuses" id="statuses" collection={desk::STATUSES} form={Form::Status} />
            <Priorities />
            <Section title="Queues" id="queues" collection={desk::QUEUES} form={Form::Plain} />
            <Section title="Types" id="types" collection={desk::TYPES} form={Form::Plain} />
            <Section title="Categories" id="categories" collection={desk::CATEGORIES} form={Form::Category} />
            <Section title="Teams" id="teams" collection={desk::TEAMS} form={Form::Plain} />
            <Section title="Custom fields" id="custom-fields" collection={desk::CUSTOM_FIELDS} form={Form::CustomField} />
            <Section title="Ticket templates" id="templates" collection={desk::TEMPLATES} form={Form::Template} />
            <Section title="Canned responses" id="canned" collection={desk::CANNED} form={Form::Canned} />
        </div>
    }
}

/// The priority levels with their display names and colours.
#[function_component(Priorities)]
fn priorities() -> Html {
    let list = use_fetch((), |_| async move { desk::list(desk::PRIORITIES).await });
    html! {
        <section class="card" id="desk-priorities">
            <div class="card-header"><h2>{ "Priorities" }</h2></div>
            { match &list.result {
                None => html! { <Loading /> },
                Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
                Some(Ok(rows)) => html! {
                    <ul class="plain-list">
                        { for rows.iter().map(|p| html! {
                            <li>
                                <span class="swatch" style={format!("background:{}", p["colour"].as_str().unwrap_or("#999"))} />
                                { format!(" {} ({})", p["name"].as_str().unwrap_or_default(), enum_label(p["level"].as_str().unwrap_or_default())) }
                            </li>
                        }) }
                    </ul>
                },
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct SectionProps {
    title: &'static str,
    id: &'static str,
    collection: Collection,
    form: Form,
}

fn summary(form: Form, v: &Value, all: &[Value]) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    let b = |k: &str| v[k].as_bool().unwrap_or(false);
    match form {
        Form::Status => {
            let mut parts = vec![enum_label(&s("kind"))];
            if b("pausesSla") {
                parts.push("pauses SLA".into());
            }
            if b("closed") {
                parts.push("closed".into());
            }
            if b("isDefault") {
                parts.push("default".into());
            }
            parts.join(", ")
        }
        Form::Category if !s("parentId").is_empty() => format!("under {}", desk::name_of(all, &s("parentId"))),
        Form::CustomField => format!("{} · {}", s("key"), enum_label(&s("type"))),
        Form::Template => s("title"),
        Form::Canned => s("body").chars().take(80).collect(),
        _ => s("description"),
    }
}

fn label_of(form: Form, v: &Value) -> String {
    let key = if form == Form::CustomField { "label" } else { "name" };
    v[key].as_str().unwrap_or_default().to_owned()
}

/// One configuration collection: its rows and an add form.
#[function_component(Section)]
fn section(props: &SectionProps) -> Html {
    let session = use_session();
    let can_write = session.me.permissions.iter().any(|p| p == "ticket_settings.write" || p == "*");
    let reload = use_state(|| 0u32);
    let collection = props.collection;
    let list = use_fetch(*reload, move |_| async move { desk::list(collection).await });
    let name = use_state(String::new);
    let extra = use_state(String::new);
    let choice = use_state(String::new);
    let pauses = use_state(|| false);
    let closed = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let form = props.form;

    let onsubmit = {
        let (name, extra, choice, pauses, closed, error, reload) = (
            name.clone(),
            extra.clone(),
            choice.clone(),
            pauses.clone(),
            closed.clone(),
            error.clone(),
            reload.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = match form {
                Form::Plain => json!({ "name": *name }),
                Form::Status => json!({
                    "name": *name,
                    "kind": if choice.is_empty() { "TICKET_STATUS_OPEN" } else { choice.as_str() },
                    "pausesSla": *pauses,
                    "closed": *closed,
                }),
                Form::Category => json!({ "name": *name, "parentId": *choice }),
                Form::CustomField => json!({
                    "key": *extra,
                    "label": *name,
                    "type": if choice.is_empty() { FIELD_TYPES[0] } else { choice.as_str() },
                }),
                Form::Template => json!({ "name": *name, "title": *extra }),
                Form::Canned => json!({ "name": *name, "body": *extra }),
            };
            let (name, extra, error, reload) = (name.clone(), extra.clone(), error.clone(), reload.clone());
            error.set(None);
            spawn_local(async move {
                match desk::create(collection, &body).await {
                    Ok(_) => {
                        name.set(String::new());
                        extra.set(String::new());
                        reload.set(*reload + 1);
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let toggle = |row: &Value| {
        let (error, reload) = (error.clone(), reload.clone());
        let mut body = row.clone();
        let active = row["active"].as_bool().unwrap_or(true);
        body["active"] = json!(!active);
        let id = row["id"].as_str().unwrap_or_default().to_owned();
        Callback::from(move |_: MouseEvent| {
            let (error, reload, body, id) = (error.clone(), reload.clone(), body.clone(), id.clone());
            spawn_local(async move {
                match desk::update(collection, &id, &body).await {
                    Ok(_) => reload.set(*reload + 1),
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let text = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| state.set(event_value(&e)))
    };
    let pick = {
        let choice = choice.clone();
        Callback::from(move |e: Event| choice.set(event_value(&e)))
    };
    let flag = |state: &UseStateHandle<bool>| {
        let state = state.clone();
        Callback::from(move |_: Event| state.set(!*state))
    };
    let rows: Vec<Value> = match &list.result {
        Some(Ok(rows)) => rows.clone(),
        _ => Vec::new(),
    };
    let id = props.id;
    html! {
        <section class="card" id={format!("desk-{id}")}>
            <div class="card-header"><h2>{ props.title }</h2></div>
            if let Some(err) = &*error {
                <ErrorBanner error={err.clone()} fields={err.errors.clone()} />
            }
            { match &list.result {
                None => html! { <Loading /> },
                Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
                Some(Ok(_)) => html! {
                    <table class="table">
                        <tbody>
                            { for rows.iter().map(|r| {
                                let active = r["active"].as_bool().unwrap_or(true);
                                html! {
                                    <tr data-testid={format!("{id}-row")} class={classes!((!active).then_some("muted"))}>
                                        <td>
                                            if let Some(c) = r["colour"].as_str() {
                                                <span class="swatch" style={format!("background:{c}")} />{ " " }
                                            }
                                            { label_of(form, r) }
                                        </td>
                                        <td class="muted">{ summary(form, r, &rows) }</td>
                                        <td>
                                            if can_write {
                                                <button type="button" class="btn btn-small" onclick={toggle(r)}>
                                                    { if active { "Deactivate" } else { "Activate" } }
                                                </button>
                                            }
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            if can_write {
                <form class="inline-form" id={format!("desk-{id}-form")} {onsubmit}>
                    <input id={format!("desk-{id}-name")} placeholder={if form == Form::CustomField { "Label" } else { "Name" }}
                        value={(*name).clone()} oninput={text(&name)} />
                    { match form {
                        Form::Status => html! {
                            <>
                                <select id={format!("desk-{id}-kind")} onchange={pick.clone()}>
                                    { for TICKET_STATUSES.iter().map(|k| html! {
                                        <option value={*k} selected={*k == "TICKET_STATUS_OPEN"}>{ enum_label(k) }</option>
                                    }) }
                                </select>
                                <label><input type="checkbox" id={format!("desk-{id}-pauses")} checked={*pauses} onchange={flag(&pauses)} />{ " Pauses SLA" }</label>
                                <label><input type="checkbox" id={format!("desk-{id}-closed")} checked={*closed} onchange={flag(&closed)} />{ " Closed" }</label>
                            </>
                        },
                        Form::Category => html! {
                            <select id={format!("desk-{id}-parent")} onchange={pick.clone()}>
                                <option value="">{ "(top level)" }</option>
                                { for rows.iter().map(|r| html! {
                                    <option value={r["id"].as_str().unwrap_or_default().to_owned()}>{ label_of(form, r) }</option>
                                }) }
                            </select>
                        },
                        Form::CustomField => html! {
                            <>
                                <input id={format!("desk-{id}-key")} placeholder="key" value={(*extra).clone()} oninput={text(&extra)} />
                                <select id={format!("desk-{id}-type")} onchange={pick.clone()}>
                                    { for FIELD_TYPES.iter().map(|k| html! { <option value={*k}>{ enum_label(k) }</option> }) }
                                </select>
                            </>
                        },
                        Form::Template => html! {
                            <input id={format!("desk-{id}-title")} placeholder="Ticket title" value={(*extra).clone()} oninput={text(&extra)} />
                        },
                        Form::Canned => html! {
                            <textarea id={format!("desk-{id}-body")} rows="2" placeholder="Hi {{ contact.name }}, about {{ ticket.number }}…"
                                value={(*extra).clone()} oninput={text(&extra)} />
                        },
                        Form::Plain => html! {},
                    } }
                    <button type="submit" class="btn btn-primary" id={format!("desk-{id}-add")}>{ "Add" }</button>
                </form>
            }
        </section>
    }
}
