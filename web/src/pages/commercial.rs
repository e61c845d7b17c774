//! Proposals on the Client 360 page and the block-hour balance on the contract page.

use serde_json::{Map, Value};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::commercial::{self, HourPolicy, Proposal};
use crate::components::badge::Badge;
use crate::components::custom_fields::{
    CustomFieldInputs, field_names, header_cells, loaded, use_definitions, value_cells,
};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::{enum_label, or_dash};
use crate::hooks::use_fetch;

const PROPOSAL_ENTITY: &str = "CUSTOM_FIELD_ENTITY_PROPOSAL";
const PROPOSAL_TYPES: &[&str] = &["PROPOSAL_TYPE_TECHNICAL", "PROPOSAL_TYPE_FINANCIAL"];
const HOUR_PERIODS: &[&str] = &["HOUR_PERIOD_MONTHLY", "HOUR_PERIOD_QUARTERLY", "HOUR_PERIOD_ANNUALLY"];

/// The lifecycle actions a proposal in `status` offers: (label, verb).
fn proposal_actions(status: &str) -> &'static [(&'static str, &'static str)] {
    match status {
        "PROPOSAL_STATUS_DRAFT" => &[("Submit", "submit")],
        "PROPOSAL_STATUS_SUBMITTED" => &[("Accept", "accept"), ("Reject", "reject")],
        _ => &[],
    }
}

/// Props of [`ProposalsCard`].
#[derive(Properties, PartialEq)]
pub struct ProposalsCardProps {
    /// The company.
    pub company_id: AttrValue,
}

