//! Client 360: one company with its details and business fields, lifecycle, hierarchy,
//! contacts, sites, contracts with scopes/SAFs/COCs, team, notes, open tickets (tickets
//! service), recent activity (cards in [`super::client360`]), proposals ([`super::commercial`])
//! and attachments ([`crate::components::attachments`]).

use serde::Serialize;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::attachments::company_attachments_path;
use crate::api::clients::{self, Overview};
use crate::api::commercial;
use crate::api::settings::RateCardTarget;
use crate::api::{self, Contact, ListQuery, quote};
use crate::app::{Route, use_session};
use crate::components::attachments::AttachmentsCard;
use crate::components::badge::Badge;
use crate::components::company_form::CompanyForm;
use crate::components::contact_form::ContactForm;
use crate::components::custom_fields::{CustomFieldValues, header_cells, loaded, use_definitions, value_cells};
use crate::components::feedback::{Empty, ErrorBanner, Loading};
use crate::components::portal_users::PortalUsersPanel;
use crate::components::rate_card::RateCardEditor;
use crate::components::ticket_table::TicketTable;
use crate::format::{datetime, enum_label, or_dash};
use crate::hooks::use_fetch;
use crate::pages::client360::{
    ActivityCard, AgreementsCard, HierarchyCard, NotesCard, SitesCard, StatusCard, TeamCard,
};

/// Query string of the new-ticket and tickets pages (`?company=<id>`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct CompanyQuery {
    /// Company id.
    #[serde(default)]
    pub company: String,
}

/// Props of [`CompanyPage`].
#[derive(Properties, PartialEq)]
pub struct CompanyPageProps {
    /// Company id from the path.
    pub id: String,
}

/// The company detail page.
#[function_component(CompanyPage)]
pub fn company_page(props: &CompanyPageProps) -> Html {
    let reload = use_state(|| 0u32);
    let company = use_fetch((props.id.clone(), *reload), |(id, _)| async move { clients::get_overview(&id).await });
    let retry = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    match &company.result {
        None => html! { <div class="page"><Loading /></div> },
        Some(Err(err)) => html! {
            <div class="page">
                <Breadcrumb name="Company" />
                <ErrorBanner error={err.clone()} on_retry={retry} />
            </div>
        },
        Some(Ok(o)) => html! { <CompanyView overview={o.clone()} on_change={retry} /> },
    }
}

#[derive(Properties, PartialEq)]
struct BreadcrumbProps {
    name: AttrValue,
}

#[function_component(Breadcrumb)]
fn breadcrumb(props: &BreadcrumbProps) -> Html {
    html! {
        <nav class="breadcrumb" aria-label="Breadcrumb">
            <Link<Route> to={Route::Companies}>{ "Companies" }</Link<Route>>
            <span class="sep">{ "/" }</span>
            <span>{ &props.name }</span>
        </nav>
    }
}

#[derive(Properties, PartialEq)]
struct CompanyViewProps {
    overview: Overview,
    on_change: Callback<()>,
}

