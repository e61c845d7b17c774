//! Ticket automation rules: the list in evaluation order, an editor (trigger, conditions and
//! actions as form rows), a dry-run panel that shows what a rule would do to a ticket, and
//! the rule's recent runs.

use std::rc::Rc;

use serde_json::{Value, json};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::automation::{self, Condition, ConditionGroup, DryRun, Rule};
use crate::components::feedback::{Empty, ErrorBanner, Loading, form_error};
use crate::components::field::event_value;
use crate::format::datetime;
use crate::hooks::use_fetch;

const TRIGGERS: &[(&str, &str)] = &[
    ("AUTOMATION_TRIGGER_TICKET_CREATED", "Ticket created"),
    ("AUTOMATION_TRIGGER_TICKET_UPDATED", "Ticket updated"),
    ("AUTOMATION_TRIGGER_SCHEDULE", "Schedule (cron)"),
    ("AUTOMATION_TRIGGER_SLA_WARNING", "SLA warning"),
    ("AUTOMATION_TRIGGER_SLA_BREACHED", "SLA breached"),
    ("AUTOMATION_TRIGGER_NO_RESPONSE", "No response"),
];

const OPERATORS: &[(&str, &str)] = &[
    ("AUTOMATION_OPERATOR_EQUALS", "equals"),
    ("AUTOMATION_OPERATOR_NOT_EQUALS", "does not equal"),
    ("AUTOMATION_OPERATOR_CONTAINS", "contains"),
    ("AUTOMATION_OPERATOR_NOT_CONTAINS", "does not contain"),
    ("AUTOMATION_OPERATOR_IN", "is one of"),
    ("AUTOMATION_OPERATOR_NOT_IN", "is none of"),
    ("AUTOMATION_OPERATOR_GREATER_THAN", "greater than"),
    ("AUTOMATION_OPERATOR_LESS_THAN", "less than"),
    ("AUTOMATION_OPERATOR_IS_EMPTY", "is empty"),
    ("AUTOMATION_OPERATOR_IS_NOT_EMPTY", "is not empty"),
    ("AUTOMATION_OPERATOR_CHANGED", "changed"),
    ("AUTOMATION_OPERATOR_CHANGED_FROM_TO", "changed from → to"),
    ("AUTOMATION_OPERATOR_MATCHES", "matches (regex)"),
];

const FIELDS: &[&str] = &[
    "title",
    "description",
    "status",
    "priority",
    "source",
    "company_id",
    "contact_id",
    "assignee_id",
    "tags",
    "parent_ticket_id",
    "age_hours",
    "updated_hours",
    "sla.first_response",
    "sla.resolution",
    "created.hour",
    "created.day_of_week",
    "created.in_business_hours",
    "now.hour",
    "now.day_of_week",
    "now.in_business_hours",
    "company.name",
    "company.status",
    "contact.email",
    "contact.name",
    "event.sla_clock",
    "event.sla_threshold",
    "status_id",
    "queue_id",
    "type_id",
    "category_id",
    "team_id",
    "contract_id",
    "custom_fields.",
];

/// Action kinds (the proto oneof's JSON names) and what the row's three text slots mean.
const ACTIONS: &[(&str, &str, [&str; 3])] = &[
    (
        "setField",
        "Set field",
        [
            "Field (status, priority, source, title, assignee_id, contact_id, status_id, queue_id, type_id, category_id, team_id)",
            "Value",
            "",
        ],
    ),
    ("changeTags", "Change tags", ["Add (comma-separated)", "Remove (comma-separated)", ""]),
    ("assign", "Assign", ["User id (empty unassigns)", "Team id (empty: keep)", ""]),
    ("changeQueue", "Change queue", ["Queue id", "", ""]),
    ("addNote", "Add note", ["Body ({{ticket.number}} …)", "", ""]),
    ("notify", "Send email", ["To (comma-separated)", "Subject", "Body"]),
    ("createChildTicket", "Create child ticket", ["Title", "Description", "Priority (empty: the parent's)"]),
    ("escalate", "Escalate", ["Raise priority by (levels)", "Assign to (user id)", "Internal note"]),
    ("applySlaPolicy", "Apply SLA policy", ["SLA policy id", "", ""]),
    ("callWebhook", "Call webhook", ["URL", "Secret (empty keeps the stored one)", ""]),
];

