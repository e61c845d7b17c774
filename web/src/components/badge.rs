//! Coloured pills for statuses and priorities.

use yew::prelude::*;

use crate::format::{enum_class, enum_label};

/// Props of [`Badge`].
#[derive(Properties, PartialEq)]
pub struct BadgeProps {
    /// Kind of value: `status`, `priority`, `company-status`, `visibility`…
    pub kind: AttrValue,
    /// The proto enum value name, e.g. `TICKET_STATUS_OPEN`.
    pub value: AttrValue,
}

/// A pill showing an enum value's label, coloured by `badge-<kind>-<value>` classes.
#[function_component(Badge)]
pub fn badge(props: &BadgeProps) -> Html {
    let class = format!("badge badge-{} badge-{}-{}", props.kind, props.kind, enum_class(&props.value));
    html! { <span class={class}>{ enum_label(&props.value) }</span> }
}