#[function_component(CompanyView)]
fn company_view(props: &CompanyViewProps) -> Html {
    let c = &props.overview.company;
    let (overview, on_change) = (props.overview.clone(), props.on_change.clone());
    let deal = if c.estimated_deal_value.is_empty() {
        "—".to_string()
    } else {
        format!("{} {}", c.estimated_deal_value, c.deal_currency)
    };
    let can_see_portal_users = use_session().me.can("portal_users.read");
    let can_see_proposals = use_session().me.can("proposals.read");
    let can_read_company = use_session().me.can("companies.read");
    let can_read_sla = use_session().me.can("sla.read");
    let navigator = use_navigator();
    let new_ticket = {
        let id = c.id.clone();
        Callback::from(move |_| {
            if let Some(nav) = &navigator {
                let _ = nav.push_with_query(&Route::TicketNew, &CompanyQuery { company: id.clone() });
            }
        })
    };
    let editing = use_state(|| false);
    let toggle_edit = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(!*editing))
    };
    let on_saved = {
        let (editing, on_change) = (editing.clone(), on_change.clone());
        Callback::from(move |_: api::Company| {
            editing.set(false);
            on_change.emit(());
        })
    };
    let on_edit_cancel = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(false))
    };
    let can_edit = use_session().me.can("companies.write");
    let can_see_rates = use_session().me.can("services.read");
    let can_write_rates = use_session().me.can("services.write");
    let address = c.address.as_ref().map(|a| a.one_line()).unwrap_or_default();
    let website = if c.website.is_empty() {
        html! { { "—" } }
    } else {
        html! { <a href={c.website.clone()} target="_blank" rel="noopener noreferrer">{ &c.website }</a> }
    };
    html! {
        <div class="page" id="company-detail" data-id={c.id.clone()}>
            <Breadcrumb name={c.name.clone()} />
            <div class="page-header">
                <div>
                    <h1 id="company-name">{ &c.name }</h1>
                    <p class="header-meta">
                        <Badge kind="company-status" value={c.status.clone()} />
                        <span>{ enum_label(&c.company_type) }</span>
                        if !c.industry.is_empty() { <span>{ &c.industry }</span> }
                    </p>
                </div>
                <div class="page-actions">
                    if can_edit && !*editing {
                        <button type="button" class="btn btn-secondary" id="company-edit-open" onclick={toggle_edit}>
                            { "Edit" }
                        </button>
                    }
                    <button type="button" class="btn btn-primary" id="company-new-ticket" onclick={new_ticket}>
                        { "New ticket" }
                    </button>
                </div>
            </div>
            if *editing {
                <CompanyForm company={c.clone()} on_created={on_saved} on_cancel={on_edit_cancel} />
            }
            <div class="detail-grid">
                <section class="card">
                    <div class="card-header"><h2>{ "Details" }</h2></div>
                    <dl class="props">
                        <dt>{ "Type" }</dt><dd>{ enum_label(&c.company_type) }</dd>
                        <dt>{ "Status" }</dt><dd>{ enum_label(&c.status) }</dd>
                        <dt>{ "Industry" }</dt><dd>{ or_dash(&c.industry) }</dd>
                        <dt>{ "Size" }</dt><dd>{ enum_label(&c.company_size) }</dd>
                        <dt>{ "Source" }</dt><dd>{ or_dash(&c.source) }</dd>
                        <dt>{ "Lead score" }</dt>
                        <dd id="company-lead-score">{ c.lead_score.map_or_else(|| "—".to_string(), |s| s.to_string()) }</dd>
                        <dt>{ "Estimated deal value" }</dt><dd id="company-deal-value">{ deal }</dd>
                        <dt>{ "First interaction" }</dt><dd>{ or_dash(&c.first_interaction_date) }</dd>
                        <dt>{ "Website" }</dt><dd>{ website }</dd>
                        <dt>{ "Phone" }</dt><dd>{ or_dash(&c.phone) }</dd>
                        <dt>{ "Address" }</dt><dd>{ or_dash(&address) }</dd>
                        <dt>{ "Tags" }</dt>
                        <dd id="company-tags">
                            if c.tags.is_empty() { { "—" } }
                            { for c.tags.iter().map(|t| html! { <span class="tag">{ t }</span> }) }
                        </dd>
                        <CustomFieldValues entity="CUSTOM_FIELD_ENTITY_COMPANY" values={c.custom_fields.clone()} />
                        <dt>{ "Created" }</dt><dd>{ datetime(&c.create_time) }</dd>
                        <dt>{ "Updated" }</dt><dd>{ datetime(&c.update_time) }</dd>
                    </dl>
                    if !c.notes.is_empty() {
                        <div class="notes-block">
                            <h3>{ "Notes" }</h3>
                            <p class="pre">{ &c.notes }</p>
                        </div>
                    }
                </section>
                <div class="stack">
                    <Contacts company_id={c.id.clone()} />
                    <CompanyTickets company_id={c.id.clone()} />
                    if can_see_portal_users {
                        <PortalUsersPanel company_id={c.id.clone()} />
                    }
                </div>
                <div class="stack">
                    <StatusCard overview={overview.clone()} on_change={on_change.clone()} />
                    <HierarchyCard overview={overview.clone()} on_change={on_change.clone()} />
                    <SitesCard overview={overview.clone()} on_change={on_change.clone()} />
                    <TeamCard overview={overview.clone()} on_change={on_change.clone()} />
                    <NotesCard overview={overview.clone()} on_change={on_change.clone()} />
                    if can_read_company {
                        <AttachmentsCard id="company-attachments" path={company_attachments_path(&c.id)}
                            can_write={can_edit} />
                    }
                    if can_read_sla {
                        <crate::pages::sla::CompanySlaCard company_id={c.id.clone()} />
                    }
                </div>
                <div class="stack">
                    <AgreementsCard overview={overview.clone()} on_change={on_change.clone()} />
                    <ActivityCard overview={overview.clone()} on_change={on_change.clone()} />
                    if can_see_proposals {
                        <crate::pages::commercial::ProposalsCard company_id={c.id.clone()} />
                    }
                    if can_see_rates {
                        <RateCardEditor target={RateCardTarget::Company(c.id.clone())} title="Rate card"
                            can_write={can_write_rates}
                            fallback_hint="This client's contracts use the tenant's default rate card." />
                    }
                </div>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct CompanyIdProps {
    company_id: String,
}

#[function_component(Contacts)]
fn contacts(props: &CompanyIdProps) -> Html {
    let reload = use_state(|| 0u32);
    let adding = use_state(|| false);
    let editing = use_state(|| None::<Contact>);
    let defs = use_definitions("CUSTOM_FIELD_ENTITY_CONTACT");
    let defs = loaded(&defs);
    let edit = |c: &Contact| {
        let (editing, c) = (editing.clone(), c.clone());
        Callback::from(move |_: MouseEvent| editing.set(Some(c.clone())))
    };
    let on_saved = {
        let (editing, reload) = (editing.clone(), reload.clone());
        Callback::from(move |_: Contact| {
            editing.set(None);
            reload.set(*reload + 1);
        })
    };
    let on_edit_cancel = {
        let editing = editing.clone();
        Callback::from(move |_| editing.set(None))
    };
    let contacts = use_fetch((props.company_id.clone(), *reload), |(id, _)| async move {
        api::list_contacts(&id).await.map(|p| p.contacts)
    });
    let toggle = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(!*adding))
    };
    let on_created = {
        let (adding, reload) = (adding.clone(), reload.clone());
        Callback::from(move |_: Contact| {
            adding.set(false);
            reload.set(*reload + 1);
        })
    };
    let on_cancel = {
        let adding = adding.clone();
        Callback::from(move |_| adding.set(false))
    };
    let retry = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    let action_error = use_state(|| None::<api::ApiError>);
    let run = {
        let (reload, action_error) = (reload.clone(), action_error.clone());
        move |call: std::pin::Pin<Box<dyn std::future::Future<Output = api::ApiResult<Contact>>>>| {
            let (reload, action_error) = (reload.clone(), action_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match call.await {
                    Ok(_) => {
                        action_error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        }
    };
    let delete = |id: String| {
        let run = run.clone();
        Callback::from(move |_: MouseEvent| {
            let id = id.clone();
            run(Box::pin(async move { commercial::delete_contact(&id).await }));
        })
    };
    let merge = |id: String| {
        let run = run.clone();
        Callback::from(move |e: Event| {
            let (id, target) = (id.clone(), crate::components::field::event_value(&e));
            if !target.is_empty() {
                run(Box::pin(async move { commercial::merge_contact(&id, &target).await }));
            }
        })
    };
    let body = match &contacts.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} on_retry={retry} /> },
        Some(Ok(list)) if list.is_empty() => html! {
            <Empty title="No contacts yet" hint="Add the people you work with at this company." />
        },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="contacts-table">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Title" }</th><th>{ "Email" }</th><th>{ "Phone" }</th><th>{ "Type" }</th>
                        { header_cells(&defs) }
                        <th />
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|c| html! {
                            <tr data-testid="contact-row" data-id={c.id.clone()}>
                                <td class="cell-strong">{ c.full_name() }</td>
                                <td>{ or_dash(&c.title) }</td>
                                <td>
                                    if c.email.is_empty() { { "—" } }
                                    else { <a href={format!("mailto:{}", c.email)}>{ &c.email }</a> }
                                </td>
                                <td>{ or_dash(&c.phone) }</td>
                                <td>{ enum_label(&c.contact_type) }</td>
                                { value_cells(&defs, &c.custom_fields) }
                                <td class="row-actions">
                                    <button type="button" class="btn btn-small contact-edit" onclick={edit(c)}>
                                        { "Edit" }
                                    </button>
                                    <select class="contact-merge" aria-label="Merge into" onchange={merge(c.id.clone())}>
                                        <option value="" selected=true>{ "Merge into…" }</option>
                                        { for list.iter().filter(|o| o.id != c.id).map(|o| html! {
                                            <option value={o.id.clone()}>{ o.full_name() }</option>
                                        }) }
                                    </select>
                                    <button type="button" class="btn btn-small contact-delete" onclick={delete(c.id.clone())}>
                                        { "Delete" }
                                    </button>
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" id="company-contacts">
            <div class="card-header">
                <h2>{ "Contacts" }</h2>
                if !*adding {
                    <button type="button" class="btn btn-secondary btn-small" id="contact-new-open" onclick={toggle}>
                        { "Add contact" }
                    </button>
                }
            </div>
            if *adding {
                <ContactForm company_id={props.company_id.clone()} {on_created} {on_cancel} />
            }
            if let Some(c) = &*editing {
                <ContactForm key={c.id.clone()} company_id={props.company_id.clone()} contact={c.clone()}
                    on_created={on_saved} on_cancel={on_edit_cancel} />
            }
            if let Some(e) = &*action_error { <ErrorBanner error={e.clone()} /> }
            { body }
        </section>
    }
}

