//! The company form: "New company" (`POST /api/v1/companies`) and "Edit company"
//! (`PATCH /api/v1/companies/{id}` with only the changed fields, which the gateway turns into
//! the update mask). Both offer a parent company (the API rejects a parent that would make the
//! hierarchy loop, shown at the field) and the tenant's company custom fields.

use serde_json::{Map, Value};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, Company};
use crate::components::company_select::CompanySelect;
use crate::components::custom_fields::{CustomFieldInputs, field_names, loaded, use_definitions};
use crate::components::feedback::form_error;
use crate::components::field::{Field, bind, bind_select, enum_options};
use crate::format::{COMPANY_SIZES, COMPANY_STATUSES, COMPANY_TYPES};

const FIELDS: &[&str] = &[
    "name",
    "company_type",
    "status",
    "industry",
    "company_size",
    "website",
    "phone",
    "notes",
    "parent_id",
    "source",
    "tags",
    "lead_score",
    "estimated_deal_value",
    "deal_currency",
    "first_interaction_date",
];
const ENTITY: &str = "CUSTOM_FIELD_ENTITY_COMPANY";

/// Props of [`CompanyForm`].
#[derive(Properties, PartialEq)]
pub struct CompanyFormProps {
    /// The company to edit; `None` for a new one.
    #[prop_or_default]
    pub company: Option<Company>,
    /// Called with the created or updated company.
    pub on_created: Callback<Company>,
    /// Called when the user cancels.
    pub on_cancel: Callback<()>,
}

