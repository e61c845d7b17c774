//! The contract page's Details card: every field of a contract (type, term, renewal, billing,
//! value, signature, description) and, for users with `contracts.write` while the contract is
//! a draft or active, an edit form that `PATCH`es only the changed fields (proto `Contract` in
//! `psa/contracts/v1/catalog.proto`; issue 3 "Contracts").

use serde_json::{Map, Value};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::catalog::{self, Contract};
use crate::api::{self, ApiError};
use crate::app::Route;
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::{enum_label, or_dash};
use crate::hooks::use_fetch;

/// Contract types (proto `ContractType`).
pub const CONTRACT_TYPES: &[&str] = &[
    "CONTRACT_TYPE_MANAGED_SERVICES",
    "CONTRACT_TYPE_MSA",
    "CONTRACT_TYPE_SOW",
    "CONTRACT_TYPE_BLOCK_HOURS",
    "CONTRACT_TYPE_TIME_AND_MATERIALS",
    "CONTRACT_TYPE_FIXED_PRICE",
    "CONTRACT_TYPE_WARRANTY",
];

/// Billing cycles (proto `BillingCycle`).
pub const BILLING_CYCLES: &[&str] = &[
    "BILLING_CYCLE_MONTHLY",
    "BILLING_CYCLE_QUARTERLY",
    "BILLING_CYCLE_SEMI_ANNUALLY",
    "BILLING_CYCLE_ANNUALLY",
    "BILLING_CYCLE_ONE_TIME",
];

/// The label of a contract type: `CONTRACT_TYPE_MSA` → `MSA`, `CONTRACT_TYPE_SOW` → `SOW`.
pub fn contract_type_label(value: &str) -> String {
    match value {
        "CONTRACT_TYPE_MSA" => "MSA".into(),
        "CONTRACT_TYPE_SOW" => "SOW".into(),
        other => enum_label(other),
    }
}

/// `<option>`s of the contract types, `selected` on `current`.
pub fn contract_type_options(current: &str) -> Html {
    html! {
        { for CONTRACT_TYPES.iter().map(|t| html! {
            <option value={*t} selected={*t == current}>{ contract_type_label(t) }</option>
        }) }
    }
}

/// The PATCH body: every editable field of `new` that differs from `old`, by its JSON name
/// (an emptied date or text is sent as `""`, which clears it).
fn changes(old: &Contract, new: &Contract) -> Map<String, Value> {
    let mut patch = Map::new();
    let mut text = |key: &str, a: &str, b: &str| {
        if a != b {
            patch.insert(key.into(), Value::String(b.trim().to_string()));
        }
    };
    text("name", &old.name, &new.name);
    text("contractType", &old.contract_type, &new.contract_type);
    text("startDate", &old.start_date, &new.start_date);
    text("endDate", &old.end_date, &new.end_date);
    text("renewalDate", &old.renewal_date, &new.renewal_date);
    text("renewalTerms", &old.renewal_terms, &new.renewal_terms);
    text("billingCycle", &old.billing_cycle, &new.billing_cycle);
    text("billingAmount", &old.billing_amount, &new.billing_amount);
    text("value", &old.value, &new.value);
    text("currency", &old.currency, &new.currency);
    text("signedDate", &old.signed_date, &new.signed_date);
    text("signerContactId", &old.signer_contact_id, &new.signer_contact_id);
    text("description", &old.description, &new.description);
    if old.auto_renew != new.auto_renew {
        patch.insert("autoRenew".into(), Value::Bool(new.auto_renew));
    }
    if old.renewal_term_months != new.renewal_term_months {
        patch.insert("renewalTermMonths".into(), Value::from(new.renewal_term_months));
    }
    patch
}

/// Props of [`ContractDetails`].
#[derive(Properties, PartialEq)]
pub struct ContractDetailsProps {
    /// The contract as loaded.
    pub contract: Contract,
    /// Whether the Edit button shows (`contracts.write`, draft or active contract).
    pub can_edit: bool,
    /// Called after a save.
    pub on_saved: Callback<()>,
}