/// One action as an editor row.
#[derive(Clone, Debug, Default, PartialEq)]
struct ActionRow {
    kind: String,
    slots: [String; 3],
    /// addNote: public; notify: to the ticket's contact.
    flag: bool,
    /// callWebhook: a secret is stored.
    has_secret: bool,
}

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
        _ => String::new(),
    }
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

impl ActionRow {
    fn from_json(v: &Value) -> Self {
        let Some((kind, a)) = v.as_object().and_then(|o| o.iter().next()) else { return Self::default() };
        let s = |k: &str| text(a, k);
        let (slots, flag) = match kind.as_str() {
            "setField" => ([s("field"), s("value"), String::new()], false),
            "changeTags" => ([s("add"), s("remove"), String::new()], false),
            "assign" => ([s("assigneeId"), s("teamId"), String::new()], false),
            "changeQueue" => ([s("queueId"), String::new(), String::new()], false),
            "addNote" => ([s("body"), String::new(), String::new()], s("visibility") == "NOTE_VISIBILITY_PUBLIC"),
            "notify" => ([s("toAddresses"), s("subject"), s("body")], a["toContact"].as_bool().unwrap_or(false)),
            "createChildTicket" => ([s("title"), s("description"), s("priority")], false),
            "escalate" => ([s("levels"), s("assigneeId"), s("note")], false),
            "applySlaPolicy" => ([s("policyId"), String::new(), String::new()], false),
            "callWebhook" => ([s("url"), String::new(), String::new()], false),
            _ => (Default::default(), false),
        };
        Self { kind: kind.clone(), slots, flag, has_secret: a["hasSecret"].as_bool().unwrap_or(false) }
    }

    fn to_json(&self) -> Value {
        let [a, b, c] = &self.slots;
        let body = match self.kind.as_str() {
            "setField" => json!({"field": a, "value": b}),
            "changeTags" => json!({"add": list(a), "remove": list(b)}),
            "assign" => json!({"assigneeId": a, "teamId": b}),
            "changeQueue" => json!({"queueId": a}),
            "addNote" => {
                json!({"body": a, "visibility": if self.flag { "NOTE_VISIBILITY_PUBLIC" } else { "NOTE_VISIBILITY_INTERNAL" }})
            }
            "notify" => json!({"toAddresses": list(a), "subject": b, "body": c, "toContact": self.flag}),
            "createChildTicket" => {
                let mut v = json!({"title": a, "description": b});
                if !c.trim().is_empty() {
                    v["priority"] = json!(c.trim());
                }
                v
            }
            "escalate" => json!({"levels": a.trim().parse::<i32>().unwrap_or(1), "assigneeId": b, "note": c}),
            "applySlaPolicy" => json!({"policyId": a}),
            "callWebhook" => json!({"url": a, "secret": b}),
            _ => json!({}),
        };
        let mut v = json!({});
        v[self.kind.as_str()] = body;
        v
    }
}

/// The editor's state.
#[derive(Clone, Debug, Default, PartialEq)]
struct Form {
    id: String,
    name: String,
    description: String,
    active: bool,
    priority: String,
    trigger: String,
    schedule: String,
    time_zone: String,
    no_response_hours: String,
    any: bool,
    conditions: Vec<Condition>,
    /// Nested groups of the stored rule, kept as they are.
    groups: Vec<Value>,
    actions: Vec<ActionRow>,
}

impl Form {
    fn new_rule() -> Self {
        Self {
            active: true,
            priority: "100".into(),
            trigger: TRIGGERS[0].0.into(),
            time_zone: "UTC".into(),
            actions: vec![ActionRow { kind: "setField".into(), ..ActionRow::default() }],
            ..Self::default()
        }
    }

