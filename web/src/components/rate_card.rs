//! The rate-card editor: the card of one target (the tenant default, a company or a contract)
//! with one line per work type (hourly, after-hours and emergency rates per hour in the card's
//! currency; after-hours and emergency default to the hourly rate when left empty). Creates
//! the card (`POST /api/v1/rate-cards`), saves name, currency and every line
//! (`PATCH /api/v1/rate-cards/{id}`), or deletes it. Work types come from the tickets service.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::settings::{self, RateCard, RateCardTarget, RateLine};
use crate::api::time;
use crate::components::feedback::{ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, event_value};
use crate::hooks::use_fetch;

const FIELDS: &[&str] = &["name", "currency"];

/// Props of [`RateCardEditor`].
#[derive(Properties, PartialEq)]
pub struct RateCardEditorProps {
    /// Whose card.
    pub target: RateCardTarget,
    /// Card title.
    pub title: AttrValue,
    /// Shown when the target has no card yet (e.g. which card applies instead).
    #[prop_or_default]
    pub fallback_hint: AttrValue,
    /// Whether the user may change rate cards (`services.write`).
    #[prop_or(true)]
    pub can_write: bool,
}

/// A card (`section#rate-card`) showing the target's rate card with an editor.
#[function_component(RateCardEditor)]
pub fn rate_card_editor(props: &RateCardEditorProps) -> Html {
    let reload = use_state(|| 0u32);
    let card =
        use_fetch(
            (props.target.clone(), *reload),
            |(target, _)| async move { settings::find_rate_card(&target).await },
        );
    let work_types = use_fetch((), |_| async { time::list_work_types().await });
    let editing = use_state(|| None::<RateCard>);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let name = use_state(String::new);
    let currency = use_state(String::new);

    let types = match &work_types.result {
        Some(Ok(t)) => t.clone(),
        _ => Vec::new(),
    };
    let type_name = {
        let types = types.clone();
        move |id: &str| types.iter().find(|t| t.id == id).map_or_else(|| id.to_string(), |t| t.name.clone())
    };
    let start_edit = |c: &RateCard| {
        let (editing, error, name, currency, c) =
            (editing.clone(), error.clone(), name.clone(), currency.clone(), c.clone());
        Callback::from(move |_: MouseEvent| {
            name.set(c.name.clone());
            currency.set(c.currency.clone());
            error.set(None);
            editing.set(Some(c.clone()));
        })
    };
    let new_card = {
        let default_name = match &props.target {
            RateCardTarget::Default => "Standard rates",
            RateCardTarget::Company(_) => "Client rates",
            RateCardTarget::Contract(_) => "Contract rates",
        };
        let fresh = RateCard {
            name: default_name.into(),
            currency: "USD".into(),
            company_id: if let RateCardTarget::Company(id) = &props.target { id.clone() } else { String::new() },
            contract_id: if let RateCardTarget::Contract(id) = &props.target { id.clone() } else { String::new() },
            ..RateCard::default()
        };
        start_edit(&fresh)
    };
    let cancel = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(None))
    };
    let update_line = {
        let editing = editing.clone();
        move |i: usize, field: &'static str, v: String| {
            if let Some(mut card) = (*editing).clone() {
                if let Some(line) = card.lines.get_mut(i) {
                    match field {
                        "work_type" => line.work_type_id = v,
                        "hourly" => line.hourly_rate = v,
                        "after_hours" => line.after_hours_rate = v,
                        _ => line.emergency_rate = v,
                    }
                }
                editing.set(Some(card));
            }
        }
    };
    let set_type = |i: usize| {
        let update_line = update_line.clone();
        Callback::from(move |e: Event| update_line(i, "work_type", event_value(&e)))
    };
    let set_rate = |i: usize, field: &'static str| {
        let update_line = update_line.clone();
        Callback::from(move |e: InputEvent| update_line(i, field, event_value(&e)))
    };
    let remove_line = |i: usize| {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(mut card) = (*editing).clone() {
                card.lines.remove(i);
                editing.set(Some(card));
            }
        })
    };
    let add_line = {
        let (editing, types) = (editing.clone(), types.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(mut card) = (*editing).clone() {
                let unused = types.iter().find(|t| !card.lines.iter().any(|l| l.work_type_id == t.id));
                card.lines.push(RateLine {
                    work_type_id: unused.map(|t| t.id.clone()).unwrap_or_default(),
                    ..RateLine::default()
                });
                editing.set(Some(card));
            }
        })
    };
    let onsubmit = {
        let (editing, error, busy, name, currency, reload, types) = (
            editing.clone(),
            error.clone(),
            busy.clone(),
            name.clone(),
            currency.clone(),
            reload.clone(),
            types.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(mut card) = (*editing).clone() else { return };
            card.name = name.trim().to_string();
            card.currency = currency.trim().to_uppercase();
            for line in &mut card.lines {
                line.hourly_rate = line.hourly_rate.trim().to_string();
                line.after_hours_rate = line.after_hours_rate.trim().to_string();
                line.emergency_rate = line.emergency_rate.trim().to_string();
                line.work_type_name =
                    types.iter().find(|t| t.id == line.work_type_id).map(|t| t.name.clone()).unwrap_or_default();
            }
            let (editing, error, busy, reload) = (editing.clone(), error.clone(), busy.clone(), reload.clone());
            busy.set(true);
            spawn_local(async move {
                let result = if card.id.is_empty() {
                    settings::create_rate_card(&card).await
                } else {
                    settings::update_rate_card(&card).await
                };
                match result {
                    Ok(_) => {
                        error.set(None);
                        editing.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let delete = |id: &str| {
        let (error, reload, id) = (error.clone(), reload.clone(), id.to_string());
        Callback::from(move |_: MouseEvent| {
            let (error, reload, id) = (error.clone(), reload.clone(), id.clone());
            spawn_local(async move {
                match settings::delete_rate_card(&id).await {
                    Ok(_) => {
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };

    let body = if let Some(card) = &*editing {
        let err = (*error).clone();
        let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
        // Line violations come as `rate_card.lines[2].hourly_rate`: shown with the message.
        html! {
            <form class="inline-form" id="rate-card-form" {onsubmit} novalidate=true>
                if let Some(err) = &err { { form_error(err, FIELDS) } }
                <div class="form-grid">
                    <Field label="Name" id="rate-card-name" required=true error={field_error("name")}>
                        <input id="rate-card-name" type="text" maxlength="200" value={(*name).clone()} oninput={bind(&name)} />
                    </Field>
                    <Field label="Currency" id="rate-card-currency" required=true error={field_error("currency")}>
                        <input id="rate-card-currency" type="text" maxlength="3" value={(*currency).clone()} oninput={bind(&currency)} />
                    </Field>
                </div>
                <div class="table-wrap">
                    <table class="table" id="rate-card-lines-edit">
                        <thead><tr>
                            <th>{ "Work type" }</th><th>{ "Hourly" }</th><th>{ "After hours" }</th><th>{ "Emergency" }</th><th />
                        </tr></thead>
                        <tbody>
                            { for card.lines.iter().enumerate().map(|(i, l)| html! {
                                <tr data-testid="rate-line-edit">
                                    <td>
                                        <select class="rate-work-type" aria-label="Work type" onchange={set_type(i)}>
                                            <option value="" selected={l.work_type_id.is_empty()}>{ "Choose…" }</option>
                                            { for types.iter().map(|t| html! {
                                                <option value={t.id.clone()} selected={t.id == l.work_type_id}>{ &t.name }</option>
                                            }) }
                                        </select>
                                    </td>
                                    <td><input class="rate-hourly" type="text" inputmode="decimal" aria-label="Hourly rate"
                                        value={l.hourly_rate.clone()} oninput={set_rate(i, "hourly")} /></td>
                                    <td><input class="rate-after-hours" type="text" inputmode="decimal" aria-label="After-hours rate"
                                        placeholder="= hourly" value={l.after_hours_rate.clone()} oninput={set_rate(i, "after_hours")} /></td>
                                    <td><input class="rate-emergency" type="text" inputmode="decimal" aria-label="Emergency rate"
                                        placeholder="= hourly" value={l.emergency_rate.clone()} oninput={set_rate(i, "emergency")} /></td>
                                    <td><button type="button" class="btn btn-small btn-ghost" onclick={remove_line(i)}>{ "Remove" }</button></td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
                if types.is_empty() {
                    <p class="muted small">{ "No work types yet: add them in Service desk settings." }</p>
                }
                <div class="form-actions">
                    <button type="button" class="btn btn-secondary" id="rate-line-add" onclick={add_line}>{ "Add work type" }</button>
                    <span class="spacer"></span>
                    <button type="button" class="btn btn-secondary" id="rate-card-cancel" onclick={cancel}>{ "Cancel" }</button>
                    <button type="submit" class="btn btn-primary" id="rate-card-submit" disabled={*busy}>{ "Save rate card" }</button>
                </div>
            </form>
        }
    } else {
        match &card.result {
            None => html! { <Loading /> },
            Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
            Some(Ok(None)) => html! {
                <div class="empty-inline">
                    <p class="muted">{ "No rate card yet. " }{ &props.fallback_hint }</p>
                    if props.can_write {
                        <button type="button" class="btn btn-secondary btn-small" id="rate-card-create" onclick={new_card}>
                            { "Create rate card" }
                        </button>
                    }
                </div>
            },
            Some(Ok(Some(c))) => html! {
                <>
                    <p class="muted small" id="rate-card-summary">{ format!("{} · {}", c.name, c.currency) }</p>
                    <div class="table-wrap">
                        <table class="table" id="rate-card-lines">
                            <thead><tr>
                                <th>{ "Work type" }</th><th>{ "Hourly" }</th><th>{ "After hours" }</th><th>{ "Emergency" }</th>
                            </tr></thead>
                            <tbody>
                                { for c.lines.iter().map(|l| html! {
                                    <tr data-testid="rate-line">
                                        <td class="cell-strong">
                                            { if l.work_type_name.is_empty() { type_name(&l.work_type_id) } else { l.work_type_name.clone() } }
                                        </td>
                                        <td>{ &l.hourly_rate }</td>
                                        <td>{ &l.after_hours_rate }</td>
                                        <td>{ &l.emergency_rate }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                    if props.can_write {
                        <div class="form-actions">
                            <button type="button" class="btn btn-ghost btn-small" id="rate-card-delete" onclick={delete(&c.id)}>
                                { "Delete" }
                            </button>
                            <button type="button" class="btn btn-secondary btn-small" id="rate-card-edit" onclick={start_edit(c)}>
                                { "Edit rates" }
                            </button>
                        </div>
                    }
                </>
            },
        }
    };
    html! {
        <section class="card" id="rate-card">
            <div class="card-header"><h2>{ &props.title }</h2></div>
            if editing.is_none() {
                if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            }
            { body }
        </section>
    }
}
