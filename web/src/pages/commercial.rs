//! Proposals on the Client 360 page (create, revise with versions, submit, accept / reject
//! with a reason) and the block-hour balance on the contract page.

use serde_json::{Map, Value};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::catalog;
use crate::api::clients::{self, User};
use crate::api::commercial::{self, HourPolicy, Proposal};
use crate::components::badge::Badge;
use crate::components::custom_fields::{
    CustomFieldInputs, field_names, header_cells, loaded, use_definitions, value_cells,
};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options, event_value};
use crate::format::{datetime, enum_label, or_dash};
use crate::hooks::{submit, use_fetch};
use crate::pages::documents::{id_options, use_scopes};

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

/// What is open for one proposal, under the table: its edit form or its accept/reject form.
#[derive(Clone, Copy, PartialEq)]
enum Panel {
    Edit,
    Accept,
    Reject,
}

/// The name of staff user `id` among `users`; `—` when empty, the id when unknown.
fn user_name(users: &[User], id: &str) -> String {
    if id.is_empty() {
        return "—".into();
    }
    users.iter().find(|u| u.id == id).map_or_else(|| id.to_owned(), User::label)
}

/// `<option>`s of the staff users after an "Unassigned" one, `selected` on `current`.
fn user_options(users: &[User], current: &str) -> Html {
    let options: Vec<(String, String)> = users.iter().map(|u| (u.id.clone(), u.label())).collect();
    html! {
        <>
            <option value="" selected={current.is_empty()}>{ "Unassigned" }</option>
            { for options.iter().map(|(id, label)| html! {
                <option value={id.clone()} selected={id == current}>{ label }</option>
            }) }
        </>
    }
}

/// Props of [`ProposalsCard`].
#[derive(Properties, PartialEq)]
pub struct ProposalsCardProps {
    /// The company.
    pub company_id: AttrValue,
}

