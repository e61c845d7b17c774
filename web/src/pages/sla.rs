//! The SLA page (`/sla`, `sla.read`; changes need `sla.write`): the compliance report (met and
//! breached clocks per company and priority over a date range, with the breached tickets),
//! SLA policies with their per-priority targets, business-hours calendars and holiday calendars
//! (PRD §3.9; proto `psa/tickets/v1/sla.proto`).

use serde_json::{Value, json};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{ApiError, sla};
use crate::app::{Route, use_session};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::{Field, bind, bind_select};
use crate::format::{TICKET_PRIORITIES, enum_label};
use crate::hooks::use_fetch;

const WEEKDAYS: &[&str] = &["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// `YYYY-MM-DD` of today (UTC) shifted by `days`.
fn date_in(days: i32) -> String {
    let now = js_sys::Date::new_0();
    let ms = now.get_time() + f64::from(days) * 86_400_000.0;
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{:04}-{:02}-{:02}", d.get_utc_full_year(), d.get_utc_month() + 1, d.get_utc_date())
}

/// Minutes as `1 h 30 min`, `2 d 4 h` (business minutes).
fn minutes(m: i64) -> String {
    match m {
        0 => "—".into(),
        m if m % 1440 == 0 => format!("{} d", m / 1440),
        m if m >= 60 && m % 60 == 0 => format!("{} h", m / 60),
        m if m >= 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{m} min"),
    }
}

/// The SLA page.
#[function_component(SlaPage)]
pub fn sla_page() -> Html {
    let can_write = use_session().me.can("sla.write");
    let reload = use_state(|| 0u32);
    let calendars = use_fetch(*reload, |_| async { sla::business_hours().await });
    let holidays = use_fetch(*reload, |_| async { sla::holiday_calendars().await });
    let calendars = match &calendars.result {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    let holidays_list = match &holidays.result {
        Some(Ok(l)) => l.clone(),
        _ => Vec::new(),
    };
    let bump = {
        let reload = reload.clone();
        Callback::from(move |()| reload.set(*reload + 1))
    };
    html! {
        <div class="page" id="sla-page">
            <div class="page-header"><h1>{ "SLA" }</h1></div>
            <ComplianceReport />
            <Policies calendars={calendars.clone()} {can_write} version={*reload} />
            <Calendars calendars={calendars} holidays={holidays_list.clone()} {can_write} on_created={bump.clone()} />
            <Holidays holidays={holidays_list} {can_write} on_created={bump} />
        </div>
    }
}

/// The compliance report over a date range, and the breached tickets.
#[function_component(ComplianceReport)]
fn compliance_report() -> Html {
    let from = use_state(|| date_in(-30));
    let to = use_state(|| date_in(0));
    let range = use_state(|| ((*from).clone(), (*to).clone()));
    let report = use_fetch((*range).clone(), |(from, to)| async move {
        // The end date is included: tickets created before the next midnight (UTC).
        let (start, end) = (format!("{from}T00:00:00Z"), format!("{to}T23:59:59.999Z"));
        Ok((sla::compliance(&start, &end).await?, sla::breaches(&start, &end).await?))
    });
    let onsubmit = {
        let (from, to, range) = (from.clone(), to.clone(), range.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            range.set(((*from).clone(), (*to).clone()));
        })
    };
    let percent = |v: &Value| format!("{:.0} %", v.as_f64().unwrap_or(0.0));
    let count = |v: &Value| v.as_i64().unwrap_or(0);
    html! {
        <section class="card" id="sla-compliance">
            <div class="card-header"><h2>{ "Compliance" }</h2></div>
            <form class="inline-form" id="sla-report-form" {onsubmit} novalidate=true>
                <div class="form-grid">
                    <Field label="Tickets created from" id="sla-report-from">
                        <input id="sla-report-from" type="date" value={(*from).clone()} oninput={bind(&from)} />
                    </Field>
                    <Field label="to (inclusive)" id="sla-report-to">
                        <input id="sla-report-to" type="date" value={(*to).clone()} oninput={bind(&to)} />
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-secondary" id="sla-report-run">{ "Show" }</button>
                </div>
            </form>
            { match &report.result {
                None => html! { <Loading /> },
                Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
                Some(Ok((rows, _))) if rows.is_empty() => html! {
                    <Empty title="No finished SLA clocks in this period" hint="Clocks still running are not counted." />
                },
                Some(Ok((rows, breaches))) => html! {
                    <>
                        <div class="table-wrap">
                            <table class="table" id="sla-compliance-table">
                                <thead><tr>
                                    <th>{ "Company" }</th><th>{ "Priority" }</th>
                                    <th>{ "First response met" }</th><th>{ "breached" }</th><th>{ "%" }</th>
                                    <th>{ "Resolution met" }</th><th>{ "breached" }</th><th>{ "%" }</th>
                                </tr></thead>
                                <tbody>
                                    { for rows.iter().map(|r| html! {
                                        <tr data-testid="sla-compliance-row">
                                            <td>
                                                <Link<Route> to={Route::Company { id: r["companyId"].as_str().unwrap_or_default().to_owned() }}>
                                                    { r["companyName"].as_str().unwrap_or("—") }
                                                </Link<Route>>
                                            </td>
                                            <td>{ enum_label(r["priority"].as_str().unwrap_or_default()) }</td>
                                            <td>{ count(&r["firstResponseMet"]) }</td>
                                            <td>{ count(&r["firstResponseBreached"]) }</td>
                                            <td>{ percent(&r["firstResponseMetPercent"]) }</td>
                                            <td>{ count(&r["resolutionMet"]) }</td>
                                            <td>{ count(&r["resolutionBreached"]) }</td>
                                            <td>{ percent(&r["resolutionMetPercent"]) }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                        if !breaches.is_empty() {
                            <h3>{ "Breaches" }</h3>
                            <ul class="activity-list" id="sla-breaches">
                                { for breaches.iter().map(|b| html! {
                                    <li class="activity-item" data-testid="sla-breach">
                                        <Link<Route> to={Route::Ticket { id: b["ticketId"].as_str().unwrap_or_default().to_owned() }}>
                                            { format!("{} {}", b["ticketNumber"].as_str().unwrap_or_default(), b["title"].as_str().unwrap_or_default()) }
                                        </Link<Route>>
                                        <span class="muted">
                                            { format!(" · {} · {} · {}", b["companyName"].as_str().unwrap_or_default(),
                                                enum_label(b["priority"].as_str().unwrap_or_default()),
                                                enum_label(b["clock"].as_str().unwrap_or_default())) }
                                        </span>
                                    </li>
                                }) }
                            </ul>
                        }
                    </>
                },
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PoliciesProps {
    calendars: Vec<Value>,
    can_write: bool,
    version: u32,
}

/// Policies with their targets, and "New policy" (one business-hours calendar, or 24×7, for
/// every target; a priority left empty has no SLA).
#[function_component(Policies)]
fn policies(props: &PoliciesProps) -> Html {
    let reload = use_state(|| 0u32);
    let list = use_fetch((*reload, props.version), |_| async { sla::policies().await });
    let name = use_state(String::new);
    let is_default = use_state(|| false);
    let calendar = use_state(String::new);
    // Per priority, lowest first: (first response, resolution) in minutes as typed.
    let targets = use_state(|| vec![(String::new(), String::new()); TICKET_PRIORITIES.len()]);
    let error = use_state(|| None::<ApiError>);
    let calendar_name = |id: &str| {
        if id.is_empty() {
            "24×7".to_owned()
        } else {
            props
                .calendars
                .iter()
                .find(|c| c["id"].as_str() == Some(id))
                .and_then(|c| c["name"].as_str())
                .unwrap_or("—")
                .to_owned()
        }
    };
    let set_target = |i: usize, resolution: bool| {
        let targets = targets.clone();
        Callback::from(move |e: InputEvent| {
            let mut next = (*targets).clone();
            let v = crate::components::field::event_value(&e);
            if resolution {
                next[i].1 = v
            } else {
                next[i].0 = v
            }
            targets.set(next);
        })
    };
    let onsubmit = {
        let (name, is_default, calendar, targets, error, reload) =
            (name.clone(), is_default.clone(), calendar.clone(), targets.clone(), error.clone(), reload.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let hours = (*calendar).clone();
            let list: Vec<Value> = TICKET_PRIORITIES
                .iter()
                .zip(targets.iter())
                .filter(|(_, (fr, res))| !fr.trim().is_empty() || !res.trim().is_empty())
                .map(|(p, (fr, res))| {
                    json!({
                        "priority": p,
                        "firstResponseMinutes": fr.trim().parse::<i64>().unwrap_or(0),
                        "resolutionMinutes": res.trim().parse::<i64>().unwrap_or(0),
                        "firstResponseBusinessHoursId": hours, "resolutionBusinessHoursId": hours,
                    })
                })
                .collect();
            let body = json!({ "name": name.trim(), "isDefault": *is_default, "targets": list });
            let (name, error, reload) = (name.clone(), error.clone(), reload.clone());
            spawn_local(async move {
                match sla::create_policy(&body).await {
                    Ok(_) => {
                        name.set(String::new());
                        error.set(None);
                        reload.set(*reload + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let toggle_default = {
        let is_default = is_default.clone();
        Callback::from(move |_: Event| is_default.set(!*is_default))
    };
    let err = (*error).clone();
    html! {
        <section class="card" id="sla-policies">
            <div class="card-header"><h2>{ "Policies" }</h2></div>
            { match &list.result {
                None => html! { <Loading /> },
                Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
                Some(Ok(l)) if l.is_empty() => html! { <Empty title="No SLA policies" hint="Tickets have no SLA clocks until a policy applies." /> },
                Some(Ok(l)) => html! {
                    <table class="table" id="sla-policies-table">
                        <thead><tr><th>{ "Policy" }</th><th>{ "Targets (first response / resolution)" }</th></tr></thead>
                        <tbody>
                            { for l.iter().map(|p| html! {
                                <tr data-testid="sla-policy-row">
                                    <td class="cell-strong">
                                        { p["name"].as_str().unwrap_or_default() }
                                        if p["isDefault"].as_bool().unwrap_or(false) { <span class="tag">{ "default" }</span> }
                                    </td>
                                    <td>
                                        { for p["targets"].as_array().cloned().unwrap_or_default().iter().map(|t| html! {
                                            <div>
                                                { format!("{}: {} / {} ({})",
                                                    enum_label(t["priority"].as_str().unwrap_or_default()),
                                                    minutes(t["firstResponseMinutes"].as_i64().unwrap_or(0)),
                                                    minutes(t["resolutionMinutes"].as_i64().unwrap_or(0)),
                                                    calendar_name(t["resolutionBusinessHoursId"].as_str().unwrap_or_default())) }
                                            </div>
                                        }) }
                                    </td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                },
            } }
            if props.can_write {
                <form class="inline-form" id="sla-policy-form" {onsubmit} novalidate=true>
                    <h3>{ "New policy" }</h3>
                    if let Some(err) = &err { { form_error(err, &["name"]) } }
                    <div class="form-grid">
                        <Field label="Name" id="sla-policy-name" required=true error={err.as_ref().and_then(|e| e.field("name"))}>
                            <input id="sla-policy-name" value={(*name).clone()} oninput={bind(&name)} />
                        </Field>
                        <Field label="Business hours" id="sla-policy-calendar">
                            <select id="sla-policy-calendar" onchange={bind_select(&calendar)}>
                                <option value="" selected={calendar.is_empty()}>{ "24×7" }</option>
                                { for props.calendars.iter().map(|c| {
                                    let id = c["id"].as_str().unwrap_or_default().to_owned();
                                    html! { <option value={id.clone()} selected={id == *calendar}>{ c["name"].as_str().unwrap_or_default() }</option> }
                                }) }
                            </select>
                        </Field>
                        <Field label="Tenant default" id="sla-policy-default">
                            <input id="sla-policy-default" type="checkbox" checked={*is_default} onchange={toggle_default} />
                        </Field>
                        { for TICKET_PRIORITIES.iter().enumerate().map(|(i, p)| {
                            let slug = enum_label(p).to_lowercase();
                            html! {
                                <>
                                    <Field label={format!("{} — first response (min)", enum_label(p))} id={format!("sla-fr-{slug}")}>
                                        <input id={format!("sla-fr-{slug}")} type="number" min="1" value={targets[i].0.clone()} oninput={set_target(i, false)} />
                                    </Field>
                                    <Field label={format!("{} — resolution (min)", enum_label(p))} id={format!("sla-res-{slug}")}>
                                        <input id={format!("sla-res-{slug}")} type="number" min="1" value={targets[i].1.clone()} oninput={set_target(i, true)} />
                                    </Field>
                                </>
                            }
                        }) }
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" id="sla-policy-submit">{ "Create policy" }</button>
                    </div>
                </form>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CalendarsProps {
    calendars: Vec<Value>,
    holidays: Vec<Value>,
    can_write: bool,
    on_created: Callback<()>,
}

/// Business-hours calendars, and "New business hours" (one daily interval on the chosen days).
#[function_component(Calendars)]
fn calendars(props: &CalendarsProps) -> Html {
    let name = use_state(String::new);
    let zone = use_state(|| "UTC".to_owned());
    let open = use_state(|| "09:00".to_owned());
    let close = use_state(|| "17:00".to_owned());
    let days = use_state(|| vec![true, true, true, true, true, false, false]);
    let holiday = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let toggle_day = |i: usize| {
        let days = days.clone();
        Callback::from(move |_: Event| {
            let mut next = (*days).clone();
            next[i] = !next[i];
            days.set(next);
        })
    };
    let onsubmit = {
        let (name, zone, open, close, days, holiday, error, on_created) = (
            name.clone(),
            zone.clone(),
            open.clone(),
            close.clone(),
            days.clone(),
            holiday.clone(),
            error.clone(),
            props.on_created.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let interval = json!([{ "start": *open, "end": *close }]);
            let schedule: serde_json::Map<String, Value> = WEEKDAYS
                .iter()
                .zip(days.iter())
                .filter(|(_, on)| **on)
                .map(|(d, _)| ((*d).to_owned(), interval.clone()))
                .collect();
            let holidays: Vec<String> = if holiday.is_empty() { Vec::new() } else { vec![(*holiday).clone()] };
            let body = json!({ "name": name.trim(), "timeZone": zone.trim(), "schedule": schedule,
                               "holidayCalendarIds": holidays });
            let (name, error, on_created) = (name.clone(), error.clone(), on_created.clone());
            spawn_local(async move {
                match sla::create_business_hours(&body).await {
                    Ok(_) => {
                        name.set(String::new());
                        error.set(None);
                        on_created.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let summary = |c: &Value| -> String {
        WEEKDAYS
            .iter()
            .filter_map(|d| {
                let spans = c["schedule"][d].as_array()?;
                if spans.is_empty() {
                    return None;
                }
                let hours: Vec<String> = spans
                    .iter()
                    .map(|s| {
                        format!("{}–{}", s["start"].as_str().unwrap_or_default(), s["end"].as_str().unwrap_or_default())
                    })
                    .collect();
                Some(format!("{} {}", &d[..3], hours.join(", ")))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let err = (*error).clone();
    let fe = |f: &str| err.as_ref().and_then(|e| e.field(f));
    html! {
        <section class="card" id="sla-business-hours">
            <div class="card-header"><h2>{ "Business hours" }</h2></div>
            if props.calendars.is_empty() {
                <Empty title="No business-hours calendars" hint="Targets without one run 24×7." />
            } else {
                <table class="table" id="sla-business-hours-table">
                    <thead><tr><th>{ "Name" }</th><th>{ "Time zone" }</th><th>{ "Open" }</th></tr></thead>
                    <tbody>
                        { for props.calendars.iter().map(|c| html! {
                            <tr data-testid="business-hours-row">
                                <td class="cell-strong">{ c["name"].as_str().unwrap_or_default() }</td>
                                <td>{ c["timeZone"].as_str().unwrap_or_default() }</td>
                                <td>{ summary(c) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            if props.can_write {
                <form class="inline-form" id="business-hours-form" {onsubmit} novalidate=true>
                    <h3>{ "New business hours" }</h3>
                    if let Some(err) = &err { { form_error(err, &["name", "time_zone", "schedule"]) } }
                    <div class="form-grid">
                        <Field label="Name" id="business-hours-name" required=true error={fe("name")}>
                            <input id="business-hours-name" value={(*name).clone()} oninput={bind(&name)} />
                        </Field>
                        <Field label="Time zone (IANA)" id="business-hours-zone" required=true error={fe("time_zone")}>
                            <input id="business-hours-zone" value={(*zone).clone()} oninput={bind(&zone)} placeholder="Europe/London" />
                        </Field>
                        <Field label="Opens" id="business-hours-open" error={fe("schedule")}>
                            <input id="business-hours-open" type="time" value={(*open).clone()} oninput={bind(&open)} />
                        </Field>
                        <Field label="Closes" id="business-hours-close">
                            <input id="business-hours-close" type="time" value={(*close).clone()} oninput={bind(&close)} />
                        </Field>
                        <Field label="Holidays" id="business-hours-holidays">
                            <select id="business-hours-holidays" onchange={bind_select(&holiday)}>
                                <option value="" selected={holiday.is_empty()}>{ "None" }</option>
                                { for props.holidays.iter().map(|h| {
                                    let id = h["id"].as_str().unwrap_or_default().to_owned();
                                    html! { <option value={id.clone()} selected={id == *holiday}>{ h["name"].as_str().unwrap_or_default() }</option> }
                                }) }
                            </select>
                        </Field>
                        <div class="checkbox-group field-wide" id="business-hours-days">
                            { for WEEKDAYS.iter().enumerate().map(|(i, d)| html! {
                                <label class="checkbox">
                                    <input type="checkbox" data-day={*d} checked={days[i]} onchange={toggle_day(i)} />
                                    { &d[..3] }
                                </label>
                            }) }
                        </div>
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" id="business-hours-submit">{ "Create calendar" }</button>
                    </div>
                </form>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct HolidaysProps {
    holidays: Vec<Value>,
    can_write: bool,
    on_created: Callback<()>,
}

/// Holiday calendars, and "New holiday calendar" (one `YYYY-MM-DD name` per line).
#[function_component(Holidays)]
fn holidays(props: &HolidaysProps) -> Html {
    let name = use_state(String::new);
    let dates = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (name, dates, error, on_created) = (name.clone(), dates.clone(), error.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let holidays: Vec<Value> = dates
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let (date, label) = l.split_once(' ').unwrap_or((l, ""));
                    json!({ "date": date, "name": label.trim() })
                })
                .collect();
            let body = json!({ "name": name.trim(), "holidays": holidays });
            let (name, dates, error, on_created) = (name.clone(), dates.clone(), error.clone(), on_created.clone());
            spawn_local(async move {
                match sla::create_holiday_calendar(&body).await {
                    Ok(_) => {
                        name.set(String::new());
                        dates.set(String::new());
                        error.set(None);
                        on_created.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let err = (*error).clone();
    let fe = |f: &str| err.as_ref().and_then(|e| e.field(f));
    html! {
        <section class="card" id="sla-holidays">
            <div class="card-header"><h2>{ "Holiday calendars" }</h2></div>
            if props.holidays.is_empty() {
                <Empty title="No holiday calendars" hint="Holidays close a business-hours calendar for the day." />
            } else {
                <table class="table" id="sla-holidays-table">
                    <thead><tr><th>{ "Name" }</th><th>{ "Dates" }</th></tr></thead>
                    <tbody>
                        { for props.holidays.iter().map(|h| html! {
                            <tr data-testid="holiday-calendar-row">
                                <td class="cell-strong">{ h["name"].as_str().unwrap_or_default() }</td>
                                <td>
                                    { h["holidays"].as_array().cloned().unwrap_or_default().iter()
                                        .map(|d| format!("{} {}", d["date"].as_str().unwrap_or_default(), d["name"].as_str().unwrap_or_default()).trim().to_owned())
                                        .collect::<Vec<_>>().join(" · ") }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            if props.can_write {
                <form class="inline-form" id="holiday-calendar-form" {onsubmit} novalidate=true>
                    <h3>{ "New holiday calendar" }</h3>
                    if let Some(err) = &err { { form_error(err, &["name", "holidays"]) } }
                    <div class="form-grid">
                        <Field label="Name" id="holiday-calendar-name" required=true error={fe("name")}>
                            <input id="holiday-calendar-name" value={(*name).clone()} oninput={bind(&name)} />
                        </Field>
                        <Field label="Dates (one per line: YYYY-MM-DD name)" id="holiday-calendar-dates" class="field-wide" error={fe("holidays")}>
                            <textarea id="holiday-calendar-dates" rows="4" value={(*dates).clone()} oninput={bind(&dates)}
                                placeholder="2026-12-25 Christmas Day" />
                        </Field>
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" id="holiday-calendar-submit">{ "Create calendar" }</button>
                    </div>
                </form>
            }
        </section>
    }
}

/// Props of [`CompanySlaCard`].
#[derive(Properties, PartialEq)]
pub struct CompanySlaCardProps {
    /// The company.
    pub company_id: AttrValue,
}

/// The company page's SLA policy picker (`sla.read` to see, `sla.write` to change): the policy
/// its new tickets get, or the tenant default when none is chosen.
#[function_component(CompanySlaCard)]
pub fn company_sla_card(props: &CompanySlaCardProps) -> Html {
    let can_write = use_session().me.can("sla.write");
    let policies = use_fetch((), |_| async { sla::policies().await });
    let current = use_fetch(props.company_id.to_string(), |id| async move { sla::company_policy(&id).await });
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    let (Some(Ok(policies)), Some(Ok(current))) = (&policies.result, &current.result) else {
        return Html::default();
    };
    let onchange = {
        let (id, error, saved) = (props.company_id.to_string(), error.clone(), saved.clone());
        Callback::from(move |e: Event| {
            let policy = crate::components::field::event_value(&e);
            let (id, error, saved) = (id.clone(), error.clone(), saved.clone());
            spawn_local(async move {
                match sla::set_company_policy(&id, &policy).await {
                    Ok(_) => {
                        error.set(None);
                        saved.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let default = policies.iter().find(|p| p["isDefault"].as_bool().unwrap_or(false));
    html! {
        <section class="card" id="company-sla">
            <div class="card-header">
                <h2>{ "SLA policy" }</h2>
                if *saved { <span class="saved small" id="company-sla-saved">{ "Saved" }</span> }
            </div>
            if let Some(e) = &*error { <ErrorBanner error={e.clone()} /> }
            <select id="company-sla-policy" {onchange} disabled={!can_write}>
                <option value="" selected={current.is_empty()}>
                    { format!("Tenant default ({})", default.and_then(|p| p["name"].as_str()).unwrap_or("none")) }
                </option>
                { for policies.iter().map(|p| {
                    let id = p["id"].as_str().unwrap_or_default().to_owned();
                    html! { <option value={id.clone()} selected={id == *current}>{ p["name"].as_str().unwrap_or_default() }</option> }
                }) }
            </select>
            <p class="muted small">{ "Applies to tickets created for this company from now on; a contract's policy comes first." }</p>
        </section>
    }
}
