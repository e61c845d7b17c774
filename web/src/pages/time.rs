//! Time: the signed-in user's running timer (with Stop and its ticket), weekly timesheet
//! (entries by day, totals, add and delete while the week is open, submit / recall), for
//! approvers (`time.approve`) the queue of submitted weeks to approve or reject with a reason,
//! and for `time.write` the tenant's work types (create, rate, active) and rounding rule.
//! [`TicketTime`] logs time on a ticket (its contract by default, or another of the company's
//! contracts; project and task ids), starts and stops the timer there and lists the ticket's
//! entries.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::Link;

use crate::api::catalog::{self, Contract};
use crate::api::time::{self as api, TimeEntry, TimeSettings, Timesheet, WorkType};
use crate::api::{ApiError, ListQuery};
use crate::app::{Route, use_session};
use crate::components::badge::Badge;
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::hooks::{submit, use_fetch};

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Today's UTC date, `YYYY-MM-DD`.
fn today() -> String {
    String::from(js_sys::Date::new_0().to_iso_string()).chars().take(10).collect()
}

/// `date` (`YYYY-MM-DD`) moved by `days`, in UTC.
fn shift(date: &str, days: i32) -> String {
    let d = js_sys::Date::new(&format!("{date}T00:00:00Z").into());
    d.set_utc_date((d.get_utc_date() as i32 + days) as u32);
    String::from(d.to_iso_string()).chars().take(10).collect()
}

