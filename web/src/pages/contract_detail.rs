//! One contract: its fields, lifecycle actions (activate, cancel, expire, renew) and its
//! services, with "Add service" rendering the service's scope template as a form, and its
//! block-hour balance ([`super::commercial::HourBalanceCard`]), and its documents: SAFs and
//! COCs ([`super::documents`]).

use serde_json::{Map, Value, json};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::ApiError;
use crate::api::attachments::contract_attachments_path;
use crate::api::catalog::{self, Contract, ScopeTemplate, Service};
use crate::api::settings::RateCardTarget;
use crate::app::{Route, use_session};
use crate::components::attachments::AttachmentsCard;
use crate::components::badge::Badge;
use crate::components::custom_fields::{
    CustomFieldInputs, CustomFieldValues, field_names, header_cells, loaded, use_definitions, value_cells,
};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, event_value};
use crate::components::rate_card::RateCardEditor;
use crate::components::scope_form::{ScopeFields, defaults, params};
use crate::format::enum_label;
use crate::hooks::use_fetch;
use crate::pages::contract_terms::{ContractDetails, contract_type_label};
use crate::pages::documents::{CocsCard, SafsCard};

const SCOPE_ENTITY: &str = "CUSTOM_FIELD_ENTITY_SERVICE_SCOPE";

/// Props of [`ContractPage`].
#[derive(Properties, PartialEq)]
pub struct ContractPageProps {
    /// Contract id from the path.
    pub id: String,
}

/// Moves the lifecycle allows from `status` (RENEWED goes through Renew).
fn moves(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "CONTRACT_STATUS_DRAFT" => &[("Activate", "CONTRACT_STATUS_ACTIVE"), ("Cancel", "CONTRACT_STATUS_CANCELLED")],
        "CONTRACT_STATUS_ACTIVE" => {
            &[("Mark expired", "CONTRACT_STATUS_EXPIRED"), ("Cancel", "CONTRACT_STATUS_CANCELLED")]
        }
        _ => &[],
    }
}

