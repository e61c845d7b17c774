//! Email to ticket settings: the tenant's mailboxes (IMAP or inbound-endpoint only), "Poll
//! now", the inbound token (shown once, on creation or rotation), each mailbox's message log
//! (what became of every message) and its parse rules.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::ApiError;
use crate::api::email::{self as api, Mailbox, ParseRule, PollReport, RuleActions, RuleConditions};
use crate::app::{Route, use_session};
use crate::components::badge::Badge;
use crate::components::company_select::CompanySelect;
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::{TICKET_PRIORITIES, datetime, enum_label, or_dash};
use crate::hooks::use_fetch;

const POLICIES: &[&str] = &["UNKNOWN_SENDER_POLICY_DEFAULT_COMPANY", "UNKNOWN_SENDER_POLICY_REJECT"];

/// Whether the signed-in user may change mailboxes.
#[hook]
fn use_email_writer() -> bool {
    let session = use_session();
    session.me.permissions.iter().any(|p| p == "email.write" || p == "*")
}

/// The inbound endpoint of a mailbox, for a mail server's "pipe to URL" or a relay.
fn inbound_url(id: &str, token: &str) -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    format!("{origin}/api/v1/email-mailboxes/{id}/messages:receive?token={token}")
}

/// A one-time notice with the inbound token and the URL to POST raw messages to.
fn token_notice(m: &Mailbox) -> Html {
    if m.inbound_token.is_empty() {
        return html! {};
    }
    html! {
        <div class="notice" id="mailbox-token">
            <p>{ "Inbound token — copy it now, it is not shown again:" }</p>
            <code id="mailbox-token-value">{ &m.inbound_token }</code>
            <p>{ "POST raw messages (Content-Type: message/rfc822) to:" }</p>
            <code>{ inbound_url(&m.id, &m.inbound_token) }</code>
        </div>
    }
}

