//! Contracts: the list (newest first, with a custom-field filter) and the "New contract" form.

use serde_json::{Map, Value};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::catalog::{self, Contract};
use crate::api::{ApiError, ListQuery};
use crate::app::Route;
use crate::components::badge::Badge;
use crate::components::company_select::CompanySelect;
use crate::components::custom_fields::{
    CustomFieldFilter, CustomFieldInputs, field_names, header_cells, loaded, use_definitions, value_cells,
};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::or_dash;
use crate::hooks::use_fetch;
use crate::pages::contract_terms::{BILLING_CYCLES, CONTRACT_TYPES, contract_type_label, contract_type_options};

const FIELDS: &[&str] = &[
    "name",
    "company_id",
    "contract_type",
    "start_date",
    "end_date",
    "billing_cycle",
    "billing_amount",
    "value",
    "currency",
];
const ENTITY: &str = "CUSTOM_FIELD_ENTITY_CONTRACT";

/// The contracts page.
#[function_component(ContractsPage)]
pub fn contracts_page() -> Html {
    let reload = use_state(|| 0u32);
    let adding = use_state(|| false);
    // The applied `custom_fields.<key> = "…"` term (empty: all contracts).
    let filter = use_state(String::new);
    let list = use_fetch((*reload, (*filter).clone()), |(_, filter)| async move {
        catalog::list_contracts(&ListQuery { page_size: 100, filter, ..ListQuery::default() }).await
    });
    let defs = use_definitions(ENTITY);
    let defs = loaded(&defs);
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |term: String| filter.set(term))
    };
    let navigator = use_navigator();
    let on_created = {
        let navigator = navigator.clone();
        Callback::from(move |c: Contract| {
            if let Some(nav) = &navigator {
                nav.push(&Route::Contract { id: c.id });
            }
        })
    };
    let toggle = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(p)) if p.contracts.is_empty() && !filter.is_empty() => html! {
            <Empty title="No contracts match" hint="Try another custom field value." />
        },
        Some(Ok(p)) if p.contracts.is_empty() => html! {
            <Empty title="No contracts yet" hint="Use New contract to record an agreement with a client." />
        },
        Some(Ok(p)) => html! {
            <div class="table-wrap">
                <table class="table" id="contracts-table">
                    <thead><tr>
                        <th>{ "Number" }</th><th>{ "Name" }</th><th>{ "Type" }</th><th>{ "Status" }</th><th>{ "Start" }</th>
                        <th>{ "End" }</th><th>{ "Value" }</th>
                        { header_cells(&defs) }
                    </tr></thead>
                    <tbody>
                        { for p.contracts.iter().map(|c| html! {
                            <tr data-testid="contract-row">
                                <td class="cell-strong">
                                    <Link<Route> to={Route::Contract { id: c.id.clone() }}>{ &c.number }</Link<Route>>
                                </td>
                                <td>{ &c.name }</td>
                                <td>{ contract_type_label(&c.contract_type) }</td>
                                <td><Badge kind="contract-status" value={c.status.clone()} /></td>
                                <td>{ &c.start_date }</td>
                                <td>{ or_dash(&c.end_date) }</td>
                                <td>{ format!("{} {}", or_dash(&c.value), c.currency) }</td>
                                { value_cells(&defs, &c.custom_fields) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <div class="page" id="contracts-page">
            <div class="page-header">
                <h1>{ "Contracts" }</h1>
                <crate::components::export_button::ExportButton id="contracts-export" path="/api/v1/contracts"
                    filter={(*filter).clone()} filename="contracts.csv" />
                <div class="page-actions">
                    if !*adding {
                        <button type="button" class="btn btn-primary" id="contract-new-open" onclick={toggle.clone()}>
                            { "New contract" }
                        </button>
                    }
                </div>
            </div>
            if *adding {
                <section class="card"><NewContract {on_created} on_cancel={toggle} /></section>
            }
            <section class="card">
                if !defs.is_empty() {
                    <div class="toolbar">
                        <CustomFieldFilter id_prefix="contracts" defs={defs.clone()} on_change={on_filter} />
                    </div>
                }
                { body }
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct NewContractProps {
    on_created: Callback<Contract>,
    on_cancel: Callback<MouseEvent>,
}

#[function_component(NewContract)]
fn new_contract(props: &NewContractProps) -> Html {
    let name = use_state(String::new);
    let company = use_state(String::new);
    let start = use_state(String::new);
    let end = use_state(String::new);
    let value = use_state(String::new);
    let currency = use_state(|| "USD".to_string());
    let kind = use_state(|| CONTRACT_TYPES[0].to_string());
    let cycle = use_state(|| BILLING_CYCLES[0].to_string());
    let billing = use_state(String::new);
    let custom = use_state(Map::new);
    let defs = use_definitions(ENTITY);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let on_company = {
        let company = company.clone();
        Callback::from(move |id: String| company.set(id))
    };
    let onsubmit = {
        let (name, company, start, end, value, currency, custom) = (
            name.clone(),
            company.clone(),
            start.clone(),
            end.clone(),
            value.clone(),
            currency.clone(),
            custom.clone(),
        );
        let (kind, cycle, billing) = (kind.clone(), cycle.clone(), billing.clone());
        let (busy, error, on_created) = (busy.clone(), error.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let contract = Contract {
                name: name.trim().to_string(),
                company_id: (*company).clone(),
                start_date: (*start).clone(),
                end_date: (*end).clone(),
                value: value.trim().to_string(),
                currency: currency.trim().to_string(),
                contract_type: (*kind).clone(),
                billing_cycle: (*cycle).clone(),
                billing_amount: billing.trim().to_string(),
                custom_fields: (*custom).clone(),
                ..Contract::default()
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_created) = (busy.clone(), error.clone(), on_created.clone());
            spawn_local(async move {
                match catalog::create_contract(&contract).await {
                    Ok(c) => on_created.emit(c),
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    let on_custom = {
        let custom = custom.clone();
        Callback::from(move |v: Map<String, Value>| custom.set(v))
    };
    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    let mut known: Vec<String> = FIELDS.iter().map(|f| (*f).to_string()).collect();
    known.extend(field_names(&loaded(&defs)));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    html! {
        <form class="inline-form" id="contract-new-form" {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, &known) } }
            <div class="form-grid">
                <Field label="Name" id="contract-new-name" required=true error={field_error("name")}>
                    <input id="contract-new-name" type="text" value={(*name).clone()} oninput={bind(&name)} />
                </Field>
                <Field label="Company" id="contract-new-company" required=true error={field_error("company_id")}>
                    <CompanySelect id="contract-new-company" value={(*company).clone()} on_change={on_company}
                        blank="Choose a company" invalid={field_error("company_id").is_some()} />
                </Field>
                <Field label="Type" id="contract-new-type" error={field_error("contract_type")}>
                    <select id="contract-new-type" onchange={bind_select(&kind)}>{ contract_type_options(&kind) }</select>
                </Field>
                <Field label="Start date" id="contract-new-start" required=true error={field_error("start_date")}>
                    <input id="contract-new-start" type="date" value={(*start).clone()} oninput={bind(&start)} />
                </Field>
                <Field label="End date" id="contract-new-end" error={field_error("end_date")}>
                    <input id="contract-new-end" type="date" value={(*end).clone()} oninput={bind(&end)} />
                </Field>
                <Field label="Billing cycle" id="contract-new-cycle" error={field_error("billing_cycle")}>
                    <select id="contract-new-cycle" onchange={bind_select(&cycle)}>{ enum_options(BILLING_CYCLES, &cycle, None) }</select>
                </Field>
                <Field label="Billing amount" id="contract-new-billing" error={field_error("billing_amount")}>
                    <input id="contract-new-billing" type="text" inputmode="decimal" value={(*billing).clone()} oninput={bind(&billing)} />
                </Field>
                <Field label="Value" id="contract-new-value" error={field_error("value")}>
                    <input id="contract-new-value" type="text" inputmode="decimal" value={(*value).clone()} oninput={bind(&value)} />
                </Field>
                <Field label="Currency" id="contract-new-currency" required=true error={field_error("currency")}>
                    <input id="contract-new-currency" type="text" maxlength="3" value={(*currency).clone()} oninput={bind(&currency)} />
                </Field>
                <CustomFieldInputs entity={ENTITY} id_prefix="contract-new" values={(*custom).clone()} on_change={on_custom}
                    error={err.clone()} />
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="contract-new-submit" disabled={*busy}>
                    { if *busy { "Creating…" } else { "Create contract" } }
                </button>
            </div>
        </form>
    }
}
