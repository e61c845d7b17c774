//! A `<select>` of one company's contacts.

use yew::prelude::*;

use crate::api;
use crate::components::field::event_value;
use crate::hooks::use_fetch;

/// Props of [`ContactSelect`].
#[derive(Properties, PartialEq)]
pub struct ContactSelectProps {
    /// Element id.
    pub id: AttrValue,
    /// Company whose contacts are offered; empty disables the select.
    pub company_id: AttrValue,
    /// Selected contact id.
    pub value: AttrValue,
    /// Called with the chosen contact id (empty for none).
    pub on_change: Callback<String>,
}

/// Loads the contacts of `company_id` whenever it changes.
#[function_component(ContactSelect)]
pub fn contact_select(props: &ContactSelectProps) -> Html {
    let company_id = props.company_id.to_string();
    let contacts = use_fetch(company_id.clone(), |id: String| async move {
        if id.is_empty() { Ok(Vec::new()) } else { api::list_contacts(&id).await.map(|p| p.contacts) }
    });
    let onchange = {
        let cb = props.on_change.clone();
        Callback::from(move |e: Event| cb.emit(event_value(&e)))
    };
    let value = props.value.to_string();
    let (blank, options) = match &contacts.result {
        _ if company_id.is_empty() => ("Select a company first", Html::default()),
        Some(Ok(list)) if list.is_empty() => ("No contacts at this company", Html::default()),
        Some(Ok(list)) => (
            "No contact",
            html! {
                { for list.iter().map(|c| html! {
                    <option value={c.id.clone()} selected={c.id == value}>
                        { c.full_name() }
                        if !c.email.is_empty() { { format!(" <{}>", c.email) } }
                    </option>
                }) }
            },
        ),
        Some(Err(_)) => ("Could not load contacts", Html::default()),
        None => ("Loading…", Html::default()),
    };
    html! {
        <select id={props.id.clone()} {onchange} disabled={company_id.is_empty()}>
            <option value="" selected={value.is_empty()}>{ blank }</option>
            { options }
        </select>
    }
}
