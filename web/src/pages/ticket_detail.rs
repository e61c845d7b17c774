//! One ticket: fields, status/priority changes and the notes thread.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::attachments::ticket_attachments_path;
use crate::api::{self, ApiError, Ticket, TicketNote, desk};
use crate::app::{Route, use_session};
use crate::components::attachments::AttachmentsCard;
use crate::components::badge::Badge;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::field::{enum_options, event_value};
use crate::components::sla::SlaClocks;
use crate::format::{TICKET_PRIORITIES, TICKET_STATUSES, datetime, enum_label, or_dash};
use crate::hooks::{Fetch, use_fetch};
use crate::pages::ticket_actions::TicketActions;
use crate::pages::time::TicketTime;

const INTERNAL: &str = "NOTE_VISIBILITY_INTERNAL";
const PUBLIC: &str = "NOTE_VISIBILITY_PUBLIC";

/// Props of [`TicketPage`].
#[derive(Properties, PartialEq)]
pub struct TicketPageProps {
    /// Ticket id from the path.
    pub id: String,
}

/// The ticket detail page.
#[function_component(TicketPage)]
pub fn ticket_page(props: &TicketPageProps) -> Html {
    let reload = use_state(|| 0u32);
    let ticket = use_fetch((props.id.clone(), *reload), |(id, _)| async move { api::get_ticket(&id).await });
    let session = use_session();
    let can_write = session.me.can("tickets.write");
    // Staff delete attachments; portal users (who may upload) do not.
    let can_delete_files = can_write && session.me.kind != "portal";
    let retry = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    let crumbs = |label: String| {
        html! {
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <Link<Route> to={Route::Tickets}>{ "Tickets" }</Link<Route>>
                <span class="sep">{ "/" }</span>
                <span>{ label }</span>
            </nav>
        }
    };
    match &ticket.result {
        None => html! { <div class="page"><Loading /></div> },
        Some(Err(err)) => html! {
            <div class="page">
                { crumbs("Ticket".into()) }
                <ErrorBanner error={err.clone()} on_retry={retry} />
            </div>
        },
        Some(Ok(t)) => {
            let on_updated = {
                let ticket = ticket.clone();
                Callback::from(move |t: Ticket| ticket.set(Fetch::ready(t)))
            };
            // A file added or deleted touches the ticket: fetch it again, so the activity
            // (keyed on its update time) shows the change.
            let on_files_changed = {
                let (on_updated, id) = (on_updated.clone(), t.id.clone());
                Callback::from(move |()| {
                    let (on_updated, id) = (on_updated.clone(), id.clone());
                    spawn_local(async move {
                        if let Ok(t) = api::get_ticket(&id).await {
                            on_updated.emit(t);
                        }
                    });
                })
            };
            html! {
                <div class="page" id="ticket-detail" data-id={t.id.clone()}>
                    { crumbs(t.number.clone()) }
                    <div class="page-header">
                        <div>
                            <p class="ticket-number mono" id="ticket-number">{ &t.number }</p>
                            <h1 id="ticket-title">{ &t.title }</h1>
                            <p class="header-meta">
                                <Badge kind="status" value={t.status.clone()} />
                                <Badge kind="priority" value={t.priority.clone()} />
                                <span id="ticket-company">
                                    <CompanyLink id={t.company_id.clone()} name={t.company_name.clone()} />
                                </span>
                                <span class="muted">{ format!("Opened {}", datetime(&t.create_time)) }</span>
                            </p>
                        </div>
                        <ToKb ticket_id={t.id.clone()} />
                    </div>
                    <div class="detail-grid detail-grid-main">
                        <div class="stack">
                            <section class="card">
                                <div class="card-header"><h2>{ "Description" }</h2></div>
                                if t.description.is_empty() {
                                    <p class="muted">{ "No description." }</p>
                                } else {
                                    <p class="pre" id="ticket-description">{ &t.description }</p>
                                }
                            </section>
                            <Notes ticket_id={t.id.clone()} />
                            if can_write {
                                <TicketActions ticket={t.clone()} on_updated={on_updated.clone()} />
                            }
                            <AttachmentsCard id="ticket-attachments" path={ticket_attachments_path(&t.id)} {can_write}
                                deletable={can_delete_files} paged=false on_changed={on_files_changed}
                                empty_hint="Screenshots, logs and exports about this ticket belong here." />
                            <TicketTime ticket_id={t.id.clone()} company_id={t.company_id.clone()}
                                contract_id={t.contract_id.clone()} />
                            <Activity ticket_id={t.id.clone()} version={t.update_time.clone()} />
                        </div>
                        <TicketProps ticket={t.clone()} {on_updated} />
                    </div>
                </div>
            }
        }
    }
}

