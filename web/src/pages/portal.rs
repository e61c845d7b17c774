//! The client portal (`/portal/…`): sign-in (portal users only), accepting an invitation,
//! forgotten and reset passwords, the company's tickets, and for Client Admins the company's
//! portal users. Links in mails carry their token in the URL fragment (`#token=…`).

use std::rc::Rc;

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError, ListQuery, LoginRequest, Me};
use crate::auth;
use crate::components::badge::Badge;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::field::{Field, bind};
use crate::components::portal_users::PortalUsersPanel;
use crate::format::datetime;
use crate::hooks::use_fetch;

/// localStorage key remembering the last organisation used on the portal.
const TENANT_KEY: &str = "psa.portal.tenant";

/// The portal's paths.
#[derive(Clone, Debug, PartialEq, Routable)]
pub enum PortalRoute {
    /// The company's tickets.
    #[at("/portal")]
    Home,
    /// Sign-in.
    #[at("/portal/login")]
    Login,
    /// Set the first password from an invitation link.
    #[at("/portal/accept-invitation")]
    AcceptInvitation,
    /// Ask for a password-reset link.
    #[at("/portal/forgot-password")]
    ForgotPassword,
    /// Set a new password from a reset link.
    #[at("/portal/reset-password")]
    ResetPassword,
    /// Client Admins: the company's portal users.
    #[at("/portal/users")]
    Users,
    /// Raise a ticket.
    #[at("/portal/tickets/new")]
    TicketNew,
    /// One ticket with its public notes.
    #[at("/portal/tickets/:id")]
    Ticket {
        /// Ticket id.
        id: String,
    },
    /// Anything else under `/portal`.
    #[not_found]
    #[at("/portal/404")]
    NotFound,
}

/// The `token` of the page's URL fragment (`#token=…`), if any.
fn fragment_token() -> String {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .map(|t| String::from(js_sys::decode_uri_component(t).unwrap_or_else(|_| t.into())))
        .unwrap_or_default()
}

/// The portal: public pages, or the signed-in portal for portal users.
#[function_component(PortalPage)]
pub fn portal_page() -> Html {
    let me = use_state(|| None::<Rc<Me>>);
    let checked = use_state(|| auth::load().is_none());
    {
        let (me, checked) = (me.clone(), checked.clone());
        use_effect_with((), move |_| {
            let expired = me.clone();
            auth::set_on_expired(Callback::from(move |_| expired.set(None)));
            if !*checked {
                spawn_local(async move {
                    if let Ok(user) = api::me().await
                        && user.kind == "portal"
                    {
                        me.set(Some(Rc::new(user)));
                    }
                    checked.set(true);
                });
            }
        });
    }
    let on_signed_in = {
        let me = me.clone();
        Callback::from(move |user: Me| me.set(Some(Rc::new(user))))
    };
    let sign_out = {
        let me = me.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(tokens) = auth::load() {
                spawn_local(async move {
                    let _ = api::logout(&tokens.refresh_token).await;
                });
            }
            auth::clear();
            me.set(None);
        })
    };
    let me_now = (*me).clone();
    let ready = *checked;
    let render = move |route: PortalRoute| match route {
        PortalRoute::AcceptInvitation => html! { <SetPassword purpose="invitation" portal=true /> },
        PortalRoute::ForgotPassword => html! { <ForgotPassword portal=true /> },
        PortalRoute::ResetPassword => html! { <SetPassword purpose="reset" portal=true /> },
        _ if !ready => html! { <div class="splash"><span class="spinner" aria-hidden="true"></span></div> },
        _ => match &me_now {
            None => html! { <PortalLogin on_signed_in={on_signed_in.clone()} /> },
            Some(user) => html! {
                <PortalShell me={user.clone()} sign_out={sign_out.clone()}>
                    { match route {
                        PortalRoute::Users if user.can("portal_users.read") => html! {
                            <PortalUsersPanel company_id={user.company_id.clone()} self_id={user.user_id.clone()} />
                        },
                        PortalRoute::Home | PortalRoute::Login => html! { <PortalTickets /> },
                        PortalRoute::TicketNew => html! { <PortalTicketNew /> },
                        PortalRoute::Ticket { id } => html! { <PortalTicket {id} /> },
                        _ => html! { <Empty title="Page not found" hint="Use the links above." /> },
                    } }
                </PortalShell>
            },
        },
    };
    html! { <Switch<PortalRoute> render={render} /> }
}