/// The company's proposals with their status and actions, and a form for a new one.
#[function_component(ProposalsCard)]
pub fn proposals_card(props: &ProposalsCardProps) -> Html {
    let reload = use_state(|| 0u32);
    let company_id = props.company_id.to_string();
    let list =
        use_fetch(
            (company_id.clone(), *reload),
            |(id, _)| async move { commercial::list_company_proposals(&id).await },
        );
    let title = use_state(String::new);
    let kind = use_state(|| PROPOSAL_TYPES[1].to_owned());
    let value = use_state(String::new);
    let currency = use_state(|| "USD".to_owned());
    let valid_until = use_state(String::new);
    let custom = use_state(Map::<String, Value>::new);
    let defs = use_definitions(PROPOSAL_ENTITY);
    let defs = loaded(&defs);
    let error = use_state(|| None::<ApiError>);
    let bump = {
        let reload = reload.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    let onsubmit = {
        let (title, kind, value, currency, valid_until, custom, error, bump) = (
            title.clone(),
            kind.clone(),
            value.clone(),
            currency.clone(),
            valid_until.clone(),
            custom.clone(),
            error.clone(),
            bump.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let p = Proposal {
                title: (*title).clone(),
                proposal_type: (*kind).clone(),
                company_id: company_id.clone(),
                value: (*value).clone(),
                currency: (*currency).clone(),
                valid_until: (*valid_until).clone(),
                custom_fields: (*custom).clone(),
                ..Default::default()
            };
            let (title, custom, error, bump) = (title.clone(), custom.clone(), error.clone(), bump.clone());
            spawn_local(async move {
                match commercial::create_proposal(&p).await {
                    Ok(_) => {
                        title.set(String::new());
                        custom.set(Map::new());
                        error.set(None);
                        bump.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let act = |id: String, verb: &'static str| {
        let (error, bump) = (error.clone(), bump.clone());
        Callback::from(move |_: MouseEvent| {
            let (id, error, bump) = (id.clone(), error.clone(), bump.clone());
            spawn_local(async move {
                match commercial::proposal_action(&id, verb).await {
                    Ok(_) => bump.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let on_custom = {
        let custom = custom.clone();
        Callback::from(move |v: Map<String, Value>| custom.set(v))
    };
    let err = (*error).clone();
    let fe = |name: &str| err.as_ref().and_then(|e| e.field(name));
    let mut known: Vec<String> =
        ["proposal.title", "proposal.value", "proposal.currency", "proposal.validUntil"].map(str::to_owned).to_vec();
    known.extend(field_names(&defs));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    html! {
        <section class="card" id="company-proposals">
            <div class="card-header"><h2>{ "Proposals" }</h2></div>
            { match &list.result {
                None => html! { <Loading /> },
                Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
                Some(Ok(items)) if items.is_empty() => html! { <Empty title="No proposals yet." /> },
                Some(Ok(items)) => html! {
                    <table class="table" id="proposals-table">
                        <thead><tr>
                            <th>{ "Title" }</th><th>{ "Type" }</th><th>{ "Value" }</th>
                            <th>{ "Valid until" }</th><th>{ "Version" }</th><th>{ "Status" }</th>
                            { header_cells(&defs) }
                            <th />
                        </tr></thead>
                        <tbody>
                            { for items.iter().map(|p| html! {
                                <tr data-testid="proposal-row" data-id={p.id.clone()}>
                                    <td>{ &p.title }</td>
                                    <td>{ enum_label(&p.proposal_type) }</td>
                                    <td>{ format!("{} {}", p.value, p.currency) }</td>
                                    <td>{ or_dash(&p.valid_until) }</td>
                                    <td>{ p.version }</td>
                                    <td><Badge kind="proposal-status" value={p.status.clone()} /></td>
                                    { value_cells(&defs, &p.custom_fields) }
                                    <td>
                                        { for proposal_actions(&p.status).iter().map(|(label, verb)| html! {
                                            <button class="btn btn-small" data-action={*verb}
                                                onclick={act(p.id.clone(), verb)}>{ *label }</button>
                                        }) }
                                    </td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                },
            } }
            <form class="inline-form" id="proposal-form" {onsubmit} novalidate=true>
                if let Some(err) = &err { { form_error(err, &known) } }
                <Field label="Title" id="proposal-title" required=true error={fe("proposal.title")}>
                    <input id="proposal-title" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Type" id="proposal-type">
                    <select id="proposal-type" onchange={bind_select(&kind)}>{ enum_options(PROPOSAL_TYPES, &kind, None) }</select>
                </Field>
                <Field label="Value" id="proposal-value" error={fe("proposal.value")}>
                    <input id="proposal-value" inputmode="decimal" value={(*value).clone()} oninput={bind(&value)} />
                </Field>
                <Field label="Currency" id="proposal-currency" error={fe("proposal.currency")}>
                    <input id="proposal-currency" value={(*currency).clone()} oninput={bind(&currency)} />
                </Field>
                <Field label="Valid until" id="proposal-valid-until" error={fe("proposal.validUntil")}>
                    <input id="proposal-valid-until" type="date" value={(*valid_until).clone()} oninput={bind(&valid_until)} />
                </Field>
                <CustomFieldInputs entity={PROPOSAL_ENTITY} id_prefix="proposal" values={(*custom).clone()}
                    on_change={on_custom} error={err.clone()} />
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary" id="proposal-submit">{ "Add proposal" }</button>
                </div>
            </form>
        </section>
    }
}

/// Props of [`HourBalanceCard`].
#[derive(Properties, PartialEq)]
pub struct HourBalanceCardProps {
    /// The contract.
    pub contract_id: AttrValue,
    /// Whether the user may change the policy.
    #[prop_or_default]
    pub editable: bool,
}

/// The contract's block-hour balance per period, and its policy form.
#[function_component(HourBalanceCard)]
pub fn hour_balance_card(props: &HourBalanceCardProps) -> Html {
    let reload = use_state(|| 0u32);
    let contract_id = props.contract_id.to_string();
    let balance =
        use_fetch((contract_id.clone(), *reload), |(id, _)| async move { commercial::hour_balance(&id).await });
    let included = use_state(String::new);
    let period = use_state(|| HOUR_PERIODS[0].to_owned());
    let rollover = use_state(|| false);
    let cap = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (included, period, rollover, cap, error, reload) =
            (included.clone(), period.clone(), rollover.clone(), cap.clone(), error.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let policy = HourPolicy {
                included_hours: (*included).clone(),
                period: (*period).clone(),
                rollover_allowed: *rollover,
                rollover_cap_hours: (*cap).clone(),
            };
            let (id, error, reload) = (contract_id.clone(), error.clone(), reload.clone());
            spawn_local(async move {
                match commercial::set_hour_policy(&id, &policy).await {
                    Ok(_) => {
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let toggle = {
        let rollover = rollover.clone();
        Callback::from(move |_: Event| rollover.set(!*rollover))
    };
    let err = (*error).clone();
    let fe = |name: &str| err.as_ref().and_then(|e| e.field(name));
    html! {
        <section class="card" id="contract-hour-balance">
            <div class="card-header"><h2>{ "Block hours" }</h2></div>
            { match &balance.result {
                None => html! { <Loading /> },
                Some(Err(e)) if e.code == "FAILED_PRECONDITION" => html! { <Empty title="No block-hour policy yet." hint="Set how many hours each period includes." /> },
                Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
                Some(Ok(b)) => html! {
                    <>
                        <p class="muted" id="hour-policy">
                            { format!("{} hours {}", b.policy.included_hours, enum_label(&b.policy.period).to_lowercase()) }
                            if b.policy.rollover_allowed {
                                { format!(", rollover up to {}", if b.policy.rollover_cap_hours.is_empty() { "no cap".to_owned() } else { format!("{} hours", b.policy.rollover_cap_hours) }) }
                            }
                        </p>
                        <table class="table" id="hour-periods">
                            <thead><tr>
                                <th>{ "Period" }</th><th>{ "Included" }</th><th>{ "Rollover" }</th>
                                <th>{ "Used" }</th><th>{ "Remaining" }</th>
                            </tr></thead>
                            <tbody>
                                { for b.periods.iter().rev().map(|p| html! {
                                    <tr data-testid="hour-period">
                                        <td>{ format!("{} – {}", p.start_date, p.end_date) }</td>
                                        <td>{ &p.included_hours }</td>
                                        <td>{ &p.rollover_hours }</td>
                                        <td>{ &p.used_hours }</td>
                                        <td class={classes!(p.remaining_hours.starts_with('-').then_some("negative"))}>{ &p.remaining_hours }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </>
                },
            } }
            if props.editable {
                <form class="inline-form" id="hour-policy-form" {onsubmit} novalidate=true>
                    if let Some(err) = &err {
                        { form_error(err, &["policy.includedHours", "policy.rolloverCapHours"]) }
                    }
                    <Field label="Hours per period" id="policy-included" required=true error={fe("policy.includedHours")}>
                        <input id="policy-included" inputmode="decimal" value={(*included).clone()} oninput={bind(&included)} />
                    </Field>
                    <Field label="Period" id="policy-period">
                        <select id="policy-period" onchange={bind_select(&period)}>{ enum_options(HOUR_PERIODS, &period, None) }</select>
                    </Field>
                    <Field label="Rollover" id="policy-rollover">
                        <input id="policy-rollover" type="checkbox" checked={*rollover} onchange={toggle} />
                    </Field>
                    <Field label="Rollover cap (hours)" id="policy-cap" error={fe("policy.rolloverCapHours")}>
                        <input id="policy-cap" inputmode="decimal" value={(*cap).clone()} oninput={bind(&cap)} />
                    </Field>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-secondary" id="policy-submit">{ "Set policy" }</button>
                    </div>
                </form>
            }
        </section>
    }
}
