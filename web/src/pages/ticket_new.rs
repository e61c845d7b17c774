//! New ticket form.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError, FieldError, Ticket};
use crate::app::Route;
use crate::components::company_select::CompanySelect;
use crate::components::contact_select::ContactSelect;
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::TICKET_PRIORITIES;
use crate::pages::company_detail::CompanyQuery;

const FIELDS: &[&str] = &["title", "description", "priority", "company_id", "contact_id"];

/// Title, description, priority, company and contact. `?company=<id>` preselects the company.
#[function_component(TicketNewPage)]
pub fn ticket_new_page() -> Html {
    let preset = use_location().and_then(|l| l.query::<CompanyQuery>().ok()).unwrap_or_default();
    let title = use_state(String::new);
    let description = use_state(String::new);
    let priority = use_state(|| "TICKET_PRIORITY_MEDIUM".to_string());
    let company = use_state(|| preset.company.clone());
    let contact = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let navigator = use_navigator();

    let on_company = {
        let (company, contact) = (company.clone(), contact.clone());
        Callback::from(move |id: String| {
            company.set(id);
            contact.set(String::new());
        })
    };
    let on_contact = {
        let contact = contact.clone();
        Callback::from(move |id: String| contact.set(id))
    };
    let onsubmit = {
        let (title, description, priority, company, contact) =
            (title.clone(), description.clone(), priority.clone(), company.clone(), contact.clone());
        let (busy, error, navigator) = (busy.clone(), error.clone(), navigator.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let mut missing = Vec::new();
            if title.trim().is_empty() {
                missing
                    .push(FieldError { field: "title".into(), detail: "Enter a short summary of the request.".into() });
            }
            if company.is_empty() {
                missing.push(FieldError {
                    field: "company_id".into(),
                    detail: "Choose the company this ticket is for.".into(),
                });
            }
            if !missing.is_empty() {
                error.set(Some(ApiError {
                    detail: "Please fix the highlighted fields.".into(),
                    errors: missing,
                    ..ApiError::default()
                }));
                return;
            }
            let ticket = Ticket {
                title: title.trim().to_string(),
                description: description.trim().to_string(),
                priority: (*priority).clone(),
                company_id: (*company).clone(),
                contact_id: (*contact).clone(),
                ..Ticket::default()
            };
            busy.set(true);
            error.set(None);
            let (busy, error, navigator) = (busy.clone(), error.clone(), navigator.clone());
            spawn_local(async move {
                match api::create_ticket(&ticket).await {
                    Ok(created) => {
                        if let Some(nav) = &navigator {
                            nav.push(&Route::Ticket { id: created.id });
                        }
                    }
                    Err(err) => {
                        error.set(Some(err));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let cancel = {
        let navigator = navigator.clone();
        Callback::from(move |_| {
            if let Some(nav) = &navigator {
                nav.back();
            }
        })
    };

    let err = (*error).clone();
    let field_error = |f: &str| err.as_ref().and_then(|e| e.field(f));
    html! {
        <div class="page page-narrow">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <Link<Route> to={Route::Tickets}>{ "Tickets" }</Link<Route>>
                <span class="sep">{ "/" }</span>
                <span>{ "New ticket" }</span>
            </nav>
            <div class="page-header"><h1>{ "New ticket" }</h1></div>
            <form class="card form-card" id="ticket-new-form" {onsubmit} novalidate=true>
                if let Some(err) = &err {
                    { form_error(err, FIELDS) }
                }
                <div class="form-grid">
                    <Field label="Title" id="ticket-new-title" required=true error={field_error("title")} class="field-wide">
                        <input id="ticket-new-title" type="text" maxlength="255" autocomplete="off"
                            placeholder="e.g. Outlook keeps asking for the password"
                            value={(*title).clone()} oninput={bind(&title)} />
                    </Field>
                    <Field label="Company" id="ticket-new-company" required=true error={field_error("company_id")}>
                        <CompanySelect id="ticket-new-company" value={(*company).clone()} on_change={on_company}
                            blank="Select a company…" invalid={field_error("company_id").is_some()} />
                    </Field>
                    <Field label="Contact" id="ticket-new-contact" error={field_error("contact_id")}>
                        <ContactSelect id="ticket-new-contact" company_id={(*company).clone()}
                            value={(*contact).clone()} on_change={on_contact} />
                    </Field>
                    <Field label="Priority" id="ticket-new-priority" error={field_error("priority")}>
                        <select id="ticket-new-priority" onchange={bind_select(&priority)}>
                            { enum_options(TICKET_PRIORITIES, &priority, None) }
                        </select>
                    </Field>
                    <Field label="Description" id="ticket-new-description" error={field_error("description")} class="field-wide">
                        <textarea id="ticket-new-description" rows="6" placeholder="What happened, who is affected, what has been tried…"
                            value={(*description).clone()} oninput={bind(&description)} />
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="button" class="btn btn-secondary" onclick={cancel}>{ "Cancel" }</button>
                    <button type="submit" class="btn btn-primary" id="ticket-new-submit" disabled={*busy}>
                        { if *busy { "Creating…" } else { "Create ticket" } }
                    </button>
                </div>
            </form>
        </div>
    }
}