#[derive(Properties, PartialEq)]
struct ShellProps {
    me: Rc<Me>,
    sign_out: Callback<MouseEvent>,
    children: Html,
}

#[function_component(PortalShell)]
fn portal_shell(props: &ShellProps) -> Html {
    let who = if props.me.display_name.is_empty() { props.me.email.clone() } else { props.me.display_name.clone() };
    html! {
        <>
            <header class="topbar">
                <div class="topbar-inner">
                    <Link<PortalRoute> to={PortalRoute::Home} classes="brand">
                        <span class="brand-mark">{ "P" }</span>
                        <span class="brand-name">{ "Client portal" }</span>
                    </Link<PortalRoute>>
                    <nav class="nav-links" aria-label="Portal">
                        <Link<PortalRoute> to={PortalRoute::Home} classes="nav-link">
                            <span id="portal-nav-tickets">{ "Tickets" }</span>
                        </Link<PortalRoute>>
                        if props.me.can("portal_users.read") {
                            <Link<PortalRoute> to={PortalRoute::Users} classes="nav-link">
                                <span id="portal-nav-users">{ "Users" }</span>
                            </Link<PortalRoute>>
                        }
                    </nav>
                    <div class="nav-user">
                        <span class="nav-user-name" id="portal-user-name">{ who }</span>
                        <button type="button" class="btn btn-ghost btn-small" id="portal-signout"
                            onclick={props.sign_out.clone()}>{ "Sign out" }</button>
                    </div>
                </div>
            </header>
            <main class="container">{ props.children.clone() }</main>
        </>
    }
}

