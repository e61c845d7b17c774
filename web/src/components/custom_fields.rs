//! Custom fields in forms, detail pages and lists: [`CustomFieldInputs`] renders one input per
//! definition of an entity type (by field type) and yields the entity's `customFields` object;
//! [`CustomFieldValues`] shows the values as `<dt>/<dd>` pairs; [`display`] formats one value
//! for a list cell. The definitions come from `GET /api/v1/custom-field-definitions`; the
//! server validates the values (violations on `<entity>.customFields.<key>` are shown next to
//! their inputs).

use serde_json::{Map, Value};
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::settings::{self, CustomFieldDefinition, custom_field_error};
use crate::components::field::{Field, event_value};
use crate::hooks::{Fetch, use_fetch};

/// The definitions of entity type `entity` (`CUSTOM_FIELD_ENTITY_…`), loaded once per mount.
#[hook]
pub fn use_definitions(entity: &'static str) -> UseStateHandle<Fetch<Vec<CustomFieldDefinition>>> {
    use_fetch(entity, |entity| async move { settings::list_definitions(entity).await })
}

/// The loaded definitions, or none while loading or after an error.
pub fn loaded(defs: &Fetch<Vec<CustomFieldDefinition>>) -> Vec<CustomFieldDefinition> {
    match &defs.result {
        Some(Ok(d)) => d.clone(),
        _ => Vec::new(),
    }
}

/// A value as text: booleans as Yes/No, arrays joined with `, `, absent/null as `—`.
pub fn display(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".into(),
        Some(Value::Bool(true)) => "Yes".into(),
        Some(Value::Bool(false)) => "No".into(),
        Some(Value::String(s)) if s.is_empty() => "—".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.is_empty() => "—".into(),
        Some(Value::Array(items)) => items.iter().map(|v| display(Some(v))).collect::<Vec<_>>().join(", "),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Some(other) => other.to_string(),
    }
}

/// The form field names the custom fields of `defs` answer to (for
/// [`crate::components::feedback::form_error`], so their violations are not listed twice).
pub fn field_names(defs: &[CustomFieldDefinition]) -> Vec<String> {
    defs.iter().map(|d| d.key.clone()).collect()
}

/// Props of [`CustomFieldInputs`].
#[derive(Properties, PartialEq)]
pub struct CustomFieldInputsProps {
    /// `CUSTOM_FIELD_ENTITY_…`.
    pub entity: &'static str,
    /// Prefix of the input ids: an input's id is `<id_prefix>-cf-<key>`.
    pub id_prefix: AttrValue,
    /// The current `customFields` object.
    pub values: Map<String, Value>,
    /// Called with the whole object after every change (cleared inputs drop their key).
    pub on_change: Callback<Map<String, Value>>,
    /// The last error of the form, for the violations of these fields.
    #[prop_or_default]
    pub error: Option<ApiError>,
}

/// One input per definition of the entity type, rendered by field type: text, number, date,
/// a checkbox (boolean), a select (one option) or a group of checkboxes (multi-select).
/// Renders nothing when the type has no definitions.
#[function_component(CustomFieldInputs)]
pub fn custom_field_inputs(props: &CustomFieldInputsProps) -> Html {
    let defs = use_definitions(props.entity);
    let defs = match &defs.result {
        None => return html! { <p class="muted small">{ "Loading custom fields…" }</p> },
        Some(Err(e)) => {
            return html! { <p class="field-error">{ format!("Custom fields could not be loaded: {}", e.message()) }</p> };
        }
        Some(Ok(d)) if d.is_empty() => return Html::default(),
        Some(Ok(d)) => d.clone(),
    };
    html! {
        <>
            { for defs.iter().map(|d| input(props, d)) }
        </>
    }
}

/// Sets (or, for `None`, removes) `key` and reports the new object.
fn setter(props: &CustomFieldInputsProps, key: &str) -> Callback<Option<Value>> {
    let (values, on_change, key) = (props.values.clone(), props.on_change.clone(), key.to_string());
    Callback::from(move |v: Option<Value>| {
        let mut next = values.clone();
        match v {
            Some(v) => next.insert(key.clone(), v),
            None => next.remove(&key),
        };
        on_change.emit(next);
    })
}

