//! Tenant administration for the platform's Super Admins: the tenants with their state,
//! provisioning (the first admin's password is shown once), suspend / reactivate, usage and the
//! full export (zip).

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::admin::{self, CreatedTenant, NewTenant, Tenant, TenantUsage};
use crate::components::feedback::{ErrorBanner, Loading, form_error};
use crate::format::datetime;
use crate::hooks::use_fetch;

/// The tenants page.
#[function_component(TenantsPage)]
pub fn tenants_page() -> Html {
    let reload = use_state(|| 0u32);
    let list = use_fetch(*reload, |_| async move { admin::list_tenants("").await });
    let created = use_state(|| None::<CreatedTenant>);
    let error = use_state(|| None::<ApiError>);
    let form_err = use_state(|| None::<ApiError>);
    let usage = use_state(|| None::<(String, TenantUsage)>);
    let (slug, name, email) = (use_node_ref(), use_node_ref(), use_node_ref());

    let create = {
        let (slug, name, email) = (slug.clone(), name.clone(), email.clone());
        let (created, form_err, reload) = (created.clone(), form_err.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let v = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let t = NewTenant { slug: v(&slug), name: v(&name), admin_email: v(&email) };
            let (created, form_err, reload) = (created.clone(), form_err.clone(), reload.clone());
            spawn_local(async move {
                match admin::create_tenant(&t).await {
                    Ok(c) => {
                        created.set(Some(c));
                        form_err.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => form_err.set(Some(e)),
                }
            });
        })
    };
    let act = |t: &Tenant, what: &'static str| {
        let (id, slug) = (t.id.clone(), t.slug.clone());
        let (error, reload, usage) = (error.clone(), reload.clone(), usage.clone());
        Callback::from(move |_| {
            let (id, slug) = (id.clone(), slug.clone());
            let (error, reload, usage) = (error.clone(), reload.clone(), usage.clone());
            spawn_local(async move {
                let result = match what {
                    "suspend" => admin::set_suspended(&id, true).await.map(|_| reload.set(*reload + 1)),
                    "reactivate" => admin::set_suspended(&id, false).await.map(|_| reload.set(*reload + 1)),
                    "usage" => admin::usage(&id).await.map(|u| usage.set(Some((slug.clone(), u)))),
                    _ => admin::export_tenant(&id, &slug).await,
                };
                error.set(result.err());
            });
        })
    };
    let rows = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(page)) => html! {
            <div class="table-wrap">
                <table class="table" id="tenants-table">
                    <thead><tr>
                        <th>{ "Slug" }</th><th>{ "Name" }</th><th>{ "State" }</th><th>{ "Created" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for page.tenants.iter().map(|t| {
                            let suspended = t.state == "SUSPENDED";
                            html! {
                                <tr class="tenant-row" data-slug={t.slug.clone()}>
                                    <td><code>{ &t.slug }</code>
                                        if t.platform { <span class="tag">{ "platform" }</span> }</td>
                                    <td>{ &t.name }</td>
                                    <td class="tenant-state">
                                        if suspended {
                                            <span class="badge badge-danger">{ format!("Suspended {}", datetime(&t.suspend_time)) }</span>
                                        } else {
                                            <span class="badge badge-success">{ "Active" }</span>
                                        }
                                    </td>
                                    <td>{ datetime(&t.create_time) }</td>
                                    <td class="actions">
                                        <button type="button" class="btn btn-ghost btn-small tenant-usage" onclick={act(t, "usage")}>{ "Usage" }</button>
                                        <button type="button" class="btn btn-ghost btn-small tenant-export" onclick={act(t, "export")}>{ "Export" }</button>
                                        if suspended {
                                            <button type="button" class="btn btn-small tenant-reactivate" onclick={act(t, "reactivate")}>{ "Reactivate" }</button>
                                        } else if !t.platform {
                                            <button type="button" class="btn btn-danger btn-small tenant-suspend" onclick={act(t, "suspend")}>{ "Suspend" }</button>
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
        <div class="page" id="tenants-page">
            <div class="page-header"><h1>{ "Tenants" }</h1></div>
            <div class="stack">
                <section class="card">
                    <div class="card-header"><h2>{ "New tenant" }</h2></div>
                    if let Some(e) = &*form_err { { form_error(e, &["slug", "name", "adminEmail"]) } }
                    if let Some(c) = &*created {
                        <div class="notes-block" id="tenant-created">
                            <p>{ format!("Tenant \u{201c}{}\u{201d} created. Give its admin this password now: it is not shown again.", c.tenant.slug) }</p>
                            <code id="tenant-admin-password">{ &c.admin_password }</code>
                        </div>
                    }
                    <form class="form" id="tenant-form" onsubmit={create}>
                        <label class="field"><span>{ "Slug" }</span>
                            <input type="text" id="tenant-slug" ref={slug} maxlength="63" /></label>
                        <label class="field"><span>{ "Name" }</span>
                            <input type="text" id="tenant-name" ref={name} maxlength="200" /></label>
                        <label class="field"><span>{ "Admin email" }</span>
                            <input type="email" id="tenant-admin-email" ref={email} /></label>
                        <button type="submit" class="btn btn-primary" id="tenant-create">{ "Create tenant" }</button>
                    </form>
                </section>
                <section class="card">
                    <div class="card-header"><h2>{ "All tenants" }</h2></div>
                    if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
                    if let Some((slug, u)) = &*usage {
                        <dl class="usage" id="tenant-usage">
                            <dt>{ "Tenant" }</dt><dd>{ slug }</dd>
                            <dt>{ "Users (active)" }</dt><dd>{ format!("{} ({})", u.users, u.active_users) }</dd>
                            <dt>{ "Open sessions" }</dt><dd>{ &u.open_sessions }</dd>
                            <dt>{ "Tickets" }</dt><dd class="usage-tickets">{ &u.tickets }</dd>
                            <dt>{ "Storage (bytes)" }</dt><dd class="usage-storage">{ &u.storage_bytes }</dd>
                            <dt>{ "Audit entries" }</dt><dd>{ &u.audit_log_entries }</dd>
                        </dl>
                    }
                    { rows }
                </section>
            </div>
        </div>
    }
}