    fn of(r: &Rule) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            active: r.active.unwrap_or(true),
            priority: r.priority.to_string(),
            trigger: r.trigger.clone(),
            schedule: r.schedule.clone(),
            time_zone: r.time_zone.clone(),
            no_response_hours: if r.no_response_hours > 0 { r.no_response_hours.to_string() } else { String::new() },
            any: r.conditions.matches == "AUTOMATION_MATCH_ANY",
            conditions: r.conditions.conditions.clone(),
            groups: r.conditions.groups.clone(),
            actions: r.actions.iter().map(ActionRow::from_json).collect(),
        }
    }

    fn rule(&self) -> Rule {
        let conditions = self
            .conditions
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if c.operator.ends_with("_IN") {
                    c.values = list(&c.value);
                    c.value.clear();
                }
                c
            })
            .collect();
        Rule {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            active: Some(self.active),
            priority: self.priority.trim().parse().unwrap_or(0),
            trigger: self.trigger.clone(),
            schedule: self.schedule.clone(),
            time_zone: self.time_zone.clone(),
            no_response_hours: self.no_response_hours.trim().parse().unwrap_or(0),
            conditions: ConditionGroup {
                matches: if self.any { "AUTOMATION_MATCH_ANY" } else { "AUTOMATION_MATCH_ALL" }.into(),
                conditions,
                groups: self.groups.clone(),
            },
            actions: self.actions.iter().map(ActionRow::to_json).collect(),
            ..Rule::default()
        }
    }
}

type Edit = Rc<dyn Fn(&mut Form, String)>;

fn on_input(form: &UseStateHandle<Form>, edit: Edit) -> Callback<InputEvent> {
    let form = form.clone();
    Callback::from(move |e: InputEvent| {
        let mut f = (*form).clone();
        edit(&mut f, event_value(&e));
        form.set(f);
    })
}

fn on_change(form: &UseStateHandle<Form>, edit: Edit) -> Callback<Event> {
    let form = form.clone();
    Callback::from(move |e: Event| {
        let mut f = (*form).clone();
        edit(&mut f, event_value(&e));
        form.set(f);
    })
}

fn on_click(form: &UseStateHandle<Form>, edit: Rc<dyn Fn(&mut Form)>) -> Callback<MouseEvent> {
    let form = form.clone();
    Callback::from(move |_| {
        let mut f = (*form).clone();
        edit(&mut f);
        form.set(f);
    })
}

fn options(values: &[(&str, &str)], current: &str) -> Html {
    html! { <>{ for values.iter().map(|(v, l)| html! { <option value={v.to_string()} selected={*v == current}>{ *l }</option> }) }</> }
}

fn trigger_label(t: &str) -> &str {
    TRIGGERS.iter().find(|(v, _)| *v == t).map_or(t, |(_, l)| *l)
}