#[derive(Properties, PartialEq)]
struct TicketPropsProps {
    ticket: Ticket,
    on_updated: Callback<Ticket>,
}

/// Sidebar: status and priority selects (saved on change) and the other fields.
#[function_component(TicketProps)]
fn ticket_props(props: &TicketPropsProps) -> Html {
    let saving = use_state(|| false);
    let saved = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    // Bumped when an update fails, so the selects are rebuilt showing the stored values.
    let revision = use_state(|| 0u32);
    let t = &props.ticket;
    let patch = |field: &'static str| {
        let (saving, saved, error) = (saving.clone(), saved.clone(), error.clone());
        let revision = revision.clone();
        let (id, on_updated) = (t.id.clone(), props.on_updated.clone());
        Callback::from(move |e: Event| {
            let value = event_value(&e);
            let body = serde_json::json!({ field: value });
            let (saving, saved, error, id, on_updated) =
                (saving.clone(), saved.clone(), error.clone(), id.clone(), on_updated.clone());
            let revision = revision.clone();
            saving.set(true);
            saved.set(false);
            error.set(None);
            spawn_local(async move {
                match api::update_ticket(&id, &body).await {
                    Ok(updated) => {
                        on_updated.emit(updated);
                        saved.set(true);
                    }
                    Err(err) => {
                        error.set(Some(err));
                        revision.set(*revision + 1);
                    }
                }
                saving.set(false);
            });
        })
    };
    let desk_lists = use_fetch((), |_| async move {
        // Statuses, queues, types, categories, teams (staff without the permission: none).
        let mut out = Vec::new();
        for c in [desk::STATUSES, desk::QUEUES, desk::TYPES, desk::CATEGORIES, desk::TEAMS] {
            out.push(desk::list(c).await.unwrap_or_default());
        }
        Ok(out)
    });
    let lists: Vec<Vec<serde_json::Value>> = match &desk_lists.result {
        Some(Ok(l)) => l.clone(),
        _ => vec![Vec::new(); 5],
    };
    let tenant_statuses = lists[0].clone();
    let named = |i: usize, id: &str| if id.is_empty() { "—".to_owned() } else { desk::name_of(&lists[i], id) };
    // Staff users for the assignee picker (none without `users.read`: the id is shown).
    let staff = use_fetch((), |_| async { Ok(crate::api::clients::list_users().await.unwrap_or_default()) });
    let staff = match &staff.result {
        Some(Ok(list)) => list.clone(),
        _ => Vec::new(),
    };
    let contact = use_fetch(t.contact_id.clone(), |id: String| async move {
        if id.is_empty() { Ok(None) } else { api::get_contact(&id).await.map(Some) }
    });
    let contact_name = match &contact.result {
        Some(Ok(Some(c))) => c.full_name(),
        Some(Ok(None)) => "—".into(),
        Some(Err(_)) => "(unavailable)".into(),
        None => "…".into(),
    };
    html! {
        <aside class="card side-card">
            <div class="card-header">
                <h2>{ "Properties" }</h2>
                if *saving { <span class="muted small" id="ticket-saving">{ "Saving…" }</span> }
                else if *saved { <span class="saved small" id="ticket-saved">{ "Saved" }</span> }
            </div>
            if let Some(err) = &*error {
                <ErrorBanner error={err.clone()} fields={err.errors.clone()} />
            }
            <div class="field">
                <label for="ticket-status">{ "Status" }</label>
                if tenant_statuses.is_empty() {
                    <select id="ticket-status" key={format!("status-{}", *revision)} onchange={patch("status")} disabled={*saving}>
                        { enum_options(TICKET_STATUSES, &t.status, None) }
                    </select>
                } else {
                    <select id="ticket-status" key={format!("status-{}", *revision)} onchange={patch("statusId")} disabled={*saving}>
                        { for tenant_statuses.iter().filter(|s| s["active"].as_bool().unwrap_or(true) || s["id"].as_str() == Some(t.status_id.as_str())).map(|s| {
                            let id = s["id"].as_str().unwrap_or_default().to_owned();
                            let selected = id == t.status_id;
                            html! { <option value={id} {selected}>{ s["name"].as_str().unwrap_or_default() }</option> }
                        }) }
                    </select>
                }
            </div>
            <div class="field">
                <label for="ticket-priority">{ "Priority" }</label>
                <select id="ticket-priority" key={format!("priority-{}", *revision)} onchange={patch("priority")} disabled={*saving}>
                    { enum_options(TICKET_PRIORITIES, &t.priority, None) }
                </select>
            </div>
            <dl class="props props-stacked">
                <dt>{ "Company" }</dt>
                <dd><CompanyLink id={t.company_id.clone()} name={t.company_name.clone()} /></dd>
                <dt>{ "Contact" }</dt><dd>{ contact_name }</dd>
                <dt>{ "Source" }</dt><dd>{ enum_label(&t.source) }</dd>
                <dt>{ "Assignee" }</dt>
                <dd>
                    if staff.is_empty() {
                        <span id="ticket-assignee">{ or_dash(&t.assignee_id) }</span>
                    } else {
                        <select id="ticket-assignee" key={format!("assignee-{}", *revision)} onchange={patch("assigneeId")} disabled={*saving}>
                            <option value="" selected={t.assignee_id.is_empty()}>{ "Unassigned" }</option>
                            { for staff.iter().map(|u| html! {
                                <option value={u.id.clone()} selected={u.id == t.assignee_id}>{ u.label() }</option>
                            }) }
                        </select>
                    }
                </dd>
                { for [("Queue", "ticket-queue", "queueId", 1, &t.queue_id), ("Type", "ticket-type", "typeId", 2, &t.type_id),
                       ("Category", "ticket-category", "categoryId", 3, &t.category_id), ("Team", "ticket-team", "teamId", 4, &t.team_id)]
                    .into_iter().map(|(label, id, field, i, current)| html! {
                        <>
                            <dt>{ label }</dt>
                            <dd>
                                if lists[i].is_empty() {
                                    <span id={id}>{ named(i, current) }</span>
                                } else {
                                    <select id={id} key={format!("{id}-{}", *revision)} onchange={patch(field)} disabled={*saving}>
                                        <option value="" selected={current.is_empty()}>{ "—" }</option>
                                        { for lists[i].iter().filter(|x| x["active"].as_bool().unwrap_or(true) || x["id"].as_str() == Some(current.as_str())).map(|x| {
                                            let value = x["id"].as_str().unwrap_or_default().to_owned();
                                            let selected = value == *current;
                                            html! { <option {value} {selected}>{ x["name"].as_str().unwrap_or_default() }</option> }
                                        }) }
                                    </select>
                                }
                            </dd>
                        </>
                    }) }
                if !t.contract_id.is_empty() {
                    <dt>{ "Contract" }</dt>
                    <dd><Link<Route> to={Route::Contract { id: t.contract_id.clone() }}>{ "Open contract" }</Link<Route>></dd>
                }
                if !t.asset_id.is_empty() {
                    <dt>{ "Asset" }</dt><dd class="mono small">{ &t.asset_id }</dd>
                }
                if !t.project_id.is_empty() {
                    <dt>{ "Project" }</dt><dd class="mono small">{ &t.project_id }</dd>
                }
                if let Some(fields) = t.custom_fields.as_object() {
                    { for fields.iter().map(|(k, v)| html! {
                        <>
                            <dt>{ k }</dt>
                            <dd data-testid="custom-field">{ v.as_str().map_or_else(|| v.to_string(), str::to_owned) }</dd>
                        </>
                    }) }
                }
                <dt>{ "Created" }</dt><dd>{ datetime(&t.create_time) }</dd>
                <dt>{ "Updated" }</dt><dd>{ datetime(&t.update_time) }</dd>
                if !t.resolve_time.is_empty() {
                    <dt>{ "Resolved" }</dt><dd>{ datetime(&t.resolve_time) }</dd>
                }
                if !t.close_time.is_empty() {
                    <dt>{ "Closed" }</dt><dd>{ datetime(&t.close_time) }</dd>
                }
                if t.sla.is_some() {
                    <SlaClocks sla={t.sla.clone()} />
                }
            </dl>
        </aside>
    }
}