fn input(props: &CustomFieldInputsProps, d: &CustomFieldDefinition) -> Html {
    let id = format!("{}-cf-{}", props.id_prefix, d.key);
    let current = props.values.get(&d.key).cloned();
    let set = setter(props, &d.key);
    let error = custom_field_error(props.error.as_ref(), &d.key);
    let invalid = error.is_some().to_string();
    let text_value = match &current {
        Some(Value::String(s)) => s.clone(),
        Some(v @ Value::Number(_)) => display(Some(v)),
        _ => String::new(),
    };
    let control = match d.field_type.as_str() {
        "CUSTOM_FIELD_TYPE_NUMBER" => {
            let oninput = Callback::from(move |e: InputEvent| {
                let raw = event_value(&e);
                let raw = raw.trim();
                // Unparseable text goes to the server as typed, which reports it on the field.
                set.emit(if raw.is_empty() {
                    None
                } else {
                    Some(match (raw.parse::<i64>(), raw.parse::<f64>()) {
                        (Ok(i), _) => Value::from(i),
                        (_, Ok(f)) => serde_json::Number::from_f64(f).map_or_else(|| Value::from(raw), Value::Number),
                        _ => Value::from(raw),
                    })
                })
            });
            html! { <input {id} type="text" inputmode="decimal" data-key={d.key.clone()} aria-invalid={invalid}
            value={text_value} {oninput} /> }
        }
        "CUSTOM_FIELD_TYPE_DATE" => {
            let oninput = Callback::from(move |e: InputEvent| {
                let v = event_value(&e);
                set.emit((!v.is_empty()).then_some(Value::String(v)))
            });
            html! { <input {id} type="date" data-key={d.key.clone()} aria-invalid={invalid}
            value={text_value} {oninput} /> }
        }
        "CUSTOM_FIELD_TYPE_BOOLEAN" => {
            let checked = matches!(current, Some(Value::Bool(true)));
            let onchange = Callback::from(move |e: Event| {
                let on = e
                    .target()
                    .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
                    .is_some_and(|i| i.checked());
                set.emit(Some(Value::Bool(on)))
            });
            html! { <input {id} type="checkbox" class="checkbox" data-key={d.key.clone()} aria-invalid={invalid}
            {checked} {onchange} /> }
        }
        "CUSTOM_FIELD_TYPE_SELECT" => {
            let onchange = Callback::from(move |e: Event| {
                let v = event_value(&e);
                set.emit((!v.is_empty()).then_some(Value::String(v)))
            });
            html! {
                <select {id} data-key={d.key.clone()} aria-invalid={invalid} {onchange}>
                    <option value="" selected={text_value.is_empty()}>{ "Not set" }</option>
                    { for d.options.iter().map(|o| html! {
                        <option value={o.clone()} selected={*o == text_value}>{ o }</option>
                    }) }
                </select>
            }
        }
        "CUSTOM_FIELD_TYPE_MULTI_SELECT" => {
            let chosen: Vec<String> = match &current {
                Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
                _ => Vec::new(),
            };
            html! {
                <div class="checkbox-group" {id} data-key={d.key.clone()} role="group" aria-invalid={invalid}>
                    { for d.options.iter().map(|o| {
                        let checked = chosen.contains(o);
                        let (set, chosen, option) = (set.clone(), chosen.clone(), o.clone());
                        let onchange = Callback::from(move |_: Event| {
                            let mut next = chosen.clone();
                            if let Some(i) = next.iter().position(|c| *c == option) {
                                next.remove(i);
                            } else {
                                next.push(option.clone());
                            }
                            set.emit((!next.is_empty()).then(|| Value::Array(next.into_iter().map(Value::String).collect())))
                        });
                        html! {
                            <label class="checkbox-label">
                                <input type="checkbox" value={o.clone()} {checked} {onchange} />
                                { o }
                            </label>
                        }
                    }) }
                </div>
            }
        }
        _ => {
            let oninput = Callback::from(move |e: InputEvent| {
                let v = event_value(&e);
                set.emit((!v.is_empty()).then_some(Value::String(v)))
            });
            html! { <input {id} type="text" data-key={d.key.clone()} aria-invalid={invalid}
            value={text_value} {oninput} /> }
        }
    };
    let id = format!("{}-cf-{}", props.id_prefix, d.key);
    html! {
        <Field label={d.label.clone()} id={id} required={d.required} {error}>
            { control }
        </Field>
    }
}

/// Props of [`CustomFieldValues`].
#[derive(Properties, PartialEq)]
pub struct CustomFieldValuesProps {
    /// `CUSTOM_FIELD_ENTITY_…`.
    pub entity: &'static str,
    /// The entity's `customFields` object.
    pub values: Map<String, Value>,
}

/// The values as `<dt>label</dt><dd>value</dd>` pairs (inside a `<dl class="props">`), one per
/// definition; each `<dd>` has `data-key`.
#[function_component(CustomFieldValues)]
pub fn custom_field_values(props: &CustomFieldValuesProps) -> Html {
    let defs = use_definitions(props.entity);
    html! {
        <>
            { for loaded(&defs).iter().map(|d| html! {
                <>
                    <dt>{ &d.label }</dt>
                    <dd data-testid="custom-field-value" data-key={d.key.clone()}>{ display(props.values.get(&d.key)) }</dd>
                </>
            }) }
        </>
    }
}

