//! Settings → Custom fields (`/settings/custom-fields`): the definitions of each entity type
//! (company, contact, contract, service scope, proposal, SAF, COC), a form to create one (key,
//! label, type, options, required, min/max, pattern) or edit one (key and type are fixed), and
//! delete (the API removes the key from every entity of the type). Violations reported by the
//! API are shown next to their inputs.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::ApiError;
use crate::api::settings::{self, CustomFieldDefinition, ENTITY_TYPES, FIELD_TYPES, label_of};
use crate::app::{Route, use_session};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, event_value};
use crate::hooks::use_fetch;

const FIELDS: &[&str] = &["entity_type", "key", "label", "field_type", "options", "required", "min", "max", "regex"];

/// The tab bar of the settings pages.
#[function_component(SettingsTabs)]
pub fn settings_tabs() -> Html {
    let route = use_route::<Route>();
    let class = |r: Route| classes!("tab", (route.as_ref() == Some(&r)).then_some("active"));
    html! {
        <nav class="tabs" aria-label="Settings">
            <Link<Route> to={Route::CustomFields} classes={class(Route::CustomFields)}>
                <span id="settings-tab-custom-fields">{ "Custom fields" }</span>
            </Link<Route>>
            <Link<Route> to={Route::RateCards} classes={class(Route::RateCards)}>
                <span id="settings-tab-rate-cards">{ "Rate cards" }</span>
            </Link<Route>>
        </nav>
    }
}

/// What the form is doing.
#[derive(Clone, PartialEq)]
enum Editing {
    None,
    New,
    Edit(CustomFieldDefinition),
}