#[derive(Properties, PartialEq)]
struct CompanyLinkProps {
    id: String,
    name: String,
}

/// A link to the ticket's company. The name comes with the ticket once the tickets service
/// has the company's event; until then it is fetched from the contracts service.
#[function_component(CompanyLink)]
fn company_link(props: &CompanyLinkProps) -> Html {
    let fallback = use_fetch((props.id.clone(), props.name.is_empty()), |(id, missing)| async move {
        if missing && !id.is_empty() { api::get_company(&id).await.map(|c| c.name) } else { Ok(String::new()) }
    });
    let name = if !props.name.is_empty() {
        props.name.clone()
    } else {
        match &fallback.result {
            Some(Ok(name)) if !name.is_empty() => name.clone(),
            Some(_) => "View company".into(),
            None => "…".into(),
        }
    };
    html! { <Link<Route> to={Route::Company { id: props.id.clone() }}>{ name }</Link<Route>> }
}

#[derive(Properties, PartialEq)]
struct NotesProps {
    ticket_id: String,
}

/// The notes thread and the add-note form.
#[function_component(Notes)]
fn notes(props: &NotesProps) -> Html {
    let session = use_session();
    let reload = use_state(|| 0u32);
    let notes = use_fetch((props.ticket_id.clone(), *reload), |(id, _)| async move { api::list_notes(&id).await });
    let body = use_state(String::new);
    let visibility = use_state(|| INTERNAL.to_string());
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);

    let onsubmit = {
        let (body, visibility, busy, error, reload) =
            (body.clone(), visibility.clone(), busy.clone(), error.clone(), reload.clone());
        let ticket_id = props.ticket_id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy || body.trim().is_empty() {
                return;
            }
            let note = TicketNote {
                body: body.trim().to_string(),
                visibility: (*visibility).clone(),
                ..TicketNote::default()
            };
            busy.set(true);
            error.set(None);
            let (body, busy, error, reload, ticket_id) =
                (body.clone(), busy.clone(), error.clone(), reload.clone(), ticket_id.clone());
            spawn_local(async move {
                match api::create_note(&ticket_id, &note).await {
                    Ok(_) => {
                        body.set(String::new());
                        reload.set(*reload + 1);
                    }
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    let choose = |value: &'static str| {
        let visibility = visibility.clone();
        Callback::from(move |_: Event| visibility.set(value.to_string()))
    };
    let on_body = {
        let body = body.clone();
        Callback::from(move |e: InputEvent| body.set(event_value(&e)))
    };
    let canned = use_fetch((), |_| async move { Ok(desk::list(desk::CANNED).await.unwrap_or_default()) });
    let canned: Vec<serde_json::Value> = match &canned.result {
        Some(Ok(l)) => l.iter().filter(|c| c["active"].as_bool().unwrap_or(true)).cloned().collect(),
        _ => Vec::new(),
    };
    let insert_canned = {
        let (body, error) = (body.clone(), error.clone());
        let ticket_id = props.ticket_id.clone();
        Callback::from(move |e: Event| {
            let id = event_value(&e);
            if id.is_empty() {
                return;
            }
            let (body, error, ticket_id) = (body.clone(), error.clone(), ticket_id.clone());
            spawn_local(async move {
                match desk::render_canned(&id, &ticket_id).await {
                    Ok(text) => {
                        let joined = if body.trim().is_empty() { text } else { format!("{}\n{text}", *body) };
                        body.set(joined);
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };

    let me = session.me.user_id.clone();
    let thread = match &notes.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! {
            <Empty title="No notes yet" hint="Internal notes are for staff; public notes are visible to the client." />
        },
        Some(Ok(list)) => html! {
            <ol class="thread" id="notes">
                { for list.iter().map(|n| note_view(n, &me)) }
            </ol>
        },
    };
    let is_internal = *visibility == INTERNAL;
    html! {
        <section class="card" id="ticket-notes">
            <div class="card-header"><h2>{ "Notes" }</h2></div>
            { thread }
            <form class={classes!("note-form", if is_internal { "note-form-internal" } else { "note-form-public" })}
                id="note-form" {onsubmit}>
                if let Some(err) = &*error {
                    <ErrorBanner error={err.clone()} fields={err.errors.clone()} />
                }
                <label for="note-body" class="sr-only">{ "Note" }</label>
                <textarea id="note-body" rows="3"
                    placeholder={if is_internal { "Add an internal note (staff only)…" } else { "Reply to the client (public)…" }}
                    value={(*body).clone()} oninput={on_body} />
                if !canned.is_empty() {
                    <select id="note-canned" onchange={insert_canned} aria-label="Insert canned response">
                        <option value="" selected=true>{ "Insert canned response…" }</option>
                        { for canned.iter().map(|c| html! {
                            <option value={c["id"].as_str().unwrap_or_default().to_owned()}>{ c["name"].as_str().unwrap_or_default() }</option>
                        }) }
                    </select>
                }
                <div class="note-form-actions">
                    <div class="segmented" role="radiogroup" aria-label="Visibility">
                        <label class={classes!("segment", is_internal.then_some("selected"))}>
                            <input type="radio" name="note-visibility" id="note-visibility-internal"
                                checked={is_internal} onchange={choose(INTERNAL)} />
                            { "Internal" }
                        </label>
                        <label class={classes!("segment", (!is_internal).then_some("selected"))}>
                            <input type="radio" name="note-visibility" id="note-visibility-public"
                                checked={!is_internal} onchange={choose(PUBLIC)} />
                            { "Public" }
                        </label>
                    </div>
                    <button type="submit" class="btn btn-primary" id="note-submit"
                        disabled={*busy || body.trim().is_empty()}>
                        { if *busy { "Adding…" } else if is_internal { "Add internal note" } else { "Add public note" } }
                    </button>
                </div>
            </form>
        </section>
    }
}

fn note_view(n: &TicketNote, me: &str) -> Html {
    let internal = n.visibility != PUBLIC;
    let author = if !n.author_id.is_empty() && n.author_id == me { "You" } else { "Staff" };
    html! {
        <li class={classes!("note", if internal { "note-internal" } else { "note-public" })}
            data-testid="note" data-visibility={if internal { "internal" } else { "public" }}>
            <div class="note-meta">
                <span class="note-author">{ author }</span>
                if internal {
                    <span class="badge badge-visibility badge-visibility-internal">{ "Internal" }</span>
                } else {
                    <span class="badge badge-visibility badge-visibility-public">{ "Public" }</span>
                }
                <span class="muted">{ or_dash(&datetime(&n.create_time)) }</span>
            </div>
            <p class="note-body pre">{ &n.body }</p>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct ToKbProps {
    ticket_id: String,
}

/// "Write KB article": a draft from this ticket (its public notes as the resolution), opened
/// for editing. Shown to users who may write the knowledge base.
#[function_component(ToKb)]
fn to_kb(props: &ToKbProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let error = use_state(|| None::<ApiError>);
    if !session.me.permissions.iter().any(|p| p == "kb.write" || p == "*") {
        return html! {};
    }
    let onclick = {
        let (id, error) = (props.ticket_id.clone(), error.clone());
        Callback::from(move |_| {
            let (id, error, navigator) = (id.clone(), error.clone(), navigator.clone());
            spawn_local(async move {
                match api::kb::from_ticket(&id).await {
                    Ok(a) => {
                        if let Some(nav) = &navigator {
                            nav.push(&Route::KbArticle { id: a.id });
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div>
            <button type="button" class="btn btn-small" id="ticket-to-kb" {onclick}>{ "Write KB article" }</button>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ActivityProps {
    ticket_id: String,
    /// The ticket's update time: the history reloads when the ticket changes.
    version: String,
}

/// The ticket's history (staff only; portal users are refused by the service and see nothing).
#[function_component(Activity)]
fn activity(props: &ActivityProps) -> Html {
    let list = use_fetch((props.ticket_id.clone(), props.version.clone()), |(id, _)| async move {
        api::ticket_activity(&id).await
    });
    let Some(Ok(entries)) = &list.result else {
        return html! {};
    };
    html! {
        <section class="card" id="ticket-activity">
            <div class="card-header"><h2>{ "Activity" }</h2></div>
            <ul class="activity-list">
                { for entries.iter().map(|a| {
                    let what = match a.action.as_str() {
                        "field_changed" => format!("{}: {} → {}", a.field.replace('_', " "),
                            or_dash(&enum_label_if(&a.old_value)), or_dash(&enum_label_if(&a.new_value))),
                        "created" => format!("Created {}", a.new_value),
                        "note_added" => format!("{} note added", enum_label(&a.new_value)),
                        "merged_into" => format!("Merged into {}", a.new_value),
                        "merged_from" => format!("{} merged into this ticket", a.new_value),
                        "split_to" => format!("Split into {}", a.new_value),
                        "split_from" => format!("Split from {}", a.new_value),
                        "parent_changed" => format!("Parent: {} → {}", or_dash(&a.old_value), or_dash(&a.new_value)),
                        "tags_changed" => format!("Tags: {} → {}", or_dash(&a.old_value), or_dash(&a.new_value)),
                        "automation_rule_applied" => format!("Automation rule \u{201c}{}\u{201d} applied", a.new_value),
                        "attachment_added" => format!("File attached: {}", a.new_value),
                        "attachment_deleted" => format!("File deleted: {}", a.old_value),
                        other => other.to_owned(),
                    };
                    let by_rule = !a.automation_rule_id.is_empty() && a.action != "automation_rule_applied";
                    html! {
                        <li class="activity-item">
                            <span class="muted">{ datetime(&a.create_time) }</span>{ " " }<span>{ what }</span>
                            if by_rule { { " " }<span class="tag activity-by-rule">{ "by automation" }</span> }
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}

/// Enum value names as labels; anything else as it is.
fn enum_label_if(v: &str) -> String {
    if v.contains("_STATUS_") || v.contains("_PRIORITY_") || v.contains("_SOURCE_") {
        enum_label(v)
    } else {
        v.to_owned()
    }
}
