//! Form field wrapper and input helpers.

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::format::enum_label;

/// Props of [`Field`].
#[derive(Properties, PartialEq)]
pub struct FieldProps {
    /// Label text.
    pub label: AttrValue,
    /// The id of the control inside (for the label's `for`).
    pub id: AttrValue,
    /// A violation to show under the control.
    #[prop_or_default]
    pub error: Option<String>,
    /// Marks the label as required.
    #[prop_or_default]
    pub required: bool,
    /// Extra classes (e.g. `field-wide`).
    #[prop_or_default]
    pub class: Classes,
    /// The control.
    pub children: Html,
}

/// A labelled form control with its error message.
#[function_component(Field)]
pub fn field(props: &FieldProps) -> Html {
    let class = classes!("field", props.error.is_some().then_some("has-error"), props.class.clone());
    html! {
        <div {class}>
            <label for={props.id.clone()}>
                { &props.label }
                if props.required { <span class="required" aria-hidden="true">{ " *" }</span> }
            </label>
            { props.children.clone() }
            if let Some(error) = &props.error {
                <p class="field-error" id={format!("{}-error", props.id)}>{ error }</p>
            }
        </div>
    }
}

/// The value of the input, select or textarea an event came from.
pub fn event_value(e: &Event) -> String {
    let Some(target) = e.target() else {
        return String::new();
    };
    if let Some(input) = target.dyn_ref::<HtmlInputElement>() {
        input.value()
    } else if let Some(select) = target.dyn_ref::<HtmlSelectElement>() {
        select.value()
    } else if let Some(area) = target.dyn_ref::<HtmlTextAreaElement>() {
        area.value()
    } else {
        String::new()
    }
}

/// A callback that stores a string input's value in `state`.
pub fn bind(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(event_value(&e)))
}

/// A callback that stores a select's value in `state`.
pub fn bind_select(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| state.set(event_value(&e)))
}

/// `<option>`s for enum values with labels, `selected` on the current one; `blank` adds a first
/// option with an empty value.
pub fn enum_options(values: &[&'static str], current: &str, blank: Option<&str>) -> Html {
    html! {
        <>
            if let Some(blank) = blank {
                <option value="" selected={current.is_empty()}>{ blank }</option>
            }
            { for values.iter().map(|v| html! {
                <option value={*v} selected={*v == current}>{ enum_label(v) }</option>
            }) }
        </>
    }
}
