//! The tenant's single sign-on providers and LDAP directories on the security page (OpenID Connect: issuer, client
//! id and secret, accepted email domains, just-in-time provisioning). The client secret is
//! write-only: the list only says whether one is stored.

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError, IdentityProviderInfo};
use crate::app::use_session;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::hooks::use_fetch;

fn value(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>().map(|i| i.value().trim().to_owned()).unwrap_or_default()
}

/// After a create or delete: on success clears the form's `inputs`, the error and reloads the
/// list; on failure shows the error.
fn settle<T>(
    result: Result<T, ApiError>,
    inputs: &[NodeRef],
    reload: &UseStateHandle<u32>,
    error: &UseStateHandle<Option<ApiError>>,
) {
    match result {
        Ok(_) => {
            for i in inputs.iter().filter_map(NodeRef::cast::<HtmlInputElement>) {
                i.set_value("");
            }
            error.set(None);
            reload.set(**reload + 1);
        }
        Err(e) => error.set(Some(e)),
    }
}

/// The SSO providers card.
#[function_component(IdentityProviders)]
pub fn identity_providers() -> Html {
    let session = use_session();
    let can_write = session.me.permissions.iter().any(|p| p == "security.write" || p == "*");
    let reload = use_state(|| 0u32);
    let error = use_state(|| None::<ApiError>);
    let list = use_fetch(*reload, |_| async move { api::list_identity_providers().await });
    let refs: [NodeRef; 7] = Default::default();
    let jit = use_node_ref();
    let create = {
        let (refs, jit, reload, error) = (refs.clone(), jit.clone(), reload.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let [name, display, issuer, client, secret, domains, role] = &refs;
            let p = IdentityProviderInfo {
                name: value(name),
                display_name: value(display),
                issuer_url: value(issuer),
                client_id: value(client),
                client_secret: value(secret),
                email_domains: value(domains)
                    .split(',')
                    .map(|d| d.trim().to_owned())
                    .filter(|d| !d.is_empty())
                    .collect(),
                jit_enabled: jit.cast::<HtmlInputElement>().is_some_and(|i| i.checked()),
                jit_role_id: value(role),
                enabled: true,
                ..Default::default()
            };
            let (reload, error, refs) = (reload.clone(), error.clone(), refs.clone());
            spawn_local(async move { settle(api::create_identity_provider(&p).await, &refs, &reload, &error) });
        })
    };
    let rows = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! { <Empty title="No single sign-on providers" /> },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="idp-table">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Issuer" }</th><th>{ "Client" }</th><th>{ "Domains" }</th>
                        <th>{ "Provisioning" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|p| {
                            let (id, reload, error) = (p.id.clone(), reload.clone(), error.clone());
                            let delete = Callback::from(move |_| {
                                let (id, reload, error) = (id.clone(), reload.clone(), error.clone());
                                spawn_local(async move { settle(api::delete_identity_provider(&id).await, &[], &reload, &error) });
                            });
                            html! {
                                <tr class="idp-row" data-id={p.id.clone()}>
                                    <td class="idp-name">{ format!("{} ({})", p.display_name, p.name) }</td>
                                    <td><code>{ &p.issuer_url }</code></td>
                                    <td>{ &p.client_id }{ if p.client_secret_set { " · secret stored" } else { "" } }</td>
                                    <td>{ p.email_domains.join(", ") }</td>
                                    <td>{ if p.jit_enabled { format!("as {}", p.jit_role_id) } else { "off".into() } }</td>
                                    <td>
                                        if can_write {
                                            <button type="button" class="btn btn-ghost btn-small idp-delete"
                                                onclick={delete}>{ "Delete" }</button>
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
    let [name, display, issuer, client, secret, domains, role] = refs;
    html! {
        <section class="card" id="identity-providers">
            <div class="card-header"><h2>{ "Single sign-on" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if can_write {
                <form class="form" id="idp-form" onsubmit={create}>
                    <label class="field"><span>{ "Name (in the sign-in URL)" }</span><input type="text" id="idp-name" ref={name} /></label>
                    <label class="field"><span>{ "Button label" }</span><input type="text" id="idp-display-name" ref={display} /></label>
                    <label class="field"><span>{ "Issuer URL" }</span><input type="url" id="idp-issuer" ref={issuer} /></label>
                    <label class="field"><span>{ "Client id" }</span><input type="text" id="idp-client-id" ref={client} /></label>
                    <label class="field"><span>{ "Client secret" }</span>
                        <input type="password" id="idp-client-secret" ref={secret} autocomplete="off" /></label>
                    <label class="field"><span>{ "Email domains (comma-separated)" }</span>
                        <input type="text" id="idp-domains" ref={domains} /></label>
                    <label class="checkbox"><input type="checkbox" id="idp-jit" ref={jit} />{ "Create unknown users on first sign-in" }</label>
                    <label class="field"><span>{ "Role for new users" }</span>
                        <input type="text" id="idp-jit-role" ref={role} placeholder="technician" /></label>
                    <button type="submit" class="btn btn-primary" id="idp-create">{ "Add provider" }</button>
                </form>
            }
            { rows }
        </section>
    }
}

/// The LDAP directories card.
#[function_component(LdapDirectories)]
pub fn ldap_directories() -> Html {
    let session = use_session();
    let can_write = session.me.permissions.iter().any(|p| p == "security.write" || p == "*");
    let reload = use_state(|| 0u32);
    let error = use_state(|| None::<ApiError>);
    let list = use_fetch(*reload, |_| async move { api::list_ldap_directories().await });
    let refs: [NodeRef; 7] = Default::default();
    let create = {
        let (refs, reload, error) = (refs.clone(), reload.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let [name, url, template, base, service, password, attr] = &refs;
            let d = api::LdapDirectoryInfo {
                name: value(name),
                url: value(url),
                bind_dn_template: value(template),
                search_base: value(base),
                service_bind_dn: value(service),
                service_password: value(password),
                user_attribute: value(attr),
                enabled: true,
                ..Default::default()
            };
            let (reload, error, refs) = (reload.clone(), error.clone(), refs.clone());
            spawn_local(async move { settle(api::create_ldap_directory(&d).await, &refs, &reload, &error) });
        })
    };
    let rows = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! { <Empty title="No LDAP directories" /> },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="ldap-table">
                    <thead><tr><th>{ "Name" }</th><th>{ "Server" }</th><th>{ "User DN" }</th><th></th></tr></thead>
                    <tbody>
                        { for list.iter().map(|d| {
                            let (id, reload, error) = (d.id.clone(), reload.clone(), error.clone());
                            let delete = Callback::from(move |_| {
                                let (id, reload, error) = (id.clone(), reload.clone(), error.clone());
                                spawn_local(async move { settle(api::delete_ldap_directory(&id).await, &[], &reload, &error) });
                            });
                            let dn = if d.bind_dn_template.is_empty() {
                                format!("search {} for {}", d.search_base, d.user_attribute)
                            } else {
                                d.bind_dn_template.clone()
                            };
                            html! {
                                <tr class="ldap-row" data-id={d.id.clone()}>
                                    <td>{ &d.name }</td>
                                    <td><code>{ &d.url }</code></td>
                                    <td><code>{ dn }</code></td>
                                    <td>
                                        if can_write {
                                            <button type="button" class="btn btn-ghost btn-small ldap-delete"
                                                onclick={delete}>{ "Delete" }</button>
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
    let [name, url, template, base, service, password, attr] = refs;
    html! {
        <section class="card" id="ldap-directories">
            <div class="card-header"><h2>{ "LDAP / Active Directory" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if can_write {
                <form class="form" id="ldap-form" onsubmit={create}>
                    <label class="field"><span>{ "Name" }</span><input type="text" id="ldap-name" ref={name} /></label>
                    <label class="field"><span>{ "Server URL" }</span>
                        <input type="text" id="ldap-url" ref={url} placeholder="ldaps://dc1.corp.example" /></label>
                    <label class="field"><span>{ "Bind DN template" }</span>
                        <input type="text" id="ldap-template" ref={template} placeholder="uid={username},ou=people,dc=corp,dc=example" /></label>
                    <label class="field"><span>{ "or search base" }</span><input type="text" id="ldap-search-base" ref={base} /></label>
                    <label class="field"><span>{ "Service account DN" }</span><input type="text" id="ldap-service-dn" ref={service} /></label>
                    <label class="field"><span>{ "Service account password" }</span>
                        <input type="password" id="ldap-service-password" ref={password} autocomplete="off" /></label>
                    <label class="field"><span>{ "Username attribute" }</span>
                        <input type="text" id="ldap-user-attribute" ref={attr} placeholder="uid" /></label>
                    <button type="submit" class="btn btn-primary" id="ldap-create">{ "Add directory" }</button>
                </form>
            }
            { rows }
        </section>
    }
}
