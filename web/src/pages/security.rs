//! Account security: two-factor enrolment and password change, the signed-in user's sessions
//! (revoke one or all others), the tenant's API keys (create with a scope from the user's own
//! permissions, secret shown once; revoke) and single sign-on providers.

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError, CreatedApiKey};
use crate::app::use_session;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::format::datetime;
use crate::hooks::use_fetch;
use crate::pages::account::{ChangePassword, MfaEnrolment};
use crate::pages::sso_settings::{IdentityProviders, LdapDirectories};

/// The security page.
#[function_component(SecurityPage)]
pub fn security_page() -> Html {
    let session = use_session();
    let can = |p: &str| session.me.permissions.iter().any(|x| x == p || x == "*");
    let restricted = session.me.permissions.iter().all(|p| p == "account.self");
    // A restricted token (MFA setup or password change pending) gains its permissions on the
    // next refresh: reload so the whole app sees them.
    let reload_app = Callback::from(move |_| {
        if restricted && let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    html! {
        <div class="page" id="security-page">
            <div class="page-header"><h1>{ "Security" }</h1></div>
            if restricted {
                <div class="alert alert-error" role="alert" id="security-restricted">
                    { "Your organisation requires two-factor authentication or a new password before you can continue. Complete the step below." }
                </div>
            }
            <div class="stack">
                <MfaEnrolment on_enrolled={reload_app.clone()} />
                <ChangePassword />
                <Sessions />
                if can("api_keys.read") { <ApiKeys /> }
                if can("security.read") { <IdentityProviders /> }
                if can("security.read") { <LdapDirectories /> }
            </div>
        </div>
    }
}

#[function_component(Sessions)]
fn sessions() -> Html {
    let reload = use_state(|| 0u32);
    let error = use_state(|| None::<ApiError>);
    let list = use_fetch(*reload, |_| async move { api::list_sessions().await });
    let run = {
        let (reload, error) = (reload.clone(), error.clone());
        move |fut: std::pin::Pin<Box<dyn std::future::Future<Output = api::ApiResult<()>>>>| {
            let (reload, error) = (reload.clone(), error.clone());
            spawn_local(async move {
                match fut.await {
                    Ok(()) => {
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let revoke_others = {
        let run = run.clone();
        Callback::from(move |_| run(Box::pin(api::revoke_other_sessions())))
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(sessions)) => html! {
            <div class="table-wrap">
                <table class="table" id="sessions-table">
                    <thead><tr>
                        <th>{ "Signed in" }</th><th>{ "Last seen" }</th><th>{ "IP address" }</th>
                        <th>{ "Browser" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for sessions.iter().map(|s| {
                            let id = s.id.clone();
                            let run = run.clone();
                            let revoke = Callback::from(move |_| {
                                let id = id.clone();
                                run(Box::pin(async move { api::revoke_session(&id).await }))
                            });
                            html! {
                                <tr data-id={s.id.clone()}>
                                    <td>{ datetime(&s.create_time) }</td>
                                    <td>{ datetime(&s.last_seen_time) }</td>
                                    <td>{ &s.ip_address }</td>
                                    <td class="session-agent">{ &s.user_agent }</td>
                                    <td>
                                        if s.current {
                                            <span class="tag session-current">{ "This browser" }</span>
                                        } else {
                                            <button type="button" class="btn btn-ghost btn-small session-revoke"
                                                onclick={revoke}>{ "Revoke" }</button>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" id="sessions">
            <div class="card-header">
                <h2>{ "Sessions" }</h2>
                <button type="button" class="btn btn-small" id="sessions-revoke-others" onclick={revoke_others}>
                    { "Sign out other sessions" }
                </button>
            </div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            { body }
        </section>
    }
}

#[function_component(ApiKeys)]
fn api_keys() -> Html {
    let session = use_session();
    let reload = use_state(|| 0u32);
    let list = use_fetch(*reload, |_| async move { api::list_api_keys().await });
    let name = use_node_ref();
    let scope = use_state(Vec::<String>::new);
    let created = use_state(|| None::<CreatedApiKey>);
    let error = use_state(|| None::<ApiError>);
    let grantable: Vec<String> = session.me.permissions.iter().filter(|p| p.as_str() != "*").cloned().collect();
    let can_write = session.me.permissions.iter().any(|p| p == "api_keys.write" || p == "*");

    let create = {
        let (name, scope, created, error, reload) =
            (name.clone(), scope.clone(), created.clone(), error.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let key_name = name.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let perms = (*scope).clone();
            let (created, error, reload, name) = (created.clone(), error.clone(), reload.clone(), name.clone());
            spawn_local(async move {
                match api::create_api_key(&key_name, &perms).await {
                    Ok(k) => {
                        if let Some(i) = name.cast::<HtmlInputElement>() {
                            i.set_value("");
                        }
                        created.set(Some(k));
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let toggle = |perm: String| {
        let scope = scope.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            let mut next: Vec<String> = (*scope).iter().filter(|p| **p != perm).cloned().collect();
            if on {
                next.push(perm.clone());
            }
            scope.set(next);
        })
    };
    let rows = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(keys)) if keys.is_empty() => html! { <Empty title="No API keys yet" /> },
        Some(Ok(keys)) => html! {
            <div class="table-wrap">
                <table class="table" id="api-keys-table">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Key" }</th><th>{ "Scope" }</th><th>{ "Last used" }</th>
                        <th>{ "Status" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for keys.iter().map(|k| {
                            let id = k.id.clone();
                            let (error, reload) = (error.clone(), reload.clone());
                            let revoke = Callback::from(move |_| {
                                let (id, error, reload) = (id.clone(), error.clone(), reload.clone());
                                spawn_local(async move {
                                    match api::revoke_api_key(&id).await {
                                        Ok(_) => reload.set(*reload + 1),
                                        Err(e) => error.set(Some(e)),
                                    }
                                });
                            });
                            let active = k.revoke_time.is_empty();
                            html! {
                                <tr data-id={k.id.clone()} class="api-key-row">
                                    <td class="api-key-name">{ &k.name }</td>
                                    <td><code>{ format!("{}…", k.prefix) }</code></td>
                                    <td>{ for k.permissions.iter().map(|p| html! { <span class="tag">{ p }</span> }) }</td>
                                    <td>{ datetime(&k.last_used_time) }</td>
                                    <td class="api-key-status">{ if active { "Active" } else { "Revoked" } }</td>
                                    <td>
                                        if active && can_write {
                                            <button type="button" class="btn btn-ghost btn-small api-key-revoke"
                                                onclick={revoke}>{ "Revoke" }</button>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" id="api-keys">
            <div class="card-header"><h2>{ "API keys" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if let Some(k) = &*created {
                <div class="notes-block" id="api-key-created">
                    <p>{ format!("Key \u{201c}{}\u{201d} created. Copy it now: it is not shown again.", k.api_key.name) }</p>
                    <code id="api-key-secret">{ &k.secret }</code>
                </div>
            }
            if can_write {
                <form class="form" id="api-key-form" onsubmit={create}>
                    <label class="field">
                        <span>{ "Name" }</span>
                        <input type="text" id="api-key-name" ref={name} maxlength="100" />
                    </label>
                    <fieldset class="field">
                        <legend>{ "Scope" }</legend>
                        { for grantable.iter().map(|p| html! {
                            <label class="checkbox">
                                <input type="checkbox" data-permission={p.clone()}
                                    checked={scope.contains(p)} onchange={toggle(p.clone())} />
                                { p }
                            </label>
                        }) }
                    </fieldset>
                    <button type="submit" class="btn btn-primary" id="api-key-create">{ "Create key" }</button>
                </form>
            }
            { rows }
        </section>
    }
}
