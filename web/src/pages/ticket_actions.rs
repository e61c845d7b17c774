//! The ticket page's Actions card (users with `tickets.write`): the ticket's links (contract of
//! the company, asset and project ids) and custom fields, tags, the parent ticket, merge into
//! another ticket of the company and split notes off into a new ticket (proto
//! `TicketActionService`, `psa/tickets/v1/ticket_actions.proto`). Merging and splitting open
//! the ticket they lead to.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError, ListQuery, Ticket, desk};
use crate::app::Route;
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select};
use crate::hooks::use_fetch;
use crate::pages::ticket_new::{custom_inputs, custom_object, custom_text};

/// Props of [`TicketActions`].
#[derive(Properties, PartialEq)]
pub struct TicketActionsProps {
    /// The ticket as loaded.
    pub ticket: Ticket,
    /// Called with the ticket after a change that keeps the user on it (tags, parent).
    pub on_updated: Callback<Ticket>,
}

/// Tags, parent, merge and split.
#[function_component(TicketActions)]
pub fn ticket_actions(props: &TicketActionsProps) -> Html {
    let t = &props.ticket;
    let navigator = use_navigator();
    let tags = use_state(|| t.tags.join(", "));
    let parent = use_state(|| t.parent_ticket_id.clone());
    let target = use_state(String::new);
    let split_title = use_state(String::new);
    let split_notes = use_state(Vec::<String>::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let contract = use_state(|| t.contract_id.clone());
    let asset = use_state(|| t.asset_id.clone());
    let project = use_state(|| t.project_id.clone());
    let stored: std::collections::BTreeMap<String, String> = t
        .custom_fields
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), custom_text(v))).collect())
        .unwrap_or_default();
    let custom = use_state(|| stored.clone());
    let defs = use_fetch((), |_| async {
        let all = desk::list(desk::CUSTOM_FIELDS).await.unwrap_or_default();
        Ok(all.into_iter().filter(|d| d["active"].as_bool().unwrap_or(true)).collect::<Vec<_>>())
    });
    let defs = match &defs.result {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    let contracts = use_fetch(t.company_id.clone(), |company| async move {
        let query = ListQuery {
            filter: format!("company_id={}", api::quote(&company)),
            page_size: 100,
            ..ListQuery::default()
        };
        Ok(crate::api::catalog::list_contracts(&query).await.map(|p| p.contracts).unwrap_or_default())
    });
    let contracts = match &contracts.result {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    // The company's other tickets (newest first), for the parent and merge pickers.
    let others = use_fetch((t.company_id.clone(), t.id.clone()), |(company, own)| async move {
        let query = ListQuery { filter: format!("company_id=\"{company}\""), page_size: 100, ..ListQuery::default() };
        api::list_tickets(&query).await.map(|p| p.tickets.into_iter().filter(|x| x.id != own).collect::<Vec<_>>())
    });
    let others: Vec<Ticket> = match &others.result {
        Some(Ok(list)) => list.clone(),
        _ => Vec::new(),
    };
    let notes = use_fetch((t.id.clone(), t.update_time.clone()), |(id, _)| async move { api::list_notes(&id).await });
    let notes = match &notes.result {
        Some(Ok(list)) => list.clone(),
        _ => Vec::new(),
    };
    // Runs `call`; on success hands its ticket to `done`.
    let run = {
        let (error, busy) = (error.clone(), busy.clone());
        move |call: std::pin::Pin<Box<dyn std::future::Future<Output = api::ApiResult<Ticket>>>>,
              done: Callback<Ticket>| {
            if *busy {
                return;
            }
            busy.set(true);
            let (error, busy) = (error.clone(), busy.clone());
            spawn_local(async move {
                match call.await {
                    Ok(t) => {
                        error.set(None);
                        done.emit(t);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    let open = {
        let navigator = navigator.clone();
        Callback::from(move |t: Ticket| {
            if let Some(nav) = &navigator {
                nav.push(&Route::Ticket { id: t.id });
            }
        })
    };
    let save_details = {
        let (run, id, done) = (run.clone(), t.id.clone(), props.on_updated.clone());
        let (contract, asset, project, custom, defs) =
            (contract.clone(), asset.clone(), project.clone(), custom.clone(), defs.clone());
        let (old_contract, old_asset, old_project, old_custom) =
            (t.contract_id.clone(), t.asset_id.clone(), t.project_id.clone(), t.custom_fields.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut patch = serde_json::Map::new();
            for (key, old, new) in [
                ("contractId", &old_contract, &*contract),
                ("assetId", &old_asset, &*asset),
                ("projectId", &old_project, &*project),
            ] {
                if old.trim() != new.trim() {
                    patch.insert(key.into(), new.trim().into());
                }
            }
            let fields = serde_json::Value::Object(custom_object(&defs, &custom));
            let unchanged =
                fields == old_custom || (fields.as_object().is_some_and(|m| m.is_empty()) && old_custom.is_null());
            if !unchanged {
                patch.insert("customFields".into(), fields);
            }
            if patch.is_empty() {
                return;
            }
            let (id, body) = (id.clone(), serde_json::Value::Object(patch));
            run(Box::pin(async move { api::update_ticket(&id, &body).await }), done.clone());
        })
    };
    let save_tags = {
        let (run, id, tags, done) = (run.clone(), t.id.clone(), tags.clone(), props.on_updated.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let list: Vec<String> =
                tags.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect();
            let id = id.clone();
            run(Box::pin(async move { api::set_ticket_tags(&id, &list).await }), done.clone());
        })
    };
    let save_parent = {
        let (run, id, parent, done) = (run.clone(), t.id.clone(), parent.clone(), props.on_updated.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (id, to) = (id.clone(), (*parent).clone());
            run(Box::pin(async move { api::set_ticket_parent(&id, &to).await }), done.clone());
        })
    };
    let merge = {
        let (run, id, target, open) = (run.clone(), t.id.clone(), target.clone(), open.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (id, to) = (id.clone(), (*target).clone());
            run(Box::pin(async move { api::merge_ticket(&id, &to).await }), open.clone());
        })
    };
    let split = {
        let (run, id, title, chosen, open) =
            (run.clone(), t.id.clone(), split_title.clone(), split_notes.clone(), open.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (id, title, chosen) = (id.clone(), title.trim().to_owned(), (*chosen).clone());
            run(Box::pin(async move { api::split_ticket(&id, &title, &chosen).await }), open.clone());
        })
    };
    let toggle_note = |note: String| {
        let chosen = split_notes.clone();
        Callback::from(move |_: Event| {
            let mut next = (*chosen).clone();
            if let Some(i) = next.iter().position(|n| *n == note) {
                next.remove(i);
            } else {
                next.push(note.clone());
            }
            chosen.set(next);
        })
    };
    let label = |x: &Ticket| format!("{} — {}", x.number, x.title);
    let err = (*error).clone();
    let fe = |f: &str| err.as_ref().and_then(|e| e.field(f));
    let merged = !t.merged_into_ticket_id.is_empty();
    html! {
        <section class="card" id="ticket-actions">
            <div class="card-header"><h2>{ "Actions" }</h2></div>
            if let Some(err) = &err {
                { form_error(err, &["tags", "parent_ticket_id", "target_ticket_id", "title", "note_ids", "contract_id", "asset_id", "project_id"]) }
            }
            <dl class="props">
                if !t.parent_ticket_id.is_empty() {
                    <dt>{ "Parent" }</dt>
                    <dd id="ticket-parent">
                        <Link<Route> to={Route::Ticket { id: t.parent_ticket_id.clone() }}>
                            { others.iter().find(|x| x.id == t.parent_ticket_id).map_or_else(|| "Parent ticket".to_owned(), label) }
                        </Link<Route>>
                    </dd>
                }
                if merged {
                    <dt>{ "Merged into" }</dt>
                    <dd id="ticket-merged-into">
                        <Link<Route> to={Route::Ticket { id: t.merged_into_ticket_id.clone() }}>{ "Open the ticket it was merged into" }</Link<Route>>
                    </dd>
                }
            </dl>
            <form class="inline-form" id="ticket-details-form" onsubmit={save_details} novalidate=true>
                <div class="form-grid">
                    <Field label="Contract" id="ticket-contract" error={fe("contract_id")}>
                        <select id="ticket-contract" onchange={bind_select(&contract)}>
                            <option value="" selected={contract.is_empty()}>{ "None" }</option>
                            { for contracts.iter().map(|k| html! {
                                <option value={k.id.clone()} selected={k.id == *contract}>{ format!("{} — {}", k.number, k.name) }</option>
                            }) }
                        </select>
                    </Field>
                    <Field label="Asset id" id="ticket-asset" error={fe("asset_id")}>
                        <input id="ticket-asset" class="mono" value={(*asset).clone()} oninput={bind(&asset)} />
                    </Field>
                    <Field label="Project id" id="ticket-project" error={fe("project_id")}>
                        <input id="ticket-project" class="mono" value={(*project).clone()} oninput={bind(&project)} />
                    </Field>
                    { custom_inputs(&defs, &custom, "ticket-edit", err.as_ref()) }
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary btn-small" id="ticket-details-submit" disabled={*busy}>{ "Save details" }</button>
                </div>
            </form>
            <form class="inline-form" id="ticket-tags-form" onsubmit={save_tags} novalidate=true>
                <Field label="Tags (comma separated)" id="ticket-tags" error={fe("tags")}>
                    <input id="ticket-tags" value={(*tags).clone()} oninput={bind(&tags)} placeholder="vpn, onboarding" />
                </Field>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary btn-small" id="ticket-tags-submit" disabled={*busy}>{ "Save tags" }</button>
                </div>
            </form>
            <form class="inline-form" id="ticket-parent-form" onsubmit={save_parent} novalidate=true>
                <Field label="Parent ticket" id="ticket-parent-select" error={fe("parent_ticket_id")}>
                    <select id="ticket-parent-select" onchange={bind_select(&parent)}>
                        <option value="" selected={parent.is_empty()}>{ "None" }</option>
                        { for others.iter().map(|x| html! {
                            <option value={x.id.clone()} selected={x.id == *parent}>{ label(x) }</option>
                        }) }
                    </select>
                </Field>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary btn-small" id="ticket-parent-submit" disabled={*busy}>{ "Set parent" }</button>
                </div>
            </form>
            if !merged {
                <form class="inline-form" id="ticket-merge-form" onsubmit={merge} novalidate=true>
                    <Field label="Merge into" id="ticket-merge-target" error={fe("target_ticket_id")}>
                        <select id="ticket-merge-target" onchange={bind_select(&target)}>
                            <option value="" selected={target.is_empty()}>{ "Choose a ticket of this company" }</option>
                            { for others.iter().filter(|x| x.merged_into_ticket_id.is_empty()).map(|x| html! {
                                <option value={x.id.clone()} selected={x.id == *target}>{ label(x) }</option>
                            }) }
                        </select>
                    </Field>
                    <p class="muted small">{ "Notes, time and child tickets move to the chosen ticket; this one closes." }</p>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-secondary btn-small" id="ticket-merge-submit"
                            disabled={*busy || target.is_empty()}>{ "Merge" }</button>
                    </div>
                </form>
                if !notes.is_empty() {
                    <form class="inline-form" id="ticket-split-form" onsubmit={split} novalidate=true>
                        <Field label="Split notes into a new ticket titled" id="ticket-split-title" error={fe("title")}>
                            <input id="ticket-split-title" value={(*split_title).clone()} oninput={bind(&split_title)} />
                        </Field>
                        <div class="checkbox-group" id="ticket-split-notes">
                            { for notes.iter().map(|n| {
                                let preview: String = n.body.chars().take(60).collect();
                                html! {
                                    <label class="checkbox">
                                        <input type="checkbox" data-note={n.id.clone()} checked={split_notes.contains(&n.id)}
                                            onchange={toggle_note(n.id.clone())} />
                                        { preview }
                                    </label>
                                }
                            }) }
                        </div>
                        if let Some(e) = fe("note_ids") { <p class="field-error">{ e }</p> }
                        <div class="form-actions">
                            <button type="submit" class="btn btn-secondary btn-small" id="ticket-split-submit"
                                disabled={*busy || split_notes.is_empty()}>{ "Split" }</button>
                        </div>
                    </form>
                }
            }
        </section>
    }
}
