//! The service catalog: services with their prices, "New service", and per service an edit
//! form, archive / reactivate (the active flag: archived services are not offered for new
//! contracts) and the scope template editor (JSON, with a live preview of the form contracts
//! will show).

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
    let changing = use_state(|| None::<Service>);
    let error = use_state(|| None::<ApiError>);
    let list = use_fetch(*reload, |_| async { catalog::list_all_services().await });
    let toggle = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    };
    let refresh = {
        let (reload, adding, editing, changing) = (reload.clone(), adding.clone(), editing.clone(), changing.clone());
        Callback::from(move |_: ()| {
            adding.set(false);
            editing.set(None);
            changing.set(None);
            reload.set(*reload + 1);
        })
    };
    let close_edit = {
        let changing = changing.clone();
        Callback::from(move |_: MouseEvent| changing.set(None))
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
                            let change = {
                                let (changing, s) = (changing.clone(), s.clone());
                                Callback::from(move |_| changing.set(Some(s.clone())))
                            };
                            let archive = {
                                let (id, active, error, refresh) = (s.id.clone(), !s.active, error.clone(), refresh.clone());
                                Callback::from(move |_: MouseEvent| {
                                    let (id, error, refresh) = (id.clone(), error.clone(), refresh.clone());
                                    spawn_local(async move {
                                        match catalog::update_service(&id, &json!({ "active": active })).await {
                                            Ok(_) => {
                                                error.set(None);
                                                refresh.emit(());
                                            }
                                            Err(e) => error.set(Some(e)),
                                        }
                                    });
                                })
                            };
                            html! {
                                <tr data-testid="service-row" data-active={s.active.to_string()}>
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
                                        <button type="button" class="btn btn-ghost btn-small" data-testid="service-edit" onclick={change}>
                                            { "Edit" }
                                        </button>
                                        <button type="button" class="btn btn-ghost btn-small" data-testid="service-archive" onclick={archive}>
                                            { if s.active { "Archive" } else { "Reactivate" } }
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
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if *adding {
                <section class="card"><ServiceForm on_saved={refresh.clone()} on_cancel={toggle} /></section>
            }
            if let Some(s) = &*changing {
                <section class="card">
                    <ServiceForm service={Some(s.clone())} on_saved={refresh.clone()} on_cancel={close_edit} />
                </section>
            }
            if let Some(s) = &*editing {
                <section class="card"><TemplateEditor service={s.clone()} on_saved={refresh.clone()} /></section>
            }
            <section class="card">{ body }</section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ServiceFormProps {
    /// The service to edit; `None` for a new one.
    #[prop_or_default]
    service: Option<Service>,
    on_saved: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

/// "New service" (`POST /api/v1/services`) or "Edit service" (`PATCH` of the changed fields).
/// Ids are `service-new-…` or `service-edit-…`.
#[function_component(ServiceForm)]
fn service_form(props: &ServiceFormProps) -> Html {
    let original = props.service.clone();
    let old = original.clone().unwrap_or_default();
    let name = use_state(|| old.name.clone());
    let category = use_state(|| old.category.clone());
    let delivery =
        use_state(|| if original.is_some() { old.delivery_model.clone() } else { DELIVERY_MODELS[0].to_string() });
    let price = use_state(|| old.base_price.clone());
    let currency = use_state(|| if original.is_some() { old.currency.clone() } else { "USD".to_string() });
    let unit = use_state(|| if original.is_some() { old.pricing_unit.clone() } else { PRICING_UNITS[0].to_string() });
    let error = use_state(|| None::<ApiError>);
    let p = if original.is_some() { "service-edit" } else { "service-new" };
    let id = |f: &str| format!("{p}-{f}");
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
        let (on_saved, original) = (props.on_saved.clone(), original.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut body = json!({
                "name": name.trim(), "category": category.trim(), "deliveryModel": *delivery,
                "basePrice": price.trim(), "currency": currency.trim(), "pricingUnit": *unit,
            });
            if let (Some(old), Value::Object(fields)) = (&original, &mut body) {
                // Only what changed, so the update mask names just that.
                let before = json!({
                    "name": old.name, "category": old.category, "deliveryModel": old.delivery_model,
                    "basePrice": old.base_price, "currency": old.currency, "pricingUnit": old.pricing_unit,
                });
                fields.retain(|k, v| before.get(k) != Some(v));
                if fields.is_empty() {
                    on_saved.emit(());
                    return;
                }
            }
            let (error, on_saved, original) = (error.clone(), on_saved.clone(), original.clone());
            spawn_local(async move {
                let saved = match &original {
                    None => catalog::create_service(&body).await,
                    Some(old) => catalog::update_service(&old.id, &body).await,
                };
                match saved {
                    Ok(_) => on_saved.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    html! {
        <form class="inline-form" id={id("form")} {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, FIELDS) } }
            <div class="form-grid">
                <Field label="Name" id={id("name")} required=true error={field_error("name")}>
                    <input id={id("name")} type="text" value={(*name).clone()} oninput={bind(&name)} />
                </Field>
                <Field label="Category" id={id("category")} error={field_error("category")}>
                    <input id={id("category")} type="text" value={(*category).clone()} oninput={bind(&category)} />
                </Field>
                <Field label="Delivery model" id={id("delivery")} required=true error={field_error("delivery_model")}>
                    <select id={id("delivery")} onchange={bind_select(&delivery)}>{ enum_options(DELIVERY_MODELS, &delivery, None) }</select>
                </Field>
                <Field label="Base price" id={id("price")} required=true error={field_error("base_price")}>
                    <input id={id("price")} type="text" inputmode="decimal" value={(*price).clone()} oninput={bind(&price)} />
                </Field>
                <Field label="Currency" id={id("currency")} required=true error={field_error("currency")}>
                    <input id={id("currency")} type="text" maxlength="3" value={(*currency).clone()} oninput={bind(&currency)} />
                </Field>
                <Field label="Pricing unit" id={id("unit")} required=true error={field_error("pricing_unit")}>
                    <select id={id("unit")} onchange={bind_select(&unit)}>{ enum_options(PRICING_UNITS, &unit, None) }</select>
                </Field>
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id={id("submit")}>
                    { if original.is_some() { "Save service" } else { "Create service" } }
                </button>
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