/// `90` → `1:30`.
fn hours(minutes: i32) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// An RFC 3339 instant as the browser's local `HH:MM`.
fn clock(instant: &str) -> String {
    let d = js_sys::Date::new(&instant.into());
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// The time page.
#[function_component(TimePage)]
pub fn time_page() -> Html {
    let session = use_session();
    let can_approve = session.me.can("time.approve");
    let can_configure = session.me.can("time.write");
    let reload = use_state(|| 0u32);
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    html! {
        <div class="page" id="time-page">
            <div class="page-header"><h1>{ "Time" }</h1></div>
            <div class="stack">
                <RunningTimer reload={*reload} on_change={bump.clone()} />
                <Week reload={*reload} on_change={bump.clone()} />
                if can_approve { <Approvals reload={*reload} on_change={bump.clone()} /> }
                if can_configure {
                    <WorkTypes reload={*reload} on_change={bump} />
                    <Rounding />
                }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct SectionProps {
    reload: u32,
    on_change: Callback<()>,
}

#[function_component(Week)]
fn week(props: &SectionProps) -> Html {
    let day = use_state(today);
    let sheet = use_fetch(((*day).clone(), props.reload), |(d, _)| async move { api::get_timesheet("me", &d).await });
    let types = use_fetch(props.reload, |_| async move { api::list_work_types().await });
    let error = use_state(|| None::<ApiError>);
    let nav = |days: i32| {
        let day = day.clone();
        Callback::from(move |_| day.set(if days == 0 { today() } else { shift(&day, days) }))
    };
    let act = |action: &'static str| {
        let (day, error, done) = (day.clone(), error.clone(), props.on_change.clone());
        Callback::from(move |_| {
            let (d, error, done) = ((*day).clone(), error.clone(), done.clone());
            spawn_local(async move {
                match api::timesheet_action("me", &d, action, "").await {
                    Ok(_) => {
                        error.set(None);
                        done.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let body = match &sheet.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(s)) => {
            let names: Vec<WorkType> = match &types.result {
                Some(Ok(t)) => t.clone(),
                _ => Vec::new(),
            };
            html! {
                <>
                    <div class="card-header">
                        <h2 id="timesheet-week">{ format!("Week of {} – {}", s.week_start, s.week_end) }</h2>
                        <span id="timesheet-status"><Badge kind="timesheet" value={s.status.clone()} /></span>
                    </div>
                    if !s.rejection_reason.is_empty() && s.status == "TIMESHEET_STATUS_REJECTED" {
                        <p class="notice" id="timesheet-rejection">{ format!("Sent back: {}", s.rejection_reason) }</p>
                    }
                    <Entries sheet={s.clone()} work_types={names.clone()} on_change={props.on_change.clone()} />
                    if s.editable() {
                        <NewEntry week_start={s.week_start.clone()} work_types={names}
                            on_change={props.on_change.clone()} />
                    }
                    <div class="toolbar">
                        if s.editable() {
                            <button type="button" class="btn btn-primary" id="timesheet-submit"
                                disabled={s.entry_count == 0} onclick={act("submit")}>{ "Submit for approval" }</button>
                        }
                        if s.status == "TIMESHEET_STATUS_SUBMITTED" {
                            <button type="button" class="btn" id="timesheet-recall" onclick={act("recall")}>
                                { "Recall" }</button>
                        }
                    </div>
                </>
            }
        }
    };
    html! {
        <section class="card" id="timesheet">
            <div class="toolbar">
                <button type="button" class="btn btn-small" id="week-prev" onclick={nav(-7)}>{ "‹ Previous week" }</button>
                <button type="button" class="btn btn-small btn-ghost" id="week-this" onclick={nav(0)}>{ "This week" }</button>
                <button type="button" class="btn btn-small" id="week-next" onclick={nav(7)}>{ "Next week ›" }</button>
            </div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EntriesProps {
    sheet: Timesheet,
    work_types: Vec<WorkType>,
    on_change: Callback<()>,
}

#[function_component(Entries)]
fn entries(props: &EntriesProps) -> Html {
    let error = use_state(|| None::<ApiError>);
    let s = &props.sheet;
    let type_name = |id: &str| props.work_types.iter().find(|w| w.id == id).map(|w| w.name.clone()).unwrap_or_default();
    let delete = |id: String| {
        let (error, done) = (error.clone(), props.on_change.clone());
        Callback::from(move |_| {
            let (id, error, done) = (id.clone(), error.clone(), done.clone());
            spawn_local(async move {
                match api::delete_time_entry(&id).await {
                    Ok(()) => done.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    if s.entries.is_empty() {
        return html! { <Empty title="No time this week" hint="Add an entry below." /> };
    }
    html! {
        <>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            <div class="table-wrap">
                <table class="table" id="timesheet-entries">
                    <thead><tr>
                        <th>{ "Date" }</th><th>{ "Work type" }</th><th class="num">{ "Time" }</th>
                        <th>{ "Billable" }</th><th>{ "Notes" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for s.entries.iter().map(|e: &TimeEntry| html! {
                            <tr data-id={e.id.clone()}>
                                <td>{ &e.date }</td>
                                <td>{ type_name(&e.work_type_id) }</td>
                                <td class="num entry-minutes">{ hours(e.rounded_minutes) }</td>
                                <td>{ if e.billable == Some(true) { "Yes" } else { "No" } }</td>
                                <td>{ &e.notes }</td>
                                <td>
                                    if s.editable() {
                                        <button type="button" class="btn btn-ghost btn-small entry-delete"
                                            onclick={delete(e.id.clone())}>{ "Delete" }</button>
                                    }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            <div class="table-wrap">
                <table class="table" id="timesheet-totals">
                    <thead><tr>
                        { for DAYS.iter().map(|d| html! { <th class="num">{ *d }</th> }) }
                        <th class="num">{ "Total" }</th><th class="num">{ "Billable" }</th>
                    </tr></thead>
                    <tbody><tr>
                        { for s.daily_minutes.iter().map(|m| html! { <td class="num">{ hours(*m) }</td> }) }
                        <td class="num" id="timesheet-total">{ hours(s.total_minutes) }</td>
                        <td class="num" id="timesheet-billable">{ hours(s.billable_minutes) }</td>
                    </tr></tbody>
                </table>
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct NewEntryProps {
    week_start: String,
    work_types: Vec<WorkType>,
    on_change: Callback<()>,
    /// The ticket the time is for (empty: none).
    #[prop_or_default]
    ticket_id: String,
    /// The ticket's company: the contract picker lists its contracts (empty: no picker).
    #[prop_or_default]
    company_id: String,
    /// The ticket's contract, the picker's default.
    #[prop_or_default]
    contract_id: String,
}

/// `C-000001 · Managed services` for the contract picker.
fn contract_label(c: &Contract) -> String {
    if c.number.is_empty() { c.name.clone() } else { format!("{} · {}", c.number, c.name) }
}

/// The form adding an entry: date, minutes, work type, contract (picked from the company's
/// contracts, the ticket's by default), project and task ids, notes.
#[function_component(NewEntry)]
fn new_entry(props: &NewEntryProps) -> Html {
    let date = use_state(|| props.week_start.clone());
    {
        let date = date.clone();
        use_effect_with(props.week_start.clone(), move |w| date.set(w.clone()));
    }
    let minutes = use_state(|| "30".to_owned());
    let work_type = use_state(String::new);
    let notes = use_state(String::new);
    let contract = use_state(|| props.contract_id.clone());
    {
        let contract = contract.clone();
        use_effect_with(props.contract_id.clone(), move |c| contract.set(c.clone()));
    }
    let project = use_state(String::new);
    let task = use_state(String::new);
    let contracts = use_fetch(props.company_id.clone(), |company| async move {
        if company.is_empty() {
            return Ok(Vec::new());
        }
        let q = ListQuery { filter: format!("company_id = \"{company}\""), page_size: 100, ..ListQuery::default() };
        catalog::list_contracts(&q).await.map(|p| p.contracts)
    });
    let error = use_state(|| None::<ApiError>);
    let fields = ["date", "duration_minutes", "work_type_id", "notes", "contract_id", "project_id", "task_id"];
    let submit = {
        let (date, minutes, work_type, notes, error, done) =
            (date.clone(), minutes.clone(), work_type.clone(), notes.clone(), error.clone(), props.on_change.clone());
        let (contract, project, task, ticket) =
            (contract.clone(), project.clone(), task.clone(), props.ticket_id.clone());
        let first = props.work_types.iter().find(|w| w.active).map(|w| w.id.clone()).unwrap_or_default();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let entry = TimeEntry {
                date: (*date).clone(),
                duration_minutes: minutes.trim().parse().unwrap_or(0),
                work_type_id: if work_type.is_empty() { first.clone() } else { (*work_type).clone() },
                notes: (*notes).clone(),
                ticket_id: ticket.clone(),
                contract_id: contract.trim().to_owned(),
                project_id: project.trim().to_owned(),
                task_id: task.trim().to_owned(),
                ..TimeEntry::default()
            };
            let (error, done, notes) = (error.clone(), done.clone(), notes.clone());
            spawn_local(async move {
                match api::create_time_entry(&entry).await {
                    Ok(_) => {
                        error.set(None);
                        notes.set(String::new());
                        done.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    let picker = match &contracts.result {
        _ if props.company_id.is_empty() => html! {},
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) => html! {
            <Field label="Contract" id="entry-contract" error={field_error("contract_id")}>
                <select id="entry-contract" onchange={bind_select(&contract)}>
                    <option value="" selected={contract.is_empty()}>{ "No contract" }</option>
                    { for list.iter().map(|c| html! {
                        <option value={c.id.clone()} selected={*contract == c.id}>{ contract_label(c) }</option>
                    }) }
                </select>
            </Field>
        },
    };
    html! {
        <form class="form-row" id="time-entry-form" onsubmit={submit} novalidate=true>
            if let Some(e) = &*error { { form_error(e, &fields) } }
            <Field label="Date" id="entry-date" required=true error={field_error("date")}>
                <input id="entry-date" type="date" value={(*date).clone()} oninput={bind(&date)} />
            </Field>
            <Field label="Minutes" id="entry-minutes" required=true error={field_error("duration_minutes")}>
                <input id="entry-minutes" type="number" min="1" max="1440" value={(*minutes).clone()}
                    oninput={bind(&minutes)} />
            </Field>
            <Field label="Work type" id="entry-work-type" required=true error={field_error("work_type_id")}>
                <select id="entry-work-type" onchange={bind_select(&work_type)}>
                    { for props.work_types.iter().filter(|w| w.active).map(|w| html! {
                        <option value={w.id.clone()} selected={*work_type == w.id}>{ &w.name }</option>
                    }) }
                </select>
            </Field>
            { picker }
            <Field label="Project" id="entry-project" error={field_error("project_id")}>
                <input id="entry-project" type="text" placeholder="Project id" value={(*project).clone()}
                    oninput={bind(&project)} />
            </Field>
            <Field label="Task" id="entry-task" error={field_error("task_id")}>
                <input id="entry-task" type="text" placeholder="Task id" value={(*task).clone()}
                    oninput={bind(&task)} />
            </Field>
            <Field label="Notes" id="entry-notes" error={field_error("notes")}>
                <input id="entry-notes" type="text" value={(*notes).clone()} oninput={bind(&notes)} />
            </Field>
            <button type="submit" class="btn" id="entry-add">{ "Add time" }</button>
        </form>
    }
}

/// Props of [`TicketTime`].
#[derive(Properties, PartialEq)]
pub struct TicketTimeProps {
    /// The ticket.
    pub ticket_id: String,
    /// Its company (the contract picker lists the company's contracts).
    pub company_id: String,
    /// Its contract (the picker's default), or empty.
    pub contract_id: String,
}

/// "Log time" on a ticket: the signed-in user's timer (start on this ticket with a work type
/// and notes; while one runs, when it started and Stop, which creates the entry), the entry
/// form (today's date, the ticket's contract by default) and the ticket's entries.
#[function_component(TicketTime)]
pub fn ticket_time(props: &TicketTimeProps) -> Html {
    let types = use_fetch((), |_| async move { api::list_work_types().await });
    let logged = use_state(|| 0u32);
    let reload = use_state(|| 0u32);
    let on_change = {
        let logged = logged.clone();
        let reload = reload.clone();
        Callback::from(move |_| {
            logged.set(*logged + 1);
            reload.set(*reload + 1);
        })
    };
    let on_timer = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    let entries =
        use_fetch(
            (props.ticket_id.clone(), *reload),
            |(id, _)| async move { api::list_ticket_time_entries(&id).await },
        );
    let work_types = match &types.result {
        Some(Ok(t)) => t.clone(),
        _ => Vec::new(),
    };
    let type_name = |id: &str| work_types.iter().find(|w| w.id == id).map(|w| w.name.clone()).unwrap_or_default();
    let list = match &entries.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) if list.is_empty() => {
            html! { <p class="muted" id="ticket-time-none">{ "No time logged yet." }</p> }
        }
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="ticket-time-entries">
                    <thead><tr>
                        <th>{ "Date" }</th><th>{ "Work type" }</th><th class="num">{ "Time" }</th>
                        <th>{ "Billable" }</th><th>{ "Notes" }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|e| html! {
                            <tr data-id={e.id.clone()} data-minutes={e.rounded_minutes.to_string()}>
                                <td>{ &e.date }</td>
                                <td>{ type_name(&e.work_type_id) }</td>
                                <td class="num entry-minutes">{ hours(e.rounded_minutes) }</td>
                                <td>{ if e.billable == Some(true) { "Yes" } else { "No" } }</td>
                                <td>{ &e.notes }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" id="ticket-time">
            <div class="card-header"><h2>{ "Log time" }</h2></div>
            <TicketTimer ticket_id={props.ticket_id.clone()} work_types={work_types.clone()} on_change={on_timer} />
            if *logged > 0 {
                <p class="notice" id="ticket-time-logged">{ format!("Entries logged: {}", *logged) }</p>
            }
            <NewEntry week_start={today()} work_types={work_types.clone()} {on_change} ticket_id={props.ticket_id.clone()}
                company_id={props.company_id.clone()} contract_id={props.contract_id.clone()} />
            { list }
        </section>
    }
}

/// Stop: stops the running timer (creating its entry), then refetches it (`reload`) and calls
/// `done`; the API's error goes to `error`.
fn stop_timer(
    busy: &UseStateHandle<bool>,
    error: &UseStateHandle<Option<ApiError>>,
    reload: &UseStateHandle<u32>,
    done: &Callback<()>,
) -> Callback<MouseEvent> {
    let (busy, error, reload, done) = (busy.clone(), error.clone(), reload.clone(), done.clone());
    let after = Callback::from(move |_| {
        reload.set(*reload + 1);
        done.emit(());
    });
    Callback::from(move |_| submit(&busy, &error, &after, api::stop_timer()))
}

#[derive(Properties, PartialEq)]
struct TicketTimerProps {
    ticket_id: String,
    work_types: Vec<WorkType>,
    /// Called after the timer stopped (an entry was created).
    on_change: Callback<()>,
}

/// The timer on the ticket page: "Timer running since HH:MM" with Stop while one runs (on any
/// ticket; a link when it is another), and the start form (work type, notes).
#[function_component(TicketTimer)]
fn ticket_timer(props: &TicketTimerProps) -> Html {
    let reload = use_state(|| 0u32);
    let timer = use_fetch(*reload, |_| async move { api::get_timer().await });
    let work_type = use_state(String::new);
    let notes = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let fields = ["work_type_id", "notes"];
    let start = {
        let (work_type, notes, error, reload, ticket) =
            (work_type.clone(), notes.clone(), error.clone(), reload.clone(), props.ticket_id.clone());
        let first = props.work_types.iter().find(|w| w.active).map(|w| w.id.clone()).unwrap_or_default();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let wt = if work_type.is_empty() { first.clone() } else { (*work_type).clone() };
            let text = (*notes).clone();
            let (error, reload, notes, ticket) = (error.clone(), reload.clone(), notes.clone(), ticket.clone());
            spawn_local(async move {
                match api::start_timer(&wt, &ticket, &text).await {
                    Ok(_) => {
                        error.set(None);
                        notes.set(String::new());
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let busy = use_state(|| false);
    let stop = stop_timer(&busy, &error, &reload, &props.on_change);
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    let running = match &timer.result {
        Some(Ok(Some(t))) => html! {
            <div class="toolbar" id="ticket-timer">
                <span class="notice" id="ticket-timer-running">
                    { format!("Timer running since {}", clock(&t.start_time)) }
                    if t.ticket_id != props.ticket_id && !t.ticket_id.is_empty() {
                        { " on " }
                        <Link<Route> to={Route::Ticket { id: t.ticket_id.clone() }}>{ "another ticket" }</Link<Route>>
                    }
                </span>
                <button type="button" class="btn btn-primary" id="ticket-timer-stop" onclick={stop}>{ "Stop" }</button>
            </div>
        },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        _ => html! {},
    };
    html! {
        <>
            { running }
            <form class="form-row" id="timer-form" onsubmit={start} novalidate=true>
                if let Some(e) = &*error { <div id="timer-error">{ form_error(e, &fields) }</div> }
                <Field label="Work type" id="timer-work-type" required=true error={field_error("work_type_id")}>
                    <select id="timer-work-type" onchange={bind_select(&work_type)}>
                        { for props.work_types.iter().filter(|w| w.active).map(|w| html! {
                            <option value={w.id.clone()} selected={*work_type == w.id}>{ &w.name }</option>
                        }) }
                    </select>
                </Field>
                <Field label="Timer notes" id="timer-notes" error={field_error("notes")}>
                    <input id="timer-notes" type="text" value={(*notes).clone()} oninput={bind(&notes)} />
                </Field>
                <button type="submit" class="btn" id="timer-start">{ "Start timer" }</button>
            </form>
        </>
    }
}

/// The running timer at the top of the Time page: since when, its ticket, Stop.
#[function_component(RunningTimer)]
fn running_timer(props: &SectionProps) -> Html {
    let reload = use_state(|| 0u32);
    let timer = use_fetch((*reload, props.reload), |_| async move { api::get_timer().await });
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let stop = stop_timer(&busy, &error, &reload, &props.on_change);
    let body = match &timer.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(None)) => html! { <p class="muted" id="timer-idle">{ "No timer running. Start one on a ticket." }</p> },
        Some(Ok(Some(t))) => html! {
            <div class="toolbar">
                <span id="timer-running">{ format!("Timer running since {}", clock(&t.start_time)) }</span>
                if !t.ticket_id.is_empty() {
                    <Link<Route> to={Route::Ticket { id: t.ticket_id.clone() }} classes="timer-ticket">{ "Open ticket" }</Link<Route>>
                }
                if !t.notes.is_empty() { <span class="muted">{ &t.notes }</span> }
                <button type="button" class="btn btn-primary" id="timer-stop" onclick={stop}>{ "Stop" }</button>
            </div>
        },
    };
    html! {
        <section class="card" id="time-timer">
            <div class="card-header"><h2>{ "Timer" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            { body }
        </section>
    }
}

/// The tenant's work types (name, default rate, billable, active) with a rate editor and an
/// activate / deactivate toggle per type, and the form creating one.
#[function_component(WorkTypes)]
fn work_types(props: &SectionProps) -> Html {
    let types = use_fetch(props.reload, |_| async move { api::list_work_types().await });
    let name = use_state(String::new);
    let rate = use_state(String::new);
    let billable = use_state(|| true);
    let error = use_state(|| None::<ApiError>);
    let fields = ["name", "default_rate", "currency", "description"];
    let submit = {
        let (name, rate, billable, error, done) =
            (name.clone(), rate.clone(), billable.clone(), error.clone(), props.on_change.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let wt = WorkType {
                name: name.trim().to_owned(),
                default_rate: rate.trim().to_owned(),
                billable: *billable,
                active: true,
                ..WorkType::default()
            };
            let (name, rate, error, done) = (name.clone(), rate.clone(), error.clone(), done.clone());
            spawn_local(async move {
                match api::create_work_type(&wt).await {
                    Ok(_) => {
                        error.set(None);
                        name.set(String::new());
                        rate.set(String::new());
                        done.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let on_billable = {
        let billable = billable.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                billable.set(input.checked());
            }
        })
    };
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    let body = match &types.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! { <Empty title="No work types" hint="Create the first below." /> },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="work-types">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Default rate" }</th><th>{ "Billable" }</th>
                        <th>{ "Active" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|w| html! {
                            <WorkTypeRow key={w.id.clone()} work_type={w.clone()} on_change={props.on_change.clone()} />
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" id="time-work-types">
            <div class="card-header"><h2>{ "Work types" }</h2></div>
            { body }
            <form class="form-row" id="work-type-form" onsubmit={submit} novalidate=true>
                if let Some(e) = &*error { { form_error(e, &fields) } }
                <Field label="Name" id="wt-name" required=true error={field_error("name")}>
                    <input id="wt-name" type="text" value={(*name).clone()} oninput={bind(&name)} />
                </Field>
                <Field label="Default rate" id="wt-rate" error={field_error("default_rate")}>
                    <input id="wt-rate" type="text" inputmode="decimal" placeholder="0.00" value={(*rate).clone()}
                        oninput={bind(&rate)} />
                </Field>
                <Field label="Billable" id="wt-billable">
                    <input id="wt-billable" type="checkbox" checked={*billable} onchange={on_billable} />
                </Field>
                <button type="submit" class="btn" id="wt-add">{ "Add work type" }</button>
            </form>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct WorkTypeRowProps {
    work_type: WorkType,
    on_change: Callback<()>,
}

/// One work type: its rate editable in place (Save), Activate / Deactivate.
#[function_component(WorkTypeRow)]
fn work_type_row(props: &WorkTypeRowProps) -> Html {
    let w = &props.work_type;
    let rate = use_state(|| w.default_rate.clone());
    {
        let rate = rate.clone();
        use_effect_with(w.default_rate.clone(), move |r| rate.set(r.clone()));
    }
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let save = {
        let (busy, error, done) = (busy.clone(), error.clone(), props.on_change.clone());
        move |changed: WorkType| {
            submit(&busy, &error, &done, async move { api::update_work_type(&changed).await });
        }
    };
    let save_rate = {
        let (w, rate, save) = (w.clone(), rate.clone(), save.clone());
        Callback::from(move |_| save(WorkType { default_rate: rate.trim().to_owned(), ..w.clone() }))
    };
    let toggle = {
        let w = w.clone();
        Callback::from(move |_| save(WorkType { active: !w.active, ..w.clone() }))
    };
    let rate_error = (*error).as_ref().and_then(|e| e.field("default_rate"));
    let other = (*error).as_ref().filter(|_| rate_error.is_none()).map(|e| e.message());
    let input_id = format!("wt-rate-{}", w.id);
    html! {
        <tr data-id={w.id.clone()} data-name={w.name.clone()}>
            <td class="wt-name">{ &w.name }</td>
            <td>
                <Field label="Rate" id={input_id.clone()} error={rate_error}>
                    <input id={input_id} class="wt-rate" type="text" inputmode="decimal" value={(*rate).clone()}
                        oninput={bind(&rate)} />
                </Field>
                if let Some(m) = other { <p class="field-error wt-error">{ m }</p> }
            </td>
            <td class="wt-billable">{ if w.billable { "Yes" } else { "No" } }</td>
            <td class="wt-active">{ if w.active { "Active" } else { "Inactive" } }</td>
            <td>
                <button type="button" class="btn btn-small wt-save" onclick={save_rate}>{ "Save rate" }</button>
                <button type="button" class="btn btn-small btn-ghost wt-toggle" onclick={toggle}>
                    { if w.active { "Deactivate" } else { "Activate" } }</button>
            </td>
        </tr>
    }
}

const ROUNDING: [&str; 4] =
    ["ROUNDING_METHOD_NONE", "ROUNDING_METHOD_UP", "ROUNDING_METHOD_DOWN", "ROUNDING_METHOD_NEAREST"];

/// The tenant's rounding rule: method, increment and minimum minutes, Save.
#[function_component(Rounding)]
fn rounding() -> Html {
    let current = use_fetch((), |_| async move { api::get_time_settings().await });
    let method = use_state(String::new);
    let increment = use_state(String::new);
    let minimum = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    {
        let (method, increment, minimum) = (method.clone(), increment.clone(), minimum.clone());
        let loaded = match &current.result {
            Some(Ok(s)) => Some(s.clone()),
            _ => None,
        };
        use_effect_with(loaded, move |s| {
            if let Some(s) = s {
                let m = if s.method.is_empty() || s.method.ends_with("UNSPECIFIED") {
                    "ROUNDING_METHOD_NONE".to_owned()
                } else {
                    s.method.clone()
                };
                method.set(m);
                increment.set(s.increment_minutes.to_string());
                minimum.set(s.minimum_minutes.to_string());
            }
        });
    }
    let fields = ["method", "increment_minutes", "minimum_minutes"];
    let submit = {
        let (method, increment, minimum, error, saved) =
            (method.clone(), increment.clone(), minimum.clone(), error.clone(), saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            saved.set(false);
            let Ok(inc) = increment.trim().parse::<i32>() else {
                error.set(Some(ApiError::invalid_field("increment_minutes", "Enter whole minutes.")));
                return;
            };
            let Ok(min) = minimum.trim().parse::<i32>() else {
                error.set(Some(ApiError::invalid_field("minimum_minutes", "Enter whole minutes.")));
                return;
            };
            let settings = TimeSettings { method: (*method).clone(), increment_minutes: inc, minimum_minutes: min };
            let (error, saved) = (error.clone(), saved.clone());
            spawn_local(async move {
                match api::update_time_settings(&settings).await {
                    Ok(_) => {
                        error.set(None);
                        saved.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let field_error = |f: &str| (*error).as_ref().and_then(|e| e.field(f));
    html! {
        <section class="card" id="time-rounding">
            <div class="card-header"><h2>{ "Rounding" }</h2></div>
            if let Some(Err(e)) = &current.result { <ErrorBanner error={e.clone()} /> }
            <p class="muted">{ "Durations are rounded to the increment, then raised to the minimum. \
                Applies to entries created or changed afterwards." }</p>
            <form class="form-row" id="rounding-form" onsubmit={submit} novalidate=true>
                if let Some(e) = &*error { { form_error(e, &fields) } }
                <Field label="Method" id="rounding-method" error={field_error("method")}>
                    <select id="rounding-method" onchange={bind_select(&method)}>
                        { enum_options(&ROUNDING, &method, None) }
                    </select>
                </Field>
                <Field label="Increment (minutes)" id="rounding-increment" error={field_error("increment_minutes")}>
                    <input id="rounding-increment" type="number" min="1" max="60" value={(*increment).clone()}
                        oninput={bind(&increment)} />
                </Field>
                <Field label="Minimum (minutes)" id="rounding-minimum" error={field_error("minimum_minutes")}>
                    <input id="rounding-minimum" type="number" min="0" max="1440" value={(*minimum).clone()}
                        oninput={bind(&minimum)} />
                </Field>
                <button type="submit" class="btn btn-primary" id="rounding-save">{ "Save" }</button>
                if *saved { <span class="notice" id="rounding-saved">{ "Saved." }</span> }
            </form>
        </section>
    }
}

#[function_component(Approvals)]
fn approvals(props: &SectionProps) -> Html {
    let queue =
        use_fetch(
            props.reload,
            |_| async move { api::list_timesheets("status = \"TIMESHEET_STATUS_SUBMITTED\"").await },
        );
    let reason = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let decide = |s: &Timesheet, action: &'static str| {
        let (user, week) = (s.user_id.clone(), s.week_start.clone());
        let (reason, error, done) = (reason.clone(), error.clone(), props.on_change.clone());
        Callback::from(move |_| {
            let (user, week, why) = (user.clone(), week.clone(), (*reason).clone());
            let (reason, error, done) = (reason.clone(), error.clone(), done.clone());
            spawn_local(async move {
                match api::timesheet_action(&user, &week, action, &why).await {
                    Ok(_) => {
                        error.set(None);
                        reason.set(String::new());
                        done.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let body = match &queue.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(list)) if list.is_empty() => html! { <Empty title="Nothing to approve" hint="" /> },
        Some(Ok(list)) => html! {
            <div class="table-wrap">
                <table class="table" id="approval-queue">
                    <thead><tr>
                        <th>{ "User" }</th><th>{ "Week" }</th><th class="num">{ "Total" }</th>
                        <th class="num">{ "Billable" }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|s| html! {
                            <tr data-user={s.user_id.clone()} data-week={s.week_start.clone()}>
                                <td class="mono">{ s.user_id.chars().take(8).collect::<String>() }</td>
                                <td>{ format!("{} – {}", s.week_start, s.week_end) }</td>
                                <td class="num">{ hours(s.total_minutes) }</td>
                                <td class="num">{ hours(s.billable_minutes) }</td>
                                <td>
                                    <button type="button" class="btn btn-small btn-primary approve"
                                        onclick={decide(s, "approve")}>{ "Approve" }</button>
                                    <button type="button" class="btn btn-small reject"
                                        onclick={decide(s, "reject")}>{ "Reject" }</button>
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <section class="card" id="approvals">
            <div class="card-header"><h2>{ "Timesheets to approve" }</h2></div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            <Field label="Reason (to reject)" id="reject-reason">
                <input id="reject-reason" type="text" value={(*reason).clone()} oninput={bind(&reason)} />
            </Field>
            { body }
        </section>
    }
}
