//! The service catalog: services with their prices, "New service", and per service the scope
//! template editor (JSON, with a live preview of the form contracts will show).

use serde_json::{Map, Value, json};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::catalog::{self, Service};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::components::scope_form::ScopeFields;
use crate::format::enum_label;
use crate::hooks::use_fetch;

const DELIVERY_MODELS: &[&str] = &[
    "DELIVERY_MODEL_SERVERLESS",
    "DELIVERY_MODEL_ON_PREM_ENGINEER",
    "DELIVERY_MODEL_HYBRID",
    "DELIVERY_MODEL_MANAGED_SERVICE",
    "DELIVERY_MODEL_REMOTE",
    "DELIVERY_MODEL_PROFESSIONAL_SERVICES",
];
const PRICING_UNITS: &[&str] = &[
    "PRICING_UNIT_MONTHLY",
    "PRICING_UNIT_ANNUALLY",
    "PRICING_UNIT_PER_ENDPOINT",
    "PRICING_UNIT_PER_USER",
    "PRICING_UNIT_PER_DEVICE",
    "PRICING_UNIT_HOURLY",
    "PRICING_UNIT_ONE_TIME",
];
const FIELDS: &[&str] = &["name", "category", "delivery_model", "base_price", "currency", "pricing_unit"];

/// The catalog page.
#[function_component(ServicesPage)]
pub fn services_page() -> Html {
    let reload = use_state(|| 0u32);
    let adding = use_state(|| false);
    let editing = use_state(|| None::<Service>);
    let list = use_fetch(*reload, |_| async { catalog::list_all_services().await });
    let toggle = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    };
    let refresh = {
        let (reload, adding, editing) = (reload.clone(), adding.clone(), editing.clone());
        Callback::from(move |_: ()| {
            adding.set(false);
            editing.set(None);
            reload.set(*reload + 1);
        })
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(l)) if l.is_empty() => html! {
            <Empty title="No services yet" hint="Add the services you sell, then define their scope templates." />
        },
        Some(Ok(l)) => html! {
            <div class="table-wrap">
                <table class="table" id="services-table">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Category" }</th><th>{ "Delivery" }</th><th>{ "Base price" }</th>
                        <th>{ "Template" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for l.iter().map(|s| {
                            let edit = {
                                let (editing, s) = (editing.clone(), s.clone());
                                Callback::from(move |_| editing.set(Some(s.clone())))
                            };
                            html! {
                                <tr data-testid="service-row">
                                    <td class="cell-strong">
                                        { &s.name }
                                        if !s.active { <span class="muted small">{ " (archived)" }</span> }
                                    </td>
                                    <td>{ &s.category }</td>
                                    <td>{ enum_label(&s.delivery_model) }</td>
                                    <td>{ format!("{} {} / {}", s.base_price, s.currency, enum_label(&s.pricing_unit)) }</td>
                                    <td data-testid="service-template-version">{ if s.current_template_version == 0 { "—".to_string() } else { format!("v{}", s.current_template_version) } }</td>
                                    <td>
                                        <button type="button" class="btn btn-ghost btn-small" data-testid="service-edit-template" onclick={edit}>
                                            { "Edit template" }
                                        </button>
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <div class="page" id="services-page">
            <div class="page-header">
                <h1>{ "Service catalog" }</h1>
                <crate::components::export_button::ExportButton id="services-export" path="/api/v1/services"
                    filename="services.csv" />
                <div class="page-actions">
                    if !*adding {
                        <button type="button" class="btn btn-primary" id="service-new-open" onclick={toggle.clone()}>
                            { "New service" }
                        </button>
                    }
                </div>
            </div>
            if *adding {
                <section class="card"><NewService on_created={refresh.clone()} on_cancel={toggle} /></section>
            }
            if let Some(s) = &*editing {
                <section class="card"><TemplateEditor service={s.clone()} on_saved={refresh.clone()} /></section>
            }
            <section class="card">{ body }</section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct NewServiceProps {
    on_created: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

#[function_component(NewService)]
fn new_service(props: &NewServiceProps) -> Html {
    let name = use_state(String::new);
    let category = use_state(String::new);
    let delivery = use_state(|| DELIVERY_MODELS[0].to_string());
    let price = use_state(String::new);
    let currency = use_state(|| "USD".to_string());
    let unit = use_state(|| PRICING_UNITS[0].to_string());
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (name, category, delivery, price, currency, unit, error) = (
            name.clone(),
            category.clone(),
            delivery.clone(),
            price.clone(),
            currency.clone(),
            unit.clone(),
            error.clone(),
        );
        let on_created = props.on_created.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = json!({
                "name": name.trim(), "category": category.trim(), "deliveryModel": *delivery,
                "basePrice": price.trim(), "currency": currency.trim(), "pricingUnit": *unit,
            });
            let (error, on_created) = (error.clone(), on_created.clone());
            spawn_local(async move {
                match catalog::create_service(&body).await {
                    Ok(_) => on_created.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    html! {
        <form class="inline-form" id="service-new-form" {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, FIELDS) } }
            <div class="form-grid">
                <Field label="Name" id="service-new-name" required=true error={field_error("name")}>
                    <input id="service-new-name" type="text" value={(*name).clone()} oninput={bind(&name)} />
                </Field>
                <Field label="Category" id="service-new-category" error={field_error("category")}>
                    <input id="service-new-category" type="text" value={(*category).clone()} oninput={bind(&category)} />
                </Field>
                <Field label="Delivery model" id="service-new-delivery" required=true error={field_error("delivery_model")}>
                    <select id="service-new-delivery" onchange={bind_select(&delivery)}>{ enum_options(DELIVERY_MODELS, &delivery, None) }</select>
                </Field>
                <Field label="Base price" id="service-new-price" required=true error={field_error("base_price")}>
                    <input id="service-new-price" type="text" inputmode="decimal" value={(*price).clone()} oninput={bind(&price)} />
                </Field>
                <Field label="Currency" id="service-new-currency" required=true error={field_error("currency")}>
                    <input id="service-new-currency" type="text" maxlength="3" value={(*currency).clone()} oninput={bind(&currency)} />
                </Field>
                <Field label="Pricing unit" id="service-new-unit" required=true error={field_error("pricing_unit")}>
                    <select id="service-new-unit" onchange={bind_select(&unit)}>{ enum_options(PRICING_UNITS, &unit, None) }</select>
                </Field>
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="service-new-submit">{ "Create service" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct TemplateEditorProps {
    service: Service,
    on_saved: Callback<()>,
}

const EXAMPLE: &str = r#"{
  "type": "object",
  "required": ["endpoints"],
  "properties": {
    "endpoints": {"type": "integer", "title": "Number of endpoints", "minimum": 1}
  }
}"#;

/// JSON editor for the next template version, with a live preview of the resulting form.
#[function_component(TemplateEditor)]
fn template_editor(props: &TemplateEditorProps) -> Html {
    let text = use_state(|| EXAMPLE.to_string());
    let error = use_state(|| None::<ApiError>);
    let preview_values = use_state(Map::<String, Value>::new);
    {
        // Start from the current version, when there is one.
        let (text, id) = (text.clone(), props.service.id.clone());
        use_effect_with(id, move |id| {
            let id = id.clone();
            text.set(EXAMPLE.to_string());
            spawn_local(async move {
                if let Ok(Some(t)) = catalog::current_template(&id).await {
                    text.set(serde_json::to_string_pretty(&t.schema).unwrap_or_default());
                }
            });
        });
    }
    let parsed: Result<Value, String> = serde_json::from_str(&text).map_err(|e| e.to_string());
    let onsubmit = {
        let (parsed, error, on_saved, id) =
            (parsed.clone(), error.clone(), props.on_saved.clone(), props.service.id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Ok(schema) = parsed.clone() else { return };
            let (error, on_saved, id) = (error.clone(), on_saved.clone(), id.clone());
            spawn_local(async move {
                match catalog::create_template(&id, &schema).await {
                    Ok(_) => on_saved.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let on_preview = {
        let preview_values = preview_values.clone();
        Callback::from(move |v: Map<String, Value>| preview_values.set(v))
    };
    html! {
        <form class="inline-form" id="template-form" {onsubmit} novalidate=true>
            <h2>{ format!("Scope template of {}", props.service.name) }</h2>
            <p class="muted small">
                { "Saving publishes a new version; contract services keep the version they were checked against." }
            </p>
            if let Some(err) = &*error { <ErrorBanner error={err.clone()} fields={err.errors.clone()} /> }
            <div class="detail-grid">
                <Field label="JSON Schema" id="template-json" error={parsed.as_ref().err().cloned()}>
                    <textarea id="template-json" rows="16" value={(*text).clone()} oninput={bind(&text)} />
                </Field>
                <div>
                    <h3>{ "Preview" }</h3>
                    if let Ok(schema) = &parsed {
                        <ScopeFields schema={schema.clone()} values={(*preview_values).clone()} on_change={on_preview} />
                    }
                </div>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" id="template-submit" disabled={parsed.is_err()}>
                    { "Publish new version" }
                </button>
            </div>
        </form>
    }
}