/// The Details card: the contract's fields, or its edit form.
#[function_component(ContractDetails)]
pub fn contract_details(props: &ContractDetailsProps) -> Html {
    let c = &props.contract;
    let editing = use_state(|| false);
    let company = use_fetch(c.company_id.clone(), |id| async move { api::get_company(&id).await });
    let contacts = use_fetch(c.company_id.clone(), |id| async move { api::list_contacts(&id).await });
    let contacts: Vec<(String, String)> = match &contacts.result {
        Some(Ok(page)) => page.contacts.iter().map(|k| (k.id.clone(), k.full_name())).collect(),
        _ => Vec::new(),
    };
    let toggle = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(!*editing))
    };
    let on_saved = {
        let (editing, on_saved) = (editing.clone(), props.on_saved.clone());
        Callback::from(move |()| {
            editing.set(false);
            on_saved.emit(());
        })
    };
    let company_name = match &company.result {
        Some(Ok(co)) => co.name.clone(),
        _ => "Open company".into(),
    };
    let signer = contacts
        .iter()
        .find(|(id, _)| *id == c.signer_contact_id)
        .map_or_else(|| or_dash(&c.signer_contact_id).to_string(), |(_, name)| name.clone());
    let renewal = if c.auto_renew {
        format!("Automatic, {} months", c.renewal_term_months)
    } else {
        format!("Manual, {} months", c.renewal_term_months)
    };
    html! {
        <section class="card" id="contract-details">
            <div class="card-header">
                <h2>{ "Details" }</h2>
                if props.can_edit {
                    <button type="button" class="btn btn-secondary btn-small" id="contract-edit" onclick={toggle.clone()}>
                        { if *editing { "Cancel" } else { "Edit" } }
                    </button>
                }
            </div>
            if *editing {
                <EditContract contract={c.clone()} contacts={contacts.clone()} {on_saved} />
            } else {
                <dl class="props">
                    <dt>{ "Company" }</dt>
                    <dd><Link<Route> to={Route::Company { id: c.company_id.clone() }}>{ company_name }</Link<Route>></dd>
                    <dt>{ "Type" }</dt><dd data-key="contractType">{ contract_type_label(&c.contract_type) }</dd>
                    <dt>{ "Term" }</dt><dd data-key="term">{ format!("{} – {}", c.start_date, or_dash(&c.end_date)) }</dd>
                    <dt>{ "Renewal" }</dt><dd data-key="renewal">{ renewal }</dd>
                    <dt>{ "Renewal date" }</dt><dd data-key="renewalDate">{ or_dash(&c.renewal_date) }</dd>
                    if !c.renewal_terms.is_empty() {
                        <dt>{ "Renewal terms" }</dt><dd data-key="renewalTerms">{ &c.renewal_terms }</dd>
                    }
                    <dt>{ "Billing" }</dt>
                    <dd data-key="billing">{ format!("{} {} {}", or_dash(&c.billing_amount), c.currency, enum_label(&c.billing_cycle).to_lowercase()) }</dd>
                    <dt>{ "Value" }</dt><dd data-key="value">{ format!("{} {}", or_dash(&c.value), c.currency) }</dd>
                    <dt>{ "Signed" }</dt><dd data-key="signed">{ format!("{} by {signer}", or_dash(&c.signed_date)) }</dd>
                    if !c.description.is_empty() {
                        <dt>{ "Description" }</dt><dd data-key="description" class="pre">{ &c.description }</dd>
                    }
                    if !c.previous_contract_id.is_empty() {
                        <dt>{ "Renews" }</dt>
                        <dd><Link<Route> to={Route::Contract { id: c.previous_contract_id.clone() }}>{ "Previous contract" }</Link<Route>></dd>
                    }
                </dl>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EditContractProps {
    contract: Contract,
    /// The company's contacts as (id, name), for the signer.
    contacts: Vec<(String, String)>,
    on_saved: Callback<()>,
}

/// The edit form of a contract's fields.
#[function_component(EditContract)]
fn edit_contract(props: &EditContractProps) -> Html {
    let c = &props.contract;
    let name = use_state(|| c.name.clone());
    let kind = use_state(|| c.contract_type.clone());
    let start = use_state(|| c.start_date.clone());
    let end = use_state(|| c.end_date.clone());
    let renewal_date = use_state(|| c.renewal_date.clone());
    let auto_renew = use_state(|| c.auto_renew);
    let term = use_state(|| c.renewal_term_months.to_string());
    let terms = use_state(|| c.renewal_terms.clone());
    let cycle = use_state(|| c.billing_cycle.clone());
    let billing = use_state(|| c.billing_amount.clone());
    let value = use_state(|| c.value.clone());
    let currency = use_state(|| c.currency.clone());
    let signed = use_state(|| c.signed_date.clone());
    let signer = use_state(|| c.signer_contact_id.clone());
    let description = use_state(|| c.description.clone());
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let edited = Contract {
        name: (*name).clone(),
        contract_type: (*kind).clone(),
        start_date: (*start).clone(),
        end_date: (*end).clone(),
        renewal_date: (*renewal_date).clone(),
        auto_renew: *auto_renew,
        // Not a number: sent as 0, which the server rejects at `renewal_term_months`.
        renewal_term_months: term.trim().parse().unwrap_or(0),
        renewal_terms: (*terms).clone(),
        billing_cycle: (*cycle).clone(),
        billing_amount: (*billing).clone(),
        value: (*value).clone(),
        currency: (*currency).clone(),
        signed_date: (*signed).clone(),
        signer_contact_id: (*signer).clone(),
        description: (*description).clone(),
        ..c.clone()
    };
    let onsubmit = {
        let patch = changes(c, &edited);
        let (id, error, busy, on_saved) = (c.id.clone(), error.clone(), busy.clone(), props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if patch.is_empty() {
                on_saved.emit(());
                return;
            }
            busy.set(true);
            let (id, patch, error, busy, on_saved) =
                (id.clone(), Value::Object(patch.clone()), error.clone(), busy.clone(), on_saved.clone());
            spawn_local(async move {
                match catalog::update_contract(&id, &patch).await {
                    Ok(_) => on_saved.emit(()),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let toggle_auto = {
        let auto_renew = auto_renew.clone();
        Callback::from(move |_: Event| auto_renew.set(!*auto_renew))
    };
    let err = (*error).clone();
    let fe = |f: &str| err.as_ref().and_then(|e| e.field(f));
    const KNOWN: &[&str] = &[
        "name",
        "contract_type",
        "start_date",
        "end_date",
        "renewal_date",
        "renewal_term_months",
        "renewal_terms",
        "billing_cycle",
        "billing_amount",
        "value",
        "currency",
        "signed_date",
        "signer_contact_id",
        "description",
    ];
    html! {
        <form class="inline-form" id="contract-edit-form" {onsubmit} novalidate=true>
            if let Some(err) = &err { { form_error(err, KNOWN) } }
            <div class="form-grid">
                <Field label="Name" id="contract-edit-name" required=true error={fe("name")}>
                    <input id="contract-edit-name" value={(*name).clone()} oninput={bind(&name)} />
                </Field>
                <Field label="Type" id="contract-edit-type" error={fe("contract_type")}>
                    <select id="contract-edit-type" onchange={bind_select(&kind)}>{ contract_type_options(&kind) }</select>
                </Field>
                <Field label="Start date" id="contract-edit-start" required=true error={fe("start_date")}>
                    <input id="contract-edit-start" type="date" value={(*start).clone()} oninput={bind(&start)} />
                </Field>
                <Field label="End date" id="contract-edit-end" error={fe("end_date")}>
                    <input id="contract-edit-end" type="date" value={(*end).clone()} oninput={bind(&end)} />
                </Field>
                <Field label="Renewal date" id="contract-edit-renewal-date" error={fe("renewal_date")}>
                    <input id="contract-edit-renewal-date" type="date" value={(*renewal_date).clone()} oninput={bind(&renewal_date)} />
                </Field>
                <Field label="Renews automatically" id="contract-edit-auto-renew">
                    <input id="contract-edit-auto-renew" type="checkbox" checked={*auto_renew} onchange={toggle_auto} />
                </Field>
                <Field label="Renewal term (months)" id="contract-edit-term" error={fe("renewal_term_months")}>
                    <input id="contract-edit-term" type="number" min="1" max="120" step="1" value={(*term).clone()} oninput={bind(&term)} />
                </Field>
                <Field label="Billing cycle" id="contract-edit-cycle" error={fe("billing_cycle")}>
                    <select id="contract-edit-cycle" onchange={bind_select(&cycle)}>{ enum_options(BILLING_CYCLES, &cycle, None) }</select>
                </Field>
                <Field label="Billing amount" id="contract-edit-billing" error={fe("billing_amount")}>
                    <input id="contract-edit-billing" inputmode="decimal" value={(*billing).clone()} oninput={bind(&billing)} />
                </Field>
                <Field label="Value" id="contract-edit-value" error={fe("value")}>
                    <input id="contract-edit-value" inputmode="decimal" value={(*value).clone()} oninput={bind(&value)} />
                </Field>
                <Field label="Currency" id="contract-edit-currency" required=true error={fe("currency")}>
                    <input id="contract-edit-currency" maxlength="3" value={(*currency).clone()} oninput={bind(&currency)} />
                </Field>
                <Field label="Signed date" id="contract-edit-signed" error={fe("signed_date")}>
                    <input id="contract-edit-signed" type="date" value={(*signed).clone()} oninput={bind(&signed)} />
                </Field>
                <Field label="Signed by" id="contract-edit-signer" error={fe("signer_contact_id")}>
                    <select id="contract-edit-signer" onchange={bind_select(&signer)}>
                        <option value="" selected={signer.is_empty()}>{ "Nobody yet" }</option>
                        { for props.contacts.iter().map(|(id, label)| html! {
                            <option value={id.clone()} selected={*id == *signer}>{ label }</option>
                        }) }
                    </select>
                </Field>
                <Field label="Renewal terms" id="contract-edit-terms" class="field-wide" error={fe("renewal_terms")}>
                    <textarea id="contract-edit-terms" rows="2" value={(*terms).clone()} oninput={bind(&terms)} />
                </Field>
                <Field label="Description" id="contract-edit-description" class="field-wide" error={fe("description")}>
                    <textarea id="contract-edit-description" rows="3" value={(*description).clone()} oninput={bind(&description)} />
                </Field>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" id="contract-edit-submit" disabled={*busy}>
                    { if *busy { "Saving…" } else { "Save" } }
                </button>
            </div>
        </form>
    }
}