/// Creates or edits a company: name, type, status (new only: later changes go through the
/// lifecycle card), industry, size, website, phone, notes, parent company, tags (comma
/// separated), the business fields of seed 001 (client source, lead score 0–100, estimated
/// deal value and its currency, first interaction) and custom fields.
/// Ids are `company-new-…` when creating and `company-edit-…` when editing.
#[function_component(CompanyForm)]
pub fn company_form(props: &CompanyFormProps) -> Html {
    let original = props.company.clone().unwrap_or_default();
    let editing = props.company.is_some();
    let name = use_state(|| original.name.clone());
    let company_type =
        use_state(|| if editing { original.company_type.clone() } else { "COMPANY_TYPE_CLIENT".to_string() });
    let status = use_state(|| "COMPANY_STATUS_ACTIVE".to_string());
    let industry = use_state(|| original.industry.clone());
    let size = use_state(|| original.company_size.clone());
    let website = use_state(|| original.website.clone());
    let phone = use_state(|| original.phone.clone());
    let notes = use_state(|| original.notes.clone());
    let parent = use_state(|| original.parent_id.clone());
    let source = use_state(|| original.source.clone());
    let tags = use_state(|| original.tags.join(", "));
    let lead_score = use_state(|| original.lead_score.map(|n| n.to_string()).unwrap_or_default());
    let deal_value = use_state(|| original.estimated_deal_value.clone());
    let deal_currency = use_state(|| original.deal_currency.clone());
    let first_interaction = use_state(|| original.first_interaction_date.clone());
    let custom = use_state(|| original.custom_fields.clone());
    let busy = use_state(|| false);
    let error = use_state(|| None::<ApiError>);
    let defs = use_definitions(ENTITY);
    let p = if editing { "company-edit" } else { "company-new" };

    let onsubmit = {
        let (name, company_type, status, industry, size, website, phone, notes, parent, custom) = (
            name.clone(),
            company_type.clone(),
            status.clone(),
            industry.clone(),
            size.clone(),
            website.clone(),
            phone.clone(),
            notes.clone(),
            parent.clone(),
            custom.clone(),
        );
        let (source, tags, lead_score, deal_value, deal_currency, first_interaction) = (
            source.clone(),
            tags.clone(),
            lead_score.clone(),
            deal_value.clone(),
            deal_currency.clone(),
            first_interaction.clone(),
        );
        let (busy, error, on_created) = (busy.clone(), error.clone(), props.on_created.clone());
        let original = props.company.clone();
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
            let score = lead_score.trim();
            let parsed_score = score.parse::<i32>().ok().filter(|n| (0..=100).contains(n));
            if !score.is_empty() && parsed_score.is_none() {
                error.set(Some(ApiError {
                    detail: "Please fix the highlighted field.".into(),
                    errors: vec![api::FieldError {
                        field: "lead_score".into(),
                        detail: "Enter a whole number from 0 to 100.".into(),
                    }],
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
                parent_id: (*parent).clone(),
                source: source.trim().to_string(),
                tags: tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
                lead_score: parsed_score,
                estimated_deal_value: deal_value.trim().to_string(),
                deal_currency: deal_currency.trim().to_uppercase(),
                first_interaction_date: (*first_interaction).clone(),
                custom_fields: (*custom).clone(),
                ..Company::default()
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_created, original) =
                (busy.clone(), error.clone(), on_created.clone(), original.clone());
            spawn_local(async move {
                let result = match &original {
                    None => api::create_company(&company).await,
                    Some(old) => {
                        let patch = changes(old, &company);
                        if patch.is_empty() {
                            Ok(old.clone())
                        } else {
                            api::update_company(&old.id, &Value::Object(patch)).await
                        }
                    }
                };
                match result {
                    Ok(saved) => on_created.emit(saved),
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
    let on_parent = {
        let parent = parent.clone();
        Callback::from(move |id: String| parent.set(id))
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
        <form class="card form-card" id={format!("{p}-form")} {onsubmit} novalidate=true>
            <div class="card-header">
                <h2>{ if editing { "Edit company" } else { "New company" } }</h2>
            </div>
            if let Some(err) = &err {
                { form_error(err, &known) }
            }
            <div class="form-grid">
                <Field label="Name" id={id("name")} required=true error={field_error("name")} class="field-wide">
                    <input id={id("name")} type="text" maxlength="200" autocomplete="off"
                        value={(*name).clone()} oninput={bind(&name)} />
                </Field>
                <Field label="Type" id={id("type")} error={field_error("company_type")}>
                    <select id={id("type")} onchange={bind_select(&company_type)}>
                        { enum_options(COMPANY_TYPES, &company_type, None) }
                    </select>
                </Field>
                if !editing {
                    <Field label="Status" id={id("status")} error={field_error("status")}>
                        <select id={id("status")} onchange={bind_select(&status)}>
                            { enum_options(COMPANY_STATUSES, &status, None) }
                        </select>
                    </Field>
                }
                <Field label="Parent company" id={id("parent")} error={field_error("parent_id")}>
                    <CompanySelect id={id("parent")} value={(*parent).clone()} on_change={on_parent}
                        blank="None (top level)" invalid={field_error("parent_id").is_some()}
                        exclude={original.id.clone()} />
                </Field>
                <Field label="Industry" id={id("industry")} error={field_error("industry")}>
                    <input id={id("industry")} type="text" value={(*industry).clone()} oninput={bind(&industry)} />
                </Field>
                <Field label="Size" id={id("size")} error={field_error("company_size")}>
                    <select id={id("size")} onchange={bind_select(&size)}>
                        { enum_options(COMPANY_SIZES, &size, Some("Not set")) }
                    </select>
                </Field>
                <Field label="Website" id={id("website")} error={field_error("website")}>
                    <input id={id("website")} type="url" placeholder="https://example.com"
                        value={(*website).clone()} oninput={bind(&website)} />
                </Field>
                <Field label="Phone" id={id("phone")} error={field_error("phone")}>
                    <input id={id("phone")} type="tel" value={(*phone).clone()} oninput={bind(&phone)} />
                </Field>
                <Field label="Client source" id={id("source")} error={field_error("source")}>
                    <input id={id("source")} type="text" placeholder="Referral, website, event…"
                        value={(*source).clone()} oninput={bind(&source)} />
                </Field>
                <Field label="Tags" id={id("tags")} error={field_error("tags")}>
                    <input id={id("tags")} type="text" placeholder="soc2, healthcare"
                        value={(*tags).clone()} oninput={bind(&tags)} />
                </Field>
                <Field label="Lead score (0–100)" id={id("lead-score")} error={field_error("lead_score")}>
                    <input id={id("lead-score")} type="number" min="0" max="100" step="1"
                        value={(*lead_score).clone()} oninput={bind(&lead_score)} />
                </Field>
                <Field label="Estimated deal value" id={id("deal-value")} error={field_error("estimated_deal_value")}>
                    <input id={id("deal-value")} type="text" inputmode="decimal"
                        value={(*deal_value).clone()} oninput={bind(&deal_value)} />
                </Field>
                <Field label="Deal currency" id={id("deal-currency")} error={field_error("deal_currency")}>
                    <input id={id("deal-currency")} type="text" maxlength="3" placeholder="USD"
                        value={(*deal_currency).clone()} oninput={bind(&deal_currency)} />
                </Field>
                <Field label="First interaction" id={id("first-interaction")} error={field_error("first_interaction_date")}>
                    <input id={id("first-interaction")} type="date"
                        value={(*first_interaction).clone()} oninput={bind(&first_interaction)} />
                </Field>
                <CustomFieldInputs entity={ENTITY} id_prefix={p} values={(*custom).clone()} on_change={on_custom}
                    error={err.clone()} />
                <Field label="Notes" id={id("notes")} error={field_error("notes")} class="field-wide">
                    <textarea id={id("notes")} rows="3" value={(*notes).clone()} oninput={bind(&notes)} />
                </Field>
            </div>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary" id={id("cancel")} onclick={cancel}>{ "Cancel" }</button>
                <button type="submit" class="btn btn-primary" id={id("submit")} disabled={*busy}>
                    {
                        match (editing, *busy) {
                            (false, true) => "Creating…",
                            (false, false) => "Create company",
                            (true, true) => "Saving…",
                            (true, false) => "Save changes",
                        }
                    }
                </button>
            </div>
        </form>
    }
}

/// The PATCH body: every field of `new` that differs from `old`, by its JSON name.
fn changes(old: &Company, new: &Company) -> Map<String, Value> {
    let mut patch = Map::new();
    let mut text = |key: &str, a: &str, b: &str| {
        if a != b {
            patch.insert(key.into(), Value::String(b.to_string()));
        }
    };
    text("name", &old.name, &new.name);
    text("companyType", &old.company_type, &new.company_type);
    text("industry", &old.industry, &new.industry);
    text("website", &old.website, &new.website);
    text("phone", &old.phone, &new.phone);
    text("notes", &old.notes, &new.notes);
    text("parentId", &old.parent_id, &new.parent_id);
    text("source", &old.source, &new.source);
    text("estimatedDealValue", &old.estimated_deal_value, &new.estimated_deal_value);
    text("dealCurrency", &old.deal_currency, &new.deal_currency);
    text("firstInteractionDate", &old.first_interaction_date, &new.first_interaction_date);
    if old.tags != new.tags {
        patch.insert("tags".into(), Value::from(new.tags.clone()));
    }
    if old.lead_score != new.lead_score {
        patch.insert("leadScore".into(), new.lead_score.map_or(Value::Null, Value::from));
    }
    if old.company_size != new.company_size {
        let size = if new.company_size.is_empty() { "COMPANY_SIZE_UNSPECIFIED" } else { &new.company_size };
        patch.insert("companySize".into(), Value::String(size.to_string()));
    }
    if old.custom_fields != new.custom_fields {
        patch.insert("customFields".into(), Value::Object(new.custom_fields.clone()));
    }
    patch
}