/// The custom field admin page.
#[function_component(CustomFieldsPage)]
pub fn custom_fields_page() -> Html {
    let entity = use_state(|| ENTITY_TYPES[0].0.to_string());
    let reload = use_state(|| 0u32);
    let editing = use_state(|| Editing::None);
    let confirming = use_state(|| None::<String>);
    let action_error = use_state(|| None::<ApiError>);
    let can_write = use_session().me.can("custom_fields.write");
    let list =
        use_fetch(((*entity).clone(), *reload), |(entity, _)| async move { settings::list_definitions(&entity).await });
    let on_entity = {
        let (entity, editing) = (entity.clone(), editing.clone());
        Callback::from(move |e: Event| {
            entity.set(event_value(&e));
            editing.set(Editing::None);
        })
    };
    let open_new = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(Editing::New))
    };
    let on_saved = {
        let (editing, reload) = (editing.clone(), reload.clone());
        Callback::from(move |_: CustomFieldDefinition| {
            editing.set(Editing::None);
            reload.set(*reload + 1);
        })
    };
    let on_cancel = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(Editing::None))
    };
    let edit = |d: &CustomFieldDefinition| {
        let (editing, d) = (editing.clone(), d.clone());
        Callback::from(move |_: MouseEvent| editing.set(Editing::Edit(d.clone())))
    };
    let ask_delete = |id: &str| {
        let (confirming, id) = (confirming.clone(), id.to_string());
        Callback::from(move |_: MouseEvent| confirming.set(Some(id.clone())))
    };
    let delete = |id: &str| {
        let (confirming, reload, action_error, id) =
            (confirming.clone(), reload.clone(), action_error.clone(), id.to_string());
        Callback::from(move |_: MouseEvent| {
            let (confirming, reload, action_error, id) =
                (confirming.clone(), reload.clone(), action_error.clone(), id.clone());
            spawn_local(async move {
                match settings::delete_definition(&id).await {
                    Ok(_) => {
                        action_error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => action_error.set(Some(e)),
                }
                confirming.set(None);
            });
        })
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(defs)) if defs.is_empty() => html! {
            <Empty title="No custom fields for this type" hint="Use New field to add one; it shows up in the forms and lists." />
        },
        Some(Ok(defs)) => html! {
            <div class="table-wrap">
                <table class="table" id="cf-table">
                    <thead><tr>
                        <th>{ "Label" }</th><th>{ "Key" }</th><th>{ "Type" }</th><th>{ "Required" }</th>
                        <th>{ "Options" }</th><th>{ "Rules" }</th><th />
                    </tr></thead>
                    <tbody>
                        { for defs.iter().map(|d| html! {
                            <tr data-testid="cf-row" data-key={d.key.clone()}>
                                <td class="cell-strong">{ &d.label }</td>
                                <td><code>{ &d.key }</code></td>
                                <td>{ label_of(FIELD_TYPES, &d.field_type) }</td>
                                <td>{ if d.required { "Yes" } else { "No" } }</td>
                                <td>{ if d.options.is_empty() { "—".to_string() } else { d.options.join(", ") } }</td>
                                <td class="muted small">{ rules(d) }</td>
                                <td class="row-actions">
                                    if can_write {
                                        <button type="button" class="btn btn-small cf-edit" onclick={edit(d)}>{ "Edit" }</button>
                                        if confirming.as_deref() == Some(d.id.as_str()) {
                                            <button type="button" class="btn btn-small btn-danger cf-delete-confirm" onclick={delete(&d.id)}>
                                                { "Delete field and its values" }
                                            </button>
                                        } else {
                                            <button type="button" class="btn btn-small cf-delete" onclick={ask_delete(&d.id)}>
                                                { "Delete" }
                                            </button>
                                        }
                                    }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <div class="page" id="custom-fields-page">
            <div class="page-header">
                <div>
                    <h1>{ "Settings" }</h1>
                    <p class="muted">{ "Fields your team adds to companies, contacts, contracts and the other records." }</p>
                </div>
                <div class="page-actions">
                    if can_write && *editing == Editing::None {
                        <button type="button" class="btn btn-primary" id="cf-new-open" onclick={open_new}>{ "New field" }</button>
                    }
                </div>
            </div>
            <SettingsTabs />
            {
                match &*editing {
                    Editing::None => Html::default(),
                    Editing::New => html! {
                        <DefinitionForm entity={(*entity).clone()} definition={None::<CustomFieldDefinition>}
                            on_saved={on_saved.clone()} on_cancel={on_cancel.clone()} />
                    },
                    Editing::Edit(d) => html! {
                        <DefinitionForm key={d.id.clone()} entity={(*entity).clone()} definition={Some(d.clone())}
                            on_saved={on_saved.clone()} on_cancel={on_cancel.clone()} />
                    },
                }
            }
            if let Some(e) = &*action_error { <ErrorBanner error={e.clone()} /> }
            <section class="card">
                <div class="toolbar">
                    <label class="toolbar-field">
                        <span>{ "Record type" }</span>
                        <select id="cf-entity" onchange={on_entity}>
                            { for ENTITY_TYPES.iter().map(|(v, l)| html! {
                                <option value={*v} selected={*v == entity.as_str()}>{ *l }</option>
                            }) }
                        </select>
                    </label>
                </div>
                { body }
            </section>
        </div>
    }
}

/// "min 1 · max 10 · pattern …" for a definition.
fn rules(d: &CustomFieldDefinition) -> String {
    let mut parts = Vec::new();
    if let Some(min) = d.min {
        parts.push(format!("min {min}"));
    }
    if let Some(max) = d.max {
        parts.push(format!("max {max}"));
    }
    if !d.regex.is_empty() {
        parts.push(format!("pattern {}", d.regex));
    }
    if parts.is_empty() { "—".into() } else { parts.join(" · ") }
}

#[derive(Properties, PartialEq)]
struct DefinitionFormProps {
    entity: String,
    definition: Option<CustomFieldDefinition>,
    on_saved: Callback<CustomFieldDefinition>,
    on_cancel: Callback<()>,
}

fn parse_bound(raw: &str, field: &str) -> Result<Option<f64>, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<f64>().map(Some).map_err(|_| ApiError::invalid_field(field, "Enter a number."))
}

#[function_component(DefinitionForm)]
fn definition_form(props: &DefinitionFormProps) -> Html {
    let original = props.definition.clone().unwrap_or_default();
    let editing = props.definition.is_some();
    let key = use_state(|| original.key.clone());
    let label = use_state(|| original.label.clone());
    let field_type =
        use_state(|| if editing { original.field_type.clone() } else { "CUSTOM_FIELD_TYPE_TEXT".to_string() });
    let options = use_state(|| original.options.join("\n"));
    let required = use_state(|| original.required);
    let min = use_state(|| original.min.map(|v| v.to_string()).unwrap_or_default());
    let max = use_state(|| original.max.map(|v| v.to_string()).unwrap_or_default());
    let regex = use_state(|| original.regex.clone());
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);

    let on_required = {
        let required = required.clone();
        Callback::from(move |e: Event| {
            let on =
                e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.checked());
            required.set(on)
        })
    };
    let onsubmit = {
        let (key, label, field_type, options, required, min, max, regex) = (
            key.clone(),
            label.clone(),
            field_type.clone(),
            options.clone(),
            required.clone(),
            min.clone(),
            max.clone(),
            regex.clone(),
        );
        let (busy, error, on_saved, entity, original) =
            (busy.clone(), error.clone(), props.on_saved.clone(), props.entity.clone(), props.definition.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let bounds = parse_bound(&min, "min").and_then(|lo| parse_bound(&max, "max").map(|hi| (lo, hi)));
            let (min, max) = match bounds {
                Ok(b) => b,
                Err(e) => {
                    error.set(Some(e));
                    return;
                }
            };
            let choice = matches!(field_type.as_str(), "CUSTOM_FIELD_TYPE_SELECT" | "CUSTOM_FIELD_TYPE_MULTI_SELECT");
            let definition = CustomFieldDefinition {
                id: original.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
                entity_type: entity.clone(),
                key: key.trim().to_string(),
                label: label.trim().to_string(),
                field_type: (*field_type).clone(),
                options: if choice {
                    options.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_string).collect()
                } else {
                    Vec::new()
                },
                required: *required,
                min,
                max,
                regex: if field_type.as_str() == "CUSTOM_FIELD_TYPE_TEXT" {
                    regex.trim().to_string()
                } else {
                    String::new()
                },
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_saved, editing) = (busy.clone(), error.clone(), on_saved.clone(), original.is_some());
            spawn_local(async move {
                let result = if editing {
                    settings::update_definition(&definition).await
                } else {
                    settings::create_definition(&definition).await
                };
                match result {
                    Ok(d) => on_saved.emit(d),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    let choice = matches!(field_type.as_str(), "CUSTOM_FIELD_TYPE_SELECT" | "CUSTOM_FIELD_TYPE_MULTI_SELECT");
    let (min_label, max_label) = match field_type.as_str() {
        "CUSTOM_FIELD_TYPE_NUMBER" => ("Least value", "Greatest value"),
        "CUSTOM_FIELD_TYPE_TEXT" => ("Least length", "Greatest length"),
        "CUSTOM_FIELD_TYPE_MULTI_SELECT" => ("Least options chosen", "Most options chosen"),
        _ => ("", ""),
    };
    html! {
        <form class="card form-card" id="cf-form" {onsubmit} novalidate=true>
            <div class="card-header">
                <h2>
                    { if editing { format!("Edit field “{}”", original.label) } else {
                        format!("New {} field", label_of(ENTITY_TYPES, &props.entity).to_lowercase())
                    } }
                </h2>
            </div>
            if let Some(err) = &err { { form_error(err, FIELDS) } }
            <div class="form-grid">
                <Field label="Label" id="cf-label" required=true error={field_error("label")}>
                    <input id="cf-label" type="text" maxlength="200" value={(*label).clone()} oninput={bind(&label)} />
                </Field>
                <Field label="Key" id="cf-key" required=true error={field_error("key")}>
                    <input id="cf-key" type="text" maxlength="64" placeholder="po_number" disabled={editing}
                        value={(*key).clone()} oninput={bind(&key)} />
                </Field>
                <Field label="Type" id="cf-type" required=true error={field_error("field_type")}>
                    <select id="cf-type" disabled={editing} onchange={bind_select(&field_type)}>
                        { for FIELD_TYPES.iter().map(|(v, l)| html! {
                            <option value={*v} selected={*v == field_type.as_str()}>{ *l }</option>
                        }) }
                    </select>
                </Field>
                <Field label="Required" id="cf-required" error={field_error("required")}>
                    <input id="cf-required" type="checkbox" class="checkbox" checked={*required} onchange={on_required} />
                </Field>
                if choice {
                    <Field label="Options (one per line)" id="cf-options" required=true error={field_error("options")} class="field-wide">
                        <textarea id="cf-options" rows="4" value={(*options).clone()} oninput={bind(&options)} />
                    </Field>
                }
                if !min_label.is_empty() {
                    <Field label={min_label} id="cf-min" error={field_error("min")}>
                        <input id="cf-min" type="text" inputmode="decimal" value={(*min).clone()} oninput={bind(&min)} />
                    </Field>
                    <Field label={max_label} id="cf-max" error={field_error("max")}>
                        <input id="cf-max" type="text" inputmode="decimal" value={(*max).clone()} oninput={bind(&max)} />
                    </Field>
                }
                if field_type.as_str() == "CUSTOM_FIELD_TYPE_TEXT" {
                    <Field label="Pattern (regular expression)" id="cf-regex" error={field_error("regex")} class="field-wide">
                        <input id="cf-regex" type="text" placeholder="^PO-[0-9]+$" value={(*regex).clone()} oninput={bind(&regex)} />
                    </Field>
                }
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" id="cf-cancel" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="cf-submit" disabled={*busy}>
                    { if *busy { "Saving…" } else if editing { "Save field" } else { "Create field" } }
                </button>
            </div>
        </form>
    }
}