/// `<th>` cells, one per definition (list columns).
pub fn header_cells(defs: &[CustomFieldDefinition]) -> Html {
    html! {
        { for defs.iter().map(|d| html! { <th data-key={d.key.clone()}>{ &d.label }</th> }) }
    }
}

/// `<td>` cells with `values`, one per definition, in the order of [`header_cells`].
pub fn value_cells(defs: &[CustomFieldDefinition], values: &Map<String, Value>) -> Html {
    html! {
        { for defs.iter().map(|d| html! {
            <td data-testid="custom-field-cell" data-key={d.key.clone()}>{ display(values.get(&d.key)) }</td>
        }) }
    }
}

/// The AIP-160 term that selects records whose custom field `key` (of type `field_type`,
/// `CUSTOM_FIELD_TYPE_…`) equals `value` as text: `custom_fields.tier = "gold"`; for a
/// multi-select, the records whose values include it: `custom_fields.stacks:"aws"`. Empty when
/// `key` or `value` is empty. Numbers compare as stored, booleans as `true`/`false` (the
/// server's rule, README "Filtering by custom fields").
pub fn filter_term(field_type: &str, key: &str, value: &str) -> String {
    let value = value.trim();
    if key.is_empty() || value.is_empty() {
        return String::new();
    }
    let op = if field_type == "CUSTOM_FIELD_TYPE_MULTI_SELECT" { ":" } else { " = " };
    format!("custom_fields.{key}{op}{}", crate::api::quote(value))
}

/// Props of [`CustomFieldFilter`].
#[derive(Properties, PartialEq)]
pub struct CustomFieldFilterProps {
    /// The entity type's definitions (the offered fields); nothing renders when empty.
    pub defs: Vec<CustomFieldDefinition>,
    /// Receives the applied term (see [`filter_term`]), or an empty string when cleared.
    pub on_change: Callback<String>,
    /// Prefix of the element ids (`<prefix>-cf-key`, `-cf-value`, `-cf-apply`, `-cf-clear`).
    pub id_prefix: AttrValue,
}

/// A list toolbar filter: pick a custom field, type a value, Filter. Remount it (change its
/// `key`) to reset it when the page clears its filters.
#[function_component(CustomFieldFilter)]
pub fn custom_field_filter(props: &CustomFieldFilterProps) -> Html {
    let key = use_state(String::new);
    let value = use_state(String::new);
    let applied = use_state(|| false);
    if props.defs.is_empty() {
        return Html::default();
    }
    let on_key = {
        let key = key.clone();
        Callback::from(move |e: Event| key.set(event_value(&e)))
    };
    let on_value = {
        let value = value.clone();
        Callback::from(move |e: InputEvent| value.set(event_value(&e)))
    };
    let on_submit = {
        let (key, value, applied, on_change, defs) =
            (key.clone(), value.clone(), applied.clone(), props.on_change.clone(), props.defs.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let field_type = defs.iter().find(|d| d.key == *key).map(|d| d.field_type.as_str()).unwrap_or_default();
            let term = filter_term(field_type, &key, &value);
            applied.set(!term.is_empty());
            on_change.emit(term);
        })
    };
    let on_clear = {
        let (value, applied, on_change) = (value.clone(), applied.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            value.set(String::new());
            applied.set(false);
            on_change.emit(String::new());
        })
    };
    let chosen = props.defs.iter().find(|d| d.key == *key);
    let placeholder = match chosen.map(|d| d.field_type.as_str()) {
        Some("CUSTOM_FIELD_TYPE_BOOLEAN") => "true or false",
        Some("CUSTOM_FIELD_TYPE_DATE") => "YYYY-MM-DD",
        _ => "Value",
    };
    let list_id = format!("{}-cf-options", props.id_prefix);
    let id = |suffix: &str| format!("{}-cf-{suffix}", props.id_prefix);
    html! {
        <form class="search" onsubmit={on_submit} aria-label="Filter by custom field">
            <select id={id("key")} aria-label="Custom field" onchange={on_key}>
                <option value="" selected={key.is_empty()}>{ "Custom field…" }</option>
                { for props.defs.iter().map(|d| html! {
                    <option value={d.key.clone()} selected={d.key == *key}>{ &d.label }</option>
                }) }
            </select>
            <input id={id("value")} type="search" aria-label="Custom field value" placeholder={placeholder}
                list={list_id.clone()} value={(*value).clone()} oninput={on_value} disabled={key.is_empty()} />
            <datalist id={list_id}>
                { for chosen.into_iter().flat_map(|d| d.options.iter()).map(|o| html! { <option value={o.clone()} /> }) }
            </datalist>
            <button type="submit" class="btn btn-secondary" id={id("apply")} disabled={key.is_empty()}>{ "Filter" }</button>
            if *applied {
                <button type="button" class="btn btn-ghost btn-small" id={id("clear")} onclick={on_clear}>{ "Clear" }</button>
            }
        </form>
    }
}