#[function_component(CompanyTickets)]
fn company_tickets(props: &CompanyIdProps) -> Html {
    let tickets = use_fetch(props.company_id.clone(), |id: String| async move {
        api::list_tickets(&ListQuery {
            filter: format!(
                "company_id={} AND status!=TICKET_STATUS_RESOLVED AND status!=TICKET_STATUS_CLOSED",
                quote(&id)
            ),
            page_size: 50,
            ..ListQuery::default()
        })
        .await
    });
    let navigator = use_navigator();
    let view_all = {
        let id = props.company_id.clone();
        Callback::from(move |_| {
            if let Some(nav) = &navigator {
                let _ = nav.push_with_query(&Route::Tickets, &CompanyQuery { company: id.clone() });
            }
        })
    };
    let body = match &tickets.result {
        None => html! { <Loading /> },
        Some(Err(err)) => html! { <ErrorBanner error={err.clone()} /> },
        Some(Ok(p)) if p.tickets.is_empty() => html! {
            <Empty title="No open tickets for this company" hint="Use New ticket to raise one." />
        },
        Some(Ok(p)) => html! {
            <>
                <TicketTable id="company-tickets-table" tickets={p.tickets.clone()} show_company={false} />
                if !p.next_page_token.is_empty() {
                    <p class="card-footer muted small">{ "Showing the 50 most recent open tickets." }</p>
                }
            </>
        },
    };
    html! {
        <section class="card" id="company-tickets">
            <div class="card-header">
                <h2>{ "Open tickets" }</h2>
                <button type="button" class="btn btn-ghost btn-small" onclick={view_all}>{ "Open in ticket list" }</button>
            </div>
            { body }
        </section>
    }
}
