//! The Client 360 cards of the company page: lifecycle status (with reason), hierarchy,
//! sites, contracts with their service scopes, SAF status and COCs, team, staff notes, recent
//! activity (proposals: `super::commercial`). They show one `GET /companies/{id}/overview` and ask the
//! page to reload it (`on_change`) after a change.

use std::collections::HashMap;

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::clients::{self, Overview, Site, User};
use crate::api::{Address, ApiError};
use crate::app::Route;
use crate::components::badge::Badge;
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::{TEAM_ROLES, company_status_moves, datetime, enum_label, or_dash};
use crate::hooks::{submit, use_fetch};

/// Props shared by the cards.
#[derive(Properties, PartialEq)]
pub struct CardProps {
    /// What the overview returned.
    pub overview: Overview,
    /// Asks the page to fetch the overview again.
    pub on_change: Callback<()>,
}

/// Lifecycle status with the legal next moves and a reason, and the history of moves (newest
/// first: when, from → to, why).
#[function_component(StatusCard)]
pub fn status_card(props: &CardProps) -> Html {
    let c = &props.overview.company;
    let moves = company_status_moves(&c.status);
    // Keyed by the status too, so a move refetches the history.
    let history =
        use_fetch((c.id.clone(), c.status.clone()), |(id, _)| async move { clients::status_history(&id).await });
    let target = use_state(String::new);
    let reason = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (target, reason, busy, error, on_change) =
            (target.clone(), reason.clone(), busy.clone(), error.clone(), props.on_change.clone());
        let (id, first) = (c.id.clone(), moves.first().copied().unwrap_or_default());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let to = if target.is_empty() { first.to_string() } else { (*target).clone() };
            let (id, why) = (id.clone(), reason.trim().to_string());
            let reason = reason.clone();
            let done = on_change.reform(move |()| reason.set(String::new()));
            submit(&busy, &error, &done, async move { clients::change_status(&id, &to, &why).await });
        })
    };
    let err = (*error).clone();
    html! {
        <section class="card" id="company-status">
            <div class="card-header">
                <h2>{ "Lifecycle" }</h2>
                <Badge kind="company-status" value={c.status.clone()} />
            </div>
            if let Some(err) = &err { { form_error(err, &["status", "reason"]) } }
            if moves.is_empty() {
                <p class="muted">{ "No moves from this status." }</p>
            } else {
                <form class="inline-form" id="status-form" {onsubmit} novalidate=true>
                    <div class="form-grid">
                        <Field label="Move to" id="status-target" error={err.as_ref().and_then(|e| e.field("status"))}>
                            <select id="status-target" onchange={bind_select(&target)}>
                                { enum_options(moves, &target, None) }
                            </select>
                        </Field>
                        <Field label="Reason" id="status-reason" error={err.as_ref().and_then(|e| e.field("reason"))}>
                            <input id="status-reason" type="text" value={(*reason).clone()} oninput={bind(&reason)} />
                        </Field>
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-secondary" id="status-submit" disabled={*busy}>
                            { "Change status" }
                        </button>
                    </div>
                </form>
            }
            if let Some(Ok(changes)) = &history.result {
                <h3>{ "History" }</h3>
                <ul class="activity-list" id="status-history">
                    { for changes.iter().rev().map(|h| {
                        let from = enum_label(&h.from_status);
                        let moved = if from == "—" {
                            format!("Created as {}", enum_label(&h.to_status))
                        } else {
                            format!("{from} → {}", enum_label(&h.to_status))
                        };
                        html! {
                            <li class="activity-item" data-testid="status-change">
                                <span class="muted small">{ datetime(&h.change_time) }</span>{ " " }
                                <strong>{ moved }</strong>
                                if !h.reason.is_empty() { <span class="muted">{ format!(" — {}", h.reason) }</span> }
                            </li>
                        }
                    }) }
                </ul>
            }
        </section>
    }
}

