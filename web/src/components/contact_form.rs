//! The "Add contact" form of the company page.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, Contact, FieldError};
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::CONTACT_TYPES;

const FIELDS: &[&str] = &["first_name", "last_name", "email", "phone", "title", "contact_type"];

/// Props of [`ContactForm`].
#[derive(Properties, PartialEq)]
pub struct ContactFormProps {
    /// Company the contact joins.
    pub company_id: AttrValue,
    /// Called with the created contact.
    pub on_created: Callback<Contact>,
    /// Called when the user cancels.
    pub on_cancel: Callback<()>,
}

/// Adds a contact to a company.
#[function_component(ContactForm)]
pub fn contact_form(props: &ContactFormProps) -> Html {
    let first = use_state(String::new);
    let last = use_state(String::new);
    let email = use_state(String::new);
    let phone = use_state(String::new);
    let title = use_state(String::new);
    let kind = use_state(|| "CONTACT_TYPE_PRIMARY".to_string());
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);

    let onsubmit = {
        let (first, last, email, phone, title, kind) =
            (first.clone(), last.clone(), email.clone(), phone.clone(), title.clone(), kind.clone());
        let (busy, error, on_created) = (busy.clone(), error.clone(), props.on_created.clone());
        let company_id = props.company_id.to_string();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if first.trim().is_empty() {
                error.set(Some(ApiError {
                    detail: "Please fix the highlighted field.".into(),
                    errors: vec![FieldError {
                        field: "first_name".into(),
                        detail: "Enter the contact's first name.".into(),
                    }],
                    ..ApiError::default()
                }));
                return;
            }
            let contact = Contact {
                company_id: company_id.clone(),
                first_name: first.trim().to_string(),
                last_name: last.trim().to_string(),
                email: email.trim().to_string(),
                phone: phone.trim().to_string(),
                title: title.trim().to_string(),
                contact_type: (*kind).clone(),
                ..Contact::default()
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_created) = (busy.clone(), error.clone(), on_created.clone());
            spawn_local(async move {
                match api::create_contact(&contact).await {
                    Ok(created) => on_created.emit(created),
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    let cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    html! {
        <form class="inline-form" id="contact-new-form" {onsubmit} novalidate=true>
            if let Some(err) = &err {
                { form_error(err, FIELDS) }
            }
            <div class="form-grid">
                <Field label="First name" id="contact-new-first-name" required=true error={field_error("first_name")}>
                    <input id="contact-new-first-name" type="text" value={(*first).clone()} oninput={bind(&first)} />
                </Field>
                <Field label="Last name" id="contact-new-last-name" error={field_error("last_name")}>
                    <input id="contact-new-last-name" type="text" value={(*last).clone()} oninput={bind(&last)} />
                </Field>
                <Field label="Email" id="contact-new-email" error={field_error("email")}>
                    <input id="contact-new-email" type="email" value={(*email).clone()} oninput={bind(&email)} />
                </Field>
                <Field label="Phone" id="contact-new-phone" error={field_error("phone")}>
                    <input id="contact-new-phone" type="tel" value={(*phone).clone()} oninput={bind(&phone)} />
                </Field>
                <Field label="Job title" id="contact-new-title" error={field_error("title")}>
                    <input id="contact-new-title" type="text" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Type" id="contact-new-type" error={field_error("contact_type")}>
                    <select id="contact-new-type" onchange={bind_select(&kind)}>
                        { enum_options(CONTACT_TYPES, &kind, None) }
                    </select>
                </Field>
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="contact-new-submit" disabled={*busy}>
                    { if *busy { "Adding…" } else { "Add contact" } }
                </button>
            </div>
        </form>
    }
}