/// The mailboxes list and "New mailbox".
#[function_component(EmailPage)]
pub fn email_page() -> Html {
    let writer = use_email_writer();
    let reload = use_state(|| 0u32);
    let created = use_state(|| None::<Mailbox>);
    let list = use_fetch(*reload, |_| async move { api::list_mailboxes().await });
    let navigator = use_navigator();
    let open = |id: String| {
        let navigator = navigator.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(nav) = &navigator {
                nav.push(&Route::EmailMailbox { id: id.clone() });
            }
        })
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(l)) if l.is_empty() => {
            html! { <Empty title="No mailboxes yet" hint="Add one to turn email into tickets." /> }
        }
        Some(Ok(l)) => html! {
            <div class="table-wrap">
                <table class="table" id="mailboxes">
                    <thead><tr><th>{ "Name" }</th><th>{ "Address" }</th><th>{ "Source" }</th>
                        <th>{ "Unknown senders" }</th><th>{ "Last poll" }</th><th>{ "Active" }</th></tr></thead>
                    <tbody>
                        { for l.iter().map(|m| html! {
                            <tr class="mailbox-row clickable" data-id={m.id.clone()} onclick={open(m.id.clone())}>
                                <td class="mailbox-name">{ &m.name }</td>
                                <td>{ &m.address }</td>
                                <td>{ if m.imap_host.is_empty() { "inbound endpoint".to_owned() } else { format!("IMAP {}", m.imap_host) } }</td>
                                <td>{ enum_label(&m.unknown_sender_policy) }</td>
                                <td>
                                    { or_dash(&datetime(&m.last_poll_time)) }
                                    if !m.last_poll_error.is_empty() {
                                        <span class="field-error">{ format!(" — {}", m.last_poll_error) }</span>
                                    }
                                </td>
                                <td>{ if m.active.unwrap_or(true) { "yes" } else { "no" } }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    let on_created = {
        let (reload, created) = (reload.clone(), created.clone());
        Callback::from(move |m: Mailbox| {
            created.set(Some(m));
            reload.set(*reload + 1);
        })
    };
    html! {
        <div class="page" id="email-page">
            <div class="page-header"><h1>{ "Email to ticket" }</h1></div>
            <div class="stack">
                <section class="card">
                    <div class="card-header"><h2>{ "Mailboxes" }</h2></div>
                    if let Some(m) = &*created { { token_notice(m) } }
                    { body }
                </section>
                if writer { <NewMailbox {on_created} /> }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct NewMailboxProps {
    on_created: Callback<Mailbox>,
}

#[function_component(NewMailbox)]
fn new_mailbox(props: &NewMailboxProps) -> Html {
    let name = use_state(String::new);
    let address = use_state(String::new);
    let host = use_state(String::new);
    let port = use_state(String::new);
    let username = use_state(String::new);
    let password = use_state(String::new);
    let folder = use_state(String::new);
    let policy = use_state(|| POLICIES[0].to_owned());
    let company = use_state(String::new);
    let priority = use_state(|| "TICKET_PRIORITY_MEDIUM".to_owned());
    let error = use_state(|| None::<ApiError>);
    let fields = [
        "name",
        "address",
        "imap_host",
        "imap_port",
        "imap_username",
        "imap_password",
        "imap_folder",
        "unknown_sender_policy",
        "default_company_id",
        "default_priority",
    ];
    let submit = {
        let states = [&name, &address, &host, &port, &username, &password, &folder].map(|s| (*s).clone());
        let (policy, company, priority, error, on_created) =
            (policy.clone(), company.clone(), priority.clone(), error.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let [name, address, host, port, username, password, folder] = states.clone();
            let Ok(imap_port) = (if port.trim().is_empty() { Ok(0) } else { port.trim().parse::<i32>() }) else {
                error.set(Some(ApiError::invalid_field("imap_port", "a port number, e.g. 993")));
                return;
            };
            let m = Mailbox {
                name: (*name).clone(),
                address: (*address).clone(),
                imap_host: (*host).clone(),
                imap_port,
                imap_username: (*username).clone(),
                imap_password: (*password).clone(),
                imap_folder: (*folder).clone(),
                unknown_sender_policy: (*policy).clone(),
                default_company_id: (*company).clone(),
                default_priority: (*priority).clone(),
                ..Mailbox::default()
            };
            let (error, on_created) = (error.clone(), on_created.clone());
            spawn_local(async move {
                match api::create_mailbox(&m).await {
                    Ok(m) => {
                        for s in [&name, &address, &host, &port, &username, &password, &folder] {
                            s.set(String::new());
                        }
                        error.set(None);
                        on_created.emit(m);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    let text = |id: &'static str, label: &'static str, state: &UseStateHandle<String>, kind: &'static str| {
        html! {
            <Field label={label} id={id} error={field_error(&id.trim_start_matches("mailbox-").replace('-', "_"))}>
                <input id={id} type={kind} value={(**state).clone()} oninput={bind(state)}
                    autocomplete="off" />
            </Field>
        }
    };
    html! {
        <section class="card" id="mailbox-new">
            <div class="card-header"><h2>{ "New mailbox" }</h2></div>
            <form id="mailbox-form" class="form" onsubmit={submit} novalidate=true>
                if let Some(e) = &*error { { form_error(e, &fields) } }
                { text("mailbox-name", "Name", &name, "text") }
                { text("mailbox-address", "Address", &address, "email") }
                { text("mailbox-imap-host", "IMAP server (empty: inbound endpoint only)", &host, "text") }
                { text("mailbox-imap-port", "IMAP port (default 993, TLS)", &port, "text") }
                { text("mailbox-imap-username", "IMAP user", &username, "text") }
                { text("mailbox-imap-password", "IMAP password", &password, "password") }
                { text("mailbox-imap-folder", "Folder (default INBOX)", &folder, "text") }
                <Field label="Unknown senders" id="mailbox-policy" error={field_error("unknown_sender_policy")}>
                    <select id="mailbox-policy" onchange={bind_select(&policy)}>
                        { enum_options(POLICIES, &policy, None) }
                    </select>
                </Field>
                <Field label="Company for unknown senders" id="mailbox-company" error={field_error("default_company_id")}>
                    <CompanySelect id="mailbox-company" value={(*company).clone()} blank="(none)"
                        on_change={Callback::from({ let c = company.clone(); move |v| c.set(v) })} />
                </Field>
                <Field label="Priority of new tickets" id="mailbox-priority">
                    <select id="mailbox-priority" onchange={bind_select(&priority)}>
                        { enum_options(TICKET_PRIORITIES, &priority, None) }
                    </select>
                </Field>
                <button type="submit" class="btn btn-primary" id="mailbox-create">{ "Add mailbox" }</button>
            </form>
        </section>
    }
}

/// Props of [`MailboxPage`].
#[derive(Properties, PartialEq)]
pub struct MailboxProps {
    /// Mailbox id.
    pub id: String,
}

/// One mailbox: settings, poll now, token rotation, message log and parse rules.
#[function_component(MailboxPage)]
pub fn mailbox_page(props: &MailboxProps) -> Html {
    let writer = use_email_writer();
    let reload = use_state(|| 0u32);
    let mailbox = use_fetch((props.id.clone(), *reload), |(id, _)| async move { api::get_mailbox(&id).await });
    let messages = use_fetch((props.id.clone(), *reload), |(id, _)| async move { api::list_messages(&id).await });
    let error = use_state(|| None::<ApiError>);
    let report = use_state(|| None::<PollReport>);
    let rotated = use_state(|| None::<Mailbox>);
    let navigator = use_navigator();
    let poll = {
        let (id, reload, error, report) = (props.id.clone(), reload.clone(), error.clone(), report.clone());
        Callback::from(move |_| {
            let (id, reload, error, report) = (id.clone(), reload.clone(), error.clone(), report.clone());
            spawn_local(async move {
                match api::poll(&id).await {
                    Ok(r) => {
                        error.set(None);
                        report.set(Some(r));
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let rotate = {
        let (id, error, rotated) = (props.id.clone(), error.clone(), rotated.clone());
        Callback::from(move |_| {
            let (id, error, rotated) = (id.clone(), error.clone(), rotated.clone());
            spawn_local(async move {
                match api::rotate_token(&id).await {
                    Ok(m) => rotated.set(Some(m)),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let toggle = |active: bool| {
        let (id, reload, error) = (props.id.clone(), reload.clone(), error.clone());
        Callback::from(move |_| {
            let (id, reload, error) = (id.clone(), reload.clone(), error.clone());
            spawn_local(async move {
                let patch = Mailbox { active: Some(active), ..Mailbox::default() };
                match api::update_mailbox(&id, &patch, "active").await {
                    Ok(_) => reload.set(*reload + 1),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let delete = {
        let (id, error, navigator) = (props.id.clone(), error.clone(), navigator.clone());
        Callback::from(move |_| {
            let (id, error, navigator) = (id.clone(), error.clone(), navigator.clone());
            spawn_local(async move {
                match api::delete_mailbox(&id).await {
                    Ok(()) => {
                        if let Some(nav) = &navigator {
                            nav.push(&Route::Email);
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let header = match &mailbox.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(m)) => {
            let active = m.active.unwrap_or(true);
            html! {
                <section class="card" id="mailbox-detail">
                    <div class="card-header">
                        <h2 id="mailbox-title">{ format!("{} <{}>", m.name, m.address) }</h2>
                        if writer {
                            <div class="actions">
                                if !m.imap_host.is_empty() {
                                    <button class="btn" id="mailbox-poll" onclick={poll}>{ "Poll now" }</button>
                                }
                                <button class="btn" id="mailbox-rotate" onclick={rotate}>{ "New inbound token" }</button>
                                <button class="btn" id="mailbox-toggle" onclick={toggle(!active)}>
                                    { if active { "Deactivate" } else { "Activate" } }</button>
                                <button class="btn btn-ghost" id="mailbox-delete" onclick={delete}>{ "Delete" }</button>
                            </div>
                        }
                    </div>
                    if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
                    if let Some(m) = &*rotated { { token_notice(m) } }
                    if let Some(r) = &*report {
                        <p class="notice" id="mailbox-poll-report">{ format!(
                            "Fetched {}: {} new tickets, {} replies, {} ignored, {} rejected, {} duplicates.",
                            r.fetched, r.created_tickets, r.added_notes, r.ignored, r.rejected, r.duplicates) }</p>
                    }
                    <dl class="props">
                        <dt>{ "Source" }</dt>
                        <dd>{ if m.imap_host.is_empty() { "inbound endpoint only".to_owned() } else {
                            format!("IMAP {}:{} as {} ({}){}", m.imap_host, if m.imap_port == 0 { 993 } else { m.imap_port },
                                m.imap_username, if m.imap_folder.is_empty() { "INBOX" } else { &m.imap_folder },
                                if m.has_imap_password { ", password stored" } else { "" }) } }</dd>
                        <dt>{ "Unknown senders" }</dt><dd>{ enum_label(&m.unknown_sender_policy) }</dd>
                        <dt>{ "New tickets" }</dt><dd>{ enum_label(&m.default_priority) }</dd>
                        <dt>{ "Active" }</dt><dd>{ if active { "yes" } else { "no" } }</dd>
                        <dt>{ "Last poll" }</dt><dd>{ or_dash(&datetime(&m.last_poll_time)) }{ or_dash_error(&m.last_poll_error) }</dd>
                    </dl>
                </section>
            }
        }
    };
    let open_ticket = |id: String| {
        let navigator = navigator.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            if let Some(nav) = &navigator {
                nav.push(&Route::Ticket { id: id.clone() });
            }
        })
    };
    let log = match &messages.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(l)) if l.is_empty() => html! { <Empty title="No messages yet" /> },
        Some(Ok(l)) => html! {
            <div class="table-wrap">
                <table class="table" id="mailbox-messages">
                    <thead><tr><th>{ "When" }</th><th>{ "Direction" }</th><th>{ "From" }</th><th>{ "Subject" }</th>
                        <th>{ "Outcome" }</th><th>{ "Ticket" }</th></tr></thead>
                    <tbody>
                        { for l.iter().map(|m| html! {
                            <tr class="mailbox-message" data-id={m.id.clone()}>
                                <td>{ datetime(&m.create_time) }</td>
                                <td>{ enum_label(&m.direction) }</td>
                                <td>{ &m.from_address }</td>
                                <td>{ &m.subject }</td>
                                <td><Badge kind="email" value={m.outcome.clone()} />
                                    if !m.reason.is_empty() { <span class="muted">{ format!(" {}", m.reason) }</span> }</td>
                                <td>
                                    if !m.ticket_id.is_empty() {
                                        <a href="#" class="message-ticket" onclick={open_ticket(m.ticket_id.clone())}>
                                            { &m.ticket_number }</a>
                                    }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <div class="page" id="mailbox-page">
            <div class="page-header"><h1>{ "Mailbox" }</h1></div>
            <div class="stack">
                { header }
                <ParseRules mailbox_id={props.id.clone()} {writer} />
                <section class="card">
                    <div class="card-header"><h2>{ "Messages" }</h2></div>
                    { log }
                </section>
            </div>
        </div>
    }
}

fn or_dash_error(e: &str) -> Html {
    if e.is_empty() {
        html! {}
    } else {
        html! { <span class="field-error" id="mailbox-poll-error">{ format!(" — {e}") }</span> }
    }
}

#[derive(Properties, PartialEq)]
struct ParseRulesProps {
    mailbox_id: String,
    writer: bool,
}

/// A mailbox's parse rules and "New rule".
#[function_component(ParseRules)]
fn parse_rules(props: &ParseRulesProps) -> Html {
    let reload = use_state(|| 0u32);
    let rules = use_fetch((props.mailbox_id.clone(), *reload), |(id, _)| async move { api::list_rules(&id).await });
    let name = use_state(String::new);
    let from = use_state(String::new);
    let subject = use_state(String::new);
    let body = use_state(String::new);
    let company = use_state(String::new);
    let priority = use_state(String::new);
    let ignore = use_state(|| false);
    let queue = use_state(String::new);
    let queues = use_fetch((), |_| async move { crate::api::desk::list(crate::api::desk::QUEUES).await });
    let error = use_state(|| None::<ApiError>);
    let fields =
        ["name", "from_pattern", "subject_pattern", "body_pattern", "conditions", "actions", "company_id", "queue_id"];
    let submit = {
        let states = [&name, &from, &subject, &body, &company, &priority, &queue].map(|s| (*s).clone());
        let (ignore, error, reload, mailbox) =
            (ignore.clone(), error.clone(), reload.clone(), props.mailbox_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let [name, from, subject, body, company, priority, queue] = states.clone();
            let rule = ParseRule {
                name: (*name).clone(),
                conditions: RuleConditions {
                    from_pattern: (*from).clone(),
                    subject_pattern: (*subject).clone(),
                    body_pattern: (*body).clone(),
                },
                actions: RuleActions {
                    company_id: (*company).clone(),
                    priority: (*priority).clone(),
                    queue_id: (*queue).clone(),
                    ignore: *ignore,
                    ..RuleActions::default()
                },
                ..ParseRule::default()
            };
            let (error, reload, mailbox) = (error.clone(), reload.clone(), mailbox.clone());
            spawn_local(async move {
                match api::create_rule(&mailbox, &rule).await {
                    Ok(_) => {
                        for s in [&name, &from, &subject, &body] {
                            s.set(String::new());
                        }
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let queue_list: Vec<serde_json::Value> = match &queues.result {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    let queue_name = |id: &str| crate::api::desk::name_of(&queue_list, id);
    let list = match &rules.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(l)) if l.is_empty() => html! { <Empty title="No parse rules" /> },
        Some(Ok(l)) => html! {
            <div class="table-wrap">
                <table class="table" id="parse-rules">
                    <thead><tr><th>{ "Name" }</th><th>{ "When" }</th><th>{ "Then" }</th><th></th></tr></thead>
                    <tbody>
                        { for l.iter().map(|r| {
                            let when = [("from", &r.conditions.from_pattern), ("subject", &r.conditions.subject_pattern),
                                ("body", &r.conditions.body_pattern)]
                                .iter().filter(|(_, p)| !p.is_empty()).map(|(k, p)| format!("{k} ~ /{p}/"))
                                .collect::<Vec<_>>().join(" and ");
                            let then = if r.actions.ignore { "ignore".to_owned() } else {
                                [(!r.actions.company_id.is_empty()).then(|| "set company".to_owned()),
                                 (!r.actions.priority.is_empty() && !r.actions.priority.ends_with("UNSPECIFIED"))
                                    .then(|| format!("priority {}", enum_label(&r.actions.priority))),
                                 (!r.actions.assignee_id.is_empty()).then(|| "assign".to_owned()),
                                 (!r.actions.queue_id.is_empty()).then(|| format!("queue {}", queue_name(&r.actions.queue_id)))]
                                .into_iter().flatten().collect::<Vec<_>>().join(", ") };
                            let (mailbox, id, reload, error) =
                                (props.mailbox_id.clone(), r.id.clone(), reload.clone(), error.clone());
                            let delete = Callback::from(move |_| {
                                let (mailbox, id, reload, error) = (mailbox.clone(), id.clone(), reload.clone(), error.clone());
                                spawn_local(async move {
                                    match api::delete_rule(&mailbox, &id).await {
                                        Ok(()) => reload.set(*reload + 1),
                                        Err(e) => error.set(Some(e)),
                                    }
                                });
                            });
                            html! {
                                <tr class="parse-rule" data-id={r.id.clone()}>
                                    <td class="parse-rule-name">{ &r.name }</td><td><code>{ when }</code></td><td>{ then }</td>
                                    <td>if props.writer {
                                        <button type="button" class="btn btn-ghost btn-small parse-rule-delete" onclick={delete}>
                                            { "Delete" }</button>
                                    }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    html! {
        <section class="card" id="parse-rules-card">
            <div class="card-header"><h2>{ "Parse rules" }</h2></div>
            { list }
            if props.writer {
                <form id="parse-rule-form" class="form" onsubmit={submit} novalidate=true>
                    if let Some(e) = &*error { { form_error(e, &fields) } }
                    <Field label="Name" id="rule-name" error={field_error("name")}>
                        <input id="rule-name" type="text" value={(*name).clone()} oninput={bind(&name)} /></Field>
                    <Field label="Sender matches (regex)" id="rule-from" error={field_error("from_pattern")}>
                        <input id="rule-from" type="text" value={(*from).clone()} oninput={bind(&from)} /></Field>
                    <Field label="Subject matches (regex)" id="rule-subject" error={field_error("subject_pattern")}>
                        <input id="rule-subject" type="text" value={(*subject).clone()} oninput={bind(&subject)} /></Field>
                    <Field label="Body matches (regex)" id="rule-body" error={field_error("body_pattern")}>
                        <input id="rule-body" type="text" value={(*body).clone()} oninput={bind(&body)} /></Field>
                    <Field label="Set company" id="rule-company" error={field_error("company_id")}>
                        <CompanySelect id="rule-company" value={(*company).clone()} blank="(unchanged)"
                            on_change={Callback::from({ let c = company.clone(); move |v| c.set(v) })} /></Field>
                    <Field label="Set priority" id="rule-priority">
                        <select id="rule-priority" onchange={bind_select(&priority)}>
                            { enum_options(TICKET_PRIORITIES, &priority, Some("(unchanged)")) }
                        </select></Field>
                    <Field label="Put in queue" id="rule-queue" error={field_error("queue_id")}>
                        <select id="rule-queue" onchange={bind_select(&queue)}>
                            <option value="" selected={queue.is_empty()}>{ "(none)" }</option>
                            { for queue_list.iter().filter(|q| q["active"].as_bool().unwrap_or(true)).map(|q| {
                                let id = q["id"].as_str().unwrap_or_default().to_owned();
                                html! { <option value={id.clone()} selected={*queue == id}>
                                    { q["name"].as_str().unwrap_or_default() }</option> }
                            }) }
                        </select></Field>
                    <label class="checkbox"><input type="checkbox" id="rule-ignore" checked={*ignore}
                        onchange={Callback::from({ let i = ignore.clone(); move |_| i.set(!*i) })} />
                        { "Ignore matching messages" }</label>
                    <button type="submit" class="btn btn-primary" id="rule-create">{ "Add rule" }</button>
                </form>
            }
        </section>
    }
}