/// The contract detail page.
#[function_component(ContractPage)]
pub fn contract_page(props: &ContractPageProps) -> Html {
    let reload = use_state(|| 0u32);
    let contract = use_fetch((props.id.clone(), *reload), |(id, _)| async move { catalog::get_contract(&id).await });
    let action_error = use_state(|| None::<ApiError>);
    let navigator = use_navigator();
    let session = use_session();
    let (can_see_rates, can_write_rates) = (session.me.can("services.read"), session.me.can("services.write"));
    let can_write = session.me.can("contracts.write");
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    // Bumped when a service, SAF or COC is added or changes: a SAF's status moves its scope's,
    // and the document forms offer the contract's scopes, so every card refetches.
    let documents = use_state(|| 0u32);
    let on_documents = {
        let documents = documents.clone();
        Callback::from(move |()| documents.set(*documents + 1))
    };
    let c = match &contract.result {
        None => return html! { <div class="page"><Loading /></div> },
        Some(Err(err)) => return html! { <div class="page"><ErrorBanner error={err.clone()} /></div> },
        Some(Ok(c)) => c.clone(),
    };
    let act = |status: &'static str| {
        let (id, bump, action_error) = (c.id.clone(), bump.clone(), action_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (id, bump, action_error) = (id.clone(), bump.clone(), action_error.clone());
            spawn_local(async move {
                match catalog::set_contract_status(&id, status).await {
                    Ok(_) => {
                        action_error.set(None);
                        bump.emit(())
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        })
    };
    let renew = {
        let (id, action_error) = (c.id.clone(), action_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (id, action_error, navigator) = (id.clone(), action_error.clone(), navigator.clone());
            spawn_local(async move {
                match catalog::renew_contract(&id).await {
                    Ok(next) => {
                        if let Some(nav) = &navigator {
                            nav.push(&Route::Contract { id: next.id });
                        }
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        })
    };
    let renewable = matches!(c.status.as_str(), "CONTRACT_STATUS_ACTIVE" | "CONTRACT_STATUS_EXPIRED");
    let editable = matches!(c.status.as_str(), "CONTRACT_STATUS_DRAFT" | "CONTRACT_STATUS_ACTIVE");
    html! {
        <div class="page" id="contract-detail" data-id={c.id.clone()}>
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <Link<Route> to={Route::Contracts}>{ "Contracts" }</Link<Route>>
                <span class="sep">{ "/" }</span>
                <span>{ &c.number }</span>
            </nav>
            <div class="page-header">
                <div>
                    <h1 id="contract-name">{ format!("{} — {}", c.number, c.name) }</h1>
                    <p class="header-meta">
                        <Badge kind="contract-status" value={c.status.clone()} />
                        <span>{ contract_type_label(&c.contract_type) }</span>
                    </p>
                </div>
                <div class="page-actions">
                    { for moves(&c.status).iter().map(|(label, to)| html! {
                        <button type="button" class="btn btn-secondary" onclick={act(to)}>{ *label }</button>
                    }) }
                    if renewable {
                        <button type="button" class="btn btn-primary" id="contract-renew" onclick={renew}>{ "Renew" }</button>
                    }
                </div>
            </div>
            if let Some(e) = &*action_error { <ErrorBanner error={e.clone()} /> }
            <div class="detail-grid">
                <ContractDetails contract={c.clone()} can_edit={can_write && editable} on_saved={bump.clone()} />
                <ContractCustomFields contract={c.clone()} on_saved={bump.clone()} />
                <Items contract={c.clone()} editable={editable && can_write} version={*documents} on_changed={on_documents.clone()} />
                <crate::pages::commercial::HourBalanceCard contract_id={c.id.clone()} {editable} />
                if can_see_rates {
                    <RateCardEditor target={RateCardTarget::Contract(c.id.clone())} title="Rate card"
                        can_write={can_write_rates}
                        fallback_hint="The company's rate card applies, else the tenant default." />
                }
                <AttachmentsCard id="contract-documents" title="Documents" path={contract_attachments_path(&c.id)}
                    {can_write} link_contracts=false
                    empty_hint="The signed agreement, statements of work and amendments belong here." />
                <SafsCard contract={c.clone()} {can_write} version={*documents} on_changed={on_documents.clone()} />
                <CocsCard contract={c.clone()} {can_write} version={*documents} on_changed={on_documents} />
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CustomFieldsProps {
    contract: Contract,
    on_saved: Callback<()>,
}

/// The contract's custom field values, editable in place (`PATCH` of `customFields`).
#[function_component(ContractCustomFields)]
fn contract_custom_fields(props: &CustomFieldsProps) -> Html {
    let defs = use_definitions("CUSTOM_FIELD_ENTITY_CONTRACT");
    let editing = use_state(|| false);
    let values = use_state(|| props.contract.custom_fields.clone());
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    if loaded(&defs).is_empty() {
        return Html::default();
    }
    let open = {
        let (editing, values, error, current) =
            (editing.clone(), values.clone(), error.clone(), props.contract.custom_fields.clone());
        Callback::from(move |_: MouseEvent| {
            values.set(current.clone());
            error.set(None);
            editing.set(!*editing);
        })
    };
    let on_change = {
        let values = values.clone();
        Callback::from(move |v: Map<String, Value>| values.set(v))
    };
    let onsubmit = {
        let (editing, values, error, busy, id, on_saved) = (
            editing.clone(),
            values.clone(),
            error.clone(),
            busy.clone(),
            props.contract.id.clone(),
            props.on_saved.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (editing, values, error, busy, id, on_saved) =
                (editing.clone(), values.clone(), error.clone(), busy.clone(), id.clone(), on_saved.clone());
            busy.set(true);
            spawn_local(async move {
                match catalog::set_contract_custom_fields(&id, &values).await {
                    Ok(_) => {
                        error.set(None);
                        editing.set(false);
                        on_saved.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let known = field_names(&loaded(&defs));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    html! {
        <section class="card" id="contract-custom-fields">
            <div class="card-header">
                <h2>{ "Custom fields" }</h2>
                <button type="button" class="btn btn-secondary btn-small" id="contract-cf-edit" onclick={open}>
                    { if *editing { "Cancel" } else { "Edit" } }
                </button>
            </div>
            if *editing {
                <form class="inline-form" id="contract-cf-form" {onsubmit} novalidate=true>
                    if let Some(err) = &*error { { form_error(err, &known) } }
                    <div class="form-grid">
                        <CustomFieldInputs entity="CUSTOM_FIELD_ENTITY_CONTRACT" id_prefix="contract-edit"
                            values={(*values).clone()} {on_change} error={(*error).clone()} />
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" id="contract-cf-submit" disabled={*busy}>
                            { "Save" }
                        </button>
                    </div>
                </form>
            } else {
                <dl class="props">
                    <CustomFieldValues entity="CUSTOM_FIELD_ENTITY_CONTRACT" values={props.contract.custom_fields.clone()} />
                </dl>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ItemsProps {
    contract: Contract,
    editable: bool,
    /// Refetch when this changes (a service was added, a SAF moved a scope's status).
    version: u32,
    /// Called after a service was added.
    on_changed: Callback<()>,
}

/// The status moves offered for a scope in `status`: (button label, target). Scopes without a
/// SAF are activated here; one with a SAF also follows it.
fn scope_moves(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "SERVICE_SCOPE_STATUS_PENDING" => &[("Activate", "SERVICE_SCOPE_STATUS_ACTIVE")],
        "SERVICE_SCOPE_STATUS_ACTIVE" => {
            &[("Put on hold", "SERVICE_SCOPE_STATUS_ON_HOLD"), ("Complete", "SERVICE_SCOPE_STATUS_COMPLETED")]
        }
        "SERVICE_SCOPE_STATUS_ON_HOLD" => {
            &[("Resume", "SERVICE_SCOPE_STATUS_ACTIVE"), ("Complete", "SERVICE_SCOPE_STATUS_COMPLETED")]
        }
        _ => &[],
    }
}

#[function_component(Items)]
fn items(props: &ItemsProps) -> Html {
    let adding = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let act = |scope: String, status: &'static str| {
        let (error, on_changed) = (error.clone(), props.on_changed.clone());
        Callback::from(move |_: MouseEvent| {
            let (scope, error, on_changed) = (scope.clone(), error.clone(), on_changed.clone());
            spawn_local(async move {
                match catalog::update_item(&scope, &json!({ "status": status })).await {
                    Ok(_) => {
                        error.set(None);
                        on_changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let id = props.contract.id.clone();
    let items = use_fetch((id.clone(), props.version), |(id, _)| async move { catalog::list_items(&id).await });
    let defs = use_definitions(SCOPE_ENTITY);
    let defs = loaded(&defs);
    let services = use_fetch((), |_| async { catalog::list_services().await });
    let service_name = |sid: &str| match &services.result {
        Some(Ok(list)) => list.iter().find(|s| s.id == sid).map_or_else(|| sid.to_owned(), |s| s.name.clone()),
        _ => sid.to_owned(),
    };
    let toggle = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    };
    let on_added = {
        let (adding, on_changed) = (adding.clone(), props.on_changed.clone());
        Callback::from(move |_: ()| {
            adding.set(false);
            on_changed.emit(());
        })
    };
    let body = match &items.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! {
            <Empty title="No services on this contract" hint="Add a service from the catalog." />
        },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="contract-items-table">
                    <thead><tr>
                        <th>{ "Service" }</th><th>{ "Quantity" }</th><th>{ "Unit price" }</th>
                        <th>{ "Scope" }</th><th>{ "Status" }</th>
                        { header_cells(&defs) }
                        <th />
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|s| html! {
                            <tr data-testid="contract-item-row">
                                <td class="cell-strong">{ service_name(&s.service_id) }</td>
                                <td>{ format!("{} × {}", s.quantity, enum_label(&s.unit)) }</td>
                                <td>{ &s.unit_price }</td>
                                <td>
                                    { for s.scope_details.iter().map(|(k, v)| html! {
                                        <span class="tag">{ format!("{k}: {}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)) }</span>
                                    }) }
                                    <span class="muted small">{ format!(" (template v{})", s.template_version) }</span>
                                </td>
                                <td><Badge kind="scope-status" value={s.status.clone()} /></td>
                                { value_cells(&defs, &s.custom_fields) }
                                <td class="row-actions">
                                    if props.editable {
                                        { for scope_moves(&s.status).iter().map(|(label, to)| html! {
                                            <button type="button" class="btn btn-small" data-action={*to}
                                                onclick={act(s.id.clone(), to)}>{ *label }</button>
                                        }) }
                                    }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    let catalog_list = match &services.result {
        Some(Ok(list)) => list.clone(),
        _ => Vec::new(),
    };
    html! {
        <section class="card" id="contract-items">
            <div class="card-header">
                <h2>{ "Services" }</h2>
                if props.editable && !*adding {
                    <button type="button" class="btn btn-secondary btn-small" id="item-new-open" onclick={toggle.clone()}>
                        { "Add service" }
                    </button>
                }
            </div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if *adding {
                <AddItem contract_id={id} services={catalog_list} {on_added} on_cancel={toggle} />
            }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AddItemProps {
    contract_id: String,
    services: Vec<Service>,
    on_added: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

#[function_component(AddItem)]
fn add_item(props: &AddItemProps) -> Html {
    let service = use_state(String::new);
    let quantity = use_state(|| "1".to_string());
    let values = use_state(Map::<String, Value>::new);
    let custom = use_state(Map::<String, Value>::new);
    let custom_defs = use_definitions(SCOPE_ENTITY);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let template = use_fetch((*service).clone(), |sid: String| async move {
        if sid.is_empty() { Ok(None) } else { catalog::current_template(&sid).await }
    });
    {
        // A new template (another service chosen): start from its defaults.
        let values = values.clone();
        let schema = match &template.result {
            Some(Ok(Some(t))) => Some(t.schema.clone()),
            _ => None,
        };
        use_effect_with(schema, move |schema| {
            values.set(schema.as_ref().map(defaults).unwrap_or_default());
        });
    }
    let on_service = {
        let service = service.clone();
        Callback::from(move |e: Event| service.set(event_value(&e)))
    };
    let on_values = {
        let values = values.clone();
        Callback::from(move |v: Map<String, Value>| values.set(v))
    };
    let on_custom = {
        let custom = custom.clone();
        Callback::from(move |v: Map<String, Value>| custom.set(v))
    };
    let onsubmit = {
        let (service, quantity, values, custom, error, busy) =
            (service.clone(), quantity.clone(), values.clone(), custom.clone(), error.clone(), busy.clone());
        let (contract_id, on_added) = (props.contract_id.clone(), props.on_added.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let body = json!({
                "serviceId": *service,
                "quantity": quantity.trim(),
                "scopeDetails": Value::Object((*values).clone()),
                "customFields": Value::Object((*custom).clone()),
            });
            busy.set(true);
            let (contract_id, error, busy, on_added) =
                (contract_id.clone(), error.clone(), busy.clone(), on_added.clone());
            spawn_local(async move {
                match catalog::create_item(&contract_id, &body).await {
                    Ok(_) => on_added.emit(()),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let err = (*error).clone();
    let template_schema: Option<ScopeTemplate> = match &template.result {
        Some(Ok(t)) => t.clone(),
        _ => None,
    };
    let mut known: Vec<String> = vec!["service_id".into(), "quantity".into()];
    if let Some(t) = &template_schema {
        known.extend(params(&t.schema).into_iter().map(|p| p.name));
    }
    known.extend(field_names(&loaded(&custom_defs)));
    let known_refs: Vec<&str> = known.iter().map(String::as_str).collect();
    html! {
        <form class="inline-form" id="item-new-form" {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, &known_refs) } }
            <div class="form-grid">
                <Field label="Service" id="item-new-service" required=true error={err.as_ref().and_then(|e| e.field("service_id"))}>
                    <select id="item-new-service" onchange={on_service}>
                        <option value="" selected={service.is_empty()}>{ "Choose a service" }</option>
                        { for props.services.iter().map(|s| html! {
                            <option value={s.id.clone()} selected={s.id == *service}>
                                { format!("{} ({} {} / {})", s.name, s.base_price, s.currency, enum_label(&s.pricing_unit)) }
                            </option>
                        }) }
                    </select>
                </Field>
                <Field label="Quantity" id="item-new-quantity" error={err.as_ref().and_then(|e| e.field("quantity"))}>
                    <input id="item-new-quantity" type="text" inputmode="decimal" value={(*quantity).clone()} oninput={bind(&quantity)} />
                </Field>
            </div>
            if let Some(t) = &template_schema {
                <h3>{ format!("Scope (template v{})", t.version) }</h3>
                <ScopeFields schema={t.schema.clone()} values={(*values).clone()} on_change={on_values} error={err.clone()} />
            }
            <div class="form-grid">
                <CustomFieldInputs entity={SCOPE_ENTITY} id_prefix="item-new" values={(*custom).clone()}
                    on_change={on_custom} error={err.clone()} />
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="item-new-submit" disabled={*busy || service.is_empty()}>
                    { if *busy { "Adding…" } else { "Add service" } }
                </button>
            </div>
        </form>
    }
}
