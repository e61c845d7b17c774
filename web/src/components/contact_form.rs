//! The "Add contact" and "Edit contact" forms of the company page. Editing sends
//! `PATCH /api/v1/contacts/{id}` with only the changed fields (the gateway makes them the
//! update mask).

use serde_json::{Map, Value};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, Contact, FieldError};
use crate::components::custom_fields::{CustomFieldInputs, field_names, loaded, use_definitions};
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::CONTACT_TYPES;

const FIELDS: &[&str] = &["first_name", "last_name", "email", "phone", "title", "contact_type"];
const ENTITY: &str = "CUSTOM_FIELD_ENTITY_CONTACT";

/// Props of [`ContactForm`].
#[derive(Properties, PartialEq)]
pub struct ContactFormProps {
    /// Company the contact joins.
    pub company_id: AttrValue,
    /// The contact to edit; `None` to add one.
    #[prop_or_default]
    pub contact: Option<Contact>,
    /// Called with the created or updated contact.
    pub on_created: Callback<Contact>,
    /// Called when the user cancels.
    pub on_cancel: Callback<()>,
}

/// Adds a contact to a company, or edits one (ids `contact-new-…` / `contact-edit-…`): names,
/// email, phone, job title, type and the tenant's contact custom fields.
#[function_component(ContactForm)]
pub fn contact_form(props: &ContactFormProps) -> Html {
    let original = props.contact.clone().unwrap_or_default();
    let editing = props.contact.is_some();
    let first = use_state(|| original.first_name.clone());
    let last = use_state(|| original.last_name.clone());
    let email = use_state(|| original.email.clone());
    let phone = use_state(|| original.phone.clone());
    let title = use_state(|| original.title.clone());
    let kind = use_state(|| {
        if original.contact_type.is_empty() {
            "CONTACT_TYPE_PRIMARY".to_string()
        } else {
            original.contact_type.clone()
        }
    });
    let custom = use_state(|| original.custom_fields.clone());
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let defs = use_definitions(ENTITY);
    let p = if editing { "contact-edit" } else { "contact-new" };

    let onsubmit = {
        let (first, last, email, phone, title, kind, custom) =
            (first.clone(), last.clone(), email.clone(), phone.clone(), title.clone(), kind.clone(), custom.clone());
        let (busy, error, on_created) = (busy.clone(), error.clone(), props.on_created.clone());
        let company_id = props.company_id.to_string();
        let original = props.contact.clone();
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
                custom_fields: (*custom).clone(),
                ..Contact::default()
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_created, original) =
                (busy.clone(), error.clone(), on_created.clone(), original.clone());
            spawn_local(async move {
                let result = match &original {
                    None => api::create_contact(&contact).await,
                    Some(old) => {
                        let patch = changes(old, &contact);
                        if patch.is_empty() {
                            Ok(old.clone())
                        } else {
                            api::update_contact(&old.id, &Value::Object(patch)).await
                        }
                    }
                };
                match result {
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
    let on_custom = {
        let custom = custom.clone();
        Callback::from(move |v: Map<String, Value>| custom.set(v))
    };
    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    let mut known: Vec<String> = FIELDS.iter().map(|f| (*f).to_string()).collect();
    known.extend(field_names(&loaded(&defs)));
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let id = |f: &str| format!("{p}-{f}");
    html! {
        <form class="inline-form" id={id("form")} {onsubmit} novalidate=true>
            if let Some(err) = &err {
                { form_error(err, &known) }
            }
            <div class="form-grid">
                <Field label="First name" id={id("first-name")} required=true error={field_error("first_name")}>
                    <input id={id("first-name")} type="text" value={(*first).clone()} oninput={bind(&first)} />
                </Field>
                <Field label="Last name" id={id("last-name")} error={field_error("last_name")}>
                    <input id={id("last-name")} type="text" value={(*last).clone()} oninput={bind(&last)} />
                </Field>
                <Field label="Email" id={id("email")} error={field_error("email")}>
                    <input id={id("email")} type="email" value={(*email).clone()} oninput={bind(&email)} />
                </Field>
                <Field label="Phone" id={id("phone")} error={field_error("phone")}>
                    <input id={id("phone")} type="tel" value={(*phone).clone()} oninput={bind(&phone)} />
                </Field>
                <Field label="Job title" id={id("title")} error={field_error("title")}>
                    <input id={id("title")} type="text" value={(*title).clone()} oninput={bind(&title)} />
                </Field>
                <Field label="Type" id={id("type")} error={field_error("contact_type")}>
                    <select id={id("type")} onchange={bind_select(&kind)}>
                        { enum_options(CONTACT_TYPES, &kind, None) }
                    </select>
                </Field>
                <CustomFieldInputs entity={ENTITY} id_prefix={p} values={(*custom).clone()} on_change={on_custom}
                    error={err.clone()} />
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id={id("submit")} disabled={*busy}>
                    {
                        match (editing, *busy) {
                            (false, true) => "Adding…",
                            (false, false) => "Add contact",
                            (true, true) => "Saving…",
                            (true, false) => "Save contact",
                        }
                    }
                </button>
            </div>
        </form>
    }
}

/// The PATCH body: every field of `new` that differs from `old`, by its JSON name.
fn changes(old: &Contact, new: &Contact) -> Map<String, Value> {
    let mut patch = Map::new();
    for (key, a, b) in [
        ("firstName", &old.first_name, &new.first_name),
        ("lastName", &old.last_name, &new.last_name),
        ("email", &old.email, &new.email),
        ("phone", &old.phone, &new.phone),
        ("title", &old.title, &new.title),
        ("contactType", &old.contact_type, &new.contact_type),
    ] {
        if a != b {
            patch.insert(key.into(), Value::String(b.clone()));
        }
    }
    if old.custom_fields != new.custom_fields {
        patch.insert("customFields".into(), Value::Object(new.custom_fields.clone()));
    }
    patch
}