#[function_component(PortalTickets)]
fn portal_tickets() -> Html {
    let tickets =
        use_fetch((), |_| async move { api::list_tickets(&ListQuery { page_size: 50, ..ListQuery::default() }).await });
    let body = match &tickets.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(p)) if p.tickets.is_empty() => html! { <Empty title="No tickets yet" /> },
        Some(Ok(p)) => html! {
            <div class="table-wrap">
                <table class="table" id="portal-tickets-table">
                    <thead><tr><th>{ "Number" }</th><th>{ "Title" }</th><th>{ "Status" }</th><th>{ "Opened" }</th></tr></thead>
                    <tbody>
                        { for p.tickets.iter().map(|t| html! {
                            <tr data-testid="portal-ticket-row">
                                <td>{ &t.number }</td>
                                <td class="cell-strong">
                                    <Link<PortalRoute> to={PortalRoute::Ticket { id: t.id.clone() }}>{ &t.title }</Link<PortalRoute>>
                                </td>
                                <td><Badge kind="status" value={t.status.clone()} /></td>
                                <td>{ datetime(&t.create_time) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <div class="page">
            <div class="page-header">
                <h1>{ "Your tickets" }</h1>
                <Link<PortalRoute> to={PortalRoute::TicketNew} classes="btn btn-primary">
                    <span id="portal-ticket-new">{ "New ticket" }</span>
                </Link<PortalRoute>>
            </div>
            <section class="card">{ body }</section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct LoginProps {
    on_signed_in: Callback<Me>,
}

#[function_component(PortalLogin)]
fn portal_login(props: &LoginProps) -> Html {
    let tenant = use_state(|| LocalStorage::get::<String>(TENANT_KEY).unwrap_or_default());
    let email = use_state(String::new);
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (tenant, email, password, busy, error) =
            (tenant.clone(), email.clone(), password.clone(), busy.clone(), error.clone());
        let on_signed_in = props.on_signed_in.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = LoginRequest {
                tenant: tenant.trim().to_string(),
                email: email.trim().to_string(),
                password: (*password).clone(),
            };
            if request.tenant.is_empty() || request.email.is_empty() || request.password.is_empty() {
                error.set(Some(ApiError {
                    detail: "Enter your organisation, email and password.".into(),
                    ..ApiError::default()
                }));
                return;
            }
            busy.set(true);
            error.set(None);
            let (busy, error, on_signed_in) = (busy.clone(), error.clone(), on_signed_in.clone());
            spawn_local(async move {
                let result = async {
                    let pair = api::portal_login(&request).await?;
                    auth::store(&pair);
                    api::me().await
                }
                .await;
                busy.set(false);
                match result {
                    Ok(me) => {
                        let _ = LocalStorage::set(TENANT_KEY, &request.tenant);
                        on_signed_in.emit(me);
                    }
                    Err(mut err) => {
                        auth::clear();
                        if err.status == 401 {
                            err.detail = "The organisation, email or password is not right.".into();
                        }
                        error.set(Some(err));
                    }
                }
            });
        })
    };
    html! {
        <div class="login-screen">
            <form class="login-card" id="portal-login-form" {onsubmit} novalidate=true>
                <h1>{ "Client portal" }</h1>
                <p class="muted">{ "Sign in to see and raise your tickets." }</p>
                if let Some(err) = &*error {
                    <div class="alert alert-error" role="alert" id="portal-login-error">{ err.message() }</div>
                }
                <Field label="Organisation" id="portal-login-tenant">
                    <input id="portal-login-tenant" type="text" autocapitalize="none" spellcheck="false"
                        value={(*tenant).clone()} oninput={bind(&tenant)} />
                </Field>
                <Field label="Email" id="portal-login-email">
                    <input id="portal-login-email" type="email" autocomplete="username"
                        value={(*email).clone()} oninput={bind(&email)} />
                </Field>
                <Field label="Password" id="portal-login-password">
                    <input id="portal-login-password" type="password" autocomplete="current-password"
                        value={(*password).clone()} oninput={bind(&password)} />
                </Field>
                <button type="submit" class="btn btn-primary btn-block" id="portal-login-submit" disabled={*busy}>
                    { if *busy { "Signing in…" } else { "Sign in" } }
                </button>
                <p class="muted small">
                    <Link<PortalRoute> to={PortalRoute::ForgotPassword}>{ "Forgot your password?" }</Link<PortalRoute>>
                </p>
            </form>
        </div>
    }
}

/// Props of [`SetPassword`].
#[derive(Properties, PartialEq)]
pub struct SetPasswordProps {
    /// `invitation` (portal users' first password) or `reset`.
    pub purpose: AttrValue,
    /// A portal account (else staff: `/reset-password` of the staff app).
    pub portal: bool,
}

/// A password form for the token in the page's `#token=…`: accepting an invitation or
/// resetting a password.
#[function_component(SetPassword)]
pub fn set_password(props: &SetPasswordProps) -> Html {
    let token = use_state(fragment_token);
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let done = use_state(|| false);
    let invitation = props.purpose == "invitation";
    let portal = props.portal;
    let sign_in = if portal { "/portal/login" } else { "/login" };
    let onsubmit = {
        let (token, password, confirm, busy, error, done) =
            (token.clone(), password.clone(), confirm.clone(), busy.clone(), error.clone(), done.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *password != *confirm {
                error.set(Some(ApiError { detail: "The two passwords differ.".into(), ..ApiError::default() }));
                return;
            }
            busy.set(true);
            error.set(None);
            let (token, pass) = ((*token).clone(), (*password).clone());
            let (busy, error, done) = (busy.clone(), error.clone(), done.clone());
            spawn_local(async move {
                let result = if invitation {
                    api::accept_invitation(&token, &pass).await
                } else {
                    api::reset_password(portal, &token, &pass).await
                };
                busy.set(false);
                match result {
                    Ok(()) => done.set(true),
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let title = if invitation { "Welcome to the client portal" } else { "Choose a new password" };
    if *done {
        return html! {
            <div class="login-screen">
                <div class="login-card" id="set-password-done">
                    <h1>{ title }</h1>
                    <p>{ if invitation { "Your password is set." } else { "Your password has been changed." } }</p>
                    <a href={sign_in} class="btn btn-primary btn-block" id="set-password-signin">{ "Sign in" }</a>
                </div>
            </div>
        };
    }
    html! {
        <div class="login-screen">
            <form class="login-card" id="set-password-form" {onsubmit} novalidate=true>
                <h1>{ title }</h1>
                if token.is_empty() {
                    <div class="alert alert-error" role="alert">{ "This page needs the link from your mail." }</div>
                }
                if let Some(err) = &*error {
                    <div class="alert alert-error" role="alert" id="set-password-error">
                        { if err.field("token").is_some() {
                            "This link is invalid, already used or expired. Ask for a new one.".to_string()
                        } else { err.message() } }
                    </div>
                }
                <Field label="Password" id="set-password-new" error={error.as_ref().and_then(|e| e.field("password").or_else(|| e.field("newPassword")))}>
                    <input id="set-password-new" type="password" autocomplete="new-password"
                        value={(*password).clone()} oninput={bind(&password)} />
                </Field>
                <Field label="Repeat the password" id="set-password-confirm">
                    <input id="set-password-confirm" type="password" autocomplete="new-password"
                        value={(*confirm).clone()} oninput={bind(&confirm)} />
                </Field>
                <button type="submit" class="btn btn-primary btn-block" id="set-password-submit"
                    disabled={*busy || token.is_empty()}>
                    { if invitation { "Set password" } else { "Change password" } }
                </button>
            </form>
        </div>
    }
}

/// Props of [`ForgotPassword`].
#[derive(Properties, PartialEq)]
pub struct ForgotPasswordProps {
    /// A portal account (else staff).
    pub portal: bool,
}

/// Asks for a password-reset link; the answer never says whether the account exists.
#[function_component(ForgotPassword)]
pub fn forgot_password(props: &ForgotPasswordProps) -> Html {
    let portal = props.portal;
    let key = if portal { TENANT_KEY } else { "psa.tenant" };
    let tenant = use_state(|| LocalStorage::get::<String>(key).unwrap_or_default());
    let email = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let sent = use_state(|| false);
    let onsubmit = {
        let (tenant, email, busy, error, sent) =
            (tenant.clone(), email.clone(), busy.clone(), error.clone(), sent.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            busy.set(true);
            error.set(None);
            let (t, m) = (tenant.trim().to_string(), email.trim().to_string());
            let (busy, error, sent) = (busy.clone(), error.clone(), sent.clone());
            spawn_local(async move {
                let result = api::forgot_password(portal, &t, &m).await;
                busy.set(false);
                match result {
                    Ok(()) => sent.set(true),
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    html! {
        <div class="login-screen">
            <form class="login-card" id="forgot-form" {onsubmit} novalidate=true>
                <h1>{ "Forgot your password?" }</h1>
                if *sent {
                    <div class="alert alert-success" role="status" id="forgot-sent">
                        { "If an account exists for this address, a link to choose a new password is on its way. It works once, for one hour." }
                    </div>
                } else {
                    if let Some(err) = &*error {
                        <div class="alert alert-error" role="alert">{ err.message() }</div>
                    }
                    <Field label="Organisation" id="forgot-tenant">
                        <input id="forgot-tenant" type="text" value={(*tenant).clone()} oninput={bind(&tenant)} />
                    </Field>
                    <Field label="Email" id="forgot-email">
                        <input id="forgot-email" type="email" value={(*email).clone()} oninput={bind(&email)} />
                    </Field>
                    <button type="submit" class="btn btn-primary btn-block" id="forgot-submit" disabled={*busy}>
                        { "Send the link" }
                    </button>
                }
                <p class="muted small">
                    <a href={if portal { "/portal/login" } else { "/login" }}>{ "Back to sign-in" }</a>
                </p>
            </form>
        </div>
    }
}

#[function_component(PortalTicketNew)]
fn portal_ticket_new() -> Html {
    let title = use_state(String::new);
    let description = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let navigator = use_navigator();
    let onsubmit = {
        let (title, description, busy, error) = (title.clone(), description.clone(), busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            busy.set(true);
            error.set(None);
            // The company is the portal user's own (the service sets it from the token).
            let ticket = api::Ticket {
                title: title.trim().to_string(),
                description: description.trim().to_string(),
                ..api::Ticket::default()
            };
            let (busy, error, navigator) = (busy.clone(), error.clone(), navigator.clone());
            spawn_local(async move {
                let result = api::create_ticket(&ticket).await;
                busy.set(false);
                match result {
                    Ok(t) => {
                        if let Some(nav) = &navigator {
                            nav.push(&PortalRoute::Ticket { id: t.id });
                        }
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    html! {
        <div class="page">
            <div class="page-header"><h1>{ "New ticket" }</h1></div>
            <form class="card form" id="portal-ticket-form" {onsubmit} novalidate=true>
                if let Some(err) = &*error {
                    <div class="alert alert-error" role="alert">{ err.message() }</div>
                }
                <Field label="What is the problem?" id="portal-ticket-title" required=true
                    error={error.as_ref().and_then(|e| e.field("title"))}>
                    <input id="portal-ticket-title" type="text" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Details" id="portal-ticket-description">
                    <textarea id="portal-ticket-description" rows="6" value={(*description).clone()}
                        oninput={bind(&description)} />
                </Field>
                <button type="submit" class="btn btn-primary" id="portal-ticket-submit" disabled={*busy}>
                    { "Raise ticket" }
                </button>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TicketProps {
    id: String,
}

#[function_component(PortalTicket)]
fn portal_ticket(props: &TicketProps) -> Html {
    let reload = use_state(|| 0u32);
    let ticket = use_fetch(props.id.clone(), |id: String| async move { api::get_ticket(&id).await });
    let notes =
        use_fetch((props.id.clone(), *reload), |(id, _): (String, u32)| async move { api::list_notes(&id).await });
    let body = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (id, body, error, reload) = (props.id.clone(), body.clone(), error.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // Portal notes are always public.
            let note = api::TicketNote { body: body.trim().to_string(), ..api::TicketNote::default() };
            let (id, body, error, reload) = (id.clone(), body.clone(), error.clone(), reload.clone());
            spawn_local(async move {
                match api::create_note(&id, &note).await {
                    Ok(_) => {
                        body.set(String::new());
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let head = match &ticket.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(t)) => html! {
            <div class="page-header">
                <h1 id="portal-ticket-heading">{ format!("{} {}", t.number, t.title) }</h1>
                <Badge kind="status" value={t.status.clone()} />
            </div>
        },
    };
    let list = match &notes.result {
        Some(Ok(list)) if list.is_empty() => html! { <Empty title="No replies yet" /> },
        Some(Ok(list)) => html! {
            <ul class="notes" id="portal-notes">
                { for list.iter().map(|n| html! {
                    <li class="note" data-testid="portal-note">
                        <p class="pre">{ &n.body }</p>
                        <span class="muted small">{ datetime(&n.create_time) }</span>
                    </li>
                }) }
            </ul>
        },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        None => html! { <Loading /> },
    };
    html! {
        <div class="page">
            { head }
            if let Some(Ok(t)) = &ticket.result {
                if !t.description.is_empty() { <section class="card"><p class="pre">{ &t.description }</p></section> }
            }
            <section class="card">
                <div class="card-header"><h2>{ "Conversation" }</h2></div>
                { list }
                <form class="form" id="portal-note-form" {onsubmit} novalidate=true>
                    if let Some(err) = &*error {
                        <div class="alert alert-error" role="alert">{ err.message() }</div>
                    }
                    <Field label="Reply" id="portal-note-body">
                        <textarea id="portal-note-body" rows="3" value={(*body).clone()} oninput={bind(&body)} />
                    </Field>
                    <button type="submit" class="btn btn-primary" id="portal-note-submit">{ "Send" }</button>
                </form>
            </section>
        </div>
    }
}
