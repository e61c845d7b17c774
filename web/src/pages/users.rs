//! User administration (issue 5): the tenant's staff users (create with roles, change roles,
//! disable / enable, unlock; last sign-in and last password change per seed 001) and roles
//! (the PRD's standard roles, custom roles created with permission checkboxes).

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError, RoleInfo, UserInfo};
use crate::app::use_session;
use crate::components::feedback::{ErrorBanner, Loading};
use crate::format::datetime;
use crate::hooks::use_fetch;

fn has(perms: &[String], p: &str) -> bool {
    perms.iter().any(|x| x == p || x == "*")
}

fn input_value(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

/// A checkbox list toggling strings in `state`; each box carries its value as `data-value`.
fn checkboxes(items: &[(String, String)], state: &UseStateHandle<Vec<String>>) -> Html {
    html! {
        { for items.iter().map(|(value, label)| {
            let checked = state.contains(value);
            let (state, v) = (state.clone(), value.clone());
            let onchange = Callback::from(move |e: Event| {
                let on = e.target_unchecked_into::<HtmlInputElement>().checked();
                let mut next: Vec<String> = (*state).iter().filter(|x| **x != v).cloned().collect();
                if on { next.push(v.clone()); }
                state.set(next);
            });
            html! {
                <label class="checkbox">
                    <input type="checkbox" data-value={value.clone()} {checked} {onchange} />
                    { label }
                </label>
            }
        }) }
    }
}

/// The users and roles page.
#[function_component(UsersPage)]
pub fn users_page() -> Html {
    let session = use_session();
    let perms = session.me.permissions.clone();
    let reload = use_state(|| 0u32);
    let error = use_state(|| None::<ApiError>);
    let users = use_fetch(*reload, |_| async move { api::list_users().await });
    let roles = use_fetch(*reload, |_| async move { api::list_roles().await });
    let can_write = has(&perms, "users.write");
    let staff_roles: Vec<RoleInfo> = match &roles.result {
        Some(Ok(r)) => r.iter().filter(|r| !r.portal).cloned().collect(),
        _ => Vec::new(),
    };
    let role_name = {
        let staff_roles = staff_roles.clone();
        move |id: &str| staff_roles.iter().find(|r| r.id == id).map_or_else(|| id.to_owned(), |r| r.name.clone())
    };

    let run = {
        let (reload, error) = (reload.clone(), error.clone());
        move |fut: std::pin::Pin<Box<dyn std::future::Future<Output = api::ApiResult<UserInfo>>>>| {
            let (reload, error) = (reload.clone(), error.clone());
            spawn_local(async move {
                match fut.await {
                    Ok(_) => {
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };

    // new user form
    let (email, name, password) = (use_node_ref(), use_node_ref(), use_node_ref());
    let new_roles = use_state(Vec::<String>::new);
    let create = {
        let (email, name, password, new_roles, run) =
            (email.clone(), name.clone(), password.clone(), new_roles.clone(), run.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (em, nm, pw, rs) =
                (input_value(&email), input_value(&name), input_value(&password), (*new_roles).clone());
            for r in [&email, &name, &password] {
                if let Some(i) = r.cast::<HtmlInputElement>() {
                    i.set_value("");
                }
            }
            new_roles.set(Vec::new());
            run(Box::pin(async move { api::create_user(&em, &nm, &pw, &rs).await }));
        })
    };
    let role_items: Vec<(String, String)> = staff_roles.iter().map(|r| (r.id.clone(), r.name.clone())).collect();

    let table = match &users.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="users-table">
                    <thead><tr>
                        <th>{ "Email" }</th><th>{ "Name" }</th><th>{ "Roles" }</th><th>{ "Status" }</th>
                        <th>{ "Last sign-in" }</th><th>{ "Password changed" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|u| {
                            let active = u.status == "USER_STATUS_ACTIVE";
                            let action = |verb: &'static str| {
                                let (id, run) = (u.id.clone(), run.clone());
                                Callback::from(move |_| {
                                    let id = id.clone();
                                    run(Box::pin(async move { api::user_action(&id, verb).await }))
                                })
                            };
                            let set_role = {
                                let (id, run) = (u.id.clone(), run.clone());
                                Callback::from(move |e: Event| {
                                    let role = crate::components::field::event_value(&e);
                                    let id = id.clone();
                                    run(Box::pin(async move { api::set_user_roles(&id, &[role]).await }))
                                })
                            };
                            let status = if !active { "Disabled" } else if u.locked { "Locked" } else { "Active" };
                            html! {
                                <tr class="user-row" data-id={u.id.clone()} data-email={u.email.clone()}>
                                    <td class="user-email">{ &u.email }</td>
                                    <td>{ &u.display_name }</td>
                                    <td class="user-roles">
                                        { u.role_ids.iter().map(|r| role_name(r)).collect::<Vec<_>>().join(", ") }
                                        if can_write {
                                            <select class="user-role-select" aria-label="Set role" onchange={set_role}>
                                                <option value="" selected=true disabled=true>{ "Set role…" }</option>
                                                { for staff_roles.iter().map(|r| html! {
                                                    <option value={r.id.clone()}>{ &r.name }</option>
                                                }) }
                                            </select>
                                        }
                                    </td>
                                    <td class="user-status">{ status }</td>
                                    <td>{ datetime(&u.last_login_time) }</td>
                                    <td>{ datetime(&u.last_password_change_time) }</td>
                                    <td>
                                        if can_write && u.id != session.me.user_id {
                                            if active {
                                                <button type="button" class="btn btn-ghost btn-small user-disable"
                                                    onclick={action("disable")}>{ "Disable" }</button>
                                            } else {
                                                <button type="button" class="btn btn-ghost btn-small user-enable"
                                                    onclick={action("enable")}>{ "Enable" }</button>
                                            }
                                        }
                                        if can_write && u.locked {
                                            <button type="button" class="btn btn-ghost btn-small user-unlock"
                                                onclick={action("unlock")}>{ "Unlock" }</button>
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
        <div class="page" id="users-page">
            <div class="page-header"><h1>{ "Users" }</h1></div>
            <div class="stack">
                <section class="card" id="users">
                    if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
                    if can_write {
                        <form class="form" id="user-form" onsubmit={create}>
                            <label class="field"><span>{ "Email" }</span>
                                <input type="email" id="user-email" ref={email} /></label>
                            <label class="field"><span>{ "Name" }</span>
                                <input type="text" id="user-name" ref={name} /></label>
                            <label class="field"><span>{ "Initial password" }</span>
                                <input type="password" id="user-password" ref={password} autocomplete="new-password" /></label>
                            <fieldset class="field" id="user-roles">
                                <legend>{ "Roles" }</legend>
                                { checkboxes(&role_items, &new_roles) }
                            </fieldset>
                            <button type="submit" class="btn btn-primary" id="user-create">{ "Create user" }</button>
                        </form>
                    }
                    { table }
                </section>
                <Roles />
            </div>
        </div>
    }
}

#[function_component(Roles)]
fn roles() -> Html {
    let session = use_session();
    let perms = session.me.permissions.clone();
    let reload = use_state(|| 0u32);
    let error = use_state(|| None::<ApiError>);
    let list = use_fetch(*reload, |_| async move { api::list_roles().await });
    let (name, description) = (use_node_ref(), use_node_ref());
    let chosen = use_state(Vec::<String>::new);
    let can_write = has(&perms, "roles.write");
    let grantable: Vec<(String, String)> =
        perms.iter().filter(|p| p.as_str() != "*").map(|p| (p.clone(), p.clone())).collect();
    let create = {
        let (name, description, chosen, reload, error) =
            (name.clone(), description.clone(), chosen.clone(), reload.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (n, d, p) = (input_value(&name), input_value(&description), (*chosen).clone());
            let (reload, error, chosen, name) = (reload.clone(), error.clone(), chosen.clone(), name.clone());
            spawn_local(async move {
                match api::create_role(&n, &d, &p).await {
                    Ok(_) => {
                        if let Some(i) = name.cast::<HtmlInputElement>() {
                            i.set_value("");
                        }
                        chosen.set(Vec::new());
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let table = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(roles)) => html! {
            <div class="table-wrap">
                <table class="table" id="roles-table">
                    <thead><tr><th>{ "Role" }</th><th>{ "Kind" }</th><th>{ "Permissions" }</th></tr></thead>
                    <tbody>
                        { for roles.iter().map(|r| html! {
                            <tr class="role-row" data-id={r.id.clone()}>
                                <td class="role-name" title={r.description.clone()}>{ &r.name }</td>
                                <td>{ if r.standard { if r.portal { "Standard (portal)" } else { "Standard" } } else { "Custom" } }</td>
                                <td>{ for r.permissions.iter().map(|p| html! { <span class="tag">{ p }</span> }) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" id="roles">
            <div class="card-header"><h2>{ "Roles" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            if can_write {
                <form class="form" id="role-form" onsubmit={create}>
                    <label class="field"><span>{ "Name" }</span><input type="text" id="role-name" ref={name} /></label>
                    <label class="field"><span>{ "Description" }</span>
                        <input type="text" id="role-description" ref={description} /></label>
                    <fieldset class="field">
                        <legend>{ "Permissions" }</legend>
                        { checkboxes(&grantable, &chosen) }
                    </fieldset>
                    <button type="submit" class="btn btn-primary" id="role-create">{ "Create role" }</button>
                </form>
            }
            { table }
        </section>
    }
}
