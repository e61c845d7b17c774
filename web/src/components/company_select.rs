//! A `<select>` of the tenant's companies.

use yew::prelude::*;

use crate::api::{self, ListQuery};
use crate::components::field::event_value;
use crate::hooks::use_fetch;

/// Props of [`CompanySelect`].
#[derive(Properties, PartialEq)]
pub struct CompanySelectProps {
    /// Element id.
    pub id: AttrValue,
    /// Selected company id (empty for none).
    pub value: AttrValue,
    /// Called with the chosen company id (empty for the blank option).
    pub on_change: Callback<String>,
    /// Label of the blank first option.
    pub blank: AttrValue,
    /// Marks the control invalid.
    #[prop_or_default]
    pub invalid: bool,
    /// A company id left out of the options (e.g. the company being edited).
    #[prop_or_default]
    pub exclude: AttrValue,
}

/// Loads up to 200 companies (by name) and offers them in a select.
#[function_component(CompanySelect)]
pub fn company_select(props: &CompanySelectProps) -> Html {
    let companies = use_fetch((), |_| async {
        api::list_companies(&ListQuery { page_size: 200, order_by: "name".into(), ..ListQuery::default() }).await
    });
    let onchange = {
        let cb = props.on_change.clone();
        Callback::from(move |e: Event| cb.emit(event_value(&e)))
    };
    let value = props.value.to_string();
    let options = match &companies.result {
        Some(Ok(page)) => html! {
            { for page.companies.iter().filter(|c| c.id != props.exclude.as_str()).map(|c| html! {
                <option value={c.id.clone()} selected={c.id == value}>{ &c.name }</option>
            }) }
        },
        Some(Err(_)) => html! { <option disabled=true>{ "Could not load companies" }</option> },
        None => html! { <option disabled=true>{ "Loading…" }</option> },
    };
    html! {
        <select id={props.id.clone()} {onchange} aria-invalid={props.invalid.to_string()}
            data-loaded={companies.result.is_some().to_string()}>
            <option value="" selected={value.is_empty()}>{ &props.blank }</option>
            { options }
        </select>
    }
}