/// The automation rules page.
#[function_component(AutomationPage)]
pub fn automation_page() -> Html {
    let reload = use_state(|| 0u32);
    let rules = use_fetch(*reload, |_| async move { automation::list_rules().await });
    let form = use_state(|| None::<Form>);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);

    let select = |f: Form| {
        let (form, error, saved) = (form.clone(), error.clone(), saved.clone());
        Callback::from(move |_| {
            form.set(Some(f.clone()));
            error.set(None);
            saved.set(false);
        })
    };
    let list = match &rules.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(rs)) if rs.is_empty() => {
            html! { <Empty title="No rules yet" hint="Rules set fields, assign, notify or call webhooks when tickets change." /> }
        }
        Some(Ok(rs)) => html! {
            <div class="table-wrap">
                <table class="table" id="automation-rules">
                    <thead><tr>
                        <th>{ "Name" }</th><th>{ "Trigger" }</th><th>{ "Order" }</th><th>{ "State" }</th><th>{ "Next run" }</th>
                    </tr></thead>
                    <tbody>
                        { for rs.iter().map(|r| html! {
                            <tr class="automation-rule-row clickable" data-id={r.id.clone()} onclick={select(Form::of(r))}>
                                <td><a href="#" class="automation-rule-name" onclick={Callback::from(|e: MouseEvent| e.prevent_default())}>{ &r.name }</a></td>
                                <td>{ trigger_label(&r.trigger) }</td>
                                <td>{ r.priority }</td>
                                <td>
                                    if r.active.unwrap_or(true) {
                                        <span class="badge badge-success">{ "Active" }</span>
                                    } else {
                                        <span class="badge">{ "Inactive" }</span>
                                    }
                                </td>
                                <td>{ datetime(&r.next_run_time) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
    };
    html! {
        <div class="page" id="automation-page">
            <div class="page-header">
                <h1>{ "Automation rules" }</h1>
                <button type="button" class="btn btn-primary" id="automation-new" onclick={select(Form::new_rule())}>{ "New rule" }</button>
            </div>
            <div class="stack">
                <section class="card">{ list }</section>
                if let Some(f) = &*form {
                    <Editor
                        key={f.id.clone()}
                        initial={f.clone()}
                        on_saved={{
                            let (reload, form) = (reload.clone(), form.clone());
                            Callback::from(move |r: Rule| { reload.set(*reload + 1); form.set(Some(Form::of(&r))); })
                        }}
                        on_deleted={{
                            let (reload, form) = (reload.clone(), form.clone());
                            Callback::from(move |_| { reload.set(*reload + 1); form.set(None); })
                        }}
                    />
                    if !f.id.is_empty() {
                        <DryRunPanel rule_id={f.id.clone()} />
                        <RunsPanel rule_id={f.id.clone()} reload={*reload} />
                    }
                }
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct EditorProps {
    initial: Form,
    on_saved: Callback<Rule>,
    on_deleted: Callback<()>,
}

#[function_component(Editor)]
fn editor(props: &EditorProps) -> Html {
    let form = use_state(|| props.initial.clone());
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let f = (*form).clone();
    let edit = |e: Edit| on_input(&form, e);
    let save = {
        let (form, error, busy, on_saved) = (form.clone(), error.clone(), busy.clone(), props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let rule = form.rule();
            let (error, busy, on_saved) = (error.clone(), busy.clone(), on_saved.clone());
            busy.set(true);
            spawn_local(async move {
                match automation::save_rule(&rule).await {
                    Ok(r) => {
                        error.set(None);
                        on_saved.emit(r);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let archive = {
        let (id, error, on_deleted) = (f.id.clone(), error.clone(), props.on_deleted.clone());
        Callback::from(move |_| {
            let (id, error, on_deleted) = (id.clone(), error.clone(), on_deleted.clone());
            spawn_local(async move {
                match automation::delete_rule(&id).await {
                    Ok(()) => on_deleted.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let trigger = f.trigger.clone();
    let condition_rows = f.conditions.iter().enumerate().map(|(i, c)| {
        let needs_value = !matches!(
            c.operator.as_str(),
            "AUTOMATION_OPERATOR_IS_EMPTY" | "AUTOMATION_OPERATOR_IS_NOT_EMPTY" | "AUTOMATION_OPERATOR_CHANGED"
        );
        let value = if c.values.is_empty() { c.value.clone() } else { c.values.join(", ") };
        html! {
            <div class="row automation-condition" data-index={i.to_string()}>
                <input type="text" class="condition-field" list="automation-fields" placeholder="field (custom_fields.<key>, …)"
                    value={c.field.clone()} oninput={on_input(&form, Rc::new(move |f: &mut Form, v| f.conditions[i].field = v))} />
                <select class="condition-operator" onchange={on_change(&form, Rc::new(move |f: &mut Form, v| f.conditions[i].operator = v))}>
                    { options(OPERATORS, &c.operator) }
                </select>
                if c.operator == "AUTOMATION_OPERATOR_CHANGED_FROM_TO" {
                    <input type="text" class="condition-from" placeholder="from (any)" value={c.from_value.clone()}
                        oninput={on_input(&form, Rc::new(move |f: &mut Form, v| f.conditions[i].from_value = v))} />
                }
                if needs_value {
                    <input type="text" class="condition-value" placeholder="value (lists: comma-separated)" value={value}
                        oninput={on_input(&form, Rc::new(move |f: &mut Form, v| { f.conditions[i].value = v; f.conditions[i].values.clear(); }))} />
                }
                if c.field.ends_with("in_business_hours") {
                    <input type="text" class="condition-hours" placeholder="business hours id" value={c.business_hours_id.clone()}
                        oninput={on_input(&form, Rc::new(move |f: &mut Form, v| f.conditions[i].business_hours_id = v))} />
                }
                <button type="button" class="btn btn-ghost btn-small condition-remove"
                    onclick={on_click(&form, Rc::new(move |f: &mut Form| { f.conditions.remove(i); }))}>{ "Remove" }</button>
            </div>
        }
    });
    let action_rows = f.actions.iter().enumerate().map(|(i, a)| {
        let labels = ACTIONS.iter().find(|(k, _, _)| *k == a.kind).map(|(_, _, l)| *l).unwrap_or(["", "", ""]);
        let last = f.actions.len() - 1;
        html! {
            <div class="row automation-action" data-index={i.to_string()}>
                <span class="muted">{ format!("{}.", i + 1) }</span>
                <select class="action-kind" onchange={on_change(&form, Rc::new(move |f: &mut Form, v| f.actions[i] = ActionRow { kind: v, ..ActionRow::default() }))}>
                    { for ACTIONS.iter().map(|(k, l, _)| html! { <option value={*k} selected={*k == a.kind}>{ *l }</option> }) }
                </select>
                { for (0..3).filter(|s| !labels[*s].is_empty()).map(|s| {
                    let kind = if a.kind == "callWebhook" && s == 1 { "password" } else { "text" };
                    html! {
                        <input type={kind} class={format!("action-slot-{s}")} placeholder={labels[s]} value={a.slots[s].clone()}
                            oninput={on_input(&form, Rc::new(move |f: &mut Form, v| f.actions[i].slots[s] = v))} />
                    }
                }) }
                if a.kind == "addNote" || a.kind == "notify" {
                    <label class="check">
                        <input type="checkbox" class="action-flag" checked={a.flag}
                            onchange={on_click_check(&form, i)} />
                        { if a.kind == "addNote" { "Public" } else { "Also to the ticket's contact" } }
                    </label>
                }
                if a.has_secret { <span class="tag">{ "secret stored" }</span> }
                <button type="button" class="btn btn-ghost btn-small action-up" disabled={i == 0}
                    onclick={on_click(&form, Rc::new(move |f: &mut Form| if i > 0 { f.actions.swap(i, i - 1) }))}>{ "↑" }</button>
                <button type="button" class="btn btn-ghost btn-small action-down" disabled={i == last}
                    onclick={on_click(&form, Rc::new(move |f: &mut Form| if i + 1 < f.actions.len() { f.actions.swap(i, i + 1) }))}>{ "↓" }</button>
                <button type="button" class="btn btn-ghost btn-small action-remove"
                    onclick={on_click(&form, Rc::new(move |f: &mut Form| { f.actions.remove(i); }))}>{ "Remove" }</button>
            </div>
        }
    });
    html! {
        <section class="card" id="automation-editor">
            <div class="card-header"><h2>{ if f.id.is_empty() { "New rule" } else { "Edit rule" } }</h2></div>
            if let Some(e) = &*error { { form_error(e, &[]) } }
            <form class="form" onsubmit={save}>
                <label class="field"><span>{ "Name" }</span>
                    <input type="text" id="automation-name" value={f.name.clone()} maxlength="100"
                        oninput={edit(Rc::new(|f: &mut Form, v| f.name = v))} /></label>
                <label class="field"><span>{ "Description" }</span>
                    <input type="text" id="automation-description" value={f.description.clone()}
                        oninput={edit(Rc::new(|f: &mut Form, v| f.description = v))} /></label>
                <div class="row">
                    <label class="field"><span>{ "Trigger" }</span>
                        <select id="automation-trigger" onchange={on_change(&form, Rc::new(|f: &mut Form, v| f.trigger = v))}>
                            { options(TRIGGERS, &trigger) }
                        </select></label>
                    <label class="field"><span>{ "Order (lowest first)" }</span>
                        <input type="number" id="automation-priority" min="0" max="10000" value={f.priority.clone()}
                            oninput={edit(Rc::new(|f: &mut Form, v| f.priority = v))} /></label>
                    <label class="field"><span>{ "Time zone" }</span>
                        <input type="text" id="automation-time-zone" value={f.time_zone.clone()}
                            oninput={edit(Rc::new(|f: &mut Form, v| f.time_zone = v))} /></label>
                    <label class="check">
                        <input type="checkbox" id="automation-active" checked={f.active}
                            onchange={on_click_active(&form)} />{ "Active" }</label>
                </div>
                if trigger == "AUTOMATION_TRIGGER_SCHEDULE" {
                    <label class="field"><span>{ "Schedule (cron: min hour day month weekday)" }</span>
                        <input type="text" id="automation-schedule" placeholder="0 8 * * MON-FRI" value={f.schedule.clone()}
                            oninput={edit(Rc::new(|f: &mut Form, v| f.schedule = v))} /></label>
                }
                if trigger == "AUTOMATION_TRIGGER_NO_RESPONSE" {
                    <label class="field"><span>{ "Hours without a public staff reply" }</span>
                        <input type="number" id="automation-no-response-hours" min="1" value={f.no_response_hours.clone()}
                            oninput={edit(Rc::new(|f: &mut Form, v| f.no_response_hours = v))} /></label>
                }
                <h3>{ "Conditions" }</h3>
                <datalist id="automation-fields">
                    { for FIELDS.iter().map(|x| html! { <option value={*x} /> }) }
                </datalist>
                <label class="field"><span>{ "Match" }</span>
                    <select id="automation-match" onchange={on_change(&form, Rc::new(|f: &mut Form, v| f.any = v == "any"))}>
                        <option value="all" selected={!f.any}>{ "all of" }</option>
                        <option value="any" selected={f.any}>{ "any of" }</option>
                    </select></label>
                { for condition_rows }
                if !f.groups.is_empty() {
                    <p class="muted">{ format!("{} nested condition group(s) are kept as they are.", f.groups.len()) }</p>
                }
                <button type="button" class="btn btn-ghost btn-small" id="automation-add-condition"
                    onclick={on_click(&form, Rc::new(|f: &mut Form| f.conditions.push(Condition {
                        operator: OPERATORS[0].0.into(), ..Condition::default() })))}>{ "Add condition" }</button>
                <h3>{ "Actions (in order)" }</h3>
                { for action_rows }
                <button type="button" class="btn btn-ghost btn-small" id="automation-add-action"
                    onclick={on_click(&form, Rc::new(|f: &mut Form| f.actions.push(ActionRow { kind: "setField".into(), ..ActionRow::default() })))}>
                    { "Add action" }</button>
                <div class="row">
                    <button type="submit" class="btn btn-primary" id="automation-save" disabled={*busy}>{ "Save rule" }</button>
                    if !f.id.is_empty() {
                        <button type="button" class="btn btn-danger" id="automation-archive" onclick={archive}>{ "Archive" }</button>
                    }
                </div>
            </form>
        </section>
    }
}

fn on_click_check(form: &UseStateHandle<Form>, i: usize) -> Callback<Event> {
    on_change(form, Rc::new(move |f: &mut Form, _| f.actions[i].flag = !f.actions[i].flag))
}

fn on_click_active(form: &UseStateHandle<Form>) -> Callback<Event> {
    on_change(form, Rc::new(|f: &mut Form, _| f.active = !f.active))
}

#[derive(Properties, PartialEq)]
struct DryRunProps {
    rule_id: String,
}

#[function_component(DryRunPanel)]
fn dry_run_panel(props: &DryRunProps) -> Html {
    let ticket = use_state(String::new);
    let result = use_state(|| None::<Result<DryRun, ApiError>>);
    let run = {
        let (ticket, result, id) = (ticket.clone(), result.clone(), props.rule_id.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (t, result, id) = ((*ticket).trim().to_owned(), result.clone(), id.clone());
            spawn_local(async move { result.set(Some(automation::dry_run(&id, &t).await)) });
        })
    };
    let body = match &*result {
        None => html! {},
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(d)) => html! {
            <div id="automation-dry-run-result">
                <p class="dry-run-verdict">
                    if d.matched {
                        <span class="badge badge-success">{ "Conditions match: these actions would run" }</span>
                    } else {
                        <span class="badge">{ "Conditions do not match: nothing would happen" }</span>
                    }
                </p>
                <table class="table">
                    <thead><tr><th>{ "Condition" }</th><th>{ "Field" }</th><th>{ "Ticket's value" }</th><th>{ "Holds" }</th></tr></thead>
                    <tbody>
                        { for d.conditions.iter().map(|c| html! {
                            <tr class="dry-run-condition">
                                <td><code>{ &c.path }</code></td><td>{ &c.field }</td><td>{ &c.actual }</td>
                                <td>{ if c.matched { "yes" } else { "no" } }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                <ol class="dry-run-actions">
                    { for d.actions.iter().map(|a| html! {
                        <li class="dry-run-action">
                            <strong>{ &a.kind }</strong>{ ": " }{ &a.description }
                            if !a.error.is_empty() { <span class="field-error">{ format!(" ({})", a.error) }</span> }
                        </li>
                    }) }
                </ol>
            </div>
        },
    };
    html! {
        <section class="card" id="automation-dry-run">
            <div class="card-header"><h2>{ "Dry run" }</h2></div>
            <p class="muted">{ "Shows what the saved rule would do to a ticket now. Nothing is changed or sent." }</p>
            <form class="row" onsubmit={run}>
                <input type="text" id="automation-dry-run-ticket" placeholder="Ticket id" value={(*ticket).clone()}
                    oninput={crate::components::field::bind(&ticket)} />
                <button type="submit" class="btn" id="automation-dry-run-go">{ "Dry run" }</button>
            </form>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct RunsProps {
    rule_id: String,
    reload: u32,
}

#[function_component(RunsPanel)]
fn runs_panel(props: &RunsProps) -> Html {
    let runs =
        use_fetch((props.rule_id.clone(), props.reload), |(id, _)| async move { automation::list_runs(&id).await });
    let body = match &runs.result {
        None => html! { <Loading /> },
        Some(Err(e)) => html! { <ErrorBanner error={e.clone()} /> },
        Some(Ok(rs)) if rs.is_empty() => {
            html! { <Empty title="No runs yet" hint="Runs appear when the trigger fires and the conditions match." /> }
        }
        Some(Ok(rs)) => html! {
            <table class="table" id="automation-runs">
                <thead><tr><th>{ "When" }</th><th>{ "Ticket" }</th><th>{ "Outcome" }</th><th>{ "Actions" }</th></tr></thead>
                <tbody>
                    { for rs.iter().map(|r| html! {
                        <tr class="automation-run">
                            <td>{ datetime(&r.create_time) }</td>
                            <td><a href={format!("/tickets/{}", r.ticket_id)}>{ &r.ticket_number }</a></td>
                            <td>{ if r.outcome == "AUTOMATION_RUN_OUTCOME_APPLIED" { "Applied" } else { "Skipped (loop guard)" } }</td>
                            <td>{ r.actions.iter().map(|a| if a.error.is_empty() { a.description.clone() } else { format!("{} ({})", a.description, a.error) }).collect::<Vec<_>>().join("; ") }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        },
    };
    html! {
        <section class="card" id="automation-runs-panel">
            <div class="card-header"><h2>{ "Recent runs" }</h2></div>
            { body }
        </section>
    }
}
