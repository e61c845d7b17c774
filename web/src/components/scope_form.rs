//! Form fields rendered from a service's scope definition template (the JSON Schema subset of
//! `proto/psa/contracts/v1/catalog.proto`): integer and number inputs with their bounds, text,
//! date pickers, selects for enums, checkboxes for booleans and multi-enums.

use serde_json::{Map, Value};
use yew::prelude::*;

use crate::api::ApiError;
use crate::components::field::{Field, event_value};

/// One parameter of a template.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Property name (`edr_platform`).
    pub name: String,
    /// Form label: the `title`, else the name.
    pub label: String,
    /// `string`, `date`, `enum`, `integer`, `number`, `boolean` or `multi`.
    pub kind: &'static str,
    /// Listed in `required`.
    pub required: bool,
    /// Enum or multi-enum values.
    pub options: Vec<String>,
    /// `minimum` / `maximum` as written.
    pub min: Option<String>,
    /// See `min`.
    pub max: Option<String>,
    /// `description`.
    pub help: String,
}

/// The parameters of a template, in the order of its `properties`.
pub fn params(schema: &Value) -> Vec<Param> {
    let required: Vec<&str> =
        schema["required"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    };
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let kind = match p["type"].as_str().unwrap_or("") {
                "string" if p.get("enum").is_some() => "enum",
                "string" if p["format"] == "date" => "date",
                "integer" => "integer",
                "number" => "number",
                "boolean" => "boolean",
                "array" => "multi",
                _ => "string",
            };
            let options = if kind == "multi" { strings(&p["items"]["enum"]) } else { strings(&p["enum"]) };
            Param {
                name: name.clone(),
                label: p["title"].as_str().unwrap_or(name).to_owned(),
                kind,
                required: required.contains(&name.as_str()),
                options,
                min: p.get("minimum").map(Value::to_string),
                max: p.get("maximum").map(Value::to_string),
                help: p["description"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// The template's `default`s, as initial values of the form.
pub fn defaults(schema: &Value) -> Map<String, Value> {
    schema["properties"]
        .as_object()
        .map(|props| props.iter().filter_map(|(n, p)| p.get("default").map(|d| (n.clone(), d.clone()))).collect())
        .unwrap_or_default()
}

/// Props of [`ScopeFields`].
#[derive(Properties, PartialEq)]
pub struct ScopeFieldsProps {
    /// The template schema.
    pub schema: Value,
    /// Current values.
    pub values: Map<String, Value>,
    /// Called with the new values after each edit.
    pub on_change: Callback<Map<String, Value>>,
    /// The last error, for per-field messages.
    #[prop_or_default]
    pub error: Option<ApiError>,
}

/// The inputs of a template's parameters.
#[function_component(ScopeFields)]
pub fn scope_fields(props: &ScopeFieldsProps) -> Html {
    let params = params(&props.schema);
    if params.is_empty() {
        return html! { <p class="muted small">{ "This service has no scope parameters." }</p> };
    }
    let set = |name: String, value: Option<Value>| {
        let (values, cb) = (props.values.clone(), props.on_change.clone());
        move |_| {
            let mut v = values.clone();
            match &value {
                Some(x) => v.insert(name.clone(), x.clone()),
                None => v.remove(&name),
            };
            cb.emit(v)
        }
    };
    html! {
        <div class="form-grid" id="scope-fields">
            { for params.into_iter().map(|p| {
                let id = format!("scope-{}", p.name);
                let current = props.values.get(&p.name).cloned();
                let error = props.error.as_ref().and_then(|e| e.field(&p.name));
                let (values, cb, name, kind) = (props.values.clone(), props.on_change.clone(), p.name.clone(), p.kind);
                let on_raw = Callback::from(move |raw: String| {
                    let mut v = values.clone();
                    let parsed = match kind {
                        _ if raw.trim().is_empty() => None,
                        "integer" => Some(raw.trim().parse::<i64>().map(Value::from).unwrap_or(Value::String(raw))),
                        // Keep a trailing "." while the user is still typing the decimals.
                        "number" if raw.ends_with('.') => Some(Value::String(raw)),
                        "number" => Some(raw.trim().parse::<f64>().ok().and_then(|f| serde_json::Number::from_f64(f).map(Value::Number)).unwrap_or(Value::String(raw))),
                        _ => Some(Value::String(raw)),
                    };
                    match parsed {
                        Some(x) => v.insert(name.clone(), x),
                        None => v.remove(&name),
                    };
                    cb.emit(v)
                });
                let control = match p.kind {
                    "enum" => html! {
                        <select id={id.clone()} onchange={on_raw.reform(|e: Event| event_value(&e))}>
                            <option value="" selected={current.is_none()}>{ "Choose…" }</option>
                            { for p.options.iter().map(|o| html! {
                                <option value={o.clone()} selected={current.as_ref().and_then(Value::as_str) == Some(o)}>{ o }</option>
                            }) }
                        </select>
                    },
                    "boolean" => {
                        let checked = current.as_ref().and_then(Value::as_bool).unwrap_or(false);
                        html! { <input id={id.clone()} type="checkbox" {checked}
                            onclick={set(p.name.clone(), Some(Value::Bool(!checked)))} /> }
                    }
                    "multi" => {
                        let chosen: Vec<String> = current.as_ref().and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default();
                        html! {
                            <div class="checkbox-group" id={id.clone()}>
                                { for p.options.iter().map(|o| {
                                    let on = chosen.contains(o);
                                    let next: Vec<Value> = p.options.iter()
                                        .filter(|x| if *x == o { !on } else { chosen.contains(x) })
                                        .map(|x| Value::String(x.clone())).collect();
                                    let value = if next.is_empty() { None } else { Some(Value::Array(next)) };
                                    html! {
                                        <label class="checkbox">
                                            <input type="checkbox" checked={on} onclick={set(p.name.clone(), value)} />
                                            { o }
                                        </label>
                                    }
                                }) }
                            </div>
                        }
                    }
                    kind => {
                        let input_type = match kind { "integer" | "number" => "number", "date" => "date", _ => "text" };
                        let step = match kind { "integer" => Some("1"), "number" => Some("any"), _ => None };
                        let value = match &current { Some(Value::String(s)) => s.clone(), Some(v) => v.to_string(), None => String::new() };
                        html! { <input id={id.clone()} type={input_type} {value} step={step} min={p.min.clone()} max={p.max.clone()} oninput={on_raw.reform(|e: InputEvent| event_value(&e))} /> }
                    }
                };
                html! {
                    <Field label={p.label.clone()} id={id} required={p.required} {error}>
                        { control }
                        if !p.help.is_empty() { <p class="muted small">{ &p.help }</p> }
                    </Field>
                }
            }) }
        </div>
    }
}