/// Parent and subsidiaries.
#[function_component(HierarchyCard)]
pub fn hierarchy_card(props: &CardProps) -> Html {
    let o = &props.overview;
    if o.parent.is_none() && o.children.is_empty() {
        return html! {};
    }
    let link = |c: &crate::api::Company| {
        html! { <Link<Route> to={Route::Company { id: c.id.clone() }}>{ &c.name }</Link<Route>> }
    };
    html! {
        <section class="card" id="company-hierarchy">
            <div class="card-header"><h2>{ "Hierarchy" }</h2></div>
            <dl class="props">
                if let Some(p) = &o.parent { <dt>{ "Parent" }</dt><dd id="company-parent">{ link(p) }</dd> }
                if !o.children.is_empty() {
                    <dt>{ "Subsidiaries" }</dt>
                    <dd id="company-children">
                        { for o.children.iter().map(|c| html! { <div>{ link(c) }</div> }) }
                    </dd>
                }
            </dl>
        </section>
    }
}

/// Sites with the primary marked; add a site or make another primary.
#[function_component(SitesCard)]
pub fn sites_card(props: &CardProps) -> Html {
    let name = use_state(String::new);
    let city = use_state(String::new);
    let tz = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let company_id = props.overview.company.id.clone();
    let onsubmit = {
        let (name, city, tz, busy, error) = (name.clone(), city.clone(), tz.clone(), busy.clone(), error.clone());
        let on_change = props.on_change.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let site = Site {
                company_id: company_id.clone(),
                name: name.trim().to_string(),
                address: (!city.trim().is_empty())
                    .then(|| Address { city: city.trim().to_string(), ..Address::default() }),
                time_zone: tz.trim().to_string(),
                ..Site::default()
            };
            let (name, city, tz) = (name.clone(), city.clone(), tz.clone());
            let done = on_change.reform(move |()| {
                name.set(String::new());
                city.set(String::new());
                tz.set(String::new());
            });
            submit(&busy, &error, &done, async move { clients::create_site(&site).await });
        })
    };
    let make_primary = {
        let (busy, error, on_change) = (busy.clone(), error.clone(), props.on_change.clone());
        Callback::from(move |id: String| {
            submit(&busy, &error, &on_change, async move { clients::make_primary(&id).await });
        })
    };
    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    let sites = &props.overview.sites;
    html! {
        <section class="card" id="company-sites">
            <div class="card-header"><h2>{ "Sites" }</h2></div>
            if sites.is_empty() {
                <Empty title="No sites yet" hint="Add the client's offices and data centres." />
            } else {
                <div class="table-wrap">
                    <table class="table" id="sites-table">
                        <thead><tr><th>{ "Name" }</th><th>{ "Address" }</th><th>{ "Time zone" }</th><th></th></tr></thead>
                        <tbody>
                            { for sites.iter().map(|s| {
                                let id = s.id.clone();
                                let onclick = make_primary.reform(move |_| id.clone());
                                html! {
                                    <tr data-testid="site-row">
                                        <td class="cell-strong">{ &s.name }</td>
                                        <td>{ or_dash(&s.address.as_ref().map(Address::one_line).unwrap_or_default()) }</td>
                                        <td>{ &s.time_zone }</td>
                                        <td>
                                            if s.is_primary { <span class="tag" data-testid="primary-site">{ "Primary" }</span> }
                                            else {
                                                <button type="button" class="btn btn-ghost btn-small" {onclick}>{ "Make primary" }</button>
                                            }
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            <form class="inline-form" id="site-new-form" {onsubmit} novalidate=true>
                if let Some(err) = &err { { form_error(err, &["name", "time_zone", "city"]) } }
                <div class="form-grid">
                    <Field label="Site name" id="site-new-name" required=true error={field_error("name")}>
                        <input id="site-new-name" type="text" value={(*name).clone()} oninput={bind(&name)} />
                    </Field>
                    <Field label="City" id="site-new-city" error={field_error("city")}>
                        <input id="site-new-city" type="text" value={(*city).clone()} oninput={bind(&city)} />
                    </Field>
                    <Field label="Time zone (IANA, e.g. Europe/Berlin)" id="site-new-tz" error={field_error("time_zone")}>
                        <input id="site-new-tz" type="text" placeholder="UTC" value={(*tz).clone()} oninput={bind(&tz)} />
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary" id="site-new-submit" disabled={*busy}>{ "Add site" }</button>
                </div>
            </form>
        </section>
    }
}

/// Contracts, their service scopes with the SAF authorising each, and COCs.
#[function_component(AgreementsCard)]
pub fn agreements_card(props: &CardProps) -> Html {
    let o = &props.overview;
    let saf_of: HashMap<&str, &crate::api::commercial::Saf> =
        o.safs.iter().filter(|s| !s.service_scope_id.is_empty()).map(|s| (s.service_scope_id.as_str(), s)).collect();
    html! {
        <section class="card" id="company-agreements">
            <div class="card-header"><h2>{ "Contracts and services" }</h2></div>
            if o.contracts.is_empty() {
                <Empty title="No contracts" hint="Contracts of this client show here." />
            } else {
                <div class="table-wrap">
                    <table class="table" id="company-contracts-table">
                        <thead><tr><th>{ "Number" }</th><th>{ "Name" }</th><th>{ "Status" }</th><th>{ "Ends" }</th></tr></thead>
                        <tbody>
                            { for o.contracts.iter().map(|k| html! {
                                <tr data-testid="contract-row">
                                    <td><Link<Route> to={Route::Contract { id: k.id.clone() }}>{ &k.number }</Link<Route>></td>
                                    <td>{ &k.name }</td>
                                    <td><Badge kind="contract-status" value={k.status.clone()} /></td>
                                    <td>{ or_dash(&k.end_date) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            if !o.service_scopes.is_empty() {
                <h3>{ "Service scopes" }</h3>
                <table class="table" id="company-scopes-table">
                    <thead><tr><th>{ "Scope" }</th><th>{ "Status" }</th><th>{ "SAF" }</th></tr></thead>
                    <tbody>
                        { for o.service_scopes.iter().map(|s| {
                            let saf = saf_of.get(s.id.as_str());
                            html! {
                                <tr data-testid="scope-row">
                                    <td>{ format!("{} × {}", s.quantity, enum_label(&s.unit)) }</td>
                                    <td><Badge kind="scope-status" value={s.status.clone()} /></td>
                                    <td data-testid="scope-saf">
                                        { saf.map_or_else(|| "No SAF".to_string(), |f| format!("{} · {}", f.number, enum_label(&f.status))) }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
            if !o.cocs.is_empty() {
                <h3>{ "Certificates of compliance" }</h3>
                <table class="table" id="company-cocs-table">
                    <thead><tr><th>{ "Number" }</th><th>{ "Type" }</th><th>{ "Status" }</th><th>{ "Expires" }</th></tr></thead>
                    <tbody>
                        { for o.cocs.iter().map(|c| html! {
                            <tr data-testid="coc-row">
                                <td><Link<Route> to={Route::Contract { id: c.contract_id.clone() }}>{ &c.number }</Link<Route>></td>
                                <td>{ crate::pages::documents::coc_type_label(&c.coc_type) }</td>
                                <td>{ enum_label(&c.status) }</td>
                                <td>{ or_dash(&c.expiry_date) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}

/// The client's team; names come from identity's user list when the viewer may read it.
#[function_component(TeamCard)]
pub fn team_card(props: &CardProps) -> Html {
    let users = use_fetch((), |()| async { clients::list_users().await });
    let user = use_state(String::new);
    let role = use_state(|| TEAM_ROLES[0].to_string());
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let company_id = props.overview.company.id.clone();
    let known: Vec<User> = users.result.clone().and_then(Result::ok).unwrap_or_default();
    let name_of = |id: &str| known.iter().find(|u| u.id == id).map_or_else(|| id.to_string(), User::label);
    let onsubmit = {
        let (user, role, busy, error, on_change) =
            (user.clone(), role.clone(), busy.clone(), error.clone(), props.on_change.clone());
        let (company_id, first_user) = (company_id.clone(), known.first().map(|u| u.id.clone()).unwrap_or_default());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let u = if user.is_empty() { first_user.clone() } else { user.trim().to_string() };
            let (company_id, r) = (company_id.clone(), (*role).clone());
            submit(&busy, &error, &on_change, async move { clients::assign(&company_id, &u, &r).await });
        })
    };
    let remove = {
        let (busy, error, on_change) = (busy.clone(), error.clone(), props.on_change.clone());
        Callback::from(move |id: String| {
            let company_id = company_id.clone();
            submit(&busy, &error, &on_change, async move { clients::unassign(&company_id, &id).await });
        })
    };
    let err = (*error).clone();
    let team = &props.overview.team;
    html! {
        <section class="card" id="company-team">
            <div class="card-header"><h2>{ "Team" }</h2></div>
            if team.is_empty() {
                <Empty title="Nobody assigned" hint="Assign an account manager and a lead engineer." />
            } else {
                <ul class="plain-list" id="team-list">
                    { for team.iter().map(|a| {
                        let id = a.id.clone();
                        let onclick = remove.reform(move |_| id.clone());
                        html! {
                            <li data-testid="team-member">
                                <strong>{ name_of(&a.user_id) }</strong>{ " — " }{ enum_label(&a.role) }
                                <button type="button" class="btn btn-ghost btn-small" {onclick}>{ "Remove" }</button>
                            </li>
                        }
                    }) }
                </ul>
            }
            <form class="inline-form" id="team-form" {onsubmit} novalidate=true>
                if let Some(err) = &err { { form_error(err, &["user_id", "role"]) } }
                <div class="form-grid">
                    <Field label="Staff member" id="team-user" error={err.as_ref().and_then(|e| e.field("user_id"))}>
                        if known.is_empty() {
                            <input id="team-user" type="text" placeholder="User id" value={(*user).clone()} oninput={bind(&user)} />
                        } else {
                            <select id="team-user" onchange={bind_select(&user)}>
                                { for known.iter().map(|u| html! {
                                    <option value={u.id.clone()} selected={*user == u.id}>{ u.label() }</option>
                                }) }
                            </select>
                        }
                    </Field>
                    <Field label="Role" id="team-role" error={err.as_ref().and_then(|e| e.field("role"))}>
                        <select id="team-role" onchange={bind_select(&role)}>{ enum_options(TEAM_ROLES, &role, None) }</select>
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary" id="team-submit" disabled={*busy}>{ "Assign" }</button>
                </div>
            </form>
        </section>
    }
}

/// Staff notes, newest first, and a box to add one.
#[function_component(NotesCard)]
pub fn notes_card(props: &CardProps) -> Html {
    let reload = use_state(|| 0u32);
    let company_id = props.overview.company.id.clone();
    let notes = use_fetch((company_id.clone(), *reload), |(id, _)| async move { clients::list_notes(&id).await });
    let body = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (body, busy, error, reload) = (body.clone(), busy.clone(), error.clone(), reload.clone());
        let on_change = props.on_change.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (id, text) = (company_id.clone(), (*body).clone());
            let (body, reload, on_change) = (body.clone(), reload.clone(), on_change.clone());
            let done = Callback::from(move |()| {
                body.set(String::new());
                reload.set(*reload + 1);
                on_change.emit(());
            });
            submit(&busy, &error, &done, async move { clients::create_note(&id, &text).await });
        })
    };
    let err = (*error).clone();
    html! {
        <section class="card" id="company-notes">
            <div class="card-header"><h2>{ "Notes" }</h2></div>
            <form class="inline-form" id="note-form" {onsubmit} novalidate=true>
                if let Some(err) = &err { { form_error(err, &["body"]) } }
                <Field label="New note" id="note-body" error={err.as_ref().and_then(|e| e.field("body"))}>
                    <textarea id="note-body" rows="2" value={(*body).clone()} oninput={bind(&body)} />
                </Field>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary" id="note-submit" disabled={*busy}>{ "Add note" }</button>
                </div>
            </form>
            { match &notes.result {
                None => html! { <Loading /> },
                Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
                Some(Ok(list)) => html! {
                    <ul class="plain-list" id="notes-list">
                        { for list.iter().map(|n| html! {
                            <li data-testid="company-note">
                                <p class="pre">{ &n.body }</p>
                                <p class="muted small">{ datetime(&n.create_time) }</p>
                            </li>
                        }) }
                    </ul>
                },
            } }
        </section>
    }
}

/// The latest entries of the company's activity timeline.
#[function_component(ActivityCard)]
pub fn activity_card(props: &CardProps) -> Html {
    let entries = &props.overview.recent_activity;
    html! {
        <section class="card" id="company-activity">
            <div class="card-header"><h2>{ "Recent activity" }</h2></div>
            <ul class="plain-list" id="activity-list">
                { for entries.iter().map(|a| html! {
                    <li data-testid="activity-entry" data-kind={a.kind.clone()}>
                        <span>{ &a.summary }</span>
                        <span class="muted small">{ " · " }{ datetime(&a.occur_time) }</span>
                    </li>
                }) }
            </ul>
        </section>
    }
}
