//! A table of tickets.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::Ticket;
use crate::app::Route;
use crate::components::badge::Badge;
use crate::components::sla::SlaClocks;
use crate::format::datetime;

/// Props of [`TicketTable`].
#[derive(Properties, PartialEq)]
pub struct TicketTableProps {
    /// Rows.
    pub tickets: Vec<Ticket>,
    /// Show the company column.
    #[prop_or(true)]
    pub show_company: bool,
    /// Element id of the table.
    #[prop_or_default]
    pub id: AttrValue,
}

/// Number, title, company, status, priority, SLA, created; rows link to the ticket.
#[function_component(TicketTable)]
pub fn ticket_table(props: &TicketTableProps) -> Html {
    html! {
        <div class="table-wrap">
            <table class="table" id={props.id.clone()}>
                <thead>
                    <tr>
                        <th class="nowrap">{ "Number" }</th>
                        <th>{ "Title" }</th>
                        if props.show_company { <th>{ "Company" }</th> }
                        <th>{ "Status" }</th>
                        <th>{ "Priority" }</th>
                        <th class="nowrap">{ "SLA" }</th>
                        <th class="nowrap">{ "Created" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for props.tickets.iter().map(|t| row(t, props.show_company)) }
                </tbody>
            </table>
        </div>
    }
}

fn row(t: &Ticket, show_company: bool) -> Html {
    let to = Route::Ticket { id: t.id.clone() };
    html! {
        <tr data-testid="ticket-row" data-id={t.id.clone()}>
            <td class="nowrap mono" data-testid="ticket-number">
                <Link<Route> to={to.clone()}>{ &t.number }</Link<Route>>
            </td>
            <td class="cell-strong" data-testid="ticket-title">
                <Link<Route> to={to}>{ &t.title }</Link<Route>>
            </td>
            if show_company {
                <td data-testid="ticket-company">
                    if t.company_name.is_empty() {
                        <span class="muted" title="The company's name has not arrived yet">{ "…" }</span>
                    } else {
                        <Link<Route> to={Route::Company { id: t.company_id.clone() }}>{ &t.company_name }</Link<Route>>
                    }
                </td>
            }
            <td data-testid="ticket-status"><Badge kind="status" value={t.status.clone()} /></td>
            <td data-testid="ticket-priority"><Badge kind="priority" value={t.priority.clone()} /></td>
            <td><SlaClocks sla={t.sla.clone()} compact=true /></td>
            <td class="nowrap muted">{ datetime(&t.create_time) }</td>
        </tr>
    }
}
