//! Time: the signed-in user's weekly timesheet (entries by day, totals, add and delete while
//! the week is open, submit / recall) and, for approvers (`time.approve`), the queue of
//! submitted weeks to approve or reject with a reason. [`TicketTime`] logs time on a ticket
//! (its contract by default, or another of the company's contracts; project and task ids).

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::catalog::{self, Contract};
use crate::api::time::{self as api, TimeEntry, Timesheet, WorkType};
use crate::api::{ApiError, ListQuery};
use crate::app::use_session;
use crate::components::badge::Badge;
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select};
use crate::hooks::use_fetch;

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

/// The time page.
#[function_component(TimePage)]
pub fn time_page() -> Html {
    let session = use_session();
    let can_approve = session.me.permissions.iter().any(|p| p == "time.approve" || p == "*");
    let reload = use_state(|| 0u32);
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    html! {
        <div class="page" id="time-page">
            <div class="page-header"><h1>{ "Time" }</h1></div>
            <div class="stack">
                <Week reload={*reload} on_change={bump.clone()} />
                if can_approve { <Approvals reload={*reload} on_change={bump} /> }
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
    let types = use_fetch((), |_| async move { api::list_work_types().await });
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

/// "Log time" on a ticket: today's date, the ticket's contract by default; says how much
/// time was logged through this form.
#[function_component(TicketTime)]
pub fn ticket_time(props: &TicketTimeProps) -> Html {
    let types = use_fetch((), |_| async move { api::list_work_types().await });
    let logged = use_state(|| 0u32);
    let on_change = {
        let logged = logged.clone();
        Callback::from(move |_| logged.set(*logged + 1))
    };
    let work_types = match &types.result {
        Some(Ok(t)) => t.clone(),
        _ => Vec::new(),
    };
    html! {
        <section class="card" id="ticket-time">
            <div class="card-header"><h2>{ "Log time" }</h2></div>
            if *logged > 0 {
                <p class="notice" id="ticket-time-logged">{ format!("Entries logged: {}", *logged) }</p>
            }
            <NewEntry week_start={today()} {work_types} {on_change} ticket_id={props.ticket_id.clone()}
                company_id={props.company_id.clone()} contract_id={props.contract_id.clone()} />
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
