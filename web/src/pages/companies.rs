//! Companies list: search, status and custom-field filters, pagination, new company form and CSV import.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::settings::CustomFieldDefinition;
use crate::api::{self, Company, ListQuery, quote};
use crate::app::Route;
use crate::components::badge::Badge;
use crate::components::company_form::CompanyForm;
use crate::components::custom_fields::{CustomFieldFilter, header_cells, loaded, use_definitions, value_cells};
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::field::{bind, enum_options, event_value};
use crate::components::import_panel::ImportPanel;
use crate::components::pager::{Cursor, Pager};
use crate::format::{COMPANY_STATUSES, date, enum_label, or_dash};
use crate::hooks::use_fetch;

const PAGE_SIZE: u32 = 25;

#[derive(Clone, Copy, PartialEq)]
enum Panel {
    None,
    New,
    Import,
}

/// The companies list page.
#[function_component(CompaniesPage)]
pub fn companies_page() -> Html {
    // What is typed in the search box vs. the search applied.
    let search_input = use_state(String::new);
    let search = use_state(String::new);
    let status = use_state(String::new);
    // The applied `custom_fields.<key> = "…"` term, and a counter that remounts its inputs on Clear.
    let custom = use_state(String::new);
    let custom_reset = use_state(|| 0u32);
    let cursor = use_state(Cursor::default);
    let reload = use_state(|| 0u32);
    let panel = use_state(|| Panel::None);
    let notice = use_state(|| None::<Html>);
    let defs = use_definitions("CUSTOM_FIELD_ENTITY_COMPANY");
    let defs = loaded(&defs);

    let filter = api::and(&[
        if search.trim().is_empty() { String::new() } else { format!("name:{}", quote(search.trim())) },
        if status.is_empty() { String::new() } else { format!("status={}", *status) },
        (*custom).clone(),
    ]);
    let page = use_fetch((filter.clone(), (*cursor).clone(), *reload), |(filter, cursor, _)| async move {
        api::list_companies(&ListQuery {
            filter,
            page_token: cursor.token,
            page_size: PAGE_SIZE,
            order_by: "name".into(),
        })
        .await
    });

    let on_search = {
        let (search_input, search, cursor) = (search_input.clone(), search.clone(), cursor.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            search.set((*search_input).clone());
            cursor.set(Cursor::default());
        })
    };
    let on_clear = {
        let (search_input, search, status, custom, custom_reset, cursor) = (
            search_input.clone(),
            search.clone(),
            status.clone(),
            custom.clone(),
            custom_reset.clone(),
            cursor.clone(),
        );
        Callback::from(move |_| {
            search_input.set(String::new());
            search.set(String::new());
            status.set(String::new());
            custom.set(String::new());
            custom_reset.set(*custom_reset + 1);
            cursor.set(Cursor::default());
        })
    };
    let on_custom = {
        let (custom, cursor) = (custom.clone(), cursor.clone());
        Callback::from(move |term: String| {
            custom.set(term);
            cursor.set(Cursor::default());
        })
    };
    let on_status = {
        let (status, cursor) = (status.clone(), cursor.clone());
        Callback::from(move |e: Event| {
            status.set(event_value(&e));
            cursor.set(Cursor::default());
        })
    };
    let on_page = {
        let cursor = cursor.clone();
        Callback::from(move |c: Cursor| cursor.set(c))
    };
    let open = |which: Panel| {
        let (panel, notice) = (panel.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            panel.set(if *panel == which { Panel::None } else { which });
        })
    };
    let close = {
        let panel = panel.clone();
        Callback::from(move |_| panel.set(Panel::None))
    };
    let on_created = {
        let (panel, notice, cursor, reload) = (panel.clone(), notice.clone(), cursor.clone(), reload.clone());
        Callback::from(move |c: Company| {
            panel.set(Panel::None);
            notice.set(Some(html! {
                <>
                    { "Company " }
                    <Link<Route> to={Route::Company { id: c.id.clone() }}>{ &c.name }</Link<Route>>
                    { " created." }
                </>
            }));
            cursor.set(Cursor::default());
            reload.set(*reload + 1);
        })
    };
    let on_imported = {
        let (cursor, reload) = (cursor.clone(), reload.clone());
        Callback::from(move |_| {
            cursor.set(Cursor::default());
            reload.set(*reload + 1);
        })
    };
    let retry = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };

    let filtered = !filter.is_empty();
    let body = match &page.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} on_retry={retry} /> },
        Some(Ok(p)) if p.companies.is_empty() && filtered => html! {
            <Empty title="No companies match" hint="Try another name, status or custom field value.">
                <button type="button" class="btn btn-secondary" onclick={on_clear.clone()}>{ "Clear filters" }</button>
            </Empty>
        },
        Some(Ok(p)) if p.companies.is_empty() => html! {
            <Empty title="No companies yet" hint="Add your first client, or import a list from CSV.">
                <button type="button" class="btn btn-primary" onclick={open(Panel::New)}>{ "New company" }</button>
            </Empty>
        },
        Some(Ok(p)) => html! {
            <>
                <div class="table-wrap">
                    <table class="table" id="companies-table">
                        <thead>
                            <tr>
                                <th>{ "Name" }</th>
                                <th>{ "Type" }</th>
                                <th>{ "Status" }</th>
                                <th>{ "Industry" }</th>
                                <th>{ "Phone" }</th>
                                <th>{ "Created" }</th>
                                { header_cells(&defs) }
                            </tr>
                        </thead>
                        <tbody>
                            { for p.companies.iter().map(|c| company_row(c, &defs)) }
                        </tbody>
                    </table>
                </div>
                <Pager id="companies-pager" cursor={(*cursor).clone()} next_token={p.next_page_token.clone()} on_change={on_page} />
            </>
        },
    };

    html! {
        <div class="page">
            <div class="page-header">
                <div>
                    <h1>{ "Companies" }</h1>
                    <p class="muted">{ "Clients, prospects, vendors and partners." }</p>
                </div>
                <div class="page-actions">
                    <crate::components::export_button::ExportButton id="companies-export" path="/api/v1/companies"
                        filter={filter.clone()} filename="companies.csv" />
                    <button type="button" class="btn btn-secondary" id="import-open" onclick={open(Panel::Import)}>
                        { "Import CSV" }
                    </button>
                    <button type="button" class="btn btn-primary" id="company-new-open" onclick={open(Panel::New)}>
                        { "New company" }
                    </button>
                </div>
            </div>
            if let Some(n) = &*notice {
                <div class="alert alert-success" role="status" id="company-created">{ n.clone() }</div>
            }
            {
                match *panel {
                    Panel::New => html! { <CompanyForm {on_created} on_cancel={close.clone()} /> },
                    Panel::Import => html! { <ImportPanel {on_imported} on_close={close.clone()} /> },
                    Panel::None => Html::default(),
                }
            }
            <div class="card">
                <div class="toolbar">
                    <form class="search" onsubmit={on_search} role="search">
                        <input id="companies-search" type="search" placeholder="Search by name…"
                            aria-label="Search companies by name"
                            value={(*search_input).clone()} oninput={bind(&search_input)} />
                        <button type="submit" class="btn btn-secondary" id="companies-search-submit">{ "Search" }</button>
                    </form>
                    <label class="toolbar-field">
                        <span>{ "Status" }</span>
                        <select id="companies-filter-status" onchange={on_status}>
                            { enum_options(COMPANY_STATUSES, &status, Some("All (not archived)")) }
                        </select>
                    </label>
                    <CustomFieldFilter key={*custom_reset} id_prefix="companies" defs={defs.clone()} on_change={on_custom} />
                    if filtered {
                        <button type="button" class="btn btn-ghost btn-small" id="companies-clear" onclick={on_clear.clone()}>
                            { "Clear" }
                        </button>
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

fn company_row(c: &Company, defs: &[CustomFieldDefinition]) -> Html {
    html! {
        <tr data-testid="company-row" data-id={c.id.clone()}>
            <td class="cell-strong">
                <Link<Route> to={Route::Company { id: c.id.clone() }}>{ &c.name }</Link<Route>>
            </td>
            <td>{ enum_label(&c.company_type) }</td>
            <td><Badge kind="company-status" value={c.status.clone()} /></td>
            <td>{ or_dash(&c.industry) }</td>
            <td>{ or_dash(&c.phone) }</td>
            <td class="nowrap muted">{ date(&c.create_time) }</td>
            { value_cells(defs, &c.custom_fields) }
        </tr>
    }
}