/// The company's proposals: list (assignee, version, status with the decision reason, custom
/// fields), per row Submit, Accept / Reject with a reason, Edit (a revision makes a new version)
/// and History (every version); and a form for a new one (description, assignee, a contract of
/// the company and a service scope of it that accepting activates). The assignee picker is
/// shown when the staff list can be read (`users.read`), the contract picker when the
/// company's contracts can.
#[function_component(ProposalsCard)]
pub fn proposals_card(props: &ProposalsCardProps) -> Html {
    let reload = use_state(|| 0u32);
    let company_id = props.company_id.to_string();
    let list =
        use_fetch(
            (company_id.clone(), *reload),
            |(id, _)| async move { commercial::list_company_proposals(&id).await },
        );
    let users = use_fetch((), |()| async { clients::list_users().await });
    let users: Option<Vec<User>> = users.result.clone().and_then(Result::ok).filter(|u| !u.is_empty());
    let contracts = use_fetch(company_id.clone(), |id| async move { catalog::list_company_contracts(&id).await });
    let contracts: Option<Vec<(String, String)>> = contracts
        .result
        .clone()
        .and_then(Result::ok)
        .filter(|list| !list.is_empty())
        .map(|list| list.iter().map(|c| (c.id.clone(), format!("{} · {}", c.number, c.name))).collect());
    let title = use_state(String::new);
    let description = use_state(String::new);
    let kind = use_state(|| PROPOSAL_TYPES[1].to_owned());
    let value = use_state(String::new);
    let currency = use_state(|| "USD".to_owned());
    let valid_until = use_state(String::new);
    let assignee = use_state(String::new);
    let contract = use_state(String::new);
    let scope = use_state(String::new);
    let scopes = use_scopes((*contract).clone(), 0);
    let custom = use_state(Map::<String, Value>::new);
    let defs = use_definitions(PROPOSAL_ENTITY);
    let defs = loaded(&defs);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let action_error = use_state(|| None::<ApiError>);
    let acting = use_state(|| false);
    let open = use_state(|| None::<(String, Panel)>);
    let history = use_state(Vec::<String>::new);
    let bump = {
        let reload = reload.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    let onsubmit = {
        let p = Proposal {
            title: (*title).clone(),
            description: (*description).clone(),
            proposal_type: (*kind).clone(),
            company_id: company_id.clone(),
            contract_id: (*contract).clone(),
            service_scope_id: (*scope).clone(),
            value: value.trim().to_owned(),
            currency: currency.trim().to_owned(),
            valid_until: (*valid_until).clone(),
            assignee_id: (*assignee).clone(),
            custom_fields: (*custom).clone(),
            ..Default::default()
        };
        // After a create: the next proposal starts with a fresh title, text, links and fields.
        let created = {
            let (title, description, contract, scope, custom, bump) =
                (title.clone(), description.clone(), contract.clone(), scope.clone(), custom.clone(), bump.clone());
            Callback::from(move |()| {
                title.set(String::new());
                description.set(String::new());
                contract.set(String::new());
                scope.set(String::new());
                custom.set(Map::new());
                bump.emit(());
            })
        };
        let (busy, error) = (busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let p = p.clone();
            submit(&busy, &error, &created, async move { commercial::create_proposal(&p).await });
        })
    };
    let on_contract = {
        let (contract, scope) = (contract.clone(), scope.clone());
        Callback::from(move |e: Event| {
            contract.set(event_value(&e));
            scope.set(String::new());
        })
    };
    let submit_row = |id: String| {
        let (acting, action_error, bump) = (acting.clone(), action_error.clone(), bump.clone());
        Callback::from(move |_: MouseEvent| {
            let id = id.clone();
            submit(&acting, &action_error, &bump, async move { commercial::submit_proposal(&id).await });
        })
    };
    let show = |id: String, panel: Panel| {
        let (open, action_error) = (open.clone(), action_error.clone());
        Callback::from(move |_: MouseEvent| {
            action_error.set(None);
            let same = open.as_ref().is_some_and(|(i, p)| *i == id && *p == panel);
            open.set(if same { None } else { Some((id.clone(), panel)) });
        })
    };
    let toggle_history = |id: String| {
        let history = history.clone();
        Callback::from(move |_: MouseEvent| {
            let mut ids = (*history).clone();
            if let Some(i) = ids.iter().position(|x| *x == id) {
                ids.remove(i);
            } else {
                ids.push(id.clone());
            }
            history.set(ids);
        })
    };
    let close = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(None))
    };
    let done = {
        let (open, bump) = (open.clone(), bump.clone());
        Callback::from(move |()| {
            open.set(None);
            bump.emit(());
        })
    };
    let on_custom = {
        let custom = custom.clone();
        Callback::from(move |v: Map<String, Value>| custom.set(v))
    };
    let staff = users.clone().unwrap_or_default();
    let columns = (defs.len() + 8).to_string();
    let err = (*error).clone();
    let fe = |name: &str| err.as_ref().and_then(|e| e.field(name));
    let mut known: Vec<String> = [
        "proposal.title",
        "proposal.description",
        "proposal.value",
        "proposal.currency",
        "proposal.validUntil",
        "proposal.assigneeId",
        "proposal.contractId",
        "proposal.serviceScopeId",
    ]
    .map(str::to_owned)
    .to_vec();
    known.extend(field_names(&defs));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let row = |p: &Proposal| {
        html! { <>
            <tr data-testid="proposal-row" data-id={p.id.clone()} data-status={p.status.clone()}>
                <td class="cell-strong">{ &p.title }</td>
                <td>{ enum_label(&p.proposal_type) }</td>
                <td>{ format!("{} {}", p.value, p.currency) }</td>
                <td>{ or_dash(&p.valid_until) }</td>
                <td class="proposal-version">{ p.version }</td>
                <td class="proposal-assignee">{ user_name(&staff, &p.assignee_id) }</td>
                <td>
                    <Badge kind="proposal-status" value={p.status.clone()} />
                    if !p.decision_reason.is_empty() {
                        <div class="muted small proposal-reason">{ &p.decision_reason }</div>
                    }
                </td>
                { value_cells(&defs, &p.custom_fields) }
                <td class="row-actions">
                    { for proposal_actions(&p.status).iter().map(|(label, verb)| {
                        let onclick = match *verb {
                            "accept" => show(p.id.clone(), Panel::Accept),
                            "reject" => show(p.id.clone(), Panel::Reject),
                            _ => submit_row(p.id.clone()),
                        };
                        html! { <button type="button" class="btn btn-small" data-action={*verb} {onclick}>{ *label }</button> }
                    }) }
                    if p.is_open() {
                        <button type="button" class="btn btn-small" data-action="edit"
                            onclick={show(p.id.clone(), Panel::Edit)}>{ "Edit" }</button>
                    }
                    <button type="button" class="btn btn-small btn-ghost" data-action="history"
                        onclick={toggle_history(p.id.clone())}>
                        { if history.contains(&p.id) { "Hide history" } else { "History" } }
                    </button>
                </td>
            </tr>
            if history.contains(&p.id) {
                <tr class="row-form"><td colspan={columns.clone()}>
                    <ProposalHistory id={p.id.clone()} version={p.version} users={staff.clone()} />
                </td></tr>
            }
        </> }
    };
    // The edit or accept/reject form of the open proposal, under the table (the table scrolls
    // sideways in a narrow column; the form should not).
    let panel = |items: &[Proposal]| -> Html {
        let Some((p, panel)) =
            open.as_ref().and_then(|(id, panel)| items.iter().find(|p| p.id == *id).map(|p| (p, *panel)))
        else {
            return html! {};
        };
        let key = format!("{}-{}", p.id, panel as u8);
        match panel {
            Panel::Edit => html! {
                <EditProposal {key} proposal={p.clone()} users={users.clone()} on_saved={done.clone()}
                    on_cancel={close.clone()} />
            },
            decision => html! {
                <DecideProposal {key} proposal={p.clone()} accept={decision == Panel::Accept}
                    on_done={done.clone()} on_cancel={close.clone()} />
            },
        }
    };
    html! {
        <section class="card" id="company-proposals">
            <div class="card-header"><h2>{ "Proposals" }</h2></div>
            if let Some(e) = &*action_error { <ErrorBanner error={e.clone()} /> }
            { match &list.result {
                None => html! { <Loading /> },
                Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
                Some(Ok(items)) if items.is_empty() => html! { <Empty title="No proposals yet." /> },
                Some(Ok(items)) => html! { <>
                    <div class="table-wrap">
                        <table class="table" id="proposals-table">
                            <thead><tr>
                                <th>{ "Title" }</th><th>{ "Type" }</th><th>{ "Value" }</th>
                                <th>{ "Valid until" }</th><th>{ "Version" }</th><th>{ "Assignee" }</th>
                                <th>{ "Status" }</th>
                                { header_cells(&defs) }
                                <th />
                            </tr></thead>
                            <tbody>{ for items.iter().map(row) }</tbody>
                        </table>
                    </div>
                    { panel(items) }
                </>},
            } }
            <form class="inline-form" id="proposal-form" {onsubmit} novalidate=true>
                <h3>{ "New proposal" }</h3>
                if let Some(err) = &err { { form_error(err, &known) } }
                <div class="form-grid">
                    <Field label="Title" id="proposal-title" required=true error={fe("proposal.title")}>
                        <input id="proposal-title" type="text" value={(*title).clone()} oninput={bind(&title)} />
                    </Field>
                    <Field label="Description" id="proposal-description" class="field-wide" error={fe("proposal.description")}>
                        <textarea id="proposal-description" rows="3" value={(*description).clone()} oninput={bind(&description)} />
                    </Field>
                    <Field label="Type" id="proposal-type">
                        <select id="proposal-type" onchange={bind_select(&kind)}>{ enum_options(PROPOSAL_TYPES, &kind, None) }</select>
                    </Field>
                    <Field label="Value" id="proposal-value" error={fe("proposal.value")}>
                        <input id="proposal-value" type="text" inputmode="decimal" value={(*value).clone()} oninput={bind(&value)} />
                    </Field>
                    <Field label="Currency" id="proposal-currency" error={fe("proposal.currency")}>
                        <input id="proposal-currency" type="text" value={(*currency).clone()} oninput={bind(&currency)} />
                    </Field>
                    <Field label="Valid until" id="proposal-valid-until" error={fe("proposal.validUntil")}>
                        <input id="proposal-valid-until" type="date" value={(*valid_until).clone()} oninput={bind(&valid_until)} />
                    </Field>
                    if let Some(users) = &users {
                        <Field label="Assignee" id="proposal-assignee" error={fe("proposal.assigneeId")}>
                            <select id="proposal-assignee" onchange={bind_select(&assignee)}>{ user_options(users, &assignee) }</select>
                        </Field>
                    }
                    if let Some(contracts) = &contracts {
                        <Field label="Contract" id="proposal-contract" error={fe("proposal.contractId")}>
                            <select id="proposal-contract" onchange={on_contract}>{ id_options(contracts, &contract) }</select>
                        </Field>
                    }
                    if !contract.is_empty() {
                        <Field label="Service scope (activated on accept)" id="proposal-scope" error={fe("proposal.serviceScopeId")}>
                            <select id="proposal-scope" onchange={bind_select(&scope)}>{ id_options(&scopes, &scope) }</select>
                        </Field>
                    }
                    <CustomFieldInputs entity={PROPOSAL_ENTITY} id_prefix="proposal" values={(*custom).clone()}
                        on_change={on_custom} error={err.clone()} />
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary" id="proposal-submit" disabled={*busy}>{ "Add proposal" }</button>
                </div>
            </form>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EditProposalProps {
    proposal: Proposal,
    /// Staff users for the assignee picker; `None` hides it.
    users: Option<Vec<User>>,
    on_saved: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

/// The revision form of an open proposal: PATCHes only the changed fields (a content change
/// makes a new version). Ids `proposal-edit-…`.
#[function_component(EditProposal)]
fn edit_proposal(props: &EditProposalProps) -> Html {
    let p = &props.proposal;
    let title = use_state(|| p.title.clone());
    let description = use_state(|| p.description.clone());
    let value = use_state(|| p.value.clone());
    let currency = use_state(|| p.currency.clone());
    let valid_until = use_state(|| p.valid_until.clone());
    let assignee = use_state(|| p.assignee_id.clone());
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let onsubmit = {
        let mut patch = Map::new();
        let mut put = |key: &str, now: String, was: &str| {
            if now != was {
                patch.insert(key.to_owned(), Value::String(now));
            }
        };
        put("title", title.trim().to_owned(), &p.title);
        put("description", (*description).clone(), &p.description);
        put("value", value.trim().to_owned(), &p.value);
        put("currency", currency.trim().to_owned(), &p.currency);
        put("validUntil", (*valid_until).clone(), &p.valid_until);
        if props.users.is_some() {
            put("assigneeId", (*assignee).clone(), &p.assignee_id);
        }
        let (id, error, busy, on_saved) = (p.id.clone(), error.clone(), busy.clone(), props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if patch.is_empty() {
                on_saved.emit(());
                return;
            }
            let (id, patch) = (id.clone(), Value::Object(patch.clone()));
            submit(&busy, &error, &on_saved, async move { commercial::update_proposal(&id, &patch).await });
        })
    };
    let err = (*error).clone();
    let fe = |name: &str| err.as_ref().and_then(|e| e.field(name));
    let known = ["title", "description", "value", "currency", "validUntil", "assigneeId"];
    html! {
        <form class="inline-form" id="proposal-edit-form" data-id={p.id.clone()} {onsubmit} novalidate=true>
            <h3>{ format!("Revise “{}” (version {})", p.title, p.version) }</h3>
            if let Some(err) = &err { { form_error(err, &known) } }
            <div class="form-grid">
                <Field label="Title" id="proposal-edit-title" required=true error={fe("title")}>
                    <input id="proposal-edit-title" type="text" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Value" id="proposal-edit-value" error={fe("value")}>
                    <input id="proposal-edit-value" type="text" inputmode="decimal" value={(*value).clone()} oninput={bind(&value)} />
                </Field>
                <Field label="Currency" id="proposal-edit-currency" error={fe("currency")}>
                    <input id="proposal-edit-currency" type="text" value={(*currency).clone()} oninput={bind(&currency)} />
                </Field>
                <Field label="Valid until" id="proposal-edit-valid-until" error={fe("validUntil")}>
                    <input id="proposal-edit-valid-until" type="date" value={(*valid_until).clone()} oninput={bind(&valid_until)} />
                </Field>
                if let Some(users) = &props.users {
                    <Field label="Assignee" id="proposal-edit-assignee" error={fe("assigneeId")}>
                        <select id="proposal-edit-assignee" onchange={bind_select(&assignee)}>{ user_options(users, &assignee) }</select>
                    </Field>
                }
                <Field label="Description" id="proposal-edit-description" class="field-wide" error={fe("description")}>
                    <textarea id="proposal-edit-description" rows="3" value={(*description).clone()} oninput={bind(&description)} />
                </Field>
            </div>
            <p class="muted small">{ format!("A change of the title, description, value, currency or date saves version {}.", p.version + 1) }</p>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="proposal-edit-submit" disabled={*busy}>{ "Save" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct DecideProposalProps {
    proposal: Proposal,
    /// Accept (else reject).
    accept: bool,
    on_done: Callback<()>,
    on_cancel: Callback<MouseEvent>,
}

/// Accepting or rejecting a submitted proposal with an optional reason; accepting one linked
/// to a contract or scope offers to activate the scope (checked by default). Ids
/// `proposal-decide-form`, `proposal-reason`, `proposal-activate`, `proposal-decide-submit`.
#[function_component(DecideProposal)]
fn decide_proposal(props: &DecideProposalProps) -> Html {
    let reason = use_state(String::new);
    let activate = use_state(|| true);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let can_activate = props.accept && props.proposal.has_scope();
    let onsubmit = {
        let (id, accept, reason, activate, error, busy, on_done) = (
            props.proposal.id.clone(),
            props.accept,
            reason.trim().to_owned(),
            *activate && can_activate,
            error.clone(),
            busy.clone(),
            props.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (id, reason) = (id.clone(), reason.clone());
            submit(&busy, &error, &on_done, async move {
                if accept {
                    commercial::accept_proposal(&id, &reason, activate).await
                } else {
                    commercial::reject_proposal(&id, &reason).await
                }
            });
        })
    };
    let toggle = {
        let activate = activate.clone();
        Callback::from(move |_: Event| activate.set(!*activate))
    };
    let err = (*error).clone();
    let verb = if props.accept { "Accept" } else { "Reject" };
    html! {
        <form class="inline-form" id="proposal-decide-form" data-id={props.proposal.id.clone()} {onsubmit} novalidate=true>
            <h3>{ format!("{verb} “{}”", props.proposal.title) }</h3>
            if let Some(err) = &err { { form_error(err, &["reason"]) } }
            <div class="form-grid">
                <Field label={format!("Reason to {} (optional)", verb.to_lowercase())} id="proposal-reason"
                    class="field-wide" error={err.as_ref().and_then(|e| e.field("reason"))}>
                    <input id="proposal-reason" type="text" value={(*reason).clone()} oninput={bind(&reason)} />
                </Field>
                if can_activate {
                    <label class="checkbox">
                        <input type="checkbox" id="proposal-activate" checked={*activate} onchange={toggle} />
                        { "Activate the linked service scope" }
                    </label>
                }
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={props.on_cancel.clone()}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="proposal-decide-submit" disabled={*busy}>{ verb }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct ProposalHistoryProps {
    id: String,
    /// The proposal's current version (refetches when it changes).
    version: i32,
    users: Vec<User>,
}

/// Every version of a proposal's content, newest first: table `proposal-history-<id>`, rows
/// `proposal-version-row` with `data-version`.
#[function_component(ProposalHistory)]
fn proposal_history(props: &ProposalHistoryProps) -> Html {
    let versions =
        use_fetch(
            (props.id.clone(), props.version),
            |(id, _)| async move { commercial::list_proposal_versions(&id).await },
        );
    match &versions.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) => html! {
            <table class="table proposal-history" id={format!("proposal-history-{}", props.id)}>
                <thead><tr>
                    <th>{ "Version" }</th><th>{ "Title" }</th><th>{ "Value" }</th>
                    <th>{ "Valid until" }</th><th>{ "By" }</th><th>{ "Created" }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|v| html! {
                        <tr data-testid="proposal-version-row" data-version={v.version.to_string()}>
                            <td>{ format!("v{}", v.version) }</td>
                            <td title={v.description.clone()}>{ &v.title }</td>
                            <td>{ format!("{} {}", v.value, v.currency) }</td>
                            <td>{ or_dash(&v.valid_until) }</td>
                            <td>{ user_name(&props.users, &v.author_id) }</td>
                            <td>{ datetime(&v.create_time) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        },
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
