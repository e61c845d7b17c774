//! The "New company" form.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, Company};
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::{COMPANY_SIZES, COMPANY_STATUSES, COMPANY_TYPES};

const FIELDS: &[&str] = &["name", "company_type", "status", "industry", "company_size", "website", "phone", "notes"];

/// Props of [`CompanyForm`].
#[derive(Properties, PartialEq)]
pub struct CompanyFormProps {
    /// Called with the created company.
    pub on_created: Callback<Company>,
    /// Called when the user cancels.
    pub on_cancel: Callback<()>,
}

/// Creates a company: name, type, status, industry, size, website, phone, notes.
#[function_component(CompanyForm)]
pub fn company_form(props: &CompanyFormProps) -> Html {
    let name = use_state(String::new);
    let company_type = use_state(|| "COMPANY_TYPE_CLIENT".to_string());
    let status = use_state(|| "COMPANY_STATUS_ACTIVE".to_string());
    let industry = use_state(String::new);
    let size = use_state(String::new);
    let website = use_state(String::new);
    let phone = use_state(String::new);
    let notes = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);

    let onsubmit = {
        let (name, company_type, status, industry, size, website, phone, notes) = (
            name.clone(),
            company_type.clone(),
            status.clone(),
            industry.clone(),
            size.clone(),
            website.clone(),
            phone.clone(),
            notes.clone(),
        );
        let (busy, error, on_created) = (busy.clone(), error.clone(), props.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            if name.trim().is_empty() {
                error.set(Some(ApiError {
                    detail: "Please fix the highlighted field.".into(),
                    errors: vec![api::FieldError { field: "name".into(), detail: "Enter the company's name.".into() }],
                    ..ApiError::default()
                }));
                return;
            }
            let company = Company {
                name: name.trim().to_string(),
                company_type: (*company_type).clone(),
                status: (*status).clone(),
                industry: industry.trim().to_string(),
                company_size: (*size).clone(),
                website: website.trim().to_string(),
                phone: phone.trim().to_string(),
                notes: notes.trim().to_string(),
                ..Company::default()
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_created) = (busy.clone(), error.clone(), on_created.clone());
            spawn_local(async move {
                match api::create_company(&company).await {
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
        <form class="card form-card" id="company-new-form" {onsubmit} novalidate=true>
            <div class="card-header">
                <h2>{ "New company" }</h2>
            </div>
            if let Some(err) = &err {
                { form_error(err, FIELDS) }
            }
            <div class="form-grid">
                <Field label="Name" id="company-new-name" required=true error={field_error("name")} class="field-wide">
                    <input id="company-new-name" type="text" maxlength="200" autocomplete="off"
                        value={(*name).clone()} oninput={bind(&name)} />
                </Field>
                <Field label="Type" id="company-new-type" error={field_error("company_type")}>
                    <select id="company-new-type" onchange={bind_select(&company_type)}>
                        { enum_options(COMPANY_TYPES, &company_type, None) }
                    </select>
                </Field>
                <Field label="Status" id="company-new-status" error={field_error("status")}>
                    <select id="company-new-status" onchange={bind_select(&status)}>
                        { enum_options(COMPANY_STATUSES, &status, None) }
                    </select>
                </Field>
                <Field label="Industry" id="company-new-industry" error={field_error("industry")}>
                    <input id="company-new-industry" type="text" value={(*industry).clone()} oninput={bind(&industry)} />
                </Field>
                <Field label="Size" id="company-new-size" error={field_error("company_size")}>
                    <select id="company-new-size" onchange={bind_select(&size)}>
                        { enum_options(COMPANY_SIZES, &size, Some("Not set")) }
                    </select>
                </Field>
                <Field label="Website" id="company-new-website" error={field_error("website")}>
                    <input id="company-new-website" type="url" placeholder="https://example.com"
                        value={(*website).clone()} oninput={bind(&website)} />
                </Field>
                <Field label="Phone" id="company-new-phone" error={field_error("phone")}>
                    <input id="company-new-phone" type="tel" value={(*phone).clone()} oninput={bind(&phone)} />
                </Field>
                <Field label="Notes" id="company-new-notes" error={field_error("notes")} class="field-wide">
                    <textarea id="company-new-notes" rows="3" value={(*notes).clone()} oninput={bind(&notes)} />
                </Field>
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" id="company-new-cancel" onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id="company-new-submit" disabled={*busy}>
                    { if *busy { "Creating…" } else { "Create company" } }
                </button>
            </div>
        </form>
    }
}
