//! The audit log viewer: search by user, entity, action and time, page through the entries,
//! see each change's old and new values, and download the matching entries as CSV.

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::admin::{self, AuditLog, AuditQuery};
use crate::api::{ApiError, and, quote};
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::pager::{Cursor, Pager};
use crate::format::datetime;
use crate::hooks::use_fetch;

/// The search form's values.
#[derive(Clone, Debug, Default, PartialEq)]
struct Search {
    actor_id: String,
    entity_type: String,
    entity_id: String,
    action: String,
    /// `YYYY-MM-DD` (UTC day start), or empty.
    from: String,
    /// `YYYY-MM-DD` (inclusive, UTC), or empty.
    to: String,
}

impl Search {
    fn query(&self, page_token: &str) -> AuditQuery {
        let eq = |field: &str, v: &str| {
            if v.trim().is_empty() { String::new() } else { format!("{field} = {}", quote(v.trim())) }
        };
        AuditQuery {
            filter: and(&[
                eq("actor_id", &self.actor_id),
                eq("entity_type", &self.entity_type),
                eq("entity_id", &self.entity_id),
                eq("action", &self.action),
            ]),
            start_time: day_start(&self.from, 0),
            end_time: day_start(&self.to, 1),
            page_token: page_token.to_owned(),
        }
    }
}

/// `YYYY-MM-DD` plus `days` as an RFC 3339 UTC midnight, or empty.
fn day_start(day: &str, days: u32) -> String {
    if day.is_empty() {
        return String::new();
    }
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{day}T00:00:00Z")));
    if date.get_time().is_nan() {
        return String::new();
    }
    date.set_utc_date(date.get_utc_date() + days);
    String::from(date.to_iso_string())
}

/// The audit log page.
#[function_component(AuditPage)]
pub fn audit_page() -> Html {
    let search = use_state(Search::default);
    let cursor = use_state(Cursor::default);
    let open = use_state(|| None::<String>);
    let download_error = use_state(|| None::<ApiError>);
    let list = use_fetch(((*search).clone(), cursor.token.clone()), |(s, token)| async move {
        admin::list_audit_logs(&s.query(&token)).await
    });
    let refs: Vec<NodeRef> = (0..6).map(|_| NodeRef::default()).collect();
    let submit = {
        let (search, cursor, refs) = (search.clone(), cursor.clone(), refs.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let v = |i: usize| refs[i].cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            search.set(Search {
                actor_id: v(0),
                entity_type: v(1),
                entity_id: v(2),
                action: v(3),
                from: v(4),
                to: v(5),
            });
            cursor.set(Cursor::default());
        })
    };
    let export = {
        let (search, download_error) = (search.clone(), download_error.clone());
        Callback::from(move |_| {
            let (q, download_error) = (search.query(""), download_error.clone());
            spawn_local(async move { download_error.set(admin::export_audit_logs(&q).await.err()) });
        })
    };
    let on_page = {
        let cursor = cursor.clone();
        Callback::from(move |c: Cursor| cursor.set(c))
    };
    let field = |label: &str, id: &str, r: &NodeRef, kind: &str, placeholder: &str| {
        html! {
            <label class="field">
                <span>{ label }</span>
                <input type={kind.to_owned()} id={id.to_owned()} ref={r.clone()} placeholder={placeholder.to_owned()} />
            </label>
        }
    };
    let body = match &list.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(page)) if page.audit_logs.is_empty() => {
            html! { <Empty title="No entries" hint="Nothing matches this search." /> }
        }
        Some(Ok(page)) => html! {
            <>
                <div class="table-wrap">
                    <table class="table" id="audit-table">
                        <thead><tr>
                            <th>{ "When" }</th><th>{ "Action" }</th><th>{ "Service" }</th><th>{ "Entity" }</th>
                            <th>{ "User" }</th><th>{ "IP address" }</th><th></th>
                        </tr></thead>
                        <tbody>
                            { for page.audit_logs.iter().map(|e| row(e, &open)) }
                        </tbody>
                    </table>
                </div>
                <Pager cursor={(*cursor).clone()} next_token={page.next_page_token.clone()} on_change={on_page} id="audit-pager" />
            </>
        },
    };
    html! {
        <div class="page" id="audit-page">
            <div class="page-header">
                <h1>{ "Audit log" }</h1>
                <button type="button" class="btn btn-secondary" id="audit-export" onclick={export}>
                    { "Export CSV" }
                </button>
            </div>
            <form class="form filters" id="audit-search" onsubmit={submit}>
                { field("User id", "audit-actor", &refs[0], "text", "UUID") }
                { field("Entity type", "audit-entity-type", &refs[1], "text", "companies, users, session…") }
                { field("Entity id", "audit-entity-id", &refs[2], "text", "") }
                { field("Action", "audit-action", &refs[3], "text", "create, update, login…") }
                { field("From", "audit-from", &refs[4], "date", "") }
                { field("To", "audit-to", &refs[5], "date", "") }
                <button type="submit" class="btn btn-primary" id="audit-search-submit">{ "Search" }</button>
            </form>
            if let Some(e) = &*download_error { <ErrorBanner error={e.clone()} /> }
            { body }
        </div>
    }
}

fn row(e: &AuditLog, open: &UseStateHandle<Option<String>>) -> Html {
    let is_open = open.as_deref() == Some(e.id.as_str());
    let toggle = {
        let (open, id) = (open.clone(), e.id.clone());
        Callback::from(move |_| open.set(if is_open { None } else { Some(id.clone()) }))
    };
    let json = |v: &Option<serde_json::Value>| {
        v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_else(|| "—".into())
    };
    html! {
        <>
            <tr class="audit-row" data-id={e.id.clone()} data-action={e.action.clone()}>
                <td>{ datetime(&e.occur_time) }</td>
                <td><span class="tag">{ &e.action }</span></td>
                <td>{ &e.service }</td>
                <td class="audit-entity">{ format!("{} {}", e.entity_type, e.entity_id) }</td>
                <td><code>{ if e.actor_id.is_empty() { "—" } else { &e.actor_id } }</code></td>
                <td>{ &e.ip_address }</td>
                <td>
                    <button type="button" class="btn btn-ghost btn-small audit-details" onclick={toggle}>
                        { if is_open { "Hide" } else { "Details" } }
                    </button>
                </td>
            </tr>
            if is_open {
                <tr class="audit-detail-row">
                    <td colspan="7">
                        <div class="audit-values">
                            <div><h3>{ "Old values" }</h3><pre class="audit-old">{ json(&e.old_values) }</pre></div>
                            <div><h3>{ "New values" }</h3><pre class="audit-new">{ json(&e.new_values) }</pre></div>
                        </div>
                        <p class="muted">{ &e.user_agent }</p>
                    </td>
                </tr>
            }
        </>
    }
}
