//! Tickets list with filters: status, priority, queue, company, "assigned to me" and a title
//! search (AIP-160 filter of `GET /api/v1/tickets`).

use serde::Deserialize;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ListQuery, quote};
use crate::app::Route;
use crate::components::company_select::CompanySelect;
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::field::{enum_options, event_value};
use crate::components::pager::{Cursor, Pager};
use crate::components::ticket_table::TicketTable;
use crate::format::{TICKET_PRIORITIES, TICKET_STATUSES};
use crate::hooks::use_fetch;

const PAGE_SIZE: u32 = 50;

/// Optional query string: `?company=<id>&status=TICKET_STATUS_OPEN`.
#[derive(Clone, Debug, Default, Deserialize)]
struct TicketsQuery {
    #[serde(default)]
    company: String,
    #[serde(default)]
    status: String,
}

/// The tickets list page.
#[function_component(TicketsPage)]
pub fn tickets_page() -> Html {
    let initial = use_location().and_then(|l| l.query::<TicketsQuery>().ok()).unwrap_or_default();
    let status = use_state(|| initial.status.clone());
    let company = use_state(|| initial.company.clone());
    let priority = use_state(String::new);
    let queue = use_state(String::new);
    let mine = use_state(|| false);
    let search = use_state(String::new);
    let session = crate::app::use_session();
    let me = session.me.user_id.clone();
    let queues = use_fetch((), |_| async { Ok(api::desk::list(api::desk::QUEUES).await.unwrap_or_default()) });
    let queues = match &queues.result {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    let cursor = use_state(Cursor::default);
    let reload = use_state(|| 0u32);
    let navigator = use_navigator();

    let filter = api::and(&[
        if status.is_empty() { String::new() } else { format!("status={}", *status) },
        if priority.is_empty() { String::new() } else { format!("priority={}", *priority) },
        if queue.is_empty() { String::new() } else { format!("queue_id={}", quote(&queue)) },
        if company.is_empty() { String::new() } else { format!("company_id={}", quote(&company)) },
        if *mine && !me.is_empty() { format!("assignee_id={}", quote(&me)) } else { String::new() },
        if search.trim().is_empty() { String::new() } else { format!("title:{}", quote(search.trim())) },
    ]);
    let page = use_fetch((filter.clone(), (*cursor).clone(), *reload), |(filter, cursor, _)| async move {
        api::list_tickets(&ListQuery { filter, page_token: cursor.token, page_size: PAGE_SIZE, ..ListQuery::default() })
            .await
    });

    let on_status = {
        let (status, cursor) = (status.clone(), cursor.clone());
        Callback::from(move |e: Event| {
            status.set(event_value(&e));
            cursor.set(Cursor::default());
        })
    };
    // A select's value into `state`, back to the first page.
    let pick = |state: &UseStateHandle<String>| {
        let (state, cursor) = (state.clone(), cursor.clone());
        Callback::from(move |e: Event| {
            state.set(event_value(&e));
            cursor.set(Cursor::default());
        })
    };
    let on_mine = {
        let (mine, cursor) = (mine.clone(), cursor.clone());
        Callback::from(move |_: Event| {
            mine.set(!*mine);
            cursor.set(Cursor::default());
        })
    };
    let on_search = {
        let (search, cursor) = (search.clone(), cursor.clone());
        Callback::from(move |e: InputEvent| {
            search.set(event_value(&e));
            cursor.set(Cursor::default());
        })
    };
    let on_company = {
        let (company, cursor) = (company.clone(), cursor.clone());
        Callback::from(move |id: String| {
            company.set(id);
            cursor.set(Cursor::default());
        })
    };
    let on_clear = {
        let (status, company, cursor) = (status.clone(), company.clone(), cursor.clone());
        let (priority, queue, mine, search) = (priority.clone(), queue.clone(), mine.clone(), search.clone());
        Callback::from(move |_| {
            status.set(String::new());
            company.set(String::new());
            priority.set(String::new());
            queue.set(String::new());
            mine.set(false);
            search.set(String::new());
            cursor.set(Cursor::default());
        })
    };
    let on_page = {
        let cursor = cursor.clone();
        Callback::from(move |c: Cursor| cursor.set(c))
    };
    let refresh = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    let new_ticket = {
        let company = company.clone();
        Callback::from(move |_| {
            if let Some(nav) = &navigator {
                if company.is_empty() {
                    nav.push(&Route::TicketNew);
                } else {
                    let q = crate::pages::company_detail::CompanyQuery { company: (*company).clone() };
                    let _ = nav.push_with_query(&Route::TicketNew, &q);
                }
            }
        })
    };

    let filtered = !filter.is_empty();
    let body = match &page.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} on_retry={refresh.clone()} /> },
        Some(Ok(p)) if p.tickets.is_empty() && filtered => html! {
            <Empty title="No tickets match these filters">
                <button type="button" class="btn btn-secondary" onclick={on_clear.clone()}>{ "Clear filters" }</button>
            </Empty>
        },
        Some(Ok(p)) if p.tickets.is_empty() => html! {
            <Empty title="No tickets yet" hint="New requests from clients will show up here.">
                <button type="button" class="btn btn-primary" onclick={new_ticket.clone()}>{ "New ticket" }</button>
            </Empty>
        },
        Some(Ok(p)) => html! {
            <>
                <TicketTable id="tickets-table" tickets={p.tickets.clone()} />
                <Pager id="tickets-pager" cursor={(*cursor).clone()} next_token={p.next_page_token.clone()} on_change={on_page} />
            </>
        },
    };

    html! {
        <div class="page">
            <div class="page-header">
                <div>
                    <h1>{ "Tickets" }</h1>
                    <p class="muted">{ "The service desk queue, newest first." }</p>
                </div>
                <div class="page-actions">
                    <button type="button" class="btn btn-secondary" id="tickets-refresh" onclick={refresh.reform(|_: MouseEvent| ())}
                        disabled={page.loading}>
                        { "Refresh" }
                    </button>
                    <button type="button" class="btn btn-primary" id="ticket-new-open" onclick={new_ticket}>
                        { "New ticket" }
                    </button>
                </div>
            </div>
            <div class="card">
                <div class="toolbar">
                    <label class="toolbar-field">
                        <span>{ "Status" }</span>
                        <select id="tickets-filter-status" onchange={on_status}>
                            { enum_options(TICKET_STATUSES, &status, Some("All statuses")) }
                        </select>
                    </label>
                    <label class="toolbar-field">
                        <span>{ "Priority" }</span>
                        <select id="tickets-filter-priority" onchange={pick(&priority)}>
                            { enum_options(TICKET_PRIORITIES, &priority, Some("All priorities")) }
                        </select>
                    </label>
                    if !queues.is_empty() {
                        <label class="toolbar-field">
                            <span>{ "Queue" }</span>
                            <select id="tickets-filter-queue" onchange={pick(&queue)}>
                                <option value="" selected={queue.is_empty()}>{ "All queues" }</option>
                                { for queues.iter().map(|q| {
                                    let id = q["id"].as_str().unwrap_or_default().to_owned();
                                    html! { <option value={id.clone()} selected={id == *queue}>{ q["name"].as_str().unwrap_or_default() }</option> }
                                }) }
                            </select>
                        </label>
                    }
                    <label class="toolbar-field">
                        <span>{ "Company" }</span>
                        <CompanySelect id="tickets-filter-company" value={(*company).clone()} on_change={on_company} blank="All companies" />
                    </label>
                    <label class="toolbar-field checkbox">
                        <input id="tickets-filter-mine" type="checkbox" checked={*mine} onchange={on_mine} />
                        <span>{ "Assigned to me" }</span>
                    </label>
                    <label class="toolbar-field">
                        <span>{ "Title" }</span>
                        <input id="tickets-filter-search" type="search" placeholder="Search titles" value={(*search).clone()} oninput={on_search} />
                    </label>
                    if filtered {
                        <button type="button" class="btn btn-ghost btn-small" id="tickets-clear" onclick={on_clear.clone()}>{ "Clear" }</button>
                    }
                    <span class="spacer"></span>
                    if page.loading && page.result.is_some() {
                        <span class="muted small">{ "Refreshing…" }</span>
                    }
                </div>
                { body }
            </div>
        </div>
    }
}
